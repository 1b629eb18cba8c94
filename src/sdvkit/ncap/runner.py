"""Run one test point: the VUT, its functions, the driving robot and a recorder on one broker.

:func:`run_point` builds the scenario (unless given one), starts the vehicle plant at the VUT's
start pose and speed with the scenario's world, the vehicle's functions (``stack``), the
:class:`~sdvkit.ncap.robot.DrivingRobot` and a :class:`Recorder`, all on the lock-step clock,
runs until the run ends, and scores what the recorder measured.

A run ends at the first collision of the VUT, once the VUT has stopped, at ``duration_s``, or
(with ``end_when_target_passed``) once its target can no longer be hit: when it is behind the
VUT, or, after the VUT has slowed down, when it drives away ahead of the VUT or is beside the
VUT's path moving away from it.

What is measured, from the world's truth (the recorder is test equipment):

- impact speed: the relative velocity at the collision along the VUT's heading (rear-end: the
  closing speed; a crossing target: the VUT's own speed; head-on: both speeds), from the
  collision event at its exact time;
- speed reduction: the start speed less the VUT's speed at impact (all of it without impact);
- FCW TTC: the true time to collision (bumper-to-box gap over the longitudinal closing speed)
  at the first ``Vehicle.ADAS.FCW.IsWarning``;
- lane support: the most the outer front wheel got past the line or edge under test;
- AEB: active if it was ever engaged or asked for any deceleration.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol, cast

from sdvkit.ncap.builders import build_scenario
from sdvkit.ncap.builders.common import VUT_LENGTH_M, VUT_SPEC, VUT_WIDTH_M
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.results import PointResult, RunTrace
from sdvkit.ncap.robot import DrivingRobot
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint
from sdvkit.ncap.scoring import score_point
from sdvkit.ncap.stack import vehicle_stack
from sdvkit.runtime import AppRole, AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.subscription import Datapoint
from sdvkit.vehicle.library import DEFAULT_VEHICLE, builtin_vehicle
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.roads import Road
from sdvkit.world.scene import EGO_ID, CollisionEvent, EgoRelative

PLANT_STEP_S = 0.01
"""The plant and the world step at 100 Hz. At 50 Hz (a 20 ms tick) the sensing app publishes no
tracks, so no function acts at all (``bench/ncap.py --compare-50hz``); the geometry alone would
be as accurate (the impact is found within the step)."""


FCW_WARNING = "Vehicle.ADAS.FCW.IsWarning"
AEB_ENGAGED = "Vehicle.ADAS.AEB.IsEngaged"
AEB_REQUEST = "Vehicle.ADAS.AEB.AccelerationRequest"
STOPPED_MPS = 0.05
"""The VUT counts as stopped below this speed (once it has moved faster than ``MOVING_MPS``)."""
MOVING_MPS = 0.5
AEB_ACTIVE_MPS2 = 0.1
"""AEB counts as active once it asks for more deceleration than this."""
CLEAR_MARGIN_M = 0.5
"""A target this far beside the VUT's box, moving away, can no longer be hit."""
SAME_DIRECTION_RAD = 0.5
PULLING_AWAY_MPS = 0.3
SLOWED_MPS = 1.0
"""A target ahead counts as out of reach only once the VUT is this much below its start speed."""


