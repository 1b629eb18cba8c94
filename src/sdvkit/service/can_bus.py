"""Which CAN bus the vehicle's network runs on, and what that bus can carry.

:class:`BusConfig` names a python-can interface and channel: ``virtual`` (in one process, the
default), ``udp_multicast`` (between processes on one host), ``socketcan`` (a real or ``vcan``
Linux interface) or any other python-can backend. Every node (ECU network, gateway, feeder,
tester) opens its own bus object on the same channel.

The ISO-TP parameters suit a bus without timing (the virtual bus): no separation time, no
block size limit. :func:`isotp_payload_limit_bytes_per_s` is what a classic CAN bus could carry
at its bit rate, for comparing a measured flash throughput with the physics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import can

from sdvkit.service.errors import BusError

DEFAULT_CHANNEL = "sdvkit"
DEFAULT_BITRATE = 500_000
MAX_ISOTP_PAYLOAD = 4095
"""The longest ISO-TP message with a 12-bit length (classic CAN)."""

CLASSIC_FRAME_BITS = 111
"""An 11-bit-id data frame with 8 data bytes, interframe space included, without stuff bits."""
CLASSIC_FRAME_BITS_WORST_STUFFING = 135
"""The same frame with the most stuff bits (one per four bits of SOF..CRC)."""
CONSECUTIVE_FRAME_PAYLOAD = 7
FIRST_FRAME_PAYLOAD = 6


@dataclass(frozen=True, kw_only=True, slots=True)
class BusConfig:
    """A python-can bus: interface, channel, bit rate, CAN FD, and extra backend options."""

    interface: str = "virtual"
    channel: str = DEFAULT_CHANNEL
    bitrate: int = DEFAULT_BITRATE
    fd: bool = False
    options: tuple[tuple[str, Any], ...] = ()
    """Further keyword arguments for ``can.Bus`` (e.g. ``(("port", 43113),)`` for udp_multicast)."""

    def __post_init__(self) -> None:
        if not self.interface:
            raise BusError("a CAN bus needs an interface name (virtual, udp_multicast, socketcan, …)")
        if isinstance(self.bitrate, bool) or not (isinstance(self.bitrate, int) and self.bitrate > 0):
            raise BusError(f"bit rate must be a positive whole number of bit/s, not {self.bitrate!r}")

    def describe(self) -> str:
        kind = "CAN FD" if self.fd else "classic CAN"
        return f"{self.interface}:{self.channel} ({kind}, {self.bitrate / 1000:g} kbit/s)"


def open_bus(config: BusConfig) -> can.BusABC:
    """A python-can bus for ``config``; BusError names the interface and channel on failure."""
    try:
        return can.Bus(
            interface=config.interface,
            channel=config.channel,
            bitrate=config.bitrate,
            fd=config.fd,
            **dict(config.options),
        )
    except (can.CanError, ImportError, OSError, ValueError, TypeError) as error:
        raise BusError(f"cannot open CAN bus {config.describe()}: {error}") from error


def isotp_params(config: BusConfig) -> dict[str, Any]:
    """can-isotp parameters for ``config``: no STmin, no block size, padding 0xCC."""
    return {
        "stmin": 0,
        "blocksize": 0,
        "tx_data_length": 64 if config.fd else 8,
        "tx_padding": 0xCC,
        "can_fd": config.fd,
        "max_frame_size": MAX_ISOTP_PAYLOAD,
        "blocking_send": False,
        "rx_flowcontrol_timeout": 1000,
        "rx_consecutive_frame_timeout": 1000,
    }


def isotp_payload_limit_bytes_per_s(bitrate_bps: int, *, worst_case_stuffing: bool = False) -> float:
    """Bytes per second ISO-TP consecutive frames carry on a saturated classic CAN bus."""
    bits = CLASSIC_FRAME_BITS_WORST_STUFFING if worst_case_stuffing else CLASSIC_FRAME_BITS
    return bitrate_bps / bits * CONSECUTIVE_FRAME_PAYLOAD


def transfer_data_limit_bytes_per_s(
    bitrate_bps: int, *, block_length: int = MAX_ISOTP_PAYLOAD, worst_case_stuffing: bool = False
) -> float:
    """Image bytes per second of UDS TransferData on classic CAN at ``bitrate_bps``.

    One block of ``block_length`` bytes (service id and counter included) is a first frame, its
    consecutive frames and the receiver's flow control, then a single-frame response.
    """
    bits = CLASSIC_FRAME_BITS_WORST_STUFFING if worst_case_stuffing else CLASSIC_FRAME_BITS
    consecutive = math.ceil((block_length - FIRST_FRAME_PAYLOAD) / CONSECUTIVE_FRAME_PAYLOAD)
    frames = 1 + consecutive + 1 + 1
    image_bytes = block_length - 2
    return image_bytes / (frames * bits / bitrate_bps)
