"""Run a drive cycle on the simulated clock and report the energy it took.

The vehicle plant and a cycle driver run as apps on one broker, exactly as in ``sdvkit drive``:
the driver reads ``Vehicle.Speed`` off the bus and sends its acceleration request through
``Vehicle.Sdvkit.MotionControl`` (source ``TEST``, a driving robot on a dynamometer). The
figures come from the plant's energy books at the end of the run.

Consumption is battery-side: the net DC energy out of the battery terminals (drive unit plus
auxiliaries, minus what regeneration put back) over the distance driven, which is what FASTSim
reports as a vehicle's battery ("ESS") electrical energy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sdvkit.energy.errors import EnergyRunError
from sdvkit.runtime import AppRole, AppRunner, Input, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.ledger import JOULES_PER_KWH
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.cycles import DriveCycle
from sdvkit.world.driver import SpeedTraceDriver, SpeedTraceDriverSpec

METRES_PER_MILE = 1609.344
SPEED = "Vehicle.Speed"
ACCELERATION_REQUEST = "Vehicle.Sdvkit.MotionControl.Longitudinal.AccelerationRequest"
LONGITUDINAL_SOURCE = "Vehicle.Sdvkit.MotionControl.Longitudinal.Source"
DRIVER_STEP_S = 0.02
"""The cycle driver acts at 50 Hz, the rate the plant publishes ``Vehicle.Speed``."""
TRACE_TOLERANCE_KMH = 3.2
"""How far the achieved speed may stray from the trace (2 mph, the EPA's drive-trace tolerance)."""


class CycleDriverApp(VehicleApp):
    """A driving robot: follows a speed trace through the bus, by acceleration requests."""

    name = "cycle driver"
    manifest = Manifest(
        reads=(Input(path=SPEED, rate_hz=50.0),),
        writes=(ACCELERATION_REQUEST, LONGITUDINAL_SOURCE),
        role=AppRole.TEST_BENCH,
    )

    def __init__(self, cycle: DriveCycle, *, step_s: float, spec: SpeedTraceDriverSpec | None = None) -> None:
        super().__init__(step_period_s=step_s)
        self.cycle = cycle
        self.driver = SpeedTraceDriver(cycle, spec)
        self.max_speed_error_kmh = 0.0
        self._step_s = step_s

    def on_start(self) -> None:
        self.actuate(LONGITUDINAL_SOURCE, "TEST")

    def step(self) -> None:
        speed = self.get(SPEED)
        speed_kmh = 0.0 if speed is None else float(speed.value)
        now_s = self.now_s
        error_kmh = abs(speed_kmh - self.cycle.speed_at(now_s) * 3.6)
        self.max_speed_error_kmh = max(self.max_speed_error_kmh, error_kmh)
        demand = self.driver.step(now_s, speed_kmh / 3.6, self._step_s)
        self.actuate(ACCELERATION_REQUEST, max(-12.0, min(6.0, demand)))


@dataclass(frozen=True, kw_only=True, slots=True)
class CycleResult:
    """What a cycle run measured; ``as_dict()`` is what ``sdvkit energy --json`` prints."""

    vehicle: str
    cycle: str
    ambient_c: float
    distance_km: float
    duration_s: float
    battery_energy_kwh: float
    """Net DC energy out of the battery terminals."""
    kwh_per_100km: float
    wh_per_mi: float
    regen_share: float
    """Energy regeneration put back into the battery, over the energy drawn from it."""
    soc_used: float
    """State of charge used, as a fraction (0.01 = one percentage point)."""
    range_km: float
    """Usable battery energy (the whole SoC window) over this cycle's consumption."""
    auxiliary_kwh: float
    friction_brake_kwh: float
    max_speed_error_kmh: float
    trace_met: bool
    """The achieved speed stayed within ``TRACE_TOLERANCE_KMH`` of the trace."""
    wall_time_s: float

    def as_dict(self) -> dict[str, float | str | bool]:
        return {
            "vehicle": self.vehicle,
            "cycle": self.cycle,
            "ambient_c": self.ambient_c,
            "distance_km": round(self.distance_km, 4),
            "duration_s": round(self.duration_s, 3),
            "battery_energy_kwh": round(self.battery_energy_kwh, 5),
            "kwh_per_100km": round(self.kwh_per_100km, 4),
            "wh_per_mi": round(self.wh_per_mi, 2),
            "regen_share": round(self.regen_share, 4),
            "soc_used": round(self.soc_used, 5),
            "soc_used_pct": round(self.soc_used * 100, 3),
            "range_km": round(self.range_km, 1),
            "auxiliary_kwh": round(self.auxiliary_kwh, 5),
            "friction_brake_kwh": round(self.friction_brake_kwh, 5),
            "max_speed_error_kmh": round(self.max_speed_error_kmh, 3),
            "trace_met": self.trace_met,
        }


def check_conditions(*, ambient_c: float, altitude_m: float) -> None:
    """Refuse an ambient temperature or altitude no run can be made in (EnergyRunError)."""
    if not (math.isfinite(ambient_c) and -40.0 <= ambient_c <= 50.0):
        raise EnergyRunError(f"ambient temperature {ambient_c} °C is outside [-40, 50] °C")
    if not (math.isfinite(altitude_m) and -500.0 <= altitude_m <= 5_000.0):
        raise EnergyRunError(f"altitude {altitude_m} m is outside [-500, 5000] m")


def run_cycle(
    params: VehicleParams,
    cycle: DriveCycle,
    *,
    ambient_c: float = 22.0,
    altitude_m: float = 0.0,
    initial_soc: float = 0.9,
    step_s: float = 0.01,
    wall_clock: Callable[[], float] | None = None,
) -> CycleResult:
    """Drive ``cycle`` with ``params`` on the simulated clock; return the energy figures."""
    clock_fn = wall_clock or time.perf_counter
    if not (math.isfinite(ambient_c) and -40.0 <= ambient_c <= 50.0):
        raise EnergyRunError(f"ambient temperature {ambient_c} °C is outside [-40, 50] °C")
    start_wall = clock_fn()
    clock = SimClock(tick_s=step_s)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    if not (math.isfinite(altitude_m) and -500.0 <= altitude_m <= 5_000.0):
        raise EnergyRunError(f"altitude {altitude_m} m is outside [-500, 5000] m")
    model = VehicleModel(
        params, step_s=step_s, initial_soc=initial_soc, ambient_c=ambient_c, altitude_m=altitude_m
    )
    model.grade = cycle.grade_at(0.0)
    plant = runner.add(VehiclePlant(model))
    # The driver samples Vehicle.Speed at the rate the plant publishes it, 50 Hz.
    driver = runner.add(CycleDriverApp(cycle, step_s=max(step_s, DRIVER_STEP_S)))
    runner.start()
    start_soc = model.battery.soc
    duration_s = cycle.duration_s
    steps = round(duration_s / step_s)
    has_grade = any(cycle.grade)
    for _ in range(steps):
        if has_grade:
            model.grade = cycle.grade_at(clock.now_s)
        clock.advance()
    runner.stop()
    del plant
    ledger = model.ledger
    distance_m = ledger.distance_m
    if distance_m <= 0:
        raise EnergyRunError(f"the vehicle did not move on cycle {cycle.name!r}")
    net_j = ledger.battery_net_out_j
    per_m = net_j / distance_m
    battery = model.battery
    usable_j = battery.usable_energy_capacity_j()
    return CycleResult(
        vehicle=params.name,
        cycle=cycle.name,
        ambient_c=ambient_c,
        distance_km=distance_m / 1000,
        duration_s=duration_s,
        battery_energy_kwh=net_j / JOULES_PER_KWH,
        kwh_per_100km=per_m * 100_000 / JOULES_PER_KWH,
        wh_per_mi=per_m * METRES_PER_MILE / 3600,
        regen_share=ledger.regen_share,
        soc_used=start_soc - battery.soc,
        range_km=usable_j / per_m / 1000 if per_m > 0 else math.inf,
        auxiliary_kwh=ledger.auxiliary_j / JOULES_PER_KWH,
        friction_brake_kwh=ledger.friction_brake_j / JOULES_PER_KWH,
        max_speed_error_kmh=driver.max_speed_error_kmh,
        trace_met=driver.max_speed_error_kmh <= TRACE_TOLERANCE_KMH,
        wall_time_s=clock_fn() - start_wall,
    )
