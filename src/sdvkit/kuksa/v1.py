"""The kuksa.val.v1 ``VAL`` service (Get, Set, Subscribe, StreamedUpdate, GetServerInfo).

v1 reports errors per entry in the response body, with HTTP-like codes
(404 not_found, 400 bad_request, 403 forbidden …); a bad token still ends the
call with UNAUTHENTICATED, as the databroker does.

Target values: a v1 ``Set`` of ``actuator_target`` stores the target, and when a
v2 provider has claimed the actuator it is also routed to that provider, so a
v1 client can drive a v2 provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from grpc import aio
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v1 import val_pb2 as val_v1
from kuksa.val.v1 import val_pb2_grpc

import sdvkit
from sdvkit.kuksa.convert import datapoint_v1, metadata_v1, read_value
from sdvkit.kuksa.errors import KuksaError, RequestError, v1_code_for
from sdvkit.kuksa.session import MAX_REQUEST_PATH_LENGTH, Sessions, abort_with
from sdvkit.kuksa.v2 import SERVER_NAME
from sdvkit.signals.broker import BrokerClient
from sdvkit.signals.catalogue import NodeSpec, NodeType
from sdvkit.signals.errors import (
    AccessDeniedError,
    AlreadyClaimedError,
    NotAnActuatorError,
    SignalError,
    UnknownSignalError,
)
from sdvkit.signals.subscription import Update

Context = aio.ServicerContext[Any, Any]

_METADATA_FIELDS = frozenset(
    {
        types_v1.FIELD_METADATA,
        types_v1.FIELD_METADATA_DATA_TYPE,
        types_v1.FIELD_METADATA_DESCRIPTION,
        types_v1.FIELD_METADATA_ENTRY_TYPE,
        types_v1.FIELD_METADATA_COMMENT,
        types_v1.FIELD_METADATA_DEPRECATION,
        types_v1.FIELD_METADATA_UNIT,
        types_v1.FIELD_METADATA_VALUE_RESTRICTION,
        types_v1.FIELD_METADATA_ACTUATOR,
        types_v1.FIELD_METADATA_SENSOR,
        types_v1.FIELD_METADATA_ATTRIBUTE,
    }
)
_VIEW_FIELDS: dict[int, frozenset[int]] = {
    types_v1.VIEW_UNSPECIFIED: frozenset({types_v1.FIELD_VALUE}),
    types_v1.VIEW_CURRENT_VALUE: frozenset({types_v1.FIELD_VALUE}),
    types_v1.VIEW_TARGET_VALUE: frozenset({types_v1.FIELD_ACTUATOR_TARGET}),
    types_v1.VIEW_METADATA: frozenset({types_v1.FIELD_METADATA}),
    types_v1.VIEW_FIELDS: frozenset(),
    types_v1.VIEW_ALL: frozenset(
        {types_v1.FIELD_VALUE, types_v1.FIELD_ACTUATOR_TARGET, types_v1.FIELD_METADATA}
    ),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class _Selection:
    spec: NodeSpec
    value: bool
    target: bool
    metadata: bool


def _wanted_fields(view: int, fields: Iterable[int]) -> frozenset[int]:
    return _VIEW_FIELDS.get(view, frozenset()) | frozenset(fields)


def _entry_error(path: str, error: Exception) -> types_v1.DataEntryError:
    code, reason = v1_code_for(error)
    return types_v1.DataEntryError(
        path=path, error=types_v1.Error(code=code, reason=reason, message=str(error))
    )


class ValV1Servicer(val_pb2_grpc.VALServicer):
    """kuksa.val.v1, kept for the clients that still call it (kuksa-client does)."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.broker = sessions.broker

    def _select(self, client: BrokerClient, path: str, view: int, fields: Iterable[int]) -> list[_Selection]:
        if not path:
            raise RequestError("the path is empty")
        if len(path) > MAX_REQUEST_PATH_LENGTH:
            raise RequestError(f"the path is longer than {MAX_REQUEST_PATH_LENGTH} characters")
        wanted = _wanted_fields(view, fields)
        matches = self.broker.catalogue.match(path)
        if not matches:
            raise UnknownSignalError(path)
        readable = [spec for spec in matches if client.permissions.can_read(spec.path)]
        if not readable:
            raise AccessDeniedError(client.name, "read", path)
        return [
            _Selection(
                spec=spec,
                value=types_v1.FIELD_VALUE in wanted,
                target=types_v1.FIELD_ACTUATOR_TARGET in wanted and spec.node_type is NodeType.ACTUATOR,
                metadata=bool(wanted & _METADATA_FIELDS),
            )
            for spec in readable
        ]

    def _entry(self, client: BrokerClient, selection: _Selection) -> types_v1.DataEntry:
        spec = selection.spec
        assert spec.datatype is not None
        entry = types_v1.DataEntry(path=spec.path)
        if selection.value:
            current = client.get(spec.path)
            if current is not None:
                entry.value.CopyFrom(datapoint_v1(spec.datatype, current))
        if selection.target:
            target = client.get_target(spec.path)
            if target is not None:
                entry.actuator_target.CopyFrom(datapoint_v1(spec.datatype, target))
        if selection.metadata:
            entry.metadata.CopyFrom(metadata_v1(spec))
        return entry

    async def Get(self, request: val_v1.GetRequest, context: Context) -> val_v1.GetResponse:
        client = await self._client(context)
        response = val_v1.GetResponse()
        for entry_request in request.entries:
            try:
                selections = self._select(
                    client, entry_request.path, entry_request.view, entry_request.fields
                )
                response.entries.extend(self._entry(client, selection) for selection in selections)
            except (SignalError, KuksaError) as error:
                response.errors.append(_entry_error(entry_request.path, error))
        if response.errors:
            response.error.CopyFrom(response.errors[0].error)
        return response

    async def Set(self, request: val_v1.SetRequest, context: Context) -> val_v1.SetResponse:
        client = await self._client(context)
        response = val_v1.SetResponse()
        errors = self._apply_updates(client, request.updates)
        if errors:
            response.errors.extend(errors)
            response.error.CopyFrom(errors[0].error)
        return response

    async def StreamedUpdate(
        self, request_iterator: AsyncIterator[val_v1.StreamedUpdateRequest], context: Context
    ) -> AsyncIterator[val_v1.StreamedUpdateResponse]:
        client = await self._client(context)
        async for request in request_iterator:
            errors = self._apply_updates(client, request.updates)
            if errors:
                response = val_v1.StreamedUpdateResponse(errors=errors)
                response.error.CopyFrom(errors[0].error)
                yield response

    def _apply_updates(
        self, client: BrokerClient, updates: Iterable[val_v1.EntryUpdate]
    ) -> list[types_v1.DataEntryError]:
        """Check every update first; apply them only if all pass (all or nothing)."""
        values: list[tuple[str, Any]] = []
        targets: list[tuple[str, Any]] = []
        errors: list[types_v1.DataEntryError] = []
        for update in updates:
            path = update.entry.path
            try:
                spec = self.broker.spec(path) if path else None
                if spec is None:
                    raise RequestError("the path is empty")
                fields = set(update.fields)
                if fields & _METADATA_FIELDS:
                    raise RequestError(f"{path}: metadata comes from the catalogue and cannot be set")
                # permission first, as the broker does: a client that may not write
                # learns neither who holds the signal nor its rules
                if types_v1.FIELD_VALUE in fields:
                    if not client.permissions.can_provide(path):
                        raise AccessDeniedError(client.name, "provide", path)
                    holder = self.broker.provider_of(path)
                    if holder is not None:
                        raise AlreadyClaimedError(path, holder)
                    values.append((path, spec.validate(read_value(update.entry.value, "value"))))
                if types_v1.FIELD_ACTUATOR_TARGET in fields:
                    if spec.node_type is not NodeType.ACTUATOR:
                        raise NotAnActuatorError(path, spec.node_type.value)
                    if not client.permissions.can_actuate(path):
                        raise AccessDeniedError(client.name, "actuate", path)
                    targets.append((path, spec.validate(read_value(update.entry.actuator_target, "value"))))
                if not fields & {types_v1.FIELD_VALUE, types_v1.FIELD_ACTUATOR_TARGET}:
                    raise RequestError(f"{path}: the update names no field to set")
            except (SignalError, KuksaError) as error:
                errors.append(_entry_error(path, error))
        if errors:
            return errors
        try:
            if values:
                client.publish(values)
            if targets:
                client.set_targets(targets)
        except (SignalError, KuksaError) as error:
            return [_entry_error(getattr(error, "path", ""), error)]
        return []

    async def Subscribe(
        self, request: val_v1.SubscribeRequest, context: Context
    ) -> AsyncIterator[val_v1.SubscribeResponse]:
        ready = asyncio.Event()
        stream_client: BrokerClient | None = None
        try:
            client = await self._client(context)
            selections: dict[str, _Selection] = {}
            if not request.entries:
                raise RequestError("no entry to subscribe to")
            for entry in request.entries:
                for found in self._select(client, entry.path, entry.view, entry.fields):
                    previous = selections.get(found.spec.path)
                    if previous is not None:
                        found = _Selection(  # noqa: PLW2901
                            spec=found.spec,
                            value=found.value or previous.value,
                            target=found.target or previous.target,
                            metadata=found.metadata or previous.metadata,
                        )
                    selections[found.spec.path] = found
            stream_client = self.sessions.stream_client(context, "v1 subscriber")
            value_paths = [path for path, s in selections.items() if s.value]
            target_paths = [path for path, s in selections.items() if s.target]
            value_subscription = (
                stream_client.subscribe(value_paths, on_ready=ready.set) if value_paths else None
            )
            target_subscription = (
                stream_client.subscribe(target_paths, targets=True, on_ready=ready.set)
                if target_paths
                else None
            )
        except (SignalError, KuksaError) as error:
            if stream_client is not None:
                stream_client.close()
            await abort_with(context, error)
        self.sessions.add_waker(ready.set)
        try:
            response = val_v1.SubscribeResponse()
            for path, selection in selections.items():
                if selection.metadata:
                    response.updates.append(
                        val_v1.EntryUpdate(
                            entry=types_v1.DataEntry(path=path, metadata=metadata_v1(selection.spec)),
                            fields=[types_v1.FIELD_METADATA],
                        )
                    )
            while True:
                if value_subscription is not None:
                    self._add_updates(response, value_subscription.drain(), target=False)
                if target_subscription is not None:
                    self._add_updates(response, target_subscription.drain(), target=True)
                if response.updates:
                    yield response
                response = val_v1.SubscribeResponse()
                await ready.wait()
                ready.clear()
                if self.sessions.shutting_down:
                    return
        finally:
            self.sessions.remove_waker(ready.set)
            stream_client.close()

    def _add_updates(
        self, response: val_v1.SubscribeResponse, updates: list[Update], *, target: bool
    ) -> None:
        for path, datapoint in updates:
            spec = self.broker.spec(path)
            assert spec.datatype is not None
            message = datapoint_v1(spec.datatype, datapoint)
            if target:
                entry = types_v1.DataEntry(path=path, actuator_target=message)
                field = types_v1.FIELD_ACTUATOR_TARGET
            else:
                entry = types_v1.DataEntry(path=path, value=message)
                field = types_v1.FIELD_VALUE
            response.updates.append(val_v1.EntryUpdate(entry=entry, fields=[field]))

    async def GetServerInfo(
        self, request: val_v1.GetServerInfoRequest, context: Context
    ) -> val_v1.GetServerInfoResponse:
        await self._client(context)
        return val_v1.GetServerInfoResponse(name=SERVER_NAME, version=sdvkit.__version__)

    async def _client(self, context: Context) -> BrokerClient:
        try:
            return self.sessions.unary_client(context)
        except (SignalError, KuksaError) as error:
            await abort_with(context, error)
