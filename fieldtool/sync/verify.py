"""Provides `verify_store`: re-check every chain, record signature, body, projection and receipt of a database, naming each record that fails.

Each device's chain is read once, in order, holding only a bounded window of recent records:
its links, hashes and sequence numbers; every record's own signature against the key of
`fieldtool.sync.trust.chain_key` (the hub's register, ``--trust``, this laptop's key); its body
against its kind's schema (fieldtool.core.record_schema); nothing naming an inspection after its
finalisation; the finalisation signatures. Then the query tables are rebuilt from the records in
a scratch file and compared, and each chain is held against the receipts that acknowledge it: a
chain shorter than a head a hub acknowledged was cut short.

Where no key is vouched for, the answer is "integrity checked, authenticity not checked" with the
reason, never a plain OK.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fieldtool.core.record_schema import RecordSchemaError, validate_record
from fieldtool.core.records import (
    ChainWalk,
    Record,
    RecordKind,
    SignatureCheck,
    after_finalisation_problem,
    attestation_problem,
    prechecked,
    signature_problem,
)
from fieldtool.errors import StoreError
from fieldtool.infra.keys import valid_signature, valid_signatures
from fieldtool.storage import SqliteStore
from fieldtool.sync import wire
from fieldtool.sync.trust import ChainKey, Trust, chain_key

CHUNK = 512
"""Records read and signature-checked together: bounded memory, and a batch large enough for the threads."""

MAX_LISTED = 200
"""The most problem lines a report keeps; the count beyond them is kept as a number."""


@dataclass(kw_only=True)
class Findings:
    """What a check found: its problems (capped), notes and the keys the chains were checked against."""

    problems: list[str] = field(default_factory=list)
    """One line per failure, naming the record or row: the data must not be used as it is."""
    more_problems: int = 0
    """Problems found beyond the `MAX_LISTED` kept in `problems`."""
    notes: list[str] = field(default_factory=list)
    """Things worth knowing that are not failures (unsigned finalisations on a laptop, flagged records)."""
    keys: list[ChainKey] = field(default_factory=list)
    """The key each chain was checked against, and who vouches for it."""

    @property
    def ok(self) -> bool:
        """No problem found (authenticity may still be unchecked: see `authenticated`)."""
        return not self.problems

    @property
    def authenticated(self) -> bool:
        """Every chain was checked against a key someone vouches for."""
        return all(k.trusted for k in self.keys)

    @property
    def problem_count(self) -> int:
        """Every problem found, listed or not."""
        return len(self.problems) + self.more_problems

    def add(self, problems: list[str]) -> None:
        """Keep problems, up to `MAX_LISTED` lines; count the rest."""
        room = max(0, MAX_LISTED - len(self.problems))
        self.problems += problems[:room]
        self.more_problems += len(problems) - len(problems[:room])

    def state(self) -> str:
        """OK, FAILED, or INTEGRITY CHECKED, AUTHENTICITY NOT CHECKED."""
        if not self.ok:
            return f"FAILED: {self.problem_count} problem{'s' if self.problem_count != 1 else ''}"
        return "OK" if self.authenticated else "INTEGRITY CHECKED, AUTHENTICITY NOT CHECKED"


@dataclass
class VerifyReport(Findings):
    """What `verify_store` found."""

    records: int = 0
    """Records checked."""
    devices: int = 0
    """Devices whose chains were checked."""
    signed: int = 0
    """Records whose own signature was checked and found valid against a key vouched for."""
    signatures: int = 0
    """Finalisation signatures checked and found valid."""
    receipts: list[str] = field(default_factory=list)
    """One line per chain held against a receipt: what the receipt acknowledged."""

    def summary(self) -> str:
        """One line: what was checked and the outcome."""
        return (f"{self.state()}: {self.records} records of {self.devices} device{'s' if self.devices != 1 else ''}, "
                f"{self.signed} record signature{'s' if self.signed != 1 else ''} and {self.signatures} finalisation "
                f"signature{'s' if self.signatures != 1 else ''} verified")

    def details(self) -> list[str]:
        """The lines beneath the summary: each chain's key and who vouches for it, each receipt, each note."""
        lines = [f"key {k.describe()}" for k in self.keys]
        lines += [f"receipt {line}" for line in self.receipts]
        lines += [f"note {line}" for line in self.notes]
        if self.more_problems:
            lines.append(f"note {self.more_problems} more problems were found than the {MAX_LISTED} listed")
        return lines


