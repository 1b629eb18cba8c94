"""kuksa.val.v1 over a real gRPC channel: Get, Set, Subscribe, StreamedUpdate, GetServerInfo."""

from __future__ import annotations

import queue
from collections.abc import Iterable, Iterator
from typing import Any

import grpc
import pytest
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v1 import val_pb2 as val_v1
from kuksa.val.v1 import val_pb2_grpc as val_v1_grpc
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_v2_grpc
from tests.conftest import TIMEOUT, Stream

import sdvkit

STREAM_DEADLINE = 30

SPEED = "Vehicle.Speed"
GEAR = "Vehicle.Gear"
DRIVE_MODE = "Vehicle.DriveMode"
TRUNK = "Vehicle.Body.Trunk.IsOpen"
ROW1_POSITION = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
ROW2_POSITION = "Vehicle.Cabin.Seat.Row2.DriverSide.Position"
AMBIENT = "Vehicle.Cabin.Lights.AmbientColors"


@pytest.fixture
def channel(grpc_server: Any) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(grpc_server.target) as channel:
        yield channel


@pytest.fixture
def v1(channel: grpc.Channel) -> val_v1_grpc.VALStub:
    return val_v1_grpc.VALStub(channel)  # type: ignore[no-untyped-call]


@pytest.fixture
def v2(channel: grpc.Channel) -> val_v2_grpc.VALStub:
    return val_v2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]


@pytest.fixture
def streams() -> Iterator[list[Stream]]:
    opened: list[Stream] = []
    yield opened
    for stream in opened:
        stream.cancel()


def get(
    stub: val_v1_grpc.VALStub,
    path: str,
    view: types_v1.View = types_v1.VIEW_CURRENT_VALUE,
    fields: Iterable[types_v1.Field] = (),
) -> val_v1.GetResponse:
    response: val_v1.GetResponse = stub.Get(
        val_v1.GetRequest(entries=[val_v1.EntryRequest(path=path, view=view, fields=list(fields))]),
        timeout=TIMEOUT,
    )
    return response


def value_update(path: str, **value: Any) -> val_v1.EntryUpdate:
    return val_v1.EntryUpdate(
        entry=types_v1.DataEntry(path=path, value=types_v1.Datapoint(**value)), fields=[types_v1.FIELD_VALUE]
    )


def target_update(path: str, **value: Any) -> val_v1.EntryUpdate:
    return val_v1.EntryUpdate(
        entry=types_v1.DataEntry(path=path, actuator_target=types_v1.Datapoint(**value)),
        fields=[types_v1.FIELD_ACTUATOR_TARGET],
    )


def set_(stub: val_v1_grpc.VALStub, *updates: val_v1.EntryUpdate) -> val_v1.SetResponse:
    response: val_v1.SetResponse = stub.Set(val_v1.SetRequest(updates=list(updates)), timeout=TIMEOUT)
    return response


def current(stub: val_v1_grpc.VALStub, path: str) -> types_v1.DataEntry:
    response = get(stub, path)
    assert not response.errors, response
    [entry] = response.entries
    return entry


# -- Get -----------------------------------------------------------------------------------


def test_get_before_any_value_has_no_value(v1: val_v1_grpc.VALStub) -> None:
    response = get(v1, SPEED)
    assert not response.errors
    assert not response.HasField("error")
    [entry] = response.entries
    assert entry.path == SPEED
    assert not entry.HasField("value")
    assert not entry.HasField("metadata")


def test_set_value_then_get_current_value(v1: val_v1_grpc.VALStub) -> None:
    response = set_(
        v1, value_update(SPEED, float=77.5), value_update(AMBIENT, string_array={"values": ["a"]})
    )
    assert not response.errors
    assert not response.HasField("error")
    entry = current(v1, SPEED)
    assert entry.value.float == 77.5
    assert entry.value.timestamp.seconds > 0
    assert not entry.HasField("actuator_target")
    assert list(current(v1, AMBIENT).value.string_array.values) == ["a"]


