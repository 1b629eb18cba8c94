"""The vehicle plant: motion, position, surroundings, gear selection and chassis.

Standard VSS 6.0 paths only. Sign conventions follow VSS and ISO 8855: x ahead,
y to the left, z up; angles positive to the left (counter-clockwise seen from
above). The powertrain and battery are in ``energy.py``; the plant's inputs
that VSS lacks are in ``simulation.py``.
"""

from __future__ import annotations

from sdvkit.signals.builtin.rows import (
    AXLES,
    BOOLEAN,
    DOUBLE,
    FLOAT,
    INT8,
    INT16,
    STRING,
    UINT8,
    UINT16,
    UINT32,
    WHEELS,
    SignalRow,
    actuator,
    attribute,
    for_each,
    sensor,
)

# SelectedGear codes as VSS 6.0 defines them: 0 neutral, negative reverse, 126 park, 127 drive.
GEAR_REVERSE = -1
GEAR_NEUTRAL = 0
GEAR_PARK = 126
GEAR_DRIVE = 127

MOTION: tuple[SignalRow, ...] = (
    sensor("Vehicle.Speed", FLOAT, "Speed of the vehicle over ground.", unit="km/h"),
    sensor("Vehicle.IsMoving", BOOLEAN, "True while the vehicle rolls, in either direction."),
    sensor(
        "Vehicle.TraveledDistance",
        UINT32,
        "Odometer: distance driven over the vehicle's life.",
        unit="m",
    ),
    sensor(
        "Vehicle.TraveledDistanceSinceStart",
        UINT32,
        "Distance driven since the vehicle was last switched on.",
        unit="m",
    ),
    sensor("Vehicle.TripDuration", FLOAT, "Time since the current trip began.", unit="s"),
    sensor(
        "Vehicle.Acceleration.Longitudinal",
        FLOAT,
        "Acceleration along the vehicle's x axis; positive when speeding up forwards.",
        unit="m/s^2",
    ),
    sensor(
        "Vehicle.Acceleration.Lateral",
        FLOAT,
        "Acceleration along the vehicle's y axis; positive to the left.",
        unit="m/s^2",
    ),
    sensor(
        "Vehicle.Acceleration.Vertical",
        FLOAT,
        "Acceleration along the vehicle's z axis; positive upwards.",
        unit="m/s^2",
    ),
    sensor(
        "Vehicle.AngularVelocity.Yaw",
        FLOAT,
        "Rotation rate about the vertical axis; positive when turning left.",
        unit="degrees/s",
    ),
    sensor(
        "Vehicle.AngularVelocity.Pitch",
        FLOAT,
        "Rotation rate about the lateral axis.",
        unit="degrees/s",
    ),
    sensor(
        "Vehicle.AngularVelocity.Roll",
        FLOAT,
        "Rotation rate about the longitudinal axis.",
        unit="degrees/s",
    ),
    sensor(
        "Vehicle.IsBrokenDown",
        BOOLEAN,
        "True when a fault keeps the vehicle from driving on.",
    ),
    sensor(
        "Vehicle.LowVoltageSystemState",
        STRING,
        "Power state of the 12 V system, as the start button or key sets it.",
        allowed=("UNDEFINED", "LOCK", "OFF", "ACC", "ON", "START"),
    ),
    sensor(
        "Vehicle.LowVoltageBattery.CurrentVoltage",
        FLOAT,
        "Voltage of the 12 V battery.",
        unit="V",
    ),
    sensor(
        "Vehicle.LowVoltageBattery.CurrentCurrent",
        FLOAT,
        "Current into the 12 V battery; negative while it discharges.",
        unit="A",
    ),
)

DIMENSIONS: tuple[SignalRow, ...] = (
    attribute("Vehicle.CurbWeight", UINT16, "Mass ready to drive, without occupants.", unit="kg"),
    attribute("Vehicle.Length", UINT16, "Overall length of the body.", unit="mm"),
    attribute("Vehicle.Height", UINT16, "Overall height, unladen.", unit="mm"),
    attribute(
        "Vehicle.WidthExcludingMirrors",
        UINT16,
        "Overall width of the body, mirrors not counted.",
        unit="mm",
    ),
    attribute("Vehicle.Chassis.Wheelbase", UINT16, "Distance between the axles.", unit="mm"),
)

LOCATION: tuple[SignalRow, ...] = (
    sensor(
        "Vehicle.CurrentLocation.Latitude",
        DOUBLE,
        "Latitude of the vehicle (WGS 84).",
        unit="degrees",
        min=-90,
        max=90,
    ),
    sensor(
        "Vehicle.CurrentLocation.Longitude",
        DOUBLE,
        "Longitude of the vehicle (WGS 84).",
        unit="degrees",
        min=-180,
        max=180,
    ),
    sensor(
        "Vehicle.CurrentLocation.Heading",
        DOUBLE,
        "Direction of travel, clockwise from true north.",
        unit="degrees",
        min=0,
        max=360,
    ),
    sensor(
        "Vehicle.CurrentLocation.Altitude",
        DOUBLE,
        "Height above the WGS 84 ellipsoid.",
        unit="m",
    ),
    sensor(
        "Vehicle.CurrentLocation.Timestamp",
        STRING,
        "When the position fix was taken.",
        unit="iso8601",
    ),
    sensor(
        "Vehicle.CurrentLocation.HorizontalAccuracy",
        DOUBLE,
        "Uncertainty of latitude and longitude.",
        unit="m",
    ),
    sensor(
        "Vehicle.CurrentLocation.GNSSReceiver.FixType",
        STRING,
        "Kind of satellite fix the position comes from.",
        allowed=("NONE", "TWO_D", "THREE_D"),
    ),
)

