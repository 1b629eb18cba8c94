"""What an ECU is, declared as data: its addresses, data identifiers, DTCs, routines, security.

One frozen :class:`EcuSpec` per ECU (the table is in :mod:`sdvkit.service.ecus`). The UDS
server, the CAN and DoIP transports and the testers' udsoncan configuration are all derived
from it, so a DID or DTC is declared once.

A data identifier (:class:`DidSpec`) says how its value is coded on the wire (ASCII text or a
scaled integer, ``physical = raw * scale + offset``) and where it comes from
(:class:`DidSource`): the ECU's non-volatile memory (identification, coding), a signal it
receives on the bus, a value it measures itself, or its own state (session, active slot).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sdvkit.service.errors import EcuSpecError
from sdvkit.service.uds import ALL_SESSIONS, NON_DEFAULT_SESSIONS, Session, dtc_text


class DidKind(StrEnum):
    ASCII = "ascii"
    """Fixed-length text, padded with spaces."""
    UNSIGNED = "unsigned"
    SIGNED = "signed"


class DidSource(StrEnum):
    STORED = "stored"
    """Non-volatile memory: the written value if any, else ``default``."""
    BUS = "bus"
    """A signal the ECU receives on the CAN bus; ``key`` is ``Message.Signal``."""
    MEASURED = "measured"
    """A value the ECU measures itself; ``key`` names the measurement."""
    ECU = "ecu"
    """The ECU's own state; ``key`` is one of :data:`ECU_STATE_KEYS`."""


ECU_STATE_KEYS = ("session", "software_version", "active_slot")

