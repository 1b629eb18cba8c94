"""Run many points at once: a process pool, results in input order, progress as they finish.

A job is a :class:`~sdvkit.ncap.scenario.TestPoint` (its scenario is built in the worker by
:func:`~sdvkit.ncap.builders.build_scenario`) or any object with a ``point`` attribute and a
``build()`` method returning a :class:`~sdvkit.ncap.scenario.ScenarioSetup` (an OpenSCENARIO
importer's ``ScenarioRun``).

On Linux the workers are forked: they inherit the jobs, so jobs need not be picklable (only the
results travel back). Elsewhere they are spawned and the jobs are pickled to them.

A point whose run raises is not skipped and does not stop the others: its result is red, worth
nothing, and its ``notes`` carry the error; so does every point still unfinished if a worker
process dies.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, runtime_checkable

from sdvkit.ncap.errors import NcapError
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.runner import StackFactory, run_point
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint
from sdvkit.ncap.scoring import RED
from sdvkit.ncap.stack import vehicle_stack


@runtime_checkable
class ScenarioJob(Protocol):
    """A point with its own scenario (an OpenSCENARIO importer's ``ScenarioRun``)."""

    @property
    def point(self) -> TestPoint: ...

    def build(self) -> ScenarioSetup: ...


Job = TestPoint | ScenarioJob
ProgressCallback = Callable[[int, int, PointResult], None]
"""Called in the parent as each point finishes: (points done, total, its result)."""


class _Settings:
    """What every job of one :func:`run_many` call shares (inherited by forked workers)."""

    def __init__(self, jobs: Sequence[Job], stack: StackFactory | None, seed: int, record_hz: float) -> None:
        self.jobs = jobs
        self.stack = stack
        self.seed = seed
        self.record_hz = record_hz


_SETTINGS: _Settings | None = None


def _point_of(job: Job) -> TestPoint:
    return job if isinstance(job, TestPoint) else job.point


def failed_result(point: TestPoint, error: BaseException) -> PointResult:
    """A red result that carries the error a point's run raised (and where it was raised)."""
    notes = [f"error: {type(error).__name__}: {error}"]
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        frame = frames[-1]
        notes.append(f"raised at {frame.filename}:{frame.lineno} in {frame.name}")
    notes.extend(getattr(error, "__notes__", ()))
    return PointResult(
        point=point,
        impact=False,
        impact_speed_kph=0.0,
        fcw_ttc_s=None,
        aeb_activated=False,
        colour=RED,
        points=0.0,
        notes=tuple(notes),
    )


def run_job(
    job: Job, *, stack: StackFactory | None = vehicle_stack, seed: int = 0, record_hz: float = 20.0
) -> PointResult:
    """Run one job in this process; an exception becomes a red result naming it."""
    point = _point_of(job)
    try:
        setup = None if isinstance(job, TestPoint) else job.build()
        return run_point(point, setup, seed=seed, record_hz=record_hz, stack=stack)
    except Exception as error:  # reported in the point's result, never dropped
        return failed_result(point, error)


def _run_index(index: int) -> PointResult:
    settings = _SETTINGS
    assert settings is not None, "run_many() sets the jobs before the workers start"
    return run_job(
        settings.jobs[index], stack=settings.stack, seed=settings.seed, record_hz=settings.record_hz
    )


def _run_pickled(job: Job, stack: StackFactory | None, seed: int, record_hz: float) -> PointResult:
    return run_job(job, stack=stack, seed=seed, record_hz=record_hz)


def default_workers() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_many(
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    on_result: ProgressCallback | None = None,
    stack: StackFactory | None = vehicle_stack,
    seed: int = 0,
    record_hz: float = 20.0,
) -> list[PointResult]:
    """Run every job, ``workers`` at a time (default: the CPU count); results in input order."""
    global _SETTINGS
    jobs = list(jobs)
    for index, job in enumerate(jobs):
        if not isinstance(job, TestPoint) and not isinstance(job, ScenarioJob):
            raise NcapError(
                f"job {index} is a {type(job).__name__}, not a TestPoint or a job with point and build()"
            )
    count = workers if workers is not None else default_workers()
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise NcapError(f"workers must be a whole number >= 1, not {workers!r}")
    total = len(jobs)
    results: list[PointResult | None] = [None] * total
    done = 0

    def finished(index: int, result: PointResult) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if on_result is not None:
            on_result(done, total, result)

    if count == 1 or total <= 1:
        for index, job in enumerate(jobs):
            finished(index, run_job(job, stack=stack, seed=seed, record_hz=record_hz))
        return [result for result in results if result is not None]
    fork = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if fork else "spawn")
    previous = _SETTINGS
    _SETTINGS = _Settings(jobs, stack, seed, record_hz)
    try:
        with ProcessPoolExecutor(max_workers=min(count, total), mp_context=context) as pool:
            pending: dict[Future[PointResult], int] = {}
            for index, job in enumerate(jobs):
                future = (
                    pool.submit(_run_index, index)
                    if fork
                    else pool.submit(_run_pickled, job, stack, seed, record_hz)
                )
                pending[future] = index
            while pending:
                completed, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in completed:
                    index = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool as error:
                        result = failed_result(_point_of(jobs[index]), error)
                    finished(index, result)
    finally:
        _SETTINGS = previous
    return [result for result in results if result is not None]