def verify_store(store: SqliteStore, trust: Trust | None = None) -> VerifyReport:
    """Check every chain, record signature, body, finalisation signature, projection and receipt.

    Args:
        store: the database (a laptop's or a hub's).
        trust: the keys vouched for here (`Trust.here()`); none by default (integrity only).

    Returns:
        The report; `ok` is False when any record, row, signature or receipt fails.
    """
    trust = trust or Trust()
    report = VerifyReport()
    hub = store.hub_identity()
    unsigned_finalisations = 0
    for device_id in store.chain_devices():
        head, _ = store.chain_head(device_id)
        if head == 0:
            continue
        report.devices += 1
        report.records += head
        key = chain_key(store, device_id, trust)
        report.keys.append(key)
        if hub is not None and store.hub_device(device_id) is None and device_id != store.device_id:
            report.add([f"device {device_id}: its records are held, but it is not enrolled on this hub"])
        walked = walk_chain(store, device_id, key)
        report.add(walked.problems)
        report.signed += walked.signed if key.trusted else 0
        report.signatures += walked.finalisation_signatures
        report.add(receipt_problems(store, device_id, report))
        unsigned = store.unsigned_finalisations(device_id)
        if hub is not None:
            report.add([f"finalisation record {f.id} (device {device_id}, seq {f.seq}, inspection {f.inspection_id}) "
                        "is not signed" for f in unsigned])
        else:
            unsigned_finalisations += len(unsigned)
    if unsigned_finalisations:
        report.notes.append(f"{unsigned_finalisations} finalised inspection{'s are' if unsigned_finalisations != 1 else ' is'} "
                            "not yet covered by a finalisation signature (added at the next sync or bundle export; "
                            "every record is signed on its own already)")
    report.add(store.verify_projections())
    if hub is not None:
        flagged = store.flagged()
        if flagged:
            report.notes.append(f"{len(flagged)} refused record{'s' if len(flagged) != 1 else ''} kept aside for the "
                                "supervisor (see 'fieldtool hub flagged'); none of them is in the chains")
    return report


@dataclass
class ChainCheck:
    """What one walk along a chain found."""

    problems: list[str] = field(default_factory=list)
    signed: int = 0
    """Records whose own signature verified under the chain's key."""
    finalisation_signatures: int = 0
    """``inspection-signed`` records that verified."""


def walk_chain(store: SqliteStore, device_id: str, key: ChainKey) -> ChainCheck:
    """Read one device's chain once, in order: links, hashes, record signatures, bodies, finality, finalisation signatures.

    Memory is bounded: the walk keeps the previous record and a window of recent ones for references.
    """
    check = ChainCheck()
    held = _RecentRecords(store)
    walk = ChainWalk()
    finalised: dict[str, int] = {}  # inspection id -> seq of its finalisation, in this chain so far
    try:
        for chunk in _chunks(store.records(device_id=device_id), CHUNK):
            valid = prechecked(key.public_key, chunk, valid_signatures, valid_signature)  # in parallel, a chunk at a time
            for record in chunk:
                problems = walk.step(record)
                problems += record_problems(record, key, finalised, valid)
                if record.signature is not None and key.public_key is not None and not problems:
                    check.signed += 1
                try:
                    validate_record(record, held.get)
                except RecordSchemaError as e:
                    problems.append(e.detailed())
                else:
                    held.add(record)
                if record.kind == RecordKind.INSPECTION_SIGNED:
                    fid = record.body.get("finalisation_id")
                    signed = held.get(fid) if isinstance(fid, str) else None
                    late = wire.signature_problem(record, signed, key.public_key, valid_signature)
                    if late is None:
                        check.finalisation_signatures += 1
                    else:
                        problems.append(late)
                check.problems += problems
    except StoreError as e:  # a body that is not JSON
        check.problems.append(str(e))
    return check


def record_problems(
    record: Record, key: ChainKey, finalised: dict[str, int], valid: SignatureCheck = valid_signature
) -> list[str]:
    """What is wrong with one record besides its links and body: its own signature, an attestation, its place after a finalisation.

    Args:
        record: the next record of the chain.
        key: the chain's key and the seq its attestation covers.
        finalised: the inspections finalised earlier in the chain, with their finalisation's seq;
            a finalisation record is added to it.
        valid: the signature check (`prechecked` answers a chunk's checks from one parallel batch).
    """
    problems: list[str] = []
    signature = signature_problem(record, key.public_key, key.attested_through, valid)
    if signature is not None:
        problems.append(signature)
    if record.kind == RecordKind.CHAIN_ATTESTED:
        attested = attestation_problem(record)
        if attested is not None:
            problems.append(attested)
        elif record.seq - 1 != key.attested_through:
            problems.append(f"{record.where}: a chain is attested once; its first attestation covers seq "
                            f"1–{key.attested_through}")
    late = after_finalisation_problem(record, finalised)
    if late is not None:
        problems.append(late)
    if record.kind == RecordKind.INSPECTION_FINALISED and record.inspection_id is not None:
        finalised.setdefault(record.inspection_id, record.seq)
    return problems


