"""Driver monitoring on the broker, watching the virtual driver's face: each scripted behaviour gets
its Euro NCAP verdict at the right moment (long glance at 3 s, VATS at 10 s within 30 s with the
2 s reset, microsleep, sleep beyond 3 s, drowsiness), and an unresponsive driver an escalation to
a stop in lane with the hazard lights on. The stop on the real plant is in
test_lane_support_stop_in_lane.py."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import pytest
from tests.safety.lateral_harness import catalogue

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.safety import dms
from sdvkit.safety import driver_model as dm
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.signals import Broker
from sdvkit.vehicle.lights import HAZARD, LightsPlant

RECORDED = {
    "distraction": dms.DISTRACTION,
    "drowsiness": dms.DROWSINESS,
    "level": dms.LEVEL,
    "warning": dms.IS_WARNING,
    "error": dms.IS_ERROR,
    "accel": dms.ACCELERATION_REQUEST,
    "unresponsive": dms.IS_UNRESPONSIVE,
    "distracted": dms.IS_DISTRACTED,
    "eyes_on_road": dms.EYES_ON_ROAD,
    "fatigue": dms.FATIGUE_LEVEL,
    "hazard": HAZARD,
}


class Speedometer(VehicleApp):
    """Test equipment: publishes a speed, as the plant would (50 Hz)."""

    def __init__(self, speed_kph: float) -> None:
        super().__init__(
            name="speedometer",
            manifest=Manifest(writes=("Vehicle.Speed",), role=AppRole.TEST_BENCH),
            step_period_s=0.02,
        )
        self.speed_kph = speed_kph

    def step(self) -> None:
        self.publish({"Vehicle.Speed": self.speed_kph})


class Recorder(VehicleApp):
    """Test equipment: samples the DMS outputs every cycle."""

    def __init__(self) -> None:
        super().__init__(
            name="recorder",
            manifest=Manifest(reads=tuple(RECORDED.values()), role=AppRole.TEST_BENCH),
            step_period_s=0.05,
        )
        self.rows: list[dict[str, Any]] = []

    def step(self) -> None:
        values = self.get_many(tuple(RECORDED.values()))
        row: dict[str, Any] = {"t": round(self.now_s, 3)}
        row.update({key: None if dp is None else dp.value for key, dp in zip(RECORDED, values, strict=True)})
        self.rows.append(row)


def run_dms(
    behaviour: dm.DriverBehaviour | None,
    seconds: float,
    *,
    seed: int = 0,
    lights: bool = True,
    speed_kph: float = 72.0,
    params: dms.DmsParams | None = None,
) -> tuple[list[dict[str, Any]], dms.DriverMonitoringApp]:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue(), now_ns=clock.now_ns), clock)
    runner.add(Speedometer(speed_kph))
    if lights:
        runner.add(LightsPlant())
    if behaviour is not None:
        runner.add(dm.VirtualDriverFace(behaviour, seed=seed))
    monitor = runner.add(dms.DriverMonitoringApp(params))
    recorder = runner.add(Recorder())
    runner.start()
    clock.run_for(seconds)
    runner.stop()
    return recorder.rows, monitor


def first(rows: Sequence[dict[str, Any]], key: str, value: Any) -> float:
    """When ``key`` first took ``value`` (inf if never)."""
    return next((row["t"] for row in rows if row[key] == value), math.inf)


def seen(rows: Sequence[dict[str, Any]], key: str) -> set[Any]:
    return {row[key] for row in rows}


def test_an_attentive_driver_is_left_alone() -> None:
    rows, _ = run_dms(dm.attentive(), 90.0, seed=5)
    assert seen(rows, "distraction") == {"ATTENTIVE"}
    assert seen(rows, "drowsiness") == {"AWAKE"}
    assert seen(rows, "warning") == {False}
    assert sum(row["eyes_on_road"] for row in rows) / len(rows) > 0.95, (
        "blinks and mirror glances are driving"
    )


def test_a_long_glance_is_flagged_at_3_s_and_the_warning_brings_the_driver_back() -> None:
    rows, _ = run_dms(dm.long_distraction(start_s=2.0, duration_s=8.0), 15.0)
    assert first(rows, "distraction", "LONG_GLANCE_AWAY") == pytest.approx(5.0)
    assert first(rows, "warning", True) == pytest.approx(5.0)
    assert first(rows, "distracted", True) == pytest.approx(5.0)
    assert rows[-1]["distraction"] == "ATTENTIVE"
    assert rows[-1]["level"] == "NONE"
    assert seen(rows, "level") <= {"NONE", "WARNING"}, "the driver answered the first warning"


def test_a_glance_just_under_3_s_is_not_a_long_one() -> None:
    rows, _ = run_dms(dm.long_distraction(start_s=2.0, duration_s=2.9), 8.0)
    assert "LONG_GLANCE_AWAY" not in seen(rows, "distraction")
    assert seen(rows, "warning") == {False}


def test_short_glances_adding_up_to_10_s_within_30_s_are_flagged() -> None:
    # 2 s away, 1 s back, repeated: the fifth glance brings the total to 10 s at 2 + 4·3 + 2 = 16 s.
    rows, _ = run_dms(dm.short_glances(start_s=2.0, glance_s=2.0, on_road_s=1.0, count=8), 20.0)
    assert first(rows, "distraction", "SHORT_GLANCES_AWAY") == pytest.approx(16.0)
    assert "LONG_GLANCE_AWAY" not in seen(rows, "distraction")
    assert first(rows, "warning", True) == pytest.approx(16.0)


def test_two_seconds_back_on_the_road_empty_the_glance_buffer() -> None:
    reset, _ = run_dms(dm.short_glances(start_s=2.0, glance_s=2.0, on_road_s=2.0, count=10), 45.0)
    assert seen(reset, "distraction") == {"ATTENTIVE"}
    not_reset, _ = run_dms(dm.short_glances(start_s=2.0, glance_s=2.0, on_road_s=1.8, count=10), 45.0)
    assert "SHORT_GLANCES_AWAY" in seen(not_reset, "distraction")


def test_mirror_glances_count_as_away_only_after_a_second() -> None:
    mirror = dm.DriverBehaviour(
        name="mirror",
        glances=(dm.Glance(start_s=2.0, duration_s=5.0, region="LEFT_MIRROR"),),
        responsive=False,
    )
    rows, _ = run_dms(mirror, 8.0)
    assert first(rows, "distraction", "LONG_GLANCE_AWAY") == pytest.approx(2.0 + 1.0 + 3.0)


def test_eyes_closed_from_1_s_are_a_microsleep_and_beyond_3_s_sleep() -> None:
    rows, _ = run_dms(dm.asleep(start_s=2.0), 12.0)
    assert first(rows, "drowsiness", "MICROSLEEP") == pytest.approx(3.0)
    assert 5.0 < first(rows, "drowsiness", "ASLEEP") <= 5.05 + 1e-9
    assert first(rows, "warning", True) == pytest.approx(3.0)
    assert first(rows, "distracted", True) == pytest.approx(3.0)
    # The driver wakes 2.5 s after the warning: before the 3 s without a response run out.
    assert "STOPPING_IN_LANE" not in seen(rows, "level")
    assert rows[-1]["level"] == "NONE"


def test_closures_under_3_s_are_microsleeps_not_sleep() -> None:
    nodding = dm.DriverBehaviour(
        name="nodding off", blink_rate_per_min=8.0, long_blink_share=1.0, long_blink_range_s=(1.5, 2.5)
    )
    rows, _ = run_dms(nodding, 40.0, seed=2)
    assert "MICROSLEEP" in seen(rows, "drowsiness")
    assert "ASLEEP" not in seen(rows, "drowsiness")


def test_a_drowsy_driver_is_found_drowsy_and_an_alert_one_not() -> None:
    rows, _ = run_dms(dm.drowsy(), 50.0, seed=1)
    assert first(rows, "drowsiness", "DROWSY") <= 40.0
    assert seen(rows, "drowsiness") <= {"AWAKE", "DROWSY"}
    assert rows[-1]["fatigue"] >= 75.0, "KSS 7 or more"
    assert seen(rows, "level") <= {"NONE", "WARNING"}, (
        "drowsiness warns (take a break), it does not stop the car"
    )


def test_an_unresponsive_driver_escalates_to_a_stop_in_lane_with_hazard_lights() -> None:
    rows, monitor = run_dms(dm.unresponsive(start_s=2.0), 12.0)
    warning, urgent, stopping = (
        first(rows, "level", level) for level in ("WARNING", "URGENT_WARNING", "STOPPING_IN_LANE")
    )
    assert warning == pytest.approx(3.0), "a closure of 1 s warns"
    assert urgent == pytest.approx(4.5)
    assert stopping == pytest.approx(6.0), "no response 3 s after the warning"
    assert first(rows, "unresponsive", True) == pytest.approx(6.0)
    assert first(rows, "hazard", True) == pytest.approx(6.0)
    accels = [row["accel"] for row in rows if row["t"] >= stopping]
    jerks = [(b - a) / 0.05 for a, b in itertools.pairwise(accels)]
    assert min(accels) == pytest.approx(-monitor.params.stop_deceleration_mps2)
    assert min(jerks) >= -monitor.params.stop_jerk_mps3 - 1e-9
    assert rows[-1]["level"] == "STOPPING_IN_LANE", "the speedometer still says 72 km/h"


def test_gaze_away_for_6_s_is_unresponsive() -> None:
    rows, _ = run_dms(dm.long_distraction(start_s=2.0, duration_s=12.0, responsive=False), 9.0)
    assert first(rows, "level", "STOPPING_IN_LANE") == pytest.approx(8.0)


def test_at_standstill_the_stop_is_done_at_once_and_a_returning_driver_ends_it() -> None:
    back_at_8_s = dm.DriverBehaviour(
        name="returns", glances=(dm.Glance(start_s=2.0, duration_s=6.5),), responsive=False
    )
    rows, _ = run_dms(back_at_8_s, 12.0, speed_kph=0.0)
    assert first(rows, "level", "STOPPED") == pytest.approx(8.0)
    assert first(rows, "hazard", True) == pytest.approx(8.0)
    assert rows[-1]["level"] == "NONE", "2 s on the road with the hands on the wheel"
    assert rows[-1]["hazard"] is False


def test_without_a_camera_the_dms_reports_a_fault_and_no_verdict() -> None:
    rows, monitor = run_dms(None, 2.0)
    assert seen(rows, "error") == {True}
    assert seen(rows, "distraction") == {"UNKNOWN"}
    assert seen(rows, "level") == {"NONE"}
    assert monitor.fault is not None
    assert dm.FACE_DETECTED in monitor.fault


def test_without_a_lights_plant_the_stop_goes_on_and_says_why_no_hazards() -> None:
    rows, monitor = run_dms(dm.unresponsive(start_s=1.0), 8.0, lights=False)
    assert "STOPPING_IN_LANE" in seen(rows, "level")
    assert monitor.hazard_fault is not None
    assert HAZARD in monitor.hazard_fault


def test_impossible_thresholds_are_refused_by_name() -> None:
    with pytest.raises(SafetyConfigError, match="long_glance_s"):
        dms.DmsParams(long_glance_s=-1.0)
    with pytest.raises(SafetyConfigError, match="microsleep_min_s"):
        dms.DmsParams(microsleep_min_s=4.0, sleep_min_s=3.0)
