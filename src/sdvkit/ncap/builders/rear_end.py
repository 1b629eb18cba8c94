"""Car-to-car scenarios along one line: rear-end (CCRs, CCRm, CCRb) and head-on (CCFhos).

The VUT drives lane -1 of a straight two-way road at the point's speed; the target (Euro NCAP's
global vehicle target, 4.02 m x 1.71 m) is centred at the impact location's lateral offset, so
without intervention the VUT's front meets the target's rear (head-on: its front) at
``START_TTC_S``:

- CCRs: the target stands; CCRm: it drives ahead at its speed;
- CCRb: it drives ahead at the VUT's speed with a 1.0 s headway and, after ``SETTLE_S``, brakes at
  4 m/s² down to 2 km/h (the point's ``headway_s``, ``target_decel_mps2``, ``target_end_speed_kph``);
- CCFhos: it comes towards the VUT in the VUT's lane.
"""

from __future__ import annotations

import math

from sdvkit.ncap.builders.common import (
    AFTER_IMPACT_S,
    ROAD_MARGIN_M,
    SETTLE_S,
    START_TTC_S,
    VUT_LANE_Y_M,
    VUT_LENGTH_M,
    VUT_START_X_M,
    VUT_WIDTH_M,
    kph,
    number_parameter,
    require_impact_location,
    require_moving_vut,
    straight_path,
    straight_setup,
    straight_world,
)
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.grids import impact_offset_m
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint
from sdvkit.world.actors import ActorSpec, ScriptedMotion, SpeedProfile, Stationary

TARGET_ID = "target"
GVT_LENGTH_M = 4.02
GVT_WIDTH_M = 1.71
"""Euro NCAP's global vehicle target (GVT)."""


def gvt(actor_id: str = TARGET_ID) -> ActorSpec:
    return ActorSpec.car(actor_id, length_m=GVT_LENGTH_M, width_m=GVT_WIDTH_M)


def _front_at_start_m() -> float:
    return VUT_START_X_M + VUT_LENGTH_M / 2.0


def build_rear_end(point: TestPoint) -> ScenarioSetup:
    """CCRs, CCRm or CCRb."""
    speed = require_moving_vut(point)
    offset = impact_offset_m(require_impact_location(point), VUT_WIDTH_M)
    target_y = VUT_LANE_Y_M + offset
    target_speed = kph(point.target_speed_kph)
    front = _front_at_start_m()
    spec = gvt()
    if point.grid == "CCRs":
        if target_speed != 0.0:
            raise ScenarioError(f"test point {point.label!r}: a CCRs target stands (target_speed_kph 0)")
        target_x = front + speed * START_TTC_S + GVT_LENGTH_M / 2.0
        duration = START_TTC_S + AFTER_IMPACT_S
        world = straight_world(target_x + ROAD_MARGIN_M)
        world.add_actor(spec, Stationary(x_m=target_x, y_m=target_y))
        return straight_setup(point, world, x0_m=VUT_START_X_M, duration_s=duration, target_id=TARGET_ID)
    if point.grid == "CCRm":
        if not 0.0 <= target_speed < speed:
            raise ScenarioError(f"test point {point.label!r}: a CCRm target drives slower than the VUT")
        gap = (speed - target_speed) * START_TTC_S
        duration = START_TTC_S + AFTER_IMPACT_S
        profile = SpeedProfile.constant(target_speed)
    elif point.grid == "CCRb":
        headway = number_parameter(point, "headway_s", 1.0)
        decel = number_parameter(point, "target_decel_mps2", 4.0)
        end_speed = kph(number_parameter(point, "target_end_speed_kph", 2.0))
        if not (headway > 0.0 and decel > 0.0 and 0.0 <= end_speed < target_speed):
            raise ScenarioError(
                f"test point {point.label!r}: CCRb needs headway_s > 0, target_decel_mps2 > 0 and an end "
                "speed below the target's speed"
            )
        gap = speed * headway
        braking_s = (target_speed - end_speed) / decel
        profile = SpeedProfile(
            points=((0.0, target_speed), (SETTLE_S, target_speed), (SETTLE_S + braking_s, end_speed))
        )
        duration = SETTLE_S + braking_s + 1.5 * headway + AFTER_IMPACT_S
    else:
        raise ScenarioError(f"test point {point.label!r}: not a rear-end grid ({point.grid})")
    start_x = front + gap + GVT_LENGTH_M / 2.0
    route = straight_path(start_x, target_y, target_speed * duration + 10.0)
    world = straight_world(start_x + max(speed, target_speed) * duration + ROAD_MARGIN_M)
    world.add_actor(spec, ScriptedMotion(route=route, profile=profile))
    return straight_setup(point, world, x0_m=VUT_START_X_M, duration_s=duration, target_id=TARGET_ID)


def build_head_on(point: TestPoint) -> ScenarioSetup:
    """CCFhos: the target drives towards the VUT in the VUT's lane, at the impact location."""
    speed = require_moving_vut(point)
    target_speed = kph(point.target_speed_kph)
    offset = impact_offset_m(require_impact_location(point), VUT_WIDTH_M)
    target_y = VUT_LANE_Y_M + offset
    start_x = _front_at_start_m() + (speed + target_speed) * START_TTC_S + GVT_LENGTH_M / 2.0
    duration = START_TTC_S + AFTER_IMPACT_S
    world = straight_world(start_x + ROAD_MARGIN_M)
    route = straight_path(start_x, target_y, target_speed * duration + 10.0, heading_rad=math.pi)
    world.add_actor(gvt(), ScriptedMotion(route=route, profile=SpeedProfile.constant(target_speed)))
    return straight_setup(point, world, x0_m=VUT_START_X_M, duration_s=duration, target_id=TARGET_ID)
