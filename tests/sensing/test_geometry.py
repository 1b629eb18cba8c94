"""Sensor specs and geometry: the default suite, fields of view, ranges, mountings, bad specs."""

from __future__ import annotations

import dataclasses
import math

import pytest
from tests.sensing.scenes import EGO_LANE_Y_M, park, scan, sensor, world_with_ego

from sdvkit.sensing import (
    DetectionProbability,
    Lobe,
    Mounting,
    Noise,
    SensorKind,
    SensorSpec,
    SensorSpecError,
    TrackerSpec,
    default_suite,
)
from sdvkit.signals.builtin.perception import PERCEPTION_SENSORS
from sdvkit.world.actors import ActorSpec


def _at_bearing(range_m: float, bearing_deg: float) -> tuple[float, float]:
    """A point ``range_m`` from the front bumper's middle at ``bearing_deg`` (ego at the origin)."""
    bearing = math.radians(bearing_deg)
    return range_m * math.cos(bearing), EGO_LANE_Y_M + range_m * math.sin(bearing)


def _sees(name: str, x_m: float, y_m: float, spec: ActorSpec | None = None) -> bool:
    """Whether the named sensor detects an object there in any of 20 scans (misses aside)."""
    world = world_with_ego()
    park(world, spec or ActorSpec.car("target"), x_m, y_m)
    return any(scan(world, name, seed=seed) for seed in range(20))


def test_the_default_suite_is_the_six_sensors_the_perception_branch_names() -> None:
    suite = default_suite()
    assert tuple(spec.name for spec in suite) == PERCEPTION_SENSORS
    kinds = {spec.name: spec.kind for spec in suite}
    assert kinds["FrontCamera"] is SensorKind.CAMERA
    assert all(kind is SensorKind.RADAR for name, kind in kinds.items() if name != "FrontCamera")
    camera = sensor("FrontCamera")
    radar = sensor("FrontRadar")
    assert camera.latency_s > radar.latency_s  # the camera is the slow one
    assert radar.max_range_m > camera.max_range_m > sensor("CornerRadarFrontLeft").max_range_m


def test_rear_corner_radars_sit_at_the_rear_of_the_vehicle_they_are_fitted_to() -> None:
    short = {spec.name: spec for spec in default_suite(vehicle_length_m=4.0, vehicle_width_m=1.7)}
    long = {spec.name: spec for spec in default_suite(vehicle_length_m=5.0, vehicle_width_m=2.0)}
    assert long["CornerRadarRearLeft"].mounting.x_m == pytest.approx(
        short["CornerRadarRearLeft"].mounting.x_m - 1.0
    )
    assert long["CornerRadarRearLeft"].mounting.y_m > short["CornerRadarRearLeft"].mounting.y_m
    assert short["CornerRadarRearRight"].mounting.yaw_deg == -135.0


def test_the_front_radar_sees_far_on_its_axis_and_wide_only_near() -> None:
    assert _sees("FrontRadar", *_at_bearing(150.0, 0.0))
    assert not _sees("FrontRadar", *_at_bearing(150.0, 20.0))  # outside the narrow lobe
    assert _sees("FrontRadar", *_at_bearing(40.0, 30.0))  # inside the near-field lobe
    assert not _sees("FrontRadar", *_at_bearing(90.0, 30.0))  # the near-field lobe is short
    assert not _sees("FrontRadar", *_at_bearing(40.0, 60.0))
    assert not _sees("FrontRadar", *_at_bearing(230.0, 0.0))  # beyond every lobe
    assert not _sees("FrontRadar", -30.0, EGO_LANE_Y_M)  # behind


def test_the_camera_sees_within_its_angle_and_range() -> None:
    assert _sees("FrontCamera", *_at_bearing(80.0, 10.0))
    assert not _sees("FrontCamera", *_at_bearing(80.0, 35.0))
    assert not _sees("FrontCamera", *_at_bearing(140.0, 0.0))


