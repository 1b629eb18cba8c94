"""What the ECUs do with what they see: their sensor models, fault monitors and status frames.

The ECUs' sensors see the plant through the bus (``PLANT_*`` frames) and the injected hardware
faults the plant has no model for (``SIM_FaultInjection``): the battery management measures its
hottest cell 1.5 K above the pack temperature the plant reports (which an overheating battery
raises past the 60 °C limit) and 20 kOhm of insulation when it fails; the radar reports 95 %
blockage; the body controller sees the jammed window motor. Their monitors debounce that into
DTCs, and the powertrain sets the OBD codes when the battery management reports its faults.
The tables (:data:`BEHAVIOURS`, :data:`DTCS`) are keyed by ECU name.
"""

from __future__ import annotations

from collections.abc import Mapping

from sdvkit.service.dbc import ADAS_STATUS, BMS_STATUS, BODY_STATUS, PT_STATUS
from sdvkit.service.ecu_spec import BusReader, DtcSpec, EcuBehaviour, FaultMonitor, StatusView
from sdvkit.service.uds import parse_dtc

# -- sensor models and limits ------------------------------------------------------------------

OVER_TEMPERATURE_LIMIT_C = 60.0
CELL_SPREAD_K = 1.5
"""How far above the pack's average the hottest cell reads."""
INSULATION_HEALTHY_OHM = 5_000_000.0
INSULATION_FAULTY_OHM = 20_000.0
INSULATION_LIMIT_OHM_PER_V = 100.0
"""UN R100: at least 100 Ohm per volt of working voltage (DC)."""
NOMINAL_PACK_VOLTAGE_V = 400.0
RADAR_BLOCKED_PERCENT = 95.0
RADAR_BLOCKAGE_LIMIT_PERCENT = 80.0

BATTERY_OVER_TEMPERATURE = parse_dtc("P0A7E-4B")
BATTERY_INSULATION_FAULT = parse_dtc("P0AA6-1A")
POWERTRAIN_BATTERY_OVER_TEMPERATURE = parse_dtc("P0A7E-00")
POWERTRAIN_INSULATION_FAULT = parse_dtc("P0AA6-00")
FRONT_RADAR_BLOCKED = parse_dtc("C1A67-00")
WINDOW_MOTOR_STUCK = tuple(parse_dtc(f"B140{2 + index}-71") for index in range(4))
"""Window motors ROW1_DRIVER_SIDE, ROW1_PASSENGER_SIDE, ROW2_DRIVER_SIDE, ROW2_PASSENGER_SIDE."""


def _flag(read: BusReader, key: str) -> bool:
    return read(key, 0.0) >= 0.5


def _bms_measure(read: BusReader) -> dict[str, float]:
    pack_c = read("PLANT_Battery.PackTemperature", 25.0)
    faulty = _flag(read, "SIM_FaultInjection.InsulationFault")
    pack_v = read("PLANT_Battery.PackVoltage", 0.0) or NOMINAL_PACK_VOLTAGE_V
    return {
        "MaxCellTemperature": pack_c + CELL_SPREAD_K,
        "InsulationResistance": INSULATION_FAULTY_OHM if faulty else INSULATION_HEALTHY_OHM,
        "InsulationLimit": INSULATION_LIMIT_OHM_PER_V * pack_v,
    }


def _bms_status(view: StatusView) -> dict[str, float]:
    return {
        "MaxCellTemperature": view.measurements["MaxCellTemperature"],
        "InsulationResistance": view.measurements["InsulationResistance"],
        "OverTemperature": float(BATTERY_OVER_TEMPERATURE in view.failed),
        "InsulationFault": float(BATTERY_INSULATION_FAULT in view.failed),
        "ActiveDtcCount": view.active_dtc_count,
    }


def _powertrain_measure(read: BusReader) -> dict[str, float]:
    return {
        "BmsOverTemperature": read("BMS_Status.OverTemperature", 0.0),
        "BmsInsulationFault": read("BMS_Status.InsulationFault", 0.0),
    }


def _powertrain_status(view: StatusView) -> dict[str, float]:
    return {
        "MalfunctionIndicatorOn": float(view.warning_indicator),
        "PowerLimited": float(bool(view.failed)),
        "ActiveDtcCount": view.active_dtc_count,
    }


def _adas_measure(read: BusReader) -> dict[str, float]:
    blocked = _flag(read, "SIM_FaultInjection.FrontRadarBlocked")
    return {"RadarBlockage": RADAR_BLOCKED_PERCENT if blocked else 0.0}


