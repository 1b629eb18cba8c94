"""A virtual ECU: its UDS (and OBD) server, its fault memory, its monitors and its status frames.

:class:`VirtualEcu` is transport-free: :meth:`VirtualEcu.handle` answers one diagnostic
request, :meth:`VirtualEcu.run_cycle` measures, runs the monitors and stores DTCs, and
:meth:`VirtualEcu.frames` says what the ECU puts on the bus this cycle. What the ECU sees of
the vehicle is a :class:`BusView`: the latest value of every DBC signal received on the bus.
The network (:mod:`sdvkit.service.network`) wires both to CAN; tests may drive them directly.

One lock per ECU serialises requests, cycles and frame building: the ISO-TP threads, the cycle
thread and a test may all reach the same ECU.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from sdvkit.service import dbc
from sdvkit.service.dtc_memory import DtcMemory
from sdvkit.service.ecu_spec import EcuSpec, PhysicalValue, StatusView
from sdvkit.service.errors import DbcError
from sdvkit.service.firmware import FirmwareSlots, ImageDownloaded, parse_version
from sdvkit.service.nvm import EcuMemory, StoredSlots, ecu_directory
from sdvkit.service.obd import OBD_MODES, handle_obd
from sdvkit.service.uds_server import UdsServer

MAX_REPORTED_DTCS = 32
"""DIAG_DtcReport slots an ECU cycles through at most."""


class BusView:
    """The latest value of every DBC signal seen on the bus, by ``Message.Signal``; thread-safe.

    A frame whose id the DBC does not know is ignored; one that does not decode (wrong length,
    value out of range) is counted in :attr:`rejected_frames`, with the reason in
    :attr:`last_rejection`, and changes nothing.
    """

    def __init__(self) -> None:
        self._values: dict[str, float] = {}
        self._lock = threading.Lock()
        self.rejected_frames = 0
        self.last_rejection: str | None = None

    def read(self, key: str, default: float) -> float:
        with self._lock:
            return self._values.get(key, default)

    def update(self, message_name: str, values: Mapping[str, float]) -> None:
        with self._lock:
            for signal, value in values.items():
                self._values[f"{message_name}.{signal}"] = value

    def observe(self, arbitration_id: int, data: bytes) -> bool:
        """Take a frame in; True when it was a DBC message and decoded."""
        try:
            decoded = dbc.decode(arbitration_id, data)
        except DbcError as error:
            with self._lock:
                self.rejected_frames += 1
                self.last_rejection = str(error)
            return False
        if decoded is None:
            return False
        self.update(*decoded)
        return True


class _Monitor:
    """Debounce state of one fault monitor."""

    __slots__ = ("failed", "failing_samples", "passing_samples")

    def __init__(self) -> None:
        self.failing_samples = 0
        self.passing_samples = 0
        self.failed: bool | None = None


class VirtualEcu:
    """One ECU of the vehicle (see the module docstring)."""

    def __init__(
        self,
        spec: EcuSpec,
        *,
        bus_view: BusView | None = None,
        data_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        stored_defaults: Mapping[int, PhysicalValue] | None = None,
        on_image_downloaded: ImageDownloaded | None = None,
        slots: FirmwareSlots | None = None,
        random_seed: Callable[[int], bytes] | None = None,
    ) -> None:
        self.spec = spec
        self.bus_view = bus_view if bus_view is not None else BusView()
        self.lock = threading.RLock()
        directory = None if data_dir is None else ecu_directory(data_dir, spec.name)
        self.memory = EcuMemory(directory, factory_version=spec.software_version)
        self.dtcs = DtcMemory(spec, self.memory)
        self.dtcs.new_operation_cycle()  # a power-on starts one, as a reset does (ISO 14229-1, D.2)
        self.slots = slots if slots is not None else StoredSlots(self.memory)
        self.server = UdsServer(
            spec,
            memory=self.memory,
            dtcs=self.dtcs,
            slots=self.slots,
            live=self,
            clock=clock,
            stored_defaults=stored_defaults,
            on_image_downloaded=on_image_downloaded,
            random_seed=random_seed,
        )
        self._monitors = {monitor.dtc: _Monitor() for monitor in spec.behaviour.monitors}
        self._measurements: dict[str, float] = {}
        self._restarts_seen = (0, 0)
        self.cycles = 0
        self.requests = 0

    def __repr__(self) -> str:
        return f"VirtualEcu({self.spec.name!r}, 0x{self.spec.request_id:03X}/0x{self.spec.response_id:03X})"

    # -- what the UDS server reads (LiveData) ----------------------------------------------

    def bus_value(self, key: str, default: float) -> float:
        return self.bus_view.read(key, default)

    def measurement(self, key: str, default: float) -> float:
        with self.lock:
            if not self._measurements:
                self._measurements = self.spec.behaviour.measure(self.bus_value)
            return self._measurements.get(key, default)

    def self_test(self) -> int:
        with self.lock:
            values = self.spec.behaviour.measure(self.bus_value)
            return sum(1 for monitor in self.spec.behaviour.monitors if monitor.failing(values))

    # -- diagnostics -------------------------------------------------------------------------

    def handle(self, request: bytes, *, functional: bool = False) -> bytes | None:
        """The answer to one diagnostic request (None: none is sent)."""
        if not request:
            return None
        with self.lock:
            self.requests += 1
            if self.spec.obd_responder and request[0] in OBD_MODES:
                return handle_obd(self.server, request, functional=functional)
            return self.server.handle(request, functional=functional)

    # -- the ECU's cycle --------------------------------------------------------------------

    def run_cycle(self) -> None:
        """Measure, debounce every monitor, store what changed (with a freeze frame)."""
        with self.lock:
            self.cycles += 1
            self.server.poll()
            values = self.spec.behaviour.measure(self.bus_value)
            self._measurements = values
            restarts = (self.dtcs.clears, self.server.reset_count)
            if restarts != self._restarts_seen:  # cleared or reset: every test runs again from scratch
                self._restarts_seen = restarts
                self._monitors = {code: _Monitor() for code in self._monitors}
            for monitor in self.spec.behaviour.monitors:
                state = self._monitors[monitor.dtc]
                if monitor.failing(values):
                    state.failing_samples += 1
                    state.passing_samples = 0
                    verdict = True if state.failing_samples >= monitor.debounce_samples else None
                else:
                    state.passing_samples += 1
                    state.failing_samples = 0
                    verdict = False if state.passing_samples >= monitor.debounce_samples else None
                if verdict is not None and verdict != state.failed:
                    state.failed = verdict
                    self.dtcs.report(monitor.dtc, failed=verdict, snapshot=self.server.freeze_frame)
            self._mark_mil()

    def _mark_mil(self) -> None:
        memory = self.memory
        lit = self.dtcs.warning_indicator()
        if lit and memory.odometer_at_mil_on_km is None:
            memory.odometer_at_mil_on_km = self.bus_value("PLANT_Motion.Odometer", 0.0)
            memory.save()
        elif not lit and memory.odometer_at_mil_on_km is not None:
            memory.odometer_at_mil_on_km = None
            memory.save()

    def failed_monitors(self) -> frozenset[int]:
        """DTCs whose monitors have confirmed a failure and not healed since."""
        with self.lock:
            return frozenset(code for code, state in self._monitors.items() if state.failed)

    def frames(self, *, identity: bool) -> list[tuple[int, bytes]]:
        """What the ECU sends this cycle: its status message, its DTC report, its identity."""
        spec = self.spec
        with self.lock:
            if not self.server.normal_transmit_enabled:
                return []
            frames: list[tuple[int, bytes]] = []
            active = self.dtcs.active_codes()
            behaviour = spec.behaviour
            if behaviour.status_message is not None and behaviour.status is not None:
                view = StatusView(
                    measurements=self._measurements or behaviour.measure(self.bus_value),
                    failed=self.failed_monitors(),
                    active_dtc_count=len(active),
                    warning_indicator=self.dtcs.warning_indicator(),
                )
                frames.append(dbc.encode(behaviour.status_message, behaviour.status(view)))
            records = list(self.dtcs.records.values())[:MAX_REPORTED_DTCS]
            if not records:
                frames.append(
                    dbc.encode(
                        dbc.DIAG_DTC_REPORT,
                        {
                            "EcuIndex": spec.index,
                            "SlotIndex": 0,
                            "SlotCount": 0,
                            "DtcCode": 0,
                            "DtcStatus": 0,
                        },
                    )
                )
            for slot, record in enumerate(records):
                frames.append(
                    dbc.encode(
                        dbc.DIAG_DTC_REPORT,
                        {
                            "EcuIndex": spec.index,
                            "SlotIndex": slot,
                            "SlotCount": len(records),
                            "DtcCode": record.code,
                            "DtcStatus": record.status,
                        },
                    )
                )
            if identity:
                major, minor, patch = parse_version(self.server.software_version())
                frames.append(
                    dbc.encode(
                        dbc.DIAG_ECU_IDENTITY,
                        {
                            "EcuIndex": spec.index,
                            "VersionMajor": major,
                            "VersionMinor": minor,
                            "VersionPatch": patch,
                            "ActiveSlot": self.slots.active.value,
                            "Session": int(self.server.session),
                        },
                    )
                )
            return frames
