"""Roads with lanes, and the road network.

The model is OpenDRIVE's: a :class:`Road` has a reference line (``s`` along it, ``t`` to its left),
an optional lane offset (where the centre lane 0 sits in ``t``) and lane sections. Left lanes have
ids 1, 2, … outwards (``t`` > centre), right lanes −1, −2, …. A lane's road marks lie on its outer
border; the centre lane's marks lie on the centre line. Under right-hand traffic the right lanes
drive along +s. The lane model is in :mod:`sdvkit.world.lanes`, native builders in
:mod:`sdvkit.world.road_builders`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from sdvkit.world.errors import RoadError
from sdvkit.world.geometry import Pose, ReferenceLine, wrap_angle
from sdvkit.world.lanes import (
    NO_MARK,
    Cubic,
    Lane,
    LaneSection,
    LaneType,
    MarkingColor,
    MarkingType,
    RoadMark,
    check_finite,
    mark_at,
    piece_at,
)

__all__ = [
    "NO_MARK",
    "ContactPoint",
    "Cubic",
    "ElementType",
    "Junction",
    "JunctionConnection",
    "Lane",
    "LaneMarkings",
    "LaneSection",
    "LaneType",
    "MapHeader",
    "MarkingColor",
    "MarkingType",
    "Road",
    "RoadCoords",
    "RoadLink",
    "RoadMark",
    "RoadNetwork",
    "RoadPosition",
    "TrafficRule",
]

_S_TOLERANCE_M = 1e-6


class TrafficRule(StrEnum):
    """Right-hand traffic (right lanes drive along +s) or left-hand traffic."""

    RHT = "RHT"
    LHT = "LHT"


class ElementType(StrEnum):
    ROAD = "road"
    JUNCTION = "junction"


class ContactPoint(StrEnum):
    START = "start"
    END = "end"


class RoadCoords(NamedTuple):
    """A point in a road's frame: ``s_m`` along the reference line, ``t_m`` to its left."""

    s_m: float
    t_m: float


class LaneMarkings(NamedTuple):
    """Where a point sits in its lane, seen along a heading (or the lane's driving direction).

    Distances are lateral, from the point to the border line (the marking's centre) and to the
    road's edges; they are positive while the point is inside.
    """

    road_id: str
    lane_id: int
    s_m: float
    t_m: float
    left_distance_m: float
    right_distance_m: float
    left_mark: RoadMark
    right_mark: RoadMark
    left_edge_distance_m: float
    right_edge_distance_m: float


@dataclass(frozen=True, kw_only=True, slots=True)
class RoadLink:
    """A road's predecessor or successor: a road (and which end of it touches) or a junction."""

    element_type: ElementType
    element_id: str
    contact_point: ContactPoint | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "element_type", ElementType(self.element_type))
        if self.contact_point is not None:
            object.__setattr__(self, "contact_point", ContactPoint(self.contact_point))


class _Borders(NamedTuple):
    section: LaneSection
    ds_m: float
    center_t_m: float
    left_t_m: list[float]
    right_t_m: list[float]


