"""The prediction geometry FCW, AEB and ACC share: collisions, times to collision, braking needed."""

from __future__ import annotations

import math

import pytest

from sdvkit.safety.errors import SafetyConfigError
from sdvkit.safety.fcw import AccelerationEstimator, TrackAges
from sdvkit.safety.perception import Track
from sdvkit.safety.prediction import (
    EgoLane,
    EgoMotion,
    PredictionParams,
    ground_velocity_mps,
    object_centre_m,
    path_offset_m,
    predict_collisions,
    predicted_path,
)
from sdvkit.world.actors import SpeedProfile

PARAMS = PredictionParams()
EGO_HALF_WIDTH_M = 0.9


def track(
    *,
    track_id: int = 1,
    object_class: str = "CAR",
    longitudinal_m: float,
    lateral_m: float = 0.0,
    ground_vx_mps: float = 0.0,
    ground_vy_mps: float = 0.0,
    heading_deg: float = 0.0,
    ego_speed_mps: float,
    length_m: float = 4.5,
    width_m: float = 1.8,
) -> Track:
    """A track as sensing reports it: velocities relative to the ego (ground minus ego)."""
    return Track(
        id=track_id,
        object_class=object_class,
        existence_pct=100.0,
        longitudinal_m=longitudinal_m,
        lateral_m=lateral_m,
        longitudinal_velocity_mps=ground_vx_mps - ego_speed_mps,
        lateral_velocity_mps=ground_vy_mps,
        heading_deg=heading_deg,
        length_m=length_m,
        width_m=width_m,
    )


def pedestrian(**fields: float) -> Track:
    return track(object_class="PEDESTRIAN", length_m=0.3, width_m=0.5, **fields)  # type: ignore[arg-type]


def test_a_stationary_car_ahead_is_hit_when_the_gap_is_used_up() -> None:
    ego = EgoMotion(speed_mps=15.0)
    (collision,) = predict_collisions([track(longitudinal_m=30.0, ego_speed_mps=15.0)], ego)
    expected_ttc = (30.0 - PARAMS.front_margin_m) / 15.0
    assert collision.time_to_collision_s == pytest.approx(
        expected_ttc, abs=PARAMS.step_s / 2**PARAMS.refine_iterations
    )
    assert collision.closing_speed_mps == pytest.approx(15.0)
    assert collision.impact_offset_m == pytest.approx(0.0, abs=1e-9)
    # Braking from now: v²/2d, to within the grid of candidate decelerations.
    needed = 15.0**2 / (2.0 * (30.0 - PARAMS.front_margin_m))
    assert needed <= collision.required_deceleration_mps2 <= needed + PARAMS.deceleration_step_mps2 + 0.1


def test_a_later_start_of_braking_needs_more_deceleration() -> None:
    ego = EgoMotion(speed_mps=15.0)
    target = [track(longitudinal_m=40.0, ego_speed_mps=15.0)]
    now = predict_collisions(target, ego)[0].required_deceleration_mps2
    later = predict_collisions(target, ego, delay_s=1.0)[0].required_deceleration_mps2
    room = 40.0 - PARAMS.front_margin_m - 15.0
    assert later == pytest.approx(15.0**2 / (2.0 * room), abs=0.35)
    assert later > now


def test_a_slower_lead_needs_only_the_speed_difference_braked_away() -> None:
    ego = EgoMotion(speed_mps=20.0)
    (collision,) = predict_collisions(
        [track(longitudinal_m=30.0, ground_vx_mps=10.0, ego_speed_mps=20.0)], ego
    )
    assert collision.time_to_collision_s == pytest.approx((30.0 - PARAMS.front_margin_m) / 10.0, abs=0.01)
    assert collision.closing_speed_mps == pytest.approx(10.0)
    needed = 10.0**2 / (2.0 * (30.0 - PARAMS.front_margin_m))
    assert needed <= collision.required_deceleration_mps2 <= needed + 0.35


