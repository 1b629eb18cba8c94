"""Positions: read from the document into small models, resolved to world poses at run time.

Every position resolves to the pose of an entity's *reference point* (OpenSCENARIO's origin of
the entity: the rear axle centre of a vehicle, the centre of a pedestrian); the runtime turns it
into the box centre the world uses. Conventions (OpenSCENARIO leaves some open):

- ``offset``/``t`` of lane and road positions count to the left of the road's +s direction; a
  route's ``laneOffset`` and ``t`` to the left of the route's direction of travel.
- An ``Orientation`` without ``type`` is relative. Relative headings count from the road's +s
  direction (road and lane positions), the route's or trajectory's direction, or the reference
  entity's heading (object positions); a missing orientation is relative 0. Pitch and roll must
  be 0 (the world is flat).
- A ``RoutePosition``'s ``pathS`` counts along the route's lanes from its first waypoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sdvkit.ncap.openscenario.parameters import Scope
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported
from sdvkit.world.errors import WorldError
from sdvkit.world.geometry import Pose, wrap_angle
from sdvkit.world.network import RoadNetwork
from sdvkit.world.roads import Road

if TYPE_CHECKING:
    from sdvkit.ncap.openscenario.tracks import RouteSpec, RouteTrack, TrajectorySpec
    from sdvkit.world.actors import Route

__all__ = ["Orientation", "PositionContext", "PositionSpec", "read_position"]


class PositionContext(Protocol):
    """What resolving a position needs: the roads, entities' poses, routes and trajectories."""

    @property
    def network(self) -> RoadNetwork: ...

    def entity_pose(self, name: str, node: Node) -> Pose:
        """The reference-point pose of an entity now; OpenScenarioError if it has none."""
        ...

    def route_track(self, spec: RouteSpec) -> RouteTrack: ...

    def trajectory_path(self, spec: TrajectorySpec, node: Node) -> Route: ...


def shift_left(pose: Pose, offset_m: float) -> Pose:
    """``pose`` moved ``offset_m`` to its left."""
    return Pose(
        pose.x_m - offset_m * math.sin(pose.heading_rad),
        pose.y_m + offset_m * math.cos(pose.heading_rad),
        pose.heading_rad,
    )


@dataclass(frozen=True, slots=True)
class Orientation:
    heading_rad: float = 0.0
    relative: bool = True

    def apply(self, reference_rad: float) -> float:
        return wrap_angle(reference_rad + self.heading_rad if self.relative else self.heading_rad)


@dataclass(frozen=True, slots=True, eq=False)
class PositionSpec:
    """A position as the document gives it; :meth:`resolve` gives the world pose."""

    node: Node
    orientation: Orientation

    def entities(self) -> tuple[str, ...]:
        """The entities this position is relative to."""
        return ()

    def resolve(self, context: PositionContext) -> Pose:
        raise NotImplementedError

    def lane(self, context: PositionContext) -> tuple[str, int] | None:
        """The (road id, lane id) the position names, where it names one."""
        return None


def _road(context: PositionContext, node: Node, road_id: str) -> Road:
    try:
        return context.network.road(road_id)
    except WorldError as error:
        raise malformed(node, str(error)) from error


def _lane_pose(node: Node, road: Road, lane_id: int, s_m: float, offset_m: float) -> Pose:
    try:
        road.lane(lane_id, s_m)
        t = road.lane_center_t(lane_id, s_m) + offset_m
        return road.pose_at(s_m, t)
    except WorldError as error:
        raise malformed(node, f"lane {lane_id} at s={s_m:g} of road {road.id!r}: {error}") from error


def _road_pose(node: Node, road: Road, s_m: float, t_m: float) -> Pose:
    try:
        return road.pose_at(s_m, t_m)
    except WorldError as error:
        raise malformed(node, f"s={s_m:g}, t={t_m:g} on road {road.id!r}: {error}") from error


def _locate(context: PositionContext, node: Node, name: str) -> tuple[Road, float, float, int]:
    pose = context.entity_pose(name, node)
    found = context.network.locate(pose.x_m, pose.y_m)
    if found is None:
        raise malformed(node, f"entity {name!r} at ({pose.x_m:.2f}, {pose.y_m:.2f}) is on no road")
    return context.network.road(found.road_id), found.s_m, found.t_m, found.lane_id


@dataclass(frozen=True, slots=True, eq=False)
class WorldPosition(PositionSpec):
    x_m: float
    y_m: float

    def resolve(self, context: PositionContext) -> Pose:
        return Pose(self.x_m, self.y_m, self.orientation.apply(0.0))


