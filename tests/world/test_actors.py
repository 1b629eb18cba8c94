"""Actors: specs and their validation, routes, speed profiles, scripted motion."""

from __future__ import annotations

import math

import pytest

from sdvkit.world.actors import (
    ActorKind,
    ActorSpec,
    ActorState,
    LaneRoute,
    PolylinePath,
    ScriptedMotion,
    SpeedProfile,
    Stationary,
    lane_path,
)
from sdvkit.world.errors import ActorError, RoadError, WorldError
from sdvkit.world.road_builders import curved_road, straight_road
from sdvkit.world.scene import World


class TestSpecs:
    def test_factories_give_target_sized_actors(self) -> None:
        car = ActorSpec.car("target")
        pedestrian = ActorSpec.pedestrian("ped", height_m=1.15)
        cyclist = ActorSpec.cyclist("bike")
        assert (car.kind, car.length_m, car.width_m) == (ActorKind.CAR, 4.5, 1.8)
        assert (pedestrian.kind, pedestrian.height_m) == (ActorKind.PEDESTRIAN, 1.15)
        assert pedestrian.width_m > pedestrian.length_m  # shoulders across the walking direction
        assert cyclist.kind is ActorKind.CYCLIST

    @pytest.mark.parametrize(
        ("fields", "pattern"),
        [
            ({"length_m": -4.0}, r"actor 'a': length_m must be > 0, not -4.0"),
            ({"width_m": 0.0}, r"actor 'a': width_m must be > 0, not 0.0"),
            ({"height_m": math.nan}, r"height_m must be a finite number"),
            ({"kind": "tram"}, r"kind must be one of .* not 'tram'"),
            ({"id": ""}, r"id must be a non-empty string"),
        ],
    )
    def test_spec_validation_names_field_and_value(self, fields: dict[str, object], pattern: str) -> None:
        values: dict[str, object] = {
            "id": "a",
            "kind": ActorKind.CAR,
            "length_m": 4.0,
            "width_m": 1.8,
        } | fields
        with pytest.raises(ActorError, match=pattern):
            ActorSpec(**values)  # type: ignore[arg-type]

    def test_errors_belong_to_the_world_hierarchy(self) -> None:
        with pytest.raises(WorldError):
            ActorState(0.0, math.inf, 0.0)


class TestPolylinePath:
    def test_pose_and_projection(self) -> None:
        path = PolylinePath(waypoints=((0.0, 0.0), (10.0, 0.0), (10.0, 10.0)))
        assert path.length_m == 20.0
        assert tuple(path.pose_at(5.0)) == pytest.approx((5.0, 0.0, 0.0))
        assert tuple(path.pose_at(15.0)) == pytest.approx((10.0, 5.0, math.pi / 2))
        assert tuple(path.pose_at(25.0)) == pytest.approx((10.0, 15.0, math.pi / 2))  # beyond: straight on
        assert tuple(path.pose_at(-2.0)) == pytest.approx((-2.0, 0.0, 0.0))
        assert path.project(4.0, 1.0) == pytest.approx((4.0, 1.0))
        assert path.project(11.0, 6.0) == pytest.approx((16.0, -1.0))
        assert path.project(-3.0, 0.5) == pytest.approx((-3.0, 0.5))

    @pytest.mark.parametrize(
        ("points", "pattern"),
        [
            (((0.0, 0.0),), "needs at least 2 points"),
            (((0.0, 0.0), (5.0, 0.0), (5.0, 0.0)), r"waypoint 2 \(5.0, 0.0\) repeats waypoint 1"),
            (((0.0, 0.0), (math.nan, 1.0)), "waypoint 1 .* is not finite"),
        ],
    )
    def test_bad_waypoints(self, points: tuple[tuple[float, float], ...], pattern: str) -> None:
        with pytest.raises(ActorError, match=pattern):
            PolylinePath(waypoints=points)


