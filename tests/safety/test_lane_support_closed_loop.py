"""Lane support in closed loop on the real plant: a driver robot drifts the car toward a line, an
edge or another car's lane, the functions steer back through the arbitration layer, and the
ground truth says how far the outer front tyre got (Euro NCAP: ELK road edge ≤ 0.1 m past the
edge, LKA ≤ 0.3 m past the line, ELK oncoming/overtaking no impact). Every scenario also runs
without the function, to show that it would fail there."""

from __future__ import annotations

import math
from typing import Any

import pytest
from tests.safety.lateral_harness import LANE_WIDTH_M, Drift, LaneRun, run_lane_scenario

from sdvkit.safety.elk import ElkReason, EmergencyLaneKeepingApp
from sdvkit.safety.ldw import LaneDepartureWarningApp
from sdvkit.safety.lka import LaneKeepingAssistApp
from sdvkit.world.actors import ActorSpec, PolylinePath, ScriptedMotion, SpeedProfile
from sdvkit.world.lanes import MarkingType
from sdvkit.world.road_builders import LaneLayout

UNMARKED_EDGE = LaneLayout(lane_width_m=LANE_WIDTH_M, edge_marking=MarkingType.NONE)
BARE_ROAD = LaneLayout(
    lane_width_m=LANE_WIDTH_M, edge_marking=MarkingType.NONE, center_marking=MarkingType.NONE
)
"""No marking at all: perception reports only the road edges, ELK tells the drift from their rate."""
DASHED_RIGHT_LINE = LaneLayout(
    lane_width_m=LANE_WIDTH_M, edge_marking=MarkingType.BROKEN, shoulder_width_m=2.0
)


def lateral_speed(run: LaneRun) -> dict[str, Any]:
    """The car's speed across the (straight, along +x) road, from the ground truth."""
    model = run.plant.model
    return {"lateral_mps": model.speed_mps * math.sin(model.heading_rad)}


def drift_speed_reached(run: LaneRun, side: str) -> float:
    sign = 1.0 if side == "LEFT" else -1.0
    return max(sign * float(sample["lateral_mps"]) for sample in run.samples)


@pytest.mark.parametrize(("speed_kph", "lateral_mps"), [(72.0, 0.3), (72.0, 0.5), (50.0, 0.5)])
def test_elk_keeps_the_wheel_within_0_1_m_of_an_unmarked_road_edge(
    speed_kph: float, lateral_mps: float
) -> None:
    elk = EmergencyLaneKeepingApp()
    run = run_lane_scenario(
        speed_kph=speed_kph,
        duration_s=7.0,
        functions=(elk,),
        drift=Drift(side="RIGHT", lateral_speed_mps=lateral_mps),
        layout=UNMARKED_EDGE,
        probe=lateral_speed,
        probe_every_s=0.05,
    )
    assert drift_speed_reached(run, "RIGHT") >= 0.9 * lateral_mps
    assert [(reason, side.value) for _, reason, side in elk.interventions] == [(ElkReason.ROAD_EDGE, "RIGHT")]
    assert run.past.right_edge_m <= 0.1
    assert run.plant.collisions == []


def test_without_elk_the_same_drift_leaves_the_road() -> None:
    run = run_lane_scenario(
        speed_kph=72.0,
        duration_s=7.0,
        functions=(),
        drift=Drift(side="RIGHT", lateral_speed_mps=0.3),
        layout=UNMARKED_EDGE,
    )
    assert run.past.right_edge_m > 0.5


@pytest.mark.parametrize("lateral_mps", [0.2, 0.5])
@pytest.mark.parametrize("side", ["LEFT", "RIGHT"])
def test_lka_keeps_a_dashed_line_drift_within_0_3_m(side: str, lateral_mps: float) -> None:
    lka = LaneKeepingAssistApp()
    run = run_lane_scenario(
        speed_kph=72.0,
        duration_s=7.0,
        functions=(lka,),
        drift=Drift(side=side, lateral_speed_mps=lateral_mps),
        layout=DASHED_RIGHT_LINE,
        probe=lateral_speed,
        probe_every_s=0.05,
    )
    past = run.past.left_marking_m if side == "LEFT" else run.past.right_marking_m
    assert drift_speed_reached(run, side) >= 0.9 * lateral_mps
    assert lka.intervention_count >= 1
    assert past <= 0.3
    assert run.app("arbitration").stale_drops == {}


def test_without_lka_a_dashed_line_drift_crosses_the_line() -> None:
    run = run_lane_scenario(
        speed_kph=72.0, duration_s=7.0, functions=(), drift=Drift(side="LEFT", lateral_speed_mps=0.5)
    )
    assert run.past.left_marking_m > 0.3


def test_no_lka_and_no_warning_toward_a_signalled_side() -> None:
    lka, ldw = LaneKeepingAssistApp(), LaneDepartureWarningApp()
    run = run_lane_scenario(
        speed_kph=72.0,
        duration_s=7.0,
        functions=(ldw, lka),
        drift=Drift(side="LEFT", lateral_speed_mps=0.5, indicator=True),
    )
    assert lka.intervention_count == 0
    assert ldw.warning_count == 0
    assert run.past.left_marking_m > 1.0, "the intended lane change goes ahead"


def test_ldw_warns_before_the_wheel_reaches_the_line() -> None:
    ldw = LaneDepartureWarningApp()
    first_warning: list[float] = []

    def watch(run: LaneRun) -> dict[str, Any]:
        if ldw.warning_side is not None and not first_warning:
            first_warning.append(run.past.left_marking_m)
        return {}

    run_lane_scenario(
        speed_kph=72.0,
        duration_s=6.0,
        functions=(ldw,),
        drift=Drift(side="LEFT", lateral_speed_mps=0.5),
        probe=watch,
        probe_every_s=0.01,
    )
    assert ldw.warning_count >= 1
    assert first_warning, "LDW never warned"
    assert first_warning[0] < 0.0, "the wheel was still inside the line at the warning"


