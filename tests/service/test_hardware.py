"""One hardware table: what an ECU answers in DID F191, what UDS flashing checks an image against,
and what the OTA director and secondaries match releases to are the same ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecus import ECU_SPECS
from sdvkit.service.firmware import HARDWARE_ID_BYTES
from sdvkit.service.hardware import HARDWARE_IDS
from sdvkit.service.ota import DEFAULT_HARDWARE_IDS, OtaWorkspace
from sdvkit.service.ota.identifiers import check_hardware_id
from sdvkit.signals.builtin.service import ECUS

MakeEcu = Callable[..., VirtualEcu]
HARDWARE_NUMBER_DID_BYTES = 16
VIN = "WVWZZZ1JZ3W386752"


def test_every_ecu_has_one_hardware_id_that_fits_everywhere() -> None:
    assert tuple(HARDWARE_IDS) == ECUS
    assert DEFAULT_HARDWARE_IDS is HARDWARE_IDS
    for spec in ECU_SPECS:
        hardware_id = HARDWARE_IDS[spec.name]
        assert spec.hardware_id == hardware_id
        assert len(hardware_id) <= min(HARDWARE_NUMBER_DID_BYTES, HARDWARE_ID_BYTES), hardware_id
        assert check_hardware_id(hardware_id) == hardware_id


def test_a_provisioned_vehicle_names_the_hardware_its_ecus_answer(make_ecu: MakeEcu, tmp_path: Path) -> None:
    config = OtaWorkspace(tmp_path).provision(VIN)
    assert [ecu.ecu_id for ecu in config.ecus] == list(ECUS)
    for ecu in config.ecus:
        answer = make_ecu(ecu.ecu_id).handle(bytes.fromhex("22 F1 91"))
        assert answer is not None
        assert answer[:3] == bytes.fromhex("62 F1 91")
        assert answer[3:].decode("ascii").rstrip(" \0") == ecu.hardware_id
