"""The sensing pipeline without the bus: ground truth → sensors → tracker, and the lane camera.

:class:`SensingPipeline` is what :class:`~sdvkit.sensing.app.SensingApp` runs each cycle, usable
on its own in tests and benches::

    pipeline = SensingPipeline(world, seed=7, lighting="night")
    frame = pipeline.step()          # at world.time_s
    for track in frame.tracks: ...   # confirmed tracks, most relevant first

Randomness: one :class:`numpy.random.SeedSequence` from ``seed``, spawned into one generator per
sensor and one for the lanes, so the same seed gives the same perception, bit for bit, and
blocking one sensor does not change the noise the others draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from sdvkit.sensing.egomotion import EgoHistory
from sdvkit.sensing.errors import SensingSetupError
from sdvkit.sensing.lanes import LaneCamera, RoadView
from sdvkit.sensing.sensors import Detection, SensorModel
from sdvkit.sensing.specs import SensorKind, SensorSpec, TrackerSpec, default_suite
from sdvkit.sensing.tracking import FusedTrack, Tracker
from sdvkit.sensing.truth import TruthFrame, TruthSampler
from sdvkit.signals.builtin.perception import PERCEPTION_SENSORS
from sdvkit.world.scene import EGO_ID, World

LIGHTING = ("day", "night")
"""The lighting a scenario may pass (Euro NCAP runs its VRU tests by day and by night)."""


class PerceptionFrame(NamedTuple):
    """One cycle of sensing."""

    time_s: float
    cycle: int
    tracks: tuple[FusedTrack, ...]
    """Confirmed tracks, most relevant first."""
    road: RoadView | None
    """The lanes and road edges, carried to this cycle's time; None when not seen."""
    detections: tuple[Detection, ...]
    """Every detection delivered this cycle (measured a latency ago)."""
    truth: TruthFrame
    blocked: frozenset[str]


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SensingSetupError(f"seed must be an integer >= 0, not {seed!r}")
    return seed


def check_lighting(lighting: str) -> str:
    """``lighting`` as one of :data:`LIGHTING`; SensingSetupError otherwise."""
    if lighting not in LIGHTING:
        raise SensingSetupError(f"lighting must be one of {list(LIGHTING)}, not {lighting!r}")
    return str(lighting)


def _check_suite(suite: Sequence[SensorSpec]) -> tuple[SensorSpec, ...]:
    specs = tuple(suite)
    if not specs:
        raise SensingSetupError("suite must hold at least one sensor")
    names = [spec.name for spec in specs]
    for spec in specs:
        if not isinstance(spec, SensorSpec):
            raise SensingSetupError(f"suite must hold SensorSpec objects, not {type(spec).__name__}")
        if names.count(spec.name) > 1:
            raise SensingSetupError(f"suite: sensor name {spec.name!r} is used twice")
    return specs


class SensingPipeline:
    """Sensors, lanes and the tracker on one world; :meth:`step` runs one cycle."""

    def __init__(
        self,
        world: World,
        *,
        seed: int = 0,
        lighting: str = "day",
        suite: Sequence[SensorSpec] | None = None,
        tracker: TrackerSpec | None = None,
    ) -> None:
        self.sampler = TruthSampler(world)
        self.world = world
        self.seed = _check_seed(seed)
        self.lighting = check_lighting(lighting)
        self.tracker_spec = tracker if tracker is not None else TrackerSpec()
        if not isinstance(self.tracker_spec, TrackerSpec):
            raise SensingSetupError(f"tracker must be a TrackerSpec, not {type(tracker).__name__}")
        self._suite: tuple[SensorSpec, ...] | None = None if suite is None else _check_suite(suite)
        self._blocked: set[str] = set()
        self._sensors: list[SensorModel] = []
        self._lanes: LaneCamera | None = None
        self._tracker: Tracker | None = None
        self.history = EgoHistory()
        self.cycle = 0
        self.last: PerceptionFrame | None = None

    @property
    def sensor_names(self) -> tuple[str, ...]:
        return PERCEPTION_SENSORS if self._suite is None else tuple(spec.name for spec in self._suite)

    @property
    def suite(self) -> tuple[SensorSpec, ...]:
        """The sensors; the default suite is fitted to the ego's box at the first step."""
        if self._suite is None:
            ego = self.world.spec(EGO_ID) if self.world.ego is not None else None
            if ego is None:
                return default_suite()
            self._suite = default_suite(vehicle_length_m=ego.length_m, vehicle_width_m=ego.width_m)
        return self._suite

    @property
    def tracks(self) -> tuple[FusedTrack, ...]:
        return () if self.last is None else self.last.tracks

    def set_blocked(self, sensor_name: str, blocked: bool) -> None:
        """Block (or clear) a sensor: while blocked it detects nothing."""
        if sensor_name not in self.sensor_names:
            raise SensingSetupError(f"no sensor {sensor_name!r} (sensors: {list(self.sensor_names)})")
        if blocked:
            self._blocked.add(sensor_name)
        else:
            self._blocked.discard(sensor_name)

    def _build(self) -> Tracker:
        suite = self.suite
        night = self.lighting == "night"
        generators = [
            np.random.default_rng(child) for child in np.random.SeedSequence(self.seed).spawn(len(suite) + 1)
        ]
        self._sensors = [
            SensorModel(spec, rng, night=night) for spec, rng in zip(suite, generators, strict=False)
        ]
        camera = next((spec for spec in suite if spec.kind is SensorKind.CAMERA), None)
        if camera is not None:
            self._lanes = LaneCamera(camera, self.world, generators[-1], night=night)
        self._tracker = Tracker(self.tracker_spec, suite)
        return self._tracker

    def step(self, now_s: float | None = None) -> PerceptionFrame:
        """One cycle at ``now_s`` (default: the world's time): sample the truth, scan with every
        sensor that is due, deliver what the latencies let through, track, read the lanes."""
        time_s = self.world.time_s if now_s is None else now_s
        if isinstance(time_s, bool) or not math.isfinite(time_s):
            raise SensingSetupError(f"now_s must be a finite time, not {now_s!r}")
        truth = self.sampler.sample(time_s)  # first: it refuses a world without an ego
        tracker = self._tracker if self._tracker is not None else self._build()
        self.history.add(truth.ego)
        blocked = frozenset(self._blocked)
        detections: list[Detection] = []
        for sensor in self._sensors:
            sensor.blocked = sensor.spec.name in blocked
            detections.extend(sensor.step(truth))
        road = None
        if self._lanes is not None:
            self._lanes.blocked = self._lanes.spec.name in blocked
            road = self._lanes.step(truth, self.history)
        self.cycle += 1
        frame = PerceptionFrame(
            time_s,
            self.cycle,
            tracker.update(detections, self.history),
            road,
            tuple(detections),
            truth,
            blocked,
        )
        self.last = frame
        return frame
