"""The World: stepping, the externally driven ego, collision events, queries, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sdvkit.world.actors import (
    ActorKind,
    ActorSpec,
    ActorState,
    Behaviour,
    LaneRoute,
    PolylinePath,
    ScriptedMotion,
    SpeedProfile,
    Stationary,
)
from sdvkit.world.errors import ActorError, WorldError
from sdvkit.world.opendrive import read_opendrive
from sdvkit.world.road_builders import straight_road
from sdvkit.world.roads import MarkingType, RoadNetwork
from sdvkit.world.scene import EGO_ID, CollisionEvent, World
from sdvkit.world.traffic import GapAcceptance, GapParams, IdmDriver, IdmParams

DT = 0.01
NCAP = Path(__file__).resolve().parents[2].parent / "shared" / "ncap" / "OpenDRIVE" / "NCAP"
EGO = ActorSpec.car("ego", length_m=4.7, width_m=1.9)


def drive_ego(world: World, speed_mps: float, seconds: float, heading_rad: float = 0.0) -> None:
    """Move the ego at constant speed, as a plant would: pose at the step's end, then step."""
    for _ in range(round(seconds / DT)):
        ego = world.ego
        assert ego is not None
        world.set_ego_pose(
            ego.x_m + speed_mps * DT * math.cos(heading_rad),
            ego.y_m + speed_mps * DT * math.sin(heading_rad),
            heading_rad,
            speed_mps=speed_mps,
            accel_mps2=0.0,
        )
        world.step(DT)


class TestEgoCollisions:
    def test_car_to_car_rear_stationary_impact_time(self) -> None:
        # CCRs-like: ego at 50 km/h, stationary target whose rear is 40 m ahead of the ego's front.
        speed = 50 / 3.6
        world = World(RoadNetwork(roads=(straight_road(length_m=500.0),)))
        world.place_ego(EGO, x_m=10.0, y_m=-1.75, heading_rad=0.0, speed_mps=speed)
        target = ActorSpec.car("target")
        world.add_actor(target, Stationary(x_m=10.0 + 2.35 + 40.0 + 2.25, y_m=-1.75))
        drive_ego(world, speed, 4.0)
        (event,) = world.collisions
        assert (event.first_id, event.second_id) == (EGO_ID, "target")
        assert event.time_s == pytest.approx(40.0 / speed, abs=1e-3)
        assert event.impact.relative_speed_mps == pytest.approx(speed)
        assert event.impact.closing_speed_mps == pytest.approx(speed)
        assert event.impact.depth_m > 0.0

    def test_pedestrian_crossing_in_front_of_the_ego(self) -> None:
        # CPNC-like: an adult walks at 5 km/h from the near side; the ego at 40 km/h.
        speed = 40 / 3.6
        walk = 5 / 3.6
        world = World()
        world.place_ego(EGO, x_m=0.0, y_m=0.0, heading_rad=0.0, speed_mps=speed)
        pedestrian = ActorSpec.pedestrian("ped")
        world.add_actor(
            pedestrian,
            ScriptedMotion(
                route=PolylinePath(waypoints=((60.0, -6.0), (60.0, 6.0))),
                profile=SpeedProfile.constant(walk, start_delay_s=1.0),
            ),
        )
        drive_ego(world, speed, 8.0)
        (event,) = world.collisions
        # The walking pedestrian is 0.3 m deep (along y) and 0.5 m wide (along x). Its front
        # (−6 + 0.15 + w (t − 1)) enters the ego's half width 0.95 at t_lateral; the ego's front
        # (2.35 + v t) reaches its near face (60 − 0.25) at t_longitudinal, when it is mid-lane.
        t_lateral = 1.0 + (6.0 - 0.15 - 0.95) / walk
        t_longitudinal = (60.0 - 0.25 - 2.35) / speed
        assert t_lateral < t_longitudinal
        assert event.time_s == pytest.approx(max(t_lateral, t_longitudinal), abs=1e-3)
        assert event.second_id == "ped"

    def test_one_event_per_contact(self) -> None:
        world = World()
        world.place_ego(EGO, x_m=0.0, y_m=0.0, heading_rad=0.0)
        world.add_actor(ActorSpec.car("slow"), Stationary(x_m=8.0, y_m=0.0))
        drive_ego(world, 5.0, 1.0)  # hits after 0.23 s and keeps pushing into it
        assert len(world.collisions) == 1
        # reverse out, then hit again: a second event
        drive_ego(world, -5.0, 1.0)
        drive_ego(world, 5.0, 1.0)
        assert len(world.collisions) == 2

    def test_actor_to_actor_collision(self) -> None:
        world = World()
        world.add_actor(
            ActorSpec.car("a"),
            ScriptedMotion(
                route=PolylinePath(waypoints=((0.0, 0.0), (100.0, 0.0))), profile=SpeedProfile.constant(10.0)
            ),
        )
        world.add_actor(ActorSpec.car("b"), Stationary(x_m=30.0, y_m=0.0))
        events: list[CollisionEvent] = []
        for _ in range(300):
            events.extend(world.step(DT))
        (event,) = events
        assert (event.first_id, event.second_id) == ("a", "b")
        assert event.time_s == pytest.approx(25.5 / 10.0, abs=1e-3)


