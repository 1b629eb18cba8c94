"""The kuksa.val.v2 ``VAL`` service over the in-process broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from grpc import aio
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc

import sdvkit
from sdvkit.kuksa.convert import (
    VALUE_FIELD,
    datapoint_v2,
    metadata_v2,
    read_value,
    timestamp_ns_of,
    value_v2,
)
from sdvkit.kuksa.errors import KuksaError, RequestError, status_for
from sdvkit.kuksa.session import MAX_REQUEST_PATH_LENGTH, Sessions, abort_with, guarded
from sdvkit.signals.broker import BrokerClient, SignalKey
from sdvkit.signals.errors import NotClaimedError, SignalError, UnknownSignalError
from sdvkit.signals.subscription import Update

MAX_BUFFER_SIZE = 1000
SERVER_NAME = "sdvkit"

Context = aio.ServicerContext[Any, Any]

_ERROR_CODE_BY_STATUS_NAME = {
    "NOT_FOUND": types_v2.ERROR_CODE_NOT_FOUND,
    "PERMISSION_DENIED": types_v2.ERROR_CODE_PERMISSION_DENIED,
}


def signal_key(signal_id: types_v2.SignalID) -> SignalKey:
    """The broker key of a ``SignalID`` (path or numeric id), checked for KUKSA's limits."""
    which = signal_id.WhichOneof("signal")
    if which == "id":
        return signal_id.id
    if which == "path":
        path = signal_id.path
        if not path:
            raise RequestError("the signal path is empty")
        if len(path) > MAX_REQUEST_PATH_LENGTH:
            raise RequestError(f"the signal path is longer than {MAX_REQUEST_PATH_LENGTH} characters")
        return path
    raise RequestError("the signal id has neither a path nor an id")


def error_message(error: Exception) -> types_v2.Error:
    code = _ERROR_CODE_BY_STATUS_NAME.get(status_for(error).name, types_v2.ERROR_CODE_INVALID_ARGUMENT)
    return types_v2.Error(code=code, message=str(error))


class ResponseEncoder:
    """Packs buffered updates into Subscribe responses (a path repeats only in a later response)."""

    def __init__(self, client: BrokerClient, paths: Iterable[str], *, by_id: bool) -> None:
        broker = client.broker
        self._fields: dict[str, tuple[str, bool, SignalKey]] = {}
        for path in paths:
            spec = broker.spec(path)
            assert spec.datatype is not None
            key: SignalKey = broker.signal_id(path) if by_id else path
            self._fields[path] = (VALUE_FIELD[spec.datatype], spec.datatype.is_array, key)
        self._response_type: Callable[[], Any] = (
            val_v2.SubscribeByIdResponse if by_id else val_v2.SubscribeResponse
        )

    def encode(self, updates: list[Update]) -> list[Any]:
        responses = []
        response = self._response_type()
        entries = response.entries
        fields = self._fields
        for path, datapoint in updates:
            field, is_array, key = fields[path]
            if key in entries:
                responses.append(response)
                response = self._response_type()
                entries = response.entries
            message = entries[key]
            if is_array:
                getattr(message.value, field).values.extend(datapoint[0])
            else:
                setattr(message.value, field, datapoint[0])
            seconds, nanos = divmod(datapoint[1], 1_000_000_000)
            stamp = message.timestamp
            stamp.seconds = seconds
            stamp.nanos = nanos
        if entries:
            responses.append(response)
        return responses

    def encode_initial(self, updates: list[Update]) -> list[Any]:
        """The first responses: current values, and an empty datapoint for a signal with none yet."""
        responses = self.encode(updates) or [self._response_type()]
        have_value = {path for path, _ in updates}
        for path, (_, _, key) in self._fields.items():
            if path not in have_value:
                responses[0].entries[key].SetInParent()
        return responses


def latest_per_signal(updates: list[Update]) -> list[Update]:
    """Keep only the newest update of each signal, in the order of those newest updates."""
    latest: dict[str, Update] = {}
    for update in updates:
        latest.pop(update[0], None)
        latest[update[0]] = update
    return list(latest.values())


