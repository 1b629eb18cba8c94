"""Sensing benchmark: what one 20 Hz sensing cycle costs with six actors around the ego.

The scene, on a straight road with two lanes each way and shoulders: the ego at 50 km/h in the
outer lane behind a slower car, a car ahead in the inner lane, a car overtaking in it, a car
following, a cyclist on the shoulder and a pedestrian standing on it further ahead; the sensors
see most of them for most of the run (10 s by default; the cyclist and the pedestrian are
passed). The world steps at 100 Hz (the plant's rate) and sensing runs every fifth step, as in a
closed-loop run.

Figures, from the same run:

- ``pipeline``: one :meth:`SensingPipeline.step` (truth, six sensors with occlusion and noise,
  the lane camera, the Kalman tracker);
- ``app``: one :meth:`SensingApp.step` on a real broker (the pipeline plus building and publishing
  the perception and ground-truth branches);
- reference: one ``World.step`` (six actors, collisions) at 100 Hz.

Each figure is the median over a run's cycles, the best of ``--repeat`` runs. Run
``python bench/sensing.py`` (``--json`` for one JSON object as the last line; ``--cycles N``
sensing cycles per run).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.sensing import SensingApp, SensingPipeline
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.world.actors import ActorSpec, PolylinePath, ScriptedMotion, SpeedProfile, Stationary
from sdvkit.world.road_builders import LaneLayout, straight_road
from sdvkit.world.roads import RoadNetwork
from sdvkit.world.scene import World

WORLD_STEP_S = 0.01
SENSING_PERIOD_S = 0.05
EGO_SPEED_MPS = 50 / 3.6
EGO_Y_M = -5.25
"""The outer of the two lanes along x (the ego's); the inner one is at -1.75 m."""
LEFT_LANE_Y_M = -1.75
BUDGET_US = 500.0
"""One sensing cycle at most: the NCAP bench's share of its time."""


def make_world(*, crowded: bool = True) -> World:
    """The ego, and six actors around it (or only the car ahead: a Euro NCAP car-to-car test)."""
    layout = LaneLayout(lanes_per_direction=2, shoulder_width_m=2.5)
    world = World(RoadNetwork(roads=(straight_road(length_m=3000.0, layout=layout),)))
    world.place_ego(ActorSpec.car("ego"), x_m=50.0, y_m=EGO_Y_M, heading_rad=0.0, speed_mps=EGO_SPEED_MPS)

    def drive(actor: ActorSpec, start: tuple[float, float], end: tuple[float, float], speed: float) -> None:
        path = PolylinePath(waypoints=(start, end))
        world.add_actor(actor, ScriptedMotion(route=path, profile=SpeedProfile.constant(speed)))

    drive(ActorSpec.car("lead"), (90.0, EGO_Y_M), (3000.0, EGO_Y_M), EGO_SPEED_MPS - 2.0)
    if not crowded:
        return world
    drive(ActorSpec.car("left-ahead"), (120.0, LEFT_LANE_Y_M), (3000.0, LEFT_LANE_Y_M), EGO_SPEED_MPS + 1.0)
    drive(ActorSpec.car("overtaking"), (30.0, LEFT_LANE_Y_M), (3000.0, LEFT_LANE_Y_M), EGO_SPEED_MPS + 1.5)
    drive(ActorSpec.car("following"), (25.0, EGO_Y_M), (3000.0, EGO_Y_M), EGO_SPEED_MPS)
    drive(ActorSpec.cyclist("cyclist"), (110.0, -8.25), (3000.0, -8.25), 5.0)
    world.add_actor(ActorSpec.pedestrian("pedestrian"), Stationary(x_m=150.0, y_m=-9.0))
    return world


def _move_ego(world: World, step: int) -> None:
    x_m = 50.0 + EGO_SPEED_MPS * WORLD_STEP_S * step
    world.set_ego_pose(x_m, EGO_Y_M, 0.0, speed_mps=EGO_SPEED_MPS, accel_mps2=0.0)


def run_pipeline(cycles: int, *, crowded: bool = True) -> tuple[float, float, float]:
    """(µs per sensing cycle, µs per world step, confirmed tracks per cycle on average); the
    costs are medians, which another process taking the core now and then does not move."""
    world = make_world(crowded=crowded)
    pipeline = SensingPipeline(world, seed=1)
    every = round(SENSING_PERIOD_S / WORLD_STEP_S)
    sensing_s: list[float] = []
    world_s: list[float] = []
    tracks = 0
    for step in range(1, cycles * every + 1):
        _move_ego(world, step)
        started = time.perf_counter()
        world.step(WORLD_STEP_S)
        world_s.append(time.perf_counter() - started)
        if step % every == 0:
            started = time.perf_counter()
            tracks += len(pipeline.step().tracks)
            sensing_s.append(time.perf_counter() - started)
    return statistics.median(sensing_s) * 1e6, statistics.median(world_s) * 1e6, tracks / cycles


class _TimedSensing(SensingApp):
    def __init__(self, world: World, *, seed: int) -> None:
        super().__init__(world, seed=seed)
        self.elapsed_s: list[float] = []

    def step(self) -> None:
        started = time.perf_counter()
        super().step()
        self.elapsed_s.append(time.perf_counter() - started)


class _WorldMover(VehicleApp):
    """Stands in for the plant: moves the ego and steps the world at 100 Hz."""

    name = "world mover"
    manifest = Manifest(role=AppRole.PLANT)
    step_period_s = WORLD_STEP_S

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    def step(self) -> None:
        _move_ego(self.world, self.step_count)
        self.world.step(WORLD_STEP_S)


def run_app(cycles: int) -> float:
    """µs per SensingApp step on a broker (the median)."""
    world = make_world()
    clock = SimClock(tick_s=WORLD_STEP_S)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    runner.add(_WorldMover(world))
    sensing = runner.add(_TimedSensing(world, seed=1))
    runner.start()
    clock.run_for(cycles * SENSING_PERIOD_S)
    runner.stop()
    return statistics.median(sensing.elapsed_s) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--repeat", type=int, default=5, help="best of N runs' medians (default 5)")
    parser.add_argument("--cycles", type=int, default=200, help="sensing cycles per run (default 200, 10 s)")
    args = parser.parse_args()
    cycles = max(10, args.cycles)
    repeat = max(1, args.repeat)
    pipeline_us = app_us = world_us = one_target_us = math.inf
    tracks = 0.0
    for _ in range(repeat):
        sensing, world, tracks = run_pipeline(cycles)
        pipeline_us, world_us = min(pipeline_us, sensing), min(world_us, world)
        app_us = min(app_us, run_app(cycles))
        one_target_us = min(one_target_us, run_pipeline(cycles, crowded=False)[0])
    print(
        f"Sensing per 20 Hz cycle (median, best of {repeat} runs of {cycles} cycles); "
        f"six actors, {tracks:.1f} tracks on average:"
    )
    print(f"  pipeline (sensors, lanes, tracker)   {pipeline_us:8.1f} µs/cycle")
    print(f"  app (pipeline + publish)             {app_us:8.1f} µs/cycle")
    print(f"  pipeline, one car ahead only         {one_target_us:8.1f} µs/cycle")
    print(f"  reference: World.step (100 Hz)       {world_us:8.1f} µs/step")
    print(f"  budget for sensing: {BUDGET_US:.0f} µs/cycle")
    if args.json:
        print(
            json.dumps(
                {
                    "cycles": cycles,
                    "actors": 6,
                    "mean_tracks": round(tracks, 2),
                    "pipeline_us_per_cycle": round(pipeline_us, 2),
                    "app_us_per_cycle": round(app_us, 2),
                    "one_target_pipeline_us_per_cycle": round(one_target_us, 2),
                    "reference_world_step_us": round(world_us, 3),
                    "budget_us_per_cycle": BUDGET_US,
                }
            )
        )


if __name__ == "__main__":
    main()
