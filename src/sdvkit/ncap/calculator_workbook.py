"""Reading and filling Euro NCAP's crash-avoidance template: which cell each result falls in,
the prediction colours, the verification tests' measured values.

:mod:`sdvkit.ncap.calculator` drives the calculator's commands around these steps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sdvkit.ncap.errors import CalculatorError
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import Criterion

COLOURS = ("green", "yellow", "orange", "brown", "red")
"""The calculator's colours, best first."""
PREDICTION_SHEETS = (
    "FC - Car & PTW pred.",
    "FC - Ped & Cyc pred.",
    "LDC - Single Veh pred.",
    "LDC - Car & PTW pred.",
)
_LAYERS = ("standard", "extended", "robustness")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True, kw_only=True, slots=True)
class VerificationTest:
    """A cell the calculator picked to verify, the value the bench measured there, its verdict."""

    scenario: str
    test_point: str
    """The calculator's (row, column) of the cell in its grid, e.g. ``"(1, 2)"``."""
    test_range: str
    point_label: str
    predicted_colour: str
    kpi: str
    """What the value is, in the calculator's words (``v_rel_impact``, ``fcw_ttc``, …)."""
    value: float
    calculator_colour: str
    """The colour the calculator gives the measured value ("" if its report lacks the row)."""

    @property
    def agrees(self) -> bool:
        return self.predicted_colour.lower() == self.calculator_colour.lower()


@dataclass(slots=True)
class _Cell:
    """One prediction cell of the template, and the results that fall in it."""

    sheet: str
    block: str
    row: int
    column: int
    vut_speed_kph: float
    target_speed_kph: float | None
    column_attribute: str
    column_value: float
    function: str | None
    function_cell: int | None
    """Column of the row's AEB/FCW dropdown (the bench fills it), None when fixed or absent."""
    results: list[PointResult] = field(default_factory=list)


def number_in(value: Any) -> float | None:
    """The number in a template label: ``"30 km/h"`` → 30, ``0.75`` → 0.75, ``"SfS"`` → None."""
    if isinstance(value, int | float):
        return float(value)
    match = _NUMBER.search(str(value)) if value is not None else None
    return float(match.group()) if match else None


def _validation_cells(sheet: Any, accept: frozenset[str]) -> set[tuple[int, int]]:
    """Cells under a dropdown whose options include every word in ``accept`` (case-insensitive)."""
    cells: set[tuple[int, int]] = set()
    for validation in sheet.data_validations.dataValidation:
        options = {word.strip().strip('"').lower() for word in str(validation.formula1 or "").split(",")}
        if validation.type == "list" and accept <= options:
            for box in validation.sqref.ranges:
                cells.update(
                    (row, column)
                    for row in range(box.min_row, box.max_row + 1)
                    for column in range(box.min_col, box.max_col + 1)
                )
    return cells


def read_layout(workbook: Any) -> dict[str, list[_Cell]]:
    """Every prediction cell of the grids, by block name, read from the template itself.

    A block is its name in column A, its column values on the next row, then one row per VUT
    speed; its cells are those with a colour dropdown (exactly the calculator's grid). The column
    attribute is the nearest header at or left of the first cell, as the calculator reads it.
    """
    layout: dict[str, list[_Cell]] = {}
    for sheet_name in PREDICTION_SHEETS:
        sheet = workbook[sheet_name]
        colours = _validation_cells(sheet, frozenset({"green", "red"}))
        functions = _validation_cells(sheet, frozenset({"aeb", "fcw"}))
        grid = {(c.row, c.column): c.value for line in sheet.iter_rows() for c in line if c.value is not None}
        for (name_row, column_a), name in sorted(grid.items()):
            if column_a != 1 or number_in(name) is not None or (name_row + 1, 1) in grid:
                continue
            rows: list[int] = []
            while (name_row + 2 + len(rows), 1) in grid:
                rows.append(name_row + 2 + len(rows))
            columns = sorted({column for (row, column) in colours if row in rows})
            if not columns:
                continue
            headers = {
                c: str(grid[name_row, c]).strip() for c in range(2, columns[0] + 1) if (name_row, c) in grid
            }
            column_attribute = headers[max(headers)] if headers else ""
            target = next((c for c, text in headers.items() if text == "Target speed" and c < columns[0]), 0)
            function = next((c for c, text in headers.items() if text == "Function"), 0)
            cells = [
                _Cell(
                    sheet=sheet_name,
                    block=str(name).strip(),
                    row=row,
                    column=column,
                    vut_speed_kph=vut_speed_kph,
                    target_speed_kph=number_in(grid.get((row, target))) if target else None,
                    column_attribute=column_attribute,
                    column_value=value,
                    function=None if (row, function) in functions else _text(grid.get((row, function))),
                    function_cell=function if (row, function) in functions else None,
                )
                for row in rows
                if (vut_speed_kph := number_in(grid[row, 1])) is not None
                for column in columns
                if (row, column) in colours
                and (value := number_in(grid.get((name_row + 1, column)))) is not None
            ]
            if cells:
                layout[str(name).strip()] = cells
    return layout


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip()


