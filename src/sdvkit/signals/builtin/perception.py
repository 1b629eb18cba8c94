"""The environment model, overlay ``Vehicle.ADAS.Perception``: object tracks, lanes, sensors.

Sensing publishes here; the driver assistance functions see the world only
through this branch, never the simulation's ground truth. Positions are in the
vehicle frame (ISO 8855): the origin at the middle of the front bumper, x ahead,
y to the left.

Objects come in a fixed number of instanced slots (``Object1`` ..
``Object16``); a slot with ``IsValid`` false is empty this cycle.
"""

from __future__ import annotations

from sdvkit.signals.builtin.rows import (
    BOOLEAN,
    FLOAT,
    STRING,
    UINT8,
    UINT32,
    SignalRow,
    for_each,
    sensor,
)

TRACKED_OBJECT_SLOTS = 16
"""How many tracked objects the perception branch publishes (Object1 .. Object16)."""

OBJECT_CLASSES = (
    "UNKNOWN",
    "CAR",
    "TRUCK",
    "MOTORCYCLE",
    "CYCLIST",
    "PEDESTRIAN",
    "ANIMAL",
    "STATIC_OBSTACLE",
)
"""Classes a tracked object may have; the AEB target classes are CAR, CYCLIST, PEDESTRIAN."""

LANE_MARKING_TYPES = (
    "NONE",
    "SOLID",
    "DASHED",
    "DOUBLE_SOLID",
    "SOLID_DASHED",
    "DASHED_SOLID",
    "BOTTS_DOTS",
)

PERCEPTION_SENSORS = (
    "FrontRadar",
    "FrontCamera",
    "CornerRadarFrontLeft",
    "CornerRadarFrontRight",
    "CornerRadarRearLeft",
    "CornerRadarRearRight",
)

_PERCEPTION = "Vehicle.ADAS.Perception"


def tracked_object_rows(branch: str, slot: str) -> tuple[SignalRow, ...]:
    """The signals of one object slot below ``branch`` (also used by the ground-truth branch)."""
    obj = f"{branch}.{slot}"
    return (
        sensor(f"{obj}.IsValid", BOOLEAN, "True when this slot holds a track this cycle."),
        sensor(f"{obj}.Id", UINT32, "Track id, stable while the track lives; never 0."),
        sensor(f"{obj}.Class", STRING, "Most likely class of the object.", allowed=OBJECT_CLASSES),
        sensor(
            f"{obj}.ExistenceProbability",
            FLOAT,
            "Confidence that the object is real.",
            unit="percent",
            min=0,
            max=100,
        ),
        sensor(
            f"{obj}.LongitudinalPosition",
            FLOAT,
            "Distance ahead of the front bumper to the nearest point of the object.",
            unit="m",
        ),
        sensor(
            f"{obj}.LateralPosition",
            FLOAT,
            "Lateral offset of the object's centre; positive to the left.",
            unit="m",
        ),
        sensor(
            f"{obj}.LongitudinalVelocity",
            FLOAT,
            "Velocity of the object along x relative to the vehicle; negative when closing.",
            unit="m/s",
        ),
        sensor(
            f"{obj}.LateralVelocity",
            FLOAT,
            "Velocity of the object along y relative to the vehicle; positive to the left.",
            unit="m/s",
        ),
        sensor(
            f"{obj}.Heading",
            FLOAT,
            "Orientation of the object relative to the vehicle; 0 same direction, 180 oncoming.",
            unit="degrees",
            min=-180,
            max=180,
        ),
        sensor(f"{obj}.Length", FLOAT, "Length of the object's box.", unit="m", min=0),
        sensor(f"{obj}.Width", FLOAT, "Width of the object's box.", unit="m", min=0),
    )


def _tracked_object(slot: str) -> tuple[SignalRow, ...]:
    return tracked_object_rows(_PERCEPTION, slot)


def _lane_marking(side: str) -> tuple[SignalRow, ...]:
    marking = f"{_PERCEPTION}.LaneMarking.{side}"
    where = side.lower()
    return (
        sensor(f"{marking}.IsValid", BOOLEAN, f"True when the {where} lane marking is seen."),
        sensor(
            f"{marking}.LateralOffset",
            FLOAT,
            f"Lateral distance from the vehicle's centre line to the {where} marking; positive to the left.",
            unit="m",
        ),
        sensor(
            f"{marking}.HeadingAngle",
            FLOAT,
            f"Angle of the {where} marking relative to the vehicle's x axis; positive to the left.",
            unit="degrees",
            min=-90,
            max=90,
        ),
        sensor(
            f"{marking}.Curvature",
            FLOAT,
            f"Curvature of the {where} marking in 1/m; positive when it bends to the left.",
            comment="VSS defines no unit for curvature; the value is in 1/m.",
        ),
        sensor(
            f"{marking}.Type",
            STRING,
            f"Kind of the {where} lane marking.",
            allowed=LANE_MARKING_TYPES,
        ),
        sensor(
            f"{marking}.Confidence",
            FLOAT,
            f"Confidence in the {where} marking estimate.",
            unit="percent",
            min=0,
            max=100,
        ),
        sensor(
            f"{marking}.ViewRange",
            FLOAT,
            f"How far ahead the {where} marking is seen.",
            unit="m",
            min=0,
        ),
    )


def _road_edge(side: str) -> tuple[SignalRow, ...]:
    edge = f"{_PERCEPTION}.RoadEdge.{side}"
    where = side.lower()
    return (
        sensor(f"{edge}.IsValid", BOOLEAN, f"True when the {where} road edge is seen."),
        sensor(
            f"{edge}.LateralOffset",
            FLOAT,
            f"Lateral distance from the vehicle's centre line to the {where} road edge;"
            " positive to the left.",
            unit="m",
        ),
    )


def _sensor_health(name: str) -> tuple[SignalRow, ...]:
    health = f"{_PERCEPTION}.Sensor.{name}"
    return (
        sensor(
            f"{health}.IsBlocked",
            BOOLEAN,
            "True while the sensor's own check finds it blocked (dirt, snow, a covered view).",
        ),
        sensor(f"{health}.IsError", BOOLEAN, "True when the sensor delivers no usable data."),
    )


ROWS: tuple[SignalRow, ...] = (
    sensor(
        f"{_PERCEPTION}.ObjectCount",
        UINT8,
        "Number of valid object slots this cycle.",
        min=0,
        max=TRACKED_OBJECT_SLOTS,
    ),
    sensor(
        f"{_PERCEPTION}.CycleCounter",
        UINT32,
        "Perception cycle number; raised after all slots of a cycle are written.",
    ),
    *for_each((f"Object{n}" for n in range(1, TRACKED_OBJECT_SLOTS + 1)), _tracked_object),
    *for_each(("Left", "Right"), _lane_marking),
    *for_each(("Left", "Right"), _road_edge),
    sensor(
        f"{_PERCEPTION}.LaneWidth",
        FLOAT,
        "Width of the ego lane between the two markings.",
        unit="m",
        min=0,
    ),
    *for_each(PERCEPTION_SENSORS, _sensor_health),
)
