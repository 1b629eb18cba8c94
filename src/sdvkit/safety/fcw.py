"""Forward collision warning: warn while the driver, reacting now, would have to brake hard.

Every perception cycle :class:`ForwardCollisionWarningApp` predicts the collisions ahead
(:mod:`sdvkit.safety.prediction`) with the ego keeping its current deceleration (the measured one,
or the deceleration an automated function commands, whichever is harder), so there is no warning
while the current braking is enough (ACC stopping for a car a cut-out reveals). A collision is
warned about when, after the driver's reaction time, avoiding it would take more than a
comfortable-hard deceleration: ISO 15623's model of a warning, with openpilot's "even its
limited braking would not avoid it" in mind.

What it warns about: every class, an unclassified radar-only track too (at night the camera
makes out a pedestrian only some 30 m ahead); pedestrians, animals and unclassified objects only
while they are in the ego's path (``in_path_classes``: a walker beside the road may stop at the
kerb). While AEB brakes, the threat is judged as if it did not (``warn_through_sources``): the
driver is warned while AEB acts.

The reaction time is ``reaction_time_s``, shifted by ``Vehicle.ADAS.FCW.Sensitivity`` (EARLY
warns sooner) and lengthened while ``Vehicle.ADAS.DMS.DriverState.IsDistracted`` says the driver
looks away (Euro NCAP's driver-state-linked forward support: warn earlier).

It publishes ``Vehicle.ADAS.FCW.*`` (IsWarning, TimeToCollision, TargetObjectId, IsError) and the
standard ``Vehicle.ADAS.ObstacleDetection.Front.Center.*`` (the most relevant object ahead:
distance and time to collision). It refuses to warn on stale inputs and says so: IsError true and
:attr:`~ForwardCollisionWarningApp.fault` naming the stale input; ``step()`` never raises for it.

The module also holds what the three forward functions (FCW, AEB, ACC) share beyond the pure
geometry of :mod:`sdvkit.safety.prediction`: their rated ego inputs and how they read them
(:data:`EGO_MOTION_INPUTS`, :func:`read_ego_motion`, :func:`input_fault`,
:func:`perception_if_fresh`), the tracks' histories (:class:`TrackAges`,
:class:`AccelerationEstimator`) and the deceleration the ego is taken to keep
(:func:`assumed_deceleration_mps2`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sdvkit.runtime import Input, Manifest, VehicleApp
from sdvkit.safety.errors import PerceptionError, SafetyConfigError
from sdvkit.safety.perception import CYCLE_COUNTER, PERCEPTION_READS, Perceived, Track, read_perception
from sdvkit.safety.prediction import (
    EGO_LENGTH_M,
    EGO_WIDTH_M,
    Collision,
    EgoLane,
    EgoMotion,
    PredictionParams,
    ground_velocity_mps,
    lane_of,
    predict_collisions,
    predicted_path,
)

FCW = "Vehicle.ADAS.FCW"
OBSTACLE = "Vehicle.ADAS.ObstacleDetection.Front.Center"
DISTRACTED = "Vehicle.ADAS.DMS.DriverState.IsDistracted"
COMMANDED_ACCELERATION = "Vehicle.Sdvkit.MotionControl.Longitudinal.AccelerationRequest"
COMMANDED_SOURCE = "Vehicle.Sdvkit.MotionControl.Longitudinal.Source"

FORWARD_CLASSES = frozenset(
    {"CAR", "TRUCK", "MOTORCYCLE", "CYCLIST", "PEDESTRIAN", "ANIMAL", "STATIC_OBSTACLE", "UNKNOWN"}
)
"""What FCW warns about: every road user and obstacle, and an object only the radar sees (at night
a pedestrian far ahead is UNKNOWN until the camera makes it out, too late to warn)."""
IN_PATH_CLASSES = frozenset({"PEDESTRIAN", "ANIMAL", "UNKNOWN"})
"""Objects FCW warns about only while they are in the ego's path (see :class:`FcwParams`)."""


# -- shared by the forward functions (FCW, AEB, ACC): the ego's inputs, track histories -------------


