"""The brake system: dead time, jerk limits, the friction limit with ABS, regen blending, and the
emergency stops a point-mass car makes with it at 100 Hz."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import pytest

from sdvkit.vehicle.brakes import (
    DEFAULT_PEDAL_MAP,
    STANDARD_GRAVITY_MPS2,
    SURFACES,
    BrakeParams,
    BrakeSystem,
    road_surface,
)
from sdvkit.vehicle.errors import ParameterError

MASS_KG = 1800.0
DT_S = 0.01
KMH_100_MPS = 100.0 / 3.6
FULL_DEMAND_MPS2 = 13.0
MU_DRY = road_surface("dry_asphalt").mu
MU_WET = road_surface("wet_asphalt").mu
MU_SNOW = road_surface("snow").mu


@dataclass
class Stop:
    distance_m: float
    time_s: float
    abs_distance_m: float
    """Distance covered while ABS was active: the friction-limited part."""
    abs_onset_speed_mps: float
    decels_mps2: list[float]


def emergency_stop(mu: float, speed_mps: float = KMH_100_MPS, demand_mps2: float = FULL_DEMAND_MPS2) -> Stop:
    """A point-mass car braked from ``speed_mps`` to standstill, measured from the demand."""
    brakes = BrakeSystem(mass_kg=MASS_KG)
    x_m = 0.0
    v_mps = speed_mps
    steps = 0
    abs_start_m: float | None = None
    abs_onset_speed_mps = math.nan
    decels: list[float] = []
    while v_mps > 0.0:
        decel = brakes.step(DT_S, demand_mps2, v_mps, mu)
        if brakes.abs_active and abs_start_m is None:
            abs_start_m = x_m
            abs_onset_speed_mps = v_mps
        decels.append(decel)
        x_m += v_mps * DT_S - 0.5 * decel * DT_S * DT_S
        v_mps -= decel * DT_S
        assert v_mps >= 0.0
        steps += 1
        assert steps < 100_000, "the car never stopped"
    abs_distance_m = x_m - abs_start_m if abs_start_m is not None else 0.0
    return Stop(x_m, steps * DT_S, abs_distance_m, abs_onset_speed_mps, decels)


def closed_form_stop_m(mu: float, params: BrakeParams, speed_mps: float = KMH_100_MPS) -> float:
    """Dead time at full speed, a jerk ramp up to the ABS limit, then constant deceleration."""
    limit = params.abs_efficiency * mu * STANDARD_GRAVITY_MPS2
    jerk = params.apply_jerk_mps3
    ramp_s = limit / jerk
    ramp_m = speed_mps * ramp_s - jerk * ramp_s**3 / 6.0
    speed_after_ramp = speed_mps - 0.5 * jerk * ramp_s**2
    return speed_mps * params.dead_time_s + ramp_m + speed_after_ramp**2 / (2.0 * limit)


# --- emergency stops -------------------------------------------------------------------------


def test_emergency_stop_from_100_kmh_on_dry_asphalt_is_35_to_42_m() -> None:
    stop = emergency_stop(MU_DRY)
    assert 35.0 <= stop.distance_m <= 42.0
    # And it is the physics we meant: dead time, jerk ramp, ABS-limited deceleration.
    assert stop.distance_m == pytest.approx(closed_form_stop_m(MU_DRY, BrakeParams()), rel=0.01)
    assert max(stop.decels_mps2) == pytest.approx(0.93 * MU_DRY * STANDARD_GRAVITY_MPS2)


def test_wet_asphalt_stops_longer_in_proportion_to_one_over_mu() -> None:
    dry = emergency_stop(MU_DRY)
    wet = emergency_stop(MU_WET)
    assert wet.distance_m > dry.distance_m + 15.0
    # The friction-limited part (ABS active) scales with 1/µ: roughly in distance (ABS starts at
    # slightly different speeds), exactly once normalised by the kinetic energy at its onset.
    assert wet.abs_distance_m / dry.abs_distance_m == pytest.approx(MU_DRY / MU_WET, rel=0.10)
    dry_per_energy = dry.abs_distance_m / dry.abs_onset_speed_mps**2
    wet_per_energy = wet.abs_distance_m / wet.abs_onset_speed_mps**2
    assert wet_per_energy / dry_per_energy == pytest.approx(MU_DRY / MU_WET, rel=0.01)
    assert wet.distance_m == pytest.approx(closed_form_stop_m(MU_WET, BrakeParams()), rel=0.01)


def test_snow_stops_much_longer() -> None:
    dry = emergency_stop(MU_DRY)
    snow = emergency_stop(MU_SNOW)
    assert snow.distance_m > 3.5 * dry.distance_m
    assert snow.distance_m == pytest.approx(closed_form_stop_m(MU_SNOW, BrakeParams()), rel=0.01)


# --- dynamics ---------------------------------------------------------------------------------


def test_nothing_happens_before_the_dead_time() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    assert brakes.dead_time_s == pytest.approx(0.10)
    dead_steps = round(brakes.dead_time_s / DT_S)
    decels = [brakes.step(DT_S, FULL_DEMAND_MPS2, 20.0, MU_DRY) for _ in range(dead_steps + 1)]
    assert decels[:dead_steps] == [0.0] * dead_steps
    assert decels[dead_steps] > 0.0


def test_zero_dead_time_answers_at_once() -> None:
    brakes = BrakeSystem(BrakeParams(dead_time_s=0.0), mass_kg=MASS_KG)
    assert brakes.step(DT_S, 2.0, 20.0, MU_DRY) > 0.0


def test_build_up_is_jerk_limited() -> None:
    params = BrakeParams()
    brakes = BrakeSystem(params, mass_kg=MASS_KG)
    decels = [brakes.step(DT_S, FULL_DEMAND_MPS2, 27.0, MU_DRY) for _ in range(40)]
    steps = [later - earlier for earlier, later in itertools.pairwise([0.0, *decels])]
    assert max(steps) <= params.apply_jerk_mps3 * DT_S + 1e-12
    limit = params.abs_efficiency * MU_DRY * STANDARD_GRAVITY_MPS2
    first = decels.index(limit)
    # dead time + limit / jerk, to the step
    assert first * DT_S == pytest.approx(brakes.dead_time_s + limit / params.apply_jerk_mps3, abs=DT_S)


def test_release_follows_dead_time_and_is_faster_than_apply() -> None:
    params = BrakeParams()
    assert params.release_jerk_mps3 > params.apply_jerk_mps3
    brakes = BrakeSystem(params, mass_kg=MASS_KG)
    demand = 7.0
    apply_steps = 0
    while brakes.step(DT_S, demand, 30.0, MU_DRY) < demand:
        apply_steps += 1
    release = [brakes.step(DT_S, 0.0, 30.0, MU_DRY) for _ in range(30)]
    dead_steps = round(brakes.dead_time_s / DT_S)
    assert release[:dead_steps] == [demand] * dead_steps  # still braking: the dead time
    drops = [earlier - later for earlier, later in itertools.pairwise([demand, *release])]
    assert max(drops) <= params.release_jerk_mps3 * DT_S + 1e-12
    release_steps = release.index(0.0) + 1 - dead_steps
    assert release_steps == math.ceil(demand / (params.release_jerk_mps3 * DT_S))
    assert release_steps < apply_steps - dead_steps


def test_mild_demand_on_dry_road_is_met_exactly_after_build_up() -> None:
    params = BrakeParams()
    brakes = BrakeSystem(params, mass_kg=MASS_KG)
    demand = 3.0
    speed = 25.0
    decels: list[float] = []
    for _ in range(100):
        decels.append(brakes.step(DT_S, demand, speed, MU_DRY))
        assert not brakes.abs_active
        speed -= decels[-1] * DT_S
    # Each step's deceleration is the value at its end: the demand is met in the step in which
    # dead time + demand / jerk elapses, and not before.
    build_up_s = brakes.dead_time_s + demand / params.apply_jerk_mps3
    met_from = math.ceil(build_up_s / DT_S - 1e-9) - 1
    assert all(decel == demand for decel in decels[met_from:])
    assert all(decel < demand for decel in decels[:met_from])


def test_abs_is_active_only_at_the_friction_limit() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    limit = 0.93 * MU_WET * STANDARD_GRAVITY_MPS2
    speed = KMH_100_MPS
    seen_abs = False
    while speed > 0.0:
        decel = brakes.step(DT_S, FULL_DEMAND_MPS2, speed, MU_WET)
        assert brakes.friction_limit_mps2 == pytest.approx(limit)
        assert decel <= limit + 1e-12
        if brakes.abs_active:
            seen_abs = True
            assert brakes.hydraulic_decel_mps2 == pytest.approx(limit)
            # the achieved deceleration is abs_efficiency · µ · g, unless it is the stopping step
            assert decel == pytest.approx(limit) or decel == pytest.approx(speed / DT_S)
        else:
            assert not seen_abs or speed == 0.0, "ABS dropped out while the demand was still above the limit"
            assert decel < limit
        speed -= decel * DT_S
    assert seen_abs
    brakes.step(DT_S, FULL_DEMAND_MPS2, 0.0, MU_WET)
    assert not brakes.abs_active  # at standstill nothing cycles


def test_higher_normal_load_share_changes_the_limit() -> None:
    flat = BrakeSystem(mass_kg=MASS_KG)
    light = BrakeSystem(mass_kg=MASS_KG)
    for _ in range(50):
        flat.step(DT_S, FULL_DEMAND_MPS2, 30.0, MU_WET)
        light.step(DT_S, FULL_DEMAND_MPS2, 30.0, MU_WET, normal_load_n=0.5 * MASS_KG * STANDARD_GRAVITY_MPS2)
    assert light.decel_mps2 == pytest.approx(0.5 * flat.decel_mps2)
    assert light.abs_active


def test_a_grip_change_mid_stop_is_followed() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    for _ in range(50):
        brakes.step(DT_S, FULL_DEMAND_MPS2, 25.0, MU_DRY)
    on_ice = brakes.step(DT_S, FULL_DEMAND_MPS2, 25.0, 0.1)
    assert on_ice == pytest.approx(0.93 * 0.1 * STANDARD_GRAVITY_MPS2)  # ABS reacts at once
    back_on_dry = brakes.step(DT_S, FULL_DEMAND_MPS2, 25.0, MU_DRY)
    assert back_on_dry == pytest.approx(on_ice + 80.0 * DT_S)  # pressure builds up again from there


# --- standstill -------------------------------------------------------------------------------


def test_zero_speed_never_reverses_the_car() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    for _ in range(200):
        assert brakes.step(DT_S, FULL_DEMAND_MPS2, 0.0, MU_DRY) == 0.0
        assert brakes.friction_power_w == 0.0
        assert not brakes.abs_active
    # the brakes still hold: their capacity is there for the vehicle model's static case
    assert brakes.hydraulic_decel_mps2 == pytest.approx(0.93 * MU_DRY * STANDARD_GRAVITY_MPS2)


def test_braking_to_a_stop_ends_at_exactly_zero_and_stays_there() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    speed = 5.0
    position = 0.0
    stopped_at: float | None = None
    for _ in range(300):
        decel = brakes.step(DT_S, 6.0, speed, MU_DRY)
        assert decel <= speed / DT_S
        position += speed * DT_S - 0.5 * decel * DT_S * DT_S
        speed -= decel * DT_S
        assert speed >= 0.0
        if speed == 0.0 and stopped_at is None:
            stopped_at = position
    assert speed == 0.0
    assert position == stopped_at


def test_reversing_is_braked_too() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    decels = [brakes.step(DT_S, 2.0, -3.0, MU_DRY) for _ in range(40)]
    assert decels[-1] == 2.0
    assert brakes.friction_power_w == pytest.approx(2.0 * MASS_KG * 3.0)


# --- regen blending ---------------------------------------------------------------------------


def test_split_gives_regen_up_to_its_limit_and_friction_the_rest() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    for _ in range(40):
        total = brakes.step(DT_S, 2.0, 20.0, MU_DRY)
    assert total == 2.0
    assert brakes.friction_force_n == pytest.approx(2.0 * MASS_KG)  # before split: all friction
    regen_n = brakes.split(1800.0)
    assert regen_n == 1800.0
    assert brakes.regen_decel_mps2 == pytest.approx(1.0)
    assert brakes.friction_force_n == pytest.approx(1800.0)
    assert brakes.friction_decel_mps2 == pytest.approx(1.0)
    assert brakes.friction_power_w == pytest.approx(1800.0 * 20.0)
    assert brakes.split(1e6) == pytest.approx(2.0 * MASS_KG)  # all of it, no more
    assert brakes.friction_force_n == pytest.approx(0.0)
    assert brakes.friction_power_w == pytest.approx(0.0)


def test_regen_and_friction_together_never_exceed_the_grip_and_regen_yields_to_abs() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    speed = 20.0
    limit = 0.93 * MU_WET * STANDARD_GRAVITY_MPS2
    saw_abs = False
    while speed > 0.0:
        total = brakes.step(DT_S, FULL_DEMAND_MPS2, speed, MU_WET)
        regen_n = brakes.split(0.4 * MASS_KG * STANDARD_GRAVITY_MPS2)
        assert regen_n + brakes.friction_force_n == pytest.approx(total * MASS_KG)
        assert brakes.regen_decel_mps2 + brakes.friction_decel_mps2 <= limit + 1e-9
        if brakes.abs_active:
            saw_abs = True
            assert regen_n == 0.0
        speed -= total * DT_S
    assert saw_abs


# --- the pedal map and surfaces ---------------------------------------------------------------


def test_pedal_map_interpolates() -> None:
    params = BrakeParams()
    assert params.pedal_map == DEFAULT_PEDAL_MAP
    assert params.pedal_to_decel_mps2(0.0) == 0.0
    assert params.pedal_to_decel_mps2(5.0) == 0.0  # free travel
    assert params.pedal_to_decel_mps2(37.5) == pytest.approx(2.75)
    assert params.pedal_to_decel_mps2(100.0) == params.max_decel_mps2
    values = [params.pedal_to_decel_mps2(pct / 2) for pct in range(201)]
    assert values == sorted(values)
    for bad in (-1.0, 100.5, math.nan):
        with pytest.raises(ValueError, match="pedal"):
            params.pedal_to_decel_mps2(bad)


def test_pedal_map_accepts_lists() -> None:
    params = BrakeParams(pedal_map=[[0, 0], [100, 10]])  # type: ignore[arg-type]
    assert params.pedal_map == ((0.0, 0.0), (100.0, 10.0))
    assert params.pedal_to_decel_mps2(50.0) == 5.0


def test_surfaces() -> None:
    assert road_surface("dry_asphalt").mu > road_surface("wet_asphalt").mu
    assert road_surface("wet_asphalt").mu > road_surface("snow").mu > road_surface("ice").mu
    assert road_surface("Dry asphalt") is SURFACES["dry_asphalt"]
    assert road_surface(" wet-asphalt ") is SURFACES["wet_asphalt"]
    assert 0.6 <= road_surface("wet_asphalt").mu <= 0.7
    assert 0.2 <= road_surface("snow").mu <= 0.3
    assert road_surface("ice").mu == pytest.approx(0.1)
    with pytest.raises(ParameterError, match="known surfaces: dry_asphalt, ice, snow, wet_asphalt") as error:
        road_surface("gravel")
    assert error.value.name == "surface"


# --- bad parameters and inputs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dead_time_s", -0.01),
        ("dead_time_s", 0.6),
        ("dead_time_s", math.nan),
        ("apply_jerk_mps3", 0.0),
        ("release_jerk_mps3", -5.0),
        ("max_decel_mps2", 0.0),
        ("max_decel_mps2", 40.0),
        ("abs_efficiency", 0.0),
        ("abs_efficiency", 1.05),
        ("abs_efficiency", True),
        ("abs_efficiency", "0.9"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(field: str, value: Any) -> None:
    with pytest.raises(ParameterError) as error:
        BrakeParams(**{field: value})
    assert error.value.name == f"brakes.{field}"
    assert f"brakes.{field}" in str(error.value)


@pytest.mark.parametrize(
    ("pedal_map", "rule"),
    [
        (((0.0, 0.0),), "at least two"),
        (((0.0, 1.0), (100.0, 10.0)), "start at"),
        (((0.0, 0.0), (90.0, 10.0)), "end at 100"),
        (((0.0, 0.0), (50.0, 5.0), (50.0, 6.0), (100.0, 10.0)), "must increase"),
        (((0.0, 0.0), (50.0, 5.0), (100.0, 4.0)), "must not decrease"),
        (((0.0, 0.0), (100.0, 14.0)), r"\[0, 13\]"),
        (((0.0, 0.0), (100.0,)), "pair"),
        ("0,0;100,13", "sequence"),
    ],
)
def test_bad_pedal_maps_raise(pedal_map: Any, rule: str) -> None:
    with pytest.raises(ParameterError, match=rule) as error:
        BrakeParams(pedal_map=pedal_map)
    assert error.value.name.startswith("brakes.pedal_map")


def test_bad_system_arguments_raise() -> None:
    with pytest.raises(ParameterError) as error:
        BrakeSystem(mass_kg=0.0)
    assert error.value.name == "mass_kg"
    with pytest.raises(ParameterError) as error:
        BrakeSystem(mass_kg=MASS_KG, step_s=0.0)
    assert error.value.name == "step_s"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.02, 1.0, 10.0, 1.0), "fixed 0.01 s"),
        ((DT_S, -1.0, 10.0, 1.0), "decel_demand_mps2"),
        ((DT_S, math.nan, 10.0, 1.0), "decel_demand_mps2"),
        ((DT_S, 1.0, math.nan, 1.0), "speed_mps"),
        ((DT_S, 1.0, 10.0, 0.0), "mu"),
        ((DT_S, 1.0, 10.0, math.nan), "mu"),
    ],
)
def test_bad_step_inputs_raise(args: tuple[float, float, float, float], match: str) -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    with pytest.raises(ValueError, match=match):
        brakes.step(*args)


def test_bad_normal_load_and_regen_limit_raise() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    with pytest.raises(ValueError, match="normal_load_n"):
        brakes.step(DT_S, 1.0, 10.0, 1.0, normal_load_n=-1.0)
    brakes.step(DT_S, 1.0, 10.0, 1.0)
    with pytest.raises(ValueError, match="regen_limit_n"):
        brakes.split(math.nan)


def test_reset_releases_everything() -> None:
    brakes = BrakeSystem(mass_kg=MASS_KG)
    for _ in range(50):
        brakes.step(DT_S, FULL_DEMAND_MPS2, 20.0, MU_DRY)
    brakes.reset()
    assert brakes.hydraulic_decel_mps2 == 0.0
    assert brakes.step(DT_S, 0.0, 20.0, MU_DRY) == 0.0
    assert [brakes.step(DT_S, 0.0, 20.0, MU_DRY) for _ in range(20)] == [0.0] * 20  # delay line empty
