"""Rule-based traffic: IDM car following along a route, and gap acceptance at crossings.

:class:`IdmDriver` drives along a :class:`~sdvkit.world.actors.Route` (usually a
:class:`~sdvkit.world.actors.LaneRoute`) with Treiber's Intelligent Driver Model; its leader is the
nearest actor ahead whose box reaches into the lane. :class:`GapAcceptance` approaches a stop
line, waits there until every approaching vehicle is at least ``critical_gap_s`` from the conflict
point, then goes; vehicles standing or creeping on their way to the conflict point count too (by
the time they need if they set off), and when two wait for each other the one with the smaller
actor id goes first. Both integrate ballistically (exact for constant acceleration within a step), never
brake harder than their maximum deceleration and never reverse.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sdvkit.world.actors import ActorKind, ActorSnapshot, ActorSpec, ActorState, Route
from sdvkit.world.errors import ActorError


def _positive(owner: str, name: str, value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value > 0)
    ):
        raise ActorError(f"{owner}: {name} must be a finite number > 0, not {value!r}")


def _not_negative(owner: str, name: str, value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value >= 0)
    ):
        raise ActorError(f"{owner}: {name} must be a finite number >= 0, not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class IdmParams:
    """Intelligent Driver Model parameters (Treiber, Hennecke, Helbing 2000).

    ``max_decel_mps2`` is the physical braking limit the model's demand is clipped to.
    """

    desired_speed_mps: float = 30.0
    time_headway_s: float = 1.5
    min_gap_m: float = 2.0
    max_accel_mps2: float = 1.0
    comfortable_decel_mps2: float = 2.0
    exponent: float = 4.0
    max_decel_mps2: float = 9.0

    def __post_init__(self) -> None:
        owner = "IdmParams"
        for name in (
            "desired_speed_mps",
            "max_accel_mps2",
            "comfortable_decel_mps2",
            "exponent",
            "max_decel_mps2",
        ):
            _positive(owner, name, getattr(self, name))
        _not_negative(owner, "time_headway_s", self.time_headway_s)
        _not_negative(owner, "min_gap_m", self.min_gap_m)


def idm_acceleration(
    params: IdmParams, speed_mps: float, gap_m: float | None = None, leader_speed_mps: float = 0.0
) -> float:
    """IDM acceleration; ``gap_m`` is bumper to bumper (None: free road). Not clipped."""
    free = 1.0 - float((max(speed_mps, 0.0) / params.desired_speed_mps) ** params.exponent)
    if gap_m is None:
        return params.max_accel_mps2 * free
    approach = speed_mps - leader_speed_mps
    desired_gap = params.min_gap_m + max(
        0.0,
        speed_mps * params.time_headway_s
        + speed_mps * approach / (2.0 * math.sqrt(params.max_accel_mps2 * params.comfortable_decel_mps2)),
    )
    gap = max(gap_m, 1e-3)
    return params.max_accel_mps2 * (free - (desired_gap / gap) ** 2)


def _integrate(speed_mps: float, accel_mps2: float, dt_s: float) -> tuple[float, float]:
    """(distance, new speed) over ``dt_s`` at constant acceleration, stopping at zero speed."""
    new_speed = speed_mps + accel_mps2 * dt_s
    if new_speed < 0.0:
        return (speed_mps * speed_mps / (-2.0 * accel_mps2) if accel_mps2 < 0 else 0.0), 0.0
    return speed_mps * dt_s + 0.5 * accel_mps2 * dt_s * dt_s, new_speed


class Leader:
    """The actor ahead on a route: its id, the bumper-to-bumper gap and its speed along the route."""

    __slots__ = ("gap_m", "id", "speed_mps")

    def __init__(self, actor_id: str, gap_m: float, speed_mps: float) -> None:
        self.id = actor_id
        self.gap_m = gap_m
        self.speed_mps = speed_mps


def find_leader(
    route: Route,
    distance_m: float,
    spec: ActorSpec,
    others: Sequence[ActorSnapshot],
    *,
    lane_half_width_m: float,
    look_ahead_m: float,
    position: tuple[float, float] | None = None,
) -> Leader | None:
    """The nearest actor ahead of ``distance_m`` on ``route`` whose box reaches within
    ``lane_half_width_m`` of the route, within ``look_ahead_m``; None if there is none.
    ``position`` is the follower's (x, y) where known (saves a route lookup)."""
    here_x, here_y = position if position is not None else route.pose_at(distance_m)[:2]
    best: ActorSnapshot | None = None
    best_ahead = look_ahead_m
    best_along = 0.0
    reach = look_ahead_m + spec.length_m
    for other in others:
        if other.id == spec.id or abs(other.x_m - here_x) > reach or abs(other.y_m - here_y) > reach:
            continue
        projected = route.project(other.x_m, other.y_m)
        if projected is None:
            continue
        along, lateral = projected
        ahead = along - distance_m
        if 0.0 < ahead < best_ahead and abs(lateral) - 0.5 * other.width_m <= lane_half_width_m:
            best, best_ahead, best_along = other, ahead, along
    if best is None:
        return None
    heading = route.pose_at(best_along).heading_rad
    speed = best.speed_mps * math.cos(best.heading_rad - heading)
    return Leader(best.id, best_ahead - 0.5 * (spec.length_m + best.length_m), speed)


