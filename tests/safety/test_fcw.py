"""FCW in closed loop: warns in time for Euro NCAP's FCW points, and neither FCW nor AEB reacts to
the false-positive scenarios (UN R152's and the usual nuisance cases)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from tests.safety.forward_harness import LANE_Y_M, START_X_M, ForwardBench, crossing_profile, kmh

from sdvkit.safety.errors import SafetyConfigError
from sdvkit.safety.fcw import FcwParams
from sdvkit.world.actors import ActorSpec, SpeedProfile, Stationary

EGO_WIDTH_M = 1.8


def warning_ttc_s(bench: ForwardBench, actor_id: str) -> float:
    """The true time to collision when FCW first warned: bumper gap over closing speed."""
    for sample, previous in zip(bench.samples[1:], bench.samples, strict=False):
        if sample.fcw_warning:
            closing = sample.speed_mps - bench.target_speed_mps
            return previous.gaps_m[actor_id] / closing
    raise AssertionError("FCW never warned")


def _ccrs(bench: ForwardBench, speed_kmh: float) -> str:
    bench.stationary_car("target", gap_m=kmh(speed_kmh) * 5.0)
    bench.target_speed_mps = 0.0
    return "target"


def _cpla(bench: ForwardBench, speed_kmh: float) -> str:
    # CPLA-25: a pedestrian walking away at 5 km/h, 25 % into the ego's width.
    walking = kmh(5.0)
    start = (kmh(speed_kmh) - walking) * 5.0
    offset = 0.25 * EGO_WIDTH_M - EGO_WIDTH_M / 2.0
    bench.moving(
        ActorSpec.pedestrian("target"),
        start=(start, offset),
        end=(start + 500.0, offset),
        profile=SpeedProfile.constant(walking),
    )
    bench.target_speed_mps = walking
    return "target"


def _cbla(bench: ForwardBench, speed_kmh: float) -> str:
    # CBLA-25 (FCW band): a cyclist riding away at 20 km/h, 25 % into the ego's width.
    riding = kmh(20.0)
    start = (kmh(speed_kmh) - riding) * 5.0
    offset = 0.25 * EGO_WIDTH_M - EGO_WIDTH_M / 2.0
    bench.moving(
        ActorSpec.cyclist("target"),
        start=(start, offset),
        end=(start + 800.0, offset),
        profile=SpeedProfile.constant(riding),
    )
    bench.target_speed_mps = riding
    return "target"


@pytest.mark.parametrize(
    ("scenario", "speed_kmh"),
    [(_ccrs, 70.0), (_ccrs, 80.0), (_cpla, 60.0), (_cbla, 70.0)],
    ids=["CCRs-70", "CCRs-80", "CPLA-60", "CBLA-70"],
)
def test_fcw_warns_more_than_1_7_s_ahead_and_a_driver_braking_after_1_2_s_avoids(
    scenario: Callable[[ForwardBench, float], str], speed_kmh: float
) -> None:
    bench = ForwardBench(speed_kmh=speed_kmh, aeb=False, acc=False, brake_after_warning_s=1.2)
    target = scenario(bench, speed_kmh)
    bench.start()
    fcw = bench.fcw_app
    while not fcw.warning and bench.clock.now_s < 7.0:
        bench.run(0.05)
    # while it warns, FCW names the target and its time to collision
    assert fcw.get("Vehicle.ADAS.FCW.TargetObjectId").value == bench.perception.track_id(target)  # type: ignore[union-attr]
    published_ttc = fcw.get("Vehicle.ADAS.FCW.TimeToCollision").value  # type: ignore[union-attr]
    bench.run(7.0 - bench.clock.now_s)
    ttc = warning_ttc_s(bench, target)
    assert ttc > 1.7
    assert fcw.first_warning_ttc_s == pytest.approx(ttc, abs=0.1)
    assert published_ttc == pytest.approx(ttc, abs=0.1)
    assert fcw.warnings_given == 1
    assert bench.world.collisions == ()
    assert fcw.get("Vehicle.ADAS.FCW.IsWarning").value is False  # type: ignore[union-attr]
    assert fcw.get("Vehicle.ADAS.FCW.TargetObjectId").value == 0  # type: ignore[union-attr]


def test_fcw_reports_the_obstacle_ahead_and_its_time_to_collision() -> None:
    bench = ForwardBench(speed_kmh=50.0, aeb=False, acc=False)
    bench.stationary_car("target", gap_m=80.0)
    bench.start()
    bench.run(2.0)
    fcw = bench.fcw_app
    gap = bench.world.gap_m("target")
    distance = fcw.get("Vehicle.ADAS.ObstacleDetection.Front.Center.Distance")
    ttc_ms = fcw.get("Vehicle.ADAS.ObstacleDetection.Front.Center.TimeGap")
    assert distance is not None
    assert ttc_ms is not None
    assert distance.value == pytest.approx(gap, abs=1.0)
    assert ttc_ms.value == pytest.approx(1000.0 * gap / kmh(50.0), rel=0.05)
    assert fcw.get("Vehicle.ADAS.FCW.IsWarning").value is False  # type: ignore[union-attr]


def _parked_cars(bench: ForwardBench) -> None:
    half_gap = 4.5 / 2.0 + 0.9  # 4.5 m between the two cars
    bench.stationary_car("left", gap_m=45.0, offset_m=half_gap)
    bench.stationary_car("right", gap_m=45.0, offset_m=-half_gap)


def _pedestrian_stops_at_the_kerb(bench: ForwardBench) -> None:
    # Walks towards the road from the right and stops 0.45 m short of the lane's edge, 1.3 m from
    # the ego's side, 3.5 s before the ego passes.
    walking, delay_s = kmh(5.0), 1.0
    stops = SpeedProfile(
        points=((0.0, 0.0), (1.44, walking), (3.2, walking), (3.7, 0.0)), start_delay_s=delay_s
    )
    x = kmh(50.0) * (delay_s + 7.2)
    bench.moving(ActorSpec.pedestrian("pedestrian"), start=(x, -6.0), end=(x, 12.0), profile=stops)


def _adjacent_lane(bench: ForwardBench) -> None:
    bench.stationary_car("left lane", gap_m=40.0, offset_m=3.5)
    bench.lead_car("right lane", gap_m=20.0, offset_m=-3.5, profile=SpeedProfile.constant(3.0))


def _walking_alongside(bench: ForwardBench) -> None:
    bench.moving(
        ActorSpec.pedestrian("pedestrian"),
        start=(40.0, -1.65),
        end=(400.0, -1.65),
        profile=SpeedProfile.constant(1.4),
    )


def _sign_gantry(bench: ForwardBench) -> None:
    gantry = ActorSpec(
        id="gantry", kind="obstacle", length_m=1.0, width_m=16.0, height_m=1.0, clearance_m=5.0
    )
    bench.world.add_actor(gantry, Stationary(x_m=START_X_M + 50.0, y_m=LANE_Y_M))


@pytest.mark.parametrize(
    "scenario",
    [_parked_cars, _pedestrian_stops_at_the_kerb, _adjacent_lane, _walking_alongside, _sign_gantry],
    ids=[
        "parked-cars-4.5m",
        "pedestrian-stops-at-kerb",
        "adjacent-lane",
        "pedestrian-alongside",
        "sign-gantry",
    ],
)
def test_no_warning_and_no_braking_in_the_false_positive_cases(
    scenario: Callable[[ForwardBench], None],
) -> None:
    bench = ForwardBench(speed_kmh=50.0)
    scenario(bench)
    bench.start()
    bench.run(9.0)
    assert bench.world.collisions == ()
    assert bench.fcw_app.warnings_given == 0
    assert bench.aeb_app.activations == 0
    assert {sample.aeb_state for sample in bench.samples[10:]} == {"STANDBY"}
    assert bench.samples[-1].speed_mps == pytest.approx(kmh(50.0), abs=1.0)


def test_a_crossing_pedestrian_is_warned_of_only_once_in_the_path() -> None:
    """A walker beside the road may stop at the kerb: FCW warns once it is in the ego's path."""

    def first_warning(params: FcwParams) -> tuple[float, float]:
        speed, walking = kmh(50.0), kmh(5.0)
        start_y, delay_s = -4.6, 1.0
        pass_s = delay_s + 2.0 / walking + (-0.45 - start_y - 1.0) / walking  # IL 25
        bench = ForwardBench(speed_kmh=50.0, aeb=False, acc=False, fcw_params=params)
        x = speed * pass_s + 0.15
        bench.moving(
            ActorSpec.pedestrian("pedestrian"),
            start=(x, start_y),
            end=(x, 12.0),
            profile=crossing_profile(walking, start_delay_s=delay_s),
        )
        bench.start()
        while not bench.fcw_app.warning and bench.clock.now_s < pass_s:
            bench.run(0.05)
        assert bench.fcw_app.warning
        ego = bench.world.ego
        assert ego is not None
        return bench.world.actor("pedestrian").y_m - ego.y_m, bench.clock.now_s

    in_path = 0.5 * EGO_WIDTH_M + FcwParams().prediction.lateral_margin_m + 0.15  # its half depth
    lateral, warned_s = first_warning(FcwParams())
    assert abs(lateral) <= in_path
    early_lateral, early_s = first_warning(FcwParams(in_path_classes=frozenset()))
    assert abs(early_lateral) > in_path + 0.5
    assert early_s < warned_s - 0.5


