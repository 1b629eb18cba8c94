"""Euro NCAP's own 2026 rating calculator, driven with the bench's results.

The calculator (PyPI ``euroncap-rating-2026``, the ``ncap`` extra) scores an OEM's colour
predictions for every grid cell, checked by a few verification tests the assessor picks at
random. The bench runs every cell, so its results are both: :func:`run_calculator`

1. makes a template with the package's ``crash_avoidance generate-template``;
2. writes each run's colour into its cell of the prediction sheets, "Red" into the cells of a
   claimed scenario the bench did not run, ``VTA`` (virtual testing) as the prediction method of
   every scenario it ran and ``N/A`` (not claimed: scores 0) for the others, ``NO`` for every
   robustness layer (none is run; a blank sheet makes the calculator divide by zero);
3. runs ``crash_avoidance preprocess``, which picks the verification tests, and writes each
   picked test's measured value (impact speed, warning TTC, …) from the run of that cell;
4. runs ``crash_avoidance compute-score`` and reads the scores back from its report.

docs/ncap-report.md lists what is filled and why.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sdvkit.ncap.errors import CalculatorError
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import Criterion

CALCULATOR_DISTRIBUTION = "euroncap-rating-2026"
CALCULATOR_MODULE = "euroncap_rating_2026"
INSTALL_HINT = "pip install 'sdvkit[ncap]'"
FRONTAL_COLLISIONS = "Frontal Collisions"
COLOURS = ("green", "yellow", "orange", "brown", "red")
"""The calculator's colours, best first."""
COMMAND_TIMEOUT_S = 600.0
PREDICTION_SHEETS = (
    "FC - Car & PTW pred.",
    "FC - Ped & Cyc pred.",
    "LDC - Single Veh pred.",
    "LDC - Car & PTW pred.",
)
_GATE_CHECK = "Frontal Collision general requirements check"
"""What the calculator logs (at INFO) whenever it checks the gate."""
_GATE_LINE = re.compile(r"Frontal Collision FAIL\. Reasons: (.*)")
_LAYERS = ("standard", "extended", "robustness")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True, kw_only=True, slots=True)
class ScenarioScore:
    """One scenario's row group of the calculator's "Scenario Scores" sheet."""

    stage_element: str
    stage_subelement: str
    category: str
    scenario: str
    standard_points: float
    standard_max: float
    extended_points: float
    extended_max: float
    robustness_points: float
    robustness_max: float
    claimed: bool
    """True when the bench ran the scenario (prediction method VTA); False: ``N/A``, scores 0."""

    @property
    def points(self) -> float:
        return self.standard_points + self.extended_points + self.robustness_points

    @property
    def max_points(self) -> float:
        return self.standard_max + self.extended_max + self.robustness_max


@dataclass(frozen=True, kw_only=True, slots=True)
class StageScore:
    """One row of the calculator's "Test Scores" sheet (a stage element and subelement)."""

    stage_element: str
    stage_subelement: str
    points: float
    max_points: float


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


@dataclass(frozen=True, kw_only=True, slots=True)
class CalculatorScore:
    """What the calculator scored, read back from its own report."""

    frontal_collisions_points: float
    frontal_collisions_max: float
    frontal_collisions_gate_passed: bool
    gate_reasons: str
    """The calculator's own reasons when the gate zeroed Frontal Collisions ("" when it passed)."""
    stage_scores: tuple[StageScore, ...]
    scenario_scores: tuple[ScenarioScore, ...]
    verification_tests: tuple[VerificationTest, ...]
    unscored_points: tuple[tuple[str, str], ...]
    """(label, why) of every result the calculator has no cell for (false-positive, LKA, …)."""
    filled_template: Path
    preprocessed_template: Path
    report_file: Path
    log_file: Path
    calculator_version: str

    @property
    def frontal_collisions_claimed_max(self) -> float:
        """Most the claimed Frontal Collisions scenarios can score without robustness layers."""
        return sum(
            (
                score.standard_max + score.extended_max
                for score in self.scenario_scores
                if score.claimed and score.stage_element == FRONTAL_COLLISIONS
            ),
            0.0,
        )

    @property
    def verification_mismatches(self) -> tuple[VerificationTest, ...]:
        return tuple(test for test in self.verification_tests if not test.agrees)


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


