"""AEB in closed loop: the real plant (brake dead time, jerk limit, µ), ideal sensing, the arbitration
layer, and a robot that holds the speed with the accelerator until AEB brakes."""

from __future__ import annotations

import math

import pytest
from tests.safety.forward_harness import ForwardBench, crossing_profile, kmh

from sdvkit.safety.aeb import AebParams
from sdvkit.safety.errors import SafetyConfigError
from sdvkit.world.actors import ActorSpec, SpeedProfile

EGO_WIDTH_M = 1.8


def impact_offset_m(impact_location_pct: float) -> float:
    """Euro NCAP's impact location: the target's centre at IL/100·W − W/2 from the ego's centre."""
    return impact_location_pct / 100.0 * EGO_WIDTH_M - EGO_WIDTH_M / 2.0


def braking_states(bench: ForwardBench) -> list[str]:
    states: list[str] = []
    for sample in bench.samples:
        if not states or states[-1] != sample.aeb_state:
            states.append(sample.aeb_state)
    return states


@pytest.mark.parametrize(
    ("speed_kmh", "impact_location_pct"), [(10.0, 50.0), (30.0, 50.0), (50.0, 50.0), (40.0, 0.0)]
)
def test_ccrs_a_stationary_car_is_avoided(speed_kmh: float, impact_location_pct: float) -> None:
    bench = ForwardBench(speed_kmh=speed_kmh)
    bench.stationary_car(
        "target", gap_m=max(kmh(speed_kmh) * 4.0, 12.0), offset_m=impact_offset_m(impact_location_pct)
    )
    bench.start()
    bench.run(9.0)
    assert bench.world.collisions == ()
    assert bench.aeb_app.activations == 1
    assert "STANDSTILL_HOLD" in braking_states(bench)
    assert bench.samples[-1].speed_mps == 0.0
    # It stops short, but not absurdly early.
    assert 0.0 < bench.min_gap_m("target") < 8.0


def test_ccrs_without_aeb_is_a_crash() -> None:
    """The scenario is a real threat: with AEB switched off the robot drives into the target."""
    bench = ForwardBench(speed_kmh=30.0)
    bench.stationary_car("target", gap_m=kmh(30.0) * 4.0)
    bench.start()
    bench.settings({"Vehicle.ADAS.AEB.IsEnabled": False})
    bench.run(6.0)
    assert bench.aeb_app.aeb_state == "OFF"
    assert bench.impact_speed_kmh() == pytest.approx(30.0, abs=2.0)


def test_ccrm_a_slower_car_is_not_hit_and_aeb_lets_go_at_its_speed() -> None:
    bench = ForwardBench(speed_kmh=50.0)
    bench.lead_car("target", gap_m=kmh(50.0 - 20.0) * 4.0, profile=SpeedProfile.constant(kmh(20.0)))
    bench.start()
    bench.run(7.0)
    assert bench.world.collisions == ()
    states = braking_states(bench)
    assert states[-1] == "STANDBY"
    assert any(state in ("PARTIAL_BRAKING", "FULL_BRAKING") for state in states)
    # Released once no longer closing in: slower than the target, not stopped.
    assert 0.0 < bench.samples[-1].speed_mps <= kmh(20.0) + 0.5


def test_ccrb_a_lead_braking_at_4_mps2_from_1_s_headway_is_not_hit() -> None:
    speed = kmh(50.0)
    braking = SpeedProfile(points=((0.0, speed), (1.0, speed), (1.0 + (speed - kmh(2.0)) / 4.0, kmh(2.0))))
    bench = ForwardBench(speed_kmh=50.0)
    bench.lead_car("target", gap_m=speed * 1.0, profile=braking)
    bench.start()
    bench.run(7.0)
    assert bench.world.collisions == ()
    assert bench.aeb_app.activations >= 1
    assert bench.min_gap_m("target") > 0.5


@pytest.mark.parametrize("impact_location_pct", [25.0, 50.0, 75.0])
def test_cpna_a_pedestrian_crossing_from_the_near_side_is_avoided_at_40_kmh(
    impact_location_pct: float,
) -> None:
    speed, walking = kmh(40.0), kmh(5.0)
    lateral_start = -6.0  # from the right, the near side
    delay_s = 1.0
    walk_m = impact_offset_m(impact_location_pct) - lateral_start
    # Euro NCAP's dummy reaches 5 km/h over its first metre; timed to meet the ego's front there.
    impact_s = delay_s + 2.0 * 1.0 / walking + (walk_m - 1.0) / walking
    crossing_x = speed * impact_s + 0.25
    bench = ForwardBench(speed_kmh=40.0)
    bench.moving(
        ActorSpec.pedestrian("pedestrian"),
        start=(crossing_x, lateral_start),
        end=(crossing_x, 12.0),
        profile=crossing_profile(walking, start_delay_s=delay_s),
    )
    bench.start()
    bench.run(impact_s + 2.0)
    assert bench.world.collisions == ()
    assert bench.aeb_app.activations == 1
    assert bench.fcw_app.warnings_given >= 1


