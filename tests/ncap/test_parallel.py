"""Parallel runs: results in input order, progress as points finish, an error kept to its point."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sdvkit.ncap.builders import build_scenario
from sdvkit.ncap.errors import NcapError, ScenarioError
from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.parallel import run_many
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint

_POINTS = {point.label: point for point in grid_points()}


@dataclass
class _Run:
    """A job with its own scenario, like the OpenSCENARIO importer's ``ScenarioRun``."""

    point: TestPoint
    fail: bool = False

    def build(self) -> ScenarioSetup:
        if self.fail:
            raise ScenarioError(f"cannot build {self.point.label}")
        return build_scenario(self.point)


def test_two_jobs_keep_their_order_and_report_progress() -> None:
    slow = _POINTS["CCRm 130/70 km/h IL 50"]  # the longer run first: it finishes second
    fast = _POINTS["CCRs 10 km/h IL 50"]
    progress: list[tuple[int, int, str]] = []

    def on_result(done: int, total: int, result: PointResult) -> None:
        progress.append((done, total, result.point.label))

    results = run_many([slow, fast], workers=2, on_result=on_result, stack=None)

    assert [result.point for result in results] == [slow, fast]
    assert all(result.impact for result in results)  # without functions both targets are hit
    assert [(done, total) for done, total, _ in progress] == [(1, 2), (2, 2)]
    assert {label for _, _, label in progress} == {slow.label, fast.label}


def test_an_error_is_reported_for_its_point_only() -> None:
    good = _POINTS["CCRs 20 km/h IL 50"]
    bad = _Run(_POINTS["CCRs 30 km/h IL 50"], fail=True)
    own = _Run(_POINTS["CCRs 40 km/h IL 50"])
    results = run_many([good, bad, own], workers=2, stack=None)

    assert [result.point for result in results] == [good, bad.point, own.point]
    failed = results[1]
    assert failed.colour == "red"
    assert failed.points == 0.0
    assert failed.notes[0] == "error: ScenarioError: cannot build CCRs 30 km/h IL 50"
    assert any("build" in note for note in failed.notes[1:])  # where it was raised
    assert results[0].impact
    assert results[2].impact
    assert not any(note.startswith("error") for note in results[0].notes + results[2].notes)


def test_one_worker_runs_in_this_process() -> None:
    bad = _Run(_POINTS["CCRs 30 km/h IL 50"], fail=True)
    results = run_many([bad, _POINTS["CCRs 10 km/h IL 25"]], workers=1, stack=None)
    assert results[0].colour == "red"
    assert results[0].notes[0].startswith("error: ScenarioError")
    assert results[1].impact


def test_bad_jobs_and_worker_counts_are_refused() -> None:
    with pytest.raises(NcapError, match="job 1 is a str"):
        run_many([_POINTS["CCRs 10 km/h IL 25"], "CCRs"], workers=1)  # type: ignore[list-item]
    with pytest.raises(NcapError, match="workers"):
        run_many([_POINTS["CCRs 10 km/h IL 25"]], workers=0)
