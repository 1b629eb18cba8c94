"""Driver assistance and safety: standard ``Vehicle.ADAS`` and driver signals, plus overlays.

The functions (FCW, AEB, ACC, LDW/LKA/ELK, driver monitoring) report on the
standard ``Vehicle.ADAS.*`` paths where VSS 6.0 has them. What VSS lacks is
added as overlay branches:

- ``Vehicle.ADAS.FCW``, ``Vehicle.ADAS.AEB``, ``Vehicle.ADAS.LKA``,
  ``Vehicle.ADAS.ELK``: state of functions VSS has no branch for;
- ``Vehicle.ADAS.CruiseControl.Adaptive``: the ACC time gap (1.0-2.2 s), state
  and target;
- ``Vehicle.ADAS.LaneDepartureDetection.WarningSide``: which side LDW warns about;
- ``Vehicle.ADAS.DMS.EyeTracking`` (camera measurements),
  ``Vehicle.ADAS.DMS.DriverState`` (its verdict) and ``Vehicle.ADAS.DMS.Escalation``
  (warnings up to a stop in lane).

What the functions see of the world, ``Vehicle.ADAS.Perception``, is in
``perception.py``.
"""

from __future__ import annotations

from sdvkit.signals.builtin.perception import OBJECT_CLASSES
from sdvkit.signals.builtin.rows import (
    BOOLEAN,
    FLOAT,
    STRING,
    UINT32,
    SignalRow,
    actuator,
    attribute,
    sensor,
)

ACC_TIME_GAP_MIN_S = 1.0
ACC_TIME_GAP_MAX_S = 2.2
"""The range of ACC time-gap settings (ISO 15622 asks for at least one setting in 1.5-2.2 s)."""


def _enabled_engaged_error(branch: str, function: str) -> tuple[SignalRow, ...]:
    """The IsEnabled / IsEngaged / IsError trio VSS gives each ADAS function."""
    return (
        actuator(f"{branch}.IsEnabled", BOOLEAN, f"True when the driver has {function} on."),
        sensor(f"{branch}.IsEngaged", BOOLEAN, f"True while {function} is intervening."),
        sensor(f"{branch}.IsError", BOOLEAN, f"True when {function} is unavailable by a fault."),
    )


STANDARD_FUNCTIONS: tuple[SignalRow, ...] = (
    *_enabled_engaged_error("Vehicle.ADAS.ABS", "the anti-lock braking system"),
    *_enabled_engaged_error("Vehicle.ADAS.ESC", "electronic stability control"),
    sensor(
        "Vehicle.ADAS.ESC.RoadFriction.MostProbable",
        FLOAT,
        "Friction the stability control estimates for the road, as percent of dry asphalt.",
        unit="percent",
        min=0,
        max=100,
    ),
    *_enabled_engaged_error("Vehicle.ADAS.TCS", "traction control"),
    *_enabled_engaged_error("Vehicle.ADAS.EBA", "emergency brake assist"),
    sensor(
        "Vehicle.ADAS.ActiveAutonomyLevel",
        STRING,
        "SAE automation level in effect now.",
        allowed=("SAE_0", "SAE_1", "SAE_2_DISENGAGING", "SAE_2"),
    ),
    attribute(
        "Vehicle.ADAS.SupportedAutonomyLevel",
        STRING,
        "Highest SAE automation level the vehicle offers.",
        allowed=("SAE_0", "SAE_1", "SAE_2"),
        default="SAE_2",
    ),
)

_CRUISE = "Vehicle.ADAS.CruiseControl"
_ACC = f"{_CRUISE}.Adaptive"

