"""``sdvkit ota``: the whole flow through ``main()``, checked on its output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdvkit.cli import main
from sdvkit.service.ota import build_app_package

VIN = "WVWZZZ1JZ3W386752"


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    status = main(["ota", *args, "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_newcomer_runs_the_flow_in_sequence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    image = tmp_path / "powertrain-1.1.0.bin"
    image.write_bytes(b"powertrain firmware 1.1.0\n" * 100)

    status, out, _ = run(capsys, data, "provision", "--vin", VIN)
    assert status == 0
    assert "Powertrain               SDVK-PT-HW2" in out

    status, out, _ = run(
        capsys,
        data,
        "publish",
        "--image",
        str(image),
        "--ecu-hw",
        "SDVK-PT-HW2",
        "--version",
        "1.1.0",
    )
    assert status == 0
    assert "published firmware 1.1.0 for SDVK-PT-HW2: SDVK-PT-HW2/1.1.0/powertrain-1.1.0.bin" in out

    status, out, _ = run(capsys, data, "assign", "--vin", VIN, "--ecu", "Powertrain", "--version", "1.1.0")
    assert status == 0
    assert f"assigned 1.1.0 to Powertrain of {VIN}" in out

    status, out, _ = run(capsys, data, "check", "--vin", VIN, "--json")
    check = json.loads(out)
    assert status == 0
    assert check["installs"] == [
        {
            "ecu": "Powertrain",
            "from_version": "1.0.0",
            "to_version": "1.1.0",
            "target": "SDVK-PT-HW2/1.1.0/powertrain-1.1.0.bin",
            "length": 2600,
        }
    ]

    status, out, _ = run(capsys, data, "apply", "--vin", VIN)
    assert status == 0
    assert f"vehicle {VIN}: SUCCESS" in out
    assert "Powertrain               now runs 1.1.0" in out

    status, out, _ = run(capsys, data, "status", "--vin", VIN, "--json")
    report = json.loads(out)
    powertrain = next(ecu for ecu in report["ecus"] if ecu["ecu"] == "Powertrain")
    assert (powertrain["version"], powertrain["slot"], powertrain["assigned"], powertrain["reported"]) == (
        "1.1.0",
        "B",
        "1.1.0",
        "1.1.0",
    )
    assert report["last_result"] == "SUCCESS"

    status, out, _ = run(capsys, data, "apply", "--vin", VIN)
    assert status == 0
    assert "NONE (nothing to install)" in out

    status, out, _ = run(capsys, data, "status", "--vin", VIN)
    assert "Powertrain               SDVK-PT-HW2                1.1.0      B     1.1.0      1.1.0" in out


def test_apps_are_published_from_their_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    package = tmp_path / "hello.zip"
    source = "from sdvkit.runtime import VehicleApp\n\nclass HelloApp(VehicleApp):\n    name = 'hello'\n"
    build_app_package(package, name="hello", version="1.0.0", entry_point="hello_app:HelloApp", source=source)
    assert run(capsys, data, "provision", "--vin", VIN, "--app", "hello")[0] == 0
    status, out, _ = run(capsys, data, "publish", "--app-package", str(package), "--json")
    assert status == 0
    assert json.loads(out)["hardware_id"] == "sdvkit-app.hello"
    assert run(capsys, data, "assign", "--vin", VIN, "--ecu", "app.hello", "--version", "1.0.0")[0] == 0
    status, out, _ = run(capsys, data, "apply", "--vin", VIN, "--json")
    assert status == 0
    assert json.loads(out)["versions"]["app.hello"] == "1.0.0"


def test_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert run(capsys, data, "provision", "--vin", VIN, "--ecu", "Powertrain=SDVK-PT-HW2")[0] == 0
    not_a_directory = tmp_path / "repository.txt"
    not_a_directory.write_text("not a repository")
    cases = [
        (("status", "--vin", "WVWZZZ1JZ3W386753"), "the director has no vehicle WVWZZZ1JZ3W386753"),
        (("status", "--vin", "NOT-A-VIN"), "VIN 'NOT-A-VIN' is not a valid"),
        (("assign", "--vin", VIN, "--ecu", "Body", "--version", "1.1.0"), "has no ECU 'Body'"),
        (
            ("assign", "--vin", VIN, "--ecu", "Powertrain", "--version", "1.1.0"),
            "no version 1.1.0 for hardware",
        ),
        (
            ("publish", "--image", str(tmp_path / "nope.bin"), "--ecu-hw", "hw", "--version", "1.0"),
            "is not a file",
        ),
        (
            ("publish", "--image", str(tmp_path), "--version", "1.0"),
            "--image needs --ecu-hw HWID and --version V",
        ),
        (("publish", "--app-package", str(tmp_path / "nope.zip")), "cannot read app package"),
        (("provision", "--vin", "WVWZZZ1JZ3W386753", "--ecu", "Powertrain"), "write NAME=HWID"),
        (("check", "--vin", "WVWZZZ1JZ3W386753"), "no vehicle is provisioned"),
        (
            ("apply", "--vin", VIN, "--repo", str(not_a_directory)),
            f"cannot write the key file {not_a_directory}",
        ),
    ]
    for args, message in cases:
        status, out, err = run(capsys, data, *args)
        assert status == 2, args
        assert out == ""
        assert message in err, (args, err)
        assert err.startswith("sdvkit ota: error: ")


def test_a_refused_update_exits_1_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    image = tmp_path / "fw.bin"
    image.write_bytes(b"firmware" * 100)
    run(capsys, data, "provision", "--vin", VIN)
    run(capsys, data, "publish", "--image", str(image), "--ecu-hw", "SDVK-BODY-HW4", "--version", "2.0")
    run(capsys, data, "assign", "--vin", VIN, "--ecu", "Body", "--version", "2.0")
    stored = next((data / "ota" / "image-repository" / "targets" / "SDVK-BODY-HW4").rglob("*.fw.bin"))
    stored.write_bytes(b"malware!" * 100)
    status, out, err = run(capsys, data, "apply", "--vin", VIN)
    assert status == 1
    assert "update REJECTED, nothing installed" in err
    assert "does not match its signed hash" in err
    status, out, _ = run(capsys, data, "status", "--vin", VIN, "--json")
    report = json.loads(out)
    assert report["last_result"] == "REJECTED"
    assert next(ecu for ecu in report["ecus"] if ecu["ecu"] == "Body")["version"] == "1.0.0"
