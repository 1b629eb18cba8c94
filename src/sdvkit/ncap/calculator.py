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
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sdvkit.ncap.calculator_workbook import (
    VerificationTest,
    assign,
    colour_rank,
    fill_predictions,
    fill_verification,
    number_in,
    read_layout,
    table,
    verification_tables,
)
from sdvkit.ncap.errors import CalculatorError
from sdvkit.ncap.results import PointResult

CALCULATOR_DISTRIBUTION = "euroncap-rating-2026"
CALCULATOR_MODULE = "euroncap_rating_2026"
INSTALL_HINT = "pip install 'sdvkit[ncap]'"
FRONTAL_COLLISIONS = "Frontal Collisions"
COMMAND_TIMEOUT_S = 600.0
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


def run_calculator(results: Sequence[PointResult], work_dir: Path) -> CalculatorScore:
    """Score ``results`` with Euro NCAP's calculator; its files are written under ``work_dir``."""
    for result in results:
        colour_rank(result)  # refuse an unknown colour before anything runs
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
    layout = read_layout(workbook)
    unscored = assign(results, layout)
    claimed, claims = fill_predictions(workbook, layout)
    filled_template = work_dir / "sdvkit_predictions.xlsx"
    workbook.save(filled_template)

    _run_command(["crash_avoidance", "preprocess", "-i", str(filled_template), "-o", "."], preprocess_dir)
    preprocessed = preprocess_dir / "ca_preprocessed_template.xlsx"
    workbook = openpyxl.load_workbook(preprocessed)
    tested = fill_verification(
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


def _score(value: Any) -> float:
    number = number_in(value)
    return 0.0 if number is None else number


def _read_stage_scores(report: Any) -> tuple[StageScore, ...]:
    stages, element = [], ""
    for row in table(report["Test Scores"], 1)[1]:
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
    for row in table(report["Scenario Scores"], 1)[1]:
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
        for _sheet, _columns, rows in verification_tables(report)
        for row in rows
    }
    return tuple(replace(test, calculator_colour=colours.get(key, "")) for key, test in tested.items())
