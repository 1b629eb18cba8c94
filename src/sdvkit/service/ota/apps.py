"""Vehicle apps delivered over the air: app packages, their slots, and loading them.

An app package is a zip with ``sdvkit-app.json`` and one Python module::

    sdvkit-app.json   {"name": "hello", "version": "1.2.0", "entry_point": "hello_app:HelloApp"}
    hello_app.py      class HelloApp(VehicleApp): name = "hello"; manifest = Manifest(...)

It is published to the image repository as kind ``app`` for the hardware id
``sdvkit-app.<name>``, and installed, like firmware, into the A/B slots of the vehicle's app
slot ``app.<name>``: only that slot accepts it. The slot's health check loads the app and
validates its manifest against the signal catalogue, so an update whose app cannot load rolls
back by itself. :func:`load_installed_app` is how the runtime gets the class.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdvkit.runtime import Manifest, ManifestError, VehicleApp
from sdvkit.service.ota.errors import AppPackageError, HealthCheckError, OtaInputError
from sdvkit.service.ota.identifiers import app_ecu_id, check_app_name, parse_version
from sdvkit.service.ota.primary import Primary
from sdvkit.service.ota.secondary import HealthCheck, InProcessSecondary
from sdvkit.service.ota.slots import SlotContent
from sdvkit.signals.catalogue import Catalogue

__all__ = [
    "APP_MANIFEST_FILE",
    "AppPackageManifest",
    "app_health_check",
    "build_app_package",
    "installed_app",
    "load_installed_app",
    "read_app_package",
]

APP_MANIFEST_FILE = "sdvkit-app.json"
MAX_PACKAGE_BYTES = 16 * 1024 * 1024
"""An app package larger than this, or one that unpacks to more, is refused."""
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True, kw_only=True, slots=True)
class AppPackageManifest:
    """``sdvkit-app.json``: which app, which version, where its VehicleApp class is."""

    name: str
    version: str
    module: str
    class_name: str

    @property
    def entry_point(self) -> str:
        return f"{self.module}:{self.class_name}"

    @classmethod
    def from_json(cls, data: bytes, *, what: str) -> AppPackageManifest:
        try:
            parsed: Any = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise AppPackageError(f"{what}: {APP_MANIFEST_FILE} is not JSON: {error}") from error
        if not isinstance(parsed, dict):
            raise AppPackageError(f"{what}: {APP_MANIFEST_FILE} must be a JSON object")
        missing = [key for key in ("name", "version", "entry_point") if not isinstance(parsed.get(key), str)]
        if missing:
            raise AppPackageError(f"{what}: {APP_MANIFEST_FILE} lacks {', '.join(missing)} (strings)")
        try:
            check_app_name(parsed["name"])
            parse_version(parsed["version"])
        except OtaInputError as error:
            raise AppPackageError(f"{what}: {error}") from error
        module, _, class_name = parsed["entry_point"].partition(":")
        if not _MODULE.match(module) or not _MODULE.match(class_name):
            raise AppPackageError(
                f"{what}: entry_point {parsed['entry_point']!r} must be 'module:Class' (a top-level module)"
            )
        return cls(name=parsed["name"], version=parsed["version"], module=module, class_name=class_name)

    def to_json(self) -> str:
        return json.dumps(
            {"name": self.name, "version": self.version, "entry_point": self.entry_point}, indent=2
        )


def build_app_package(
    destination: Path, *, name: str, version: str, entry_point: str, source: str
) -> AppPackageManifest:
    """Write an app package (a zip, byte-for-byte reproducible) with one module of ``source``."""
    manifest = AppPackageManifest.from_json(
        json.dumps({"name": name, "version": version, "entry_point": entry_point}).encode(),
        what=f"app package {destination}",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file_name, text in ((APP_MANIFEST_FILE, manifest.to_json()), (f"{manifest.module}.py", source)):
            info = zipfile.ZipInfo(file_name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    destination.write_bytes(buffer.getvalue())
    return manifest


def read_app_package(path: Path) -> tuple[AppPackageManifest, str]:
    """The manifest and module source of the package at ``path``; AppPackageError if malformed."""
    what = f"app package {path}"
    try:
        size = path.stat().st_size
    except OSError as error:
        raise AppPackageError(f"cannot read {what}: {error.strerror or error}") from error
    if size > MAX_PACKAGE_BYTES:
        raise AppPackageError(f"{what} is {size} bytes, more than the {MAX_PACKAGE_BYTES} allowed")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if APP_MANIFEST_FILE not in names:
                raise AppPackageError(f"{what} has no {APP_MANIFEST_FILE}")
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_PACKAGE_BYTES:
                raise AppPackageError(f"{what} unpacks to {unpacked} bytes, more than {MAX_PACKAGE_BYTES}")
            manifest = AppPackageManifest.from_json(archive.read(APP_MANIFEST_FILE), what=what)
            module_file = f"{manifest.module}.py"
            if module_file not in names:
                raise AppPackageError(
                    f"{what}: entry point {manifest.entry_point} needs {module_file}, not in the package"
                )
            source = archive.read(module_file).decode("utf-8")
    except (zipfile.BadZipFile, EOFError) as error:
        raise AppPackageError(f"{what} is not a zip archive: {error}") from error
    except UnicodeDecodeError as error:
        raise AppPackageError(f"{what}: the module is not UTF-8 text") from error
    except OSError as error:
        raise AppPackageError(f"cannot read {what}: {error.strerror or error}") from error
    return manifest, source


def load_installed_app(path: Path, *, catalogue: Catalogue | None = None) -> type[VehicleApp]:
    """The VehicleApp class of the app package at ``path`` (an installed slot file).

    The module is executed under a private name (the package's hash), so that two versions of
    one app never share a module. The class must be a VehicleApp subclass with a Manifest (which
    validates itself as it is built); with ``catalogue`` the manifest is also checked against it,
    as the runner would. Any failure is an AppPackageError that names the package.
    """
    manifest, source = read_app_package(path)
    what = f"app {manifest.name} {manifest.version} ({path})"
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    module_name = f"_sdvkit_ota_app_{manifest.name.replace('-', '_')}_{digest}"
    module = sys.modules.get(module_name)
    if module is None:
        module = types.ModuleType(module_name)
        module.__file__ = f"{path}/{manifest.module}.py"
        sys.modules[module_name] = module
        try:
            code = compile(source, module.__file__, "exec")
            exec(code, module.__dict__)
        except ManifestError as error:
            del sys.modules[module_name]
            raise AppPackageError(f"{what}: its manifest is invalid: {error}") from error
        except Exception as error:  # the package's own code failed as it loaded: the package is bad
            del sys.modules[module_name]
            raise AppPackageError(
                f"{what}: the module failed to load: {type(error).__name__}: {error}"
            ) from error
    app_class = getattr(module, manifest.class_name, None)
    if not isinstance(app_class, type) or not issubclass(app_class, VehicleApp):
        raise AppPackageError(f"{what}: {manifest.entry_point} is not a VehicleApp subclass")
    if not isinstance(app_class.manifest, Manifest):
        raise AppPackageError(f"{what}: {manifest.class_name}.manifest is not a Manifest")
    if app_class.name and app_class.name != manifest.name:
        raise AppPackageError(f"{what}: the class is named {app_class.name!r}, the package {manifest.name!r}")
    if catalogue is not None:
        try:
            app_class.manifest.check_against(catalogue)
        except ManifestError as error:
            raise AppPackageError(f"{what}: its manifest does not fit the catalogue: {error}") from error
    return app_class


def app_health_check(app_name: str, *, catalogue: Catalogue | None = None) -> HealthCheck:
    """The health check of app slot ``app.<app_name>``: the installed package loads, and is that app."""

    def check(slot_file: Path, content: SlotContent) -> None:
        try:
            load_installed_app(slot_file, catalogue=catalogue)
            manifest, _ = read_app_package(slot_file)
        except AppPackageError as error:
            raise HealthCheckError(str(error)) from error
        if manifest.name != app_name or manifest.version != content.version:
            raise HealthCheckError(
                f"slot of app {app_name} {content.version} holds {manifest.name} {manifest.version}"
            )

    return check


def installed_app(primary: Primary, app_name: str, *, catalogue: Catalogue | None = None) -> type[VehicleApp]:
    """The VehicleApp class of app ``app_name`` as the vehicle runs it (from its booted slot)."""
    secondary = primary.secondary(app_ecu_id(app_name))
    if not isinstance(secondary, InProcessSecondary):
        raise OtaInputError(f"app slot {secondary.ecu_id} is not on this machine: it cannot be loaded here")
    slot_file = secondary.running_slot_file()
    if slot_file is None:
        raise AppPackageError(f"app {app_name} is not installed on vehicle {primary.vin}")
    return load_installed_app(slot_file, catalogue=catalogue)
