"""Closed-loop test equipment for lane support and the stop in lane.

A run is the real plant (:class:`VehiclePlant` with a :class:`World`), perfect sensing
(:class:`IdealPerception`), the lights plant, the functions under test, an arbitration layer and two
driver robots (role TEST_BENCH) that act through ``Vehicle.Sdvkit.DriverInput`` as a driver would:

- :class:`SpeedHoldRobot` holds a speed with the accelerator pedal (a PI controller); like a Euro
  NCAP robot it takes its foot off when the car starts its own stop in lane;
- :class:`DriftRobot` drives straight, then steers the car into a drift toward one side at a set
  lateral speed (a heading controller on ``Vehicle.CurrentLocation.Heading``), optionally with the
  indicator on; once a lane function steers it lets go of the wheel (0°), as the NCAP path robot
  stops its input at the intervention.

:func:`run_lane_scenario` wires it all, with the real arbitration layer
(:class:`~sdvkit.safety.arbitration.ArbitrationApp`, the only writer of
``Vehicle.Sdvkit.MotionControl``), on a SimClock, and measures every tick from the ground truth
how far the outer edges of the front tyres got past the lane markings (inner edge of the paint)
and the road edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.safety.ideal_perception import IdealPerception

from sdvkit.runtime import AppRole, AppRunner, Input, Manifest, SimClock, VehicleApp
from sdvkit.safety.arbitration import ArbitrationApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.catalogue import Catalogue
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.lights import LEFT_INDICATOR, RIGHT_INDICATOR, LightsPlant
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.actors import ActorSpec, Behaviour
from sdvkit.world.road_builders import LaneLayout, straight_road
from sdvkit.world.roads import RoadNetwork
from sdvkit.world.scene import World

SPEED = "Vehicle.Speed"
HEADING = "Vehicle.CurrentLocation.Heading"
YAW_RATE = "Vehicle.AngularVelocity.Yaw"
ACCELERATOR = "Vehicle.Sdvkit.DriverInput.AcceleratorPedal"
DRIVER_WHEEL = "Vehicle.Sdvkit.DriverInput.SteeringWheelAngle"
LKA_ENGAGED = "Vehicle.ADAS.LKA.IsEngaged"
ELK_ENGAGED = "Vehicle.ADAS.ELK.IsEngaged"
LEVEL = "Vehicle.ADAS.DMS.Escalation.Level"
TICK_S = 0.01
LANE_WIDTH_M = 3.5
EGO_LANE = -1
"""By default the ego drives in the right lane of a two-way road along +x (right-hand traffic)."""

_CATALOGUE: list[Catalogue] = []


def catalogue() -> Catalogue:
    """The builtin catalogue, built once per test session."""
    if not _CATALOGUE:
        _CATALOGUE.append(builtin_catalogue())
    return _CATALOGUE[0]


class SpeedHoldRobot(VehicleApp):
    """Holds ``target_kph`` with the accelerator pedal; lets go when the car stops in lane."""

    def __init__(self, target_kph: float) -> None:
        super().__init__(
            name="speed robot",
            manifest=Manifest(
                reads=(Input(path=SPEED, rate_hz=50.0), LEVEL),
                writes=(ACCELERATOR,),
                role=AppRole.TEST_BENCH,
            ),
            step_period_s=0.02,
        )
        self.target_kph = target_kph
        self._integral_pct = 12.0

    def step(self) -> None:
        level = self.get(LEVEL)
        if level is not None and level.value in ("STOPPING_IN_LANE", "STOPPED"):
            self.actuate(ACCELERATOR, 0.0)
            return
        speed = self.get(SPEED)
        error_kph = self.target_kph - (float(speed.value) if speed is not None else 0.0)
        self._integral_pct = min(60.0, max(0.0, self._integral_pct + 0.4 * error_kph * 0.02))
        self.actuate(ACCELERATOR, min(100.0, max(0.0, self._integral_pct + 4.0 * error_kph)))


@dataclass(frozen=True, kw_only=True)
class Drift:
    """A drift toward ``side`` ("LEFT" or "RIGHT") at ``lateral_speed_mps``, from ``start_s``."""

    side: str
    lateral_speed_mps: float
    start_s: float = 1.0
    indicator: bool = False
    """Signal toward the drift side (an intended lane change)."""


class DriftRobot(VehicleApp):
    """Steers the car into a drift through the driver's steering wheel, then lets go."""

    def __init__(self, drift: Drift | None) -> None:
        super().__init__(
            name="drift robot",
            manifest=Manifest(
                reads=(Input(path=SPEED, rate_hz=50.0), HEADING, YAW_RATE, LKA_ENGAGED, ELK_ENGAGED),
                writes=(DRIVER_WHEEL, LEFT_INDICATOR, RIGHT_INDICATOR),
                role=AppRole.TEST_BENCH,
            ),
            step_period_s=0.02,
        )
        self.drift = drift
        self.released_at_s: float | None = None
        """When a lane function first steered and the robot let go."""

    def step(self) -> None:
        drift = self.drift
        if drift is None or self.now_s < drift.start_s:
            self.actuate(DRIVER_WHEEL, 0.0)
            return
        if drift.indicator:
            self.actuate(LEFT_INDICATOR if drift.side == "LEFT" else RIGHT_INDICATOR, True)
        engaged = [dp is not None and dp.value is True for dp in self.get_many((LKA_ENGAGED, ELK_ENGAGED))]
        if self.released_at_s is None and any(engaged):
            self.released_at_s = self.now_s
        if self.released_at_s is not None:
            self.actuate(DRIVER_WHEEL, 0.0)
            return
        speed, heading, yaw_rate = self.get_many((SPEED, HEADING, YAW_RATE))
        speed_mps = float(speed.value) / 3.6 if speed is not None else 0.0
        # VSS counts the heading clockwise from north; the road runs east (+x). The heading comes
        # at 10 Hz: it is carried forward with the yaw rate (50 Hz) since its timestamp.
        heading_rad = 0.0
        yaw_rate_rad_per_s = math.radians(float(yaw_rate.value)) if yaw_rate is not None else 0.0
        if heading is not None:
            heading_rad = math.remainder(math.radians(90.0 - float(heading.value)), math.tau)
            heading_rad += yaw_rate_rad_per_s * (self.now_ns() - heading.timestamp_ns) / 1e9
        sign = 1.0 if drift.side == "LEFT" else -1.0
        wanted_rad = sign * math.asin(min(1.0, drift.lateral_speed_mps / max(speed_mps, 1.0)))
        wheel_deg = 12.0 * math.degrees(wanted_rad - heading_rad) - 1.0 * math.degrees(yaw_rate_rad_per_s)
        self.actuate(DRIVER_WHEEL, max(-15.0, min(15.0, wheel_deg)))


