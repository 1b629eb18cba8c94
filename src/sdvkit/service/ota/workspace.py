"""All OTA parts under one data directory, as ``sdvkit ota`` and the benchmark use them.

``<data dir>/ota/`` holds the image repository (``image-repository/``), the director
(``director/``) and the vehicles (``vehicles/<VIN>/``). In a real deployment these live on three
different machines; here they share a directory so that a newcomer can run the whole flow on one
laptop, and the vehicle reaches the repositories through ``file://`` URLs (or HTTP, see
:class:`~sdvkit.service.ota.transport.RepositoryServer`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sdvkit.service.ota.director import Director
from sdvkit.service.ota.identifiers import check_vin
from sdvkit.service.ota.image_repository import ImageRepository
from sdvkit.service.ota.primary import Primary
from sdvkit.service.ota.vehicle import DEFAULT_HARDWARE_IDS, VehicleConfig, open_vehicle, provision_vehicle
from sdvkit.storage import data_dir

__all__ = ["OtaWorkspace"]


class OtaWorkspace:
    """The OTA directories under ``data_directory`` (default: sdvkit's data directory)."""

    def __init__(
        self,
        data_directory: str | os.PathLike[str] | None = None,
        *,
        image_repository_dir: Path | None = None,
    ) -> None:
        self.root = data_dir(data_directory) / "ota"
        self.image_repository_dir = image_repository_dir or self.root / "image-repository"
        self.director_dir = self.root / "director"
        self.vehicles_dir = self.root / "vehicles"

    def __repr__(self) -> str:
        return f"OtaWorkspace({self.root})"

    def image_repository(self) -> ImageRepository:
        return ImageRepository(self.image_repository_dir)

    @contextmanager
    def director(self) -> Iterator[Director]:
        """The director (its inventory is closed on exit)."""
        director = Director(self.director_dir, self.image_repository())
        try:
            yield director
        finally:
            director.close()

    def vehicle_dir(self, vin: str) -> Path:
        return self.vehicles_dir / check_vin(vin)

    def provision(
        self, vin: str, *, hardware_ids: Mapping[str, str] = DEFAULT_HARDWARE_IDS, apps: Sequence[str] = ()
    ) -> VehicleConfig:
        """Provision vehicle ``vin`` and register it with the director."""
        with self.director() as director:
            return provision_vehicle(
                self.vehicle_dir(vin),
                vin=vin,
                director=director,
                image_repository=director.image_repository,
                hardware_ids=hardware_ids,
                apps=apps,
            )

    def vehicle(self, vin: str, director: Director | None = None, **options: Any) -> Primary:
        """Open vehicle ``vin``; with ``director``, its version manifests go straight to it.

        ``options`` are those of :func:`~sdvkit.service.ota.vehicle.open_vehicle`.
        """
        sink = director.receive_manifest if director is not None else None
        return open_vehicle(self.vehicle_dir(vin), manifest_sink=sink, **options)
