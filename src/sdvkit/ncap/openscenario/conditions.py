"""Triggers and conditions: read from the document, evaluated once per step of the world.

A trigger is an OR of condition groups, each an AND of conditions. Each :class:`Condition`
remembers its past values: the edge (``rising``, ``falling``, ``risingOrFalling``, ``none``) is
found between consecutive evaluations (the first evaluation has no edge), and ``delay`` shifts
the result later by that many seconds. Distances and times use the reference points of the
entities, or their boxes where ``freespace`` is true; ``road`` and ``lane`` coordinate systems
measure along the road at the triggering entity.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sdvkit.ncap.openscenario.entities import EntityState, separation
from sdvkit.ncap.openscenario.expressions import Value
from sdvkit.ncap.openscenario.parameters import Scope, compare, to_boolean, to_number
from sdvkit.ncap.openscenario.positions import PositionSpec, read_position
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported
from sdvkit.world.collision import box_overlap
from sdvkit.world.geometry import Pose

if TYPE_CHECKING:
    from sdvkit.ncap.openscenario.positions import TrackReader

__all__ = ["Condition", "ConditionView", "Mentions", "Trigger", "read_trigger"]

ELEMENT_TYPES = ("story", "act", "maneuverGroup", "maneuver", "event", "action")
ELEMENT_STATES = (
    "startTransition", "endTransition", "stopTransition", "skipTransition",
    "completeState", "runningState", "standbyState",
)  # fmt: skip


class ConditionView(Protocol):
    """What conditions read: time, entities, storyboard states, variables and parameters."""

    @property
    def time_s(self) -> float: ...

    def entity(self, name: str) -> EntityState | None: ...

    def entities(self) -> tuple[EntityState, ...]: ...

    def element_status(self, kind: str, name: str, state: str) -> bool: ...

    def variable(self, name: str) -> Value: ...

    def parameter(self, name: str) -> Value: ...

    def resolve(self, position: PositionSpec) -> Pose: ...

    def road_heading(self, pose: Pose) -> float | None: ...


class Check(Protocol):
    def __call__(self, view: ConditionView) -> bool: ...


@dataclass(slots=True)
class Mentions:
    """What conditions refer to, for checks once the whole storyboard is read: storyboard
    elements (kind, name), entities, and collisions (triggering entity, other entity)."""

    elements: list[tuple[Node, str, str]] = field(default_factory=list)
    entities: list[tuple[Node, str]] = field(default_factory=list)
    collisions: list[tuple[str, str]] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Condition:
    """One condition with its edge and delay, and the memory they need. ``meta`` describes the
    simple conditions a run's duration can be read from: ``("time", seconds)`` for a simulation
    time above a value (entity ""), ``("traveled", entity, metres)`` for a distance travelled."""

    node: Node
    name: str
    delay_s: float
    edge: str
    check: Check
    meta: tuple[str, str, float] | None = None
    _previous: bool | None = None
    _history: deque[tuple[float, bool]] = field(default_factory=deque)

    def update(self, view: ConditionView) -> None:
        raw = self.check(view)
        previous = self._previous
        if self.edge == "none":
            value = raw
        elif previous is None:
            value = False
        elif self.edge == "rising":
            value = raw and not previous
        elif self.edge == "falling":
            value = previous and not raw
        else:
            value = raw != previous
        self._previous = raw
        self._history.append((view.time_s, value))
        horizon = view.time_s - self.delay_s - 1.0
        while len(self._history) > 2 and self._history[1][0] <= horizon:
            self._history.popleft()

    def value(self, time_s: float) -> bool:
        """The result at ``time_s``: the edge-evaluated value ``delay`` seconds earlier."""
        if not self.delay_s:
            return bool(self._history) and self._history[-1][1]
        when = time_s - self.delay_s + 1e-9
        result = False
        for moment, value in self._history:
            if moment > when:
                break
            result = value
        return result


@dataclass(eq=False, slots=True)
class Trigger:
    """An OR of AND groups of conditions."""

    node: Node
    groups: tuple[tuple[Condition, ...], ...]

    def value(self, time_s: float) -> bool:
        return any(all(condition.value(time_s) for condition in group) for group in self.groups)

    def conditions(self) -> tuple[Condition, ...]:
        return tuple(condition for group in self.groups for condition in group)


# --- by value -------------------------------------------------------------------------------


def _by_value(node: Node, scope: Scope, mentions: Mentions) -> Check:
    kind = node.choice()
    if kind.tag == "SimulationTimeCondition":
        rule, value = scope.text(kind, "rule"), scope.number(kind, "value")
        return lambda view: compare(kind, view.time_s, rule, value)
    if kind.tag == "StoryboardElementStateCondition":
        element_type = scope.choice(kind, "storyboardElementType", ELEMENT_TYPES)
        name = scope.text(kind, "storyboardElementRef").split("::")[-1]
        state = scope.choice(kind, "state", ELEMENT_STATES)
        mentions.elements.append((kind, element_type, name))
        return lambda view: view.element_status(element_type, name, state)
    if kind.tag in ("ParameterCondition", "VariableCondition"):
        is_parameter = kind.tag == "ParameterCondition"
        name = scope.text(kind, "parameterRef" if is_parameter else "variableRef")
        rule = scope.text(kind, "rule")
        given = scope.resolve(kind, "value", scope.raw(kind, "value"))

        def check_value(view: ConditionView) -> bool:
            current = view.parameter(name) if is_parameter else view.variable(name)
            expected: Value = given
            if isinstance(current, bool):
                expected = to_boolean(kind, "value", given)
            elif isinstance(current, (int, float)):
                expected = to_number(kind, "value", given)
            return compare(kind, current, rule, expected)

        return check_value
    raise unsupported(
        kind, "the bench evaluates simulation time, storyboard states, parameters and variables"
    )


# --- by entity ------------------------------------------------------------------------------


def _distance_kind(node: Node, scope: Scope) -> str:
    kind = scope.text(node, "relativeDistanceType", "euclidianDistance")
    if kind in ("euclidianDistance", "cartesianDistance"):
        return "euclidian"
    if kind in ("longitudinal", "lateral"):
        return kind
    raise malformed(node, f"relativeDistanceType={kind!r} is not longitudinal, lateral or euclidianDistance")


def _measure_heading(node: Node, scope: Scope) -> str:
    system = scope.text(node, "coordinateSystem", "entity")
    if system not in ("entity", "road", "lane"):
        raise unsupported(
            node, f"coordinateSystem={system!r}: distances are measured in entity or road frames"
        )
    return system


def _heading(view: ConditionView, state: EntityState, system: str) -> float:
    if system == "entity":
        return state.reference.heading_rad
    road = view.road_heading(state.reference)
    return state.reference.heading_rad if road is None else road


def _point_state(state: EntityState, pose: Pose) -> EntityState:
    """A zero-size stand-in at a position, for distances to positions."""
    return EntityState(state.model, pose, pose, 0.0, 0.0)


class EntityCheck(Protocol):
    def __call__(self, view: ConditionView, state: EntityState) -> bool: ...


def _entity_check(condition: Node, scope: Scope, tracks: TrackReader, mentions: Mentions) -> EntityCheck:
    """The check of one triggering entity."""
    kind = condition.choice()
    tag = kind.tag
    if tag == "CollisionCondition":
        target = kind.choice(("EntityRef", "ByType"))
        if target.tag == "EntityRef":
            other = scope.text(target, "entityRef")
            mentions.entities.append((target, other))
            mentions.collisions.append(("", other))

            def collides(view: ConditionView, state: EntityState) -> bool:
                found = view.entity(other)
                return found is not None and box_overlap(state.box(), found.box()) is not None

            return collides
        object_type = scope.text(target, "objectType")

        def collides_type(view: ConditionView, state: EntityState) -> bool:
            return any(
                other.name != state.name and other.model.category == object_type
                and box_overlap(state.box(), other.box()) is not None
                for other in view.entities()
            )  # fmt: skip

        return collides_type
    if tag == "StandStillCondition":
        duration = scope.number(kind, "duration")
        return lambda view, state: state.standstill_s >= duration
    if tag in ("SpeedCondition", "AccelerationCondition"):
        direction = scope.text(kind, "direction", "longitudinal")
        if direction != "longitudinal":
            raise unsupported(kind, f"direction={direction!r}: only longitudinal speeds are measured")
        rule, value = scope.text(kind, "rule"), scope.number(kind, "value")
        if tag == "SpeedCondition":
            return lambda view, state: compare(kind, state.speed_mps, rule, value)
        return lambda view, state: compare(kind, state.accel_mps2, rule, value)
    if tag == "TraveledDistanceCondition":
        value = scope.number(kind, "value")
        return lambda view, state: state.traveled_m >= value
    if tag == "RelativeSpeedCondition":
        other, rule, value = (
            scope.text(kind, "entityRef"),
            scope.text(kind, "rule"),
            scope.number(kind, "value"),
        )

        def relative_speed(view: ConditionView, state: EntityState) -> bool:
            found = view.entity(other)
            return found is not None and compare(kind, state.speed_mps - found.speed_mps, rule, value)

        return relative_speed
    if tag == "ReachPositionCondition":
        position = read_position(kind.require("Position"), scope, tracks)
        tolerance = scope.number(kind, "tolerance")

        def reached(view: ConditionView, state: EntityState) -> bool:
            target = view.resolve(position)
            return math.hypot(target.x_m - state.reference.x_m, target.y_m - state.reference.y_m) <= tolerance

        return reached
    if tag in ("DistanceCondition", "RelativeDistanceCondition", "TimeHeadwayCondition"):
        return _distance_check(kind, scope, tracks)
    if tag == "TimeToCollisionCondition":
        return _ttc_check(kind, scope, tracks)
    raise unsupported(kind, "this entity condition is not evaluated by the bench")


def _distance_check(kind: Node, scope: Scope, tracks: TrackReader) -> EntityCheck:
    tag = kind.tag
    freespace = scope.boolean(kind, "freespace", False)
    system = _measure_heading(kind, scope)
    rule, value = scope.text(kind, "rule"), scope.number(kind, "value")
    if tag == "TimeHeadwayCondition" and kind.get("relativeDistanceType") is None and kind.get("alongRoute"):
        distance_kind = (
            "longitudinal" if scope.boolean(kind, "alongRoute") else "euclidian"
        )  # OpenSCENARIO 1.0
    else:
        distance_kind = _distance_kind(kind, scope)
    position = read_position(kind.require("Position"), scope, tracks) if tag == "DistanceCondition" else None
    other_name = None if position is not None else scope.text(kind, "entityRef")

    def measure(view: ConditionView, state: EntityState) -> bool:
        if position is not None:
            other = _point_state(state, view.resolve(position))
        else:
            assert other_name is not None
            found = view.entity(other_name)
            if found is None:
                return False
            other = found
        distance = separation(
            state, other, freespace=freespace, kind=distance_kind, heading_rad=_heading(view, state, system)
        )
        if tag == "TimeHeadwayCondition":
            distance = distance / state.speed_mps if state.speed_mps > 1e-6 else math.inf
        return compare(kind, distance, rule, value)

    return measure


def _ttc_check(kind: Node, scope: Scope, tracks: TrackReader) -> EntityCheck:
    freespace = scope.boolean(kind, "freespace")
    rule, value = scope.text(kind, "rule"), scope.number(kind, "value")
    target = kind.require("TimeToCollisionConditionTarget").choice(("EntityRef", "Position"))
    other_name = scope.text(target, "entityRef") if target.tag == "EntityRef" else None
    position = read_position(target, scope, tracks) if target.tag == "Position" else None

    def time_to_collision(view: ConditionView, state: EntityState) -> bool:
        if position is not None:
            other = _point_state(state, view.resolve(position))
        else:
            assert other_name is not None
            found = view.entity(other_name)
            if found is None:
                return False
            other = found
        dx, dy = other.reference.x_m - state.reference.x_m, other.reference.y_m - state.reference.y_m
        distance = math.hypot(dx, dy)
        gap = (
            separation(state, other, freespace=True, kind="euclidian", heading_rad=0.0)
            if freespace
            else distance
        )
        (vx, vy), (ox, oy) = state.velocity(), other.velocity()
        closing = ((vx - ox) * dx + (vy - oy) * dy) / distance if distance > 1e-9 else 0.0
        ttc = gap / closing if closing > 1e-9 else math.inf
        return compare(kind, ttc, rule, value)

    return time_to_collision


def _by_entity(node: Node, scope: Scope, tracks: TrackReader, mentions: Mentions) -> Check:
    triggering = node.require("TriggeringEntities")
    rule = scope.choice(triggering, "triggeringEntitiesRule", ("any", "all"))
    names = tuple(scope.text(reference, "entityRef") for reference in triggering.all("EntityRef"))
    if not names:
        raise malformed(triggering, "<TriggeringEntities> names no entity")
    mentions.entities.extend((triggering, name) for name in names)
    collisions_before = len(mentions.collisions)
    check = _entity_check(node.require("EntityCondition"), scope, tracks, mentions)
    if len(mentions.collisions) > collisions_before:
        _, other = mentions.collisions.pop()
        mentions.collisions.extend((name, other) for name in names)

    def by_entity(view: ConditionView) -> bool:
        results = []
        for name in names:
            state = view.entity(name)
            results.append(state is not None and check(view, state))
        return any(results) if rule == "any" else all(results)

    return by_entity


def _meta(body: Node, scope: Scope) -> tuple[str, str, float] | None:
    """What a run's duration can be read from, for a simulation-time or travelled-distance condition."""
    kind = body.children[0]
    if kind.tag == "SimulationTimeCondition" and scope.text(kind, "rule") in (
        "greaterThan",
        "greaterOrEqual",
    ):
        return ("time", "", scope.number(kind, "value"))
    if body.tag == "ByEntityCondition":
        entity = body.require("EntityCondition").children
        names = [
            scope.text(item, "entityRef") for item in body.require("TriggeringEntities").all("EntityRef")
        ]
        if len(entity) == 1 and entity[0].tag == "TraveledDistanceCondition" and len(names) == 1:
            return ("traveled", names[0], scope.number(entity[0], "value"))
    return None


