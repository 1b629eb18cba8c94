"""The built-in catalogue: the signals sdvkit provides, shipped inside the package.

Standard VSS 6.0 paths wherever VSS has them (same node type, datatype and
unit; limits no wider than VSS's), and overlay branches for what VSS lacks
(see :data:`OVERLAY_ROOTS`). A fresh install needs no external file:

>>> catalogue = builtin_catalogue()
>>> catalogue["Vehicle.Speed"].unit
'km/h'

The official release can still be loaded underneath, the built-in catalogue
merged over it as an overlay:

>>> Catalogue.from_trees([(official_tree, "vss"), (builtin_tree(), "builtin")])  # doctest: +SKIP
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sdvkit.signals.builtin import (
    cabin,
    energy,
    infotainment,
    perception,
    safety,
    service,
    simulation,
    vehicle,
)
from sdvkit.signals.builtin.overlays import OVERLAY_ROOTS, is_overlay
from sdvkit.signals.builtin.rows import SignalRow
from sdvkit.signals.builtin.tree import build_tree
from sdvkit.signals.catalogue import Catalogue

__all__ = [
    "BUILTIN_ROWS",
    "BUILTIN_SOURCE",
    "OVERLAY_ROOTS",
    "SignalRow",
    "builtin_catalogue",
    "builtin_tree",
    "is_overlay",
]

BUILTIN_SOURCE = "sdvkit built-in"
"""The source name the built-in catalogue carries in error messages."""

BUILTIN_ROWS: tuple[SignalRow, ...] = (
    *vehicle.ROWS,
    *energy.ROWS,
    *simulation.ROWS,
    *safety.ROWS,
    *perception.ROWS,
    *cabin.ROWS,
    *infotainment.ROWS,
    *service.ROWS,
)
"""Every built-in leaf, by domain: the vehicle plant and its energy, sdvkit's own
simulation branch, safety and perception, body and cabin, infotainment, service."""


def builtin_tree() -> dict[str, Any]:
    """The built-in catalogue as a ``vspec export json`` tree (a fresh copy on every call)."""
    return build_tree(BUILTIN_ROWS)


@cache
def builtin_catalogue() -> Catalogue:
    """The built-in catalogue, loaded once."""
    return Catalogue.from_tree(builtin_tree(), source=BUILTIN_SOURCE)
