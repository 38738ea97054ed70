"""Provides `verify_lot`: check everything one lot report rests on, in time that does not grow with the database.

A lot report needs its own evidence intact, not the whole database re-read. `verify_lot` checks,
with indexed look-ups only (``records(inspection_id)``, the ``(device_id, seq)`` key,
``records_device_kind``):

- the lot's records, the ``inspection-signed`` record naming its finalisation, and the register
  records the report shows (the balance its header names, the device's inspector profile): each
  record's hash, its own signature under the chain's key (`fieldtool.sync.trust.chain_key`), its
  body and references (`validate_record`); nothing naming the inspection after its finalisation
  but a `FOLLOWS_FINALISATION` kind; the finalisation signature;
- the links through them: the record at seq - 1 of the same chain has the hash this one names as
  previous, and the record at seq + 1, if any, names this one's hash and carries a valid
  signature, so no record of the lot can be removed or replaced without a signed neighbour
  noticing. Records written before fieldtool signed every record (unsigned, covered by the
  chain's ``chain-attested`` record) have no signature of their own: for them the links are
  walked up to the attestation, which is O(that segment) and happens only for such legacy lots;
- each chain's head against the latest receipt a hub issued for it (a chain shorter than what a
  hub acknowledged was cut short);
- the lot's query rows (its inspection, measurements, tare weighings, densities, verdicts and
  finalisation, the balance and the profile it names) against a replay of those records.

Everything else in the database (other lots, other devices) is `fieldtool verify`'s to check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fieldtool.core.record_schema import RecordSchemaError, validate_record
from fieldtool.core.records import (
    GENESIS,
    Record,
    RecordKind,
    after_finalisation_problem,
    attestation_problem,
    hash_intact,
    signature_problem,
)
from fieldtool.errors import StoreError
from fieldtool.infra.keys import valid_signature
from fieldtool.storage import SqliteStore
from fieldtool.sync import wire
from fieldtool.sync.trust import ChainKey, Trust, chain_key
from fieldtool.sync.verify import Findings, VerifyReport, receipt_problems, record_problems, refuse_unless_sound


@dataclass(frozen=True)
class ReceiptSeen:
    """The receipt a chain was held against: the furthest point of it that a hub acknowledged."""

    device_id: str
    """Whose chain."""
    issued_by_here: bool
    """True when this database is the hub that issued it; False for a receipt a laptop kept."""
    seq: int
    """The seq it acknowledges."""
    issued_at: str
    """When it was issued (ISO 8601)."""
    receipt_id: str
    """The receipt's id."""


@dataclass
class LotVerification(Findings):
    """What `verify_lot` found for one lot."""

    inspection_id: str
    """The inspection checked."""
    records: int = 0
    """Records checked: the lot's, its finalisation signature, and the register records it names."""
    lot_records: int = 0
    """Of them, the records of the inspection itself (what the fingerprint covers)."""
    signed: int = 0
    """Records whose own signature verified under a key (vouched for or not: see `authenticated`)."""
    finalisation_signatures: int = 0
    """``inspection-signed`` records of the lot that verified."""
    receipts: list[ReceiptSeen] = field(default_factory=list)
    """The receipts the chains were held against."""
    receipt_lines: list[str] = field(default_factory=list)
    """The receipts, one line each, as `fieldtool verify` words them."""

    def summary(self) -> str:
        """One line: what was checked and the outcome."""
        return (f"{self.state()}: inspection {self.inspection_id}, {self.records} records checked ({self.lot_records} of the "
                f"lot), {self.signed} record signature{'s' if self.signed != 1 else ''} and "
                f"{self.finalisation_signatures} finalisation signature{'s' if self.finalisation_signatures != 1 else ''} "
                "verified")


