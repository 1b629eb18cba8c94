"""The VSS catalogue: every node's metadata, loaded from ``vspec export json`` files.

A catalogue is built from one or more JSON trees. The first is usually the
official VSS release; the ones after it are overlays merged on top, as
``vspec`` merges overlays: a node that exists has its fields replaced by the
overlay's, a node that does not exist is added.

>>> cat = Catalogue.from_files(["vss_release_6.0.json", "my_overlay.json"])  # doctest: +SKIP
>>> cat["Vehicle.Speed"].unit  # doctest: +SKIP
'km/h'
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from sdvkit.signals.datatypes import DataType
from sdvkit.signals.errors import CatalogueError, UnknownSignalError, ValidationError
from sdvkit.signals.validation import Check, compile_check


class NodeType(Enum):
    """The four VSS node types."""

    BRANCH = "branch"
    SENSOR = "sensor"
    ACTUATOR = "actuator"
    ATTRIBUTE = "attribute"

    @property
    def is_leaf(self) -> bool:
        return self is not NodeType.BRANCH


_LEAF_FIELDS = frozenset(
    {"datatype", "unit", "min", "max", "allowed", "default", "pattern", "enum", "arraysize"}
)
_SEGMENT = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True, kw_only=True, slots=True)
class NodeSpec:
    """The metadata of one VSS node, branch or leaf."""

    path: str
    node_type: NodeType
    description: str = ""
    datatype: DataType | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    allowed: tuple[Any, ...] | None = None
    default: Any = None
    comment: str | None = None
    deprecation: str | None = None
    pattern: str | None = None
    check: Check | None = field(default=None, compare=False, repr=False)

    @property
    def is_leaf(self) -> bool:
        return self.node_type.is_leaf

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    def validate(self, value: Any) -> Any:
        """Return ``value`` normalised, or raise ValidationError naming the rule it breaks."""
        if self.check is None:
            raise ValidationError(self.path, "datatype", "a branch holds no value")
        return self.check(value)

    def to_vss(self) -> dict[str, Any]:
        """The node's fields as ``vspec export json`` writes them (without children)."""
        out: dict[str, Any] = {"type": self.node_type.value, "description": self.description}
        if self.datatype is not None:
            out["datatype"] = self.datatype.vss_name
        for key in ("unit", "min", "max", "default", "comment", "deprecation", "pattern"):
            value = getattr(self, key)
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        if self.allowed is not None:
            out["allowed"] = list(self.allowed)
        return out


def load_json_tree(source: str | Path) -> dict[str, Any]:
    """Read a ``vspec export json`` file; raise CatalogueError naming the file on failure."""
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(f"cannot read catalogue file: {error.strerror}", source=str(path)) from error
    except UnicodeDecodeError as error:
        raise CatalogueError(
            f"not UTF-8 text (byte {error.start}: {error.reason})", source=str(path)
        ) from error
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueError(
            f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}",
            source=str(path),
        ) from error
    if not isinstance(tree, dict) or not tree:
        raise CatalogueError("a catalogue must be a JSON object of root nodes", source=str(path))
    return tree


