"""The in-process signal broker.

The broker holds the current value of every leaf of a :class:`Catalogue` and
moves values between clients:

- providers claim signals and publish their values (atomically, in batches);
- subscribers get the current values first, then every update, in a bounded
  buffer that counts what it drops;
- actuation requests are checked and routed to the one provider that claimed
  the actuator.

Every value is checked against the catalogue, every datapoint carries a
timestamp, and every operation is checked against the client's permissions
(token scopes or app manifest). The broker is single-threaded by design: it is
owned by one event loop or one simulation loop, which keeps it fast and
deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sdvkit.signals.access import ALLOW_ALL, Permissions
from sdvkit.signals.catalogue import Catalogue, NodeSpec, NodeType
from sdvkit.signals.errors import (
    AccessDeniedError,
    AlreadyClaimedError,
    ClientClosedError,
    NoProviderError,
    NotAnActuatorError,
    NotClaimedError,
    UnknownSignalError,
)
from sdvkit.signals.subscription import Datapoint, Subscription, Update

SignalKey = str | int
"""A signal is addressed by its VSS path or by the numeric id the broker gave it."""

SignalValues = (
    Mapping[str, Any] | Mapping[int, Any] | Mapping[SignalKey, Any] | Iterable[tuple[SignalKey, Any]]
)
"""Values by signal: a mapping (keyed by paths, ids or both) or ``(key, value)`` pairs."""

ActuationHandler = Callable[[list[tuple[str, Any]]], None]
"""Receives a provider's share of one actuation batch as ``(path, value)`` pairs."""

DEFAULT_BUFFER_SIZE = 1024

_new_datapoint = tuple.__new__


class _Signal:
    """The broker's state for one leaf."""

    __slots__ = (
        "actuation_handler",
        "actuation_provider",
        "check",
        "current",
        "id",
        "path",
        "provider",
        "spec",
        "subscribers",
        "target",
        "target_subscribers",
    )

    def __init__(self, signal_id: int, spec: NodeSpec) -> None:
        assert spec.check is not None
        self.id = signal_id
        self.spec = spec
        self.path = spec.path
        self.check = spec.check
        self.current: Datapoint | None = None
        self.target: Datapoint | None = None
        self.provider: BrokerClient | None = None
        self.actuation_provider: BrokerClient | None = None
        self.actuation_handler: ActuationHandler | None = None
        self.subscribers: list[Subscription] = []
        self.target_subscribers: list[Subscription] = []


