"""Provides the use-cases of an inspection, shared by the TUI and the CLI.

A `Services` object is built around an open `SqliteStore`; screens and commands call it and
show what it returns. It turns what an inspector types into exact values, stores them first,
and only then answers with the new state of the lot (so nothing is shown as saved that is not).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from fieldtool.core.evaluate import LotEvaluation, Outcome, Progress, assess_progress
from fieldtool.core.inspection import (
    Balance,
    DensityRecord,
    Inspection,
    InspectionHeader,
    InspectorProfile,
    Measurement,
    StoredVerdict,
    TareWeighing,
)
from fieldtool.core.instrument import Suitability, check_instrument
from fieldtool.core.quantity import Kind, Unit, from_base, parse_decimal, to_base, unit
from fieldtool.core.rules import ResolvedPlan, RuleSet, resolve_plan, tne
from fieldtool.core.sampling import Draw, draw_sample
from fieldtool.core.tare import AverageTareAssessment, TareMethod, assess_average_tare
from fieldtool.errors import FieldtoolError, InputError, StoreError
from fieldtool.plans.programme import Programme, all_programmes, load_programme
from fieldtool.plans.rules import load_rule_set

if TYPE_CHECKING:  # the store (and sqlite-utils, which loads numpy) is imported on the store thread
    from fieldtool.storage import SqliteStore
    from fieldtool.sync.keys import SigningKey

VOLUME_STEP = {"mL": Decimal("0.01"), "L": Decimal("0.00001")}
"""A net volume computed from mass and density is rounded half-even to this step (0.01 mL)."""


def weighing_unit(lot_unit: Unit) -> Unit:
    """The unit the balance is read in for a lot: the lot's own unit, or g for a liquid judged by volume.

    A liquid is weighed in g whether it is labelled in mL or L: balances for such lots read in g
    (0.1 g or finer), and the net volume is converted to the lot's unit.
    """
    return unit("g") if lot_unit.kind is Kind.VOLUME else lot_unit


@dataclass(frozen=True)
class LotPreview:
    """What the plan asks of a lot, shown while the inspector fills in a new inspection."""

    rules: RuleSet
    """The rule set."""
    plan: ResolvedPlan
    """The plan row: n, λ, allowed counts."""
    nominal: Decimal
    """Qn, in `unit`."""
    unit: Unit
    """The lot's unit."""
    tne: Decimal
    """T, in `unit`."""
    suitability: Suitability | None
    """The balance against T/5, when a balance is chosen and its figures are known."""
    calibration_due: date | None
    """The balance's calibration due date, when known."""
    today: date
    """The day the preview was made (for the expiry check)."""

    @property
    def qn_minus_t(self) -> Decimal:
        """Qn − T."""
        return self.nominal - self.tne

    @property
    def qn_minus_2t(self) -> Decimal:
        """Qn − 2T."""
        return self.nominal - 2 * self.tne

    @property
    def calibration_expired(self) -> bool:
        """True when the balance's calibration is past its due date."""
        return self.calibration_due is not None and self.calibration_due < self.today


@dataclass(frozen=True)
class TareState:
    """How net quantities are obtained for a lot, and whether the tare is ready."""

    method: TareMethod
    """Individual, average or net."""
    weighings: tuple[TareWeighing, ...]
    """Every tare weighing recorded."""
    average: AverageTareAssessment | None
    """For average tare: the assessment of the tare sample."""

    @property
    def ready(self) -> bool:
        """Whether packages can be weighed: always, except an average tare not (yet) accepted."""
        return self.method is not TareMethod.AVERAGE or (self.average is not None and self.average.accepted)