@dataclass(frozen=True, kw_only=True, slots=True)
class Road:
    """A road: reference line, lane offset, lane sections, links and the junction it belongs to."""

    id: str
    length_m: float
    reference_line: ReferenceLine
    lane_sections: tuple[LaneSection, ...]
    lane_offsets: tuple[Cubic, ...] = ()
    name: str = ""
    junction_id: str | None = None
    predecessor: RoadLink | None = None
    successor: RoadLink | None = None
    rule: TrafficRule = TrafficRule.RHT
    _section_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _offset_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _fixed_center_t: dict[int, float] = field(init=False, repr=False, compare=False)
    """Lanes whose centre keeps one ``t`` along the whole road (the usual case): their ``t``."""

    def __post_init__(self) -> None:
        owner = f"road {self.id!r}"
        check_finite(owner, "length_m", self.length_m)
        if self.length_m <= 0:
            raise RoadError(f"{owner}: length_m must be > 0, not {self.length_m!r}")
        line_length = self.reference_line.length_m
        if abs(line_length - self.length_m) > 1e-2 + 1e-5 * self.length_m:
            raise RoadError(
                f"{owner}: length_m={self.length_m!r} but the reference line is {line_length!r} m long"
            )
        sections = tuple(self.lane_sections)
        object.__setattr__(self, "lane_sections", sections)
        object.__setattr__(self, "lane_offsets", tuple(self.lane_offsets))
        object.__setattr__(self, "rule", TrafficRule(self.rule))
        if not sections:
            raise RoadError(f"{owner}: lane_sections must not be empty")
        starts = tuple(section.s_m for section in sections)
        if abs(starts[0]) > _S_TOLERANCE_M:
            raise RoadError(f"{owner}: the first lane section must start at s=0, not {starts[0]!r}")
        if any(b <= a for a, b in itertools.pairwise(starts)) or starts[-1] >= self.length_m:
            raise RoadError(f"{owner}: lane section s must increase within the road, got {starts!r}")
        offsets = tuple(offset.s_m for offset in self.lane_offsets)
        if any(b <= a for a, b in itertools.pairwise(offsets)):
            raise RoadError(f"{owner}: lane offset s must increase, got {offsets!r}")
        object.__setattr__(self, "_section_starts", starts)
        object.__setattr__(self, "_offset_starts", offsets)
        fixed: dict[int, float] = {}
        constant = all(
            not (w.b or w.c or w.d) for lane in (*sections[0].left, *sections[0].right) for w in lane.widths
        )
        constant = constant and all(not (o.b or o.c or o.d) for o in self.lane_offsets)
        if (
            len(sections) == 1
            and constant
            and all(len(lane.widths) == 1 for lane in sections[0].left + sections[0].right)
        ):
            borders = self._borders(0.0)
            for lane in (*sections[0].left, *sections[0].right):
                right, left = _bounds(borders, lane.id)
                fixed[lane.id] = 0.5 * (right + left)
        object.__setattr__(self, "_fixed_center_t", fixed)

    # --- reference line -------------------------------------------------------------------

    def _check_s(self, s_m: float) -> float:
        if not -_S_TOLERANCE_M <= s_m <= self.length_m + _S_TOLERANCE_M:
            raise RoadError(f"road {self.id!r}: s={s_m!r} is outside 0…{self.length_m}")
        return min(max(s_m, 0.0), self.length_m)

    def pose_at(self, s_m: float, t_m: float = 0.0) -> Pose:
        """The point ``t_m`` left of the reference line at ``s_m``, with the heading along +s."""
        return self.reference_line.pose_at(self._check_s(s_m), t_m)

    def curvature_at(self, s_m: float, t_m: float = 0.0) -> float:
        """Curvature (1/m, positive turning left) of the line parallel to the reference line at ``t_m``."""
        k = self.reference_line.curvature_at(self._check_s(s_m))
        return k / (1.0 - k * t_m)

    def try_road_coords(self, x_m: float, y_m: float) -> RoadCoords | None:
        """The road coordinates of a world point, or None where it projects beyond either end."""
        s, t, inside = self.reference_line.project(x_m, y_m)
        return RoadCoords(min(max(s, 0.0), self.length_m), t) if inside else None

    def to_road_coords(self, x_m: float, y_m: float) -> RoadCoords:
        """The road coordinates (``s``, ``t``) of a world point; RoadError beyond either end."""
        coords = self.try_road_coords(x_m, y_m)
        if coords is None:
            raise RoadError(f"road {self.id!r}: point ({x_m}, {y_m}) lies beyond the road's ends")
        return coords

    # --- lanes ---------------------------------------------------------------------------

    def section_at(self, s_m: float) -> LaneSection:
        return self.lane_sections[piece_at(self._section_starts, s_m)]

    def lane_offset_at(self, s_m: float) -> float:
        """Where the centre lane sits, in ``t``."""
        if not self.lane_offsets or s_m < self._offset_starts[0]:
            return 0.0
        return self.lane_offsets[piece_at(self._offset_starts, s_m)].value(s_m)

    def _lane_offset_slope(self, s_m: float) -> float:
        if not self.lane_offsets or s_m < self._offset_starts[0]:
            return 0.0
        return self.lane_offsets[piece_at(self._offset_starts, s_m)].slope(s_m)

    def _borders(self, s_m: float) -> _Borders:
        section = self.section_at(s_m)
        ds = s_m - section.s_m
        center = self.lane_offset_at(s_m)
        left: list[float] = []
        t = center
        for lane in section.left:
            t += lane.width_at(ds)
            left.append(t)
        right: list[float] = []
        t = center
        for lane in section.right:
            t -= lane.width_at(ds)
            right.append(t)
        return _Borders(section, ds, center, left, right)

    def lane(self, lane_id: int, s_m: float = 0.0) -> Lane:
        """The lane ``lane_id`` of the section at ``s_m``; RoadError if there is none."""
        return self.section_at(self._check_s(s_m)).lane(lane_id)

    def lane_bounds(self, lane_id: int, s_m: float) -> tuple[float, float]:
        """``(t_right, t_left)``: the lane's borders at ``s_m``."""
        return _bounds(self._borders(self._check_s(s_m)), lane_id)

    def edges_at(self, s_m: float) -> tuple[float, float]:
        """``(t_right, t_left)``: the outer borders of the outermost lanes at ``s_m``."""
        borders = self._borders(self._check_s(s_m))
        right = borders.right_t_m[-1] if borders.right_t_m else borders.center_t_m
        left = borders.left_t_m[-1] if borders.left_t_m else borders.center_t_m
        return right, left

    def lane_id_at(self, s_m: float, t_m: float) -> int | None:
        """The id of the lane that holds the point, or None off the road."""
        borders = self._borders(self._check_s(s_m))
        return _lane_id(borders, t_m)

    def lane_at(self, s_m: float, t_m: float) -> Lane | None:
        """The lane that holds the point, or None off the road."""
        borders = self._borders(self._check_s(s_m))
        lane_id = _lane_id(borders, t_m)
        return None if lane_id is None else borders.section.lane(lane_id)

    def lane_center_t(self, lane_id: int, s_m: float) -> float:
        """Where the lane's centre line is, in ``t``."""
        fixed = self._fixed_center_t.get(lane_id)
        if fixed is not None:
            self._check_s(s_m)
            return fixed
        right, left = _bounds(self._borders(self._check_s(s_m)), lane_id)
        return 0.5 * (right + left)

    def drives_forward(self, lane_id: int) -> bool:
        """Whether traffic in the lane drives along +s (right lanes under RHT)."""
        return (lane_id < 0) == (self.rule is TrafficRule.RHT)

    def lane_center_pose(self, lane_id: int, s_m: float) -> Pose:
        """The pose on the lane's centre line at ``s_m``; heading along +s."""
        s = self._check_s(s_m)
        fixed = self._fixed_center_t.get(lane_id)
        if fixed is not None:
            return self.reference_line.pose_at(s, fixed)
        borders = self._borders(s)
        right, left = _bounds(borders, lane_id)
        t = 0.5 * (right + left)
        section = borders.section
        lanes = section.left if lane_id > 0 else section.right
        sign = 1.0 if lane_id > 0 else -1.0
        slope = self._lane_offset_slope(s)
        for lane in lanes[: abs(lane_id) - 1]:
            slope += sign * lane.width_slope_at(borders.ds_m)
        slope += 0.5 * sign * lanes[abs(lane_id) - 1].width_slope_at(borders.ds_m)
        segment, ds = self.reference_line.segment_at(s)
        x, y, heading = segment.pose_at(ds)
        k = segment.curvature_at(ds)
        heading_change = math.atan2(slope, 1.0 - k * t) if slope else 0.0
        return Pose(x - t * math.sin(heading), y + t * math.cos(heading), heading + heading_change)

    def lane_center_points(self, lane_id: int, step_m: float = 1.0) -> tuple[Pose, ...]:
        """The lane's centre line sampled every ``step_m`` (and at the road's end), along +s."""
        if not step_m > 0:
            raise RoadError(f"road {self.id!r}: step_m must be > 0, not {step_m!r}")
        count = max(1, math.ceil(self.length_m / step_m))
        return tuple(self.lane_center_pose(lane_id, self.length_m * i / count) for i in range(count + 1))

    def lane_markings(self, s_m: float, t_m: float, heading_rad: float | None = None) -> LaneMarkings | None:
        """The lane at (``s_m``, ``t_m``), its markings and distances, left/right as seen along
        ``heading_rad`` (default: the lane's driving direction); None off the road."""
        s = self._check_s(s_m)
        borders = self._borders(s)
        lane_id = _lane_id(borders, t_m)
        if lane_id is None:
            return None
        section, ds = borders.section, borders.ds_m
        lane = section.lane(lane_id)
        if lane_id > 0:
            low_t = borders.center_t_m if lane_id == 1 else borders.left_t_m[lane_id - 2]
            low_mark = (
                mark_at(section.center_marks, ds)
                if lane_id == 1
                else section.lane(lane_id - 1).road_mark_at(ds)
            )
            high_t, high_mark = borders.left_t_m[lane_id - 1], lane.road_mark_at(ds)
        else:
            high_t = borders.center_t_m if lane_id == -1 else borders.right_t_m[-lane_id - 2]
            high_mark = (
                mark_at(section.center_marks, ds)
                if lane_id == -1
                else section.lane(lane_id + 1).road_mark_at(ds)
            )
            low_t, low_mark = borders.right_t_m[-lane_id - 1], lane.road_mark_at(ds)
        edge_high = borders.left_t_m[-1] if borders.left_t_m else borders.center_t_m
        edge_low = borders.right_t_m[-1] if borders.right_t_m else borders.center_t_m
        if heading_rad is None:
            forward = self.drives_forward(lane_id)
        else:
            forward = math.cos(wrap_angle(heading_rad - self.reference_line.pose_at(s).heading_rad)) >= 0.0
        if forward:
            return LaneMarkings(
                self.id, lane_id, s, t_m, high_t - t_m, t_m - low_t, high_mark, low_mark,
                edge_high - t_m, t_m - edge_low,
            )  # fmt: skip
        return LaneMarkings(
            self.id, lane_id, s, t_m, t_m - low_t, high_t - t_m, low_mark, high_mark,
            t_m - edge_low, edge_high - t_m,
        )  # fmt: skip


