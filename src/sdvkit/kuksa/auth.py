"""JWT authorization, the KUKSA way.

A client sends ``authorization: Bearer <JWT>`` with every call. The token is
checked against the server's public key (RS256/384/512, ES256/384 or EdDSA,
chosen by the key type so an HMAC token can never pass as a signed one), with
audience ``kuksa.val``; its ``scope`` claim becomes the client's
:class:`~sdvkit.signals.access.Permissions`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from sdvkit.kuksa.errors import AuthenticationError
from sdvkit.signals.access import Permissions, ScopeError

AUDIENCE = "kuksa.val"
REQUIRED_CLAIMS = ("sub", "iss", "aud", "iat", "exp", "scope")


def _algorithms_for(key: Any) -> list[str]:
    if isinstance(key, rsa.RSAPublicKey):
        return ["RS256", "RS384", "RS512"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ["ES256", "ES384"]
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ["EdDSA"]
    raise AuthenticationError(f"unsupported public key type {type(key).__name__}")


class TokenVerifier:
    """Checks bearer tokens against one public key and turns them into permissions."""

    def __init__(self, public_key_pem: bytes, *, cache_size: int = 256) -> None:
        try:
            self._key = load_pem_public_key(public_key_pem)
        except ValueError as error:
            raise AuthenticationError(f"the JWT public key is not a PEM public key: {error}") from error
        self._algorithms = _algorithms_for(self._key)
        self._cache: dict[str, Permissions] = {}
        self._cache_size = cache_size

    @classmethod
    def from_file(cls, path: str | Path) -> TokenVerifier:
        try:
            pem = Path(path).read_bytes()
        except OSError as error:
            raise AuthenticationError(f"cannot read JWT public key {path}: {error.strerror}") from error
        return cls(pem)

    def permissions_for(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> Permissions:
        """The permissions of a call, from its ``authorization`` metadata."""
        header = None
        for key, value in metadata or ():
            if key == "authorization":
                header = value.decode() if isinstance(value, bytes) else value
                break
        if not header:
            raise AuthenticationError("No auth token provided")
        if not header.startswith("Bearer "):
            raise AuthenticationError("Invalid auth token: expected 'Bearer <token>'")
        return self.verify(header[len("Bearer ") :].strip())

    def verify(self, token: str) -> Permissions:
        """Decode and check one token; raise AuthenticationError saying why it is refused."""
        permissions = self._cache.get(token)
        if permissions is None:
            permissions = self._decode(token)
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[token] = permissions
        if permissions.is_expired(time.time()):
            raise AuthenticationError("Permission expired")
        return permissions

    def _decode(self, token: str) -> Permissions:
        try:
            claims = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=self._algorithms,
                audience=AUDIENCE,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as error:
            raise AuthenticationError("Permission expired") from error
        except jwt.PyJWTError as error:
            raise AuthenticationError(f"Invalid auth token: {error}") from error
        scope = claims.get("scope")
        if not isinstance(scope, str):
            raise AuthenticationError("Invalid auth token: the scope claim must be a string")
        try:
            return Permissions.parse(scope, expires_at_s=float(claims["exp"]))
        except ScopeError as error:
            raise AuthenticationError(f"Invalid auth token: {error}") from error
