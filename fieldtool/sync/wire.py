"""Provides the formats of sync, standard library only: records, signatures, request authentication, receipts, bundles.

Everything signed is signed over `canonical_json` (sorted keys, no spaces, UTF-8), so both sides
compute the same bytes:

- **Record signature** (every record's ``signature`` field): Ed25519 by the device key over
  ``b"fieldtool-record/1\n"`` and the record's hash (fieldtool.core.records.signing_payload). The
  hash covers the record's content and its predecessor's hash; records written before fieldtool
  signed every record carry null and are covered by the chain's ``chain-attested`` record.
- **Finalisation signature** (record kind ``inspection-signed``): Ed25519 by the device key over
  ``canonical_json({"device_id", "seq", "hash"})`` of the finalisation record. The finalisation's
  hash covers every earlier record of the device (each hash covers its predecessor), so the
  signature vouches for the device's whole chain up to that point. The signature record's body
  is ``{"finalisation_id", "inspection_id", "device_id", "seq", "hash", "public_key", "signature"}``;
  it belongs to no inspection (``inspection_id`` null) so a lot's fingerprint is the same before
  and after signing.
- **Request authentication**: headers ``X-Fieldtool-Device``, ``X-Fieldtool-Time`` (Unix seconds),
  ``X-Fieldtool-Nonce`` (32 hex digits, never reused) and ``X-Fieldtool-Signature``: Ed25519 over
  ``canonical_json({"method", "path", "device_id", "time", "nonce", "body_sha256"})``.
- **Receipt**: ``{"type": "fieldtool-receipt/1", "id", "hub_id", "device_id", "seq", "hash",
  "new_records", "duplicates", "source", "issued_at"}`` plus ``"signature"``: Ed25519 by the hub
  key over the canonical JSON of the other fields. ``seq``/``hash`` is the device's chain head
  that the hub holds and acknowledges.
- **Bundle** (a file for a USB stick): ``{"type": "fieldtool-bundle/1", "device_id", "public_key",
  "created_at", "after_seq", "after_hash", "records": [...]}`` plus ``"signature"`` by the device
  key over the canonical JSON of the other fields.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fieldtool.core.records import GENESIS, Record, RecordKind, canonical_json
from fieldtool.infra.bounded import DocumentError, read_json

RECEIPT_TYPE = "fieldtool-receipt/1"
"""The `type` of a receipt."""

BUNDLE_TYPE = "fieldtool-bundle/1"
"""The `type` of a bundle file."""

MAX_BUNDLE_BYTES = 256 * 1024 * 1024
"""The largest bundle file read: about 400 000 records (the demo's 245 lots are 16 000 records in 10 MB)."""

MAX_RECEIPT_BYTES = 64 * 1024
"""The largest receipt file read (a receipt is under 1 KiB)."""

HEADER_DEVICE = "X-Fieldtool-Device"
"""The request header naming the device."""
HEADER_TIME = "X-Fieldtool-Time"
"""The request header with the time of signing, in Unix seconds."""
HEADER_NONCE = "X-Fieldtool-Nonce"
"""The request header with the request's one-time random value."""
HEADER_SIGNATURE = "X-Fieldtool-Signature"
"""The request header with the device's signature of the request."""

RECORD_FIELDS = ("id", "device_id", "seq", "kind", "inspection_id", "recorded_at", "body", "prev_hash", "hash",
                 "signature")
"""The fields of a record on the wire. ``signature`` (the record's own, by the device key; null for a
record written before fieldtool signed every record) may be absent from what an older version sent."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")


class FormatError(ValueError):
    """Data that does not follow the documented format; the message names the field."""


def record_to_dict(record: Record) -> dict[str, Any]:
    """A record as JSON values, for the wire."""
    return {name: getattr(record, name) for name in RECORD_FIELDS}


def record_from_dict(data: object, where: str = "record") -> Record:
    """A record from its wire form, every field type-checked (its hash is checked elsewhere).

    Raises:
        FormatError: a field is missing, unknown or of the wrong type.
    """
    if not isinstance(data, dict):
        raise FormatError(f"{where} is not a JSON object")
    data = {"signature": None, **data}
    if set(data) != set(RECORD_FIELDS):
        missing = sorted(set(RECORD_FIELDS) - set(data))
        extra = sorted(set(data) - set(RECORD_FIELDS))
        raise FormatError(f"{where} has " + "; ".join(
            part for part in (missing and f"no {', '.join(missing)}", extra and f"unknown {', '.join(extra)}") if part
        ))
    for name in ("id", "device_id", "kind", "recorded_at", "prev_hash", "hash"):
        if not isinstance(data[name], str) or not data[name]:
            raise FormatError(f"{where}: {name} must be a non-empty string")
    if not isinstance(data["seq"], int) or isinstance(data["seq"], bool) or data["seq"] < 1:
        raise FormatError(f"{where}: seq must be a positive integer")
    if data["inspection_id"] is not None and not isinstance(data["inspection_id"], str):
        raise FormatError(f"{where}: inspection_id must be a string or null")
    if not isinstance(data["body"], dict):
        raise FormatError(f"{where}: body must be a JSON object")
    if data["signature"] is not None and (not isinstance(data["signature"], str) or not _HEX128.fullmatch(data["signature"])):
        raise FormatError(f"{where}: signature must be 128 hex digits or null")
    return Record(**data)


def finalisation_payload(device_id: str, seq: int, hash: str) -> bytes:
    """The bytes a device signs when it finalises: the canonical JSON of the finalisation's id in the chain."""
    return canonical_json({"device_id": device_id, "seq": seq, "hash": hash})


def signature_body(finalisation: Record, public_key: str, signature: str) -> dict[str, Any]:
    """The body of the ``inspection-signed`` record that signs `finalisation`."""
    return {
        "finalisation_id": finalisation.id,
        "inspection_id": finalisation.inspection_id,
        "device_id": finalisation.device_id,
        "seq": finalisation.seq,
        "hash": finalisation.hash,
        "public_key": public_key,
        "signature": signature,
    }


def signature_problem(record: Record, signed: Record | None, public_key: str | None,
                      valid: Any) -> str | None:
    """What is wrong with a signature record, or None when it holds.

    Args:
        record: the ``inspection-signed`` record.
        signed: the record it names (by ``finalisation_id``), if held.
        public_key: the key the device is known by (enrolled on the hub, own key on a laptop);
            None to accept the key the record names.
        valid: ``valid_signature(public_key, data, signature) -> bool`` (from `keys`).
    """
    where = f"signature record {record.id} (device {record.device_id}, seq {record.seq})"
    body = record.body
    try:
        fid, dev, seq, hsh, key, sig = (body[k] for k in (
            "finalisation_id", "device_id", "seq", "hash", "public_key", "signature"))
    except KeyError as e:
        return f"{where}: body has no {e.args[0]!r}"
    if signed is None:
        return f"{where}: names finalisation {fid}, which is not held"
    if signed.kind != RecordKind.INSPECTION_FINALISED:
        return f"{where}: names record {fid}, which is a {signed.kind}, not a finalisation"
    if (dev, seq, hsh) != (signed.device_id, signed.seq, signed.hash) or dev != record.device_id:
        return f"{where}: names seq {seq} hash {str(hsh)[:12]}…, but finalisation {fid} is seq {signed.seq} hash {signed.hash[:12]}…"
    if public_key is not None and key != public_key:
        return f"{where}: signed with a key that is not the device's enrolled key"
    if not isinstance(sig, str) or not _HEX128.fullmatch(sig) or not valid(key, finalisation_payload(dev, seq, hsh), sig):
        return f"{where}: the signature of finalisation {fid} is not valid (forged or altered)"
    return None


def body_sha256(body: bytes) -> str:
    """SHA-256 (hex) of a request body."""
    return hashlib.sha256(body).hexdigest()


def request_payload(method: str, path: str, device_id: str, time: int, nonce: str, body: bytes) -> bytes:
    """The bytes a device signs to authenticate a request."""
    return canonical_json({
        "method": method.upper(),
        "path": path,
        "device_id": device_id,
        "time": time,
        "nonce": nonce,
        "body_sha256": body_sha256(body),
    })


def unsigned(data: Mapping[str, Any]) -> bytes:
    """The canonical JSON of a signed object without its ``signature``: the bytes its signature covers."""
    return canonical_json({k: v for k, v in data.items() if k != "signature"})


@dataclass(frozen=True)
class Receipt:
    """The hub's signed acknowledgement of a device's chain head."""

    id: str
    """A UUID."""
    hub_id: str
    """The hub that issued it."""
    device_id: str
    """The device whose chain it acknowledges."""
    seq: int
    """The acknowledged head: the device's last record held by the hub (0 before any)."""
    hash: str
    """The hash of that record (`GENESIS` before any)."""
    new_records: int
    """Records stored by the request that produced the receipt."""
    duplicates: int
    """Records of the request that the hub already held (a no-op)."""
    source: str
    """``push``, ``bundle:<sha256 of the file>`` or ``head``."""
    issued_at: str
    """When it was issued: ISO 8601 in UTC."""
    signature: str
    """Ed25519 by the hub key over the canonical JSON of the other fields with ``type``."""

    def as_dict(self) -> dict[str, Any]:
        """The receipt as JSON values, with its ``type``."""
        return {"type": RECEIPT_TYPE, **{k: getattr(self, k) for k in self.__dataclass_fields__}}

    def payload(self) -> bytes:
        """The bytes the signature covers."""
        return unsigned(self.as_dict())


def receipt_from_dict(data: object) -> Receipt:
    """A receipt from its JSON form.

    Raises:
        FormatError: not a receipt, or a field missing or of the wrong type.
    """
    if not isinstance(data, dict) or data.get("type") != RECEIPT_TYPE:
        raise FormatError(f"not a fieldtool receipt (type {RECEIPT_TYPE} expected)")
    fields = {k: v for k, v in data.items() if k != "type"}
    names = set(Receipt.__dataclass_fields__)
    if set(fields) != names:
        raise FormatError(f"receipt fields differ from the format: {', '.join(sorted(set(fields) ^ names))}")
    for k in ("seq", "new_records", "duplicates"):
        if not isinstance(fields[k], int) or isinstance(fields[k], bool) or fields[k] < 0:
            raise FormatError(f"receipt: {k} must be a non-negative integer")
    for k in names - {"seq", "new_records", "duplicates"}:
        if not isinstance(fields[k], str):
            raise FormatError(f"receipt: {k} must be a string")
    return Receipt(**fields)


@dataclass(frozen=True)
class Bundle:
    """A signed file of one device's records, for sending without a network."""

    device_id: str
    """The device whose records it holds (every record must be of it)."""
    public_key: str
    """The device key that signed it (the hub compares it with the enrolled key)."""
    created_at: str
    """When it was written: ISO 8601 in UTC."""
    after_seq: int
    """The records follow this seq: the head acknowledged when it was written (0: from the start)."""
    after_hash: str
    """The hash of the record at `after_seq` (`GENESIS` for 0)."""
    records: tuple[Record, ...]
    """The records, in chain order."""
    signature: str
    """Ed25519 by the device key over the canonical JSON of the other fields with ``type``."""

    def as_dict(self) -> dict[str, Any]:
        """The bundle as JSON values, with its ``type``."""
        return {
            "type": BUNDLE_TYPE,
            "device_id": self.device_id,
            "public_key": self.public_key,
            "created_at": self.created_at,
            "after_seq": self.after_seq,
            "after_hash": self.after_hash,
            "records": [record_to_dict(r) for r in self.records],
            "signature": self.signature,
        }

    def payload(self) -> bytes:
        """The bytes the signature covers."""
        return unsigned(self.as_dict())


def make_bundle(device_id: str, public_key: str, created_at: str, after_seq: int, after_hash: str,
                records: Sequence[Record], sign: Any) -> Bundle:
    """A bundle of `records`, signed with `sign(bytes) -> hex`."""
    draft = Bundle(device_id, public_key, created_at, after_seq, after_hash, tuple(records), "")
    return Bundle(device_id, public_key, created_at, after_seq, after_hash, tuple(records), sign(draft.payload()))


def bundle_from_bytes(data: bytes, name: str) -> Bundle:
    """Read a bundle file's content (its signature is checked by the hub, which knows the device key).

    Raises:
        FormatError: not JSON (a truncated file), not a bundle, or a field of the wrong form; the
            message names the file.
    """
    doc = read_wire_json(data, name, MAX_BUNDLE_BYTES, f"{name} is not a complete bundle ({{problem}}); was it truncated?")
    if not isinstance(doc, dict) or doc.get("type") != BUNDLE_TYPE:
        raise FormatError(f"{name} is not a fieldtool bundle (type {BUNDLE_TYPE} expected)")
    expected = {"type", "device_id", "public_key", "created_at", "after_seq", "after_hash", "records", "signature"}
    if set(doc) != expected:
        raise FormatError(f"{name}: bundle fields differ from the format: {', '.join(sorted(set(doc) ^ expected))}")
    for k in ("device_id", "public_key", "created_at", "after_hash", "signature"):
        if not isinstance(doc[k], str):
            raise FormatError(f"{name}: {k} must be a string")
    if not isinstance(doc["after_seq"], int) or isinstance(doc["after_seq"], bool) or doc["after_seq"] < 0:
        raise FormatError(f"{name}: after_seq must be a non-negative integer")
    if doc["after_seq"] == 0 and doc["after_hash"] != GENESIS:
        raise FormatError(f"{name}: after_hash must be the genesis hash when after_seq is 0")
    if not isinstance(doc["records"], list):
        raise FormatError(f"{name}: records must be a list")
    records = tuple(record_from_dict(r, f"{name} record {i + 1}") for i, r in enumerate(doc["records"]))
    return Bundle(doc["device_id"], doc["public_key"], doc["created_at"], doc["after_seq"], doc["after_hash"],
                  records, doc["signature"])


def read_wire_json(data: bytes, what: str, max_bytes: int, malformed: str | None = None) -> Any:
    """Parse a JSON document of sync within bounds (`fieldtool.infra.bounded.read_json`): no fractions, NaN or
    lone surrogates, integers of at most 30 digits, nesting at most 32 deep, no more than `max_bytes`.

    Args:
        data: the document's bytes.
        what: names it in messages (a file, "the request body", "the hub's answer").
        max_bytes: the largest document accepted.
        malformed: the message for broken syntax (a cut file), with ``{problem}`` for the parser's;
            by default ``<what>: <problem>``.

    Raises:
        FormatError: the document is refused, checked before anything in it is used.
    """
    try:
        return read_json(data, what, max_bytes=max_bytes)
    except DocumentError as e:
        if e.malformed and malformed is not None:
            raise FormatError(malformed.format(problem=e.problem)) from None
        raise FormatError(str(e)) from None


def no_float(text: str) -> Any:
    """A `json.loads` parse_float that refuses any number with a fraction (decimals travel as strings)."""
    raise FormatError(f"a number with a fraction ({text}) cannot enter a record: decimals travel as strings")


def is_hex64(text: object) -> bool:
    """Whether `text` is 64 lowercase hex digits (a hash or a public key)."""
    return isinstance(text, str) and _HEX64.fullmatch(text) is not None
