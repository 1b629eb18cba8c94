"""The vehicle's six virtual ECUs, declared as data (:data:`ECU_SPECS`).

=================  ======  =======  ========  ==========================================
ECU                index   request  response  DoIP address, what it monitors
=================  ======  =======  ========  ==========================================
Gateway            0       0x7E5    0x7ED     0x07E5 (also the DoIP entity)
Powertrain         1       0x7E0    0x7E8     0x07E0; OBD-II; battery faults the BMS reports
BatteryManagement  2       0x7E1    0x7E9     0x07E1; cell over-temperature, insulation
Body               3       0x7E2    0x7EA     0x07E2; stuck window motors
ADAS               4       0x7E3    0x7EB     0x07E3; front radar blockage
Infotainment       5       0x7E4    0x7EC     0x07E4
=================  ======  =======  ========  ==========================================

Every ECU answers the identification DIDs (F186 session, F187 part number, F189 software
version, F18C serial number, F190 VIN, F191 hardware number, F1A0 active slot) and the live
DIDs its freeze frames are made of (0100 speed, 0101 state of charge, 0102 battery
temperature); each has one writable setting with a range (0120..0125) and the routines FF00
(erase), FF01 (check programming dependencies) and 0201 (self-test).

What the ECUs measure and monitor is in :mod:`sdvkit.service.behaviours`.
"""

from __future__ import annotations

from collections.abc import Mapping

from sdvkit.service.behaviours import BEHAVIOURS, DTCS
from sdvkit.service.ecu_spec import (
    DidKind,
    DidSource,
    DidSpec,
    EcuBehaviour,
    EcuSpec,
    RoutineKind,
    RoutineSpec,
    SecuritySpec,
)
from sdvkit.service.errors import EcuSpecError
from sdvkit.service.hardware import HARDWARE_IDS
from sdvkit.service.uds import Session
from sdvkit.signals.builtin.service import ECUS, VIN_PATTERN

DEFAULT_VIN = "SDVK1EV00RA000001"
"""The VIN every ECU holds until one is written (``sdvkit ecus --vin`` sets another)."""

VIN = 0xF190
SOFTWARE_VERSION = 0xF189
ACTIVE_SLOT = 0xF1A0
VEHICLE_SPEED = 0x0100
STATE_OF_CHARGE = 0x0101
BATTERY_TEMPERATURE = 0x0102
FREEZE_FRAME_DIDS = (VEHICLE_SPEED, STATE_OF_CHARGE, BATTERY_TEMPERATURE)

ERASE_MEMORY_ROUTINE = 0xFF00
CHECK_DEPENDENCIES_ROUTINE = 0xFF01
SELF_TEST_ROUTINE = 0x0201

# -- data identifiers ----------------------------------------------------------------------------


def _text(
    did: int, name: str, size: int, default: str, *, writable: bool = False, pattern: str | None = None
) -> DidSpec:
    return DidSpec(
        did=did,
        name=name,
        kind=DidKind.ASCII,
        size=size,
        source=DidSource.STORED,
        default=default,
        writable=writable,
        pattern=pattern,
    )


def _identification(part_number: str, serial_number: str, hardware_id: str) -> tuple[DidSpec, ...]:
    return (
        DidSpec(
            did=0xF186,
            name="ActiveDiagnosticSession",
            kind=DidKind.UNSIGNED,
            size=1,
            source=DidSource.ECU,
            key="session",
        ),
        _text(0xF187, "SparePartNumber", 16, part_number),
        DidSpec(
            did=SOFTWARE_VERSION,
            name="SoftwareVersion",
            kind=DidKind.ASCII,
            size=16,
            source=DidSource.ECU,
            key="software_version",
            default="",
        ),
        _text(0xF18C, "SerialNumber", 16, serial_number),
        _text(VIN, "VIN", 17, DEFAULT_VIN, writable=True, pattern=VIN_PATTERN),
        _text(0xF191, "HardwareNumber", 16, hardware_id),
        DidSpec(
            did=ACTIVE_SLOT,
            name="ActiveSlot",
            kind=DidKind.ASCII,
            size=1,
            source=DidSource.ECU,
            key="active_slot",
            default="A",
        ),
    )


