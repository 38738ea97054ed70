"""Provides `ServicesBase`: the store, the clock, the rule sets and programmes, and the state of a lot.

Every family of the inspection's use-cases (`new_inspection`, `weighing`, `home`) builds on it, and
`fieldtool.usecases.inspection.Services` joins them into one object.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from fieldtool.core.evaluate import assess_progress
from fieldtool.core.inspection import DensityRecord, Inspection, Measurement
from fieldtool.core.label import LabelRules
from fieldtool.core.programme import Programme
from fieldtool.core.quantity import Kind, unit
from fieldtool.core.rules import RuleSet, resolve_plan, tne_in
from fieldtool.core.sampling import Draw, draw_sample
from fieldtool.core.tare import TareMethod, assess_average_tare
from fieldtool.errors import StoreError
from fieldtool.plans.labels import load_label_rules
from fieldtool.plans.programme import all_programmes, load_programme
from fieldtool.plans.rules import load_rule_set
from fieldtool.usecases.label_check import label_state
from fieldtool.usecases.lot_types import LotState, TareState, header_weighing_unit, weighing_unit

KEPT_LOTS = 8
"""How many lots' states the use-cases keep between calls (the inspector works on one at a time)."""

if TYPE_CHECKING:  # the store (and sqlite-utils, which loads numpy) is imported on the store thread
    from fieldtool.storage import SqliteStore
    from fieldtool.sync.keys import SigningKey


