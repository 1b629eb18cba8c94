"""Scoring: a point's colour and points, and a run's summary with the rating gate.

The colour bands are those of Euro NCAP's 2026 rating calculator (``matrix_processing``), with
its band conventions:

- mitigation (CCR*, CP*, CB* in AEB mode): relative impact speed, the bands looked up by VUT
  speed (every speed from 50 km/h up uses the 50 km/h row; a speed between rows uses the row
  below). Green is no impact speed at all; a band's upper edge belongs to the next band
  (half-open ``[lower, upper)``), so at 50 km/h 10 km/h is orange, not yellow;
- avoidance (CCFtap, CCCscp) and no-impact (ELK oncoming/overtaking): green only without impact;
- speed reduction (CCFhos): red up to 10 km/h, orange up to 20 km/h, green above (the
  calculator's extra "red above 30 km/h" band is left out: a larger reduction cannot be worse);
- FCW: green when the warning came at a true TTC of at least 1.7 s (the calculator's half-open
  band: sec 5.2 "Green >= 1.7 s, Red < 1.7 s"), red when it came later or never;
- road edge (ELK RE): green while the outer wheel ends less than 0.1 m past the edge (the
  calculator's ``dtle_t_end > -0.1 m``); lane line (LKA): green up to 0.3 m past the line;
- false positive: green when neither AEB nor FCW acted (and nothing was hit).

Points: a standard point earns its ``max_points`` × 1 / 0.75 / 0.5 / 0.25 / 0 for green /
yellow / orange / brown / red; an extended point earns all of them unless red.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sdvkit.ncap.grids import (
    GATE_CCRS_MAX_SPEED_KPH,
    GATE_CPNA_IMPACT_LOCATION_PCT,
    GATE_CPNA_SPEED_KPH,
    GRID_NAMES,
    grid_points,
    grid_spec,
)
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import Criterion, GridRange, TestPoint

GREEN = "green"
YELLOW = "yellow"
ORANGE = "orange"
BROWN = "brown"
RED = "red"
COLOURS = (GREEN, YELLOW, ORANGE, BROWN, RED)
COLOUR_WEIGHTS = {GREEN: 1.0, YELLOW: 0.75, ORANGE: 0.5, BROWN: 0.25, RED: 0.0}

MITIGATION_BANDS: dict[float, tuple[tuple[str, float], ...]] = {
    10.0: ((RED, math.inf),),
    20.0: ((RED, math.inf),),
    30.0: ((BROWN, 10.0), (RED, math.inf)),
    40.0: ((ORANGE, 10.0), (BROWN, 20.0), (RED, math.inf)),
    50.0: ((YELLOW, 10.0), (ORANGE, 20.0), (BROWN, 30.0), (RED, math.inf)),
}
"""VUT speed row → bands above green: (colour, upper edge in km/h, exclusive)."""
SPEED_REDUCTION_RED_MAX_KPH = 10.0
SPEED_REDUCTION_ORANGE_MAX_KPH = 20.0
FCW_MIN_TTC_S = 1.7
ROAD_EDGE_MAX_PAST_M = 0.1
LANE_LINE_MAX_PAST_M = 0.3


def mitigation_colour(vut_speed_kph: float, impact_speed_kph: float) -> str:
    """The colour of a relative impact speed at a VUT speed (no impact speed: green)."""
    if impact_speed_kph <= 0.0:
        return GREEN
    rows = [speed for speed in MITIGATION_BANDS if speed <= vut_speed_kph]
    bands = MITIGATION_BANDS[max(rows) if rows else min(MITIGATION_BANDS)]
    for colour, upper in bands:
        if impact_speed_kph < upper:
            return colour
    return RED


def speed_reduction_colour(impact: bool, speed_reduction_kph: float) -> str:
    if not impact:
        return GREEN
    if speed_reduction_kph <= SPEED_REDUCTION_RED_MAX_KPH:
        return RED
    if speed_reduction_kph <= SPEED_REDUCTION_ORANGE_MAX_KPH:
        return ORANGE
    return GREEN


def score_point(  # noqa: PLR0917 (the bench's published signature)
    point: TestPoint,
    impact: bool,
    impact_speed_kph: float,
    speed_reduction_kph: float,
    fcw_ttc_s: float | None,
    end_lateral_offset_m: float | None,
    aeb_activated: bool,
    *,
    fcw_warned: bool | None = None,
) -> tuple[str, float]:
    """The colour and points of one run of ``point``.

    ``fcw_warned`` says whether FCW warned at all (default: ``fcw_ttc_s is not None``); a
    lane-support point without ``end_lateral_offset_m`` is red (nothing was measured).
    """
    warned = fcw_ttc_s is not None if fcw_warned is None else fcw_warned
    criterion = point.criterion
    if criterion is Criterion.MITIGATION:
        colour = mitigation_colour(point.vut_speed_kph, impact_speed_kph if impact else 0.0)
    elif criterion in (Criterion.AVOIDANCE, Criterion.NO_IMPACT):
        colour = RED if impact else GREEN
    elif criterion is Criterion.SPEED_REDUCTION:
        colour = speed_reduction_colour(impact, speed_reduction_kph)
    elif criterion is Criterion.FCW:
        colour = GREEN if fcw_ttc_s is not None and fcw_ttc_s >= FCW_MIN_TTC_S else RED
    elif criterion is Criterion.ROAD_EDGE:
        ok = end_lateral_offset_m is not None and end_lateral_offset_m < ROAD_EDGE_MAX_PAST_M
        colour = GREEN if ok else RED
    elif criterion is Criterion.LANE_LINE:
        ok = end_lateral_offset_m is not None and end_lateral_offset_m <= LANE_LINE_MAX_PAST_M
        colour = GREEN if ok else RED
    else:  # Criterion.FALSE_POSITIVE
        colour = RED if aeb_activated or warned or impact else GREEN
    extended_weight = 0.0 if colour == RED else 1.0
    weight = COLOUR_WEIGHTS[colour] if point.range is GridRange.STANDARD else extended_weight
    return colour, point.max_points * weight


# -- the summary ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class GridScore:
    """What one grid scored in one range."""

    grid: str
    range: GridRange
    points: float
    max_points: float
    count: int
    green: int

    @property
    def green_share(self) -> float:
        return self.green / self.count if self.count else 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Gate:
    """The rating gate: every CCRs standard point up to 20 km/h and CPNA IL 75 at 10 km/h (day
    and night) green. ``checked`` lists the gate points that ran, ``failed`` those not green,
    ``missing`` the gate points the run did not include."""

    checked: tuple[str, ...]
    failed: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True unless a gate point that ran was not green (points not run do not fail it)."""
        return not self.failed

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True, kw_only=True, slots=True)
class Summary:
    """A run's scores: per grid and range, the gate, and the totals."""

    grids: tuple[GridScore, ...]
    gate: Gate
    frontal_points: float
    """Frontal Collisions points after the gate (0 when it failed)."""
    frontal_points_before_gate: float
    frontal_max_points: float
    lane_departure_points: float
    lane_departure_max_points: float
    false_positive_passed: int
    false_positive_count: int
    scenario_file_green: int
    scenario_file_count: int

    @property
    def total_points(self) -> float:
        return self.frontal_points + self.lane_departure_points

    @property
    def total_max_points(self) -> float:
        return self.frontal_max_points + self.lane_departure_max_points


