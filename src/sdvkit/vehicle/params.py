"""A vehicle, as data: every parameter the plant needs, grouped by subsystem, with its source.

``VehicleParams`` is what the built-in library (:mod:`sdvkit.vehicle.library`) and the FASTSim
importer (:mod:`sdvkit.vehicle.fastsim_file`) produce, and what :class:`~sdvkit.vehicle.model.VehicleModel`
consumes. ``sources`` maps a parameter's dotted name (``road_load.drag_coefficient``) to where
its value comes from, so an engineer can check any figure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sdvkit.vehicle.battery import BatteryParams
from sdvkit.vehicle.brakes import BrakeParams
from sdvkit.vehicle.climate import ClimateParams
from sdvkit.vehicle.errors import ParameterError
from sdvkit.vehicle.lateral import LateralParams, SteeringParams
from sdvkit.vehicle.powertrain import PowertrainParams
from sdvkit.vehicle.roadload import RoadLoadParams

SUBSYSTEMS = ("road_load", "powertrain", "battery", "brakes", "steering", "lateral", "climate")


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleParams:
    """One simulated vehicle."""

    name: str
    description: str
    road_load: RoadLoadParams
    powertrain: PowertrainParams
    battery: BatteryParams
    brakes: BrakeParams = field(default_factory=BrakeParams)
    steering: SteeringParams = field(default_factory=SteeringParams)
    lateral: LateralParams = field(default_factory=LateralParams)
    climate: ClimateParams = field(default_factory=ClimateParams)
    sources: Mapping[str, str] = field(default_factory=dict)
    """Parameter (``subsystem.field``) → where the value comes from."""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ParameterError("name", self.name, "must not be empty")
        for key in self.sources:
            subsystem, _, field_name = key.partition(".")
            if subsystem not in SUBSYSTEMS:
                raise ParameterError(
                    f"sources[{key!r}]", key, f"names no subsystem; known: {', '.join(SUBSYSTEMS)}"
                )
            group = getattr(self, subsystem)
            if field_name not in {f.name for f in dataclasses.fields(group)}:
                raise ParameterError(f"sources[{key!r}]", key, f"{subsystem} has no parameter {field_name!r}")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    def source_of(self, parameter: str) -> str:
        """Where a parameter's value comes from; ``"sdvkit default"`` for the defaults."""
        return self.sources.get(parameter, "sdvkit default (typical value, see the class docs)")

    def replace(self, **changes: Any) -> VehicleParams:
        """A copy with some subsystems or fields replaced."""
        return dataclasses.replace(self, **changes)

    def parameter_table(self) -> list[tuple[str, object, str]]:
        """``(parameter, value, source)`` for every scalar parameter, for docs and ``--list``."""
        rows: list[tuple[str, object, str]] = []
        for subsystem in SUBSYSTEMS:
            group = getattr(self, subsystem)
            for group_field in dataclasses.fields(group):
                name = f"{subsystem}.{group_field.name}"
                value = getattr(group, group_field.name)
                if isinstance(value, int | float | str | bool):
                    rows.append((name, value, self.source_of(name)))
        return rows
