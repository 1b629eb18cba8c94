"""Ground truth as the sensors see it: every actor in the vehicle frame at one instant.

The vehicle frame is ISO 8855 with its origin at the middle of the front bumper (x ahead, y
left). Velocities are the actor's ground velocity minus the ego's, in the ego's axes (no term for
the ego's rotation: :meth:`World.relative_actors`'s convention); ``ground_vx_mps``/``ground_vy_mps``
are the actor's own ground velocity in the same axes. Headings are relative to the ego's.

:class:`TruthSampler` reads the :class:`~sdvkit.world.scene.World` once per cycle; the sensors,
the lane camera and the ground-truth branch all use the same :class:`TruthFrame`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sdvkit.sensing.errors import SensingSetupError
from sdvkit.world.actors import ActorKind, ActorSpec
from sdvkit.world.scene import EGO_ID, World

TRUCK_LENGTH_M = 7.0
"""A car box at least this long is a TRUCK."""

OVERHEAD_MARGIN_M = 0.5
"""A lifted box whose clearance exceeds the ego's height by more than this is an overhead structure
(a sign gantry, a bridge): the sensors' elevation measurement rejects it, so it is not an object."""

_CLASS_OF_KIND: dict[ActorKind, str] = {
    ActorKind.CAR: "CAR",
    ActorKind.PEDESTRIAN: "PEDESTRIAN",
    ActorKind.CYCLIST: "CYCLIST",
    ActorKind.OBSTACLE: "STATIC_OBSTACLE",
}


def class_of(spec: ActorSpec) -> str:
    """The perception class of an actor: its kind, and TRUCK for a long car."""
    object_class = _CLASS_OF_KIND[spec.kind]
    if object_class == "CAR" and spec.length_m >= TRUCK_LENGTH_M:
        return "TRUCK"
    return object_class


def extent_along_x(length_m: float, width_m: float, heading_rad: float) -> float:
    """Half the depth along x of a box with that size and relative heading."""
    return 0.5 * length_m * abs(math.cos(heading_rad)) + 0.5 * width_m * abs(math.sin(heading_rad))


def nearest_longitudinal_m(centre_x_m: float, half_depth_m: float) -> float:
    """From the front bumper along x to the box point nearest along x: the near face of an object
    ahead (> 0), the far face of an object behind the bumper (< 0), 0 while the box spans x = 0."""
    near = centre_x_m - half_depth_m
    if near >= 0.0:
        return near
    far = centre_x_m + half_depth_m
    return far if far <= 0.0 else 0.0


class EgoPose(NamedTuple):
    """The ego at one instant: its front bumper's middle in world coordinates, heading, speed."""

    time_s: float
    x_m: float
    y_m: float
    heading_rad: float
    speed_mps: float


class TruthObject(NamedTuple):
    """One actor in the vehicle frame."""

    actor_id: str
    object_class: str
    x_m: float
    """Centre of the box, from the front bumper along x."""
    y_m: float
    heading_rad: float
    cos_heading: float
    sin_heading: float
    vx_mps: float
    vy_mps: float
    ground_vx_mps: float
    ground_vy_mps: float
    length_m: float
    width_m: float
    height_m: float
    reach_m: float
    """Half the box's diagonal."""
    lifted: bool
    """The box is off the road (clearance > 0): lower objects pass beneath, so it hides nothing."""
    overhead: bool
    """Lifted higher than the ego's height plus :data:`OVERHEAD_MARGIN_M`: not an object."""

    @property
    def longitudinal_m(self) -> float:
        """From the front bumper to the box point nearest along x (see :func:`nearest_longitudinal_m`)."""
        return nearest_longitudinal_m(self.x_m, extent_along_x(self.length_m, self.width_m, self.heading_rad))


class TruthFrame(NamedTuple):
    ego: EgoPose
    ego_length_m: float
    ego_height_m: float
    objects: tuple[TruthObject, ...]


class TruthSampler:
    """Reads a world's actors into :class:`TruthFrame` s (the specs are looked up once per actor)."""

    __slots__ = ("_specs", "overhead_margin_m", "world")

    def __init__(self, world: World, *, overhead_margin_m: float = OVERHEAD_MARGIN_M) -> None:
        if not isinstance(world, World):
            raise SensingSetupError(f"sensing needs a sdvkit.world.scene.World, not {type(world).__name__}")
        if not (math.isfinite(overhead_margin_m) and overhead_margin_m >= 0):
            raise SensingSetupError(f"overhead_margin_m must be >= 0, not {overhead_margin_m!r}")
        self.world = world
        self.overhead_margin_m = overhead_margin_m
        self._specs: dict[str, tuple[ActorSpec, str, float, bool]] = {}

    def _spec(self, actor_id: str) -> tuple[ActorSpec, str, float, bool]:
        cached = self._specs.get(actor_id)
        spec = self.world.spec(actor_id)
        if cached is None or cached[0] is not spec:
            reach = 0.5 * math.hypot(spec.length_m, spec.width_m)
            cached = (spec, class_of(spec), reach, spec.clearance_m > 0.0)
            self._specs[actor_id] = cached
        return cached

    def sample(self, time_s: float) -> TruthFrame:
        """Every actor as it is now, seen from the ego; SensingSetupError without an ego."""
        world = self.world
        ego = world.ego
        if ego is None:
            raise SensingSetupError(
                "sensing: the world has no ego; place it first (VehiclePlant(model, world=world) does)"
            )
        ego_spec = world.spec(EGO_ID)
        heading = ego.heading_rad
        c, s = math.cos(heading), math.sin(heading)
        half = 0.5 * ego_spec.length_m
        bumper_x = ego.x_m + half * c
        bumper_y = ego.y_m + half * s
        ego_vx = ego.speed_mps * c
        ego_vy = ego.speed_mps * s
        overhead_above_m = ego_spec.height_m + self.overhead_margin_m
        objects: list[TruthObject] = []
        for actor in world.actors():
            spec, object_class, reach, lifted = self._spec(actor.id)
            dx = actor.x_m - bumper_x
            dy = actor.y_m - bumper_y
            ca, sa = math.cos(actor.heading_rad), math.sin(actor.heading_rad)
            gvx = actor.speed_mps * ca
            gvy = actor.speed_mps * sa
            rvx = gvx - ego_vx
            rvy = gvy - ego_vy
            relative_heading = math.remainder(actor.heading_rad - heading, math.tau)
            objects.append(
                TruthObject(
                    actor.id,
                    object_class,
                    dx * c + dy * s,
                    -dx * s + dy * c,
                    relative_heading,
                    math.cos(relative_heading),
                    math.sin(relative_heading),
                    rvx * c + rvy * s,
                    -rvx * s + rvy * c,
                    gvx * c + gvy * s,
                    -gvx * s + gvy * c,
                    spec.length_m,
                    spec.width_m,
                    spec.height_m,
                    reach,
                    lifted,
                    lifted and spec.clearance_m > overhead_above_m,
                )
            )
        pose = EgoPose(time_s, bumper_x, bumper_y, heading, ego.speed_mps)
        return TruthFrame(pose, ego_spec.length_m, ego_spec.height_m, tuple(objects))
