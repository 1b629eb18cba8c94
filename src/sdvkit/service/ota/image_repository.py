"""Uptane's image repository: every released image, signed with (notionally offline) keys.

Releases are published here by the OEM or a supplier and never change: one image per hardware
id and version. Each target is ``<hardware id>/<version>/<file name>`` and carries, in its
``custom`` field, what the vehicle checks before installing it::

    {"hardware_id": "SDVK-PT-HW2", "version": "1.1.0", "kind": "firmware"}
    {"hardware_id": "sdvkit-app.hello", "version": "2.0.0", "kind": "app", "app": "hello"}

The directory holds ``metadata/`` and ``targets/`` (served to vehicles) and ``keys/`` (never
served; a production repository keeps its root and targets keys offline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sdvkit.service.ota._tuf import TargetFile
from sdvkit.service.ota.errors import OtaInputError, UnknownReleaseError
from sdvkit.service.ota.identifiers import (
    check_app_name,
    check_hardware_id,
    parse_version,
)
from sdvkit.service.ota.tuf_repository import MetadataLifetimes, RoleSigners, TufRepository

__all__ = ["ImageKind", "ImageRepository", "Release"]

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ImageKind(StrEnum):
    """What an image is: an ECU's firmware, or a vehicle app package."""

    FIRMWARE = "firmware"
    APP = "app"


@dataclass(frozen=True, kw_only=True, slots=True)
class Release:
    """One published image, as the image repository's targets metadata describes it."""

    target_path: str
    hardware_id: str
    version: str
    kind: ImageKind
    length: int
    sha256: str
    app_name: str | None = None

    @classmethod
    def from_target(cls, target: TargetFile, *, what: str) -> Release:
        """Read a target's custom fields; OtaInputError naming ``what`` if one is missing or bad."""
        custom: Any = target.custom
        if not isinstance(custom, dict):
            raise OtaInputError(f"{what}: target {target.path} has no 'custom' object")
        try:
            kind = ImageKind(str(custom.get("kind")))
        except ValueError as error:
            raise OtaInputError(
                f"{what}: target {target.path} has kind {custom.get('kind')!r}, "
                f"not one of {', '.join(kind.value for kind in ImageKind)}"
            ) from error
        sha256 = target.hashes.get("sha256")
        if sha256 is None:
            raise OtaInputError(f"{what}: target {target.path} has no sha256 hash")
        try:
            hardware_id = check_hardware_id(custom.get("hardware_id"))
            version = custom.get("version")
            parse_version(version)
            app_name = check_app_name(custom.get("app")) if kind is ImageKind.APP else None
        except OtaInputError as error:
            raise OtaInputError(f"{what}: target {target.path}: {error}") from error
        assert isinstance(version, str)
        return cls(
            target_path=target.path,
            hardware_id=hardware_id,
            version=version,
            kind=kind,
            length=target.length,
            sha256=sha256,
            app_name=app_name,
        )


class ImageRepository:
    """The image repository in ``directory`` (made on first use): publish and look up releases."""

    def __init__(self, directory: Path, *, lifetimes: MetadataLifetimes | None = None) -> None:
        self.directory = directory
        self.repository = TufRepository(
            directory / "metadata",
            directory / "targets",
            RoleSigners.load_or_generate(directory / "keys"),
            lifetimes=lifetimes,
        )

    def __repr__(self) -> str:
        return f"ImageRepository({self.directory})"

    @property
    def metadata_dir(self) -> Path:
        return self.repository.metadata_dir

    @property
    def targets_dir(self) -> Path:
        targets_dir = self.repository.targets_dir
        assert targets_dir is not None
        return targets_dir

    def root_bytes(self) -> bytes:
        """The first root metadata: what vehicles are provisioned to trust."""
        return self.repository.root_bytes()

    def publish(
        self,
        image: Path,
        *,
        hardware_id: str,
        version: str,
        kind: ImageKind = ImageKind.FIRMWARE,
        app_name: str | None = None,
        now: datetime | None = None,
    ) -> Release:
        """Add ``image`` as the release ``version`` for ``hardware_id`` and sign a new release.

        A release never changes: publishing the same hardware id and version twice is refused.
        """
        check_hardware_id(hardware_id)
        parse_version(version)
        if kind is ImageKind.APP:
            if app_name is None:
                raise OtaInputError("an app package needs its app name")
            check_app_name(app_name)
        elif app_name is not None:
            raise OtaInputError(f"app name {app_name!r} given for a firmware image")
        if not image.is_file():
            raise OtaInputError(f"image {image} is not a file")
        if image.stat().st_size == 0:
            raise OtaInputError(f"image {image} is empty")
        file_name = image.name if _FILE_NAME.match(image.name) else "image.bin"
        targets = self.repository.targets()
        existing = [
            r for r in self._releases(targets) if r.hardware_id == hardware_id and r.version == version
        ]
        if existing:
            raise OtaInputError(
                f"version {version} for hardware {hardware_id} is already published "
                f"({existing[0].target_path}); a release never changes, publish a new version"
            )
        custom: dict[str, Any] = {"hardware_id": hardware_id, "version": version, "kind": kind.value}
        if app_name is not None:
            custom["app"] = app_name
        target = self.repository.store_target(f"{hardware_id}/{version}/{file_name}", image, custom=custom)
        targets[target.path] = target
        self.repository.publish(targets, now=now)
        return Release.from_target(target, what=str(self.metadata_dir))

    def releases(self, hardware_id: str | None = None) -> list[Release]:
        """Every release (for one hardware id, if given), oldest version first."""
        releases = self._releases(self.repository.targets())
        if hardware_id is not None:
            releases = [release for release in releases if release.hardware_id == hardware_id]
        return sorted(releases, key=lambda release: (release.hardware_id, parse_version(release.version)))

    def find(self, hardware_id: str, version: str) -> Release:
        """The release ``version`` for ``hardware_id``; UnknownReleaseError listing what there is."""
        parse_version(version)
        candidates = self.releases(hardware_id)
        for release in candidates:
            if parse_version(release.version) == parse_version(version):
                return release
        known = ", ".join(release.version for release in candidates) or "none"
        raise UnknownReleaseError(
            f"the image repository has no version {version} for hardware {hardware_id} (published: {known})"
        )

    def _releases(self, targets: dict[str, TargetFile]) -> list[Release]:
        return [Release.from_target(target, what=str(self.metadata_dir)) for target in targets.values()]
