"""The integrated vehicle model on a built-in car at 100 Hz: coast-down against the analytic
road-load solution, emergency stops on three surfaces, the energy books over a whole cycle,
a lane change within the bicycle model's limits, gears, drive modes, regeneration, grades,
charging and bad input."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from sdvkit.vehicle.battery import ChargerKind
from sdvkit.vehicle.brakes import STANDARD_GRAVITY_MPS2, road_surface
from sdvkit.vehicle.errors import ParameterError
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import Gear, VehicleModel
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.powertrain import DriveMode
from sdvkit.vehicle.roadload import coast_down_speed, coast_down_time_s
from sdvkit.world.cycles import DriveCycle, builtin_cycle
from sdvkit.world.driver import SpeedTraceDriver

STEP_S = 0.01
BOLT = "chevrolet-bolt-2020"
KMH = 1 / 3.6
MU_DRY = road_surface("dry_asphalt").mu
MU_WET = road_surface("wet_asphalt").mu
MU_SNOW = road_surface("snow").mu


@pytest.fixture(scope="module")
def bolt() -> VehicleParams:
    return builtin_vehicle(BOLT)


def run_for(model: VehicleModel, seconds: float, each_step: Callable[[], None] | None = None) -> None:
    for _ in range(round(seconds / STEP_S)):
        model.step()
        if each_step is not None:
            each_step()


def run_until(model: VehicleModel, done: Callable[[], bool], *, limit_s: float) -> float:
    """Step until ``done()``; return the time it took (fails past ``limit_s``)."""
    start_s = model.time_s
    while not done():
        model.step()
        assert model.time_s - start_s < limit_s, f"not done after {limit_s} s"
    return model.time_s - start_s


# -- coast-down --------------------------------------------------------------------------------


def test_coast_down_matches_the_analytic_road_load_solution(bolt: VehicleParams) -> None:
    initial_mps = 120 * KMH
    model = VehicleModel(bolt, speed_mps=initial_mps)
    model.controls.gear = Gear.NEUTRAL
    analytic_stop_s = coast_down_time_s(model.road_load, initial_mps)  # in the run's air
    checkpoints_s = (5.0, 20.0, 60.0, 120.0, 180.0, 220.0)
    assert checkpoints_s[-1] < analytic_stop_s - 10  # every checkpoint is well before standstill

    for checkpoint_s in checkpoints_s:
        while model.time_s < checkpoint_s - 1e-9:
            model.step()
        expected_mps = coast_down_speed(model.road_load, initial_mps, model.time_s)
        assert model.speed_mps == pytest.approx(expected_mps, rel=0.005), f"at {model.time_s:.1f} s"
    assert model.ledger.regen_wheel_j == 0.0
    assert model.ledger.traction_wheel_j == 0.0

    run_until(model, lambda: model.speed_mps == 0.0, limit_s=analytic_stop_s)
    stop_s = model.time_s  # from the start of the coast-down
    assert stop_s == pytest.approx(analytic_stop_s, rel=0.005)
    run_for(model, 5.0)
    assert model.speed_mps == 0.0  # level road: it stays stopped


# -- emergency stops ---------------------------------------------------------------------------


@dataclass
class Stop:
    distance_m: float
    abs_onset_speed_mps: float
    """Speed when the brakes first reached the friction limit (ABS active)."""
    distance_at_limit_m: float
    """Distance from that instant to standstill."""


def emergency_stop(
    params: VehicleParams, mu: float, *, pedal_pct: float = 100.0, request_mps2: float | None = None
) -> Stop:
    """From 100 km/h, brakes applied at t = 0; distances measured from that instant."""
    model = VehicleModel(params, speed_mps=100 * KMH, road_friction=mu)
    model.controls.brake_pedal_pct = pedal_pct
    model.controls.acceleration_request_mps2 = request_mps2
    distance_m = 0.0
    onset_speed_mps = math.nan
    onset_distance_m = math.nan
    while model.speed_mps > 0.0:
        speed_before = model.speed_mps
        model.step()
        assert model.speed_mps >= 0.0  # the brakes never reverse the car
        distance_m += 0.5 * (speed_before + model.speed_mps) * STEP_S
        if model.brakes.abs_active and math.isnan(onset_speed_mps):
            onset_speed_mps = model.speed_mps
            onset_distance_m = distance_m
        assert model.time_s < 30.0
    return Stop(
        distance_m=distance_m,
        abs_onset_speed_mps=onset_speed_mps,
        distance_at_limit_m=distance_m - onset_distance_m,
    )


def friction_limited_distance_m(params: VehicleParams, mu: float, speed_mps: float) -> float:
    """Analytic distance from ``speed_mps`` to rest at the ABS limit plus rolling resistance and drag:
    ``m_eff·v·dv/dx = −(F + b·v²)`` gives ``x = m_eff/(2b)·ln(1 + b·v²/F)``."""
    road_load = params.road_load.in_air(22.0)  # the model's default ambient
    weight_n = road_load.mass_kg * STANDARD_GRAVITY_MPS2
    constant_n = params.brakes.abs_efficiency * mu * weight_n + road_load.rolling_force_n()
    drag = road_load.drag_factor_n_per_mps2
    return road_load.effective_mass_kg / (2 * drag) * math.log1p(drag * speed_mps**2 / constant_n)


def test_full_brake_pedal_stops_from_100_kmh_in_35_to_42_m_on_dry_asphalt(bolt: VehicleParams) -> None:
    stop = emergency_stop(bolt, MU_DRY)
    assert 35.0 <= stop.distance_m <= 42.0
    # Once at the limit, the car decelerates at the tyres' ABS limit plus road load (0.2 %: the
    # last step's stop-at-zero and the trapezoidal distance)
    expected_m = friction_limited_distance_m(bolt, MU_DRY, stop.abs_onset_speed_mps)
    assert stop.distance_at_limit_m == pytest.approx(expected_m, rel=0.002)


def test_stopping_distance_grows_as_the_road_gets_slippery(bolt: VehicleParams) -> None:
    dry = emergency_stop(bolt, MU_DRY)
    wet = emergency_stop(bolt, MU_WET)
    snow = emergency_stop(bolt, MU_SNOW)
    assert dry.distance_m < wet.distance_m < snow.distance_m
    for stop, mu in ((wet, MU_WET), (snow, MU_SNOW)):
        expected_m = friction_limited_distance_m(bolt, mu, stop.abs_onset_speed_mps)
        assert stop.distance_at_limit_m == pytest.approx(expected_m, rel=0.002)

    # At the limit, distance ∝ v²/µ. The limit is reached at slightly different speeds (it takes
    # longer to build up to a higher limit), so compare distance/v². Drag and rolling resistance
    # add ≈0.1-0.2 m/s² to the µ·g braking: 1.5 % of it on dry, 2.5 % on wet, 7 % on snow, which
    # shortens the low-µ stops relatively more. Hence 2.5 % on dry/wet, 8 % on dry/snow.
    def per_v2(stop: Stop) -> float:
        return stop.distance_at_limit_m / stop.abs_onset_speed_mps**2

    assert per_v2(wet) / per_v2(dry) == pytest.approx(MU_DRY / MU_WET, rel=0.025)
    assert per_v2(snow) / per_v2(dry) == pytest.approx(MU_DRY / MU_SNOW, rel=0.08)
    assert per_v2(wet) / per_v2(dry) < MU_DRY / MU_WET  # road load helps more where µ is low


def test_an_acceleration_request_of_minus_12_stops_like_the_full_pedal(bolt: VehicleParams) -> None:
    pedal = emergency_stop(bolt, MU_DRY)
    request = emergency_stop(bolt, MU_DRY, pedal_pct=0.0, request_mps2=-12.0)
    assert 35.0 <= request.distance_m <= 42.0
    assert request.distance_m == pytest.approx(pedal.distance_m, abs=1.0)
    assert emergency_stop(bolt, MU_WET, pedal_pct=0.0, request_mps2=-12.0).distance_m > request.distance_m


# -- energy books ------------------------------------------------------------------------------

HILL = DriveCycle(
    name="hill",
    time_s=(0.0, 10.0, 40.0, 60.0, 90.0, 100.0, 110.0),
    speed_mps=(0.0, 15.0, 15.0, 20.0, 20.0, 0.0, 0.0),
    grade=(0.0, 0.04, 0.06, 0.0, -0.05, -0.02, 0.0),
)


@pytest.mark.parametrize("cycle", [builtin_cycle("udds"), HILL], ids=lambda cycle: cycle.name)
def test_energy_books_balance_over_a_whole_cycle(bolt: VehicleParams, cycle: DriveCycle) -> None:
    model = VehicleModel(bolt)
    driver = SpeedTraceDriver(cycle)
    battery = model.battery
    usable_at_start_j = battery.usable_energy_remaining_j()
    controls = model.controls
    for index in range(round(cycle.duration_s / STEP_S)):
        time_s = index * STEP_S
        model.grade = cycle.grade_at(time_s)
        demand = driver.step(time_s, model.speed_mps, STEP_S)
        controls.acceleration_request_mps2 = max(-12.0, min(6.0, demand))
        model.step()
    ledger = model.ledger
    assert ledger.distance_m == pytest.approx(cycle.distance_m, rel=0.005)
    assert ledger.regen_wheel_j > 0.1 * ledger.traction_wheel_j  # regeneration is exercised

    # Electrical side: what left the battery went to the wheels, losses and auxiliaries.
    battery_net_out_j = ledger.battery_out_j - ledger.battery_in_j
    spent_j = (
        ledger.traction_wheel_j
        + ledger.motor_loss_j
        + ledger.gear_loss_j
        + ledger.auxiliary_j
        - ledger.regen_wheel_j
    )
    assert battery_net_out_j == pytest.approx(spent_j, rel=0.001)
    assert ledger.motor_loss_j > 0.0
    assert ledger.gear_loss_j > 0.0

    # Mechanical side: net wheel work went into road load, gravity and the final kinetic energy.
    kinetic_j = 0.5 * bolt.road_load.effective_mass_kg * model.speed_mps**2
    wheel_net_j = ledger.traction_wheel_j - ledger.regen_wheel_j - ledger.friction_brake_j
    road_j = ledger.drag_j + ledger.rolling_j + ledger.grade_j + kinetic_j
    assert wheel_net_j == pytest.approx(road_j, rel=0.001)
    if any(cycle.grade):
        assert abs(ledger.grade_j) > 0.01 * road_j

    # The battery: chemical = terminal + I²R on discharge, terminal = chemical + I²R on charge,
    # and the chemical energy is what the SoC lost (∫ V_oc dQ).
    chemical_net_j = battery.chemical_energy_out_j - battery.chemical_energy_in_j
    assert chemical_net_j == pytest.approx(battery_net_out_j + battery.loss_j, rel=1e-9)
    assert battery.loss_j > 0.0
    soc_energy_j = usable_at_start_j - battery.usable_energy_remaining_j()
    assert soc_energy_j == pytest.approx(chemical_net_j, rel=0.001)
    assert ledger.battery_loss_j == battery.loss_j


# -- steering ----------------------------------------------------------------------------------


def test_sine_steer_lane_change_at_80_kmh_shifts_the_car_one_lane(bolt: VehicleParams) -> None:
    speed_mps = 80 * KMH
    period_s = 3.0
    lane_m = 3.5
    # One sine period of steering: the heading goes out and back, and the lateral shift is
    # ∫ v·ψ dt = v·G·δ·T²/(2π) with G the bicycle model's steady-state yaw-rate gain.
    gain = bolt.lateral.steady_state_yaw_rate_gain(speed_mps, bolt.road_load.mass_kg)
    road_wheel_amplitude_rad = lane_m * 2 * math.pi / (speed_mps * gain * period_s**2)
    wheel_amplitude_deg = math.degrees(road_wheel_amplitude_rad * bolt.steering.steering_ratio)
    model = VehicleModel(bolt, speed_mps=speed_mps)
    model.controls.acceleration_request_mps2 = 0.0  # cruise
    check = SteeringLimits(model)
    while model.time_s < period_s + 2.0:
        phase = 2 * math.pi * model.time_s / period_s
        model.controls.steering_wheel_angle_deg = (
            wheel_amplitude_deg * math.sin(phase) if model.time_s < period_s else 0.0
        )
        model.step()
        check()
    assert model.y_m == pytest.approx(lane_m, rel=0.05)  # the transient lags the steady state
    assert abs(model.heading_rad) < 0.01  # parallel to the lane again
    assert model.speed_mps == pytest.approx(speed_mps, rel=0.01)
    assert check.max_lateral_accel_mps2 < 0.5 * model.road_friction * STANDARD_GRAVITY_MPS2  # a gentle one


class SteeringLimits:
    """Called after each step: the road-wheel angle and its rate within the actuator's limits,
    the lateral acceleration within µ·g."""

    def __init__(self, model: VehicleModel) -> None:
        self.model = model
        self.previous_rad = model.lateral.road_wheel_angle_rad
        self.max_angle_rad = 0.0
        self.max_rate_rad_per_s = 0.0
        self.max_lateral_accel_mps2 = 0.0

    def __call__(self) -> None:
        model = self.model
        steering = model.params.steering
        angle_rad = model.lateral.road_wheel_angle_rad
        rate = abs(angle_rad - self.previous_rad) / STEP_S
        self.previous_rad = angle_rad
        self.max_angle_rad = max(self.max_angle_rad, abs(angle_rad))
        self.max_rate_rad_per_s = max(self.max_rate_rad_per_s, rate)
        self.max_lateral_accel_mps2 = max(self.max_lateral_accel_mps2, abs(model.lateral.lateral_accel_mps2))
        assert abs(angle_rad) <= steering.max_road_wheel_angle_rad + 1e-12
        assert rate <= steering.max_road_wheel_rate_rad_per_s * (1 + 1e-9)
        assert abs(model.lateral.lateral_accel_mps2) <= model.road_friction * STANDARD_GRAVITY_MPS2


def test_a_steering_step_is_rate_limited_and_the_tyres_cap_the_lateral_acceleration(
    bolt: VehicleParams,
) -> None:
    model = VehicleModel(bolt, speed_mps=80 * KMH, road_friction=MU_WET)
    model.controls.acceleration_request_mps2 = 0.0
    steering = bolt.steering
    model.controls.steering_wheel_angle_request_deg = 180.0  # an automated step, 12° at the road wheels
    target_rad = math.radians(180.0) / steering.steering_ratio
    check = SteeringLimits(model)
    model.step()
    check()
    assert model.lateral.road_wheel_angle_rad == pytest.approx(
        steering.max_road_wheel_rate_rad_per_s * STEP_S
    )
    ramp_steps = 1
    while model.lateral.road_wheel_angle_rad < target_rad - 1e-12:
        model.step()
        check()
        ramp_steps += 1
        assert ramp_steps < 100
    expected_ramp_s = target_rad / steering.max_road_wheel_rate_rad_per_s  # 0.26 s
    assert ramp_steps * STEP_S == pytest.approx(expected_ramp_s, abs=STEP_S + 1e-9)
    run_for(model, 1.0, check)
    # 12° at 80 km/h asks far more than the wet road gives: the tyres saturate near µ·g
    limit = MU_WET * STANDARD_GRAVITY_MPS2
    assert check.max_lateral_accel_mps2 > 0.8 * limit
    assert check.max_lateral_accel_mps2 <= limit


def test_full_lock_is_never_exceeded(bolt: VehicleParams) -> None:
    model = VehicleModel(bolt, speed_mps=15 * KMH)
    model.controls.acceleration_request_mps2 = 0.0
    check = SteeringLimits(model)
    for wheel_deg in (720.0, -720.0, 720.0):
        model.controls.steering_wheel_angle_deg = wheel_deg
        run_for(model, 2.0, check)  # lock to lock at 0.8 rad/s takes 1.53 s
        assert abs(model.lateral.road_wheel_angle_rad) == pytest.approx(
            bolt.steering.max_road_wheel_angle_rad
        )
    assert check.max_angle_rad == pytest.approx(bolt.steering.max_road_wheel_angle_rad)


# -- gears and drive modes ---------------------------------------------------------------------


def test_park_holds_the_car_against_the_accelerator(bolt: VehicleParams) -> None:
    model = VehicleModel(bolt)
    model.controls.gear = Gear.PARK
    model.controls.accelerator_pedal_pct = 100.0
    run_for(model, 3.0)
    assert model.speed_mps == 0.0
    assert model.x_m == 0.0
    assert model.motor_electrical_power_w == 0.0


def test_reverse_drives_backwards(bolt: VehicleParams) -> None:
    model = VehicleModel(bolt)
    model.controls.gear = Gear.REVERSE
    model.controls.accelerator_pedal_pct = 30.0
    run_for(model, 3.0)
    assert model.speed_mps < -1.0
    assert model.x_m < -1.0
    assert model.motor_electrical_power_w > 0.0  # driving, not regenerating
    model.controls.accelerator_pedal_pct = 0.0
    model.controls.brake_pedal_pct = 50.0
    run_until(model, lambda: model.speed_mps == 0.0, limit_s=5.0)
    run_for(model, 1.0)
    assert model.speed_mps == 0.0  # the brakes stop a reversing car without pushing it forwards


def test_neutral_gives_no_drive_force(bolt: VehicleParams) -> None:
    standing = VehicleModel(bolt)
    standing.controls.gear = Gear.NEUTRAL
    standing.controls.accelerator_pedal_pct = 100.0
    run_for(standing, 2.0)
    assert standing.speed_mps == 0.0

    rolling = VehicleModel(bolt, speed_mps=20.0)
    rolling.controls.gear = Gear.NEUTRAL
    rolling.controls.accelerator_pedal_pct = 100.0
    rolling.step()
    road_load = rolling.road_load
    expected_decel = (
        road_load.drag_force_n(20.0) + road_load.rolling_force_n()
    ) / road_load.effective_mass_kg
    assert -rolling.acceleration_mps2 == pytest.approx(expected_decel, rel=0.01)
    assert rolling.motor_electrical_power_w == 0.0


def time_to_100_kmh(params: VehicleParams, mode: DriveMode) -> tuple[float, float]:
    """Full accelerator from standstill: (seconds to 100 km/h, peak acceleration)."""
    model = VehicleModel(params)
    model.controls.drive_mode = mode
    model.controls.accelerator_pedal_pct = 100.0
    peak = 0.0
    while model.speed_mps < 100 * KMH:
        model.step()
        peak = max(peak, model.acceleration_mps2)
        assert model.time_s < 30.0
    return model.time_s, peak


def test_full_accelerator_0_to_100_kmh_is_plausible_for_the_bolt(bolt: VehicleParams) -> None:
    seconds, peak = time_to_100_kmh(bolt, DriveMode.NORMAL)
    # GM quotes 6.5 s; road tests 6.3-7.0 s. The whole rated power could not do it in less than
    # ½·m·v²/P, and the traction/torque limit at low speed adds to that.
    road_load = bolt.road_load
    power_bound_s = 0.5 * road_load.effective_mass_kg * (100 * KMH) ** 2 / bolt.powertrain.motor_max_power_w
    assert power_bound_s < seconds
    assert 6.0 <= seconds <= 9.0
    assert peak <= MU_DRY * STANDARD_GRAVITY_MPS2


def test_economy_mode_accelerates_less_than_sport(bolt: VehicleParams) -> None:
    economy_s, economy_peak = time_to_100_kmh(bolt, DriveMode.ECONOMY)
    sport_s, sport_peak = time_to_100_kmh(bolt, DriveMode.SPORT)
    assert economy_peak < 0.9 * sport_peak
    assert economy_s > sport_s


# -- regeneration and braking ------------------------------------------------------------------


def test_regeneration_never_exceeds_the_motor_and_battery_limit(bolt: VehicleParams) -> None:
    model = VehicleModel(bolt, speed_mps=120 * KMH)
    model.controls.brake_pedal_pct = 60.0  # 4.8 m/s²: more than the 70 kW regen gives at speed
    max_regen_power_w = min(bolt.powertrain.motor_max_regen_power_w, bolt.battery.max_charge_power_w)
    steps_at_limit = 0
    steps_blended = 0
    while model.speed_mps > 0.0:
        regen_limit_n = model.powertrain.max_regen_force_n(
            abs(model.speed_mps), model.battery.max_charge_power_w()
        )
        model.step()
        brakes = model.brakes
        assert brakes.regen_force_n <= regen_limit_n * (1 + 1e-9) + 1e-9
        assert -model.battery.terminal_power_w <= max_regen_power_w * (1 + 1e-9)
        assert brakes.regen_decel_mps2 + brakes.friction_decel_mps2 == pytest.approx(brakes.decel_mps2)
        if brakes.regen_force_n > 0.99 * regen_limit_n > 0.0:
            steps_at_limit += 1
            if brakes.friction_force_n > 0.0:
                steps_blended += 1
        assert model.time_s < 20.0
    assert steps_at_limit > 100  # the limit was what held regeneration back
    assert steps_blended > 100  # and the friction brakes made up the rest
    assert model.ledger.regen_wheel_j > 0.0
    assert model.ledger.friction_brake_j > 0.0


def test_a_full_battery_takes_next_to_no_regeneration(bolt: VehicleParams) -> None:
    def stop_from_80_kmh(initial_soc: float) -> VehicleModel:
        model = VehicleModel(bolt, speed_mps=80 * KMH, initial_soc=initial_soc)
        model.controls.brake_pedal_pct = 40.0
        run_until(model, lambda: model.speed_mps == 0.0, limit_s=20.0)
        assert model.battery.soc <= bolt.battery.max_soc
        return model

    half = stop_from_80_kmh(0.5)
    full = stop_from_80_kmh(bolt.battery.max_soc)
    assert half.ledger.regen_wheel_j > half.ledger.friction_brake_j
    # Only the few joules the auxiliaries drew below max_soc can go back in.
    assert full.ledger.regen_wheel_j < 1e-3 * full.ledger.friction_brake_j
    assert full.ledger.battery_in_j <= full.ledger.auxiliary_j


def test_a_grade_rolls_the_car_back_in_neutral_and_the_brake_holds_it(bolt: VehicleParams) -> None:
    grade = 0.10
    rolling = VehicleModel(bolt)
    rolling.grade = grade
    rolling.controls.gear = Gear.NEUTRAL
    run_for(rolling, 3.0)
    assert rolling.speed_mps < -1.0
    assert rolling.x_m < -1.0

    held = VehicleModel(bolt)
    held.grade = grade
    held.controls.gear = Gear.NEUTRAL
    held.controls.brake_pedal_pct = 40.0  # 3 m/s², three times what the 10 % grade asks
    run_for(held, 1.0)
    # Before the brakes build up (dead time) the car moves a few millimetres; then it stands.
    assert abs(held.x_m) < 0.05
    assert held.speed_mps == 0.0
    parked_at_m = held.x_m
    run_for(held, 10.0)
    assert held.speed_mps == 0.0
    assert held.x_m == parked_at_m

    held.controls.brake_pedal_pct = 0.0
    run_for(held, 2.0)
    assert held.speed_mps < -0.5  # released: it rolls back


def test_dc_charging_in_park_raises_soc_and_stops_at_the_target(bolt: VehicleParams) -> None:
    model = VehicleModel(bolt, initial_soc=0.5)
    model.controls.gear = Gear.PARK
    model.charger = ChargerKind.DC
    model.charge_target_soc = 0.6
    model.step()
    assert model.is_charging
    assert model.charging_power_w == pytest.approx(bolt.battery.dc_charge_power_w, rel=0.05)
    charge_s = run_until(model, lambda: not model.is_charging, limit_s=3600.0)
    assert model.battery.soc == pytest.approx(0.6, abs=1e-9)
    gross_j = 0.1 * bolt.battery.energy_j  # at least the OCV energy of 10 % SoC went in
    assert model.ledger.charged_j > 0.95 * gross_j
    assert charge_s < 1.2 * gross_j / bolt.battery.dc_charge_power_w
    run_for(model, 10.0)
    assert model.battery.soc == pytest.approx(0.6, abs=1e-9)
    assert not model.is_charging


def test_no_charging_unless_parked(bolt: VehicleParams) -> None:
    model = VehicleModel(bolt, initial_soc=0.5)
    model.charger = ChargerKind.AC  # plugged in, but in DRIVE
    run_for(model, 5.0)
    assert not model.is_charging
    assert model.battery.soc <= 0.5


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ambient_c", [-80.0, 75.0, math.nan, math.inf])
def test_impossible_ambient_is_refused(bolt: VehicleParams, ambient_c: float) -> None:
    with pytest.raises(ParameterError, match="ambient_c") as info:
        VehicleModel(bolt, ambient_c=ambient_c)
    assert info.value.name == "ambient_c"


@pytest.mark.parametrize("road_friction", [0.0, -0.4, 3.0])
def test_impossible_road_friction_is_refused(bolt: VehicleParams, road_friction: float) -> None:
    with pytest.raises(ParameterError, match="road_friction") as info:
        VehicleModel(bolt, road_friction=road_friction)
    assert info.value.name == "road_friction"
