"""The world: a road network, actors moved by their behaviours, the ego, and collisions.

Each :meth:`World.step` moves every actor from ``time_s`` to ``time_s + dt_s``; all behaviours
see the actors (and the ego) as they were at the step's start, so the result does not depend on
the order actors were added in (collision pairs come as the ego and an actor, or by actor id),
and the same calls give the same world, bit for bit.

The ego is driven from outside (the vehicle plant). Before a step, pass the pose the ego has at
the step's *end* to :meth:`World.set_ego_pose`; the world interpolates between the two poses to
find when the ego first touches an actor. Without a new pose the ego holds its last one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from sdvkit.world.actors import ActorKind, ActorSnapshot, ActorSpec, ActorState, Behaviour
from sdvkit.world.collision import BoxPose, Impact, OrientedBox, distance_between, may_meet, sweep
from sdvkit.world.errors import ActorError, WorldError
from sdvkit.world.network import RoadNetwork
from sdvkit.world.roads import LaneMarkings

EGO_ID = "ego"


class CollisionEvent(NamedTuple):
    """Two boxes touched: when (world time), who (``first_id`` is the ego where it takes part, else
    the smaller actor id), how (normal and relative velocity as seen from ``first_id``)."""

    time_s: float
    first_id: str
    second_id: str
    impact: Impact


class EgoRelative(NamedTuple):
    """An actor seen from the ego's centre, in the ego frame (x forward, y left)."""

    actor_id: str
    kind: ActorKind
    longitudinal_m: float
    lateral_m: float
    range_m: float
    bearing_rad: float
    relative_heading_rad: float
    relative_vx_mps: float
    relative_vy_mps: float
    range_rate_mps: float
    """d(range)/dt: negative while closing."""


@dataclass(slots=True)
class _Entry:
    spec: ActorSpec
    behaviour: Behaviour | None
    state: ActorState
    pose: BoxPose
    size: tuple[float, float]
    reach_m: float
    lifted: bool
    """True when the box is off the road (a gantry): lower actors pass beneath it."""


def _new_entry(spec: ActorSpec, behaviour: Behaviour | None, state: ActorState) -> _Entry:
    pose = (state.x_m, state.y_m, state.heading_rad)
    reach = 0.5 * math.hypot(spec.length_m, spec.width_m)
    return _Entry(spec, behaviour, state, pose, (spec.length_m, spec.width_m), reach, spec.clearance_m > 0.0)


def _relative(ego: ActorState, c: float, s: float, entry: _Entry) -> EgoRelative:
    """An actor in the frame of the ego (whose heading has cosine ``c`` and sine ``s``)."""
    other = entry.state
    dx = other.x_m - ego.x_m
    dy = other.y_m - ego.y_m
    longitudinal = dx * c + dy * s
    lateral = -dx * s + dy * c
    rvx = other.speed_mps * math.cos(other.heading_rad) - ego.speed_mps * c
    rvy = other.speed_mps * math.sin(other.heading_rad) - ego.speed_mps * s
    distance = math.hypot(dx, dy)
    return EgoRelative(
        entry.spec.id, entry.spec.kind, longitudinal, lateral, distance, math.atan2(lateral, longitudinal),
        math.remainder(other.heading_rad - ego.heading_rad, math.tau), rvx * c + rvy * s, -rvx * s + rvy * c,
        0.0 if distance == 0.0 else (dx * rvx + dy * rvy) / distance,
    )  # fmt: skip


def _pair(first: _Entry, second: _Entry, second_is_ego: bool) -> tuple[str, str]:
    return (second.spec.id, first.spec.id) if second_is_ego else (first.spec.id, second.spec.id)