def _adas_status(view: StatusView) -> dict[str, float]:
    return {
        "FrontRadarBlocked": float(FRONT_RADAR_BLOCKED in view.failed),
        "RadarBlockage": view.measurements["RadarBlockage"],
        "ActiveDtcCount": view.active_dtc_count,
    }


def _body_measure(read: BusReader) -> dict[str, float]:
    return {"StuckWindowMotor": float(round(read("SIM_FaultInjection.StuckWindowMotor", 0.0)))}


def _body_status(view: StatusView) -> dict[str, float]:
    stuck = [index + 1 for index, code in enumerate(WINDOW_MOTOR_STUCK) if code in view.failed]
    return {
        "WindowMotorStuck": float(bool(stuck)),
        "StuckWindowMotor": float(stuck[0]) if stuck else 0.0,
        "ActiveDtcCount": view.active_dtc_count,
    }


def _window_stuck(window: int) -> FaultMonitor:
    return FaultMonitor(
        dtc=WINDOW_MOTOR_STUCK[window - 1],
        failing=lambda values: round(values["StuckWindowMotor"]) == window,
        debounce_samples=2,
    )


BEHAVIOURS: Mapping[str, EcuBehaviour] = {
    "BatteryManagement": EcuBehaviour(
        measure=_bms_measure,
        monitors=(
            FaultMonitor(
                dtc=BATTERY_OVER_TEMPERATURE,
                failing=lambda values: values["MaxCellTemperature"] > OVER_TEMPERATURE_LIMIT_C,
            ),
            FaultMonitor(
                dtc=BATTERY_INSULATION_FAULT,
                failing=lambda values: values["InsulationResistance"] < values["InsulationLimit"],
            ),
        ),
        status_message=BMS_STATUS,
        status=_bms_status,
    ),
    "Powertrain": EcuBehaviour(
        measure=_powertrain_measure,
        monitors=(
            FaultMonitor(
                dtc=POWERTRAIN_BATTERY_OVER_TEMPERATURE,
                failing=lambda values: values["BmsOverTemperature"] >= 0.5,
                debounce_samples=2,
            ),
            FaultMonitor(
                dtc=POWERTRAIN_INSULATION_FAULT,
                failing=lambda values: values["BmsInsulationFault"] >= 0.5,
                debounce_samples=2,
            ),
        ),
        status_message=PT_STATUS,
        status=_powertrain_status,
    ),
    "ADAS": EcuBehaviour(
        measure=_adas_measure,
        monitors=(
            FaultMonitor(
                dtc=FRONT_RADAR_BLOCKED,
                failing=lambda values: values["RadarBlockage"] > RADAR_BLOCKAGE_LIMIT_PERCENT,
                debounce_samples=10,
            ),
        ),
        status_message=ADAS_STATUS,
        status=_adas_status,
    ),
    "Body": EcuBehaviour(
        measure=_body_measure,
        monitors=tuple(_window_stuck(window) for window in range(1, 5)),
        status_message=BODY_STATUS,
        status=_body_status,
    ),
}

DTCS: Mapping[str, tuple[DtcSpec, ...]] = {
    "BatteryManagement": (
        DtcSpec(
            code=BATTERY_OVER_TEMPERATURE, description="Battery pack over temperature (cell above 60 °C)"
        ),
        DtcSpec(
            code=BATTERY_INSULATION_FAULT,
            description="High-voltage isolation fault: resistance below 100 Ohm/V",
        ),
    ),
    "Powertrain": (
        DtcSpec(
            code=POWERTRAIN_BATTERY_OVER_TEMPERATURE,
            description="Hybrid/EV battery pack over temperature: propulsion power limited",
            warning_indicator=True,
        ),
        DtcSpec(
            code=POWERTRAIN_INSULATION_FAULT,
            description="Hybrid/EV battery voltage system isolation fault: contactors open",
            warning_indicator=True,
        ),
    ),
    "ADAS": (DtcSpec(code=FRONT_RADAR_BLOCKED, description="Front radar blocked"),),
    "Body": tuple(
        DtcSpec(code=code, description=f"Window motor {name} stuck (actuator stuck)")
        for code, name in zip(
            WINDOW_MOTOR_STUCK,
            ("row 1 driver side", "row 1 passenger side", "row 2 driver side", "row 2 passenger side"),
            strict=True,
        )
    ),
}
