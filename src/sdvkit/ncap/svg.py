"""Inline SVG plots of one run's trace for the HTML report: no plotting library, no network.

:func:`trace_svg` draws a run as stacked panels on one time axis: speeds (VUT and target), the
gap, the TTC (with Euro NCAP's 1.7 s warning line), the AEB brake demand with the VUT's
acceleration and, for lane-support runs, the lateral offset. The time the target was detected
is shaded blue in every panel, the FCW warning orange in the TTC panel. Each series is
decimated to at most :data:`MAX_SAMPLES` samples (the extremes of each time bucket survive, so
a brake pulse is not lost) and drawn as a polyline, so ~450 runs keep the report a few MB.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sdvkit.ncap.results import RunTrace

MAX_SAMPLES = 100
"""Most samples drawn per series."""
TTC_CEILING_S = 10.0
"""The TTC panel is clipped here: far away, the TTC says nothing."""
FCW_TTC_LIMIT_S = 1.7
WIDTH_PX = 640
PANEL_HEIGHT_PX = 64
LEFT_PX = 58
RIGHT_PX = 8
TOP_PX = 8
GAP_PX = 10
BOTTOM_PX = 18
DETECTED_FILL = "#cfe5fb"
WARNING_FILL = "#ffd9a6"


@dataclass(frozen=True, kw_only=True, slots=True)
class Series:
    """One line of a panel: what it is, its samples (None: no value) and how it is drawn."""

    name: str
    values: Sequence[float | None]
    colour: str
    dashed: bool = False


def decimate(values: Sequence[float | None], max_samples: int = MAX_SAMPLES) -> list[int]:
    """Indices of at most ``max_samples`` samples that keep the shape of ``values``.

    The series is cut into ``max_samples // 2`` buckets; each keeps its lowest and highest
    sample in time order (one sample when they are the same, the first when it has no value,
    so a gap in the data stays a gap).
    """
    count = len(values)
    if count <= max_samples:
        return list(range(count))
    buckets = max(1, max_samples // 2)
    kept: list[int] = []
    for bucket in range(buckets):
        start, stop = bucket * count // buckets, (bucket + 1) * count // buckets
        low = high = -1
        low_value, high_value = math.inf, -math.inf
        for index in range(start, stop):
            value = values[index]
            if value is None or not math.isfinite(value):
                continue
            if value < low_value:
                low, low_value = index, value
            if value > high_value:
                high, high_value = index, value
        kept.extend(sorted({low, high}) if low >= 0 else (start,))
    return kept


def intervals(times: Sequence[float], flags: Sequence[bool]) -> list[tuple[float, float]]:
    """The (start, end) times of each run of True samples; a run ends at the next False sample."""
    spans: list[tuple[float, float]] = []
    start: float | None = None
    for time_s, flag in zip(times, flags, strict=False):
        if flag and start is None:
            start = time_s
        elif not flag and start is not None:
            spans.append((start, time_s))
            start = None
    if start is not None:
        spans.append((start, times[-1]))
    return spans


def time_ticks(start_s: float, end_s: float, most: int = 8) -> list[float]:
    """Round times for the time axis: at most ``most``, on a 1-2-5 step."""
    span = end_s - start_s
    if not (math.isfinite(span) and span > 0):
        return [start_s]
    step = next(
        (s * 10.0**e for e in range(-3, 6) for s in (1.0, 2.0, 5.0) if span / (s * 10.0**e) <= most),
        span,
    )
    first = math.ceil(start_s / step - 1e-9)
    return [k * step for k in range(first, math.floor(end_s / step + 1e-9) + 1)]


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _tick(value: float) -> str:
    return f"{value:.3g}"


class _Frame:
    """Maps a panel's data to pixels."""

    def __init__(self, top: float, t0: float, t1: float, low: float, high: float) -> None:
        self.top, self.t0, self.t1, self.low, self.high = top, t0, t1, low, high

    def x(self, time_s: float) -> float:
        span = self.t1 - self.t0 or 1.0
        return LEFT_PX + (time_s - self.t0) / span * (WIDTH_PX - LEFT_PX - RIGHT_PX)

    def y(self, value: float) -> float:
        span = self.high - self.low or 1.0
        clamped = min(self.high, max(self.low, value))
        return self.top + PANEL_HEIGHT_PX - (clamped - self.low) / span * PANEL_HEIGHT_PX


def _polylines(frame: _Frame, times: Sequence[float], series: Series) -> list[str]:
    """The series as polylines, broken where it has no value."""
    lines: list[str] = []
    run: list[str] = []
    for index in decimate(series.values):
        value = series.values[index]
        if _finite(value):
            run.append(f"{frame.x(times[index]):.1f},{frame.y(float(value or 0.0)):.1f}")
            continue
        if len(run) > 1:
            lines.append(" ".join(run))
        run = []
    if len(run) > 1:
        lines.append(" ".join(run))
    dash = ' stroke-dasharray="4 3"' if series.dashed else ""
    return [
        f'<polyline points="{points}" fill="none" stroke="{series.colour}" stroke-width="1.4"{dash}/>'
        for points in lines
    ]


