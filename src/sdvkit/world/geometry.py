"""Plane geometry of road reference lines: poses, segments (line, arc, spiral, poly3, paramPoly3)
and the reference line they make.

A segment maps a distance ``ds`` along itself (0 … ``length_m``) to a :class:`Pose`. Lines and
arcs are exact; spirals (clothoids) and cubic polynomials are integrated numerically once, when
the segment is built (Gauss–Legendre on a table of knots), so a query costs a few operations.
Headings are counter-clockwise from the x axis; ``t`` is the lateral offset, positive to the left.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from sdvkit.world.errors import RoadError

_GL_NODES = (
    0.5 - 0.4530899229693320,
    0.5 - 0.2692346550528416,
    0.5,
    0.5 + 0.2692346550528416,
    0.5 + 0.4530899229693320,
)
"""Five-point Gauss–Legendre nodes on [0, 1]."""
_GL_WEIGHTS = (
    0.1184634425280945,
    0.2393143352496832,
    0.2844444444444444,
    0.2393143352496832,
    0.1184634425280945,
)
_KNOT_SPACING_M = 0.5
"""Arc length between the knots of a numerically integrated segment."""
_NEWTON_STEPS = 12
_END_TOLERANCE_M = 1e-6


class Pose(NamedTuple):
    """A position and heading in the plane."""

    x_m: float
    y_m: float
    heading_rad: float


def wrap_angle(angle_rad: float) -> float:
    """The same angle in [-π, π)."""
    return (angle_rad + math.pi) % math.tau - math.pi


def _project_on_line(x0: float, y0: float, heading: float, x_m: float, y_m: float) -> tuple[float, float]:
    dx = x_m - x0
    dy = y_m - y0
    c = math.cos(heading)
    s = math.sin(heading)
    return dx * c + dy * s, -dx * s + dy * c


def _finite(name: str, value: float, owner: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RoadError(f"{owner}: {name} must be a finite number, not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Segment:
    """One piece of a reference line: its start (``s_m`` along the road, pose) and length."""

    s_m: float
    x_m: float
    y_m: float
    heading_rad: float
    length_m: float

    def __post_init__(self) -> None:
        owner = f"{type(self).__name__} at s={self.s_m!r}"
        for name in ("s_m", "x_m", "y_m", "heading_rad", "length_m"):
            _finite(name, getattr(self, name), owner)
        if self.s_m < 0:
            raise RoadError(f"{owner}: s_m must be >= 0, not {self.s_m!r}")
        if self.length_m <= 0:
            raise RoadError(f"{owner}: length_m must be > 0, not {self.length_m!r}")

    @property
    def end_s_m(self) -> float:
        return self.s_m + self.length_m

    def pose_at(self, ds_m: float) -> Pose:
        """The pose ``ds_m`` along the segment (clamped to the segment)."""
        raise NotImplementedError

    def curvature_at(self, ds_m: float) -> float:
        """Signed curvature (1/m, positive turning left) ``ds_m`` along the segment."""
        raise NotImplementedError

    def project(self, x_m: float, y_m: float) -> tuple[float, float]:
        """``(ds, t)`` of the nearest point; ``ds`` leaves [0, length] along the end tangents."""
        return _project_numeric(self, x_m, y_m, self._start_guess(x_m, y_m))

    def _start_guess(self, x_m: float, y_m: float) -> float:
        return 0.5 * self.length_m


@dataclass(frozen=True, kw_only=True, slots=True)
class Line(Segment):
    """A straight segment."""

    def pose_at(self, ds_m: float) -> Pose:
        ds = min(max(ds_m, 0.0), self.length_m)
        return Pose(
            self.x_m + ds * math.cos(self.heading_rad),
            self.y_m + ds * math.sin(self.heading_rad),
            self.heading_rad,
        )

    def curvature_at(self, ds_m: float) -> float:
        return 0.0

    def project(self, x_m: float, y_m: float) -> tuple[float, float]:
        return _project_on_line(self.x_m, self.y_m, self.heading_rad, x_m, y_m)


@dataclass(frozen=True, kw_only=True, slots=True)
class Arc(Segment):
    """A segment of constant curvature (positive: turning left)."""

    curvature_per_m: float

    def __post_init__(self) -> None:
        Segment.__post_init__(self)
        _finite("curvature_per_m", self.curvature_per_m, f"Arc at s={self.s_m!r}")
        if abs(self.curvature_per_m) * self.length_m > math.tau + 1e-9:
            raise RoadError(
                f"Arc at s={self.s_m!r}: turns more than a full circle "
                f"(curvature_per_m={self.curvature_per_m!r}, length_m={self.length_m!r})"
            )

    def pose_at(self, ds_m: float) -> Pose:
        ds = min(max(ds_m, 0.0), self.length_m)
        half = 0.5 * self.curvature_per_m * ds
        chord = ds * (math.sin(half) / half) if abs(half) > 1e-12 else ds
        direction = self.heading_rad + half
        return Pose(
            self.x_m + chord * math.cos(direction),
            self.y_m + chord * math.sin(direction),
            self.heading_rad + 2.0 * half,
        )

    def curvature_at(self, ds_m: float) -> float:
        return self.curvature_per_m

    def project(self, x_m: float, y_m: float) -> tuple[float, float]:
        k = self.curvature_per_m
        if abs(k) < 1e-12:
            return _project_on_line(self.x_m, self.y_m, self.heading_rad, x_m, y_m)
        r = 1.0 / k
        cx = self.x_m - r * math.sin(self.heading_rad)
        cy = self.y_m + r * math.cos(self.heading_rad)
        dx = x_m - cx
        dy = y_m - cy
        distance = math.hypot(dx, dy)
        sign = 1.0 if k > 0 else -1.0
        if distance < 1e-12:
            return 0.0, r
        theta = math.atan2(sign * dx, -sign * dy)
        middle = 0.5 * k * self.length_m
        turned = wrap_angle(theta - self.heading_rad - middle) + middle
        return turned / k, r - sign * distance


@dataclass(frozen=True, kw_only=True, slots=True)
class Spiral(Segment):
    """A clothoid: curvature changes linearly from ``curvature_start_per_m`` to ``curvature_end_per_m``."""

    curvature_start_per_m: float
    curvature_end_per_m: float
    _knots: tuple[tuple[float, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Segment.__post_init__(self)
        owner = f"Spiral at s={self.s_m!r}"
        _finite("curvature_start_per_m", self.curvature_start_per_m, owner)
        _finite("curvature_end_per_m", self.curvature_end_per_m, owner)
        count = max(1, math.ceil(self.length_m / _KNOT_SPACING_M))
        step = self.length_m / count
        knots = [(self.x_m, self.y_m)]
        x, y = self.x_m, self.y_m
        for i in range(count):
            dx, dy = self._integrate(i * step, (i + 1) * step)
            x += dx
            y += dy
            knots.append((x, y))
        object.__setattr__(self, "_knots", tuple(knots))

    @property
    def _rate(self) -> float:
        return (self.curvature_end_per_m - self.curvature_start_per_m) / self.length_m

    def _heading(self, ds: float) -> float:
        return self.heading_rad + ds * (self.curvature_start_per_m + 0.5 * self._rate * ds)

    def _integrate(self, a: float, b: float) -> tuple[float, float]:
        span = b - a
        dx = dy = 0.0
        for node, weight in zip(_GL_NODES, _GL_WEIGHTS, strict=True):
            heading = self._heading(a + node * span)
            dx += weight * math.cos(heading)
            dy += weight * math.sin(heading)
        return dx * span, dy * span

    def pose_at(self, ds_m: float) -> Pose:
        ds = min(max(ds_m, 0.0), self.length_m)
        step = self.length_m / (len(self._knots) - 1)
        index = min(int(ds / step), len(self._knots) - 2)
        x, y = self._knots[index]
        dx, dy = self._integrate(index * step, ds)
        return Pose(x + dx, y + dy, self._heading(ds))

    def curvature_at(self, ds_m: float) -> float:
        ds = min(max(ds_m, 0.0), self.length_m)
        return self.curvature_start_per_m + self._rate * ds

    def _start_guess(self, x_m: float, y_m: float) -> float:
        step = self.length_m / (len(self._knots) - 1)
        return _nearest_knot(self._knots, x_m, y_m) * step


class _CubicCurve:
    """u(p), v(p) cubic in p ∈ [0, p_end], tabulated by arc length."""

    __slots__ = ("_p", "_s", "p_end", "total_m", "u", "v")

    def __init__(self, u: tuple[float, float, float, float], v: tuple[float, float, float, float]) -> None:
        self.u = u
        self.v = v
        self._p: list[float] = []
        self._s: list[float] = []
        self.p_end = 0.0
        self.total_m = 0.0

    def tabulate(self, p_end: float, knots: int) -> None:
        step = p_end / knots
        self._p = [i * step for i in range(knots + 1)]
        self._s = [0.0]
        for i in range(knots):
            self._s.append(self._s[-1] + self.arc_length(self._p[i], self._p[i + 1]))
        self.p_end = p_end
        self.total_m = self._s[-1]

    def derivative(self, p: float) -> tuple[float, float]:
        u, v = self.u, self.v
        return u[1] + p * (2.0 * u[2] + 3.0 * u[3] * p), v[1] + p * (2.0 * v[2] + 3.0 * v[3] * p)

    def point(self, p: float) -> tuple[float, float]:
        u, v = self.u, self.v
        return u[0] + p * (u[1] + p * (u[2] + p * u[3])), v[0] + p * (v[1] + p * (v[2] + p * v[3]))

    def curvature(self, p: float) -> float:
        du, dv = self.derivative(p)
        ddu = 2.0 * self.u[2] + 6.0 * self.u[3] * p
        ddv = 2.0 * self.v[2] + 6.0 * self.v[3] * p
        speed = math.hypot(du, dv)
        return 0.0 if speed < 1e-12 else (du * ddv - dv * ddu) / speed**3

    def arc_length(self, a: float, b: float) -> float:
        span = b - a
        total = 0.0
        for node, weight in zip(_GL_NODES, _GL_WEIGHTS, strict=True):
            total += weight * math.hypot(*self.derivative(a + node * span))
        return total * span

    def parameter_at(self, arc_m: float) -> float:
        """The parameter p at which the arc length from p=0 is ``arc_m`` (within the table)."""
        arc = min(max(arc_m, 0.0), self.total_m)
        index = min(max(bisect.bisect_right(self._s, arc) - 1, 0), len(self._s) - 2)
        p0, s0 = self._p[index], self._s[index]
        p1, s1 = self._p[index + 1], self._s[index + 1]
        p = p0 + (p1 - p0) * ((arc - s0) / (s1 - s0) if s1 > s0 else 0.0)
        for _ in range(4):
            speed = math.hypot(*self.derivative(p))
            if speed < 1e-12:
                break
            p -= (s0 + self.arc_length(p0, p) - arc) / speed
        return min(max(p, 0.0), self.p_end)

    def knot_points(self) -> list[tuple[float, float]]:
        return [self.point(p) for p in self._p]

    def knot_arcs(self) -> list[float]:
        return list(self._s)


@dataclass(frozen=True, kw_only=True, slots=True)
class ParamPoly3(Segment):
    """u(p), v(p) cubic polynomials in the segment's local frame; p is 0…1 or the arc length."""

    au: float = 0.0
    bu: float = 1.0
    cu: float = 0.0
    du: float = 0.0
    av: float = 0.0
    bv: float = 0.0
    cv: float = 0.0
    dv: float = 0.0
    p_range: Literal["normalized", "arcLength"] = "normalized"
    _curve: _CubicCurve = field(init=False, repr=False, compare=False)
    _knots: tuple[tuple[float, float], ...] = field(init=False, repr=False, compare=False)
    _knot_arcs: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Segment.__post_init__(self)
        owner = f"{type(self).__name__} at s={self.s_m!r}"
        for name in ("au", "bu", "cu", "du", "av", "bv", "cv", "dv"):
            _finite(name, getattr(self, name), owner)
        if self.p_range not in ("normalized", "arcLength"):
            raise RoadError(f"{owner}: p_range must be 'normalized' or 'arcLength', not {self.p_range!r}")
        curve = _CubicCurve((self.au, self.bu, self.cu, self.du), (self.av, self.bv, self.cv, self.dv))
        knots = max(4, math.ceil(self.length_m / _KNOT_SPACING_M))
        curve.tabulate(self._parameter_end(curve, knots), knots)
        if curve.total_m <= 0:
            raise RoadError(f"{owner}: the curve has zero length")
        object.__setattr__(self, "_curve", curve)
        object.__setattr__(self, "_knots", tuple(self._to_world(*xy) for xy in curve.knot_points()))
        object.__setattr__(self, "_knot_arcs", tuple(curve.knot_arcs()))

    def _parameter_end(self, curve: _CubicCurve, knots: int) -> float:
        return 1.0 if self.p_range == "normalized" else self.length_m

    def _to_world(self, u: float, v: float) -> tuple[float, float]:
        c = math.cos(self.heading_rad)
        s = math.sin(self.heading_rad)
        return self.x_m + u * c - v * s, self.y_m + u * s + v * c

    def _parameter(self, ds_m: float) -> float:
        ds = min(max(ds_m, 0.0), self.length_m)
        return self._curve.parameter_at(ds * self._curve.total_m / self.length_m)

    def pose_at(self, ds_m: float) -> Pose:
        p = self._parameter(ds_m)
        x, y = self._to_world(*self._curve.point(p))
        du, dv = self._curve.derivative(p)
        return Pose(x, y, self.heading_rad + math.atan2(dv, du))

    def curvature_at(self, ds_m: float) -> float:
        return self._curve.curvature(self._parameter(ds_m))

    def _start_guess(self, x_m: float, y_m: float) -> float:
        arc = self._knot_arcs[_nearest_knot(self._knots, x_m, y_m)]
        return arc * self.length_m / self._curve.total_m