def run_calculator(results: Sequence[PointResult], work_dir: Path) -> CalculatorScore:
    """Score ``results`` with Euro NCAP's calculator; its files are written under ``work_dir``."""
    for result in results:
        _colour_rank(result)  # refuse an unknown colour before anything runs
    try:
        version = importlib.metadata.version(CALCULATOR_DISTRIBUTION)
        import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415  # the calculator's dependency
    except (importlib.metadata.PackageNotFoundError, ImportError) as error:
        raise CalculatorError(
            f"Euro NCAP's rating calculator ({CALCULATOR_DISTRIBUTION}) is not installed: {INSTALL_HINT}"
        ) from error
    template_dir, preprocess_dir, compute_dir = (
        work_dir / name for name in ("template", "preprocess", "compute")
    )
    for directory in (template_dir, preprocess_dir, compute_dir):
        directory.mkdir(parents=True, exist_ok=True)

    _run_command(["crash_avoidance", "generate-template"], template_dir)
    workbook = openpyxl.load_workbook(template_dir / "ca_template.xlsx")
    layout = _read_layout(workbook)
    unscored = _assign(results, layout)
    claimed, claims = _fill_predictions(workbook, layout)
    filled_template = work_dir / "sdvkit_predictions.xlsx"
    workbook.save(filled_template)

    _run_command(["crash_avoidance", "preprocess", "-i", str(filled_template), "-o", "."], preprocess_dir)
    preprocessed = preprocess_dir / "ca_preprocessed_template.xlsx"
    workbook = openpyxl.load_workbook(preprocessed)
    tested = _fill_verification(
        workbook, {block: cells for block, cells in layout.items() if block in claimed}
    )
    verified = preprocess_dir / "sdvkit_verified.xlsx"
    workbook.save(verified)

    before = set(compute_dir.glob("ca_*_report.xlsx"))
    _run_command(["crash_avoidance", "compute-score", "-i", str(verified), "-o", "."], compute_dir)
    reports = sorted(set(compute_dir.glob("ca_*_report.xlsx")) - before)
    if not reports:
        raise CalculatorError(f"the calculator's compute-score wrote no report into {compute_dir}")
    report = openpyxl.load_workbook(reports[-1], data_only=True)
    log_file = compute_dir / "euroncap_rating_2026.log"
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    if _GATE_CHECK not in log:
        raise CalculatorError(
            f"the calculator's log {log_file} does not record its Frontal Collisions gate check"
        )
    gate = _GATE_LINE.search(log)
    stages = _read_stage_scores(report)
    return CalculatorScore(
        frontal_collisions_points=sum(s.points for s in stages if s.stage_element == FRONTAL_COLLISIONS),
        frontal_collisions_max=sum(s.max_points for s in stages if s.stage_element == FRONTAL_COLLISIONS),
        frontal_collisions_gate_passed=gate is None,
        gate_reasons="" if gate is None else gate.group(1).strip(),
        stage_scores=stages,
        scenario_scores=_read_scenario_scores(report, claims),
        verification_tests=_read_verification(report, tested),
        unscored_points=tuple(unscored),
        filled_template=filled_template,
        preprocessed_template=preprocessed,
        report_file=reports[-1],
        log_file=log_file,
        calculator_version=version,
    )


def _run_command(arguments: list[str], cwd: Path) -> None:
    """Run the calculator's command line (``python -m euroncap_rating_2026 …``) in ``cwd``.

    It logs into ``euroncap_rating_2026.log`` in its working directory; the level is set to INFO
    so the log holds the Frontal Collisions gate's verdict.
    """
    command = [sys.executable, "-m", CALCULATOR_MODULE, *arguments]
    environment = {**os.environ, "EURONCAP_RATING_2026_LOG_LEVEL": "INFO"}
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CalculatorError(f"the calculator's {' '.join(arguments[:2])} could not run: {error}") from error
    if completed.returncode != 0:
        # It prints its own errors ("Error: …") on stdout, tracebacks and usage errors on stderr.
        tail = "\n".join(part.strip() for part in (completed.stdout, completed.stderr) if part.strip())[
            -2000:
        ]
        raise CalculatorError(
            f"the calculator's {' '.join(arguments[:2])} failed (exit status {completed.returncode}): {tail}"
        )


def _number(value: Any) -> float | None:
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


def _read_layout(workbook: Any) -> dict[str, list[_Cell]]:
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
            if column_a != 1 or _number(name) is not None or (name_row + 1, 1) in grid:
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
                    target_speed_kph=_number(grid.get((row, target))) if target else None,
                    column_attribute=column_attribute,
                    column_value=value,
                    function=None if (row, function) in functions else _text(grid.get((row, function))),
                    function_cell=function if (row, function) in functions else None,
                )
                for row in rows
                if (vut_speed_kph := _number(grid[row, 1])) is not None
                for column in columns
                if (row, column) in colours
                and (value := _number(grid.get((name_row + 1, column)))) is not None
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


