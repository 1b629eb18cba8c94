"""What a driver assistance function sees: the perception branch, read into plain values.

Sensing publishes tracked objects, lane markings and road edges on
``Vehicle.ADAS.Perception`` (vehicle frame, ISO 8855: origin at the middle of the
front bumper, x ahead, y to the left). :func:`read_perception` reads one cycle of it
through an app's own broker client, so a function needs only ``PERCEPTION_READS`` in
its manifest::

    class Fcw(VehicleApp):
        manifest = Manifest(reads=(*PERCEPTION_READS, Input(path="Vehicle.Speed", rate_hz=50.0)), ...)

        def step(self) -> None:
            seen = read_perception(self)
            for track in seen.objects: ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sdvkit.runtime import Input, VehicleApp
from sdvkit.safety.errors import PerceptionError
from sdvkit.signals.builtin.perception import TRACKED_OBJECT_SLOTS

PERCEPTION = "Vehicle.ADAS.Perception"
PERCEPTION_RATE_HZ = 20.0
"""Sensing publishes the perception branch at this rate."""

CYCLE_COUNTER = f"{PERCEPTION}.CycleCounter"
PERCEPTION_READS: tuple[Input | str, ...] = (
    Input(path=CYCLE_COUNTER, rate_hz=PERCEPTION_RATE_HZ),
    PERCEPTION,
)
"""Manifest reads for a function that uses :func:`read_perception`: the whole branch, with the
cycle counter as its rated input (a function refuses to act once sensing has gone quiet)."""

_OBJECT_FIELDS = (
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
_OBJECT_PATHS = tuple(
    f"{PERCEPTION}.Object{slot}.{name}"
    for slot in range(1, TRACKED_OBJECT_SLOTS + 1)
    for name in _OBJECT_FIELDS
)
_LANE_FIELDS = ("IsValid", "LateralOffset", "HeadingAngle", "Curvature", "Type", "Confidence", "ViewRange")
_LANE_PATHS = tuple(
    f"{PERCEPTION}.LaneMarking.{side}.{name}" for side in ("Left", "Right") for name in _LANE_FIELDS
)
_EDGE_PATHS = tuple(
    f"{PERCEPTION}.RoadEdge.{side}.{name}"
    for side in ("Left", "Right")
    for name in ("IsValid", "LateralOffset")
)
_ALL_PATHS = (CYCLE_COUNTER, *_OBJECT_PATHS, *_LANE_PATHS, *_EDGE_PATHS)


@dataclass(frozen=True, kw_only=True, slots=True)
class Track:
    """One tracked object, in the vehicle frame; velocities are relative to the vehicle."""

    id: int
    object_class: str
    existence_pct: float
    longitudinal_m: float
    """From the front bumper to the nearest point of the object."""
    lateral_m: float
    """The object's centre; positive to the left."""
    longitudinal_velocity_mps: float
    """Negative when closing."""
    lateral_velocity_mps: float
    heading_deg: float
    length_m: float
    width_m: float


@dataclass(frozen=True, kw_only=True, slots=True)
class LaneMarking:
    lateral_offset_m: float
    """From the vehicle's centre line; positive to the left."""
    heading_deg: float
    curvature_per_m: float
    marking_type: str
    confidence_pct: float
    view_range_m: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Perceived:
    """One perception cycle as a function sees it."""

    cycle: int
    objects: tuple[Track, ...]
    left_marking: LaneMarking | None
    right_marking: LaneMarking | None
    left_edge_m: float | None
    """Lateral offset of the left road edge (positive), or None where it is not seen."""
    right_edge_m: float | None
    """Lateral offset of the right road edge (negative), or None where it is not seen."""


def _float(value: Any, path: str) -> float:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PerceptionError(f"{path} is {value!r}, expected a number in a valid slot")
    number = float(value)
    if not math.isfinite(number):
        raise PerceptionError(f"{path} is {value!r}, expected a finite number")
    return number


def read_perception(app: VehicleApp) -> Perceived:
    """Read the current perception cycle through ``app``'s broker client.

    Raises :class:`PerceptionError` when a valid slot misses a value, so a half-written branch
    is reported rather than read as an object at 0 m.
    """
    datapoints = app.get_many(_ALL_PATHS)
    values = [None if dp is None else dp.value for dp in datapoints]
    cycle = values[0]
    objects: list[Track] = []
    width = len(_OBJECT_FIELDS)
    for slot in range(TRACKED_OBJECT_SLOTS):
        base = 1 + slot * width
        if values[base] is not True:
            continue
        paths = _OBJECT_PATHS[slot * width : (slot + 1) * width]
        object_class = values[base + 2]
        objects.append(
            Track(
                id=int(_float(values[base + 1], paths[1])),
                object_class=str(object_class) if object_class is not None else "UNKNOWN",
                existence_pct=_float(values[base + 3], paths[3]),
                longitudinal_m=_float(values[base + 4], paths[4]),
                lateral_m=_float(values[base + 5], paths[5]),
                longitudinal_velocity_mps=_float(values[base + 6], paths[6]),
                lateral_velocity_mps=_float(values[base + 7], paths[7]),
                heading_deg=_float(values[base + 8], paths[8]),
                length_m=_float(values[base + 9], paths[9]),
                width_m=_float(values[base + 10], paths[10]),
            )
        )
    lanes: list[LaneMarking | None] = []
    lane_base = 1 + TRACKED_OBJECT_SLOTS * width
    for side in range(2):
        base = lane_base + side * len(_LANE_FIELDS)
        if values[base] is not True:
            lanes.append(None)
            continue
        paths = _LANE_PATHS[side * len(_LANE_FIELDS) : (side + 1) * len(_LANE_FIELDS)]
        lanes.append(
            LaneMarking(
                lateral_offset_m=_float(values[base + 1], paths[1]),
                heading_deg=_float(values[base + 2], paths[2]),
                curvature_per_m=_float(values[base + 3], paths[3]),
                marking_type=str(values[base + 4] or "NONE"),
                confidence_pct=_float(values[base + 5], paths[5]),
                view_range_m=_float(values[base + 6], paths[6]),
            )
        )
    edge_base = lane_base + 2 * len(_LANE_FIELDS)
    edges: list[float | None] = []
    for side in range(2):
        base = edge_base + 2 * side
        edges.append(_float(values[base + 1], _EDGE_PATHS[2 * side + 1]) if values[base] is True else None)
    return Perceived(
        cycle=int(cycle) if isinstance(cycle, int) else 0,
        objects=tuple(objects),
        left_marking=lanes[0],
        right_marking=lanes[1],
        left_edge_m=edges[0],
        right_edge_m=edges[1],
    )
