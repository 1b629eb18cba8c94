"""The NCAP bench's HTML report: one self-contained ``index.html``.

Inline CSS, inline SVG plots (:mod:`sdvkit.ncap.svg`) and a few lines of inline JavaScript for
filtering the table; nothing is fetched from the network. It shows:

- the summary: runs and green share per grid and range, the Frontal Collisions gate as the bench
  reads it, the false-positive suite (no AEB activation and no FCW alert expected) and, when
  given, Euro NCAP's calculator's score with its scenarios and verification tests;
- a table of every point;
- a plot panel per run, the points that are not green first and open with their notes, so a
  failed point can be understood at a glance.

Every text from a result is escaped.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from sdvkit.ncap.calculator import CalculatorScore
from sdvkit.ncap.grids import GRID_NAMES
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import GridRange
from sdvkit.ncap.scoring import Gate, Summary, summarise
from sdvkit.ncap.svg import LEGEND, trace_svg

REPORT_FILE = "index.html"
COLOUR_FILLS = {
    "green": "#009933",
    "yellow": "#ffdd33",
    "orange": "#ff9933",
    "brown": "#964b00",
    "red": "#ff3333",
}
"""The calculator's colours (its ``PREDICTION_COLOR_MAP``); anything else is drawn grey."""
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
.c{color:#fff;font-weight:600;text-align:center}.c.yellow{color:#222}
.pass{color:#2b8a3e;font-weight:600}.fail{color:#c92a2a;font-weight:600}.none{color:#777}
details{border:1px solid #ddd;margin:.4em 0;padding:.2em .6em}summary{cursor:pointer}
.key{display:inline-block;width:.8em;height:.8em;margin:0 .2em 0 .8em;vertical-align:middle}
#filters{margin:.5em 0}#filters>*{margin-right:1em}
"""
_SCRIPT = """
function filterPoints(){
 const text=document.getElementById('q').value.toLowerCase();
 const grid=document.getElementById('grid').value;
 const failed=document.getElementById('failed').checked;
 for(const row of document.querySelectorAll('#points tbody tr')){
  row.hidden=!((!text||row.dataset.text.includes(text))&&(!grid||row.dataset.grid===grid)
   &&(!failed||row.dataset.failed==='1'));
 }
}
function openRuns(open){for(const d of document.querySelectorAll('#runs details'))d.open=open;}
"""


def write_report(
    results: Sequence[PointResult],
    directory: Path,
    *,
    title: str = "sdvkit Euro NCAP bench",
    calculator_score: CalculatorScore | None = None,
) -> Path:
    """Write the report into ``directory`` (created if needed); returns its ``index.html``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / REPORT_FILE
    path.write_text(render_report(results, title=title, calculator_score=calculator_score), encoding="utf-8")
    return path


def render_report(
    results: Sequence[PointResult],
    *,
    title: str = "sdvkit Euro NCAP bench",
    calculator_score: CalculatorScore | None = None,
) -> str:
    """The whole report as one HTML document."""
    summary = summarise(results)
    grid_order = {name: index for index, name in enumerate(GRID_NAMES)}
    ordered = sorted(
        results,
        key=lambda r: (
            _passed(r),
            grid_order.get(r.point.grid, len(grid_order)),
            r.point.grid,
            r.point.range.value,
        ),
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>",
        f"<h1>{_e(title)}</h1>",
        *_summary(results, summary),
        *_gate(summary.gate, calculator_score),
        *_false_positives(results),
        *(_calculator(calculator_score) if calculator_score is not None else []),
        *_points_table(ordered),
        *_runs(ordered),
        "</body></html>",
    ]
    return "\n".join(parts)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _passed(result: PointResult) -> bool:
    return result.colour.strip().lower() == "green"


def _colour_cell(colour: str) -> str:
    name = colour.strip().lower()
    fill = COLOUR_FILLS.get(name, "#888")
    return f'<td class="c {_e(name)}" style="background:{fill}">{_e(colour)}</td>'


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _share(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{100.0 * part / whole:.0f} %"


def _table(headers: Iterable[str], rows: Iterable[str], *, table_id: str = "") -> list[str]:
    head = "".join(
        f'<th class="l">{_e(h)}</th>' if i == 0 else f"<th>{_e(h)}</th>" for i, h in enumerate(headers)
    )
    id_attribute = f' id="{table_id}"' if table_id else ""
    return [f"<table{id_attribute}><thead><tr>{head}</tr></thead><tbody>", *rows, "</tbody></table>"]


def _summary(results: Sequence[PointResult], summary: Summary) -> list[str]:
    green = sum(_passed(r) for r in results)
    colours: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for result in results:
        colours[(result.point.grid, result.point.range.value)][result.colour.strip().lower()] += 1
    rows = [
        f'<tr><td class="l">{_e(g.grid)}</td><td class="l">{_e(g.range.value)}</td><td>{g.count}</td>'
        f"<td>{g.green}</td><td>{_share(g.green, g.count)}</td><td>{g.points:.3f} / {g.max_points:.3f}</td>"
        f'<td class="l">{_e(_spread(colours[(g.grid, g.range.value)]))}</td></tr>'
        for g in summary.grids
    ]
    frontal = f"{summary.frontal_points:.3f} of {summary.frontal_max_points:.3f}"
    if not summary.gate.passed:
        frontal += f" (gate failed; {summary.frontal_points_before_gate:.3f} before the gate)"
    lines = [
        f"{_count(len(results), 'run')}, {green} green ({_share(green, len(results))}).",
        f"Frontal Collisions: {frontal} points, as the bench scores it.",
        f"Lane departure: {summary.lane_departure_points:.3f} of "
        f"{summary.lane_departure_max_points:.3f} points.",
    ]
    if summary.scenario_file_count:
        lines.append(f"Scenario files: {summary.scenario_file_green} of {summary.scenario_file_count} green.")
    return [
        "<h2>Summary</h2>",
        *(f"<p>{_e(line)}</p>" for line in lines),
        *_table(("Grid", "Range", "Runs", "Green", "Green share", "Points / max", "Colours"), rows),
    ]


def _spread(colours: Counter[str]) -> str:
    return ", ".join(f"{count} {colour}" for colour, count in colours.most_common())


def _status(status: str) -> str:
    css = "pass" if status.startswith("passed") else "fail" if status.startswith("failed") else "none"
    return f'<span class="{css}">{_e(status)}</span>'


def _gate(gate: Gate, score: CalculatorScore | None) -> list[str]:
    if gate.failed:
        verdict = "failed: Frontal Collisions scores 0"
    elif gate.checked:
        verdict = "passed" if gate.complete else "passed as far as run"
    else:
        verdict = "not run"
    rows = [
        f'<tr><td class="l">{_e(label)}</td><td class="l">{_status(status)}</td></tr>'
        for labels, status in ((gate.failed, "failed"), (gate.missing, "not run"))
        for label in labels
    ]
    passed = len(gate.checked) - len(gate.failed)
    parts = [
        "<h2>Frontal Collisions gate</h2>",
        "<p>Every standard CCRs point up to 20 km/h and CPNA at 10 km/h, impact location 75 %, "
        "day and night, must be green, or Frontal Collisions scores 0.</p>",
        f"<p>The bench's reading: {_status(verdict)} ({passed} of {len(gate.checked)} gate points run "
        f"are green, {len(gate.missing)} not run).</p>",
    ]
    if rows:
        parts.extend(_table(("Gate point", "Status"), rows))
    if score is not None:
        calculator = "passed" if score.frontal_collisions_gate_passed else "failed"
        reasons = f" ({_e(score.gate_reasons)})" if score.gate_reasons else ""
        parts.append(f"<p>Euro NCAP's calculator: {_status(calculator)}{reasons}.</p>")
    return parts


def _false_positives(results: Sequence[PointResult]) -> list[str]:
    cases = [r for r in results if r.point.range is GridRange.FALSE_POSITIVE]
    if not cases:
        return ["<h2>False-positive suite</h2>", '<p class="none">Not run.</p>']
    braked = [r.point.label for r in cases if r.aeb_activated]
    warned = [r.point.label for r in cases if r.fcw_warned or any(r.trace.fcw_warning)]
    status = "passed" if not braked and not warned else "failed"
    parts = [
        "<h2>False-positive suite</h2>",
        f"<p>{_count(len(cases), 'case')}: {_count(len(braked), 'AEB activation')}, "
        f"{_count(len(warned), 'FCW alert')} "
        f"(expected: none) — {_status(status)}.</p>",
    ]
    for what, labels in (("AEB braked", braked), ("FCW warned", warned)):
        if labels:
            parts.append(f"<p>{what} in: {_e(', '.join(labels))}</p>")
    return parts


def _calculator(score: CalculatorScore) -> list[str]:
    stage_rows = [
        f'<tr><td class="l">{_e(s.stage_element)}</td><td class="l">{_e(s.stage_subelement)}</td>'
        f"<td>{s.points:.3f}</td><td>{s.max_points:.3f}</td></tr>"
        for s in score.stage_scores
    ]
    scenario_rows = [
        f'<tr><td class="l">{_e(s.scenario)}</td>'
        f'<td class="l">{_e(s.stage_element)} / {_e(s.stage_subelement)}</td>'
        f"<td>{s.standard_points:.3f} / {s.standard_max:.3f}</td>"
        f"<td>{s.extended_points:.3f} / {s.extended_max:.3f}</td>"
        f"<td>{s.robustness_points:.3f} / {s.robustness_max:.3f}</td><td>{s.points:.3f}</td></tr>"
        for s in score.scenario_scores
        if s.claimed
    ]
    test_rows = [
        f'<tr><td class="l">{_e(t.scenario)} {_e(t.test_point)}</td><td class="l">{_e(t.test_range)}</td>'
        f'<td class="l">{_e(t.point_label)}</td>{_colour_cell(t.predicted_colour)}'
        f'<td class="l">{_e(t.kpi)}</td>'
        f"<td>{t.value:.3f}</td>{_colour_cell(t.calculator_colour)}"
        f'<td class="l">{_status("passed" if t.agrees else "failed")}</td></tr>'
        for t in score.verification_tests
    ]
    unscored = "".join(f"<li>{_e(label)}: {_e(why)}</li>" for label, why in score.unscored_points)
    files = (score.filled_template, score.preprocessed_template, score.report_file, score.log_file)
    return [
        f"<h2>Euro NCAP calculator {_e(score.calculator_version)}</h2>",
        f"<p>Frontal Collisions: <b>{score.frontal_collisions_points:.3f}</b> of "
        f"{score.frontal_collisions_max:.3f} points ({score.frontal_collisions_claimed_max:.3f} reachable "
        "by the scenarios run, without robustness layers).</p>",
        *_table(("Stage element", "Subelement", "Points", "Max"), stage_rows),
        "<h3>Scenarios run</h3>",
        *_table(("Scenario", "Stage", "Standard", "Extended", "Robustness", "Points"), scenario_rows),
        "<h3>Verification tests the calculator picked</h3>",
        *_table(
            ("Cell", "Range", "Run", "Predicted", "Value is", "Value", "Calculator", "Agrees"), test_rows
        ),
        f"<details><summary>{len(score.unscored_points)} runs the calculator has no cell for</summary>"
        f"<ul>{unscored}</ul></details>",
        "<p>Files: " + ", ".join(f"<code>{_e(path)}</code>" for path in files) + "</p>",
    ]


def _points_table(ordered: Sequence[PointResult]) -> list[str]:
    """Every point, in report order; each label links to its run's panel (``run-<index>``)."""
    grids = sorted({r.point.grid for r in ordered})
    options = "".join(f'<option value="{_e(grid)}">{_e(grid)}</option>' for grid in grids)
    rows = []
    for index, result in enumerate(ordered):
        point = result.point
        text = f"{point.grid} {point.range.value} {point.label} {result.colour}".lower()
        rows.append(
            f'<tr data-grid="{_e(point.grid)}" data-failed="{0 if _passed(result) else 1}" '
            f'data-text="{_e(text)}">'
            f'<td class="l">{_e(point.grid)}</td><td class="l">{_e(point.range.value)}</td>'
            f'<td class="l"><a href="#run-{index}">{_e(point.label)}</a></td>'
            f"<td>{point.vut_speed_kph:g}</td><td>{point.target_speed_kph:g}</td>"
            f"<td>{_number(point.impact_location_pct, 0)}</td><td>{'yes' if result.impact else 'no'}</td>"
            f"<td>{_number(result.impact_speed_kph if result.impact else None)}</td>"
            f"<td>{_number(result.fcw_ttc_s, 2)}</td><td>{'yes' if result.aeb_activated else 'no'}</td>"
            f"{_colour_cell(result.colour)}<td>{result.points:.3f} / {point.max_points:.3f}</td></tr>"
        )
    headers = (
        "Grid", "Range", "Point", "VUT km/h", "Target km/h", "Impact location %", "Impact",
        "Impact speed km/h", "FCW TTC s", "AEB", "Colour", "Points / max",
    )  # fmt: skip
    return [
        "<h2>Points</h2>",
        '<div id="filters"><input id="q" placeholder="filter" oninput="filterPoints()">'
        f'<select id="grid" onchange="filterPoints()"><option value="">all grids</option>{options}</select>'
        '<label><input type="checkbox" id="failed" onchange="filterPoints()"> not green only</label></div>',
        *_table(headers, rows, table_id="points"),
    ]


def _runs(ordered: Sequence[PointResult]) -> list[str]:
    legend = "".join(f'<span class="key" style="background:{c}"></span>{_e(name)}' for name, c in LEGEND)
    parts = [
        '<h2 id="runs-title">Runs</h2>',
        f"<p>{legend}</p>",
        '<p><button onclick="openRuns(true)">open all</button> '
        '<button onclick="openRuns(false)">close all</button></p>',
        '<div id="runs">',
    ]
    for index, result in enumerate(ordered):
        point = result.point
        figures = (
            f"impact {'at ' + _number(result.impact_speed_kph) + ' km/h' if result.impact else 'none'}, "
            f"FCW TTC {_number(result.fcw_ttc_s, 2)} s, AEB {'on' if result.aeb_activated else 'off'}"
        )
        if result.end_lateral_offset_m is not None:
            figures += f", end lateral offset {result.end_lateral_offset_m:.3f} m"
        notes = "".join(f"<li>{_e(note)}</li>" for note in result.notes)
        parameters = ", ".join(f"{_e(name)} {_e(value)}" for name, value in point.parameters)
        plot = trace_svg(result.trace) or '<p class="none">No trace recorded.</p>'
        fill = COLOUR_FILLS.get(result.colour.strip().lower(), "#888")
        parts.append(
            f'<details id="run-{index}"{"" if _passed(result) else " open"}><summary>'
            f'<span class="key" style="background:{fill}"></span><b>{_e(point.label)}</b> '
            f"({_e(point.grid)}, {_e(point.range.value)}, {_e(point.criterion.value)}, "
            f"{_e(point.lighting.value)})"
            f" — {_e(result.colour)}, {result.points:.3f} / {point.max_points:.3f}</summary>"
            f"<p>{_e(figures)}{'; ' + parameters if parameters else ''}</p>"
            f"{'<ul>' + notes + '</ul>' if notes else ''}{plot}</details>"
        )
    parts.append("</div>")
    return parts
