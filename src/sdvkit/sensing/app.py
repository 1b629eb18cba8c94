"""The sensing app: the sensors, tracker and lane camera on the broker.

:class:`SensingApp` is part of the simulated vehicle (role ``PLANT``: it reads the
:class:`~sdvkit.world.scene.World` it is given, which a real car's sensors would see for
themselves). Each step it runs one :class:`~sdvkit.sensing.pipeline.SensingPipeline` cycle and
publishes, in one atomic publish:

- ``Vehicle.ADAS.Perception``: the confirmed tracks, most relevant first, in ``Object1`` ..
  ``Object16`` (the rest ``IsValid`` false), ``ObjectCount``, the lane markings, road edges and
  lane width, the sensors' health, and ``CycleCounter`` raised by one;
- ``Vehicle.Sdvkit.GroundTruth``: the nearest 16 actors as they really are, in the same slot
  layout, each under a number that stays its own for the run (for displays and test benches).

A slot's field or a health flag whose value did not change since the last cycle is not published
again, so a subscriber sees each change once. ``Vehicle.Sdvkit.FaultInjection.FrontRadarBlocked``
(the plant's test hook) blocks the front radar: it detects nothing and reports ``IsBlocked``.

Wiring, on a SimClock::

    plant = runner.add(VehiclePlant(model, world=world))   # first: it moves the world
    sensing = runner.add(SensingApp(world, seed=1, lighting="night"))
    ...
    sensing.tracks   # the published tracks, with the actor each came from (test benches only)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.sensing.errors import SensingSetupError
from sdvkit.sensing.lanes import MarkingEstimate, RoadView
from sdvkit.sensing.pipeline import PerceptionFrame, SensingPipeline
from sdvkit.sensing.specs import SensorSpec, TrackerSpec
from sdvkit.sensing.tracking import FusedTrack
from sdvkit.sensing.truth import TruthObject
from sdvkit.signals.builtin import perception
from sdvkit.signals.builtin.perception import PERCEPTION_SENSORS, TRACKED_OBJECT_SLOTS
from sdvkit.signals.builtin.simulation import GROUND_TRUTH, GROUND_TRUTH_ROWS
from sdvkit.world.scene import World

PERCEPTION = "Vehicle.ADAS.Perception"
FRONT_RADAR_BLOCKED = "Vehicle.Sdvkit.FaultInjection.FrontRadarBlocked"
CYCLE_COUNTER = f"{PERCEPTION}.CycleCounter"
OBJECT_FIELDS = (
    "IsValid",
    "Id",
    "Class",
    "ExistenceProbability",
    "LongitudinalPosition",
    "LateralPosition",
    "LongitudinalVelocity",
    "LateralVelocity",
    "Heading",
    "Length",
    "Width",
)
_MARKING_FIELDS = ("IsValid", "LateralOffset", "HeadingAngle", "Curvature", "Type", "Confidence", "ViewRange")


def _slot_paths(branch: str) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(f"{branch}.Object{slot}.{name}" for name in OBJECT_FIELDS)
        for slot in range(1, TRACKED_OBJECT_SLOTS + 1)
    )


_PROVIDED = tuple(row.path for row in (*perception.ROWS, *GROUND_TRUTH_ROWS))
"""Every leaf of the two branches (the broker claims leaves, not branches)."""
_PERCEPTION_SLOTS = _slot_paths(PERCEPTION)
_TRUTH_SLOTS = _slot_paths(GROUND_TRUTH)
_MARKING_PATHS = {
    side: tuple(f"{PERCEPTION}.LaneMarking.{side}.{name}" for name in _MARKING_FIELDS)
    for side in ("Left", "Right")
}
_EDGE_PATHS = {
    side: (f"{PERCEPTION}.RoadEdge.{side}.IsValid", f"{PERCEPTION}.RoadEdge.{side}.LateralOffset")
    for side in ("Left", "Right")
}


def _degrees(angle_rad: float) -> float:
    return math.degrees(math.remainder(angle_rad, math.tau))


def _track_values(track: FusedTrack) -> tuple[Any, ...]:
    return (
        True,
        track.id,
        track.object_class,
        track.existence_pct,
        track.longitudinal_m,
        track.y_m,
        track.longitudinal_velocity_mps,
        track.lateral_velocity_mps,
        _degrees(track.heading_rad),
        track.length_m,
        track.width_m,
    )


def _marking_values(marking: MarkingEstimate | None) -> tuple[Any, ...]:
    if marking is None:
        return (False,)
    return (
        True,
        marking.lateral_offset_m,
        max(-90.0, min(90.0, math.degrees(marking.heading_rad))),
        marking.curvature_per_m,
        marking.marking_type,
        marking.confidence_pct,
        marking.view_range_m,
    )


class SensingApp(VehicleApp):
    """Publishes the perception branch (and the ground truth) from a world, ``rate_hz`` times a
    second."""

    name = "sensing"

    def __init__(
        self,
        world: World,
        *,
        seed: int = 0,
        lighting: str = "day",
        suite: Sequence[SensorSpec] | None = None,
        rate_hz: float = 20.0,
        tracker: TrackerSpec | None = None,
        name: str | None = None,
    ) -> None:
        if (
            isinstance(rate_hz, bool)
            or not isinstance(rate_hz, (int, float))
            or not (math.isfinite(rate_hz) and rate_hz > 0)
        ):
            raise SensingSetupError(f"SensingApp: rate_hz must be a positive number, not {rate_hz!r}")
        if suite is not None:
            unknown = [spec.name for spec in suite if spec.name not in PERCEPTION_SENSORS]
            if unknown:
                raise SensingSetupError(
                    f"SensingApp: the perception branch has no health signals for sensors {unknown}; "
                    f"name them from {list(PERCEPTION_SENSORS)}"
                )
        super().__init__(
            name=name,
            manifest=Manifest(
                reads=(FRONT_RADAR_BLOCKED,), writes=(PERCEPTION, GROUND_TRUTH), role=AppRole.PLANT
            ),
            step_period_s=1.0 / rate_hz,
        )
        self.pipeline = SensingPipeline(world, seed=seed, lighting=lighting, suite=suite, tracker=tracker)
        self.world = world
        self.cycle = 0
        """The last published cycle counter."""
        self.tracks: tuple[FusedTrack, ...] = ()
        """The tracks published in the last cycle, in slot order, each with the ground-truth actor
        it was associated with (``actor_id``): test-bench introspection, not for functions."""
        self.frame: PerceptionFrame | None = None
        self._truth_ids: dict[str, int] = {}
        self._perception_slots = _SlotWriter(_PERCEPTION_SLOTS)
        self._truth_slots = _SlotWriter(_TRUTH_SLOTS)
        self._health: frozenset[str] | None = None

    def truth_id(self, actor_id: str) -> int:
        """The number ``actor_id`` is published under in the ground-truth branch (stable)."""
        known = self._truth_ids.get(actor_id)
        if known is None:
            known = self._truth_ids[actor_id] = len(self._truth_ids) + 1
        return known

    def on_start(self) -> None:
        self.provide(_PROVIDED)
        for actor_id in self.world.actor_ids:
            self.truth_id(actor_id)

    def step(self) -> None:
        blocked = self.get(FRONT_RADAR_BLOCKED)
        if "FrontRadar" in self.pipeline.sensor_names:
            self.pipeline.set_blocked("FrontRadar", blocked is not None and blocked.value is True)
        frame = self.pipeline.step(self.now_s)
        self.frame = frame
        self.tracks = frame.tracks[:TRACKED_OBJECT_SLOTS]
        self.cycle += 1
        values: dict[str, Any] = {}
        self._perception_slots.write(values, [_track_values(track) for track in self.tracks])
        values[f"{PERCEPTION}.ObjectCount"] = len(self.tracks)
        self._road(values, frame.road)
        if frame.blocked != self._health:
            self._health = frame.blocked
            for sensor_name in self.pipeline.sensor_names:
                values[f"{PERCEPTION}.Sensor.{sensor_name}.IsBlocked"] = sensor_name in frame.blocked
                values[f"{PERCEPTION}.Sensor.{sensor_name}.IsError"] = False
        truth = self._ground_truth(frame.truth.objects)
        self._truth_slots.write(values, truth)
        values[f"{GROUND_TRUTH}.ObjectCount"] = len(truth)
        values[CYCLE_COUNTER] = self.cycle  # last: a reader that sees it sees the whole cycle
        self.publish(values)

    @staticmethod
    def _road(values: dict[str, Any], road: RoadView | None) -> None:
        if road is None:
            for side in ("Left", "Right"):
                values[_MARKING_PATHS[side][0]] = False
                values[_EDGE_PATHS[side][0]] = False
            return
        for side, marking, edge in (
            ("Left", road.left, road.left_edge_m),
            ("Right", road.right, road.right_edge_m),
        ):
            values.update(zip(_MARKING_PATHS[side], _marking_values(marking), strict=False))
            valid, offset = _EDGE_PATHS[side]
            values[valid] = edge is not None
            if edge is not None:
                values[offset] = edge
        values[f"{PERCEPTION}.LaneWidth"] = road.lane_width_m

    def _ground_truth(self, objects: tuple[TruthObject, ...]) -> list[tuple[Any, ...]]:
        """The nearest actors' slot values, nearest first."""
        nearest = sorted(
            ((math.hypot(obj.longitudinal_m, obj.y_m), self.truth_id(obj.actor_id), obj) for obj in objects),
            key=lambda item: (item[0], item[1]),
        )[:TRACKED_OBJECT_SLOTS]
        return [
            (
                True,
                number,
                obj.object_class,
                100.0,
                obj.longitudinal_m,
                obj.y_m,
                obj.vx_mps,
                obj.vy_mps,
                _degrees(obj.heading_rad),
                obj.length_m,
                obj.width_m,
            )
            for _, number, obj in nearest
        ]


class _SlotWriter:
    """Writes object slots, each field only when its value changed since it was last written;
    a slot emptied since the last cycle gets ``IsValid`` false (its other fields keep their
    values, as a reader of valid slots only never sees them)."""

    __slots__ = ("_written", "slots")

    def __init__(self, slots: tuple[tuple[str, ...], ...]) -> None:
        self.slots = slots
        self._written: list[tuple[Any, ...] | None] = [_NEVER] * len(slots)

    def write(self, values: dict[str, Any], rows: list[tuple[Any, ...]]) -> None:
        written = self._written
        for slot, paths in enumerate(self.slots):
            before = written[slot]
            if slot >= len(rows):
                if before is not None:
                    values[paths[0]] = False
                    written[slot] = None
                continue
            row = rows[slot]
            if before is None or before is _NEVER:
                values.update(zip(paths, row, strict=True))
            else:
                for path, value, old in zip(paths, row, before, strict=True):
                    if value != old:
                        values[path] = value
            written[slot] = row


_NEVER: tuple[Any, ...] = ()
"""A slot not written yet: everything about it is published on the first cycle."""