@pytest.mark.parametrize("warn_through", [True, False])
def test_fcw_warns_while_aeb_brakes(warn_through: bool) -> None:
    """A stationary car revealed 1.5 s ahead: AEB brakes at once, and the driver is warned while
    it does. Judging the threat with AEB's braking, FCW would find nothing to warn about."""
    params = FcwParams() if warn_through else FcwParams(warn_through_sources=frozenset())
    bench = ForwardBench(speed_kmh=50.0, acc=False, fcw_params=params)
    bench.stationary_car("target", gap_m=kmh(50.0) * 4.0)
    bench.start()
    bench.perception.hide("target")
    bench.run(2.5)
    bench.perception.hide("target", False)
    bench.run(4.0)
    assert bench.world.collisions == ()
    assert bench.aeb_app.activations == 1
    assert bench.fcw_app.warnings_given == (1 if warn_through else 0)


def test_a_distracted_driver_and_an_early_setting_are_warned_earlier() -> None:
    def first_ttc(*, distracted: bool | None = None, sensitivity: str = "NORMAL") -> float:
        bench = ForwardBench(speed_kmh=70.0, aeb=False, acc=False, distracted=distracted)
        bench.stationary_car("target", gap_m=kmh(70.0) * 6.0)
        bench.start()
        bench.settings({"Vehicle.ADAS.FCW.Sensitivity": sensitivity})
        bench.run(4.0)
        ttc = bench.fcw_app.first_warning_ttc_s
        assert ttc is not None
        return ttc

    normal = first_ttc()
    assert first_ttc(distracted=True) > normal + 0.3
    assert first_ttc(sensitivity="EARLY") > normal + 0.1
    assert first_ttc(sensitivity="LATE") < normal - 0.1
    assert first_ttc(distracted=False) == pytest.approx(normal)


