"""The lane model: lane types, road marks, width polynomials, lanes and lane sections (OpenDRIVE's).

A lane's road marks lie on its outer border; the centre lane's marks (``LaneSection.center_marks``)
lie on the centre line. Widths and mark offsets count ``ds`` from the lane section's start.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sdvkit.world.errors import RoadError

_E = TypeVar("_E", bound=StrEnum)


class LaneType(StrEnum):
    """OpenDRIVE lane types (values as OpenDRIVE spells them)."""

    DRIVING = "driving"
    SHOULDER = "shoulder"
    BORDER = "border"
    SIDEWALK = "sidewalk"
    WALKING = "walking"
    BIKING = "biking"
    PARKING = "parking"
    MEDIAN = "median"
    CURB = "curb"
    RESTRICTED = "restricted"
    STOP = "stop"
    NONE = "none"
    ENTRY = "entry"
    EXIT = "exit"
    ON_RAMP = "onRamp"
    OFF_RAMP = "offRamp"
    CONNECTING_RAMP = "connectingRamp"
    BIDIRECTIONAL = "bidirectional"
    SLIP_LANE = "slipLane"
    MWY_ENTRY = "mwyEntry"
    MWY_EXIT = "mwyExit"
    ROAD_WORKS = "roadWorks"
    TRAM = "tram"
    RAIL = "rail"
    BUS = "bus"
    TAXI = "taxi"
    HOV = "HOV"
    SPECIAL1 = "special1"
    SPECIAL2 = "special2"
    SPECIAL3 = "special3"


class MarkingType(StrEnum):
    """Lane marking types; OpenDRIVE's spaces become underscores ("solid solid" → solid_solid)."""

    NONE = "none"
    SOLID = "solid"
    BROKEN = "broken"
    SOLID_SOLID = "solid_solid"
    SOLID_BROKEN = "solid_broken"
    BROKEN_SOLID = "broken_solid"
    BROKEN_BROKEN = "broken_broken"
    BOTTS_DOTS = "botts_dots"
    GRASS = "grass"
    CURB = "curb"
    EDGE = "edge"
    CUSTOM = "custom"


class MarkingColor(StrEnum):
    """Lane marking colours; "standard" is the country's usual colour (white in Europe)."""

    STANDARD = "standard"
    WHITE = "white"
    YELLOW = "yellow"
    BLUE = "blue"
    GREEN = "green"
    RED = "red"
    ORANGE = "orange"
    VIOLET = "violet"
    BLACK = "black"


