"""End to end across processes: ``sdvkit ecus`` runs the vehicle; this process is the tester,
with udsoncan over doipclient through the DoIP gateway, as a workshop tester would be.

The first run injects a battery over-temperature and reads the VIN as any outside tool would
(doipclient and udsoncan only); the DTC the fault raises, with its freeze frame,
survives the restart into a second run without the fault, which then unlocks security, writes a
setting, flashes an image and clears the DTC.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import udsoncan
from doipclient import DoIPClient
from doipclient.connectors import DoIPClientUDSConnector
from tests.service.conftest import wait_until
from udsoncan.client import Client

from sdvkit.service import diag_client
from sdvkit.service.behaviours import BATTERY_OVER_TEMPERATURE
from sdvkit.service.ecus import DEFAULT_VIN, VIN, ecu_spec
from sdvkit.service.firmware import build_image
from sdvkit.service.transport import DoipLink
from sdvkit.service.uds import DtcStatus

LISTENING = re.compile(r"DoIP gateway listening on 127\.0\.0\.1:(\d+)")
START_TIMEOUT_S = 30.0
ECUS_COMMAND = (
    "import argparse, sys; from sdvkit.cli import ecus; "
    "parser = argparse.ArgumentParser(prog='sdvkit'); ecus.add_parser(parser.add_subparsers()); "
    "args = parser.parse_args(sys.argv[1:]); sys.exit(args.func(args))"
)
"""``sdvkit ecus`` exactly, without importing every other subcommand (``python -m sdvkit`` does)."""
BMS = ecu_spec("BatteryManagement")


@contextmanager
def running_ecus(data_dir: Path, *extra: str) -> Iterator[int]:
    """``sdvkit ecus`` in a child process; yields its DoIP port; stops it with SIGINT."""
    command = [
        sys.executable, "-c", ECUS_COMMAND, "ecus", "--doip-port", "0", "--data-dir", str(data_dir),
        "--channel", f"process-{uuid.uuid4().hex[:8]}", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True)
    reader.start()
    try:
        try:
            first = lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            process.kill()
            pytest.fail(f"sdvkit ecus did not start: {process.communicate()[1]}")
        match = LISTENING.search(first)
        assert match is not None, first
        yield int(match.group(1))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
        reader.join(timeout=5)
    stderr = process.stderr.read() if process.stderr is not None else ""
    assert process.returncode == 0, stderr
    assert "sdvkit ecus: stopped" in "".join(lines.queue)


def outside_tester_reads_the_vin(port: int) -> str:
    """The powertrain's VIN as any outside tool reads it: doipclient and udsoncan, nothing of sdvkit."""
    connection = DoIPClientUDSConnector(
        DoIPClient("127.0.0.1", 0x07E0, tcp_port=port, udp_port=port, client_logical_address=0x0E00),
        close_connection=True,
    )
    config = dict(udsoncan.configs.default_client_config)
    config["data_identifiers"] = {VIN: udsoncan.AsciiCodec(17)}
    with Client(connection, config=config) as client:
        vin: str = client.read_data_by_identifier(VIN).service_data.values[VIN]
    return vin


def bms_dtcs(port: int) -> list[diag_client.DtcReport]:
    with DoipLink(port=port) as link, diag_client.open_client(link, BMS) as client:
        return diag_client.read_dtcs(client, BMS)


def test_a_tester_in_another_process_diagnoses_and_flashes_the_vehicle(tmp_path: Path) -> None:
    data = tmp_path / "vehicle"
    with running_ecus(data, "--fault", "battery-over-temperature") as port:
        assert outside_tester_reads_the_vin(port) == DEFAULT_VIN
        assert wait_until(
            lambda: any(report.status & DtcStatus.TEST_FAILED for report in bms_dtcs(port)), timeout_s=15
        )
        (raised,) = bms_dtcs(port)
    assert raised.code == BATTERY_OVER_TEMPERATURE
    first_frame = raised.snapshots[1]
    assert first_frame["VehicleSpeed"] == 0.0
    assert first_frame["StateOfCharge"] == pytest.approx(80.0, abs=0.1)
    assert first_frame["BatteryTemperature"] > 60.0  # the overheating cell, when it was detected

    with running_ecus(data) as port:
        (stored,) = bms_dtcs(port)  # it survived the restart, with its freeze frame
        assert stored.code == BATTERY_OVER_TEMPERATURE
        assert stored.status & DtcStatus.CONFIRMED
        assert stored.snapshots[1] == first_frame
        image = build_image(hardware_id=BMS.hardware_id, version="3.1.4", payload=bytes(range(256)) * 12)
        with DoipLink(port=port) as link, diag_client.open_client(link, BMS) as client:
            diag_client.write_did(client, BMS, 0x0121, 70)  # extended session, security access, write
            assert diag_client.read_dids(client, BMS, [0x0121]) == {0x0121: 70.0}
            result = diag_client.flash(client, BMS, image)
            diag_client.clear_dtcs(client, BMS)
            assert diag_client.read_dtcs(client, BMS) == []
    assert (result.version_before, result.version_after, result.crc_matches) == ("3.0.1", "3.1.4", True)
    assert (data / "ecus" / "BatteryManagement" / "slot-B.bin").read_bytes() == image
