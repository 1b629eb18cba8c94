"""The HTML report: self-contained, escaped, failed runs first, compact plots."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sdvkit.ncap.calculator import CalculatorScore, ScenarioScore, StageScore, VerificationTest
from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.report import write_report
from sdvkit.ncap.results import PointResult, RunTrace
from sdvkit.ncap.scenario import Criterion, GridRange, TestPoint
from sdvkit.ncap.svg import MAX_SAMPLES, decimate, intervals, trace_svg

HOSTILE = '<script>alert("x")</script>'


def braking_trace(vut_speed_kph: float, *, samples: int = 1000, step_s: float = 0.01) -> RunTrace:
    """A run that closes on a stationary target, warns, brakes hard and stops short of it."""
    trace = RunTrace()
    speed_mps, gap_m = vut_speed_kph / 3.6, vut_speed_kph / 3.6 * 4.0
    for index in range(samples):
        braking = index * step_s > 2.5 and speed_mps > 0.0
        acceleration = -9.0 if braking else 0.0
        speed_mps = max(0.0, speed_mps + acceleration * step_s)
        gap_m -= speed_mps * step_s
        trace.time_s.append(index * step_s)
        trace.vut_speed_kph.append(speed_mps * 3.6)
        trace.target_speed_kph.append(0.0)
        trace.gap_m.append(gap_m)
        trace.time_to_collision_s.append(gap_m / speed_mps if speed_mps > 0.1 else None)
        trace.fcw_warning.append(1.5 < index * step_s < 3.0)
        trace.aeb_brake_demand_mps2.append(9.0 if braking else 0.0)
        trace.vut_acceleration_mps2.append(acceleration)
        trace.target_detected.append(gap_m < 30.0)
        trace.lateral_offset_m.append(None)
    return trace


def run(
    point: TestPoint, colour: str = "green", *, impact_speed_kph: float = 0.0, **fields: object
) -> PointResult:
    result = PointResult(
        point=point,
        impact=impact_speed_kph > 0.0,
        impact_speed_kph=impact_speed_kph,
        fcw_ttc_s=2.4,
        aeb_activated=True,
        colour=colour,
        points=point.max_points if colour == "green" else 0.0,
        trace=braking_trace(point.vut_speed_kph),
    )
    return replace(result, **fields)  # type: ignore[arg-type]


def false_positive(label: str, *, braked: bool) -> PointResult:
    point = TestPoint(
        grid="false-positive",
        range=GridRange.FALSE_POSITIVE,
        label=label,
        vut_speed_kph=50.0,
        target_speed_kph=0.0,
        impact_location_pct=None,
        criterion=Criterion.FALSE_POSITIVE,
        max_points=0.0,
    )
    return PointResult(
        point=point,
        impact=False,
        impact_speed_kph=0.0,
        fcw_ttc_s=None,
        aeb_activated=braked,
        colour="red" if braked else "green",
        points=0.0,
    )


class Page(HTMLParser):
    """What the report is made of: tags with their attributes, and every text node."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


@pytest.fixture
def ccrs_results() -> list[PointResult]:
    """CCRs standard points, all green but the first 10 km/h point, hit at 8 km/h."""
    results = [run(point) for point in grid_points(("CCRs",), ranges=(GridRange.STANDARD,))]
    results[0] = replace(
        results[0], colour="red", impact=True, impact_speed_kph=8.0, points=0.0, notes=("AEB came late",)
    )
    return results


def test_the_report_is_one_self_contained_file(tmp_path: Path, ccrs_results: list[PointResult]) -> None:
    path = write_report(ccrs_results, tmp_path / "report")
    assert path == tmp_path / "report" / "index.html"
    page = Page(path.read_text(encoding="utf-8"))
    for tag, attributes in page.tags:
        assert tag not in ("link", "img", "iframe"), tag
        assert "src" not in attributes, (tag, attributes)
        href = attributes.get("href") or ""
        assert href.startswith("#") or not href, href
    assert sum(tag == "svg" for tag, _ in page.tags) == len(ccrs_results)


def test_every_text_is_escaped(tmp_path: Path) -> None:
    point = replace(grid_points(("CCRs",))[0], label=f"CCRs {HOSTILE}")
    result = run(point, "red", impact_speed_kph=9.0, notes=(HOSTILE,))
    text = write_report([result], tmp_path, title=HOSTILE).read_text(encoding="utf-8")
    assert HOSTILE not in text
    page = Page(text)
    assert sum(HOSTILE in node for node in page.texts) >= 4  # title, heading, table, panel, note
    assert [tag for tag, _ in page.tags].count("script") == 1  # the report's own filter script


def test_failed_runs_come_first_and_open_with_their_notes(
    tmp_path: Path, ccrs_results: list[PointResult]
) -> None:
    text = write_report(list(reversed(ccrs_results)), tmp_path).read_text(encoding="utf-8")
    panels = re.findall(r"<details id=\"run-\d+\"( open)?><summary>.*?<b>(.*?)</b>", text)
    failed = ccrs_results[0].point.label
    assert panels[0] == (" open", failed)
    assert all(opened == "" for opened, _ in panels[1:])
    first, *others = text[text.index('<div id="runs">') :].split("<details")[1:]
    assert "AEB came late" in first
    assert not any("AEB came late" in panel for panel in others)
    rows = re.findall(r'<tr data-grid="CCRs" data-failed="(\d)"', text)
    assert rows[0] == "1"
    assert rows[1:] == ["0"] * (len(ccrs_results) - 1)


