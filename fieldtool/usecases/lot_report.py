"""Provides the use-cases that gather what a lot report shows, from the store, through `Services`.

`lot_report_data` collects everything the lot report (定量包装商品净含量计量检验报告) prints, as
plain domain values, so that `fieldtool.reports.lot` only lays them out: the inspection header,
programme city and product names in Chinese and English, the rule set and plan row, the balance
from the register with its suitability, the sampling draw, tare and density records, every package
with its class, every earlier version of a corrected or withdrawn package with its reason, the
evaluation (statistics and criteria), the saved verdict, the inspectors, a report number and the
fingerprint of the stored records.

Report number: ``FT-<year>-<CITY>-<ID8>``: the programme's year (else the year, in China Standard
Time, in which the inspection was opened), the city id in capitals without hyphens (the part is
left out when the inspection has no city) and the first eight hex digits of the inspection id in
capitals, e.g. ``FT-2012-BEIJING-1C829DFE``. It depends only on the stored inspection, so every
print of one inspection carries the same number.

Fingerprint: SHA-256 (hex) of ``core.records.canonical_json`` of the list of the hashes of every
record of the inspection, in the order of `SqliteStore.inspection_records` (recorded_at,
device_id, seq). Each record hash covers its content and its predecessor, so the fingerprint
changes with any change to what was stored for the inspection.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

from fieldtool.core.evaluate import LotEvaluation, MeanStatistics, PackageClass, Progress
from fieldtool.core.inspection import (
    Balance,
    DensityRecord,
    Inspection,
    InspectionHeader,
    InspectorProfile,
    Measurement,
    MeasurementSource,
    StoredVerdict,
)
from fieldtool.core.instrument import Suitability, check_instrument
from fieldtool.core.quantity import Kind, Unit, from_base, to_base, unit
from fieldtool.core.records import canonical_json
from fieldtool.core.rules import ResolvedPlan, RuleSet
from fieldtool.core.sampling import Draw
from fieldtool.errors import InputError, NotFoundError
from fieldtool.plans.programme import City, Product, Programme
from fieldtool.services import Services, TareState
from fieldtool.sync.verify import require_intact

REPORT_TZ = timezone(timedelta(hours=8), "UTC+8")
"""Times and dates on a report are China Standard Time (the store keeps UTC)."""


@dataclass(frozen=True)
class PackageRow:
    """One package of the sample as the report's table shows it (its current version)."""

    number: int
    """1-based number in the sample (weighing order of the packages that count)."""
    measurement: Measurement
    """The current version: gross, tare, net, units, density, source, raw line, time."""
    shortfall: Decimal
    """d = Qn − q, in the lot's unit (negative when the package holds more than Qn)."""
    cls: PackageClass
    """OK, T1 (T < d ≤ 2T) or T2 (d > 2T)."""
    corrected: bool
    """True when an earlier version of this package was corrected (shown in the corrections)."""
    in_mean_sample: bool
    """True when the package belongs to the mean sample (the first `mean_n` packages)."""

    @property
    def net(self) -> Decimal:
        """q, in the lot's unit."""
        return self.measurement.net

    @property
    def net_mass(self) -> Decimal | None:
        """gross − tare in the weighing unit, when both were recorded."""
        m = self.measurement
        return None if m.gross is None or m.tare is None else m.gross - m.tare


@dataclass(frozen=True)
class CorrectionRow:
    """One change to a package: the version replaced, and the version that replaced (or withdrew) it."""

    position: int
    """The package's place in weighing order, as stored (kept by every version)."""
    original: Measurement
    """The version that was replaced; it stays in the record and on the report."""
    replacement: Measurement
    """The new version: corrected values, or the withdrawal (``withdrawn``)."""

    @property
    def withdrawn(self) -> bool:
        """True when the package was withdrawn (it no longer counts), not corrected."""
        return self.replacement.withdrawn

    @property
    def reason(self) -> str:
        """Why it was changed, as the inspector typed it."""
        return self.replacement.reason or ""


