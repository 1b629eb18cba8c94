"""The update flow end to end: install, reports to the director, HTTP, the client app on the bus."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from tests.service.ota.conftest import Fleet

from sdvkit.runtime import AppRunner, SimClock
from sdvkit.service.ota import (
    DEFAULT_HARDWARE_IDS,
    MetadataVerificationError,
    OtaClientApp,
    RepositoryServer,
    RepositoryUrls,
    UpdateResult,
    VersionReportError,
)
from sdvkit.service.ota.keys import load_signer
from sdvkit.service.ota.reports import make_vehicle_manifest
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue


def test_an_update_installs_into_the_other_slot_and_is_reported(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.firmware("BatteryManagement", "2.0.0")
    fleet.assign("Powertrain", "1.1.0")
    fleet.assign("BatteryManagement", "2.0.0")
    check = fleet.vehicle().check()
    assert {(i.ecu_id, i.from_version, i.to_version) for i in check.installs} == {
        ("Powertrain", "1.0.0", "1.1.0"),
        ("BatteryManagement", "1.0.0", "2.0.0"),
    }
    assert fleet.versions() == fleet.factory_versions  # a check installs nothing

    outcome = fleet.vehicle().apply()
    assert outcome.result is UpdateResult.SUCCESS
    assert set(outcome.updated) == {"Powertrain", "BatteryManagement"}
    expected = fleet.factory_versions | {"Powertrain": "1.1.0", "BatteryManagement": "2.0.0"}
    assert fleet.versions() == expected
    installed = fleet.vehicle().installed()["Powertrain"]
    assert (installed.booted_slot, installed.committed_slot, installed.last_result) == ("B", "B", "SUCCESS")
    slot_b = fleet.vehicle_dir / "ecus" / "Powertrain" / "slot-B.bin"
    assert slot_b.read_bytes() == (fleet.images / "powertrain-1.1.0.bin").read_bytes()

    status = fleet.director.status(fleet.vin)
    for ecu_id, version in expected.items():
        assert status.ecu(ecu_id).installed_version == version
    assert status.ecu("Powertrain").assigned_version == "1.1.0"
    assert status.ecu("Powertrain").active_slot == "B"

    again = fleet.vehicle().apply()
    assert again.result is UpdateResult.NONE
    assert set(fleet.vehicle().check().up_to_date) == {"Powertrain", "BatteryManagement"}


def test_the_director_refuses_version_reports_with_bad_signatures(fleet: Fleet) -> None:
    manifest = fleet.vehicle().version_manifest()
    reports = manifest["signed"]["ecu_version_reports"]
    serial, other = list(reports)[:2]
    primary_key = load_signer(fleet.vehicle_dir / "primary" / "key.pem")

    def signed_by_the_primary(changed_report: dict[str, Any]) -> dict[str, Any]:
        """What a compromised primary could send: its own valid signature over a changed report."""
        return make_vehicle_manifest(
            primary_key,
            vin=fleet.vin,
            primary_serial=manifest["signed"]["primary_serial"],
            reports=[changed_report, *(report for name, report in reports.items() if name != serial)],
            time=manifest["signed"]["time"],
        )

    lying_report = copy.deepcopy(reports[serial])
    lying_report["signed"]["version"] = "9.9.9"
    with pytest.raises(VersionReportError, match=f"version report of ECU {serial}: the signature"):
        fleet.director.receive_manifest(signed_by_the_primary(lying_report))

    borrowed_signature = copy.deepcopy(reports[serial])
    borrowed_signature["signatures"] = reports[other]["signatures"]
    with pytest.raises(VersionReportError, match="not signed by the registered key"):
        fleet.director.receive_manifest(signed_by_the_primary(borrowed_signature))

    lying_primary = copy.deepcopy(manifest)
    lying_primary["signed"]["time"] = "2000-01-01T00:00:00+00:00"
    with pytest.raises(VersionReportError, match=r"vehicle version manifest .* does not verify"):
        fleet.director.receive_manifest(json.dumps(lying_primary).encode())

    assert fleet.director.status(fleet.vin).ecu("Powertrain").installed_version is None  # nothing recorded
    fleet.director.receive_manifest(manifest)
    assert fleet.director.status(fleet.vin).ecu("Powertrain").installed_version == "1.0.0"
    with pytest.raises(VersionReportError, match="a replay"):
        fleet.director.receive_manifest(manifest)


def test_an_update_over_http(fleet: Fleet) -> None:
    release = fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    mounts = {
        "director": fleet.director.directory / "vehicles",
        "image/metadata": fleet.repository.metadata_dir,
        "image/targets": fleet.repository.targets_dir,
    }
    with RepositoryServer(mounts) as server:
        urls = RepositoryUrls(
            director_metadata=server.url(f"director/{fleet.vin}/metadata"),
            image_metadata=server.url("image/metadata"),
            image_targets=server.url("image/targets"),
        )
        assert urls.image_targets.startswith("http://127.0.0.1:")
        outcome = fleet.vehicle(urls=urls).apply()
        # Only what is mounted is served: not the keys beside the metadata.
        keys_url = server.url("image/metadata").replace("/metadata/", "/keys/") + "root.pem"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(keys_url, timeout=5)
        traversal = server.url("image/metadata") + "../keys/root.pem"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(traversal, timeout=5)
    assert outcome.result is UpdateResult.SUCCESS
    assert fleet.versions()["Powertrain"] == release.version


def test_the_client_app_publishes_the_update_on_the_bus(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    clock = SimClock(tick_s=1.0)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    observer = broker.connect("observer")

    def value(path: str) -> object:
        datapoint = observer.get(path)
        assert datapoint is not None, path
        return datapoint.value

    app = OtaClientApp(fleet.vehicle(), check_period_s=60.0, auto_apply=True)
    runner = AppRunner(broker, clock)
    runner.add(app)
    runner.start()
    try:
        states = observer.subscribe(["Vehicle.Software.Update.State"], buffer_size=64)
        assert value("Vehicle.Software.Ecu.Powertrain.SoftwareVersion") == "1.0.0"
        assert value("Vehicle.Software.Ecu.Powertrain.HardwareId") == DEFAULT_HARDWARE_IDS["Powertrain"]
        assert value("Vehicle.Software.Ecu.Powertrain.ActiveSlot") == "A"
        assert value("Vehicle.Software.Update.LastResult") == "NONE"
        app.check_now()
        assert value("Vehicle.Software.Update.TargetVersion") == "Powertrain 1.1.0"
        states.drain()

        clock.run_for(60.0)  # the app's periodic step applies the update
        seen = [datapoint.value for _, datapoint in states.drain()]
        steps = ("CHECKING", "DOWNLOADING", "VERIFYING", "INSTALLING", "AWAITING_REBOOT", "HEALTH_CHECK")
        assert [state for state in seen if state in steps] == list(steps)
        assert seen[-1] == "IDLE"
        assert value("Vehicle.Software.Update.LastResult") == "SUCCESS"
        assert value("Vehicle.Software.Ecu.Powertrain.SoftwareVersion") == "1.1.0"
        assert value("Vehicle.Software.Ecu.Powertrain.ActiveSlot") == "B"
        assert value("Vehicle.Software.Update.Progress") == 100

        # A refused update is published and kept, not raised out of the app's step.
        (fleet.director.metadata_dir(fleet.vin) / "timestamp.json").write_text("{}")
        clock.run_for(60.0)
        assert isinstance(app.last_error, MetadataVerificationError)
        assert value("Vehicle.Software.Update.LastResult") == "REJECTED"
        assert "director repository" in str(value("Vehicle.Software.Update.LastError"))
        assert value("Vehicle.Software.Ecu.Powertrain.SoftwareVersion") == "1.1.0"
    finally:
        runner.stop()
