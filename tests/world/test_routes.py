"""Routes that chain lanes through junctions: a turn across path on the Euro NCAP X-intersection."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from sdvkit.world.actors import ActorSpec, ScriptedMotion, SpeedProfile
from sdvkit.world.errors import ActorError, RoadError
from sdvkit.world.network import RoadNetwork
from sdvkit.world.opendrive import read_opendrive
from sdvkit.world.road_builders import x_intersection
from sdvkit.world.routes import LinkedLaneRoute
from sdvkit.world.scene import World

NCAP = Path(__file__).resolve().parents[2].parent / "shared" / "ncap" / "OpenDRIVE" / "NCAP"
DT = 0.01
# In X-Intersection_NCAP.xodr road 0 comes from the west along +x and ends at the junction
# (x = 250); connecting road 4 turns left from it onto road 1, whose lane 1 leaves northwards.
# Oncoming traffic comes from road 2 (east) on lane 1, straight on over road 8 into road 0.
LEFT_TURN = (("0", -1), ("4", -1), ("1", 1))
ONCOMING = (("2", 1), ("8", 1), ("0", 1))


def ncap_junction() -> RoadNetwork:
    path = NCAP / "X-Intersection_NCAP.xodr"
    if not path.exists():
        pytest.skip(f"{path} is not there")
    return read_opendrive(path)


class TestLinkedLaneRoute:
    def test_left_turn_on_the_ncap_junction(self) -> None:
        network = ncap_junction()
        assert LEFT_TURN[1] in network.next_lanes(*LEFT_TURN[0])
        assert LEFT_TURN[2] in network.next_lanes(*LEFT_TURN[1])
        route = LinkedLaneRoute(network=network, lanes=LEFT_TURN)
        turn = network.road("4")
        radius = 1.0 / turn.curvature_at(0.0) + 1.75  # lane -1's centre, outside the arc
        assert route.length_m == pytest.approx(250.0 + radius * math.pi / 2 + 250.0, abs=1e-3)
        assert tuple(route.pose_at(0.0)) == pytest.approx((0.0, -1.75, 0.0))
        x, y, heading = route.pose_at(route.length_m)
        road1_start = network.road("1").pose_at(0.0)
        assert (x, y) == pytest.approx((road1_start.x_m + 1.75, road1_start.y_m))
        assert math.sin(heading) == pytest.approx(1.0)  # north
        # arc length along the lanes: equal steps of d are equal steps on the ground, headings smooth
        poses = [route.pose_at(0.5 * i) for i in range(math.floor(route.length_m / 0.5) + 1)]
        for before, after in itertools.pairwise(poses):
            assert math.hypot(after.x_m - before.x_m, after.y_m - before.y_m) == pytest.approx(0.5, abs=1e-3)
            assert abs(math.remainder(after.heading_rad - before.heading_rad, math.tau)) < 0.5 / radius + 1e-6
        for d in (10.0, 255.0, 262.0, 300.0):
            pose = route.pose_at(d)
            assert route.project(pose.x_m, pose.y_m) == pytest.approx((d, 0.0), abs=1e-3)

    def test_offset_and_beyond_the_ends(self) -> None:
        network = ncap_junction()
        route = LinkedLaneRoute(network=network, lanes=LEFT_TURN, offset_m=0.5)
        assert tuple(route.pose_at(0.0)) == pytest.approx((0.0, -1.25, 0.0))
        end = route.pose_at(route.length_m)
        assert tuple(route.pose_at(route.length_m + 5.0))[:2] == pytest.approx((end.x_m, end.y_m + 5.0))
        assert tuple(route.pose_at(-5.0)) == pytest.approx((-5.0, -1.25, 0.0))
        assert route.project(125.0, -1.75) == pytest.approx((125.0, -0.5))
        assert route.project(-100.0, -100.0) is None

    def test_scripted_turn_across_path(self) -> None:
        """A target turns left across the path of an oncoming car: they meet in the junction."""
        network = ncap_junction()
        world = World(network)
        turning = LinkedLaneRoute(network=network, lanes=LEFT_TURN)
        oncoming = LinkedLaneRoute(network=network, lanes=ONCOMING)
        world.add_actor(
            ActorSpec.car("turning"),
            ScriptedMotion(route=turning, profile=SpeedProfile.constant(20 / 3.6), start_distance_m=200.0),
        )
        world.add_actor(
            ActorSpec.car("oncoming"),
            ScriptedMotion(route=oncoming, profile=SpeedProfile.constant(30 / 3.6), start_distance_m=170.0),
        )
        headings = []
        for _ in range(round(20.0 / DT)):
            world.step(DT)
            headings.append(world.actor("turning").heading_rad)
        assert [event.first_id + "/" + event.second_id for event in world.collisions] == ["oncoming/turning"]
        assert world.actor("turning").speed_mps == pytest.approx(20 / 3.6)
        assert math.sin(headings[0]) == pytest.approx(0.0, abs=1e-9)
        assert math.sin(headings[-1]) == pytest.approx(1.0)  # it drove off northwards

    def test_lanes_must_be_linked(self) -> None:
        network = x_intersection(arm_length_m=50.0)
        with pytest.raises(
            ActorError, match=r"lane 1 of road 'west' does not lead to lane 1 of road 'west-east'"
        ):
            LinkedLaneRoute(network=network, lanes=(("west", 1), ("west-east", 1)))
        with pytest.raises(ActorError, match="at least one"):
            LinkedLaneRoute(network=network, lanes=())
        with pytest.raises(RoadError, match="no road 'nowhere'"):
            LinkedLaneRoute(network=network, lanes=(("nowhere", 1),))
        route = LinkedLaneRoute(network=network, lanes=(("west", 1), ("west-east", -1), ("east", -1)))
        assert route.length_m == pytest.approx(50.0 + network.road("west-east").length_m + 50.0, abs=1e-6)