def test_the_summary_shows_green_share_gate_and_false_positives(
    tmp_path: Path, ccrs_results: list[PointResult]
) -> None:
    results = [
        *ccrs_results,
        false_positive("parked cars 4.5 m apart", braked=True),
        false_positive("bridge", braked=False),
    ]
    text = write_report(results, tmp_path).read_text(encoding="utf-8")
    green = sum(r.colour == "green" for r in ccrs_results)
    share = f"{100 * green / len(ccrs_results):.0f} %"
    assert re.search(rf"<td>{len(ccrs_results)}</td><td>{green}</td><td>{share}</td>", text)
    gate = text[text.index("Frontal Collisions gate") :]
    assert "failed: Frontal Collisions scores 0" in gate
    assert ccrs_results[0].point.label in gate
    suite = text[text.index("False-positive suite") :]
    assert "2 cases: 1 AEB activation, 0 FCW alerts" in suite
    assert "AEB braked in: parked cars 4.5 m apart" in suite


def test_empty_traces_and_runs_without_impact_render(tmp_path: Path) -> None:
    points = grid_points(("CPNA", "ELK RE"), ranges=(GridRange.STANDARD,))[:3]
    results = [replace(run(point), trace=RunTrace(), fcw_ttc_s=None) for point in points]
    text = write_report(results, tmp_path).read_text(encoding="utf-8")
    assert text.count("No trace recorded.") == len(results)
    assert write_report([], tmp_path / "empty").is_file()


def test_each_series_is_drawn_with_at_most_max_samples(tmp_path: Path) -> None:
    lines = re.findall(
        r'<polyline points="([^"]+)"', trace_svg(braking_trace(50.0, samples=5000, step_s=0.002))
    )
    assert lines
    assert max(len(line.split()) for line in lines) <= MAX_SAMPLES
    results = [run(grid_points(("CCRs",))[0])] * 450  # a 10 s run recorded at 100 Hz each
    size = write_report(results, tmp_path).stat().st_size
    assert size / len(results) < 16_000, f"{size / len(results):.0f} bytes per run"


def test_decimation_keeps_the_extremes_and_the_gaps() -> None:
    values: list[float | None] = [math.sin(i / 300.0) for i in range(6000)]
    values[4321] = 50.0
    values[1000:1400] = [None] * 400
    kept = decimate(values)
    assert len(kept) <= MAX_SAMPLES
    assert kept == sorted(kept)
    assert 4321 in kept
    assert any(values[i] is None for i in kept)
    assert decimate(values[:80]) == list(range(80))


def test_detection_is_shaded_once_per_stretch() -> None:
    times = [0.1 * i for i in range(50)]
    flags = [10 <= i < 20 or i >= 30 for i in range(50)]
    assert intervals(times, flags) == [(times[10], times[20]), (times[30], times[49])]
    assert intervals(times, [False] * 50) == []


def test_the_calculator_score_is_shown_with_its_verification_tests(
    tmp_path: Path, ccrs_results: list[PointResult]
) -> None:
    score = CalculatorScore(
        frontal_collisions_points=1.35,
        frontal_collisions_max=60.0,
        frontal_collisions_gate_passed=False,
        gate_reasons="CCRs <=20km/h cells=[(0, 1)]",
        stage_scores=(
            StageScore(
                stage_element="Frontal Collisions", stage_subelement="Car & PTW", points=1.35, max_points=40.0
            ),
        ),
        scenario_scores=(
            ScenarioScore(
                stage_element="Frontal Collisions",
                stage_subelement="Car & PTW",
                category="Longitudinal",
                scenario="CCRs",
                standard_points=1.2,
                standard_max=1.2,
                extended_points=0.15,
                extended_max=0.15,
                robustness_points=0.0,
                robustness_max=0.15,
                claimed=True,
            ),
        ),
        verification_tests=(
            VerificationTest(
                scenario="CCRs",
                test_point="(0, 1)",
                test_range="Standard",
                point_label=ccrs_results[0].point.label,
                predicted_colour="Green",
                kpi="v_rel_impact",
                value=8.0,
                calculator_colour="Red",
            ),
        ),
        unscored_points=((HOSTILE, "the calculator has no grid"),),
        filled_template=tmp_path / "a.xlsx",
        preprocessed_template=tmp_path / "b.xlsx",
        report_file=tmp_path / "c.xlsx",
        log_file=tmp_path / "d.log",
        calculator_version="5.4.9",
    )
    text = write_report(ccrs_results, tmp_path, calculator_score=score).read_text(encoding="utf-8")
    section = text[text.index("Euro NCAP calculator 5.4.9") :]
    assert "<b>1.350</b> of 60.000 points" in section
    assert "1.350 reachable" in section
    assert re.search(r"v_rel_impact</td><td>8.000</td>.*?>Red</td>.*?failed", section)
    assert 'calculator: <span class="fail">failed</span> (CCRs &lt;=20km/h' in text
    assert HOSTILE not in text
