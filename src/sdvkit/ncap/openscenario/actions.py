"""Actions: the models :mod:`.action_reader` reads, which start controls on actors at run time.

Supported: ``SpeedAction`` (absolute or relative target; step, linear, cubic or sinusoidal
dynamics by time, rate or distance), ``LongitudinalDistanceAction`` (without dynamic
constraints), ``SynchronizeAction``, ``LaneChangeAction``, ``LaneOffsetAction`` (absolute
target), ``TeleportAction``, ``AssignRouteAction``, ``FollowTrajectoryAction`` (``TimeReference``
``None``), a ``VisibilityAction`` that keeps the actor visible, and the global
``VariableAction`` and ``EnvironmentAction`` (the latter in ``Init`` only). Anything else is
refused with an :class:`~sdvkit.ncap.errors.UnsupportedElementError` naming it.

Rates for cubic and sinusoidal speed changes are average rates (duration = change / rate); a
distance gives the duration at the average of the start and target speeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from sdvkit.ncap.openscenario.entities import EntityState
from sdvkit.ncap.openscenario.expressions import Value
from sdvkit.ncap.openscenario.motion import (
    ActorMotion,
    DistanceKeeping,
    LateralTransition,
    SpeedTransition,
    Synchronization,
)
from sdvkit.ncap.openscenario.parameters import convert
from sdvkit.ncap.openscenario.positions import PositionSpec, shifted_lane
from sdvkit.ncap.openscenario.tracks import RouteSpec, RouteTrack, TrajectorySpec
from sdvkit.ncap.openscenario.xmltree import Node, malformed
from sdvkit.world.actors import Route
from sdvkit.world.geometry import Pose
from sdvkit.world.roads import Road

__all__ = [
    "ActionHost",
    "ActionModel",
    "ActionRun",
    "AssignRouteModel",
    "DistanceActionModel",
    "FollowTrajectoryModel",
    "LateralModel",
    "NoEffectModel",
    "SpeedActionModel",
    "SynchronizeModel",
    "TeleportModel",
    "VariableModel",
]


class ActionHost(Protocol):
    """What actions do to the run (the storyboard runtime provides it)."""

    @property
    def time_s(self) -> float: ...

    def motion(self, name: str, node: Node) -> ActorMotion: ...

    def entity(self, name: str) -> EntityState | None: ...

    def resolve(self, position: PositionSpec) -> Pose: ...

    def place(self, name: str, pose: Pose, node: Node) -> None: ...

    def assign_route(self, name: str, track: RouteTrack, node: Node) -> None: ...

    def route_track(self, spec: RouteSpec) -> RouteTrack: ...

    def trajectory_path(self, spec: TrajectorySpec, node: Node, entity_pose: Pose | None = None) -> Route: ...

    def path_distance(self, name: str, pose: Pose, node: Node) -> float: ...

    def set_variable(self, name: str, value: Value, node: Node) -> None: ...

    def variable(self, name: str) -> Value: ...

    def road_heading(self, pose: Pose) -> float | None: ...

    def locate_lane(self, pose: Pose, node: Node) -> tuple[Road, float, float, int]:
        """(road, s, t, lane id) of a point; OpenScenarioError off the roads."""
        ...


class ActionRun(Protocol):
    """An action under way on one actor (or once): finished when done; ``stop`` ends it early
    (the actor then keeps its speed and path)."""

    @property
    def finished(self) -> bool: ...

    def stop(self) -> None: ...


@dataclass(slots=True)
class _Done:
    finished: bool = True

    def stop(self) -> None:
        """Nothing to stop: the action took effect at once."""


@dataclass(slots=True)
class _Following:
    """A trajectory being followed: done at its end, or once another path replaces it."""

    motion: ActorMotion
    path: Route

    @property
    def finished(self) -> bool:
        return self.motion.path is not self.path or self.motion.d_m >= self.path.length_m

    def stop(self) -> None:
        """The actor stays on the trajectory (and beyond its end, straight on)."""


@dataclass(eq=False, slots=True)
class ActionModel:
    """An action as the document gives it. ``private`` actions act on each actor of their
    maneuver group; the others act once."""

    node: Node
    name: str

    @property
    def private(self) -> bool:
        return True

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        raise NotImplementedError


@dataclass(eq=False, slots=True)
class SpeedActionModel(ActionModel):
    shape: str
    dimension: str
    value: float
    absolute_mps: float | None
    relative_to: str | None = None
    relative_value: float = 0.0
    relative_factor: bool = False
    continuous: bool = False

    def target(self, host: ActionHost) -> float | None:
        if self.absolute_mps is not None:
            return self.absolute_mps
        assert self.relative_to is not None
        other = host.entity(self.relative_to)
        if other is None:
            return None
        speed = other.speed_mps
        return speed * self.relative_value if self.relative_factor else speed + self.relative_value

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        assert actor is not None
        motion = host.motion(actor, self.node)
        start_speed = motion.speed_mps
        target = self.target(host)
        if target is None:
            raise malformed(
                self.node, f"entity {self.relative_to!r} of the relative target speed is not in the run"
            )
        change = abs(target - start_speed)
        if self.shape == "step" or change == 0.0:
            duration = 0.0
        elif self.dimension == "time":
            duration = self.value
        elif self.dimension == "rate":
            duration = change / self.value
        else:
            average = 0.5 * abs(start_speed + target)
            duration = self.value / average if average > 1e-9 else 0.0
        control = SpeedTransition(
            start_s=host.time_s, start_speed_mps=start_speed, target_speed_mps=target, duration_s=duration,
            shape=self.shape, follow=(lambda: self.target(host)) if self.continuous else None,
        )  # fmt: skip
        motion.take_longitudinal(control)
        return control


@dataclass(eq=False, slots=True)
class DistanceActionModel(ActionModel):
    reference: str
    distance_m: float | None
    time_gap_s: float | None
    freespace: bool
    continuous: bool
    side: int
    by_road: bool

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        assert actor is not None
        motion = host.motion(actor, self.node)
        distance = self.distance_m
        if distance is None:
            other = host.entity(self.reference)
            distance = (self.time_gap_s or 0.0) * (abs(other.speed_mps) if other is not None else 0.0)
        control = DistanceKeeping(
            reference=self.reference, distance_m=distance, freespace=self.freespace,
            continuous=self.continuous, side=self.side,
            road_heading=host.road_heading if self.by_road else None,
        )  # fmt: skip
        motion.take_longitudinal(control)
        return control


@dataclass(eq=False, slots=True)
class SynchronizeModel(ActionModel):
    master: str
    master_position: PositionSpec
    position: PositionSpec
    final_speed_mps: float | None
    final_relative: tuple[float, bool] | None
    steady_m: float
    steady_s: float

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        assert actor is not None
        motion = host.motion(actor, self.node)
        master_target = host.path_distance(self.master, host.resolve(self.master_position), self.node)
        target_pose = host.resolve(self.position)
        projected = motion.path.project(target_pose.x_m, target_pose.y_m)
        if projected is None:
            raise malformed(self.position.node, f"the target position is not on the path of {actor!r}")
        final = self.final_speed_mps
        if self.final_relative is not None:
            master = host.entity(self.master)
            speed = master.speed_mps if master is not None else 0.0
            value, factor = self.final_relative
            final = speed * value if factor else speed + value
        control = Synchronization(
            master=self.master, master_target_d_m=master_target, target_d_m=projected[0],
            final_speed_mps=final, steady_m=self.steady_m, steady_s=self.steady_s,
        )  # fmt: skip
        motion.take_longitudinal(control)
        return control


@dataclass(eq=False, slots=True)
class LateralModel(ActionModel):
    """A lane change (to a lane) or a lane offset (within the lane)."""

    lane_target: tuple[str | None, int] | None
    """(entity the lane counts from or None for an absolute lane id, value)."""
    target_offset_m: float
    shape: str
    dimension: str
    value: float
    max_lateral_accel_mps2: float | None = None

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        assert actor is not None
        motion = host.motion(actor, self.node)
        pose = motion.reference_pose()
        road, s, t_now, lane_id = host.locate_lane(pose, self.node)
        target_lane = lane_id
        if self.lane_target is not None:
            entity, value = self.lane_target
            if entity is None:
                target_lane = value
            else:
                other = host.entity(entity)
                if other is None:
                    raise malformed(self.node, f"entity {entity!r} of the target lane is not in the run")
                _, _, _, other_lane = host.locate_lane(other.reference, self.node)
                target_lane = shifted_lane(other_lane, value)
        target_t = road.lane_center_t(target_lane, s) + self.target_offset_m
        along = math.cos(road.pose_at(s).heading_rad - motion.path.pose_at(motion.d_m).heading_rad) >= 0.0
        change = (target_t - t_now) * (1.0 if along else -1.0)
        if self.max_lateral_accel_mps2 is not None:
            span = _offset_duration(self.shape, abs(change), self.max_lateral_accel_mps2)
            by_distance = False
        else:
            span = 0.0 if self.shape == "step" else self.value
            by_distance = self.dimension == "distance"
        control = LateralTransition(
            start_m=motion.lateral_m, target_m=motion.lateral_m + change, shape=self.shape, span=span,
            by_distance=by_distance, start_s=host.time_s, start_d_m=motion.d_m,
        )  # fmt: skip
        motion.take_lateral(control)
        return control


def _offset_duration(shape: str, change_m: float, max_accel: float) -> float:
    """The shortest duration of a lateral move of ``shape`` within a peak lateral acceleration."""
    if shape in ("step", "linear") or change_m == 0.0:
        return 0.0
    if shape == "cubic":
        return math.sqrt(6.0 * change_m / max_accel)
    return math.pi * math.sqrt(change_m / (2.0 * max_accel))


@dataclass(eq=False, slots=True)
class TeleportModel(ActionModel):
    position: PositionSpec

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        assert actor is not None
        host.place(actor, host.resolve(self.position), self.node)
        return _Done()


@dataclass(eq=False, slots=True)
class AssignRouteModel(ActionModel):
    route: RouteSpec

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        assert actor is not None
        host.assign_route(actor, host.route_track(self.route), self.node)
        return _Done()


@dataclass(eq=False, slots=True)
class FollowTrajectoryModel(ActionModel):
    trajectory: TrajectorySpec
    initial_offset_m: float | None

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        assert actor is not None
        motion = host.motion(actor, self.node)
        pose = motion.reference_pose()
        path = host.trajectory_path(
            self.trajectory, self.node, pose if self.trajectory.needs_entity_pose else None
        )
        if self.initial_offset_m is not None:
            d = self.initial_offset_m
        else:
            projected = path.project(pose.x_m, pose.y_m)
            d = max(projected[0], 0.0) if projected is not None else 0.0
        motion.take_lateral(None)
        motion.path, motion.d_m, motion.lateral_m, motion.follows_track = path, d, 0.0, True
        return _Following(motion, path)


@dataclass(eq=False, slots=True)
class VariableModel(ActionModel):
    variable: str
    kind: str
    """``set``, ``add`` or ``multiply``."""
    value: str

    @property
    def private(self) -> bool:
        return False

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        current = host.variable(self.variable)
        if self.kind == "set":
            kind = (
                "boolean" if isinstance(current, bool) else "string" if isinstance(current, str) else "double"
            )
            host.set_variable(self.variable, convert(self.node, "value", self.value, kind), self.node)
        else:
            if isinstance(current, (bool, str)):
                raise malformed(self.node, f"variable {self.variable} is not a number")
            operand = float(convert(self.node, "value", self.value, "double"))
            result = current + operand if self.kind == "add" else current * operand
            host.set_variable(self.variable, result, self.node)
        return _Done()


@dataclass(eq=False, slots=True)
class NoEffectModel(ActionModel):
    """An action that changes nothing the bench models (a VisibilityAction that keeps all true)."""

    def start(self, host: ActionHost, actor: str | None) -> ActionRun:
        return _Done()
