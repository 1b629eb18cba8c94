"""A closed-loop bench for the forward functions: the real plant, ideal sensing, FCW, AEB, ACC and
the arbitration on one broker and a SimClock, with a driving robot and a recorder.

    bench = ForwardBench(speed_kmh=50.0)
    bench.stationary_car("target", gap_m=40.0)
    bench.start()
    bench.run(8.0)
    assert not bench.world.collisions

The road is straight, two lanes each way (3.5 m), the ego in the right lane (lane -1, y = -1.75 m,
heading +x) with its front bumper at ``x = 0`` at the start. Distances given to the actor helpers
are bumper to bumper (``gap_m``) and lateral offsets are from the ego's centre line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tests.safety.ideal_perception import IdealPerception

from sdvkit.runtime import AppRole, AppRunner, Input, Manifest, SimClock, VehicleApp
from sdvkit.safety.acc import AccParams, AdaptiveCruiseApp
from sdvkit.safety.aeb import AebParams, EmergencyBrakingApp
from sdvkit.safety.arbitration import ArbitrationApp
from sdvkit.safety.fcw import FcwParams, ForwardCollisionWarningApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.actors import ActorSpec, PolylinePath, ScriptedMotion, SpeedProfile, Stationary
from sdvkit.world.road_builders import LaneLayout, straight_road
from sdvkit.world.roads import RoadNetwork
from sdvkit.world.scene import World

LANE_Y_M = -1.75
"""The centre of the ego's lane."""
EGO = ActorSpec.car("ego")
ROAD_LENGTH_M = 2000.0
START_X_M = 100.0
"""The ego's front bumper at the start (the road begins 100 m behind it)."""

SPEED = "Vehicle.Speed"
ACCELERATION = "Vehicle.Acceleration.Longitudinal"
ACCELERATOR_PEDAL = "Vehicle.Sdvkit.DriverInput.AcceleratorPedal"
STEERING_WHEEL = "Vehicle.Sdvkit.DriverInput.SteeringWheelAngle"
BRAKE_PEDAL = "Vehicle.Sdvkit.DriverInput.BrakePedal"
FCW_WARNING = "Vehicle.ADAS.FCW.IsWarning"
AEB_ENGAGED = "Vehicle.ADAS.AEB.IsEngaged"
CRUISE = "Vehicle.ADAS.CruiseControl"
DISTRACTED = "Vehicle.ADAS.DMS.DriverState.IsDistracted"
SETTINGS = (
    f"{CRUISE}.IsEnabled",
    f"{CRUISE}.IsActive",
    f"{CRUISE}.SpeedSet",
    f"{CRUISE}.Adaptive.TimeGapSet",
    "Vehicle.ADAS.FCW.IsEnabled",
    "Vehicle.ADAS.FCW.Sensitivity",
    "Vehicle.ADAS.AEB.IsEnabled",
)
"""What the robot may set through the HMI's actuators."""


