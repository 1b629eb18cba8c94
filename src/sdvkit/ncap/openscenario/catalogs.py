"""Catalogs: where ``CatalogLocations`` point, and what a ``CatalogReference`` resolves to.

Each ``<...Catalog>`` location names a directory (relative to the scenario file); every .xosc
file in it that holds a ``<Catalog name=...>`` contributes its entries under that name. A
reference ``<CatalogReference catalogName entryName>`` resolves to the entry's element and a
fresh :class:`Scope`: the entry's own parameter declarations, with the reference's
``ParameterAssignments`` (evaluated in the referencing scope) replacing their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sdvkit.ncap.errors import OpenScenarioError
from sdvkit.ncap.openscenario.parameters import Scope, declare_parameters
from sdvkit.ncap.openscenario.xmltree import Node, malformed, parse_document

__all__ = ["CatalogEntry", "Catalogs"]

_LOCATIONS = (
    "VehicleCatalog",
    "ControllerCatalog",
    "PedestrianCatalog",
    "MiscObjectCatalog",
    "EnvironmentCatalog",
    "ManeuverCatalog",
    "TrajectoryCatalog",
    "RouteCatalog",
)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A resolved reference: the entry's element and the parameters it sees."""

    node: Node
    scope: Scope


class Catalogs:
    """The catalogs a scenario's ``CatalogLocations`` name, indexed by catalog and entry name."""

    def __init__(self, locations: Node | None, scope: Scope) -> None:
        self._entries: dict[str, dict[str, Node]] = {}
        self._directories: list[Path] = []
        if locations is None:
            return
        for location in locations.children:
            if location.tag not in _LOCATIONS:
                raise malformed(location, f"<{location.tag}> is not a catalog location")
            directory_node = location.require("Directory")
            directory = (location.source.parent / scope.text(directory_node, "path")).resolve()
            if not directory.is_dir():
                raise malformed(directory_node, f"the catalog directory {directory} does not exist")
            self._directories.append(directory)
        for directory in dict.fromkeys(self._directories):
            for path in sorted(directory.glob("*.xosc")):
                self._index(parse_document(path))

    def _index(self, root: Node) -> None:
        catalog = root.child("Catalog")
        if catalog is None:
            return
        name = catalog.get("name")
        if name is None:
            raise malformed(catalog, "<Catalog> has no 'name' attribute")
        entries = self._entries.setdefault(name, {})
        for entry in catalog.children:
            entry_name = entry.get("name")
            if entry_name is None:
                raise malformed(entry, f"catalog entry <{entry.tag}> has no 'name' attribute")
            if entry_name in entries and entries[entry_name] is not entry:
                raise malformed(
                    entry,
                    f"catalog {name!r} already has an entry {entry_name!r} ({entries[entry_name].where})",
                )
            entries[entry_name] = entry

    def resolve(
        self, reference: Node, scope: Scope, *, expected: tuple[str, ...] | None = None
    ) -> CatalogEntry:
        """The entry a ``<CatalogReference>`` names, with its parameters assigned."""
        catalog_name = scope.text(reference, "catalogName")
        entry_name = scope.text(reference, "entryName")
        catalog = self._entries.get(catalog_name)
        if catalog is None:
            known = ", ".join(sorted(self._entries)) or "none"
            searched = ", ".join(str(directory) for directory in self._directories) or "no CatalogLocations"
            raise malformed(
                reference, f"no catalog named {catalog_name!r} (found: {known}; searched {searched})"
            )
        entry = catalog.get(entry_name)
        if entry is None:
            raise malformed(
                reference,
                f"catalog {catalog_name!r} has no entry {entry_name!r} "
                f"(entries: {', '.join(sorted(catalog))})",
            )
        if expected is not None and entry.tag not in expected:
            raise malformed(
                reference,
                f"{catalog_name}/{entry_name} is a <{entry.tag}>, "
                f"but a {' or '.join(expected)} is needed here",
            )
        assignments: dict[str, str] = {}
        block = reference.child("ParameterAssignments")
        for item in block.all("ParameterAssignment") if block is not None else ():
            name = scope.raw(item, "parameterRef")
            if name in assignments:
                raise malformed(item, f"parameter {name} is assigned twice")
            value = scope.resolve(item, "value", scope.raw(item, "value"))
            assignments[name] = _as_literal(value)
        entry_scope = Scope()
        try:
            declare_parameters(
                entry.child("ParameterDeclarations"),
                entry_scope,
                assignments,
                where=f"the reference at {reference.where}",
            )
        except OpenScenarioError as error:
            raise OpenScenarioError(f"{error} (referenced at {reference.where})") from error
        return CatalogEntry(node=entry, scope=entry_scope)


def _as_literal(value: object) -> str:
    """A resolved value written back as a literal the entry's declaration converts exactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
