"""The vehicle's CAN database (``dbc/sdvkit.dbc``, package data) and frame coding with cantools.

The DBC declares every periodic message on the in-vehicle bus, its senders and its cycle time
(``GenMsgCycleTime``). :func:`encode` fills a message from values by signal name (missing ones
take the signal's minimum or 0, values outside a signal's range are clamped to it, so a sensor
reading out of range never stops the bus); :func:`decode` turns a received frame back into
values and raises :class:`~sdvkit.service.errors.DbcError` for a frame that does not fit.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
from collections.abc import Mapping
from typing import Any

import cantools
from cantools.database.can import Database, Message
from cantools.database.errors import DecodeError, EncodeError, UnsupportedDatabaseFormatError

from sdvkit.service.errors import DbcError

DBC_RESOURCE = "dbc/sdvkit.dbc"
"""The database, relative to the :mod:`sdvkit.service` package."""

# Messages, by name.
PLANT_MOTION = "PLANT_Motion"
PLANT_BATTERY = "PLANT_Battery"
PLANT_ENVIRONMENT = "PLANT_Environment"
SIM_FAULT_INJECTION = "SIM_FaultInjection"
BMS_STATUS = "BMS_Status"
ADAS_STATUS = "ADAS_Status"
BODY_STATUS = "BODY_Status"
PT_STATUS = "PT_Status"
DIAG_DTC_REPORT = "DIAG_DtcReport"
DIAG_ECU_IDENTITY = "DIAG_EcuIdentity"

FEEDER_MESSAGES = (PLANT_MOTION, PLANT_BATTERY, PLANT_ENVIRONMENT, SIM_FAULT_INJECTION)
"""What the CAN feeder sends (VSS to CAN): what the ECUs need to see."""


def dbc_text() -> str:
    """The text of the packaged DBC file."""
    resource = importlib.resources.files("sdvkit.service").joinpath(DBC_RESOURCE)
    try:
        return resource.read_text(encoding="utf-8")
    except OSError as error:
        raise DbcError(f"cannot read the packaged DBC {DBC_RESOURCE}: {error}") from error


@functools.cache
def load_database() -> Database:
    """The vehicle's CAN database (parsed once)."""
    try:
        database = cantools.database.load_string(dbc_text(), database_format="dbc", strict=True)
    except (UnsupportedDatabaseFormatError, ValueError) as error:
        raise DbcError(f"the packaged DBC {DBC_RESOURCE} is malformed: {error}") from error
    if not isinstance(database, Database):
        raise DbcError(f"the packaged DBC {DBC_RESOURCE} is not a CAN database")
    return database


def message(name: str) -> Message:
    """A message of the database by name; DbcError lists the known names."""
    database = load_database()
    try:
        return database.get_message_by_name(name)
    except KeyError as error:
        known = ", ".join(sorted(item.name for item in database.messages))
        raise DbcError(f"no message {name!r} in the DBC; it has {known}") from error


def cycle_time_s(name: str) -> float:
    """A message's cycle time, from the DBC's ``GenMsgCycleTime``."""
    milliseconds = message(name).cycle_time
    if not milliseconds:
        raise DbcError(f"message {name} has no cycle time in the DBC")
    return milliseconds / 1000.0


def encode(name: str, values: Mapping[str, Any]) -> tuple[int, bytes]:
    """``(arbitration id, data)`` of message ``name`` carrying ``values`` (clamped to range).

    A value may be a number or, for a signal with a value table, one of its names. An unknown
    signal name is an error (a typo would otherwise send zeros).
    """
    spec = message(name)
    known = {signal.name for signal in spec.signals}
    unknown = set(values) - known
    if unknown:
        raise DbcError(f"message {name} has no signal {', '.join(sorted(unknown))}")
    prepared: dict[str, Any] = {}
    for signal in spec.signals:
        value = values.get(signal.name)
        if isinstance(value, str) and signal.choices is not None:
            raw = _choice_value(signal.choices, value)
            if raw is None:
                raise DbcError(f"{name}.{signal.name} has no value named {value!r}")
            prepared[signal.name] = raw
            continue
        low = signal.minimum if signal.minimum is not None else -math.inf
        high = signal.maximum if signal.maximum is not None else math.inf
        number = float(value) if isinstance(value, (int, float)) else math.nan
        if not math.isfinite(number):
            number = 0.0
        prepared[signal.name] = min(high, max(low, number))
    try:
        data = spec.encode(prepared, scaling=True, padding=False, strict=True)
    except (EncodeError, ValueError, KeyError) as error:
        raise DbcError(f"cannot encode {name}: {error}") from error
    return spec.frame_id, bytes(data)


def decode(arbitration_id: int, data: bytes) -> tuple[str, dict[str, float]] | None:
    """The message name and raw-scaled values of a frame; None for an id the DBC does not know.

    Value tables are not applied (a window motor is its number). A frame of the wrong length,
    or whose values fall outside their signals' ranges, raises DbcError naming the message.
    """
    database = load_database()
    try:
        spec = database.get_message_by_frame_id(arbitration_id)
    except KeyError:
        return None
    if len(data) != spec.length:
        raise DbcError(
            f"{spec.name} (0x{arbitration_id:03X}) is {spec.length} bytes, the frame has {len(data)}"
        )
    try:
        decoded = spec.decode(bytes(data), decode_choices=False, scaling=True)
    except (DecodeError, ValueError) as error:
        raise DbcError(f"cannot decode {spec.name} (0x{arbitration_id:03X}): {error}") from error
    if not isinstance(decoded, Mapping):
        raise DbcError(
            f"{spec.name} (0x{arbitration_id:03X}) is a container message, which sdvkit does not use"
        )
    values: dict[str, float] = {}
    for signal in spec.signals:
        value = decoded.get(signal.name)
        if not isinstance(value, (int, float)):
            raise DbcError(f"{spec.name}.{signal.name} did not decode to a number")
        number = float(value)
        low, high = signal.minimum, signal.maximum
        if (low is not None and number < low - 1e-9) or (high is not None and number > high + 1e-9):
            raise DbcError(f"{spec.name}.{signal.name} = {number:g} is outside [{low:g}, {high:g}]")
        values[signal.name] = number
    return spec.name, values


def _choice_value(choices: Mapping[int, Any], name: str) -> int | None:
    for raw, choice in choices.items():
        if str(choice) == name:
            return raw
    return None


def choice_name(message_name: str, signal_name: str, raw: float) -> str:
    """The value-table name of a raw value (``StuckWindowMotor`` 1 → ``ROW1_DRIVER_SIDE``)."""
    signal = message(message_name).get_signal_by_name(signal_name)
    if signal.choices is None:
        raise DbcError(f"{message_name}.{signal_name} has no value table")
    choice = signal.choices.get(round(raw))
    if choice is None:
        raise DbcError(f"{message_name}.{signal_name} has no value named for {raw:g}")
    return str(choice)
