"""Bad input gets an error naming the problem, and leaves everything as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.service.ota.conftest import Fleet

from sdvkit.service.ota import (
    DEFAULT_HARDWARE_IDS,
    InstallError,
    MetadataVerificationError,
    OtaInputError,
    RepositoryServer,
    UnknownEcuError,
    UnknownReleaseError,
    UnknownVehicleError,
    UpdateResult,
    VersionReportError,
    open_vehicle,
    parse_version,
)
from sdvkit.service.ota.keys import load_signer


def test_unknown_vehicles_ecus_and_releases_are_named(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    with pytest.raises(
        UnknownVehicleError, match=r"no vehicle WVWZZZ1JZ3W386753 \(registered: WVWZZZ1JZ3W386752\)"
    ):
        fleet.director.assign(fleet.other_vin, "Powertrain", "1.1.0")
    with pytest.raises(UnknownEcuError, match=r"has no ECU 'Brakes' .*Powertrain"):
        fleet.assign("Brakes", "1.1.0")
    with pytest.raises(OtaInputError, match="ECU id 'Power train' is not valid"):
        fleet.assign("Power train", "1.1.0")
    with pytest.raises(
        UnknownReleaseError,
        match=r"no version 1\.2\.0 for hardware SDVK-PT-HW2 \(published: 1\.1\.0\)",
    ):
        fleet.assign("Powertrain", "1.2.0")
    with pytest.raises(OtaInputError, match="is not a valid vehicle identification number"):
        fleet.director.status("WVWZZZ1JZ3W38675O")
    with pytest.raises(UnknownVehicleError, match="no vehicle is provisioned"):
        fleet.workspace.vehicle(fleet.other_vin)
    with pytest.raises(UnknownEcuError, match="has no ECU 'Brakes'"):
        fleet.vehicle().secondary("Brakes")
    assert fleet.director.status(fleet.vin).ecu("Powertrain").assigned_version is None


@pytest.mark.parametrize("version", ["", "1.", "01.2", "1.2.3.4.5", "v1", "1.0-rc1", "1..2"])
def test_malformed_versions_are_refused(version: str) -> None:
    with pytest.raises(OtaInputError, match="is not valid"):
        parse_version(version)


def test_versions_compare_as_numbers() -> None:
    assert parse_version("1.10") > parse_version("1.9")
    assert parse_version("2") == parse_version("2.0.0")


def test_bad_files_are_not_published_and_the_repository_stays_usable(fleet: Fleet, tmp_path: Path) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    before = fleet.repository.repository.current_targets().signed.version
    image = tmp_path / "fw.bin"
    image.write_bytes(b"firmware")
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    hardware = DEFAULT_HARDWARE_IDS["Powertrain"]
    cases = [
        (tmp_path / "missing.bin", hardware, "1.2.0", "is not a file"),
        (tmp_path, hardware, "1.2.0", "is not a file"),
        (empty, hardware, "1.2.0", "is empty"),
        (image, "bad hardware id!", "1.2.0", "hardware id 'bad hardware id!' is not valid"),
        (image, hardware, "one", "version 'one' is not valid"),
        (image, hardware, "1.1.0", r"version 1\.1\.0 for hardware SDVK-PT-HW2 is already published"),
    ]
    for path, hardware_id, version, message in cases:
        with pytest.raises(OtaInputError, match=message):
            fleet.repository.publish(path, hardware_id=hardware_id, version=version)
    assert fleet.repository.repository.current_targets().signed.version == before
    fleet.assign("Powertrain", "1.1.0")
    assert fleet.vehicle().apply().result is UpdateResult.SUCCESS


def test_malformed_metadata_is_refused_and_nothing_is_installed(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    timestamp = fleet.director.metadata_dir(fleet.vin) / "timestamp.json"
    good = timestamp.read_bytes()
    for garbage in (b"", b"{not json", b'{"signed": {"_type": "timestamp"}, "signatures": []}', good[:-40]):
        timestamp.write_bytes(garbage)
        with pytest.raises(MetadataVerificationError, match="the director repository refused"):
            fleet.vehicle().apply()
        assert fleet.versions() == fleet.factory_versions
    timestamp.write_bytes(good)
    # The vehicle's own cache, corrupted, is not trusted: the updater fetches fresh metadata.
    (fleet.vehicle_dir / "primary" / "director" / "timestamp.json").write_bytes(b"garbage")
    assert fleet.vehicle().apply().result is UpdateResult.SUCCESS


def test_a_secondary_refuses_malformed_director_targets(fleet: Fleet) -> None:
    secondary = fleet.vehicle().secondary("Powertrain")
    for garbage in (b"", b"[]", b'{"signed": {"_type": "root"}, "signatures": []}'):
        with pytest.raises(MetadataVerificationError, match=r"ECU .*/Powertrain"):
            secondary.verify_instruction(garbage, "SDVK-PT-HW2/1.1.0/fw.bin")
    assert secondary.installed().version == "1.0.0"


def test_a_corrupt_vehicle_is_reported_by_file(fleet: Fleet) -> None:
    state = fleet.vehicle_dir / "ecus" / "Powertrain" / "state.json"
    state.write_text('{"format": 1, "committed_slot": "C"}')
    with pytest.raises(InstallError, match=r"slot state .*Powertrain/state\.json is corrupt"):
        fleet.vehicle().installed()
    config = fleet.vehicle_dir / "vehicle.json"
    config.write_text('{"format": 1, "vin": "WVWZZZ1JZ3W386752"}')
    with pytest.raises(OtaInputError, match=r"vehicle\.json is malformed: 'primary_serial'"):
        fleet.vehicle()
    key = fleet.vehicle_dir / "primary" / "key.pem"
    key.write_text("not a key")
    with pytest.raises(OtaInputError, match=r"key\.pem is not a PEM private key"):
        load_signer(key)


def test_version_manifests_that_are_not_manifests_are_refused(fleet: Fleet) -> None:
    with pytest.raises(VersionReportError, match="not JSON"):
        fleet.director.receive_manifest(b"\xff\xfe")
    with pytest.raises(VersionReportError, match="names no VIN"):
        fleet.director.receive_manifest({"signed": {}, "signatures": []})
    with pytest.raises(UnknownVehicleError, match="no vehicle WVWZZZ1JZ3W386753"):
        fleet.director.receive_manifest({"signed": {"vin": fleet.other_vin}, "signatures": []})
    with pytest.raises(VersionReportError, match="not signed by the registered key"):
        fleet.director.receive_manifest({"signed": {"vin": fleet.vin}, "signatures": []})


def test_options_for_ecus_the_vehicle_does_not_have_are_refused(fleet: Fleet) -> None:
    with pytest.raises(OtaInputError, match=r"health checks given for ECUs .* \['Brakes'\]"):
        open_vehicle(fleet.vehicle_dir, health_checks={"Brakes": lambda path, content: None})
    with pytest.raises(OtaInputError, match="at least one directory"):
        RepositoryServer({})
    with pytest.raises(OtaInputError, match="is already provisioned"):
        fleet.workspace.provision(fleet.vin)