def _column_key(attribute: str, result: PointResult) -> float | None:
    """The point's value on a grid's column attribute, in the template's units."""
    point, name = result.point, attribute.lower()
    if "impact location" in name:
        return None if point.impact_location_pct is None else point.impact_location_pct / 100.0
    if "target speed" in name:
        return point.target_speed_kph
    if "lateral velocity" in name:
        speeds = [
            float(v) for k, v in point.parameters if k == "lateral_velocity_mps" and not isinstance(v, str)
        ]
        return speeds[0] if speeds else None
    return None


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, abs_tol=1e-6)


def assign(results: Sequence[PointResult], layout: dict[str, list[_Cell]]) -> list[tuple[str, str]]:
    """Put each result into its cell; returns (label, why) of those with no cell."""
    unscored: list[tuple[str, str]] = []
    for result in results:
        point = result.point
        block = next((n for n in (f"{point.grid} {point.lighting.value}", point.grid) if n in layout), None)
        if block is None:
            unscored.append((point.label, f"the calculator has no grid {point.grid!r}"))
            continue
        candidates = [
            cell
            for cell in layout[block]
            if _close(cell.vut_speed_kph, point.vut_speed_kph)
            and (cell.target_speed_kph is None or _close(cell.target_speed_kph, point.target_speed_kph))
            and _close(cell.column_value, _column_key(cell.column_attribute, result))
        ]
        wants_choice = point.criterion is Criterion.FCW
        preferred = [c for c in candidates if (c.function_cell is not None) == wants_choice] or candidates
        if not preferred:
            unscored.append(
                (point.label, f"no cell of the calculator's {block} grid has its speeds and position")
            )
            continue
        preferred[0].results.append(result)
    return unscored


def colour_rank(result: PointResult) -> int:
    colour = result.colour.strip().lower()
    if colour not in COLOURS:
        raise CalculatorError(
            f"test point {result.point.label!r}: colour {result.colour!r} is not one of {COLOURS}"
        )
    return COLOURS.index(colour)


def _worst(results: Sequence[PointResult]) -> PointResult:
    return max(results, key=colour_rank)


def _claim_name(block: str, claims: Sequence[str]) -> str | None:
    """The "Input parameters" scenario that claims a block (``CPNA day`` → ``CPNA``)."""
    if block in claims:
        return block
    stripped = re.sub(r" (day|night)$", "", block)
    if stripped in claims:
        return stripped
    prefixes = [name for name in claims if block.startswith(name)]
    return max(prefixes, key=len) if prefixes else None


def fill_predictions(workbook: Any, layout: dict[str, list[_Cell]]) -> tuple[set[str], set[str]]:
    """Write colours, functions, prediction methods and robustness claims.

    Returns the claimed blocks and the scenarios that claim them ("Input parameters" names).
    """
    parameters = workbook["Input parameters"]
    scenario_rows: dict[str, list[int]] = {}
    scenario = ""
    for row in range(2, parameters.max_row + 1):
        scenario = str(parameters.cell(row, 5).value or scenario).strip()
        scenario_rows.setdefault(scenario, []).append(row)
    claims = {
        _claim_name(block, list(scenario_rows))
        for block, cells in layout.items()
        if any(c.results for c in cells)
    }
    claimed_blocks = {block for block in layout if _claim_name(block, list(scenario_rows)) in claims}
    for name, rows in scenario_rows.items():
        for row in rows:
            parameter = str(parameters.cell(row, 6).value or "")
            if parameter.startswith("Prediction - "):
                parameters.cell(row, 7).value = "VTA" if name in claims else "N/A"
            elif parameter == "Extended range performance":
                parameters.cell(row, 7).value = "ELK" if name in claims else "N/A"
            elif parameter == "Vehicle response":
                parameters.cell(row, 7).value = "N/A"
    for block in claimed_blocks:
        sheet = workbook[layout[block][0].sheet]
        row_functions: dict[int, set[Criterion]] = {}
        for cell in layout[block]:
            worst = _worst(cell.results).colour.strip().capitalize() if cell.results else "Red"
            sheet.cell(cell.row, cell.column).value = worst
            if cell.function_cell is not None:
                row_functions.setdefault(cell.row, set()).update(r.point.criterion for r in cell.results)
        for cell in layout[block]:
            criteria = row_functions.get(cell.row)
            if cell.function_cell is not None and criteria:
                cell.function = "FCW" if Criterion.FCW in criteria else "AEB"
                sheet.cell(cell.row, cell.function_cell).value = cell.function
    for sheet_name in ("FC - Car & PTW robust. pred.", "FC - Ped & Cyc robust. pred.", "LDC - robust. pred."):
        sheet = workbook[sheet_name]
        for row, column in _validation_cells(sheet, frozenset({"yes", "no"})):
            sheet.cell(row, column).value = "NO"
    return claimed_blocks, {name for name in claims if name is not None}