def read_condition(node: Node, scope: Scope, tracks: TrackReader, mentions: Mentions) -> Condition:
    """A ``<Condition>``; what it refers to is added to ``mentions`` for the caller to check."""
    edge = scope.choice(node, "conditionEdge", ("rising", "falling", "risingOrFalling", "none"))
    delay = scope.number(node, "delay", 0.0)
    if delay < 0:
        raise malformed(node, f"delay={delay:g} must not be negative")
    body = node.choice(("ByValueCondition", "ByEntityCondition"))
    if body.tag == "ByValueCondition":
        check = _by_value(body, scope, mentions)
    else:
        check = _by_entity(body, scope, tracks, mentions)
    meta = _meta(body, scope) if edge in ("none", "rising") else None
    return Condition(node, scope.text(node, "name", ""), delay, edge, check, meta)


def read_trigger(node: Node | None, scope: Scope, tracks: TrackReader, mentions: Mentions) -> Trigger | None:
    """A ``<StartTrigger>``/``<StopTrigger>``; None when absent (or empty)."""
    if node is None:
        return None
    groups = []
    for group in node.all("ConditionGroup"):
        conditions = tuple(read_condition(item, scope, tracks, mentions) for item in group.all("Condition"))
        if not conditions:
            raise malformed(group, "<ConditionGroup> holds no <Condition>")
        groups.append(conditions)
    return Trigger(node, tuple(groups)) if groups else None
