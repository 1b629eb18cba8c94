"""Routines (0x31) and the download services (0x34/0x36/0x37) of one ECU, byte for byte."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from tests.service.conftest import FakeClock, fixed_seed

from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecus import ecu_spec
from sdvkit.service.firmware import FirmwareImage, Slot, SlotState, build_image
from sdvkit.service.security import compute_key
from sdvkit.vehicle.plant import OVERHEATED_PACK_C

ADDRESS = "00 08 00 00"


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def programming(ecu: VirtualEcu, *, secured: bool = True) -> None:
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    assert ecu.handle(hx("10 02"))[:2] == hx("50 02")
    if secured:
        seed = ecu.handle(hx("27 01"))[2:]
        assert ecu.handle(hx("27 02") + compute_key(seed, secret=ecu.spec.security.secret, level=1)) == hx(
            "67 02"
        )


def request_download(size: int) -> bytes:
    return hx("34 00 44 " + ADDRESS) + size.to_bytes(4, "big")


def image_for(ecu: VirtualEcu, version: str = "9.8.7", payload: bytes = bytes(range(256)) * 20) -> bytes:
    return build_image(hardware_id=ecu.spec.hardware_id, version=version, payload=payload)


def download(ecu: VirtualEcu, image: bytes) -> bytes:
    """Erase, download in 4093-byte blocks, exit; returns the exit response."""
    assert ecu.handle(hx("31 01 FF 00")) == hx("71 01 FF 00 00")
    assert ecu.handle(request_download(len(image))) == hx("74 20 0F FF")
    for counter, offset in enumerate(range(0, len(image), 4093), start=1):
        assert ecu.handle(bytes((0x36, counter)) + image[offset : offset + 4093]) == bytes((0x76, counter))
    response = ecu.handle(hx("37"))
    assert response is not None
    return response


@pytest.fixture
def downloads() -> list[tuple[str, bytes]]:
    return []


@pytest.fixture
def ecu(clock: FakeClock, downloads: list[tuple[str, bytes]]) -> VirtualEcu:
    return VirtualEcu(
        ecu_spec("BatteryManagement"),
        clock=clock,
        random_seed=fixed_seed,
        on_image_downloaded=lambda name, image: downloads.append((name, image)),
    )


def test_a_flashed_image_boots_from_the_other_slot_after_a_hard_reset(
    ecu: VirtualEcu, downloads: list[tuple[str, bytes]]
) -> None:
    image = image_for(ecu)
    programming(ecu)
    assert download(ecu, image) == hx("77") + zlib.crc32(image).to_bytes(4, "big")
    assert downloads == [("BatteryManagement", image)]
    assert ecu.slots.state(Slot.B) is SlotState.WRITTEN
    assert ecu.handle(hx("31 01 FF 01")) == hx("71 01 FF 01 00")
    assert ecu.handle(hx("31 03 FF 01")) == hx("71 03 FF 01 00")
    assert ecu.handle(hx("22 F1 89")) == hx("62 F1 89") + b"3.0.1".ljust(16)  # not booted yet
    assert ecu.handle(hx("11 01")) == hx("51 01")
    assert ecu.handle(hx("22 F1 89 F1 A0")) == hx("62 F1 89") + b"9.8.7".ljust(16) + hx("F1 A0") + b"B"
    assert ecu.slots.image(Slot.B) == image


def test_an_image_for_another_ecu_fails_the_dependency_check_and_never_boots(ecu: VirtualEcu) -> None:
    foreign = build_image(hardware_id="SDVK-ADAS-HW5", version="9.9.9", payload=b"radar" * 100)
    programming(ecu)
    download(ecu, foreign)
    assert ecu.handle(hx("31 01 FF 01")) == hx("71 01 FF 01 01")
    assert ecu.handle(hx("11 01")) == hx("51 01")
    assert ecu.slots.active is Slot.A
    assert ecu.handle(hx("22 F1 89")) == hx("62 F1 89") + b"3.0.1".ljust(16)


def test_a_corrupt_image_fails_the_dependency_check(ecu: VirtualEcu) -> None:
    image = bytearray(image_for(ecu))
    image[-1] ^= 0xFF
    programming(ecu)
    download(ecu, bytes(image))
    assert ecu.handle(hx("31 01 FF 01")) == hx("71 01 FF 01 01")
    with pytest.raises(ValueError, match="CRC"):
        FirmwareImage.from_bytes(bytes(image))


def test_transfer_sequence_errors(ecu: VirtualEcu) -> None:
    programming(ecu)
    assert ecu.handle(hx("36 01 00")) == hx("7F 36 24")  # no download requested
    assert ecu.handle(hx("37")) == hx("7F 37 24")
    assert ecu.handle(hx("31 01 FF 00")) == hx("71 01 FF 00 00")
    assert ecu.handle(request_download(10)) == hx("74 20 0F FF")
    assert ecu.handle(request_download(10)) == hx("7F 34 22")  # already running
    assert ecu.handle(hx("36 02 00")) == hx("7F 36 73")  # the first block is 1
    assert ecu.handle(hx("36 01 00 01 02 03")) == hx("76 01")
    assert ecu.handle(hx("36 01 00 01 02 03")) == hx("76 01")  # a repeat: acknowledged, not stored twice
    assert ecu.handle(hx("36 02")) == hx("7F 36 13")  # a block without data
    assert ecu.handle(hx("36 02") + bytes(4094)) == hx("7F 36 13")  # longer than maxNumberOfBlockLength
    assert ecu.handle(hx("36 02") + bytes(7)) == hx("7F 36 71")  # 4 + 7 > 10 bytes
    assert ecu.handle(hx("37")) == hx("7F 37 24")  # 4 of 10 bytes
    assert ecu.handle(hx("36 02") + bytes(6)) == hx("76 02")
    assert ecu.handle(hx("37")) == hx("77") + zlib.crc32(hx("00 01 02 03") + bytes(6)).to_bytes(4, "big")
    assert ecu.handle(hx("36 03 00")) == hx("7F 36 24")
    assert ecu.handle(hx("36 01") + bytes(4094)) == hx("7F 36 24")


@pytest.mark.parametrize(
    ("request_hex", "response_hex"),
    [
        ("34 00 44 " + ADDRESS, "7F 34 13"),  # the size is missing
        ("34 00", "7F 34 13"),
        ("34 00 00 00", "7F 34 31"),  # address and length format 0x00
        ("34 11 44 " + ADDRESS + " 00 00 00 10", "7F 34 31"),  # compressed: not supported
        ("34 00 44 00 09 00 00 00 00 00 10", "7F 34 31"),  # outside the slot
        ("34 00 44 " + ADDRESS + " 00 00 00 00", "7F 34 31"),  # nothing to download
        ("34 00 44 " + ADDRESS + " 00 20 00 00", "7F 34 31"),  # 2 MiB > 1 MiB slot
        ("31 01 12 34", "7F 31 31"),  # no such routine
        ("31 01 02 01", "7F 31 31"),  # the self-test runs in the extended session
        ("31 04 FF 00", "7F 31 12"),
        ("31 01 FF", "7F 31 13"),
        ("31 03 FF 01", "7F 31 24"),  # no result before a run
        ("31 02 FF 00", "7F 31 24"),  # nothing running to stop
    ],
)
def test_programming_session_negative_responses(ecu: VirtualEcu, request_hex: str, response_hex: str) -> None:
    programming(ecu)
    assert ecu.handle(hx(request_hex)) == hx(response_hex)


def test_download_and_erase_need_security_access(ecu: VirtualEcu) -> None:
    programming(ecu, secured=False)
    assert ecu.handle(request_download(16)) == hx("7F 34 33")
    assert ecu.handle(hx("31 01 FF 00")) == hx("7F 31 33")


def test_a_written_slot_must_be_erased_before_the_next_download(ecu: VirtualEcu) -> None:
    programming(ecu)
    download(ecu, image_for(ecu))
    assert ecu.handle(request_download(16)) == hx("7F 34 70")
    assert ecu.handle(hx("31 01 FF 00 44 " + ADDRESS + " 00 00 10 00")) == hx("71 01 FF 00 00")
    assert ecu.handle(request_download(16)) == hx("74 20 0F FF")


def test_self_test_reports_failing_monitors(ecu: VirtualEcu) -> None:
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    assert ecu.handle(hx("31 01 02 01")) == hx("71 01 02 01 00")
    assert ecu.handle(hx("31 03 02 01")) == hx("71 03 02 01 00")
    ecu.bus_view.update("PLANT_Battery", {"PackTemperature": OVERHEATED_PACK_C})
    ecu.bus_view.update("SIM_FaultInjection", {"InsulationFault": 1.0})
    assert ecu.handle(hx("31 01 02 01")) == hx("71 01 02 01 02")
    assert ecu.handle(hx("31 02 02 01")) == hx("7F 31 24")


def test_a_failing_download_hook_is_a_programming_failure(clock: FakeClock) -> None:
    def refuse(name: str, image: bytes) -> None:
        raise OSError("disk full")

    ecu = VirtualEcu(ecu_spec("Body"), clock=clock, random_seed=fixed_seed, on_image_downloaded=refuse)
    programming(ecu)
    assert download(ecu, image_for(ecu)) == hx("7F 37 72")
    assert ecu.server.last_rejection is not None
    assert isinstance(ecu.server.last_rejection.__cause__, OSError)
    assert ecu.handle(hx("22 F1 86")) == hx("62 F1 86 02")  # the ECU serves on


def test_flashed_slots_survive_a_restart(clock: FakeClock, tmp_path: Path) -> None:
    spec = ecu_spec("ADAS")
    ecu = VirtualEcu(spec, clock=clock, random_seed=fixed_seed, data_dir=tmp_path)
    programming(ecu)
    download(ecu, image_for(ecu, version="4.3.0"))
    ecu.handle(hx("31 01 FF 01"))
    ecu.handle(hx("11 01"))
    restarted = VirtualEcu(spec, clock=clock, random_seed=fixed_seed, data_dir=tmp_path)
    assert restarted.slots.active is Slot.B
    assert restarted.handle(hx("22 F1 89")) == hx("62 F1 89") + b"4.3.0".ljust(16)
    assert (tmp_path / "ecus" / "ADAS" / "slot-B.bin").read_bytes() == image_for(ecu, version="4.3.0")