class TrackSource(Protocol):
    """A sensing app that says which actor each published track came from (test benches only)."""

    @property
    def tracks(self) -> Sequence[object]: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What the recorder measured in one run (before scoring)."""

    impact: bool
    impact_speed_kph: float
    speed_reduction_kph: float
    impact_offset_m: float | None
    fcw_warned: bool
    fcw_ttc_s: float | None
    aeb_activated: bool
    end_lateral_offset_m: float | None
    notes: tuple[str, ...]


class _LineUnderTest:
    """The lane line or road edge a lane-support point is judged on, in its road's coordinates."""

    __slots__ = ("edge", "forward", "lane_id", "road", "side")

    def __init__(self, road: Road, lane_id: int, side: int, *, edge: bool) -> None:
        self.road = road
        self.lane_id = lane_id
        self.side = side
        self.edge = edge
        self.forward = road.drives_forward(lane_id)

    def past_m(self, x_m: float, y_m: float) -> float | None:
        """How far a point is past the line (negative: inside), or None off the road's length."""
        coords = self.road.try_road_coords(x_m, y_m)
        if coords is None:
            return None
        right, left = (
            self.road.edges_at(coords.s_m) if self.edge else self.road.lane_bounds(self.lane_id, coords.s_m)
        )
        to_left = (self.side > 0) == self.forward  # the side under test lies towards +t
        return coords.t_m - left if to_left else right - coords.t_m