@dataclass(frozen=True, slots=True, eq=False)
class RelativeWorldPosition(PositionSpec):
    entity: str
    dx_m: float
    dy_m: float

    def entities(self) -> tuple[str, ...]:
        return (self.entity,)

    def resolve(self, context: PositionContext) -> Pose:
        x, y, heading = context.entity_pose(self.entity, self.node)
        return Pose(x + self.dx_m, y + self.dy_m, self.orientation.apply(heading))


@dataclass(frozen=True, slots=True, eq=False)
class RelativeObjectPosition(PositionSpec):
    entity: str
    dx_m: float
    dy_m: float

    def entities(self) -> tuple[str, ...]:
        return (self.entity,)

    def resolve(self, context: PositionContext) -> Pose:
        x, y, heading = context.entity_pose(self.entity, self.node)
        c, s = math.cos(heading), math.sin(heading)
        return Pose(
            x + self.dx_m * c - self.dy_m * s,
            y + self.dx_m * s + self.dy_m * c,
            self.orientation.apply(heading),
        )


@dataclass(frozen=True, slots=True, eq=False)
class RoadPosition(PositionSpec):
    road_id: str
    s_m: float
    t_m: float

    def resolve(self, context: PositionContext) -> Pose:
        pose = _road_pose(self.node, _road(context, self.node, self.road_id), self.s_m, self.t_m)
        return Pose(pose.x_m, pose.y_m, self.orientation.apply(pose.heading_rad))

    def lane(self, context: PositionContext) -> tuple[str, int] | None:
        road = _road(context, self.node, self.road_id)
        lane_id = road.lane_id_at(min(max(self.s_m, 0.0), road.length_m), self.t_m)
        return None if lane_id is None else (road.id, lane_id)


@dataclass(frozen=True, slots=True, eq=False)
class RelativeRoadPosition(PositionSpec):
    entity: str
    ds_m: float
    dt_m: float

    def entities(self) -> tuple[str, ...]:
        return (self.entity,)

    def resolve(self, context: PositionContext) -> Pose:
        road, s, t, _ = _locate(context, self.node, self.entity)
        pose = _road_pose(self.node, road, s + self.ds_m, t + self.dt_m)
        return Pose(pose.x_m, pose.y_m, self.orientation.apply(pose.heading_rad))


@dataclass(frozen=True, slots=True, eq=False)
class LanePosition(PositionSpec):
    road_id: str
    lane_id: int
    s_m: float
    offset_m: float

    def resolve(self, context: PositionContext) -> Pose:
        road = _road(context, self.node, self.road_id)
        pose = _lane_pose(self.node, road, self.lane_id, self.s_m, self.offset_m)
        return Pose(pose.x_m, pose.y_m, self.orientation.apply(pose.heading_rad))

    def lane(self, context: PositionContext) -> tuple[str, int] | None:
        return (self.road_id, self.lane_id)


def shifted_lane(lane_id: int, delta: int) -> int:
    """``lane_id`` moved ``delta`` lanes to the left (+) or right (-), skipping the centre lane 0."""
    target = lane_id + delta
    if lane_id < 0 < target or (lane_id < 0 and target == 0):
        target += 1
    elif lane_id > 0 > target or (lane_id > 0 and target == 0):
        target -= 1
    return target


@dataclass(frozen=True, slots=True, eq=False)
class RelativeLanePosition(PositionSpec):
    entity: str
    d_lane: int
    ds_m: float
    along_lane: bool
    """True: ``ds_m`` counts along the lane's driving direction (``dsLane``), else along +s."""
    offset_m: float

    def entities(self) -> tuple[str, ...]:
        return (self.entity,)

    def resolve(self, context: PositionContext) -> Pose:
        road, s, _, lane_id = _locate(context, self.node, self.entity)
        target = shifted_lane(lane_id, self.d_lane)
        ds = self.ds_m if not self.along_lane or road.drives_forward(lane_id) else -self.ds_m
        pose = _lane_pose(self.node, road, target, s + ds, self.offset_m)
        return Pose(pose.x_m, pose.y_m, self.orientation.apply(pose.heading_rad))


@dataclass(frozen=True, slots=True, eq=False)
class RoutePosition(PositionSpec):
    route: RouteSpec
    path_s_m: float
    lane_id: int | None
    """Set for ``FromLaneCoordinates``; None for ``FromRoadCoordinates``."""
    lateral_m: float

    def resolve(self, context: PositionContext) -> Pose:
        track = context.route_track(self.route)
        if self.lane_id is not None:
            pose = track.lane_pose(self.node, self.path_s_m, self.lane_id, self.lateral_m)
        else:
            pose = track.road_pose(self.node, self.path_s_m, self.lateral_m)
        return Pose(pose.x_m, pose.y_m, self.orientation.apply(pose.heading_rad))


