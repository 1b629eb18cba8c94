"""The vehicle plant: the simulated car as a provider on the broker.

It publishes what a real EV exposes on its bus, each signal at its declared rate
(:data:`PUBLISHED`), and accepts the actuation a real one accepts (:data:`ACTUATORS`): pedals
and steering wheel (``Vehicle.Sdvkit.DriverInput``), the arbitrated motion requests
(``Vehicle.Sdvkit.MotionControl``), gear, drive mode, charging, and the simulation's road
friction. Functions read only these signals, never the model.

It also owns the plant's faults (:data:`FAULT_INJECTION`, ``Vehicle.Sdvkit.FaultInjection``):
a test bench switches them as actuators and the plant reports their state, which the CAN
feeder passes to the ECUs' sensor models and the sensing app to its radar. An overheating
battery also reports its pack at :data:`OVERHEATED_PACK_C` or more.

One :meth:`VehiclePlant.step` per tick: apply the latest requests, advance the model, move the
world (when the plant has one: the ego's box follows the model, the other actors move, collisions
are recorded in :attr:`VehiclePlant.collisions`), then publish the signals that are due, all in
one atomic publish.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.vehicle.battery import ChargerKind
from sdvkit.vehicle.ledger import JOULES_PER_KWH
from sdvkit.vehicle.model import Gear, VehicleModel
from sdvkit.vehicle.powertrain import DriveMode
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2
from sdvkit.world.actors import ActorSpec
from sdvkit.world.scene import CollisionEvent, World

EARTH_RADIUS_M = 6_371_000.0
DEFAULT_ORIGIN = (48.1374, 11.5755)
"""Latitude and longitude of the simulation's (0, 0): any point works; the default is a city centre."""
RATED_CONSUMPTION_KWH_PER_100KM = 16.0
"""What the battery-management range estimate assumes before a trip has a kilometre to go on."""

UINT32_MAX = 2**32 - 1

