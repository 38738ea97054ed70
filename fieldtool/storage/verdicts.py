"""Provides `VerdictStore`: the verdicts saved for an inspection, each with the inputs that produced it.

A part of `SqliteStore` (fieldtool.storage.store).
"""

from __future__ import annotations

import fieldtool
from fieldtool.core.evaluate import LotEvaluation
from fieldtool.core.inspection import StoredVerdict
from fieldtool.core.records import RecordKind
from fieldtool.errors import StoreError
from fieldtool.storage.base import StoreBase
from fieldtool.storage.codec import verdict_body, verdict_from_row


class VerdictStore(StoreBase):
    """Verdicts: saved only when they judge the inspection as it stands."""

    def save_verdict(self, inspection_id: str, evaluation: LotEvaluation) -> StoredVerdict:
        """Save a verdict with the inputs that produced it.

        The evaluation must be of this inspection as it stands: same rule set, variant, Qn, unit
        and lot size as the header, and the nets of the current measurements in weighing order.

        Raises:
            NotFoundError: no such inspection.
            StoreError: the evaluation does not match the inspection or its current measurements,
                or the inspection is final.
        """
        with self._writing():
            header = self.inspection(inspection_id).header
            for what, stored, judged in (
                ("rule set", header.rule_set_id, evaluation.rules.id),
                ("variant", header.variant, evaluation.variant),
                ("nominal quantity", header.nominal, evaluation.nominal),
                ("unit", header.unit, evaluation.unit.symbol),
                ("lot size", header.lot_size, evaluation.plan.lot_size),
            ):
                if stored != judged:
                    raise StoreError(
                        f"the verdict was computed with {what} {judged}, but inspection {inspection_id} has {stored}",
                        zh=f"判定按 {what} {judged} 计算，而检验 {inspection_id} 为 {stored}；请重新判定",
                    )
            current = self.current_measurements(inspection_id)
            nets = [p.net for p in evaluation.packages]
            if nets != [m.net for m in current]:
                raise StoreError(
                    f"the verdict judged {len(nets)} net quantities that are not the {len(current)} current "
                    f"measurements of inspection {inspection_id}; evaluate again",
                    zh=f"判定所用的 {len(nets)} 个净含量与检验 {inspection_id} 当前的 {len(current)} 个称量值不一致；请重新判定",
                )
            body = verdict_body(evaluation, tuple(m.id for m in current), fieldtool.__version__)
            record = self._append(RecordKind.VERDICT_SAVED, inspection_id, body)
        return verdict_from_row(self._row_by_id("verdicts", record.id, "verdict"))

    def latest_verdict(self, inspection_id: str) -> StoredVerdict | None:
        """The verdict saved last for an inspection, or None before any.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        row = self._one(
            "SELECT * FROM verdicts WHERE inspection_id = ? ORDER BY evaluated_at DESC, rowid DESC LIMIT 1",
            [inspection_id],
        )
        return None if row is None else verdict_from_row(row)