def test_a_lead_at_the_same_speed_is_no_threat_until_it_brakes() -> None:
    ego = EgoMotion(speed_mps=13.9)
    lead = track(longitudinal_m=13.9, ground_vx_mps=13.9, ego_speed_mps=13.9)
    assert predict_collisions([lead], ego) == ()
    (collision,) = predict_collisions([lead], ego, object_accelerations={lead.id: -4.0})
    # The lead stops in 13.9²/8 = 24 m; the ego, not braking, covers the 38 m in 2.7 s.
    assert 2.0 < collision.time_to_collision_s < 3.0
    assert math.isfinite(collision.required_deceleration_mps2)
    # Braking enough already, the ego meets nothing.
    assert (
        predict_collisions([lead], ego, object_accelerations={lead.id: -4.0}, assumed_acceleration_mps2=-6.0)
        == ()
    )


def test_a_pedestrian_crossing_from_the_near_side_walks_into_the_path() -> None:
    ego = EgoMotion(speed_mps=11.1)
    crossing = pedestrian(
        longitudinal_m=15.0, lateral_m=-2.5, ground_vy_mps=1.4, heading_deg=90.0, ego_speed_mps=11.1
    )
    (collision,) = predict_collisions([crossing], ego)
    assert collision.track.object_class == "PEDESTRIAN"
    # The ego's front reaches the pedestrian's line at about 15/11.1 s; by then the pedestrian,
    # 2.5 m to the right, has walked into the ego's (margined) width.
    assert 1.0 < collision.time_to_collision_s < 1.45
    assert abs(collision.impact_offset_m) < EGO_HALF_WIDTH_M + 0.5


def test_a_pedestrian_who_has_crossed_before_the_ego_arrives_is_no_threat() -> None:
    ego = EgoMotion(speed_mps=11.1)
    early = pedestrian(
        longitudinal_m=40.0, lateral_m=0.0, ground_vy_mps=1.4, heading_deg=90.0, ego_speed_mps=11.1
    )
    assert predict_collisions([early], ego) == ()


def test_a_cyclist_from_the_far_side_and_a_crossing_car_are_found() -> None:
    ego = EgoMotion(speed_mps=11.1)  # 40 km/h
    cyclist = track(
        track_id=2,
        object_class="CYCLIST",
        longitudinal_m=20.0,
        lateral_m=10.0,
        ground_vy_mps=-5.6,
        heading_deg=-90.0,
        ego_speed_mps=11.1,
        length_m=1.9,
        width_m=0.6,
    )
    # CCCscp: a car from the right at 40 km/h, timed to meet the ego's front.
    car = track(
        track_id=3,
        longitudinal_m=20.0,
        lateral_m=-21.0,
        ground_vy_mps=11.1,
        heading_deg=90.0,
        ego_speed_mps=11.1,
    )
    found = {collision.track.id: collision for collision in predict_collisions([cyclist, car], ego)}
    assert set(found) == {2, 3}
    assert found[3].closing_speed_mps == pytest.approx(math.hypot(11.1, 11.1), rel=0.02)


def test_the_path_curves_with_the_yaw_rate_across_the_oncoming_lane() -> None:
    # CCFtap: the ego turns left at 15 km/h on a 12 m radius; an oncoming car at 45 km/h in the
    # opposite lane (3.5 m to the left).
    speed = 15.0 / 3.6
    turning = EgoMotion(speed_mps=speed, yaw_rate_rad_per_s=speed / 12.0)
    straight = EgoMotion(speed_mps=speed)
    oncoming = track(
        longitudinal_m=30.0, lateral_m=3.5, ground_vx_mps=-12.5, heading_deg=180.0, ego_speed_mps=speed
    )
    assert predict_collisions([oncoming], straight) == ()
    (collision,) = predict_collisions([oncoming], turning)
    assert collision.time_to_collision_s < PARAMS.horizon_s
    assert collision.impact_lateral_m == pytest.approx(3.5, abs=0.01)


