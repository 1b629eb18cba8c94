"""Entities: what each ``ScenarioObject`` is, and where it is at one instant of a run.

OpenSCENARIO places an entity by its reference point (a vehicle's rear axle centre); the world
places boxes by their centre. :class:`EntityModel` keeps the offset between the two (the
bounding box centre in the entity frame), :class:`EntityState` keeps both poses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sdvkit.ncap.openscenario.parameters import Scope
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported
from sdvkit.world.actors import ActorKind, ActorSpec
from sdvkit.world.collision import OrientedBox, distance_between
from sdvkit.world.errors import WorldError
from sdvkit.world.geometry import Pose

__all__ = ["EntityModel", "EntityState", "read_entity"]

_VEHICLE_KINDS = {
    "car": ActorKind.CAR,
    "van": ActorKind.CAR,
    "truck": ActorKind.CAR,
    "bus": ActorKind.CAR,
    "trailer": ActorKind.CAR,
    "semitrailer": ActorKind.CAR,
    "tram": ActorKind.CAR,
    "train": ActorKind.CAR,
    "bicycle": ActorKind.CYCLIST,
    "motorbike": ActorKind.CYCLIST,
}
"""Vehicle categories as actor kinds; the world has no motorcycle kind, so a motorbike (the Euro
NCAP powered two-wheeler target) is a two-wheeler like the cyclist."""


@dataclass(frozen=True, slots=True)
class EntityModel:
    """An entity: its name in the document, its box, and where the box centre sits relative to
    the reference point (``center_x_m`` forward, ``center_y_m`` left)."""

    name: str
    spec: ActorSpec
    center_x_m: float
    center_y_m: float
    category: str
    """``vehicle``, ``pedestrian`` or ``miscellaneous`` (CollisionCondition's object types)."""
    node: Node

    def center(self, reference: Pose) -> Pose:
        """The box centre pose for a reference-point pose."""
        c, s = math.cos(reference.heading_rad), math.sin(reference.heading_rad)
        return Pose(
            reference.x_m + self.center_x_m * c - self.center_y_m * s,
            reference.y_m + self.center_x_m * s + self.center_y_m * c,
            reference.heading_rad,
        )

    def reference(self, center: Pose) -> Pose:
        """The reference-point pose for a box centre pose."""
        c, s = math.cos(center.heading_rad), math.sin(center.heading_rad)
        return Pose(
            center.x_m - self.center_x_m * c + self.center_y_m * s,
            center.y_m - self.center_x_m * s - self.center_y_m * c,
            center.heading_rad,
        )


def read_entity(definition: Node, scope: Scope, name: str, actor_id: str) -> EntityModel:
    """An entity from its ``<Vehicle>``, ``<Pedestrian>`` or ``<MiscObject>`` element."""
    if definition.tag == "Vehicle":
        category = scope.text(definition, "vehicleCategory")
        kind = _VEHICLE_KINDS.get(category)
        if kind is None:
            raise malformed(
                definition, f"vehicleCategory={category!r} is not an OpenSCENARIO vehicle category"
            )
        group = "vehicle"
    elif definition.tag == "Pedestrian":
        kind, group = ActorKind.PEDESTRIAN, "pedestrian"
    elif definition.tag == "MiscObject":
        kind, group = ActorKind.OBSTACLE, "miscellaneous"
    else:
        raise unsupported(definition, "an entity must be a Vehicle, Pedestrian or MiscObject")
    box = definition.require("BoundingBox")
    center = box.require("Center")
    dimensions = box.require("Dimensions")
    length = scope.number(dimensions, "length")
    width = scope.number(dimensions, "width")
    height = scope.number(dimensions, "height")
    clearance = scope.number(center, "z") - 0.5 * height
    try:
        spec = ActorSpec(
            id=actor_id, kind=kind, length_m=length, width_m=width, height_m=height,
            clearance_m=clearance if clearance > 0.01 else 0.0,
        )  # fmt: skip
    except WorldError as error:
        raise malformed(box, f"entity {name!r}: {error}") from error
    return EntityModel(name, spec, scope.number(center, "x"), scope.number(center, "y"), group, definition)


@dataclass(slots=True)
class EntityState:
    """An entity at one instant: reference-point pose, box centre, speed, and what conditions
    need that the world does not keep (distance travelled, time at standstill)."""

    model: EntityModel
    reference: Pose
    center: Pose
    speed_mps: float
    accel_mps2: float
    traveled_m: float = 0.0
    standstill_s: float = 0.0

    @property
    def name(self) -> str:
        return self.model.name

    def box(self) -> OrientedBox:
        spec = self.model.spec
        return OrientedBox(
            x_m=self.center.x_m, y_m=self.center.y_m, heading_rad=self.center.heading_rad,
            length_m=spec.length_m, width_m=spec.width_m,
        )  # fmt: skip

    def extent_along(self, heading_rad: float) -> float:
        """Half the box's extent along a direction."""
        angle = heading_rad - self.center.heading_rad
        spec = self.model.spec
        return 0.5 * spec.length_m * abs(math.cos(angle)) + 0.5 * spec.width_m * abs(math.sin(angle))

    def velocity(self) -> tuple[float, float]:
        heading = self.reference.heading_rad
        return self.speed_mps * math.cos(heading), self.speed_mps * math.sin(heading)


def separation(
    first: EntityState, second: EntityState, *, freespace: bool, kind: str, heading_rad: float
) -> float:
    """The distance from ``first`` to ``second``: ``euclidian`` (between reference points, or
    between the boxes with ``freespace``), or ``longitudinal``/``lateral`` along/across
    ``heading_rad`` (between reference points, or the gap between the boxes' extents)."""
    if kind == "euclidian":
        if freespace:
            return distance_between(first.box(), second.box())
        return math.hypot(
            second.reference.x_m - first.reference.x_m, second.reference.y_m - first.reference.y_m
        )
    direction = heading_rad if kind == "longitudinal" else heading_rad + 0.5 * math.pi
    c, s = math.cos(direction), math.sin(direction)
    if not freespace:
        return abs(
            (second.reference.x_m - first.reference.x_m) * c
            + (second.reference.y_m - first.reference.y_m) * s
        )
    between = abs((second.center.x_m - first.center.x_m) * c + (second.center.y_m - first.center.y_m) * s)
    return max(between - first.extent_along(direction) - second.extent_along(direction), 0.0)
