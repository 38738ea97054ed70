"""Provides `InspectionStore`: opening, finding, listing and finalising inspections.

A part of `SqliteStore` (fieldtool.storage.store).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldtool.core.inspection import Inspection, InspectionHeader, SiteKind
from fieldtool.core.records import RecordKind
from fieldtool.errors import NotFoundError, StoreError
from fieldtool.storage import checks
from fieldtool.storage.base import StoreBase
from fieldtool.storage.codec import Row, header_body, inspection_from_row, utc_text

_INSPECTION_SELECT = (
    "SELECT i.*, f.by_name AS by_name, f.at AS at "
    "FROM inspections i LEFT JOIN finalisations f ON f.inspection_id = i.id"
)


class InspectionStore(StoreBase):
    """Inspections: the header that opens one, the finalisation that closes it, and the queries over them."""

    def _inspection_row(self, inspection_id: str) -> Row:
        row = self._one(f"{_INSPECTION_SELECT} WHERE i.id = ?", [inspection_id])
        if row is None:
            raise NotFoundError(f"no inspection {inspection_id}", zh=f"没有检验 {inspection_id}")
        return row

    def _require_open(self, inspection_id: str) -> Row:
        row = self._inspection_row(inspection_id)
        if row["at"] is not None:
            raise StoreError(f"inspection {inspection_id} is final; it can no longer change", zh=f"检验 {inspection_id} 已定稿，不能再更改")
        return row

    def create_inspection(self, header: InspectionHeader) -> Inspection:
        """Open an inspection.

        Raises:
            InputError: a field of the header is missing or invalid; the message names it.
            NotFoundError: the header names a balance that is not in the register.
        """
        checked = checks.checked_header(header)
        with self._writing():
            if checked.balance_id is not None:
                self.balance(checked.balance_id)
            inspection_id = self._new_id()
            self._append(RecordKind.INSPECTION_CREATED, inspection_id, header_body(checked), record_id=inspection_id)
        return self.inspection(inspection_id)

    def inspection(self, inspection_id: str) -> Inspection:
        """One inspection.

        Raises:
            NotFoundError: no inspection has that id.
        """
        return inspection_from_row(self._inspection_row(inspection_id))

    def inspections(
        self,
        *,
        programme_id: str | None = None,
        city_id: str | None = None,
        site_kind: SiteKind | str | None = None,
        product_id: str | None = None,
        rule_set_id: str | None = None,
        final: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> list[Inspection]:
        """Inspections, newest first, filtered by whichever arguments are given.

        Args:
            programme_id: only this programme's.
            city_id: only this city's.
            site_kind: only at this kind of site.
            product_id: only of this product.
            rule_set_id: only those judged by this rule set.
            final: True for finalised ones only, False for open ones only.
            since: opened at or after this time.
            until: opened before this time.
            search: text found (case-insensitively) in the site name, address, brand or batch.
            limit: at most this many.

        Raises:
            InputError: an invalid filter value.
        """
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("programme_id", programme_id),
            ("city_id", city_id),
            ("product_id", product_id),
            ("rule_set_id", rule_set_id),
        ):
            if value is not None:
                where.append(f"i.{column} = ?")
                params.append(value)
        if site_kind is not None:
            where.append("i.site_kind = ?")
            params.append(checks.choice(site_kind, SiteKind, "site kind").value)
        if final is not None:
            where.append("f.at IS NOT NULL" if final else "f.at IS NULL")
        if since is not None:
            where.append("i.created_at >= ?")
            params.append(utc_text(since))
        if until is not None:
            where.append("i.created_at < ?")
            params.append(utc_text(until))
        if search:
            columns = ("i.site_name", "i.site_address", "i.brand", "i.batch")
            where.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '!'" for c in columns) + ")")
            pattern = "%" + search.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
            params.extend([pattern] * len(columns))
        sql = _INSPECTION_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY i.created_at DESC, i.rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(checks.integer(limit, "limit", minimum=0))
        return [inspection_from_row(r) for r in self._all(sql, params)]

    def finalise(self, inspection_id: str, by_name: str) -> Inspection:
        """Finalise an inspection: afterwards no record may change it.

        Raises:
            InputError: `by_name` is empty.
            NotFoundError: no such inspection.
            StoreError: it is already final.
        """
        name = checks.text(by_name, "finalised by", required=True)
        self._append(RecordKind.INSPECTION_FINALISED, inspection_id, {"by_name": name})
        return self.inspection(inspection_id)
