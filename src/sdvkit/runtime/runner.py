"""Runs apps on a broker and a clock: their lifecycle, their updates, their steps.

``AppRunner(broker, clock)``; ``add()`` the apps; ``start()``; drive the clock;
``stop()``. Each app gets its own broker client, built from its manifest's
permissions, and sees nothing else.

On a :class:`~sdvkit.runtime.clock.SimClock` the runner is one callback per
tick, so a run is the same every time:

1. every app's buffered subscription updates go to its handlers (apps in the
   order they were added, updates in buffer order);
2. every app whose step period is due runs ``step()``, in the same order.

Callbacks registered on the clock before ``start()`` run before it in each
tick (the plant and the sensors), and what the apps publish or actuate in a
tick reaches the other apps' handlers in the next one.

On a :class:`~sdvkit.runtime.clock.RealTimeClock` each app has an asyncio task
that sleeps until one of its subscriptions has updates (the subscription's
``on_ready`` callback wakes it) and then calls the handlers; ``step()`` runs
from the clock's periodic callbacks.

Errors of an app's code propagate out of the clock's ``advance``/``run_for``
with a note naming the app; the runner does not catch them.
"""

from __future__ import annotations

import asyncio
import functools
from enum import Enum
from typing import TypeVar

from sdvkit.runtime.app import AppState, VehicleApp
from sdvkit.runtime.clock import NS_PER_S, BackgroundTask, Clock, PeriodicCallback, RealTimeClock, SimClock
from sdvkit.runtime.errors import AppStateError, ClockError
from sdvkit.signals.broker import Broker

AppT = TypeVar("AppT", bound=VehicleApp)

CLOCK_SKEW_TOLERANCE_S = 0.05
"""How far the broker's clock and the runner's clock may read apart when the runner is built."""


class RunnerState(Enum):
    NEW = "new"
    RUNNING = "running"
    STOPPED = "stopped"


class _StepSchedule:
    __slots__ = ("app", "next_due_ns", "period_ns")

    def __init__(self, app: VehicleApp, period_ns: int, next_due_ns: int) -> None:
        self.app = app
        self.period_ns = period_ns
        self.next_due_ns = next_due_ns


def _check_step_fits_tick(app: VehicleApp, clock: SimClock) -> None:
    period_s = app.step_period_s
    if period_s is not None and round(period_s * NS_PER_S) < clock.tick_ns:
        raise ClockError(
            f"app {app.name!r} steps every {period_s:g} s, but the SimClock ticks every "
            f"{clock.tick_s:g} s: use a smaller tick or a longer step period"
        )


class AppRunner:
    """Starts apps on one broker and one clock, delivers their updates and calls their steps."""

    def __init__(self, broker: Broker, clock: Clock) -> None:
        if not isinstance(clock, (SimClock, RealTimeClock)):
            raise ClockError(f"AppRunner drives a SimClock or a RealTimeClock, not {type(clock).__name__}")
        skew_s = abs(broker.now_ns() - clock.now_ns()) / NS_PER_S
        if skew_s > CLOCK_SKEW_TOLERANCE_S:
            raise ClockError(
                f"the broker's clock reads {broker.now_ns() / NS_PER_S:.3f} s but the runner's clock "
                f"reads {clock.now_s:.3f} s: build the broker on the runner's clock, "
                "Broker(catalogue, now_ns=clock.now_ns), so that timestamps and freshness agree"
            )
        self.broker = broker
        self.clock = clock
        self._state = RunnerState.NEW
        self._apps: list[VehicleApp] = []
        self._scheduled: list[PeriodicCallback | BackgroundTask] = []
        self._step_schedules: list[_StepSchedule] = []

    def __repr__(self) -> str:
        return f"AppRunner({len(self._apps)} apps, {self._state.value}, {self.clock!r})"

    @property
    def state(self) -> RunnerState:
        return self._state

    @property
    def apps(self) -> tuple[VehicleApp, ...]:
        """The apps, in the order they were added (the order they are served in)."""
        return tuple(self._apps)

    def add(self, app: AppT) -> AppT:
        """Add an app (before ``start()``); its manifest is checked against the catalogue."""
        if self._state is not RunnerState.NEW:
            raise AppStateError(f"cannot add app {app.name!r}: the runner is {self._state.value}")
        if any(known is app for known in self._apps):
            raise AppStateError(f"app {app.name!r} was added twice")
        if any(known.name == app.name for known in self._apps):
            raise AppStateError(f"two apps are named {app.name!r}: names identify broker clients")
        if app.state is not AppState.NEW:
            raise AppStateError(f"app {app.name!r} is {app.state.value}: an app runs once, in one runner")
        app.manifest.check_against(self.broker.catalogue)
        clock = self.clock
        if isinstance(clock, SimClock):
            _check_step_fits_tick(app, clock)
        self._apps.append(app)
        return app

    def start(self) -> None:
        """Connect every app to the broker, call their ``on_start()`` and schedule them."""
        if self._state is not RunnerState.NEW:
            raise AppStateError(f"the runner is {self._state.value}: a runner starts once")
        self._state = RunnerState.RUNNING
        for app in self._apps:
            client = self.broker.connect(app.name, app.manifest.permissions())
            app._attach(client, self.clock)
            app._start()
        clock = self.clock
        if isinstance(clock, SimClock):
            now_ns = clock.now_ns()
            self._step_schedules = [
                _StepSchedule(app, period_ns, now_ns + period_ns)
                for app in self._apps
                if app.step_period_s is not None
                for period_ns in (round(app.step_period_s * NS_PER_S),)
            ]
            self._scheduled.append(clock.call_every(clock.tick_s, self._lockstep_tick, name="AppRunner tick"))
            return
        assert isinstance(clock, RealTimeClock)
        for app in self._apps:
            self._scheduled.append(
                clock.add_task(functools.partial(self._deliver_when_ready, app), name=f"{app.name}: updates")
            )
            if app.step_period_s is not None:
                step = clock.call_every(app.step_period_s, app._run_step, name=f"{app.name}: step")
                self._scheduled.append(step)

    def stop(self) -> None:
        """Unschedule the apps, call their ``on_stop()`` (last added first) and disconnect them.

        Every app is stopped even if one fails; the failure is raised afterwards.
        """
        if self._state is RunnerState.STOPPED:
            return
        self._state = RunnerState.STOPPED
        for handle in self._scheduled:
            handle.cancel()
        self._scheduled.clear()
        self._step_schedules.clear()
        failures: list[Exception] = []
        for app in reversed(self._apps):
            try:
                app._stop()
            except Exception as error:
                failures.append(error)
        if len(failures) == 1:
            raise failures[0]
        if failures:
            raise ExceptionGroup("several apps failed to stop", failures)

    def __enter__(self) -> AppRunner:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- SimClock: one deterministic callback per tick --------------------------------------

    def _lockstep_tick(self) -> None:
        for app in self._apps:
            app._deliver_pending()
        now_ns = self.clock.now_ns()
        for schedule in self._step_schedules:
            if schedule.next_due_ns <= now_ns:
                schedule.next_due_ns += schedule.period_ns
                schedule.app._run_step()

    # -- RealTimeClock: a task per app, woken by its subscriptions ----------------------------

    async def _deliver_when_ready(self, app: VehicleApp) -> None:
        ready = asyncio.Event()
        app._set_wake(ready.set)
        try:
            while True:
                await ready.wait()
                ready.clear()
                app._deliver_pending()
        finally:
            app._set_wake(None)
