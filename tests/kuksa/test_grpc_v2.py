"""kuksa.val.v2 over a real gRPC channel: all eleven RPCs and the status codes KUKSA uses."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
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
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
CELLS = "Vehicle.Powertrain.TractionBattery.CellVoltages"
ROW1_POSITION = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
ROW2_POSITION = "Vehicle.Cabin.Seat.Row2.DriverSide.Position"
AMBIENT = "Vehicle.Cabin.Lights.AmbientColors"


# -- helpers -------------------------------------------------------------------------------


class Provider:
    """An OpenProviderStream whose requests the test sends one by one."""

    def __init__(self, stub: val_v2_grpc.VALStub, metadata: Any = None) -> None:
        self._requests: queue.Queue[val_v2.OpenProviderStreamRequest | None] = queue.Queue()
        self.stream = Stream(
            stub.OpenProviderStream(self._iterate(), timeout=STREAM_DEADLINE, metadata=metadata)
        )

    def _iterate(self) -> Iterator[val_v2.OpenProviderStreamRequest]:
        while True:
            request = self._requests.get()
            if request is None:
                return
            yield request

    def send(self, request: val_v2.OpenProviderStreamRequest) -> None:
        self._requests.put(request)

    def claim_actuators(self, *paths: str) -> None:
        self.send(
            val_v2.OpenProviderStreamRequest(
                provide_actuation_request=val_v2.ProvideActuationRequest(
                    actuator_identifiers=[types_v2.SignalID(path=path) for path in paths]
                )
            )
        )

    def claim_signals(self, *ids: int) -> None:
        self.send(
            val_v2.OpenProviderStreamRequest(
                provide_signal_request=val_v2.ProvideSignalRequest(
                    signals_sample_intervals={i: types_v2.SampleInterval(interval_ms=0) for i in ids}
                )
            )
        )

    def publish(self, request_id: int, data_points: dict[int, types_v2.Datapoint]) -> None:
        self.send(
            val_v2.OpenProviderStreamRequest(
                publish_values_request=val_v2.PublishValuesRequest(
                    request_id=request_id, data_points=data_points
                )
            )
        )

    def next(self, timeout: float = TIMEOUT) -> val_v2.OpenProviderStreamResponse:
        response: val_v2.OpenProviderStreamResponse = self.stream.next(timeout)
        return response

    def close(self) -> None:
        self._requests.put(None)
        self.stream.cancel()


def by_path(path: str) -> types_v2.SignalID:
    return types_v2.SignalID(path=path)


def by_id(signal_id: int) -> types_v2.SignalID:
    return types_v2.SignalID(id=signal_id)


def dp(**value: Any) -> types_v2.Datapoint:
    return types_v2.Datapoint(value=types_v2.Value(**value))


def status_of(call: Any, *args: Any, **kwargs: Any) -> tuple[grpc.StatusCode, str]:
    """Run a unary call that must fail; return its code and message."""
    with pytest.raises(grpc.RpcError) as info:
        call(*args, timeout=TIMEOUT, **kwargs)
    error: Any = info.value
    return error.code(), error.details()


def publish(stub: val_v2_grpc.VALStub, path: str, **value: Any) -> None:
    stub.PublishValue(
        val_v2.PublishValueRequest(signal_id=by_path(path), data_point=dp(**value)), timeout=TIMEOUT
    )


def get(stub: val_v2_grpc.VALStub, key: str | int) -> types_v2.Datapoint:
    signal_id = by_path(key) if isinstance(key, str) else by_id(key)
    response = stub.GetValue(val_v2.GetValueRequest(signal_id=signal_id), timeout=TIMEOUT)
    point: types_v2.Datapoint = response.data_point
    return point


def ids_of(stub: val_v2_grpc.VALStub, *paths: str) -> list[int]:
    ids = []
    for path in paths:
        response = stub.ListMetadata(val_v2.ListMetadataRequest(root=path), timeout=TIMEOUT)
        assert [m.path for m in response.metadata] == [path]
        ids.append(response.metadata[0].id)
    return ids


@pytest.fixture
def channel(grpc_server: Any) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(grpc_server.target) as channel:
        yield channel


@pytest.fixture
def stub(channel: grpc.Channel) -> val_v2_grpc.VALStub:
    return val_v2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]


@pytest.fixture
def provider_factory(stub: val_v2_grpc.VALStub) -> Iterator[Any]:
    opened: list[Provider] = []

    def open_provider(metadata: Any = None) -> Provider:
        provider = Provider(stub, metadata)
        opened.append(provider)
        return provider

    yield open_provider
    for provider in opened:
        provider.close()


@pytest.fixture
def streams() -> Iterator[list[Stream]]:
    """Streams registered here are cancelled when the test ends."""
    opened: list[Stream] = []
    yield opened
    for stream in opened:
        stream.cancel()


def claimed_actuator_provider(provider_factory: Any, *paths: str) -> Provider:
    provider: Provider = provider_factory()
    provider.claim_actuators(*paths)
    assert provider.next().HasField("provide_actuation_response")
    return provider


# -- GetValue / GetValues / PublishValue ----------------------------------------------------


def test_get_value_is_unset_before_any_publish(stub: val_v2_grpc.VALStub) -> None:
    point = get(stub, SPEED)
    assert not point.HasField("value")
    assert point.value.WhichOneof("typed_value") is None


def test_publish_then_get_by_path_and_by_id(stub: val_v2_grpc.VALStub) -> None:
    publish(stub, SPEED, float=42.5)
    by_path_point = get(stub, SPEED)
    assert by_path_point.value.float == pytest.approx(42.5)
    assert by_path_point.timestamp.seconds > 0
    [speed_id] = ids_of(stub, SPEED)
    by_id_point = get(stub, speed_id)
    assert by_id_point.value.float == pytest.approx(42.5)
    assert by_id_point.timestamp == by_path_point.timestamp


def test_publish_keeps_the_given_timestamp(stub: val_v2_grpc.VALStub) -> None:
    point = dp(double=1234.5)
    point.timestamp.seconds = 1_700_000_000
    point.timestamp.nanos = 123_000
    stub.PublishValue(
        val_v2.PublishValueRequest(signal_id=by_path("Vehicle.TraveledDistance"), data_point=point),
        timeout=TIMEOUT,
    )
    stored = get(stub, "Vehicle.TraveledDistance")
    assert stored.value.double == 1234.5
    assert (stored.timestamp.seconds, stored.timestamp.nanos) == (1_700_000_000, 123_000)


@pytest.mark.parametrize(
    ("path", "value", "field", "expected"),
    [
        (GEAR, {"int32": -1}, "int32", -1),
        (DRIVE_MODE, {"string": "SPORT"}, "string", "SPORT"),
        (TRUNK, {"bool": True}, "bool", True),
        (ROW2_POSITION, {"uint32": 1000}, "uint32", 1000),
    ],
)
def test_publish_round_trips_each_type(
    stub: val_v2_grpc.VALStub, path: str, value: dict[str, Any], field: str, expected: Any
) -> None:
    publish(stub, path, **value)
    assert getattr(get(stub, path).value, field) == expected


def test_publish_and_get_arrays(stub: val_v2_grpc.VALStub) -> None:
    publish(stub, AMBIENT, string_array=types_v2.StringArray(values=["red", "blue"]))
    publish(stub, CELLS, float_array=types_v2.FloatArray(values=[3.5, 4.25]))
    assert list(get(stub, AMBIENT).value.string_array.values) == ["red", "blue"]
    assert list(get(stub, CELLS).value.float_array.values) == [3.5, 4.25]


def test_get_values_in_request_order_mixing_paths_and_ids(stub: val_v2_grpc.VALStub) -> None:
    publish(stub, SPEED, float=10.0)
    publish(stub, GEAR, int32=3)
    [gear_id] = ids_of(stub, GEAR)
    response = stub.GetValues(
        val_v2.GetValuesRequest(signal_ids=[by_id(gear_id), by_path(SPEED), by_path(TRUNK)]),
        timeout=TIMEOUT,
    )
    points = list(response.data_points)
    assert len(points) == 3
    assert points[0].value.int32 == 3
    assert points[1].value.float == 10.0
    assert not points[2].HasField("value")


def test_get_values_is_all_or_nothing(stub: val_v2_grpc.VALStub) -> None:
    publish(stub, SPEED, float=10.0)
    code, message = status_of(
        stub.GetValues,
        val_v2.GetValuesRequest(signal_ids=[by_path(SPEED), by_path("Vehicle.NoSuchThing")]),
    )
    assert code is grpc.StatusCode.NOT_FOUND
    assert "Vehicle.NoSuchThing" in message
    code, message = status_of(
        stub.GetValues, val_v2.GetValuesRequest(signal_ids=[by_path(SPEED), by_id(999_999)])
    )
    assert code is grpc.StatusCode.NOT_FOUND
    assert "999999" in message


def test_unknown_signal_is_not_found(stub: val_v2_grpc.VALStub) -> None:
    code, message = status_of(stub.GetValue, val_v2.GetValueRequest(signal_id=by_path("Vehicle.Nope")))
    assert code is grpc.StatusCode.NOT_FOUND
    assert "Vehicle.Nope" in message
    code, _ = status_of(stub.GetValue, val_v2.GetValueRequest(signal_id=by_id(424_242)))
    assert code is grpc.StatusCode.NOT_FOUND
    code, _ = status_of(
        stub.PublishValue,
        val_v2.PublishValueRequest(signal_id=by_path("Vehicle.Nope"), data_point=dp(float=1.0)),
    )
    assert code is grpc.StatusCode.NOT_FOUND
    # a branch holds no value: not a signal either
    code, _ = status_of(stub.GetValue, val_v2.GetValueRequest(signal_id=by_path("Vehicle.Cabin")))
    assert code is grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (SPEED, {"string": "fast"}, "float"),  # wrong type
        (SPEED, {"float": 300.0}, "maximum"),  # above max
        (SPEED, {"float": -1.0}, "minimum"),  # below min
        (GEAR, {"int32": 9}, "maximum"),
        (GEAR, {"int32": 200}, "maximum"),
        (GEAR, {"bool": True}, "int8"),
        (DRIVE_MODE, {"string": "TURBO"}, "allowed"),
        (ROW1_POSITION, {"uint32": 1001}, "maximum"),
        (CELLS, {"float_array": types_v2.FloatArray(values=[1.0, 7.0])}, "maximum"),
        ("Vehicle.VehicleIdentification.VIN", {"string": "not a vin"}, "does not match"),
    ],
)
def test_publish_of_a_bad_value_is_invalid_argument(
    stub: val_v2_grpc.VALStub, path: str, value: dict[str, Any], words: str
) -> None:
    code, message = status_of(
        stub.PublishValue, val_v2.PublishValueRequest(signal_id=by_path(path), data_point=dp(**value))
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert path in message
    assert words in message
    assert not get(stub, path).HasField("value")


def test_publish_without_a_value_is_invalid_argument(stub: val_v2_grpc.VALStub) -> None:
    code, message = status_of(
        stub.PublishValue,
        val_v2.PublishValueRequest(signal_id=by_path(SPEED), data_point=types_v2.Datapoint()),
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "no value" in message


@pytest.mark.parametrize("path", ["", "Vehicle." + "X" * 1000])
def test_empty_or_too_long_paths_are_invalid_argument(stub: val_v2_grpc.VALStub, path: str) -> None:
    requests = [
        (stub.GetValue, val_v2.GetValueRequest(signal_id=by_path(path))),
        (stub.GetValues, val_v2.GetValuesRequest(signal_ids=[by_path(SPEED), by_path(path)])),
        (stub.PublishValue, val_v2.PublishValueRequest(signal_id=by_path(path), data_point=dp(float=1.0))),
        (stub.Actuate, val_v2.ActuateRequest(signal_id=by_path(path), value=types_v2.Value(int32=1))),
    ]
    for call, request in requests:
        code, message = status_of(call, request)
        assert code is grpc.StatusCode.INVALID_ARGUMENT, call
        assert ("empty" if not path else "longer than 1000") in message
    code, message = status_of(stub.ListMetadata, val_v2.ListMetadataRequest(root="Vehicle." + "X" * 1000))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "longer than 1000" in message


def test_signal_id_without_path_or_id_is_invalid_argument(stub: val_v2_grpc.VALStub) -> None:
    code, message = status_of(stub.GetValue, val_v2.GetValueRequest())
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "neither a path nor an id" in message


# -- Subscribe / SubscribeById -------------------------------------------------------------


def test_subscribe_sends_current_values_first_then_updates(
    stub: val_v2_grpc.VALStub, streams: list[Stream]
) -> None:
    publish(stub, SPEED, float=12.0)
    stream = Stream(
        stub.Subscribe(val_v2.SubscribeRequest(signal_paths=[SPEED, GEAR]), timeout=STREAM_DEADLINE)
    )
    streams.append(stream)
    first = stream.next()
    assert set(first.entries) == {SPEED, GEAR}
    assert first.entries[SPEED].value.float == 12.0
    # Gear has no value yet: an empty datapoint stands for it
    assert not first.entries[GEAR].HasField("value")

    publish(stub, GEAR, int32=4)
    update = stream.next()
    assert set(update.entries) == {GEAR}
    assert update.entries[GEAR].value.int32 == 4
    assert update.entries[GEAR].timestamp.seconds > 0

    publish(stub, SPEED, float=13.5)
    update = stream.next()
    assert set(update.entries) == {SPEED}
    assert update.entries[SPEED].value.float == 13.5


def test_subscribe_delivers_every_update_in_order(stub: val_v2_grpc.VALStub, streams: list[Stream]) -> None:
    stream = Stream(
        stub.Subscribe(
            val_v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=100), timeout=STREAM_DEADLINE
        )
    )
    streams.append(stream)
    assert not stream.next().entries[SPEED].HasField("value")
    for speed in range(1, 21):
        publish(stub, SPEED, float=float(speed))
    seen: list[float] = []
    while len(seen) < 20:
        seen.extend(point.value.float for point in stream.next().entries.values())
    assert seen == [float(speed) for speed in range(1, 21)]


def test_subscribe_by_id_uses_ids_from_list_metadata(
    stub: val_v2_grpc.VALStub, streams: list[Stream]
) -> None:
    speed_id, trunk_id = ids_of(stub, SPEED, TRUNK)
    publish(stub, TRUNK, bool=True)
    stream = Stream(
        stub.SubscribeById(
            val_v2.SubscribeByIdRequest(signal_ids=[speed_id, trunk_id]), timeout=STREAM_DEADLINE
        )
    )
    streams.append(stream)
    first = stream.next()
    assert set(first.entries) == {speed_id, trunk_id}
    assert first.entries[trunk_id].value.bool is True
    assert not first.entries[speed_id].HasField("value")
    publish(stub, SPEED, float=99.0)
    update = stream.next()
    assert set(update.entries) == {speed_id}
    assert update.entries[speed_id].value.float == 99.0


def test_subscribe_by_unknown_id_is_not_found(stub: val_v2_grpc.VALStub) -> None:
    call = stub.SubscribeById(val_v2.SubscribeByIdRequest(signal_ids=[999_999]), timeout=TIMEOUT)
    stream = Stream(call)
    error: Any = stream.error()
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert "999999" in error.details()


@pytest.mark.parametrize(
    ("request_", "code", "words"),
    [
        (val_v2.SubscribeRequest(signal_paths=[SPEED, "Vehicle.Nope"]), grpc.StatusCode.NOT_FOUND, "Nope"),
        (val_v2.SubscribeRequest(signal_paths=["Vehicle.Cabin"]), grpc.StatusCode.NOT_FOUND, "Cabin"),
        (
            val_v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=1001),
            grpc.StatusCode.INVALID_ARGUMENT,
            "1000",
        ),
        (val_v2.SubscribeRequest(signal_paths=[]), grpc.StatusCode.INVALID_ARGUMENT, "no signal"),
        (val_v2.SubscribeRequest(signal_paths=[""]), grpc.StatusCode.INVALID_ARGUMENT, "empty"),
        (
            val_v2.SubscribeRequest(signal_paths=["Vehicle." + "X" * 1000]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "longer than 1000",
        ),
    ],
)
def test_bad_subscribe_requests(
    stub: val_v2_grpc.VALStub, request_: val_v2.SubscribeRequest, code: grpc.StatusCode, words: str
) -> None:
    stream = Stream(stub.Subscribe(request_, timeout=TIMEOUT))
    error: Any = stream.error()
    assert error.code() is code
    assert words in error.details()


def test_subscribe_buffer_size_1000_is_accepted(stub: val_v2_grpc.VALStub, streams: list[Stream]) -> None:
    stream = Stream(
        stub.Subscribe(
            val_v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=1000), timeout=STREAM_DEADLINE
        )
    )
    streams.append(stream)
    assert SPEED in stream.next().entries


def test_cancelled_subscription_leaves_the_server_serving(stub: val_v2_grpc.VALStub) -> None:
    for _ in range(5):
        stream = Stream(
            stub.Subscribe(val_v2.SubscribeRequest(signal_paths=[SPEED]), timeout=STREAM_DEADLINE)
        )
        assert SPEED in stream.next().entries
        stream.cancel()
    publish(stub, SPEED, float=1.0)
    assert get(stub, SPEED).value.float == 1.0


# -- actuation -----------------------------------------------------------------------------


def test_actuate_reaches_the_provider(stub: val_v2_grpc.VALStub, provider_factory: Any) -> None:
    provider = claimed_actuator_provider(provider_factory, GEAR, DRIVE_MODE)
    gear_id, mode_id = ids_of(stub, GEAR, DRIVE_MODE)
    stub.Actuate(
        val_v2.ActuateRequest(signal_id=by_path(GEAR), value=types_v2.Value(int32=5)), timeout=TIMEOUT
    )
    batch = provider.next().batch_actuate_stream_request
    assert len(batch.actuate_requests) == 1
    assert batch.actuate_requests[0].signal_id.id == gear_id
    assert batch.actuate_requests[0].value.int32 == 5

    stub.Actuate(
        val_v2.ActuateRequest(signal_id=by_id(mode_id), value=types_v2.Value(string="ECO")), timeout=TIMEOUT
    )
    request = provider.next().batch_actuate_stream_request.actuate_requests[0]
    assert request.signal_id.id == mode_id
    assert request.value.string == "ECO"
    # actuation is not a value: the current value stays unset until the provider publishes one
    assert not get(stub, GEAR).HasField("value")


def test_batch_actuate_reaches_the_provider_in_one_batch(
    stub: val_v2_grpc.VALStub, provider_factory: Any
) -> None:
    provider = claimed_actuator_provider(provider_factory, GEAR, TRUNK)
    gear_id, trunk_id = ids_of(stub, GEAR, TRUNK)
    stub.BatchActuate(
        val_v2.BatchActuateRequest(
            actuate_requests=[
                val_v2.ActuateRequest(signal_id=by_path(GEAR), value=types_v2.Value(int32=2)),
                val_v2.ActuateRequest(signal_id=by_path(TRUNK), value=types_v2.Value(bool=True)),
            ]
        ),
        timeout=TIMEOUT,
    )
    batch = provider.next().batch_actuate_stream_request
    assert {r.signal_id.id: r.value.WhichOneof("typed_value") for r in batch.actuate_requests} == {
        gear_id: "int32",
        trunk_id: "bool",
    }
    values = {r.signal_id.id: r for r in batch.actuate_requests}
    assert values[gear_id].value.int32 == 2
    assert values[trunk_id].value.bool is True


def test_batch_actuate_with_one_bad_item_changes_nothing(
    stub: val_v2_grpc.VALStub, provider_factory: Any
) -> None:
    provider = claimed_actuator_provider(provider_factory, GEAR, TRUNK)
    [trunk_id] = ids_of(stub, TRUNK)
    bad_batches = [
        [  # out of range
            val_v2.ActuateRequest(signal_id=by_path(TRUNK), value=types_v2.Value(bool=True)),
            val_v2.ActuateRequest(signal_id=by_path(GEAR), value=types_v2.Value(int32=42)),
        ],
        [  # unknown
            val_v2.ActuateRequest(signal_id=by_path(TRUNK), value=types_v2.Value(bool=True)),
            val_v2.ActuateRequest(signal_id=by_path("Vehicle.Nope"), value=types_v2.Value(bool=True)),
        ],
        [  # a sensor
            val_v2.ActuateRequest(signal_id=by_path(TRUNK), value=types_v2.Value(bool=True)),
            val_v2.ActuateRequest(signal_id=by_path(SPEED), value=types_v2.Value(float=1.0)),
        ],
        [  # an actuator nobody provides
            val_v2.ActuateRequest(signal_id=by_path(TRUNK), value=types_v2.Value(bool=True)),
            val_v2.ActuateRequest(signal_id=by_path(ROW1_POSITION), value=types_v2.Value(uint32=1)),
        ],
    ]
    expected = [
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.UNAVAILABLE,
    ]
    for batch, code in zip(bad_batches, expected, strict=True):
        got, message = status_of(stub.BatchActuate, val_v2.BatchActuateRequest(actuate_requests=batch))
        assert got is code
        assert message
    # the next message the provider sees is this good actuation: none of the bad batches reached it
    stub.Actuate(
        val_v2.ActuateRequest(signal_id=by_path(TRUNK), value=types_v2.Value(bool=False)), timeout=TIMEOUT
    )
    received = provider.next().batch_actuate_stream_request
    assert len(received.actuate_requests) == 1
    assert received.actuate_requests[0].signal_id.id == trunk_id
    assert received.actuate_requests[0].value.bool is False


def test_actuate_stream_reaches_the_provider(stub: val_v2_grpc.VALStub, provider_factory: Any) -> None:
    provider = claimed_actuator_provider(provider_factory, ROW2_POSITION)
    [position_id] = ids_of(stub, ROW2_POSITION)
    requests = [
        val_v2.ActuateRequest(signal_id=by_path(ROW2_POSITION), value=types_v2.Value(uint32=position))
        for position in (100, 200, 300)
    ]
    stub.ActuateStream(iter(requests), timeout=TIMEOUT)
    seen: list[int] = []
    while len(seen) < 3:
        for request in provider.next().batch_actuate_stream_request.actuate_requests:
            assert request.signal_id.id == position_id
            seen.append(request.value.uint32)
    assert seen == [100, 200, 300]


def test_actuate_stream_with_a_bad_request_fails(stub: val_v2_grpc.VALStub, provider_factory: Any) -> None:
    claimed_actuator_provider(provider_factory, ROW2_POSITION)
    requests = [
        val_v2.ActuateRequest(signal_id=by_path(ROW2_POSITION), value=types_v2.Value(uint32=5000)),
    ]
    with pytest.raises(grpc.RpcError) as info:
        stub.ActuateStream(iter(requests), timeout=TIMEOUT)
    error: Any = info.value
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "maximum" in error.details()


def test_actuation_errors(stub: val_v2_grpc.VALStub, provider_factory: Any) -> None:
    claimed_actuator_provider(provider_factory, GEAR, DRIVE_MODE)
    cases = [
        (SPEED, types_v2.Value(float=1.0), grpc.StatusCode.INVALID_ARGUMENT, "not an actuator"),
        (
            "Vehicle.VehicleIdentification.VIN",
            types_v2.Value(string="x"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "not an actuator",
        ),
        (GEAR, types_v2.Value(string="fifth"), grpc.StatusCode.INVALID_ARGUMENT, "int8"),
        (GEAR, types_v2.Value(int32=-2), grpc.StatusCode.INVALID_ARGUMENT, "minimum"),
        (DRIVE_MODE, types_v2.Value(string="TURBO"), grpc.StatusCode.INVALID_ARGUMENT, "allowed"),
        (ROW1_POSITION, types_v2.Value(uint32=10), grpc.StatusCode.UNAVAILABLE, "no provider"),
        ("Vehicle.Nope", types_v2.Value(uint32=10), grpc.StatusCode.NOT_FOUND, "Vehicle.Nope"),
        (GEAR, types_v2.Value(), grpc.StatusCode.INVALID_ARGUMENT, "no value"),
    ]
    for path, value, code, words in cases:
        got, message = status_of(stub.Actuate, val_v2.ActuateRequest(signal_id=by_path(path), value=value))
        assert got is code, (path, message)
        assert words in message, (path, message)


def test_actuator_is_unavailable_again_after_its_provider_leaves(
    grpc_server: Any, stub: val_v2_grpc.VALStub, provider_factory: Any
) -> None:
    provider = claimed_actuator_provider(provider_factory, GEAR)
    request = val_v2.ActuateRequest(signal_id=by_path(GEAR), value=types_v2.Value(int32=1))
    stub.Actuate(request, timeout=TIMEOUT)
    assert provider.next().HasField("batch_actuate_stream_request")
    provider.close()
    # the claim is released once the server has seen the cancellation
    for _ in range(250):
        if grpc_server.call(grpc_server.broker.actuation_provider_of, GEAR) is None:
            break
        threading.Event().wait(0.02)
    else:
        pytest.fail("the actuator stayed claimed after its provider left")
    code, message = status_of(stub.Actuate, request)
    assert code is grpc.StatusCode.UNAVAILABLE
    assert GEAR in message
    # and another provider may claim it now
    claimed_actuator_provider(provider_factory, GEAR)


# -- providers -----------------------------------------------------------------------------


def test_provider_publishes_batches_to_subscribers(
    stub: val_v2_grpc.VALStub, provider_factory: Any, streams: list[Stream]
) -> None:
    speed_id, soc_id = ids_of(stub, SPEED, SOC)
    provider: Provider = provider_factory()
    provider.claim_signals(speed_id, soc_id)
    assert provider.next().HasField("provide_signal_response")
    subscriber = Stream(
        stub.Subscribe(val_v2.SubscribeRequest(signal_paths=[SPEED, SOC]), timeout=STREAM_DEADLINE)
    )
    streams.append(subscriber)
    first = subscriber.next()
    assert not first.entries[SPEED].HasField("value")
    assert not first.entries[SOC].HasField("value")

    provider.publish(1, {speed_id: dp(float=88.0), soc_id: dp(float=76.5)})
    update = subscriber.next()
    assert update.entries[SPEED].value.float == 88.0
    assert update.entries[SOC].value.float == 76.5
    assert get(stub, SOC).value.float == 76.5


def test_provider_publish_with_a_bad_value_reports_it(
    stub: val_v2_grpc.VALStub, provider_factory: Any
) -> None:
    speed_id, soc_id = ids_of(stub, SPEED, SOC)
    provider: Provider = provider_factory()
    provider.claim_signals(speed_id, soc_id)
    assert provider.next().HasField("provide_signal_response")
    provider.publish(7, {speed_id: dp(float=50.0), soc_id: dp(float=150.0)})
    response = provider.next().publish_values_response
    assert response.request_id == 7
    assert set(response.status) == {soc_id}
    assert response.status[soc_id].code == types_v2.ERROR_CODE_INVALID_ARGUMENT
    assert "maximum" in response.status[soc_id].message
    # all or nothing: the good value of the batch was not applied
    assert not get(stub, SPEED).HasField("value")
    # the stream stays usable
    provider.publish(8, {speed_id: dp(float=51.0)})
    for _ in range(100):
        if get(stub, SPEED).HasField("value"):
            break
        threading.Event().wait(0.02)
    assert get(stub, SPEED).value.float == 51.0


def test_publish_before_claiming_is_aborted(stub: val_v2_grpc.VALStub, provider_factory: Any) -> None:
    [speed_id] = ids_of(stub, SPEED)
    provider: Provider = provider_factory()
    provider.publish(1, {speed_id: dp(float=1.0)})
    error: Any = provider.stream.error()
    assert error.code() is grpc.StatusCode.ABORTED
    assert SPEED in error.details()
    assert not get(stub, SPEED).HasField("value")


def test_second_provider_of_an_actuator_already_exists(
    stub: val_v2_grpc.VALStub, provider_factory: Any
) -> None:
    first = claimed_actuator_provider(provider_factory, GEAR)
    second: Provider = provider_factory()
    second.claim_actuators(GEAR)
    error: Any = second.stream.error()
    assert error.code() is grpc.StatusCode.ALREADY_EXISTS
    assert GEAR in error.details()
    # the first provider keeps its claim
    stub.Actuate(
        val_v2.ActuateRequest(signal_id=by_path(GEAR), value=types_v2.Value(int32=1)), timeout=TIMEOUT
    )
    assert first.next().batch_actuate_stream_request.actuate_requests[0].value.int32 == 1


def test_second_provider_of_a_signal_already_exists(stub: val_v2_grpc.VALStub, provider_factory: Any) -> None:
    [speed_id] = ids_of(stub, SPEED)
    first: Provider = provider_factory()
    first.claim_signals(speed_id)
    assert first.next().HasField("provide_signal_response")
    second: Provider = provider_factory()
    second.claim_signals(speed_id)
    error: Any = second.stream.error()
    assert error.code() is grpc.StatusCode.ALREADY_EXISTS
    assert SPEED in error.details()
    # nobody else may publish it either
    code, message = status_of(
        stub.PublishValue, val_v2.PublishValueRequest(signal_id=by_path(SPEED), data_point=dp(float=2.0))
    )
    assert code is grpc.StatusCode.ALREADY_EXISTS
    assert SPEED in message


def test_claiming_a_sensor_as_actuator_or_an_unknown_id_fails(
    stub: val_v2_grpc.VALStub, provider_factory: Any
) -> None:
    provider: Provider = provider_factory()
    provider.claim_actuators(SPEED)
    error: Any = provider.stream.error()
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "not an actuator" in error.details()
    other: Provider = provider_factory()
    other.claim_signals(777_777)
    error = other.stream.error()
    assert error.code() is grpc.StatusCode.NOT_FOUND


# -- ListMetadata / GetServerInfo ----------------------------------------------------------


def test_list_metadata_of_a_leaf(stub: val_v2_grpc.VALStub) -> None:
    [speed] = stub.ListMetadata(val_v2.ListMetadataRequest(root=SPEED), timeout=TIMEOUT).metadata
    assert speed.path == SPEED
    assert speed.id > 0
    assert speed.data_type == types_v2.DATA_TYPE_FLOAT
    assert speed.entry_type == types_v2.ENTRY_TYPE_SENSOR
    assert speed.unit == "km/h"
    assert speed.description == "a float sensor"
    assert speed.min.float == 0.0
    assert speed.max.float == 250.0
    assert not speed.HasField("allowed_values")


@pytest.mark.parametrize(
    ("path", "data_type", "entry_type", "check"),
    [
        (
            GEAR,
            types_v2.DATA_TYPE_INT8,
            types_v2.ENTRY_TYPE_ACTUATOR,
            lambda m: (m.min.int32, m.max.int32) == (-1, 8),
        ),
        (
            DRIVE_MODE,
            types_v2.DATA_TYPE_STRING,
            types_v2.ENTRY_TYPE_ACTUATOR,
            lambda m: list(m.allowed_values.string_array.values) == ["ECO", "NORMAL", "SPORT"],
        ),
        (
            ROW2_POSITION,
            types_v2.DATA_TYPE_UINT16,
            types_v2.ENTRY_TYPE_ACTUATOR,
            lambda m: (m.min.uint32, m.max.uint32) == (0, 1000),
        ),
        (
            CELLS,
            types_v2.DATA_TYPE_FLOAT_ARRAY,
            types_v2.ENTRY_TYPE_SENSOR,
            lambda m: (m.min.float, m.max.float, m.unit) == (0.0, 5.0, "V"),
        ),
        (
            "Vehicle.VehicleIdentification.VIN",
            types_v2.DATA_TYPE_STRING,
            types_v2.ENTRY_TYPE_ATTRIBUTE,
            lambda m: not m.HasField("min") and not m.HasField("allowed_values"),
        ),
        (
            "Vehicle.TraveledDistance",
            types_v2.DATA_TYPE_DOUBLE,
            types_v2.ENTRY_TYPE_SENSOR,
            lambda m: m.unit == "km" and not m.HasField("max"),
        ),
        (
            AMBIENT,
            types_v2.DATA_TYPE_STRING_ARRAY,
            types_v2.ENTRY_TYPE_ACTUATOR,
            lambda m: not m.HasField("allowed_values"),
        ),
        (
            "Vehicle.Cabin.Seat.Row1.DriverSide.IsOccupied",
            types_v2.DATA_TYPE_BOOLEAN,
            types_v2.ENTRY_TYPE_SENSOR,
            lambda m: m.unit == "",
        ),
    ],
)
def test_list_metadata_types_and_restrictions(
    stub: val_v2_grpc.VALStub, path: str, data_type: int, entry_type: int, check: Any
) -> None:
    [meta] = stub.ListMetadata(val_v2.ListMetadataRequest(root=path), timeout=TIMEOUT).metadata
    assert meta.path == path
    assert meta.data_type == data_type
    assert meta.entry_type == entry_type
    assert check(meta), meta


def test_list_metadata_of_a_branch_and_a_wildcard(stub: val_v2_grpc.VALStub, streams: list[Stream]) -> None:
    seat = stub.ListMetadata(val_v2.ListMetadataRequest(root="Vehicle.Cabin.Seat"), timeout=TIMEOUT)
    assert sorted(m.path for m in seat.metadata) == sorted(
        f"Vehicle.Cabin.Seat.{row}.DriverSide.{leaf}"
        for row in ("Row1", "Row2")
        for leaf in ("Position", "IsOccupied")
    )
    wildcard = stub.ListMetadata(
        val_v2.ListMetadataRequest(root="Vehicle.Cabin.Seat.*.DriverSide.Position"), timeout=TIMEOUT
    )
    assert sorted(m.path for m in wildcard.metadata) == [ROW1_POSITION, ROW2_POSITION]
    cabin = stub.ListMetadata(val_v2.ListMetadataRequest(root="Vehicle.Cabin.*"), timeout=TIMEOUT)
    assert {m.path for m in cabin.metadata} == {m.path for m in seat.metadata} | {AMBIENT}
    everything = stub.ListMetadata(val_v2.ListMetadataRequest(root="Vehicle"), timeout=TIMEOUT)
    assert len(everything.metadata) == 13
    ids = [m.id for m in everything.metadata]
    assert len(set(ids)) == len(ids)

    # the ids work with SubscribeById
    by_id_map = {m.id: m.path for m in wildcard.metadata}
    stream = Stream(
        stub.SubscribeById(val_v2.SubscribeByIdRequest(signal_ids=list(by_id_map)), timeout=STREAM_DEADLINE)
    )
    streams.append(stream)
    assert set(stream.next().entries) == set(by_id_map)
    publish(stub, ROW2_POSITION, uint32=321)
    update = stream.next()
    [(signal_id, point)] = list(update.entries.items())
    assert by_id_map[signal_id] == ROW2_POSITION
    assert point.value.uint32 == 321


def test_list_metadata_of_an_unknown_root_is_not_found(stub: val_v2_grpc.VALStub) -> None:
    for root in ("Vehicle.Nope", "Vehicle.*.Nope", "Nope"):
        code, message = status_of(stub.ListMetadata, val_v2.ListMetadataRequest(root=root))
        assert code is grpc.StatusCode.NOT_FOUND, root
        assert root in message


def test_get_server_info(stub: val_v2_grpc.VALStub) -> None:
    info = stub.GetServerInfo(val_v2.GetServerInfoRequest(), timeout=TIMEOUT)
    assert info.name == "sdvkit"
    assert info.version == sdvkit.__version__
