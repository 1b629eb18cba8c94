"""Reading actions: ``<Action>``, ``<PrivateAction>`` and ``<GlobalAction>`` into the models of
:mod:`sdvkit.ncap.openscenario.actions`, refusing what the bench cannot run with an
:class:`~sdvkit.ncap.errors.UnsupportedElementError` that names the element and says why.
"""

from __future__ import annotations

import math

from sdvkit.ncap.openscenario.actions import (
    ActionModel,
    AssignRouteModel,
    DistanceActionModel,
    FollowTrajectoryModel,
    LateralModel,
    NoEffectModel,
    SpeedActionModel,
    SynchronizeModel,
    TeleportModel,
    VariableModel,
)
from sdvkit.ncap.openscenario.motion import SHAPES
from sdvkit.ncap.openscenario.parameters import Scope, format_value
from sdvkit.ncap.openscenario.positions import read_position
from sdvkit.ncap.openscenario.tracks import Tracks
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported

__all__ = ["read_action", "read_global", "read_private"]


def _transition(node: Node, scope: Scope) -> tuple[str, str, float]:
    shape = scope.choice(node, "dynamicsShape", SHAPES)
    dimension = scope.choice(node, "dynamicsDimension", ("time", "rate", "distance"))
    value = scope.number(node, "value")
    if value < 0 or (value == 0 and shape != "step" and dimension == "rate"):
        raise malformed(node, f"value={value:g} must be > 0 for a {dimension} of a {shape} transition")
    return shape, dimension, value


def _speed(node: Node, scope: Scope) -> SpeedActionModel:
    shape, dimension, value = _transition(node.require("SpeedActionDynamics"), scope)
    target = node.require("SpeedActionTarget").choice(("AbsoluteTargetSpeed", "RelativeTargetSpeed"))
    name = ""
    if target.tag == "AbsoluteTargetSpeed":
        return SpeedActionModel(node, name, shape, dimension, value, scope.number(target, "value"))
    kind = scope.choice(target, "speedTargetValueType", ("delta", "factor"))
    return SpeedActionModel(
        node, name, shape, dimension, value, None, scope.text(target, "entityRef"),
        scope.number(target, "value"), kind == "factor", scope.boolean(target, "continuous"),
    )  # fmt: skip


def _distance(node: Node, scope: Scope) -> DistanceActionModel:
    if node.child("DynamicConstraints") is not None:
        raise unsupported(
            node.require("DynamicConstraints"), "the actor takes its distance at once (no limits)"
        )
    distance = scope.optional_number(node, "distance")
    time_gap = scope.optional_number(node, "timeGap")
    if (distance is None) == (time_gap is None):
        raise malformed(node, "<LongitudinalDistanceAction> needs exactly one of distance and timeGap")
    displacement = scope.choice(
        node, "displacement", ("leadingReferencedEntity", "trailingReferencedEntity", "any"),
        "trailingReferencedEntity",
    )  # fmt: skip
    side = {"leadingReferencedEntity": 1, "trailingReferencedEntity": -1, "any": 0}[displacement]
    system = scope.choice(node, "coordinateSystem", ("entity", "road", "lane", "trajectory"), "entity")
    if system == "trajectory":
        raise unsupported(node, "coordinateSystem='trajectory' is not supported")
    return DistanceActionModel(
        node, "", scope.text(node, "entityRef"), distance, time_gap, scope.boolean(node, "freespace"),
        scope.boolean(node, "continuous"), side, system != "entity",
    )  # fmt: skip


