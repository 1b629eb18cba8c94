"""Lane keeping assist (LKA): steer back when the car drifts over a lane marking, and keep the lane
during driver monitoring's stop in lane.

**Corrective steering.** Between :attr:`LkaParams.min_speed_kph` and ``max_speed_kph`` (60-180 km/h;
Euro NCAP tests LKA at 72 km/h), when the car drifts toward a marking (dashed or solid) on a side
whose indicator is off, and the wheel comes within :attr:`LkaParams.trigger` of the line, LKA
engages (``Vehicle.ADAS.LKA.IsEngaged``) and asks for a steering wheel angle
(``SteeringWheelAngleRequest``) that brings the car back to the lane centre: the
:class:`~sdvkit.safety.lane_geometry.LateralController`, starting from where the wheel is. It lets
go once the wheel is :attr:`LkaParams.release_distance_m` inside the line, no longer moving toward
it and moving away slower than ``release_lateral_speed_mps`` (or after ``max_intervention_s``),
and at once when the driver signals toward the line, switches LKA off or the speed leaves the
range. The outer wheel then stays about 0.1 m inside the line at Euro NCAP's 0.2-0.5 m/s drifts
(the test allows 0.3 m past it).

**Stop in lane.** While ``Vehicle.ADAS.DMS.Escalation.Level`` is ``STOPPING_IN_LANE``, LKA centres
the car in its lane whatever its speed, its switch or the indicators (the stop is the driver
monitoring's minimal-risk manoeuvre; the driver is not steering), with ``IsEngaged`` true; the
arbitration layer passes LKA's request on as the MRM's lateral part.

A stale or inconsistent input sets ``IsError`` and LKA lets go (reason in :attr:`LaneKeepingAssistApp.fault`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sdvkit.runtime import Manifest, VehicleApp
from sdvkit.safety.lane_geometry import (
    LANE_FUNCTION_READS,
    EnabledSwitch,
    InterventionThreshold,
    LaneInputs,
    LaneTracker,
    LaneView,
    LateralController,
    LateralControlParams,
    Side,
    SpeedWindow,
    VehicleGeometry,
    checked,
    track_lane,
)

_LKA = "Vehicle.ADAS.LKA"
IS_ENABLED = f"{_LKA}.IsEnabled"
IS_ENGAGED = f"{_LKA}.IsEngaged"
IS_ERROR = f"{_LKA}.IsError"
STEERING_REQUEST = f"{_LKA}.SteeringWheelAngleRequest"
ESCALATION_LEVEL = "Vehicle.ADAS.DMS.Escalation.Level"


class LkaMode(StrEnum):
    OFF = "OFF"
    """Not steering."""
    CORRECTING = "CORRECTING"
    """Steering back from a marking."""
    STOP_IN_LANE = "STOP_IN_LANE"
    """Centring the car for driver monitoring's stop in lane."""


@dataclass(frozen=True, kw_only=True, slots=True)
class LkaParams:
    """When and how lane keeping assist steers."""

    min_speed_kph: float = 60.0
    max_speed_kph: float = 180.0
    trigger: InterventionThreshold = field(
        default_factory=lambda: InterventionThreshold(
            margin_m=0.15, reaction_s=0.2, planned_lateral_decel_mps2=1.5
        )
    )
    release_distance_m: float = 0.3
    release_lateral_speed_mps: float = 0.1
    max_intervention_s: float = 8.0
    nominal_lane_width_m: float = 3.5
    """Where to steer when only one side's line is seen: half of this inside it."""
    control: LateralControlParams = field(default_factory=LateralControlParams)
    stop_in_lane_control: LateralControlParams = field(
        default_factory=lambda: LateralControlParams(
            natural_frequency_rad_per_s=0.8, max_lateral_accel_mps2=2.0, max_steering_wheel_angle_deg=180.0
        )
    )
    """Gentler centring for the stop in lane (it runs down to standstill)."""
    vehicle: VehicleGeometry = field(default_factory=VehicleGeometry)

    def __post_init__(self) -> None:
        owner = "LkaParams"
        checked(owner, "min_speed_kph", self.min_speed_kph, 0.0, 250.0)
        checked(owner, "max_speed_kph", self.max_speed_kph, self.min_speed_kph + 1.0, 300.0)
        checked(owner, "release_distance_m", self.release_distance_m, -0.5, 2.0)
        checked(owner, "release_lateral_speed_mps", self.release_lateral_speed_mps, 0.0, 2.0)
        checked(owner, "max_intervention_s", self.max_intervention_s, 0.1, 60.0)
        checked(owner, "nominal_lane_width_m", self.nominal_lane_width_m, 2.0, 6.0)


