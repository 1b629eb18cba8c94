"""The KUKSA-compatible gRPC server: kuksa.val.v2 and kuksa.val.v1 on one port."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc import aio
from kuksa.val.v1 import val_pb2_grpc as val_v1_grpc
from kuksa.val.v2 import val_pb2_grpc as val_v2_grpc

from sdvkit.kuksa.auth import TokenVerifier
from sdvkit.kuksa.errors import KuksaError
from sdvkit.kuksa.session import Sessions
from sdvkit.kuksa.v1 import ValV1Servicer
from sdvkit.kuksa.v2 import ValV2Servicer
from sdvkit.signals.broker import Broker

DEFAULT_PORT = 55555


@dataclass(frozen=True, kw_only=True, slots=True)
class TlsFiles:
    certificate: Path
    private_key: Path


class KuksaServer:
    """Serves one broker over gRPC with the KUKSA databroker's APIs."""

    def __init__(self, broker: Broker, *, verifier: TokenVerifier | None = None) -> None:
        self.broker = broker
        self.verifier = verifier
        self.sessions = Sessions(broker, verifier)
        self._server: aio.Server | None = None
        self.port: int | None = None

    @property
    def authorization_enabled(self) -> bool:
        return self.verifier is not None

    async def start(
        self, address: str = "127.0.0.1", port: int = DEFAULT_PORT, *, tls: TlsFiles | None = None
    ) -> int:
        """Bind and start serving; return the port (useful with ``port=0``)."""
        server = aio.server(
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", 16 * 1024 * 1024),
            ]
        )
        val_v2_grpc.add_VALServicer_to_server(ValV2Servicer(self.sessions), server)  # type: ignore[no-untyped-call]
        val_v1_grpc.add_VALServicer_to_server(ValV1Servicer(self.sessions), server)  # type: ignore[no-untyped-call]
        target = f"{address}:{port}"
        try:
            if tls is None:
                bound = server.add_insecure_port(target)
            else:
                credentials = grpc.ssl_server_credentials(
                    [(tls.private_key.read_bytes(), tls.certificate.read_bytes())]
                )
                bound = server.add_secure_port(target, credentials)
        except (RuntimeError, OSError) as error:
            raise KuksaError(f"cannot listen on {target}: {error}") from error
        if bound == 0:
            raise KuksaError(f"cannot listen on {target}: the address is in use or not available")
        await server.start()
        self._server = server
        self.port = bound
        return bound

    async def stop(self, grace_s: float = 1.0) -> None:
        """Stop accepting calls, give running calls ``grace_s`` to finish, then close."""
        if self._server is not None:
            self.sessions.shutdown()
            await asyncio.sleep(0.05)  # let the streams send their last messages and end
            await self._server.stop(grace_s)
            self._server = None

    async def wait_for_termination(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()
