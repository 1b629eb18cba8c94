"""Road geometry and lanes: segments, projection, lane membership, markings, builders, the network."""

from __future__ import annotations

import math

import pytest

from sdvkit.world.errors import RoadError
from sdvkit.world.geometry import Arc, Line, ParamPoly3, Poly3, ReferenceLine, Segment, Spiral
from sdvkit.world.road_builders import LaneLayout, curved_road, straight_road, x_intersection
from sdvkit.world.roads import (
    ContactPoint,
    Cubic,
    ElementType,
    JunctionConnection,
    Lane,
    LaneSection,
    LaneType,
    MarkingType,
    Road,
    RoadLink,
    RoadMark,
    RoadNetwork,
)


def _numeric_end(heading_of: object, length_m: float, steps: int = 200_000) -> tuple[float, float]:
    """Midpoint-rule integration of (cos θ(s), sin θ(s)): an independent reference."""
    assert callable(heading_of)
    h = length_m / steps
    x = y = 0.0
    for i in range(steps):
        theta = heading_of((i + 0.5) * h)
        x += h * math.cos(theta)
        y += h * math.sin(theta)
    return x, y


def _chain() -> ReferenceLine:
    """Line, spiral (0 → 1/100), arc (1/100), paramPoly3 straight: continuous in pose."""
    line = Line(s_m=0.0, x_m=0.0, y_m=0.0, heading_rad=0.0, length_m=50.0)
    x, y, h = line.pose_at(50.0)
    spiral = Spiral(
        s_m=50.0,
        x_m=x,
        y_m=y,
        heading_rad=h,
        length_m=30.0,
        curvature_start_per_m=0.0,
        curvature_end_per_m=0.01,
    )
    x, y, h = spiral.pose_at(30.0)
    arc = Arc(s_m=80.0, x_m=x, y_m=y, heading_rad=h, length_m=50.0, curvature_per_m=0.01)
    x, y, h = arc.pose_at(50.0)
    poly = ParamPoly3(s_m=130.0, x_m=x, y_m=y, heading_rad=h, length_m=20.0, bu=20.0, p_range="normalized")
    return ReferenceLine(segments=(line, spiral, arc, poly))


