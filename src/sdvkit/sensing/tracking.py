"""Tracking and fusion: Kalman-filtered tracks from the detections of every sensor.

Each track is a :class:`filterpy.kalman.KalmanFilter` on ``[x, y, vx, vy]``: the object's centre in
the vehicle frame and its *ground* velocity in the vehicle's axes (so a parked car has zero
velocity however the ego moves). Prediction is constant velocity with white-noise acceleration,
and carries the state into the vehicle frame of the new time with the ego's own motion (the
control input). Each cycle every track is predicted to the cycle's reference time (the newest
measurement's); older measurements (the camera's) measure the track's position their lag earlier
(:mod:`sdvkit.sensing.association`). Each sensor's detections are associated in turn (a
Mahalanobis gate on position, then global nearest neighbour), and each track takes one stacked
update with everything it got: position rows from every sensor, a range-rate row from each radar.
The published state is the track predicted on to the cycle's own time (latency compensation).

Life of a track: born tentative from a detection no track takes; confirmed after M hits in its
last N cycles; dropped if not confirmed within its first N cycles, or after it coasted too long
unseen. Two tracks that converge on one object merge (the older stays). Ids start at 1 and are
never reused.

Fusion: the class comes from the camera's votes (CAR for radar-only tracks whose cross-section
says car-sized, else UNKNOWN); size and heading from the camera (class defaults otherwise; a
moving object's heading is its direction of travel); existence is a log-odds score that rises
with each sensor that sees the object in a cycle (agreeing sensors raise it faster) and falls in a
cycle without a hit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from filterpy.kalman import KalmanFilter

from sdvkit.sensing.association import Aligned, Predicted, align, assign, gated_pairs
from sdvkit.sensing.egomotion import EgoHistory, FrameMotion
from sdvkit.sensing.sensors import Detection
from sdvkit.sensing.specs import SensorSpec, TrackerSpec
from sdvkit.sensing.truth import extent_along_x, nearest_longitudinal_m

DEFAULT_SIZE_M: dict[str, tuple[float, float]] = {
    "UNKNOWN": (1.0, 1.0),
    "CAR": (4.5, 1.8),
    "TRUCK": (10.0, 2.5),
    "MOTORCYCLE": (2.2, 0.8),
    "CYCLIST": (1.9, 0.6),
    "PEDESTRIAN": (0.3, 0.5),
    "ANIMAL": (1.2, 0.5),
    "STATIC_OBSTACLE": (1.0, 1.0),
}
"""(length, width) of a track the camera has not measured, by class."""

MOVING_SPEED_MPS = 1.0
"""Above this ground speed a track's heading is its direction of travel."""
_CLASS_MEMORY = 0.8
"""Each camera vote first scales the earlier votes by this."""
_LARGE_MEMORY = 0.8
_B = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])


class FusedTrack(NamedTuple):
    """A confirmed track at the cycle's time, in the vehicle frame (velocities relative)."""

    id: int
    actor_id: str | None
    """The ground-truth actor of the track's latest detection (test-bench introspection only)."""
    object_class: str
    existence_pct: float
    x_m: float
    """Centre of the box along x, from the front bumper."""
    y_m: float
    """Centre of the box, positive to the left."""
    longitudinal_m: float
    """From the front bumper to the box point nearest along x."""
    longitudinal_velocity_mps: float
    lateral_velocity_mps: float
    ground_speed_mps: float
    heading_rad: float
    length_m: float
    width_m: float
    in_path: bool
    sensors: tuple[str, ...]
    """The sensors that detected it in the last cycle, by name."""
    age_cycles: int