@dataclass(frozen=True, kw_only=True, slots=True)
class Poly3(ParamPoly3):
    """v(u) = a + b·u + c·u² + d·u³ in the local frame (OpenDRIVE's deprecated ``poly3``)."""

    a: float = 0.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0

    def __post_init__(self) -> None:
        for name in ("a", "b", "c", "d"):
            _finite(name, getattr(self, name), f"Poly3 at s={self.s_m!r}")
        for name, value in (("au", 0.0), ("bu", 1.0), ("cu", 0.0), ("du", 0.0)):
            object.__setattr__(self, name, value)
        for name, value in (("av", self.a), ("bv", self.b), ("cv", self.c), ("dv", self.d)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "p_range", "arcLength")
        ParamPoly3.__post_init__(self)

    def _parameter_end(self, curve: _CubicCurve, knots: int) -> float:
        # Arc length grows at least as fast as u, so u_end <= length: find where it reaches length.
        curve.tabulate(self.length_m, knots)
        return curve.parameter_at(self.length_m)


def _nearest_knot(knots: tuple[tuple[float, float], ...], x_m: float, y_m: float) -> int:
    best = 0
    best_d2 = math.inf
    for i, (kx, ky) in enumerate(knots):
        d2 = (kx - x_m) ** 2 + (ky - y_m) ** 2
        if d2 < best_d2:
            best, best_d2 = i, d2
    return best


