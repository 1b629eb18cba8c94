"""The ego's recent poses, and how the vehicle frame moved between two of them.

Measurements arrive late (a camera's 100 ms); the tracker and the lane camera carry them to the
current vehicle frame with the ego's own motion, as a real car does with its odometry (wheel speeds
and yaw rate). A point ``p`` in the frame at ``t0`` is ``R(-dpsi) (p - d)`` in the frame at ``t1``,
with ``d`` the bumper's displacement expressed in the frame at ``t0``.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

from sdvkit.sensing.truth import EgoPose

_KEEP = 64
"""Poses kept: 3.2 s at 20 Hz, far more than any latency."""


class FrameMotion(NamedTuple):
    """How the vehicle frame moved from one instant to another, expressed in the earlier frame."""

    dx_m: float
    dy_m: float
    dpsi_rad: float
    dt_s: float

    def carry(self, x_m: float, y_m: float) -> tuple[float, float]:
        """A point of the earlier frame in the later one."""
        c, s = math.cos(self.dpsi_rad), math.sin(self.dpsi_rad)
        px, py = x_m - self.dx_m, y_m - self.dy_m
        return c * px + s * py, -s * px + c * py


STILL = FrameMotion(0.0, 0.0, 0.0, 0.0)


class EgoHistory:
    """The ego's poses at the last cycles, looked up by time."""

    __slots__ = ("_poses",)

    def __init__(self) -> None:
        self._poses: deque[EgoPose] = deque(maxlen=_KEEP)

    def add(self, pose: EgoPose) -> None:
        poses = self._poses
        if poses and pose.time_s == poses[-1].time_s:
            poses.pop()  # the same cycle again: the newer pose wins
        elif poses and pose.time_s < poses[-1].time_s:
            poses.clear()  # time went back: a new run
        poses.append(pose)

    @property
    def latest(self) -> EgoPose | None:
        return self._poses[-1] if self._poses else None

    def at(self, time_s: float) -> EgoPose:
        """The pose kept nearest to ``time_s`` (the poses are the cycles' own times)."""
        poses = self._poses
        if not poses:
            raise LookupError("EgoHistory: no pose yet")
        for pose in reversed(poses):
            if pose.time_s <= time_s + 1e-9:
                return pose
        return poses[0]

    def motion(self, from_s: float, to_s: float) -> FrameMotion:
        """How the frame moved from ``from_s`` to ``to_s``."""
        if to_s <= from_s:
            return STILL
        start, end = self.at(from_s), self.at(to_s)
        c, s = math.cos(start.heading_rad), math.sin(start.heading_rad)
        wx, wy = end.x_m - start.x_m, end.y_m - start.y_m
        return FrameMotion(
            c * wx + s * wy,
            -s * wx + c * wy,
            math.remainder(end.heading_rad - start.heading_rad, math.tau),
            to_s - from_s,
        )
