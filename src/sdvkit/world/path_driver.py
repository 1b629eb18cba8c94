"""The path-following driver: steers along a polyline of (x, y) points with pure pursuit
(look-ahead distance growing with speed, reaction delay, steering-rate limit) and sets a target
speed that slows for curves so that the lateral acceleration stays under a limit.

Independent of the vehicle model: the plant calls ``step`` with what the driver can observe. The
step path uses plain floats and ``__slots__`` only.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sdvkit.world._driver_checks import check_spec, check_step
from sdvkit.world.errors import DriverError

_CURVATURE_BASE_M = 1.0
"""Curvature at a path point is taken over neighbours at least this far on either side."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PathDriverSpec:
    """How the path-following driver steers and picks its speed. Pose is of the rear axle's centre."""

    wheelbase_m: float = 2.8
    """Distance between the axles (pure pursuit geometry)."""
    lookahead_min_m: float = 4.0
    """Shortest look-ahead distance (at low speed)."""
    lookahead_time_s: float = 0.8
    """Look-ahead distance is ``max(lookahead_min_m, lookahead_time_s × speed)``."""
    reaction_time_s: float = 0.1
    """The driver perceives the vehicle's pose and speed this late."""
    max_steering_angle_rad: float = 0.6
    """Largest road-wheel angle either way."""
    max_steering_rate_rad_per_s: float = 1.0
    """Fastest change of the road-wheel angle (``math.inf``: no limit)."""
    cruise_speed_mps: float = 13.9
    """Target speed where the path is straight enough."""
    max_lateral_accel_mps2: float = 3.0
    """Curves are taken at most at ``sqrt(max_lateral_accel_mps2 / curvature)``."""
    comfort_decel_mps2: float = 2.0
    """Deceleration used to slow down before curves and before the end of an open path."""
    speed_gain_per_s: float = 1.0
    """m/s² of acceleration demand per m/s of speed below the target."""
    max_accel_mps2: float = 2.5
    """Largest acceleration demand."""
    max_decel_mps2: float = 6.0
    """Largest deceleration demand (positive number)."""
    stop_at_end: bool = True
    """On an open path, come to a stop at the last point (else arrive at the target speed)."""

    def __post_init__(self) -> None:
        check_spec(
            self,
            positive=(
                "wheelbase_m",
                "lookahead_min_m",
                "max_steering_angle_rad",
                "max_steering_rate_rad_per_s",
                "max_lateral_accel_mps2",
                "comfort_decel_mps2",
                "max_accel_mps2",
                "max_decel_mps2",
            ),
            non_negative=("lookahead_time_s", "reaction_time_s", "cruise_speed_mps", "speed_gain_per_s"),
        )
        if not self.max_steering_angle_rad < math.pi / 2:
            raise DriverError(
                f"PathDriverSpec.max_steering_angle_rad = {self.max_steering_angle_rad!r} must be below π/2"
            )


class PathCommand(NamedTuple):
    """What the path driver asks of the vehicle at one step."""

    steering_angle_rad: float
    """Road-wheel angle, positive to the left."""
    target_speed_mps: float
    """The speed the driver wants at this point of the path."""
    acceleration_mps2: float
    """Acceleration demand towards the target speed."""


