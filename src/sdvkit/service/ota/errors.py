"""Errors of :mod:`sdvkit.service.ota`.

One hierarchy, so callers can catch the family or the exact case::

    OtaError
    ├── OtaInputError              bad input: a malformed id, version, file or metadata; nothing changed
    │   ├── UnknownVehicleError    the director's inventory has no vehicle with that VIN
    │   ├── UnknownEcuError        the vehicle has no ECU (or app slot) with that id
    │   ├── UnknownReleaseError    the image repository has no image of that version for that hardware
    │   └── AppPackageError        an app package is malformed, or its class is not a usable VehicleApp
    ├── UpdateRejectedError        an update failed verification: nothing was installed (REJECTED)
    │   ├── MetadataVerificationError   TUF refused metadata: signature, version (rollback,
    │   │                               mix-and-match), expiry (freeze), size, or a malformed file
    │   ├── ImageVerificationError      an image's length or hashes do not match (tampered, endless data)
    │   ├── RepositoryMismatchError     the director and the image repository disagree on an image
    │   ├── HardwareIdMismatchError     an image is not for this ECU's hardware
    │   └── DowngradeRefusedError       an image is older than what the ECU runs
    ├── RepositoryUnavailableError  a repository could not be reached or read (not an attack: FAILED)
    ├── InstallError               writing a slot or its state failed
    ├── HealthCheckError           the new software booted but failed its health check (→ rollback)
    └── VersionReportError         a version report or vehicle manifest is malformed, unsigned, signed by
                                   an unknown key, or replayed; the director records nothing

Errors of python-tuf and securesystemslib are translated at the boundary with ``raise … from``,
so the original error stays attached as ``__cause__``.
"""

from __future__ import annotations


class OtaError(Exception):
    """Base of every error raised by :mod:`sdvkit.service.ota`."""


class OtaInputError(OtaError, ValueError):
    """Bad input: a malformed id, version, file or metadata. Nothing was changed."""


class UnknownVehicleError(OtaInputError, LookupError):
    """The director's inventory has no vehicle with this VIN."""


class UnknownEcuError(OtaInputError, LookupError):
    """The vehicle has no ECU (or app slot) with this id."""


class UnknownReleaseError(OtaInputError, LookupError):
    """The image repository has no image of this version for this hardware."""


class AppPackageError(OtaInputError):
    """An app package is malformed, or its class is not a usable VehicleApp."""


class UpdateRejectedError(OtaError):
    """An update failed verification; nothing was installed and the old software keeps running."""


class MetadataVerificationError(UpdateRejectedError):
    """TUF refused metadata: bad signature, older version, expired, too large or malformed."""


class ImageVerificationError(UpdateRejectedError):
    """An image's length or hashes do not match its metadata (tampered, or endless data)."""


class RepositoryMismatchError(UpdateRejectedError):
    """The director and the image repository disagree on an image (Uptane's cross-check)."""


class HardwareIdMismatchError(UpdateRejectedError):
    """An image names other hardware than the ECU it is meant for."""


class DowngradeRefusedError(UpdateRejectedError):
    """An image is older than the software the ECU runs (anti-rollback)."""


class RepositoryUnavailableError(OtaError):
    """A repository could not be reached or read: the update failed but was not an attack."""


class InstallError(OtaError):
    """Writing a slot or its state failed."""


class HealthCheckError(OtaError):
    """The new software booted but failed its health check; the ECU rolls back."""


class VersionReportError(OtaError):
    """A version report or vehicle manifest is malformed, badly signed or replayed."""
