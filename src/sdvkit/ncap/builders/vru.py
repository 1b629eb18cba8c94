"""Vulnerable road users: crossing (CPNA, CPFA, CPNCO, CBNA, CBNAO, CBFA) and longitudinal
(CPLA, CBLA).

The VUT drives lane -1 of a straight two-way road. A crossing VRU walks or rides straight across
it, at right angles; without intervention the VUT's front meets the VRU's centre at the impact
location (IL counted from the side the VRU comes from) after ``START_TTC_S``:

- pedestrians stand at the start and accelerate over 1 m (near side, 5 km/h, 4 m from the VUT's
  centre line: CPNA, CPNCO) or 1.5 m (far side, 8 km/h, 6 m: CPFA), the protocol's distances;
  the start is later when the walk needs longer than ``START_TTC_S``, never closer;
- cyclists ride at steady speed from the run's start (near side: CBNA 15 km/h, CBNAO 10 km/h;
  far side: CBFA 20 km/h);
- obstructed: CPNCO's child steps out 1 m in front of two parked cars (4.32 m and 4.42 m long,
  1 m apart, 1 m to the right of the VUT's path); CBNAO's cyclist comes out 1 m in front of one
  parked car placed the same way.

Longitudinal VRUs move along the VUT's lane ahead of it at their speed (CPLA 5 km/h, CBLA 15 or
20 km/h), centred at the impact location, the gap closing at the speed difference.
"""

from __future__ import annotations

import math

from sdvkit.ncap.builders.common import (
    AFTER_IMPACT_S,
    ROAD_MARGIN_M,
    START_TTC_S,
    VUT_LANE_Y_M,
    VUT_LENGTH_M,
    VUT_START_X_M,
    VUT_WIDTH_M,
    accelerating_profile,
    kph,
    require_impact_location,
    require_moving_vut,
    straight_path,
    straight_setup,
    straight_world,
    time_to_cover_s,
)
from sdvkit.ncap.builders.rear_end import GVT_WIDTH_M
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.grids import impact_offset_m
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint
from sdvkit.world.actors import ActorSpec, ScriptedMotion, SpeedProfile, Stationary
from sdvkit.world.scene import World

TARGET_ID = "target"
CHILD_LENGTH_M = 0.22
CHILD_WIDTH_M = 0.3
CHILD_HEIGHT_M = 1.15
"""Euro NCAP's child target (about 1.15 m tall, 0.3 m across the shoulders)."""
MIN_STANDSTILL_S = 0.5
"""A pedestrian stands at least this long before starting to walk."""
PARKED_GAP_M = 1.0
"""Lateral gap between the VUT and the parked cars, and between the cars and the VRU's path."""
SMALL_PARKED_LENGTH_M = 4.32
LARGE_PARKED_LENGTH_M = 4.42


def _crossing_spec(grid: str) -> tuple[ActorSpec, bool, float, float, bool]:
    """(target, from the far side, start distance from the VUT's centre line or 0 for a rider at
    speed from the start, acceleration distance, obstructed)."""
    if grid == "CPNA":
        return ActorSpec.pedestrian(TARGET_ID), False, 4.0, 1.0, False
    if grid == "CPFA":
        return ActorSpec.pedestrian(TARGET_ID), True, 6.0, 1.5, False
    if grid == "CPNCO":
        child = ActorSpec.pedestrian(
            TARGET_ID, length_m=CHILD_LENGTH_M, width_m=CHILD_WIDTH_M, height_m=CHILD_HEIGHT_M
        )
        return child, False, 4.0, 1.0, True
    if grid in ("CBNA", "CBNAO"):
        return ActorSpec.cyclist(TARGET_ID), False, 0.0, 0.0, grid == "CBNAO"
    if grid == "CBFA":
        return ActorSpec.cyclist(TARGET_ID), True, 0.0, 0.0, False
    raise ScenarioError(f"grid {grid!r} is not a crossing VRU grid")


