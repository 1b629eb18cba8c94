"""Plant benchmark: UDDS at 100 Hz with the vehicle plant publishing on the broker.

The plant (vehicle model + its signals at their declared rates) and the cycle driver run as
apps on one in-process broker on the lock-step simulated clock, exactly as ``sdvkit energy``
runs them. The figure is simulated seconds per wall-clock second (a multiple of real time).

Reference, from the same run: FASTSim 3 simulating the same vehicle on the same cycle (its
1 Hz Rust solver, no broker), also as a multiple of real time.

Run ``python bench/plant.py`` (add ``--json`` for one JSON object as the last line;
``--repeat N`` to take the best of N runs).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sdvkit.energy.cycle_run import run_cycle
from sdvkit.vehicle.fastsim_file import load_fastsim_vehicle
from sdvkit.world.cycles import builtin_cycle

FASTSIM_VEHICLE = "2020 Chevrolet Bolt EV thrml.yaml"
TARGET_REAL_TIME_FACTOR = 300.0


def fastsim_seconds(repeat: int) -> float:
    """Best wall time of FASTSim running UDDS with the Bolt (vehicle and cycle loading included)."""
    import fastsim

    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        vehicle = fastsim.Vehicle.from_resource(FASTSIM_VEHICLE)
        vehicle.set_save_interval(None)
        simulation = fastsim.SimDrive(vehicle, fastsim.Cycle.from_resource("udds.csv"))
        simulation.run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()

    import fastsim

    cycle = builtin_cycle("udds")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bolt.yaml"
        fastsim.Vehicle.from_resource(FASTSIM_VEHICLE).to_file(str(path))
        params = load_fastsim_vehicle(path)

    best_s = float("inf")
    steps = round(cycle.duration_s / 0.01)
    for _ in range(max(1, args.repeat)):
        result = run_cycle(params, cycle, step_s=0.01)
        best_s = min(best_s, result.wall_time_s)
    factor = cycle.duration_s / best_s
    reference_s = fastsim_seconds(max(1, args.repeat))
    reference_factor = cycle.duration_s / reference_s

    print(f"UDDS ({cycle.duration_s:.0f} s, {steps} steps at 100 Hz), {params.name}, plant on the broker:")
    print(
        f"  sdvkit   {best_s:7.3f} s wall {factor:8.0f}x real time (target >= {TARGET_REAL_TIME_FACTOR:.0f}x)"
    )
    print(
        f"  FASTSim  {reference_s:7.3f} s wall {reference_factor:8.0f}x real time (reference, 1 Hz, no bus)"
    )
    print(f"  energy   {result.kwh_per_100km:.2f} kWh/100 km, trace met: {result.trace_met}")
    if args.json:
        print(
            json.dumps(
                {
                    "udds_100hz_real_time_factor": round(factor, 1),
                    "udds_100hz_wall_s": round(best_s, 4),
                    "udds_steps": steps,
                    "target_real_time_factor": TARGET_REAL_TIME_FACTOR,
                    "fastsim_reference_real_time_factor": round(reference_factor, 1),
                    "fastsim_reference_wall_s": round(reference_s, 5),
                    "udds_kwh_per_100km": round(result.kwh_per_100km, 4),
                }
            )
        )


if __name__ == "__main__":
    main()
