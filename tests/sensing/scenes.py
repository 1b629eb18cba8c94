"""Scenes for the sensing tests: worlds with an ego, and a loop that moves the ego and runs sensing."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sdvkit.sensing import Detection, PerceptionFrame, SensingPipeline, SensorModel, SensorSpec, default_suite
from sdvkit.sensing.truth import TruthFrame, TruthSampler
from sdvkit.world.actors import ActorSpec, Stationary
from sdvkit.world.geometry import Pose
from sdvkit.world.road_builders import LaneLayout, straight_road
from sdvkit.world.roads import Road, RoadNetwork
from sdvkit.world.scene import World

EGO_LANE_Y_M = -1.75
"""The centre of the right lane of a default straight road along x."""
CYCLE_S = 0.05
EGO_HALF_LENGTH_M = 0.5 * ActorSpec.car("ego").length_m


def sensor(name: str) -> SensorSpec:
    return next(spec for spec in default_suite() if spec.name == name)


def road_world(road: Road | None = None, *, layout: LaneLayout | None = None) -> World:
    if road is None:
        road = straight_road(length_m=2000.0, layout=layout or LaneLayout())
    return World(RoadNetwork(roads=(road,)))


def world_with_ego(
    *, bumper_x_m: float = 0.0, y_m: float = EGO_LANE_Y_M, heading_rad: float = 0.0, speed_mps: float = 0.0
) -> World:
    """A straight two-lane road along x; the ego's front bumper at ``bumper_x_m``."""
    world = road_world()
    world.place_ego(
        ActorSpec.car("ego"),
        x_m=bumper_x_m - EGO_HALF_LENGTH_M * math.cos(heading_rad),
        y_m=y_m - EGO_HALF_LENGTH_M * math.sin(heading_rad),
        heading_rad=heading_rad,
        speed_mps=speed_mps,
    )
    return world


def park(world: World, spec: ActorSpec, x_m: float, y_m: float, heading_rad: float = 0.0) -> None:
    world.add_actor(spec, Stationary(x_m=x_m, y_m=y_m, heading_rad=heading_rad))


def truth(world: World) -> TruthFrame:
    return TruthSampler(world).sample(world.time_s)


def scan(world: World, name: str, *, seed: int = 0, night: bool = False) -> list[Detection]:
    """One scan of the named default sensor, at once."""
    return SensorModel(sensor(name), np.random.default_rng(seed), night=night).scan(truth(world))


EgoPath = Callable[[float], tuple[Pose, float]]
"""Time → (the ego's centre pose, its speed)."""


def straight_ahead(world: World, speed_mps: float) -> EgoPath:
    """The ego drives on along its heading at a constant speed."""
    ego = world.ego
    assert ego is not None
    x0, y0, heading = ego.x_m, ego.y_m, ego.heading_rad

    def pose(t_s: float) -> tuple[Pose, float]:
        return Pose(
            x0 + speed_mps * t_s * math.cos(heading), y0 + speed_mps * t_s * math.sin(heading), heading
        ), speed_mps

    return pose


def run(
    world: World,
    pipeline: SensingPipeline,
    seconds: float,
    *,
    ego_path: EgoPath | None = None,
    on_cycle: Callable[[PerceptionFrame], None] | None = None,
) -> list[PerceptionFrame]:
    """Step the world and the pipeline every 50 ms for ``seconds``; the ego follows ``ego_path``
    (default: it stands where it is)."""
    frames: list[PerceptionFrame] = []
    start_s = world.time_s
    for _ in range(round(seconds / CYCLE_S)):
        if ego_path is not None:
            pose, speed = ego_path(world.time_s + CYCLE_S - start_s)
            world.set_ego_pose(pose.x_m, pose.y_m, pose.heading_rad, speed_mps=speed, accel_mps2=0.0)
        world.step(CYCLE_S)
        frame = pipeline.step()
        frames.append(frame)
        if on_cycle is not None:
            on_cycle(frame)
    return frames
