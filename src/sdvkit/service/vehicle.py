"""The simulated vehicle with its in-vehicle network: one object to start, drive and stop.

:class:`ServiceVehicle` puts together, on one bus:

- the vehicle plant (which provides the fault-injection actuators) and the CAN feeder, as apps
  on a broker that runs on a lock-step :class:`~sdvkit.runtime.SimClock` (:meth:`run_for` moves it;
  :meth:`serve` keeps it in step with the wall clock, as ``sdvkit ecus`` does);
- the :class:`~sdvkit.service.network.EcuNetwork` (real-time threads);
- optionally the :class:`~sdvkit.service.gateway.DoipGateway`.

The ECUs run in real time while the simulated clock moves when asked, so a test that injects a
fault advances the clock until the ECUs have reacted: :meth:`run_until`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any

from sdvkit.runtime import AppRunner, SimClock
from sdvkit.service.can_bus import BusConfig
from sdvkit.service.ecus import DEFAULT_VIN
from sdvkit.service.errors import ServiceSetupError
from sdvkit.service.feeder import CanFeeder
from sdvkit.service.firmware import ImageDownloaded
from sdvkit.service.gateway import DoipGateway, GatewaySettings
from sdvkit.service.network import EcuNetwork
from sdvkit.signals import ALLOW_ALL, Broker, BrokerClient
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.plant import (
    BATTERY_OVER_TEMPERATURE,
    FAULTS_HEALED,
    FRONT_RADAR_BLOCKED,
    INSULATION_FAULT,
    STUCK_WINDOW_MOTOR,
    VehiclePlant,
)

DEFAULT_VEHICLE = "chevrolet-bolt-2020"
STEP_S = 0.01

FAULTS: Mapping[str, tuple[str, bool | str]] = MappingProxyType(
    {
        "battery-over-temperature": (BATTERY_OVER_TEMPERATURE, True),
        "insulation-fault": (INSULATION_FAULT, True),
        "front-radar-blocked": (FRONT_RADAR_BLOCKED, True),
        "stuck-window-row1-driver": (STUCK_WINDOW_MOTOR, "ROW1_DRIVER_SIDE"),
        "stuck-window-row1-passenger": (STUCK_WINDOW_MOTOR, "ROW1_PASSENGER_SIDE"),
        "stuck-window-row2-driver": (STUCK_WINDOW_MOTOR, "ROW2_DRIVER_SIDE"),
        "stuck-window-row2-passenger": (STUCK_WINDOW_MOTOR, "ROW2_PASSENGER_SIDE"),
    }
)
"""Faults by name (``sdvkit ecus --fault``): the plant's actuator and the value that injects each."""


class ServiceVehicle:
    """Plant, feeder and ECU network (and the DoIP gateway, with ``gateway``) on one bus."""

    def __init__(
        self,
        *,
        bus: BusConfig | None = None,
        params: VehicleParams | None = None,
        data_dir: Path | None = None,
        vin: str = DEFAULT_VIN,
        gateway: GatewaySettings | None = None,
        initial_soc: float = 0.8,
        report_software: bool = False,
        on_image_downloaded: ImageDownloaded | None = None,
    ) -> None:
        self.bus = bus if bus is not None else BusConfig()
        self.clock = SimClock(tick_s=STEP_S)
        self.broker = Broker(builtin_catalogue(), now_ns=self.clock.now_ns)
        self.runner = AppRunner(self.broker, self.clock)
        model = VehicleModel(
            params or builtin_vehicle(DEFAULT_VEHICLE), step_s=STEP_S, initial_soc=initial_soc
        )
        self.plant = self.runner.add(VehiclePlant(model))
        self.feeder = self.runner.add(CanFeeder(self.bus, report_software=report_software))
        self.network = EcuNetwork(
            bus=self.bus, data_dir=data_dir, vin=vin, on_image_downloaded=on_image_downloaded
        )
        self.gateway = None if gateway is None else DoipGateway(bus=self.bus, settings=gateway, vin=vin)
        self._bench: BrokerClient | None = None
        self._started = False

    def start(self) -> None:
        """Start the ECUs (and the gateway), then the apps."""
        self.network.start()
        try:
            if self.gateway is not None:
                self.gateway.start()
            self.runner.start()
        except Exception:
            self.stop()
            raise
        self._bench = self.broker.connect("service bench", ALLOW_ALL)
        self._started = True

    def stop(self) -> None:
        """Stop the apps, the gateway and the ECUs (safe to call twice)."""
        try:
            if self._bench is not None:
                self._bench.close()
                self._bench = None
            self.runner.stop()
        finally:
            if self.gateway is not None:
                self.gateway.stop()
            self.network.stop()
            self._started = False

    def __enter__(self) -> ServiceVehicle:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- driving the simulation --------------------------------------------------------------

    def _client(self) -> BrokerClient:
        if self._bench is None:
            raise ServiceSetupError("the service vehicle is not running: start() it first")
        return self._bench

    def inject(self, fault: str, *, active: bool = True) -> None:
        """Inject (or heal) a fault by name (see :data:`FAULTS`)."""
        entry = FAULTS.get(fault)
        if entry is None:
            raise ServiceSetupError(f"no fault named {fault!r}; the faults are {', '.join(FAULTS)}")
        path, value = entry
        self._client().actuate(path, value if active else FAULTS_HEALED[path])

    def get(self, path: str) -> Any:
        datapoint = self._client().get(path)
        return None if datapoint is None else datapoint.value

    def run_for(self, duration_s: float) -> None:
        """Move the simulated clock (as fast as it goes)."""
        self.clock.run_for(duration_s)

    def run_until(
        self, condition: Callable[[], bool], *, timeout_s: float = 10.0, step_s: float = 0.1
    ) -> bool:
        """Advance the simulated clock ``step_s`` at a time, giving the real-time ECUs a moment
        between steps, until ``condition()`` holds; False after ``timeout_s`` of wall time."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            self.clock.run_for(step_s)
            time.sleep(0.02)
        return condition()

    def serve(self, stop: threading.Event) -> None:
        """Run the simulated clock in step with the wall clock until ``stop`` is set."""
        next_tick = time.monotonic()
        while not stop.is_set():
            self.clock.advance()
            next_tick += STEP_S
            delay = next_tick - time.monotonic()
            if delay < -1.0:  # far behind (a debugger, a loaded machine): do not race to catch up
                next_tick = time.monotonic()
            stop.wait(max(0.0, delay))
