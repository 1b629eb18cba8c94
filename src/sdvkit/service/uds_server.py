"""The UDS server of one ECU, independent of any transport: ``handle(request) -> response``.

:meth:`UdsServer.handle` takes one request (the bytes of one ISO-TP or DoIP message) and returns
the response, or None when there is none to send (the tester suppressed the positive response,
or a functional request got a negative response that ISO 14229-1 keeps quiet). It never raises
for a request, however malformed: a request it cannot serve gets the negative response that
says why (:class:`~sdvkit.service.errors.RejectedRequestError` inside the server).

The checks run in ISO 14229-1's order: service supported (0x11), in this session (0x7F), long
enough for a sub-function (0x13), sub-function supported (0x12), sub-function in this session
(0x7E), then the service's own checks: length (0x13), conditions (0x22), sequence (0x24),
range (0x31), security (0x33) and so on.

State: the diagnostic session, with its S3 timeout (back to the default session and locked
after ``S3_TIMEOUT_S`` without a request), security access (:mod:`sdvkit.service.security`),
communication control, DTC setting and a running download. Time comes from ``clock``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sdvkit.service import uds_dtc, uds_transfer
from sdvkit.service.dtc_memory import DtcMemory
from sdvkit.service.ecu_spec import DidSource, DidSpec, EcuSpec, PhysicalValue
from sdvkit.service.errors import RejectedRequestError
from sdvkit.service.firmware import FirmwareSlots, ImageDownloaded
from sdvkit.service.nvm import EcuMemory
from sdvkit.service.security import SEED_BYTES, SecurityAccess
from sdvkit.service.uds import (
    ALL_SESSIONS,
    FUNCTIONALLY_SUPPRESSED,
    NON_DEFAULT_SESSIONS,
    SUPPRESS_POSITIVE_RESPONSE,
    Nrc,
    ResetType,
    Session,
    Sid,
    negative_response,
)

P2_SERVER_MAX_MS = 50
P2_STAR_SERVER_MAX_MS = 5000
S3_TIMEOUT_S = 5.0
MAX_RESPONSE_BYTES = 4095
"""The longest message ISO-TP carries on classic CAN."""
MAX_DIDS_PER_READ = 8
MOVING_SPEED_KMH = 0.5
"""Above this speed the vehicle is moving: no reset, no programming session."""
SPEED_KEY = "PLANT_Motion.VehicleSpeed"


class LiveData(Protocol):
    """What an ECU sees and measures now, as its UDS server reads it."""

    def bus_value(self, key: str, default: float) -> float: ...

    def measurement(self, key: str, default: float) -> float: ...

    def self_test(self) -> int:
        """Run every monitor once; return how many fail."""
        ...


Handler = Callable[["UdsServer", bytes], bytes]


@dataclass(frozen=True, kw_only=True, slots=True)
class ServiceRule:
    """How the dispatcher checks one service before its handler runs."""

    sessions: frozenset[Session]
    handler: Handler
    sub_functions: Mapping[int, frozenset[Session]] | None = None
    """Supported sub-functions and their sessions; None: the service has no sub-function."""
    suppressible: bool = False
    """The sub-function's bit 7 suppresses the positive response."""


DEFAULT_AND_EXTENDED = frozenset({Session.DEFAULT, Session.EXTENDED})
EXTENDED_ONLY = frozenset({Session.EXTENDED})
PROGRAMMING_ONLY = frozenset({Session.PROGRAMMING})