def test_a_head_on_collision_cannot_be_avoided_by_braking() -> None:
    ego = EgoMotion(speed_mps=13.9)
    oncoming = track(longitudinal_m=60.0, ground_vx_mps=-13.9, heading_deg=180.0, ego_speed_mps=13.9)
    (collision,) = predict_collisions([oncoming], ego)
    assert collision.time_to_collision_s == pytest.approx((60.0 - PARAMS.front_margin_m) / 27.8, abs=0.01)
    assert collision.required_deceleration_mps2 == math.inf


def test_a_pedestrian_walking_alongside_just_outside_the_path_is_no_threat() -> None:
    ego = EgoMotion(speed_mps=13.9)
    beside = pedestrian(longitudinal_m=20.0, lateral_m=-1.65, ground_vx_mps=1.4, ego_speed_mps=13.9)
    assert predict_collisions([beside], ego) == ()
    # The same pedestrian in the path (CPLA) is a threat.
    ahead = pedestrian(longitudinal_m=20.0, lateral_m=-0.45, ground_vx_mps=1.4, ego_speed_mps=13.9)
    assert len(predict_collisions([ahead], ego)) == 1


def test_a_car_parked_in_the_adjacent_lane_of_a_curve_is_out_of_the_arc() -> None:
    # A right-hand curve of 150 m radius; a car stands in the lane to the left, 40 m along it.
    radius, speed = 150.0, 20.0
    angle = 40.0 / radius
    centre_y = -radius  # the curve's centre, seen from the ego's centre
    x_centre = (radius + 3.5) * math.sin(angle) - 2.25  # from the front bumper
    y_centre = centre_y + (radius + 3.5) * math.cos(angle)
    heading = -math.degrees(angle)
    parked = track(
        longitudinal_m=x_centre - 2.25, lateral_m=y_centre, heading_deg=heading, ego_speed_mps=speed
    )
    on_the_curve = EgoMotion(speed_mps=speed, yaw_rate_rad_per_s=-speed / radius)
    assert predict_collisions([parked], on_the_curve) == ()
    # A straight-line prediction would run into it.
    assert len(predict_collisions([parked], EgoMotion(speed_mps=speed))) == 1


def test_pedestrians_are_predicted_at_most_as_fast_as_they_can_run() -> None:
    ego = EgoMotion(speed_mps=13.9)
    # A pedestrian 12.9 m to the right, reported at 8 m/s towards the path, would be in it as the
    # ego passes; at a plausible 3 m/s they reach it long after.
    implausible = pedestrian(
        longitudinal_m=20.0, lateral_m=-12.9, ground_vy_mps=8.0, heading_deg=90.0, ego_speed_mps=13.9
    )
    assert predict_collisions([implausible], ego) == ()
    as_car = track(
        longitudinal_m=20.0, lateral_m=-12.9, ground_vy_mps=8.0, heading_deg=90.0, ego_speed_mps=13.9,
        length_m=0.3, width_m=0.5,
    )  # fmt: skip
    assert len(predict_collisions([as_car], ego)) == 1


def test_many_tracks_are_sorted_by_time_and_far_ones_pruned() -> None:
    ego = EgoMotion(speed_mps=20.0)
    tracks = [track(track_id=1, longitudinal_m=60.0, ego_speed_mps=20.0)]
    tracks.append(track(track_id=2, longitudinal_m=30.0, ego_speed_mps=20.0, lateral_m=0.5))
    tracks += [track(track_id=10 + n, longitudinal_m=500.0 + n, ego_speed_mps=20.0) for n in range(14)]
    assert [collision.track.id for collision in predict_collisions(tracks, ego)] == [2, 1]


def test_object_centres_from_the_nearest_point() -> None:
    ahead = track(longitudinal_m=10.0, ego_speed_mps=0.0)
    behind = track(longitudinal_m=-10.0, ego_speed_mps=0.0)
    across = track(longitudinal_m=10.0, heading_deg=90.0, ego_speed_mps=0.0)
    assert object_centre_m(ahead) == (pytest.approx(12.25), 0.0)
    assert object_centre_m(behind) == (pytest.approx(-12.25), 0.0)
    assert object_centre_m(across)[0] == pytest.approx(10.9)
    assert ground_velocity_mps(track(longitudinal_m=5.0, ground_vx_mps=3.0, ego_speed_mps=10.0), 10.0) == (
        pytest.approx(3.0),
        0.0,
    )


