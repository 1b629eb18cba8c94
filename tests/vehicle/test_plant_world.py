"""The plant with a world: the ego's box follows the vehicle model, the actors move with it, and
collisions are recorded."""

from __future__ import annotations

import math

import pytest

from sdvkit.runtime import AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.actors import ActorSpec, PolylinePath, ScriptedMotion, SpeedProfile
from sdvkit.world.road_builders import straight_road
from sdvkit.world.roads import RoadNetwork
from sdvkit.world.scene import World

TARGET_START_M = 60.0
REQUEST = "Vehicle.Sdvkit.MotionControl.Longitudinal.AccelerationRequest"
SOURCE = "Vehicle.Sdvkit.MotionControl.Longitudinal.Source"


class HoldSpeed(VehicleApp):
    """Asks the plant, through the bus, to hold its speed."""

    name = "hold speed"
    manifest = Manifest(writes=(REQUEST, SOURCE))

    def on_start(self) -> None:
        self.batch_actuate({SOURCE: "TEST", REQUEST: 0.0})


def run_towards_a_target(target_speed_mps: float, seconds: float) -> tuple[VehiclePlant, World]:
    clock = SimClock(tick_s=0.01)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    world = World(RoadNetwork(roads=(straight_road(length_m=500.0),)))
    path = PolylinePath(waypoints=((TARGET_START_M, 0.0), (500.0, 0.0)))
    world.add_actor(
        ActorSpec.car("target"),
        ScriptedMotion(route=path, profile=SpeedProfile.constant(target_speed_mps)),
    )
    model = VehicleModel(builtin_vehicle("chevrolet-bolt-2020"), speed_mps=15.0)
    plant = runner.add(VehiclePlant(model, world=world))
    runner.add(HoldSpeed())
    runner.start()
    clock.run_for(seconds)
    runner.stop()
    return plant, world


def test_the_ego_box_follows_the_model() -> None:
    plant, world = run_towards_a_target(target_speed_mps=20.0, seconds=2.0)
    ego = world.actor("ego")
    assert ego.x_m == pytest.approx(plant.model.x_m)
    assert ego.y_m == pytest.approx(plant.model.y_m)
    assert ego.speed_mps == pytest.approx(plant.model.speed_mps)
    assert plant.collisions == []


def test_driving_into_a_slower_target_is_a_collision_at_the_closing_speed() -> None:
    plant, _ = run_towards_a_target(target_speed_mps=5.0, seconds=10.0)
    assert len(plant.collisions) == 1
    event = plant.collisions[0]
    assert (event.first_id, event.second_id) == ("ego", "target")
    # Holding 15 m/s against a target at 5 m/s: they meet when the 10 m/s closing speed has eaten
    # the gap between the boxes (60 m between centres, less two half-lengths).
    ego_length = ActorSpec.car("ego").length_m
    gap_m = TARGET_START_M - ego_length
    assert event.impact.closing_speed_mps == pytest.approx(10.0, rel=0.02)
    assert event.time_s == pytest.approx(gap_m / 10.0, abs=0.05)
    assert math.isfinite(event.impact.depth_m)
