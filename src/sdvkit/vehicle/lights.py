"""The exterior-lights plant: the hazard warning lights and the direction indicators.

A small provider on the broker, so that apps can switch these lights and anyone can read back
what they do: it claims the actuators :data:`HAZARD`, :data:`LEFT_INDICATOR` and
:data:`RIGHT_INDICATOR`, carries out every request at once and publishes the resulting state on
the same paths (``IsSignaling``: true while the lamps flash; the flash phase itself is not
modelled). Driver monitoring switches the hazard lights on for a stop in lane; the driver's
indicator stalk (or a test robot) switches the indicators, which lane support reads to tell an
intended lane change from a drift.

The three are independent, as the VSS signals are: the hazard lights flash both indicator lamps,
but ``DirectionIndicator.*.IsSignaling`` keeps reporting the stalk, so a stop in lane with the
hazards on does not read as a signalled lane change. A fuller body plant can take over these
actuators later; it must then publish the same state.
"""

from __future__ import annotations

from typing import Any

from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.vehicle.errors import VehicleInputError

_LIGHTS = "Vehicle.Body.Lights"
HAZARD = f"{_LIGHTS}.Hazard.IsSignaling"
LEFT_INDICATOR = f"{_LIGHTS}.DirectionIndicator.Left.IsSignaling"
RIGHT_INDICATOR = f"{_LIGHTS}.DirectionIndicator.Right.IsSignaling"
LIGHTS_ACTUATORS: tuple[str, ...] = (HAZARD, LEFT_INDICATOR, RIGHT_INDICATOR)
"""Every actuator the lights plant provides; all start off."""


class LightsPlant(VehicleApp):
    """Provides the hazard lights and the direction indicators and reports their state."""

    name = "lights plant"

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name, manifest=Manifest(writes=LIGHTS_ACTUATORS, role=AppRole.PLANT))
        self.lights: dict[str, bool] = dict.fromkeys(LIGHTS_ACTUATORS, False)
        """What each light does now (path → flashing), as last published."""
        self.switch_count = 0
        """How many requests changed a light's state."""

    def on_start(self) -> None:
        self.provide_actuation(list(LIGHTS_ACTUATORS), self._on_actuation)
        self.publish(dict(self.lights))

    def _on_actuation(self, requests: list[tuple[str, Any]]) -> None:
        """Carry out the requests at once and report the new state, all in one publish."""
        changes: dict[str, bool] = {}
        for path, value in requests:
            if not isinstance(value, bool):
                raise VehicleInputError(f"{path} takes true or false, not {value!r}")
            changes[path] = value
        self.switch_count += sum(1 for path, value in changes.items() if self.lights[path] != value)
        self.lights.update(changes)
        self.publish(changes)
