"""The real ``kuksa-client`` (sync, async and its CLI shell) against sdvkit on the VSS 6.0 catalogue."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from kuksa_client.grpc import Datapoint, DataType, EntryType, VSSClient, VSSClientError
from kuksa_client.grpc import aio as kuksa_aio

import sdvkit
from sdvkit.signals.catalogue import Catalogue

TIMEOUT = 5

SPEED = "Vehicle.Speed"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
POSITION = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
ROW2_HEATING = "Vehicle.Cabin.Seat.Row2.DriverSide.HeatingCooling"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
HOOD_SWITCH = "Vehicle.Body.Hood.Switch"
VSS_MAJOR = "Vehicle.VersionVSS.Major"

PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED.value[0]
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED.value[0]


@pytest.fixture
def server(server_factory: Callable[..., Any], vss_catalogue: Catalogue) -> Any:
    return server_factory(vss_catalogue)


@pytest.fixture
def auth_server(server_factory: Callable[..., Any], vss_catalogue: Catalogue, token_issuer: Any) -> Any:
    return server_factory(vss_catalogue, token_issuer.verifier())


@pytest.fixture
def clients() -> Iterator[Callable[..., VSSClient]]:
    """Connected sync clients, disconnected when the test ends."""
    opened: list[VSSClient] = []

    def connect(server: Any, token: str | None = None) -> VSSClient:
        client = VSSClient("127.0.0.1", server.port, token=token)
        client.connect()
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.disconnect()


class Listener:
    """Runs one kuksa-client subscription in a thread on a client of its own.

    ``stop`` disconnects that client, which cancels the stream and ends the thread.
    """

    def __init__(
        self,
        server: Any,
        subscribe: Callable[[VSSClient], Iterable[dict[str, Any]]],
        token: str | None = None,
    ) -> None:
        self.client = VSSClient("127.0.0.1", server.port, token=token)
        self.client.connect()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(subscribe,), daemon=True)
        self._thread.start()

    def _run(self, subscribe: Callable[[VSSClient], Iterable[dict[str, Any]]]) -> None:
        try:
            for updates in subscribe(self.client):
                self._queue.put(updates)
        except Exception as error:  # the stream's end (VSSClientError CANCELLED) or a real failure
            self._queue.put(error)

    def next(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        item = self._queue.get(timeout=timeout)
        if isinstance(item, Exception):
            raise item
        updates: dict[str, Any] = item
        return updates

    def stop(self) -> None:
        self.client.disconnect()
        self._thread.join(timeout=TIMEOUT)
        assert not self._thread.is_alive()


@pytest.fixture
def listeners() -> Iterator[Callable[..., Listener]]:
    started: list[Listener] = []

    def start(*args: Any, **kwargs: Any) -> Listener:
        listener = Listener(*args, **kwargs)
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


def wait_for_actuation_provider(server: Any, path: str) -> None:
    """kuksa-client's target subscription says nothing when its claim lands: ask the broker."""
    for _ in range(200):
        if server.call(server.broker.actuation_provider_of, path) is not None:
            return
        threading.Event().wait(0.02)
    pytest.fail(f"nobody claimed {path}")


# -- without authorization ---------------------------------------------------------------


def test_get_server_info(server: Any, clients: Callable[..., VSSClient]) -> None:
    info = clients(server).get_server_info()
    assert info is not None
    assert info.name == "sdvkit"
    assert info.version == sdvkit.__version__


def test_set_then_get_current_values(server: Any, clients: Callable[..., VSSClient]) -> None:
    client = clients(server)
    assert client.get_current_values([SPEED]) == {SPEED: None}  # no value yet
    client.set_current_values(
        {
            SPEED: Datapoint(42.5),
            POSITION: Datapoint(120),
            TRUNK: Datapoint(True),
            HOOD_SWITCH: Datapoint("OPEN"),
            VSS_MAJOR: Datapoint(6),
        }
    )
    values = client.get_current_values([SPEED, POSITION, TRUNK, HOOD_SWITCH, VSS_MAJOR])
    assert values[SPEED].value == 42.5
    assert values[POSITION].value == 120
    assert values[TRUNK].value is True
    assert values[HOOD_SWITCH].value == "OPEN"
    assert values[VSS_MAJOR].value == 6
    assert values[SPEED].timestamp is not None


