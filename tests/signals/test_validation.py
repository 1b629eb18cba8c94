"""Value checks: every datatype family, min/max, allowed, pattern, arrays, NaN."""

from __future__ import annotations

import math
from typing import Any

import pytest
from tests.conftest import branch, leaf

from sdvkit.signals import Catalogue, CatalogueError, DataType, NodeSpec, ValidationError
from sdvkit.signals.validation import compile_check


def node(datatype: str, **fields: Any) -> NodeSpec:
    """The one leaf ``Vehicle.X`` of a catalogue built for the test."""
    catalogue = Catalogue.from_tree({"Vehicle": branch({"X": leaf(datatype, **fields)})})
    return catalogue["Vehicle.X"]


def rule_of(spec: NodeSpec, value: Any) -> str:
    with pytest.raises(ValidationError) as info:
        spec.validate(value)
    assert info.value.path == spec.path
    assert str(info.value).startswith(f"{spec.path}: ")
    assert f"(rule: {info.value.rule})" in str(info.value)
    return info.value.rule


# -- booleans -----------------------------------------------------------------------------------


def test_boolean_accepts_bools() -> None:
    spec = node("boolean")
    assert spec.validate(True) is True
    assert spec.validate(False) is False


@pytest.mark.parametrize("value", [1, 0, 1.0, "true", None, [True]])
def test_boolean_refuses_other_types(value: Any) -> None:
    assert rule_of(node("boolean"), value) == "datatype"


# -- integers -----------------------------------------------------------------------------------

INT_RANGES = [
    ("int8", -128, 127),
    ("int16", -32768, 32767),
    ("int32", -(2**31), 2**31 - 1),
    ("int64", -(2**63), 2**63 - 1),
    ("uint8", 0, 255),
    ("uint16", 0, 65535),
    ("uint32", 0, 2**32 - 1),
    ("uint64", 0, 2**64 - 1),
]


@pytest.mark.parametrize(("datatype", "low", "high"), INT_RANGES)
def test_integer_type_range(datatype: str, low: int, high: int) -> None:
    spec = node(datatype)
    assert spec.validate(low) == low
    assert spec.validate(high) == high
    assert rule_of(spec, low - 1) == "datatype"
    assert rule_of(spec, high + 1) == "datatype"


def test_int8_refuses_128_and_uint8_refuses_minus_one() -> None:
    with pytest.raises(ValidationError, match=r"Vehicle\.X: 128 does not fit int8"):
        node("int8").validate(128)
    with pytest.raises(ValidationError, match=r"Vehicle\.X: -1 does not fit uint8"):
        node("uint8").validate(-1)


@pytest.mark.parametrize("datatype", ["int8", "uint16", "int64", "uint64"])
@pytest.mark.parametrize("value", [1.0, 2.5, True, False, "3", None])
def test_integer_refuses_floats_bools_and_strings(datatype: str, value: Any) -> None:
    assert rule_of(node(datatype), value) == "datatype"


def test_integer_value_is_kept() -> None:
    value = node("int32").validate(-5)
    assert value == -5
    assert type(value) is int


def test_integer_min_max() -> None:
    spec = node("int8", min=-1, max=8)
    assert spec.validate(-1) == -1
    assert spec.validate(8) == 8
    assert rule_of(spec, -2) == "min"
    assert rule_of(spec, 9) == "max"
    with pytest.raises(ValidationError, match=r"^Vehicle\.X: 9 is above the maximum 8"):
        spec.validate(9)
    with pytest.raises(ValidationError, match=r"^Vehicle\.X: -2 is below the minimum -1"):
        spec.validate(-2)


def test_integer_min_max_wider_than_the_type_is_a_catalogue_error() -> None:
    # a bound the datatype cannot hold is a mistake in the catalogue, named at load time
    with pytest.raises(CatalogueError, match=r"Vehicle\.X: min -10 is outside the range of uint8"):
        node("uint8", min=-10, max=200)
    with pytest.raises(CatalogueError, match=r"max 1000 is outside the range of uint8"):
        node("uint8", min=0, max=1000)


