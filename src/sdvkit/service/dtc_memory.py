"""An ECU's fault memory: DTC status bits, occurrence counts and freeze frames, kept persistent.

A monitor (debounced) reports a DTC as failed or passed; the memory keeps the ISO 14229-1
status byte of every DTC that failed since the last clear:

- failed: testFailed, testFailedThisOperationCycle, pending, confirmed and
  testFailedSinceLastClear set; the "test not completed" bits cleared; warningIndicatorRequested
  set for a DTC that lights the MIL. A new failure counts an occurrence and takes a freeze frame:
  snapshot record 1 keeps the first failure, record 2 the latest.
- passed: testFailed and warningIndicatorRequested cleared; the rest stays until a clear.
- a new operation cycle (an ECU reset): testFailedThisOperationCycle cleared,
  testNotCompletedThisOperationCycle set, pending cleared for a DTC that did not fail in it.
- clear (0x14, OBD mode 04): the DTC and its freeze frames are gone.

Confirmation takes one failure: the monitors debounce before they report.
"""

from __future__ import annotations

from collections.abc import Callable

from sdvkit.service.ecu_spec import EcuSpec
from sdvkit.service.nvm import DtcRecord, EcuMemory
from sdvkit.service.uds import ALL_DTC_GROUPS, DtcStatus

FIRST_OCCURRENCE_RECORD = 0x01
LATEST_OCCURRENCE_RECORD = 0x02
SNAPSHOT_RECORDS = (FIRST_OCCURRENCE_RECORD, LATEST_OCCURRENCE_RECORD)
OCCURRENCE_COUNTER_RECORD = 0x01
"""Extended data record 0x01: how often the DTC failed since the last clear (one byte)."""
EXTENDED_DATA_RECORDS = (OCCURRENCE_COUNTER_RECORD,)

_FAILED_SET = (
    DtcStatus.TEST_FAILED
    | DtcStatus.TEST_FAILED_THIS_OPERATION_CYCLE
    | DtcStatus.PENDING
    | DtcStatus.CONFIRMED
    | DtcStatus.TEST_FAILED_SINCE_LAST_CLEAR
)
_NOT_COMPLETED = (
    DtcStatus.TEST_NOT_COMPLETED_SINCE_LAST_CLEAR | DtcStatus.TEST_NOT_COMPLETED_THIS_OPERATION_CYCLE
)

Snapshot = Callable[[], dict[int, bytes]]
"""Takes a freeze frame: the ECU's freeze-frame DIDs, coded, at this moment."""


class DtcMemory:
    """The DTCs of one ECU, on top of its non-volatile memory."""

    def __init__(self, spec: EcuSpec, memory: EcuMemory) -> None:
        self.spec = spec
        self._memory = memory
        self.setting_enabled = True
        """False while a tester has switched DTC setting off (0x85 02): failures are not stored."""
        self.clears = 0
        """How many clears happened: the monitors test again from scratch after each."""

    @property
    def records(self) -> dict[int, DtcRecord]:
        return self._memory.dtcs

    def record(self, code: int) -> DtcRecord | None:
        return self._memory.dtcs.get(code)

    def status_of(self, code: int) -> int:
        record = self._memory.dtcs.get(code)
        return _NOT_COMPLETED if record is None else record.status

    def report(self, code: int, *, failed: bool, snapshot: Snapshot) -> bool:
        """Store a monitor's verdict; returns True when the stored memory changed."""
        spec = self.spec.dtc(code)
        if spec is None:
            raise KeyError(f"{self.spec.name} has no DTC 0x{code:06X}")
        if not self.setting_enabled:
            return False
        memory = self._memory
        record = memory.dtcs.get(code)
        if failed:
            was_failing = record is not None and bool(record.status & DtcStatus.TEST_FAILED)
            if record is None:
                record = memory.dtcs[code] = DtcRecord(code=code, status=int(_NOT_COMPLETED))
            status = (record.status | _FAILED_SET) & ~_NOT_COMPLETED
            if spec.warning_indicator:
                status |= DtcStatus.WARNING_INDICATOR_REQUESTED
            if was_failing and status == record.status:
                return False
            record.status = int(status) & 0xFF
            if not was_failing:
                record.occurrences = min(0xFF, record.occurrences + 1)
                frame = snapshot()
                record.snapshots.setdefault(FIRST_OCCURRENCE_RECORD, frame)
                record.snapshots[LATEST_OCCURRENCE_RECORD] = frame
            memory.save()
            return True
        if record is None:
            return False
        status = record.status & ~(
            DtcStatus.TEST_FAILED | DtcStatus.WARNING_INDICATOR_REQUESTED | _NOT_COMPLETED
        )
        if status == record.status:
            return False
        record.status = int(status) & 0xFF
        memory.save()
        return True

    def new_operation_cycle(self) -> None:
        """An ECU reset starts a new operation cycle."""
        changed = False
        for record in self._memory.dtcs.values():
            status = record.status
            if not status & DtcStatus.TEST_FAILED_THIS_OPERATION_CYCLE:
                status &= ~DtcStatus.PENDING
            status = (status & ~DtcStatus.TEST_FAILED_THIS_OPERATION_CYCLE) | (
                DtcStatus.TEST_NOT_COMPLETED_THIS_OPERATION_CYCLE
            )
            if status != record.status:
                record.status = int(status) & 0xFF
                changed = True
        if changed:
            self._memory.save()

    def can_clear(self, group: int) -> bool:
        """True when ``group`` names every DTC or one this ECU supports."""
        return group == ALL_DTC_GROUPS or self.spec.dtc(group) is not None

    def clear(self, group: int) -> None:
        """Forget every DTC (``ALL_DTC_GROUPS``) or one; the caller checked :meth:`can_clear`."""
        self.clears += 1
        memory = self._memory
        if group == ALL_DTC_GROUPS:
            memory.dtcs.clear()
        else:
            memory.dtcs.pop(group, None)
        memory.save()

    def matching(self, status_mask: int) -> list[DtcRecord]:
        """Stored DTCs whose status shares a bit with ``status_mask``, in code order."""
        return [record for _, record in sorted(self._memory.dtcs.items()) if record.status & status_mask]

    def active_codes(self) -> list[int]:
        """DTCs failing now (testFailed), in code order."""
        return [record.code for record in self.matching(DtcStatus.TEST_FAILED)]

    def warning_indicator(self) -> bool:
        return any(
            record.status & DtcStatus.WARNING_INDICATOR_REQUESTED for record in self._memory.dtcs.values()
        )
