"""ACC with stop and go in closed loop: time gap, ISO 15622 limits, stopping and driving on, the
cut-out, and the driver's pedals."""

from __future__ import annotations

import itertools

import pytest
from tests.safety.forward_harness import ForwardBench, Sample, kmh

from sdvkit.safety.acc import (
    AccParams,
    deceleration_limit_mps2,
    jerk_limit_mps3,
    revealed_stop_distance_m,
)
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.world.actors import ActorSpec, SpeedProfile

CONTROLLING = ("CRUISING", "FOLLOWING")
STANDSTILL_DISTANCE_M = AccParams().standstill_distance_m


def assert_within_iso_limits(samples: list[Sample]) -> None:
    """ACC's requests: the deceleration and jerk limits at every step; the car's deceleration,
    averaged over 2 s as ISO 15622 does, within the limit too."""
    step_s = samples[1].time_s - samples[0].time_s
    for previous, sample in itertools.pairwise(samples):
        if sample.acc_state not in CONTROLLING or previous.acc_state not in CONTROLLING:
            continue
        limit = deceleration_limit_mps2(sample.speed_mps)
        assert sample.acc_request_mps2 >= -limit - 1e-9, sample
        assert sample.acc_request_mps2 <= AccParams().max_acceleration_mps2 + 1e-9, sample
        jerk = abs(sample.acc_request_mps2 - previous.acc_request_mps2) / step_s
        assert jerk <= jerk_limit_mps3(min(sample.speed_mps, previous.speed_mps)) + 1e-6, sample
    window = round(2.0 / step_s)
    for start in range(0, len(samples) - window):
        chunk = samples[start : start + window]
        if all(sample.acc_state in CONTROLLING and sample.source == "ACC" for sample in chunk):
            mean = sum(sample.acceleration_mps2 for sample in chunk) / window
            assert mean >= -deceleration_limit_mps2(chunk[-1].speed_mps) - 0.1


def test_iso_limits_fall_with_speed() -> None:
    assert deceleration_limit_mps2(3.0) == 5.0
    assert deceleration_limit_mps2(12.5) == pytest.approx(4.25)
    assert deceleration_limit_mps2(30.0) == 3.5
    assert jerk_limit_mps3(3.0) == 5.0
    assert jerk_limit_mps3(12.5) == pytest.approx(3.75)
    assert jerk_limit_mps3(30.0) == 2.5
    assert 30.0 < revealed_stop_distance_m(kmh(50.0)) < 45.0
    assert revealed_stop_distance_m(kmh(80.0)) > revealed_stop_distance_m(kmh(50.0))


def test_acc_follows_a_50_kmh_lead_at_the_set_time_gap_within_iso_limits() -> None:
    bench = ForwardBench(speed_kmh=50.0, robot_speed_kmh=None)
    bench.lead_car("lead", gap_m=45.0, profile=SpeedProfile.constant(kmh(50.0)))
    bench.start()
    bench.robot.set_cruise(speed_kmh=80.0, time_gap_s=1.5)
    bench.run(30.0)
    desired_m = STANDSTILL_DISTANCE_M + 1.5 * kmh(50.0)
    settled = [sample for sample in bench.samples if sample.time_s > 20.0]
    for sample in settled:
        assert sample.gaps_m["lead"] == pytest.approx(desired_m, rel=0.10)
        assert sample.acc_state == "FOLLOWING"
        assert sample.source == "ACC"
    assert bench.acc_app.target is not None
    assert bench.acc_app.target.track.id == bench.perception.track_id("lead")
    assert_within_iso_limits(bench.samples)
    assert bench.fcw_app.warnings_given == 0
    assert bench.aeb_app.activations == 0


def test_acc_without_a_lead_holds_the_set_speed() -> None:
    bench = ForwardBench(speed_kmh=30.0, robot_speed_kmh=None)
    bench.start()
    bench.robot.set_cruise(speed_kmh=60.0)
    bench.run(20.0)
    assert bench.samples[-1].acc_state == "CRUISING"
    assert bench.samples[-1].speed_mps == pytest.approx(kmh(60.0), abs=0.3)
    assert_within_iso_limits(bench.samples)


def test_acc_stops_behind_a_stopping_lead_and_drives_on_with_it() -> None:
    speed = kmh(50.0)
    stop_and_go = SpeedProfile(
        points=(
            (0.0, speed),
            (5.0, speed),
            (5.0 + speed / 2.0, 0.0),
            (13.0 + speed / 2.0, 0.0),
            (23.0 + speed / 2.0, kmh(30.0)),
        )
    )
    bench = ForwardBench(speed_kmh=50.0, robot_speed_kmh=None)
    bench.lead_car("lead", gap_m=30.0, profile=stop_and_go)
    bench.start()
    bench.robot.set_cruise(speed_kmh=50.0, time_gap_s=1.8)
    bench.run(32.0)
    states = [sample.acc_state for sample in bench.samples]
    held = [sample for sample in bench.samples if sample.acc_state == "STOPPED_HOLD"]
    assert held, "ACC never held the car behind the stopped lead"
    assert all(sample.speed_mps < 0.3 for sample in held)
    assert STANDSTILL_DISTANCE_M - 1.5 < held[-1].gaps_m["lead"] < STANDSTILL_DISTANCE_M + 1.5
    resumed = states.index("STOPPED_HOLD") + states[states.index("STOPPED_HOLD") :].index("FOLLOWING")
    assert bench.samples[resumed].time_s > 13.0 + speed / 2.0  # only once the lead drove off
    assert bench.samples[-1].speed_mps > kmh(25.0)
    assert bench.world.collisions == ()
    assert bench.aeb_app.activations == 0
    assert bench.fcw_app.warnings_given == 0
    assert_within_iso_limits(bench.samples)


