"""The minimal-risk manoeuvre end to end on the real plant: an unresponsive driver (eyes closed,
hands off, no reaction) slumps and lets the car drift; driver monitoring escalates to a stop in
lane, the arbitration layer passes its deceleration and LKA's lane keeping to the plant, and the
car ends standing in its lane with the hazard lights flashing."""

from __future__ import annotations

from typing import Any

import pytest
from tests.safety.lateral_harness import LANE_WIDTH_M, Drift, LaneRun, run_lane_scenario

from sdvkit.safety import driver_model as dm
from sdvkit.safety.dms import LEVEL, DriverMonitoringApp
from sdvkit.safety.lane_support import lane_support_apps
from sdvkit.vehicle.lights import HAZARD

SLUMP = Drift(side="RIGHT", lateral_speed_mps=0.2, start_s=1.0)


def watch(run: LaneRun) -> dict[str, Any]:
    decision = run.app("arbitration").decision
    return {
        "speed_mps": run.plant.model.speed_mps,
        "y_m": run.plant.model.y_m,
        "level": run.read(LEVEL),
        "hazard": run.read(HAZARD),
        "lateral_source": decision.lateral_source if decision is not None else "NONE",
        "longitudinal_source": decision.longitudinal_source if decision is not None else "NONE",
    }


def stop_in_lane(*, lane_keeping: bool) -> LaneRun:
    functions = (*lane_support_apps(), DriverMonitoringApp()) if lane_keeping else (DriverMonitoringApp(),)
    return run_lane_scenario(
        speed_kph=72.0,
        duration_s=17.0,
        functions=functions,
        extra=(dm.VirtualDriverFace(dm.unresponsive(start_s=1.0)),),
        drift=SLUMP,
        probe=watch,
        probe_every_s=0.1,
    )


def test_an_unresponsive_driver_is_stopped_in_lane_with_the_hazard_lights_on() -> None:
    run = stop_in_lane(lane_keeping=True)
    end = run.samples[-1]
    assert end["level"] == "STOPPED"
    assert end["speed_mps"] == pytest.approx(0.0, abs=1e-6)
    assert end["hazard"] is True
    assert end["y_m"] == pytest.approx(-0.5 * LANE_WIDTH_M, abs=0.5), "near the lane centre"
    assert run.past.right_marking_m < 0.0
    assert run.past.left_marking_m < 0.0, "the front tyres never left the lane"
    stopping = [sample for sample in run.samples if sample["level"] == "STOPPING_IN_LANE"]
    assert stopping, "the stop went through STOPPING_IN_LANE"
    assert {sample["longitudinal_source"] for sample in stopping} == {"MRM"}
    assert {sample["lateral_source"] for sample in stopping} == {"MRM"}
    assert all(sample["hazard"] for sample in stopping)
    assert run.plant.collisions == []


def test_without_lane_keeping_the_same_stop_ends_out_of_lane() -> None:
    run = stop_in_lane(lane_keeping=False)
    end = run.samples[-1]
    assert end["level"] == "STOPPED"
    assert end["hazard"] is True
    assert run.past.right_marking_m > 0.5
