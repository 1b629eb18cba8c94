"""How actors move: a path, a distance along it, a lateral offset, and the controls that change them.

Each actor (:class:`ActorMotion`) drives its reference point along a path (its lane, a route or a
trajectory) at a signed speed, offset sideways by ``lateral_m``. One longitudinal control at a
time sets the speed (a speed transition, a synchronisation, distance keeping); one lateral
control at a time moves the offset (a lane change or lane offset). Speeds are functions of time
integrated exactly per step (Simpson's rule: exact for the linear and cubic shapes), so a
scripted motion does not depend on the step size.

A synchronisation (OpenSCENARIO ``SynchronizeAction``) plans, from the master's distance to go
and its speed, how the actor reaches the start of its steady-state stretch at its final speed
when the master reaches its point: an actor at rest waits, then accelerates at a constant rate
(the Euro NCAP VRU targets); a moving actor changes speed linearly to a middle speed and then to
the final speed. While waiting it plans again every step (so a master that slows delays the
start); once moving it keeps its plan, whatever the master does (the target's motion is
independent of the VUT's braking, as on the test track).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sdvkit.ncap.openscenario.entities import EntityModel, EntityState
from sdvkit.world.actors import Route
from sdvkit.world.geometry import Pose

__all__ = [
    "ActorMotion",
    "DistanceKeeping",
    "LateralTransition",
    "MotionView",
    "SpeedTransition",
    "Synchronization",
    "shape_value",
]

SHAPES = ("step", "linear", "cubic", "sinusoidal")


def shape_value(shape: str, fraction: float) -> float:
    """How far a transition of ``shape`` is at ``fraction`` of its span (0 → 0, 1 → 1)."""
    if fraction >= 1.0:
        return 1.0
    if fraction <= 0.0:
        return 0.0 if shape != "step" else 1.0
    if shape == "step":
        return 1.0
    if shape == "linear":
        return fraction
    if shape == "cubic":
        return fraction * fraction * (3.0 - 2.0 * fraction)
    return 0.5 * (1.0 - math.cos(math.pi * fraction))


def shape_slope(shape: str, fraction: float) -> float:
    """d(shape_value)/d(fraction)."""
    if not 0.0 < fraction < 1.0 or shape == "step":
        return 0.0
    if shape == "linear":
        return 1.0
    if shape == "cubic":
        return 6.0 * fraction * (1.0 - fraction)
    return 0.5 * math.pi * math.sin(math.pi * fraction)


def _simpson(speed: Callable[[float], float], start_s: float, end_s: float) -> float:
    if end_s <= start_s:
        return 0.0
    middle = 0.5 * (start_s + end_s)
    return (end_s - start_s) / 6.0 * (speed(start_s) + 4.0 * speed(middle) + speed(end_s))


def _integrate(
    speed: Callable[[float], float], start_s: float, end_s: float, knots: tuple[float, ...]
) -> float:
    """∫ speed dt over [start, end], split at the knots (where the speed curve changes form)."""
    cuts = [start_s, *sorted(knot for knot in knots if start_s < knot < end_s), end_s]
    return sum(_simpson(speed, a, b) for a, b in itertools.pairwise(cuts))


class MotionView(Protocol):
    """What controls read of the run: entities now, and an entity's progress along its path."""

    def entity(self, name: str) -> EntityState | None: ...

    def progress(self, name: str) -> tuple[float, float] | None:
        """(distance along its path, speed) of an entity, or None where unknown."""
        ...


class Longitudinal(Protocol):
    finished: bool

    def advance(self, motion: ActorMotion, t_s: float, dt_s: float, view: MotionView) -> None: ...


class Lateral(Protocol):
    finished: bool

    def offset(self, motion: ActorMotion, t_s: float) -> tuple[float, float]:
        """(lateral offset, its rate per metre along the path) at ``t_s``."""
        ...