def _live(battery_temperature: DidSpec) -> tuple[DidSpec, ...]:
    return (
        DidSpec(
            did=VEHICLE_SPEED,
            name="VehicleSpeed",
            kind=DidKind.UNSIGNED,
            size=2,
            source=DidSource.BUS,
            key="PLANT_Motion.VehicleSpeed",
            scale=0.01,
            unit="km/h",
        ),
        DidSpec(
            did=STATE_OF_CHARGE,
            name="StateOfCharge",
            kind=DidKind.UNSIGNED,
            size=2,
            source=DidSource.BUS,
            key="PLANT_Battery.StateOfCharge",
            scale=0.01,
            unit="%",
        ),
        battery_temperature,
    )


_BATTERY_TEMPERATURE_ON_BUS = DidSpec(
    did=BATTERY_TEMPERATURE,
    name="BatteryTemperature",
    kind=DidKind.SIGNED,
    size=2,
    source=DidSource.BUS,
    key="BMS_Status.MaxCellTemperature",
    scale=0.1,
    unit="degC",
    default=25.0,
)
_BATTERY_TEMPERATURE_MEASURED = DidSpec(
    did=BATTERY_TEMPERATURE,
    name="BatteryTemperature",
    kind=DidKind.SIGNED,
    size=2,
    source=DidSource.MEASURED,
    key="MaxCellTemperature",
    scale=0.1,
    unit="degC",
    default=25.0,
)


def _setting(did: int, name: str, *, unit: str, low: float, high: float, default: float) -> DidSpec:
    return DidSpec(
        did=did,
        name=name,
        kind=DidKind.UNSIGNED,
        size=1,
        source=DidSource.STORED,
        default=default,
        unit=unit,
        minimum=low,
        maximum=high,
        writable=True,
    )


EXTRA_DIDS: Mapping[str, tuple[DidSpec, ...]] = {
    "Gateway": (_setting(0x0125, "KeepAliveInterval", unit="s", low=1, high=60, default=5),),
    "Powertrain": (
        _setting(0x0120, "MaxSpeedLimit", unit="km/h", low=30, high=250, default=180),
        DidSpec(
            did=0x0103,
            name="AmbientTemperature",
            kind=DidKind.SIGNED,
            size=2,
            source=DidSource.BUS,
            key="PLANT_Environment.AmbientTemperature",
            scale=0.1,
            unit="degC",
            default=20.0,
        ),
        DidSpec(
            did=0x0104,
            name="LowVoltageBatteryVoltage",
            kind=DidKind.UNSIGNED,
            size=2,
            source=DidSource.BUS,
            key="PLANT_Environment.LowVoltageBatteryVoltage",
            scale=0.001,
            unit="V",
            default=14.1,
        ),
        DidSpec(
            did=0x0105,
            name="Odometer",
            kind=DidKind.UNSIGNED,
            size=4,
            source=DidSource.BUS,
            key="PLANT_Motion.Odometer",
            unit="km",
        ),
    ),
    "BatteryManagement": (
        _setting(0x0121, "ChargeLimit", unit="%", low=50, high=100, default=90),
        DidSpec(
            did=0x0110,
            name="InsulationResistance",
            kind=DidKind.UNSIGNED,
            size=4,
            source=DidSource.MEASURED,
            key="InsulationResistance",
            unit="Ohm",
            default=5_000_000,
        ),
        DidSpec(
            did=0x0111,
            name="PackVoltage",
            kind=DidKind.UNSIGNED,
            size=2,
            source=DidSource.BUS,
            key="PLANT_Battery.PackVoltage",
            scale=0.1,
            unit="V",
        ),
        DidSpec(
            did=0x0112,
            name="PackCurrent",
            kind=DidKind.SIGNED,
            size=2,
            source=DidSource.BUS,
            key="PLANT_Battery.PackCurrent",
            scale=0.1,
            unit="A",
        ),
    ),
    "Body": (
        _setting(0x0122, "WindowAutoCloseDelay", unit="s", low=0, high=60, default=10),
        DidSpec(
            did=0x0131,
            name="StuckWindowMotor",
            kind=DidKind.UNSIGNED,
            size=1,
            source=DidSource.MEASURED,
            key="StuckWindowMotor",
        ),
    ),
    "ADAS": (
        _setting(0x0123, "RadarBlockageWarningThreshold", unit="%", low=50, high=100, default=80),
        DidSpec(
            did=0x0130,
            name="RadarBlockage",
            kind=DidKind.UNSIGNED,
            size=1,
            source=DidSource.MEASURED,
            key="RadarBlockage",
            unit="%",
        ),
    ),
    "Infotainment": (_setting(0x0124, "DisplayBrightness", unit="%", low=10, high=100, default=70),),
}