PhysicalValue = float | str
"""A DID's value as the application sees it: text, or a number in the DID's unit."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DidSpec:
    """One data identifier: how it is coded, where its value comes from, who may write it."""

    did: int
    name: str
    kind: DidKind
    size: int
    """Bytes on the wire."""
    source: DidSource
    key: str = ""
    default: PhysicalValue = 0
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    minimum: float | None = None
    """Smallest physical value a write may set (numbers only)."""
    maximum: float | None = None
    pattern: str | None = None
    """Regular expression a written text must match (text only)."""
    writable: bool = False
    """Written with 0x2E in the extended session, after security access."""

    def __post_init__(self) -> None:
        where = f"DID 0x{self.did:04X} ({self.name})"
        if not 0 <= self.did <= 0xFFFF:
            raise EcuSpecError(f"{where}: the identifier must fit in two bytes")
        if self.kind is DidKind.ASCII:
            if not 1 <= self.size <= 255:
                raise EcuSpecError(f"{where}: text size must be 1..255 bytes, not {self.size}")
            if not isinstance(self.default, str):
                raise EcuSpecError(f"{where}: a text DID needs a text default, not {self.default!r}")
        else:
            if self.size not in (1, 2, 4):
                raise EcuSpecError(f"{where}: a number is 1, 2 or 4 bytes, not {self.size}")
            if not (math.isfinite(self.scale) and self.scale > 0):
                raise EcuSpecError(f"{where}: scale must be a positive number, not {self.scale!r}")
            if isinstance(self.default, str):
                raise EcuSpecError(f"{where}: a number DID needs a number default, not {self.default!r}")
        if self.source in (DidSource.BUS, DidSource.MEASURED) and not self.key:
            raise EcuSpecError(f"{where}: a {self.source.value} DID needs a key")
        if self.source is DidSource.BUS and "." not in self.key:
            raise EcuSpecError(f"{where}: a bus key is Message.Signal, not {self.key!r}")
        if self.source is DidSource.ECU and self.key not in ECU_STATE_KEYS:
            raise EcuSpecError(f"{where}: ECU state key must be one of {', '.join(ECU_STATE_KEYS)}")
        if self.writable and self.source is not DidSource.STORED:
            raise EcuSpecError(f"{where}: only stored DIDs can be writable")

    # -- the wire format -----------------------------------------------------------------

    @property
    def raw_range(self) -> tuple[int, int]:
        bits = 8 * self.size
        if self.kind is DidKind.SIGNED:
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1

    def encode(self, value: PhysicalValue) -> bytes:
        """The wire bytes of ``value``; numbers outside the raw range are clamped to it."""
        if self.kind is DidKind.ASCII:
            text = str(value)[: self.size]
            return text.ljust(self.size).encode("ascii", errors="replace")
        fallback = 0.0 if isinstance(self.default, str) else float(self.default)
        number = fallback if isinstance(value, str) else float(value)
        if not math.isfinite(number):
            number = fallback
        low, high = self.raw_range
        raw = min(high, max(low, round((number - self.offset) / self.scale)))
        return raw.to_bytes(self.size, "big", signed=self.kind is DidKind.SIGNED)

    def decode(self, data: bytes) -> PhysicalValue:
        """The physical value of exactly ``size`` wire bytes (ValueError otherwise)."""
        if len(data) != self.size:
            raise ValueError(f"DID 0x{self.did:04X} ({self.name}) is {self.size} bytes, got {len(data)}")
        if self.kind is DidKind.ASCII:
            return data.decode("ascii", errors="replace").rstrip(" \x00")
        raw = int.from_bytes(data, "big", signed=self.kind is DidKind.SIGNED)
        return raw * self.scale + self.offset

    def check_write(self, data: bytes) -> PhysicalValue:
        """The value a write of ``data`` sets; ValueError says why it is out of range."""
        value = self.decode(data)
        if isinstance(value, str):
            if any(not 0x20 <= byte < 0x7F for byte in data):
                raise ValueError(f"{self.name}: text must be printable ASCII")
            if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
                raise ValueError(f"{self.name}: {value!r} does not match {self.pattern}")
            return value
        if self.minimum is not None and value < self.minimum - 1e-9:
            raise ValueError(f"{self.name}: {value:g} {self.unit} is below the minimum {self.minimum:g}")
        if self.maximum is not None and value > self.maximum + 1e-9:
            raise ValueError(f"{self.name}: {value:g} {self.unit} is above the maximum {self.maximum:g}")
        return value


@dataclass(frozen=True, kw_only=True, slots=True)
class DtcSpec:
    """A DTC the ECU can set; ``warning_indicator``: it lights the MIL (status bit 7)."""

    code: int
    description: str
    warning_indicator: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.code <= 0xFFFFFF:
            raise EcuSpecError(f"DTC 0x{self.code:X} ({self.description}): a DTC is three bytes, not 0")

    @property
    def text(self) -> str:
        return dtc_text(self.code)


class RoutineKind(StrEnum):
    ERASE_MEMORY = "erase-memory"
    """Erase the inactive firmware slot before a download (programming session)."""
    CHECK_PROGRAMMING_DEPENDENCIES = "check-programming-dependencies"
    """Check the downloaded image (header, hardware id, checksum); arm its activation at reset."""
    SELF_TEST = "self-test"
    """Run the ECU's monitors once and report how many fail."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RoutineSpec:
    routine_id: int
    kind: RoutineKind
    sessions: frozenset[Session]
    needs_security: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class SecuritySpec:
    """Seed and key (service 0x27) for one level, with a lock-out after failed attempts.

    The key is :func:`sdvkit.service.security.compute_key` of the seed and ``secret``: a
    simulation's algorithm, public on purpose, not a protection.
    """

    secret: int
    level: int = 0x01
    max_attempts: int = 3
    lockout_s: float = 10.0

    def __post_init__(self) -> None:
        if not 0 <= self.secret <= 0xFFFFFFFF:
            raise EcuSpecError(f"security secret must fit in 32 bits, not {self.secret:#x}")
        if self.level % 2 != 1 or not 1 <= self.level <= 0x41:
            raise EcuSpecError(f"security level must be an odd requestSeed value 1..0x41, not {self.level}")
        if self.max_attempts < 1 or not (math.isfinite(self.lockout_s) and self.lockout_s >= 0):
            raise EcuSpecError("security needs at least one attempt and a lockout of 0 s or more")


@dataclass(frozen=True, kw_only=True, slots=True)
class FlashSpec:
    """Where a download goes (service 0x34): one region, the inactive A/B slot."""

    address: int = 0x0008_0000
    size: int = 1 << 20
    max_block_length: int = 4095
    """maxNumberOfBlockLength: a TransferData request, service id and counter included."""