ENVIRONMENT: tuple[SignalRow, ...] = (
    sensor("Vehicle.Exterior.AirTemperature", FLOAT, "Outside air temperature.", unit="Celsius"),
    sensor(
        "Vehicle.Exterior.Humidity",
        FLOAT,
        "Relative humidity of the outside air.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        "Vehicle.Exterior.LightIntensity",
        FLOAT,
        "Daylight seen by the light sensor; 0 is dark, 100 full daylight.",
        unit="percent",
        min=0,
        max=100,
    ),
)

_TRANSMISSION = "Vehicle.Powertrain.Transmission"

TRANSMISSION: tuple[SignalRow, ...] = (
    actuator(
        f"{_TRANSMISSION}.SelectedGear",
        INT8,
        "Drive position the driver selects: P, R, N or D.",
        allowed=(GEAR_PARK, GEAR_REVERSE, GEAR_NEUTRAL, GEAR_DRIVE),
        comment="VSS codes: 126 = Park, -1 = Reverse, 0 = Neutral, 127 = Drive.",
    ),
    sensor(
        f"{_TRANSMISSION}.CurrentGear",
        INT8,
        "Gear engaged in the single-speed reduction: -1 reverse, 0 neutral, 1 forward.",
        min=-1,
        max=1,
    ),
    actuator(
        f"{_TRANSMISSION}.IsParkLockEngaged",
        BOOLEAN,
        "True while the parking pawl holds the drive shaft (gear P).",
    ),
    actuator(
        f"{_TRANSMISSION}.PerformanceMode",
        STRING,
        "Drive mode: sets the accelerator map, regeneration level and power limits.",
        allowed=("NORMAL", "SPORT", "ECONOMY", "SNOW", "RAIN"),
        default="NORMAL",
    ),
    attribute(
        f"{_TRANSMISSION}.DriveType",
        STRING,
        "Which wheels are driven.",
        allowed=("UNKNOWN", "FORWARD_WHEEL_DRIVE", "REAR_WHEEL_DRIVE", "ALL_WHEEL_DRIVE"),
    ),
)

CHASSIS: tuple[SignalRow, ...] = (
    sensor(
        "Vehicle.Chassis.Accelerator.PedalPosition",
        UINT8,
        "How far the accelerator pedal is pressed.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        "Vehicle.Chassis.Brake.PedalPosition",
        UINT8,
        "How far the brake pedal is pressed.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        "Vehicle.Chassis.Brake.IsDriverEmergencyBrakingDetected",
        BOOLEAN,
        "True when the driver's pedal use looks like an emergency stop.",
    ),
    actuator(
        "Vehicle.Chassis.ParkingBrake.IsEngaged",
        BOOLEAN,
        "True while the electric parking brake is applied.",
    ),
    actuator(
        "Vehicle.Chassis.ParkingBrake.IsAutoApplyEnabled",
        BOOLEAN,
        "True when the parking brake applies itself on shutdown.",
    ),
    sensor(
        "Vehicle.Chassis.SteeringWheel.Angle",
        INT16,
        "Steering wheel angle; positive to the left.",
        unit="degrees",
    ),
    sensor(
        "Vehicle.Chassis.Axle.Row1.SteeringAngle",
        FLOAT,
        "Mean road-wheel steering angle of the front axle; positive to the left.",
        unit="degrees",
    ),
    *for_each(
        AXLES,
        lambda axle: (
            attribute(
                f"Vehicle.Chassis.Axle.{axle}.TrackWidth",
                UINT16,
                "Distance between the centre lines of this axle's tyres.",
                unit="mm",
            ),
        ),
    ),
    *for_each(
        WHEELS,
        lambda wheel: (
            sensor(
                f"Vehicle.Chassis.Axle.{wheel}.Speed",
                FLOAT,
                "Wheel speed converted to road speed with the rolling radius.",
                unit="km/h",
            ),
            sensor(
                f"Vehicle.Chassis.Axle.{wheel}.Tire.Pressure",
                UINT16,
                "Inflation pressure of the tyre.",
                unit="kPa",
            ),
            sensor(
                f"Vehicle.Chassis.Axle.{wheel}.Tire.IsPressureLow",
                BOOLEAN,
                "True when the tyre pressure is below the warning threshold.",
            ),
        ),
    ),
)

ROWS: tuple[SignalRow, ...] = (
    *MOTION,
    *DIMENSIONS,
    *LOCATION,
    *ENVIRONMENT,
    *TRANSMISSION,
    *CHASSIS,
)
