"""What every scenario builder shares: the VUT's box, the start rule, roads and motion helpers.

**Start rule.** Every run starts at steady speed with the VUT ``START_TTC_S`` (4 s) of travel
from the planned impact; a target that must stand still first (a pedestrian) or has further to
go gets more (the run then starts earlier, never with the VUT closer). A braking lead (CCRb) and
the lane-support drifts first run ``SETTLE_S`` straight, so sensing has confirmed its tracks
before anything happens.

**Synchronisation.** Targets are timed from the geometry, as Euro NCAP synchronises them: a
scripted target's start delay and start position are computed so that, without any
intervention, the VUT driving its path at its speed meets the target at the intended impact
location at the planned time (:mod:`sdvkit.ncap.builders.prediction` checks it kinematically).

Frames: roads run along +x; the VUT drives in lane -1 of a two-way road, whose centre line is
``y = -LANE_WIDTH_M / 2``; y is positive to the left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.scenario import Criterion, Lighting, ScenarioSetup, TestPoint, VutStart
from sdvkit.world.actors import ActorSpec, PolylinePath, Route, SpeedProfile
from sdvkit.world.network import RoadNetwork
from sdvkit.world.road_builders import LaneLayout, straight_road
from sdvkit.world.roads import MarkingType
from sdvkit.world.scene import World

VUT_SPEC = ActorSpec.car("ego")
"""The VUT's box, the one the runner places (4.5 m x 1.8 m)."""
VUT_LENGTH_M = VUT_SPEC.length_m
VUT_WIDTH_M = VUT_SPEC.width_m
START_TTC_S = 4.0
"""Time from the run's start to the planned impact (time to collision at the start)."""
SETTLE_S = 1.0
"""Straight driving before a braking lead brakes or a lane-support drift begins."""
AFTER_IMPACT_S = 3.0
"""How long a run may go on after the planned impact (an avoided run ends once the VUT stops)."""
DRIVER_REACTION_S = 1.2
"""In FCW points the robot, standing in for the driver, brakes this long after the warning."""
LANE_WIDTH_M = 3.5
VUT_LANE_Y_M = -LANE_WIDTH_M / 2.0
"""The VUT's lane centre: lane -1 of a two-way road along +x."""
VUT_START_X_M = 20.0
"""Where the VUT's centre starts, along the road (the road starts at x = 0)."""
ROAD_MARGIN_M = 80.0
TWO_WAY = LaneLayout(lane_width_m=LANE_WIDTH_M)
"""One lane each way, dashed centre line, solid edges."""
UNMARKED = LaneLayout(
    lane_width_m=LANE_WIDTH_M,
    center_marking=MarkingType.NONE,
    lane_marking=MarkingType.NONE,
    edge_marking=MarkingType.NONE,
    marking_width_m=0.0,
)
"""One lane each way and no markings at all: the road edge is the only line (ELK RE)."""
TWO_LANES_EACH_WAY = LaneLayout(lanes_per_direction=2, lane_width_m=LANE_WIDTH_M)
"""Two lanes each way: dashed lines between them and on the centre line, solid edges."""


def kph(speed_kph: float) -> float:
    """km/h to m/s."""
    return speed_kph / 3.6


def straight_world(length_m: float, layout: LaneLayout = TWO_WAY) -> World:
    """A world of one straight road along +x from the origin."""
    road = straight_road(length_m=max(length_m, 50.0), layout=layout)
    return World(RoadNetwork(roads=(road,)))


def straight_path(x0_m: float, y_m: float, length_m: float, *, heading_rad: float = 0.0) -> PolylinePath:
    """A straight route from (``x0_m``, ``y_m``) along ``heading_rad``."""
    return PolylinePath(
        waypoints=(
            (x0_m, y_m),
            (x0_m + length_m * math.cos(heading_rad), y_m + length_m * math.sin(heading_rad)),
        )
    )


