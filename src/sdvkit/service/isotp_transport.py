"""ISO-TP (ISO 15765-2, can-isotp) on a python-can bus: the ECUs' side and the tester's side.

ECU side, :class:`IsoTpEcuPort`: a ``NotifierBasedCanStack`` listening on the ECU's request id
and answering on its response id, and a thread that passes each request to the ECU. Functional
requests (0x7DF, single frames) reach the port from the network's bus listener and are answered
through the same physical stack, as ISO 15765-4 asks (the tester's flow control comes on the
ECU's physical request id).

Tester side, :class:`IsoTpLink`: udsoncan connections over ISO-TP (:class:`IsoTpConnection`),
physical per ECU, and functional ones (:meth:`IsoTpLink.functional_connection`) that send on
0x7DF and listen to one responder.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable
from typing import Any, Protocol

import can
import isotp
from udsoncan.connections import BaseConnection

from sdvkit.service.can_bus import BusConfig, isotp_params, open_bus
from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecu_spec import EcuSpec
from sdvkit.service.errors import BusError
from sdvkit.service.transport import UDS_TIMEOUT, TesterLink
from sdvkit.service.uds import Nrc, negative_response


class Stoppable(Protocol):
    def stop(self) -> None: ...


FUNCTIONAL_REQUEST_ID = 0x7DF
SERVE_POLL_S = 0.02
"""How often a port's thread looks for functional requests and for the stop signal."""
STOP_TIMEOUT_S = 2.0
LISTEN_WINDOW_S = 10.0
"""How long a tester's stack hears its ECU after a request: P2* and then some."""
PADDING = 0xCC


def stop_all(stoppables: Iterable[Stoppable]) -> None:
    """Stop several ISO-TP stacks or ports at once: each stop waits for its threads' read
    timeouts, so stopping them side by side takes one timeout instead of one per stack."""
    threads = [threading.Thread(target=item.stop, name="isotp-stop") for item in stoppables]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=STOP_TIMEOUT_S + 1.0)


