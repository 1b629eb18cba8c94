"""The python-tuf and securesystemslib names this package uses, imported in one place.

Both libraries re-export these names from private modules without marking them as re-exports,
which strict mypy refuses ("does not explicitly export"); the types themselves are intact. The
names are imported here once, under one targeted ignore per library, and re-exported
(``__all__``), so the rest of the package imports cleanly. (An ``implicit_reexport = true``
mypy override for ``tuf.*`` and ``securesystemslib.*`` in pyproject.toml would make this module
unnecessary.)
"""

from securesystemslib.signer import (  # type: ignore[attr-defined]
    CryptoSigner,
    Key,
    Signature,
    SSlibKey,
)
from tuf.api.metadata import (  # type: ignore[attr-defined]
    Metadata,
    MetaFile,
    Root,
    Signed,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.ngclient.fetcher import FetcherInterface
from tuf.ngclient.updater import Updater
from tuf.ngclient.urllib3_fetcher import Urllib3Fetcher

__all__ = [
    "CryptoSigner",
    "FetcherInterface",
    "Key",
    "MetaFile",
    "Metadata",
    "Root",
    "SSlibKey",
    "Signature",
    "Signed",
    "Snapshot",
    "TargetFile",
    "Targets",
    "Timestamp",
    "Updater",
    "Urllib3Fetcher",
]