def _synchronize(node: Node, scope: Scope, tracks: Tracks) -> SynchronizeModel:
    master_position = read_position(node.require("TargetPositionMaster").choice(), scope, tracks)
    position = read_position(node.require("TargetPosition").choice(), scope, tracks)
    final = node.child("FinalSpeed")
    speed: float | None = None
    relative: tuple[float, bool] | None = None
    steady_m = steady_s = 0.0
    if final is not None:
        kind = final.choice(("AbsoluteSpeed", "RelativeSpeedToMaster"))
        if kind.tag == "AbsoluteSpeed":
            speed = scope.number(kind, "value")
        else:
            factor = scope.choice(kind, "speedTargetValueType", ("delta", "factor")) == "factor"
            relative = (scope.number(kind, "value"), factor)
        steady = kind.child("TargetDistanceSteadyState") or kind.child("TargetTimeSteadyState")
        if steady is not None and steady.tag == "TargetDistanceSteadyState":
            steady_m = scope.number(steady, "distance")
        elif steady is not None:
            steady_s = scope.number(steady, "time")
        if steady_m < 0 or steady_s < 0:
            raise malformed(steady or kind, "the steady state must not be negative")
        if speed is not None and speed <= 0 and (steady_m or steady_s):
            raise malformed(kind, "a steady state needs a final speed > 0")
    return SynchronizeModel(
        node,
        "",
        scope.text(node, "masterEntityRef"),
        master_position,
        position,
        speed,
        relative,
        steady_m,
        steady_s,
    )


def _lateral(node: Node, scope: Scope) -> LateralModel:
    if node.tag == "LaneChangeAction":
        shape, dimension, value = _transition(node.require("LaneChangeActionDynamics"), scope)
        if dimension == "rate" and shape != "step":
            raise malformed(node, "a lane change takes a time or a distance, not a rate")
        target = node.require("LaneChangeTarget").choice(("RelativeTargetLane", "AbsoluteTargetLane"))
        lane: tuple[str | None, int]
        if target.tag == "AbsoluteTargetLane":
            lane = (None, scope.integer(target, "value"))
        else:
            lane = (scope.text(target, "entityRef"), scope.integer(target, "value"))
        return LateralModel(
            node, "", lane, scope.number(node, "targetLaneOffset", 0.0), shape, dimension, value
        )
    if scope.boolean(node, "continuous"):
        raise unsupported(node, "a continuous lane offset is not supported")
    dynamics = node.require("LaneOffsetActionDynamics")
    shape = scope.choice(dynamics, "dynamicsShape", SHAPES)
    target = node.require("LaneOffsetTarget").choice(("AbsoluteTargetLaneOffset", "RelativeTargetLaneOffset"))
    if target.tag == "RelativeTargetLaneOffset":
        raise unsupported(target, "only absolute lane offsets are supported")
    accel = scope.optional_number(dynamics, "maxLateralAcc")
    if accel is not None and accel <= 0:
        raise malformed(dynamics, f"maxLateralAcc={accel:g} must be > 0")
    return LateralModel(
        node,
        "",
        None,  # within its lane
        scope.number(target, "value"),
        shape,
        "time",
        0.0,
        accel if accel is not None else math.inf,
    )


def _routing(node: Node, scope: Scope, tracks: Tracks) -> ActionModel:
    kind = node.choice()
    if kind.tag == "AssignRouteAction":
        body = kind.child("RouteRef") or kind
        return AssignRouteModel(kind, "", tracks.route(body, scope))
    if kind.tag == "FollowTrajectoryAction":
        timing = kind.child("TimeReference")
        if timing is None or timing.choice(("None", "Timing")).tag != "None":
            raise unsupported(
                timing or kind, "only TimeReference None is supported (vertex times are not used)"
            )
        mode = kind.child("TrajectoryFollowingMode")
        if mode is not None:
            scope.choice(mode, "followingMode", ("position", "follow"))
        reference = kind.child("TrajectoryRef")
        if reference is None:
            reference = kind
            if kind.child("Trajectory") is None and kind.child("CatalogReference") is None:
                raise malformed(kind, "<FollowTrajectoryAction> names no trajectory")
            trajectory = tracks.trajectory(_only(kind, ("Trajectory", "CatalogReference")), scope)
        else:
            trajectory = tracks.trajectory(reference, scope)
        offset = scope.optional_number(kind, "initialDistanceOffset")
        if offset is not None and offset < 0:
            raise malformed(kind, f"initialDistanceOffset={offset:g} must not be negative")
        return FollowTrajectoryModel(kind, "", trajectory, offset)
    raise unsupported(kind, "only AssignRouteAction and FollowTrajectoryAction are supported")


