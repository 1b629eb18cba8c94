"""The in-process broker: values, claims, subscriptions, actuation, targets, metadata, permissions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from sdvkit.signals import (
    AccessDeniedError,
    AlreadyClaimedError,
    Broker,
    BrokerClient,
    Catalogue,
    ClientClosedError,
    Datapoint,
    NoProviderError,
    NotAnActuatorError,
    NotClaimedError,
    Permissions,
    UnknownSignalError,
    ValidationError,
)

SPEED = "Vehicle.Speed"
DISTANCE = "Vehicle.TraveledDistance"
GEAR = "Vehicle.Gear"
DRIVE_MODE = "Vehicle.DriveMode"
VIN = "Vehicle.VehicleIdentification.VIN"
SEAT1 = "Vehicle.Cabin.Seat.Row1.DriverSide.Position"
SEAT2 = "Vehicle.Cabin.Seat.Row2.DriverSide.Position"
OCCUPIED1 = "Vehicle.Cabin.Seat.Row1.DriverSide.IsOccupied"
TRUNK = "Vehicle.Body.Trunk.IsOpen"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
CELLS = "Vehicle.Powertrain.TractionBattery.CellVoltages"
COLORS = "Vehicle.Cabin.Lights.AmbientColors"


class Clock:
    """A broker clock that moves only when told."""

    def __init__(self, start_ns: int = 1_000) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now

    def advance(self, ns: int = 1_000) -> None:
        self.now += ns


class Recorder:
    """An actuation handler that records each call's ``(path, value)`` list."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, Any]]] = []

    def __call__(self, requests: list[tuple[str, Any]]) -> None:
        self.calls.append(list(requests))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def broker(small_catalogue: Catalogue, clock: Clock) -> Broker:
    return Broker(small_catalogue, now_ns=clock)


def values(updates: list[tuple[str, Datapoint]]) -> list[tuple[str, Any]]:
    return [(path, datapoint.value) for path, datapoint in updates]


# -- reading ------------------------------------------------------------------------------------


def test_no_value_before_publish(broker: Broker) -> None:
    client = broker.connect("reader")
    assert client.get(SPEED) is None
    assert client.get_many([SPEED, GEAR]) == [None, None]


def test_get_after_publish(broker: Broker, clock: Clock) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 42.5})
    reader = broker.connect("reader")
    assert reader.get(SPEED) == Datapoint(42.5, clock.now)
    assert reader.get(SPEED) == (42.5, 1_000)


def test_get_many_in_request_order(broker: Broker) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 10.0, GEAR: 2})
    datapoints = provider.get_many([GEAR, DISTANCE, SPEED])
    assert [d.value if d else None for d in datapoints] == [2, None, 10.0]


def test_get_by_id(broker: Broker) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 10.0})
    speed_id = broker.signal_id(SPEED)
    assert broker.path_of(speed_id) == SPEED
    assert broker.spec(speed_id).path == SPEED
    got = provider.get(speed_id)
    assert got is not None
    assert got.value == 10.0
    ids = {broker.signal_id(spec.path) for spec in broker.catalogue.leaves()}
    assert len(ids) == len(broker.catalogue.leaves())


def test_unknown_path(broker: Broker) -> None:
    client = broker.connect("reader")
    with pytest.raises(UnknownSignalError, match=r"Vehicle\.Sped"):
        client.get("Vehicle.Sped")
    with pytest.raises(UnknownSignalError):
        client.get(10_000)
    # a branch holds no value
    with pytest.raises(UnknownSignalError):
        client.get("Vehicle.Cabin")
    with pytest.raises(UnknownSignalError):
        broker.signal_id("Vehicle.Sped")


def test_get_many_is_all_or_nothing(broker: Broker) -> None:
    client = broker.connect("reader")
    with pytest.raises(UnknownSignalError) as info:
        client.get_many([SPEED, "Vehicle.Nope", GEAR])
    assert info.value.key == "Vehicle.Nope"


# -- publishing ---------------------------------------------------------------------------------