def build_crossing_vru(point: TestPoint) -> ScenarioSetup:
    """CPNA, CPFA, CPNCO, CBNA, CBNAO or CBFA."""
    speed = require_moving_vut(point)
    target_speed = kph(point.target_speed_kph)
    if target_speed <= 0.0:
        raise ScenarioError(f"test point {point.label!r}: a crossing VRU must move")
    spec, far_side, start_m, accel_m, obstructed = _crossing_spec(point.grid)
    hit_y = VUT_LANE_Y_M + impact_offset_m(require_impact_location(point), VUT_WIDTH_M, from_left=far_side)
    direction = -1.0 if far_side else 1.0  # along +y from the near (right) side
    if start_m > 0.0:
        start_y = VUT_LANE_Y_M - direction * start_m
        walk_s = time_to_cover_s(abs(hit_y - start_y), target_speed, accel_m)
        impact_s = max(START_TTC_S, walk_s + MIN_STANDSTILL_S)
        profile = accelerating_profile(target_speed, accel_m, start_delay_s=impact_s - walk_s)
    else:
        impact_s = START_TTC_S
        start_y = hit_y - direction * target_speed * impact_s
        profile = SpeedProfile.constant(target_speed)
    # The VUT's front reaches the VRU's near face (its half width along x) at impact_s.
    crossing_x = VUT_START_X_M + VUT_LENGTH_M / 2.0 + speed * impact_s + spec.width_m / 2.0
    heading = direction * math.pi / 2.0
    route = straight_path(crossing_x, start_y, 60.0, heading_rad=heading)
    duration = impact_s + AFTER_IMPACT_S
    world = straight_world(crossing_x + speed * AFTER_IMPACT_S + ROAD_MARGIN_M)
    world.add_actor(spec, ScriptedMotion(route=route, profile=profile))
    if obstructed:
        _park_obstruction(
            world, crossing_x - spec.width_m / 2.0 - PARKED_GAP_M, two_cars=point.grid == "CPNCO"
        )
    return straight_setup(point, world, x0_m=VUT_START_X_M, duration_s=duration, target_id=TARGET_ID)


def _park_obstruction(world: World, front_x_m: float, *, two_cars: bool) -> None:
    """Parked cars on the near side, the first with its front at ``front_x_m``."""
    y = VUT_LANE_Y_M - VUT_WIDTH_M / 2.0 - PARKED_GAP_M - GVT_WIDTH_M / 2.0
    small = ActorSpec.car("parked-small", length_m=SMALL_PARKED_LENGTH_M, width_m=GVT_WIDTH_M)
    world.add_actor(small, Stationary(x_m=front_x_m - SMALL_PARKED_LENGTH_M / 2.0, y_m=y))
    if two_cars:
        large = ActorSpec.car("parked-large", length_m=LARGE_PARKED_LENGTH_M, width_m=GVT_WIDTH_M)
        large_x = front_x_m - SMALL_PARKED_LENGTH_M - PARKED_GAP_M - LARGE_PARKED_LENGTH_M / 2.0
        world.add_actor(large, Stationary(x_m=large_x, y_m=y))


def build_longitudinal_vru(point: TestPoint) -> ScenarioSetup:
    """CPLA or CBLA: the VRU moves along the VUT's lane, ahead of it."""
    speed = require_moving_vut(point)
    target_speed = kph(point.target_speed_kph)
    if not 0.0 <= target_speed < speed:
        raise ScenarioError(f"test point {point.label!r}: the VRU must be slower than the VUT")
    if point.grid == "CPLA":
        spec = ActorSpec.pedestrian(TARGET_ID)
    elif point.grid == "CBLA":
        spec = ActorSpec.cyclist(TARGET_ID)
    else:
        raise ScenarioError(f"grid {point.grid!r} is not a longitudinal VRU grid")
    target_y = VUT_LANE_Y_M + impact_offset_m(require_impact_location(point), VUT_WIDTH_M)
    gap = (speed - target_speed) * START_TTC_S
    start_x = VUT_START_X_M + VUT_LENGTH_M / 2.0 + gap + spec.length_m / 2.0
    duration = START_TTC_S + AFTER_IMPACT_S
    route = straight_path(start_x, target_y, target_speed * duration + 10.0)
    world = straight_world(start_x + speed * duration + ROAD_MARGIN_M)
    world.add_actor(spec, ScriptedMotion(route=route, profile=SpeedProfile.constant(target_speed)))
    return straight_setup(point, world, x0_m=VUT_START_X_M, duration_s=duration, target_id=TARGET_ID)
