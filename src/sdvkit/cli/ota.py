"""``sdvkit ota``: publish a release, assign it to a vehicle, check, apply, status.

Every subcommand works on the OTA directories under the data directory (``--data-dir``, else
``$SDVKIT_DATA_DIR``, else the user data directory), so the whole flow runs on one machine::

    sdvkit ota provision --vin WVWZZZ1JZ3W386752
    sdvkit ota publish --image fw.bin --ecu-hw SDVK-PT-HW2 --version 1.1.0
    sdvkit ota assign --vin WVWZZZ1JZ3W386752 --ecu Powertrain --version 1.1.0
    sdvkit ota check --vin WVWZZZ1JZ3W386752
    sdvkit ota apply --vin WVWZZZ1JZ3W386752
    sdvkit ota status --vin WVWZZZ1JZ3W386752

Exit status: 0 done; 1 the update was refused (REJECTED), failed, or rolled back; 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sdvkit.service.ota.apps import read_app_package
from sdvkit.service.ota.errors import (
    InstallError,
    OtaError,
    OtaInputError,
    RepositoryUnavailableError,
    UpdateRejectedError,
)
from sdvkit.service.ota.identifiers import app_hardware_id, check_vin
from sdvkit.service.ota.image_repository import ImageKind, Release
from sdvkit.service.ota.primary import UpdateOutcome, UpdateResult
from sdvkit.service.ota.vehicle import DEFAULT_HARDWARE_IDS
from sdvkit.service.ota.verification import UpdateCheck
from sdvkit.service.ota.workspace import OtaWorkspace
from sdvkit.storage import StorageError

PROGRAM = "sdvkit ota"


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ota",
        help="secure over-the-air updates: publish, assign, check, apply, status",
        description="Over-the-air updates secured with TUF and Uptane (a director and an image "
        "repository), installed into A/B slots with a health check and automatic rollback.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", metavar="DIR", help="the data directory (default: $SDVKIT_DATA_DIR or the user's)"
    )
    common.add_argument(
        "--repo",
        metavar="DIR",
        type=Path,
        help="the image repository (default: <data dir>/ota/image-repository)",
    )
    common.add_argument("--json", action="store_true", help="print one JSON object")
    commands = parser.add_subparsers(dest="ota_command", metavar="ACTION", required=True)

    provision = commands.add_parser(
        "provision", parents=[common], help="make a vehicle and register it with the director"
    )
    provision.add_argument("--vin", required=True)
    provision.add_argument(
        "--ecu",
        action="append",
        metavar="NAME=HWID",
        help="an ECU and its hardware id (repeat; default: the six ECUs of the simulated EV)",
    )
    provision.add_argument("--app", action="append", metavar="NAME", default=[], help="an app slot (repeat)")
    provision.set_defaults(func=_provision)

    publish = commands.add_parser(
        "publish", parents=[common], help="publish an image to the image repository"
    )
    source = publish.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", type=Path, metavar="FILE", help="a firmware image")
    source.add_argument(
        "--app-package", type=Path, metavar="FILE", help="an app package (zip with sdvkit-app.json)"
    )
    publish.add_argument("--ecu-hw", metavar="HWID", help="the hardware id the firmware is for")
    publish.add_argument(
        "--version", metavar="V", help="the firmware's version (an app package names its own)"
    )
    publish.set_defaults(func=_publish)

    assign = commands.add_parser("assign", parents=[common], help="tell a vehicle's ECU to install a version")
    assign.add_argument("--vin", required=True)
    assign.add_argument(
        "--ecu", required=True, metavar="ECU", help="an ECU id (e.g. Powertrain) or app.<name>"
    )
    assign.add_argument("--version", required=True, metavar="V")
    assign.set_defaults(func=_assign)

    for name, helptext, func in (
        ("check", "verify both repositories and list what would be installed", _check),
        ("apply", "download, verify, install, reboot, health-check, report", _apply),
        ("status", "what every ECU runs, and what the director assigned and recorded", _status),
    ):
        command = commands.add_parser(name, parents=[common], help=helptext)
        command.add_argument("--vin", required=True)
        command.set_defaults(func=func)


def _workspace(args: argparse.Namespace) -> OtaWorkspace:
    return OtaWorkspace(args.data_dir, image_repository_dir=args.repo)


def _fail(message: str, status: int) -> int:
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    return status


def _guarded(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the OTA errors into a message and an exit status: 1 refused or failed, 2 bad input."""

    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except (OtaInputError, StorageError) as error:
            return _fail(str(error), 2)
        except UpdateRejectedError as error:
            return _fail(f"update REJECTED, nothing installed: {error}", 1)
        except (RepositoryUnavailableError, InstallError) as error:
            return _fail(f"update FAILED: {error}", 1)
        except OtaError as error:
            return _fail(str(error), 1)

    return run