class ValV2Servicer(val_pb2_grpc.VALServicer):
    """kuksa.val.v2: all eleven RPCs."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.broker = sessions.broker

    # -- values ----------------------------------------------------------------------------

    @guarded
    async def GetValue(self, request: val_v2.GetValueRequest, context: Context) -> val_v2.GetValueResponse:
        client = self.sessions.unary_client(context)
        key = signal_key(request.signal_id)
        datapoint = client.get(key)
        return val_v2.GetValueResponse(data_point=datapoint_v2(self.broker.spec(key), datapoint))

    @guarded
    async def GetValues(self, request: val_v2.GetValuesRequest, context: Context) -> val_v2.GetValuesResponse:
        client = self.sessions.unary_client(context)
        keys = [signal_key(signal_id) for signal_id in request.signal_ids]
        datapoints = client.get_many(keys)
        return val_v2.GetValuesResponse(
            data_points=[
                datapoint_v2(self.broker.spec(key), datapoint)
                for key, datapoint in zip(keys, datapoints, strict=True)
            ]
        )

    @guarded
    async def PublishValue(
        self, request: val_v2.PublishValueRequest, context: Context
    ) -> val_v2.PublishValueResponse:
        client = self.sessions.unary_client(context)
        key = signal_key(request.signal_id)
        self.broker.spec(key)  # unknown path: NOT_FOUND before the value is looked at
        value = read_value(request.data_point.value, "typed_value")
        stamp = (
            timestamp_ns_of(request.data_point.timestamp)
            if request.data_point.HasField("timestamp")
            else None
        )
        client.publish_datapoints([(key, value, stamp)])
        return val_v2.PublishValueResponse()

    # -- actuation -------------------------------------------------------------------------

    def _actuation(self, request: val_v2.ActuateRequest) -> tuple[SignalKey, Any]:
        key = signal_key(request.signal_id)
        self.broker.spec(key)
        return key, read_value(request.value, "typed_value")

    @guarded
    async def Actuate(self, request: val_v2.ActuateRequest, context: Context) -> val_v2.ActuateResponse:
        client = self.sessions.unary_client(context)
        client.actuate(*self._actuation(request))
        return val_v2.ActuateResponse()

    @guarded
    async def BatchActuate(
        self, request: val_v2.BatchActuateRequest, context: Context
    ) -> val_v2.BatchActuateResponse:
        client = self.sessions.unary_client(context)
        client.batch_actuate([self._actuation(item) for item in request.actuate_requests])
        return val_v2.BatchActuateResponse()

    async def ActuateStream(
        self, request_iterator: AsyncIterator[val_v2.ActuateRequest], context: Context
    ) -> val_v2.ActuateResponse:
        try:
            client = self.sessions.unary_client(context)
            async for request in request_iterator:
                client.actuate(*self._actuation(request))
        except (SignalError, KuksaError) as error:
            await abort_with(context, error)
        return val_v2.ActuateResponse()

    # -- metadata and server ---------------------------------------------------------------

    @guarded
    async def ListMetadata(
        self, request: val_v2.ListMetadataRequest, context: Context
    ) -> val_v2.ListMetadataResponse:
        client = self.sessions.unary_client(context)
        root = request.root
        if len(root) > MAX_REQUEST_PATH_LENGTH:
            raise RequestError(f"the root path is longer than {MAX_REQUEST_PATH_LENGTH} characters")
        specs = client.metadata(root)
        if not specs:
            raise UnknownSignalError(root)
        return val_v2.ListMetadataResponse(
            metadata=[metadata_v2(spec, self.broker.signal_id(spec.path)) for spec in specs]
        )

    @guarded
    async def GetServerInfo(
        self, request: val_v2.GetServerInfoRequest, context: Context
    ) -> val_v2.GetServerInfoResponse:
        self.sessions.permissions(context)
        return val_v2.GetServerInfoResponse(name=SERVER_NAME, version=sdvkit.__version__, commit_hash="")

    # -- subscriptions ---------------------------------------------------------------------

    async def Subscribe(self, request: val_v2.SubscribeRequest, context: Context) -> AsyncIterator[Any]:
        async for response in self._subscribe(
            list(request.signal_paths), request.buffer_size, request.filter, context, by_id=False
        ):
            yield response

    async def SubscribeById(
        self, request: val_v2.SubscribeByIdRequest, context: Context
    ) -> AsyncIterator[Any]:
        async for response in self._subscribe(
            list(request.signal_ids), request.buffer_size, request.filter, context, by_id=True
        ):
            yield response

    async def _subscribe(
        self,
        keys: list[Any],
        buffer_size: int,
        sample_filter: types_v2.Filter,
        context: Context,
        *,
        by_id: bool,
    ) -> AsyncIterator[Any]:
        ready = asyncio.Event()
        client: BrokerClient | None = None
        try:
            if not keys:
                raise RequestError("no signal to subscribe to")
            if buffer_size > MAX_BUFFER_SIZE:
                raise RequestError(f"buffer_size {buffer_size} is above the maximum {MAX_BUFFER_SIZE}")
            for key in keys:
                if isinstance(key, str) and not key:
                    # INVALID_ARGUMENT as in GetValue; NOT_FOUND would make kuksa-client expand
                    # "" through ListMetadata and subscribe to every signal.
                    raise RequestError("a signal path is empty")
                if isinstance(key, str) and len(key) > MAX_REQUEST_PATH_LENGTH:
                    raise RequestError(f"a path is longer than {MAX_REQUEST_PATH_LENGTH} characters")
            client = self.sessions.stream_client(context, "subscriber")
            paths = [self.broker.path_of(key) if by_id else self.broker.spec(key).path for key in keys]
            unique = list(dict.fromkeys(paths))
            subscription = client.subscribe(
                unique, buffer_size=(buffer_size + 1) * len(unique), on_ready=ready.set
            )
            encoder = ResponseEncoder(client, unique, by_id=by_id)
        except (SignalError, KuksaError) as error:
            if client is not None:
                client.close()
            await abort_with(context, error)
        interval_s = sample_filter.min_sample_interval.interval_ms / 1000.0
        self.sessions.add_waker(ready.set)
        try:
            ready.clear()
            for response in encoder.encode_initial(subscription.drain()):
                yield response
            while True:
                await ready.wait()
                ready.clear()
                if self.sessions.shutting_down:
                    return
                updates = subscription.drain()
                if interval_s > 0:
                    updates = latest_per_signal(updates)
                for response in encoder.encode(updates):
                    yield response
                if interval_s > 0:
                    await asyncio.sleep(interval_s)
        finally:
            self.sessions.remove_waker(ready.set)
            client.close()

    # -- providers -------------------------------------------------------------------------

    async def OpenProviderStream(
        self, request_iterator: AsyncIterator[val_v2.OpenProviderStreamRequest], context: Context
    ) -> AsyncIterator[val_v2.OpenProviderStreamResponse]:
        try:
            client = self.sessions.stream_client(context, "provider", strict_claims=True)
        except (SignalError, KuksaError) as error:
            await abort_with(context, error)
        session = ProviderSession(self, client)
        reader = asyncio.ensure_future(session.read(request_iterator))
        self.sessions.add_waker(session.end)
        try:
            while True:
                response = await session.outbox.get()
                if response is None:
                    break
                yield response
            if session.failure is not None:
                await abort_with(context, session.failure)
        finally:
            self.sessions.remove_waker(session.end)
            reader.cancel()
            client.close()


class ProviderSession:
    """One OpenProviderStream: its claims, its publishes and the actuations routed to it."""

    def __init__(self, servicer: ValV2Servicer, client: BrokerClient) -> None:
        self.servicer = servicer
        self.broker = servicer.broker
        self.client = client
        self.outbox: asyncio.Queue[val_v2.OpenProviderStreamResponse | None] = asyncio.Queue()
        self.failure: Exception | None = None

    def end(self) -> None:
        """End the stream (server shutdown)."""
        self.outbox.put_nowait(None)

    async def read(self, requests: AsyncIterator[val_v2.OpenProviderStreamRequest]) -> None:
        """Handle the provider's requests. A half-close keeps the stream open for actuations
        (kuksa-client sends its claim and closes its side); an error ends the stream."""
        try:
            async for request in requests:
                self.handle(request)
        except (SignalError, KuksaError) as error:
            self.failure = error
            self.outbox.put_nowait(None)

    def handle(self, request: val_v2.OpenProviderStreamRequest) -> None:
        kind = request.WhichOneof("action")
        if kind == "publish_values_request":
            self.publish(request.publish_values_request)
        elif kind == "provide_actuation_request":
            keys = [signal_key(s) for s in request.provide_actuation_request.actuator_identifiers]
            self.client.provide_actuation(keys, self.forward_actuation)
            self.outbox.put_nowait(
                val_v2.OpenProviderStreamResponse(
                    provide_actuation_response=val_v2.ProvideActuationResponse()
                )
            )
        elif kind == "provide_signal_request":
            self.client.provide(list(request.provide_signal_request.signals_sample_intervals.keys()))
            self.outbox.put_nowait(
                val_v2.OpenProviderStreamResponse(provide_signal_response=val_v2.ProvideSignalResponse())
            )
        elif kind is None:
            raise RequestError("an OpenProviderStreamRequest without an action")
        # batch_actuate_stream_response acknowledges an actuation whose Actuate call has already
        # returned, so there is no caller left to tell. update_filter_response,
        # get_provider_value_response and provider_error_indication answer requests this broker
        # never sends. All are accepted and need no reply.

    def publish(self, request: val_v2.PublishValuesRequest) -> None:
        triples = []
        try:
            for signal_id, datapoint in request.data_points.items():
                stamp = timestamp_ns_of(datapoint.timestamp) if datapoint.HasField("timestamp") else None
                triples.append((signal_id, read_value(datapoint.value, "typed_value"), stamp))
            self.client.publish_datapoints(triples)
        except NotClaimedError:
            raise
        except (SignalError, KuksaError) as error:
            failed_id = getattr(error, "key", None)
            if failed_id is None:
                path = getattr(error, "path", None)
                failed_id = (
                    self.broker.signal_id(path)
                    if isinstance(path, str) and path in self.broker.catalogue
                    else 0
                )
            self.outbox.put_nowait(
                val_v2.OpenProviderStreamResponse(
                    publish_values_response=val_v2.PublishValuesResponse(
                        request_id=request.request_id, status={int(failed_id): error_message(error)}
                    )
                )
            )

    def forward_actuation(self, requests: list[tuple[str, Any]]) -> None:
        batch = val_v2.BatchActuateStreamRequest()
        for path, value in requests:
            spec = self.broker.spec(path)
            assert spec.datatype is not None
            batch.actuate_requests.append(
                val_v2.ActuateRequest(
                    signal_id=types_v2.SignalID(id=self.broker.signal_id(path)),
                    value=value_v2(spec.datatype, value),
                )
            )
        self.outbox.put_nowait(val_v2.OpenProviderStreamResponse(batch_actuate_stream_request=batch))
