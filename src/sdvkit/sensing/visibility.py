"""Which objects a sensor can see: field of view, range and occlusion, in 2-D with heights.

Seen from the sensor's mounting point, each object's box spans an interval of bearings. Nearer
objects cast shadows over those intervals; a shadow hides an object only where it is tall enough:
the line from the sensor over the occluder's top reaches, at the object's distance, the height
``h_s + (h_occluder - h_s) * d_object / d_occluder`` (``h_s`` the sensor's height); when that
covers more than :data:`MAX_HIDDEN_HEIGHT_SHARE` of the object's height, the shadow hides it (a
head above a car roof is not a detectable pedestrian). An object is visible to a lobe when at
least ``min_visible_fraction`` of its bearing interval lies in the lobe's field of view and in no
such shadow, and its nearest point is within the lobe's range.

Lifted boxes (a sign gantry, ``clearance_m > 0``) cast no shadow on the road users beneath, and
overhead structures are no objects at all (see :data:`~sdvkit.sensing.truth.OVERHEAD_MARGIN_M`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from sdvkit.sensing.specs import Lobe, Mounting
from sdvkit.sensing.truth import TruthObject

MAX_HIDDEN_HEIGHT_SHARE = 0.6
"""A shadow hides an object when it covers more than this share of the object's height."""


class Sighting(NamedTuple):
    """An object a sensor can see, in the sensor's own frame (x along its boresight)."""

    obj: TruthObject
    range_m: float
    """To the box's centre."""
    azimuth_rad: float
    """Of the box's centre, from the boresight, positive to the left."""
    near_range_m: float
    """To the box's nearest point."""
    visible_fraction: float
    lobe: Lobe
    """The lobe that sees the largest share of it."""


class _Candidate(NamedTuple):
    obj: TruthObject
    range_m: float
    azimuth_rad: float
    near_range_m: float
    low_rad: float
    high_rad: float


def _covered(low: float, high: float, shadows: list[tuple[float, float]]) -> float:
    """How much of [low, high] the union of ``shadows`` covers."""
    clipped = sorted((max(a, low), min(b, high)) for a, b in shadows if b > low and a < high)
    covered = 0.0
    end = low
    for a, b in clipped:
        if b <= end:
            continue
        covered += b - max(a, end)
        end = b
    return covered


class SensorGeometry:
    """A sensor's mounting and lobes, with what every scan needs computed once."""

    __slots__ = (
        "cos_yaw",
        "height_m",
        "lobes",
        "max_half_rad",
        "max_range_m",
        "sin_yaw",
        "x_m",
        "y_m",
        "yaw_rad",
    )

    def __init__(self, mounting: Mounting, lobes: Sequence[Lobe]) -> None:
        self.x_m, self.y_m, self.height_m = mounting.x_m, mounting.y_m, mounting.height_m
        self.yaw_rad = mounting.yaw_rad
        self.cos_yaw, self.sin_yaw = math.cos(self.yaw_rad), math.sin(self.yaw_rad)
        self.lobes = tuple((lobe.half_angle_rad, lobe.max_range_m, lobe) for lobe in lobes)
        self.max_range_m = max(lobe.max_range_m for lobe in lobes)
        self.max_half_rad = max(lobe.half_angle_rad for lobe in lobes)


