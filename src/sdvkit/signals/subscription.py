"""A subscriber's bounded buffer of updates."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from sdvkit.signals.broker import BrokerClient


class Datapoint(NamedTuple):
    """A value and the time it was taken, in nanoseconds since the epoch (or sim start)."""

    value: Any
    timestamp_ns: int


Update = tuple[str, Datapoint]
"""One delivered update: the signal's path and its new datapoint."""


class Subscription:
    """Updates for a set of signals, oldest first, in a buffer of fixed capacity.

    The current values come first, then every update in publish order. When the
    buffer is full the oldest update is dropped and ``dropped`` counts it, so a
    slow subscriber can see what it missed. ``on_ready`` is called whenever the
    buffer goes from empty to non-empty (use it to wake a task).
    """

    __slots__ = (
        "_buffer",
        "_on_ready",
        "capacity",
        "client",
        "closed",
        "dropped",
        "paths",
        "targets",
    )

    def __init__(
        self,
        client: BrokerClient,
        paths: tuple[str, ...],
        *,
        capacity: int,
        targets: bool = False,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"a subscription buffer holds at least 1 update, not {capacity}")
        self.client = client
        self.paths = paths
        self.capacity = capacity
        self.targets = targets
        self.dropped = 0
        self.closed = False
        self._buffer: deque[Update] = deque()
        self._on_ready = on_ready

    def set_on_ready(self, on_ready: Callable[[], None] | None) -> None:
        self._on_ready = on_ready
        if on_ready is not None and self._buffer:
            on_ready()

    def _push_many(self, updates: list[Update]) -> None:
        buffer = self._buffer
        was_empty = not buffer
        capacity = self.capacity
        if len(updates) >= capacity:
            self.dropped += len(buffer) + len(updates) - capacity
            buffer.clear()
            buffer.extend(updates[len(updates) - capacity :])
        else:
            buffer.extend(updates)
            over = len(buffer) - capacity
            if over > 0:
                self.dropped += over
                popleft = buffer.popleft
                for _ in range(over):
                    popleft()
        if was_empty and self._on_ready is not None:
            self._on_ready()

    def _push(self, update: Update) -> None:
        self._push_many([update])

    def drain(self, max_updates: int | None = None) -> list[Update]:
        """Take the buffered updates, oldest first (at most ``max_updates``)."""
        buffer = self._buffer
        if max_updates is None or max_updates >= len(buffer):
            items = list(buffer)
            buffer.clear()
            return items
        popleft = buffer.popleft
        return [popleft() for _ in range(max_updates)]

    def __len__(self) -> int:
        return len(self._buffer)

    def close(self) -> None:
        """Stop receiving updates."""
        if not self.closed:
            self.closed = True
            self.client.broker._unsubscribe(self)
