"""Fixtures for the in-vehicle network and diagnostics: buses, ECUs, networks, tester links.

Every test gets its own virtual CAN channel, so networks of different tests never hear each
other, and every test must leave no thread behind (checked after each test).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sdvkit.service.can_bus import BusConfig
from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecus import ecu_spec
from sdvkit.service.gateway import DoipGateway, GatewaySettings
from sdvkit.service.isotp_transport import IsoTpLink
from sdvkit.service.network import EcuNetwork
from sdvkit.service.transport import DoipLink, InMemoryLink, TesterLink

THREAD_GRACE_S = 3.0


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


def fixed_seed(size: int) -> bytes:
    return bytes(range(0x11, 0x11 + size))


def wait_until(condition: Callable[[], bool], *, timeout_s: float = 5.0, interval_s: float = 0.02) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout_s`` passes (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return condition()


@pytest.fixture(autouse=True)
def no_leaked_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test of the network and diagnostics, every thread it started has ended."""
    if "ota" in request.node.path.relative_to(Path(__file__).parent).parts:
        yield  # the over-the-air tests have their own rules
        return
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_GRACE_S
    extra: set[threading.Thread] = set()
    while time.monotonic() < deadline:
        extra = {thread for thread in threading.enumerate() if thread not in before and thread.is_alive()}
        if not extra:
            return
        time.sleep(0.05)
    raise AssertionError(f"threads left running: {sorted(thread.name for thread in extra)}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_ecu(clock: FakeClock) -> Callable[..., VirtualEcu]:
    """A transport-free ECU on the fake clock with a fixed seed (RAM memory unless data_dir)."""

    def make(name: str, data_dir: Path | None = None) -> VirtualEcu:
        return VirtualEcu(ecu_spec(name), clock=clock, random_seed=fixed_seed, data_dir=data_dir)

    return make


@pytest.fixture
def bus() -> BusConfig:
    return BusConfig(channel=f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def network(bus: BusConfig, tmp_path: Path) -> Iterator[EcuNetwork]:
    with EcuNetwork(bus=bus, data_dir=tmp_path / "data") as running:
        yield running


@pytest.fixture
def gateway(bus: BusConfig, network: EcuNetwork) -> Iterator[DoipGateway]:
    with DoipGateway(bus=bus, settings=GatewaySettings(port=0)) as running:
        yield running


TRANSPORTS = ("memory", "isotp", "doip")


@pytest.fixture(params=TRANSPORTS)
def link(request: pytest.FixtureRequest, bus: BusConfig, network: EcuNetwork) -> Iterator[TesterLink]:
    """A tester link to the running network: in memory, ISO-TP on CAN, DoIP through the gateway."""
    transport = request.param
    if transport == "memory":
        with InMemoryLink(network.ecus) as memory:
            yield memory
    elif transport == "isotp":
        with IsoTpLink(bus) as isotp:
            yield isotp
    else:
        with (
            DoipGateway(bus=bus, settings=GatewaySettings(port=0)) as doip_gateway,
            DoipLink(port=doip_gateway.port) as doip,
        ):
            yield doip
