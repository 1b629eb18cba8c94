"""Scoring: every colour band edge of the 2026 criteria, the points, and the rating gate."""

from __future__ import annotations

import dataclasses

import pytest

from sdvkit.ncap.builders import false_positive_points
from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import Criterion, GridRange, TestPoint
from sdvkit.ncap.scoring import (
    BROWN,
    GREEN,
    ORANGE,
    RED,
    YELLOW,
    is_gate_point,
    mitigation_colour,
    score_point,
    summarise,
)

EPS = 1e-6


def _point(
    criterion: Criterion, *, vut_kph: float = 50.0, grid_range: GridRange = GridRange.STANDARD
) -> TestPoint:
    return TestPoint(
        grid="test",
        range=grid_range,
        label=f"{criterion.value} {vut_kph}",
        vut_speed_kph=vut_kph,
        target_speed_kph=0.0,
        impact_location_pct=50.0,
        criterion=criterion,
        max_points=0.8,
    )


def _colour(point: TestPoint, **measured: object) -> str:
    values: dict[str, object] = {
        "impact": False,
        "impact_speed_kph": 0.0,
        "speed_reduction_kph": 0.0,
        "fcw_ttc_s": None,
        "end_lateral_offset_m": None,
        "aeb_activated": False,
    }
    values.update(measured)
    colour, _ = score_point(point, **values)  # type: ignore[arg-type]
    return colour


@pytest.mark.parametrize(
    ("vut_kph", "impact_kph", "colour"),
    [
        (10, 0.0, GREEN),
        (10, EPS, RED),
        (20, EPS, RED),
        (30, EPS, BROWN),
        (30, 10 - EPS, BROWN),
        (30, 10.0, RED),
        (40, EPS, ORANGE),
        (40, 10 - EPS, ORANGE),
        (40, 10.0, BROWN),
        (40, 20 - EPS, BROWN),
        (40, 20.0, RED),
        (50, EPS, YELLOW),
        (50, 10 - EPS, YELLOW),
        (50, 10.0, ORANGE),
        (50, 20 - EPS, ORANGE),
        (50, 20.0, BROWN),
        (50, 30 - EPS, BROWN),
        (50, 30.0, RED),
        (80, 29.0, BROWN),  # every speed from 50 km/h up uses the 50 km/h row
        (130, 5.0, YELLOW),
        (35, 5.0, BROWN),  # between rows: the row below
    ],
)
def test_mitigation_bands(vut_kph: float, impact_kph: float, colour: str) -> None:
    assert mitigation_colour(vut_kph, impact_kph) == colour
    point = _point(Criterion.MITIGATION, vut_kph=vut_kph)
    assert _colour(point, impact=impact_kph > 0, impact_speed_kph=impact_kph) == colour


def test_mitigation_without_impact_is_green_whatever_the_speed_field() -> None:
    assert _colour(_point(Criterion.MITIGATION), impact=False, impact_speed_kph=25.0) == GREEN


@pytest.mark.parametrize("criterion", [Criterion.AVOIDANCE, Criterion.NO_IMPACT])
def test_avoidance_is_green_only_without_impact(criterion: Criterion) -> None:
    point = _point(criterion)
    assert _colour(point) == GREEN
    assert _colour(point, impact=True, impact_speed_kph=0.5) == RED


@pytest.mark.parametrize(
    ("reduction_kph", "impact", "colour"),
    [
        (10.0, True, RED),
        (10 + EPS, True, ORANGE),
        (20.0, True, ORANGE),
        (20 + EPS, True, GREEN),
        (45.0, True, GREEN),
        (0.0, False, GREEN),
    ],
)
def test_speed_reduction_bands(reduction_kph: float, impact: bool, colour: str) -> None:
    assert (
        _colour(_point(Criterion.SPEED_REDUCTION), impact=impact, speed_reduction_kph=reduction_kph) == colour
    )


@pytest.mark.parametrize(("ttc", "colour"), [(None, RED), (1.7 - EPS, RED), (1.7, GREEN), (2.6, GREEN)])
def test_fcw_band(ttc: float | None, colour: str) -> None:
    assert _colour(_point(Criterion.FCW), fcw_ttc_s=ttc) == colour


@pytest.mark.parametrize(
    ("criterion", "offset", "colour"),
    [
        (Criterion.ROAD_EDGE, -0.5, GREEN),
        (Criterion.ROAD_EDGE, 0.1 - EPS, GREEN),
        (Criterion.ROAD_EDGE, 0.1, RED),
        (Criterion.ROAD_EDGE, None, RED),
        (Criterion.LANE_LINE, 0.3, GREEN),
        (Criterion.LANE_LINE, 0.3 + EPS, RED),
        (Criterion.LANE_LINE, None, RED),
    ],
)
def test_lane_support_bands(criterion: Criterion, offset: float | None, colour: str) -> None:
    assert _colour(_point(criterion), end_lateral_offset_m=offset) == colour