CRUISE_CONTROL: tuple[SignalRow, ...] = (
    actuator(f"{_CRUISE}.IsEnabled", BOOLEAN, "True when cruise control is switched on."),
    actuator(f"{_CRUISE}.IsActive", BOOLEAN, "True while cruise control controls the speed."),
    actuator(
        f"{_CRUISE}.IsAdaptive",
        BOOLEAN,
        "True when cruise control follows a vehicle ahead (ACC), false for plain cruise.",
    ),
    actuator(
        f"{_CRUISE}.SpeedSet",
        FLOAT,
        "Speed the driver set for cruise control.",
        unit="km/h",
        min=0,
        max=180,
    ),
    actuator(
        f"{_CRUISE}.AdaptiveDistanceSet",
        FLOAT,
        "Gap to keep to the vehicle ahead, as a distance.",
        unit="m",
        min=0.0,
    ),
    sensor(f"{_CRUISE}.IsError", BOOLEAN, "True when cruise control is unavailable by a fault."),
    # overlay: what ACC needs beyond the standard branch
    actuator(
        f"{_ACC}.TimeGapSet",
        FLOAT,
        "Time gap to keep to the vehicle ahead (ISO 15622 allows 1.0-2.2 s settings).",
        unit="s",
        min=ACC_TIME_GAP_MIN_S,
        max=ACC_TIME_GAP_MAX_S,
        default=1.8,
    ),
    sensor(
        f"{_ACC}.State",
        STRING,
        "What ACC is doing.",
        allowed=(
            "OFF",
            "STANDBY",
            "CRUISING",
            "FOLLOWING",
            "STOPPED_HOLD",
            "OVERRIDDEN",
            "FAULT",
        ),
        comment="CRUISING: no target, holds SpeedSet. FOLLOWING: keeps the time gap to a target."
        " STOPPED_HOLD: stopped behind a target, waits for it to drive on.",
    ),
    sensor(f"{_ACC}.IsTargetDetected", BOOLEAN, "True when ACC follows a vehicle ahead."),
    sensor(
        f"{_ACC}.TargetObjectId",
        UINT32,
        "Track id of the vehicle ACC follows (see Vehicle.ADAS.Perception); 0 when none.",
    ),
    sensor(
        f"{_ACC}.TargetDistance",
        FLOAT,
        "Distance to the vehicle ACC follows.",
        unit="m",
        min=0,
    ),
    sensor(
        f"{_ACC}.TargetSpeed",
        FLOAT,
        "Speed over ground of the vehicle ACC follows.",
        unit="km/h",
    ),
    sensor(
        f"{_ACC}.AccelerationRequest",
        FLOAT,
        "Acceleration ACC asks the arbitration layer for, within the ISO 15622 limits.",
        unit="m/s^2",
        min=-5.0,
        max=4.0,
    ),
)

_FCW = "Vehicle.ADAS.FCW"
_AEB = "Vehicle.ADAS.AEB"
_OBSTACLE = "Vehicle.ADAS.ObstacleDetection.Front.Center"

COLLISION_AVOIDANCE: tuple[SignalRow, ...] = (
    actuator(f"{_OBSTACLE}.IsEnabled", BOOLEAN, "True when forward obstacle detection is on."),
    sensor(
        f"{_OBSTACLE}.IsWarning",
        BOOLEAN,
        "True while an obstacle ahead is close enough to warn about.",
    ),
    sensor(f"{_OBSTACLE}.IsError", BOOLEAN, "True when forward obstacle detection has a fault."),
    sensor(
        f"{_OBSTACLE}.Distance",
        FLOAT,
        "Distance to the most relevant obstacle ahead.",
        unit="m",
        min=0.0,
    ),
    sensor(
        f"{_OBSTACLE}.TimeGap",
        UINT32,
        "Time to collision with the most relevant obstacle ahead.",
        unit="ms",
    ),
    # overlay: forward collision warning
    actuator(f"{_FCW}.IsEnabled", BOOLEAN, "True when forward collision warning is on."),
    actuator(
        f"{_FCW}.Sensitivity",
        STRING,
        "How early FCW warns.",
        allowed=("EARLY", "NORMAL", "LATE"),
        default="NORMAL",
    ),
    sensor(f"{_FCW}.IsWarning", BOOLEAN, "True while FCW warns the driver."),
    sensor(f"{_FCW}.IsError", BOOLEAN, "True when FCW is unavailable by a fault."),
    sensor(
        f"{_FCW}.TimeToCollision",
        FLOAT,
        "Time to collision with the object FCW watches; set while it warns.",
        unit="s",
        min=0,
    ),
    sensor(
        f"{_FCW}.TargetObjectId",
        UINT32,
        "Track id of the object FCW warns about; 0 when none.",
    ),
    # overlay: autonomous emergency braking
    *_enabled_engaged_error(_AEB, "autonomous emergency braking"),
    sensor(
        f"{_AEB}.State",
        STRING,
        "Stage of autonomous emergency braking.",
        allowed=(
            "OFF",
            "STANDBY",
            "PREFILL",
            "PARTIAL_BRAKING",
            "FULL_BRAKING",
            "STANDSTILL_HOLD",
            "FAULT",
        ),
    ),
    sensor(
        f"{_AEB}.TargetClass",
        STRING,
        "Class of the object AEB brakes for.",
        allowed=OBJECT_CLASSES,
    ),
    sensor(
        f"{_AEB}.TargetObjectId",
        UINT32,
        "Track id of the object AEB brakes for; 0 when none.",
    ),
    sensor(
        f"{_AEB}.TimeToCollision",
        FLOAT,
        "Time to collision with the object AEB brakes for.",
        unit="s",
        min=0,
    ),
    sensor(
        f"{_AEB}.AccelerationRequest",
        FLOAT,
        "Deceleration AEB asks the arbitration layer for (zero or negative).",
        unit="m/s^2",
        min=-12.0,
        max=0.0,
    ),
)

