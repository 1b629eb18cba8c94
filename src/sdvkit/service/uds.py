"""UDS (ISO 14229-1) vocabulary: service ids, sessions, negative response codes, DTC codes.

Everything here is plain data and pure functions, shared by the ECUs' servers and the testers.
A DTC is three bytes (ISO 14229-1): the two bytes of an SAE J2012 code (``P0A7E``) and a
failure-type byte, written ``P0A7E-4B``; its status is one byte of :class:`DtcStatus` bits.
"""

from __future__ import annotations

import re
from enum import IntEnum, IntFlag

POSITIVE_OFFSET = 0x40
"""A positive response's first byte is the request's service id plus this."""
NEGATIVE_RESPONSE = 0x7F
SUPPRESS_POSITIVE_RESPONSE = 0x80
"""Bit 7 of a sub-function byte: the tester wants no positive response."""


class Sid(IntEnum):
    """The UDS services the ECUs implement."""

    DIAGNOSTIC_SESSION_CONTROL = 0x10
    ECU_RESET = 0x11
    CLEAR_DIAGNOSTIC_INFORMATION = 0x14
    READ_DTC_INFORMATION = 0x19
    READ_DATA_BY_IDENTIFIER = 0x22
    SECURITY_ACCESS = 0x27
    COMMUNICATION_CONTROL = 0x28
    WRITE_DATA_BY_IDENTIFIER = 0x2E
    ROUTINE_CONTROL = 0x31
    REQUEST_DOWNLOAD = 0x34
    TRANSFER_DATA = 0x36
    REQUEST_TRANSFER_EXIT = 0x37
    TESTER_PRESENT = 0x3E
    CONTROL_DTC_SETTING = 0x85


class Nrc(IntEnum):
    """Negative response codes (ISO 14229-1 annex A.1)."""

    GENERAL_REJECT = 0x10
    SERVICE_NOT_SUPPORTED = 0x11
    SUB_FUNCTION_NOT_SUPPORTED = 0x12
    INCORRECT_MESSAGE_LENGTH = 0x13
    RESPONSE_TOO_LONG = 0x14
    CONDITIONS_NOT_CORRECT = 0x22
    REQUEST_SEQUENCE_ERROR = 0x24
    REQUEST_OUT_OF_RANGE = 0x31
    SECURITY_ACCESS_DENIED = 0x33
    INVALID_KEY = 0x35
    EXCEEDED_NUMBER_OF_ATTEMPTS = 0x36
    REQUIRED_TIME_DELAY_NOT_EXPIRED = 0x37
    UPLOAD_DOWNLOAD_NOT_ACCEPTED = 0x70
    TRANSFER_DATA_SUSPENDED = 0x71
    GENERAL_PROGRAMMING_FAILURE = 0x72
    WRONG_BLOCK_SEQUENCE_COUNTER = 0x73
    RESPONSE_PENDING = 0x78
    SUB_FUNCTION_NOT_SUPPORTED_IN_ACTIVE_SESSION = 0x7E
    SERVICE_NOT_SUPPORTED_IN_ACTIVE_SESSION = 0x7F


FUNCTIONALLY_SUPPRESSED = frozenset(
    {
        Nrc.SERVICE_NOT_SUPPORTED,
        Nrc.SUB_FUNCTION_NOT_SUPPORTED,
        Nrc.REQUEST_OUT_OF_RANGE,
        Nrc.SUB_FUNCTION_NOT_SUPPORTED_IN_ACTIVE_SESSION,
        Nrc.SERVICE_NOT_SUPPORTED_IN_ACTIVE_SESSION,
    }
)
"""Negative responses an ECU does not send to a functionally addressed request (ISO 14229-1 7.5)."""


class Session(IntEnum):
    """Diagnostic sessions (service 0x10 sub-functions)."""

    DEFAULT = 0x01
    PROGRAMMING = 0x02
    EXTENDED = 0x03


ALL_SESSIONS = frozenset(Session)
NON_DEFAULT_SESSIONS = frozenset({Session.PROGRAMMING, Session.EXTENDED})


class ResetType(IntEnum):
    """ECU reset (service 0x11) sub-functions."""

    HARD = 0x01
    KEY_OFF_ON = 0x02
    SOFT = 0x03


class DtcStatus(IntFlag):
    """The DTC status byte (ISO 14229-1 D.2)."""

    TEST_FAILED = 0x01
    TEST_FAILED_THIS_OPERATION_CYCLE = 0x02
    PENDING = 0x04
    CONFIRMED = 0x08
    TEST_NOT_COMPLETED_SINCE_LAST_CLEAR = 0x10
    TEST_FAILED_SINCE_LAST_CLEAR = 0x20
    TEST_NOT_COMPLETED_THIS_OPERATION_CYCLE = 0x40
    WARNING_INDICATOR_REQUESTED = 0x80


DTC_STATUS_AVAILABILITY_MASK = 0xFF
"""Every status bit is supported."""
DTC_FORMAT_ISO_14229_1 = 0x01
"""DTCFormatIdentifier of ISO 14229-1 three-byte DTCs, reported by service 0x19 01."""
ALL_DTC_GROUPS = 0xFFFFFF
"""The groupOfDTC that clears every DTC (service 0x14)."""

_LETTERS = "PCBU"
_DTC_TEXT = re.compile(r"^([PCBU])([0-3])([0-9A-F]{3})(?:-([0-9A-F]{2}))?$")


def negative_response(service_id: int, code: int) -> bytes:
    """``7F <service> <code>``."""
    return bytes((NEGATIVE_RESPONSE, service_id & 0xFF, code & 0xFF))


def obd_code(dtc: int) -> str:
    """The SAE J2012 code of a three-byte DTC, without its failure type: ``0x0A7E4B`` → ``P0A7E``."""
    high, low = (dtc >> 16) & 0xFF, (dtc >> 8) & 0xFF
    return f"{_LETTERS[high >> 6]}{(high >> 4) & 0x3}{high & 0xF:X}{low:02X}"


def dtc_text(dtc: int) -> str:
    """A three-byte DTC as text: ``0x0A7E4B`` → ``P0A7E-4B``."""
    return f"{obd_code(dtc)}-{dtc & 0xFF:02X}"


def parse_dtc(text: str) -> int:
    """``P0A7E-4B`` (or ``P0A7E``, failure type 00) → ``0x0A7E4B``; ValueError names the text."""
    match = _DTC_TEXT.match(text.strip().upper())
    if match is None:
        raise ValueError(
            f"{text!r} is not a DTC: write a letter P, C, B or U, a digit 0-3 and three hex digits, "
            "then optionally '-' and a two-digit failure type (P0A7E-4B)"
        )
    letter, first, rest, failure_type = match.groups()
    code = (_LETTERS.index(letter) << 14) | (int(first) << 12) | int(rest, 16)
    return (code << 8) | int(failure_type or "00", 16)


def describe_status(status: int) -> list[str]:
    """The names of the bits set in a DTC status byte, lowest first."""
    return [flag.name.lower() for flag in DtcStatus if flag.name is not None and status & flag]
