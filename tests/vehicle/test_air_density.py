"""The drag acts in the run's air: its density follows the ambient temperature and the altitude."""

from __future__ import annotations

import pytest

from sdvkit.vehicle.errors import ParameterError
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import Gear, VehicleModel
from sdvkit.vehicle.roadload import air_density_kg_per_m3


def test_density_of_dry_air() -> None:
    assert air_density_kg_per_m3(15.0) == pytest.approx(1.225, abs=0.001)  # the ISA sea-level figure
    assert air_density_kg_per_m3(22.0) == pytest.approx(1.196, abs=0.001)
    assert air_density_kg_per_m3(-7.0) == pytest.approx(1.326, abs=0.001)
    # At the same temperature, density falls with the pressure: 82.4 % of sea level at 1,600 m.
    assert air_density_kg_per_m3(15.0, altitude_m=1600.0) == pytest.approx(1.225 * 0.8243, rel=0.002)


@pytest.mark.parametrize(("ambient_c", "altitude_m"), [(-120.0, 0.0), (20.0, 12_000.0)])
def test_impossible_air_is_refused(ambient_c: float, altitude_m: float) -> None:
    with pytest.raises(ParameterError, match=r"ambient_c|altitude_m"):
        air_density_kg_per_m3(ambient_c, altitude_m)


def coast_down_loss_mps(ambient_c: float, altitude_m: float = 0.0) -> float:
    model = VehicleModel(
        builtin_vehicle("chevrolet-bolt-2020"), speed_mps=30.0, ambient_c=ambient_c, altitude_m=altitude_m
    )
    model.controls.gear = Gear.NEUTRAL
    for _ in range(1000):
        model.step()
    return 30.0 - model.speed_mps


def test_cold_air_drags_more_and_thin_air_less() -> None:
    mild = coast_down_loss_mps(22.0)
    assert coast_down_loss_mps(-7.0) > mild * 1.05
    assert coast_down_loss_mps(22.0, altitude_m=1600.0) < mild * 0.95
