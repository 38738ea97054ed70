"""Provides `LedgerStore`: the record chains held in the store: reading, verifying, looking up and signing records.

A part of `SqliteStore` (fieldtool.storage.store). The hub stores the records pushed by other
devices here too (`insert_verified_record`); the formats and the checks live in fieldtool.sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fieldtool.core.inspection import Inspection
from fieldtool.core.records import Record, RecordKind
from fieldtool.storage.base import StoreBase
from fieldtool.storage.chain import (
    chain_report,
    decode_record,
    insert_record,
    last_link,
    lot_projection_report,
    projection_report,
    read_records,
)
from fieldtool.storage.projections import project


class LedgerStore(StoreBase):
    """The records: every device's chain held here, its head, the look-ups by id, kind and inspection."""

    # -- the record chain --------------------------------------------------------------------

    def records(self, after_seq: int = 0, device_id: str | None = None) -> Iterator[Record]:
        """The records of one device's chain after a sequence number, in order.

        Args:
            after_seq: yield records with seq greater than this (0: from the start).
            device_id: whose chain; this device's by default.

        Raises:
            StoreError: a stored record's body is not valid JSON.
        """
        return read_records(self._db, device_id or self._device_id, after_seq)

    def verify_chain(self) -> list[str]:
        """Check every device's chain in this database: links, hashes and sequence numbers.

        Returns:
            One line per problem, naming the record; an empty list when every chain is intact.
        """
        return chain_report(self._db)

    def verify_projections(self) -> list[str]:
        """Rebuild the query tables from the records and compare them with the stored ones.

        The records are the source of truth; this finds a query row that was changed, removed or
        added behind the store's back, which `verify_chain` cannot see.

        Returns:
            One line per difference, naming the table and the row; an empty list when they agree.
        """
        return projection_report(self._db)

    def chain_head(self, device_id: str | None = None) -> tuple[int, str]:
        """The seq and hash of a device's last record held here: (0, GENESIS) before any."""
        return last_link(self._db, device_id or self._device_id)

    def chain_devices(self) -> list[str]:
        """Every device with records in this database, this device first."""
        others = [r["device_id"] for r in self._all(
            "SELECT DISTINCT device_id FROM records WHERE device_id != ? ORDER BY device_id", [self._device_id])]
        return [self._device_id, *others]

    # -- record look-ups ---------------------------------------------------------------------

    def _records_where(self, where: str, params: list[Any]) -> list[Record]:
        return [decode_record(row) for row in self._all(f"SELECT * FROM records WHERE {where}", params)]

    def inspection_records(self, inspection_id: str) -> list[Record]:
        """Every record of one inspection, from whichever device, in a fixed order.

        The order is (recorded_at, device_id, seq): the order in which things happened, with ties
        broken the same way on every device, so a fingerprint over the list is reproducible after
        records are merged from other devices.

        Raises:
            NotFoundError: no such inspection.
            StoreError: a stored record's body is not valid JSON.
        """
        self._inspection_row(inspection_id)
        return self._records_where("inspection_id = ? ORDER BY recorded_at, device_id, seq", [inspection_id])

    def record_at(self, device_id: str, seq: int) -> Record | None:
        """The record of a device's chain at `seq`, if held.

        Raises:
            StoreError: its body is not valid JSON.
        """
        found = self._records_where("device_id = ? AND seq = ?", [device_id, seq])
        return found[0] if found else None

    def records_at(self, device_id: str, seqs: list[int]) -> dict[int, Record]:
        """The records of a device's chain at these seqs that are held, by seq."""
        found: dict[int, Record] = {}
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for r in self._records_where(f"device_id = ? AND seq IN ({marks})", [device_id, *chunk]):
                found[r.seq] = r
        return found

    def record_by_id(self, record_id: str) -> Record | None:
        """A record by id, if held."""
        found = self._records_where("id = ?", [record_id])
        return found[0] if found else None

    def records_of_kind(self, kind: str, device_id: str | None = None) -> list[Record]:
        """Every record of one kind (of one device, or of all), by device and seq."""
        return self._records_where(
            "kind = ? AND (? IS NULL OR device_id = ?) ORDER BY device_id, seq", [kind, device_id, device_id])

    def first_of_kind(self, kind: str, device_id: str) -> Record | None:
        """A device's first record of one kind, if any."""
        found = self._records_where("device_id = ? AND kind = ? ORDER BY seq LIMIT 1", [device_id, kind])
        return found[0] if found else None

    def last_of_kind(self, kind: str, device_id: str) -> Record | None:
        """A device's last record of one kind, if any (index ``records_device_kind``)."""
        found = self._records_where("device_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1", [device_id, kind])
        return found[0] if found else None

    def signature_of(self, finalisation: Record) -> Record | None:
        """The ``inspection-signed`` record of the finalisation's device that names it, if any.

        Only the device's signature records after the finalisation are read (index
        ``records_device_kind``): one when it was signed as it was finalised, the few of one sync
        when it was signed at the next sync.
        """
        found = self._records_where(
            "device_id = ? AND kind = ? AND seq > ? AND "
            "CASE WHEN json_valid(body) THEN json_extract(body, '$.finalisation_id') END = ? ORDER BY seq LIMIT 1",
            [finalisation.device_id, str(RecordKind.INSPECTION_SIGNED), finalisation.seq, finalisation.id])
        return found[0] if found else None

    def verify_lot_projections(
        self, inspection_id: str, records: list[Record], balance_ids: list[str], inspector_ids: list[str]
    ) -> list[str]:
        """Replay one lot's records (register records first) and compare the lot's stored rows with them.

        See `fieldtool.storage.chain.lot_projection_report`: only the lot's rows are read.

        Returns:
            One line per difference, naming the table and the row; an empty list when they agree.
        """
        return lot_projection_report(self._db, inspection_id, records, balance_ids, inspector_ids)

    def signing_keys(self, device_id: str | None = None) -> list[str]:
        """The public keys this database says a device signs its records with, in the order they were first used."""
        return [str(r["public_key"]) for r in self._all(
            "SELECT public_key FROM signing_keys WHERE device_id = ? ORDER BY first_seq, public_key",
            [device_id or self._device_id])]

    def finalisation_of(self, inspection_id: str) -> Record | None:
        """The finalisation record of an inspection, if it was finalised."""
        found = self._records_where(
            "inspection_id = ? AND kind = ? ORDER BY seq LIMIT 1", [inspection_id, str(RecordKind.INSPECTION_FINALISED)])
        return found[0] if found else None

    def unsigned_finalisations(self, device_id: str | None = None) -> list[Record]:
        """A device's finalisation records that no ``inspection-signed`` record of it names yet."""
        device = device_id or self._device_id
        signed = {r["fid"] for r in self._all(
            "SELECT json_extract(body, '$.finalisation_id') AS fid FROM records WHERE device_id = ? AND kind = ?",
            [device, str(RecordKind.INSPECTION_SIGNED)])}
        finalisations = self._records_where(
            "device_id = ? AND kind = ? ORDER BY seq", [device, str(RecordKind.INSPECTION_FINALISED)])
        return [f for f in finalisations if f.id not in signed]

    # -- signing finalisations ---------------------------------------------------------------

    def sign_finalisations(self, sign: Callable[[Record], Mapping[str, Any]]) -> list[Record]:
        """Append an ``inspection-signed`` record for each of this device's unsigned finalisations.

        Args:
            sign: returns the signature record's body for a finalisation (fieldtool.sync.signing).

        Returns:
            The signature records appended (committed).
        """
        with self._writing():
            return [self._append(RecordKind.INSPECTION_SIGNED, None, sign(f)) for f in self.unsigned_finalisations()]

    def finalise_and_sign(
        self, inspection_id: str, by_name: str, sign: Callable[[Record], Mapping[str, Any]]
    ) -> Inspection:
        """Finalise an inspection and sign the finalisation, in one transaction (see `finalise`).

        Args:
            inspection_id: the inspection.
            by_name: who finalised it.
            sign: returns the signature record's body for the finalisation record.

        Raises:
            InputError: `by_name` is empty.
            NotFoundError: no such inspection.
            StoreError: it is already final.
        """
        with self._writing():
            self.finalise(inspection_id, by_name)
            self.sign_finalisations(sign)
        return self.inspection(inspection_id)

    # -- records of other devices ------------------------------------------------------------

    def insert_verified_record(self, record: Record) -> None:
        """Store a record checked by the caller (of any device) and apply it to the projections.

        Call inside `transaction()`. The hub stores pushed records this way, never changing them.

        Raises:
            StoreError: the record cannot be applied (unknown kind, a body without a needed field).
            sqlite3.IntegrityError: the record collides with a held one or names a missing row.
        """
        insert_record(self._db, record)
        project(self._db, record)
