"""Scenario geometry, without any vehicle function: the VUT, driven by the robot on the plant,
hits each target where the protocol puts the impact (±0.15 m) at the nominal relative speed
(±1 km/h); lane-support drifts cross their line when planned; false-positive cases hit nothing.

A representative sample: every grid, with the impact locations at the VUT's edges and beyond.
"""

from __future__ import annotations

import pytest

from sdvkit.ncap.builders import build_scenario, false_positive_points, predict_impact
from sdvkit.ncap.builders.common import VUT_LENGTH_M, VUT_START_X_M, VUT_WIDTH_M
from sdvkit.ncap.builders.false_positive import REVEAL_DISTANCE_M, cut_out_reveal_time_s
from sdvkit.ncap.builders.lane_departure import AFTER_CROSSING_S
from sdvkit.ncap.grids import grid_points, impact_offset_m
from sdvkit.ncap.runner import run_point
from sdvkit.ncap.scenario import TestPoint
from sdvkit.world.actors import ScriptedMotion

LOCATION_TOLERANCE_M = 0.15
SPEED_TOLERANCE_KPH = 1.0
FAR_SIDE = {"CPFA", "CBFA"}

SAMPLE = (
    "CCRs 10 km/h IL 0",
    "CCRs 50 km/h IL 100",
    "CCRs 80 km/h IL 50",
    "CCRs 30 km/h IL -25",
    "CCRs 30 km/h IL 125",
    "CCRm 30/20 km/h IL 25",
    "CCRm 130/70 km/h IL 75",
    "CCRb 30/30 km/h IL 0",
    "CCRb 80/80 km/h IL 100",
    "CCFhos 30/50 km/h IL 25",
    "CCFhos 80/70 km/h IL 75",
    "CCFhos 100/100 km/h IL 100",
    "CCFtap 10/30 km/h",
    "CCFtap 20/60 km/h",
    "CCFtap 25/80 km/h",
    "CCCscp 20/60 km/h near side",
    "CCCscp 60/20 km/h far side",
    "CCCscp 30/80 km/h near side",
    "CPNA 10/5 km/h IL 25 day",
    "CPNA 60/5 km/h IL 75 night",
    "CPNA 40/5 km/h IL 90 day",
    "CPFA 30/8 km/h IL 50 day",
    "CPFA 60/8 km/h IL 10 night",
    "CPNCO 40/5 km/h IL 50 day",
    "CPLA 10/5 km/h IL 50 AEB day",
    "CPLA 80/5 km/h IL 25 FCW night",
    "CBNA 60/15 km/h IL 75",
    "CBNAO 10/10 km/h IL 50",
    "CBFA 20/20 km/h IL 25",
    "CBFA 60/20 km/h IL 90",
    "CBLA 20/15 km/h IL 50 AEB",
    "CBLA 80/20 km/h IL 25 FCW",
    "CC ELK On 70/70 km/h 0.3 m/s",
    "CC ELK OvU 70/80 km/h 0.6 m/s",
    "CC ELK OvU 130/140 km/h 0.2 m/s",
)
_POINTS = {point.label: point for point in grid_points()}


def _nominal_impact_speed_kph(point: TestPoint) -> float | None:
    """The relative speed along the VUT's heading the protocol means (None: no simple formula)."""
    vut, target = point.vut_speed_kph, point.target_speed_kph
    if point.grid in ("CCRs", "CCRm", "CPLA", "CBLA"):
        return vut - target
    if point.grid == "CCFhos":
        return vut + target
    if point.grid in ("CCCscp", "CPNA", "CPFA", "CPNCO", "CBNA", "CBNAO", "CBFA"):
        return vut  # the target crosses: it adds nothing along the VUT's heading
    return None


@pytest.mark.parametrize("label", SAMPLE)
def test_the_vut_meets_the_target_as_planned(label: str) -> None:
    point = _POINTS[label]
    setup = build_scenario(point)
    predicted = predict_impact(setup)
    assert predicted is not None, "the builder must put the target in the VUT's way"
    if point.impact_location_pct is not None:
        intended = impact_offset_m(point.impact_location_pct, VUT_WIDTH_M, from_left=point.grid in FAR_SIDE)
        assert predicted.target_lateral_m == pytest.approx(intended, abs=0.01)
    nominal = _nominal_impact_speed_kph(point)
    if nominal is not None:
        assert predicted.impact_speed_kph == pytest.approx(nominal, abs=0.05)

    result = run_point(point, setup, stack=None)

    assert result.impact, result.notes
    assert result.impact_offset_m is not None
    assert result.impact_offset_m == pytest.approx(predicted.target_lateral_m, abs=LOCATION_TOLERANCE_M)
    expected_speed = nominal if nominal is not None else predicted.impact_speed_kph
    assert result.impact_speed_kph == pytest.approx(expected_speed, abs=SPEED_TOLERANCE_KPH)
    assert result.colour == "red"  # nothing braked


