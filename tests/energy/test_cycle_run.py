"""Drive-cycle energy runs on the broker: the trace is followed, the distance and consumption are
sensible, regeneration matters more in town than on the highway, cold costs energy, and bad runs
are refused."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest

from sdvkit.energy.cycle_run import METRES_PER_MILE, TRACE_TOLERANCE_KMH, CycleResult, run_cycle
from sdvkit.energy.errors import EnergyRunError
from sdvkit.vehicle.battery import TractionBattery
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.params import VehicleParams
from sdvkit.world.cycles import DriveCycle, builtin_cycle

BOLT = "chevrolet-bolt-2020"
KMH = 1 / 3.6
JOULES_PER_KWH = 3.6e6

SUBURBAN = DriveCycle(
    name="suburban",
    time_s=(0.0, 12.0, 150.0, 162.0, 172.0, 180.0, 220.0, 230.0, 240.0),
    speed_mps=(0.0, 50 * KMH, 50 * KMH, 0.0, 0.0, 30 * KMH, 30 * KMH, 0.0, 0.0),
)
"""Four minutes of gentle town driving: short enough to run twice in a second."""


@pytest.fixture(scope="module")
def bolt() -> VehicleParams:
    return builtin_vehicle(BOLT)


@pytest.fixture(scope="module")
def udds(bolt: VehicleParams) -> CycleResult:
    return run_cycle(bolt, builtin_cycle("udds"))


@pytest.fixture(scope="module")
def hwfet(bolt: VehicleParams) -> CycleResult:
    return run_cycle(bolt, builtin_cycle("hwfet"))


@pytest.mark.parametrize("cycle_name", ["udds", "hwfet"])
def test_the_trace_is_followed_and_the_distance_is_the_cycles(
    cycle_name: str, udds: CycleResult, hwfet: CycleResult
) -> None:
    result = {"udds": udds, "hwfet": hwfet}[cycle_name]
    cycle = builtin_cycle(cycle_name)
    assert result.cycle == cycle_name
    assert result.vehicle == BOLT
    assert result.trace_met
    assert result.max_speed_error_kmh <= TRACE_TOLERANCE_KMH
    assert result.distance_km * 1000 == pytest.approx(cycle.distance_m, rel=0.005)
    assert result.duration_s == cycle.duration_s


@pytest.mark.parametrize("cycle_name", ["udds", "hwfet"])
def test_consumption_is_sensible_and_its_figures_agree(
    cycle_name: str, udds: CycleResult, hwfet: CycleResult, bolt: VehicleParams
) -> None:
    result = {"udds": udds, "hwfet": hwfet}[cycle_name]
    assert 8.0 <= result.kwh_per_100km <= 20.0
    per_km_kwh = result.battery_energy_kwh / result.distance_km
    assert result.kwh_per_100km == pytest.approx(100 * per_km_kwh, rel=1e-9)
    assert result.wh_per_mi == pytest.approx(1000 * per_km_kwh * METRES_PER_MILE / 1000, rel=1e-9)
    # The SoC fell by the chemical energy (at OCV) that left: the terminal energy plus the I²R loss.
    battery_at_start = TractionBattery(dataclasses.replace(bolt.battery, initial_soc=0.9))
    battery_at_end = TractionBattery(dataclasses.replace(bolt.battery, initial_soc=0.9 - result.soc_used))
    chemical_kwh = (
        battery_at_start.usable_energy_remaining_j() - battery_at_end.usable_energy_remaining_j()
    ) / JOULES_PER_KWH
    assert chemical_kwh > result.battery_energy_kwh
    assert chemical_kwh == pytest.approx(result.battery_energy_kwh, rel=0.02)
    assert 0.0 < result.auxiliary_kwh < result.battery_energy_kwh
    usable_kwh = battery_at_start.usable_energy_capacity_j() / JOULES_PER_KWH
    assert result.range_km == pytest.approx(usable_kwh / per_km_kwh, rel=1e-9)
    assert 300.0 < result.range_km < 900.0


def test_regeneration_matters_more_in_town_than_on_the_highway(udds: CycleResult, hwfet: CycleResult) -> None:
    assert 0.1 <= udds.regen_share <= 0.6
    assert hwfet.regen_share < udds.regen_share
    assert hwfet.kwh_per_100km > udds.kwh_per_100km  # drag at highway speed outweighs it


def test_cold_costs_energy(bolt: VehicleParams) -> None:
    mild = run_cycle(bolt, SUBURBAN, ambient_c=22.0)
    cold = run_cycle(bolt, SUBURBAN, ambient_c=-7.0)
    assert mild.trace_met
    assert cold.trace_met
    assert cold.ambient_c == -7.0
    assert cold.distance_km == pytest.approx(mild.distance_km, rel=0.001)
    assert cold.kwh_per_100km > 1.2 * mild.kwh_per_100km  # the cabin heater, mostly
    assert cold.auxiliary_kwh > mild.auxiliary_kwh


def test_the_same_run_gives_the_same_figures(bolt: VehicleParams) -> None:
    ticks = itertools.count()
    first = run_cycle(bolt, SUBURBAN, wall_clock=lambda: float(next(ticks)))
    second = run_cycle(bolt, SUBURBAN)
    assert first.wall_time_s == 1.0  # the injected wall clock was read at start and end
    assert first.as_dict() == second.as_dict()
    assert dataclasses.replace(first, wall_time_s=0.0) == dataclasses.replace(second, wall_time_s=0.0)


def test_a_trace_the_car_cannot_follow_is_not_met(bolt: VehicleParams) -> None:
    dragster = DriveCycle(name="dragster", time_s=(0.0, 3.0, 10.0), speed_mps=(0.0, 100 * KMH, 100 * KMH))
    result = run_cycle(bolt, dragster)
    assert not result.trace_met
    assert result.max_speed_error_kmh > TRACE_TOLERANCE_KMH


def test_a_cycle_that_never_moves_is_refused(bolt: VehicleParams) -> None:
    parked = DriveCycle(name="parked", time_s=(0.0, 5.0), speed_mps=(0.0, 0.0))
    with pytest.raises(EnergyRunError, match="parked"):
        run_cycle(bolt, parked)


@pytest.mark.parametrize("ambient_c", [-60.0, 75.0, math.nan, math.inf])
def test_impossible_ambient_is_refused(bolt: VehicleParams, ambient_c: float) -> None:
    with pytest.raises(EnergyRunError, match="ambient"):
        run_cycle(bolt, SUBURBAN, ambient_c=ambient_c)
