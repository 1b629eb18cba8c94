"""Actors (cars, pedestrians, cyclists), their state, the routes they follow and scripted motion.

An actor is a frozen :class:`ActorSpec` (what it is) and a mutable :class:`ActorState` (where it
is now), moved by a :class:`Behaviour`. :class:`ScriptedMotion` moves an actor along a
:class:`Route` with a :class:`SpeedProfile` that is a function of time only, so its state at a
given time does not depend on the step size. Euro NCAP targets move at a constant speed along a
straight path (:meth:`SpeedProfile.constant`, :class:`PolylinePath`); pedestrians cross with a
start delay. Rule-based behaviours are in :mod:`sdvkit.world.traffic`.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, Protocol

from sdvkit.world.errors import ActorError
from sdvkit.world.geometry import Pose
from sdvkit.world.roads import Road


def _finite(owner: str, name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ActorError(f"{owner}: {name} must be a finite number, not {value!r}")


def _positive(owner: str, name: str, value: float) -> None:
    _finite(owner, name, value)
    if value <= 0:
        raise ActorError(f"{owner}: {name} must be > 0, not {value!r}")


def _not_negative(owner: str, name: str, value: float) -> None:
    _finite(owner, name, value)
    if value < 0:
        raise ActorError(f"{owner}: {name} must be >= 0, not {value!r}")


class ActorKind(StrEnum):
    CAR = "car"
    PEDESTRIAN = "pedestrian"
    CYCLIST = "cyclist"
    OBSTACLE = "obstacle"
    """Something that stands on or over the road: a sign gantry, a barrier, a lost load."""


_DIMENSIONS_M: dict[ActorKind, tuple[float, float, float]] = {
    ActorKind.CAR: (4.5, 1.8, 1.5),
    ActorKind.PEDESTRIAN: (0.3, 0.5, 1.8),
    ActorKind.CYCLIST: (1.9, 0.6, 1.8),
    ActorKind.OBSTACLE: (1.0, 1.0, 1.0),
}
"""Default (length, width, height): about the Euro NCAP vehicle, adult pedestrian and cyclist targets."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ActorSpec:
    """What an actor is: id, kind and the box it occupies (length along its heading).

    ``clearance_m`` lifts the box off the road (a sign gantry's beam): it then spans
    ``clearance_m`` to ``clearance_m + height_m`` above the road, and actors lower than the
    clearance pass beneath it without contact.
    """

    id: str
    kind: ActorKind
    length_m: float
    width_m: float
    height_m: float = 1.5
    clearance_m: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ActorError(f"ActorSpec: id must be a non-empty string, not {self.id!r}")
        owner = f"actor {self.id!r}"
        try:
            object.__setattr__(self, "kind", ActorKind(self.kind))
        except ValueError as error:
            raise ActorError(
                f"{owner}: kind must be one of {[k.value for k in ActorKind]}, not {self.kind!r}"
            ) from error
        _positive(owner, "length_m", self.length_m)
        _positive(owner, "width_m", self.width_m)
        _positive(owner, "height_m", self.height_m)
        _not_negative(owner, "clearance_m", self.clearance_m)

    @classmethod
    def of_kind(cls, actor_id: str, kind: ActorKind, **dimensions: float) -> ActorSpec:
        """An actor with the default dimensions of its kind, overridden by ``dimensions``."""
        length, width, height = _DIMENSIONS_M[ActorKind(kind)]
        sizes = {"length_m": length, "width_m": width, "height_m": height} | dimensions
        return cls(id=actor_id, kind=kind, **sizes)

    @classmethod
    def car(cls, actor_id: str, **dimensions: float) -> ActorSpec:
        return cls.of_kind(actor_id, ActorKind.CAR, **dimensions)

    @classmethod
    def pedestrian(cls, actor_id: str, **dimensions: float) -> ActorSpec:
        return cls.of_kind(actor_id, ActorKind.PEDESTRIAN, **dimensions)

    @classmethod
    def cyclist(cls, actor_id: str, **dimensions: float) -> ActorSpec:
        return cls.of_kind(actor_id, ActorKind.CYCLIST, **dimensions)

    @classmethod
    def obstacle(cls, actor_id: str, **dimensions: float) -> ActorSpec:
        return cls.of_kind(actor_id, ActorKind.OBSTACLE, **dimensions)

    def passes_under(self, other: ActorSpec) -> bool:
        """True when ``other`` is lower than this actor's clearance (or this one lower than its)."""
        return other.height_m <= self.clearance_m or self.height_m <= other.clearance_m