def test_a_cut_out_revealing_a_stopped_car_45_m_ahead_is_handled_by_acc_alone() -> None:
    """At 50 km/h the lead swerves into the next lane; the stationary car it hid is revealed 45 m
    ahead (see revealed_stop_distance_m): ACC stops within its limits, FCW and AEB stay quiet."""
    speed = kmh(50.0)
    bench = ForwardBench(speed_kmh=50.0, robot_speed_kmh=None, occlusion=True)
    lead_centre = 29.0 + 2.25
    swerve = lead_centre + 2.0 * speed
    bench.along(
        ActorSpec.car("lead"),
        ((lead_centre, 0.0), (swerve, 0.0), (swerve + 2.5 * speed, -3.5), (swerve + 500.0, -3.5)),
        SpeedProfile.constant(speed),
    )
    # The lead is 1.6 m out of the path (ACC lets go of it) 3.14 s in: the ego's front is 43.6 m on.
    bench.stationary_car("stopped", gap_m=43.6 + 45.0)
    bench.start()
    bench.robot.set_cruise(speed_kmh=50.0, time_gap_s=1.8)
    bench.run(12.0)
    assert bench.world.collisions == ()
    assert bench.samples[-1].acc_state == "STOPPED_HOLD"
    assert bench.acc_app.target is not None
    assert bench.acc_app.target.track.id == bench.perception.track_id("stopped")
    assert bench.aeb_app.activations == 0
    assert bench.fcw_app.warnings_given == 0
    assert_within_iso_limits(bench.samples)
    assert 1.0 < bench.min_gap_m("stopped") < 8.0


def test_the_brake_pedal_cancels_and_the_accelerator_overrides() -> None:
    bench = ForwardBench(speed_kmh=50.0, robot_speed_kmh=None)
    bench.start()
    bench.robot.set_cruise(speed_kmh=50.0)
    bench.run(1.0)
    acc = bench.acc_app
    assert acc.acc_state == "CRUISING"
    bench.robot.pedals = (30.0, 0.0)
    bench.run(1.0)
    assert acc.acc_state == "OVERRIDDEN"
    assert bench.samples[-1].source == "NONE"  # the driver's pedal rules
    assert bench.samples[-1].acceleration_mps2 > 0.3
    bench.robot.pedals = (0.0, 0.0)
    bench.run(1.0)
    assert acc.acc_state == "CRUISING"
    assert bench.samples[-1].source == "ACC"
    bench.robot.pedals = (0.0, 20.0)
    bench.run(0.5)
    assert acc.acc_state == "STANDBY"
    assert acc.get("Vehicle.ADAS.CruiseControl.IsActive").value is False  # type: ignore[union-attr]
    bench.robot.pedals = (0.0, 0.0)
    bench.run(1.0)
    assert acc.acc_state == "STANDBY"  # a cancel lasts until the driver activates again
    assert bench.samples[-1].source == "NONE"


def test_acc_switched_off_cannot_be_activated_and_stale_inputs_fault_it() -> None:
    bench = ForwardBench(speed_kmh=50.0, robot_speed_kmh=None)
    bench.start()
    bench.settings({"Vehicle.ADAS.CruiseControl.IsActive": True})
    bench.run(0.5)
    acc = bench.acc_app
    assert acc.acc_state == "OFF"
    assert acc.get("Vehicle.ADAS.CruiseControl.IsActive").value is False  # type: ignore[union-attr]
    bench.robot.set_cruise(speed_kmh=50.0)
    bench.run(0.5)
    assert acc.acc_state == "CRUISING"
    bench.perception.paused = True
    bench.run(0.5)
    assert acc.acc_state == "FAULT"
    assert "Vehicle.ADAS.Perception.CycleCounter" in acc.fault
    assert bench.samples[-1].source == "NONE"
    assert acc.get("Vehicle.ADAS.CruiseControl.IsError").value is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "value"),
    [("standstill_distance_m", 0.0), ("max_acceleration_mps2", 9.0), ("gap_gain_per_s2", -1.0)],
)
def test_impossible_acc_parameters_are_refused_by_name(field: str, value: float) -> None:
    with pytest.raises(SafetyConfigError, match=field):
        AccParams(**{field: value})