class Broker:
    """Signals of one catalogue, their values, providers and subscribers."""

    def __init__(self, catalogue: Catalogue, *, now_ns: Callable[[], int] = time.time_ns) -> None:
        self.catalogue = catalogue
        self.now_ns = now_ns
        self._signals: list[_Signal] = []
        self._by_key: dict[SignalKey, _Signal] = {}
        start_ns = now_ns()
        for index, spec in enumerate(catalogue.leaves(), start=1):
            signal = _Signal(index, spec)
            if spec.default is not None:  # a catalogue default is the value until a provider publishes
                signal.current = _new_datapoint(Datapoint, (spec.default, start_ns))
            self._signals.append(signal)
            self._by_key[spec.path] = signal
            self._by_key[index] = signal

    def connect(
        self, name: str, permissions: Permissions = ALLOW_ALL, *, strict_claims: bool = False
    ) -> BrokerClient:
        """A client handle. ``strict_claims``: the client may publish only what it claimed."""
        return BrokerClient(self, name, permissions, strict_claims=strict_claims)

    # -- lookups ---------------------------------------------------------------------------

    def _signal(self, key: SignalKey) -> _Signal:
        signal = self._by_key.get(key)
        if signal is None:
            raise UnknownSignalError(key)
        return signal

    def _leaves_of(self, key: SignalKey) -> list[_Signal]:
        """The leaf itself, or every leaf below a branch path."""
        signal = self._by_key.get(key)
        if signal is not None:
            return [signal]
        node = self.catalogue.get(key) if isinstance(key, str) else None
        if node is None or node.is_leaf:
            raise UnknownSignalError(key)
        return [self._by_key[spec.path] for spec in self.catalogue.match(node.path)]

    def signal_id(self, path: str) -> int:
        """The numeric id of a leaf (stable for this broker's lifetime)."""
        return self._signal(path).id

    def path_of(self, signal_id: int) -> str:
        return self._signal(signal_id).path

    def spec(self, key: SignalKey) -> NodeSpec:
        """The catalogue entry of a leaf, by path or id."""
        return self._signal(key).spec

    def provider_of(self, key: SignalKey) -> str | None:
        """The name of the client that provides this signal's values, if any."""
        provider = self._signal(key).provider
        return provider.name if provider else None

    def actuation_provider_of(self, key: SignalKey) -> str | None:
        provider = self._signal(key).actuation_provider
        return provider.name if provider else None

    # -- internal operations, called through BrokerClient ---------------------------------

    def _publish(
        self,
        client: BrokerClient,
        updates: Iterable[tuple[SignalKey, Any]],
        timestamp_ns: int | None,
    ) -> int:
        stamp = self.now_ns() if timestamp_ns is None else timestamp_ns
        by_key = self._by_key
        staged: list[tuple[_Signal, Any, int]] = []
        stage = staged.append
        for key, value in updates:  # the hot path: kept apart from _publish_datapoints for speed
            signal = by_key.get(key)
            if signal is None:
                raise UnknownSignalError(key)
            if signal.provider is not client:
                self._check_unclaimed_publish(client, signal)
            stage((signal, signal.check(value), stamp))
        self._apply(staged)
        return len(staged)

    def _publish_datapoints(
        self, client: BrokerClient, updates: Iterable[tuple[SignalKey, Any, int | None]]
    ) -> int:
        """Check every update, then apply them all (None as a timestamp: the broker's clock)."""
        by_key = self._by_key
        now = self.now_ns()
        staged: list[tuple[_Signal, Any, int]] = []
        stage = staged.append
        for key, value, timestamp_ns in updates:
            signal = by_key.get(key)
            if signal is None:
                raise UnknownSignalError(key)
            if signal.provider is not client:
                self._check_unclaimed_publish(client, signal)
            stage((signal, signal.check(value), now if timestamp_ns is None else timestamp_ns))
        self._apply(staged)
        return len(staged)

    def _check_unclaimed_publish(self, client: BrokerClient, signal: _Signal) -> None:
        if client.closed:
            raise ClientClosedError(client.name)
        if not client.permissions.can_provide(signal.path):
            raise AccessDeniedError(client.name, "provide", signal.path)
        holder = signal.provider
        if holder is not None:
            raise AlreadyClaimedError(signal.path, holder.name)
        if client.strict_claims:
            raise NotClaimedError(signal.path, client.name)

    @staticmethod
    def _apply(staged: list[tuple[_Signal, Any, int]]) -> None:
        """Make checked values current and deliver them: one batch per subscription, in order.

        The datapoints are made here, not while checking, which keeps the hot path fast.
        """
        per_subscriber: dict[Subscription, list[Update]] = {}
        get = per_subscriber.get
        for signal, value, timestamp_ns in staged:
            datapoint = _new_datapoint(Datapoint, (value, timestamp_ns))
            signal.current = datapoint
            for subscription in signal.subscribers:
                items = get(subscription)
                if items is None:
                    items = per_subscriber[subscription] = []
                items.append((signal.path, datapoint))
        for subscription, items in per_subscriber.items():
            subscription._push_many(items)

    def _stage_actuation(
        self,
        client: BrokerClient,
        requests: Iterable[tuple[SignalKey, Any]],
        *,
        need_provider: bool,
    ) -> list[tuple[_Signal, Any]]:
        staged: list[tuple[_Signal, Any]] = []
        for key, value in requests:
            signal = self._signal(key)
            if not client.permissions.can_actuate(signal.path):
                raise AccessDeniedError(client.name, "actuate", signal.path)
            if signal.spec.node_type is not NodeType.ACTUATOR:
                raise NotAnActuatorError(signal.path, signal.spec.node_type.value)
            checked = signal.check(value)
            if need_provider and signal.actuation_provider is None:
                raise NoProviderError(signal.path)
            staged.append((signal, checked))
        return staged

    def _actuate(
        self,
        client: BrokerClient,
        requests: Iterable[tuple[SignalKey, Any]],
        *,
        need_provider: bool,
    ) -> None:
        client._check_open()
        staged = self._stage_actuation(client, requests, need_provider=need_provider)
        now = self.now_ns()
        # one call per handler; compared with == so that bound methods and unhashable callables group
        batches: list[tuple[ActuationHandler, list[tuple[str, Any]]]] = []
        per_subscriber: dict[Subscription, list[Update]] = {}
        for signal, value in staged:
            datapoint = _new_datapoint(Datapoint, (value, now))
            signal.target = datapoint
            for subscription in signal.target_subscribers:
                per_subscriber.setdefault(subscription, []).append((signal.path, datapoint))
            handler = signal.actuation_handler
            if handler is not None:
                for known, items in batches:
                    if known == handler:
                        items.append((signal.path, value))
                        break
                else:
                    batches.append((handler, [(signal.path, value)]))
        for subscription, items in per_subscriber.items():
            subscription._push_many(items)
        for handler, share in batches:
            handler(share)

    def _subscribe(
        self,
        client: BrokerClient,
        keys: Sequence[SignalKey],
        *,
        buffer_size: int,
        targets: bool,
        on_ready: Callable[[], None] | None,
    ) -> Subscription:
        client._check_open()
        signals = [signal for key in keys for signal in self._leaves_of(key)]
        for signal in signals:
            if not client.permissions.can_read(signal.path):
                raise AccessDeniedError(client.name, "read", signal.path)
        unique = list(dict.fromkeys(signals))
        subscription = Subscription(
            client,
            tuple(signal.path for signal in unique),
            capacity=max(buffer_size, len(unique), 1),
            targets=targets,
            on_ready=on_ready,
        )
        initial: list[Update] = []
        for signal in unique:
            (signal.target_subscribers if targets else signal.subscribers).append(subscription)
            datapoint = signal.target if targets else signal.current
            if datapoint is not None:
                initial.append((signal.path, datapoint))
        if initial:
            subscription._push_many(initial)
        client._subscriptions.append(subscription)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        for path in subscription.paths:
            signal = self._by_key[path]
            holders = signal.target_subscribers if subscription.targets else signal.subscribers
            if subscription in holders:
                holders.remove(subscription)
        subscriptions = subscription.client._subscriptions
        if subscription in subscriptions:
            subscriptions.remove(subscription)

    def _disconnect(self, client: BrokerClient) -> None:
        for subscription in list(client._subscriptions):
            subscription.close()
        for signal in self._signals:
            if signal.provider is client:
                signal.provider = None
            if signal.actuation_provider is client:
                signal.actuation_provider = None
                signal.actuation_handler = None


