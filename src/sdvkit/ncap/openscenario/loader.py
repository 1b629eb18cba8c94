"""The importer's entry point: a file becomes :class:`ScenarioRun` objects, one per parameter set.

A base scenario gives one run with its declared parameters; a ParameterValueDistribution file
gives one run per concrete parameter set. A run holds only the file and its parameters (it is
picklable and cheap); :meth:`ScenarioRun.build` reads the scenario and builds the world anew,
in whichever (worker) process calls it. Reading every run when loading finds what the bench
cannot run before any world is built.

Each run's :class:`~sdvkit.ncap.scenario.TestPoint`:

- ``grid``: the scenario family, from the ``Scenario_ID`` parameter without its impact-location
  suffix (``CPNA-25`` → ``CPNA``, ``CCRs_FCW`` → ``CCRs``), checked against the file name (which
  wins where the two name different families: the CCFhos base file declares ``CCFhol``);
- ``label``: the file name without ``NCAP_AEB_C2C_``/``NCAP_AEB_VRU_``, the VUT speed ``v``, the
  target speed ``vt`` (when moving), the impact location ``IL`` (the ``Overlap`` parameter), and
  any other parameter the file varies where these do not tell runs apart;
- ``criterion``: FCW for FCW variations; avoidance for turn-across-path and crossing families
  (CCFtap, CMFtap, CCCscp, CMCscp, CPTA, CBTA); speed reduction for head-on (CCFhos, CCFhol);
  mitigation otherwise (CCR*, CMR*, CP*, CB*);
- speeds from the VUT's ``Init`` speed and the target's (its ``Init`` speed, else its final
  speed in a synchronisation, else a speed it is given later); ``max_points`` 0.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sdvkit.ncap.errors import OpenScenarioError
from sdvkit.ncap.openscenario.actions import SpeedActionModel, SynchronizeModel
from sdvkit.ncap.openscenario.builder import ImportedScenario, build_scenario
from sdvkit.ncap.openscenario.compiler import ScenarioModel, compile_scenario
from sdvkit.ncap.openscenario.distributions import read_distribution
from sdvkit.ncap.openscenario.parameters import format_value
from sdvkit.ncap.openscenario.xmltree import parse_document
from sdvkit.ncap.scenario import Criterion, GridRange, ScenarioSetup, TestPoint

__all__ = ["ScenarioRun", "load_scenario_runs"]

_PREFIX = re.compile(r"^NCAP_AEB_(?:C2C|VRU)_")
_AVOIDANCE = ("CCFtap", "CMFtap", "CCCscp", "CMCscp", "CPTA", "CBTA")
_SPEED_REDUCTION = ("CCFhos", "CCFhol")
_KPH_PER_MPS = 3.6


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """One concrete run of an OpenSCENARIO file: the file, the parameters, the test point."""

    source: Path
    """The file the run came from (a variation file, or the base scenario itself)."""
    scenario: Path
    """The base scenario the parameters apply to."""
    parameters: tuple[tuple[str, str], ...]
    """The parameter set, as (name, value) pairs in the order the file gives them."""
    point: TestPoint

    def build_imported(self) -> ImportedScenario:
        """Read the scenario with this run's parameters and build it (a new world each call)."""

        def compile_model() -> ScenarioModel:
            model = _compile(self.scenario, self.parameters, self.source)
            _grid_note(model, self.source)
            return model

        return build_scenario(compile_model, name=self.point.label, fcw=self.point.criterion is Criterion.FCW)

    def build(self) -> ScenarioSetup:
        """The runnable scenario (a new world each call)."""
        return self.build_imported().setup


def _compile(scenario: Path, parameters: tuple[tuple[str, str], ...], source: Path) -> ScenarioModel:
    where = f"{source}" if not parameters else f"{source} ({_summary(parameters)})"
    try:
        return compile_scenario(scenario, dict(parameters), where=where)
    except OpenScenarioError as error:
        if source == scenario or str(source) in str(error):
            raise
        raise type(error)(f"{where}: {error}") from error


