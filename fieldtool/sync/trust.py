"""Provides whose key a chain is checked against: the hub's register, a key given to trust, or this laptop's own.

A signature proves something only against a key that someone vouches for. A hub vouches for the
keys it enrolled; a laptop for its own device key; an auditor names the key to trust
(``--trust KEYFILE``, the device's public key from the hub's register). Where no such key is at
hand the records can still be checked against the key the database says it signs with: that
proves they were not changed since they were signed (integrity), not who signed them
(authenticity), and every answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fieldtool.core.records import Record, RecordKind, RecordSigner, attestation_problem
from fieldtool.infra.keys import fingerprint, local_public_key, public_key_from_file
from fieldtool.storage import SqliteStore


@dataclass(frozen=True)
class Trust:
    """The keys vouched for where the check runs.

    Args:
        local_key: this laptop's device public key, if it has one.
        given: a public key given to trust (``--trust``) for the database's own device.
        given_from: where `given` came from, for messages (the file).
    """

    local_key: str | None = None
    given: str | None = None
    given_from: str = ""

    @classmethod
    def here(cls, trust_file: Path | None = None) -> Trust:
        """This laptop's key (never created here) and, if given, the key in `trust_file`.

        Raises:
            InputError: `trust_file` cannot be read or holds no Ed25519 key.
        """
        given = public_key_from_file(trust_file) if trust_file is not None else None
        return cls(local_public_key(), given, str(trust_file) if trust_file is not None else "")


def trust_of(services: _HasSigner, trust: Trust | None) -> Trust:
    """`trust` if given, else the keys vouched for where the use-cases run: the signer they were given
    (the TUI's device key), or this laptop's key file."""
    if trust is not None:
        return trust
    signer = getattr(services, "signer", None)
    return Trust(local_key=signer.public_key) if signer is not None else Trust.here()


class _HasSigner(Protocol):
    @property
    def signer(self) -> RecordSigner | None: ...


@dataclass(frozen=True)
class ChainKey:
    """The key one device's chain is checked against, and whether anyone vouches for it."""

    device_id: str
    public_key: str | None
    """The key every signed record of the chain must verify under; None when none is known."""
    trusted: bool
    """Vouched for (register, ``--trust``, this laptop's own key): signatures prove authenticity."""
    source: str
    """Where the key came from, for people: "the hub's register", "--trust FILE", "this laptop's device key"."""
    reason: str = ""
    """Why authenticity is not checked (empty when `trusted`)."""
    attested_through: int = 0
    """The last seq that the chain's ``chain-attested`` record covers (0: none)."""

    @property
    def fingerprint(self) -> str:
        """The key's short fingerprint, or "none"."""
        return fingerprint(self.public_key) if self.public_key else "none"

    def describe(self) -> str:
        """One line: the key and who vouches for it."""
        if self.public_key is None:
            return f"device {self.device_id}: no signing key known ({self.reason})"
        vouched = self.source if self.trusted else f"not vouched for: {self.reason}"
        return f"device {self.device_id}: key {self.fingerprint} ({vouched})"


def chain_key(store: SqliteStore, device_id: str, trust: Trust) -> ChainKey:
    """The key that `device_id`'s chain in `store` must be signed with, and who vouches for it.

    On a hub, its own chain is checked against the hub key (its identity row) and every other chain
    against the register; then a key given to trust (for the database's own device);
    then this laptop's key, when the chain says it signs with it; else the key the chain says it
    signs with, checked for integrity only.
    """
    attested = attested_through(store, device_id)
    hub = store.hub_identity()
    if hub is not None and device_id == hub["id"] == store.device_id:
        # The hub's own chain (reviews and approvals made on the hub) is signed by the hub key.
        return ChainKey(device_id, str(hub["public_key"]), True, "the hub's own key", attested_through=attested)
    if hub is not None:
        enrolled = store.hub_device(device_id)
        if enrolled is not None:
            return ChainKey(device_id, str(enrolled["public_key"]), True, "the hub's register", attested_through=attested)
    claimed = store.signing_keys(device_id)
    if trust.given is not None and device_id == store.device_id:
        return ChainKey(device_id, trust.given, True, f"--trust {trust.given_from}", attested_through=attested)
    if trust.local_key is not None and trust.local_key in claimed:
        return ChainKey(device_id, trust.local_key, True, "this laptop's device key", attested_through=attested)
    if hub is not None and device_id != store.device_id:
        reason = "the device is not enrolled on this hub"
    elif trust.local_key is None:
        reason = "this machine has no device key and no key was given with --trust"
    else:
        reason = "it is not this laptop's device key, and no key was given with --trust"
    if not claimed:
        return ChainKey(device_id, None, False, "", f"the database names no key; {reason}", attested)
    if len(claimed) > 1:
        reason = f"the database names {len(claimed)} keys for it; {reason}"
    return ChainKey(device_id, claimed[0], False, "the database itself", reason, attested)


def attested_through(store: SqliteStore, device_id: str) -> int:
    """The last seq that `device_id`'s first ``chain-attested`` record covers, if it is well-formed; 0 when none."""
    first = store.first_of_kind(str(RecordKind.CHAIN_ATTESTED), device_id)
    return _covered(first)


def _covered(attestation: Record | None) -> int:
    if attestation is None or attestation_problem(attestation) is not None:
        return 0
    return attestation.seq - 1
