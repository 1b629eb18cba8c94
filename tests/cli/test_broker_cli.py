"""``sdvkit broker``: arguments, errors, serving, and a clean shutdown on SIGINT/SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from kuksa.val.v1 import val_pb2 as val_v1
from kuksa.val.v1 import val_pb2_grpc as val_v1_grpc
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_v2_grpc

from sdvkit.cli import main

LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


def test_help_lists_the_databroker_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["broker", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--address", "--port", "--vss", "--jwt-public-key", "--disable-authorization", "--insecure"):
        assert flag in out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "broker" in capsys.readouterr().out


def test_missing_vss_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    assert main(["broker", "--vss", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "cannot read" in err


def test_bad_catalogue_names_the_node(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "Vehicle": {
                    "type": "branch",
                    "description": "v",
                    "children": {"Speed": {"type": "sensor", "description": "no datatype"}},
                }
            }
        )
    )
    assert main(["broker", "--vss", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Vehicle.Speed" in err
    assert "datatype" in err


def test_unreadable_jwt_key_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["broker", "--jwt-public-key", str(tmp_path / "missing.pem")]) == 2
    assert "missing.pem" in capsys.readouterr().err


def start_broker(*args: str) -> tuple[subprocess.Popen[str], int, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sdvkit", "broker", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        match = LISTENING.search(line)
        if match:
            return process, int(match.group(1)), lines
    process.kill()
    raise AssertionError("the broker never said where it listens:\n" + "".join(lines))


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serves_both_apis_and_stops_cleanly(stop_signal: signal.Signals) -> None:
    process, port, lines = start_broker("--insecure")
    try:
        assert any("authorization is OFF" in line for line in lines)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            v2 = val_v2_grpc.VALStub(channel)
            v1 = val_v1_grpc.VALStub(channel)
            assert v2.GetServerInfo(val_v2.GetServerInfoRequest(), timeout=5).name == "sdvkit"
            assert v1.GetServerInfo(val_v1.GetServerInfoRequest(), timeout=5).name == "sdvkit"
            v2.PublishValue(
                val_v2.PublishValueRequest(
                    signal_id=types_v2.SignalID(path="Vehicle.Speed"),
                    data_point=types_v2.Datapoint(value=types_v2.Value(float=12.5)),
                ),
                timeout=5,
            )
            reply = v2.GetValue(
                val_v2.GetValueRequest(signal_id=types_v2.SignalID(path="Vehicle.Speed")), timeout=5
            )
            assert reply.data_point.value.float == 12.5
    finally:
        process.send_signal(stop_signal)
        out, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "stopped" in out
    assert "Traceback" not in out


def test_authorization_on_with_a_key(tmp_path: Path, token_issuer) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "jwt.key.pub"
    key.write_bytes(token_issuer.public_pem)
    process, port, lines = start_broker("--jwt-public-key", str(key), "--insecure")
    try:
        assert not any("authorization is OFF" in line for line in lines)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            v2 = val_v2_grpc.VALStub(channel)
            request = val_v2.GetValueRequest(signal_id=types_v2.SignalID(path="Vehicle.Speed"))
            with pytest.raises(grpc.RpcError) as refused:
                v2.GetValue(request, timeout=5)
            assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
            token = token_issuer.token("read:Vehicle.Speed")
            v2.GetValue(request, timeout=5, metadata=[("authorization", f"Bearer {token}")])
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0