def _project_numeric(segment: Segment, x_m: float, y_m: float, guess: float) -> tuple[float, float]:
    """Newton on (P − p(s))·T(s) = 0 from ``guess``; beyond an end, continue along its tangent."""
    length = segment.length_m
    s = min(max(guess, 0.0), length)
    for _ in range(_NEWTON_STEPS):
        x, y, heading = segment.pose_at(s)
        c = math.cos(heading)
        n = math.sin(heading)
        along = (x_m - x) * c + (y_m - y) * n
        lateral = -(x_m - x) * n + (y_m - y) * c
        denominator = 1.0 - segment.curvature_at(s) * lateral
        if abs(denominator) < 0.2:
            denominator = math.copysign(0.2, denominator)
        step = along / denominator
        new_s = min(max(s + step, 0.0), length)
        if abs(new_s - s) < 1e-10:
            s = new_s
            break
        s = new_s
    x, y, heading = segment.pose_at(s)
    c = math.cos(heading)
    n = math.sin(heading)
    along = (x_m - x) * c + (y_m - y) * n
    lateral = -(x_m - x) * n + (y_m - y) * c
    if (s <= 0.0 and along < 0.0) or (s >= length and along > 0.0):
        return s + along, lateral
    return s, lateral


@dataclass(frozen=True, kw_only=True, slots=True)
class ReferenceLine:
    """Consecutive segments; ``s`` runs from 0 at the first segment's start."""

    segments: tuple[Segment, ...]
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _circles: tuple[tuple[float, float, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        if not self.segments:
            raise RoadError("ReferenceLine: segments must not be empty")
        for segment in self.segments:
            if not isinstance(segment, Segment):
                raise RoadError(f"ReferenceLine: segments must be Segment objects, not {segment!r}")
        if abs(self.segments[0].s_m) > _END_TOLERANCE_M:
            raise RoadError(
                f"ReferenceLine: the first segment must start at s=0, not {self.segments[0].s_m!r}"
            )
        for before, after in zip(self.segments, self.segments[1:], strict=False):
            if after.s_m <= before.s_m:
                raise RoadError(
                    f"ReferenceLine: segment s must increase, but s={after.s_m!r} follows s={before.s_m!r}"
                )
        object.__setattr__(self, "_starts", tuple(segment.s_m for segment in self.segments))
        circles = []
        for segment in self.segments:
            x, y, _ = segment.pose_at(0.5 * segment.length_m)
            circles.append((x, y, 0.5 * segment.length_m))
        object.__setattr__(self, "_circles", tuple(circles))

    @property
    def length_m(self) -> float:
        last = self.segments[-1]
        return last.s_m + last.length_m

    def segment_at(self, s_m: float) -> tuple[Segment, float]:
        """The segment that holds ``s_m`` and the distance into it."""
        index = max(bisect.bisect_right(self._starts, s_m) - 1, 0)
        segment = self.segments[index]
        return segment, s_m - segment.s_m

    def pose_at(self, s_m: float, t_m: float = 0.0) -> Pose:
        """The pose at ``s_m`` (clamped to the line), moved ``t_m`` to the left; heading along s."""
        segment, ds = self.segment_at(s_m)
        x, y, heading = segment.pose_at(ds)
        if t_m:
            x -= t_m * math.sin(heading)
            y += t_m * math.cos(heading)
        return Pose(x, y, heading)

    def curvature_at(self, s_m: float) -> float:
        segment, ds = self.segment_at(s_m)
        return segment.curvature_at(ds)

    def project(self, x_m: float, y_m: float) -> tuple[float, float, bool]:
        """``(s, t, inside)`` of the nearest point; ``inside`` is False beyond either end."""
        best_distance = math.inf
        best: tuple[float, float, bool] = (0.0, 0.0, False)
        last = len(self.segments) - 1
        for index, segment in enumerate(self.segments):
            cx, cy, radius = self._circles[index]
            if math.hypot(x_m - cx, y_m - cy) - radius > best_distance:
                continue
            ds, t = segment.project(x_m, y_m)
            length = segment.length_m
            if ds < 0.0:
                excess = -ds
                clamped = 0.0
            elif ds > length:
                excess = ds - length
                clamped = length
            else:
                excess = 0.0
                clamped = ds
            distance = math.hypot(excess, t)
            if distance < best_distance:
                best_distance = distance
                outside = (index == 0 and ds < -_END_TOLERANCE_M) or (
                    index == last and ds > length + _END_TOLERANCE_M
                )
                best = (segment.s_m + clamped, t, not outside)
        return best
