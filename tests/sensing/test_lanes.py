"""Lane perception: marking offsets, headings, curvature and types against the true geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.sensing.scenes import EGO_HALF_LENGTH_M, road_world, run, sensor

from sdvkit.sensing import MarkingEstimate, PerceptionFrame, SensingPipeline
from sdvkit.world.actors import ActorSpec
from sdvkit.world.geometry import Pose
from sdvkit.world.road_builders import LaneLayout, curved_road, straight_road
from sdvkit.world.roads import MarkingType
from sdvkit.world.scene import World

LANE_M = 3.5
RADIUS_M = 200.0
APPROACH_M = 50.0
SPEED_MPS = 15.0


def _noise() -> tuple[float, float, float]:
    camera = sensor("FrontCamera").camera
    assert camera is not None
    return (
        camera.lane_offset_std_m,
        math.radians(camera.lane_heading_std_deg),
        camera.lane_curvature_std_per_m,
    )


def _markings(frames: list[PerceptionFrame]) -> list[tuple[MarkingEstimate, MarkingEstimate]]:
    pairs = []
    for frame in frames:
        assert frame.road is not None
        assert frame.road.left is not None
        assert frame.road.right is not None
        pairs.append((frame.road.left, frame.road.right))
    return pairs


def _place(world: World, bumper_x: float, bumper_y: float, heading: float, speed: float = 0.0) -> None:
    world.place_ego(
        ActorSpec.car("ego"),
        x_m=bumper_x - EGO_HALF_LENGTH_M * math.cos(heading),
        y_m=bumper_y - EGO_HALF_LENGTH_M * math.sin(heading),
        heading_rad=heading,
        speed_mps=speed,
    )


@pytest.mark.parametrize("speed_mps", [0.0, 15.0])
def test_offsets_on_a_straight_road_match_the_truth_within_the_noise(speed_mps: float) -> None:
    """Turned 2° to the left: standing 0.3 m left of the lane's centre, or drifting across the lane
    at 0.5 m/s (the measurement, 100 ms old, is carried to the present by the ego's motion)."""
    world = road_world()
    heading = math.radians(2.0)
    start_y = -1.45 if speed_mps == 0.0 else -2.6
    _place(world, 50.0, start_y, heading, speed_mps)
    ego = world.ego
    assert ego is not None

    def drive(t_s: float) -> tuple[Pose, float]:
        step = speed_mps * t_s
        return Pose(
            ego.x_m + step * math.cos(heading), ego.y_m + step * math.sin(heading), heading
        ), speed_mps

    frames = run(world, SensingPipeline(world, seed=2), 3.0, ego_path=drive)[4:]  # after the latency
    offset_std, heading_std, curvature_std = _noise()
    errors = []
    for frame, (left, right) in zip(frames, _markings(frames), strict=True):
        bumper_y = frame.truth.ego.y_m
        expected_left = -bumper_y / math.cos(heading)
        expected_right = (-LANE_M - bumper_y) / math.cos(heading)
        for marking, expected in ((left, expected_left), (right, expected_right)):
            errors.append(marking.lateral_offset_m - expected)
            assert marking.lateral_offset_m == pytest.approx(expected, abs=4 * offset_std)
            assert marking.heading_rad == pytest.approx(-heading, abs=4 * heading_std)
            assert marking.curvature_per_m == pytest.approx(0.0, abs=4 * curvature_std)
        assert (left.marking_type, right.marking_type) == ("DASHED", "SOLID")  # centre line, edge line
    assert abs(float(np.mean(errors))) < 3 * offset_std / math.sqrt(len(errors))  # no lag, no bias
    assert np.std(errors) == pytest.approx(offset_std, rel=0.3)
    road = frames[-1].road
    bumper_y = frames[-1].truth.ego.y_m
    assert road is not None
    assert road.left_edge_m == pytest.approx((LANE_M - bumper_y) / math.cos(heading), abs=0.6)
    assert road.right_edge_m == pytest.approx((-LANE_M - bumper_y) / math.cos(heading), abs=0.6)
    assert road.lane_width_m == pytest.approx(LANE_M, abs=0.2)


def _circle_crossing(bumper: tuple[float, float], heading: float, radius: float) -> tuple[float, float]:
    """Where the vehicle's y axis through the bumper meets the circle of the left curve (centre at
    (APPROACH_M, RADIUS_M)): the lateral offset, and the circle's heading there relative to the
    vehicle (counter-clockwise travel)."""
    normal = (-math.sin(heading), math.cos(heading))
    cx, cy = APPROACH_M, RADIUS_M
    dx, dy = bumper[0] - cx, bumper[1] - cy
    b = dx * normal[0] + dy * normal[1]
    c = dx * dx + dy * dy - radius * radius
    offset = min((-b + math.sqrt(b * b - c), -b - math.sqrt(b * b - c)), key=abs)
    px, py = bumper[0] + offset * normal[0], bumper[1] + offset * normal[1]
    tangent = math.atan2(py - cy, px - cx) + math.pi / 2
    return offset, math.remainder(tangent - heading, math.tau)


def test_offsets_headings_and_curvature_on_a_curve_match_the_truth_while_driving() -> None:
    road = curved_road(RADIUS_M, angle_rad=math.pi / 2, approach_m=APPROACH_M, exit_m=50.0)
    world = road_world(road)
    start_s = APPROACH_M + 20.0

    def centre(t_s: float) -> Pose:
        return road.lane_pose(-1, start_s + SPEED_MPS * t_s)

    pose = centre(0.0)
    world.place_ego(
        ActorSpec.car("ego"), x_m=pose.x_m, y_m=pose.y_m, heading_rad=pose.heading_rad, speed_mps=SPEED_MPS
    )
    frames = run(world, SensingPipeline(world, seed=8), 3.0, ego_path=lambda t: (centre(t), SPEED_MPS))[4:]
    offset_std, heading_std, curvature_std = _noise()
    for frame, (left, right) in zip(frames, _markings(frames), strict=True):
        ego = frame.truth.ego  # the bumper
        for marking, radius in ((left, RADIUS_M), (right, RADIUS_M + LANE_M)):
            offset, relative_heading = _circle_crossing((ego.x_m, ego.y_m), ego.heading_rad, radius)
            assert marking.lateral_offset_m == pytest.approx(offset, abs=4 * offset_std + 0.01)
            assert marking.heading_rad == pytest.approx(relative_heading, abs=4 * heading_std + 1e-3)
            assert marking.curvature_per_m == pytest.approx(1.0 / radius, abs=4 * curvature_std)
        assert left.lateral_offset_m == pytest.approx(LANE_M / 2, abs=0.2)
        assert relative_heading > 0.005  # the lane ahead of the bumper already turns left


def test_an_unmarked_road_has_no_markings_but_its_edges() -> None:
    layout = LaneLayout(
        center_marking=MarkingType.NONE,
        lane_marking=MarkingType.NONE,
        edge_marking=MarkingType.NONE,
        shoulder_width_m=1.0,
    )
    world = road_world(straight_road(length_m=500.0, layout=layout))
    _place(world, 50.0, -1.75, 0.0)
    road = run(world, SensingPipeline(world, seed=1), 0.5)[-1].road
    assert road is not None
    assert road.left is None
    assert road.right is None
    assert road.right_edge_m == pytest.approx(-(1.75 + 1.0), abs=0.6)  # the shoulder is road too
    assert road.left_edge_m == pytest.approx(1.75 + LANE_M + 1.0, abs=0.6)


def test_off_the_road_nothing_is_seen() -> None:
    world = road_world()
    _place(world, 50.0, 40.0, 0.0)
    assert run(world, SensingPipeline(world, seed=1), 0.5)[-1].road is None