def is_gate_point(point: TestPoint) -> bool:
    """True for the points the rating gate checks."""
    if point.range is not GridRange.STANDARD:
        return False
    if point.grid == "CCRs":
        return point.vut_speed_kph <= GATE_CCRS_MAX_SPEED_KPH
    return (
        point.grid == "CPNA"
        and point.vut_speed_kph == GATE_CPNA_SPEED_KPH
        and point.impact_location_pct == GATE_CPNA_IMPACT_LOCATION_PCT
    )


def _gate_labels() -> tuple[str, ...]:
    return tuple(
        p.label for p in grid_points(("CCRs", "CPNA"), ranges=(GridRange.STANDARD,)) if is_gate_point(p)
    )


def _frontal(grid: str) -> bool | None:
    """True for a Frontal Collisions grid, False for lane departure, None for other results."""
    return grid_spec(grid).frontal if grid in GRID_NAMES else None


def summarise(results: Iterable[PointResult]) -> Summary:
    """Score a run: points per grid and range, the gate, the Frontal Collisions and lane
    departure totals, and how many false-positive and scenario-file points were green."""
    ordered: dict[tuple[str, GridRange], list[PointResult]] = {}
    false_positive = [0, 0]
    scenario_file = [0, 0]
    gate_results: dict[str, PointResult] = {}
    for result in results:
        point = result.point
        if point.range is GridRange.FALSE_POSITIVE:
            false_positive[0] += result.colour == GREEN
            false_positive[1] += 1
            continue
        if point.range is GridRange.SCENARIO_FILE:
            scenario_file[0] += result.colour == GREEN
            scenario_file[1] += 1
            continue
        ordered.setdefault((point.grid, point.range), []).append(result)
        if is_gate_point(point):
            gate_results[point.label] = result
    grid_order = {name: index for index, name in enumerate(GRID_NAMES)}
    keys = sorted(
        ordered,
        key=lambda key: (grid_order.get(key[0], len(grid_order)), key[0], key[1] is GridRange.EXTENDED),
    )
    scores = tuple(_grid_score(grid, grid_range, ordered[(grid, grid_range)]) for grid, grid_range in keys)
    gate = Gate(
        checked=tuple(gate_results),
        failed=tuple(label for label, result in gate_results.items() if result.colour != GREEN),
        missing=tuple(label for label in _gate_labels() if label not in gate_results),
    )
    frontal = [score for score in scores if _frontal(score.grid) is True]
    lane = [score for score in scores if _frontal(score.grid) is False]
    frontal_points = sum(score.points for score in frontal)
    return Summary(
        grids=scores,
        gate=gate,
        frontal_points=frontal_points if gate.passed else 0.0,
        frontal_points_before_gate=frontal_points,
        frontal_max_points=sum(score.max_points for score in frontal),
        lane_departure_points=sum(score.points for score in lane),
        lane_departure_max_points=sum(score.max_points for score in lane),
        false_positive_passed=false_positive[0],
        false_positive_count=false_positive[1],
        scenario_file_green=scenario_file[0],
        scenario_file_count=scenario_file[1],
    )


def _grid_score(grid: str, grid_range: GridRange, results: Sequence[PointResult]) -> GridScore:
    return GridScore(
        grid=grid,
        range=grid_range,
        points=sum(result.points for result in results),
        max_points=sum(result.point.max_points for result in results),
        count=len(results),
        green=sum(result.colour == GREEN for result in results),
    )


__all__ = [
    "BROWN",
    "COLOURS",
    "GREEN",
    "ORANGE",
    "RED",
    "YELLOW",
    "Gate",
    "GridScore",
    "Summary",
    "is_gate_point",
    "mitigation_colour",
    "score_point",
    "summarise",
]
