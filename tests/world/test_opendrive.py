"""The OpenDRIVE reader: the Euro NCAP files as they are, other geometry, and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sdvkit.world.errors import OpenDriveError
from sdvkit.world.geometry import Arc, Line, ParamPoly3, Poly3, Spiral
from sdvkit.world.opendrive import parse_opendrive, read_opendrive
from sdvkit.world.roads import ContactPoint, ElementType, LaneType, MarkingType, RoadNetwork

NCAP = Path(__file__).resolve().parents[2].parent / "shared" / "ncap" / "OpenDRIVE" / "NCAP"


def ncap(name: str) -> RoadNetwork:
    path = NCAP / name
    if not path.exists():
        pytest.skip(f"{path} is not there")
    return read_opendrive(path)


class TestNcapStraightRoad:
    def test_road_marks_file(self) -> None:
        network = ncap("StraightRoad_NCAP_Roadmarks.xodr")
        assert network.header.name == "straight_road_roadmarks"
        assert (network.header.rev_major, network.header.rev_minor) == (1, 8)
        assert network.header.vendor == "Vector Informatik GmbH"
        assert network.junctions == ()
        (road,) = network.roads
        assert (road.id, road.name, road.length_m, road.junction_id) == ("0", "straight road", 1500.0, None)
        (segment,) = road.reference_line.segments
        assert isinstance(segment, Line)
        assert (segment.x_m, segment.y_m, segment.heading_rad, segment.length_m) == (0.0, 0.0, 0.0, 1500.0)
        (section,) = road.lane_sections
        lanes = {lane.id: lane for lane in (*section.left, *section.right)}
        assert sorted(lanes) == [-2, -1, 1, 2]
        for lane_id in (1, -1):
            assert lanes[lane_id].type is LaneType.DRIVING
            assert lanes[lane_id].width_at(700.0) == 3.5
            (mark,) = lanes[lane_id].road_marks
            assert (mark.type, mark.width_m) == (MarkingType.SOLID, 0.12)
        for lane_id in (2, -2):
            assert lanes[lane_id].type is LaneType.BORDER
            assert lanes[lane_id].width_at(0.0) == 0.3
            assert lanes[lane_id].road_mark_at(0.0).type is MarkingType.NONE
        (center,) = section.center_marks
        assert (center.type, center.width_m) == (MarkingType.BROKEN, 0.12)
        assert road.edges_at(750.0) == pytest.approx((-3.8, 3.8))

    def test_lane_keeping_view_of_the_road_marks_file(self) -> None:
        network = ncap("StraightRoad_NCAP_Roadmarks.xodr")
        markings = network.lane_markings(100.0, -1.5, heading_rad=0.0)
        assert markings is not None
        assert (markings.road_id, markings.lane_id) == ("0", -1)
        assert markings.left_mark.type is MarkingType.BROKEN
        assert markings.right_mark.type is MarkingType.SOLID
        assert (markings.left_distance_m, markings.right_distance_m) == pytest.approx((1.5, 2.0))
        assert markings.right_edge_distance_m == pytest.approx(2.3)

    def test_no_road_marks_file(self) -> None:
        (road,) = ncap("StraightRoad_NCAP_noRoadmarks.xodr").roads
        (section,) = road.lane_sections
        assert [lane.width_at(0.0) for lane in section.left] == [28.0, 2.0]
        assert [lane.width_at(0.0) for lane in section.right] == [28.0, 2.0]
        marks = [mark for lane in (*section.left, *section.right) for mark in lane.road_marks]
        assert {mark.type for mark in (*marks, *section.center_marks)} == {MarkingType.NONE}
        assert road.lane_id_at(10.0, -20.0) == -1

    @pytest.mark.parametrize(
        "name",
        [
            "StraightRoad_NCAP_noRoadmarks_Streetlights.xodr",
            "StraightRoad_NCAP_noRoadmarks_Streetlights_Nearside.xodr",
        ],
    )
    def test_street_light_files(self, name: str) -> None:
        (road,) = ncap(name).roads
        (section,) = road.lane_sections
        assert all(not lane.road_marks for lane in (*section.left, *section.right))
        assert section.center_marks == ()
        markings = road.lane_markings(50.0, -3.0)
        assert markings is not None
        assert markings.left_mark.type is MarkingType.NONE
        assert road.lane_bounds(-1, 0.0) == (-28.0, 0.0)


class TestNcapIntersection:
    def test_roads_and_geometry(self) -> None:
        network = ncap("X-Intersection_NCAP.xodr")
        assert network.header.name == "x_intersection"
        assert [road.id for road in network.roads] == [str(i) for i in range(10)]
        for road in network.roads[:4]:
            assert road.length_m == 250.0
            assert road.junction_id is None
            assert [lane.width_at(0) for lane in road.lane_sections[0].left] == [3.5, 5.5]
        for road in network.roads[4:]:
            assert road.junction_id == "1"
        assert isinstance(network.road("1").reference_line.segments[0], Line)
        for road_id in ("4", "5", "6", "7"):
            road = network.road(road_id)
            (segment,) = road.reference_line.segments
            assert isinstance(segment, Arc)
            assert segment.curvature_per_m == pytest.approx(1 / 11.5)
            assert road.length_m == pytest.approx(11.5 * math.pi / 2)
        # Road 4 turns from the end of road 0 onto the end of road 1.
        assert tuple(network.road("4").pose_at(network.road("4").length_m))[:2] == pytest.approx(
            tuple(network.road("1").pose_at(250.0))[:2]
        )
        assert network.road("8").length_m == pytest.approx(23.0)
        assert network.road("0").lane_sections[0].center_marks[0].type is MarkingType.BROKEN

    def test_links_and_junction(self) -> None:
        network = ncap("X-Intersection_NCAP.xodr")
        road0 = network.road("0")
        assert road0.successor is not None
        assert (road0.successor.element_type, road0.successor.element_id) == (ElementType.JUNCTION, "1")
        assert network.road("2").predecessor is not None
        road4 = network.road("4")
        assert road4.predecessor is not None
        assert (road4.predecessor.element_id, road4.predecessor.contact_point) == ("0", ContactPoint.END)
        assert road4.lane_sections[0].lane(1).predecessor_id == 1
        assert road4.lane_sections[0].lane(-1).successor_id == 1
        junction = network.junction("1")
        assert junction.name == "x_intersection"
        assert len(junction.connections) == 12
        first = junction.connections[0]
        assert (first.id, first.incoming_road_id, first.connecting_road_id, first.contact_point) == (
            "0",
            "1",
            "4",
            ContactPoint.END,
        )
        assert first.lane_links == ((2, -2), (1, -1), (-1, 1))
        from_0 = {connection.connecting_road_id for connection in network.connections_from("0")}
        assert from_0 == {"4", "7", "8"}

    def test_points_on_the_network(self) -> None:
        network = ncap("X-Intersection_NCAP.xodr")
        approach = network.locate(100.0, -1.75)
        assert approach is not None
        assert (approach.road_id, approach.lane_id) == ("0", -1)
        crossing = network.locate(261.5 + 1.75, -100.0)
        assert crossing is not None
        assert crossing.road_id == "3"
        inside = network.locate(261.5, 0.0)
        assert inside is not None
        assert network.road(inside.road_id).junction_id == "1"

    def test_no_road_marks_variant(self) -> None:
        network = ncap("X-Intersection_NCAP_noRoadmarks.xodr")
        section = network.road("0").lane_sections[0]
        assert [lane.width_at(0) for lane in section.left] == [3.5, 3.5]
        assert section.center_marks[0].type is MarkingType.NONE
        assert len(network.junction("1").connections) == 12


def document(
    geometry: str = '<geometry s="0" x="0" y="0" hdg="0" length="100"><line/></geometry>', **parts: str
) -> str:
    lanes = parts.get(
        "lanes",
        """<laneSection s="0">
             <center><lane id="0" type="none"><roadMark sOffset="0" type="solid solid"/></lane></center>
             <right><lane id="-1" type="driving"><width sOffset="0" a="3.5" b="0" c="0" d="0"/></lane></right>
           </laneSection>""",
    )
    return f"""<?xml version="1.0"?>
