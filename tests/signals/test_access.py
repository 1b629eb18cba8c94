"""Access scopes: parsing KUKSA scope claims, what a scope covers, implied reads, expiry."""

from __future__ import annotations

import pytest

from sdvkit.signals import ALLOW_ALL, Action, Permissions, Scope, ScopeError, SignalError
from sdvkit.signals.access import parse_scope

# -- parsing ------------------------------------------------------------------------------------


def test_parse_action_without_path() -> None:
    assert parse_scope("read") == Scope(action=Action.READ)
    assert parse_scope("actuate") == Scope(action=Action.ACTUATE)
    assert parse_scope("provide") == Scope(action=Action.PROVIDE)
    assert parse_scope("create") == Scope(action=Action.CREATE)


def test_parse_action_with_path() -> None:
    assert parse_scope("read:Vehicle.Speed") == Scope(action=Action.READ, path="Vehicle.Speed")
    assert parse_scope("provide:Vehicle") == Scope(action=Action.PROVIDE, path="Vehicle")


def test_parse_path_with_digits() -> None:
    # the databroker's regex allows only the digits 0 and 1; VSS names allow any digit
    scope = parse_scope("actuate:Vehicle.Cabin.Seat.Row2")
    assert scope == Scope(action=Action.ACTUATE, path="Vehicle.Cabin.Seat.Row2")
    assert parse_scope("read:Vehicle.Cabin.Seat.Row9.Pos_3").path == "Vehicle.Cabin.Seat.Row9.Pos_3"
    permissions = Permissions.parse("actuate:Vehicle.Cabin.Seat.Row2")
    assert permissions.can_actuate("Vehicle.Cabin.Seat.Row2.DriverSide.Position")
    assert not permissions.can_actuate("Vehicle.Cabin.Seat.Row1.DriverSide.Position")


def test_parse_wildcard_path() -> None:
    assert parse_scope("read:Vehicle.*.IsOpen").path == "Vehicle.*.IsOpen"
    assert parse_scope("read:*").path == "*"


def test_scope_str() -> None:
    assert str(parse_scope("read")) == "read"
    assert str(parse_scope("actuate:Vehicle.Cabin.Seat.Row2")) == "actuate:Vehicle.Cabin.Seat.Row2"


@pytest.mark.parametrize("text", ["write", "READ", "get:Vehicle.Speed", "", " read", "read_all:Vehicle"])
def test_unknown_action(text: str) -> None:
    with pytest.raises(ScopeError, match="unknown action"):
        parse_scope(text)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "Vehicle.",
        ".Vehicle",
        "Vehicle..Speed",
        "Vehicle.Speed:x",
        "Vehicle.**",
        "Vehicle.Sp*",
        "Vehicle-Speed",
        "Vehicle/Speed",
        "Vehicle.Spéed",
    ],
)
def test_malformed_path(path: str) -> None:
    with pytest.raises(ScopeError, match="invalid path"):
        parse_scope(f"read:{path}")


def test_scope_error_family() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        parse_scope("write")
    with pytest.raises(SignalError):
        parse_scope("write")


def test_parse_claim() -> None:
    permissions = Permissions.parse("read:Vehicle.ADAS actuate:Vehicle.ADAS  provide:Vehicle.Speed")
    assert permissions.scopes == (
        Scope(action=Action.READ, path="Vehicle.ADAS"),
        Scope(action=Action.ACTUATE, path="Vehicle.ADAS"),
        Scope(action=Action.PROVIDE, path="Vehicle.Speed"),
    )
    assert "Vehicle.ADAS" in repr(permissions)


@pytest.mark.parametrize("claim", ["", "   ", "\t\n"])
def test_empty_claim(claim: str) -> None:
    with pytest.raises(ScopeError, match="empty"):
        Permissions.parse(claim)


def test_one_bad_item_rejects_the_claim() -> None:
    with pytest.raises(ScopeError, match="write"):
        Permissions.parse("read:Vehicle.Speed write:Vehicle.Speed")
    with pytest.raises(ScopeError, match="invalid path"):
        Permissions.parse("read:Vehicle.Speed read:Vehicle..Speed")


# -- what a scope covers ------------------------------------------------------------------------


def test_no_path_covers_everything() -> None:
    permissions = Permissions.parse("read")
    assert permissions.can_read("Vehicle.Speed")
    assert permissions.can_read("Vehicle.Cabin.Seat.Row2.DriverSide.Position")
    assert permissions.can_read("Anything")


def test_leaf_scope() -> None:
    permissions = Permissions.parse("read:Vehicle.Speed")
    assert permissions.can_read("Vehicle.Speed")
    assert not permissions.can_read("Vehicle.TraveledDistance")
    # by segment, not by string prefix
    assert not permissions.can_read("Vehicle.SpeedLimit")
    assert not permissions.can_read("Vehicle")


def test_branch_scope_covers_everything_below() -> None:
    permissions = Permissions.parse("read:Vehicle.Cabin")
    assert permissions.can_read("Vehicle.Cabin")
    assert permissions.can_read("Vehicle.Cabin.DoorCount")
    assert permissions.can_read("Vehicle.Cabin.Seat.Row1.DriverSide.Position")
    assert not permissions.can_read("Vehicle.CabinX.DoorCount")
    assert not permissions.can_read("Vehicle.Speed")
    assert not permissions.can_read("Vehicle")