def visible_objects(
    geometry: SensorGeometry, objects: Sequence[TruthObject], *, min_visible_fraction: float
) -> list[Sighting]:
    """The objects the sensor of ``geometry`` sees, nearest first."""
    cy, sy = geometry.cos_yaw, geometry.sin_yaw
    mx, my = geometry.x_m, geometry.y_m
    max_range = geometry.max_range_m
    max_half = geometry.max_half_rad
    lobes = geometry.lobes
    candidates: list[_Candidate] = []
    atan2, hypot = math.atan2, math.hypot
    for obj in objects:
        if obj.overhead:
            continue
        px, py = obj.x_m - mx, obj.y_m - my
        fx = px * cy + py * sy
        fy = -px * sy + py * cy
        reach = obj.reach_m
        if fx < -reach and max_half <= 0.5 * math.pi:
            continue  # behind a sensor that looks no further than sideways
        range_m = hypot(fx, fy)
        if range_m - reach > max_range:
            continue
        azimuth = atan2(fy, fx)
        if range_m <= reach:
            low, high, near = -math.pi, math.pi, 0.0
        else:
            spread = abs(azimuth) - math.asin(reach / range_m)
            for half, lobe_range, _ in lobes:  # does any lobe come near it?
                if spread <= half and range_m - reach <= lobe_range:
                    break
            else:
                continue
            # the box's axes in the sensor frame, and its corners' bearings from its centre's
            ch = obj.cos_heading * cy + obj.sin_heading * sy
            sh = obj.sin_heading * cy - obj.cos_heading * sy
            half_length, half_width = 0.5 * obj.length_m, 0.5 * obj.width_m
            ux, uy = fx / range_m, fy / range_m
            lx, ly = half_length * ch, half_length * sh
            wx, wy = -half_width * sh, half_width * ch
            # along and across the line of sight: the centre at (range, 0)
            l_along, l_across = lx * ux + ly * uy, ly * ux - lx * uy
            w_along, w_across = wx * ux + wy * uy, wy * ux - wx * uy
            a1 = atan2(l_across + w_across, range_m + l_along + w_along)
            a2 = atan2(l_across - w_across, range_m + l_along - w_along)
            a3 = atan2(-l_across - w_across, range_m - l_along - w_along)
            a4 = atan2(-l_across + w_across, range_m - l_along + w_along)
            low = azimuth + min(a1, a2, a3, a4)
            high = azimuth + max(a1, a2, a3, a4)
            # the sensor in the box's own frame gives the distance to the box's nearest point
            u = abs(fx * ch + fy * sh) - half_length
            v = abs(-fx * sh + fy * ch) - half_width
            near = hypot(u if u > 0.0 else 0.0, v if v > 0.0 else 0.0)
        candidates.append(_Candidate(obj, range_m, azimuth, near, low, high))
    if not candidates:
        return []
    if len(candidates) > 1:
        candidates.sort(key=_by_near)
    sensor_height = geometry.height_m
    occluders: list[_Candidate] = []
    seen: list[Sighting] = []
    for candidate in candidates:
        low, high, near = candidate.low_rad, candidate.high_rad, candidate.near_range_m
        span = high - low
        if span > 0.0:
            shadows: list[tuple[float, float]] = []
            if occluders:
                hides_above_m = MAX_HIDDEN_HEIGHT_SHARE * candidate.obj.height_m
                for occluder in occluders:
                    if occluder.high_rad <= low or occluder.low_rad >= high:
                        continue
                    occluder_near = occluder.near_range_m
                    if occluder_near > 0.0:
                        top_m = occluder.obj.height_m
                        if sensor_height + (top_m - sensor_height) * near / occluder_near <= hides_above_m:
                            continue
                    shadows.append((occluder.low_rad, occluder.high_rad))
            best_fraction = 0.0
            best_lobe: Lobe | None = None
            for half, lobe_range, lobe in lobes:
                if near > lobe_range:
                    continue
                in_low = low if low > -half else -half
                in_high = high if high < half else half
                if in_high <= in_low:
                    continue
                hidden = _covered(in_low, in_high, shadows) if shadows else 0.0
                fraction = (in_high - in_low - hidden) / span
                if fraction > best_fraction:
                    best_fraction, best_lobe = fraction, lobe
            if best_lobe is not None and best_fraction >= min_visible_fraction:
                seen.append(
                    Sighting(
                        candidate.obj,
                        candidate.range_m,
                        candidate.azimuth_rad,
                        near,
                        best_fraction,
                        best_lobe,
                    )
                )
        if not candidate.obj.lifted:
            occluders.append(candidate)
    return seen


def _by_near(candidate: _Candidate) -> float:
    return candidate.near_range_m
