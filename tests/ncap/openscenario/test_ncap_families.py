"""Each Euro NCAP family's scenario, built and driven with the VUT at constant speed along its
path (no safety functions): the target meets the VUT where and when the protocol intends.

Expectations come from the built world at the start (gaps, where the target walks) and from the
protocol (impact location as a share of the VUT's width), not from the importer's own figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sdvkit.ncap.openscenario import ImportedScenario, ScenarioRun, load_scenario_runs

C2C = ("AEB_C2C_2023", "Variations")
VRU = ("AEB_VRU_2023", "Variations")


def runs(ncap: Path, folder: tuple[str, str], name: str) -> list[ScenarioRun]:
    return load_scenario_runs(ncap.joinpath(*folder, name))


def pick(items: list[ScenarioRun], **wanted: str) -> ScenarioRun:
    for run in items:
        if all(dict(run.parameters).get(key) == value for key, value in wanted.items()):
            return run
    raise AssertionError(f"no run with {wanted}")


def ahead_m(imported: ImportedScenario, actor: str) -> float:
    """How far the actor's box is ahead of the VUT's front, along the VUT's heading, at the start."""
    world = imported.setup.world
    start = imported.setup.vut_start
    box = world.box(actor)
    along = (box.x_m - start.x_m) * math.cos(start.heading_rad) + (box.y_m - start.y_m) * math.sin(
        start.heading_rad
    )
    relative = box.heading_rad - start.heading_rad
    extent = 0.5 * box.length_m * abs(math.cos(relative)) + 0.5 * box.width_m * abs(math.sin(relative))
    return along - extent - 0.5 * imported.vut_spec.length_m


def expected_lateral(impact_location_pct: float, vut_width_m: float) -> float:
    """Where the target's centre is across the VUT front for an impact location (nearside = right)."""
    return (impact_location_pct / 100.0 - 0.5) * vut_width_m


class TestCarToCarRear:
    @pytest.mark.parametrize("overlap", ["100", "-50", "75"])
    def test_ccrs_hits_the_standing_target_at_the_overlap(
        self, ncap: Path, constant_speed_drive: Callable[..., Any], overlap: str
    ) -> None:
        run = pick(
            runs(ncap, C2C, "NCAP_AEB_C2C_CCRs_Variation_2023.xosc"), Ego_speed_kph="30", Overlap=overlap
        )
        imported = run.build_imported()
        setup = imported.setup
        gap = ahead_m(imported, "GVT")
        result = constant_speed_drive(imported)
        assert result.impact_with == "GVT"
        assert result.impact_time_s == pytest.approx(gap / setup.vut_speed_mps, abs=0.02)
        vut_width, target_width = imported.vut_spec.width_m, setup.world.spec("GVT").width_m
        share = float(overlap) / 100.0
        # the target's edge overlaps the VUT's width by the share; left for positive overlaps
        expected = (
            0.0
            if share == 1.0
            else math.copysign((vut_width + target_width) / 2 - abs(share) * vut_width, share)
        )
        assert result.relative.lateral_m == pytest.approx(expected, abs=0.01)
        assert setup.duration_s > result.impact_time_s

    def test_ccrm_closes_at_the_speed_difference(
        self, ncap: Path, constant_speed_drive: Callable[..., Any]
    ) -> None:
        run = pick(
            runs(ncap, C2C, "NCAP_AEB_C2C_CCRm_Variation_2023.xosc"), Ego_speed_kph="50", Overlap="100"
        )
        imported = run.build_imported()
        closing = (run.point.vut_speed_kph - run.point.target_speed_kph) / 3.6
        gap = ahead_m(imported, "GVT")
        result = constant_speed_drive(imported)
        assert result.impact_time_s == pytest.approx(gap / closing, abs=0.02)
        assert result.relative.lateral_m == pytest.approx(0.0, abs=0.01)

    def test_ccrb_target_keeps_the_headway_then_brakes(
        self, ncap: Path, constant_speed_drive: Callable[..., Any]
    ) -> None:
        run = pick(
            runs(ncap, C2C, "NCAP_AEB_C2C_CCRb_Variation_2023.xosc"), GVT_headway="12", GVT_deceleration="2"
        )
        imported = run.build_imported()
        world = imported.setup.world
        early = constant_speed_drive(imported, until_s=1.0)
        assert early.impact_time_s is None
        assert world.gap_m("GVT") == pytest.approx(12.0, abs=0.05)  # set by the LongitudinalDistanceAction
        assert world.actor("GVT").speed_mps == pytest.approx(50 / 3.6)
        imported = run.build_imported()
        result = constant_speed_drive(imported)
        # braking starts 3 s after the headway is set; the 12 m close at half the deceleration
        assert result.impact_time_s == pytest.approx(3.0 + math.sqrt(2 * 12.0 / 2.0), abs=0.05)


