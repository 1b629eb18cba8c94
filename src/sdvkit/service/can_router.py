"""The gateway's side of the CAN bus: it forwards testers' requests to the ECUs over ISO-TP.

One tester stack per ECU, made on first use; a stack hears its ECU only from a request to the
final answer (:class:`~sdvkit.service.isotp_transport.TesterStack`). :meth:`CanRouter.exchange`
passes on every answer, a 0x78 response-pending and the final one alike;
:meth:`CanRouter.functional` sends a single frame on 0x7DF and gathers every ECU's answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

import can

from sdvkit.service.can_bus import BusConfig, isotp_params, open_bus
from sdvkit.service.ecu_spec import EcuSpec
from sdvkit.service.errors import BusError
from sdvkit.service.isotp_transport import (
    FUNCTIONAL_REQUEST_ID,
    PADDING,
    TesterStack,
    physical_address,
    stop_all,
)
from sdvkit.service.uds import NEGATIVE_RESPONSE, Nrc

RESPONSE_PENDING_TIMEOUT_S = 5.0
"""How long an ECU may take after a 0x78 response-pending (its P2* server max)."""
FUNCTIONAL_WINDOW_S = 0.3
"""How long the answers to a functional request are gathered."""


class CanRouter:
    """The gateway's side of the bus: one ISO-TP stack per ECU (made on first use)."""

    def __init__(self, bus: BusConfig, specs: Iterable[EcuSpec]) -> None:
        self.config = bus
        self._bus = open_bus(bus)
        self._notifier = can.Notifier(self._bus, [], timeout=0.05)
        self._params = isotp_params(bus)
        self._specs = tuple(specs)
        self._stacks: dict[str, TesterStack] = {}
        self._lock = threading.Lock()
        self._ecu_locks = {spec.name: threading.Lock() for spec in self._specs}

    def _stack(self, spec: EcuSpec) -> TesterStack:
        with self._lock:
            stack = self._stacks.get(spec.name)
            if stack is None:
                stack = TesterStack(
                    self._bus,
                    self._notifier,
                    address=physical_address(rxid=spec.response_id, txid=spec.request_id),
                    params=self._params,
                )
                stack.start()
                self._stacks[spec.name] = stack
            return stack

    def exchange(
        self, spec: EcuSpec, request: bytes, *, sent: Callable[[], None], first_answer_s: float
    ) -> list[bytes]:
        """Send ``request`` to ``spec``; call ``sent``; return its answers (pending ones included)."""
        with self._ecu_locks[spec.name]:
            stack = self._stack(spec)
            while stack.available():
                stack.recv()
            stack.send(request)
            sent()
            answers: list[bytes] = []
            deadline = time.monotonic() + first_answer_s
            while True:
                answer = stack.recv(block=True, timeout=max(0.0, deadline - time.monotonic()))
                if answer is None:
                    return answers
                answers.append(bytes(answer))
                if len(answer) == 3 and answer[0] == NEGATIVE_RESPONSE and answer[2] == Nrc.RESPONSE_PENDING:
                    deadline = time.monotonic() + RESPONSE_PENDING_TIMEOUT_S
                    continue
                return answers

    def functional(self, request: bytes, *, sent: Callable[[], None]) -> list[tuple[EcuSpec, bytes]]:
        """Send a single-frame request on 0x7DF; collect every ECU's answers for a short window."""
        if not 1 <= len(request) <= 7:
            raise BusError(f"a functional request is one single frame of 1..7 bytes, not {len(request)}")
        stacks = [(spec, self._stack(spec)) for spec in self._specs]
        for _spec, stack in stacks:
            while stack.available():
                stack.recv()
            stack.listen()
        data = (bytes((len(request),)) + request).ljust(8, bytes((PADDING,)))
        try:
            self._bus.send(can.Message(arbitration_id=FUNCTIONAL_REQUEST_ID, data=data, is_extended_id=False))
        except can.CanError as error:
            raise BusError(f"cannot send the functional request: {error}") from error
        sent()
        answers: list[tuple[EcuSpec, bytes]] = []
        deadline = time.monotonic() + FUNCTIONAL_WINDOW_S
        while time.monotonic() < deadline:
            for spec, stack in stacks:
                answer = stack.recv(block=False)
                if answer is not None:
                    answers.append((spec, bytes(answer)))
            time.sleep(0.002)
        return answers

    def close(self) -> None:
        with self._lock:
            stacks, self._stacks = self._stacks, {}
        stop_all(stacks.values())
        self._notifier.stop()
        self._bus.shutdown()