class BrokerClient:
    """One client's view of the broker: its name, its permissions, its claims and subscriptions."""

    def __init__(self, broker: Broker, name: str, permissions: Permissions, *, strict_claims: bool) -> None:
        self.broker = broker
        self.name = name
        self.permissions = permissions
        self.strict_claims = strict_claims
        self.closed = False
        self._subscriptions: list[Subscription] = []

    def __repr__(self) -> str:
        return f"BrokerClient({self.name!r})"

    def _check_open(self) -> None:
        if self.closed:
            raise ClientClosedError(self.name)

    # -- reading ---------------------------------------------------------------------------

    def _readable(self, key: SignalKey) -> _Signal:
        self._check_open()
        signal = self.broker._signal(key)
        if not self.permissions.can_read(signal.path):
            raise AccessDeniedError(self.name, "read", signal.path)
        return signal

    def get(self, key: SignalKey) -> Datapoint | None:
        """The current datapoint of a signal, or None if it has no value yet."""
        return self._readable(key).current

    def get_many(self, keys: Iterable[SignalKey]) -> list[Datapoint | None]:
        """Current datapoints in request order; all or nothing if any key is unknown or denied."""
        signals = [self._readable(key) for key in keys]
        return [signal.current for signal in signals]

    def get_target(self, key: SignalKey) -> Datapoint | None:
        """The last requested value of an actuator (its target), or None."""
        signal = self._readable(key)
        if signal.spec.node_type is not NodeType.ACTUATOR:
            raise NotAnActuatorError(signal.path, signal.spec.node_type.value)
        return signal.target

    def metadata(self, pattern: str = "") -> list[NodeSpec]:
        """Readable leaves selected by a leaf path, a branch path or a ``*`` pattern."""
        return [spec for spec in self.broker.catalogue.match(pattern) if self.permissions.can_read(spec.path)]

    def subscribe(
        self,
        keys: Sequence[SignalKey],
        *,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
        targets: bool = False,
        on_ready: Callable[[], None] | None = None,
    ) -> Subscription:
        """Subscribe to current values (or, with ``targets``, to actuation targets).

        ``keys`` are leaf paths or ids, or branch paths (every leaf below). The
        buffer holds at least one update per signal; ``buffer_size`` sets more.
        The current values are buffered at once, so ``on_ready`` may be called
        before this method returns.
        """
        return self.broker._subscribe(self, keys, buffer_size=buffer_size, targets=targets, on_ready=on_ready)

    # -- providing -------------------------------------------------------------------------

    def provide(self, keys: Iterable[SignalKey]) -> list[int]:
        """Claim signals so that this client alone publishes them. Returns their ids."""
        self._check_open()
        signals = [self.broker._signal(key) for key in keys]
        for signal in signals:
            if not self.permissions.can_provide(signal.path):
                raise AccessDeniedError(self.name, "provide", signal.path)
            if signal.provider is not None and signal.provider is not self:
                raise AlreadyClaimedError(signal.path, signal.provider.name)
        for signal in signals:
            signal.provider = self
        return [signal.id for signal in signals]

    def provide_actuation(self, keys: Iterable[SignalKey], handler: ActuationHandler) -> list[int]:
        """Claim actuators: actuation requests for them are passed to ``handler``."""
        self._check_open()
        signals = [self.broker._signal(key) for key in keys]
        for signal in signals:
            if signal.spec.node_type is not NodeType.ACTUATOR:
                raise NotAnActuatorError(signal.path, signal.spec.node_type.value)
            if not self.permissions.can_provide(signal.path):
                raise AccessDeniedError(self.name, "provide", signal.path)
            holder = signal.actuation_provider
            if holder is not None and holder is not self:
                raise AlreadyClaimedError(signal.path, holder.name, what="actuator")
        for signal in signals:
            signal.actuation_provider = self
            signal.actuation_handler = handler
        return [signal.id for signal in signals]

    def publish(
        self,
        updates: SignalValues,
        *,
        timestamp_ns: int | None = None,
    ) -> int:
        """Publish values, all or nothing: one bad value and none is applied.

        All datapoints of one call share one timestamp (the broker's clock unless
        given). Returns how many updates were applied.
        """
        items = updates.items() if isinstance(updates, Mapping) else updates
        return self.broker._publish(self, items, timestamp_ns)

    def publish_value(self, key: SignalKey, value: Any, *, timestamp_ns: int | None = None) -> None:
        """Publish one value."""
        self.broker._publish(self, ((key, value),), timestamp_ns)

    def publish_datapoints(self, updates: Iterable[tuple[SignalKey, Any, int | None]]) -> int:
        """Publish ``(key, value, timestamp_ns)`` triples, all or nothing."""
        return self.broker._publish_datapoints(self, updates)

    # -- actuating -------------------------------------------------------------------------

    def actuate(self, key: SignalKey, value: Any) -> None:
        """Ask the provider of an actuator to move it to ``value``."""
        self.broker._actuate(self, ((key, value),), need_provider=True)

    def batch_actuate(self, requests: SignalValues) -> None:
        """Actuate several actuators at once, all or nothing."""
        items = requests.items() if isinstance(requests, Mapping) else requests
        self.broker._actuate(self, list(items), need_provider=True)

    def set_targets(self, requests: SignalValues) -> None:
        """Set target values (KUKSA v1): stored, and passed to the provider if one claimed them."""
        items = requests.items() if isinstance(requests, Mapping) else requests
        self.broker._actuate(self, list(items), need_provider=False)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release every claim and subscription of this client."""
        if not self.closed:
            self.closed = True
            self.broker._disconnect(self)
