"""bench/plant.py stays runnable and prints its figures (no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_plant_bench_prints_its_figures_as_json() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "plant.py"), "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["udds_100hz_real_time_factor"] > 0
    assert figures["fastsim_reference_real_time_factor"] > 0
    assert figures["udds_steps"] == 136_900
    assert "FASTSim" in result.stdout
