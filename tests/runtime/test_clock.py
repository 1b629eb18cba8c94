"""The clocks: lock-step SimClock and asyncio RealTimeClock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from sdvkit.runtime import ClockError, RealTimeClock, SimClock

# -- SimClock -------------------------------------------------------------------------------------


def test_sim_clock_moves_only_when_asked() -> None:
    clock = SimClock(tick_s=0.01, start_ns=5)
    assert clock.now_ns() == 5
    clock.advance()
    assert clock.now_ns() == 10_000_005
    clock.advance(9)
    assert clock.ticks == 10
    assert clock.now_s == pytest.approx(0.1)


def test_callbacks_run_by_due_time_then_registration_order() -> None:
    clock = SimClock(tick_s=0.01)
    calls: list[tuple[int, str]] = []

    def record(name: str) -> Callable[[], None]:
        return lambda: calls.append((clock.ticks, name))

    for name, period_s in (("a", 0.02), ("b", 0.01), ("c", 0.02)):
        clock.call_every(period_s, record(name), name=name)
    clock.advance(4)
    assert calls == [(1, "b"), (2, "a"), (2, "b"), (2, "c"), (3, "b"), (4, "a"), (4, "b"), (4, "c")]


def test_a_period_off_the_tick_grid_fires_at_the_next_tick_and_keeps_its_phase() -> None:
    clock = SimClock(tick_s=0.01)
    fired_at_ms: list[int] = []
    clock.call_every(0.015, lambda: fired_at_ms.append(clock.now_ns() // 1_000_000))
    clock.advance(9)
    assert fired_at_ms == [20, 30, 50, 60, 80, 90]


def test_run_for_runs_whole_ticks_and_reports_them() -> None:
    clock = SimClock(tick_s=0.01)
    counted = clock.call_every(0.01, lambda: None)
    assert clock.run_for(10.0) == 1000
    assert clock.ticks == 1000
    assert counted.calls == 1000
    assert clock.now_ns() == 10_000_000_000
    assert clock.run_for(0.015) == 2  # rounded up to whole ticks
    assert clock.run_for(0) == 0


def test_cancelled_callbacks_stop() -> None:
    clock = SimClock(tick_s=0.01)
    calls: list[int] = []
    handle = clock.call_every(0.01, lambda: calls.append(clock.ticks))
    clock.advance(2)
    handle.cancel()
    handle.cancel()
    clock.advance(2)
    assert calls == [1, 2]


def test_sim_clock_refuses_what_it_cannot_honour() -> None:
    clock = SimClock(tick_s=0.01)
    with pytest.raises(ClockError, match=r"ticks every 0\.01 s"):
        clock.call_every(0.005, lambda: None)
    with pytest.raises(ClockError, match="longer than 0 s"):
        clock.call_every(0.0, lambda: None)
    with pytest.raises(ClockError, match="go back"):
        clock.advance(-1)
    with pytest.raises(ClockError, match="duration"):
        clock.run_for(-1.0)
    with pytest.raises(ClockError, match="tick"):
        SimClock(tick_s=0.0)


def test_a_callback_cannot_advance_its_own_clock() -> None:
    clock = SimClock(tick_s=0.01)
    clock.call_every(0.01, clock.advance)
    with pytest.raises(ClockError, match="from a callback"):
        clock.advance()


def test_a_failing_callback_propagates_and_the_clock_stays_usable() -> None:
    clock = SimClock(tick_s=0.01)
    calls: list[str] = []

    def fail_once() -> None:
        calls.append("fail")
        if len(calls) == 1:
            raise ZeroDivisionError("boom")

    clock.call_every(0.01, fail_once)
    clock.call_every(0.01, lambda: calls.append("after"))
    with pytest.raises(ZeroDivisionError, match="boom"):
        clock.run_for(1.0)
    assert clock.ticks == 1  # stopped at the tick that failed
    clock.advance()
    assert calls == ["fail", "after", "fail", "after"]  # the skipped one ran late, then order resumes


# -- RealTimeClock --------------------------------------------------------------------------------


def test_real_time_clock_reads_the_wall_clock() -> None:
    clock = RealTimeClock()
    assert abs(clock.now_ns() - time.time_ns()) < 1_000_000_000
    assert not clock.running


def test_real_time_periodic_callbacks_run_during_run_for() -> None:
    clock = RealTimeClock()
    handle = clock.call_every(0.01, lambda: None)
    asyncio.run(clock.run_for(0.15))
    assert handle.calls >= 3  # loose: the machine may be busy
    first = handle.calls
    asyncio.run(clock.run_for(0.05))  # a clock runs again, on a new loop
    assert handle.calls > first
    handle.cancel()
    after_cancel = handle.calls
    asyncio.run(clock.run_for(0.05))
    assert handle.calls == after_cancel


def test_real_time_failure_propagates_out_of_run_for() -> None:
    clock = RealTimeClock()

    def fail() -> None:
        raise ZeroDivisionError("boom")

    clock.call_every(0.01, fail)
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError, match="boom"):
        asyncio.run(clock.run_for(30.0))
    assert time.monotonic() - started < 10.0  # it stopped at the failure, not at the end


def test_real_time_background_tasks_and_their_failures() -> None:
    clock = RealTimeClock()
    ran: list[str] = []

    async def once() -> None:
        ran.append("once")

    async def fail_later() -> None:
        await asyncio.sleep(0.02)
        raise KeyError("lost")

    clock.add_task(once)
    clock.add_task(fail_later)
    with pytest.raises(KeyError, match="lost"):
        asyncio.run(clock.run_forever())
    assert ran == ["once"]


def test_real_time_clock_refuses_a_run_inside_a_run() -> None:
    clock = RealTimeClock()

    async def nested() -> None:
        await clock.run_for(0.01)

    clock.add_task(nested)
    with pytest.raises(ClockError, match="already running"):
        asyncio.run(clock.run_for(1.0))
