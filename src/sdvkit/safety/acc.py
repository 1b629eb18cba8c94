"""Adaptive cruise control with stop and go (ISO 15622 FSRA): hold a speed, or a time gap behind
the vehicle ahead, stop behind it and drive on with it.

:class:`AdaptiveCruiseApp` is the provider of the driver's cruise settings
(``Vehicle.ADAS.CruiseControl.IsEnabled``, ``IsActive``, ``SpeedSet``, ``IsAdaptive`` and
``Adaptive.TimeGapSet``: an HMI actuates them) and publishes ``Adaptive.State``,
``Adaptive.AccelerationRequest`` and the target it follows. States::

    OFF ─(enable)▶ STANDBY ─(activate)▶ CRUISING ◀─▶ FOLLOWING ─(stopped behind it)▶ STOPPED_HOLD
                      ▲                     └── accelerator ──▶ OVERRIDDEN (no request) ──┘
                      └──────── brake pedal, disable, or a fault (FAULT) ────────────────────

- **Target**: the nearest car, truck, motorcycle or cyclist ahead within ``in_path_half_width_m``
  of the ego's predicted path (its yaw-rate arc), moving the ego's way or standing.
- **Control**: the lower of a speed law ``k·(v_set − v)`` and a constant-time-gap law
  ``k_gap·(d − d₀ − τ·v) + k_rel·Δv + k_lead·a_lead`` (openpilot's desired-distance form), then
  ISO 15622's limits: acceleration ≤ ``max_acceleration_mps2``; deceleration ≤ 5 m/s² below
  5 m/s falling linearly to 3.5 m/s² above 20 m/s; jerk ≤ 5 m/s³ below 5 m/s falling to 2.5 m/s³
  above 20 m/s.
- **Stop and go**: behind a stopped target it stops ``standstill_distance_m`` short and holds
  (STOPPED_HOLD); it drives on by itself once the target moves away.

A stationary car a cut-out reveals is braked for within these limits when it is revealed at
least :func:`revealed_stop_distance_m` ahead (about 36 m at 50 km/h); closer, AEB has to help.
It refuses to act on stale inputs and says so: State FAULT, IsError true and
:attr:`AdaptiveCruiseApp.fault` naming the stale input; ``step()`` never raises for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sdvkit.runtime import Input, Manifest, VehicleApp
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.safety.fcw import EGO_MOTION_INPUTS, AccelerationEstimator, perception_if_fresh, read_ego_motion
from sdvkit.safety.perception import CYCLE_COUNTER, PERCEPTION_READS, Perceived, Track
from sdvkit.safety.prediction import (
    EGO_LENGTH_M,
    EGO_WIDTH_M,
    EgoLane,
    EgoMotion,
    PredictionParams,
    ground_velocity_mps,
    lane_of,
    predicted_path,
)

CRUISE = "Vehicle.ADAS.CruiseControl"
ADAPTIVE = f"{CRUISE}.Adaptive"
ACCELERATOR = "Vehicle.Chassis.Accelerator.PedalPosition"
BRAKE = "Vehicle.Chassis.Brake.PedalPosition"
SETTINGS = (
    f"{CRUISE}.IsEnabled",
    f"{CRUISE}.IsActive",
    f"{CRUISE}.SpeedSet",
    f"{CRUISE}.IsAdaptive",
    f"{ADAPTIVE}.TimeGapSet",
)
ACTIVE_STATES = frozenset({"CRUISING", "FOLLOWING", "STOPPED_HOLD"})
"""The states in which ACC's acceleration request is meant for the plant."""
ACC_CLASSES = frozenset({"CAR", "TRUCK", "MOTORCYCLE", "CYCLIST"})