class TestSegments:
    def test_quarter_arc_ends_where_the_circle_says(self) -> None:
        left = Arc(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=50 * math.pi, curvature_per_m=0.01)
        x, y, heading = left.pose_at(50 * math.pi)
        assert (x, y, heading) == pytest.approx((100.0, 100.0, math.pi / 2), abs=1e-9)
        right = Arc(s_m=0, x_m=5, y_m=5, heading_rad=math.pi / 2, length_m=10 * math.pi, curvature_per_m=-0.1)
        x, y, heading = right.pose_at(10 * math.pi)  # half circle of radius 10, turning right
        assert (x, y, heading) == pytest.approx((25.0, 5.0, -math.pi / 2), abs=1e-9)

    def test_arc_projection_inverts_pose(self) -> None:
        arc = Arc(s_m=0, x_m=1, y_m=2, heading_rad=0.3, length_m=40, curvature_per_m=-0.02)
        for ds in (0.0, 7.5, 20.0, 40.0):
            for t in (-3.0, 0.0, 4.0):
                x, y, h = arc.pose_at(ds)
                point = (x - t * math.sin(h), y + t * math.cos(h))
                assert arc.project(*point) == pytest.approx((ds, t), abs=1e-9)

    def test_spiral_matches_an_independent_integration(self) -> None:
        spiral = Spiral(
            s_m=0,
            x_m=0,
            y_m=0,
            heading_rad=0,
            length_m=60,
            curvature_start_per_m=0.0,
            curvature_end_per_m=0.05,
        )
        rate = 0.05 / 60
        x, y = _numeric_end(lambda s: 0.5 * rate * s * s, 60.0)
        end = spiral.pose_at(60.0)
        assert (end.x_m, end.y_m) == pytest.approx((x, y), abs=1e-6)
        assert end.heading_rad == pytest.approx(0.5 * 0.05 * 60)
        assert spiral.curvature_at(30.0) == pytest.approx(0.025)

    def test_spiral_of_constant_curvature_is_an_arc(self) -> None:
        spiral = Spiral(
            s_m=0,
            x_m=0,
            y_m=0,
            heading_rad=1.0,
            length_m=25,
            curvature_start_per_m=0.04,
            curvature_end_per_m=0.04,
        )
        arc = Arc(s_m=0, x_m=0, y_m=0, heading_rad=1.0, length_m=25, curvature_per_m=0.04)
        for ds in (0.0, 3.3, 12.0, 25.0):
            assert tuple(spiral.pose_at(ds)) == pytest.approx(tuple(arc.pose_at(ds)), abs=1e-9)

    def test_param_poly3_line_in_both_parameter_ranges(self) -> None:
        normalized = ParamPoly3(s_m=0, x_m=1, y_m=1, heading_rad=math.pi / 2, length_m=10, bu=10.0)
        by_length = ParamPoly3(
            s_m=0, x_m=1, y_m=1, heading_rad=math.pi / 2, length_m=10, bu=1.0, p_range="arcLength"
        )
        for segment in (normalized, by_length):
            assert tuple(segment.pose_at(4.0)) == pytest.approx((1.0, 5.0, math.pi / 2), abs=1e-9)
            assert segment.project(0.0, 7.0) == pytest.approx((6.0, 1.0), abs=1e-9)

    def test_poly3_ends_on_its_polynomial_after_its_length(self) -> None:
        poly = Poly3(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=10, c=0.02)
        end = poly.pose_at(10.0)
        assert end.y_m == pytest.approx(0.02 * end.x_m**2, abs=1e-9)
        # arc length of v = c u² from 0 to u_end, integrated independently
        steps = 100_000
        h = end.x_m / steps
        arc = sum(h * math.hypot(1.0, 0.04 * (i + 0.5) * h) for i in range(steps))
        assert arc == pytest.approx(10.0, abs=1e-6)
        assert end.heading_rad == pytest.approx(math.atan(0.04 * end.x_m))

    def test_segment_validation_names_the_field(self) -> None:
        with pytest.raises(RoadError, match=r"length_m must be > 0, not -3"):
            Line(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=-3)
        with pytest.raises(RoadError, match="heading_rad must be a finite number"):
            Line(s_m=0, x_m=0, y_m=0, heading_rad=math.nan, length_m=3)
        with pytest.raises(RoadError, match="full circle"):
            Arc(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=100, curvature_per_m=1.0)
        with pytest.raises(RoadError, match="must increase"):
            ReferenceLine(
                segments=(
                    Line(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=5),
                    Line(s_m=0, x_m=5, y_m=0, heading_rad=0, length_m=5),
                )
            )


class TestReferenceLine:
    @pytest.mark.parametrize("s", [0.0, 12.0, 49.99, 50.0, 61.0, 80.0, 104.2, 129.0, 140.0, 150.0])
    @pytest.mark.parametrize("t", [-5.0, -1.0, 0.0, 2.5, 6.0])
    def test_projection_round_trips_pose_at(self, s: float, t: float) -> None:
        line = _chain()
        x, y, _ = line.pose_at(s, t)
        s_back, t_back, inside = line.project(x, y)
        assert inside
        assert (s_back, t_back) == pytest.approx((s, t), abs=1e-6)

    def test_chain_is_continuous(self) -> None:
        line = _chain()
        for segment in line.segments[1:]:
            before = line.pose_at(segment.s_m - 1e-9)
            after = segment.pose_at(0.0)
            assert tuple(after) == pytest.approx(tuple(before), abs=1e-6)
        assert line.length_m == pytest.approx(150.0)


