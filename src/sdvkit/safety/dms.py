"""Driver monitoring (DMS): distraction, drowsiness, an unresponsive driver, and the stop in lane.

:class:`DriverMonitoringApp` reads only what the driver camera measures (``EyeTracking.*``, the
gaze and head signals, hands on wheel) and the vehicle speed, 20 times a second, and publishes
its verdict (``Vehicle.ADAS.DMS.DriverState.*``, ``Vehicle.Driver.*``), its warning
(``Vehicle.ADAS.DMS.IsWarning``) and its escalation (``Vehicle.ADAS.DMS.Escalation.*``).

**Distraction** (Euro NCAP driver state monitoring; :class:`DistractionMonitor`): the gaze is on
the road when it is on ``ROAD_AHEAD``; mirror and instrument glances are part of driving and
count as away only after :attr:`DmsParams.driving_glance_grace_s` (1 s, AttenD's latency); a
blink neither starts nor ends a glance. ``LONG_GLANCE_AWAY``: one glance away of 3 s or more.
``SHORT_GLANCES_AWAY`` (visual attention time sharing): glances away adding up to 10 s within
30 s, the buffer emptied after 2 s back on the road.

**Drowsiness** (:class:`DrowsinessMonitor`): eyes closed while both eyelids are under 20 % open.
A closure of 1-3 s is ``MICROSLEEP``, one beyond 3 s ``ASLEEP`` (both held 3 s after the eyes
open). Otherwise an estimate of the Karolinska sleepiness scale from PERCLOS (share of the last
60 s with the eyes closed) and the mean blink duration: KSS 7 at PERCLOS 15 % or at 0.4 s mean
blinks (alert drivers: ~4 %, ~0.15 s), linear below; ``DROWSY`` at KSS ≥ 7. This calibration is
plausible, not validated against data.

**Escalation** (:class:`Escalation`): a distraction or a closure warns at once (``WARNING``), and
urgently (``URGENT_WARNING``) when the driver has not looked back at the road 1.5 s later; a
drowsy driver gets the warning (take a break) without escalation. The driver is **unresponsive**
when the gaze is not back on the road 3 s after a warning, or is away 6 s, or the eyes are closed
6 s: then ``STOPPING_IN_LANE``, the minimal-risk manoeuvre. The DMS asks the arbitration layer
for a deceleration (``Escalation.AccelerationRequest``) ramped at
:attr:`DmsParams.stop_jerk_mps3` to :attr:`DmsParams.stop_deceleration_mps2`, switches the hazard
lights on (actuating ``Vehicle.Body.Lights.Hazard.IsSignaling``) and keeps asking until the car
stands (``STOPPED``, still asking, to hold it). Lane keeping keeps the car in its lane meanwhile
(LKA centres it while the level is ``STOPPING_IN_LANE``). A driver back on the road with the hands
on the wheel for 2 s ends the escalation (and the hazard lights the DMS switched on).

``DriverState.IsDistracted`` (FCW and AEB act earlier on it) is true during a distraction verdict
or a closure. A stale camera input sets ``IsError`` and the verdicts ``UNKNOWN``; a stop already
under way goes on.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from sdvkit.runtime import Input, Manifest, VehicleApp
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.signals.errors import NoProviderError

_EYES = "Vehicle.ADAS.DMS.EyeTracking"
_OCCUPANT = "Vehicle.Occupant.Row1.DriverSide"
FACE_DETECTED = f"{_EYES}.IsFaceDetected"
LEFT_EYELID = f"{_EYES}.LeftEyelidOpening"
RIGHT_EYELID = f"{_EYES}.RightEyelidOpening"
GAZE_REGION = f"{_EYES}.GazeRegion"
HANDS_ON_WHEEL = "Vehicle.Driver.IsHandsOnWheel"
SPEED = "Vehicle.Speed"
_CAMERA_HZ = 20.0
CAMERA_INPUTS: tuple[Input, ...] = tuple(
    Input(path=path, rate_hz=_CAMERA_HZ)
    for path in (FACE_DETECTED, LEFT_EYELID, RIGHT_EYELID, GAZE_REGION, HANDS_ON_WHEEL)
)
"""What the DMS needs from the camera, at its 20 Hz."""
OTHER_CAMERA_READS = (
    f"{_OCCUPANT}.MidEyeGaze.Azimuth",
    f"{_OCCUPANT}.MidEyeGaze.Elevation",
    f"{_OCCUPANT}.HeadPosition.Yaw",
    f"{_OCCUPANT}.HeadPosition.Pitch",
)
_DMS = "Vehicle.ADAS.DMS"
IS_ENABLED = f"{_DMS}.IsEnabled"
IS_WARNING = f"{_DMS}.IsWarning"
IS_ERROR = f"{_DMS}.IsError"
DISTRACTION = f"{_DMS}.DriverState.Distraction"
DROWSINESS = f"{_DMS}.DriverState.Drowsiness"
IS_UNRESPONSIVE = f"{_DMS}.DriverState.IsUnresponsive"
IS_DISTRACTED = f"{_DMS}.DriverState.IsDistracted"
LEVEL = f"{_DMS}.Escalation.Level"
ACCELERATION_REQUEST = f"{_DMS}.Escalation.AccelerationRequest"
ATTENTIVE_PROBABILITY = "Vehicle.Driver.AttentiveProbability"
DISTRACTION_LEVEL = "Vehicle.Driver.DistractionLevel"
FATIGUE_LEVEL = "Vehicle.Driver.FatigueLevel"
EYES_ON_ROAD = "Vehicle.Driver.IsEyesOnRoad"
HAZARD = "Vehicle.Body.Lights.Hazard.IsSignaling"

DMS_WRITES: tuple[str, ...] = (
    IS_ENABLED,
    IS_WARNING,
    IS_ERROR,
    DISTRACTION,
    DROWSINESS,
    IS_UNRESPONSIVE,
    IS_DISTRACTED,
    LEVEL,
    ACCELERATION_REQUEST,
    ATTENTIVE_PROBABILITY,
    DISTRACTION_LEVEL,
    FATIGUE_LEVEL,
    EYES_ON_ROAD,
    HAZARD,
)
DRIVING_GLANCES = frozenset({"LEFT_MIRROR", "RIGHT_MIRROR", "REARVIEW_MIRROR", "INSTRUMENT_CLUSTER"})
STOP_LEVELS = ("STOPPING_IN_LANE", "STOPPED")
_EPSILON_S = 1e-6


@dataclass(frozen=True, kw_only=True, slots=True)
class DmsParams:
    """The thresholds of driver monitoring (defaults: Euro NCAP's, where it gives one)."""

    long_glance_s: float = 3.0
    short_glances_total_s: float = 10.0
    short_glances_window_s: float = 30.0
    on_road_reset_s: float = 2.0
    driving_glance_grace_s: float = 1.0
    closed_eyelid_pct: float = 20.0
    blink_max_s: float = 0.5
    """A closure shorter than this is a blink: it does not take the eyes off the road."""
    microsleep_min_s: float = 1.0
    sleep_min_s: float = 3.0
    closure_hold_s: float = 3.0
    perclos_window_s: float = 60.0
    perclos_min_data_s: float = 20.0
    perclos_at_kss7: float = 0.15
    mean_blink_s_at_kss7: float = 0.4
    drowsy_kss: float = 7.0
    urgent_after_s: float = 1.5
    no_response_s: float = 3.0
    unresponsive_away_s: float = 6.0
    unresponsive_closed_s: float = 6.0
    resume_after_s: float = 2.0
    face_lost_warning_s: float = 10.0
    """Euro NCAP: a driver the camera cannot see is told within 10 s."""
    stop_deceleration_mps2: float = 2.5
    stop_jerk_mps3: float = 2.0
    standstill_kph: float = 0.5

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise SafetyConfigError(f"DmsParams.{name} must be a finite number, not {value!r}")
            if value < 0.0:
                raise SafetyConfigError(f"DmsParams.{name} must not be negative, not {value!r}")
        if not 0.0 < self.closed_eyelid_pct < 100.0:
            raise SafetyConfigError(
                f"DmsParams.closed_eyelid_pct must be in (0, 100), not {self.closed_eyelid_pct!r}"
            )
        if not self.microsleep_min_s < self.sleep_min_s:
            raise SafetyConfigError("DmsParams: microsleep_min_s must be below sleep_min_s")
        if self.stop_deceleration_mps2 > 5.0 or self.stop_jerk_mps3 <= 0.0:
            raise SafetyConfigError("DmsParams: stop_deceleration_mps2 must be <= 5 and stop_jerk_mps3 > 0")


class Distraction(NamedTuple):
    verdict: str
    """ATTENTIVE, LONG_GLANCE_AWAY or SHORT_GLANCES_AWAY."""
    eyes_on_road: bool
    away_s: float
    """How long the present glance away has lasted (0 on the road)."""
    away_in_window_s: float
    """Time away within the VATS window, since the last reset."""


class DistractionMonitor:
    """Glance timing: one long glance, or short ones adding up (Euro NCAP's rules)."""

    def __init__(self, params: DmsParams) -> None:
        self.params = params
        self._away_since: float | None = None
        self._road_since: float | None = 0.0
        self._driving_since: float | None = None
        self._glances: deque[tuple[float, float]] = deque()

    def update(self, now_s: float, region: str, eyes_closed: bool) -> Distraction:
        params = self.params
        if not eyes_closed:  # a closed eye says nothing about the gaze: the glance goes on
            away_from: float | None
            if region == "ROAD_AHEAD":
                self._driving_since, away_from = None, None
            elif region in DRIVING_GLANCES:
                self._driving_since = now_s if self._driving_since is None else self._driving_since
                grace_end = self._driving_since + params.driving_glance_grace_s
                away_from = grace_end if now_s >= grace_end - _EPSILON_S else None
            else:
                self._driving_since, away_from = None, now_s
            if away_from is None and self._away_since is not None:
                self._glances.append((self._away_since, now_s))
                self._away_since, self._road_since = None, now_s
            elif away_from is not None and self._away_since is None:
                if (
                    self._road_since is not None
                    and away_from - self._road_since >= params.on_road_reset_s - _EPSILON_S
                ):
                    self._glances.clear()  # the time on the road up to this glance was long enough
                self._away_since, self._road_since = away_from, None
        if self._road_since is not None and now_s - self._road_since >= params.on_road_reset_s - _EPSILON_S:
            self._glances.clear()
        window_start = now_s - params.short_glances_window_s
        while self._glances and self._glances[0][1] <= window_start:
            self._glances.popleft()
        away_s = now_s - self._away_since if self._away_since is not None else 0.0
        total = sum(end - max(start, window_start) for start, end in self._glances)
        if self._away_since is not None:
            total += now_s - max(self._away_since, window_start)
        if away_s >= params.long_glance_s - _EPSILON_S:
            verdict = "LONG_GLANCE_AWAY"
        elif total >= params.short_glances_total_s - _EPSILON_S:
            verdict = "SHORT_GLANCES_AWAY"
        else:
            verdict = "ATTENTIVE"
        return Distraction(verdict, self._away_since is None, away_s, total)


class Drowsiness(NamedTuple):
    verdict: str
    """AWAKE, DROWSY, MICROSLEEP or ASLEEP."""
    kss: float
    """Estimated Karolinska sleepiness scale, 1 (alert) to 9."""
    closed_s: float
    """How long the eyes have been closed now (0 when open)."""
    perclos: float


class DrowsinessMonitor:
    """Eye closures: PERCLOS, blink durations, microsleeps and sleep."""

    def __init__(self, params: DmsParams) -> None:
        self.params = params
        self._samples: deque[tuple[float, bool]] = deque()
        self._closed_count = 0
        self._closed_since: float | None = None
        self._blinks: deque[tuple[float, float]] = deque()
        self._last_closure: tuple[float, float] = (-math.inf, 0.0)
        """(end, duration) of the last closure of a microsleep or longer."""
        self._first_s: float | None = None

    def update(self, now_s: float, eyes_closed: bool) -> Drowsiness:
        params = self.params
        if self._first_s is None:
            self._first_s = now_s
        self._samples.append((now_s, eyes_closed))
        self._closed_count += eyes_closed
        window_start = now_s - params.perclos_window_s
        while self._samples and self._samples[0][0] <= window_start:
            self._closed_count -= self._samples.popleft()[1]
        if eyes_closed and self._closed_since is None:
            self._closed_since = now_s
        elif not eyes_closed and self._closed_since is not None:
            duration = now_s - self._closed_since
            self._closed_since = None
            if duration >= params.microsleep_min_s - _EPSILON_S:
                self._last_closure = (now_s, duration)
            else:
                self._blinks.append((now_s, duration))
        while self._blinks and self._blinks[0][0] <= window_start:
            self._blinks.popleft()
        closed_s = now_s - self._closed_since if self._closed_since is not None else 0.0
        perclos = self._closed_count / len(self._samples)
        blink_s = sum(d for _, d in self._blinks) / len(self._blinks) if self._blinks else 0.15
        score = max(perclos / params.perclos_at_kss7, (blink_s - 0.1) / (params.mean_blink_s_at_kss7 - 0.1))
        kss = 1.0 + 6.0 * max(0.0, min(score, 8.0 / 6.0))
        enough = now_s - self._first_s >= params.perclos_min_data_s
        end_s, last_s = self._last_closure
        recent = now_s - end_s <= params.closure_hold_s
        if closed_s > params.sleep_min_s or (recent and last_s > params.sleep_min_s):
            verdict = "ASLEEP"
        elif closed_s >= params.microsleep_min_s - _EPSILON_S or recent:
            verdict = "MICROSLEEP"
        elif enough and kss >= params.drowsy_kss:
            verdict = "DROWSY"
        else:
            verdict = "AWAKE"
        return Drowsiness(verdict, kss if enough else 1.0, closed_s, perclos)


class Escalation:
    """Warnings up to the stop in lane: the level and the deceleration asked for."""

    def __init__(self, params: DmsParams) -> None:
        self.params = params
        self.level = "NONE"
        self.acceleration_request_mps2 = 0.0
        self.unresponsive = False
        self._warning_since: float | None = None
        self._responded = False
        self._attentive_since: float | None = None

    def update(
        self,
        now_s: float,
        dt_s: float,
        speed_kph: float,
        state: tuple[Distraction, Drowsiness, bool] | None,
        face_lost_s: float,
    ) -> None:
        """One step; ``state`` is (distraction, drowsiness, hands on wheel), None when unknown."""
        params = self.params
        if self.level in STOP_LEVELS:
            if state is not None and state[0].eyes_on_road and state[1].closed_s == 0.0 and state[2]:
                self._attentive_since = now_s if self._attentive_since is None else self._attentive_since
                if now_s - self._attentive_since >= params.resume_after_s - _EPSILON_S:
                    self._reset()
                    return
            else:
                self._attentive_since = None
            self._stop(dt_s, speed_kph)
            return
        if state is None:
            self._reset()
            return
        distraction, drowsiness, _ = state
        acute = distraction.verdict != "ATTENTIVE" or drowsiness.verdict in ("MICROSLEEP", "ASLEEP")
        chronic = drowsiness.verdict == "DROWSY" or face_lost_s >= params.face_lost_warning_s
        if not (acute or chronic):
            self._reset()
            return
        if self._warning_since is None:
            self._warning_since, self._responded = now_s, False
        on_road = distraction.eyes_on_road and drowsiness.closed_s < params.blink_max_s
        self._responded = self._responded or on_road
        waited_s = now_s - self._warning_since
        if (
            distraction.away_s >= params.unresponsive_away_s - _EPSILON_S
            or drowsiness.closed_s >= params.unresponsive_closed_s - _EPSILON_S
            or (acute and not self._responded and waited_s >= params.no_response_s - _EPSILON_S)
        ):
            self.unresponsive = True
            self.level = "STOPPING_IN_LANE"
            self._stop(dt_s, speed_kph)
        elif acute and not self._responded and waited_s >= params.urgent_after_s - _EPSILON_S:
            self.level = "URGENT_WARNING"
        else:
            self.level = "WARNING"

    def _stop(self, dt_s: float, speed_kph: float) -> None:
        params = self.params
        target = -params.stop_deceleration_mps2
        self.acceleration_request_mps2 = max(
            target, self.acceleration_request_mps2 - params.stop_jerk_mps3 * dt_s
        )
        if speed_kph <= params.standstill_kph:
            self.level = "STOPPED"

    def _reset(self) -> None:
        self.level = "NONE"
        self.acceleration_request_mps2 = 0.0
        self.unresponsive = False
        self._warning_since = None
        self._attentive_since = None


class DriverMonitoringApp(VehicleApp):
    """Watches the driver through the camera signals; warns, and stops the car in lane if need be."""

    name = "driver monitoring"
    step_period_s = 1.0 / _CAMERA_HZ

    def __init__(self, params: DmsParams | None = None, *, name: str | None = None) -> None:
        super().__init__(
            name=name,
            manifest=Manifest(
                reads=(*CAMERA_INPUTS, *OTHER_CAMERA_READS, Input(path=SPEED, rate_hz=50.0)),
                writes=DMS_WRITES,
            ),
        )
        self.params = params if params is not None else DmsParams()
        self.distraction = DistractionMonitor(self.params)
        self.drowsiness = DrowsinessMonitor(self.params)
        self.escalation = Escalation(self.params)
        self.enabled = True
        self.fault: str | None = None
        """Why the camera could not be read in the last cycle, or None."""
        self.hazard_fault: str | None = None
        """Why the hazard lights could not be switched (no lights provider), or None."""
        self._hazards_on = False
        self._face_lost_since: float | None = None

    def on_start(self) -> None:
        def on_switch(requests: list[tuple[str, object]]) -> None:
            self.enabled = bool(requests[-1][1])
            self.publish({IS_ENABLED: self.enabled})

        self.provide_actuation(IS_ENABLED, on_switch)
        self.publish({IS_ENABLED: True, LEVEL: "NONE", ACCELERATION_REQUEST: 0.0, IS_WARNING: False})

    def step(self) -> None:
        now_s, dt_s = self.now_s, self.step_period_s or 0.05
        speed = self.get(SPEED)
        speed_kph = float(speed.value) if speed is not None else 0.0
        stale = [item.path for item in self.stale_input_details() if item.path != SPEED]
        self.fault = f"stale input: {', '.join(stale)}" if stale else None
        state: tuple[Distraction, Drowsiness, bool] | None = None
        face_lost_s = 0.0
        if not stale:
            face, left, right, region, hands = (
                dp.value if dp is not None else None
                for dp in self.get_many(
                    (FACE_DETECTED, LEFT_EYELID, RIGHT_EYELID, GAZE_REGION, HANDS_ON_WHEEL)
                )
            )
            if face is True:
                self._face_lost_since = None
                closed = max(float(left or 0.0), float(right or 0.0)) < self.params.closed_eyelid_pct
                state = (
                    self.distraction.update(now_s, str(region), closed),
                    self.drowsiness.update(now_s, closed),
                    hands is True,
                )
            else:
                self._face_lost_since = now_s if self._face_lost_since is None else self._face_lost_since
                face_lost_s = now_s - self._face_lost_since
        if self.enabled:
            self.escalation.update(now_s, dt_s, speed_kph, state, face_lost_s)
        else:
            self.escalation.update(now_s, dt_s, speed_kph, None, 0.0)
        self._switch_hazards(self.escalation.level in STOP_LEVELS)
        self._publish(state)

    def _switch_hazards(self, wanted: bool) -> None:
        if wanted == self._hazards_on:
            return
        try:
            self.actuate(HAZARD, wanted)
        except NoProviderError as error:
            self.hazard_fault = str(error)  # tried again next cycle; the stop goes on regardless
            return
        self.hazard_fault = None
        self._hazards_on = wanted

    def _publish(self, state: tuple[Distraction, Drowsiness, bool] | None) -> None:
        escalation = self.escalation
        values: dict[str, object] = {
            LEVEL: escalation.level,
            ACCELERATION_REQUEST: escalation.acceleration_request_mps2,
            IS_UNRESPONSIVE: escalation.unresponsive,
            IS_WARNING: escalation.level != "NONE",
            IS_ERROR: self.fault is not None,
        }
        if state is None:
            values.update({DISTRACTION: "UNKNOWN", DROWSINESS: "UNKNOWN", IS_DISTRACTED: False})
        else:
            distraction, drowsiness, _ = state
            params = self.params
            distraction_pct = 100.0 * min(
                1.0,
                max(
                    distraction.away_s / params.long_glance_s,
                    distraction.away_in_window_s / params.short_glances_total_s,
                ),
            )
            fatigue_pct = 100.0 * (drowsiness.kss - 1.0) / 8.0
            closed = drowsiness.verdict in ("MICROSLEEP", "ASLEEP")
            values.update(
                {
                    DISTRACTION: distraction.verdict,
                    DROWSINESS: drowsiness.verdict,
                    IS_DISTRACTED: distraction.verdict != "ATTENTIVE" or closed,
                    DISTRACTION_LEVEL: distraction_pct,
                    FATIGUE_LEVEL: 100.0 if closed else fatigue_pct,
                    ATTENTIVE_PROBABILITY: 0.0
                    if closed
                    else max(0.0, 100.0 - max(distraction_pct, fatigue_pct)),
                    EYES_ON_ROAD: distraction.eyes_on_road and drowsiness.closed_s < params.blink_max_s,
                }
            )
        self.publish(values)