def test_set_target_then_get_target_value(v1: val_v1_grpc.VALStub) -> None:
    assert not set_(v1, target_update(GEAR, int32=3)).errors
    response = get(v1, GEAR, types_v1.VIEW_TARGET_VALUE)
    [entry] = response.entries
    assert entry.actuator_target.int32 == 3
    assert not entry.HasField("value")  # a target is not the current value
    assert not current(v1, GEAR).HasField("value")


def test_get_metadata_view(v1: val_v1_grpc.VALStub) -> None:
    [speed] = get(v1, SPEED, types_v1.VIEW_METADATA).entries
    assert not speed.HasField("value")
    meta = speed.metadata
    assert meta.data_type == types_v1.DATA_TYPE_FLOAT
    assert meta.entry_type == types_v1.ENTRY_TYPE_SENSOR
    assert meta.description == "a float sensor"
    assert meta.unit == "km/h"
    assert meta.value_restriction.floating_point.min == 0.0
    assert meta.value_restriction.floating_point.max == 250.0
    assert meta.HasField("sensor")

    [gear] = get(v1, GEAR, types_v1.VIEW_METADATA).entries
    assert gear.metadata.data_type == types_v1.DATA_TYPE_INT8
    assert gear.metadata.entry_type == types_v1.ENTRY_TYPE_ACTUATOR
    assert (gear.metadata.value_restriction.signed.min, gear.metadata.value_restriction.signed.max) == (-1, 8)
    assert gear.metadata.HasField("actuator")

    [position] = get(v1, ROW2_POSITION, types_v1.VIEW_METADATA).entries
    assert position.metadata.data_type == types_v1.DATA_TYPE_UINT16
    assert position.metadata.value_restriction.unsigned.max == 1000

    [mode] = get(v1, DRIVE_MODE, types_v1.VIEW_METADATA).entries
    assert list(mode.metadata.value_restriction.string.allowed_values) == ["ECO", "NORMAL", "SPORT"]

    [vin] = get(v1, "Vehicle.VehicleIdentification.VIN", types_v1.VIEW_METADATA).entries
    assert vin.metadata.entry_type == types_v1.ENTRY_TYPE_ATTRIBUTE
    assert vin.metadata.HasField("attribute")


def test_get_metadata_data_type_field_as_kuksa_client_asks(v1: val_v1_grpc.VALStub) -> None:
    response = get(v1, AMBIENT, types_v1.VIEW_METADATA, [types_v1.FIELD_METADATA_DATA_TYPE])
    [entry] = response.entries
    assert entry.metadata.data_type == types_v1.DATA_TYPE_STRING_ARRAY


def test_get_all_view(v1: val_v1_grpc.VALStub) -> None:
    set_(v1, value_update(GEAR, int32=1), target_update(GEAR, int32=2))
    [entry] = get(v1, GEAR, types_v1.VIEW_ALL).entries
    assert entry.value.int32 == 1
    assert entry.actuator_target.int32 == 2
    assert entry.metadata.entry_type == types_v1.ENTRY_TYPE_ACTUATOR


def test_get_with_globs_and_branches(v1: val_v1_grpc.VALStub) -> None:
    set_(v1, value_update(ROW1_POSITION, uint32=10), value_update(ROW2_POSITION, uint32=20))
    wildcard = get(v1, "Vehicle.Cabin.Seat.*.DriverSide.Position")
    assert {e.path: e.value.uint32 for e in wildcard.entries} == {ROW1_POSITION: 10, ROW2_POSITION: 20}
    branch = get(v1, "Vehicle.Cabin.Seat")
    assert {e.path for e in branch.entries} == {
        ROW1_POSITION,
        ROW2_POSITION,
        "Vehicle.Cabin.Seat.Row1.DriverSide.IsOccupied",
        "Vehicle.Cabin.Seat.Row2.DriverSide.IsOccupied",
    }
    cabin = get(v1, "Vehicle.Cabin.*", types_v1.VIEW_METADATA)
    assert {e.path for e in cabin.entries} == {e.path for e in branch.entries} | {AMBIENT}
    assert all(e.HasField("metadata") for e in cabin.entries)


