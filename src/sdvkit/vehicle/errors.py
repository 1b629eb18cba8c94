"""Errors of :mod:`sdvkit.vehicle`.

One hierarchy::

    VehicleError
    ├── ParameterError       a parameter is negative, out of its physical range, or inconsistent;
    │                        the message names the parameter, its value and the rule
    ├── VehicleInputError    a step was given an impossible input (a NaN speed, a zero time step,
    │                        a friction coefficient of 3): names the input and its value
    ├── UnknownVehicleError  no built-in vehicle of that name (lists the known ones)
    └── VehicleFileError     a vehicle file (FASTSim YAML/JSON) cannot be read or describes
                             something sdvkit cannot simulate; names the file and the field
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class VehicleError(Exception):
    """Base of every error raised by :mod:`sdvkit.vehicle`."""


class ParameterError(VehicleError, ValueError):
    """A vehicle parameter is impossible; names the parameter, its value and the rule it breaks."""

    def __init__(self, name: str, value: object, rule: str) -> None:
        self.name = name
        self.value = value
        self.rule = rule
        super().__init__(f"vehicle parameter {name} = {value!r}: {rule}")


class VehicleInputError(VehicleError, ValueError):
    """A model's step was given an impossible input; the message names it and its value."""


class UnknownVehicleError(VehicleError, LookupError):
    """No built-in vehicle has this name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(f"unknown vehicle {name!r}; known vehicles: {', '.join(self.known)}")


class VehicleFileError(VehicleError, ValueError):
    """A vehicle file cannot be read or describes something sdvkit cannot simulate."""

    def __init__(self, path: Path | str, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(f"{self.path}: {detail}")