def _walker_towards_the_path(bench: ForwardBench, *, stops: bool) -> float:
    """At 50 km/h, a pedestrian walks at 5 km/h from 4.6 m right of the ego's centre line towards
    its path. Walking on, the ego would hit it 25 % into its width from the right (IL 25). Stopping
    (Euro NCAP's pedestrian at the kerb), it stands 2.1 m from the centre line, 0.95 m from the
    ego's side, from 1.5 s before the ego passes. Returns when the ego passes."""
    speed, walking = kmh(50.0), kmh(5.0)
    start_y, delay_s = -4.6, 1.0
    pass_s = delay_s + 2.0 / walking + (impact_offset_m(25.0) - start_y - 1.0) / walking
    if stops:
        profile = SpeedProfile(
            points=((0.0, 0.0), (1.44, walking), (2.16, walking), (2.88, 0.0)),
            start_delay_s=pass_s - 1.5 - 2.88,
        )
    else:
        profile = crossing_profile(walking, start_delay_s=delay_s)
    x = speed * pass_s + 0.15
    bench.moving(ActorSpec.pedestrian("pedestrian"), start=(x, start_y), end=(x, 12.0), profile=profile)
    return pass_s


def test_a_pedestrian_who_stops_at_the_kerb_is_not_braked_for() -> None:
    bench = ForwardBench(speed_kmh=50.0)
    pass_s = _walker_towards_the_path(bench, stops=True)
    bench.start()
    bench.run(pass_s + 1.0)
    assert bench.world.actor("pedestrian").y_m - bench.world.ego.y_m == pytest.approx(-2.1, abs=0.05)  # type: ignore[union-attr]
    assert bench.aeb_app.activations == 0
    assert bench.fcw_app.warnings_given == 0
    assert bench.samples[-1].speed_mps == pytest.approx(kmh(50.0), abs=1.0)


def test_a_pedestrian_who_walks_on_is_braked_for_as_late_as_still_avoids() -> None:
    """A walker beside the path can still stop: AEB brakes for one only at the last moment."""
    ttc: dict[float, float] = {}
    for trigger in (AebParams().walker_trigger_mps2, AebParams().partial_trigger_mps2):
        bench = ForwardBench(speed_kmh=50.0, aeb_params=AebParams(walker_trigger_mps2=trigger))
        pass_s = _walker_towards_the_path(bench, stops=False)
        bench.start()
        bench.run(pass_s + 1.0)
        assert bench.world.collisions == ()
        assert bench.aeb_app.activations == 1
        assert bench.aeb_app.first_braking_ttc_s is not None
        ttc[trigger] = bench.aeb_app.first_braking_ttc_s
    late, early = ttc[AebParams().walker_trigger_mps2], ttc[AebParams().partial_trigger_mps2]
    assert late < 1.5
    assert late < early - 0.5


@pytest.mark.parametrize("memory_s", [AebParams().lost_target_memory_s, 0.0])
def test_aeb_keeps_braking_for_a_cyclist_sensing_loses_for_a_moment(memory_s: float) -> None:
    """A cyclist crossing at 10 km/h is lost for 0.9 s once AEB brakes (hidden behind a parked car
    as it passes it, Euro NCAP CBNAO): AEB brakes on for it. Forgetting it, AEB lets go, finds it
    again too late, and hits it."""
    speed, riding = kmh(40.0), kmh(10.0)
    start_y = -8.0
    meet_s = -start_y / riding
    bench = ForwardBench(
        speed_kmh=40.0, fcw=False, acc=False, aeb_params=AebParams(lost_target_memory_s=memory_s)
    )
    x = speed * meet_s + 0.3
    bench.moving(
        ActorSpec.cyclist("cyclist"), start=(x, start_y), end=(x, 20.0), profile=SpeedProfile.constant(riding)
    )
    bench.start()
    aeb = bench.aeb_app
    while aeb.aeb_state not in ("PARTIAL_BRAKING", "FULL_BRAKING") and bench.clock.now_s < meet_s:
        bench.run(0.05)
    bench.perception.hide("cyclist")
    bench.run(0.9)
    bench.perception.hide("cyclist", False)
    bench.run(meet_s + 2.0 - bench.clock.now_s)
    if memory_s > 0.0:
        assert bench.world.collisions == ()
        assert aeb.activations == 1
    else:
        assert bench.impact_speed_kmh() > 5.0
        assert aeb.activations == 2