class _Track:
    __slots__ = (
        "actor_id",
        "age",
        "class_votes",
        "confirmed",
        "filter",
        "heading_rad",
        "hits",
        "id",
        "large",
        "length_m",
        "log_odds",
        "misses",
        "pending",
        "sensors",
        "sensors_hit",
        "time_s",
        "width_m",
    )

    def __init__(self, track_id: int, kalman: KalmanFilter, time_s: float, log_odds: float) -> None:
        self.id = track_id
        self.filter = kalman
        self.time_s = time_s
        self.log_odds = log_odds
        self.age = 0
        self.hits = 0
        """Bit i set: a hit i cycles ago (bit 0: this cycle)."""
        self.misses = 0
        self.confirmed = False
        self.pending: list[Aligned] = []
        self.sensors_hit: set[str] = set()
        self.sensors: tuple[str, ...] = ()
        self.actor_id: str | None = None
        self.class_votes: dict[str, float] = {}
        self.large: float | None = None
        self.length_m: float | None = None
        self.width_m: float | None = None
        self.heading_rad: float | None = None

    def absorb(self, detection: Detection, smoothing: float) -> None:
        """Take a detection's sensor, truth label, class, size and heading (not its position)."""
        self.sensors_hit.add(detection.sensor)
        if detection.actor_id is not None:
            self.actor_id = detection.actor_id
        if detection.object_class is not None:
            votes = self.class_votes
            for name in votes:
                votes[name] *= _CLASS_MEMORY
            votes[detection.object_class] = votes.get(detection.object_class, 0.0) + 1.0
        else:
            seen = 1.0 if detection.large else 0.0
            self.large = (
                seen if self.large is None else _LARGE_MEMORY * self.large + (1 - _LARGE_MEMORY) * seen
            )
        if detection.length_m is not None and detection.width_m is not None:
            if self.length_m is None or self.width_m is None:
                self.length_m, self.width_m = detection.length_m, detection.width_m
            else:
                self.length_m += smoothing * (detection.length_m - self.length_m)
                self.width_m += smoothing * (detection.width_m - self.width_m)
        if detection.heading_rad is not None:
            if self.heading_rad is None:
                self.heading_rad = detection.heading_rad
            else:
                error = math.remainder(detection.heading_rad - self.heading_rad, math.tau)
                self.heading_rad = math.remainder(self.heading_rad + smoothing * error, math.tau)

    @property
    def object_class(self) -> str:
        votes = self.class_votes
        if votes:
            return max(votes, key=lambda name: (votes[name], name))
        return "CAR" if self.large is not None and self.large >= 0.5 else "UNKNOWN"