def test_publish_by_a_provider_that_claimed(broker: Broker, clock: Clock) -> None:
    provider = broker.connect("speedometer", strict_claims=True)
    ids = provider.provide([SPEED, GEAR])
    assert ids == [broker.signal_id(SPEED), broker.signal_id(GEAR)]
    assert broker.provider_of(SPEED) == "speedometer"
    assert broker.provider_of(DISTANCE) is None
    assert provider.publish({SPEED: 88.0, GEAR: 3}) == 2
    assert provider.get(SPEED) == Datapoint(88.0, clock.now)
    assert provider.get(GEAR) == Datapoint(3, clock.now)


def test_publish_forms(broker: Broker, clock: Clock) -> None:
    provider = broker.connect("provider")
    assert provider.publish([(SPEED, 1.0), (broker.signal_id(GEAR), 1)]) == 2
    provider.publish_value(DISTANCE, 12)
    distance = provider.get(DISTANCE)
    assert distance is not None
    assert distance.value == 12.0
    assert type(distance.value) is float


def test_publish_validates(broker: Broker) -> None:
    provider = broker.connect("provider")
    with pytest.raises(ValidationError) as info:
        provider.publish_value(SPEED, 300.0)
    assert (info.value.path, info.value.rule) == (SPEED, "max")
    with pytest.raises(ValidationError):
        provider.publish_value(GEAR, 2.0)
    with pytest.raises(ValidationError):
        provider.publish_value(DRIVE_MODE, "TURBO")
    with pytest.raises(ValidationError):
        provider.publish_value(VIN, "not a vin")
    assert provider.get_many([SPEED, GEAR, DRIVE_MODE, VIN]) == [None] * 4


def test_publish_is_atomic(broker: Broker) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 10.0, GEAR: 1})
    subscriber = broker.connect("subscriber")
    subscription = subscriber.subscribe([SPEED, GEAR, SOC])
    subscription.drain()
    with pytest.raises(ValidationError):
        provider.publish({SPEED: 20.0, SOC: 50.0, GEAR: 99})
    assert provider.get(SPEED) == Datapoint(10.0, 1_000)
    assert provider.get(SOC) is None
    assert provider.get(GEAR) == Datapoint(1, 1_000)
    assert subscription.drain() == []
    with pytest.raises(UnknownSignalError):
        provider.publish([(SPEED, 30.0), ("Vehicle.Nope", 1)])
    assert provider.get(SPEED) == Datapoint(10.0, 1_000)
    assert len(subscription) == 0


def test_publish_datapoints_is_atomic(broker: Broker) -> None:
    provider = broker.connect("provider")
    with pytest.raises(ValidationError):
        provider.publish_datapoints([(SPEED, 20.0, 5), (GEAR, "x", 6)])
    assert provider.get(SPEED) is None


def test_every_datapoint_has_a_timestamp(broker: Broker, clock: Clock) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 1.0, GEAR: 1})
    first = provider.get_many([SPEED, GEAR])
    assert [d.timestamp_ns if d else None for d in first] == [1_000, 1_000]
    clock.advance(500)
    provider.publish_value(SPEED, 2.0)
    assert provider.get(SPEED) == Datapoint(2.0, 1_500)
    assert provider.get(GEAR) == Datapoint(1, 1_000)


def test_given_timestamps(broker: Broker, clock: Clock) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 1.0}, timestamp_ns=77)
    assert provider.get(SPEED) == Datapoint(1.0, 77)
    provider.publish_value(GEAR, 4, timestamp_ns=88)
    assert provider.get(GEAR) == Datapoint(4, 88)
    assert provider.publish_datapoints([(SPEED, 2.0, 99), (DISTANCE, 3.0, None)]) == 2
    assert provider.get(SPEED) == Datapoint(2.0, 99)
    assert provider.get(DISTANCE) == Datapoint(3.0, clock.now)


def test_default_clock_is_wall_time(small_catalogue: Catalogue) -> None:
    import time

    broker = Broker(small_catalogue)
    before = time.time_ns()
    broker.connect("provider").publish_value(SPEED, 1.0)
    after = time.time_ns()
    datapoint = broker.connect("reader").get(SPEED)
    assert datapoint is not None
    assert before <= datapoint.timestamp_ns <= after


def test_second_provider_cannot_claim(broker: Broker) -> None:
    first = broker.connect("first")
    second = broker.connect("second")
    first.provide([SPEED])
    first.provide([SPEED])  # claiming again is harmless
    with pytest.raises(AlreadyClaimedError, match="first") as info:
        second.provide([GEAR, SPEED])
    assert info.value.path == SPEED
    assert info.value.holder == "first"
    # all or nothing: GEAR was not claimed either
    assert broker.provider_of(GEAR) is None
    assert broker.provider_of(SPEED) == "first"