def test_crossing_pedestrians_come_from_their_side() -> None:
    near = build_scenario(_POINTS["CPNA 30/5 km/h IL 50 day"])
    far = build_scenario(_POINTS["CPFA 30/8 km/h IL 50 day"])
    vut_y = near.vut_start.y_m
    assert near.world.actor("target").y_m < vut_y - 3.0  # waiting on the right
    assert far.world.actor("target").y_m > vut_y + 5.0  # on the left, beyond the other lane


def test_obstructions_hide_the_child_and_the_cyclist() -> None:
    child = build_scenario(_POINTS["CPNCO 40/5 km/h IL 50 day"])
    assert {"parked-small", "parked-large"} <= set(child.world.actor_ids)
    cyclist = build_scenario(_POINTS["CBNAO 10/10 km/h IL 50"])
    assert "parked-small" in cyclist.world.actor_ids
    for setup in (child, cyclist):
        parked = setup.world.actor("parked-small")
        # Between the VUT's path and the VRU's start, 1 m right of the VUT.
        assert parked.y_m + parked.width_m / 2.0 == pytest.approx(
            setup.vut_start.y_m - VUT_WIDTH_M / 2.0 - 1.0
        )


@pytest.mark.parametrize(
    "label",
    [
        "ELK RE 70 km/h 0.2 m/s",
        "ELK RE 90 km/h 0.6 m/s",
        "LKA dashed 72 km/h 0.4 m/s left",
        "LKA dashed 72 km/h 0.3 m/s right",
    ],
)
def test_drifts_cross_their_line_when_planned(label: str) -> None:
    point = _POINTS[label]
    lateral = float(point.parameter("lateral_velocity_mps"))
    result = run_point(point, stack=None)
    assert not result.impact
    assert result.end_lateral_offset_m is not None
    # The run goes on AFTER_CROSSING_S past the planned crossing, drifting at the lateral velocity.
    assert result.end_lateral_offset_m == pytest.approx(lateral * AFTER_CROSSING_S, abs=LOCATION_TOLERANCE_M)


@pytest.mark.parametrize("point", false_positive_points(), ids=lambda point: str(point.parameter("case")))
def test_false_positive_cases_hit_nothing(point: TestPoint) -> None:
    setup = build_scenario(point)
    if point.parameter("case") == "acc-cut-out":
        _check_cut_out(point)
        return
    result = run_point(point, setup, stack=None)
    assert not result.impact, result.notes
    assert not any("hit" in note for note in result.notes)
    assert result.colour == "green"


def _check_cut_out(point: TestPoint) -> None:
    """Without ACC nothing stops the VUT: check the reveal instead (the stationary car 50 m ahead
    of the VUT's front when the lead car is half way into the next lane)."""
    setup = build_scenario(point)
    speed = setup.vut_speed_mps
    reveal_s = cut_out_reveal_time_s(speed)
    lead = setup.world.behaviour("lead")
    assert isinstance(lead, ScriptedMotion)
    lead_state = lead.state_at(reveal_s)
    assert lead_state.y_m == pytest.approx(setup.vut_start.y_m - 3.5 / 2.0, abs=0.05)
    stationary = setup.world.actor("stationary")
    vut_front = VUT_START_X_M + VUT_LENGTH_M / 2.0 + speed * reveal_s
    assert stationary.x_m - stationary.length_m / 2.0 - vut_front == pytest.approx(REVEAL_DISTANCE_M)
    # The lead never touches the stationary car.
    for step in range(round(setup.duration_s / 0.1)):
        state = lead.state_at(step * 0.1)
        overlapping = (
            abs(state.x_m - stationary.x_m) < stationary.length_m and abs(state.y_m - stationary.y_m) < 1.8
        )
        assert not overlapping, f"the lead car meets the stationary car at {step * 0.1:.1f} s"
    # Without ACC the VUT coasts into the stationary car (straight ahead in its lane), not the lead.
    result = run_point(point, setup, stack=None)
    assert result.impact
    assert result.impact_offset_m == pytest.approx(0.0, abs=LOCATION_TOLERANCE_M)
