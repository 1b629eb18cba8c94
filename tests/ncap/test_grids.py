"""The grids: names, counts and budgets, checked against Euro NCAP's own rating calculator."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest

from sdvkit.ncap.errors import ScenarioError, UnknownGridError
from sdvkit.ncap.grids import GRID_NAMES, GRIDS, grid_points, grid_spec, impact_offset_m
from sdvkit.ncap.scenario import Criterion, GridRange, Lighting

data_model = pytest.importorskip("euroncap_rating_2026.crash_avoidance.data_model")
matrix_processing = pytest.importorskip("euroncap_rating_2026.crash_avoidance.matrix_processing")

# Our grid → the calculator's loadcases (day and night are one grid here; CCCscp runs both sides).
LOADCASES = {
    "CCRs": ("CCRs",),
    "CCRm": ("CCRm",),
    "CCRb": ("CCRb",),
    "CCFhos": ("CCFhos",),
    "CCFtap": ("CCFtap",),
    "CCCscp": ("CCCscp",),
    "CPNA": ("CPNA day", "CPNA night"),
    "CPFA": ("CPFA day", "CPFA night"),
    "CPNCO": ("CPNCO day", "CPNCO night"),
    "CPLA": ("CPLA day", "CPLA night"),
    "CBNA": ("CBNA",),
    "CBNAO": ("CBNAO",),
    "CBFA": ("CBFA",),
    "CBLA": ("CBLA",),
    "ELK RE": ("ELK RE",),
    "CC ELK On": ("CC ELK On",),
    "CC ELK OvU": ("CC ELK OvU",),
}
ROWS = {
    "CCRs": 8, "CCRm": 11, "CCRb": 11, "CCFhos": 8, "CCFtap": 4, "CCCscp": 7, "CPNA day": 6,
    "CPNA night": 6, "CPFA day": 6, "CPFA night": 6, "CPNCO day": 6, "CPNCO night": 6,
    "CBNA": 6, "CBNAO": 6, "CBFA": 6, "ELK RE": 6, "CC ELK On": 6, "CC ELK OvU": 9,
}  # fmt: skip
"""Rows of each prediction matrix in the calculator's template (ca_template.xlsx)."""


def _calculator_counts(loadcase: str) -> Counter[str]:
    """Standard and extended cells of one of the calculator's matrices, from its own tables."""
    rows, columns = ROWS[loadcase], data_model.MATRIX_INDICES[loadcase]["n_cols"]
    removed = set(matrix_processing.CELL_REMOVAL_MAP.get(loadcase, ()))
    extended = set(data_model.EXTENDED_RANGE_CELLS[loadcase])
    counts: Counter[str] = Counter()
    for row in range(rows):
        for column in range(columns):
            if (row, column) not in removed:
                counts["extended" if (row, column) in extended else "standard"] += 1
    return counts


@pytest.mark.parametrize("grid", [name for name in LOADCASES if name not in ("CPLA", "CBLA")])
def test_counts_match_the_calculators_matrices(grid: str) -> None:
    expected: Counter[str] = Counter()
    for loadcase in LOADCASES[grid]:
        expected += _calculator_counts(loadcase)
    sides = 2 if grid == "CCCscp" else 1
    points = grid_points((grid,))
    counted = Counter(point.range.value for point in points)
    assert counted["standard"] == expected["standard"] * sides
    assert counted["extended"] == expected["extended"] * sides


@pytest.mark.parametrize("grid", list(LOADCASES))
def test_budgets_are_the_calculators(grid: str) -> None:
    budgets: defaultdict[str, float] = defaultdict(float)
    for loadcase in LOADCASES[grid]:
        for layer in ("Standard", "Extended"):
            budgets[layer.lower()] += data_model.TOTAL_SCORES[loadcase][layer]
    totals: defaultdict[str, float] = defaultdict(float)
    for point in grid_points((grid,)):
        totals[point.range.value] += point.max_points
    for layer in ("standard", "extended"):
        assert totals[layer] == pytest.approx(budgets[layer])


def test_the_longitudinal_vru_grids_have_an_aeb_and_an_fcw_band() -> None:
    cpla = grid_points(("CPLA",), ranges=(GridRange.STANDARD,))
    aeb = [p for p in cpla if p.criterion is Criterion.MITIGATION]
    fcw = [p for p in cpla if p.criterion is Criterion.FCW]
    assert {p.vut_speed_kph for p in aeb} == {10, 20, 30, 40, 50, 60}
    assert {p.impact_location_pct for p in aeb} == {50}
    assert {p.vut_speed_kph for p in fcw} == {50, 60, 70, 80}
    assert {p.impact_location_pct for p in fcw} == {25}
    assert {p.lighting for p in cpla} == {Lighting.DAY, Lighting.NIGHT}
    cbla = grid_points(("CBLA",), ranges=(GridRange.STANDARD,))
    assert {(p.target_speed_kph, p.criterion) for p in cbla} == {
        (15, Criterion.MITIGATION),
        (20, Criterion.FCW),
    }


def test_ccrs_warns_above_50_kph() -> None:
    for point in grid_points(("CCRs",)):
        expected = Criterion.FCW if point.vut_speed_kph > 50 else Criterion.MITIGATION
        assert point.criterion is expected, point.label


def test_every_grid_is_listed_once_and_labels_are_unique() -> None:
    assert list(GRID_NAMES) == [grid.name for grid in GRIDS]
    assert len(set(GRID_NAMES)) == len(GRID_NAMES)
    points = grid_points()
    assert {point.grid for point in points} == set(GRID_NAMES)
    labels = Counter((point.grid, point.label) for point in points)
    assert [label for label, count in labels.items() if count > 1] == []


def test_ranges_select_points() -> None:
    standard = grid_points(("CCRm",), ranges=(GridRange.STANDARD,))
    extended = grid_points(("CCRm",), ranges=(GridRange.EXTENDED,))
    both = grid_points(("CCRm",))
    assert {p.range for p in standard} == {GridRange.STANDARD}
    assert {p.range for p in extended} == {GridRange.EXTENDED}
    assert len(both) == len(standard) + len(extended)
    with pytest.raises(ScenarioError, match="false-positive"):
        grid_points(("CCRm",), ranges=(GridRange.FALSE_POSITIVE,))


def test_unknown_grid_lists_the_known_names() -> None:
    with pytest.raises(UnknownGridError) as raised:
        grid_points(("CCRs", "CCRx"))
    message = str(raised.value)
    assert "'CCRx'" in message
    for name in GRID_NAMES:
        assert name in message


def test_names_are_case_insensitive() -> None:
    assert grid_spec("elk re").name == "ELK RE"
    assert grid_points(("ccrs",)) == grid_points(("CCRs",))


def test_impact_location_offsets() -> None:
    width = 1.8
    assert impact_offset_m(50.0, width) == pytest.approx(0.0)
    assert impact_offset_m(0.0, width) == pytest.approx(-0.9)  # the right edge
    assert impact_offset_m(100.0, width) == pytest.approx(0.9)
    assert impact_offset_m(-25.0, width) == pytest.approx(-1.35)
    assert impact_offset_m(25.0, width, from_left=True) == pytest.approx(0.45)
    assert math.isclose(impact_offset_m(75.0, width), -impact_offset_m(75.0, width, from_left=True))