def test_publishing_a_signal_claimed_by_another(broker: Broker) -> None:
    first = broker.connect("first")
    second = broker.connect("second")
    first.provide([SPEED])
    with pytest.raises(AlreadyClaimedError):
        second.publish_value(SPEED, 1.0)
    assert second.get(SPEED) is None


def test_strict_clients_must_claim_first(broker: Broker) -> None:
    strict = broker.connect("strict", strict_claims=True)
    with pytest.raises(NotClaimedError, match=r"Vehicle\.Speed"):
        strict.publish_value(SPEED, 1.0)
    strict.provide([SPEED])
    with pytest.raises(NotClaimedError, match=r"Vehicle\.Gear"):
        strict.publish({SPEED: 2.0, GEAR: 1})
    assert strict.get(SPEED) is None
    strict.publish_value(SPEED, 3.0)
    got = strict.get(SPEED)
    assert got is not None
    assert got.value == 3.0


def test_lenient_clients_publish_unclaimed_signals(broker: Broker) -> None:
    lenient = broker.connect("lenient")
    lenient.publish_value(SPEED, 1.0)
    got = lenient.get(SPEED)
    assert got is not None
    assert got.value == 1.0
    assert broker.provider_of(SPEED) is None


# -- subscriptions ------------------------------------------------------------------------------


def test_subscribe_delivers_current_values_first(broker: Broker, clock: Clock) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 10.0, SOC: 80.0})
    subscription = broker.connect("subscriber").subscribe([SPEED, GEAR, SOC])
    assert subscription.drain() == [(SPEED, Datapoint(10.0, 1_000)), (SOC, Datapoint(80.0, 1_000))]
    clock.advance()
    provider.publish_value(GEAR, 2)
    provider.publish({SPEED: 11.0, SOC: 79.5})
    provider.publish_value(SPEED, 12.0)
    provider.publish_value(DISTANCE, 5.0)  # not subscribed
    assert values(subscription.drain()) == [(GEAR, 2), (SPEED, 11.0), (SOC, 79.5), (SPEED, 12.0)]
    assert subscription.drain() == []
    assert subscription.dropped == 0


def test_subscription_updates_carry_timestamps(broker: Broker, clock: Clock) -> None:
    provider = broker.connect("provider")
    subscription = broker.connect("subscriber").subscribe([SPEED])
    provider.publish_value(SPEED, 1.0)
    clock.advance(250)
    provider.publish_value(SPEED, 2.0)
    assert subscription.drain() == [(SPEED, Datapoint(1.0, 1_000)), (SPEED, Datapoint(2.0, 1_250))]


def test_subscribe_by_id_and_duplicates(broker: Broker) -> None:
    provider = broker.connect("provider")
    subscription = broker.connect("subscriber").subscribe([broker.signal_id(SPEED), SPEED])
    assert subscription.paths == (SPEED,)
    provider.publish_value(SPEED, 3.0)
    assert values(subscription.drain()) == [(SPEED, 3.0)]


def test_subscribe_unknown_signal(broker: Broker) -> None:
    client = broker.connect("subscriber")
    with pytest.raises(UnknownSignalError):
        client.subscribe([SPEED, "Vehicle.Nope"])
    provider = broker.connect("provider")
    provider.publish_value(SPEED, 1.0)  # nobody half-subscribed gets it
    assert client._subscriptions == []


def test_bounded_buffer_drops_the_oldest(broker: Broker) -> None:
    provider = broker.connect("provider")
    subscription = broker.connect("subscriber").subscribe([SPEED], buffer_size=3)
    for value in range(1, 8):
        provider.publish_value(SPEED, float(value))
    assert len(subscription) == 3
    assert subscription.dropped == 4
    assert values(subscription.drain()) == [(SPEED, 5.0), (SPEED, 6.0), (SPEED, 7.0)]
    provider.publish_value(SPEED, 8.0)
    assert values(subscription.drain()) == [(SPEED, 8.0)]
    assert subscription.dropped == 4


