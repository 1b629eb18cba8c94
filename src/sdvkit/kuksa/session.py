"""Who is calling: token checks and the broker clients that act for gRPC callers."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

from grpc import aio

from sdvkit.kuksa.auth import TokenVerifier
from sdvkit.kuksa.errors import KuksaError, status_for
from sdvkit.signals.access import ALLOW_ALL, Permissions, Scope
from sdvkit.signals.broker import Broker, BrokerClient
from sdvkit.signals.errors import SignalError

MAX_REQUEST_PATH_LENGTH = 1000
T = TypeVar("T")


class Sessions:
    """Resolves each call's permissions and hands out broker clients.

    Unary calls with the same permissions share one client; every stream gets
    a client of its own, closed (claims released) when the stream ends.
    """

    def __init__(self, broker: Broker, verifier: TokenVerifier | None) -> None:
        self.broker = broker
        self.verifier = verifier
        self._shared: dict[tuple[Scope, ...], BrokerClient] = {}
        self._stream_numbers = itertools.count(1)
        self._wakers: set[Callable[[], None]] = set()
        self.shutting_down = False

    def add_waker(self, waker: Callable[[], None]) -> None:
        """Register a stream's wake-up call, so shutdown can end the stream cleanly."""
        self._wakers.add(waker)
        if self.shutting_down:
            waker()

    def remove_waker(self, waker: Callable[[], None]) -> None:
        self._wakers.discard(waker)

    def shutdown(self) -> None:
        """Ask every open stream to finish."""
        self.shutting_down = True
        for waker in list(self._wakers):
            waker()

    def permissions(self, context: aio.ServicerContext[Any, Any]) -> Permissions:
        if self.verifier is None:
            return ALLOW_ALL
        return self.verifier.permissions_for(context.invocation_metadata())  # type: ignore[arg-type]

    def unary_client(self, context: aio.ServicerContext[Any, Any]) -> BrokerClient:
        permissions = self.permissions(context)
        # Keyed by the grants, not by the token: a refreshed token (same scopes, new
        # expiry) reuses the client instead of leaving one more behind in the broker.
        # Expiry is checked by the verifier on every call, not by the client.
        client = self._shared.get(permissions.scopes)
        if client is None:
            client = self.broker.connect(f"grpc ({permissions.description})", permissions)
            self._shared[permissions.scopes] = client
        return client

    def stream_client(
        self, context: aio.ServicerContext[Any, Any], role: str, *, strict_claims: bool = False
    ) -> BrokerClient:
        permissions = self.permissions(context)
        name = f"grpc {role} #{next(self._stream_numbers)} ({context.peer()})"
        return self.broker.connect(name, permissions, strict_claims=strict_claims)


async def abort_with(context: aio.ServicerContext[Any, Any], error: Exception) -> NoReturn:
    """End the call with the status code KUKSA uses for ``error`` and its message."""
    await context.abort(status_for(error), str(error))
    raise AssertionError("unreachable: abort raises")  # pragma: no cover


def guarded(
    handler: Callable[[Any, Any, aio.ServicerContext[Any, Any]], Awaitable[T]],
) -> Callable[[Any, Any, aio.ServicerContext[Any, Any]], Awaitable[T]]:
    """Turn sdvkit errors raised by a unary handler into KUKSA status codes."""

    async def wrapper(self: Any, request: Any, context: aio.ServicerContext[Any, Any]) -> T:
        try:
            return await handler(self, request, context)
        except (SignalError, KuksaError) as error:
            await abort_with(context, error)

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper
