"""Firmware images and the A/B slots an ECU boots from: the hook over-the-air updates use.

An image is a 64-byte header and a payload::

    offset  size  field
    0       8     magic "SDVKFW01"
    8       24    hardware id (ASCII, NUL padded): the ECU the image is built for
    32      16    software version (ASCII, NUL padded)
    48      4     payload length, big endian
    52      4     CRC-32 of the payload, big endian
    56      8     reserved, zero

Flashing over UDS writes the image into the *inactive* slot (0x34/0x36/0x37); the
check-programming-dependencies routine (0x31 FF01) verifies it against the ECU's hardware id
and arms it; the next hard reset (0x11 01) boots it. :class:`FirmwareSlots` is that contract;
an OTA client can drive the same slots directly, or listen to every completed download with
an ``on_image_downloaded(ecu_name, image)`` callable (:data:`ImageDownloaded`).
"""

from __future__ import annotations

import struct
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sdvkit.service.errors import FirmwareError

IMAGE_MAGIC = b"SDVKFW01"
HEADER_SIZE = 64
_HEADER = struct.Struct(">8s24s16sII8s")
HARDWARE_ID_BYTES = 24
VERSION_BYTES = 16

ImageDownloaded = Callable[[str, bytes], None]
"""Called with the ECU's name and the whole image after a successful RequestTransferExit."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FirmwareImage:
    """A parsed image."""

    hardware_id: str
    version: str
    payload: bytes

    def __post_init__(self) -> None:
        for label, text, size in (
            ("hardware id", self.hardware_id, HARDWARE_ID_BYTES),
            ("version", self.version, VERSION_BYTES),
        ):
            if not text or not text.isascii() or not text.isprintable() or len(text) > size:
                raise FirmwareError(f"image {label} {text!r} must be 1..{size} printable ASCII characters")

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(
            IMAGE_MAGIC,
            self.hardware_id.encode("ascii"),
            self.version.encode("ascii"),
            len(self.payload),
            zlib.crc32(self.payload),
            bytes(8),
        )
        return header + self.payload

    @classmethod
    def from_bytes(cls, data: bytes) -> FirmwareImage:
        """Parse and check an image; FirmwareError says what is wrong."""
        if len(data) < HEADER_SIZE:
            raise FirmwareError(f"an image is at least {HEADER_SIZE} bytes (its header), this is {len(data)}")
        magic, hardware_id, version, length, crc, _reserved = _HEADER.unpack_from(data)
        if magic != IMAGE_MAGIC:
            raise FirmwareError(f"not an sdvkit firmware image: magic {magic!r}, expected {IMAGE_MAGIC!r}")
        payload = data[HEADER_SIZE:]
        if len(payload) != length:
            raise FirmwareError(f"the header says {length} payload bytes, the image has {len(payload)}")
        if zlib.crc32(payload) != crc:
            raise FirmwareError("the payload's CRC-32 does not match the header: the image is corrupt")
        try:
            return cls(
                hardware_id=hardware_id.rstrip(b"\x00").decode("ascii"),
                version=version.rstrip(b"\x00").decode("ascii"),
                payload=payload,
            )
        except UnicodeDecodeError as error:
            raise FirmwareError(f"the image header is not ASCII: {error}") from error


def build_image(*, hardware_id: str, version: str, payload: bytes) -> bytes:
    """The bytes of an image for ``hardware_id`` carrying ``payload``."""
    return FirmwareImage(hardware_id=hardware_id, version=version, payload=payload).to_bytes()


def parse_version(version: str) -> tuple[int, int, int]:
    """``"1.4.2"`` → ``(1, 4, 2)``; missing or non-numeric parts are 0, each part is capped at 255."""
    parts: list[int] = []
    for part in version.split(".")[:3]:
        digits = "".join(character for character in part if character.isdigit())
        parts.append(min(255, int(digits)) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


class Slot(StrEnum):
    A = "A"
    B = "B"

    @property
    def other(self) -> Slot:
        return Slot.B if self is Slot.A else Slot.A


class SlotState(StrEnum):
    EMPTY = "empty"
    """Erased, or never written."""
    WRITTEN = "written"
    """An image was downloaded; not checked yet."""
    VERIFIED = "verified"
    """Checked against the ECU; boots at the next hard reset."""
    BOOTABLE = "bootable"
    """Holds software that has run (the factory software, or an image that booted)."""


class FirmwareSlots(ABC):
    """The two firmware slots of one ECU: which one runs, what each holds."""

    @property
    @abstractmethod
    def active(self) -> Slot:
        """The slot the ECU booted from."""

    @property
    def inactive(self) -> Slot:
        return self.active.other

    @abstractmethod
    def state(self, slot: Slot) -> SlotState: ...

    @abstractmethod
    def version(self, slot: Slot) -> str | None:
        """The software version in ``slot``; None when it holds none."""

    @abstractmethod
    def image(self, slot: Slot) -> bytes | None:
        """The image written to ``slot``; None for the factory software or an empty slot."""

    @abstractmethod
    def erase(self, slot: Slot) -> None:
        """Empty ``slot``; the active slot cannot be erased (FirmwareError)."""

    @abstractmethod
    def write(self, slot: Slot, image: bytes) -> None:
        """Store a downloaded image in the inactive ``slot`` (state WRITTEN)."""

    @abstractmethod
    def mark_verified(self, slot: Slot, version: str) -> None:
        """The image in ``slot`` passed its checks: boot it at the next hard reset."""

    @abstractmethod
    def boot(self) -> Slot:
        """A hard reset: a VERIFIED inactive slot becomes active; returns the active slot."""
