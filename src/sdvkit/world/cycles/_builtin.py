"""The regulatory drive cycles sdvkit ships (``data/*.csv``) and name resolution."""

from __future__ import annotations

import os
import re
import threading
from importlib import resources
from pathlib import Path

from sdvkit.world.cycles._csv import load_cycle_csv, parse_cycle_csv
from sdvkit.world.cycles._cycle import DriveCycle
from sdvkit.world.errors import CycleFileError, UnknownCycleError

_DESCRIPTIONS: dict[str, str] = {
    "udds": "UDDS (FTP-72, LA-4): US EPA Urban Dynamometer Driving Schedule, 40 CFR Part 86 Appendix I",
    "hwfet": "HWFET (HFET): US EPA Highway Fuel Economy Test schedule, 40 CFR Part 600 Appendix I",
    "us06": "US06: US EPA high-speed, high-acceleration Supplemental FTP schedule, 40 CFR Part 86 Appendix I",
    "wltc3b": "WLTC class 3b: Worldwide harmonised Light vehicles Test Cycle, UN GTR No. 15 Annex 1",
}

# Spellings people use, reduced by _key (lower case, letters and digits only).
_ALIASES: dict[str, str] = {
    "udds": "udds",
    "ftp72": "udds",
    "la4": "udds",
    "hwfet": "hwfet",
    "hfet": "hwfet",
    "hwy": "hwfet",
    "us06": "us06",
    "wltc3b": "wltc3b",
    "wltcclass3b": "wltc3b",
    "wltp3b": "wltc3b",
}

_cache: dict[str, DriveCycle] = {}
_lock = threading.Lock()


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def builtin_cycle_names() -> tuple[str, ...]:
    """The canonical names of the built-in cycles, sorted: ``('hwfet', 'udds', 'us06', 'wltc3b')``."""
    return tuple(sorted(_DESCRIPTIONS))


def canonical_cycle_name(name: str) -> str:
    """The canonical name of a built-in cycle from any spelling (``"WLTC-3b"`` -> ``"wltc3b"``).

    Case, spaces, dashes and underscores do not matter; ``ftp72``/``la4`` mean ``udds``, ``hfet``
    means ``hwfet``, ``wltc_class_3b`` means ``wltc3b``. Raises :class:`UnknownCycleError`.
    """
    canonical = _ALIASES.get(_key(name))
    if canonical is None:
        raise UnknownCycleError(name, builtin_cycle_names())
    return canonical


def builtin_cycle_description(name: str) -> str:
    """One line naming the cycle and the standard that defines it."""
    return _DESCRIPTIONS[canonical_cycle_name(name)]


def builtin_cycle(name: str) -> DriveCycle:
    """A built-in cycle by name (any spelling :func:`canonical_cycle_name` accepts), at 1 Hz.

    The cycle's ``name`` is the canonical name. Instances are shared (they are immutable).
    """
    canonical = canonical_cycle_name(name)
    cycle = _cache.get(canonical)
    if cycle is not None:
        return cycle
    with _lock:
        cycle = _cache.get(canonical)
        if cycle is None:
            resource = resources.files("sdvkit.world.cycles").joinpath("data", f"{canonical}.csv")
            source = f"sdvkit/world/cycles/data/{canonical}.csv"
            try:
                text = resource.read_text(encoding="utf-8")
            except OSError as exc:  # a broken installation
                raise CycleFileError(source, f"built-in cycle data cannot be read: {exc}") from exc
            cycle = parse_cycle_csv(text, name=canonical, source=source)
            _cache[canonical] = cycle
    return cycle


def resolve_cycle(name_or_path: str | os.PathLike[str]) -> DriveCycle:
    """A built-in cycle by name, or a cycle read from a ``.csv`` file.

    A :class:`os.PathLike`, a string ending in ``.csv``, or one holding a path separator is a file
    (:func:`load_cycle_csv`); any other string is a built-in name (:func:`builtin_cycle`), so
    ``"udds"`` is always the built-in cycle. Raises :class:`UnknownCycleError` for an unknown name
    and :class:`CycleFileError` for a file that is missing or malformed.
    """
    if isinstance(name_or_path, str):
        looks_like_path = (
            name_or_path.lower().endswith(".csv")
            or "/" in name_or_path
            or os.sep in name_or_path
            or (os.altsep is not None and os.altsep in name_or_path)
        )
        if not looks_like_path:
            return builtin_cycle(name_or_path)
    return load_cycle_csv(Path(name_or_path))
