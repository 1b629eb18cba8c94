"""What LDW, LKA and ELK share: the lane as seen from the front wheels, and the steering controller.

Perception reports each lane marking and road edge as a lateral offset from the vehicle's centre
line at the front bumper (ISO 8855: +left), and each marking's heading relative to the vehicle and
its curvature. :class:`LaneTracker` turns one perception cycle into a :class:`LaneView`:

- every boundary (marking or road edge) with its **distance to line crossing** (DTLC): from the
  outer edge of the front tyre on that side to the line, at the front axle, positive while the
  wheel is inside (the Euro NCAP measure: LKA passes at DTLC ≥ −0.3 m, ELK road edge at ≥ −0.1 m);
- the vehicle's **lateral speed** relative to the lane, ``v·sin(ψ)`` with ψ the vehicle's heading
  relative to the markings; on a road without markings, where perception reports only the edges'
  offsets, from the edges' rate of change (an alpha-beta filter, :class:`EdgeFilter`, which also
  smooths the edges' noisy offsets), and ψ from that speed.

:class:`InterventionThreshold` decides when a drift needs a warning or a correction: when the
wheel is closer to the line than a margin plus what the drift covers during the reaction time
and while a correction at a planned lateral deceleration stops it.

:class:`LateralController` steers toward a target line (a lane centre, or a line inset from the
threatened boundary) with a linear law on the kinematic lane errors::

    κ = κ_road − (2ζω / v)·ψ − (ω² / v²)·e_y

so the lateral error behaves as a second-order system of natural frequency ω and damping ζ;
the curvature is limited to a lateral acceleration and turned into a steering wheel angle with
the steady-state single-track relation ``δ = κ·(L + K·v²)`` (``K`` the understeer gradient),
then limited in angle and rate (the rate limit bounds the lateral jerk).

The ``VehicleGeometry`` a function uses is its calibration of the car it runs in (wheel track,
wheelbase, steering ratio), as an OEM would configure it; it is not read from the simulation.

The three apps also share their plumbing here: what they read (:data:`LANE_FUNCTION_READS`,
:func:`sample_lane_inputs`, which turns a stale or inconsistent input into a fault reason instead
of an exception), their ``IsEnabled`` switch (:class:`EnabledSwitch`) and their speed range with
hysteresis (:class:`SpeedWindow`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from sdvkit.runtime import Input, VehicleApp
from sdvkit.safety.errors import PerceptionError, SafetyConfigError
from sdvkit.safety.perception import PERCEPTION_READS, LaneMarking, Perceived, Track, read_perception

SPEED = "Vehicle.Speed"
STEERING_WHEEL_ANGLE = "Vehicle.Chassis.SteeringWheel.Angle"
LEFT_INDICATOR = "Vehicle.Body.Lights.DirectionIndicator.Left.IsSignaling"
RIGHT_INDICATOR = "Vehicle.Body.Lights.DirectionIndicator.Right.IsSignaling"
LANE_FUNCTION_READS: tuple[Input | str, ...] = (
    *PERCEPTION_READS,
    Input(path=SPEED, rate_hz=50.0),
    Input(path=STEERING_WHEEL_ANGLE, rate_hz=50.0),
    LEFT_INDICATOR,
    RIGHT_INDICATOR,
)
"""Manifest reads every lane function needs: perception, speed, the steering wheel, the indicators."""


def checked(owner: str, name: str, value: object, low: float, high: float) -> float:
    """``value`` as a float within [low, high]; SafetyConfigError naming the field otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SafetyConfigError(f"{owner}.{name} must be a finite number, not {value!r}")
    if not low <= value <= high:
        raise SafetyConfigError(f"{owner}.{name} must be in [{low:g}, {high:g}], not {value!r}")
    return float(value)


class Side(StrEnum):
    """A side of the vehicle, with the sign of y on that side."""

    LEFT = "LEFT"
    RIGHT = "RIGHT"

    @property
    def sign(self) -> float:
        return 1.0 if self is Side.LEFT else -1.0


