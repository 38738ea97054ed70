"""Provides `LabelStore`: the label checks (净含量标注) of an inspection, as records.

A part of `SqliteStore` (fieldtool.storage.store). A label check is a ``label-checked`` record of
an open inspection; it may be recorded again while the inspection is open (the latest counts) and
never after its finalisation (`_append` refuses a final inspection). What the check concludes is
the use-cases' (fieldtool.usecases.label_check): the store keeps what it is given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from fieldtool.core.label import LabelCheck
from fieldtool.core.records import RecordKind
from fieldtool.storage.base import StoreBase
from fieldtool.storage.codec import Row, utc


def label_check_from_row(row: Row) -> LabelCheck:
    """A label check of a `label_checks` row."""
    failed = json.loads(row["failed"])
    return LabelCheck(
        id=row["id"],
        inspection_id=row["inspection_id"],
        text=row["text"],
        height_mm=Decimal(row["height_mm"]),
        photo=row["photo"],
        by_name=row["by_name"],
        rules_id=row["rules_id"],
        passed=row["outcome"] == "pass",
        failed=tuple(str(f) for f in failed),
        recorded_at=utc(row["at"]),
    )


class LabelStore(StoreBase):
    """The label checks of inspections."""

    def record_label_check(
        self,
        inspection_id: str,
        *,
        text: str,
        height_mm: Decimal,
        photo: str | None,
        by_name: str,
        rules_id: str,
        passed: bool,
        failed: Sequence[str],
    ) -> LabelCheck:
        """Record a label check of an open inspection.

        Raises:
            NotFoundError: no such inspection.
            StoreError: the inspection is final, or the database refused the record.
        """
        body = {
            "text": text,
            "height_mm": height_mm,
            "photo": photo,
            "by_name": by_name,
            "rules_id": rules_id,
            "outcome": "pass" if passed else "fail",
            "failed": list(failed),
        }
        record = self._append(RecordKind.LABEL_CHECKED, inspection_id, body)
        return label_check_from_row(self._row_by_id("label_checks", record.id, "label check"))

    def label_checks(self, inspection_id: str) -> list[LabelCheck]:
        """Every label check of an inspection, in the order recorded.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        rows = self._all("SELECT * FROM label_checks WHERE inspection_id = ? ORDER BY rowid", [inspection_id])
        return [label_check_from_row(r) for r in rows]

    def latest_label_check(self, inspection_id: str) -> LabelCheck | None:
        """The label check that counts (the latest), or None when the label was not checked.

        Raises:
            NotFoundError: no such inspection.
        """
        checks = self.label_checks(inspection_id)
        return checks[-1] if checks else None

    def label_outcomes(self) -> dict[str, tuple[str, bool]]:
        """The label check that counts of every inspection whose label was checked: its id and conclusion (True: 合格)."""
        rows = self._all("SELECT id, inspection_id, outcome FROM label_checks ORDER BY rowid")
        return {str(r["inspection_id"]): (str(r["id"]), r["outcome"] == "pass") for r in rows}


__all__ = ["LabelStore", "label_check_from_row"]