class IdmDriver:
    """Drives along ``route`` with the IDM, following the nearest actor ahead in its lane."""

    __slots__ = (
        "distance_m",
        "lane_half_width_m",
        "leader",
        "look_ahead_m",
        "params",
        "route",
        "start_speed_mps",
    )

    def __init__(
        self,
        *,
        route: Route,
        params: IdmParams | None = None,
        start_distance_m: float = 0.0,
        start_speed_mps: float | None = None,
        lane_half_width_m: float = 1.75,
        look_ahead_m: float = 250.0,
    ) -> None:
        self.params = params if params is not None else IdmParams()
        if not math.isfinite(start_distance_m):
            raise ActorError(f"IdmDriver: start_distance_m must be finite, not {start_distance_m!r}")
        if start_speed_mps is not None:
            _not_negative("IdmDriver", "start_speed_mps", start_speed_mps)
        _positive("IdmDriver", "lane_half_width_m", lane_half_width_m)
        _positive("IdmDriver", "look_ahead_m", look_ahead_m)
        self.route = route
        self.distance_m = start_distance_m
        self.start_speed_mps = self.params.desired_speed_mps if start_speed_mps is None else start_speed_mps
        self.lane_half_width_m = lane_half_width_m
        self.look_ahead_m = look_ahead_m
        self.leader: Leader | None = None
        """The leader found in the last step."""

    def initial_state(self, spec: ActorSpec, t_s: float) -> ActorState:
        x, y, heading = self.route.pose_at(self.distance_m)
        return ActorState(x, y, heading, self.start_speed_mps, 0.0)

    def advance(
        self, state: ActorState, spec: ActorSpec, t_s: float, dt_s: float, others: Sequence[ActorSnapshot]
    ) -> None:
        leader = find_leader(
            self.route,
            self.distance_m,
            spec,
            others,
            lane_half_width_m=self.lane_half_width_m,
            look_ahead_m=self.look_ahead_m,
            position=(state.x_m, state.y_m),
        )
        self.leader = leader
        params = self.params
        if leader is None:
            accel = idm_acceleration(params, state.speed_mps)
        else:
            accel = idm_acceleration(params, state.speed_mps, leader.gap_m, leader.speed_mps)
        accel = max(accel, -params.max_decel_mps2)
        distance, speed = _integrate(state.speed_mps, accel, dt_s)
        self.distance_m += distance
        state.set_pose(self.route.pose_at(self.distance_m))
        state.speed_mps = speed
        state.accel_mps2 = accel


