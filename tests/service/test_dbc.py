"""The packaged DBC: it loads from the package, every message fits its frame, values round-trip."""

from __future__ import annotations

import importlib.resources

import cantools
import pytest

from sdvkit.service import dbc
from sdvkit.service.errors import DbcError


def test_the_dbc_is_package_data_and_parses() -> None:
    text = importlib.resources.files("sdvkit.service").joinpath("dbc/sdvkit.dbc").read_text(encoding="utf-8")
    database = cantools.database.load_string(text, database_format="dbc")
    assert {message.name for message in database.messages} >= set(dbc.FEEDER_MESSAGES) | {
        dbc.BMS_STATUS,
        dbc.ADAS_STATUS,
        dbc.BODY_STATUS,
        dbc.PT_STATUS,
        dbc.DIAG_DTC_REPORT,
        dbc.DIAG_ECU_IDENTITY,
    }
    for message in database.messages:
        assert message.length <= 8, message.name
        assert not message.is_extended_frame, message.name
        assert message.cycle_time, message.name
        assert not 0x7DF <= message.frame_id <= 0x7EF, f"{message.name} collides with diagnostics"


def test_values_round_trip_and_are_clamped_to_range() -> None:
    frame_id, data = dbc.encode(
        dbc.PLANT_BATTERY, {"StateOfCharge": 64.57, "PackTemperature": -12.3, "PackCurrent": -150.2}
    )
    name, values = dbc.decode(frame_id, data)  # type: ignore[misc]
    assert name == dbc.PLANT_BATTERY
    assert values == pytest.approx(
        {"StateOfCharge": 64.57, "PackTemperature": -12.3, "PackVoltage": 0.0, "PackCurrent": -150.2}
    )
    _, clamped = dbc.decode(
        *dbc.encode(dbc.PLANT_BATTERY, {"StateOfCharge": 140.0, "PackTemperature": float("nan")})
    )  # type: ignore[misc]
    assert clamped["StateOfCharge"] == 100.0
    assert clamped["PackTemperature"] == 0.0
    frame_id, data = dbc.encode(dbc.SIM_FAULT_INJECTION, {"StuckWindowMotor": "ROW2_DRIVER_SIDE"})
    assert dbc.decode(frame_id, data) == (
        dbc.SIM_FAULT_INJECTION,
        {
            "InsulationFault": 0.0,
            "FrontRadarBlocked": 0.0,
            "StuckWindowMotor": 3.0,
        },
    )
    assert dbc.choice_name(dbc.BODY_STATUS, "StuckWindowMotor", 3) == "ROW2_DRIVER_SIDE"


def test_bad_frames_and_names_are_refused_by_name() -> None:
    assert dbc.decode(0x7FF, bytes(8)) is None
    with pytest.raises(DbcError, match=r"BMS_Status \(0x300\) is 6 bytes, the frame has 2"):
        dbc.decode(0x300, bytes(2))
    with pytest.raises(DbcError, match="StuckWindowMotor = 7 is outside"):
        dbc.decode(0x110, bytes((0b0011_1000,)))
    with pytest.raises(DbcError, match="no signal Speed"):
        dbc.encode(dbc.PLANT_MOTION, {"Speed": 1.0})
    with pytest.raises(DbcError, match="no message 'PLANT_Speed'"):
        dbc.message("PLANT_Speed")
    with pytest.raises(DbcError, match="no value named 'SUNROOF'"):
        dbc.encode(dbc.SIM_FAULT_INJECTION, {"StuckWindowMotor": "SUNROOF"})
