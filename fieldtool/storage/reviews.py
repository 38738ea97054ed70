"""Provides `ReviewStore`: the sign-off of a finalised inspection's report: decisions and header corrections, as records.

A part of `SqliteStore` (fieldtool.storage.store). A review, an approval, a return or a header
correction is a record of this device's chain that names the finalised inspection: it is the
one thing that may follow a finalisation besides its signature (`FOLLOWS_FINALISATION`). What may
be decided when (a review before an approval, another person approving) is the use-cases'
(fieldtool.usecases.review), checked inside the same write transaction as the append.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fieldtool.core.record_schema import SIGN_OFF_KINDS
from fieldtool.core.records import Record, RecordKind
from fieldtool.errors import StoreError
from fieldtool.storage.base import StoreBase
from fieldtool.storage.chain import decode_record

_SIGN_OFF_AND_FINALISATION = sorted({*SIGN_OFF_KINDS, RecordKind.INSPECTION_FINALISED})


class ReviewStore(StoreBase):
    """The sign-off of finalised inspections: the records that decide on a report and correct its header."""

    def sign_off_records(self, inspection_id: str) -> list[Record]:
        """The finalisation and the sign-off records of an inspection, from whichever device, in a fixed order.

        The order is `inspection_records`' (recorded_at, device_id, seq): the same on every database
        that holds them. Only indexed rows of the inspection are read.

        Raises:
            NotFoundError: no such inspection.
            StoreError: a stored body is not valid JSON.
        """
        self._inspection_row(inspection_id)
        marks = ", ".join("?" for _ in _SIGN_OFF_AND_FINALISATION)
        rows = self._all(
            f"SELECT * FROM records WHERE inspection_id = ? AND kind IN ({marks}) ORDER BY recorded_at, device_id, seq",
            [inspection_id, *(str(k) for k in _SIGN_OFF_AND_FINALISATION)],
        )
        return [decode_record(row) for row in rows]

    def append_sign_off(
        self, kind: RecordKind, inspection_id: str, make_body: Callable[[list[Record]], Mapping[str, Any]]
    ) -> Record:
        """Append a sign-off record of a finalised inspection, its body made from the sign-off so far, in one transaction.

        Args:
            kind: one of `SIGN_OFF_KINDS`.
            inspection_id: the inspection.
            make_body: given `sign_off_records` as they stand inside the write transaction, returns the
                body, or raises (a `FieldtoolError`) when the decision may not be made now.

        Returns:
            The record appended (committed).

        Raises:
            NotFoundError: no such inspection.
            StoreError: the inspection is not finalised, or the database refused the record.
            FieldtoolError: whatever `make_body` raises; nothing is written.
        """
        if kind not in SIGN_OFF_KINDS:
            raise StoreError(f"a {kind} record does not sign off a report")
        with self._writing():
            row = self._inspection_row(inspection_id)
            if row["at"] is None:
                raise StoreError(f"inspection {inspection_id} is not finalised; only a finalised inspection's report "
                                 "is reviewed, approved or corrected",
                                 zh=f"检验 {inspection_id} 尚未定稿；只有已定稿检验的报告才能审核、批准或更正")
            body = make_body(self.sign_off_records(inspection_id))
            # checked_open: the inspection is final on purpose; a sign-off kind follows its finalisation.
            return self._append(kind, inspection_id, body, checked_open=True)

    def issued_inspection_ids(self) -> set[str]:
        """The inspections with at least one approval (the use-cases tell whether the latest revision is issued)."""
        return {str(r["inspection_id"]) for r in self._all(
            "SELECT DISTINCT inspection_id FROM review_decisions WHERE decision = 'approved'")}
