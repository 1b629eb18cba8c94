"""Traction control: the driven axle cannot push harder than its tyres grip."""

from __future__ import annotations

import pytest

from sdvkit.vehicle.brakes import road_surface
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import TRACTION_CONTROL_EFFICIENCY, VehicleModel
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2


def peak_launch_acceleration_mps2(surface: str) -> float:
    """Full accelerator from standstill for 2 s; the largest acceleration reached."""
    model = VehicleModel(builtin_vehicle("chevrolet-bolt-2020"), road_friction=road_surface(surface).mu)
    model.controls.accelerator_pedal_pct = 100.0
    peak = 0.0
    for _ in range(200):
        model.step()
        peak = max(peak, model.acceleration_mps2)
    return peak


def test_on_snow_the_launch_is_limited_by_the_driven_tyres() -> None:
    params = builtin_vehicle("chevrolet-bolt-2020")
    snow_mu = road_surface("snow").mu
    grip_limit = (
        TRACTION_CONTROL_EFFICIENCY
        * snow_mu
        * params.powertrain.drive_axle_load_share
        * params.road_load.mass_kg
        * STANDARD_GRAVITY_MPS2
        / params.road_load.effective_mass_kg
    )
    rolling_mps2 = params.road_load.rolling_force_n() / params.road_load.effective_mass_kg
    snow = peak_launch_acceleration_mps2("snow")
    assert snow <= grip_limit + 1e-9
    # The motor has far more torque than that: the tyres' grip, less rolling resistance, is the limit.
    assert snow == pytest.approx(grip_limit - rolling_mps2, rel=0.01)


def test_on_dry_asphalt_the_motor_not_the_tyres_limits_the_launch() -> None:
    dry = peak_launch_acceleration_mps2("dry_asphalt")
    assert dry > 3 * peak_launch_acceleration_mps2("snow")
    assert dry < TRACTION_CONTROL_EFFICIENCY * road_surface("dry_asphalt").mu * STANDARD_GRAVITY_MPS2
