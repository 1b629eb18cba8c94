"""Collisions between oriented boxes: overlap (separating axes) and first contact within a step.

Over a step each box's pose is interpolated linearly (heading along the shorter way round).
:func:`first_contact` samples the step finely enough that no box can pass through another, then
bisects the first sub-interval that ends in overlap, so the impact time is exact to
``tolerance_s``. Velocities at impact are those of the box centres over the step (rotation is
not included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from sdvkit.world.errors import WorldError
from sdvkit.world.geometry import wrap_angle

BoxPose = tuple[float, float, float]
"""(x_m, y_m, heading_rad) of a box centre."""
BoxMotion = tuple[BoxPose, BoxPose, tuple[float, float]]
"""A box over a step: pose at its start, pose at its end, (length_m, width_m)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class OrientedBox:
    """A rectangle: centre, heading (along its length), length and width."""

    x_m: float
    y_m: float
    heading_rad: float
    length_m: float
    width_m: float

    def __post_init__(self) -> None:
        for name in ("x_m", "y_m", "heading_rad", "length_m", "width_m"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise WorldError(f"OrientedBox: {name} must be a finite number, not {value!r}")
        for name in ("length_m", "width_m"):
            if getattr(self, name) <= 0:
                raise WorldError(f"OrientedBox: {name} must be > 0, not {getattr(self, name)!r}")

    @property
    def pose(self) -> BoxPose:
        return (self.x_m, self.y_m, self.heading_rad)

    def moved(self, x_m: float, y_m: float, heading_rad: float) -> OrientedBox:
        """The same box at another pose."""
        return OrientedBox(
            x_m=x_m, y_m=y_m, heading_rad=heading_rad, length_m=self.length_m, width_m=self.width_m
        )

    def corners(self) -> tuple[tuple[float, float], ...]:
        """Front-left, front-right, rear-right, rear-left."""
        c = math.cos(self.heading_rad)
        s = math.sin(self.heading_rad)
        hl = 0.5 * self.length_m
        hw = 0.5 * self.width_m
        return tuple(
            (self.x_m + a * hl * c - b * hw * s, self.y_m + a * hl * s + b * hw * c)
            for a, b in ((1, 1), (1, -1), (-1, -1), (-1, 1))
        )


class Contact(NamedTuple):
    """An overlap: penetration depth and the unit normal along which it is smallest (first → second)."""

    depth_m: float
    normal_x: float
    normal_y: float


def _overlap(
    a: BoxPose, a_size: tuple[float, float], b: BoxPose, b_size: tuple[float, float]
) -> Contact | None:
    ax, ay, ah = a
    bx, by, bh = b
    al, aw = a_size
    bl, bw = b_size
    ac, as_ = math.cos(ah), math.sin(ah)
    bc, bs = math.cos(bh), math.sin(bh)
    dx, dy = bx - ax, by - ay
    hal, haw, hbl, hbw = 0.5 * al, 0.5 * aw, 0.5 * bl, 0.5 * bw
    best_depth = math.inf
    best_nx = best_ny = 0.0
    for nx, ny in ((ac, as_), (-as_, ac), (bc, bs), (-bs, bc)):
        radius_a = hal * abs(ac * nx + as_ * ny) + haw * abs(-as_ * nx + ac * ny)
        radius_b = hbl * abs(bc * nx + bs * ny) + hbw * abs(-bs * nx + bc * ny)
        distance = dx * nx + dy * ny
        depth = radius_a + radius_b - abs(distance)
        if depth <= 0.0:
            return None
        if depth < best_depth:
            best_depth = depth
            best_nx, best_ny = (nx, ny) if distance >= 0.0 else (-nx, -ny)
    return Contact(best_depth, best_nx, best_ny)


def box_overlap(first: OrientedBox, second: OrientedBox) -> Contact | None:
    """The contact of two boxes, or None if they do not overlap (touching is not overlapping)."""
    return _overlap(
        first.pose, (first.length_m, first.width_m), second.pose, (second.length_m, second.width_m)
    )


def _point_to_segment(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    fraction = min(max(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy), 0.0), 1.0)
    return math.hypot(px - ax - fraction * dx, py - ay - fraction * dy)


def distance_between(first: OrientedBox, second: OrientedBox) -> float:
    """The shortest distance between two boxes (0 where they touch or overlap): for two cars one
    behind the other, bumper to bumper."""
    if box_overlap(first, second) is not None:
        return 0.0
    # Apart, two convex polygons are nearest at a corner of one and an edge of the other.
    best = math.inf
    for corners, edges in ((first.corners(), second.corners()), (second.corners(), first.corners())):
        sides = tuple(zip(edges, (*edges[1:], edges[0]), strict=True))
        for px, py in corners:
            for a, b in sides:
                best = min(best, _point_to_segment(px, py, a, b))
    return best


class Impact(NamedTuple):
    """The first contact within a step.

    ``time_s`` is from the step's start; the relative velocity is the second box's minus the
    first's; ``closing_speed_mps`` is its component along the contact normal, positive when the
    boxes approach; ``depth_m`` is the overlap at the step's end (0 if they are apart again).
    """

    time_s: float
    normal_x: float
    normal_y: float
    relative_vx_mps: float
    relative_vy_mps: float
    relative_speed_mps: float
    closing_speed_mps: float
    depth_m: float


def _lerp(start: BoxPose, end: BoxPose, fraction: float) -> BoxPose:
    return (
        start[0] + (end[0] - start[0]) * fraction,
        start[1] + (end[1] - start[1]) * fraction,
        start[2] + wrap_angle(end[2] - start[2]) * fraction,
    )


def first_contact(
    first: OrientedBox,
    first_end: BoxPose,
    second: OrientedBox,
    second_end: BoxPose,
    dt_s: float,
    *,
    tolerance_s: float = 1e-6,
) -> Impact | None:
    """When, within a step of ``dt_s``, two boxes moving from their poses to ``*_end`` first
    touch; None if they do not. Boxes overlapping at the start touch at time 0."""
    if not (math.isfinite(dt_s) and dt_s > 0):
        raise WorldError(f"first_contact: dt_s must be > 0, not {dt_s!r}")
    if not (math.isfinite(tolerance_s) and tolerance_s > 0):
        raise WorldError(f"first_contact: tolerance_s must be > 0, not {tolerance_s!r}")
    return sweep(
        (first.pose, first_end, (first.length_m, first.width_m)),
        (second.pose, second_end, (second.length_m, second.width_m)),
        dt_s,
        tolerance_s,
    )


def sweep(first: BoxMotion, second: BoxMotion, dt_s: float, tolerance_s: float = 1e-6) -> Impact | None:
    """:func:`first_contact` on plain tuples, unchecked: the hot path."""
    a0, a1, a_size = first
    b0, b1, b_size = second

    def contact(fraction: float) -> Contact | None:
        return _overlap(_lerp(a0, a1, fraction), a_size, _lerp(b0, b1, fraction), b_size)

    # Sub-steps small against the smallest box dimension, so no box can jump over another.
    travel = (
        math.hypot(a1[0] - a0[0], a1[1] - a0[1])
        + math.hypot(b1[0] - b0[0], b1[1] - b0[1])
        + abs(wrap_angle(a1[2] - a0[2])) * 0.5 * math.hypot(*a_size)
        + abs(wrap_angle(b1[2] - b0[2])) * 0.5 * math.hypot(*b_size)
    )
    count = max(1, math.ceil(travel / (0.25 * min(*a_size, *b_size))))
    found = contact(0.0)
    low = high = 0.0
    if found is None:
        for index in range(1, count + 1):
            high = index / count
            found = contact(high)
            if found is not None:
                low = (index - 1) / count
                break
        else:
            return None
        fraction_tolerance = tolerance_s / dt_s
        while high - low > fraction_tolerance:
            middle = 0.5 * (low + high)
            hit = contact(middle)
            if hit is None:
                low = middle
            else:
                high, found = middle, hit
    assert found is not None
    rvx = ((b1[0] - b0[0]) - (a1[0] - a0[0])) / dt_s
    rvy = ((b1[1] - b0[1]) - (a1[1] - a0[1])) / dt_s
    end = contact(1.0)
    return Impact(
        time_s=high * dt_s,
        normal_x=found.normal_x,
        normal_y=found.normal_y,
        relative_vx_mps=rvx,
        relative_vy_mps=rvy,
        relative_speed_mps=math.hypot(rvx, rvy),
        closing_speed_mps=-(rvx * found.normal_x + rvy * found.normal_y),
        depth_m=0.0 if end is None else end.depth_m,
    )


def may_meet(a0: BoxPose, a1: BoxPose, b0: BoxPose, b1: BoxPose, reach_m: float) -> bool:
    """A cheap test: False only if the box centres, moving linearly over the step, stay at
    least ``reach_m`` (the sum of the boxes' half diagonals) apart."""
    dx0 = b0[0] - a0[0]
    dy0 = b0[1] - a0[1]
    vx = (b1[0] - a1[0]) - dx0
    vy = (b1[1] - a1[1]) - dy0
    speed2 = vx * vx + vy * vy
    fraction = 0.0 if speed2 <= 0.0 else min(max(-(dx0 * vx + dy0 * vy) / speed2, 0.0), 1.0)
    return math.hypot(dx0 + vx * fraction, dy0 + vy * fraction) < reach_m