def table(sheet: Any, header_row: int) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The header's columns by name, and the rows below it as dicts (``_row``: the Excel row)."""
    columns = {str(sheet.cell(header_row, c).value).strip(): c for c in range(sheet.max_column, 0, -1)}
    rows = [
        {"_row": row, **{name: sheet.cell(row, c).value for name, c in columns.items()}}
        for row in range(header_row + 1, sheet.max_row + 1)
    ]
    return columns, rows


def verification_tables(workbook: Any) -> list[tuple[Any, dict[str, int], list[dict[str, Any]]]]:
    """Each verification sheet with its test table (under the header that names "Test point")."""
    tables = []
    for sheet in (s for s in workbook.worksheets if s.title.endswith(" verif.")):
        for header_row in range(2, sheet.max_row + 1):
            if sheet.cell(header_row, 1).value == "Scenario" and "Test point" in table(sheet, header_row)[0]:
                columns, rows = table(sheet, header_row)
                tables.append((sheet, columns, [row for row in rows if row.get("Scenario")]))
                break
    return tables


def _kpi_value(kpi: str, result: PointResult) -> float:
    """The measured value the calculator asks for (its "Expected value" column)."""
    if kpi in ("v_rel_impact", "v_impact"):
        return result.impact_speed_kph if result.impact else 0.0
    if kpi == "v_reduction":
        return result.speed_reduction_kph
    if kpi == "fcw_ttc":
        return 0.0 if result.fcw_ttc_s is None else result.fcw_ttc_s  # never warned: TTC 0
    if kpi == "impact_occurred":
        return 1.0 if result.impact else 0.0
    if kpi == "dtle_t_end" and result.end_lateral_offset_m is not None:
        return -result.end_lateral_offset_m  # the calculator's distance to the edge is negative past it
    raise CalculatorError(
        f"test point {result.point.label!r}: sdvkit has no value for the calculator's {kpi!r}"
    )


def fill_verification(
    workbook: Any, layout: dict[str, list[_Cell]]
) -> dict[tuple[str, str], VerificationTest]:
    """Write each verification test's measured value; returns the tests by (scenario, test point)."""
    tested: dict[tuple[str, str], VerificationTest] = {}
    for sheet, columns, rows in verification_tables(workbook):
        for row in rows:
            scenario, test_point = str(row["Scenario"]).strip(), str(row.get("Test point"))
            if scenario not in layout:
                continue
            cell = _verified_cell(layout[scenario], row)
            if cell is None or not cell.results:
                keys = ("VUT speed", "Target speed", "Impact location", "Lateral velocity", "Function")
                described = ", ".join(f"{key} {row[key]}" for key in keys if row.get(key) is not None)
                raise CalculatorError(
                    f"the calculator picked {scenario} {test_point} ({described}) to verify, "
                    "but the bench has no run in that cell"
                )
            side = str(row.get("Target approach") or "").lower().removesuffix("side")
            same_side = [r for r in cell.results if ("side", side) in r.point.parameters]
            result = same_side[0] if same_side else _worst(cell.results)
            value = _kpi_value(str(row.get("Expected value")).strip(), result)
            if "Value" not in columns:
                raise CalculatorError(f"the calculator's sheet {sheet.title!r} has no Value column")
            sheet.cell(row["_row"], columns["Value"]).value = value
            tested[(scenario, test_point)] = VerificationTest(
                scenario=scenario,
                test_point=test_point,
                test_range=str(row.get("Range")),
                point_label=result.point.label,
                predicted_colour=str(row.get("OEM Prediction")),
                kpi=str(row.get("Expected value")).strip(),
                value=value,
                calculator_colour="",
            )
    return tested


def _verified_cell(cells: Sequence[_Cell], row: dict[str, Any]) -> _Cell | None:
    """The cell a verification row names, by its speeds, column value and function."""
    vut, target = number_in(row.get("VUT speed")), number_in(row.get("Target speed"))
    matches = []
    for cell in cells:
        value = number_in(row.get(cell.column_attribute))
        if value is not None and "impact location" in cell.column_attribute.lower():
            value /= 100.0
        if (
            _close(cell.vut_speed_kph, vut)
            and (cell.target_speed_kph is None or target is None or _close(cell.target_speed_kph, target))
            and _close(cell.column_value, value)
        ):
            matches.append(cell)
    function = str(row.get("Function") or "").strip()
    return next((c for c in matches if c.function == function), matches[0] if matches else None)
