"""``sdvkit ncap``: run the Euro NCAP crash-avoidance grids and the false-positive suite.

Default: every grid's standard range, plus the false-positive suite, on all CPUs. Progress goes
to stderr; the table of points and the summary (score per grid, the rating gate, the
false-positive result) to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdvkit.ncap.builders import false_positive_points
from sdvkit.ncap.errors import NcapError
from sdvkit.ncap.grids import GRID_NAMES, GRIDS, grid_points, grid_spec
from sdvkit.ncap.markdown import results_markdown
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import GridRange
from sdvkit.ncap.scoring import Summary, summarise

if TYPE_CHECKING:
    from sdvkit.ncap.parallel import Job

RANGES = {
    "standard": (GridRange.STANDARD,),
    "extended": (GridRange.EXTENDED,),
    "all": (GridRange.STANDARD, GridRange.EXTENDED),
}


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ncap",
        help="run the Euro NCAP crash-avoidance test grids and the false-positive suite",
        description="Run Euro NCAP 2026 crash-avoidance test points (AEB, FCW, lane support) with the "
        "vehicle's functions on the simulated clock, score them with the 2026 colour bands and print "
        "the table and the summary. Default: every grid's standard range and the false-positive suite.",
    )
    parser.add_argument(
        "--grid",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help="run these grids (quote names with spaces: 'ELK RE'); see --list",
    )
    parser.add_argument(
        "--scenario",
        action="extend",
        nargs="+",
        default=[],
        type=Path,
        metavar="FILE.xosc",
        help="run the concrete scenarios of these OpenSCENARIO files",
    )
    parser.add_argument(
        "--range", choices=tuple(RANGES), default="standard", help="grid range to run (default: standard)"
    )
    parser.add_argument(
        "--false-positive",
        action="store_true",
        help="run the false-positive suite (included by default when no --grid or --scenario is given)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every point's result as JSON")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="write the summary and every point as a Markdown page"
    )
    parser.add_argument(
        "--report", type=Path, metavar="DIR", help="write a report (and Euro NCAP's calculator score) there"
    )
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="points run at once (default: the CPU count)"
    )
    parser.add_argument("--list", action="store_true", help="list the grids and the false-positive cases")
    parser.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"sdvkit ncap: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if args.list:
        _print_list()
        return 0
    if args.jobs is not None and args.jobs < 1:
        return _fail(f"--jobs must be at least 1, not {args.jobs}")
    try:
        jobs = _select(args)
        report_modules = _report_modules() if args.report is not None else None
    except (NcapError, OSError) as error:
        return _fail(str(error))
    if not jobs:
        return _fail("nothing to run")
    # The runner pulls in sensing (numpy, filterpy, scipy): import it only when points run, so
    # that every other sdvkit command starts fast.
    from sdvkit.ncap.parallel import default_workers, run_many  # noqa: PLC0415

    workers = args.jobs if args.jobs is not None else default_workers()
    print(f"running {len(jobs)} points on {workers} workers", file=sys.stderr)
    started = time.perf_counter()
    results = run_many(jobs, workers=workers, on_result=_progress)
    elapsed = time.perf_counter() - started
    summary = summarise(results)
    print(format_table(results))
    print()
    print(format_summary(summary))
    print(f"\n{len(results)} points in {elapsed:.1f} s on {workers} workers", file=sys.stderr)
    status = 1 if any(_errored(result) for result in results) else 0
    try:
        if args.json is not None:
            args.json.write_text(json.dumps([result.to_json() for result in results], indent=1) + "\n")
        if args.markdown is not None:
            args.markdown.write_text(results_markdown(results, title="Euro NCAP bench results"))
        if report_modules is not None:
            status = max(status, _write_report(report_modules, results, args.report))
    except OSError as error:
        return _fail(str(error))
    return status


def _select(args: argparse.Namespace) -> list[Job]:
    """The jobs the arguments ask for; grid names are checked before anything runs."""
    jobs: list[Job] = []
    ranges = RANGES[args.range]
    chosen = bool(args.grid or args.scenario or args.false_positive)
    names = [grid_spec(name).name for name in args.grid] if args.grid else None
    if names is not None or not chosen:
        jobs.extend(grid_points(names, ranges=ranges))
    for path in args.scenario:
        openscenario = importlib.import_module("sdvkit.ncap.openscenario")
        jobs.extend(openscenario.load_scenario_runs(path))
    if args.false_positive or not chosen:
        jobs.extend(false_positive_points())
    return jobs


def _report_modules() -> tuple[Any, Any]:
    """The report writer and the calculator bridge (imported only when --report asks)."""
    try:
        return importlib.import_module("sdvkit.ncap.report"), importlib.import_module(
            "sdvkit.ncap.calculator"
        )
    except ImportError as error:
        raise NcapError(f"--report needs sdvkit.ncap.report and sdvkit.ncap.calculator: {error}") from error


def _write_report(modules: tuple[Any, Any], results: list[PointResult], directory: Path) -> int:
    report, calculator = modules
    status = 0
    score = None
    try:
        score = calculator.run_calculator(results, directory / "calculator")
    except NcapError as error:
        print(
            f"sdvkit ncap: Euro NCAP's calculator failed, the report has no calculator score: {error}",
            file=sys.stderr,
        )
        status = 1
    path = report.write_report(
        results, directory, title="sdvkit Euro NCAP crash avoidance", calculator_score=score
    )
    print(f"report: {path}", file=sys.stderr)
    return status


def _errored(result: PointResult) -> bool:
    return any(note.startswith("error:") for note in result.notes)


def _progress(done: int, total: int, result: PointResult) -> None:
    print(f"[{done:>4}/{total}] {result.colour:6s} {result.point.label}", file=sys.stderr)
    if _errored(result) and result.notes:
        print(f"sdvkit ncap: error: {result.point.label}: {result.notes[0]}", file=sys.stderr)


def _print_list() -> None:
    print("grids (standard / extended points):")
    for grid in GRIDS:
        standard = len(grid_points((grid.name,), ranges=(GridRange.STANDARD,)))
        extended = len(grid_points((grid.name,), ranges=(GridRange.EXTENDED,)))
        print(f"  {grid.name:12s} {standard:3d} / {extended:3d}  {grid.title}")
    print("false-positive suite (--false-positive):")
    for point in false_positive_points():
        print(f"  {point.label}")
    print(f"grid names: {', '.join(GRID_NAMES)}")


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(results: Sequence[PointResult]) -> str:
    """One line per point: speeds, impact location, impact, impact speed, FCW TTC, colour, points."""
    header = (
        f"{'point':44s} {'VUT':>5s} {'tgt':>5s} {'IL %':>5s} {'impact':>6s} {'v imp':>6s} "
        f"{'FCW TTC':>7s} {'colour':7s} {'points':>13s}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        point = result.point
        il = "-" if point.impact_location_pct is None else f"{point.impact_location_pct:g}"
        impact = "yes" if result.impact else "no"
        impact_speed = _number(result.impact_speed_kph if result.impact else None)
        ttc = _number(result.fcw_ttc_s, 2)
        points = f"{result.points:6.3f}/{point.max_points:6.3f}"
        lines.append(
            f"{point.label:44s} {point.vut_speed_kph:5.0f} {point.target_speed_kph:5.0f} {il:>5s} "
            f"{impact:>6s} {impact_speed:>6s} {ttc:>7s} {result.colour:7s} {points:>13s}"
        )
    return "\n".join(lines)


def format_summary(summary: Summary) -> str:
    """Points per grid and range, the gate, the totals and the false-positive result."""
    lines = [f"{'grid':14s} {'range':9s} {'points':>15s} {'green':>9s}"]
    for score in summary.grids:
        lines.append(
            f"{score.grid:14s} {score.range.value:9s} {score.points:7.3f}/{score.max_points:7.3f} "
            f"{score.green:4d}/{score.count:<4d}"
        )
    gate = summary.gate
    if gate.failed:
        verdict = f"FAILED ({', '.join(gate.failed)}): Frontal Collisions scores 0"
    elif gate.checked:
        verdict = "passed" + ("" if gate.complete else f" ({len(gate.missing)} gate points not run)")
    else:
        verdict = "not run"
    lines.append(f"rating gate    {verdict}")
    lines.append(
        f"Frontal Collisions     {summary.frontal_points:7.3f}/{summary.frontal_max_points:7.3f}"
        + (f"  (before the gate {summary.frontal_points_before_gate:.3f})" if gate.failed else "")
    )
    lane = f"{summary.lane_departure_points:7.3f}/{summary.lane_departure_max_points:7.3f}"
    lines.append(f"Lane Departure         {lane}")
    if summary.false_positive_count:
        lines.append(
            f"false positives        {summary.false_positive_passed}/{summary.false_positive_count} passed "
            "(no AEB, no FCW)"
        )
    if summary.scenario_file_count:
        lines.append(
            f"scenario files         {summary.scenario_file_green}/{summary.scenario_file_count} green"
        )
    return "\n".join(lines)
