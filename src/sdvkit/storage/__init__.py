"""Where sdvkit keeps its data, and how it writes files so that a crash never leaves half a file.

Everything persistent (diagnostic trouble codes, update slots and metadata, profiles, …) lives
under one data directory: ``--data-dir`` where a command offers it, else ``$SDVKIT_DATA_DIR``, else
the platform's user data directory (``~/.local/share/sdvkit`` on Linux).
"""

from sdvkit.storage.files import atomic_write_bytes, atomic_write_text
from sdvkit.storage.paths import DATA_DIR_ENV, StorageError, data_dir

__all__ = ["DATA_DIR_ENV", "StorageError", "atomic_write_bytes", "atomic_write_text", "data_dir"]
