"""Where the ego and the objects around it will be: collisions, times to collision, braking needed.

Pure functions shared by FCW, AEB and ACC. Everything is in the frame of the perception cycle the
tracks come from (ISO 8855, origin at the middle of the front bumper, x ahead, y left), with time
0 at that cycle.

- **The ego** moves along its predicted path (:class:`sdvkit.safety.ego_path.EgoPath`: a circle
  of curvature ``yaw rate / speed``, turning towards the lane's curvature while the driver
  follows the lane; the path's shape is kept while the speed changes), first at ``acceleration``
  for ``delay_s``, then braking at a constant deceleration until it stands. Its box is its
  length and width, plus a margin on each side and in front.
- **Each object** keeps its ground velocity (its velocity relative to the ego, plus the ego's
  speed along x; a vehicle's along its heading only, a slow object's none) and heading; an
  estimated braking (track id → m/s², from :class:`sdvkit.safety.fcw.AccelerationEstimator`)
  slows a vehicle to a stop (a walker's speed changes between cycles are the tracker's noise).
  Pedestrians and cyclists are predicted at most as fast as they plausibly move.
- **Vehicles keep to the road**: where the camera sees the ego's lane, a vehicle pointing along
  it (either way, within ``lane_aligned_max_deg``) moves along the lane's curve, at the lane's
  direction where it is (:mod:`sdvkit.safety.object_motion`). A car in the next lane of a curve
  stays in it rather than going straight on into the ego's lane along its noisy heading.
- **A collision** is the first time within the horizon at which the two boxes overlap
  (separating-axis test on oriented boxes, vectorised over tracks, sample times and candidate
  decelerations with numpy), refined by scanning the step before it finely.
- **The required deceleration** is the smallest constant deceleration, starting after
  ``delay_s``, from which every harder one avoids the collision (a crossing pedestrian can be
  missed by passing in front, then hit by braking a little, so the smallest avoiding value alone
  would mislead). It is infinite where even the hardest braking does not avoid it (head-on).

Tracks that cannot reach the ego's path within the horizon are pruned before the box tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sdvkit.safety.ego_path import EgoLane, EgoPath, ego_lane
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.safety.object_motion import (
    VEHICLE_CLASSES,
    MovingObjects,
    ground_velocity_mps,
    moving_objects,
    object_centre_m,
    overlap,
)
from sdvkit.safety.perception import Perceived, Track

__all__ = [
    "EGO_LENGTH_M",
    "EGO_WIDTH_M",
    "VEHICLE_CLASSES",
    "Collision",
    "EgoLane",
    "EgoMotion",
    "EgoPath",
    "PredictionParams",
    "ground_velocity_mps",
    "lane_of",
    "object_centre_m",
    "path_curvature_per_m",
    "path_offset_m",
    "predict_collisions",
    "predicted_path",
]

FloatArray = npt.NDArray[np.floating[Any]]

EGO_LENGTH_M = 4.5
EGO_WIDTH_M = 1.8
"""The ego's box when the caller gives none: the size of the simulation's default car."""


def _check(owner: str, name: str, value: float, *, low: float, high: float = math.inf) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SafetyConfigError(f"{owner}: {name} must be a finite number, not {value!r}")
    if not low <= value <= high:
        raise SafetyConfigError(f"{owner}: {name} must be within [{low}, {high}], not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class EgoMotion:
    """The ego as the functions measure it, and the box it occupies."""

    speed_mps: float
    acceleration_mps2: float = 0.0
    yaw_rate_rad_per_s: float = 0.0
    length_m: float = EGO_LENGTH_M
    width_m: float = EGO_WIDTH_M

    def __post_init__(self) -> None:
        _check("EgoMotion", "speed_mps", self.speed_mps, low=-100.0, high=100.0)
        _check("EgoMotion", "acceleration_mps2", self.acceleration_mps2, low=-50.0, high=50.0)
        _check("EgoMotion", "yaw_rate_rad_per_s", self.yaw_rate_rad_per_s, low=-10.0, high=10.0)
        _check("EgoMotion", "length_m", self.length_m, low=0.5, high=30.0)
        _check("EgoMotion", "width_m", self.width_m, low=0.3, high=5.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class PredictionParams:
    """How far and how finely to look ahead, and the margins around the ego's box."""

    horizon_s: float = 4.0
    """Collisions later than this are not reported."""
    step_s: float = 0.05
    """Sample time of the collision search (the first hit is then refined, see ``refine_iterations``)."""
    lateral_margin_m: float = 0.15
    """Added to each side of the ego's box: what counts as in the path."""
    front_margin_m: float = 0.3
    """Added in front of the ego's box: how far short of an object braking must stop."""
    max_curvature_per_m: float = 0.15
    """The ego's path curves at most this much (a 6.7 m radius: about full lock)."""
    min_speed_for_curvature_mps: float = 1.0
    """Below this speed the path's curvature is taken as ``yaw rate / this``."""
    braking_step_s: float = 0.1
    """Sample time of the required-deceleration search."""
    deceleration_step_mps2: float = 0.25
    max_deceleration_mps2: float = 12.0
    """Candidate decelerations run from 0 to this in ``deceleration_step_mps2`` steps."""
    braking_window_min_deceleration_mps2: float = 2.0
    """The braking search looks far enough ahead to see the ego stop at this deceleration."""
    max_braking_window_s: float = 15.0
    pedestrian_max_speed_mps: float = 3.0
    """A pedestrian is predicted at most this fast (a brisk run)."""
    cyclist_max_speed_mps: float = 12.0
    min_speed_mps: float = 0.5
    """Slower than this, an object is taken to stand (a tracker's velocity noise on a standing one)."""
    min_crossing_speed_mps: float = 0.8
    """A pedestrian (or other non-vehicle) crossing the ego's path slower than this is taken to walk
    along it (a pedestrian beside the path has a noisy lateral velocity; Euro NCAP's cross at 1.4)."""
    vehicle_min_speed_mps: float = 1.0
    """Vehicles (and cyclists) move along their heading, and stand below this speed along it."""
    refine_iterations: int = 6
    """The first hit is refined to ``step_s / 2**n``: the precision of the TTC."""
    lane_min_confidence_pct: float = 50.0
    """A lane marking the camera is less sure of than this is not used."""
    lane_blend_s: float = 0.5
    """While the driver follows the lane, the path turns from the yaw rate's circle to the lane's
    direction over this much travel time (entering a curve, the yaw rate lags the lane's curvature
    by about half a second); 0 keeps the yaw rate's circle."""
    lane_following_max_curvature_error_per_m: float = 0.01
    """The driver follows the lane while the yaw rate's curvature is within this of the lane's
    (entering a curve of 100 m radius or wider; a turn off the lane at a junction is far beyond)."""
    lane_following_max_heading_deg: float = 10.0
    """... and while the car points within this of the lane's direction."""
    braking_along_max_deg: float = 45.0
    """A vehicle's estimated braking slows it while it moves within this of the ego's axis (the
    radars measure its speed along the line of sight); crossing, its speed comes from the
    tracker's positions, and its changes between cycles are noise (±3 m/s² on a crossing cyclist)."""
    lane_aligned_max_deg: float = 10.0
    """A vehicle pointing within this of the lane's direction (or its reverse) keeps to the lane
    (the camera measures a heading within 3°, 1σ; a car changing lanes turns 3-6° off it)."""

    def __post_init__(self) -> None:
        for name, (low, high) in _PARAMETER_RANGES.items():
            _check("PredictionParams", name, getattr(self, name), low=low, high=high)
        _check("PredictionParams", "step_s", self.step_s, low=0.001, high=self.horizon_s)
        _check(
            "PredictionParams",
            "max_braking_window_s",
            self.max_braking_window_s,
            low=self.horizon_s,
            high=60.0,
        )
        if isinstance(self.refine_iterations, bool) or not 0 <= self.refine_iterations <= 20:
            raise SafetyConfigError(
                f"PredictionParams: refine_iterations must be 0-20, not {self.refine_iterations!r}"
            )


