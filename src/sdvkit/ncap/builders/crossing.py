"""Car-to-car at a junction: turn across path (CCFtap) and straight crossing paths (CCCscp).

Both run on the native X-intersection (:func:`~sdvkit.world.road_builders.x_intersection`):
the VUT comes from the west on lane 1 of the ``west`` arm (``y = -1.75``, driving east).

- **CCFtap**: the VUT turns left onto the ``north`` arm (its lane -1, ``x = +1.75``) on Euro
  NCAP's path, a clothoid from R 1500 m into a circular arc and a clothoid back: R2 9 / 11.75 /
  14.75 m with the clothoids covering 20.62 / 20.93 / 21.79° at 10 / 15 / 20 km/h (25 km/h,
  extended range only: 17.75 m and 22.6°, extrapolated). The oncoming target drives straight
  west on the other side of the road (``y = +1.75``). As Vector's encoding synchronises it, the
  target's front reaches the point where the VUT's path crosses the target's lane centre when
  the VUT's front is still ``W_target/√2`` short of it: the target hits the VUT's front right.
- **CCCscp**: the VUT drives straight on; the target crosses from the near side (the right: from
  the south on ``x = +1.75``, driving north) or the far side (from the north on ``x = -1.75``,
  driving south), timed so that the VUT's front centre meets the middle of the target's side.
"""

from __future__ import annotations

import math

from sdvkit.ncap.builders.common import (
    AFTER_IMPACT_S,
    LANE_WIDTH_M,
    START_TTC_S,
    VUT_LANE_Y_M,
    VUT_LENGTH_M,
    kph,
    require_moving_vut,
    straight_path,
    straight_setup,
    text_parameter,
)
from sdvkit.ncap.builders.rear_end import GVT_LENGTH_M, GVT_WIDTH_M, TARGET_ID, gvt
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint
from sdvkit.world.actors import PolylinePath, ScriptedMotion, SpeedProfile
from sdvkit.world.road_builders import x_intersection
from sdvkit.world.scene import World

ARM_LENGTH_M = 150.0
TURN_R1_M = 1500.0
TURN_PATHS: dict[float, tuple[float, float]] = {
    10.0: (9.0, 20.62),
    15.0: (11.75, 20.93),
    20.0: (14.75, 21.79),
    25.0: (17.75, 22.6),
}
"""VUT speed (km/h) → (arc radius R2 in m, angle each clothoid covers in degrees)."""
_SAMPLE_M = 0.25


def turn_path_points(radius_m: float, clothoid_deg: float, *, lead_in_m: float) -> list[tuple[float, float]]:
    """A 90° left turn, centred on the path: ``lead_in_m`` straight along +x from the origin, then
    clothoid (1/R1 → 1/R2), arc, clothoid back, then 60 m straight on along +y."""
    alpha = math.radians(clothoid_deg)
    beta = math.pi / 2.0 - 2.0 * alpha
    if beta <= 0.0:
        raise ScenarioError(f"a turn with clothoids of {clothoid_deg}° each leaves no arc")
    k1, k2 = 1.0 / TURN_R1_M, 1.0 / radius_m
    clothoid_m = 2.0 * alpha / (k1 + k2)
    arc_m = beta * radius_m

    def curvature(s_m: float) -> float:
        if s_m < clothoid_m:
            return k1 + (k2 - k1) * s_m / clothoid_m
        if s_m < clothoid_m + arc_m:
            return k2
        return k2 + (k1 - k2) * (s_m - clothoid_m - arc_m) / clothoid_m

    points = [(0.0, 0.0), (lead_in_m, 0.0)]
    x, y, heading = lead_in_m, 0.0, 0.0
    total = 2.0 * clothoid_m + arc_m
    count = math.ceil(total / _SAMPLE_M)
    step = total / count
    for index in range(count):
        # Midpoint rule: the heading halfway through the step (exact on the arc, and to well
        # under a millimetre on the clothoids at 0.25 m steps).
        turn = curvature((index + 0.5) * step) * step
        x += step * math.cos(heading + 0.5 * turn)
        y += step * math.sin(heading + 0.5 * turn)
        heading += turn
        points.append((x, y))
    points.append((x, y + 60.0))
    return points


