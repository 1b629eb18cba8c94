"""Secure over-the-air updates: TUF repositories split the Uptane way, A/B slots, signed reports.

The parts, each in its own module:

- :class:`ImageRepository` — every released image (firmware or app package), TUF-signed.
- :class:`Director` — per-vehicle instructions from a private inventory (SQLite); verifies the
  vehicles' signed version manifests.
- :class:`Primary` — full verification of both repositories with python-tuf's ``Updater``,
  download with the signed length as the limit, install of a bundle all-or-nothing.
- :class:`Secondary` — the boundary of an ECU (partial verification is done there);
  :class:`InProcessSecondary` keeps A/B slots on disk (:class:`SlotStore`) with a boot counter,
  a health check, and automatic rollback.
- :func:`load_installed_app` — a vehicle app installed over the air, as a VehicleApp class.
- :class:`OtaClientApp` — the client as a vehicle app, publishing ``Vehicle.Software.*``.
- :class:`OtaWorkspace` — all of it under one data directory (``sdvkit ota``).

A minimal flow::

    workspace = OtaWorkspace(tmp)
    workspace.provision("WVWZZZ1JZ3W386752")
    release = workspace.image_repository().publish(image, hardware_id="SDVK-PT-HW2", version="1.1.0")
    with workspace.director() as director:
        director.assign("WVWZZZ1JZ3W386752", "Powertrain", "1.1.0")
        outcome = workspace.vehicle("WVWZZZ1JZ3W386752", director).apply()
"""

from sdvkit.service.ota.apps import (
    APP_MANIFEST_FILE,
    AppPackageManifest,
    app_health_check,
    build_app_package,
    installed_app,
    load_installed_app,
    read_app_package,
)
from sdvkit.service.ota.client_app import OtaClientApp
from sdvkit.service.ota.director import Director, EcuStatus, VehicleStatus
from sdvkit.service.ota.errors import (
    AppPackageError,
    DowngradeRefusedError,
    HardwareIdMismatchError,
    HealthCheckError,
    ImageVerificationError,
    InstallError,
    MetadataVerificationError,
    OtaError,
    OtaInputError,
    RepositoryMismatchError,
    RepositoryUnavailableError,
    UnknownEcuError,
    UnknownReleaseError,
    UnknownVehicleError,
    UpdateRejectedError,
    VersionReportError,
)
from sdvkit.service.ota.identifiers import app_ecu_id, app_hardware_id, ecu_serial, parse_version
from sdvkit.service.ota.image_repository import ImageKind, ImageRepository, Release
from sdvkit.service.ota.inventory import Assignment, EcuRecord
from sdvkit.service.ota.primary import Primary, PrimaryStatus, UpdateOutcome, UpdateResult
from sdvkit.service.ota.secondary import (
    HealthCheck,
    InProcessSecondary,
    InstalledSoftware,
    Instruction,
    Secondary,
)
from sdvkit.service.ota.slots import BootRecord, SlotContent, SlotPolicy, SlotState, SlotStore
from sdvkit.service.ota.transport import DirectoryFetcher, RepositoryServer, directory_url
from sdvkit.service.ota.tuf_repository import MetadataLifetimes, RoleSigners, TufRepository
from sdvkit.service.ota.vehicle import (
    DEFAULT_HARDWARE_IDS,
    FACTORY_VERSION,
    VehicleConfig,
    open_vehicle,
    provision_vehicle,
)
from sdvkit.service.ota.verification import PlannedInstall, RepositoryUrls, UpdateCheck
from sdvkit.service.ota.workspace import OtaWorkspace

__all__ = [
    "APP_MANIFEST_FILE",
    "DEFAULT_HARDWARE_IDS",
    "FACTORY_VERSION",
    "AppPackageError",
    "AppPackageManifest",
    "Assignment",
    "BootRecord",
    "Director",
    "DirectoryFetcher",
    "DowngradeRefusedError",
    "EcuRecord",
    "EcuStatus",
    "HardwareIdMismatchError",
    "HealthCheck",
    "HealthCheckError",
    "ImageKind",
    "ImageRepository",
    "ImageVerificationError",
    "InProcessSecondary",
    "InstallError",
    "InstalledSoftware",
    "Instruction",
    "MetadataLifetimes",
    "MetadataVerificationError",
    "OtaClientApp",
    "OtaError",
    "OtaInputError",
    "OtaWorkspace",
    "PlannedInstall",
    "Primary",
    "PrimaryStatus",
    "Release",
    "RepositoryMismatchError",
    "RepositoryServer",
    "RepositoryUnavailableError",
    "RepositoryUrls",
    "RoleSigners",
    "Secondary",
    "SlotContent",
    "SlotPolicy",
    "SlotState",
    "SlotStore",
    "TufRepository",
    "UnknownEcuError",
    "UnknownReleaseError",
    "UnknownVehicleError",
    "UpdateCheck",
    "UpdateOutcome",
    "UpdateRejectedError",
    "UpdateResult",
    "VehicleConfig",
    "VehicleStatus",
    "VersionReportError",
    "app_ecu_id",
    "app_hardware_id",
    "app_health_check",
    "build_app_package",
    "directory_url",
    "ecu_serial",
    "installed_app",
    "load_installed_app",
    "open_vehicle",
    "parse_version",
    "provision_vehicle",
    "read_app_package",
]