class TestLaneRoute:
    def test_follows_lanes_in_their_driving_direction(self) -> None:
        road = straight_road(length_m=200.0)
        forward = LaneRoute(road=road, lane_id=-1)
        backward = LaneRoute(road=road, lane_id=1)
        assert tuple(forward.pose_at(10.0)) == pytest.approx((10.0, -1.75, 0.0))
        assert tuple(backward.pose_at(10.0)) == pytest.approx((190.0, 1.75, math.pi))
        assert forward.project(50.0, -1.0) == pytest.approx((50.0, 0.75))
        assert backward.project(150.0, 1.0) == pytest.approx((50.0, 0.75))
        assert tuple(forward.pose_at(210.0)) == pytest.approx((210.0, -1.75, 0.0))
        assert tuple(backward.pose_at(205.0)) == pytest.approx((-5.0, 1.75, math.pi))
        assert forward.project(250.0, -1.75) is None

    def test_on_a_curve(self) -> None:
        road = curved_road(50.0, angle_rad=math.pi / 2)
        route = LaneRoute(road=road, lane_id=-1, start_s_m=10.0)
        assert route.length_m == pytest.approx(road.length_m - 10.0)
        pose = route.pose_at(road.length_m - 10.0)
        assert tuple(pose) == pytest.approx((51.75, 50.0, math.pi / 2))

    def test_offset_to_the_left_of_the_direction_of_travel(self) -> None:
        road = straight_road(length_m=200.0)
        forward = LaneRoute(road=road, lane_id=-1, offset_m=0.5)
        backward = LaneRoute(road=road, lane_id=1, offset_m=0.5)  # drives towards -x: left is -y
        assert tuple(forward.pose_at(10.0)) == pytest.approx((10.0, -1.25, 0.0))
        assert tuple(backward.pose_at(10.0)) == pytest.approx((190.0, 1.25, math.pi))
        assert forward.project(50.0, -1.25) == pytest.approx((50.0, 0.0))
        assert backward.project(150.0, 1.25) == pytest.approx((50.0, 0.0))
        assert forward.project(50.0, -1.75) == pytest.approx((50.0, -0.5))
        against = LaneRoute(road=road, lane_id=-1, forward=False, offset_m=0.5)  # left of -x travel
        assert tuple(against.pose_at(10.0))[:2] == pytest.approx((190.0, -2.25))
        curved = curved_road(50.0, angle_rad=math.pi / 2)
        route = LaneRoute(road=curved, lane_id=-1, offset_m=-0.5)
        end = route.pose_at(curved.length_m)
        assert tuple(end) == pytest.approx((52.25, 50.0, math.pi / 2))
        with pytest.raises(ActorError, match="offset_m must be a finite number"):
            LaneRoute(road=road, lane_id=-1, offset_m=math.inf)

    def test_bad_lane_or_start(self) -> None:
        road = straight_road(length_m=100.0)
        with pytest.raises(RoadError, match="no lane -3"):
            LaneRoute(road=road, lane_id=-3)
        with pytest.raises(ActorError, match=r"start_s_m must be within 0…100.0, not 120"):
            LaneRoute(road=road, lane_id=-1, start_s_m=120.0)

    def test_lane_path_matches_the_lane(self) -> None:
        road = curved_road(40.0, angle_rad=math.pi / 2)
        path = lane_path(road, 1, step_m=2.0)
        assert path.length_m == pytest.approx(38.25 * math.pi / 2, rel=1e-3)
        start = path.pose_at(0.0)
        assert (start.x_m, start.y_m) == pytest.approx(tuple(road.lane_center_pose(1, road.length_m))[:2])


