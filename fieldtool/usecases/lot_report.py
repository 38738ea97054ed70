"""Provides the use-cases that gather what a lot report shows, from the store, through `Services`.

`lot_report_data` collects everything the lot report (定量包装商品净含量计量检验报告) prints, as
plain domain values (the types of `fieldtool.reports.lot_model`), so that `fieldtool.reports.lot`
only lays them out: the inspection header, programme city and product names in Chinese and
English, the rule set and plan row, the balance from the register with its suitability, the
sampling draw, tare and density records, every package with its class, every earlier version of a
corrected or withdrawn package with its reason, the evaluation (statistics and criteria), the
saved verdict, the inspectors, a report number, the fingerprint of the stored records and what was
verified before the report was made (`fieldtool.sync.lot_verify`: the lot's records, their links and
signatures, the key and who vouches for it, the hub's receipt).

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

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal, localcontext
from fractions import Fraction

from fieldtool.core.chinatime import local
from fieldtool.core.inspection import DensityRecord, Inspection
from fieldtool.core.instrument import check_instrument
from fieldtool.core.programme import Programme
from fieldtool.core.quantity import Kind, Unit, unit
from fieldtool.core.records import records_fingerprint
from fieldtool.core.resolution import resolution_for
from fieldtool.core.rules import RuleSet, tne_in
from fieldtool.core.statistics import MeanStatistics
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError
from fieldtool.infra.institute import Institute
from fieldtool.reports.lot_model import (
    BalanceInfo,
    CorrectionRow,
    LotReportData,
    PackageRow,
    ReceiptShown,
    ReportVerification,
    SigningKeyShown,
    SignOff,
    StatisticsFigures,
)
from fieldtool.reports.lot_words import label_conclusion, net_quantity_conclusion
from fieldtool.sync.lot_verify import LotVerification, require_lot_intact
from fieldtool.sync.trust import Trust, trust_of
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.review_state import review_state


def report_number(inspection: Inspection, programme: Programme | None) -> str:
    """The report number of an inspection: ``FT-<year>-<CITY>-<ID8>`` (see the module docstring)."""
    year = programme.year if programme is not None else local(inspection.created_at).year
    parts = ["FT", str(year)]
    city = inspection.header.city_id
    if city:
        parts.append(city.replace("-", "").upper())
    parts.append(inspection.id.replace("-", "")[:8].upper())
    return "-".join(parts)


def inspection_fingerprint(services: Services, inspection_id: str) -> tuple[str, int]:
    """The fingerprint of an inspection's stored records and how many records it covers.

    Raises:
        NotFoundError: no such inspection.
    """
    records = services.store.inspection_records(inspection_id)
    return records_fingerprint([r.hash for r in records]), len(records)


def lot_report_data(
    services: Services,
    inspection_id: str,
    allow_draft: bool = False,
    trust: Trust | None = None,
    institute: Institute | None = None,
) -> LotReportData:
    """Gather what the lot report of one inspection shows.

    Args:
        services: the use-cases over the open store.
        inspection_id: the inspection (its full id).
        allow_draft: accept an inspection that is not finalised (for a report marked DRAFT).
        trust: the keys vouched for (`Trust.here()` by default: this laptop's key, or the hub's register).
        institute: the issuing body (`fieldtool.infra.institute.find_institute`); None: not configured.

    Returns:
        The report's data, with the net quantity's conclusion and the places to print
        (`fieldtool.reports.lot_model.Resolution`: the statistics are rounded to them for display;
        the verdict was decided on the exact values).

    Raises:
        NotFoundError: no such inspection.
        InputError: the inspection is not finalised and ``allow_draft`` is False.
        StoreError: the lot's records, their links and signatures, its receipt or its rows fail
            verification, or no trusted key vouches for them (a report never shows corrupted data;
            `fieldtool.sync.lot_verify.verify_lot`, which does not read the other lots).
    """
    inspection_id = inspection_id.strip()
    try:
        services.store.inspection(inspection_id)
    except NotFoundError:
        raise NotFoundError(f"no inspection {inspection_id}", zh=f"没有检验 {inspection_id}") from None
    # The lot's own evidence, not the whole database: the time does not grow with the other lots.
    verified = require_lot_intact(services.store, inspection_id, "the lot report", trust_of(services, trust))
    state = services.lot_state(inspection_id)
    inspection = state.inspection
    if not inspection.is_final and not allow_draft:
        raise InputError(f"inspection {inspection_id} is not finalised; use --draft for a draft report", zh=f"检验 {inspection_id} 尚未定稿；可先生成报告草稿")
    h = inspection.header
    store = services.store

    programme = city = product = None
    if h.programme_id:
        try:
            programme = services.programme(h.programme_id)
        except NotFoundError:
            programme = None
    if programme is not None and h.city_id:
        city = programme.find_city(h.city_id)
    if programme is not None and h.product_id:
        product = programme.find_product(h.product_id)

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
    resolution = resolution_for(balance.balance if balance is not None else None, state.unit, state.weighing_unit,
                                state.measurements, average_tare=state.tare.method is TareMethod.AVERAGE)
    if stats is not None:
        # Printed one digit finer than a net quantity; `passes` decides on the exact values whatever the places.
        stats = replace(stats, places=resolution.mean)
    verdict = state.verdict
    matches = True
    if verdict is not None and evaluation is not None:
        matches = verdict.outcome is evaluation.outcome and tuple(verdict.inputs.nets) == tuple(
            p.net for p in evaluation.packages
        )
    fingerprint, count = inspection_fingerprint(services, inspection_id)
    number = report_number(inspection, programme)
    sign_off = SignOff()
    if inspection.is_final:
        # The sign-off: who reviewed and approved this revision, the header as corrected, the revised number.
        st = review_state(services, inspection_id)
        if st.header is not None:
            inspection = replace(inspection, header=st.header)
        sign_off = SignOff(reviewer=st.reviewer, reviewed_on=st.reviewed_on, approver=st.approver,
                           approved_on=st.approved_on, issued_on=st.issued_on, issued=st.issued,
                           revision=st.revision, replaces=st.replaces_report_number(number))
        number = st.report_number(number)
    data = LotReportData(
        report_number=number,
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
        verification=_shown(verified),
        institute=institute,
        resolution=resolution,
        sign_off=sign_off,
    )
    data = replace(data, sampling_form=store.sampling_form(inspection_id),
                   environment=tuple(store.environment_readings(inspection_id)))
    label = state.label
    data = replace(data, label=label.result if label is not None else None,
                   label_check=label.check if label is not None else None)
    return replace(data, conclusions=(net_quantity_conclusion(data), label_conclusion(data)))


def _shown(verified: LotVerification) -> ReportVerification:
    """What the report prints of the verification: each device's key and who vouches for it, the records, the receipt."""
    keys = tuple(
        SigningKeyShown(k.device_id, k.fingerprint, *_vouched(k.source, k.trusted)) for k in verified.keys
    )
    header_device = verified.keys[0].device_id if verified.keys else None
    receipt = next((r for r in verified.receipts if r.device_id == header_device), None)
    shown = None
    if receipt is not None:
        shown = ReceiptShown(receipt.issued_by_here, receipt.seq, _utc(receipt.issued_at))
    return ReportVerification(keys, verified.records, verified.signed, shown, verified.authenticated)


