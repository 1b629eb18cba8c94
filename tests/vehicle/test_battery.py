"""Traction battery: OCV, coulomb counting, energy bookkeeping, limits, thermal model, parameters."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from typing import Any

import pytest

from sdvkit.vehicle.battery import NMC_CELL_OCV_V, NMC_SOC_BREAKPOINTS, BatteryParams, TractionBattery
from sdvkit.vehicle.errors import ParameterError

DT_S = 0.01
AMBIENT_C = 25.0


def pack(**changes: Any) -> BatteryParams:
    """60 kWh, 360 V generic NMC pack, with some parameters replaced."""
    params = BatteryParams.for_pack(energy_kwh=60.0, nominal_voltage_v=360.0, dc_charge_power_w=150e3)
    return dataclasses.replace(params, **changes)


def power_for_current(battery: TractionBattery, current_a: float) -> float:
    """Terminal power that draws ``current_a`` in the next step."""
    return (battery.open_circuit_voltage_v - current_a * battery.internal_resistance_ohm) * current_a


# -- derived pack --------------------------------------------------------------------------------


def test_for_pack_derives_cells_capacity_and_resistance() -> None:
    params = pack()
    assert 3.65 <= params.nominal_cell_voltage_v <= 3.72
    assert params.cells_in_series == round(360.0 / params.nominal_cell_voltage_v)
    assert params.energy_j == pytest.approx(60.0 * 3.6e6, rel=1e-12)
    one_c_a = params.capacity_ah
    loss_fraction = one_c_a * params.internal_resistance_ohm / params.nominal_voltage_v
    assert 0.02 <= loss_fraction <= 0.03
    assert params.ocv_cell_v[0] == pytest.approx(3.0)
    assert params.ocv_cell_v[-1] == pytest.approx(4.2)


def test_ocv_is_monotonic_and_matches_the_table_at_breakpoints() -> None:
    params = pack()
    battery = TractionBattery(params)
    for soc, cell_v in zip(NMC_SOC_BREAKPOINTS, NMC_CELL_OCV_V, strict=True):
        assert battery.pack_ocv_v(soc) == pytest.approx(params.cells_in_series * cell_v, rel=1e-12)
    samples = [battery.pack_ocv_v(k / 1000) for k in range(1001)]
    assert all(b > a for a, b in itertools.pairwise(samples))


# -- coulomb counting and energy -----------------------------------------------------------------


@pytest.mark.parametrize("current_a", [120.0, -80.0])
def test_constant_current_changes_soc_by_i_t_over_c(current_a: float) -> None:
    params = pack(initial_soc=0.5)
    battery = TractionBattery(params)
    steps = 30_000  # 300 s
    for _ in range(steps):
        battery.step(power_for_current(battery, current_a), DT_S, AMBIENT_C)
        assert battery.current_a == pytest.approx(current_a, rel=1e-9)
    expected = current_a * steps * DT_S / (params.capacity_ah * 3600.0)
    assert 0.5 - battery.soc == pytest.approx(expected, rel=1e-9)


def test_discharge_energy_is_chemical_minus_loss() -> None:
    battery = TractionBattery(pack(initial_soc=0.9))
    for _ in range(20_000):
        battery.step(80e3, DT_S, AMBIENT_C)
    assert battery.energy_in_j == battery.chemical_energy_in_j == 0.0
    assert battery.chemical_energy_out_j == pytest.approx(battery.energy_out_j + battery.loss_j, rel=1e-12)
    assert battery.energy_out_j == pytest.approx(80e3 * 200.0, rel=1e-9)


def test_charge_energy_is_chemical_plus_loss() -> None:
    battery = TractionBattery(pack(initial_soc=0.3))
    for _ in range(20_000):
        battery.step(-50e3, DT_S, AMBIENT_C)
    assert battery.energy_out_j == battery.chemical_energy_out_j == 0.0
    assert battery.energy_in_j == pytest.approx(battery.chemical_energy_in_j + battery.loss_j, rel=1e-12)
    assert battery.energy_in_j == pytest.approx(50e3 * 200.0, rel=1e-9)


def test_mixed_drive_conserves_energy_and_matches_the_ocv_integral() -> None:
    rng = random.Random(7)
    battery = TractionBattery(pack(initial_soc=0.6))
    start_energy_j = battery.usable_energy_remaining_j()
    delivered_j = 0.0
    for _ in range(50_000):
        delivered_j += battery.step(rng.uniform(-60e3, 150e3), DT_S, AMBIENT_C) * DT_S
    net_terminal_j = battery.energy_out_j - battery.energy_in_j
    net_chemical_j = battery.chemical_energy_out_j - battery.chemical_energy_in_j
    assert net_chemical_j == pytest.approx(net_terminal_j + battery.loss_j, rel=1e-9)
    assert delivered_j == pytest.approx(net_terminal_j, rel=1e-9)
    # The chemical energy is what left the cells at OCV (explicit Euler in SoC: O(dt)).
    drop_j = start_energy_j - battery.usable_energy_remaining_j()
    assert net_chemical_j == pytest.approx(drop_j, rel=1e-4)


def test_one_c_discharge_efficiency_is_plausible() -> None:
    params = pack(initial_soc=0.97)
    battery = TractionBattery(params)
    one_c_w = params.energy_j / 3600.0
    while battery.soc > params.min_soc + 0.05:  # above the SoC derating band
        battery.step(one_c_w, 0.1, AMBIENT_C)
    efficiency = battery.energy_out_j / battery.chemical_energy_out_j
    assert 0.97 <= efficiency <= 0.985


# -- voltage and limits --------------------------------------------------------------------------


def test_terminal_voltage_drops_by_i_r() -> None:
    battery = TractionBattery(pack(initial_soc=0.7))
    ocv_v = battery.open_circuit_voltage_v
    resistance_ohm = battery.internal_resistance_ohm
    battery.step(100e3, DT_S, AMBIENT_C)
    assert battery.current_a > 0.0
    assert ocv_v - battery.terminal_voltage_v == pytest.approx(battery.current_a * resistance_ohm, rel=1e-12)
    assert battery.terminal_voltage_v * battery.current_a == pytest.approx(100e3, rel=1e-12)
    battery.step(-40e3, DT_S, AMBIENT_C)
    assert battery.terminal_voltage_v > battery.open_circuit_voltage_v


def test_request_above_max_power_is_limited() -> None:
    battery = TractionBattery(pack(initial_soc=0.7))
    limit_w = battery.max_discharge_power_w()
    assert limit_w == pytest.approx(battery.params.max_discharge_power_w)
    assert battery.step(10 * limit_w, DT_S, AMBIENT_C) == pytest.approx(limit_w, rel=1e-12)
    regen_limit_w = battery.max_charge_power_w()
    assert battery.step(-10 * regen_limit_w, DT_S, AMBIENT_C) == pytest.approx(-regen_limit_w, rel=1e-12)


def test_request_above_v_squared_over_4r_gets_the_electrical_maximum() -> None:
    battery = TractionBattery(pack(internal_resistance_ohm=1.0, max_discharge_power_w=1e9, initial_soc=0.7))
    ocv_v, resistance_ohm = battery.open_circuit_voltage_v, battery.internal_resistance_ohm
    peak_w = ocv_v * ocv_v / (4.0 * resistance_ohm)
    assert battery.max_discharge_power_w() == pytest.approx(peak_w, rel=1e-12)
    assert battery.step(1e9, DT_S, AMBIENT_C) == pytest.approx(peak_w, rel=1e-9)
    assert battery.current_a == pytest.approx(ocv_v / (2.0 * resistance_ohm), rel=1e-6)


def test_no_discharge_below_min_soc() -> None:
    params = pack(initial_soc=0.07)
    battery = TractionBattery(params)
    half_band_soc = params.min_soc + params.soc_derate_band / 2
    for _ in range(30_000):
        battery.step(200e3, DT_S, AMBIENT_C)
        assert battery.soc >= params.min_soc
    assert battery.soc == pytest.approx(params.min_soc, abs=1e-4)
    assert battery.max_discharge_power_w() < 0.01 * params.max_discharge_power_w
    # A long step lands exactly on min_soc and delivers only what was left.
    battery = TractionBattery(dataclasses.replace(params, initial_soc=half_band_soc))
    assert battery.max_discharge_power_w() == pytest.approx(0.5 * params.max_discharge_power_w, rel=1e-9)
    battery.step(200e3, 3600.0, AMBIENT_C)
    assert battery.soc == params.min_soc
    assert battery.step(200e3, DT_S, AMBIENT_C) == 0.0
    assert battery.max_discharge_power_w() == 0.0


def test_no_charge_above_max_soc() -> None:
    params = pack(initial_soc=0.95)
    battery = TractionBattery(params)
    for _ in range(30_000):
        battery.step(-100e3, DT_S, AMBIENT_C)
        assert battery.soc <= params.max_soc
    battery.step(-100e3, 3600.0, AMBIENT_C)
    assert battery.soc == params.max_soc
    assert battery.max_charge_power_w() == 0.0
    assert battery.step(-100e3, DT_S, AMBIENT_C) == 0.0


def test_resistance_and_derating_when_cold() -> None:
    warm = TractionBattery(pack(initial_temperature_c=25.0, initial_soc=0.6))
    cold = TractionBattery(pack(initial_temperature_c=-10.0, initial_soc=0.6))
    assert warm.internal_resistance_ohm == pytest.approx(warm.params.internal_resistance_ohm)
    assert cold.internal_resistance_ohm > 3.0 * warm.internal_resistance_ohm
    assert warm.resistance_at_ohm(0.0) > warm.resistance_at_ohm(25.0) > warm.resistance_at_ohm(40.0)
    warm.step(50e3, DT_S, -10.0)
    cold.step(50e3, DT_S, -10.0)
    assert cold.terminal_voltage_v < warm.terminal_voltage_v
    assert cold.max_discharge_power_w() < 0.6 * warm.max_discharge_power_w()
    assert cold.max_charge_power_w() < 0.6 * warm.max_charge_power_w()
    hot = TractionBattery(pack(initial_temperature_c=55.0))
    assert hot.max_discharge_power_w() < 0.5 * warm.max_discharge_power_w()
    frozen = TractionBattery(pack(initial_temperature_c=-40.0))
    assert frozen.max_discharge_power_w() == frozen.max_charge_power_w() == 0.0


# -- thermal ------------------------------------------------------------------------------------


def test_temperature_rises_under_load_and_relaxes_to_ambient() -> None:
    params = pack(initial_soc=0.9, initial_temperature_c=20.0)
    battery = TractionBattery(params)
    for _ in range(30_000):
        battery.step(150e3, DT_S, 20.0)
    heated_c = battery.temperature_c
    # Without cooling the loss would heat the mass by loss/C; conductance takes a little away.
    assert (
        0.8 * battery.loss_j / params.heat_capacity_j_per_k
        < heated_c - 20.0
        < battery.loss_j / params.heat_capacity_j_per_k
    )
    for _ in range(360):
        battery.step(0.0, 10.0, 20.0)
    decay = math.exp(-params.thermal_conductance_w_per_k * 3600.0 / params.heat_capacity_j_per_k)
    assert battery.temperature_c - 20.0 == pytest.approx((heated_c - 20.0) * decay, rel=1e-9)


# -- signals, determinism, errors ---------------------------------------------------------------


def test_displayed_soc_spans_the_usable_window() -> None:
    params = pack()
    assert TractionBattery(dataclasses.replace(params, initial_soc=params.min_soc)).displayed_soc == 0.0
    assert TractionBattery(dataclasses.replace(params, initial_soc=params.max_soc)).displayed_soc == 100.0
    middle = TractionBattery(dataclasses.replace(params, initial_soc=(params.min_soc + params.max_soc) / 2))
    assert middle.displayed_soc == pytest.approx(50.0)
    assert middle.state_of_charge == pytest.approx(100.0 * middle.soc)
    assert TractionBattery(dataclasses.replace(params, initial_soc=0.0)).displayed_soc == 0.0


def test_usable_energy_spans_the_window() -> None:
    params = pack()
    full = TractionBattery(dataclasses.replace(params, initial_soc=params.max_soc))
    assert full.usable_energy_remaining_j() == pytest.approx(full.usable_energy_capacity_j(), rel=1e-12)
    assert full.usable_energy_capacity_j() == pytest.approx(
        0.92 * params.energy_j, rel=0.03
    )  # the window holds ≈ its share of the gross energy
    assert (
        TractionBattery(dataclasses.replace(params, initial_soc=params.min_soc)).usable_energy_remaining_j()
        == 0.0
    )


def test_runs_are_deterministic() -> None:
    def run() -> tuple[float, ...]:
        rng = random.Random(3)
        battery = TractionBattery(pack())
        for _ in range(5_000):
            battery.step(rng.uniform(-80e3, 200e3), DT_S, rng.uniform(-5.0, 35.0))
        return (
            battery.soc,
            battery.temperature_c,
            battery.terminal_voltage_v,
            battery.loss_j,
            battery.energy_out_j,
        )

    assert run() == run()


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"capacity_ah": 0.0}, "capacity_ah"),
        ({"capacity_ah": -10.0}, "capacity_ah"),
        ({"internal_resistance_ohm": math.nan}, "internal_resistance_ohm"),
        ({"ocv_cell_v": (3.0, 3.5, 3.4, *NMC_CELL_OCV_V[3:])}, "ocv_cell_v"),
        ({"ocv_cell_v": NMC_CELL_OCV_V[:-1]}, "ocv_cell_v"),
        ({"ocv_soc_breakpoints": (0.1, *NMC_SOC_BREAKPOINTS[1:])}, "ocv_soc_breakpoints"),
        ({"ocv_soc_breakpoints": (0.0, 0.5, 0.5, *NMC_SOC_BREAKPOINTS[3:])}, "ocv_soc_breakpoints"),
        ({"cells_in_series": 0}, "cells_in_series"),
        ({"min_soc": 0.9, "max_soc": 0.8}, "min_soc"),
        ({"min_soc": 0.5, "max_soc": 0.5}, "min_soc"),
        ({"max_soc": 1.2}, "max_soc"),
        ({"initial_soc": 1.5}, "initial_soc"),
        ({"initial_soc": -0.1}, "initial_soc"),
        ({"max_discharge_power_w": -1.0}, "max_discharge_power_w"),
        ({"dc_charge_power_w": 0.0}, "dc_charge_power_w"),
        ({"thermal_conductance_w_per_k": 0.0}, "thermal_conductance_w_per_k"),
        ({"resistance_activation_k": -1.0}, "resistance_activation_k"),
        ({"charge_taper_end_fraction": 1.5}, "charge_taper_end_fraction"),
        ({"dc_taper_start_soc": 1.0}, "dc_taper_start_soc"),
        ({"hot_derate_start_c": 0.0}, "hot_derate_start_c"),
        ({"max_operating_c": 45.0}, "max_operating_c"),
        ({"initial_temperature_c": -300.0}, "initial_temperature_c"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(changes: dict[str, Any], name: str) -> None:
    with pytest.raises(ParameterError) as caught:
        pack(**changes)
    assert caught.value.name == name
    assert name in str(caught.value)


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"energy_kwh": 0.0}, "energy_kwh"),
        ({"nominal_voltage_v": 1.0}, "nominal_voltage_v"),
        ({"loss_fraction_1c": 0.5}, "loss_fraction_1c"),
    ],
)
def test_for_pack_rejects_bad_arguments(arguments: dict[str, float], name: str) -> None:
    with pytest.raises(ParameterError) as caught:
        BatteryParams.for_pack(**{"energy_kwh": 60.0, "nominal_voltage_v": 360.0, **arguments})
    assert caught.value.name == name


def test_bad_step_arguments_raise() -> None:
    battery = TractionBattery(pack())
    with pytest.raises(ValueError, match="dt_s"):
        battery.step(1e3, 0.0, AMBIENT_C)
    with pytest.raises(ValueError, match="terminal_power_w"):
        battery.step(math.nan, DT_S, AMBIENT_C)
    with pytest.raises(ValueError, match="ambient_c"):
        battery.step(1e3, DT_S, math.nan)
