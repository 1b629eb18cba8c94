"""After-sales service: the in-vehicle network, diagnostics and over-the-air updates.

The in-vehicle network and diagnostics (this package's modules; over-the-air updates are in
:mod:`sdvkit.service.ota`, which this module does not import):

- :mod:`~sdvkit.service.ecus`: the six virtual ECUs, declared as data (:class:`EcuSpec`), and
  :mod:`~sdvkit.service.behaviours`: what they measure and monitor;
- :mod:`~sdvkit.service.uds_server`: UDS (ISO 14229) of one ECU, a pure ``handle(request)``;
- :mod:`~sdvkit.service.network`: the ECUs on a CAN bus over ISO-TP (:class:`EcuNetwork`);
- :mod:`~sdvkit.service.gateway`: the DoIP gateway (:class:`DoipGateway`, ISO 13400);
- :mod:`~sdvkit.service.feeder`: the CAN ↔ VSS feeder (:class:`CanFeeder`), DBC in ``dbc/``;
- :mod:`~sdvkit.service.transport`: how a tester reaches the ECUs (:class:`TesterLink`);
- :mod:`~sdvkit.service.diag_client`: scan, DTCs, DIDs and flashing with udsoncan;
- :mod:`~sdvkit.service.firmware`: images and the A/B slot interface OTA builds on;
- :mod:`~sdvkit.service.hardware`: the ECUs' hardware ids, one table for UDS and OTA;
- :mod:`~sdvkit.service.vehicle`: the plant (with its fault actuators), the feeder and the ECU
  network on one bus (:class:`ServiceVehicle`).

Names are imported on first use, so ``import sdvkit.service.ota`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sdvkit.service.can_bus import BusConfig
    from sdvkit.service.diag_client import DtcReport, EcuScan, FlashResult, client_config
    from sdvkit.service.ecu import BusView, VirtualEcu
    from sdvkit.service.ecu_spec import DidSpec, DtcSpec, EcuSpec
    from sdvkit.service.ecus import DEFAULT_VIN, ECU_SPECS, ecu_spec
    from sdvkit.service.errors import (
        BusError,
        DbcError,
        DiagnosticError,
        DoipError,
        EcuMemoryError,
        EcuSpecError,
        FirmwareError,
        NegativeResponseError,
        ServiceError,
        ServiceSetupError,
    )
    from sdvkit.service.feeder import CanFeeder
    from sdvkit.service.firmware import FirmwareImage, FirmwareSlots, ImageDownloaded, Slot, build_image
    from sdvkit.service.gateway import DoipGateway, GatewaySettings
    from sdvkit.service.hardware import HARDWARE_IDS
    from sdvkit.service.isotp_transport import IsoTpLink
    from sdvkit.service.network import EcuNetwork
    from sdvkit.service.transport import DoipLink, InMemoryLink, TesterLink
    from sdvkit.service.uds_server import UdsServer
    from sdvkit.service.vehicle import ServiceVehicle

_EXPORTS = {
    "BusConfig": "can_bus",
    "BusError": "errors",
    "BusView": "ecu",
    "CanFeeder": "feeder",
    "DEFAULT_VIN": "ecus",
    "DbcError": "errors",
    "DiagnosticError": "errors",
    "DidSpec": "ecu_spec",
    "DoipError": "errors",
    "DoipGateway": "gateway",
    "DoipLink": "transport",
    "DtcReport": "diag_client",
    "DtcSpec": "ecu_spec",
    "ECU_SPECS": "ecus",
    "EcuMemoryError": "errors",
    "EcuNetwork": "network",
    "EcuScan": "diag_client",
    "EcuSpec": "ecu_spec",
    "EcuSpecError": "errors",
    "FirmwareError": "errors",
    "FirmwareImage": "firmware",
    "FirmwareSlots": "firmware",
    "FlashResult": "diag_client",
    "GatewaySettings": "gateway",
    "HARDWARE_IDS": "hardware",
    "ImageDownloaded": "firmware",
    "InMemoryLink": "transport",
    "IsoTpLink": "isotp_transport",
    "NegativeResponseError": "errors",
    "ServiceError": "errors",
    "ServiceSetupError": "errors",
    "ServiceVehicle": "vehicle",
    "Slot": "firmware",
    "TesterLink": "transport",
    "UdsServer": "uds_server",
    "VirtualEcu": "ecu",
    "build_image": "firmware",
    "client_config": "diag_client",
    "ecu_spec": "ecus",
}

__all__ = [
    "DEFAULT_VIN",
    "ECU_SPECS",
    "HARDWARE_IDS",
    "BusConfig",
    "BusError",
    "BusView",
    "CanFeeder",
    "DbcError",
    "DiagnosticError",
    "DidSpec",
    "DoipError",
    "DoipGateway",
    "DoipLink",
    "DtcReport",
    "DtcSpec",
    "EcuMemoryError",
    "EcuNetwork",
    "EcuScan",
    "EcuSpec",
    "EcuSpecError",
    "FirmwareError",
    "FirmwareImage",
    "FirmwareSlots",
    "FlashResult",
    "GatewaySettings",
    "ImageDownloaded",
    "InMemoryLink",
    "IsoTpLink",
    "NegativeResponseError",
    "ServiceError",
    "ServiceSetupError",
    "ServiceVehicle",
    "Slot",
    "TesterLink",
    "UdsServer",
    "VirtualEcu",
    "build_image",
    "client_config",
    "ecu_spec",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
