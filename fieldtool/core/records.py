"""Provides records: the canonical encoding, the per-device hash chain and its verification.

Every change fieldtool stores is a `Record` of one device: the device's next sequence number,
the hash of that device's previous record, and its own hash, SHA-256 over the canonical JSON of
its fields. Current state (inspections, measurements, verdicts ...) is derived from the records,
so records from many laptops can be merged and checked later. A float never enters a record:
its decimal digits are not the ones that were recorded (Decimals are encoded as their string).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

GENESIS = "0" * 64
"""The previous hash of a device's first record."""

HASHED_FIELDS = ("id", "device_id", "seq", "kind", "inspection_id", "recorded_at", "body")
"""The fields of a record that its hash covers, besides the previous hash."""

_HEX64 = re.compile(r"[0-9a-f]{64}")


class RecordKind(enum.StrEnum):
    """What a record says happened."""

    INSPECTOR_SAVED = "inspector-saved"
    """The inspector profile of this device was saved."""
    BALANCE_ADDED = "balance-added"
    """A balance was added to the register."""
    INSPECTION_CREATED = "inspection-created"
    """An inspection was opened with its header; the record's id is the inspection's id."""
    MEASUREMENT_RECORDED = "measurement-recorded"
    """A package was measured."""
    MEASUREMENT_CORRECTED = "measurement-corrected"
    """A measurement was replaced by a new value, with a reason."""
    MEASUREMENT_WITHDRAWN = "measurement-withdrawn"
    """A measurement was withdrawn (undone), with a reason."""
    TARE_RECORDED = "tare-recorded"
    """A packaging was weighed for the tare."""
    DENSITY_RECORDED = "density-recorded"
    """A density at 20 °C was determined or typed."""
    VERDICT_SAVED = "verdict-saved"
    """A verdict was saved with the inputs that produced it."""
    INSPECTION_FINALISED = "inspection-finalised"
    """The inspection was closed; no record may refer to it afterwards."""
    INSPECTION_SIGNED = "inspection-signed"
    """A finalisation was signed with the device key (fieldtool.sync.signing); the record names the
    finalisation in its body and belongs to no inspection, so a lot's fingerprint does not change."""
    CHAIN_ATTESTED = "chain-attested"
    """The records of this device written before fieldtool signed every record (seq 1 to
    ``through_seq``) were attested once by the device key: this record is signed, and its hash
    covers every one of them through the previous hashes. Written once, on the first opening by a
    version that signs; every record after it carries its own signature."""
    INSPECTION_REVIEWED = "inspection-reviewed"
    """A reviewer (审核) passed a finalised inspection's report: name, title and the record reviewed
    (the finalisation, or the latest header correction); written after the finalisation."""
    INSPECTION_APPROVED = "inspection-approved"
    """An authorised signatory (批准) approved the review named in the body: the report is issued."""
    INSPECTION_RETURNED = "inspection-returned"
    """A reviewer or the authorised signatory returned the report, with a reason: it is not issued,
    and the next decision must be a new review."""
    HEADER_CORRECTED = "header-corrected"
    """Header fields of a finalised inspection that are not part of the judgement (a misspelt site
    name) were corrected, with a reason; after an issued report this makes a revised report."""
    SAMPLING_RECORDED = "sampling-recorded"
    """The sampling form (抽样单, JJF 1070 appendix H) of an open inspection: number, date, place,
    samplers, the inspected unit, the producer as labelled, the product, the samples and who
    represents the inspected party. It may be recorded again before finalisation to correct it; the
    latest counts."""
    ENVIRONMENT_RECORDED = "environment-recorded"
    """The ambient temperature and relative humidity at the weighing of an open inspection, and
    where in the lot's life they were read (the packages weighed so far)."""
    LABEL_CHECKED = "label-checked"
    """The label check (净含量标注) of an open inspection: the net-content statement as printed, the
    measured character height, the rules applied and the conclusion. It may be recorded again
    before finalisation (the latest counts); never after."""


