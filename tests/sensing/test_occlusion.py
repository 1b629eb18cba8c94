"""Occlusion and overhead structures: what hides behind what, and what is no object at all."""

from __future__ import annotations

import math

import pytest
from tests.sensing.scenes import EGO_LANE_Y_M, park, run, scan, world_with_ego

from sdvkit.sensing import PerceptionFrame, SensingPipeline
from sdvkit.world.actors import ActorSpec, PolylinePath, ScriptedMotion, SpeedProfile

CHILD_X_M = 25.0
PARKED_Y_M = -3.0
"""Lateral centre of the parked cars, from the ego's centre line (their inner side at -2.1 m)."""
SHADOW_EDGE_Y_M = -2.1
CHILD_HALF_DEPTH_M = 0.15
"""Half the child's box along its walk (0.3 m long)."""


def _child_between_parked_cars() -> tuple[SensingPipeline, list[PerceptionFrame]]:
    """Euro NCAP CPNCO: a child (1.15 m) walks out from between two parked cars (1.5 m) into the
    ego's lane, 25 m ahead of the standing ego."""
    world = world_with_ego()
    for name, x_m in (("parked-near", 22.25), ("parked-far", 27.75)):
        park(world, ActorSpec.car(name), x_m, EGO_LANE_Y_M + PARKED_Y_M)
    # it starts just beyond the cars' outer side (-3.9 m), in their shadow
    walk = PolylinePath(waypoints=((CHILD_X_M, EGO_LANE_Y_M - 4.2), (CHILD_X_M, EGO_LANE_Y_M + 4.0)))
    world.add_actor(
        ActorSpec.pedestrian("child", height_m=1.15),
        ScriptedMotion(route=walk, profile=SpeedProfile.constant(1.5, start_delay_s=0.5)),
    )
    pipeline = SensingPipeline(world, seed=3)
    return pipeline, run(world, pipeline, 4.0)


def _child_y(frame: PerceptionFrame) -> float:
    return next(obj.y_m for obj in frame.truth.objects if obj.actor_id == "child")


def test_a_child_between_parked_cars_stays_unseen_until_it_emerges() -> None:
    _, frames = _child_between_parked_cars()
    child_y_at = {frame.time_s: _child_y(frame) for frame in frames}
    hidden_times = [t for t, y in child_y_at.items() if y + CHILD_HALF_DEPTH_M < SHADOW_EDGE_Y_M - 0.2]
    assert len(hidden_times) > 20  # the scene has a long hidden phase
    for frame in frames:
        for detection in frame.detections:
            if detection.actor_id == "child":
                measured_y = child_y_at[detection.time_s]
                assert measured_y + CHILD_HALF_DEPTH_M >= SHADOW_EDGE_Y_M - 0.2, (
                    f"{detection.sensor} saw the child at y = {measured_y:.2f} m, behind the parked cars"
                )
        if frame.time_s in hidden_times:
            assert all(track.actor_id != "child" for track in frame.tracks)
    # meanwhile the near parked car is tracked; the far one is four fifths behind it, so it is not
    assert {track.actor_id for track in frames[20].tracks} == {"parked-near"}

    emerged_s = min(t for t, y in child_y_at.items() if y - CHILD_HALF_DEPTH_M > SHADOW_EDGE_Y_M)
    seen_s = min(frame.time_s for frame in frames if any(track.actor_id == "child" for track in frame.tracks))
    assert 0.0 <= seen_s - emerged_s <= 0.35  # within a few cycles: latency, then 3 hits of 4
    first = next(track for frame in frames for track in frame.tracks if track.actor_id == "child")
    assert first.object_class in ("PEDESTRIAN", "UNKNOWN", "CYCLIST")
    assert first.lateral_velocity_mps > 0.0  # it walks to the left, into the lane


def test_a_car_behind_a_car_is_hidden_but_a_truck_shows_over_it() -> None:
    world = world_with_ego()
    park(world, ActorSpec.car("lead"), 20.0, EGO_LANE_Y_M)
    park(world, ActorSpec.car("hidden"), 40.0, EGO_LANE_Y_M)
    park(world, ActorSpec.car("truck", length_m=10.0, width_m=1.8, height_m=3.5), 60.0, EGO_LANE_Y_M)
    for name in ("FrontRadar", "FrontCamera", "CornerRadarFrontLeft", "CornerRadarFrontRight"):
        seen = {d.actor_id for seed in range(5) for d in scan(world, name, seed=seed)}
        assert "hidden" not in seen, name
        assert "lead" in seen, name
    camera_seen = {d.actor_id for seed in range(5) for d in scan(world, "FrontCamera", seed=seed)}
    assert "truck" in camera_seen  # 3.5 m tall: most of it rises above the lead car's roof


def test_a_sign_gantry_is_no_object_and_hides_nothing_beneath_it() -> None:
    world = world_with_ego(speed_mps=15.0)
    park(
        world,
        ActorSpec.obstacle("gantry", length_m=1.0, width_m=14.0, height_m=1.0, clearance_m=5.0),
        60.0,
        0.0,
    )
    park(world, ActorSpec.car("beyond"), 100.0, EGO_LANE_Y_M)
    pipeline = SensingPipeline(world, seed=1)
    frames = run(world, pipeline, 2.0)
    assert all(detection.actor_id != "gantry" for frame in frames for detection in frame.detections)
    assert all(track.actor_id != "gantry" for frame in frames for track in frame.tracks)
    last = frames[-1].tracks
    assert [track.actor_id for track in last] == ["beyond"]
    assert last[0].longitudinal_m == pytest.approx(100.0 - 2.25, abs=0.5)


def test_a_low_barrier_is_a_static_obstacle_in_the_path() -> None:
    world = world_with_ego()
    barrier = ActorSpec.obstacle("barrier", length_m=0.3, width_m=4.0, height_m=0.3, clearance_m=0.9)
    park(world, barrier, 40.0, EGO_LANE_Y_M)
    pipeline = SensingPipeline(world, seed=1)
    track = run(world, pipeline, 1.5)[-1].tracks[0]
    assert track.actor_id == "barrier"
    assert track.object_class == "STATIC_OBSTACLE"
    assert track.in_path
    assert track.longitudinal_m == pytest.approx(40.0 - 0.15, abs=0.5)
    assert math.isclose(track.ground_speed_mps, 0.0, abs_tol=0.5)