class AccelerationEstimator:
    """Each track's acceleration over the ground, from its speed's change between cycles.

    ``update`` once per perception cycle (a repeated cycle is ignored); tracks that disappear are
    forgotten. A first-order filter (``time_constant_s``) smooths the differences, and estimates
    within ``deadband_mps2`` of zero read as zero (a tracker's speed noise is no braking). A new
    track's first ``settle_cycles`` differences are not used: its velocity is still converging from
    the first detections (a cyclist's read as braking at 5 m/s² while its track settled).
    """

    def __init__(
        self,
        *,
        time_constant_s: float = 0.15,
        max_gap_s: float = 0.5,
        deadband_mps2: float = 1.0,
        settle_cycles: int = 4,
    ) -> None:
        _positive("AccelerationEstimator", "time_constant_s", time_constant_s, 5.0)
        _positive("AccelerationEstimator", "max_gap_s", max_gap_s, 5.0)
        _positive("AccelerationEstimator", "deadband_mps2", deadband_mps2, 10.0)
        if isinstance(settle_cycles, bool) or not 0 <= settle_cycles <= 100:
            raise SafetyConfigError(
                f"AccelerationEstimator: settle_cycles must be 0-100, not {settle_cycles!r}"
            )
        self.time_constant_s = time_constant_s
        self.max_gap_s = max_gap_s
        self.deadband_mps2 = deadband_mps2
        self.settle_cycles = settle_cycles
        self._last: dict[int, tuple[float, float, float, int]] = {}
        """id → (time, speed, acceleration, cycles seen)"""
        self._cycle: int | None = None

    def update(self, cycle: int, time_s: float, tracks: Iterable[Track], ego_speed_mps: float) -> None:
        if cycle == self._cycle:
            return
        self._cycle = cycle
        seen: dict[int, tuple[float, float, float, int]] = {}
        for track in tracks:
            vx, vy = ground_velocity_mps(track, ego_speed_mps)
            speed = math.hypot(vx, vy)
            previous = self._last.get(track.id)
            accel = 0.0
            count = 1 if previous is None else previous[3] + 1
            if previous is not None and count > self.settle_cycles:
                dt = time_s - previous[0]
                if 0.0 < dt <= self.max_gap_s:
                    raw = (speed - previous[1]) / dt
                    share = 1.0 if self.time_constant_s == 0.0 else min(1.0, dt / self.time_constant_s)
                    accel = previous[2] + share * (raw - previous[2])
            seen[track.id] = (time_s, speed, accel, count)
        self._last = seen

    def acceleration_mps2(self, track_id: int) -> float:
        entry = self._last.get(track_id)
        if entry is None or abs(entry[2]) < self.deadband_mps2:
            return 0.0
        return entry[2]

    def as_mapping(self) -> dict[int, float]:
        return {track_id: self.acceleration_mps2(track_id) for track_id in self._last}


class TrackAges:
    """How many consecutive perception cycles each track id has been seen in: a track is
    confirmed once it has lived a few cycles (a ghost rarely does)."""

    def __init__(self) -> None:
        self._ages: dict[int, int] = {}
        self._cycle: int | None = None

    def update(self, cycle: int, tracks: Iterable[Track]) -> None:
        if cycle == self._cycle:
            return
        self._cycle = cycle
        self._ages = {track.id: self._ages.get(track.id, 0) + 1 for track in tracks}

    def age(self, track_id: int) -> int:
        return self._ages.get(track_id, 0)


SPEED = "Vehicle.Speed"
ACCELERATION = "Vehicle.Acceleration.Longitudinal"
YAW_RATE = "Vehicle.AngularVelocity.Yaw"
EGO_MOTION_INPUTS: tuple[Input, ...] = (
    Input(path=SPEED, rate_hz=50.0),
    Input(path=ACCELERATION, rate_hz=50.0),
    Input(path=YAW_RATE, rate_hz=50.0),
)
"""The rated reads a forward function needs for :func:`read_ego_motion` (the plant's rates)."""


STARTUP_GRACE_S = 1.0
"""After its start, a function waits this long for inputs that have never arrived before it calls
them stale (the plant and sensing publish their first values within a cycle or two)."""


def input_fault(app: VehicleApp, started_s: float) -> str | None:
    """Why ``app`` cannot use its rated inputs: None when all are fresh; "" while inputs that never
    arrived are still within :data:`STARTUP_GRACE_S` of its start (waiting is no fault); else the
    stale inputs, named with their ages."""
    stale = app.stale_input_details()
    if not stale:
        return None
    if all(item.age_s is None for item in stale) and app.now_s - started_s < STARTUP_GRACE_S:
        return ""
    return "stale input: " + "; ".join(str(item) for item in stale)


def perception_if_fresh(app: VehicleApp, started_s: float) -> Perceived | str | None:
    """This cycle's perception, or why the function may not act on it: None while inputs that never
    arrived are within the start-up grace (wait quietly), else the stale inputs or the unreadable
    branch, named (refuse and say so)."""
    problem = input_fault(app, started_s)
    if problem is not None:
        return problem or None
    try:
        return read_perception(app)
    except PerceptionError as error:
        return f"perception unreadable: {error}"


