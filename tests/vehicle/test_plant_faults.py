"""The plant's faults (``Vehicle.Sdvkit.FaultInjection``): the plant provides them as actuators,
reports their state, and an overheating battery reports an overheated pack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.errors import AlreadyClaimedError, ValidationError
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.plant import (
    BATTERY_OVER_TEMPERATURE,
    FAULT_INJECTION,
    FAULTS_HEALED,
    FRONT_RADAR_BLOCKED,
    OVERHEATED_PACK_C,
    PACK_TEMPERATURE,
    STUCK_WINDOW_MOTOR,
    VehiclePlant,
)

STEP_S = 0.01
AMBIENT_C = 20.0


class FaultBench(VehicleApp):
    """The test bench's fault switches: it may work the plant's fault actuators."""

    name = "fault bench"
    manifest = Manifest(
        reads=(PACK_TEMPERATURE, *FAULT_INJECTION), writes=FAULT_INJECTION, role=AppRole.TEST_BENCH
    )

    def value(self, path: str) -> object:
        datapoint = self.get(path)
        assert datapoint is not None, f"{path} has no value"
        return datapoint.value


class Plant:
    def __init__(self) -> None:
        self.clock = SimClock(tick_s=STEP_S)
        self.broker = Broker(builtin_catalogue(), now_ns=self.clock.now_ns)
        self.runner = AppRunner(self.broker, self.clock)
        model = VehicleModel(builtin_vehicle("chevrolet-bolt-2020"), step_s=STEP_S, ambient_c=AMBIENT_C)
        self.plant = self.runner.add(VehiclePlant(model))
        self.bench = self.runner.add(FaultBench())


@pytest.fixture
def running() -> Iterator[Plant]:
    plant = Plant()
    with plant.runner:
        yield plant


def test_the_plant_provides_every_fault_and_starts_healed(running: Plant) -> None:
    for path in FAULT_INJECTION:
        assert running.broker.actuation_provider_of(path) == VehiclePlant.name, path
        assert running.bench.value(path) == FAULTS_HEALED[path], path
    assert running.bench.value(PACK_TEMPERATURE) == pytest.approx(AMBIENT_C)


def test_an_overheating_battery_reports_an_overheated_pack_until_it_heals(running: Plant) -> None:
    bench = running.bench
    bench.actuate(BATTERY_OVER_TEMPERATURE, True)
    running.clock.run_for(STEP_S)  # reported with the next step, not the next 1 Hz sample
    assert bench.value(BATTERY_OVER_TEMPERATURE) is True
    assert bench.value(PACK_TEMPERATURE) == OVERHEATED_PACK_C
    running.clock.run_for(2.0)  # the 1 Hz samples keep reporting it
    assert bench.value(PACK_TEMPERATURE) == OVERHEATED_PACK_C
    assert running.plant.model.battery.temperature_c < OVERHEATED_PACK_C  # the thermal model is not touched
    bench.actuate(BATTERY_OVER_TEMPERATURE, False)
    running.clock.run_for(STEP_S)
    assert bench.value(BATTERY_OVER_TEMPERATURE) is False
    assert bench.value(PACK_TEMPERATURE) == pytest.approx(running.plant.model.battery.temperature_c)


def test_the_other_faults_are_reported_as_switched(running: Plant) -> None:
    bench = running.bench
    bench.batch_actuate({FRONT_RADAR_BLOCKED: True, STUCK_WINDOW_MOTOR: "ROW2_DRIVER_SIDE"})
    running.clock.run_for(STEP_S)
    assert bench.value(FRONT_RADAR_BLOCKED) is True
    assert bench.value(STUCK_WINDOW_MOTOR) == "ROW2_DRIVER_SIDE"
    assert running.plant.faults[STUCK_WINDOW_MOTOR] == "ROW2_DRIVER_SIDE"
    assert bench.value(PACK_TEMPERATURE) == pytest.approx(AMBIENT_C)  # not a battery fault


def test_a_window_the_car_does_not_have_is_refused(running: Plant) -> None:
    with pytest.raises(ValidationError, match="SUNROOF"):
        running.bench.actuate(STUCK_WINDOW_MOTOR, "SUNROOF")
    running.clock.run_for(STEP_S)
    assert running.bench.value(STUCK_WINDOW_MOTOR) == "NONE"


def test_no_second_app_can_provide_the_faults() -> None:
    plant = Plant()

    class Hooks(VehicleApp):
        name = "old fault hooks"
        manifest = Manifest(writes=FAULT_INJECTION, role=AppRole.PLANT)

        def on_start(self) -> None:
            self.provide_actuation(list(FAULT_INJECTION), lambda requests: None)

    plant.runner.add(Hooks())
    with pytest.raises(AlreadyClaimedError, match="FaultInjection"):
        plant.runner.start()
    plant.runner.stop()
