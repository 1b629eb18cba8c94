"""The attacks TUF and Uptane defend against: each is refused and the vehicle keeps its software.

Each test first sets up a legitimate update (Powertrain 1.0.0 → 1.1.0), then plays the attacker
on the repository side, and checks three things: the specific error, that every ECU still runs
what it ran before, and that the primary recorded the attempt as REJECTED.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from tests.service.ota.conftest import Fleet
from tuf.api import exceptions as tuf_errors
from tuf.api.serialization.json import JSONSerializer

from sdvkit.service.ota import (
    DEFAULT_HARDWARE_IDS,
    Director,
    DowngradeRefusedError,
    HardwareIdMismatchError,
    ImageVerificationError,
    MetadataVerificationError,
    RepositoryMismatchError,
    UpdateRejectedError,
    UpdateResult,
)
from sdvkit.service.ota._tuf import CryptoSigner, Metadata, TargetFile


def assert_refused_and_unchanged(fleet: Fleet, before: dict[str, str | None]) -> None:
    vehicle = fleet.vehicle()
    assert fleet.versions() == before
    assert all(software.pending_slot is None for software in vehicle.installed().values())
    assert vehicle.status().last_result is UpdateResult.REJECTED
    assert not (fleet.vehicle_dir / "primary" / "downloads").exists()


def test_a_tampered_image_is_refused(fleet: Fleet) -> None:
    release = fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    stored = fleet.repository.repository.stored_target_path(
        fleet.repository.repository.targets()[release.target_path]
    )
    tampered = bytearray(stored.read_bytes())
    tampered[10] ^= 0x01
    stored.write_bytes(bytes(tampered))
    with pytest.raises(ImageVerificationError, match="does not match its signed hash") as refused:
        fleet.vehicle().apply()
    assert isinstance(refused.value.__cause__, tuf_errors.LengthOrHashMismatchError)
    assert_refused_and_unchanged(fleet, fleet.factory_versions)


def test_rollback_to_an_older_version_is_refused(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.firmware("Powertrain", "1.2.0")
    fleet.assign("Powertrain", "1.1.0")
    director_metadata = fleet.director.metadata_dir(fleet.vin)
    old_timestamp = (director_metadata / "timestamp.json").read_bytes()
    fleet.assign("Powertrain", "1.2.0")
    assert fleet.vehicle().apply().result is UpdateResult.SUCCESS
    running = fleet.versions()
    assert running["Powertrain"] == "1.2.0"

    # A replay of the director's older (validly signed) metadata that assigned 1.1.0.
    current_timestamp = (director_metadata / "timestamp.json").read_bytes()
    (director_metadata / "timestamp.json").write_bytes(old_timestamp)
    with pytest.raises(MetadataVerificationError, match="BadVersionNumberError") as refused:
        fleet.vehicle().apply()
    assert isinstance(refused.value.__cause__, tuf_errors.BadVersionNumberError)
    assert_refused_and_unchanged(fleet, running)

    # A compromised director signing fresh metadata that assigns the older version.
    (director_metadata / "timestamp.json").write_bytes(current_timestamp)
    fleet.assign("Powertrain", "1.1.0")
    with pytest.raises(DowngradeRefusedError, match=r"assigns 1\.1\.0 .* runs 1\.2\.0"):
        fleet.vehicle().apply()
    assert_refused_and_unchanged(fleet, running)


def test_a_freeze_with_expired_metadata_is_refused(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    # The director's latest release was signed ten days ago: its one-day timestamp has expired.
    fleet.assign("Powertrain", "1.1.0", now=ten_days_ago)
    with pytest.raises(MetadataVerificationError, match="expired") as refused:
        fleet.vehicle().apply()
    assert isinstance(refused.value.__cause__, tuf_errors.ExpiredMetadataError)
    assert_refused_and_unchanged(fleet, fleet.factory_versions)


def test_mix_and_match_metadata_is_refused(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    image_metadata = fleet.repository.metadata_dir
    older_targets = (image_metadata / "2.targets.json").read_bytes()
    fleet.firmware("BatteryManagement", "1.1.0")
    # The image repository's new snapshot names targets v3; the attacker serves v2 under that name.
    (image_metadata / "3.targets.json").write_bytes(older_targets)
    with pytest.raises(MetadataVerificationError, match="Expected targets v3, got v2") as refused:
        fleet.vehicle().apply()
    assert isinstance(refused.value.__cause__, tuf_errors.BadVersionNumberError)
    assert_refused_and_unchanged(fleet, fleet.factory_versions)


def test_director_metadata_of_another_vehicle_is_refused(fleet: Fleet) -> None:
    """Uptane's mix-and-match: validly signed director metadata, but made for another car."""
    fleet.workspace.provision(fleet.other_vin)
    fleet.firmware("Powertrain", "1.1.0")
    fleet.director.assign(fleet.other_vin, "Powertrain", "1.1.0")
    shutil.rmtree(fleet.director.metadata_dir(fleet.vin))
    shutil.copytree(fleet.director.metadata_dir(fleet.other_vin), fleet.director.metadata_dir(fleet.vin))
    with pytest.raises(MetadataVerificationError, match="does not have"):
        fleet.vehicle().apply()
    assert_refused_and_unchanged(fleet, fleet.factory_versions)


