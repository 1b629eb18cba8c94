"""``sdvkit diag``: a UDS tester (udsoncan) for the vehicle's ECUs.

It reaches them through the DoIP gateway of a running ``sdvkit ecus`` (the default,
127.0.0.1:13400), as a node on a CAN bus (``--can``), or by starting the ECUs in this process on
the virtual bus (``--in-process``, their memory from ``--data-dir``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sdvkit.cli.ecus import add_bus_arguments, bus_config
from sdvkit.service import diag_client
from sdvkit.service.can_bus import BusConfig
from sdvkit.service.doip import TESTER_ADDRESSES
from sdvkit.service.ecu_spec import DidKind, DidSpec, EcuSpec
from sdvkit.service.ecus import ECU_SPECS, ecu_spec
from sdvkit.service.errors import DiagnosticError, FirmwareError, ServiceError
from sdvkit.service.firmware import FirmwareImage, build_image
from sdvkit.service.gateway import DEFAULT_PORT
from sdvkit.service.isotp_transport import IsoTpLink
from sdvkit.service.network import EcuNetwork
from sdvkit.service.transport import DEFAULT_TESTER_ADDRESS, MAX_PORT, DoipLink, TesterLink
from sdvkit.service.uds import describe_status
from sdvkit.storage import StorageError, data_dir

SNAPSHOT_NAMES = {1: "first failure", 2: "latest failure"}


class UsageError(ServiceError):
    """The command line asks for something that does not exist (exit status 2)."""


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "diag",
        help="UDS tester: scan the ECUs, read and clear DTCs, read and write DIDs, flash",
        description="A UDS tester (udsoncan). By default it reaches the ECUs through the DoIP gateway of "
        "a running 'sdvkit ecus'; --can makes it a node on a CAN bus; --in-process starts the ECUs here.",
    )
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--doip",
        metavar="HOST[:PORT]",
        default=f"127.0.0.1:{DEFAULT_PORT}",
        help="DoIP gateway (default %(default)s)",
    )
    transport.add_argument(
        "--can", action="store_true", help="talk ISO-TP on the bus given by --interface/--channel"
    )
    transport.add_argument(
        "--in-process", action="store_true", help="start the ECUs in this process (memory from --data-dir)"
    )
    add_bus_arguments(parser)
    parser.add_argument("--data-dir", type=Path, help="the ECUs' memory for --in-process")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--tester-address",
        type=_tester_address,
        default=DEFAULT_TESTER_ADDRESS,
        help="DoIP source address, 0x0E00..0x0EFF (default 0x0E00)",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object"
    )
    commands = parser.add_subparsers(dest="diag_command", metavar="COMMAND", required=True)
    commands.add_parser("scan", parents=[common], help="identification and DTC count of every ECU")
    read_dtc = commands.add_parser("read-dtc", parents=[common], help="DTCs with freeze frames")
    read_dtc.add_argument("--ecu", help="one ECU (default: all)")
    read_dtc.add_argument("--mask", type=_status_mask, default=0xFF, help="DTC status mask (default 0xFF)")
    clear_dtc = commands.add_parser("clear-dtc", parents=[common], help="clear the DTCs (0x14 FFFFFF)")
    clear_dtc.add_argument("--ecu", help="one ECU (default: all)")
    read_did = commands.add_parser("read-did", parents=[common], help="read data identifiers (0x22)")
    read_did.add_argument("--ecu", required=True)
    read_did.add_argument("dids", nargs="+", metavar="DID", help="hex id (F190) or name (VIN)")
    write_did = commands.add_parser("write-did", parents=[common], help="write a data identifier (0x2E)")
    write_did.add_argument("--ecu", required=True)
    write_did.add_argument("did", metavar="DID")
    write_did.add_argument("value", metavar="VALUE")
    flash = commands.add_parser("flash", parents=[common], help="download an image (0x34/0x36/0x37), reset")
    flash.add_argument("--ecu", required=True)
    flash.add_argument(
        "image", type=Path, metavar="FILE", help="an sdvkit firmware image, or a payload with --version"
    )
    flash.add_argument(
        "--version", dest="image_version", help="wrap FILE as the payload of an image of this version"
    )
    parser.set_defaults(func=run)


# -- plumbing -------------------------------------------------------------------------------


def _number_in(text: str, low: int, high: int) -> int:
    """``text`` as a number (``0x..`` for hex) within ``low..high``; argparse names the option."""
    try:
        number = int(text, 0)
    except ValueError:
        number = -1
    if not low <= number <= high:
        digits = 2 if high <= 0xFF else 4
        raise argparse.ArgumentTypeError(f"{text!r} is not a number 0x{low:0{digits}X}..0x{high:0{digits}X}")
    return number


def _tester_address(text: str) -> int:
    return _number_in(text, TESTER_ADDRESSES.start, TESTER_ADDRESSES.stop - 1)


def _status_mask(text: str) -> int:
    return _number_in(text, 0x00, 0xFF)


def _doip_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":") if ":" in text else (text, "", str(DEFAULT_PORT))
    try:
        number = int(port)
    except ValueError as error:
        raise UsageError(f"--doip {text!r}: the port must be a number") from error
    if not 0 < number <= MAX_PORT:
        raise UsageError(f"--doip {text!r}: the port must be 1..{MAX_PORT}")
    return host or "127.0.0.1", number


@contextlib.contextmanager
def open_link(args: argparse.Namespace) -> Iterator[TesterLink]:
    if args.in_process:
        bus = BusConfig(channel=f"sdvkit-diag-{os.getpid()}")
        with EcuNetwork(bus=bus, data_dir=data_dir(args.data_dir)), IsoTpLink(bus) as link:
            yield link
    elif args.can:
        with IsoTpLink(bus_config(args)) as link:
            yield link
    else:
        host, port = _doip_address(args.doip)
        with DoipLink(host, port, tester_address=args.tester_address) as link:
            yield link


def _ecus(name: str | None) -> tuple[EcuSpec, ...]:
    if name is None:
        return ECU_SPECS
    try:
        return (ecu_spec(name),)
    except ServiceError as error:
        raise UsageError(str(error)) from error


def _did(spec: EcuSpec, text: str) -> DidSpec:
    for did in spec.dids:
        if did.name.lower() == text.lower():
            return did
    try:
        number = int(text, 16)
    except ValueError:
        number = -1
    found = spec.did(number)
    if found is None:
        known = ", ".join(f"{did.did:04X} {did.name}" for did in spec.dids)
        raise UsageError(f"{spec.name} has no DID {text!r}; it has {known}")
    return found


def _value(did: DidSpec, text: str) -> str | float:
    """The value to write; one that cannot even be coded is refused here (out of range: by the ECU)."""
    value: str | float = text
    if did.kind is not DidKind.ASCII:
        try:
            value = float(text)
        except ValueError as error:
            raise UsageError(f"{did.name} takes a number, not {text!r}") from error
    try:
        diag_client.SpecCodec(did).encode(value)
    except ValueError as error:
        raise UsageError(str(error)) from error
    return value


def _print(args: argparse.Namespace, document: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(document))
    else:
        print("\n".join(lines))


# -- commands -------------------------------------------------------------------------------


def _scan(args: argparse.Namespace, link: TesterLink) -> int:
    scans = [diag_client.scan_ecu(link, spec) for spec in ECU_SPECS]
    lines = [f"{'ECU':<18} {'answers':<8} {'software':<10} {'DTCs':>4}  active"]
    for scan in scans:
        lines.append(
            f"{scan.ecu:<18} {'yes' if scan.reachable else 'NO':<8} {scan.software_version:<10} "
            f"{scan.dtc_count:>4}  {' '.join(scan.active_dtcs)}" + (f"  ({scan.error})" if scan.error else "")
        )
    vins = sorted({scan.vin for scan in scans if scan.vin})
    lines.append(f"VIN {', '.join(vins) or '(none read)'}")
    _print(args, {"ecus": [scan.as_dict() for scan in scans]}, lines)
    return 0 if all(scan.reachable for scan in scans) else 1


def _read_dtc(args: argparse.Namespace, link: TesterLink) -> int:
    reports: list[diag_client.DtcReport] = []
    for spec in _ecus(args.ecu):
        with diag_client.open_client(link, spec) as client:
            reports += diag_client.read_dtcs(client, spec, status_mask=args.mask)
    lines = []
    for report in reports:
        bits = ", ".join(describe_status(report.status))
        lines.append(
            f"{report.ecu:<18} {report.text}  status 0x{report.status:02X} ({bits})  "
            f"occurrences {report.occurrences}  {report.description}"
        )
        for number, frame in sorted(report.snapshots.items()):
            values = ", ".join(
                f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"
                for name, value in frame.items()
            )
            lines.append(f"    {SNAPSHOT_NAMES.get(number, f'record {number}')}: {values}")
    if not reports:
        lines.append("no DTCs stored")
    _print(args, {"dtcs": [report.as_dict() for report in reports]}, lines)
    return 0


def _clear_dtc(args: argparse.Namespace, link: TesterLink) -> int:
    cleared = []
    for spec in _ecus(args.ecu):
        with diag_client.open_client(link, spec) as client:
            diag_client.clear_dtcs(client, spec)
        cleared.append(spec.name)
    _print(args, {"cleared": cleared}, [f"cleared the DTCs of {', '.join(cleared)}"])
    return 0


def _read_did(args: argparse.Namespace, link: TesterLink) -> int:
    spec = _ecus(args.ecu)[0]
    dids = [_did(spec, text) for text in args.dids]
    with diag_client.open_client(link, spec) as client:
        values = diag_client.read_dids(client, spec, [did.did for did in dids])
    document = {did.name: values.get(did.did) for did in dids}
    lines = [f"{did.did:04X} {did.name:<28} {values.get(did.did)} {did.unit}".rstrip() for did in dids]
    _print(args, {"ecu": spec.name, "values": document}, lines)
    return 0


def _write_did(args: argparse.Namespace, link: TesterLink) -> int:
    spec = _ecus(args.ecu)[0]
    did = _did(spec, args.did)
    value = _value(did, args.value)
    with diag_client.open_client(link, spec) as client:
        diag_client.write_did(client, spec, did.did, value)
        read_back = diag_client.read_dids(client, spec, [did.did])[did.did]
    _print(args, {"ecu": spec.name, did.name: read_back}, [f"{spec.name} {did.name} = {read_back}"])
    return 0


def _flash(args: argparse.Namespace, link: TesterLink) -> int:
    spec = _ecus(args.ecu)[0]
    try:
        data = args.image.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {args.image}: {error.strerror or error}") from error
    try:
        if args.image_version is not None:
            data = build_image(hardware_id=spec.hardware_id, version=args.image_version, payload=data)
        image = FirmwareImage.from_bytes(data)
    except FirmwareError as error:
        raise UsageError(f"{args.image}: {error} (pass --version to flash it as a raw payload)") from error
    if image.hardware_id != spec.hardware_id:
        raise UsageError(f"{args.image} is built for {image.hardware_id}, {spec.name} is {spec.hardware_id}")
    with diag_client.open_client(link, spec) as client:
        result = diag_client.flash(client, spec, data)
    document = {
        "ecu": result.ecu,
        "image_bytes": result.image_bytes,
        "blocks": result.blocks,
        "transfer_s": round(result.transfer_s, 4),
        "throughput_kib_per_s": round(result.throughput_bytes_per_s / 1024, 2),
        "version_before": result.version_before,
        "version_after": result.version_after,
        "crc_matches": result.crc_matches,
    }
    line = (
        f"{result.ecu}: flashed {result.image_bytes} bytes in {result.blocks} blocks "
        f"({result.throughput_bytes_per_s / 1024:.1f} KiB/s); software {result.version_before} -> "
        f"{result.version_after}; CRC {'ok' if result.crc_matches else 'MISMATCH'}"
    )
    _print(args, document, [line])
    return 0 if result.crc_matches and result.version_after == image.version else 1


COMMANDS = {
    "scan": _scan,
    "read-dtc": _read_dtc,
    "clear-dtc": _clear_dtc,
    "read-did": _read_did,
    "write-did": _write_did,
    "flash": _flash,
}


@contextlib.contextmanager
def _library_logs_silenced() -> Iterator[None]:
    """udsoncan and doipclient log every negative response; the tester reports them itself."""
    root = logging.getLogger()
    handler = logging.NullHandler()
    added = not root.handlers
    if added:
        root.addHandler(handler)
    try:
        yield
    finally:
        if added:
            root.removeHandler(handler)


def run(args: argparse.Namespace) -> int:
    command = COMMANDS[args.diag_command]
    try:
        with _library_logs_silenced(), open_link(args) as link:
            return command(args, link)
    except (UsageError, StorageError) as error:
        print(f"sdvkit diag: error: {error}", file=sys.stderr)
        return 2
    except (DiagnosticError, ServiceError) as error:
        print(f"sdvkit diag: {error}", file=sys.stderr)
        return 1