class Recorder(VehicleApp):
    """Test equipment: samples the run's trace, measures what is scored and says when it ends.

    It steps every tick, after everything else. The functions' outputs reach it by subscription;
    the truth it reads from the world.
    """

    name = "ncap recorder"
    manifest = Manifest(reads=(FCW_WARNING, AEB_ENGAGED, AEB_REQUEST), role=AppRole.TEST_BENCH)

    def __init__(
        self,
        setup: ScenarioSetup,
        plant: VehiclePlant,
        *,
        record_hz: float,
        step_s: float,
        front_axle_m: float,
        vut_length_m: float,
        vut_width_m: float,
        sensing: TrackSource | None = None,
    ) -> None:
        super().__init__(step_period_s=step_s)
        self.setup = setup
        self.trace = RunTrace()
        self.finished = False
        self._plant = plant
        self._sensing = sensing
        self._world = setup.world
        self._target = setup.target_id
        self._target_reach_m = 0.0
        if self._target is not None:
            spec = self._world.spec(self._target)
            self._target_reach_m = 0.5 * max(spec.length_m, spec.width_m)
        self._every = max(1, round(1.0 / (record_hz * step_s)))
        self._front_axle_m = front_axle_m
        self._half_length_m = vut_length_m / 2.0
        self._half_width_m = vut_width_m / 2.0
        self._tick = 0
        self._start_speed_mps = setup.vut_start.speed_mps
        self._target_was_ahead = False
        self._moved = False
        self._collision: CollisionEvent | None = None
        self._vut_speed_at_impact_mps = 0.0
        self._impact_offset_m: float | None = None
        self._warning = False
        self._fcw_warned = False
        self._fcw_ttc_s: float | None = None
        self._demand_mps2 = 0.0
        self._aeb_active = False
        self._max_past_m: float | None = None
        self._notes: list[str] = []
        self.end_reason = ""
        """Why the run ended: "impact", "collision" (with another actor), "stopped", "duration",
        "target passed", "target pulling away" or "target clear of the path"."""
        self._line = self._line_under_test()

    def _line_under_test(self) -> _LineUnderTest | None:
        setup = self.setup
        side = setup.road_edge_side if setup.road_edge_side is not None else setup.lane_line_side
        network = self._world.network
        if side is None or network is None:
            return None
        found = network.locate(setup.vut_start.x_m, setup.vut_start.y_m)
        if found is None:
            self._notes.append("the VUT starts off the road: no lane-support measurement")
            return None
        road = network.road(found.road_id)
        return _LineUnderTest(road, found.lane_id, side, edge=setup.road_edge_side is not None)

    def on_start(self) -> None:
        self.subscribe((FCW_WARNING, AEB_ENGAGED, AEB_REQUEST), self._on_functions)

    def _on_functions(self, updates: list[tuple[str, Datapoint]]) -> None:
        """The functions' outputs, as they change (delivered before anything steps in a tick: the
        world is still as they saw it when they published)."""
        for path, datapoint in updates:
            value = datapoint.value
            if path == FCW_WARNING:
                self._warning = value is True
                if self._warning and not self._fcw_warned:
                    self._fcw_warned = True
                    self._fcw_ttc_s = self._gap_and_ttc()[1]
            elif path == AEB_REQUEST:
                self._demand_mps2 = 0.0 if value is None else max(0.0, -float(value))
                if self._demand_mps2 > AEB_ACTIVE_MPS2:
                    self._aeb_active = True
            elif value is True:  # AEB engaged
                self._aeb_active = True

    # -- every tick -----------------------------------------------------------------------

    def step(self) -> None:
        ego = self._world.ego
        if ego is None:
            return
        self._tick += 1
        if not self._moved and ego.speed_mps > MOVING_MPS:
            self._moved = True
        if self._line is not None:
            self._measure_line(ego.x_m, ego.y_m, ego.heading_rad)
        sampled = self._tick % self._every == 0
        relative = None
        if sampled and self._target is not None:
            relative = self._world.relative_to_ego(self._target)
        # Only the VUT's own collisions end a run (the ego is first_id of every event it takes part
        # in; two other actors touching is not the VUT's doing).
        collision = next((event for event in self._plant.collisions if event.first_id == EGO_ID), None)
        if collision is not None:
            self._on_collision(collision)
        elif ego.speed_mps < STOPPED_MPS and self._moved:
            self.end_reason = "stopped"
        elif self.now_s >= self.setup.duration_s - 1e-9:
            self.end_reason = "duration"
        elif relative is not None and self.setup.end_when_target_passed:
            self.end_reason = self._target_out_of_reach(relative, ego.speed_mps)
        self.finished = bool(self.end_reason)
        if sampled or self.finished:  # the trace ends where the run ends
            if relative is None and self._target is not None:
                relative = self._world.relative_to_ego(self._target)
            self._sample(ego.speed_mps, ego.accel_mps2, relative)

    def _measure_line(self, x_m: float, y_m: float, heading_rad: float) -> None:
        assert self._line is not None
        c, s = math.cos(heading_rad), math.sin(heading_rad)
        # The outer front wheel: the front axle, half the VUT's width towards the side under test.
        side = self._line.side * self._half_width_m
        past = self._line.past_m(
            x_m + self._front_axle_m * c - side * s, y_m + self._front_axle_m * s + side * c
        )
        if past is not None and (self._max_past_m is None or past > self._max_past_m):
            self._max_past_m = past

    def _gap_and_ttc(self, relative: EgoRelative | None = None) -> tuple[float | None, float | None]:
        """(true gap, true TTC) to the target; TTC None where it is not closing."""
        if self._target is None:
            return None, None
        gap = self._world.gap_m(self._target)
        if relative is None:
            relative = self._world.relative_to_ego(self._target)
        closing = -relative.relative_vx_mps if relative.longitudinal_m > 0.0 else 0.0
        return gap, (gap / closing if closing > 1e-6 else None)

    def _target_out_of_reach(self, relative: EgoRelative, speed_mps: float) -> str:
        """Why the target can no longer be hit ("" while it can): it is behind the VUT; or, once the
        VUT has slowed down, it drives away ahead of the VUT, or it is beside the VUT's path and
        moving away from it."""
        if relative.longitudinal_m > 0.0:
            self._target_was_ahead = True
        elif self._target_was_ahead and relative.longitudinal_m < -(
            self._half_length_m + self._target_reach_m
        ):
            return "target passed"
        if relative.longitudinal_m <= 0.0 or speed_mps > self._start_speed_mps - SLOWED_MPS:
            return ""
        if (
            abs(relative.relative_heading_rad) < SAME_DIRECTION_RAD
            and relative.relative_vx_mps > PULLING_AWAY_MPS
        ):
            return "target pulling away"
        lateral = relative.lateral_m
        if abs(lateral) > self._half_width_m + self._target_reach_m + CLEAR_MARGIN_M and (
            lateral * relative.relative_vy_mps > 0.0
        ):
            return "target clear of the path"
        return ""

    def _sample(self, speed_mps: float, accel_mps2: float, relative: EgoRelative | None) -> None:
        trace = self.trace
        trace.time_s.append(round(self.now_s, 4))
        trace.vut_speed_kph.append(speed_mps * 3.6)
        trace.vut_acceleration_mps2.append(accel_mps2)
        trace.fcw_warning.append(self._warning)
        trace.aeb_brake_demand_mps2.append(self._demand_mps2)
        trace.lateral_offset_m.append(self._max_past_m if self._line is not None else None)
        target = self._target
        if target is None:
            trace.target_speed_kph.append(0.0)
            trace.gap_m.append(None)
            trace.time_to_collision_s.append(None)
            trace.target_detected.append(False)
            return
        gap, ttc = self._gap_and_ttc(relative)
        trace.target_speed_kph.append(self._world.actor(target).speed_mps * 3.6)
        trace.gap_m.append(gap)
        trace.time_to_collision_s.append(ttc)
        sensing = self._sensing
        trace.target_detected.append(
            sensing is not None
            and any(getattr(track, "actor_id", None) == target for track in sensing.tracks)
        )

    def _on_collision(self, event: CollisionEvent) -> None:
        world = self._world
        other = event.second_id if event.first_id == "ego" else event.first_id
        if self._target is not None and other != self._target:
            # Hitting something else is still a crash: scored as an impact, never as avoidance.
            self._notes.append(f"the VUT hit {other!r}, not the target")
            self.end_reason = "collision"
        else:
            self.end_reason = "impact"
        self._collision = event
        ego = world.ego
        assert ego is not None
        since_s = max(0.0, world.time_s - event.time_s)
        self._vut_speed_at_impact_mps = max(0.0, ego.speed_mps - ego.accel_mps2 * since_s)
        relative = world.relative_to_ego(other)
        self._impact_offset_m = relative.lateral_m - relative.relative_vy_mps * since_s

    # -- the result -----------------------------------------------------------------------

    def outcome(self) -> Outcome:
        """What the run measured."""
        event = self._collision
        impact_speed = 0.0
        if event is not None:
            ego = self._world.ego
            assert ego is not None
            c, s = math.cos(ego.heading_rad), math.sin(ego.heading_rad)
            impact = event.impact
            impact_speed = abs(impact.relative_vx_mps * c + impact.relative_vy_mps * s) * 3.6
        reduction = self._start_speed_mps - (self._vut_speed_at_impact_mps if event is not None else 0.0)
        return Outcome(
            impact=event is not None,
            impact_speed_kph=impact_speed,
            speed_reduction_kph=max(0.0, reduction) * 3.6,
            impact_offset_m=self._impact_offset_m,
            fcw_warned=self._fcw_warned,
            fcw_ttc_s=self._fcw_ttc_s,
            aeb_activated=self._aeb_active,
            end_lateral_offset_m=self._max_past_m,
            notes=tuple(self._notes),
        )


