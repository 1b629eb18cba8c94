"""Errors of :mod:`sdvkit.service` (the in-vehicle network and diagnostics).

One hierarchy::

    ServiceError
    ├── ServiceSetupError   a network, gateway or vehicle asked for the impossible (a bad VIN, no such ECU)
    ├── EcuSpecError        an ECU table is malformed (duplicate CAN id, DID or DTC; bad codec)
    ├── BusError            a CAN bus cannot be opened or used (names the interface and channel)
    ├── DbcError            the DBC database cannot be read, or a frame does not fit it
    ├── EcuMemoryError      an ECU's persistent memory (DTCs, DIDs, slots) cannot be read or written
    ├── FirmwareError       a firmware image is malformed or does not fit the ECU
    ├── DoipError           the DoIP gateway cannot start, or a DoIP message is malformed
    ├── RejectedRequestError  inside an ECU: a request it cannot serve (becomes a negative response)
    └── DiagnosticError     a diagnostic client operation failed (no answer, negative response)
        └── NegativeResponseError   an ECU answered with a negative response (carries the NRC)

Inside an ECU a request that cannot be served raises :class:`RejectedRequestError`, which never
leaves the ECU: its UDS server turns it into the negative response it names.
"""

from __future__ import annotations

from pathlib import Path


class ServiceError(Exception):
    """Base of every error raised by :mod:`sdvkit.service`."""


class ServiceSetupError(ServiceError, ValueError):
    """A network, gateway or simulated vehicle was asked for something impossible; names it."""


class EcuSpecError(ServiceError, ValueError):
    """An ECU table is malformed: the message names the ECU and the field."""


class BusError(ServiceError):
    """A CAN bus cannot be opened or used."""


class DbcError(ServiceError, ValueError):
    """The DBC database cannot be read, or a frame or value does not fit it."""


class EcuMemoryError(ServiceError):
    """An ECU's persistent memory cannot be read or written; names the file."""

    def __init__(self, path: Path | str, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(f"{self.path}: {detail}")


class FirmwareError(ServiceError, ValueError):
    """A firmware image is malformed or does not fit the ECU it is meant for."""


class DoipError(ServiceError):
    """The DoIP gateway cannot start, or a DoIP message is malformed."""


class RejectedRequestError(ServiceError):
    """A request an ECU cannot serve; the ECU answers ``7F <service> <code>``."""

    def __init__(self, code: int, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"NRC 0x{code:02X}: {detail}")


class DiagnosticError(ServiceError):
    """A diagnostic client operation failed: no answer, or an answer that makes no sense."""


class NegativeResponseError(DiagnosticError):
    """An ECU answered a request with a negative response."""

    def __init__(self, ecu: str, service_id: int, code: int, detail: str = "") -> None:
        self.ecu = ecu
        self.service_id = service_id
        self.code = code
        text = f"{ecu}: service 0x{service_id:02X} refused with NRC 0x{code:02X}"
        super().__init__(f"{text} ({detail})" if detail else text)