@dataclass(frozen=True, kw_only=True, slots=True)
class GapParams:
    """How a crossing actor moves and which gaps it accepts.

    A vehicle approaches the conflict point if it heads towards it and passes within
    ``lateral_window_m`` of it; it has cleared it once its rear is ``clearance_m`` past it. Its
    time to the conflict point counts its acceleration where positive; a vehicle standing or
    slower than ``others_slow_mps`` is taken to (set off and) speed up at
    ``others_start_accel_mps2``. ``decel_mps2`` is the comfortable braking for the stop line,
    ``max_decel_mps2`` the most the actor ever brakes (it stops beyond the line rather than
    brake harder).
    """

    desired_speed_mps: float
    critical_gap_s: float = 4.5
    accel_mps2: float = 1.5
    decel_mps2: float = 2.0
    lateral_window_m: float = 3.0
    clearance_m: float = 1.0
    max_decel_mps2: float = 9.0
    others_start_accel_mps2: float = 2.0
    others_slow_mps: float = 3.0

    def __post_init__(self) -> None:
        for name in (
            "desired_speed_mps",
            "critical_gap_s",
            "accel_mps2",
            "decel_mps2",
            "lateral_window_m",
            "max_decel_mps2",
            "others_start_accel_mps2",
            "others_slow_mps",
        ):
            _positive("GapParams", name, getattr(self, name))
        _not_negative("GapParams", "clearance_m", self.clearance_m)
        if self.max_decel_mps2 < self.decel_mps2:
            raise ActorError(
                f"GapParams: max_decel_mps2 ({self.max_decel_mps2!r}) must be >= "
                f"decel_mps2 ({self.decel_mps2!r})"
            )


class CrossingPhase(StrEnum):
    APPROACHING = "approaching"
    WAITING = "waiting"
    CROSSING = "crossing"


_STANDSTILL_MPS = 0.05


def _time_to_cover(distance_m: float, speed_mps: float, accel_mps2: float) -> float:
    """The time to cover ``distance_m`` (> 0) from ``speed_mps`` at a constant ``accel_mps2`` (>= 0)."""
    if accel_mps2 <= 0.0:
        return distance_m / speed_mps if speed_mps > 0.0 else math.inf
    return 2.0 * distance_m / (speed_mps + math.sqrt(speed_mps * speed_mps + 2.0 * accel_mps2 * distance_m))