@dataclass(frozen=True)
class BalanceInfo:
    """The balance used, from the register, and whether it is fit for this lot."""

    balance: Balance
    """The register entry."""
    tne_in_balance_unit: Decimal
    """T expressed in the balance's unit (a volume T converted with the lot's density, or ρ = 1)."""
    suitability: Suitability | None
    """The check error ≤ fraction × T (MPE, else e, else d); None when no figure is known."""
    calibration_valid: bool | None
    """True when the certificate was in date on the inspection day; None when no due date is known."""


@dataclass(frozen=True)
class StatisticsFigures:
    """The mean-sample statistics with the intermediate sums, so the arithmetic can be re-done."""

    stats: MeanStatistics
    """Exact statistics (q̄, s², λ)."""
    sum_q: Decimal
    """Σq over the mean sample, exactly."""
    sum_sq_dev: Decimal | None
    """Σ(q − q̄)², rounded to the display places; None when n < 2."""
    variance: Decimal | None
    """s², rounded to the display places; None when n < 2."""
    nominal: Decimal
    """Qn."""

    @property
    def limit(self) -> Decimal:
        """Qn − λ·s, for display."""
        return self.stats.limit(self.nominal)

    @property
    def margin(self) -> Decimal:
        """q̄ − (Qn − λ·s), for display."""
        return self.stats.margin(self.nominal)


@dataclass(frozen=True)
class LotReportData:
    """Everything the lot report shows, gathered from the store."""

    report_number: str
    """``FT-<year>-<CITY>-<ID8>`` (see the module docstring)."""
    fingerprint: str
    """SHA-256 hex over the canonical JSON of the inspection's record hashes."""
    record_count: int
    """How many records the fingerprint covers."""
    inspection: Inspection
    """The inspection: header, device, times, who finalised it."""
    programme: Programme | None
    """The programme, when the inspection belongs to one."""
    city: City | None
    """The programme's city (names in zh/en)."""
    product: Product | None
    """The programme's product (names in zh/en)."""
    rules: RuleSet
    """The rule set the lot is judged by."""
    plan: ResolvedPlan
    """The plan row for N: n, λ, accept numbers."""
    unit: Unit
    """The lot's unit (of Qn, T, nets)."""
    weighing_unit: Unit
    """The unit gross and tare weights are in."""
    tne: Decimal
    """T in the lot's unit."""
    balance: BalanceInfo | None
    """The balance used; None when the inspection names none."""
    draw: Draw | None
    """The positions drawn by fieldtool from the seed; None when drawn by hand."""
    tare: TareState
    """Tare method, every tare weighing and (average tare) the assessment of the tare sample."""
    densities: tuple[DensityRecord, ...]
    """Every density recorded, in order (the last one is used)."""
    needs_density: bool
    """True when the lot is judged by volume from weighed masses."""
    packages: tuple[PackageRow, ...]
    """The current version of each package that counts, in weighing order."""
    history: tuple[Measurement, ...]
    """Every version of every package, by position, then in the order recorded."""
    corrections: tuple[CorrectionRow, ...]
    """Every correction or withdrawal, with the original values and the reason."""
    progress: Progress
    """Counts and statistics so far (a draft of an unfinished inspection shows these)."""
    evaluation: LotEvaluation | None
    """The evaluation of the complete sample; None while the sample is incomplete."""
    statistics: StatisticsFigures | None
    """The mean-sample statistics with their sums; None without a mean test or before 2 packages."""
    verdict: StoredVerdict | None
    """The saved verdict (finalised inspections)."""
    verdict_matches: bool
    """True unless the saved verdict differs from the one recomputed from the stored measurements."""
    profile: InspectorProfile | None
    """The device's inspector profile (organisation, inspector number)."""

    @property
    def header(self) -> InspectionHeader:
        """The inspection header."""
        return self.inspection.header

    @property
    def is_final(self) -> bool:
        """True when the inspection is finalised."""
        return self.inspection.is_final

    @property
    def nominal(self) -> Decimal:
        """Qn."""
        return self.inspection.header.nominal

    @property
    def qn_minus_t(self) -> Decimal:
        """Qn − T."""
        return self.nominal - self.tne

    @property
    def qn_minus_2t(self) -> Decimal:
        """Qn − 2T."""
        return self.nominal - 2 * self.tne

    @property
    def inspection_date(self) -> date:
        """The day the inspection was opened (China Standard Time)."""
        return local(self.inspection.created_at).date()

    @property
    def t1_count(self) -> int:
        """Packages with T < d ≤ 2T."""
        return sum(1 for p in self.packages if p.cls is PackageClass.T1)

    @property
    def t2_count(self) -> int:
        """Packages with d > 2T."""
        return sum(1 for p in self.packages if p.cls is PackageClass.T2)

    @property
    def density(self) -> DensityRecord | None:
        """The density in use (the last recorded)."""
        return self.densities[-1] if self.densities else None

    @property
    def qr_payload(self) -> str:
        """What the report's QR code holds: the inspection, the report number and the fingerprint."""
        return f"fieldtool-lot;id={self.inspection.id};no={self.report_number};sha256={self.fingerprint}"


