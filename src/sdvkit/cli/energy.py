"""``sdvkit energy``: drive a cycle on the simulated clock and report the energy it took."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sdvkit.energy.cycle_run import CycleResult, check_conditions, run_cycle
from sdvkit.energy.errors import EnergyError
from sdvkit.energy.range_app import RangeAppSpec, drive_to_empty
from sdvkit.energy.range_model import RangeModelSpec
from sdvkit.vehicle.errors import VehicleError
from sdvkit.vehicle.library import DEFAULT_VEHICLE, builtin_vehicle, resolve_vehicle, vehicle_names
from sdvkit.vehicle.params import VehicleParams
from sdvkit.world.cycles import (
    DriveCycle,
    builtin_cycle,
    builtin_cycle_description,
    builtin_cycle_names,
    resolve_cycle,
)
from sdvkit.world.errors import WorldError

DEFAULT_INITIAL_SOC = 0.9
DRIVE_TO_EMPTY_THRESHOLDS_PCT = (90.0, 80.0, 70.0, 60.0, 50.0)
DRIVE_TO_EMPTY_STEP_S = 0.1
"""A drive to empty is hours of driving: it runs at 10 Hz (the cycle runs run at 100 Hz)."""


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
        "--initial-soc",
        type=float,
        default=None,
        metavar="SOC",
        help="state of charge at the start, 0-1 (default 0.9; with --drive-to-empty, the pack's maximum)",
    )
    parser.add_argument(
        "--drive-to-empty",
        action="store_true",
        help="repeat the cycle until the battery is empty and score the range-prediction app "
        "at 90, 80, 70, 60 and 50 %% SoC against the distance actually driven",
    )
    parser.add_argument(
        "--with-route",
        action="store_true",
        help="with --drive-to-empty: the range app knows the road ahead (the repeated cycle)",
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
        if args.initial_soc is not None and not 0.0 < args.initial_soc <= 1.0:
            raise EnergyError(f"--initial-soc {args.initial_soc} must be in (0, 1]")
        check_conditions(ambient_c=args.ambient_c, altitude_m=args.altitude_m)
        if args.with_route and not args.drive_to_empty:
            raise EnergyError("--with-route goes with --drive-to-empty")
        if args.drive_to_empty:
            return _drive_to_empty(vehicle, cycle, args)
        result = run_cycle(
            vehicle,
            cycle,
            ambient_c=args.ambient_c,
            altitude_m=args.altitude_m,
            initial_soc=DEFAULT_INITIAL_SOC if args.initial_soc is None else args.initial_soc,
        )
    except (VehicleError, WorldError, EnergyError) as error:
        print(f"sdvkit energy: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        print(_report(result))
    return 0


def _drive_to_empty(vehicle: VehicleParams, cycle: DriveCycle, args: argparse.Namespace) -> int:
    start_pct = 100 * (vehicle.battery.max_soc if args.initial_soc is None else args.initial_soc)
    thresholds = tuple(pct for pct in DRIVE_TO_EMPTY_THRESHOLDS_PCT if pct < start_pct)
    if not thresholds:
        raise EnergyError(f"--initial-soc {args.initial_soc}: start above 50 % to score the range app")
    result = drive_to_empty(
        vehicle,
        [cycle],
        with_route=args.with_route,
        spec=RangeAppSpec(model=RangeModelSpec.for_vehicle(vehicle)),
        thresholds_soc_pct=thresholds,
        initial_soc=args.initial_soc,
        ambient_c=args.ambient_c,
        altitude_m=args.altitude_m,
        step_s=DRIVE_TO_EMPTY_STEP_S,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "vehicle": result.vehicle,
                    "cycle": cycle.name,
                    "with_route": result.with_route,
                    "distance_km": round(result.distance_m / 1000, 3),
                    "end": result.end,
                    "mean_abs_error": round(result.mean_abs_error, 4),
                    "scores": [
                        {
                            "soc_pct": score.soc_pct,
                            "predicted_km": round(score.predicted_range_m / 1000, 3),
                            "driven_km": round(score.actual_distance_m / 1000, 3),
                            "error": round(score.error, 4),
                        }
                        for score in result.scores
                    ],
                }
            )
        )
        return 0
    route = "known" if result.with_route else "not known"
    print(f"vehicle        {result.vehicle}")
    print(
        f"drive          {cycle.name} repeated until empty: {result.distance_m / 1000:.1f} km, route {route}"
    )
    print("SoC     predicted range   driven from there   error")
    for score in result.scores:
        print(
            f"{score.soc_pct:4.0f} %  {score.predicted_range_m / 1000:10.1f} km  "
            f"{score.actual_distance_m / 1000:13.1f} km  {score.error * 100:+7.2f} %"
        )
    print(f"mean absolute error {result.mean_abs_error * 100:.2f} %")
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
