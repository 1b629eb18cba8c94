"""The road network: roads, junctions and their connections, and where a world point lies on it.

:class:`RoadNetwork` holds the roads (:mod:`sdvkit.world.roads`) and the junctions that connect
them. :meth:`RoadNetwork.locate` finds the lane that holds a world point; a grid of 20 m cells,
built once, names the few roads that can hold a point in each cell, so a query projects the
point onto those roads only. :meth:`RoadNetwork.next_lanes` follows the lane links (road to road,
and through junctions) for routes that chain lanes (:class:`~sdvkit.world.routes.LinkedLaneRoute`).
These names are also importable from :mod:`sdvkit.world.roads`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import NamedTuple

from sdvkit.world.errors import RoadError
from sdvkit.world.lanes import LaneType, enum_value
from sdvkit.world.roads import (
    ContactPoint,
    ElementType,
    LaneMarkings,
    Road,
    _Borders,
    _bounds,
    _lane_id,
)

__all__ = ["Junction", "JunctionConnection", "MapHeader", "RoadNetwork", "RoadPosition"]

_CELL_M = 20.0
"""The side of a cell of the locating grid."""
_SAMPLE_M = 5.0
"""Spacing of the reference-line samples that put a road in the grid's cells."""
_END_M = 1e-6
"""How far beyond its ends a point still projects onto a reference line (as ReferenceLine.project)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class JunctionConnection:
    """A connecting road leading from an incoming road; lane links are (incoming, connecting) ids."""

    id: str
    incoming_road_id: str
    connecting_road_id: str
    contact_point: ContactPoint
    lane_links: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        owner = f"junction connection {self.id!r}"
        object.__setattr__(
            self, "contact_point", enum_value(ContactPoint, self.contact_point, owner, "contact_point")
        )
        links: list[tuple[int, int]] = []
        for link in self.lane_links:
            pair = tuple(link) if isinstance(link, (tuple, list)) else ()
            if len(pair) != 2 or not all(isinstance(i, int) and not isinstance(i, bool) for i in pair):
                raise RoadError(f"{owner}: a lane link must be two lane ids (from, to), not {link!r}")
            links.append((pair[0], pair[1]))
        object.__setattr__(self, "lane_links", tuple(links))


@dataclass(frozen=True, kw_only=True, slots=True)
class Junction:
    """Where roads meet; its connecting roads are roads whose ``junction_id`` is this id."""

    id: str
    name: str = ""
    connections: tuple[JunctionConnection, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "connections", tuple(self.connections))


@dataclass(frozen=True, kw_only=True, slots=True)
class MapHeader:
    """What a map file says about itself (OpenDRIVE ``<header>``)."""

    name: str = ""
    rev_major: int = 1
    rev_minor: int = 0
    date: str = ""
    vendor: str = ""
    north_m: float = 0.0
    south_m: float = 0.0
    east_m: float = 0.0
    west_m: float = 0.0


class RoadPosition(NamedTuple):
    """Where a world point is on the network."""

    road_id: str
    s_m: float
    t_m: float
    lane_id: int


def _hold(road: Road, x_m: float, y_m: float) -> tuple[float, float, _Borders, int] | None:
    """``(s, t, borders, lane id)`` of a world point in a lane of ``road``; None elsewhere. Cheap
    where it can be: a straight or circular reference line, points beyond the road's ``t``."""
    segments = road.reference_line.segments
    low, high = road.t_limits_m
    if len(segments) == 1:
        segment = segments[0]
        line = road._line
        if line is None:
            arc = road._arc
            if arc is not None:  # the distance from the centre tells t: reject early
                t = arc[2] - arc[3] * math.hypot(x_m - arc[0], y_m - arc[1])
                if not low - 1e-6 <= t <= high + 1e-6:
                    return None
            ds, t = segment.project(x_m, y_m)
        else:
            dx, dy = x_m - line[0], y_m - line[1]
            ds, t = dx * line[3] + dy * line[4], dy * line[3] - dx * line[4]
        length = segment.length_m
        if not -_END_M <= ds <= length + _END_M:
            return None
        s = min(max(segment.s_m + min(max(ds, 0.0), length), 0.0), road.length_m)
    else:
        coords = road.try_road_coords(x_m, y_m)
        if coords is None:
            return None
        s, t = coords
    if not low <= t <= high:
        return None
    borders = road._borders(s)
    lane_id = _lane_id(borders, t)
    return None if lane_id is None else (s, t, borders, lane_id)