def local(moment: datetime) -> datetime:
    """A stored (UTC) time in the report's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(REPORT_TZ)


def report_number(inspection: Inspection, programme: Programme | None) -> str:
    """The report number of an inspection: ``FT-<year>-<CITY>-<ID8>`` (see the module docstring)."""
    year = programme.year if programme is not None else local(inspection.created_at).year
    parts = ["FT", str(year)]
    city = inspection.header.city_id
    if city:
        parts.append(city.replace("-", "").upper())
    parts.append(inspection.id.replace("-", "")[:8].upper())
    return "-".join(parts)


def records_fingerprint(hashes: Sequence[str]) -> str:
    """SHA-256 (hex) of the canonical JSON of a list of record hashes."""
    return hashlib.sha256(canonical_json(list(hashes))).hexdigest()


def inspection_fingerprint(services: Services, inspection_id: str) -> tuple[str, int]:
    """The fingerprint of an inspection's stored records and how many records it covers.

    Raises:
        NotFoundError: no such inspection.
    """
    records = services.store.inspection_records(inspection_id)
    return records_fingerprint([r.hash for r in records]), len(records)


def lot_report_data(services: Services, inspection_id: str, allow_draft: bool = False) -> LotReportData:
    """Gather what the lot report of one inspection shows.

    Args:
        services: the use-cases over the open store.
        inspection_id: the inspection (its full id).
        allow_draft: accept an inspection that is not finalised (for a report marked DRAFT).

    Returns:
        The report's data.

    Raises:
        NotFoundError: no such inspection.
        InputError: the inspection is not finalised and ``allow_draft`` is False.
        StoreError: the database fails verification (a report never shows corrupted data).
    """
    inspection_id = inspection_id.strip()
    require_intact(services.store, "the lot report")
    try:
        state = services.lot_state(inspection_id)
    except NotFoundError:
        raise NotFoundError(f"no inspection {inspection_id}") from None
    inspection = state.inspection
    if not inspection.is_final and not allow_draft:
        raise InputError(f"inspection {inspection_id} is not finalised; use --draft for a draft report")
    h = inspection.header
    store = services.store

    programme = city = product = None
    if h.programme_id:
        try:
            programme = services.programme(h.programme_id)
        except NotFoundError:
            programme = None
    if programme is not None and h.city_id:
        city = next((c for c in programme.cities if c.id == h.city_id), None)
    if programme is not None and h.product_id:
        product = next((p for p in programme.products if p.id == h.product_id), None)

    progress = state.progress
    t = progress.tne
    densities = tuple(store.densities(inspection_id))
    history = tuple(store.measurement_history(inspection_id))
    by_id = {m.id: m for m in history}
    mean_n = progress.plan.mean_n
    # The lot's state has classified every current package already, in the same order.
    packages = tuple(
        PackageRow(
            number=r.index,
            measurement=m,
            shortfall=r.shortfall,
            cls=r.cls,
            corrected=m.supersedes is not None,
            in_mean_sample=mean_n is not None and r.index <= mean_n,
        )
        for r, m in zip(progress.packages, state.measurements, strict=True)
    )
    corrections = tuple(
        CorrectionRow(position=m.position, original=by_id[m.supersedes], replacement=m)
        for m in history
        if m.supersedes is not None and m.supersedes in by_id
    )

    balance = None
    if h.balance_id:
        balance = _balance_info(services, h.balance_id, t, state.unit, densities[-1] if densities else None,
                                state.rules, local(inspection.created_at).date())

    evaluation = state.evaluation if state.complete else None
    stats = evaluation.stats if evaluation is not None else progress.stats
    verdict = state.verdict
    matches = True
    if verdict is not None and evaluation is not None:
        matches = verdict.outcome is evaluation.outcome and tuple(verdict.inputs.nets) == tuple(
            p.net for p in evaluation.packages
        )
    fingerprint, count = inspection_fingerprint(services, inspection_id)
    return LotReportData(
        report_number=report_number(inspection, programme),
        fingerprint=fingerprint,
        record_count=count,
        inspection=inspection,
        programme=programme,
        city=city,
        product=product,
        rules=state.rules,
        plan=progress.plan,
        unit=state.unit,
        weighing_unit=state.weighing_unit,
        tne=t,
        balance=balance,
        draw=state.draw,
        tare=state.tare,
        densities=densities,
        needs_density=state.needs_density,
        packages=packages,
        history=history,
        corrections=corrections,
        progress=progress,
        evaluation=evaluation,
        statistics=_figures(stats, h.nominal) if stats is not None else None,
        verdict=verdict,
        verdict_matches=matches,
        profile=services.inspector(),
    )


def _balance_info(
    services: Services,
    balance_id: str,
    t: Decimal,
    lot_unit: Unit,
    density: DensityRecord | None,
    rules: RuleSet,
    day: date,
) -> BalanceInfo | None:
    """The balance from the register with its check against the rule set's fraction of T."""
    try:
        b = services.store.balance(balance_id)
    except NotFoundError:
        return None
    t_balance = t
    if lot_unit.kind in (Kind.MASS, Kind.VOLUME):
        t_base = to_base(t, lot_unit)
        if lot_unit.kind is Kind.VOLUME:
            # A volume T becomes a mass T with the lot's density (ρ = 1 before one is recorded).
            t_base = t_base * (density.density_g_per_ml if density is not None else Decimal(1))
        t_balance = from_base(t_base, unit(b.unit))
    suitability = check_instrument(t_balance, rules.instrument, mpe=b.mpe, e=b.e, d=b.d)
    valid = None if b.calibration_due is None else b.calibration_due >= day
    return BalanceInfo(balance=b, tne_in_balance_unit=t_balance, suitability=suitability, calibration_valid=valid)


def _figures(stats: MeanStatistics, nominal: Decimal) -> StatisticsFigures:
    """The sums behind q̄ and s: Σq exactly, Σ(q − q̄)² and s² rounded to the display places."""
    step = Decimal(1).scaleb(-stats.places)
    sum_q = _exact_decimal(stats.mean_exact * stats.n)
    sum_sq = variance = None
    if stats.variance_exact is not None:
        sum_sq = _round(stats.variance_exact * (stats.n - 1), step)
        variance = _round(stats.variance_exact, step)
    return StatisticsFigures(stats=stats, sum_q=sum_q, sum_sq_dev=sum_sq, variance=variance, nominal=nominal)


def _exact_decimal(value: Fraction) -> Decimal:
    """A fraction whose denominator is a power of ten (a sum of recorded decimals), as an exact Decimal."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _round(value: Fraction, step: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step)


__all__ = [
    "REPORT_TZ",
    "BalanceInfo",
    "CorrectionRow",
    "LotReportData",
    "MeasurementSource",
    "PackageRow",
    "StatisticsFigures",
    "inspection_fingerprint",
    "local",
    "lot_report_data",
    "records_fingerprint",
    "report_number",
]