class StackFactory(Protocol):
    """Makes the vehicle functions for one run (see :func:`sdvkit.ncap.stack.vehicle_stack`)."""

    def __call__(self, setup: ScenarioSetup, *, seed: int) -> Sequence[VehicleApp]: ...


_CRUISE_PEDALS: dict[tuple[int, float], tuple[VehicleParams, float]] = {}


def cruise_pedal_pct(params: VehicleParams, speed_mps: float, *, step_s: float = PLANT_STEP_S) -> float:
    """The accelerator travel that holds ``speed_mps`` on the level (the robot's calibration):
    found by bisection on one model step from that speed; remembered per vehicle and speed."""
    key = (id(params), round(speed_mps, 3))
    known = _CRUISE_PEDALS.get(key)
    if known is not None and known[0] is params:
        return known[1]
    low, high = 0.0, 100.0
    for _ in range(14):  # 100 % / 2**14: well under a hundredth of a percent
        middle = 0.5 * (low + high)
        model = VehicleModel(params, step_s=step_s, speed_mps=speed_mps)
        model.controls.accelerator_pedal_pct = middle
        model.step()
        if model.acceleration_mps2 < 0.0:
            low = middle
        else:
            high = middle
    _CRUISE_PEDALS[key] = (params, high)
    return high