@dataclass(slots=True)
class ActorState:
    """Where an actor is now: centre, heading, speed along the heading, acceleration."""

    x_m: float
    y_m: float
    heading_rad: float
    speed_mps: float = 0.0
    accel_mps2: float = 0.0

    def __post_init__(self) -> None:
        x, y, heading, speed, accel = self.x_m, self.y_m, self.heading_rad, self.speed_mps, self.accel_mps2
        if (
            type(x) is float
            and type(y) is float
            and type(heading) is float
            and type(speed) is float
            and type(accel) is float
            and math.isfinite(x + y + heading + speed + accel)
        ):
            return  # the usual case, checked at once (a sum of finite floats can only overflow)
        for name in ("x_m", "y_m", "heading_rad", "speed_mps", "accel_mps2"):
            _finite("ActorState", name, getattr(self, name))

    def set_pose(self, pose: Pose) -> None:
        self.x_m, self.y_m, self.heading_rad = pose


class ActorSnapshot(NamedTuple):
    """An actor's spec and state at one instant (what behaviours and sensors read)."""

    id: str
    kind: ActorKind
    x_m: float
    y_m: float
    heading_rad: float
    speed_mps: float
    accel_mps2: float
    length_m: float
    width_m: float

    @classmethod
    def of(cls, spec: ActorSpec, state: ActorState) -> ActorSnapshot:
        return cls(
            spec.id, spec.kind, state.x_m, state.y_m, state.heading_rad, state.speed_mps, state.accel_mps2,
            spec.length_m, spec.width_m,
        )  # fmt: skip


class Behaviour(Protocol):
    """What moves an actor. ``advance`` moves ``state`` from ``t_s`` to ``t_s + dt_s``; ``others``
    are every actor (and the ego) as they were at ``t_s``, the actor itself included."""

    def initial_state(self, spec: ActorSpec, t_s: float) -> ActorState: ...

    def advance(
        self, state: ActorState, spec: ActorSpec, t_s: float, dt_s: float, others: Sequence[ActorSnapshot]
    ) -> None: ...


class Route(Protocol):
    """A path with a distance ``d`` along it; beyond its ends it continues along the end tangents."""

    @property
    def length_m(self) -> float: ...

    def pose_at(self, d_m: float) -> Pose: ...

    def project(self, x_m: float, y_m: float) -> tuple[float, float] | None:
        """``(d, lateral)`` of the nearest point (lateral positive to the left), or None where the
        route cannot tell."""
        ...


