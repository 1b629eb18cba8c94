"""Shared fixtures of the runtime tests: a small catalogue, built inline."""

from __future__ import annotations

from typing import Any

import pytest

from sdvkit.signals.catalogue import Catalogue

TREE: dict[str, Any] = {
    "Vehicle": {
        "type": "branch",
        "description": "v",
        "children": {
            "Speed": {"type": "sensor", "datatype": "float", "unit": "km/h", "description": "s"},
            "Controls": {
                "type": "branch",
                "description": "c",
                "children": {
                    "BrakeDemand": {
                        "type": "actuator",
                        "datatype": "float",
                        "unit": "percent",
                        "min": 0,
                        "max": 100,
                        "description": "b",
                    },
                    "Horn": {"type": "actuator", "datatype": "boolean", "description": "h"},
                },
            },
            "Cabin": {
                "type": "branch",
                "description": "c",
                "children": {
                    "Temperature": {
                        "type": "sensor",
                        "datatype": "float",
                        "unit": "celsius",
                        "description": "t",
                    },
                    "DoorOpen": {"type": "sensor", "datatype": "boolean", "description": "d"},
                },
            },
        },
    }
}


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue.from_tree(TREE)
