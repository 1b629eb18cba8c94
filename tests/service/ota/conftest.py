"""A small fleet for the OTA tests: an image repository, a director and one provisioned vehicle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdvkit.service.ota import (
    DEFAULT_HARDWARE_IDS,
    Director,
    ImageKind,
    OtaWorkspace,
    Primary,
    Release,
    app_hardware_id,
    build_app_package,
)

VIN = "WVWZZZ1JZ3W386752"
OTHER_VIN = "WVWZZZ1JZ3W386753"


class Fleet:
    """The back end and one vehicle, in a temporary data directory; the director stays open."""

    vin = VIN
    other_vin = OTHER_VIN
    factory_versions: dict[str, str | None] = dict.fromkeys(DEFAULT_HARDWARE_IDS, "1.0.0") | {
        "app.hello": None
    }
    """What a freshly provisioned vehicle runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.workspace = OtaWorkspace(root / "data")
        self.workspace.provision(VIN, apps=("hello",))
        self.repository = self.workspace.image_repository()
        self.director = Director(self.workspace.director_dir, self.repository)
        self.images = root / "images"
        self.images.mkdir()

    def close(self) -> None:
        self.director.close()

    def firmware(self, ecu_id: str, version: str, content: bytes | None = None) -> Release:
        """Publish firmware ``version`` for the hardware of ``ecu_id``."""
        image = self.images / f"{ecu_id.lower()}-{version}.bin"
        image.write_bytes(content if content is not None else f"{ecu_id} firmware {version}\n".encode() * 64)
        return self.repository.publish(image, hardware_id=DEFAULT_HARDWARE_IDS[ecu_id], version=version)

    def app(self, version: str, source: str, *, name: str = "hello") -> Release:
        """Publish an app package of ``source`` (a module ``hello_app`` with class ``HelloApp``)."""
        package = self.images / f"{name}-{version}.zip"
        build_app_package(
            package, name=name, version=version, entry_point="hello_app:HelloApp", source=source
        )
        return self.repository.publish(
            package, hardware_id=app_hardware_id(name), version=version, kind=ImageKind.APP, app_name=name
        )

    def assign(self, ecu_id: str, version: str, **options: Any) -> None:
        self.director.assign(VIN, ecu_id, version, **options)

    def vehicle(self, **options: Any) -> Primary:
        """The vehicle, freshly opened (a power cycle), reporting to the director."""
        return self.workspace.vehicle(VIN, self.director, **options)

    def versions(self) -> dict[str, str | None]:
        """What every ECU runs now, read from disk by a freshly opened vehicle."""
        return {ecu_id: software.version for ecu_id, software in self.vehicle().installed().items()}

    def stored_image(self, release: Release) -> Path:
        """Where the image repository keeps the image of ``release`` (what an attacker would alter)."""
        repository = self.repository.repository
        return repository.stored_target_path(repository.targets()[release.target_path])

    def director_targets(self) -> bytes:
        """The director's current targets metadata for the vehicle, as signed."""
        version = self.director.vehicle_repository(self.vin).current_targets().signed.version
        return (self.director.metadata_dir(self.vin) / f"{version}.targets.json").read_bytes()

    @property
    def vehicle_dir(self) -> Path:
        return self.workspace.vehicle_dir(VIN)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path)
    yield fleet
    fleet.close()
