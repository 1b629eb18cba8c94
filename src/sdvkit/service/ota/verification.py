"""Uptane full verification, as the primary does it before anything is downloaded or installed.

Each session builds two fresh python-tuf ``Updater`` s (one ``refresh()`` each, as python-tuf
requires): one on the vehicle's director repository, one on the image repository, each
bootstrapped from the root the vehicle was provisioned with. Then every image the director
assigns is checked against the image repository:

- the director may address only this vehicle's ECUs, each at most once, with its hardware id;
- the image repository must list the same image, with the same length and hashes, released
  for that hardware, with the same version and kind;
- the image must be newer than what the ECU runs (an image the ECU rolled back before is
  skipped, not retried).

python-tuf's errors are translated with ``raise … from``: refused metadata is a
:class:`~sdvkit.service.ota.errors.MetadataVerificationError`, an unreachable repository a
:class:`~sdvkit.service.ota.errors.RepositoryUnavailableError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tuf.api import exceptions as tuf_errors

from sdvkit.service.ota._tuf import Metadata, TargetFile, Targets, Updater
from sdvkit.service.ota.errors import (
    DowngradeRefusedError,
    HardwareIdMismatchError,
    MetadataVerificationError,
    OtaInputError,
    RepositoryMismatchError,
    RepositoryUnavailableError,
)
from sdvkit.service.ota.identifiers import parse_version
from sdvkit.service.ota.image_repository import Release
from sdvkit.service.ota.secondary import Instruction, Secondary, instruction_for
from sdvkit.service.ota.transport import fetcher_for

__all__ = ["PlannedInstall", "RepositoryUrls", "UpdateCheck", "VerifiedUpdate", "verify_update"]


@dataclass(frozen=True, kw_only=True, slots=True)
class RepositoryUrls:
    """Where the vehicle finds its director repository and the image repository."""

    director_metadata: str
    image_metadata: str
    image_targets: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedInstall:
    """One image the director assigned, verified against both repositories, not yet installed."""

    ecu_id: str
    serial: str
    from_version: str | None
    to_version: str
    target_path: str
    length: int
    sha256: str


@dataclass(frozen=True, kw_only=True, slots=True)
class UpdateCheck:
    """What an update check found."""

    checked_at: str
    director_targets_version: int
    installs: tuple[PlannedInstall, ...]
    up_to_date: tuple[str, ...]
    """ECUs that already run what the director assigned them."""
    skipped: tuple[tuple[str, str], ...] = ()
    """``(ECU id, why)``: assignments not tried again (the same image was rolled back before)."""

    @property
    def target_versions(self) -> dict[str, str]:
        return {install.ecu_id: install.to_version for install in self.installs}


@dataclass(frozen=True, kw_only=True, slots=True)
class VerifiedUpdate:
    """One verification session: what both repositories agreed on, and the updater to download with."""

    check: UpdateCheck
    director_targets: bytes
    """The director's targets metadata as signed: each secondary verifies it again itself."""
    image_updater: Updater
    image_targets: dict[str, TargetFile]
    """The image repository's target of each planned image, by path."""


def _refresh(updater: Updater, which: str) -> None:
    try:
        updater.refresh()
    except tuf_errors.DownloadLengthMismatchError as error:
        raise MetadataVerificationError(
            f"{which}: metadata longer than allowed (endless data): {error}"
        ) from error
    except tuf_errors.DownloadError as error:
        raise RepositoryUnavailableError(f"{which} cannot be reached: {error}") from error
    except tuf_errors.RepositoryError as error:
        raise MetadataVerificationError(f"{which} refused: {type(error).__name__}: {error}") from error
    except OSError as error:
        raise RepositoryUnavailableError(f"{which}: cannot store metadata: {error}") from error


def _updater(work_dir: Path, name: str, metadata_url: str, root: bytes, targets_url: str | None) -> Updater:
    metadata_dir = work_dir / name
    metadata_dir.mkdir(parents=True, exist_ok=True)
    try:
        return Updater(
            metadata_dir=str(metadata_dir),
            metadata_base_url=metadata_url,
            target_dir=str(work_dir / "downloads"),
            target_base_url=targets_url,
            fetcher=fetcher_for(metadata_url),
            bootstrap=root,
        )
    except tuf_errors.RepositoryError as error:
        raise MetadataVerificationError(f"the trusted root of the {name} is unusable: {error}") from error