def _within(owner: str, name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not (math.isfinite(value) and low <= value <= high):
        raise SafetyConfigError(f"{owner}: {name} must be within [{low}, {high}], not {value!r}")


def _interpolate(speed_mps: float, low_value: float, high_value: float) -> float:
    """ISO 15622's speed-dependent limits: ``low_value`` below 5 m/s, ``high_value`` above 20 m/s."""
    share = min(max((speed_mps - 5.0) / 15.0, 0.0), 1.0)
    return low_value + share * (high_value - low_value)


def deceleration_limit_mps2(speed_mps: float) -> float:
    """ISO 15622: at most 5 m/s² below 5 m/s, falling linearly to 3.5 m/s² above 20 m/s."""
    return _interpolate(speed_mps, 5.0, 3.5)


def jerk_limit_mps3(speed_mps: float) -> float:
    """ISO 15622: at most 5 m/s³ below 5 m/s, falling linearly to 2.5 m/s³ above 20 m/s."""
    return _interpolate(speed_mps, 5.0, 2.5)


@dataclass(frozen=True, kw_only=True, slots=True)
class AccParams:
    """Every tunable of ACC, in one place."""

    standstill_distance_m: float = 4.0
    """d₀: the gap kept at a standstill, and added to the time gap while driving."""
    max_acceleration_mps2: float = 2.0
    speed_gain_per_s: float = 0.4
    gap_gain_per_s2: float = 0.2
    relative_speed_gain_per_s: float = 0.7
    lead_acceleration_gain: float = 0.5
    kinematic_threshold_mps2: float = 0.5
    """Closing in, the braking that matches the target's speed at the standstill distance is a
    floor once it exceeds this (smaller, the time-gap law alone rules)."""
    stop_approach_deceleration_mps2: float = 1.2
    """Behind a standing target, ACC approaches on the curve that stops at this deceleration..."""
    stop_speed_gain_per_s: float = 1.0
    """... pulled towards it with this gain..."""
    creep_acceleration_mps2: float = 0.3
    """... accelerating towards the target at most this much..."""
    stop_lag_s: float = 0.5
    """... and keeping the distance it covers in this time (the jerk limit, the brakes' lag)."""
    in_path_half_width_m: float = 1.6
    """A target's centre must lie this close to the ego's predicted path (about half a lane)."""
    max_target_range_m: float = 150.0
    classes: frozenset[str] = ACC_CLASSES
    min_existence_pct: float = 60.0
    stopped_speed_mps: float = 0.2
    hold_deceleration_mps2: float = 1.5
    """Asked for in STOPPED_HOLD, to keep the car standing."""
    drive_off_speed_mps: float = 0.5
    """The target drives off once it is this fast..."""
    drive_off_gap_m: float = 1.0
    """... and the gap has grown this much beyond the standstill distance."""
    pedal_threshold_pct: float = 5.0
    """A pedal pressed further than this counts: brake cancels, accelerator overrides."""
    ego_length_m: float = EGO_LENGTH_M
    ego_width_m: float = EGO_WIDTH_M
    prediction: PredictionParams = field(default_factory=PredictionParams)

    def __post_init__(self) -> None:
        owner = "AccParams"
        _within(owner, "standstill_distance_m", self.standstill_distance_m, 1.0, 20.0)
        _within(owner, "max_acceleration_mps2", self.max_acceleration_mps2, 0.1, 4.0)
        for name in (
            "speed_gain_per_s",
            "gap_gain_per_s2",
            "relative_speed_gain_per_s",
            "lead_acceleration_gain",
        ):
            _within(owner, name, getattr(self, name), 0.0, 10.0)
        _within(owner, "kinematic_threshold_mps2", self.kinematic_threshold_mps2, 0.0, 5.0)
        _within(owner, "stop_approach_deceleration_mps2", self.stop_approach_deceleration_mps2, 0.1, 5.0)
        _within(owner, "stop_speed_gain_per_s", self.stop_speed_gain_per_s, 0.0, 10.0)
        _within(owner, "creep_acceleration_mps2", self.creep_acceleration_mps2, 0.0, 2.0)
        _within(owner, "stop_lag_s", self.stop_lag_s, 0.0, 3.0)
        _within(owner, "in_path_half_width_m", self.in_path_half_width_m, 0.5, 5.0)
        _within(owner, "max_target_range_m", self.max_target_range_m, 10.0, 500.0)
        _within(owner, "min_existence_pct", self.min_existence_pct, 0.0, 100.0)
        _within(owner, "stopped_speed_mps", self.stopped_speed_mps, 0.0, 2.0)
        _within(owner, "hold_deceleration_mps2", self.hold_deceleration_mps2, 0.0, 5.0)
        _within(owner, "drive_off_speed_mps", self.drive_off_speed_mps, 0.0, 5.0)
        _within(owner, "drive_off_gap_m", self.drive_off_gap_m, 0.0, 20.0)
        _within(owner, "pedal_threshold_pct", self.pedal_threshold_pct, 0.0, 100.0)


def revealed_stop_distance_m(
    speed_mps: float, params: AccParams = AccParams(), latency_s: float = 0.1
) -> float:
    """How far ahead a stationary car must be revealed for ACC to stop behind it within its limits:
    the jerk-limited ramp to ISO 15622's deceleration limit, the braking, the standstill gap."""
    decel = deceleration_limit_mps2(speed_mps)
    ramp_s = decel / jerk_limit_mps3(speed_mps)
    ramp_m = speed_mps * ramp_s - decel * ramp_s * ramp_s / 6.0
    speed_after_ramp = max(speed_mps - 0.5 * decel * ramp_s, 0.0)
    return speed_mps * latency_s + ramp_m + speed_after_ramp**2 / (2.0 * decel) + params.standstill_distance_m


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    """The vehicle ACC follows."""

    track: Track
    distance_m: float
    speed_mps: float
    """Its speed over the ground along the ego's heading."""
    acceleration_mps2: float


class AdaptiveCruiseApp(VehicleApp):
    """ACC with stop and go on the perception branch; see the module's docstring."""

    name = "acc"

    def __init__(self, params: AccParams | None = None, *, step_period_s: float = 0.02) -> None:
        super().__init__(
            manifest=Manifest(
                reads=(
                    *EGO_MOTION_INPUTS,
                    Input(path=ACCELERATOR, rate_hz=50.0),
                    Input(path=BRAKE, rate_hz=50.0),
                    *PERCEPTION_READS,
                ),
                writes=(*SETTINGS, f"{CRUISE}.IsError", f"{ADAPTIVE}"),
            ),
            step_period_s=step_period_s,
        )
        self.params = params if params is not None else AccParams()
        self.enabled = False
        self.active = False
        self.adaptive = True
        self.speed_set_kmh = 0.0
        self.time_gap_s = 1.8
        self.acc_state = "OFF"
        self._started_s = 0.0
        self.fault = ""
        """Why ACC is unavailable now ("" while it works): the stale inputs, or bad perception."""
        self.target: Target | None = None
        self.request_mps2 = 0.0
        """The acceleration ACC asks for (meant for the plant only in ``ACTIVE_STATES``)."""
        self._accelerations = AccelerationEstimator()

    # -- the driver's settings ---------------------------------------------------------------

    def on_start(self) -> None:
        self._started_s = self.now_s
        outputs = (
            "State",
            "IsTargetDetected",
            "TargetObjectId",
            "TargetDistance",
            "TargetSpeed",
            "AccelerationRequest",
        )
        self.provide((*(f"{ADAPTIVE}.{leaf}" for leaf in outputs), f"{CRUISE}.IsError"))
        self.provide_actuation(SETTINGS, self._on_setting)
        self.publish(
            {
                f"{CRUISE}.IsEnabled": self.enabled,
                f"{CRUISE}.IsActive": self.active,
                f"{CRUISE}.IsAdaptive": self.adaptive,
                f"{CRUISE}.SpeedSet": self.speed_set_kmh,
                f"{ADAPTIVE}.TimeGapSet": self.time_gap_s,
                f"{CRUISE}.IsError": False,
            }
        )
        self._publish()

    def _on_setting(self, requests: list[tuple[str, Any]]) -> None:
        values: dict[str, Any] = {}
        for path, value in requests:
            leaf = path.rsplit(".", 1)[1]
            if leaf == "IsEnabled":
                self.enabled = bool(value)
                if not self.enabled:
                    self.active = False
                    values[f"{CRUISE}.IsActive"] = False
                values[path] = self.enabled
            elif leaf == "IsActive":
                # Activating needs ACC switched on; a set speed of 0 takes the current speed.
                self.active = bool(value) and self.enabled
                if self.active and self.speed_set_kmh <= 0.0:
                    speed = self.get("Vehicle.Speed")
                    self.speed_set_kmh = round(float(speed.value)) if speed is not None else 0.0
                    values[f"{CRUISE}.SpeedSet"] = self.speed_set_kmh
                if self.active:
                    measured = self.get("Vehicle.Acceleration.Longitudinal")
                    self.request_mps2 = min(0.0, float(measured.value)) if measured is not None else 0.0
                values[path] = self.active
            elif leaf == "SpeedSet":
                self.speed_set_kmh = float(value)
                values[path] = self.speed_set_kmh
            elif leaf == "IsAdaptive":
                self.adaptive = bool(value)
                values[path] = self.adaptive
            else:
                self.time_gap_s = float(value)
                values[path] = self.time_gap_s
        self.publish(values)

    def _cancel(self) -> None:
        self.active = False
        self.publish({f"{CRUISE}.IsActive": False})

    # -- the loop --------------------------------------------------------------------------------

    def step(self) -> None:
        seen = perception_if_fresh(self, self._started_s)
        if not isinstance(seen, Perceived):
            if seen:
                self._refuse(seen)
            return
        self.fault = ""
        params = self.params
        ego = read_ego_motion(self, length_m=params.ego_length_m, width_m=params.ego_width_m)
        age_s = self.input_age_s(CYCLE_COUNTER) or 0.0
        self._accelerations.update(seen.cycle, self.now_s - age_s, seen.objects, ego.speed_mps)
        lane = lane_of(seen, self.params.prediction)
        self.target = self.select_target(seen.objects, ego, age_s, lane) if self.adaptive else None
        accelerator, brake = (
            0.0 if dp is None else float(dp.value) for dp in self.get_many((ACCELERATOR, BRAKE))
        )
        if self.active and brake > params.pedal_threshold_pct:
            self._cancel()
        if not self.enabled:
            self.acc_state = "OFF"
        elif not self.active:
            self.acc_state = "STANDBY"
        elif accelerator > params.pedal_threshold_pct:
            self.acc_state = "OVERRIDDEN"
        else:
            self._control(ego)
        if self.acc_state not in ACTIVE_STATES:
            # Out of control, the request follows the car, so taking over again starts smoothly.
            self.request_mps2 = min(ego.acceleration_mps2, params.max_acceleration_mps2)
        self._publish()

    def select_target(
        self, tracks: tuple[Track, ...], ego: EgoMotion, age_s: float = 0.0, lane: EgoLane | None = None
    ) -> Target | None:
        """The nearest vehicle ahead in the ego's predicted path (following ``lane`` where the driver
        does), moving its way or standing."""
        params = self.params
        best: Target | None = None
        path = predicted_path(ego, params.prediction, lane)
        for track in tracks:
            if track.object_class not in params.classes or track.existence_pct < params.min_existence_pct:
                continue
            if not 0.0 < track.longitudinal_m <= params.max_target_range_m:
                continue
            vx, _ = ground_velocity_mps(track, ego.speed_mps)
            if vx < -1.0:
                continue  # oncoming
            if abs(path.offset_m(track.longitudinal_m, track.lateral_m)) > params.in_path_half_width_m:
                continue
            distance = track.longitudinal_m + track.longitudinal_velocity_mps * age_s
            if best is None or distance < best.distance_m:
                best = Target(
                    track=track,
                    distance_m=max(distance, 0.0),
                    speed_mps=vx,
                    acceleration_mps2=self._accelerations.acceleration_mps2(track.id),
                )
        return best

    def _control(self, ego: EgoMotion) -> None:
        params = self.params
        speed = max(ego.speed_mps, 0.0)
        desired = params.speed_gain_per_s * (self.speed_set_kmh / 3.6 - speed)
        target = self.target
        state = "CRUISING"
        if target is not None:
            follow = self._follow(target, speed)
            if follow < desired:
                desired = follow
                state = "FOLLOWING"
            stopped_behind = (
                speed <= params.stopped_speed_mps
                and target.speed_mps < params.drive_off_speed_mps
                and target.distance_m < params.standstill_distance_m + params.drive_off_gap_m
            )
            if stopped_behind or (
                self.acc_state == "STOPPED_HOLD" and target.speed_mps < params.drive_off_speed_mps
            ):
                self.acc_state = "STOPPED_HOLD"
                self.request_mps2 = -params.hold_deceleration_mps2
                return
        self.acc_state = state
        step_s = self.step_period_s or 0.02
        limited = min(max(desired, -deceleration_limit_mps2(speed)), params.max_acceleration_mps2)
        jerk = jerk_limit_mps3(speed) * step_s
        self.request_mps2 = min(max(limited, self.request_mps2 - jerk), self.request_mps2 + jerk)

    def _follow(self, target: Target, speed: float) -> float:
        """The acceleration that keeps the time gap to a moving target, or stops behind a standing
        one at the standstill distance (approaching it on a comfortable braking curve)."""
        params = self.params
        room = max(target.distance_m - params.standstill_distance_m, 0.0)
        if target.speed_mps < params.drive_off_speed_mps:
            # the room left once the request has come through the jerk limit and the brakes
            room = max(room - speed * params.stop_lag_s, 0.0)
            approach = math.sqrt(2.0 * params.stop_approach_deceleration_mps2 * room)
            return min(params.stop_speed_gain_per_s * (approach - speed), params.creep_acceleration_mps2)
        gap_error = room - self.time_gap_s * speed
        follow = (
            params.gap_gain_per_s2 * gap_error
            + params.relative_speed_gain_per_s * (target.speed_mps - speed)
            + params.lead_acceleration_gain * min(target.acceleration_mps2, 0.0)
        )
        if target.speed_mps < speed:
            # Closing in fast: brake at least what matching the target's speed at the standstill
            # distance takes (the time-gap law alone brakes late for a much slower car far ahead).
            needed = -(speed**2 - target.speed_mps**2) / (2.0 * max(room, 0.1))
            if needed < -params.kinematic_threshold_mps2:
                follow = min(follow, needed)
        return follow

    def _publish(self) -> None:
        target = self.target
        values: dict[str, Any] = {
            f"{ADAPTIVE}.State": self.acc_state,
            f"{ADAPTIVE}.AccelerationRequest": min(max(self.request_mps2, -5.0), 4.0),
            f"{ADAPTIVE}.IsTargetDetected": target is not None,
            f"{ADAPTIVE}.TargetObjectId": target.track.id if target is not None else 0,
            f"{CRUISE}.IsError": self.acc_state == "FAULT",
        }
        if target is not None:
            values[f"{ADAPTIVE}.TargetDistance"] = target.distance_m
            values[f"{ADAPTIVE}.TargetSpeed"] = target.speed_mps * 3.6
        self.publish(values)

    def _refuse(self, reason: str) -> None:
        """A fault cancels ACC: once the inputs are back, the driver has to activate it again."""
        self.fault = reason
        if self.active:
            self._cancel()
        self.acc_state = "FAULT"
        self.target = None
        self._publish()