def _assign(results: Sequence[PointResult], layout: dict[str, list[_Cell]]) -> list[tuple[str, str]]:
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


def _colour_rank(result: PointResult) -> int:
    colour = result.colour.strip().lower()
    if colour not in COLOURS:
        raise CalculatorError(
            f"test point {result.point.label!r}: colour {result.colour!r} is not one of {COLOURS}"
        )
    return COLOURS.index(colour)


def _worst(results: Sequence[PointResult]) -> PointResult:
    return max(results, key=_colour_rank)


def _claim_name(block: str, claims: Sequence[str]) -> str | None:
    """The "Input parameters" scenario that claims a block (``CPNA day`` → ``CPNA``)."""
    if block in claims:
        return block
    stripped = re.sub(r" (day|night)$", "", block)
    if stripped in claims:
        return stripped
    prefixes = [name for name in claims if block.startswith(name)]
    return max(prefixes, key=len) if prefixes else None


def _fill_predictions(workbook: Any, layout: dict[str, list[_Cell]]) -> tuple[set[str], set[str]]:
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


def _table(sheet: Any, header_row: int) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The header's columns by name, and the rows below it as dicts (``_row``: the Excel row)."""
    columns = {str(sheet.cell(header_row, c).value).strip(): c for c in range(sheet.max_column, 0, -1)}
    rows = [
        {"_row": row, **{name: sheet.cell(row, c).value for name, c in columns.items()}}
        for row in range(header_row + 1, sheet.max_row + 1)
    ]
    return columns, rows


def _verification_tables(workbook: Any) -> list[tuple[Any, dict[str, int], list[dict[str, Any]]]]:
    """Each verification sheet with its test table (under the header that names "Test point")."""
    tables = []
    for sheet in (s for s in workbook.worksheets if s.title.endswith(" verif.")):
        for header_row in range(2, sheet.max_row + 1):
            if sheet.cell(header_row, 1).value == "Scenario" and "Test point" in _table(sheet, header_row)[0]:
                columns, rows = _table(sheet, header_row)
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


def _fill_verification(
    workbook: Any, layout: dict[str, list[_Cell]]
) -> dict[tuple[str, str], VerificationTest]:
    """Write each verification test's measured value; returns the tests by (scenario, test point)."""
    tested: dict[tuple[str, str], VerificationTest] = {}
    for sheet, columns, rows in _verification_tables(workbook):
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
    vut, target = _number(row.get("VUT speed")), _number(row.get("Target speed"))
    matches = []
    for cell in cells:
        value = _number(row.get(cell.column_attribute))
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


def _score(value: Any) -> float:
    number = _number(value)
    return 0.0 if number is None else number


def _read_stage_scores(report: Any) -> tuple[StageScore, ...]:
    stages, element = [], ""
    for row in _table(report["Test Scores"], 1)[1]:
        element = str(row.get("Stage element") or element)
        if row.get("Stage subelement"):
            subelement, points, most = str(row["Stage subelement"]), row.get("Score"), row.get("Max score")
            stages.append(
                StageScore(
                    stage_element=element,
                    stage_subelement=subelement,
                    points=_score(points),
                    max_points=_score(most),
                )
            )
    return tuple(stages)


def _read_scenario_scores(report: Any, claims: set[str]) -> tuple[ScenarioScore, ...]:
    groups: dict[str, dict[str, Any]] = {}
    context = {"Stage element": "", "Stage subelement": "", "Category": "", "Scenario": ""}
    for row in _table(report["Scenario Scores"], 1)[1]:
        context.update({key: str(row[key]).strip() for key in context if row.get(key)})
        group = groups.setdefault(
            context["Scenario"], {key.lower().replace(" ", "_"): v for key, v in context.items()}
        )
        layer = str(row.get("Layer")).lower()
        if layer in _LAYERS:
            group.update(
                {f"{layer}_points": _score(row.get("Score")), f"{layer}_max": _score(row.get("Max score"))}
            )
    layers = {f"{layer}_{kind}": 0.0 for layer in _LAYERS for kind in ("points", "max")}
    return tuple(
        ScenarioScore(**{**layers, **group, "claimed": scenario in claims})
        for scenario, group in groups.items()
        if scenario
    )


def _read_verification(
    report: Any, tested: dict[tuple[str, str], VerificationTest]
) -> tuple[VerificationTest, ...]:
    colours = {
        (str(row["Scenario"]).strip(), str(row.get("Test point"))): str(row.get("Colour"))
        for _sheet, _columns, rows in _verification_tables(report)
        for row in rows
    }
    return tuple(replace(test, calculator_colour=colours.get(key, "")) for key, test in tested.items())
