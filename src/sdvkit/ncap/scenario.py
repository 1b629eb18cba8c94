"""What one test run is: the point being tested and the concrete scenario that runs it.

A :class:`TestPoint` says what is tested and how it is judged (one cell of a grid, or one
false-positive case). A :class:`ScenarioSetup` is the concrete run: a :class:`~sdvkit.world.World`
with the road and every other actor (their behaviours already attached), where the vehicle under
test (VUT) starts, the path and speed its driving robot holds, and when the run ends.

Both the built-in grids and the OpenSCENARIO importer produce these, so one runner runs either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from sdvkit.ncap.errors import ScenarioError
from sdvkit.world.actors import Route
from sdvkit.world.scene import World


class Criterion(StrEnum):
    """How a point is judged (the Euro NCAP 2026 crash-avoidance criteria, and the bench's own)."""

    MITIGATION = "mitigation"
    """Colour bands on the relative impact speed, looked up by VUT speed (CCRs, CPNA, …)."""
    AVOIDANCE = "avoidance"
    """Green only without impact (CCFtap, CCCscp)."""
    SPEED_REDUCTION = "speed-reduction"
    """Colour bands on the VUT's speed reduction before impact (CCFhos)."""
    FCW = "fcw"
    """Green when the forward collision warning comes at TTC > 1.7 s."""
    ROAD_EDGE = "road-edge"
    """Green when the VUT's outer wheel ends at most 0.1 m past the road edge (ELK RE)."""
    LANE_LINE = "lane-line"
    """Green when the VUT's outer wheel ends at most 0.3 m past the lane line (LKA)."""
    NO_IMPACT = "no-impact"
    """Green without impact with the target (ELK oncoming / overtaking)."""
    FALSE_POSITIVE = "false-positive"
    """Green when neither AEB nor FCW acts (the false-positive suite)."""


class Lighting(StrEnum):
    DAY = "day"
    NIGHT = "night"


class GridRange(StrEnum):
    STANDARD = "standard"
    EXTENDED = "extended"
    FALSE_POSITIVE = "false-positive"
    SCENARIO_FILE = "scenario-file"
    """A point from an OpenSCENARIO file given with ``--scenario``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TestPoint:
    """One cell of a test grid: what is tested and how it is judged.

    ``label`` names the point uniquely within its grid, e.g. ``"CCRs 30 km/h IL 50"``.
    ``parameters`` holds what else defines the point (headway, deceleration, side, …) as
    (name, value) pairs, so points stay hashable and print in a stable order.
    """

    __test__ = False  # not a pytest test class

    grid: str
    range: GridRange
    label: str
    vut_speed_kph: float
    target_speed_kph: float
    impact_location_pct: float | None
    criterion: Criterion
    max_points: float
    lighting: Lighting = Lighting.DAY
    parameters: tuple[tuple[str, float | str], ...] = ()

    def __post_init__(self) -> None:
        for name in ("vut_speed_kph", "target_speed_kph", "max_points"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ScenarioError(f"test point {self.label!r}: {name} must be >= 0, not {value!r}")
        if self.impact_location_pct is not None and not math.isfinite(self.impact_location_pct):
            raise ScenarioError(f"test point {self.label!r}: impact_location_pct must be finite")

    def parameter(self, name: str) -> float | str:
        for key, value in self.parameters:
            if key == name:
                return value
        raise ScenarioError(f"test point {self.label!r} has no parameter {name!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class VutStart:
    """Where the VUT starts, and its speed there (the run starts at steady speed)."""

    x_m: float
    y_m: float
    heading_rad: float
    speed_mps: float


@dataclass(kw_only=True, slots=True)
class ScenarioSetup:
    """A concrete, runnable scenario.

    - ``world``: the road network and every actor but the VUT, behaviours attached; the runner
      places the VUT (``world.place_ego``) at ``vut_start``.
    - ``vut_path``: the path the driving robot steers along; ``vut_speed_mps`` the speed it holds
      (the robot keeps the accelerator off once AEB has braked).
    - ``driver_brakes_after_warning_s``: in FCW tests the robot brakes this long after the first
      FCW warning (Euro NCAP: 1.2 s), standing in for the driver; None: the robot never brakes.
    - ``target_id``: the actor whose impact is scored (None: any actor counts, as in the
      false-positive suite).
    - ``road_edge_side``/``lane_line_side`` for the lane-support criteria: +1 left, -1 right.
    - ``duration_s``: the run ends then at the latest; it also ends at an impact with the target,
      or once the VUT has stopped, or when ``end_when_target_passed`` and the target is behind.
    - ``acc_set_speed_kph``: ACC is switched on with this set speed (None: ACC off).
    - ``driver_distracted``: the virtual driver looks away (DM-linked forward support tests).
    """

    name: str
    world: World
    vut_start: VutStart
    vut_path: Route
    vut_speed_mps: float
    duration_s: float
    target_id: str | None = None
    driver_brakes_after_warning_s: float | None = None
    lighting: Lighting = Lighting.DAY
    road_friction: float = 1.0
    road_edge_side: int | None = None
    lane_line_side: int | None = None
    end_when_target_passed: bool = True
    acc_set_speed_kph: float | None = None
    driver_distracted: bool = False
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not (math.isfinite(self.duration_s) and self.duration_s > 0):
            raise ScenarioError(f"scenario {self.name!r}: duration_s must be > 0, not {self.duration_s!r}")
        if not (math.isfinite(self.vut_speed_mps) and self.vut_speed_mps >= 0):
            raise ScenarioError(
                f"scenario {self.name!r}: vut_speed_mps must be >= 0, not {self.vut_speed_mps!r}"
            )
        if self.target_id is not None and self.target_id not in self.world.actor_ids:
            raise ScenarioError(f"scenario {self.name!r}: target {self.target_id!r} is not in the world")