@dataclass(frozen=True)
class LotState:
    """An inspection as it stands: its packages, tare, density and the verdict so far."""

    inspection: Inspection
    """The inspection."""
    rules: RuleSet
    """Its rule set."""
    unit: Unit
    """The lot's unit."""
    weighing_unit: Unit
    """The unit weights are typed or read in."""
    measurements: tuple[Measurement, ...]
    """The current measurement of each package, in weighing order."""
    progress: Progress
    """Counts, statistics and, once the sample is complete, the evaluation."""
    tare: TareState
    """Tare method and state."""
    density: DensityRecord | None
    """The latest density, for a liquid judged by volume."""
    needs_density: bool
    """True when the lot is judged by volume from weighed masses (a density is required)."""
    verdict: StoredVerdict | None = None
    """The saved verdict, once finalised."""
    draw: Draw | None = field(default=None)
    """The positions to pull, when the sample was drawn at random by fieldtool."""

    @property
    def complete(self) -> bool:
        """True when the sample is complete and judged (pass or fail)."""
        ev = self.progress.evaluation
        return ev is not None and ev.outcome is not Outcome.SECOND_SAMPLE_NEEDED

    @property
    def evaluation(self) -> LotEvaluation | None:
        """The evaluation of the complete sample (stage), if any."""
        return self.progress.evaluation

    @property
    def entry(self) -> str:
        """What the inspector types for each package: ``net``, ``gross`` or ``gross tare``."""
        return entry_for(self.tare.method)


def entry_for(method: TareMethod) -> str:
    """What is entered for each package under a tare method: ``net``, ``gross`` or ``gross tare``."""
    if method is TareMethod.NET:
        return "net"
    if method is TareMethod.AVERAGE:
        return "gross"
    return "gross tare"


def header_weighing_unit(header: InspectionHeader) -> Unit:
    """The unit an inspection's packages are weighed in: its own unit when weighed net, else `weighing_unit`."""
    lot_unit = unit(header.unit)
    return weighing_unit(lot_unit) if header.tare_method is not TareMethod.NET else lot_unit


_SPLIT = re.compile(r"[\s;/]+")
"""Separates gross and tare: spaces, ';' or '/'. Not ',' — in much of the world it is the decimal mark,
and '512,3' must be refused as not a number rather than read as gross 512 and tare 3."""