def test_bounded_buffer_with_a_large_batch(broker: Broker) -> None:
    provider = broker.connect("provider")
    subscription = broker.connect("subscriber").subscribe([SPEED, GEAR, SOC], buffer_size=3)
    provider.publish_value(DISTANCE, 1.0)
    provider.publish({SPEED: 1.0, GEAR: 1})
    provider.publish({SPEED: 2.0, GEAR: 2, SOC: 3.0})
    assert subscription.dropped == 2
    assert values(subscription.drain()) == [(SPEED, 2.0), (GEAR, 2), (SOC, 3.0)]


def test_buffer_holds_one_update_per_signal(broker: Broker) -> None:
    provider = broker.connect("provider")
    provider.publish({SPEED: 1.0, GEAR: 1, SOC: 3.0})
    subscription = broker.connect("subscriber").subscribe([SPEED, GEAR, SOC], buffer_size=1)
    assert subscription.capacity >= 3
    assert values(subscription.drain()) == [(SPEED, 1.0), (GEAR, 1), (SOC, 3.0)]
    assert subscription.dropped == 0


def test_drain_at_most(broker: Broker) -> None:
    provider = broker.connect("provider")
    subscription = broker.connect("subscriber").subscribe([SPEED])
    for value in (1.0, 2.0, 3.0):
        provider.publish_value(SPEED, value)
    assert values(subscription.drain(2)) == [(SPEED, 1.0), (SPEED, 2.0)]
    assert values(subscription.drain(2)) == [(SPEED, 3.0)]


def test_on_ready_when_the_buffer_fills(broker: Broker) -> None:
    provider = broker.connect("provider")
    woken: list[int] = []
    subscription = broker.connect("subscriber").subscribe([SPEED], on_ready=lambda: woken.append(1))
    assert woken == []  # no current value yet
    provider.publish_value(SPEED, 1.0)
    provider.publish_value(SPEED, 2.0)
    assert len(woken) == 1  # only on empty -> non-empty
    subscription.drain()
    provider.publish_value(SPEED, 3.0)
    assert len(woken) == 2


def test_closing_a_subscription_stops_delivery(broker: Broker) -> None:
    provider = broker.connect("provider")
    subscriber = broker.connect("subscriber")
    closed = subscriber.subscribe([SPEED, GEAR])
    kept = subscriber.subscribe([SPEED])
    provider.publish_value(SPEED, 1.0)
    closed.close()
    assert closed.closed
    provider.publish({SPEED: 2.0, GEAR: 2})
    assert values(closed.drain()) == [(SPEED, 1.0)]
    assert values(kept.drain()) == [(SPEED, 1.0), (SPEED, 2.0)]
    closed.close()  # twice is harmless
    assert subscriber._subscriptions == [kept]


def test_array_values_arrive_as_tuples(broker: Broker) -> None:
    provider = broker.connect("provider")
    subscription = broker.connect("subscriber").subscribe([CELLS])
    provider.publish_value(CELLS, [3.7, 4])
    assert values(subscription.drain()) == [(CELLS, (3.7, 4.0))]


# -- actuation ----------------------------------------------------------------------------------


def test_actuate_is_routed_to_the_provider(broker: Broker) -> None:
    seats = Recorder()
    gearbox = Recorder()
    broker.connect("seats").provide_actuation([SEAT1, SEAT2], seats)
    broker.connect("gearbox").provide_actuation([GEAR], gearbox)
    assert broker.actuation_provider_of(SEAT1) == "seats"
    assert broker.actuation_provider_of(TRUNK) is None
    app = broker.connect("app")
    app.actuate(SEAT2, 500)
    app.actuate(GEAR, -1)
    assert seats.calls == [[(SEAT2, 500)]]
    assert gearbox.calls == [[(GEAR, -1)]]


def test_actuate_validates(broker: Broker) -> None:
    seats = Recorder()
    broker.connect("seats").provide_actuation([SEAT1], seats)
    app = broker.connect("app")
    with pytest.raises(ValidationError) as info:
        app.actuate(SEAT1, 1001)
    assert info.value.rule == "max"
    with pytest.raises(ValidationError):
        app.actuate(SEAT1, "up")
    assert seats.calls == []


def test_actuate_without_a_provider(broker: Broker) -> None:
    app = broker.connect("app")
    with pytest.raises(NoProviderError, match=r"Vehicle\.Body\.Trunk\.IsOpen"):
        app.actuate(TRUNK, True)


