"""``sdvkit energy``: drive a cycle on the simulated clock and report the energy it took."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sdvkit.energy.cycle_run import CycleResult, run_cycle
from sdvkit.energy.errors import EnergyError
from sdvkit.vehicle.errors import VehicleError
from sdvkit.vehicle.library import DEFAULT_VEHICLE, builtin_vehicle, resolve_vehicle, vehicle_names
from sdvkit.world.cycles import builtin_cycle, builtin_cycle_description, builtin_cycle_names, resolve_cycle
from sdvkit.world.errors import WorldError


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "energy",
        help="run a drive cycle and report consumption, regeneration and range",
        description="Drive a cycle with a simulated EV (the plant and a driving robot on the signal "
        "broker, on the simulated clock) and report battery-side consumption.",
    )
    parser.add_argument(
        "--vehicle",
        default=DEFAULT_VEHICLE,
        metavar="NAME|FILE",
        help=f"a built-in vehicle or a FASTSim 3 vehicle file (.yaml/.json); default {DEFAULT_VEHICLE}",
    )
    parser.add_argument(
        "--cycle",
        default="udds",
        metavar="NAME|FILE.csv",
        help="a built-in cycle or a CSV (time_s,speed_mps or FASTSim's); default udds",
    )
    parser.add_argument(
        "--ambient-c", type=float, default=22.0, metavar="T", help="ambient temperature in °C (default 22)"
    )
    parser.add_argument(
        "--altitude-m",
        type=float,
        default=0.0,
        metavar="H",
        help="altitude in metres; with the temperature it sets the air density (default 0)",
    )
    parser.add_argument(
        "--initial-soc", type=float, default=0.9, metavar="SOC", help="state of charge at the start, 0-1"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--list", action="store_true", help="list the built-in vehicles and cycles")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(as_json=args.json)
    try:
        vehicle = resolve_vehicle(args.vehicle)
        cycle = resolve_cycle(args.cycle)
        if not 0.0 < args.initial_soc <= 1.0:
            raise EnergyError(f"--initial-soc {args.initial_soc} must be in (0, 1]")
        result = run_cycle(
            vehicle,
            cycle,
            ambient_c=args.ambient_c,
            altitude_m=args.altitude_m,
            initial_soc=args.initial_soc,
        )
    except (VehicleError, WorldError, EnergyError) as error:
        print(f"sdvkit energy: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        print(_report(result))
    return 0


def _report(result: CycleResult) -> str:
    met = "yes" if result.trace_met else "NO"
    return "\n".join(
        (
            f"vehicle        {result.vehicle}",
            f"cycle          {result.cycle}  ({result.distance_km:.2f} km, {result.duration_s:.0f} s, "
            f"{result.ambient_c:g} °C)",
            f"consumption    {result.kwh_per_100km:.2f} kWh/100 km   {result.wh_per_mi:.1f} Wh/mi  "
            "(battery DC, auxiliaries included)",
            f"regenerated    {result.regen_share * 100:.1f} % of the energy drawn",
            f"SoC used       {result.soc_used * 100:.2f} %",
            f"range          {result.range_km:.0f} km on this cycle",
            f"auxiliaries    {result.auxiliary_kwh:.3f} kWh",
            f"friction brake {result.friction_brake_kwh:.3f} kWh",
            f"trace met      {met} (max speed error {result.max_speed_error_kmh:.2f} km/h)",
            f"simulated in   {result.wall_time_s:.2f} s "
            f"({result.duration_s / result.wall_time_s:.0f}x real time)",
        )
    )


def _list(*, as_json: bool) -> int:
    vehicles = [(name, builtin_vehicle(name).description) for name in vehicle_names()]
    cycles = []
    for name in builtin_cycle_names():
        cycle = builtin_cycle(name)
        cycles.append((name, builtin_cycle_description(name), cycle.distance_m / 1000, cycle.duration_s))
    if as_json:
        print(
            json.dumps(
                {
                    "vehicles": [{"name": name, "description": text} for name, text in vehicles],
                    "cycles": [
                        {"name": name, "description": text, "distance_km": round(km, 3), "duration_s": s}
                        for name, text, km, s in cycles
                    ],
                }
            )
        )
        return 0
    print("vehicles (or --vehicle FILE, a FASTSim 3 vehicle file):")
    for name, text in vehicles:
        print(f"  {name:24s} {text}")
    print("cycles (or --cycle FILE.csv):")
    for name, text, km, seconds in cycles:
        print(f"  {name:24s} {km:6.2f} km {seconds:5.0f} s  {text}")
    return 0
