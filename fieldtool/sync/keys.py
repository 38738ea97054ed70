"""Provides the signing of finalisations; the keys themselves are fieldtool.infra.keys (re-exported here).

A finalisation signature (record kind ``inspection-signed``) is made with the device key over the
finalisation's place in the chain (fieldtool.sync.wire).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldtool.core.records import Record
from fieldtool.infra.keys import (
    KEY_FILE,
    SigningKey,
    device_key,
    fingerprint,
    load,
    load_or_create,
    local_public_key,
    public_key_from_file,
    valid_signature,
    valid_signatures,
)
from fieldtool.sync.wire import finalisation_payload, signature_body

__all__ = [
    "KEY_FILE",
    "SigningKey",
    "device_key",
    "finalisation_signer",
    "fingerprint",
    "load",
    "load_or_create",
    "local_public_key",
    "public_key_from_file",
    "valid_signature",
    "valid_signatures",
]


def finalisation_signer(key: SigningKey) -> Callable[[Record], dict[str, Any]]:
    """The body maker for ``inspection-signed`` records: signs a finalisation with `key` (see `wire`)."""

    def sign(finalisation: Record) -> dict[str, Any]:
        payload = finalisation_payload(finalisation.device_id, finalisation.seq, finalisation.hash)
        return signature_body(finalisation, key.public_key, key.sign(payload))

    return sign