def test_path_offsets_follow_the_arc() -> None:
    assert path_offset_m(EgoMotion(speed_mps=10.0), 20.0, 1.0, PARAMS) == pytest.approx(1.0)
    radius = 100.0
    left_turn = EgoMotion(speed_mps=10.0, yaw_rate_rad_per_s=10.0 / radius)
    angle = 30.0 / radius
    x = radius * math.sin(angle) - 2.25
    y = radius * (1.0 - math.cos(angle))
    assert path_offset_m(left_turn, x, y, PARAMS) == pytest.approx(0.0, abs=1e-9)
    # one metre along the path's normal, towards the inside of the turn
    inside_x, inside_y = x - math.sin(angle), y + math.cos(angle)
    assert path_offset_m(left_turn, inside_x, inside_y, PARAMS) == pytest.approx(1.0, abs=1e-6)
    assert path_offset_m(left_turn, x + math.sin(angle), y - math.cos(angle), PARAMS) == pytest.approx(
        -1.0, abs=1e-6
    )


def test_acceleration_estimates_and_track_ages_follow_the_cycles() -> None:
    estimator = AccelerationEstimator(time_constant_s=0.0, deadband_mps2=0.5)
    ages = TrackAges()
    for cycle in range(5):
        speed = 20.0 - 4.0 * 0.05 * cycle
        seen = [track(longitudinal_m=20.0, ground_vx_mps=speed, ego_speed_mps=10.0)]
        estimator.update(cycle, 0.05 * cycle, seen, 10.0)
        estimator.update(cycle, 0.05 * cycle + 0.01, seen, 10.0)  # the same cycle again: ignored
        ages.update(cycle, seen)
    assert estimator.acceleration_mps2(1) == pytest.approx(-4.0)
    assert estimator.acceleration_mps2(99) == 0.0
    assert ages.age(1) == 5
    ages.update(5, [])
    assert ages.age(1) == 0


def test_a_new_tracks_settling_is_no_braking() -> None:
    """A track's first speeds converge from its first detections (a cyclist's radar-only start):
    those changes are not the object braking."""

    def estimate(settle_cycles: int) -> float:
        estimator = AccelerationEstimator(settle_cycles=settle_cycles)
        for cycle, speed in enumerate((9.0, 7.5, 6.2, 5.6, 5.6, 5.6)):
            seen = [track(longitudinal_m=40.0, ground_vx_mps=speed, ego_speed_mps=15.0)]
            estimator.update(cycle, 0.05 * cycle, seen, 15.0)
        return estimator.acceleration_mps2(1)

    assert estimate(settle_cycles=0) < -5.0
    assert estimate(settle_cycles=4) == 0.0


def on_a_left_curve(radius_m: float, arc_m: float, offset_m: float) -> tuple[float, float, float]:
    """A point ``arc_m`` along a left curve whose lane centre runs through the ego's centre,
    ``offset_m`` left of that lane centre: (x, y) in the bumper frame, and the lane's heading (rad)."""
    radius = radius_m - offset_m
    angle = arc_m / radius_m
    return radius * math.sin(angle) - 2.25, radius_m - radius * math.cos(angle), angle


def car_on_the_curve(
    radius_m: float,
    arc_m: float,
    offset_m: float,
    *,
    speed_mps: float,
    heading_error_deg: float,
    ego_speed_mps: float,
) -> Track:
    """A car in a lane of the curve, moving along it; its heading measured ``heading_error_deg`` off."""
    x, y, angle = on_a_left_curve(radius_m, arc_m, offset_m)
    heading = math.degrees(angle) + heading_error_deg
    extent = 2.25 * math.cos(math.radians(heading)) + 0.9 * abs(math.sin(math.radians(heading)))
    return track(
        longitudinal_m=x - extent,
        lateral_m=y,
        ground_vx_mps=speed_mps * math.cos(angle),
        ground_vy_mps=speed_mps * math.sin(angle),
        heading_deg=heading,
        ego_speed_mps=ego_speed_mps,
    )


