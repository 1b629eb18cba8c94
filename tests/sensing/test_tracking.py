"""Tracking and fusion: confirmation, coasting and deletion, stable ids, fused class and existence,
accuracy of the filtered state, ego-motion compensation and the order of the slots."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.sensing.scenes import EGO_LANE_Y_M, park, run, straight_ahead, world_with_ego

from sdvkit.sensing import FusedTrack, PerceptionFrame, SensingPipeline, TrackerSpec
from sdvkit.world.actors import ActorSpec, PolylinePath, ScriptedMotion, SpeedProfile
from sdvkit.world.geometry import Pose
from sdvkit.world.scene import World


def _track(tracks: tuple[FusedTrack, ...], actor_id: str) -> FusedTrack | None:
    return next((track for track in tracks if track.actor_id == actor_id), None)


def test_a_track_is_confirmed_after_three_hits_keeps_its_id_and_coasts_before_it_is_dropped() -> None:
    spec = TrackerSpec()
    world = world_with_ego()
    pipeline = SensingPipeline(world, seed=1, tracker=spec)
    run(world, pipeline, 0.2)
    park(world, ActorSpec.car("target"), 40.0, EGO_LANE_Y_M)
    appeared_s = world.time_s
    frames = run(world, pipeline, 1.5)
    first_delivery = min(f.time_s for f in frames if any(d.actor_id == "target" for d in f.detections))
    first_track = min(f.time_s for f in frames if _track(f.tracks, "target") is not None)
    assert first_delivery == pytest.approx(appeared_s + 2 * 0.05)  # scanned next cycle, 50 ms latency
    assert first_track == pytest.approx(first_delivery + (spec.confirm_hits - 1) * 0.05)
    ids = {track.id for frame in frames for track in frame.tracks}
    assert len(ids) == 1
    assert 0 not in ids

    world.remove_actor("target")
    removed_s = world.time_s
    after = run(world, pipeline, 1.0)
    last_seen = max((f.time_s for f in after if _track(f.tracks, "target") is not None), default=removed_s)
    coasted = round((last_seen - removed_s) / 0.05)
    # the camera still delivers what it measured before; then the track coasts, then it is gone
    assert spec.max_coast_cycles <= coasted <= spec.max_coast_cycles + 3
    assert after[-1].tracks == ()

    park(world, ActorSpec.car("second"), 30.0, EGO_LANE_Y_M)
    again = run(world, pipeline, 0.5)[-1].tracks
    assert [track.actor_id for track in again] == ["second"]
    assert again[0].id not in ids  # ids are never reused


def test_radar_and_camera_fuse_into_one_classified_track_more_certain_than_radar_alone() -> None:
    world = world_with_ego()
    park(world, ActorSpec.car("near"), 50.0, EGO_LANE_Y_M)
    park(world, ActorSpec.car("far"), 160.0, EGO_LANE_Y_M + 3.5)  # beyond the camera, one lane left
    park(world, ActorSpec.pedestrian("walker"), 30.0, EGO_LANE_Y_M + 4.0)
    pipeline = SensingPipeline(world, seed=4)
    frames = run(world, pipeline, 2.0)
    tracks = frames[-1].tracks
    near, far, walker = (_track(tracks, name) for name in ("near", "far", "walker"))
    assert near is not None
    assert far is not None
    assert walker is not None
    assert len(tracks) == 3  # one track per object, however many sensors see it
    assert {"FrontRadar", "FrontCamera"} <= set(near.sensors)
    assert near.object_class == "CAR"
    assert walker.object_class == "PEDESTRIAN"
    assert far.sensors == ("FrontRadar",)
    assert far.object_class == "CAR"  # radar only: its cross-section says car-sized
    # at the cycle each was confirmed, the fused track is surer than the radar-only one
    confirmed = {}
    for frame in frames:
        for track in frame.tracks:
            confirmed.setdefault(track.actor_id, track.existence_pct)
    assert confirmed["near"] > confirmed["far"] > 50.0


def test_an_object_only_a_radar_sees_and_too_small_for_a_car_is_unknown() -> None:
    world = world_with_ego()
    park(world, ActorSpec.pedestrian("walker"), 60.0, EGO_LANE_Y_M)
    world_night = world  # by night the camera sees a pedestrian only to about 40 m
    pipeline = SensingPipeline(world_night, seed=2, lighting="night")
    track = _track(run(world, pipeline, 2.0)[-1].tracks, "walker")
    assert track is not None
    assert track.sensors == ("FrontRadar",)
    assert track.object_class == "UNKNOWN"


def _follow(
    ego_speed_mps: float, lead_speed_mps: float, seconds: float
) -> tuple[World, list[PerceptionFrame]]:
    world = world_with_ego(speed_mps=ego_speed_mps)
    lane = PolylinePath(waypoints=((60.0, EGO_LANE_Y_M), (3000.0, EGO_LANE_Y_M)))
    world.add_actor(
        ActorSpec.car("lead"), ScriptedMotion(route=lane, profile=SpeedProfile.constant(lead_speed_mps))
    )
    pipeline = SensingPipeline(world, seed=6)
    return world, run(world, pipeline, seconds, ego_path=straight_ahead(world, ego_speed_mps))


def test_a_followed_car_is_tracked_to_within_half_a_metre_and_a_few_tenths_of_a_metre_per_second() -> None:
    world, frames = _follow(ego_speed_mps=20.0, lead_speed_mps=12.0, seconds=4.0)
    lateral_velocities = []
    for frame in frames[-40:]:
        track = _track(frame.tracks, "lead")
        assert track is not None
        lead = frame.truth.objects[0]
        assert track.longitudinal_m == pytest.approx(lead.longitudinal_m, abs=0.5)
        assert track.y_m == pytest.approx(lead.y_m, abs=0.3)
        assert track.longitudinal_velocity_mps == pytest.approx(-8.0, abs=0.3)
        assert track.ground_speed_mps == pytest.approx(12.0, abs=0.6)
        assert abs(track.heading_rad) < math.radians(5.0)
        assert track.in_path
        lateral_velocities.append(track.lateral_velocity_mps)
    # the lateral velocity comes from positions alone (no Doppler across): noisier, but unbiased
    assert abs(float(np.mean(lateral_velocities))) < 0.15
    assert float(np.sqrt(np.mean(np.square(lateral_velocities)))) < 0.45
    assert track.length_m == pytest.approx(4.5, abs=0.3)
    assert track.width_m == pytest.approx(1.8, abs=0.2)
    assert world.gap_m("lead") == pytest.approx(frames[-1].truth.objects[0].longitudinal_m, abs=1e-6)


class _Braking:
    """The ego brakes at 5 m/s² from 20 m/s while turning left at 5 °/s: its pose, integrated."""

    def __init__(self, world: World) -> None:
        ego = world.ego
        assert ego is not None
        self.start = (ego.x_m, ego.y_m, ego.heading_rad)

    def __call__(self, t_s: float) -> tuple[Pose, float]:
        x, y, _ = self.start
        steps = 200
        dt = t_s / steps
        for index in range(steps):
            speed = 20.0 - 5.0 * (index + 0.5) * dt
            heading_mid = math.radians(5.0) * (index + 0.5) * dt
            x += speed * dt * math.cos(heading_mid)
            y += speed * dt * math.sin(heading_mid)
        return Pose(x, y, math.radians(5.0) * t_s), 20.0 - 5.0 * t_s


def test_a_standing_car_stays_standing_while_the_ego_brakes_and_turns() -> None:
    """The ego's own motion is compensated: the standing target keeps about zero ground speed and
    its relative position and velocity follow the truth."""
    world = world_with_ego(speed_mps=20.0)
    park(world, ActorSpec.car("standing"), 70.0, EGO_LANE_Y_M + 3.0)
    pipeline = SensingPipeline(world, seed=9)
    frames = run(world, pipeline, 2.5, ego_path=_Braking(world))
    lateral_errors = []
    for frame in frames[-20:]:
        track = _track(frame.tracks, "standing")
        assert track is not None
        target = next(obj for obj in frame.truth.objects if obj.actor_id == "standing")
        assert track.ground_speed_mps < 0.6
        assert track.longitudinal_velocity_mps == pytest.approx(target.vx_mps, abs=0.4)
        assert track.longitudinal_m == pytest.approx(target.longitudinal_m, abs=0.5)
        assert track.y_m == pytest.approx(target.y_m, abs=0.4)
        lateral_errors.append(track.lateral_velocity_mps - target.vy_mps)
    assert abs(float(np.mean(lateral_errors))) < 0.25
    assert float(np.sqrt(np.mean(np.square(lateral_errors)))) < 0.45


def test_an_object_in_the_path_comes_first_even_behind_a_nearer_one_beside_it() -> None:
    world = world_with_ego()
    park(world, ActorSpec.car("beside"), 12.0, EGO_LANE_Y_M + 3.5)
    park(world, ActorSpec.car("ahead"), 35.0, EGO_LANE_Y_M)
    park(world, ActorSpec.car("behind"), -15.0, EGO_LANE_Y_M)
    tracks = run(world, SensingPipeline(world, seed=3), 1.5)[-1].tracks
    assert [track.actor_id for track in tracks] == ["ahead", "beside", "behind"]
    assert [track.in_path for track in tracks] == [True, False, False]
    assert tracks[2].longitudinal_m == pytest.approx(-15.0 + 2.25, abs=0.6)  # its front, behind the bumper
