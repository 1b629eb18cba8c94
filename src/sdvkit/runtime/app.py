"""Vehicle apps: functions that run on the broker, each behind its manifest.

An app declares what it reads and writes (:class:`~sdvkit.runtime.manifest.Manifest`)
and gets a broker client with exactly those permissions, so anything outside
the manifest is refused by the broker itself. It reaches other apps only
through signals. The same app class runs unchanged on the lock-step
:class:`~sdvkit.runtime.clock.SimClock` and on the asyncio
:class:`~sdvkit.runtime.clock.RealTimeClock`; the
:class:`~sdvkit.runtime.runner.AppRunner` drives it.

A fixed-rate function is one ``step()``: sample, check its inputs are fresh,
decide, actuate or publish. Event-driven work goes in subscription handlers::

    class BrakeAssist(VehicleApp):
        name = "brake-assist"
        manifest = Manifest(
            reads=(Input(path="Vehicle.Speed", rate_hz=100.0),),
            writes=("Vehicle.ADAS.EBA.BrakeDemand",),
        )
        step_period_s = 0.1

        def step(self) -> None:
            self.require_fresh_inputs()  # raises StaleInputError naming what is stale
            speed = self.get("Vehicle.Speed")
            ...
            self.actuate("Vehicle.ADAS.EBA.BrakeDemand", demand_percent)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any

from sdvkit.runtime.clock import NS_PER_S, Clock, seconds_to_ns
from sdvkit.runtime.errors import AppStateError, StaleInput, StaleInputError
from sdvkit.runtime.manifest import Manifest
from sdvkit.signals.broker import DEFAULT_BUFFER_SIZE, ActuationHandler, BrokerClient
from sdvkit.signals.subscription import Datapoint, Subscription, Update

_log = logging.getLogger(__name__)

UpdateHandler = Callable[[list[Update]], None]
"""Receives one subscription's buffered updates, oldest first, as ``(path, datapoint)`` pairs."""


class AppState(Enum):
    """Where an app is in its lifecycle."""

    NEW = "new"
    RUNNING = "running"
    STOPPED = "stopped"


class _Subscribed:
    """One subscription of an app and the handler its updates go to."""

    __slots__ = ("dropped_seen", "handler", "subscription")

    def __init__(self, subscription: Subscription, handler: UpdateHandler) -> None:
        self.subscription = subscription
        self.handler = handler
        self.dropped_seen = 0


def _as_paths(paths: str | Sequence[str]) -> list[str]:
    return [paths] if isinstance(paths, str) else list(paths)