def accelerating_profile(speed_mps: float, accel_distance_m: float, *, start_delay_s: float) -> SpeedProfile:
    """Standing until ``start_delay_s``, then a constant acceleration to ``speed_mps`` over
    ``accel_distance_m`` (0: at speed at once), then steady."""
    if accel_distance_m <= 0.0:
        return SpeedProfile.constant(speed_mps, start_delay_s=start_delay_s)
    accel_time_s = 2.0 * accel_distance_m / speed_mps
    return SpeedProfile(points=((0.0, 0.0), (accel_time_s, speed_mps)), start_delay_s=start_delay_s)


def time_to_cover_s(distance_m: float, speed_mps: float, accel_distance_m: float) -> float:
    """How long :func:`accelerating_profile` takes, from its start, to cover ``distance_m``."""
    if accel_distance_m <= 0.0:
        return distance_m / speed_mps
    accel = speed_mps * speed_mps / (2.0 * accel_distance_m)
    if distance_m <= accel_distance_m:
        return math.sqrt(2.0 * distance_m / accel)
    return 2.0 * accel_distance_m / speed_mps + (distance_m - accel_distance_m) / speed_mps


def straight_setup(
    point: TestPoint,
    world: World,
    *,
    x0_m: float,
    y_m: float = VUT_LANE_Y_M,
    duration_s: float,
    target_id: str | None,
    path: Route | None = None,
    heading_rad: float = 0.0,
    notes: Sequence[str] = (),
    end_when_target_passed: bool = True,
    road_edge_side: int | None = None,
    lane_line_side: int | None = None,
    acc_set_speed_kph: float | None = None,
) -> ScenarioSetup:
    """The setup of a VUT driving at the point's speed from (``x0_m``, ``y_m``), along +x unless
    ``path`` says otherwise; FCW points get the driver who brakes 1.2 s after the warning."""
    speed = kph(point.vut_speed_kph)
    route = path if path is not None else straight_path(x0_m - 20.0, y_m, speed * duration_s + 200.0)
    return ScenarioSetup(
        name=point.label,
        world=world,
        vut_start=VutStart(x_m=x0_m, y_m=y_m, heading_rad=heading_rad, speed_mps=speed),
        vut_path=route,
        vut_speed_mps=speed,
        duration_s=duration_s,
        target_id=target_id,
        driver_brakes_after_warning_s=DRIVER_REACTION_S if point.criterion is Criterion.FCW else None,
        lighting=Lighting(point.lighting),
        road_edge_side=road_edge_side,
        lane_line_side=lane_line_side,
        end_when_target_passed=end_when_target_passed,
        acc_set_speed_kph=acc_set_speed_kph,
        notes=tuple(notes),
    )


def number_parameter(point: TestPoint, name: str, default: float | None = None) -> float:
    """A numeric parameter of a point (``default`` if it has none)."""
    try:
        value = point.parameter(name)
    except ScenarioError:
        if default is None:
            raise
        return default
    if isinstance(value, str):
        raise ScenarioError(f"test point {point.label!r}: parameter {name!r} must be a number, not {value!r}")
    return float(value)


def text_parameter(point: TestPoint, name: str, allowed: Sequence[str]) -> str:
    """A text parameter of a point, one of ``allowed``."""
    value = point.parameter(name)
    if value not in allowed:
        raise ScenarioError(
            f"test point {point.label!r}: parameter {name!r} must be one of {list(allowed)}, not {value!r}"
        )
    return str(value)


def require_impact_location(point: TestPoint) -> float:
    if point.impact_location_pct is None:
        raise ScenarioError(f"test point {point.label!r} of grid {point.grid} needs an impact location")
    return point.impact_location_pct


def require_moving_vut(point: TestPoint) -> float:
    speed = kph(point.vut_speed_kph)
    if speed <= 0.0:
        raise ScenarioError(f"test point {point.label!r}: the VUT must move (vut_speed_kph > 0)")
    return speed
