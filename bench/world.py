"""World benchmark: what the world costs per 100 Hz step, with the ego, two actors and the queries.

Each step does what a closed-loop run does: the plant gives the ego's pose at the step's end
(``World.set_ego_pose``), the world steps (behaviours, collisions), and the sensors ask for every
actor in the ego frame (``relative_actors``) and the ego's lane markings (``ego_lane_markings``).
It runs on the Euro NCAP straight road and on the X-intersection (the ego drives straight through
the junction), read from ``../shared/ncap/OpenDRIVE/NCAP/`` next to the repository.

Reference, from the same run: the same loop without the queries (ego pose and ``World.step``
only), so the queries' share is the difference.

The real-time multiple is simulated time over wall time at 100 Hz (0.01 s per step).

Run ``python bench/world.py`` (``--json`` for one JSON object as the last line; ``--repeat N``
for the best of N runs; ``--steps N`` per run).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

from sdvkit.world.actors import ActorSpec, LaneRoute, PolylinePath, ScriptedMotion, SpeedProfile
from sdvkit.world.opendrive import read_opendrive
from sdvkit.world.roads import RoadNetwork
from sdvkit.world.scene import World

NCAP = Path(__file__).resolve().parents[1].parent / "shared" / "ncap" / "OpenDRIVE" / "NCAP"
STRAIGHT = NCAP / "StraightRoad_NCAP_Roadmarks.xodr"
X_INTERSECTION = NCAP / "X-Intersection_NCAP.xodr"
DT_S = 0.01
EGO_SPEED_MPS = 50 / 3.6
BUDGET_US = 33.0
"""A 100 Hz step at 300x real time."""


def straight_world(network: RoadNetwork) -> World:
    """CCRm-like: a target 60 m ahead at 20 km/h in the ego's lane; a pedestrian crossing far ahead."""
    world = World(network)
    world.place_ego(ActorSpec.car("ego"), x_m=100.0, y_m=-1.75, heading_rad=0.0, speed_mps=EGO_SPEED_MPS)
    road = network.road("0")
    lane = LaneRoute(road=road, lane_id=-1)
    world.add_actor(
        ActorSpec.car("target"),
        ScriptedMotion(route=lane, profile=SpeedProfile.constant(20 / 3.6), start_distance_m=200.0),
    )
    walk = PolylinePath(waypoints=((900.0, -8.0), (900.0, 8.0)))
    world.add_actor(
        ActorSpec.pedestrian("pedestrian"),
        ScriptedMotion(route=walk, profile=SpeedProfile.constant(5 / 3.6, start_delay_s=2.0)),
    )
    return world


def x_intersection_world(network: RoadNetwork) -> World:
    """The ego crosses the junction straight on (road 0 → 8 → 2); an oncoming car and a crossing car."""
    world = World(network)
    world.place_ego(ActorSpec.car("ego"), x_m=200.0, y_m=-1.75, heading_rad=0.0, speed_mps=EGO_SPEED_MPS)
    oncoming = LaneRoute(road=network.road("2"), lane_id=1)
    world.add_actor(
        ActorSpec.car("oncoming"),
        ScriptedMotion(route=oncoming, profile=SpeedProfile.constant(10.0), start_distance_m=100.0),
    )
    crossing = LaneRoute(road=network.road("3"), lane_id=-1)
    stopping = SpeedProfile(points=((0.0, 8.0), (10.0, 0.0)))
    world.add_actor(
        ActorSpec.car("crossing"), ScriptedMotion(route=crossing, profile=stopping, start_distance_m=150.0)
    )
    return world


def run(make: Callable[[], World], steps: int, *, queries: bool) -> float:
    """Wall time (s) of ``steps`` steps: the ego's pose, the step and (optionally) the queries."""
    world = make()
    ego = world.ego
    assert ego is not None
    x, y = ego.x_m, ego.y_m
    started = time.perf_counter()
    for _ in range(steps):
        x += EGO_SPEED_MPS * DT_S
        world.set_ego_pose(x, y, 0.0, speed_mps=EGO_SPEED_MPS, accel_mps2=0.0)
        world.step(DT_S)
        if queries:
            world.relative_actors()
            world.ego_lane_markings()
    return time.perf_counter() - started


def measure(make: Callable[[], World], steps: int, repeat: int) -> tuple[float, float]:
    """Best per-step cost (µs) with the queries and without them (the reference)."""
    best = [math.inf, math.inf]
    for _ in range(repeat):
        for index, queries in enumerate((True, False)):
            best[index] = min(best[index], run(make, steps, queries=queries))
    return best[0] / steps * 1e6, best[1] / steps * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--repeat", type=int, default=5, help="best of N runs (default 5)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per run (default 1000, 10 s)")
    args = parser.parse_args()
    steps = max(1, args.steps)
    repeat = max(1, args.repeat)

    straight = read_opendrive(STRAIGHT)
    junction = read_opendrive(X_INTERSECTION)
    figures: dict[str, float | int] = {"steps": steps, "budget_us_per_step": BUDGET_US}
    print(f"World per 100 Hz step (best of {repeat} runs of {steps} steps); ego and two actors:")
    for key, label, make in (
        ("straight", f"NCAP straight road ({STRAIGHT.name})", lambda: straight_world(straight)),
        (
            "x_intersection",
            f"NCAP X-intersection ({X_INTERSECTION.name})",
            lambda: x_intersection_world(junction),
        ),
    ):
        full_us, reference_us = measure(make, steps, repeat)
        full_x = DT_S * 1e6 / full_us
        reference_x = DT_S * 1e6 / reference_us
        print(f"  {label}")
        print(f"    with queries      {full_us:7.2f} µs/step {full_x:8.0f}x real time")
        print(f"    without (ref.)    {reference_us:7.2f} µs/step {reference_x:8.0f}x real time")
        figures |= {
            f"{key}_us_per_step": round(full_us, 3),
            f"{key}_real_time_x": round(full_x, 1),
            f"{key}_reference_no_queries_us_per_step": round(reference_us, 3),
            f"{key}_reference_no_queries_real_time_x": round(reference_x, 1),
        }
    print(f"  budget for the world: {BUDGET_US:.0f} µs/step (300x real time)")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