def build_turn_across_path(point: TestPoint) -> ScenarioSetup:
    """CCFtap."""
    speed = require_moving_vut(point)
    turn = TURN_PATHS.get(point.vut_speed_kph)
    if turn is None:
        raise ScenarioError(
            f"test point {point.label!r}: CCFtap turns at {sorted(TURN_PATHS)} km/h, "
            f"not {point.vut_speed_kph}"
        )
    target_speed = kph(point.target_speed_kph)
    if target_speed <= 0.0:
        raise ScenarioError(f"test point {point.label!r}: the oncoming target must move")
    lead_in = speed * (START_TTC_S + 2.0) + 20.0
    raw = turn_path_points(*turn, lead_in_m=lead_in)
    end_x, _ = raw[-1]
    # Shift the path so it starts on the VUT's lane and leaves on the north arm's lane -1.
    shift_x, shift_y = LANE_WIDTH_M / 2.0 - end_x, VUT_LANE_Y_M
    path = PolylinePath(waypoints=tuple((x + shift_x, y + shift_y) for x, y in raw))
    target_lane_y = LANE_WIDTH_M / 2.0
    crossing_d = _distance_where_y(path, target_lane_y)
    crossing_x = path.pose_at(crossing_d).x_m
    vut_d_at_impact = crossing_d - VUT_LENGTH_M / 2.0 - GVT_WIDTH_M / math.sqrt(2.0)
    start_d = vut_d_at_impact - speed * START_TTC_S
    start = path.pose_at(start_d)
    target_start_x = crossing_x + GVT_LENGTH_M / 2.0 + target_speed * START_TTC_S
    world = World(
        x_intersection(arm_length_m=max(ARM_LENGTH_M, target_start_x + 20.0, abs(start.x_m) + 20.0))
    )
    route = straight_path(
        target_start_x,
        target_lane_y,
        target_speed * (START_TTC_S + AFTER_IMPACT_S) + 20.0,
        heading_rad=math.pi,
    )
    world.add_actor(gvt(), ScriptedMotion(route=route, profile=SpeedProfile.constant(target_speed)))
    return straight_setup(
        point,
        world,
        x0_m=start.x_m,
        y_m=start.y_m,
        duration_s=START_TTC_S + AFTER_IMPACT_S,
        target_id=TARGET_ID,
        path=path,
    )


def _distance_where_y(path: PolylinePath, y_m: float) -> float:
    """The first distance along ``path`` where it reaches ``y_m`` (it must rise through it)."""
    low, high = 0.0, path.length_m
    if path.pose_at(high).y_m < y_m:
        raise ScenarioError(f"the turn never reaches y = {y_m} m")
    for _ in range(60):
        middle = 0.5 * (low + high)
        if path.pose_at(middle).y_m < y_m:
            low = middle
        else:
            high = middle
    return high


def build_straight_crossing(point: TestPoint) -> ScenarioSetup:
    """CCCscp: the target crosses from the near side (``side`` "near") or the far side ("far")."""
    speed = require_moving_vut(point)
    target_speed = kph(point.target_speed_kph)
    if target_speed <= 0.0:
        raise ScenarioError(f"test point {point.label!r}: the crossing target must move")
    far = text_parameter(point, "side", ("near", "far")) == "far"
    lane_x = -LANE_WIDTH_M / 2.0 if far else LANE_WIDTH_M / 2.0
    direction = -1.0 if far else 1.0  # the near-side target drives north (+y)
    front_at_impact = lane_x - GVT_WIDTH_M / 2.0
    start_x = front_at_impact - VUT_LENGTH_M / 2.0 - speed * START_TTC_S
    target_start_y = VUT_LANE_Y_M - direction * target_speed * START_TTC_S
    arm = max(ARM_LENGTH_M, abs(start_x) + 30.0, abs(target_start_y) + 30.0)
    world = World(x_intersection(arm_length_m=arm))
    route = straight_path(
        lane_x,
        target_start_y,
        target_speed * (START_TTC_S + AFTER_IMPACT_S) + 20.0,
        heading_rad=direction * math.pi / 2.0,
    )
    world.add_actor(gvt(), ScriptedMotion(route=route, profile=SpeedProfile.constant(target_speed)))
    path = straight_path(start_x - 20.0, VUT_LANE_Y_M, speed * (START_TTC_S + AFTER_IMPACT_S) + 100.0)
    return straight_setup(
        point,
        world,
        x0_m=start_x,
        duration_s=START_TTC_S + AFTER_IMPACT_S,
        target_id=TARGET_ID,
        path=path,
    )