def _utc(text: str) -> datetime:
    """A stored ISO 8601 time; a time without a zone is UTC (as fieldtool stores them)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _vouched(source: str, trusted: bool) -> tuple[str, str]:
    """`SigningKeyShown.vouched_by` and its trust file, from `ChainKey.source`."""
    if not trusted:
        return "database", ""
    if source.startswith("--trust"):
        return "trust-file", source.removeprefix("--trust").strip()
    return ("register", "") if "register" in source else ("local", "")


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
        # A volume T becomes a mass T with the lot's density (ρ = 1 before one is recorded).
        t_balance = tne_in(t, lot_unit, unit(b.unit), density.density_g_per_ml if density is not None else None)
    suitability = check_instrument(t_balance, rules.instrument, mpe=b.mpe, e=b.e, d=b.d)
    valid = None if b.calibration_due is None else b.calibration_due >= day
    return BalanceInfo(balance=b, tne_in_balance_unit=t_balance, suitability=suitability, calibration_valid=valid)


def _figures(stats: MeanStatistics, nominal: Decimal) -> StatisticsFigures:
    """The sums behind q̄ and s: Σq exactly, Σ(q − q̄)² and s² rounded to the display places."""
    step = Decimal(1).scaleb(-stats.places)
    sum_q = _decimal(stats.mean_exact * stats.n)
    sum_sq = variance = None
    if stats.variance_exact is not None:
        sum_sq = _round(stats.variance_exact * (stats.n - 1), step)
        variance = _round(stats.variance_exact, step)
    return StatisticsFigures(stats=stats, sum_q=sum_q, sum_sq_dev=sum_sq, variance=variance, nominal=nominal)


def _decimal(value: Fraction) -> Decimal:
    """A fraction as a Decimal: exact when its denominator is a power of ten (a sum of recorded decimals)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _round(value: Fraction, step: Decimal) -> Decimal:
    """A fraction as a Decimal rounded to ``step`` (the display places).

    The context gets every digit the fraction can need: quantize refuses a result longer than the
    precision, and a lot of 12-digit nets with 9 decimals needs more than the default 28.
    """
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, len(str(abs(value.numerator))) + len(str(value.denominator)) + 2)
        return _decimal(value).quantize(step)


__all__ = [
    "inspection_fingerprint",
    "lot_report_data",
    "report_number",
]