@cache
def default_vehicle() -> VehicleParams:
    """The VUT's parameters (the default built-in vehicle), loaded once per process."""
    return builtin_vehicle(DEFAULT_VEHICLE)


def run_point(
    point: TestPoint,
    setup: ScenarioSetup | None = None,
    *,
    seed: int = 0,
    record_hz: float = 20.0,
    stack: StackFactory | None = vehicle_stack,
    vehicle: VehicleParams | None = None,
    step_s: float = PLANT_STEP_S,
) -> PointResult:
    """Run one test point and score it. ``stack=None`` runs the VUT without any function."""
    started = time.perf_counter()
    if not (math.isfinite(record_hz) and record_hz > 0.0):
        raise ScenarioError(f"test point {point.label!r}: record_hz must be > 0, not {record_hz!r}")
    if setup is None:
        setup = build_scenario(point)
    params = vehicle if vehicle is not None else default_vehicle()
    start = setup.vut_start
    clock = SimClock(tick_s=step_s)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    model = VehicleModel(
        params,
        step_s=step_s,
        x_m=start.x_m,
        y_m=start.y_m,
        heading_rad=start.heading_rad,
        speed_mps=start.speed_mps,
        road_friction=setup.road_friction,
    )
    plant = runner.add(VehiclePlant(model, world=setup.world, ego=VUT_SPEC))
    functions = list(stack(setup, seed=seed)) if stack is not None else []
    for app in functions:
        runner.add(app)
    runner.add(
        DrivingRobot(
            setup,
            wheelbase_m=params.lateral.wheelbase_m,
            rear_axle_m=params.lateral.cg_to_rear_axle_m,
            steering_ratio=params.steering.steering_ratio,
            understeer_rad_per_mps2=params.lateral.understeer_gradient_rad_per_mps2(params.road_load.mass_kg),
            cruise_pedal_pct=cruise_pedal_pct(params, setup.vut_speed_mps, step_s=step_s),
        )
    )
    sensing = next((app for app in functions if hasattr(app, "tracks")), None)
    recorder = runner.add(
        Recorder(
            setup,
            plant,
            sensing=cast("TrackSource | None", sensing),
            record_hz=record_hz,
            step_s=step_s,
            front_axle_m=params.lateral.cg_to_front_axle_m,
            vut_length_m=VUT_LENGTH_M,
            vut_width_m=VUT_WIDTH_M,
        )
    )
    runner.start()
    try:
        while not recorder.finished:
            clock.advance()
    finally:
        runner.stop()
    outcome = recorder.outcome()
    colour, points = score_point(
        point,
        outcome.impact,
        outcome.impact_speed_kph,
        outcome.speed_reduction_kph,
        outcome.fcw_ttc_s,
        outcome.end_lateral_offset_m,
        outcome.aeb_activated,
        fcw_warned=outcome.fcw_warned,
    )
    notes = [*setup.notes, *outcome.notes, f"ended: {recorder.end_reason}"]
    if stack is None:
        notes.append("run without vehicle functions")
    return PointResult(
        point=point,
        impact=outcome.impact,
        impact_speed_kph=outcome.impact_speed_kph,
        fcw_ttc_s=outcome.fcw_ttc_s,
        aeb_activated=outcome.aeb_activated,
        colour=colour,
        points=points,
        speed_reduction_kph=outcome.speed_reduction_kph,
        end_lateral_offset_m=outcome.end_lateral_offset_m,
        wall_time_s=time.perf_counter() - started,
        trace=recorder.trace,
        notes=tuple(notes),
        fcw_warned=outcome.fcw_warned,
        impact_offset_m=outcome.impact_offset_m,
    )
