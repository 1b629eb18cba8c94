"""bench/ota.py stays runnable and prints its figures (no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "ota.py"


def test_ota_bench_prints_its_figures_as_json() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--image-mib", "1", "--repeat", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("ota_end_to_end_1mib_s", "raw_copy_1mib_s", "ota_publish_1mib_s", "ota_apply_1mib_s"):
        assert figures[key] > 0, key
    assert figures["ota_end_to_end_1mib_s"] >= figures["ota_apply_1mib_s"]
    assert "reference: raw copy of the same bytes" in result.stdout
