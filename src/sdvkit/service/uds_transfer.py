"""UDS routines (0x31) and the download services (0x34 RequestDownload, 0x36 TransferData,
0x37 RequestTransferExit): the ECU side of flashing.

The standard flash sequence, all in the programming session after security access::

    31 01 FF00                  erase the inactive A/B slot
    34 00 44 <address:4> <size:4>   request the download; the ECU answers its maxNumberOfBlockLength
    36 01 <data> … 36 nn <data>    blocks, counter 1, 2, … wrapping FF → 00
    37                          exit; the ECU answers the CRC-32 of the image it received
    31 01 FF01                  check programming dependencies: header, hardware id, checksum
    11 01                       hard reset: the ECU boots the verified slot

A completed download is written to the inactive slot and passed to the ECU's
``on_image_downloaded`` hook (:data:`sdvkit.service.firmware.ImageDownloaded`).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from sdvkit.service.ecu_spec import RoutineKind
from sdvkit.service.errors import FirmwareError, RejectedRequestError
from sdvkit.service.firmware import FirmwareImage, SlotState
from sdvkit.service.uds import Nrc

if TYPE_CHECKING:
    from sdvkit.service.uds_server import UdsServer

START_ROUTINE = 0x01
STOP_ROUTINE = 0x02
REQUEST_ROUTINE_RESULTS = 0x03
ROUTINE_CONTROL_TYPES = (START_ROUTINE, STOP_ROUTINE, REQUEST_ROUTINE_RESULTS)
ROUTINE_OK = 0x00
ROUTINE_FAILED = 0x01
PLAIN_DATA_FORMAT = 0x00
"""dataFormatIdentifier: no compression, no encryption (the only one accepted)."""
LENGTH_FORMAT_TWO_BYTES = 0x20
"""lengthFormatIdentifier of the RequestDownload response: maxNumberOfBlockLength in two bytes."""


class Programming:
    """A download in progress, and the last result of each routine."""

    def __init__(self) -> None:
        self.active = False
        self.size = 0
        self.received = bytearray()
        self.last_counter: int | None = None
        self.routine_results: dict[int, bytes] = {}

    def start(self, size: int) -> None:
        self.active = True
        self.size = size
        self.received = bytearray()
        self.last_counter = None

    def abort(self) -> None:
        self.active = False
        self.received = bytearray()
        self.last_counter = None

    @property
    def expected_counter(self) -> int:
        return 0x01 if self.last_counter is None else (self.last_counter + 1) & 0xFF


def _memory_range(request: bytes, offset: int) -> tuple[int, int, int]:
    """``(address, size, bytes used)`` of an addressAndLengthFormatIdentifier at ``offset``."""
    if len(request) <= offset:
        raise RejectedRequestError(
            Nrc.INCORRECT_MESSAGE_LENGTH, "the addressAndLengthFormatIdentifier is missing"
        )
    format_byte = request[offset]
    address_bytes, size_bytes = format_byte & 0x0F, format_byte >> 4
    if not (1 <= address_bytes <= 4 and 1 <= size_bytes <= 4):
        raise RejectedRequestError(
            Nrc.REQUEST_OUT_OF_RANGE, f"addressAndLengthFormatIdentifier 0x{format_byte:02X} is not supported"
        )
    end = offset + 1 + address_bytes + size_bytes
    if len(request) != end:
        raise RejectedRequestError(
            Nrc.INCORRECT_MESSAGE_LENGTH,
            f"expected {end} bytes for that address and size format, got {len(request)}",
        )
    address = int.from_bytes(request[offset + 1 : offset + 1 + address_bytes], "big")
    size = int.from_bytes(request[offset + 1 + address_bytes : end], "big")
    return address, size, end - offset


def _check_region(server: UdsServer, address: int, size: int) -> None:
    flash = server.spec.flash
    if address != flash.address or not 0 < size <= flash.size:
        raise RejectedRequestError(
            Nrc.REQUEST_OUT_OF_RANGE,
            f"memory 0x{address:08X}+{size} is outside the slot at 0x{flash.address:08X} "
            f"({flash.size} bytes)",
        )


# -- 0x31 RoutineControl --------------------------------------------------------------------


def routine_control(server: UdsServer, request: bytes) -> bytes:
    if len(request) < 4:
        raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, "0x31 takes a control type and a routine id")
    control = request[1] & 0x7F
    routine_id = int.from_bytes(request[2:4], "big")
    spec = server.spec.routine(routine_id)
    if spec is None or server.session not in spec.sessions:
        raise RejectedRequestError(
            Nrc.REQUEST_OUT_OF_RANGE, f"routine 0x{routine_id:04X} is not available in this session"
        )
    if spec.needs_security:
        server.require_security(f"routine 0x{routine_id:04X}")
    head = bytes((0x71, control)) + request[2:4]
    results = server.download.routine_results
    if control == REQUEST_ROUTINE_RESULTS:
        if len(request) != 4:
            raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, "routine results take no option record")
        if routine_id not in results:
            raise RejectedRequestError(Nrc.REQUEST_SEQUENCE_ERROR, f"routine 0x{routine_id:04X} has not run")
        return head + results[routine_id]
    if control == STOP_ROUTINE:
        raise RejectedRequestError(Nrc.REQUEST_SEQUENCE_ERROR, f"routine 0x{routine_id:04X} is not running")
    options = request[4:]
    if spec.kind is RoutineKind.ERASE_MEMORY:
        result = _erase(server, options)
    elif spec.kind is RoutineKind.CHECK_PROGRAMMING_DEPENDENCIES:
        result = _check_dependencies(server, options)
    else:
        if options:
            raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, "the self-test takes no option record")
        result = bytes((min(0xFF, server.live.self_test()),))
    results[routine_id] = result
    return head + result[:1]


def _erase(server: UdsServer, options: bytes) -> bytes:
    if options:
        address, size, _used = _memory_range(bytes((0x00,)) + options, 1)
        _check_region(server, address, size)
    if server.download.active:
        raise RejectedRequestError(Nrc.CONDITIONS_NOT_CORRECT, "a download is running")
    server.slots.erase(server.slots.inactive)
    return bytes((ROUTINE_OK,))


def _check_dependencies(server: UdsServer, options: bytes) -> bytes:
    if options:
        raise RejectedRequestError(
            Nrc.INCORRECT_MESSAGE_LENGTH, "the dependency check takes no option record"
        )
    slots = server.slots
    slot = slots.inactive
    if slots.state(slot) not in (SlotState.WRITTEN, SlotState.VERIFIED):
        raise RejectedRequestError(Nrc.REQUEST_SEQUENCE_ERROR, f"slot {slot.value} holds no downloaded image")
    if slots.state(slot) is SlotState.VERIFIED:
        return bytes((ROUTINE_OK,))
    try:
        image = FirmwareImage.from_bytes(slots.image(slot) or b"")
    except FirmwareError:
        return bytes((ROUTINE_FAILED,))
    if image.hardware_id != server.spec.hardware_id:
        return bytes((ROUTINE_FAILED,))
    slots.mark_verified(slot, image.version)
    return bytes((ROUTINE_OK,))


# -- 0x34 / 0x36 / 0x37 ----------------------------------------------------------------------


def request_download(server: UdsServer, request: bytes) -> bytes:
    if len(request) < 3:
        raise RejectedRequestError(
            Nrc.INCORRECT_MESSAGE_LENGTH, "0x34 takes a data format and a memory range"
        )
    address, size, _used = _memory_range(request, 2)
    download = server.download
    if download.active:
        raise RejectedRequestError(Nrc.CONDITIONS_NOT_CORRECT, "a download is already running")
    if server.vehicle_moving():
        raise RejectedRequestError(Nrc.CONDITIONS_NOT_CORRECT, "no download while the vehicle moves")
    if request[1] != PLAIN_DATA_FORMAT:
        raise RejectedRequestError(
            Nrc.REQUEST_OUT_OF_RANGE, f"dataFormatIdentifier 0x{request[1]:02X} is not supported"
        )
    _check_region(server, address, size)
    server.require_security("a download")
    slots = server.slots
    if slots.state(slots.inactive) is not SlotState.EMPTY:
        raise RejectedRequestError(
            Nrc.UPLOAD_DOWNLOAD_NOT_ACCEPTED, f"erase slot {slots.inactive.value} first (routine FF00)"
        )
    download.start(size)
    block = server.spec.flash.max_block_length
    return bytes((0x74, LENGTH_FORMAT_TWO_BYTES)) + block.to_bytes(2, "big")


def transfer_data(server: UdsServer, request: bytes) -> bytes:
    if len(request) < 2:
        raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, "0x36 takes a block sequence counter")
    download = server.download
    if not download.active:
        raise RejectedRequestError(Nrc.REQUEST_SEQUENCE_ERROR, "no download was requested (0x34)")
    if len(request) > server.spec.flash.max_block_length:
        raise RejectedRequestError(
            Nrc.INCORRECT_MESSAGE_LENGTH,
            f"a block is at most {server.spec.flash.max_block_length} bytes, got {len(request)}",
        )
    counter = request[1]
    if counter == download.last_counter:
        return bytes((0x76, counter))  # a repeated block: acknowledged, not written twice
    if counter != download.expected_counter:
        raise RejectedRequestError(
            Nrc.WRONG_BLOCK_SEQUENCE_COUNTER, f"block {counter}, expected {download.expected_counter}"
        )
    data = request[2:]
    if not data:
        raise RejectedRequestError(Nrc.INCORRECT_MESSAGE_LENGTH, "a block carries at least one byte")
    if len(download.received) + len(data) > download.size:
        raise RejectedRequestError(
            Nrc.TRANSFER_DATA_SUSPENDED, f"more than the {download.size} bytes requested would be written"
        )
    download.received += data
    download.last_counter = counter
    return bytes((0x76, counter))


def request_transfer_exit(server: UdsServer, request: bytes) -> bytes:
    download = server.download
    if not download.active:
        raise RejectedRequestError(Nrc.REQUEST_SEQUENCE_ERROR, "no download is running")
    if len(download.received) != download.size:
        raise RejectedRequestError(
            Nrc.REQUEST_SEQUENCE_ERROR,
            f"only {len(download.received)} of {download.size} bytes were transferred",
        )
    image = bytes(download.received)
    download.abort()
    slots = server.slots
    slots.write(slots.inactive, image)
    hook = server.on_image_downloaded
    if hook is not None:
        try:
            hook(server.spec.name, image)
        except Exception as error:
            raise RejectedRequestError(
                Nrc.GENERAL_PROGRAMMING_FAILURE, f"the image-downloaded hook failed: {error!r}"
            ) from error
    return b"\x77" + zlib.crc32(image).to_bytes(4, "big")
