"""The data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "SDVKIT_DATA_DIR"


class StorageError(OSError):
    """The data directory or a file in it cannot be used."""


def data_dir(override: str | os.PathLike[str] | None = None, *, create: bool = True) -> Path:
    """The data directory: ``override``, else ``$SDVKIT_DATA_DIR``, else the user data directory.

    With ``create`` it is made if missing; a path that exists but is not a directory is an error.
    """
    if override is not None:
        path = Path(override)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        path = Path(platformdirs.user_data_dir("sdvkit", appauthor=False))
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise StorageError(f"data directory {path} exists but is not a directory")
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"cannot create the data directory {path}: {error.strerror or error}"
            ) from error
    return path
