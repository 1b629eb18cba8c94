"""A/B slots of one ECU, on disk: install into the inactive slot, trial-boot, commit or roll back.

The directory holds ``slot-A.bin``, ``slot-B.bin`` and ``state.json``. The state says which slot
is committed (known good), which one (if any) is pending (installed, not yet proven), which one
booted, and the boot counter. Every file is replaced atomically (temporary file, fsync, rename),
and the state is written only after the slot it points at is complete, so a process killed at
any moment leaves either the old state (the old slot boots) or the new one::

    install   → the image goes into the inactive slot; state: pending = that slot, boot count 0
    boot      → pending? boot count + 1; above the limit → roll back; else trial-boot the pending slot
    commit    → the health check passed: pending becomes committed
    rollback  → the health check failed (or the counter ran out): the committed slot boots again

This is U-Boot's bootcount/altbootcmd pattern, with the userspace "mark good" as ``commit``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdvkit.service.ota.errors import InstallError, OtaInputError
from sdvkit.service.ota.identifiers import parse_version
from sdvkit.storage import StorageError, atomic_write_bytes, atomic_write_text

__all__ = ["SLOTS", "BootRecord", "InstallProgress", "SlotContent", "SlotPolicy", "SlotState", "SlotStore"]

SLOTS = ("A", "B")
STATE_FILE = "state.json"
_COPY_CHUNK_BYTES = 1 << 20
_TEMPORARY_PREFIX = ".slot-"

InstallProgress = Callable[[int, int], None]
"""Called after each chunk written to a slot: ``(bytes written, total bytes)``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotPolicy:
    """When the bootloader gives up on new software."""

    max_boot_attempts: int = 3
    """Trial boots without a commit before the old slot boots again."""

    def __post_init__(self) -> None:
        if isinstance(self.max_boot_attempts, bool) or not (
            isinstance(self.max_boot_attempts, int) and self.max_boot_attempts >= 1
        ):
            raise OtaInputError(
                f"max_boot_attempts must be a whole number of 1 or more, not {self.max_boot_attempts!r}"
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotContent:
    """What a slot holds: a version of an image, its hash and length, the target it came from."""

    version: str
    sha256: str
    length: int
    target_path: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotState:
    """The persistent state of an ECU's slots (``state.json``)."""

    committed_slot: str
    pending_slot: str | None
    booted_slot: str
    boot_count: int
    contents: dict[str, SlotContent | None]
    last_result: str = "NONE"
    last_error: str = ""
    failed_images: tuple[str, ...] = ()
    report_counter: int = 0
    director_targets_version: int = 0

    @property
    def trial(self) -> bool:
        """True while the pending slot is the one running, not yet committed."""
        return self.pending_slot is not None and self.booted_slot == self.pending_slot

    @property
    def running(self) -> SlotContent | None:
        """What the booted slot holds (None: an app slot with nothing installed yet)."""
        return self.contents[self.booted_slot]

    @property
    def committed(self) -> SlotContent | None:
        return self.contents[self.committed_slot]

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["failed_images"] = list(self.failed_images)
        return json.dumps({"format": 1, **data}, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, what: str) -> SlotState:
        try:
            data: Any = json.loads(text)
            if not isinstance(data, dict) or data.pop("format", None) != 1:
                raise ValueError("not a format-1 slot state")
            contents = {
                slot: None if data["contents"][slot] is None else SlotContent(**data["contents"][slot])
                for slot in SLOTS
            }
            data["contents"] = contents
            data["failed_images"] = tuple(data.get("failed_images", ()))
            state = cls(**data)
        except (ValueError, KeyError, TypeError) as error:
            raise InstallError(f"the slot state {what} is corrupt: {error}") from error
        for name in ("committed_slot", "booted_slot"):
            if getattr(state, name) not in SLOTS:
                raise InstallError(f"the slot state {what} is corrupt: {name} is {getattr(state, name)!r}")
        if state.pending_slot not in (None, *SLOTS):
            raise InstallError(f"the slot state {what} is corrupt: pending_slot is {state.pending_slot!r}")
        return state


@dataclass(frozen=True, kw_only=True, slots=True)
class BootRecord:
    """What a boot did."""

    slot: str
    version: str | None
    trial: bool
    """The pending slot booted on trial: a health check must commit it."""
    rolled_back: bool = False
    """The boot counter ran out and the committed slot booted instead."""
    reason: str = ""


def _other(slot: str) -> str:
    return SLOTS[1 - SLOTS.index(slot)]


class SlotStore:
    """The A/B slots of one ECU in ``directory``."""

    def __init__(self, directory: Path, *, policy: SlotPolicy | None = None) -> None:
        self.directory = directory
        self.policy = policy or SlotPolicy()
        if not self.state_path.is_file():
            raise InstallError(f"{directory} holds no slot state: the ECU was never provisioned")

    def __repr__(self) -> str:
        return f"SlotStore({self.directory})"

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        factory_image: bytes | None,
        factory_content: SlotContent | None,
        policy: SlotPolicy | None = None,
    ) -> SlotStore:
        """Provision slot A with the factory image (or nothing, for an empty app slot)."""
        if (directory / STATE_FILE).exists():
            raise OtaInputError(f"{directory} is already provisioned")
        if (factory_image is None) != (factory_content is None):
            raise OtaInputError("give both the factory image and its content record, or neither")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if factory_image is not None:
                atomic_write_bytes(directory / "slot-A.bin", factory_image)
            state = SlotState(
                committed_slot="A",
                pending_slot=None,
                booted_slot="A",
                boot_count=0,
                contents={"A": factory_content, "B": None},
            )
            atomic_write_text(directory / STATE_FILE, state.to_json())
        except (OSError, StorageError) as error:
            raise InstallError(f"cannot provision the slots in {directory}: {error}") from error
        return cls(directory, policy=policy)

    @property
    def state_path(self) -> Path:
        return self.directory / STATE_FILE

    def slot_path(self, slot: str) -> Path:
        if slot not in SLOTS:
            raise OtaInputError(f"slot {slot!r} is not one of {', '.join(SLOTS)}")
        return self.directory / f"slot-{slot}.bin"

    def state(self) -> SlotState:
        """The state as on disk now (the file is the truth: another process may have changed it)."""
        try:
            text = self.state_path.read_text(encoding="utf-8")
        except OSError as error:
            raise InstallError(f"cannot read {self.state_path}: {error.strerror or error}") from error
        return SlotState.from_json(text, what=str(self.state_path))

    def _save(self, state: SlotState) -> SlotState:
        try:
            atomic_write_text(self.state_path, state.to_json())
        except StorageError as error:
            raise InstallError(f"cannot write the slot state: {error}") from error
        return state

    def update(self, **changes: Any) -> SlotState:
        """Write the state with ``changes`` applied (bookkeeping: counters, versions seen)."""
        return self._save(dataclasses.replace(self.state(), **changes))

    # -- install -------------------------------------------------------------------------------

    def write_inactive(
        self, image: Path, content: SlotContent, *, progress: InstallProgress | None = None
    ) -> str:
        """Copy ``image`` into the inactive slot and mark it pending; return the slot's name.

        The copy is hashed as it is written and must match ``content.sha256``; it becomes the slot
        file only when complete (rename), and the state names it pending only after that.
        """
        state = self.state()
        if state.trial:
            raise InstallError(
                f"{self.directory}: slot {state.booted_slot} is on trial; "
                "commit or roll back before installing"
            )
        if state.committed is not None and parse_version(content.version) <= parse_version(
            state.committed.version
        ):
            raise InstallError(
                f"{self.directory}: version {content.version} is not newer than the installed "
                f"{state.committed.version}"
            )
        slot = _other(state.committed_slot)
        if state.pending_slot is not None:  # installed but never booted: start over
            state = self._save(
                dataclasses.replace(state, pending_slot=None, contents={**state.contents, slot: None})
            )
        self._copy_into(self.slot_path(slot), image, content, progress)
        self._save(
            dataclasses.replace(
                state, pending_slot=slot, boot_count=0, contents={**state.contents, slot: content}
            )
        )
        return slot

    def _copy_into(
        self, slot_file: Path, image: Path, content: SlotContent, progress: InstallProgress | None
    ) -> None:
        digest = hashlib.sha256()
        written = 0
        try:
            fd, temporary = tempfile.mkstemp(prefix=f"{_TEMPORARY_PREFIX}", suffix=".tmp", dir=self.directory)
        except OSError as error:
            raise InstallError(f"cannot write to {self.directory}: {error.strerror or error}") from error
        try:
            with os.fdopen(fd, "wb") as destination, image.open("rb") as source:
                while chunk := source.read(_COPY_CHUNK_BYTES):
                    destination.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    if progress is not None:
                        progress(written, content.length)
                destination.flush()
                os.fsync(destination.fileno())
            if written != content.length or digest.hexdigest() != content.sha256:
                raise InstallError(
                    f"the image written to {slot_file.name} has {written} bytes and sha256 "
                    f"{digest.hexdigest()[:16]}…, not the {content.length} bytes and {content.sha256[:16]}… "
                    "it was verified with"
                )
            os.replace(temporary, slot_file)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise InstallError(f"cannot write {slot_file}: {error.strerror or error}") from error
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(self.directory)

    # -- boot, commit, rollback ----------------------------------------------------------------

    def boot(self) -> BootRecord:
        """What the bootloader does at power-on: count a trial boot, or fall back to the committed slot."""
        for leftover in self.directory.glob(f"{_TEMPORARY_PREFIX}*.tmp"):  # an install killed mid-copy
            leftover.unlink(missing_ok=True)
        state = self.state()
        pending = state.pending_slot
        if pending is None:
            if state.booted_slot != state.committed_slot:
                state = self._save(dataclasses.replace(state, booted_slot=state.committed_slot))
            committed = state.committed
            return BootRecord(
                slot=state.committed_slot, version=committed.version if committed else None, trial=False
            )
        boot_count = state.boot_count + 1
        if boot_count > self.policy.max_boot_attempts:
            reason = f"{state.boot_count} trial boots of slot {pending} without a successful health check"
            state = self.rollback(reason)
            committed = state.committed
            return BootRecord(
                slot=state.committed_slot,
                version=committed.version if committed else None,
                trial=False,
                rolled_back=True,
                reason=reason,
            )
        state = self._save(dataclasses.replace(state, boot_count=boot_count, booted_slot=pending))
        content = state.contents[pending]
        return BootRecord(slot=pending, version=content.version if content else None, trial=True)

    def commit(self) -> SlotState:
        """The trial boot passed its health check: the pending slot becomes the committed one."""
        state = self.state()
        if not state.trial or state.pending_slot is None:
            raise InstallError(f"{self.directory}: nothing to commit (no slot is on trial)")
        return self._save(
            dataclasses.replace(
                state,
                committed_slot=state.pending_slot,
                pending_slot=None,
                boot_count=0,
                last_result="SUCCESS",
                last_error="",
            )
        )

    def rollback(self, reason: str, *, image_failed: bool = True) -> SlotState:
        """Drop the pending slot and boot the committed one.

        With ``image_failed`` the image is remembered as failed and not tried again; without, it
        was sound but rolled back with the rest of its bundle.
        """
        state = self.state()
        failed = state.failed_images
        if state.pending_slot is not None and image_failed:
            content = state.contents[state.pending_slot]
            if content is not None and content.sha256 not in failed:
                failed = (*failed, content.sha256)
        return self._save(
            dataclasses.replace(
                state,
                pending_slot=None,
                booted_slot=state.committed_slot,
                boot_count=0,
                last_result="ROLLED_BACK",
                last_error=reason,
                failed_images=failed,
            )
        )

    def discard_pending(self) -> SlotState:
        """Forget an installed image that never booted (another ECU of the bundle was refused)."""
        state = self.state()
        if state.pending_slot is None or state.trial:
            return state
        return self._save(dataclasses.replace(state, pending_slot=None))


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # some file systems cannot open directories; the rename itself is atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