BusReader = Callable[[str, float], float]
"""``read("Message.Signal", default)``: the latest value an ECU received on the bus."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FaultMonitor:
    """A check an ECU runs on its measurements every cycle; debounced, it sets or heals a DTC."""

    dtc: int
    failing: Callable[[Mapping[str, float]], bool]
    debounce_samples: int = 3
    """Consecutive failing (or passing) samples before the DTC fails (or passes)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusView:
    """What an ECU's status frame is built from."""

    measurements: Mapping[str, float]
    failed: frozenset[int]
    """DTCs whose monitors report a confirmed failure now."""
    active_dtc_count: int
    warning_indicator: bool


def _no_measurements(read: BusReader) -> dict[str, float]:
    return {}


@dataclass(frozen=True, kw_only=True, slots=True)
class EcuBehaviour:
    """What an ECU does with what it sees: measure, monitor, report on the bus."""

    measure: Callable[[BusReader], dict[str, float]] = _no_measurements
    monitors: tuple[FaultMonitor, ...] = ()
    status_message: str | None = None
    status: Callable[[StatusView], dict[str, float]] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EcuSpec:
    """One virtual ECU."""

    name: str
    index: int
    """Position in the DIAG_* frames of the DBC."""
    request_id: int
    response_id: int
    logical_address: int
    """DoIP logical address (ISO 13400), 0x0001..0x0DFF."""
    software_version: str
    hardware_id: str
    part_number: str
    serial_number: str
    security: SecuritySpec
    dids: tuple[DidSpec, ...]
    dtcs: tuple[DtcSpec, ...] = ()
    routines: tuple[RoutineSpec, ...] = ()
    freeze_frame_dids: tuple[int, ...] = ()
    """DIDs captured in a DTC's snapshot record when it fails."""
    flash: FlashSpec = field(default_factory=FlashSpec)
    behaviour: EcuBehaviour = field(default_factory=EcuBehaviour)
    obd_responder: bool = False
    """Also answers OBD-II (0x7DF functional; modes 01, 03, 04, 09)."""

    def __post_init__(self) -> None:
        where = f"ECU {self.name!r}"
        for label, can_id in (("request_id", self.request_id), ("response_id", self.response_id)):
            if not 0 <= can_id <= 0x7FF:
                raise EcuSpecError(f"{where}: {label} 0x{can_id:X} is not an 11-bit CAN id")
        if self.request_id == self.response_id:
            raise EcuSpecError(f"{where}: request and response CAN ids must differ")
        if not 0x0001 <= self.logical_address <= 0x0DFF:
            raise EcuSpecError(
                f"{where}: DoIP logical address 0x{self.logical_address:04X} is not 0x0001..0x0DFF"
            )
        _unique(where, "DID", [did.did for did in self.dids])
        _unique(where, "DTC", [dtc.code for dtc in self.dtcs])
        _unique(where, "routine", [routine.routine_id for routine in self.routines])
        known_dtcs = {dtc.code for dtc in self.dtcs}
        for monitor in self.behaviour.monitors:
            if monitor.dtc not in known_dtcs:
                raise EcuSpecError(f"{where}: a monitor sets DTC 0x{monitor.dtc:06X}, which is not declared")
            if monitor.debounce_samples < 1:
                raise EcuSpecError(f"{where}: a monitor's debounce must be at least one sample")
        known_dids = {did.did for did in self.dids}
        for did in self.freeze_frame_dids:
            if did not in known_dids:
                raise EcuSpecError(f"{where}: freeze-frame DID 0x{did:04X} is not declared")
        for routine in self.routines:
            if not routine.sessions <= ALL_SESSIONS:
                raise EcuSpecError(f"{where}: routine 0x{routine.routine_id:04X} names an unknown session")
            if routine.needs_security and not routine.sessions <= NON_DEFAULT_SESSIONS:
                raise EcuSpecError(f"{where}: a secured routine cannot run in the default session")

    def did(self, did: int) -> DidSpec | None:
        for spec in self.dids:
            if spec.did == did:
                return spec
        return None

    def dtc(self, code: int) -> DtcSpec | None:
        for spec in self.dtcs:
            if spec.code == code:
                return spec
        return None

    def routine(self, routine_id: int) -> RoutineSpec | None:
        for spec in self.routines:
            if spec.routine_id == routine_id:
                return spec
        return None


def _unique(where: str, what: str, values: list[int]) -> None:
    seen: set[int] = set()
    for value in values:
        if value in seen:
            raise EcuSpecError(f"{where}: {what} 0x{value:X} is declared twice")
        seen.add(value)
