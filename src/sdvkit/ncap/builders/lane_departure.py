"""Lane support: ELK road edge, ELK oncoming and overtaking, and LKA on a dashed line.

The VUT drives its lane's centre for ``SETTLE_S``, then its path bends (an arc over
``TRANSITION_S``) towards the line or edge under test until it drifts at the point's lateral
velocity (the path's angle is then ``asin(v_lat / v)``); the robot
follows it until a lane-support function has steered, then lets go of the wheel. ELK and LKA
steer through ``Vehicle.Sdvkit.MotionControl``, which overrides the robot's wheel.

- **ELK RE**: an unmarked two-way road; the VUT drifts to the right road edge
  (``road_edge_side = -1``), judged on how far its outer front wheel gets past it.
- **LKA dashed**: two lanes each way with dashed lines; the VUT (in lane -1) drifts over the
  dashed centre line (``side`` "left") or the dashed lane line (``side`` "right").
- **CC ELK On**: a two-way road, dashed centre line; the VUT drifts left into the lane of an
  oncoming car driving at the centre of its lane.
- **CC ELK OvU**: two lanes each way; the VUT drifts left from lane -2 into lane -1, where a
  faster car is overtaking it.

The targets are timed so that, without intervention, the VUT meets them when its left side has
come ``TARGET_OVERLAP_M`` past the target's right side: head-on front to front (On), and with the
overtaking car's centre level with the VUT's front (OvU).
"""

from __future__ import annotations

import math

from sdvkit.ncap.builders.common import (
    LANE_WIDTH_M,
    ROAD_MARGIN_M,
    SETTLE_S,
    TWO_LANES_EACH_WAY,
    TWO_WAY,
    UNMARKED,
    VUT_LENGTH_M,
    VUT_START_X_M,
    VUT_WIDTH_M,
    kph,
    number_parameter,
    require_moving_vut,
    straight_path,
    straight_setup,
    straight_world,
    text_parameter,
)
from sdvkit.ncap.builders.rear_end import GVT_WIDTH_M, TARGET_ID, gvt
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint
from sdvkit.world.actors import PolylinePath, ScriptedMotion, SpeedProfile

AFTER_CROSSING_S = 2.0
"""How long a lane-support run goes on after the planned crossing (or impact)."""
TARGET_OVERLAP_M = 0.3
"""Lateral overlap of the VUT's and the target's boxes at the planned impact (ELK On/OvU)."""
LATERAL_VELOCITY = "lateral_velocity_mps"
TRANSITION_S = 1.0
"""The drift builds up over this long, on an arc (about R 1,000-5,000 m, as Euro NCAP's paths)."""
_ARC_STEP_M = 1.0


def drift_path(x0_m: float, y0_m: float, speed_mps: float, lateral_mps: float, side: int) -> PolylinePath:
    """Straight along +x from (``x0_m``, ``y0_m``) for ``SETTLE_S``, then an arc over
    ``TRANSITION_S`` that turns towards ``side`` (+1 left) until the path drifts at
    ``lateral_mps``, then straight on at that angle."""
    if not 0.0 < lateral_mps < speed_mps:
        raise ScenarioError(f"the lateral velocity {lateral_mps} m/s must be above 0 and below the speed")
    angle = math.asin(lateral_mps / speed_mps)
    arc_m = speed_mps * TRANSITION_S
    radius = arc_m / angle
    turn_x = x0_m + speed_mps * SETTLE_S
    points = [(x0_m - 20.0, y0_m), (turn_x, y0_m)]
    count = max(2, math.ceil(arc_m / _ARC_STEP_M))
    for index in range(1, count + 1):
        heading = angle * index / count
        points.append((turn_x + radius * math.sin(heading), y0_m + side * radius * (1.0 - math.cos(heading))))
    end_x, end_y = points[-1]
    reach = 400.0
    points.append((end_x + reach * math.cos(angle), end_y + side * reach * math.sin(angle)))
    return PolylinePath(waypoints=tuple(points))