class TestSpeedProfile:
    def test_constant_with_start_delay(self) -> None:
        profile = SpeedProfile.constant(10.0, start_delay_s=2.0)
        assert profile.distance_at(1.0) == 0.0
        assert profile.speed_at(1.9) == 0.0
        assert profile.distance_at(4.5) == pytest.approx(25.0)
        assert profile.speed_at(4.5) == 10.0

    def test_piecewise_linear(self) -> None:
        profile = SpeedProfile(points=((0.0, 0.0), (2.0, 2.0), (4.0, 2.0), (5.0, 0.0)), start_delay_s=1.0)
        assert profile.distance_at(3.0) == pytest.approx(2.0)  # accelerate 1 m/s² for 2 s
        assert profile.speed_at(2.0) == pytest.approx(1.0)
        assert profile.distance_at(2.0) == pytest.approx(0.5)  # mid-ramp: a t² / 2
        assert profile.distance_at(5.5) == pytest.approx(6.0 + 2.0 * 0.5 - 0.5 * 2.0 * 0.25)
        assert profile.distance_at(5.0) == pytest.approx(6.0)
        assert profile.distance_at(9.0) == pytest.approx(7.0)  # stopped after 7 m
        assert profile.speed_at(9.0) == 0.0

    @pytest.mark.parametrize(
        ("kwargs", "pattern"),
        [
            (
                {"points": ((0.0, 1.0), (2.0, 2.0), (2.0, 3.0))},
                r"times must increase, but 2.0 s follows 2.0 s",
            ),
            ({"points": ((0.0, -1.0),)}, r"points\[0\] speed must be >= 0, not -1.0"),
            ({"points": ()}, "points must not be empty"),
            ({"points": ((0.0, 1.0),), "start_delay_s": -1.0}, r"start_delay_s must be >= 0, not -1.0"),
        ],
    )
    def test_bad_profiles(self, kwargs: dict[str, object], pattern: str) -> None:
        with pytest.raises(ActorError, match=pattern):
            SpeedProfile(**kwargs)  # type: ignore[arg-type]


class TestScriptedMotion:
    def test_ncap_target_at_constant_speed_is_step_size_independent(self) -> None:
        motion_args = {
            "route": PolylinePath(waypoints=((50.0, -1.75), (500.0, -1.75))),
            "profile": SpeedProfile.constant(20 / 3.6),
        }
        positions = []
        for dt in (0.01, 0.04, 0.25):
            world = World()
            world.add_actor(ActorSpec.car("target"), ScriptedMotion(**motion_args))  # type: ignore[arg-type]
            for _ in range(round(2.0 / dt)):
                world.step(dt)
            positions.append(world.actor("target"))
        for snapshot in positions:
            assert snapshot.x_m == pytest.approx(50.0 + 2.0 * 20 / 3.6, abs=1e-9)
            assert snapshot.y_m == -1.75
            assert snapshot.speed_mps == pytest.approx(20 / 3.6)

    def test_pedestrian_crosses_perpendicular_after_a_delay(self) -> None:
        walk = ScriptedMotion(
            route=PolylinePath(waypoints=((60.0, -6.0), (60.0, 6.0))),
            profile=SpeedProfile(points=((0.0, 0.0), (1.0, 5 / 3.6)), start_delay_s=1.0),
        )
        start = walk.state_at(0.0)
        assert (start.x_m, start.y_m, start.heading_rad) == pytest.approx((60.0, -6.0, math.pi / 2))
        assert walk.state_at(1.0).y_m == -6.0
        later = walk.state_at(4.0)
        assert later.y_m == pytest.approx(-6.0 + 0.5 * 5 / 3.6 + 2.0 * 5 / 3.6)
        assert later.x_m == pytest.approx(60.0)
        assert walk.state_at(1.5).accel_mps2 == pytest.approx(5 / 3.6)

    def test_stationary_actor_stays(self) -> None:
        world = World()
        world.add_actor(ActorSpec.car("parked"), Stationary(x_m=3.0, y_m=4.0, heading_rad=0.5))
        for _ in range(10):
            world.step(0.1)
        parked = world.actor("parked")
        assert (parked.x_m, parked.y_m, parked.heading_rad, parked.speed_mps) == (3.0, 4.0, 0.5, 0.0)
