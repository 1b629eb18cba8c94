"""``sdvkit energy``: called through ``main()``, checked on its output."""

from __future__ import annotations

import json
from pathlib import Path

import fastsim
import pytest

from sdvkit.cli import main
from sdvkit.vehicle.library import vehicle_names
from sdvkit.world.cycles import builtin_cycle_names


def short_cycle(tmp_path: Path) -> Path:
    """A 60 s trace: accelerate to 50 km/h, cruise, brake to a stop."""
    lines = ["# a short test trace", "time_s,speed_mps"]
    for second in range(61):
        if second <= 10:
            speed = 13.9 * second / 10
        elif second <= 45:
            speed = 13.9
        elif second <= 55:
            speed = 13.9 * (55 - second) / 10
        else:
            speed = 0.0
        lines.append(f"{second},{speed:.4f}")
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["energy", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list_names_every_vehicle_and_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--list")
    assert status == 0
    for name in (*vehicle_names(), *builtin_cycle_names()):
        assert name in out


def test_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--list", "--json")
    listing = json.loads(out)
    assert status == 0
    assert {vehicle["name"] for vehicle in listing["vehicles"]} == set(vehicle_names())
    udds = next(cycle for cycle in listing["cycles"] if cycle["name"] == "udds")
    assert udds["distance_km"] == pytest.approx(11.99, abs=0.01)


def test_json_run_on_a_plain_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--cycle", str(short_cycle(tmp_path)), "--json")
    result = json.loads(out.strip().splitlines()[-1])
    assert status == 0
    expected_km = (0.5 * 13.9 * 10 + 13.9 * 35 + 0.5 * 13.9 * 10) / 1000
    assert result["distance_km"] == pytest.approx(expected_km, rel=0.01)
    assert result["trace_met"] is True
    assert 5 < result["kwh_per_100km"] < 30
    assert result["wh_per_mi"] == pytest.approx(result["kwh_per_100km"] * 16.09344, rel=1e-3)
    assert 0 < result["regen_share"] < 1
    assert result["soc_used"] > 0
    assert result["range_km"] > 100


def test_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--vehicle", "nissan-leaf-30-2016", "--cycle", str(short_cycle(tmp_path)))
    assert status == 0
    assert "nissan-leaf-30-2016" in out
    assert "kWh/100 km" in out
    assert "trace met      yes" in out


def test_cold_ambient_costs_energy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cycle = str(short_cycle(tmp_path))
    _, mild, _ = run(capsys, "--cycle", cycle, "--json")
    _, cold, _ = run(capsys, "--cycle", cycle, "--ambient-c", "-7", "--json")
    assert json.loads(cold)["kwh_per_100km"] > 1.2 * json.loads(mild)["kwh_per_100km"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--vehicle", "no-such-car"), "unknown vehicle 'no-such-car'; known vehicles: chevrolet-bolt-2020"),
        (("--cycle", "no-such-cycle"), "unknown drive cycle"),
        (("--cycle", "/nonexistent/trace.csv"), "trace.csv"),
        (("--vehicle", "/nonexistent/car.yaml"), "no such vehicle file"),
        (("--ambient-c", "-100"), "ambient temperature -100.0 °C is outside"),
        (("--initial-soc", "0"), "--initial-soc 0.0 must be in (0, 1]"),
        (("--drive-to-empty", "--initial-soc", "0.4"), "start above 50 % to score the range app"),
        (("--drive-to-empty", "--ambient-c", "-45"), "ambient temperature -45.0 °C is outside"),
        (("--altitude-m", "9000"), "altitude 9000.0 m is outside [-500, 5000] m"),
    ],
)
def test_bad_input_is_named(args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *args)
    assert status == 2
    assert out == ""
    assert message in err


def test_malformed_csv_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("time_s,speed_mps\n0,0\n1,1.5\n2,fast\n", encoding="utf-8")
    status, _, err = run(capsys, "--cycle", str(path))
    assert status == 2
    assert "broken.csv, line 4" in err
    assert "'fast'" in err


def test_non_electric_fastsim_vehicle_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fusion.yaml"
    fastsim.Vehicle.from_resource("2012_Ford_Fusion.yaml").to_file(str(path))
    status, _, err = run(capsys, "--vehicle", str(path))
    assert status == 2
    assert "fusion.yaml" in err
    assert "is not battery-electric" in err


def test_impossible_parameter_in_a_vehicle_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bolt.yaml"
    fastsim.Vehicle.from_resource("2020 Chevrolet Bolt EV thrml.yaml").to_file(str(path))
    text = path.read_text(encoding="utf-8").replace("drag_coef: 0.309", "drag_coef: -0.309")
    path.write_text(text, encoding="utf-8")
    status, _, err = run(capsys, "--vehicle", str(path), "--cycle", str(short_cycle(tmp_path)))
    assert status == 2
    assert "bolt.yaml" in err
    assert "field chassis.drag_coef = -0.309 must be above zero" in err


def test_drive_to_empty_scores_the_range_app(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ("--vehicle", "nissan-leaf-30-2016", "--cycle", "wltc3b", "--drive-to-empty", "--with-route")
    status, out, _ = run(capsys, *arguments, "--json")
    result = json.loads(out)
    assert status == 0
    assert result["with_route"] is True
    scores = {score["soc_pct"]: score for score in result["scores"]}
    assert sorted(scores) == [50.0, 60.0, 70.0, 80.0, 90.0]
    at_80 = scores[80.0]
    assert at_80["driven_km"] > 100
    assert abs(at_80["error"]) < 0.05
    assert at_80["error"] == pytest.approx(at_80["predicted_km"] / at_80["driven_km"] - 1, abs=1e-3)


def test_with_route_needs_drive_to_empty(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--with-route")
    assert status == 2
    assert "--with-route goes with --drive-to-empty" in err
