"""Lane perception by the front camera: lane markings, road edges and the lane's width.

Each scan the camera reads the true markings around the front bumper
(:meth:`RoadNetwork.lane_markings`, left and right as seen along the ego's heading) and the road
under it, and measures, with normal noise, each marking as a curve in the vehicle frame: lateral
offset at the bumper (along y, positive left), heading relative to the vehicle, curvature (1/m,
positive bending left), type (the world's marking types as
:data:`~sdvkit.signals.builtin.perception.LANE_MARKING_TYPES` names them), confidence and view
range. A border without paint (an unmarked road, a grass or curb edge) is no marking: IsValid
false. The road edges are the outer borders of the outermost lanes, shoulders included, so ELK
has them on unmarked roads too. Night shortens the view range and lowers the confidence.

The measurement arrives after the camera's latency and is carried to the current vehicle frame
with the ego's motion since (see :mod:`sdvkit.sensing.egomotion`).
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numpy as np

from sdvkit.sensing.egomotion import EgoHistory, FrameMotion
from sdvkit.sensing.errors import SensingSetupError
from sdvkit.sensing.specs import CameraModel, SensorSpec
from sdvkit.sensing.truth import TruthFrame
from sdvkit.world.lanes import MarkingType
from sdvkit.world.scene import World

MARKING_TYPES: dict[MarkingType, str] = {
    MarkingType.SOLID: "SOLID",
    MarkingType.BROKEN: "DASHED",
    MarkingType.SOLID_SOLID: "DOUBLE_SOLID",
    MarkingType.SOLID_BROKEN: "SOLID_DASHED",
    MarkingType.BROKEN_SOLID: "DASHED_SOLID",
    MarkingType.BROKEN_BROKEN: "DASHED",
    MarkingType.BOTTS_DOTS: "BOTTS_DOTS",
}
"""World marking types as the perception branch names them; anything else (none, grass, curb,
edge, custom) is no paint the camera can follow."""

CONFIDENCE_PCT: dict[str, float] = {
    "SOLID": 95.0,
    "DOUBLE_SOLID": 95.0,
    "SOLID_DASHED": 93.0,
    "DASHED_SOLID": 93.0,
    "DASHED": 90.0,
    "BOTTS_DOTS": 70.0,
}
"""The camera's confidence in a marking by its type, by day."""

_MIN_COSINE = 0.1
_TIME_EPSILON_S = 1e-9


class MarkingEstimate(NamedTuple):
    lateral_offset_m: float
    heading_rad: float
    curvature_per_m: float
    marking_type: str
    confidence_pct: float
    view_range_m: float


class RoadView(NamedTuple):
    """One lane measurement: markings (None where there is none), road edges, lane width."""

    time_s: float
    left: MarkingEstimate | None
    right: MarkingEstimate | None
    left_edge_m: float | None
    right_edge_m: float | None
    lane_width_m: float
    heading_rad: float
    """Of the lane, relative to the vehicle (the edges run along it)."""
    curvature_per_m: float
    """Of the ego's lane centre."""


def _parallel(curvature_per_m: float, t_m: float) -> float:
    """The curvature of the line ``t_m`` left of a reference line of ``curvature_per_m``."""
    return curvature_per_m / (1.0 - curvature_per_m * t_m)


def _carry(offset_m: float, heading_rad: float, curvature: float, motion: FrameMotion) -> tuple[float, float]:
    """A curve y = offset + tan(heading) x + curvature x²/2 of the earlier frame, as its offset and
    heading in the later frame (the curvature does not change)."""
    slope = math.tan(heading_rad)
    c, s = math.cos(motion.dpsi_rad), math.sin(motion.dpsi_rad)
    x = motion.dx_m
    for _ in range(2):  # the curve point at the later frame's x = 0
        y = offset_m + slope * x + 0.5 * curvature * x * x
        x = motion.dx_m - (y - motion.dy_m) * s / c
    y = offset_m + slope * x + 0.5 * curvature * x * x
    later_offset = -s * (x - motion.dx_m) + c * (y - motion.dy_m)
    return later_offset, math.atan(slope + curvature * x) - motion.dpsi_rad


def _carry_view(view: RoadView, motion: FrameMotion) -> RoadView:
    if motion.dt_s <= 0.0:
        return view
    markings: list[MarkingEstimate | None] = []
    for marking in (view.left, view.right):
        if marking is None:
            markings.append(None)
            continue
        offset, heading = _carry(
            marking.lateral_offset_m, marking.heading_rad, marking.curvature_per_m, motion
        )
        markings.append(marking._replace(lateral_offset_m=offset, heading_rad=heading))
    edges: list[float | None] = []
    for edge in (view.left_edge_m, view.right_edge_m):
        edges.append(
            None if edge is None else _carry(edge, view.heading_rad, view.curvature_per_m, motion)[0]
        )
    slope = math.tan(view.heading_rad) + view.curvature_per_m * motion.dx_m
    heading = math.atan(slope) - motion.dpsi_rad
    return RoadView(
        view.time_s + motion.dt_s,
        markings[0],
        markings[1],
        edges[0],
        edges[1],
        view.lane_width_m,
        heading,
        view.curvature_per_m,
    )


