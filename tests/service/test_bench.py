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
        "ota_end_to_end_10mib_s",
        "raw_copy_10mib_s",
        "ota_end_to_end_over_raw_copy_x",
    ):
        assert figures[key] > 0, key
    assert figures["dtcs_scanned"] == figures["dtcs_stored"] > 0
    assert figures["isotp_limit_worst_stuffing_kib_per_s"] < figures["isotp_limit_kib_per_s"]
    assert figures["ota_image_mib"] == 10
    assert figures["ota_end_to_end_10mib_s"] >= figures["ota_apply_10mib_s"]
    assert "Full DTC scan" in result.stdout
    assert "OTA: secure update of one ECU, 10 MiB image" in result.stdout
    assert "reference: raw copy of the same bytes" in result.stdout


def test_service_bench_refuses_sizes_below_one() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--ota-mib", "0"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--ota-mib 0: must be at least 1" in result.stderr
