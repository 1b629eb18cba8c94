"""Secondaries: the ECUs that install what the primary hands them, after checking it themselves.

:class:`Secondary` is the boundary a real ECU sits behind (for instance a UDS-flash-backed one:
RequestDownload/TransferData into its inactive bank). Its public :meth:`Secondary.install` is a
template method: it does Uptane's *partial verification* itself (the director's targets must be
signed by the director's targets key of the root the ECU was provisioned with, unexpired, not
older than the last it saw, and must name this ECU's serial and hardware id), checks the image
against that instruction and refuses a downgrade, and only then calls the hook
:meth:`Secondary._install`. The other hooks boot, health-check, commit and roll back.

:class:`InProcessSecondary` implements the hooks on :class:`~sdvkit.service.ota.slots.SlotStore`:
A/B slot files in the vehicle's data directory.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.serialization import DeserializationError

from sdvkit.service.ota._tuf import CryptoSigner, Key, Metadata, Root, TargetFile, Targets
from sdvkit.service.ota.errors import (
    DowngradeRefusedError,
    HardwareIdMismatchError,
    HealthCheckError,
    ImageVerificationError,
    MetadataVerificationError,
    OtaInputError,
)
from sdvkit.service.ota.identifiers import check_app_name, parse_version
from sdvkit.service.ota.image_repository import ImageKind
from sdvkit.service.ota.reports import EcuReport, make_ecu_report
from sdvkit.service.ota.slots import BootRecord, InstallProgress, SlotContent, SlotStore

__all__ = [
    "HealthCheck",
    "InProcessSecondary",
    "InstalledSoftware",
    "Instruction",
    "Secondary",
    "check_slot_integrity",
    "instruction_for",
]

HealthCheck = Callable[[Path, SlotContent], None]
"""Checks freshly booted software (its slot file and what it should hold); raises HealthCheckError."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Instruction:
    """The director's verified instruction to one ECU: install this image."""

    target_path: str
    version: str
    kind: ImageKind
    length: int
    sha256: str
    app_name: str | None
    director_targets_version: int


@dataclass(frozen=True, kw_only=True, slots=True)
class InstalledSoftware:
    """What an ECU holds and runs."""

    ecu_id: str
    serial: str
    hardware_id: str
    version: str | None
    sha256: str | None
    committed_slot: str
    booted_slot: str
    pending_slot: str | None
    last_result: str
    last_error: str
    failed_images: tuple[str, ...]


def instruction_for(
    target: TargetFile, *, serial: str, hardware_id: str, targets_version: int
) -> Instruction:
    """Read the director's target for the ECU ``serial``: it must name that ECU and its hardware."""
    what = f"director target {target.path}"
    custom: Any = target.custom
    identifiers = custom.get("ecu_identifiers") if isinstance(custom, dict) else None
    if not isinstance(identifiers, dict):
        raise MetadataVerificationError(f"{what} has no 'ecu_identifiers'")
    named = identifiers.get(serial)
    if not isinstance(named, dict):
        raise MetadataVerificationError(f"{what} is not addressed to ECU {serial}")
    if named.get("hardware_id") != hardware_id:
        raise HardwareIdMismatchError(
            f"{what} is for hardware {named.get('hardware_id')!r}; ECU {serial} is {hardware_id!r}"
        )
    sha256 = target.hashes.get("sha256")
    try:
        kind = ImageKind(custom.get("kind"))
        version = custom.get("version")
        parse_version(version)
        app_name = check_app_name(custom.get("app")) if kind is ImageKind.APP else None
    except (OtaInputError, ValueError) as error:
        raise MetadataVerificationError(f"{what}: {error}") from error
    if sha256 is None:
        raise MetadataVerificationError(f"{what} has no sha256 hash")
    assert isinstance(version, str)
    return Instruction(
        target_path=target.path,
        version=version,
        kind=kind,
        length=target.length,
        sha256=sha256,
        app_name=app_name,
        director_targets_version=targets_version,
    )


def check_slot_integrity(slot_file: Path, content: SlotContent) -> None:
    """The slot still holds the bytes that were verified (a flash that changed is unhealthy)."""
    digest = hashlib.sha256()
    try:
        with slot_file.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
    except OSError as error:
        raise HealthCheckError(f"cannot read {slot_file}: {error.strerror or error}") from error
    if digest.hexdigest() != content.sha256:
        raise HealthCheckError(f"{slot_file} does not hold the verified image of version {content.version}")


