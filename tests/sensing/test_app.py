"""The sensing app end to end: a vehicle plant and sensing on one broker and SimClock, a function
reading the perception branch the way every driver assistance function does."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from tests.sensing.scenes import EGO_HALF_LENGTH_M, EGO_LANE_Y_M, road_world

from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.runtime.errors import ManifestError
from sdvkit.safety.perception import PERCEPTION_READS, Perceived, read_perception
from sdvkit.sensing import SensingApp, SensingSetupError, default_suite
from sdvkit.sensing.app import FRONT_RADAR_BLOCKED, PERCEPTION
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.builtin.simulation import GROUND_TRUTH
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.actors import ActorSpec, Stationary
from sdvkit.world.scene import World

EGO_SPEED_MPS = 15.0
REQUEST = "Vehicle.Sdvkit.MotionControl.Longitudinal.AccelerationRequest"
SOURCE = "Vehicle.Sdvkit.MotionControl.Longitudinal.Source"


class HoldSpeed(VehicleApp):
    """A driving robot: asks the plant, through the bus, to hold its speed."""

    name = "hold speed"
    manifest = Manifest(writes=(REQUEST, SOURCE), role=AppRole.TEST_BENCH)

    def on_start(self) -> None:
        self.batch_actuate({SOURCE: "TEST", REQUEST: 0.0})


class Reader(VehicleApp):
    """A driver assistance function's view: the perception branch through read_perception."""

    name = "reader"
    manifest = Manifest(reads=PERCEPTION_READS)
    step_period_s = 0.05

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Perceived] = []

    def step(self) -> None:
        self.seen.append(read_perception(self))


class FaultBench(VehicleApp):
    """Test equipment that covers the front radar: through the plant's actuator where the plant
    provides it, else by publishing the test hook's value itself."""

    name = "fault bench"
    manifest = Manifest(writes=(FRONT_RADAR_BLOCKED,), role=AppRole.TEST_BENCH)

    def block(self, blocked: bool, broker: Broker) -> None:
        if broker.actuation_provider_of(FRONT_RADAR_BLOCKED) is not None:
            self.actuate(FRONT_RADAR_BLOCKED, blocked)
        else:
            self.publish({FRONT_RADAR_BLOCKED: blocked})


@dataclass
class Bench:
    clock: SimClock
    broker: Broker
    world: World
    plant: VehiclePlant
    sensing: SensingApp
    reader: Reader
    faults: FaultBench


@pytest.fixture
def bench_with_a_car_ahead() -> Iterator[Bench]:
    """The ego at 15 m/s in the right lane of a straight road; a car stands 80 m ahead."""
    clock = SimClock(tick_s=0.01)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    world = road_world()
    world.add_actor(ActorSpec.car("standing"), Stationary(x_m=80.0, y_m=EGO_LANE_Y_M))
    model = VehicleModel(builtin_vehicle("chevrolet-bolt-2020"), y_m=EGO_LANE_Y_M, speed_mps=EGO_SPEED_MPS)
    plant = runner.add(VehiclePlant(model, world=world))
    runner.add(HoldSpeed())
    sensing = runner.add(SensingApp(world, seed=1))
    reader = runner.add(Reader())
    faults = runner.add(FaultBench())
    runner.start()
    yield Bench(clock, broker, world, plant, sensing, reader, faults)
    runner.stop()


def _value(broker: Broker, path: str) -> object:
    datapoint = broker.connect("inspector").get(path)
    return None if datapoint is None else datapoint.value


