"""The vehicle model: longitudinal dynamics, brakes, steering, powertrain, battery and climate,
advanced together one fixed step at a time.

``VehicleModel.step(dt_s)`` follows the control-loop order: sample the controls, work out the
demand (acceleration request, or pedals), limit it by the motor, battery and tyres, integrate the
motion, then book the energy. The speed is signed along the body's x axis (negative reversing).
No broker here: :class:`~sdvkit.vehicle.plant.VehiclePlant` puts the model on the bus.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import Enum

from sdvkit.vehicle.battery import ChargerKind, TractionBattery
from sdvkit.vehicle.brakes import SURFACES, BrakeSystem
from sdvkit.vehicle.climate import Climate
from sdvkit.vehicle.errors import ParameterError
from sdvkit.vehicle.lateral import BicycleModel
from sdvkit.vehicle.ledger import EnergyLedger
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.powertrain import DRIVE_MODE_LIMITS, DriveMode, Powertrain
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2

_STANDSTILL_MPS = 1e-3
TRACTION_CONTROL_EFFICIENCY = 0.95
"""Share of the driven tyres' peak grip traction control lets the motor use (as ABS does braking)."""


class Gear(Enum):
    """Selector position, with the VSS ``Transmission.SelectedGear`` number of each."""

    PARK = 126
    REVERSE = -1
    NEUTRAL = 0
    DRIVE = 127

    @classmethod
    def from_vss(cls, value: int) -> Gear:
        for gear in cls:
            if gear.value == value:
                return gear
        # VSS: 1..n forward gears; an EV has one.
        if value > 0:
            return cls.DRIVE
        return cls.REVERSE


@dataclass(slots=True)
class Controls:
    """What the driver and the arbitration layer ask of the vehicle; the model reads it each step."""

    accelerator_pedal_pct: float = 0.0
    brake_pedal_pct: float = 0.0
    steering_wheel_angle_deg: float = 0.0
    """The driver's wheel; positive to the left."""
    acceleration_request_mps2: float | None = None
    """An automated longitudinal request (ACC, AEB, a cycle driver). Overrides the pedals, except
    that the brake pedal can always brake harder."""
    steering_wheel_angle_request_deg: float | None = None
    """An automated steering request (LKA, ELK). Overrides the driver's wheel."""
    gear: Gear = Gear.DRIVE
    drive_mode: DriveMode = DriveMode.NORMAL


