"""The EV drive unit: traction motor, single-speed reduction, and their losses.

Power flows (positive = propulsion, negative = regeneration)::

    battery ── P_elec ──► motor ── P_mech ──► reduction gear ── P_wheel ──► wheels
      propulsion: P_mech = P_wheel / η_gear,  P_elec = P_mech / η_motor(|P_mech| / P_max)
      regen:      P_mech = P_wheel · η_gear,  P_elec = P_mech · η_generator(|P_mech| / P_max)

Losses are an efficiency map over the fraction of rated power, the form FASTSim and
most public motor data use. The wheel force is limited by the motor's torque (through the
gear ratio) at low speed and by its power above base speed; regenerative force by the
regen power and torque limits, fading out below a walking pace as real EVs do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from sdvkit.vehicle.checks import in_range, non_negative, positive
from sdvkit.vehicle.tables import LookupTable


class DriveMode(Enum):
    """``Vehicle.Powertrain.Transmission.PerformanceMode`` values the plant honours."""

    NORMAL = "NORMAL"
    SPORT = "SPORT"
    ECONOMY = "ECONOMY"
    SNOW = "SNOW"
    RAIN = "RAIN"


@dataclass(frozen=True, kw_only=True, slots=True)
class DriveModeLimits:
    """What a drive mode does: scale the available power and the pedal's progression."""

    power_fraction: float
    pedal_exponent: float


