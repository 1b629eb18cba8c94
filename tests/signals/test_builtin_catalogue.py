"""The built-in catalogue: it loads on its own, agrees with VSS 6.0, and merges over it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sdvkit.signals.builtin import (
    BUILTIN_ROWS,
    BUILTIN_SOURCE,
    OVERLAY_ROOTS,
    builtin_catalogue,
    builtin_tree,
    is_overlay,
)
from sdvkit.signals.builtin.branches import branch_description
from sdvkit.signals.builtin.rows import SignalRow, sensor
from sdvkit.signals.builtin.tree import build_tree
from sdvkit.signals.catalogue import Catalogue, NodeSpec, NodeType
from sdvkit.signals.datatypes import DataType
from sdvkit.signals.errors import ValidationError

VSS_RELEASE = Path(__file__).resolve().parents[3] / "shared" / "vss" / "vss_release_6.0.json"
OFFICIAL_LEAF_COUNT = 1263

STANDARD_ROWS = [row for row in BUILTIN_ROWS if not is_overlay(row.path)]
OVERLAY_ROWS = [row for row in BUILTIN_ROWS if is_overlay(row.path)]


@pytest.fixture(scope="module")
def official_tree() -> dict[str, Any]:
    if not VSS_RELEASE.is_file():
        pytest.skip(f"the official VSS release is not at {VSS_RELEASE}")
    tree: dict[str, Any] = json.loads(VSS_RELEASE.read_text(encoding="utf-8"))
    return tree


@pytest.fixture(scope="module")
def official(official_tree: dict[str, Any]) -> Catalogue:
    return Catalogue.from_tree(official_tree, source="vss")


# -- the built-in catalogue on its own ------------------------------------------------------


def test_loads_without_any_file() -> None:
    catalogue = builtin_catalogue()
    assert len(catalogue.leaves()) == len(BUILTIN_ROWS)
    assert {leaf.path for leaf in catalogue.leaves()} == {row.path for row in BUILTIN_ROWS}
    assert catalogue["Vehicle"].node_type is NodeType.BRANCH


def test_is_cached_and_tree_is_a_fresh_copy() -> None:
    assert builtin_catalogue() is builtin_catalogue()
    tree = builtin_tree()
    tree["Vehicle"]["children"].clear()
    assert builtin_tree()["Vehicle"]["children"]


def test_tree_loads_with_the_public_loader() -> None:
    catalogue = Catalogue.from_tree(builtin_tree(), source=BUILTIN_SOURCE)
    assert catalogue.to_tree() == builtin_tree()


def test_paths_are_unique() -> None:
    paths = [row.path for row in BUILTIN_ROWS]
    assert len(paths) == len(set(paths))


def test_every_node_is_described() -> None:
    for node in builtin_catalogue():
        assert node.description.strip(), node.path
        assert node.description[0].isupper() or node.description.startswith("sdvkit"), node.path


def test_every_overlay_root_is_used_and_none_nests_in_another() -> None:
    for root in OVERLAY_ROOTS:
        assert any(row.path == root or row.path.startswith(root + ".") for row in BUILTIN_ROWS)
        assert all(not root.startswith(other + ".") for other in OVERLAY_ROOTS), root
    assert len(set(OVERLAY_ROOTS)) == len(OVERLAY_ROOTS)


def test_is_overlay_matches_whole_segments() -> None:
    assert is_overlay("Vehicle.ADAS.AEB")
    assert is_overlay("Vehicle.ADAS.AEB.State")
    assert not is_overlay("Vehicle.ADAS.AEBX.State")
    assert not is_overlay("Vehicle.ADAS")


def test_instance_branches_get_generated_descriptions() -> None:
    assert branch_description("Vehicle.Cabin.Door.Row2.PassengerSide") == ("Door, row 2, passenger's side.")
    assert "slot 3" in branch_description("Vehicle.ADAS.Perception.Object3")
    with pytest.raises(KeyError, match=r"Vehicle\.Undescribed"):
        branch_description("Vehicle.Undescribed")


def test_build_tree_refuses_duplicates_and_leaves_with_children() -> None:
    speed = sensor("Vehicle.Speed", DataType.FLOAT, "Speed.", unit="km/h")
    with pytest.raises(ValueError, match="declared twice"):
        build_tree([speed, speed])
    below = sensor("Vehicle.Speed.Sub", DataType.FLOAT, "Nonsense.")
    with pytest.raises(ValueError, match="is a leaf"):
        build_tree([speed, below])


def test_a_row_must_be_a_leaf() -> None:
    with pytest.raises(ValueError, match="branch"):
        SignalRow(path="Vehicle.X", node_type=NodeType.BRANCH, datatype=DataType.FLOAT, description="X.")


# -- agreement with VSS 6.0 -----------------------------------------------------------------


def _narrower_or_equal(row: SignalRow, vss: NodeSpec) -> list[str]:
    problems = []
    if vss.min is not None and (row.min is None or row.min < vss.min):
        problems.append(f"min {row.min} is wider than VSS's {vss.min}")
    if vss.max is not None and (row.max is None or row.max > vss.max):
        problems.append(f"max {row.max} is wider than VSS's {vss.max}")
    if vss.allowed is not None and (row.allowed is None or not set(row.allowed) <= set(vss.allowed)):
        problems.append(f"allowed {row.allowed} is not within VSS's {vss.allowed}")
    if vss.pattern is not None and row.pattern != vss.pattern:
        problems.append(f"pattern {row.pattern!r} differs from VSS's {vss.pattern!r}")
    return problems


@pytest.mark.parametrize("row", STANDARD_ROWS, ids=lambda row: row.path)
def test_standard_row_matches_vss(row: SignalRow, official: Catalogue) -> None:
    vss = official.get(row.path)
    assert vss is not None, f"{row.path} is not in VSS 6.0 and not under an overlay root"
    assert row.node_type is vss.node_type
    assert row.datatype is vss.datatype
    assert row.unit == vss.unit
    assert vss.deprecation is None, f"{row.path} is deprecated in VSS 6.0"
    assert _narrower_or_equal(row, vss) == []


def test_descriptions_are_the_projects_own(official: Catalogue) -> None:
    copied = [
        row.path
        for row in STANDARD_ROWS
        if (vss := official.get(row.path)) is not None and vss.description == row.description
    ]
    assert copied == []


def test_overlays_do_not_collide_with_vss(official: Catalogue) -> None:
    for root in OVERLAY_ROOTS:
        assert root not in official, f"overlay root {root} is a VSS 6.0 path"
    collisions = [row.path for row in OVERLAY_ROWS if row.path in official]
    assert collisions == []


def test_overlay_merges_over_the_official_release(official_tree: dict[str, Any], official: Catalogue) -> None:
    assert len(official.leaves()) == OFFICIAL_LEAF_COUNT
    merged = Catalogue.from_trees([(official_tree, "vss"), (builtin_tree(), "builtin")])
    leaves = {leaf.path for leaf in merged.leaves()}
    assert {leaf.path for leaf in official.leaves()} <= leaves
    assert {row.path for row in OVERLAY_ROWS} <= leaves
    assert len(leaves) == OFFICIAL_LEAF_COUNT + len(OVERLAY_ROWS)
    # a standard row narrows the official node; the rest of the release is untouched
    assert merged["Vehicle.Powertrain.Transmission.SelectedGear"].allowed == (126, -1, 0, 127)
    assert merged["Vehicle.Body.Lights.Beam.Low.IsDefect"].datatype is DataType.BOOLEAN


# -- values later work relies on ------------------------------------------------------------


def test_speed_is_a_float_sensor_in_km_per_hour() -> None:
    speed = builtin_catalogue()["Vehicle.Speed"]
    assert speed.node_type is NodeType.SENSOR
    assert speed.datatype is DataType.FLOAT
    assert speed.unit == "km/h"


def test_acc_time_gap_allows_one_to_two_point_two_seconds() -> None:
    gap = builtin_catalogue()["Vehicle.ADAS.CruiseControl.Adaptive.TimeGapSet"]
    assert gap.node_type is NodeType.ACTUATOR
    assert (gap.unit, gap.min, gap.max) == ("s", 1.0, 2.2)
    assert gap.validate(1.0) == 1.0
    assert gap.validate(2.2) == 2.2
    for outside in (0.9, 2.3):
        with pytest.raises(ValidationError):
            gap.validate(outside)


def test_tracked_objects_have_slots_and_classes() -> None:
    catalogue = builtin_catalogue()
    classes = catalogue["Vehicle.ADAS.Perception.Object1.Class"].allowed
    assert classes is not None
    assert {"CAR", "PEDESTRIAN", "CYCLIST", "UNKNOWN"} <= set(classes)
    assert catalogue["Vehicle.ADAS.Perception.Object16.Class"].allowed == classes
    assert "Vehicle.ADAS.Perception.Object17.Class" not in catalogue
    position = catalogue["Vehicle.ADAS.Perception.Object16.LongitudinalPosition"]
    assert (position.datatype, position.unit) == (DataType.FLOAT, "m")
    existence = catalogue["Vehicle.ADAS.Perception.Object1.ExistenceProbability"]
    assert (existence.min, existence.max) == (0, 100)


def test_plant_accepts_an_acceleration_demand() -> None:
    demand = builtin_catalogue()["Vehicle.Sdvkit.MotionControl.Longitudinal.AccelerationRequest"]
    assert demand.node_type is NodeType.ACTUATOR
    assert demand.unit == "m/s^2"
    assert demand.validate(-9.5) == -9.5


def test_gear_selection_is_p_r_n_d() -> None:
    gear = builtin_catalogue()["Vehicle.Powertrain.Transmission.SelectedGear"]
    assert set(gear.allowed or ()) == {126, -1, 0, 127}
    with pytest.raises(ValidationError):
        gear.validate(3)


def test_vin_follows_the_vss_pattern() -> None:
    vin = builtin_catalogue()["Vehicle.VehicleIdentification.VIN"]
    assert vin.validate("5YJ3E1EA7KF317000") == "5YJ3E1EA7KF317000"
    with pytest.raises(ValidationError):
        vin.validate("5YJ3E1EA7KF31700O")


def test_cabin_signals_are_on_standard_paths() -> None:
    catalogue = builtin_catalogue()
    for path in (
        "Vehicle.Cabin.Door.Row2.PassengerSide.Window.Position",
        "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature",
        "Vehicle.Cabin.Infotainment.Media.Played.Track",
        "Vehicle.Body.Lights.Hazard.IsSignaling",
        "Vehicle.Exterior.AirTemperature",
    ):
        assert not is_overlay(path)
        assert catalogue[path].is_leaf
    animation = catalogue["Vehicle.Body.MediaBar.Animation"]
    assert "AFTER_YOU" in (animation.allowed or ())
    assert animation.default == "NONE"
