"""The drive cycle: a speed trace over time, with an optional road grade."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from sdvkit.world.errors import CycleError


def _floats(field_name: str, values: Iterable[float]) -> tuple[float, ...]:
    """``values`` as a tuple of floats; anything that is not a number is a :class:`CycleError`."""
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise CycleError(f"{field_name}: not a sequence of numbers ({exc})") from exc


@dataclass(frozen=True, kw_only=True, slots=True)
class DriveCycle:
    """A speed trace: ``speed_mps[i]`` at ``time_s[i]``, linear in between, with a road grade.

    ``grade`` is rise over run (0.05 is a 5 % climb); left empty it is zero everywhere. Time must be
    strictly increasing and may start anywhere (it usually starts at 0). Queries before the first or
    after the last point are clamped to the end values.

    Lookups are O(1) for queries whose time moves forward a little at each call (a simulation
    sampling the cycle), O(log n) otherwise; the instance remembers the last segment as a hint,
    which is the only state it keeps and never changes what a query returns.
    """

    name: str
    time_s: tuple[float, ...]
    speed_mps: tuple[float, ...]
    grade: tuple[float, ...] = ()
    _slope_mps2: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _grade_slope_per_s: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _distance_m: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _hint: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise CycleError(f"a drive cycle needs a non-empty name, got {self.name!r}")
        time_s = _floats("time_s", self.time_s)
        speed_mps = _floats("speed_mps", self.speed_mps)
        grade = _floats("grade", self.grade) if len(self.grade) else (0.0,) * len(time_s)
        n = len(time_s)
        if len(speed_mps) != n or len(grade) != n:
            raise CycleError(
                f"cycle {self.name!r}: time_s, speed_mps and grade must have the same length, "
                f"got {n}, {len(speed_mps)} and {len(grade)}"
            )
        if n < 2:
            raise CycleError(f"cycle {self.name!r}: a drive cycle needs at least 2 points, got {n}")
        for i in range(n):
            t, v, g = time_s[i], speed_mps[i], grade[i]
            if not math.isfinite(t):
                raise CycleError(f"cycle {self.name!r}: time_s[{i}] = {t} is not finite")
            if not math.isfinite(v):
                raise CycleError(f"cycle {self.name!r}: speed_mps[{i}] = {v} is not finite")
            if v < 0.0:
                raise CycleError(f"cycle {self.name!r}: speed_mps[{i}] = {v} is negative")
            if not abs(g) < 1.0:  # also catches NaN
                raise CycleError(f"cycle {self.name!r}: grade[{i}] = {g} is not within (-1, 1) (rise/run)")
            if i and not t > time_s[i - 1]:
                raise CycleError(
                    f"cycle {self.name!r}: time_s[{i}] = {t} does not come after "
                    f"time_s[{i - 1}] = {time_s[i - 1]}; time must be strictly increasing"
                )
        slope: list[float] = []
        grade_slope: list[float] = []
        distance = [0.0]
        for i in range(n - 1):
            dt = time_s[i + 1] - time_s[i]
            slope.append((speed_mps[i + 1] - speed_mps[i]) / dt)
            grade_slope.append((grade[i + 1] - grade[i]) / dt)
            distance.append(distance[-1] + 0.5 * (speed_mps[i] + speed_mps[i + 1]) * dt)
        object.__setattr__(self, "time_s", time_s)
        object.__setattr__(self, "speed_mps", speed_mps)
        object.__setattr__(self, "grade", grade)
        object.__setattr__(self, "_slope_mps2", tuple(slope))
        object.__setattr__(self, "_grade_slope_per_s", tuple(grade_slope))
        object.__setattr__(self, "_distance_m", tuple(distance))
        object.__setattr__(self, "_hint", [0])

    # -- summary figures -------------------------------------------------------------------------

    @property
    def start_time_s(self) -> float:
        """Time of the first point."""
        return self.time_s[0]

    @property
    def end_time_s(self) -> float:
        """Time of the last point."""
        return self.time_s[-1]

    @property
    def duration_s(self) -> float:
        """Time from the first to the last point."""
        return self.time_s[-1] - self.time_s[0]

    @property
    def distance_m(self) -> float:
        """Distance covered by following the trace exactly (trapezoidal: speed is linear in time)."""
        return self._distance_m[-1]

    @property
    def max_speed_mps(self) -> float:
        """Highest speed of the trace."""
        return max(self.speed_mps)

    @property
    def average_speed_mps(self) -> float:
        """Distance over duration, stops included."""
        return self._distance_m[-1] / (self.time_s[-1] - self.time_s[0])

    # -- lookups -----------------------------------------------------------------------------------

    def _segment(self, t_s: float) -> int:
        """Index ``i`` of the segment with ``time_s[i] <= t_s < time_s[i + 1]``; needs an interior ``t_s``."""
        ts = self.time_s
        hint = self._hint
        i = hint[0]
        if ts[i] <= t_s:
            if t_s < ts[i + 1]:
                return i
            i += 1
            if i + 1 < len(ts) and t_s < ts[i + 1]:
                hint[0] = i
                return i
        i = bisect_right(ts, t_s) - 1
        hint[0] = i
        return i

    def _nan(self, t_s: float) -> CycleError:
        return CycleError(f"cycle {self.name!r}: cannot look up time {t_s!r}")

    def speed_at(self, t_s: float) -> float:
        """Speed of the trace at ``t_s``, linearly interpolated; clamped outside the cycle."""
        ts = self.time_s
        if ts[0] < t_s < ts[-1]:
            i = self._segment(t_s)
            return self.speed_mps[i] + self._slope_mps2[i] * (t_s - ts[i])
        if t_s >= ts[-1]:
            return self.speed_mps[-1]
        if t_s <= ts[0]:
            return self.speed_mps[0]
        raise self._nan(t_s)

    def acceleration_at(self, t_s: float) -> float:
        """Slope of the segment holding ``t_s`` (the right one at a point); 0 outside the cycle."""
        ts = self.time_s
        if ts[0] <= t_s < ts[-1]:
            return self._slope_mps2[self._segment(t_s)]
        if t_s >= ts[-1] or t_s < ts[0]:
            return 0.0
        raise self._nan(t_s)

    def grade_at(self, t_s: float) -> float:
        """Grade (rise/run) at ``t_s``, linearly interpolated; clamped outside the cycle."""
        ts = self.time_s
        if ts[0] < t_s < ts[-1]:
            i = self._segment(t_s)
            return self.grade[i] + self._grade_slope_per_s[i] * (t_s - ts[i])
        if t_s >= ts[-1]:
            return self.grade[-1]
        if t_s <= ts[0]:
            return self.grade[0]
        raise self._nan(t_s)

    def distance_at(self, t_s: float) -> float:
        """Distance covered from the start to ``t_s`` following the trace exactly; clamped outside."""
        ts = self.time_s
        if ts[0] < t_s < ts[-1]:
            i = self._segment(t_s)
            dt = t_s - ts[i]
            return self._distance_m[i] + (self.speed_mps[i] + 0.5 * self._slope_mps2[i] * dt) * dt
        if t_s >= ts[-1]:
            return self._distance_m[-1]
        if t_s <= ts[0]:
            return 0.0
        raise self._nan(t_s)
