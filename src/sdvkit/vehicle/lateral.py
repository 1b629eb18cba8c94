"""Steering and lateral dynamics: a single-track (bicycle) model, kinematic at low speed and
dynamic above, with a rate- and angle-limited steering actuator.

Frame: ISO 8855, x forward, y left, yaw counter-clockwise positive; a positive road-wheel angle
steers left. The caller (the longitudinal model) supplies the body-frame longitudinal speed
``vx`` each step; this model integrates the lateral velocity ``vy`` at the centre of gravity, the
yaw rate ``r``, and the pose (x, y, heading) of the centre of gravity in the world frame.

**Kinematic** (``vx`` below ``kinematic_below_mps``, and reversing): no tyre slip. The rear axle
moves along the body's x axis, so ``r = vx·tan δ / L`` and ``vy = b·r`` (``b`` = CG → rear
axle; sideslip ``β = atan(b·tan δ / L)``). The rear axle turns on a radius ``L / tan δ``. To
keep the plant honest on ice, ``|vx·r|`` is capped at the front axle's grip (``k_f·µ·g``, below):
past that the car ploughs on.

**Dynamic** (above ``dynamic_above_mps``): the linear single-track model::

    α_f = δ − (vy + a·r) / vx            F_f = clamp(C_f·α_f, ±k_f·µ·F_zf)
    α_r = −(vy − b·r) / vx               F_r = clamp(C_r·α_r, ±µ·F_zr)
    m·(dvy/dt + vx·r) = F_f + F_r        I_z·dr/dt = a·F_f − b·F_r

with the axle loads ``F_z`` from the static weight distribution and ``k_f`` =
``front_grip_ratio`` (0.95: the front axle gives up first, so the car understeers at the limit,
as road cars do, instead of being exactly neutral there). The lateral acceleration never exceeds
``µ·g`` and settles at ``k_f·µ·g`` when the front axle is saturated. The model is integrated with
a linearly implicit (Rosenbrock–Euler) step whose Jacobian includes the saturation: stable at any
speed and step, and its steady state is exactly the model's, so the steady-state yaw-rate gain
is ``v / (L + K·v²)`` with the understeer gradient ``K = m·(b/C_f − a/C_r)/L``.

**Between** the two, the states are blended linearly with speed: the dynamic step runs from the
blended state and the result is mixed with the kinematic state. Both parts are stable, so the
blend is.

Combined braking and cornering follows a friction circle: at a longitudinal acceleration a_x the
axles keep √(1 − (a_x/µg)²) of their lateral grip.

Left out: load transfer itself (so on dry asphalt the grip limit is ≈ 0.95·µ·g ≈ 1.1 g, where
real mid-size cars corner at 0.9–1.0 g), tyre relaxation length, roll, and electronic stability
control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sdvkit.vehicle.checks import in_range
from sdvkit.vehicle.errors import VehicleInputError
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2

_TWO_PI = 2.0 * math.pi
_MAX_GRIP_USAGE = 0.995
_MIN_LATERAL_SHARE = math.sqrt(1.0 - _MAX_GRIP_USAGE**2)
"""At the limit of braking a tyre keeps this sliver of lateral grip (ABS keeps the wheels rolling)."""


def _in_range(
    name: str, value: object, low: float, high: float, *, low_open: bool = True, high_open: bool = False
) -> float:
    """The shared check, with the lower end open by default (most limits here must be above zero)."""
    return in_range(name, value, low, high, low_open=low_open, high_open=high_open)


@dataclass(frozen=True, kw_only=True, slots=True)
class SteeringParams:
    """The steering actuator: ratio and limits, at the road wheels."""

    steering_ratio: float = 15.0
    """Steering-wheel angle / road-wheel angle. Mid-size cars: 14–16 (typical value)."""
    max_road_wheel_angle_rad: float = math.radians(35.0)
    """Full lock, as the single-track model's one front wheel. 35° on a 2.875 m wheelbase gives a
    kerb-to-kerb turning circle of about 11.6 m, what mid-size EVs are quoted at (~11.5–12 m)."""
    max_road_wheel_rate_rad_per_s: float = 0.8
    """Fastest road-wheel angle rate: 12 rad/s (≈690°/s) at the steering wheel, about the 720°/s
    of NHTSA's fishhook test and what an electric power steering can follow (typical value)."""

    def __post_init__(self) -> None:
        _in_range("steering.steering_ratio", self.steering_ratio, 1.0, 40.0, low_open=False)
        _in_range("steering.max_road_wheel_angle_rad", self.max_road_wheel_angle_rad, 0.0, 1.2)
        _in_range("steering.max_road_wheel_rate_rad_per_s", self.max_road_wheel_rate_rad_per_s, 0.0, 20.0)

    def road_wheel_angle_rad(self, steering_wheel_angle_rad: float) -> float:
        """The road-wheel angle a steering-wheel angle asks for (no limits applied)."""
        return steering_wheel_angle_rad / self.steering_ratio

    def steering_wheel_angle_rad(self, road_wheel_angle_rad: float) -> float:
        """The steering-wheel angle that goes with a road-wheel angle."""
        return road_wheel_angle_rad * self.steering_ratio


