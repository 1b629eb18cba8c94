"""One contract, three transports: a udsoncan tester in memory, over ISO-TP on CAN, through DoIP.

Every test here runs once per transport (the ``link`` fixture), against a running network.
"""

from __future__ import annotations

import pytest
import udsoncan
from tests.service.conftest import wait_until
from udsoncan.exceptions import NegativeResponseException
from udsoncan.services import ReadDataByIdentifier

from sdvkit.service import diag_client
from sdvkit.service.ecus import DEFAULT_VIN, ECU_SPECS, SOFTWARE_VERSION, VIN, ecu_spec
from sdvkit.service.errors import NegativeResponseError
from sdvkit.service.firmware import build_image
from sdvkit.service.network import EcuNetwork
from sdvkit.service.transport import TesterLink
from sdvkit.service.uds import DtcStatus, Nrc

BMS = ecu_spec("BatteryManagement")


def test_reads_the_vin_and_software_version_of_every_ecu(link: TesterLink) -> None:
    for spec in ECU_SPECS:
        with diag_client.open_client(link, spec) as client:
            values = diag_client.read_dids(client, spec, [VIN, SOFTWARE_VERSION])
        assert values == {VIN: DEFAULT_VIN, SOFTWARE_VERSION: spec.software_version}, spec.name


def test_negative_responses_reach_the_tester(link: TesterLink) -> None:
    with diag_client.open_client(link, BMS) as client:
        with pytest.raises(NegativeResponseException) as wrong_session:
            client.write_data_by_identifier(0x0121, 80)
        with pytest.raises(NegativeResponseException) as wrong_length:
            client.send_request(udsoncan.Request(service=ReadDataByIdentifier, data=b"\xf1"))
        client.change_session(3)
        with pytest.raises(NegativeResponseException) as no_security:
            client.write_data_by_identifier(0x0121, 80)
        client.unlock_security_access(1)
        with pytest.raises(NegativeResponseException) as out_of_range:
            client.write_data_by_identifier(0x0121, 120)
    assert wrong_session.value.response.code == Nrc.SERVICE_NOT_SUPPORTED_IN_ACTIVE_SESSION
    assert wrong_length.value.response.code == Nrc.INCORRECT_MESSAGE_LENGTH
    assert no_security.value.response.code == Nrc.SECURITY_ACCESS_DENIED
    assert out_of_range.value.response.code == Nrc.REQUEST_OUT_OF_RANGE


def test_our_errors_carry_the_nrc(link: TesterLink) -> None:
    with pytest.raises(NegativeResponseError) as refused, diag_client.open_client(link, BMS) as client:
        diag_client.write_did(client, BMS, 0x0121, 20)
    assert (refused.value.ecu, refused.value.service_id, refused.value.code) == (
        "BatteryManagement",
        0x2E,
        0x31,
    )


def test_security_access_unlocks_writing(link: TesterLink, network: EcuNetwork) -> None:
    spec = ecu_spec("Body")
    with diag_client.open_client(link, spec) as client:
        diag_client.write_did(client, spec, VIN, "WBA0000AA00000042")
        diag_client.write_did(client, spec, 0x0122, 25)
        values = diag_client.read_dids(client, spec, [VIN, 0x0122])
    assert values == {VIN: "WBA0000AA00000042", 0x0122: 25.0}
    assert network.ecu("Body").memory.dids[0x0122] == bytes((25,))


def test_reads_a_dtc_with_its_freeze_frame_and_clears_it(link: TesterLink, network: EcuNetwork) -> None:
    network.bus_view.update("PLANT_Motion", {"VehicleSpeed": 0.0})
    network.bus_view.update("PLANT_Battery", {"PackTemperature": 20.0, "StateOfCharge": 42.0})
    network.bus_view.update("SIM_FaultInjection", {"InsulationFault": 1.0})
    bms = network.ecu("BatteryManagement")
    assert wait_until(lambda: bms.dtcs.active_codes() != [])
    network.bus_view.update("SIM_FaultInjection", {"InsulationFault": 0.0})
    assert wait_until(lambda: bms.dtcs.active_codes() == [])
    with diag_client.open_client(link, BMS) as client:
        reports = diag_client.read_dtcs(client, BMS)
        assert [report.text for report in reports] == ["P0AA6-1A"]
        report = reports[0]
        assert report.status & DtcStatus.CONFIRMED
        assert not report.status & DtcStatus.TEST_FAILED
        assert report.occurrences == 1
        assert report.snapshots[1] == {"VehicleSpeed": 0.0, "StateOfCharge": 42.0, "BatteryTemperature": 21.5}
        diag_client.clear_dtcs(client, BMS)
        assert diag_client.read_dtcs(client, BMS) == []


def test_flashes_an_image(link: TesterLink, network: EcuNetwork) -> None:
    image = build_image(hardware_id=BMS.hardware_id, version="3.2.0", payload=bytes(range(251)) * 16)
    with diag_client.open_client(link, BMS) as client:
        result = diag_client.flash(client, BMS, image)
    assert result.version_before == "3.0.1"
    assert result.version_after == "3.2.0"
    assert result.crc_matches
    assert result.blocks == 1
    assert (
        network.ecu("BatteryManagement").slots.image(network.ecu("BatteryManagement").slots.active) == image
    )
