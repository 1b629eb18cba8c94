"""After-sales service: identity, diagnostics, software and over-the-air updates, faults.

Standard VSS 6.0 paths for identification, the DTC list and service intervals;
overlay branches for the software on each ECU and the OTA client
(``Vehicle.Software``), the fault flags the ECUs raise DTCs from
(``Vehicle.Diagnostics.Fault``). The plant faults a test can inject are in
``simulation.py`` (``Vehicle.Sdvkit.FaultInjection``).
"""

from __future__ import annotations

from sdvkit.signals.builtin.rows import (
    BOOLEAN,
    FLOAT,
    INT32,
    STRING,
    STRING_ARRAY,
    UINT8,
    UINT16,
    UINT32,
    SignalRow,
    attribute,
    for_each,
    sensor,
)

VIN_PATTERN = "^([0-9A-HJ-NPR-Z]{3})([0-9A-HJ-NPR-Z]{6})([0-9A-HJ-NPR-Z]{4}[0-9]{4})$"
"""ISO 3779 VIN: WMI, VDS and VIS; no I, O or Q; the last four characters are digits."""

ECUS = ("Gateway", "Powertrain", "BatteryManagement", "Body", "ADAS", "Infotainment")
"""The virtual ECUs whose software the vehicle reports."""

OTA_STATES = (
    "IDLE",
    "CHECKING",
    "DOWNLOADING",
    "VERIFYING",
    "INSTALLING",
    "AWAITING_REBOOT",
    "HEALTH_CHECK",
    "ROLLING_BACK",
)

WINDOW_MOTORS = (
    "NONE",
    "ROW1_DRIVER_SIDE",
    "ROW1_PASSENGER_SIDE",
    "ROW2_DRIVER_SIDE",
    "ROW2_PASSENGER_SIDE",
)

IDENTIFICATION: tuple[SignalRow, ...] = (
    attribute(
        "Vehicle.VehicleIdentification.VIN",
        STRING,
        "Vehicle identification number (17 characters, ISO 3779).",
        pattern=VIN_PATTERN,
    ),
    attribute(
        "Vehicle.VehicleIdentification.WMI",
        STRING,
        "World manufacturer identifier: the first three characters of the VIN.",
    ),
    attribute("Vehicle.VehicleIdentification.Brand", STRING, "Make of the vehicle."),
    attribute("Vehicle.VehicleIdentification.Model", STRING, "Model name of the vehicle."),
    attribute("Vehicle.VehicleIdentification.Year", UINT16, "Model year."),
    attribute("Vehicle.VersionVSS.Major", UINT32, "Major version of VSS the catalogue follows.", default=6),
    attribute("Vehicle.VersionVSS.Minor", UINT32, "Minor version of VSS the catalogue follows.", default=0),
    attribute("Vehicle.VersionVSS.Patch", UINT32, "Patch version of VSS the catalogue follows.", default=0),
    attribute("Vehicle.VersionVSS.Label", STRING, "Pre-release label of that VSS version.", default=""),
)

DIAGNOSTICS: tuple[SignalRow, ...] = (
    sensor("Vehicle.Diagnostics.DTCCount", UINT8, "Number of active diagnostic trouble codes."),
    sensor(
        "Vehicle.Diagnostics.DTCList",
        STRING_ARRAY,
        "Active diagnostic trouble codes, OBD-II style ([P|C|B|U] and four hex digits).",
    ),
    sensor(
        "Vehicle.Service.IsServiceDue",
        BOOLEAN,
        "True when the next workshop visit is due.",
    ),
    sensor(
        "Vehicle.Service.DistanceToService",
        FLOAT,
        "Distance left until the next service; negative when overdue.",
        unit="km",
    ),
    sensor(
        "Vehicle.Service.TimeToService",
        INT32,
        "Time left until the next service; negative when overdue.",
        unit="s",
    ),
    sensor(
        "Vehicle.Connectivity.IsConnectivityAvailable",
        BOOLEAN,
        "True while the vehicle can reach its back end (needed for OTA).",
    ),
)

# -- overlays ---------------------------------------------------------------------------------

_SOFTWARE = "Vehicle.Software"
_UPDATE = f"{_SOFTWARE}.Update"
_FAULT = "Vehicle.Diagnostics.Fault"


def _ecu(name: str) -> tuple[SignalRow, ...]:
    ecu = f"{_SOFTWARE}.Ecu.{name}"
    return (
        sensor(f"{ecu}.SoftwareVersion", STRING, f"Software version running on the {name} ECU."),
        attribute(
            f"{ecu}.HardwareId",
            STRING,
            f"Hardware id of the {name} ECU; OTA images must name it.",
        ),
        sensor(
            f"{ecu}.ActiveSlot",
            STRING,
            f"A/B slot the {name} ECU booted from.",
            allowed=("A", "B"),
        ),
    )


SOFTWARE: tuple[SignalRow, ...] = (
    attribute(f"{_SOFTWARE}.PlatformVersion", STRING, "Version of the sdvkit platform."),
    *for_each(ECUS, _ecu),
    sensor(
        f"{_UPDATE}.State",
        STRING,
        "What the over-the-air update client is doing.",
        allowed=OTA_STATES,
        default="IDLE",
    ),
    sensor(
        f"{_UPDATE}.Progress",
        UINT8,
        "Progress of the current update step.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        f"{_UPDATE}.TargetVersion",
        STRING,
        "Release the director assigned to this vehicle; empty when none.",
    ),
    sensor(
        f"{_UPDATE}.LastResult",
        STRING,
        "Outcome of the last update attempt.",
        allowed=("NONE", "SUCCESS", "FAILED", "ROLLED_BACK", "REJECTED"),
        default="NONE",
        comment="REJECTED: metadata or image failed verification and nothing was installed.",
    ),
    sensor(f"{_UPDATE}.LastError", STRING, "Why the last update failed; empty after a success."),
    sensor(
        f"{_UPDATE}.LastCheckTime",
        STRING,
        "When the client last asked the director for updates.",
        unit="iso8601",
    ),
)

FAULT_FLAGS: tuple[SignalRow, ...] = (
    sensor(
        f"{_FAULT}.IsBatteryOverTemperature",
        BOOLEAN,
        "True while the battery management reports a cell above its temperature limit.",
    ),
    sensor(
        f"{_FAULT}.IsBatteryInsulationFault",
        BOOLEAN,
        "True while the high-voltage insulation resistance is below its limit.",
    ),
    sensor(
        f"{_FAULT}.BatteryInsulationResistance",
        FLOAT,
        "Insulation resistance between the high-voltage system and the chassis.",
        unit="Ohm",
        min=0,
        comment="UN R100 asks for at least 100 Ohm per volt of working voltage (DC).",
    ),
    sensor(
        f"{_FAULT}.IsFrontRadarBlocked",
        BOOLEAN,
        "True once the front radar's blockage is confirmed (debounced, raises a DTC).",
    ),
    sensor(
        f"{_FAULT}.IsWindowMotorStuck",
        BOOLEAN,
        "True while a window motor draws current but the window does not move.",
    ),
    sensor(
        f"{_FAULT}.StuckWindowMotor",
        STRING,
        "Which window motor is stuck.",
        allowed=WINDOW_MOTORS,
        default="NONE",
    ),
)

ROWS: tuple[SignalRow, ...] = (
    *IDENTIFICATION,
    *DIAGNOSTICS,
    *SOFTWARE,
    *FAULT_FLAGS,
)