<OpenDRIVE>
  {parts.get("header", '<header revMajor="1" revMinor="6" name="test"/>')}
  <road id="r" length="{parts.get("length", "100")}" junction="-1">
    <planView>{geometry}</planView>
    <lanes>{lanes}</lanes>
    {parts.get("road_extra", "")}
  </road>
  {parts.get("extra", "")}
</OpenDRIVE>"""


def geometry(start: str = 's="0" x="0" y="0" hdg="0" length="100"', shape: str = "<line/>") -> str:
    return document(f"<geometry {start}>{shape}</geometry>")


def right_lane(inside: str, *, lane_id: str = "-1", lane_type: str = "driving") -> str:
    lane = f'<lane id="{lane_id}" type="{lane_type}">{inside}</lane>'
    return document(lanes=f'<laneSection s="0"><right>{lane}</right></laneSection>')


def junction(connection: str) -> str:
    return document(extra=f'<junction id="j"><connection id="0" {connection}/></junction>')


class TestOtherGeometry:
    def test_spiral_arc_poly3_param_poly3(self) -> None:
        geometry = """
          <geometry s="0" x="0" y="0" hdg="0" length="20"><spiral curvStart="0" curvEnd="0.02"/></geometry>
          <geometry s="20" x="19.99" y="1.33" hdg="0.2" length="30"><arc curvature="0.02"/></geometry>
          <geometry s="50" x="48" y="8" hdg="0.8" length="25"><poly3 a="0" b="0" c="0.001" d="0"/></geometry>
          <geometry s="75" x="65" y="26" hdg="0.85" length="25">
            <paramPoly3 aU="0" bU="25" cU="0" dU="0" aV="0" bV="0" cV="1" dV="0" pRange="normalized"/>
          </geometry>"""
        network = parse_opendrive(document(geometry))
        segments = network.roads[0].reference_line.segments
        assert [type(segment) for segment in segments] == [Spiral, Arc, Poly3, ParamPoly3]
        spiral = segments[0]
        assert isinstance(spiral, Spiral)
        assert spiral.curvature_end_per_m == 0.02
        road = network.roads[0]
        assert road.curvature_at(10.0) == pytest.approx(0.01)
        center = road.lane_sections[0].center_marks[0]
        assert (center.type, center.width_m) == (MarkingType.SOLID_SOLID, 0.12)  # no width: the default
        for s in (5.0, 35.0, 60.0, 90.0):
            x, y, _ = road.pose_at(s, -1.0)
            assert tuple(road.to_road_coords(x, y)) == pytest.approx((s, -1.0), abs=1e-6)

    def test_lane_offset_and_sections(self) -> None:
        lanes = """<laneOffset s="0" a="0.5" b="0" c="0" d="0"/>
           <laneSection s="0"><right>
             <lane id="-1" type="driving"><width sOffset="0" a="3"/></lane>
           </right></laneSection>
           <laneSection s="60"><right>
             <lane id="-1" type="driving"><width sOffset="0" a="3" b="0.01"/></lane>
             <lane id="-2" type="shoulder">
               <width sOffset="0" a="1"/><roadMark sOffset="0" type="curb"/>
             </lane>
           </right></laneSection>"""
        road = parse_opendrive(document(lanes=lanes)).roads[0]
        assert road.lane_bounds(-1, 30.0) == pytest.approx((-2.5, 0.5))
        assert road.lane_bounds(-1, 100.0) == pytest.approx((-2.9, 0.5))
        assert road.lane_bounds(-2, 100.0) == pytest.approx((-3.9, -2.9))
        assert road.lane(-2, 70.0).road_marks[0].type is MarkingType.CURB


class TestWhatIsReadAndWhatIsIgnored:
    def test_lane_offset_from_s_50(self) -> None:
        lanes = """<laneOffset s="50" a="1" b="0" c="0" d="0"/>
           <laneSection s="0"><right>
             <lane id="-1" type="driving"><width sOffset="0" a="3.5"/></lane>
           </right></laneSection>"""
        road = parse_opendrive(document(lanes=lanes)).roads[0]
        assert road.lane_bounds(-1, 60.0) == pytest.approx((-2.5, 1.0))
        assert road.lane_center_t(-1, 60.0) == pytest.approx(-0.75)
        assert road.lane_center_t(-1, 40.0) == pytest.approx(-1.75)

    def test_elevation_objects_signals_and_borders_are_ignored(self) -> None:
        """docs/world.md: these are read past (not refused); the road is the same without them."""
        ignored = """<elevationProfile><elevation s="0" a="0" b="0.05" c="0" d="0"/></elevationProfile>
          <lateralProfile><superelevation s="0" a="0.02" b="0" c="0" d="0"/></lateralProfile>
          <objects><object id="1" s="10" t="-5" type="pole" zOffset="0"/></objects>
          <signals><signal id="2" s="20" t="-4" dynamic="no" type="206"/></signals>"""
        lanes = """<laneSection s="0"><right><lane id="-1" type="driving">
             <width sOffset="0" a="3.5"/><border sOffset="0" a="9"/>
           </lane></right></laneSection>"""
        plain = parse_opendrive(document(lanes=lanes)).roads[0]
        road = parse_opendrive(document(lanes=lanes, road_extra=ignored)).roads[0]
        assert road.lane_bounds(-1, 50.0) == plain.lane_bounds(-1, 50.0) == pytest.approx((-3.5, 0.0))
        assert tuple(road.pose_at(50.0)) == tuple(plain.pose_at(50.0))


class TestBadInput:
    def test_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nowhere.xodr"
        with pytest.raises(OpenDriveError, match="cannot read the file") as caught:
            read_opendrive(path)
        assert caught.value.path == path
        assert str(path) in str(caught.value)

    def test_malformed_xml_names_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.xodr"
        path.write_text(document().replace("</road>", "</rood>"))
        with pytest.raises(OpenDriveError, match=r"malformed XML at line \d+") as caught:
            read_opendrive(path)
        assert str(path) in str(caught.value)

    @pytest.mark.parametrize(
        ("text", "pattern"),
        [
            (geometry('s="0" x="0" y="0" length="100"', "<line/>"), r"<geometry> has no 'hdg'"),
            (geometry(shape="<arc/>"), r"<arc> has no 'curvature'"),
            (geometry(shape='<clothoid k="1"/>'), r"unknown geometry <clothoid>"),
            (
                geometry('s="0" x="0" y="zero" hdg="0" length="100"'),
                r"road 'r' <planView> <geometry> #1: <geometry> attribute y='zero' is not a number",
            ),
            (document(length="90"), r"road 'r': .*reference line is 100"),
            (document(header=""), r"<OpenDRIVE> has no <header>"),
            (
                right_lane('<width a="3" sOffset="0"/>', lane_type="highway"),
                r"lane -1: <lane> attribute type='highway'",
            ),
            (right_lane('<border a="3" sOffset="0"/>'), r"lane <border> records are not supported"),
            (right_lane('<width a="3"/>'), r"<width> has no 'sOffset'"),
            (right_lane('<width a="3" sOffset="0"/>', lane_id="-2"), r"right lane ids must be -1…-1"),
            (
                right_lane('<width a="3" sOffset="0"/><roadMark sOffset="0" type="zigzag"/>'),
                r"<roadMark>: type='zigzag'",
            ),
            (
                junction('incomingRoad="r" connectingRoad="x" contactPoint="start"'),
                r"connecting_road_id 'x' is not in the network",
            ),
            (junction('incomingRoad="r" connectingRoad="r"'), r"<connection> has no 'contactPoint'"),
            ("<OpenDRIVE><header revMajor='1' revMinor='4'/></OpenDRIVE>", r"<OpenDRIVE> has no <road>"),
            ("<OpenSCENARIO/>", r"the root element is <OpenSCENARIO>"),
        ],
    )
    def test_errors_name_the_element(self, text: str, pattern: str) -> None:
        with pytest.raises(OpenDriveError, match=pattern) as caught:
            parse_opendrive(text, source="bad.xodr")
        assert str(caught.value).startswith("bad.xodr: ")
