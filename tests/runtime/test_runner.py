"""Apps on the runner: determinism on SimClock, the same apps on RealTimeClock, errors, drops."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from sdvkit.runtime import (
    AppRunner,
    AppState,
    AppStateError,
    ClockError,
    Input,
    Manifest,
    RealTimeClock,
    SimClock,
    StaleInputError,
    VehicleApp,
)
from sdvkit.signals.broker import Broker
from sdvkit.signals.catalogue import Catalogue
from sdvkit.signals.subscription import Update

SPEED = "Vehicle.Speed"
BRAKE = "Vehicle.Controls.BrakeDemand"

# -- the scenario: a plant ramps the speed, a controller brakes in proportion ----------------------


class RampPlant(VehicleApp):
    """Publishes a speed ramp every 10 ms and applies the brake demands it receives."""

    name = "plant"
    manifest = Manifest(writes=(SPEED, BRAKE))
    step_period_s = 0.01
    ramp_kmh_per_step = 0.5

    def on_start(self) -> None:
        self.speed_kmh = 0.0
        self.published_kmh: list[float] = []
        self.demands_percent: list[float] = []
        self.provide([SPEED, BRAKE])
        self.provide_actuation(BRAKE, self.on_brake_request)

    def on_brake_request(self, requests: list[tuple[str, Any]]) -> None:
        for _, demand_percent in requests:
            self.demands_percent.append(demand_percent)

    def step(self) -> None:
        self.speed_kmh += self.ramp_kmh_per_step
        self.published_kmh.append(self.speed_kmh)
        values = {SPEED: self.speed_kmh}
        if self.demands_percent:
            values[BRAKE] = self.demands_percent[-1]  # the demand applied: the actuator's current value
        self.publish(values)


def brake_law_percent(speed_kmh: float) -> float:
    return min(100.0, 0.5 * speed_kmh)


class BrakeController(VehicleApp):
    """At 10 Hz: refuse to act on a stale speed, else ask for a brake proportional to it."""

    name = "controller"
    manifest = Manifest(reads=(Input(path=SPEED, rate_hz=100.0, max_age_s=0.5),), writes=(BRAKE,))
    step_period_s = 0.1

    def on_start(self) -> None:
        self.handled_speeds_kmh: list[float] = []
        self.actuations: list[tuple[float, float]] = []
        self.refusals = 0
        self.subscribe(SPEED, self.on_speed)

    def on_speed(self, updates: list[Update]) -> None:
        self.handled_speeds_kmh.extend(datapoint.value for _, datapoint in updates)

    def step(self) -> None:
        if not self.inputs_fresh():
            self.refusals += 1
            return
        speed = self.get(SPEED)
        assert speed is not None
        demand_percent = brake_law_percent(speed.value)
        self.actuate(BRAKE, demand_percent)
        self.actuations.append((speed.value, demand_percent))


class Recorder(VehicleApp):
    """Event-driven: records every update of the speed and the applied brake demand."""

    name = "recorder"
    manifest = Manifest(reads=(SPEED, BRAKE))

    def on_start(self) -> None:
        self.history: list[tuple[str, Any, int]] = []
        self.subscribe([SPEED, BRAKE], self.on_updates)

    def on_updates(self, updates: list[Update]) -> None:
        self.history.extend((path, datapoint.value, datapoint.timestamp_ns) for path, datapoint in updates)


def build(
    catalogue: Catalogue, clock: SimClock | RealTimeClock
) -> tuple[AppRunner, RampPlant, BrakeController, Recorder]:
    broker = Broker(catalogue, now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    plant = runner.add(RampPlant())
    controller = runner.add(BrakeController())
    recorder = runner.add(Recorder())
    return runner, plant, controller, recorder


def run_sim_scenario(catalogue: Catalogue, duration_s: float) -> tuple[RampPlant, BrakeController, Recorder]:
    clock = SimClock(tick_s=0.01)
    runner, plant, controller, recorder = build(catalogue, clock)
    runner.start()
    clock.run_for(duration_s)
    runner.stop()
    return plant, controller, recorder


def check_consistent(plant: RampPlant, controller: BrakeController, recorder: Recorder) -> None:
    """What any run, simulated or real, must show."""
    assert controller.actuations, "the controller never actuated"
    published = set(plant.published_kmh)
    for speed_kmh, demand_percent in controller.actuations:
        assert speed_kmh in published
        assert demand_percent == brake_law_percent(speed_kmh)
    assert plant.demands_percent == [demand for _, demand in controller.actuations]
    assert controller.handled_speeds_kmh == sorted(controller.handled_speeds_kmh)  # a ramp, in order
    recorded_speeds = [value for path, value, _ in recorder.history if path == SPEED]
    assert recorded_speeds == plant.published_kmh[: len(recorded_speeds)]
    timestamps = [stamp for _, _, stamp in recorder.history]
    assert timestamps == sorted(timestamps)


def test_a_sim_run_is_the_same_every_time(catalogue: Catalogue) -> None:
    first = run_sim_scenario(catalogue, 1.0)
    second = run_sim_scenario(catalogue, 1.0)
    plant, controller, recorder = first
    check_consistent(*first)
    assert recorder.history == second[2].history
    assert controller.actuations == second[1].actuations
    # Exactly what lock-step time promises: a tick every 10 ms, the controller at 100, 200 … ms,
    # reading the speed the plant published in the same tick.
    assert recorder.history[0] == (SPEED, 0.5, 10_000_000)
    assert controller.actuations[0] == (5.0, 2.5)
    assert len(controller.actuations) == 10
    assert controller.refusals == 0
    assert len(plant.published_kmh) == 100
    # A demand asked in tick n is applied by the plant in tick n+1, and recorded then.
    brake_records = [(value, stamp) for path, value, stamp in recorder.history if path == BRAKE]
    assert brake_records[0] == (2.5, 110_000_000)


def test_the_same_apps_run_in_real_time(catalogue: Catalogue) -> None:
    clock = RealTimeClock()
    runner, plant, controller, recorder = build(catalogue, clock)
    runner.start()
    asyncio.run(clock.run_for(0.35))
    runner.stop()
    assert plant.step_count >= 5
    assert controller.handled_speeds_kmh, "the handler never ran"
    check_consistent(plant, controller, recorder)


def test_ten_simulated_seconds_of_two_apps(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    broker = Broker(catalogue, now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    plant = runner.add(RampPlant())
    controller = runner.add(BrakeController())
    with runner:
        assert clock.run_for(10.0) == 1000
    assert clock.ticks == 1000
    assert plant.step_count == 1000
    assert controller.step_count == 100
    assert len(controller.handled_speeds_kmh) == 999  # the last speed is delivered in tick 1001
    assert controller.refusals == 0


# -- errors of app code propagate --------------------------------------------------------------------


class FailingHandler(VehicleApp):
    name = "failing-handler"
    manifest = Manifest(reads=(SPEED,))

    def on_start(self) -> None:
        self.subscribe(SPEED, self.on_speed)

    def on_speed(self, updates: list[Update]) -> None:
        raise ValueError(f"cannot handle {updates[0][1].value}")


class FailingStep(VehicleApp):
    name = "failing-step"
    step_period_s = 0.05

    def step(self) -> None:
        raise ZeroDivisionError("step failed")


def test_handler_errors_propagate_out_of_the_sim_clock(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    runner, *_ = build(catalogue, clock)
    runner.add(FailingHandler())
    runner.start()
    with pytest.raises(ValueError, match=r"cannot handle 0\.5") as caught:
        clock.run_for(1.0)
    assert "raised by app 'failing-handler' in its handler for Vehicle.Speed" in caught.value.__notes__
    assert clock.ticks == 2  # the first speed was published in tick 1 and delivered in tick 2


def test_step_errors_propagate_out_of_advance(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    runner.add(FailingStep())
    runner.start()
    clock.advance(4)
    with pytest.raises(ZeroDivisionError, match="step failed") as caught:
        clock.advance()
    assert any("'failing-step' in step() at t = 0.050 s" in note for note in caught.value.__notes__)


def test_handler_errors_propagate_out_of_the_real_time_clock(catalogue: Catalogue) -> None:
    clock = RealTimeClock()
    runner, *_ = build(catalogue, clock)
    runner.add(FailingHandler())
    runner.start()
    with pytest.raises(ValueError, match="cannot handle"):
        asyncio.run(clock.run_for(30.0))
    runner.stop()


def test_step_errors_propagate_out_of_the_real_time_clock(catalogue: Catalogue) -> None:
    clock = RealTimeClock()
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    runner.add(FailingStep())
    runner.start()
    with pytest.raises(ZeroDivisionError, match="step failed"):
        asyncio.run(clock.run_for(30.0))


def test_stale_input_error_propagates_out_of_a_step(catalogue: Catalogue) -> None:
    class Strict(BrakeController):
        def step(self) -> None:
            self.require_fresh_inputs()

    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    runner.add(Strict())  # no plant: the speed never arrives
    runner.start()
    with pytest.raises(StaleInputError, match=r"Vehicle\.Speed never arrived"):
        clock.run_for(1.0)


# -- dropped updates are visible -----------------------------------------------------------------------


class Burst(VehicleApp):
    """Publishes five speeds in its first step: more than a small buffer holds until the next tick."""

    name = "burst"
    manifest = Manifest(writes=(SPEED,))
    step_period_s = 0.01

    def step(self) -> None:
        if self.step_count > 1:
            return
        for speed_kmh in (1.0, 2.0, 3.0, 4.0, 5.0):
            self.publish({SPEED: speed_kmh})


class SmallBuffer(VehicleApp):
    name = "small-buffer"
    manifest = Manifest(reads=(SPEED,))

    def on_start(self) -> None:
        self.received: list[float] = []
        self.drops_reported: list[tuple[tuple[str, ...], int]] = []
        self.subscribe(SPEED, self.on_speed, buffer_size=2)

    def on_speed(self, updates: list[Update]) -> None:
        self.received.extend(datapoint.value for _, datapoint in updates)

    def on_updates_dropped(self, paths: tuple[str, ...], count: int) -> None:
        self.drops_reported.append((paths, count))
        super().on_updates_dropped(paths, count)


def test_dropped_updates_are_counted_and_reported(
    catalogue: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    runner.add(Burst())
    listener = runner.add(SmallBuffer())
    runner.start()
    with caplog.at_level(logging.WARNING, logger="sdvkit.runtime.app"):
        clock.advance(2)  # tick 1: the burst; tick 2: delivery of what the buffer kept
    assert listener.received == [4.0, 5.0]
    assert listener.dropped_updates == 3
    assert listener.drops_reported == [((SPEED,), 3)]
    assert "'small-buffer' lost 3 updates of Vehicle.Speed" in caplog.text


# -- lifecycle -------------------------------------------------------------------------------------------


def test_lifecycle_misuse_is_refused(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    app = runner.add(Recorder())
    with pytest.raises(AppStateError, match="reaches the broker only while"):
        app.get(SPEED)
    with pytest.raises(AppStateError, match="added twice"):
        runner.add(app)
    with pytest.raises(AppStateError, match="two apps are named 'recorder'"):
        runner.add(Recorder())
    runner.start()
    assert app.state is AppState.RUNNING
    with pytest.raises(AppStateError, match="starts once"):
        runner.start()
    with pytest.raises(AppStateError, match="cannot add"):
        runner.add(RampPlant())
    runner.stop()
    runner.stop()  # stopping twice is harmless
    assert app.state.value == "stopped"
    with pytest.raises(AppStateError, match="stopped"):
        app.get(SPEED)
    other = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    with pytest.raises(AppStateError, match="runs once"):
        other.add(app)


def test_a_stopped_runner_no_longer_drives_its_apps(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    runner, plant, controller, _ = build(catalogue, clock)
    runner.start()
    clock.run_for(0.2)
    runner.stop()
    steps = plant.step_count, controller.step_count
    clock.run_for(0.2)
    assert (plant.step_count, controller.step_count) == steps


def test_the_broker_must_run_on_the_runners_clock(catalogue: Catalogue) -> None:
    with pytest.raises(ClockError, match=r"now_ns=clock\.now_ns"):
        AppRunner(Broker(catalogue), SimClock())  # the broker stamps wall-clock time


def test_a_step_faster_than_the_tick_is_refused(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    with pytest.raises(ClockError, match=r"steps every 0\.005 s"):
        runner.add(VehicleApp(name="fast", step_period_s=0.005))


def test_actuation_requests_reach_the_handler_of_their_path(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    plant = runner.add(VehicleApp(name="plant", manifest=Manifest(writes=("Vehicle.Controls",))))
    driver = runner.add(VehicleApp(name="driver", manifest=Manifest(writes=("Vehicle.Controls",))))
    runner.start()
    brakes: list[tuple[str, Any]] = []
    horns: list[tuple[str, Any]] = []
    plant.provide_actuation(BRAKE, brakes.extend)
    plant.provide_actuation("Vehicle.Controls.Horn", horns.extend)
    driver.batch_actuate({BRAKE: 20.0, "Vehicle.Controls.Horn": True})
    assert brakes == [(BRAKE, 20.0)]
    assert horns == [("Vehicle.Controls.Horn", True)]


def test_actuation_handler_errors_reach_the_app_that_actuated(catalogue: Catalogue) -> None:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    plant = runner.add(VehicleApp(name="plant", manifest=Manifest(writes=(BRAKE,))))
    controller = runner.add(BrakeController())
    runner.start()

    def refuse(requests: list[tuple[str, Any]]) -> None:
        raise OverflowError("brake saturated")

    plant.provide_actuation(BRAKE, refuse)
    with pytest.raises(OverflowError, match="brake saturated") as caught:
        controller.actuate(BRAKE, 10.0)
    assert f"raised by app 'plant' in its actuation handler for {BRAKE}" in caught.value.__notes__