class TestRoadQueries:
    def test_curved_road_round_trip_and_curvature(self) -> None:
        road = curved_road(60.0, angle_rad=math.pi / 2, approach_m=20.0, exit_m=30.0)
        assert road.length_m == pytest.approx(50.0 + 30.0 * math.pi)
        end = road.pose_at(road.length_m)
        assert tuple(end) == pytest.approx((80.0, 90.0, math.pi / 2), abs=1e-9)
        for s in (0.0, 10.0, 20.0, 45.0, 90.0, road.length_m):
            for t in (-3.0, 0.0, 3.0):
                x, y, _ = road.pose_at(s, t)
                assert tuple(road.to_road_coords(x, y)) == pytest.approx((s, t), abs=1e-9)
        assert road.curvature_at(10.0) == 0.0
        assert road.curvature_at(50.0) == pytest.approx(1 / 60)
        assert road.curvature_at(50.0, t_m=-1.75) == pytest.approx(1 / 61.75)

    def test_right_turn(self) -> None:
        road = curved_road(30.0, angle_rad=math.pi / 2, turn="right")
        assert tuple(road.pose_at(road.length_m)) == pytest.approx((30.0, -30.0, -math.pi / 2), abs=1e-9)

    def test_points_beyond_the_ends(self) -> None:
        road = straight_road(length_m=100.0)
        assert road.try_road_coords(-5.0, 0.0) is None
        assert road.try_road_coords(105.0, 1.0) is None
        with pytest.raises(RoadError, match="beyond the road's ends"):
            road.to_road_coords(105.0, 1.0)
        with pytest.raises(RoadError, match=r"s=101.0 is outside"):
            road.pose_at(101.0)

    def test_lane_membership_on_a_four_lane_road(self) -> None:
        road = straight_road(
            length_m=200.0,
            layout=LaneLayout(lanes_per_direction=2, lane_width_m=3.5),
            heading_rad=math.pi / 4,
        )
        expected = {1.0: 1, 5.0: 2, -1.0: -1, -5.0: -2, 7.4: None, -7.1: None}
        for t, lane_id in expected.items():
            x, y, _ = road.pose_at(50.0, t)
            coords = road.to_road_coords(x, y)
            assert road.lane_id_at(*coords) == lane_id
        lane = road.lane_at(50.0, -5.0)
        assert lane is not None
        assert lane.type is LaneType.DRIVING
        assert road.lane_bounds(-2, 50.0) == pytest.approx((-7.0, -3.5))
        assert road.lane_center_t(2, 10.0) == pytest.approx(5.25)
        assert road.edges_at(0.0) == pytest.approx((-7.0, 7.0))

    def test_lane_on_a_curve_at_a_known_point(self) -> None:
        road = curved_road(
            50.0, angle_rad=math.pi, layout=LaneLayout(lanes_per_direction=1, lane_width_m=3.0)
        )
        # Centre of the circle is (0, 50); lane 1 (inside) spans radius 47…50, lane -1 spans 50…53.
        on_inner = (48.5 * math.sin(1.0), 50 - 48.5 * math.cos(1.0))
        on_outer = (51.5 * math.sin(1.0), 50 - 51.5 * math.cos(1.0))
        assert road.lane_id_at(*road.to_road_coords(*on_inner)) == 1
        assert road.lane_id_at(*road.to_road_coords(*on_outer)) == -1
        centre = road.lane_center_pose(-1, 50.0)
        assert (centre.x_m, centre.y_m) == pytest.approx((51.5 * math.sin(1.0), 50 - 51.5 * math.cos(1.0)))
        assert centre.heading_rad == pytest.approx(1.0)

    def test_widening_lane_and_lane_offset(self) -> None:
        line = ReferenceLine(segments=(Line(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=100),))
        section = LaneSection(
            left=(Lane(id=1, widths=(Cubic(a=3.0, b=0.01),)),),
            right=(
                Lane(id=-1, widths=(Cubic(a=3.0),)),
                Lane(id=-2, type=LaneType.SIDEWALK, widths=(Cubic(a=2.0),)),
            ),
        )
        road = Road(
            id="r", length_m=100, reference_line=line, lane_sections=(section,), lane_offsets=(Cubic(a=0.5),)
        )
        assert road.lane_bounds(1, 100.0) == pytest.approx((0.5, 4.5))
        assert road.lane_bounds(1, 0.0) == pytest.approx((0.5, 3.5))
        assert road.lane_id_at(100.0, 4.4) == 1
        assert road.lane_id_at(0.0, 4.4) is None
        assert road.lane_id_at(50.0, -3.0) == -2
        lane = road.lane_at(50.0, -3.0)
        assert lane is not None
        assert lane.type is LaneType.SIDEWALK
        # the widening lane's centre line turns left by atan(0.005)
        assert road.lane_center_pose(1, 50.0).heading_rad == pytest.approx(math.atan(0.005))

    def test_distances_to_markings_and_their_types(self) -> None:
        road = straight_road(
            length_m=300.0,
            layout=LaneLayout(
                lanes_per_direction=2,
                center_marking=MarkingType.SOLID_SOLID,
                lane_marking=MarkingType.BROKEN,
                edge_marking=MarkingType.SOLID,
                shoulder_width_m=1.0,
            ),
        )
        inner = road.lane_markings(100.0, -1.0, heading_rad=0.0)
        assert inner is not None
        assert inner.lane_id == -1
        assert inner.left_mark.type is MarkingType.SOLID_SOLID
        assert inner.right_mark.type is MarkingType.BROKEN
        assert (inner.left_distance_m, inner.right_distance_m) == pytest.approx((1.0, 2.5))
        assert (inner.left_edge_distance_m, inner.right_edge_distance_m) == pytest.approx((9.0, 7.0))
        outer = road.lane_markings(100.0, -4.0, heading_rad=0.0)
        assert outer is not None
        assert (outer.lane_id, outer.left_mark.type, outer.right_mark.type) == (
            -2,
            MarkingType.BROKEN,
            MarkingType.SOLID,
        )
        assert (outer.left_distance_m, outer.right_distance_m) == pytest.approx((0.5, 3.0))
        # Driving against +s swaps left and right.
        wrong_way = road.lane_markings(100.0, -4.0, heading_rad=math.pi)
        assert wrong_way is not None
        assert (wrong_way.left_mark.type, wrong_way.right_mark.type) == (
            MarkingType.SOLID,
            MarkingType.BROKEN,
        )
        assert (wrong_way.left_distance_m, wrong_way.right_distance_m) == pytest.approx((3.0, 0.5))
        # Lane 1 drives against +s under right-hand traffic: its left marking is the centre line.
        oncoming = road.lane_markings(100.0, 2.0)
        assert oncoming is not None
        assert oncoming.left_mark.type is MarkingType.SOLID_SOLID
        assert oncoming.left_distance_m == pytest.approx(2.0)
        shoulder = road.lane_markings(100.0, -7.5)
        assert shoulder is not None
        assert shoulder.lane_id == -3
        assert shoulder.right_mark.type is MarkingType.NONE
        assert road.lane_markings(100.0, -8.5) is None

    def test_lane_center_points_follow_the_lane(self) -> None:
        road = curved_road(40.0, angle_rad=math.pi / 2)
        points = road.lane_center_points(-1, step_m=5.0)
        assert len(points) == math.ceil(road.length_m / 5.0) + 1
        for pose in points:
            coords = road.to_road_coords(pose.x_m, pose.y_m)
            assert coords.t_m == pytest.approx(-1.75, abs=1e-9)


