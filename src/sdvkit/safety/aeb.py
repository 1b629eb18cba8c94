"""Autonomous emergency braking: brake for cars, trucks, motorcycles, cyclists and pedestrians.

:class:`EmergencyBrakingApp` predicts the collisions with confirmed, plausible tracks
(:mod:`sdvkit.safety.prediction`: the ego on its path, following its lane where the driver does,
each object at its ground velocity, vehicles keeping to their lanes) and the
deceleration that would avoid each, were braking to start once the brakes have built up
(``build_up_s``: the plant's 0.1 s dead time, its jerk-limited ramp and a cycle of latency). It
stages its intervention on that deceleration::

    STANDBY ─▶ PREFILL ─▶ PARTIAL_BRAKING (-4 m/s²) ─▶ FULL_BRAKING (-10 m/s²) ─▶ STANDSTILL_HOLD
                 └──────────────┴────────── threat gone ─────────┘        hold over ─▶ STANDBY

- PREFILL (no deceleration yet) once avoiding would take ``prefill_trigger_mps2``;
- PARTIAL_BRAKING once it takes ``partial_trigger_mps2``, FULL_BRAKING once it takes
  ``full_trigger_mps2`` or the partial braking is not enough; the plant limits the deceleration
  by the road's µ;
- a walker (pedestrian, animal) beside the path, predicted to walk into it, may yet stop at the
  kerb or turn: FULL_BRAKING once avoiding it takes ``walker_trigger_mps2``, as late as braking
  still avoids it, and no partial stage; once in the path, it is braked for like any target;
- where no braking avoids the collision (head-on), FULL_BRAKING within ``mitigation_ttc_s`` of
  the impact, to take speed off;
- while braking, the threat is judged as if the braking stopped now, so it lasts until the ego
  has matched the object's speed or the object has left the path; a target whose track is lost
  meanwhile (hidden behind a parked car) is kept, moving on at its last velocity, for
  ``lost_target_memory_s``; at a standstill STANDSTILL_HOLD holds the car ``hold_s``.

All thresholds scale by ``distracted_scale`` while driver monitoring reports a distracted driver
(it brakes earlier). False activations are kept out by requiring a track of a target class with
a high existence probability, seen in ``confirm_cycles`` consecutive perception cycles, and an
actual overlap with the ego's predicted box (pedestrians and cyclists at their plausible speeds).
An unclassified track (only a radar sees it, and not as car-sized: a cyclist crossing from the
side, outside the camera's view) is a target only while it moves at ``unknown_min_speed_mps``.

It publishes ``Vehicle.ADAS.AEB.*``: AccelerationRequest (≤ 0), State, IsEngaged, TargetClass,
TargetObjectId, TimeToCollision, IsError. It refuses to act on stale inputs and says so: State
FAULT, IsError true, :attr:`EmergencyBrakingApp.fault` naming the stale input; ``step()`` never
raises for it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from sdvkit.runtime import Input, Manifest, VehicleApp
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.safety.fcw import (
    DISTRACTED,
    EGO_MOTION_INPUTS,
    AccelerationEstimator,
    TrackAges,
    assumed_deceleration_mps2,
    perception_if_fresh,
    read_ego_motion,
)
from sdvkit.safety.perception import CYCLE_COUNTER, PERCEPTION_READS, Perceived, Track
from sdvkit.safety.prediction import (
    EGO_LENGTH_M,
    EGO_WIDTH_M,
    Collision,
    EgoMotion,
    PredictionParams,
    ground_velocity_mps,
    lane_of,
    predict_collisions,
)

AEB = "Vehicle.ADAS.AEB"
ACCELERATOR = "Vehicle.Chassis.Accelerator.PedalPosition"
COMMANDED_ACCELERATION = "Vehicle.Sdvkit.MotionControl.Longitudinal.AccelerationRequest"
COMMANDED_SOURCE = "Vehicle.Sdvkit.MotionControl.Longitudinal.Source"

AEB_CLASSES = frozenset({"CAR", "TRUCK", "MOTORCYCLE", "CYCLIST", "PEDESTRIAN", "UNKNOWN"})
"""What AEB brakes for; an UNKNOWN (radar-only) object only while it moves (``unknown_min_speed_mps``)."""
WALKER_CLASSES = frozenset({"PEDESTRIAN", "ANIMAL"})
BRAKING_STATES = frozenset({"PARTIAL_BRAKING", "FULL_BRAKING", "STANDSTILL_HOLD"})
"""The states in which AEB requests a deceleration (IsEngaged)."""


def _within(owner: str, name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not (math.isfinite(value) and low <= value <= high):
        raise SafetyConfigError(f"{owner}: {name} must be within [{low}, {high}], not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class AebParams:
    """Every tunable of AEB, in one place."""

    classes: frozenset[str] = AEB_CLASSES
    unknown_min_speed_mps: float = 2.0
    """An unclassified object (only a radar sees it, and not as car-sized: a cyclist crossing
    from the side, outside the camera's view) is braked for only while it moves over the ground at
    least this fast. A moving radar target is a road user; a standing or walking-pace one may be
    clutter (a drink can, a manhole cover), and braking for it waits for the camera's class."""
    walker_classes: frozenset[str] = WALKER_CLASSES
    walker_trigger_mps2: float = 7.0
    """A walker beside the path, predicted to walk into it, can still stop at the kerb or turn
    within a step. AEB brakes for one only once avoiding it would take this much, and then fully:
    as late as braking still avoids it on a dry road (about 9 m/s², less a margin for the noise of
    the walker's track), so that one who stops short is not braked for. Once in the path, a walker
    is braked for like any target."""
    min_existence_pct: float = 80.0
    confirm_cycles: int = 3
    """Consecutive perception cycles a track must have been seen in before AEB acts on it."""
    trigger_cycles: int = 2
    """Consecutive perception cycles a braking threat must last before AEB brakes."""
    build_up_s: float = 0.3
    """From a decision to the full deceleration: brake dead time, jerk-limited ramp, latency."""
    prefill_trigger_mps2: float = 3.0
    partial_trigger_mps2: float = 4.0
    partial_deceleration_mps2: float = 4.0
    full_trigger_mps2: float = 5.5
    full_deceleration_mps2: float = 10.0
    """Asked for in FULL_BRAKING; the plant delivers what the tyres allow (≈ 0.93·µ·g)."""
    escalation_margin_mps2: float = 0.5
    """PARTIAL_BRAKING escalates once avoiding needs this much more than it brakes with."""
    mitigation_ttc_s: float = 1.0
    """Where no braking avoids a collision, brake fully this close to it (speed reduction)."""
    standstill_speed_mps: float = 0.5
    """Braking this slow, AEB holds the car (STANDSTILL_HOLD) rather than let it creep on."""
    lost_target_memory_s: float = 1.0
    """A target AEB brakes for is kept this long after sensing has lost it (its track's existence
    sinking while it is unseen, or the track gone: a cyclist hidden behind the parked car it comes
    out from, Euro NCAP CBNAO), moving on at its last velocity: it has not gone away."""
    release_horizon_s: float = 10.0
    release_cycles: int = 3
    """Braking ends once, coasting, no collision has been predicted for this many perception
    cycles in a row (the ego is slower than the object, or the object has left the path)."""
    hold_deceleration_mps2: float = 3.0
    hold_s: float = 2.0
    distracted_scale: float = 0.8
    """Thresholds are multiplied by this while the driver is distracted (AEB acts sooner)."""
    min_speed_mps: float = 1.4
    """Below about 5 km/h AEB does not start braking."""
    max_speed_mps: float = 50.0
    override_accelerator_pct: float = 90.0
    """A kick-down overrides AEB: the driver means to go."""
    ego_length_m: float = EGO_LENGTH_M
    ego_width_m: float = EGO_WIDTH_M
    prediction: PredictionParams = field(default_factory=lambda: PredictionParams(horizon_s=3.0))

    def __post_init__(self) -> None:
        owner = "AebParams"
        _within(owner, "min_existence_pct", self.min_existence_pct, 0.0, 100.0)
        _within(owner, "build_up_s", self.build_up_s, 0.0, 2.0)
        _within(owner, "partial_deceleration_mps2", self.partial_deceleration_mps2, 0.5, 12.0)
        _within(
            owner, "full_deceleration_mps2", self.full_deceleration_mps2, self.partial_deceleration_mps2, 12.0
        )
        _within(owner, "prefill_trigger_mps2", self.prefill_trigger_mps2, 0.0, 12.0)
        _within(owner, "partial_trigger_mps2", self.partial_trigger_mps2, self.prefill_trigger_mps2, 12.0)
        _within(owner, "full_trigger_mps2", self.full_trigger_mps2, self.partial_trigger_mps2, 12.0)
        _within(owner, "walker_trigger_mps2", self.walker_trigger_mps2, self.prefill_trigger_mps2, 12.0)
        _within(owner, "unknown_min_speed_mps", self.unknown_min_speed_mps, 0.0, 50.0)
        _within(owner, "lost_target_memory_s", self.lost_target_memory_s, 0.0, 10.0)
        _within(owner, "escalation_margin_mps2", self.escalation_margin_mps2, 0.0, 5.0)
        _within(owner, "mitigation_ttc_s", self.mitigation_ttc_s, 0.0, 5.0)
        _within(owner, "standstill_speed_mps", self.standstill_speed_mps, 0.0, 5.0)
        _within(owner, "release_horizon_s", self.release_horizon_s, self.prediction.horizon_s, 30.0)
        _within(owner, "hold_deceleration_mps2", self.hold_deceleration_mps2, 0.0, 12.0)
        _within(owner, "hold_s", self.hold_s, 0.0, 60.0)
        _within(owner, "distracted_scale", self.distracted_scale, 0.1, 1.0)
        _within(owner, "min_speed_mps", self.min_speed_mps, 0.0, self.max_speed_mps)
        _within(owner, "max_speed_mps", self.max_speed_mps, 1.0, 100.0)
        _within(owner, "override_accelerator_pct", self.override_accelerator_pct, 0.0, 100.0)
        for name in ("confirm_cycles", "trigger_cycles", "release_cycles"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
                raise SafetyConfigError(f"{owner}: {name} must be an integer 1-20, not {value!r}")
        if not self.classes:
            raise SafetyConfigError(f"{owner}: classes must name at least one object class")


@dataclass(frozen=True, kw_only=True, slots=True)
class _Remembered:
    """The target AEB brakes for, as last seen."""

    track: Track
    seen_at_s: float
    ego_speed_mps: float


@dataclass(frozen=True, kw_only=True, slots=True)
class _Threat:
    collision: Collision
    level: str
    """The stage this threat calls for: STANDBY, PREFILL, PARTIAL_BRAKING or FULL_BRAKING."""


_LEVELS = ("STANDBY", "PREFILL", "PARTIAL_BRAKING", "FULL_BRAKING")


class EmergencyBrakingApp(VehicleApp):
    """AEB on the perception branch; see the module's docstring."""

    name = "aeb"

    def __init__(self, params: AebParams | None = None, *, step_period_s: float = 0.02) -> None:
        super().__init__(
            manifest=Manifest(
                reads=(
                    *EGO_MOTION_INPUTS,
                    Input(path=ACCELERATOR, rate_hz=50.0),
                    *PERCEPTION_READS,
                    DISTRACTED,
                    COMMANDED_ACCELERATION,
                    COMMANDED_SOURCE,
                ),
                writes=(AEB,),
            ),
            step_period_s=step_period_s,
        )
        self.params = params if params is not None else AebParams()
        self.enabled = True
        self.aeb_state = "STANDBY"
        self._started_s = 0.0
        self.fault = ""
        """Why AEB is unavailable now ("" while it works): the stale inputs, or bad perception."""
        self.target: Collision | None = None
        self.activations = 0
        """How many times AEB started braking (PARTIAL or FULL from a non-braking state)."""
        self.first_braking_ttc_s: float | None = None
        """The time to collision when AEB first started braking."""
        self._ages = TrackAges()
        self._accelerations = AccelerationEstimator()
        self._release_prediction = dataclasses.replace(
            self.params.prediction, horizon_s=self.params.release_horizon_s
        )
        self._memory: _Remembered | None = None
        self._calm_cycles = 0
        self._trigger_cycles = 0
        self._last_cycle: int | None = None
        self._hold_since_s = 0.0

    def on_start(self) -> None:
        self._started_s = self.now_s
        self.provide(
            tuple(
                f"{AEB}.{leaf}"
                for leaf in (
                    "IsEngaged",
                    "IsError",
                    "State",
                    "TargetClass",
                    "TargetObjectId",
                    "TimeToCollision",
                    "AccelerationRequest",
                )
            )
        )
        self.provide_actuation(f"{AEB}.IsEnabled", self._on_enabled)
        self.publish({f"{AEB}.IsEnabled": True})
        self._publish()

    def _on_enabled(self, requests: list[tuple[str, Any]]) -> None:
        for path, value in requests:
            self.enabled = bool(value)
            self.publish({path: self.enabled})

    @property
    def request_mps2(self) -> float:
        """The acceleration AEB asks for in its current state (0 while it does not brake)."""
        params = self.params
        return {
            "PARTIAL_BRAKING": -params.partial_deceleration_mps2,
            "FULL_BRAKING": -params.full_deceleration_mps2,
            "STANDSTILL_HOLD": -params.hold_deceleration_mps2,
        }.get(self.aeb_state, 0.0)

    # -- the loop --------------------------------------------------------------------------------

    def step(self) -> None:
        seen = perception_if_fresh(self, self._started_s)
        if not isinstance(seen, Perceived):
            if seen:
                self._refuse(seen)
            return
        self.fault = ""
        if not self.enabled:
            self.aeb_state = "OFF"
            self._publish()
            return
        if self.aeb_state in ("OFF", "FAULT"):
            self.aeb_state = "STANDBY"
        params = self.params
        ego = read_ego_motion(self, length_m=params.ego_length_m, width_m=params.ego_width_m)
        age_s = self.input_age_s(CYCLE_COUNTER) or 0.0
        threat, calm = self._assess(seen, ego, age_s)
        self._transition(threat, calm, ego, seen.cycle, age_s)
        self._publish(age_s=age_s)

    def _scale(self) -> float:
        distracted = self.get(DISTRACTED)
        return self.params.distracted_scale if distracted is not None and distracted.value is True else 1.0

    def _assess(self, seen: Perceived, ego: EgoMotion, age_s: float) -> tuple[_Threat | None, bool]:
        """The most urgent threat, and whether the ego, coasting, would meet nothing at all."""
        params = self.params
        self._ages.update(seen.cycle, seen.objects)
        self._accelerations.update(seen.cycle, self.now_s - age_s, seen.objects, ego.speed_mps)
        confirmed = tuple(
            track
            for track in seen.objects
            if track.object_class in params.classes
            and track.existence_pct >= params.min_existence_pct
            and self._ages.age(track.id) >= params.confirm_cycles
            and (track.object_class != "UNKNOWN" or self._moving(track, ego))
        )
        confirmed += self._remembered(seen, confirmed, ego, age_s)
        common: dict[str, Any] = {
            "delay_s": params.build_up_s + age_s,
            "object_accelerations": self._accelerations.as_mapping(),
            "lane": lane_of(seen, params.prediction),
        }
        calm = True
        if self.aeb_state in BRAKING_STATES:
            # Escalate on what the braking asked for achieves; release once, were it let go now,
            # there would be no collision at all (the ego slower, the object out of the path).
            assumed = min(self.request_mps2, ego.acceleration_mps2)
            coasting = predict_collisions(
                confirmed, ego, params=self._release_prediction, assumed_acceleration_mps2=0.0, **common
            )
            calm = not any(item.required_deceleration_mps2 > 0.0 for item in coasting)
        else:
            # At the deceleration the ego already has or is commanded: a function braking enough
            # (ACC stopping for a revealed car) keeps AEB quiet.
            assumed = assumed_deceleration_mps2(self, ego.acceleration_mps2)
        collisions = predict_collisions(
            confirmed, ego, params=params.prediction, assumed_acceleration_mps2=assumed, **common
        )
        scale = self._scale()
        best: _Threat | None = None
        for collision in collisions:
            level = self._level(collision, scale, age_s)
            candidate = _Threat(collision=collision, level=level)
            if best is None or _LEVELS.index(level) > _LEVELS.index(best.level):
                best = candidate
        return best, calm

    def _remembered(
        self, seen: Perceived, confirmed: tuple[Track, ...], ego: EgoMotion, age_s: float
    ) -> tuple[Track, ...]:
        """While braking, the target braked for, should its track have lost its confidence or
        gone (hidden behind a parked car as it passes it): as published, or moved on at its last
        velocity over the ground, for up to ``lost_target_memory_s``."""
        memory = self._memory
        if self.aeb_state not in BRAKING_STATES or self.target is None:
            self._memory = None
            return ()
        target_id = self.target.track.id
        seen_at_s = self.now_s - age_s
        if any(track.id == target_id for track in confirmed):
            track = next(track for track in confirmed if track.id == target_id)
            self._memory = _Remembered(track=track, seen_at_s=seen_at_s, ego_speed_mps=ego.speed_mps)
            return ()
        published = next((track for track in seen.objects if track.id == target_id), None)
        if published is not None:
            self._memory = _Remembered(track=published, seen_at_s=seen_at_s, ego_speed_mps=ego.speed_mps)
            return (published,)
        if memory is None or memory.track.id != target_id:
            return ()
        elapsed = seen_at_s - memory.seen_at_s
        if elapsed > self.params.lost_target_memory_s:
            return ()
        last = memory.track
        ground_vx = last.longitudinal_velocity_mps + memory.ego_speed_mps
        travelled = 0.5 * (memory.ego_speed_mps + ego.speed_mps) * elapsed
        return (
            dataclasses.replace(
                last,
                longitudinal_m=last.longitudinal_m + ground_vx * elapsed - travelled,
                lateral_m=last.lateral_m + last.lateral_velocity_mps * elapsed,
                longitudinal_velocity_mps=ground_vx - ego.speed_mps,
            ),
        )

    def _moving(self, track: Track, ego: EgoMotion) -> bool:
        vx, vy = ground_velocity_mps(track, ego.speed_mps)
        return math.hypot(vx, vy) >= self.params.unknown_min_speed_mps

    def _level(self, collision: Collision, scale: float, age_s: float) -> str:
        params = self.params
        required = collision.required_deceleration_mps2
        if math.isinf(required):
            ttc = collision.time_to_collision_s - age_s
            if ttc <= params.mitigation_ttc_s / scale:
                return "FULL_BRAKING"
            return "PREFILL" if ttc <= 2.0 * params.mitigation_ttc_s / scale else "STANDBY"
        if collision.track.object_class in params.walker_classes and collision.clearance_m > 0.0:
            if required >= params.walker_trigger_mps2 * scale:
                return "FULL_BRAKING"
            return "PREFILL" if required >= params.prefill_trigger_mps2 * scale else "STANDBY"
        if required >= params.full_trigger_mps2 * scale:
            return "FULL_BRAKING"
        if (
            self.aeb_state == "PARTIAL_BRAKING"
            and required > params.partial_deceleration_mps2 + params.escalation_margin_mps2
        ):
            return "FULL_BRAKING"
        if required >= params.partial_trigger_mps2 * scale:
            return "PARTIAL_BRAKING"
        if required >= params.prefill_trigger_mps2 * scale:
            return "PREFILL"
        return "STANDBY"

    def _transition(
        self, threat: _Threat | None, calm: bool, ego: EgoMotion, cycle: int, age_s: float
    ) -> None:
        """The state machine of the module's docstring, one step."""
        params = self.params
        now = self.now_s
        accelerator = self.get(ACCELERATOR)
        if accelerator is not None and float(accelerator.value) >= params.override_accelerator_pct:
            self.aeb_state = "STANDBY"  # the driver overrides
            self.target = None
            return
        level = "STANDBY" if threat is None else threat.level
        new_cycle = cycle != self._last_cycle
        self._last_cycle = cycle
        state = self.aeb_state
        if state == "STANDSTILL_HOLD":
            if now - self._hold_since_s >= params.hold_s:
                self.aeb_state = "STANDBY"
            return
        if state in ("PARTIAL_BRAKING", "FULL_BRAKING"):
            if ego.speed_mps <= params.standstill_speed_mps:
                self.aeb_state = "STANDSTILL_HOLD"
                self._hold_since_s = now
                return
            if new_cycle:
                self._calm_cycles = self._calm_cycles + 1 if calm else 0
            if self._calm_cycles >= params.release_cycles:
                self.aeb_state = "STANDBY"
                self._calm_cycles = 0
                return
            if state == "PARTIAL_BRAKING" and level == "FULL_BRAKING":
                self.aeb_state = "FULL_BRAKING"
            if threat is not None:
                self.target = threat.collision
            return
        self._calm_cycles = 0
        if not params.min_speed_mps <= ego.speed_mps <= params.max_speed_mps:
            self.aeb_state = "STANDBY"
            self.target = None
            return
        braking = level in ("PARTIAL_BRAKING", "FULL_BRAKING")
        if new_cycle:
            self._trigger_cycles = self._trigger_cycles + 1 if braking else 0
        if braking and self._trigger_cycles < params.trigger_cycles:
            level = "PREFILL"  # not yet: one noisy cycle does not brake the car
        self.aeb_state = level
        self.target = None if threat is None else threat.collision
        if level in ("PARTIAL_BRAKING", "FULL_BRAKING"):
            self.activations += 1
            if self.first_braking_ttc_s is None and threat is not None:
                self.first_braking_ttc_s = threat.collision.time_to_collision_s - age_s

    def _publish(self, *, age_s: float = 0.0) -> None:
        target = self.target
        values: dict[str, Any] = {
            f"{AEB}.State": self.aeb_state,
            f"{AEB}.IsEngaged": self.aeb_state in BRAKING_STATES,
            f"{AEB}.IsError": self.aeb_state == "FAULT",
            f"{AEB}.AccelerationRequest": self.request_mps2,
            f"{AEB}.TargetObjectId": target.track.id if target is not None else 0,
        }
        if target is not None:
            values[f"{AEB}.TargetClass"] = target.track.object_class
            values[f"{AEB}.TimeToCollision"] = max(0.0, target.time_to_collision_s - age_s)
        self.publish(values)

    def _refuse(self, reason: str) -> None:
        self.fault = reason
        self.aeb_state = "FAULT"
        self.target = None
        self._publish()
