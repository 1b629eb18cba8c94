"""The vehicle plant on the broker: other apps see its signals at their declared rates and drive
it only through the actuators their manifests allow; and one run end to end, the real
kuksa-client reading the simulated car's speed over gRPC."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from kuksa_client.grpc import Datapoint as KuksaDatapoint
from kuksa_client.grpc import VSSClient
from tests.conftest import TIMEOUT, ServerThread

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.errors import AccessDeniedError, AlreadyClaimedError, ValidationError
from sdvkit.signals.subscription import Update
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import Gear, VehicleModel
from sdvkit.vehicle.plant import (
    CHARGE_LIMIT,
    GEAR,
    PUBLISHED,
    ROAD_FRICTION,
    START_STOP_CHARGING,
    VehiclePlant,
)

STEP_S = 0.01
NS_PER_S = 1_000_000_000
SPEED = "Vehicle.Speed"
ACCELERATION = "Vehicle.Acceleration.Longitudinal"
ACCELERATOR = "Vehicle.Sdvkit.DriverInput.AcceleratorPedal"
BRAKE = "Vehicle.Sdvkit.DriverInput.BrakePedal"
ACCELERATION_REQUEST = "Vehicle.Sdvkit.MotionControl.Longitudinal.AccelerationRequest"
LONGITUDINAL_SOURCE = "Vehicle.Sdvkit.MotionControl.Longitudinal.Source"
_BATTERY = "Vehicle.Powertrain.TractionBattery"
SOC = f"{_BATTERY}.StateOfCharge.Current"
IS_CHARGING = f"{_BATTERY}.Charging.IsCharging"
BATTERY_CURRENT = f"{_BATTERY}.CurrentCurrent"
BATTERY_POWER = f"{_BATTERY}.CurrentPower"
CABLE_CONNECTED = f"{_BATTERY}.Charging.ChargingPort.AnyPosition.IsChargingCableConnected"
AIR_TEMPERATURE = "Vehicle.Exterior.AirTemperature"
PEDAL_POSITION = "Vehicle.Chassis.Accelerator.PedalPosition"
CURRENT_GEAR = "Vehicle.Powertrain.Transmission.CurrentGear"
IS_MOVING = "Vehicle.IsMoving"


class Probe(VehicleApp):
    """Test equipment on the bus: subscribes to what it reads, actuates what it may write."""

    def __init__(
        self, name: str, *, reads: Sequence[str] = (), writes: Sequence[str] = (), subscribe: bool = True
    ) -> None:
        super().__init__(
            name=name,
            manifest=Manifest(reads=tuple(reads), writes=tuple(writes), role=AppRole.TEST_BENCH),
        )
        self._subscribe = subscribe and bool(reads)
        self.updates: list[Update] = []

    def on_start(self) -> None:
        if self._subscribe:
            self.subscribe(list(self.manifest.read_paths), self.updates.extend)

    def timestamps_ns(self, path: str) -> list[int]:
        return [datapoint.timestamp_ns for update_path, datapoint in self.updates if update_path == path]

    def value(self, path: str) -> Any:
        datapoint = self.get(path)
        assert datapoint is not None, f"{path} has no value"
        return datapoint.value


@dataclass
class Bench:
    """The plant and other apps on one broker and one simulated clock."""

    clock: SimClock
    broker: Broker
    runner: AppRunner
    model: VehicleModel
    plant: VehiclePlant

    def run_for(self, seconds: float) -> None:
        self.clock.run_for(seconds)


class StartBench(Protocol):
    def __call__(self, *apps: VehicleApp, **model_options: Any) -> Bench: ...


@pytest.fixture
def bench_factory() -> Iterator[StartBench]:
    runners: list[AppRunner] = []

    def start(*apps: VehicleApp, **model_options: Any) -> Bench:
        clock = SimClock(tick_s=STEP_S)
        broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
        runner = AppRunner(broker, clock)
        model = VehicleModel(builtin_vehicle("chevrolet-bolt-2020"), step_s=STEP_S, **model_options)
        plant = runner.add(VehiclePlant(model))
        for app in apps:
            runner.add(app)
        runner.start()
        runners.append(runner)
        return Bench(clock=clock, broker=broker, runner=runner, model=model, plant=plant)

    yield start
    for runner in runners:
        runner.stop()


# -- publishing ----------------------------------------------------------------------------------


def test_signals_are_published_at_their_declared_rates(bench_factory: StartBench) -> None:
    listener = Probe("listener", reads=[signal.path for signal in PUBLISHED])
    bench = bench_factory(listener)
    bench.run_for(2.0 + STEP_S)  # one more tick delivers what the last one published
    for signal in PUBLISHED:
        stamps = [stamp for stamp in listener.timestamps_ns(signal.path) if stamp <= 2 * NS_PER_S]
        period_ns = round(NS_PER_S / signal.rate_hz)
        assert len(stamps) == 1 + round(2.0 * signal.rate_hz), signal.path
        assert {later - earlier for earlier, later in itertools.pairwise(stamps)} == {period_ns}, signal.path


def test_a_50_hz_signal_updates_50_times_as_often_as_a_1_hz_one(bench_factory: StartBench) -> None:
    listener = Probe("listener", reads=[SPEED, AIR_TEMPERATURE])
    bench_factory(listener).run_for(2.0 + STEP_S)  # one more tick delivers what the last one published

    def updates_in_two_seconds(path: str) -> int:
        return sum(1 for stamp in listener.timestamps_ns(path) if 0 < stamp <= 2 * NS_PER_S)

    assert updates_in_two_seconds(AIR_TEMPERATURE) == 2
    assert updates_in_two_seconds(SPEED) == 100


# -- actuation from other apps -------------------------------------------------------------------


def test_the_accelerator_pedal_from_another_app_makes_the_car_go(bench_factory: StartBench) -> None:
    driver = Probe("driver", reads=[SPEED, PEDAL_POSITION, CURRENT_GEAR, IS_MOVING], writes=[ACCELERATOR])
    bench = bench_factory(driver)
    bench.run_for(1.0)
    assert driver.value(SPEED) == 0.0
    driver.actuate(ACCELERATOR, 60.0)
    bench.run_for(3.0)
    assert driver.value(SPEED) > 20.0  # ~2.4 m/s² at 60 % pedal
    assert driver.value(PEDAL_POSITION) == 60
    assert driver.value(CURRENT_GEAR) == 1
    assert driver.value(IS_MOVING) is True
    speeds = [datapoint.value for path, datapoint in driver.updates if path == SPEED]
    assert speeds == sorted(speeds)  # rising all the way


def test_park_stops_the_drive_and_drive_restores_it(bench_factory: StartBench) -> None:
    driver = Probe("driver", reads=[SPEED, CURRENT_GEAR], writes=[ACCELERATOR, GEAR])
    bench = bench_factory(driver)
    driver.actuate(GEAR, Gear.PARK.value)
    driver.actuate(ACCELERATOR, 100.0)
    bench.run_for(2.0)
    assert bench.model.controls.gear is Gear.PARK
    assert driver.value(GEAR) == 126
    assert driver.value(SPEED) == 0.0
    assert driver.value(CURRENT_GEAR) == 0
    driver.actuate(GEAR, Gear.DRIVE.value)
    bench.run_for(2.0)
    assert driver.value(SPEED) > 20.0


def test_acceleration_request_acts_only_while_a_source_owns_it(bench_factory: StartBench) -> None:
    acc = Probe("acc", reads=[SPEED, ACCELERATION], writes=[ACCELERATION_REQUEST, LONGITUDINAL_SOURCE])
    bench = bench_factory(acc)
    acc.actuate(ACCELERATION_REQUEST, 2.0)
    bench.run_for(2.0)
    assert acc.value(LONGITUDINAL_SOURCE) == "NONE"
    assert acc.value(SPEED) == 0.0  # ignored while Source is NONE

    acc.actuate(LONGITUDINAL_SOURCE, "ACC")
    bench.run_for(3.0)
    assert acc.value(ACCELERATION) == pytest.approx(2.0, abs=0.05)
    assert acc.value(SPEED) == pytest.approx(2.0 * 3.0 * 3.6, rel=0.05)

    acc.actuate(LONGITUDINAL_SOURCE, "NONE")  # back to the pedals, which are released: it coasts
    bench.run_for(1.0)
    assert acc.value(ACCELERATION) == pytest.approx(0.0, abs=0.2)
    assert 0.0 < acc.value(SPEED) < 2.0 * 3.0 * 3.6


def time_to_stop_s(bench_factory: StartBench, road_friction: float) -> float:
    driver = Probe("driver", reads=[SPEED], writes=[BRAKE, ROAD_FRICTION])
    bench = bench_factory(driver, speed_mps=25.0)
    driver.actuate(ROAD_FRICTION, road_friction)
    driver.actuate(BRAKE, 100.0)
    start_s = bench.clock.now_s
    while driver.value(SPEED) > 0.0:
        bench.clock.advance()
        assert bench.clock.now_s - start_s < 30.0
    assert driver.value(ROAD_FRICTION) == pytest.approx(road_friction)
    assert bench.model.road_friction == pytest.approx(road_friction)
    return bench.clock.now_s - start_s


def test_road_friction_changes_the_stopping(bench_factory: StartBench) -> None:
    dry_s = time_to_stop_s(bench_factory, 1.2)
    snow_s = time_to_stop_s(bench_factory, 0.3)
    # At the friction limit the stop takes v/(µ·g·η): four times as long on µ 0.3 as on 1.2, less
    # the brakes' build-up time, which both share.
    assert 3.0 < snow_s / dry_s < 4.0


def test_road_friction_outside_the_catalogue_limits_is_refused(bench_factory: StartBench) -> None:
    world = Probe("world", writes=[ROAD_FRICTION])
    bench = bench_factory(world)
    with pytest.raises(ValidationError):
        world.actuate(ROAD_FRICTION, 0.0)
    assert bench.model.road_friction == pytest.approx(1.2)


def test_charging_start_stop_raises_soc_and_reports_it(bench_factory: StartBench) -> None:
    owner = Probe(
        "owner",
        reads=[SOC, IS_CHARGING, BATTERY_CURRENT, CABLE_CONNECTED],
        writes=[GEAR, START_STOP_CHARGING, CHARGE_LIMIT],
    )
    bench = bench_factory(owner, initial_soc=0.8)
    bench.plant.dc_charger = True
    owner.actuate(GEAR, Gear.PARK.value)
    owner.actuate(CHARGE_LIMIT, 82)
    bench.run_for(2.0)
    soc_before = owner.value(SOC)
    assert owner.value(IS_CHARGING) is False

    owner.actuate(START_STOP_CHARGING, "START")
    bench.run_for(10.0)
    assert owner.value(IS_CHARGING) is True
    assert owner.value(BATTERY_CURRENT) > 0.0  # VSS: positive into the battery
    assert owner.value(CABLE_CONNECTED) is True
    soc_charging = owner.value(SOC)
    assert soc_charging > soc_before + 0.1  # 10 s at ~55 kW is ~0.2 % of 66 kWh

    owner.actuate(START_STOP_CHARGING, "STOP")
    bench.run_for(3.0)
    assert owner.value(IS_CHARGING) is False
    soc_stopped = owner.value(SOC)
    bench.run_for(5.0)
    assert owner.value(SOC) <= soc_stopped  # no more charge comes in

    owner.actuate(START_STOP_CHARGING, "START")  # up to the charge limit, then it stops by itself
    for _ in range(200):
        bench.run_for(5.0)
        if owner.value(IS_CHARGING) is False:
            break
    assert owner.value(IS_CHARGING) is False
    assert owner.value(SOC) == pytest.approx(82.0, abs=0.01)


def test_battery_current_is_negative_while_driving(bench_factory: StartBench) -> None:
    driver = Probe("driver", reads=[BATTERY_CURRENT, BATTERY_POWER], writes=[ACCELERATOR])
    bench = bench_factory(driver)
    driver.actuate(ACCELERATOR, 50.0)
    bench.run_for(2.0)
    assert bench.model.battery.current_a > 0.0  # the model counts discharge positive
    assert driver.value(BATTERY_CURRENT) == pytest.approx(-bench.model.battery.current_a)
    assert driver.value(BATTERY_CURRENT) < -10.0  # VSS counts it positive into the battery
    assert driver.value(BATTERY_POWER) < 0.0


def test_apps_without_permission_cannot_drive_the_car(bench_factory: StartBench) -> None:
    reader = Probe("reader", reads=[SPEED, ACCELERATOR])
    wrong_writer = Probe("wrong writer", reads=[SPEED], writes=[BRAKE])
    impostor = Probe("impostor", writes=[SPEED], subscribe=False)
    bench = bench_factory(reader, wrong_writer, impostor)
    for app in (reader, wrong_writer):
        with pytest.raises(AccessDeniedError):
            app.actuate(ACCELERATOR, 100.0)
    with pytest.raises(AccessDeniedError):
        reader.actuate(LONGITUDINAL_SOURCE, "TEST")
    with pytest.raises(AccessDeniedError):
        reader.publish({SPEED: 200.0})
    with pytest.raises(AlreadyClaimedError):  # allowed to write it, but the plant provides it
        impostor.publish({SPEED: 200.0})
    bench.run_for(2.0)
    assert bench.model.controls.accelerator_pedal_pct == 0.0
    assert reader.value(SPEED) == 0.0


# -- end to end, over gRPC -----------------------------------------------------------------------


def test_kuksa_client_drives_the_simulated_car_over_grpc() -> None:
    clock = SimClock(tick_s=STEP_S)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    model = VehicleModel(builtin_vehicle("chevrolet-bolt-2020"), step_s=STEP_S)
    runner = AppRunner(broker, clock)
    server = ServerThread(broker)  # from here on the broker is touched only on the server's loop

    def start_plant() -> None:
        runner.add(VehiclePlant(model))
        runner.start()

    try:
        server.call(start_plant)
        with VSSClient("127.0.0.1", server.port) as client:
            assert client.get_current_values([SPEED], timeout=TIMEOUT)[SPEED].value == 0.0
            client.set_target_values({ACCELERATOR: KuksaDatapoint(80.0)}, timeout=TIMEOUT)
            server.call(clock.run_for, 4.0)  # the test drives the simulated clock
            values = client.get_current_values([SPEED, PEDAL_POSITION], timeout=TIMEOUT)
        assert values[SPEED].value == pytest.approx(abs(model.speed_mps) * 3.6, rel=1e-6)
        assert values[SPEED].value > 40.0
        assert values[PEDAL_POSITION].value == 80
        assert values[SPEED].timestamp is not None
        server.call(runner.stop)
    finally:
        server.stop()
