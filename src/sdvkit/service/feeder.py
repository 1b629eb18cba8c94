"""The CAN feeder: VSS signals onto the bus and bus frames into VSS, as KUKSA's dbc2val does.

:class:`CanFeeder` is an app on the broker with its own node on the CAN bus:

- VSS → CAN (:data:`TO_CAN`): every step it samples the plant's signals and the state of its
  injected faults (``Vehicle.Sdvkit.FaultInjection``, which the plant provides) and sends the
  ``PLANT_*`` and ``SIM_FaultInjection`` frames when their DBC cycle time is due: what the
  ECUs need to see;
- CAN → VSS (:data:`TO_VSS`): frames the ECUs send are queued by the bus listener thread and
  decoded in ``step()`` (the broker's thread): their fault flags become
  ``Vehicle.Diagnostics.Fault.*``, their DTC reports ``Vehicle.Diagnostics.DTCList`` and
  ``DTCCount`` (the OBD codes of every DTC failing now, over all ECUs).

A frame that does not decode is counted in :attr:`CanFeeder.rejected_frames` (the reason in
:attr:`CanFeeder.last_rejection`) and changes no signal; the feeder keeps running.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import can

from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.service import dbc
from sdvkit.service.can_bus import BusConfig, open_bus
from sdvkit.service.ecus import ECU_SPECS
from sdvkit.service.errors import DbcError
from sdvkit.service.uds import DtcStatus, obd_code
from sdvkit.signals.builtin.service import ECUS
from sdvkit.vehicle.plant import FRONT_RADAR_BLOCKED, INSULATION_FAULT, PACK_TEMPERATURE, STUCK_WINDOW_MOTOR

FEEDER_STEP_S = 0.1
RX_QUEUE_FRAMES = 4096
"""Frames the listener keeps for the next step; older ones are dropped (and counted)."""
_FAULT = "Vehicle.Diagnostics.Fault"
_BATTERY = "Vehicle.Powertrain.TractionBattery"
DTC_LIST = "Vehicle.Diagnostics.DTCList"
DTC_COUNT = "Vehicle.Diagnostics.DTCCount"


def _number(value: Any) -> float:
    return float(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class ToCan:
    """A VSS signal fed onto the bus."""

    vss_path: str
    message: str
    signal: str
    default: float | str = 0.0
    """Sent until the signal has a value."""
    convert: Callable[[Any], float | str] = _number
    """VSS value → signal value (a number, or a name of the signal's value table)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ToVss:
    """A bus signal published on VSS."""

    message: str
    signal: str
    vss_path: str
    convert: Callable[[float], Any]


def _flag(raw: float) -> bool:
    return raw >= 0.5


TO_CAN: tuple[ToCan, ...] = (
    ToCan(vss_path="Vehicle.Speed", message=dbc.PLANT_MOTION, signal="VehicleSpeed"),
    ToCan(
        vss_path="Vehicle.TraveledDistance",
        message=dbc.PLANT_MOTION,
        signal="Odometer",
        convert=lambda metres: float(metres) / 1000.0,
    ),
    ToCan(vss_path="Vehicle.IsMoving", message=dbc.PLANT_MOTION, signal="IsMoving"),
    ToCan(vss_path=f"{_BATTERY}.StateOfCharge.Current", message=dbc.PLANT_BATTERY, signal="StateOfCharge"),
    ToCan(
        vss_path=PACK_TEMPERATURE,
        message=dbc.PLANT_BATTERY,
        signal="PackTemperature",
        default=25.0,
    ),
    ToCan(
        vss_path=f"{_BATTERY}.CurrentVoltage", message=dbc.PLANT_BATTERY, signal="PackVoltage", default=400.0
    ),
    ToCan(vss_path=f"{_BATTERY}.CurrentCurrent", message=dbc.PLANT_BATTERY, signal="PackCurrent"),
    ToCan(
        vss_path="Vehicle.Exterior.AirTemperature",
        message=dbc.PLANT_ENVIRONMENT,
        signal="AmbientTemperature",
        default=20.0,
    ),
    ToCan(
        vss_path="Vehicle.LowVoltageBattery.CurrentVoltage",
        message=dbc.PLANT_ENVIRONMENT,
        signal="LowVoltageBatteryVoltage",
        default=14.1,
    ),
    ToCan(vss_path=INSULATION_FAULT, message=dbc.SIM_FAULT_INJECTION, signal="InsulationFault"),
    ToCan(vss_path=FRONT_RADAR_BLOCKED, message=dbc.SIM_FAULT_INJECTION, signal="FrontRadarBlocked"),
    ToCan(
        vss_path=STUCK_WINDOW_MOTOR,
        message=dbc.SIM_FAULT_INJECTION,
        signal="StuckWindowMotor",
        default="NONE",
        convert=str,
    ),
)
"""VSS → CAN: what the ECUs need to see."""

TO_VSS: tuple[ToVss, ...] = (
    ToVss(
        message=dbc.BMS_STATUS,
        signal="OverTemperature",
        vss_path=f"{_FAULT}.IsBatteryOverTemperature",
        convert=_flag,
    ),
    ToVss(
        message=dbc.BMS_STATUS,
        signal="InsulationFault",
        vss_path=f"{_FAULT}.IsBatteryInsulationFault",
        convert=_flag,
    ),
    ToVss(
        message=dbc.BMS_STATUS,
        signal="InsulationResistance",
        vss_path=f"{_FAULT}.BatteryInsulationResistance",
        convert=float,
    ),
    ToVss(
        message=dbc.ADAS_STATUS,
        signal="FrontRadarBlocked",
        vss_path=f"{_FAULT}.IsFrontRadarBlocked",
        convert=_flag,
    ),
    ToVss(
        message=dbc.BODY_STATUS,
        signal="WindowMotorStuck",
        vss_path=f"{_FAULT}.IsWindowMotorStuck",
        convert=_flag,
    ),
    ToVss(
        message=dbc.BODY_STATUS,
        signal="StuckWindowMotor",
        vss_path=f"{_FAULT}.StuckWindowMotor",
        convert=lambda raw: dbc.choice_name(dbc.BODY_STATUS, "StuckWindowMotor", raw),
    ),
)
"""CAN → VSS: what the ECUs report."""


def _software_paths() -> tuple[str, ...]:
    return tuple(
        f"Vehicle.Software.Ecu.{name}.{leaf}" for name in ECUS for leaf in ("SoftwareVersion", "ActiveSlot")
    )


class CanFeeder(VehicleApp):
    """Bridges the broker and the CAN bus in both directions (see the module docstring).

    ``report_software``: also publish each ECU's software version and active slot
    (``Vehicle.Software.Ecu.*``) from its identity frames. Off by default: the OTA client may
    be the one that provides those signals.
    """

    name = "can feeder"

    def __init__(
        self,
        bus: BusConfig | None = None,
        *,
        to_can: Iterable[ToCan] = TO_CAN,
        to_vss: Iterable[ToVss] = TO_VSS,
        report_software: bool = False,
        step_period_s: float = FEEDER_STEP_S,
    ) -> None:
        self.bus_config = bus if bus is not None else BusConfig()
        self.to_can = tuple(to_can)
        self.to_vss = tuple(to_vss)
        self.report_software = report_software
        writes = [rule.vss_path for rule in self.to_vss] + [DTC_LIST, DTC_COUNT]
        if report_software:
            writes += _software_paths()
        super().__init__(
            manifest=Manifest(
                reads=tuple(dict.fromkeys(rule.vss_path for rule in self.to_can)),
                writes=tuple(writes),
                role=AppRole.PLANT,
            ),
            step_period_s=step_period_s,
        )
        self._send_every = {
            message: max(1, round(dbc.cycle_time_s(message) / step_period_s))
            for message in dict.fromkeys(rule.message for rule in self.to_can)
        }
        self._listened = {dbc.message(rule.message).frame_id for rule in self.to_vss} | {
            dbc.message(dbc.DIAG_DTC_REPORT).frame_id,
            dbc.message(dbc.DIAG_ECU_IDENTITY).frame_id,
        }
        self._frames: collections.deque[tuple[int, bytes]] = collections.deque(maxlen=RX_QUEUE_FRAMES)
        self._frames_lock = threading.Lock()
        self._bus: can.BusABC | None = None
        self._notifier: can.Notifier | None = None
        self._dtc_slots: dict[int, dict[int, tuple[int, int]]] = {}
        self._dtc_counts: dict[int, int] = {}
        self._identities: dict[str, tuple[str, str]] = {}
        self._published: dict[str, Any] = {}
        self.frames_sent = 0
        self.frames_received = 0
        self.rejected_frames = 0
        self.dropped_frames = 0
        self.send_errors = 0
        self.last_rejection: str | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def on_start(self) -> None:
        self._bus = open_bus(self.bus_config)
        self._notifier = can.Notifier(self._bus, [self._on_frame], timeout=0.05)
        self.provide(list(self.manifest.writes))

    def on_stop(self) -> None:
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            notifier.stop()
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.shutdown()

    def _on_frame(self, message: can.Message) -> None:
        """The bus listener's thread: queue the frames the feeder decodes; nothing else."""
        if message.is_error_frame or message.is_remote_frame or message.arbitration_id not in self._listened:
            return
        with self._frames_lock:
            if len(self._frames) == self._frames.maxlen:
                self.dropped_frames += 1
            self._frames.append((message.arbitration_id, bytes(message.data)))

    # -- one step ---------------------------------------------------------------------------

    def step(self) -> None:
        self._send_due()
        with self._frames_lock:
            frames = list(self._frames)
            self._frames.clear()
        self.receive(frames)

    def _send_due(self) -> None:
        due = [message for message, every in self._send_every.items() if (self.step_count - 1) % every == 0]
        if not due:
            return
        rules = [rule for rule in self.to_can if rule.message in due]
        datapoints = self.get_many([rule.vss_path for rule in rules])
        values: dict[str, dict[str, Any]] = {message: {} for message in due}
        for rule, datapoint in zip(rules, datapoints, strict=True):
            value = rule.default if datapoint is None else rule.convert(datapoint.value)
            values[rule.message][rule.signal] = value
        for message, signals in values.items():
            arbitration_id, data = dbc.encode(message, signals)
            self._send(arbitration_id, data)

    def _send(self, arbitration_id: int, data: bytes) -> None:
        bus = self._bus
        if bus is None:
            return
        frame = can.Message(
            arbitration_id=arbitration_id, data=data, is_extended_id=False, is_fd=self.bus_config.fd
        )
        try:
            bus.send(frame, timeout=0.1)
        except can.CanError as error:  # a full or broken bus: counted; the next cycle sends again
            self.send_errors += 1
            self.last_rejection = f"send failed: {error}"
            return
        self.frames_sent += 1

    def receive(self, frames: Iterable[tuple[int, bytes]]) -> None:
        """Decode frames and publish what changed (``step`` calls it; tests may too)."""
        latest: dict[str, dict[str, float]] = {}
        for arbitration_id, data in frames:
            self.frames_received += 1
            try:
                decoded = dbc.decode(arbitration_id, data)
            except DbcError as error:
                self.rejected_frames += 1
                self.last_rejection = str(error)
                continue
            if decoded is None:
                continue
            name, signals = decoded
            if name == dbc.DIAG_DTC_REPORT:
                self._take_dtc_report(signals)
            elif name == dbc.DIAG_ECU_IDENTITY:
                self._take_identity(signals)
            else:
                latest.setdefault(name, {}).update(signals)
        updates = self._vss_values(latest)
        changed = {path: value for path, value in updates.items() if self._published.get(path) != value}
        if changed:
            self.publish(changed)
            self._published.update(changed)

    def _vss_values(self, latest: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for rule in self.to_vss:
            signals = latest.get(rule.message)
            if signals is not None and rule.signal in signals:
                values[rule.vss_path] = rule.convert(signals[rule.signal])
        codes = sorted(
            {
                obd_code(code)
                for index, slots in self._dtc_slots.items()
                for slot, (code, status) in slots.items()
                if slot < self._dtc_counts.get(index, 0) and status & DtcStatus.TEST_FAILED and code
            }
        )
        values[DTC_LIST] = codes
        values[DTC_COUNT] = min(255, len(codes))
        if self.report_software:
            for name, (version, slot) in self._identities.items():
                values[f"Vehicle.Software.Ecu.{name}.SoftwareVersion"] = version
                values[f"Vehicle.Software.Ecu.{name}.ActiveSlot"] = slot
        return values

    def _take_identity(self, signals: Mapping[str, float]) -> None:
        index = round(signals["EcuIndex"])
        spec = next((spec for spec in ECU_SPECS if spec.index == index), None)
        if spec is None:
            return
        parts = (signals["VersionMajor"], signals["VersionMinor"], signals["VersionPatch"])
        version = ".".join(str(round(part)) for part in parts)
        self._identities[spec.name] = (version, "B" if signals["ActiveSlot"] >= 0.5 else "A")

    def _take_dtc_report(self, signals: Mapping[str, float]) -> None:
        index = round(signals["EcuIndex"])
        count = round(signals["SlotCount"])
        slots = self._dtc_slots.setdefault(index, {})
        self._dtc_counts[index] = count
        for slot in [slot for slot in slots if slot >= count]:
            del slots[slot]
        slot = round(signals["SlotIndex"])
        if slot < count:
            slots[slot] = (round(signals["DtcCode"]), round(signals["DtcStatus"]))