def _emit(args: argparse.Namespace, data: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(data))
    else:
        print("\n".join(lines))


@_guarded
def _provision(args: argparse.Namespace) -> int:
    vin = check_vin(args.vin)
    hardware_ids = dict(DEFAULT_HARDWARE_IDS)
    if args.ecu:
        hardware_ids = {}
        for item in args.ecu:
            name, separator, hardware_id = item.partition("=")
            if not separator:
                raise OtaInputError(f"--ecu {item!r}: write NAME=HWID, e.g. Powertrain=SDVK-PT-HW2")
            hardware_ids[name] = hardware_id
    config = _workspace(args).provision(vin, hardware_ids=hardware_ids, apps=args.app)
    ecus = [{"ecu": ecu.ecu_id, "hardware_id": ecu.hardware_id, "serial": ecu.serial} for ecu in config.ecus]
    lines = [f"provisioned vehicle {vin} with {len(ecus)} ECUs:"]
    lines += [f"  {ecu['ecu']:24s} {ecu['hardware_id']}" for ecu in ecus]
    _emit(args, {"vin": vin, "ecus": ecus}, lines)
    return 0


def _release_dict(release: Release) -> dict[str, Any]:
    return {
        "target": release.target_path,
        "hardware_id": release.hardware_id,
        "version": release.version,
        "kind": release.kind.value,
        "length": release.length,
        "sha256": release.sha256,
    }


@_guarded
def _publish(args: argparse.Namespace) -> int:
    repository = _workspace(args).image_repository()
    if args.app_package is not None:
        if args.ecu_hw is not None or args.version is not None:
            raise OtaInputError(
                "an app package names its app and version itself: drop --ecu-hw and --version"
            )
        manifest, _ = read_app_package(args.app_package)
        release = repository.publish(
            args.app_package,
            hardware_id=app_hardware_id(manifest.name),
            version=manifest.version,
            kind=ImageKind.APP,
            app_name=manifest.name,
        )
    else:
        if args.ecu_hw is None or args.version is None:
            raise OtaInputError("--image needs --ecu-hw HWID and --version V")
        release = repository.publish(args.image, hardware_id=args.ecu_hw, version=args.version)
    lines = [
        f"published {release.kind.value} {release.version} for {release.hardware_id}: {release.target_path} "
        f"({release.length} bytes, sha256 {release.sha256[:16]}…)"
    ]
    _emit(args, _release_dict(release), lines)
    return 0


@_guarded
def _assign(args: argparse.Namespace) -> int:
    with _workspace(args).director() as director:
        assignment = director.assign(check_vin(args.vin), args.ecu, args.version)
    lines = [
        f"assigned {assignment.version} to {assignment.ecu_id} of {assignment.vin} ({assignment.target_path})"
    ]
    _emit(
        args,
        {
            "vin": assignment.vin,
            "ecu": assignment.ecu_id,
            "version": assignment.version,
            "target": assignment.target_path,
        },
        lines,
    )
    return 0


