"""Body and cabin: doors, windows, exterior lights, mirrors, seats and climate.

Standard VSS 6.0 paths only. Infotainment and the cabin apps' overlays (Media
Bar, AVAS, profiles, distraction gate) are in ``infotainment.py``.
"""

from __future__ import annotations

from sdvkit.signals.builtin.rows import (
    BOOLEAN,
    DOORS,
    FLOAT,
    FRONT_ROW_SEATS,
    HVAC_STATIONS,
    INT8,
    STRING,
    UINT8,
    UINT16,
    SignalRow,
    actuator,
    attribute,
    for_each,
    sensor,
)

SWITCH_POSITIONS = ("INACTIVE", "CLOSE", "OPEN", "ONE_SHOT_CLOSE", "ONE_SHOT_OPEN")
"""The values of a VSS window or door ``Switch``."""

SIDE_NAMES = {"DriverSide": "driver's side", "PassengerSide": "passenger's side"}


def where_in_cabin(position: str) -> str:
    """'Row1.DriverSide' -> 'row 1, driver's side' for descriptions."""
    row, side = position.split(".")
    return f"row {row.removeprefix('Row')}, {SIDE_NAMES[side]}"


def _door(position: str) -> tuple[SignalRow, ...]:
    door = f"Vehicle.Cabin.Door.{position}"
    where = where_in_cabin(position)
    return (
        actuator(f"{door}.IsOpen", BOOLEAN, f"True while the door ({where}) is open."),
        actuator(f"{door}.IsLocked", BOOLEAN, f"True while the door ({where}) is locked."),
        sensor(
            f"{door}.IsChildLockActive",
            BOOLEAN,
            f"True when the child lock of the door ({where}) is set.",
        ),
        actuator(
            f"{door}.Window.Position",
            UINT8,
            f"Window opening ({where}); 0 closed, 100 fully open.",
            unit="percent",
            min=0,
            max=100,
        ),
        actuator(f"{door}.Window.IsOpen", BOOLEAN, f"True while the window ({where}) is open."),
        actuator(
            f"{door}.Window.Switch",
            STRING,
            f"Window switch ({where}); ONE_SHOT moves the window all the way.",
            allowed=SWITCH_POSITIONS,
        ),
    )


DOORS_AND_WINDOWS: tuple[SignalRow, ...] = (
    attribute("Vehicle.Cabin.DoorCount", UINT8, "Number of side doors.", default=4),
    attribute(
        "Vehicle.Cabin.DriverPosition",
        STRING,
        "Side the driver sits on.",
        allowed=("LEFT", "RIGHT"),
        default="LEFT",
    ),
    actuator(
        "Vehicle.Cabin.IsWindowChildLockEngaged",
        BOOLEAN,
        "True when the rear windows obey only the driver's switches.",
    ),
    *for_each(DOORS, _door),
    actuator("Vehicle.Body.Trunk.Rear.IsOpen", BOOLEAN, "True while the tailgate is open."),
    actuator("Vehicle.Body.Trunk.Rear.IsLocked", BOOLEAN, "True while the tailgate is locked."),
    actuator(
        "Vehicle.Body.Trunk.Front.IsOpen",
        BOOLEAN,
        "True while the front luggage compartment is open.",
    ),
    actuator("Vehicle.Body.Hood.IsOpen", BOOLEAN, "True while the bonnet is open."),
)

_LIGHTS = "Vehicle.Body.Lights"

EXTERIOR: tuple[SignalRow, ...] = (
    actuator(
        f"{_LIGHTS}.Hazard.IsSignaling",
        BOOLEAN,
        "True while the hazard warning lights flash.",
    ),
    actuator(
        f"{_LIGHTS}.DirectionIndicator.Left.IsSignaling",
        BOOLEAN,
        "True while the left turn indicator flashes.",
    ),
    actuator(
        f"{_LIGHTS}.DirectionIndicator.Right.IsSignaling",
        BOOLEAN,
        "True while the right turn indicator flashes.",
    ),
    actuator(f"{_LIGHTS}.Beam.Low.IsOn", BOOLEAN, "True while the dipped beam is on."),
    actuator(f"{_LIGHTS}.Beam.High.IsOn", BOOLEAN, "True while the main beam is on."),
    actuator(
        f"{_LIGHTS}.Brake.IsActive",
        STRING,
        "Brake lights: off, on, or flashing for an emergency stop (ADAPTIVE).",
        allowed=("INACTIVE", "ACTIVE", "ADAPTIVE"),
    ),
    actuator(f"{_LIGHTS}.Backup.IsOn", BOOLEAN, "True while the reversing lights are on."),
    actuator(
        f"{_LIGHTS}.LightSwitch",
        STRING,
        "Position of the main light switch.",
        allowed=("OFF", "POSITION", "DAYTIME_RUNNING_LIGHTS", "AUTO", "BEAM"),
    ),
    actuator("Vehicle.Body.Horn.IsActive", BOOLEAN, "True while the horn sounds."),
    actuator(
        "Vehicle.Body.Windshield.Front.Wiping.Mode",
        STRING,
        "Front wiper mode.",
        allowed=("OFF", "SLOW", "MEDIUM", "FAST", "INTERVAL", "RAIN_SENSOR"),
    ),
    sensor(
        "Vehicle.Body.Raindetection.Intensity",
        UINT8,
        "Rain seen by the rain sensor; 0 dry, 100 heavy rain.",
        unit="percent",
        min=0,
        max=100,
    ),
    *for_each(
        ("DriverSide", "PassengerSide"),
        lambda side: (
            actuator(
                f"Vehicle.Body.Mirrors.{side}.Tilt",
                INT8,
                f"Up-down adjustment of the {SIDE_NAMES[side]} mirror.",
                unit="percent",
                min=-100,
                max=100,
            ),
            actuator(
                f"Vehicle.Body.Mirrors.{side}.Yaw",
                INT8,
                f"Left-right adjustment of the {SIDE_NAMES[side]} mirror.",
                unit="percent",
                min=-100,
                max=100,
            ),
            actuator(
                f"Vehicle.Body.Mirrors.{side}.IsFolded",
                BOOLEAN,
                f"True while the {SIDE_NAMES[side]} mirror is folded in.",
            ),
        ),
    ),
)


