"""OBD-II (SAE J1979 / ISO 15031-5) for the powertrain ECU: modes 01, 03, 04 and 09.

On CAN (ISO 15765-4) a tester asks on 0x7DF (functional) or 0x7E0 (physical) and the
powertrain answers on 0x7E8. An EV answers the PIDs it has:

======  ================================================  =============================
PID     meaning                                           coding
======  ================================================  =============================
00/20/40  supported-PID bitmaps                           4 bytes
01      monitor status: MIL and the number of DTCs        4 bytes
0D      vehicle speed                                     A km/h
21      distance travelled with the MIL on                256 A + B km
31      distance since the DTCs were cleared              256 A + B km
42      control module voltage                            (256 A + B) / 1000 V
46      ambient air temperature                           A - 40 °C
51      fuel type                                         0x08 electric
5B      hybrid/EV battery pack remaining                  100 A / 255 %
======  ================================================  =============================

Mode 03 reports the stored (confirmed) powertrain DTCs, ``43 <count> {<DTC:2>}``; mode 04 clears
them; mode 09 answers the VIN (PID 02) and the ECU name (PID 0A). A PID or mode the ECU does
not support gets no answer to a functional request and NRC 0x12 / 0x11 to a physical one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sdvkit.service.uds import DtcStatus, Nrc, negative_response

if TYPE_CHECKING:
    from sdvkit.service.uds_server import UdsServer

OBD_MODES = frozenset({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A})
"""Service ids that are OBD modes, not UDS services."""
CURRENT_DATA = 0x01
STORED_DTCS = 0x03
CLEAR_DTCS = 0x04
VEHICLE_INFORMATION = 0x09
MAX_PIDS_PER_REQUEST = 6
FUEL_TYPE_ELECTRIC = 0x08
VIN_DID = 0xF190
ECU_NAME = "PTCM-EVPowertrainCtl"
"""Mode 09 PID 0A: 20 ASCII characters."""

PidReader = Callable[["UdsServer"], bytes]


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _monitor_status(server: UdsServer) -> bytes:
    confirmed = list(_stored_powertrain_dtcs(server))
    mil = 0x80 if server.dtcs.warning_indicator() else 0x00
    return bytes((mil | min(0x7F, len(confirmed)), 0x00, 0x00, 0x00))


def _odometer_km(server: UdsServer) -> float:
    return server.live.bus_value("PLANT_Motion.Odometer", 0.0)


def _distance_with_mil(server: UdsServer) -> bytes:
    mark = server.memory.odometer_at_mil_on_km
    distance = 0.0 if mark is None or not server.dtcs.warning_indicator() else _odometer_km(server) - mark
    return _clamp(distance, 0, 0xFFFF).to_bytes(2, "big")


def _distance_since_clear(server: UdsServer) -> bytes:
    mark = server.memory.odometer_at_clear_km or 0.0
    return _clamp(_odometer_km(server) - mark, 0, 0xFFFF).to_bytes(2, "big")


PIDS: dict[int, PidReader] = {
    0x01: _monitor_status,
    0x0D: lambda server: bytes((_clamp(server.live.bus_value("PLANT_Motion.VehicleSpeed", 0.0), 0, 255),)),
    0x21: _distance_with_mil,
    0x31: _distance_since_clear,
    0x42: lambda server: _clamp(
        server.live.bus_value("PLANT_Environment.LowVoltageBatteryVoltage", 14.1) * 1000, 0, 0xFFFF
    ).to_bytes(2, "big"),
    0x46: lambda server: bytes(
        (_clamp(server.live.bus_value("PLANT_Environment.AmbientTemperature", 20.0) + 40, 0, 255),)
    ),
    0x51: lambda server: bytes((FUEL_TYPE_ELECTRIC,)),
    0x5B: lambda server: bytes(
        (_clamp(server.live.bus_value("PLANT_Battery.StateOfCharge", 0.0) * 255 / 100, 0, 255),)
    ),
}
"""Mode 01 PIDs and how each is read (the bitmaps are added below)."""


def supported_bitmap(pids: set[int], base: int) -> bytes:
    """The 4-byte bitmap of PIDs ``base+1 .. base+32``; bit 0 says a next bitmap exists."""
    value = 0
    for offset in range(1, 33):
        if base + offset in pids:
            value |= 1 << (32 - offset)
    return value.to_bytes(4, "big")


def _with_bitmaps(pids: set[int]) -> set[int]:
    highest = max(pids)
    return pids | set(range(0, highest, 0x20))


MODE_01_PIDS = _with_bitmaps(set(PIDS))
MODE_09_PIDS = {0x00, 0x02, 0x0A}


def _stored_powertrain_dtcs(server: UdsServer) -> list[int]:
    """Confirmed DTCs of the P group, as two-byte OBD codes."""
    codes = [
        record.code >> 8 for record in server.dtcs.matching(DtcStatus.CONFIRMED) if record.code >> 22 == 0
    ]
    return list(dict.fromkeys(codes))


def handle_obd(server: UdsServer, request: bytes, *, functional: bool) -> bytes | None:
    """The answer to an OBD-II request (None: none is sent). Never raises for a request."""
    mode = request[0]

    def refuse(code: Nrc) -> bytes | None:
        return None if functional else negative_response(mode, code)

    if mode == CURRENT_DATA:
        pids = request[1:]
        if not 1 <= len(pids) <= MAX_PIDS_PER_REQUEST:
            return refuse(Nrc.INCORRECT_MESSAGE_LENGTH)
        response = bytearray((0x41,))
        for pid in pids:
            if pid not in MODE_01_PIDS:
                continue
            reader = PIDS.get(pid)
            data = supported_bitmap(MODE_01_PIDS, pid) if reader is None else reader(server)
            response += bytes((pid,)) + data
        return bytes(response) if len(response) > 1 else refuse(Nrc.SUB_FUNCTION_NOT_SUPPORTED)
    if mode == STORED_DTCS:
        if len(request) != 1:
            return refuse(Nrc.INCORRECT_MESSAGE_LENGTH)
        codes = _stored_powertrain_dtcs(server)
        return bytes((0x43, len(codes))) + b"".join(code.to_bytes(2, "big") for code in codes)
    if mode == CLEAR_DTCS:
        if len(request) != 1:
            return refuse(Nrc.INCORRECT_MESSAGE_LENGTH)
        if server.vehicle_moving():
            return negative_response(mode, Nrc.CONDITIONS_NOT_CORRECT)
        server.dtcs.clear(0xFFFFFF)
        server.memory.odometer_at_mil_on_km = None
        server.memory.odometer_at_clear_km = _odometer_km(server)
        server.memory.save()
        return b"\x44"
    if mode == VEHICLE_INFORMATION:
        if len(request) != 2:
            return refuse(Nrc.INCORRECT_MESSAGE_LENGTH)
        pid = request[1]
        if pid == 0x00:
            return b"\x49\x00" + supported_bitmap(MODE_09_PIDS, 0x00)
        if pid == 0x02:
            spec = server.spec.did(VIN_DID)
            vin = server.did_bytes(spec) if spec is not None else b"?" * 17
            return b"\x49\x02\x01" + vin
        if pid == 0x0A:
            return b"\x49\x0a\x01" + ECU_NAME.encode("ascii").ljust(20, b"\x00")[:20]
        return refuse(Nrc.SUB_FUNCTION_NOT_SUPPORTED)
    return refuse(Nrc.SERVICE_NOT_SUPPORTED)