def _transition(
    motion: FrameMotion, acceleration_noise_mps2: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F, the control input u (with B = [I; 0]) and Q for a step of ``motion``."""
    c, s = math.cos(motion.dpsi_rad), math.sin(motion.dpsi_rad)
    dt = motion.dt_s
    transition = np.array(
        [[c, s, c * dt, s * dt], [-s, c, -s * dt, c * dt], [0.0, 0.0, c, s], [0.0, 0.0, -s, c]]
    )
    control = np.array([-(c * motion.dx_m + s * motion.dy_m), -(-s * motion.dx_m + c * motion.dy_m)])
    q = acceleration_noise_mps2 * acceleration_noise_mps2
    a, b = q * dt**3 / 3.0, q * dt * dt / 2.0
    noise = np.array([[a, 0.0, b, 0.0], [0.0, a, 0.0, b], [b, 0.0, q * dt, 0.0], [0.0, b, 0.0, q * dt]])
    return transition, control, noise


class Tracker:
    """Fuses the detections of a sensor suite into tracks, one :meth:`update` per cycle."""

    def __init__(self, spec: TrackerSpec, sensors: Sequence[SensorSpec]) -> None:
        self.spec = spec
        self._weights = {sensor.name: sensor.existence_weight for sensor in sensors}
        self._tracks: list[_Track] = []
        self._next_id = 1
        self.cycle = 0

    @property
    def track_count(self) -> int:
        """Every live track, tentative ones included."""
        return len(self._tracks)

    def update(self, detections: Sequence[Detection], history: EgoHistory) -> tuple[FusedTrack, ...]:
        """Fuse one cycle's delivered detections; the confirmed tracks at the history's latest
        time, most relevant first (in the ego's path by distance, then the rest by distance).

        Every track is predicted to the cycle's reference time (the newest measurement time, or
        the tracks' own if later); older detections measure the tracks' past positions there
        (see :class:`Aligned`), so each track takes one update per cycle.
        """
        now = history.latest
        if now is None:
            raise LookupError("Tracker.update: the ego history is empty")
        self.cycle += 1
        if detections:
            reference_s = max(detection.time_s for detection in detections)
            for track in self._tracks:
                reference_s = max(reference_s, track.time_s)
            self._predict(reference_s, history)
            aligned = align(detections, reference_s, history, self.spec.acceleration_noise_mps2)
            by_sensor: dict[str, list[Aligned]] = {}
            for measurement in aligned:
                by_sensor.setdefault(measurement.detection.sensor, []).append(measurement)
            predicted = [(track.filter.x.tolist(), track.filter.P.tolist()) for track in self._tracks]
            for measurements in by_sensor.values():
                self._associate(measurements, reference_s, predicted)
            for track in self._tracks:
                if track.pending:
                    self._correct(track)
        self._merge()
        self._maintain()
        return self._report(history)

    # -- prediction and correction ------------------------------------------------------------

    def _predict(self, time_s: float, history: EgoHistory) -> None:
        cache: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray, float]] = {}
        for track in self._tracks:
            if track.time_s >= time_s:
                continue
            step = cache.get(track.time_s)
            if step is None:
                motion = history.motion(track.time_s, time_s)
                step = (*_transition(motion, self.spec.acceleration_noise_mps2), motion.dpsi_rad)
                cache[track.time_s] = step
            transition, control, noise, dpsi = step
            track.filter.predict(u=control, B=_B, F=transition, Q=noise)
            track.time_s = time_s
            if track.heading_rad is not None:
                track.heading_rad = math.remainder(track.heading_rad - dpsi, math.tau)

    @staticmethod
    def _correct(track: _Track) -> None:
        """One stacked update with every measurement the track got this cycle."""
        measured: list[float] = []
        model: list[float] = []
        variances: list[tuple[int, float, float, float]] = []
        rates: list[tuple[int, float]] = []
        for measurement in track.pending:
            lag = -measurement.lag_s
            variances.append(
                (len(measured), measurement.var_xx_m2, measurement.cov_xy_m2, measurement.var_yy_m2)
            )
            measured += (measurement.x_m, measurement.y_m)
            model += (1.0, 0.0, lag, 0.0, 0.0, 1.0, 0.0, lag)
            if measurement.ground_range_rate_mps is not None:
                rates.append((len(measured), measurement.detection.range_rate_var))
                measured.append(measurement.ground_range_rate_mps)
                model += (0.0, 0.0, measurement.los_x, measurement.los_y)
        rows = len(measured)
        noise = np.zeros((rows, rows))
        for row, vxx, vxy, vyy in variances:
            noise[row, row], noise[row, row + 1] = vxx, vxy
            noise[row + 1, row], noise[row + 1, row + 1] = vxy, vyy
        for row, variance in rates:
            noise[row, row] = variance
        track.filter.update(np.array(measured), R=noise, H=np.array(model).reshape(rows, 4))
        track.pending = []

    # -- association ------------------------------------------------------------------------

    def _associate(
        self,
        measurements: list[Aligned],
        time_s: float,
        predicted: list[Predicted],
    ) -> None:
        """Give each of one sensor's measurements to a track, or start a track with it."""
        tracks = self._tracks
        pairs = gated_pairs(measurements, predicted, self.spec.gate_chi2)
        assigned = assign(pairs)
        smoothing = self.spec.size_smoothing
        for m_index, measurement in enumerate(measurements):
            chosen = assigned.get(m_index)
            if chosen is None:
                born = self._start(measurement, time_s)
                predicted.append((born.filter.x.tolist(), born.filter.P.tolist()))
                continue
            track = tracks[chosen]
            track.pending.append(measurement)
            track.absorb(measurement.detection, smoothing)

    def _start(self, measurement: Aligned, time_s: float) -> _Track:
        """A tentative track from a measurement no track took."""
        kalman = KalmanFilter(dim_x=4, dim_z=2)
        speed_var = self.spec.initial_speed_std_mps**2
        covariance = np.zeros((4, 4))
        covariance[0, 0], covariance[0, 1] = measurement.var_xx_m2, measurement.cov_xy_m2
        covariance[1, 0], covariance[1, 1] = measurement.cov_xy_m2, measurement.var_yy_m2
        rate = measurement.ground_range_rate_mps
        if rate is None:
            velocity = (0.0, 0.0)  # a camera's first sight: assume it stands
            covariance[2, 2] = covariance[3, 3] = speed_var
        else:
            ux, uy = measurement.los_x, measurement.los_y
            velocity = (rate * ux, rate * uy)
            along, across = measurement.detection.range_rate_var, speed_var
            covariance[2, 2] = along * ux * ux + across * uy * uy
            covariance[3, 3] = along * uy * uy + across * ux * ux
            covariance[2, 3] = covariance[3, 2] = (along - across) * ux * uy
        lag = measurement.lag_s
        kalman.x = np.array(
            [measurement.x_m + lag * velocity[0], measurement.y_m + lag * velocity[1], *velocity]
        )
        kalman.P = covariance
        track = _Track(self._next_id, kalman, time_s, self.spec.existence_start)
        self._next_id += 1
        track.absorb(measurement.detection, self.spec.size_smoothing)
        self._tracks.append(track)
        return track

    # -- life cycle -------------------------------------------------------------------------

    def _merge(self) -> None:
        """Drop the younger of two tracks whose positions and velocities agree."""
        tracks = self._tracks
        if len(tracks) < 2:
            return
        states = [(track.filter.x.tolist(), track.filter.P) for track in tracks]
        dropped: set[int] = set()
        threshold = self.spec.merge_chi2
        for i in range(len(tracks)):
            if i in dropped:
                continue
            (xi, yi, vxi, vyi), pi = states[i]
            for j in range(i + 1, len(tracks)):
                if j in dropped or tracks[i].time_s != tracks[j].time_s:
                    continue
                (xj, yj, vxj, vyj), pj = states[j]
                ex, ey = xi - xj, yi - yj
                if ex * ex + ey * ey > 25.0 or math.hypot(vxi - vxj, vyi - vyj) > 1.5:
                    continue
                sxx = float(pi[0, 0] + pj[0, 0])
                sxy = float(pi[0, 1] + pj[0, 1])
                syy = float(pi[1, 1] + pj[1, 1])
                determinant = sxx * syy - sxy * sxy
                if determinant <= 0.0:
                    continue
                if (syy * ex * ex - 2.0 * sxy * ex * ey + sxx * ey * ey) / determinant < threshold:
                    first, second = tracks[i], tracks[j]
                    older = (first.confirmed, first.age) >= (second.confirmed, second.age)
                    keep, drop = (i, j) if older else (j, i)
                    tracks[keep].sensors_hit |= tracks[drop].sensors_hit
                    dropped.add(drop)
                    if drop == i:
                        break
        if dropped:
            self._tracks = [track for index, track in enumerate(tracks) if index not in dropped]

    def _maintain(self) -> None:
        """Count hits and misses, update existence, confirm and drop tracks."""
        spec = self.spec
        window_mask = (1 << spec.confirm_window) - 1
        limit = spec.existence_limit
        weights = self._weights
        kept: list[_Track] = []
        for track in self._tracks:
            hit = bool(track.sensors_hit)
            track.age += 1
            track.hits = ((track.hits << 1) | hit) & window_mask
            if hit:
                track.misses = 0
                track.log_odds += sum(weights.get(name, 1.0) for name in track.sensors_hit)
            else:
                track.misses += 1
                track.log_odds -= spec.existence_miss
            track.log_odds = min(limit, max(-limit, track.log_odds))
            track.sensors = tuple(sorted(track.sensors_hit))
            track.sensors_hit = set()
            if not track.confirmed and track.hits.bit_count() >= spec.confirm_hits:
                track.confirmed = True
            if track.confirmed:
                if track.misses > spec.max_coast_cycles:
                    continue
            elif track.age >= spec.confirm_window:
                continue
            kept.append(track)
        self._tracks = kept

    # -- output -----------------------------------------------------------------------------

    def _report(self, history: EgoHistory) -> tuple[FusedTrack, ...]:
        now = history.latest
        assert now is not None
        in_path_half_width = self.spec.in_path_half_width_m
        report: list[tuple[tuple[int, float, int], FusedTrack]] = []
        motions: dict[float, FrameMotion] = {}
        for track in self._tracks:
            if not track.confirmed:
                continue
            x, y, vx, vy = track.filter.x.tolist()
            motion = motions.get(track.time_s)
            if motion is None:
                motion = motions[track.time_s] = history.motion(track.time_s, now.time_s)
            dt = motion.dt_s
            px, py = motion.carry(x + vx * dt, y + vy * dt)
            c, s = math.cos(motion.dpsi_rad), math.sin(motion.dpsi_rad)
            gvx, gvy = c * vx + s * vy, -s * vx + c * vy
            ground_speed = math.hypot(gvx, gvy)
            object_class = track.object_class
            if ground_speed > MOVING_SPEED_MPS:
                heading = math.atan2(gvy, gvx)
            elif track.heading_rad is not None:
                heading = math.remainder(track.heading_rad - motion.dpsi_rad, math.tau)
            else:
                heading = 0.0
            default_length, default_width = DEFAULT_SIZE_M[object_class]
            length = track.length_m if track.length_m is not None else default_length
            width = track.width_m if track.width_m is not None else default_width
            half_depth = extent_along_x(length, width, heading)
            half_breadth = 0.5 * length * abs(math.sin(heading)) + 0.5 * width * abs(math.cos(heading))
            longitudinal = nearest_longitudinal_m(px, half_depth)
            in_path = px + half_depth > 0.0 and abs(py) - half_breadth < in_path_half_width
            fused = FusedTrack(
                track.id,
                track.actor_id,
                object_class,
                100.0 / (1.0 + math.exp(-track.log_odds)),
                px,
                py,
                longitudinal,
                gvx - now.speed_mps,
                gvy,
                ground_speed,
                heading,
                length,
                width,
                in_path,
                track.sensors,
                track.age,
            )
            distance = longitudinal if in_path else math.hypot(longitudinal, py)
            report.append(((0 if in_path else 1, distance, track.id), fused))
        report.sort(key=lambda item: item[0])
        return tuple(fused for _, fused in report)
