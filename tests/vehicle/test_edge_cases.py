"""The plant at its edges: park while rolling, automated braking in every gear, an empty battery,
a plugged-in cable, a cold-soaked pack, and the signals' meaning there."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sdvkit.runtime import AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.battery import ChargerKind
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import Gear, VehicleModel
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.plant import VehiclePlant

BATTERY = "Vehicle.Powertrain.TractionBattery"


def bolt() -> VehicleParams:
    return builtin_vehicle("chevrolet-bolt-2020")


def run(model: VehicleModel, seconds: float) -> None:
    for _ in range(round(seconds / model.step_s)):
        model.step()


def kinetic_j(model: VehicleModel) -> float:
    return 0.5 * model.road_load.effective_mass_kg * model.speed_mps**2


def test_park_while_rolling_brakes_to_a_stop_and_books_the_energy() -> None:
    model = VehicleModel(bolt(), speed_mps=30.0)
    start_kinetic_j = kinetic_j(model)
    model.controls.gear = Gear.PARK
    worst_decel = 0.0
    for _ in range(1000):
        model.step()
        worst_decel = max(worst_decel, -model.acceleration_mps2)
    ledger = model.ledger
    assert model.speed_mps == 0.0
    assert worst_decel < 15.0  # the brakes, not a wall
    spent_j = ledger.friction_brake_j + ledger.drag_j + ledger.rolling_j
    assert spent_j == pytest.approx(start_kinetic_j, rel=0.001)


@pytest.mark.parametrize("gear", [Gear.NEUTRAL, Gear.REVERSE, Gear.DRIVE])
def test_an_automated_braking_request_brakes_in_every_gear(gear: Gear) -> None:
    speed = -5.0 if gear is Gear.REVERSE else 20.0
    model = VehicleModel(bolt(), speed_mps=speed)
    model.controls.gear = gear
    model.controls.acceleration_request_mps2 = -8.0
    run(model, 0.5)
    assert abs(model.speed_mps) < abs(speed) - 2.0


def test_a_driving_request_in_reverse_drives_backwards() -> None:
    model = VehicleModel(bolt())
    model.controls.gear = Gear.REVERSE
    model.controls.acceleration_request_mps2 = 1.0
    run(model, 2.0)
    assert model.speed_mps == pytest.approx(-2.0, abs=0.15)


def test_an_empty_battery_does_not_drive_and_the_books_still_balance() -> None:
    params = bolt()
    empty = dataclasses.replace(params.battery, initial_soc=params.battery.min_soc)
    model = VehicleModel(dataclasses.replace(params, battery=empty))
    model.controls.accelerator_pedal_pct = 100.0
    run(model, 5.0)
    ledger = model.ledger
    assert model.speed_mps == 0.0
    assert ledger.traction_wheel_j == 0.0
    assert ledger.battery_net_out_j == pytest.approx(
        ledger.traction_wheel_j + ledger.motor_loss_j + ledger.gear_loss_j + ledger.auxiliary_j, abs=1e-6
    )


def test_the_car_will_not_drive_away_with_the_cable_connected() -> None:
    model = VehicleModel(bolt())
    model.charger = ChargerKind.AC
    model.controls.accelerator_pedal_pct = 100.0
    run(model, 2.0)
    assert model.speed_mps == 0.0


def test_the_pack_starts_at_the_ambient_temperature() -> None:
    assert VehicleModel(bolt(), ambient_c=-7.0).battery.temperature_c == -7.0
    assert VehicleModel(bolt(), ambient_c=-7.0, battery_temperature_c=20.0).battery.temperature_c == 20.0


class Requests(VehicleApp):
    """Works the plant's actuators from the bus."""

    name = "requests"
    manifest = Manifest(
        reads=(f"{BATTERY}.Charging.TimeToComplete", f"{BATTERY}.Charging.IsDischarging"),
        writes=(
            "Vehicle.Powertrain.Transmission.SelectedGear",
            f"{BATTERY}.Charging.StartStopCharging",
            "Vehicle.Sdvkit.DriverInput.AcceleratorPedal",
        ),
    )

    def send(self, path: str, value: Any) -> None:
        self.actuate(path, value)


def plant_on_bus(model: VehicleModel) -> tuple[SimClock, Broker, Requests]:
    clock = SimClock(tick_s=0.01)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    runner.add(VehiclePlant(model))
    requests = runner.add(Requests())
    runner.start()
    return clock, broker, requests


def test_a_pack_too_cold_to_charge_reports_no_time_to_complete() -> None:
    model = VehicleModel(bolt(), ambient_c=-40.0, battery_temperature_c=-35.0)
    model.controls.gear = Gear.PARK
    clock, broker, requests = plant_on_bus(model)
    requests.send(f"{BATTERY}.Charging.StartStopCharging", "START")
    clock.run_for(2.0)  # would raise if the infinite estimate reached the bus
    reader = broker.connect("reader")
    assert reader.get(f"{BATTERY}.Charging.TimeToComplete").value == 0
    assert model.charging_power_w == 0.0


def test_motor_speed_is_negative_reversing_and_there_is_no_vehicle_to_load() -> None:
    model = VehicleModel(bolt())
    clock, broker, requests = plant_on_bus(model)
    requests.send("Vehicle.Powertrain.Transmission.SelectedGear", -1)
    requests.send("Vehicle.Sdvkit.DriverInput.AcceleratorPedal", 30.0)
    clock.run_for(3.0)
    reader = broker.connect("reader")
    assert model.speed_mps < -1.0
    assert reader.get("Vehicle.Powertrain.ElectricMotor.Speed").value < -100.0
    assert reader.get(f"{BATTERY}.Charging.IsDischarging").value is False
    assert reader.get("Vehicle.Powertrain.ElectricMotor.Power").value > 0