@dataclass(eq=False, slots=True)
class ActorMotion:
    """An actor's motion: its reference point ``d_m`` along ``path``, ``lateral_m`` to the left."""

    model: EntityModel
    path: Route
    d_m: float
    lateral_m: float = 0.0
    speed_mps: float = 0.0
    accel_mps2: float = 0.0
    traveled_m: float = 0.0
    follows_track: bool = False
    """True once a route or trajectory is assigned (a teleport then keeps the actor on it)."""
    longitudinal: Longitudinal | None = None
    lateral: Lateral | None = None
    lateral_slope: float = 0.0

    def reference_pose(self) -> Pose:
        x, y, heading = self.path.pose_at(self.d_m)
        if self.lateral_m:
            x -= self.lateral_m * math.sin(heading)
            y += self.lateral_m * math.cos(heading)
        if self.lateral_slope:
            heading += math.atan(self.lateral_slope) * (1.0 if self.speed_mps >= 0 else -1.0)
        return Pose(x, y, heading)

    def center_pose(self) -> Pose:
        return self.model.center(self.reference_pose())

    def take_longitudinal(self, control: Longitudinal) -> None:
        """Give the speed to ``control``; the control it replaces ends (finished)."""
        if self.longitudinal is not None:
            self.longitudinal.finished = True
        self.longitudinal = control

    def take_lateral(self, control: Lateral | None) -> None:
        """Give the lateral offset to ``control``; the control it replaces ends (finished)."""
        if self.lateral is not None:
            self.lateral.finished = True
        self.lateral, self.lateral_slope = control, 0.0

    def advance(self, t_s: float, dt_s: float, view: MotionView) -> None:
        """Move from ``t_s`` to ``t_s + dt_s``; a finished control leaves the speed as it is."""
        before_d, before_speed = self.d_m, self.speed_mps
        if self.longitudinal is not None and self.longitudinal.finished:
            self.longitudinal = None
        if self.longitudinal is None:
            self.d_m += self.speed_mps * dt_s
        else:
            self.longitudinal.advance(self, t_s, dt_s, view)
        self.accel_mps2 = (self.speed_mps - before_speed) / dt_s
        if self.lateral is not None:
            self.lateral_m, self.lateral_slope = self.lateral.offset(self, t_s + dt_s)
            if self.lateral.finished:
                self.lateral, self.lateral_slope = None, 0.0
        self.traveled_m += abs(self.d_m - before_d)


@dataclass(eq=False, slots=True)
class SpeedTransition:
    """Speed from ``start_speed`` to ``target`` over ``duration_s`` with a shape; with ``follow``
    (a continuous relative target) the speed keeps following it afterwards."""

    start_s: float
    start_speed_mps: float
    target_speed_mps: float
    duration_s: float
    shape: str
    follow: Callable[[], float | None] | None = None
    reached: bool = False
    finished: bool = False

    def stop(self) -> None:
        self.finished = True

    def speed_at(self, t_s: float) -> float:
        if self.duration_s <= 0.0 or t_s >= self.start_s + self.duration_s:
            return self.target_speed_mps
        fraction = (t_s - self.start_s) / self.duration_s
        return self.start_speed_mps + (self.target_speed_mps - self.start_speed_mps) * shape_value(
            self.shape, fraction
        )

    def advance(self, motion: ActorMotion, t_s: float, dt_s: float, view: MotionView) -> None:
        end = self.start_s + max(self.duration_s, 0.0)
        if self.reached and self.follow is not None:
            target = self.follow()
            if target is not None:
                self.target_speed_mps = target
            motion.d_m += self.target_speed_mps * dt_s
            motion.speed_mps = self.target_speed_mps
            return
        motion.d_m += _integrate(self.speed_at, t_s, t_s + dt_s, (end,))
        motion.speed_mps = self.speed_at(t_s + dt_s)
        if t_s + dt_s >= end - 1e-12:
            self.reached = True
            self.finished = self.follow is None  # a continuous target keeps the action running


@dataclass(eq=False, slots=True)
class _Plan:
    """Speed linear between knots (time, speed); constant after the last."""

    knots: tuple[tuple[float, float], ...]

    def speed_at(self, t_s: float) -> float:
        knots = self.knots
        if t_s <= knots[0][0]:
            return knots[0][1]
        for (t0, v0), (t1, v1) in itertools.pairwise(knots):
            if t_s <= t1:
                return v0 + (v1 - v0) * (t_s - t0) / (t1 - t0) if t1 > t0 else v1
        return knots[-1][1]


@dataclass(eq=False, slots=True)
class Synchronization:
    """Reach ``target_d_m`` on the actor's path when ``master`` reaches ``master_target_d_m`` on
    its own, at ``final_speed_mps`` after a steady stretch (``steady_m``, or ``steady_s`` seconds)."""

    master: str
    master_target_d_m: float
    target_d_m: float
    final_speed_mps: float | None
    steady_m: float = 0.0
    steady_s: float = 0.0
    finished: bool = False
    plan: _Plan | None = None
    notes: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.finished = True

    def _master_time(self, view: MotionView) -> float | None:
        found = view.progress(self.master)
        if found is None:
            return None
        d, speed = found
        if speed <= 1e-6:
            return None
        return (self.master_target_d_m - d) / speed

    def _plan(self, t_s: float, dt_s: float, motion: ActorMotion, view: MotionView) -> None:
        master_time = self._master_time(view)
        final = self.final_speed_mps
        assert final is not None
        steady = self.steady_m if self.steady_s <= 0.0 else final * self.steady_s
        to_go = self.target_d_m - motion.d_m - steady
        if master_time is None:
            return  # the master stands: hold (wait) until it moves
        time_left = master_time - (steady / final if final > 0 else 0.0)
        speed = motion.speed_mps
        if to_go <= 1e-6 or time_left <= 1e-6:
            self.plan = _Plan(((t_s, final),))
            return
        if abs(speed) < 1e-9 and final > 0 and 2.0 * to_go / final <= time_left:
            start = t_s + time_left - 2.0 * to_go / final
            if start < t_s + dt_s:
                self.plan = _Plan(((start, 0.0), (t_s + time_left, final)))
            return
        middle = 2.0 * to_go / time_left - 0.5 * (speed + final)
        if middle < 0.0:
            self.notes.append("synchronisation: the actor arrives early (it cannot slow down enough)")
            middle = 0.0
        self.plan = _Plan(((t_s, speed), (t_s + 0.5 * time_left, middle), (t_s + time_left, final)))

    def advance(self, motion: ActorMotion, t_s: float, dt_s: float, view: MotionView) -> None:
        if self.final_speed_mps is None:
            master_time = self._master_time(view)
            to_go = self.target_d_m - motion.d_m
            speed = to_go / master_time if master_time and master_time > dt_s else motion.speed_mps
            motion.d_m += speed * dt_s
            motion.speed_mps = speed
        else:
            if self.plan is None:
                self._plan(t_s, dt_s, motion, view)
            if self.plan is None:
                motion.speed_mps = 0.0 if abs(motion.speed_mps) < 1e-9 else motion.speed_mps
                motion.d_m += motion.speed_mps * dt_s
            else:
                plan = self.plan
                knots = tuple(time for time, _ in plan.knots)
                motion.d_m += _integrate(plan.speed_at, t_s, t_s + dt_s, knots)
                motion.speed_mps = plan.speed_at(t_s + dt_s)
        if motion.d_m >= self.target_d_m - 1e-9:
            self.finished = True


