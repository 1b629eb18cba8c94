"""A tester's operations with udsoncan, whatever the transport: scan, DTCs, DIDs, flash.

:func:`client_config` builds a udsoncan configuration for one ECU from its spec (its DID
codecs, its seed-to-key algorithm, 32-bit addresses for downloads). The functions below take a
``udsoncan.client.Client`` that is already open on that ECU, over any
:class:`~sdvkit.service.transport.TesterLink`, and raise
:class:`~sdvkit.service.errors.NegativeResponseError` (with the NRC) or
:class:`~sdvkit.service.errors.DiagnosticError` (no answer) instead of udsoncan's exceptions.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import udsoncan
from udsoncan.client import Client
from udsoncan.common.MemoryLocation import MemoryLocation
from udsoncan.exceptions import (
    ConfigError,
    InvalidResponseException,
    NegativeResponseException,
    TimeoutException,
    UnexpectedResponseException,
)
from udsoncan.typing import ClientConfig

from sdvkit.service.dtc_memory import OCCURRENCE_COUNTER_RECORD
from sdvkit.service.ecu_spec import DidKind, DidSpec, EcuSpec, PhysicalValue
from sdvkit.service.ecus import CHECK_DEPENDENCIES_ROUTINE, ERASE_MEMORY_ROUTINE, SOFTWARE_VERSION
from sdvkit.service.errors import DiagnosticError, NegativeResponseError
from sdvkit.service.security import compute_key
from sdvkit.service.transport import TesterLink
from sdvkit.service.uds import DtcStatus, Session, describe_status, dtc_text, obd_code

P2_TIMEOUT_S = 2.0
REQUEST_TIMEOUT_S = 10.0
ALL_STATUS_BITS = 0xFF


class SpecCodec(udsoncan.DidCodec):
    """A udsoncan codec for one DID of an ECU spec.

    Encoding does not clamp a number to the DID's range (so a tester can try an out-of-range
    write and get the ECU's NRC 0x31); a value that does not fit the wire size is refused here.
    """

    def __init__(self, spec: DidSpec) -> None:
        super().__init__()
        self.spec = spec

    def encode(self, *did_value: Any) -> bytes:
        spec = self.spec
        if len(did_value) != 1:
            raise ValueError(f"{spec.name} takes one value")
        value = did_value[0]
        if spec.kind is DidKind.ASCII:
            text = str(value)
            if len(text) > spec.size or not text.isascii():
                raise ValueError(f"{spec.name} is at most {spec.size} ASCII characters, not {text!r}")
            return text.ljust(spec.size).encode("ascii")
        raw = round((float(value) - spec.offset) / spec.scale)
        low, high = spec.raw_range
        if not low <= raw <= high:
            raise ValueError(f"{spec.name} = {value} does not fit {spec.size} bytes")
        return raw.to_bytes(spec.size, "big", signed=spec.kind is DidKind.SIGNED)

    def decode(self, did_payload: bytes) -> PhysicalValue:
        return self.spec.decode(bytes(did_payload))

    def __len__(self) -> int:
        return self.spec.size


def client_config(spec: EcuSpec) -> ClientConfig:
    """udsoncan's configuration for talking to ``spec``."""
    config = cast(dict[str, Any], dict(udsoncan.configs.default_client_config))
    config["data_identifiers"] = {did.did: SpecCodec(did) for did in spec.dids}
    secret = spec.security.secret

    def security_algo(level: int, seed: bytes, params: Any = None) -> bytes:
        return compute_key(seed, secret=secret, level=level)

    config["security_algo"] = security_algo
    config["server_address_format"] = 32
    config["server_memorysize_format"] = 32
    config["use_server_timing"] = False
    config["p2_timeout"] = P2_TIMEOUT_S
    config["p2_star_timeout"] = REQUEST_TIMEOUT_S
    config["request_timeout"] = REQUEST_TIMEOUT_S
    config["extended_data_size"] = 1
    return cast(ClientConfig, config)