class TestVulnerableRoadUsers:
    @pytest.mark.parametrize(
        ("name", "speed"),
        [
            ("NCAP_AEB_VRU_CPNA-25_Variation_2023.xosc", "20"),
            ("NCAP_AEB_VRU_CPNA-75_Variation_2023.xosc", "40"),
            ("NCAP_AEB_VRU_CPFA-50_Variation_2023.xosc", "30"),
            ("NCAP_AEB_VRU_CPNCO-50_Variation_2023.xosc", "20"),
        ],
    )
    def test_the_pedestrian_reaches_the_impact_location_when_the_vut_does(
        self, ncap: Path, constant_speed_drive: Callable[..., Any], name: str, speed: str
    ) -> None:
        run = pick(runs(ncap, VRU, name), Ego_speed_kph=speed)
        imported = run.build_imported()
        setup = imported.setup
        walking_line = ahead_m(imported, "VRU")
        assert setup.world.actor("VRU").speed_mps == 0.0  # it waits at the kerb
        result = constant_speed_drive(imported)
        assert result.impact_with == "VRU"
        assert result.impact_time_s == pytest.approx(walking_line / setup.vut_speed_mps, abs=0.03)
        assert run.point.impact_location_pct is not None
        lateral = expected_lateral(run.point.impact_location_pct, imported.vut_spec.width_m)
        assert result.relative.lateral_m == pytest.approx(lateral, abs=0.12)
        assert setup.world.actor("VRU").speed_mps == pytest.approx(run.point.target_speed_kph / 3.6)
        assert abs(abs(math.degrees(result.relative.relative_heading_rad)) - 90.0) < 1.0
        assert setup.duration_s > result.impact_time_s

    def test_obstructing_cars_stand_beside_the_path(
        self, ncap: Path, constant_speed_drive: Callable[..., Any]
    ) -> None:
        run = pick(runs(ncap, VRU, "NCAP_AEB_VRU_CPNCO-50_Variation_2023.xosc"), Ego_speed_kph="30")
        imported = run.build_imported()
        world = imported.setup.world
        before = {name: world.actor(name) for name in ("ObstructionSmall", "ObstructionLarge")}
        constant_speed_drive(imported)
        assert all(event.second_id == "VRU" for event in world.collisions)
        for name, start in before.items():
            now = world.actor(name)
            assert (now.x_m, now.y_m, now.speed_mps) == (start.x_m, start.y_m, 0.0)
            assert abs(world.relative_to_ego(name).lateral_m) > 1.5  # beside the VUT's lane

    @pytest.mark.parametrize(
        "name",
        [
            "NCAP_AEB_VRU_CBNA-50_Variation_2023.xosc",
            "NCAP_AEB_VRU_CBNAO-50_Variation_2023.xosc",
            "NCAP_AEB_VRU_CBFA-50_Variation_2023.xosc",
        ],
    )
    def test_the_crossing_cyclist_meets_the_vut_mid_front(
        self, ncap: Path, constant_speed_drive: Callable[..., Any], name: str
    ) -> None:
        run = pick(runs(ncap, VRU, name), Ego_speed_kph="40")
        imported = run.build_imported()
        result = constant_speed_drive(imported)
        assert result.impact_with == "VRU"
        assert result.relative.lateral_m == pytest.approx(0.0, abs=0.15)
        assert abs(abs(math.degrees(result.relative.relative_heading_rad)) - 90.0) < 1.0
        assert imported.setup.world.actor("VRU").speed_mps == pytest.approx(run.point.target_speed_kph / 3.6)

    @pytest.mark.parametrize(
        ("name", "speed"),
        [
            ("NCAP_AEB_VRU_CBLA-50_Variation_2023.xosc", "40"),
            ("NCAP_AEB_VRU_CPLA-25_Variation_2023.xosc", "60"),
        ],
    )
    def test_the_longitudinal_vru_is_hit_from_behind_at_the_overlap(
        self, ncap: Path, constant_speed_drive: Callable[..., Any], name: str, speed: str
    ) -> None:
        run = pick(runs(ncap, VRU, name), Ego_speed_kph=speed)
        imported = run.build_imported()
        result = constant_speed_drive(imported)
        assert result.impact_with == "VRU"
        assert run.point.impact_location_pct is not None
        lateral = expected_lateral(run.point.impact_location_pct, imported.vut_spec.width_m)
        assert result.relative.lateral_m == pytest.approx(lateral, abs=0.01)
        assert math.degrees(result.relative.relative_heading_rad) == pytest.approx(0.0, abs=0.1)
        vru_speed = imported.setup.world.actor("VRU").speed_mps
        assert 0.0 < vru_speed <= run.point.target_speed_kph / 3.6 + 1e-9  # it set off as the VUT came