class TestModelValidation:
    def test_lane_and_section_errors_name_the_field(self) -> None:
        with pytest.raises(RoadError, match="id must be a non-zero integer, not 0"):
            Lane(id=0, widths=(Cubic(a=3.0),))
        with pytest.raises(RoadError, match="lane 2: widths must not be empty"):
            Lane(id=2, widths=())
        with pytest.raises(RoadError, match="unknown type 'motorway'"):
            Lane(id=1, type="motorway", widths=(Cubic(a=3.0),))  # type: ignore[arg-type]
        with pytest.raises(RoadError, match=r"left lane ids must be 1…2, got \[1, 3\]"):
            LaneSection(left=(Lane(id=1, widths=(Cubic(a=3.0),)), Lane(id=3, widths=(Cubic(a=3.0),))))
        with pytest.raises(RoadError, match="width_m must be >= 0"):
            RoadMark(type=MarkingType.SOLID, width_m=-0.1)
        with pytest.raises(RoadError, match="Cubic: a must be a finite number"):
            Cubic(a=math.inf)

    def test_road_errors(self) -> None:
        line = ReferenceLine(segments=(Line(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=100),))
        section = LaneSection(right=(Lane(id=-1, widths=(Cubic(a=3.0),)),))
        with pytest.raises(RoadError, match="reference line is 100"):
            Road(id="r", length_m=120, reference_line=line, lane_sections=(section,))
        with pytest.raises(RoadError, match="lane_sections must not be empty"):
            Road(id="r", length_m=100, reference_line=line, lane_sections=())
        with pytest.raises(RoadError, match="no lane 2"):
            Road(id="r", length_m=100, reference_line=line, lane_sections=(section,)).lane(2)

    def test_builder_errors(self) -> None:
        with pytest.raises(RoadError, match=r"lane_width_m must be > 0, not 0"):
            LaneLayout(lane_width_m=0.0)
        with pytest.raises(RoadError, match="length_m must be > 0"):
            straight_road(length_m=-1.0)
        with pytest.raises(RoadError, match="lanes_per_direction must be an integer >= 1"):
            LaneLayout(lanes_per_direction=0)
        with pytest.raises(RoadError, match="radius_m must be larger than the road's half width"):
            curved_road(3.0)
        with pytest.raises(RoadError, match="turn must be 'left' or 'right'"):
            curved_road(30.0, turn="up")


