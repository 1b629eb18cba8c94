"""An ECU's non-volatile memory: its DTCs and freeze frames, written DIDs and firmware slots.

Each ECU keeps one directory under the data directory, ``<data dir>/ecus/<ECU name>/``:
``memory.json`` (written atomically on every change, so a crash leaves the old or the new
memory, never half of one) and ``slot-A.bin`` / ``slot-B.bin`` for downloaded images. Without
a directory the memory lives in RAM only (tests, throw-away networks).

A memory file that cannot be parsed is refused with :class:`EcuMemoryError` naming the file
and the field: the ECU does not start on a memory it cannot trust, nor overwrite it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdvkit.service.errors import EcuMemoryError, FirmwareError
from sdvkit.service.firmware import FirmwareSlots, Slot, SlotState
from sdvkit.storage import StorageError, atomic_write_bytes, atomic_write_text

MEMORY_FORMAT = 1
MEMORY_FILE = "memory.json"


@dataclass(kw_only=True, slots=True)
class DtcRecord:
    """One DTC in the fault memory."""

    code: int
    status: int
    occurrences: int = 0
    snapshots: dict[int, dict[int, bytes]] = field(default_factory=dict)
    """Snapshot (freeze-frame) records by record number: 1 first failure, 2 latest; DID → bytes."""


def ecu_directory(data_dir: Path, ecu_name: str) -> Path:
    return data_dir / "ecus" / ecu_name


class EcuMemory:
    """The persistent state of one ECU. Not thread-safe: the ECU holds its lock around it."""

    def __init__(self, directory: Path | None, *, factory_version: str) -> None:
        self.directory = directory
        self.dtcs: dict[int, DtcRecord] = {}
        self.dids: dict[int, bytes] = {}
        self.active_slot = Slot.A
        self.slot_states = {Slot.A: SlotState.BOOTABLE, Slot.B: SlotState.EMPTY}
        self.slot_versions: dict[Slot, str | None] = {Slot.A: factory_version, Slot.B: None}
        self.odometer_at_mil_on_km: float | None = None
        self.odometer_at_clear_km: float | None = None
        self._images: dict[Slot, bytes] = {}
        if directory is not None:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise EcuMemoryError(directory, f"cannot create the ECU's directory: {error}") from error
            if self.path is not None and self.path.exists():
                self._load(self.path)

    @property
    def path(self) -> Path | None:
        return None if self.directory is None else self.directory / MEMORY_FILE

    # -- persistence ---------------------------------------------------------------------

    def save(self) -> None:
        path = self.path
        if path is None:
            return
        document = {
            "format": MEMORY_FORMAT,
            "dtcs": {
                f"{record.code:06X}": {
                    "status": record.status,
                    "occurrences": record.occurrences,
                    "snapshots": {
                        str(number): {f"{did:04X}": data.hex() for did, data in values.items()}
                        for number, values in record.snapshots.items()
                    },
                }
                for record in self.dtcs.values()
            },
            "dids": {f"{did:04X}": data.hex() for did, data in self.dids.items()},
            "slots": {
                "active": self.active_slot.value,
                "states": {slot.value: state.value for slot, state in self.slot_states.items()},
                "versions": {slot.value: version for slot, version in self.slot_versions.items()},
            },
            "obd": {
                "odometer_at_mil_on_km": self.odometer_at_mil_on_km,
                "odometer_at_clear_km": self.odometer_at_clear_km,
            },
        }
        try:
            atomic_write_text(path, json.dumps(document, indent=1, sort_keys=True))
        except StorageError as error:
            raise EcuMemoryError(path, f"cannot save the ECU's memory: {error}") from error

    def _load(self, path: Path) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise EcuMemoryError(path, f"cannot read the ECU's memory: {error}") from error
        try:
            self._parse(document)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise EcuMemoryError(path, f"malformed ECU memory: {error!r}") from error

    def _parse(self, document: Any) -> None:
        if not isinstance(document, dict) or document.get("format") != MEMORY_FORMAT:
            raise ValueError(f"expected an object with format {MEMORY_FORMAT}")
        dtcs: dict[int, DtcRecord] = {}
        for code_text, entry in document["dtcs"].items():
            code = int(code_text, 16)
            snapshots = {
                int(number): {int(did, 16): bytes.fromhex(data) for did, data in values.items()}
                for number, values in entry["snapshots"].items()
            }
            status, occurrences = entry["status"], entry["occurrences"]
            if not (isinstance(status, int) and 0 <= status <= 0xFF and 0 < code <= 0xFFFFFF):
                raise ValueError(f"DTC {code_text}: status {status!r} is not a byte")
            if not (isinstance(occurrences, int) and occurrences >= 0):
                raise ValueError(f"DTC {code_text}: occurrences {occurrences!r}")
            dtcs[code] = DtcRecord(code=code, status=status, occurrences=occurrences, snapshots=snapshots)
        dids = {int(did, 16): bytes.fromhex(data) for did, data in document["dids"].items()}
        slots = document["slots"]
        active = Slot(slots["active"])
        states = {Slot(slot): SlotState(state) for slot, state in slots["states"].items()}
        versions = {Slot(slot): version for slot, version in slots["versions"].items()}
        if set(states) != set(Slot) or set(versions) != set(Slot):
            raise ValueError("slots must name both A and B")
        if any(version is not None and not isinstance(version, str) for version in versions.values()):
            raise ValueError("a slot version must be text or null")
        obd = document["obd"]
        mil_on, cleared = obd["odometer_at_mil_on_km"], obd["odometer_at_clear_km"]
        for value in (mil_on, cleared):
            if value is not None and not isinstance(value, (int, float)):
                raise ValueError(f"odometer mark {value!r} is not a number")
        self.dtcs, self.dids = dtcs, dids
        self.active_slot, self.slot_states, self.slot_versions = active, states, versions
        self.odometer_at_mil_on_km, self.odometer_at_clear_km = mil_on, cleared

    # -- images --------------------------------------------------------------------------

    def _image_path(self, slot: Slot) -> Path | None:
        return None if self.directory is None else self.directory / f"slot-{slot.value}.bin"

    def read_image(self, slot: Slot) -> bytes | None:
        path = self._image_path(slot)
        if path is None:
            return self._images.get(slot)
        try:
            return path.read_bytes() if path.exists() else None
        except OSError as error:
            raise EcuMemoryError(path, f"cannot read the slot image: {error}") from error

    def write_image(self, slot: Slot, image: bytes | None) -> None:
        path = self._image_path(slot)
        if path is None:
            if image is None:
                self._images.pop(slot, None)
            else:
                self._images[slot] = image
            return
        try:
            if image is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write_bytes(path, image)
        except (OSError, StorageError) as error:
            raise EcuMemoryError(path, f"cannot write the slot image: {error}") from error


class StoredSlots(FirmwareSlots):
    """:class:`FirmwareSlots` kept in an :class:`EcuMemory` (persistent when it has a directory)."""

    def __init__(self, memory: EcuMemory) -> None:
        self._memory = memory

    @property
    def active(self) -> Slot:
        return self._memory.active_slot

    def state(self, slot: Slot) -> SlotState:
        return self._memory.slot_states[slot]

    def version(self, slot: Slot) -> str | None:
        return self._memory.slot_versions[slot]

    def image(self, slot: Slot) -> bytes | None:
        return self._memory.read_image(slot)

    def erase(self, slot: Slot) -> None:
        if slot is self.active:
            raise FirmwareError(f"slot {slot.value} is running; only the inactive slot can be erased")
        memory = self._memory
        memory.write_image(slot, None)
        memory.slot_states[slot] = SlotState.EMPTY
        memory.slot_versions[slot] = None
        memory.save()

    def write(self, slot: Slot, image: bytes) -> None:
        if slot is self.active:
            raise FirmwareError(f"slot {slot.value} is running; images go to the inactive slot")
        memory = self._memory
        memory.write_image(slot, image)
        memory.slot_states[slot] = SlotState.WRITTEN
        memory.slot_versions[slot] = None
        memory.save()

    def mark_verified(self, slot: Slot, version: str) -> None:
        if self.state(slot) is not SlotState.WRITTEN:
            raise FirmwareError(f"slot {slot.value} holds no downloaded image to verify")
        memory = self._memory
        memory.slot_states[slot] = SlotState.VERIFIED
        memory.slot_versions[slot] = version
        memory.save()

    def boot(self) -> Slot:
        memory = self._memory
        candidate = self.inactive
        if memory.slot_states[candidate] is SlotState.VERIFIED:
            memory.slot_states[candidate] = SlotState.BOOTABLE
            memory.active_slot = candidate
            memory.save()
        return memory.active_slot