class UdsServer:
    """UDS for one ECU (see the module docstring)."""

    spec: EcuSpec
    memory: EcuMemory
    dtcs: DtcMemory
    slots: FirmwareSlots
    live: LiveData
    session: Session

    def __init__(
        self,
        spec: EcuSpec,
        *,
        memory: EcuMemory,
        dtcs: DtcMemory,
        slots: FirmwareSlots,
        live: LiveData,
        clock: Callable[[], float] = time.monotonic,
        stored_defaults: Mapping[int, PhysicalValue] | None = None,
        on_image_downloaded: ImageDownloaded | None = None,
        random_seed: Callable[[int], bytes] | None = None,
    ) -> None:
        self.spec = spec
        self.memory = memory
        self.dtcs = dtcs
        self.slots = slots
        self.live = live
        self.clock = clock
        self.stored_defaults = dict(stored_defaults or {})
        self.on_image_downloaded = on_image_downloaded
        if random_seed is None:
            self.security = SecurityAccess(spec.security, clock=clock)
        else:
            self.security = SecurityAccess(spec.security, clock=clock, random_seed=random_seed)
        self.session = Session.DEFAULT
        self.normal_transmit_enabled = True
        """False after 0x28 disabled normal transmission: the ECU sends no status frames."""
        self.download = uds_transfer.Programming()
        self.reset_count = 0
        self.last_rejection: RejectedRequestError | None = None
        """Why the last negative response was sent (for logs and tests)."""
        self._last_request_s = clock()
        self._rules = self._build_rules()

    def _build_rules(self) -> dict[int, ServiceRule]:
        level = self.spec.security.level
        return {
            Sid.DIAGNOSTIC_SESSION_CONTROL: ServiceRule(
                sessions=ALL_SESSIONS,
                handler=UdsServer._session_control,
                sub_functions={
                    Session.DEFAULT: ALL_SESSIONS,
                    Session.PROGRAMMING: frozenset({Session.EXTENDED, Session.PROGRAMMING}),
                    Session.EXTENDED: DEFAULT_AND_EXTENDED,
                },
                suppressible=True,
            ),
            Sid.ECU_RESET: ServiceRule(
                sessions=ALL_SESSIONS,
                handler=UdsServer._ecu_reset,
                sub_functions=dict.fromkeys(ResetType, ALL_SESSIONS),
                suppressible=True,
            ),
            Sid.CLEAR_DIAGNOSTIC_INFORMATION: ServiceRule(
                sessions=DEFAULT_AND_EXTENDED, handler=uds_dtc.clear_diagnostic_information
            ),
            Sid.READ_DTC_INFORMATION: ServiceRule(
                sessions=ALL_SESSIONS,
                handler=uds_dtc.read_dtc_information,
                sub_functions=dict.fromkeys(uds_dtc.REPORT_TYPES, ALL_SESSIONS),
            ),
            Sid.READ_DATA_BY_IDENTIFIER: ServiceRule(sessions=ALL_SESSIONS, handler=UdsServer._read_data),
            Sid.SECURITY_ACCESS: ServiceRule(
                sessions=NON_DEFAULT_SESSIONS,
                handler=UdsServer._security_access,
                sub_functions={level: NON_DEFAULT_SESSIONS, level + 1: NON_DEFAULT_SESSIONS},
                suppressible=True,
            ),
            Sid.COMMUNICATION_CONTROL: ServiceRule(
                sessions=NON_DEFAULT_SESSIONS,
                handler=UdsServer._communication_control,
                sub_functions=dict.fromkeys(range(4), NON_DEFAULT_SESSIONS),
                suppressible=True,
            ),
            Sid.WRITE_DATA_BY_IDENTIFIER: ServiceRule(sessions=EXTENDED_ONLY, handler=UdsServer._write_data),
            Sid.ROUTINE_CONTROL: ServiceRule(
                sessions=NON_DEFAULT_SESSIONS,
                handler=uds_transfer.routine_control,
                sub_functions=dict.fromkeys(uds_transfer.ROUTINE_CONTROL_TYPES, NON_DEFAULT_SESSIONS),
                suppressible=True,
            ),
            Sid.REQUEST_DOWNLOAD: ServiceRule(
                sessions=PROGRAMMING_ONLY, handler=uds_transfer.request_download
            ),
            Sid.TRANSFER_DATA: ServiceRule(sessions=PROGRAMMING_ONLY, handler=uds_transfer.transfer_data),
            Sid.REQUEST_TRANSFER_EXIT: ServiceRule(
                sessions=PROGRAMMING_ONLY, handler=uds_transfer.request_transfer_exit
            ),
            Sid.TESTER_PRESENT: ServiceRule(
                sessions=ALL_SESSIONS,
                handler=UdsServer._tester_present,
                sub_functions={0x00: ALL_SESSIONS},
                suppressible=True,
            ),
            Sid.CONTROL_DTC_SETTING: ServiceRule(
                sessions=NON_DEFAULT_SESSIONS,
                handler=UdsServer._control_dtc_setting,
                sub_functions={0x01: NON_DEFAULT_SESSIONS, 0x02: NON_DEFAULT_SESSIONS},
                suppressible=True,
            ),
        }

    # -- the entry point -----------------------------------------------------------------

    def handle(self, request: bytes, *, functional: bool = False) -> bytes | None:
        """The response to ``request`` (None: nothing to send). Never raises for a request."""
        if not request:
            return None
        self.poll()
        self._last_request_s = self.clock()
        service_id = request[0]
        suppress = False
        try:
            rule = self._rules.get(service_id)
            if rule is None:
                raise RejectedRequestError(
                    Nrc.SERVICE_NOT_SUPPORTED, f"service 0x{service_id:02X} is not supported"
                )
            if self.session not in rule.sessions:
                raise RejectedRequestError(
                    Nrc.SERVICE_NOT_SUPPORTED_IN_ACTIVE_SESSION,
                    f"service 0x{service_id:02X} is not available in the {self.session.name.lower()} session",
                )
            if rule.sub_functions is not None:
                if len(request) < 2:
                    raise RejectedRequestError(
                        Nrc.INCORRECT_MESSAGE_LENGTH, "the sub-function byte is missing"
                    )
                sub_function = request[1] & 0x7F if rule.suppressible else request[1]
                suppress = rule.suppressible and bool(request[1] & SUPPRESS_POSITIVE_RESPONSE)
                sessions = rule.sub_functions.get(sub_function)
                if sessions is None:
                    raise RejectedRequestError(
                        Nrc.SUB_FUNCTION_NOT_SUPPORTED, f"sub-function 0x{sub_function:02X} is not supported"
                    )
                if self.session not in sessions:
                    raise RejectedRequestError(
                        Nrc.SUB_FUNCTION_NOT_SUPPORTED_IN_ACTIVE_SESSION,
                        f"sub-function 0x{sub_function:02X} is not available in this session",
                    )
            response = rule.handler(self, request)
        except RejectedRequestError as rejection:
            if functional and rejection.code in FUNCTIONALLY_SUPPRESSED:
                return None
            self.last_rejection = rejection
            return negative_response(service_id, rejection.code)
        if suppress:
            return None
        return response

    def poll(self) -> None:
        """Apply the S3 timeout: a non-default session without requests for S3 ends."""
        if self.session is not Session.DEFAULT and self.clock() - self._last_request_s > S3_TIMEOUT_S:
            self._enter_session(Session.DEFAULT)

    # -- state -----------------------------------------------------------------------------

    def vehicle_moving(self) -> bool:
        return self.live.bus_value(SPEED_KEY, 0.0) > MOVING_SPEED_KMH

    def require_security(self, what: str) -> None:
        if not self.security.unlocked:
            raise RejectedRequestError(
                Nrc.SECURITY_ACCESS_DENIED, f"{what} needs security access level {self.spec.security.level}"
            )

    def software_version(self) -> str:
        return self.slots.version(self.slots.active) or self.spec.software_version

    def _enter_session(self, session: Session) -> None:
        if session is not self.session:
            self.security.lock()
            self.download.abort()
            if session is Session.DEFAULT:
                self.normal_transmit_enabled = True
                self.dtcs.setting_enabled = True
        self.session = session

    # -- data identifiers ---------------------------------------------------------------

    def did_bytes(self, spec: DidSpec) -> bytes:
        """The current value of a DID, coded."""
        source = spec.source
        if source is DidSource.STORED:
            stored = self.memory.dids.get(spec.did)
            if stored is not None and len(stored) == spec.size:
                return stored
            return spec.encode(self.stored_defaults.get(spec.did, spec.default))
        if source is DidSource.BUS:
            return spec.encode(self.live.bus_value(spec.key, _number(spec.default)))
        if source is DidSource.MEASURED:
            return spec.encode(self.live.measurement(spec.key, _number(spec.default)))
        if spec.key == "session":
            return spec.encode(float(self.session))
        if spec.key == "software_version":
            return spec.encode(self.software_version())
        return spec.encode(self.slots.active.value)

    def freeze_frame(self) -> dict[int, bytes]:
        frame: dict[int, bytes] = {}
        for did in self.spec.freeze_frame_dids:
            spec = self.spec.did(did)
            if spec is not None:
                frame[did] = self.did_bytes(spec)
        return frame

    # -- services --------------------------------------------------------------------------

    def _session_control(self, request: bytes) -> bytes:
        if len(request) != 2:
            raise RejectedRequestError(
                Nrc.INCORRECT_MESSAGE_LENGTH, "0x10 takes exactly one sub-function byte"
            )
        target = Session(request[1] & 0x7F)
        if target is Session.PROGRAMMING and self.vehicle_moving():
            raise RejectedRequestError(
                Nrc.CONDITIONS_NOT_CORRECT, "no programming session while the vehicle moves"
            )
        self._enter_session(target)
        return (
            bytes((0x50, target))
            + P2_SERVER_MAX_MS.to_bytes(2, "big")
            + (P2_STAR_SERVER_MAX_MS // 10).to_bytes(2, "big")
        )

    def _ecu_reset(self, request: bytes) -> bytes:
        if len(request) != 2:
            raise RejectedRequestError(
                Nrc.INCORRECT_MESSAGE_LENGTH, "0x11 takes exactly one sub-function byte"
            )
        reset = ResetType(request[1] & 0x7F)
        if self.vehicle_moving():
            raise RejectedRequestError(Nrc.CONDITIONS_NOT_CORRECT, "no reset while the vehicle moves")
        self._enter_session(Session.DEFAULT)
        self.security.lock()
        self.download.abort()
        if reset is not ResetType.SOFT:
            self.slots.boot()
        self.dtcs.new_operation_cycle()
        self.reset_count += 1
        return bytes((0x51, reset))

    def _tester_present(self, request: bytes) -> bytes:
        if len(request) != 2:
            raise RejectedRequestError(
                Nrc.INCORRECT_MESSAGE_LENGTH, "0x3E takes exactly one sub-function byte"
            )
        return bytes((0x7E, 0x00))

    def _communication_control(self, request: bytes) -> bytes:
        if len(request) != 3:
            raise RejectedRequestError(
                Nrc.INCORRECT_MESSAGE_LENGTH, "0x28 takes a control type and a communication type"
            )
        control = request[1] & 0x7F
        if request[2] & 0x03 == 0 or request[2] & 0x0C:
            raise RejectedRequestError(Nrc.REQUEST_OUT_OF_RANGE, f"communication type 0x{request[2]:02X}")
        if request[2] & 0x01:  # normal communication messages
            self.normal_transmit_enabled = control in (0x00, 0x02)
        return bytes((0x68, control))

    def _control_dtc_setting(self, request: bytes) -> bytes:
        setting = request[1] & 0x7F
        self.dtcs.setting_enabled = setting == 0x01
        return bytes((0xC5, setting))

    def _security_access(self, request: bytes) -> bytes:
        sub_function = request[1] & 0x7F
        security = self.security
        if sub_function == security.request_seed_sub_function:
            seed = security.request_seed()
            return bytes((0x67, sub_function)) + seed
        key = request[2:]
        if len(key) != SEED_BYTES:
            raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, f"the key is 4 bytes, got {len(key)}")
        security.send_key(bytes(key))
        return bytes((0x67, sub_function))

    def _read_data(self, request: bytes) -> bytes:
        count, odd = divmod(len(request) - 1, 2)
        if count == 0 or odd or count > MAX_DIDS_PER_READ:
            raise RejectedRequestError(
                Nrc.INCORRECT_MESSAGE_LENGTH,
                f"0x22 takes 1..{MAX_DIDS_PER_READ} two-byte identifiers, got {len(request) - 1} bytes",
            )
        response = bytearray((0x62,))
        for index in range(count):
            did = int.from_bytes(request[1 + 2 * index : 3 + 2 * index], "big")
            spec = self.spec.did(did)
            if spec is None:
                continue
            response += did.to_bytes(2, "big") + self.did_bytes(spec)
        if len(response) == 1:
            raise RejectedRequestError(Nrc.REQUEST_OUT_OF_RANGE, "none of the identifiers is supported")
        if len(response) > MAX_RESPONSE_BYTES:
            raise RejectedRequestError(Nrc.RESPONSE_TOO_LONG, f"{len(response)} bytes do not fit one message")
        return bytes(response)

    def _write_data(self, request: bytes) -> bytes:
        if len(request) < 4:
            raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, "0x2E takes an identifier and data")
        did = int.from_bytes(request[1:3], "big")
        spec = self.spec.did(did)
        if spec is None or not spec.writable:
            raise RejectedRequestError(Nrc.REQUEST_OUT_OF_RANGE, f"DID 0x{did:04X} is not writable")
        self.require_security(f"writing DID 0x{did:04X}")
        data = bytes(request[3:])
        if len(data) != spec.size:
            raise RejectedRequestError(
                Nrc.INCORRECT_MESSAGE_LENGTH, f"DID 0x{did:04X} is {spec.size} bytes, got {len(data)}"
            )
        try:
            spec.check_write(data)
        except ValueError as error:
            raise RejectedRequestError(Nrc.REQUEST_OUT_OF_RANGE, str(error)) from error
        self.memory.dids[did] = data
        self.memory.save()
        return bytes((0x6E,)) + did.to_bytes(2, "big")


def _number(value: PhysicalValue) -> float:
    return value if isinstance(value, float | int) else 0.0
