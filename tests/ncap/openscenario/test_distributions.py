"""Variation files: every concrete parameter set, as many runs as the file defines."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from sdvkit.ncap.errors import OpenScenarioError, UnsupportedElementError
from sdvkit.ncap.openscenario import load_scenario_runs
from sdvkit.ncap.openscenario.distributions import read_distribution
from sdvkit.ncap.openscenario.xmltree import parse_document


def expected_runs(path: Path) -> int:
    """The number of parameter sets, counted from the file with ElementTree: the product of the
    sizes of its distributions."""
    count = 1
    deterministic = ET.parse(path).getroot().find("ParameterValueDistribution/Deterministic")
    assert deterministic is not None
    for part in deterministic:
        values = part.findall("DistributionSet/Element")
        if values:
            count *= len(values)
        elif (limits := part.find("DistributionRange/Range")) is not None:
            step = float(part.find("DistributionRange").get("stepWidth"))  # type: ignore[union-attr, arg-type]
            low, high = float(limits.get("lowerLimit")), float(limits.get("upperLimit"))  # type: ignore[arg-type]
            count *= math.floor((high - low) / step + 1e-9) + 1
        else:
            count *= len(part.findall("ValueSetDistribution/ParameterValueSet"))
    return count


def test_every_variation_file_gives_as_many_runs_as_it_defines(ncap: Path) -> None:
    files = sorted(ncap.rglob("Variations/*.xosc"))
    assert len(files) >= 40
    for path in files:
        distribution = read_distribution(parse_document(path))
        assert len(distribution.assignments) == expected_runs(path), path.name
        assert len(set(distribution.assignments)) == len(distribution.assignments), path.name


def test_ccrs_variation_is_the_product_of_speeds_and_overlaps(ncap: Path) -> None:
    path = ncap / "AEB_C2C_2023" / "Variations" / "NCAP_AEB_C2C_CCRs_Variation_2023.xosc"
    runs = load_scenario_runs(path)
    pairs = [(run.point.vut_speed_kph, run.point.impact_location_pct) for run in runs]
    speeds = sorted({speed for speed, _ in pairs})
    assert speeds == pytest.approx([10.0 + 5.0 * index for index in range(9)])
    assert sorted({overlap or 0.0 for _, overlap in pairs}) == [-75.0, -50.0, 50.0, 75.0, 100.0]
    assert len(set(pairs)) == len(pairs) == 45
    assert runs[0].scenario == (ncap / "AEB_C2C_2023" / "NCAP_AEB_C2C_CCR_2023.xosc").resolve()
    assert dict(runs[0].parameters)["Scenario_ID"] == "CCRs"


def variation(body: str, scenario: str = "test.xosc") -> str:
    return f"""<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="3" date="2024-01-01T00:00:00" description="v" author="t"/>
  <ParameterValueDistribution>
    <ScenarioFile filepath="{scenario}"/>
    {body}
  </ParameterValueDistribution>
</OpenSCENARIO>"""


def single(name: str, *values: str) -> str:
    elements = "".join(f'<Element value="{value}"/>' for value in values)
    return (
        f'<DeterministicSingleParameterDistribution parameterName="{name}">'
        f"<DistributionSet>{elements}</DistributionSet></DeterministicSingleParameterDistribution>"
    )


class TestSmallDistributions:
    def test_product_in_document_order_with_ranges_inclusive(
        self, write_scenario: Callable[..., Path], parts: type
    ) -> None:
        write_scenario(parameters='<ParameterDeclaration name="Gap" parameterType="double" value="50"/>')
        body = f"""<Deterministic>
          {single("Gap", "40", "60")}
          <DeterministicSingleParameterDistribution parameterName="EgoSpeed">
            <DistributionRange stepWidth="2.5"><Range lowerLimit="5" upperLimit="10"/></DistributionRange>
          </DeterministicSingleParameterDistribution>
        </Deterministic>"""
        runs = load_scenario_runs(write_scenario("v.xosc", text=variation(body)))
        assert [run.parameters for run in runs] == [
            (("Gap", gap), ("EgoSpeed", speed)) for gap in ("40", "60") for speed in ("5", "7.5", "10")
        ]
        assert [run.point.vut_speed_kph for run in runs[:3]] == pytest.approx([18.0, 27.0, 36.0])
        assert len({run.point.label for run in runs}) == 6

    def test_value_sets_assign_parameters_together(self, write_scenario: Callable[..., Path]) -> None:
        write_scenario(parameters='<ParameterDeclaration name="Gap" parameterType="double" value="50"/>')
        body = """<Deterministic><DeterministicMultiParameterDistribution><ValueSetDistribution>
          <ParameterValueSet><ParameterAssignment parameterRef="EgoSpeed" value="5"/>
            <ParameterAssignment parameterRef="Gap" value="20"/></ParameterValueSet>
          <ParameterValueSet><ParameterAssignment parameterRef="EgoSpeed" value="8"/>
            <ParameterAssignment parameterRef="Gap" value="30"/></ParameterValueSet>
        </ValueSetDistribution></DeterministicMultiParameterDistribution></Deterministic>"""
        runs = load_scenario_runs(write_scenario("v.xosc", text=variation(body)))
        assert [dict(run.parameters) for run in runs] == [
            {"EgoSpeed": "5", "Gap": "20"},
            {"EgoSpeed": "8", "Gap": "30"},
        ]

    def test_an_undeclared_parameter_is_named(self, write_scenario: Callable[..., Path]) -> None:
        write_scenario()
        path = write_scenario(
            "v.xosc", text=variation(f"<Deterministic>{single('Nope', '1')}</Deterministic>")
        )
        with pytest.raises(OpenScenarioError, match=r"assigns Nope, which .* does not declare") as caught:
            load_scenario_runs(path)
        assert str(path) in str(caught.value)

    def test_a_missing_scenario_file_is_named(self, write_scenario: Callable[..., Path]) -> None:
        path = write_scenario(
            "v.xosc", text=variation(f"<Deterministic>{single('EgoSpeed', '1')}</Deterministic>", "gone.xosc")
        )
        with pytest.raises(OpenScenarioError, match=r"gone\.xosc: cannot read the file"):
            load_scenario_runs(path)

    def test_a_parameter_varied_twice_is_refused(self, write_scenario: Callable[..., Path]) -> None:
        write_scenario()
        body = f"<Deterministic>{single('EgoSpeed', '1')}{single('EgoSpeed', '2')}</Deterministic>"
        with pytest.raises(OpenScenarioError, match="EgoSpeed is already varied at line"):
            load_scenario_runs(write_scenario("v.xosc", text=variation(body)))

    def test_stochastic_distributions_are_unsupported(self, write_scenario: Callable[..., Path]) -> None:
        write_scenario()
        body = '<Stochastic numberOfTestRuns="5" randomSeed="1"/>'
        with pytest.raises(UnsupportedElementError, match=r"<Stochastic> is not supported: stochastic"):
            load_scenario_runs(write_scenario("v.xosc", text=variation(body)))