def _bounds(borders: _Borders, lane_id: int) -> tuple[float, float]:
    borders.section.lane(lane_id)
    if lane_id > 0:
        inner = borders.center_t_m if lane_id == 1 else borders.left_t_m[lane_id - 2]
        return inner, borders.left_t_m[lane_id - 1]
    inner = borders.center_t_m if lane_id == -1 else borders.right_t_m[-lane_id - 2]
    return borders.right_t_m[-lane_id - 1], inner


def _lane_id(borders: _Borders, t_m: float) -> int | None:
    if t_m >= borders.center_t_m:
        for index, outer in enumerate(borders.left_t_m):
            if t_m <= outer:
                return index + 1
        if not borders.left_t_m and borders.right_t_m and t_m == borders.center_t_m:
            return -1
        return None
    for index, outer in enumerate(borders.right_t_m):
        if t_m >= outer:
            return -(index + 1)
    return None


# --- the network --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class JunctionConnection:
    """A connecting road leading from an incoming road; lane links are (incoming, connecting) ids."""

    id: str
    incoming_road_id: str
    connecting_road_id: str
    contact_point: ContactPoint
    lane_links: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "contact_point", ContactPoint(self.contact_point))
        object.__setattr__(self, "lane_links", tuple(tuple(link) for link in self.lane_links))


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


