"""Euro NCAP's own rating calculator, driven end to end with synthetic results of the real grids.

Each scoring run calls the calculator's command line three times (about 10 s), so the module
scores two cases, side by side in a module fixture: the full grid all green, and a gate case.
"""

from __future__ import annotations

import concurrent.futures
import importlib.metadata
import importlib.util
import re
from dataclasses import replace
from pathlib import Path

import pytest

from sdvkit.ncap import calculator
from sdvkit.ncap.calculator import CalculatorScore, run_calculator
from sdvkit.ncap.errors import CalculatorError
from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import Criterion, GridRange, TestPoint

pytestmark = pytest.mark.timeout(300)  # a scoring run: three calculator processes, ~10 s in all
needs_calculator = pytest.mark.skipif(
    importlib.util.find_spec(calculator.CALCULATOR_MODULE) is None,
    reason="Euro NCAP's calculator (sdvkit[ncap]) is not installed",
)


def green(point: TestPoint) -> PointResult:
    """A clean run of ``point``: no impact, an early warning, a 25 km/h speed reduction, the
    wheel kept 0.2 m inside the edge."""
    lane = point.criterion in (Criterion.ROAD_EDGE, Criterion.LANE_LINE)
    return PointResult(
        point=point,
        impact=False,
        impact_speed_kph=0.0,
        fcw_ttc_s=2.5,
        aeb_activated=True,
        colour="green",
        points=point.max_points,
        speed_reduction_kph=25.0,
        end_lateral_offset_m=-0.2 if lane else None,
    )


def calculator_matrices(workbook_path: Path) -> dict[str, list[object]]:
    """The calculator's own reading of a filled template's prediction grids, by scenario."""
    from euroncap_rating_2026 import common
    from euroncap_rating_2026.crash_avoidance import data_model, matrix_processing

    frames = common.read_excel_file_to_dfs(str(workbook_path))
    matrices: dict[str, list[object]] = {}
    for sheet, key in (
        ("FC - Car & PTW pred.", data_model.StageSubelementKey.FC),
        ("FC - Ped & Cyc pred.", data_model.StageSubelementKey.FC),
        ("LDC - Single Veh pred.", data_model.StageSubelementKey.LDC),
        ("LDC - Car & PTW pred.", data_model.StageSubelementKey.LDC),
    ):
        for name in data_model.MATRIX_INDICES:
            if common.get_start_row(frames[sheet], name) is not None:
                matrices[name] = matrix_processing.get_test_matrix(frames[sheet], name, key) or []
    return matrices


def red_gate_results() -> list[PointResult]:
    """CCRs and CPNA all green but one standard CCRs point at 10 km/h, hit at 8 km/h."""
    results = [green(point) for point in grid_points(("CCRs", "CPNA"))]
    index = next(
        i
        for i, r in enumerate(results)
        if r.point.grid == "CCRs" and r.point.range is GridRange.STANDARD and r.point.vut_speed_kph == 10.0
    )
    results[index] = replace(results[index], impact=True, impact_speed_kph=8.0, colour="red", points=0.0)
    return results


Scored = tuple[list[PointResult], CalculatorScore]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scored]:
    """The full grid all green, and the red gate case, scored side by side (the calculator's
    commands are separate processes, so the two runs overlap)."""
    if importlib.util.find_spec(calculator.CALCULATOR_MODULE) is None:
        pytest.skip("Euro NCAP's calculator (sdvkit[ncap]) is not installed")
    cases = {"all green": [green(point) for point in grid_points()], "red gate": red_gate_results()}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {
            name: pool.submit(run_calculator, results, tmp_path_factory.mktemp(name.replace(" ", "-")))
            for name, results in cases.items()
        }
        return {name: (cases[name], future.result()) for name, future in futures.items()}


@pytest.fixture(scope="module")
def all_green(scored: dict[str, Scored]) -> Scored:
    return scored["all green"]


@pytest.fixture(scope="module")
def matrices(all_green: Scored) -> dict[str, list[object]]:
    return calculator_matrices(all_green[1].filled_template)


