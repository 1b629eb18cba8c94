"""Fixtures of the OpenSCENARIO importer tests: the Euro NCAP files, small scenarios written on
the fly, and a constant-speed drive of the VUT along its path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sdvkit.ncap.openscenario import ImportedScenario
from sdvkit.world.actors import ActorSnapshot
from sdvkit.world.scene import EgoRelative

NCAP = Path(__file__).resolve().parents[3] / ".." / "shared" / "ncap"
SCENARIOS = NCAP / "OpenSCENARIO" / "NCAP"

ROAD = """<?xml version="1.0"?>
<OpenDRIVE>
  <header revMajor="1" revMinor="6" name="test road"/>
  <road id="0" junction="-1" length="1000" name="straight">
    <planView><geometry s="0" x="0" y="0" hdg="0" length="1000"><line/></geometry></planView>
    <lanes><laneSection s="0">
      <left><lane id="1" type="driving"><width sOffset="0" a="3.5" b="0" c="0" d="0"/></lane></left>
      <center><lane id="0" type="none"/></center>
      <right>
        <lane id="-1" type="driving"><width sOffset="0" a="3.5" b="0" c="0" d="0"/></lane>
        <lane id="-2" type="driving"><width sOffset="0" a="3.5" b="0" c="0" d="0"/></lane>
      </right>
    </laneSection></lanes>
  </road>
</OpenDRIVE>
"""

CAR = (
    '<Vehicle name="car" vehicleCategory="car"><BoundingBox><Center x="1.5" y="0" z="0.75"/>'
    '<Dimensions length="4.5" width="1.8" height="1.5"/></BoundingBox></Vehicle>'
)

DEFAULT_INIT = """
<Private entityRef="Ego">
  <PrivateAction><TeleportAction><Position>
    <LanePosition roadId="0" laneId="-1" s="50"/>
  </Position></TeleportAction></PrivateAction>
  <PrivateAction><LongitudinalAction><SpeedAction>
    <SpeedActionDynamics dynamicsShape="step" dynamicsDimension="time" value="0"/>
    <SpeedActionTarget><AbsoluteTargetSpeed value="$EgoSpeed"/></SpeedActionTarget>
  </SpeedAction></LongitudinalAction></PrivateAction>
</Private>
<Private entityRef="Target">
  <PrivateAction><TeleportAction><Position>
    <LanePosition roadId="0" laneId="-2" s="100"/>
  </Position></TeleportAction></PrivateAction>
</Private>
"""
"""The VUT in lane -1 at s=50 (reference point) driving at $EgoSpeed; the target standing in lane
-2 at s=100, beside the VUT's path."""


def scenario_text(
    *,
    stories: str = "",
    init: str = DEFAULT_INIT,
    parameters: str = "",
    entities: str = "",
    stop: str = "",
    road: str = "road.xodr",
    catalogs: str = "",
) -> str:
    """A small OpenSCENARIO document: Ego and Target cars on the test road, plus what is given."""
    return f"""<?xml version="1.0"?>
<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="3" date="2024-01-01T00:00:00" description="test" author="sdvkit tests"/>
  <ParameterDeclarations>
    <ParameterDeclaration name="EgoSpeed" parameterType="double" value="10"/>
    {parameters}
  </ParameterDeclarations>
  <VariableDeclarations>
    <VariableDeclaration name="counter" variableType="double" value="0"/>
  </VariableDeclarations>
  <CatalogLocations>{catalogs}</CatalogLocations>
  <RoadNetwork><LogicFile filepath="{road}"/></RoadNetwork>
  <Entities>
    <ScenarioObject name="Ego">{CAR}</ScenarioObject>
    <ScenarioObject name="Target">{CAR}</ScenarioObject>
    {entities}
  </Entities>
  <Storyboard>
    <Init><Actions>{init}</Actions></Init>
    {stories}
    <StopTrigger>{stop}</StopTrigger>
  </Storyboard>
</OpenSCENARIO>
"""


def story(actions: str, *, actors: str = "Target", trigger: str = "", name: str = "Move") -> str:
    """A story with one act, group, maneuver and event holding ``actions``."""
    return f"""
<Story name="{name}Story"><Act name="{name}Act">
  <ManeuverGroup name="{name}Group" maximumExecutionCount="1">
    <Actors selectTriggeringEntities="false"><EntityRef entityRef="{actors}"/></Actors>
    <Maneuver name="{name}Maneuver"><Event name="{name}Event" priority="override">
      {actions}
      {trigger}
    </Event></Maneuver>
  </ManeuverGroup>
</Act></Story>"""


