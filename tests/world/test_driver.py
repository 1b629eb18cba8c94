"""The virtual driver: speed-trace following on a point-mass car, path following on a kinematic bicycle."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import pytest

from sdvkit.world.cycles import DriveCycle, builtin_cycle
from sdvkit.world.driver import (
    PathCommand,
    PathDriverSpec,
    PathFollowingDriver,
    SpeedTraceDriver,
    SpeedTraceDriverSpec,
    pedal_positions,
)
from sdvkit.world.errors import DriverError

# -- a point-mass car for the speed-trace driver ---------------------------------------------------


@dataclass
class PointMass:
    """a = (actuator output) − road load / m; the actuator follows the demand with a first-order lag."""

    mass_kg: float = 1500.0
    rolling_n: float = 150.0
    aero_n_per_mps2: float = 0.4
    lag_s: float = 0.1
    speed_mps: float = 0.0
    actuator_mps2: float = 0.0

    def advance(self, demand_mps2: float, dt_s: float) -> None:
        self.actuator_mps2 += (demand_mps2 - self.actuator_mps2) * dt_s / self.lag_s
        v = self.speed_mps
        load_mps2 = (self.rolling_n + self.aero_n_per_mps2 * v * v) / self.mass_kg if v > 0.0 else 0.0
        # brakes and road load stop the car; they do not reverse it
        self.speed_mps = max(v + (self.actuator_mps2 - load_mps2) * dt_s, 0.0)


@dataclass
class Tracking:
    rms_error_kmh: float
    max_error_kmh: float
    distance_m: float
    stopped_speeds_mps: list[float]


def drive(
    cycle: DriveCycle,
    spec: SpeedTraceDriverSpec | None = None,
    dt_s: float = 0.01,
    car: PointMass | None = None,
) -> Tracking:
    car = car if car is not None else PointMass()
    driver = SpeedTraceDriver(cycle, spec)
    steps = round(cycle.duration_s / dt_s)
    squares = 0.0
    worst = 0.0
    distance = 0.0
    stopped: list[float] = []
    for k in range(steps + 1):
        t = cycle.start_time_s + k * dt_s
        demand = driver.step(t, car.speed_mps, dt_s)
        error = cycle.speed_at(t) - car.speed_mps
        squares += error * error
        worst = max(worst, abs(error))
        if cycle.speed_at(t) == 0.0 and cycle.speed_at(t - 1.0) == 0.0 and cycle.speed_at(t + 1.0) == 0.0:
            stopped.append(car.speed_mps)
        before = car.speed_mps
        car.advance(demand, dt_s)
        distance += 0.5 * (before + car.speed_mps) * dt_s
    return Tracking(math.sqrt(squares / (steps + 1)) * 3.6, worst * 3.6, distance, stopped)


def test_udds_at_100_hz_is_tracked_within_energy_test_tolerances() -> None:
    cycle = builtin_cycle("udds")
    result = drive(cycle)
    assert result.rms_error_kmh < 0.2
    assert result.max_error_kmh < 2.0
    assert result.distance_m == pytest.approx(cycle.distance_m, rel=0.005)
    assert result.stopped_speeds_mps
    assert max(result.stopped_speeds_mps) == 0.0  # it holds still at stops


def test_us06_with_a_slow_heavy_car_and_a_slow_driver() -> None:
    cycle = builtin_cycle("us06")
    car = PointMass(mass_kg=2500.0, rolling_n=400.0, aero_n_per_mps2=0.6, lag_s=0.2)
    result = drive(cycle, SpeedTraceDriverSpec(reaction_time_s=0.3), car=car)
    assert result.rms_error_kmh < 0.5
    assert result.distance_m == pytest.approx(cycle.distance_m, rel=0.005)


def test_preview_and_feedback_each_matter() -> None:
    cycle = builtin_cycle("hwfet")
    tuned = drive(cycle).rms_error_kmh
    no_preview = drive(cycle, SpeedTraceDriverSpec(preview_s=0.0)).rms_error_kmh
    feedforward_only = drive(cycle, SpeedTraceDriverSpec(kp_per_s=0.0, ki_per_s2=0.0))
    assert tuned < no_preview
    # without feedback nothing makes up for the road load: the car falls far behind
    assert feedforward_only.distance_m < 0.9 * cycle.distance_m


def test_reaction_time_delays_what_the_driver_sees() -> None:
    cycle = DriveCycle(name="cruise", time_s=(0.0, 100.0), speed_mps=(10.0, 10.0))
    driver = SpeedTraceDriver(cycle, SpeedTraceDriverSpec(reaction_time_s=0.25, ki_per_s2=0.0, preview_s=0.0))
    seen = []
    for k in range(60):
        driver.step(k * 0.01, 10.0 if k < 30 else 8.0, 0.01)
        seen.append(driver.perceived_speed_mps)
    # the drop to 8 m/s at step 30 (0.30 s) is seen 0.25 s later, at step 55
    assert seen[54] == 10.0
    assert seen[55] == 8.0
    assert driver.speed_error_mps == pytest.approx(2.0)
    assert driver.command_mps2 == pytest.approx(SpeedTraceDriverSpec().kp_per_s * 2.0)


def test_demands_are_limited_and_the_integral_does_not_wind_up() -> None:
    cycle = DriveCycle(name="step", time_s=(0.0, 1.0, 60.0), speed_mps=(0.0, 30.0, 30.0))
    spec = SpeedTraceDriverSpec(max_accel_mps2=2.0, max_decel_mps2=3.0, integral_limit_mps2=1.0)
    driver = SpeedTraceDriver(cycle, spec)
    commands = [driver.step(k * 0.01, 0.0, 0.01) for k in range(2000)]  # a car that never moves
    assert max(commands) == 2.0
    assert driver.integral_mps2 <= 1.0
    # far above the trace the driver brakes at most max_decel
    fast = SpeedTraceDriver(cycle, spec)
    assert min(fast.step(k * 0.01, 60.0, 0.01) for k in range(200)) == -3.0


def test_standing_at_a_stop_holds_the_brake() -> None:
    cycle = DriveCycle(name="wait", time_s=(0.0, 10.0, 12.0), speed_mps=(0.0, 0.0, 2.0))
    driver = SpeedTraceDriver(cycle, SpeedTraceDriverSpec(standstill_brake_mps2=0.4))
    assert driver.step(0.0, 0.0, 0.01) == -0.4
    assert driver.step(5.0, 0.0, 0.01) == -0.4
    assert driver.step(9.95, 0.0, 0.01) > 0.5  # the launch is in the preview: pull away with the trace


def test_reset_forgets_the_past() -> None:
    cycle = builtin_cycle("hwfet")
    driver = SpeedTraceDriver(cycle)
    for k in range(500):
        driver.step(k * 0.01, 0.0, 0.01)
    driver.reset()
    assert driver.integral_mps2 == 0.0
    assert driver.step(0.0, 0.0, 0.01) == SpeedTraceDriver(cycle).step(0.0, 0.0, 0.01)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kp_per_s": -1.0}, "kp_per_s = -1.0 must not be negative"),
        ({"reaction_time_s": math.nan}, "reaction_time_s = nan is not a finite number"),
        ({"max_accel_mps2": 0.0}, "max_accel_mps2 = 0.0 must be positive"),
        ({"max_decel_mps2": math.inf}, "max_decel_mps2 = inf is not a finite number"),
        ({"kp_per_s": 4.0, "reaction_time_s": 0.3}, "must stay below 1"),
        ({"standstill_brake_mps2": 9.0}, "exceeds max_decel_mps2"),
    ],
)
def test_impossible_speed_driver_parameters(changes: dict[str, float], message: str) -> None:
    with pytest.raises(DriverError) as info:
        SpeedTraceDriverSpec(**changes)
    assert message in str(info.value)


def test_bad_steps_are_refused() -> None:
    driver = SpeedTraceDriver(builtin_cycle("udds"))
    driver.step(1.0, 0.0, 0.01)
    with pytest.raises(DriverError, match=r"dt_s = 0\.0"):
        driver.step(1.01, 0.0, 0.0)
    with pytest.raises(DriverError, match="goes back"):
        driver.step(0.5, 0.0, 0.01)
    with pytest.raises(DriverError, match="measured_speed_mps = nan"):
        driver.step(1.02, math.nan, 0.01)
    with pytest.raises(DriverError, match="needs a DriveCycle"):
        SpeedTraceDriver("udds")  # type: ignore[arg-type]


def test_pedal_positions() -> None:
    assert pedal_positions(1.5, max_accel_mps2=3.0, max_decel_mps2=6.0) == (0.5, 0.0)
    assert pedal_positions(-3.0, max_accel_mps2=3.0, max_decel_mps2=6.0) == (0.0, 0.5)
    assert pedal_positions(9.0, max_accel_mps2=3.0, max_decel_mps2=6.0) == (1.0, 0.0)
    assert pedal_positions(-9.0, max_accel_mps2=3.0, max_decel_mps2=6.0) == (0.0, 1.0)
    with pytest.raises(DriverError):
        pedal_positions(1.0, max_accel_mps2=0.0, max_decel_mps2=6.0)


# -- a kinematic bicycle for the path driver -------------------------------------------------------


@dataclass
class Bicycle:
    """Rear-axle kinematic bicycle: ẋ = v cos ψ, ẏ = v sin ψ, ψ̇ = v tan δ / L."""

    x_m: float
    y_m: float
    yaw_rad: float
    speed_mps: float
    wheelbase_m: float = 2.8
    time_s: float = 0.0

    def advance(self, command: PathCommand, dt_s: float) -> None:
        v = self.speed_mps
        self.x_m += v * math.cos(self.yaw_rad) * dt_s
        self.y_m += v * math.sin(self.yaw_rad) * dt_s
        self.yaw_rad += v * math.tan(command.steering_angle_rad) / self.wheelbase_m * dt_s
        self.speed_mps = max(v + command.acceleration_mps2 * dt_s, 0.0)


def follow(
    driver: PathFollowingDriver, car: Bicycle, duration_s: float, dt_s: float = 0.01
) -> list[tuple[float, PathCommand]]:
    """Drive ``car`` for ``duration_s`` more, carrying on from the car's clock."""
    start_s = car.time_s
    log = []
    steps = round(duration_s / dt_s)
    for k in range(steps):
        t = start_s + k * dt_s
        command = driver.step(
            t, x_m=car.x_m, y_m=car.y_m, yaw_rad=car.yaw_rad, speed_mps=car.speed_mps, dt_s=dt_s
        )
        car.advance(command, dt_s)
        log.append((t, command))
    car.time_s = start_s + steps * dt_s
    return log


