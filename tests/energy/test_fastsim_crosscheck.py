"""Done means: sdvkit's battery-side consumption, simulated from FASTSim's own vehicle files,
is within 3 % of FASTSim's on UDDS and HWFET, for the four EVs FASTSim 3 ships.

sdvkit is driven through its CLI (``sdvkit energy --vehicle FILE --cycle NAME --json``)."""

from __future__ import annotations

import json
from pathlib import Path

import fastsim
import pytest

from sdvkit.cli import main
from sdvkit.world.cycles import builtin_cycle

FASTSIM_ELEVATION_M = 121.92

FASTSIM_BEVS = (
    "2016 Nissan Leaf 30 kWh thrml.yaml",
    "2020 Chevrolet Bolt EV thrml.yaml",
    "2022 Tesla Model 3 RWD thrml.yaml",
    "2022_Renault_Zoe_ZE50_R135.yaml",
)


def fastsim_run(vehicle_resource: str, cycle: str) -> tuple[float, float]:
    """FASTSim's net DC battery energy (kWh) and distance (km)."""
    simulation = fastsim.SimDrive(
        fastsim.Vehicle.from_resource(vehicle_resource), fastsim.Cycle.from_resource(f"{cycle}.csv")
    )
    simulation.run()
    vehicle = simulation.to_dict()["veh"]
    assert vehicle["history"]["cyc_met_overall"][-1]
    energy_j = vehicle["pt_type"]["BEV"]["res"]["history"]["energy_out_electrical_joules"][-1]
    return energy_j / 3.6e6, vehicle["history"]["dist_meters"][-1] / 1000


@pytest.mark.parametrize("cycle", ["udds", "hwfet"])
@pytest.mark.parametrize("vehicle_resource", FASTSIM_BEVS)
def test_consumption_within_3_percent_of_fastsim(
    vehicle_resource: str, cycle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vehicle_file = tmp_path / "vehicle.yaml"
    fastsim.Vehicle.from_resource(vehicle_resource).to_file(str(vehicle_file))

    # FASTSim's cycles run at 22 °C and 121.92 m (400 ft) of elevation: the same air for both.
    arguments = ["--vehicle", str(vehicle_file), "--cycle", cycle, "--altitude-m", str(FASTSIM_ELEVATION_M)]
    status = main(["energy", *arguments, "--json"])

    assert status == 0
    ours = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    energy_kwh, distance_km = fastsim_run(vehicle_resource, cycle)
    assert ours["trace_met"]
    assert ours["distance_km"] == pytest.approx(distance_km, rel=0.005)
    reference = energy_kwh / distance_km * 100
    assert ours["kwh_per_100km"] == pytest.approx(reference, rel=0.03)
    for key in ("kwh_per_100km", "wh_per_mi", "regen_share", "soc_used", "range_km", "distance_km"):
        assert key in ours
    assert ours["wh_per_mi"] == pytest.approx(ours["kwh_per_100km"] * 16.09344, rel=1e-3)


@pytest.mark.parametrize("cycle", ["udds", "hwfet"])
def test_builtin_cycle_is_fastsims_trace(cycle: str) -> None:
    reference = fastsim.Cycle.from_resource(f"{cycle}.csv").to_dict()
    ours = builtin_cycle(cycle)
    assert list(ours.time_s) == reference["time_seconds"]
    assert list(ours.speed_mps) == reference["speed_meters_per_second"]
