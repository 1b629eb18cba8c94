"""Piecewise-linear lookup tables, the form every map of the plant takes (efficiency, OCV, pedal)."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from sdvkit.vehicle.errors import ParameterError


@dataclass(frozen=True, kw_only=True, slots=True)
class LookupTable:
    """``y(x)`` by linear interpolation between breakpoints, clamped to the end values outside them.

    ``name`` is the parameter the table belongs to, so an error names it.
    """

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ParameterError(
                self.name,
                f"{len(self.x)} breakpoints, {len(self.y)} values",
                "needs one value per breakpoint",
            )
        if len(self.x) < 1:
            raise ParameterError(self.name, self.x, "needs at least one breakpoint")
        for index, (x_value, y_value) in enumerate(zip(self.x, self.y, strict=True)):
            if not (math.isfinite(x_value) and math.isfinite(y_value)):
                raise ParameterError(self.name, (x_value, y_value), f"point {index} is not finite")
        for index in range(1, len(self.x)):
            if self.x[index] <= self.x[index - 1]:
                raise ParameterError(
                    self.name, self.x[index], f"breakpoint {index} is not above the one before it"
                )

    @classmethod
    def constant(cls, name: str, value: float) -> LookupTable:
        return cls(name=name, x=(0.0,), y=(value,))

    def __call__(self, x_value: float) -> float:
        xs = self.x
        if x_value <= xs[0]:
            return self.y[0]
        if x_value >= xs[-1]:
            return self.y[-1]
        upper = bisect_right(xs, x_value)
        x0 = xs[upper - 1]
        y0 = self.y[upper - 1]
        return y0 + (self.y[upper] - y0) * (x_value - x0) / (xs[upper] - x0)

    def check_range(self, low: float, high: float, rule: str) -> None:
        """Raise :class:`ParameterError` if any value falls outside ``[low, high]``."""
        for index, value in enumerate(self.y):
            if not low <= value <= high:
                raise ParameterError(self.name, value, f"value {index} {rule}")
