"""Reading and writing drive cycles as CSV: sdvkit's own format and FASTSim 2/3 cycle files.

The format is told by the header (the first line that is neither blank nor a ``#`` comment):

* sdvkit: ``time_s,speed_mps`` and optionally ``grade`` (rise/run);
* FASTSim 3 (``Cycle.to_file("x.csv")``): ``time_seconds,speed_meters_per_second,grade,...``, with
  the other unit variants FASTSim 3 reads (``time_minutes``, ``speed_kilometers_per_hour``,
  ``speed_miles_per_hour``, ``grade_percent``, ...);
* FASTSim 2: ``cycSecs,cycMps,cycGrade,cycRoadType`` (or ``time_s,mps,grade,road_type``).

Columns sdvkit does not use (road type, charger power, ambient temperature, solar load) are read
and ignored; any other column is an error, so a typo does not go unnoticed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

from sdvkit.world.cycles._cycle import DriveCycle
from sdvkit.world.errors import CycleError, CycleFileError

_MPS_PER_MPH = 0.44704

# column name (lower case) -> (multiplier, divisor) to SI; divisions keep km/h and % exact.
_TIME_COLUMNS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("time_s", "time_seconds", "time", "cycsecs", "cycsecs_seconds"), (1.0, 1.0)),
    **dict.fromkeys(("time_minutes", "cycsecs_minutes"), (60.0, 1.0)),
    **dict.fromkeys(("time_hours", "cycsecs_hours"), (3600.0, 1.0)),
}
_SPEED_COLUMNS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(
        (
            "speed_mps",
            "speed_meters_per_second",
            "speed",
            "mps",
            "cycmps",
            "cycmps_meters_per_second",
            "speed_mps_meters_per_second",
        ),
        (1.0, 1.0),
    ),
    **dict.fromkeys(
        ("speed_kilometers_per_hour", "cycmps_kilometers_per_hour", "speed_mps_kilometers_per_hour"),
        (1.0, 3.6),
    ),
    **dict.fromkeys(
        ("speed_miles_per_hour", "cycmps_miles_per_hour", "speed_mps_miles_per_hour"), (_MPS_PER_MPH, 1.0)
    ),
}
_GRADE_COLUMNS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("grade", "grade_ratio", "cycgrade", "cycgrade_ratio"), (1.0, 1.0)),
    **dict.fromkeys(("grade_percent", "cycgrade_percent"), (1.0, 100.0)),
}
_IGNORED_COLUMNS = frozenset(
    (
        "cycroadtype",
        "road_type",
        *(f"pwr_max_charge{u}" for u in ("", "_watts", "_kilowatts", "_horsepower")),
        *(f"pwr_solar_load{u}" for u in ("", "_watts", "_kilowatts", "_horsepower")),
        *(f"temp_amb_air{u}" for u in ("", "_kelvin", "_degrees_celsius", "_degrees_fahrenheit")),
    )
)
_EXPECTED = (
    "expected a header naming a time and a speed column: time_s,speed_mps[,grade] (sdvkit), "
    "time_seconds,speed_meters_per_second[,grade,...] (FASTSim 3) or cycSecs,cycMps[,cycGrade,cycRoadType] "
    "(FASTSim 2)"
)


def _read_text(path: Path) -> str:
    try:
        # utf-8-sig: some FASTSim files start with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CycleFileError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise CycleFileError(path, "is a directory, not a CSV file") from exc
    except UnicodeDecodeError as exc:
        raise CycleFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise CycleFileError(path, f"cannot be read: {exc.strerror or exc}") from exc


def _header_columns(
    path: Path, line_no: int, line: str
) -> tuple[int, int, int | None, list[tuple[float, float]]]:
    """Indices of the time, speed and grade columns, and each used column's (multiplier, divisor)."""
    names = [cell.strip().strip('"').strip().lower() for cell in line.split(",")]
    time_col = speed_col = grade_col = None
    scale: list[tuple[float, float]] = []
    for i, name in enumerate(names):
        if name in _TIME_COLUMNS:
            if time_col is not None:
                raise CycleFileError(
                    path, f"two time columns: {names[time_col]!r} and {name!r}", line=line_no
                )
            time_col = i
            scale.append(_TIME_COLUMNS[name])
        elif name in _SPEED_COLUMNS:
            if speed_col is not None:
                raise CycleFileError(
                    path, f"two speed columns: {names[speed_col]!r} and {name!r}", line=line_no
                )
            speed_col = i
            scale.append(_SPEED_COLUMNS[name])
        elif name in _GRADE_COLUMNS:
            if grade_col is not None:
                raise CycleFileError(
                    path, f"two grade columns: {names[grade_col]!r} and {name!r}", line=line_no
                )
            grade_col = i
            scale.append(_GRADE_COLUMNS[name])
        elif name in _IGNORED_COLUMNS:
            scale.append((1.0, 1.0))
        else:
            raise CycleFileError(
                path, f"unknown column {name!r} in header {line.strip()!r}; {_EXPECTED}", line=line_no
            )
    if time_col is None or speed_col is None:
        missing = "time" if time_col is None else "speed"
        raise CycleFileError(
            path, f"no {missing} column in header {line.strip()!r}; {_EXPECTED}", line=line_no
        )
    return time_col, speed_col, grade_col, scale


