"""bench/sensing.py stays runnable and prints its figures (no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sensing.py"


def test_sensing_bench_prints_its_figures_as_json() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--repeat", "1", "--cycles", "40", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["cycles"] == 40
    assert figures["actors"] == 6
    assert figures["mean_tracks"] >= 3
    for key in (
        "pipeline_us_per_cycle",
        "app_us_per_cycle",
        "one_target_pipeline_us_per_cycle",
        "reference_world_step_us",
    ):
        assert figures[key] > 0, key
    assert "reference: World.step" in result.stdout