def test_actuating_a_sensor_or_attribute(broker: Broker) -> None:
    app = broker.connect("app")
    with pytest.raises(NotAnActuatorError, match="sensor"):
        app.actuate(SPEED, 10.0)
    with pytest.raises(NotAnActuatorError, match="attribute"):
        app.actuate(VIN, "WVWZZZ1JZXW000001")
    with pytest.raises(UnknownSignalError):
        app.actuate("Vehicle.Cabin", 1)
    with pytest.raises(NotAnActuatorError):
        broker.connect("sensor provider").provide_actuation([SPEED], Recorder())


def test_second_actuation_provider_cannot_claim(broker: Broker) -> None:
    broker.connect("first").provide_actuation([SEAT1], Recorder())
    second = Recorder()
    with pytest.raises(AlreadyClaimedError, match="actuator"):
        broker.connect("second").provide_actuation([SEAT2, SEAT1], second)
    assert broker.actuation_provider_of(SEAT2) is None
    with pytest.raises(NoProviderError):
        broker.connect("app").actuate(SEAT2, 1)


def test_each_claim_keeps_its_handler(broker: Broker) -> None:
    seats = Recorder()
    trunk = Recorder()
    provider = broker.connect("body")
    provider.provide_actuation([SEAT1], seats)
    provider.provide_actuation([TRUNK], trunk)
    app = broker.connect("app")
    app.actuate(SEAT1, 10)
    app.actuate(TRUNK, True)
    assert seats.calls == [[(SEAT1, 10)]]
    assert trunk.calls == [[(TRUNK, True)]]


def test_batch_actuate(broker: Broker) -> None:
    seats = Recorder()
    gearbox = Recorder()
    broker.connect("seats").provide_actuation([SEAT1, SEAT2], seats)
    broker.connect("gearbox").provide_actuation([GEAR, DRIVE_MODE], gearbox)
    broker.connect("app").batch_actuate({SEAT1: 1, GEAR: 2, SEAT2: 3, DRIVE_MODE: "ECO"})
    # each provider gets its share of the batch in one call, in request order
    assert seats.calls == [[(SEAT1, 1), (SEAT2, 3)]]
    assert gearbox.calls == [[(GEAR, 2), (DRIVE_MODE, "ECO")]]


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ((GEAR, 42), ValidationError),
        ((SPEED, 1.0), NotAnActuatorError),
        ((TRUNK, True), NoProviderError),
        (("Vehicle.Nope", 1), UnknownSignalError),
    ],
)
def test_batch_actuate_is_atomic(broker: Broker, bad: tuple[str, Any], error: type[Exception]) -> None:
    seats = Recorder()
    gearbox = Recorder()
    broker.connect("seats").provide_actuation([SEAT1, SEAT2], seats)
    broker.connect("gearbox").provide_actuation([GEAR], gearbox)
    watcher = broker.connect("watcher").subscribe([SEAT1, GEAR], targets=True)
    app = broker.connect("app")
    with pytest.raises(error):
        app.batch_actuate([(SEAT1, 1), (GEAR, 2), bad, (SEAT2, 3)])
    assert seats.calls == []
    assert gearbox.calls == []
    assert watcher.drain() == []
    assert app.get_target(SEAT1) is None


def test_set_targets_without_a_provider(broker: Broker, clock: Clock) -> None:
    app = broker.connect("app")
    app.set_targets({TRUNK: True, SEAT1: 300})
    assert app.get_target(TRUNK) == Datapoint(True, clock.now)
    assert app.get_target(SEAT1) == Datapoint(300, clock.now)
    assert app.get_target(SEAT2) is None
    # a target is not the current value
    assert app.get(TRUNK) is None


def test_set_targets_forwards_to_the_provider(broker: Broker) -> None:
    trunk = Recorder()
    broker.connect("trunk").provide_actuation([TRUNK], trunk)
    app = broker.connect("app")
    app.set_targets([(TRUNK, True), (SEAT1, 5)])
    assert trunk.calls == [[(TRUNK, True)]]
    target = app.get_target(TRUNK)
    assert target is not None
    assert target.value is True
    target = app.get_target(SEAT1)
    assert target is not None
    assert target.value == 5