class Secondary(ABC):
    """An ECU behind the primary. Subclasses implement the hooks; verification is done here."""

    def __init__(
        self, *, ecu_id: str, serial: str, hardware_id: str, signer: CryptoSigner, director_root: bytes
    ) -> None:
        self.ecu_id = ecu_id
        self.serial = serial
        self.hardware_id = hardware_id
        self._signer = signer
        try:
            root: Metadata[Any] = Metadata.from_bytes(director_root)
        except DeserializationError as error:
            raise OtaInputError(f"ECU {serial}: the director root it trusts is malformed: {error}") from error
        if not isinstance(root.signed, Root):
            raise OtaInputError(f"ECU {serial}: the director trust anchor is {root.signed.type}, not root")
        self._director_root: Root = root.signed

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.serial}, {self.hardware_id})"

    @property
    def public_key(self) -> Key:
        """The key its version reports are signed with (registered with the director)."""
        return self._signer.public_key

    # -- template methods ----------------------------------------------------------------------

    def verify_instruction(
        self, director_targets: bytes, target_path: str, *, now: datetime | None = None
    ) -> Instruction:
        """Uptane partial verification of the director's targets, for this ECU and ``target_path``."""
        what = f"ECU {self.serial}"
        try:
            metadata: Metadata[Any] = Metadata.from_bytes(director_targets)
        except DeserializationError as error:
            raise MetadataVerificationError(
                f"{what}: the director's targets are malformed: {error}"
            ) from error
        if not isinstance(metadata.signed, Targets):
            raise MetadataVerificationError(
                f"{what}: expected the director's targets, got {metadata.signed.type}"
            )
        try:
            self._director_root.verify_delegate("targets", metadata.signed_bytes, metadata.signatures)
        except UnsignedMetadataError as error:
            raise MetadataVerificationError(
                f"{what}: the director's targets are not signed by the director's targets key: {error}"
            ) from error
        if metadata.signed.is_expired(now or datetime.now(UTC)):
            raise MetadataVerificationError(
                f"{what}: the director's targets expired at {metadata.signed.expires.isoformat()}"
            )
        last_seen = self._last_director_targets_version()
        if metadata.signed.version < last_seen:
            raise MetadataVerificationError(
                f"{what}: the director's targets are version {metadata.signed.version}, older than the "
                f"version {last_seen} this ECU already saw"
            )
        target = metadata.signed.targets.get(target_path)
        if target is None:
            raise MetadataVerificationError(f"{what}: the director's targets do not list {target_path}")
        return instruction_for(
            target, serial=self.serial, hardware_id=self.hardware_id, targets_version=metadata.signed.version
        )

    def install(
        self,
        image: Path,
        *,
        director_targets: bytes,
        target_path: str,
        progress: InstallProgress | None = None,
        now: datetime | None = None,
    ) -> Instruction:
        """Verify the instruction and the image, then install it into the inactive slot (pending)."""
        instruction = self.verify_instruction(director_targets, target_path, now=now)
        _check_image(image, instruction, what=f"ECU {self.serial}")
        installed = self.installed()
        if installed.version is not None and parse_version(instruction.version) <= parse_version(
            installed.version
        ):
            raise DowngradeRefusedError(
                f"ECU {self.serial} runs {installed.version}; it refuses {instruction.version} (not newer)"
            )
        self._install(image, instruction, progress)
        self._record_director_targets_version(instruction.director_targets_version)
        return instruction

    def version_report(self, *, now: datetime | None = None) -> dict[str, Any]:
        """A signed report of what this ECU runs, with a counter that never repeats."""
        installed = self.installed()
        return make_ecu_report(
            self._signer,
            EcuReport(
                ecu_serial=self.serial,
                hardware_id=self.hardware_id,
                version=installed.version,
                sha256=installed.sha256,
                active_slot=installed.booted_slot,
                last_result=installed.last_result,
                report_counter=self._next_report_counter(),
                time=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
            ),
        )

    # -- hooks ---------------------------------------------------------------------------------

    @abstractmethod
    def installed(self) -> InstalledSoftware:
        """What the ECU holds and runs now."""

    @abstractmethod
    def _install(self, image: Path, instruction: Instruction, progress: InstallProgress | None) -> None:
        """Write the verified image into the inactive slot and mark it pending."""

    @abstractmethod
    def boot(self) -> BootRecord:
        """Reboot: trial-boot a pending slot, or fall back when the boot counter runs out."""

    @abstractmethod
    def health_check(self) -> None:
        """Check the software that booted; raise HealthCheckError if it is not healthy."""

    @abstractmethod
    def commit(self) -> None:
        """Mark the trial slot good."""

    @abstractmethod
    def rollback(self, reason: str, *, image_failed: bool = True) -> None:
        """Give up on the pending slot and boot the committed one.

        ``image_failed``: the image itself failed (do not try it again), rather than another
        ECU of its bundle.
        """

    @abstractmethod
    def discard_pending(self) -> None:
        """Forget an installed image that has not booted (its bundle was abandoned)."""

    @abstractmethod
    def _last_director_targets_version(self) -> int: ...

    @abstractmethod
    def _record_director_targets_version(self, version: int) -> None: ...

    @abstractmethod
    def _next_report_counter(self) -> int: ...


