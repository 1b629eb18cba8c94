"""From a :class:`ScenarioModel` to a runnable :class:`~sdvkit.ncap.scenario.ScenarioSetup`.

- The VUT starts where ``Init`` puts it, at its ``Init`` speed; the world's poses are box
  centres, so :class:`VutStart` is the centre of the scenario's VUT box.
- ``vut_path``: the VUT's trajectory (a clothoid spline exactly), its route (sampled every metre,
  straight stretches as single segments), or a straight run along its lane (a polyline along the
  lane from 10 m behind the start to the road's end, continued straight beyond). The box centre
  follows the path; the scenario's trajectories are for the reference point (rear axle), which
  in a bend changes where the car is by at most a few centimetres.
- ``duration_s``: from the stop trigger where a condition group there is a simulation time or a
  distance the VUT travels (at its constant speed); otherwise a probe run with the VUT at
  constant speed along its path finds when it meets the target, and the run lasts until the VUT
  has passed it plus 2 s.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sdvkit.ncap.openscenario.compiler import ScenarioModel
from sdvkit.ncap.openscenario.paths import ShiftedPath
from sdvkit.ncap.openscenario.runtime import NotPlacedError, StoryboardRuntime
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported
from sdvkit.ncap.scenario import ScenarioSetup, VutStart
from sdvkit.world.actors import ActorSpec, LaneRoute, PolylinePath, Route
from sdvkit.world.errors import WorldError
from sdvkit.world.geometry import Pose
from sdvkit.world.network import RoadNetwork
from sdvkit.world.opendrive import read_opendrive
from sdvkit.world.scene import EGO_ID, World

__all__ = ["ImportedScenario", "build_scenario", "load_network"]

FCW_DRIVER_BRAKES_AFTER_S = 1.2
"""Euro NCAP FCW tests: the driver brakes this long after the warning."""
PROBE_STEP_S = 0.05
PROBE_LIMIT_S = 120.0
PASS_MARGIN_S = 2.0


@dataclass(frozen=True, slots=True)
class ImportedScenario:
    """A built scenario, and what a runner may want beside it: the scenario's VUT box (its id is
    ``"ego"``) and how far its box centre sits ahead of its reference point (rear axle)."""

    setup: ScenarioSetup
    vut_spec: ActorSpec
    vut_center_ahead_m: float


@functools.lru_cache(maxsize=16)
def _network(path: str, modified_ns: int, size: int) -> RoadNetwork:
    return read_opendrive(path)


def load_network(path: Path, node: Node) -> RoadNetwork:
    """The road network of an OpenDRIVE file, cached per process while the file is unchanged."""
    resolved = os.path.abspath(path)
    try:
        status = os.stat(resolved)
    except OSError as error:
        raise malformed(
            node, f"the road network {resolved} cannot be read: {error.strerror or error}"
        ) from error
    try:
        return _network(resolved, status.st_mtime_ns, status.st_size)
    except WorldError as error:
        raise malformed(node, f"the road network cannot be read: {error}") from error


def _sampled(route: Route, start_m: float, end_m: float, step_m: float = 1.0) -> PolylinePath:
    """``route`` from ``start_m`` to ``end_m`` as a polyline: a point every ``step_m`` where it
    bends, single segments where it runs straight."""
    count = max(1, math.ceil((end_m - start_m) / step_m))
    samples = [route.pose_at(start_m + (end_m - start_m) * index / count) for index in range(count + 1)]
    kept = [samples[0]]
    for before, sample, after in zip(samples, samples[1:], samples[2:], strict=False):
        turn = math.atan2(after.y_m - sample.y_m, after.x_m - sample.x_m) - math.atan2(
            sample.y_m - before.y_m, sample.x_m - before.x_m
        )
        if abs(math.remainder(turn, math.tau)) > 1e-9:
            kept.append(sample)
    kept.append(samples[-1])
    return PolylinePath(waypoints=tuple((pose.x_m, pose.y_m) for pose in kept))


def _vut_placement(model: ScenarioModel, runtime: StoryboardRuntime) -> tuple[Pose, Route, float]:
    """The VUT's reference pose at the start, the path it drives and its speed."""
    init = model.vut_init
    if init.speed_mps is None:
        raise unsupported(init.node, "the VUT has no speed: give it an absolute SpeedAction in Init")
    try:
        teleport = init.position.resolve(runtime) if init.position is not None else None
    except NotPlacedError:
        raise unsupported(
            init.node, "the VUT is placed relative to another entity; place it on the road"
        ) from None
    if init.trajectory is not None:
        path = runtime.trajectory_path(init.trajectory, init.node, teleport)
        if teleport is not None:
            return teleport, path, init.speed_mps
        return path.pose_at(init.trajectory_offset_m or 0.0), path, init.speed_mps
    if init.route is not None:
        track = runtime.route_track(init.route)
        reference = teleport if teleport is not None else track.path.pose_at(track.origin_m)
        found = track.path.project(reference.x_m, reference.y_m)
        if found is None:
            raise malformed(init.node, f"the VUT does not start on its route {init.route.name!r}")
        d, lateral = found
        path = _sampled(track.path, d - 10.0, max(track.path.length_m, d + 1.0))
        if abs(lateral) > 1e-6:
            return reference, ShiftedPath(path, lateral), init.speed_mps
        return reference, path, init.speed_mps
    if teleport is None:
        raise malformed(
            init.node, "the VUT is never placed: give it a TeleportAction, a route or a trajectory"
        )
    return teleport, _lane_run(runtime.network, teleport), init.speed_mps