def verify_lot(store: SqliteStore, inspection_id: str, trust: Trust | None = None) -> LotVerification:
    """Check one lot's records, their links and signatures, its finalisation, receipts and query rows (see the module docstring).

    Args:
        store: the database (a laptop's or a hub's).
        inspection_id: the inspection.
        trust: the keys vouched for here (`Trust.here()`); none by default (integrity only).

    Returns:
        What was found; `ok` is False when any record, link, signature, receipt or row fails.

    Raises:
        NotFoundError: no such inspection.
    """
    trust = trust or Trust()
    out = LotVerification(inspection_id)
    try:
        lot = store.inspection_records(inspection_id)
        header = next((r for r in lot if r.id == inspection_id), None)
        finalisation = min((r for r in lot if r.kind == RecordKind.INSPECTION_FINALISED), key=lambda r: r.seq,
                           default=None)
        signature = store.signature_of(finalisation) if finalisation is not None else None
        register = _register_records(store, header)
    except StoreError as e:  # a body that is not JSON
        out.add([str(e)])
        return out
    if header is None:
        out.add([f"inspection {inspection_id} has no inspection-created record: its header comes from no record"])
    checked = {r.id: r for r in [*register, *lot, *([signature] if signature is not None else [])]}
    ordered = sorted(checked.values(), key=lambda r: (r.device_id, r.seq))
    out.records, out.lot_records = len(ordered), len(lot)
    hub = store.hub_identity()
    keys: dict[str, ChainKey] = {}
    for device_id in dict.fromkeys(r.device_id for r in ordered):
        key = keys[device_id] = chain_key(store, device_id, trust)
        out.keys.append(key)
        if hub is not None and store.hub_device(device_id) is None and device_id != store.device_id:
            out.add([f"device {device_id}: its records are held, but it is not enrolled on this hub"])
    def lookup(record_id: str) -> Record | None:
        return checked.get(record_id) or store.record_by_id(record_id)

    for record in ordered:
        out.add(_own_problems(record, keys[record.device_id], lookup, out))
    if finalisation is not None:
        finalised = {inspection_id: finalisation.seq}
        out.add([p for r in lot if r.device_id == finalisation.device_id and r.seq > finalisation.seq
                 for p in [after_finalisation_problem(r, finalised)] if p is not None])
        out.add(_finalisation_signature(finalisation, signature, keys[finalisation.device_id], hub is not None, out))
    for device_id, key in keys.items():
        mine = [r for r in ordered if r.device_id == device_id]
        out.add(_link_problems(store, mine, key, set(checked)))
        throwaway = VerifyReport()
        out.add(receipt_problems(store, device_id, throwaway))
        out.receipt_lines += throwaway.receipts
        seen = _receipt(store, device_id, hub is not None)
        if seen is not None:
            out.receipts.append(seen)
    # The inspection's own device first: a review made on the hub names rows that its records create.
    opened_by = header.device_id if header is not None else None
    applied = [*register, *sorted(lot, key=lambda r: (r.device_id != opened_by, r.device_id, r.seq))]
    balance_ids = [r.id for r in register if r.kind == RecordKind.BALANCE_ADDED]
    profiles = [str(r.body.get("profile_id")) for r in register if r.kind == RecordKind.INSPECTOR_SAVED]
    out.add(store.verify_lot_projections(inspection_id, applied, balance_ids, profiles))
    return out


def require_lot_intact(store: SqliteStore, inspection_id: str, what: str, trust: Trust | None = None) -> LotVerification:
    """Refuse to report a lot whose evidence fails `verify_lot`, or whose signatures no trusted key vouches for.

    Args:
        store: the database.
        inspection_id: the inspection.
        what: what would have been made from it, for the message ("the lot report").
        trust: the keys vouched for here.

    Returns:
        What was verified (the report prints it).

    Raises:
        NotFoundError: no such inspection.
        StoreError: a record, link, signature, receipt or row of the lot fails, or no key vouched for signs it.
    """
    found = verify_lot(store, inspection_id, trust)
    refuse_unless_sound(found, store.path, what)
    return found


def _register_records(store: SqliteStore, header: Record | None) -> list[Record]:
    """The register records the report shows: the balance the header names, the inspection device's last inspector profile."""
    out: list[Record] = []
    if header is None:
        return out
    balance_id = header.body.get("balance_id")
    if isinstance(balance_id, str):
        balance = store.record_by_id(balance_id)
        if balance is not None and balance.kind == RecordKind.BALANCE_ADDED:
            out.append(balance)  # a missing or wrong one is the header's reference problem (validate_record)
    profile = store.last_of_kind(str(RecordKind.INSPECTOR_SAVED), header.device_id)
    if profile is not None:
        out.append(profile)
    return out


def _own_problems(
    record: Record, key: ChainKey, lookup: Callable[[str], Record | None], out: LotVerification
) -> list[str]:
    """One record's hash, own signature and body with its references (looked up by `lookup`)."""
    problems: list[str] = []
    if not hash_intact(record):
        problems.append(f"{record.where}: hash does not match its contents")
    problems += record_problems(record, key, {})
    try:
        validate_record(record, lookup)
    except RecordSchemaError as e:
        problems.append(e.detailed())
    if not problems and record.signature is not None and key.public_key is not None:
        out.signed += 1
    return problems


