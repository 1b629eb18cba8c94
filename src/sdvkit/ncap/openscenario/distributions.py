"""ParameterValueDistribution files: which base scenario, and every concrete parameter set.

A deterministic distribution is the cartesian product of its parts, in document order (the
first part varies slowest): a single-parameter distribution gives one value per element of its
``DistributionSet`` or per step of its ``DistributionRange`` (both limits included); a
multi-parameter ``ValueSetDistribution`` gives one assignment per ``ParameterValueSet``. Values
stay the raw strings of the file; the base scenario converts them to the declared types.
Stochastic distributions cannot be enumerated and are refused.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from sdvkit.ncap.openscenario.parameters import Scope, format_value
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported

__all__ = ["Distribution", "read_distribution"]

Assignment = tuple[tuple[str, str], ...]
"""One concrete parameter set: (name, raw value) pairs in the order the file gives them."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """A variation file: the base scenario it varies and its parameter sets."""

    source: Path
    scenario: Path
    assignments: tuple[Assignment, ...]


def _range_values(node: Node, scope: Scope) -> list[str]:
    step = scope.number(node, "stepWidth")
    limits = node.require("Range")
    lower = scope.number(limits, "lowerLimit")
    upper = scope.number(limits, "upperLimit")
    if step <= 0:
        raise malformed(node, f"stepWidth={step:g} must be > 0")
    if upper < lower:
        raise malformed(limits, f"upperLimit={upper:g} is below lowerLimit={lower:g}")
    count = math.floor((upper - lower) / step + 1e-9) + 1
    return [format_value(round(lower + index * step, 12)) for index in range(count)]


def _single(node: Node, scope: Scope) -> tuple[str, list[dict[str, str]]]:
    name = scope.raw(node, "parameterName")
    part = node.choice(("DistributionSet", "DistributionRange", "UserDefinedDistribution"))
    if part.tag == "DistributionSet":
        values = [scope.raw(element, "value") for element in part.all("Element")]
        if not values:
            raise malformed(part, "<DistributionSet> has no <Element>")
    elif part.tag == "DistributionRange":
        values = _range_values(part, scope)
    else:
        raise unsupported(part, "a user-defined distribution has no values the importer can enumerate")
    return name, [{name: value} for value in values]


def _multi(node: Node, scope: Scope) -> tuple[str, list[dict[str, str]]]:
    part = node.choice(("ValueSetDistribution",))
    sets: list[dict[str, str]] = []
    for value_set in part.all("ParameterValueSet"):
        assignment: dict[str, str] = {}
        for item in value_set.all("ParameterAssignment"):
            name = scope.raw(item, "parameterRef")
            if name in assignment:
                raise malformed(item, f"parameter {name} is assigned twice in one <ParameterValueSet>")
            assignment[name] = scope.raw(item, "value")
        if not assignment:
            raise malformed(value_set, "<ParameterValueSet> assigns nothing")
        sets.append(assignment)
    if not sets:
        raise malformed(part, "<ValueSetDistribution> has no <ParameterValueSet>")
    names = sorted(set().union(*sets))
    for value_set, assignment in zip(part.all("ParameterValueSet"), sets, strict=True):
        if sorted(assignment) != names:
            raise malformed(value_set, f"every <ParameterValueSet> must assign {', '.join(names)}")
    return ", ".join(names), sets


def read_distribution(root: Node) -> Distribution:
    """The base scenario and the parameter sets of a ParameterValueDistribution document."""
    distribution = root.require("ParameterValueDistribution")
    scope = Scope()
    scenario_file = distribution.require("ScenarioFile")
    scenario = (root.source.parent / scope.raw(scenario_file, "filepath")).resolve()
    kinds = [child for child in distribution.children if child.tag != "ScenarioFile"]
    if len(kinds) != 1:
        raise malformed(
            distribution, "<ParameterValueDistribution> needs one <Deterministic> or <Stochastic>"
        )
    body = kinds[0]
    if body.tag == "Stochastic":
        raise unsupported(body, "stochastic distributions have no finite set of runs to enumerate")
    if body.tag != "Deterministic":
        raise malformed(body, f"<{body.tag}> cannot stand in <ParameterValueDistribution>")
    parts: list[list[dict[str, str]]] = []
    seen: dict[str, Node] = {}
    for part in body.children:
        if part.tag == "DeterministicSingleParameterDistribution":
            _, values = _single(part, scope)
        elif part.tag == "DeterministicMultiParameterDistribution":
            _, values = _multi(part, scope)
        else:
            raise malformed(part, f"<{part.tag}> cannot stand in <Deterministic>")
        for name in values[0]:
            if name in seen:
                raise malformed(part, f"parameter {name} is already varied at line {seen[name].line}")
            seen[name] = part
        parts.append(values)
    if not parts:
        raise malformed(body, "<Deterministic> varies nothing")
    assignments = tuple(
        tuple((name, value) for chosen in combination for name, value in chosen.items())
        for combination in itertools.product(*parts)
    )
    return Distribution(source=root.source, scenario=scenario, assignments=assignments)
