"""Bad and unsupported scenarios: a clear error naming the file, the line, the element and why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sdvkit.ncap.errors import OpenScenarioError, UnsupportedElementError
from sdvkit.ncap.openscenario import load_scenario_runs

AFTER_1_S = '<ByValueCondition><SimulationTimeCondition value="1.005" rule="greaterThan"/></ByValueCondition>'


def line_of(path: Path, text: str) -> int:
    """The line of ``path`` where ``text`` first appears (1-based)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} is not in {path}")


def load_and_build(path: Path) -> None:
    for run in load_scenario_runs(path):
        run.build()


class TestUnsupported:
    def test_the_storyboard_cannot_drive_the_vut(
        self, write_scenario: Callable[..., Path], parts: Any
    ) -> None:
        path = write_scenario(
            stories=parts.story(parts.speed("20"), actors="Ego", trigger=parts.trigger(AFTER_1_S))
        )
        with pytest.raises(UnsupportedElementError) as caught:
            load_scenario_runs(path)
        message = str(caught.value)
        line = line_of(path, '<Action name="speed">')
        assert f"{path}, line {line}" in message
        assert "<OpenSCENARIO/Storyboard/Story[MoveStory]/Act[MoveAct]/ManeuverGroup[MoveGroup]" in message
        assert "driving robot" in message

    @pytest.mark.parametrize(
        ("action", "element", "why"),
        [
            (
                '<PrivateAction><RoutingAction><AcquirePositionAction><Position><WorldPosition x="0" y="0"/>'
                "</Position></AcquirePositionAction></RoutingAction></PrivateAction>",
                "AcquirePositionAction",
                "only AssignRouteAction and FollowTrajectoryAction",
            ),
            (
                '<PrivateAction><VisibilityAction graphics="true" traffic="true" sensors="false"/>'
                "</PrivateAction>",
                "VisibilityAction",
                "cannot hide an actor",
            ),
            (
                '<UserDefinedAction><CustomCommandAction type="x"/></UserDefinedAction>',
                "UserDefinedAction",
                "no meaning",
            ),
            (
                '<GlobalAction><EntityAction entityRef="Target"><DeleteEntityAction/></EntityAction>'
                "</GlobalAction>",
                "EntityAction",
                "cannot be added or removed",
            ),
            (
                '<PrivateAction><LongitudinalAction><SpeedProfileAction followingMode="position">'
                '<SpeedProfileEntry speed="3"/></SpeedProfileAction></LongitudinalAction></PrivateAction>',
                "SpeedProfileAction",
                "only SpeedAction and LongitudinalDistanceAction",
            ),
        ],
    )
    def test_actions_the_bench_cannot_run_are_named(
        self, write_scenario: Callable[..., Path], parts: Any, action: str, element: str, why: str
    ) -> None:
        path = write_scenario(stories=parts.story(f'<Action name="odd">{action}</Action>'))
        with pytest.raises(UnsupportedElementError) as caught:
            load_scenario_runs(path)
        message = str(caught.value)
        assert f"<{element}> is not supported" in message
        assert why in message
        assert f"line {line_of(path, element)}" in message

    def test_conditions_the_bench_cannot_evaluate_are_named(
        self, write_scenario: Callable[..., Path], parts: Any
    ) -> None:
        condition = (
            '<ByValueCondition><TimeOfDayCondition dateTime="2024-01-01T12:00:00" rule="greaterThan"/>'
        )
        path = write_scenario(
            stories=parts.story(parts.speed("3"), trigger=parts.trigger(condition + "</ByValueCondition>"))
        )
        with pytest.raises(UnsupportedElementError, match=r"<TimeOfDayCondition> is not supported"):
            load_scenario_runs(path)

    def test_a_reversing_vut_is_refused(self, write_scenario: Callable[..., Path], parts: Any) -> None:
        path = write_scenario(parameters="", init=parts.init.replace('value="$EgoSpeed"', 'value="-2"'))
        with pytest.raises(
            UnsupportedElementError, match=r"the VUT reverses \(-2 m/s\): the bench drives forward only"
        ):
            load_scenario_runs(path)

    def test_a_scenario_without_an_ego_is_refused(
        self, write_scenario: Callable[..., Path], parts: Any
    ) -> None:
        text = parts.text().replace('name="Ego"', 'name="Car"').replace('entityRef="Ego"', 'entityRef="Car"')
        with pytest.raises(UnsupportedElementError, match="no entity is marked as the vehicle under test"):
            load_scenario_runs(write_scenario(text=text))

    def test_fog_is_refused(self, write_scenario: Callable[..., Path], parts: Any) -> None:
        fog = """<GlobalAction><EnvironmentAction><Environment name="fog"><Weather><Fog visualRange="50"/>
          </Weather></Environment></EnvironmentAction></GlobalAction>"""
        with pytest.raises(UnsupportedElementError, match=r"<Fog> is not supported: fog"):
            load_scenario_runs(write_scenario(init=fog + parts.init))


