"""The storyboard at run time: one runtime per built scenario, one behaviour per actor.

The world steps every actor's behaviour with the snapshots of all actors (the VUT included, as
``"ego"``) at the step's start. The first behaviour called in a step updates the runtime once for
that time: it reads where every entity is, evaluates every condition, and advances the
storyboard (starting events and their actions); then each behaviour moves its own actor. All
actors thus see the same storyboard and the same instant, whatever order the world steps them in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sdvkit.ncap.openscenario.actions import (
    ActionModel,
    AssignRouteModel,
    FollowTrajectoryModel,
    TeleportModel,
)
from sdvkit.ncap.openscenario.compiler import ScenarioModel
from sdvkit.ncap.openscenario.entities import EntityState
from sdvkit.ncap.openscenario.expressions import Value
from sdvkit.ncap.openscenario.motion import ActorMotion, SpeedTransition
from sdvkit.ncap.openscenario.paths import straight
from sdvkit.ncap.openscenario.positions import PositionSpec
from sdvkit.ncap.openscenario.tracks import RouteSpec, RouteTrack, TrajectorySpec, build_route
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported
from sdvkit.world.actors import ActorSnapshot, ActorSpec, ActorState, LaneRoute, PolylinePath, Route
from sdvkit.world.errors import WorldError
from sdvkit.world.geometry import Pose
from sdvkit.world.network import RoadNetwork
from sdvkit.world.roads import Road
from sdvkit.world.scene import EGO_ID

__all__ = ["ActorBehaviour", "NotPlacedError", "StoryboardRuntime"]


class NotPlacedError(Exception):
    """An entity's pose was asked for before ``Init`` placed it (``Init`` tries it again once
    the others are placed; never leaves this package)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


LANE_ALIGNMENT_COS = 0.999
"""cos of the largest angle (about 2.5°) between an actor and a lane for the lane to carry it."""


