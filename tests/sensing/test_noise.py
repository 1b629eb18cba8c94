"""Randomness and time: seeded reproducibility, noise statistics, class confusion, night, latency."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.sensing.scenes import EGO_LANE_Y_M, park, run, sensor, straight_ahead, truth, world_with_ego

from sdvkit.sensing import SensingPipeline, SensingSetupError, SensorModel
from sdvkit.world.actors import ActorSpec, PolylinePath, ScriptedMotion, SpeedProfile, Stationary
from sdvkit.world.scene import World

SCANS = 3000


def _busy_world() -> World:
    world = world_with_ego(speed_mps=12.0)
    park(world, ActorSpec.car("parked"), 30.0, EGO_LANE_Y_M - 3.5)
    path = PolylinePath(waypoints=((60.0, EGO_LANE_Y_M), (2000.0, EGO_LANE_Y_M)))
    world.add_actor(ActorSpec.car("lead"), ScriptedMotion(route=path, profile=SpeedProfile.constant(8.0)))
    crossing = PolylinePath(waypoints=((45.0, 6.0), (45.0, -10.0)))
    world.add_actor(
        ActorSpec.pedestrian("walker"), ScriptedMotion(route=crossing, profile=SpeedProfile.constant(1.4))
    )
    return world


def _perceive(seed: int) -> list[tuple[object, ...]]:
    world = _busy_world()
    pipeline = SensingPipeline(world, seed=seed)
    frames = run(world, pipeline, 3.0, ego_path=straight_ahead(world, 12.0))
    return [(frame.tracks, frame.road, frame.detections) for frame in frames]


def test_the_same_seed_gives_the_same_perception_and_another_seed_does_not() -> None:
    first = _perceive(seed=5)
    assert any(tracks for tracks, _, _ in first)
    assert _perceive(seed=5) == first
    assert _perceive(seed=6) != first


def _scans(world: World, name: str, *, night: bool = False, count: int = SCANS) -> list[list[object]]:
    model = SensorModel(sensor(name), np.random.default_rng(11), night=night)
    frame = truth(world)
    return [model.scan(frame) for _ in range(count)]  # type: ignore[misc]


def test_radar_noise_matches_its_spec() -> None:
    spec = sensor("FrontRadar")
    world = world_with_ego(speed_mps=10.0)
    park(world, ActorSpec.car("target"), 60.0 + 2.25, EGO_LANE_Y_M + 3.0)
    model = SensorModel(spec, np.random.default_rng(11))
    frame = truth(world)
    target = frame.objects[0]
    mount = spec.mounting
    true_range = math.hypot(target.x_m - mount.x_m, target.y_m - mount.y_m)
    true_azimuth = math.atan2(target.y_m - mount.y_m, target.x_m - mount.x_m)
    true_rate = -10.0 * math.cos(true_azimuth)  # the ego closes at 10 m/s on a standing car
    ranges, azimuths, rates = [], [], []
    hits = 0
    for _ in range(SCANS):
        for detection in model.scan(frame):
            hits += 1
            ranges.append(math.hypot(detection.x_m - mount.x_m, detection.y_m - mount.y_m) - true_range)
            azimuths.append(math.atan2(detection.y_m - mount.y_m, detection.x_m - mount.x_m) - true_azimuth)
            assert detection.range_rate_mps is not None
            rates.append(detection.range_rate_mps - true_rate)
    noise = spec.noise
    assert noise.range_rate_std_mps is not None
    assert np.std(ranges) == pytest.approx(noise.range_std_m, rel=0.08)
    assert np.std(azimuths) == pytest.approx(math.radians(noise.azimuth_std_deg), rel=0.08)
    assert np.std(rates) == pytest.approx(noise.range_rate_std_mps, rel=0.08)
    for errors, std in ((ranges, noise.range_std_m), (rates, noise.range_rate_std_mps)):
        assert abs(np.mean(errors)) < 4 * std / math.sqrt(len(errors))  # unbiased
    # 60 m is well within the 200 m lobe: the nominal detection probability
    expected = spec.detection.nominal
    assert hits / SCANS == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / SCANS))


def test_camera_range_noise_grows_with_range() -> None:
    spec = sensor("FrontCamera")
    stds = []
    for distance_m in (20.0, 60.0):
        world = world_with_ego()
        park(world, ActorSpec.car("target"), distance_m + 2.25, EGO_LANE_Y_M)
        mount = spec.mounting
        frame = truth(world)
        centre = frame.objects[0]
        true_range = math.hypot(centre.x_m - mount.x_m, centre.y_m - mount.y_m)
        model = SensorModel(spec, np.random.default_rng(2))
        errors = [
            math.hypot(d.x_m - mount.x_m, d.y_m - mount.y_m) - true_range
            for _ in range(SCANS // 2)
            for d in model.scan(frame)
        ]
        assert np.std(errors) == pytest.approx(spec.noise.range_std_at(true_range), rel=0.1)
        stds.append(np.std(errors))
    assert stds[1] > 2 * stds[0]


def test_the_camera_confuses_cyclists_with_pedestrians_at_its_seeded_rate() -> None:
    world = world_with_ego()
    park(world, ActorSpec.cyclist("rider"), 20.0, EGO_LANE_Y_M - 1.0)
    classes = [d.object_class for scan in _scans(world, "FrontCamera") for d in scan]  # type: ignore[attr-defined]
    confusion = next(c for c in sensor("FrontCamera").camera.confusions if c.true_class == "CYCLIST")  # type: ignore[union-attr]
    rate = classes.count("PEDESTRIAN") / len(classes)
    tolerance = 4 * math.sqrt(confusion.probability * (1 - confusion.probability) / len(classes))
    assert rate == pytest.approx(confusion.probability, abs=tolerance)
    assert classes.count("CYCLIST") + classes.count("PEDESTRIAN") == len(classes)
    # radar never classifies
    assert all(d.object_class is None for scan in _scans(world, "FrontRadar", count=50) for d in scan)  # type: ignore[attr-defined]


def _camera_rate(world: World, actor_id: str, *, night: bool) -> float:
    scans = _scans(world, "FrontCamera", night=night, count=600)
    return sum(any(d.actor_id == actor_id for d in scan) for scan in scans) / len(scans)  # type: ignore[attr-defined]


def test_at_night_the_camera_sees_pedestrians_nearer_and_less_often_but_cars_as_by_day() -> None:
    far = world_with_ego()
    park(far, ActorSpec.pedestrian("walker", width_m=0.5), 45.0, EGO_LANE_Y_M)
    assert _camera_rate(far, "walker", night=False) > 0.9
    assert _camera_rate(far, "walker", night=True) == 0.0
    near = world_with_ego()
    park(near, ActorSpec.pedestrian("walker"), 15.0, EGO_LANE_Y_M)
    night = sensor("FrontCamera").camera.night  # type: ignore[union-attr]
    expected = sensor("FrontCamera").detection.nominal * night.detection_factor
    assert _camera_rate(near, "walker", night=True) == pytest.approx(expected, abs=0.07)
    car = world_with_ego()
    park(car, ActorSpec.car("car"), 60.0, EGO_LANE_Y_M)
    assert _camera_rate(car, "car", night=True) == pytest.approx(
        _camera_rate(car, "car", night=False), abs=0.05
    )


def test_oncoming_headlights_at_night_dazzle_the_camera_near_their_bearing() -> None:
    world = world_with_ego()
    park(world, ActorSpec.pedestrian("walker"), 20.0, EGO_LANE_Y_M + 1.6)
    alone = _camera_rate(world, "walker", night=True)
    world.add_actor(
        ActorSpec.car("oncoming"), Stationary(x_m=45.0, y_m=EGO_LANE_Y_M + 3.5, heading_rad=math.pi)
    )
    dazzled = _camera_rate(world, "walker", night=True)
    factor = sensor("FrontCamera").camera.night.glare_detection_factor  # type: ignore[union-attr]
    assert dazzled == pytest.approx(alone * factor, abs=0.08)


def test_a_step_change_reaches_each_sensor_output_after_its_latency() -> None:
    world = world_with_ego()
    spec = ActorSpec.car("target")
    park(world, spec, 60.0, EGO_LANE_Y_M)
    pipeline = SensingPipeline(world, seed=4)
    run(world, pipeline, 1.0)
    jump_s = world.time_s  # the target jumps 30 m nearer now, before the next scans
    world.remove_actor("target")
    world.add_actor(spec, Stationary(x_m=30.0, y_m=EGO_LANE_Y_M))
    frames = run(world, pipeline, 0.5)
    for name in ("FrontRadar", "FrontCamera"):
        latency = sensor(name).latency_s
        phases = set()
        for frame in frames:
            positions = [d.x_m for d in frame.detections if d.sensor == name]
            for x_m in positions:
                # a detection shows the new place exactly when it was measured after the jump,
                # and it is delivered a latency after it was measured
                after_jump = frame.time_s - latency >= jump_s + 0.04
                phases.add(after_jump)
                assert (x_m < 45.0) == after_jump, (name, frame.time_s, x_m)
            for detection in frame.detections:
                assert frame.time_s - detection.time_s == pytest.approx(sensor(detection.sensor).latency_s)
        assert phases == {False, True}, name  # it saw the old place first, then the new one


def test_bad_pipeline_arguments_are_refused() -> None:
    world = world_with_ego()
    with pytest.raises(SensingSetupError, match="lighting"):
        SensingPipeline(world, lighting="dusk")
    with pytest.raises(SensingSetupError, match="seed"):
        SensingPipeline(world, seed=-1)
    with pytest.raises(SensingSetupError, match="twice"):
        SensingPipeline(world, suite=(sensor("FrontRadar"), sensor("FrontRadar")))
    with pytest.raises(SensingSetupError, match="no sensor 'Lidar'"):
        SensingPipeline(world).set_blocked("Lidar", True)
    with pytest.raises(SensingSetupError, match="no ego"):
        SensingPipeline(World()).step(0.0)