class TestMalformed:
    def test_an_unknown_entity_is_named(self, write_scenario: Callable[..., Path], parts: Any) -> None:
        path = write_scenario(stories=parts.story(parts.speed("3"), actors="Ghost"))
        with pytest.raises(OpenScenarioError, match=r"no entity named 'Ghost' \(entities: Ego, Target\)"):
            load_scenario_runs(path)

    def test_a_state_condition_must_name_an_element(
        self, write_scenario: Callable[..., Path], parts: Any
    ) -> None:
        state = (
            '<ByValueCondition><StoryboardElementStateCondition storyboardElementType="maneuver"'
            ' storyboardElementRef="Nowhere" state="completeState"/></ByValueCondition>'
        )
        path = write_scenario(stories=parts.story(parts.speed("3"), trigger=parts.trigger(state)))
        with pytest.raises(
            OpenScenarioError, match="the storyboard has no maneuver named 'Nowhere'"
        ) as caught:
            load_scenario_runs(path)
        assert f"line {line_of(path, 'Nowhere')}" in str(caught.value)

    def test_a_missing_road_network_is_named(self, write_scenario: Callable[..., Path]) -> None:
        path = write_scenario(road="missing.xodr")
        with pytest.raises(OpenScenarioError, match=r"the road network .*missing\.xodr cannot be read"):
            load_and_build(path)

    def test_a_bad_expression_names_the_attribute(
        self, write_scenario: Callable[..., Path], parts: Any
    ) -> None:
        path = write_scenario(stories=parts.story(parts.speed("${$EgoSpeed * }")))
        with pytest.raises(
            OpenScenarioError, match=r"value='\$\{\$EgoSpeed \* \}': bad expression: expected a value"
        ):
            load_scenario_runs(path)

    def test_an_undeclared_parameter_is_named(self, write_scenario: Callable[..., Path], parts: Any) -> None:
        path = write_scenario(stories=parts.story(parts.speed("$Faster")))
        with pytest.raises(OpenScenarioError, match=r"parameter \$Faster is not declared") as caught:
            load_scenario_runs(path)
        assert f"line {line_of(path, '$Faster')}" in str(caught.value)

    def test_a_position_off_the_road_is_named(self, write_scenario: Callable[..., Path], parts: Any) -> None:
        path = write_scenario(init=parts.init.replace('s="100"', 's="1200"'))
        with pytest.raises(OpenScenarioError, match=r"lane -2 at s=1200 of road '0'"):
            load_and_build(path)

    def test_a_missing_catalog_entry_is_named(
        self, write_scenario: Callable[..., Path], tmp_path: Path
    ) -> None:
        (tmp_path / "catalogs").mkdir()
        (tmp_path / "catalogs" / "cars.xosc").write_text(
            '<OpenSCENARIO><Catalog name="Cars"><Vehicle name="Small" vehicleCategory="car"><BoundingBox>'
            '<Center x="1" y="0" z="0.7"/><Dimensions length="4" width="1.7" height="1.4"/></BoundingBox>'
            "</Vehicle></Catalog></OpenSCENARIO>"
        )
        path = write_scenario(
            entities='<ScenarioObject name="Third"><CatalogReference catalogName="Cars" entryName="Big"/>'
            "</ScenarioObject>",
            catalogs='<VehicleCatalog><Directory path="catalogs"/></VehicleCatalog>',
        )
        with pytest.raises(OpenScenarioError, match=r"catalog 'Cars' has no entry 'Big' \(entries: Small\)"):
            load_scenario_runs(path)

    def test_an_entity_never_placed_is_named(self, write_scenario: Callable[..., Path], parts: Any) -> None:
        path = write_scenario(entities=f'<ScenarioObject name="Third">{parts.car}</ScenarioObject>')
        with pytest.raises(OpenScenarioError, match="entity 'Third' is never placed in Init"):
            load_and_build(path)

    def test_a_catalog_file_is_not_a_scenario(self, ncap: Path) -> None:
        with pytest.raises(OpenScenarioError, match="a catalog, not a scenario"):
            load_scenario_runs(ncap / "Catalogs" / "Vehicles" / "Vehicles.xosc")
