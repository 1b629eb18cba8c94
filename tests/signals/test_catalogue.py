"""The VSS catalogue: loading the official release, overlays, malformed files, path patterns."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SMALL_TREE, VSS_6_0, branch, leaf

from sdvkit.signals import Catalogue, CatalogueError, DataType, NodeType, UnknownSignalError
from sdvkit.signals.catalogue import merge_trees

# -- the official VSS 6.0 release -------------------------------------------------------------


def test_vss_6_0_counts(vss_catalogue: Catalogue) -> None:
    leaves = vss_catalogue.leaves()
    assert len(leaves) == 1263
    counts = Counter(node.node_type for node in vss_catalogue)
    assert counts == {
        NodeType.ACTUATOR: 643,
        NodeType.SENSOR: 490,
        NodeType.ATTRIBUTE: 130,
        NodeType.BRANCH: 340,
    }
    assert len(vss_catalogue) == 1263 + 340
    assert all(node.is_leaf for node in leaves)


def test_vss_6_0_datatype_counts(vss_catalogue: Catalogue) -> None:
    counts = Counter(node.datatype.vss_name for node in vss_catalogue.leaves() if node.datatype)
    assert counts == {
        "boolean": 413,
        "float": 279,
        "string": 163,
        "uint8": 131,
        "int16": 93,
        "uint16": 89,
        "int8": 35,
        "uint32": 22,
        "string[]": 20,
        "double": 11,
        "int32": 4,
        "float[]": 2,
        "uint8[]": 1,
    }


def test_vss_6_0_is_in_file_order(vss_catalogue: Catalogue) -> None:
    paths = [node.path for node in vss_catalogue]
    assert paths[0] == "Vehicle"
    # depth first: every node comes after its parent
    seen: set[str] = set()
    for path in paths:
        parent = path.rpartition(".")[0]
        assert not parent or parent in seen, path
        seen.add(path)


def test_vehicle_speed(vss_catalogue: Catalogue) -> None:
    speed = vss_catalogue["Vehicle.Speed"]
    assert speed.node_type is NodeType.SENSOR
    assert speed.datatype is DataType.FLOAT
    assert speed.unit == "km/h"
    assert speed.description == "Vehicle speed."
    assert speed.min is None
    assert speed.max is None
    assert speed.allowed is None
    assert speed.default is None
    assert speed.name == "Speed"
    assert speed.is_leaf


def test_branch_metadata(vss_catalogue: Catalogue) -> None:
    cabin = vss_catalogue["Vehicle.Cabin"]
    assert cabin.node_type is NodeType.BRANCH
    assert not cabin.is_leaf
    assert cabin.datatype is None
    assert cabin.description == "All in-cabin components, including doors."
    assert cabin.check is None


def test_charge_limit(vss_catalogue: Catalogue) -> None:
    node = vss_catalogue["Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"]
    assert node.node_type is NodeType.ACTUATOR
    assert node.datatype is DataType.UINT8
    assert node.unit == "percent"
    assert node.min == 0
    assert node.max == 100
    assert node.default == 100
    assert node.description == "Target charge limit (state of charge) for battery."


def test_state_of_charge_bounds(vss_catalogue: Catalogue) -> None:
    node = vss_catalogue["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"]
    assert node.datatype is DataType.FLOAT
    assert (node.min, node.max) == (0, 100.0)
    assert node.validate(55) == 55.0
    with pytest.raises(Exception, match="above the maximum"):
        node.validate(100.5)


def test_version_default(vss_catalogue: Catalogue) -> None:
    node = vss_catalogue["Vehicle.VersionVSS.Major"]
    assert node.node_type is NodeType.ATTRIBUTE
    assert node.datatype is DataType.UINT32
    assert node.default == 6


def test_allowed_and_default(vss_catalogue: Catalogue) -> None:
    node = vss_catalogue["Vehicle.Powertrain.Transmission.DriveType"]
    assert node.datatype is DataType.STRING
    assert node.allowed == ("UNKNOWN", "FORWARD_WHEEL_DRIVE", "REAR_WHEEL_DRIVE", "ALL_WHEEL_DRIVE")
    assert node.default == "UNKNOWN"


def test_array_datatypes(vss_catalogue: Catalogue) -> None:
    modes = vss_catalogue["Vehicle.Cabin.Infotainment.SmartphoneProjection.SupportedMode"]
    assert modes.datatype is DataType.STRING_ARRAY
    assert modes.datatype.is_array
    assert modes.datatype.element is DataType.STRING
    assert modes.allowed == ("ANDROID_AUTO", "APPLE_CARPLAY", "MIRROR_LINK", "OTHER")

    cells = vss_catalogue["Vehicle.Powertrain.TractionBattery.CellVoltage.CellVoltages"]
    assert cells.datatype is DataType.FLOAT_ARRAY
    assert cells.comment == "Cells are identified by relative position in array."

    seats = vss_catalogue["Vehicle.Cabin.SeatPosCount"]
    assert seats.node_type is NodeType.ATTRIBUTE
    assert seats.datatype is DataType.UINT8_ARRAY
    assert seats.default == (2, 3)
    assert seats.comment is not None
    assert seats.comment.startswith("Default value corresponds to two seats")


def test_deprecation(vss_catalogue: Catalogue) -> None:
    pan = vss_catalogue["Vehicle.Body.Mirrors.DriverSide.Pan"]
    assert pan.node_type is NodeType.ACTUATOR
    assert pan.datatype is DataType.INT8
    assert (pan.min, pan.max) == (-100, 100)
    assert pan.deprecation == "v6.0 Replaced with Yaw - Note that direction changes!"
    assert vss_catalogue["Vehicle.Speed"].deprecation is None
    deprecated = [node.path for node in vss_catalogue if node.deprecation]
    assert len(deprecated) == 6


def test_vin_pattern(vss_catalogue: Catalogue) -> None:
    vin = vss_catalogue["Vehicle.VehicleIdentification.VIN"]
    assert vin.node_type is NodeType.ATTRIBUTE
    assert vin.pattern == "^([0-9A-HJ-NPR-Z]{3})([0-9A-HJ-NPR-Z]{6})([0-9A-HJ-NPR-Z]{4}[0-9]{4})$"
    assert vin.validate("WVWZZZ1JZXW000001") == "WVWZZZ1JZXW000001"
    with pytest.raises(Exception, match="does not match"):
        vin.validate("WVWZZZ1JZXW00000I")  # I is not allowed in a VIN


def test_unknown_path(vss_catalogue: Catalogue) -> None:
    assert "Vehicle.Speed" in vss_catalogue
    assert "Vehicle.Sped" not in vss_catalogue
    assert vss_catalogue.get("Vehicle.Sped") is None
    with pytest.raises(UnknownSignalError, match=r"Vehicle\.Sped"):
        vss_catalogue["Vehicle.Sped"]
    with pytest.raises(KeyError):
        vss_catalogue["Vehicle.Sped"]


def test_vss_6_0_round_trips(vss_catalogue: Catalogue) -> None:
    again = Catalogue.from_tree(json.loads(json.dumps(vss_catalogue.to_tree())))
    assert list(again) == list(vss_catalogue)


# -- overlays -----------------------------------------------------------------------------------

OVERLAY: dict[str, Any] = {
    "Vehicle": branch(
        {
            "Speed": leaf("float", unit="km/h", min=0, max=300),
            "Private": branch(
                {
                    "Sdvkit": branch(
                        {
                            "SimTime": leaf("uint64", unit="ms"),
                            "Scenario": leaf("string", "attribute", default="city"),
                        },
                        description="sdvkit's own signals",
                    )
                }
            ),
        }
    )
}


def test_overlay_adds_and_replaces(small_catalogue: Catalogue) -> None:
    merged = small_catalogue.merged_with(OVERLAY, source="overlay")
    assert merged["Vehicle.Speed"].max == 300
    assert merged["Vehicle.Speed"].min == 0
    assert merged["Vehicle.Private"].node_type is NodeType.BRANCH
    assert merged["Vehicle.Private.Sdvkit"].description == "sdvkit's own signals"
    assert merged["Vehicle.Private.Sdvkit.SimTime"].datatype is DataType.UINT64
    assert merged["Vehicle.Private.Sdvkit.Scenario"].default == "city"
    assert len(merged.leaves()) == len(small_catalogue.leaves()) + 2
    # the rest is untouched
    for node in small_catalogue:
        if node.path != "Vehicle.Speed":
            assert merged[node.path] == node
    # and the original catalogue is unchanged
    assert small_catalogue["Vehicle.Speed"].max == 250
    assert "Vehicle.Private" not in small_catalogue
    assert merged["Vehicle.Speed"].validate(280.0) == 280.0


def test_overlay_changes_only_the_fields_it_names(small_catalogue: Catalogue) -> None:
    overlay = {"Vehicle": {"children": {"Speed": {"max": 300, "comment": "tuned"}}}}
    merged = small_catalogue.merged_with(overlay)
    speed = merged["Vehicle.Speed"]
    assert (speed.min, speed.max, speed.unit, speed.comment) == (0, 300, "km/h", "tuned")
    assert speed.node_type is NodeType.SENSOR
    assert speed.datatype is DataType.FLOAT


def test_merging_does_not_change_the_inputs() -> None:
    base = copy.deepcopy(SMALL_TREE)
    overlay = copy.deepcopy(OVERLAY)
    Catalogue.from_trees([(base, "base"), (overlay, "overlay")])
    assert base == SMALL_TREE
    assert overlay == OVERLAY


def test_from_files_with_overlay(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    overlay = tmp_path / "overlay.json"
    base.write_text(json.dumps(SMALL_TREE), encoding="utf-8")
    overlay.write_text(json.dumps(OVERLAY), encoding="utf-8")
    catalogue = Catalogue.from_files([base, str(overlay)])
    assert catalogue["Vehicle.Speed"].max == 300
    assert "Vehicle.Private.Sdvkit.SimTime" in catalogue
    assert "Vehicle.Cabin.Seat.Row2.DriverSide.Position" in catalogue
    # the order of the files matters: the last one wins
    reverse = Catalogue.from_files([overlay, base])
    assert reverse["Vehicle.Speed"].max == 250


def test_overlay_on_the_official_release(tmp_path: Path) -> None:
    if not VSS_6_0.exists():
        pytest.skip(f"{VSS_6_0} is not there")
    overlay = tmp_path / "overlay.json"
    overlay.write_text(json.dumps(OVERLAY), encoding="utf-8")
    catalogue = Catalogue.from_files([VSS_6_0, overlay])
    assert len(catalogue.leaves()) == 1263 + 2
    assert catalogue["Vehicle.Speed"].max == 300
    assert catalogue["Vehicle.Speed"].description == "a float sensor"


def test_error_in_overlay_names_the_sources(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    overlay = tmp_path / "bad_overlay.json"
    base.write_text(json.dumps(SMALL_TREE), encoding="utf-8")
    overlay.write_text(json.dumps({"Vehicle": {"children": {"Speed": {"min": 300}}}}), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"Vehicle\.Speed: min 300 is greater than max 250") as info:
        Catalogue.from_files([base, overlay])
    assert info.value.path == "Vehicle.Speed"
    assert info.value.source is not None
    assert "bad_overlay.json" in info.value.source


def test_no_files() -> None:
    with pytest.raises(CatalogueError, match="no catalogue file"):
        Catalogue.from_files([])


# -- malformed catalogues ----------------------------------------------------------------------


def _tree(**children: Any) -> dict[str, Any]:
    return {"Vehicle": branch(children)}


@pytest.mark.parametrize(
    ("tree", "path", "message"),
    [
        pytest.param(
            _tree(Speed={"type": "sensor", "description": "no type"}),
            "Vehicle.Speed",
            "must have a datatype",
            id="leaf-without-datatype",
        ),
        pytest.param(
            _tree(Speed=leaf("float", min=10, max=5)),
            "Vehicle.Speed",
            "min 10 is greater than max 5",
            id="min-greater-than-max",
        ),
        pytest.param(
            _tree(Speed=leaf("float", "signal")),
            "Vehicle.Speed",
            "unknown node type 'signal'",
            id="unknown-node-type",
        ),
        pytest.param(
            _tree(Speed=leaf("float", children={"Inner": leaf("float")})),
            "Vehicle.Speed",
            "cannot have children",
            id="leaf-with-children",
        ),
        pytest.param(
            _tree(Speed=leaf("float32")),
            "Vehicle.Speed",
            "unknown datatype 'float32'",
            id="unknown-datatype",
        ),
        pytest.param(
            _tree(Gear=leaf("int8", "actuator", allowed=[1, 2, "3"])),
            "Vehicle.Gear",
            "allowed value does not fit",
            id="allowed-not-of-datatype",
        ),
        pytest.param(
            _tree(Gear=leaf("uint8", "actuator", allowed=[1, 300])),
            "Vehicle.Gear",
            "allowed value does not fit",
            id="allowed-outside-type-range",
        ),
        pytest.param(
            _tree(Gear=leaf("int8", "actuator", min=0, max=5, allowed=[1, 9])),
            "Vehicle.Gear",
            "allowed value does not fit",
            id="allowed-outside-min-max",
        ),
        pytest.param(
            _tree(Limit=leaf("uint8", "actuator", min=0, max=100, default=101)),
            "Vehicle.Limit",
            "default does not fit",
            id="default-out-of-range",
        ),
        pytest.param(
            _tree(Mode=leaf("string", "actuator", allowed=["A", "B"], default="C")),
            "Vehicle.Mode",
            "default does not fit",
            id="default-not-allowed",
        ),
        pytest.param(
            _tree(Name=leaf("string", min=1)),
            "Vehicle.Name",
            "min is set but string is not a numeric type",
            id="min-on-string",
        ),
        pytest.param(
            _tree(Flag=leaf("boolean", max=1)),
            "Vehicle.Flag",
            "max is set but boolean is not a numeric type",
            id="max-on-boolean",
        ),
        pytest.param(
            _tree(Speed=leaf("float", min="0")),
            "Vehicle.Speed",
            "min must be a number",
            id="min-not-a-number",
        ),
        pytest.param(
            _tree(Cabin={"type": "branch", "description": "x", "datatype": "float", "children": {}}),
            "Vehicle.Cabin",
            "a branch cannot have datatype",
            id="branch-with-datatype",
        ),
        pytest.param(
            _tree(Cabin={"description": "no type", "children": {}}),
            "Vehicle.Cabin",
            "node has no type",
            id="node-without-type",
        ),
        pytest.param(
            _tree(Speed="fast"),
            "Vehicle.Speed",
            "a node must be a JSON object",
            id="node-not-an-object",
        ),
        pytest.param(
            {"Vehicle": {"type": "branch", "description": "x", "children": ["Speed"]}},
            "Vehicle",
            "children must be a JSON object",
            id="children-not-an-object",
        ),
        pytest.param(
            _tree(**{"Bad-Name": leaf("float")}),
            "Vehicle.Bad-Name",
            "invalid node name",
            id="invalid-node-name",
        ),
        pytest.param(
            _tree(VIN=leaf("string", "attribute", pattern="([A-Z]")),
            "Vehicle.VIN",
            "not a valid regular expression",
            id="invalid-pattern",
        ),
        pytest.param(
            _tree(Speed=leaf("float", description=5)),
            "Vehicle.Speed",
            "description must be a string",
            id="description-not-a-string",
        ),
        pytest.param(
            _tree(Speed=leaf("float", unit=3)),
            "Vehicle.Speed",
            "unit must be a string",
            id="unit-not-a-string",
        ),
    ],
)
def test_malformed_node(tree: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(CatalogueError) as info:
        Catalogue.from_tree(tree, source="bad.json")
    text = str(info.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "bad.json" in text
    assert info.value.path == path


def test_deep_error_names_the_full_path() -> None:
    tree = copy.deepcopy(SMALL_TREE)
    seat = tree["Vehicle"]["children"]["Cabin"]["children"]["Seat"]["children"]
    seat["Row2"]["children"]["DriverSide"]["children"]["Position"]["max"] = -1
    with pytest.raises(CatalogueError, match=r"^Vehicle\.Cabin\.Seat\.Row2\.DriverSide\.Position: min 0"):
        Catalogue.from_tree(tree)


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{\n  "Vehicle": {\n    "type": "branch",\n    "description": "x",,\n  }\n}\n')
    with pytest.raises(CatalogueError) as info:
        Catalogue.from_files([bad])
    text = str(info.value)
    assert str(bad) in text
    assert "line 4" in text


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(CatalogueError, match="cannot read catalogue file") as info:
        Catalogue.from_files([missing])
    assert str(missing) in str(info.value)


@pytest.mark.parametrize("content", ["[]", "42", '"Vehicle"', "{}", "null"])
def test_non_object_root(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "root.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError, match="must be a JSON object of root nodes") as info:
        Catalogue.from_files([bad])
    assert str(bad) in str(info.value)


def test_non_object_root_tree() -> None:
    with pytest.raises(CatalogueError, match="must be a JSON object"):
        Catalogue.from_tree([])  # type: ignore[arg-type]
    with pytest.raises(CatalogueError, match="must be a JSON object"):
        Catalogue.from_trees([(SMALL_TREE, "base"), (["x"], "overlay")])  # type: ignore[list-item]


def test_struct_types_are_refused() -> None:
    tree = {**SMALL_TREE, "ComplexDataTypes": branch({})}
    with pytest.raises(CatalogueError, match="ComplexDataTypes"):
        Catalogue.from_tree(tree)


def test_error_is_a_signal_error() -> None:
    from sdvkit.signals import SignalError

    with pytest.raises(SignalError):
        Catalogue.from_tree(_tree(Speed=leaf("float32")))


# -- path patterns ------------------------------------------------------------------------------


def _paths(catalogue: Catalogue, pattern: str) -> list[str]:
    return [node.path for node in catalogue.match(pattern)]


def test_match_leaf(small_catalogue: Catalogue) -> None:
    assert _paths(small_catalogue, "Vehicle.Speed") == ["Vehicle.Speed"]


def test_match_branch(small_catalogue: Catalogue) -> None:
    assert _paths(small_catalogue, "Vehicle.Cabin.Seat.Row1") == [
        "Vehicle.Cabin.Seat.Row1.DriverSide.Position",
        "Vehicle.Cabin.Seat.Row1.DriverSide.IsOccupied",
    ]
    assert _paths(small_catalogue, "Vehicle.Powertrain") == [
        "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
        "Vehicle.Powertrain.TractionBattery.CellVoltages",
    ]
    assert _paths(small_catalogue, "Vehicle") == [node.path for node in small_catalogue.leaves()]


def test_match_branch_is_by_segment(vss_catalogue: Catalogue) -> None:
    # "Vehicle.Cabin.Door" must not select "Vehicle.Cabin.DoorCount"
    paths = _paths(vss_catalogue, "Vehicle.Cabin.Door")
    assert paths
    assert all(path.startswith("Vehicle.Cabin.Door.") for path in paths)
    assert _paths(vss_catalogue, "Vehicle.Cabin.DoorCount") == ["Vehicle.Cabin.DoorCount"]


def test_match_one_level_star(small_catalogue: Catalogue) -> None:
    assert _paths(small_catalogue, "Vehicle.Cabin.Seat.*.DriverSide.Position") == [
        "Vehicle.Cabin.Seat.Row1.DriverSide.Position",
        "Vehicle.Cabin.Seat.Row2.DriverSide.Position",
    ]
    assert _paths(small_catalogue, "Vehicle.*.Trunk.IsOpen") == ["Vehicle.Body.Trunk.IsOpen"]
    # one level only: Vehicle.Body.Trunk.IsOpen is two levels below Vehicle
    assert _paths(small_catalogue, "Vehicle.*.IsOpen") == []
    assert _paths(small_catalogue, "*.Speed") == ["Vehicle.Speed"]


def test_match_trailing_star_selects_what_is_below(small_catalogue: Catalogue) -> None:
    cabin = [node.path for node in small_catalogue.leaves() if node.path.startswith("Vehicle.Cabin.")]
    assert len(cabin) == 5
    assert _paths(small_catalogue, "Vehicle.Cabin.*") == cabin
    assert _paths(small_catalogue, "Vehicle.Cabin.Lights.*") == ["Vehicle.Cabin.Lights.AmbientColors"]


def test_match_cabin_star_in_vss(vss_catalogue: Catalogue) -> None:
    paths = _paths(vss_catalogue, "Vehicle.Cabin.*")
    assert paths == _paths(vss_catalogue, "Vehicle.Cabin")
    assert "Vehicle.Cabin.DoorCount" in paths
    assert "Vehicle.Cabin.Seat.Row1.DriverSide.Backrest.Recline" in paths
    assert all(path.startswith("Vehicle.Cabin.") for path in paths)


def test_match_any_levels(small_catalogue: Catalogue) -> None:
    assert _paths(small_catalogue, "Vehicle.**.IsOpen") == ["Vehicle.Body.Trunk.IsOpen"]
    assert _paths(small_catalogue, "**.IsOccupied") == [
        "Vehicle.Cabin.Seat.Row1.DriverSide.IsOccupied",
        "Vehicle.Cabin.Seat.Row2.DriverSide.IsOccupied",
    ]
    assert _paths(small_catalogue, "Vehicle.Powertrain.**") == _paths(small_catalogue, "Vehicle.Powertrain")
    assert _paths(small_catalogue, "**") == [node.path for node in small_catalogue.leaves()]


def test_match_any_levels_includes_zero_levels(small_catalogue: Catalogue) -> None:
    # "any number of levels", as in KUKSA: Vehicle.**.Speed is also Vehicle.Speed
    assert _paths(small_catalogue, "Vehicle.**.Speed") == ["Vehicle.Speed"]
    assert _paths(small_catalogue, "Vehicle.Powertrain.TractionBattery.**.CellVoltages") == [
        "Vehicle.Powertrain.TractionBattery.CellVoltages"
    ]
    assert _paths(small_catalogue, "**.Vehicle.Gear") == ["Vehicle.Gear"]


def test_match_kuksa_examples(vss_catalogue: Catalogue) -> None:
    # from KUKSA's wildcard matching rules
    assert _paths(vss_catalogue, "Vehicle.Cabin.Sunroof.**.Position") == [
        "Vehicle.Cabin.Sunroof.Position",
        "Vehicle.Cabin.Sunroof.Shade.Position",
    ]
    assert _paths(vss_catalogue, "**.Sunroof.*.Position") == ["Vehicle.Cabin.Sunroof.Shade.Position"]
    assert _paths(vss_catalogue, "*.*.*.*.Position") == [
        path for path in _paths(vss_catalogue, "") if path.count(".") == 4 and path.endswith(".Position")
    ]
    assert "Vehicle.Cabin.Sunroof.Shade.Position" in _paths(vss_catalogue, "*.*.*.*.Position")
    assert _paths(vss_catalogue, "Sunroof") == []


def test_match_everything(small_catalogue: Catalogue) -> None:
    assert _paths(small_catalogue, "") == [node.path for node in small_catalogue.leaves()]
    assert len(small_catalogue.match("")) == 13


@pytest.mark.parametrize(
    "pattern",
    ["Vehicle.Sped", "Vehicle.Spe", "Speed", "Vehicle.Speed.Unit", "Vehicle.*.Nothing", "Truck.**"],
)
def test_match_nothing(small_catalogue: Catalogue, pattern: str) -> None:
    assert small_catalogue.match(pattern) == []


def test_match_returns_only_leaves(vss_catalogue: Catalogue) -> None:
    for pattern in ("Vehicle", "Vehicle.*", "Vehicle.**", "**.Door.**"):
        assert all(node.is_leaf for node in vss_catalogue.match(pattern))


# -- to_tree ------------------------------------------------------------------------------------


def test_small_tree_round_trips(small_catalogue: Catalogue) -> None:
    tree = small_catalogue.to_tree()
    again = Catalogue.from_tree(tree)
    assert list(again) == list(small_catalogue)
    assert [node.path for node in again] == [node.path for node in small_catalogue]
    # the checks are rebuilt too
    assert again["Vehicle.Gear"].validate(3) == 3
    with pytest.raises(Exception, match="above the maximum"):
        again["Vehicle.Gear"].validate(9)


def test_to_tree_is_vspec_json(small_catalogue: Catalogue) -> None:
    tree = small_catalogue.to_tree()
    json.dumps(tree)  # only JSON types
    vehicle = tree["Vehicle"]
    assert vehicle["type"] == "branch"
    assert vehicle["description"] == "a branch"
    speed = vehicle["children"]["Speed"]
    assert speed == {
        "type": "sensor",
        "description": "a float sensor",
        "datatype": "float",
        "unit": "km/h",
        "min": 0,
        "max": 250,
    }
    mode = vehicle["children"]["DriveMode"]
    assert mode["allowed"] == ["ECO", "NORMAL", "SPORT"]
    vin = vehicle["children"]["VehicleIdentification"]["children"]["VIN"]
    assert vin["pattern"] == "^[0-9A-HJ-NPR-Z]{17}$"


def test_round_trip_keeps_every_field() -> None:
    tree = _tree(
        Seats=leaf("uint8[]", "attribute", default=[2, 3], comment="a comment", unit="count"),
        Mode=leaf(
            "string",
            "actuator",
            allowed=["A", "B"],
            default="B",
            deprecation="v6.0 going away",
        ),
        Level=leaf("float", "actuator", min=-1.5, max=2, default=1),
    )
    tree["Vehicle"]["comment"] = "branch comment"
    catalogue = Catalogue.from_tree(tree)
    again = Catalogue.from_tree(json.loads(json.dumps(catalogue.to_tree())))
    assert list(again) == list(catalogue)
    assert again["Vehicle"].comment == "branch comment"
    assert again["Vehicle.Seats"].default == (2, 3)
    assert again["Vehicle.Mode"].deprecation == "v6.0 going away"
    assert again["Vehicle.Level"].default == 1.0
    assert isinstance(again["Vehicle.Level"].default, float)


# -- overlays that change a node's kind, and where errors come from ---------------------------


def test_non_utf8_file_is_a_catalogue_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"Vehicle": {"type": "branch", "description": "caf\xe9"}}'.encode("latin-1"))
    with pytest.raises(CatalogueError, match=r"not UTF-8.*latin1\.json"):
        Catalogue.from_files([bad])


def test_overlay_turning_a_branch_into_a_leaf_replaces_the_node() -> None:
    base = {"Vehicle": branch({"Extra": branch({"A": leaf("boolean")})})}
    overlay = {"Vehicle": {"children": {"Extra": leaf("uint8", min=0, max=10)}}}
    catalogue = Catalogue.from_trees([(base, "base.json"), (overlay, "overlay.json")])
    assert catalogue["Vehicle.Extra"].is_leaf
    assert "Vehicle.Extra.A" not in catalogue


def test_overlay_changing_the_datatype_drops_the_old_bounds() -> None:
    base = {"Vehicle": branch({"Level": leaf("uint8", min=0, max=100, default=50)})}
    overlay = {"Vehicle": {"children": {"Level": {"datatype": "string"}}}}
    catalogue = Catalogue.from_trees([(base, "base.json"), (overlay, "overlay.json")])
    spec = catalogue["Vehicle.Level"]
    assert spec.datatype is DataType.STRING
    assert (spec.min, spec.max, spec.default) == (None, None, None)


def test_an_error_names_the_overlay_that_brought_the_bad_node() -> None:
    base = {"Vehicle": branch({"Speed": leaf("float")})}
    overlay = {"Vehicle": {"children": {"Broken": {"type": "sensor", "description": "no datatype"}}}}
    with pytest.raises(CatalogueError) as error:
        Catalogue.from_trees([(base, "base.json"), (overlay, "overlay.json")])
    message = str(error.value)
    assert "Vehicle.Broken" in message
    assert "overlay.json" in message
    assert "base.json" not in message


def test_merge_leaves_its_inputs_alone() -> None:
    base = {"Vehicle": branch({"Speed": leaf("float", max=100)})}
    overlay = {"Vehicle": {"children": {"Speed": {"max": 200}}}}
    merged = merge_trees(base, overlay)
    merged["Vehicle"]["children"]["Speed"]["unit"] = "changed"
    assert base["Vehicle"]["children"]["Speed"]["max"] == 100
    assert "unit" not in base["Vehicle"]["children"]["Speed"]
    assert overlay == {"Vehicle": {"children": {"Speed": {"max": 200}}}}
