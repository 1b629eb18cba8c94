"""Runs as the bench sees them: test points, labels, picklable runs, fresh worlds, the survey."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pytest

from sdvkit.ncap.openscenario import SurveyStatus, load_scenario_runs, survey
from sdvkit.ncap.openscenario.survey import survey_file
from sdvkit.ncap.scenario import Criterion, GridRange


def variation(ncap: Path, folder: str, name: str) -> Path:
    return ncap / folder / "Variations" / name


class TestPoints:
    @pytest.mark.parametrize(
        ("folder", "name", "grid", "criterion"),
        [
            ("AEB_C2C_2023", "NCAP_AEB_C2C_CCRs_Variation_2023.xosc", "CCRs", Criterion.MITIGATION),
            ("AEB_C2C_2023", "NCAP_AEB_C2C_CCRb_Variation_2023.xosc", "CCRb", Criterion.MITIGATION),
            ("AEB_C2C_2023", "NCAP_AEB_C2C_CCRs_FCW_Variation_2023.xosc", "CCRs", Criterion.FCW),
            ("AEB_C2C_2023", "NCAP_AEB_C2C_CCFtap_Variation_2023.xosc", "CCFtap", Criterion.AVOIDANCE),
            ("AEB_C2C_2023", "NCAP_AEB_C2C_CCFhos_Variation_2023.xosc", "CCFhos", Criterion.SPEED_REDUCTION),
            ("AEB_VRU_2023", "NCAP_AEB_VRU_CPNA-25_Variation_2023.xosc", "CPNA", Criterion.MITIGATION),
            ("AEB_VRU_2023", "NCAP_AEB_VRU_CPFA-50_Variation_2023.xosc", "CPFA", Criterion.MITIGATION),
            ("AEB_VRU_2023", "NCAP_AEB_VRU_CPTAfs-50_Variation_2023.xosc", "CPTAfs", Criterion.AVOIDANCE),
            ("AEB_VRU_2023", "NCAP_AEB_VRU_CMFtap_Variation_2023.xosc", "CMFtap", Criterion.AVOIDANCE),
            ("AEB_VRU_2023", "NCAP_AEB_VRU_CBLA-25_Variation_2023.xosc", "CBLA", Criterion.MITIGATION),
        ],
    )
    def test_grid_and_criterion_by_family(
        self, ncap: Path, folder: str, name: str, grid: str, criterion: Criterion
    ) -> None:
        runs = load_scenario_runs(variation(ncap, folder, name))
        assert {run.point.grid for run in runs} == {grid}
        assert {run.point.criterion for run in runs} == {criterion}
        assert {run.point.range for run in runs} == {GridRange.SCENARIO_FILE}
        assert {run.point.max_points for run in runs} == {0.0}
        labels = [run.point.label for run in runs]
        assert len(set(labels)) == len(labels), Counter(labels).most_common(2)

    def test_speeds_and_impact_location_come_from_the_parameters(self, ncap: Path) -> None:
        for run in load_scenario_runs(
            variation(ncap, "AEB_C2C_2023", "NCAP_AEB_C2C_CCRm_Variation_2023.xosc")
        ):
            parameters = dict(run.parameters)
            assert run.point.vut_speed_kph == pytest.approx(float(parameters["Ego_speed_kph"]))
            assert run.point.target_speed_kph == pytest.approx(float(parameters["GVT_init_speed_kph"]))
            assert run.point.impact_location_pct == float(parameters["Overlap"])
            assert run.point.label == (
                f"CCRm_Variation_2023 v={parameters['Ego_speed_kph']} vt=20 IL={parameters['Overlap']}"
            )
            assert run.point.parameter("Ego_speed_kph") == float(parameters["Ego_speed_kph"])

    def test_fcw_points_have_the_driver_brake_after_the_warning(self, ncap: Path) -> None:
        run = load_scenario_runs(
            variation(ncap, "AEB_C2C_2023", "NCAP_AEB_C2C_CCRs_FCW_Variation_2023.xosc")
        )[0]
        assert run.build().driver_brakes_after_warning_s == 1.2
        other = load_scenario_runs(variation(ncap, "AEB_C2C_2023", "NCAP_AEB_C2C_CCRs_50kph_2023.xosc"))[0]
        assert other.build().driver_brakes_after_warning_s is None

    def test_the_file_name_wins_over_a_scenario_id_of_another_family(self, ncap: Path) -> None:
        (run,) = load_scenario_runs(ncap / "AEB_C2C_2023" / "NCAP_AEB_C2C_CCFhos_2023.xosc")
        assert run.point.grid == "CCFhos"  # the file declares Scenario_ID "CCFhol"
        assert any("Scenario_ID says CCFhol" in note for note in run.build().notes)

    def test_a_base_scenario_is_one_run_with_its_own_parameters(self, ncap: Path) -> None:
        (run,) = load_scenario_runs(ncap / "AEB_VRU_2023" / "NCAP_AEB_VRU_CPNA_2023.xosc")
        assert run.parameters == ()
        assert run.source == run.scenario
        assert (run.point.grid, run.point.vut_speed_kph, run.point.impact_location_pct) == (
            "CPNA",
            30.0,
            25.0,
        )


class TestRuns:
    def test_runs_pickle_and_build_a_new_world_each_time(self, ncap: Path) -> None:
        run = load_scenario_runs(variation(ncap, "AEB_VRU_2023", "NCAP_AEB_VRU_CBNA-50_50kph_2023.xosc"))[0]
        copy = pickle.loads(pickle.dumps(run))
        assert copy == run
        first, second = run.build(), copy.build()
        assert first.world is not second.world
        assert first.world.actor("VRU") == second.world.actor("VRU")
        assert (first.vut_start, first.duration_s, first.target_id) == (
            second.vut_start,
            second.duration_s,
            "VRU",
        )

    def test_duration_covers_the_meeting(self, ncap: Path) -> None:
        (run,) = load_scenario_runs(ncap / "AEB_VRU_2023" / "NCAP_AEB_VRU_CPNA_2023.xosc")
        setup = run.build()
        # the file stops once the VUT has travelled 5 m past the pedestrian's path, 6 s ahead at the start
        assert setup.duration_s == pytest.approx(6.0 + 5.0 / setup.vut_speed_mps)


class TestSurvey:
    def test_every_file_is_listed_with_what_the_importer_makes_of_it(self, ncap: Path) -> None:
        entries = survey(ncap.parent.parent)
        files = sorted(ncap.parent.parent.rglob("*.xosc"))
        assert [entry.path for entry in entries] == files
        by_status = Counter(entry.status for entry in entries)
        assert by_status[SurveyStatus.CATALOG] == 6
        assert by_status[SurveyStatus.ERROR] == 0
        for entry in entries:
            if entry.status is SurveyStatus.UNSUPPORTED:
                assert "CPRA" in entry.path.name
                assert "the VUT reverses" in entry.reason
            elif entry.status is SurveyStatus.RUNS:
                assert entry.runs == len(load_scenario_runs(entry.path))
        assert by_status[SurveyStatus.RUNS] == len(files) - 6 - by_status[SurveyStatus.UNSUPPORTED]

    def test_a_broken_file_is_an_error_with_its_reason(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.xosc"
        path.write_text("<OpenSCENARIO><FileHeader")
        entry = survey_file(path)
        assert entry.status is SurveyStatus.ERROR
        assert "malformed XML at line 1" in entry.reason
