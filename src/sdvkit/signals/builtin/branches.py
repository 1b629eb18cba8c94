"""Descriptions of the branches of the built-in catalogue.

Branches are not declared as rows: ``tree.py`` derives them from the leaf
paths and takes each description from here. Instance branches (``Row1``,
``DriverSide``, ``Object7`` ...) get a generated description; every other
branch must be listed, or building the tree fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sdvkit.signals.builtin.perception import PERCEPTION_SENSORS
from sdvkit.signals.builtin.service import ECUS

_SENSOR_NAMES = {
    "FrontRadar": "the long-range front radar",
    "FrontCamera": "the front camera",
    "CornerRadarFrontLeft": "the front-left corner radar",
    "CornerRadarFrontRight": "the front-right corner radar",
    "CornerRadarRearLeft": "the rear-left corner radar",
    "CornerRadarRearRight": "the rear-right corner radar",
}

BRANCH_DESCRIPTIONS: Mapping[str, str] = {
    "Vehicle": "The vehicle and everything it reports or accepts.",
    # motion and position
    "Vehicle.Acceleration": "Linear acceleration of the vehicle body, in the vehicle frame.",
    "Vehicle.AngularVelocity": "Rotation rates of the vehicle body, in the vehicle frame.",
    "Vehicle.CurrentLocation": "Where the vehicle is, from satellite navigation.",
    "Vehicle.CurrentLocation.GNSSReceiver": "The satellite navigation receiver.",
    "Vehicle.Exterior": "Conditions outside the vehicle.",
    "Vehicle.LowVoltageBattery": "The 12 V battery.",
    # powertrain
    "Vehicle.Powertrain": "Everything that drives the wheels and stores energy for it.",
    "Vehicle.Powertrain.ElectricMotor": "The traction motor.",
    "Vehicle.Powertrain.Transmission": "Gear selection and the reduction gear to the wheels.",
    "Vehicle.Powertrain.TractionBattery": "The high-voltage traction battery.",
    "Vehicle.Powertrain.TractionBattery.StateOfCharge": "How full the traction battery is.",
    "Vehicle.Powertrain.TractionBattery.Temperature": "Cell temperatures of the pack.",
    "Vehicle.Powertrain.TractionBattery.Charging": "Charging of the traction battery.",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeCurrent": "Current the charger delivers.",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeVoltage": "Voltage the charger delivers.",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort": "The charging inlets.",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition": (
        "The charging inlet, wherever on the body it sits."
    ),
    "Vehicle.Powertrain.EnergyUse": (
        "sdvkit overlay: energy consumption figures shared by the plant and the range app."
    ),
    # chassis
    "Vehicle.Chassis": "Wheels, brakes, steering and pedals.",
    "Vehicle.Chassis.Accelerator": "The accelerator pedal.",
    "Vehicle.Chassis.Brake": "The brake pedal and service brakes.",
    "Vehicle.Chassis.ParkingBrake": "The electric parking brake.",
    "Vehicle.Chassis.SteeringWheel": "The steering wheel and column.",
    "Vehicle.Chassis.Axle": "The axles, front (Row1) and rear (Row2).",
    # ADAS
    "Vehicle.ADAS": "Driver assistance and active safety functions.",
    "Vehicle.ADAS.ABS": "Anti-lock braking system.",
    "Vehicle.ADAS.ESC": "Electronic stability control.",
    "Vehicle.ADAS.ESC.RoadFriction": "Road friction as the stability control estimates it.",
    "Vehicle.ADAS.TCS": "Traction control system.",
    "Vehicle.ADAS.EBA": "Emergency brake assist: more brake force when the driver panics.",
    "Vehicle.ADAS.CruiseControl": "Cruise control, plain or adaptive.",
    "Vehicle.ADAS.CruiseControl.Adaptive": (
        "sdvkit overlay: adaptive cruise control (ACC) with stop-and-go."
    ),
    "Vehicle.ADAS.DMS": "Driver monitoring system.",
    "Vehicle.ADAS.DMS.EyeTracking": ("sdvkit overlay: what the driver camera measures of the driver's eyes."),
    "Vehicle.ADAS.DMS.DriverState": (
        "sdvkit overlay: the driver monitoring verdict on distraction and drowsiness."
    ),
    "Vehicle.ADAS.DMS.Escalation": (
        "sdvkit overlay: warnings to an inattentive driver, up to a stop in lane."
    ),
    "Vehicle.ADAS.LaneDepartureDetection": "Lane departure warning (LDW).",
    "Vehicle.ADAS.ObstacleDetection": "Detection of obstacles around the vehicle.",
    "Vehicle.ADAS.ObstacleDetection.Front": "Obstacles ahead.",
    "Vehicle.ADAS.ObstacleDetection.Front.Center": "Obstacles straight ahead.",
    "Vehicle.ADAS.FCW": "sdvkit overlay: forward collision warning.",
    "Vehicle.ADAS.AEB": ("sdvkit overlay: autonomous emergency braking for cars, pedestrians and cyclists."),
    "Vehicle.ADAS.LKA": "sdvkit overlay: lane keeping assist.",
    "Vehicle.ADAS.ELK": (
        "sdvkit overlay: emergency lane keeping (road edge, oncoming and overtaking traffic)."
    ),
    "Vehicle.ADAS.Perception": (
        "sdvkit overlay: the fused environment model: object tracks, lanes, road edges and"
        " sensor health. Driver assistance functions see the world only through this branch."
    ),
    "Vehicle.ADAS.Perception.LaneMarking": "Lane markings of the ego lane, from the camera.",
    "Vehicle.ADAS.Perception.RoadEdge": "Edges of the drivable road surface.",
    "Vehicle.ADAS.Perception.Sensor": "Health of each environment sensor.",
    **{
        f"Vehicle.ADAS.Perception.Sensor.{name}": f"Health of {_SENSOR_NAMES[name]}."
        for name in PERCEPTION_SENSORS
    },
    # driver and occupants
    "Vehicle.Driver": "The driver's state, as the vehicle perceives it.",
    "Vehicle.Occupant": "The people in the seats.",
    # body
    "Vehicle.Body": "The body outside the cabin: lights, closures, mirrors.",
    "Vehicle.Body.Hood": "The bonnet.",
    "Vehicle.Body.Horn": "The horn.",
    "Vehicle.Body.Lights": "Exterior lights.",
    "Vehicle.Body.Lights.Backup": "Reversing lights.",
    "Vehicle.Body.Lights.Beam": "Headlamp beams.",
    "Vehicle.Body.Lights.Beam.High": "Main (high) beam.",
    "Vehicle.Body.Lights.Beam.Low": "Dipped (low) beam.",
    "Vehicle.Body.Lights.Brake": "Brake lights.",
    "Vehicle.Body.Lights.DirectionIndicator": "Turn indicators.",
    "Vehicle.Body.Lights.Hazard": "Hazard warning lights.",
    "Vehicle.Body.Mirrors": "Exterior mirrors.",
    "Vehicle.Body.Raindetection": "The rain sensor.",
    "Vehicle.Body.Trunk": "Luggage compartments.",
    "Vehicle.Body.Trunk.Front": "Front luggage compartment.",
    "Vehicle.Body.Trunk.Rear": "Rear luggage compartment and tailgate.",
    "Vehicle.Body.Windshield": "Windscreens.",
    "Vehicle.Body.Windshield.Front": "The front windscreen.",
    "Vehicle.Body.Windshield.Front.Wiping": "Front wipers.",
    "Vehicle.Body.MediaBar": (
        "sdvkit overlay: the exterior Media Bar, a light strip that shows messages and"
        " animations to people outside."
    ),
    "Vehicle.Body.AVAS": (
        "sdvkit overlay: the acoustic vehicle alerting system that warns pedestrians at low speed (UN R138)."
    ),
    # cabin
    "Vehicle.Cabin": "The passenger compartment.",
    "Vehicle.Cabin.Door": "Side doors with their windows.",
    "Vehicle.Cabin.Seat": "Seats.",
    "Vehicle.Cabin.Light": "Interior lights.",
    "Vehicle.Cabin.HVAC": "Heating, ventilation and air conditioning.",
    "Vehicle.Cabin.HVAC.Station": "Climate zones, each with its own settings.",
    "Vehicle.Cabin.Infotainment": "Infotainment system.",
    "Vehicle.Cabin.Infotainment.Media": "Media playback.",
    "Vehicle.Cabin.Infotainment.Media.Played": "The item now playing.",
    "Vehicle.Cabin.Infotainment.Navigation": "Navigation.",
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet": "The navigation destination.",
    "Vehicle.Cabin.Infotainment.HMI": "Settings of the on-board user interface.",
    "Vehicle.Cabin.Infotainment.DistractionGate": (
        "sdvkit overlay: lock-out of distracting content while driving (NHTSA visual-manual guidelines)."
    ),
    "Vehicle.Cabin.Profile": (
        "sdvkit overlay: personal profiles that set seats, mirrors, climate, media and assistance settings."
    ),
    "Vehicle.Cabin.Profile.Driver": "The driver's active profile.",
    "Vehicle.Cabin.Profile.Passenger": "The front passenger's active profile.",
    # service
    "Vehicle.VehicleIdentification": "Identity of the vehicle.",
    "Vehicle.VersionVSS": "Version of VSS this catalogue follows.",
    "Vehicle.Diagnostics": "On-board diagnostics.",
    "Vehicle.Diagnostics.Fault": (
        "sdvkit overlay: fault flags the ECUs raise diagnostic trouble codes from."
    ),
    "Vehicle.Service": "Service intervals.",
    "Vehicle.Connectivity": "Connection to the outside world.",
    "Vehicle.Software": ("sdvkit overlay: software on the vehicle's ECUs and over-the-air updates."),
    "Vehicle.Software.Ecu": "The ECUs that report their software.",
    **{f"Vehicle.Software.Ecu.{name}": f"The {name} ECU." for name in ECUS},
    "Vehicle.Software.Update": "The over-the-air update client (Uptane primary).",
    # sdvkit's own branch
    "Vehicle.Sdvkit": (
        "sdvkit overlay: signals of the simulated vehicle itself, which a real vehicle would"
        " not put on its bus."
    ),
    "Vehicle.Sdvkit.MotionControl": (
        "The one longitudinal and one lateral request the arbitration layer passes to the plant."
    ),
    "Vehicle.Sdvkit.MotionControl.Longitudinal": "The arbitrated acceleration request.",
    "Vehicle.Sdvkit.MotionControl.Lateral": "The arbitrated steering request.",
    "Vehicle.Sdvkit.DriverInput": (
        "What the driver (keyboard or virtual driver) does with the pedals and the wheel."
    ),
    "Vehicle.Sdvkit.Simulation": "The simulation clock and world.",
    "Vehicle.Sdvkit.FaultInjection": "Test hooks that make the simulated plant fail.",
    "Vehicle.Sdvkit.GroundTruth": (
        "Where the other road users really are, in the vehicle frame of Vehicle.ADAS.Perception;"
        " for displays and test benches only: driver assistance functions may not read it."
    ),
}

_INSIDE_INSTANCES = {
    "Wheel": "The wheels of this axle.",
    "Tire": "The tyre of this wheel.",
    "Window": "The window of this door.",
    "Backrest": "The backrest of this seat.",
    "HeadPosition": "Head pose of this occupant, from the cabin camera.",
    "MidEyeGaze": "Gaze direction of this occupant, from the point between the eyes.",
    "Identifier": "Who this occupant is.",
}
"""Branches that repeat below every instance (every door has a Window ...), by name."""

_INSTANCE = re.compile(
    r"^(?:Row(?P<row>\d+)|Object(?P<slot>\d+)|(?P<named>DriverSide|PassengerSide|Middle"
    r"|Left|Right|Driver|Passenger))$"
)
_NAMED_INSTANCES = {
    "DriverSide": "driver's side",
    "PassengerSide": "passenger's side",
    "Middle": "middle",
    "Left": "left",
    "Right": "right",
    "Driver": "driver's zone",
    "Passenger": "passenger's zone",
}


def _instance_words(segment: str) -> str | None:
    """'Row2' -> 'row 2', 'DriverSide' -> "driver's side"; None for a non-instance name."""
    instance = _INSTANCE.match(segment)
    if instance is None:
        return None
    if instance["row"]:
        return f"row {instance['row']}"
    if instance["slot"]:
        return f"tracked object slot {instance['slot']}"
    return _NAMED_INSTANCES[instance["named"]]


def branch_description(path: str) -> str:
    """The description of a branch; raise KeyError for a branch no one described.

    >>> branch_description("Vehicle.Cabin.Door.Row2.PassengerSide")
    "Door, row 2, passenger's side."
    """
    described = BRANCH_DESCRIPTIONS.get(path)
    if described is not None:
        return described
    segments = path.split(".")
    name = segments[-1]
    if name in _INSIDE_INSTANCES and any(_instance_words(part) for part in segments[:-1]):
        return _INSIDE_INSTANCES[name]
    words: list[str] = []
    while segments and (instance := _instance_words(segments[-1])) is not None:
        words.insert(0, instance)
        segments.pop()
    if not words or not segments:
        raise KeyError(f"no description for branch {path}")
    return f"{segments[-1]}, {', '.join(words)}."