def _panel(top: float, times: Sequence[float], panel: _Panel) -> list[str]:
    """One panel: shaded spans, its box and limits, the reference line, the series."""
    ceiling = math.inf if panel.ceiling is None else panel.ceiling
    lines = [
        Series(
            name=line.name,
            values=[None if v is None else min(v, ceiling) for v in line.values],
            colour=line.colour,
            dashed=line.dashed,
        )
        for line in panel.series
    ]
    values = [v for line in lines for v in line.values if v is not None and math.isfinite(v)]
    if panel.reference is not None:
        values.append(panel.reference)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 1.0, high + 1.0
    frame = _Frame(top, times[0], times[-1], low, high)
    parts = [
        f'<rect x="{frame.x(start):.1f}" y="{top:.1f}" width="{max(frame.x(end) - frame.x(start), 1.0):.1f}" '
        f'height="{PANEL_HEIGHT_PX}" fill="{fill}"/>'
        for spans, fill in panel.shades
        for start, end in spans
    ]
    parts.append(
        f'<rect x="{LEFT_PX}" y="{top:.1f}" width="{WIDTH_PX - LEFT_PX - RIGHT_PX}" '
        f'height="{PANEL_HEIGHT_PX}" fill="none" stroke="#999"/>'
    )
    parts.append(f'<text x="{LEFT_PX - 4}" y="{top + 9:.1f}" text-anchor="end">{_tick(high)}</text>')
    parts.append(
        f'<text x="{LEFT_PX - 4}" y="{top + PANEL_HEIGHT_PX:.1f}" text-anchor="end">{_tick(low)}</text>'
    )
    parts.append(
        f'<text x="{LEFT_PX - 4}" y="{top + PANEL_HEIGHT_PX / 2 + 4:.1f}" text-anchor="end" '
        f'fill="#555">{html.escape(panel.unit)}</text>'
    )
    if panel.reference is not None:
        y = frame.y(panel.reference)
        parts.append(
            f'<line x1="{LEFT_PX}" y1="{y:.1f}" x2="{WIDTH_PX - RIGHT_PX}" y2="{y:.1f}" stroke="#e67700" '
            'stroke-dasharray="2 2"/>'
        )
    for line in lines:
        parts.extend(_polylines(frame, times, line))
    return parts


@dataclass(frozen=True, kw_only=True, slots=True)
class _Panel:
    unit: str
    series: tuple[Series, ...]
    shades: tuple[tuple[list[tuple[float, float]], str], ...] = ()
    reference: float | None = None
    """A horizontal line drawn at this value (and kept in range)."""
    ceiling: float | None = None
    """Values above are drawn at the ceiling."""


LEGEND = (
    ("VUT speed", "#1f5fa8"),
    ("target speed", "#777"),
    ("gap", "#2b8a3e"),
    ("TTC", "#7048e8"),
    ("AEB brake demand", "#c92a2a"),
    ("VUT acceleration", "#222"),
    ("lateral offset", "#8f5b2e"),
    ("target detected", DETECTED_FILL),
    ("FCW warning", WARNING_FILL),
)
"""Every line and shade :func:`trace_svg` draws, with its colour (the report prints it once)."""


def trace_svg(trace: RunTrace) -> str:
    """The run's trace as one inline ``<svg>`` element ("" when fewer than two samples)."""
    times = trace.time_s
    if len(times) < 2:
        return ""
    colour = dict(LEGEND)
    detected = (intervals(times, trace.target_detected), DETECTED_FILL)

    def series(name: str, values: Sequence[float | None], dashed: bool = False) -> Series:
        return Series(name=name, values=values[: len(times)], colour=colour[name], dashed=dashed)

    panels = [
        _Panel(
            unit="km/h",
            series=(
                series("VUT speed", trace.vut_speed_kph),
                series("target speed", trace.target_speed_kph, True),
            ),
            shades=(detected,),
        ),
        _Panel(unit="gap m", series=(series("gap", trace.gap_m),), shades=(detected,)),
        _Panel(
            unit="TTC s",
            series=(series("TTC", trace.time_to_collision_s),),
            shades=(detected, (intervals(times, trace.fcw_warning), WARNING_FILL)),
            reference=FCW_TTC_LIMIT_S,
            ceiling=TTC_CEILING_S,
        ),
        _Panel(
            unit="m/s²",
            series=(
                series("AEB brake demand", trace.aeb_brake_demand_mps2),
                series("VUT acceleration", trace.vut_acceleration_mps2),
            ),
            shades=(detected,),
            reference=0.0,
        ),
    ]
    if any(_finite(v) for v in trace.lateral_offset_m):
        panels.append(
            _Panel(
                unit="lateral m", series=(series("lateral offset", trace.lateral_offset_m),), reference=0.0
            )
        )
    height = TOP_PX + len(panels) * (PANEL_HEIGHT_PX + GAP_PX) + BOTTOM_PX
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH_PX} {height}" width="{WIDTH_PX}" '
        f'height="{height}" font-family="sans-serif" font-size="10" role="img">'
    ]
    for index, panel in enumerate(panels):
        top = TOP_PX + index * (PANEL_HEIGHT_PX + GAP_PX)
        parts.extend(_panel(top, times, panel))
    frame = _Frame(0.0, times[0], times[-1], 0.0, 1.0)
    axis_top = height - BOTTOM_PX - GAP_PX
    for tick in time_ticks(times[0], times[-1]):
        x = frame.x(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{axis_top}" x2="{x:.1f}" y2="{axis_top + 4}" stroke="#999"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 5}" text-anchor="middle">{_tick(tick)}</text>')
    parts.append(f'<text x="{WIDTH_PX - RIGHT_PX}" y="{height - 5}" text-anchor="end">s</text>')
    parts.append("</svg>")
    return "".join(parts)
