"""The Euro NCAP 2023 OpenSCENARIO files against the built-in 2026 grid (sdvkit.ncap.agreement):
the overlap mapping (checked against where the files' targets really meet the VUT), which runs
pair with which grid points and why the others do not, the verdicts, and a representative subset
of shared points run both ways through the real stack."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from sdvkit.ncap.agreement import (
    AgreementRow,
    GridPair,
    compare_results,
    compare_with_grid,
    file_impact_location_pct,
    format_agreement_summary,
    format_agreement_table,
    format_unpaired,
    impact_location_from_overlap,
    pair_with_grid,
)
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.openscenario import ScenarioRun, load_scenario_runs
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.runner import run_point
from sdvkit.ncap.scenario import Criterion
from sdvkit.ncap.scoring import GREEN, RED

BENCH = Path(__file__).resolve().parents[2] / "bench" / "ncap_openscenario.py"
NCAP = Path(__file__).resolve().parents[2] / ".." / "shared" / "ncap"
SCENARIOS = NCAP / "OpenSCENARIO" / "NCAP"
C2C = SCENARIOS / "AEB_C2C_2023" / "Variations"
VRU = SCENARIOS / "AEB_VRU_2023" / "Variations"
needs_ncap = pytest.mark.skipif(not SCENARIOS.is_dir(), reason="the Euro NCAP OpenSCENARIO files are absent")

FILE_VUT_WIDTH_M = 1.815
FILE_GVT_WIDTH_M = 1.712


def _runs(path: Path) -> dict[str, ScenarioRun]:
    return {run.point.label: run for run in load_scenario_runs(path)}


@pytest.mark.parametrize(
    ("overlap", "impact_location"),
    [(100.0, 50.0), (75.0, 72.16), (50.0, 97.16), (-75.0, 27.84), (-50.0, 2.84), (20.0, 127.16)],
)
def test_overlap_maps_to_the_impact_location_of_the_targets_centre(
    overlap: float, impact_location: float
) -> None:
    mapped = impact_location_from_overlap(
        overlap, vut_width_m=FILE_VUT_WIDTH_M, target_width_m=FILE_GVT_WIDTH_M
    )
    assert mapped == pytest.approx(impact_location, abs=0.01)
    # By definition: the overlap is what the target's box covers of the VUT's width.
    centre_m = (mapped / 100.0 - 0.5) * FILE_VUT_WIDTH_M
    covered = min(FILE_VUT_WIDTH_M / 2, centre_m + FILE_GVT_WIDTH_M / 2) - max(
        -FILE_VUT_WIDTH_M / 2, centre_m - FILE_GVT_WIDTH_M / 2
    )
    if abs(overlap) < 100.0:
        assert covered / FILE_VUT_WIDTH_M * 100.0 == pytest.approx(abs(overlap), abs=1e-6)
        assert math.copysign(1.0, centre_m) == math.copysign(1.0, overlap)


@pytest.mark.parametrize("overlap", [0.0, 150.0, -101.0, math.nan])
def test_an_impossible_overlap_is_refused(overlap: float) -> None:
    with pytest.raises(ScenarioError, match="overlap"):
        impact_location_from_overlap(overlap, vut_width_m=1.8, target_width_m=1.7)


@needs_ncap
@pytest.mark.parametrize(
    ("path", "label", "from_left"),
    [
        (C2C / "NCAP_AEB_C2C_CCRs_Variation_2023.xosc", "CCRs_Variation_2023 v=20 IL=-50", False),
        (C2C / "NCAP_AEB_C2C_CCRs_Variation_2023.xosc", "CCRs_Variation_2023 v=20 IL=75", False),
        (VRU / "NCAP_AEB_VRU_CPNA-25_Variation_2023.xosc", "CPNA-25_Variation_2023 v=20 vt=5 IL=25", False),
        (VRU / "NCAP_AEB_VRU_CPFA-50_Variation_2023.xosc", "CPFA-50_Variation_2023 v=30 vt=8 IL=50", True),
        (VRU / "NCAP_AEB_VRU_CBNA-50_Variation_2023.xosc", "CBNA-50_Variation_2023 v=30 vt=15", False),
        (VRU / "NCAP_AEB_VRU_CPLA-25_Variation_2023.xosc", "CPLA-25_Variation_2023 v=60 vt=5 IL=25", False),
    ],
)
def test_the_mapped_impact_location_is_where_the_files_target_meets_the_vut(
    path: Path, label: str, from_left: bool
) -> None:
    """Without any function the VUT hits the file's target: where the target's centre is then
    (from the VUT's right edge, or its left for a far-side VRU) is the mapped impact location."""
    run = _runs(path)[label]
    mapped = file_impact_location_pct(run)
    assert mapped is not None
    result = run_point(run.point, run.build(), stack=None)
    assert result.impact
    assert result.impact_offset_m is not None
    offset_pct = 100.0 * result.impact_offset_m / FILE_VUT_WIDTH_M
    measured = 50.0 - offset_pct if from_left else 50.0 + offset_pct
    assert measured == pytest.approx(mapped, abs=6.0)


@needs_ncap
def test_file_runs_pair_with_the_grid_points_they_share() -> None:
    runs = [
        *load_scenario_runs(C2C / "NCAP_AEB_C2C_CCRs_Variation_2023.xosc"),
        *load_scenario_runs(C2C / "NCAP_AEB_C2C_CCRs_FCW_Variation_2023.xosc"),
        *load_scenario_runs(C2C / "NCAP_AEB_C2C_CCRb_Variation_2023.xosc"),
        *load_scenario_runs(VRU / "NCAP_AEB_VRU_CBLA-25_Variation_2023.xosc"),
        *load_scenario_runs(VRU / "NCAP_AEB_VRU_CMFtap_Variation_2023.xosc"),
        *load_scenario_runs(C2C / "NCAP_AEB_C2C_CCFtap_Variation_2023.xosc"),
    ]
    pairs, unpaired = pair_with_grid(runs)
    assert len(pairs) + len(unpaired) == len(runs)
    paired = {pair.run.point.label: pair for pair in pairs}
    reasons = {entry.run.point.label: entry.reason for entry in unpaired}
    # Every overlap of the grid's speeds has its impact location; the 5 km/h steps between have none.
    for overlap, impact_location in (("-50", 0), ("-75", 25), ("100", 50), ("75", 75), ("50", 100)):
        pair = paired[f"CCRs_Variation_2023 v=20 IL={overlap}"]
        assert pair.point.label == f"CCRs 20 km/h IL {impact_location}"
        assert pair.point.criterion is Criterion.MITIGATION
        assert pair.file_impact_location_pct == pytest.approx(impact_location, abs=3.0)
        assert "no row" in reasons[f"CCRs_Variation_2023 v=15 IL={overlap}"]
    assert sum(1 for label in paired if label.startswith("CCRs_Variation")) == 25
    fcw = paired["CCRs_FCW_Variation_2023 v=70 IL=50"]
    assert fcw.point.label == "CCRs 70 km/h IL 100"
    assert fcw.point.criterion is Criterion.FCW
    assert "CCRs_FCW_Variation_2023 v=65 IL=50" in reasons
    # Same cells, another test: the grid runs CBLA 50-80 km/h at 20 km/h IL 25 for FCW only.
    assert "for fcw; the file runs them for mitigation" in reasons["CBLA-25_Variation_2023 v=80 vt=20 IL=25"]
    assert all("4 m/s²" in reason for label, reason in reasons.items() if label.startswith("CCRb"))
    assert all(
        reason == "no built-in grid for CMFtap"
        for label, reason in reasons.items()
        if label.startswith("CMFtap")
    )
    tap = paired["CCFtap_Variation_2023 v=15 vt=45"]
    assert tap.point.label == "CCFtap 15/45 km/h"
    assert tap.file_impact_location_pct is None
    assert sum(1 for label in paired if label.startswith("CCFtap")) == 9
    table = format_unpaired(unpaired)
    assert "| `NCAP_AEB_C2C_CCRs_Variation_2023.xosc` | 20 | 15, 25, 35, 45 |" in table


def _result(run: ScenarioRun, **figures: object) -> PointResult:
    values: dict[str, object] = {
        "impact": False,
        "impact_speed_kph": 0.0,
        "fcw_ttc_s": None,
        "aeb_activated": True,
        "colour": GREEN,
        "points": 0.0,
        "notes": ("ended: stopped",),
    }
    values.update(figures)
    return PointResult(point=run.point, **values)  # type: ignore[arg-type]


@needs_ncap
def test_the_verdicts() -> None:
    runs = _runs(C2C / "NCAP_AEB_C2C_CCRs_Variation_2023.xosc")
    pairs, _ = pair_with_grid([runs["CCRs_Variation_2023 v=40 IL=100"]])
    pair = pairs[0]

    def row(file: PointResult, grid: PointResult) -> AgreementRow:
        return compare_results(pair, file, grid)

    run = pair.run
    avoided = _result(run)
    assert row(avoided, avoided).agrees
    hit_4 = _result(run, impact=True, impact_speed_kph=4.0, colour=RED)
    hit_9 = _result(run, impact=True, impact_speed_kph=9.0, colour=RED)
    assert row(avoided, hit_4).agrees
    assert not row(avoided, hit_4).same_colour
    verdict = row(hit_9, avoided)
    assert not verdict.agrees
    assert verdict.difference == pytest.approx(9.0)
    stray = _result(run, notes=("the VUT hit 'parked', not the target", "ended: collision"))
    verdict = row(stray, avoided)
    assert not verdict.agrees
    assert "collision not with its target" in verdict.note
    raised = _result(run, colour=RED, notes=("error: ScenarioError: no road",))
    assert not row(avoided, raised).agrees
    assert "raised" in row(avoided, raised).note
    fcw_runs = _runs(C2C / "NCAP_AEB_C2C_CCRs_FCW_Variation_2023.xosc")
    fcw_pair = pair_with_grid([fcw_runs["CCRs_FCW_Variation_2023 v=60 IL=100"]])[0][0]
    early, late = _result(fcw_pair.run, fcw_ttc_s=2.5), _result(fcw_pair.run, fcw_ttc_s=2.0)
    assert compare_results(fcw_pair, early, _result(fcw_pair.run, fcw_ttc_s=2.3)).agrees
    assert not compare_results(fcw_pair, early, late).agrees
    assert "only one run warned" in compare_results(fcw_pair, early, _result(fcw_pair.run)).note
    tap_runs = _runs(C2C / "NCAP_AEB_C2C_CCFtap_Variation_2023.xosc")
    tap_pair = pair_with_grid([tap_runs["CCFtap_Variation_2023 v=10 vt=30"]])[0][0]
    grazed = _result(tap_pair.run, impact=True, impact_speed_kph=2.0, colour=RED)
    verdict = compare_results(tap_pair, _result(tap_pair.run), grazed)
    assert not verdict.agrees
    assert "avoided" in verdict.note


SUBSET = (
    (C2C / "NCAP_AEB_C2C_CCRs_Variation_2023.xosc", "CCRs_Variation_2023 v=30 IL=-75"),
    (C2C / "NCAP_AEB_C2C_CCRs_FCW_Variation_2023.xosc", "CCRs_FCW_Variation_2023 v=70 IL=100"),
    (C2C / "NCAP_AEB_C2C_CCRm_Variation_2023.xosc", "CCRm_Variation_2023 v=60 vt=20 IL=75"),
    (C2C / "NCAP_AEB_C2C_CCFhos_Variation_2023.xosc", "CCFhos_Variation_2023 v=50 vt=50"),
    (C2C / "NCAP_AEB_C2C_CCFtap_Variation_2023.xosc", "CCFtap_Variation_2023 v=15 vt=45"),
    (VRU / "NCAP_AEB_VRU_CPNA-75_Variation_2023.xosc", "CPNA-75_Variation_2023 v=40 vt=5 IL=75"),
    (VRU / "NCAP_AEB_VRU_CPNCO-50_Variation_2023.xosc", "CPNCO-50_Variation_2023 v=30 vt=5 IL=50"),
    (VRU / "NCAP_AEB_VRU_CBNA-50_Variation_2023.xosc", "CBNA-50_Variation_2023 v=40 vt=15"),
)


@needs_ncap
def test_a_representative_subset_agrees_with_the_grid() -> None:
    runs = [_runs(path)[label] for path, label in SUBSET]
    rows = compare_with_grid(runs, workers=2)
    assert [row.pair.run for row in rows] == runs
    expected_grid = [
        "CCRs 30 km/h IL 25",
        "CCRs 70 km/h IL 50",
        "CCRm 60/20 km/h IL 75",
        "CCFhos 50/50 km/h IL 50",
        "CCFtap 15/45 km/h",
        "CPNA 40/5 km/h IL 75 day",
        "CPNCO 30/5 km/h IL 50 day",
        "CBNA 40/15 km/h IL 50",
    ]
    assert [row.pair.point.label for row in rows] == expected_grid
    measures = {row.family: row.measure for row in rows if row.family != "CCRs"}
    assert measures["CCFhos"] == "speed reduction km/h"
    assert measures["CPNA"] == "impact speed km/h"
    assert rows[1].measure == "FCW TTC s"
    assert rows[1].file_value is not None
    for row in rows:
        assert not any(note.startswith("error:") for note in (*row.file_result.notes, *row.grid_result.notes))
        assert row.file_result.point == row.pair.run.point
        assert row.grid_result.point == row.pair.point
        assert row.agrees, (row.pair.run.point.label, row.file_value, row.grid_value, row.note)
    table = format_agreement_table(rows).splitlines()
    assert len(table) == 2 + len(rows)
    assert "| CCRs | CCRs_Variation_2023 v=30 IL=-75 | CCRs 30 km/h IL 25 | 27.8 → 25 |" in table[2]
    summary = format_agreement_summary(rows)
    assert f"| **all** | {len(rows)} | {len(rows)} |" in summary
    assert "Largest FCW TTC difference" in summary.splitlines()[0]


@needs_ncap
def test_the_cbnao_files_parked_cars_stand_where_the_file_puts_them() -> None:
    run = load_scenario_runs(SCENARIOS / "AEB_VRU_2023" / "NCAP_AEB_VRU_CBNAO_2023.xosc")[0]
    world = run.build().world
    for car in ("ObstructionLarge", "ObstructionSmall"):
        box = world.box(car)
        assert math.degrees(box.heading_rad) % 360.0 == pytest.approx(270.0, abs=0.5), car
    large, small = world.box("ObstructionLarge"), world.box("ObstructionSmall")
    assert abs(large.y_m - small.y_m) >= (large.length_m + small.length_m) / 2.0  # one behind the other
    pair = GridPair(run=run, point=run.point, file_impact_location_pct=50.0)
    assert pair.run.point.grid == "CBNAO"


@needs_ncap
def test_the_bench_script_prints_the_tables_and_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--root", str(NCAP), "--family", "CCFhos", "--jobs", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["shared_points"] == 4  # 50 and 70 km/h, each in two files
    assert figures["grid_points"] == 2
    assert figures["agree"] <= figures["shared_points"]
    for key in ("comparison_s", "reference_file_run_s", "reference_grid_point_s"):
        assert figures[key] > 0, key
    assert "| CCFhos | CCFhos_2023 v=70 vt=70 | CCFhos 70/70 km/h IL 50 |" in result.stdout
    assert "the VUT reverses" in result.stdout  # the files the importer cannot run