class VehicleApp:
    """Base class of every vehicle function.

    Set ``name``, ``manifest`` and (for a fixed-rate loop) ``step_period_s`` as
    class attributes, or pass them to the constructor. Override the hooks:
    ``on_start()`` (subscribe, claim signals), ``step()`` (called every
    ``step_period_s``), ``on_stop()``. A subclass that defines ``__init__``
    must call ``super().__init__()``.
    """

    name: str = ""
    manifest: Manifest = Manifest()
    step_period_s: float | None = None

    def __init__(
        self,
        *,
        name: str | None = None,
        manifest: Manifest | None = None,
        step_period_s: float | None = None,
    ) -> None:
        if name is not None:
            self.name = name
        elif not self.name:
            self.name = type(self).__name__
        if manifest is not None:
            self.manifest = manifest
        if step_period_s is not None:
            self.step_period_s = step_period_s
        if self.step_period_s is not None:
            seconds_to_ns(self.step_period_s, what=f"the step period of app {self.name!r}")
        self.step_count = 0
        """How many times ``step()`` has been called."""
        self._state = AppState.NEW
        self._client: BrokerClient | None = None
        self._clock: Clock | None = None
        self._subscribed: list[_Subscribed] = []
        self._wake: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self._state.value})"

    # -- hooks to override -----------------------------------------------------------------

    def on_start(self) -> None:
        """Called once when the runner starts the app: subscribe and claim signals here."""

    def step(self) -> None:
        """Called every ``step_period_s`` (never, if it is None): sample, check, decide, act."""

    def on_stop(self) -> None:
        """Called once when the runner stops the app, while it can still reach the broker."""

    def on_updates_dropped(self, paths: tuple[str, ...], count: int) -> None:
        """Called when a subscription's buffer overflowed and ``count`` updates were lost.

        ``dropped_updates`` counts them as well. The default logs a warning;
        override it to raise, or to flag a degraded state.
        """
        _log.warning(
            "app %r lost %d updates of %s: its subscription buffer overflowed before delivery",
            self.name,
            count,
            ", ".join(paths),
        )

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self) -> AppState:
        return self._state

    @property
    def dropped_updates(self) -> int:
        """Updates lost because a subscription buffer overflowed, over all subscriptions."""
        return sum(entry.subscription.dropped for entry in self._subscribed)

    def now_ns(self) -> int:
        """The runner's clock, in nanoseconds (broker timestamps use the same clock)."""
        if self._clock is None:
            raise AppStateError(f"app {self.name!r} has no clock until a runner starts it")
        return self._clock.now_ns()

    @property
    def now_s(self) -> float:
        return self.now_ns() / NS_PER_S

    # -- the broker, through this app's client only --------------------------------------------

    def get(self, path: str) -> Datapoint | None:
        """The current datapoint of a signal, or None if it has no value yet."""
        return self._running_client().get(path)

    def get_many(self, paths: Sequence[str]) -> list[Datapoint | None]:
        """Current datapoints of several signals, in order (None where there is no value yet)."""
        return self._running_client().get_many(paths)

    def subscribe(
        self,
        paths: str | Sequence[str],
        handler: UpdateHandler,
        *,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
    ) -> Subscription:
        """Pass updates of ``paths`` (leaves or branches) to ``handler``, current values first.

        Updates are buffered and delivered by the runner: on SimClock once per
        tick, before the apps step; on RealTimeClock as soon as the event loop
        gets to them. Close the returned subscription to stop.
        """
        client = self._running_client()
        subscription = client.subscribe(
            _as_paths(paths), buffer_size=buffer_size, on_ready=self._on_subscription_ready
        )
        self._subscribed.append(_Subscribed(subscription, handler))
        return subscription

    def provide(self, paths: str | Sequence[str]) -> None:
        """Claim signals, so that this app alone publishes their values."""
        self._running_client().provide(_as_paths(paths))

    def provide_actuation(self, paths: str | Sequence[str], handler: ActuationHandler) -> None:
        """Claim actuators: actuation requests for ``paths`` are passed to ``handler``.

        The broker calls it synchronously, from inside the requester's ``actuate()``;
        each call may name its own handler.
        """
        claimed = _as_paths(paths)
        where = f"raised by app {self.name!r} in its actuation handler for {', '.join(claimed)}"

        def handle(requests: list[tuple[str, Any]]) -> None:
            try:
                handler(requests)
            except Exception as error:
                error.add_note(where)
                raise

        self._running_client().provide_actuation(claimed, handle)

    def publish(self, values: Mapping[str, Any]) -> None:
        """Publish values atomically: all with one timestamp, or none if one is refused."""
        self._running_client().publish(values)

    def actuate(self, path: str, value: Any) -> None:
        """Ask the provider of an actuator to move it to ``value``."""
        self._running_client().actuate(path, value)

    def batch_actuate(self, values: Mapping[str, Any]) -> None:
        """Actuate several actuators at once, all or nothing."""
        self._running_client().batch_actuate(values)

    # -- freshness of the declared rated inputs ---------------------------------------------

    def input_age_s(self, path: str) -> float | None:
        """How old the current value of ``path`` is, or None if it has none."""
        datapoint = self.get(path)
        if datapoint is None:
            return None
        return (self.now_ns() - datapoint.timestamp_ns) / NS_PER_S

    def stale_input_details(self) -> list[StaleInput]:
        """The declared rated inputs that are older than their max age, or never arrived."""
        rated = self.manifest.rated_inputs
        if not rated:
            return []
        datapoints = self._running_client().get_many([item.path for item in rated])
        now_ns = self.now_ns()
        stale: list[StaleInput] = []
        for item, datapoint in zip(rated, datapoints, strict=True):
            if datapoint is None:
                stale.append(StaleInput(path=item.path, age_s=None, max_age_s=item.stale_after_s))
                continue
            age_ns = now_ns - datapoint.timestamp_ns
            if age_ns > item.stale_after_ns:
                age_s = age_ns / NS_PER_S
                stale.append(StaleInput(path=item.path, age_s=age_s, max_age_s=item.stale_after_s))
        return stale

    def stale_inputs(self) -> list[str]:
        """The paths of the stale rated inputs, in manifest order."""
        return [item.path for item in self.stale_input_details()]

    def inputs_fresh(self) -> bool:
        """True when every declared rated input is younger than its max age."""
        return not self.stale_input_details()

    def require_fresh_inputs(self) -> None:
        """Raise StaleInputError, naming the stale inputs and their ages, unless all are fresh."""
        stale = self.stale_input_details()
        if stale:
            raise StaleInputError(self.name, stale)

    # -- driven by the runner ----------------------------------------------------------------

    def _running_client(self) -> BrokerClient:
        client = self._client
        if client is None or self._state is not AppState.RUNNING:
            raise AppStateError(
                f"app {self.name!r} is {self._state.value}: it reaches the broker only while a runner "
                "runs it (from on_start() to on_stop())"
            )
        return client

    def _attach(self, client: BrokerClient, clock: Clock) -> None:
        if self._state is not AppState.NEW or self._client is not None:
            raise AppStateError(f"app {self.name!r} is {self._state.value}: an app runs once, in one runner")
        self._client = client
        self._clock = clock

    def _start(self) -> None:
        self._state = AppState.RUNNING
        try:
            self.on_start()
        except Exception as error:
            error.add_note(f"raised by app {self.name!r} in on_start()")
            raise

    def _stop(self) -> None:
        was_running = self._state is AppState.RUNNING
        try:
            if was_running:
                self.on_stop()
        except Exception as error:
            error.add_note(f"raised by app {self.name!r} in on_stop()")
            raise
        finally:
            self._state = AppState.STOPPED
            self._wake = None
            if self._client is not None:
                self._client.close()

    def _run_step(self) -> None:
        self.step_count += 1
        try:
            self.step()
        except Exception as error:
            error.add_note(f"raised by app {self.name!r} in step() at t = {self.now_s:.3f} s")
            raise

    def _has_pending(self) -> bool:
        return any(len(entry.subscription) for entry in self._subscribed)

    def _deliver_pending(self) -> None:
        """Pass every buffered update to its handler: subscriptions in order, updates in order."""
        for entry in self._subscribed[:]:  # a handler may subscribe again
            subscription = entry.subscription
            if subscription.closed or not len(subscription):
                continue
            updates = subscription.drain()
            if subscription.dropped != entry.dropped_seen:
                newly_dropped = subscription.dropped - entry.dropped_seen
                entry.dropped_seen = subscription.dropped
                self.on_updates_dropped(subscription.paths, newly_dropped)
            try:
                entry.handler(updates)
            except Exception as error:
                error.add_note(
                    f"raised by app {self.name!r} in its handler for {', '.join(subscription.paths)}"
                )
                raise

    def _set_wake(self, wake: Callable[[], None] | None) -> None:
        """Event-driven delivery: ``wake`` is called when a subscription has updates."""
        self._wake = wake
        if wake is not None and self._has_pending():
            wake()

    def _on_subscription_ready(self) -> None:
        wake = self._wake
        if wake is not None:
            wake()