class PathFollowingDriver:
    """Pure pursuit along a polyline, slowing for curves; :meth:`step` returns a :class:`PathCommand`.

    ``path_xy_m`` is a sequence of (x, y) points in metres, at least 2 (3 if ``closed``), with no two
    consecutive points equal; ``closed`` joins the last point to the first (a loop). Pose given to
    :meth:`step` is the rear axle's centre and the heading (rad, counter-clockwise from +x).
    """

    __slots__ = (
        "_buffer",
        "_closed",
        "_cross_track_m",
        "_last_time_s",
        "_length_m",
        "_n_seg",
        "_profile_mps",
        "_s_m",
        "_seg_m",
        "_segment",
        "_spec",
        "_station_m",
        "_steer_rad",
        "_xs",
        "_ys",
    )

    def __init__(
        self,
        path_xy_m: Sequence[tuple[float, float]],
        *,
        closed: bool = False,
        spec: PathDriverSpec | None = None,
    ) -> None:
        self._spec = spec if spec is not None else PathDriverSpec()
        self._closed = closed
        try:
            points = [(float(x), float(y)) for x, y in path_xy_m]
        except (TypeError, ValueError) as exc:
            raise DriverError(f"path_xy_m must be a sequence of (x, y) numbers: {exc}") from exc
        for i, (x, y) in enumerate(points):
            if not (math.isfinite(x) and math.isfinite(y)):
                raise DriverError(f"path point {i} = ({x!r}, {y!r}) is not finite")
        if closed and len(points) > 1 and points[-1] == points[0]:
            points.pop()  # the loop is closed below
        need = 3 if closed else 2
        if len(points) < need:
            raise DriverError(
                f"a{' closed' if closed else 'n open'} path needs at least {need} distinct points, "
                f"got {len(points)}"
            )
        if closed:
            points.append(points[0])
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        s = [0.0]
        for i in range(1, len(points)):
            step_m = math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1])
            if not step_m > 1e-9:
                raise DriverError(
                    f"path points {i - 1} and {i % (len(points) - 1) if closed else i} coincide"
                )
            s.append(s[-1] + step_m)
        self._xs = xs
        self._ys = ys
        self._s_m = s
        self._seg_m = [s[i + 1] - s[i] for i in range(len(s) - 1)]
        self._length_m = s[-1]
        self._n_seg = len(points) - 1
        self._profile_mps = self._speed_profile()
        self._buffer: deque[tuple[float, float, float, float, float]] = deque()
        self.reset()

    # -- set-up ----------------------------------------------------------------------------------

    def _curvature(self, i: int) -> float:
        """Unsigned curvature at point ``i``, through the nearest neighbours ``_CURVATURE_BASE_M`` away.

        Near the ends of an open path the neighbours may be closer; the end points count as straight.
        """
        n, seg, closed = self._n_seg, self._seg_m, self._closed
        if not closed and i in (0, n):
            return 0.0
        j, back_m = i, 0.0
        while back_m < _CURVATURE_BASE_M and (j > 0 or closed) and i - j < n // 2:
            j -= 1
            back_m += seg[j % n]
        k, ahead_m = i, 0.0
        while ahead_m < _CURVATURE_BASE_M and (k < n or closed) and k - i < n // 2:
            ahead_m += seg[k % n]
            k += 1
        if i in (j, k):
            return 0.0
        xs, ys = self._xs, self._ys
        ax, ay, bx, by, cx, cy = xs[j % n], ys[j % n], xs[i], ys[i], xs[k % n], ys[k % n]
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        denom = math.hypot(bx - ax, by - ay) * math.hypot(cx - bx, cy - by) * math.hypot(cx - ax, cy - ay)
        return 2.0 * abs(cross) / denom if denom > 0.0 else 0.0

    def _speed_profile(self) -> list[float]:
        """Target speed at each path point: curve limit, then a backward pass for braking distance."""
        spec = self._spec
        n = self._n_seg
        points = n + 1
        limit: list[float] = []
        for i in range(points):
            kappa = self._curvature(i % n if self._closed else i)
            v = spec.cruise_speed_mps
            if kappa > 0.0:
                v = min(v, math.sqrt(spec.max_lateral_accel_mps2 / kappa))
            limit.append(v)
        if not self._closed and spec.stop_at_end:
            limit[-1] = 0.0
        profile = limit[:]
        two_d = 2.0 * spec.comfort_decel_mps2
        s = self._s_m
        for _ in range(2 if self._closed else 1):  # twice round a loop to carry braking over the seam
            for i in range(points - 2, -1, -1):
                reach = math.sqrt(profile[i + 1] ** 2 + two_d * (s[i + 1] - s[i]))
                profile[i] = min(profile[i], reach)
            if self._closed:
                profile[-1] = profile[0] = min(profile[0], profile[-1])
        return profile

    def reset(self) -> None:
        """Forget what the driver perceived (a new run); the next step locates the vehicle afresh."""
        self._buffer.clear()
        self._segment = -1
        self._station_m = 0.0
        self._cross_track_m = 0.0
        self._steer_rad = 0.0
        self._last_time_s = -math.inf

    # -- queries ---------------------------------------------------------------------------------

    @property
    def spec(self) -> PathDriverSpec:
        """The driver's parameters."""
        return self._spec

    @property
    def length_m(self) -> float:
        """Length of the path (a loop: once round)."""
        return self._length_m

    @property
    def station_m(self) -> float:
        """Distance along the path of the perceived position at the last step."""
        return self._station_m

    @property
    def cross_track_error_m(self) -> float:
        """Perceived distance from the path at the last step, positive left of it."""
        return self._cross_track_m

    def target_speed_at(self, station_m: float) -> float:
        """The speed profile at a distance along the path (wrapped round a loop, clamped on an open path)."""
        s = self._s_m
        if self._closed:
            station_m %= self._length_m
        elif station_m >= self._length_m:
            return self._profile_mps[-1]
        elif station_m <= 0.0:
            return self._profile_mps[0]
        i = min(bisect_right(s, station_m) - 1, self._n_seg - 1)
        u = (station_m - s[i]) / (s[i + 1] - s[i])
        return self._profile_mps[i] + u * (self._profile_mps[i + 1] - self._profile_mps[i])

    def _profile_slope(self, station_m: float) -> float:
        """d(target speed)/d(station) at a station (0 past the ends of an open path)."""
        s = self._s_m
        if self._closed:
            station_m %= self._length_m
        elif not 0.0 <= station_m < self._length_m:
            return 0.0
        i = min(bisect_right(s, station_m) - 1, self._n_seg - 1)
        return (self._profile_mps[i + 1] - self._profile_mps[i]) / (s[i + 1] - s[i])

    def _point_at(self, station_m: float) -> tuple[float, float]:
        """The path point at a station; an open path is extended straight past its ends."""
        s, xs, ys = self._s_m, self._xs, self._ys
        if self._closed:
            station_m %= self._length_m
            i = min(bisect_right(s, station_m) - 1, self._n_seg - 1)
        elif station_m >= self._length_m:
            i = self._n_seg - 1
        elif station_m <= 0.0:
            i = 0
        else:
            i = bisect_right(s, station_m) - 1
        u = (station_m - s[i]) / (s[i + 1] - s[i])
        return xs[i] + u * (xs[i + 1] - xs[i]), ys[i] + u * (ys[i + 1] - ys[i])

    def _locate(self, x: float, y: float, reach_m: float) -> None:
        """Project (x, y) onto the path near the last segment (everywhere on the first call)."""
        xs, ys, seg, n, closed = self._xs, self._ys, self._seg_m, self._n_seg, self._closed
        last = self._segment
        if last < 0:
            candidates = range(n)
        else:  # from two segments back to reach_m past the last one (indices wrap round a loop)
            end, ahead_m = last + 1, 0.0
            while ahead_m < reach_m and end < last + n:
                ahead_m += seg[end % n]
                end += 1
            candidates = range(last - 2, end + 1) if closed else range(max(last - 2, 0), min(end + 1, n))
        best_d2 = math.inf
        best_k = 0
        best_u = 0.0
        for k_raw in candidates:
            k = k_raw % n
            ax, ay = xs[k], ys[k]
            dx, dy = xs[k + 1] - ax, ys[k + 1] - ay
            u = ((x - ax) * dx + (y - ay) * dy) / (seg[k] * seg[k])
            # an open path extends straight past its ends
            if u < 0.0 and (closed or k > 0):
                u = 0.0
            elif u > 1.0 and (closed or k < n - 1):
                u = 1.0
            px, py = ax + u * dx - x, ay + u * dy - y
            d2 = px * px + py * py
            if d2 < best_d2:
                best_d2, best_k, best_u = d2, k, u
        k = best_k
        self._segment = k
        self._station_m = self._s_m[k] + best_u * seg[k]
        self._cross_track_m = ((xs[k + 1] - xs[k]) * (y - ys[k]) - (ys[k + 1] - ys[k]) * (x - xs[k])) / seg[k]

    # -- the step --------------------------------------------------------------------------------

    def step(
        self, time_s: float, *, x_m: float, y_m: float, yaw_rad: float, speed_mps: float, dt_s: float
    ) -> PathCommand:
        """Steering angle, target speed and acceleration demand for the vehicle's pose and speed.

        Raises :class:`DriverError` for a non-positive ``dt_s``, time going back, or a non-finite input.
        """
        if not (
            dt_s > 0.0
            and time_s >= self._last_time_s
            and math.isfinite(x_m + y_m + yaw_rad + speed_mps + time_s)
        ):
            check_step(
                time_s, self._last_time_s, dt_s, x_m=x_m, y_m=y_m, yaw_rad=yaw_rad, speed_mps=speed_mps
            )
        self._last_time_s = time_s
        spec = self._spec

        buffer = self._buffer
        buffer.append((time_s, x_m, y_m, yaw_rad, speed_mps))
        seen_until_s = time_s - spec.reaction_time_s
        while len(buffer) > 1 and buffer[1][0] <= seen_until_s:
            buffer.popleft()
        _, x, y, yaw, v = buffer[0]

        self._locate(x, y, abs(v) * (dt_s + spec.reaction_time_s) + 5.0)
        station = self._station_m

        # Pure pursuit towards the path point one look-ahead distance further on.
        lookahead_m = max(spec.lookahead_min_m, spec.lookahead_time_s * abs(v))
        tx, ty = self._point_at(station + lookahead_m)
        dx, dy = tx - x, ty - y
        distance_m = math.hypot(dx, dy)
        if distance_m > 1e-6:
            alpha = math.atan2(dy, dx) - yaw
            steer = math.atan2(2.0 * spec.wheelbase_m * math.sin(alpha), distance_m)
        else:
            steer = 0.0
        max_change = spec.max_steering_rate_rad_per_s * dt_s
        previous = self._steer_rad
        if steer > previous + max_change:
            steer = previous + max_change
        elif steer < previous - max_change:
            steer = previous - max_change
        limit = spec.max_steering_angle_rad
        steer = limit if steer > limit else -limit if steer < -limit else steer
        self._steer_rad = steer

        # Speed: the profile where the vehicle is now (the perception delay made up), with feedforward.
        here = station + v * spec.reaction_time_s
        target = self.target_speed_at(here)
        accel = spec.speed_gain_per_s * (target - v) + target * self._profile_slope(here)
        accel = spec.max_accel_mps2 if accel > spec.max_accel_mps2 else accel
        accel = -spec.max_decel_mps2 if accel < -spec.max_decel_mps2 else accel
        return PathCommand(steer, target, accel)
