"""Freshness: rated inputs go stale after their max age, and apps can refuse to act on them."""

from __future__ import annotations

import pytest

from sdvkit.runtime import AppRunner, Input, Manifest, SimClock, StaleInput, StaleInputError, VehicleApp
from sdvkit.signals.broker import Broker
from sdvkit.signals.catalogue import Catalogue

SPEED = "Vehicle.Speed"
TEMPERATURE = "Vehicle.Cabin.Temperature"


class Sensor(VehicleApp):
    """Publishes the speed at 10 Hz until told to stop."""

    name = "sensor"
    manifest = Manifest(writes=(SPEED, TEMPERATURE))
    step_period_s = 0.1

    def on_start(self) -> None:
        self.publishing = True

    def step(self) -> None:
        if self.publishing:
            self.publish({SPEED: 50.0})


class Consumer(VehicleApp):
    name = "consumer"
    manifest = Manifest(
        reads=(
            Input(path=SPEED, rate_hz=10.0),  # stale after 2.5 periods: 0.25 s
            Input(path=TEMPERATURE, rate_hz=1.0, max_age_s=5.0),
            "Vehicle.Cabin.DoorOpen",  # event-driven: never stale
        )
    )


@pytest.fixture
def scene(catalogue: Catalogue) -> tuple[SimClock, Sensor, Consumer]:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    sensor = runner.add(Sensor())
    consumer = runner.add(Consumer())
    runner.start()
    return clock, sensor, consumer


def test_inputs_that_never_arrived_are_stale(scene: tuple[SimClock, Sensor, Consumer]) -> None:
    _, _, consumer = scene
    assert consumer.stale_inputs() == [SPEED, TEMPERATURE]
    assert not consumer.inputs_fresh()
    with pytest.raises(StaleInputError) as caught:
        consumer.require_fresh_inputs()
    assert caught.value.paths == (SPEED, TEMPERATURE)
    assert caught.value.app == "consumer"
    assert "Vehicle.Speed never arrived" in str(caught.value)


def test_an_input_that_stops_updating_goes_stale_after_its_max_age(
    scene: tuple[SimClock, Sensor, Consumer],
) -> None:
    clock, sensor, consumer = scene
    sensor.publish({TEMPERATURE: 21.0})
    clock.run_for(1.0)
    assert consumer.stale_inputs() == []
    consumer.require_fresh_inputs()
    assert consumer.input_age_s(SPEED) == pytest.approx(0.0)

    sensor.publishing = False  # last speed published at t = 1.0 s
    clock.run_for(0.25)
    assert consumer.inputs_fresh()  # exactly at the max age: still fresh
    clock.advance()
    assert consumer.stale_inputs() == [SPEED]
    with pytest.raises(StaleInputError, match=r"Vehicle\.Speed is 0\.260 s old \(max 0\.250 s\)") as caught:
        consumer.require_fresh_inputs()
    (stale_speed,) = caught.value.stale
    assert stale_speed == StaleInput(path=SPEED, age_s=stale_speed.age_s, max_age_s=0.25)
    assert stale_speed.age_s == pytest.approx(0.26)

    sensor.publishing = True
    clock.run_for(0.1)
    assert consumer.inputs_fresh()


def test_an_explicit_max_age_overrides_the_default(scene: tuple[SimClock, Sensor, Consumer]) -> None:
    clock, sensor, consumer = scene
    sensor.publish({TEMPERATURE: 21.0})
    clock.run_for(4.9)
    assert TEMPERATURE not in consumer.stale_inputs()
    clock.run_for(0.2)
    assert TEMPERATURE in consumer.stale_inputs()


def test_an_app_without_rated_inputs_is_always_fresh(catalogue: Catalogue) -> None:
    clock = SimClock()
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    app = runner.add(VehicleApp(name="events", manifest=Manifest(reads=(SPEED,))))
    runner.start()
    assert app.inputs_fresh()
    app.require_fresh_inputs()