def parse_cycle_csv(text: str, *, name: str, source: Path | str = "<string>") -> DriveCycle:
    """A drive cycle from CSV ``text`` (see the module documentation for the formats).

    ``source`` names the text in errors. Raises :class:`CycleFileError` naming the 1-based line.
    """
    path = Path(source)
    if text.startswith("\ufeff"):
        text = text[1:]
    header: tuple[int, int, int | None, list[tuple[float, float]]] | None = None
    columns = 0
    header_text = ""
    time_s: list[float] = []
    speed_mps: list[float] = []
    grade: list[float] = []
    for line_no, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if header is None:
            header = _header_columns(path, line_no, line)
            columns = len(header[3])
            header_text = line
            continue
        cells = line.split(",")
        if len(cells) != columns:
            raise CycleFileError(
                path, f"expected {columns} values ({header_text}), found {len(cells)}: {line!r}", line=line_no
            )
        time_col, speed_col, grade_col, scale = header
        row: list[float] = []
        for col in (time_col, speed_col) if grade_col is None else (time_col, speed_col, grade_col):
            cell = cells[col].strip()
            try:
                value = float(cell)
            except ValueError as exc:
                raise CycleFileError(
                    path, f"column {col + 1}: {cell!r} is not a number", line=line_no
                ) from exc
            if not math.isfinite(value):
                raise CycleFileError(path, f"column {col + 1}: {cell!r} is not a finite number", line=line_no)
            mul, div = scale[col]
            row.append(value * mul / div)
        t, v = row[0], row[1]
        if v < 0.0:
            raise CycleFileError(path, f"speed {cells[speed_col].strip()} is negative", line=line_no)
        if time_s and not t > time_s[-1]:
            raise CycleFileError(
                path,
                f"time {cells[time_col].strip()} does not come after the previous row's; "
                "time must be strictly increasing",
                line=line_no,
            )
        if grade_col is not None:
            if not abs(row[2]) < 1.0:
                raise CycleFileError(
                    path, f"grade {cells[grade_col].strip()} is not within (-1, 1) (rise/run)", line=line_no
                )
            grade.append(row[2])
        time_s.append(t)
        speed_mps.append(v)
    if header is None:
        raise CycleFileError(path, f"empty file: no header line; {_EXPECTED}")
    if len(time_s) < 2:
        raise CycleFileError(path, f"a drive cycle needs at least 2 rows of data, found {len(time_s)}")
    try:
        return DriveCycle(name=name, time_s=tuple(time_s), speed_mps=tuple(speed_mps), grade=tuple(grade))
    except CycleError as exc:  # the rows were checked above; this is what the row checks do not cover
        raise CycleFileError(path, str(exc)) from exc


def load_cycle_csv(path: str | os.PathLike[str], *, name: str | None = None) -> DriveCycle:
    """Read a drive cycle from a CSV file (sdvkit, FASTSim 3 or FASTSim 2 format).

    The cycle is named ``name``, or after the file (its stem). Raises :class:`CycleFileError` naming
    the file and, for a malformed row or header, the 1-based line.
    """
    file = Path(path)
    return parse_cycle_csv(_read_text(file), name=name or file.stem or "cycle", source=file)


def _number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (``12`` rather than ``12.0``)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def format_cycle_csv(cycle: DriveCycle, *, comment: Iterable[str] = ()) -> str:
    """``cycle`` as sdvkit CSV text: ``#`` comment lines, then ``time_s,speed_mps[,grade]`` rows.

    The grade column is written only where some grade is not zero. Numbers keep full precision:
    reading the text back gives the same floats.
    """
    lines = [f"# {c}".rstrip() for text in comment for c in text.splitlines()]
    if any(cycle.grade):
        lines.append("time_s,speed_mps,grade")
        rows = zip(cycle.time_s, cycle.speed_mps, cycle.grade, strict=True)
        lines.extend(f"{_number(t)},{_number(v)},{_number(g)}" for t, v, g in rows)
    else:
        lines.append("time_s,speed_mps")
        lines.extend(f"{_number(t)},{_number(v)}" for t, v in zip(cycle.time_s, cycle.speed_mps, strict=True))
    return "\n".join(lines) + "\n"


def write_cycle_csv(cycle: DriveCycle, path: str | os.PathLike[str], *, comment: Iterable[str] = ()) -> None:
    """Write ``cycle`` to ``path`` as sdvkit CSV (see :func:`format_cycle_csv`)."""
    file = Path(path)
    try:
        file.write_text(format_cycle_csv(cycle, comment=comment), encoding="utf-8")
    except OSError as exc:
        raise CycleFileError(file, f"cannot be written: {exc.strerror or exc}") from exc