def test_set_targets_checks(broker: Broker) -> None:
    app = broker.connect("app")
    with pytest.raises(NotAnActuatorError):
        app.set_targets({SPEED: 1.0})
    with pytest.raises(ValidationError):
        app.set_targets({TRUNK: True, SEAT1: -5})
    assert app.get_target(TRUNK) is None
    with pytest.raises(NotAnActuatorError):
        app.get_target(SPEED)


def test_target_subscriptions(broker: Broker, clock: Clock) -> None:
    app = broker.connect("app")
    app.set_targets({SEAT1: 100})
    watcher = broker.connect("watcher")
    targets = watcher.subscribe([SEAT1, SEAT2], targets=True)
    values_subscription = watcher.subscribe([SEAT1, SEAT2])
    assert targets.drain() == [(SEAT1, Datapoint(100, clock.now))]
    clock.advance()
    app.set_targets({SEAT2: 200, SEAT1: 150})
    assert targets.drain() == [(SEAT2, Datapoint(200, clock.now)), (SEAT1, Datapoint(150, clock.now))]
    # targets and current values are separate channels
    assert values_subscription.drain() == []
    broker.connect("seat ecu").publish_value(SEAT1, 150)
    assert targets.drain() == []
    assert values(values_subscription.drain()) == [(SEAT1, 150)]


def test_array_actuator(broker: Broker) -> None:
    lights = Recorder()
    broker.connect("lights").provide_actuation([COLORS], lights)
    broker.connect("app").actuate(COLORS, ["red", "blue"])
    assert lights.calls == [[(COLORS, ("red", "blue"))]]


# -- metadata -----------------------------------------------------------------------------------


def _meta(client: BrokerClient, pattern: str = "") -> list[str]:
    return [spec.path for spec in client.metadata(pattern)]


def test_metadata_listing(broker: Broker) -> None:
    client = broker.connect("reader")
    assert _meta(client) == [spec.path for spec in broker.catalogue.leaves()]
    assert _meta(client, SPEED) == [SPEED]
    assert _meta(client, "Vehicle.Cabin.Seat") == [SEAT1, OCCUPIED1, SEAT2, OCCUPIED1.replace("Row1", "Row2")]
    assert _meta(client, "Vehicle.Cabin.Seat.*.DriverSide.Position") == [SEAT1, SEAT2]
    assert _meta(client, "Vehicle.Nope") == []
    spec = client.metadata(SOC)[0]
    assert (spec.unit, spec.min, spec.max) == ("percent", 0, 100.0)
    assert broker.spec(SOC) is spec


def test_metadata_is_filtered_by_read_permission(broker: Broker) -> None:
    client = broker.connect("reader", Permissions.parse("read:Vehicle.Cabin.Seat.Row2 read:Vehicle.Speed"))
    assert _meta(client) == [SPEED, SEAT2, "Vehicle.Cabin.Seat.Row2.DriverSide.IsOccupied"]
    assert _meta(client, "Vehicle.Cabin") == [SEAT2, "Vehicle.Cabin.Seat.Row2.DriverSide.IsOccupied"]
    assert _meta(client, "Vehicle.Cabin.Seat.*.DriverSide.Position") == [SEAT2]
    assert _meta(client, GEAR) == []


# -- permissions --------------------------------------------------------------------------------


def test_read_only_client(broker: Broker) -> None:
    reader = broker.connect("reader", Permissions.parse("read"))
    with pytest.raises(AccessDeniedError) as info:
        reader.publish_value(SPEED, 1.0)
    assert (info.value.client, info.value.action, info.value.path) == ("reader", "provide", SPEED)
    with pytest.raises(AccessDeniedError, match="provide"):
        reader.provide([SPEED])
    broker.connect("seats").provide_actuation([SEAT1], Recorder())
    with pytest.raises(AccessDeniedError, match="actuate"):
        reader.actuate(SEAT1, 1)
    with pytest.raises(AccessDeniedError, match="actuate"):
        reader.set_targets({TRUNK: True})
    with pytest.raises(AccessDeniedError, match="provide"):
        reader.provide_actuation([TRUNK], Recorder())
    assert broker.provider_of(SPEED) is None
    assert broker.actuation_provider_of(TRUNK) is None
    assert reader.get(SPEED) is None
    assert reader.get_target(TRUNK) is None