@needs_calculator
def test_all_green_scores_every_scenario_run_at_its_maximum(
    all_green: Scored,
) -> None:
    _, score = all_green
    frontal = [s for s in score.scenario_scores if s.stage_element == calculator.FRONTAL_COLLISIONS]
    claimed = [s for s in frontal if s.claimed]
    assert score.frontal_collisions_gate_passed
    assert score.gate_reasons == ""
    assert {s.scenario for s in claimed} >= {
        "CCRs",
        "CCRm",
        "CCRb",
        "CCFtap",
        "CCCscp",
        "CPNA",
        "CPLA",
        "CBLA",
    }
    for scenario in claimed:
        assert scenario.standard_points == pytest.approx(scenario.standard_max), scenario
        assert scenario.extended_points == pytest.approx(scenario.extended_max), scenario
        assert scenario.robustness_points == 0.0  # no robustness layer is claimed
    assert all(s.points == 0.0 for s in frontal if not s.claimed)
    assert score.frontal_collisions_points == pytest.approx(score.frontal_collisions_claimed_max)
    assert 0.0 < score.frontal_collisions_points < score.frontal_collisions_max
    assert score.frontal_collisions_points == pytest.approx(
        sum(s.points for s in score.stage_scores if s.stage_element == calculator.FRONTAL_COLLISIONS)
    )
    assert score.calculator_version == importlib.metadata.version(calculator.CALCULATOR_DISTRIBUTION)


@needs_calculator
def test_every_run_the_calculator_knows_fills_its_cell(
    all_green: Scored, matrices: dict[str, list[object]]
) -> None:
    results, score = all_green
    known = set(matrices)
    unscored = {label for label, _ in score.unscored_points}
    for result in results:
        point = result.point
        in_calculator = point.grid in known or f"{point.grid} {point.lighting.value}" in known
        assert (point.label in unscored) is not in_calculator, point.label
    assert unscored, "the LKA points have no cell in the calculator"


@needs_calculator
def test_the_calculator_reads_our_colours_and_red_where_nothing_ran(
    all_green: Scored, matrices: dict[str, list[object]]
) -> None:
    results, _ = all_green
    run = {r.point.grid for r in results} | {f"{r.point.grid} {r.point.lighting.value}" for r in results}
    for name in ("CCRs", "CCRm", "CCRb", "CCFtap", "CCCscp", "CPNA day", "CPNA night", "CPLA day", "CBLA"):
        colours = {str(point.color.value) for point in matrices[name]}
        assert colours == {"green"}, name
    # CC ELK OvI shares its claim ("CC ELK Ov") with OvU, which ran; OvI never ran: all red.
    assert "CC ELK OvI" not in run
    assert {str(p.color.value) for p in matrices["CC ELK OvI"]} == {"red"}
    # Scenarios not claimed stay blank, which the calculator reads as grey.
    assert {str(p.color.value) for p in matrices["CMRs"]} == {"grey"}


@needs_calculator
def test_every_verification_test_gets_the_measured_value_and_agrees(
    all_green: Scored,
) -> None:
    results, score = all_green
    labels = {r.point.label for r in results}
    assert score.verification_tests
    for test in score.verification_tests:
        assert test.point_label in labels
        assert test.agrees, test
    assert not score.verification_mismatches
    kpis = {test.kpi for test in score.verification_tests}
    assert {"v_rel_impact", "v_impact", "dtle_t_end", "impact_occurred"} <= kpis
    for path in (score.filled_template, score.preprocessed_template, score.report_file, score.log_file):
        assert path.is_file()


@needs_calculator
def test_a_red_ccrs_point_at_10_kph_zeroes_frontal_collisions(scored: dict[str, Scored]) -> None:
    _, score = scored["red gate"]
    assert not score.frontal_collisions_gate_passed
    assert "CCRs" in score.gate_reasons
    assert score.frontal_collisions_claimed_max > 0.0
    assert score.frontal_collisions_points == 0.0
    frontal = [s for s in score.scenario_scores if s.stage_element == calculator.FRONTAL_COLLISIONS]
    assert all(s.points == 0.0 for s in frontal)


def test_a_missing_calculator_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(calculator, "CALCULATOR_DISTRIBUTION", "sdvkit-no-such-distribution")
    with pytest.raises(CalculatorError, match=r"pip install 'sdvkit\[ncap\]'"):
        run_calculator([], tmp_path)


def test_an_unknown_colour_is_refused_naming_the_point(tmp_path: Path) -> None:
    result = replace(green(grid_points(("CCRs",))[0]), colour="purple")
    with pytest.raises(CalculatorError, match=re.escape(result.point.label) + ".*'purple'"):
        run_calculator([result], tmp_path)


@needs_calculator
def test_a_failing_calculator_command_reports_its_output(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-template.xlsx"
    with pytest.raises(CalculatorError, match=r"(?s)compute-score failed \(exit status 2\).*does not exist"):
        calculator._run_command(["crash_avoidance", "compute-score", "-i", str(missing)], tmp_path)
