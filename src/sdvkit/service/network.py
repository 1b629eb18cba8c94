"""The vehicle's ECU network on a CAN bus: every virtual ECU, its ISO-TP port and its cycle.

:class:`EcuNetwork` opens one bus node for all ECUs (python-can's ``virtual`` interface by
default, any interface by :class:`~sdvkit.service.can_bus.BusConfig`) and runs:

- a bus listener (python-can ``Notifier``) that decodes every DBC frame into the ECUs' shared
  :class:`~sdvkit.service.ecu.BusView` and passes functional (0x7DF) requests to the ports;
- one :class:`~sdvkit.service.isotp_transport.IsoTpEcuPort` per ECU (physical requests);
- a cycle thread: every ``cycle_s`` each ECU measures, runs its monitors, stores its DTCs and
  sends its frames (status, DTC report; identity at the DBC's slower rate). The network reads
  its own frames too, so the powertrain sees what the battery management reports.

``start()`` / ``stop()`` (or a ``with`` block) start and join every thread; ``stop()`` leaves
nothing running. DTCs, written DIDs and firmware slots persist under ``data_dir`` (none: RAM).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType

import can

from sdvkit.service import dbc
from sdvkit.service.can_bus import BusConfig, isotp_params, open_bus
from sdvkit.service.ecu import BusView, VirtualEcu
from sdvkit.service.ecu_spec import EcuSpec
from sdvkit.service.ecus import DEFAULT_VIN, ECU_SPECS, VIN
from sdvkit.service.errors import BusError, ServiceSetupError
from sdvkit.service.firmware import FirmwareSlots, ImageDownloaded
from sdvkit.service.isotp_transport import FUNCTIONAL_REQUEST_ID, IsoTpEcuPort, single_frame_payload, stop_all
from sdvkit.signals.builtin.service import VIN_PATTERN

DEFAULT_CYCLE_S = 0.1
"""The ECUs' task period: they measure, monitor and report ten times a second."""


