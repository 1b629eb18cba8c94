"""Rule-based traffic: IDM car following and gap acceptance at a crossing."""

from __future__ import annotations

import itertools
import math

import pytest

from sdvkit.world.actors import (
    ActorSnapshot,
    ActorSpec,
    LaneRoute,
    PolylinePath,
    ScriptedMotion,
    SpeedProfile,
)
from sdvkit.world.errors import ActorError
from sdvkit.world.road_builders import LaneLayout, straight_road
from sdvkit.world.scene import World
from sdvkit.world.traffic import (
    CrossingPhase,
    GapAcceptance,
    GapParams,
    IdmDriver,
    IdmParams,
    find_leader,
    idm_acceleration,
)

ROAD = straight_road(length_m=6000.0, layout=LaneLayout(lanes_per_direction=2))
DT = 0.01


def lane(lane_id: int = -1) -> LaneRoute:
    return LaneRoute(road=ROAD, lane_id=lane_id)


class TestIdmFormula:
    def test_known_values(self) -> None:
        params = IdmParams(desired_speed_mps=30.0, max_accel_mps2=1.0, comfortable_decel_mps2=2.0)
        assert idm_acceleration(params, 0.0) == 1.0
        assert idm_acceleration(params, 15.0) == pytest.approx(1.0 - 1 / 16)
        assert idm_acceleration(params, 30.0) == pytest.approx(0.0)
        # equal speeds at exactly the desired gap s0 + vT: free term minus one
        assert idm_acceleration(params, 15.0, 2.0 + 22.5, 15.0) == pytest.approx(-1 / 16)
        # closing fast on a stopped car 20 m ahead: hard braking
        assert idm_acceleration(params, 20.0, 20.0, 0.0) < -9.0

    @pytest.mark.parametrize(
        ("field", "value", "pattern"),
        [
            ("desired_speed_mps", 0.0, r"desired_speed_mps must be a finite number > 0, not 0.0"),
            ("time_headway_s", -1.0, r"time_headway_s must be a finite number >= 0, not -1.0"),
            ("comfortable_decel_mps2", math.nan, r"comfortable_decel_mps2 must be a finite number > 0"),
        ],
    )
    def test_parameter_validation(self, field: str, value: float, pattern: str) -> None:
        with pytest.raises(ActorError, match=pattern):
            IdmParams(**{field: value})


