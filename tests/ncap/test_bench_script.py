"""bench/ncap.py stays runnable and prints its figures (no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.scenario import GridRange

BENCH = Path(__file__).resolve().parents[2] / "bench" / "ncap.py"


def test_ncap_bench_prints_its_figures_as_json() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", "--workers", "2", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["points"] == len(grid_points(ranges=(GridRange.STANDARD,))[::20])
    assert figures["workers"] == 2
    for key in ("full_standard_grid_s", "grid_cpu_s", "one_point_s", "mean_point_s", "catalogue_build_s"):
        assert figures[key] > 0, key
    assert figures["error_points"] == 0
    assert "every 20th standard point" in result.stdout