def circle(radius_m: float, points: int = 240) -> list[tuple[float, float]]:
    return [
        (radius_m * math.cos(2 * math.pi * i / points), radius_m * math.sin(2 * math.pi * i / points))
        for i in range(points)
    ]


def test_circle_converges_and_holds_the_curve_speed() -> None:
    radius_m = 30.0
    driver = PathFollowingDriver(circle(radius_m), closed=True)
    car = Bicycle(x_m=radius_m + 1.0, y_m=0.0, yaw_rad=math.pi / 2, speed_mps=5.0)  # 1 m outside
    radii = []
    for _ in range(4):
        follow(driver, car, 10.0)
        radii.append(math.hypot(car.x_m, car.y_m))
    curve_speed = math.sqrt(PathDriverSpec().max_lateral_accel_mps2 * radius_m)
    assert abs(radii[-1] - radius_m) < 0.05
    assert abs(radii[-2] - radius_m) < 0.05
    assert car.speed_mps == pytest.approx(curve_speed, rel=0.01)
    assert driver.cross_track_error_m == pytest.approx(0.0, abs=0.05)
    assert driver.target_speed_at(12.3) == pytest.approx(curve_speed, rel=1e-6)


def test_lane_change_at_highway_speed() -> None:
    def lane_y(x: float) -> float:
        if x < 100.0:
            return 0.0
        if x < 150.0:
            return 3.5 * (1.0 - math.cos(math.pi * (x - 100.0) / 50.0)) / 2.0
        return 3.5

    path = [(float(x), lane_y(float(x))) for x in range(0, 401, 2)]
    driver = PathFollowingDriver(path, spec=PathDriverSpec(cruise_speed_mps=20.0))
    car = Bicycle(x_m=0.0, y_m=0.0, yaw_rad=0.0, speed_mps=20.0)
    worst = 0.0
    for _ in range(2000):
        follow(driver, car, 0.01)
        worst = max(worst, abs(car.y_m - lane_y(car.x_m)))
        if car.x_m > 250.0:
            break
    assert worst < 0.3
    assert abs(car.y_m - 3.5) < 0.02  # settled in the new lane
    assert abs(car.yaw_rad) < 0.005