@dataclass(frozen=True, kw_only=True, slots=True)
class LateralParams:
    """Geometry, inertia and tyres of the single-track model (defaults: a mid-size EV)."""

    wheelbase_m: float = 2.875
    """Tesla Model 3's wheelbase; mid-size EVs are 2.77–2.9 m."""
    cg_to_front_axle_m: float = 1.5
    """Static front/rear load split 48/52, typical of rear-motor EVs (battery in the floor)."""
    yaw_inertia_kg_m2: float = 3000.0
    """About 0.8·m·a·b for 1,800 kg; measured mid-size sedans are 2,500–3,500 kg·m² (NHTSA's inertia
    measurements), an EV's floor battery near the CG keeps it toward the low end. Typical value."""
    front_cornering_stiffness_n_per_rad: float = 80_000.0
    """Front axle (both tyres), effective: steering compliance lowers it below the tyres' own
    (~2 × 55–70 kN/rad for a 235/45 R18 at this load). Typical single-track value."""
    rear_cornering_stiffness_n_per_rad: float = 120_000.0
    """Rear axle (both tyres). With the front value, at 1,800 kg: understeer gradient ≈ 1.65°/g,
    characteristic speed ≈ 113 km/h, a mildly understeering road car. Typical value."""
    front_grip_ratio: float = 0.95
    """The front axle's peak lateral friction as a share of the road's µ (the rear gets all of it).
    Lateral load transfer, carried mostly at the front (stiffer front anti-roll bar), costs the
    front axle more grip through tyre load sensitivity: that is why road cars understeer at the
    limit. With static loads and equal µ both axles would saturate at the same lateral
    acceleration and the model would be neutral at the limit, slowly spinning out after any
    overshoot. 0.95 (chosen): the car ploughs at 0.95·µ·g instead."""
    kinematic_below_mps: float = 3.0
    """Below this speed the model is purely kinematic (the dynamic one divides by speed)."""
    dynamic_above_mps: float = 6.0
    """Above this speed the model is purely dynamic; linear blend in between."""

    def __post_init__(self) -> None:
        _in_range("lateral.wheelbase_m", self.wheelbase_m, 0.5, 10.0, low_open=False)
        _in_range(
            "lateral.cg_to_front_axle_m", self.cg_to_front_axle_m, 0.0, self.wheelbase_m, high_open=True
        )
        _in_range("lateral.yaw_inertia_kg_m2", self.yaw_inertia_kg_m2, 0.0, 1e6)
        _in_range(
            "lateral.front_cornering_stiffness_n_per_rad", self.front_cornering_stiffness_n_per_rad, 0.0, 1e7
        )
        _in_range(
            "lateral.rear_cornering_stiffness_n_per_rad", self.rear_cornering_stiffness_n_per_rad, 0.0, 1e7
        )
        _in_range("lateral.front_grip_ratio", self.front_grip_ratio, 0.0, 1.0)
        _in_range("lateral.kinematic_below_mps", self.kinematic_below_mps, 0.0, 30.0)
        _in_range(
            "lateral.dynamic_above_mps", self.dynamic_above_mps, self.kinematic_below_mps, 60.0, low_open=True
        )

    @property
    def cg_to_rear_axle_m(self) -> float:
        return self.wheelbase_m - self.cg_to_front_axle_m

    @property
    def front_axle_share(self) -> float:
        """Share of the weight on the front axle (static): ``b / L``."""
        return self.cg_to_rear_axle_m / self.wheelbase_m

    def understeer_gradient_rad_per_mps2(self, mass_kg: float) -> float:
        """``K = m·(b/C_f − a/C_r)/L``: extra road-wheel angle per m/s² of lateral acceleration
        (positive: understeer)."""
        return (
            mass_kg
            * (
                self.cg_to_rear_axle_m / self.front_cornering_stiffness_n_per_rad
                - self.cg_to_front_axle_m / self.rear_cornering_stiffness_n_per_rad
            )
            / self.wheelbase_m
        )

    def steady_state_yaw_rate_gain(self, speed_mps: float, mass_kg: float) -> float:
        """Steady-state yaw rate per road-wheel angle, ``v / (L + K·v²)`` (1/s), linear range."""
        return speed_mps / (self.wheelbase_m + self.understeer_gradient_rad_per_mps2(mass_kg) * speed_mps**2)


