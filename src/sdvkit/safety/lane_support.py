"""Lane support: lane departure warning, lane keeping assist and emergency lane keeping.

Three functions, three apps, each publishing on its own signals; they share the lane geometry and
the steering controller of :mod:`sdvkit.safety.lane_geometry`:

========================================  ===============================================  =============
app                                       publishes                                        speeds
========================================  ===============================================  =============
:class:`LaneDepartureWarningApp` (LDW)    ``Vehicle.ADAS.LaneDepartureDetection.*``         60-200 km/h
:class:`LaneKeepingAssistApp` (LKA)       ``Vehicle.ADAS.LKA.*`` (steering request)         60-180 km/h
:class:`EmergencyLaneKeepingApp` (ELK)    ``Vehicle.ADAS.ELK.*`` (steering request, reason)  45-180 km/h
========================================  ===============================================  =============

They steer only through the arbitration layer (ELK ranks above the stop in lane, which ranks
above LKA; LKA's request is the stop in lane's lateral part)::

    for app in lane_support_apps():
        runner.add(app)
"""

from __future__ import annotations

import dataclasses

from sdvkit.safety.elk import ElkParams, ElkReason, EmergencyLaneKeepingApp
from sdvkit.safety.lane_geometry import InterventionThreshold, LateralControlParams, VehicleGeometry
from sdvkit.safety.ldw import LaneDepartureWarningApp, LdwParams
from sdvkit.safety.lka import LaneKeepingAssistApp, LkaMode, LkaParams

__all__ = [
    "ElkParams",
    "ElkReason",
    "EmergencyLaneKeepingApp",
    "InterventionThreshold",
    "LaneDepartureWarningApp",
    "LaneKeepingAssistApp",
    "LateralControlParams",
    "LdwParams",
    "LkaMode",
    "LkaParams",
    "VehicleGeometry",
    "lane_support_apps",
]


def lane_support_apps(
    *,
    vehicle: VehicleGeometry | None = None,
    ldw: LdwParams | None = None,
    lka: LkaParams | None = None,
    elk: ElkParams | None = None,
) -> tuple[LaneDepartureWarningApp, LaneKeepingAssistApp, EmergencyLaneKeepingApp]:
    """The three lane support apps, ready to add to a runner; ``vehicle``, where given, is the
    geometry all three use (it replaces the one in their parameters)."""
    ldw = ldw if ldw is not None else LdwParams()
    lka = lka if lka is not None else LkaParams()
    elk = elk if elk is not None else ElkParams()
    if vehicle is not None:
        ldw = dataclasses.replace(ldw, vehicle=vehicle)
        lka = dataclasses.replace(lka, vehicle=vehicle)
        elk = dataclasses.replace(elk, vehicle=vehicle)
    return LaneDepartureWarningApp(ldw), LaneKeepingAssistApp(lka), EmergencyLaneKeepingApp(elk)
