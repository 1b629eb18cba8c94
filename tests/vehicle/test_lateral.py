"""Steering and lateral dynamics: the bicycle model's limits in a lane change, its steady-state
gains (dynamic and kinematic), saturation on low µ, the kinematic–dynamic blend, determinism."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from sdvkit.vehicle.brakes import STANDARD_GRAVITY_MPS2, road_surface
from sdvkit.vehicle.errors import ParameterError
from sdvkit.vehicle.lateral import BicycleModel, LateralParams, SteeringParams

MASS_KG = 1800.0
DT_S = 0.01
MU_DRY = road_surface("dry_asphalt").mu
LANE_WIDTH_M = 3.5


@dataclass
class Trace:
    angle_rad: list[float] = field(default_factory=list)
    accel_mps2: list[float] = field(default_factory=list)
    yaw_rate_rad_per_s: list[float] = field(default_factory=list)
    y_m: list[float] = field(default_factory=list)

    def record(self, model: BicycleModel) -> None:
        self.angle_rad.append(model.road_wheel_angle_rad)
        self.accel_mps2.append(model.lateral_accel_mps2)
        self.yaw_rate_rad_per_s.append(model.yaw_rate_rad_per_s)
        self.y_m.append(model.y_m)

    def max_rate_rad_per_s(self) -> float:
        return (
            max(abs(later - earlier) for earlier, later in itertools.pairwise([0.0, *self.angle_rad])) / DT_S
        )


def lane_change(
    model: BicycleModel, speed_mps: float, duration_s: float, mu: float, amplitude_rad: float
) -> Trace:
    """One full sine of road-wheel angle request over ``duration_s``, then straight for 3 s."""
    trace = Trace()
    for index in range(round((duration_s + 3.0) / DT_S)):
        time_s = index * DT_S
        request = (
            amplitude_rad * math.sin(2.0 * math.pi * time_s / duration_s) if time_s < duration_s else 0.0
        )
        model.step(DT_S, speed_mps, request, mu)
        trace.record(model)
    return trace


def sine_amplitude_for(displacement_m: float, speed_mps: float, duration_s: float) -> float:
    """With yaw rate = gain·δ, one sine of δ over T moves the car sideways by v·gain·A·T²/(2π)."""
    gain = LateralParams().steady_state_yaw_rate_gain(speed_mps, MASS_KG)
    return 2.0 * math.pi * displacement_m / (speed_mps * gain * duration_s**2)


# --- lane change ------------------------------------------------------------------------------


def test_lane_change_at_80_kmh_follows_the_models_limits() -> None:
    model = BicycleModel(mass_kg=MASS_KG)
    speed = 80.0 / 3.6
    amplitude = sine_amplitude_for(LANE_WIDTH_M, speed, 3.0)
    trace = lane_change(model, speed, 3.0, MU_DRY, amplitude)
    steering = model.steering
    assert max(map(abs, trace.angle_rad)) <= steering.max_road_wheel_angle_rad
    assert trace.max_rate_rad_per_s() <= steering.max_road_wheel_rate_rad_per_s + 1e-9
    assert max(map(abs, trace.accel_mps2)) <= MU_DRY * STANDARD_GRAVITY_MPS2
    assert model.y_m == pytest.approx(LANE_WIDTH_M, abs=0.5)
    assert abs(model.heading_rad) < 0.005  # heading straight…
    assert abs(model.yaw_rate_rad_per_s) < 0.001
    assert abs(trace.y_m[-1] - trace.y_m[-101]) < 0.02  # …and no longer drifting sideways
    assert model.x_m == pytest.approx(speed * 6.0, rel=0.01)
    # a normal lane change: peak lateral acceleration a few m/s², well inside the grip
    assert 1.5 < max(map(abs, trace.accel_mps2)) < 4.0


def test_a_violent_lane_change_on_snow_stays_within_the_limits() -> None:
    """A request far beyond what the actuator and the tyres can do: rate, angle and µ·g hold."""
    mu = road_surface("snow").mu
    model = BicycleModel(mass_kg=MASS_KG)
    trace = lane_change(model, 80.0 / 3.6, 4.0, mu, amplitude_rad=1.0)
    steering = model.steering
    assert max(map(abs, trace.angle_rad)) == pytest.approx(steering.max_road_wheel_angle_rad)
    assert trace.max_rate_rad_per_s() == pytest.approx(steering.max_road_wheel_rate_rad_per_s)
    assert max(map(abs, trace.accel_mps2)) <= mu * STANDARD_GRAVITY_MPS2 + 1e-9
    assert max(map(abs, trace.accel_mps2)) > 0.9 * mu * STANDARD_GRAVITY_MPS2


def test_steering_actuator_is_rate_and_angle_limited() -> None:
    model = BicycleModel(mass_kg=MASS_KG)
    steering = model.steering
    rate_step = steering.max_road_wheel_rate_rad_per_s * DT_S
    angles = []
    for _ in range(100):
        model.step(DT_S, 10.0, 2.0, MU_DRY)
        angles.append(model.road_wheel_angle_rad)
    assert angles[0] == pytest.approx(rate_step)
    assert angles[9] == pytest.approx(10 * rate_step)
    assert angles[-1] == steering.max_road_wheel_angle_rad
    model.step(DT_S, 10.0, -2.0, MU_DRY)
    assert model.road_wheel_angle_rad == pytest.approx(steering.max_road_wheel_angle_rad - rate_step)
    assert model.steering_wheel_angle_rad == pytest.approx(
        model.road_wheel_angle_rad * steering.steering_ratio
    )


# --- steady state -----------------------------------------------------------------------------


@pytest.mark.parametrize("speed_mps", [8.0, 15.0, 25.0, 35.0])
def test_steady_state_yaw_rate_matches_the_linear_gain(speed_mps: float) -> None:
    params = LateralParams()
    model = BicycleModel(params, mass_kg=MASS_KG)
    angle = 0.01
    for _ in range(600):
        model.step(DT_S, speed_mps, angle, MU_DRY)
    gradient = (
        MASS_KG
        * (
            params.cg_to_rear_axle_m / params.front_cornering_stiffness_n_per_rad
            - params.cg_to_front_axle_m / params.rear_cornering_stiffness_n_per_rad
        )
        / params.wheelbase_m
    )
    assert gradient > 0.0  # the default car understeers
    assert model.understeer_gradient_rad_per_mps2 == pytest.approx(gradient)
    expected = speed_mps / (params.wheelbase_m + gradient * speed_mps**2) * angle
    assert model.yaw_rate_rad_per_s == pytest.approx(expected, rel=0.02)
    assert model.lateral_accel_mps2 == pytest.approx(speed_mps * model.yaw_rate_rad_per_s, rel=0.02)
    assert model.dynamic_share == 1.0


def test_low_speed_turning_radius_is_kinematic() -> None:
    params = LateralParams()
    model = BicycleModel(params, mass_kg=MASS_KG)
    angle = 0.3
    speed = 2.0
    rear_axle: list[tuple[float, float]] = []
    for _ in range(3000):
        model.step(DT_S, speed, angle, MU_DRY)
        back = params.cg_to_rear_axle_m
        rear_axle.append(
            (model.x_m - back * math.cos(model.heading_rad), model.y_m - back * math.sin(model.heading_rad))
        )
    assert model.dynamic_share == 0.0
    radius = params.wheelbase_m / math.tan(angle)
    assert model.yaw_rate_rad_per_s == pytest.approx(speed / radius)
    assert model.sideslip_rad == pytest.approx(
        math.atan(params.cg_to_rear_axle_m * math.tan(angle) / params.wheelbase_m)
    )
    assert circle_radius(rear_axle[500], rear_axle[1500], rear_axle[2500]) == pytest.approx(radius, rel=0.005)


def circle_radius(p: tuple[float, float], q: tuple[float, float], s: tuple[float, float]) -> float:
    """Radius of the circle through three points."""
    a = math.dist(p, q)
    b = math.dist(q, s)
    c = math.dist(s, p)
    twice_area = abs((q[0] - p[0]) * (s[1] - p[1]) - (s[0] - p[0]) * (q[1] - p[1]))
    return a * b * c / (2.0 * twice_area)


@pytest.mark.parametrize("surface", ["snow", "ice", "wet_asphalt"])
def test_low_mu_saturation_limits_lateral_acceleration(surface: str) -> None:
    mu = road_surface(surface).mu
    model = BicycleModel(mass_kg=MASS_KG)
    peak = 0.0
    for _ in range(1000):
        model.step(DT_S, 15.0, 0.15, mu)  # linear model would ask for ~7.5 m/s²
        peak = max(peak, abs(model.lateral_accel_mps2))
    grip = mu * STANDARD_GRAVITY_MPS2
    assert peak <= grip + 1e-9
    # settles at the front axle's grip (front_grip_ratio · µ · g): the car ploughs, it does not spin
    assert model.lateral_accel_mps2 == pytest.approx(model.lateral.front_grip_ratio * grip, rel=0.01)
    assert model.lateral_accel_mps2 == pytest.approx(grip, rel=0.06)
    assert abs(model.sideslip_rad) < 0.05
    assert model.yaw_rate_rad_per_s == pytest.approx(model.lateral_accel_mps2 / 15.0, rel=0.01)


def test_kinematic_regime_respects_the_grip_too() -> None:
    mu = road_surface("ice").mu
    model = BicycleModel(mass_kg=MASS_KG)
    for _ in range(200):
        model.step(DT_S, 2.9, 0.6, mu)
        assert abs(model.lateral_accel_mps2) <= mu * STANDARD_GRAVITY_MPS2 + 1e-9
    assert model.dynamic_share == 0.0


# --- blend, reverse, pose ---------------------------------------------------------------------


def test_blend_from_kinematic_to_dynamic_is_continuous() -> None:
    model = BicycleModel(mass_kg=MASS_KG)
    for _ in range(300):
        model.step(DT_S, 1.0, 0.2, MU_DRY)
    previous = model.yaw_rate_rad_per_s
    shares = []
    speed = 1.0
    while speed < 9.0:
        speed += 0.01  # 1 m/s² of acceleration
        model.step(DT_S, speed, 0.2, MU_DRY)
        shares.append(model.dynamic_share)
        assert abs(model.yaw_rate_rad_per_s - previous) < 0.01
        previous = model.yaw_rate_rad_per_s
    assert shares[0] == 0.0
    assert shares[-1] == 1.0
    assert any(0.0 < share < 1.0 for share in shares)


def test_reversing_turns_the_other_way() -> None:
    model = BicycleModel(mass_kg=MASS_KG)
    for _ in range(100):
        model.step(DT_S, -2.0, 0.3, MU_DRY)
    assert model.road_wheel_angle_rad == pytest.approx(0.3)
    assert model.yaw_rate_rad_per_s == pytest.approx(-2.0 * math.tan(0.3) / model.lateral.wheelbase_m)
    assert model.x_m < 0.0


def test_straight_driving_stays_straight_and_heading_wraps() -> None:
    model = BicycleModel(mass_kg=MASS_KG, heading_rad=math.pi / 2)
    for _ in range(500):
        model.step(DT_S, 20.0, 0.0, MU_DRY)
    assert model.x_m == pytest.approx(0.0, abs=1e-9)
    assert model.y_m == pytest.approx(100.0)
    assert model.sideslip_rad == 0.0
    circling = BicycleModel(mass_kg=MASS_KG)
    for _ in range(6000):
        circling.step(DT_S, 3.0, 0.5, MU_DRY)
        assert -math.pi <= circling.heading_rad <= math.pi


def test_the_model_is_deterministic() -> None:
    def run() -> list[tuple[float, ...]]:
        model = BicycleModel(mass_kg=MASS_KG)
        states: list[tuple[float, ...]] = []
        for index in range(1500):
            speed = 1.0 + index * 0.02
            model.step(DT_S, speed, 0.3 * math.sin(index * 0.01), 0.5)
            states.append(
                (
                    model.x_m,
                    model.y_m,
                    model.heading_rad,
                    model.lateral_velocity_mps,
                    model.yaw_rate_rad_per_s,
                )
            )
        return states

    assert run() == run()


# --- parameters and inputs --------------------------------------------------------------------


def test_default_parameters_are_a_mid_size_ev() -> None:
    lateral = LateralParams()
    steering = SteeringParams()
    assert 2.7 <= lateral.wheelbase_m <= 2.9
    assert 80_000 <= lateral.front_cornering_stiffness_n_per_rad <= 120_000
    assert 80_000 <= lateral.rear_cornering_stiffness_n_per_rad <= 120_000
    assert 14.0 <= steering.steering_ratio <= 16.0
    assert steering.max_road_wheel_angle_rad == pytest.approx(math.radians(35.0))
    assert 0.5 <= steering.max_road_wheel_rate_rad_per_s <= 1.0
    assert steering.road_wheel_angle_rad(steering.steering_wheel_angle_rad(0.1)) == pytest.approx(0.1)
    model = BicycleModel(lateral, steering, mass_kg=MASS_KG)
    assert model.front_axle_load_n + model.rear_axle_load_n == pytest.approx(MASS_KG * STANDARD_GRAVITY_MPS2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("wheelbase_m", 0.0),
        ("wheelbase_m", math.inf),
        ("cg_to_front_axle_m", 0.0),
        ("cg_to_front_axle_m", 3.0),
        ("yaw_inertia_kg_m2", -1.0),
        ("front_cornering_stiffness_n_per_rad", 0.0),
        ("rear_cornering_stiffness_n_per_rad", math.nan),
        ("front_grip_ratio", 1.1),
        ("kinematic_below_mps", 0.0),
        ("dynamic_above_mps", 3.0),
        ("yaw_inertia_kg_m2", "3000"),
    ],
)
def test_bad_lateral_parameters_raise_naming_the_parameter(field: str, value: Any) -> None:
    with pytest.raises(ParameterError) as error:
        LateralParams(**{field: value})
    assert error.value.name == f"lateral.{field}"
    assert f"lateral.{field}" in str(error.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("steering_ratio", 0.0),
        ("max_road_wheel_angle_rad", 0.0),
        ("max_road_wheel_angle_rad", math.pi / 2),
        ("max_road_wheel_rate_rad_per_s", -0.5),
        ("max_road_wheel_rate_rad_per_s", True),
    ],
)
def test_bad_steering_parameters_raise_naming_the_parameter(field: str, value: Any) -> None:
    with pytest.raises(ParameterError) as error:
        SteeringParams(**{field: value})
    assert error.value.name == f"steering.{field}"


def test_bad_mass_raises() -> None:
    with pytest.raises(ParameterError) as error:
        BicycleModel(mass_kg=-1.0)
    assert error.value.name == "mass_kg"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.0, 10.0, 0.0, 1.0), "dt_s"),
        ((math.nan, 10.0, 0.0, 1.0), "dt_s"),
        ((DT_S, 10.0, 0.0, 0.0), "mu"),
        ((DT_S, math.nan, 0.0, 1.0), "speed_mps"),
        ((DT_S, 10.0, math.inf, 1.0), "steer_request_rad"),
    ],
)
def test_bad_step_inputs_raise(args: tuple[float, float, float, float], match: str) -> None:
    model = BicycleModel(mass_kg=MASS_KG)
    with pytest.raises(ValueError, match=match):
        model.step(*args)