def check_finite(owner: str, name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RoadError(f"{owner}: {name} must be a finite number, not {value!r}")


def enum_value(kind: type[_E], value: str, owner: str, name: str) -> _E:
    """``kind(value)``, or a RoadError naming the owner, the field, the value and the known values."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(repr(member.value) for member in kind)
        raise RoadError(f"{owner}: {name} must be one of {known}, not {value!r}") from None


@dataclass(frozen=True, kw_only=True, slots=True)
class Cubic:
    """a + b·ds + c·ds² + d·ds³ with ds = s − ``s_m`` (lane widths, lane offsets)."""

    s_m: float = 0.0
    a: float
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0

    def __post_init__(self) -> None:
        for name in ("s_m", "a", "b", "c", "d"):
            check_finite("Cubic", name, getattr(self, name))
        if self.s_m < 0:
            raise RoadError(f"Cubic: s_m must be >= 0, not {self.s_m!r}")

    def value(self, s_m: float) -> float:
        ds = s_m - self.s_m
        return self.a + ds * (self.b + ds * (self.c + ds * self.d))

    def slope(self, s_m: float) -> float:
        ds = s_m - self.s_m
        return self.b + ds * (2.0 * self.c + 3.0 * self.d * ds)


def piece_at(starts: tuple[float, ...], s_m: float) -> int:
    return max(bisect.bisect_right(starts, s_m) - 1, 0)


def pieces_max(
    pieces: tuple[Cubic, ...], start_m: float, end_m: float, *, extend_first: bool, absolute: bool
) -> float:
    """The largest value (``absolute``: |value|), and at least 0, within ``start_m``…``end_m`` of
    piecewise cubics, each from its ``s_m`` to the next one's (the first one also before its start
    if ``extend_first``)."""
    bound = 0.0
    for index, piece in enumerate(pieces):
        low = start_m if index == 0 and extend_first else max(piece.s_m, start_m)
        high = min(pieces[index + 1].s_m, end_m) if index + 1 < len(pieces) else end_m
        if high < low:
            continue
        # the extremes are at the ends or where the slope b + 2c·ds + 3d·ds² is zero
        candidates = [low, high]
        a2, b2, c2 = 3.0 * piece.d, 2.0 * piece.c, piece.b
        if a2:
            discriminant = b2 * b2 - 4.0 * a2 * c2
            if discriminant >= 0.0:
                root = math.sqrt(discriminant)
                candidates += [piece.s_m + (-b2 + root) / (2.0 * a2), piece.s_m + (-b2 - root) / (2.0 * a2)]
        elif b2:
            candidates.append(piece.s_m - c2 / b2)
        values = (piece.value(s) for s in candidates if low <= s <= high)
        bound = max(bound, *((abs(value) for value in values) if absolute else values))
    return bound


@dataclass(frozen=True, kw_only=True, slots=True)
class RoadMark:
    """A marking on a lane border, from ``s_offset_m`` into its lane section on."""

    s_offset_m: float = 0.0
    type: MarkingType
    color: MarkingColor = MarkingColor.STANDARD
    width_m: float = 0.12
    weight: str = "standard"
    lane_change: str = "both"

    def __post_init__(self) -> None:
        check_finite("RoadMark", "s_offset_m", self.s_offset_m)
        check_finite("RoadMark", "width_m", self.width_m)
        if self.s_offset_m < 0:
            raise RoadError(f"RoadMark: s_offset_m must be >= 0, not {self.s_offset_m!r}")
        if self.width_m < 0:
            raise RoadError(f"RoadMark: width_m must be >= 0, not {self.width_m!r}")
        object.__setattr__(self, "type", enum_value(MarkingType, self.type, "RoadMark", "type"))
        object.__setattr__(self, "color", enum_value(MarkingColor, self.color, "RoadMark", "color"))

    @property
    def visible(self) -> bool:
        return self.type is not MarkingType.NONE


NO_MARK = RoadMark(type=MarkingType.NONE, width_m=0.0)
"""The mark of a border that has none."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Lane:
    """One lane of a lane section: id (≠ 0), type, widths (ds from the section start) and marks."""

    id: int
    type: LaneType = LaneType.DRIVING
    widths: tuple[Cubic, ...]
    road_marks: tuple[RoadMark, ...] = ()
    predecessor_id: int | None = None
    successor_id: int | None = None
    _width_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _mark_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "road_marks", tuple(self.road_marks))
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id == 0:
            raise RoadError(f"Lane: id must be a non-zero integer, not {self.id!r}")
        try:
            object.__setattr__(self, "type", LaneType(self.type))
        except ValueError as error:
            raise RoadError(f"lane {self.id}: unknown type {self.type!r}") from error
        if not self.widths:
            raise RoadError(f"lane {self.id}: widths must not be empty")
        starts = tuple(width.s_m for width in self.widths)
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise RoadError(f"lane {self.id}: width s_m must increase, got {starts!r}")
        marks = tuple(mark.s_offset_m for mark in self.road_marks)
        if any(b < a for a, b in itertools.pairwise(marks)):
            raise RoadError(f"lane {self.id}: road mark s_offset_m must not decrease, got {marks!r}")
        object.__setattr__(self, "_width_starts", starts)
        object.__setattr__(self, "_mark_starts", marks)

    def _width_piece(self, ds_m: float) -> Cubic:
        widths = self.widths
        return widths[0] if len(widths) == 1 else widths[piece_at(self._width_starts, ds_m)]

    def width_at(self, ds_m: float) -> float:
        """The width ``ds_m`` into the lane section (never negative)."""
        return max(self._width_piece(ds_m).value(ds_m), 0.0)

    def width_slope_at(self, ds_m: float) -> float:
        """d(width)/ds ``ds_m`` into the lane section (0 where the width is clipped at 0)."""
        piece = self._width_piece(ds_m)
        return 0.0 if piece.value(ds_m) <= 0.0 else piece.slope(ds_m)

    def road_mark_at(self, ds_m: float) -> RoadMark:
        """The mark on this lane's outer border ``ds_m`` into the lane section."""
        if not self.road_marks or ds_m < self._mark_starts[0]:
            return NO_MARK
        return self.road_marks[piece_at(self._mark_starts, ds_m)]


def mark_at(marks: tuple[RoadMark, ...], ds_m: float) -> RoadMark:
    chosen = NO_MARK
    for mark in marks:
        if mark.s_offset_m <= ds_m:
            chosen = mark
    return chosen


@dataclass(frozen=True, kw_only=True, slots=True)
class LaneSection:
    """Lanes from ``s_m`` to the next section: left 1…n, right −1…−n, marks of the centre line."""

    s_m: float = 0.0
    left: tuple[Lane, ...] = ()
    right: tuple[Lane, ...] = ()
    center_marks: tuple[RoadMark, ...] = ()

    def __post_init__(self) -> None:
        check_finite("LaneSection", "s_m", self.s_m)
        if self.s_m < 0:
            raise RoadError(f"LaneSection: s_m must be >= 0, not {self.s_m!r}")
        left = tuple(sorted(self.left, key=lambda lane: lane.id))
        right = tuple(sorted(self.right, key=lambda lane: -lane.id))
        object.__setattr__(self, "left", left)
        object.__setattr__(self, "right", right)
        object.__setattr__(self, "center_marks", tuple(self.center_marks))
        if [lane.id for lane in left] != list(range(1, len(left) + 1)):
            raise RoadError(
                f"lane section at s={self.s_m}: left lane ids must be 1…{len(left)}, "
                f"got {[lane.id for lane in left]}"
            )
        if [lane.id for lane in right] != list(range(-1, -len(right) - 1, -1)):
            raise RoadError(
                f"lane section at s={self.s_m}: right lane ids must be -1…-{len(right)}, "
                f"got {[lane.id for lane in right]}"
            )

    def lane(self, lane_id: int) -> Lane:
        lanes = self.left if lane_id > 0 else self.right
        index = abs(lane_id) - 1
        if lane_id == 0 or index >= len(lanes):
            raise RoadError(f"lane section at s={self.s_m}: no lane {lane_id}")
        return lanes[index]
