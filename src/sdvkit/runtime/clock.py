"""Clocks: the time apps run on.

:class:`Clock` is the one interface: ``now_ns()``, ``now_s`` and
``call_every(period_s, callback)``. Build the broker on the same clock, so that
datapoint timestamps follow it: ``Broker(catalogue, now_ns=clock.now_ns)``.

- :class:`SimClock` is a deterministic lock-step clock with no threads and no
  asyncio: time moves only when ``advance()`` or ``run_for()`` is called, one
  tick at a time, and in each tick the callbacks that are due run in a fixed
  order (due time, then registration order). It runs as fast as the callbacks
  allow, which is far faster than real time.
- :class:`RealTimeClock` runs on asyncio: ``await clock.run_for(seconds)`` or
  ``await clock.run_forever()``; periodic callbacks and background tasks run on
  the event loop, and ``now_ns()`` reads the wall clock.

An exception raised by a callback is never swallowed: it propagates out of
``SimClock.advance`` / ``run_for``, or out of ``RealTimeClock.run_for`` /
``run_forever`` (which stop at the first failure).
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import Any

from sdvkit.runtime.errors import ClockError

NS_PER_S = 1_000_000_000

Callback = Callable[[], None]
TaskFactory = Callable[[], Coroutine[Any, Any, None]]
"""Makes the coroutine of a background task (called again at the start of every run)."""


def seconds_to_ns(seconds: float, *, what: str) -> int:
    """A positive duration in whole nanoseconds; ClockError naming ``what`` otherwise."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        raise ClockError(f"{what} must be a finite number of seconds, not {seconds!r}")
    nanoseconds = round(seconds * NS_PER_S)
    if nanoseconds <= 0:
        raise ClockError(f"{what} must be longer than 0 s, not {seconds!r}")
    return nanoseconds


def _callback_name(callback: Callable[..., Any]) -> str:
    return getattr(callback, "__qualname__", None) or repr(callback)


class PeriodicCallback:
    """The handle of a callback a clock calls every ``period_ns``."""

    __slots__ = ("_on_cancel", "callback", "calls", "cancelled", "missed_deadlines", "name", "period_ns")

    def __init__(self, *, name: str, period_ns: int, callback: Callback) -> None:
        self.name = name
        self.period_ns = period_ns
        self.callback = callback
        self.calls = 0
        """How many times the callback has been called."""
        self.missed_deadlines = 0
        """Real time only: periods skipped because a call came too late (always 0 on SimClock)."""
        self.cancelled = False
        self._on_cancel: Callback | None = None

    @property
    def period_s(self) -> float:
        return self.period_ns / NS_PER_S

    def cancel(self) -> None:
        """Stop calling the callback. Safe to call twice, or from the callback itself."""
        if not self.cancelled:
            self.cancelled = True
            if self._on_cancel is not None:
                self._on_cancel()

    def __repr__(self) -> str:
        return f"PeriodicCallback({self.name!r}, every {self.period_s:g} s, {self.calls} calls)"


class Clock(ABC):
    """The time apps run on, and the periodic callbacks that run on it."""

    @abstractmethod
    def now_ns(self) -> int:
        """The current time in nanoseconds (since sim start, or since the epoch in real time)."""

    @property
    def now_s(self) -> float:
        """The current time in seconds."""
        return self.now_ns() / NS_PER_S

    @abstractmethod
    def call_every(self, period_s: float, callback: Callback, *, name: str = "") -> PeriodicCallback:
        """Call ``callback`` every ``period_s``, first one period from now."""


