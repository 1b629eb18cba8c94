"""The lights plant: it provides the hazard and indicator actuators and reports what they do."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.errors import AccessDeniedError, ValidationError
from sdvkit.vehicle.lights import HAZARD, LEFT_INDICATOR, LIGHTS_ACTUATORS, RIGHT_INDICATOR, LightsPlant


@dataclass
class Bench:
    clock: SimClock
    plant: LightsPlant
    switch: VehicleApp
    watcher: VehicleApp

    def state(self) -> dict[str, object]:
        return {
            path: dp.value if dp is not None else None
            for path, dp in zip(LIGHTS_ACTUATORS, self.watcher.get_many(LIGHTS_ACTUATORS), strict=True)
        }


@pytest.fixture
def bench() -> Iterator[Bench]:
    clock = SimClock(tick_s=0.01)
    runner = AppRunner(Broker(builtin_catalogue(), now_ns=clock.now_ns), clock)
    plant = runner.add(LightsPlant())
    switch = runner.add(
        VehicleApp(name="stalk", manifest=Manifest(writes=LIGHTS_ACTUATORS, role=AppRole.TEST_BENCH))
    )
    watcher = runner.add(VehicleApp(name="watcher", manifest=Manifest(reads=("Vehicle.Body.Lights",))))
    assert plant.manifest.role is AppRole.PLANT
    runner.start()
    yield Bench(clock, plant, switch, watcher)
    runner.stop()


def test_every_light_starts_off_and_is_published(bench: Bench) -> None:
    assert bench.state() == dict.fromkeys(LIGHTS_ACTUATORS, False)


def test_a_request_is_carried_out_and_reported(bench: Bench) -> None:
    bench.switch.actuate(HAZARD, True)
    assert bench.state()[HAZARD] is True
    assert bench.state()[LEFT_INDICATOR] is False, "the indicators report the stalk, not the hazards"
    bench.switch.batch_actuate({LEFT_INDICATOR: True, HAZARD: False})
    assert bench.state() == {HAZARD: False, LEFT_INDICATOR: True, RIGHT_INDICATOR: False}
    assert bench.plant.switch_count == 3
    bench.switch.actuate(LEFT_INDICATOR, True)
    assert bench.plant.switch_count == 3, "asking for what is already on changes nothing"


def test_a_value_that_is_not_a_boolean_is_refused(bench: Bench) -> None:
    with pytest.raises(ValidationError, match="IsSignaling"):
        bench.switch.actuate(HAZARD, "on")
    assert bench.state()[HAZARD] is False


def test_a_function_without_the_lights_in_its_manifest_cannot_switch_them(bench: Bench) -> None:
    with pytest.raises(AccessDeniedError):
        bench.watcher.actuate(HAZARD, True)
