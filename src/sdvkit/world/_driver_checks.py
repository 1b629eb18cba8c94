"""Checks the drivers share: specs of finite, positive numbers and steps that go forward in time."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sdvkit.world.errors import DriverError


def check_spec(
    spec: Any,
    *,
    positive: Sequence[str] = (),
    non_negative: Sequence[str] = (),
) -> None:
    """Every float field finite (``inf`` allowed only where a field says so), and the listed signs."""
    for f in fields(spec):
        value = getattr(spec, f.name)
        if isinstance(value, bool) or not isinstance(value, float | int):
            continue
        if math.isnan(value) or (math.isinf(value) and not f.name.endswith("rate_rad_per_s")):
            raise DriverError(f"{type(spec).__name__}.{f.name} = {value!r} is not a finite number")
        if f.name in positive and not value > 0.0:
            raise DriverError(f"{type(spec).__name__}.{f.name} = {value!r} must be positive")
        if f.name in non_negative and not value >= 0.0:
            raise DriverError(f"{type(spec).__name__}.{f.name} = {value!r} must not be negative")


def check_step(time_s: float, last_time_s: float, dt_s: float, **observed: float) -> None:
    if not dt_s > 0.0 or math.isinf(dt_s):
        raise DriverError(f"dt_s = {dt_s!r} must be a positive finite number")
    if not time_s >= last_time_s or math.isinf(time_s):
        raise DriverError(f"time_s = {time_s!r} goes back from {last_time_s!r} or is not finite")
    for name, value in observed.items():
        if not math.isfinite(value):
            raise DriverError(f"{name} = {value!r} is not finite")


# -- speed trace ---------------------------------------------------------------------------------
