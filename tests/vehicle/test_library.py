"""The built-in vehicles: each builds and drives, its key figures have a source, the parameter
table lists them, lookups are case-insensitive, and bad names or sources are refused."""

from __future__ import annotations

import dataclasses
import re

import pytest

from sdvkit.vehicle.errors import ParameterError, UnknownVehicleError
from sdvkit.vehicle.library import DEFAULT_VEHICLE, builtin_vehicle, vehicle_names
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.params import SUBSYSTEMS, VehicleParams

EXPECTED_VEHICLES = (
    "chevrolet-bolt-2020",
    "nissan-leaf-30-2016",
    "tesla-model3-rwd-2022",
    "renault-zoe-ze50-2022",
)
KEY_PARAMETERS = (
    "road_load.mass_kg",
    "road_load.drag_coefficient",
    "road_load.frontal_area_m2",
    "road_load.rolling_resistance_coefficient",
    "powertrain.motor_max_power_w",
    "battery.capacity_ah",
)
DEFAULT_SOURCE = "sdvkit default"


def key_parameter_cases() -> list[object]:
    return [
        pytest.param(name, parameter, id=f"{name}:{parameter}")
        for name in EXPECTED_VEHICLES
        for parameter in KEY_PARAMETERS
    ]


def test_the_library_lists_the_expected_vehicles() -> None:
    assert set(vehicle_names()) == set(EXPECTED_VEHICLES)
    assert DEFAULT_VEHICLE in vehicle_names()


@pytest.mark.parametrize("name", EXPECTED_VEHICLES)
def test_every_builtin_vehicle_builds_and_drives(name: str) -> None:
    params = builtin_vehicle(name)
    assert params.name == name
    assert params.description.strip()
    assert 1000.0 < params.road_load.mass_kg < 2500.0
    assert 0.2 <= params.road_load.drag_coefficient <= 0.4
    assert 20.0 <= params.battery.energy_j / 3.6e6 <= 120.0
    # The description quotes the motor's rating; the parameters must agree with it.
    rating = re.search(r"(\d+) kW (?:front|rear) motor", params.description)
    assert rating is not None
    assert params.powertrain.motor_max_power_w == float(rating.group(1)) * 1000

    model = VehicleModel(params)
    model.controls.accelerator_pedal_pct = 50.0
    for _ in range(300):
        model.step()
    assert model.speed_mps > 3.0
    assert model.battery.soc < params.battery.initial_soc


@pytest.mark.parametrize(("name", "parameter"), key_parameter_cases())
def test_key_parameters_have_a_source(name: str, parameter: str) -> None:
    params = builtin_vehicle(name)
    assert parameter in params.sources
    source = params.sources[parameter]
    assert source.strip()
    assert params.source_of(parameter) == source
    assert not source.startswith(DEFAULT_SOURCE)


def test_parameter_table_lists_every_scalar_with_its_value_and_source() -> None:
    params = builtin_vehicle("chevrolet-bolt-2020")
    rows = params.parameter_table()
    names = [row[0] for row in rows]
    assert len(names) == len(set(names))
    for name, value, source in rows:
        subsystem, _, field_name = name.partition(".")
        assert subsystem in SUBSYSTEMS
        assert getattr(getattr(params, subsystem), field_name) == value
        assert isinstance(value, int | float | str | bool)
        assert source == params.source_of(name)
    by_name = {row[0]: row for row in rows}
    mass = by_name["road_load.mass_kg"]
    assert mass[1] == params.road_load.mass_kg
    assert mass[2] == params.sources["road_load.mass_kg"]
    # every scalar parameter of every subsystem is there, sourced or default
    for subsystem in SUBSYSTEMS:
        group = getattr(params, subsystem)
        for field in dataclasses.fields(group):
            value = getattr(group, field.name)
            if isinstance(value, int | float | str | bool):
                assert f"{subsystem}.{field.name}" in by_name
    assert by_name["brakes.dead_time_s"][2].startswith(DEFAULT_SOURCE)
    # every sourced scalar appears with its source
    for parameter, source in params.sources.items():
        if parameter in by_name:
            assert by_name[parameter][2] == source


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownVehicleError) as info:
        builtin_vehicle("trabant-601")
    error = info.value
    assert isinstance(error, LookupError)
    assert error.name == "trabant-601"
    assert set(error.known) == set(EXPECTED_VEHICLES)
    for name in EXPECTED_VEHICLES:
        assert name in str(error)
    assert "trabant-601" in str(error)


@pytest.mark.parametrize("spelling", ["CHEVROLET-BOLT-2020", "Chevrolet-Bolt-2020", "  chevrolet-bolt-2020 "])
def test_lookup_ignores_case_and_surrounding_space(spelling: str) -> None:
    assert builtin_vehicle(spelling) == builtin_vehicle("chevrolet-bolt-2020")


def test_each_lookup_returns_an_independent_equal_copy() -> None:
    first = builtin_vehicle("tesla-model3-rwd-2022")
    second = builtin_vehicle("tesla-model3-rwd-2022")
    assert first == second
    with pytest.raises(TypeError):
        first.sources["road_load.mass_kg"] = "changed"  # type: ignore[index]


@pytest.mark.parametrize(
    ("key", "named"),
    [
        ("road_load.no_such_parameter", "road_load has no parameter 'no_such_parameter'"),
        ("engine.displacement", "names no subsystem"),
        ("battery", "battery has no parameter ''"),
    ],
)
def test_sources_naming_a_parameter_that_does_not_exist_are_refused(key: str, named: str) -> None:
    params = builtin_vehicle("nissan-leaf-30-2016")
    with pytest.raises(ParameterError) as info:
        params.replace(sources={**params.sources, key: "a brochure"})
    assert info.value.name == f"sources[{key!r}]"
    assert named in str(info.value)


def test_an_empty_name_is_refused() -> None:
    params = builtin_vehicle("renault-zoe-ze50-2022")
    with pytest.raises(ParameterError) as info:
        params.replace(name="  ")
    assert info.value.name == "name"


def test_replace_keeps_the_rest() -> None:
    params = builtin_vehicle("renault-zoe-ze50-2022")
    heavier = params.replace(
        road_load=dataclasses.replace(params.road_load, mass_kg=params.road_load.mass_kg + 300)
    )
    assert isinstance(heavier, VehicleParams)
    assert heavier.road_load.mass_kg == params.road_load.mass_kg + 300
    assert heavier.battery == params.battery
    assert heavier.sources == params.sources