def read_ego_motion(app: VehicleApp, *, length_m: float, width_m: float) -> EgoMotion:
    """The ego's speed (km/h on the bus), acceleration and yaw rate (°/s on the bus), now."""
    speed, accel, yaw = (
        None if dp is None else dp.value for dp in app.get_many((SPEED, ACCELERATION, YAW_RATE))
    )
    return EgoMotion(
        speed_mps=float(speed or 0.0) / 3.6,
        acceleration_mps2=float(accel or 0.0),
        yaw_rate_rad_per_s=math.radians(float(yaw or 0.0)),
        length_m=length_m,
        width_m=width_m,
    )


def assumed_deceleration_mps2(
    app: VehicleApp, measured_mps2: float, *, ignored_sources: frozenset[str] = frozenset()
) -> float:
    """What the ego is taken to keep doing: the measured acceleration, or the harder deceleration an
    automated function commands (the brakes lag its request); never an acceleration. While one of
    ``ignored_sources`` is in control, the ego is taken to coast, as if that function did not act."""
    source, request = (
        None if dp is None else dp.value for dp in app.get_many((COMMANDED_SOURCE, COMMANDED_ACCELERATION))
    )
    if source in ignored_sources:
        return 0.0
    assumed = min(measured_mps2, 0.0)
    if source not in (None, "NONE") and isinstance(request, (int, float)):
        assumed = min(assumed, float(request))
    return assumed


# -- FCW ----------------------------------------------------------------------------------------------