class World:
    """Roads, actors and the ego; deterministic stepping and collision events."""

    __slots__ = ("_actors", "_contacts", "_ego", "_ego_next", "_events", "_ordered", "network", "time_s")

    def __init__(self, network: RoadNetwork | None = None, *, start_time_s: float = 0.0) -> None:
        if not math.isfinite(start_time_s):
            raise WorldError(f"World: start_time_s must be finite, not {start_time_s!r}")
        self.network = network
        self.time_s = start_time_s
        self._actors: dict[str, _Entry] = {}
        self._ego: _Entry | None = None
        self._ordered: list[_Entry] = []
        """The actors by id, then the ego: the order of stepping, snapshots and collision pairs."""
        self._ego_next: ActorState | None = None
        self._contacts: set[tuple[str, str]] = set()
        self._events: list[CollisionEvent] = []

    # --- set-up ---------------------------------------------------------------------------

    def add_actor(
        self, spec: ActorSpec, behaviour: Behaviour | None = None, *, state: ActorState | None = None
    ) -> None:
        """Add an actor, placed by ``behaviour`` (at the current time) or by ``state``; an actor
        without a behaviour stands still."""
        if spec.id in self._actors or spec.id == EGO_ID:
            raise ActorError(f"World: actor id {spec.id!r} is already taken")
        if behaviour is None and state is None:
            raise ActorError(f"World: actor {spec.id!r} needs a behaviour or a state")
        if behaviour is not None and any(entry.behaviour is behaviour for entry in self._actors.values()):
            raise ActorError(f"World: actor {spec.id!r} shares its behaviour object with another actor")
        if state is None:
            assert behaviour is not None
            state = behaviour.initial_state(spec, self.time_s)
        self._actors[spec.id] = _new_entry(spec, behaviour, state)
        self._order()

    def remove_actor(self, actor_id: str) -> None:
        self._entry(actor_id)
        del self._actors[actor_id]
        self._order()
        self._contacts = {pair for pair in self._contacts if actor_id not in pair}

    def place_ego(
        self,
        spec: ActorSpec,
        *,
        x_m: float,
        y_m: float,
        heading_rad: float,
        speed_mps: float = 0.0,
        accel_mps2: float = 0.0,
    ) -> None:
        """Put the ego (its box is ``spec``; its id is always ``"ego"``) at a pose now."""
        spec = ActorSpec(
            id=EGO_ID, kind=spec.kind, length_m=spec.length_m, width_m=spec.width_m, height_m=spec.height_m
        )
        state = ActorState(x_m, y_m, heading_rad, speed_mps, accel_mps2)
        self._ego = _new_entry(spec, None, state)
        self._order()
        self._ego_next = None

    def set_ego_pose(
        self, x_m: float, y_m: float, heading_rad: float, *, speed_mps: float, accel_mps2: float
    ) -> None:
        """The ego's pose, speed and acceleration at the end of the next :meth:`step` (speed and
        acceleration are required: the range rates the sensors see come from them)."""
        if self._ego is None:
            raise WorldError("World: place_ego() before set_ego_pose()")
        self._ego_next = ActorState(x_m, y_m, heading_rad, speed_mps, accel_mps2)

    def _order(self) -> None:
        ordered = sorted(self._actors.values(), key=lambda entry: entry.spec.id)
        self._ordered = ordered if self._ego is None else [*ordered, self._ego]

    # --- stepping -------------------------------------------------------------------------

    def step(self, dt_s: float) -> tuple[CollisionEvent, ...]:
        """Advance ``dt_s``; returns the collisions that began in this step, ordered by time, then
        by the first and second ids."""
        if isinstance(dt_s, bool) or not (math.isfinite(dt_s) and dt_s > 0):
            raise WorldError(f"World.step: dt_s must be > 0, not {dt_s!r}")
        t0 = self.time_s
        entries = self._ordered
        before = [entry.pose for entry in entries]
        snapshots = tuple([ActorSnapshot.of(entry.spec, entry.state) for entry in entries])
        for entry in entries:
            if entry.behaviour is not None:
                entry.behaviour.advance(entry.state, entry.spec, t0, dt_s, snapshots)
        if self._ego is not None and self._ego_next is not None:
            self._ego.state = self._ego_next
            self._ego_next = None
        ends: list[BoxPose] = []
        for entry in entries:
            state = entry.state
            entry.pose = (state.x_m, state.y_m, state.heading_rad)
            ends.append(entry.pose)
        events = self._collide(entries, before, ends, dt_s)
        self.time_s = t0 + dt_s
        self._events.extend(events)
        return events

    def _collide(
        self, entries: list[_Entry], before: list[BoxPose], ends: list[BoxPose], dt_s: float
    ) -> tuple[CollisionEvent, ...]:
        """Pairs come as (ego, actor) or (smaller id, larger id), whatever order actors were added
        in; so do the signs of the normals and relative velocities."""
        events: list[CollisionEvent] = []
        contacts = self._contacts
        t0 = self.time_s
        count = len(entries)
        ego_index = count - 1 if self._ego is not None else count  # the ego comes last in entries
        for i in range(count - 1):
            first, a0, a1 = entries[i], before[i], ends[i]
            for j in range(i + 1, count):
                second, b0, b1 = entries[j], before[j], ends[j]
                if (first.lifted or second.lifted) and first.spec.passes_under(second.spec):
                    continue
                if not may_meet(a0, a1, b0, b1, first.reach_m + second.reach_m):
                    if contacts:
                        contacts.discard(_pair(first, second, j == ego_index))
                    continue
                pair = _pair(first, second, j == ego_index)
                if j == ego_index:  # the ego always comes first
                    impact = sweep((b0, b1, second.size), (a0, a1, first.size), dt_s)
                else:
                    impact = sweep((a0, a1, first.size), (b0, b1, second.size), dt_s)
                if impact is None:
                    contacts.discard(pair)
                    continue
                if pair not in contacts:
                    events.append(CollisionEvent(t0 + impact.time_s, pair[0], pair[1], impact))
                if impact.depth_m > 0.0:
                    contacts.add(pair)
                else:
                    contacts.discard(pair)
        events.sort(key=lambda event: (event.time_s, event.first_id, event.second_id))
        return tuple(events)

    # --- queries --------------------------------------------------------------------------

    def _entry(self, actor_id: str) -> _Entry:
        if actor_id == EGO_ID and self._ego is not None:
            return self._ego
        try:
            return self._actors[actor_id]
        except KeyError:
            raise ActorError(f"World: no actor {actor_id!r} (actors: {sorted(self._actors)})") from None

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(self._actors)

    def actor(self, actor_id: str) -> ActorSnapshot:
        """An actor (or ``"ego"``) as it is now."""
        entry = self._entry(actor_id)
        return ActorSnapshot.of(entry.spec, entry.state)

    def actors(self) -> tuple[ActorSnapshot, ...]:
        """Every actor (not the ego) as it is now, in the order they were added."""
        return tuple(ActorSnapshot.of(entry.spec, entry.state) for entry in self._actors.values())

    def box(self, actor_id: str) -> OrientedBox:
        """The box an actor (or ``"ego"``) occupies now."""
        entry = self._entry(actor_id)
        x, y, heading = entry.pose
        return OrientedBox(x_m=x, y_m=y, heading_rad=heading, length_m=entry.size[0], width_m=entry.size[1])

    def gap_m(self, actor_id: str, to_id: str = EGO_ID) -> float:
        """The shortest distance between two actors' boxes (by default from the ego), 0 where they
        touch: bumper to bumper for a target ahead in the lane."""
        return distance_between(self.box(to_id), self.box(actor_id))

    def spec(self, actor_id: str) -> ActorSpec:
        """What an actor (or ``"ego"``) is: kind, box size, height and ground clearance."""
        return self._entry(actor_id).spec

    def behaviour(self, actor_id: str) -> Behaviour | None:
        return self._entry(actor_id).behaviour

    @property
    def ego(self) -> ActorSnapshot | None:
        return None if self._ego is None else ActorSnapshot.of(self._ego.spec, self._ego.state)

    @property
    def collisions(self) -> tuple[CollisionEvent, ...]:
        """Every collision so far, in time order."""
        return tuple(self._events)

    def relative_to_ego(self, actor_id: str) -> EgoRelative:
        """An actor's position and motion in the ego frame."""
        if self._ego is None:
            raise WorldError("World: no ego placed")
        ego = self._ego.state
        return _relative(ego, math.cos(ego.heading_rad), math.sin(ego.heading_rad), self._entry(actor_id))

    def relative_actors(self) -> tuple[EgoRelative, ...]:
        """Every actor in the ego frame, in the order they were added."""
        if self._ego is None:
            raise WorldError("World: no ego placed")
        ego = self._ego.state
        c, s = math.cos(ego.heading_rad), math.sin(ego.heading_rad)
        return tuple([_relative(ego, c, s, entry) for entry in self._actors.values()])

    def ego_lane_markings(self) -> LaneMarkings | None:
        """The ego's lane, its markings and distances, left/right as seen along the ego's heading."""
        if self._ego is None or self.network is None:
            return None
        ego = self._ego.state
        return self.network.lane_markings(ego.x_m, ego.y_m, ego.heading_rad)
