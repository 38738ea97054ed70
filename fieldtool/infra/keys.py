"""Provides the Ed25519 keys of devices and hubs: created on first use, private key readable by its user only.

A laptop's key lives in the user data directory (``device-key.pem``); a hub's next to its
database (``<db>.key.pem``). Public keys travel as 64 hex digits (the raw 32 bytes), signatures
as 128 hex digits (the raw 64 bytes).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fieldtool.core.records import Record
from fieldtool.errors import InputError
from fieldtool.sync.wire import finalisation_payload, signature_body

KEY_FILE = "device-key.pem"
"""The name of a laptop's key file in the user data directory."""


class SigningKey:
    """An Ed25519 private key that signs bytes; its public half is `public_key` (hex).

    Args:
        private: the private key.
    """

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_key: str = raw.hex()
        """The public key: 64 hex digits."""

    @classmethod
    def generate(cls) -> SigningKey:
        """A new random key (not saved)."""
        return cls(Ed25519PrivateKey.generate())

    def sign(self, data: bytes) -> str:
        """The signature of `data`: 128 hex digits."""
        return self._private.sign(data).hex()

    def pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def load_or_create(path: Path) -> SigningKey:
    """The key stored at `path`, created first (mode 0600, parents made) if there is none.

    Raises:
        InputError: the file cannot be read or written, is not an Ed25519 key, or others can read it.
    """
    try:
        return load(path)
    except FileNotFoundError:
        pass
    key = SigningKey.generate()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once never overwrite each other's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load(path)
    except OSError as e:
        raise InputError(f"cannot create the key file {path}: {e.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(key.pem())
        out.flush()
        os.fsync(out.fileno())
    return key


def load(path: Path) -> SigningKey:
    """The key stored at `path`.

    Raises:
        FileNotFoundError: there is no file.
        InputError: the file is unreadable, readable by others, or not an Ed25519 private key.
    """
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as e:
        raise InputError(f"cannot read the key file {path}: {e.strerror}") from None
    if os.name == "posix" and mode & 0o077:
        raise InputError(f"the key file {path} is readable by others (mode {mode & 0o777:o}); run: chmod 600 {path}")
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise InputError(f"the key file {path} is not a usable private key: {e}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise InputError(f"the key file {path} is not an Ed25519 key")
    return SigningKey(private)


def valid_signature(public_key: str, data: bytes, signature: str) -> bool:
    """Whether `signature` (hex) is the Ed25519 signature of `data` by `public_key` (hex).

    Malformed hex or a key of the wrong length count as an invalid signature.
    """
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(signature), data)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def finalisation_signer(key: SigningKey) -> Callable[[Record], dict[str, Any]]:
    """The body maker for ``inspection-signed`` records: signs a finalisation with `key` (see `wire`)."""

    def sign(finalisation: Record) -> dict[str, Any]:
        payload = finalisation_payload(finalisation.device_id, finalisation.seq, finalisation.hash)
        return signature_body(finalisation, key.public_key, key.sign(payload))

    return sign
