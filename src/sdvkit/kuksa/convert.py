"""Conversions between sdvkit values and the kuksa.val v1/v2 protobuf messages."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v2 import types_pb2 as types_v2

from sdvkit.kuksa.errors import RequestError
from sdvkit.signals.catalogue import NodeSpec, NodeType
from sdvkit.signals.datatypes import DataType
from sdvkit.signals.subscription import Datapoint

_SCALAR_FIELD: dict[DataType, str] = {
    DataType.STRING: "string",
    DataType.BOOLEAN: "bool",
    DataType.INT8: "int32",
    DataType.INT16: "int32",
    DataType.INT32: "int32",
    DataType.INT64: "int64",
    DataType.UINT8: "uint32",
    DataType.UINT16: "uint32",
    DataType.UINT32: "uint32",
    DataType.UINT64: "uint64",
    DataType.FLOAT: "float",
    DataType.DOUBLE: "double",
}
VALUE_FIELD: dict[DataType, str] = {
    **_SCALAR_FIELD,
    **{dt: _SCALAR_FIELD[dt.element] + "_array" for dt in DataType if dt.is_array},
}
"""The protobuf ``Value`` field (v2) or ``Datapoint`` field (v1) that carries each datatype."""

ENTRY_TYPE_V2 = {
    NodeType.ATTRIBUTE: types_v2.ENTRY_TYPE_ATTRIBUTE,
    NodeType.SENSOR: types_v2.ENTRY_TYPE_SENSOR,
    NodeType.ACTUATOR: types_v2.ENTRY_TYPE_ACTUATOR,
}
ENTRY_TYPE_V1 = {
    NodeType.ATTRIBUTE: types_v1.ENTRY_TYPE_ATTRIBUTE,
    NodeType.SENSOR: types_v1.ENTRY_TYPE_SENSOR,
    NodeType.ACTUATOR: types_v1.ENTRY_TYPE_ACTUATOR,
}


def timestamp_ns_of(timestamp: Timestamp) -> int:
    return timestamp.seconds * 1_000_000_000 + timestamp.nanos


def set_timestamp(timestamp: Timestamp, timestamp_ns: int) -> None:
    seconds, nanos = divmod(timestamp_ns, 1_000_000_000)
    timestamp.seconds = seconds
    timestamp.nanos = nanos


def read_value(message: Any, oneof: str) -> Any:
    """The Python value of a v2 ``Value`` (``oneof='typed_value'``) or a v1 ``Datapoint`` (``'value'``).

    Raises RequestError when no value is set.
    """
    field = message.WhichOneof(oneof)
    if field is None:
        raise RequestError("the request carries no value")
    value = getattr(message, field)
    if field.endswith("_array"):
        return tuple(value.values)
    return value


def write_value(message: Any, datatype: DataType, value: Any) -> None:
    """Store a checked value into a v2 ``Value`` or a v1 ``Datapoint`` message."""
    field = VALUE_FIELD[datatype]
    if datatype.is_array:
        getattr(message, field).values.extend(value)
    else:
        setattr(message, field, value)


def datapoint_v2(spec: NodeSpec, datapoint: Datapoint | None) -> types_v2.Datapoint:
    message = types_v2.Datapoint()
    if datapoint is not None:
        assert spec.datatype is not None
        write_value(message.value, spec.datatype, datapoint.value)
        set_timestamp(message.timestamp, datapoint.timestamp_ns)
    return message


def value_v2(datatype: DataType, value: Any) -> types_v2.Value:
    message = types_v2.Value()
    write_value(message, datatype, value)
    return message


def metadata_v2(spec: NodeSpec, signal_id: int) -> types_v2.Metadata:
    assert spec.datatype is not None
    message = types_v2.Metadata(
        path=spec.path,
        id=signal_id,
        data_type=spec.datatype.kuksa_number,  # type: ignore[arg-type]
        entry_type=ENTRY_TYPE_V2[spec.node_type],
        description=spec.description,
        comment=spec.comment or "",
        deprecation=spec.deprecation or "",
        unit=spec.unit or "",
    )
    element = spec.datatype.element
    if spec.min is not None:
        write_value(message.min, element, _bound(element, spec.min))
    if spec.max is not None:
        write_value(message.max, element, _bound(element, spec.max))
    if spec.allowed is not None:
        array_type = element if element.is_array else _array_of(element)
        write_value(message.allowed_values, array_type, spec.allowed)
    return message


def _bound(datatype: DataType, bound: float) -> Any:
    return float(bound) if datatype.base is float else int(bound)


def _array_of(element: DataType) -> DataType:
    return DataType.from_vss(element.vss_name + "[]")


def metadata_v1(spec: NodeSpec) -> types_v1.Metadata:
    assert spec.datatype is not None
    message = types_v1.Metadata(
        data_type=spec.datatype.kuksa_number,  # type: ignore[arg-type]
        entry_type=ENTRY_TYPE_V1[spec.node_type],
        description=spec.description,
    )
    if spec.comment:
        message.comment = spec.comment
    if spec.deprecation:
        message.deprecation = spec.deprecation
    if spec.unit:
        message.unit = spec.unit
    element = spec.datatype.element
    restriction = message.value_restriction
    if element.base is str and spec.allowed is not None:
        restriction.string.allowed_values.extend(spec.allowed)
    elif element.base in (int, float) and (
        spec.min is not None or spec.max is not None or spec.allowed is not None
    ):
        if element.base is float:
            target: Any = restriction.floating_point
        elif (element.integer_range or (0, 0))[0] < 0:
            target = restriction.signed
        else:
            target = restriction.unsigned
        if spec.min is not None:
            target.min = _bound(element, spec.min)
        if spec.max is not None:
            target.max = _bound(element, spec.max)
        if spec.allowed is not None:
            target.allowed_values.extend(spec.allowed)
    if spec.node_type is NodeType.ACTUATOR:
        message.actuator.SetInParent()
    elif spec.node_type is NodeType.SENSOR:
        message.sensor.SetInParent()
    else:
        message.attribute.SetInParent()
    return message


def datapoint_v1(datatype: DataType, datapoint: Datapoint) -> types_v1.Datapoint:
    message = types_v1.Datapoint()
    write_value(message, datatype, datapoint.value)
    set_timestamp(message.timestamp, datapoint.timestamp_ns)
    return message
