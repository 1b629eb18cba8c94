"""The Eclipse KUKSA databroker API (kuksa.val.v2 and v1) over gRPC, as a thin adapter on the broker."""

from sdvkit.kuksa.auth import TokenVerifier
from sdvkit.kuksa.errors import AuthenticationError, KuksaError
from sdvkit.kuksa.server import DEFAULT_PORT, KuksaServer

__all__ = ["DEFAULT_PORT", "AuthenticationError", "KuksaError", "KuksaServer", "TokenVerifier"]
