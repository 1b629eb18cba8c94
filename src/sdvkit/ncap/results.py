"""What one run produced: its figures, its score, and the trace the report plots.

:meth:`PointResult.to_json` gives the object ``sdvkit ncap --json`` writes for each point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sdvkit.ncap.scenario import TestPoint


@dataclass(slots=True)
class RunTrace:
    """Samples of one run at the recording rate (the same length in every list).

    ``gap_m`` is the true bumper-to-box distance to the target, ``time_to_collision_s`` the true
    TTC (None where not closing); ``fcw_warning``/``aeb_brake_demand_mps2`` are what the functions
    published; ``target_detected`` is True while a perception track is associated with the target.
    ``lateral_offset_m`` is the VUT's outer-wheel distance past the line or edge under test, for
    lane-support points (None elsewhere).
    """

    time_s: list[float] = field(default_factory=list)
    vut_speed_kph: list[float] = field(default_factory=list)
    target_speed_kph: list[float] = field(default_factory=list)
    gap_m: list[float | None] = field(default_factory=list)
    time_to_collision_s: list[float | None] = field(default_factory=list)
    fcw_warning: list[bool] = field(default_factory=list)
    aeb_brake_demand_mps2: list[float] = field(default_factory=list)
    vut_acceleration_mps2: list[float] = field(default_factory=list)
    target_detected: list[bool] = field(default_factory=list)
    lateral_offset_m: list[float | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass(kw_only=True, slots=True)
class PointResult:
    """The outcome of one test point."""

    point: TestPoint
    impact: bool
    impact_speed_kph: float
    """Relative speed at impact (0 without impact)."""
    fcw_ttc_s: float | None
    """True TTC when FCW first warned; None when it never warned."""
    aeb_activated: bool
    colour: str
    points: float
    speed_reduction_kph: float = 0.0
    end_lateral_offset_m: float | None = None
    """Lane-support points: how far the outer wheel got past the line or edge (positive: past)."""
    wall_time_s: float = 0.0
    trace: RunTrace = field(default_factory=RunTrace)
    notes: tuple[str, ...] = ()
    fcw_warned: bool = False
    """True when FCW warned at all (``fcw_ttc_s`` is None where no TTC was defined then)."""
    impact_offset_m: float | None = None
    """Lateral offset of the target's centre from the VUT's centre line at impact, positive to
    the left (None without impact)."""

    def to_json(self) -> dict[str, Any]:
        """The point as ``sdvkit ncap --json`` writes it."""
        point = self.point
        return {
            "grid": point.grid,
            "range": point.range.value,
            "scenario": point.label,
            "criterion": point.criterion.value,
            "lighting": point.lighting.value,
            "vut_speed_kph": point.vut_speed_kph,
            "target_speed_kph": point.target_speed_kph,
            "impact_location_pct": point.impact_location_pct,
            "impact": self.impact,
            "impact_speed_kph": round(self.impact_speed_kph, 2),
            "speed_reduction_kph": round(self.speed_reduction_kph, 2),
            "fcw_ttc_s": None if self.fcw_ttc_s is None else round(self.fcw_ttc_s, 3),
            "fcw_warned": self.fcw_warned,
            "aeb_activated": self.aeb_activated,
            "end_lateral_offset_m": None
            if self.end_lateral_offset_m is None
            else round(self.end_lateral_offset_m, 3),
            "impact_offset_m": None if self.impact_offset_m is None else round(self.impact_offset_m, 3),
            "colour": self.colour,
            "points": round(self.points, 4),
            "max_points": round(point.max_points, 4),
            "parameters": dict(point.parameters),
            "notes": list(self.notes),
        }
