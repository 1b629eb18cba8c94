"""Read OpenDRIVE 1.x (.xodr) files into a :class:`~sdvkit.world.roads.RoadNetwork`.

Read: the header; roads (id, name, length, junction, rule, predecessor/successor links); the plan
view (line, arc, spiral, poly3, paramPoly3); lane offsets; lane sections with lane types, widths
(cubic polynomials), road marks and lane links; junctions with their connections and lane links.
Ignored: elevation and lateral profiles, objects, signals, lane ``border`` records beside a
``width`` (a lane with borders only is refused), road mark details (``<type>``/``<line>``), and
anything else not named here.

Every problem raises :class:`~sdvkit.world.errors.OpenDriveError` naming the file and the element
(and attribute) at fault.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from sdvkit.world.errors import OpenDriveError, RoadError
from sdvkit.world.geometry import Arc, Line, ParamPoly3, Poly3, ReferenceLine, Segment, Spiral
from sdvkit.world.network import Junction, JunctionConnection, MapHeader, RoadNetwork
from sdvkit.world.roads import (
    ContactPoint,
    Cubic,
    ElementType,
    Lane,
    LaneSection,
    LaneType,
    MarkingColor,
    MarkingType,
    Road,
    RoadLink,
    RoadMark,
    TrafficRule,
)

_DEFAULT_MARK_WIDTH_M = 0.12
_LANE_TYPES = {lane_type.value.lower(): lane_type for lane_type in LaneType}


class _Reader:
    """Reads one document; every helper raises OpenDriveError naming ``path`` and the element."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, detail: str) -> OpenDriveError:
        return OpenDriveError(self.path, f"{where}: {detail}")

    def text(self, element: ET.Element, name: str, where: str, default: str | None = None) -> str:
        value = element.get(name)
        if value is None:
            if default is not None:
                return default
            raise self.fail(where, f"<{element.tag}> has no {name!r} attribute")
        return value

    def number(self, element: ET.Element, name: str, where: str, default: float | None = None) -> float:
        raw = element.get(name)
        if raw is None:
            if default is not None:
                return default
            raise self.fail(where, f"<{element.tag}> has no {name!r} attribute")
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(where, f"<{element.tag}> attribute {name}={raw!r} is not a number") from None
        if not math.isfinite(value):
            raise self.fail(where, f"<{element.tag}> attribute {name}={raw!r} is not finite")
        return value

    def integer(self, element: ET.Element, name: str, where: str) -> int:
        raw = self.text(element, name, where)
        try:
            return int(raw)
        except ValueError:
            raise self.fail(where, f"<{element.tag}> attribute {name}={raw!r} is not an integer") from None

    def child(self, element: ET.Element, tag: str, where: str) -> ET.Element:
        found = element.find(tag)
        if found is None:
            raise self.fail(where, f"<{element.tag}> has no <{tag}>")
        return found

    # --- document -------------------------------------------------------------------------

    def network(self, root: ET.Element) -> RoadNetwork:
        if root.tag != "OpenDRIVE":
            raise self.fail("document", f"the root element is <{root.tag}>, not <OpenDRIVE>")
        header = self.header(self.child(root, "header", "document"))
        roads = tuple(self.road(element, index) for index, element in enumerate(root.findall("road")))
        if not roads:
            raise self.fail("document", "<OpenDRIVE> has no <road>")
        junctions = tuple(self.junction(element) for element in root.findall("junction"))
        try:
            return RoadNetwork(roads=roads, junctions=junctions, header=header)
        except RoadError as error:
            raise self.fail("network", str(error)) from error

    def header(self, element: ET.Element) -> MapHeader:
        where = "<header>"
        return MapHeader(
            name=element.get("name", ""),
            rev_major=self.integer(element, "revMajor", where),
            rev_minor=self.integer(element, "revMinor", where),
            date=element.get("date", ""),
            vendor=element.get("vendor", ""),
            north_m=self.number(element, "north", where, 0.0),
            south_m=self.number(element, "south", where, 0.0),
            east_m=self.number(element, "east", where, 0.0),
            west_m=self.number(element, "west", where, 0.0),
        )

    # --- roads ----------------------------------------------------------------------------

    def road(self, element: ET.Element, index: int) -> Road:
        road_id = self.text(element, "id", f"road #{index + 1}")
        where = f"road {road_id!r}"
        length = self.number(element, "length", where)
        junction = self.text(element, "junction", where, "-1")
        rule_text = element.get("rule", "RHT")
        try:
            rule = TrafficRule(rule_text)
        except ValueError:
            raise self.fail(where, f"<road> attribute rule={rule_text!r} is not RHT or LHT") from None
        link = element.find("link")
        predecessor = successor = None
        if link is not None:
            predecessor = self.road_link(link.find("predecessor"), f"{where} <link>")
            successor = self.road_link(link.find("successor"), f"{where} <link>")
        plan_view = self.child(element, "planView", where)
        segments = [
            self.geometry(geometry, f"{where} <planView> <geometry> #{number + 1}")
            for number, geometry in enumerate(plan_view.findall("geometry"))
        ]
        if not segments:
            raise self.fail(f"{where} <planView>", "has no <geometry>")
        lanes = self.child(element, "lanes", where)
        offsets = tuple(
            self.cubic(offset, f"{where} <laneOffset>", "s") for offset in lanes.findall("laneOffset")
        )
        sections = tuple(
            self.lane_section(section, f"{where} <laneSection> #{number + 1}")
            for number, section in enumerate(lanes.findall("laneSection"))
        )
        if not sections:
            raise self.fail(f"{where} <lanes>", "has no <laneSection>")
        try:
            return Road(
                id=road_id,
                name=element.get("name", ""),
                length_m=length,
                reference_line=ReferenceLine(segments=tuple(segments)),
                lane_sections=sections,
                lane_offsets=offsets,
                junction_id=None if junction == "-1" else junction,
                predecessor=predecessor,
                successor=successor,
                rule=rule,
            )
        except RoadError as error:
            raise self.fail(where, str(error)) from error

    def road_link(self, element: ET.Element | None, where: str) -> RoadLink | None:
        if element is None:
            return None
        where = f"{where} <{element.tag}>"
        kind = self.text(element, "elementType", where)
        if kind not in ("road", "junction"):
            raise self.fail(where, f"elementType={kind!r} is not 'road' or 'junction'")
        contact = element.get("contactPoint")
        if contact is not None and contact not in ("start", "end"):
            raise self.fail(where, f"contactPoint={contact!r} is not 'start' or 'end'")
        return RoadLink(
            element_type=ElementType(kind),
            element_id=self.text(element, "elementId", where),
            contact_point=None if contact is None else ContactPoint(contact),
        )

    def geometry(self, element: ET.Element, where: str) -> Segment:
        s_m = self.number(element, "s", where)
        x_m = self.number(element, "x", where)
        y_m = self.number(element, "y", where)
        heading_rad = self.number(element, "hdg", where)
        length_m = self.number(element, "length", where)
        start = {"s_m": s_m, "x_m": x_m, "y_m": y_m, "heading_rad": heading_rad, "length_m": length_m}
        shapes = list(element)
        if len(shapes) != 1:
            tags = ", ".join(f"<{shape.tag}>" for shape in shapes) or "nothing"
            raise self.fail(where, f"<geometry> must hold exactly one shape, found {tags}")
        shape = shapes[0]
        where = f"{where} <{shape.tag}>"
        try:
            if shape.tag == "line":
                return Line(**start)
            if shape.tag == "arc":
                return Arc(**start, curvature_per_m=self.number(shape, "curvature", where))
            if shape.tag == "spiral":
                return Spiral(
                    **start,
                    curvature_start_per_m=self.number(shape, "curvStart", where),
                    curvature_end_per_m=self.number(shape, "curvEnd", where),
                )
            if shape.tag == "poly3":
                a, b, c, d = (self.number(shape, name, where) for name in "abcd")
                return Poly3(
                    s_m=s_m, x_m=x_m, y_m=y_m, heading_rad=heading_rad, length_m=length_m, a=a, b=b, c=c, d=d
                )
            if shape.tag == "paramPoly3":
                p_range = shape.get("pRange", "normalized")
                if p_range not in ("normalized", "arcLength"):
                    raise self.fail(where, f"pRange={p_range!r} is not 'normalized' or 'arcLength'")
                names = ("aU", "bU", "cU", "dU", "aV", "bV", "cV", "dV")
                au, bu, cu, du, av, bv, cv, dv = (self.number(shape, name, where) for name in names)
                return ParamPoly3(
                    s_m=s_m, x_m=x_m, y_m=y_m, heading_rad=heading_rad, length_m=length_m,
                    au=au, bu=bu, cu=cu, du=du, av=av, bv=bv, cv=cv, dv=dv,
                    p_range="arcLength" if p_range == "arcLength" else "normalized",
                )  # fmt: skip
        except RoadError as error:
            if isinstance(error, OpenDriveError):
                raise
            raise self.fail(where, str(error)) from error
        raise self.fail(
            where, f"unknown geometry <{shape.tag}> (known: line, arc, spiral, poly3, paramPoly3)"
        )

    def cubic(self, element: ET.Element, where: str, start: str) -> Cubic:
        try:
            return Cubic(
                s_m=self.number(element, start, where),
                a=self.number(element, "a", where),
                b=self.number(element, "b", where, 0.0),
                c=self.number(element, "c", where, 0.0),
                d=self.number(element, "d", where, 0.0),
            )
        except RoadError as error:
            if isinstance(error, OpenDriveError):
                raise
            raise self.fail(where, str(error)) from error

    # --- lanes ----------------------------------------------------------------------------

    def lane_section(self, element: ET.Element, where: str) -> LaneSection:
        s = self.number(element, "s", where)
        sides: dict[str, tuple[Lane, ...]] = {}
        for side in ("left", "right"):
            group = element.find(side)
            sides[side] = (
                ()
                if group is None
                else tuple(self.lane(lane, f"{where} <{side}>") for lane in group.findall("lane"))
            )
        center = element.find("center")
        marks: tuple[RoadMark, ...] = ()
        if center is not None:
            for lane in center.findall("lane"):
                marks += tuple(
                    self.road_mark(mark, f"{where} <center> lane 0") for mark in lane.findall("roadMark")
                )
        try:
            return LaneSection(s_m=s, left=sides["left"], right=sides["right"], center_marks=marks)
        except RoadError as error:
            raise self.fail(where, str(error)) from error

    def lane(self, element: ET.Element, where: str) -> Lane:
        if element.tag != "lane":
            raise self.fail(where, f"unexpected <{element.tag}> among the lanes")
        lane_id = self.integer(element, "id", where)
        where = f"{where} lane {lane_id}"
        type_text = self.text(element, "type", where)
        lane_type = _LANE_TYPES.get(type_text.lower())
        if lane_type is None:
            raise self.fail(where, f"<lane> attribute type={type_text!r} is not an OpenDRIVE lane type")
        widths = tuple(self.cubic(width, f"{where} <width>", "sOffset") for width in element.findall("width"))
        if not widths:
            if element.find("border") is not None:
                raise self.fail(where, "lane <border> records are not supported; use <width>")
            raise self.fail(where, "<lane> has no <width>")
        predecessor = successor = None
        link = element.find("link")
        if link is not None:
            for tag in ("predecessor", "successor"):
                linked = link.find(tag)
                if linked is not None:
                    value = self.integer(linked, "id", f"{where} <link> <{tag}>")
                    predecessor, successor = (
                        (value, successor) if tag == "predecessor" else (predecessor, value)
                    )
        marks = tuple(self.road_mark(mark, where) for mark in element.findall("roadMark"))
        try:
            return Lane(
                id=lane_id,
                type=lane_type,
                widths=widths,
                road_marks=marks,
                predecessor_id=predecessor,
                successor_id=successor,
            )
        except RoadError as error:
            raise self.fail(where, str(error)) from error

    def road_mark(self, element: ET.Element, where: str) -> RoadMark:
        where = f"{where} <roadMark>"
        type_text = self.text(element, "type", where)
        try:
            kind = MarkingType(type_text.strip().replace(" ", "_").lower())
        except ValueError:
            raise self.fail(where, f"type={type_text!r} is not an OpenDRIVE road mark type") from None
        color_text = element.get("color", "standard")
        try:
            color = MarkingColor(color_text.lower())
        except ValueError:
            raise self.fail(where, f"color={color_text!r} is not an OpenDRIVE road mark colour") from None
        default_width = 0.0 if kind is MarkingType.NONE else _DEFAULT_MARK_WIDTH_M
        try:
            return RoadMark(
                s_offset_m=self.number(element, "sOffset", where),
                type=kind,
                color=color,
                width_m=self.number(element, "width", where, default_width),
                weight=element.get("weight", "standard"),
                lane_change=element.get("laneChange", "both"),
            )
        except RoadError as error:
            if isinstance(error, OpenDriveError):
                raise
            raise self.fail(where, str(error)) from error

    # --- junctions ------------------------------------------------------------------------

    def junction(self, element: ET.Element) -> Junction:
        junction_id = self.text(element, "id", "<junction>")
        where = f"junction {junction_id!r}"
        connections = []
        for number, connection in enumerate(element.findall("connection")):
            here = f"{where} <connection> #{number + 1}"
            contact = self.text(connection, "contactPoint", here)
            if contact not in ("start", "end"):
                raise self.fail(here, f"contactPoint={contact!r} is not 'start' or 'end'")
            links = tuple(
                (
                    self.integer(link, "from", f"{here} <laneLink>"),
                    self.integer(link, "to", f"{here} <laneLink>"),
                )
                for link in connection.findall("laneLink")
            )
            connections.append(
                JunctionConnection(
                    id=connection.get("id", str(number)),
                    incoming_road_id=self.text(connection, "incomingRoad", here),
                    connecting_road_id=self.text(connection, "connectingRoad", here),
                    contact_point=ContactPoint(contact),
                    lane_links=links,
                )
            )
        return Junction(id=junction_id, name=element.get("name", ""), connections=tuple(connections))


def parse_opendrive(text: str | bytes, *, source: Path | str = "<string>") -> RoadNetwork:
    """Read an OpenDRIVE document held in memory; ``source`` names it in errors."""
    path = Path(source)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        raise OpenDriveError(path, f"malformed XML at line {line}, column {column}: {error}") from error
    return _Reader(path).network(root)


def read_opendrive(path: Path | str) -> RoadNetwork:
    """Read an OpenDRIVE (.xodr) file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OpenDriveError(path, f"cannot read the file: {error.strerror or error}") from error
    return parse_opendrive(data, source=path)
