"""Ed25519 keys on disk, and signed JSON envelopes for what TUF metadata does not cover.

Keys are PKCS#8 PEM files (mode 0600), loaded as securesystemslib ``CryptoSigner``s, which both
python-tuf's ``Metadata.sign`` and the version reports use. The key id is the default
securesystemslib one (a hash of the public key), so a key reloaded from its file has the same id.

A signed envelope is ``{"signed": {...}, "signatures": [{"keyid": ..., "sig": ...}]}``, the
signature made over the canonical JSON of ``signed`` (the TUF convention), so that any
re-serialisation of the same content verifies.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.exceptions import UnverifiedSignatureError
from securesystemslib.formats import encode_canonical

from sdvkit.service.ota._tuf import CryptoSigner, Key, Signature, SSlibKey
from sdvkit.service.ota.errors import OtaInputError, VersionReportError
from sdvkit.storage import StorageError, atomic_write_bytes

__all__ = [
    "canonical_bytes",
    "generate_key",
    "key_from_dict",
    "load_or_generate_key",
    "load_signer",
    "sign_envelope",
    "verify_envelope",
]


def generate_key(path: Path) -> CryptoSigner:
    """Make a new Ed25519 key and write it to ``path`` (PEM, readable by the owner only)."""
    signer = CryptoSigner.generate_ed25519()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, signer.private_bytes)
        os.chmod(path, 0o600)
    except (StorageError, OSError) as error:
        raise OtaInputError(f"cannot write the key file {path}: {error}") from error
    return signer


def load_signer(path: Path) -> CryptoSigner:
    """The Ed25519 key in ``path``; OtaInputError naming the file if it is missing or not a key."""
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise OtaInputError(f"cannot read the key file {path}: {error.strerror or error}") from error
    try:
        private_key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise OtaInputError(f"{path} is not a PEM private key (PKCS#8, unencrypted)") from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise OtaInputError(f"{path} holds a {type(private_key).__name__}; OTA keys are Ed25519")
    return CryptoSigner(private_key)


def load_or_generate_key(path: Path) -> CryptoSigner:
    """The key in ``path``, made first if the file does not exist."""
    return load_signer(path) if path.exists() else generate_key(path)


def key_from_dict(keyid: str, key_dict: Any, *, what: str) -> Key:
    """A public key from its TUF dictionary form; OtaInputError naming ``what`` if malformed."""
    if not isinstance(key_dict, dict):
        raise OtaInputError(f"{what}: a public key must be a JSON object, not {key_dict!r}")
    try:
        return SSlibKey.from_dict(keyid, dict(key_dict))
    except (KeyError, ValueError, TypeError) as error:
        raise OtaInputError(f"{what}: malformed public key ({error})") from error


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON of ``value`` (sorted keys, no spaces), the bytes that are signed."""
    text = encode_canonical(value)
    assert isinstance(text, str)
    return text.encode("utf-8")


def sign_envelope(signed: Mapping[str, Any], signer: CryptoSigner) -> dict[str, Any]:
    """``signed`` wrapped with one signature by ``signer``."""
    signature = signer.sign(canonical_bytes(dict(signed)))
    return {"signed": dict(signed), "signatures": [signature.to_dict()]}


def verify_envelope(envelope: Any, key: Key, *, what: str) -> dict[str, Any]:
    """The ``signed`` part of ``envelope`` if ``key`` signed it; VersionReportError otherwise."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("signed"), dict):
        raise VersionReportError(f"{what}: not a signed envelope (an object with 'signed' and 'signatures')")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list):
        raise VersionReportError(f"{what}: 'signatures' must be a list")
    signed: dict[str, Any] = envelope["signed"]
    payload = canonical_bytes(signed)
    for item in signatures:
        if not isinstance(item, dict) or item.get("keyid") != key.keyid:
            continue
        try:
            signature = Signature.from_dict(dict(item))
        except (KeyError, TypeError, ValueError) as error:
            raise VersionReportError(f"{what}: malformed signature ({error})") from error
        try:
            key.verify_signature(signature, payload)
        except UnverifiedSignatureError as error:
            raise VersionReportError(
                f"{what}: the signature of key {key.keyid[:12]}… does not verify"
            ) from error
        return signed
    raise VersionReportError(f"{what}: not signed by the registered key {key.keyid[:12]}…")