@dataclass(frozen=True, slots=True, eq=False)
class TrajectoryPosition(PositionSpec):
    trajectory: TrajectorySpec
    s_m: float
    t_m: float

    def resolve(self, context: PositionContext) -> Pose:
        pose = shift_left(context.trajectory_path(self.trajectory, self.node).pose_at(self.s_m), self.t_m)
        return Pose(pose.x_m, pose.y_m, self.orientation.apply(pose.heading_rad))


def _orientation(node: Node, scope: Scope) -> Orientation:
    found = node.child("Orientation")
    if found is None:
        return Orientation()
    for angle in ("p", "r"):
        if abs(scope.number(found, angle, 0.0)) > 1e-9:
            raise unsupported(
                found, f"{angle}={scope.number(found, angle):g}: the world is flat (pitch and roll 0)"
            )
    kind = scope.choice(found, "type", ("relative", "absolute"), "relative")
    return Orientation(heading_rad=scope.number(found, "h", 0.0), relative=kind == "relative")


def read_position(node: Node, scope: Scope, tracks: TrackReader) -> PositionSpec:
    """A position model from ``<Position>`` (or from one of its alternatives directly)."""
    concrete = node.choice() if node.tag in ("Position", "PositionStart") else node
    orientation = _orientation(concrete, scope)
    tag = concrete.tag
    if tag == "WorldPosition":
        heading = scope.number(concrete, "h", 0.0)
        for angle in ("p", "r"):
            if abs(scope.number(concrete, angle, 0.0)) > 1e-9:
                raise unsupported(concrete, f"{angle} must be 0: the world is flat")
        return WorldPosition(
            concrete,
            Orientation(heading, relative=False),
            scope.number(concrete, "x"),
            scope.number(concrete, "y"),
        )
    if tag in ("RelativeWorldPosition", "RelativeObjectPosition"):
        kind = RelativeWorldPosition if tag == "RelativeWorldPosition" else RelativeObjectPosition
        return kind(
            concrete, orientation, scope.text(concrete, "entityRef"), scope.number(concrete, "dx"),
            scope.number(concrete, "dy"),
        )  # fmt: skip
    if tag == "RoadPosition":
        return RoadPosition(
            concrete, orientation, scope.text(concrete, "roadId"), scope.number(concrete, "s"),
            scope.number(concrete, "t"),
        )  # fmt: skip
    if tag == "RelativeRoadPosition":
        return RelativeRoadPosition(
            concrete, orientation, scope.text(concrete, "entityRef"), scope.number(concrete, "ds"),
            scope.number(concrete, "dt"),
        )  # fmt: skip
    if tag == "LanePosition":
        return LanePosition(
            concrete, orientation, scope.text(concrete, "roadId"), scope.integer(concrete, "laneId"),
            scope.number(concrete, "s"), scope.number(concrete, "offset", 0.0),
        )  # fmt: skip
    if tag == "RelativeLanePosition":
        along_lane = concrete.get("dsLane") is not None
        if along_lane == (concrete.get("ds") is not None):
            raise malformed(concrete, "<RelativeLanePosition> needs exactly one of ds and dsLane")
        return RelativeLanePosition(
            concrete, orientation, scope.text(concrete, "entityRef"), scope.integer(concrete, "dLane"),
            scope.number(concrete, "dsLane" if along_lane else "ds"), along_lane,
            scope.number(concrete, "offset", 0.0),
        )  # fmt: skip
    if tag == "RoutePosition":
        route = tracks.route(concrete.require("RouteRef"), scope)
        where = concrete.require("InRoutePosition").choice()
        if where.tag == "FromLaneCoordinates":
            return RoutePosition(
                concrete, orientation, route, scope.number(where, "pathS"), scope.integer(where, "laneId"),
                scope.number(where, "laneOffset", 0.0),
            )  # fmt: skip
        if where.tag == "FromRoadCoordinates":
            return RoutePosition(
                concrete, orientation, route, scope.number(where, "pathS"), None, scope.number(where, "t")
            )
        raise unsupported(where, "only FromLaneCoordinates and FromRoadCoordinates place a route position")
    if tag == "TrajectoryPosition":
        trajectory = tracks.trajectory(concrete.require("TrajectoryRef"), scope)
        return TrajectoryPosition(
            concrete, orientation, trajectory, scope.number(concrete, "s"), scope.number(concrete, "t", 0.0)
        )
    if tag == "GeoPosition":
        raise unsupported(concrete, "geographic positions need a map projection the bench does not have")
    raise unsupported(concrete, "this kind of position is not supported")


class TrackReader(Protocol):
    """Reads ``<RouteRef>``/``<TrajectoryRef>`` (inline or from a catalog) into specs."""

    def route(self, node: Node, scope: Scope) -> RouteSpec: ...

    def trajectory(self, node: Node, scope: Scope) -> TrajectorySpec: ...
