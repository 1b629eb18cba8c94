"""Sensor models: detections from ground truth, with misses, noise, class confusion and latency.

Each scan, a :class:`SensorModel` takes the objects its field of view, range and the occlusion
rule let it see (:func:`~sdvkit.sensing.visibility.visible_objects`), merges objects it cannot
resolve, draws for each whether it is detected (:class:`~sdvkit.sensing.specs.DetectionProbability`,
with the night model for a camera), and measures the box's centre in polar coordinates with
normal noise: range, azimuth, and for a radar the range rate (the relative velocity along the line
of sight); a camera also classifies (with confusion) and measures the box's length, width and
heading. Each :class:`Detection` carries its position in the vehicle frame with the covariance
the polar noise gives there, so the tracker can fuse it directly.

A detection measured at ``t`` is delivered at ``t + latency`` (a queue); a sensor scans at its
update rate, at the first cycle at or after each due time. A blocked sensor detects nothing.
All randomness comes from the one :class:`numpy.random.Generator` each model is given.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numpy as np

from sdvkit.sensing.specs import SensorKind, SensorSpec
from sdvkit.sensing.truth import TruthFrame
from sdvkit.sensing.visibility import SensorGeometry, Sighting, visible_objects

_LARGE_CLASSES = frozenset({"CAR", "TRUCK"})
_LARGE_OBSTACLE_M2 = 2.0
"""A static obstacle with at least this frontal area (width x height) reflects like a car."""
_ONCOMING_RAD = math.radians(150.0)
_MIN_VARIANCE_M2 = 1e-6
_TIME_EPSILON_S = 1e-9
_SQRT_HALF = math.sqrt(0.5)


def _uniform(normal: float) -> float:
    """A standard normal draw turned into a uniform one on [0, 1) (its distribution function)."""
    return 0.5 * (1.0 + math.erf(normal * _SQRT_HALF))


class Detection(NamedTuple):
    """One object in one scan of one sensor, in the vehicle frame.

    ``actor_id`` is the ground truth this detection came from (None for none): test-bench
    introspection only, never used by the tracker to associate.
    """

    sensor: str
    time_s: float
    """When it was measured (it is delivered ``latency_s`` later)."""
    x_m: float
    y_m: float
    var_xx_m2: float
    cov_xy_m2: float
    var_yy_m2: float
    los_x: float
    """Unit line of sight from the sensor to the measured position."""
    los_y: float
    range_rate_mps: float | None
    """Relative velocity along the line of sight (negative closing); None from a camera."""
    range_rate_var: float
    object_class: str | None
    """The camera's classification; None from a radar."""
    large: bool
    """A radar's cross-section says car-sized (a camera: its class does)."""
    length_m: float | None
    width_m: float | None
    heading_rad: float | None
    actor_id: str | None


