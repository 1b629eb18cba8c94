"""Where a scenario's VUT would hit its target without any intervention, kinematically.

The VUT drives its path at exactly its speed from its start, its centre on the path and its
body turned as a car's body turns on a bend (behind the direction of travel by the kinematic
sideslip ``asin(b·κ)``, ``b`` the distance from the rear axle to the centre); the target follows
its scripted motion. Their boxes are swept step by step with the world's own contact test, so the prediction
is what a perfect driving robot on a perfect car would meet. The geometry tests compare a run
without safety functions against it, and the builders' synchronisation against the protocol.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sdvkit.ncap.builders.common import VUT_LENGTH_M, VUT_WIDTH_M
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.scenario import ScenarioSetup
from sdvkit.world.actors import ActorState, ScriptedMotion, Stationary
from sdvkit.world.collision import BoxPose, sweep
from sdvkit.world.geometry import wrap_angle


@dataclass(frozen=True, kw_only=True, slots=True)
class PredictedImpact:
    """The first contact of the VUT with its target, in the VUT's frame (x ahead, y left)."""

    time_s: float
    impact_speed_kph: float
    """The relative velocity's component along the VUT's heading (its magnitude)."""
    target_lateral_m: float
    """Lateral offset of the target's centre from the VUT's centre line."""
    target_longitudinal_m: float
    """Longitudinal offset of the target's centre from the VUT's centre."""


def vut_start_distance_m(setup: ScenarioSetup) -> float:
    """How far along its path the VUT starts."""
    start = setup.vut_start
    projected = setup.vut_path.project(start.x_m, start.y_m)
    if projected is None:
        raise ScenarioError(f"scenario {setup.name!r}: the VUT's start is not on its path")
    return projected[0]


def _target_state_function(setup: ScenarioSetup) -> tuple[Callable[[float], ActorState], tuple[float, float]]:
    target_id = setup.target_id
    assert target_id is not None
    world = setup.world
    spec = world.spec(target_id)
    behaviour = world.behaviour(target_id)
    if isinstance(behaviour, ScriptedMotion):
        return behaviour.state_at, (spec.length_m, spec.width_m)
    if behaviour is None or isinstance(behaviour, Stationary):
        snapshot = world.actor(target_id)
        state = ActorState(snapshot.x_m, snapshot.y_m, snapshot.heading_rad)
        return (lambda _t: state), (spec.length_m, spec.width_m)
    raise ScenarioError(
        f"scenario {setup.name!r}: cannot predict target {target_id!r} moved by {type(behaviour).__name__}"
    )


REAR_AXLE_M = 1.375
"""From the rear axle to the VUT's centre (the default vehicle's)."""
_CURVATURE_STEP_M = 0.5


def predict_impact(
    setup: ScenarioSetup, *, dt_s: float = 0.01, rear_axle_m: float = REAR_AXLE_M
) -> PredictedImpact | None:
    """The impact the scenario is built for, or None when the VUT would miss its target (or it
    has none) within ``duration_s``."""
    if setup.target_id is None:
        return None
    state_at, target_size = _target_state_function(setup)
    path = setup.vut_path
    speed = setup.vut_speed_mps
    start_d = vut_start_distance_m(setup)
    t0 = setup.world.time_s
    vut_size = (VUT_LENGTH_M, VUT_WIDTH_M)

    def vut_pose(t_s: float) -> BoxPose:
        d = start_d + speed * (t_s - t0)
        x, y, heading = path.pose_at(d)
        turn = wrap_angle(path.pose_at(d + _CURVATURE_STEP_M)[2] - path.pose_at(d - _CURVATURE_STEP_M)[2])
        curvature = turn / (2.0 * _CURVATURE_STEP_M)
        return (x, y, heading - math.asin(max(-1.0, min(1.0, rear_axle_m * curvature))))

    def target_pose(t_s: float) -> BoxPose:
        state = state_at(t_s)
        return (state.x_m, state.y_m, state.heading_rad)

    steps = math.ceil(setup.duration_s / dt_s)
    vut_before, target_before = vut_pose(t0), target_pose(t0)
    for index in range(1, steps + 1):
        t_s = t0 + index * dt_s
        vut_after, target_after = vut_pose(t_s), target_pose(t_s)
        impact = sweep((vut_before, vut_after, vut_size), (target_before, target_after, target_size), dt_s)
        if impact is not None:
            fraction = impact.time_s / dt_s
            vut = _lerp(vut_before, vut_after, fraction)
            target = _lerp(target_before, target_after, fraction)
            c, s = math.cos(vut[2]), math.sin(vut[2])
            dx, dy = target[0] - vut[0], target[1] - vut[1]
            longitudinal_velocity = impact.relative_vx_mps * c + impact.relative_vy_mps * s
            return PredictedImpact(
                time_s=t_s - dt_s + impact.time_s - t0,
                impact_speed_kph=abs(longitudinal_velocity) * 3.6,
                target_lateral_m=-dx * s + dy * c,
                target_longitudinal_m=dx * c + dy * s,
            )
        vut_before, target_before = vut_after, target_after
    return None


def _lerp(start: BoxPose, end: BoxPose, fraction: float) -> BoxPose:
    return (
        start[0] + (end[0] - start[0]) * fraction,
        start[1] + (end[1] - start[1]) * fraction,
        start[2] + wrap_angle(end[2] - start[2]) * fraction,
    )
