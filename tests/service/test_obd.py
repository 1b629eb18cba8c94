"""OBD-II on the powertrain: modes 01, 03, 04 and 09, physically and functionally (0x7DF) on CAN."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sdvkit.service.can_bus import BusConfig
from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecus import DEFAULT_VIN, ecu_spec
from sdvkit.service.isotp_transport import IsoTpLink
from sdvkit.service.network import EcuNetwork
from sdvkit.service.obd import supported_bitmap

MakeEcu = Callable[..., VirtualEcu]


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.fixture
def powertrain(make_ecu: MakeEcu) -> VirtualEcu:
    ecu = make_ecu("Powertrain")
    ecu.bus_view.update("PLANT_Motion", {"VehicleSpeed": 87.6, "Odometer": 1234.0})
    ecu.bus_view.update("PLANT_Battery", {"StateOfCharge": 50.0})
    ecu.bus_view.update("PLANT_Environment", {"AmbientTemperature": 21.4, "LowVoltageBatteryVoltage": 13.8})
    return ecu


def test_mode_01_answers_the_pids_an_ev_has(powertrain: VirtualEcu) -> None:
    assert powertrain.handle(hx("01 0D")) == hx("41 0D 58")  # 88 km/h
    assert powertrain.handle(hx("01 46")) == hx("41 46 3D")  # 21 + 40
    assert powertrain.handle(hx("01 5B")) == hx("41 5B 80")  # 50 % of 255, rounded
    assert powertrain.handle(hx("01 42")) == hx("41 42 35 E8")  # 13800 mV
    assert powertrain.handle(hx("01 51")) == hx("41 51 08")  # electric
    assert powertrain.handle(hx("01 01")) == hx("41 01 00 00 00 00")  # MIL off, no DTC
    assert powertrain.handle(hx("01 0D 46")) == hx("41 0D 58 46 3D")  # two PIDs in one request


def test_mode_01_bitmaps_chain_to_every_supported_pid(powertrain: VirtualEcu) -> None:
    supported: set[int] = set()
    base = 0x00
    while True:
        response = powertrain.handle(bytes((0x01, base)))
        assert response is not None
        assert response[:2] == bytes((0x41, base))
        bits = int.from_bytes(response[2:6], "big")
        supported |= {base + offset for offset in range(1, 33) if bits & (1 << (32 - offset))}
        if base + 0x20 not in supported:
            break
        base += 0x20
    assert supported == {0x01, 0x0D, 0x20, 0x21, 0x31, 0x40, 0x42, 0x46, 0x51, 0x5B}
    for pid in supported - {0x20, 0x40}:
        response = powertrain.handle(bytes((0x01, pid)))
        assert response is not None, hex(pid)
        assert response[:2] == bytes((0x41, pid)), hex(pid)
    assert supported_bitmap({0x01, 0x20}, 0x00) == hx("80 00 00 01")


def test_unsupported_obd_requests_are_refused_physically_and_ignored_functionally(
    powertrain: VirtualEcu,
) -> None:
    assert powertrain.handle(hx("01 0C")) == hx("7F 01 12")  # engine speed: no engine
    assert powertrain.handle(hx("01 0C"), functional=True) is None
    assert powertrain.handle(hx("01")) == hx("7F 01 13")
    assert powertrain.handle(hx("01 00 01 02 03 04 05 06")) == hx("7F 01 13")
    assert powertrain.handle(hx("07")) == hx("7F 07 11")
    assert powertrain.handle(hx("07"), functional=True) is None
    assert powertrain.handle(hx("09 04")) == hx("7F 09 12")


def test_mode_03_reports_and_mode_04_clears_the_powertrain_codes(powertrain: VirtualEcu) -> None:
    assert powertrain.handle(hx("03")) == hx("43 00")
    powertrain.bus_view.update("BMS_Status", {"OverTemperature": 1.0, "InsulationFault": 1.0})
    for _ in range(2):
        powertrain.run_cycle()
    assert powertrain.handle(hx("03")) == hx("43 02 0A 7E 0A A6")
    assert powertrain.handle(hx("01 01")) == hx("41 01 82 00 00 00")  # MIL on, two codes
    powertrain.bus_view.update("PLANT_Motion", {"Odometer": 1250.0})
    assert powertrain.handle(hx("01 21")) == hx("41 21 00 10")  # 16 km with the MIL on
    assert powertrain.handle(hx("04")) == hx("7F 04 22")  # not while driving
    powertrain.bus_view.update("PLANT_Motion", {"VehicleSpeed": 0.0})
    assert powertrain.handle(hx("04")) == hx("44")
    assert powertrain.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 00")
    assert powertrain.handle(hx("01 31")) == hx("41 31 00 00")  # cleared here


def test_mode_09_answers_the_vin_and_the_ecu_name(powertrain: VirtualEcu) -> None:
    assert powertrain.handle(hx("09 02")) == hx("49 02 01") + DEFAULT_VIN.encode()
    name = powertrain.handle(hx("09 0A"))
    assert name is not None
    assert name[:3] == hx("49 0A 01")
    assert len(name) == 23
    assert powertrain.handle(hx("09 00")) == hx("49 00 40 40 00 00")


def test_only_the_powertrain_speaks_obd(make_ecu: MakeEcu) -> None:
    assert make_ecu("BatteryManagement").handle(hx("01 0D")) == hx("7F 01 11")


def test_obd_over_can_functional_and_physical(bus: BusConfig, network: EcuNetwork) -> None:
    spec = ecu_spec("Powertrain")
    network.bus_view.update("PLANT_Motion", {"VehicleSpeed": 42.0})
    with IsoTpLink(bus) as link:
        functional = link.functional_connection(spec)
        with functional:
            functional.open()
            functional.send(hx("01 0D"))
            assert functional.wait_frame(timeout=2.0, exception=True) == hx("41 0D 2A")
            functional.send(hx("09 02"))  # a multi-frame answer to a functional request
            assert functional.wait_frame(timeout=2.0, exception=True) == hx("49 02 01") + DEFAULT_VIN.encode()
            functional.send(hx("3E 80"))  # every ECU hears it, none answers
            functional.send(hx("01 0D"))
            assert functional.wait_frame(timeout=2.0, exception=True) == hx("41 0D 2A")
        physical = link.connection(spec)
        with physical:
            physical.open()
            physical.send(hx("01 0D"))
            assert physical.wait_frame(timeout=2.0, exception=True) == hx("41 0D 2A")
    assert network.ports["Powertrain"].transport_errors == 0