class Services:
    """The use-cases of fieldtool over one store.

    Args:
        store: the open store (its connection belongs to the calling thread).
        clock: the current time, as an aware datetime (UTC by default); injected in tests.
        new_seed: a fresh six-digit sampling seed (from `secrets` by default); injected in tests.
        signer: the device key; with it, finalising signs the finalisation in the same transaction
            (without it, the next sync or bundle export signs it).
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

    # -- reference data ------------------------------------------------------------------------

    def rule_set(self, rule_set_id: str) -> RuleSet:
        """A rule set by id (read once, then kept)."""
        if rule_set_id not in self._rules:
            self._rules[rule_set_id] = load_rule_set(rule_set_id)
        return self._rules[rule_set_id]

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

    # -- profile and balances ------------------------------------------------------------------

    def inspector(self) -> InspectorProfile | None:
        """The inspector's profile, if set."""
        return self.store.inspector()

    def save_inspector(self, name: str, inspector_no: str = "", organisation: str = "") -> InspectorProfile:
        """Save the inspector's profile."""
        return self.store.save_inspector(name, inspector_no, organisation)

    def balances(self) -> list[Balance]:
        """The balance register."""
        return self.store.balances()

    def weighing_entry(self, inspection_id: str) -> tuple[Unit, str]:
        """What an inspection's packages are weighed in and entered as, from its header alone (cheap).

        Returns:
            The weighing unit, and ``net``, ``gross`` or ``gross tare`` (as `LotState`).

        Raises:
            NotFoundError: no such inspection.
        """
        h = self.store.inspection(inspection_id).header
        return header_weighing_unit(h), entry_for(h.tare_method)

    def inspection_balance(self, inspection_id: str) -> Balance | None:
        """The register entry of the balance an inspection is weighed on; None when it names none.

        Raises:
            NotFoundError: no such inspection.
        """
        balance_id = self.store.inspection(inspection_id).header.balance_id
        return self.store.balance(balance_id) if balance_id else None

    # -- a new inspection ----------------------------------------------------------------------

    def preview(
        self,
        rule_set_id: str,
        nominal: str | Decimal,
        unit_symbol: str,
        lot_size: int,
        variant: str = "standard",
        balance_id: str | None = None,
    ) -> LotPreview:
        """What the plan asks of a lot, with T and the balance check.

        Raises:
            FieldtoolError: an unknown rule set or unit, Qn or N outside the rule set.
        """
        rules = self.rule_set(rule_set_id)
        u = unit(unit_symbol)
        qn = nominal if isinstance(nominal, Decimal) else parse_decimal(nominal, "nominal quantity")
        if qn <= 0:
            raise InputError(f"nominal quantity must be positive; got {qn}")
        t = tne(rules, qn, u)
        plan = resolve_plan(rules, lot_size, variant)
        suitability = None
        due = None
        if balance_id:
            b = self.store.balance(balance_id)
            due = b.calibration_due
            if u.kind in (Kind.MASS, Kind.VOLUME):
                # T in g (a liquid's T in mL is taken as g: the density is measured later, it is near 1,
                # and the check is a warning before the first weighing), then in the balance's unit.
                t_bal = from_base(to_base(t, u), unit(b.unit))
                suitability = check_instrument(t_bal, rules.instrument, mpe=b.mpe, e=b.e, d=b.d)
        return LotPreview(rules=rules, plan=plan, nominal=qn, unit=u, tne=t, suitability=suitability,
                          calibration_due=due, today=self.today())

    def start_inspection(self, header: InspectionHeader) -> Inspection:
        """Open an inspection after checking that its rule set covers the lot.

        Raises:
            FieldtoolError: the rule set does not cover Qn or N, or a header value is invalid.
        """
        self.preview(header.rule_set_id, header.nominal, header.unit, header.lot_size, header.variant, header.balance_id)
        return self.store.create_inspection(header)

    def draw(self, inspection: Inspection) -> Draw | None:
        """The positions to pull for an inspection whose sample fieldtool draws (seeded), else None."""
        h = inspection.header
        if h.sampling_seed is None or h.sampling_method.value not in ("simple-random", "systematic"):
            return None
        plan = resolve_plan(self.rule_set(h.rule_set_id), h.lot_size, h.variant)
        return draw_sample(h.lot_size, plan.cumulative, h.sampling_seed, h.sampling_method.value)

    # -- the state of a lot --------------------------------------------------------------------

    def lot_state(self, inspection_id: str) -> LotState:
        """The inspection as it stands.

        Raises:
            NotFoundError: no such inspection.
        """
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
                rho = density.density_g_per_ml if density is not None else Decimal(1)
                t_w = from_base(to_base(t, u) * rho, weighing_unit(u))
            average = assess_average_tare(sample, t_w, rules.tare)
        return TareState(method=method, weighings=weighings, average=average)

    # -- tare and density ----------------------------------------------------------------------

    def record_tare_sample(self, inspection_id: str, text: str, source: str = "typed", raw: str | None = None) -> LotState:
        """Record one empty packaging of the average-tare sample.

        Raises:
            InputError: the text is not a positive weight, or the inspection does not use average tare.
        """
        state = self._open_state(inspection_id)
        if state.tare.method is not TareMethod.AVERAGE:
            raise InputError("this inspection does not use average tare")
        if state.measurements:
            raise InputError("the tare sample must be complete before the first package is weighed")
        value = _positive(text, "tare")
        self.store.record_tare(inspection_id, value, TareMethod.AVERAGE, source=source, raw=raw, unit=state.weighing_unit.symbol)
        # Only the tare changed (no package is weighed yet): nothing else of the lot is read again.
        return replace(state, tare=self._tare_state(state.inspection, state.rules, state.progress.tne, state.density))

    def record_density(
        self,
        inspection_id: str,
        *,
        density: str | None = None,
        flask_volume_ml: str | None = None,
        filled_g: str | None = None,
        empty_g: str | None = None,
        temperature_c: str | None = None,
    ) -> LotState:
        """Record the product's density at 20 °C: typed, or from a calibrated flask.

        Raises:
            InputError: values missing or not numbers; or packages already weighed with another density.
        """
        state = self._open_state(inspection_id)
        if state.measurements:
            raise InputError("record the density before the first package: weighed packages were converted with the earlier one")
        self.store.record_density(
            inspection_id,
            density_g_per_ml=None if not density else parse_decimal(density, "density"),
            flask_volume_ml=None if not flask_volume_ml else parse_decimal(flask_volume_ml, "flask volume"),
            filled_g=None if not filled_g else parse_decimal(filled_g, "filled flask"),
            empty_g=None if not empty_g else parse_decimal(empty_g, "empty flask"),
            temperature_c=None if not temperature_c else parse_decimal(temperature_c, "temperature"),
        )
        return self.lot_state(inspection_id)

    # -- weighing ------------------------------------------------------------------------------

    def parse_entry(self, state: LotState, text: str) -> dict[str, object]:
        """Turn what was typed for one package into the values to store (net, gross, tare, density).

        Raises:
            InputError: the text does not fit the entry the tare method asks for, or the net is negative.
        """
        parts = [p for p in _SPLIT.split(text.strip()) if p]
        wu = state.weighing_unit.symbol
        if state.entry == "gross tare":
            if len(parts) != 2:
                raise InputError(f"type the gross weight and the emptied packaging's weight, e.g. '512.3 12.1' (in {wu})")
            gross, tare = _positive(parts[0], "gross weight"), _nonnegative(parts[1], "tare")
        elif len(parts) != 1:
            raise InputError(f"type one {'net quantity' if state.entry == 'net' else 'gross weight'} in {wu}")
        elif state.entry == "net":
            net = _nonnegative(parts[0], "net quantity")
            return {"net": net}
        else:
            if state.tare.average is None or not state.tare.average.accepted:
                problem = state.tare.average.problem if state.tare.average else "no tare sample"
                raise InputError(f"average tare is not ready: {problem}")
            gross, tare = _positive(parts[0], "gross weight"), state.tare.average.mean
        if tare >= gross:
            raise InputError(f"the tare {tare} {wu} is not less than the gross weight {gross} {wu}")
        mass = gross - tare
        values: dict[str, object] = {"gross": gross, "tare": tare}
        if state.needs_density:
            if state.density is None:
                raise InputError("record the product's density first (liquids are judged by volume: V = m / ρ)")
            rho = state.density.density_g_per_ml
            volume = from_base(to_base(mass, state.weighing_unit) / rho, state.unit)
            values |= {
                "net": volume.quantize(VOLUME_STEP[state.unit.symbol], rounding=ROUND_HALF_EVEN),
                "density": rho,
                "weighing_unit": wu,
            }
        else:
            values["net"] = mass
        return values

    def record_weight(
        self, inspection_id: str, text: str, source: str = "typed", raw: str | None = None
    ) -> tuple[Measurement, LotState]:
        """Record the next package from what was typed (or read from the balance).

        Returns when the measurement is committed, with the lot's new state.

        Raises:
            InputError: the text does not fit, the sample is already complete, or the tare or
                density is not ready.
            StoreError: the inspection is final.
        """
        state = self._open_state(inspection_id)
        if len(state.measurements) >= state.progress.needed or state.complete:
            raise InputError(
                f"the sample is complete ({len(state.measurements)} packages); "
                "correct an entry, or finalise the inspection"
            )
        values = self.parse_entry(state, text)
        # With individual tare the measurement itself keeps the gross and the tare: one record, one commit.
        measurement = self.store.record_measurement(inspection_id, source=source, raw=raw, **values)  # type: ignore[arg-type]
        return measurement, self._with_measurements(state, (*state.measurements, measurement))

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
        """The state after a change of measurements only (nothing else of the lot is read again)."""
        h = state.inspection.header
        progress = assess_progress(state.rules, h.nominal, state.unit, h.lot_size, [m.net for m in measurements], h.variant)
        return replace(state, measurements=measurements, progress=progress)

    def correct_weight(self, measurement_id: str, text: str, reason: str) -> tuple[Measurement, LotState]:
        """Correct a package: a new version with the reason; the original stays in the record.

        Raises:
            InputError: the text does not fit, or the reason is empty.
        """
        old = self.store.measurement(measurement_id)
        state = self.lot_state(old.inspection_id)
        values = self.parse_entry(state, text)
        if not reason.strip():
            raise InputError("a correction needs a reason")
        measurement = self.store.correct_measurement(measurement_id, reason=reason, **values)  # type: ignore[arg-type]
        return measurement, self.lot_state(old.inspection_id)

    def undo_last(self, inspection_id: str, reason: str) -> LotState:
        """Withdraw the last package entered, with a reason; it stays in the record as withdrawn.

        Raises:
            InputError: nothing to undo, or the reason is empty.
        """
        state = self.lot_state(inspection_id)
        if not state.measurements:
            raise InputError("nothing to undo: no package weighed yet")
        self.store.withdraw_measurement(state.measurements[-1].id, reason)
        return self._with_measurements(state, state.measurements[:-1])

    # -- verdict -------------------------------------------------------------------------------

    def finalise(self, inspection_id: str, by_name: str) -> LotState:
        """Save the verdict and finalise: afterwards the inspection can no longer change.

        Args:
            inspection_id: the inspection.
            by_name: the confirming inspector's name: one of the inspection's inspectors, or the
                profile's name.

        Raises:
            InputError: the sample is not complete, or the name is not an inspector of the inspection.
        """
        state = self.lot_state(inspection_id)
        if not state.complete:
            missing = state.progress.needed - len(state.measurements)
            raise InputError(f"the sample is not complete: {missing} more package{'s' if missing != 1 else ''} to weigh")
        name = " ".join(by_name.split())
        allowed = {" ".join(n.split()).casefold() for n in state.inspection.header.inspectors}
        profile = self.store.inspector()
        if profile is not None:
            allowed.add(" ".join(profile.name.split()).casefold())
        if not name or (allowed and name.casefold() not in allowed):
            raise InputError(f"type the name of an inspector of this inspection to confirm ({', '.join(state.inspection.header.inspectors) or 'profile name'})")
        evaluation = state.evaluation
        assert evaluation is not None
        # Record the name as the inspection (or the profile) spells it, not as it was typed.
        known = [*state.inspection.header.inspectors, *([profile.name] if profile else [])]
        name = next((n for n in known if " ".join(n.split()).casefold() == name.casefold()), name)
        self.store.save_verdict(inspection_id, evaluation)
        if self.signer is not None:
            from fieldtool.sync.keys import finalisation_signer

            self.store.finalise_and_sign(inspection_id, name, finalisation_signer(self.signer))
        else:
            self.store.finalise(inspection_id, name)
        return self.lot_state(inspection_id)

    # -- home ----------------------------------------------------------------------------------

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

    # -- home screen ---------------------------------------------------------------------------
    # Read-only use-cases of the Home screen (added with it; nothing above depends on them).

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

    # -- new inspection, tare and density screens ----------------------------------------------

    def rule_sets(self) -> list[RuleSet]:
        """Every rule set found, sorted by id (read once, then kept).

        Raises:
            RuleFileError: a rule file is invalid.
        """
        from fieldtool.plans.rules import rule_set_paths

        return [self.rule_set(rule_id) for rule_id in sorted(rule_set_paths())]

    def check_lot(
        self,
        rule_set_id: str,
        nominal: Decimal,
        unit_symbol: str,
        lot_size: int,
        variant: str = "standard",
        balance_id: str | None = None,
    ) -> LotCheck:
        """Check Qn and N against a rule set separately, and preview the lot when both are covered.

        Unlike `preview`, a Qn or N outside the rule set is not an error: each refusal comes back
        with the range the rule set does cover, so a form can say which field is wrong and why.

        Raises:
            FieldtoolError: an unknown rule set, unit, variant or balance.
        """
        from fieldtool.core.quantity import BASE_UNIT
        from fieldtool.errors import OutOfScopeError

        rules = self.rule_set(rule_set_id)
        rules.plan(variant)
        u = unit(unit_symbol)
        nominal_range: NominalRange | None = None
        lot_range: LotRange | None = None
        try:
            tne(rules, nominal, u)
        except OutOfScopeError:
            try:
                table = rules.table_for(u.kind)
            except OutOfScopeError:
                nominal_range = NominalRange(kind=u.kind.value, covered=False, low=None, low_inclusive=False, high=None,
                                             base_unit=BASE_UNIT[u.kind])
            else:
                inclusive = table.nominal_min is not None
                low = table.nominal_min if inclusive else table.bands[0].above
                nominal_range = NominalRange(kind=u.kind.value, covered=True, low=low, low_inclusive=inclusive,
                                             high=table.bands[-1].upto, base_unit=BASE_UNIT[u.kind])
        try:
            resolve_plan(rules, lot_size, variant)
        except OutOfScopeError:
            rows = rules.plan(variant).rows
            lot_range = LotRange(low=rows[0].lot_min, high=rows[-1].lot_max)
        preview = None
        if nominal_range is None and lot_range is None:
            preview = self.preview(rule_set_id, nominal, unit_symbol, lot_size, variant, balance_id)
        return LotCheck(preview=preview, nominal_range=nominal_range, lot_range=lot_range)

    def new_sampling_seed(self) -> int:
        """A fresh seed for a random draw: six digits, easy to copy onto the sampling form."""
        return self._new_seed()

    def latest_header(self) -> InspectionHeader | None:
        """The header of the newest inspection on this device (a new one starts from its city, balance ...)."""
        latest = self.store.inspections(limit=1)
        return latest[0].header if latest else None

    def add_balance(
        self,
        *,
        make: str,
        model: str,
        serial: str,
        max_capacity: str,
        d: str,
        unit_symbol: str = "g",
        e: str = "",
        accuracy_class: str = "",
        mpe: str = "",
        certificate: str = "",
        calibration_due: date | None = None,
        connection: str | None = None,
    ) -> Balance:
        """Add a balance to the register from what was typed (empty optional figures stay unknown).

        Raises:
            InputError: a value is missing, not a number, or not positive.
        """
        def number(text: str, what: str) -> Decimal | None:
            return _positive(text, what) if text.strip() else None

        max_value = number(max_capacity, "balance Max")
        d_value = number(d, "balance d")
        if max_value is None or d_value is None:
            raise InputError("a balance needs its Max and its scale interval d")
        return self.store.add_balance(
            make=make, model=model, serial=serial, max_capacity=max_value, d=d_value, unit=unit_symbol,
            e=number(e, "balance e"), accuracy_class=accuracy_class, mpe=number(mpe, "balance MPE"),
            certificate=certificate, calibration_due=calibration_due, connection=connection,
        )