def test_access_denied_is_a_permission_error(broker: Broker) -> None:
    reader = broker.connect("reader", Permissions.parse("read"))
    with pytest.raises(PermissionError):
        reader.publish_value(SPEED, 1.0)


def test_reading_needs_read_permission(broker: Broker) -> None:
    broker.connect("provider").publish({SPEED: 1.0, GEAR: 1})
    client = broker.connect("narrow", Permissions.parse("read:Vehicle.Speed"))
    got = client.get(SPEED)
    assert got is not None
    assert got.value == 1.0
    with pytest.raises(AccessDeniedError, match="read"):
        client.get(GEAR)
    with pytest.raises(AccessDeniedError):
        client.get_many([SPEED, GEAR])
    with pytest.raises(AccessDeniedError):
        client.subscribe([SPEED, GEAR])
    assert client._subscriptions == []
    with pytest.raises(AccessDeniedError):
        client.get_target(SEAT1)


def test_permissions_per_path(broker: Broker) -> None:
    seats = Recorder()
    broker.connect("seats").provide_actuation([SEAT1, SEAT2], seats)
    app = broker.connect("app", Permissions.parse("actuate:Vehicle.Cabin.Seat.Row2 provide:Vehicle.Speed"))
    app.actuate(SEAT2, 7)
    assert seats.calls == [[(SEAT2, 7)]]
    with pytest.raises(AccessDeniedError):
        app.actuate(SEAT1, 7)
    with pytest.raises(AccessDeniedError):
        app.batch_actuate({SEAT2: 8, SEAT1: 8})
    assert seats.calls == [[(SEAT2, 7)]]
    # provide:Vehicle.Speed lets it claim and publish that signal, and read it
    app.provide([SPEED])
    app.publish_value(SPEED, 5.0)
    with pytest.raises(AccessDeniedError):
        app.publish({SPEED: 6.0, GEAR: 1})
    got = app.get(SPEED)
    assert got is not None
    assert got.value == 5.0
    # actuate does not allow providing, provide does not allow actuating
    with pytest.raises(AccessDeniedError):
        app.provide([SEAT2])


def test_publish_atomic_on_permission(broker: Broker) -> None:
    client = broker.connect("client", Permissions.parse("provide:Vehicle.Speed"))
    with pytest.raises(AccessDeniedError):
        client.publish({SPEED: 1.0, GEAR: 2})
    assert client.get(SPEED) is None


# -- lifetime -----------------------------------------------------------------------------------


def test_close_releases_claims(broker: Broker) -> None:
    first = broker.connect("first", strict_claims=True)
    first.provide([SPEED])
    first.provide_actuation([SEAT1], Recorder())
    subscription = first.subscribe([SPEED])
    first.close()
    assert first.closed
    assert subscription.closed
    assert broker.provider_of(SPEED) is None
    assert broker.actuation_provider_of(SEAT1) is None
    with pytest.raises(NoProviderError):
        broker.connect("app").actuate(SEAT1, 1)

    second = broker.connect("second", strict_claims=True)
    second.provide([SPEED])
    seats = Recorder()
    second.provide_actuation([SEAT1], seats)
    second.publish_value(SPEED, 9.0)
    broker.connect("app").actuate(SEAT1, 2)
    assert seats.calls == [[(SEAT1, 2)]]
    assert subscription.drain() == []
    first.close()  # twice is harmless
    assert broker.provider_of(SPEED) == "second"


def test_close_keeps_values(broker: Broker) -> None:
    provider = broker.connect("provider")
    provider.provide([SPEED])
    provider.publish_value(SPEED, 4.0)
    provider.close()
    got = broker.connect("reader").get(SPEED)
    assert got is not None
    assert got.value == 4.0


def test_nan_is_refused_for_a_bounded_signal(broker: Broker) -> None:
    provider = broker.connect("provider")
    with pytest.raises(ValidationError):
        provider.publish_value(SPEED, math.nan)
    provider.publish_value(DISTANCE, math.nan)
    got = provider.get(DISTANCE)
    assert got is not None
    assert math.isnan(got.value)


class _Forwarder:
    """A provider stream: it claims in several requests, always with its bound method."""

    def __init__(self) -> None:
        self.batches: list[list[tuple[str, Any]]] = []

    def forward(self, requests: list[tuple[str, Any]]) -> None:
        self.batches.append(list(requests))