def test_ccfhos_head_on_aeb_takes_off_more_than_20_kmh() -> None:
    """No braking avoids an oncoming car in the ego's lane; AEB brakes fully just before it."""
    bench = ForwardBench(speed_kmh=50.0, acc=False)
    bench.moving(
        ActorSpec.car("oncoming"),
        start=(120.0, 0.0),
        end=(-500.0, 0.0),
        profile=SpeedProfile.constant(kmh(50.0)),
    )
    bench.start()
    bench.run(6.0)
    impact = bench.world.collisions[0]
    speed_at_impact = [sample for sample in bench.samples if sample.time_s <= impact.time_s][-1].speed_mps
    assert (kmh(50.0) - speed_at_impact) * 3.6 >= 20.0  # Euro NCAP's green band
    assert "FULL_BRAKING" in braking_states(bench)


@pytest.mark.parametrize("aeb", [True, False])
def test_ccftap_turning_across_an_oncoming_car_is_avoided(aeb: bool) -> None:
    """The ego turns left at 15 km/h on a 12 m radius (its yaw rate curves the predicted path) across
    the lane of a car coming at 45 km/h; without AEB they collide."""
    bench = ForwardBench(speed_kmh=15.0, acc=False, fcw=False, aeb=aeb, steering_wheel_deg=180.0)
    bench.moving(
        ActorSpec.car("oncoming"),
        start=(30.0, 3.5),
        end=(-500.0, 3.5),
        profile=SpeedProfile.constant(kmh(45.0)),
    )
    bench.start()
    bench.run(4.0)
    if aeb:
        assert bench.world.collisions == ()
        assert bench.aeb_app.activations == 1
    else:
        assert bench.impact_speed_kmh() > 40.0


def test_aeb_brakes_earlier_for_a_distracted_driver() -> None:
    ttc: dict[bool, float] = {}
    for distracted in (False, True):
        bench = ForwardBench(speed_kmh=50.0, fcw=False, acc=False, distracted=distracted)
        bench.stationary_car("target", gap_m=kmh(50.0) * 4.0)
        bench.start()
        bench.run(5.0)
        assert bench.world.collisions == ()
        assert bench.aeb_app.first_braking_ttc_s is not None
        ttc[distracted] = bench.aeb_app.first_braking_ttc_s
    assert ttc[True] > ttc[False] + 0.1


def test_a_kick_down_overrides_aeb() -> None:
    bench = ForwardBench(speed_kmh=30.0, fcw=False, acc=False)
    bench.stationary_car("target", gap_m=kmh(30.0) * 4.0)
    bench.start()
    bench.robot.pedals = (100.0, 0.0)
    bench.run(5.0)
    assert bench.aeb_app.activations == 0
    assert bench.world.collisions != ()


def test_aeb_refuses_to_act_on_stale_perception_and_says_so() -> None:
    bench = ForwardBench(speed_kmh=30.0, fcw=False, acc=False)
    bench.stationary_car("target", gap_m=60.0)
    bench.start()
    bench.run(1.0)
    assert bench.aeb_app.aeb_state == "STANDBY"
    assert bench.aeb_app.fault == ""
    bench.perception.paused = True
    bench.run(0.3)  # more than 2.5 perception periods
    aeb = bench.aeb_app
    assert aeb.aeb_state == "FAULT"
    assert "Vehicle.ADAS.Perception.CycleCounter" in aeb.fault
    assert aeb.get("Vehicle.ADAS.AEB.IsError").value is True  # type: ignore[union-attr]
    assert aeb.get("Vehicle.ADAS.AEB.AccelerationRequest").value == 0.0  # type: ignore[union-attr]
    bench.perception.paused = False
    bench.run(0.3)
    assert aeb.aeb_state == "STANDBY"
    assert aeb.fault == ""


def test_aeb_releases_a_car_that_leaves_the_path() -> None:
    """A car crossing slowly ahead: AEB brakes, then lets go, still rolling, once it has cleared."""
    bench = ForwardBench(speed_kmh=30.0, fcw=False, acc=False)
    crossing = SpeedProfile.constant(kmh(10.0))
    bench.moving(ActorSpec.car("crossing"), start=(28.0, -6.0), end=(28.0, 40.0), profile=crossing)
    bench.start()
    bench.run(5.0)
    assert bench.world.collisions == ()
    assert bench.aeb_app.activations == 1
    states = braking_states(bench)
    assert states[-1] == "STANDBY"
    assert states[-2] in ("PARTIAL_BRAKING", "FULL_BRAKING")
    assert "STANDSTILL_HOLD" not in states
    assert bench.samples[-1].speed_mps > kmh(10.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("partial_trigger_mps2", 2.0),
        ("full_deceleration_mps2", 1.0),
        ("confirm_cycles", 0),
        ("build_up_s", math.nan),
        ("distracted_scale", 2.0),
        ("walker_trigger_mps2", 2.0),
        ("lost_target_memory_s", -1.0),
        ("unknown_min_speed_mps", math.inf),
    ],
)
def test_impossible_aeb_parameters_are_refused_by_name(field: str, value: float) -> None:
    with pytest.raises(SafetyConfigError, match=field):
        AebParams(**{field: value})