@dataclass(eq=False, slots=True)
class DistanceKeeping:
    """Keep ``distance_m`` to ``reference`` along its direction of travel (``road``: along the
    road there), ahead (``side`` +1), behind (-1) or on the side it is on (0). Once
    (``continuous`` False) it places the actor and ends; continuous, it also takes the
    reference's speed every step."""

    reference: str
    distance_m: float
    freespace: bool
    continuous: bool
    side: int
    road_heading: Callable[[Pose], float | None] | None
    finished: bool = False

    def stop(self) -> None:
        self.finished = True

    def advance(self, motion: ActorMotion, t_s: float, dt_s: float, view: MotionView) -> None:
        other = view.entity(self.reference)
        if other is None:
            motion.d_m += motion.speed_mps * dt_s
            return
        direction = other.reference.heading_rad
        if self.road_heading is not None:
            road = self.road_heading(other.reference)
            if road is not None:
                direction = road if math.cos(road - direction) >= 0 else road + math.pi
        c, s = math.cos(direction), math.sin(direction)
        own = motion.model.center(motion.reference_pose())
        other_along = other.center.x_m * c + other.center.y_m * s
        own_along = own.x_m * c + own.y_m * s
        side = self.side or (1 if own_along >= other_along else -1)
        if self.freespace:
            extent = (
                motion.model.spec.length_m * 0.5 * abs(math.cos(own.heading_rad - direction))
                + motion.model.spec.width_m * 0.5 * abs(math.sin(own.heading_rad - direction))
                + other.extent_along(direction)
            )
            wanted = other_along + side * (self.distance_m + extent)
        else:
            own_reference = motion.reference_pose()
            offset = own_along - (own_reference.x_m * c + own_reference.y_m * s)
            reference_along = other.reference.x_m * c + other.reference.y_m * s
            wanted = reference_along + side * self.distance_m + offset
        other_speed = other.speed_mps * math.cos(other.reference.heading_rad - direction)
        heading = motion.reference_pose().heading_rad
        alignment = math.cos(heading - direction)
        if abs(alignment) < 0.1:
            self.finished = True  # the actor cannot move along the reference's direction
            return
        motion.d_m += (wanted - own_along) / alignment  # the distance now (at the step's start)
        if self.continuous:
            motion.speed_mps = other_speed / alignment
        else:
            self.finished = True
        motion.d_m += motion.speed_mps * dt_s


@dataclass(eq=False, slots=True)
class LateralTransition:
    """The lateral offset from ``start_m`` to ``target_m`` over a time or a distance along the path."""

    start_m: float
    target_m: float
    shape: str
    span: float
    by_distance: bool
    start_s: float
    start_d_m: float
    finished: bool = False

    def stop(self) -> None:
        self.finished = True

    def offset(self, motion: ActorMotion, t_s: float) -> tuple[float, float]:
        progress = (motion.d_m - self.start_d_m) if self.by_distance else (t_s - self.start_s)
        fraction = 1.0 if self.span <= 0.0 else progress / self.span
        if fraction >= 1.0:
            self.finished = True
            return self.target_m, 0.0
        change = self.target_m - self.start_m
        slope_per_unit = change * shape_slope(self.shape, fraction) / self.span if self.span > 0 else 0.0
        if not self.by_distance:
            slope_per_unit = slope_per_unit / motion.speed_mps if abs(motion.speed_mps) > 0.1 else 0.0
        return self.start_m + change * shape_value(self.shape, fraction), slope_per_unit
