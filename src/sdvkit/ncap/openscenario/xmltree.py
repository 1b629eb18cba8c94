"""OpenSCENARIO documents as immutable trees that remember their file, line and element path.

ElementTree forgets where an element came from; every error the importer raises must name the
file, the line and the element, so documents are read with expat into :class:`Node` trees.
Parsed files are cached per process, keyed by path, modification time and size, so the worker
processes of a batch read each file once however many runs they build.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from sdvkit.ncap.errors import OpenScenarioError, UnsupportedElementError

__all__ = ["Node", "malformed", "parse_document", "unsupported"]


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One XML element: tag, attributes, child elements, and where it stands (file, line, path).

    ``path`` is the chain of tags from the root, each named element with its name (a
    ``Private`` with its entity, a ``CatalogReference`` with its entry), e.g.
    ``OpenSCENARIO/Storyboard/Story[CCR]/Act[Brake]``; it makes errors easy to find.
    """

    tag: str
    attributes: Mapping[str, str]
    children: tuple[Node, ...]
    line: int
    source: Path
    path: str

    def __iter__(self) -> Iterator[Node]:
        return iter(self.children)

    def get(self, name: str) -> str | None:
        return self.attributes.get(name)

    def child(self, tag: str) -> Node | None:
        """The first child element ``<tag>``, or None."""
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def require(self, tag: str) -> Node:
        """The first child element ``<tag>``; OpenScenarioError when there is none."""
        found = self.child(tag)
        if found is None:
            raise malformed(self, f"<{self.tag}> has no <{tag}>")
        return found

    def all(self, tag: str) -> tuple[Node, ...]:
        """Every child element ``<tag>``, in document order."""
        return tuple(child for child in self.children if child.tag == tag)

    def choice(self, allowed: tuple[str, ...] | None = None) -> Node:
        """The one child of an element that holds exactly one of several alternatives."""
        if len(self.children) != 1:
            found = ", ".join(f"<{child.tag}>" for child in self.children) or "nothing"
            raise malformed(self, f"<{self.tag}> must hold exactly one element, found {found}")
        only = self.children[0]
        if allowed is not None and only.tag not in allowed:
            raise malformed(
                only, f"<{only.tag}> cannot stand in <{self.tag}> (expected one of {', '.join(allowed)})"
            )
        return only

    @property
    def where(self) -> str:
        """``file, line N, <path>``: where this element stands, for messages."""
        return f"{self.source}, line {self.line}, <{self.path}>"


def malformed(node: Node, problem: str) -> OpenScenarioError:
    """An error for a malformed element: names the file, line, element path and the problem."""
    return OpenScenarioError(f"{node.where}: {problem}")


def unsupported(node: Node, why: str) -> UnsupportedElementError:
    """An error for a valid element the importer cannot run: names it and says why."""
    return UnsupportedElementError(f"{node.where}: <{node.tag}> is not supported: {why}")


_LABELS = {"Private": "entityRef", "CatalogReference": "entryName"}
"""The attribute that labels an element in paths where it is not ``name``."""


class _Builder:
    """Builds :class:`Node` trees from expat callbacks."""

    def __init__(self, source: Path, parser: expat.XMLParserType) -> None:
        self.source = source
        self.parser = parser
        self.stack: list[tuple[str, dict[str, str], list[Node], int, str]] = []
        self.root: Node | None = None

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        parent_path = self.stack[-1][4] + "/" if self.stack else ""
        name = attributes.get(_LABELS.get(tag, "name"))
        label = f"{tag}[{name}]" if name is not None else tag
        self.stack.append((tag, attributes, [], self.parser.CurrentLineNumber, parent_path + label))

    def end(self, tag: str) -> None:
        tag, attributes, children, line, path = self.stack.pop()
        node = Node(tag, dict(attributes), tuple(children), line, self.source, path)
        if self.stack:
            self.stack[-1][2].append(node)
        else:
            self.root = node


@functools.lru_cache(maxsize=512)
def _parse_cached(path: str, modified_ns: int, size: int) -> Node:
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as error:
        raise OpenScenarioError(f"{source}: cannot read the file: {error.strerror or error}") from error
    parser = expat.ParserCreate()
    builder = _Builder(source, parser)
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise OpenScenarioError(
            f"{source}: malformed XML at line {error.lineno}, column {error.offset}: "
            f"{expat.ErrorString(error.code)}"
        ) from error
    if builder.root is None:
        raise OpenScenarioError(f"{source}: the document holds no element")
    return builder.root


def parse_document(path: Path) -> Node:
    """The root element of an XML file; cached per process while the file is unchanged."""
    resolved = Path(os.path.abspath(path))
    try:
        status = resolved.stat()
    except OSError as error:
        raise OpenScenarioError(f"{resolved}: cannot read the file: {error.strerror or error}") from error
    if not resolved.is_file():
        raise OpenScenarioError(f"{resolved}: not a file")
    return _parse_cached(str(resolved), status.st_mtime_ns, status.st_size)
