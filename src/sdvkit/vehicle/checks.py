"""The parameter checks every vehicle subsystem uses; each failure is a ParameterError naming the
parameter, its value and the rule it breaks."""

from __future__ import annotations

import math

from sdvkit.vehicle.errors import ParameterError


def number(name: str, value: object) -> float:
    """``value`` as a float; a bool, a non-number, NaN or infinity is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(name, value, "must be a number")
    if not math.isfinite(value):
        raise ParameterError(name, value, "must be finite")
    return float(value)


def positive(name: str, value: object) -> float:
    checked = number(name, value)
    if checked <= 0.0:
        raise ParameterError(name, value, "must be above zero")
    return checked


def non_negative(name: str, value: object) -> float:
    checked = number(name, value)
    if checked < 0.0:
        raise ParameterError(name, value, "must be zero or above")
    return checked


def in_range(
    name: str, value: object, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> float:
    """``value`` within ``[low, high]``; ``low_open``/``high_open`` exclude an end."""
    checked = number(name, value)
    below = checked <= low if low_open else checked < low
    above = checked >= high if high_open else checked > high
    if below or above:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ParameterError(name, value, f"must be in {interval}")
    return checked
