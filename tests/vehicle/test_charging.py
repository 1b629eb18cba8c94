"""Charging the traction battery: AC and DC curves, the taper, the target SoC, time estimates."""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import pytest

from sdvkit.vehicle.battery import BatteryParams, ChargerKind, TractionBattery
from sdvkit.vehicle.charging import charge_curve_w

AMBIENT_C = 20.0


def pack(**changes: Any) -> BatteryParams:
    """60 kWh, 360 V generic NMC pack on a 150 kW DC / 11 kW AC charger, at 20 °C."""
    params = BatteryParams.for_pack(
        energy_kwh=60.0, nominal_voltage_v=360.0, dc_charge_power_w=150e3, initial_temperature_c=AMBIENT_C
    )
    return dataclasses.replace(params, **changes)


def charge_until(battery: TractionBattery, kind: ChargerKind, target_soc: float, dt_s: float) -> float:
    """Charge to ``target_soc``; returns the seconds it took."""
    elapsed_s = 0.0
    while battery.soc < target_soc:
        battery.charge_step(kind, dt_s, AMBIENT_C, target_soc)
        elapsed_s += dt_s
        assert elapsed_s < 86_400.0
    return elapsed_s


def test_ac_is_flat_until_near_full() -> None:
    params = pack()
    battery = TractionBattery(params)
    for k in range(96):
        assert battery.charge_power_limit_w(ChargerKind.AC, k / 100) == params.ac_charge_power_w
    assert params.ac_taper_start_soc >= 0.9
    assert battery.charge_power_limit_w(ChargerKind.AC, 0.96) < params.ac_charge_power_w
    assert battery.charge_power_limit_w(ChargerKind.AC, params.max_soc) == 0.0


def test_dc_taper_reduces_power_above_the_taper_start() -> None:
    params = pack()
    start = params.dc_taper_start_soc
    powers = [
        charge_curve_w(params, ChargerKind.DC, start + k * (params.max_soc - start) / 50) for k in range(50)
    ]
    assert powers[0] == params.dc_charge_power_w
    assert all(b < a for a, b in itertools.pairwise(powers))
    assert charge_curve_w(params, ChargerKind.DC, 0.1) == params.dc_charge_power_w
    # Linear towards charge_taper_end_fraction of the limit at 100 %.
    at_80_w = params.dc_charge_power_w * (
        1 - (1 - params.charge_taper_end_fraction) * (0.8 - start) / (1 - start)
    )
    assert charge_curve_w(params, ChargerKind.DC, 0.8) == pytest.approx(at_80_w, rel=1e-12)


def test_charging_stops_at_the_target() -> None:
    battery = TractionBattery(pack(initial_soc=0.7))
    charge_until(battery, ChargerKind.DC, 0.8, 1.0)
    assert battery.soc == 0.8
    assert battery.charge_step(ChargerKind.DC, 1.0, AMBIENT_C, 0.8) == 0.0
    assert battery.soc == 0.8
    # A target above max_soc stops at max_soc.
    battery.charge_step(ChargerKind.AC, 36_000.0, AMBIENT_C, 1.0)
    assert battery.soc == battery.params.max_soc
    assert battery.estimate_time_to_target_s(ChargerKind.AC, 1.0) == 0.0


def test_dc_10_to_80_percent_takes_the_time_the_taper_gives() -> None:
    params = pack(initial_soc=0.1)
    battery = TractionBattery(params)
    estimate_s = battery.estimate_time_to_target_s(ChargerKind.DC, 0.8)
    elapsed_s = charge_until(battery, ChargerKind.DC, 0.8, 1.0)
    # By hand: flat 150 kW to the taper start, then linear towards 15 kW at 100 %; each SoC
    # holds energy_j per unit at the nominal voltage, and I²R at I = P/V_nom is lost on the way.
    p0_w, start, end_fraction = (
        params.dc_charge_power_w,
        params.dc_taper_start_soc,
        params.charge_taper_end_fraction,
    )
    voltage_v, resistance_ohm = params.nominal_voltage_v, battery.resistance_at_ohm(AMBIENT_C)
    by_hand_s, n = 0.0, 7000
    for k in range(n):
        soc = 0.1 + (k + 0.5) * 0.7 / n
        power_w = p0_w if soc <= start else p0_w * (1 - (1 - end_fraction) * (soc - start) / (1 - start))
        stored_w = power_w - (power_w / voltage_v) ** 2 * resistance_ohm
        by_hand_s += params.energy_j * (0.7 / n) / stored_w
    assert 15 * 60 < elapsed_s < 30 * 60
    assert elapsed_s == pytest.approx(by_hand_s, rel=0.03)
    # The pack warms by I²R as it charges, so its resistance falls a little below the estimate's.
    assert elapsed_s == pytest.approx(estimate_s, rel=0.02)
    assert battery.energy_in_j == pytest.approx(battery.chemical_energy_in_j + battery.loss_j, rel=1e-12)


def test_estimate_matches_the_charge_when_resistance_does_not_vary() -> None:
    battery = TractionBattery(pack(initial_soc=0.1, resistance_activation_k=0.0))
    estimate_s = battery.estimate_time_to_target_s(ChargerKind.DC, 0.9)
    assert charge_until(battery, ChargerKind.DC, 0.9, 0.5) == pytest.approx(estimate_s, rel=1e-3)


def test_ac_charge_time_is_energy_over_power() -> None:
    params = pack(initial_soc=0.2)
    battery = TractionBattery(params)
    estimate_s = battery.estimate_time_to_target_s(ChargerKind.AC, 0.8)
    stored_j = battery.pack_ocv_v(0.5) * params.capacity_ah * 3600.0 * 0.6  # OCV ~linear over 20-80 %
    assert estimate_s == pytest.approx(stored_j / params.ac_charge_power_w, rel=0.02)
    assert charge_until(battery, ChargerKind.AC, 0.8, 10.0) == pytest.approx(estimate_s, rel=0.005)


def test_cold_pack_charges_slower_and_frozen_pack_not_at_all() -> None:
    warm = TractionBattery(pack(initial_soc=0.3))
    cold = TractionBattery(pack(initial_soc=0.3, initial_temperature_c=-10.0))
    assert cold.charge_step(ChargerKind.DC, 1.0, -10.0, 0.8) < 0.6 * warm.charge_step(
        ChargerKind.DC, 1.0, 20.0, 0.8
    )
    frozen = TractionBattery(pack(initial_soc=0.3, initial_temperature_c=-35.0))
    assert frozen.estimate_time_to_target_s(ChargerKind.DC, 0.8) == math.inf
    assert frozen.charge_step(ChargerKind.DC, 1.0, -35.0, 0.8) == 0.0
    assert frozen.soc == 0.3


def test_bad_charge_arguments_raise() -> None:
    battery = TractionBattery(pack())
    with pytest.raises(ValueError, match="target_soc"):
        battery.charge_step(ChargerKind.DC, 1.0, AMBIENT_C, 1.5)
    with pytest.raises(ValueError, match="target_soc"):
        battery.estimate_time_to_target_s(ChargerKind.AC, -0.1)
    with pytest.raises(ValueError, match="soc"):
        battery.charge_power_limit_w(ChargerKind.AC, 2.0)
    with pytest.raises(ValueError, match="dt_s"):
        battery.charge_step(ChargerKind.DC, -1.0, AMBIENT_C, 0.8)