_LDW = "Vehicle.ADAS.LaneDepartureDetection"
_LKA = "Vehicle.ADAS.LKA"
_ELK = "Vehicle.ADAS.ELK"

LANE_SUPPORT: tuple[SignalRow, ...] = (
    actuator(f"{_LDW}.IsEnabled", BOOLEAN, "True when lane departure warning is on."),
    sensor(f"{_LDW}.IsWarning", BOOLEAN, "True while LDW warns of an unintended departure."),
    sensor(f"{_LDW}.IsError", BOOLEAN, "True when LDW is unavailable by a fault."),
    # overlay
    sensor(
        f"{_LDW}.WarningSide",
        STRING,
        "Side of the lane the vehicle is leaving while LDW warns.",
        allowed=("NONE", "LEFT", "RIGHT"),
        default="NONE",
    ),
    *_enabled_engaged_error(_LKA, "lane keeping assist"),
    sensor(
        f"{_LKA}.SteeringWheelAngleRequest",
        FLOAT,
        "Steering wheel angle LKA asks the arbitration layer for; positive to the left.",
        unit="degrees",
        min=-720.0,
        max=720.0,
    ),
    *_enabled_engaged_error(_ELK, "emergency lane keeping"),
    sensor(
        f"{_ELK}.Reason",
        STRING,
        "What ELK steers away from.",
        allowed=("NONE", "ROAD_EDGE", "SOLID_LINE", "ONCOMING", "OVERTAKING"),
        default="NONE",
    ),
    sensor(
        f"{_ELK}.SteeringWheelAngleRequest",
        FLOAT,
        "Steering wheel angle ELK asks the arbitration layer for; positive to the left.",
        unit="degrees",
        min=-720.0,
        max=720.0,
    ),
)

_DMS = "Vehicle.ADAS.DMS"
_GAZE = "Vehicle.Occupant.Row1.DriverSide"