class TestIdmTraffic:
    def test_free_road_accelerates_towards_desired_speed(self) -> None:
        world = World()
        world.add_actor(
            ActorSpec.car("car"),
            IdmDriver(route=lane(), params=IdmParams(desired_speed_mps=25.0), start_speed_mps=0.0),
        )
        speeds = []
        for _ in range(round(60.0 / DT)):
            world.step(DT)
            speeds.append(world.actor("car").speed_mps)
        assert all(b >= a for a, b in itertools.pairwise(speeds))
        assert speeds[round(5.0 / DT)] == pytest.approx(5.0, rel=0.05)  # about a·t while slow
        assert 0.95 * 25.0 < speeds[-1] <= 25.0

    def test_follows_a_slower_leader_at_the_equilibrium_gap(self) -> None:
        world = World()
        world.add_actor(
            ActorSpec.car("leader"),
            ScriptedMotion(route=lane(), profile=SpeedProfile.constant(15.0), start_distance_m=150.0),
        )
        params = IdmParams(desired_speed_mps=30.0, time_headway_s=1.5, min_gap_m=2.0)
        driver = IdmDriver(route=lane(), params=params, start_speed_mps=25.0)
        world.add_actor(ActorSpec.car("follower"), driver)
        for _ in range(round(120.0 / DT)):
            world.step(DT)
        follower, leader = world.actor("follower"), world.actor("leader")
        gap = leader.x_m - follower.x_m - 4.5
        assert follower.speed_mps == pytest.approx(15.0, abs=0.05)
        # IDM equilibrium: (s0 + vT) / sqrt(1 - (v/v0)^4), i.e. roughly v·T + s0
        assert gap == pytest.approx((2.0 + 15.0 * 1.5) / math.sqrt(1 - (15 / 30) ** 4), abs=0.1)
        assert gap == pytest.approx(2.0 + 15.0 * 1.5, rel=0.1)
        assert driver.leader is not None
        assert driver.leader.id == "leader"
        assert world.collisions == ()

    def test_platoon_brakes_without_collision(self) -> None:
        world = World()
        braking = SpeedProfile(points=((0.0, 25.0), (10.0, 25.0), (10.0 + 25.0 / 8.0, 0.0)))
        world.add_actor(
            ActorSpec.car("leader"), ScriptedMotion(route=lane(), profile=braking, start_distance_m=400.0)
        )
        for k in range(6):
            world.add_actor(
                ActorSpec.car(f"car{k}"),
                IdmDriver(
                    route=lane(),
                    params=IdmParams(desired_speed_mps=30.0),
                    start_distance_m=400.0 - 42.0 * (k + 1),
                    start_speed_mps=25.0,
                ),
            )
        smallest_gap = math.inf
        for _ in range(round(40.0 / DT)):
            world.step(DT)
            xs = [actor.x_m for actor in world.actors()]
            smallest_gap = min(smallest_gap, *(a - b - 4.5 for a, b in itertools.pairwise(xs)))
        assert world.collisions == ()
        assert smallest_gap > 0.5
        assert all(actor.speed_mps == 0.0 for actor in world.actors())
        assert all(actor.speed_mps >= 0.0 for actor in world.actors())

    def test_car_in_the_next_lane_is_not_a_leader(self) -> None:
        world = World()
        world.add_actor(
            ActorSpec.car("slow"),
            ScriptedMotion(route=lane(-2), profile=SpeedProfile.constant(5.0), start_distance_m=30.0),
        )
        driver = IdmDriver(route=lane(-1), params=IdmParams(desired_speed_mps=20.0), start_speed_mps=20.0)
        world.add_actor(ActorSpec.car("fast"), driver)
        for _ in range(round(5.0 / DT)):
            world.step(DT)
        assert driver.leader is None
        assert world.actor("fast").speed_mps == pytest.approx(20.0)
        assert world.actor("fast").x_m > world.actor("slow").x_m  # it overtook

    def test_leader_cutting_halfway_into_the_lane_counts(self) -> None:
        spec = ActorSpec.car("me")
        # lane -1 is centred on t = -1.75 and 3.5 m wide
        cut_in = ActorSnapshot("cut-in", spec.kind, 60.0, -1.75 - 2.4, 0.0, 10.0, 0.0, 4.5, 1.8)
        beside = ActorSnapshot("beside", spec.kind, 40.0, -1.75 - 3.5, 0.0, 10.0, 0.0, 4.5, 1.8)
        leader = find_leader(lane(), 10.0, spec, [beside, cut_in], lane_half_width_m=1.75, look_ahead_m=200.0)
        assert leader is not None
        assert leader.id == "cut-in"
        assert leader.gap_m == pytest.approx(60.0 - 10.0 - 4.5)
        assert leader.speed_mps == pytest.approx(10.0)


def crossing_world(car_start_x_m: float, *, car_speed_mps: float = 15.0) -> tuple[World, GapAcceptance]:
    """A car along y = -1.75 heading +x; a pedestrian walks from (0, -10) to (0, 10), kerb at y = -5."""
    world = World()
    world.add_actor(
        ActorSpec.car("car"),
        ScriptedMotion(
            route=PolylinePath(waypoints=((car_start_x_m, -1.75), (500.0, -1.75))),
            profile=SpeedProfile.constant(car_speed_mps),
        ),
    )
    walker = GapAcceptance(
        route=PolylinePath(waypoints=((0.0, -10.0), (0.0, 10.0))),
        stop_distance_m=5.0,
        conflict_distance_m=8.25,
        params=GapParams(desired_speed_mps=1.4, critical_gap_s=4.5, accel_mps2=1.0, decel_mps2=1.5),
        start_distance_m=3.0,
        start_speed_mps=1.4,
    )
    world.add_actor(ActorSpec.pedestrian("walker"), walker)
    return world, walker