def to_json_value(obj: object) -> Any:
    """Turn a value into plain JSON values, exactly: Decimals become their string.

    Args:
        obj: dicts with string keys, lists, tuples, strings (string enums included), ints,
            bools, None and finite Decimals.

    Returns:
        The same value made of dict, list, str, int, bool and None only.

    Raises:
        TypeError: a float, a non-finite Decimal, a non-string key or any other type.
    """
    kind = type(obj)
    if kind is str or kind is int or kind is bool or obj is None:
        return obj  # the plain types as they are (the most frequent case: checked first)
    if isinstance(obj, str):
        # str.__str__ gives a plain str of the content, so a StrEnum is stored as its value.
        return str.__str__(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        raise TypeError(f"a float ({obj!r}) cannot enter a record; use Decimal or str so its digits stay exact")
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise TypeError(f"a non-finite Decimal ({obj}) cannot enter a record")
        return str(obj)
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"record keys must be strings; got {key!r}")
            out[str(key)] = to_json_value(value)
        return out
    if isinstance(obj, (list, tuple)):
        return [to_json_value(v) for v in obj]
    raise TypeError(f"a {type(obj).__name__} ({obj!r}) cannot enter a record")


def canonical_json(obj: object) -> bytes:
    """The canonical encoding of a value: sorted keys, no spaces, UTF-8, Decimals as strings.

    Two equal values always give the same bytes, so the encoding can be hashed and signed.

    Raises:
        TypeError: the value holds a float or a type JSON cannot represent exactly.
    """
    return _canonical_plain(to_json_value(obj))


def _canonical_plain(plain: object) -> bytes:
    """`canonical_json` of a value already made of plain JSON values (`to_json_value`'s result)."""
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def record_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The hash of a record: SHA-256 (hex) of the canonical JSON of its fields and the previous hash.

    Args:
        prev_hash: the hash of the device's previous record, or `GENESIS` for its first.
        fields: exactly the `HASHED_FIELDS`.

    Returns:
        64 lowercase hex digits.

    Raises:
        ValueError: a field is missing or unknown.
        TypeError: a field holds a value that cannot enter a record.
    """
    if set(fields) != set(HASHED_FIELDS):
        raise ValueError(f"a record hash covers exactly {', '.join(HASHED_FIELDS)}; got {', '.join(sorted(fields))}")
    return hashlib.sha256(canonical_json({"prev": prev_hash, **fields})).hexdigest()


@dataclass(frozen=True)
class Record:
    """One entry of a device's hash chain."""

    id: str
    """A UUID, unique across every device."""
    device_id: str
    """The UUID of the device that wrote the record."""
    seq: int
    """The record's place in its device's chain: 1, 2, 3 … without gaps."""
    kind: str
    """What happened: a `RecordKind` value (kept as text so records of later versions can be read)."""
    inspection_id: str | None
    """The inspection the record belongs to; None for the register (inspector profile, balances)."""
    recorded_at: str
    """When it was recorded: ISO 8601 in UTC."""
    body: Mapping[str, Any]
    """The content, made of JSON values only (Decimals as strings)."""
    prev_hash: str
    """The hash of the device's previous record; `GENESIS` for the first."""
    hash: str
    """SHA-256 over the canonical JSON of the previous hash and the fields above."""
    signature: str | None = None
    """Ed25519 by the device key over `signing_payload(hash)` (128 hex digits); None only for the
    records written before fieldtool signed every record, which a ``chain-attested`` record covers."""

    @property
    def where(self) -> str:
        """The record named for a message: id, device, seq and kind."""
        return f"record {self.id} (device {self.device_id}, seq {self.seq}, {self.kind})"

    def fields(self) -> dict[str, Any]:
        """The fields that the hash covers (besides the previous hash)."""
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def body_json(self) -> str:
        """The body in its canonical JSON text, as stored."""
        return canonical_json(self.body).decode("utf-8")


SIGNATURE_DOMAIN = b"fieldtool-record/1\n"
"""The prefix of the bytes a record signature covers, so that it can never be taken for another signature."""


def signing_payload(record_hash: str) -> bytes:
    """The bytes a record's signature covers: the domain prefix and the record's hash (which covers
    its content and, through the previous hash, every earlier record of its chain)."""
    return SIGNATURE_DOMAIN + record_hash.encode("ascii", "replace")


