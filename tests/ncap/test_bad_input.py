"""``sdvkit ncap`` given bad input: an unknown grid, bad scenario files. Each ends with a message
naming the problem (the grid; the file, the line and the element) and a non-zero status, never a
traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sdvkit.cli import main
from sdvkit.ncap.grids import GRID_NAMES

NCAP = Path(__file__).resolve().parents[2] / ".." / "shared" / "ncap"
SCENARIOS = NCAP / "OpenSCENARIO" / "NCAP"
needs_ncap = pytest.mark.skipif(not SCENARIOS.is_dir(), reason="the Euro NCAP OpenSCENARIO files are absent")

HEADER = (
    '<FileHeader revMajor="1" revMinor="2" date="2024-01-01T00:00:00" description="bad input" author="test"/>'
)


def _fails(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``sdvkit ncap`` expecting a clean refusal; its stderr."""
    status = main(["ncap", *args, "--jobs", "1"])
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""  # nothing ran
    assert captured.err.startswith("sdvkit ncap: error: ")
    return captured.err


def test_an_unknown_grid_is_named_with_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(["--grid", "NOPE"], capsys)
    assert "unknown grid 'NOPE'" in err
    for name in GRID_NAMES:
        assert name in err


def test_a_malformed_file_names_the_file_and_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.xosc"
    broken.write_text(f'<?xml version="1.0"?>\n<OpenSCENARIO>\n  {HEADER}\n  <Storyboard>\n</OpenSCENARIO>\n')
    err = _fails(["--scenario", str(broken)], capsys)
    assert str(broken) in err
    assert re.search(r"line \d+", err)


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.xosc"
    err = _fails(["--scenario", str(missing)], capsys)
    assert str(missing) in err
    assert "No such file" in err


def test_a_file_that_is_no_scenario_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "road.xosc"
    other.write_text('<?xml version="1.0"?>\n<OpenDRIVE/>\n')
    err = _fails(["--scenario", str(other)], capsys)
    assert str(other) in err
    assert "<OpenDRIVE>" in err


def test_an_unsupported_element_names_the_file_and_the_element(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stochastic = tmp_path / "stochastic.xosc"
    stochastic.write_text(
        f"""<?xml version="1.0"?>
<OpenSCENARIO>
  {HEADER}
  <ParameterValueDistribution>
    <ScenarioFile filepath="base.xosc"/>
    <Stochastic numberOfTestRuns="3" randomSeed="1">
      <StochasticDistribution parameterName="Ego_speed_kph">
        <UniformDistribution><Range lowerLimit="10" upperLimit="50"/></UniformDistribution>
      </StochasticDistribution>
    </Stochastic>
  </ParameterValueDistribution>
</OpenSCENARIO>
"""
    )
    err = _fails(["--scenario", str(stochastic)], capsys)
    assert str(stochastic) in err
    assert "line 6" in err
    assert "<Stochastic> is not supported" in err


@needs_ncap
def test_an_unsupported_element_of_a_real_file_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    reversing = (SCENARIOS / "AEB_VRU_2023" / "NCAP_AEB_VRU_CPRA_Cs_2023.xosc").resolve()
    err = _fails(["--scenario", str(reversing)], capsys)
    assert str(reversing) in err
    assert "Private[Ego]/PrivateAction/LongitudinalAction/SpeedAction>" in err
    assert "the VUT reverses" in err


@needs_ncap
def test_an_error_found_when_building_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario that reads fine but cannot be built (its road network file is missing): found in
    the worker, so the run's result carries it."""
    base = (SCENARIOS / "AEB_C2C_2023" / "NCAP_AEB_C2C_CCR_2023.xosc").read_text()
    text = base.replace('"../Catalogs/', f'"{SCENARIOS.resolve()}/Catalogs/')
    text = re.sub(r'<LogicFile filepath="[^"]*"', f'<LogicFile filepath="{tmp_path / "missing.xodr"}"', text)
    scenario = tmp_path / "no_road.xosc"
    scenario.write_text(text)
    status = main(["ncap", "--scenario", str(scenario), "--jobs", "1"])
    captured = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in captured.err
    assert "missing.xodr" in captured.err