DRIVER_MONITORING: tuple[SignalRow, ...] = (
    actuator(f"{_DMS}.IsEnabled", BOOLEAN, "True when driver monitoring is on."),
    sensor(f"{_DMS}.IsWarning", BOOLEAN, "True while driver monitoring warns the driver."),
    sensor(f"{_DMS}.IsError", BOOLEAN, "True when driver monitoring has a fault."),
    sensor(
        "Vehicle.Driver.AttentiveProbability",
        FLOAT,
        "How likely the driver is attending to the road.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        "Vehicle.Driver.DistractionLevel",
        FLOAT,
        "How distracted the driver is judged to be; 0 is fully attentive.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        "Vehicle.Driver.FatigueLevel",
        FLOAT,
        "How drowsy the driver is judged to be; 0 is fully awake.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor("Vehicle.Driver.IsEyesOnRoad", BOOLEAN, "True while the driver looks at the road."),
    sensor(
        "Vehicle.Driver.IsHandsOnWheel",
        BOOLEAN,
        "True while the driver holds the steering wheel.",
    ),
    sensor(
        f"{_GAZE}.MidEyeGaze.Azimuth",
        FLOAT,
        "Horizontal gaze direction of the driver; 0 straight ahead, positive to the left.",
        unit="degrees",
        min=-180,
        max=180,
    ),
    sensor(
        f"{_GAZE}.MidEyeGaze.Elevation",
        FLOAT,
        "Vertical gaze direction of the driver; 0 level, positive upwards.",
        unit="degrees",
        min=-90,
        max=90,
    ),
    sensor(
        f"{_GAZE}.HeadPosition.Yaw",
        FLOAT,
        "Head rotation of the driver about the vertical axis; positive to the left.",
        unit="degrees",
        min=-180,
        max=180,
    ),
    sensor(
        f"{_GAZE}.HeadPosition.Pitch",
        FLOAT,
        "Head rotation of the driver about the lateral axis; positive nodding down.",
        unit="degrees",
        min=-90,
        max=90,
    ),
    # overlay: camera measurements the driver model produces
    sensor(
        f"{_DMS}.EyeTracking.IsFaceDetected",
        BOOLEAN,
        "True while the driver camera sees the driver's face.",
    ),
    sensor(
        f"{_DMS}.EyeTracking.LeftEyelidOpening",
        FLOAT,
        "Opening of the left eyelid; 0 closed, 100 fully open.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        f"{_DMS}.EyeTracking.RightEyelidOpening",
        FLOAT,
        "Opening of the right eyelid; 0 closed, 100 fully open.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        f"{_DMS}.EyeTracking.GazeRegion",
        STRING,
        "Region of the cabin or road the driver looks at.",
        allowed=(
            "UNKNOWN",
            "ROAD_AHEAD",
            "LEFT_MIRROR",
            "RIGHT_MIRROR",
            "REARVIEW_MIRROR",
            "INSTRUMENT_CLUSTER",
            "INFOTAINMENT",
            "LAP",
            "PASSENGER",
            "OTHER",
        ),
    ),
    # overlay: the monitoring verdict
    sensor(
        f"{_DMS}.DriverState.Distraction",
        STRING,
        "Distraction class: a long glance away, or many short ones.",
        allowed=("UNKNOWN", "ATTENTIVE", "SHORT_GLANCES_AWAY", "LONG_GLANCE_AWAY"),
        comment="Long: one glance away of 3 s or more. Short: glances adding up to 10 s within"
        " 30 s (Euro NCAP driver state monitoring).",
    ),
    sensor(
        f"{_DMS}.DriverState.Drowsiness",
        STRING,
        "Drowsiness class from eyelid behaviour.",
        allowed=("UNKNOWN", "AWAKE", "DROWSY", "MICROSLEEP", "ASLEEP"),
    ),
    sensor(
        f"{_DMS}.DriverState.IsUnresponsive",
        BOOLEAN,
        "True when the driver answers no warning any more.",
    ),
    sensor(
        f"{_DMS}.DriverState.IsDistracted",
        BOOLEAN,
        "True while the driver counts as distracted; FCW and AEB then act earlier.",
    ),
    # overlay: escalation up to the minimal-risk manoeuvre
    sensor(
        f"{_DMS}.Escalation.Level",
        STRING,
        "How far driver monitoring has escalated.",
        allowed=("NONE", "WARNING", "URGENT_WARNING", "STOPPING_IN_LANE", "STOPPED"),
        default="NONE",
        comment="STOPPING_IN_LANE is the minimal-risk manoeuvre, with the hazard lights on.",
    ),
    sensor(
        f"{_DMS}.Escalation.AccelerationRequest",
        FLOAT,
        "Deceleration the stop in lane asks the arbitration layer for (zero or negative).",
        unit="m/s^2",
        min=-5.0,
        max=0.0,
    ),
)

ROWS: tuple[SignalRow, ...] = (
    *STANDARD_FUNCTIONS,
    *CRUISE_CONTROL,
    *COLLISION_AVOIDANCE,
    *LANE_SUPPORT,
    *DRIVER_MONITORING,
)