def is_solid(marking_type: str) -> bool:
    """Solid, double solid and the mixed solid/dashed lines (which half faces the car is not
    reported, so a mixed line counts as solid: the cautious reading)."""
    return "SOLID" in marking_type


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleGeometry:
    """The function's calibration of its own car (defaults: a mid-size EV)."""

    wheel_outer_half_width_m: float = 0.9
    """From the centre line to the outer edge of a front tyre (a 1.8 m wide car)."""
    front_axle_behind_bumper_m: float = 0.9
    """Front overhang: where the front wheels are, behind the perception origin."""
    wheelbase_m: float = 2.7
    steering_ratio: float = 15.0
    understeer_gradient_rad_per_mps2: float = 0.003
    """Extra road-wheel angle per m/s² of lateral acceleration (≈ 1.7°/g, a mildly understeering car)."""

    def __post_init__(self) -> None:
        owner = "VehicleGeometry"
        checked(owner, "wheel_outer_half_width_m", self.wheel_outer_half_width_m, 0.3, 1.5)
        checked(owner, "front_axle_behind_bumper_m", self.front_axle_behind_bumper_m, 0.0, 3.0)
        checked(owner, "wheelbase_m", self.wheelbase_m, 1.0, 6.0)
        checked(owner, "steering_ratio", self.steering_ratio, 5.0, 40.0)
        checked(owner, "understeer_gradient_rad_per_mps2", self.understeer_gradient_rad_per_mps2, -0.01, 0.05)