class EcuNetwork:
    """Every ECU of the vehicle on one CAN bus (see the module docstring)."""

    def __init__(
        self,
        *,
        bus: BusConfig | None = None,
        specs: Iterable[EcuSpec] = ECU_SPECS,
        data_dir: Path | None = None,
        vin: str = DEFAULT_VIN,
        cycle_s: float = DEFAULT_CYCLE_S,
        clock: Callable[[], float] = time.monotonic,
        on_image_downloaded: ImageDownloaded | None = None,
        slots: Callable[[EcuSpec], FirmwareSlots] | None = None,
    ) -> None:
        """``on_image_downloaded(ecu_name, image)`` hears every completed download; ``slots(spec)``
        gives an ECU its A/B slots (default: kept in the ECU's memory)."""
        if re.fullmatch(VIN_PATTERN, vin) is None:
            raise ServiceSetupError(
                f"VIN {vin!r} is not 17 characters of ISO 3779 (no I, O or Q; last four digits)"
            )
        if not 0.01 <= cycle_s <= 1.0:
            raise ServiceSetupError(f"the ECU cycle must be 0.01..1 s, not {cycle_s!r}")
        self.bus_config = bus if bus is not None else BusConfig()
        self.data_dir = data_dir
        self.cycle_s = cycle_s
        self.bus_view = BusView()
        self.ecus: dict[str, VirtualEcu] = {}
        for spec in specs:
            if spec.name in self.ecus:
                raise ServiceSetupError(f"two ECUs are named {spec.name!r}")
            self.ecus[spec.name] = VirtualEcu(
                spec,
                bus_view=self.bus_view,
                data_dir=data_dir,
                clock=clock,
                stored_defaults={VIN: vin},
                on_image_downloaded=on_image_downloaded,
                slots=None if slots is None else slots(spec),
            )
        self._identity_every = max(1, round(dbc.cycle_time_s(dbc.DIAG_ECU_IDENTITY) / cycle_s))
        self._bus: can.BusABC | None = None
        self._notifier: can.Notifier | None = None
        self._ports: dict[str, IsoTpEcuPort] = {}
        self._stop = threading.Event()
        self._cycle_thread: threading.Thread | None = None
        self.cycles = 0
        self.send_errors = 0
        self.last_send_error: str | None = None
        self.faults: list[BaseException] = []
        """Exceptions raised in the cycle thread (a bug); the cycle thread keeps running."""

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"EcuNetwork({len(self.ecus)} ECUs on {self.bus_config.describe()}, {state})"

    @property
    def running(self) -> bool:
        return self._bus is not None

    def ecu(self, name: str) -> VirtualEcu:
        ecu = self.ecus.get(name)
        if ecu is None:
            raise ServiceSetupError(f"no ECU named {name!r}; the ECUs are {', '.join(self.ecus)}")
        return ecu

    @property
    def ports(self) -> Mapping[str, IsoTpEcuPort]:
        return dict(self._ports)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Open the bus, start the ports and the cycle thread. BusError if the bus won't open."""
        if self.running:
            raise ServiceSetupError("the ECU network is already running")
        bus = open_bus(self.bus_config)
        try:
            notifier = can.Notifier(bus, [self._on_frame], timeout=0.05)
        except (can.CanError, OSError) as error:
            bus.shutdown()
            raise BusError(f"cannot listen on {self.bus_config.describe()}: {error}") from error
        self._bus, self._notifier = bus, notifier
        params = isotp_params(self.bus_config)
        try:
            for name, ecu in self.ecus.items():
                port = IsoTpEcuPort(ecu, bus, notifier, params)
                port.start()
                self._ports[name] = port
        except Exception:
            self.stop()
            raise
        self._stop.clear()
        self._cycle_thread = threading.Thread(target=self._run_cycles, name="ecu-cycle", daemon=True)
        self._cycle_thread.start()

    def stop(self) -> None:
        """Stop every thread and close the bus (safe to call twice)."""
        self._stop.set()
        thread, self._cycle_thread = self._cycle_thread, None
        if thread is not None:
            thread.join(timeout=2.0)
        ports, self._ports = self._ports, {}
        stop_all(ports.values())
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            notifier.stop()
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.shutdown()

    def __enter__(self) -> EcuNetwork:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- the bus ---------------------------------------------------------------------------

    def _on_frame(self, message: can.Message) -> None:
        """The bus listener (python-can's notifier thread): must not block, must not raise."""
        if message.is_error_frame or message.is_remote_frame:
            return
        data = bytes(message.data)
        if message.arbitration_id == FUNCTIONAL_REQUEST_ID and not message.is_extended_id:
            request = single_frame_payload(data)
            if request is not None:
                for port in self._ports.values():
                    port.offer_functional(request)
            return
        self.bus_view.observe(message.arbitration_id, data)

    def run_cycle(self) -> None:
        """One cycle of every ECU, and their frames on the bus (the cycle thread calls this)."""
        self.cycles += 1
        identity = self.cycles % self._identity_every == 1 or self._identity_every == 1
        for ecu in self.ecus.values():
            ecu.run_cycle()
            for arbitration_id, data in ecu.frames(identity=identity):
                self._send(arbitration_id, data)
                self.bus_view.observe(arbitration_id, data)

    def _send(self, arbitration_id: int, data: bytes) -> None:
        bus = self._bus
        if bus is None:
            return
        message = can.Message(
            arbitration_id=arbitration_id, data=data, is_extended_id=False, is_fd=self.bus_config.fd
        )
        try:
            bus.send(message, timeout=0.1)
        except can.CanError as error:  # a full or broken bus: counted, the ECUs keep running
            self.send_errors += 1
            self.last_send_error = str(error)

    def _run_cycles(self) -> None:
        next_due = time.monotonic()
        while not self._stop.is_set():
            try:
                self.run_cycle()
            except Exception as error:  # recorded (a full disk, a bug); the ECUs keep cycling
                error.add_note("raised in the ECU network's cycle")
                self.faults.append(error)
            next_due += self.cycle_s
            delay = next_due - time.monotonic()
            if delay < 0:
                next_due = time.monotonic()
                delay = 0.0
            self._stop.wait(delay)