def _drift_time_s(distance_m: float, lateral_mps: float) -> float:
    """From the run's start until the VUT on :func:`drift_path` has drifted ``distance_m`` sideways
    (the arc builds the lateral speed up evenly: it covers half its time's worth)."""
    return SETTLE_S + 0.5 * TRANSITION_S + distance_m / lateral_mps


def build_lane_departure(point: TestPoint) -> ScenarioSetup:
    """ELK RE, LKA dashed, CC ELK On or CC ELK OvU."""
    speed = require_moving_vut(point)
    lateral = number_parameter(point, LATERAL_VELOCITY)
    wheel_to_line = LANE_WIDTH_M / 2.0 - VUT_WIDTH_M / 2.0
    x0 = VUT_START_X_M
    if point.grid == "ELK RE":
        y0, side = -LANE_WIDTH_M / 2.0, -1
        duration = _drift_time_s(wheel_to_line, lateral) + AFTER_CROSSING_S
        world = straight_world(x0 + speed * duration + ROAD_MARGIN_M, UNMARKED)
        path = drift_path(x0, y0, speed, lateral, side)
        return straight_setup(
            point, world, x0_m=x0, y_m=y0, duration_s=duration, target_id=None, path=path,
            road_edge_side=side, end_when_target_passed=False,
        )  # fmt: skip
    if point.grid == "LKA dashed":
        y0 = -LANE_WIDTH_M / 2.0
        side = 1 if text_parameter(point, "side", ("left", "right")) == "left" else -1
        duration = _drift_time_s(wheel_to_line, lateral) + AFTER_CROSSING_S
        world = straight_world(x0 + speed * duration + ROAD_MARGIN_M, TWO_LANES_EACH_WAY)
        path = drift_path(x0, y0, speed, lateral, side)
        return straight_setup(
            point, world, x0_m=x0, y_m=y0, duration_s=duration, target_id=None, path=path,
            lane_line_side=side, end_when_target_passed=False,
        )  # fmt: skip
    if point.grid not in ("CC ELK On", "CC ELK OvU"):
        raise ScenarioError(f"grid {point.grid!r} is not a lane-departure grid")
    target_speed = kph(point.target_speed_kph)
    oncoming = point.grid == "CC ELK On"
    # VUT in lane -1 of a two-way road (On) or lane -2 of two lanes each way (OvU); the target
    # drives the centre of the lane to the VUT's left.
    y0 = -LANE_WIDTH_M / 2.0 if oncoming else -1.5 * LANE_WIDTH_M
    target_y = y0 + LANE_WIDTH_M
    line_to_target = LANE_WIDTH_M / 2.0 - GVT_WIDTH_M / 2.0
    impact_s = _drift_time_s(wheel_to_line + line_to_target + TARGET_OVERLAP_M, lateral)
    duration = impact_s + AFTER_CROSSING_S
    if not oncoming:  # room behind the VUT for the overtaking car to start on the road
        x0 += max(0.0, (target_speed - speed) * impact_s)
    vut_front_at_impact = x0 + VUT_LENGTH_M / 2.0 + speed * impact_s
    if oncoming:
        start_x = vut_front_at_impact + gvt().length_m / 2.0 + target_speed * impact_s
        route = straight_path(start_x, target_y, target_speed * duration + 20.0, heading_rad=math.pi)
        road_end = start_x
    else:
        if target_speed <= speed:
            raise ScenarioError(f"test point {point.label!r}: the overtaking car must be faster than the VUT")
        start_x = vut_front_at_impact - target_speed * impact_s
        route = straight_path(start_x, target_y, target_speed * duration + 20.0)
        road_end = start_x + target_speed * duration
    world = straight_world(
        max(road_end, x0 + speed * duration) + ROAD_MARGIN_M, TWO_WAY if oncoming else TWO_LANES_EACH_WAY
    )
    world.add_actor(gvt(), ScriptedMotion(route=route, profile=SpeedProfile.constant(target_speed)))
    return straight_setup(
        point, world, x0_m=x0, y_m=y0, duration_s=duration, target_id=TARGET_ID,
        path=drift_path(x0, y0, speed, lateral, 1), lane_line_side=1, end_when_target_passed=oncoming,
    )  # fmt: skip