class VehicleModel:
    """One simulated vehicle and its surroundings' effect on it (road µ, grade, ambient temperature)."""

    __slots__ = (
        "_drive_axle_load_share",
        "_drive_mode",
        "_effective_mass_kg",
        "_normal_load_grade",
        "_normal_load_n",
        "_pedal_exponent",
        "acceleration_mps2",
        "ambient_c",
        "battery",
        "brakes",
        "charge_target_soc",
        "charger",
        "charging_power_w",
        "climate",
        "controls",
        "grade",
        "lateral",
        "ledger",
        "motor_electrical_power_w",
        "motor_mechanical_power_w",
        "motor_torque_nm",
        "params",
        "powertrain",
        "road_friction",
        "road_load",
        "speed_mps",
        "step_s",
        "time_s",
    )

    def __init__(
        self,
        params: VehicleParams,
        *,
        step_s: float = 0.01,
        initial_soc: float | None = None,
        ambient_c: float = 22.0,
        altitude_m: float = 0.0,
        battery_temperature_c: float | None = None,
        road_friction: float = SURFACES["dry_asphalt"].mu,
        x_m: float = 0.0,
        y_m: float = 0.0,
        heading_rad: float = 0.0,
        speed_mps: float = 0.0,
    ) -> None:
        if not (math.isfinite(ambient_c) and -50.0 <= ambient_c <= 60.0):
            raise ParameterError("ambient_c", ambient_c, "must be in [-50, 60] °C")
        if not 0.0 < road_friction <= 1.5:
            raise ParameterError("road_friction", road_friction, "must be in (0, 1.5]")
        self.params = params
        self.road_load = params.road_load.in_air(ambient_c, altitude_m)
        """The road load in this run's air (density from the ambient temperature and altitude)."""
        self.step_s = step_s
        self._effective_mass_kg = params.road_load.effective_mass_kg
        # The car has stood in this air: the pack starts at the ambient temperature unless told.
        battery_params = dataclasses.replace(
            params.battery,
            initial_temperature_c=ambient_c if battery_temperature_c is None else battery_temperature_c,
        )
        if initial_soc is not None:
            battery_params = dataclasses.replace(battery_params, initial_soc=initial_soc)
        self.battery = TractionBattery(battery_params)
        self.brakes = BrakeSystem(params.brakes, mass_kg=self._effective_mass_kg, step_s=step_s)
        self.lateral = BicycleModel(
            params.lateral,
            params.steering,
            mass_kg=params.road_load.mass_kg,
            x_m=x_m,
            y_m=y_m,
            heading_rad=heading_rad,
        )
        self.powertrain = Powertrain(params.powertrain, wheel_radius_m=params.road_load.wheel_radius_m)
        self.climate = Climate(params.climate, initial_cabin_c=ambient_c)
        self.controls = Controls()
        self.ledger = EnergyLedger()
        self.ambient_c = ambient_c
        self.road_friction = road_friction
        self.grade = 0.0
        self._normal_load_grade = 0.0
        self._normal_load_n = params.road_load.mass_kg * STANDARD_GRAVITY_MPS2
        self._drive_axle_load_share = params.powertrain.drive_axle_load_share
        self.time_s = 0.0
        self.speed_mps = speed_mps
        self.acceleration_mps2 = 0.0
        self.motor_electrical_power_w = 0.0
        self.motor_mechanical_power_w = 0.0
        self.motor_torque_nm = 0.0
        self.charger: ChargerKind | None = None
        self.charge_target_soc = 1.0
        self.charging_power_w = 0.0
        self._drive_mode = DriveMode.NORMAL
        self._pedal_exponent = DRIVE_MODE_LIMITS[DriveMode.NORMAL].pedal_exponent

    # -- what the plant reads --------------------------------------------------------------

    @property
    def x_m(self) -> float:
        return self.lateral.x_m

    @property
    def y_m(self) -> float:
        return self.lateral.y_m

    @property
    def heading_rad(self) -> float:
        return self.lateral.heading_rad

    @property
    def is_charging(self) -> bool:
        return self.charging_power_w > 0.0

    # -- the step -----------------------------------------------------------------------------

    def step(self, dt_s: float | None = None) -> None:
        """Advance the vehicle by one step (``step_s`` unless given; the brakes need it fixed)."""
        dt = self.step_s if dt_s is None else dt_s
        controls = self.controls
        if controls.drive_mode is not self._drive_mode:
            self._drive_mode = controls.drive_mode
            self.powertrain.set_drive_mode(controls.drive_mode)
            self._pedal_exponent = DRIVE_MODE_LIMITS[controls.drive_mode].pedal_exponent
        auxiliary_w = self.climate.step(dt, self.ambient_c)
        if self.charger is not None and controls.gear is Gear.PARK and self.speed_mps == 0.0:
            self._charge(dt, self.charger)
            self._advance_lateral(dt, 0.0)
            self.time_s += dt
            return
        self.charging_power_w = 0.0
        self._drive(dt, auxiliary_w)
        self.time_s += dt

    def _drive(self, dt: float, auxiliary_w: float) -> None:
        controls = self.controls
        params = self.road_load
        powertrain = self.powertrain
        battery = self.battery
        mass = self._effective_mass_kg
        mu = self.road_friction
        speed = self.speed_mps
        gear = controls.gear
        moving = speed > _STANDSTILL_MPS or speed < -_STANDSTILL_MPS
        direction_of_motion = 1.0 if speed >= 0.0 else -1.0

        # Resistances at this speed (magnitudes oppose the motion; grade acts downhill).
        drag_n = params.drag_factor_n_per_mps2 * speed * speed
        grade_n = params.grade_force_n(self.grade) if self.grade else 0.0
        rolling_n = params.rolling_force_n(self.grade) if moving else 0.0
        if self.grade != self._normal_load_grade:
            self._normal_load_grade = self.grade
            self._normal_load_n = params.mass_kg * STANDARD_GRAVITY_MPS2 * math.cos(math.atan(self.grade))
        resist_forward_n = direction_of_motion * (drag_n + rolling_n) + grade_n

        # Demand: drive force along +x and a braking deceleration.
        drive_sign = -1.0 if gear is Gear.REVERSE else 1.0
        drives = gear is Gear.DRIVE or gear is Gear.REVERSE
        battery_limit_w = max(0.0, battery.max_discharge_power_w() - auxiliary_w)
        max_drive_n = powertrain.max_drive_force_n(abs(speed), battery_limit_w) if drives else 0.0
        if self.charger is not None:
            max_drive_n = 0.0  # drive-away lock while the charging cable is connected
        # Traction control: the driven axle cannot push harder than its tyres grip.
        traction_n = TRACTION_CONTROL_EFFICIENCY * mu * self._normal_load_n * self._drive_axle_load_share
        max_drive_n = min(max_drive_n, traction_n)
        brake_demand_mps2 = self.params.brakes.pedal_to_decel_mps2(controls.brake_pedal_pct)
        request = controls.acceleration_request_mps2
        if request is not None and gear is not Gear.PARK:
            # Along the direction the gear drives: braking requests act in every gear, driving
            # requests where the gear can drive.
            needed_n = mass * request + drive_sign * resist_forward_n
            if needed_n >= 0.0:
                drive_n = min(needed_n, max_drive_n)
            else:
                drive_n = 0.0
                brake_demand_mps2 = max(brake_demand_mps2, -needed_n / mass)
        else:
            pedal = min(max(controls.accelerator_pedal_pct, 0.0), 100.0) / 100.0
            drive_n = max_drive_n * pedal**self._pedal_exponent if pedal > 0.0 else 0.0
        drive_n *= drive_sign
        if gear is Gear.PARK:
            # Park while rolling brakes the car to a stop; the pawl then holds it.
            drive_n = 0.0
            brake_demand_mps2 = self.params.brakes.max_decel_mps2

        # Brakes (with regen share) and the motor's regeneration.
        brakes = self.brakes
        brakes.step(dt, brake_demand_mps2, speed, mu, self._normal_load_n)
        regen_limit_n = (
            powertrain.max_regen_force_n(abs(speed), battery.max_charge_power_w()) if drives else 0.0
        )
        regen_n = brakes.split(regen_limit_n) if moving else 0.0
        friction_n = brakes.friction_force_n if moving else 0.0

        # Motion. Brakes and rolling resistance never reverse the motion; at standstill they hold.
        if moving:
            net_n = drive_n - resist_forward_n - direction_of_motion * (regen_n + friction_n)
            new_speed = speed + net_n / mass * dt
            if new_speed * speed < 0.0 and drive_n * direction_of_motion <= 0.0:
                new_speed = 0.0
            elif brakes.hydraulic_decel_mps2 > brakes.decel_mps2:
                # The brakes could take more than this step's speed: if they also hold against the
                # grade the car stops here, instead of creeping at (grade − rolling)·dt for ever.
                holding_n = brakes.hydraulic_decel_mps2 * mass + params.rolling_force_n(self.grade)
                if abs(drive_n - grade_n) <= holding_n:
                    new_speed = 0.0
        else:
            holding_n = brakes.hydraulic_decel_mps2 * mass + params.rolling_force_n(self.grade)
            free_n = drive_n - grade_n
            if abs(free_n) <= holding_n:
                new_speed = 0.0
            else:
                net_n = free_n - math.copysign(holding_n, free_n)
                new_speed = net_n / mass * dt
        if gear is Gear.PARK and not moving:
            new_speed = 0.0  # the parking pawl

        # Bookkeeping with the distance actually covered, so the energy balance is exact.
        distance_m = 0.5 * (speed + new_speed) * dt
        travel_m = abs(distance_m)
        motor_wheel_n = drive_n - (direction_of_motion * regen_n if moving else 0.0)
        wheel_power_w = motor_wheel_n * distance_m / dt
        electrical_w, motor_loss_w, gear_loss_w = powertrain.electrical_power_w(wheel_power_w)
        # The drive force was limited to what the battery can give beyond the auxiliaries; if the
        # battery still delivers less (at its empty end), the auxiliaries are shed first.
        delivered_w = battery.step(electrical_w + auxiliary_w, dt, self.ambient_c)
        shortfall_w = electrical_w + auxiliary_w - delivered_w
        if shortfall_w > 1e-9 and delivered_w >= 0.0:
            auxiliary_w = max(0.0, auxiliary_w - shortfall_w)
        ledger = self.ledger
        if wheel_power_w >= 0.0:
            ledger.traction_wheel_j += wheel_power_w * dt
        else:
            ledger.regen_wheel_j -= wheel_power_w * dt
        ledger.motor_loss_j += motor_loss_w * dt
        ledger.gear_loss_j += gear_loss_w * dt
        ledger.auxiliary_j += auxiliary_w * dt
        ledger.friction_brake_j += friction_n * travel_m
        ledger.drag_j += drag_n * travel_m
        ledger.rolling_j += rolling_n * travel_m
        ledger.grade_j += grade_n * distance_m
        ledger.distance_m += travel_m
        ledger.battery_out_j = battery.energy_out_j
        ledger.battery_in_j = battery.energy_in_j
        ledger.battery_loss_j = battery.loss_j

        self.motor_electrical_power_w = electrical_w
        self.motor_mechanical_power_w = electrical_w - motor_loss_w
        self.motor_torque_nm = powertrain.motor_torque_nm(motor_wheel_n)
        self.acceleration_mps2 = (new_speed - speed) / dt
        self.speed_mps = new_speed
        self._advance_lateral(dt, 0.5 * (speed + new_speed))

    def _advance_lateral(self, dt: float, speed_mps: float) -> None:
        controls = self.controls
        steering = self.params.steering
        wheel_deg = controls.steering_wheel_angle_request_deg
        if wheel_deg is None:
            wheel_deg = controls.steering_wheel_angle_deg
        request_rad = math.radians(wheel_deg) / steering.steering_ratio
        self.lateral.step(dt, speed_mps, request_rad, self.road_friction, self.acceleration_mps2)

    def _charge(self, dt: float, charger: ChargerKind) -> None:
        """Charge in park; the auxiliaries run from the charger while plugged in."""
        battery = self.battery
        drawn_w = battery.charge_step(charger, dt, self.ambient_c, self.charge_target_soc)
        self.charging_power_w = drawn_w
        self.ledger.charged_j += drawn_w * dt
        self.ledger.battery_in_j = battery.energy_in_j
        self.ledger.battery_out_j = battery.energy_out_j
        self.ledger.battery_loss_j = battery.loss_j
        self.motor_electrical_power_w = 0.0
        self.motor_mechanical_power_w = 0.0
        self.acceleration_mps2 = 0.0
