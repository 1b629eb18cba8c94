"""Lane support, piece by piece: the lane seen from the front wheels, the intervention threshold, the
steering law, ELK's reading of traffic, and LDW/LKA/ELK on the broker fed with perception values
written directly by a test bench (open loop)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.safety.lateral_harness import catalogue

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.safety.elk import ElkReason, EmergencyLaneKeepingApp
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.safety.lane_geometry import (
    InterventionThreshold,
    LaneInputs,
    LaneTracker,
    LateralController,
    LateralControlParams,
    Side,
    SpeedWindow,
    VehicleGeometry,
)
from sdvkit.safety.lane_support import lane_support_apps
from sdvkit.safety.ldw import IS_ERROR, IS_WARNING, WARNING_SIDE, LaneDepartureWarningApp, LdwParams
from sdvkit.safety.lka import IS_ENGAGED, STEERING_REQUEST, LaneKeepingAssistApp, LkaMode
from sdvkit.safety.perception import LaneMarking, Perceived, Track
from sdvkit.signals import Broker

GEOMETRY = VehicleGeometry()
P = "Vehicle.ADAS.Perception"


def marking(offset_m: float, heading_deg: float = 0.0, kind: str = "DASHED") -> LaneMarking:
    return LaneMarking(
        lateral_offset_m=offset_m,
        heading_deg=heading_deg,
        curvature_per_m=0.0,
        marking_type=kind,
        confidence_pct=100.0,
        view_range_m=80.0,
    )


def perceived(
    *,
    cycle: int = 1,
    left: LaneMarking | None = None,
    right: LaneMarking | None = None,
    left_edge_m: float | None = None,
    right_edge_m: float | None = None,
    objects: tuple[Track, ...] = (),
) -> Perceived:
    return Perceived(
        cycle=cycle,
        objects=objects,
        left_marking=left,
        right_marking=right,
        left_edge_m=left_edge_m,
        right_edge_m=right_edge_m,
    )


def car(*, x_m: float, y_m: float, vx_mps: float, heading_deg: float) -> Track:
    return Track(
        id=7,
        object_class="CAR",
        existence_pct=100.0,
        longitudinal_m=x_m,
        lateral_m=y_m,
        longitudinal_velocity_mps=vx_mps,
        lateral_velocity_mps=0.0,
        heading_deg=heading_deg,
        length_m=4.5,
        width_m=1.8,
    )


# -- the lane from the front wheels ---------------------------------------------------------------


def test_distance_to_line_crossing_is_from_the_outer_tyre_at_the_front_axle() -> None:
    heading_deg = -1.0  # the markings turn right: the car heads 1° to the left of the lane
    view = LaneTracker(GEOMETRY).update(
        perceived(left=marking(1.75, heading_deg), right=marking(-1.75, heading_deg)), 20.0, 0.05
    )
    axle_x = -GEOMETRY.front_axle_behind_bumper_m
    left_at_axle = 1.75 + math.tan(math.radians(heading_deg)) * axle_x
    assert view.markings[Side.LEFT].distance_m == pytest.approx(
        left_at_axle - GEOMETRY.wheel_outer_half_width_m
    )
    assert view.heading_rad == pytest.approx(math.radians(1.0))
    assert view.lateral_speed_mps == pytest.approx(20.0 * math.sin(math.radians(1.0)))
    assert view.outward_speed_mps(Side.LEFT) > 0 > view.outward_speed_mps(Side.RIGHT)
    assert view.target_offset_m(away_from=Side.LEFT, nominal_lane_width_m=3.5) == pytest.approx(0.0)


def test_on_an_unmarked_road_the_lateral_speed_comes_from_the_edges_rate() -> None:
    tracker = LaneTracker(GEOMETRY)
    speed_mps, drift_mps = 20.0, -0.4  # drifting right at 0.4 m/s
    view = None
    for cycle in range(1, 61):  # 3 s: the edge filter settles
        t_s = cycle * 0.05
        right_edge = -1.75 - drift_mps * t_s  # the edge comes closer
        view = tracker.update(
            perceived(cycle=cycle, right_edge_m=right_edge, left_edge_m=5.25 - drift_mps * t_s),
            speed_mps,
            t_s,
        )
    assert view is not None
    assert view.markings == {}
    assert view.lateral_speed_mps == pytest.approx(drift_mps, abs=0.01)
    assert view.heading_rad == pytest.approx(math.asin(drift_mps / speed_mps), abs=0.001)
    # With only the edges, the target is half a nominal lane inside the threatened edge.
    target = view.target_offset_m(away_from=Side.RIGHT, nominal_lane_width_m=3.5)
    assert target == pytest.approx(view.edges[Side.RIGHT].offset_m + 1.75)


def test_the_intervention_threshold_grows_with_the_outward_speed() -> None:
    threshold = InterventionThreshold(margin_m=0.1, reaction_s=0.2, planned_lateral_decel_mps2=2.0)
    assert threshold.needed_m(0.5) == pytest.approx(0.1 + 0.1 + 0.25 / 4.0)
    assert threshold.triggers(0.2, 0.5)
    assert not threshold.triggers(0.3, 0.5)
    assert not threshold.triggers(0.0, 0.02), "a car holding its place at the line is left alone"
    assert not threshold.triggers(0.05, -0.3), "nor one moving away from it"


def test_the_controller_steers_toward_the_target_within_its_rate_and_angle() -> None:
    control = LateralControlParams(max_steering_wheel_rate_deg_per_s=50.0, max_steering_wheel_angle_deg=20.0)
    controller = LateralController(control, GEOMETRY)
    view = LaneTracker(GEOMETRY).update(
        perceived(left=marking(0.8, -1.0), right=marking(-2.7, -1.0)), 20.0, 0.05
    )
    target = view.target_offset_m(away_from=Side.LEFT, nominal_lane_width_m=3.5)
    assert target is not None
    assert target < 0
    controller.reset(0.0)
    first = controller.steer(view, target, 0.05)
    assert first == pytest.approx(-2.5), "rate limited: 50°/s for 50 ms, to the right"
    for _ in range(40):
        last = controller.steer(view, target, 0.05)
    assert last >= -20.0
    assert controller.wanted_curvature_per_m(view, target) * 20.0**2 >= -control.max_lateral_accel_mps2 - 1e-9


@pytest.mark.parametrize(
    ("make", "field_name"),
    [
        (lambda: VehicleGeometry(steering_ratio=0.0), "steering_ratio"),
        (lambda: LateralControlParams(damping_ratio=float("nan")), "damping_ratio"),
        (
            lambda: InterventionThreshold(margin_m=0.1, reaction_s=-1.0, planned_lateral_decel_mps2=2.0),
            "reaction_s",
        ),
        (lambda: LdwParams(min_speed_kph=60.0, max_speed_kph=30.0), "max_speed_kph"),
    ],
)
def test_impossible_parameters_are_refused_by_name(make: Any, field_name: str) -> None:
    with pytest.raises(SafetyConfigError, match=field_name):
        make()


def test_the_speed_window_has_hysteresis() -> None:
    window = SpeedWindow(min_kph=60.0, max_kph=180.0, hysteresis_kph=3.0)
    assert not window.update(59.0)
    assert window.update(60.0)
    assert window.update(58.0), "on until 3 km/h below the limit"
    assert not window.update(56.9)
    assert not window.update(58.0)


# -- ELK's reading of traffic ---------------------------------------------------------------------


def elk_threats(*objects: Track, heading_deg: float = -1.5) -> list[tuple[ElkReason, Side, float]]:
    """A car 0.1 m inside the dashed centre line, drifting left toward it at ~0.5 m/s."""
    elk = EmergencyLaneKeepingApp()
    left = marking(1.0 + 0.1 + math.tan(math.radians(heading_deg)) * 0.9, heading_deg)
    view = LaneTracker(GEOMETRY).update(
        perceived(
            left=left,
            right=marking(-2.5, heading_deg, "SOLID"),
            right_edge_m=-2.5,
            left_edge_m=8.0,
            objects=objects,
        ),
        20.0,
        0.05,
    )
    inputs = LaneInputs(
        perceived=perceived(),
        speed_mps=20.0,
        steering_wheel_deg=0.0,
        left_indicator=False,
        right_indicator=False,
    )
    return elk.threats(view, inputs)


def test_elk_sees_an_oncoming_car_in_the_adjacent_lane() -> None:
    oncoming = car(x_m=60.0, y_m=2.9, vx_mps=-40.0, heading_deg=179.0)
    assert [(reason, side) for reason, side, _ in elk_threats(oncoming)] == [(ElkReason.ONCOMING, Side.LEFT)]


def test_elk_ignores_traffic_that_is_no_danger() -> None:
    far_oncoming = car(x_m=400.0, y_m=2.9, vx_mps=-40.0, heading_deg=179.0)  # 10 s away
    two_lanes_over = car(x_m=40.0, y_m=7.0, vx_mps=-40.0, heading_deg=179.0)
    slower_behind = car(x_m=-20.0, y_m=2.9, vx_mps=-3.0, heading_deg=0.0)
    ahead_same_way = car(x_m=30.0, y_m=2.9, vx_mps=1.0, heading_deg=0.0)
    assert elk_threats(far_oncoming, two_lanes_over, slower_behind, ahead_same_way) == []


def test_elk_sees_a_faster_car_coming_from_behind_and_one_beside() -> None:
    from_behind = car(x_m=-15.0, y_m=2.9, vx_mps=5.0, heading_deg=1.0)
    beside = car(x_m=-2.0, y_m=2.9, vx_mps=0.0, heading_deg=0.0)
    for track in (from_behind, beside):
        assert [(reason, side) for reason, side, _ in elk_threats(track)] == [
            (ElkReason.OVERTAKING, Side.LEFT)
        ]


def test_elk_does_not_act_on_a_dashed_line_alone() -> None:
    assert elk_threats() == []


# -- on the broker, open loop ---------------------------------------------------------------------


@dataclass
class Scene:
    """What the bench publishes: the car ``distance_m`` inside its left (dashed) line, heading
    ``heading_deg`` (+left) relative to the lane, at ``speed_kph``."""

    distance_m: float = 1.0
    heading_deg: float = 0.0
    speed_kph: float = 72.0
    left_indicator: bool = False
    level: str = "NONE"
    publishing: bool = True
    cycle: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        line_heading = -self.heading_deg
        axle_x = -GEOMETRY.front_axle_behind_bumper_m
        left = (
            self.distance_m
            + GEOMETRY.wheel_outer_half_width_m
            - math.tan(math.radians(line_heading)) * axle_x
        )
        values: dict[str, Any] = {f"{P}.Object{n}.IsValid": False for n in range(1, 17)}
        for side, offset in (("Left", left), ("Right", left - 3.5)):
            values.update(
                {
                    f"{P}.LaneMarking.{side}.IsValid": True,
                    f"{P}.LaneMarking.{side}.LateralOffset": offset,
                    f"{P}.LaneMarking.{side}.HeadingAngle": line_heading,
                    f"{P}.LaneMarking.{side}.Curvature": 0.0,
                    f"{P}.LaneMarking.{side}.Type": "DASHED",
                    f"{P}.LaneMarking.{side}.Confidence": 100.0,
                    f"{P}.LaneMarking.{side}.ViewRange": 80.0,
                }
            )
        values.update({f"{P}.RoadEdge.Left.IsValid": False, f"{P}.RoadEdge.Right.IsValid": False})
        values.update(self.extra)
        return values


class PerceptionBench(VehicleApp):
    """Test equipment: publishes a :class:`Scene` as perception, speed and wheel, at 50 Hz."""

    def __init__(self, scene: Scene) -> None:
        super().__init__(
            name="perception bench",
            manifest=Manifest(
                writes=(
                    P,
                    "Vehicle.Speed",
                    "Vehicle.Chassis.SteeringWheel.Angle",
                    "Vehicle.Body.Lights.DirectionIndicator.Left.IsSignaling",
                    "Vehicle.ADAS.DMS.Escalation.Level",
                ),
                role=AppRole.TEST_BENCH,
            ),
            step_period_s=0.02,
        )
        self.scene = scene

    def step(self) -> None:
        scene = self.scene
        if not scene.publishing:
            return
        scene.cycle += 1
        self.publish(
            {
                **scene.values(),
                f"{P}.CycleCounter": scene.cycle,
                "Vehicle.Speed": scene.speed_kph,
                "Vehicle.Chassis.SteeringWheel.Angle": 0,
                "Vehicle.Body.Lights.DirectionIndicator.Left.IsSignaling": scene.left_indicator,
                "Vehicle.ADAS.DMS.Escalation.Level": scene.level,
            }
        )


@dataclass
class OpenLoop:
    clock: SimClock
    scene: Scene
    ldw: LaneDepartureWarningApp
    lka: LaneKeepingAssistApp
    probe: VehicleApp

    def value(self, path: str) -> Any:
        datapoint = self.probe.get(path)
        assert datapoint is not None, path
        return datapoint.value

    def settle(self, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(self.scene, name, value)
        self.clock.run_for(0.3)


@pytest.fixture
def open_loop() -> Iterator[OpenLoop]:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue(), now_ns=clock.now_ns), clock)
    scene = Scene()
    runner.add(PerceptionBench(scene))
    ldw, lka, elk = lane_support_apps()
    for app in (ldw, lka, elk):
        runner.add(app)
    probe = runner.add(
        VehicleApp(
            name="probe",
            manifest=Manifest(
                reads=("Vehicle.ADAS",), writes=("Vehicle.ADAS.LKA.IsEnabled",), role=AppRole.TEST_BENCH
            ),
        )
    )
    runner.start()
    clock.run_for(0.2)
    yield OpenLoop(clock, scene, ldw, lka, probe)
    runner.stop()


def test_ldw_warns_on_time_to_line_crossing_or_distance(open_loop: OpenLoop) -> None:
    open_loop.settle(distance_m=1.0, heading_deg=0.0)
    assert open_loop.value(IS_WARNING) is False
    outward_mps = 20.0 * math.sin(math.radians(1.5))  # ≈ 0.52 m/s toward the left line
    open_loop.settle(distance_m=0.35, heading_deg=1.5)  # 0.67 s from the line: not yet
    assert open_loop.value(IS_WARNING) is False
    open_loop.settle(distance_m=0.4 * outward_mps, heading_deg=1.5)  # 0.4 s from the line
    assert (open_loop.value(IS_WARNING), open_loop.value(WARNING_SIDE)) == (True, "LEFT")
    assert open_loop.ldw.warning_count == 1


def test_ldw_is_silent_below_60_kph_and_with_the_indicator_on(open_loop: OpenLoop) -> None:
    open_loop.settle(distance_m=0.1, heading_deg=1.5, speed_kph=55.0)
    assert open_loop.value(IS_WARNING) is False
    open_loop.settle(speed_kph=72.0, left_indicator=True)
    assert open_loop.value(IS_WARNING) is False
    open_loop.settle(left_indicator=False)
    assert open_loop.value(IS_WARNING) is True


def test_lka_steers_right_when_drifting_over_the_left_line_unless_signalled(open_loop: OpenLoop) -> None:
    open_loop.settle(distance_m=0.1, heading_deg=1.5, left_indicator=True)
    assert open_loop.value(IS_ENGAGED) is False
    open_loop.settle(left_indicator=False)
    assert open_loop.value(IS_ENGAGED) is True
    assert open_loop.value(STEERING_REQUEST) < 0.0
    assert open_loop.lka.mode is LkaMode.CORRECTING


def test_lka_keeps_the_lane_for_the_stop_in_lane_at_any_speed(open_loop: OpenLoop) -> None:
    open_loop.settle(distance_m=0.5, heading_deg=0.0, speed_kph=20.0)
    assert open_loop.value(IS_ENGAGED) is False, "below its speed range, nothing to correct"
    open_loop.settle(level="STOPPING_IN_LANE")
    assert open_loop.value(IS_ENGAGED) is True
    assert open_loop.lka.mode is LkaMode.STOP_IN_LANE
    assert open_loop.value(STEERING_REQUEST) < 0.0, "0.5 m from the left line: the centre is to the right"
    open_loop.settle(level="NONE")
    assert open_loop.value(IS_ENGAGED) is False


def test_a_silent_perception_is_a_fault_not_a_crash(open_loop: OpenLoop) -> None:
    open_loop.settle(distance_m=0.1, heading_deg=1.5)
    assert open_loop.value(IS_ENGAGED) is True
    open_loop.settle(publishing=False)
    assert open_loop.value(IS_ERROR) is True
    assert open_loop.value(IS_ENGAGED) is False
    assert open_loop.lka.fault is not None
    assert "stale input" in open_loop.lka.fault


def test_the_driver_can_switch_lane_keeping_off(open_loop: OpenLoop) -> None:
    assert open_loop.value("Vehicle.ADAS.LKA.IsEnabled") is True, "on at every start"
    open_loop.probe.actuate("Vehicle.ADAS.LKA.IsEnabled", False)  # LKA provides its own switch
    open_loop.settle(distance_m=0.1, heading_deg=1.5)
    assert open_loop.value("Vehicle.ADAS.LKA.IsEnabled") is False
    assert open_loop.value(IS_ENGAGED) is False
    open_loop.probe.actuate("Vehicle.ADAS.LKA.IsEnabled", True)
    open_loop.settle()
    assert open_loop.value(IS_ENGAGED) is True


def test_one_vehicle_geometry_for_all_three_functions() -> None:
    geometry = VehicleGeometry(steering_ratio=16.5, wheel_outer_half_width_m=0.95)
    apps = lane_support_apps(vehicle=geometry)
    assert [app.params.vehicle for app in apps] == [geometry] * 3
    assert len({app.name for app in apps}) == 3
