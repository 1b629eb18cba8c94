"""Test equipment: perfect sensing, the ``Vehicle.ADAS.Perception`` branch straight from ground truth.

:class:`IdealPerception` is a test-bench app (it holds the :class:`~sdvkit.world.scene.World`
itself) that publishes, ``rate_hz`` times a second and in one atomic publish, what a sensor set
with no noise, no latency and no misses would report: the tracked objects nearest first, the ego
lane's markings and the road edges, and the cycle counter raised. The driver assistance functions
read it through :func:`sdvkit.safety.perception.read_perception`, exactly as they would read the
real sensing, so a closed-loop test isolates the function from the sensing's errors::

    world = World(RoadNetwork(roads=(straight_road(length_m=500.0),)))
    plant = runner.add(VehiclePlant(model, world=world))  # places the ego in the world
    perception = runner.add(IdealPerception(world))
    perception.track_id("target")  # the track id the actor "target" is published under

Conventions (those of the perception branch, ISO 8855, origin at the middle of the front bumper):

- ``LongitudinalPosition`` is the signed distance along x from the front bumper to the object's
  box point nearest along x: the near face of an object ahead (> 0), the face towards the bumper
  of an object behind it (< 0: the box's largest x), 0 while the box spans the bumper's plane.
- ``LateralPosition`` is the box centre, positive to the left.
- ``LongitudinalVelocity`` / ``LateralVelocity`` are the object's ground velocity minus the ego's,
  expressed in the ego's axes (:meth:`World.relative_actors`; no term for the ego's rotation), so
  the object's ground velocity is the relative velocity plus (ego speed, 0).
- ``Heading`` is the object's heading minus the ego's, in degrees within ±180.
- Lane markings and road edges are those of the lane under the front bumper's middle, their
  offsets measured there along the ego's y axis; heading and curvature along the ego's direction
  of travel. Markings the branch has no type for (grass, curb) are not valid.
- Lifted boxes the ego passes under (a sign gantry) are not published: sensing drops them.
- With ``occlusion=True`` an object is dropped while nearer objects hide the whole of it, as seen
  from the front bumper's middle (a crude 2-D shadow test; off by default, so "ideal" means the
  sensors see through other road users).
"""

from __future__ import annotations

import math
from typing import Any

from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.signals.builtin.perception import ROWS as PERCEPTION_ROWS
from sdvkit.signals.builtin.perception import TRACKED_OBJECT_SLOTS
from sdvkit.world.actors import ActorKind, ActorSpec
from sdvkit.world.lanes import MarkingType
from sdvkit.world.scene import EGO_ID, World

PERCEPTION = "Vehicle.ADAS.Perception"
DEFAULT_RANGE_M = 200.0
"""Objects whose box is farther than this from the ego's box are not published."""
VIEW_RANGE_M = 100.0
"""The view range reported for lane markings."""

_CLASS_OF_KIND: dict[ActorKind, str] = {
    ActorKind.CAR: "CAR",
    ActorKind.PEDESTRIAN: "PEDESTRIAN",
    ActorKind.CYCLIST: "CYCLIST",
    ActorKind.OBSTACLE: "STATIC_OBSTACLE",
}
TRUCK_LENGTH_M = 7.0
"""A car box at least this long is published as a TRUCK."""

_MARKING_TYPES: dict[MarkingType, str] = {
    MarkingType.SOLID: "SOLID",
    MarkingType.BROKEN: "DASHED",
    MarkingType.SOLID_SOLID: "DOUBLE_SOLID",
    MarkingType.SOLID_BROKEN: "SOLID_DASHED",
    MarkingType.BROKEN_SOLID: "DASHED_SOLID",
    MarkingType.BROKEN_BROKEN: "DASHED",
    MarkingType.BOTTS_DOTS: "BOTTS_DOTS",
}
"""World marking types as the perception branch names them; anything else is not a marking."""

_SENSORS = (
    "FrontRadar",
    "FrontCamera",
    "CornerRadarFrontLeft",
    "CornerRadarFrontRight",
    "CornerRadarRearLeft",
    "CornerRadarRearRight",
)


_Corners = tuple[tuple[float, float], ...]
_Found = tuple[float, str, dict[str, Any], _Corners]
"""An object to publish: its gap to the ego, its actor id, its fields, its box corners (bumper frame)."""


def _wrap_rad(angle_rad: float) -> float:
    return math.remainder(angle_rad, math.tau)


