"""A two-app example: a speed source and an app that switches the hazard lights on above 120 km/h.

Run it on the deterministic simulated clock (the default) or in real time:

    .venv/bin/python examples/hazard_lights.py
    .venv/bin/python examples/hazard_lights.py --real-time
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sdvkit.runtime import AppRunner, Input, Manifest, RealTimeClock, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.subscription import Update

SPEED = "Vehicle.Speed"
HAZARD = "Vehicle.Body.Lights.Hazard.IsSignaling"


class SpeedRamp(VehicleApp):
    """Stands in for the plant: publishes a rising speed and owns the hazard-light actuator."""

    name = "speed ramp"
    manifest = Manifest(writes=(SPEED, HAZARD))
    step_period_s = 0.1

    def on_start(self) -> None:
        self.speed_kmh = 100.0
        self.provide([SPEED, HAZARD])
        self.provide_actuation(HAZARD, self.on_hazard_request)
        self.publish({HAZARD: False})

    def on_hazard_request(self, requests: list[tuple[str, Any]]) -> None:
        for _, is_on in requests:
            self.publish({HAZARD: is_on})  # the lights follow the request at once

    def step(self) -> None:
        self.speed_kmh += 2.0
        self.publish({SPEED: self.speed_kmh})


class HighSpeedWarning(VehicleApp):
    """Reads the speed at 10 Hz; switches the hazard lights on above 120 km/h."""

    name = "high-speed warning"
    manifest = Manifest(reads=(Input(path=SPEED, rate_hz=10.0),), writes=(HAZARD,))
    step_period_s = 0.1
    threshold_kmh = 120.0

    def on_start(self) -> None:
        self.warning_on = False
        self.subscribe(HAZARD, self.on_hazard)

    def on_hazard(self, updates: list[Update]) -> None:
        for _, datapoint in updates:
            self.warning_on = bool(datapoint.value)

    def step(self) -> None:
        if not self.inputs_fresh():
            return  # no decision on stale inputs
        speed = self.get(SPEED)
        if speed is not None and speed.value > self.threshold_kmh and not self.warning_on:
            self.actuate(HAZARD, True)


def run(*, real_time: bool, duration_s: float = 2.0) -> tuple[float, bool]:
    """Run both apps; return the last speed and whether the hazard lights are on."""
    clock: SimClock | RealTimeClock = RealTimeClock() if real_time else SimClock(tick_s=0.01)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    ramp = runner.add(SpeedRamp())
    warning = runner.add(HighSpeedWarning())
    runner.start()
    if isinstance(clock, SimClock):
        clock.run_for(duration_s)
    else:
        asyncio.run(clock.run_for(duration_s))
    runner.stop()
    return ramp.speed_kmh, warning.warning_on


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-time", action="store_true")
    args = parser.parse_args()
    speed_kmh, hazard_on = run(real_time=args.real_time)
    print(f"speed {speed_kmh:.0f} km/h, hazard lights {'on' if hazard_on else 'off'}")
