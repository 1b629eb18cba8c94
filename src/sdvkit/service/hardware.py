"""The hardware of the vehicle's six ECUs: one table that UDS flashing and OTA both name.

An ECU answers its hardware id in DID F191 (``HardwareNumber``, 16 ASCII characters), the check
programming dependencies routine (0x31 FF01) refuses a firmware image built for another one, and
the OTA director, image repository and secondaries match releases against the same id. This
module imports nothing heavy, so :mod:`sdvkit.service.ota` can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

HARDWARE_IDS: Mapping[str, str] = MappingProxyType(
    {
        "Gateway": "SDVK-GW-HW1",
        "Powertrain": "SDVK-PT-HW2",
        "BatteryManagement": "SDVK-BMS-HW3",
        "Body": "SDVK-BODY-HW4",
        "ADAS": "SDVK-ADAS-HW5",
        "Infotainment": "SDVK-IVI-HW6",
    }
)
"""ECU name → hardware id, for every ECU of ``Vehicle.Software.Ecu``, in that order."""
