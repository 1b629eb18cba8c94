"""How the objects around the ego move in the forward functions' prediction.

Each track becomes a box moving over the ground (:func:`moving_objects`), in the frame of its
perception cycle (ISO 8855, origin at the middle of the front bumper):

- a vehicle (car, truck, motorcycle, cyclist) moves along its heading; the sideways part of its
  measured velocity is the tracker's noise;
- where the camera sees the ego's lane, a vehicle pointing along it (either way, within
  ``lane_aligned_max_deg``) keeps to the road: it moves along the lane's curve, at the lane's
  direction where it is, and its box lies along the lane (a car in the next lane of a curve stays
  there, rather than going straight on into the ego's lane along its noisy heading). A vehicle
  turning further off the lane's direction (turning, or cutting in sharply) moves along its
  heading; one drifting across slower is seen once it is in the path;
- anything else (a pedestrian, an animal, an unclassified object) keeps its ground velocity, a
  slow drift across the ego's path read as noise; pedestrians and cyclists at most as fast as
  they plausibly move;
- a vehicle moving along the ego's axis (a lead car, an oncoming one) slows to a stop at its
  estimated braking: the radars measure its speed along the line of sight directly. An object
  crossing, and a walker, keep their speed: their speed comes from the tracker's positions, and
  its changes between cycles are noise (about ±3 m/s² on a steady pedestrian or a crossing
  cyclist), not braking.

:func:`overlap` is the separating-axis test of the ego's box against the objects' boxes,
vectorised over objects, sample times and candidate decelerations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sdvkit.safety.ego_path import STRAIGHT_CURVATURE_PER_M, EgoLane
from sdvkit.safety.perception import Track

if TYPE_CHECKING:
    from sdvkit.safety.prediction import EgoMotion, PredictionParams

FloatArray = npt.NDArray[np.floating[Any]]

VEHICLE_CLASSES = frozenset({"CAR", "TRUCK", "MOTORCYCLE", "CYCLIST"})
"""Objects that move along their heading (a pedestrian may step any way)."""


def object_centre_m(track: Track) -> tuple[float, float]:
    """The centre of a track's box: ``longitudinal_m`` is the box point nearest along x (the near
    face ahead of the bumper, the far face behind it, 0 while the box spans the bumper's plane)."""
    heading = math.radians(track.heading_deg)
    extent = 0.5 * track.length_m * abs(math.cos(heading)) + 0.5 * track.width_m * abs(math.sin(heading))
    if track.longitudinal_m > 0.0:
        return track.longitudinal_m + extent, track.lateral_m
    if track.longitudinal_m < 0.0:
        return track.longitudinal_m - extent, track.lateral_m
    return 0.0, track.lateral_m


def ground_velocity_mps(track: Track, ego_speed_mps: float) -> tuple[float, float]:
    """A track's velocity over the ground, in the ego's axes (the perception branch's relative
    velocity is the difference of the two ground velocities)."""
    return track.longitudinal_velocity_mps + ego_speed_mps, track.lateral_velocity_mps


