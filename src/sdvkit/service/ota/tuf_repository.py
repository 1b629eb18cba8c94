"""A TUF repository in a directory, written with python-tuf's Metadata API.

Both Uptane repositories are built on it: the image repository is one TUF repository; the
director keeps one per vehicle. The layout is what python-tuf's ``Updater`` expects with
consistent snapshots (the ``Root`` default)::

    metadata/1.root.json          the trust anchor a vehicle is provisioned with
    metadata/<v>.targets.json     every published version is kept (clients ask for them by version)
    metadata/<v>.snapshot.json
    metadata/timestamp.json       written last, atomically: a client sees the old release or the new
    targets/<dir>/<sha256>.<name> images, named by content hash (optional: the director has none)

The signing keys are held by the caller (:class:`RoleSigners`); the repository never writes them
into the served directories.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from sdvkit.service.ota._tuf import (
    CryptoSigner,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from sdvkit.service.ota.errors import OtaInputError
from sdvkit.service.ota.keys import load_or_generate_key
from sdvkit.storage import StorageError, atomic_write_bytes

__all__ = ["ROLES", "MetadataLifetimes", "RoleSigners", "TufRepository"]

ROLES = ("root", "targets", "snapshot", "timestamp")
"""The top-level TUF roles; each has its own key."""

_DAY_S = 86_400.0
_COPY_CHUNK_BYTES = 1 << 20
SignedT = TypeVar("SignedT", Root, Timestamp, Snapshot, Targets)


@dataclass(frozen=True, kw_only=True, slots=True)
class MetadataLifetimes:
    """How long each role's metadata stays valid after it is signed.

    The timestamp is short-lived on purpose: a client that is served a stale one (a freeze
    attack, or a repository that stopped publishing) notices within a day.
    """

    root_s: float = 365 * _DAY_S
    targets_s: float = 90 * _DAY_S
    snapshot_s: float = 7 * _DAY_S
    timestamp_s: float = 1 * _DAY_S

    def __post_init__(self) -> None:
        for name in ("root_s", "targets_s", "snapshot_s", "timestamp_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise OtaInputError(
                    f"metadata lifetime {name} must be a positive number of seconds, not {value!r}"
                )

    def expiry(self, role: str, now: datetime) -> datetime:
        """When metadata of ``role`` signed at ``now`` expires."""
        seconds: float = getattr(self, f"{role}_s")
        return now + timedelta(seconds=seconds)


@dataclass(frozen=True, kw_only=True, slots=True)
class RoleSigners:
    """One Ed25519 signer per top-level role."""

    root: CryptoSigner
    targets: CryptoSigner
    snapshot: CryptoSigner
    timestamp: CryptoSigner

    @classmethod
    def load_or_generate(cls, keys_dir: Path) -> RoleSigners:
        """The keys in ``keys_dir/<role>.pem``, made on first use."""
        return cls(**{role: load_or_generate_key(keys_dir / f"{role}.pem") for role in ROLES})

    def of(self, role: str) -> CryptoSigner:
        signer: CryptoSigner = getattr(self, role)
        return signer


def _now() -> datetime:
    return datetime.now(UTC)


def read_metadata(path: Path, signed_type: type[SignedT]) -> Metadata[SignedT]:
    """Metadata of the expected role from ``path``; OtaInputError naming the file otherwise."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OtaInputError(f"cannot read repository metadata {path}: {error.strerror or error}") from error
    try:
        metadata: Metadata[Any] = Metadata.from_bytes(data)
    except DeserializationError as error:
        raise OtaInputError(f"repository metadata {path} is malformed: {error}") from error
    if not isinstance(metadata.signed, signed_type):
        raise OtaInputError(f"{path} holds {metadata.signed.type} metadata, not {signed_type.type}")
    return metadata