class TesterStack(isotp.NotifierBasedCanStack):
    """A tester's ISO-TP stack: it hears its ECU from a request until the final answer (at most
    :data:`LISTEN_WINDOW_S`).

    Two testers may sit on one bus (the gateway, and a tester on CAN). An always-listening
    stack would take in and acknowledge (flow control) the answers meant for the other one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listening_until = 0.0

    def listen(self) -> None:
        """Hear the ECU for the next :data:`LISTEN_WINDOW_S` (sending a request does this)."""
        self._listening_until = time.monotonic() + LISTEN_WINDOW_S

    def send(self, *args: Any, **kwargs: Any) -> None:
        self.listen()
        super().send(*args, **kwargs)

    def recv(self, *args: Any, **kwargs: Any) -> bytearray | None:
        """The next answer; a final one (anything but "response pending") ends the listening."""
        payload: bytearray | None = super().recv(*args, **kwargs)
        if payload is not None and not (len(payload) == 3 and payload[0] == 0x7F and payload[2] == 0x78):
            self._listening_until = 0.0
        return payload

    def _on_message_received(self, msg: can.Message) -> None:
        if time.monotonic() <= self._listening_until:
            super()._on_message_received(msg)


def physical_address(*, rxid: int, txid: int) -> isotp.Address:
    return isotp.Address(isotp.AddressingMode.Normal_11bits, rxid=rxid, txid=txid)


def single_frame_payload(data: bytes) -> bytes | None:
    """The payload of an ISO-TP single frame (classic or CAN FD escape), else None."""
    if not data:
        return None
    pci = data[0]
    if pci >> 4 != 0:
        return None
    length = pci & 0x0F
    if length == 0 and len(data) > 8:  # CAN FD single frame: the length is in the next byte
        if len(data) < 2:
            return None
        length, start = data[1], 2
    else:
        start = 1
    if length == 0 or len(data) < start + length:
        return None
    return bytes(data[start : start + length])


class IsoTpEcuPort:
    """One ECU on the bus: its ISO-TP stack and the thread that serves it."""

    def __init__(
        self, ecu: VirtualEcu, bus: can.BusABC, notifier: can.Notifier, params: dict[str, Any]
    ) -> None:
        self.ecu = ecu
        spec = ecu.spec
        self._stack = isotp.NotifierBasedCanStack(
            bus,
            notifier,
            address=physical_address(rxid=spec.request_id, txid=spec.response_id),
            params=params,
            error_handler=self._on_transport_error,
        )
        self._functional: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.transport_errors = 0
        """ISO-TP errors (a consecutive frame out of order, a timeout); the port keeps serving."""
        self.last_transport_error: str | None = None
        self.faults: list[BaseException] = []
        """Exceptions the ECU raised for a request (a bug: it answered 0x10 generalReject)."""

    def _on_transport_error(self, error: Exception) -> None:
        self.transport_errors += 1
        self.last_transport_error = f"{type(error).__name__}: {error}"

    def start(self) -> None:
        self._stop.clear()
        self._stack.start()
        self._thread = threading.Thread(target=self._serve, name=f"ecu-{self.ecu.spec.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=STOP_TIMEOUT_S)
        self._stack.stop()

    def offer_functional(self, request: bytes) -> None:
        """A functionally addressed request for this ECU (answered from the port's thread)."""
        self._functional.put(request)

    def _serve(self) -> None:
        stack = self._stack
        while not self._stop.is_set():
            payload = stack.recv(block=True, timeout=SERVE_POLL_S)
            if payload is not None:
                self._answer(bytes(payload), functional=False)
            while True:
                try:
                    request = self._functional.get_nowait()
                except queue.Empty:
                    break
                self._answer(request, functional=True)

    def _answer(self, request: bytes, *, functional: bool) -> None:
        try:
            response = self.ecu.handle(request, functional=functional)
        except Exception as error:  # a bug in the ECU: recorded, answered, the ECU keeps serving
            error.add_note(f"raised by {self.ecu.spec.name} for request {request[:16].hex()}")
            self.faults.append(error)
            response = negative_response(request[0], Nrc.GENERAL_REJECT)
        if response is not None:
            self._stack.send(response)


class IsoTpConnection(BaseConnection):
    """A udsoncan connection over a tester's ISO-TP stack, which the link keeps running.

    Physical: a request goes to the ECU's request id. Functional: a single-frame request goes
    on 0x7DF, and the answers of the stack's ECU come back (flow control to its request id).
    Closing the connection leaves the stack to the link, so the next connection to the same
    ECU starts at once.
    """

    def __init__(self, link: IsoTpLink, ecu: EcuSpec, *, functional: bool = False) -> None:
        super().__init__(f"{'functional' if functional else 'ISO-TP'} {ecu.name}")
        self._link = link
        self._ecu = ecu
        self._functional = functional
        self._stack: TesterStack | None = None

    def open(self) -> IsoTpConnection:
        self._stack = self._link.stack(self._ecu)
        self.empty_rxqueue()
        return self

    def close(self) -> None:
        if self._stack is not None:
            self.empty_rxqueue()
        self._stack = None

    def is_open(self) -> bool:
        return self._stack is not None

    def _opened(self) -> TesterStack:
        if self._stack is None:
            raise BusError(f"the connection to {self._ecu.name} is closed")
        return self._stack

    def specific_send(self, payload: bytes, timeout: float | None = None) -> None:
        stack = self._opened()
        if not self._functional:
            stack.send(bytes(payload), send_timeout=timeout)
            return
        if not 1 <= len(payload) <= 7:
            raise ValueError(f"a functional request is one single frame of 1..7 bytes, not {len(payload)}")
        data = (bytes((len(payload),)) + bytes(payload)).ljust(8, bytes((PADDING,)))
        stack.listen()
        self._link.send_frame(FUNCTIONAL_REQUEST_ID, data)

    def specific_wait_frame(self, timeout: float | None = None) -> bytes | None:
        frame = self._opened().recv(block=True, timeout=timeout)
        if frame is None:
            raise UDS_TIMEOUT(f"{self._ecu.name} sent no answer within {timeout} s")
        return bytes(frame)

    def empty_rxqueue(self) -> None:
        stack = self._stack
        if stack is not None:
            while stack.available():
                stack.recv()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.close()


class IsoTpLink(TesterLink):
    """A tester on a CAN bus: ISO-TP connections to the ECUs, one running stack per ECU."""

    def __init__(self, bus: BusConfig) -> None:
        super().__init__()
        self.config = bus
        self._bus = open_bus(bus)
        self._notifier = can.Notifier(self._bus, [], timeout=0.05)
        self._params = isotp_params(bus)
        self._stacks: dict[str, TesterStack] = {}
        self._lock = threading.Lock()

    def stack(self, ecu: EcuSpec) -> TesterStack:
        """The running stack to ``ecu`` (started on first use)."""
        with self._lock:
            stack = self._stacks.get(ecu.name)
            if stack is None:
                stack = TesterStack(
                    self._bus,
                    self._notifier,
                    address=physical_address(rxid=ecu.response_id, txid=ecu.request_id),
                    params=self._params,
                )
                stack.start()
                self._stacks[ecu.name] = stack
            return stack

    def send_frame(self, arbitration_id: int, data: bytes) -> None:
        message = can.Message(
            arbitration_id=arbitration_id, data=data, is_extended_id=False, is_fd=self.config.fd
        )
        try:
            self._bus.send(message)
        except can.CanError as error:
            raise BusError(f"cannot send on {self.config.describe()}: {error}") from error

    def _connect(self, ecu: EcuSpec) -> BaseConnection:
        return IsoTpConnection(self, ecu)

    def functional_connection(self, responder: EcuSpec) -> BaseConnection:
        """Requests on 0x7DF; the answers of ``responder`` (flow control to its request id)."""
        connection = IsoTpConnection(self, responder, functional=True)
        self._connections.append(connection)
        return connection

    def close(self) -> None:
        super().close()
        with self._lock:
            stacks, self._stacks = self._stacks, {}
        stop_all(stacks.values())
        self._notifier.stop()
        self._bus.shutdown()
