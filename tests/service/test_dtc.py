"""Fault monitors, the DTC memory and its services (0x19, 0x14), freeze frames and persistence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sdvkit.service import dbc
from sdvkit.service.behaviours import BATTERY_OVER_TEMPERATURE, POWERTRAIN_BATTERY_OVER_TEMPERATURE
from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.errors import EcuMemoryError
from sdvkit.service.uds import DtcStatus
from sdvkit.vehicle.plant import OVERHEATED_PACK_C

MakeEcu = Callable[..., VirtualEcu]

FAILED = 0x2F
"""testFailed, …ThisOperationCycle, pending, confirmed, …SinceLastClear."""


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def overheat(ecu: VirtualEcu, *, on: bool = True, speed_kmh: float = 0.0, soc: float = 64.5) -> None:
    """What the plant puts on the bus while its battery overheats (``on``) or not."""
    pack_c = OVERHEATED_PACK_C if on else 30.0
    ecu.bus_view.update("PLANT_Battery", {"PackTemperature": pack_c, "StateOfCharge": soc})
    ecu.bus_view.update("PLANT_Motion", {"VehicleSpeed": speed_kmh})


def cycles(ecu: VirtualEcu, count: int) -> None:
    for _ in range(count):
        ecu.run_cycle()


def test_a_debounced_fault_stores_a_dtc_with_its_freeze_frame(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    overheat(ecu, speed_kmh=12.34)
    cycles(ecu, 2)
    assert ecu.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 00")  # two samples: not yet
    ecu.run_cycle()
    assert ecu.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 01")
    assert ecu.handle(hx("19 02 FF")) == hx("59 02 FF 0A 7E 4B") + bytes((FAILED,))
    assert ecu.handle(hx("19 02 80")) == hx("59 02 FF")  # no warning lamp for this one
    # speed 12.34 km/h, SoC 64.5 %, the hottest cell 65 + 1.5 = 66.5 °C
    frame = hx("03 01 00 04 D2 01 01 19 32 01 02 02 99")
    expected = hx("59 04 0A 7E 4B") + bytes((FAILED,)) + hx("01") + frame + hx("02") + frame
    assert ecu.handle(hx("19 04 0A 7E 4B FF")) == expected
    assert ecu.handle(hx("19 04 0A 7E 4B 01")) == hx("59 04 0A 7E 4B") + bytes((FAILED,)) + hx("01") + frame
    assert ecu.handle(hx("19 06 0A 7E 4B FF")) == hx("59 06 0A 7E 4B") + bytes((FAILED,)) + hx("01 01")
    assert ecu.handle(hx("19 0A")) == hx("59 0A FF 0A 7E 4B") + bytes((FAILED,)) + hx("0A A6 1A 50")


def test_a_healed_fault_keeps_its_dtc_until_cleared_and_the_status_ages(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    overheat(ecu)
    cycles(ecu, 3)
    overheat(ecu, on=False)
    cycles(ecu, 3)
    assert ecu.handle(hx("19 02 FF")) == hx("59 02 FF 0A 7E 4B 2E")
    assert ecu.handle(hx("19 02 01")) == hx("59 02 FF")  # not failing now
    assert ecu.handle(hx("11 01")) == hx("51 01")
    assert ecu.handle(hx("19 02 FF")) == hx("59 02 FF 0A 7E 4B 6C")  # a new cycle: not tested yet
    assert ecu.handle(hx("11 01")) == hx("51 01")
    assert ecu.handle(hx("19 02 FF")) == hx("59 02 FF 0A 7E 4B 68")  # no failure in it: not pending
    cycles(ecu, 3)  # the test runs again after the reset and passes: completed this cycle
    assert ecu.handle(hx("19 02 FF")) == hx("59 02 FF 0A 7E 4B 28")


def test_a_fault_present_across_a_reset_fails_again_in_the_new_cycle(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    overheat(ecu)
    cycles(ecu, 3)
    assert ecu.handle(hx("11 01")) == hx("51 01")
    assert ecu.handle(hx("19 02 FF")) == hx("59 02 FF 0A 7E 4B 6D")
    cycles(ecu, 3)
    assert ecu.handle(hx("19 02 FF")) == hx("59 02 FF 0A 7E 4B 2F")
    record = ecu.dtcs.record(BATTERY_OVER_TEMPERATURE)
    assert record is not None
    assert record.occurrences == 1  # still the same failure


def test_a_second_failure_counts_and_keeps_the_first_freeze_frame(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    overheat(ecu, speed_kmh=10.0)
    cycles(ecu, 3)
    overheat(ecu, on=False)
    cycles(ecu, 3)
    overheat(ecu, speed_kmh=20.0)
    cycles(ecu, 3)
    record = ecu.dtcs.record(BATTERY_OVER_TEMPERATURE)
    assert record is not None
    assert record.occurrences == 2
    assert record.snapshots[1][0x0100] == (1000).to_bytes(2, "big")
    assert record.snapshots[2][0x0100] == (2000).to_bytes(2, "big")
    assert ecu.handle(hx("19 06 0A 7E 4B 01"))[-2:] == hx("01 02")


def test_clearing_forgets_the_dtc_and_a_persisting_fault_sets_it_again(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    overheat(ecu)
    cycles(ecu, 3)
    assert ecu.handle(hx("14 FF FF FF")) == hx("54")
    assert ecu.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 00")
    assert ecu.handle(hx("19 04 0A 7E 4B FF")) == hx("59 04 0A 7E 4B 50")  # supported, nothing stored
    cycles(ecu, 3)
    assert ecu.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 01")
    assert ecu.handle(hx("14 0A 7E 4B")) == hx("54")  # one DTC by its number
    assert ecu.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 00")


def test_dtc_setting_off_stores_nothing(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    assert ecu.handle(hx("85 02")) == hx("C5 02")
    overheat(ecu)
    cycles(ecu, 4)
    assert ecu.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 00")
    assert ecu.handle(hx("10 01"))[:2] == hx("50 01")  # back to default: DTC setting on again
    ecu.handle(hx("14 FF FF FF"))
    cycles(ecu, 3)
    assert ecu.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 01")


def test_the_powertrain_lights_the_mil_for_what_the_bms_reports(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("Powertrain")
    ecu.bus_view.update("BMS_Status", {"OverTemperature": 1.0, "MaxCellTemperature": 71.5})
    cycles(ecu, 2)
    record = ecu.dtcs.record(POWERTRAIN_BATTERY_OVER_TEMPERATURE)
    assert record is not None
    assert record.status == FAILED | DtcStatus.WARNING_INDICATOR_REQUESTED
    assert record.snapshots[1][0x0102] == (715).to_bytes(2, "big")
    frames = {dbc.decode(*frame)[0]: dbc.decode(*frame)[1] for frame in ecu.frames(identity=False)}  # type: ignore[index]
    assert frames["PT_Status"]["MalfunctionIndicatorOn"] == 1
    assert frames["PT_Status"]["ActiveDtcCount"] == 1
    assert frames["DIAG_DtcReport"]["DtcCode"] == POWERTRAIN_BATTERY_OVER_TEMPERATURE


def test_dtcs_and_freeze_frames_survive_a_restart(make_ecu: MakeEcu, tmp_path: Path) -> None:
    ecu = make_ecu("BatteryManagement", data_dir=tmp_path)
    overheat(ecu)
    cycles(ecu, 3)
    stored = ecu.handle(hx("19 04 0A 7E 4B FF"))
    assert stored[5] == FAILED
    restarted = make_ecu("BatteryManagement", data_dir=tmp_path)
    # The power-on starts a new operation cycle: not failed in it (yet), not tested in it; the
    # rest of the status, the occurrence count and both freeze frames survive.
    assert restarted.handle(hx("19 04 0A 7E 4B FF")) == stored[:5] + hx("6D") + stored[6:]
    assert restarted.handle(hx("19 06 0A 7E 4B 01")) == hx("59 06 0A 7E 4B 6D 01 01")
    assert restarted.handle(hx("14 FF FF FF")) == hx("54")
    again = make_ecu("BatteryManagement", data_dir=tmp_path)
    assert again.handle(hx("19 01 FF")) == hx("59 01 FF 01 00 00")


def test_written_dids_survive_a_restart(make_ecu: MakeEcu, tmp_path: Path) -> None:
    ecu = make_ecu("Infotainment", data_dir=tmp_path)
    ecu.memory.dids[0x0124] = bytes((42,))
    ecu.memory.save()
    assert make_ecu("Infotainment", data_dir=tmp_path).handle(hx("22 01 24")) == hx("62 01 24 2A")


def test_a_corrupt_memory_file_is_refused_by_name(make_ecu: MakeEcu, tmp_path: Path) -> None:
    ecu = make_ecu("Body", data_dir=tmp_path)
    ecu.memory.save()
    path = ecu.memory.path
    assert path is not None
    document = json.loads(path.read_text())
    document["dtcs"] = {"940271": {"status": 300, "occurrences": 1, "snapshots": {}}}
    path.write_text(json.dumps(document))
    with pytest.raises(EcuMemoryError, match="status 300") as error:
        make_ecu("Body", data_dir=tmp_path)
    assert error.value.path == path
    path.write_text("{ not json")
    with pytest.raises(EcuMemoryError, match="cannot read"):
        make_ecu("Body", data_dir=tmp_path)