class RecordSigner(Protocol):
    """What signs records: the device key (fieldtool.infra.keys.SigningKey)."""

    public_key: str
    """The public key: 64 hex digits."""

    def sign(self, data: bytes) -> str:
        """The signature of `data`: 128 hex digits."""
        ...


SignatureCheck = Callable[[str, bytes, str], bool]
"""``valid(public_key, data, signature) -> bool`` (fieldtool.infra.keys.valid_signature)."""


def signature_problem(record: Record, key: str | None, attested_through: int, valid: SignatureCheck) -> str | None:
    """What is wrong with a record's own signature, or None when it holds (or cannot be checked for want of a key).

    Args:
        record: a record of a chain.
        key: the public key that must have signed it; None when no key is at hand (then only an
            unsigned record past the attestation is a problem).
        attested_through: the last seq that the chain's ``chain-attested`` record covers (0: none).
        valid: the signature check.
    """
    if record.signature is None:
        if record.seq <= attested_through:
            return None
        return f"{record.where} is not signed: written or changed without the device key"
    if key is None:
        return None
    if not valid(key, signing_payload(record.hash), record.signature):
        return f"{record.where}: its signature is not the device key's (forged, altered, or signed with another key)"
    return None


def prechecked(public_key: str | None, records: Iterable[Record],
               valid_many: Callable[[str, Sequence[tuple[bytes, str]]], list[bool]], valid: SignatureCheck) -> SignatureCheck:
    """A signature check for `signature_problem` that answers from one batched check of the records' own signatures.

    Args:
        public_key: the key the records must be signed with (None: nothing is checked ahead).
        records: the records about to be checked one by one.
        valid_many: checks many signatures under one key at once (fieldtool.infra.keys.valid_signatures).
        valid: the single check, for anything not checked ahead.
    """
    answers: dict[tuple[bytes, str], bool] = {}
    if public_key is not None:
        items = [(signing_payload(r.hash), r.signature) for r in records if r.signature is not None]
        answers = dict(zip(items, valid_many(public_key, items), strict=True))

    def check(key: str, data: bytes, signature: str) -> bool:
        known = answers.get((data, signature)) if key == public_key else None
        return valid(key, data, signature) if known is None else known

    return check


def attestation_problem(record: Record) -> str | None:
    """What is wrong with a ``chain-attested`` record itself, or None (it must be signed and cover exactly the records before it)."""
    if record.signature is None:
        return f"{record.where} is not signed: an attestation must carry the device key's signature"
    if record.body.get("through_seq") != record.seq - 1:
        return f"{record.where} does not attest exactly the records before it (through_seq {record.body.get('through_seq')!r})"
    return None


FOLLOWS_FINALISATION = frozenset({
    RecordKind.INSPECTION_SIGNED,
    RecordKind.INSPECTION_REVIEWED,
    RecordKind.INSPECTION_APPROVED,
    RecordKind.INSPECTION_RETURNED,
    RecordKind.HEADER_CORRECTED,
})
"""The kinds a finalised inspection may still be followed by: its signature (which names the
finalisation and belongs to no inspection), and the sign-off of its report: review, approval,
return and header correction (each names the finalisation or a later correction, so none can
come before it); every other record naming a finalised inspection is a forgery or a bug."""


def after_finalisation_problem(record: Record, finalised: Mapping[str, int]) -> str | None:
    """Why `record` may not stand where it does, if it names an inspection finalised before it.

    Args:
        record: a record of a chain, read in order.
        finalised: the inspections finalised earlier in the chain, with their finalisation's seq.

    Returns:
        One line naming the record and the finalisation, or None when the record may stand there.
    """
    iid = record.inspection_id
    if iid is None or iid not in finalised or record.kind in FOLLOWS_FINALISATION:
        return None
    return (f"record {record.id} (device {record.device_id}, seq {record.seq}, {record.kind}) refers to inspection "
            f"{iid} after its finalisation at seq {finalised[iid]}: a finalised inspection is final")


def records_fingerprint(hashes: Iterable[str]) -> str:
    """The fingerprint of a set of records: SHA-256 (hex) of the canonical JSON of the list of their hashes.

    A lot's fingerprint covers every record of the inspection, in the store's order
    (`SqliteStore.inspection_records`). Each record hash covers its content and its predecessor, so
    the fingerprint changes with any change to what was stored; the lot report prints it and
    `fieldtool verify --report` recomputes it.
    """
    return hashlib.sha256(canonical_json(list(hashes))).hexdigest()