def test_star_matches_exactly_one_level() -> None:
    permissions = Permissions.parse("read:Vehicle.*.IsOpen")
    assert permissions.can_read("Vehicle.Trunk.IsOpen")
    assert permissions.can_read("Vehicle.Sunroof.IsOpen")
    assert not permissions.can_read("Vehicle.Body.Trunk.IsOpen")
    assert not permissions.can_read("Vehicle.IsOpen")
    assert not permissions.can_read("Vehicle.Trunk.IsLocked")


def test_star_in_a_branch_scope() -> None:
    permissions = Permissions.parse("provide:Vehicle.Body.Windshield.*.Wiping")
    assert permissions.can_provide("Vehicle.Body.Windshield.Front.Wiping.Mode")
    assert permissions.can_provide("Vehicle.Body.Windshield.Rear.Wiping.System.Mode")
    assert not permissions.can_provide("Vehicle.Body.Windshield.Front.IsHeatingOn")


def test_trailing_star() -> None:
    permissions = Permissions.parse("read:Vehicle.*")
    assert permissions.can_read("Vehicle.Speed")
    assert permissions.can_read("Vehicle.Cabin.DoorCount")
    assert not permissions.can_read("Vehicle")


def test_several_scopes_add_up() -> None:
    permissions = Permissions.parse("read:Vehicle.Speed read:Vehicle.Cabin")
    assert permissions.can_read("Vehicle.Speed")
    assert permissions.can_read("Vehicle.Cabin.DoorCount")
    assert not permissions.can_read("Vehicle.Powertrain.Range")


# -- actions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["actuate", "provide", "create"])
def test_write_scopes_imply_read(action: str) -> None:
    permissions = Permissions.parse(f"{action}:Vehicle.Cabin")
    assert permissions.can_read("Vehicle.Cabin.DoorCount")
    assert permissions.allows(Action.READ, "Vehicle.Cabin.DoorCount")
    assert not permissions.can_read("Vehicle.Speed")


def test_write_scopes_do_not_imply_each_other() -> None:
    actuate = Permissions.parse("actuate")
    assert actuate.can_actuate("Vehicle.Cabin.Seat.Row2.DriverSide.Position")
    assert not actuate.can_provide("Vehicle.Speed")
    assert not actuate.can_create("Vehicle.Speed")

    provide = Permissions.parse("provide")
    assert provide.can_provide("Vehicle.Speed")
    assert not provide.can_actuate("Vehicle.Cabin.Seat.Row2.DriverSide.Position")
    assert not provide.can_create("Vehicle.Speed")

    create = Permissions.parse("create")
    assert create.can_create("Vehicle.Private.X")
    assert not create.can_actuate("Vehicle.Private.X")
    assert not create.can_provide("Vehicle.Private.X")


def test_read_implies_nothing_else() -> None:
    read = Permissions.parse("read")
    assert read.can_read("Vehicle.Speed")
    assert not read.can_actuate("Vehicle.Speed")
    assert not read.can_provide("Vehicle.Speed")
    assert not read.can_create("Vehicle.Speed")


def test_action_and_path_combine() -> None:
    permissions = Permissions.parse("read actuate:Vehicle.Cabin provide:Vehicle.Speed")
    assert permissions.can_read("Vehicle.Powertrain.Range")
    assert permissions.can_actuate("Vehicle.Cabin.Seat.Row1.DriverSide.Position")
    assert not permissions.can_actuate("Vehicle.Body.Trunk.IsOpen")
    assert permissions.can_provide("Vehicle.Speed")
    assert not permissions.can_provide("Vehicle.Cabin.DoorCount")


def test_answers_are_stable() -> None:
    # decisions are memoised: asking twice gives the same answer, and one path does not leak to another
    permissions = Permissions.parse("provide:Vehicle.Speed")
    for _ in range(2):
        assert permissions.can_provide("Vehicle.Speed")
        assert not permissions.can_provide("Vehicle.Gear")
        assert not permissions.can_actuate("Vehicle.Speed")


def test_allow_all() -> None:
    for action in Action:
        assert ALLOW_ALL.allows(action, "Vehicle.Speed")
        assert Permissions.allow_all().allows(action, "Vehicle.Cabin.Seat.Row2.DriverSide.Position")
    assert not ALLOW_ALL.is_expired(1e12)


def test_no_scopes_allow_nothing() -> None:
    nothing = Permissions([])
    for action in Action:
        assert not nothing.allows(action, "Vehicle.Speed")


# -- expiry -------------------------------------------------------------------------------------


def test_expiry() -> None:
    permissions = Permissions.parse("read", expires_at_s=1000.0)
    assert permissions.expires_at_s == 1000.0
    assert not permissions.is_expired(999.9)
    assert permissions.is_expired(1000.0)
    assert permissions.is_expired(1000.1)


def test_no_expiry() -> None:
    permissions = Permissions.parse("read")
    assert permissions.expires_at_s is None
    assert not permissions.is_expired(0)
    assert not permissions.is_expired(1e15)