CURVE_RADIUS_M = 150.0
CURVE = EgoLane(heading_rad=0.0, curvature_per_m=1.0 / CURVE_RADIUS_M, centre_offset_m=0.0)


@pytest.mark.parametrize("heading_error_deg", [0.0, -3.0, -5.0])
def test_a_car_in_the_next_lane_of_a_curve_keeps_to_its_lane(heading_error_deg: float) -> None:
    # The false-positive case "adjacent lane, curve": 60 km/h on a 150 m left-hand curve, a car at
    # 30 km/h in the inner lane; its heading as the camera measures it (3° noise, 1σ).
    speed = 60.0 / 3.6
    ego = EgoMotion(speed_mps=speed, yaw_rate_rad_per_s=speed / CURVE_RADIUS_M)
    inner = car_on_the_curve(
        CURVE_RADIUS_M, 22.0, 3.5, speed_mps=8.3, heading_error_deg=heading_error_deg, ego_speed_mps=speed
    )
    # Straight on along its heading it would cut into the ego's lane; keeping to its lane, it
    # does not.
    assert len(predict_collisions([inner], ego)) == 1
    assert predict_collisions([inner], ego, lane=CURVE) == ()
    # The same car in the ego's lane is a threat however its heading is measured.
    ahead = car_on_the_curve(
        CURVE_RADIUS_M, 22.0, 0.0, speed_mps=8.3, heading_error_deg=heading_error_deg, ego_speed_mps=speed
    )
    (collision,) = predict_collisions([ahead], ego, lane=CURVE)
    assert collision.time_to_collision_s == pytest.approx((22.0 - 4.5 - PARAMS.front_margin_m) / 8.4, abs=0.1)


def test_entering_a_curve_the_path_follows_the_lane_not_the_lagging_yaw_rate() -> None:
    speed = 60.0 / 3.6
    entering = EgoMotion(speed_mps=speed)  # the bumper is in the curve, the car not yet turning
    standing = car_on_the_curve(
        CURVE_RADIUS_M, 45.0, 0.0, speed_mps=0.0, heading_error_deg=0.0, ego_speed_mps=speed
    )
    beside = car_on_the_curve(
        CURVE_RADIUS_M, 45.0, 3.5, speed_mps=0.0, heading_error_deg=0.0, ego_speed_mps=speed
    )
    assert predict_collisions([standing], entering) == ()  # straight on, the ego would miss it
    (collision,) = predict_collisions([standing, beside], entering, lane=CURVE)
    assert collision.track is standing
    # Points of the lane's centre line lie on the path once the path has turned to it.
    x, y, _ = on_a_left_curve(CURVE_RADIUS_M, 60.0, 0.0)
    assert abs(path_offset_m(entering, x, y, PARAMS, CURVE)) < 0.5
    assert abs(path_offset_m(entering, x, y, PARAMS)) > 10.0


def test_turning_off_the_lane_the_path_is_the_yaw_rates() -> None:
    # CCFtap: turning left at 15 km/h on a 12 m radius across a straight lane: the yaw rate says
    # where the car goes, not the lane it leaves.
    speed = 15.0 / 3.6
    turning = EgoMotion(speed_mps=speed, yaw_rate_rad_per_s=speed / 12.0)
    straight_lane = EgoLane(heading_rad=0.0, curvature_per_m=0.0, centre_offset_m=0.0)
    assert not predicted_path(turning, PARAMS, straight_lane).blended
    assert predicted_path(EgoMotion(speed_mps=60.0 / 3.6), PARAMS, CURVE).blended
    oncoming = track(
        longitudinal_m=30.0, lateral_m=3.5, ground_vx_mps=-12.5, heading_deg=180.0, ego_speed_mps=speed
    )
    assert len(predict_collisions([oncoming], turning, lane=straight_lane)) == 1


