"""bench/world.py stays runnable and prints its figures (no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "world.py"
NCAP = ROOT.parent / "shared" / "ncap" / "OpenDRIVE" / "NCAP"


def test_world_bench_prints_its_figures_as_json() -> None:
    for name in ("StraightRoad_NCAP_Roadmarks.xodr", "X-Intersection_NCAP.xodr"):
        if not (NCAP / name).exists():
            pytest.skip(f"{NCAP / name} is not there")
    result = subprocess.run(
        [sys.executable, str(BENCH), "--repeat", "1", "--steps", "200", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["steps"] == 200
    for road in ("straight", "x_intersection"):
        for key in (
            f"{road}_us_per_step",
            f"{road}_real_time_x",
            f"{road}_reference_no_queries_us_per_step",
            f"{road}_reference_no_queries_real_time_x",
        ):
            assert figures[key] > 0, key
        # the multiple of real time at 100 Hz is 10 ms over the cost of a step
        assert figures[f"{road}_real_time_x"] == pytest.approx(1e4 / figures[f"{road}_us_per_step"], rel=1e-2)
    assert "X-intersection" in result.stdout
    assert "without (ref.)" in result.stdout