class TestNetwork:
    def test_x_intersection_is_connected(self) -> None:
        network = x_intersection(arm_length_m=80.0, layout=LaneLayout(lanes_per_direction=2))
        assert len(network.roads) == 10
        (junction,) = network.junctions
        assert len(junction.connections) == 12
        connecting = [road for road in network.roads if road.junction_id == junction.id]
        assert len(connecting) == 6
        for road in connecting:
            assert road.predecessor is not None
            assert road.successor is not None
            start_arm = network.road(road.predecessor.element_id)
            end_arm = network.road(road.successor.element_id)
            # A connecting road starts where its first arm starts (facing it) and ends on the second.
            start, arm_start = road.pose_at(0.0), start_arm.pose_at(0.0)
            assert (start.x_m, start.y_m) == pytest.approx((arm_start.x_m, arm_start.y_m), abs=1e-9)
            assert math.cos(start.heading_rad - arm_start.heading_rad) == pytest.approx(-1.0)
            end, arm_end = road.pose_at(road.length_m), end_arm.pose_at(0.0)
            assert (end.x_m, end.y_m) == pytest.approx((arm_end.x_m, arm_end.y_m), abs=1e-9)
            assert math.cos(end.heading_rad - arm_end.heading_rad) == pytest.approx(1.0)
        straight = network.connections_from("west")
        assert {connection.connecting_road_id for connection in straight} == {
            "west-east",
            "west-north",
            "south-west",
        }
        link = next(c for c in straight if c.connecting_road_id == "west-east")
        assert link.contact_point is ContactPoint.START
        assert (-1, 1) in link.lane_links

    def test_locate_on_arms(self) -> None:
        network = x_intersection(arm_length_m=80.0)
        east = network.locate(40.0, -1.75)
        assert east is not None
        assert (east.road_id, east.lane_id) == ("east", -1)
        north = network.locate(-1.0, 40.0)
        assert north is not None
        assert (north.road_id, north.lane_id) == ("north", 1)
        assert network.locate(40.0, 40.0) is None
        markings = network.lane_markings(40.0, -1.75, heading_rad=0.0)
        assert markings is not None
        assert markings.left_mark.type is MarkingType.BROKEN
        assert markings.right_mark.type is MarkingType.SOLID

    def test_network_errors(self) -> None:
        road = straight_road(length_m=50.0, road_id="a")
        with pytest.raises(RoadError, match="road id 'a' is used twice"):
            RoadNetwork(roads=(road, road))
        line = ReferenceLine(segments=(Line(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=50),))
        dangling = Road(
            id="b",
            length_m=50,
            reference_line=line,
            lane_sections=road.lane_sections,
            successor=RoadLink(
                element_type=ElementType.ROAD, element_id="zz", contact_point=ContactPoint.START
            ),
        )
        with pytest.raises(RoadError, match="successor names road 'zz'"):
            RoadNetwork(roads=(road, dangling))
        with pytest.raises(RoadError, match="no road 'q'"):
            RoadNetwork(roads=(road,)).road("q")