@contextmanager
def uds_errors(spec: EcuSpec) -> Iterator[None]:
    """Turn udsoncan's exceptions into NegativeResponseError / DiagnosticError."""
    try:
        yield
    except NegativeResponseException as error:
        response = error.response
        service = response.service.request_id() if response.service is not None else None
        code = response.code if response.code is not None else 0
        raise NegativeResponseError(spec.name, service or 0, int(code), response.code_name) from error
    except TimeoutException as error:
        raise DiagnosticError(f"{spec.name} did not answer: {error}") from error
    except (InvalidResponseException, UnexpectedResponseException, ConfigError, ValueError) as error:
        raise DiagnosticError(f"{spec.name}: {error}") from error


@contextmanager
def open_client(link: TesterLink, spec: EcuSpec) -> Iterator[Client]:
    """A udsoncan client on ``spec`` over ``link``, configured by :func:`client_config`."""
    with uds_errors(spec), Client(link.connection(spec), config=client_config(spec)) as client:
        yield client


# -- reading ---------------------------------------------------------------------------------


def read_dids(client: Client, spec: EcuSpec, dids: list[int]) -> dict[int, PhysicalValue]:
    with uds_errors(spec):
        response = client.read_data_by_identifier(dids)
    assert response is not None
    return cast(dict[int, PhysicalValue], dict(response.service_data.values))


def write_did(client: Client, spec: EcuSpec, did: int, value: PhysicalValue, *, unlock: bool = True) -> None:
    """Write a DID: extended session and (with ``unlock``) security access first."""
    with uds_errors(spec):
        client.change_session(Session.EXTENDED)
        if unlock:
            client.unlock_security_access(spec.security.level)
        client.write_data_by_identifier(did, value)


@dataclass(frozen=True, kw_only=True, slots=True)
class DtcReport:
    """One DTC an ECU reported, with its freeze frames and occurrence count."""

    ecu: str
    code: int
    status: int
    description: str
    occurrences: int | None = None
    snapshots: dict[int, dict[str, PhysicalValue]] = field(default_factory=dict)
    """Freeze frames by record number (1 first failure, 2 latest): DID name → value."""

    @property
    def text(self) -> str:
        return dtc_text(self.code)

    @property
    def obd_code(self) -> str:
        return obd_code(self.code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ecu": self.ecu,
            "dtc": self.text,
            "status": f"0x{self.status:02X}",
            "status_bits": describe_status(self.status),
            "description": self.description,
            "occurrences": self.occurrences,
            "freeze_frames": {str(number): frame for number, frame in self.snapshots.items()},
        }


def read_dtcs(
    client: Client, spec: EcuSpec, *, status_mask: int = ALL_STATUS_BITS, freeze_frames: bool = True
) -> list[DtcReport]:
    """The ECU's stored DTCs matching ``status_mask`` (0x19 02), with 0x19 04 and 06 per DTC."""
    with uds_errors(spec):
        response = client.get_dtc_by_status_mask(status_mask)
        assert response is not None
        reports: list[DtcReport] = []
        for dtc in response.service_data.dtcs:
            declared = spec.dtc(dtc.id)
            snapshots: dict[int, dict[str, PhysicalValue]] = {}
            occurrences: int | None = None
            if freeze_frames:
                snapshot_response = client.get_dtc_snapshot_by_dtc_number(dtc.id, record_number=0xFF)
                assert snapshot_response is not None
                for snapshot in snapshot_response.service_data.dtcs[0].snapshots:
                    if isinstance(snapshot, int) or snapshot.record_number is None or snapshot.did is None:
                        continue
                    did = spec.did(snapshot.did)
                    name = did.name if did is not None else f"0x{snapshot.did:04X}"
                    snapshots.setdefault(snapshot.record_number, {})[name] = cast(
                        PhysicalValue, snapshot.data
                    )
                extended = client.get_dtc_extended_data_by_dtc_number(
                    dtc.id, OCCURRENCE_COUNTER_RECORD, data_size=1
                )
                assert extended is not None
                for record in extended.service_data.dtcs[0].extended_data:
                    if record.record_number == OCCURRENCE_COUNTER_RECORD and record.raw_data:
                        occurrences = record.raw_data[0]
            reports.append(
                DtcReport(
                    ecu=spec.name,
                    code=dtc.id,
                    status=dtc.status.get_byte_as_int(),
                    description=declared.description if declared is not None else "(not declared by the ECU)",
                    occurrences=occurrences,
                    snapshots=snapshots,
                )
            )
    return reports