def test_integer_fractional_bounds() -> None:
    spec = node("int16", min=-1.5, max=2.5)
    assert spec.validate(-1) == -1
    assert spec.validate(2) == 2
    assert rule_of(spec, -2) == "min"
    assert rule_of(spec, 3) == "max"


def test_integer_allowed() -> None:
    spec = node("uint8", allowed=[1, 2, 4])
    assert spec.validate(4) == 4
    assert rule_of(spec, 3) == "allowed"
    assert rule_of(spec, True) == "datatype"  # True == 1 but is not an integer value


# -- floats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("datatype", ["float", "double"])
def test_float_accepts_ints_as_floats(datatype: str) -> None:
    spec = node(datatype)
    value = spec.validate(3)
    assert value == 3.0
    assert type(value) is float
    assert spec.validate(-2.25) == -2.25


@pytest.mark.parametrize("datatype", ["float", "double"])
@pytest.mark.parametrize("value", ["1.5", True, False, None, [1.0], b"1"])
def test_float_refuses_strings_and_bools(datatype: str, value: Any) -> None:
    assert rule_of(node(datatype), value) == "datatype"


def test_float_refuses_an_int_too_large_for_a_float() -> None:
    assert rule_of(node("double"), 10**400) == "datatype"


def test_float_min_max() -> None:
    spec = node("float", min=0, max=250)
    assert spec.validate(0) == 0.0
    assert spec.validate(250.0) == 250.0
    assert rule_of(spec, -0.1) == "min"
    assert rule_of(spec, 250.5) == "max"
    assert rule_of(spec, 251) == "max"
    assert rule_of(spec, math.inf) == "max"
    assert rule_of(spec, -math.inf) == "min"


def test_float_only_min() -> None:
    spec = node("float", min=0)
    assert spec.validate(1e30) == 1e30
    assert rule_of(spec, -1) == "min"


def test_float_allowed() -> None:
    spec = node("float", allowed=[0.5, 1, 2.5])
    assert spec.validate(1) == 1.0
    assert spec.validate(2.5) == 2.5
    assert rule_of(spec, 2.0) == "allowed"


def test_nan_against_bounds() -> None:
    bounded = node("float", min=0, max=100)
    assert rule_of(bounded, math.nan) in {"min", "max"}
    only_max = node("double", max=100)
    assert rule_of(only_max, math.nan) in {"min", "max"}
    # without bounds NaN is a float like any other
    assert math.isnan(node("float").validate(math.nan))


def test_nan_in_an_array_against_bounds() -> None:
    spec = node("float[]", min=0, max=5)
    assert rule_of(spec, [1.0, math.nan]) in {"min", "max"}


# -- strings ------------------------------------------------------------------------------------


def test_string() -> None:
    spec = node("string")
    assert spec.validate("") == ""
    assert spec.validate("hello") == "hello"
    for value in (1, 1.5, True, None, b"bytes", ["a"]):
        assert rule_of(spec, value) == "datatype"


def test_string_allowed() -> None:
    spec = node("string", allowed=["ECO", "NORMAL", "SPORT"])
    assert spec.validate("SPORT") == "SPORT"
    assert rule_of(spec, "sport") == "allowed"
    with pytest.raises(ValidationError, match=r"^Vehicle\.X: 'RACE' is not one of the allowed values"):
        spec.validate("RACE")


def test_string_pattern() -> None:
    spec = node("string", pattern="^[0-9A-HJ-NPR-Z]{17}$")
    assert spec.validate("WVWZZZ1JZXW000001") == "WVWZZZ1JZXW000001"
    assert rule_of(spec, "WVWZZZ1JZXW00000") == "pattern"  # 16 characters
    assert rule_of(spec, "WVWZZZ1JZXW00000O") == "pattern"  # O is not allowed
    with pytest.raises(ValidationError, match=r"^Vehicle\.X: 'short' does not match"):
        spec.validate("short")


