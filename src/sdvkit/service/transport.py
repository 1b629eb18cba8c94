"""How a tester reaches the ECUs: one small interface, three transports.

A :class:`TesterLink` hands out udsoncan connections, one per ECU:

- :class:`InMemoryLink`: straight into the ECUs' ``handle`` (no bus; the reference path);
- :class:`~sdvkit.service.isotp_transport.IsoTpLink`: ISO-TP on a CAN bus;
- :class:`DoipLink`: TCP to the DoIP gateway (``doipclient``), which routes to the bus.

The same contract tests run over all three, so a diagnostic behaves the same whichever way the
tester comes in::

    with IsoTpLink(BusConfig(channel="car")) as link, Client(link.connection(spec), config) as client:
        vin = client.read_data_by_identifier([0xF190]).service_data.values[0xF190]
"""

from __future__ import annotations

import queue
import re
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import doipclient.client
import doipclient.connectors
import doipclient.messages
import udsoncan.exceptions
from udsoncan.connections import BaseConnection

from sdvkit.service.doip import RoutingActivation
from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecu_spec import EcuSpec
from sdvkit.service.errors import DiagnosticError, ServiceSetupError

# doipclient's classes and udsoncan's exceptions are untyped: called through these names.
_DOIP_CLIENT: Any = doipclient.client.DoIPClient
_DOIP_CONNECTOR: Any = doipclient.connectors.DoIPClientUDSConnector
_DOIP_DIAGNOSTIC_MESSAGE: Any = doipclient.messages.DiagnosticMessage
UDS_TIMEOUT: Any = udsoncan.exceptions.TimeoutException
# udsoncan's TimeoutException: what a connection raises when no answer comes.

DEFAULT_TESTER_ADDRESS = 0x0E00
_ACTIVATION_REFUSED = re.compile(r"Activation Request failed with code (\d+)")
"""How doipclient reports a refused routing activation (as a ConnectionRefusedError)."""
DOIP_GATEWAY_ADDRESS = 0x07E5
DOIP_DEFAULT_PORT = 13400
MAX_PORT = 65535


class TesterLink(ABC):
    """Connections from a tester to the ECUs. Close the link to close every connection."""

    def __init__(self) -> None:
        self._connections: list[BaseConnection] = []

    @abstractmethod
    def _connect(self, ecu: EcuSpec) -> BaseConnection: ...

    def connection(self, ecu: EcuSpec) -> BaseConnection:
        """A udsoncan connection to ``ecu`` (opened by the udsoncan ``Client``)."""
        connection = self._connect(ecu)
        self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close every connection this link handed out (closing twice is harmless).

        They close side by side: an ISO-TP connection waits for its threads' read timeout.
        """
        connections, self._connections = self._connections, []
        threads = [threading.Thread(target=connection.close, name="link-close") for connection in connections]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5.0)

    def __enter__(self) -> TesterLink:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class InMemoryConnection(BaseConnection):
    """A udsoncan connection that calls an ECU's ``handle`` directly."""

    def __init__(self, ecu: VirtualEcu, *, functional: bool = False) -> None:
        super().__init__(f"in-memory {ecu.spec.name}")
        self.ecu = ecu
        self.functional = functional
        self._responses: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._open = False

    def open(self) -> InMemoryConnection:
        self._open = True
        return self

    def close(self) -> None:
        self._open = False
        self.empty_rxqueue()

    def is_open(self) -> bool:
        return self._open

    def specific_send(self, payload: bytes, timeout: float | None = None) -> None:
        response = self.ecu.handle(bytes(payload), functional=self.functional)
        if response is not None:
            self._responses.put(response)

    def specific_wait_frame(self, timeout: float | None = None) -> bytes | None:
        try:
            return self._responses.get(timeout=timeout)
        except queue.Empty as error:
            raise UDS_TIMEOUT(f"{self.ecu.spec.name} sent no response") from error

    def empty_rxqueue(self) -> None:
        while not self._responses.empty():
            self._responses.get_nowait()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.close()


class InMemoryLink(TesterLink):
    """Connections straight into the ECUs (no transport at all)."""

    def __init__(self, ecus: Mapping[str, VirtualEcu]) -> None:
        super().__init__()
        self._ecus = dict(ecus)

    def _connect(self, ecu: EcuSpec) -> BaseConnection:
        target = self._ecus.get(ecu.name)
        if target is None:
            raise DiagnosticError(f"no ECU {ecu.name!r} in this network")
        return InMemoryConnection(target)