@dataclass
class WheelMeasure:
    """How far the outer edges of the front tyres got past each line, the worst over the run (m;
    negative: they stayed inside by that much)."""

    left_marking_m: float = -math.inf
    right_marking_m: float = -math.inf
    left_edge_m: float = -math.inf
    right_edge_m: float = -math.inf


@dataclass
class LaneRun:
    plant: VehiclePlant
    world: World
    runner: AppRunner
    apps: dict[str, VehicleApp]
    past: WheelMeasure
    samples: list[dict[str, Any]] = field(default_factory=list)

    def app(self, name: str) -> Any:
        return self.apps[name]

    def read(self, path: str) -> Any:
        """The value of ``path`` on the broker now (while the run runs: from a probe)."""
        datapoint = self.apps["bus probe"].get(path)
        return None if datapoint is None else datapoint.value


def run_lane_scenario(
    *,
    speed_kph: float,
    duration_s: float,
    functions: Sequence[VehicleApp],
    drift: Drift | None = None,
    layout: LaneLayout | None = None,
    actors: Sequence[tuple[ActorSpec, Behaviour]] = (),
    extra: Sequence[VehicleApp] = (),
    start_x_m: float = 20.0,
    ego_lane: int = EGO_LANE,
    vehicle: str = "chevrolet-bolt-2020",
    probe: Callable[[LaneRun], dict[str, Any]] | None = None,
    probe_every_s: float = 0.1,
    perception: Callable[[World], VehicleApp] = IdealPerception,
) -> LaneRun:
    """Drive the scenario on a SimClock; return what happened."""
    layout = layout if layout is not None else LaneLayout(lane_width_m=LANE_WIDTH_M)
    clock = SimClock(tick_s=TICK_S)
    broker = Broker(catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    road = straight_road(length_m=start_x_m + speed_kph / 3.6 * duration_s + 200.0, layout=layout)
    world = World(RoadNetwork(roads=(road,)))
    for spec, behaviour in actors:
        world.add_actor(spec, behaviour)
    params = builtin_vehicle(vehicle)
    y_m = road.lane_center_t(ego_lane, 0.0)
    model = VehicleModel(params, step_s=TICK_S, x_m=start_x_m, y_m=y_m, speed_mps=speed_kph / 3.6)
    plant = runner.add(VehiclePlant(model, world=world))
    apps: dict[str, VehicleApp] = {}
    for app in (
        perception(world),
        LightsPlant(),
        *functions,
        *extra,
        ArbitrationApp(),
        SpeedHoldRobot(speed_kph),
        DriftRobot(drift),
        VehicleApp(name="bus probe", manifest=Manifest(reads=("Vehicle",), role=AppRole.TEST_BENCH)),
    ):
        apps[app.name] = runner.add(app)
    run = LaneRun(plant=plant, world=world, runner=runner, apps=apps, past=WheelMeasure())
    front_m = params.lateral.cg_to_front_axle_m
    half_width_m = 0.5 * ActorSpec.car("ego").width_m
    paint_m = 0.5 * layout.marking_width_m
    probe_every = max(1, round(probe_every_s / TICK_S))
    runner.start()
    try:
        for tick in range(round(duration_s / TICK_S)):
            clock.advance()
            c, s = math.cos(model.heading_rad), math.sin(model.heading_rad)
            axle_x, axle_y = model.x_m + front_m * c, model.y_m + front_m * s
            s_m, _ = road.to_road_coords(axle_x, axle_y)
            left_t = road.to_road_coords(axle_x - half_width_m * s, axle_y + half_width_m * c).t_m
            right_t = road.to_road_coords(axle_x + half_width_m * s, axle_y - half_width_m * c).t_m
            lane_right_t, lane_left_t = road.lane_bounds(ego_lane, s_m)
            edge_right_t, edge_left_t = road.edges_at(s_m)
            past = run.past
            past.left_marking_m = max(past.left_marking_m, left_t - (lane_left_t - paint_m))
            past.right_marking_m = max(past.right_marking_m, (lane_right_t + paint_m) - right_t)
            past.left_edge_m = max(past.left_edge_m, left_t - edge_left_t)
            past.right_edge_m = max(past.right_edge_m, edge_right_t - right_t)
            if probe is not None and tick % probe_every == 0:
                run.samples.append({"t_s": clock.now_s, **probe(run)})
    finally:
        runner.stop()
    return run
