"""``sdvkit ncap``: the list, a real run of one small grid, and bad arguments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sdvkit.cli import main
from sdvkit.ncap.builders import false_positive_points
from sdvkit.ncap.grids import GRID_NAMES, grid_points
from sdvkit.ncap.scenario import GridRange


def test_list_names_every_grid_and_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ncap", "--list"]) == 0
    out = capsys.readouterr().out
    for name in GRID_NAMES:
        assert name in out
    for point in false_positive_points():
        assert point.label in out
    standard = len(grid_points(("CCRm",), ranges=(GridRange.STANDARD,)))
    assert re.search(rf"^ +CCRm +{standard} +/", out, re.MULTILINE)


def test_unknown_grid_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ncap", "--grid", "CCRs", "NOPE"]) == 2
    captured = capsys.readouterr()
    assert "unknown grid 'NOPE'" in captured.err
    assert "CCRm" in captured.err  # the known names are listed
    assert captured.out == ""


def test_bad_jobs_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ncap", "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_runs_a_grid_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "results.json"
    markdown = tmp_path / "results.md"
    argv = [
        "ncap",
        "--grid",
        "cc elk on",
        "--jobs",
        "2",
        "--json",
        str(out_file),
        "--markdown",
        str(markdown),
    ]
    assert main(argv) == 0
    captured = capsys.readouterr()
    labels = [point.label for point in grid_points(("CC ELK On",), ranges=(GridRange.STANDARD,))]
    for label in labels:
        assert label in captured.out
        assert label in captured.err  # progress
    assert "CC ELK On      standard" in captured.out
    assert "Lane Departure" in captured.out
    assert "rating gate    not run" in captured.out
    assert "FP " not in captured.out  # a --grid run leaves the false-positive suite out
    written = json.loads(out_file.read_text())
    assert [entry["scenario"] for entry in written] == labels
    assert {entry["grid"] for entry in written} == {"CC ELK On"}
    assert all(entry["colour"] in ("green", "red") for entry in written)
    page = markdown.read_text()
    assert "| CC ELK On | standard |" in page  # the summary row
    rows = [line for line in page.splitlines() if line.startswith("| CC ELK On | standard | CC ELK On")]
    assert len(rows) == len(labels)
    assert all(f"| {entry['colour']} |" in row for entry, row in zip(written, rows, strict=True))
