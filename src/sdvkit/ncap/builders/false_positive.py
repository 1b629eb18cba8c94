"""The false-positive suite: situations in which neither AEB nor FCW may act.

Each case is a :class:`~sdvkit.ncap.scenario.TestPoint` of grid ``"false-positive"``, range
``GridRange.FALSE_POSITIVE``, criterion ``FALSE_POSITIVE`` (green: no AEB activation and no FCW
warning), worth one bench point; its ``case`` parameter names it. Without intervention nothing
is hit (except the cut-out, which needs ACC to stop):

- ``parked-cars``: two cars parked side by side, 4.5 m apart, the VUT passing between them at
  50 km/h (UN R152's false-reaction test), 1.35 m of room on either side;
- ``pedestrian-kerb``: a pedestrian walks towards the road at 5 km/h and stops at the kerb, 0.1 m
  short of the road edge, 0.95 m from the VUT's side, 1.5 s before the VUT (50 km/h) passes. Why
  1.5 s and not 1.0 s: until it slows down, the walker is Euro NCAP's CPNA pedestrian (IL 25),
  for whom AEB must brake by about 1.2 s before the VUT arrives (a stop takes the rest). Stopping
  1.0 s before the VUT passes, it starts to slow 1.7 s before; sensing's tracks show that 0.3-0.4 s
  late, and at the latest braking point its tracked sideways speed (0.4-1.3 m/s on seeds 0-7)
  overlaps the walking CPNA pedestrian's (0.5-1.9 m/s; truth 1.4): no causal function of the
  tracks tells the two apart in time (a 0.3 s fit of the tracked positions leaves 0.2 m/s between
  them; AEB braked for it on 11 of 20 seeds). Standing from 1.5 s before, it has stood for 0.3 s
  at that point and slowed for 0.7 s before: told apart on every seed tried (0-39); 1.25 s fails
  on some seeds once AEB brakes a little earlier;
- ``pedestrian-parallel``: a pedestrian walks along the road, 1.0 m outside the VUT's path;
- ``gantry``: an overhead sign gantry whose beam is 5 m above the road (70 km/h);
- ``adjacent-lane``: a slower car in the lane to the VUT's left, on a straight (60 vs 30 km/h);
- ``adjacent-lane-curve``: the same on a left-hand curve of 150 m radius, where the car in the
  inner lane lies straight ahead of the VUT's heading;
- ``acc-cut-out``: ACC set to 50 km/h follows a car 25 m ahead (1.8 s) that changes lane and
  reveals a stationary car. The stationary car is 50 m ahead of the VUT's front when the lead
  car is half way across the line: with 1 s to react ACC stops at 3.0 m/s² (4 m short), within
  ISO 15622's 3.5 m/s² at this speed and the bench's 4 m/s² limit; AEB and FCW must stay quiet.
"""

from __future__ import annotations

import math

from sdvkit.ncap.builders.common import (
    LANE_WIDTH_M,
    ROAD_MARGIN_M,
    START_TTC_S,
    TWO_LANES_EACH_WAY,
    TWO_WAY,
    VUT_LANE_Y_M,
    VUT_LENGTH_M,
    VUT_START_X_M,
    VUT_WIDTH_M,
    kph,
    straight_path,
    straight_setup,
    straight_world,
    text_parameter,
)
from sdvkit.ncap.builders.rear_end import GVT_LENGTH_M, GVT_WIDTH_M, gvt
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.scenario import Criterion, GridRange, ScenarioSetup, TestPoint
from sdvkit.world.actors import ActorSpec, LaneRoute, PolylinePath, ScriptedMotion, SpeedProfile, Stationary
from sdvkit.world.network import RoadNetwork
from sdvkit.world.road_builders import curved_road
from sdvkit.world.scene import World

FALSE_POSITIVE_GRID = "false-positive"
PASS_AFTER_S = 1.5
"""How long a run goes on after the VUT has passed the object."""
PARKED_GAP_M = 4.5
KERB_SHORT_M = 0.1
KERB_WALK_S = 2.88
"""The pedestrian's walk to the kerb: 2.5 m in 2.88 s (5 km/h, accelerating and stopping)."""
KERB_WALK_START_S = 0.12
KERB_STOP_BEFORE_PASS_S = 1.5
"""The pedestrian stands at the kerb this long before the VUT's front passes it (see the module's
docstring: why 1.5 s and not 1.0 s)."""
PARALLEL_CLEARANCE_M = 1.0
GANTRY_CLEARANCE_M = 5.0
CURVE_RADIUS_M = 150.0
ACC_SET_SPEED_KPH = 50.0
ACC_FOLLOW_GAP_M = 25.0
CUT_OUT_START_S = 3.0
CUT_OUT_LENGTH_M = 35.0
REVEAL_DISTANCE_M = 50.0
"""Stationary car ahead of the VUT's front when the lead car is half way into the next lane."""