class IdealPerception(VehicleApp):
    """Publishes ``Vehicle.ADAS.Perception`` from the world's ground truth, with no error."""

    name = "ideal perception"

    def __init__(
        self,
        world: World,
        rate_hz: float = 20.0,
        *,
        range_m: float = DEFAULT_RANGE_M,
        occlusion: bool = False,
        name: str | None = None,
    ) -> None:
        if isinstance(rate_hz, bool) or not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"IdealPerception: rate_hz must be a positive number, not {rate_hz!r}")
        if not (math.isfinite(range_m) and range_m > 0):
            raise ValueError(f"IdealPerception: range_m must be a positive number, not {range_m!r}")
        super().__init__(
            name=name,
            manifest=Manifest(writes=(PERCEPTION,), role=AppRole.TEST_BENCH),
            step_period_s=1.0 / rate_hz,
        )
        self.world = world
        self.range_m = range_m
        self.occlusion = occlusion
        self.cycle = 0
        """The last published cycle counter."""
        self._track_ids: dict[str, int] = {}
        self._hidden: set[str] = set()
        self.published_ids: tuple[str, ...] = ()
        """The actor ids published in the last cycle, nearest first."""
        self.paused = False
        """While True nothing is published: sensing has gone quiet (to test staleness)."""

    # -- public helpers -----------------------------------------------------------------------

    def track_id(self, actor_id: str) -> int:
        """The track id ``actor_id`` is (or will be) published under: stable for the whole run."""
        known = self._track_ids.get(actor_id)
        if known is None:
            known = len(self._track_ids) + 1
            self._track_ids[actor_id] = known
        return known

    def hide(self, actor_id: str, hidden: bool = True) -> None:
        """Stop (or resume) publishing an actor: a test's way to make sensing lose a track."""
        if hidden:
            self._hidden.add(actor_id)
        else:
            self._hidden.discard(actor_id)

    # -- the app ------------------------------------------------------------------------------

    def on_start(self) -> None:
        self.provide([row.path for row in PERCEPTION_ROWS])
        health: dict[str, Any] = {}
        for sensor in _SENSORS:
            health[f"{PERCEPTION}.Sensor.{sensor}.IsBlocked"] = False
            health[f"{PERCEPTION}.Sensor.{sensor}.IsError"] = False
        self.publish(health)
        for actor_id in self.world.actor_ids:  # ids in the order actors were added
            self.track_id(actor_id)

    def step(self) -> None:
        if self.paused:
            return
        self.cycle += 1
        values = self.snapshot()
        values[f"{PERCEPTION}.CycleCounter"] = self.cycle
        self.publish(values)

    def snapshot(self) -> dict[str, Any]:
        """One cycle of the branch (everything but the cycle counter) as path → value."""
        values: dict[str, Any] = {}
        objects = self._objects()
        self.published_ids = tuple(actor_id for actor_id, _ in objects)
        for slot in range(1, TRACKED_OBJECT_SLOTS + 1):
            prefix = f"{PERCEPTION}.Object{slot}"
            if slot > len(objects):
                values[f"{prefix}.IsValid"] = False
                continue
            for field, value in objects[slot - 1][1].items():
                values[f"{prefix}.{field}"] = value
        values[f"{PERCEPTION}.ObjectCount"] = len(objects)
        values.update(self._lanes())
        return values

    # -- objects ------------------------------------------------------------------------------

    def _objects(self) -> list[tuple[str, dict[str, Any]]]:
        world = self.world
        ego = world.ego
        if ego is None:
            return []
        ego_spec = world.spec(EGO_ID)
        half_ego_m = 0.5 * ego_spec.length_m
        found: list[_Found] = []
        for seen in world.relative_actors():
            actor_id = seen.actor_id
            if actor_id in self._hidden:
                continue
            spec = world.spec(actor_id)
            if spec.clearance_m > 0.0 and spec.passes_under(ego_spec):
                continue  # a gantry over the road: sensing drops it
            gap_m = world.gap_m(actor_id)
            if gap_m > self.range_m:
                continue
            heading = _wrap_rad(seen.relative_heading_rad)
            extent_x = 0.5 * spec.length_m * abs(math.cos(heading)) + 0.5 * spec.width_m * abs(
                math.sin(heading)
            )
            centre_x = seen.longitudinal_m - half_ego_m  # from the front bumper
            near_x, far_x = centre_x - extent_x, centre_x + extent_x
            longitudinal_m = near_x if near_x >= 0.0 else far_x if far_x <= 0.0 else 0.0
            object_class = _CLASS_OF_KIND[spec.kind]
            if object_class == "CAR" and spec.length_m >= TRUCK_LENGTH_M:
                object_class = "TRUCK"
            fields = {
                "IsValid": True,
                "Id": self.track_id(actor_id),
                "Class": object_class,
                "ExistenceProbability": 100.0,
                "LongitudinalPosition": longitudinal_m,
                "LateralPosition": seen.lateral_m,
                "LongitudinalVelocity": seen.relative_vx_mps,
                "LateralVelocity": seen.relative_vy_mps,
                "Heading": math.degrees(heading),
                "Length": spec.length_m,
                "Width": spec.width_m,
            }
            found.append((gap_m, actor_id, fields, _corners(centre_x, seen.lateral_m, heading, spec)))
        found.sort(key=lambda item: (item[0], item[1]))
        if self.occlusion:
            found = _visible(found)
        return [(actor_id, fields) for _, actor_id, fields, _ in found[:TRACKED_OBJECT_SLOTS]]

    # -- lanes and road edges -------------------------------------------------------------------

    def _lanes(self) -> dict[str, Any]:
        world = self.world
        ego = world.ego
        values: dict[str, Any] = {}
        markings = None
        network = world.network
        if ego is not None and network is not None:
            half = 0.5 * world.spec(EGO_ID).length_m
            front_x = ego.x_m + half * math.cos(ego.heading_rad)
            front_y = ego.y_m + half * math.sin(ego.heading_rad)
            markings = network.lane_markings(front_x, front_y, ego.heading_rad)
            if markings is None:
                markings = world.ego_lane_markings()
        if markings is None or ego is None or network is None:
            for side in ("Left", "Right"):
                values[f"{PERCEPTION}.LaneMarking.{side}.IsValid"] = False
                values[f"{PERCEPTION}.RoadEdge.{side}.IsValid"] = False
            return values
        road = network.road(markings.road_id)
        line_heading = road.pose_at(markings.s_m)[2]
        forward = math.cos(ego.heading_rad - line_heading) >= 0.0
        travel_heading = line_heading if forward else line_heading + math.pi
        heading_rad = _wrap_rad(travel_heading - ego.heading_rad)
        cosine = max(math.cos(heading_rad), 0.1)
        direction = 1.0 if forward else -1.0
        for side, distance_m, mark, sign in (
            ("Left", markings.left_distance_m, markings.left_mark, 1.0),
            ("Right", markings.right_distance_m, markings.right_mark, -1.0),
        ):
            prefix = f"{PERCEPTION}.LaneMarking.{side}"
            marking_type = _MARKING_TYPES.get(mark.type)
            if marking_type is None:
                values[f"{prefix}.IsValid"] = False
                continue
            t_m = markings.t_m + direction * sign * distance_m
            curvature = direction * road.curvature_at(markings.s_m, t_m)
            values.update(
                {
                    f"{prefix}.IsValid": True,
                    f"{prefix}.LateralOffset": sign * distance_m / cosine,
                    f"{prefix}.HeadingAngle": math.degrees(heading_rad),
                    f"{prefix}.Curvature": curvature,
                    f"{prefix}.Type": marking_type,
                    f"{prefix}.Confidence": 100.0,
                    f"{prefix}.ViewRange": VIEW_RANGE_M,
                }
            )
        values[f"{PERCEPTION}.LaneWidth"] = max(0.0, markings.left_distance_m + markings.right_distance_m)
        for side, distance_m, sign in (
            ("Left", markings.left_edge_distance_m, 1.0),
            ("Right", markings.right_edge_distance_m, -1.0),
        ):
            values[f"{PERCEPTION}.RoadEdge.{side}.IsValid"] = True
            values[f"{PERCEPTION}.RoadEdge.{side}.LateralOffset"] = sign * distance_m / cosine
        return values


