"""The app model: vehicle apps, their manifests, the clocks they run on, and the runner.

>>> clock = SimClock(tick_s=0.01)  # doctest: +SKIP
>>> broker = Broker(catalogue, now_ns=clock.now_ns)  # doctest: +SKIP
>>> runner = AppRunner(broker, clock)  # doctest: +SKIP
>>> runner.add(BrakeAssist())  # doctest: +SKIP
>>> runner.start(); clock.run_for(10.0); runner.stop()  # doctest: +SKIP
"""

from sdvkit.runtime.app import AppState, UpdateHandler, VehicleApp
from sdvkit.runtime.clock import (
    NS_PER_S,
    BackgroundTask,
    Clock,
    PeriodicCallback,
    RealTimeClock,
    SimClock,
)
from sdvkit.runtime.errors import (
    AppRuntimeError,
    AppStateError,
    ClockError,
    ManifestError,
    StaleInput,
    StaleInputError,
)
from sdvkit.runtime.manifest import DEFAULT_MAX_AGE_PERIODS, GROUND_TRUTH_PATHS, AppRole, Input, Manifest
from sdvkit.runtime.runner import AppRunner, RunnerState

__all__ = [
    "DEFAULT_MAX_AGE_PERIODS",
    "GROUND_TRUTH_PATHS",
    "NS_PER_S",
    "AppRole",
    "AppRunner",
    "AppRuntimeError",
    "AppState",
    "AppStateError",
    "BackgroundTask",
    "Clock",
    "ClockError",
    "Input",
    "Manifest",
    "ManifestError",
    "PeriodicCallback",
    "RealTimeClock",
    "RunnerState",
    "SimClock",
    "StaleInput",
    "StaleInputError",
    "UpdateHandler",
    "VehicleApp",
]