_PARAMETER_RANGES: dict[str, tuple[float, float]] = {
    "horizon_s": (0.1, 30.0),
    "lateral_margin_m": (0.0, 2.0),
    "front_margin_m": (0.0, 5.0),
    "max_curvature_per_m": (0.0, 1.0),
    "min_speed_for_curvature_mps": (0.01, 20.0),
    "braking_step_s": (0.005, 1.0),
    "deceleration_step_mps2": (0.01, 5.0),
    "max_deceleration_mps2": (1.0, 30.0),
    "braking_window_min_deceleration_mps2": (0.1, 30.0),
    "pedestrian_max_speed_mps": (0.1, 15.0),
    "cyclist_max_speed_mps": (0.1, 30.0),
    "min_speed_mps": (0.0, 5.0),
    "min_crossing_speed_mps": (0.0, 5.0),
    "vehicle_min_speed_mps": (0.0, 10.0),
    "lane_min_confidence_pct": (0.0, 100.0),
    "lane_blend_s": (0.0, 10.0),
    "lane_following_max_curvature_error_per_m": (0.0, 1.0),
    "lane_following_max_heading_deg": (0.0, 90.0),
    "lane_aligned_max_deg": (0.0, 60.0),
    "braking_along_max_deg": (0.0, 90.0),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Collision:
    """A predicted collision with one track."""

    track: Track
    time_to_collision_s: float
    """From the perception cycle to the first contact, the ego moving as assumed."""
    impact_longitudinal_m: float
    impact_lateral_m: float
    """The object's centre at the contact, in the frame of the perception cycle."""
    impact_offset_m: float
    """The object's centre at the contact, from the ego's centre line (positive: left of it)."""
    closing_speed_mps: float
    """How fast the two close at the contact (the ground speeds' difference, its magnitude)."""
    required_deceleration_mps2: float
    """The braking that avoids the contact, from ``delay_s`` on; ``inf`` where none does."""
    clearance_m: float
    """How far the object's box is beside the ego's path (its box's width plus the lateral
    margins) now; 0 or less: it is in the path, more: it has to move into it."""


def path_curvature_per_m(ego: EgoMotion, params: PredictionParams) -> float:
    """The curvature of the ego's predicted path: yaw rate over speed, bounded."""
    speed = max(abs(ego.speed_mps), params.min_speed_for_curvature_mps)
    limit = params.max_curvature_per_m
    return min(max(ego.yaw_rate_rad_per_s / speed, -limit), limit)


def lane_of(seen: Perceived, params: PredictionParams) -> EgoLane | None:
    """The ego's lane in a perception cycle (None where no marking is seen with confidence)."""
    return ego_lane(seen.left_marking, seen.right_marking, min_confidence_pct=params.lane_min_confidence_pct)


def predicted_path(ego: EgoMotion, params: PredictionParams, lane: EgoLane | None = None) -> EgoPath:
    """The ego's predicted path: the yaw rate's circle, turning to the lane's curvature while the
    driver follows ``lane`` (see :mod:`sdvkit.safety.ego_path`)."""
    yaw = path_curvature_per_m(ego, params)
    start = -0.5 * ego.length_m  # the path starts at the ego's centre
    if lane is None or params.lane_blend_s <= 0.0:
        return EgoPath(yaw_curvature_per_m=yaw, start_x_m=start)
    limit = params.max_curvature_per_m
    lane_curvature = min(max(lane.curvature_per_m, -limit), limit)
    following = abs(yaw - lane_curvature) <= params.lane_following_max_curvature_error_per_m and abs(
        lane.heading_rad
    ) <= math.radians(params.lane_following_max_heading_deg)
    if not following:
        return EgoPath(yaw_curvature_per_m=yaw, start_x_m=start)
    blend = max(abs(ego.speed_mps), params.min_speed_for_curvature_mps) * params.lane_blend_s
    followed = EgoLane(
        heading_rad=lane.heading_rad, curvature_per_m=lane_curvature, centre_offset_m=lane.centre_offset_m
    )
    return EgoPath(yaw_curvature_per_m=yaw, start_x_m=start, lane=followed, blend_m=blend)


def path_offset_m(
    ego: EgoMotion,
    longitudinal_m: float,
    lateral_m: float,
    params: PredictionParams,
    lane: EgoLane | None = None,
) -> float:
    """How far a point (bumper frame) lies left of the ego's predicted path (its centre's)."""
    return predicted_path(ego, params, lane).offset_m(longitudinal_m, lateral_m)


# -- the motion of the ego and the objects, vectorised ---------------------------------------------


def _distance_travelled(
    speed: float, accel: float, delay_s: float, decels: FloatArray, times: FloatArray
) -> FloatArray:
    """Distance along the path: ``accel`` until ``delay_s``, then ``-decels`` to a stop.

    Shape ``(len(decels), len(times))``; the speed never goes below zero.
    """
    speed = max(speed, 0.0)

    def at_assumed_accel(t: FloatArray) -> FloatArray:
        run = np.minimum(t, speed / -accel) if accel < 0.0 else t
        return np.asarray(speed * run + 0.5 * accel * run * run, dtype=np.float64)

    first = at_assumed_accel(np.minimum(times, delay_s))
    if not math.isfinite(delay_s):
        return np.broadcast_to(first, (decels.size, times.size)).copy()
    v1 = max(speed + accel * delay_s, 0.0)
    s_delay = float(at_assumed_accel(np.array([delay_s]))[0])
    tau = np.maximum(times - delay_s, 0.0)[None, :]
    d = decels[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        stop_tau = np.where(d > 0.0, v1 / d, np.inf)
    run = np.minimum(tau, stop_tau)
    braked = s_delay + v1 * run - 0.5 * d * run * run
    return np.where(times[None, :] <= delay_s, first[None, :], braked)


def _ego_poses(
    path: EgoPath, distance: FloatArray, front_margin_m: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Centre (x, y) and heading of the ego's margin box for distances along the path."""
    x, y, heading = path.poses(distance)
    shift = 0.5 * front_margin_m
    return x + shift * np.cos(heading), y + shift * np.sin(heading), heading


class _Scene:
    """One prediction problem: the ego's motion, the objects, the settings."""

    def __init__(
        self,
        ego: EgoMotion,
        objects: MovingObjects,
        params: PredictionParams,
        assumed_accel: float,
        lane: EgoLane | None,
    ) -> None:
        self.ego = ego
        self.objects = objects
        self.params = params
        self.assumed_accel = assumed_accel
        self.path = predicted_path(ego, params, lane)
        self.half_length = 0.5 * (ego.length_m + params.front_margin_m)
        self.half_width = 0.5 * ego.width_m + params.lateral_margin_m

    def hits(
        self, objects: MovingObjects, times: FloatArray, delay_s: float, decels: FloatArray
    ) -> npt.NDArray[np.bool_]:
        """Overlaps, shape ``(objects, decels, times)``."""
        distance = _distance_travelled(self.ego.speed_mps, self.assumed_accel, delay_s, decels, times)
        ex, ey, eh = _ego_poses(self.path, distance, self.params.front_margin_m)
        ox, oy, oh = objects.positions(times)
        return overlap(
            (ex[None, :, :], ey[None, :, :], eh[None, :, :]),
            (self.half_length, self.half_width),
            objects,
            (ox[:, None, :], oy[:, None, :], oh[:, None, :]),
        )

    def first_contact(self, objects: MovingObjects) -> FloatArray:
        """Time of the first contact per object at the assumed motion; ``inf`` where none."""
        params = self.params
        steps = math.ceil(params.horizon_s / params.step_s)
        times = np.arange(steps + 1) * params.step_s
        none = np.zeros(1)
        hits = self.hits(objects, times, math.inf, none)[:, 0, :]
        any_hit = hits.any(axis=1)
        first = np.where(any_hit, np.argmax(hits, axis=1), -1)
        result = np.full(len(objects.tracks), np.inf)
        for index in np.flatnonzero(any_hit):
            k = int(first[index])
            if k == 0:
                result[index] = 0.0
                continue
            # The step before the first hit, scanned at step / 2**n in one go (one call instead of
            # n bisection steps; the earliest contact at that resolution).
            fine = times[k - 1] + np.arange(1, 2**params.refine_iterations + 1) * (
                params.step_s / 2**params.refine_iterations
            )
            single = objects.take(np.array([index]))
            touching = self.hits(single, fine, math.inf, none)[0, 0, :]
            result[index] = fine[int(np.argmax(touching))] if touching.any() else times[k]
        return result

    def required_deceleration(self, objects: MovingObjects, delay_s: float) -> FloatArray:
        """Per object, the smallest deceleration from ``delay_s`` on from which all harder ones avoid."""
        params = self.params
        speed = max(self.ego.speed_mps, 0.0)
        window = min(
            params.max_braking_window_s,
            delay_s + speed / params.braking_window_min_deceleration_mps2 + 1.0,
        )
        window = max(window, params.horizon_s)
        steps = math.ceil(window / params.braking_step_s)
        times = np.arange(steps + 1) * params.braking_step_s
        count = round(params.max_deceleration_mps2 / params.deceleration_step_mps2)
        decels = np.arange(count + 1) * params.deceleration_step_mps2
        hit = np.asarray(self.hits(objects, times, delay_s, decels).any(axis=2), dtype=np.bool_)
        avoided = np.logical_not(hit)  # (objects, decels)
        # all harder decelerations avoid too: a reversed running "and"
        tail = np.asarray(np.logical_and.accumulate(avoided[:, ::-1], axis=1))[:, ::-1]
        result = np.full(len(objects.tracks), np.inf)
        for index in range(len(objects.tracks)):
            ok = np.flatnonzero(tail[index])
            if ok.size:
                result[index] = decels[ok[0]]
        return result


def _clearance_m(scene: _Scene, single: MovingObjects) -> float:
    """How far one object's box is beside the ego's path now (0 or less: in it)."""
    x, y, heading = float(single.x[0]), float(single.y[0]), float(single.heading[0])
    offset = scene.path.offset_m(x, y)
    _, _, path_heading = scene.path.poses(np.array([max(x - scene.path.start_x_m, 0.0)]))
    delta = heading - float(path_heading[0])
    extent = float(single.half_length[0]) * abs(math.sin(delta)) + float(single.half_width[0]) * abs(
        math.cos(delta)
    )
    return abs(offset) - extent - scene.half_width


def _reachable(scene: _Scene, objects: MovingObjects, window_s: float) -> npt.NDArray[np.intp]:
    """Indices of the objects that could meet the ego's box within ``window_s`` (a coarse bound)."""
    ego = scene.ego
    speed = max(ego.speed_mps, 0.0) + max(scene.assumed_accel, 0.0) * window_s
    ego_reach = speed * window_s + scene.half_length + scene.half_width
    ex, ey = -0.5 * ego.length_m, 0.0
    distance = np.hypot(objects.x - ex, objects.y - ey)
    object_reach = objects.speed * window_s + objects.half_length + objects.half_width
    return np.flatnonzero(distance <= ego_reach + object_reach)


def predict_collisions(
    tracks: Iterable[Track],
    ego: EgoMotion,
    *,
    params: PredictionParams = PredictionParams(),
    assumed_acceleration_mps2: float | None = None,
    delay_s: float = 0.0,
    object_accelerations: Mapping[int, float] | None = None,
    lane: EgoLane | None = None,
) -> tuple[Collision, ...]:
    """The collisions predicted within the horizon, earliest first.

    The ego keeps ``assumed_acceleration_mps2`` (default: its measured acceleration) to find the
    contact; the required deceleration assumes it keeps it for ``delay_s`` (a driver's reaction,
    the brakes' build-up), then brakes. ``object_accelerations`` (track id → m/s²) lets braking
    vehicles slow down; accelerating is ignored (a lead speeding up is no threat). ``lane`` (the
    ego's lane, :func:`lane_of`) lets the path follow it and the vehicles keep to the road.
    """
    _check("predict_collisions", "delay_s", delay_s, low=0.0, high=10.0)
    listed = tuple(tracks)
    if not listed:
        return ()
    accel = ego.acceleration_mps2 if assumed_acceleration_mps2 is None else assumed_acceleration_mps2
    _check("predict_collisions", "assumed_acceleration_mps2", accel, low=-50.0, high=50.0)
    objects = moving_objects(listed, ego, params, object_accelerations, lane)
    scene = _Scene(ego, objects, params, accel, lane)
    near = objects.take(_reachable(scene, objects, params.horizon_s))
    if not near.tracks:
        return ()
    contact = scene.first_contact(near)
    colliding = np.flatnonzero(np.isfinite(contact))
    if colliding.size == 0:
        return ()
    hit = near.take(colliding)
    required = scene.required_deceleration(hit, delay_s)
    results: list[Collision] = []
    for position, index in enumerate(colliding):
        time_s = float(contact[index])
        single = near.take(np.array([index]))
        ox, oy, _ = single.positions(np.array([time_s]))
        distance = _distance_travelled(ego.speed_mps, accel, math.inf, np.zeros(1), np.array([time_s]))
        ex, ey, eh = _ego_poses(scene.path, distance, 0.0)
        heading = float(eh[0, 0])
        dx, dy = float(ox[0, 0] - ex[0, 0]), float(oy[0, 0] - ey[0, 0])
        ego_speed = max(ego.speed_mps + accel * time_s, 0.0) if accel < 0 else ego.speed_mps + accel * time_s
        object_speed = float(single.speed[0]) + min(float(single.accel[0]) * time_s, 0.0)
        object_speed = max(object_speed, 0.0)
        rvx = float(single.ux[0]) * object_speed - ego_speed * math.cos(heading)
        rvy = float(single.uy[0]) * object_speed - ego_speed * math.sin(heading)
        results.append(
            Collision(
                track=single.tracks[0],
                time_to_collision_s=time_s,
                impact_longitudinal_m=float(ox[0, 0]),
                impact_lateral_m=float(oy[0, 0]),
                impact_offset_m=-dx * math.sin(heading) + dy * math.cos(heading),
                closing_speed_mps=math.hypot(rvx, rvy),
                required_deceleration_mps2=float(required[position]),
                clearance_m=_clearance_m(scene, single),
            )
        )
    results.sort(key=lambda collision: (collision.time_to_collision_s, collision.track.id))
    return tuple(results)
