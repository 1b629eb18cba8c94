"""NCAP bench benchmark: the full standard grid with the vehicle's functions, on all workers.

Every standard point of every grid runs as ``sdvkit ncap`` runs it (the plant at 100 Hz with
the world, sensing, FCW, AEB and the other functions a point engages, the driving robot and the
recorder, each point on its own broker), spread over the workers. The figure is the wall time
of the whole grid; beside it the workers' CPU time, which does not depend on what else the
machine runs.

Reference, from the same run: the wall time of one point (CCRs 50 km/h IL 50) in this process,
the best of ``--repeat``; and the time to build the signal catalogue, which every point's broker
shares (it is built once per process and cached).

``--compare-50hz`` also runs a sample of points with the plant at 50 Hz and says how their
results differ from 100 Hz.

Run ``python bench/ncap.py`` (``--json`` for one JSON object as the last line; ``--workers N``;
``--quick`` for every 20th point only).
"""

from __future__ import annotations

import argparse
import json
import os
import time

from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.parallel import default_workers, run_many
from sdvkit.ncap.runner import run_point
from sdvkit.ncap.scenario import GridRange
from sdvkit.signals.builtin import builtin_tree
from sdvkit.signals.catalogue import Catalogue

REFERENCE_POINT = "CCRs 50 km/h IL 50"
TARGET_S_ON_TWO_CORES = 60.0


def one_point_s(repeat: int) -> float:
    point = next(p for p in grid_points(("CCRs",)) if p.label == REFERENCE_POINT)
    run_point(point)  # warm the caches (catalogue, vehicle, imports)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run_point(point)
        best = min(best, time.perf_counter() - started)
    return best


def catalogue_build_s() -> float:
    started = time.perf_counter()
    Catalogue.from_tree(builtin_tree(), source="bench")
    return time.perf_counter() - started


def compare_50hz(sample_every: int) -> dict[str, float]:
    """Run a sample at both plant rates; how often the colour agrees, and the largest differences."""
    points = grid_points(ranges=(GridRange.STANDARD,))[::sample_every]
    agree = 0
    impact_speed = 0.0
    seconds = {0.01: 0.0, 0.02: 0.0}
    for point in points:
        results = {}
        for step in seconds:
            started = time.perf_counter()
            results[step] = run_point(point, step_s=step)
            seconds[step] += time.perf_counter() - started
        fine, coarse = results[0.01], results[0.02]
        agree += fine.colour == coarse.colour
        impact_speed = max(impact_speed, abs(fine.impact_speed_kph - coarse.impact_speed_kph))
    return {
        "compare_points": len(points),
        "compare_colour_agreement": agree / len(points),
        "compare_max_impact_speed_difference_kph": impact_speed,
        "compare_100hz_point_s": seconds[0.01] / len(points),
        "compare_50hz_point_s": seconds[0.02] / len(points),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: the CPU count)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the one-point reference")
    parser.add_argument("--quick", action="store_true", help="every 20th standard point only")
    parser.add_argument("--compare-50hz", action="store_true", help="also compare a sample at 50 Hz")
    args = parser.parse_args()

    workers = args.workers if args.workers is not None else default_workers()
    points = grid_points(ranges=(GridRange.STANDARD,))
    if args.quick:
        points = points[::20]
    reference_s = one_point_s(max(1, args.repeat))
    catalogue_s = catalogue_build_s()
    before = os.times()
    started = time.perf_counter()
    results = run_many(points, workers=workers)
    grid_s = time.perf_counter() - started
    after = os.times()
    # The workers' CPU time (they have exited and been waited for): what the grid costs whatever
    # else the machine runs at the same time.
    cpu_s = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    point_s = sum(result.wall_time_s for result in results) / len(results)
    green = sum(result.colour == "green" for result in results)
    errors = sum(any(note.startswith("error") for note in result.notes) for result in results)

    scope = "every 20th standard point" if args.quick else "full standard grid"
    print(f"NCAP bench, {scope}: {len(points)} points on {workers} workers")
    print(f"  grid        {grid_s:8.2f} s wall  (target <= {TARGET_S_ON_TWO_CORES:.0f} s on 2 cores)")
    print(f"  CPU         {cpu_s:8.2f} s in the workers: {cpu_s / len(points):.3f} s a point")
    print(f"  per point   {point_s:8.3f} s in a worker on average ({green} green, {errors} errors)")
    print(f"  reference   {reference_s:8.3f} s for one point ({REFERENCE_POINT}) in this process")
    print(f"  catalogue   {catalogue_s * 1000:8.1f} ms to build (once per process, then cached)")
    figures: dict[str, float | int] = {
        "full_standard_grid_s": round(grid_s, 3),
        "points": len(points),
        "workers": workers,
        "grid_cpu_s": round(cpu_s, 3),
        "cpu_per_point_s": round(cpu_s / len(points), 4),
        "mean_point_s": round(point_s, 4),
        "one_point_s": round(reference_s, 4),
        "catalogue_build_s": round(catalogue_s, 4),
        "target_two_cores_s": TARGET_S_ON_TWO_CORES,
        "green_points": green,
        "error_points": errors,
    }
    if args.compare_50hz:
        comparison = compare_50hz(sample_every=40 if args.quick else 12)
        print(
            f"  50 Hz plant: colour agrees on {comparison['compare_colour_agreement']:.0%} of "
            f"{comparison['compare_points']:.0f} points; impact speeds differ by up to "
            f"{comparison['compare_max_impact_speed_difference_kph']:.1f} km/h; "
            f"{comparison['compare_50hz_point_s']:.3f} s vs "
            f"{comparison['compare_100hz_point_s']:.3f} s a point"
        )
        figures.update({key: round(value, 4) for key, value in comparison.items()})
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