def test_fcw_switched_off_or_with_stale_inputs_does_not_warn_and_says_why() -> None:
    bench = ForwardBench(speed_kmh=70.0, aeb=False, acc=False)
    bench.stationary_car("target", gap_m=kmh(70.0) * 5.0)
    bench.start()
    bench.settings({"Vehicle.ADAS.FCW.IsEnabled": False})
    bench.run(2.0)
    fcw = bench.fcw_app
    assert fcw.warnings_given == 0
    assert fcw.get("Vehicle.ADAS.ObstacleDetection.Front.Center.IsEnabled").value is False  # type: ignore[union-attr]
    bench.settings({"Vehicle.ADAS.FCW.IsEnabled": True})
    bench.perception.paused = True
    bench.run(1.0)
    assert fcw.warnings_given == 0
    assert "Vehicle.ADAS.Perception.CycleCounter" in fcw.fault
    assert fcw.get("Vehicle.ADAS.FCW.IsError").value is True  # type: ignore[union-attr]
    bench.perception.paused = False
    bench.run(1.0)
    assert fcw.fault == ""
    assert fcw.warnings_given == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("reaction_time_s", -1.0), ("warning_deceleration_mps2", math.inf), ("confirm_cycles", 0)],
)
def test_impossible_fcw_parameters_are_refused_by_name(field: str, value: float) -> None:
    with pytest.raises(SafetyConfigError, match=field):
        FcwParams(**{field: value})