def _extend(pose: Pose, distance_m: float) -> Pose:
    return Pose(
        pose.x_m + distance_m * math.cos(pose.heading_rad),
        pose.y_m + distance_m * math.sin(pose.heading_rad),
        pose.heading_rad,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class PolylinePath:
    """A route through waypoints (x, y) in metres; consecutive waypoints must differ."""

    waypoints: tuple[tuple[float, float], ...]
    _distances: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _headings: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        points = tuple((float(x), float(y)) for x, y in self.waypoints)
        object.__setattr__(self, "waypoints", points)
        if len(points) < 2:
            raise ActorError(f"PolylinePath: waypoints needs at least 2 points, got {len(points)}")
        for index, (x, y) in enumerate(points):
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ActorError(f"PolylinePath: waypoint {index} ({x}, {y}) is not finite")
        distances = [0.0]
        headings = []
        for index, ((x0, y0), (x1, y1)) in enumerate(itertools.pairwise(points)):
            step = math.hypot(x1 - x0, y1 - y0)
            if step <= 0:
                raise ActorError(
                    f"PolylinePath: waypoint {index + 1} ({x1}, {y1}) repeats waypoint {index}; "
                    "distance along the path must increase"
                )
            distances.append(distances[-1] + step)
            headings.append(math.atan2(y1 - y0, x1 - x0))
        object.__setattr__(self, "_distances", tuple(distances))
        object.__setattr__(self, "_headings", tuple(headings))

    @property
    def length_m(self) -> float:
        return self._distances[-1]

    def pose_at(self, d_m: float) -> Pose:
        index = min(max(bisect.bisect_right(self._distances, d_m) - 1, 0), len(self._headings) - 1)
        x, y = self.waypoints[index]
        return _extend(Pose(x, y, self._headings[index]), d_m - self._distances[index])

    def project(self, x_m: float, y_m: float) -> tuple[float, float]:
        best = (0.0, 0.0)
        best_distance = math.inf
        last = len(self._headings) - 1
        for index, heading in enumerate(self._headings):
            x0, y0 = self.waypoints[index]
            c = math.cos(heading)
            s = math.sin(heading)
            along = (x_m - x0) * c + (y_m - y0) * s
            lateral = -(x_m - x0) * s + (y_m - y0) * c
            step = self._distances[index + 1] - self._distances[index]
            low = -math.inf if index == 0 else 0.0
            high = math.inf if index == last else step
            clamped = min(max(along, low), high)
            distance = math.hypot(along - clamped, lateral)
            if distance < best_distance:
                best_distance = distance
                best = (self._distances[index] + clamped, lateral)
        return best


@dataclass(frozen=True, kw_only=True, slots=True)
class LaneRoute:
    """The centre line of one lane of a road, in the lane's driving direction by default, or the
    line ``offset_m`` to the left of it (as seen along the route).

    ``d`` = 0 at ``start_s_m`` (default: where the lane's traffic enters the road) and counts
    along ``s``.
    """

    road: Road
    lane_id: int
    start_s_m: float | None = None
    forward: bool | None = None
    offset_m: float = 0.0
    _shift_m: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        owner = f"LaneRoute on road {self.road.id!r}"
        self.road.lane(self.lane_id, 0.0)
        _finite(owner, "offset_m", self.offset_m)
        forward = self.road.drives_forward(self.lane_id) if self.forward is None else self.forward
        object.__setattr__(self, "forward", forward)
        object.__setattr__(self, "_shift_m", self.offset_m if forward else -self.offset_m)
        if self.start_s_m is None:
            object.__setattr__(self, "start_s_m", 0.0 if forward else self.road.length_m)
        assert self.start_s_m is not None
        _finite(owner, "start_s_m", self.start_s_m)
        if not 0.0 <= self.start_s_m <= self.road.length_m:
            raise ActorError(
                f"{owner}: start_s_m must be within 0…{self.road.length_m}, not {self.start_s_m!r}"
            )

    @property
    def _start(self) -> float:
        assert self.start_s_m is not None
        return self.start_s_m

    @property
    def length_m(self) -> float:
        return self.road.length_m - self._start if self.forward else self._start

    def pose_at(self, d_m: float) -> Pose:
        s = self._start + d_m if self.forward else self._start - d_m
        clamped = min(max(s, 0.0), self.road.length_m)
        x, y, heading = self.road._lane_line_pose(self.lane_id, clamped, self._shift_m)
        pose = Pose(x, y, heading if self.forward else heading + math.pi)
        beyond = abs(s - clamped)
        if beyond == 0.0:
            return pose
        # Beyond the road's end the route continues straight along the end tangent.
        ahead = (s > clamped) == bool(self.forward)
        return _extend(pose, beyond if ahead else -beyond)

    def project(self, x_m: float, y_m: float) -> tuple[float, float] | None:
        coords = self.road.try_road_coords(x_m, y_m)
        if coords is None:
            return None
        lateral = coords.t_m - self.road.lane_center_t(self.lane_id, coords.s_m) - self._shift_m
        if self.forward:
            return coords.s_m - self._start, lateral
        return self._start - coords.s_m, -lateral


@dataclass(frozen=True, kw_only=True, slots=True)
class SpeedProfile:
    """Speed as a piecewise-linear function of time.

    The actor stands still until ``start_delay_s``; then ``points`` give (time after the delay,
    speed) pairs, linear in between; before the first point the first speed holds, after the last
    the last speed holds.
    """

    points: tuple[tuple[float, float], ...]
    start_delay_s: float = 0.0
    _times: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _speeds: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _distances: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        owner = "SpeedProfile"
        _not_negative(owner, "start_delay_s", self.start_delay_s)
        points = tuple((t, v) for t, v in self.points)
        object.__setattr__(self, "points", points)
        if not points:
            raise ActorError(f"{owner}: points must not be empty")
        for index, (t, v) in enumerate(points):
            _not_negative(owner, f"points[{index}] time", t)
            _not_negative(owner, f"points[{index}] speed", v)
            if index and t <= points[index - 1][0]:
                raise ActorError(
                    f"{owner}: times must increase, but {t!r} s follows {points[index - 1][0]!r} s"
                )
        times = tuple(self.start_delay_s + t for t, _ in points)
        speeds = tuple(v for _, v in points)
        distances = [speeds[0] * points[0][0]]
        for i in range(len(points) - 1):
            distances.append(distances[-1] + 0.5 * (speeds[i] + speeds[i + 1]) * (times[i + 1] - times[i]))
        object.__setattr__(self, "_times", times)
        object.__setattr__(self, "_speeds", speeds)
        object.__setattr__(self, "_distances", tuple(distances))

    @classmethod
    def constant(cls, speed_mps: float, *, start_delay_s: float = 0.0) -> SpeedProfile:
        return cls(points=((0.0, speed_mps),), start_delay_s=start_delay_s)

    def _locate(self, t_s: float) -> tuple[float, float, float]:
        """(distance, speed, acceleration) at ``t_s``."""
        if t_s < self.start_delay_s:
            return 0.0, 0.0, 0.0
        times, speeds = self._times, self._speeds
        if t_s < times[0]:
            return speeds[0] * (t_s - self.start_delay_s), speeds[0], 0.0
        index = bisect.bisect_right(times, t_s) - 1
        tau = t_s - times[index]
        if index == len(times) - 1:
            return self._distances[index] + speeds[index] * tau, speeds[index], 0.0
        accel = (speeds[index + 1] - speeds[index]) / (times[index + 1] - times[index])
        speed = speeds[index] + accel * tau
        return self._distances[index] + speeds[index] * tau + 0.5 * accel * tau * tau, speed, accel

    def distance_at(self, t_s: float) -> float:
        return self._locate(t_s)[0]

    def speed_at(self, t_s: float) -> float:
        return self._locate(t_s)[1]


@dataclass(frozen=True, kw_only=True, slots=True)
class ScriptedMotion:
    """Moves an actor along ``route`` from ``start_distance_m`` with ``profile`` (time from 0)."""

    route: Route
    profile: SpeedProfile
    start_distance_m: float = 0.0

    def __post_init__(self) -> None:
        _finite("ScriptedMotion", "start_distance_m", self.start_distance_m)

    def state_at(self, t_s: float) -> ActorState:
        distance, speed, accel = self.profile._locate(t_s)
        x, y, heading = self.route.pose_at(self.start_distance_m + distance)
        return ActorState(x, y, heading, speed, accel)

    def initial_state(self, spec: ActorSpec, t_s: float) -> ActorState:
        return self.state_at(t_s)

    def advance(
        self, state: ActorState, spec: ActorSpec, t_s: float, dt_s: float, others: Sequence[ActorSnapshot]
    ) -> None:
        distance, speed, accel = self.profile._locate(t_s + dt_s)
        state.set_pose(self.route.pose_at(self.start_distance_m + distance))
        state.speed_mps = speed
        state.accel_mps2 = accel


@dataclass(frozen=True, kw_only=True, slots=True)
class Stationary:
    """Keeps an actor where it was placed."""

    x_m: float
    y_m: float
    heading_rad: float = 0.0

    def __post_init__(self) -> None:
        for name in ("x_m", "y_m", "heading_rad"):
            _finite("Stationary", name, getattr(self, name))

    def initial_state(self, spec: ActorSpec, t_s: float) -> ActorState:
        return ActorState(self.x_m, self.y_m, self.heading_rad)

    def advance(
        self, state: ActorState, spec: ActorSpec, t_s: float, dt_s: float, others: Sequence[ActorSnapshot]
    ) -> None:
        state.speed_mps = 0.0
        state.accel_mps2 = 0.0


def lane_path(road: Road, lane_id: int, *, step_m: float = 1.0) -> PolylinePath:
    """The centre line of a lane as waypoints, in the lane's driving direction."""
    points = [(pose.x_m, pose.y_m) for pose in road.lane_center_points(lane_id, step_m)]
    if not road.drives_forward(lane_id):
        points.reverse()
    return PolylinePath(waypoints=tuple(points))
