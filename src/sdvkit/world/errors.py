"""Errors of :mod:`sdvkit.world`.

One hierarchy::

    WorldError
    ├── RoadError          a road or lane is malformed, or a query falls outside it
    │   └── OpenDriveError an OpenDRIVE file cannot be read (names the file and the element)
    ├── ActorError         an actor or its motion is malformed (negative size, bad waypoints)
    ├── CycleError         a drive cycle is malformed (non-increasing time, negative speed)
    │   ├── UnknownCycleError  no built-in cycle of that name (lists the known ones)
    │   └── CycleFileError     a cycle file cannot be read (names the file and the line)
    └── DriverError        the virtual driver was set up with impossible parameters
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class WorldError(Exception):
    """Base of every error raised by :mod:`sdvkit.world`."""


class RoadError(WorldError, ValueError):
    """A road or lane is malformed, or a query falls outside it."""


class OpenDriveError(RoadError):
    """An OpenDRIVE file cannot be read; the message names the file and what is wrong."""

    def __init__(self, path: Path | str, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(f"{self.path}: {detail}")


class ActorError(WorldError, ValueError):
    """An actor or its motion is malformed."""


class CycleError(WorldError, ValueError):
    """A drive cycle is malformed."""


class UnknownCycleError(CycleError, LookupError):
    """No built-in drive cycle has this name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(f"unknown drive cycle {name!r}; known cycles: {', '.join(self.known)}")


class CycleFileError(CycleError):
    """A drive-cycle file cannot be read; the message names the file and, where it applies, the line."""

    def __init__(self, path: Path | str, detail: str, *, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = detail
        where = f"{self.path}, line {line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {detail}")


class DriverError(WorldError, ValueError):
    """The virtual driver was set up with impossible parameters."""