class MovingObjects:
    """The tracks as arrays: centre, unit ground velocity, speed, braking, box heading, half sizes,
    and the curvature of the path each follows (a vehicle keeping to a curved lane)."""

    __slots__ = (
        "accel",
        "curvature",
        "half_length",
        "half_width",
        "heading",
        "speed",
        "tracks",
        "ux",
        "uy",
        "values",
        "x",
        "y",
    )

    def __init__(self, tracks: tuple[Track, ...], values: FloatArray) -> None:
        self.tracks = tracks
        self.values = values
        (
            self.x,
            self.y,
            self.ux,
            self.uy,
            self.speed,
            self.accel,
            self.heading,
            self.half_length,
            self.half_width,
            self.curvature,
        ) = values

    def take(self, index: npt.NDArray[np.intp]) -> MovingObjects:
        return MovingObjects(tuple(self.tracks[i] for i in index), self.values[:, index])

    def positions(self, times: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Centres and box headings at ``times``, shape ``(objects, times)``; braking objects stop
        and stay; each moves along an arc of its curvature (a chord of the arc's length ``d``:
        ``d·sinc(κd/2)`` at half the turn)."""
        speed, accel = self.speed[:, None], self.accel[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            stop = np.where(accel < 0.0, speed / -accel, np.inf)
        run = np.minimum(times[None, :], stop)
        travelled = speed * run + 0.5 * accel * run * run
        ux, uy = self.ux[:, None], self.uy[:, None]
        if not self.curvature.any():
            x = self.x[:, None] + ux * travelled
            y = self.y[:, None] + uy * travelled
            return x, y, np.broadcast_to(self.heading[:, None], x.shape)
        turn = self.curvature[:, None] * travelled
        chord = travelled * np.sinc(turn / (2.0 * np.pi))
        half = 0.5 * turn
        cos_half, sin_half = np.cos(half), np.sin(half)
        x = self.x[:, None] + chord * (ux * cos_half - uy * sin_half)
        y = self.y[:, None] + chord * (uy * cos_half + ux * sin_half)
        return x, y, self.heading[:, None] + turn


def _along_lane(
    track: Track,
    ground_velocity: tuple[float, float],
    centre_x_m: float,
    lane: EgoLane,
    params: PredictionParams,
) -> tuple[float, float, float, float, float] | None:
    """A vehicle keeping to the road: (box heading, travel direction x, y, speed, curvature of its
    path), or None where it does not point along the lane (it crosses or turns)."""
    direction = lane.heading_at(centre_x_m)
    heading = math.radians(track.heading_deg)
    limit = math.radians(params.lane_aligned_max_deg)
    reverse = False
    if abs(math.remainder(heading - direction, math.tau)) > limit:
        direction += math.pi
        reverse = True
        if abs(math.remainder(heading - direction, math.tau)) > limit:
            return None
    vx, vy = ground_velocity
    cos, sin = math.cos(direction), math.sin(direction)
    along = vx * cos + vy * sin
    if abs(along) < params.vehicle_min_speed_mps:
        return direction, 0.0, 0.0, 0.0, 0.0
    # The lane bends by its curvature along the ego's direction of travel: the other way round
    # for a vehicle going against it (an oncoming car on the same curve).
    curvature = lane.curvature_per_m if (along >= 0.0) != reverse else -lane.curvature_per_m
    if abs(curvature) < STRAIGHT_CURVATURE_PER_M:
        curvature = 0.0
    sign = 1.0 if along >= 0.0 else -1.0
    return direction, sign * cos, sign * sin, abs(along), curvature


def moving_objects(
    tracks: Sequence[Track],
    ego: EgoMotion,
    params: PredictionParams,
    accelerations: Mapping[int, float] | None,
    lane: EgoLane | None = None,
) -> MovingObjects:
    """The tracks as moving boxes (see the module's docstring); ``accelerations`` by track id."""
    caps = {"PEDESTRIAN": params.pedestrian_max_speed_mps, "CYCLIST": params.cyclist_max_speed_mps}
    values = np.zeros((10, len(tracks)))
    along_min_cosine = math.cos(math.radians(params.braking_along_max_deg))
    for index, track in enumerate(tracks):
        vx, vy = ground_velocity_mps(track, ego.speed_mps)
        heading = math.radians(track.heading_deg)
        centre_x, centre_y = object_centre_m(track)
        curvature = 0.0
        vehicle = track.object_class in VEHICLE_CLASSES
        on_lane = None
        if vehicle and lane is not None:
            on_lane = _along_lane(track, (vx, vy), centre_x, lane, params)
        if on_lane is not None:
            heading, ux, uy, speed, curvature = on_lane
        elif vehicle:
            # A vehicle moves along its heading: the velocity's sideways part is the tracker's noise.
            along = vx * math.cos(heading) + vy * math.sin(heading)
            speed = abs(along) if abs(along) >= params.vehicle_min_speed_mps else 0.0
            sign = 1.0 if along >= 0.0 else -1.0
            ux, uy = sign * math.cos(heading), sign * math.sin(heading)
        else:
            # Across the ego's path, a walker's slow drift is the tracker's noise, not a crossing.
            vy = vy if abs(vy) >= params.min_crossing_speed_mps else 0.0
            speed = math.hypot(vx, vy)
            ux, uy = (vx / speed, vy / speed) if speed > 1e-3 else (0.0, 0.0)
            speed = speed if speed >= params.min_speed_mps else 0.0
        accel = 0.0
        if vehicle and accelerations is not None and abs(ux) >= along_min_cosine:
            accel = min(accelerations.get(track.id, 0.0), 0.0)
        values[:, index] = (
            centre_x, centre_y, ux, uy, min(speed, caps.get(track.object_class, math.inf)), accel,
            heading, 0.5 * track.length_m, 0.5 * track.width_m, curvature,
        )  # fmt: skip
    return MovingObjects(tuple(tracks), values)


def overlap(
    ego_pose: tuple[FloatArray, FloatArray, FloatArray],
    ego_half_size: tuple[float, float],
    objects: MovingObjects,
    object_pose: tuple[FloatArray, FloatArray, FloatArray],
) -> npt.NDArray[np.bool_]:
    """Separating-axis test of oriented boxes; arrays broadcast to one shape (objects first)."""
    ego_x, ego_y, ego_heading = ego_pose
    ego_half_length, ego_half_width = ego_half_size
    obj_x, obj_y, heading = object_pose
    sizes = objects.half_length.shape + (1,) * (obj_x.ndim - 1)
    hl = objects.half_length.reshape(sizes)
    hw = objects.half_width.reshape(sizes)
    dx = obj_x - ego_x
    dy = obj_y - ego_y
    ce, se = np.cos(ego_heading), np.sin(ego_heading)
    delta = heading - ego_heading
    cd, sd = np.abs(np.cos(delta)), np.abs(np.sin(delta))
    along_ego = np.abs(dx * ce + dy * se)
    across_ego = np.abs(-dx * se + dy * ce)
    hit = along_ego <= ego_half_length + hl * cd + hw * sd
    hit &= across_ego <= ego_half_width + hl * sd + hw * cd
    co, so = np.cos(heading), np.sin(heading)
    along_obj = np.abs(dx * co + dy * so)
    across_obj = np.abs(-dx * so + dy * co)
    hit &= along_obj <= hl + ego_half_length * cd + ego_half_width * sd
    hit &= across_obj <= hw + ego_half_length * sd + ego_half_width * cd
    return np.asarray(hit, dtype=np.bool_)
