"""Vehicle apps over the air: install, update, a broken update that rolls back, and the loader's checks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from tests.service.ota.conftest import Fleet

from sdvkit.runtime import AppRunner, SimClock, VehicleApp
from sdvkit.service.ota import (
    AppPackageError,
    UpdateResult,
    build_app_package,
    installed_app,
    load_installed_app,
)
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue

HELLO = '''
from sdvkit.runtime import Manifest, VehicleApp


class HelloApp(VehicleApp):
    """Greets the driver with the vehicle's speed."""

    name = "hello"
    manifest = Manifest(reads=("Vehicle.Speed",))
    GREETING = "{greeting}"

    def on_start(self) -> None:
        self.started_with = self.GREETING
'''

BROKEN_MANIFEST = """
from sdvkit.runtime import Manifest, VehicleApp


class HelloApp(VehicleApp):
    name = "hello"
    manifest = Manifest(reads=("Vehicle.Sdvkit.GroundTruth",))  # a vehicle function may not see the truth
"""


def hello(greeting: str) -> str:
    return HELLO.replace("{greeting}", greeting)


def test_an_app_is_installed_updated_and_rolled_back_over_the_air(fleet: Fleet) -> None:
    with pytest.raises(AppPackageError, match="not installed"):
        installed_app(fleet.vehicle(), "hello")

    fleet.app("1.0.0", hello("hello, v1"))
    fleet.assign("app.hello", "1.0.0")
    assert fleet.vehicle().apply().result is UpdateResult.SUCCESS
    first = installed_app(fleet.vehicle(), "hello", catalogue=builtin_catalogue())
    assert first.GREETING == "hello, v1"  # type: ignore[attr-defined]

    # The loaded class runs on the real runtime like any app.
    clock = SimClock(tick_s=0.1)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    app = first()
    runner = AppRunner(broker, clock)
    runner.add(app)
    runner.start()
    clock.advance()
    runner.stop()
    assert app.started_with == "hello, v1"  # type: ignore[attr-defined]

    fleet.app("2.0.0", hello("hello, v2"))
    fleet.assign("app.hello", "2.0.0")
    assert fleet.vehicle().apply().result is UpdateResult.SUCCESS
    second = installed_app(fleet.vehicle(), "hello")
    assert second.GREETING == "hello, v2"  # type: ignore[attr-defined]
    assert fleet.vehicle().installed()["app.hello"].booted_slot == "A"  # 1.0.0 went to B, 2.0.0 to A

    fleet.app("3.0.0", BROKEN_MANIFEST)
    fleet.assign("app.hello", "3.0.0")
    outcome = fleet.vehicle().apply()
    assert outcome.result is UpdateResult.ROLLED_BACK
    assert "ground truth" in outcome.error
    assert fleet.versions()["app.hello"] == "2.0.0"
    assert installed_app(fleet.vehicle(), "hello").GREETING == "hello, v2"  # type: ignore[attr-defined]
    assert fleet.director.status(fleet.vin).ecu("app.hello").installed_version == "2.0.0"


def _package(tmp_path: Path, source: str, **manifest: str) -> Path:
    path = tmp_path / "app.zip"
    fields = {"name": "hello", "version": "1.0.0", "entry_point": "hello_app:HelloApp"} | manifest
    build_app_package(path, source=source, **fields)
    return path


def test_the_loader_wants_a_vehicle_app_subclass(tmp_path: Path) -> None:
    path = _package(tmp_path, "class HelloApp:\n    pass\n")
    with pytest.raises(AppPackageError, match="hello_app:HelloApp is not a VehicleApp subclass"):
        load_installed_app(path)


def test_the_loader_checks_the_manifest_against_the_catalogue(tmp_path: Path) -> None:
    source = HELLO.replace("Vehicle.Speed", "Vehicle.NoSuchSignal").replace("{greeting}", "x")
    path = _package(tmp_path, source)
    assert issubclass(load_installed_app(path), VehicleApp)  # well formed on its own
    with pytest.raises(AppPackageError, match=r"Vehicle\.NoSuchSignal is not in the catalogue"):
        load_installed_app(path, catalogue=builtin_catalogue())


def test_the_loader_refuses_a_manifest_that_touches_ground_truth(tmp_path: Path) -> None:
    with pytest.raises(AppPackageError, match="its manifest is invalid"):
        load_installed_app(_package(tmp_path, BROKEN_MANIFEST))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("raise RuntimeError('boom')\n", "the module failed to load: RuntimeError: boom"),
        ("def broken(:\n", "SyntaxError"),
        (HELLO.replace('name = "hello"', 'name = "other"'), "the class is named 'other'"),
    ],
)
def test_the_loader_names_what_is_wrong_with_the_code(tmp_path: Path, source: str, message: str) -> None:
    with pytest.raises(AppPackageError, match=message):
        load_installed_app(_package(tmp_path, source))


def test_malformed_packages_are_refused(tmp_path: Path) -> None:
    not_a_zip = tmp_path / "x.zip"
    not_a_zip.write_bytes(b"PK but not really")
    with pytest.raises(AppPackageError, match="is not a zip archive"):
        load_installed_app(not_a_zip)
    no_manifest = tmp_path / "no-manifest.zip"
    with zipfile.ZipFile(no_manifest, "w") as archive:
        archive.writestr("hello_app.py", "")
    with pytest.raises(AppPackageError, match=r"has no sdvkit-app\.json"):
        load_installed_app(no_manifest)
    no_module = tmp_path / "no-module.zip"
    with zipfile.ZipFile(no_module, "w") as archive:
        archive.writestr(
            "sdvkit-app.json", '{"name": "hello", "version": "1.0", "entry_point": "missing:App"}'
        )
    with pytest.raises(AppPackageError, match=r"needs missing\.py"):
        load_installed_app(no_module)
    with pytest.raises(AppPackageError, match="entry_point 'no colon'"):
        build_app_package(
            tmp_path / "bad.zip", name="hello", version="1.0", entry_point="no colon", source=""
        )
    with pytest.raises(AppPackageError, match=r"version '1\.0-beta' is not valid"):
        build_app_package(
            tmp_path / "bad.zip", name="hello", version="1.0-beta", entry_point="a:B", source=""
        )
