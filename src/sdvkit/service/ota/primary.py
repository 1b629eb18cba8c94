"""The primary: verify, download, and install a bundle across ECUs, then report.

``check()`` runs Uptane's full verification (:mod:`~sdvkit.service.ota.verification`): both
repositories refreshed with python-tuf and cross-checked. ``apply()`` then downloads every image
through the image repository's updater (which stops at the signed length: no endless data) and
installs the bundle all-or-nothing: if any ECU refuses, the others forget what they got; after
the reboot every ECU is health-checked, and if one fails all of them roll back. The ECUs' signed
version reports go back to the director in a vehicle version manifest signed by the primary.

Call ``boot()`` at power-on: it finishes (commits or rolls back) an install that a power loss
left on trial.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tuf.api import exceptions as tuf_errors

from sdvkit.service.ota._tuf import CryptoSigner, Key
from sdvkit.service.ota.errors import (
    HealthCheckError,
    ImageVerificationError,
    InstallError,
    OtaInputError,
    RepositoryUnavailableError,
    UnknownEcuError,
    UpdateRejectedError,
)
from sdvkit.service.ota.reports import make_vehicle_manifest
from sdvkit.service.ota.secondary import InstalledSoftware, Secondary
from sdvkit.service.ota.slots import BootRecord
from sdvkit.service.ota.verification import (
    RepositoryUrls,
    UpdateCheck,
    VerifiedUpdate,
    verify_update,
)
from sdvkit.storage import StorageError, atomic_write_text

__all__ = ["Primary", "PrimaryStatus", "ProgressListener", "UpdateOutcome", "UpdateResult"]

ProgressListener = Callable[[str, int], None]
"""Told what the client is doing: ``(state, progress in percent)``, the states of OTA_STATES."""


class UpdateResult(StrEnum):
    """The outcome of an update attempt (``Vehicle.Software.Update.LastResult``)."""

    NONE = "NONE"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"
    REJECTED = "REJECTED"


@dataclass(frozen=True, kw_only=True, slots=True)
class UpdateOutcome:
    """What ``apply()`` did."""

    result: UpdateResult
    versions: dict[str, str | None]
    """Every ECU's running version afterwards."""
    updated: tuple[str, ...] = ()
    rolled_back: tuple[str, ...] = ()
    error: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)
    """The signed vehicle version manifest sent to the director."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PrimaryStatus:
    """The primary's own record of its last check and update (``primary/state.json``)."""

    last_result: UpdateResult = UpdateResult.NONE
    last_error: str = ""
    last_check_time: str = ""
    target_versions: dict[str, str] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Primary:
    """The vehicle's primary ECU: talks to both repositories, verifies, distributes, reports."""

    def __init__(
        self,
        *,
        vin: str,
        serial: str,
        signer: CryptoSigner,
        urls: RepositoryUrls,
        director_root: bytes,
        image_root: bytes,
        secondaries: Sequence[Secondary],
        work_dir: Path,
        listener: ProgressListener | None = None,
        manifest_sink: Callable[[dict[str, Any]], object] | None = None,
    ) -> None:
        self.vin = vin
        self.serial = serial
        self.urls = urls
        self.work_dir = work_dir
        self.listener = listener
        self.manifest_sink = manifest_sink
        self._signer = signer
        self._director_root = director_root
        self._image_root = image_root
        self.secondaries: dict[str, Secondary] = {}
        for secondary in secondaries:
            if secondary.ecu_id in self.secondaries:
                raise OtaInputError(f"vehicle {vin}: two secondaries are ECU {secondary.ecu_id}")
            self.secondaries[secondary.ecu_id] = secondary
        self._by_serial = {secondary.serial: secondary for secondary in secondaries}

    def __repr__(self) -> str:
        return f"Primary({self.vin}, {len(self.secondaries)} ECUs)"

    @property
    def public_key(self) -> Key:
        return self._signer.public_key

    def secondary(self, ecu_id: str) -> Secondary:
        try:
            return self.secondaries[ecu_id]
        except KeyError:
            known = ", ".join(self.secondaries)
            raise UnknownEcuError(f"vehicle {self.vin} has no ECU {ecu_id!r} (its ECUs: {known})") from None

    # -- state -----------------------------------------------------------------------------------

    @property
    def _state_path(self) -> Path:
        return self.work_dir / "state.json"

    def status(self) -> PrimaryStatus:
        """The last check and update, as recorded."""
        try:
            data = json.loads(self._state_path.read_text(encoding="utf-8"))
            return PrimaryStatus(
                last_result=UpdateResult(data["last_result"]),
                last_error=str(data["last_error"]),
                last_check_time=str(data["last_check_time"]),
                target_versions={str(k): str(v) for k, v in data["target_versions"].items()},
            )
        except FileNotFoundError:
            return PrimaryStatus()
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise InstallError(f"the primary's state {self._state_path} is corrupt: {error}") from error

    def _record(self, **changes: Any) -> None:
        status = self.status()
        data = {
            "last_result": str(changes.get("last_result", status.last_result)),
            "last_error": changes.get("last_error", status.last_error),
            "last_check_time": changes.get("last_check_time", status.last_check_time),
            "target_versions": changes.get("target_versions", status.target_versions),
        }
        try:
            self.work_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self._state_path, json.dumps(data, indent=2, sort_keys=True))
        except (OSError, StorageError) as error:
            raise InstallError(f"cannot write the primary's state: {error}") from error

    def _tell(self, state: str, progress_percent: int) -> None:
        if self.listener is not None:
            self.listener(state, max(0, min(100, progress_percent)))

    def installed(self) -> dict[str, InstalledSoftware]:
        """What every ECU holds and runs."""
        return {ecu_id: secondary.installed() for ecu_id, secondary in self.secondaries.items()}

    # -- the update ------------------------------------------------------------------------------

    def _verify(self) -> VerifiedUpdate:
        return verify_update(
            vin=self.vin,
            work_dir=self.work_dir,
            urls=self.urls,
            director_root=self._director_root,
            image_root=self._image_root,
            secondaries=self._by_serial,
        )

    def check(self) -> UpdateCheck:
        """Refresh and cross-check both repositories; report what would be installed."""
        self._tell("CHECKING", 0)
        try:
            check = self._verify().check
        except UpdateRejectedError as error:
            self._record(
                last_result=UpdateResult.REJECTED, last_error=str(error), last_check_time=_iso(_now())
            )
            self._tell("IDLE", 0)
            raise
        except RepositoryUnavailableError as error:
            self._record(last_error=str(error), last_check_time=_iso(_now()))
            self._tell("IDLE", 0)
            raise
        self._record(last_check_time=check.checked_at, target_versions=check.target_versions)
        self._tell("IDLE", 0)
        return check

    def apply(self) -> UpdateOutcome:
        """Check, download, install, reboot, health-check, then commit or roll back; report."""
        self._tell("CHECKING", 0)
        try:
            outcome = self._apply()
        except UpdateRejectedError as error:
            self._record(
                last_result=UpdateResult.REJECTED, last_error=str(error), last_check_time=_iso(_now())
            )
            self._tell("IDLE", 0)
            raise
        except (RepositoryUnavailableError, InstallError) as error:
            self._record(last_result=UpdateResult.FAILED, last_error=str(error), last_check_time=_iso(_now()))
            self._tell("IDLE", 0)
            raise
        finally:
            shutil.rmtree(self.work_dir / "downloads", ignore_errors=True)
        self._tell("IDLE", 100)
        return outcome

    def _apply(self) -> UpdateOutcome:
        verified = self._verify()
        check = verified.check
        self._record(last_check_time=check.checked_at, target_versions=check.target_versions)
        if not check.installs:
            return self._finish(UpdateResult.NONE, updated=(), rolled_back=(), error="", record=False)
        images = self._download(verified)
        installed: list[Secondary] = []
        total_bytes = sum(install.length for install in check.installs) or 1
        done_bytes = 0
        try:
            for install in check.installs:
                secondary = self.secondaries[install.ecu_id]
                base = done_bytes

                def progress(written: int, _total: int, base: int = base) -> None:
                    self._tell("INSTALLING", (base + written) * 100 // total_bytes)

                secondary.install(
                    images[install.ecu_id],
                    director_targets=verified.director_targets,
                    target_path=install.target_path,
                    progress=progress,
                )
                installed.append(secondary)
                done_bytes += install.length
        except BaseException:
            for secondary in installed:
                secondary.discard_pending()
            raise
        self._tell("AWAITING_REBOOT", 100)
        failures: dict[str, str] = {}
        for secondary in installed:
            record = secondary.boot()
            if not record.trial:
                failures[secondary.ecu_id] = (
                    record.reason or f"slot {record.slot} booted instead of the new one"
                )
        self._tell("HEALTH_CHECK", 0)
        for secondary in installed:
            if secondary.ecu_id in failures:
                continue
            try:
                secondary.health_check()
            except HealthCheckError as error:
                failures[secondary.ecu_id] = str(error)
        updated = tuple(secondary.ecu_id for secondary in installed)
        if failures:
            self._tell("ROLLING_BACK", 0)
            reason = "; ".join(f"{ecu_id}: {why}" for ecu_id, why in failures.items())
            for secondary in installed:
                secondary.rollback(
                    f"health check failed ({reason})", image_failed=secondary.ecu_id in failures
                )
            return self._finish(UpdateResult.ROLLED_BACK, updated=(), rolled_back=updated, error=reason)
        for secondary in installed:
            secondary.commit()
        return self._finish(UpdateResult.SUCCESS, updated=updated, rolled_back=(), error="")

    def _download(self, verified: VerifiedUpdate) -> dict[str, Path]:
        downloads = self.work_dir / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        images: dict[str, Path] = {}
        installs = verified.check.installs
        for index, install in enumerate(installs):
            self._tell("DOWNLOADING", index * 100 // len(installs))
            target = verified.image_targets[install.target_path]
            destination = downloads / f"{install.ecu_id}.image"
            try:
                verified.image_updater.download_target(target, filepath=str(destination))
            except tuf_errors.DownloadLengthMismatchError as error:
                raise ImageVerificationError(
                    f"{install.target_path}: the repository sent more than the signed {target.length} bytes "
                    f"(endless data): {error}"
                ) from error
            except tuf_errors.LengthOrHashMismatchError as error:
                raise ImageVerificationError(
                    f"{install.target_path} does not match its signed hash: {error}"
                ) from error
            except tuf_errors.DownloadError as error:
                raise RepositoryUnavailableError(
                    f"{install.target_path} cannot be downloaded: {error}"
                ) from error
            images[install.ecu_id] = destination
        self._tell("VERIFYING", 100)
        return images

    def _finish(
        self,
        result: UpdateResult,
        *,
        updated: tuple[str, ...],
        rolled_back: tuple[str, ...],
        error: str,
        record: bool = True,
    ) -> UpdateOutcome:
        if record:
            self._record(last_result=result, last_error=error)
        manifest = self.send_version_manifest()
        return UpdateOutcome(
            result=result,
            versions={ecu_id: software.version for ecu_id, software in self.installed().items()},
            updated=updated,
            rolled_back=rolled_back,
            error=error,
            manifest=manifest,
        )

    # -- boot and reports ------------------------------------------------------------------------

    def boot(self) -> dict[str, BootRecord]:
        """Power-on: every ECU boots; a trial slot is health-checked, then committed or rolled back."""
        records: dict[str, BootRecord] = {}
        for ecu_id, secondary in self.secondaries.items():
            record = secondary.boot()
            if record.trial:
                try:
                    secondary.health_check()
                except HealthCheckError as error:
                    secondary.rollback(f"health check failed after reboot: {error}")
                else:
                    secondary.commit()
            if record.rolled_back or record.trial:
                result = secondary.installed().last_result
                self._record(last_result=UpdateResult(result), last_error=secondary.installed().last_error)
            records[ecu_id] = record
        return records

    def version_manifest(self) -> dict[str, Any]:
        """The signed vehicle version manifest: every ECU's signed report, signed by the primary."""
        now = _now()
        reports = [secondary.version_report(now=now) for secondary in self.secondaries.values()]
        return make_vehicle_manifest(
            self._signer, vin=self.vin, primary_serial=self.serial, reports=reports, time=_iso(now)
        )

    def send_version_manifest(self) -> dict[str, Any]:
        """Build the version manifest and hand it to the director (``manifest_sink``), if connected."""
        manifest = self.version_manifest()
        if self.manifest_sink is not None:
            self.manifest_sink(manifest)
        return manifest