def receipt_problems(store: SqliteStore, device_id: str, report: VerifyReport) -> list[str]:
    """Hold a chain against the receipt that acknowledges the furthest point of it: the hub's own, or the laptop's.

    A receipt proves that the hub held the chain through its seq and hash when it issued it; a
    chain held here that is shorter, or differs at that seq, was cut short or changed since. It
    cannot prove anything about records written after the last sync.
    """
    if store.hub_identity() is not None:
        receipt = store.latest_issued_receipt(device_id)
        whose = "this hub"
    else:
        receipt = store.latest_receipt(device_id)
        whose = "the hub"
    if receipt is None or int(receipt["seq"]) == 0:
        return []
    seq, digest = int(receipt["seq"]), str(receipt["hash"])
    report.receipts.append(f"device {device_id}: {whose} acknowledged seq {seq} on {receipt['issued_at']} "
                           f"(receipt {receipt['id']})")
    head, _ = store.chain_head(device_id)
    if head < seq:
        return [(f"device {device_id}: the chain ends at seq {head}, but {whose} acknowledged seq {seq} "
                 f"(receipt {receipt['id']} of {receipt['issued_at']}): records {head + 1}–{seq} were removed")]
    at = store.record_at(device_id, seq)
    if at is None or at.hash != digest:
        return [(f"device {device_id}: the record at seq {seq} is not the one {whose} acknowledged "
                 f"(receipt {receipt['id']}): the chain was changed after it was synced")]
    return []


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _RecentRecords:
    """Records by id for the references of a chain read in order: the recent valid ones in memory, the rest from the store.

    A record refers to records shortly before it (a measurement to its inspection, a verdict to the
    inspection's measurements), so a bounded cache answers nearly every look-up and the memory
    does not grow with the database.
    """

    def __init__(self, store: SqliteStore, size: int = 4096) -> None:
        self._store = store
        self._size = size
        self._recent: OrderedDict[str, Record] = OrderedDict()

    def add(self, record: Record) -> None:
        """Remember a record that passed its checks; the least recently used one goes beyond `size`."""
        self._recent[record.id] = record
        if len(self._recent) > self._size:
            self._recent.popitem(last=False)

    def get(self, record_id: str) -> Record | None:
        """A record by id: from memory if seen recently, else from the store (None when not held)."""
        found = self._recent.get(record_id)
        if found is not None:
            self._recent.move_to_end(record_id)
            return found
        return self._store.record_by_id(record_id)


def require_intact(store: SqliteStore, what: str, trust: Trust | None = None) -> VerifyReport:
    """Refuse to use a database that fails verification or whose signatures no trusted key vouches for.

    Args:
        store: the database.
        what: what would have been made from it, for the message ("the programme summary").
        trust: the keys vouched for here.

    Returns:
        The report of the check (for what it says was verified).

    Raises:
        StoreError: a chain, projection, signature or receipt fails, or no key vouched for signs it.
    """
    report = verify_store(store, trust)
    refuse_unless_sound(report, store.path, what)
    return report


def refuse_unless_sound(found: Findings, path: str, what: str) -> None:
    """Refuse what would be made from data that failed a check or that no trusted key vouches for.

    Raises:
        StoreError: one line naming the first problem (and how many more), or the key no one vouches for.
    """
    if found.problems:
        more = f" (and {found.problem_count - 1} more)" if found.problem_count > 1 else ""
        raise StoreError(f"{path} fails verification, so {what} is refused: {found.problems[0]}{more}; "
                         "run 'fieldtool verify'")
    untrusted = [k for k in found.keys if not k.trusted]
    if untrusted:
        raise StoreError(f"{path}: the records' signatures are not checked against a trusted key "
                         f"({untrusted[0].describe()}), so {what} is refused; give --trust KEYFILE with the device's "
                         "public key, or run it on the laptop that signed them or on the hub")