def test_pattern_and_allowed_together() -> None:
    spec = node("string", allowed=["AB", "CD"], pattern="^[A-Z]+$")
    assert spec.validate("CD") == "CD"
    assert rule_of(spec, "EF") == "allowed"


# -- arrays -------------------------------------------------------------------------------------


def test_array_list_becomes_tuple() -> None:
    spec = node("float[]")
    value = spec.validate([1, 2.5])
    assert value == (1.0, 2.5)
    assert type(value) is tuple
    assert all(type(item) is float for item in value)
    assert spec.validate(()) == ()
    assert spec.validate((3.0,)) == (3.0,)


@pytest.mark.parametrize("value", [1.0, "1.0", None, {1.0}, {"a": 1.0}, True])
def test_array_refuses_non_lists(value: Any) -> None:
    assert rule_of(node("float[]"), value) == "datatype"


def test_string_array_refuses_a_string() -> None:
    spec = node("string[]")
    assert spec.validate(["a", "b"]) == ("a", "b")
    assert rule_of(spec, "ab") == "datatype"


def test_array_element_type() -> None:
    assert rule_of(node("boolean[]"), [True, 1]) == "datatype"
    assert rule_of(node("uint8[]"), [1, 256]) == "datatype"
    assert rule_of(node("uint8[]"), [1, -1]) == "datatype"
    assert rule_of(node("int16[]"), [1, 2.0]) == "datatype"
    assert rule_of(node("string[]"), ["a", 1]) == "datatype"
    assert rule_of(node("float[]"), [1.0, "2"]) == "datatype"
    assert node("uint8[]").validate((2, 3)) == (2, 3)


def test_array_element_bounds() -> None:
    spec = node("float[]", min=0, max=5)
    assert spec.validate([0, 4.2, 5]) == (0.0, 4.2, 5.0)
    assert rule_of(spec, [4.2, 5.1]) == "max"
    assert rule_of(spec, [-0.1, 4.2]) == "min"
    int_spec = node("uint16[]", max=10)
    assert rule_of(int_spec, [1, 11]) == "max"


def test_array_element_allowed() -> None:
    spec = node("string[]", allowed=["ANDROID_AUTO", "APPLE_CARPLAY"])
    assert spec.validate(["APPLE_CARPLAY", "ANDROID_AUTO"]) == ("APPLE_CARPLAY", "ANDROID_AUTO")
    assert rule_of(spec, ["APPLE_CARPLAY", "OTHER"]) == "allowed"


def test_array_element_pattern() -> None:
    spec = node("string[]", pattern="^[a-z]+$")
    assert spec.validate(["ab", "cd"]) == ("ab", "cd")
    assert rule_of(spec, ["ab", "CD"]) == "pattern"


# -- the check itself ---------------------------------------------------------------------------


def test_branch_holds_no_value() -> None:
    catalogue = Catalogue.from_tree({"Vehicle": branch({"X": leaf("float")})})
    with pytest.raises(ValidationError) as info:
        catalogue["Vehicle"].validate(1.0)
    assert info.value.rule == "datatype"


def test_compile_check_directly() -> None:
    check = compile_check(path="A.B", datatype=DataType.INT8_ARRAY, minimum=0, maximum=3)
    assert check([0, 3]) == (0, 3)
    with pytest.raises(ValidationError) as info:
        check([4])
    assert (info.value.path, info.value.rule) == ("A.B", "max")


def test_validation_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"Vehicle\.X"):
        node("uint8").validate(-1)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ValidationError) as info:
        node("boolean").validate("x" * 500)
    assert len(str(info.value)) < 200
    assert "(str)" in str(info.value)


def test_float_refuses_finite_values_a_32_bit_float_cannot_hold() -> None:
    spec = node("float")
    assert rule_of(spec, 1e300) == "datatype"
    assert spec.validate(3.0e38) == 3.0e38
    assert math.isinf(spec.validate(math.inf))
    assert math.isnan(spec.validate(math.nan))
    assert node("double").validate(1e300) == 1e300