def test_corner_radars_cover_the_sides_and_the_rear_from_their_corners() -> None:
    behind_left = (-25.0, EGO_LANE_Y_M + 3.5)
    assert _sees("CornerRadarRearLeft", *behind_left)
    assert not _sees("CornerRadarRearRight", -10.0, EGO_LANE_Y_M + 8.0)  # on the other side
    assert not _sees("CornerRadarFrontLeft", *behind_left)
    assert _sees("CornerRadarFrontRight", 10.0, EGO_LANE_Y_M - 6.0)
    assert not _sees("CornerRadarRearLeft", -100.0, EGO_LANE_Y_M + 3.5)  # beyond 80 m


def test_a_detection_is_where_the_object_is_from_a_mounting_off_the_bumper() -> None:
    world = world_with_ego()
    park(world, ActorSpec.car("behind"), -20.0, EGO_LANE_Y_M + 3.5)
    detections = [d for seed in range(10) for d in scan(world, "CornerRadarRearLeft", seed=seed)]
    assert detections
    for detection in detections:
        # the box's centre, in the vehicle frame (origin at the front bumper's middle)
        assert detection.x_m == pytest.approx(-20.0, abs=0.8)
        assert detection.y_m == pytest.approx(3.5, abs=0.8)
        assert detection.sensor == "CornerRadarRearLeft"
        assert detection.actor_id == "behind"


def test_small_objects_are_seen_only_nearer_by_a_radar() -> None:
    far = _at_bearing(120.0, 0.0)
    assert _sees("FrontRadar", *far, spec=ActorSpec.car("car"))
    assert not _sees("FrontRadar", *far, spec=ActorSpec.pedestrian("walker"))
    assert _sees("FrontRadar", *_at_bearing(50.0, 0.0), spec=ActorSpec.pedestrian("walker"))


def test_detection_probability_falls_near_the_range_limit() -> None:
    probability = DetectionProbability(nominal=0.9, at_max_range=0.3, falloff_start=0.5)
    assert probability.at(10.0, 100.0) == 0.9
    assert probability.at(75.0, 100.0) == pytest.approx(0.6)
    assert probability.at(100.0, 100.0) == pytest.approx(0.3)
    assert probability.at(100.1, 100.0) == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"latency_s": -0.1}, "latency_s"),
        ({"update_rate_hz": 0.0}, "update_rate_hz"),
        ({"lobes": ()}, "lobes"),
        ({"kind": "lidar"}, "kind"),
        ({"min_visible_fraction": 1.5}, "min_visible_fraction"),
        ({"class_range_factors": (("BUS", 0.5),)}, "class_range_factors"),
        ({"camera": None, "kind": SensorKind.CAMERA}, "CameraModel"),
        ({"noise": Noise(range_std_m=0.1, azimuth_std_deg=0.1)}, "range_rate_std_mps"),
    ],
)
def test_a_bad_sensor_spec_is_refused_naming_the_sensor_and_field(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(SensorSpecError, match=message) as raised:
        dataclasses.replace(sensor("FrontRadar"), **change)  # type: ignore[arg-type]
    assert "'FrontRadar'" in str(raised.value)


def test_bad_geometry_and_tracker_parameters_are_refused() -> None:
    with pytest.raises(SensorSpecError, match="half_angle_deg"):
        Lobe(half_angle_deg=0.0, max_range_m=10.0)
    with pytest.raises(SensorSpecError, match="max_range_m"):
        Lobe(half_angle_deg=10.0, max_range_m=math.nan)
    with pytest.raises(SensorSpecError, match="height_m"):
        Mounting(x_m=0.0, y_m=0.0, height_m=0.0)
    with pytest.raises(SensorSpecError, match="confirm_hits"):
        TrackerSpec(confirm_hits=5, confirm_window=4)
    with pytest.raises(SensorSpecError, match="at_max_range"):
        DetectionProbability(nominal=0.5, at_max_range=0.9)
    with pytest.raises(SensorSpecError, match="name"):
        dataclasses.replace(sensor("FrontRadar"), name="")
    assert isinstance(sensor("FrontRadar"), SensorSpec)