def speed_action(value: str, *, shape: str = "step", dimension: str = "time", dynamics: str = "0") -> str:
    return f"""<Action name="speed"><PrivateAction><LongitudinalAction><SpeedAction>
  <SpeedActionDynamics dynamicsShape="{shape}" dynamicsDimension="{dimension}" value="{dynamics}"/>
  <SpeedActionTarget><AbsoluteTargetSpeed value="{value}"/></SpeedActionTarget>
</SpeedAction></LongitudinalAction></PrivateAction></Action>"""


def start_trigger(condition: str, *, delay: str = "0", edge: str = "none") -> str:
    return f"""<StartTrigger><ConditionGroup><Condition name="when" delay="{delay}" conditionEdge="{edge}">
  {condition}
</Condition></ConditionGroup></StartTrigger>"""


@pytest.fixture
def ncap() -> Path:
    """The Euro NCAP scenario directory (the test is skipped without it)."""
    if not SCENARIOS.is_dir():
        pytest.skip(f"{SCENARIOS} is not there")
    return SCENARIOS


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Writes the test road and a scenario (``scenario_text`` arguments, or ``text``) to tmp_path."""
    (tmp_path / "road.xodr").write_text(ROAD)

    def write(name: str = "test.xosc", text: str | None = None, **parts: str) -> Path:
        path = tmp_path / name
        path.write_text(text if text is not None else scenario_text(**parts))
        return path

    return write


@dataclass
class Drive:
    """What a constant-speed drive of the VUT along its path met."""

    impact_time_s: float | None
    impact_with: str | None
    relative: EgoRelative | None
    """The actor hit, seen from the VUT at the end of the step of the impact."""
    steps: int


def drive(imported: ImportedScenario, *, dt_s: float = 0.01, until_s: float | None = None) -> Drive:
    """Step the world with the VUT at constant speed along ``vut_path`` (no safety functions)
    until it touches an actor (the target where the setup names one) or the run ends."""
    setup = imported.setup
    world = setup.world
    start = setup.vut_start
    world.place_ego(
        imported.vut_spec,
        x_m=start.x_m,
        y_m=start.y_m,
        heading_rad=start.heading_rad,
        speed_mps=start.speed_mps,
    )
    found = setup.vut_path.project(start.x_m, start.y_m)
    assert found is not None
    end = setup.duration_s if until_s is None else until_s
    steps = round(end / dt_s)
    for step in range(1, steps + 1):
        x, y, heading = setup.vut_path.pose_at(found[0] + setup.vut_speed_mps * step * dt_s)
        world.set_ego_pose(x, y, heading, speed_mps=setup.vut_speed_mps, accel_mps2=0.0)
        for event in world.step(dt_s):
            if event.first_id == "ego" and (setup.target_id is None or event.second_id == setup.target_id):
                return Drive(event.time_s, event.second_id, world.relative_to_ego(event.second_id), step)
    return Drive(None, None, None, steps)


@pytest.fixture
def constant_speed_drive() -> Callable[..., Drive]:
    return drive


def trace(
    imported: ImportedScenario, seconds: float, *, actor: str = "Target", dt_s: float = 0.01
) -> list[tuple[float, ActorSnapshot]]:
    """The actor at the end of every step of a constant-speed drive of ``seconds``."""
    setup = imported.setup
    world = setup.world
    start = setup.vut_start
    world.place_ego(
        imported.vut_spec,
        x_m=start.x_m,
        y_m=start.y_m,
        heading_rad=start.heading_rad,
        speed_mps=start.speed_mps,
    )
    found = setup.vut_path.project(start.x_m, start.y_m)
    assert found is not None
    samples = []
    for step in range(1, round(seconds / dt_s) + 1):
        x, y, heading = setup.vut_path.pose_at(found[0] + setup.vut_speed_mps * step * dt_s)
        world.set_ego_pose(x, y, heading, speed_mps=setup.vut_speed_mps, accel_mps2=0.0)
        world.step(dt_s)
        samples.append((world.time_s, world.actor(actor)))
    return samples


@pytest.fixture
def actor_trace() -> Callable[..., list[tuple[float, ActorSnapshot]]]:
    return trace


class Parts:
    """The pieces of small scenarios, for tests to assemble (conftest cannot be imported)."""

    text = staticmethod(scenario_text)
    story = staticmethod(story)
    speed = staticmethod(speed_action)
    trigger = staticmethod(start_trigger)
    init = DEFAULT_INIT
    car = CAR


@pytest.fixture
def parts() -> type[Parts]:
    return Parts