class BicycleModel:
    """Lateral state of the car; :meth:`step` it at the plant rate with the longitudinal speed.

    ``mass_kg`` is the vehicle's mass (the longitudinal model's, so there is one figure for it);
    with :class:`LateralParams` it gives the static axle loads and the understeer gradient.
    """

    __slots__ = (
        "_a_m",
        "_a_over_inertia",
        "_b_m",
        "_b_over_inertia",
        "_blend_per_mps",
        "_cf",
        "_cr",
        "_front_grip_n_per_mu",
        "_inverse_mass",
        "_inverse_wheelbase",
        "_kinematic_accel_per_mu_mps2",
        "_kinematic_below_mps",
        "_mass_kg",
        "_max_angle_rad",
        "_max_rate_rad_per_s",
        "_rear_grip_n_per_mu",
        "dynamic_share",
        "front_force_n",
        "heading_rad",
        "lateral",
        "lateral_accel_mps2",
        "lateral_velocity_mps",
        "rear_force_n",
        "road_wheel_angle_rad",
        "speed_mps",
        "steering",
        "x_m",
        "y_m",
        "yaw_rate_rad_per_s",
    )

    lateral: LateralParams
    steering: SteeringParams
    x_m: float
    """World position of the centre of gravity."""
    y_m: float
    heading_rad: float
    """Yaw angle of the body x axis, wrapped to [−π, π]."""
    lateral_velocity_mps: float
    """Body-frame lateral velocity of the centre of gravity (left positive)."""
    yaw_rate_rad_per_s: float
    road_wheel_angle_rad: float
    """Actual road-wheel angle, after the actuator's rate and angle limits."""
    lateral_accel_mps2: float
    """Body-frame lateral acceleration at the CG: (F_f + F_r)/m when dynamic, vx·r when kinematic."""
    speed_mps: float
    """The longitudinal speed of the last step."""
    dynamic_share: float
    """0 = kinematic, 1 = dynamic, in between while blending."""
    front_force_n: float
    """Lateral tyre force of the front axle (dynamic model; 0 while purely kinematic)."""
    rear_force_n: float

    def __init__(
        self,
        lateral: LateralParams | None = None,
        steering: SteeringParams | None = None,
        *,
        mass_kg: float,
        x_m: float = 0.0,
        y_m: float = 0.0,
        heading_rad: float = 0.0,
    ) -> None:
        self.lateral = lateral if lateral is not None else LateralParams()
        self.steering = steering if steering is not None else SteeringParams()
        params = self.lateral
        self._mass_kg = _in_range("mass_kg", mass_kg, 0.0, 50_000.0)
        self._a_m = params.cg_to_front_axle_m
        self._b_m = params.cg_to_rear_axle_m
        self._cf = params.front_cornering_stiffness_n_per_rad
        self._cr = params.rear_cornering_stiffness_n_per_rad
        self._inverse_mass = 1.0 / self._mass_kg
        self._a_over_inertia = self._a_m / params.yaw_inertia_kg_m2
        self._b_over_inertia = self._b_m / params.yaw_inertia_kg_m2
        weight_n = self._mass_kg * STANDARD_GRAVITY_MPS2
        front_load_n = weight_n * params.front_axle_share
        self._front_grip_n_per_mu = params.front_grip_ratio * front_load_n
        self._rear_grip_n_per_mu = weight_n - front_load_n
        self._kinematic_accel_per_mu_mps2 = params.front_grip_ratio * STANDARD_GRAVITY_MPS2
        self._inverse_wheelbase = 1.0 / params.wheelbase_m
        self._kinematic_below_mps = params.kinematic_below_mps
        self._blend_per_mps = 1.0 / (params.dynamic_above_mps - params.kinematic_below_mps)
        self._max_angle_rad = self.steering.max_road_wheel_angle_rad
        self._max_rate_rad_per_s = self.steering.max_road_wheel_rate_rad_per_s
        self.reset(x_m=x_m, y_m=y_m, heading_rad=heading_rad)

    def reset(self, *, x_m: float = 0.0, y_m: float = 0.0, heading_rad: float = 0.0) -> None:
        """Standing still at this pose, wheels straight."""
        for name, value in (("x_m", x_m), ("y_m", y_m), ("heading_rad", heading_rad)):
            if not math.isfinite(value):
                raise VehicleInputError(f"{name} must be finite, got {value!r}")
        self.x_m = float(x_m)
        self.y_m = float(y_m)
        self.heading_rad = math.remainder(heading_rad, _TWO_PI)
        self.lateral_velocity_mps = 0.0
        self.yaw_rate_rad_per_s = 0.0
        self.road_wheel_angle_rad = 0.0
        self.lateral_accel_mps2 = 0.0
        self.speed_mps = 0.0
        self.dynamic_share = 0.0
        self.front_force_n = 0.0
        self.rear_force_n = 0.0

    @property
    def mass_kg(self) -> float:
        return self._mass_kg

    @property
    def front_axle_load_n(self) -> float:
        """Static load on the front axle (its lateral grip is ``front_grip_ratio·µ`` times this)."""
        return self._mass_kg * STANDARD_GRAVITY_MPS2 * self.lateral.front_axle_share

    @property
    def rear_axle_load_n(self) -> float:
        """Static load on the rear axle (its lateral grip is ``µ`` times this)."""
        return self._mass_kg * STANDARD_GRAVITY_MPS2 - self.front_axle_load_n

    @property
    def understeer_gradient_rad_per_mps2(self) -> float:
        """This car's understeer gradient (see :meth:`LateralParams.understeer_gradient_rad_per_mps2`)."""
        return self.lateral.understeer_gradient_rad_per_mps2(self._mass_kg)

    @property
    def sideslip_rad(self) -> float:
        """Body sideslip angle at the CG, ``atan2(vy, vx)`` (0 at standstill)."""
        if self.speed_mps == 0.0 and self.lateral_velocity_mps == 0.0:
            return 0.0
        return math.atan2(self.lateral_velocity_mps, self.speed_mps)

    @property
    def steering_wheel_angle_rad(self) -> float:
        """The steering-wheel angle that goes with the actual road-wheel angle."""
        return self.road_wheel_angle_rad * self.steering.steering_ratio

    def step(
        self,
        dt_s: float,
        speed_mps: float,
        steer_request_rad: float,
        mu: float,
        longitudinal_accel_mps2: float = 0.0,
    ) -> None:
        """Advance one step.

        ``speed_mps``: body-frame longitudinal speed (negative when reversing), from the caller.
        ``steer_request_rad``: the road-wheel angle asked for (left positive); the actuator moves
        toward it at most at its rate limit and never past full lock.
        ``mu``: peak tyre–road friction of the surface under the car.
        ``longitudinal_accel_mps2``: what braking or driving takes of the tyres' grip (friction
        circle): the lateral grip left is ``√(1 − (a_x / µg)²)`` of the full grip.
        """
        if not 0.0 < dt_s <= 0.1:
            raise VehicleInputError(f"dt_s must be in (0, 0.1] s, got {dt_s!r}")
        if not 0.0 < mu <= 2.0:
            raise VehicleInputError(f"mu must be in (0, 2], got {mu!r}")
        if not (math.isfinite(speed_mps) and math.isfinite(steer_request_rad)):
            raise VehicleInputError(
                f"speed_mps and steer_request_rad must be finite, got {speed_mps!r}, {steer_request_rad!r}"
            )

        # Steering actuator: angle limit, then rate limit.
        limit = self._max_angle_rad
        request = -limit if steer_request_rad < -limit else min(steer_request_rad, limit)
        delta = self.road_wheel_angle_rad
        max_move = self._max_rate_rad_per_s * dt_s
        if request > delta + max_move:
            delta += max_move
        elif request < delta - max_move:
            delta -= max_move
        else:
            delta = request
        self.road_wheel_angle_rad = delta

        # Friction circle: the grip braking or driving uses is not there for cornering.
        usage = abs(longitudinal_accel_mps2) / (mu * STANDARD_GRAVITY_MPS2)
        lateral_mu = (
            mu * math.sqrt(1.0 - usage * usage) if usage < _MAX_GRIP_USAGE else mu * _MIN_LATERAL_SHARE
        )
        vx = speed_mps
        vy = self.lateral_velocity_mps
        r = self.yaw_rate_rad_per_s
        share = (vx - self._kinematic_below_mps) * self._blend_per_mps
        if share <= 0.0:
            share = 0.0
        elif share > 1.0:
            share = 1.0

        if share > 0.0:
            # Dynamic single-track model, one linearly implicit Euler step (vx > 0 here).
            a = self._a_m
            b = self._b_m
            cf = self._cf
            cr = self._cr
            inverse_vx = 1.0 / vx
            front_max = lateral_mu * self._front_grip_n_per_mu
            rear_max = lateral_mu * self._rear_grip_n_per_mu

            front = cf * (delta - (vy + a * r) * inverse_vx)
            front_slope = cf  # dF/dα: zero where the tyre is saturated
            if front > front_max:
                front, front_slope = front_max, 0.0
            elif front < -front_max:
                front, front_slope = -front_max, 0.0
            rear = cr * (b * r - vy) * inverse_vx
            rear_slope = cr
            if rear > rear_max:
                rear, rear_slope = rear_max, 0.0
            elif rear < -rear_max:
                rear, rear_slope = -rear_max, 0.0

            inverse_mass = self._inverse_mass
            a_over_inertia = self._a_over_inertia
            b_over_inertia = self._b_over_inertia
            f_vy = (front + rear) * inverse_mass - vx * r
            f_r = a_over_inertia * front - b_over_inertia * rear
            # Jacobian of (f_vy, f_r) with respect to (vy, r).
            cross = (rear_slope * b - front_slope * a) * inverse_vx
            j11 = -(front_slope + rear_slope) * inverse_vx * inverse_mass
            j12 = cross * inverse_mass - vx
            j21 = (b_over_inertia * rear_slope - a_over_inertia * front_slope) * inverse_vx
            j22 = -(a_over_inertia * front_slope * a + b_over_inertia * rear_slope * b) * inverse_vx
            # (I − dt·J)·Δ = dt·f
            m11 = 1.0 - dt_s * j11
            m12 = -dt_s * j12
            m21 = -dt_s * j21
            m22 = 1.0 - dt_s * j22
            scale = dt_s / (m11 * m22 - m12 * m21)
            vy += scale * (m22 * f_vy - m12 * f_r)
            r += scale * (m11 * f_r - m21 * f_vy)

            front = cf * (delta - (vy + a * r) * inverse_vx)
            if front > front_max:
                front = front_max
            elif front < -front_max:
                front = -front_max
            rear = cr * (b * r - vy) * inverse_vx
            if rear > rear_max:
                rear = rear_max
            elif rear < -rear_max:
                rear = -rear_max
            self.front_force_n = front
            self.rear_force_n = rear
            vy_dynamic = vy
            r_dynamic = r
            ay_dynamic = (front + rear) * inverse_mass
        else:
            vy_dynamic = r_dynamic = ay_dynamic = 0.0
            self.front_force_n = 0.0
            self.rear_force_n = 0.0
        if share < 1.0:
            r_kinematic = vx * math.tan(delta) * self._inverse_wheelbase
            if vx != 0.0:
                # The front axle's grip caps |vx·r|, as in the dynamic model: past it the car ploughs.
                max_r = lateral_mu * self._kinematic_accel_per_mu_mps2 / abs(vx)
                if r_kinematic > max_r:
                    r_kinematic = max_r
                elif r_kinematic < -max_r:
                    r_kinematic = -max_r
            kinematic = 1.0 - share
            vy = share * vy_dynamic + kinematic * self._b_m * r_kinematic
            r = share * r_dynamic + kinematic * r_kinematic
            ay = share * ay_dynamic + kinematic * vx * r_kinematic
        else:
            vy, r, ay = vy_dynamic, r_dynamic, ay_dynamic

        # Pose, with the heading at mid-step (second order along a circle).
        heading = self.heading_rad
        mid = heading + 0.5 * r * dt_s
        cos_mid = math.cos(mid)
        sin_mid = math.sin(mid)
        self.x_m += (vx * cos_mid - vy * sin_mid) * dt_s
        self.y_m += (vx * sin_mid + vy * cos_mid) * dt_s
        heading += r * dt_s
        if heading > math.pi or heading < -math.pi:
            heading = math.remainder(heading, _TWO_PI)
        self.heading_rad = heading
        self.lateral_velocity_mps = vy
        self.yaw_rate_rad_per_s = r
        self.lateral_accel_mps2 = ay
        self.speed_mps = vx
        self.dynamic_share = share