CASES: tuple[tuple[str, str, float, float], ...] = (
    ("parked-cars", "FP parked cars 4.5 m apart, 50 km/h", 50.0, 0.0),
    ("pedestrian-kerb", "FP pedestrian stopping at the kerb, 50 km/h", 50.0, 5.0),
    ("pedestrian-parallel", "FP pedestrian walking alongside, 50 km/h", 50.0, 5.0),
    ("gantry", "FP overhead sign gantry, 70 km/h", 70.0, 0.0),
    ("adjacent-lane", "FP car in the adjacent lane, straight, 60 km/h", 60.0, 30.0),
    ("adjacent-lane-curve", "FP car in the adjacent lane, curve, 60 km/h", 60.0, 30.0),
    ("acc-cut-out", "FP ACC cut-out revealing a stationary car, 50 km/h", 50.0, 50.0),
)
"""(case, label, VUT speed km/h, target speed km/h)."""


def false_positive_points() -> list[TestPoint]:
    """The false-positive suite, one point per case."""
    return [
        TestPoint(
            grid=FALSE_POSITIVE_GRID,
            range=GridRange.FALSE_POSITIVE,
            label=label,
            vut_speed_kph=vut,
            target_speed_kph=target,
            impact_location_pct=None,
            criterion=Criterion.FALSE_POSITIVE,
            max_points=1.0,
            parameters=(("case", case),),
        )
        for case, label, vut, target in CASES
    ]


def build_false_positive(point: TestPoint) -> ScenarioSetup:
    """The scenario of one false-positive case."""
    case = text_parameter(point, "case", [name for name, *_ in CASES])
    speed = kph(point.vut_speed_kph)
    if speed <= 0.0:
        raise ScenarioError(f"test point {point.label!r}: the VUT must move")
    front = VUT_START_X_M + VUT_LENGTH_M / 2.0
    at_x = front + speed * START_TTC_S  # where the VUT's front is after START_TTC_S
    if case == "adjacent-lane-curve":
        return _curve(point, speed)
    if case == "acc-cut-out":
        return _cut_out(point, speed)
    if case == "pedestrian-kerb":
        return _kerb(point, speed)
    layout = TWO_LANES_EACH_WAY if case == "adjacent-lane" else TWO_WAY
    y0 = -1.5 * LANE_WIDTH_M if case == "adjacent-lane" else VUT_LANE_Y_M
    pass_s = START_TTC_S + (VUT_LENGTH_M + GVT_LENGTH_M) / speed + PASS_AFTER_S
    world = straight_world(at_x + speed * pass_s + ROAD_MARGIN_M, layout)
    if case == "parked-cars":
        half_gap = PARKED_GAP_M / 2.0 + GVT_WIDTH_M / 2.0
        for name, y in (("parked-left", y0 + half_gap), ("parked-right", y0 - half_gap)):
            world.add_actor(gvt(name), Stationary(x_m=at_x + GVT_LENGTH_M / 2.0, y_m=y))
    elif case == "pedestrian-parallel":
        walker = ActorSpec.pedestrian("pedestrian")
        walker_speed = kph(point.target_speed_kph)
        y = y0 - VUT_WIDTH_M / 2.0 - PARALLEL_CLEARANCE_M - walker.width_m / 2.0
        start_x = front + (speed - walker_speed) * START_TTC_S + walker.length_m / 2.0
        profile = SpeedProfile.constant(walker_speed)
        world.add_actor(walker, ScriptedMotion(route=straight_path(start_x, y, 60.0), profile=profile))
    elif case == "gantry":
        beam = ActorSpec.obstacle(
            "gantry", length_m=1.0, width_m=4.0 * LANE_WIDTH_M, height_m=1.5, clearance_m=GANTRY_CLEARANCE_M
        )
        world.add_actor(beam, Stationary(x_m=at_x + 0.5, y_m=0.0))
    else:  # adjacent-lane
        target_speed = kph(point.target_speed_kph)
        start_x = front + (speed - target_speed) * START_TTC_S - VUT_LENGTH_M / 2.0
        route = straight_path(start_x, y0 + LANE_WIDTH_M, 400.0)
        world.add_actor(
            gvt("adjacent"), ScriptedMotion(route=route, profile=SpeedProfile.constant(target_speed))
        )
    return straight_setup(
        point,
        world,
        x0_m=VUT_START_X_M,
        y_m=y0,
        duration_s=pass_s,
        target_id=None,
        end_when_target_passed=False,
    )


