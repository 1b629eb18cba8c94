"""Compile a node's catalogue rules into one fast value check.

A check takes a value and returns it normalised (an ``int`` becomes a ``float``
for a float signal, a list becomes a tuple for an array) or raises
:class:`~sdvkit.signals.errors.ValidationError` naming the path and the rule.
The happy path is a few comparisons, so the broker can afford it on every update.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from sdvkit.signals.datatypes import DataType
from sdvkit.signals.errors import ValidationError

Check = Callable[[Any], Any]

FLOAT32_MAX = 3.4028234663852886e38
"""The largest finite value of a VSS ``float`` (IEEE 754 single precision)."""


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def compile_check(
    *,
    path: str,
    datatype: DataType,
    minimum: float | None = None,
    maximum: float | None = None,
    allowed: tuple[Any, ...] | None = None,
    pattern: str | None = None,
) -> Check:
    """Return the check for one signal's values."""
    element = _compile_element(
        path=path,
        datatype=datatype.element,
        minimum=minimum,
        maximum=maximum,
        allowed=allowed,
        pattern=pattern,
    )
    if not datatype.is_array:
        return element

    def check_array(value: Any) -> Any:
        if type(value) is not tuple:
            if not isinstance(value, (list, tuple)):
                raise ValidationError(
                    path, "datatype", f"expected {datatype.vss_name}, got {_describe(value)}"
                )
            value = tuple(value)
        return tuple([element(item) for item in value])

    return check_array


def _compile_element(
    *,
    path: str,
    datatype: DataType,
    minimum: float | None,
    maximum: float | None,
    allowed: tuple[Any, ...] | None,
    pattern: str | None,
) -> Check:
    base = datatype.base
    name = datatype.vss_name
    allowed_set = frozenset(allowed) if allowed is not None else None

    def wrong_type(value: Any) -> ValidationError:
        return ValidationError(path, "datatype", f"expected {name}, got {_describe(value)}")

    def not_allowed(value: Any) -> ValidationError:
        options = ", ".join(repr(item) for item in (allowed or ()))
        return ValidationError(path, "allowed", f"{value!r} is not one of the allowed values [{options}]")

    if base is bool:

        def check_bool(value: Any) -> Any:
            if type(value) is not bool:
                raise wrong_type(value)
            return value

        return check_bool

    if base is str:
        regex = re.compile(pattern) if pattern else None

        def check_string(value: Any) -> Any:
            if type(value) is not str:
                raise wrong_type(value)
            if allowed_set is not None and value not in allowed_set:
                raise not_allowed(value)
            if regex is not None and regex.search(value) is None:
                raise ValidationError(path, "pattern", f"{value!r} does not match {pattern!r}")
            return value

        return check_string

    if base is int:
        type_range = datatype.integer_range
        assert type_range is not None
        low = type_range[0] if minimum is None else max(type_range[0], math.ceil(minimum))
        high = type_range[1] if maximum is None else min(type_range[1], math.floor(maximum))

        def out_of_range(value: int) -> ValidationError:
            if minimum is not None and value < minimum:
                return ValidationError(path, "min", f"{value} is below the minimum {minimum}")
            if maximum is not None and value > maximum:
                return ValidationError(path, "max", f"{value} is above the maximum {maximum}")
            return ValidationError(
                path, "datatype", f"{value} does not fit {name} [{type_range[0]}, {type_range[1]}]"
            )

        def check_int(value: Any) -> Any:
            if type(value) is not int:
                raise wrong_type(value)
            if not low <= value <= high:
                raise out_of_range(value)
            if allowed_set is not None and value not in allowed_set:
                raise not_allowed(value)
            return value

        return check_int

    # float and double
    low_f = -math.inf if minimum is None else float(minimum)
    high_f = math.inf if maximum is None else float(maximum)
    bounded = minimum is not None or maximum is not None
    bounds_fit_float32 = bounded and low_f >= -FLOAT32_MAX and high_f <= FLOAT32_MAX
    single = datatype is DataType.FLOAT and not bounds_fit_float32

    def float_out_of_range(value: float) -> ValidationError:
        if math.isnan(value):
            return ValidationError(path, "min", f"NaN is outside [{minimum}, {maximum}]")
        if value < low_f:
            return ValidationError(path, "min", f"{value} is below the minimum {minimum}")
        return ValidationError(path, "max", f"{value} is above the maximum {maximum}")

    def check_float(value: Any) -> Any:
        kind = type(value)
        if kind is not float:
            if kind is not int:
                raise wrong_type(value)
            try:
                value = float(value)
            except OverflowError:
                raise ValidationError(path, "datatype", f"integer too large for {name}") from None
        if bounded and not low_f <= value <= high_f:
            raise float_out_of_range(value)
        if single and not -FLOAT32_MAX <= value <= FLOAT32_MAX and math.isfinite(value):
            raise ValidationError(path, "datatype", f"{value} does not fit a 32-bit float")
        if allowed_set is not None and value not in allowed_set:
            raise not_allowed(value)
        return value

    return check_float