def test_the_clearance_says_whether_an_object_is_in_the_path_or_must_move_into_it() -> None:
    ego = EgoMotion(speed_mps=11.1)
    crossing = pedestrian(
        longitudinal_m=15.0, lateral_m=-2.5, ground_vy_mps=1.4, heading_deg=90.0, ego_speed_mps=11.1
    )
    ahead = pedestrian(longitudinal_m=20.0, lateral_m=-0.45, ground_vx_mps=1.4, ego_speed_mps=11.1)
    found = {collision.track.lateral_m: collision for collision in predict_collisions([crossing, ahead], ego)}
    # 2.5 m out, less the walker's half depth across the path (0.15 m: it walks across), the
    # ego's half width (0.9 m) and the margin
    assert found[-2.5].clearance_m == pytest.approx(2.5 - 0.15 - 0.9 - PARAMS.lateral_margin_m, abs=1e-6)
    assert found[-0.45].clearance_m < 0.0


def test_only_a_vehicle_moving_along_the_ego_slows_at_its_estimated_braking() -> None:
    """A crossing object's or a walker's speed changes between cycles are the tracker's noise."""
    ego = EgoMotion(speed_mps=11.1)
    crossing = pedestrian(
        longitudinal_m=15.0, lateral_m=-2.5, ground_vy_mps=1.4, heading_deg=90.0, ego_speed_mps=11.1
    )
    cyclist = track(
        track_id=2, object_class="CYCLIST", longitudinal_m=14.0, lateral_m=-6.0, ground_vy_mps=4.2,
        heading_deg=90.0, ego_speed_mps=11.1, length_m=1.9, width_m=0.6,
    )  # fmt: skip
    braking = {crossing.id: -3.0, cyclist.id: -3.0}
    assert {
        c.track.id for c in predict_collisions([crossing, cyclist], ego, object_accelerations=braking)
    } == {
        crossing.id,
        cyclist.id,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("horizon_s", 0.0),
        ("step_s", -1.0),
        ("lateral_margin_m", math.nan),
        ("refine_iterations", 50),
        ("lane_blend_s", -0.5),
        ("lane_aligned_max_deg", 90.0),
    ],
)
def test_impossible_parameters_are_refused_by_name(field: str, value: float) -> None:
    with pytest.raises(SafetyConfigError, match=field):
        PredictionParams(**{field: value})


def test_an_impossible_ego_or_delay_is_refused() -> None:
    with pytest.raises(SafetyConfigError, match="speed_mps"):
        EgoMotion(speed_mps=math.inf)
    with pytest.raises(SafetyConfigError, match="delay_s"):
        predict_collisions(
            [track(longitudinal_m=5.0, ego_speed_mps=1.0)], EgoMotion(speed_mps=1.0), delay_s=-1.0
        )