class SensorModel:
    """One sensor of a suite: scans ground truth and delivers its detections after the latency."""

    __slots__ = (
        "_azimuth_std_rad",
        "_confusions",
        "_geometry",
        "_heading_std_rad",
        "_next_due_s",
        "_queue",
        "_range_factors",
        "blocked",
        "night",
        "rng",
        "spec",
    )

    def __init__(self, spec: SensorSpec, rng: np.random.Generator, *, night: bool = False) -> None:
        self.spec = spec
        self.rng = rng
        self.night = night
        self.blocked = False
        """A blocked sensor (dirt, snow, a fault injected) detects nothing."""
        self._queue: deque[tuple[float, list[Detection]]] = deque()
        self._next_due_s: float | None = None
        confusions: dict[str, list[tuple[str, float]]] = {}
        if spec.camera is not None:
            for confusion in spec.camera.confusions:
                cumulative = confusions.setdefault(confusion.true_class, [])
                total = cumulative[-1][1] if cumulative else 0.0
                cumulative.append((confusion.reported_class, total + confusion.probability))
        self._confusions = {name: tuple(entries) for name, entries in confusions.items()}
        self._geometry = SensorGeometry(spec.mounting, spec.lobes)
        self._range_factors = dict(spec.class_range_factors)
        self._azimuth_std_rad = math.radians(spec.noise.azimuth_std_deg)
        heading_std = spec.noise.heading_std_deg
        self._heading_std_rad = None if heading_std is None else math.radians(heading_std)

    def step(self, frame: TruthFrame) -> list[Detection]:
        """Scan if due, and return every detection whose latency has passed by ``frame``'s time."""
        now = frame.ego.time_s
        due = self._next_due_s
        if due is None or now + _TIME_EPSILON_S >= due:
            period = self.spec.period_s
            due = now if due is None else due
            while due <= now + _TIME_EPSILON_S:
                due += period
            self._next_due_s = due
            self._queue.append((now + self.spec.latency_s, self.scan(frame)))
        delivered: list[Detection] = []
        queue = self._queue
        while queue and queue[0][0] <= now + _TIME_EPSILON_S:
            delivered.extend(queue.popleft()[1])
        return delivered

    def scan(self, frame: TruthFrame) -> list[Detection]:
        """One scan of ``frame``, delivered at once (no latency)."""
        if self.blocked:
            return []
        spec = self.spec
        sightings = visible_objects(
            self._geometry, frame.objects, min_visible_fraction=spec.min_visible_fraction
        )
        if not sightings:
            return []
        resolved = self._resolve(sightings)
        count = len(resolved)
        # one draw per scan: 6 normals per object for the noise, 2 more turned into uniforms
        normals: list[float] = self.rng.standard_normal(8 * count).tolist()
        camera = spec.camera
        night = camera.night if camera is not None and self.night else None
        glare: list[float] = []
        if night is not None and night.glare_detection_factor < 1.0:
            glare = [
                seen.azimuth_rad
                for seen in resolved
                if seen.obj.object_class in _LARGE_CLASSES
                and abs(seen.obj.heading_rad) > _ONCOMING_RAD
                and seen.near_range_m <= night.glare_range_m
            ]
        noise = spec.noise
        mx, my, yaw = self._geometry.x_m, self._geometry.y_m, self._geometry.yaw_rad
        azimuth_std = self._azimuth_std_rad
        heading_std = self._heading_std_rad
        range_factors = self._range_factors
        range_rate_std = noise.range_rate_std_mps
        range_rate_var = (range_rate_std or 0.0) ** 2
        range_std_m, range_std_per_m = noise.range_std_m, noise.range_std_per_m
        size_std = noise.size_std_m or 0.0
        probability = spec.detection
        is_camera = spec.kind is SensorKind.CAMERA
        name = spec.name
        cos, sin = math.cos, math.sin
        detections: list[Detection] = []
        time_s = frame.ego.time_s
        for index, seen in enumerate(resolved):
            obj = seen.obj
            object_class = obj.object_class
            effective_m = seen.lobe.max_range_m * range_factors.get(object_class, 1.0)
            scale = 1.0
            if night is not None and object_class in night.affected_classes:
                effective_m *= night.range_factor
                scale = night.detection_factor
                glare_half = math.radians(night.glare_half_angle_deg)
                if any(abs(seen.azimuth_rad - bearing) <= glare_half for bearing in glare):
                    scale *= night.glare_detection_factor
            base = 8 * index
            if _uniform(normals[base + 6]) >= scale * probability.at(seen.near_range_m, effective_m):
                continue
            true_range = seen.range_m
            range_std = range_std_m + range_std_per_m * true_range
            range_m = true_range + normals[base] * range_std
            range_m = max(range_m, 0.0)
            true_theta = yaw + seen.azimuth_rad
            theta = true_theta + normals[base + 1] * azimuth_std
            c, s = cos(theta), sin(theta)
            range_var = range_std * range_std
            bearing_var = range_m * range_m * azimuth_std * azimuth_std
            range_rate: float | None = None
            if range_rate_std is not None:
                true_rate = cos(true_theta) * obj.vx_mps + sin(true_theta) * obj.vy_mps
                range_rate = true_rate + normals[base + 2] * range_rate_std
            object_class_seen: str | None = None
            length = width = heading = None
            if is_camera:
                object_class_seen = self._classify(object_class, _uniform(normals[base + 7]))
                length = max(0.1, obj.length_m + normals[base + 3] * size_std)
                width = max(0.1, obj.width_m + normals[base + 4] * size_std)
                if heading_std is not None:
                    heading = math.remainder(obj.heading_rad + normals[base + 5] * heading_std, math.tau)
                large = object_class_seen in _LARGE_CLASSES
            else:
                large = object_class in _LARGE_CLASSES or (
                    object_class == "STATIC_OBSTACLE" and obj.width_m * obj.height_m >= _LARGE_OBSTACLE_M2
                )
            var_xx = c * c * range_var + s * s * bearing_var
            var_yy = s * s * range_var + c * c * bearing_var
            detections.append(
                Detection(
                    name,
                    time_s,
                    mx + range_m * c,
                    my + range_m * s,
                    var_xx if var_xx > _MIN_VARIANCE_M2 else _MIN_VARIANCE_M2,
                    c * s * (range_var - bearing_var),
                    var_yy if var_yy > _MIN_VARIANCE_M2 else _MIN_VARIANCE_M2,
                    c,
                    s,
                    range_rate,
                    range_rate_var,
                    object_class_seen,
                    large,
                    length,
                    width,
                    heading,
                    obj.actor_id,
                )
            )
        return detections

    def _resolve(self, sightings: list[Sighting]) -> list[Sighting]:
        """Objects closer than both resolutions to a nearer one merge into it (nearest first)."""
        spec = self.spec
        range_resolution = spec.range_resolution_m
        azimuth_resolution = math.radians(spec.azimuth_resolution_deg)
        resolved: list[Sighting] = []
        for seen in sightings:
            if any(
                abs(seen.range_m - kept.range_m) < range_resolution
                and abs(seen.azimuth_rad - kept.azimuth_rad) < azimuth_resolution
                for kept in resolved
            ):
                continue
            resolved.append(seen)
        return resolved

    def _classify(self, true_class: str, draw: float) -> str:
        for reported, cumulative in self._confusions.get(true_class, ()):
            if draw < cumulative:
                return reported
        return true_class