class StoryboardRuntime:
    """Executes a :class:`ScenarioModel` in a world: entities' states, conditions, storyboard."""

    def __init__(self, model: ScenarioModel, network: RoadNetwork) -> None:
        self.model = model
        self._network = network
        self.vut_path: Route = PolylinePath(waypoints=((0.0, 0.0), (1.0, 0.0)))
        self.time_s = 0.0
        self._previous_time_s = -math.inf
        self._updated_at: float | None = None
        self.variables: dict[str, Value] = dict(model.variables)
        self.motions: dict[str, ActorMotion] = {}
        self.states: dict[str, EntityState] = {}
        self._routes: dict[int, RouteTrack] = {}
        self._trajectories: dict[int, Route] = {}
        self._ids = {entity.spec.id: name for name, entity in model.entities.items()}

    # --- PositionContext ----------------------------------------------------------------------

    @property
    def network(self) -> RoadNetwork:
        return self._network

    def entity_pose(self, name: str, node: Node) -> Pose:
        if name not in self.model.entities:
            raise malformed(node, f"no entity named {name!r} (entities: {', '.join(self.model.entities)})")
        motion = self.motions.get(name)
        if motion is not None:
            return motion.reference_pose()
        if name in self.states:
            return self.states[name].reference
        raise NotPlacedError(name)

    def route_track(self, spec: RouteSpec) -> RouteTrack:
        track = self._routes.get(id(spec))
        if track is None:
            track = self._routes[id(spec)] = build_route(spec, self)
        return track

    def trajectory_path(self, spec: TrajectorySpec, node: Node, entity_pose: Pose | None = None) -> Route:
        if spec.needs_entity_pose:
            return spec.build(self, entity_pose)
        path = self._trajectories.get(id(spec))
        if path is None:
            path = self._trajectories[id(spec)] = spec.build(self)
        return path

    # --- ConditionView / ActionHost / MotionView ----------------------------------------------

    def entity(self, name: str) -> EntityState | None:
        return self.states.get(name)

    def entities(self) -> tuple[EntityState, ...]:
        return tuple(self.states.values())

    def element_status(self, kind: str, name: str, state: str) -> bool:
        return self.model.storyboard.status(kind, name, state, self._previous_time_s)

    def variable(self, name: str) -> Value:
        try:
            return self.variables[name]
        except KeyError:
            raise malformed(self.model.storyboard_node, f"variable {name!r} is not declared") from None

    def parameter(self, name: str) -> Value:
        return self.model.parameters.values[name]

    def set_variable(self, name: str, value: Value, node: Node) -> None:
        if name not in self.variables:
            raise malformed(node, f"variable {name!r} is not declared")
        self.variables[name] = value

    def resolve(self, position: PositionSpec) -> Pose:
        return position.resolve(self)

    def road_heading(self, pose: Pose) -> float | None:
        found = self._network.locate(pose.x_m, pose.y_m)
        return None if found is None else self._network.road(found.road_id).pose_at(found.s_m).heading_rad

    def locate_lane(self, pose: Pose, node: Node) -> tuple[Road, float, float, int]:
        found = self._network.locate(pose.x_m, pose.y_m)
        if found is None:
            raise malformed(node, f"({pose.x_m:.2f}, {pose.y_m:.2f}) is on no lane")
        return self._network.road(found.road_id), found.s_m, found.t_m, found.lane_id

    def motion(self, name: str, node: Node) -> ActorMotion:
        if name == self.model.vut:
            raise unsupported(node, "the VUT is driven by the bench's driving robot")
        motion = self.motions.get(name)
        if motion is None:
            raise malformed(node, f"entity {name!r} has no position yet (place it in Init first)")
        return motion

    def progress(self, name: str) -> tuple[float, float] | None:
        if name == self.model.vut:
            state = self.states[name]
            found = self.vut_path.project(state.reference.x_m, state.reference.y_m)
            return None if found is None else (found[0], state.speed_mps)
        motion = self.motions.get(name)
        return None if motion is None else (motion.d_m, motion.speed_mps)

    def path_distance(self, name: str, pose: Pose, node: Node) -> float:
        path = self.vut_path if name == self.model.vut else self.motion(name, node).path
        found = path.project(pose.x_m, pose.y_m)
        if found is None:
            raise malformed(
                node, f"the position ({pose.x_m:.2f}, {pose.y_m:.2f}) is not on the path of {name!r}"
            )
        return found[0]

    def place(self, name: str, pose: Pose, node: Node) -> None:
        if name == self.model.vut:
            raise unsupported(node, "the bench places the VUT; the storyboard cannot teleport it")
        motion = self.motions.get(name)
        if motion is not None and motion.follows_track:
            found = motion.path.project(pose.x_m, pose.y_m)
            if found is not None and abs(found[1]) < 5.0:
                motion.d_m, motion.lateral_m = found
                return
        path, d, lateral = self._default_path(pose)
        if motion is None:
            self.motions[name] = ActorMotion(self.model.entities[name], path, d, lateral)
        else:
            motion.path, motion.d_m, motion.lateral_m, motion.follows_track = path, d, lateral, False
            motion.take_lateral(None)

    def assign_route(self, name: str, track: RouteTrack, node: Node) -> None:
        motion = self.motion(name, node)
        pose = motion.reference_pose()
        found = track.path.project(pose.x_m, pose.y_m)
        if found is None:
            raise malformed(node, f"entity {name!r} at ({pose.x_m:.2f}, {pose.y_m:.2f}) is not on route "
                                  f"{track.spec.name!r}")  # fmt: skip
        motion.take_lateral(None)
        motion.path, motion.follows_track = track.path, True
        motion.d_m, motion.lateral_m = found

    def _default_path(self, pose: Pose) -> tuple[Route, float, float]:
        """An actor's path when none is assigned: its lane (in the direction it faces), or a
        straight line along its heading off the lanes or across them."""
        found = self._network.locate(pose.x_m, pose.y_m)
        if found is not None:
            road = self._network.road(found.road_id)
            alignment = math.cos(pose.heading_rad - road.pose_at(found.s_m).heading_rad)
            # Only a lane the actor faces along (within ~2.5°) carries it: inside a junction the
            # turning connecting roads overlap the straight ones, and an actor placed across them
            # (a parked car) must keep its own heading, not take a turn's.
            if abs(alignment) > LANE_ALIGNMENT_COS:
                try:
                    lane_route = LaneRoute(road=road, lane_id=found.lane_id, forward=alignment > 0)
                    projected = lane_route.project(pose.x_m, pose.y_m)
                except WorldError:
                    projected = None
                if projected is not None:
                    return lane_route, projected[0], projected[1]
        path, d = straight(pose)
        return path, d, 0.0

    # --- set-up -------------------------------------------------------------------------------

    def place_vut(self, reference: Pose, path: Route, speed_mps: float) -> None:
        """Where the VUT starts (reference point), the path it drives and its speed."""
        vut = self.model.entities[self.model.vut]
        self.vut_path = path
        self.states[self.model.vut] = EntityState(vut, reference, vut.center(reference), speed_mps, 0.0)

    def initialize(self) -> None:
        """Run ``Init`` for every entity but the VUT (already placed), in document order; an entity
        placed relative to another waits until that one is placed."""
        pending: dict[str | None, list[ActionModel]] = {}
        for name, action in self.model.init:
            pending.setdefault(name, []).append(action)
        for action in pending.pop(None, []):
            action.start(self, None)
        waiting = dict(pending)
        while waiting:
            progressed = False
            for name in list(waiting):
                assert name is not None
                try:
                    self._initialize_entity(name, waiting[name])
                except NotPlacedError:
                    continue
                del waiting[name]
                progressed = True
            if not progressed:
                names = ", ".join(str(name) for name in waiting)
                raise malformed(
                    self.model.storyboard_node, f"Init places {names} relative to each other in a cycle"
                )
        for name in self.model.entities:
            if name != self.model.vut and name not in self.motions:
                raise malformed(self.model.entities[name].node, f"entity {name!r} is never placed in Init")
        for motion in self.motions.values():
            control = motion.longitudinal
            if isinstance(control, SpeedTransition) and control.duration_s <= 0.0:
                motion.speed_mps = control.target_speed_mps
        self._refresh_actors(0.0)

    def _initialize_entity(self, name: str, actions: list[ActionModel]) -> None:
        teleports = [action for action in actions if isinstance(action, TeleportModel)]
        if teleports:
            self.resolve(teleports[0].position)  # raises NotPlacedError until its reference is placed
        else:
            following = [action for action in actions if isinstance(action, FollowTrajectoryModel)]
            routes = [action for action in actions if isinstance(action, AssignRouteModel)]
            if following:
                first = following[0]
                path = self.trajectory_path(first.trajectory, first.node)
                self.motions[name] = ActorMotion(
                    self.model.entities[name], path, first.initial_offset_m or 0.0
                )
            elif routes:
                track = self.route_track(routes[0].route)
                self.place(name, track.path.pose_at(track.origin_m), routes[0].node)
        for action in actions:
            action.start(self, name)

    # --- stepping -----------------------------------------------------------------------------

    def _refresh_actors(self, time_s: float) -> None:
        for name, motion in self.motions.items():
            reference = motion.reference_pose()
            previous = self.states.get(name)
            standstill = 0.0
            if previous is not None and abs(motion.speed_mps) < 1e-3:
                standstill = previous.standstill_s + max(time_s - self.time_s, 0.0)
            self.states[name] = EntityState(
                motion.model, reference, motion.model.center(reference), motion.speed_mps, motion.accel_mps2,
                motion.traveled_m, standstill,
            )  # fmt: skip

    def _observe_vut(self, time_s: float, snapshots: Sequence[ActorSnapshot]) -> None:
        for snapshot in snapshots:
            if snapshot.id != EGO_ID:
                continue
            previous = self.states[self.model.vut]
            center = Pose(snapshot.x_m, snapshot.y_m, snapshot.heading_rad)
            moved = math.hypot(center.x_m - previous.center.x_m, center.y_m - previous.center.y_m)
            still = abs(snapshot.speed_mps) < 1e-3
            self.states[self.model.vut] = EntityState(
                previous.model, previous.model.reference(center), center, snapshot.speed_mps,
                snapshot.accel_mps2, previous.traveled_m + moved,
                previous.standstill_s + max(time_s - self.time_s, 0.0) if still else 0.0,
            )  # fmt: skip

    def update(self, time_s: float, snapshots: Sequence[ActorSnapshot]) -> None:
        """Bring the storyboard to ``time_s`` (once per time, whichever actor asks first)."""
        if self._updated_at is not None and time_s <= self._updated_at:
            return
        self._observe_vut(time_s, snapshots)
        self._refresh_actors(time_s)
        self._previous_time_s = self.time_s if self._updated_at is not None else -math.inf
        self.time_s = time_s
        for condition in self.model.conditions:
            condition.update(self)
        self.model.storyboard.advance(time_s, self)
        self._updated_at = time_s

    def move(self, name: str, state: ActorState, time_s: float, dt_s: float) -> None:
        motion = self.motions[name]
        motion.advance(time_s, dt_s, self)
        state.set_pose(motion.center_pose())
        state.speed_mps = motion.speed_mps
        state.accel_mps2 = motion.accel_mps2

    def behaviour(self, name: str) -> ActorBehaviour:
        return ActorBehaviour(self, name)


@dataclass(eq=False, slots=True)
class ActorBehaviour:
    """The :class:`~sdvkit.world.actors.Behaviour` of one actor of an imported scenario."""

    runtime: StoryboardRuntime
    name: str

    def initial_state(self, spec: ActorSpec, t_s: float) -> ActorState:
        motion = self.runtime.motions[self.name]
        x, y, heading = motion.center_pose()
        return ActorState(x, y, heading, motion.speed_mps, 0.0)

    def advance(
        self, state: ActorState, spec: ActorSpec, t_s: float, dt_s: float, others: Sequence[ActorSnapshot]
    ) -> None:
        self.runtime.update(t_s, others)
        self.runtime.move(self.name, state, t_s, dt_s)
