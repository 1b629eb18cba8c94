"""Manifests: declarations, the permissions they grant, and the broker enforcing them."""

from __future__ import annotations

from typing import Any

import pytest

from sdvkit.runtime import (
    DEFAULT_MAX_AGE_PERIODS,
    AppRole,
    AppRunner,
    Input,
    Manifest,
    ManifestError,
    SimClock,
    VehicleApp,
)
from sdvkit.signals.access import Action
from sdvkit.signals.broker import Broker
from sdvkit.signals.catalogue import Catalogue
from sdvkit.signals.errors import AccessDeniedError


class Plant(VehicleApp):
    name = "plant"
    manifest = Manifest(writes=("Vehicle.Speed", "Vehicle.Controls"))

    def on_start(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.provide("Vehicle.Speed")
        self.provide_actuation(
            ["Vehicle.Controls.BrakeDemand", "Vehicle.Controls.Horn"], self.requests.extend
        )


class Controller(VehicleApp):
    name = "controller"
    manifest = Manifest(
        reads=(Input(path="Vehicle.Speed", rate_hz=100.0), "Vehicle.Cabin.DoorOpen"),
        writes=("Vehicle.Controls.BrakeDemand",),
    )


@pytest.fixture
def running(catalogue: Catalogue) -> tuple[Plant, Controller]:
    clock = SimClock()
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    plant = runner.add(Plant())
    controller = runner.add(Controller())
    runner.start()
    return plant, controller


# -- declarations -----------------------------------------------------------------------------


def test_input_default_max_age_is_a_few_periods() -> None:
    speed = Input(path="Vehicle.Speed", rate_hz=10.0)
    assert speed.period_s == pytest.approx(0.1)
    assert speed.stale_after_s == pytest.approx(DEFAULT_MAX_AGE_PERIODS * 0.1)
    assert Input(path="Vehicle.Speed", rate_hz=10.0, max_age_s=0.5).stale_after_s == 0.5


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"path": "Vehicle.Speed", "rate_hz": 0.0}, "rate_hz"),
        ({"path": "Vehicle.Speed", "rate_hz": -5.0}, "rate_hz"),
        ({"path": "Vehicle.Speed", "rate_hz": 10.0, "max_age_s": 0.0}, "max_age_s"),
        ({"path": "Vehicle..Speed", "rate_hz": 10.0}, "invalid input path"),
        ({"path": "", "rate_hz": 10.0}, "invalid input path"),
    ],
)
def test_bad_inputs_are_refused(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        Input(**arguments)


def test_input_and_manifest_are_frozen() -> None:
    speed = Input(path="Vehicle.Speed", rate_hz=10.0)
    with pytest.raises(AttributeError):
        speed.rate_hz = 20.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Input("Vehicle.Speed", 10.0)  # type: ignore[call-arg]


def test_a_path_declared_twice_is_refused() -> None:
    with pytest.raises(ManifestError, match="declared twice"):
        Manifest(reads=("Vehicle.Speed", Input(path="Vehicle.Speed", rate_hz=10.0)))
    with pytest.raises(ManifestError, match="declared twice"):
        Manifest(writes=("Vehicle.Speed", "Vehicle.Speed"))


def test_permissions_grant_reads_and_writes_only() -> None:
    manifest = Manifest(
        reads=(Input(path="Vehicle.Speed", rate_hz=10.0), "Vehicle.Cabin"),
        writes=("Vehicle.Controls.Horn",),
    )
    permissions = manifest.permissions()
    assert {str(scope) for scope in permissions.scopes} == {
        "read:Vehicle.Speed",
        "read:Vehicle.Cabin",
        "provide:Vehicle.Controls.Horn",
        "actuate:Vehicle.Controls.Horn",
    }
    assert permissions.can_read("Vehicle.Cabin.Temperature")  # a branch covers what is below it
    assert permissions.can_read("Vehicle.Controls.Horn")  # writes imply read
    assert permissions.can_actuate("Vehicle.Controls.Horn")
    assert not permissions.can_read("Vehicle.Controls.BrakeDemand")
    assert not permissions.can_provide("Vehicle.Speed")
    assert not permissions.allows(Action.CREATE, "Vehicle.Speed")
    assert manifest.read_paths == ("Vehicle.Speed", "Vehicle.Cabin")
    assert [item.path for item in manifest.rated_inputs] == ["Vehicle.Speed"]


def test_an_empty_manifest_grants_nothing() -> None:
    assert not Manifest().permissions().can_read("Vehicle.Speed")


def test_runner_refuses_paths_the_catalogue_lacks(catalogue: Catalogue) -> None:
    clock = SimClock()
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    with pytest.raises(ManifestError, match=r"Vehicle\.Sped is not in the catalogue"):
        runner.add(VehicleApp(name="typo", manifest=Manifest(reads=("Vehicle.Sped",))))
    with pytest.raises(ManifestError, match="is a branch"):
        runner.add(
            VehicleApp(
                name="rated-branch", manifest=Manifest(reads=(Input(path="Vehicle.Cabin", rate_hz=1.0),))
            )
        )


# -- the broker enforces the manifest ------------------------------------------------------------


def test_declared_operations_work(running: tuple[Plant, Controller]) -> None:
    plant, controller = running
    plant.publish({"Vehicle.Speed": 42.0})
    datapoint = controller.get("Vehicle.Speed")
    assert datapoint is not None
    assert datapoint.value == 42.0
    controller.actuate("Vehicle.Controls.BrakeDemand", 30.0)
    assert plant.requests == [("Vehicle.Controls.BrakeDemand", 30.0)]
    subscription = controller.subscribe("Vehicle.Speed", lambda updates: None)
    assert subscription.paths == ("Vehicle.Speed",)


def test_writes_outside_the_manifest_are_refused_by_the_broker(running: tuple[Plant, Controller]) -> None:
    plant, controller = running
    with pytest.raises(AccessDeniedError, match=r"'controller' may not provide Vehicle\.Cabin\.Temperature"):
        controller.publish({"Vehicle.Cabin.Temperature": 21.0})
    with pytest.raises(AccessDeniedError, match="actuate"):
        controller.actuate("Vehicle.Controls.Horn", True)
    with pytest.raises(AccessDeniedError, match="actuate"):
        controller.batch_actuate({"Vehicle.Controls.BrakeDemand": 10.0, "Vehicle.Controls.Horn": True})
    assert plant.requests == []  # all or nothing


def test_a_claimed_signal_cannot_be_published_by_another_app(running: tuple[Plant, Controller]) -> None:
    from sdvkit.signals.errors import AlreadyClaimedError

    _, controller = running
    with pytest.raises((AccessDeniedError, AlreadyClaimedError)):
        controller.publish({"Vehicle.Speed": 1.0})


def test_reads_and_claims_outside_the_manifest_are_refused(running: tuple[Plant, Controller]) -> None:
    _, controller = running
    with pytest.raises(AccessDeniedError, match="read"):
        controller.subscribe("Vehicle.Cabin.Temperature", lambda updates: None)
    with pytest.raises(AccessDeniedError, match="read"):
        controller.subscribe("Vehicle.Cabin", lambda updates: None)  # a branch expands to its leaves
    with pytest.raises(AccessDeniedError, match="read"):
        controller.get("Vehicle.Controls.Horn")
    with pytest.raises(AccessDeniedError, match="provide"):
        controller.provide("Vehicle.Cabin.DoorOpen")  # read-only in its manifest
    with pytest.raises(AccessDeniedError, match="provide"):
        controller.provide_actuation("Vehicle.Controls.Horn", lambda requests: None)


def test_a_branch_in_the_manifest_covers_its_leaves(catalogue: Catalogue) -> None:
    clock = SimClock()
    runner = AppRunner(Broker(catalogue, now_ns=clock.now_ns), clock)
    cabin = runner.add(VehicleApp(name="cabin", manifest=Manifest(writes=("Vehicle.Cabin",))))
    seen: list[str] = []
    runner.start()
    cabin.subscribe("Vehicle.Cabin", lambda updates: seen.extend(path for path, _ in updates))
    cabin.publish({"Vehicle.Cabin.Temperature": 20.5, "Vehicle.Cabin.DoorOpen": False})
    clock.advance()
    assert seen == ["Vehicle.Cabin.Temperature", "Vehicle.Cabin.DoorOpen"]


# -- ground truth is for the plant and test equipment only ------------------------------------


@pytest.mark.parametrize(
    "read",
    [
        "Vehicle.Sdvkit.GroundTruth.Object1.LongitudinalPosition",
        "Vehicle.Sdvkit.GroundTruth",
        "Vehicle.Sdvkit",
        "Vehicle",
        "Vehicle.*.GroundTruth",
        "Vehicle.Sdvkit.Simulation.RoadFriction",
    ],
)
def test_a_function_reading_ground_truth_is_refused(read: str) -> None:
    with pytest.raises(ManifestError, match=r"ground truth .*Vehicle\.ADAS\.Perception"):
        Manifest(reads=(read,))


def test_a_function_writing_ground_truth_is_refused() -> None:
    with pytest.raises(ManifestError, match=r"writes Vehicle\.Sdvkit\.GroundTruth\.ObjectCount"):
        Manifest(writes=("Vehicle.Sdvkit.GroundTruth.ObjectCount",))


def test_a_function_may_read_the_perception_branch_and_its_own_signals() -> None:
    manifest = Manifest(
        reads=("Vehicle.ADAS.Perception", "Vehicle.Sdvkit.Simulation.Time", "Vehicle.Speed"),
        writes=("Vehicle.ADAS.AEB.AccelerationRequest",),
    )
    assert manifest.role is AppRole.FUNCTION


@pytest.mark.parametrize("role", [AppRole.PLANT, AppRole.TEST_BENCH])
def test_the_plant_and_test_equipment_may_use_ground_truth(role: AppRole) -> None:
    manifest = Manifest(reads=("Vehicle.Sdvkit.GroundTruth",), role=role)
    assert manifest.read_paths == ("Vehicle.Sdvkit.GroundTruth",)
