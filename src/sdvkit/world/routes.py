"""Routes that chain lanes across roads and junctions.

:class:`LinkedLaneRoute` drives lanes one after the other, each in its own driving direction,
following the lane links of the network (road to road, and through a junction's connecting
roads): a left turn across the oncoming traffic at an intersection, for instance. Its distance is
the arc length along the lanes' centre lines (or the lines ``offset_m`` to their left), so a
scripted speed is the speed the actor really drives, in the bends of a junction too.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

from sdvkit.world.actors import _extend, _finite
from sdvkit.world.errors import ActorError
from sdvkit.world.geometry import Pose, wrap_angle
from sdvkit.world.network import RoadNetwork
from sdvkit.world.roads import Road

__all__ = ["LinkedLaneRoute"]

_SAMPLE_M = 0.25
"""Spacing in ``s`` of the samples that give a lane line's arc length."""


@dataclass(frozen=True, slots=True)
class _Leg:
    """One lane of the route: its line (``shift_m`` in ``t`` from the lane centre) and the arc
    length along it (in the driving direction) at ascending ``s``."""

    road: Road
    lane_id: int
    forward: bool
    shift_m: float
    s_up: tuple[float, ...]
    arc_up: tuple[float, ...]
    """Arc length from where the leg starts, at each of ``s_up`` (descending if not ``forward``)."""
    arc_drive: tuple[float, ...]
    """The same samples in the driving direction: ascending arc length, and the ``s`` of each."""
    s_drive: tuple[float, ...]

    @property
    def length_m(self) -> float:
        return self.arc_drive[-1]

    def pose_at(self, arc_m: float) -> Pose:
        arcs, ss = self.arc_drive, self.s_drive
        index = min(max(bisect.bisect_right(arcs, arc_m) - 1, 0), len(arcs) - 2)
        fraction = (arc_m - arcs[index]) / (arcs[index + 1] - arcs[index])
        s = ss[index] + fraction * (ss[index + 1] - ss[index])
        x, y, heading = self.road._lane_line_pose(
            self.lane_id, min(max(s, 0.0), self.road.length_m), self.shift_m
        )
        return Pose(x, y, heading if self.forward else wrap_angle(heading + math.pi))

    def arc_at(self, s_m: float) -> float:
        ss, arcs = self.s_up, self.arc_up
        index = min(max(bisect.bisect_right(ss, s_m) - 1, 0), len(ss) - 2)
        fraction = (s_m - ss[index]) / (ss[index + 1] - ss[index])
        return arcs[index] + fraction * (arcs[index + 1] - arcs[index])


def _leg(road: Road, lane_id: int, shift_m: float) -> _Leg:
    forward = road.drives_forward(lane_id)
    count = max(1, math.ceil(road.length_m / _SAMPLE_M))
    s_up = tuple(road.length_m * i / count for i in range(count + 1))
    points = [road._lane_line_pose(lane_id, s, shift_m)[:2] for s in s_up]
    arcs = [0.0]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        arcs.append(arcs[-1] + math.hypot(x1 - x0, y1 - y0))
    if forward:
        return _Leg(road, lane_id, forward, shift_m, s_up, tuple(arcs), tuple(arcs), s_up)
    arc_up = tuple(arcs[-1] - arc for arc in arcs)
    return _Leg(road, lane_id, forward, shift_m, s_up, arc_up, arc_up[::-1], s_up[::-1])


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkedLaneRoute:
    """Lanes ``(road id, lane id)`` driven one after the other, each in its own driving direction.

    Each lane must lead to the next by the network's lane links (:meth:`RoadNetwork.next_lanes`).
    ``d`` = 0 where the first lane's traffic enters its road and counts the arc length along the
    lane centre lines, or along the lines ``offset_m`` to their left (as seen while driving).
    Before the start and after the end the route goes straight on along the end tangents.
    """

    network: RoadNetwork
    lanes: tuple[tuple[str, int], ...]
    offset_m: float = 0.0
    _legs: tuple[_Leg, ...] = field(init=False, repr=False, compare=False)
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lanes = tuple((str(road_id), lane_id) for road_id, lane_id in self.lanes)
        object.__setattr__(self, "lanes", lanes)
        owner = "LinkedLaneRoute"
        _finite(owner, "offset_m", self.offset_m)
        if not lanes:
            raise ActorError(f"{owner}: lanes must name at least one (road id, lane id)")
        for (road_id, lane_id), following in itertools.pairwise(lanes):
            self.network.road(road_id).lane(lane_id)
            leads_to = self.network.next_lanes(road_id, lane_id)
            if following not in leads_to:
                raise ActorError(
                    f"{owner}: lane {lane_id} of road {road_id!r} does not lead to lane {following[1]} "
                    f"of road {following[0]!r}; it leads to {list(leads_to) or 'nothing'}"
                )
        legs = []
        for road_id, lane_id in lanes:
            road = self.network.road(road_id)
            road.lane(lane_id)
            forward = road.drives_forward(lane_id)
            legs.append(_leg(road, lane_id, self.offset_m if forward else -self.offset_m))
        starts = [0.0]
        for leg in legs:
            starts.append(starts[-1] + leg.length_m)
        object.__setattr__(self, "_legs", tuple(legs))
        object.__setattr__(self, "_starts", tuple(starts))

    @property
    def length_m(self) -> float:
        return self._starts[-1]

    def pose_at(self, d_m: float) -> Pose:
        if d_m <= 0.0:
            return _extend(self._legs[0].pose_at(0.0), d_m)
        if d_m >= self.length_m:
            last = self._legs[-1]
            return _extend(last.pose_at(last.length_m), d_m - self.length_m)
        index = min(bisect.bisect_right(self._starts, d_m) - 1, len(self._legs) - 1)
        return self._legs[index].pose_at(d_m - self._starts[index])

    def project(self, x_m: float, y_m: float) -> tuple[float, float] | None:
        """``(d, lateral)`` on the lane whose line passes nearest; None off the lanes' roads."""
        best: tuple[float, float] | None = None
        for leg, start in zip(self._legs, self._starts, strict=False):
            coords = leg.road.try_road_coords(x_m, y_m)
            if coords is None:
                continue
            lateral = coords.t_m - leg.road.lane_center_t(leg.lane_id, coords.s_m) - leg.shift_m
            if not leg.forward:
                lateral = -lateral
            if best is None or abs(lateral) < abs(best[1]):
                best = (start + leg.arc_at(coords.s_m), lateral)
        return best
