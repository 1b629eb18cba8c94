"""A vehicle's OTA side on disk: provisioning at the factory, and opening it at power-on.

``vehicles/<VIN>/`` holds::

    vehicle.json               VIN, the primary's serial, repository URLs, ECUs (written last)
    trust/director-root.json   the roots the vehicle was provisioned with: its trust anchors
    trust/image-root.json
    primary/key.pem            the primary's key (signs the vehicle version manifest)
    primary/…                  python-tuf's metadata caches, downloads, the primary's state
    ecus/<ECU id>/key.pem      each ECU's key (signs its version report)
    ecus/<ECU id>/slot-A.bin, slot-B.bin, state.json    its A/B slots

:func:`provision_vehicle` does what the factory does: keys, factory images in slot A, the trust
anchors, and the registration with the director's inventory. :func:`open_vehicle` builds the
:class:`~sdvkit.service.ota.primary.Primary` and its in-process secondaries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdvkit.service.hardware import HARDWARE_IDS
from sdvkit.service.ota.apps import app_health_check
from sdvkit.service.ota.director import Director
from sdvkit.service.ota.errors import OtaInputError, UnknownVehicleError
from sdvkit.service.ota.identifiers import (
    APP_ECU_PREFIX,
    app_ecu_id,
    app_hardware_id,
    check_ecu_id,
    check_hardware_id,
    check_vin,
    ecu_serial,
    parse_version,
)
from sdvkit.service.ota.image_repository import ImageRepository
from sdvkit.service.ota.inventory import EcuRecord
from sdvkit.service.ota.keys import generate_key, load_signer
from sdvkit.service.ota.primary import Primary, ProgressListener
from sdvkit.service.ota.secondary import HealthCheck, InProcessSecondary
from sdvkit.service.ota.slots import SlotContent, SlotPolicy, SlotStore
from sdvkit.service.ota.transport import directory_url
from sdvkit.service.ota.verification import RepositoryUrls
from sdvkit.signals.catalogue import Catalogue
from sdvkit.storage import StorageError, atomic_write_bytes, atomic_write_text

__all__ = [
    "DEFAULT_HARDWARE_IDS",
    "FACTORY_VERSION",
    "EcuConfig",
    "VehicleConfig",
    "factory_image",
    "open_vehicle",
    "provision_vehicle",
]

DEFAULT_HARDWARE_IDS: Mapping[str, str] = HARDWARE_IDS
"""The hardware of the simulated EV's six ECUs: the ids their UDS servers answer in DID F191
(:data:`sdvkit.service.hardware.HARDWARE_IDS`), so OTA and UDS flashing name the same hardware."""

FACTORY_VERSION = "1.0.0"
"""The software every ECU leaves the factory with."""


@dataclass(frozen=True, kw_only=True, slots=True)
class EcuConfig:
    """One ECU (or app slot) of the vehicle."""

    ecu_id: str
    serial: str
    hardware_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleConfig:
    """``vehicle.json``."""

    vin: str
    primary_serial: str
    urls: RepositoryUrls
    ecus: tuple[EcuConfig, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": 1,
                "vin": self.vin,
                "primary_serial": self.primary_serial,
                "urls": {
                    "director_metadata": self.urls.director_metadata,
                    "image_metadata": self.urls.image_metadata,
                    "image_targets": self.urls.image_targets,
                },
                "ecus": [
                    {"ecu_id": ecu.ecu_id, "serial": ecu.serial, "hardware_id": ecu.hardware_id}
                    for ecu in self.ecus
                ],
            },
            indent=2,
        )

    @classmethod
    def from_file(cls, path: Path) -> VehicleConfig:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise UnknownVehicleError(f"no vehicle is provisioned in {path.parent}") from error
        except (OSError, ValueError) as error:
            raise OtaInputError(f"{path} cannot be read as JSON: {error}") from error
        try:
            if data["format"] != 1:
                raise ValueError(f"format {data['format']!r} is not 1")
            return cls(
                vin=check_vin(data["vin"]),
                primary_serial=str(data["primary_serial"]),
                urls=RepositoryUrls(**{key: str(value) for key, value in data["urls"].items()}),
                ecus=tuple(
                    EcuConfig(
                        ecu_id=check_ecu_id(ecu["ecu_id"]),
                        serial=str(ecu["serial"]),
                        hardware_id=check_hardware_id(ecu["hardware_id"]),
                    )
                    for ecu in data["ecus"]
                ),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise OtaInputError(f"{path} is malformed: {error}") from error


def factory_image(ecu_id: str, version: str) -> bytes:
    """The (simulated) firmware an ECU leaves the factory with."""
    return f"sdvkit factory firmware for {ecu_id}, version {version}\n".encode()


def provision_vehicle(
    directory: Path,
    *,
    vin: str,
    director: Director,
    image_repository: ImageRepository,
    hardware_ids: Mapping[str, str] = DEFAULT_HARDWARE_IDS,
    apps: Sequence[str] = (),
    factory_version: str = FACTORY_VERSION,
    urls: RepositoryUrls | None = None,
) -> VehicleConfig:
    """Make the vehicle ``vin`` in ``directory`` and register it with ``director``.

    Every ECU of ``hardware_ids`` (ECU id → hardware id) gets a key and its factory firmware in
    slot A; every app name in ``apps`` gets an empty app slot ``app.<name>``.
    """
    check_vin(vin)
    parse_version(factory_version)
    if (directory / "vehicle.json").exists():
        raise OtaInputError(f"vehicle {vin} is already provisioned in {directory}")
    if directory.exists() and any(directory.iterdir()):
        raise OtaInputError(f"{directory} is not empty: provision a vehicle into a new directory")
    if vin in director.vins():
        raise OtaInputError(f"vehicle {vin} is already registered with the director")
    ecus = [
        EcuConfig(
            ecu_id=check_ecu_id(ecu_id), serial=ecu_serial(vin, ecu_id), hardware_id=check_hardware_id(hw)
        )
        for ecu_id, hw in hardware_ids.items()
    ]
    if any(ecu.ecu_id.startswith(APP_ECU_PREFIX) for ecu in ecus):
        raise OtaInputError("app slots are given by name in apps, not as ECUs")
    ecus += [
        EcuConfig(
            ecu_id=app_ecu_id(name),
            serial=ecu_serial(vin, app_ecu_id(name)),
            hardware_id=app_hardware_id(name),
        )
        for name in apps
    ]
    primary_signer = generate_key(directory / "primary" / "key.pem")
    records: list[EcuRecord] = []
    for ecu in ecus:
        ecu_dir = directory / "ecus" / ecu.ecu_id
        signer = generate_key(ecu_dir / "key.pem")
        if ecu.ecu_id.startswith(APP_ECU_PREFIX):
            SlotStore.create(ecu_dir, factory_image=None, factory_content=None)
        else:
            image = factory_image(ecu.ecu_id, factory_version)
            content = SlotContent(
                version=factory_version,
                sha256=hashlib.sha256(image).hexdigest(),
                length=len(image),
                target_path="factory",
            )
            SlotStore.create(ecu_dir, factory_image=image, factory_content=content)
        records.append(
            EcuRecord(
                ecu_id=ecu.ecu_id,
                serial=ecu.serial,
                hardware_id=ecu.hardware_id,
                public_key=signer.public_key,
            )
        )
    primary_serial = ecu_serial(vin, "Primary")
    director_root = director.register_vehicle(
        vin, primary_serial=primary_serial, primary_key=primary_signer.public_key, ecus=records
    )
    config = VehicleConfig(
        vin=vin,
        primary_serial=primary_serial,
        urls=urls
        or RepositoryUrls(
            director_metadata=directory_url(director.metadata_dir(vin)),
            image_metadata=directory_url(image_repository.metadata_dir),
            image_targets=directory_url(image_repository.targets_dir),
        ),
        ecus=tuple(ecus),
    )
    try:
        (directory / "trust").mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(directory / "trust" / "director-root.json", director_root)
        atomic_write_bytes(directory / "trust" / "image-root.json", image_repository.root_bytes())
        atomic_write_text(directory / "vehicle.json", config.to_json())
    except (OSError, StorageError) as error:
        raise OtaInputError(f"cannot write the vehicle's configuration in {directory}: {error}") from error
    return config


def _read_trust(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise OtaInputError(f"cannot read the trust anchor {path}: {error.strerror or error}") from error


def open_vehicle(
    directory: Path,
    *,
    health_checks: Mapping[str, HealthCheck] | None = None,
    policy: SlotPolicy | None = None,
    urls: RepositoryUrls | None = None,
    catalogue: Catalogue | None = None,
    listener: ProgressListener | None = None,
    manifest_sink: Callable[[dict[str, Any]], object] | None = None,
) -> Primary:
    """The primary of the vehicle provisioned in ``directory``, with its ECUs as in-process secondaries.

    ``health_checks`` adds a check per ECU id (the slot's integrity is always checked; an app
    slot also loads its app, against ``catalogue`` if given). ``urls`` overrides where the
    repositories are (e.g. the same ones over HTTP).
    """
    config = VehicleConfig.from_file(directory / "vehicle.json")
    extra_checks = dict(health_checks or {})
    unknown = set(extra_checks) - {ecu.ecu_id for ecu in config.ecus}
    if unknown:
        raise OtaInputError(
            f"health checks given for ECUs vehicle {config.vin} does not have: {sorted(unknown)}"
        )
    director_root = _read_trust(directory / "trust" / "director-root.json")
    image_root = _read_trust(directory / "trust" / "image-root.json")
    secondaries = []
    for ecu in config.ecus:
        ecu_dir = directory / "ecus" / ecu.ecu_id
        check = extra_checks.get(ecu.ecu_id)
        if ecu.ecu_id.startswith(APP_ECU_PREFIX):
            check = _both(app_health_check(ecu.ecu_id[len(APP_ECU_PREFIX) :], catalogue=catalogue), check)
        secondaries.append(
            InProcessSecondary(
                ecu_id=ecu.ecu_id,
                serial=ecu.serial,
                hardware_id=ecu.hardware_id,
                signer=load_signer(ecu_dir / "key.pem"),
                director_root=director_root,
                slots=SlotStore(ecu_dir, policy=policy),
                health_check=check,
            )
        )
    return Primary(
        vin=config.vin,
        serial=config.primary_serial,
        signer=load_signer(directory / "primary" / "key.pem"),
        urls=urls or config.urls,
        director_root=director_root,
        image_root=image_root,
        secondaries=secondaries,
        work_dir=directory / "primary",
        listener=listener,
        manifest_sink=manifest_sink,
    )


def _both(first: HealthCheck, second: HealthCheck | None) -> HealthCheck:
    if second is None:
        return first

    def check(slot_file: Path, content: SlotContent) -> None:
        first(slot_file, content)
        second(slot_file, content)

    return check
