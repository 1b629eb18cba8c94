"""DoIP (ISO 13400-2) messages: the generic header, payload types and codes, and their checks.

Every message is an 8-byte header and a payload::

    protocol version (1) | inverse version (1) | payload type (2) | payload length (4) | payload

Pure functions; the gateway (:mod:`sdvkit.service.gateway`) does the I/O.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

HEADER = struct.Struct(">BBHI")
HEADER_SIZE = HEADER.size
SUPPORTED_VERSIONS = frozenset({0x02, 0x03})
"""ISO 13400-2:2012 and :2019."""
DEFAULT_VERSION = 0xFF
"""Allowed in vehicle identification requests only."""
TESTER_ADDRESSES = range(0x0E00, 0x0F00)
"""Source addresses the gateway accepts from external testers."""
FUNCTIONAL_ADDRESS = 0xE400
"""The functional group address: routed to 0x7DF on CAN."""


class PayloadType(IntEnum):
    GENERIC_NACK = 0x0000
    VEHICLE_IDENTIFICATION_REQUEST = 0x0001
    VEHICLE_IDENTIFICATION_REQUEST_EID = 0x0002
    VEHICLE_IDENTIFICATION_REQUEST_VIN = 0x0003
    VEHICLE_ANNOUNCEMENT = 0x0004
    ROUTING_ACTIVATION_REQUEST = 0x0005
    ROUTING_ACTIVATION_RESPONSE = 0x0006
    ALIVE_CHECK_REQUEST = 0x0007
    ALIVE_CHECK_RESPONSE = 0x0008
    ENTITY_STATUS_REQUEST = 0x4001
    ENTITY_STATUS_RESPONSE = 0x4002
    POWER_MODE_REQUEST = 0x4003
    POWER_MODE_RESPONSE = 0x4004
    DIAGNOSTIC_MESSAGE = 0x8001
    DIAGNOSTIC_ACK = 0x8002
    DIAGNOSTIC_NACK = 0x8003


class GenericNack(IntEnum):
    """Generic DoIP header negative acknowledge codes (Table 19)."""

    INCORRECT_PATTERN = 0x00
    UNKNOWN_PAYLOAD_TYPE = 0x01
    MESSAGE_TOO_LARGE = 0x02
    OUT_OF_MEMORY = 0x03
    INVALID_PAYLOAD_LENGTH = 0x04


CLOSE_AFTER = frozenset({GenericNack.INCORRECT_PATTERN, GenericNack.INVALID_PAYLOAD_LENGTH})
"""After these the gateway closes the TCP connection (ISO 13400-2 figure 6)."""


class RoutingActivation(IntEnum):
    """Routing activation response codes (Table 49)."""

    DENIED_UNKNOWN_SOURCE_ADDRESS = 0x00
    DENIED_ALL_SOCKETS_ACTIVE = 0x01
    DENIED_SOURCE_ADDRESS_MISMATCH = 0x02
    DENIED_SOURCE_ADDRESS_ALREADY_ACTIVE = 0x03
    DENIED_MISSING_AUTHENTICATION = 0x04
    DENIED_REJECTED_CONFIRMATION = 0x05
    DENIED_UNSUPPORTED_ACTIVATION_TYPE = 0x06
    DENIED_REQUIRES_TLS = 0x07
    SUCCESS = 0x10
    SUCCESS_CONFIRMATION_REQUIRED = 0x11


SUPPORTED_ACTIVATION_TYPES = frozenset({0x00, 0x01})
"""Default and WWH-OBD (regulatory) routing activation; central security (0xE1) is refused."""


class DiagnosticNack(IntEnum):
    """Diagnostic message negative acknowledge codes (Table 26)."""

    INVALID_SOURCE_ADDRESS = 0x02
    UNKNOWN_TARGET_ADDRESS = 0x03
    MESSAGE_TOO_LARGE = 0x04
    OUT_OF_MEMORY = 0x05
    TARGET_UNREACHABLE = 0x06
    UNKNOWN_NETWORK = 0x07
    TRANSPORT_PROTOCOL_ERROR = 0x08


DIAGNOSTIC_ACK_OK = 0x00

PAYLOAD_LENGTHS: dict[PayloadType, tuple[int, ...] | None] = {
    PayloadType.VEHICLE_IDENTIFICATION_REQUEST: (0,),
    PayloadType.VEHICLE_IDENTIFICATION_REQUEST_EID: (6,),
    PayloadType.VEHICLE_IDENTIFICATION_REQUEST_VIN: (17,),
    PayloadType.ROUTING_ACTIVATION_REQUEST: (7, 11),
    PayloadType.ALIVE_CHECK_REQUEST: (0,),
    PayloadType.ALIVE_CHECK_RESPONSE: (2,),
    PayloadType.ENTITY_STATUS_REQUEST: (0,),
    PayloadType.POWER_MODE_REQUEST: (0,),
    PayloadType.DIAGNOSTIC_MESSAGE: None,  # at least 5: addresses and one byte of user data
}
"""The payload types a gateway accepts, and their allowed lengths."""
MIN_DIAGNOSTIC_LENGTH = 5


@dataclass(frozen=True, kw_only=True, slots=True)
class Header:
    version: int
    payload_type: int
    length: int


def pack(version: int, payload_type: int, payload: bytes) -> bytes:
    """A whole DoIP message."""
    return HEADER.pack(version, version ^ 0xFF, payload_type, len(payload)) + payload


def parse_header(data: bytes) -> Header:
    """The header in the first 8 bytes of ``data`` (unchecked)."""
    version, _inverse, payload_type, length = HEADER.unpack_from(data)
    return Header(version=version, payload_type=payload_type, length=length)


def check_header(data: bytes, *, max_payload: int, udp: bool = False) -> GenericNack | None:
    """The generic NACK a header deserves (ISO 13400-2 figure 6), or None if it is fine."""
    version, inverse, payload_type, length = HEADER.unpack_from(data)
    if inverse != version ^ 0xFF:
        return GenericNack.INCORRECT_PATTERN
    known = version in SUPPORTED_VERSIONS or (version == DEFAULT_VERSION and udp)
    if not known:
        return GenericNack.INCORRECT_PATTERN
    try:
        kind = PayloadType(payload_type)
    except ValueError:
        return GenericNack.UNKNOWN_PAYLOAD_TYPE
    if kind not in PAYLOAD_LENGTHS:
        return GenericNack.UNKNOWN_PAYLOAD_TYPE
    if version == DEFAULT_VERSION and kind not in (
        PayloadType.VEHICLE_IDENTIFICATION_REQUEST,
        PayloadType.VEHICLE_IDENTIFICATION_REQUEST_EID,
        PayloadType.VEHICLE_IDENTIFICATION_REQUEST_VIN,
    ):
        return GenericNack.INCORRECT_PATTERN
    if length > max_payload:
        return GenericNack.MESSAGE_TOO_LARGE
    allowed = PAYLOAD_LENGTHS[kind]
    if allowed is None:
        if length < MIN_DIAGNOSTIC_LENGTH:
            return GenericNack.INVALID_PAYLOAD_LENGTH
    elif length not in allowed:
        return GenericNack.INVALID_PAYLOAD_LENGTH
    return None


def generic_nack(version: int, code: GenericNack) -> bytes:
    reply_version = version if version in SUPPORTED_VERSIONS else 0x02
    return pack(reply_version, PayloadType.GENERIC_NACK, bytes((code,)))


def routing_activation_response(version: int, *, tester: int, entity: int, code: RoutingActivation) -> bytes:
    payload = struct.pack(">HHBI", tester, entity, code, 0)
    return pack(version, PayloadType.ROUTING_ACTIVATION_RESPONSE, payload)


def diagnostic_message(version: int, *, source: int, target: int, data: bytes) -> bytes:
    return pack(version, PayloadType.DIAGNOSTIC_MESSAGE, struct.pack(">HH", source, target) + data)


def diagnostic_ack(version: int, *, source: int, target: int, echo: bytes = b"") -> bytes:
    payload = struct.pack(">HHB", source, target, DIAGNOSTIC_ACK_OK) + echo
    return pack(version, PayloadType.DIAGNOSTIC_ACK, payload)


def diagnostic_nack(
    version: int, *, source: int, target: int, code: DiagnosticNack, echo: bytes = b""
) -> bytes:
    payload = struct.pack(">HHB", source, target, code) + echo
    return pack(version, PayloadType.DIAGNOSTIC_NACK, payload)


def vehicle_announcement(version: int, *, vin: str, address: int, eid: bytes, gid: bytes) -> bytes:
    payload = struct.pack(">17sH6s6sBB", vin.encode("ascii"), address, eid, gid, 0x00, 0x00)
    return pack(version, PayloadType.VEHICLE_ANNOUNCEMENT, payload)