ROUTINES = (
    RoutineSpec(
        routine_id=ERASE_MEMORY_ROUTINE,
        kind=RoutineKind.ERASE_MEMORY,
        sessions=frozenset({Session.PROGRAMMING}),
        needs_security=True,
    ),
    RoutineSpec(
        routine_id=CHECK_DEPENDENCIES_ROUTINE,
        kind=RoutineKind.CHECK_PROGRAMMING_DEPENDENCIES,
        sessions=frozenset({Session.PROGRAMMING}),
        needs_security=True,
    ),
    RoutineSpec(
        routine_id=SELF_TEST_ROUTINE,
        kind=RoutineKind.SELF_TEST,
        sessions=frozenset({Session.EXTENDED}),
        needs_security=False,
    ),
)

_TABLE = (
    # name, short, request id, software version, security secret
    ("Gateway", "GW", 0x7E5, "2.1.0", 0x5EC0_0001),
    ("Powertrain", "PT", 0x7E0, "1.4.2", 0x5EC0_0002),
    ("BatteryManagement", "BMS", 0x7E1, "3.0.1", 0x5EC0_0003),
    ("Body", "BODY", 0x7E2, "1.2.0", 0x5EC0_0004),
    ("ADAS", "ADAS", 0x7E3, "4.2.0", 0x5EC0_0005),
    ("Infotainment", "IVI", 0x7E4, "5.0.3", 0x5EC0_0006),
)


def _build() -> tuple[EcuSpec, ...]:
    specs: list[EcuSpec] = []
    for name, short, request_id, version, secret in _TABLE:
        index = ECUS.index(name)
        hardware_id = HARDWARE_IDS[name]
        part_number = f"SDVK-{short}-{1000 + index}"
        serial_number = f"{short}{index:02d}0000001"
        battery_temperature = (
            _BATTERY_TEMPERATURE_MEASURED if name == "BatteryManagement" else _BATTERY_TEMPERATURE_ON_BUS
        )
        behaviour = BEHAVIOURS.get(name, EcuBehaviour())
        dtcs = DTCS.get(name, ())
        specs.append(
            EcuSpec(
                name=name,
                index=index,
                request_id=request_id,
                response_id=request_id + 8,
                logical_address=request_id,
                software_version=version,
                hardware_id=hardware_id,
                part_number=part_number,
                serial_number=serial_number,
                security=SecuritySpec(secret=secret),
                dids=(
                    *_identification(part_number, serial_number, hardware_id),
                    *_live(battery_temperature),
                    *EXTRA_DIDS.get(name, ()),
                ),
                dtcs=dtcs,
                routines=ROUTINES,
                freeze_frame_dids=FREEZE_FRAME_DIDS if dtcs else (),
                behaviour=behaviour,
                obd_responder=name == "Powertrain",
            )
        )
    return tuple(sorted(specs, key=lambda spec: spec.index))


ECU_SPECS: tuple[EcuSpec, ...] = _build()
"""Every ECU of the vehicle, in index order (the order of ``Vehicle.Software.Ecu``)."""


def ecu_spec(name: str) -> EcuSpec:
    """An ECU by name (case-insensitive); EcuSpecError lists the known ones."""
    for spec in ECU_SPECS:
        if spec.name.lower() == name.lower():
            return spec
    raise EcuSpecError(f"no ECU named {name!r}; the ECUs are {', '.join(spec.name for spec in ECU_SPECS)}")
