"""UDS services on the fault memory: ClearDiagnosticInformation (0x14), ReadDTCInformation (0x19).

ReadDTCInformation sub-functions:

- ``01`` reportNumberOfDTCByStatusMask: ``59 01 <availability> <format> <count:2>``;
- ``02`` reportDTCByStatusMask: ``59 02 <availability> {<DTC:3> <status>}``;
- ``04`` reportDTCSnapshotRecordByDTCNumber: ``59 04 <DTC:3> <status> {<record> <DIDs> {<DID:2> <data>}}``
  (record 1: first failure, 2: latest, FF: all);
- ``06`` reportDTCExtDataRecordByDTCNumber: ``59 06 <DTC:3> <status> {<record> <data>}``
  (record 1: occurrence counter, FF: all);
- ``0A`` reportSupportedDTC: every DTC the ECU can set, with its status.

Only DTCs that failed since the last clear are in the memory; a supported DTC that is not
stored answers 04 and 06 with its status and no records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sdvkit.service.dtc_memory import EXTENDED_DATA_RECORDS, OCCURRENCE_COUNTER_RECORD, SNAPSHOT_RECORDS
from sdvkit.service.errors import RejectedRequestError
from sdvkit.service.uds import DTC_FORMAT_ISO_14229_1, DTC_STATUS_AVAILABILITY_MASK, Nrc

if TYPE_CHECKING:
    from sdvkit.service.uds_server import UdsServer

NUMBER_BY_STATUS_MASK = 0x01
DTC_BY_STATUS_MASK = 0x02
SNAPSHOT_BY_DTC_NUMBER = 0x04
EXTENDED_DATA_BY_DTC_NUMBER = 0x06
SUPPORTED_DTC = 0x0A
REPORT_TYPES = (
    NUMBER_BY_STATUS_MASK,
    DTC_BY_STATUS_MASK,
    SNAPSHOT_BY_DTC_NUMBER,
    EXTENDED_DATA_BY_DTC_NUMBER,
    SUPPORTED_DTC,
)
ALL_RECORDS = 0xFF
_EXPECTED_LENGTH = {
    NUMBER_BY_STATUS_MASK: 3,
    DTC_BY_STATUS_MASK: 3,
    SNAPSHOT_BY_DTC_NUMBER: 6,
    EXTENDED_DATA_BY_DTC_NUMBER: 6,
    SUPPORTED_DTC: 2,
}


def clear_diagnostic_information(server: UdsServer, request: bytes) -> bytes:
    """``14 <group:3>``: forget every DTC (FFFFFF) or one DTC of this ECU."""
    if len(request) != 4:
        raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, "0x14 takes a three-byte group of DTC")
    group = int.from_bytes(request[1:4], "big")
    if not server.dtcs.can_clear(group):
        raise RejectedRequestError(Nrc.REQUEST_OUT_OF_RANGE, f"group of DTC 0x{group:06X} is not supported")
    if server.download.active:
        raise RejectedRequestError(Nrc.CONDITIONS_NOT_CORRECT, "a download is running")
    server.dtcs.clear(group)
    if group == 0xFFFFFF:
        server.memory.odometer_at_mil_on_km = None
        server.memory.odometer_at_clear_km = server.live.bus_value("PLANT_Motion.Odometer", 0.0)
        server.memory.save()
    return b"\x54"


def read_dtc_information(server: UdsServer, request: bytes) -> bytes:
    report = request[1]
    expected = _EXPECTED_LENGTH[report]
    if len(request) != expected:
        raise RejectedRequestError(
            Nrc.INCORRECT_MESSAGE_LENGTH, f"0x19 {report:02X} takes {expected} bytes, got {len(request)}"
        )
    availability = DTC_STATUS_AVAILABILITY_MASK
    dtcs = server.dtcs
    if report == NUMBER_BY_STATUS_MASK:
        count = len(dtcs.matching(request[2] & availability))
        return bytes((0x59, report, availability, DTC_FORMAT_ISO_14229_1)) + count.to_bytes(2, "big")
    if report == DTC_BY_STATUS_MASK:
        response = bytearray((0x59, report, availability))
        for stored in dtcs.matching(request[2] & availability):
            response += stored.code.to_bytes(3, "big") + bytes((stored.status,))
        return bytes(response)
    if report == SUPPORTED_DTC:
        response = bytearray((0x59, report, availability))
        for spec in sorted(server.spec.dtcs, key=lambda item: item.code):
            response += spec.code.to_bytes(3, "big") + bytes((dtcs.status_of(spec.code) & 0xFF,))
        return bytes(response)
    code = int.from_bytes(request[2:5], "big")
    number = request[5]
    if server.spec.dtc(code) is None:
        raise RejectedRequestError(
            Nrc.REQUEST_OUT_OF_RANGE, f"DTC 0x{code:06X} is not supported by {server.spec.name}"
        )
    record = dtcs.record(code)
    header = bytes((0x59, report)) + code.to_bytes(3, "big") + bytes((dtcs.status_of(code) & 0xFF,))
    if report == SNAPSHOT_BY_DTC_NUMBER:
        if number != ALL_RECORDS and number not in SNAPSHOT_RECORDS:
            raise RejectedRequestError(
                Nrc.REQUEST_OUT_OF_RANGE, f"snapshot record 0x{number:02X} does not exist"
            )
        response = bytearray(header)
        if record is not None:
            for record_number in SNAPSHOT_RECORDS if number == ALL_RECORDS else (number,):
                frame = record.snapshots.get(record_number)
                if frame is None:
                    continue
                response += bytes((record_number, len(frame)))
                for did, data in frame.items():
                    response += did.to_bytes(2, "big") + data
        return bytes(response)
    if number != ALL_RECORDS and number not in EXTENDED_DATA_RECORDS:
        raise RejectedRequestError(
            Nrc.REQUEST_OUT_OF_RANGE, f"extended data record 0x{number:02X} does not exist"
        )
    response = bytearray(header)
    if record is not None:
        response += bytes((OCCURRENCE_COUNTER_RECORD, record.occurrences & 0xFF))
    return bytes(response)