def test_slows_down_before_a_tight_bend_and_stops_at_the_end() -> None:
    # 60 m straight, a 90° left bend of radius 15 m, 40 m straight.
    radius_m = 15.0
    path = [(float(x), 0.0) for x in range(0, 60)]
    path += [
        (60.0 + radius_m * math.sin(a / 40 * math.pi / 2), radius_m * (1 - math.cos(a / 40 * math.pi / 2)))
        for a in range(41)
    ]
    path += [(75.0, 15.0 + float(y)) for y in range(1, 41)]
    spec = PathDriverSpec(cruise_speed_mps=15.0)
    driver = PathFollowingDriver(path, spec=spec)
    car = Bicycle(x_m=0.0, y_m=0.0, yaw_rad=0.0, speed_mps=15.0)
    peak_lateral = 0.0
    for _, command in follow(driver, car, 25.0):
        lateral = car.speed_mps**2 * math.tan(command.steering_angle_rad) / car.wheelbase_m
        peak_lateral = max(peak_lateral, abs(lateral))
    assert peak_lateral < 1.2 * spec.max_lateral_accel_mps2
    assert car.speed_mps < 0.1
    assert car.x_m == pytest.approx(75.0, abs=0.3)
    assert car.y_m == pytest.approx(55.0, abs=1.0)
    assert driver.target_speed_at(60.0 + radius_m * math.pi / 4) == pytest.approx(
        math.sqrt(3.0 * radius_m), rel=0.05
    )


