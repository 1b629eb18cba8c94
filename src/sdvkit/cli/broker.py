"""``sdvkit broker``: the VSS signal broker with the KUKSA gRPC APIs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from sdvkit.kuksa.auth import TokenVerifier
from sdvkit.kuksa.errors import KuksaError
from sdvkit.kuksa.server import DEFAULT_PORT, KuksaServer, TlsFiles
from sdvkit.signals.broker import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.catalogue import Catalogue
from sdvkit.signals.errors import SignalError

AUTH_OFF_WARNING = """\
************************************************************************
* WARNING: authorization is OFF. Any client may read, actuate and      *
* provide every signal. Start with --jwt-public-key FILE to require    *
* KUKSA JWT tokens.                                                    *
************************************************************************"""


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "broker",
        help="run the VSS signal broker (KUKSA kuksa.val.v2 and v1 over gRPC)",
        description="Run the VSS signal broker. Outside clients (kuksa-client, vehicle apps) "
        "reach it over gRPC with the Eclipse KUKSA databroker API.",
    )
    parser.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--vss",
        metavar="FILE[,FILE]",
        help="VSS JSON files: the first is the base, the rest are overlays "
        "(default: sdvkit's built-in catalogue)",
    )
    parser.add_argument(
        "--jwt-public-key", metavar="FILE", type=Path, help="PEM public key that signs tokens"
    )
    parser.add_argument(
        "--disable-authorization", action="store_true", help="accept every request, even with a key"
    )
    parser.add_argument(
        "--insecure", action="store_true", help="serve without TLS (the default when no certificate is given)"
    )
    parser.add_argument("--tls-cert", type=Path, metavar="FILE", help="TLS server certificate (PEM)")
    parser.add_argument("--tls-private-key", type=Path, metavar="FILE", help="TLS private key (PEM)")
    parser.set_defaults(func=run)


def load_catalogue(vss: str | None) -> Catalogue:
    """The catalogue named by ``--vss``, or the built-in one."""
    if vss:
        files = [Path(item.strip()) for item in vss.split(",") if item.strip()]
        return Catalogue.from_files(files)
    return builtin_catalogue()


def run(args: argparse.Namespace) -> int:
    try:
        catalogue = load_catalogue(args.vss)
        verifier = None
        if args.jwt_public_key is not None and not args.disable_authorization:
            verifier = TokenVerifier.from_file(args.jwt_public_key)
        tls = None
        if args.tls_cert or args.tls_private_key:
            if not (args.tls_cert and args.tls_private_key):
                raise KuksaError("TLS needs both --tls-cert and --tls-private-key")
            tls = TlsFiles(certificate=args.tls_cert, private_key=args.tls_private_key)
    except (SignalError, KuksaError) as error:
        print(f"sdvkit broker: error: {error}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(catalogue, verifier, args.address, args.port, tls, insecure=args.insecure))
    except KuksaError as error:
        print(f"sdvkit broker: error: {error}", file=sys.stderr)
        return 1


async def serve(
    catalogue: Catalogue,
    verifier: TokenVerifier | None,
    address: str,
    port: int,
    tls: TlsFiles | None,
    *,
    insecure: bool,
) -> int:
    broker = Broker(catalogue)
    server = KuksaServer(broker, verifier=verifier)
    bound = await server.start(address, port, tls=tls)
    if verifier is None:
        print(AUTH_OFF_WARNING, file=sys.stderr, flush=True)
    if tls is None and not insecure:
        print(
            "note: serving without TLS; pass --insecure to acknowledge, or --tls-cert/--tls-private-key",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"sdvkit broker listening on {address}:{bound} "
        f"(kuksa.val.v2 + kuksa.val.v1, {len(catalogue.leaves())} signals, "
        f"authorization {'on' if verifier else 'OFF'}); Ctrl-C stops it",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    print("sdvkit broker: shutting down", flush=True)
    await server.stop(grace_s=1.0)
    print("sdvkit broker: stopped", flush=True)
    return 0