def test_get_unknown_path_reports_404_in_the_body(v1: val_v1_grpc.VALStub) -> None:
    set_(v1, value_update(SPEED, float=5.0))
    response = v1.Get(
        val_v1.GetRequest(
            entries=[
                val_v1.EntryRequest(path=SPEED, view=types_v1.VIEW_CURRENT_VALUE),
                val_v1.EntryRequest(path="Vehicle.Nope", view=types_v1.VIEW_CURRENT_VALUE),
            ]
        ),
        timeout=TIMEOUT,
    )
    [error] = response.errors
    assert error.path == "Vehicle.Nope"
    assert error.error.code == 404
    assert error.error.reason == "not_found"
    assert "Vehicle.Nope" in error.error.message
    assert response.error.code == 404
    # the known path is still answered
    assert [(e.path, e.value.float) for e in response.entries] == [(SPEED, 5.0)]
    # a glob that matches nothing is not found either
    assert get(v1, "Vehicle.*.Nope").errors[0].error.code == 404


def test_get_empty_or_long_path_is_400(v1: val_v1_grpc.VALStub) -> None:
    for path in ("", "Vehicle." + "X" * 1000):
        response = get(v1, path)
        assert response.error.code == 400, path
        assert response.errors[0].error.reason == "bad_request"
        assert response.errors[0].error.message


# -- Set -----------------------------------------------------------------------------------


def test_set_is_all_or_nothing(v1: val_v1_grpc.VALStub) -> None:
    response = set_(v1, value_update(SPEED, float=50.0), value_update(GEAR, int32=99))
    assert response.error.code == 400
    [error] = response.errors
    assert error.path == GEAR
    assert error.error.code == 400
    assert error.error.reason == "bad_request"
    assert "maximum" in error.error.message
    assert not current(v1, SPEED).HasField("value")

    response = set_(v1, target_update(TRUNK, bool=True), target_update(DRIVE_MODE, string="TURBO"))
    assert [e.path for e in response.errors] == [DRIVE_MODE]
    assert "allowed" in response.errors[0].error.message
    [trunk] = get(v1, TRUNK, types_v1.VIEW_TARGET_VALUE).entries
    assert not trunk.HasField("actuator_target")


@pytest.mark.parametrize(
    ("update", "code", "words"),
    [
        (value_update(SPEED, string="fast"), 400, "float"),
        (value_update(SPEED, float=251.0), 400, "maximum"),
        (value_update("Vehicle.Nope", float=1.0), 404, "Vehicle.Nope"),
        (target_update(SPEED, float=1.0), 400, "not an actuator"),
        (target_update(GEAR, int32=-5), 400, "minimum"),
        (target_update(GEAR, string="x"), 400, "int8"),
        (
            val_v1.EntryUpdate(entry=types_v1.DataEntry(path=SPEED), fields=[types_v1.FIELD_VALUE]),
            400,
            "no value",
        ),
        (
            val_v1.EntryUpdate(
                entry=types_v1.DataEntry(path=SPEED, metadata=types_v1.Metadata(unit="mph")),
                fields=[types_v1.FIELD_METADATA_UNIT],
            ),
            400,
            "metadata",
        ),
        (value_update("", float=1.0), 400, "empty"),
    ],
)
def test_bad_set_updates(v1: val_v1_grpc.VALStub, update: val_v1.EntryUpdate, code: int, words: str) -> None:
    response = set_(v1, update)
    [error] = response.errors
    assert error.error.code == code
    assert words in error.error.message
    assert response.error.code == code


