"""bench/broker.py stays runnable and prints its figures (no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "broker.py"


def test_broker_bench_prints_its_figures_as_json() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in (
        "inprocess_updates_per_s",
        "inprocess_reference_dict_updates_per_s",
        "grpc_updates_per_s",
        "grpc_paced_updates_per_s",
        "grpc_reference_one_way_datapoints_per_s",
        "latency_p50_ms",
        "latency_p99_ms",
        "latency_reference_one_way_p99_ms",
    ):
        assert figures[key] > 0, key
    assert figures["grpc_updates_received"] <= figures["grpc_updates_published"]
    assert "in process:" in result.stdout
    assert "Subscribe latency" in result.stdout
