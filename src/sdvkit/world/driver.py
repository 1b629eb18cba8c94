"""The virtual driver: follows a speed trace (dyno driving) or a path (steering and speed).

Both drivers are independent of the vehicle model: the plant calls ``step`` at every simulation step
with what the driver can observe and applies what it returns.

* :class:`SpeedTraceDriver` returns an acceleration demand (m/s²) that follows a :class:`DriveCycle`:
  feedforward of the trace's acceleration, taken a little ahead (``preview_s``) the way a dyno driver
  reads the trace on the screen, plus PI feedback on the speed error. The driver perceives the
  measured speed ``reaction_time_s`` late and compares it with the trace at that same past moment,
  as on the dyno screen, so the delay costs stability margin but adds no bias.
* :class:`PathFollowingDriver` steers along a polyline of (x, y) points with pure pursuit (look-ahead
  distance growing with speed) and sets a target speed that slows for curves so that the lateral
  acceleration stays under a limit, and an acceleration demand to reach it.

The step paths use plain floats and ``__slots__`` only; they cost a few microseconds.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from sdvkit.world._driver_checks import check_spec, check_step
from sdvkit.world.cycles import DriveCycle
from sdvkit.world.errors import DriverError
from sdvkit.world.path_driver import PathCommand, PathDriverSpec, PathFollowingDriver

__all__ = [
    "PathCommand",
    "PathDriverSpec",
    "PathFollowingDriver",
    "SpeedTraceDriver",
    "SpeedTraceDriverSpec",
    "pedal_positions",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class SpeedTraceDriverSpec:
    """How the speed-trace driver drives. Gains are per unit of speed error (m/s)."""

    kp_per_s: float = 2.0
    """Proportional gain: m/s² of demand per m/s of speed error."""
    ki_per_s2: float = 1.0
    """Integral gain: m/s² of demand per m of accumulated speed error (m/s times s)."""
    preview_s: float = 0.1
    """The feedforward reads the trace's acceleration this far ahead (a dyno driver leads the trace)."""
    reaction_time_s: float = 0.1
    """The driver perceives the measured speed this late; ``kp_per_s × reaction_time_s`` must be below 1."""
    max_accel_mps2: float = 5.0
    """Largest acceleration demand."""
    max_decel_mps2: float = 8.0
    """Largest deceleration demand (positive number)."""
    integral_limit_mps2: float = 3.0
    """The integral term stays within ± this (anti-windup)."""
    standstill_speed_mps: float = 0.05
    """Below this perceived speed, with the trace stopped, the vehicle counts as standing."""
    standstill_brake_mps2: float = 0.5
    """Deceleration demanded while standing (the driver holds the brake); 0 to demand nothing."""

    def __post_init__(self) -> None:
        check_spec(
            self,
            positive=("max_accel_mps2", "max_decel_mps2"),
            non_negative=(
                "kp_per_s",
                "ki_per_s2",
                "preview_s",
                "reaction_time_s",
                "integral_limit_mps2",
                "standstill_speed_mps",
                "standstill_brake_mps2",
            ),
        )
        if self.kp_per_s * self.reaction_time_s >= 1.0:
            raise DriverError(
                f"SpeedTraceDriverSpec: kp_per_s × reaction_time_s = {self.kp_per_s!r} × "
                f"{self.reaction_time_s!r} must stay below 1, or the delayed feedback makes the speed "
                "oscillate; lower the gain"
            )
        if self.standstill_brake_mps2 > self.max_decel_mps2:
            raise DriverError(
                f"SpeedTraceDriverSpec.standstill_brake_mps2 = {self.standstill_brake_mps2!r} exceeds "
                f"max_decel_mps2 = {self.max_decel_mps2!r}"
            )


