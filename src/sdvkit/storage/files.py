"""Atomic file writes: the old content or the new one, never a mix, even if the process dies."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sdvkit.storage.paths import StorageError


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same directory, fsynced,
    then renamed over ``path`` (and the directory fsynced), so a crash leaves the old file."""
    target = Path(path)
    directory = target.parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise StorageError(f"cannot write {target}: {error.strerror or error}") from error
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise StorageError(f"cannot write {target}: {error.strerror or error}") from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        directory_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # some file systems cannot open directories; the rename itself is atomic
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """:func:`atomic_write_bytes` for text."""
    atomic_write_bytes(path, text.encode(encoding))