class TestQueries:
    def test_ego_relative_positions_and_speeds(self) -> None:
        world = World()
        world.place_ego(EGO, x_m=10.0, y_m=5.0, heading_rad=math.pi / 2, speed_mps=10.0)
        world.add_actor(ActorSpec.car("ahead-left"), state=ActorState(7.0, 25.0, math.pi / 2, 4.0))
        relative = world.relative_to_ego("ahead-left")
        assert relative.kind is ActorKind.CAR
        assert (relative.longitudinal_m, relative.lateral_m) == pytest.approx((20.0, 3.0))
        assert relative.range_m == pytest.approx(math.hypot(20.0, 3.0))
        assert relative.bearing_rad == pytest.approx(math.atan2(3.0, 20.0))
        assert relative.relative_heading_rad == pytest.approx(0.0)
        assert (relative.relative_vx_mps, relative.relative_vy_mps) == pytest.approx((-6.0, 0.0))
        assert relative.range_rate_mps < 0.0
        assert world.relative_actors() == (relative,)

    def test_actor_lookups(self) -> None:
        world = World()
        world.add_actor(ActorSpec.cyclist("bike"), state=ActorState(1.0, 2.0, 0.0, 5.0))
        assert world.actor_ids == ("bike",)
        bike = world.actor("bike")
        assert (bike.kind, bike.x_m, bike.speed_mps, bike.length_m) == (ActorKind.CYCLIST, 1.0, 5.0, 1.9)
        assert world.box("bike").length_m == 1.9
        assert world.behaviour("bike") is None
        world.remove_actor("bike")
        assert world.actors() == ()

    def test_ego_lane_markings_on_the_ncap_road(self) -> None:
        path = NCAP / "StraightRoad_NCAP_Roadmarks.xodr"
        if not path.exists():
            pytest.skip(f"{path} is not there")
        world = World(read_opendrive(path))
        world.place_ego(EGO, x_m=100.0, y_m=-2.0, heading_rad=0.02)
        markings = world.ego_lane_markings()
        assert markings is not None
        assert markings.lane_id == -1
        assert markings.left_mark.type is MarkingType.BROKEN
        assert markings.right_mark.type is MarkingType.SOLID
        assert (markings.left_distance_m, markings.right_distance_m) == pytest.approx((2.0, 1.5))

    def test_errors(self) -> None:
        world = World()
        with pytest.raises(WorldError, match="place_ego"):
            world.set_ego_pose(0.0, 0.0, 0.0, speed_mps=0.0, accel_mps2=0.0)
        with pytest.raises(WorldError, match="no ego"):
            world.relative_to_ego("x")
        world.add_actor(ActorSpec.car("a"), state=ActorState(0.0, 0.0, 0.0))
        with pytest.raises(ActorError, match="'a' is already taken"):
            world.add_actor(ActorSpec.car("a"), state=ActorState(0.0, 0.0, 0.0))
        with pytest.raises(ActorError, match="needs a behaviour or a state"):
            world.add_actor(ActorSpec.car("b"))
        shared = IdmDriver(route=LaneRoute(road=straight_road(length_m=100.0), lane_id=-1))
        world.add_actor(ActorSpec.car("c"), shared)
        with pytest.raises(ActorError, match="shares its behaviour"):
            world.add_actor(ActorSpec.car("d"), shared)
        with pytest.raises(ActorError, match="no actor 'zz'"):
            world.actor("zz")
        for bad in (0.0, -0.01, math.nan):
            with pytest.raises(WorldError, match="dt_s must be > 0"):
                world.step(bad)