def test_segment_base_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        Segment(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=1).pose_at(0.5)


def _road_with_offsets(*offsets: Cubic, sections: tuple[LaneSection, ...] | None = None) -> Road:
    line = ReferenceLine(segments=(Line(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=100),))
    lanes = LaneSection(
        left=(Lane(id=1, widths=(Cubic(a=3.5),)),),
        right=(Lane(id=-1, widths=(Cubic(a=3.5),)),),
    )
    return Road(
        id="r",
        length_m=100,
        reference_line=line,
        lane_sections=sections if sections is not None else (lanes,),
        lane_offsets=offsets,
    )


class TestLaneCentreWithLaneOffsets:
    """The lane centre is midway between the lane's borders wherever the lane offset changes."""

    @pytest.mark.parametrize(
        "offsets",
        [
            (Cubic(s_m=50.0, a=1.0),),  # an offset that starts beyond s = 0
            (Cubic(s_m=0.0, a=0.0), Cubic(s_m=50.0, a=1.0)),  # two constant records
            (Cubic(s_m=0.0, a=0.5, b=0.01),),  # a sloping offset
        ],
    )
    def test_centre_lies_between_the_borders(self, offsets: tuple[Cubic, ...]) -> None:
        road = _road_with_offsets(*offsets)
        for s in (0.0, 25.0, 49.0, 50.0, 60.0, 100.0):
            for lane_id in (1, -1):
                right, left = road.lane_bounds(lane_id, s)
                assert road.lane_center_t(lane_id, s) == pytest.approx(0.5 * (right + left))
                pose = road.lane_center_pose(lane_id, s)
                assert road.to_road_coords(pose.x_m, pose.y_m).t_m == pytest.approx(0.5 * (right + left))

    def test_offset_from_s_50(self) -> None:
        road = _road_with_offsets(Cubic(s_m=50.0, a=1.0))
        assert road.lane_bounds(-1, 60.0) == pytest.approx((-2.5, 1.0))
        assert road.lane_center_t(-1, 60.0) == pytest.approx(-0.75)
        assert road.lane_center_t(-1, 40.0) == pytest.approx(-1.75)
        assert road.lane_pose(-1, 60.0).y_m == pytest.approx(-0.75)

    def test_one_constant_offset_from_s_0(self) -> None:
        road = _road_with_offsets(Cubic(s_m=0.0, a=1.0))
        for s in (0.0, 60.0):
            assert road.lane_center_t(-1, s) == pytest.approx(-0.75)
            assert road.lane_center_t(1, s) == pytest.approx(2.75)

    def test_lane_sections_with_different_lanes(self) -> None:
        narrow = LaneSection(right=(Lane(id=-1, widths=(Cubic(a=3.0),)),))
        wide = LaneSection(
            s_m=40.0, right=(Lane(id=-1, widths=(Cubic(a=4.0),)), Lane(id=-2, widths=(Cubic(a=1.0),)))
        )
        road = _road_with_offsets(sections=(narrow, wide))
        assert road.lane_center_t(-1, 20.0) == pytest.approx(-1.5)
        assert road.lane_center_t(-1, 70.0) == pytest.approx(-2.0)
        assert road.lane_id_at(70.0, -4.5) == -2
        assert road.lane_id_at(20.0, -3.5) is None
        assert road.t_limits_m[0] <= -5.0

    def test_t_limits_hold_every_lane_and_are_tight(self) -> None:
        bulging = LaneSection(right=(Lane(id=-1, widths=(Cubic(a=3.0, b=0.1, c=-0.002),)),))
        road = _road_with_offsets(Cubic(s_m=0.0, a=0.0, d=1e-6), sections=(bulging,))
        low, high = road.t_limits_m
        for s in range(101):
            right, left = road.lane_bounds(-1, float(s))
            assert low <= right <= left <= high
        # the width peaks at 4.25 m (ds = 25); the offset reaches 1 m at s = 100
        assert low == pytest.approx(-4.25 - 1.0)
        assert high == pytest.approx(1.0)


