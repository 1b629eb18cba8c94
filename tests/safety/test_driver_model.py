"""The virtual driver's face: behaviours as data played out in time, reproducible by seed, and the
reaction (or not) to the driver-monitoring warning."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tests.safety.lateral_harness import catalogue

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.safety import driver_model as dm
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.signals import Broker
from sdvkit.signals.subscription import Update

STEP_S = 0.05


def play(
    behaviour: dm.DriverBehaviour, seconds: float, *, seed: int = 0, warn_from_s: float | None = None
) -> list[tuple[float, dm.FaceSample]]:
    """Sample the face at 20 Hz; the DMS warns from ``warn_from_s`` on."""
    face = dm.DriverFace(behaviour, seed=seed)
    samples = []
    for step in range(round(seconds / STEP_S)):
        t_s = round(step * STEP_S, 6)
        warning = warn_from_s is not None and t_s >= warn_from_s
        samples.append((t_s, face.sample(t_s, warning=warning)))
    return samples


def closures(samples: list[tuple[float, dm.FaceSample]]) -> list[float]:
    """Durations of the eye closures, in the 20 Hz samples."""
    found, since = [], None
    for t_s, sample in samples:
        if sample.eyelid_pct < 20.0 and since is None:
            since = t_s
        elif sample.eyelid_pct >= 20.0 and since is not None:
            found.append(t_s - since)
            since = None
    return found


def test_the_same_seed_gives_the_same_face_and_another_seed_another() -> None:
    behaviour = dm.sometimes_distracted(glances_per_min=4.0)
    first = play(behaviour, 60.0, seed=3)
    assert play(behaviour, 60.0, seed=3) == first
    assert play(behaviour, 60.0, seed=4) != first


def test_an_attentive_driver_blinks_briefly_and_watches_the_road() -> None:
    samples = play(dm.attentive(), 240.0, seed=1)
    blinks = closures(samples)
    assert 10.0 <= len(blinks) / 4.0 <= 20.0, "about 15 blinks a minute"
    assert 0.1 <= float(np.mean(blinks)) <= 0.25, "of about 150 ms"
    regions = [sample.region for _, sample in samples]
    on_road = sum(region in ("ROAD_AHEAD", "UNKNOWN") for region in regions) / len(regions)
    assert on_road > 0.9
    assert set(regions) - {"ROAD_AHEAD", "UNKNOWN"} <= set(dm.MIRRORS), "only mirror glances"
    assert all(sample.hands_on_wheel and sample.face_detected for _, sample in samples)


def test_a_long_distraction_looks_at_the_infotainment_for_the_scripted_time() -> None:
    samples = play(dm.long_distraction(start_s=2.0, duration_s=5.0), 10.0)
    away = [t_s for t_s, sample in samples if sample.region == "INFOTAINMENT"]
    assert away[0] == pytest.approx(2.0)
    assert away[-1] == pytest.approx(7.0 - STEP_S)
    azimuth, elevation = dm.GAZE_DIRECTIONS_DEG["INFOTAINMENT"]
    during = dict(samples)[4.0]
    assert (during.azimuth_deg, during.elevation_deg) == (azimuth, elevation)
    assert during.head_yaw_deg == pytest.approx(dm.HEAD_SHARE * azimuth), "the head turns part of the way"


def test_short_glances_follow_the_vats_pattern() -> None:
    behaviour = dm.short_glances(start_s=1.0, glance_s=2.0, on_road_s=1.0, count=3)
    assert [(g.start_s, g.duration_s) for g in behaviour.glances] == [(1.0, 2.0), (4.0, 2.0), (7.0, 2.0)]


def test_a_responsive_driver_looks_back_within_a_second_of_the_warning() -> None:
    samples = play(dm.long_distraction(start_s=2.0, duration_s=10.0), 14.0, warn_from_s=5.0)
    back = next(t_s for t_s, sample in samples if t_s >= 5.0 and sample.region == "ROAD_AHEAD")
    assert 5.0 < back <= 6.0
    assert all(sample.region != "INFOTAINMENT" for t_s, sample in samples if t_s >= back)


def test_an_unresponsive_driver_ignores_the_warning() -> None:
    samples = play(dm.unresponsive(start_s=2.0), 12.0, warn_from_s=3.0)
    after = [sample for t_s, sample in samples if t_s >= 2.0]
    assert all(sample.eyelid_pct == 0.0 and sample.region == "UNKNOWN" for sample in after)
    assert not any(sample.hands_on_wheel for sample in after)


def test_an_asleep_driver_wakes_after_the_warning_with_sleep_inertia() -> None:
    behaviour = dm.asleep(start_s=2.0)
    samples = play(behaviour, 10.0, warn_from_s=4.0)
    closed = [t_s for t_s, sample in samples if sample.eyelid_pct == 0.0 and t_s >= 2.0]
    woke = next(t_s for t_s, sample in samples if t_s > 2.0 and sample.eyelid_pct > 20.0)
    assert closed[0] == pytest.approx(2.0)
    assert woke == pytest.approx(4.0 + behaviour.reaction_time_s, abs=STEP_S)
    assert dict(samples)[3.0].head_pitch_deg > 10.0, "the head drops"


def test_a_drowsy_driver_blinks_long_and_often() -> None:
    drowsy, alert = closures(play(dm.drowsy(), 120.0, seed=2)), closures(play(dm.attentive(), 120.0, seed=2))
    assert float(np.mean(drowsy)) > 2.0 * float(np.mean(alert))
    assert sum(drowsy) / 120.0 > 0.12, "PERCLOS well above an alert driver's"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: dm.Glance(start_s=1.0, duration_s=2.0, region="SUNROOF"), "SUNROOF"),
        (lambda: dm.Glance(start_s=1.0, duration_s=-2.0), "duration_s"),
        (lambda: dm.DriverBehaviour(name="x", blink_rate_per_min=float("inf")), "blink_rate_per_min"),
        (lambda: dm.DriverBehaviour(name="x", long_blink_range_s=(0.9, 0.5)), "long_blink_range_s"),
        (lambda: dm.VirtualDriverFace(rate_hz=0.0), "rate_hz"),
    ],
)
def test_impossible_behaviours_are_refused_by_name(make: object, message: str) -> None:
    with pytest.raises(SafetyConfigError, match=message):
        make()  # type: ignore[operator]


class Listener(VehicleApp):
    def __init__(self) -> None:
        super().__init__(
            name="listener",
            manifest=Manifest(reads=(dm.GAZE_REGION, dm.LEFT_EYELID), role=AppRole.TEST_BENCH),
        )
        self.updates: list[Update] = []

    def on_start(self) -> None:
        self.subscribe([dm.GAZE_REGION, dm.LEFT_EYELID], self.updates.extend)


def test_the_face_app_publishes_the_camera_signals_at_20_hz() -> None:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue(), now_ns=clock.now_ns), clock)
    face = runner.add(dm.VirtualDriverFace(dm.long_distraction(start_s=1.0, duration_s=1.0)))
    listener = runner.add(Listener())
    assert face.manifest.role is AppRole.PLANT
    runner.start()
    clock.run_for(3.0)
    runner.stop()
    stamps = [dp.timestamp_ns for path, dp in listener.updates if path == dm.GAZE_REGION]
    assert len(stamps) == pytest.approx(3.0 * 20 + 1, abs=1)
    assert {b - a for a, b in itertools.pairwise(stamps)} == {50_000_000}
    regions = [dp.value for path, dp in listener.updates if path == dm.GAZE_REGION]
    assert "INFOTAINMENT" in regions
    assert regions[-1] in ("ROAD_AHEAD", "UNKNOWN")