OVERHEATED_PACK_C = 65.0
"""The pack temperature the battery reports at least while ``BatteryOverTemperature`` is
injected: above the 60 °C cell limit of the battery management. Only the report: the thermal
model, and so the power derating, are unchanged."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PublishedSignal:
    """One signal the plant publishes: its path, its rate, and how to read it off the model."""

    path: str
    rate_hz: float
    read: Callable[[VehiclePlant], Any]


def _heading_deg(plant: VehiclePlant) -> float:
    # The model's heading is counter-clockwise from +x (east); VSS counts clockwise from north.
    return (90.0 - math.degrees(plant.model.heading_rad)) % 360.0


def _trip_consumption(plant: VehiclePlant) -> float:
    ledger = plant.model.ledger
    if ledger.distance_m < 1.0:
        return 0.0
    return (ledger.battery_net_out_j + ledger.charged_j) / JOULES_PER_KWH / (ledger.distance_m / 100_000.0)


def _bms_range_m(plant: VehiclePlant) -> int:
    ledger = plant.model.ledger
    consumption = RATED_CONSUMPTION_KWH_PER_100KM
    if ledger.distance_m >= 1_000.0:
        consumption = max(5.0, _trip_consumption(plant))
    usable_kwh = plant.model.battery.usable_energy_remaining_j() / JOULES_PER_KWH
    return max(0, round(usable_kwh / consumption * 100_000.0))


def _time_to_complete_s(plant: VehiclePlant) -> int:
    """Seconds to the charge limit; 0 when not charging, or when the pack is too cold or hot to
    charge at all (the estimate is then infinite)."""
    model = plant.model
    if model.charger is None:
        return 0
    seconds = model.battery.estimate_time_to_target_s(model.charger, model.charge_target_soc)
    if not math.isfinite(seconds):
        return 0
    return min(UINT32_MAX, max(0, round(seconds)))


def _int(value: float) -> int:
    return round(value)


_BATTERY = "Vehicle.Powertrain.TractionBattery"
_MOTOR = "Vehicle.Powertrain.ElectricMotor"
PACK_TEMPERATURE = f"{_BATTERY}.Temperature.Average"

PUBLISHED: tuple[PublishedSignal, ...] = (
    # Motion, at 50 Hz: what stability control and the ADAS functions sample.
    PublishedSignal(path="Vehicle.Speed", rate_hz=50, read=lambda p: abs(p.model.speed_mps) * 3.6),
    PublishedSignal(path="Vehicle.IsMoving", rate_hz=50, read=lambda p: abs(p.model.speed_mps) > 0.01),
    PublishedSignal(
        path="Vehicle.Acceleration.Longitudinal", rate_hz=50, read=lambda p: p.model.acceleration_mps2
    ),
    PublishedSignal(
        path="Vehicle.Acceleration.Lateral", rate_hz=50, read=lambda p: p.model.lateral.lateral_accel_mps2
    ),
    PublishedSignal(
        path="Vehicle.AngularVelocity.Yaw",
        rate_hz=50,
        read=lambda p: math.degrees(p.model.lateral.yaw_rate_rad_per_s),
    ),
    PublishedSignal(
        path="Vehicle.Chassis.Axle.Row1.SteeringAngle",
        rate_hz=50,
        read=lambda p: math.degrees(p.model.lateral.road_wheel_angle_rad),
    ),
    PublishedSignal(
        path="Vehicle.Chassis.SteeringWheel.Angle",
        rate_hz=50,
        read=lambda p: _int(math.degrees(p.model.lateral.steering_wheel_angle_rad)),
    ),
    PublishedSignal(
        path="Vehicle.Chassis.Accelerator.PedalPosition",
        rate_hz=50,
        read=lambda p: _int(p.model.controls.accelerator_pedal_pct),
    ),
    PublishedSignal(
        path="Vehicle.Chassis.Brake.PedalPosition",
        rate_hz=50,
        read=lambda p: _int(p.model.controls.brake_pedal_pct),
    ),
    # Brakes and drive unit, at 10 Hz.
    PublishedSignal(
        path="Vehicle.Body.Lights.Brake.IsActive",
        rate_hz=10,
        read=lambda p: (
            "ADAPTIVE"
            if p.model.brakes.decel_mps2 > 0.5 * STANDARD_GRAVITY_MPS2
            else "ACTIVE"
            if p.model.brakes.decel_mps2 > 0.3
            else "INACTIVE"
        ),
    ),
    PublishedSignal(
        path="Vehicle.Chassis.Brake.IsDriverEmergencyBrakingDetected",
        rate_hz=10,
        read=lambda p: p.model.controls.brake_pedal_pct > 80.0,
    ),
    PublishedSignal(
        path=f"{_MOTOR}.Power", rate_hz=10, read=lambda p: _int(p.model.motor_mechanical_power_w / 1000)
    ),
    PublishedSignal(path=f"{_MOTOR}.Torque", rate_hz=10, read=lambda p: _int(p.model.motor_torque_nm)),
    PublishedSignal(
        path=f"{_MOTOR}.Speed",
        rate_hz=10,
        read=lambda p: p.model.powertrain.motor_speed_rpm(p.model.speed_mps),
    ),
    PublishedSignal(
        path="Vehicle.Powertrain.Transmission.CurrentGear",
        rate_hz=10,
        read=lambda p: {Gear.DRIVE: 1, Gear.REVERSE: -1}.get(p.model.controls.gear, 0),
    ),
    # Battery, at 10 Hz. VSS counts current and power positive into the battery.
    PublishedSignal(path=f"{_BATTERY}.CurrentCurrent", rate_hz=10, read=lambda p: -p.model.battery.current_a),
    PublishedSignal(
        path=f"{_BATTERY}.CurrentVoltage", rate_hz=10, read=lambda p: p.model.battery.terminal_voltage_v
    ),
    PublishedSignal(
        path=f"{_BATTERY}.CurrentPower", rate_hz=10, read=lambda p: -p.model.battery.terminal_power_w
    ),
    PublishedSignal(
        path=f"{_BATTERY}.PowerLoss",
        rate_hz=10,
        read=lambda p: p.model.battery.current_a**2 * p.model.battery.internal_resistance_ohm,
    ),
    PublishedSignal(
        path=f"{_BATTERY}.StateOfCharge.Current", rate_hz=10, read=lambda p: p.model.battery.state_of_charge
    ),
    PublishedSignal(
        path=f"{_BATTERY}.StateOfCharge.Displayed", rate_hz=10, read=lambda p: p.model.battery.displayed_soc
    ),
    PublishedSignal(
        path=f"{_BATTERY}.StateOfCharge.CurrentEnergy",
        rate_hz=10,
        read=lambda p: p.model.battery.usable_energy_remaining_j() / JOULES_PER_KWH,
    ),
    PublishedSignal(path=PACK_TEMPERATURE, rate_hz=1, read=lambda p: p.pack_temperature_c),
    PublishedSignal(
        path=f"{_BATTERY}.AccumulatedConsumedEnergy",
        rate_hz=1,
        read=lambda p: p.model.battery.energy_out_j / JOULES_PER_KWH,
    ),
    PublishedSignal(
        path=f"{_BATTERY}.AccumulatedChargedEnergy",
        rate_hz=1,
        read=lambda p: p.model.battery.energy_in_j / JOULES_PER_KWH,
    ),
    PublishedSignal(path=f"{_BATTERY}.Range", rate_hz=1, read=_bms_range_m),
    PublishedSignal(
        path=f"{_BATTERY}.Charging.IsCharging", rate_hz=1, read=lambda p: p.model.charging_power_w > 0
    ),
    PublishedSignal(
        path=f"{_BATTERY}.Charging.ChargingPort.AnyPosition.IsChargingCableConnected",
        rate_hz=1,
        read=lambda p: p.model.charger is not None,
    ),
    PublishedSignal(
        path=f"{_BATTERY}.Charging.MaxPower",
        rate_hz=1,
        read=lambda p: (
            p.model.battery.charge_power_limit_w(p.model.charger, p.model.battery.soc)
            * p.model.battery.temperature_factor()
            / 1000
            if p.model.charger is not None
            else 0.0
        ),
    ),
    PublishedSignal(path=f"{_BATTERY}.Charging.TimeToComplete", rate_hz=1, read=_time_to_complete_s),
    # Energy use, at 1 Hz.
    PublishedSignal(
        path="Vehicle.Powertrain.EnergyUse.AuxiliaryPower",
        rate_hz=1,
        read=lambda p: p.model.climate.auxiliary_power_w,
    ),
    PublishedSignal(
        path="Vehicle.Powertrain.EnergyUse.ClimatePower",
        rate_hz=1,
        read=lambda p: p.model.climate.hvac_electrical_power_w,
    ),
    PublishedSignal(
        path="Vehicle.Powertrain.EnergyUse.TripAverageConsumption", rate_hz=1, read=_trip_consumption
    ),
    PublishedSignal(
        path="Vehicle.Powertrain.EnergyUse.TripRegeneratedEnergy",
        rate_hz=1,
        read=lambda p: (p.model.ledger.battery_in_j - p.model.ledger.charged_j) / JOULES_PER_KWH,
    ),
    # Position, at 10 Hz (a GNSS receiver's usual rate), odometer and surroundings at 1 Hz.
    PublishedSignal(path="Vehicle.CurrentLocation.Latitude", rate_hz=10, read=lambda p: p.latitude_deg),
    PublishedSignal(path="Vehicle.CurrentLocation.Longitude", rate_hz=10, read=lambda p: p.longitude_deg),
    PublishedSignal(path="Vehicle.CurrentLocation.Heading", rate_hz=10, read=_heading_deg),
    PublishedSignal(path="Vehicle.CurrentLocation.Altitude", rate_hz=1, read=lambda p: p.altitude_m),
    PublishedSignal(
        path="Vehicle.TraveledDistance",
        rate_hz=1,
        read=lambda p: _int(p.odometer_start_m + p.model.ledger.distance_m),
    ),
    PublishedSignal(
        path="Vehicle.TraveledDistanceSinceStart", rate_hz=1, read=lambda p: _int(p.model.ledger.distance_m)
    ),
    PublishedSignal(path="Vehicle.Exterior.AirTemperature", rate_hz=1, read=lambda p: p.model.ambient_c),
    PublishedSignal(path="Vehicle.Sdvkit.Simulation.Time", rate_hz=10, read=lambda p: p.model.time_s),
)
"""Every signal the plant publishes, with its rate."""

_CONTROL = "Vehicle.Sdvkit.MotionControl"
_DRIVER = "Vehicle.Sdvkit.DriverInput"
GEAR = "Vehicle.Powertrain.Transmission.SelectedGear"
DRIVE_MODE = "Vehicle.Powertrain.Transmission.PerformanceMode"
ROAD_FRICTION = "Vehicle.Sdvkit.Simulation.RoadFriction"
START_STOP_CHARGING = f"{_BATTERY}.Charging.StartStopCharging"
CHARGE_LIMIT = f"{_BATTERY}.Charging.ChargeLimit"

_FAULT_INJECTION = "Vehicle.Sdvkit.FaultInjection"
BATTERY_OVER_TEMPERATURE = f"{_FAULT_INJECTION}.BatteryOverTemperature"
INSULATION_FAULT = f"{_FAULT_INJECTION}.InsulationFault"
FRONT_RADAR_BLOCKED = f"{_FAULT_INJECTION}.FrontRadarBlocked"
STUCK_WINDOW_MOTOR = f"{_FAULT_INJECTION}.StuckWindowMotor"
FAULTS_HEALED: Mapping[str, bool | str] = MappingProxyType(
    {
        BATTERY_OVER_TEMPERATURE: False,
        INSULATION_FAULT: False,
        FRONT_RADAR_BLOCKED: False,
        STUCK_WINDOW_MOTOR: "NONE",
    }
)
"""Every fault actuator the plant provides, with the value that means "no fault" (its state at start)."""
FAULT_INJECTION: tuple[str, ...] = tuple(FAULTS_HEALED)

ACTUATORS: tuple[str, ...] = (
    f"{_DRIVER}.AcceleratorPedal",
    f"{_DRIVER}.BrakePedal",
    f"{_DRIVER}.SteeringWheelAngle",
    f"{_CONTROL}.Longitudinal.AccelerationRequest",
    f"{_CONTROL}.Longitudinal.Source",
    f"{_CONTROL}.Lateral.SteeringWheelAngleRequest",
    f"{_CONTROL}.Lateral.Source",
    GEAR,
    DRIVE_MODE,
    ROAD_FRICTION,
    START_STOP_CHARGING,
    CHARGE_LIMIT,
    *FAULT_INJECTION,
)
"""Every actuator the plant provides."""

ATTRIBUTES: tuple[str, ...] = (
    f"{_BATTERY}.Charging.IsDischarging",
    f"{_BATTERY}.GrossCapacity",
    f"{_BATTERY}.NominalVoltage",
    f"{_MOTOR}.MaxPower",
    f"{_MOTOR}.MaxTorque",
    f"{_MOTOR}.MaxRegenPower",
    "Vehicle.Chassis.Wheelbase",
)


class VehiclePlant(VehicleApp):
    """The simulated vehicle on the broker. Add it to the runner first, so it steps first."""

    name = "vehicle plant"
    dc_charger = False
    """Which charger ``StartStopCharging = START`` connects: AC by default."""
    model: VehicleModel
    origin: tuple[float, float]
    odometer_start_m: float
    altitude_m: float

    def __init__(
        self,
        model: VehicleModel,
        *,
        origin: tuple[float, float] = DEFAULT_ORIGIN,
        odometer_start_m: float = 0.0,
        published: tuple[PublishedSignal, ...] = PUBLISHED,
        world: World | None = None,
        ego: ActorSpec | None = None,
    ) -> None:
        paths = tuple(signal.path for signal in published)
        super().__init__(
            manifest=Manifest(writes=(*paths, *ACTUATORS, *ATTRIBUTES), role=AppRole.PLANT),
            step_period_s=model.step_s,
        )
        self.model = model
        self.origin = origin
        self.odometer_start_m = odometer_start_m
        self.altitude_m = 0.0
        self._published = published
        self._schedule: list[tuple[int, list[PublishedSignal]]] = []
        self._tick = 0
        self._echo: dict[str, Any] = {}
        self._charging_requested = False
        self._longitudinal_source = "NONE"
        self._acceleration_request = 0.0
        self._lateral_source = "NONE"
        self._steering_request_deg = 0.0
        self.faults: dict[str, bool | str] = dict(FAULTS_HEALED)
        """The state of every fault actuator (:data:`FAULT_INJECTION`)."""
        self.world = world
        self.collisions: list[CollisionEvent] = []
        """Every collision the world reported, in time order (the ego's id is ``"ego"``)."""
        if world is not None:
            world.place_ego(
                ego if ego is not None else ActorSpec.car("ego"),
                x_m=model.x_m,
                y_m=model.y_m,
                heading_rad=model.heading_rad,
                speed_mps=model.speed_mps,
            )

    # -- position --------------------------------------------------------------------------

    @property
    def latitude_deg(self) -> float:
        return self.origin[0] + math.degrees(self.model.y_m / EARTH_RADIUS_M)

    @property
    def longitude_deg(self) -> float:
        scale = EARTH_RADIUS_M * math.cos(math.radians(self.origin[0]))
        return self.origin[1] + math.degrees(self.model.x_m / scale)

    @property
    def pack_temperature_c(self) -> float:
        """The pack temperature the battery reports: the model's, at least :data:`OVERHEATED_PACK_C`
        while ``BatteryOverTemperature`` is injected."""
        temperature_c = self.model.battery.temperature_c
        if self.faults[BATTERY_OVER_TEMPERATURE] is True:
            return max(temperature_c, OVERHEATED_PACK_C)
        return temperature_c

    # -- lifecycle --------------------------------------------------------------------------

    def on_start(self) -> None:
        by_period: dict[int, list[PublishedSignal]] = {}
        for signal in self._published:
            every = max(1, round(1.0 / (signal.rate_hz * self.model.step_s)))
            by_period.setdefault(every, []).append(signal)
        self._schedule = sorted(by_period.items())
        self.provide([signal.path for signal in self._published] + list(ATTRIBUTES))
        self.provide_actuation(list(ACTUATORS), self._on_actuation)
        params = self.model.params
        self.publish(
            {
                f"{_BATTERY}.GrossCapacity": round(params.battery.energy_j / JOULES_PER_KWH),
                f"{_BATTERY}.NominalVoltage": round(params.battery.nominal_voltage_v),
                f"{_MOTOR}.MaxPower": round(params.powertrain.motor_max_power_w / 1000),
                f"{_MOTOR}.MaxTorque": round(params.powertrain.motor_max_torque_nm),
                f"{_MOTOR}.MaxRegenPower": round(params.powertrain.motor_max_regen_power_w / 1000),
                "Vehicle.Chassis.Wheelbase": round(params.lateral.wheelbase_m * 1000),
                GEAR: self.model.controls.gear.value,
                DRIVE_MODE: self.model.controls.drive_mode.value,
                ROAD_FRICTION: self.model.road_friction,
                f"{_CONTROL}.Longitudinal.Source": "NONE",
                f"{_CONTROL}.Lateral.Source": "NONE",
                CHARGE_LIMIT: round(self.model.charge_target_soc * 100),
                # No vehicle-to-load: the pack never discharges through the charge port.
                f"{_BATTERY}.Charging.IsDischarging": False,
                **self.faults,
            }
        )
        self._publish_due(force=True)

    def step(self) -> None:
        self._apply_requests()
        model = self.model
        model.step()
        world = self.world
        if world is not None:
            world.set_ego_pose(
                model.x_m,
                model.y_m,
                model.heading_rad,
                speed_mps=model.speed_mps,
                accel_mps2=model.acceleration_mps2,
            )
            self.collisions.extend(world.step(model.step_s))
        self._tick += 1
        self._publish_due(force=False)

    # -- internals --------------------------------------------------------------------------

    def _publish_due(self, *, force: bool) -> None:
        tick = self._tick
        values = self._echo
        self._echo = {}
        for every, signals in self._schedule:
            if force or tick % every == 0:
                for signal in signals:
                    values[signal.path] = signal.read(self)
        if values:
            self.publish(values)

    def _apply_requests(self) -> None:
        controls = self.model.controls
        controls.acceleration_request_mps2 = (
            self._acceleration_request if self._longitudinal_source != "NONE" else None
        )
        controls.steering_wheel_angle_request_deg = (
            self._steering_request_deg if self._lateral_source != "NONE" else None
        )
        model = self.model
        if self._charging_requested and model.charger is None:
            model.charger = ChargerKind.DC if self.dc_charger else ChargerKind.AC
        elif not self._charging_requested:
            model.charger = None

    def _on_actuation(self, requests: list[tuple[str, Any]]) -> None:
        """Take the requests; their values are reported with the next step's publish."""
        controls = self.model.controls
        echoed = self._echo
        for path, value in requests:
            if path == f"{_DRIVER}.AcceleratorPedal":
                controls.accelerator_pedal_pct = float(value)
            elif path == f"{_DRIVER}.BrakePedal":
                controls.brake_pedal_pct = float(value)
            elif path == f"{_DRIVER}.SteeringWheelAngle":
                controls.steering_wheel_angle_deg = float(value)
            elif path == f"{_CONTROL}.Longitudinal.AccelerationRequest":
                self._acceleration_request = float(value)
            elif path == f"{_CONTROL}.Longitudinal.Source":
                self._longitudinal_source = str(value)
            elif path == f"{_CONTROL}.Lateral.SteeringWheelAngleRequest":
                self._steering_request_deg = float(value)
            elif path == f"{_CONTROL}.Lateral.Source":
                self._lateral_source = str(value)
            elif path == GEAR:
                controls.gear = Gear.from_vss(int(value))
                echoed[path] = controls.gear.value
                continue
            elif path == DRIVE_MODE:
                controls.drive_mode = DriveMode(str(value))
            elif path == ROAD_FRICTION:
                self.model.road_friction = float(value)
            elif path == START_STOP_CHARGING:
                self._charging_requested = value == "START"
            elif path == CHARGE_LIMIT:
                self.model.charge_target_soc = int(value) / 100.0
            elif path in self.faults:
                self.faults[path] = value
                if path == BATTERY_OVER_TEMPERATURE:  # reported at once, not at the next 1 Hz sample
                    echoed[PACK_TEMPERATURE] = self.pack_temperature_c
            echoed[path] = value