class SimClock(Clock):
    """Deterministic lock-step time: it moves only in whole ticks, when asked.

    In each tick the clock first moves ``now`` forward by ``tick_s``, then calls
    every callback that is due, ordered by due time, then by registration. A
    period that is not a multiple of the tick fires at the first tick at or
    after its due time, and keeps its phase. A period shorter than a tick is
    refused: lock-step time cannot honour it.

    If a callback raises, the exception propagates out of ``advance()``; the
    clock stays at the tick that failed, and the callbacks of that tick that
    had not run yet run at the next tick.
    """

    def __init__(self, *, tick_s: float = 0.01, start_ns: int = 0) -> None:
        self._tick_ns = seconds_to_ns(tick_s, what="SimClock tick")
        self._now_ns = start_ns
        self._ticks = 0
        self._queue: list[tuple[int, int, PeriodicCallback]] = []
        self._registration = itertools.count()
        self._advancing = False

    def __repr__(self) -> str:
        return f"SimClock(tick {self.tick_s:g} s, at {self.now_s:.3f} s, {self._ticks} ticks)"

    @property
    def tick_s(self) -> float:
        return self._tick_ns / NS_PER_S

    @property
    def tick_ns(self) -> int:
        return self._tick_ns

    @property
    def ticks(self) -> int:
        """How many ticks this clock has run."""
        return self._ticks

    def now_ns(self) -> int:
        return self._now_ns

    def call_every(self, period_s: float, callback: Callback, *, name: str = "") -> PeriodicCallback:
        label = name or _callback_name(callback)
        period_ns = seconds_to_ns(period_s, what=f"the period of {label}")
        if period_ns < self._tick_ns:
            raise ClockError(
                f"{label} asks to run every {period_s:g} s, but this SimClock ticks every "
                f"{self.tick_s:g} s: use a smaller tick or a longer period"
            )
        handle = PeriodicCallback(name=label, period_ns=period_ns, callback=callback)
        heapq.heappush(self._queue, (self._now_ns + period_ns, next(self._registration), handle))
        return handle

    def advance(self, ticks: int = 1) -> None:
        """Run ``ticks`` ticks. Exceptions of callbacks propagate."""
        if ticks < 0:
            raise ClockError(f"a clock cannot go back: advance({ticks})")
        if self._advancing:
            raise ClockError("advance() was called from a callback of the same SimClock")
        self._advancing = True
        queue = self._queue
        push, pop = heapq.heappush, heapq.heappop
        try:
            for _ in range(ticks):
                self._now_ns += self._tick_ns
                self._ticks += 1
                now = self._now_ns
                while queue and queue[0][0] <= now:
                    due_ns, registration, handle = pop(queue)
                    if handle.cancelled:
                        continue
                    # Rescheduled before the call, so a callback that raises keeps its place.
                    push(queue, (due_ns + handle.period_ns, registration, handle))
                    handle.calls += 1
                    handle.callback()
        finally:
            self._advancing = False

    def run_for(self, duration_s: float) -> int:
        """Run whole ticks until at least ``duration_s`` has passed; return how many ran."""
        if isinstance(duration_s, bool) or not math.isfinite(duration_s) or duration_s < 0:
            raise ClockError(f"run_for needs a finite duration of 0 s or more, not {duration_s!r}")
        duration_ns = round(duration_s * NS_PER_S)
        ticks = -(-duration_ns // self._tick_ns)
        self.advance(ticks)
        return ticks


class BackgroundTask:
    """A coroutine that a RealTimeClock runs during each of its runs.

    It is started when a run begins (or at once, if the clock is running) and
    cancelled when the run ends; the next run starts it again from its factory.
    A task that returns normally is done and is not restarted.
    """

    __slots__ = ("_clock", "cancelled", "factory", "name", "task")

    def __init__(self, clock: RealTimeClock, name: str, factory: TaskFactory) -> None:
        self._clock = clock
        self.name = name
        self.factory = factory
        self.cancelled = False
        self.task: asyncio.Task[None] | None = None

    def cancel(self) -> None:
        """Stop the task and never start it again."""
        if not self.cancelled:
            self.cancelled = True
            self._clock._forget(self)
            if self.task is not None:
                self.task.cancel()

    def __repr__(self) -> str:
        return f"BackgroundTask({self.name!r})"


class RealTimeClock(Clock):
    """Wall-clock time on an asyncio event loop.

    Callbacks and tasks can be registered before the loop runs; they start when
    ``run_for`` or ``run_forever`` is awaited. Periodic callbacks keep their
    phase; a call that comes more than a period late skips the periods it
    missed and counts them in ``missed_deadlines`` rather than bunching calls.
    The first failure of a callback or task stops the run and is raised from
    ``run_for`` / ``run_forever`` (several at once: an ``ExceptionGroup``).
    """

    def __init__(self, *, wall_clock_ns: Callable[[], int] = time.time_ns) -> None:
        self._wall_clock_ns = wall_clock_ns
        self._jobs: list[BackgroundTask] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_on_fault: asyncio.Future[None] | None = None
        self._faults: list[BaseException] = []

    def __repr__(self) -> str:
        return f"RealTimeClock({'running' if self.running else 'idle'}, {len(self._jobs)} tasks)"

    def now_ns(self) -> int:
        return self._wall_clock_ns()

    @property
    def running(self) -> bool:
        return self._loop is not None

    def call_every(self, period_s: float, callback: Callback, *, name: str = "") -> PeriodicCallback:
        label = name or _callback_name(callback)
        handle = PeriodicCallback(
            name=label, period_ns=seconds_to_ns(period_s, what=f"the period of {label}"), callback=callback
        )
        job = self.add_task(functools.partial(self._repeat, handle), name=label)
        handle._on_cancel = job.cancel
        return handle

    def add_task(self, factory: TaskFactory, *, name: str = "") -> BackgroundTask:
        """Run ``factory()``'s coroutine during every run of this clock."""
        job = BackgroundTask(self, name or _callback_name(factory), factory)
        self._jobs.append(job)
        if self._loop is not None:
            self._start(job, self._loop)
        return job

    async def run_for(self, duration_s: float) -> None:
        """Run the callbacks and tasks for ``duration_s`` of real time."""
        if isinstance(duration_s, bool) or not math.isfinite(duration_s) or duration_s < 0:
            raise ClockError(f"run_for needs a finite duration of 0 s or more, not {duration_s!r}")
        await self._run(duration_s)

    async def run_forever(self) -> None:
        """Run until a callback or task fails (then raise it) or the caller is cancelled."""
        await self._run(None)

    # -- internals -------------------------------------------------------------------------

    async def _run(self, duration_s: float | None) -> None:
        if self._loop is not None:
            raise ClockError("this RealTimeClock is already running")
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._faults = []
        wake_on_fault: asyncio.Future[None] = loop.create_future()
        self._wake_on_fault = wake_on_fault
        try:
            for job in list(self._jobs):
                self._start(job, loop)
            if duration_s is None:
                await wake_on_fault
            else:
                await asyncio.wait((wake_on_fault,), timeout=duration_s)
        finally:
            tasks = [job.task for job in self._jobs if job.task is not None]
            for task in tasks:
                task.cancel()
            # Failures during cancellation reach _on_task_done, which records them.
            await asyncio.gather(*tasks, return_exceptions=True)
            if not wake_on_fault.done():
                wake_on_fault.cancel()
            self._loop = None
            self._wake_on_fault = None
        faults, self._faults = self._faults, []
        if len(faults) == 1:
            raise faults[0]
        if faults:
            raise BaseExceptionGroup("several tasks of the RealTimeClock failed", faults)

    def _start(self, job: BackgroundTask, loop: asyncio.AbstractEventLoop) -> None:
        task = loop.create_task(job.factory(), name=job.name)
        job.task = task
        task.add_done_callback(functools.partial(self._on_task_done, job))

    def _on_task_done(self, job: BackgroundTask, task: asyncio.Task[None]) -> None:
        if job.task is task:
            job.task = None
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            self._forget(job)  # it finished its work
            return
        self._faults.append(error)
        if self._wake_on_fault is not None and not self._wake_on_fault.done():
            self._wake_on_fault.set_result(None)

    def _forget(self, job: BackgroundTask) -> None:
        if job in self._jobs:
            self._jobs.remove(job)

    async def _repeat(self, handle: PeriodicCallback) -> None:
        loop = asyncio.get_running_loop()
        period_s = handle.period_s
        next_due_s = loop.time() + period_s
        while not handle.cancelled:
            await asyncio.sleep(max(0.0, next_due_s - loop.time()))
            handle.calls += 1
            handle.callback()
            next_due_s += period_s
            late_s = loop.time() - next_due_s
            if late_s >= 0:
                missed = int(late_s // period_s) + 1
                handle.missed_deadlines += missed
                next_due_s += missed * period_s