def clear_dtcs(client: Client, spec: EcuSpec, group: int = 0xFFFFFF) -> None:
    with uds_errors(spec):
        client.clear_dtc(group)


@dataclass(frozen=True, kw_only=True, slots=True)
class EcuScan:
    """What a scan found about one ECU."""

    ecu: str
    reachable: bool
    software_version: str = ""
    vin: str = ""
    dtc_count: int = 0
    active_dtcs: tuple[str, ...] = ()
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ecu": self.ecu,
            "reachable": self.reachable,
            "software_version": self.software_version,
            "vin": self.vin,
            "dtc_count": self.dtc_count,
            "active_dtcs": list(self.active_dtcs),
            "error": self.error,
        }


def scan_ecu(link: TesterLink, spec: EcuSpec) -> EcuScan:
    """Identification and DTCs of one ECU; an ECU that does not answer is reported, not raised."""
    try:
        with open_client(link, spec) as client:
            values = read_dids(client, spec, [SOFTWARE_VERSION, 0xF190])
            reports = read_dtcs(client, spec, freeze_frames=False)
    except DiagnosticError as error:
        return EcuScan(ecu=spec.name, reachable=False, error=str(error))
    active = tuple(report.text for report in reports if report.status & DtcStatus.TEST_FAILED)
    return EcuScan(
        ecu=spec.name,
        reachable=True,
        software_version=str(values.get(SOFTWARE_VERSION, "")),
        vin=str(values.get(0xF190, "")),
        dtc_count=len(reports),
        active_dtcs=active,
    )


# -- flashing --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class FlashResult:
    ecu: str
    image_bytes: int
    blocks: int
    transfer_s: float
    """Time of the 0x36 transfers alone."""
    version_before: str
    version_after: str
    crc_matches: bool

    @property
    def throughput_bytes_per_s(self) -> float:
        return self.image_bytes / self.transfer_s if self.transfer_s > 0 else 0.0


FlashProgress = Callable[[int, int], None]
"""Called after each block: ``(bytes sent, image bytes)``."""


def flash(
    client: Client, spec: EcuSpec, image: bytes, *, progress: FlashProgress | None = None
) -> FlashResult:
    """The standard flash sequence (see :mod:`sdvkit.service.uds_transfer`), ending in a reset."""
    with uds_errors(spec):
        before = read_dids(client, spec, [SOFTWARE_VERSION])[SOFTWARE_VERSION]
        client.change_session(Session.EXTENDED)
        client.change_session(Session.PROGRAMMING)
        client.unlock_security_access(spec.security.level)
        client.start_routine(ERASE_MEMORY_ROUTINE)
        location = MemoryLocation(spec.flash.address, len(image), address_format=32, memorysize_format=32)
        response = client.request_download(location)
        assert response is not None
        block_length = int(response.service_data.max_length)
        if block_length < 3:
            raise DiagnosticError(
                f"{spec.name} offers blocks of {block_length} bytes: too short to carry data"
            )
        chunk = block_length - 2
        started = time.perf_counter()
        blocks = 0
        for offset in range(0, len(image), chunk):
            blocks += 1
            client.transfer_data(blocks & 0xFF, image[offset : offset + chunk])
            if progress is not None:
                progress(min(len(image), offset + chunk), len(image))
        transfer_s = time.perf_counter() - started
        exit_response = client.request_transfer_exit()
        assert exit_response is not None
        echoed = bytes(exit_response.service_data.parameter_records or b"")
        check = client.start_routine(CHECK_DEPENDENCIES_ROUTINE)
        assert check is not None
        status = bytes(check.service_data.routine_status_record or b"\x01")
        if status[:1] != b"\x00":
            raise DiagnosticError(f"{spec.name} refused the image: the programming dependency check failed")
        client.ecu_reset(0x01)
        after = read_dids(client, spec, [SOFTWARE_VERSION])[SOFTWARE_VERSION]
    return FlashResult(
        ecu=spec.name,
        image_bytes=len(image),
        blocks=blocks,
        transfer_s=transfer_s,
        version_before=str(before),
        version_after=str(after),
        crc_matches=echoed == zlib.crc32(image).to_bytes(4, "big"),
    )