def oncoming_car(meet_at_s: float, ego_start_x_m: float = 20.0) -> list[tuple[ActorSpec, ScriptedMotion]]:
    """A car in the opposite lane at 72 km/h, timed to meet the ego (72 km/h) at ``meet_at_s``."""
    start_x = ego_start_x_m + 2 * 20.0 * meet_at_s + ActorSpec.car("x").length_m
    path = PolylinePath(waypoints=((start_x, 0.5 * LANE_WIDTH_M), (-200.0, 0.5 * LANE_WIDTH_M)))
    return [(ActorSpec.car("oncoming"), ScriptedMotion(route=path, profile=SpeedProfile.constant(20.0)))]


@pytest.mark.parametrize("meet_at_s", [7.5, 8.0])
def test_elk_steers_away_from_an_oncoming_car(meet_at_s: float) -> None:
    elk = EmergencyLaneKeepingApp()
    drift = Drift(side="LEFT", lateral_speed_mps=0.3)
    run = run_lane_scenario(
        speed_kph=72.0,
        duration_s=meet_at_s + 1.5,
        functions=(elk,),
        drift=drift,
        actors=oncoming_car(meet_at_s),
    )
    assert [reason for _, reason, _ in elk.interventions][:1] == [ElkReason.ONCOMING]
    assert run.plant.collisions == []
    without = run_lane_scenario(
        speed_kph=72.0, duration_s=meet_at_s + 1.5, functions=(), drift=drift, actors=oncoming_car(meet_at_s)
    )
    assert [event.second_id for event in without.plant.collisions] == ["oncoming"]


def test_elk_lets_a_dashed_line_be_crossed_when_the_other_lane_is_free() -> None:
    elk = EmergencyLaneKeepingApp()
    run = run_lane_scenario(
        speed_kph=72.0, duration_s=7.0, functions=(elk,), drift=Drift(side="LEFT", lateral_speed_mps=0.3)
    )
    assert elk.interventions == []
    assert run.past.left_marking_m > 0.3


def overtaking_car(ego_start_x_m: float) -> list[tuple[ActorSpec, ScriptedMotion]]:
    """A car in the left lane at 90 km/h, 35 m behind the ego (72 km/h): level after ~7 s."""
    start_x = ego_start_x_m - ActorSpec.car("x").length_m - 5.0 * 7.0 - 2.0
    path = PolylinePath(waypoints=((start_x, -0.5 * LANE_WIDTH_M), (3000.0, -0.5 * LANE_WIDTH_M)))
    return [(ActorSpec.car("overtaker"), ScriptedMotion(route=path, profile=SpeedProfile.constant(25.0)))]


def test_elk_steers_away_from_a_car_overtaking_in_the_next_lane() -> None:
    two_lanes = LaneLayout(lane_width_m=LANE_WIDTH_M, lanes_per_direction=2)
    common: dict[str, Any] = {
        "speed_kph": 72.0,
        "duration_s": 10.0,
        "drift": Drift(side="LEFT", lateral_speed_mps=0.3),
        "layout": two_lanes,
        "ego_lane": -2,
        "start_x_m": 100.0,
    }
    elk = EmergencyLaneKeepingApp()
    run = run_lane_scenario(functions=(elk,), actors=overtaking_car(100.0), **common)
    assert [reason for _, reason, _ in elk.interventions][:1] == [ElkReason.OVERTAKING]
    assert run.plant.collisions == []
    without = run_lane_scenario(functions=(), actors=overtaking_car(100.0), **common)
    assert [event.second_id for event in without.plant.collisions] == ["overtaker"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_the_real_sensing_elk_and_lka_still_pass(seed: int) -> None:
    """The sensing camera's noise (road edges ~0.15 m, markings ~0.04 m and 0.15°) and latency."""
    sensing = pytest.importorskip("sdvkit.sensing")

    def perception(world: Any) -> Any:
        return sensing.SensingApp(world, seed=seed)

    elk = EmergencyLaneKeepingApp()
    run = run_lane_scenario(
        speed_kph=72.0,
        duration_s=7.0,
        functions=(elk,),
        drift=Drift(side="RIGHT", lateral_speed_mps=0.5),
        layout=BARE_ROAD,
        perception=perception,
    )
    assert [reason for _, reason, _ in elk.interventions] == [ElkReason.ROAD_EDGE]
    assert run.past.right_edge_m <= 0.1
    lka = LaneKeepingAssistApp()
    run = run_lane_scenario(
        speed_kph=72.0,
        duration_s=7.0,
        functions=(lka,),
        drift=Drift(side="LEFT", lateral_speed_mps=0.5),
        perception=perception,
    )
    assert lka.intervention_count == 1
    assert run.past.left_marking_m <= 0.3


def test_with_the_real_sensing_a_straight_drive_calls_for_nothing() -> None:
    sensing = pytest.importorskip("sdvkit.sensing")
    ldw, lka, elk = LaneDepartureWarningApp(), LaneKeepingAssistApp(), EmergencyLaneKeepingApp()
    run_lane_scenario(
        speed_kph=72.0,
        duration_s=20.0,
        functions=(ldw, lka, elk),
        layout=UNMARKED_EDGE,
        perception=lambda world: sensing.SensingApp(world, seed=3),
    )
    assert (ldw.warning_count, lka.intervention_count, elk.interventions) == (0, 0, [])
