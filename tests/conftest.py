"""Shared fixtures: catalogues, a real gRPC server in a background thread, JWT keys and tokens."""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sdvkit.kuksa.auth import TokenVerifier
from sdvkit.kuksa.server import KuksaServer
from sdvkit.signals.broker import Broker
from sdvkit.signals.catalogue import Catalogue

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
VSS_6_0 = SHARED / "vss" / "vss_release_6.0.json"
TIMEOUT = 5
"""Seconds a test waits for any one gRPC answer."""
_END = object()


def leaf(datatype: str, node_type: str = "sensor", **fields: Any) -> dict[str, Any]:
    return {"type": node_type, "datatype": datatype, "description": f"a {datatype} {node_type}", **fields}


def branch(children: dict[str, Any], description: str = "a branch") -> dict[str, Any]:
    return {"type": "branch", "description": description, "children": children}


SMALL_TREE: dict[str, Any] = {
    "Vehicle": branch(
        {
            "Speed": leaf("float", unit="km/h", min=0, max=250),
            "TraveledDistance": leaf("double", unit="km"),
            "Gear": leaf("int8", "actuator", min=-1, max=8),
            "DriveMode": leaf("string", "actuator", allowed=["ECO", "NORMAL", "SPORT"]),
            "VehicleIdentification": branch(
                {"VIN": leaf("string", "attribute", pattern="^[0-9A-HJ-NPR-Z]{17}$")}
            ),
            "Cabin": branch(
                {
                    "Seat": branch(
                        {
                            row: branch(
                                {
                                    "DriverSide": branch(
                                        {
                                            "Position": leaf("uint16", "actuator", min=0, max=1000),
                                            "IsOccupied": leaf("boolean"),
                                        }
                                    )
                                }
                            )
                            for row in ("Row1", "Row2")
                        }
                    ),
                    "Lights": branch({"AmbientColors": leaf("string[]", "actuator")}),
                }
            ),
            "Body": branch({"Trunk": branch({"IsOpen": leaf("boolean", "actuator")})}),
            "Powertrain": branch(
                {
                    "TractionBattery": branch(
                        {
                            "StateOfCharge": branch(
                                {"Current": leaf("float", unit="percent", min=0, max=100.0)}
                            ),
                            "CellVoltages": leaf("float[]", unit="V", min=0, max=5),
                        }
                    )
                }
            ),
        }
    )
}


@pytest.fixture
def small_catalogue() -> Catalogue:
    return Catalogue.from_tree(SMALL_TREE, source="test tree")


@pytest.fixture
def vss_catalogue() -> Catalogue:
    if not VSS_6_0.exists():
        pytest.skip(f"{VSS_6_0} is not there")
    return Catalogue.from_files([VSS_6_0])


class ServerThread:
    """A real KuksaServer on 127.0.0.1 (a free port), its event loop in a background thread.

    The broker belongs to that loop: touch it only through :meth:`call`.
    """

    def __init__(self, broker: Broker, verifier: TokenVerifier | None = None) -> None:
        self.broker = broker
        self.server = KuksaServer(broker, verifier=verifier)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="kuksa-server")
        self._thread.start()
        self.port = self._run(self.server.start("127.0.0.1", 0))
        self.target = f"127.0.0.1:{self.port}"

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function`` on the server's loop (where the broker lives) and return its result."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as error:  # handed to the caller, who re-raises it
                future.set_exception(error)

        self.loop.call_soon_threadsafe(run)
        return future.result(timeout=10)

    def stop(self) -> None:
        self._run(self.server.stop(0.2))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


@pytest.fixture
def server_factory() -> Iterator[Callable[..., ServerThread]]:
    started: list[ServerThread] = []

    def start(catalogue: Catalogue, verifier: TokenVerifier | None = None) -> ServerThread:
        server = ServerThread(Broker(catalogue), verifier)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def grpc_server(server_factory: Callable[..., ServerThread], small_catalogue: Catalogue) -> ServerThread:
    """A server on the small test catalogue, authorization off."""
    return server_factory(small_catalogue)


class TokenIssuer:
    """Signs KUKSA tokens with a fresh RSA key; the public key is in ``public_pem``."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def token(
        self,
        scope: str,
        *,
        audience: list[str] | None = None,
        expires_in_s: float = 3600,
        algorithm: str = "RS256",
        drop: tuple[str, ...] = (),
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": "sdvkit-tests",
            "iss": "sdvkit tests",
            "aud": audience if audience is not None else ["kuksa.val"],
            "iat": now,
            "exp": int(now + expires_in_s),
            "scope": scope,
        }
        for key in drop:
            claims.pop(key)
        return jwt.encode(claims, self.private_key, algorithm=algorithm)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.public_pem)


@pytest.fixture(scope="session")
def token_issuer() -> TokenIssuer:
    return TokenIssuer()


class Stream:
    """Reads a gRPC response stream in a thread, so every message is awaited with a timeout."""

    def __init__(self, call: Any) -> None:
        self.call = call
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for message in self.call:
                self._queue.put(message)
        except grpc.RpcError as error:
            self._queue.put(error)
        else:
            self._queue.put(_END)

    def next(self, timeout: float = TIMEOUT) -> Any:
        item = self._queue.get(timeout=timeout)
        if isinstance(item, grpc.RpcError):
            raise item
        assert item is not _END, "the stream ended"
        return item

    def error(self, timeout: float = TIMEOUT) -> grpc.RpcError:
        """The error that ends the stream (messages before it are skipped)."""
        while True:
            item = self._queue.get(timeout=timeout)
            if isinstance(item, grpc.RpcError):
                return item
            assert item is not _END, "the stream ended without an error"

    def cancel(self) -> None:
        self.call.cancel()
        self._thread.join(timeout=TIMEOUT)