def _positive(owner: str, name: str, value: float, high: float) -> None:
    if isinstance(value, bool) or not (math.isfinite(value) and 0.0 <= value <= high):
        raise SafetyConfigError(f"{owner}: {name} must be within [0, {high}], not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class FcwParams:
    """When FCW warns. Defaults: ISO 15623's driver model, tuned to warn at 2.5-3.5 s TTC."""

    reaction_time_s: float = 1.2
    """The driver's brake reaction time (Euro NCAP's FCW tests brake 1.2 s after the warning)."""
    distracted_extra_reaction_s: float = 0.6
    """Added while driver monitoring says the driver is distracted: the warning comes earlier."""
    sensitivity_shift_s: float = 0.3
    """EARLY adds this to the reaction time, LATE takes it off."""
    warning_deceleration_mps2: float = 4.0
    """The comfortable-hard braking a warned driver is expected to manage; needing more warns."""
    min_speed_mps: float = 2.0
    """No warning below this speed (about 7 km/h: parking manoeuvres)."""
    min_existence_pct: float = 60.0
    confirm_cycles: int = 3
    """A track must have lived this many perception cycles, and the threat have lasted as many: a
    cycle with the threat counts one up, one without it one down (a single cycle in which a
    walker's noisy sideways speed takes it out of the path does not start the count again)."""
    min_warning_s: float = 1.0
    """A warning once given lasts at least this long (no flicker)."""
    ego_length_m: float = EGO_LENGTH_M
    ego_width_m: float = EGO_WIDTH_M
    classes: frozenset[str] = FORWARD_CLASSES
    warn_through_sources: frozenset[str] = frozenset({"AEB"})
    """While one of these functions brakes, FCW judges the threat as if it did not: AEB's braking
    is the last resort, and the driver is warned while it acts (ACC's braking, by contrast, is
    planned: while it is enough, there is nothing to warn about)."""
    in_path_classes: frozenset[str] = IN_PATH_CLASSES
    """Warned about only while in the ego's path, not while predicted to walk into it: a walker
    beside the road can stop at the kerb or turn within a step (a warning seconds ahead would
    mostly be false; AEB brakes for one that does step out), and an unclassified radar-only
    object's sideways motion is too noisy to predict a crossing."""
    prediction: PredictionParams = field(default_factory=PredictionParams)

    def __post_init__(self) -> None:
        owner = "FcwParams"
        _positive(owner, "reaction_time_s", self.reaction_time_s, 5.0)
        _positive(owner, "distracted_extra_reaction_s", self.distracted_extra_reaction_s, 5.0)
        _positive(owner, "sensitivity_shift_s", self.sensitivity_shift_s, self.reaction_time_s)
        _positive(owner, "warning_deceleration_mps2", self.warning_deceleration_mps2, 15.0)
        _positive(owner, "min_speed_mps", self.min_speed_mps, 50.0)
        _positive(owner, "min_existence_pct", self.min_existence_pct, 100.0)
        _positive(owner, "min_warning_s", self.min_warning_s, 10.0)
        if isinstance(self.confirm_cycles, bool) or not 1 <= self.confirm_cycles <= 20:
            raise SafetyConfigError(f"{owner}: confirm_cycles must be 1-20, not {self.confirm_cycles!r}")
        if not self.classes:
            raise SafetyConfigError(f"{owner}: classes must name at least one object class")


def relevant_ahead(
    tracks: tuple[Track, ...], ego: EgoMotion, params: PredictionParams, lane: EgoLane | None = None
) -> Track | None:
    """The nearest object ahead within the ego's predicted path (its width): what the obstacle
    detection reports."""
    best: Track | None = None
    path = predicted_path(ego, params, lane)
    for track in tracks:
        if track.longitudinal_m <= 0.0:
            continue
        offset = path.offset_m(track.longitudinal_m, track.lateral_m)
        if abs(offset) - 0.5 * track.width_m > 0.5 * ego.width_m + params.lateral_margin_m:
            continue
        if best is None or track.longitudinal_m < best.longitudinal_m:
            best = track
    return best


class ForwardCollisionWarningApp(VehicleApp):
    """FCW on the perception branch; see the module's docstring."""

    name = "fcw"
    step_period_s = 0.05

    def __init__(self, params: FcwParams | None = None, *, step_period_s: float = 0.05) -> None:
        super().__init__(
            manifest=Manifest(
                reads=(
                    *EGO_MOTION_INPUTS,
                    *PERCEPTION_READS,
                    DISTRACTED,
                    COMMANDED_ACCELERATION,
                    COMMANDED_SOURCE,
                ),
                writes=(FCW, OBSTACLE),
            ),
            step_period_s=step_period_s,
        )
        self.params = params if params is not None else FcwParams()
        self.enabled = True
        self.sensitivity = "NORMAL"
        self._started_s = 0.0
        self.fault = ""
        """Why FCW is unavailable now ("" while it works): the stale inputs, or bad perception."""
        self.warning = False
        self.target: Collision | None = None
        """The collision FCW warns about (or the most critical one it watches)."""
        self.warnings_given = 0
        """How many separate warnings were given."""
        self.first_warning_ttc_s: float | None = None
        """The time to collision when the first warning began."""
        self._ages = TrackAges()
        self._accelerations = AccelerationEstimator()
        self._threat_cycles = 0
        self._last_cycle: int | None = None
        self._warning_since_s = 0.0

    # -- settings, as actuators --------------------------------------------------------------

    def on_start(self) -> None:
        self._started_s = self.now_s
        self.provide(
            (f"{FCW}.IsWarning", f"{FCW}.IsError", f"{FCW}.TimeToCollision", f"{FCW}.TargetObjectId")
        )
        self.provide(
            (f"{OBSTACLE}.IsWarning", f"{OBSTACLE}.IsError", f"{OBSTACLE}.Distance", f"{OBSTACLE}.TimeGap")
        )
        self.provide_actuation(
            (f"{FCW}.IsEnabled", f"{FCW}.Sensitivity", f"{OBSTACLE}.IsEnabled"), self._on_setting
        )
        self.publish(
            {
                f"{FCW}.IsEnabled": True,
                f"{OBSTACLE}.IsEnabled": True,
                f"{FCW}.Sensitivity": self.sensitivity,
                f"{FCW}.IsWarning": False,
                f"{FCW}.IsError": False,
                f"{FCW}.TargetObjectId": 0,
                f"{OBSTACLE}.IsWarning": False,
                f"{OBSTACLE}.IsError": False,
            }
        )

    def _on_setting(self, requests: list[tuple[str, Any]]) -> None:
        for path, value in requests:
            if path == f"{FCW}.IsEnabled":
                self.enabled = bool(value)
                self.publish({path: self.enabled, f"{OBSTACLE}.IsEnabled": self.enabled})
            elif path == f"{OBSTACLE}.IsEnabled":
                self.enabled = bool(value)
                self.publish({path: self.enabled, f"{FCW}.IsEnabled": self.enabled})
            else:
                self.sensitivity = str(value)
                self.publish({path: self.sensitivity})

    # -- the loop ------------------------------------------------------------------------------

    def reaction_time_s(self, distracted: bool) -> float:
        """The driver's reaction time FCW assumes now."""
        params = self.params
        reaction = params.reaction_time_s
        if self.sensitivity == "EARLY":
            reaction += params.sensitivity_shift_s
        elif self.sensitivity == "LATE":
            reaction -= params.sensitivity_shift_s
        if distracted:
            reaction += params.distracted_extra_reaction_s
        return reaction

    def step(self) -> None:
        seen = perception_if_fresh(self, self._started_s)
        if not isinstance(seen, Perceived):
            if seen:
                self._refuse(seen)
            return
        self.fault = ""
        if not self.enabled:
            self.warning = False
            self.target = None
            self._publish(None, None, False)
            return
        params = self.params
        ego = read_ego_motion(self, length_m=params.ego_length_m, width_m=params.ego_width_m)
        distracted_dp = self.get(DISTRACTED)
        distracted = bool(distracted_dp is not None and distracted_dp.value is True)
        age_s = self.input_age_s(CYCLE_COUNTER) or 0.0
        collision, ahead = self._assess(seen, ego, distracted, age_s)
        self._publish(collision, ahead, self._decide(collision, seen.cycle, age_s), age_s=age_s)

    def _assess(
        self, seen: Perceived, ego: EgoMotion, distracted: bool, age_s: float
    ) -> tuple[Collision | None, Track | None]:
        params = self.params
        self._ages.update(seen.cycle, seen.objects)
        self._accelerations.update(seen.cycle, self.now_s - age_s, seen.objects, ego.speed_mps)
        candidates = tuple(
            track
            for track in seen.objects
            if track.object_class in params.classes and track.existence_pct >= params.min_existence_pct
        )
        lane = lane_of(seen, params.prediction)
        ahead = relevant_ahead(candidates, ego, params.prediction, lane)
        if ego.speed_mps < params.min_speed_mps:
            return None, ahead
        collisions = predict_collisions(
            candidates,
            ego,
            params=params.prediction,
            assumed_acceleration_mps2=assumed_deceleration_mps2(
                self, ego.acceleration_mps2, ignored_sources=params.warn_through_sources
            ),
            delay_s=self.reaction_time_s(distracted) + age_s,
            object_accelerations=self._accelerations.as_mapping(),
            lane=lane,
        )
        worst = max(
            (
                collision
                for collision in collisions
                if collision.clearance_m <= 0.0 or collision.track.object_class not in params.in_path_classes
            ),
            key=lambda item: (item.required_deceleration_mps2, -item.time_to_collision_s),
            default=None,
        )
        return worst, ahead

    def _decide(self, collision: Collision | None, cycle: int, age_s: float) -> bool:
        """Warn once a threat has lasted ``confirm_cycles`` perception cycles (a cycle without it
        counting one down) on a track that has lived as long; a warning lasts while the threat
        does, and at least ``min_warning_s``."""
        params = self.params
        self.target = collision
        threat = (
            collision is not None
            and collision.required_deceleration_mps2 > params.warning_deceleration_mps2
            and self._ages.age(collision.track.id) >= params.confirm_cycles
        )
        if cycle != self._last_cycle:
            self._last_cycle = cycle
            self._threat_cycles = self._threat_cycles + 1 if threat else max(self._threat_cycles - 1, 0)
        now = self.now_s
        if (
            collision is not None
            and threat
            and not self.warning
            and self._threat_cycles >= params.confirm_cycles
        ):
            self.warning = True
            self._warning_since_s = now
            self.warnings_given += 1
            if self.first_warning_ttc_s is None:
                self.first_warning_ttc_s = collision.time_to_collision_s - age_s
        elif self.warning and not threat and now - self._warning_since_s >= params.min_warning_s:
            self.warning = False
        return self.warning

    def _publish(
        self, collision: Collision | None, ahead: Track | None, warning: bool, *, age_s: float = 0.0
    ) -> None:
        warned = collision if warning else None
        values: dict[str, Any] = {
            f"{FCW}.IsWarning": warning,
            f"{FCW}.IsError": False,
            f"{FCW}.TargetObjectId": warned.track.id if warned is not None else 0,
            f"{OBSTACLE}.IsWarning": warning,
            f"{OBSTACLE}.IsError": False,
        }
        if warned is not None:
            values[f"{FCW}.TimeToCollision"] = max(0.0, warned.time_to_collision_s - age_s)
        if ahead is not None:
            values[f"{OBSTACLE}.Distance"] = max(0.0, ahead.longitudinal_m)
            closing = -ahead.longitudinal_velocity_mps
            if closing > 0.1:
                values[f"{OBSTACLE}.TimeGap"] = min(2**32 - 1, round(1000.0 * ahead.longitudinal_m / closing))
        self.publish(values)

    def _refuse(self, reason: str) -> None:
        self.fault = reason
        self.warning = False
        self.target = None
        self.publish(
            {
                f"{FCW}.IsWarning": False,
                f"{FCW}.IsError": True,
                f"{FCW}.TargetObjectId": 0,
                f"{OBSTACLE}.IsWarning": False,
                f"{OBSTACLE}.IsError": True,
            }
        )