def _check_dict(check: UpdateCheck) -> dict[str, Any]:
    return {
        "checked_at": check.checked_at,
        "director_targets_version": check.director_targets_version,
        "installs": [
            {
                "ecu": install.ecu_id,
                "from_version": install.from_version,
                "to_version": install.to_version,
                "target": install.target_path,
                "length": install.length,
            }
            for install in check.installs
        ],
        "up_to_date": list(check.up_to_date),
        "skipped": [{"ecu": ecu_id, "reason": reason} for ecu_id, reason in check.skipped],
    }


@_guarded
def _check(args: argparse.Namespace) -> int:
    workspace = _workspace(args)
    primary = workspace.vehicle(check_vin(args.vin))
    check = primary.check()
    lines = [
        f"vehicle {primary.vin}: director release v{check.director_targets_version}, "
        "verified against the image repository"
    ]
    if not check.installs:
        lines.append("  up to date: nothing to install")
    for install in check.installs:
        lines.append(
            f"  {install.ecu_id:24s} {install.from_version or '-'} -> {install.to_version}  "
            f"({install.length} bytes)"
        )
    for ecu_id, reason in check.skipped:
        lines.append(f"  {ecu_id:24s} skipped: {reason}")
    _emit(args, _check_dict(check), lines)
    return 0


def _outcome_dict(outcome: UpdateOutcome) -> dict[str, Any]:
    return {
        "result": outcome.result.value,
        "updated": list(outcome.updated),
        "rolled_back": list(outcome.rolled_back),
        "error": outcome.error,
        "versions": outcome.versions,
    }


@_guarded
def _apply(args: argparse.Namespace) -> int:
    workspace = _workspace(args)
    with workspace.director() as director:
        primary = workspace.vehicle(check_vin(args.vin), director)
        primary.boot()  # power-on: finish (or roll back) an install an earlier run left on trial
        outcome = primary.apply()
    lines = [f"vehicle {primary.vin}: {outcome.result.value}"]
    if outcome.result is UpdateResult.NONE:
        lines[0] += " (nothing to install)"
    for ecu_id in outcome.updated:
        lines.append(f"  {ecu_id:24s} now runs {outcome.versions[ecu_id]}")
    for ecu_id in outcome.rolled_back:
        lines.append(f"  {ecu_id:24s} rolled back to {outcome.versions[ecu_id]}")
    if outcome.error:
        lines.append(f"  why: {outcome.error}")
    lines.append("  version manifest signed and recorded by the director")
    _emit(args, _outcome_dict(outcome), lines)
    return 1 if outcome.result is UpdateResult.ROLLED_BACK else 0


@_guarded
def _status(args: argparse.Namespace) -> int:
    workspace = _workspace(args)
    vin = check_vin(args.vin)
    with workspace.director() as director:
        recorded = director.status(vin)
        primary = workspace.vehicle(vin)
    status = primary.status()
    ecus = []
    for ecu_id, installed in primary.installed().items():
        record = recorded.ecu(ecu_id)
        ecus.append(
            {
                "ecu": ecu_id,
                "hardware_id": installed.hardware_id,
                "version": installed.version,
                "slot": installed.booted_slot,
                "pending_slot": installed.pending_slot,
                "last_result": installed.last_result,
                "assigned": record.assigned_version,
                "reported": record.installed_version,
            }
        )
    data = {
        "vin": vin,
        "last_result": status.last_result.value,
        "last_error": status.last_error,
        "last_check_time": status.last_check_time,
        "ecus": ecus,
    }
    lines = [
        f"vehicle {vin}: last update {status.last_result.value}"
        + (f" ({status.last_error})" if status.last_error else "")
        + (f", last check {status.last_check_time}" if status.last_check_time else ""),
        f"  {'ECU':24s} {'hardware':26s} {'running':10s} slot  {'assigned':10s} reported",
    ]
    for ecu in ecus:
        lines.append(
            f"  {ecu['ecu']:24s} {ecu['hardware_id']:26s} {ecu['version'] or '-':10s} {ecu['slot']:4s}  "
            f"{ecu['assigned'] or '-':10s} {ecu['reported'] or '-'}"
        )
    _emit(args, data, lines)
    return 0