@dataclass(frozen=True, kw_only=True, slots=True)
class RoadNetwork:
    """Roads and junctions. Every link must name a road or junction of the network."""

    roads: tuple[Road, ...]
    junctions: tuple[Junction, ...] = ()
    header: MapHeader = field(default_factory=MapHeader)
    _by_id: dict[str, Road] = field(init=False, repr=False, compare=False)
    _junctions_by_id: dict[str, Junction] = field(init=False, repr=False, compare=False)

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

    def locate(self, x_m: float, y_m: float) -> RoadPosition | None:
        """The lane that holds a world point; roads outside junctions win, then driving lanes,
        then the lane whose centre is nearest. None off every road."""
        best: tuple[tuple[int, int, float], RoadPosition] | None = None
        for road in self.roads:
            coords = road.try_road_coords(x_m, y_m)
            if coords is None:
                continue
            borders = road._borders(coords.s_m)
            lane_id = _lane_id(borders, coords.t_m)
            if lane_id is None:
                continue
            lane = borders.section.lane(lane_id)
            center = road.lane_center_t(lane_id, coords.s_m)
            key = (
                0 if road.junction_id is None else 1,
                0 if lane.type is LaneType.DRIVING else 1,
                abs(coords.t_m - center),
            )
            if best is None or key < best[0]:
                best = (key, RoadPosition(road.id, coords.s_m, coords.t_m, lane_id))
        return None if best is None else best[1]

    def lane_markings(self, x_m: float, y_m: float, heading_rad: float | None = None) -> LaneMarkings | None:
        """:meth:`Road.lane_markings` at the lane :meth:`locate` finds; None off every road."""
        position = self.locate(x_m, y_m)
        if position is None:
            return None
        return self.road(position.road_id).lane_markings(position.s_m, position.t_m, heading_rad)