def verify_update(
    *,
    vin: str,
    work_dir: Path,
    urls: RepositoryUrls,
    director_root: bytes,
    image_root: bytes,
    secondaries: Mapping[str, Secondary],
) -> VerifiedUpdate:
    """Refresh both repositories and cross-check what the director assigns (``secondaries`` by serial)."""
    checked_at = datetime.now(UTC).isoformat(timespec="seconds")
    director = _updater(work_dir, "director", urls.director_metadata, director_root, None)
    _refresh(director, "the director repository")
    director_targets = (work_dir / "director" / "targets.json").read_bytes()  # as the updater verified it
    targets_metadata: Metadata[Any] = Metadata.from_bytes(director_targets)
    assert isinstance(targets_metadata.signed, Targets)
    director_version = targets_metadata.signed.version
    image_updater = _updater(
        work_dir, "image-repository", urls.image_metadata, image_root, urls.image_targets
    )
    _refresh(image_updater, "the image repository")
    installs: list[PlannedInstall] = []
    up_to_date: list[str] = []
    skipped: list[tuple[str, str]] = []
    image_targets: dict[str, TargetFile] = {}
    addressed: set[str] = set()
    for target in targets_metadata.signed.targets.values():
        custom: Any = target.custom
        serials = custom.get("ecu_identifiers") if isinstance(custom, dict) else None
        if not isinstance(serials, dict) or not serials:
            raise MetadataVerificationError(f"director target {target.path} addresses no ECU")
        for serial in serials:
            secondary = secondaries.get(serial)
            if secondary is None:
                raise MetadataVerificationError(
                    f"the director's targets address ECU {serial!r}, which vehicle {vin} "
                    "does not have (metadata of another vehicle?)"
                )
            if serial in addressed:
                raise MetadataVerificationError(f"the director's targets address ECU {serial} twice")
            addressed.add(serial)
            instruction = instruction_for(
                target, serial=serial, hardware_id=secondary.hardware_id, targets_version=director_version
            )
            image_targets[target.path] = _cross_check(image_updater, target, instruction, secondary)
            installed = secondary.installed()
            if installed.sha256 == instruction.sha256:
                up_to_date.append(secondary.ecu_id)
            elif instruction.sha256 in installed.failed_images:
                skipped.append(
                    (secondary.ecu_id, f"{instruction.version} was rolled back on this ECU before")
                )
            elif installed.version is not None and parse_version(instruction.version) <= parse_version(
                installed.version
            ):
                raise DowngradeRefusedError(
                    f"the director assigns {instruction.version} to ECU {serial}, which runs "
                    f"{installed.version}: a rollback to an older version is refused"
                )
            else:
                installs.append(
                    PlannedInstall(
                        ecu_id=secondary.ecu_id,
                        serial=serial,
                        from_version=installed.version,
                        to_version=instruction.version,
                        target_path=target.path,
                        length=instruction.length,
                        sha256=instruction.sha256,
                    )
                )
    check = UpdateCheck(
        checked_at=checked_at,
        director_targets_version=director_version,
        installs=tuple(installs),
        up_to_date=tuple(up_to_date),
        skipped=tuple(skipped),
    )
    return VerifiedUpdate(
        check=check,
        director_targets=director_targets,
        image_updater=image_updater,
        image_targets={path: image_targets[path] for path in {install.target_path for install in installs}},
    )


def _cross_check(
    image_updater: Updater, target: TargetFile, instruction: Instruction, secondary: Secondary
) -> TargetFile:
    """The image repository's target for what the director assigned, if the two agree."""
    try:
        image_target = image_updater.get_targetinfo(target.path)
    except tuf_errors.RepositoryError as error:
        raise MetadataVerificationError(f"the image repository refused: {error}") from error
    except tuf_errors.DownloadError as error:
        raise RepositoryUnavailableError(f"the image repository cannot be reached: {error}") from error
    if image_target is None:
        raise RepositoryMismatchError(
            f"the director assigns {target.path} to ECU {secondary.serial}, "
            "but the image repository does not list it"
        )
    shared = set(target.hashes) & set(image_target.hashes)
    if (
        "sha256" not in shared
        or image_target.length != target.length
        or any(target.hashes[algorithm] != image_target.hashes[algorithm] for algorithm in shared)
    ):
        raise RepositoryMismatchError(
            f"the director and the image repository disagree on {target.path}: "
            f"{target.length} bytes, sha256 {target.hashes.get('sha256', '?')[:16]}… against "
            f"{image_target.length} bytes, sha256 {image_target.hashes.get('sha256', '?')[:16]}…"
        )
    try:
        release = Release.from_target(image_target, what="the image repository")
    except OtaInputError as error:
        raise MetadataVerificationError(str(error)) from error
    if release.hardware_id != secondary.hardware_id:
        raise HardwareIdMismatchError(
            f"{target.path} is released for hardware {release.hardware_id!r}; ECU {secondary.serial} "
            f"is {secondary.hardware_id!r}"
        )
    if release.version != instruction.version or release.kind is not instruction.kind:
        raise RepositoryMismatchError(
            f"{target.path}: the director says {instruction.kind.value} {instruction.version}, the image "
            f"repository {release.kind.value} {release.version}"
        )
    return image_target
