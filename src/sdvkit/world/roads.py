"""Roads with lanes, and the road network.

The model is OpenDRIVE's: a :class:`Road` has a reference line (``s`` along it, ``t`` to its left),
an optional lane offset (where the centre lane 0 sits in ``t``) and lane sections. Left lanes have
ids 1, 2, … outwards (``t`` > centre), right lanes −1, −2, …. A lane's road marks lie on its outer
border; the centre lane's marks lie on the centre line. Under right-hand traffic the right lanes
drive along +s. The lane model is in :mod:`sdvkit.world.lanes`, native builders in
:mod:`sdvkit.world.road_builders`, the network of roads and junctions in
:mod:`sdvkit.world.network` (its names are re-exported here).
"""

from __future__ import annotations

import importlib
import itertools
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from sdvkit.world.errors import RoadError
from sdvkit.world.geometry import Arc, Line, Pose, ReferenceLine, wrap_angle
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
    enum_value,
    mark_at,
    piece_at,
    pieces_max,
)

if TYPE_CHECKING:
    from sdvkit.world.network import Junction, JunctionConnection, MapHeader, RoadNetwork, RoadPosition

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
_NETWORK_NAMES = frozenset({"Junction", "JunctionConnection", "MapHeader", "RoadNetwork", "RoadPosition"})


