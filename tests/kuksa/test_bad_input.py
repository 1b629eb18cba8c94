"""A burst of bad requests of every kind against an auth-enabled server, then normal traffic still works."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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

from sdvkit.signals.catalogue import Catalogue

STREAM_DEADLINE = 30
BURST = 400

SPEED = "Vehicle.Speed"
GEAR = "Vehicle.Gear"
DRIVE_MODE = "Vehicle.DriveMode"
TRUNK = "Vehicle.Body.Trunk.IsOpen"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
ROW1_POSITION = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
LONG_PATH = "Vehicle." + "A" * 1001

Code = grpc.StatusCode


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def sid(path: str) -> types_v2.SignalID:
    return types_v2.SignalID(path=path)


def value(**field: Any) -> types_v2.Value:
    return types_v2.Value(**field)


def publish_req(path: str, **field: Any) -> val_v2.PublishValueRequest:
    return val_v2.PublishValueRequest(
        signal_id=sid(path), data_point=types_v2.Datapoint(value=value(**field))
    )


def actuate_req(path: str, **field: Any) -> val_v2.ActuateRequest:
    return val_v2.ActuateRequest(signal_id=sid(path), value=value(**field))


@dataclass(frozen=True)
class Case:
    """One bad request: what to send and what must come back."""

    name: str
    send: Callable[[], tuple[Any, str]]
    code: Any  # a grpc.StatusCode, or an int for a v1 error in the response body
    words: str


def unary(call: Any, request: Any, metadata: Any) -> Callable[[], tuple[Any, str]]:
    """A unary (or client-streaming, with ``request`` a factory of iterators) call that must fail."""

    def send() -> tuple[Any, str]:
        try:
            call(request() if callable(request) else request, timeout=TIMEOUT, metadata=metadata)
        except grpc.RpcError as error:
            failed: Any = error
            return failed.code(), failed.details()
        return "no error", ""

    return send


def streamed(open_stream: Callable[[], Any]) -> Callable[[], tuple[Any, str]]:
    def send() -> tuple[Any, str]:
        stream = Stream(open_stream())
        try:
            error = stream.error()
            return error.code(), error.details()
        finally:
            stream.cancel()

    return send


def v1_body(call: Any, request: Any, metadata: Any) -> Callable[[], tuple[Any, str]]:
    def send() -> tuple[Any, str]:
        response = call(request, timeout=TIMEOUT, metadata=metadata)
        if not response.errors:
            return "no error", ""
        return response.errors[0].error.code, response.errors[0].error.message

    return send


class Provider:
    def __init__(self, stub: val_v2_grpc.VALStub, metadata: Any) -> None:
        self.requests: queue.Queue[val_v2.OpenProviderStreamRequest | None] = queue.Queue()
        self.stream = Stream(
            stub.OpenProviderStream(self._iterate(), timeout=STREAM_DEADLINE, metadata=metadata)
        )

    def _iterate(self) -> Iterator[val_v2.OpenProviderStreamRequest]:
        while (request := self.requests.get()) is not None:
            yield request

    def close(self) -> None:
        self.requests.put(None)
        self.stream.cancel()


STOP = threading.Event()
"""Set when the burst test ends: releases the request iterators of its provider streams."""


def provider_stream(stub: val_v2_grpc.VALStub, metadata: Any, *requests: Any) -> Callable[[], Any]:
    """Open a provider stream that sends ``requests`` and stays open until cancelled."""

    def open_stream() -> Any:
        def outgoing() -> Iterator[val_v2.OpenProviderStreamRequest]:
            yield from requests
            STOP.wait(STREAM_DEADLINE)

        return stub.OpenProviderStream(outgoing(), timeout=STREAM_DEADLINE, metadata=metadata)

    return open_stream


def subscription(stub: val_v2_grpc.VALStub, paths: list[str], metadata: Any) -> Callable[[], Any]:
    return lambda: stub.Subscribe(
        val_v2.SubscribeRequest(signal_paths=paths), timeout=TIMEOUT, metadata=metadata
    )


def build_cases(
    v2: val_v2_grpc.VALStub, v1: val_v1_grpc.VALStub, admin: Any, reader: Any, ids: dict[str, int]
) -> list[Case]:
    v1_get = val_v1.GetRequest
    bad_tokens = [
        ("no token", None, "No auth token provided"),
        ("garbage", [("authorization", "Bearer garbage")], "Invalid auth token"),
        ("three dots", [("authorization", "Bearer a.b.c")], "Invalid auth token"),
        ("basic", [("authorization", "Basic dXNlcg==")], "Bearer"),
        ("bare token", [("authorization", "eyJhbGciOiJSUzI1NiJ9.e30.")], "Bearer"),
        ("long junk", [("authorization", "Bearer " + "x" * 5000)], "Invalid auth token"),
    ]
    cases: list[Case] = []
    for name, metadata, words in bad_tokens:
        cases += [
            Case(
                f"GetValue {name}",
                unary(v2.GetValue, val_v2.GetValueRequest(signal_id=sid(SPEED)), metadata),
                Code.UNAUTHENTICATED,
                words,
            ),
            Case(
                f"PublishValue {name}",
                unary(v2.PublishValue, publish_req(SPEED, float=1.0), metadata),
                Code.UNAUTHENTICATED,
                words,
            ),
            Case(
                f"v1 Get {name}",
                unary(v1.Get, v1_get(entries=[val_v1.EntryRequest(path=SPEED)]), metadata),
                Code.UNAUTHENTICATED,
                words,
            ),
            Case(
                f"Subscribe {name}",
                streamed(subscription(v2, [SPEED], metadata)),
                Code.UNAUTHENTICATED,
                words,
            ),
        ]

    cases += [
        # unknown signals
        Case(
            "GetValue unknown",
            unary(v2.GetValue, val_v2.GetValueRequest(signal_id=sid("Vehicle.Nope")), admin),
            Code.NOT_FOUND,
            "Vehicle.Nope",
        ),
        Case(
            "GetValue unknown id",
            unary(v2.GetValue, val_v2.GetValueRequest(signal_id=types_v2.SignalID(id=-7)), admin),
            Code.NOT_FOUND,
            "-7",
        ),
        Case(
            "GetValues one unknown",
            unary(v2.GetValues, val_v2.GetValuesRequest(signal_ids=[sid(SPEED), sid("Vehicle.Nope")]), admin),
            Code.NOT_FOUND,
            "Vehicle.Nope",
        ),
        Case(
            "GetValue NUL",
            unary(v2.GetValue, val_v2.GetValueRequest(signal_id=sid("Vehicle.\x00")), admin),
            Code.NOT_FOUND,
            "Vehicle",
        ),
        Case(
            "GetValue unicode",
            unary(v2.GetValue, val_v2.GetValueRequest(signal_id=sid("Vehicle.Spééd☃")), admin),
            Code.NOT_FOUND,
            "Spééd☃",
        ),
        Case(
            "PublishValue unknown",
            unary(v2.PublishValue, publish_req("Vehicle.Nope", float=1.0), admin),
            Code.NOT_FOUND,
            "Vehicle.Nope",
        ),
        Case(
            "ListMetadata unknown",
            unary(v2.ListMetadata, val_v2.ListMetadataRequest(root="Nope.*"), admin),
            Code.NOT_FOUND,
            "Nope",
        ),
        Case(
            "Subscribe unknown",
            streamed(
                lambda: v2.Subscribe(
                    val_v2.SubscribeRequest(signal_paths=[SPEED, "Vehicle.Nope"]),
                    timeout=TIMEOUT,
                    metadata=admin,
                )
            ),
            Code.NOT_FOUND,
            "Vehicle.Nope",
        ),
        Case(
            "SubscribeById unknown",
            streamed(
                lambda: v2.SubscribeById(
                    val_v2.SubscribeByIdRequest(signal_ids=[123_456]), timeout=TIMEOUT, metadata=admin
                )
            ),
            Code.NOT_FOUND,
            "123456",
        ),
        # values that break the catalogue
        Case(
            "wrong type",
            unary(v2.PublishValue, publish_req("Vehicle.TraveledDistance", string="far"), admin),
            Code.INVALID_ARGUMENT,
            "double",
        ),
        Case(
            "above max",
            unary(v2.PublishValue, publish_req(SOC, float=100.5), admin),
            Code.INVALID_ARGUMENT,
            "maximum",
        ),
        Case(
            "NaN",
            unary(v2.PublishValue, publish_req(SOC, float=float("nan")), admin),
            Code.INVALID_ARGUMENT,
            "NaN",
        ),
        Case(
            "below min",
            unary(v2.PublishValue, publish_req(GEAR, int32=-2), admin),
            Code.INVALID_ARGUMENT,
            "minimum",
        ),
        Case(
            "not allowed",
            unary(v2.PublishValue, publish_req(DRIVE_MODE, string="WARP"), admin),
            Code.INVALID_ARGUMENT,
            "allowed",
        ),
        Case(
            "no value",
            unary(v2.PublishValue, val_v2.PublishValueRequest(signal_id=sid(SPEED)), admin),
            Code.INVALID_ARGUMENT,
            "no value",
        ),
        Case(
            "no signal id",
            unary(v2.GetValue, val_v2.GetValueRequest(), admin),
            Code.INVALID_ARGUMENT,
            "neither a path nor an id",
        ),
        # paths
        Case(
            "empty path",
            unary(v2.GetValue, val_v2.GetValueRequest(signal_id=sid("")), admin),
            Code.INVALID_ARGUMENT,
            "empty",
        ),
        Case(
            "long path",
            unary(v2.GetValue, val_v2.GetValueRequest(signal_id=sid(LONG_PATH)), admin),
            Code.INVALID_ARGUMENT,
            "1000",
        ),
        Case(
            "huge path",
            unary(v2.PublishValue, publish_req("V" * 100_000, float=1.0), admin),
            Code.INVALID_ARGUMENT,
            "1000",
        ),
        Case(
            "long root",
            unary(v2.ListMetadata, val_v2.ListMetadataRequest(root=LONG_PATH), admin),
            Code.INVALID_ARGUMENT,
            "1000",
        ),
        Case(
            "Subscribe empty path",
            streamed(
                lambda: v2.Subscribe(
                    val_v2.SubscribeRequest(signal_paths=[""]), timeout=TIMEOUT, metadata=admin
                )
            ),
            Code.INVALID_ARGUMENT,
            "empty",
        ),
        Case(
            "Subscribe long path",
            streamed(
                lambda: v2.Subscribe(
                    val_v2.SubscribeRequest(signal_paths=[LONG_PATH]), timeout=TIMEOUT, metadata=admin
                )
            ),
            Code.INVALID_ARGUMENT,
            "1000",
        ),
        Case(
            "Subscribe nothing",
            streamed(lambda: v2.Subscribe(val_v2.SubscribeRequest(), timeout=TIMEOUT, metadata=admin)),
            Code.INVALID_ARGUMENT,
            "no signal",
        ),
        Case(
            "buffer too big",
            streamed(
                lambda: v2.Subscribe(
                    val_v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=1001),
                    timeout=TIMEOUT,
                    metadata=admin,
                )
            ),
            Code.INVALID_ARGUMENT,
            "buffer_size",
        ),
        Case(
            "buffer max uint32",
            streamed(
                lambda: v2.SubscribeById(
                    val_v2.SubscribeByIdRequest(signal_ids=[ids[SPEED]], buffer_size=2**32 - 1),
                    timeout=TIMEOUT,
                    metadata=admin,
                )
            ),
            Code.INVALID_ARGUMENT,
            "buffer_size",
        ),
        # actuation
        Case(
            "actuate sensor",
            unary(v2.Actuate, actuate_req(SPEED, float=1.0), admin),
            Code.INVALID_ARGUMENT,
            "not an actuator",
        ),
        Case(
            "actuate out of range",
            unary(v2.Actuate, actuate_req(GEAR, int32=9), admin),
            Code.INVALID_ARGUMENT,
            "maximum",
        ),
        Case(
            "actuate wrong type",
            unary(v2.Actuate, actuate_req(TRUNK, string="open"), admin),
            Code.INVALID_ARGUMENT,
            "boolean",
        ),
        Case(
            "actuate no provider",
            unary(v2.Actuate, actuate_req(ROW1_POSITION, uint32=1), admin),
            Code.UNAVAILABLE,
            "no provider",
        ),
        Case(
            "batch one bad",
            unary(
                v2.BatchActuate,
                val_v2.BatchActuateRequest(
                    actuate_requests=[actuate_req(GEAR, int32=1), actuate_req(DRIVE_MODE, string="WARP")]
                ),
                admin,
            ),
            Code.INVALID_ARGUMENT,
            "allowed",
        ),
        Case(
            "batch one unprovided",
            unary(
                v2.BatchActuate,
                val_v2.BatchActuateRequest(
                    actuate_requests=[actuate_req(GEAR, int32=1), actuate_req(ROW1_POSITION, uint32=1)]
                ),
                admin,
            ),
            Code.UNAVAILABLE,
            ROW1_POSITION,
        ),
        Case(
            "actuate stream bad",
            unary(v2.ActuateStream, lambda: iter([actuate_req(GEAR, int32=100)]), admin),
            Code.INVALID_ARGUMENT,
            "maximum",
        ),
        # providers
        Case(
            "second actuator provider",
            streamed(
                provider_stream(
                    v2,
                    admin,
                    val_v2.OpenProviderStreamRequest(
                        provide_actuation_request=val_v2.ProvideActuationRequest(
                            actuator_identifiers=[sid(GEAR)]
                        )
                    ),
                )
            ),
            Code.ALREADY_EXISTS,
            GEAR,
        ),
        Case(
            "second signal provider",
            streamed(
                provider_stream(
                    v2,
                    admin,
                    val_v2.OpenProviderStreamRequest(
                        provide_signal_request=val_v2.ProvideSignalRequest(
                            signals_sample_intervals={ids[SPEED]: types_v2.SampleInterval()}
                        )
                    ),
                )
            ),
            Code.ALREADY_EXISTS,
            SPEED,
        ),
        Case(
            "publish before claim",
            streamed(
                provider_stream(
                    v2,
                    admin,
                    val_v2.OpenProviderStreamRequest(
                        publish_values_request=val_v2.PublishValuesRequest(
                            request_id=1, data_points={ids[SOC]: types_v2.Datapoint(value=value(float=5.0))}
                        )
                    ),
                )
            ),
            Code.ABORTED,
            SOC,
        ),
        Case(
            "empty provider request",
            streamed(provider_stream(v2, admin, val_v2.OpenProviderStreamRequest())),
            Code.INVALID_ARGUMENT,
            "without an action",
        ),
        Case(
            "publish claimed signal",
            unary(v2.PublishValue, publish_req(SPEED, float=1.0), admin),
            Code.ALREADY_EXISTS,
            SPEED,
        ),
        # permissions
        Case(
            "read token publishes",
            unary(v2.PublishValue, publish_req(SOC, float=1.0), reader),
            Code.PERMISSION_DENIED,
            SOC,
        ),
        Case(
            "read token actuates",
            unary(v2.Actuate, actuate_req(GEAR, int32=1), reader),
            Code.PERMISSION_DENIED,
            GEAR,
        ),
        Case(
            "read token provides",
            streamed(
                provider_stream(
                    v2,
                    reader,
                    val_v2.OpenProviderStreamRequest(
                        provide_actuation_request=val_v2.ProvideActuationRequest(
                            actuator_identifiers=[sid(TRUNK)]
                        )
                    ),
                )
            ),
            Code.PERMISSION_DENIED,
            TRUNK,
        ),
        # v1: errors in the body
        Case(
            "v1 get unknown",
            v1_body(v1.Get, v1_get(entries=[val_v1.EntryRequest(path="Vehicle.Nope")]), admin),
            404,
            "Vehicle.Nope",
        ),
        Case(
            "v1 get empty",
            v1_body(v1.Get, v1_get(entries=[val_v1.EntryRequest(path="")]), admin),
            400,
            "empty",
        ),
        Case(
            "v1 set bad",
            v1_body(
                v1.Set,
                val_v1.SetRequest(
                    updates=[
                        val_v1.EntryUpdate(
                            entry=types_v1.DataEntry(path=SOC, value=types_v1.Datapoint(float=-1.0)),
                            fields=[types_v1.FIELD_VALUE],
                        )
                    ]
                ),
                admin,
            ),
            400,
            "minimum",
        ),
        Case(
            "v1 set target of sensor",
            v1_body(
                v1.Set,
                val_v1.SetRequest(
                    updates=[
                        val_v1.EntryUpdate(
                            entry=types_v1.DataEntry(path=SOC, actuator_target=types_v1.Datapoint(float=1.0)),
                            fields=[types_v1.FIELD_ACTUATOR_TARGET],
                        )
                    ]
                ),
                admin,
            ),
            400,
            "not an actuator",
        ),
        Case(
            "v1 set by reader",
            v1_body(
                v1.Set,
                val_v1.SetRequest(
                    updates=[
                        val_v1.EntryUpdate(
                            entry=types_v1.DataEntry(path=SOC, value=types_v1.Datapoint(float=1.0)),
                            fields=[types_v1.FIELD_VALUE],
                        )
                    ]
                ),
                reader,
            ),
            403,
            SOC,
        ),
        Case(
            "v1 subscribe unknown",
            streamed(
                lambda: v1.Subscribe(
                    val_v1.SubscribeRequest(entries=[val_v1.SubscribeEntry(path="Vehicle.Nope")]),
                    timeout=TIMEOUT,
                    metadata=admin,
                )
            ),
            Code.NOT_FOUND,
            "Vehicle.Nope",
        ),
    ]
    return cases


def garbage_call(
    channel: grpc.Channel, method: str, payload: bytes, metadata: Any
) -> Callable[[], tuple[Any, str]]:
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)

    def send() -> tuple[Any, str]:
        try:
            call(payload, timeout=TIMEOUT, metadata=metadata)
        except grpc.RpcError as error:
            failed: Any = error
            return failed.code(), failed.details()
        return "no error", ""

    return send


@pytest.fixture
def server(server_factory: Callable[..., Any], small_catalogue: Catalogue, token_issuer: Any) -> Any:
    return server_factory(small_catalogue, token_issuer.verifier())


def test_a_burst_of_bad_requests_then_normal_traffic(server: Any, token_issuer: Any) -> None:
    STOP.clear()
    admin = bearer(token_issuer.token("read provide actuate"))
    reader = bearer(token_issuer.token("read"))
    channel = grpc.insecure_channel(server.target)
    v2 = val_v2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]
    v1 = val_v1_grpc.VALStub(channel)  # type: ignore[no-untyped-call]
    providers: list[Provider] = []
    try:
        ids = {
            meta.path: meta.id
            for meta in v2.ListMetadata(
                val_v2.ListMetadataRequest(root="Vehicle"), timeout=TIMEOUT, metadata=admin
            ).metadata
        }
        # a provider holds Gear (actuator) and Speed (signal) through the whole burst
        holder = Provider(v2, admin)
        providers.append(holder)
        holder.requests.put(
            val_v2.OpenProviderStreamRequest(
                provide_actuation_request=val_v2.ProvideActuationRequest(actuator_identifiers=[sid(GEAR)])
            )
        )
        holder.requests.put(
            val_v2.OpenProviderStreamRequest(
                provide_signal_request=val_v2.ProvideSignalRequest(
                    signals_sample_intervals={ids[SPEED]: types_v2.SampleInterval()}
                )
            )
        )
        assert holder.stream.next().HasField("provide_actuation_response")
        assert holder.stream.next().HasField("provide_signal_response")

        cases = build_cases(v2, v1, admin, reader, ids)
        cases += [
            Case(
                "garbage protobuf",
                garbage_call(channel, "/kuksa.val.v2.VAL/GetValue", b"\xff\xff\xff\xff", admin),
                Code.UNKNOWN,
                "Error parsing message",
            ),  # grpc.aio's own answer, before any servicer runs
            Case(
                "unknown method",
                garbage_call(channel, "/kuksa.val.v2.VAL/Explode", b"", admin),
                Code.UNIMPLEMENTED,
                "Method not found",
            ),
        ]
        burst = list(itertools.islice(itertools.cycle(cases), max(BURST, len(cases))))
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda case: (case, case.send()), burst))
        failures = []
        for case, (code, message) in results:
            if code != case.code or not message or case.words.lower() not in message.lower():
                failures.append(
                    f"{case.name}: expected {case.code} with {case.words!r}, got {code} {message!r}"
                )
        assert not failures, "\n".join(sorted(set(failures)))

        # the holder still holds its claims and got no actuation from the refused batches
        v2.Actuate(actuate_req(GEAR, int32=3), timeout=TIMEOUT, metadata=admin)
        [request] = holder.stream.next().batch_actuate_stream_request.actuate_requests
        assert request.signal_id.id == ids[GEAR]
        assert request.value.int32 == 3

        # nothing bad was stored
        points = v2.GetValues(
            val_v2.GetValuesRequest(signal_ids=[sid(SOC), sid(GEAR), sid(DRIVE_MODE), sid(SPEED)]),
            timeout=TIMEOUT,
            metadata=admin,
        ).data_points
        assert [p.HasField("value") for p in points] == [False, False, False, False]

        # normal traffic: subscribe, publish, get
        subscriber = Stream(
            v2.Subscribe(
                val_v2.SubscribeRequest(signal_paths=[SOC, TRUNK]), timeout=STREAM_DEADLINE, metadata=reader
            )
        )
        try:
            first = subscriber.next()
            assert set(first.entries) == {SOC, TRUNK}
            v2.PublishValue(publish_req(SOC, float=64.0), timeout=TIMEOUT, metadata=admin)
            update = subscriber.next()
            assert update.entries[SOC].value.float == 64.0
        finally:
            subscriber.cancel()
        point = v2.GetValue(val_v2.GetValueRequest(signal_id=sid(SOC)), timeout=TIMEOUT, metadata=reader)
        assert point.data_point.value.float == 64.0
        [entry] = v1.Get(
            val_v1.GetRequest(entries=[val_v1.EntryRequest(path=SOC)]), timeout=TIMEOUT, metadata=reader
        ).entries
        assert entry.value.float == 64.0
        # a claim that failed in the burst was not left behind: Trunk can be claimed now
        claimer = Provider(v2, admin)
        providers.append(claimer)
        claimer.requests.put(
            val_v2.OpenProviderStreamRequest(
                provide_actuation_request=val_v2.ProvideActuationRequest(actuator_identifiers=[sid(TRUNK)])
            )
        )
        assert claimer.stream.next().HasField("provide_actuation_response")
        info = v2.GetServerInfo(val_v2.GetServerInfoRequest(), timeout=TIMEOUT, metadata=reader)
        assert info.name
    finally:
        STOP.set()
        for provider in providers:
            provider.close()
        channel.close()


def test_a_fresh_channel_after_abusive_clients(server: Any, token_issuer: Any) -> None:
    """Clients that open streams and vanish without cancelling leave a working server."""
    admin = bearer(token_issuer.token("read provide actuate"))
    for _ in range(20):
        channel = grpc.insecure_channel(server.target)
        v2 = val_v2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]
        stream = Stream(
            v2.Subscribe(
                val_v2.SubscribeRequest(signal_paths=[SPEED]), timeout=STREAM_DEADLINE, metadata=admin
            )
        )
        assert SPEED in stream.next().entries
        channel.close()  # no cancel: the channel just goes away
        stream.error()
    with grpc.insecure_channel(server.target) as channel:
        v2 = val_v2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]
        v2.PublishValue(publish_req(SPEED, float=12.0), timeout=TIMEOUT, metadata=admin)
        point = v2.GetValue(val_v2.GetValueRequest(signal_id=sid(SPEED)), timeout=TIMEOUT, metadata=admin)
        assert point.data_point.value.float == 12.0
