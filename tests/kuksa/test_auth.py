"""JWT authorization: TokenVerifier on its own, then scopes enforced over gRPC (v2 and v1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v1 import val_pb2 as val_v1
from kuksa.val.v1 import val_pb2_grpc as val_v1_grpc
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_v2_grpc
from tests.conftest import TIMEOUT, Stream

from sdvkit.kuksa import AuthenticationError, TokenVerifier
from sdvkit.signals.catalogue import Catalogue

STREAM_DEADLINE = 30

SPEED = "Vehicle.Speed"
GEAR = "Vehicle.Gear"
ROW1_POSITION = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
ROW2_POSITION = "Vehicle.Cabin.Seat.Row2.DriverSide.Position"


def claims(scope: Any = "read", **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": "t",
        "iss": "tests",
        "aud": ["kuksa.val"],
        "iat": now,
        "exp": now + 3600,
        "scope": scope,
    }
    base.update(overrides)
    return base


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthenticationError) as info:
        verifier.verify(token)
    message = str(info.value)
    assert message
    return message


# -- TokenVerifier ------------------------------------------------------------------------------


def test_valid_token_gives_its_scopes(token_issuer: Any) -> None:
    verifier = token_issuer.verifier()
    token = token_issuer.token("read:Vehicle.Speed actuate:Vehicle.Cabin.Seat.Row2")
    permissions = verifier.verify(token)
    assert permissions.can_read(SPEED)
    assert not permissions.can_read(GEAR)
    assert not permissions.can_provide(SPEED)
    assert permissions.can_actuate(ROW2_POSITION)
    assert permissions.can_read(ROW2_POSITION)  # actuate implies read
    assert not permissions.can_actuate(ROW1_POSITION)
    assert permissions.expires_at_s == pytest.approx(time.time() + 3600, abs=60)
    # the header form kuksa-client sends
    same = verifier.permissions_for([("authorization", f"Bearer {token}")])
    assert same.can_actuate(ROW2_POSITION)
    assert verifier.permissions_for([("authorization", f"Bearer {token}".encode())]).can_read(SPEED)


def test_wildcard_and_branch_scopes(token_issuer: Any) -> None:
    permissions = token_issuer.verifier().verify(
        token_issuer.token("provide:Vehicle.Cabin.Seat.*.DriverSide.Position read:Vehicle.Body")
    )
    assert permissions.can_provide(ROW1_POSITION)
    assert permissions.can_provide(ROW2_POSITION)
    assert not permissions.can_provide("Vehicle.Cabin.Seat.Row1.DriverSide.IsOccupied")
    assert permissions.can_read("Vehicle.Body.Trunk.IsOpen")
    assert not permissions.can_read(SPEED)


def test_wrong_audience_is_refused(token_issuer: Any) -> None:
    message = refused(token_issuer.verifier(), token_issuer.token("read", audience=["someone.else"]))
    assert "Invalid auth token" in message
    assert "audience" in message.lower()


def test_expired_token_is_refused(token_issuer: Any) -> None:
    message = refused(token_issuer.verifier(), token_issuer.token("read", expires_in_s=-120))
    assert "expired" in message.lower()


@pytest.mark.parametrize("claim", ["sub", "iss", "aud", "iat", "exp", "scope"])
def test_missing_claim_is_refused(token_issuer: Any, claim: str) -> None:
    message = refused(token_issuer.verifier(), token_issuer.token("read", drop=(claim,)))
    assert claim in message


def test_token_signed_by_another_key_is_refused(token_issuer: Any) -> None:
    other = type(token_issuer)()
    message = refused(token_issuer.verifier(), other.token("read"))
    assert "signature" in message.lower()


def test_unsigned_token_is_refused(token_issuer: Any) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims("read")).encode())
    message = refused(token_issuer.verifier(), f"{header}.{body}.")
    assert "alg" in message.lower()


def test_hmac_token_is_refused_even_keyed_with_the_public_key(token_issuer: Any) -> None:
    verifier = token_issuer.verifier()
    assert "alg" in refused(verifier, jwt.encode(claims("read"), "s" * 32, algorithm="HS256")).lower()
    # the classic confusion attack: HS256 with the server's public key as the secret
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims("read")).encode())
    signature = hmac.new(token_issuer.public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    assert "alg" in refused(verifier, f"{header}.{body}.{b64(signature)}").lower()


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x.y", "....", "Bearer"])
def test_malformed_tokens_are_refused(token_issuer: Any, token: str) -> None:
    assert "Invalid auth token" in refused(token_issuer.verifier(), token)


@pytest.mark.parametrize(
    ("scope", "words"),
    [
        ("fly:Vehicle.Speed", "unknown action"),
        ("read:Vehicle..Speed", "invalid path"),
        ("read:Vehicle.Speed!", "invalid path"),
        ("read:Vehicle.Speed:x", "invalid path"),
        ("read:Vehicle.*.", "invalid path"),
        ("", "empty"),
        ("   ", "empty"),
        (["read"], "string"),
        (42, "string"),
    ],
)
def test_unparseable_scope_rejects_the_token(token_issuer: Any, scope: Any, words: str) -> None:
    token = jwt.encode(claims(scope), token_issuer.private_key, algorithm="RS256")
    message = refused(token_issuer.verifier(), token)
    assert "Invalid auth token" in message
    assert words in message


def test_one_bad_scope_item_rejects_the_whole_token(token_issuer: Any) -> None:
    message = refused(token_issuer.verifier(), token_issuer.token("read:Vehicle.Speed write:Vehicle.Gear"))
    assert "write" in message


def test_header_problems(token_issuer: Any) -> None:
    verifier = token_issuer.verifier()
    for metadata in (None, [], [("other", "x")], [("authorization", "")]):
        with pytest.raises(AuthenticationError, match="No auth token provided"):
            verifier.permissions_for(metadata)
    with pytest.raises(AuthenticationError, match="Bearer"):
        verifier.permissions_for([("authorization", "Basic dXNlcjpwYXNz")])
    with pytest.raises(AuthenticationError, match="Invalid auth token"):
        verifier.permissions_for([("authorization", "Bearer not-a-jwt")])


def test_elliptic_curve_keys_work() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verifier = TokenVerifier(pem)
    assert verifier.verify(jwt.encode(claims("read:Vehicle"), private, algorithm="ES256")).can_read(SPEED)


def test_bad_public_keys(tmp_path: Path, token_issuer: Any) -> None:
    with pytest.raises(AuthenticationError, match="not a PEM public key"):
        TokenVerifier(b"this is no key")
    missing = tmp_path / "missing.pem"
    with pytest.raises(AuthenticationError, match="cannot read JWT public key"):
        TokenVerifier.from_file(missing)
    key_file = tmp_path / "jwt.key.pub"
    key_file.write_bytes(token_issuer.public_pem)
    verifier = TokenVerifier.from_file(key_file)
    assert verifier.verify(token_issuer.token("read")).can_read(SPEED)


# -- over gRPC ----------------------------------------------------------------------------------


class Provider:
    """An OpenProviderStream with a given token, whose requests the test sends one by one."""

    def __init__(self, stub: val_v2_grpc.VALStub, token: str) -> None:
        self._requests: queue.Queue[val_v2.OpenProviderStreamRequest | None] = queue.Queue()
        self.stream = Stream(
            stub.OpenProviderStream(self._iterate(), timeout=STREAM_DEADLINE, metadata=bearer(token))
        )

    def _iterate(self) -> Iterator[val_v2.OpenProviderStreamRequest]:
        while (request := self._requests.get()) is not None:
            yield request

    def claim_actuators(self, *paths: str) -> None:
        self._requests.put(
            val_v2.OpenProviderStreamRequest(
                provide_actuation_request=val_v2.ProvideActuationRequest(
                    actuator_identifiers=[types_v2.SignalID(path=path) for path in paths]
                )
            )
        )

    def claim_signals(self, *ids: int) -> None:
        self._requests.put(
            val_v2.OpenProviderStreamRequest(
                provide_signal_request=val_v2.ProvideSignalRequest(
                    signals_sample_intervals={i: types_v2.SampleInterval() for i in ids}
                )
            )
        )

    def close(self) -> None:
        self._requests.put(None)
        self.stream.cancel()


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def by_path(path: str) -> types_v2.SignalID:
    return types_v2.SignalID(path=path)


def fails(call: Any, request: Any, token: str | None) -> tuple[grpc.StatusCode, str]:
    metadata = bearer(token) if token is not None else None
    with pytest.raises(grpc.RpcError) as info:
        call(request, timeout=TIMEOUT, metadata=metadata)
    error: Any = info.value
    return error.code(), error.details()


def publish_request(path: str, **value: Any) -> val_v2.PublishValueRequest:
    return val_v2.PublishValueRequest(
        signal_id=by_path(path), data_point=types_v2.Datapoint(value=types_v2.Value(**value))
    )


def actuate_request(path: str, **value: Any) -> val_v2.ActuateRequest:
    return val_v2.ActuateRequest(signal_id=by_path(path), value=types_v2.Value(**value))


def get_request(path: str) -> val_v2.GetValueRequest:
    return val_v2.GetValueRequest(signal_id=by_path(path))


class AuthServer:
    def __init__(self, server: Any, token_issuer: Any) -> None:
        self.server = server
        self.issuer = token_issuer
        self.channel = grpc.insecure_channel(server.target)
        self.v2 = val_v2_grpc.VALStub(self.channel)  # type: ignore[no-untyped-call]
        self.v1 = val_v1_grpc.VALStub(self.channel)  # type: ignore[no-untyped-call]
        self.admin = token_issuer.token("read provide actuate")
        self.providers: list[Provider] = []
        self.streams: list[Stream] = []

    def token(self, scope: str) -> str:
        token: str = self.issuer.token(scope)
        return token

    def provider(self, token: str | None = None) -> Provider:
        provider = Provider(self.v2, token or self.admin)
        self.providers.append(provider)
        return provider

    def actuator_provider(self, *paths: str) -> Provider:
        provider = self.provider()
        provider.claim_actuators(*paths)
        assert provider.stream.next().HasField("provide_actuation_response")
        return provider

    def subscribe(self, paths: list[str], token: str | None) -> Stream:
        metadata = bearer(token) if token is not None else None
        stream = Stream(
            self.v2.Subscribe(
                val_v2.SubscribeRequest(signal_paths=paths), timeout=STREAM_DEADLINE, metadata=metadata
            )
        )
        self.streams.append(stream)
        return stream

    def id_of(self, path: str) -> int:
        [meta] = self.v2.ListMetadata(
            val_v2.ListMetadataRequest(root=path), timeout=TIMEOUT, metadata=bearer(self.admin)
        ).metadata
        signal_id: int = meta.id
        return signal_id

    def close(self) -> None:
        for stream in self.streams:
            stream.cancel()
        for provider in self.providers:
            provider.close()
        self.channel.close()


@pytest.fixture
def auth(
    server_factory: Callable[..., Any], small_catalogue: Catalogue, token_issuer: Any
) -> Iterator[AuthServer]:
    server = AuthServer(server_factory(small_catalogue, token_issuer.verifier()), token_issuer)
    yield server
    server.close()


def test_no_token_is_unauthenticated_everywhere(auth: AuthServer) -> None:
    unary = [
        (auth.v2.GetValue, get_request(SPEED)),
        (auth.v2.GetValues, val_v2.GetValuesRequest(signal_ids=[by_path(SPEED)])),
        (auth.v2.PublishValue, publish_request(SPEED, float=1.0)),
        (auth.v2.Actuate, actuate_request(GEAR, int32=1)),
        (auth.v2.BatchActuate, val_v2.BatchActuateRequest(actuate_requests=[actuate_request(GEAR, int32=1)])),
        (auth.v2.ListMetadata, val_v2.ListMetadataRequest(root="Vehicle")),
        (auth.v2.GetServerInfo, val_v2.GetServerInfoRequest()),
        (auth.v1.Get, val_v1.GetRequest(entries=[val_v1.EntryRequest(path=SPEED)])),
        (auth.v1.Set, val_v1.SetRequest()),
        (auth.v1.GetServerInfo, val_v1.GetServerInfoRequest()),
    ]
    for call, request in unary:
        code, message = fails(call, request, None)
        assert code is grpc.StatusCode.UNAUTHENTICATED, call
        assert message == "No auth token provided"
    streams = [
        auth.subscribe([SPEED], None),
        Stream(auth.v2.SubscribeById(val_v2.SubscribeByIdRequest(signal_ids=[1]), timeout=TIMEOUT)),
        Stream(auth.v2.OpenProviderStream(iter([]), timeout=TIMEOUT)),
        Stream(
            auth.v1.Subscribe(
                val_v1.SubscribeRequest(entries=[val_v1.SubscribeEntry(path=SPEED)]), timeout=TIMEOUT
            )
        ),
        Stream(auth.v1.StreamedUpdate(iter([]), timeout=TIMEOUT)),
    ]
    for stream in streams:
        error = stream.error()
        assert error.code() is grpc.StatusCode.UNAUTHENTICATED
        assert error.details() == "No auth token provided"
    with pytest.raises(grpc.RpcError) as info:
        auth.v2.ActuateStream(iter([actuate_request(GEAR, int32=1)]), timeout=TIMEOUT)
    assert info.value.code() is grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    "header",
    ["Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "garbage", "Bearer "],
)
def test_malformed_token_is_unauthenticated(auth: AuthServer, header: str) -> None:
    for call, request in (
        (auth.v2.GetValue, get_request(SPEED)),
        (auth.v1.Get, val_v1.GetRequest(entries=[val_v1.EntryRequest(path=SPEED)])),
    ):
        with pytest.raises(grpc.RpcError) as info:
            call(request, timeout=TIMEOUT, metadata=[("authorization", header)])
        error: Any = info.value
        assert error.code() is grpc.StatusCode.UNAUTHENTICATED
        assert error.details()
        assert "token" in error.details().lower()


def test_expired_and_foreign_tokens_are_unauthenticated(auth: AuthServer, token_issuer: Any) -> None:
    code, message = fails(auth.v2.GetValue, get_request(SPEED), token_issuer.token("read", expires_in_s=-60))
    assert code is grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in message.lower()
    code, message = fails(auth.v2.GetValue, get_request(SPEED), type(token_issuer)().token("read"))
    assert code is grpc.StatusCode.UNAUTHENTICATED
    assert "signature" in message.lower()
    code, message = fails(auth.v2.GetValue, get_request(SPEED), token_issuer.token("read", audience=["x"]))
    assert code is grpc.StatusCode.UNAUTHENTICATED
    assert "audience" in message.lower()


def test_read_one_signal_token(auth: AuthServer) -> None:
    token = auth.token("read:Vehicle.Speed")
    auth.v2.PublishValue(publish_request(SPEED, float=30.0), timeout=TIMEOUT, metadata=bearer(auth.admin))
    point = auth.v2.GetValue(get_request(SPEED), timeout=TIMEOUT, metadata=bearer(token)).data_point
    assert point.value.float == 30.0

    code, message = fails(auth.v2.GetValue, get_request(GEAR), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert GEAR in message
    code, _ = fails(
        auth.v2.GetValues, val_v2.GetValuesRequest(signal_ids=[by_path(SPEED), by_path(GEAR)]), token
    )
    assert code is grpc.StatusCode.PERMISSION_DENIED
    code, message = fails(auth.v2.PublishValue, publish_request(SPEED, float=31.0), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert SPEED in message
    auth.actuator_provider(GEAR)
    code, message = fails(auth.v2.Actuate, actuate_request(GEAR, int32=1), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert GEAR in message
    code, _ = fails(
        auth.v2.BatchActuate,
        val_v2.BatchActuateRequest(actuate_requests=[actuate_request(GEAR, int32=1)]),
        token,
    )
    assert code is grpc.StatusCode.PERMISSION_DENIED

    # metadata lists only what the token may read
    listed = auth.v2.ListMetadata(
        val_v2.ListMetadataRequest(root="Vehicle"), timeout=TIMEOUT, metadata=bearer(token)
    )
    assert [m.path for m in listed.metadata] == [SPEED]

    # subscriptions: allowed for Speed, refused for Gear
    stream = auth.subscribe([SPEED], token)
    assert stream.next().entries[SPEED].value.float == 30.0
    error = auth.subscribe([SPEED, GEAR], token).error()
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED

    # v1: errors in the body
    response = auth.v1.Get(
        val_v1.GetRequest(entries=[val_v1.EntryRequest(path=GEAR)]), timeout=TIMEOUT, metadata=bearer(token)
    )
    assert response.errors[0].error.code == 403
    assert response.errors[0].error.reason == "forbidden"
    response = auth.v1.Set(
        val_v1.SetRequest(
            updates=[
                val_v1.EntryUpdate(
                    entry=types_v1.DataEntry(path=SPEED, value=types_v1.Datapoint(float=1.0)),
                    fields=[types_v1.FIELD_VALUE],
                )
            ]
        ),
        timeout=TIMEOUT,
        metadata=bearer(token),
    )
    assert response.error.code == 403
    assert SPEED in response.errors[0].error.message


def test_provide_one_signal_token(auth: AuthServer) -> None:
    token = auth.token("provide:Vehicle.Speed")
    auth.v2.PublishValue(publish_request(SPEED, float=44.0), timeout=TIMEOUT, metadata=bearer(token))
    point = auth.v2.GetValue(get_request(SPEED), timeout=TIMEOUT, metadata=bearer(token)).data_point
    assert point.value.float == 44.0
    code, _ = fails(auth.v2.PublishValue, publish_request(GEAR, int32=1), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED
    code, _ = fails(auth.v2.GetValue, get_request(GEAR), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED

    # on a provider stream: Speed may be claimed, Gear may not
    provider = auth.provider(token)
    provider.claim_signals(auth.id_of(SPEED))
    assert provider.stream.next().HasField("provide_signal_response")
    other = auth.provider(token)
    other.claim_actuators(GEAR)
    error = other.stream.error()
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    assert GEAR in error.details()


def test_actuate_scope_on_row2(auth: AuthServer) -> None:
    """``Row2`` has the digit 2, which the databroker's scope regex refuses; sdvkit accepts it."""
    token = auth.token("actuate:Vehicle.Cabin.Seat.Row2")
    provider = auth.actuator_provider(ROW1_POSITION, ROW2_POSITION)
    row2_id = auth.id_of(ROW2_POSITION)
    auth.v2.Actuate(actuate_request(ROW2_POSITION, uint32=250), timeout=TIMEOUT, metadata=bearer(token))
    [request] = provider.stream.next().batch_actuate_stream_request.actuate_requests
    assert request.signal_id.id == row2_id
    assert request.value.uint32 == 250

    code, message = fails(auth.v2.Actuate, actuate_request(ROW1_POSITION, uint32=250), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert ROW1_POSITION in message
    # actuate implies read, but not provide
    auth.v2.GetValue(get_request(ROW2_POSITION), timeout=TIMEOUT, metadata=bearer(token))
    code, _ = fails(auth.v2.PublishValue, publish_request(ROW2_POSITION, uint32=1), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED

    # the v1 target channel honours the same scope
    response = auth.v1.Set(
        val_v1.SetRequest(
            updates=[
                val_v1.EntryUpdate(
                    entry=types_v1.DataEntry(
                        path=ROW2_POSITION, actuator_target=types_v1.Datapoint(uint32=251)
                    ),
                    fields=[types_v1.FIELD_ACTUATOR_TARGET],
                )
            ]
        ),
        timeout=TIMEOUT,
        metadata=bearer(token),
    )
    assert not response.errors
    [request] = provider.stream.next().batch_actuate_stream_request.actuate_requests
    assert request.value.uint32 == 251


def test_read_all_token_cannot_write(auth: AuthServer) -> None:
    token = auth.token("read")
    auth.actuator_provider(GEAR)
    auth.v2.GetValue(get_request(GEAR), timeout=TIMEOUT, metadata=bearer(token))
    listed = auth.v2.ListMetadata(
        val_v2.ListMetadataRequest(root="Vehicle"), timeout=TIMEOUT, metadata=bearer(token)
    )
    assert len(listed.metadata) == 13
    for call, request in (
        (auth.v2.PublishValue, publish_request(SPEED, float=1.0)),
        (auth.v2.Actuate, actuate_request(GEAR, int32=1)),
        (auth.v2.BatchActuate, val_v2.BatchActuateRequest(actuate_requests=[actuate_request(GEAR, int32=1)])),
    ):
        code, message = fails(call, request, token)
        assert code is grpc.StatusCode.PERMISSION_DENIED
        assert "may not" in message
    for update in (
        val_v1.EntryUpdate(
            entry=types_v1.DataEntry(path=SPEED, value=types_v1.Datapoint(float=1.0)),
            fields=[types_v1.FIELD_VALUE],
        ),
        val_v1.EntryUpdate(
            entry=types_v1.DataEntry(path=GEAR, actuator_target=types_v1.Datapoint(int32=1)),
            fields=[types_v1.FIELD_ACTUATOR_TARGET],
        ),
    ):
        response = auth.v1.Set(val_v1.SetRequest(updates=[update]), timeout=TIMEOUT, metadata=bearer(token))
        assert response.error.code == 403
    provider = auth.provider(token)
    provider.claim_signals(auth.id_of(SPEED))
    assert provider.stream.error().code() is grpc.StatusCode.PERMISSION_DENIED
    # nothing was written
    point = auth.v2.GetValue(get_request(SPEED), timeout=TIMEOUT, metadata=bearer(token)).data_point
    assert not point.HasField("value")


def test_v1_set_checks_permission_before_revealing_claims_or_rules(auth: AuthServer) -> None:
    """As v2 PublishValue/Actuate do: a client that may not write learns nothing else about the signal."""
    provider = auth.provider()
    provider.claim_signals(auth.id_of(SPEED))
    assert provider.stream.next().HasField("provide_signal_response")
    token = auth.token("read")
    code, message = fails(auth.v2.PublishValue, publish_request(SPEED, float=1.0), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert "provided by" not in message
    for update in (
        # claimed by the provider above
        val_v1.EntryUpdate(
            entry=types_v1.DataEntry(path=SPEED, value=types_v1.Datapoint(float=1.0)),
            fields=[types_v1.FIELD_VALUE],
        ),
        # out of range
        val_v1.EntryUpdate(
            entry=types_v1.DataEntry(path=GEAR, value=types_v1.Datapoint(int32=100)),
            fields=[types_v1.FIELD_VALUE],
        ),
        val_v1.EntryUpdate(
            entry=types_v1.DataEntry(path=GEAR, actuator_target=types_v1.Datapoint(int32=100)),
            fields=[types_v1.FIELD_ACTUATOR_TARGET],
        ),
    ):
        response = auth.v1.Set(val_v1.SetRequest(updates=[update]), timeout=TIMEOUT, metadata=bearer(token))
        [error] = response.errors
        assert error.error.code == 403, error
        assert "may not" in error.error.message
    # with the right to write, the claim and the rules are reported
    response = auth.v1.Set(
        val_v1.SetRequest(
            updates=[
                val_v1.EntryUpdate(
                    entry=types_v1.DataEntry(path=SPEED, value=types_v1.Datapoint(float=1.0)),
                    fields=[types_v1.FIELD_VALUE],
                ),
                val_v1.EntryUpdate(
                    entry=types_v1.DataEntry(path=GEAR, actuator_target=types_v1.Datapoint(int32=100)),
                    fields=[types_v1.FIELD_ACTUATOR_TARGET],
                ),
            ]
        ),
        timeout=TIMEOUT,
        metadata=bearer(auth.admin),
    )
    assert [(e.path, e.error.code) for e in response.errors] == [(SPEED, 409), (GEAR, 400)]


def test_refreshed_tokens_do_not_pile_up_broker_clients(auth: AuthServer, token_issuer: Any) -> None:
    """Every unary call with a new token (a refresh) must not leave a broker client behind."""

    def client_count() -> int:
        sessions = auth.server.server.sessions
        return int(auth.server.call(lambda: len(sessions._shared)))

    auth.v2.GetValue(get_request(SPEED), timeout=TIMEOUT, metadata=bearer(auth.token("read:Vehicle.Speed")))
    before = client_count()
    for refresh in range(50):
        token = token_issuer.token("read:Vehicle.Speed", expires_in_s=3600 + refresh)
        auth.v2.GetValue(get_request(SPEED), timeout=TIMEOUT, metadata=bearer(token))
        auth.v1.Get(
            val_v1.GetRequest(entries=[val_v1.EntryRequest(path=SPEED)]),
            timeout=TIMEOUT,
            metadata=bearer(token),
        )
    assert client_count() == before
    # tokens with other grants still get their own client, with their own permissions
    token = token_issuer.token("read:Vehicle.Gear")
    auth.v2.GetValue(get_request(GEAR), timeout=TIMEOUT, metadata=bearer(token))
    code, _ = fails(auth.v2.GetValue, get_request(SPEED), token)
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert client_count() == before + 1
