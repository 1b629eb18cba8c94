"""Scenario builders: the concrete, runnable scenario of every test point.

:func:`build_scenario` turns a :class:`~sdvkit.ncap.scenario.TestPoint` of any built-in grid, or
of the false-positive suite, into a :class:`~sdvkit.ncap.scenario.ScenarioSetup`. One module per
family group:

- :mod:`~sdvkit.ncap.builders.rear_end`: CCRs, CCRm, CCRb and the head-on CCFhos;
- :mod:`~sdvkit.ncap.builders.crossing`: the turning and crossing cars, CCFtap and CCCscp;
- :mod:`~sdvkit.ncap.builders.vru`: pedestrians and cyclists, crossing and longitudinal;
- :mod:`~sdvkit.ncap.builders.lane_departure`: ELK RE, CC ELK On/OvU and LKA dashed;
- :mod:`~sdvkit.ncap.builders.false_positive`: the false-positive suite.

:mod:`~sdvkit.ncap.builders.common` holds the start rule and geometry they share, and
:mod:`~sdvkit.ncap.builders.prediction` where a scenario's VUT would hit its target.
"""

from __future__ import annotations

from collections.abc import Callable

from sdvkit.ncap.builders.crossing import build_straight_crossing, build_turn_across_path
from sdvkit.ncap.builders.false_positive import (
    FALSE_POSITIVE_GRID,
    build_false_positive,
    false_positive_points,
)
from sdvkit.ncap.builders.lane_departure import build_lane_departure
from sdvkit.ncap.builders.prediction import PredictedImpact, predict_impact
from sdvkit.ncap.builders.rear_end import build_head_on, build_rear_end
from sdvkit.ncap.builders.vru import build_crossing_vru, build_longitudinal_vru
from sdvkit.ncap.errors import UnknownGridError
from sdvkit.ncap.grids import GRID_NAMES
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint

__all__ = [
    "BUILDERS",
    "FALSE_POSITIVE_GRID",
    "PredictedImpact",
    "build_scenario",
    "false_positive_points",
    "predict_impact",
]

BUILDERS: dict[str, Callable[[TestPoint], ScenarioSetup]] = {
    "CCRs": build_rear_end,
    "CCRm": build_rear_end,
    "CCRb": build_rear_end,
    "CCFhos": build_head_on,
    "CCFtap": build_turn_across_path,
    "CCCscp": build_straight_crossing,
    "CPNA": build_crossing_vru,
    "CPFA": build_crossing_vru,
    "CPNCO": build_crossing_vru,
    "CBNA": build_crossing_vru,
    "CBNAO": build_crossing_vru,
    "CBFA": build_crossing_vru,
    "CPLA": build_longitudinal_vru,
    "CBLA": build_longitudinal_vru,
    "ELK RE": build_lane_departure,
    "CC ELK On": build_lane_departure,
    "CC ELK OvU": build_lane_departure,
    "LKA dashed": build_lane_departure,
    FALSE_POSITIVE_GRID: build_false_positive,
}
"""Grid name → the builder of its points."""
assert set(BUILDERS) == {*GRID_NAMES, FALSE_POSITIVE_GRID}


def build_scenario(point: TestPoint) -> ScenarioSetup:
    """The scenario that runs ``point``; :class:`UnknownGridError` for a grid without a builder,
    :class:`~sdvkit.ncap.errors.ScenarioError` for a point its builder cannot run."""
    builder = BUILDERS.get(point.grid)
    if builder is None:
        raise UnknownGridError(
            f"no scenario builder for grid {point.grid!r}; known grids: {', '.join(BUILDERS)}"
        )
    return builder(point)