class TufRepository:
    """One TUF repository: its metadata directory, its optional targets directory, its signers."""

    def __init__(
        self,
        metadata_dir: Path,
        targets_dir: Path | None,
        signers: RoleSigners,
        *,
        lifetimes: MetadataLifetimes | None = None,
    ) -> None:
        self.metadata_dir = metadata_dir
        self.targets_dir = targets_dir
        self.signers = signers
        self.lifetimes = lifetimes or MetadataLifetimes()
        if not (metadata_dir / "timestamp.json").exists():
            self._initialise()

    def __repr__(self) -> str:
        return f"TufRepository({self.metadata_dir})"

    # -- reading -------------------------------------------------------------------------------

    @property
    def root_path(self) -> Path:
        """The first root: the trust anchor clients are provisioned with."""
        return self.metadata_dir / "1.root.json"

    def root_bytes(self) -> bytes:
        try:
            return self.root_path.read_bytes()
        except OSError as error:
            raise OtaInputError(f"cannot read {self.root_path}: {error.strerror or error}") from error

    def current_targets(self) -> Metadata[Targets]:
        """The targets metadata the current timestamp and snapshot point at."""
        timestamp = read_metadata(self.metadata_dir / "timestamp.json", Timestamp)
        snapshot_version = timestamp.signed.snapshot_meta.version
        snapshot = read_metadata(self.metadata_dir / f"{snapshot_version}.snapshot.json", Snapshot)
        meta = snapshot.signed.meta.get("targets.json")
        if meta is None:
            raise OtaInputError(
                f"{self.metadata_dir}: snapshot v{snapshot_version} does not list targets.json"
            )
        return read_metadata(self.metadata_dir / f"{meta.version}.targets.json", Targets)

    def targets(self) -> dict[str, TargetFile]:
        """The current targets, by path."""
        return dict(self.current_targets().signed.targets)

    def stored_target_path(self, target: TargetFile) -> Path:
        """Where the content of ``target`` is stored (consistent-snapshot name: hash prefix)."""
        if self.targets_dir is None:
            raise OtaInputError(f"{self.metadata_dir}: this repository stores no target files")
        directory, _, name = target.path.rpartition("/")
        digest = target.hashes["sha256"]
        return self.targets_dir / directory / f"{digest}.{name}"

    # -- writing -------------------------------------------------------------------------------

    def store_target(self, target_path: str, source: Path, *, custom: Mapping[str, Any]) -> TargetFile:
        """Copy ``source`` into the targets directory under its hash; return its TargetFile.

        The file is copied and hashed in one pass, written to a temporary file, fsynced and
        renamed, so a half-copied image never appears under a hash name.
        """
        if self.targets_dir is None:
            raise OtaInputError(f"{self.metadata_dir}: this repository stores no target files")
        directory = (self.targets_dir / target_path).parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=".incoming.", suffix=".tmp", dir=directory)
        except OSError as error:
            raise OtaInputError(f"cannot store an image in {directory}: {error.strerror or error}") from error
        digest = hashlib.sha256()
        length = 0
        try:
            with os.fdopen(fd, "wb") as destination, source.open("rb") as origin:
                while chunk := origin.read(_COPY_CHUNK_BYTES):
                    digest.update(chunk)
                    length += len(chunk)
                    destination.write(chunk)
                destination.flush()
                os.fsync(destination.fileno())
            target = TargetFile(
                length=length,
                hashes={"sha256": digest.hexdigest()},
                path=target_path,
                unrecognized_fields={"custom": dict(custom)},
            )
            os.replace(temporary, self.stored_target_path(target))
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise OtaInputError(f"cannot store image {source}: {error.strerror or error}") from error
        return target

    def publish(self, targets: Mapping[str, TargetFile], *, now: datetime | None = None) -> int:
        """Sign and write a new release naming exactly ``targets``; return its targets version.

        Order: targets, snapshot, then the timestamp (atomically), so a client reading during
        the write sees the previous release or this one. ``now`` is when it is signed (expiries
        count from it): a past ``now`` publishes metadata that is already stale.
        """
        signed_at = now or _now()
        current = self.current_targets()
        metadata = Metadata(
            Targets(version=current.signed.version + 1, expires=self.lifetimes.expiry("targets", signed_at))
        )
        metadata.signed.targets = dict(targets)
        metadata.sign(self.signers.targets)
        self._write(f"{metadata.signed.version}.targets.json", metadata)
        timestamp = read_metadata(self.metadata_dir / "timestamp.json", Timestamp)
        snapshot = Metadata(
            Snapshot(
                version=timestamp.signed.snapshot_meta.version + 1,
                expires=self.lifetimes.expiry("snapshot", signed_at),
                meta={"targets.json": MetaFile(version=metadata.signed.version)},
            )
        )
        snapshot.sign(self.signers.snapshot)
        self._write(f"{snapshot.signed.version}.snapshot.json", snapshot)
        new_timestamp = Metadata(
            Timestamp(
                version=timestamp.signed.version + 1,
                expires=self.lifetimes.expiry("timestamp", signed_at),
                snapshot_meta=MetaFile(version=snapshot.signed.version),
            )
        )
        new_timestamp.sign(self.signers.timestamp)
        self._write("timestamp.json", new_timestamp)
        return metadata.signed.version

    def _initialise(self) -> None:
        """Write version 1 of every role: a root naming the four keys and an empty release."""
        signed_at = _now()
        try:
            self.metadata_dir.mkdir(parents=True, exist_ok=True)
            if self.targets_dir is not None:
                self.targets_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OtaInputError(f"cannot create {self.metadata_dir}: {error.strerror or error}") from error
        root = Metadata(Root(expires=self.lifetimes.expiry("root", signed_at)))
        for role in ROLES:
            root.signed.add_key(self.signers.of(role).public_key, role)
        root.sign(self.signers.root)
        targets = Metadata(Targets(expires=self.lifetimes.expiry("targets", signed_at)))
        targets.sign(self.signers.targets)
        snapshot = Metadata(Snapshot(expires=self.lifetimes.expiry("snapshot", signed_at)))
        snapshot.sign(self.signers.snapshot)
        timestamp = Metadata(Timestamp(expires=self.lifetimes.expiry("timestamp", signed_at)))
        timestamp.sign(self.signers.timestamp)
        self._write("1.root.json", root)
        self._write("root.json", root)
        self._write("1.targets.json", targets)
        self._write("1.snapshot.json", snapshot)
        self._write("timestamp.json", timestamp)

    def _write(self, name: str, metadata: Metadata[Any]) -> None:
        try:
            atomic_write_bytes(self.metadata_dir / name, metadata.to_bytes(JSONSerializer(compact=False)))
        except StorageError as error:
            raise OtaInputError(f"cannot write repository metadata: {error}") from error