def _front_seat(position: str) -> tuple[SignalRow, ...]:
    seat = f"Vehicle.Cabin.Seat.{position}"
    where = where_in_cabin(position)
    return (
        actuator(
            f"{seat}.Position",
            UINT16,
            f"Fore-aft position of the seat ({where}) from its frontmost stop.",
            unit="mm",
            min=0,
        ),
        actuator(
            f"{seat}.Height",
            UINT16,
            f"Height of the seat ({where}) above its lowest stop.",
            unit="mm",
            min=0,
        ),
        actuator(f"{seat}.Tilt", FLOAT, f"Cushion tilt of the seat ({where}).", unit="degrees"),
        actuator(
            f"{seat}.Backrest.Recline",
            FLOAT,
            f"Backrest angle of the seat ({where}) from upright; positive leaning back.",
            unit="degrees",
        ),
    )


def _seat_comfort(position: str) -> tuple[SignalRow, ...]:
    seat = f"Vehicle.Cabin.Seat.{position}"
    where = where_in_cabin(position)
    return (
        actuator(
            f"{seat}.HeatingCooling",
            INT8,
            f"Seat climate ({where}): positive heats, negative ventilates, 0 off.",
            unit="percent",
            min=-100,
            max=100,
        ),
        sensor(f"{seat}.IsBelted", BOOLEAN, f"True while the seat belt ({where}) is fastened."),
        sensor(
            f"{seat}.OccupancyStatus",
            STRING,
            f"Whether someone sits in the seat ({where}).",
            allowed=("UNKNOWN", "OCCUPIED", "EMPTY"),
        ),
    )


SEATS: tuple[SignalRow, ...] = (
    *for_each(FRONT_ROW_SEATS, _front_seat),
    *for_each(
        (*FRONT_ROW_SEATS, "Row2.DriverSide", "Row2.PassengerSide"),
        _seat_comfort,
    ),
    actuator(
        "Vehicle.Chassis.SteeringWheel.HeatingCooling",
        INT8,
        "Steering wheel heating; positive heats, 0 off.",
        unit="percent",
        min=-100,
        max=100,
    ),
    actuator(
        "Vehicle.Chassis.SteeringWheel.Tilt",
        UINT8,
        "Steering column tilt; 0 lowest, 100 highest.",
        unit="percent",
        min=0,
        max=100,
    ),
    actuator(
        "Vehicle.Chassis.SteeringWheel.Extension",
        UINT8,
        "Steering column reach; 0 nearest the dashboard, 100 nearest the driver.",
        unit="percent",
        min=0,
        max=100,
    ),
)


def _hvac_station(station: str) -> tuple[SignalRow, ...]:
    zone = f"Vehicle.Cabin.HVAC.Station.{station}"
    row, seat = station.split(".")
    where = f"row {row.removeprefix('Row')}, {seat.lower()} zone"
    return (
        actuator(
            f"{zone}.Temperature",
            FLOAT,
            f"Air temperature set for the {where}.",
            unit="Celsius",
            min=15,
            max=30,
        ),
        actuator(
            f"{zone}.FanSpeed",
            UINT8,
            f"Blower speed for the {where}; 0 off.",
            unit="percent",
            min=0,
            max=100,
        ),
        actuator(
            f"{zone}.AirDistribution",
            STRING,
            f"Where the air goes in the {where}: windscreen, face or feet.",
            allowed=("UP", "MIDDLE", "DOWN"),
        ),
    )


CLIMATE: tuple[SignalRow, ...] = (
    sensor(
        "Vehicle.Cabin.HVAC.AmbientAirTemperature",
        FLOAT,
        "Air temperature inside the cabin.",
        unit="Celsius",
    ),
    actuator(
        "Vehicle.Cabin.HVAC.IsAirConditioningActive",
        BOOLEAN,
        "True while the air-conditioning compressor may run.",
    ),
    actuator(
        "Vehicle.Cabin.HVAC.IsRecirculationActive",
        BOOLEAN,
        "True while cabin air is recirculated instead of drawn from outside.",
    ),
    actuator(
        "Vehicle.Cabin.HVAC.IsFrontDefrosterActive",
        BOOLEAN,
        "True while the windscreen is demisted.",
    ),
    actuator(
        "Vehicle.Cabin.HVAC.IsRearDefrosterActive",
        BOOLEAN,
        "True while the rear window heater is on.",
    ),
    *for_each(HVAC_STATIONS, _hvac_station),
    actuator("Vehicle.Cabin.Light.IsDomeOn", BOOLEAN, "True while the dome light is on."),
)

ROWS: tuple[SignalRow, ...] = (
    *DOORS_AND_WINDOWS,
    *EXTERIOR,
    *SEATS,
    *CLIMATE,
)
