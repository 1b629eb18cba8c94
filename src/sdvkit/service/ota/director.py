"""Uptane's director: per-vehicle instructions, signed online, from a private inventory.

The director knows each registered vehicle's ECUs (hardware ids, serials, public keys) and what
was assigned to them (:mod:`~sdvkit.service.ota.inventory`). For every vehicle it keeps one TUF
repository (``vehicles/<VIN>/metadata``) whose targets name, for each assigned image, its hash and
length (as in the image repository) and the ECUs that must install it::

    "Pw-1/1.1.0/fw.bin": {"length": ..., "hashes": {"sha256": ...},
                          "custom": {"ecu_identifiers": {"<VIN>/Powertrain": {"hardware_id": "Pw-1"}},
                                     "version": "1.1.0", "kind": "firmware"}}

The vehicle sends back a signed version manifest (:mod:`~sdvkit.service.ota.reports`); the
director verifies it against the inventory's keys and records what each ECU runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sdvkit.service.ota._tuf import Key, TargetFile
from sdvkit.service.ota.errors import OtaInputError, VersionReportError
from sdvkit.service.ota.identifiers import check_ecu_id, check_vin
from sdvkit.service.ota.image_repository import ImageRepository, Release
from sdvkit.service.ota.inventory import Assignment, EcuRecord, InstalledRecord, Inventory
from sdvkit.service.ota.reports import verify_vehicle_manifest
from sdvkit.service.ota.tuf_repository import MetadataLifetimes, RoleSigners, TufRepository

__all__ = ["Director", "EcuStatus", "VehicleStatus"]


@dataclass(frozen=True, kw_only=True, slots=True)
class EcuStatus:
    """What the director knows of one ECU: what it assigned and what the ECU last reported."""

    ecu_id: str
    serial: str
    hardware_id: str
    assigned_version: str | None
    installed_version: str | None
    active_slot: str | None
    last_result: str | None
    reported_at: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleStatus:
    vin: str
    ecus: tuple[EcuStatus, ...]

    def ecu(self, ecu_id: str) -> EcuStatus:
        for ecu in self.ecus:
            if ecu.ecu_id == ecu_id:
                return ecu
        raise KeyError(ecu_id)


def _iso(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


class Director:
    """The director in ``directory`` (made on first use), assigning images of ``image_repository``."""

    def __init__(
        self,
        directory: Path,
        image_repository: ImageRepository,
        *,
        lifetimes: MetadataLifetimes | None = None,
    ) -> None:
        self.directory = directory
        self.image_repository = image_repository
        self.lifetimes = lifetimes
        self.signers = RoleSigners.load_or_generate(directory / "keys")
        self.inventory = Inventory(directory / "inventory.sqlite")

    def __repr__(self) -> str:
        return f"Director({self.directory})"

    def close(self) -> None:
        self.inventory.close()

    def __enter__(self) -> Director:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- vehicles ------------------------------------------------------------------------------

    def metadata_dir(self, vin: str) -> Path:
        """The directory served to vehicle ``vin`` as its director repository."""
        return self.directory / "vehicles" / check_vin(vin) / "metadata"

    def vehicle_repository(self, vin: str) -> TufRepository:
        """The TUF repository holding vehicle ``vin``'s instructions."""
        self.inventory.require_vehicle(check_vin(vin))
        return TufRepository(self.metadata_dir(vin), None, self.signers, lifetimes=self.lifetimes)

    def register_vehicle(
        self,
        vin: str,
        *,
        primary_serial: str,
        primary_key: Key,
        ecus: Sequence[EcuRecord],
    ) -> bytes:
        """Add a vehicle and its ECUs to the inventory; return its director root (its trust anchor)."""
        check_vin(vin)
        if not ecus:
            raise OtaInputError(f"vehicle {vin}: register at least one ECU")
        seen: set[str] = set()
        for ecu in ecus:
            check_ecu_id(ecu.ecu_id)
            if ecu.ecu_id in seen:
                raise OtaInputError(f"vehicle {vin}: ECU {ecu.ecu_id} is listed twice")
            seen.add(ecu.ecu_id)
        self.inventory.add_vehicle(
            vin,
            primary_serial=primary_serial,
            primary_key=primary_key,
            ecus=ecus,
            now=_iso(datetime.now(UTC)),
        )
        return self.vehicle_repository(vin).root_bytes()

    def vins(self) -> list[str]:
        return self.inventory.vins()

    def ecus(self, vin: str) -> list[EcuRecord]:
        return self.inventory.ecus(check_vin(vin))

    # -- assignments ---------------------------------------------------------------------------

    def assign(self, vin: str, ecu_id: str, version: str, *, now: datetime | None = None) -> Assignment:
        """Tell ECU ``ecu_id`` of ``vin`` to install ``version`` (of its own hardware's images)."""
        check_vin(vin)
        check_ecu_id(ecu_id)
        ecu = self.inventory.ecu(vin, ecu_id)
        release = self.image_repository.find(ecu.hardware_id, version)
        signed_at = now or datetime.now(UTC)
        assignment = Assignment(
            vin=vin,
            ecu_id=ecu_id,
            version=release.version,
            target_path=release.target_path,
            assigned_at=_iso(signed_at),
        )
        self.inventory.assign(assignment)
        self.publish(vin, now=signed_at)
        return assignment

    def publish(self, vin: str, *, now: datetime | None = None) -> int:
        """Sign vehicle ``vin``'s current assignments as a new director release; return its version."""
        ecus = {ecu.ecu_id: ecu for ecu in self.inventory.ecus(vin)}
        releases = {release.target_path: release for release in self.image_repository.releases()}
        by_image: dict[str, dict[str, str]] = {}
        for assignment in self.inventory.assignments(vin):
            if assignment.target_path not in releases:
                raise OtaInputError(
                    f"vehicle {vin}: ECU {assignment.ecu_id} is assigned {assignment.target_path}, "
                    "which the image repository no longer lists"
                )
            ecu = ecus[assignment.ecu_id]
            by_image.setdefault(assignment.target_path, {})[ecu.serial] = ecu.hardware_id
        targets = {path: self.instruction(releases[path], serials) for path, serials in by_image.items()}
        return self.vehicle_repository(vin).publish(targets, now=now)

    @staticmethod
    def instruction(release: Release, ecu_identifiers: Mapping[str, str]) -> TargetFile:
        """The director's target for ``release``, naming ``ecu_identifiers`` (serial → hardware id)."""
        custom: dict[str, Any] = {
            "ecu_identifiers": {serial: {"hardware_id": hw} for serial, hw in ecu_identifiers.items()},
            "version": release.version,
            "kind": release.kind.value,
        }
        if release.app_name is not None:
            custom["app"] = release.app_name
        return TargetFile(
            length=release.length,
            hashes={"sha256": release.sha256},
            path=release.target_path,
            unrecognized_fields={"custom": custom},
        )

    # -- version manifests ---------------------------------------------------------------------

    def receive_manifest(self, manifest: bytes | Mapping[str, Any]) -> list[InstalledRecord]:
        """Verify a vehicle version manifest and record what each ECU runs.

        Both layers of signatures are checked (the primary's, then each ECU's) and every report
        counter must go up; VersionReportError otherwise, and nothing is recorded.
        """
        if isinstance(manifest, bytes | bytearray):
            try:
                parsed: Any = json.loads(manifest)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise VersionReportError(f"the vehicle version manifest is not JSON: {error}") from error
        else:
            parsed = dict(manifest)
        signed = parsed.get("signed") if isinstance(parsed, dict) else None
        vin = signed.get("vin") if isinstance(signed, dict) else None
        if not isinstance(vin, str):
            raise VersionReportError("the vehicle version manifest names no VIN")
        check_vin(vin)
        _, primary_key = self.inventory.primary(vin)
        ecus = {ecu.serial: ecu for ecu in self.inventory.ecus(vin)}
        installed = self.inventory.installed(vin)
        last_counters = {
            ecu.serial: installed[ecu.ecu_id].report_counter
            for ecu in ecus.values()
            if ecu.ecu_id in installed
        }
        reports = verify_vehicle_manifest(
            parsed,
            vin=vin,
            primary_key=primary_key,
            ecu_keys={serial: (ecu.hardware_id, ecu.public_key) for serial, ecu in ecus.items()},
            last_counters=last_counters,
        )
        records = [
            InstalledRecord(
                ecu_id=ecus[report.ecu_serial].ecu_id,
                version=report.version,
                sha256=report.sha256,
                active_slot=report.active_slot,
                last_result=report.last_result,
                report_counter=report.report_counter,
                reported_at=report.time,
            )
            for report in reports
        ]
        self.inventory.record_installed(vin, records)
        return records

    def status(self, vin: str) -> VehicleStatus:
        """Assigned and last reported versions of every ECU of ``vin``."""
        check_vin(vin)
        assignments = {assignment.ecu_id: assignment for assignment in self.inventory.assignments(vin)}
        installed = self.inventory.installed(vin)
        ecus = []
        for ecu in self.inventory.ecus(vin):
            assignment = assignments.get(ecu.ecu_id)
            record = installed.get(ecu.ecu_id)
            ecus.append(
                EcuStatus(
                    ecu_id=ecu.ecu_id,
                    serial=ecu.serial,
                    hardware_id=ecu.hardware_id,
                    assigned_version=assignment.version if assignment else None,
                    installed_version=record.version if record else None,
                    active_slot=record.active_slot if record else None,
                    last_result=record.last_result if record else None,
                    reported_at=record.reported_at if record else None,
                )
            )
        return VehicleStatus(vin=vin, ecus=tuple(ecus))