def merge_trees(
    base: Mapping[str, Any],
    overlay: Mapping[str, Any],
    *,
    source: str | None = None,
    origins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Merge an overlay tree onto a base tree (both as ``{name: node}``); return a new tree.

    The inputs are not changed. An overlay node that exists in the base has its fields
    replaced by the overlay's; its children are merged the same way. When the overlay
    changes a node's type, the overlay node replaces the base node whole; when it changes
    the datatype, the base's min, max, allowed and default are dropped unless the overlay
    gives them. ``origins`` (path -> source) records which source last defined each node.
    """
    merged = copy.deepcopy(dict(base))
    _merge_into(merged, overlay, source, origins, "")
    return merged


def _record_origins(name: str, node: Any, source: str | None, origins: dict[str, str] | None) -> None:
    if origins is None or source is None:
        return
    origins[name] = source
    children = node.get("children") if isinstance(node, Mapping) else None
    if isinstance(children, Mapping):
        for child_name, child in children.items():
            _record_origins(f"{name}.{child_name}", child, source, origins)


def _merge_into(
    target: dict[str, Any],
    overlay: Mapping[str, Any],
    source: str | None,
    origins: dict[str, str] | None,
    prefix: str,
) -> None:
    for name, node in overlay.items():
        path = prefix + name
        existing = target.get(name)
        if not (isinstance(existing, dict) and isinstance(node, Mapping)):
            target[name] = copy.deepcopy(node)
            _record_origins(path, node, source, origins)
            continue
        if node.get("type", existing.get("type")) != existing.get("type"):
            target[name] = copy.deepcopy(dict(node))
            _record_origins(path, node, source, origins)
            continue
        if "datatype" in node and node["datatype"] != existing.get("datatype"):
            for key in ("min", "max", "allowed", "default"):
                if key not in node:
                    existing.pop(key, None)
        existing.update({key: copy.deepcopy(value) for key, value in node.items() if key != "children"})
        if origins is not None and source is not None:
            origins[path] = source
        children = node.get("children")
        if isinstance(children, Mapping):
            base_children = existing.get("children")
            if not isinstance(base_children, dict):
                base_children = existing["children"] = {}
            _merge_into(base_children, children, source, origins, path + ".")
        elif children is not None:
            existing["children"] = copy.deepcopy(children)


class Catalogue:
    """All nodes of a VSS tree, addressable by path, in depth-first file order."""

    def __init__(self, nodes: Iterable[NodeSpec]) -> None:
        self._nodes: dict[str, NodeSpec] = {}
        for node in nodes:
            self._nodes[node.path] = node
        self._leaves: tuple[NodeSpec, ...] = tuple(n for n in self._nodes.values() if n.is_leaf)

    # -- building ------------------------------------------------------------------------

    @classmethod
    def from_tree(cls, tree: Mapping[str, Any], *, source: str | None = None) -> Catalogue:
        """Build a catalogue from one JSON tree (``{"Vehicle": {...}}``)."""
        return cls(_parse_tree(tree, source, {}))

    @classmethod
    def from_trees(cls, trees: Iterable[tuple[Mapping[str, Any], str | None]]) -> Catalogue:
        """Build from a base tree and overlays, each given as ``(tree, source name)``."""
        merged: dict[str, Any] = {}
        origins: dict[str, str] = {}
        for tree, source in trees:
            if not isinstance(tree, Mapping):
                raise CatalogueError("a catalogue must be a JSON object of root nodes", source=source)
            _merge_into(merged, tree, source, origins, "")
        return cls(_parse_tree(merged, None, origins))

    @classmethod
    def from_files(cls, files: Iterable[str | Path]) -> Catalogue:
        """Load a base file and overlay files, in order."""
        trees = [(load_json_tree(path), str(path)) for path in files]
        if not trees:
            raise CatalogueError("no catalogue file given")
        return cls.from_trees(trees)

    def merged_with(self, overlay: Mapping[str, Any], *, source: str | None = None) -> Catalogue:
        """A new catalogue with ``overlay`` merged on top of this one."""
        return Catalogue.from_trees([(self.to_tree(), None), (overlay, source)])

    # -- reading -------------------------------------------------------------------------

    def __getitem__(self, path: str) -> NodeSpec:
        try:
            return self._nodes[path]
        except KeyError:
            raise UnknownSignalError(path) from None

    def get(self, path: str) -> NodeSpec | None:
        return self._nodes.get(path)

    def __contains__(self, path: object) -> bool:
        return path in self._nodes

    def __iter__(self) -> Iterator[NodeSpec]:
        return iter(self._nodes.values())

    def __len__(self) -> int:
        return len(self._nodes)

    def leaves(self) -> tuple[NodeSpec, ...]:
        """Every sensor, actuator and attribute, in catalogue order."""
        return self._leaves

    def match(self, pattern: str) -> list[NodeSpec]:
        """Leaves selected by a path pattern, in catalogue order.

        ``pattern`` is a leaf path, a branch path (all leaves below it), or a path
        with ``*`` segments (one level each) and ``**`` (any number of levels). A
        pattern that selects a branch selects every leaf below it. An empty
        pattern selects every leaf.
        """
        if not pattern:
            return list(self._leaves)
        node = self._nodes.get(pattern)
        if node is not None:
            if node.is_leaf:
                return [node]
            prefix = pattern + "."
            return [leaf for leaf in self._leaves if leaf.path.startswith(prefix)]
        if "*" not in pattern:
            return []
        regex = compile_path_pattern(pattern, include_children=True)
        return [leaf for leaf in self._leaves if regex.fullmatch(leaf.path)]

    def to_tree(self) -> dict[str, Any]:
        """The catalogue as a ``vspec export json`` tree."""
        root: dict[str, Any] = {}
        for node in self._nodes.values():
            parent_children = root
            *parents, name = node.path.split(".")
            for segment in parents:
                parent = parent_children.setdefault(segment, {"type": "branch", "description": ""})
                parent_children = parent.setdefault("children", {})
            parent_children[name] = {**node.to_vss(), **parent_children.get(name, {})}
        return root


def compile_path_pattern(pattern: str, *, include_children: bool) -> re.Pattern[str]:
    """Turn a dotted pattern with ``*``/``**`` into a regex over full paths.

    ``*`` is exactly one segment. ``**`` is any number of segments: zero or more
    in the middle or at the beginning (as in KUKSA, ``Vehicle.**.Speed`` matches
    ``Vehicle.Speed``), at least one at the end. With ``include_children`` the
    pattern also matches every path below a match.
    """
    segments = pattern.split(".")
    last = len(segments) - 1
    body = ""
    for index, segment in enumerate(segments):
        if segment == "**" and index < last:
            body += r"(?:[^.]+\.)*"
            continue
        if segment == "**":
            body += r"[^.]+(?:\.[^.]+)*"
        elif segment == "*":
            body += r"[^.]+"
        else:
            body += re.escape(segment).replace(r"\*", r"[^.]*")
        if index < last:
            body += r"\."
    if include_children:
        body += r"(?:\.[^.]+)*"
    return re.compile(body)


# -- parsing --------------------------------------------------------------------------------


def _parse_tree(tree: Mapping[str, Any], source: str | None, origins: Mapping[str, str]) -> list[NodeSpec]:
    """Parse a merged tree; ``origins`` names the file that defined each node, for errors."""
    nodes: list[NodeSpec] = []
    if not isinstance(tree, Mapping) or not tree:
        raise CatalogueError("a catalogue must be a JSON object of root nodes", source=source)
    for name, raw in tree.items():
        if name == "ComplexDataTypes":
            raise CatalogueError(
                "struct types (ComplexDataTypes) are not supported", source=origins.get(name, source)
            )
        _parse_node(name, raw, nodes, source, origins)
    return nodes


def _parse_node(
    path: str, raw: Any, out: list[NodeSpec], default_source: str | None, origins: Mapping[str, str]
) -> None:
    source = origins.get(path, default_source)
    segment = path.rsplit(".", 1)[-1]
    if not _SEGMENT.match(segment):
        raise CatalogueError(f"invalid node name {segment!r}", path=path, source=source)
    if not isinstance(raw, Mapping):
        raise CatalogueError("a node must be a JSON object", path=path, source=source)
    raw_type = raw.get("type")
    if raw_type is None:
        raise CatalogueError("node has no type", path=path, source=source)
    try:
        node_type = NodeType(raw_type)
    except ValueError:
        allowed = ", ".join(t.value for t in NodeType)
        raise CatalogueError(
            f"unknown node type {raw_type!r} (expected one of {allowed})", path=path, source=source
        ) from None
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise CatalogueError("description must be a string", path=path, source=source)
    children = raw.get("children")
    if node_type is NodeType.BRANCH:
        stray = sorted(_LEAF_FIELDS & raw.keys())
        if stray:
            raise CatalogueError(f"a branch cannot have {', '.join(stray)}", path=path, source=source)
        out.append(
            NodeSpec(
                path=path,
                node_type=node_type,
                description=description,
                comment=_optional_str(raw, "comment", path, source),
                deprecation=_optional_str(raw, "deprecation", path, source),
            )
        )
        if children is None:
            return
        if not isinstance(children, Mapping):
            raise CatalogueError("children must be a JSON object", path=path, source=source)
        for name, child in children.items():
            _parse_node(f"{path}.{name}", child, out, default_source, origins)
        return
    if children:
        raise CatalogueError(
            f"a {node_type.value} is a leaf and cannot have children", path=path, source=source
        )
    out.append(_parse_leaf(path, node_type, description, raw, source))


def _optional_str(raw: Mapping[str, Any], key: str, path: str, source: str | None) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise CatalogueError(f"{key} must be a string", path=path, source=source)
    return value


def _parse_leaf(
    path: str, node_type: NodeType, description: str, raw: Mapping[str, Any], source: str | None
) -> NodeSpec:
    def fail(message: str) -> CatalogueError:
        return CatalogueError(message, path=path, source=source)

    raw_datatype = raw.get("datatype")
    if raw_datatype is None:
        raise fail(f"a {node_type.value} must have a datatype")
    if not isinstance(raw_datatype, str):
        raise fail(f"datatype must be a string, got {raw_datatype!r}")
    try:
        datatype = DataType.from_vss(raw_datatype)
    except KeyError:
        raise fail(f"unknown datatype {raw_datatype!r}") from None

    minimum, maximum = raw.get("min"), raw.get("max")
    for key, bound in (("min", minimum), ("max", maximum)):
        if bound is None:
            continue
        if not datatype.is_numeric:
            raise fail(f"{key} is set but {datatype.vss_name} is not a numeric type")
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise fail(f"{key} must be a number, got {bound!r}")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise fail(f"min {minimum} is greater than max {maximum}")
    type_range = datatype.element.integer_range
    if type_range is not None:
        for key, bound in (("min", minimum), ("max", maximum)):
            if bound is not None and not type_range[0] <= bound <= type_range[1]:
                raise fail(
                    f"{key} {bound} is outside the range of {datatype.element.vss_name} "
                    f"[{type_range[0]}, {type_range[1]}]"
                )

    pattern = _optional_str(raw, "pattern", path, source)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as error:
            raise fail(f"pattern {pattern!r} is not a valid regular expression: {error}") from error

    base_check = compile_check(
        path=path, datatype=datatype.element, minimum=minimum, maximum=maximum, pattern=pattern
    )
    allowed_raw = raw.get("allowed")
    allowed: tuple[Any, ...] | None = None
    if allowed_raw is not None:
        if not isinstance(allowed_raw, list) or not allowed_raw:
            raise fail("allowed must be a non-empty list")
        try:
            allowed = tuple(base_check(item) for item in allowed_raw)
        except ValidationError as error:
            raise fail(f"allowed value does not fit the node: {error.detail} (rule: {error.rule})") from error

    check = compile_check(
        path=path,
        datatype=datatype,
        minimum=minimum,
        maximum=maximum,
        allowed=allowed,
        pattern=pattern,
    )
    default = raw.get("default")
    if default is not None:
        try:
            default = check(default)
        except ValidationError as error:
            raise fail(f"default does not fit the node: {error.detail} (rule: {error.rule})") from error

    return NodeSpec(
        path=path,
        node_type=node_type,
        description=description,
        datatype=datatype,
        unit=_optional_str(raw, "unit", path, source),
        min=minimum,
        max=maximum,
        allowed=allowed,
        default=default,
        comment=_optional_str(raw, "comment", path, source),
        deprecation=_optional_str(raw, "deprecation", path, source),
        pattern=pattern,
        check=check,
    )