def _kerb(point: TestPoint, speed: float) -> ScenarioSetup:
    """A pedestrian walks at 5 km/h towards the road (accelerating over 1.44 s, decelerating over
    0.72 s) and stops ``KERB_SHORT_M`` short of it, ``KERB_STOP_BEFORE_PASS_S`` before the VUT's
    front passes it."""
    walker = ActorSpec.pedestrian("pedestrian")
    walk = SpeedProfile(
        points=((0.0, 0.0), (1.44, kph(5.0)), (2.16, kph(5.0)), (KERB_WALK_S, 0.0)),
        start_delay_s=KERB_WALK_START_S,
    )
    pass_at_s = KERB_WALK_START_S + KERB_WALK_S + KERB_STOP_BEFORE_PASS_S
    front = VUT_START_X_M + VUT_LENGTH_M / 2.0
    at_x = front + speed * pass_at_s  # where the VUT's front is when it passes the pedestrian
    duration_s = pass_at_s + (VUT_LENGTH_M + walker.width_m) / speed + PASS_AFTER_S
    world = straight_world(at_x + speed * duration_s + ROAD_MARGIN_M, TWO_WAY)
    stop_y = -LANE_WIDTH_M - KERB_SHORT_M - walker.length_m / 2.0
    walked_m = walk.distance_at(100.0)
    route = straight_path(at_x + walker.width_m / 2.0, stop_y - walked_m, 20.0, heading_rad=math.pi / 2.0)
    world.add_actor(walker, ScriptedMotion(route=route, profile=walk))
    return straight_setup(
        point, world, x0_m=VUT_START_X_M, y_m=VUT_LANE_Y_M, duration_s=duration_s,
        target_id=None, end_when_target_passed=False,
    )  # fmt: skip


def _curve(point: TestPoint, speed: float) -> ScenarioSetup:
    road = curved_road(
        CURVE_RADIUS_M, angle_rad=math.pi / 2.0, approach_m=40.0, exit_m=100.0, layout=TWO_LANES_EACH_WAY
    )
    world = World(RoadNetwork(roads=(road,)))
    vut_route = LaneRoute(road=road, lane_id=-2)
    target_speed = kph(point.target_speed_kph)
    start_d = 20.0
    target_route = LaneRoute(road=road, lane_id=-1)
    target_start = start_d + VUT_LENGTH_M / 2.0 + (speed - target_speed) * START_TTC_S
    world.add_actor(
        gvt("adjacent"),
        ScriptedMotion(
            route=target_route, profile=SpeedProfile.constant(target_speed), start_distance_m=target_start
        ),
    )
    start = vut_route.pose_at(start_d)
    return straight_setup(
        point, world, x0_m=start.x_m, y_m=start.y_m, heading_rad=start.heading_rad,
        duration_s=START_TTC_S + 2.0 * (VUT_LENGTH_M + GVT_LENGTH_M) / speed + PASS_AFTER_S,
        target_id=None, path=vut_route, end_when_target_passed=False,
    )  # fmt: skip


def cut_out_reveal_time_s(speed_mps: float) -> float:
    """When the lead car is half way into the next lane (its path's middle)."""
    return CUT_OUT_START_S + 0.5 * CUT_OUT_LENGTH_M / speed_mps


def _cut_out(point: TestPoint, speed: float) -> ScenarioSetup:
    y0 = VUT_LANE_Y_M
    front = VUT_START_X_M + VUT_LENGTH_M / 2.0
    lead_x = front + ACC_FOLLOW_GAP_M + GVT_LENGTH_M / 2.0
    change_x = lead_x + speed * CUT_OUT_START_S
    lead_route = PolylinePath(
        waypoints=(
            (lead_x - 10.0, y0),
            (change_x, y0),
            (change_x + CUT_OUT_LENGTH_M, y0 - LANE_WIDTH_M),
            (change_x + CUT_OUT_LENGTH_M + 400.0, y0 - LANE_WIDTH_M),
        )
    )
    reveal_s = cut_out_reveal_time_s(speed)
    stationary_x = front + speed * reveal_s + REVEAL_DISTANCE_M + GVT_LENGTH_M / 2.0
    world = straight_world(stationary_x + ROAD_MARGIN_M, TWO_LANES_EACH_WAY)
    lead_start = 10.0  # the route starts 10 m behind the lead car
    world.add_actor(
        gvt("lead"),
        ScriptedMotion(route=lead_route, profile=SpeedProfile.constant(speed), start_distance_m=lead_start),
    )
    world.add_actor(gvt("stationary"), Stationary(x_m=stationary_x, y_m=y0))
    return straight_setup(
        point, world, x0_m=VUT_START_X_M, duration_s=reveal_s + 2.0 * REVEAL_DISTANCE_M / speed + 3.0,
        target_id=None, end_when_target_passed=False, acc_set_speed_kph=ACC_SET_SPEED_KPH,
    )  # fmt: skip
