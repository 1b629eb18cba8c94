"""Catalogs: references resolved from CatalogLocations, with their parameter assignments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sdvkit.ncap.errors import OpenScenarioError
from sdvkit.ncap.openscenario.catalogs import Catalogs
from sdvkit.ncap.openscenario.parameters import Scope
from sdvkit.ncap.openscenario.xmltree import parse_document
from sdvkit.world.actors import ActorKind

CATALOG = """<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="3" date="2024-01-01T00:00:00" description="c" author="t"/>
  <Catalog name="Shapes">
    <Trajectory name="Line" closed="false">
      <ParameterDeclarations>
        <ParameterDeclaration name="length" parameterType="double" value="10"/>
        <ParameterDeclaration name="half" parameterType="double" value="${$length / 2}"/>
      </ParameterDeclarations>
      <Shape><Polyline>
        <Vertex><Position><WorldPosition x="0" y="0"/></Position></Vertex>
        <Vertex><Position><WorldPosition x="$half" y="0"/></Position></Vertex>
      </Polyline></Shape>
    </Trajectory>
  </Catalog>
</OpenSCENARIO>"""


def locations(tmp_path: Path, directory: str) -> Path:
    path = tmp_path / "scenario.xosc"
    path.write_text(
        f'<OpenSCENARIO><CatalogLocations><TrajectoryCatalog><Directory path="{directory}"/>'
        f"</TrajectoryCatalog></CatalogLocations>"
        f'<Reference><CatalogReference catalogName="Shapes" entryName="Line"><ParameterAssignments>'
        f'<ParameterAssignment parameterRef="length" value="${{$base * 3}}"/></ParameterAssignments>'
        f"</CatalogReference></Reference>"
        f'<Missing><CatalogReference catalogName="Shapes" entryName="Circle"/></Missing>'
        f'<Unknown><CatalogReference catalogName="Colours" entryName="Red"/></Unknown>'
        f"</OpenSCENARIO>"
    )
    return path


class TestCatalogReferences:
    def test_assignments_replace_the_entry_defaults_and_feed_its_expressions(self, tmp_path: Path) -> None:
        (tmp_path / "catalogs").mkdir()
        (tmp_path / "catalogs" / "shapes.xosc").write_text(CATALOG)
        root = parse_document(locations(tmp_path, "catalogs"))
        catalogs = Catalogs(root.require("CatalogLocations"), Scope())
        scope = Scope({"base": 4.0}, {"base": "double"})
        entry = catalogs.resolve(root.require("Reference").require("CatalogReference"), scope)
        assert entry.node.tag == "Trajectory"
        assert entry.scope.values == {"length": 12.0, "half": 6.0}
        assert entry.node.source == (tmp_path / "catalogs" / "shapes.xosc").resolve()

    def test_missing_entries_and_catalogs_are_named(self, tmp_path: Path) -> None:
        (tmp_path / "catalogs").mkdir()
        (tmp_path / "catalogs" / "shapes.xosc").write_text(CATALOG)
        root = parse_document(locations(tmp_path, "catalogs"))
        catalogs = Catalogs(root.require("CatalogLocations"), Scope())
        with pytest.raises(
            OpenScenarioError, match=r"catalog 'Shapes' has no entry 'Circle' \(entries: Line\)"
        ):
            catalogs.resolve(root.require("Missing").require("CatalogReference"), Scope())
        with pytest.raises(OpenScenarioError, match=r"no catalog named 'Colours' \(found: Shapes"):
            catalogs.resolve(root.require("Unknown").require("CatalogReference"), Scope())

    def test_a_missing_directory_is_named(self, tmp_path: Path) -> None:
        root = parse_document(locations(tmp_path, "nowhere"))
        with pytest.raises(OpenScenarioError, match=r"the catalog directory .*nowhere does not exist"):
            Catalogs(root.require("CatalogLocations"), Scope())

    def test_an_assignment_to_an_undeclared_entry_parameter_is_named(self, tmp_path: Path) -> None:
        (tmp_path / "catalogs").mkdir()
        (tmp_path / "catalogs" / "shapes.xosc").write_text(CATALOG.replace("length", "size"))
        root = parse_document(locations(tmp_path, "catalogs"))
        catalogs = Catalogs(root.require("CatalogLocations"), Scope())
        scope = Scope({"base": 4.0}, {"base": "double"})
        with pytest.raises(
            OpenScenarioError, match=r"assigns length, which .*shapes.xosc.* does not declare"
        ):
            catalogs.resolve(root.require("Reference").require("CatalogReference"), scope)


def test_ncap_entities_come_from_the_vehicle_and_pedestrian_catalogs(ncap: Path) -> None:
    from sdvkit.ncap.openscenario.compiler import compile_scenario

    model = compile_scenario(ncap / "AEB_VRU_2023" / "NCAP_AEB_VRU_CBNA_2023.xosc")
    ego, cyclist = model.entities["Ego"], model.entities["VRU"]
    assert (ego.spec.id, ego.spec.length_m, ego.spec.width_m, ego.center_x_m) == ("ego", 4.358, 1.815, 1.349)
    assert (cyclist.spec.kind, cyclist.spec.length_m, cyclist.center_x_m) == (ActorKind.CYCLIST, 1.89, 0.605)
    assert model.entities["ObstructionLarge"].spec.kind is ActorKind.CAR
    assert model.target == "VRU"


def test_catalog_maneuvers_take_the_assigned_entity(ncap: Path, write_scenario: Callable[..., Path]) -> None:
    from sdvkit.ncap.openscenario.compiler import compile_scenario

    model = compile_scenario(ncap / "AEB_C2C_2023" / "NCAP_AEB_C2C_CCR_2023.xosc")
    assert model.target == "GVT"  # the collision condition of LogAndSetVariables names $collidingEntity
    names = {element.name for element in model.storyboard.elements()}
    assert {"LogAndSetVariables", "AtCollision", "AtEgoReachedSpeed", "GVT_Teleport"} <= names