class LaneKeepingAssistApp(VehicleApp):
    """Steers the car back from a lane marking; centres it during a stop in lane."""

    name = "lane keeping assist"
    step_period_s = 0.05

    def __init__(self, params: LkaParams | None = None, *, name: str | None = None) -> None:
        super().__init__(
            name=name,
            manifest=Manifest(
                reads=(*LANE_FUNCTION_READS, ESCALATION_LEVEL),
                writes=(IS_ENABLED, IS_ENGAGED, IS_ERROR, STEERING_REQUEST),
            ),
        )
        self.params = params if params is not None else LkaParams()
        self.switch = EnabledSwitch(IS_ENABLED)
        self.tracker = LaneTracker(self.params.vehicle)
        self.speed_window = SpeedWindow(min_kph=self.params.min_speed_kph, max_kph=self.params.max_speed_kph)
        self.controller = LateralController(self.params.control, self.params.vehicle)
        self.stop_controller = LateralController(self.params.stop_in_lane_control, self.params.vehicle)
        self.mode = LkaMode.OFF
        self.side: Side | None = None
        """The side LKA steers away from while correcting."""
        self.intervention_count = 0
        """How many corrections have started (a stop in lane not counted)."""
        self.fault: str | None = None
        """Why LKA could not act in the last cycle, or None."""
        self._since_s = 0.0

    def on_start(self) -> None:
        self.switch.start(self)
        self._publish(None)

    def step(self) -> None:
        tracked = track_lane(self, self.tracker, self.speed_window)
        if isinstance(tracked, str):
            self.fault = tracked
            self._let_go()
            self._publish(None)
            return
        self.fault = None
        sampled, view, in_window = tracked
        level = self.get(ESCALATION_LEVEL)
        if level is not None and level.value == "STOPPING_IN_LANE":
            self._publish(self._keep_lane_for_stop(view, sampled))
            return
        if self.mode is LkaMode.STOP_IN_LANE:
            self._let_go()
        if self.mode is LkaMode.CORRECTING and self._should_release(view, sampled, in_window):
            self._let_go()
        if self.mode is LkaMode.OFF and in_window and self.switch.enabled:
            self._maybe_engage(view, sampled)
        if self.mode is LkaMode.CORRECTING:
            target = view.target_offset_m(
                away_from=self.side, nominal_lane_width_m=self.params.nominal_lane_width_m
            )
            if target is not None:
                self._publish(self.controller.steer(view, target, self.step_period_s or 0.05))
                return
            self._let_go()
        self._publish(None)

    # -- decisions ------------------------------------------------------------------------------

    def _maybe_engage(self, view: LaneView, inputs: LaneInputs) -> None:
        candidates = [
            (marking.distance_m, side)
            for side, marking in view.markings.items()
            if not inputs.indicates(side)
            and self.params.trigger.triggers(marking.distance_m, view.outward_speed_mps(side))
        ]
        if candidates:
            self.side = min(candidates)[1]
            self.mode = LkaMode.CORRECTING
            self.intervention_count += 1
            self._since_s = self.now_s
            self.controller.reset(inputs.steering_wheel_deg)

    def _should_release(self, view: LaneView, inputs: LaneInputs, in_window: bool) -> bool:
        side = self.side
        assert side is not None
        params = self.params
        marking = view.markings.get(side)
        settled = (
            marking is not None
            and marking.distance_m >= params.release_distance_m
            and -params.release_lateral_speed_mps <= view.outward_speed_mps(side) <= 0.0
        )
        return (
            settled
            or marking is None
            or not in_window
            or not self.switch.enabled
            or inputs.indicates(side)
            or self.now_s - self._since_s >= params.max_intervention_s
        )

    def _keep_lane_for_stop(self, view: LaneView, inputs: LaneInputs) -> float | None:
        target = view.target_offset_m(away_from=None, nominal_lane_width_m=self.params.nominal_lane_width_m)
        if target is None:
            self._let_go()
            return None
        if self.mode is not LkaMode.STOP_IN_LANE:
            self.mode = LkaMode.STOP_IN_LANE
            self.side = None
            self.stop_controller.reset(inputs.steering_wheel_deg)
        return self.stop_controller.steer(view, target, self.step_period_s or 0.05)

    def _let_go(self) -> None:
        self.mode = LkaMode.OFF
        self.side = None

    def _publish(self, request_deg: float | None) -> None:
        self.publish(
            {
                IS_ENGAGED: request_deg is not None,
                STEERING_REQUEST: request_deg if request_deg is not None else 0.0,
                IS_ERROR: self.fault is not None,
            }
        )