def __getattr__(name: str) -> Any:
    """The network types live in :mod:`sdvkit.world.network`; imported on first use (it imports
    this module)."""
    if name in _NETWORK_NAMES:
        return getattr(importlib.import_module("sdvkit.world.network"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        owner = f"road link to {self.element_id!r}"
        object.__setattr__(
            self, "element_type", enum_value(ElementType, self.element_type, owner, "element_type")
        )
        if self.contact_point is not None:
            contact = enum_value(ContactPoint, self.contact_point, owner, "contact_point")
            object.__setattr__(self, "contact_point", contact)


class _Borders(NamedTuple):
    """The lane borders (``t``) at one ``s``: the centre lane's, then outwards on each side."""

    section: LaneSection
    center_t_m: float
    left_t_m: tuple[float, ...]
    right_t_m: tuple[float, ...]


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
    _line: tuple[float, float, float, float, float, float] | None = field(
        init=False, repr=False, compare=False
    )
    """``(x, y, heading, cos, sin, length)`` of a reference line that is one straight line."""
    _arc: tuple[float, float, float, float] | None = field(init=False, repr=False, compare=False)
    """``(x, y, radius, sign)`` of the centre of a reference line that is one arc."""
    _fixed_center_t: dict[int, float] = field(init=False, repr=False, compare=False)
    """Lanes whose centre keeps one ``t`` along the whole road (the usual case): their ``t``."""
    _fixed_borders: tuple[_Borders | None, ...] = field(init=False, repr=False, compare=False)
    """Per lane section: its borders (centre, left, right) where they keep one ``t``, else None."""
    t_limits_m: tuple[float, float] = field(init=False, repr=False, compare=False)
    """``(t_min, t_max)``: no lane of the road reaches beyond these (a bound, exact where the
    widths and the lane offset are constant)."""

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
        object.__setattr__(self, "rule", enum_value(TrafficRule, self.rule, owner, "rule"))
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
        segments = self.reference_line.segments
        line = None
        if len(segments) == 1 and type(segments[0]) is Line:
            x, y, heading = segments[0].x_m, segments[0].y_m, segments[0].heading_rad
            line = (x, y, heading, math.cos(heading), math.sin(heading), segments[0].length_m)
        object.__setattr__(self, "_line", line)
        arc = None
        if len(segments) == 1 and type(segments[0]) is Arc and segments[0].curvature_per_m:
            first = segments[0]
            radius = 1.0 / first.curvature_per_m
            center = (
                first.x_m - radius * math.sin(first.heading_rad),
                first.y_m + radius * math.cos(first.heading_rad),
            )
            arc = (*center, radius, math.copysign(1.0, radius))
        object.__setattr__(self, "_arc", arc)
        self._cache_borders()

    def _cache_borders(self) -> None:
        """Where the borders keep one ``t`` (constant widths and lane offset), compute them once."""
        sections, lane_offsets = self.lane_sections, self.lane_offsets
        # Only a lane offset that is one constant from s = 0 on keeps the centre lane at one t.
        constant_offset = not lane_offsets or (
            len(lane_offsets) == 1
            and lane_offsets[0].s_m == 0.0
            and not (lane_offsets[0].b or lane_offsets[0].c or lane_offsets[0].d)
        )
        offset_bound = pieces_max(lane_offsets, 0.0, self.length_m, extend_first=False, absolute=True)
        fixed_borders: list[_Borders | None] = []
        t_min = t_max = 0.0
        for index, section in enumerate(sections):
            lanes = (*section.left, *section.right)
            end = sections[index + 1].s_m if index + 1 < len(sections) else self.length_m
            if constant_offset and all(
                len(lane.widths) == 1 and not (lane.widths[0].b or lane.widths[0].c or lane.widths[0].d)
                for lane in lanes
            ):
                center = lane_offsets[0].a if lane_offsets else 0.0
                left = tuple(
                    itertools.accumulate((lane.width_at(0.0) for lane in section.left), initial=center)
                )
                right = tuple(
                    itertools.accumulate((-lane.width_at(0.0) for lane in section.right), initial=center)
                )
                fixed_borders.append(_Borders(section, center, left[1:], right[1:]))
                t_min, t_max = min(t_min, right[-1], center), max(t_max, left[-1], center)
                continue
            fixed_borders.append(None)
            widths = [
                pieces_max(lane.widths, 0.0, end - section.s_m, extend_first=True, absolute=False)
                for lane in lanes
            ]
            t_max = max(t_max, offset_bound + sum(widths[: len(section.left)]))
            t_min = min(t_min, -offset_bound - sum(widths[len(section.left) :]))
        object.__setattr__(self, "_fixed_borders", tuple(fixed_borders))
        object.__setattr__(self, "t_limits_m", (t_min - 1e-9, t_max + 1e-9))
        fixed: dict[int, float] = {}
        if len(sections) == 1 and fixed_borders[0] is not None:
            borders = self._borders(0.0)
            for lane in (*sections[0].left, *sections[0].right):
                right_t, left_t = _bounds(borders, lane.id)
                fixed[lane.id] = 0.5 * (right_t + left_t)
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
        starts = self._section_starts
        index = 0 if len(starts) == 1 else piece_at(starts, s_m)
        fixed = self._fixed_borders[index]
        if fixed is not None:
            return fixed
        section = self.lane_sections[index]
        ds = s_m - section.s_m
        center = self.lane_offset_at(s_m)
        left = tuple(itertools.accumulate((lane.width_at(ds) for lane in section.left), initial=center))
        right = tuple(itertools.accumulate((-lane.width_at(ds) for lane in section.right), initial=center))
        return _Borders(section, center, left[1:], right[1:])

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
        return self._lane_line_pose(lane_id, self._check_s(s_m), 0.0)

    def lane_pose(self, lane_id: int, s_m: float, offset_m: float = 0.0) -> Pose:
        """The pose ``offset_m`` to the left of the lane's centre line at ``s_m``, left and heading
        as seen along the lane's driving direction (against +s for lanes that drive against s:
        the left lanes under right-hand traffic)."""
        check_finite(f"road {self.id!r}", "offset_m", offset_m)
        forward = self.drives_forward(lane_id)
        x, y, heading = self._lane_line_pose(lane_id, self._check_s(s_m), offset_m if forward else -offset_m)
        return Pose(x, y, heading if forward else wrap_angle(heading + math.pi))

    def _lane_line_pose(self, lane_id: int, s: float, shift_m: float) -> Pose:
        """The pose on the line ``shift_m`` (in ``t``) from the lane's centre line; heading along +s."""
        fixed = self._fixed_center_t.get(lane_id)
        if fixed is not None:
            line = self._line
            if line is None:
                return self.reference_line.pose_at(s, fixed + shift_m)
            x, y, heading, c, n, length = line
            t, ds = fixed + shift_m, min(s, length)
            return Pose(x + ds * c - t * n, y + ds * n + t * c, heading)
        borders = self._borders(s)
        right, left = _bounds(borders, lane_id)
        t = 0.5 * (right + left) + shift_m
        section = borders.section
        lanes = section.left if lane_id > 0 else section.right
        sign = 1.0 if lane_id > 0 else -1.0
        slope = self._lane_offset_slope(s)
        for lane in lanes[: abs(lane_id) - 1]:
            slope += sign * lane.width_slope_at(s - section.s_m)
        slope += 0.5 * sign * lanes[abs(lane_id) - 1].width_slope_at(s - section.s_m)
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
        return self._markings(borders, lane_id, s, t_m, heading_rad)

    def _markings(
        self, borders: _Borders, lane_id: int, s: float, t_m: float, heading_rad: float | None
    ) -> LaneMarkings:
        section = borders.section
        ds = s - section.s_m
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
            if self._line is not None:
                line_heading = self._line[2]
            else:
                segment, ds_line = self.reference_line.segment_at(s)
                line_heading = segment.pose_at(ds_line)[2]
            forward = math.cos(heading_rad - line_heading) >= 0.0
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
