"""The road ahead as the forward functions model it: the ego's lane and the ego's predicted path.

Everything is in the frame of one perception cycle (ISO 8855, origin at the middle of the front
bumper, x ahead, y left).

- **The lane** (:class:`EgoLane`): the camera reports each marking as a curve
  ``y = offset + tan(heading)·x + curvature·x²/2``; the lane is their average (either one alone
  where only one is seen with enough confidence). Under this constant-curvature model every lane
  beside it bends alike, so the lane's heading at a distance ahead is also the direction of the
  traffic in the neighbouring lanes there.
- **The ego's path** (:class:`EgoPath`): a circle of the yaw rate's curvature, as long as the
  driver is not following a lane. While the driver follows the lane (a lane is seen, the yaw-rate
  curvature is near the lane's and the car points along it), the path turns from the yaw rate's
  circle to the lane's direction over a length ``L`` (``lane_blend_s`` of travel): entering a
  curve the yaw rate lags the road by about half a second, and a driver keeps to the lane rather
  than to the present steering. Turning off the lane (a left turn at a junction) the yaw rate is
  far from the lane's curvature, and the path is the yaw rate's alone.

The blended path has no closed form; it is integrated once per prediction on a table of distances
and interpolated (a few hundred points, well under a millisecond).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sdvkit.safety.perception import LaneMarking

FloatArray = npt.NDArray[np.floating[Any]]

_STRAIGHT_PER_M = 1e-6
"""Curvatures below this are a straight line (the circle's formulas would divide by ~0)."""
STRAIGHT_CURVATURE_PER_M = 1e-4
"""A curvature below this bends a path by less than 0.15 m in 50 m, within the camera's noise
(5·10⁻⁵ 1/m a marking): a vehicle keeping to a lane this straight moves in a straight line (the
closed form is cheaper)."""
_SAME_PATH_M = 0.05
"""Where following the lane would move the path less than this from the yaw rate's circle, the
path stays the circle (the closed form is cheaper than the table)."""
_TABLE_STEP_M = 0.5
_TABLE_MAX_POINTS = 4000


@dataclass(frozen=True, kw_only=True, slots=True)
class EgoLane:
    """The ego's lane: ``y = centre_offset + tan(heading)·x + curvature·x²/2`` (bumper frame)."""

    heading_rad: float
    """Of the lane at the bumper, relative to the vehicle (positive: the lane turns left of it)."""
    curvature_per_m: float
    """Positive bending left."""
    centre_offset_m: float | None = None
    """The lane's centre from the vehicle's centre line at the bumper; None where only one marking
    is seen."""

    def heading_at(self, longitudinal_m: float) -> float:
        """The lane's direction at ``longitudinal_m`` ahead of the bumper, relative to the vehicle."""
        return math.atan(math.tan(self.heading_rad) + self.curvature_per_m * longitudinal_m)


def ego_lane(
    left: LaneMarking | None, right: LaneMarking | None, *, min_confidence_pct: float
) -> EgoLane | None:
    """The lane from the markings seen with at least ``min_confidence_pct``; None without any."""
    seen = [
        marking
        for marking in (left, right)
        if marking is not None and marking.confidence_pct >= min_confidence_pct
    ]
    if not seen:
        return None
    heading = sum(math.radians(marking.heading_deg) for marking in seen) / len(seen)
    curvature = sum(marking.curvature_per_m for marking in seen) / len(seen)
    centre = None
    if len(seen) == 2:
        centre = 0.5 * (seen[0].lateral_offset_m + seen[1].lateral_offset_m)
    return EgoLane(heading_rad=heading, curvature_per_m=curvature, centre_offset_m=centre)


class EgoPath:
    """The path of the ego's centre, by its heading ``θ(s)`` after a distance ``s`` of travel.

    Without a lane to follow: the yaw rate's circle, ``θ = κ_yaw·s``. Following the lane: the
    heading turns from the yaw rate's circle to the lane's direction,
    ``θ = θ_lane(s) + (κ_yaw·s − θ_lane(s))·e^(−s/L)`` with ``θ_lane(s) = ψ_lane + κ_lane·s``
    (``ψ_lane`` the lane's heading relative to the car): a driver keeps to the lane, so the path
    ends up parallel to it, however the yaw rate lags entering or leaving a curve. It leaves the
    lane's line by at most about ``|κ_yaw − κ_lane|·L² + |ψ_lane|·L`` (0.5 m entering a curve of
    150 m radius from the straight at 60 km/h with L = 8 m).

    ``start_x_m`` is where the centre is in the bumper frame (half the ego's length behind it).
    """

    __slots__ = (
        "_heading",
        "_s",
        "_x",
        "_y",
        "blend_m",
        "lane_curvature_per_m",
        "lane_heading_rad",
        "start_x_m",
        "yaw_curvature_per_m",
    )

    def __init__(
        self,
        *,
        yaw_curvature_per_m: float,
        start_x_m: float,
        lane: EgoLane | None = None,
        blend_m: float = 0.0,
    ) -> None:
        self.yaw_curvature_per_m = yaw_curvature_per_m
        self.start_x_m = start_x_m
        self.lane_curvature_per_m: float | None = None
        self.lane_heading_rad = 0.0
        self.blend_m = 0.0
        if lane is not None and blend_m > 0.0:
            apart_m = (
                abs(lane.curvature_per_m - yaw_curvature_per_m) * blend_m * blend_m
                + abs(lane.heading_rad) * blend_m
            )
            if apart_m >= _SAME_PATH_M:
                self.lane_curvature_per_m = lane.curvature_per_m
                self.lane_heading_rad = lane.heading_rad
                self.blend_m = blend_m
        empty: FloatArray = np.zeros(0)
        self._s, self._x, self._y, self._heading = empty, empty, empty, empty

    @property
    def blended(self) -> bool:
        """Whether the path turns towards the lane (else: the yaw rate's circle)."""
        return self.lane_curvature_per_m is not None

    def heading_of(self, distance: FloatArray) -> FloatArray:
        """The path's heading after ``distance`` of travel."""
        kappa = self.yaw_curvature_per_m
        if self.lane_curvature_per_m is None:
            return np.asarray(kappa * distance, dtype=np.float64)
        along_lane = self.lane_heading_rad + self.lane_curvature_per_m * distance
        fading = np.exp(-np.maximum(distance, 0.0) / self.blend_m)
        return np.asarray(along_lane + (kappa * distance - along_lane) * fading, dtype=np.float64)

    def _table(self, longest_m: float) -> None:
        """Integrate the blended path out to ``longest_m`` (kept, and grown when asked for more)."""
        if self._s.size and self._s[-1] >= longest_m:
            return
        step = max(_TABLE_STEP_M, longest_m / _TABLE_MAX_POINTS)
        count = math.ceil(longest_m / step) + 1
        s = np.arange(count + 1) * step
        heading = self.heading_of(s)
        cos, sin = np.cos(heading), np.sin(heading)
        x = np.concatenate(([0.0], np.cumsum(0.5 * step * (cos[1:] + cos[:-1]))))
        y = np.concatenate(([0.0], np.cumsum(0.5 * step * (sin[1:] + sin[:-1]))))
        self._s, self._x, self._y, self._heading = s, x, y, heading

    def poses(self, distance: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Centre (x, y, bumper frame) and heading after ``distance`` of travel (any shape)."""
        if self.lane_curvature_per_m is None:
            kappa = self.yaw_curvature_per_m
            heading = kappa * distance
            if abs(kappa) < _STRAIGHT_PER_M:
                x = distance
                y = 0.5 * kappa * distance * distance
            else:
                x = np.sin(heading) / kappa
                y = (1.0 - np.cos(heading)) / kappa
            return np.asarray(x + self.start_x_m, dtype=np.float64), np.asarray(y, dtype=np.float64), heading
        flat = np.asarray(distance, dtype=np.float64).ravel()
        self._table(float(flat.max(initial=0.0)))
        shape = np.shape(distance)
        x = np.interp(flat, self._s, self._x).reshape(shape)
        y = np.interp(flat, self._s, self._y).reshape(shape)
        heading = self.heading_of(np.asarray(distance, dtype=np.float64))
        return x + self.start_x_m, y, heading

    def _pose(self, distance_m: float) -> tuple[float, float, float]:
        """The centre from where the path starts, and the heading, after ``distance_m``."""
        x, y, heading = self.poses(np.array([distance_m]))
        return float(x[0]) - self.start_x_m, float(y[0]), float(heading[0])

    def offset_m(self, longitudinal_m: float, lateral_m: float) -> float:
        """How far a point (bumper frame) lies left of the path (negative: right of it)."""
        x = longitudinal_m - self.start_x_m
        if self.lane_curvature_per_m is None:
            kappa = self.yaw_curvature_per_m
            if abs(kappa) < _STRAIGHT_PER_M:
                return lateral_m - 0.5 * kappa * x * x
            radius = 1.0 / kappa
            # The circle's centre is at (0, radius) from the ego's centre; left of the path is
            # inside a left turn.
            return (abs(radius) - math.hypot(x, lateral_m - radius)) * (1.0 if kappa > 0 else -1.0)
        # The foot of the perpendicular: a few Newton steps along the path from the point's x.
        s = max(x, 0.0)
        for _ in range(3):
            px, py, heading = self._pose(s)
            step = (x - px) * math.cos(heading) + (lateral_m - py) * math.sin(heading)
            s = max(s + step, 0.0)
            if abs(step) < 1e-3:
                break
        px, py, heading = self._pose(s)
        return -(x - px) * math.sin(heading) + (lateral_m - py) * math.cos(heading)
