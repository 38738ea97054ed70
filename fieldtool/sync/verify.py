"""Provides `verify_store`: re-check every chain, projection, record body and signature of a database, naming each record that fails.

A laptop checks its own signatures against its own key; a hub checks every device's against the
key enrolled for it and requires every finalisation to be signed (laptops sign before sending).
Every record's body is held against its kind's schema (fieldtool.core.record_schema), so a
database changed behind fieldtool's back is refused before a report or an export reads it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from fieldtool.core.record_schema import RecordSchemaError, validate_record
from fieldtool.core.records import Record, RecordKind, after_finalisation_problem
from fieldtool.errors import StoreError
from fieldtool.storage import SqliteStore
from fieldtool.sync.keys import valid_signature
from fieldtool.sync.wire import signature_problem


@dataclass
class VerifyReport:
    """What `verify_store` found."""

    records: int = 0
    """Records checked."""
    devices: int = 0
    """Devices whose chains were checked."""
    signatures: int = 0
    """Finalisation signatures checked and found valid."""
    problems: list[str] = field(default_factory=list)
    """One line per failure, naming the record or row: the data must not be used as it is."""
    notes: list[str] = field(default_factory=list)
    """One line per thing worth knowing that is not a failure (unsigned finalisations on a laptop, flagged records)."""

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    def summary(self) -> str:
        """One line: what was checked and the outcome."""
        state = "OK" if self.ok else f"FAILED: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        return (f"{state}: {self.records} records of {self.devices} device{'s' if self.devices != 1 else ''}, "
                f"{self.signatures} finalisation signature{'s' if self.signatures != 1 else ''} verified")


def verify_store(store: SqliteStore, own_public_key: str | None = None) -> VerifyReport:
    """Check every chain (links, hashes, seq), the projections against the records, and every signature.

    Args:
        store: the database (a laptop's or a hub's).
        own_public_key: this laptop's public key, if it has one: its own signatures must be by it.

    Returns:
        The report; `ok` is False when any record, row or signature fails.
    """
    report = VerifyReport()
    report.problems += store.verify_chain()
    report.problems += store.verify_projections()
    hub = store.hub_identity()
    devices = store.chain_devices()
    for device_id in devices:
        head, _ = store.chain_head(device_id)
        if head == 0:
            continue
        report.devices += 1
        report.records += head
        enrolled = store.hub_device(device_id) if hub is not None else None
        if hub is not None and enrolled is None and device_id != store.device_id:
            report.problems.append(f"device {device_id}: its records are held, but it is not enrolled on this hub")
        key = enrolled["public_key"] if enrolled else (own_public_key if device_id == store.device_id else None)
        report.problems += _body_problems(store, device_id)
        for sig in store.records_of_kind(str(RecordKind.INSPECTION_SIGNED), device_id):
            fid = sig.body.get("finalisation_id")
            signed = store.record_by_id(fid) if isinstance(fid, str) else None
            problem = signature_problem(sig, signed, key, valid_signature)
            if problem is None:
                report.signatures += 1
            else:
                report.problems.append(problem)
        unsigned = store.unsigned_finalisations(device_id)
        for f in unsigned:
            line = f"finalisation record {f.id} (device {device_id}, seq {f.seq}, inspection {f.inspection_id}) is not signed"
            if hub is not None:
                report.problems.append(line)
            else:
                report.notes.append(line + " yet (signed at the next sync or bundle export)")
    if hub is not None:
        flagged = store.flagged()
        if flagged:
            report.notes.append(f"{len(flagged)} refused record{'s' if len(flagged) != 1 else ''} kept aside for the "
                                "supervisor (see 'fieldtool hub flagged'); none of them is in the chains")
    return report


def _body_problems(store: SqliteStore, device_id: str) -> list[str]:
    """One line per record of a device's chain whose body fails its kind's schema, names a record that is not there,
    or names an inspection finalised before it."""
    held = _RecentRecords(store)
    problems: list[str] = []
    finalised: dict[str, int] = {}  # inspection id -> seq of its finalisation, in this chain so far
    try:
        for record in store.records(device_id=device_id):
            late = after_finalisation_problem(record, finalised)
            if late is not None:
                problems.append(late)
            if record.kind == RecordKind.INSPECTION_FINALISED and record.inspection_id is not None:
                finalised.setdefault(record.inspection_id, record.seq)
            try:
                validate_record(record, held.get)
            except RecordSchemaError as e:
                problems.append(e.detailed())
            else:
                held.add(record)
    except StoreError as e:  # a body that is not JSON; the chain check names it as well
        problems.append(str(e))
    return problems


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


def require_intact(store: SqliteStore, what: str) -> None:
    """Refuse to use a database that fails verification (reports must never show corrupted data).

    Args:
        store: the database.
        what: what would have been made from it, for the message ("the lot report").

    Raises:
        StoreError: a chain, projection or signature fails; the message names the first problem.
    """
    problems = verify_store(store).problems
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise StoreError(
            f"{store.path} fails verification, so {what} is refused: {problems[0]}{more}; run 'fieldtool verify'"
        )