def _lane_run(network: RoadNetwork, pose: Pose) -> Route:
    """A straight run along the lane the VUT starts in (or along its heading off the lanes)."""
    found = network.locate(pose.x_m, pose.y_m)
    if found is not None:
        road = network.road(found.road_id)
        alignment = math.cos(pose.heading_rad - road.pose_at(found.s_m).heading_rad)
        if abs(alignment) > 0.7:
            lane = LaneRoute(road=road, lane_id=found.lane_id, forward=alignment > 0)
            projected = lane.project(pose.x_m, pose.y_m)
            if projected is not None:
                d, lateral = projected
                shifted = LaneRoute(road=road, lane_id=found.lane_id, forward=alignment > 0, offset_m=lateral)
                return _sampled(shifted, d - 10.0, max(shifted.length_m, d + 1.0), step_m=2.0)
    c, s = math.cos(pose.heading_rad), math.sin(pose.heading_rad)
    return PolylinePath(
        waypoints=((pose.x_m - 10.0 * c, pose.y_m - 10.0 * s), (pose.x_m + 2000.0 * c, pose.y_m + 2000.0 * s))
    )


def _assemble(model: ScenarioModel) -> tuple[World, StoryboardRuntime, Pose, Route, float]:
    network = load_network(model.network_path, model.storyboard_node)
    runtime = StoryboardRuntime(model, network)
    reference, path, speed = _vut_placement(model, runtime)
    runtime.place_vut(reference, path, speed)
    runtime.initialize()
    world = World(network)
    for name, entity in model.entities.items():
        if name != model.vut:
            world.add_actor(entity.spec, runtime.behaviour(name))
    return world, runtime, reference, path, speed


def _stop_trigger_duration(model: ScenarioModel, speed: float) -> float | None:
    trigger = model.stop_trigger
    if trigger is None:
        return None
    times = []
    for group in trigger.groups:
        latest = 0.0
        for condition in group:
            if condition.meta is None:
                break
            kind, entity, value = condition.meta
            if kind == "time":
                moment = value
            elif entity == model.vut and speed > 0:
                moment = value / speed
            else:
                break
            latest = max(latest, moment + condition.delay_s)
        else:
            times.append(latest)
    return min(times) if times else None


def _probe(model: ScenarioModel) -> float | None:
    """When the VUT, at constant speed along its path, first touches the target (any actor
    without one), or passes it; None if it does neither within the probe's limit."""
    world, _, reference, path, speed = _assemble(model)
    vut = model.entities[model.vut]
    center = vut.center(reference)
    found = path.project(center.x_m, center.y_m)
    start = found[0] if found is not None else 0.0
    world.place_ego(vut.spec, x_m=center.x_m, y_m=center.y_m, heading_rad=center.heading_rad, speed_mps=speed)
    target = model.target
    was_ahead = False
    steps = int(PROBE_LIMIT_S / PROBE_STEP_S)
    for step in range(1, steps + 1):
        x, y, heading = path.pose_at(start + speed * step * PROBE_STEP_S)
        world.set_ego_pose(x, y, heading, speed_mps=speed, accel_mps2=0.0)
        for event in world.step(PROBE_STEP_S):
            if event.first_id == EGO_ID and (target is None or event.second_id == target):
                return event.time_s
        if target is not None:
            ahead = world.relative_to_ego(target).longitudinal_m > 0.0
            if was_ahead and not ahead:
                return world.time_s
            was_ahead = was_ahead or ahead
    return None


def build_scenario(compile_model: Callable[[], ScenarioModel], *, name: str, fcw: bool) -> ImportedScenario:
    """Build a scenario; ``compile_model`` reads it afresh (a probe run needs its own copy)."""
    model = compile_model()
    world, _, reference, path, speed = _assemble(model)
    vut = model.entities[model.vut]
    center = vut.center(reference)
    notes = list(model.notes)
    duration = _stop_trigger_duration(model, speed)
    if duration is not None:
        notes.append(f"duration {duration:.2f} s from the stop trigger")
    else:
        meeting = _probe(compile_model())
        if meeting is None:
            duration = PROBE_LIMIT_S
            notes.append("the VUT never meets the target at constant speed; the run lasts the probe's limit")
        else:
            target_length = model.entities[model.target].spec.length_m if model.target else 0.0
            passing = (vut.spec.length_m + target_length) / max(speed, 1.0)
            duration = meeting + passing + PASS_MARGIN_S
            notes.append(
                f"duration: the VUT meets the target at {meeting:.2f} s at constant speed, passes it, + 2 s"
            )
    setup = ScenarioSetup(
        name=name, world=world,
        vut_start=VutStart(x_m=center.x_m, y_m=center.y_m, heading_rad=center.heading_rad, speed_mps=speed),
        vut_path=path, vut_speed_mps=speed, duration_s=duration, target_id=model.target,
        driver_brakes_after_warning_s=FCW_DRIVER_BRAKES_AFTER_S if fcw else None,
        lighting=model.environment.lighting, road_friction=model.environment.road_friction,
        notes=tuple(notes),
    )  # fmt: skip
    return ImportedScenario(setup=setup, vut_spec=vut.spec, vut_center_ahead_m=vut.center_x_m)