class GapAcceptance:
    """Goes along ``route`` to the stop line at ``stop_distance_m``, waits there until every
    approaching vehicle (not pedestrians) is at least ``critical_gap_s`` away from the conflict
    point at ``conflict_distance_m``, then crosses and never stops again.

    Vehicles standing or creeping (slower than ``others_slow_mps``) on their way to the conflict
    point count with the time they need if they set off. Two actors waiting for each other would
    wait for ever (or, ignoring each other, go at once and collide): where both stand or creep
    braking, the one with the smaller actor id goes first and the other counts it. (So a vehicle
    parked facing the conflict point close to it, with a smaller id, keeps an actor waiting.)"""

    __slots__ = (
        "conflict_distance_m",
        "distance_m",
        "params",
        "phase",
        "route",
        "start_speed_mps",
        "stop_distance_m",
    )

    def __init__(
        self,
        *,
        route: Route,
        stop_distance_m: float,
        conflict_distance_m: float,
        params: GapParams,
        start_distance_m: float = 0.0,
        start_speed_mps: float | None = None,
    ) -> None:
        for name, value in (("stop_distance_m", stop_distance_m), ("start_distance_m", start_distance_m)):
            if not math.isfinite(value):
                raise ActorError(f"GapAcceptance: {name} must be finite, not {value!r}")
        if not start_distance_m <= stop_distance_m <= conflict_distance_m:
            raise ActorError(
                "GapAcceptance: need start_distance_m <= stop_distance_m <= conflict_distance_m, got "
                f"{start_distance_m!r}, {stop_distance_m!r}, {conflict_distance_m!r}"
            )
        if start_speed_mps is not None:
            _not_negative("GapAcceptance", "start_speed_mps", start_speed_mps)
        self.route = route
        self.params = params
        self.stop_distance_m = stop_distance_m
        self.conflict_distance_m = conflict_distance_m
        self.distance_m = start_distance_m
        self.start_speed_mps = params.desired_speed_mps if start_speed_mps is None else start_speed_mps
        self.phase = CrossingPhase.APPROACHING

    def initial_state(self, spec: ActorSpec, t_s: float) -> ActorState:
        x, y, heading = self.route.pose_at(self.distance_m)
        return ActorState(x, y, heading, self.start_speed_mps, 0.0)

    def smallest_gap_s(self, spec: ActorSpec, others: Sequence[ActorSnapshot]) -> float:
        """The shortest time any approaching vehicle needs to reach the conflict point (inf: none).

        ``others`` holds this actor too (as behaviours get them); while it waits (stands, or creeps
        braking), vehicles that wait too with a larger id than its own yield to it and do not count."""
        cx, cy, _ = self.route.pose_at(self.conflict_distance_m)
        smallest = math.inf
        params = self.params
        waiting = any(other.id == spec.id and self._waits(other) for other in others)
        for other in others:
            if other.id == spec.id or other.kind is ActorKind.PEDESTRIAN:
                continue
            c = math.cos(other.heading_rad)
            s = math.sin(other.heading_rad)
            dx = cx - other.x_m
            dy = cy - other.y_m
            along = dx * c + dy * s
            if abs(-dx * s + dy * c) > self.params.lateral_window_m:
                continue
            front = along - 0.5 * other.length_m
            if along + 0.5 * other.length_m < -self.params.clearance_m:
                continue  # cleared
            if front <= 0.0:
                return 0.0  # in the conflict zone
            accel = max(other.accel_mps2, 0.0)
            if other.speed_mps <= params.others_slow_mps:
                if waiting and other.id > spec.id and self._waits(other):
                    continue  # both wait: the smaller id goes first
                accel = max(accel, params.others_start_accel_mps2)
            smallest = min(smallest, _time_to_cover(front, max(other.speed_mps, 0.0), accel))
        return smallest

    def _waits(self, actor: ActorSnapshot) -> bool:
        """Stands, or creeps braking (as an actor stopping at its line)."""
        return actor.speed_mps <= _STANDSTILL_MPS or (
            actor.speed_mps <= self.params.others_slow_mps and actor.accel_mps2 < 0.0
        )

    def advance(
        self, state: ActorState, spec: ActorSpec, t_s: float, dt_s: float, others: Sequence[ActorSnapshot]
    ) -> None:
        params = self.params
        speed = state.speed_mps
        if self.phase is not CrossingPhase.CROSSING:
            to_stop = self.stop_distance_m - self.distance_m
            braking = speed * speed / (2.0 * params.decel_mps2)
            if to_stop <= braking + 0.5 and self.smallest_gap_s(spec, others) >= params.critical_gap_s:
                self.phase = CrossingPhase.CROSSING
        if self.phase is CrossingPhase.CROSSING:
            accel = min(params.accel_mps2, (params.desired_speed_mps - speed) / dt_s)
            distance, speed = _integrate(speed, accel, dt_s)
        else:
            to_stop = self.stop_distance_m - self.distance_m
            needed = speed * speed / (2.0 * to_stop) if to_stop > 1e-6 else math.inf
            overrun = needed > params.max_decel_mps2
            if speed <= _STANDSTILL_MPS and (to_stop <= 1e-6 or needed >= params.decel_mps2):
                accel, distance, speed = 0.0, max(to_stop, 0.0), 0.0
                self.phase = CrossingPhase.WAITING
            elif needed >= params.decel_mps2:
                # Brake for the line, never harder than max_decel_mps2: too fast, it stops beyond.
                accel = -min(needed, params.max_decel_mps2)
                distance, speed = _integrate(speed, accel, dt_s)
                if overrun and speed == 0.0:
                    self.phase = CrossingPhase.WAITING
            else:
                accel = min(params.accel_mps2, (params.desired_speed_mps - speed) / dt_s)
                distance, speed = _integrate(speed, accel, dt_s)
                # Never accelerate past the point from which a comfortable stop is still possible.
                if speed * speed / (2.0 * params.decel_mps2) > to_stop - distance:
                    accel = 0.0
                    distance, speed = _integrate(state.speed_mps, accel, dt_s)
            if distance >= to_stop and not overrun:
                distance, speed, accel = max(to_stop, 0.0), 0.0, 0.0
                self.phase = CrossingPhase.WAITING
        self.distance_m += distance
        state.set_pose(self.route.pose_at(self.distance_m))
        state.speed_mps = speed
        state.accel_mps2 = accel