@dataclass(frozen=True, kw_only=True, slots=True)
class LateralControlParams:
    """Gains and limits of the lane controller."""

    natural_frequency_rad_per_s: float = 1.2
    damping_ratio: float = 0.9
    max_lateral_accel_mps2: float = 3.0
    """The most lateral acceleration a correction asks for (ISO 11270 allows LKA 3 m/s²)."""
    max_steering_wheel_angle_deg: float = 90.0
    max_steering_wheel_rate_deg_per_s: float = 60.0
    """≈ 60°/s at the wheel is ≈ 7 m/s³ of lateral jerk at 72 km/h."""
    min_control_speed_mps: float = 3.0
    """The law divides by the speed: below this it uses this speed (a stop in lane ends at 0)."""

    def __post_init__(self) -> None:
        owner = "LateralControlParams"
        checked(owner, "natural_frequency_rad_per_s", self.natural_frequency_rad_per_s, 0.1, 10.0)
        checked(owner, "damping_ratio", self.damping_ratio, 0.1, 3.0)
        checked(owner, "max_lateral_accel_mps2", self.max_lateral_accel_mps2, 0.1, 10.0)
        checked(owner, "max_steering_wheel_angle_deg", self.max_steering_wheel_angle_deg, 1.0, 720.0)
        checked(
            owner, "max_steering_wheel_rate_deg_per_s", self.max_steering_wheel_rate_deg_per_s, 1.0, 1000.0
        )
        checked(owner, "min_control_speed_mps", self.min_control_speed_mps, 0.5, 20.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class InterventionThreshold:
    """When a drift toward a line needs action: the wheel is within ``margin_m`` plus what the drift
    covers in ``reaction_s`` and while a correction at ``planned_lateral_decel_mps2`` stops it."""

    margin_m: float
    reaction_s: float
    planned_lateral_decel_mps2: float
    min_outward_speed_mps: float = 0.05
    """Slower drifts are not acted on (a car holding its place near a line)."""

    def __post_init__(self) -> None:
        owner = "InterventionThreshold"
        checked(owner, "margin_m", self.margin_m, -1.0, 2.0)
        checked(owner, "reaction_s", self.reaction_s, 0.0, 3.0)
        checked(owner, "planned_lateral_decel_mps2", self.planned_lateral_decel_mps2, 0.1, 10.0)
        checked(owner, "min_outward_speed_mps", self.min_outward_speed_mps, 0.0, 2.0)

    def needed_m(self, outward_speed_mps: float) -> float:
        """The distance to the line at which to act, for this outward speed."""
        v = max(outward_speed_mps, 0.0)
        return self.margin_m + v * self.reaction_s + v * v / (2.0 * self.planned_lateral_decel_mps2)

    def triggers(self, distance_m: float, outward_speed_mps: float) -> bool:
        return outward_speed_mps > self.min_outward_speed_mps and distance_m <= self.needed_m(
            outward_speed_mps
        )


class Boundary(NamedTuple):
    """A lane marking or a road edge on one side, at the front axle."""

    side: Side
    kind: str
    """The marking type (SOLID, DASHED, …) or ``ROAD_EDGE``."""
    offset_m: float
    """Lateral offset of the line at the front bumper (vehicle frame, +left)."""
    distance_m: float
    """DTLC: from the outer edge of the front tyre to the line; positive while inside."""


ROAD_EDGE = "ROAD_EDGE"


@dataclass(frozen=True, kw_only=True, slots=True)
class LaneView:
    """One perception cycle, as the lane functions use it."""

    speed_mps: float
    heading_rad: float
    """The vehicle's heading relative to the lane, +left."""
    lateral_speed_mps: float
    """The vehicle's speed across the lane, +left."""
    curvature_per_m: float
    markings: dict[Side, Boundary]
    """The markings seen (a side is absent where none is)."""
    edges: dict[Side, Boundary]
    """The road edges seen."""
    objects: tuple[Track, ...]
    """The perception cycle's tracks."""

    def outward_speed_mps(self, side: Side) -> float:
        """The speed toward ``side`` (negative when moving away from it)."""
        return side.sign * self.lateral_speed_mps

    def boundary(self, side: Side) -> Boundary | None:
        """The nearer of the marking and the edge on ``side``."""
        found = [b for b in (self.markings.get(side), self.edges.get(side)) if b is not None]
        return min(found, key=lambda b: b.distance_m) if found else None

    def target_offset_m(self, *, away_from: Side | None, nominal_lane_width_m: float) -> float | None:
        """Where to steer (an offset at the bumper, +left): the middle between the two boundaries
        when they are at most a lane apart, else half a nominal lane inside the boundary
        ``away_from`` (or, with no threat, the right one). None where no boundary is seen."""
        left, right = self.boundary(Side.LEFT), self.boundary(Side.RIGHT)
        half = 0.5 * nominal_lane_width_m
        if (
            left is not None
            and right is not None
            and left.offset_m - right.offset_m <= 1.25 * nominal_lane_width_m
        ):
            return 0.5 * (left.offset_m + right.offset_m)
        order = (Side.RIGHT, Side.LEFT) if away_from is None else (away_from, Side.RIGHT, Side.LEFT)
        for side in order:
            found = self.boundary(side)
            if found is not None:
                return found.offset_m - side.sign * half
        return None


class EdgeFilter:
    """An alpha-beta filter on one road edge's lateral offset: a smoothed offset and its rate.

    Perception measures road edges far less precisely than markings (a kerb or the end of the
    asphalt; the sensing camera's noise is ~0.15 m), and on an unmarked road the edges' rate is
    the only measure of the drift. The defaults are Kalata's steady-state gains for 0.15 m of noise,
    1 m/s² of lateral acceleration and 20 Hz. Where markings give the lateral speed, it is used as
    the rate and only the offset is corrected. A jump of more than ``reset_jump_m`` (another road)
    restarts the filter.
    """

    def __init__(self, *, alpha: float = 0.17, beta: float = 0.015, reset_jump_m: float = 1.0) -> None:
        self.alpha = checked("EdgeFilter", "alpha", alpha, 0.0, 1.0)
        self.beta = checked("EdgeFilter", "beta", beta, 0.0, 2.0)
        self.reset_jump_m = checked("EdgeFilter", "reset_jump_m", reset_jump_m, 0.0, 100.0)
        self.offset_m: float | None = None
        self.rate_mps = 0.0
        self.samples = 0
        self._time_s = 0.0

    def update(self, measured_m: float, now_s: float, known_rate_mps: float | None = None) -> float:
        """Take one measurement; returns the filtered offset."""
        offset = self.offset_m
        dt_s = now_s - self._time_s
        if offset is None or dt_s <= 0.0 or abs(measured_m - offset) > self.reset_jump_m:
            self.offset_m, self.samples = measured_m, 1
            self.rate_mps = known_rate_mps if known_rate_mps is not None else 0.0
            self._time_s = now_s
            return measured_m
        if known_rate_mps is not None:
            self.rate_mps = known_rate_mps
        predicted = offset + self.rate_mps * dt_s
        residual = measured_m - predicted
        self.offset_m = predicted + self.alpha * residual
        if known_rate_mps is None:
            self.rate_mps += self.beta * residual / dt_s
        self.samples += 1
        self._time_s = now_s
        return self.offset_m


class LaneTracker:
    """Turns perception cycles into :class:`LaneView` s; filters the road edges between cycles."""

    def __init__(
        self, vehicle: VehicleGeometry, *, edge_alpha: float = 0.17, edge_beta: float = 0.015
    ) -> None:
        self.vehicle = vehicle
        self._alpha, self._beta = edge_alpha, edge_beta
        self._edges = {side: EdgeFilter(alpha=edge_alpha, beta=edge_beta) for side in Side}
        self._edge_offsets: dict[Side, float] = {}
        self._last_cycle: int | None = None

    def reset(self) -> None:
        self._edges = {side: EdgeFilter(alpha=self._alpha, beta=self._beta) for side in Side}
        self._edge_offsets = {}
        self._last_cycle = None

    def _update_edges(
        self, perceived: Perceived, now_s: float, marking_speed_mps: float | None
    ) -> float | None:
        """Filter the edges of a new cycle; the lateral speed they show (None without edges)."""
        measured = {Side.LEFT: perceived.left_edge_m, Side.RIGHT: perceived.right_edge_m}
        if perceived.cycle != self._last_cycle:
            self._last_cycle = perceived.cycle
            known = -marking_speed_mps if marking_speed_mps is not None else None
            self._edge_offsets = {}
            for side, offset in measured.items():
                if offset is None:
                    self._edges[side] = EdgeFilter(alpha=self._alpha, beta=self._beta)
                    continue
                self._edge_offsets[side] = self._edges[side].update(offset, now_s, known)
        rates = [self._edges[side].rate_mps for side in self._edge_offsets if self._edges[side].samples > 1]
        # The vehicle's speed across the lane is minus the edges' rate of change.
        return -sum(rates) / len(rates) if rates else None

    def update(self, perceived: Perceived, speed_mps: float, now_s: float) -> LaneView:
        """The lane as seen in ``perceived`` at ``now_s``, for a car at ``speed_mps``."""
        seen: list[tuple[Side, LaneMarking]] = [
            (side, marking)
            for side, marking in ((Side.LEFT, perceived.left_marking), (Side.RIGHT, perceived.right_marking))
            if marking is not None and marking.marking_type != "NONE"
        ]
        if seen:
            # The markings' heading relative to the vehicle is minus the vehicle's relative to them.
            heading_rad = -math.radians(sum(m.heading_deg for _, m in seen) / len(seen))
            curvature = sum(m.curvature_per_m for _, m in seen) / len(seen)
            lateral_speed = speed_mps * math.sin(heading_rad)
            self._update_edges(perceived, now_s, lateral_speed)
        else:
            edge_speed = self._update_edges(perceived, now_s, None)
            lateral_speed = edge_speed if edge_speed is not None else 0.0
            ratio = lateral_speed / speed_mps if speed_mps > 1.0 else 0.0
            heading_rad = math.asin(max(-1.0, min(1.0, ratio)))
            curvature = 0.0
        vehicle = self.vehicle
        axle_x = -vehicle.front_axle_behind_bumper_m
        half = vehicle.wheel_outer_half_width_m

        def boundary(side: Side, kind: str, offset: float, line_heading: float, curvature: float) -> Boundary:
            at_axle = offset + math.tan(line_heading) * axle_x + 0.5 * curvature * axle_x * axle_x
            return Boundary(side=side, kind=kind, offset_m=offset, distance_m=side.sign * at_axle - half)

        markings = {
            side: boundary(
                side, m.marking_type, m.lateral_offset_m, math.radians(m.heading_deg), m.curvature_per_m
            )
            for side, m in seen
        }
        edges = {
            side: boundary(side, ROAD_EDGE, offset, -heading_rad, curvature)
            for side, offset in self._edge_offsets.items()
        }
        return LaneView(
            speed_mps=speed_mps,
            heading_rad=heading_rad,
            lateral_speed_mps=lateral_speed,
            curvature_per_m=curvature,
            markings=markings,
            edges=edges,
            objects=perceived.objects,
        )


class LateralController:
    """Steers toward a target line; the output is rate limited from where the wheel is."""

    def __init__(self, control: LateralControlParams, vehicle: VehicleGeometry) -> None:
        self.control = control
        self.vehicle = vehicle
        self.request_deg = 0.0
        """The last steering wheel angle asked for."""

    def reset(self, steering_wheel_deg: float) -> None:
        """Start from the wheel's present angle, so the first request does not jump."""
        self.request_deg = steering_wheel_deg

    def wanted_curvature_per_m(self, view: LaneView, target_offset_m: float) -> float:
        """The path curvature the law asks for, limited to the lateral acceleration allowed."""
        control = self.control
        speed = max(view.speed_mps, control.min_control_speed_mps)
        omega = control.natural_frequency_rad_per_s
        lateral_error_m = -target_offset_m  # the vehicle relative to the target, +left
        curvature = (
            view.curvature_per_m
            - 2.0 * control.damping_ratio * omega / speed * view.heading_rad
            - omega * omega / (speed * speed) * lateral_error_m
        )
        limit = control.max_lateral_accel_mps2 / (speed * speed)
        return max(-limit, min(limit, curvature))

    def steer(self, view: LaneView, target_offset_m: float, dt_s: float) -> float:
        """The steering wheel angle (degrees, +left) to ask for now."""
        control, vehicle = self.control, self.vehicle
        speed = max(view.speed_mps, control.min_control_speed_mps)
        curvature = self.wanted_curvature_per_m(view, target_offset_m)
        road_wheel_rad = curvature * (
            vehicle.wheelbase_m + vehicle.understeer_gradient_rad_per_mps2 * speed**2
        )
        wanted = math.degrees(road_wheel_rad) * vehicle.steering_ratio
        limit = control.max_steering_wheel_angle_deg
        wanted = max(-limit, min(limit, wanted))
        step = control.max_steering_wheel_rate_deg_per_s * dt_s
        self.request_deg += max(-step, min(step, wanted - self.request_deg))
        return self.request_deg


class LaneInputs(NamedTuple):
    """One sample of what every lane function reads."""

    perceived: Perceived
    speed_mps: float
    steering_wheel_deg: float
    left_indicator: bool
    right_indicator: bool

    def indicates(self, side: Side) -> bool:
        return self.left_indicator if side is Side.LEFT else self.right_indicator


def sample_lane_inputs(app: VehicleApp) -> LaneInputs | str:
    """Read perception, speed, steering wheel and indicators (an app with ``LANE_FUNCTION_READS``),
    or say why the function cannot act this cycle: a stale rated input, or an inconsistent
    perception cycle. A function then reports a fault and lets go; it never stops the car's loop."""
    stale = app.stale_input_details()
    if stale:
        return "stale input: " + ", ".join(
            f"{item.path} ({'never arrived' if item.age_s is None else f'{item.age_s:.2f} s old'})"
            for item in stale
        )
    try:
        perceived = read_perception(app)
    except PerceptionError as error:
        return f"inconsistent perception: {error}"
    speed, wheel, left, right = app.get_many((SPEED, STEERING_WHEEL_ANGLE, LEFT_INDICATOR, RIGHT_INDICATOR))
    return LaneInputs(
        perceived=perceived,
        speed_mps=float(speed.value) / 3.6 if speed is not None else 0.0,
        steering_wheel_deg=float(wheel.value) if wheel is not None else 0.0,
        left_indicator=left is not None and left.value is True,
        right_indicator=right is not None and right.value is True,
    )


class TrackedLane(NamedTuple):
    """One cycle of a steering lane function's inputs: the sample, the filtered lane view, and
    whether the speed is inside the function's window."""

    inputs: LaneInputs
    view: LaneView
    in_speed_window: bool


def track_lane(app: VehicleApp, tracker: LaneTracker, speed_window: SpeedWindow) -> TrackedLane | str:
    """:func:`sample_lane_inputs`, then the lane tracker and the speed window (LKA and ELK); on a
    fault the tracker starts over and the reason is returned, as ``sample_lane_inputs`` says it."""
    sampled = sample_lane_inputs(app)
    if isinstance(sampled, str):
        tracker.reset()
        return sampled
    view = tracker.update(sampled.perceived, sampled.speed_mps, app.now_s)
    return TrackedLane(sampled, view, speed_window.update(sampled.speed_mps * 3.6))


class EnabledSwitch:
    """A function's ``IsEnabled`` actuator: the function provides it, starts on (Euro NCAP wants
    lane support on at every start) and reports the driver's choice back on the same path."""

    def __init__(self, path: str, *, enabled: bool = True) -> None:
        self.path = path
        self.enabled = enabled

    def start(self, app: VehicleApp) -> None:
        def on_request(requests: list[tuple[str, Any]]) -> None:
            for _, value in requests:
                self.enabled = bool(value)
            app.publish({self.path: self.enabled})

        app.provide_actuation(self.path, on_request)
        app.publish({self.path: self.enabled})


class SpeedWindow:
    """Whether a function works at this speed: on from ``min_kph`` to ``max_kph``, off again only
    ``hysteresis_kph`` outside that range, so a speed hovering at a limit does not toggle it."""

    def __init__(self, *, min_kph: float, max_kph: float, hysteresis_kph: float = 3.0) -> None:
        if not 0.0 <= min_kph < max_kph:
            raise SafetyConfigError(
                f"speed window: need 0 <= min_kph < max_kph, got {min_kph!r}, {max_kph!r}"
            )
        self.min_kph = min_kph
        self.max_kph = max_kph
        self.hysteresis_kph = checked("SpeedWindow", "hysteresis_kph", hysteresis_kph, 0.0, 50.0)
        self.active = False

    def update(self, speed_kph: float) -> bool:
        margin = self.hysteresis_kph if self.active else 0.0
        self.active = self.min_kph - margin <= speed_kph <= self.max_kph + margin
        return self.active
