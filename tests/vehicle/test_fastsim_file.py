"""The FASTSim 3 importer on the files FASTSim itself writes: the four BEVs it ships map field by
field onto sdvkit's parameters (YAML and JSON), the result drives, and every kind of bad file is
refused with a VehicleFileError naming the file and what is wrong."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sdvkit.vehicle.errors import UnknownVehicleError, VehicleFileError
from sdvkit.vehicle.fastsim_file import load_fastsim_vehicle
from sdvkit.vehicle.library import builtin_vehicle, resolve_vehicle
from sdvkit.vehicle.model import VehicleModel

fastsim = pytest.importorskip("fastsim")

FASTSIM_BEVS = (
    "2016 Nissan Leaf 30 kWh thrml.yaml",
    "2020 Chevrolet Bolt EV thrml.yaml",
    "2022 Tesla Model 3 RWD thrml.yaml",
    "2022_Renault_Zoe_ZE50_R135.yaml",
)
FASTSIM_CONVENTIONAL = "2012_Ford_Fusion.yaml"
FASTSIM_HYBRID = "2016_TOYOTA_Prius_Two.yaml"
BOLT_RESOURCE = "2020 Chevrolet Bolt EV thrml.yaml"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every vehicle the tests use, written out by FASTSim, as ``(resource, suffix) -> path``."""
    folder = tmp_path_factory.mktemp("fastsim")
    paths: dict[tuple[str, str], Path] = {}
    for index, resource in enumerate((*FASTSIM_BEVS, FASTSIM_CONVENTIONAL, FASTSIM_HYBRID)):
        vehicle = fastsim.Vehicle.from_resource(resource)
        for suffix in ("yaml", "json"):
            path = folder / f"vehicle{index}.{suffix}"
            vehicle.to_file(path)
            paths[resource, suffix] = path
    return paths


