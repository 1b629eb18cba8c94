"""A scenario document with one parameter set, read into a :class:`ScenarioModel`.

Reading resolves every parameter, expression and catalog reference and turns the storyboard into
models the runtime executes; anything the bench cannot run is refused here, before a world is
built. The vehicle under test is the entity named ``Ego`` (or ``VUT``, ``hero``; any case): the
bench's driving robot drives it, so in ``Init`` it may only be placed (``TeleportAction``), given
its speed (an absolute ``SpeedAction``, step, not negative) and a route or trajectory; the
storyboard may not act on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sdvkit.ncap.openscenario.action_reader import read_action, read_global, read_private
from sdvkit.ncap.openscenario.actions import (
    ActionModel,
    AssignRouteModel,
    FollowTrajectoryModel,
    SpeedActionModel,
    TeleportModel,
)
from sdvkit.ncap.openscenario.catalogs import Catalogs
from sdvkit.ncap.openscenario.conditions import Condition, Mentions, Trigger, read_trigger
from sdvkit.ncap.openscenario.entities import EntityModel, read_entity
from sdvkit.ncap.openscenario.environment import Environment, read_environment
from sdvkit.ncap.openscenario.expressions import Value
from sdvkit.ncap.openscenario.parameters import Scope, declare_parameters
from sdvkit.ncap.openscenario.positions import PositionSpec
from sdvkit.ncap.openscenario.storyboard import Act, Action, Event, Maneuver, ManeuverGroup, Story, Storyboard
from sdvkit.ncap.openscenario.tracks import RouteSpec, Tracks, TrajectorySpec
from sdvkit.ncap.openscenario.xmltree import Node, malformed, parse_document, unsupported

__all__ = ["ScenarioModel", "VutInit", "compile_scenario"]

VUT_NAMES = ("ego", "vut", "hero")


@dataclass(eq=False, slots=True)
class VutInit:
    """What ``Init`` says of the VUT: where it starts, its speed, its route or trajectory."""

    node: Node
    position: PositionSpec | None = None
    speed_mps: float | None = None
    route: RouteSpec | None = None
    trajectory: TrajectorySpec | None = None
    trajectory_offset_m: float | None = None


@dataclass(eq=False, slots=True)
class ScenarioModel:
    source: Path
    description: str
    parameters: Scope
    variables: dict[str, Value]
    network_path: Path
    entities: dict[str, EntityModel]
    vut: str
    vut_init: VutInit
    init: list[tuple[str | None, ActionModel]]
    environment: Environment
    storyboard: Storyboard
    conditions: list[Condition]
    stop_trigger: Trigger | None
    target: str | None
    tracks: Tracks
    storyboard_node: Node
    notes: list[str] = field(default_factory=list)

    def story_actions(self) -> list[tuple[tuple[str, ...], ActionModel]]:
        """Every action of the storyboard with the actors it acts on."""
        found: list[tuple[tuple[str, ...], ActionModel]] = []
        for story in self.storyboard.stories:
            for act in story.acts:
                for group in act.groups:
                    for maneuver in group.maneuvers:
                        for event in maneuver.events:
                            found.extend(
                                (group.actors, action.model) for action in event.actions if action.model
                            )
        return found


class _Reader:
    def __init__(self, root: Node, scope: Scope, tracks: Tracks) -> None:
        self.root = root
        self.tracks = tracks
        self.mentions = Mentions()
        self.conditions: list[Condition] = []
        self.entities: dict[str, EntityModel] = {}
        self.vut = ""

    def trigger(self, node: Node | None, scope: Scope) -> Trigger | None:
        trigger = read_trigger(node, scope, self.tracks, self.mentions)
        if trigger is not None:
            self.conditions.extend(trigger.conditions())
        return trigger

    def entity_names(self, scope: Scope) -> None:
        entities = self.root.require("Entities")
        for item in entities.children:
            if item.tag == "EntitySelection":
                raise unsupported(item, "entity selections are not supported; name each entity")
            if item.tag != "ScenarioObject":
                raise malformed(item, f"<{item.tag}> cannot stand in <Entities>")
            name = scope.text(item, "name")
            if name in self.entities:
                raise malformed(item, f"entity {name!r} is declared twice")
            for controller in item.all("ObjectController"):
                raise unsupported(controller, "actors move as the storyboard says; controllers are not run")
            definition = item.choice(
                ("CatalogReference", "Vehicle", "Pedestrian", "MiscObject", "ExternalObjectReference")
            )
            entity_scope = scope
            if definition.tag == "CatalogReference":
                entry = self.tracks.catalogs.resolve(
                    definition, scope, expected=("Vehicle", "Pedestrian", "MiscObject")
                )
                definition, entity_scope = entry.node, entry.scope
            is_vut = not self.vut and name.lower() in VUT_NAMES
            self.entities[name] = read_entity(definition, entity_scope, name, "ego" if is_vut else name)
            if is_vut:
                self.vut = name
        if not self.vut:
            raise unsupported(
                entities,
                "no entity is marked as the vehicle under test: the importer takes the one named 'Ego'",
            )

    def check_entity(self, node: Node, name: str) -> None:
        if name not in self.entities:
            raise malformed(node, f"no entity named {name!r} (entities: {', '.join(self.entities)})")

    # --- storyboard ----------------------------------------------------------------------

    def story(self, node: Node, scope: Scope) -> Story:
        scope = _child_scope(node, scope)
        story = Story("story", scope.text(node, "name"), node)
        story.acts = [self.act(act, scope) for act in node.all("Act")]
        if not story.acts:
            raise malformed(node, "<Story> has no <Act>")
        return story

    def act(self, node: Node, scope: Scope) -> Act:
        act = Act("act", scope.text(node, "name"), node)
        act.trigger = self.trigger(node.child("StartTrigger"), scope)
        act.stop_trigger = self.trigger(node.child("StopTrigger"), scope)
        act.groups = [self.group(group, scope) for group in node.all("ManeuverGroup")]
        if not act.groups:
            raise malformed(node, "<Act> has no <ManeuverGroup>")
        return act

    def group(self, node: Node, scope: Scope) -> ManeuverGroup:
        actors_node = node.require("Actors")
        if scope.boolean(actors_node, "selectTriggeringEntities"):
            raise unsupported(actors_node, "selectTriggeringEntities='true': name the actors")
        for by_type in actors_node.all("ByType"):
            raise unsupported(by_type, "actors chosen by type are not supported; name the actors")
        actors = tuple(scope.text(reference, "entityRef") for reference in actors_node.all("EntityRef"))
        for actor in actors:
            self.check_entity(actors_node, actor)
        count = scope.integer(node, "maximumExecutionCount", 1)
        if count < 1:
            raise malformed(node, f"maximumExecutionCount={count} must be at least 1")
        group = ManeuverGroup("maneuverGroup", scope.text(node, "name"), node, actors=actors)
        for child in node.children:
            if child.tag == "CatalogReference":
                entry = self.tracks.catalogs.resolve(child, scope, expected=("Maneuver",))
                group.maneuvers.append(self.maneuver(entry.node, entry.scope, actors))
            elif child.tag == "Maneuver":
                group.maneuvers.append(self.maneuver(child, _child_scope(child, scope), actors))
        if not group.maneuvers:
            raise malformed(node, "<ManeuverGroup> has no maneuver")
        return group

    def maneuver(self, node: Node, scope: Scope, actors: tuple[str, ...]) -> Maneuver:
        maneuver = Maneuver("maneuver", scope.text(node, "name"), node)
        maneuver.events = [self.event(event, scope, actors) for event in node.all("Event")]
        if not maneuver.events:
            raise malformed(node, "<Maneuver> has no <Event>")
        return maneuver

    def event(self, node: Node, scope: Scope, actors: tuple[str, ...]) -> Event:
        priority = scope.choice(node, "priority", ("override", "overwrite", "parallel", "skip"))
        count = scope.integer(node, "maximumExecutionCount", 1)
        if count < 1:
            raise malformed(node, f"maximumExecutionCount={count} must be at least 1")
        event = Event("event", scope.text(node, "name"), node, priority=priority, maximum_count=count)
        for item in node.all("Action"):
            model = read_action(item, scope, self.tracks)
            if model.private:
                if not actors:
                    raise malformed(item, "a private action needs actors in its <ManeuverGroup>")
                if self.vut in actors:
                    raise unsupported(
                        item,
                        f"the VUT {self.vut!r} is driven by the bench's driving robot; the storyboard cannot "
                        "act on it",
                    )
            event.actions.append(Action("action", model.name, item, model=model))
        if not event.actions:
            raise malformed(node, "<Event> has no <Action>")
        event.trigger = self.trigger(node.child("StartTrigger"), scope)
        return event


def _child_scope(node: Node, scope: Scope) -> Scope:
    declarations = node.child("ParameterDeclarations")
    if declarations is None:
        return scope
    return declare_parameters(
        declarations, Scope(dict(scope.values), dict(scope.types)), where=f"<{node.tag}> at line {node.line}"
    )


def _vut_init(reader: _Reader, private: Node, scope: Scope) -> VutInit:
    init = VutInit(private)
    for action_node in private.all("PrivateAction"):
        model = read_private(action_node, scope, reader.tracks)
        if isinstance(model, TeleportModel):
            init.position = model.position
        elif isinstance(model, SpeedActionModel):
            if model.absolute_mps is None or not (model.shape == "step" or model.value == 0.0):
                raise unsupported(
                    model.node, "the VUT starts at steady speed: give it an absolute speed with step dynamics"
                )
            if model.absolute_mps < 0:
                raise unsupported(
                    model.node,
                    f"the VUT reverses ({model.absolute_mps:g} m/s): the bench drives forward only",
                )
            init.speed_mps = model.absolute_mps
        elif isinstance(model, AssignRouteModel):
            init.route = model.route
        elif isinstance(model, FollowTrajectoryModel):
            init.trajectory, init.trajectory_offset_m = model.trajectory, model.initial_offset_m
        else:
            raise unsupported(
                action_node, "in Init the VUT may only be placed and given its speed, route or trajectory"
            )
    return init


def compile_scenario(
    path: Path, overrides: Mapping[str, str] | None = None, *, where: str = ""
) -> ScenarioModel:
    """Read a scenario file with ``overrides`` (raw values by parameter name) applied."""
    root = parse_document(path)
    if root.tag != "OpenSCENARIO":
        raise malformed(root, f"the root element is <{root.tag}>, not <OpenSCENARIO>")
    header = root.require("FileHeader")
    scope = Scope()
    major = scope.integer(header, "revMajor")
    if major != 1:
        raise unsupported(header, f"revMajor={major}: the importer reads OpenSCENARIO 1.x")
    if root.child("Storyboard") is None:
        raise malformed(
            root, "the document has no <Storyboard> (a catalog or a distribution is not a scenario)"
        )
    declare_parameters(root.child("ParameterDeclarations"), scope, overrides, where=where or "the run")
    variables: dict[str, Value] = {}
    declared = root.child("VariableDeclarations")
    for item in declared.all("VariableDeclaration") if declared is not None else ():
        kind = scope.choice(
            item, "variableType", ("double", "int", "unsignedInt", "unsignedShort", "boolean", "string")
        )
        variables[scope.text(item, "name")] = scope.typed(item, "value", scope.raw(item, "value"), kind)
    tracks = Tracks(Catalogs(root.child("CatalogLocations"), scope))
    network = root.require("RoadNetwork")
    logic = network.require("LogicFile")
    for signals in network.all("TrafficSignals"):
        raise unsupported(signals, "traffic signal controllers are not simulated")
    reader = _Reader(root, scope, tracks)
    reader.entity_names(scope)
    storyboard_node = root.require("Storyboard")
    init_actions: list[tuple[str | None, ActionModel]] = []
    environment = Environment()
    vut_init = VutInit(storyboard_node)
    for item in storyboard_node.require("Init").require("Actions").children:
        if item.tag == "GlobalAction":
            body = item.choice()
            if body.tag == "EnvironmentAction":
                environment = read_environment(body, scope, tracks.catalogs)
            else:
                init_actions.append((None, read_global(item, scope)))
        elif item.tag == "Private":
            name = scope.text(item, "entityRef")
            reader.check_entity(item, name)
            if name == reader.vut:
                vut_init = _vut_init(reader, item, scope)
                continue
            init_actions.extend(
                (name, read_private(action, scope, tracks)) for action in item.all("PrivateAction")
            )
        else:
            raise unsupported(item, "user-defined actions have no meaning the bench knows")
    storyboard = Storyboard([reader.story(story, scope) for story in storyboard_node.all("Story")])
    stop_trigger = read_trigger(storyboard_node.child("StopTrigger"), scope, tracks, reader.mentions)
    known = {(element.kind, element.name) for element in storyboard.elements()}
    for node, kind, name in reader.mentions.elements:
        if (kind, name) not in known:
            raise malformed(node, f"the storyboard has no {kind} named {name!r}")
    for node, name in reader.mentions.entities:
        reader.check_entity(node, name)
    return ScenarioModel(
        source=root.source, description=header.get("description") or "", parameters=scope,
        variables=variables,
        network_path=(root.source.parent / scope.text(logic, "filepath")).resolve(),
        entities=reader.entities,
        vut=reader.vut, vut_init=vut_init, init=init_actions, environment=environment, storyboard=storyboard,
        conditions=reader.conditions, stop_trigger=stop_trigger, target=_target(reader), tracks=tracks,
        storyboard_node=storyboard_node,
    )  # fmt: skip


def _target(reader: _Reader) -> str | None:
    """The entity whose impact is scored: the one a collision condition of the VUT names, else
    the only other entity; None (any actor counts) otherwise."""
    for triggering, other in reader.mentions.collisions:
        if triggering == reader.vut and other != reader.vut and other in reader.entities:
            return other
    others = [name for name in reader.entities if name != reader.vut]
    return others[0] if len(others) == 1 else None