class LaneCamera:
    """The front camera's lane channel: scans at its rate, delivers after its latency."""

    __slots__ = ("_latest", "_next_due_s", "_queue", "blocked", "camera", "night", "rng", "spec", "world")

    def __init__(
        self, spec: SensorSpec, world: World, rng: np.random.Generator, *, night: bool = False
    ) -> None:
        if spec.camera is None:
            raise SensingSetupError(f"sensor {spec.name!r} is no camera: lane perception needs one")
        self.spec = spec
        self.camera: CameraModel = spec.camera
        self.world = world
        self.rng = rng
        self.night = night
        self.blocked = False
        self._queue: deque[tuple[float, RoadView | None]] = deque()
        self._next_due_s: float | None = None
        self._latest: RoadView | None = None

    def step(self, frame: TruthFrame, history: EgoHistory) -> RoadView | None:
        """The latest delivered lane measurement, carried to ``frame``'s time; None when there is
        none (nothing delivered yet, off the road, or blocked)."""
        now = frame.ego.time_s
        due = self._next_due_s
        if due is None or now + _TIME_EPSILON_S >= due:
            due = now if due is None else due
            while due <= now + _TIME_EPSILON_S:
                due += self.spec.period_s
            self._next_due_s = due
            self._queue.append((now + self.spec.latency_s, None if self.blocked else self.measure(frame)))
        queue = self._queue
        while queue and queue[0][0] <= now + _TIME_EPSILON_S:
            self._latest = queue.popleft()[1]
        latest = self._latest
        if latest is None:
            return None
        return _carry_view(latest, history.motion(latest.time_s, now))

    def measure(self, frame: TruthFrame) -> RoadView | None:
        """The lanes around the ego at ``frame``'s time, with noise; None off every road."""
        network = self.world.network
        if network is None:
            return None
        ego = frame.ego
        markings = network.lane_markings(ego.x_m, ego.y_m, ego.heading_rad)
        if markings is None:
            markings = self.world.ego_lane_markings()
            if markings is None:
                return None
        road = network.road(markings.road_id)
        line_heading = road.pose_at(markings.s_m)[2]
        forward = math.cos(ego.heading_rad - line_heading) >= 0.0
        travel_heading = line_heading if forward else line_heading + math.pi
        heading = math.remainder(travel_heading - ego.heading_rad, math.tau)
        cosine = max(math.cos(heading), _MIN_COSINE)
        direction = 1.0 if forward else -1.0
        reference_curvature = road.curvature_at(markings.s_m)
        camera = self.camera
        night = camera.night if self.night else None
        view_range = camera.lane_view_range_m * (night.lane_range_factor if night is not None else 1.0)
        confidence_factor = night.lane_confidence_factor if night is not None else 1.0
        normals: list[float] = self.rng.standard_normal(9).tolist()
        heading_std = math.radians(camera.lane_heading_std_deg)
        estimates: list[MarkingEstimate | None] = []
        for index, (distance, mark, sign) in enumerate(
            (
                (markings.left_distance_m, markings.left_mark, 1.0),
                (markings.right_distance_m, markings.right_mark, -1.0),
            )
        ):
            marking_type = MARKING_TYPES.get(mark.type)
            if marking_type is None:
                estimates.append(None)
                continue
            t_m = markings.t_m + direction * sign * distance
            n = normals[3 * index : 3 * index + 3]
            estimates.append(
                MarkingEstimate(
                    sign * distance / cosine + n[0] * camera.lane_offset_std_m,
                    heading + n[1] * heading_std,
                    direction * _parallel(reference_curvature, t_m) + n[2] * camera.lane_curvature_std_per_m,
                    marking_type,
                    CONFIDENCE_PCT[marking_type] * confidence_factor,
                    view_range,
                )
            )
        edge_std = camera.road_edge_std_m
        width = markings.left_distance_m + markings.right_distance_m
        return RoadView(
            ego.time_s,
            estimates[0],
            estimates[1],
            markings.left_edge_distance_m / cosine + normals[6] * edge_std,
            -markings.right_edge_distance_m / cosine + normals[7] * edge_std,
            max(0.0, width + normals[8] * camera.lane_offset_std_m),
            heading,
            direction * _parallel(reference_curvature, markings.t_m),
        )
