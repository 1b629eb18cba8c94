"""``sdvkit ecus``: the vehicle's ECU network and DoIP gateway, running for outside tools."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sdvkit.service.can_bus import DEFAULT_BITRATE, DEFAULT_CHANNEL, BusConfig
from sdvkit.service.ecus import DEFAULT_VIN
from sdvkit.service.errors import ServiceError, ServiceSetupError
from sdvkit.service.gateway import DEFAULT_PORT, DoipGateway, GatewaySettings
from sdvkit.service.network import EcuNetwork
from sdvkit.service.vehicle import DEFAULT_VEHICLE, FAULTS, ServiceVehicle
from sdvkit.storage import StorageError, data_dir
from sdvkit.vehicle.errors import VehicleError
from sdvkit.vehicle.library import resolve_vehicle


def add_bus_arguments(parser: argparse.ArgumentParser) -> None:
    """The CAN bus options ``sdvkit ecus`` and ``sdvkit diag --can`` share."""
    parser.add_argument("--interface", default="virtual", help="python-can interface (default virtual)")
    parser.add_argument("--channel", default=DEFAULT_CHANNEL, help=f"bus channel (default {DEFAULT_CHANNEL})")
    parser.add_argument(
        "--bitrate", type=int, default=DEFAULT_BITRATE, help=f"bit rate in bit/s (default {DEFAULT_BITRATE})"
    )
    parser.add_argument("--fd", action="store_true", help="CAN FD (ISO-TP frames of 64 bytes)")


def bus_config(args: argparse.Namespace) -> BusConfig:
    return BusConfig(interface=args.interface, channel=args.channel, bitrate=args.bitrate, fd=args.fd)


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ecus",
        help="run the vehicle's virtual ECUs on CAN and the DoIP gateway, for outside testers",
        description="Run the six virtual ECUs on a CAN bus, with the DoIP gateway in front of them and "
        "(unless --no-vehicle) the simulated vehicle feeding them. Testers connect over DoIP "
        "(sdvkit diag, doipclient + udsoncan) or on the bus itself (udp_multicast, socketcan).",
    )
    add_bus_arguments(parser)
    parser.add_argument(
        "--doip-host", default="127.0.0.1", help="address of the DoIP gateway (default 127.0.0.1)"
    )
    parser.add_argument(
        "--doip-port",
        type=int,
        default=DEFAULT_PORT,
        help=f"DoIP TCP/UDP port, 0 for a free one (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--no-doip", action="store_true", help="run no DoIP gateway (testers come on the bus)"
    )
    parser.add_argument("--data-dir", type=Path, help="where DTCs, written DIDs and firmware slots persist")
    parser.add_argument(
        "--vin",
        default=DEFAULT_VIN,
        help=f"the VIN the ECUs hold until one is written (default {DEFAULT_VIN})",
    )
    parser.add_argument(
        "--vehicle",
        default=DEFAULT_VEHICLE,
        help=f"built-in vehicle or FASTSim file (default {DEFAULT_VEHICLE})",
    )
    parser.add_argument("--no-vehicle", action="store_true", help="ECUs only: no plant, no feeder")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=sorted(FAULTS),
        metavar="FAULT",
        help=f"inject a plant fault at start (repeatable): {', '.join(sorted(FAULTS))}",
    )
    parser.add_argument(
        "--report-software", action="store_true", help="publish the ECUs' software versions on VSS"
    )
    parser.set_defaults(func=run)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    stop = threading.Event()
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(args: argparse.Namespace) -> int:
    try:
        bus = bus_config(args)
        directory = data_dir(args.data_dir)
        gateway = None if args.no_doip else GatewaySettings(host=args.doip_host, port=args.doip_port)
        if args.no_vehicle and args.fault:
            raise ServiceSetupError("--fault needs the vehicle: drop --no-vehicle")
        if args.no_vehicle:
            network = EcuNetwork(bus=bus, data_dir=directory, vin=args.vin)
            doip = None if gateway is None else DoipGateway(bus=bus, settings=gateway, vin=args.vin)
        else:
            vehicle = ServiceVehicle(
                bus=bus,
                params=resolve_vehicle(args.vehicle),
                data_dir=directory,
                vin=args.vin,
                gateway=gateway,
                report_software=args.report_software,
            )
    except (ServiceError, StorageError, VehicleError) as error:
        print(f"sdvkit ecus: error: {error}", file=sys.stderr)
        return 2
    try:
        if args.no_vehicle:
            _serve_network(network, doip, bus, directory)
        else:
            _serve_vehicle(vehicle, bus, directory, args.fault)
    except ServiceError as error:
        print(f"sdvkit ecus: error: {error}", file=sys.stderr)
        return 1
    print("sdvkit ecus: stopped", flush=True)
    return 0


def _serve_vehicle(vehicle: ServiceVehicle, bus: BusConfig, directory: Path, faults: list[str]) -> None:
    with _stop_on_signals() as stop, vehicle:
        for fault in faults:
            vehicle.inject(fault)
        gateway = vehicle.gateway
        address = None if gateway is None else f"{gateway.settings.host}:{gateway.port}"
        _announce(bus, directory, address, faults)
        vehicle.serve(stop)


def _serve_network(network: EcuNetwork, doip: DoipGateway | None, bus: BusConfig, directory: Path) -> None:
    with _stop_on_signals() as stop, network:
        try:
            address = None if doip is None else f"{doip.settings.host}:{doip.start()}"
            _announce(bus, directory, address, [])
            stop.wait()
        finally:
            if doip is not None:
                doip.stop()


def _announce(bus: BusConfig, directory: Path, address: str | None, faults: list[str]) -> None:
    where = "no DoIP gateway" if address is None else f"DoIP gateway listening on {address}"
    injected = f"; faults injected: {', '.join(faults)}" if faults else ""
    print(
        f"sdvkit ecus: 6 ECUs on {bus.describe()}; {where}; data in {directory}{injected}; Ctrl-C stops it",
        flush=True,
    )
