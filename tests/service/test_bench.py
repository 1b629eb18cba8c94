"""bench/service.py stays runnable and prints its figures (no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "service.py"


def test_service_bench_prints_its_figures_as_json() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", "--image-kib", "8", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in (
        "dtc_scan_isotp_ms",
        "dtc_scan_doip_ms",
        "dtc_scan_reference_inmemory_ms",
        "flash_isotp_kib_per_s",
        "flash_doip_kib_per_s",
        "isotp_limit_kib_per_s",
        "isotp_limit_worst_stuffing_kib_per_s",
    ):
        assert figures[key] > 0, key
    assert figures["dtcs_scanned"] == figures["dtcs_stored"] > 0
    assert figures["isotp_limit_worst_stuffing_kib_per_s"] < figures["isotp_limit_kib_per_s"]
    assert "Full DTC scan" in result.stdout
    assert "OTA:" in result.stdout
