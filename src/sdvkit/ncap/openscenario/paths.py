"""The paths actors follow: clothoid splines, polylines, routes through the road network.

- :class:`CurvePath` is a :class:`~sdvkit.world.actors.Route` along a chain of lines, arcs and
  clothoids (an OpenSCENARIO ``ClothoidSpline``), exact rather than sampled, continued along the
  end tangents beyond its ends.
- :class:`ShiftedPath` is a route moved sideways (left positive): an actor that keeps a lateral
  offset from a route or trajectory.
- :func:`plan_lanes` finds the lanes a route drives from waypoint to waypoint (the shortest
  chain of linked lanes), for a :class:`~sdvkit.world.routes.LinkedLaneRoute`.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from sdvkit.world.actors import PolylinePath, Route, _extend
from sdvkit.world.errors import WorldError
from sdvkit.world.geometry import Arc, Line, Pose, ReferenceLine, Segment, Spiral
from sdvkit.world.network import RoadNetwork

__all__ = ["CurvePath", "ShiftedPath", "SplinePiece", "clothoid_spline", "plan_lanes", "polyline", "straight"]


@dataclass(frozen=True, slots=True)
class SplinePiece:
    """One segment of a clothoid spline: curvature from start to end over ``length_m``, and an
    optional heading offset at its start."""

    curvature_start_per_m: float
    curvature_end_per_m: float
    length_m: float
    heading_offset_rad: float = 0.0


@dataclass(frozen=True, slots=True)
class CurvePath:
    """A route along a reference line of lines, arcs and clothoids (``d`` = its ``s``)."""

    line: ReferenceLine

    @property
    def length_m(self) -> float:
        return self.line.length_m

    def pose_at(self, d_m: float) -> Pose:
        if d_m <= 0.0:
            return _extend(self.line.pose_at(0.0), d_m)
        length = self.line.length_m
        if d_m >= length:
            return _extend(self.line.pose_at(length), d_m - length)
        return self.line.pose_at(d_m)

    def project(self, x_m: float, y_m: float) -> tuple[float, float]:
        s, t, inside = self.line.project(x_m, y_m)
        if inside:
            return s, t
        length = self.line.length_m
        candidates = []
        for anchor, base, outward in (
            (self.line.pose_at(0.0), 0.0, -1.0),
            (self.line.pose_at(length), length, 1.0),
        ):
            c, n = math.cos(anchor.heading_rad), math.sin(anchor.heading_rad)
            along = (x_m - anchor.x_m) * c + (y_m - anchor.y_m) * n
            lateral = -(x_m - anchor.x_m) * n + (y_m - anchor.y_m) * c
            candidates.append((math.hypot(max(outward * along, 0.0), lateral), base + along, lateral))
        _, d, lateral = min(candidates)
        return d, lateral


@dataclass(frozen=True, slots=True)
class ShiftedPath:
    """``base`` moved ``offset_m`` to its left (as seen along it); ``d`` is the base's."""

    base: Route
    offset_m: float

    @property
    def length_m(self) -> float:
        return self.base.length_m

    def pose_at(self, d_m: float) -> Pose:
        x, y, heading = self.base.pose_at(d_m)
        return Pose(x - self.offset_m * math.sin(heading), y + self.offset_m * math.cos(heading), heading)

    def project(self, x_m: float, y_m: float) -> tuple[float, float] | None:
        found = self.base.project(x_m, y_m)
        return None if found is None else (found[0], found[1] - self.offset_m)


def clothoid_spline(start: Pose, pieces: list[SplinePiece]) -> CurvePath:
    """The path of consecutive clothoid segments from ``start``; pieces of zero length are left
    out (they change nothing but a heading offset, which is kept)."""
    segments: list[Segment] = []
    x, y, heading = start
    s = 0.0
    for piece in pieces:
        heading += piece.heading_offset_rad
        if piece.length_m <= 0.0:
            continue
        k0, k1 = piece.curvature_start_per_m, piece.curvature_end_per_m
        common = {"s_m": s, "x_m": x, "y_m": y, "heading_rad": heading, "length_m": piece.length_m}
        segment: Segment
        if k0 == k1 == 0.0:
            segment = Line(**common)
        elif k0 == k1:
            segment = Arc(**common, curvature_per_m=k0)
        else:
            segment = Spiral(**common, curvature_start_per_m=k0, curvature_end_per_m=k1)
        segments.append(segment)
        x, y, heading = segment.pose_at(piece.length_m)
        s += piece.length_m
    if not segments:
        raise WorldError("a clothoid spline needs at least one segment of positive length")
    return CurvePath(ReferenceLine(segments=tuple(segments)))


def polyline(points: list[tuple[float, float]]) -> PolylinePath:
    """A polyline through the points, consecutive repeats left out."""
    kept: list[tuple[float, float]] = []
    for point in points:
        if not kept or math.hypot(point[0] - kept[-1][0], point[1] - kept[-1][1]) > 1e-9:
            kept.append(point)
    if len(kept) < 2:
        raise WorldError("a polyline needs at least two distinct vertices")
    return PolylinePath(waypoints=tuple(kept))


def straight(pose: Pose, behind_m: float = 1.0, ahead_m: float = 2000.0) -> tuple[PolylinePath, float]:
    """A straight path through ``pose`` along its heading, and the ``d`` of the pose on it."""
    c, n = math.cos(pose.heading_rad), math.sin(pose.heading_rad)
    start = (pose.x_m - behind_m * c, pose.y_m - behind_m * n)
    end = (pose.x_m + ahead_m * c, pose.y_m + ahead_m * n)
    return PolylinePath(waypoints=(start, end)), behind_m


def plan_lanes(
    network: RoadNetwork, start: tuple[str, int], goal: tuple[str, int], *, max_lanes: int = 64
) -> tuple[tuple[str, int], ...] | None:
    """The chain of linked lanes from ``start`` to ``goal`` (both ``(road id, lane id)``) with the
    least total lane length, or None when no chain links them."""
    if start == goal:
        return (start,)
    frontier: list[tuple[float, int, tuple[tuple[str, int], ...]]] = [(0.0, 0, (start,))]
    best: dict[tuple[str, int], float] = {start: 0.0}
    counter = 1
    while frontier:
        cost, _, chain = heapq.heappop(frontier)
        last = chain[-1]
        if last == goal:
            return chain
        if len(chain) >= max_lanes:
            continue
        for following in network.next_lanes(*last):
            step = network.road(following[0]).length_m if following != goal else 0.0
            total = cost + step
            if total < best.get(following, math.inf):
                best[following] = total
                heapq.heappush(frontier, (total, counter, (*chain, following)))
                counter += 1
    return None
