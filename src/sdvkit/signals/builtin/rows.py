"""One row per built-in signal, and the small helpers the domain tables are written with.

A row is plain data: the path, the node type, the VSS datatype, a description
and the optional rules (unit, min, max, allowed, default, pattern). Branches are
not written as rows; they follow from the leaf paths (see ``tree.py``).

>>> row = sensor("Vehicle.Speed", DataType.FLOAT, "Speed over ground.", unit="km/h")
>>> row.node_type, row.datatype.vss_name, row.unit
(<NodeType.SENSOR: 'sensor'>, 'float', 'km/h')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from sdvkit.signals.catalogue import NodeType
from sdvkit.signals.datatypes import DataType

# Short names for the datatypes, so the tables read as tables.
BOOLEAN = DataType.BOOLEAN
STRING = DataType.STRING
STRING_ARRAY = DataType.STRING_ARRAY
INT8 = DataType.INT8
INT16 = DataType.INT16
INT32 = DataType.INT32
UINT8 = DataType.UINT8
UINT16 = DataType.UINT16
UINT32 = DataType.UINT32
FLOAT = DataType.FLOAT
DOUBLE = DataType.DOUBLE


@dataclass(frozen=True, kw_only=True, slots=True)
class SignalRow:
    """One leaf of the built-in catalogue, as the project declares it."""

    path: str
    node_type: NodeType
    datatype: DataType
    description: str
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    allowed: tuple[Any, ...] | None = None
    default: Any = None
    comment: str | None = None
    pattern: str | None = None

    def __post_init__(self) -> None:
        if not self.node_type.is_leaf:
            raise ValueError(f"{self.path}: a row is a leaf, not a {self.node_type.value}")

    def to_vss(self) -> dict[str, Any]:
        """The leaf as ``vspec export json`` writes it."""
        node: dict[str, Any] = {
            "type": self.node_type.value,
            "datatype": self.datatype.vss_name,
            "description": self.description,
        }
        optional: dict[str, Any] = {
            "unit": self.unit,
            "min": self.min,
            "max": self.max,
            "allowed": list(self.allowed) if self.allowed is not None else None,
            "default": self.default,
            "pattern": self.pattern,
            "comment": self.comment,
        }
        node.update({key: value for key, value in optional.items() if value is not None})
        return node


class LeafRules(TypedDict, total=False):
    """The optional rules of a row, as keyword arguments of :func:`sensor` and friends."""

    unit: str | None
    min: float | None
    max: float | None
    allowed: Iterable[Any] | None
    default: Any
    comment: str | None
    pattern: str | None


def _leaf(
    node_type: NodeType, path: str, datatype: DataType, description: str, rules: LeafRules
) -> SignalRow:
    allowed = rules.get("allowed")
    return SignalRow(
        path=path,
        node_type=node_type,
        datatype=datatype,
        description=description,
        unit=rules.get("unit"),
        min=rules.get("min"),
        max=rules.get("max"),
        allowed=tuple(allowed) if allowed is not None else None,
        default=rules.get("default"),
        comment=rules.get("comment"),
        pattern=rules.get("pattern"),
    )


def sensor(path: str, datatype: DataType, description: str, **rules: Unpack[LeafRules]) -> SignalRow:
    """A value the vehicle measures or computes; providers publish it."""
    return _leaf(NodeType.SENSOR, path, datatype, description, rules)


def actuator(path: str, datatype: DataType, description: str, **rules: Unpack[LeafRules]) -> SignalRow:
    """A value clients may ask the vehicle to take; one provider carries it out."""
    return _leaf(NodeType.ACTUATOR, path, datatype, description, rules)


def attribute(path: str, datatype: DataType, description: str, **rules: Unpack[LeafRules]) -> SignalRow:
    """A fixed property of the vehicle, set once (at start or by configuration)."""
    return _leaf(NodeType.ATTRIBUTE, path, datatype, description, rules)


def for_each(
    instances: Iterable[str], make_rows: Callable[[str], Iterable[SignalRow]]
) -> tuple[SignalRow, ...]:
    """The rows ``make_rows`` gives for every instance, in order.

    >>> rows = for_each(("Left", "Right"), lambda side: [
    ...     sensor(f"Vehicle.Demo.{side}.IsOn", BOOLEAN, "Demo.")])
    >>> [row.path for row in rows]
    ['Vehicle.Demo.Left.IsOn', 'Vehicle.Demo.Right.IsOn']
    """
    return tuple(row for instance in instances for row in make_rows(instance))


# Instance names as VSS 6.0 spells them.
FRONT_ROW_SEATS = ("Row1.DriverSide", "Row1.PassengerSide")
DOORS = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
HVAC_STATIONS = ("Row1.Driver", "Row1.Passenger", "Row2.Driver", "Row2.Passenger")
WHEELS = ("Row1.Wheel.Left", "Row1.Wheel.Right", "Row2.Wheel.Left", "Row2.Wheel.Right")
AXLES = ("Row1", "Row2")
