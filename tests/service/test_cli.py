"""``sdvkit diag`` (in process, on the virtual bus) and ``sdvkit ecus``: commands, output, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdvkit.cli import main
from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecus import DEFAULT_VIN, ecu_spec
from sdvkit.service.firmware import build_image

Capsys = pytest.CaptureFixture[str]


def diag(data: Path, *arguments: str) -> list[str]:
    return ["diag", "--in-process", "--data-dir", str(data), *arguments]


def last_json(capsys: Capsys) -> dict[str, object]:
    result: dict[str, object] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return result


def test_scan_finds_every_ecu(tmp_path: Path, capsys: Capsys) -> None:
    assert main(diag(tmp_path, "scan")) == 0
    out = capsys.readouterr().out
    assert f"VIN {DEFAULT_VIN}" in out
    assert main(diag(tmp_path, "scan", "--json")) == 0
    ecus = last_json(capsys)["ecus"]
    assert isinstance(ecus, list)
    assert [(ecu["ecu"], ecu["reachable"], ecu["software_version"]) for ecu in ecus] == [
        ("Gateway", True, "2.1.0"),
        ("Powertrain", True, "1.4.2"),
        ("BatteryManagement", True, "3.0.1"),
        ("Body", True, "1.2.0"),
        ("ADAS", True, "4.2.0"),
        ("Infotainment", True, "5.0.3"),
    ]


def test_read_dtc_shows_stored_dtcs_with_freeze_frames(tmp_path: Path, capsys: Capsys) -> None:
    ecu = VirtualEcu(ecu_spec("Body"), data_dir=tmp_path)  # a DTC stored by an earlier run
    ecu.bus_view.update("PLANT_Motion", {"VehicleSpeed": 33.0})
    ecu.bus_view.update("SIM_FaultInjection", {"StuckWindowMotor": 4.0})
    for _ in range(2):
        ecu.run_cycle()
    assert main(diag(tmp_path, "--json", "read-dtc", "--ecu", "body")) == 0
    (dtc,) = last_json(capsys)["dtcs"]  # type: ignore[misc]
    assert dtc["dtc"] == "B1405-71"
    assert "confirmed" in dtc["status_bits"]
    assert dtc["freeze_frames"]["1"]["VehicleSpeed"] == 33.0
    assert main(diag(tmp_path, "read-dtc", "--ecu", "Body")) == 0
    assert "first failure: VehicleSpeed 33" in capsys.readouterr().out
    assert main(diag(tmp_path, "clear-dtc", "--ecu", "Body")) == 0
    assert main(diag(tmp_path, "read-dtc", "--ecu", "Body")) == 0
    assert "no DTCs stored" in capsys.readouterr().out


def test_read_and_write_dids_by_name_or_number(tmp_path: Path, capsys: Capsys) -> None:
    assert main(diag(tmp_path, "write-did", "--ecu", "Powertrain", "VIN", "SDVK1EV00RA000777")) == 0
    assert main(diag(tmp_path, "read-did", "--ecu", "powertrain", "f190", "SoftwareVersion", "--json")) == 0
    assert last_json(capsys)["values"] == {"VIN": "SDVK1EV00RA000777", "SoftwareVersion": "1.4.2"}
    assert main(diag(tmp_path, "write-did", "--ecu", "Powertrain", "MaxSpeedLimit", "255")) == 1  # max 250
    assert "NRC 0x31" in capsys.readouterr().err


def test_flash_a_payload_as_an_image(tmp_path: Path, capsys: Capsys) -> None:
    payload = tmp_path / "app.bin"
    payload.write_bytes(bytes(range(256)) * 8)
    assert (
        main(diag(tmp_path / "data", "flash", "--ecu", "ADAS", str(payload), "--version", "4.3.1", "--json"))
        == 0
    )
    result = last_json(capsys)
    assert (result["version_before"], result["version_after"], result["crc_matches"]) == (
        "4.2.0",
        "4.3.1",
        True,
    )
    assert (
        main(diag(tmp_path / "data", "read-did", "--ecu", "ADAS", "SoftwareVersion", "ActiveSlot", "--json"))
        == 0
    )
    assert last_json(capsys)["values"] == {"SoftwareVersion": "4.3.1", "ActiveSlot": "B"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("read-did", "--ecu", "Brakes", "VIN"), "no ECU named 'Brakes'"),
        (("read-did", "--ecu", "Body", "Horn"), "Body has no DID 'Horn'"),
        (("write-did", "--ecu", "Body", "WindowAutoCloseDelay", "soon"), "takes a number, not 'soon'"),
        (("write-did", "--ecu", "Body", "WindowAutoCloseDelay", "300"), "does not fit 1 bytes"),
        (("flash", "--ecu", "Body", "/nonexistent/image.bin"), "cannot read /nonexistent/image.bin"),
    ],
)
def test_bad_input_is_named(tmp_path: Path, capsys: Capsys, arguments: tuple[str, ...], message: str) -> None:
    assert main(diag(tmp_path, *arguments)) == 2
    assert message in capsys.readouterr().err


def test_flash_refuses_a_file_that_is_no_image_or_for_another_ecu(tmp_path: Path, capsys: Capsys) -> None:
    raw = tmp_path / "raw.bin"
    raw.write_bytes(b"\x00" * 100)
    assert main(diag(tmp_path, "flash", "--ecu", "Body", str(raw))) == 2
    assert "not an sdvkit firmware image" in capsys.readouterr().err
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(build_image(hardware_id="SDVK-ADAS-HW5", version="1.0.0", payload=b"x"))
    assert main(diag(tmp_path, "flash", "--ecu", "Body", str(foreign))) == 2
    assert "built for SDVK-ADAS-HW5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("--tester-address", "0x1234", "scan"),
            "argument --tester-address: '0x1234' is not a number 0x0E00..0x0EFF",
        ),
        (("--tester-address", "tester", "scan"), "argument --tester-address: 'tester' is not a number"),
        (("read-dtc", "--mask", "0x1FF"), "argument --mask: '0x1FF' is not a number 0x00..0xFF"),
    ],
)
def test_bad_options_are_named(capsys: Capsys, arguments: tuple[str, ...], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["diag", *arguments])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_doip_port_that_is_no_port_is_named(capsys: Capsys) -> None:
    assert main(["diag", "--doip", "127.0.0.1:port", "scan"]) == 2
    assert "--doip '127.0.0.1:port': the port must be a number" in capsys.readouterr().err
    assert main(["diag", "--doip", "127.0.0.1:99999", "scan"]) == 2
    assert "--doip '127.0.0.1:99999': the port must be 1..65535" in capsys.readouterr().err


def test_diag_without_a_gateway_says_so(capsys: Capsys) -> None:
    assert main(["diag", "--doip", "127.0.0.1:9", "read-did", "--ecu", "Body", "VIN"]) == 1
    assert "cannot reach the DoIP gateway at 127.0.0.1:9" in capsys.readouterr().err


def test_ecus_refuses_bad_options(tmp_path: Path, capsys: Capsys) -> None:
    assert main(["ecus", "--data-dir", str(tmp_path), "--vin", "NOT-A-VIN"]) == 2
    assert "VIN 'NOT-A-VIN'" in capsys.readouterr().err
    assert main(["ecus", "--data-dir", str(tmp_path), "--no-vehicle", "--fault", "insulation-fault"]) == 2
    assert "--fault needs the vehicle" in capsys.readouterr().err
    assert main(["ecus", "--data-dir", str(tmp_path), "--vehicle", "trabant"]) == 2
    assert "trabant" in capsys.readouterr().err
    assert main(["ecus", "--data-dir", str(tmp_path), "--interface", "no-such-can"]) == 1
    assert "cannot open CAN bus no-such-can" in capsys.readouterr().err
