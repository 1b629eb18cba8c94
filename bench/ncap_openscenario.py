"""The Euro NCAP 2023 OpenSCENARIO files against the built-in 2026 grid, where they share points.

Every file under ``--root`` (default ``../shared/ncap`` beside the repository) is surveyed; each
run of the runnable files that the built-in grid also tests is run, with its grid point, through
``run_many`` on ``--jobs`` workers (:func:`sdvkit.ncap.agreement.compare_with_grid`). It prints
the markdown tables that docs/openscenario.md shows under "Agreement with the built-in grid":
the per-family summary, every shared point, the file runs the grid does not test and the files
the importer cannot run; then the figures.

Figures: the wall time of the whole comparison, and beside it, from the same run, the mean wall
time of one file run and of one grid point (run one by one in this process, the first shared
pair of each family: the file runs start further away, so they last longer).

Run ``python bench/ncap_openscenario.py --jobs 2`` (``--json`` for one JSON object as the last
line; ``--family CCRs`` to compare one family only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sdvkit.ncap.agreement import (
    compare_with_grid,
    format_agreement_summary,
    format_agreement_table,
    format_unpaired,
    pair_with_grid,
)
from sdvkit.ncap.openscenario import ScenarioRun, SurveyStatus, load_scenario_runs, survey
from sdvkit.ncap.parallel import default_workers
from sdvkit.ncap.runner import run_point

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "ncap"


def reference_s(runs: list[ScenarioRun]) -> tuple[float, float]:
    """Mean wall time of one file run and of one grid point, the first pair of each family."""
    pairs, _ = pair_with_grid(runs)
    firsts = list({pair.point.grid: pair for pair in reversed(pairs)}.values())
    file_s = grid_s = 0.0
    for pair in firsts:
        started = time.perf_counter()
        run_point(pair.run.point, pair.run.build())
        file_s += time.perf_counter() - started
        started = time.perf_counter()
        run_point(pair.point)
        grid_s += time.perf_counter() - started
    count = max(1, len(firsts))
    return file_s / count, grid_s / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the NCAP OpenSCENARIO tree")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: the CPU count)")
    parser.add_argument("--family", action="append", default=[], help="compare these families only")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()
    if not args.root.is_dir():
        print(f"ncap_openscenario: {args.root} is not a directory", file=sys.stderr)
        return 2
    entries = survey(args.root)
    runnable = [entry.path for entry in entries if entry.status is SurveyStatus.RUNS]
    runs = [run for path in runnable for run in load_scenario_runs(path)]
    if args.family:
        runs = [run for run in runs if run.point.grid in args.family]
    workers = args.jobs if args.jobs is not None else default_workers()
    pairs, unpaired = pair_with_grid(runs)
    started = time.perf_counter()
    rows = compare_with_grid(runs, workers=workers)
    comparison_s = time.perf_counter() - started
    file_run_s, grid_point_s = reference_s(runs)
    print(format_agreement_summary(rows))
    print()
    print(format_agreement_table(rows))
    print()
    print(format_unpaired(unpaired))
    print()
    for row in rows:
        if not row.agrees:
            ends = f"file {row.file_result.notes[-1]!r}, grid {row.grid_result.notes[-1]!r}"
            print(f"- disagrees: {row.pair.run.point.label} / {row.pair.point.label}: {ends} {row.note}")
    print()
    print("| File (under `OpenSCENARIO/NCAP/`) | Status | Reason |\n| --- | --- | --- |")
    scenarios = f"{args.root.resolve() / 'OpenSCENARIO' / 'NCAP'}/"
    for entry in entries:
        if entry.status in (SurveyStatus.UNSUPPORTED, SurveyStatus.ERROR):
            name = str(entry.path.resolve()).removeprefix(scenarios)
            print(f"| `{name}` | {entry.status.value} | `{entry.reason.replace(scenarios, '')}` |")
    figures = {
        "file_runs": len(runs),
        "shared_points": len(rows),
        "grid_points": len({pair.point for pair in pairs}),
        "unpaired_runs": len(unpaired),
        "agree": sum(row.agrees for row in rows),
        "same_colour": sum(row.same_colour for row in rows),
        "workers": workers,
        "comparison_s": comparison_s,
        "reference_file_run_s": file_run_s,
        "reference_grid_point_s": grid_point_s,
    }
    print()
    print(
        f"{figures['shared_points']} shared points ({figures['grid_points']} grid points), "
        f"{figures['agree']} agree, {figures['same_colour']} same colour; "
        f"{comparison_s:.1f} s on {workers} workers (one file run {file_run_s:.2f} s, "
        f"one grid point {grid_point_s:.2f} s, in this process)"
    )
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
