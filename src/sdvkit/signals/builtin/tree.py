"""Build the ``vspec export json`` tree from the rows: branches follow from the leaf paths."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sdvkit.signals.builtin.branches import branch_description
from sdvkit.signals.builtin.rows import SignalRow


def build_tree(rows: Iterable[SignalRow]) -> dict[str, Any]:
    """The rows as a tree ``{"Vehicle": {"type": "branch", ..., "children": {...}}}``.

    Branches appear in the order their first leaf does. Raise ValueError for a
    path declared twice or a leaf that would need to hold children.
    """
    root: dict[str, Any] = {}
    for row in rows:
        *parents, name = row.path.split(".")
        children = root
        walked: list[str] = []
        for segment in parents:
            walked.append(segment)
            branch = children.get(segment)
            if branch is None:
                branch = children[segment] = {
                    "type": "branch",
                    "description": branch_description(".".join(walked)),
                    "children": {},
                }
            elif branch["type"] != "branch":
                raise ValueError(f"{row.path}: {'.'.join(walked)} is a leaf, not a branch")
            children = branch["children"]
        if name in children:
            raise ValueError(f"{row.path}: declared twice")
        children[name] = row.to_vss()
    return root