def test_endless_data_is_cut_off_at_the_signed_length(fleet: Fleet) -> None:
    release = fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    stored = fleet.repository.repository.stored_target_path(
        fleet.repository.repository.targets()[release.target_path]
    )
    with stored.open("ab") as image:
        image.write(b"\0" * (10 * 1024 * 1024))
    with pytest.raises(ImageVerificationError, match="endless data") as refused:
        fleet.vehicle().apply()
    assert isinstance(refused.value.__cause__, tuf_errors.DownloadLengthMismatchError)
    assert_refused_and_unchanged(fleet, fleet.factory_versions)


def test_an_image_for_other_hardware_is_refused(fleet: Fleet) -> None:
    battery_release = fleet.firmware("BatteryManagement", "1.1.0")
    powertrain = fleet.director.inventory.ecu(fleet.vin, "Powertrain")
    # A compromised director sends the battery's image to the powertrain, claiming it fits.
    forged = Director.instruction(battery_release, {powertrain.serial: powertrain.hardware_id})
    fleet.director.vehicle_repository(fleet.vin).publish({forged.path: forged})
    with pytest.raises(HardwareIdMismatchError, match="released for hardware 'SDVK-BMS-HW3'"):
        fleet.vehicle().apply()
    assert_refused_and_unchanged(fleet, fleet.factory_versions)

    # The secondary checks on its own too (partial verification), whatever the primary did.
    honest = Director.instruction(
        battery_release, {powertrain.serial: DEFAULT_HARDWARE_IDS["BatteryManagement"]}
    )
    fleet.director.vehicle_repository(fleet.vin).publish({honest.path: honest})
    director_targets = fleet.director_targets()
    secondary = fleet.vehicle().secondary("Powertrain")
    with pytest.raises(HardwareIdMismatchError, match=r"ECU .*/Powertrain is 'SDVK-PT-HW2'"):
        secondary.verify_instruction(director_targets, battery_release.target_path)


def test_a_director_that_disagrees_with_the_image_repository_is_refused(fleet: Fleet) -> None:
    release = fleet.firmware("Powertrain", "1.1.0")
    powertrain = fleet.director.inventory.ecu(fleet.vin, "Powertrain")
    evil = b"not the released firmware" * 10
    forged = TargetFile.from_data(release.target_path, evil)
    forged.unrecognized_fields["custom"] = {
        "ecu_identifiers": {powertrain.serial: {"hardware_id": powertrain.hardware_id}},
        "version": "1.1.0",
        "kind": "firmware",
    }
    fleet.director.vehicle_repository(fleet.vin).publish({forged.path: forged})
    with pytest.raises(RepositoryMismatchError, match="disagree on"):
        fleet.vehicle().apply()
    assert_refused_and_unchanged(fleet, fleet.factory_versions)

    # An image the image repository never released at all.
    forged.path = "SDVK-PT-HW2/6.6.6/backdoor.bin"
    forged.unrecognized_fields["custom"]["version"] = "6.6.6"
    fleet.director.vehicle_repository(fleet.vin).publish({forged.path: forged})
    with pytest.raises(RepositoryMismatchError, match="does not list it"):
        fleet.vehicle().apply()
    assert_refused_and_unchanged(fleet, fleet.factory_versions)


def test_an_image_signed_by_an_unknown_key_is_refused(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    targets_file = fleet.repository.metadata_dir / "2.targets.json"
    metadata = Metadata.from_bytes(targets_file.read_bytes())
    metadata.sign(CryptoSigner.generate_ed25519())  # the attacker's key replaces the signature
    targets_file.write_bytes(metadata.to_bytes(JSONSerializer()))
    with pytest.raises(MetadataVerificationError, match="UnsignedMetadataError") as refused:
        fleet.vehicle().apply()
    assert isinstance(refused.value.__cause__, tuf_errors.UnsignedMetadataError)
    assert_refused_and_unchanged(fleet, fleet.factory_versions)


def test_a_secondary_refuses_director_targets_signed_by_an_unknown_key(fleet: Fleet) -> None:
    release = fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    metadata = Metadata.from_bytes(fleet.director_targets())
    metadata.sign(CryptoSigner.generate_ed25519())
    secondary = fleet.vehicle().secondary("Powertrain")
    with pytest.raises(MetadataVerificationError, match="not signed by the director's targets key"):
        secondary.verify_instruction(metadata.to_bytes(JSONSerializer()), release.target_path)
    genuine = secondary.verify_instruction(fleet.director_targets(), release.target_path)
    assert genuine.version == "1.1.0"


def test_every_refusal_is_an_update_rejected_error() -> None:
    for error in (
        ImageVerificationError,
        MetadataVerificationError,
        RepositoryMismatchError,
        HardwareIdMismatchError,
        DowngradeRefusedError,
    ):
        assert issubclass(error, UpdateRejectedError)