def test_set_target_reaches_a_v2_provider(v1: val_v1_grpc.VALStub, v2: val_v2_grpc.VALStub) -> None:
    [meta] = v2.ListMetadata(val_v2.ListMetadataRequest(root=GEAR), timeout=TIMEOUT).metadata
    requests: queue.Queue[val_v2.OpenProviderStreamRequest | None] = queue.Queue()

    def outgoing() -> Iterator[val_v2.OpenProviderStreamRequest]:
        while (request := requests.get()) is not None:
            yield request

    provider = Stream(v2.OpenProviderStream(outgoing(), timeout=STREAM_DEADLINE))
    try:
        requests.put(
            val_v2.OpenProviderStreamRequest(
                provide_actuation_request=val_v2.ProvideActuationRequest(
                    actuator_identifiers=[types_v2.SignalID(path=GEAR)]
                )
            )
        )
        assert provider.next().HasField("provide_actuation_response")
        assert not set_(v1, target_update(GEAR, int32=6)).errors
        batch = provider.next().batch_actuate_stream_request
        [request] = batch.actuate_requests
        assert request.signal_id.id == meta.id
        assert request.value.int32 == 6
        # a refused target never reaches the provider: the next message is the good one
        assert set_(v1, target_update(GEAR, int32=60)).errors
        assert not set_(v1, target_update(GEAR, int32=7)).errors
        [request] = provider.next().batch_actuate_stream_request.actuate_requests
        assert request.value.int32 == 7
    finally:
        requests.put(None)
        provider.cancel()


def test_set_value_of_a_signal_a_provider_claimed_is_409(
    v1: val_v1_grpc.VALStub, v2: val_v2_grpc.VALStub
) -> None:
    [meta] = v2.ListMetadata(val_v2.ListMetadataRequest(root=SPEED), timeout=TIMEOUT).metadata
    requests: queue.Queue[val_v2.OpenProviderStreamRequest | None] = queue.Queue()

    def outgoing() -> Iterator[val_v2.OpenProviderStreamRequest]:
        while (request := requests.get()) is not None:
            yield request

    provider = Stream(v2.OpenProviderStream(outgoing(), timeout=STREAM_DEADLINE))
    try:
        requests.put(
            val_v2.OpenProviderStreamRequest(
                provide_signal_request=val_v2.ProvideSignalRequest(
                    signals_sample_intervals={meta.id: types_v2.SampleInterval()}
                )
            )
        )
        assert provider.next().HasField("provide_signal_response")
        response = set_(v1, value_update(SPEED, float=1.0))
        assert response.error.code == 409
        assert SPEED in response.errors[0].error.message
    finally:
        requests.put(None)
        provider.cancel()


# -- Subscribe -----------------------------------------------------------------------------


def test_subscribe_current_values(v1: val_v1_grpc.VALStub, streams: list[Stream]) -> None:
    set_(v1, value_update(SPEED, float=10.0))
    stream = Stream(
        v1.Subscribe(
            val_v1.SubscribeRequest(
                entries=[
                    val_v1.SubscribeEntry(
                        path=SPEED, view=types_v1.VIEW_CURRENT_VALUE, fields=[types_v1.FIELD_VALUE]
                    )
                ]
            ),
            timeout=STREAM_DEADLINE,
        )
    )
    streams.append(stream)
    [first] = stream.next().updates
    assert first.entry.path == SPEED
    assert first.entry.value.float == 10.0
    assert list(first.fields) == [types_v1.FIELD_VALUE]
    set_(v1, value_update(SPEED, float=11.0))
    [update] = stream.next().updates
    assert update.entry.value.float == 11.0