def read_document(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


# -- the mapping -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["yaml", "json"])
@pytest.mark.parametrize("resource", FASTSIM_BEVS)
def test_fastsim_bev_maps_field_by_field(
    exported: dict[tuple[str, str], Path], resource: str, suffix: str
) -> None:
    path = exported[resource, suffix]
    document = read_document(path)
    chassis = document["chassis"]
    bev = document["pt_type"]["BEV"]
    params = load_fastsim_vehicle(path)

    assert params.name == document["name"]
    road_load = params.road_load
    assert road_load.mass_kg == document["mass_kilograms"]
    assert road_load.drag_coefficient == chassis["drag_coef"]
    assert road_load.frontal_area_m2 == chassis["frontal_area_square_meters"]
    assert road_load.rolling_resistance_coefficient == chassis["wheel_rr_coef"]
    assert road_load.wheel_radius_m == chassis["wheel_radius_meters"]
    assert road_load.wheel_inertia_kg_m2 == chassis["wheel_inertia_kilogram_square_meters"]
    assert road_load.wheel_count == chassis["num_wheels"]

    powertrain = params.powertrain
    assert powertrain.motor_max_power_w == bev["em"]["pwr_out_max_watts"]
    assert powertrain.transmission_efficiency == bev["transmission"]["eff_interp"]
    efficiency = bev["em"]["eff_interp_achieved"]["data"]
    assert list(powertrain.motoring_efficiency.x) == efficiency["grid"][0]
    assert list(powertrain.motoring_efficiency.y) == efficiency["values"]

    battery = params.battery
    resource_store = bev["res"]
    assert battery.energy_j == pytest.approx(resource_store["energy_capacity_joules"], rel=1e-9)
    assert battery.min_soc == resource_store["min_soc"]
    assert battery.max_soc == resource_store["max_soc"]
    assert battery.max_discharge_power_w == resource_store["pwr_out_max_watts"]

    assert params.lateral.wheelbase_m == chassis["wheel_base_meters"]
    assert params.climate.base_auxiliary_power_w == document["pwr_aux_base_watts"]
    for parameter in (
        "road_load.mass_kg",
        "road_load.drag_coefficient",
        "road_load.frontal_area_m2",
        "road_load.rolling_resistance_coefficient",
        "powertrain.motor_max_power_w",
        "battery.min_soc",
        "battery.max_soc",
    ):
        assert path.name in params.source_of(parameter), parameter


def test_yaml_and_json_exports_give_the_same_vehicle(exported: dict[tuple[str, str], Path]) -> None:
    for resource in FASTSIM_BEVS:
        from_yaml = load_fastsim_vehicle(exported[resource, "yaml"])
        from_json = load_fastsim_vehicle(exported[resource, "json"])
        assert from_yaml.road_load == from_json.road_load
        assert from_yaml.powertrain == from_json.powertrain
        assert from_yaml.battery == from_json.battery


def test_imported_bolt_agrees_with_the_builtin_bolt(exported: dict[tuple[str, str], Path]) -> None:
    imported = load_fastsim_vehicle(exported[BOLT_RESOURCE, "yaml"])
    builtin = builtin_vehicle("chevrolet-bolt-2020")
    # The built-in Bolt quotes this very file, rounded to its published digits.
    for field in ("mass_kg", "drag_coefficient", "frontal_area_m2", "rolling_resistance_coefficient"):
        assert getattr(imported.road_load, field) == pytest.approx(
            getattr(builtin.road_load, field), rel=1e-3
        ), field
    assert imported.powertrain.motor_max_power_w == pytest.approx(
        builtin.powertrain.motor_max_power_w, rel=0.01
    )


@pytest.mark.parametrize("resource", FASTSIM_BEVS)
def test_imported_vehicle_drives_and_coasts(exported: dict[tuple[str, str], Path], resource: str) -> None:
    params = load_fastsim_vehicle(exported[resource, "yaml"])
    model = VehicleModel(params, step_s=0.01)
    model.controls.accelerator_pedal_pct = 100.0
    for _ in range(500):
        model.step()
    assert 50 / 3.6 < model.speed_mps < 150 / 3.6  # 5 s of full power: a car, not a rocket
    assert model.ledger.battery_out_j > 0.0


def test_resolve_vehicle_reads_files_and_names(exported: dict[tuple[str, str], Path]) -> None:
    path = exported[BOLT_RESOURCE, "yaml"]
    assert resolve_vehicle(path) == load_fastsim_vehicle(path)
    assert resolve_vehicle(str(exported[BOLT_RESOURCE, "json"])).name == "2020 Chevrolet Bolt EV"
    assert resolve_vehicle("Chevrolet-Bolt-2020").name == "chevrolet-bolt-2020"
    with pytest.raises(UnknownVehicleError):
        resolve_vehicle("no-such-car")


def test_mass_from_glider_and_cargo_when_the_vehicle_mass_is_unset(
    exported: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    document = read_document(exported[BOLT_RESOURCE, "yaml"])
    document["mass_kilograms"] = None
    document["chassis"]["glider_mass_kilograms"] = 1500.0
    document["chassis"]["cargo_mass_kilograms"] = 136.0
    path = tmp_path / "glider.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert load_fastsim_vehicle(path).road_load.mass_kg == 1636.0


# -- bad files ---------------------------------------------------------------------------------


def refused(path: Path) -> str:
    """The message of the VehicleFileError loading ``path`` raises (it must name the file)."""
    with pytest.raises(VehicleFileError) as info:
        load_fastsim_vehicle(path)
    message = str(info.value)
    assert info.value.path == path
    assert str(path) in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    assert "no such vehicle file" in refused(path)
    with pytest.raises(VehicleFileError, match="nowhere"):
        resolve_vehicle(path)


def test_invalid_yaml_and_json(tmp_path: Path) -> None:
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("chassis: {drag_coef: [0.3\n", encoding="utf-8")
    assert "not valid YAML" in refused(broken_yaml)
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"chassis": ', encoding="utf-8")
    assert "not valid JSON" in refused(broken_json)


@pytest.mark.parametrize("content", ["- 1\n- 2\n", "just a string\n", "42\n", ""])
def test_top_level_not_a_mapping(tmp_path: Path, content: str) -> None:
    path = tmp_path / "flat.yaml"
    path.write_text(content, encoding="utf-8")
    assert "mapping at the top level" in refused(path)


def test_a_file_that_is_not_a_vehicle_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("a Bolt", encoding="utf-8")
    with pytest.raises(VehicleFileError, match="not a vehicle file") as info:
        resolve_vehicle(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("resource", "kind"), [(FASTSIM_CONVENTIONAL, "Conv"), (FASTSIM_HYBRID, "HEV")])
def test_non_bev_powertrains_are_refused(
    exported: dict[tuple[str, str], Path], resource: str, kind: str
) -> None:
    for suffix in ("yaml", "json"):
        message = refused(exported[resource, suffix])
        assert repr(kind) in message
        assert "pt_type" in message


def write_changed(exported: dict[tuple[str, str], Path], tmp_path: Path, change: Any) -> Path:
    """The Bolt's file with ``change(document)`` applied, written to a new file."""
    document = copy.deepcopy(read_document(exported[BOLT_RESOURCE, "yaml"]))
    change(document)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_missing_field(exported: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    path = write_changed(exported, tmp_path, lambda document: document["chassis"].pop("drag_coef"))
    assert "missing field chassis.drag_coef" in refused(path)
    path = write_changed(exported, tmp_path, lambda document: document["pt_type"]["BEV"].pop("res"))
    assert "missing field pt_type.BEV.res" in refused(path)


@pytest.mark.parametrize("value", ["fast", True, None, [0.3]])
def test_non_numeric_field(exported: dict[tuple[str, str], Path], tmp_path: Path, value: object) -> None:
    def change(document: dict[str, Any]) -> None:
        document["chassis"]["drag_coef"] = value

    message = refused(write_changed(exported, tmp_path, change))
    assert "chassis.drag_coef" in message


def test_non_numeric_nested_field(exported: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        document["pt_type"]["BEV"]["em"]["pwr_out_max_watts"] = "150 kW"

    message = refused(write_changed(exported, tmp_path, change))
    assert "pt_type.BEV.em.pwr_out_max_watts" in message
    assert "150 kW" in message


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda document: document.__setitem__("mass_kilograms", -5), "mass"),
        (lambda document: document["chassis"].__setitem__("drag_coef", 0), "chassis.drag_coef"),
        (lambda document: document["chassis"].__setitem__("wheel_rr_coef", 0.5), "rolling_resistance"),
        (lambda document: document["pt_type"]["BEV"]["res"].__setitem__("min_soc", 1.5), "min_soc"),
    ],
    ids=["mass -5", "drag 0", "rolling resistance 0.5", "min_soc 1.5"],
)
def test_impossible_value(
    exported: dict[tuple[str, str], Path], tmp_path: Path, change: Any, named: str
) -> None:
    message = refused(write_changed(exported, tmp_path, change))
    assert "impossible value" in message
    assert named in message


def test_no_mass_at_all(exported: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        document["mass_kilograms"] = None
        document["chassis"]["mass_kilograms"] = None
        document["chassis"]["glider_mass_kilograms"] = None

    message = refused(write_changed(exported, tmp_path, change))
    assert "no vehicle mass" in message
    assert "mass_kilograms" in message