def test_ideal_perception_reports_ground_truth_in_the_conventions_prediction_reads() -> None:
    from tests.safety.forward_harness import LANE_Y_M, START_X_M, ForwardBench

    from sdvkit.safety.perception import read_perception
    from sdvkit.world.actors import ActorSpec, Stationary

    bench = ForwardBench(speed_kmh=36.0, aeb=False, acc=False, robot_speed_kmh=None)
    bench.stationary_car("ahead", gap_m=20.0, offset_m=0.5)
    bench.stationary_car("hidden", gap_m=40.0, offset_m=0.5)
    bench.moving(ActorSpec.pedestrian("crossing"), start=(10.0, -3.0), end=(10.0, 20.0), profile=_walk())
    bench.stationary_car("behind", gap_m=-15.0 - 2 * 4.5)  # 15 m behind the ego's rear bumper
    gantry = ActorSpec(
        id="gantry", kind="obstacle", length_m=1.0, width_m=16.0, height_m=1.0, clearance_m=5.0
    )
    bench.world.add_actor(gantry, Stationary(x_m=START_X_M + 30.0, y_m=LANE_Y_M))
    bench.start()
    bench.run(0.1)
    seen = read_perception(bench.fcw_app)
    ids = [bench.perception.track_id(name) for name in ("crossing", "behind", "ahead", "hidden")]
    assert [track.id for track in seen.objects] == ids  # nearest first; the gantry dropped
    by_id = {track.id: track for track in seen.objects}
    ego = bench.world.ego
    assert ego is not None
    bumper_x = ego.x_m + 2.25
    for name in ("crossing", "behind", "ahead"):
        actor = bench.world.actor(name)
        track = by_id[bench.perception.track_id(name)]
        centre_x, centre_y = object_centre_m(track)
        assert centre_x == pytest.approx(actor.x_m - bumper_x, abs=1e-6)
        assert centre_y == pytest.approx(actor.y_m - ego.y_m, abs=1e-6)
        assert ground_velocity_mps(track, ego.speed_mps)[1] == pytest.approx(
            actor.speed_mps * math.sin(actor.heading_rad)
        )
    ahead = by_id[bench.perception.track_id("ahead")]
    assert ahead.longitudinal_m == pytest.approx(bench.world.gap_m("ahead"), abs=1e-6)
    assert ahead.longitudinal_velocity_mps == pytest.approx(-ego.speed_mps)
    behind = by_id[bench.perception.track_id("behind")]
    assert behind.longitudinal_m == pytest.approx(-(bench.world.gap_m("behind") + 4.5), abs=1e-6)
    assert seen.left_marking is not None
    assert seen.right_marking is not None
    assert seen.left_marking.lateral_offset_m == pytest.approx(1.75, abs=1e-6)
    assert seen.right_marking.lateral_offset_m == pytest.approx(-1.75, abs=1e-6)
    # two lanes each way, the ego in the inner one: dashed lines both sides, the road's edges
    # one lane to the right and three to the left
    assert (seen.left_marking.marking_type, seen.right_marking.marking_type) == ("DASHED", "DASHED")
    assert seen.right_edge_m == pytest.approx(-5.25, abs=1e-6)
    assert seen.left_edge_m == pytest.approx(8.75, abs=1e-6)


def test_ideal_perception_can_hide_what_nearer_objects_cover() -> None:
    from tests.safety.forward_harness import ForwardBench

    from sdvkit.safety.perception import read_perception

    bench = ForwardBench(speed_kmh=0.0, fcw=True, aeb=False, acc=False, robot_speed_kmh=None, occlusion=True)
    bench.stationary_car("lead", gap_m=20.0)
    bench.stationary_car("hidden", gap_m=40.0)
    bench.stationary_car("beside", gap_m=40.0, offset_m=3.5)
    bench.start()
    bench.run(0.1)
    seen = {track.id for track in read_perception(bench.fcw_app).objects}
    assert seen == {bench.perception.track_id("lead"), bench.perception.track_id("beside")}


def _walk() -> SpeedProfile:
    return SpeedProfile.constant(1.4)


def test_tracker_noise_on_standing_and_passing_objects_is_no_motion() -> None:
    ego = EgoMotion(speed_mps=13.9)
    # A parked car beside the path whose track drifts sideways at 0.6 m/s: a vehicle moves along
    # its heading, so the drift is noise; a car really pulling out moves along its heading.
    drifting = track(longitudinal_m=30.0, lateral_m=-3.15, ground_vy_mps=0.6, ego_speed_mps=13.9)
    assert predict_collisions([drifting], ego) == ()
    pulling_out = track(
        longitudinal_m=30.0,
        lateral_m=-3.15,
        ground_vx_mps=2.0,
        ground_vy_mps=0.6,
        heading_deg=16.7,
        ego_speed_mps=13.9,
    )
    assert len(predict_collisions([pulling_out], ego)) == 1
    # A pedestrian walking alongside with a noisy 0.5 m/s towards the path walks along it.
    walking = pedestrian(
        longitudinal_m=20.0, lateral_m=-1.65, ground_vx_mps=1.4, ground_vy_mps=0.5, ego_speed_mps=13.9
    )
    assert predict_collisions([walking], ego) == ()