class DrivingRobot(VehicleApp):
    """The test driver: holds ``speed_kmh`` with the accelerator pedal (a PI controller), lets go
    of it for good once AEB brakes (as Euro NCAP's robots do), and, when asked, brakes
    ``brake_after_warning_s`` after an FCW warning. It also works the functions' settings and
    plays driver monitoring's verdict (``distracted``)."""

    def __init__(
        self,
        speed_kmh: float | None,
        *,
        brake_after_warning_s: float | None = None,
        brake_pedal_pct: float = 80.0,
        distracted: bool | None = None,
    ) -> None:
        super().__init__(
            name="driving robot",
            manifest=Manifest(
                reads=(Input(path=SPEED, rate_hz=50.0), FCW_WARNING, AEB_ENGAGED),
                writes=(ACCELERATOR_PEDAL, BRAKE_PEDAL, STEERING_WHEEL, DISTRACTED, *SETTINGS),
                role=AppRole.TEST_BENCH,
            ),
            step_period_s=0.02,
        )
        self.distracted = distracted
        self.steering_wheel_deg = 0.0
        """Held from the start (a constant turn, say)."""
        self.pedals: tuple[float, float] | None = None
        """Pedals held as (accelerator %, brake %) instead of driving: a test's own foot."""
        self.speed_kmh = speed_kmh
        self.brake_after_warning_s = brake_after_warning_s
        self.brake_pedal_pct = brake_pedal_pct
        self.warned_at_s: float | None = None
        self.braking = False
        self.released = False
        self._integral = 0.0

    def on_start(self) -> None:
        if self.steering_wheel_deg:
            self.actuate(STEERING_WHEEL, self.steering_wheel_deg)
        if self.distracted is not None:
            self.provide(DISTRACTED)
            self.publish({DISTRACTED: self.distracted})

    def step(self) -> None:
        if self.pedals is not None:
            self.batch_actuate({ACCELERATOR_PEDAL: self.pedals[0], BRAKE_PEDAL: self.pedals[1]})
            return
        warning = self.get(FCW_WARNING)
        if warning is not None and warning.value is True and self.warned_at_s is None:
            self.warned_at_s = self.now_s
        engaged = self.get(AEB_ENGAGED)
        if engaged is not None and engaged.value is True:
            self.released = True
        if (
            self.brake_after_warning_s is not None
            and self.warned_at_s is not None
            and self.now_s - self.warned_at_s >= self.brake_after_warning_s
        ):
            if not self.braking:
                self.braking = True
                self.batch_actuate({ACCELERATOR_PEDAL: 0.0, BRAKE_PEDAL: self.brake_pedal_pct})
            return
        if self.speed_kmh is None:
            return
        if self.released:
            self.actuate(ACCELERATOR_PEDAL, 0.0)
            return
        speed = self.get(SPEED)
        target_mps = self.speed_kmh / 3.6
        error_mps = target_mps - (0.0 if speed is None else float(speed.value)) / 3.6
        self._integral = min(max(self._integral + error_mps * 0.02, -5.0), 5.0)
        # feed-forward: about the pedal that holds the speed on the flat (the Bolt's road load)
        pedal = 2.0 + 0.016 * target_mps**2 + 6.0 * error_mps + 2.0 * self._integral
        self.actuate(ACCELERATOR_PEDAL, min(max(pedal, 0.0), 100.0))

    def set_cruise(self, *, speed_kmh: float, time_gap_s: float = 1.8) -> None:
        """Switch ACC on, set its speed and time gap, and activate it."""
        self.batch_actuate(
            {
                f"{CRUISE}.IsEnabled": True,
                f"{CRUISE}.SpeedSet": speed_kmh,
                f"{CRUISE}.Adaptive.TimeGapSet": time_gap_s,
            }
        )
        self.actuate(f"{CRUISE}.IsActive", True)
        self.speed_kmh = None


