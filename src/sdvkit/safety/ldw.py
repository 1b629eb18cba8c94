"""Lane departure warning (LDW): warn when a front wheel is about to cross a lane marking.

The warning (``Vehicle.ADAS.LaneDepartureDetection.IsWarning`` and ``WarningSide``) comes on when
the vehicle drifts toward a marking on one side and the outer edge of that side's front tyre is
either less than :attr:`LdwParams.warning_time_to_line_s` from the line at the present lateral
speed, or closer than :attr:`LdwParams.warning_distance_m` (ISO 17361 asks for the warning
within ±0.1 m of the threshold below 0.8 m/s; Euro NCAP's older protocol before the wheel is
0.2 m past the line). It is held at least :attr:`LdwParams.min_warning_s`, so a drift along the
threshold does not flicker.

It stays silent below :attr:`LdwParams.min_speed_kph` (60 km/h, with 3 km/h of hysteresis),
toward a side whose direction indicator is on (an intended lane change), toward a side with no
marking seen, and once the vehicle's centre line has crossed the marking (then the lane has
changed). A stale or inconsistent input sets ``IsError`` and silences the warning; the reason is
in :attr:`LaneDepartureWarningApp.fault`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sdvkit.runtime import Manifest, VehicleApp
from sdvkit.safety.lane_geometry import (
    LANE_FUNCTION_READS,
    EnabledSwitch,
    LaneInputs,
    LaneTracker,
    Side,
    SpeedWindow,
    VehicleGeometry,
    checked,
    sample_lane_inputs,
)

_LDW = "Vehicle.ADAS.LaneDepartureDetection"
IS_ENABLED = f"{_LDW}.IsEnabled"
IS_WARNING = f"{_LDW}.IsWarning"
IS_ERROR = f"{_LDW}.IsError"
WARNING_SIDE = f"{_LDW}.WarningSide"


@dataclass(frozen=True, kw_only=True, slots=True)
class LdwParams:
    """When lane departure warning speaks."""

    min_speed_kph: float = 60.0
    max_speed_kph: float = 200.0
    warning_time_to_line_s: float = 0.5
    warning_distance_m: float = 0.2
    min_outward_speed_mps: float = 0.1
    """Slower drifts do not warn (ISO 17361's lowest test speed across the lane is 0.1 m/s)."""
    min_warning_s: float = 1.0
    vehicle: VehicleGeometry = field(default_factory=VehicleGeometry)

    def __post_init__(self) -> None:
        owner = "LdwParams"
        checked(owner, "min_speed_kph", self.min_speed_kph, 0.0, 250.0)
        checked(owner, "max_speed_kph", self.max_speed_kph, self.min_speed_kph + 1.0, 300.0)
        checked(owner, "warning_time_to_line_s", self.warning_time_to_line_s, 0.0, 5.0)
        checked(owner, "warning_distance_m", self.warning_distance_m, -0.5, 2.0)
        checked(owner, "min_outward_speed_mps", self.min_outward_speed_mps, 0.0, 2.0)
        checked(owner, "min_warning_s", self.min_warning_s, 0.0, 10.0)


class LaneDepartureWarningApp(VehicleApp):
    """Warns of an unintended lane departure toward a marking."""

    name = "lane departure warning"
    step_period_s = 0.05

    def __init__(self, params: LdwParams | None = None, *, name: str | None = None) -> None:
        super().__init__(
            name=name,
            manifest=Manifest(
                reads=LANE_FUNCTION_READS, writes=(IS_ENABLED, IS_WARNING, IS_ERROR, WARNING_SIDE)
            ),
        )
        self.params = params if params is not None else LdwParams()
        self.switch = EnabledSwitch(IS_ENABLED)
        self.tracker = LaneTracker(self.params.vehicle)
        self.speed_window = SpeedWindow(min_kph=self.params.min_speed_kph, max_kph=self.params.max_speed_kph)
        self.warning_side: Side | None = None
        """The side warned about now, or None."""
        self.warning_count = 0
        """How many warnings have started."""
        self.fault: str | None = None
        """Why the function could not act in the last cycle, or None."""
        self._warned_since_s = 0.0

    def on_start(self) -> None:
        self.switch.start(self)
        self._publish()

    def step(self) -> None:
        sampled = sample_lane_inputs(self)
        if isinstance(sampled, str):
            self.fault = sampled
            self.tracker.reset()
            self.warning_side = None
            self._publish()
            return
        self.fault = None
        wanted = self._side_to_warn(sampled)
        now_s = self.now_s
        held = self.warning_side
        if wanted is not None:
            if wanted is not held:
                self.warning_count += 1
                self._warned_since_s = now_s
            self.warning_side = wanted
        elif (
            held is not None
            and now_s - self._warned_since_s < self.params.min_warning_s
            and not sampled.indicates(held)
            and self.speed_window.active
            and self.switch.enabled
        ):
            pass  # hold the warning its minimum time
        else:
            self.warning_side = None
        self._publish()

    def _side_to_warn(self, inputs: LaneInputs) -> Side | None:
        params = self.params
        view = self.tracker.update(inputs.perceived, inputs.speed_mps, self.now_s)
        if not self.speed_window.update(inputs.speed_mps * 3.6) or not self.switch.enabled:
            return None
        half_width = params.vehicle.wheel_outer_half_width_m
        candidates: list[tuple[float, Side]] = []
        for side, marking in view.markings.items():
            outward = view.outward_speed_mps(side)
            if inputs.indicates(side) or outward <= params.min_outward_speed_mps:
                continue
            distance = marking.distance_m
            if distance < -half_width:
                continue  # the centre line is over: the car has changed lanes
            if distance <= params.warning_distance_m or distance / outward <= params.warning_time_to_line_s:
                candidates.append((distance, side))
        return min(candidates)[1] if candidates else None

    def _publish(self) -> None:
        side = self.warning_side
        self.publish(
            {
                IS_WARNING: side is not None,
                WARNING_SIDE: side.value if side is not None else "NONE",
                IS_ERROR: self.fault is not None,
            }
        )
