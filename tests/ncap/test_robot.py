"""The driving robot on the real plant and broker: it holds speed and path, and acts as the
protocol's driver when AEB brakes, FCW warns or a lane-support function steers."""

from __future__ import annotations

from typing import Any

import pytest

from sdvkit.ncap.builders import build_scenario, false_positive_points
from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.robot import DrivingRobot
from sdvkit.ncap.runner import cruise_pedal_pct, default_vehicle
from sdvkit.ncap.scenario import ScenarioSetup
from sdvkit.runtime import AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.plant import VehiclePlant

STEP_S = 0.01
_POINTS = {point.label: point for point in grid_points()}


MOTION_CONTROL = "Vehicle.Sdvkit.MotionControl"


class _Script(VehicleApp):
    """A stand-in for the functions: at given times it publishes what they would (FCW, AEB) or
    actuates what the arbitration would (``MotionControl``, which the plant provides)."""

    name = "script"

    def __init__(self, events: list[tuple[float, str, Any]]) -> None:
        paths = tuple(sorted({path for _, path, _ in events}))
        super().__init__(manifest=Manifest(writes=paths), step_period_s=STEP_S)
        self.events = sorted(events, key=lambda event: event[0])
        self.published = [path for path in paths if not path.startswith(MOTION_CONTROL)]

    def on_start(self) -> None:
        if self.published:
            self.provide(self.published)

    def step(self) -> None:
        while self.events and self.events[0][0] <= self.now_s + 1e-9:
            _, path, value = self.events.pop(0)
            if path.startswith(MOTION_CONTROL):
                self.actuate(path, value)
            else:
                self.publish({path: value})


def _drive(
    setup: ScenarioSetup, seconds: float, events: list[tuple[float, str, Any]] | None = None
) -> tuple[DrivingRobot, VehicleModel]:
    params = default_vehicle()
    clock = SimClock(tick_s=STEP_S)
    runner = AppRunner(Broker(builtin_catalogue(), now_ns=clock.now_ns), clock)
    start = setup.vut_start
    model = VehicleModel(
        params,
        step_s=STEP_S,
        x_m=start.x_m,
        y_m=start.y_m,
        heading_rad=start.heading_rad,
        speed_mps=start.speed_mps,
    )
    runner.add(VehiclePlant(model, world=setup.world))
    if events:
        runner.add(_Script(events))
    robot = runner.add(
        DrivingRobot(
            setup,
            wheelbase_m=params.lateral.wheelbase_m,
            rear_axle_m=params.lateral.cg_to_rear_axle_m,
            steering_ratio=params.steering.steering_ratio,
            understeer_rad_per_mps2=params.lateral.understeer_gradient_rad_per_mps2(params.road_load.mass_kg),
            cruise_pedal_pct=cruise_pedal_pct(params, setup.vut_speed_mps),
        )
    )
    with runner:
        for _ in range(round(seconds / STEP_S)):
            clock.advance()
    return robot, model


@pytest.mark.parametrize(
    ("label", "seconds"),
    [
        ("CCRs 10 km/h IL 50", 3.5),  # straight, slow
        ("CCRm 130/70 km/h IL 50", 3.5),  # straight, fast
        ("ELK RE 100 km/h 0.7 m/s", 5.0),  # the sharpest drift
        ("CCFtap 10/30 km/h", 3.8),  # the tightest turn: R 9 m
        ("CCFtap 20/30 km/h", 3.8),
    ],
)
def test_holds_speed_and_path(label: str, seconds: float) -> None:
    setup = build_scenario(_POINTS[label])
    robot, model = _drive(setup, seconds)
    assert robot.max_speed_error_mps * 3.6 < 1.0
    assert robot.max_path_error_m < 0.1
    assert abs(model.speed_mps - setup.vut_speed_mps) * 3.6 < 1.0


def test_holds_the_lane_on_a_curve() -> None:
    point = next(p for p in false_positive_points() if p.parameter("case") == "adjacent-lane-curve")
    setup = build_scenario(point)
    robot, model = _drive(setup, 6.0)
    assert robot.max_path_error_m < 0.1
    assert robot.max_speed_error_mps * 3.6 < 1.0
    assert abs(model.heading_rad) > 0.3  # well into the bend


def test_releases_the_accelerator_for_good_once_aeb_brakes() -> None:
    setup = build_scenario(_POINTS["CCRs 50 km/h IL 50"])
    events = [(1.0, "Vehicle.ADAS.AEB.IsEngaged", True), (1.3, "Vehicle.ADAS.AEB.IsEngaged", False)]
    robot, model = _drive(setup, 2.0, events)
    assert robot.aeb_seen
    assert model.controls.accelerator_pedal_pct == 0.0
    assert model.controls.brake_pedal_pct == 0.0
    assert model.speed_mps < setup.vut_speed_mps - 0.1  # coasting, not held


def test_brakes_as_the_driver_after_the_warning() -> None:
    setup = build_scenario(_POINTS["CCRs 70 km/h IL 50"])
    assert setup.driver_brakes_after_warning_s == pytest.approx(1.2)
    events = [(1.0, "Vehicle.ADAS.FCW.IsWarning", True)]
    robot, model = _drive(setup, 2.15, events)
    assert robot.first_warning_s == pytest.approx(1.0, abs=0.03)
    assert not robot.driver_braking  # 1.15 s after the warning
    robot, model = _drive(build_scenario(_POINTS["CCRs 70 km/h IL 50"]), 2.3, events)
    assert robot.driver_braking
    assert model.controls.brake_pedal_pct == 100.0
    assert model.controls.accelerator_pedal_pct == 0.0


def test_no_driver_braking_outside_fcw_points() -> None:
    setup = build_scenario(_POINTS["CCRs 40 km/h IL 50"])
    assert setup.driver_brakes_after_warning_s is None
    robot, model = _drive(setup, 3.0, [(1.0, "Vehicle.ADAS.FCW.IsWarning", True)])
    assert robot.first_warning_s is not None
    assert not robot.driver_braking
    assert model.controls.brake_pedal_pct == 0.0


def test_lets_go_of_the_wheel_after_a_lane_support_intervention() -> None:
    setup = build_scenario(_POINTS["ELK RE 70 km/h 0.5 m/s"])
    source = "Vehicle.Sdvkit.MotionControl.Lateral.Source"
    robot, model = _drive(setup, 3.0, [(2.0, source, "ELK"), (2.5, source, "NONE")])
    assert robot.hands_off
    assert model.controls.steering_wheel_angle_deg == 0.0