def test_subscribe_target_values_with_a_glob(v1: val_v1_grpc.VALStub, streams: list[Stream]) -> None:
    stream = Stream(
        v1.Subscribe(
            val_v1.SubscribeRequest(
                entries=[val_v1.SubscribeEntry(path="Vehicle.Cabin.Seat.*", view=types_v1.VIEW_TARGET_VALUE)]
            ),
            timeout=STREAM_DEADLINE,
        )
    )
    streams.append(stream)
    set_(v1, target_update(ROW2_POSITION, uint32=450))
    [update] = stream.next().updates
    assert update.entry.path == ROW2_POSITION
    assert update.entry.actuator_target.uint32 == 450
    assert list(update.fields) == [types_v1.FIELD_ACTUATOR_TARGET]
    # a value (not a target) does not show up in a target view
    set_(v1, value_update(ROW1_POSITION, uint32=1), target_update(ROW1_POSITION, uint32=2))
    [update] = stream.next().updates
    assert update.entry.path == ROW1_POSITION
    assert update.entry.actuator_target.uint32 == 2


def test_subscribe_metadata_view_sends_the_metadata_first(
    v1: val_v1_grpc.VALStub, streams: list[Stream]
) -> None:
    stream = Stream(
        v1.Subscribe(
            val_v1.SubscribeRequest(
                entries=[
                    val_v1.SubscribeEntry(path=GEAR, view=types_v1.VIEW_METADATA),
                    val_v1.SubscribeEntry(path=GEAR, view=types_v1.VIEW_CURRENT_VALUE),
                ]
            ),
            timeout=STREAM_DEADLINE,
        )
    )
    streams.append(stream)
    [first] = stream.next().updates
    assert first.entry.path == GEAR
    assert first.entry.metadata.data_type == types_v1.DATA_TYPE_INT8
    assert first.entry.metadata.value_restriction.signed.max == 8
    set_(v1, value_update(GEAR, int32=2))
    [update] = stream.next().updates
    assert update.entry.value.int32 == 2


def test_subscribe_unknown_path_fails(v1: val_v1_grpc.VALStub) -> None:
    stream = Stream(
        v1.Subscribe(
            val_v1.SubscribeRequest(
                entries=[val_v1.SubscribeEntry(path="Vehicle.Nope", view=types_v1.VIEW_CURRENT_VALUE)]
            ),
            timeout=TIMEOUT,
        )
    )
    error = stream.error()
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert "Vehicle.Nope" in error.details()
    stream = Stream(v1.Subscribe(val_v1.SubscribeRequest(), timeout=TIMEOUT))
    error = stream.error()
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.details()


# -- StreamedUpdate / GetServerInfo -------------------------------------------------------


def test_streamed_update(v1: val_v1_grpc.VALStub) -> None:
    requests: queue.Queue[val_v1.StreamedUpdateRequest | None] = queue.Queue()

    def outgoing() -> Iterator[val_v1.StreamedUpdateRequest]:
        while (request := requests.get()) is not None:
            yield request

    stream = Stream(v1.StreamedUpdate(outgoing(), timeout=STREAM_DEADLINE))
    try:
        requests.put(val_v1.StreamedUpdateRequest(updates=[value_update(SPEED, float=20.0)]))
        requests.put(val_v1.StreamedUpdateRequest(updates=[value_update(SPEED, float=999.0)]))
        # only errors are answered
        response = stream.next()
        [error] = response.errors
        assert error.path == SPEED
        assert error.error.code == 400
        assert "maximum" in error.error.message
        assert current(v1, SPEED).value.float == 20.0
        requests.put(
            val_v1.StreamedUpdateRequest(
                updates=[value_update(SPEED, float=21.0), value_update(GEAR, int32=4)]
            )
        )
        requests.put(None)
        with pytest.raises(AssertionError, match="the stream ended"):
            stream.next()
        assert current(v1, SPEED).value.float == 21.0
        assert current(v1, GEAR).value.int32 == 4
    finally:
        requests.put(None)
        stream.cancel()


def test_get_server_info(v1: val_v1_grpc.VALStub) -> None:
    info = v1.GetServerInfo(val_v1.GetServerInfoRequest(), timeout=TIMEOUT)
    assert info.name == "sdvkit"
    assert info.version == sdvkit.__version__