@dataclass(frozen=True)
class CellProgress:
    """One cell of the programme matrix."""

    quota: int
    """Lots to inspect."""
    done: int = 0
    """Finalised inspections."""
    failed: int = 0
    """Finalised inspections whose lot failed."""
    open: int = 0
    """Inspections started, not finalised."""


# -- new inspection, tare and density screens ----------------------------------------------------


@dataclass(frozen=True)
class NominalRange:
    """The nominal quantities a rule set covers for one kind of quantity (when a Qn falls outside)."""

    kind: str
    """The kind of quantity (mass, volume ...)."""
    covered: bool
    """False when the rule set has no TNE table for this kind at all."""
    low: Decimal | None
    """The lowest Qn covered, in `base_unit`."""
    low_inclusive: bool
    """True when `low` itself is covered (EU: from 5 g); False when only quantities above it are."""
    high: Decimal | None
    """The highest Qn covered, inclusive, in `base_unit`; None when open."""
    base_unit: str
    """The unit of `low` and `high` (g, mL, m, m2, count)."""


@dataclass(frozen=True)
class LotRange:
    """The lot sizes a rule set's plan covers (when an N falls outside)."""

    low: int
    """The smallest lot covered."""
    high: int | None
    """The largest lot covered; None when open."""


@dataclass(frozen=True)
class LotCheck:
    """Qn and N checked against a rule set: the preview, or which of them is outside and the range covered."""

    preview: LotPreview | None
    """The plan, T and balance check; None when Qn or N is outside the rule set."""
    nominal_range: NominalRange | None
    """Set when Qn is outside the rule set: what it covers."""
    lot_range: LotRange | None
    """Set when N is outside the rule set's plan: what it covers."""


# -- home screen -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionRow:
    """One inspection as a list shows it."""

    inspection: Inspection
    """The inspection."""
    outcome: Outcome | None = None
    """The saved verdict's outcome, once finalised."""
    weighed: int = 0
    """While open: packages recorded so far."""
    needed: int = 0
    """While open: packages the current stage needs."""


def _positive(text: str, what: str) -> Decimal:
    value = parse_decimal(text, what)
    if value <= 0:
        raise InputError(f"{what} must be positive; got {value}")
    return value


def _nonnegative(text: str, what: str) -> Decimal:
    value = parse_decimal(text, what)
    if value < 0:
        raise InputError(f"{what} must not be negative; got {value}")
    return value


__all__ = [
    "CellProgress",
    "FieldtoolError",
    "LotCheck",
    "LotPreview",
    "LotRange",
    "LotState",
    "NominalRange",
    "Services",
    "TareState",
    "weighing_unit",
]