class SpeedTraceDriver:
    """Follows a drive cycle's speed trace; :meth:`step` returns an acceleration demand in m/s².

    The demand is what the driver asks of the vehicle (the plant turns it into torque and brake); it
    includes no road-load compensation, which the integral term learns.
    """

    __slots__ = (
        "_buffer",
        "_command_mps2",
        "_cycle",
        "_error_mps",
        "_integral_mps2",
        "_last_time_s",
        "_perceived_speed_mps",
        "_spec",
        "_target_speed_mps",
    )

    def __init__(self, cycle: DriveCycle, spec: SpeedTraceDriverSpec | None = None) -> None:
        if not isinstance(cycle, DriveCycle):
            raise DriverError(f"SpeedTraceDriver needs a DriveCycle, got {type(cycle).__name__}")
        self._cycle = cycle
        self._spec = spec if spec is not None else SpeedTraceDriverSpec()
        self._buffer: deque[tuple[float, float]] = deque()
        self.reset()

    def reset(self) -> None:
        """Forget what the driver perceived and learned (a new run)."""
        self._buffer.clear()
        self._integral_mps2 = 0.0
        self._command_mps2 = 0.0
        self._error_mps = 0.0
        self._perceived_speed_mps = 0.0
        self._target_speed_mps = self._cycle.speed_mps[0]
        self._last_time_s = -math.inf

    @property
    def cycle(self) -> DriveCycle:
        """The trace being followed."""
        return self._cycle

    @property
    def spec(self) -> SpeedTraceDriverSpec:
        """The driver's parameters."""
        return self._spec

    @property
    def command_mps2(self) -> float:
        """The last acceleration demand."""
        return self._command_mps2

    @property
    def target_speed_mps(self) -> float:
        """The trace's speed at the last step's time."""
        return self._target_speed_mps

    @property
    def perceived_speed_mps(self) -> float:
        """The measured speed as the driver saw it at the last step (``reaction_time_s`` old)."""
        return self._perceived_speed_mps

    @property
    def speed_error_mps(self) -> float:
        """The perceived speed error (trace minus vehicle) the feedback acted on at the last step."""
        return self._error_mps

    @property
    def integral_mps2(self) -> float:
        """The integral term: what the driver has learned of the road load."""
        return self._integral_mps2

    def step(self, time_s: float, measured_speed_mps: float, dt_s: float) -> float:
        """The acceleration demand (m/s²) at ``time_s``, given the vehicle's speed and the step length.

        Raises :class:`DriverError` for a non-positive ``dt_s``, time going back, or a non-finite speed.
        """
        if not (dt_s > 0.0 and time_s >= self._last_time_s and math.isfinite(measured_speed_mps + time_s)):
            check_step(time_s, self._last_time_s, dt_s, measured_speed_mps=measured_speed_mps)
        self._last_time_s = time_s
        spec = self._spec
        cycle = self._cycle

        # What the driver sees: the newest sample at least reaction_time_s old (or the oldest one).
        buffer = self._buffer
        buffer.append((time_s, measured_speed_mps))
        seen_until_s = time_s - spec.reaction_time_s
        while len(buffer) > 1 and buffer[1][0] <= seen_until_s:
            buffer.popleft()
        seen_time_s, seen_speed_mps = buffer[0]
        self._perceived_speed_mps = seen_speed_mps

        target_mps = cycle.speed_at(time_s)
        self._target_speed_mps = target_mps
        ahead_s = time_s + spec.preview_s
        if (
            target_mps == 0.0
            and seen_speed_mps <= spec.standstill_speed_mps
            and cycle.speed_at(ahead_s) == 0.0
            and cycle.acceleration_at(ahead_s) <= 0.0
        ):
            # Standing with the trace stopped: hold the brake; keep what was learned of the road load.
            self._error_mps = 0.0
            command = -spec.standstill_brake_mps2
            self._command_mps2 = command
            return command

        error = cycle.speed_at(seen_time_s) - seen_speed_mps
        self._error_mps = error
        base = cycle.acceleration_at(ahead_s) + spec.kp_per_s * error
        integral = self._integral_mps2 + spec.ki_per_s2 * error * dt_s
        limit = spec.integral_limit_mps2
        if integral > limit:
            integral = limit
        elif integral < -limit:
            integral = -limit
        command = base + integral
        if command > spec.max_accel_mps2:
            command = spec.max_accel_mps2
            if error > 0.0:  # saturated: integrating would only wind up
                integral = self._integral_mps2
        elif command < -spec.max_decel_mps2:
            command = -spec.max_decel_mps2
            if error < 0.0:
                integral = self._integral_mps2
        self._integral_mps2 = integral
        self._command_mps2 = command
        return command


def pedal_positions(
    demand_mps2: float, *, max_accel_mps2: float, max_decel_mps2: float
) -> tuple[float, float]:
    """An acceleration demand as (accelerator, brake) pedal positions, each in [0, 1], linearly.

    ``max_accel_mps2`` is the demand at full accelerator and ``max_decel_mps2`` (positive) at full
    brake; at most one pedal is pressed.
    """
    if not (max_accel_mps2 > 0.0 and max_decel_mps2 > 0.0) or math.isinf(max_accel_mps2 + max_decel_mps2):
        raise DriverError(
            f"pedal_positions needs positive finite limits, got max_accel_mps2={max_accel_mps2!r}, "
            f"max_decel_mps2={max_decel_mps2!r}"
        )
    if not math.isfinite(demand_mps2):
        raise DriverError(f"demand_mps2 = {demand_mps2!r} is not finite")
    if demand_mps2 >= 0.0:
        return min(demand_mps2 / max_accel_mps2, 1.0), 0.0
    return 0.0, min(-demand_mps2 / max_decel_mps2, 1.0)
