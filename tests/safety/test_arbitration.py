"""The arbitration layer: one longitudinal and one lateral request per cycle, the most negative
acceleration and the highest-ranked steering win, stale requests are dropped and reported."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from tests.safety.forward_harness import ForwardBench, kmh

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.safety.arbitration import (
    LATERAL_REQUEST,
    LATERAL_SOURCE,
    LONGITUDINAL_REQUEST,
    LONGITUDINAL_SOURCE,
    ArbitrationApp,
    Channel,
)
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.world.actors import SpeedProfile

MOTION_CONTROL = (LONGITUDINAL_SOURCE, LONGITUDINAL_REQUEST, LATERAL_SOURCE, LATERAL_REQUEST)
AEB = "Vehicle.ADAS.AEB"
ACC = "Vehicle.ADAS.CruiseControl.Adaptive"
DMS = "Vehicle.ADAS.DMS.Escalation"
LKA = "Vehicle.ADAS.LKA"
ELK = "Vehicle.ADAS.ELK"


class FunctionStub(VehicleApp):
    """Test equipment standing in for the functions: publishes ``values`` every 20 ms."""

    def __init__(self) -> None:
        super().__init__(
            name="functions",
            manifest=Manifest(writes=(AEB, ACC, DMS, LKA, ELK), role=AppRole.TEST_BENCH),
            step_period_s=0.02,
        )
        self.values: dict[str, Any] = {}
        self.silent: set[str] = set()
        """Paths whose publisher has gone quiet."""

    def step(self) -> None:
        values = {path: value for path, value in self.values.items() if path not in self.silent}
        if values:
            self.publish(values)


class MotionSink(VehicleApp):
    """Test equipment standing in for the plant: takes the motion requests and notes each call."""

    def __init__(self) -> None:
        super().__init__(name="plant", manifest=Manifest(writes=MOTION_CONTROL, role=AppRole.PLANT))
        self.calls: list[tuple[int, dict[str, Any]]] = []

    def on_start(self) -> None:
        self.provide_actuation(
            MOTION_CONTROL, lambda requests: self.calls.append((self.now_ns(), dict(requests)))
        )

    def last(self, source_path: str) -> dict[str, Any]:
        return next(call for _, call in reversed(self.calls) if source_path in call)


class Rig:
    def __init__(self) -> None:
        self.clock = SimClock(tick_s=0.01)
        broker = Broker(builtin_catalogue(), now_ns=self.clock.now_ns)
        self.runner = AppRunner(broker, self.clock)
        self.sink = self.runner.add(MotionSink())
        self.functions = self.runner.add(FunctionStub())
        self.arbitration = self.runner.add(ArbitrationApp())
        self.runner.start()

    def run(self, values: dict[str, Any], seconds: float = 0.1) -> tuple[dict[str, Any], dict[str, Any]]:
        self.functions.values.update(values)
        self.clock.run_for(seconds)
        return self.sink.last(LONGITUDINAL_SOURCE), self.sink.last(LATERAL_SOURCE)


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_with_no_function_asking_the_driver_rules(rig: Rig) -> None:
    longitudinal, lateral = rig.run(
        {f"{AEB}.IsEngaged": False, f"{AEB}.AccelerationRequest": 0.0, f"{ACC}.State": "STANDBY"}
    )
    assert longitudinal == {LONGITUDINAL_SOURCE: "NONE", LONGITUDINAL_REQUEST: 0.0}
    assert lateral == {LATERAL_SOURCE: "NONE", LATERAL_REQUEST: 0.0}


def test_the_most_negative_acceleration_wins_and_ties_go_to_the_higher_rank(rig: Rig) -> None:
    acc = {f"{ACC}.State": "FOLLOWING", f"{ACC}.AccelerationRequest": -4.5}
    aeb = {f"{AEB}.IsEngaged": True, f"{AEB}.AccelerationRequest": -4.0}
    longitudinal, _ = rig.run({**acc, **aeb})
    assert longitudinal == {LONGITUDINAL_SOURCE: "ACC", LONGITUDINAL_REQUEST: -4.5}
    longitudinal, _ = rig.run({f"{AEB}.AccelerationRequest": -10.0})
    assert longitudinal == {LONGITUDINAL_SOURCE: "AEB", LONGITUDINAL_REQUEST: -10.0}
    longitudinal, _ = rig.run({f"{AEB}.AccelerationRequest": -4.5})
    assert longitudinal[LONGITUDINAL_SOURCE] == "AEB"
    mrm = {f"{DMS}.Level": "STOPPING_IN_LANE", f"{DMS}.AccelerationRequest": -4.5}
    longitudinal, _ = rig.run({**mrm, f"{AEB}.IsEngaged": False})
    assert longitudinal[LONGITUDINAL_SOURCE] == "MRM"
    # A function that is not engaged asks nothing, whatever its request holds.
    longitudinal, _ = rig.run(
        {f"{DMS}.Level": "WARNING", f"{ACC}.State": "OVERRIDDEN", f"{AEB}.AccelerationRequest": -9.0}
    )
    assert longitudinal[LONGITUDINAL_SOURCE] == "NONE"


def test_elk_steers_before_the_stop_in_lane_before_lka(rig: Rig) -> None:
    lka = {f"{LKA}.IsEngaged": True, f"{LKA}.SteeringWheelAngleRequest": 5.0}
    elk = {f"{ELK}.IsEngaged": True, f"{ELK}.SteeringWheelAngleRequest": -30.0}
    _, lateral = rig.run(lka)
    assert lateral == {LATERAL_SOURCE: "LKA", LATERAL_REQUEST: 5.0}
    _, lateral = rig.run({f"{DMS}.Level": "STOPPING_IN_LANE", f"{DMS}.AccelerationRequest": -1.0})
    assert lateral == {LATERAL_SOURCE: "MRM", LATERAL_REQUEST: 5.0}  # keeping the lane: LKA's request
    _, lateral = rig.run(elk)
    assert lateral == {LATERAL_SOURCE: "ELK", LATERAL_REQUEST: -30.0}
    # Without a lane LKA can keep, the stop in lane does not steer: the wheel is the driver's.
    _, lateral = rig.run({f"{ELK}.IsEngaged": False, f"{LKA}.IsEngaged": False})
    assert lateral == {LATERAL_SOURCE: "NONE", LATERAL_REQUEST: 0.0}


def test_one_longitudinal_and_one_lateral_request_per_cycle(rig: Rig) -> None:
    rig.run(
        {
            f"{AEB}.IsEngaged": True,
            f"{AEB}.AccelerationRequest": -4.0,
            f"{LKA}.IsEngaged": True,
            f"{LKA}.SteeringWheelAngleRequest": 1.0,
        },
        1.0,
    )
    per_cycle = Counter(time_ns for time_ns, _ in rig.sink.calls)
    assert len(per_cycle) == 50  # 1 s at 50 Hz
    assert set(per_cycle.values()) == {2}
    assert all(
        set(call) in ({LONGITUDINAL_SOURCE, LONGITUDINAL_REQUEST}, {LATERAL_SOURCE, LATERAL_REQUEST})
        for _, call in rig.sink.calls
    )


def test_a_stale_request_is_dropped_and_reported_without_stopping_the_car(rig: Rig) -> None:
    rig.run(
        {
            f"{AEB}.IsEngaged": True,
            f"{AEB}.AccelerationRequest": -8.0,
            f"{ACC}.State": "FOLLOWING",
            f"{ACC}.AccelerationRequest": -1.0,
        }
    )
    assert rig.arbitration.stale_sources == frozenset()
    rig.functions.silent = {f"{AEB}.AccelerationRequest"}  # AEB's request freezes while engaged
    longitudinal, _ = rig.run({}, 0.2)
    assert longitudinal == {LONGITUDINAL_SOURCE: "ACC", LONGITUDINAL_REQUEST: -1.0}
    assert rig.arbitration.stale_sources == frozenset({"AEB"})
    assert rig.arbitration.stale_drops["AEB"] >= 5
    assert rig.arbitration.decision is not None
    assert rig.arbitration.decision.longitudinal_source == "ACC"
    rig.functions.silent = set()
    longitudinal, _ = rig.run({}, 0.1)
    assert longitudinal[LONGITUDINAL_SOURCE] == "AEB"
    assert rig.arbitration.stale_sources == frozenset()


def test_a_channel_with_an_impossible_age_is_refused() -> None:
    with pytest.raises(SafetyConfigError, match="max_age_s"):
        Channel(
            source="X",
            request_path="a.b",
            engaged_path="a.c",
            engaged_values=(True,),
            rate_hz=10.0,
            max_age_s=0.0,
        )


def test_aeb_wins_over_acc_in_closed_loop_and_the_plant_gets_one_request_each_per_cycle() -> None:
    """ACC follows at 1 s; the lead brakes at 8 m/s², beyond ACC's limits: AEB's harder request
    wins and the car stops short. All along, the plant takes exactly one longitudinal and one
    lateral request every 20 ms."""
    speed = kmh(50.0)
    bench = ForwardBench(speed_kmh=50.0, robot_speed_kmh=None)
    bench.lead_car(
        "lead",
        gap_m=20.0,
        profile=SpeedProfile(points=((0.0, speed), (3.0, speed), (3.0 + speed / 8.0, 0.0))),
    )
    bench.start()
    bench.robot.set_cruise(speed_kmh=50.0, time_gap_s=1.0)
    bench.run(8.0)
    assert bench.world.collisions == ()
    both = [
        sample
        for sample in bench.samples
        if sample.acc_state == "FOLLOWING" and sample.aeb_state in ("PARTIAL_BRAKING", "FULL_BRAKING")
    ]
    assert both
    aeb_won = [sample for sample in both if sample.source == "AEB"]
    assert aeb_won
    for sample in aeb_won:
        assert sample.command_mps2 == sample.aeb_request_mps2 <= sample.acc_request_mps2
    for sample in both:
        assert sample.command_mps2 == min(sample.aeb_request_mps2, sample.acc_request_mps2)
    motion = [
        (time_ns, paths) for time_ns, paths in bench.plant.actuations if set(paths) & set(MOTION_CONTROL)
    ]
    per_cycle = Counter(time_ns for time_ns, _ in motion)
    assert set(per_cycle.values()) == {2}
    assert len(per_cycle) == pytest.approx(8.0 / 0.02, abs=1)
    shapes = Counter(frozenset(paths) for _, paths in motion)
    assert shapes == {
        frozenset({LONGITUDINAL_SOURCE, LONGITUDINAL_REQUEST}): len(per_cycle),
        frozenset({LATERAL_SOURCE, LATERAL_REQUEST}): len(per_cycle),
    }
