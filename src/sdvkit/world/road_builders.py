"""Native road builders: a straight road, a curved road and an X-intersection of two straight roads.

Every builder lays its lanes out as one :class:`LaneLayout` says: ``lanes_per_direction`` driving
lanes on each side of the centre line, optionally a shoulder outside them. Markings:
``center_marking`` on the centre line, ``lane_marking`` between lanes of one direction,
``edge_marking`` outside the outermost driving lane. Right-hand traffic: the right lanes (ids −1,
−2, …) drive along the road.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from sdvkit.world.errors import RoadError
from sdvkit.world.geometry import Arc, Line, ReferenceLine, Segment
from sdvkit.world.network import Junction, JunctionConnection, RoadNetwork
from sdvkit.world.roads import (
    ContactPoint,
    Cubic,
    ElementType,
    Lane,
    LaneSection,
    LaneType,
    MarkingType,
    Road,
    RoadLink,
    RoadMark,
)

_TURN_CLEARANCE_M = 2.5
"""How far the corner arcs of an X-intersection keep their inner lane border from the corner."""


@dataclass(frozen=True, kw_only=True, slots=True)
class LaneLayout:
    """The lanes and markings of a native road, the same on both sides of the centre line."""

    lanes_per_direction: int = 1
    lane_width_m: float = 3.5
    shoulder_width_m: float = 0.0
    center_marking: MarkingType = MarkingType.BROKEN
    lane_marking: MarkingType = MarkingType.BROKEN
    edge_marking: MarkingType = MarkingType.SOLID
    marking_width_m: float = 0.12

    def __post_init__(self) -> None:
        lanes = self.lanes_per_direction
        if isinstance(lanes, bool) or not isinstance(lanes, int) or lanes < 1:
            raise RoadError(f"lanes_per_direction must be an integer >= 1, not {lanes!r}")
        if not (math.isfinite(self.lane_width_m) and self.lane_width_m > 0):
            raise RoadError(f"lane_width_m must be > 0, not {self.lane_width_m!r}")
        for name in ("shoulder_width_m", "marking_width_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise RoadError(f"{name} must be >= 0, not {value!r}")

    @property
    def half_width_m(self) -> float:
        """From the centre line to the outer edge of one side."""
        return self.lanes_per_direction * self.lane_width_m + self.shoulder_width_m

    def unmarked(self) -> LaneLayout:
        """The same lanes with no markings (inside a junction)."""
        return dataclasses.replace(
            self,
            center_marking=MarkingType.NONE,
            lane_marking=MarkingType.NONE,
            edge_marking=MarkingType.NONE,
            marking_width_m=0.0,
        )


def _section(layout: LaneLayout) -> LaneSection:
    lanes_per_direction = layout.lanes_per_direction
    lane_width_m = layout.lane_width_m
    shoulder_width_m = layout.shoulder_width_m
    marking_width_m = layout.marking_width_m
    edge_marking, lane_marking = layout.edge_marking, layout.lane_marking

    def mark(kind: MarkingType) -> tuple[RoadMark, ...]:
        return (RoadMark(type=kind, width_m=marking_width_m if kind is not MarkingType.NONE else 0.0),)

    sides: list[list[Lane]] = [[], []]
    for side, sign in enumerate((1, -1)):
        for number in range(1, lanes_per_direction + 1):
            outermost = number == lanes_per_direction
            sides[side].append(
                Lane(
                    id=sign * number,
                    type=LaneType.DRIVING,
                    widths=(Cubic(a=lane_width_m),),
                    road_marks=mark(edge_marking if outermost else lane_marking),
                    predecessor_id=sign * number,
                    successor_id=sign * number,
                )
            )
        if shoulder_width_m > 0:
            number = lanes_per_direction + 1
            sides[side].append(
                Lane(
                    id=sign * number,
                    type=LaneType.SHOULDER,
                    widths=(Cubic(a=shoulder_width_m),),
                    road_marks=mark(MarkingType.NONE),
                    predecessor_id=sign * number,
                    successor_id=sign * number,
                )
            )
    return LaneSection(left=tuple(sides[0]), right=tuple(sides[1]), center_marks=mark(layout.center_marking))


def _road(
    road_id: str,
    segments: list[Segment],
    section: LaneSection,
    *,
    junction_id: str | None = None,
    predecessor: RoadLink | None = None,
    successor: RoadLink | None = None,
) -> Road:
    line = ReferenceLine(segments=tuple(segments))
    return Road(
        id=road_id,
        name=road_id,
        length_m=line.length_m,
        reference_line=line,
        lane_sections=(section,),
        junction_id=junction_id,
        predecessor=predecessor,
        successor=successor,
    )


def straight_road(
    *,
    length_m: float,
    layout: LaneLayout = LaneLayout(),
    x_m: float = 0.0,
    y_m: float = 0.0,
    heading_rad: float = 0.0,
    road_id: str = "0",
) -> Road:
    """A straight two-way road from (``x_m``, ``y_m``) along ``heading_rad``."""
    if not (math.isfinite(length_m) and length_m > 0):
        raise RoadError(f"length_m must be > 0, not {length_m!r}")
    section = _section(layout)
    segment = Line(s_m=0.0, x_m=x_m, y_m=y_m, heading_rad=heading_rad, length_m=length_m)
    return _road(road_id, [segment], section)


def curved_road(
    radius_m: float,
    *,
    angle_rad: float = math.pi / 2,
    turn: str = "left",
    approach_m: float = 0.0,
    exit_m: float = 0.0,
    layout: LaneLayout = LaneLayout(),
    x_m: float = 0.0,
    y_m: float = 0.0,
    heading_rad: float = 0.0,
    road_id: str = "0",
) -> Road:
    """A road that turns ``angle_rad`` to the ``turn`` side on a circle of ``radius_m``, with
    optional straight ``approach_m`` before and ``exit_m`` after the curve."""
    if turn not in ("left", "right"):
        raise RoadError(f"turn must be 'left' or 'right', not {turn!r}")
    if not (math.isfinite(angle_rad) and 0 < angle_rad <= math.tau):
        raise RoadError(f"angle_rad must be in (0, 2π], not {angle_rad!r}")
    for name, value in (("approach_m", approach_m), ("exit_m", exit_m)):
        if not (math.isfinite(value) and value >= 0):
            raise RoadError(f"{name} must be >= 0, not {value!r}")
    section = _section(layout)
    half_width = layout.half_width_m
    if not (math.isfinite(radius_m) and radius_m > half_width):
        raise RoadError(
            f"radius_m must be larger than the road's half width {half_width} m, not {radius_m!r}"
        )
    curvature = (1.0 if turn == "left" else -1.0) / radius_m
    segments: list[Segment] = []
    s = 0.0
    x, y, heading = x_m, y_m, heading_rad
    if approach_m > 0:
        segments.append(Line(s_m=s, x_m=x, y_m=y, heading_rad=heading, length_m=approach_m))
        x, y, heading = segments[-1].pose_at(approach_m)
        s += approach_m
    arc_length = radius_m * angle_rad
    segments.append(
        Arc(s_m=s, x_m=x, y_m=y, heading_rad=heading, length_m=arc_length, curvature_per_m=curvature)
    )
    x, y, heading = segments[-1].pose_at(arc_length)
    s += arc_length
    if exit_m > 0:
        segments.append(Line(s_m=s, x_m=x, y_m=y, heading_rad=heading, length_m=exit_m))
    return _road(road_id, segments, section)


def x_intersection(
    *,
    arm_length_m: float = 100.0,
    layout: LaneLayout = LaneLayout(),
    junction_id: str = "junction",
) -> RoadNetwork:
    """Two straight roads crossing at the origin: the west–east road along x, the south–north
    road along y, as four arms (``west``, ``east``, ``south``, ``north``, each starting at the
    junction and leading away from it) and the junction's connecting roads: two straight
    (``west-east``, ``south-north``) and four corner arcs (``west-north``, ``north-east``,
    ``east-south``, ``south-west``), all lanes linked."""
    if not (math.isfinite(arm_length_m) and arm_length_m > 0):
        raise RoadError(f"arm_length_m must be > 0, not {arm_length_m!r}")
    arm_section = _section(layout)
    inner_section = _section(layout.unmarked())
    # A connecting road starts against its first arm: its lane k continues that arm's lane -k.
    inner_section = LaneSection(
        left=tuple(dataclasses.replace(lane, predecessor_id=-lane.id) for lane in inner_section.left),
        right=tuple(dataclasses.replace(lane, predecessor_id=-lane.id) for lane in inner_section.right),
        center_marks=inner_section.center_marks,
    )
    half = layout.half_width_m + _TURN_CLEARANCE_M
    to_junction = RoadLink(element_type=ElementType.JUNCTION, element_id=junction_id)
    arms = {
        "west": (-half, 0.0, math.pi),
        "east": (half, 0.0, 0.0),
        "south": (0.0, -half, -math.pi / 2),
        "north": (0.0, half, math.pi / 2),
    }
    roads = [
        _road(
            name,
            [Line(s_m=0.0, x_m=x, y_m=y, heading_rad=heading, length_m=arm_length_m)],
            arm_section,
            predecessor=to_junction,
        )
        for name, (x, y, heading) in arms.items()
    ]
    # (from arm, to arm, curvature): straight ahead, or a quarter circle turning left from it.
    connectors = (
        ("west", "east", 0.0),
        ("south", "north", 0.0),
        ("west", "north", 1.0 / half),
        ("north", "east", 1.0 / half),
        ("east", "south", 1.0 / half),
        ("south", "west", 1.0 / half),
    )
    connections: list[JunctionConnection] = []
    for start_arm, end_arm, curvature in connectors:
        x, y, arm_heading = arms[start_arm]
        heading = arm_heading + math.pi  # into the junction
        segment: Segment
        if curvature == 0.0:
            segment = Line(s_m=0.0, x_m=x, y_m=y, heading_rad=heading, length_m=2.0 * half)
        else:
            segment = Arc(
                s_m=0.0,
                x_m=x,
                y_m=y,
                heading_rad=heading,
                length_m=half * math.pi / 2,
                curvature_per_m=curvature,
            )
        road_id = f"{start_arm}-{end_arm}"
        roads.append(
            _road(
                road_id,
                [segment],
                inner_section,
                junction_id=junction_id,
                predecessor=RoadLink(
                    element_type=ElementType.ROAD, element_id=start_arm, contact_point=ContactPoint.START
                ),
                successor=RoadLink(
                    element_type=ElementType.ROAD, element_id=end_arm, contact_point=ContactPoint.START
                ),
            )
        )
        ids = [lane.id for lane in (*inner_section.left, *inner_section.right)]
        # The connecting road starts against its first arm and ends along its second.
        for arm, contact, sign in ((start_arm, ContactPoint.START, -1), (end_arm, ContactPoint.END, 1)):
            connections.append(
                JunctionConnection(
                    id=str(len(connections)),
                    incoming_road_id=arm,
                    connecting_road_id=road_id,
                    contact_point=contact,
                    lane_links=tuple((lane_id, sign * lane_id) for lane_id in ids),
                )
            )
    junction = Junction(id=junction_id, name="x-intersection", connections=tuple(connections))
    return RoadNetwork(roads=tuple(roads), junctions=(junction,))
