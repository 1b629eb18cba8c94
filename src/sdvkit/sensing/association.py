"""Association: detections carried to the tracks' time, gated against them, and assigned.

A cycle's detections were measured at different times (a camera's latency is longer than a
radar's). :func:`align` carries each into the vehicle frame of the cycle's reference time with the
ego's motion alone; an :class:`Aligned` measurement ``lag_s`` old then measures a track's position
``lag_s`` earlier, which under constant velocity is linear in the track's state. :func:`gated_pairs`
keeps the (track, measurement) pairs within a Mahalanobis gate on position; :func:`assign` picks
one track per measurement and one measurement per track: the gated pairs as they are where none
competes, else by the Hungarian method (:func:`scipy.optimize.linear_sum_assignment`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from sdvkit.sensing.egomotion import EgoHistory, FrameMotion
from sdvkit.sensing.sensors import Detection

_UNASSIGNED_COST = 1e9
_GATE_RADIUS_M2 = 20.0**2
"""No measurement farther than 20 m from a track's prediction is gated with it, however uncertain."""

Predicted = tuple[list[float], list[list[float]]]
"""A track's predicted state ``[x, y, vx, vy]`` and covariance, as plain lists (fast to read)."""


class Aligned(NamedTuple):
    """A detection carried into the vehicle frame of the cycle's reference time (ego motion only);
    ``lag_s`` old there. Its position measures the track's position ``lag_s`` earlier: ``H`` rows
    ``[1, 0, -lag, 0]`` and ``[0, 1, 0, -lag]`` (the velocity is constant over the lag)."""

    detection: Detection
    lag_s: float
    x_m: float
    y_m: float
    var_xx_m2: float
    cov_xy_m2: float
    var_yy_m2: float
    los_x: float
    los_y: float
    ground_range_rate_mps: float | None
    """The radar's range rate plus the ego's own speed along the line of sight: the object's
    ground velocity along it."""


def align(
    detections: Sequence[Detection], reference_s: float, history: EgoHistory, acceleration_noise_mps2: float
) -> list[Aligned]:
    motions: dict[float, tuple[FrameMotion, float]] = {}
    aligned: list[Aligned] = []
    q = acceleration_noise_mps2 * acceleration_noise_mps2
    for detection in detections:
        known = motions.get(detection.time_s)
        if known is None:
            known = (history.motion(detection.time_s, reference_s), history.at(detection.time_s).speed_mps)
            motions[detection.time_s] = known
        motion, ego_speed = known
        rate = detection.range_rate_mps
        ground_rate = None if rate is None else rate + detection.los_x * ego_speed
        lag = reference_s - detection.time_s
        if lag <= 0.0:
            aligned.append(
                Aligned(
                    detection,
                    0.0,
                    detection.x_m,
                    detection.y_m,
                    detection.var_xx_m2,
                    detection.cov_xy_m2,
                    detection.var_yy_m2,
                    detection.los_x,
                    detection.los_y,
                    ground_rate,
                )
            )
            continue
        x, y = motion.carry(detection.x_m, detection.y_m)
        c, s = math.cos(motion.dpsi_rad), math.sin(motion.dpsi_rad)
        vxx, vxy, vyy = detection.var_xx_m2, detection.cov_xy_m2, detection.var_yy_m2
        # R' = Rot Σ Rotᵀ with Rot the rotation by -dpsi, plus the process noise over the lag
        spread = q * lag**3 / 3.0
        aligned.append(
            Aligned(
                detection,
                lag,
                x,
                y,
                c * c * vxx + 2 * c * s * vxy + s * s * vyy + spread,
                -c * s * vxx + (c * c - s * s) * vxy + c * s * vyy,
                s * s * vxx - 2 * c * s * vxy + c * c * vyy + spread,
                c * detection.los_x + s * detection.los_y,
                -s * detection.los_x + c * detection.los_y,
                ground_rate,
            )
        )
    return aligned


def gated_pairs(
    measurements: Sequence[Aligned], predicted: Sequence[Predicted], gate_chi2: float
) -> list[tuple[float, int, int]]:
    """(squared Mahalanobis distance, track index, measurement index) of every pair within the
    gate: the innovation of the track's position ``lag_s`` before, against its covariance plus the
    measurement's."""
    gate = gate_chi2
    pairs: list[tuple[float, int, int]] = []
    plain = [(m.x_m, m.y_m, m.lag_s, m.var_xx_m2, m.cov_xy_m2, m.var_yy_m2) for m in measurements]
    for t_index, ((x, y, vx, vy), (p0, p1, p2, p3)) in enumerate(predicted):
        pxx, pxy, pyy = p0[0], p0[1], p1[1]
        for m_index, (mx, my, lag, vxx, vxy, vyy) in enumerate(plain):
            ex = mx - x
            ey = my - y
            if lag:
                ex += lag * vx
                ey += lag * vy
            if ex * ex + ey * ey > _GATE_RADIUS_M2:
                continue
            sxx = pxx + vxx
            sxy = pxy + vxy
            syy = pyy + vyy
            if lag:
                sxx += lag * (lag * p2[2] - 2.0 * p0[2])
                sxy += lag * (lag * p2[3] - p0[3] - p1[2])
                syy += lag * (lag * p3[3] - 2.0 * p1[3])
            determinant = sxx * syy - sxy * sxy
            if determinant <= 0.0:
                continue
            distance2 = (syy * ex * ex - 2.0 * sxy * ex * ey + sxx * ey * ey) / determinant
            if distance2 < gate:
                pairs.append((distance2, t_index, m_index))
    return pairs


def assign(pairs: list[tuple[float, int, int]]) -> dict[int, int]:
    """Measurement index → track index: the gated pairs as they are where none competes with
    another for its track or measurement, else the assignment of least total distance (the
    Hungarian method; a pair outside the gate is never chosen)."""
    if not pairs:
        return {}
    track_uses: dict[int, int] = {}
    detection_uses: dict[int, int] = {}
    for _, t_index, d_index in pairs:
        track_uses[t_index] = track_uses.get(t_index, 0) + 1
        detection_uses[d_index] = detection_uses.get(d_index, 0) + 1
    if all(count == 1 for count in track_uses.values()) and all(
        count == 1 for count in detection_uses.values()
    ):
        return {d_index: t_index for _, t_index, d_index in pairs}
    track_order = sorted(track_uses)
    detection_order = sorted(detection_uses)
    cost = np.full((len(detection_order), len(track_order)), _UNASSIGNED_COST)
    track_at = {t_index: column for column, t_index in enumerate(track_order)}
    detection_at = {d_index: row for row, d_index in enumerate(detection_order)}
    for distance2, t_index, d_index in pairs:
        cost[detection_at[d_index], track_at[t_index]] = distance2
    rows, columns = linear_sum_assignment(cost)
    return {
        detection_order[row]: track_order[column]
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True)
        if cost[row, column] < _UNASSIGNED_COST
    }