class TestGapAcceptance:
    def test_waits_while_a_car_approaches_then_goes(self) -> None:
        world, walker = crossing_world(-40.0)  # reaches the crossing in about 2.5 s: too close
        phases: list[tuple[float, CrossingPhase, float, float]] = []
        for _ in range(round(12.0 / DT)):
            world.step(DT)
            phases.append((world.time_s, walker.phase, world.actor("walker").y_m, world.actor("car").x_m))
        waiting = [entry for entry in phases if entry[1] is CrossingPhase.WAITING]
        assert waiting, "the walker never waited"
        assert all(y == pytest.approx(-5.0) for _, _, y, _ in waiting)
        # It leaves only after the car's rear has cleared the crossing point (x = 0).
        went = next(entry for entry in phases if entry[1] is CrossingPhase.CROSSING)
        assert went[3] - 2.25 > 0.0
        assert went[0] == pytest.approx((40.0 + 2.25 + 1.0) / 15.0, abs=0.05)
        # While the car was still approaching, the walker never stepped beyond the kerb.
        assert all(y <= -5.0 + 1e-9 for _, _, y, car_x in phases if car_x < 0.0)
        assert world.actor("walker").y_m > 5.0
        assert world.collisions == ()

    def test_goes_without_waiting_when_the_gap_is_long(self) -> None:
        world, walker = crossing_world(-150.0)  # 10 s away
        for _ in range(round(3.0 / DT)):
            world.step(DT)
            assert walker.phase is not CrossingPhase.WAITING
        assert walker.phase is CrossingPhase.CROSSING
        assert world.actor("walker").y_m > -5.0

    def test_smallest_gap(self) -> None:
        world, walker = crossing_world(-60.0, car_speed_mps=10.0)
        spec = ActorSpec.pedestrian("walker")
        assert walker.smallest_gap_s(spec, world.actors()) == pytest.approx((60.0 - 2.25) / 10.0)

    def test_validation(self) -> None:
        route = PolylinePath(waypoints=((0.0, 0.0), (10.0, 0.0)))
        with pytest.raises(ActorError, match="start_distance_m <= stop_distance_m <= conflict_distance_m"):
            GapAcceptance(
                route=route,
                stop_distance_m=8.0,
                conflict_distance_m=5.0,
                params=GapParams(desired_speed_mps=1.0),
            )
        with pytest.raises(ActorError, match=r"critical_gap_s must be a finite number > 0, not -4.0"):
            GapParams(desired_speed_mps=1.0, critical_gap_s=-4.0)


def two_cars_at_a_crossing(
    first_id: str, second_id: str, *, reverse: bool = False, at_the_line: bool = True
) -> World:
    """Two gap-accepting cars on crossing paths (conflict point at the origin), one from the west
    along +x, one from the south along +y: standing at their stop lines, or arriving together."""
    world = World()
    params = GapParams(desired_speed_mps=8.0, critical_gap_s=4.0)
    cars = [
        (
            ActorSpec.car(actor_id),
            GapAcceptance(
                route=PolylinePath(waypoints=waypoints),
                stop_distance_m=34.0,
                conflict_distance_m=40.0,
                params=params,
                start_distance_m=34.0 if at_the_line else 0.0,
                start_speed_mps=0.0 if at_the_line else None,
            ),
        )
        for actor_id, waypoints in (
            (first_id, ((-40.0, 0.0), (60.0, 0.0))),
            (second_id, ((0.0, -40.0), (0.0, 60.0))),
        )
    ]
    for spec, behaviour in reversed(cars) if reverse else cars:
        world.add_actor(spec, behaviour)
    return world


def run_crossing(world: World, ids: tuple[str, str], seconds: float = 30.0) -> dict[str, float]:
    """Step the world; when each actor began to cross."""
    went: dict[str, float] = {}
    for _ in range(round(seconds / DT)):
        world.step(DT)
        for actor_id in ids:
            behaviour = world.behaviour(actor_id)
            assert isinstance(behaviour, GapAcceptance)
            if behaviour.phase is CrossingPhase.CROSSING:
                went.setdefault(actor_id, world.time_s)
    return went