def new_record(**fields: Any) -> Record:
    """The record alone of `encode_new_record` (the same keyword arguments): the next record of a chain.

    Raises:
        TypeError: the body holds a float or another value that cannot enter a record.
    """
    return encode_new_record(**fields)[0]


def encode_new_record(
    *,
    prev_hash: str,
    id: str,
    device_id: str,
    seq: int,
    kind: str,
    inspection_id: str | None,
    recorded_at: str,
    body: Mapping[str, Any],
    signer: RecordSigner | None = None,
) -> tuple[Record, str]:
    """`new_record`, with the body's canonical JSON text as stored (`Record.body_json`), encoded once for both.

    Raises:
        TypeError: the body holds a float or another value that cannot enter a record.
    """
    plain = to_json_value(body)  # what canonical_json encodes: plain JSON values, exactly
    fields = {
        "id": id,
        "device_id": device_id,
        "seq": seq,
        "kind": str(kind),
        "inspection_id": inspection_id,
        "recorded_at": recorded_at,
        "body": plain,
    }
    # `record_hash`, with the body encoded once for the hash and the stored text. Every other field
    # is text, an integer or None, and "body" sorts before every other key, so the canonical
    # encoding of the whole is '{"body":' + the body's + ',' + the rest's without its "{".
    body_text = _canonical_plain(plain).decode("utf-8")
    rest = {key: value for key, value in fields.items() if key != "body"} | {"prev": prev_hash}
    whole = '{"body":' + body_text + "," + _canonical_plain(rest).decode("utf-8")[1:]
    digest = hashlib.sha256(whole.encode("utf-8")).hexdigest()
    signature = signer.sign(signing_payload(digest)) if signer is not None else None
    return Record(**fields, prev_hash=prev_hash, hash=digest, signature=signature), body_text


def chain_problems(records: Iterable[Record]) -> list[str]:
    """Check the hash chains of the records: links, hashes and sequence numbers, device by device.

    Args:
        records: records of one or more devices, in any order.

    Returns:
        One line per problem, naming the record; an empty list when every chain is intact.
    """
    ordered = sorted(records, key=lambda r: (r.device_id, r.seq))
    walk = ChainWalk()
    return [problem for record in ordered for problem in walk.step(record)]


class ChainWalk:
    """Checks chains record by record, in (device, seq) order, holding only the previous record: links, hashes, seq.

    Memory does not grow with the chain, so a database of any size is checked as it streams past.
    """

    def __init__(self) -> None:
        self._device: str | None = None
        self._expected_seq = 1
        self._expected_prev = GENESIS
        self._previous: Record | None = None

    def step(self, record: Record) -> list[str]:
        """The problems of the next record; records must come in (device, seq) order."""
        if record.device_id != self._device:
            self._device, self._expected_seq, self._expected_prev, self._previous = record.device_id, 1, GENESIS, None
        problems: list[str] = []
        where = f"record {record.id} (device {record.device_id}, seq {record.seq})"
        if record.seq > self._expected_seq:
            gap = self._expected_seq
            missing = str(gap) if record.seq == gap + 1 else f"{gap}-{record.seq - 1}"
            problems.append(f"{where}: seq {missing} missing before it")
        elif record.seq < self._expected_seq:
            problems.append(f"{where}: seq {record.seq} appears more than once")
        if record.prev_hash != self._expected_prev:
            after = f"record {self._previous.id}" if self._previous is not None else "the start of the chain"
            problems.append(f"{where}: previous hash does not match {after}")
        if not hash_intact(record):
            problems.append(f"{where}: hash does not match its contents")
        self._expected_seq, self._expected_prev, self._previous = record.seq + 1, record.hash, record
        return problems


def hash_intact(record: Record) -> bool:
    """Whether a record's hash is well-formed and is the hash of its contents and previous hash."""
    try:
        return _HEX64.fullmatch(record.hash) is not None and record_hash(record.prev_hash, record.fields()) == record.hash
    except (TypeError, ValueError):
        return False