class _DoipSession:
    """One routing-activated TCP connection to the gateway, shared by every ECU's connection.

    Answers are sorted into one inbox per ECU (by the DoIP source address), so a tester can
    keep a connection to each ECU open on one socket, as workshop testers do.
    """

    def __init__(self, host: str, port: int, tester_address: int) -> None:
        self.tester_address = tester_address
        self.client = _DOIP_CLIENT(
            host, DOIP_GATEWAY_ADDRESS, tcp_port=port, udp_port=port, client_logical_address=tester_address
        )
        self._lock = threading.Lock()
        self._inboxes: dict[int, queue.SimpleQueue[bytes]] = {}

    def inbox(self, address: int) -> queue.SimpleQueue[bytes]:
        return self._inboxes.setdefault(address, queue.SimpleQueue())

    def send(self, target: int, payload: bytes) -> None:
        with self._lock:
            self.client.send_diagnostic_to_address(target, bytearray(payload))

    def receive(self, source: int, timeout_s: float) -> bytes:
        inbox = self.inbox(source)
        deadline = time.monotonic() + timeout_s
        while True:
            if not inbox.empty():
                return inbox.get_nowait()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise UDS_TIMEOUT(f"no DoIP answer from 0x{source:04X} within {timeout_s:g} s")
            with self._lock:
                try:
                    message = self.client.read_doip(timeout=min(remaining, 0.2))
                except TimeoutError:
                    continue
            if (
                isinstance(message, _DOIP_DIAGNOSTIC_MESSAGE)
                and message.target_address == self.tester_address
            ):
                self.inbox(message.source_address).put(bytes(message.user_data))

    def close(self) -> None:
        self.client.close()


class _SharedDoipConnection(BaseConnection):
    """A udsoncan connection to one ECU over a shared :class:`_DoipSession`."""

    def __init__(self, session: _DoipSession, ecu: EcuSpec) -> None:
        super().__init__(f"DoIP {ecu.name}")
        self._session = session
        self._address = ecu.logical_address
        self._open = False

    def open(self) -> _SharedDoipConnection:
        self._open = True
        return self

    def close(self) -> None:
        self._open = False

    def is_open(self) -> bool:
        return self._open

    def specific_send(self, payload: bytes, timeout: float | None = None) -> None:
        self._session.send(self._address, payload)

    def specific_wait_frame(self, timeout: float | None = None) -> bytes | None:
        return self._session.receive(self._address, timeout if timeout is not None else 2.0)

    def empty_rxqueue(self) -> None:
        inbox = self._session.inbox(self._address)
        while not inbox.empty():
            inbox.get_nowait()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.close()


class DoipLink(TesterLink):
    """Connections through the DoIP gateway.

    By default each ECU gets its own TCP connection through doipclient's
    ``DoIPClientUDSConnector``, as any outside udsoncan tester does it; one tester address
    holds one socket at a time, so open them one after the other. With ``shared`` every ECU's
    connection goes over one routing-activated socket, and all may be open at once.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DOIP_DEFAULT_PORT,
        *,
        tester_address: int = DEFAULT_TESTER_ADDRESS,
        shared: bool = False,
    ) -> None:
        super().__init__()
        if not 0 < port <= MAX_PORT:
            raise ServiceSetupError(f"DoIP port must be 1..{MAX_PORT}, not {port}")
        self.host = host
        self.port = port
        self.tester_address = tester_address
        self.shared = shared
        self._session: _DoipSession | None = None
        self._address: str | None = None

    def _ip_address(self) -> str:
        """The gateway's IP address: doipclient takes addresses only, so a host name is resolved here."""
        if self._address is None:
            found = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
            self._address = str(found[0][4][0])
        return self._address

    def _unreachable(self, ecu: EcuSpec, error: Exception) -> DiagnosticError:
        where = f"the DoIP gateway at {self.host}:{self.port}"
        refused = _ACTIVATION_REFUSED.search(str(error))
        if refused is None:
            return DiagnosticError(f"cannot reach {where} for {ecu.name}: {error}")
        code = int(refused.group(1))
        try:
            name = RoutingActivation(code).name
        except ValueError:  # not a code of ISO 13400-2: say so, with its number
            name = "an unknown code"
        return DiagnosticError(
            f"{where} refused routing activation for tester address 0x{self.tester_address:04X} "
            f"({ecu.name}): 0x{code:02X} {name}"
        )

    def _connect(self, ecu: EcuSpec) -> BaseConnection:
        if self.shared:
            if self._session is None:
                try:
                    self._session = _DoipSession(self._ip_address(), self.port, self.tester_address)
                except (OSError, TimeoutError) as error:
                    raise self._unreachable(ecu, error) from error
            return _SharedDoipConnection(self._session, ecu)
        try:
            client = _DOIP_CLIENT(
                self._ip_address(),
                ecu.logical_address,
                tcp_port=self.port,
                udp_port=self.port,
                client_logical_address=self.tester_address,
            )
        except (OSError, TimeoutError) as error:
            raise self._unreachable(ecu, error) from error
        connector: BaseConnection = _DOIP_CONNECTOR(client, name=ecu.name, close_connection=True)
        return connector

    def close(self) -> None:
        super().close()
        session, self._session = self._session, None
        if session is not None:
            session.close()