def busy_world(order: int) -> World:
    """IDM traffic, a scripted target, a gap-accepting pedestrian and the ego; actors added in
    one order or the reverse."""
    road = straight_road(length_m=2000.0)
    world = World(RoadNetwork(roads=(road,)))
    world.place_ego(EGO, x_m=0.0, y_m=-1.75, heading_rad=0.0, speed_mps=12.0)

    def lane(lane_id: int) -> LaneRoute:
        return LaneRoute(road=road, lane_id=lane_id)

    braking = SpeedProfile(points=((0.0, 14.0), (5.0, 14.0), (8.0, 4.0)))
    crossing = PolylinePath(waypoints=((300.0, -10.0), (300.0, 10.0)))
    actors: list[tuple[ActorSpec, Behaviour]] = [
        (ActorSpec.car("lead"), ScriptedMotion(route=lane(-1), profile=braking, start_distance_m=120.0)),
        (
            ActorSpec.car("idm1"),
            IdmDriver(route=lane(-1), params=IdmParams(desired_speed_mps=20.0), start_distance_m=80.0),
        ),
        (
            ActorSpec.car("idm2"),
            IdmDriver(route=lane(-1), params=IdmParams(desired_speed_mps=22.0), start_distance_m=40.0),
        ),
        (ActorSpec.car("oncoming"), IdmDriver(route=lane(1), params=IdmParams(desired_speed_mps=15.0))),
        (
            ActorSpec.pedestrian("ped"),
            GapAcceptance(
                route=crossing,
                stop_distance_m=5.0,
                conflict_distance_m=10.0,
                params=GapParams(desired_speed_mps=1.4),
            ),
        ),
    ]
    for spec, behaviour in actors if order > 0 else reversed(actors):
        world.add_actor(spec, behaviour)
    return world


def test_stepping_is_deterministic_and_independent_of_insertion_order() -> None:
    runs = []
    for order in (1, 1, -1):
        world = busy_world(order)
        drive_ego(world, 12.0, 20.0)
        runs.append(({actor.id: actor for actor in world.actors()}, world.collisions, world.time_s))
    assert runs[0] == runs[1]
    assert runs[0][0] == runs[2][0]
    assert runs[0][2] == pytest.approx(20.0)
    states = runs[0][0]
    assert states["lead"].speed_mps == pytest.approx(4.0)
    assert states["idm1"].x_m < states["lead"].x_m - 4.5  # stayed behind its leader
    assert states["ped"].y_m > -5.0  # it crossed


def test_world_steps_fast() -> None:
    """2000 steps of the busy world (5 actors and the ego) in well under a second."""
    import time

    world = busy_world(1)
    started = time.perf_counter()
    drive_ego(world, 12.0, 20.0)
    assert time.perf_counter() - started < 2.0


def crash_two_actors(reverse: bool) -> tuple[CollisionEvent, ...]:
    """Two scripted cars collide at a right angle; then a third pair touches in the same step."""
    world = World()
    actors = [
        (
            ActorSpec.car("west"),
            ScriptedMotion(
                route=PolylinePath(waypoints=((-30.0, 0.0), (30.0, 0.0))), profile=SpeedProfile.constant(10.0)
            ),
        ),
        (
            ActorSpec.car("south"),
            ScriptedMotion(
                route=PolylinePath(waypoints=((0.0, -30.0), (0.0, 30.0))), profile=SpeedProfile.constant(10.0)
            ),
        ),
        (
            ActorSpec.car("alpha"),
            ScriptedMotion(
                route=PolylinePath(waypoints=((-30.0, 100.0), (30.0, 100.0))),
                profile=SpeedProfile.constant(10.0),
            ),
        ),
        (
            ActorSpec.car("zulu"),
            ScriptedMotion(
                route=PolylinePath(waypoints=((0.0, 70.0), (0.0, 130.0))), profile=SpeedProfile.constant(10.0)
            ),
        ),
    ]
    for spec, behaviour in reversed(actors) if reverse else actors:
        world.add_actor(spec, behaviour)
    events: list[CollisionEvent] = []
    for _ in range(400):
        events.extend(world.step(DT))
    return tuple(events)


