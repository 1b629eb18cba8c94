"""The point runner and its recorder: what is measured, when a run ends, the stack it runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from sdvkit.ncap.builders import build_scenario, false_positive_points
from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.runner import default_vehicle, run_point
from sdvkit.ncap.scenario import ScenarioSetup
from sdvkit.ncap.scoring import score_point
from sdvkit.ncap.stack import vehicle_stack
from sdvkit.runtime import AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.safety.acc import AdaptiveCruiseApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.plant import VehiclePlant

_POINTS = {point.label: point for point in grid_points()}


class _Publisher(VehicleApp):
    """Publishes what a function would, at given times."""

    name = "publisher"

    def __init__(self, events: Sequence[tuple[float, str, Any]]) -> None:
        paths = tuple(sorted({path for _, path, _ in events}))
        super().__init__(manifest=Manifest(writes=paths), step_period_s=0.01)
        self.events = sorted(events, key=lambda event: event[0])

    def on_start(self) -> None:
        self.provide(sorted({path for _, path, _ in self.events}))

    def step(self) -> None:
        while self.events and self.events[0][0] <= self.now_s + 1e-9:
            _, path, value = self.events.pop(0)
            self.publish({path: value})


def _scripted(events: Sequence[tuple[float, str, Any]]) -> Any:
    def stack(setup: ScenarioSetup, *, seed: int) -> list[VehicleApp]:
        return [_Publisher(events)]

    return stack


def test_measures_the_true_ttc_at_the_first_warning_and_any_aeb_request() -> None:
    point = _POINTS["CCRs 50 km/h IL 50"]  # without braking the impact comes at 4.0 s
    events = [
        (1.0, "Vehicle.ADAS.FCW.IsWarning", True),
        (1.5, "Vehicle.ADAS.FCW.IsWarning", False),
        (2.0, "Vehicle.ADAS.FCW.IsWarning", True),
        (3.0, "Vehicle.ADAS.AEB.AccelerationRequest", -0.5),
    ]
    result = run_point(point, stack=_scripted(events))
    assert result.fcw_warned
    assert result.fcw_ttc_s == pytest.approx(3.0, abs=0.05)  # the first warning counts
    assert result.aeb_activated
    assert result.impact  # nothing braked: the scripted "functions" only published
    trace = result.trace
    assert len({len(getattr(trace, name)) for name in trace.__dataclass_fields__}) == 1
    warned = [t for t, warning in zip(trace.time_s, trace.fcw_warning, strict=True) if warning]
    assert warned[0] == pytest.approx(1.0, abs=0.06)
    assert max(trace.aeb_brake_demand_mps2) == pytest.approx(0.5)


def test_without_functions_nothing_is_warned_and_the_colour_is_scored() -> None:
    point = _POINTS["CBLA 60/20 km/h IL 25 FCW"]
    result = run_point(point, stack=None)
    assert not result.fcw_warned
    assert result.fcw_ttc_s is None
    assert not result.aeb_activated
    assert result.impact
    assert result.speed_reduction_kph == pytest.approx(0.0, abs=1.0)
    expected = score_point(
        point, result.impact, result.impact_speed_kph, result.speed_reduction_kph, None, None, False
    )
    assert (result.colour, result.points) == expected
    assert "ended: impact" in result.notes
    assert result.wall_time_s > 0.0


def test_the_recording_rate_must_be_positive() -> None:
    with pytest.raises(ScenarioError, match="record_hz"):
        run_point(_POINTS["CCRs 10 km/h IL 50"], stack=None, record_hz=0.0)


def test_the_scenarios_notes_come_with_the_result() -> None:
    point = _POINTS["CCRs 10 km/h IL 50"]
    setup = build_scenario(point)
    setup.notes = ("imported from a file",)
    assert run_point(point, setup, stack=None).notes[0] == "imported from a file"


def test_a_run_ends_at_its_duration_and_measures_the_edge() -> None:
    point = _POINTS["ELK RE 80 km/h 0.4 m/s"]
    setup = build_scenario(point)
    result = run_point(point, setup, stack=None, record_hz=10.0)
    assert "ended: duration" in result.notes
    assert result.trace.time_s[-1] == pytest.approx(setup.duration_s, abs=0.1)
    assert result.trace.time_s[1] - result.trace.time_s[0] == pytest.approx(0.1)
    offsets = [offset for offset in result.trace.lateral_offset_m if offset is not None]
    assert offsets == sorted(offsets)  # the most the wheel got past the edge, so far
    assert offsets[-1] == result.end_lateral_offset_m


def test_with_the_vehicle_stack() -> None:
    point = _POINTS["CCRs 40 km/h IL 50"]
    result = run_point(point)
    trace = result.trace
    assert any(trace.target_detected)  # the sensing app's tracks name the target
    assert not any(trace.target_detected[:2])  # not before a track is confirmed
    expected = score_point(
        point,
        result.impact,
        result.impact_speed_kph,
        result.speed_reduction_kph,
        result.fcw_ttc_s,
        result.end_lateral_offset_m,
        result.aeb_activated,
        fcw_warned=result.fcw_warned,
    )
    assert (result.colour, result.points) == expected
    if not result.impact:
        assert result.speed_reduction_kph == pytest.approx(point.vut_speed_kph)


def _names(apps: Sequence[VehicleApp]) -> list[str]:
    return [app.name for app in apps]


def test_the_stack_holds_what_a_point_can_engage() -> None:
    apps = vehicle_stack(build_scenario(_POINTS["CCRs 40 km/h IL 50"]))
    sensing, aeb = apps[0], next(app for app in apps if app.name == "aeb")
    assert aeb.step_period_s == sensing.step_period_s  # AEB steps once per perception cycle
    rear_end = _names(apps)
    assert rear_end[0] == "sensing"
    assert rear_end[-1] == "arbitration"
    assert {"fcw", "aeb"} <= set(rear_end)
    assert "acc" not in rear_end
    assert "emergency lane keeping" not in rear_end
    lane = _names(vehicle_stack(build_scenario(_POINTS["ELK RE 80 km/h 0.4 m/s"])))
    assert {"lane departure warning", "lane keeping assist", "emergency lane keeping"} <= set(lane)
    cut_out = next(p for p in false_positive_points() if p.parameter("case") == "acc-cut-out")
    acc = _names(vehicle_stack(build_scenario(cut_out)))
    assert {"acc", "cruise buttons", "emergency lane keeping"} <= set(acc)
    assert acc.index("arbitration") > acc.index("acc")
    distracted = build_scenario(_POINTS["CCRs 40 km/h IL 50"])
    distracted.driver_distracted = True
    assert {"virtual driver face", "driver monitoring", "lights plant"} <= set(
        _names(vehicle_stack(distracted))
    )


def test_the_cruise_buttons_switch_acc_on() -> None:
    cut_out = next(p for p in false_positive_points() if p.parameter("case") == "acc-cut-out")
    setup = build_scenario(cut_out)
    clock = SimClock(tick_s=0.01)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    start = setup.vut_start
    model = VehicleModel(
        default_vehicle(),
        x_m=start.x_m,
        y_m=start.y_m,
        heading_rad=start.heading_rad,
        speed_mps=start.speed_mps,
    )
    runner.add(VehiclePlant(model, world=setup.world))
    apps = vehicle_stack(setup)
    for app in apps:
        runner.add(app)
    with runner:
        clock.run_for(0.2)
    acc = next(app for app in apps if isinstance(app, AdaptiveCruiseApp))
    assert acc.enabled
    assert acc.active
    assert acc.speed_set_kmh == pytest.approx(setup.acc_set_speed_kph)