class TestTwoWaitingActors:
    @pytest.mark.parametrize("reverse", [False, True])
    def test_both_standing_at_their_lines_take_turns_the_smaller_id_first(self, reverse: bool) -> None:
        world = two_cars_at_a_crossing("a", "b", reverse=reverse)
        went = run_crossing(world, ("a", "b"))
        assert world.collisions == ()
        assert set(went) == {"a", "b"}
        assert went["a"] < went["b"]
        assert world.actor("a").x_m > 20.0
        assert world.actor("b").y_m > 20.0

    @pytest.mark.parametrize("reverse", [False, True])
    def test_arriving_together_they_take_turns(self, reverse: bool) -> None:
        world = two_cars_at_a_crossing("a", "b", reverse=reverse, at_the_line=False)
        went = run_crossing(world, ("a", "b"))
        assert world.collisions == ()
        assert went["a"] < went["b"]
        assert world.actor("b").y_m > 20.0

    def test_the_order_is_by_id_not_by_route(self) -> None:
        world = two_cars_at_a_crossing("z", "m")
        went = run_crossing(world, ("z", "m"))
        assert world.collisions == ()
        assert went["m"] < went["z"]

    def test_a_standing_vehicle_counts_by_its_time_from_rest(self) -> None:
        walker = GapAcceptance(
            route=PolylinePath(waypoints=((0.0, -10.0), (0.0, 10.0))),
            stop_distance_m=5.0,
            conflict_distance_m=8.25,
            params=GapParams(desired_speed_mps=1.4),  # others_start_accel_mps2: 2 m/s² by default
        )
        me = ActorSpec.pedestrian("walker")
        walker_there = ActorSnapshot("walker", me.kind, 0.0, -5.0, math.pi / 2, 1.4, 0.0, 0.3, 0.5)
        # a car standing 12 m (front) before the crossing point, facing it
        car = ActorSnapshot("car", ActorSpec.car("car").kind, -14.25, -1.75, 0.0, 0.0, 0.0, 4.5, 1.8)
        assert walker.smallest_gap_s(me, [walker_there, car]) == pytest.approx(math.sqrt(2 * 12.0 / 2.0))
        # creeping, it may speed up as if setting off; faster, it counts with its own acceleration
        creeping = car._replace(speed_mps=2.0, accel_mps2=1.0)
        expected = (-2.0 + math.sqrt(2.0**2 + 2 * 2.0 * 12.0)) / 2.0
        assert walker.smallest_gap_s(me, [walker_there, creeping]) == pytest.approx(expected)
        moving = car._replace(speed_mps=5.0, accel_mps2=1.0)
        expected = (-5.0 + math.sqrt(5.0**2 + 2 * 1.0 * 12.0)) / 1.0
        assert walker.smallest_gap_s(me, [walker_there, moving]) == pytest.approx(expected)
        braking = car._replace(speed_mps=6.0, accel_mps2=-3.0)
        assert walker.smallest_gap_s(me, [walker_there, braking]) == pytest.approx(12.0 / 6.0)


class TestBrakingLimit:
    def test_too_fast_for_the_line_it_brakes_at_most_max_decel_and_stops_beyond(self) -> None:
        world = World()
        # A car 7 m before its stop line at 12 m/s (10.3 m/s² would stop it there); a car on the
        # crossing road keeps it from going. It brakes at most max_decel_mps2 (9 m/s² by default).
        params = GapParams(desired_speed_mps=12.0)  # max_decel_mps2: 9 m/s² by default
        crossing = GapAcceptance(
            route=PolylinePath(waypoints=((0.0, -60.0), (0.0, 60.0))),
            stop_distance_m=54.0,
            conflict_distance_m=60.0,
            params=params,
            start_distance_m=47.0,
        )
        world.add_actor(ActorSpec.car("crossing"), crossing)
        world.add_actor(
            ActorSpec.car("traffic"),
            ScriptedMotion(
                route=PolylinePath(waypoints=((-60.0, 0.0), (200.0, 0.0))),
                profile=SpeedProfile.constant(15.0),
            ),
        )
        accels = []
        for _ in range(round(3.0 / DT)):
            world.step(DT)
            accels.append(world.actor("crossing").accel_mps2)
        assert min(accels) >= -9.0 - 1e-12  # the default max_decel_mps2
        assert min(accels) == pytest.approx(-9.0)
        stopped = crossing.distance_m
        assert stopped == pytest.approx(47.0 + 12.0**2 / (2 * 9.0), abs=0.2)  # beyond the line at 54
        assert world.collisions == ()
        assert crossing.phase is not CrossingPhase.APPROACHING
        assert world.actor("crossing").speed_mps >= 0.0

    def test_max_decel_below_the_comfortable_one_is_refused(self) -> None:
        with pytest.raises(ActorError, match=r"max_decel_mps2 \(1.0\) must be >= decel_mps2 \(2.0\)"):
            GapParams(desired_speed_mps=1.0, decel_mps2=2.0, max_decel_mps2=1.0)