def _only(node: Node, tags: tuple[str, ...]) -> Node:
    """A pseudo-parent holding only the children of ``node`` with one of ``tags``."""
    kept = tuple(child for child in node.children if child.tag in tags)
    return Node(node.tag, node.attributes, kept, node.line, node.source, node.path)


def read_private(node: Node, scope: Scope, tracks: Tracks) -> ActionModel:
    """An action from ``<PrivateAction>``."""
    kind = node.choice()
    tag = kind.tag
    if tag == "LongitudinalAction":
        inner = kind.choice()
        if inner.tag == "SpeedAction":
            return _speed(inner, scope)
        if inner.tag == "LongitudinalDistanceAction":
            return _distance(inner, scope)
        raise unsupported(inner, "only SpeedAction and LongitudinalDistanceAction control the speed")
    if tag == "LateralAction":
        inner = kind.choice()
        if inner.tag in ("LaneChangeAction", "LaneOffsetAction"):
            return _lateral(inner, scope)
        raise unsupported(inner, "only LaneChangeAction and LaneOffsetAction move an actor sideways")
    if tag == "SynchronizeAction":
        return _synchronize(kind, scope, tracks)
    if tag == "TeleportAction":
        return TeleportModel(kind, "", read_position(kind.require("Position"), scope, tracks))
    if tag == "RoutingAction":
        return _routing(kind, scope, tracks)
    if tag == "VisibilityAction":
        if all(scope.boolean(kind, flag) for flag in ("graphics", "traffic", "sensors")):
            return NoEffectModel(kind, "")
        raise unsupported(kind, "the bench cannot hide an actor from the VUT's sensors or from traffic")
    reasons = {
        "ControllerAction": "actors move as the storyboard says; they have no controllers",
        "ActivateControllerAction": "actors move as the storyboard says; they have no controllers",
        "AppearanceAction": "lights and animations are not simulated",
        "TrailerAction": "trailers are not simulated",
    }
    raise unsupported(kind, reasons.get(tag, "this private action is not supported"))


def read_global(node: Node, scope: Scope) -> ActionModel:
    """An action from ``<GlobalAction>`` (the environment is read by the caller, in Init only)."""
    kind = node.choice()
    if kind.tag == "VariableAction":
        name = scope.text(kind, "variableRef")
        body = kind.choice(("SetAction", "ModifyAction"))
        if body.tag == "SetAction":
            return VariableModel(kind, "", name, "set", format_raw(scope, body))
        rule = body.require("Rule").choice(("AddValue", "MultiplyByValue"))
        return VariableModel(
            kind, "", name, "add" if rule.tag == "AddValue" else "multiply", format_raw(scope, rule)
        )
    reasons = {
        "EnvironmentAction": "the environment is set once, in Init",
        "ParameterAction": "parameters are constants of a run (use a variable)",
        "EntityAction": "entities cannot be added or removed during a run",
        "InfrastructureAction": "traffic signals are not simulated",
        "TrafficAction": "traffic swarms and sources are not simulated",
        "SetMonitorAction": "monitors are not evaluated",
    }
    raise unsupported(kind, reasons.get(kind.tag, "this global action is not supported"))


def format_raw(scope: Scope, node: Node) -> str:
    return format_value(scope.resolve(node, "value", scope.raw(node, "value")))


def read_action(node: Node, scope: Scope, tracks: Tracks) -> ActionModel:
    """An ``<Action>`` of an event."""
    body = node.choice(("GlobalAction", "PrivateAction", "UserDefinedAction"))
    if body.tag == "UserDefinedAction":
        raise unsupported(body, "user-defined actions have no meaning the bench knows")
    model = read_private(body, scope, tracks) if body.tag == "PrivateAction" else read_global(body, scope)
    model.name = scope.text(node, "name", "")
    return model