def _summary(parameters: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{name}={value}" for name, value in parameters)


def _family_token(text: str) -> str:
    return re.split(r"[-_]", _PREFIX.sub("", text), maxsplit=1)[0]


def _grid(model: ScenarioModel, source: Path) -> tuple[str, bool]:
    """(grid, the file name overrode Scenario_ID)."""
    from_file = _family_token(source.stem)
    declared = model.parameters.values.get("Scenario_ID")
    if declared is None:
        return from_file, False
    from_id = re.sub(r"_FCW$", "", str(declared).split("-")[0])
    if from_id.startswith(from_file) or from_file.startswith(from_id):
        return (from_id if len(from_id) >= len(from_file) else from_file), False
    return from_file, True


def _criterion(grid: str, fcw: bool) -> Criterion:
    if fcw:
        return Criterion.FCW
    if grid.startswith(_AVOIDANCE):
        return Criterion.AVOIDANCE
    if grid.startswith(_SPEED_REDUCTION):
        return Criterion.SPEED_REDUCTION
    return Criterion.MITIGATION


def _target_speed(model: ScenarioModel) -> float:
    target = model.target
    if target is None:
        return 0.0
    for name, action in model.init:
        if name == target and isinstance(action, SpeedActionModel) and action.absolute_mps is not None:
            return abs(action.absolute_mps)
    later: list[float] = []
    for actors, action in model.story_actions():
        if target not in actors:
            continue
        if isinstance(action, SynchronizeModel) and action.final_speed_mps is not None:
            return abs(action.final_speed_mps)
        if isinstance(action, SpeedActionModel) and action.absolute_mps is not None:
            later.append(abs(action.absolute_mps))
    return later[0] if later else 0.0


def _grid_note(model: ScenarioModel, source: Path) -> None:
    grid, overridden = _grid(model, source)
    if overridden:
        model.notes.append(
            f"grid {grid} from the file name; Scenario_ID says {model.parameters.values['Scenario_ID']}"
        )


def _point(model: ScenarioModel, source: Path, parameters: tuple[tuple[str, str], ...]) -> TestPoint:
    grid, _ = _grid(model, source)
    scenario_id = str(model.parameters.values.get("Scenario_ID", ""))
    fcw = "FCW" in scenario_id or "FCW" in source.stem
    vut_speed = round(
        (model.vut_init.speed_mps or 0.0) * _KPH_PER_MPS, 9
    )  # 30/3.6*3.6 gives 30.000000000000004
    target_speed = round(_target_speed(model) * _KPH_PER_MPS, 9)
    overlap = model.parameters.values.get("Overlap")
    impact = float(overlap) if isinstance(overlap, (int, float)) and not isinstance(overlap, bool) else None
    label = f"{_PREFIX.sub('', source.stem)} v={format_value(vut_speed)}"
    if target_speed > 0:
        label += f" vt={format_value(target_speed)}"
    if impact is not None:
        label += f" IL={format_value(impact)}"
    values: list[tuple[str, float | str]] = []
    for name, _ in parameters:
        value = model.parameters.values[name]
        values.append((name, float(value) if isinstance(value, (int, float)) and not isinstance(value, bool)
                       else format_value(value)))  # fmt: skip
    return TestPoint(
        grid=grid, range=GridRange.SCENARIO_FILE, label=label, vut_speed_kph=vut_speed,
        target_speed_kph=target_speed, impact_location_pct=impact, criterion=_criterion(grid, fcw),
        max_points=0.0, lighting=model.environment.lighting, parameters=tuple(values),
    )  # fmt: skip


def _distinct_labels(runs: list[ScenarioRun]) -> list[ScenarioRun]:
    """Labels made unique by the varied parameters they do not show yet."""
    counts = Counter(run.point.label for run in runs)
    if all(count == 1 for count in counts.values()):
        return runs
    shown = {"Ego_speed_kph", "Overlap", "Scenario_ID"}
    varied = [
        name for name, _ in runs[0].parameters
        if name not in shown and len({dict(run.parameters).get(name) for run in runs}) > 1
    ]  # fmt: skip
    result = []
    for run in runs:
        point = run.point
        if counts[point.label] > 1:
            extra = " ".join(f"{name}={dict(run.parameters)[name]}" for name in varied)
            point = TestPoint(
                grid=point.grid, range=point.range, label=f"{point.label} {extra}".rstrip(),
                vut_speed_kph=point.vut_speed_kph, target_speed_kph=point.target_speed_kph,
                impact_location_pct=point.impact_location_pct, criterion=point.criterion,
                max_points=point.max_points, lighting=point.lighting, parameters=point.parameters,
            )  # fmt: skip
        result.append(ScenarioRun(run.source, run.scenario, run.parameters, point))
    return result


def load_scenario_runs(path: Path) -> list[ScenarioRun]:
    """The runs of a base scenario (one) or of a ParameterValueDistribution file (one per
    parameter set). Raises :class:`~sdvkit.ncap.errors.UnsupportedElementError` for an element
    the bench cannot run, :class:`~sdvkit.ncap.errors.OpenScenarioError` for a malformed file."""
    source = Path(path).resolve()
    root = parse_document(source)
    if root.child("ParameterValueDistribution") is not None:
        distribution = read_distribution(root)
        scenario, assignments = distribution.scenario, distribution.assignments
    elif root.child("Catalog") is not None:
        raise OpenScenarioError(f"{source}: a catalog, not a scenario")
    else:
        scenario, assignments = source, ((),)
    runs = []
    for assignment in assignments:
        model = _compile(scenario, assignment, source)
        runs.append(ScenarioRun(source, scenario, assignment, _point(model, source, assignment)))
    return _distinct_labels(runs)
