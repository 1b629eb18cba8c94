"""Security access (UDS 0x27): seed and key, attempt counting and the lock-out delay.

:class:`SecurityAccess` is the state of one ECU's security level, driven by the UDS server
with the time from its clock (so a test can move time on). Sequence:

1. ``27 01`` (requestSeed): a fresh 4-byte seed; all zeros if the level is already unlocked;
   NRC 0x37 while the lock-out delay runs.
2. ``27 02 <key>`` (sendKey): unlocks when the key is :func:`compute_key` of the last seed.
   Without a seed first: NRC 0x24. A wrong key: NRC 0x35, and the attempt counts; the attempt
   that reaches ``max_attempts`` answers NRC 0x36 and starts the delay (``lockout_s``); the
   seed is spent either way.

A session change or a reset locks the level again (the attempt counter and a running delay
survive both, so a tester cannot reset its way around the lock-out).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sdvkit.service.ecu_spec import SecuritySpec
from sdvkit.service.errors import RejectedRequestError
from sdvkit.service.uds import Nrc

SEED_BYTES = 4
GOLDEN_RATIO_32 = 0x9E3779B9


def compute_key(seed: bytes, *, secret: int, level: int) -> bytes:
    """The key for ``seed``: the simulation's published algorithm (no protection intended)."""
    value = int.from_bytes(seed, "big") & 0xFFFFFFFF
    mixed = value ^ secret
    rotated = ((mixed << 7) | (mixed >> 25)) & 0xFFFFFFFF
    return ((rotated + level * GOLDEN_RATIO_32) & 0xFFFFFFFF).to_bytes(SEED_BYTES, "big")


class SecurityAccess:
    """One security level of one ECU."""

    def __init__(
        self,
        spec: SecuritySpec,
        *,
        clock: Callable[[], float],
        random_seed: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.spec = spec
        self._clock = clock
        self._random_seed = random_seed
        self.unlocked = False
        self.failed_attempts = 0
        self._seed: bytes | None = None
        self._locked_until_s = 0.0

    @property
    def request_seed_sub_function(self) -> int:
        return self.spec.level

    @property
    def send_key_sub_function(self) -> int:
        return self.spec.level + 1

    def delay_remaining_s(self) -> float:
        return max(0.0, self._locked_until_s - self._clock())

    def lock(self) -> None:
        """Lock the level again (session change, reset); a pending seed is forgotten."""
        self.unlocked = False
        self._seed = None

    def request_seed(self) -> bytes:
        """The seed to send; raises RejectedRequestError(0x37) during the lock-out delay."""
        if self.delay_remaining_s() > 0:
            raise RejectedRequestError(
                Nrc.REQUIRED_TIME_DELAY_NOT_EXPIRED,
                f"locked out for another {self.delay_remaining_s():.1f} s after failed attempts",
            )
        if self.unlocked:
            return bytes(SEED_BYTES)
        seed = self._random_seed(SEED_BYTES)
        if seed == bytes(SEED_BYTES):  # an all-zero seed means "already unlocked"
            seed = b"\x00\x00\x00\x01"
        self._seed = seed
        return seed

    def send_key(self, key: bytes) -> None:
        """Unlock with ``key``; raises RejectedRequestError with 0x24, 0x35, 0x36 or 0x37."""
        if self.delay_remaining_s() > 0:
            raise RejectedRequestError(Nrc.REQUIRED_TIME_DELAY_NOT_EXPIRED, "the lock-out delay is running")
        seed = self._seed
        if seed is None:
            raise RejectedRequestError(Nrc.REQUEST_SEQUENCE_ERROR, "send key without a seed requested first")
        self._seed = None
        expected = compute_key(seed, secret=self.spec.secret, level=self.spec.level)
        if secrets.compare_digest(key, expected):
            self.unlocked = True
            self.failed_attempts = 0
            return
        self.failed_attempts += 1
        if self.failed_attempts >= self.spec.max_attempts:
            self.failed_attempts = 0
            self._locked_until_s = self._clock() + self.spec.lockout_s
            raise RejectedRequestError(
                Nrc.EXCEEDED_NUMBER_OF_ATTEMPTS,
                f"{self.spec.max_attempts} wrong keys: locked out for {self.spec.lockout_s:g} s",
            )
        raise RejectedRequestError(Nrc.INVALID_KEY, f"wrong key (attempt {self.failed_attempts})")
