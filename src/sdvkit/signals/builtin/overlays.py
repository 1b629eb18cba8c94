"""Which parts of the built-in catalogue sdvkit adds to VSS 6.0 (the overlay).

Every built-in row is either a standard VSS 6.0 path, with the datatype, unit
and node type VSS gives it, or lies under one of :data:`OVERLAY_ROOTS`. No
overlay root exists in VSS 6.0, so merging the built-in catalogue over the
official one never changes the meaning of a standard signal.
"""

from __future__ import annotations

OVERLAY_ROOTS: tuple[str, ...] = (
    # sdvkit's own branch: what only a simulated vehicle has (arbitrated motion requests to
    # the plant, the driver's controls, the simulation clock and world, fault injection).
    "Vehicle.Sdvkit",
    # Safety functions and sensing that VSS 6.0 has no branch for, next to their
    # standard siblings (ABS, ESC, TCS, CruiseControl, DMS ...).
    "Vehicle.ADAS.Perception",
    "Vehicle.ADAS.FCW",
    "Vehicle.ADAS.AEB",
    "Vehicle.ADAS.LKA",
    "Vehicle.ADAS.ELK",
    "Vehicle.ADAS.CruiseControl.Adaptive",
    "Vehicle.ADAS.LaneDepartureDetection.WarningSide",
    "Vehicle.ADAS.DMS.EyeTracking",
    "Vehicle.ADAS.DMS.DriverState",
    "Vehicle.ADAS.DMS.Escalation",
    # Energy figures the plant and the range app share.
    "Vehicle.Powertrain.EnergyUse",
    # Cabin and body features VSS 6.0 lacks.
    "Vehicle.Body.MediaBar",
    "Vehicle.Body.AVAS",
    "Vehicle.Cabin.Profile",
    "Vehicle.Cabin.Infotainment.DistractionGate",
    # Service: ECU software, OTA, and the fault flags behind DTCs.
    "Vehicle.Software",
    "Vehicle.Diagnostics.Fault",
)
"""Paths sdvkit adds: a branch (with everything below it) or, rarely, a single leaf."""


def is_overlay(path: str) -> bool:
    """True when ``path`` is an overlay root or lies below one.

    >>> is_overlay("Vehicle.ADAS.AEB.IsEngaged"), is_overlay("Vehicle.ADAS.ABS.IsEngaged")
    (True, False)
    """
    return any(path == root or path.startswith(root + ".") for root in OVERLAY_ROOTS)
