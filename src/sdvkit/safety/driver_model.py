"""The virtual driver's face: what the driver camera sees of a simulated driver.

:class:`VirtualDriverFace` is part of the simulation (role PLANT): it plays a
:class:`DriverBehaviour`, declared as data, and publishes at 20 Hz what a driver-monitoring camera
measures: ``Vehicle.ADAS.DMS.EyeTracking.*`` (face detected, eyelid openings, gaze region), the
gaze direction (``Vehicle.Occupant.Row1.DriverSide.MidEyeGaze``), the head pose (``HeadPosition``)
and ``Vehicle.Driver.IsHandsOnWheel``. Driver monitoring (:mod:`sdvkit.safety.dms`) sees the
driver only through these signals.

A behaviour is a script plus random habits, drawn from a seeded :class:`numpy.random.Generator`
(the same seed gives the same face):

- blinks (``blink_rate_per_min``, ``blink_duration_s``; a share of long, slow blinks when drowsy);
- short mirror glances (driving-related, well under a second);
- scripted glances away (:class:`Glance`: a region, a start, a duration), and random ones
  (``random_glances_per_min``, for "sometimes distracted");
- eyes closed from a time on (asleep, unresponsive).

It reacts to ``Vehicle.ADAS.DMS.IsWarning``: a responsive driver, ``reaction_time_s`` after a
warning starts, stops what they look at, opens their eyes (waking up) and watches the road for
``attention_after_warning_s``; later scripted glances go on as written. An unresponsive one does
not react at all. The factories (:func:`attentive`, :func:`long_distraction`,
:func:`short_glances`, :func:`drowsy`, :func:`asleep`, :func:`unresponsive`,
:func:`sometimes_distracted`) give the behaviours the Euro NCAP driver-monitoring tests use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.safety.errors import SafetyConfigError

_EYES = "Vehicle.ADAS.DMS.EyeTracking"
FACE_DETECTED = f"{_EYES}.IsFaceDetected"
LEFT_EYELID = f"{_EYES}.LeftEyelidOpening"
RIGHT_EYELID = f"{_EYES}.RightEyelidOpening"
GAZE_REGION = f"{_EYES}.GazeRegion"
_OCCUPANT = "Vehicle.Occupant.Row1.DriverSide"
GAZE_AZIMUTH = f"{_OCCUPANT}.MidEyeGaze.Azimuth"
GAZE_ELEVATION = f"{_OCCUPANT}.MidEyeGaze.Elevation"
HEAD_YAW = f"{_OCCUPANT}.HeadPosition.Yaw"
HEAD_PITCH = f"{_OCCUPANT}.HeadPosition.Pitch"
HANDS_ON_WHEEL = "Vehicle.Driver.IsHandsOnWheel"
DMS_WARNING = "Vehicle.ADAS.DMS.IsWarning"
FACE_SIGNALS: tuple[str, ...] = (
    FACE_DETECTED,
    LEFT_EYELID,
    RIGHT_EYELID,
    GAZE_REGION,
    GAZE_AZIMUTH,
    GAZE_ELEVATION,
    HEAD_YAW,
    HEAD_PITCH,
    HANDS_ON_WHEEL,
)
"""Everything the face publishes, each cycle."""
FACE_RATE_HZ = 20.0

GAZE_DIRECTIONS_DEG: dict[str, tuple[float, float]] = {
    "ROAD_AHEAD": (0.0, 0.0),
    "LEFT_MIRROR": (45.0, -8.0),
    "RIGHT_MIRROR": (-55.0, -8.0),
    "REARVIEW_MIRROR": (-20.0, 12.0),
    "INSTRUMENT_CLUSTER": (0.0, -18.0),
    "INFOTAINMENT": (-25.0, -25.0),
    "LAP": (-5.0, -55.0),
    "PASSENGER": (-70.0, -5.0),
    "OTHER": (70.0, 10.0),
}
"""Gaze azimuth (+left) and elevation (+up) toward each region, for a left-hand-drive car."""
MIRRORS = ("LEFT_MIRROR", "RIGHT_MIRROR", "REARVIEW_MIRROR")
HEAD_SHARE = 0.6
"""How much of a gaze shift the head makes (the rest is the eyes): between an owl and a lizard."""
CLOSED_EYELID_PCT = 5.0


def _check(owner: str, name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SafetyConfigError(f"{owner}.{name} must be a finite number, not {value!r}")
    if not low <= value <= high:
        raise SafetyConfigError(f"{owner}.{name} must be in [{low:g}, {high:g}], not {value!r}")
    return float(value)


def _check_region(owner: str, region: str) -> None:
    if region not in GAZE_DIRECTIONS_DEG:
        raise SafetyConfigError(
            f"{owner}: unknown gaze region {region!r}; known: {', '.join(GAZE_DIRECTIONS_DEG)}"
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Glance:
    """One scripted look at ``region`` from ``start_s`` for ``duration_s``."""

    start_s: float
    duration_s: float
    region: str = "INFOTAINMENT"

    def __post_init__(self) -> None:
        _check("Glance", "start_s", self.start_s, 0.0, 1e6)
        _check("Glance", "duration_s", self.duration_s, 0.0, 1e6)
        _check_region("Glance", self.region)


@dataclass(frozen=True, kw_only=True, slots=True)
class DriverBehaviour:
    """How a simulated driver looks, blinks, sleeps and reacts to warnings."""

    name: str
    glances: tuple[Glance, ...] = ()
    eyes_closed_from_s: float | None = None
    """From then on the eyes stay closed (until a responsive driver wakes at a warning)."""
    responsive: bool = True
    reaction_time_s: float = 0.8
    attention_after_warning_s: float = 5.0
    blink_rate_per_min: float = 15.0
    blink_duration_s: float = 0.15
    long_blink_share: float = 0.0
    """Share of blinks that are long and slow (drowsiness), lasting ``long_blink_range_s``."""
    long_blink_range_s: tuple[float, float] = (0.5, 0.9)
    eyelid_opening_pct: float = 90.0
    """How far the eyes are open between blinks (drooping lids when drowsy)."""
    mirror_glances_per_min: float = 6.0
    mirror_glance_s: float = 0.6
    random_glances_per_min: float = 0.0
    random_glance_range_s: tuple[float, float] = (1.0, 4.0)
    random_glance_regions: tuple[str, ...] = ("INFOTAINMENT", "PASSENGER", "LAP")
    hands_on_wheel: bool = True
    """Whether the hands are on the wheel while awake (asleep, they never are)."""

    def __post_init__(self) -> None:
        owner = f"DriverBehaviour {self.name!r}"
        if self.eyes_closed_from_s is not None:
            _check(owner, "eyes_closed_from_s", self.eyes_closed_from_s, 0.0, 1e6)
        _check(owner, "reaction_time_s", self.reaction_time_s, 0.0, 30.0)
        _check(owner, "attention_after_warning_s", self.attention_after_warning_s, 0.0, 600.0)
        _check(owner, "blink_rate_per_min", self.blink_rate_per_min, 0.0, 60.0)
        _check(owner, "blink_duration_s", self.blink_duration_s, 0.05, 0.5)
        _check(owner, "long_blink_share", self.long_blink_share, 0.0, 1.0)
        low, high = self.long_blink_range_s
        _check(owner, "long_blink_range_s[0]", low, 0.1, 5.0)
        _check(owner, "long_blink_range_s[1]", high, low, 5.0)
        _check(owner, "eyelid_opening_pct", self.eyelid_opening_pct, 30.0, 100.0)
        _check(owner, "mirror_glances_per_min", self.mirror_glances_per_min, 0.0, 30.0)
        _check(owner, "mirror_glance_s", self.mirror_glance_s, 0.1, 3.0)
        _check(owner, "random_glances_per_min", self.random_glances_per_min, 0.0, 30.0)
        low, high = self.random_glance_range_s
        _check(owner, "random_glance_range_s[0]", low, 0.1, 60.0)
        _check(owner, "random_glance_range_s[1]", high, low, 60.0)
        for region in self.random_glance_regions:
            _check_region(owner, region)


def attentive() -> DriverBehaviour:
    """Eyes on the road, ~15 blinks a minute of ~150 ms, short mirror glances."""
    return DriverBehaviour(name="attentive")


def long_distraction(
    start_s: float = 2.0, duration_s: float = 6.0, *, region: str = "INFOTAINMENT", responsive: bool = True
) -> DriverBehaviour:
    """Looks at ``region`` for ``duration_s`` from ``start_s`` (Euro NCAP: ≥ 3 s is a long glance)."""
    glance = Glance(start_s=start_s, duration_s=duration_s, region=region)
    return DriverBehaviour(name="long distraction", glances=(glance,), responsive=responsive)


def short_glances(
    start_s: float = 2.0,
    *,
    glance_s: float = 2.0,
    on_road_s: float = 1.0,
    count: int = 8,
    region: str = "INFOTAINMENT",
) -> DriverBehaviour:
    """``count`` glances of ``glance_s`` with ``on_road_s`` back on the road between them (VATS)."""
    glances = tuple(
        Glance(start_s=start_s + n * (glance_s + on_road_s), duration_s=glance_s, region=region)
        for n in range(count)
    )
    return DriverBehaviour(name="short glances", glances=glances)


def drowsy() -> DriverBehaviour:
    """Drooping lids, frequent slow blinks: 70 % of ~22 blinks a minute last 0.6-0.95 s (PERCLOS ≈ 20 %,
    mean blink ≈ 0.6 s; alert drivers blink ~0.15 s)."""
    return DriverBehaviour(
        name="drowsy",
        blink_rate_per_min=22.0,
        long_blink_share=0.7,
        long_blink_range_s=(0.6, 0.95),
        eyelid_opening_pct=65.0,
        mirror_glances_per_min=2.0,
    )


def asleep(start_s: float = 2.0) -> DriverBehaviour:
    """Falls asleep at ``start_s``; wakes 2.5 s after a warning (sleep inertia)."""
    return DriverBehaviour(name="asleep", eyes_closed_from_s=start_s, reaction_time_s=2.5)


def unresponsive(start_s: float = 2.0) -> DriverBehaviour:
    """Eyes closed from ``start_s``, hands off the wheel, no reaction to any warning."""
    return DriverBehaviour(
        name="unresponsive", eyes_closed_from_s=start_s, responsive=False, hands_on_wheel=False
    )


def sometimes_distracted(glances_per_min: float = 2.0) -> DriverBehaviour:
    """An attentive driver who now and then looks away for 1-4 s at random."""
    return DriverBehaviour(name="sometimes distracted", random_glances_per_min=glances_per_min)


class FaceSample(NamedTuple):
    """What the camera sees in one cycle."""

    face_detected: bool
    eyelid_pct: float
    region: str
    """The gaze region; UNKNOWN while the eyes are closed."""
    azimuth_deg: float
    elevation_deg: float
    head_yaw_deg: float
    head_pitch_deg: float
    hands_on_wheel: bool


class DriverFace:
    """The behaviour played out in time: call :meth:`sample` with increasing times."""

    def __init__(self, behaviour: DriverBehaviour, *, seed: int = 0) -> None:
        self.behaviour = behaviour
        self._rng = np.random.default_rng(seed)
        self._blink_until_s = -1.0
        self._next_blink_s = self._after(0.0, behaviour.blink_rate_per_min)
        self._mirror_until_s = -1.0
        self._mirror_region = MIRRORS[0]
        self._next_mirror_s = self._after(0.0, behaviour.mirror_glances_per_min)
        self._random_until_s = -1.0
        self._random_region = "INFOTAINMENT"
        self._next_random_s = self._after(0.0, behaviour.random_glances_per_min)
        self._respond_at_s: float | None = None
        self._attend_until_s = -1.0
        self._cancelled_before_s = -1.0
        self._awake = behaviour.eyes_closed_from_s is None
        self._was_warned = False
        self.responses: list[float] = []
        """When the driver reacted to a warning."""

    def _after(self, now_s: float, rate_per_min: float) -> float:
        if rate_per_min <= 0.0:
            return math.inf
        return now_s + float(self._rng.exponential(60.0 / rate_per_min))

    def _is_asleep(self, now_s: float) -> bool:
        start = self.behaviour.eyes_closed_from_s
        return start is not None and now_s >= start and not self._awake

    def _react(self, now_s: float, warning: bool) -> None:
        behaviour = self.behaviour
        if warning and not self._was_warned and behaviour.responsive and self._respond_at_s is None:
            self._respond_at_s = now_s + behaviour.reaction_time_s
        self._was_warned = warning
        if self._respond_at_s is not None and now_s >= self._respond_at_s:
            self._respond_at_s = None
            self.responses.append(now_s)
            self._attend_until_s = now_s + behaviour.attention_after_warning_s
            self._cancelled_before_s = now_s  # whatever was going on stops
            self._mirror_until_s = self._random_until_s = -1.0
            if behaviour.eyes_closed_from_s is not None and now_s >= behaviour.eyes_closed_from_s:
                self._awake = True
                # Habits pick up from the moment the driver wakes, not from where sleep left them.
                self._next_blink_s = self._after(now_s, behaviour.blink_rate_per_min)
                self._next_mirror_s = self._after(now_s, behaviour.mirror_glances_per_min)
                self._next_random_s = self._after(now_s, behaviour.random_glances_per_min)

    def _gaze_region(self, now_s: float) -> str:
        """Where the driver looks: a scripted glance, a random one, a mirror, or the road."""
        behaviour = self.behaviour
        if now_s < self._attend_until_s or self._is_asleep(now_s):
            return "ROAD_AHEAD"
        for glance in behaviour.glances:
            if (
                glance.start_s <= now_s < glance.start_s + glance.duration_s
                and glance.start_s > self._cancelled_before_s
            ):
                return glance.region
        rng = self._rng
        if now_s >= self._next_random_s and now_s >= self._random_until_s:
            low, high = behaviour.random_glance_range_s
            self._random_until_s = now_s + float(rng.uniform(low, high))
            regions = behaviour.random_glance_regions
            self._random_region = regions[int(rng.integers(len(regions)))]
            self._next_random_s = self._after(self._random_until_s, behaviour.random_glances_per_min)
        if now_s < self._random_until_s:
            return self._random_region
        if now_s >= self._next_mirror_s:
            self._mirror_until_s = now_s + behaviour.mirror_glance_s
            self._mirror_region = MIRRORS[int(rng.integers(len(MIRRORS)))]
            self._next_mirror_s = self._after(self._mirror_until_s, behaviour.mirror_glances_per_min)
        if now_s < self._mirror_until_s:
            return self._mirror_region
        return "ROAD_AHEAD"

    def _eyelid_pct(self, now_s: float) -> float:
        behaviour = self.behaviour
        if self._is_asleep(now_s):
            return 0.0
        if now_s >= self._next_blink_s:
            rng = self._rng
            if rng.random() < behaviour.long_blink_share:
                low, high = behaviour.long_blink_range_s
                duration = float(rng.uniform(low, high))
            else:
                duration = max(0.08, float(rng.normal(behaviour.blink_duration_s, 0.03)))
            self._blink_until_s = now_s + duration
            self._next_blink_s = self._after(self._blink_until_s, behaviour.blink_rate_per_min)
        if now_s < self._blink_until_s:
            return 0.0
        return behaviour.eyelid_opening_pct

    def sample(self, now_s: float, *, warning: bool) -> FaceSample:
        """The face at ``now_s``, given whether driver monitoring warns now."""
        self._react(now_s, warning)
        region = self._gaze_region(now_s)
        eyelid = self._eyelid_pct(now_s)
        azimuth, elevation = GAZE_DIRECTIONS_DEG[region]
        asleep_now = self._is_asleep(now_s)
        head_pitch = 25.0 if asleep_now else -HEAD_SHARE * elevation  # asleep: the head drops
        return FaceSample(
            face_detected=True,
            eyelid_pct=eyelid,
            region=region if eyelid > CLOSED_EYELID_PCT else "UNKNOWN",
            azimuth_deg=azimuth,
            elevation_deg=elevation,
            head_yaw_deg=HEAD_SHARE * azimuth,
            head_pitch_deg=head_pitch,
            hands_on_wheel=self.behaviour.hands_on_wheel and not asleep_now,
        )


class VirtualDriverFace(VehicleApp):
    """Publishes the driver camera's measurements of a simulated driver, at 20 Hz."""

    name = "virtual driver face"

    def __init__(
        self,
        behaviour: DriverBehaviour | None = None,
        *,
        seed: int = 0,
        rate_hz: float = FACE_RATE_HZ,
        name: str | None = None,
    ) -> None:
        _check("VirtualDriverFace", "rate_hz", rate_hz, 1.0, 100.0)
        super().__init__(
            name=name,
            manifest=Manifest(reads=(DMS_WARNING,), writes=FACE_SIGNALS, role=AppRole.PLANT),
            step_period_s=1.0 / rate_hz,
        )
        self.face = DriverFace(behaviour if behaviour is not None else attentive(), seed=seed)
        self.last: FaceSample | None = None
        """The last sample published."""

    def on_start(self) -> None:
        self.provide(list(FACE_SIGNALS))
        self._publish(self.face.sample(self.now_s, warning=False))

    def step(self) -> None:
        warning = self.get(DMS_WARNING)
        self._publish(self.face.sample(self.now_s, warning=warning is not None and warning.value is True))

    def _publish(self, sample: FaceSample) -> None:
        self.last = sample
        self.publish(
            {
                FACE_DETECTED: sample.face_detected,
                LEFT_EYELID: sample.eyelid_pct,
                RIGHT_EYELID: sample.eyelid_pct,
                GAZE_REGION: sample.region,
                GAZE_AZIMUTH: sample.azimuth_deg,
                GAZE_ELEVATION: sample.elevation_deg,
                HEAD_YAW: sample.head_yaw_deg,
                HEAD_PITCH: sample.head_pitch_deg,
                HANDS_ON_WHEEL: sample.hands_on_wheel,
            }
        )
