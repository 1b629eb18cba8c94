"""Routes and trajectories: read from the document (inline or from a catalog), built into paths.

- A route (``<Route>``) is waypoints on lanes; it becomes a
  :class:`~sdvkit.world.routes.LinkedLaneRoute` through the shortest chain of linked lanes
  between consecutive waypoints (``routeStrategy="shortest"``; other strategies are refused).
- A trajectory (``<Trajectory>``) is a polyline through vertices, or a clothoid spline (a single
  ``<Clothoid>`` too), built exactly with :mod:`sdvkit.ncap.openscenario.paths`. A spline whose
  first segment gives no ``PositionStart`` starts where the entity stands when it starts
  following it. Vertex times are not used (the importer runs ``TimeReference`` ``None`` only),
  and an actor faces along a polyline whatever orientation its vertices give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sdvkit.ncap.openscenario.catalogs import Catalogs
from sdvkit.ncap.openscenario.parameters import Scope
from sdvkit.ncap.openscenario.paths import SplinePiece, clothoid_spline, plan_lanes, polyline
from sdvkit.ncap.openscenario.positions import PositionContext, PositionSpec, read_position, shift_left
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported
from sdvkit.world.actors import Route
from sdvkit.world.errors import WorldError
from sdvkit.world.geometry import Pose
from sdvkit.world.routes import LinkedLaneRoute

__all__ = ["RouteSpec", "RouteTrack", "Tracks", "TrajectorySpec"]


@dataclass(frozen=True, slots=True, eq=False)
class RouteSpec:
    node: Node
    name: str
    waypoints: tuple[PositionSpec, ...]


@dataclass(frozen=True, slots=True, eq=False)
class TrajectorySpec:
    """A polyline (``vertices``) or a clothoid spline (``pieces`` from ``start``, None: from the
    entity's pose when it starts following)."""

    node: Node
    name: str
    vertices: tuple[PositionSpec, ...] = ()
    pieces: tuple[SplinePiece, ...] = ()
    start: PositionSpec | None = None

    @property
    def needs_entity_pose(self) -> bool:
        return bool(self.pieces) and self.start is None

    def build(self, context: PositionContext, entity_pose: Pose | None = None) -> Route:
        try:
            if self.vertices:
                points = [vertex.resolve(context) for vertex in self.vertices]
                return polyline([(pose.x_m, pose.y_m) for pose in points])
            start = entity_pose if self.start is None else self.start.resolve(context)
            if start is None:
                raise malformed(self.node, "the spline gives no PositionStart and no entity pose is known")
            return clothoid_spline(start, list(self.pieces))
        except WorldError as error:
            raise malformed(self.node, f"trajectory {self.name!r}: {error}") from error


@dataclass(frozen=True, slots=True)
class RouteTrack:
    """A route built on the network: its lanes, and the route distance ``d`` of its first waypoint."""

    spec: RouteSpec
    path: LinkedLaneRoute
    origin_m: float

    def _pose(self, path_s_m: float) -> Pose:
        return self.path.pose_at(self.origin_m + path_s_m)

    def lane_pose(self, node: Node, path_s_m: float, lane_id: int, offset_m: float) -> Pose:
        """``FromLaneCoordinates``: ``lane_id`` names a lane of the route's first road (the route's
        own lane, or one beside it); ``offset_m`` counts left of the direction of travel."""
        road_id, route_lane = self.path.lanes[0]
        shift = 0.0
        if lane_id != route_lane:
            road = self.path.network.road(road_id)
            try:
                delta_t = road.lane_center_t(lane_id, 0.0) - road.lane_center_t(route_lane, 0.0)
            except WorldError as error:
                raise malformed(
                    node, f"lane {lane_id} is not beside route {self.spec.name!r}: {error}"
                ) from error
            shift = delta_t if road.drives_forward(route_lane) else -delta_t
        return shift_left(self._pose(path_s_m), shift + offset_m)

    def road_pose(self, node: Node, path_s_m: float, t_m: float) -> Pose:
        """``FromRoadCoordinates``: ``t_m`` left of the reference line of the road the route is on
        there, as seen along the route."""
        pose = self._pose(path_s_m)
        found = self.path.network.locate(pose.x_m, pose.y_m)
        if found is None:
            raise malformed(node, f"route {self.spec.name!r} at pathS={path_s_m:g} is on no road")
        road = self.path.network.road(found.road_id)
        along = road.pose_at(found.s_m)
        same_way = math.cos(along.heading_rad - pose.heading_rad) >= 0.0
        placed = road.pose_at(found.s_m, t_m if same_way else -t_m)
        return Pose(placed.x_m, placed.y_m, pose.heading_rad)

    def project(self, pose: Pose) -> tuple[float, float] | None:
        """(route ``pathS``, lateral) of a point, or None off the route's roads."""
        found = self.path.project(pose.x_m, pose.y_m)
        return None if found is None else (found[0] - self.origin_m, found[1])


def build_route(spec: RouteSpec, context: PositionContext) -> RouteTrack:
    """The lanes a route drives through its waypoints (shortest chain of linked lanes)."""
    lanes: list[tuple[str, int]] = []
    for waypoint in spec.waypoints:
        lane = waypoint.lane(context)
        if lane is None:
            pose = waypoint.resolve(context)
            found = context.network.locate(pose.x_m, pose.y_m)
            if found is None:
                raise malformed(waypoint.node, f"waypoint of route {spec.name!r} is on no lane")
            lane = (found.road_id, found.lane_id)
        if not lanes:
            lanes.append(lane)
            continue
        chain = plan_lanes(context.network, lanes[-1], lane)
        if chain is None:
            raise malformed(
                waypoint.node,
                f"route {spec.name!r}: no linked lanes lead from lane {lanes[-1][1]} of road "
                f"{lanes[-1][0]!r} to lane {lane[1]} of road {lane[0]!r}",
            )
        lanes.extend(chain[1:])
    try:
        path = LinkedLaneRoute(network=context.network, lanes=tuple(lanes))
    except WorldError as error:
        raise malformed(spec.node, f"route {spec.name!r}: {error}") from error
    first = spec.waypoints[0].resolve(context)
    projected = path.project(first.x_m, first.y_m)
    origin = 0.0 if projected is None else max(projected[0], 0.0)
    return RouteTrack(spec=spec, path=path, origin_m=origin)


@dataclass(slots=True)
class Tracks:
    """Reads routes and trajectories, inline or from the catalogs."""

    catalogs: Catalogs

    def route(self, node: Node, scope: Scope) -> RouteSpec:
        """A ``<RouteRef>`` or ``<AssignRouteAction>`` body: inline ``<Route>`` or a reference."""
        definition = node.choice(("Route", "CatalogReference"))
        if definition.tag == "CatalogReference":
            entry = self.catalogs.resolve(definition, scope, expected=("Route",))
            definition, scope = entry.node, entry.scope
        name = scope.text(definition, "name")
        if scope.boolean(definition, "closed", False):
            raise unsupported(definition, "closed routes (loops) are not supported")
        waypoints = []
        for waypoint in definition.all("Waypoint"):
            strategy = scope.text(waypoint, "routeStrategy", "shortest")
            if strategy != "shortest":
                raise unsupported(waypoint, f"routeStrategy={strategy!r}: only 'shortest' is planned")
            waypoints.append(read_position(waypoint.require("Position"), scope, self))
        if len(waypoints) < 2:
            raise malformed(definition, f"route {name!r} needs at least two waypoints")
        return RouteSpec(definition, name, tuple(waypoints))

    def trajectory(self, node: Node, scope: Scope) -> TrajectorySpec:
        """A ``<TrajectoryRef>`` body: inline ``<Trajectory>`` or a reference."""
        definition = node.choice(("Trajectory", "CatalogReference"))
        if definition.tag == "CatalogReference":
            entry = self.catalogs.resolve(definition, scope, expected=("Trajectory",))
            definition, scope = entry.node, entry.scope
        elif definition.child("ParameterDeclarations") is not None:
            raise unsupported(definition, "parameter declarations in an inline trajectory")
        name = scope.text(definition, "name")
        if scope.boolean(definition, "closed", False):
            raise unsupported(definition, "closed trajectories (loops) are not supported")
        shape = definition.require("Shape").choice()
        if shape.tag == "Polyline":
            vertices = tuple(
                read_position(vertex.require("Position"), scope, self) for vertex in shape.all("Vertex")
            )
            if len(vertices) < 2:
                raise malformed(shape, "a <Polyline> needs at least two vertices")
            return TrajectorySpec(definition, name, vertices=vertices)
        if shape.tag == "ClothoidSpline":
            return self._spline(definition, name, shape, scope)
        if shape.tag == "Clothoid":
            curvature = scope.number(shape, "curvature")
            rate = scope.number(shape, "curvaturePrime", scope.number(shape, "curvatureDot", 0.0))
            length = scope.number(shape, "length")
            start = read_position(shape.require("Position"), scope, self)
            piece = SplinePiece(curvature, curvature + rate * length, length)
            return TrajectorySpec(definition, name, pieces=(piece,), start=start)
        raise unsupported(shape, "only Polyline, Clothoid and ClothoidSpline shapes are supported")

    def _spline(self, definition: Node, name: str, shape: Node, scope: Scope) -> TrajectorySpec:
        pieces = []
        start = None
        for index, segment in enumerate(shape.all("ClothoidSplineSegment")):
            position = segment.child("PositionStart")
            if position is not None:
                if index:
                    raise unsupported(
                        position, "only the first segment of a ClothoidSpline may give PositionStart"
                    )
                start = read_position(position, scope, self)
            length = scope.number(segment, "length")
            if length < 0:
                raise malformed(segment, f"length={length:g} must not be negative")
            pieces.append(
                SplinePiece(
                    scope.number(segment, "curvatureStart"),
                    scope.number(segment, "curvatureEnd"),
                    length,
                    scope.number(segment, "hOffset", 0.0),
                )
            )
        if not pieces:
            raise malformed(shape, "<ClothoidSpline> has no <ClothoidSplineSegment>")
        return TrajectorySpec(definition, name, pieces=tuple(pieces), start=start)