class TestLanePose:
    def test_offset_is_to_the_left_of_the_driving_direction(self) -> None:
        road = straight_road(length_m=100.0)
        right = road.lane_pose(-1, 10.0, offset_m=0.5)
        assert tuple(right) == pytest.approx((10.0, -1.25, 0.0))
        left = road.lane_pose(1, 10.0, offset_m=0.5)  # drives towards -x: its left is -y
        assert (left.x_m, left.y_m) == pytest.approx((10.0, 1.25))
        assert (math.cos(left.heading_rad), math.sin(left.heading_rad)) == pytest.approx((-1.0, 0.0))
        assert tuple(road.lane_pose(-1, 10.0)) == pytest.approx(tuple(road.lane_center_pose(-1, 10.0)))

    @pytest.mark.parametrize(("lane_id", "offset"), [(-1, 0.0), (-1, 0.8), (1, -0.6), (1, 0.0)])
    def test_heading_follows_the_driving_direction_on_a_curve(self, lane_id: int, offset: float) -> None:
        road = curved_road(40.0, angle_rad=math.pi / 2, approach_m=10.0, exit_m=10.0)
        step = 1e-3
        for s in (5.0, 30.0, 60.0):
            here = road.lane_pose(lane_id, s, offset_m=offset)
            ahead = road.lane_pose(lane_id, s + step, offset_m=offset)
            behind = road.lane_pose(lane_id, s - step, offset_m=offset)
            dx, dy = ahead.x_m - behind.x_m, ahead.y_m - behind.y_m
            if not road.drives_forward(lane_id):
                dx, dy = -dx, -dy
            assert math.cos(here.heading_rad - math.atan2(dy, dx)) == pytest.approx(1.0, abs=1e-9)
            # the offset line keeps its distance from the lane centre, to the driver's left
            centre = road.lane_center_pose(lane_id, s)
            lateral = -(here.x_m - centre.x_m) * math.sin(here.heading_rad) + (
                here.y_m - centre.y_m
            ) * math.cos(here.heading_rad)
            assert lateral == pytest.approx(offset, abs=1e-9)

    def test_bad_offset_or_lane(self) -> None:
        road = straight_road(length_m=100.0)
        with pytest.raises(RoadError, match="offset_m must be a finite number"):
            road.lane_pose(-1, 10.0, offset_m=math.nan)
        with pytest.raises(RoadError, match="no lane -3"):
            road.lane_pose(-3, 10.0)