class TestCrossingAndHeadOn:
    def test_ccftap_oncoming_target_meets_the_turning_vut(
        self, ncap: Path, constant_speed_drive: Callable[..., Any]
    ) -> None:
        run = pick(runs(ncap, C2C, "NCAP_AEB_C2C_CCFtap_Variation_2023.xosc"), Ego_speed_kph="15")
        imported = run.build_imported()
        start_heading = imported.setup.vut_start.heading_rad
        result = constant_speed_drive(imported)
        assert result.impact_with == "Target"
        world = imported.setup.world
        assert world.ego is not None
        turned = math.degrees(math.remainder(world.ego.heading_rad - start_heading, math.tau))
        assert 15.0 < turned < 90.0  # the VUT is in its left turn
        assert abs(math.degrees(result.relative.relative_heading_rad)) > 120.0  # the target comes towards it
        assert world.actor("Target").speed_mps == pytest.approx(run.point.target_speed_kph / 3.6)
        assert result.relative.longitudinal_m > 0.0

    def test_cpta_pedestrian_crosses_the_road_the_vut_turns_into(
        self, ncap: Path, constant_speed_drive: Callable[..., Any]
    ) -> None:
        run = load_scenario_runs(
            ncap / "AEB_VRU_2023" / "Variations" / "NCAP_AEB_VRU_CPTAns-50_10kph_2023.xosc"
        )[0]
        imported = run.build_imported()
        start_heading = imported.setup.vut_start.heading_rad
        result = constant_speed_drive(imported)
        assert result.impact_with == "VRU"
        ego = imported.setup.world.ego
        assert ego is not None
        turned = math.degrees(math.remainder(ego.heading_rad - start_heading, math.tau))
        assert turned < -45.0  # a nearside (right) turn
        assert result.relative.lateral_m == pytest.approx(0.0, abs=0.3)

    @pytest.mark.parametrize(
        "name", ["NCAP_AEB_C2C_CCFhos_Variation_2023.xosc", "NCAP_AEB_C2C_CCFhol_Variation_2023.xosc"]
    )
    def test_head_on_targets_meet_the_vut_front_to_front(
        self, ncap: Path, constant_speed_drive: Callable[..., Any], name: str
    ) -> None:
        run = pick(runs(ncap, C2C, name), Ego_speed_kph="50")
        imported = run.build_imported()
        lane_at_start = imported.setup.world.actor("GVT").y_m - imported.setup.vut_start.y_m
        result = constant_speed_drive(imported)
        assert result.impact_with == "GVT"
        assert abs(math.degrees(result.relative.relative_heading_rad)) == pytest.approx(180.0, abs=2.0)
        assert result.relative.lateral_m == pytest.approx(0.0, abs=0.2)
        if "CCFhol" in name:
            assert lane_at_start > 3.0  # it started in the oncoming lane and changed into the VUT's


def test_scripted_targets_do_not_depend_on_the_step(
    ncap: Path, constant_speed_drive: Callable[..., Any]
) -> None:
    run = load_scenario_runs(ncap / "AEB_VRU_2023" / "Variations" / "NCAP_AEB_VRU_CPNA-25_50kph_2023.xosc")[0]
    coarse = constant_speed_drive(run.build_imported(), dt_s=0.02)
    fine = constant_speed_drive(run.build_imported(), dt_s=0.005)
    assert coarse.impact_time_s == pytest.approx(fine.impact_time_s, abs=1e-4)
