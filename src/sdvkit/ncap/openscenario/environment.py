"""The environment a scenario sets in ``Init``: day or night, and the road's friction.

Day or night comes from the sun's illuminance (below 1,000 lx is night: the Euro NCAP "Night"
environment uses 0.1 lx), or, without one, from the sun's elevation (below the horizon is
night). ``RoadCondition``'s ``frictionScaleFactor`` scales the road friction. Fog that limits
visibility below 1 km and any precipitation are refused: the bench's sensors do not model them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sdvkit.ncap.openscenario.catalogs import Catalogs
from sdvkit.ncap.openscenario.parameters import Scope
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported
from sdvkit.ncap.scenario import Lighting

__all__ = ["Environment", "read_environment"]

NIGHT_BELOW_LX = 1000.0
"""Sun illuminance below which the scene is night."""


@dataclass(frozen=True, slots=True)
class Environment:
    lighting: Lighting = Lighting.DAY
    road_friction: float = 1.0


def read_environment(action: Node, scope: Scope, catalogs: Catalogs) -> Environment:
    """The environment of an ``<EnvironmentAction>`` (inline or from a catalog)."""
    definition = action.choice(("Environment", "CatalogReference"))
    if definition.tag == "CatalogReference":
        entry = catalogs.resolve(definition, scope, expected=("Environment",))
        definition, scope = entry.node, entry.scope
    lighting = Lighting.DAY
    friction = 1.0
    weather = definition.child("Weather")
    if weather is not None:
        sun = weather.child("Sun")
        if sun is not None:
            illuminance = scope.optional_number(sun, "illuminance")
            if illuminance is None:
                illuminance = scope.optional_number(sun, "intensity")
            if illuminance is not None:
                lighting = Lighting.NIGHT if illuminance < NIGHT_BELOW_LX else Lighting.DAY
            elif scope.number(sun, "elevation", 1.0) < 0.0:
                lighting = Lighting.NIGHT
        fog = weather.child("Fog")
        if fog is not None and scope.number(fog, "visualRange") < 1000.0:
            raise unsupported(fog, "fog is not modelled by the bench's sensors")
        rain = weather.child("Precipitation")
        if rain is not None:
            kind = scope.text(rain, "precipitationType", scope.text(rain, "type", "dry"))
            if (
                kind != "dry"
                and scope.number(rain, "precipitationIntensity", scope.number(rain, "intensity", 1.0)) > 0
            ):
                raise unsupported(rain, "precipitation is not modelled by the bench's sensors")
    road = definition.child("RoadCondition")
    if road is not None:
        friction = scope.number(road, "frictionScaleFactor")
        if not 0.0 < friction <= 2.0:
            raise malformed(road, f"frictionScaleFactor={friction:g} must be within 0…2")
    return Environment(lighting=lighting, road_friction=friction)