class TestErrorsBelongToTheHierarchy:
    """Bad enumeration values raise RoadError naming the value, not a bare ValueError."""

    def test_road_mark_type_and_colour(self) -> None:
        with pytest.raises(RoadError, match=r"RoadMark: type must be one of .*'solid'.*, not 'zigzag'"):
            RoadMark(type="zigzag")  # type: ignore[arg-type]
        with pytest.raises(RoadError, match=r"RoadMark: color must be one of .*, not 'plaid'"):
            RoadMark(type=MarkingType.SOLID, color="plaid")  # type: ignore[arg-type]

    def test_road_link(self) -> None:
        with pytest.raises(
            RoadError, match=r"road link to 'x': element_type must be one of .*, not 'bridge'"
        ):
            RoadLink(element_type="bridge", element_id="x")  # type: ignore[arg-type]
        with pytest.raises(RoadError, match=r"contact_point must be one of 'start', 'end', not 'middle'"):
            RoadLink(element_type=ElementType.ROAD, element_id="x", contact_point="middle")  # type: ignore[arg-type]

    def test_junction_connection(self) -> None:
        with pytest.raises(RoadError, match=r"junction connection '0': contact_point .*, not 'side'"):
            JunctionConnection(id="0", incoming_road_id="a", connecting_road_id="b", contact_point="side")  # type: ignore[arg-type]
        with pytest.raises(
            RoadError, match=r"a lane link must be two lane ids \(from, to\), not \(1, 2, 3\)"
        ):
            JunctionConnection(
                id="0",
                incoming_road_id="a",
                connecting_road_id="b",
                contact_point=ContactPoint.START,
                lane_links=((1, 2, 3),),  # type: ignore[arg-type]
            )

    def test_traffic_rule(self) -> None:
        line = ReferenceLine(segments=(Line(s_m=0, x_m=0, y_m=0, heading_rad=0, length_m=100),))
        section = LaneSection(right=(Lane(id=-1, widths=(Cubic(a=3.0),)),))
        with pytest.raises(RoadError, match=r"road 'r': rule must be one of 'RHT', 'LHT', not 'left'"):
            Road(id="r", length_m=100, reference_line=line, lane_sections=(section,), rule="left")  # type: ignore[arg-type]


class TestNetworkModule:
    def test_network_types_are_reexported_from_roads(self) -> None:
        from sdvkit.world import network, roads

        for name in ("Junction", "JunctionConnection", "MapHeader", "RoadNetwork", "RoadPosition"):
            assert getattr(roads, name) is getattr(network, name)
        with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
            roads.Nothing  # noqa: B018

    @pytest.mark.parametrize("first", ["sdvkit.world.network", "sdvkit.world.roads"])
    def test_either_module_imports_first(self, first: str) -> None:
        import subprocess
        import sys

        code = f"import {first}; from sdvkit.world.roads import RoadNetwork; print(RoadNetwork.__module__)"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "sdvkit.world.network"

    def test_next_lanes_through_the_junction(self) -> None:
        network = x_intersection(arm_length_m=80.0)
        # The arms start at the junction: lane 1 drives towards it and leaves the arm at s = 0.
        # Straight on, left (both along their connecting roads) or right (against the south-west arc).
        assert set(network.next_lanes("west", 1)) == {
            ("west-east", -1),
            ("west-north", -1),
            ("south-west", 1),
        }
        assert network.next_lanes("west-north", -1) == (("north", -1),)
        assert network.next_lanes("south-west", 1) == (("south", -1),)
        assert network.next_lanes("west", -1) == ()  # leaves the arm at its far end: nothing there

    def test_locate_agrees_with_projecting_on_every_road(self) -> None:
        """The grid and the early outs find what trying every road finds."""
        networks = [
            x_intersection(arm_length_m=60.0, layout=LaneLayout(lanes_per_direction=2)),
            RoadNetwork(roads=(curved_road(30.0, angle_rad=math.pi, approach_m=20.0, road_id="c"),)),
            RoadNetwork(roads=(_road_with_offsets(Cubic(s_m=0.0, a=0.5, b=0.02)),)),
        ]
        for network in networks:
            xs = [-70.0 + 1.7 * i for i in range(90)]
            for x in xs:
                for y in xs:
                    assert network.locate(x, y) == _locate_everywhere(network, x, y), (x, y)


def _locate_everywhere(network: RoadNetwork, x: float, y: float) -> tuple[str, float, float, int] | None:
    best: tuple[tuple[int, int, float], tuple[str, float, float, int]] | None = None
    for road in network.roads:
        coords = road.try_road_coords(x, y)
        if coords is None:
            continue
        lane_id = road.lane_id_at(coords.s_m, coords.t_m)
        if lane_id is None:
            continue
        lane = road.lane(lane_id, coords.s_m)
        key = (
            0 if road.junction_id is None else 1,
            0 if lane.type is LaneType.DRIVING else 1,
            abs(coords.t_m - road.lane_center_t(lane_id, coords.s_m)),
        )
        if best is None or key < best[0]:
            best = (key, (road.id, coords.s_m, coords.t_m, lane_id))
    return None if best is None else best[1]
