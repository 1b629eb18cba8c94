"""The CAN feeder with the whole vehicle: plant faults become bus-visible faults on VSS, and back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sdvkit.service import dbc, diag_client
from sdvkit.service.behaviours import FRONT_RADAR_BLOCKED, WINDOW_MOTOR_STUCK
from sdvkit.service.can_bus import BusConfig
from sdvkit.service.ecus import ecu_spec
from sdvkit.service.errors import ServiceSetupError
from sdvkit.service.feeder import DTC_COUNT, DTC_LIST
from sdvkit.service.isotp_transport import IsoTpLink
from sdvkit.service.uds import DtcStatus
from sdvkit.service.vehicle import FAULTS, ServiceVehicle
from sdvkit.vehicle.plant import OVERHEATED_PACK_C

FAULT = "Vehicle.Diagnostics.Fault"


@pytest.fixture
def vehicle(bus: BusConfig) -> Iterator[ServiceVehicle]:
    with ServiceVehicle(bus=bus, report_software=True) as running:
        yield running


def test_the_ecus_see_the_plant_through_the_feeder(vehicle: ServiceVehicle) -> None:
    view = vehicle.network.bus_view
    soc = vehicle.get("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current")
    assert vehicle.run_until(lambda: view.read("PLANT_Battery.StateOfCharge", -1.0) >= 0.0)
    assert view.read("PLANT_Battery.StateOfCharge", -1.0) == pytest.approx(soc, abs=0.01)
    assert view.read("PLANT_Battery.PackTemperature", -99.0) == pytest.approx(
        vehicle.get("Vehicle.Powertrain.TractionBattery.Temperature.Average"), abs=0.1
    )
    assert vehicle.run_until(lambda: view.read("PLANT_Environment.LowVoltageBatteryVoltage", 0.0) > 0.0)
    assert view.read("PLANT_Environment.LowVoltageBatteryVoltage", 0.0) == pytest.approx(
        14.1
    )  # not on VSS: default
    assert vehicle.feeder.frames_sent > 0


def test_every_injected_fault_reaches_vss_and_heals(vehicle: ServiceVehicle) -> None:
    for fault in (
        "battery-over-temperature",
        "insulation-fault",
        "front-radar-blocked",
        "stuck-window-row1-passenger",
    ):
        vehicle.inject(fault)

    def all_reported() -> bool:
        return vehicle.get(DTC_COUNT) == 4 and vehicle.get(f"{FAULT}.IsFrontRadarBlocked") is True

    assert vehicle.run_until(all_reported, timeout_s=10.0)
    assert vehicle.get(DTC_LIST) == ("B1403", "C1A67", "P0A7E", "P0AA6")
    # The overheating battery is on the bus as the pack temperature the plant reports.
    pack_on_bus = vehicle.network.bus_view.read("PLANT_Battery.PackTemperature", 0.0)
    assert pack_on_bus == pytest.approx(OVERHEATED_PACK_C, abs=0.1)
    assert vehicle.get(f"{FAULT}.IsBatteryOverTemperature") is True
    assert vehicle.get(f"{FAULT}.IsBatteryInsulationFault") is True
    assert vehicle.get(f"{FAULT}.BatteryInsulationResistance") == 20_000.0
    assert vehicle.get(f"{FAULT}.IsWindowMotorStuck") is True
    assert vehicle.get(f"{FAULT}.StuckWindowMotor") == "ROW1_PASSENGER_SIDE"
    for fault in (
        "battery-over-temperature",
        "insulation-fault",
        "front-radar-blocked",
        "stuck-window-row1-passenger",
    ):
        vehicle.inject(fault, active=False)
    assert vehicle.run_until(
        lambda: vehicle.get(DTC_COUNT) == 0 and vehicle.get(f"{FAULT}.IsFrontRadarBlocked") is False
    )
    assert vehicle.get(f"{FAULT}.StuckWindowMotor") == "NONE"
    assert vehicle.get(f"{FAULT}.BatteryInsulationResistance") == 5_000_000.0
    pack_on_bus = vehicle.network.bus_view.read("PLANT_Battery.PackTemperature", 0.0)
    assert pack_on_bus == pytest.approx(vehicle.plant.model.battery.temperature_c, abs=0.1)
    # healed, but stored: the workshop still reads them
    adas = vehicle.network.ecu("ADAS").dtcs.record(FRONT_RADAR_BLOCKED)
    body = vehicle.network.ecu("Body").dtcs.record(WINDOW_MOTOR_STUCK[1])
    assert adas is not None
    assert adas.status & DtcStatus.CONFIRMED
    assert not adas.status & DtcStatus.TEST_FAILED
    assert body is not None
    assert body.status & DtcStatus.CONFIRMED


def test_the_ecus_report_their_software(vehicle: ServiceVehicle) -> None:
    path = "Vehicle.Software.Ecu.BatteryManagement.SoftwareVersion"
    assert vehicle.run_until(lambda: vehicle.get(path) == "3.0.1", timeout_s=5.0)
    assert vehicle.get("Vehicle.Software.Ecu.BatteryManagement.ActiveSlot") == "A"


def test_bad_frames_are_counted_and_change_nothing(vehicle: ServiceVehicle) -> None:
    feeder = vehicle.feeder
    good_id, good = dbc.encode(dbc.BODY_STATUS, {"WindowMotorStuck": 1, "StuckWindowMotor": 2})
    feeder.receive(
        [
            (good_id, good[:1]),  # one byte short
            (good_id, bytes((0b1111, 0))),  # window motor 7: outside the value table
            (0x7FF, bytes(8)),  # not a message of the DBC: ignored
        ]
    )
    assert feeder.rejected_frames == 2
    assert "BODY_Status" in (feeder.last_rejection or "")
    assert vehicle.get(f"{FAULT}.StuckWindowMotor") in (None, "NONE")
    feeder.receive([(good_id, good)])
    assert vehicle.get(f"{FAULT}.StuckWindowMotor") == "ROW1_PASSENGER_SIDE"
    assert vehicle.get(f"{FAULT}.IsWindowMotorStuck") is True


def test_an_unknown_fault_is_named(vehicle: ServiceVehicle) -> None:
    with pytest.raises(ServiceSetupError, match="no fault named 'flat-tyre'") as error:
        vehicle.inject("flat-tyre")
    assert all(name in str(error.value) for name in FAULTS)


def test_a_tester_on_the_bus_reads_and_clears_what_a_plant_fault_raised(
    vehicle: ServiceVehicle, bus: BusConfig
) -> None:
    vehicle.inject("front-radar-blocked")
    assert vehicle.run_until(lambda: vehicle.get(f"{FAULT}.IsFrontRadarBlocked") is True)
    vehicle.inject("front-radar-blocked", active=False)
    assert vehicle.run_until(lambda: vehicle.get(DTC_COUNT) == 0)
    adas = ecu_spec("ADAS")
    soc = vehicle.get("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current")
    with IsoTpLink(bus) as link, diag_client.open_client(link, adas) as client:
        (report,) = diag_client.read_dtcs(client, adas)
        assert report.text == "C1A67-00"
        assert report.snapshots[1]["StateOfCharge"] == pytest.approx(soc, abs=0.01)
        diag_client.clear_dtcs(client, adas)
        assert diag_client.read_dtcs(client, adas) == []