def _corners(centre_x: float, centre_y: float, heading_rad: float, spec: ActorSpec) -> _Corners:
    c, s = math.cos(heading_rad), math.sin(heading_rad)
    half_length, half_width = 0.5 * spec.length_m, 0.5 * spec.width_m
    return tuple(
        (
            centre_x + a * half_length * c - b * half_width * s,
            centre_y + a * half_length * s + b * half_width * c,
        )
        for a, b in ((1, 1), (1, -1), (-1, -1), (-1, 1))
    )


def _visible(found: list[_Found]) -> list[_Found]:
    """Drop the objects whose bearing span, seen from the front bumper's middle, nearer objects
    cover entirely (objects beside or behind the bumper are never hidden)."""
    kept: list[_Found] = []
    shadows: list[tuple[float, float, float]] = []  # (low bearing, high bearing, nearest range)
    for item in found:
        corners = item[3]
        if min(x for x, _ in corners) <= 0.0:
            kept.append(item)
            continue
        bearings = [math.atan2(y, x) for x, y in corners]
        low, high = min(bearings), max(bearings)
        nearest_m = min(math.hypot(x, y) for x, y in corners)
        if not any(
            s_low <= low and high <= s_high and s_range < nearest_m for s_low, s_high, s_range in shadows
        ):
            kept.append(item)
        shadows.append((low, high, nearest_m))
    return kept