def _finalisation_signature(
    finalisation: Record, signature: Record | None, key: ChainKey, on_hub: bool, out: LotVerification
) -> list[str]:
    """The ``inspection-signed`` record of the finalisation: required on a hub, noted on a laptop until the next sync."""
    if signature is None:
        if on_hub:
            return [(f"finalisation record {finalisation.id} (device {finalisation.device_id}, seq {finalisation.seq}, "
                     f"inspection {finalisation.inspection_id}) is not signed")]
        out.notes.append(f"the finalisation of inspection {finalisation.inspection_id} is not yet covered by a "
                         "finalisation signature (added at the next sync or bundle export)")
        return []
    problem = wire.signature_problem(signature, finalisation, key.public_key, valid_signature)
    if problem is not None:
        return [problem]
    out.finalisation_signatures += 1
    return []


def _link_problems(store: SqliteStore, records: list[Record], key: ChainKey, checked: set[str]) -> list[str]:
    """The links through one chain's checked records (in seq order): each to the record before it and the one after it.

    A next record that is itself among the `checked` ones had its hash and signature checked already.
    """
    problems: list[str] = []
    signed = [r for r in records if r.seq > key.attested_through]
    legacy = [r for r in records if r.seq <= key.attested_through]
    wanted = sorted({s for r in signed for s in (r.seq - 1, r.seq + 1) if s >= 1})
    near = store.records_at(records[0].device_id, wanted) if wanted else {}
    for record in signed:
        problems += _before(record, near.get(record.seq - 1))
        after = near.get(record.seq + 1)
        if after is None:
            continue  # the head of the chain: the receipt check sees a cut
        if after.prev_hash != record.hash:
            problems.append(f"{record.where}: the next record of its chain (seq {after.seq}, {after.id}) does not name "
                            "its hash: one of them was replaced or changed")
        elif after.id not in checked and (not hash_intact(after) or signature_problem(
                after, key.public_key, key.attested_through, valid_signature) is not None):
            problems.append(f"{record.where}: the next record of its chain (seq {after.seq}, {after.id}) does not "
                            "carry a valid signature of the device key over its contents: it was forged or changed")
    if legacy:
        problems += _walk_to_attestation(store, legacy[0], key)
    return problems


def _before(record: Record, previous: Record | None) -> list[str]:
    """The link from a record to the one before it in its chain."""
    if record.seq == 1:
        return [] if record.prev_hash == GENESIS else [f"{record.where}: previous hash does not match the start of the chain"]
    if previous is None:
        return [f"{record.where}: seq {record.seq - 1} missing before it"]
    if previous.hash != record.prev_hash:
        return [f"{record.where}: previous hash does not match record {previous.id} (seq {previous.seq})"]
    return []


def _walk_to_attestation(store: SqliteStore, first: Record, key: ChainKey) -> list[str]:
    """The links and hashes from an unsigned legacy record up to the signed attestation that covers it.

    Unsigned records are proved only by the attestation's hash chaining back to them, so every
    record of that segment is read: O(the segment), for lots recorded before every record was signed.
    """
    problems: list[str] = []
    previous = store.record_at(first.device_id, first.seq - 1) if first.seq > 1 else None
    problems += _before(first, previous)
    expected, last = first.seq, None
    for record in store.records(after_seq=first.seq - 1, device_id=first.device_id):
        if record.seq != expected:
            problems.append(f"{record.where}: seq {expected} missing before it")
        elif last is not None and record.prev_hash != last.hash:
            problems.append(f"{record.where}: previous hash does not match record {last.id} (seq {last.seq})")
        if not hash_intact(record):
            problems.append(f"{record.where}: hash does not match its contents")
        if record.seq == key.attested_through + 1:
            attested = attestation_problem(record) if record.kind == RecordKind.CHAIN_ATTESTED else (
                f"{record.where} is not the chain-attested record that covers the records before it")
            signed = signature_problem(record, key.public_key, key.attested_through, valid_signature)
            problems += [p for p in (attested, signed) if p is not None]
            return problems
        expected, last = record.seq + 1, record
    problems.append(f"{first.where}: the chain ends before the attestation that covers it (seq {key.attested_through + 1})")
    return problems


def _receipt(store: SqliteStore, device_id: str, on_hub: bool) -> ReceiptSeen | None:
    """The receipt acknowledging the furthest point of a chain: the one this hub issued, or the one the laptop kept."""
    row: dict[str, Any] | None = store.latest_issued_receipt(device_id) if on_hub else store.latest_receipt(device_id)
    if row is None or int(row["seq"]) == 0:
        return None
    return ReceiptSeen(device_id, on_hub, int(row["seq"]), str(row["issued_at"]), str(row["id"]))


__all__ = ["LotVerification", "ReceiptSeen", "require_lot_intact", "verify_lot"]