DRIVE_MODE_LIMITS: dict[DriveMode, DriveModeLimits] = {
    DriveMode.NORMAL: DriveModeLimits(power_fraction=1.0, pedal_exponent=1.3),
    DriveMode.SPORT: DriveModeLimits(power_fraction=1.0, pedal_exponent=1.0),
    DriveMode.ECONOMY: DriveModeLimits(power_fraction=0.7, pedal_exponent=1.6),
    DriveMode.SNOW: DriveModeLimits(power_fraction=0.5, pedal_exponent=1.8),
    DriveMode.RAIN: DriveModeLimits(power_fraction=0.8, pedal_exponent=1.5),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class PowertrainParams:
    """Motor, reduction gear and their maps."""

    motor_max_power_w: float
    motor_max_torque_nm: float
    motor_max_regen_power_w: float
    gear_ratio: float
    """Motor revolutions per wheel revolution."""
    motor_max_speed_rpm: float
    transmission_efficiency: float
    motoring_efficiency: LookupTable
    """Motor efficiency over |mechanical power| / rated power, when driving."""
    generating_efficiency: LookupTable
    """Motor efficiency over |mechanical power| / rated power, when regenerating."""
    regen_fade_speed_mps: float = 1.5
    """Below this speed regenerative braking fades linearly to zero (friction brakes take over)."""
    drive_axle_load_share: float = 0.6
    """Share of the vehicle's weight on the driven axle: what its tyres can push with (µ times it).
    A front-driven car carries about 60 % on the front axle."""

    def __post_init__(self) -> None:
        for name in ("motor_max_power_w", "motor_max_torque_nm", "gear_ratio", "motor_max_speed_rpm"):
            positive(f"powertrain.{name}", getattr(self, name))
        non_negative("powertrain.motor_max_regen_power_w", self.motor_max_regen_power_w)
        in_range("powertrain.transmission_efficiency", self.transmission_efficiency, 0.0, 1.0, low_open=True)
        self.motoring_efficiency.check_range(0.05, 1.0, "must be an efficiency in [0.05, 1]")
        self.generating_efficiency.check_range(0.05, 1.0, "must be an efficiency in [0.05, 1]")
        in_range("powertrain.drive_axle_load_share", self.drive_axle_load_share, 0.2, 1.0)
        non_negative("powertrain.regen_fade_speed_mps", self.regen_fade_speed_mps)


class Powertrain:
    """Force limits at the wheels and the electrical power a wheel power costs or returns."""

    __slots__ = (
        "_generating",
        "_max_power_w",
        "_motoring",
        "_power_fraction",
        "_regen_fade_speed_mps",
        "_transmission_efficiency",
        "_wheel_radius_m",
        "params",
    )

    def __init__(self, params: PowertrainParams, *, wheel_radius_m: float) -> None:
        self.params = params
        self._wheel_radius_m = wheel_radius_m
        self._max_power_w = params.motor_max_power_w
        self._transmission_efficiency = params.transmission_efficiency
        self._motoring = params.motoring_efficiency
        self._generating = params.generating_efficiency
        self._regen_fade_speed_mps = params.regen_fade_speed_mps
        self._power_fraction = 1.0

    def set_drive_mode(self, mode: DriveMode) -> None:
        self._power_fraction = DRIVE_MODE_LIMITS[mode].power_fraction

    @property
    def max_wheel_speed_mps(self) -> float:
        """Top speed the motor's maximum speed allows."""
        params = self.params
        return params.motor_max_speed_rpm * 2 * math.pi / 60 / params.gear_ratio * self._wheel_radius_m

    def max_drive_force_n(self, speed_mps: float, battery_power_limit_w: float) -> float:
        """Largest tractive force at the wheels at this speed: torque, power and battery limits."""
        params = self.params
        if battery_power_limit_w <= 0.0 or speed_mps >= self.max_wheel_speed_mps:
            return 0.0
        torque_force = params.motor_max_torque_nm * params.gear_ratio / self._wheel_radius_m
        torque_force *= params.transmission_efficiency
        if speed_mps < 0.1:
            return torque_force * self._power_fraction
        mech_limit_w = params.motor_max_power_w * self._power_fraction
        # The battery must also cover the motor's losses at that power.
        efficiency = self._motoring(min(1.0, battery_power_limit_w / self._max_power_w))
        mech_limit_w = min(mech_limit_w, battery_power_limit_w * efficiency)
        power_force = mech_limit_w * params.transmission_efficiency / speed_mps
        return max(0.0, min(torque_force * self._power_fraction, power_force))

    def max_regen_force_n(self, speed_mps: float, battery_charge_limit_w: float) -> float:
        """Largest regenerative braking force at the wheels at this speed."""
        params = self.params
        if speed_mps <= 0.0:
            return 0.0
        torque_force = params.motor_max_torque_nm * params.gear_ratio / self._wheel_radius_m
        electrical_limit_w = min(params.motor_max_regen_power_w, battery_charge_limit_w)
        if electrical_limit_w <= 0:
            return 0.0
        efficiency = self._generating(min(1.0, electrical_limit_w / self._max_power_w))
        wheel_limit_w = electrical_limit_w / (efficiency * params.transmission_efficiency)
        force = min(torque_force, wheel_limit_w / speed_mps)
        if speed_mps < self._regen_fade_speed_mps:
            force *= speed_mps / self._regen_fade_speed_mps
        return force

    def electrical_power_w(self, wheel_power_w: float) -> tuple[float, float, float]:
        """``(electrical, motor loss, gear loss)`` in watts for a power at the wheels.

        Positive wheel power draws from the battery; negative returns to it.
        """
        max_power = self._max_power_w
        efficiency_gear = self._transmission_efficiency
        if wheel_power_w >= 0.0:
            mech_w = wheel_power_w / efficiency_gear
            motor_efficiency = self._motoring(mech_w / max_power)
            electrical_w = mech_w / motor_efficiency
            return electrical_w, electrical_w - mech_w, mech_w - wheel_power_w
        mech_w = wheel_power_w * efficiency_gear
        motor_efficiency = self._generating(-mech_w / max_power)
        electrical_w = mech_w * motor_efficiency
        return electrical_w, electrical_w - mech_w, mech_w - wheel_power_w

    def motor_speed_rpm(self, speed_mps: float) -> float:
        return speed_mps / self._wheel_radius_m * self.params.gear_ratio * 60 / (2 * math.pi)

    def motor_torque_nm(self, wheel_force_n: float) -> float:
        """Motor shaft torque for a wheel force (through the gear; sign follows the force)."""
        return wheel_force_n * self._wheel_radius_m / self.params.gear_ratio
