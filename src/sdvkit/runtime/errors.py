"""Errors of the app runtime.

One hierarchy, so callers can catch the family or the exact case::

    AppRuntimeError
    ├── ManifestError      a manifest or input declaration is malformed, or names a signal
    │                      the broker's catalogue does not have
    ├── ClockError         a clock cannot do what was asked: a period or duration it cannot
    │                      honour, a run inside a run, a broker stamping time from another clock
    ├── AppStateError      an app or a runner used outside its lifecycle: before start, after
    │                      stop, added twice, started twice
    └── StaleInputError    an app refuses to act: declared rated inputs are older than their
                           max age, or never arrived

The broker's own errors (:mod:`sdvkit.signals.errors`, e.g. ``AccessDeniedError`` for an
operation outside the manifest) pass through the runtime unchanged. So do errors raised by
an app's own code (its handlers, ``step()``, ``on_start()``): the runtime never wraps or
swallows them, it only adds a note naming the app and the hook, and they propagate out of
``SimClock.advance`` / ``SimClock.run_for`` or ``RealTimeClock.run_for``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class AppRuntimeError(Exception):
    """Base of every error raised by :mod:`sdvkit.runtime` itself."""


class ManifestError(AppRuntimeError, ValueError):
    """A manifest or an input declaration is malformed or names unknown signals."""


class ClockError(AppRuntimeError):
    """A clock was asked for something it cannot do (bad period or duration, a run inside a run)."""


class AppStateError(AppRuntimeError):
    """An app or a runner was used outside its lifecycle."""


@dataclass(frozen=True, kw_only=True, slots=True)
class StaleInput:
    """One declared input that is too old to act on.

    ``age_s`` is None when the input never arrived.
    """

    path: str
    age_s: float | None
    max_age_s: float

    def describe(self) -> str:
        if self.age_s is None:
            return f"{self.path} never arrived"
        return f"{self.path} is {self.age_s:.3f} s old (max {self.max_age_s:.3f} s)"


class StaleInputError(AppRuntimeError):
    """An app refuses to act because some of its rated inputs are stale."""

    def __init__(self, app: str, stale: Iterable[StaleInput]) -> None:
        self.app = app
        self.stale: tuple[StaleInput, ...] = tuple(stale)
        details = "; ".join(item.describe() for item in self.stale)
        super().__init__(f"app {app!r} refuses to act on stale inputs: {details}")

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths of the stale inputs, in manifest order."""
        return tuple(item.path for item in self.stale)