class TestCollisionEventsDoNotDependOnInsertionOrder:
    def test_pairs_signs_and_order(self) -> None:
        events = crash_two_actors(reverse=False)
        assert events == crash_two_actors(reverse=True)
        # two crashes at the same instant (mirror images 100 m apart): by time, then by ids
        assert sorted((event.first_id, event.second_id) for event in events) == [
            ("alpha", "zulu"),
            ("south", "west"),
        ]
        assert list(events) == sorted(
            events, key=lambda event: (event.time_s, event.first_id, event.second_id)
        )
        south_west = next(event for event in events if event.first_id == "south").impact
        # seen from "south" (heading +y), "west" (heading +x) comes from its left, moving +x, -y relative
        assert (south_west.relative_vx_mps, south_west.relative_vy_mps) == pytest.approx((10.0, -10.0))

    def test_the_ego_still_comes_first(self) -> None:
        world = World()
        world.add_actor(ActorSpec.car("a"), Stationary(x_m=8.0, y_m=0.0))
        world.place_ego(EGO, x_m=0.0, y_m=0.0, heading_rad=0.0)
        drive_ego(world, 5.0, 1.0)
        (event,) = world.collisions
        assert (event.first_id, event.second_id) == (EGO_ID, "a")


class TestEgoPose:
    def test_speed_and_acceleration_are_required(self) -> None:
        world = World()
        world.place_ego(EGO, x_m=0.0, y_m=0.0, heading_rad=0.0)
        with pytest.raises(TypeError, match="speed_mps"):
            world.set_ego_pose(1.0, 0.0, 0.0, accel_mps2=0.0)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="accel_mps2"):
            world.set_ego_pose(1.0, 0.0, 0.0, speed_mps=10.0)  # type: ignore[call-arg]
        world.set_ego_pose(0.1, 0.0, 0.0, speed_mps=10.0, accel_mps2=1.0)
        world.step(DT)
        ego = world.ego
        assert ego is not None
        assert (ego.speed_mps, ego.accel_mps2) == (10.0, 1.0)


class TestGap:
    def test_bumper_to_bumper_and_sideways(self) -> None:
        world = World()
        world.place_ego(EGO, x_m=0.0, y_m=-1.75, heading_rad=0.0)
        world.add_actor(ActorSpec.car("ahead"), state=ActorState(40.0, -1.75, 0.0))
        world.add_actor(ActorSpec.car("beside"), state=ActorState(0.0, 1.75, math.pi))
        assert world.gap_m("ahead") == pytest.approx(40.0 - 0.5 * EGO.length_m - 0.5 * 4.5)
        assert world.gap_m("beside") == pytest.approx(3.5 - 0.5 * EGO.width_m - 0.5 * 1.8)
        assert world.gap_m("ahead", "beside") == world.gap_m("beside", "ahead")


def test_a_car_passes_under_a_sign_gantry_but_not_through_a_low_barrier() -> None:
    world = World()
    world.place_ego(ActorSpec.car("vut"), x_m=0.0, y_m=0.0, heading_rad=0.0, speed_mps=10.0)
    gantry = ActorSpec.obstacle("gantry", length_m=0.5, width_m=12.0, height_m=1.0, clearance_m=5.0)
    world.add_actor(gantry, Stationary(x_m=20.0, y_m=0.0))
    for step in range(1, 41):
        world.set_ego_pose(step * 1.0, 0.0, 0.0, speed_mps=10.0, accel_mps2=0.0)
        world.step(0.1)
    assert world.collisions == ()
    assert world.spec("gantry").clearance_m == 5.0

    world.add_actor(ActorSpec.obstacle("barrier", length_m=0.5, width_m=3.0), Stationary(x_m=60.0, y_m=0.0))
    for step in range(41, 81):
        world.set_ego_pose(step * 1.0, 0.0, 0.0, speed_mps=10.0, accel_mps2=0.0)
        world.step(0.1)
    assert [event.second_id for event in world.collisions] == ["barrier"]


def test_an_actor_clearance_cannot_be_negative() -> None:
    with pytest.raises(ActorError, match="clearance_m"):
        ActorSpec.obstacle("sign", clearance_m=-1.0)