def test_reaction_time_and_steering_rate() -> None:
    path = [(float(x), 0.0) for x in range(200)]
    spec = PathDriverSpec(reaction_time_s=0.3, max_steering_rate_rad_per_s=0.5)
    driver = PathFollowingDriver(path, spec=spec)
    car = Bicycle(x_m=0.0, y_m=2.0, yaw_rad=0.0, speed_mps=10.0)  # 2 m left of the path
    log = follow(driver, car, 1.0)
    steering = [command.steering_angle_rad for _, command in log]
    assert steering[0] < 0.0  # turns right, towards the path
    assert all(abs(b - a) <= 0.5 * 0.01 + 1e-12 for a, b in itertools.pairwise(steering))
    follow(driver, car, 8.0)
    assert abs(car.y_m) < 0.05
    # no rate limit: the first step may steer as far as the geometry asks
    free = PathFollowingDriver(path, spec=PathDriverSpec(max_steering_rate_rad_per_s=math.inf))
    first = free.step(0.0, x_m=0.0, y_m=2.0, yaw_rad=0.0, speed_mps=10.0, dt_s=0.01)
    assert first.steering_angle_rad < -0.05


@pytest.mark.parametrize(
    ("path", "closed", "spec", "message"),
    [
        ([(0.0, 0.0)], False, None, "at least 2 distinct points, got 1"),
        ([(0.0, 0.0), (1.0, 0.0)], True, None, "at least 3 distinct points, got 2"),
        ([(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)], True, None, "at least 3 distinct points, got 2"),
        ([(0.0, 0.0), (0.0, 0.0), (1.0, 0.0)], False, None, "path points 0 and 1 coincide"),
        ([(0.0, 0.0), (math.nan, 1.0)], False, None, "path point 1"),
        ([(0.0, "a")], False, None, "sequence of (x, y) numbers"),
        ([(0.0, 0.0), (1.0, 0.0)], False, {"wheelbase_m": 0.0}, "wheelbase_m = 0.0 must be positive"),
        ([(0.0, 0.0), (1.0, 0.0)], False, {"max_steering_angle_rad": 2.0}, "below π/2"),
        ([(0.0, 0.0), (1.0, 0.0)], False, {"reaction_time_s": -0.1}, "must not be negative"),
    ],
)
def test_impossible_path_driver_set_ups(
    path: list[tuple[float, float]], closed: bool, spec: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(DriverError) as info:
        PathFollowingDriver(path, closed=closed, spec=PathDriverSpec(**spec) if spec else None)
    assert message in str(info.value)


def test_path_driver_refuses_bad_steps() -> None:
    driver = PathFollowingDriver([(0.0, 0.0), (10.0, 0.0)])
    with pytest.raises(DriverError, match="yaw_rad = nan"):
        driver.step(0.0, x_m=0.0, y_m=0.0, yaw_rad=math.nan, speed_mps=0.0, dt_s=0.01)
    with pytest.raises(DriverError, match="dt_s"):
        driver.step(0.0, x_m=0.0, y_m=0.0, yaw_rad=0.0, speed_mps=0.0, dt_s=-0.01)