def _check_image(image: Path, instruction: Instruction, *, what: str) -> None:
    digest = hashlib.sha256()
    length = 0
    try:
        with image.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
                length += len(chunk)
                if length > instruction.length:
                    break
    except OSError as error:
        raise ImageVerificationError(
            f"{what}: cannot read the image {image}: {error.strerror or error}"
        ) from error
    if length != instruction.length or digest.hexdigest() != instruction.sha256:
        raise ImageVerificationError(
            f"{what}: the image for {instruction.target_path} does not match the director's length and hash"
        )


class InProcessSecondary(Secondary):
    """A simulated ECU whose flash is two slot files in the vehicle's data directory."""

    def __init__(
        self,
        *,
        ecu_id: str,
        serial: str,
        hardware_id: str,
        signer: CryptoSigner,
        director_root: bytes,
        slots: SlotStore,
        health_check: HealthCheck | None = None,
    ) -> None:
        super().__init__(
            ecu_id=ecu_id, serial=serial, hardware_id=hardware_id, signer=signer, director_root=director_root
        )
        self.slots = slots
        self._health_check = health_check

    def installed(self) -> InstalledSoftware:
        state = self.slots.state()
        running = state.running
        return InstalledSoftware(
            ecu_id=self.ecu_id,
            serial=self.serial,
            hardware_id=self.hardware_id,
            version=running.version if running else None,
            sha256=running.sha256 if running else None,
            committed_slot=state.committed_slot,
            booted_slot=state.booted_slot,
            pending_slot=state.pending_slot,
            last_result=state.last_result,
            last_error=state.last_error,
            failed_images=state.failed_images,
        )

    def running_slot_file(self) -> Path | None:
        """The file of the slot that booted, or None if it holds nothing (an empty app slot)."""
        state = self.slots.state()
        return self.slots.slot_path(state.booted_slot) if state.running is not None else None

    def _install(self, image: Path, instruction: Instruction, progress: InstallProgress | None) -> None:
        content = SlotContent(
            version=instruction.version,
            sha256=instruction.sha256,
            length=instruction.length,
            target_path=instruction.target_path,
        )
        self.slots.write_inactive(image, content, progress=progress)

    def boot(self) -> BootRecord:
        return self.slots.boot()

    def health_check(self) -> None:
        state = self.slots.state()
        content = state.running
        if content is None:
            return  # an empty app slot: nothing runs, nothing can fail
        slot_file = self.slots.slot_path(state.booted_slot)
        check_slot_integrity(slot_file, content)
        if self._health_check is not None:
            self._health_check(slot_file, content)

    def commit(self) -> None:
        self.slots.commit()

    def rollback(self, reason: str, *, image_failed: bool = True) -> None:
        self.slots.rollback(reason, image_failed=image_failed)

    def discard_pending(self) -> None:
        self.slots.discard_pending()

    def _last_director_targets_version(self) -> int:
        return self.slots.state().director_targets_version

    def _record_director_targets_version(self, version: int) -> None:
        self.slots.update(director_targets_version=max(version, self._last_director_targets_version()))

    def _next_report_counter(self) -> int:
        return self.slots.update(report_counter=self.slots.state().report_counter + 1).report_counter
