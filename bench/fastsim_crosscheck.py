"""Cross-validation against FASTSim 3: battery-side consumption of the four EVs FASTSim ships,
on UDDS and HWFET, simulated by sdvkit from the same vehicle files.

For each vehicle, FASTSim's own file is written out (``Vehicle.from_resource(name).to_file``),
sdvkit reads it (``sdvkit energy --vehicle FILE``) and drives the cycle at 100 Hz with the plant
and the driving robot on the broker; FASTSim runs the same file and cycle. Both figures are net
DC energy at the battery terminals per distance (FASTSim: ``res.energy_out_electrical``).

Run ``python bench/fastsim_crosscheck.py`` (``--json``: one JSON object as the last line;
``--markdown``: the table as the docs show it).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from sdvkit.energy.cycle_run import run_cycle
from sdvkit.vehicle.fastsim_file import load_fastsim_vehicle
from sdvkit.world.cycles import builtin_cycle

FASTSIM_BEVS = (
    "2016 Nissan Leaf 30 kWh thrml.yaml",
    "2020 Chevrolet Bolt EV thrml.yaml",
    "2022 Tesla Model 3 RWD thrml.yaml",
    "2022_Renault_Zoe_ZE50_R135.yaml",
)
CYCLES = ("udds", "hwfet")
FASTSIM_ELEVATION_M = 121.92
TOLERANCE = 0.03


def fastsim_kwh_per_100km(vehicle_resource: str, cycle: str) -> float:
    import fastsim

    simulation = fastsim.SimDrive(
        fastsim.Vehicle.from_resource(vehicle_resource), fastsim.Cycle.from_resource(f"{cycle}.csv")
    )
    simulation.run()
    history = simulation.to_dict()["veh"]
    energy_j = history["pt_type"]["BEV"]["res"]["history"]["energy_out_electrical_joules"][-1]
    distance_m = history["history"]["dist_meters"][-1]
    return float(energy_j / 3.6e6 / (distance_m / 100_000))


def crosscheck(vehicle_resource: str, cycle: str, folder: Path) -> dict[str, Any]:
    import fastsim

    path = folder / (vehicle_resource.replace(" ", "_"))
    fastsim.Vehicle.from_resource(vehicle_resource).to_file(str(path))
    # FASTSim's cycles run at 22 °C and 121.92 m (400 ft) of elevation: the same air for both.
    result = run_cycle(load_fastsim_vehicle(path), builtin_cycle(cycle), altitude_m=FASTSIM_ELEVATION_M)
    reference = fastsim_kwh_per_100km(vehicle_resource, cycle)
    return {
        "vehicle": vehicle_resource.removesuffix(".yaml"),
        "cycle": cycle,
        "sdvkit_kwh_per_100km": round(result.kwh_per_100km, 3),
        "fastsim_kwh_per_100km": round(reference, 3),
        "difference_pct": round((result.kwh_per_100km / reference - 1) * 100, 2),
        "trace_met": result.trace_met,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for vehicle in FASTSIM_BEVS:
            for cycle in CYCLES:
                rows.append(crosscheck(vehicle, cycle, Path(folder)))
    if args.markdown:
        print("| Vehicle (FASTSim file) | Cycle | sdvkit kWh/100 km | FASTSim kWh/100 km | Difference |")
        print("|---|---|---|---|---|")
        for row in rows:
            print(
                f"| {row['vehicle']} | {row['cycle'].upper()} | {row['sdvkit_kwh_per_100km']:.2f} "
                f"| {row['fastsim_kwh_per_100km']:.2f} | {row['difference_pct']:+.2f} % |"
            )
    else:
        for row in rows:
            print(
                f"{row['vehicle']:38s} {row['cycle']:6s} sdvkit {row['sdvkit_kwh_per_100km']:7.3f}  "
                f"FASTSim {row['fastsim_kwh_per_100km']:7.3f} kWh/100 km  {row['difference_pct']:+6.2f} %"
            )
    worst = max(abs(row["difference_pct"]) for row in rows)
    print(f"largest difference {worst:.2f} % (tolerance {TOLERANCE * 100:.0f} %)")
    if args.json:
        print(json.dumps({"rows": rows, "max_abs_difference_pct": worst}))


if __name__ == "__main__":
    main()