def test_a_standing_car_ahead_is_object_one_at_the_right_distance_and_closing_speed(
    bench_with_a_car_ahead: Bench,
) -> None:
    bench = bench_with_a_car_ahead
    bench.clock.run_for(2.0)
    true_gap_m = bench.world.gap_m("standing")
    speed = bench.world.ego.speed_mps  # type: ignore[union-attr]
    assert true_gap_m == pytest.approx(80.0 - 2.25 - EGO_HALF_LENGTH_M - 2.0 * EGO_SPEED_MPS, abs=1.0)
    broker = bench.broker
    object1 = f"{PERCEPTION}.Object1"
    assert _value(broker, f"{object1}.IsValid") is True
    assert _value(broker, f"{object1}.Class") == "CAR"
    assert _value(broker, f"{object1}.LongitudinalPosition") == pytest.approx(true_gap_m, abs=0.5)
    assert _value(broker, f"{object1}.LongitudinalVelocity") == pytest.approx(-speed, abs=0.5)
    assert _value(broker, f"{object1}.LateralPosition") == pytest.approx(0.0, abs=0.3)
    assert _value(broker, f"{PERCEPTION}.ObjectCount") == 1
    assert _value(broker, f"{PERCEPTION}.Object2.IsValid") is False
    assert _value(broker, f"{PERCEPTION}.CycleCounter") == bench.sensing.cycle == 40
    assert _value(broker, f"{PERCEPTION}.Sensor.FrontRadar.IsBlocked") is False
    # the function reads the same through read_perception, one whole cycle at a time
    seen = bench.reader.seen[-1]
    assert [track.id for track in seen.objects] == [bench.sensing.tracks[0].id]
    assert seen.objects[0].longitudinal_m == pytest.approx(true_gap_m, abs=0.6)
    assert seen.left_marking is not None
    assert seen.left_marking.marking_type == "DASHED"
    assert seen.right_edge_m == pytest.approx(-1.75, abs=0.6)
    assert [seen.cycle for seen in bench.reader.seen[-3:]] == [38, 39, 40]  # added after sensing
    assert bench.sensing.tracks[0].actor_id == "standing"
    # and the ground truth, for the test bench, exactly
    assert _value(broker, f"{GROUND_TRUTH}.Object1.Id") == bench.sensing.truth_id("standing") == 1
    assert _value(broker, f"{GROUND_TRUTH}.Object1.LongitudinalPosition") == pytest.approx(
        true_gap_m, abs=1e-6
    )
    assert _value(broker, f"{GROUND_TRUTH}.Object1.LongitudinalVelocity") == pytest.approx(-speed, abs=1e-6)
    assert _value(broker, f"{GROUND_TRUTH}.ObjectCount") == 1


def test_a_blocked_front_radar_detects_nothing_and_says_so() -> None:
    """A car 150 m ahead: beyond the camera and the corner radars, only the front radar sees it."""
    clock = SimClock(tick_s=0.01)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    world = road_world()
    world.add_actor(ActorSpec.car("far"), Stationary(x_m=150.0 + EGO_HALF_LENGTH_M, y_m=EGO_LANE_Y_M))
    model = VehicleModel(builtin_vehicle("chevrolet-bolt-2020"), y_m=EGO_LANE_Y_M)
    runner.add(VehiclePlant(model, world=world))
    sensing = runner.add(SensingApp(world, seed=2))
    faults = runner.add(FaultBench())
    runner.start()
    faults.block(True, broker)
    clock.run_for(1.0)
    frame = sensing.frame
    assert frame is not None
    assert _value(broker, f"{PERCEPTION}.Sensor.FrontRadar.IsBlocked") is True
    assert _value(broker, f"{PERCEPTION}.Sensor.FrontCamera.IsBlocked") is False
    assert _value(broker, f"{PERCEPTION}.ObjectCount") == 0
    assert sensing.tracks == ()
    assert all(detection.sensor != "FrontRadar" for detection in frame.detections)
    faults.block(False, broker)
    clock.run_for(1.0)
    assert _value(broker, f"{PERCEPTION}.Sensor.FrontRadar.IsBlocked") is False
    assert [track.actor_id for track in sensing.tracks] == ["far"]
    assert _value(broker, f"{PERCEPTION}.Object1.LongitudinalPosition") == pytest.approx(
        150.0 - 2.25, abs=0.5
    )
    runner.stop()


def test_sensing_is_part_of_the_plant_and_refuses_a_bad_rate() -> None:
    app = SensingApp(road_world(), rate_hz=10.0)
    assert app.manifest.role is AppRole.PLANT
    assert app.step_period_s == pytest.approx(0.1)
    with pytest.raises(SensingSetupError, match="rate_hz"):
        SensingApp(road_world(), rate_hz=0.0)
    lidar = dataclasses.replace(default_suite()[0], name="Lidar")
    with pytest.raises(SensingSetupError, match="Lidar"):
        SensingApp(road_world(), suite=(lidar,))
    with pytest.raises(ManifestError, match="ground truth"):
        Manifest(writes=app.manifest.writes)  # a function may not publish what sensing publishes