def test_false_positive_is_green_only_when_nothing_acted() -> None:
    point = false_positive_points()[0]
    assert _colour(point) == GREEN
    assert _colour(point, aeb_activated=True) == RED
    assert _colour(point, fcw_ttc_s=3.0) == RED
    colour, _ = score_point(point, False, 0.0, 0.0, None, None, False, fcw_warned=True)
    assert colour == RED  # a warning with no TTC to speak of still counts
    assert _colour(point, impact=True) == RED


def test_points_follow_the_colour_and_the_range() -> None:
    standard = _point(Criterion.MITIGATION)
    weights = {0.0: 1.0, 5.0: 0.75, 15.0: 0.5, 25.0: 0.25, 35.0: 0.0}
    for impact_kph, weight in weights.items():
        _, points = score_point(standard, impact_kph > 0, impact_kph, 0.0, None, None, False)
        assert points == pytest.approx(standard.max_points * weight)
    extended = _point(Criterion.MITIGATION, grid_range=GridRange.EXTENDED)
    for impact_kph in (0.0, 5.0, 15.0, 25.0):
        assert (
            score_point(extended, impact_kph > 0, impact_kph, 0.0, None, None, False)[1]
            == extended.max_points
        )
    assert score_point(extended, True, 35.0, 0.0, None, None, False)[1] == 0.0


def _result(point: TestPoint, colour: str) -> PointResult:
    weight = {GREEN: 1.0, RED: 0.0}[colour]
    return PointResult(
        point=point,
        impact=colour == RED,
        impact_speed_kph=10.0 if colour == RED else 0.0,
        fcw_ttc_s=None,
        aeb_activated=False,
        colour=colour,
        points=point.max_points * weight,
    )


def test_summary_and_gate() -> None:
    points = grid_points(("CCRs", "CPNA", "ELK RE"), ranges=(GridRange.STANDARD,))
    green = [_result(point, GREEN) for point in points]
    summary = summarise(green)
    assert summary.gate.passed
    assert summary.gate.complete
    assert len(summary.gate.checked) == 5 * 2 + 2  # CCRs 10 and 20 km/h x 5 IL, CPNA 75 % day and night
    assert summary.frontal_points == pytest.approx(1.2 + 1.0)
    assert summary.frontal_max_points == pytest.approx(2.2)
    assert summary.lane_departure_points == pytest.approx(4.0)
    by_grid = {(score.grid, score.range): score for score in summary.grids}
    assert by_grid[("CCRs", GridRange.STANDARD)].green_share == 1.0

    # One red gate point zeroes Frontal Collisions, not lane departure.
    gate_point = next(point for point in points if point.grid == "CPNA" and is_gate_point(point))
    failed = [_result(point, RED) if point is gate_point else _result(point, GREEN) for point in points]
    summary = summarise(failed)
    assert not summary.gate.passed
    assert summary.gate.failed == (gate_point.label,)
    assert summary.frontal_points == 0.0
    assert summary.frontal_points_before_gate == pytest.approx(2.2 - gate_point.max_points)
    assert summary.lane_departure_points == pytest.approx(4.0)

    # A red point that is not a gate point costs its points only.
    other = next(point for point in points if point.grid == "CCRs" and point.vut_speed_kph == 50)
    summary = summarise(
        [_result(point, RED) if point is other else _result(point, GREEN) for point in points]
    )
    assert summary.gate.passed
    assert summary.frontal_points == pytest.approx(2.2 - other.max_points)


def test_gate_points_not_run_are_missing_not_failed() -> None:
    points = grid_points(("CCRm",), ranges=(GridRange.STANDARD,))
    summary = summarise([_result(point, RED) for point in points])
    assert summary.gate.passed
    assert not summary.gate.complete
    assert summary.gate.checked == ()
    assert len(summary.gate.missing) == 12


def test_false_positives_and_scenario_files_are_counted_apart() -> None:
    fp = false_positive_points()
    file_point = dataclasses.replace(fp[0], grid="file.xosc", range=GridRange.SCENARIO_FILE, label="file run")
    results = [_result(fp[0], GREEN), _result(fp[1], RED), _result(file_point, GREEN)]
    summary = summarise(results)
    assert (summary.false_positive_passed, summary.false_positive_count) == (1, 2)
    assert (summary.scenario_file_green, summary.scenario_file_count) == (1, 1)
    assert summary.grids == ()