def _cells(road: Road) -> set[tuple[int, int]]:
    """Every grid cell that a point of a lane of ``road`` can lie in.

    Every point of the reference line is within half the sample spacing of a sample, and every
    lane point within the road's ``t`` limits of the reference line: a square of that reach around
    each sample holds them all.
    """
    low, high = road.t_limits_m
    samples: list[tuple[float, float]] = []
    spacing = 0.0
    for segment in road.reference_line.segments:
        count = max(1, math.ceil(segment.length_m / _SAMPLE_M))
        spacing = max(spacing, segment.length_m / count)
        samples.extend(segment.pose_at(segment.length_m * i / count)[:2] for i in range(count + 1))
    reach = max(-low, high) + 0.5 * spacing + 1e-3
    cells: set[tuple[int, int]] = set()
    for (x0, y0), (x1, y1) in itertools.pairwise(samples):
        for i in range(
            math.floor((min(x0, x1) - reach) / _CELL_M), math.floor((max(x0, x1) + reach) / _CELL_M) + 1
        ):
            for j in range(
                math.floor((min(y0, y1) - reach) / _CELL_M), math.floor((max(y0, y1) + reach) / _CELL_M) + 1
            ):
                cells.add((i, j))
    return cells


@dataclass(frozen=True, kw_only=True, slots=True)
class RoadNetwork:
    """Roads and junctions. Every link must name a road or junction of the network."""

    roads: tuple[Road, ...]
    junctions: tuple[Junction, ...] = ()
    header: MapHeader = field(default_factory=MapHeader)
    _by_id: dict[str, Road] = field(init=False, repr=False, compare=False)
    _junctions_by_id: dict[str, Junction] = field(init=False, repr=False, compare=False)
    _grid: dict[tuple[int, int], tuple[Road, ...]] = field(init=False, repr=False, compare=False)
    """The roads that can hold a point of each cell: roads outside junctions first."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "roads", tuple(self.roads))
        object.__setattr__(self, "junctions", tuple(self.junctions))
        roads: dict[str, Road] = {}
        for road in self.roads:
            if road.id in roads:
                raise RoadError(f"road network: road id {road.id!r} is used twice")
            roads[road.id] = road
        junctions: dict[str, Junction] = {}
        for junction in self.junctions:
            if junction.id in junctions:
                raise RoadError(f"road network: junction id {junction.id!r} is used twice")
            junctions[junction.id] = junction
        for road in self.roads:
            for which, link in (("predecessor", road.predecessor), ("successor", road.successor)):
                if link is None:
                    continue
                known = roads if link.element_type is ElementType.ROAD else junctions
                if link.element_id not in known:
                    raise RoadError(
                        f"road {road.id!r}: {which} names {link.element_type.value} "
                        f"{link.element_id!r}, which is not in the network"
                    )
            if road.junction_id is not None and road.junction_id not in junctions:
                raise RoadError(f"road {road.id!r}: junction {road.junction_id!r} is not in the network")
        for junction in self.junctions:
            for connection in junction.connections:
                for role in ("incoming_road_id", "connecting_road_id"):
                    if getattr(connection, role) not in roads:
                        raise RoadError(
                            f"junction {junction.id!r}, connection {connection.id!r}: {role} "
                            f"{getattr(connection, role)!r} is not in the network"
                        )
        object.__setattr__(self, "_by_id", roads)
        object.__setattr__(self, "_junctions_by_id", junctions)
        grid: dict[tuple[int, int], list[Road]] = {}
        ordered = sorted(self.roads, key=lambda road: road.junction_id is not None)
        for road in ordered:
            for cell in _cells(road):
                grid.setdefault(cell, []).append(road)
        object.__setattr__(self, "_grid", {cell: tuple(held) for cell, held in grid.items()})

    def road(self, road_id: str) -> Road:
        try:
            return self._by_id[road_id]
        except KeyError:
            raise RoadError(f"road network: no road {road_id!r} (roads: {sorted(self._by_id)})") from None

    def junction(self, junction_id: str) -> Junction:
        try:
            return self._junctions_by_id[junction_id]
        except KeyError:
            raise RoadError(f"road network: no junction {junction_id!r}") from None

    def connections_from(self, road_id: str) -> tuple[JunctionConnection, ...]:
        """The junction connections whose incoming road is ``road_id``."""
        self.road(road_id)
        return tuple(
            connection
            for junction in self.junctions
            for connection in junction.connections
            if connection.incoming_road_id == road_id
        )

    def next_lanes(self, road_id: str, lane_id: int) -> tuple[tuple[str, int], ...]:
        """The lanes ``(road id, lane id)`` that traffic in the lane can drive on to where it
        leaves the road (its end for lanes driving along +s, else its start), by the lane links:
        to the linked road, or through the junction's connecting roads; () at a dead end."""
        road = self.road(road_id)
        forward = road.drives_forward(lane_id)
        section = road.lane_sections[-1 if forward else 0]
        lane = section.lane(lane_id)
        link = road.successor if forward else road.predecessor
        if link is None:
            return ()
        if link.element_type is ElementType.ROAD:
            linked = lane.successor_id if forward else lane.predecessor_id
            if linked is None or not self._drives_away(link.element_id, linked, link.contact_point):
                return ()
            return ((link.element_id, linked),)
        return tuple(
            (connection.connecting_road_id, to_lane)
            for connection in self.junction(link.element_id).connections
            if connection.incoming_road_id == road_id
            for from_lane, to_lane in connection.lane_links
            if from_lane == lane_id
            and self._drives_away(connection.connecting_road_id, to_lane, connection.contact_point)
        )

    def _drives_away(self, road_id: str, lane_id: int, contact: ContactPoint | None) -> bool:
        """Whether traffic in the lane drives away from the road's end ``contact`` (where known)."""
        if contact is None:
            return True
        return self.road(road_id).drives_forward(lane_id) == (contact is ContactPoint.START)

    def _find(self, x_m: float, y_m: float) -> tuple[Road, float, float, _Borders, int] | None:
        """The road, ``s``, ``t``, borders and lane id of a world point (see :meth:`locate`)."""
        candidates = self._grid.get((math.floor(x_m / _CELL_M), math.floor(y_m / _CELL_M)))
        if candidates is None:
            return None
        if len(candidates) == 1:
            road = candidates[0]
            held = _hold(road, x_m, y_m)
            return None if held is None else (road, *held)
        best: tuple[Road, float, float, _Borders, int] | None = None
        best_key = (2, 2, math.inf)
        for road in candidates:
            in_junction = 0 if road.junction_id is None else 1
            if in_junction > best_key[0]:
                break  # the roads outside junctions come first, and they win
            held = _hold(road, x_m, y_m)
            if held is None:
                continue
            s, t, borders, lane_id = held
            right, left = _bounds(borders, lane_id)
            key = (
                in_junction,
                0 if borders.section.lane(lane_id).type is LaneType.DRIVING else 1,
                abs(t - 0.5 * (right + left)),
            )
            if key < best_key:
                best_key, best = key, (road, s, t, borders, lane_id)
        return best

    def locate(self, x_m: float, y_m: float) -> RoadPosition | None:
        """The lane that holds a world point; roads outside junctions win, then driving lanes,
        then the lane whose centre is nearest (then the road listed first). None off every road."""
        found = self._find(x_m, y_m)
        if found is None:
            return None
        road, s, t, _, lane_id = found
        return RoadPosition(road.id, s, t, lane_id)

    def lane_markings(self, x_m: float, y_m: float, heading_rad: float | None = None) -> LaneMarkings | None:
        """:meth:`Road.lane_markings` at the lane :meth:`locate` finds; None off every road."""
        found = self._find(x_m, y_m)
        if found is None:
            return None
        road, s, t, borders, lane_id = found
        return road._markings(borders, lane_id, s, t, heading_rad)
