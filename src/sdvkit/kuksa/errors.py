"""Errors of the KUKSA adapter, and how signal errors map to gRPC status codes.

::

    KuksaError
    └── AuthenticationError     no token, a malformed token, a bad signature, an expired token

The mapping follows the KUKSA databroker: an unknown path is NOT_FOUND, a value
that breaks the catalogue is INVALID_ARGUMENT, an actuator nobody provides is
UNAVAILABLE, a second claim is ALREADY_EXISTS, a publish before a claim is
ABORTED, a missing scope is PERMISSION_DENIED and a bad token UNAUTHENTICATED.
"""

from __future__ import annotations

import grpc

from sdvkit.signals.errors import (
    AccessDeniedError,
    AlreadyClaimedError,
    CatalogueError,
    NoProviderError,
    NotAnActuatorError,
    NotClaimedError,
    SignalError,
    UnknownSignalError,
    ValidationError,
)


class KuksaError(Exception):
    """Base of the errors raised by :mod:`sdvkit.kuksa`."""


class AuthenticationError(KuksaError):
    """The request carries no valid token."""


class RequestError(KuksaError):
    """A request is malformed in a way the signal layer cannot name (empty path, no value…)."""

    def __init__(self, message: str, code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT) -> None:
        super().__init__(message)
        self.code = code


_STATUS_BY_ERROR: tuple[tuple[type[Exception], grpc.StatusCode], ...] = (
    (UnknownSignalError, grpc.StatusCode.NOT_FOUND),
    (ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
    (NotAnActuatorError, grpc.StatusCode.INVALID_ARGUMENT),
    (NoProviderError, grpc.StatusCode.UNAVAILABLE),
    (AlreadyClaimedError, grpc.StatusCode.ALREADY_EXISTS),
    (NotClaimedError, grpc.StatusCode.ABORTED),
    (AccessDeniedError, grpc.StatusCode.PERMISSION_DENIED),
    (CatalogueError, grpc.StatusCode.INVALID_ARGUMENT),
    (AuthenticationError, grpc.StatusCode.UNAUTHENTICATED),
)


def status_for(error: Exception) -> grpc.StatusCode:
    """The gRPC status code KUKSA uses for this error."""
    if isinstance(error, RequestError):
        return error.code
    for error_type, code in _STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return code
    if isinstance(error, SignalError):
        return grpc.StatusCode.INVALID_ARGUMENT
    return grpc.StatusCode.INTERNAL


_V1_CODE_BY_STATUS: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.NOT_FOUND: (404, "not_found"),
    grpc.StatusCode.INVALID_ARGUMENT: (400, "bad_request"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "forbidden"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "unauthorized"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "conflict"),
    grpc.StatusCode.ABORTED: (409, "conflict"),
    grpc.StatusCode.UNAVAILABLE: (503, "unavailable"),
}


def v1_code_for(error: Exception) -> tuple[int, str]:
    """The HTTP-like ``(code, reason)`` kuksa.val.v1 puts in its response bodies."""
    return _V1_CODE_BY_STATUS.get(status_for(error), (500, "internal_error"))