class RecordingPlant(VehiclePlant):
    """The plant, noting every actuation call it takes: (time in ns, the paths in it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actuations: list[tuple[int, tuple[str, ...]]] = []

    def _on_actuation(self, requests: list[tuple[str, Any]]) -> None:
        self.actuations.append((self.now_ns(), tuple(path for path, _ in requests)))
        super()._on_actuation(requests)


@dataclass(slots=True)
class Sample:
    """One 20 ms sample: the plant's motion, the functions' outputs, the arbitration's decision of
    the same cycle, the true bumper gaps to every actor."""

    time_s: float
    speed_mps: float
    acceleration_mps2: float
    source: str
    command_mps2: float
    aeb_state: str
    aeb_request_mps2: float
    fcw_warning: bool
    acc_state: str
    acc_request_mps2: float
    gaps_m: dict[str, float]


class Recorder(VehicleApp):
    """Test equipment: every 20 ms, what the plant and the functions did, and the true gaps."""

    def __init__(self, bench: ForwardBench) -> None:
        super().__init__(
            name="recorder",
            manifest=Manifest(
                reads=("Vehicle",),
                role=AppRole.TEST_BENCH,
            ),
            step_period_s=0.02,
        )
        self.bench = bench
        self.samples: list[Sample] = []

    _PATHS = (
        SPEED,
        ACCELERATION,
        "Vehicle.ADAS.AEB.State",
        "Vehicle.ADAS.AEB.AccelerationRequest",
        FCW_WARNING,
        f"{CRUISE}.Adaptive.State",
        f"{CRUISE}.Adaptive.AccelerationRequest",
    )

    def step(self) -> None:
        values = [None if dp is None else dp.value for dp in self.get_many(self._PATHS)]
        world = self.bench.world
        decision = self.bench.arbitration.decision
        self.samples.append(
            Sample(
                time_s=self.now_s,
                speed_mps=float(values[0] or 0.0) / 3.6,
                acceleration_mps2=float(values[1] or 0.0),
                source="NONE" if decision is None else decision.longitudinal_source,
                command_mps2=0.0 if decision is None else decision.acceleration_mps2,
                aeb_state=str(values[2]),
                aeb_request_mps2=float(values[3] or 0.0),
                fcw_warning=values[4] is True,
                acc_state=str(values[5]),
                acc_request_mps2=float(values[6] or 0.0),
                gaps_m={actor_id: world.gap_m(actor_id) for actor_id in world.actor_ids},
            )
        )


@dataclass(kw_only=True)
class ForwardBench:
    """The bench; add actors, ``start()``, ``run()``, then read the apps and the recorder."""

    speed_kmh: float
    robot_speed_kmh: float | None = None
    """What the robot holds (default: ``speed_kmh``); None: the robot does not drive."""
    fcw: bool = True
    aeb: bool = True
    acc: bool = True
    fcw_params: FcwParams | None = None
    aeb_params: AebParams | None = None
    acc_params: AccParams | None = None
    brake_after_warning_s: float | None = None
    distracted: bool | None = None
    """What driver monitoring says (None: it says nothing)."""
    steering_wheel_deg: float = 0.0
    """The robot holds the wheel here from the start (180°: a 12 m circle)."""
    occlusion: bool = False
    lanes_per_direction: int = 2
    target_speed_mps: float = 0.0
    """A test's note of its target's speed (for closing speeds)."""
    clock: SimClock = field(init=False)
    world: World = field(init=False)
    runner: AppRunner = field(init=False)
    plant: RecordingPlant = field(init=False)
    perception: IdealPerception = field(init=False)
    apps: dict[str, Any] = field(init=False)
    robot: DrivingRobot = field(init=False)
    recorder: Recorder = field(init=False)

    def __post_init__(self) -> None:
        self.clock = SimClock(tick_s=0.01)
        broker = Broker(builtin_catalogue(), now_ns=self.clock.now_ns)
        self.runner = AppRunner(broker, self.clock)
        road = straight_road(
            length_m=ROAD_LENGTH_M, layout=LaneLayout(lanes_per_direction=self.lanes_per_direction)
        )
        self.world = World(RoadNetwork(roads=(road,)))
        self.apps = {}

    # -- actors (positions relative to the ego at the start) ----------------------------------

    def _x(self, gap_m: float, length_m: float) -> float:
        return START_X_M + gap_m + 0.5 * length_m

    def stationary_car(
        self, actor_id: str, *, gap_m: float, offset_m: float = 0.0, heading_rad: float = 0.0
    ) -> None:
        spec = ActorSpec.car(actor_id)
        self.world.add_actor(
            spec,
            Stationary(x_m=self._x(gap_m, spec.length_m), y_m=LANE_Y_M + offset_m, heading_rad=heading_rad),
        )

    def moving(
        self,
        spec: ActorSpec,
        *,
        start: tuple[float, float],
        end: tuple[float, float],
        profile: SpeedProfile,
    ) -> None:
        """An actor moving along a straight line, ``start``/``end`` as (x from the ego's front
        bumper at the start, y from the ego's centre line)."""
        path = PolylinePath(
            waypoints=((START_X_M + start[0], LANE_Y_M + start[1]), (START_X_M + end[0], LANE_Y_M + end[1]))
        )
        self.world.add_actor(spec, ScriptedMotion(route=path, profile=profile))

    def along(
        self, spec: ActorSpec, waypoints: tuple[tuple[float, float], ...], profile: SpeedProfile
    ) -> None:
        """An actor moving through ``waypoints`` (as for :meth:`moving`)."""
        path = PolylinePath(waypoints=tuple((START_X_M + x, LANE_Y_M + y) for x, y in waypoints))
        self.world.add_actor(spec, ScriptedMotion(route=path, profile=profile))

    def lead_car(self, actor_id: str, *, gap_m: float, profile: SpeedProfile, offset_m: float = 0.0) -> None:
        spec = ActorSpec.car(actor_id)
        x = gap_m + 0.5 * spec.length_m
        self.moving(spec, start=(x, offset_m), end=(x + ROAD_LENGTH_M, offset_m), profile=profile)

    # -- running ---------------------------------------------------------------------------------

    def start(self) -> None:
        model = VehicleModel(
            builtin_vehicle("chevrolet-bolt-2020"),
            x_m=START_X_M - 0.5 * EGO.length_m,
            y_m=LANE_Y_M,
            speed_mps=self.speed_kmh / 3.6,
        )
        runner = self.runner
        self.plant = runner.add(RecordingPlant(model, world=self.world, ego=EGO))
        self.perception = runner.add(IdealPerception(self.world, occlusion=self.occlusion))
        if self.fcw:
            self.apps["fcw"] = runner.add(ForwardCollisionWarningApp(self.fcw_params))
        if self.aeb:
            self.apps["aeb"] = runner.add(EmergencyBrakingApp(self.aeb_params))
        if self.acc:
            self.apps["acc"] = runner.add(AdaptiveCruiseApp(self.acc_params))
        self.apps["arbitration"] = runner.add(ArbitrationApp())
        robot_speed = self.speed_kmh if self.robot_speed_kmh is None else self.robot_speed_kmh
        self.robot = runner.add(
            DrivingRobot(
                robot_speed, brake_after_warning_s=self.brake_after_warning_s, distracted=self.distracted
            )
        )
        self.robot.steering_wheel_deg = self.steering_wheel_deg
        self.recorder = runner.add(Recorder(self))
        runner.start()

    def settings(self, values: dict[str, Any]) -> None:
        """Set the functions' settings through their actuators, as an HMI would."""
        self.robot.batch_actuate(values)

    def run(self, seconds: float, *, until_stopped: bool = False) -> None:
        """Run ``seconds`` (or until the ego stands, with ``until_stopped``)."""
        end = self.clock.now_s + seconds
        while self.clock.now_s < end - 1e-9:
            self.clock.advance(10)
            if until_stopped and self.plant.model.speed_mps <= 0.0:
                break

    def stop(self) -> None:
        self.runner.stop()

    # -- readings --------------------------------------------------------------------------------

    @property
    def fcw_app(self) -> ForwardCollisionWarningApp:
        return self.apps["fcw"]  # type: ignore[no-any-return]

    @property
    def aeb_app(self) -> EmergencyBrakingApp:
        return self.apps["aeb"]  # type: ignore[no-any-return]

    @property
    def acc_app(self) -> AdaptiveCruiseApp:
        return self.apps["acc"]  # type: ignore[no-any-return]

    @property
    def arbitration(self) -> ArbitrationApp:
        return self.apps["arbitration"]  # type: ignore[no-any-return]

    @property
    def samples(self) -> list[Sample]:
        return self.recorder.samples

    def min_gap_m(self, actor_id: str) -> float:
        return min(sample.gaps_m[actor_id] for sample in self.samples)

    def impact_speed_kmh(self) -> float:
        """The ego's speed at its first collision (0 without one)."""
        collisions = self.world.collisions
        if not collisions:
            return 0.0
        return collisions[0].impact.closing_speed_mps * 3.6


def kmh(speed_kmh: float) -> float:
    return speed_kmh / 3.6


def crossing_profile(speed_mps: float, *, start_delay_s: float, ramp_m: float = 1.0) -> SpeedProfile:
    """Euro NCAP's VRU targets: accelerate over ``ramp_m`` to ``speed_mps``, after a delay."""
    ramp_s = 2.0 * ramp_m / speed_mps
    return SpeedProfile(points=((0.0, 0.0), (ramp_s, speed_mps)), start_delay_s=start_delay_s)


def time_to_reach_s(distance_m: float, speed_mps: float) -> float:
    return distance_m / speed_mps if speed_mps > 0 else math.inf
