"""Provides the read-only use-cases of the Home screen: inspection lists, the programme matrix and sync status."""

from __future__ import annotations

from fieldtool.core.evaluate import Outcome
from fieldtool.core.inspection import Inspection, StoredVerdict
from fieldtool.usecases.base import ServicesBase
from fieldtool.usecases.lot_types import CellProgress, InspectionRow


class HomeUseCases(ServicesBase):
    """Inspections as lists show them, lots done against a programme's quotas, and what is not synced yet."""

    def inspections(self, **filters: object) -> list[Inspection]:
        """Inspections, newest first (filters as `SqliteStore.inspections`)."""
        return self.store.inspections(**filters)  # type: ignore[arg-type]

    def verdict(self, inspection_id: str) -> StoredVerdict | None:
        """The saved verdict of a finalised inspection."""
        return self.store.latest_verdict(inspection_id)

    def progress_matrix(self, programme_id: str) -> dict[tuple[str, str], CellProgress]:
        """Lots done against the quota for every city × product of a programme, with failures."""
        programme = self.programme(programme_id)
        cells = {
            (c.id, p.id): CellProgress(quota=programme.quota(c.id, p.id))
            for c in programme.cities
            for p in programme.products
        }
        for inspection in self.store.inspections(programme_id=programme_id):
            key = (inspection.header.city_id or "", inspection.header.product_id or "")
            if key not in cells:
                continue
            cell = cells[key]
            if not inspection.is_final:
                cells[key] = CellProgress(cell.quota, cell.done, cell.failed, cell.open + 1)
                continue
            verdict = self.store.latest_verdict(inspection.id)
            failed = verdict is not None and verdict.outcome is Outcome.FAIL
            cells[key] = CellProgress(cell.quota, cell.done + 1, cell.failed + int(failed), cell.open)
        return cells

    def unsynced_count(self) -> int:
        """This device's finalised inspections whose finalisation no hub has acknowledged yet."""
        return self.store.unsynced_inspection_count()

    def assignments(self) -> list[dict[str, object]]:
        """Which cities and products the hub assigned to this device (empty products: all), from the last sync."""
        from fieldtool.sync.client import received_assignments

        return received_assignments(self.store)

    def inspection_rows(self, *, outcome: Outcome | None = None, **filters: object) -> list[InspectionRow]:
        """Inspections for a list, newest first: each with its saved outcome, or how far its weighing got.

        Args:
            outcome: only finalised inspections whose saved verdict has this outcome.
            **filters: as `SqliteStore.inspections` (``final``, ``city_id``, ``search`` ...).

        Raises:
            InputError: an invalid filter value.
        """
        if outcome is not None:
            filters["final"] = True
        rows: list[InspectionRow] = []
        for inspection in self.store.inspections(**filters):  # type: ignore[arg-type]
            if inspection.is_final:
                verdict = self.store.latest_verdict(inspection.id)
                found = verdict.outcome if verdict is not None else None
                if outcome is None or found is outcome:
                    rows.append(InspectionRow(inspection, outcome=found))
                continue
            state = self.lot_state(inspection.id)
            rows.append(InspectionRow(inspection, weighed=len(state.measurements), needed=state.progress.needed))
        return rows


__all__ = ["HomeUseCases"]