class ServicesBase:
    """The store and the reference data the use-cases share, and the state of a lot.

    Built with the arguments of `fieldtool.usecases.inspection.Services`, which documents them.
    """

    def __init__(
        self,
        store: SqliteStore,
        clock: Callable[[], datetime] | None = None,
        new_seed: Callable[[], int] | None = None,
        signer: SigningKey | None = None,
    ) -> None:
        self.store = store
        self.signer = signer
        self._clock = clock or (lambda: datetime.now(UTC))
        self._new_seed = new_seed or (lambda: 100_000 + secrets.randbelow(900_000))
        self._rules: dict[str, RuleSet] = {}
        self._programmes: dict[str, Programme] = {}
        self._label_rules: dict[str, LabelRules] = {}
        self._lots: dict[str, tuple[int, LotState]] = {}
        """The states of the lots last worked on, with the store's records mark they were read at."""

    # -- reference data ------------------------------------------------------------------------

    def rule_set(self, rule_set_id: str) -> RuleSet:
        """A rule set by id (read once, then kept)."""
        if rule_set_id not in self._rules:
            self._rules[rule_set_id] = load_rule_set(rule_set_id)
        return self._rules[rule_set_id]

    def label_rules(self, rules_id: str) -> LabelRules:
        """Label rules by id (read once, then kept)."""
        if rules_id not in self._label_rules:
            self._label_rules[rules_id] = load_label_rules(rules_id)
        return self._label_rules[rules_id]

    def programme(self, programme_id: str) -> Programme:
        """A programme by id (read once, then kept)."""
        if programme_id not in self._programmes:
            self._programmes[programme_id] = load_programme(programme_id)
        return self._programmes[programme_id]

    def programmes(self) -> list[Programme]:
        """Every programme found."""
        found = all_programmes()
        self._programmes.update({p.id: p for p in found})
        return found

    def today(self) -> date:
        """Today, by the injected clock."""
        return self._clock().date()

    # -- the state of a lot --------------------------------------------------------------------

    def draw(self, inspection: Inspection) -> Draw | None:
        """The positions to pull for an inspection whose sample fieldtool draws (seeded), else None."""
        h = inspection.header
        if h.sampling_seed is None or h.sampling_method.value not in ("simple-random", "systematic"):
            return None
        plan = resolve_plan(self.rule_set(h.rule_set_id), h.lot_size, h.variant)
        return draw_sample(h.lot_size, plan.cumulative, h.sampling_seed, h.sampling_method.value)

    def lot_state(self, inspection_id: str) -> LotState:
        """The inspection as it stands.

        Read from the store, except when no record was appended since it was last read here (the
        store's records mark is unchanged): then the state kept is the state. Each weighing thus
        costs one indexed read before its write, however many packages the lot already has.

        Raises:
            NotFoundError: no such inspection.
        """
        mark = self.store.records_mark()
        kept = self._lots.get(inspection_id)
        if kept is not None and kept[0] == mark:
            return kept[1]
        state = self._read_lot_state(inspection_id)
        self._keep(inspection_id, mark, state)
        return state

    def _keep(self, inspection_id: str, mark: int, state: LotState) -> None:
        self._lots.pop(inspection_id, None)
        self._lots[inspection_id] = (mark, state)
        while len(self._lots) > KEPT_LOTS:  # the oldest first: dicts keep their order
            del self._lots[next(iter(self._lots))]

    def after_one_record(self, before: LotState, after: LotState, *, records: int = 1) -> LotState:
        """Keep `after` as the lot's state when exactly one record (the caller's) was written since `before` was read.

        For the use-cases that write one record (or `records` of them) whose effect on the lot they
        know (`after`; `before` itself when the record changes nothing of the state): the next call
        then needs no new read.
        """
        inspection_id = before.inspection.id
        kept = self._lots.get(inspection_id)
        mark = self.store.appended_mark()
        if kept is not None and kept[1] is before and mark == kept[0] + records:
            self._keep(inspection_id, mark, after)
        else:
            self._lots.pop(inspection_id, None)
        return after

    def _read_lot_state(self, inspection_id: str) -> LotState:
        inspection = self.store.inspection(inspection_id)
        h = inspection.header
        rules = self.rule_set(h.rule_set_id)
        u = unit(h.unit)
        measurements = tuple(self.store.current_measurements(inspection_id))
        progress = assess_progress(rules, h.nominal, u, h.lot_size, [m.net for m in measurements], h.variant)
        densities = self.store.densities(inspection_id)
        needs_density = u.kind is Kind.VOLUME and h.tare_method is not TareMethod.NET
        return LotState(
            inspection=inspection,
            rules=rules,
            unit=u,
            weighing_unit=header_weighing_unit(h),
            measurements=measurements,
            progress=progress,
            tare=self._tare_state(inspection, rules, progress.tne, densities[-1] if densities else None),
            density=densities[-1] if densities else None,
            needs_density=needs_density,
            verdict=self.store.latest_verdict(inspection_id) if inspection.is_final else None,
            draw=self.draw(inspection),
            label=label_state(self, inspection),
        )

    def _tare_state(self, inspection: Inspection, rules: RuleSet, t: Decimal, density: DensityRecord | None) -> TareState:
        method = inspection.header.tare_method
        weighings = tuple(self.store.tares(inspection.id))
        average = None
        if method is TareMethod.AVERAGE:
            sample = [w.value for w in weighings if w.method is TareMethod.AVERAGE]
            u = unit(inspection.header.unit)
            # The tare sample is weighed in the weighing unit; T is compared in that unit too
            # (for a liquid, T in mL times ρ in g/mL is T as a mass).
            t_w = t
            if u.kind is Kind.VOLUME:
                t_w = tne_in(t, u, weighing_unit(u), density.density_g_per_ml if density is not None else None)
            average = assess_average_tare(sample, t_w, rules.tare)
        return TareState(method=method, weighings=weighings, average=average)

    def _open_state(self, inspection_id: str) -> LotState:
        """The state of an inspection that may still change.

        Raises:
            StoreError: the inspection is final.
        """
        state = self.lot_state(inspection_id)
        if state.inspection.is_final:
            raise StoreError(f"inspection {inspection_id} is final; it can no longer change")
        return state

    def _with_measurements(self, state: LotState, measurements: tuple[Measurement, ...]) -> LotState:
        """The state after one record that changed the measurements only (nothing else of the lot is read again)."""
        h = state.inspection.header
        nets = [m.net for m in measurements]
        progress = assess_progress(state.rules, h.nominal, state.unit, h.lot_size, nets, h.variant, before=state.progress)
        return self.after_one_record(state, replace(state, measurements=measurements, progress=progress))


__all__ = ["ServicesBase"]
