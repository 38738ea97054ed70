"""Provides the Ed25519 keys of devices and hubs: created on first use, private key readable by its user only.

A laptop's key lives in the user data directory (``device-key.pem``, `device_key`); a hub's next
to its database (``<db>.key.pem``). Public keys travel as 64 hex digits (the raw 32 bytes),
signatures as 128 hex digits (the raw 64 bytes). The store signs every record it writes with the
device key (fieldtool.storage); the formats that carry signatures live in fieldtool.sync.wire.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fieldtool.errors import InputError
from fieldtool.infra import paths

KEY_FILE = "device-key.pem"
"""The name of a laptop's key file in the user data directory."""


class SigningKey:
    """An Ed25519 private key that signs bytes; its public half is `public_key` (hex).

    Args:
        private: the private key.
    """

    def __init__(self, private: Ed25519PrivateKey, path: Path | None = None) -> None:
        self._private = private
        self.path = path
        """The key file it was read from (None for a key made in memory)."""
        self._noted: set[str] = set()
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

    def signed_devices(self) -> set[str]:
        """The device ids this key has signed records for, as noted beside its file (``<key>.devices``).

        A database whose signatures were stripped cannot then have its records attested again by
        this key as if they had been written before fieldtool signed records.
        """
        if self.path is None:
            return set(self._noted)
        try:
            with open(_devices_file(self.path), "rb") as f:
                text = f.read(4_000_000).decode("ascii", "replace")
        except FileNotFoundError:
            return set(self._noted)
        except OSError as e:
            raise InputError(f"cannot read {_devices_file(self.path)}: {e.strerror or e}") from None
        return {line.strip() for line in text.splitlines() if line.strip()} | self._noted

    def note_device(self, device_id: str) -> None:
        """Note, once, beside the key file, that this key signs records of `device_id` (appended and synced to disk).

        Raises:
            InputError: the note cannot be written.
        """
        if device_id in self._noted:
            return
        if self.path is not None and device_id not in self.signed_devices():
            try:
                fd = os.open(_devices_file(self.path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "ab") as out:
                    out.write(device_id.encode("ascii", "replace") + b"\n")
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as e:
                raise InputError(f"cannot write {_devices_file(self.path)}: {e.strerror or e}") from None
        self._noted.add(device_id)

    def pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def _devices_file(key_path: Path) -> Path:
    """Where a key file's list of the devices it signs for lives: ``device-key.pem`` → ``device-key.pem.devices``."""
    return key_path.with_name(key_path.name + ".devices")


def load_or_create(path: Path) -> SigningKey:
    """The key stored at `path`, created first (mode 0600, parents made) if there is none.

    Raises:
        InputError: the file cannot be read or written, is not an Ed25519 key, or others can read it.
    """
    try:
        return load(path)
    except FileNotFoundError:
        pass
    key = SigningKey(Ed25519PrivateKey.generate(), path)
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
    return SigningKey(private, path)


_POOL: ThreadPoolExecutor | None = None
_PARALLEL_FROM = 32
"""Fewer signatures than this are checked in the calling thread (a pool costs more than it saves)."""


def valid_signatures(public_key: str, items: Sequence[tuple[bytes, str]], threads: int | None = None) -> list[bool]:
    """Whether each ``(data, signature)`` is the Ed25519 signature of `data` by `public_key`, in order.

    The checks run on a small pool of threads (`threads`, by default one a core, at most 4): OpenSSL
    releases the GIL while it verifies, so a batch takes about 1/cores of the time on an idle
    machine. Malformed hex counts as invalid.
    """
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    except (ValueError, TypeError):
        return [False] * len(items)

    def one(item: tuple[bytes, str]) -> bool:
        data, signature = item
        try:
            key.verify(bytes.fromhex(signature), data)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True

    def part(chunk: Sequence[tuple[bytes, str]]) -> list[bool]:
        return [one(item) for item in chunk]

    workers = threads or min(4, os.cpu_count() or 1)
    if len(items) < _PARALLEL_FROM or workers == 1:
        return part(items)
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldtool-verify")
    size = -(-len(items) // workers)  # one slice a thread: a future per slice, not per signature
    return [ok for chunk in _POOL.map(part, [items[i : i + size] for i in range(0, len(items), size)]) for ok in chunk]


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


def device_key() -> SigningKey:
    """This laptop's device key (``device-key.pem`` in the user data directory), created on first use.

    Raises:
        InputError: the file cannot be read or written, is not an Ed25519 key, or others can read it.
    """
    return load_or_create(paths.data_dir() / KEY_FILE)


def local_public_key() -> str | None:
    """This laptop's public key, if it has a device key (none is created); None when there is none or it is unusable."""
    try:
        return load(paths.data_dir() / KEY_FILE).public_key
    except (FileNotFoundError, InputError):
        return None


def fingerprint(public_key: str) -> str:
    """A public key's short fingerprint for people: the first 16 hex digits of its SHA-256, in groups of four."""
    try:
        digest = hashlib.sha256(bytes.fromhex(public_key)).hexdigest()[:16]
    except ValueError:
        return "(not a key)"
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def public_key_from_file(path: Path) -> str:
    """The public key in a file given to trust: 64 hex digits, a PEM public key, or a PEM private key (its public half).

    Raises:
        InputError: the file cannot be read, is too large, or holds no Ed25519 key; one line naming it.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(16_385)
    except OSError as e:
        raise InputError(f"cannot read the key file {path}: {e.strerror or e}") from None
    if len(data) > 16_384:
        raise InputError(f"{path} is not a key file: it is larger than 16 KiB")
    text = data.strip()
    if len(text) == 64 and all(c in b"0123456789abcdefABCDEF" for c in text):
        return text.decode("ascii").lower()
    loaded: object
    try:
        loaded = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        try:
            loaded = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise InputError(f"{path} holds no Ed25519 key: give 64 hex digits or a PEM key") from None
    if not isinstance(loaded, Ed25519PublicKey):
        raise InputError(f"{path} holds a key that is not an Ed25519 key")
    return loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