def test_one_handler_claiming_twice_gets_one_call_per_batch(broker: Broker) -> None:
    stream = _Forwarder()
    provider = broker.connect("stream")
    provider.provide_actuation([SEAT1], stream.forward)
    provider.provide_actuation([SEAT2], stream.forward)
    broker.connect("app").batch_actuate({SEAT2: 1, SEAT1: 2})
    assert stream.batches == [[(SEAT2, 1), (SEAT1, 2)]]


def test_unhashable_handler(broker: Broker) -> None:
    @dataclass
    class Handler:  # eq=True without frozen: instances cannot be hashed
        calls: list[list[tuple[str, Any]]] = field(default_factory=list)

        def __call__(self, requests: list[tuple[str, Any]]) -> None:
            self.calls.append(list(requests))

    handler = Handler()
    broker.connect("seats").provide_actuation([SEAT1, SEAT2], handler)
    broker.connect("app").batch_actuate({SEAT1: 1, SEAT2: 2})
    assert handler.calls == [[(SEAT1, 1), (SEAT2, 2)]]


# -- closed clients, permission order, branch subscriptions -----------------------------------


def test_a_closed_client_can_no_longer_act(small_catalogue: Catalogue) -> None:
    broker = Broker(small_catalogue)
    client = broker.connect("gone")
    client.provide(["Vehicle.Speed"])
    client.close()
    with pytest.raises(ClientClosedError, match="gone"):
        client.publish({"Vehicle.Speed": 1.0})
    with pytest.raises(ClientClosedError):
        client.get("Vehicle.Speed")
    with pytest.raises(ClientClosedError):
        client.subscribe(["Vehicle.Speed"])
    with pytest.raises(ClientClosedError):
        client.actuate("Vehicle.Gear", 1)
    with pytest.raises(ClientClosedError):
        client.provide(["Vehicle.Speed"])


def test_permission_is_checked_before_the_claim_is_revealed(small_catalogue: Catalogue) -> None:
    broker = Broker(small_catalogue)
    broker.connect("plant").provide(["Vehicle.Speed"])
    reader = broker.connect("reader", Permissions.parse("read"))
    with pytest.raises(AccessDeniedError):
        reader.publish({"Vehicle.Speed": 1.0})


def test_subscribing_to_a_branch_covers_every_leaf_below(small_catalogue: Catalogue) -> None:
    broker = Broker(small_catalogue)
    plant = broker.connect("plant")
    watcher = broker.connect("watcher")
    subscription = watcher.subscribe(["Vehicle.Cabin.Seat"])
    assert set(subscription.paths) == {
        f"Vehicle.Cabin.Seat.{row}.DriverSide.{leaf_name}"
        for row in ("Row1", "Row2")
        for leaf_name in ("Position", "IsOccupied")
    }
    plant.publish({"Vehicle.Cabin.Seat.Row2.DriverSide.IsOccupied": True})
    assert [path for path, _ in subscription.drain()] == ["Vehicle.Cabin.Seat.Row2.DriverSide.IsOccupied"]
    with pytest.raises(UnknownSignalError):
        watcher.subscribe(["Vehicle.Cabin.Nothing"])


def test_catalogue_defaults_are_the_initial_values() -> None:
    catalogue = Catalogue.from_tree(
        {
            "Vehicle": {
                "type": "branch",
                "description": "v",
                "children": {
                    "VersionMajor": {
                        "type": "attribute",
                        "datatype": "uint32",
                        "default": 6,
                        "description": "m",
                    },
                    "Speed": {"type": "sensor", "datatype": "float", "description": "s"},
                },
            }
        }
    )
    broker = Broker(catalogue, now_ns=lambda: 123)
    reader = broker.connect("reader")
    assert reader.get("Vehicle.VersionMajor") == Datapoint(6, 123)
    assert reader.get("Vehicle.Speed") is None
    subscription = reader.subscribe(["Vehicle.VersionMajor"])
    assert subscription.drain() == [("Vehicle.VersionMajor", Datapoint(6, 123))]


def test_actuation_permission_is_checked_before_the_node_type(small_catalogue: Catalogue) -> None:
    broker = Broker(small_catalogue)
    reader = broker.connect("reader", Permissions.parse("read"))
    with pytest.raises(AccessDeniedError):
        reader.actuate("Vehicle.Speed", 1.0)
