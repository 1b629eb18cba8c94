"""The simulated vehicle: chassis, brakes, steering, EV powertrain and traction battery, and the
plant that puts them on the broker."""