def test_set_current_values_refuses_bad_values(server: Any, clients: Callable[..., VSSClient]) -> None:
    client = clients(server)
    with pytest.raises(VSSClientError) as info:
        client.set_current_values({SOC: Datapoint(101.0)})
    assert info.value.error["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "maximum" in info.value.error["message"]
    with pytest.raises(VSSClientError) as info:
        client.set_current_values({"Vehicle.NoSuchSignal": Datapoint(1.0)})
    # kuksa-client asks v1 Get for the datatype first: the 404 comes back in the body
    assert info.value.error["code"] == 404
    assert client.get_current_values([SOC])[SOC] is None


def test_set_then_get_target_values(server: Any, clients: Callable[..., VSSClient]) -> None:
    client = clients(server)
    client.set_target_values({TRUNK: Datapoint(True), ROW2_HEATING: Datapoint(-40)})
    targets = client.get_target_values([TRUNK, ROW2_HEATING])
    assert targets[TRUNK].value is True
    assert targets[ROW2_HEATING].value == -40
    # a target is not a current value
    assert client.get_current_values([TRUNK])[TRUNK] is None
    with pytest.raises(VSSClientError) as info:
        client.set_target_values({ROW2_HEATING: Datapoint(-101)})
    assert info.value.error["code"] == 400
    with pytest.raises(VSSClientError) as info:
        client.set_target_values({SPEED: Datapoint(1.0)})  # a sensor has no target
    assert info.value.error["code"] == 400
    assert client.get_target_values([ROW2_HEATING])[ROW2_HEATING].value == -40


def test_subscribe_current_values(
    server: Any, clients: Callable[..., VSSClient], listeners: Callable[..., Listener]
) -> None:
    publisher = clients(server)
    publisher.set_current_values({SPEED: Datapoint(10.0)})
    listener = listeners(server, lambda c: c.subscribe_current_values([SPEED, SOC]))
    first = listener.next()
    assert first[SPEED].value == 10.0
    assert first[SOC].value is None  # no value yet: the client still hears of the signal
    publisher.set_current_values({SPEED: Datapoint(11.5)})
    update = listener.next()
    assert set(update) == {SPEED}
    assert update[SPEED].value == 11.5
    assert update[SPEED].timestamp == publisher.get_current_values([SPEED])[SPEED].timestamp


def test_subscribe_current_values_of_a_branch(
    server: Any, clients: Callable[..., VSSClient], listeners: Callable[..., Listener]
) -> None:
    publisher = clients(server)
    seat_paths = set(publisher.get_metadata(["Vehicle.Cabin.Seat"]))
    assert POSITION in seat_paths
    assert len(seat_paths) > 100
    # v2 Subscribe refuses the branch (NOT_FOUND); kuksa-client expands it via ListMetadata
    listener = listeners(server, lambda c: c.subscribe_current_values(["Vehicle.Cabin.Seat"]))
    first: dict[str, Any] = {}
    while len(first) < len(seat_paths):
        first.update(listener.next())
    assert set(first) == seat_paths
    assert all(point.value is None for point in first.values())
    publisher.set_current_values({POSITION: Datapoint(55)})
    update = listener.next()
    assert set(update) == {POSITION}
    assert update[POSITION].value == 55


def test_subscribe_target_values_receives_a_target_set_by_another_client(
    server: Any, clients: Callable[..., VSSClient], listeners: Callable[..., Listener]
) -> None:
    listener = listeners(server, lambda c: c.subscribe_target_values([TRUNK, ROW2_HEATING]))
    wait_for_actuation_provider(server, TRUNK)
    wait_for_actuation_provider(server, ROW2_HEATING)
    setter = clients(server)
    setter.set_target_values({TRUNK: Datapoint(True)})
    assert listener.next() == {TRUNK: Datapoint(True)}
    setter.set_target_values({ROW2_HEATING: Datapoint(25)})
    assert listener.next() == {ROW2_HEATING: Datapoint(25)}
    # a refused target does not reach the provider: the next one it gets is the good one
    with pytest.raises(VSSClientError):
        setter.set_target_values({ROW2_HEATING: Datapoint(500)})
    setter.set_target_values({ROW2_HEATING: Datapoint(-25)})
    assert listener.next() == {ROW2_HEATING: Datapoint(-25)}


def test_a_second_target_subscriber_is_refused(server: Any, listeners: Callable[..., Listener]) -> None:
    listeners(server, lambda c: c.subscribe_target_values([TRUNK]))
    wait_for_actuation_provider(server, TRUNK)
    second = listeners(server, lambda c: c.subscribe_target_values([TRUNK]))
    with pytest.raises(VSSClientError) as info:
        second.next()
    assert info.value.error["code"] == grpc.StatusCode.ALREADY_EXISTS.value[0]
    assert TRUNK in info.value.error["message"]


def test_get_metadata(server: Any, clients: Callable[..., VSSClient]) -> None:
    client = clients(server)
    metadata = client.get_metadata([SPEED, SOC, HOOD_SWITCH, POSITION, VSS_MAJOR])
    speed = metadata[SPEED]
    assert speed.data_type is DataType.FLOAT
    assert speed.entry_type is EntryType.SENSOR
    assert speed.unit == "km/h"
    assert speed.description == "Vehicle speed."
    assert speed.value_restriction is None

    soc = metadata[SOC]
    assert soc.unit == "percent"
    assert soc.value_restriction is not None
    assert (soc.value_restriction.min, soc.value_restriction.max) == (0.0, 100.0)

    hood = metadata[HOOD_SWITCH]
    assert hood.data_type is DataType.STRING
    assert hood.entry_type is EntryType.ACTUATOR
    assert hood.value_restriction is not None
    assert hood.value_restriction.allowed_values == [
        "INACTIVE",
        "CLOSE",
        "OPEN",
        "ONE_SHOT_CLOSE",
        "ONE_SHOT_OPEN",
    ]

    position = metadata[POSITION]
    assert position.data_type is DataType.UINT16
    assert position.entry_type is EntryType.ACTUATOR
    assert position.unit == "mm"
    assert position.value_restriction is not None
    assert position.value_restriction.min == 0
    assert position.value_restriction.max is None

    assert metadata[VSS_MAJOR].entry_type is EntryType.ATTRIBUTE
    assert metadata[VSS_MAJOR].data_type is DataType.UINT32

    with pytest.raises(VSSClientError) as info:
        client.get_metadata(["Vehicle.Nope"])
    assert info.value.error["code"] == 404


def test_async_client(server: Any) -> None:
    async def scenario() -> None:
        async with kuksa_aio.VSSClient("127.0.0.1", server.port) as client:
            info = await client.get_server_info()
            assert info.name == "sdvkit"
            await client.set_current_values({SPEED: Datapoint(20.0)})
            assert (await client.get_current_values([SPEED]))[SPEED].value == 20.0
            await client.set_target_values({TRUNK: Datapoint(False)})
            assert (await client.get_target_values([TRUNK]))[TRUNK].value is False
            metadata = await client.get_metadata([SOC])
            assert metadata[SOC].unit == "percent"

            subscription = client.subscribe_current_values([SPEED])
            try:
                first = await asyncio.wait_for(subscription.__anext__(), TIMEOUT)
                assert first[SPEED].value == 20.0
                await client.set_current_values({SPEED: Datapoint(21.0)})
                update = await asyncio.wait_for(subscription.__anext__(), TIMEOUT)
                assert update[SPEED].value == 21.0
            finally:
                await subscription.aclose()

            targets = client.subscribe_target_values([TRUNK])
            try:
                waiting = asyncio.ensure_future(targets.__anext__())
                while not waiting.done():
                    provider = await asyncio.to_thread(
                        server.call, server.broker.actuation_provider_of, TRUNK
                    )
                    if provider is not None:
                        break
                    await asyncio.sleep(0.02)
                await client.set_target_values({TRUNK: Datapoint(True)})
                assert await asyncio.wait_for(waiting, TIMEOUT) == {TRUNK: Datapoint(True)}
            finally:
                await targets.aclose()

    asyncio.run(asyncio.wait_for(scenario(), 30))


# -- with authorization ------------------------------------------------------------------


def test_token_without_the_right_scope_is_refused(
    auth_server: Any, token_issuer: Any, clients: Callable[..., VSSClient]
) -> None:
    client = clients(auth_server, token_issuer.token("read:Vehicle.Speed"))
    assert client.get_current_values([SPEED]) == {SPEED: None}
    with pytest.raises(VSSClientError) as info:
        client.get_current_values([POSITION])
    assert info.value.error["code"] == 403
    assert info.value.errors[0]["path"] == POSITION
    with pytest.raises(VSSClientError) as info:
        client.set_current_values({SPEED: Datapoint(5.0)})
    assert info.value.error["code"] == PERMISSION_DENIED
    assert SPEED in info.value.error["message"]
    with pytest.raises(VSSClientError) as info:
        client.get_metadata([SOC])
    assert info.value.error["code"] == 403


def test_read_only_token_can_read_but_not_write(
    auth_server: Any, token_issuer: Any, clients: Callable[..., VSSClient], listeners: Callable[..., Listener]
) -> None:
    writer = clients(auth_server, token_issuer.token("provide actuate"))
    writer.set_current_values({SPEED: Datapoint(33.0)})
    reader_token = token_issuer.token("read")
    reader = clients(auth_server, reader_token)
    assert reader.get_current_values([SPEED])[SPEED].value == 33.0
    assert reader.get_metadata([SPEED])[SPEED].unit == "km/h"
    listener = listeners(auth_server, lambda c: c.subscribe_current_values([SPEED]), token=reader_token)
    assert listener.next()[SPEED].value == 33.0

    with pytest.raises(VSSClientError) as info:
        reader.set_current_values({SPEED: Datapoint(1.0)})
    assert info.value.error["code"] == PERMISSION_DENIED
    with pytest.raises(VSSClientError) as info:
        reader.set_target_values({TRUNK: Datapoint(True)})
    assert info.value.error["code"] == 403
    refused = listeners(auth_server, lambda c: c.subscribe_target_values([TRUNK]), token=reader_token)
    with pytest.raises(VSSClientError) as info:
        refused.next()
    assert info.value.error["code"] == PERMISSION_DENIED
    assert writer.get_current_values([SPEED])[SPEED].value == 33.0
    assert writer.get_target_values([TRUNK]) == {TRUNK: None}


def test_provide_and_actuate_tokens_work(
    auth_server: Any, token_issuer: Any, clients: Callable[..., VSSClient], listeners: Callable[..., Listener]
) -> None:
    provider_token = token_issuer.token("provide:Vehicle.Body.Trunk provide:Vehicle.Speed")
    listener = listeners(auth_server, lambda c: c.subscribe_target_values([TRUNK]), token=provider_token)
    wait_for_actuation_provider(auth_server, TRUNK)
    provider = clients(auth_server, provider_token)
    provider.set_current_values({SPEED: Datapoint(70.0), TRUNK: Datapoint(False)})

    driver = clients(auth_server, token_issuer.token("actuate:Vehicle.Body.Trunk read:Vehicle.Speed"))
    assert driver.get_current_values([SPEED, TRUNK])[SPEED].value == 70.0
    driver.set_target_values({TRUNK: Datapoint(True)})
    assert listener.next() == {TRUNK: Datapoint(True)}
    with pytest.raises(VSSClientError) as info:
        driver.set_current_values({SPEED: Datapoint(1.0)})  # actuate is not provide
    assert info.value.error["code"] == PERMISSION_DENIED


def test_no_token_then_authorize(
    auth_server: Any, token_issuer: Any, clients: Callable[..., VSSClient]
) -> None:
    client = clients(auth_server)  # connect() tolerates UNAUTHENTICATED from GetServerInfo
    assert client.get_server_info() is None
    with pytest.raises(VSSClientError) as info:
        client.get_current_values([SPEED])
    assert info.value.error["code"] == UNAUTHENTICATED
    assert info.value.error["message"] == "No auth token provided"
    with pytest.raises(VSSClientError) as info:
        client.authorize("not-a-token")
    assert info.value.error["code"] == UNAUTHENTICATED
    assert client.authorize(token_issuer.token("read")) == "Authenticated"
    assert client.get_current_values([SPEED]) == {SPEED: None}


# -- the CLI shell -----------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def kuksa_cli() -> str | None:
    candidate = Path(sys.executable).with_name("kuksa-client")
    if candidate.exists():
        return str(candidate)
    return shutil.which("kuksa-client")


def test_cli_shell_with_piped_commands(server: Any, tmp_path: Path) -> None:
    cli = kuksa_cli()
    if cli is None:
        pytest.skip("the kuksa-client command is not installed")
    commands = "\n".join(
        [
            f"setValue {SPEED} 42",
            f"getValue {SPEED}",
            f"setTargetValue {TRUNK} true",
            f"getTargetValue {TRUNK}",
            f"getMetaData {SOC}",
            "getValue Vehicle.Nope",
            f"setValue {SOC} 101",
            "quit",
        ]
    )
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("KUKSA_ADDRESS", None)
    env.pop("TOKEN_OR_TOKENFILE", None)
    try:
        result = subprocess.run(
            [cli, f"grpc://127.0.0.1:{server.port}"],
            input=commands + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,  # the shell writes .vssclient_history here
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the kuksa-client shell did not finish reading piped commands")
    out = ANSI.sub("", result.stdout)
    assert result.returncode == 0, out + result.stderr
    assert "Connecting to VSS server at 127.0.0.1" in out
    assert '"value": 42.0' in out
    assert '"actuator_target": {\n        "value": true' in out
    assert '"unit": "percent"' in out
    assert '"max": 100.0' in out
    assert '"reason": "not_found"' in out
    assert "above the maximum" in out
    # and the server kept what the shell set
    with VSSClient("127.0.0.1", server.port) as client:
        assert client.get_current_values([SPEED])[SPEED].value == 42.0
        assert client.get_target_values([TRUNK])[TRUNK].value is True
        assert client.get_current_values([SOC]) == {SOC: None}
