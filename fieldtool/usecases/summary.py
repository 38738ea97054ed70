"""Provides the figures of a programme summary, gathered in one pass over the finalised inspections.

`programme_summary_data` reads each finalised inspection of a programme with its saved verdict
and counts it: in total, by month, by city × product, by city and by product. It never judges a
lot again: the outcome and the failed criteria are those saved with the verdict, and the lot mean
deviation (q̄ − Qn)/T is computed from the nets the verdict saved (for the whole programme at once,
in `fieldtool.stats.summary`). The result is plain data (the types of
`fieldtool.reports.summary_model`) for `fieldtool.reports.summary` to lay out.

Dates: an inspection belongs to the day (and month) on which it was opened, in China Standard
Time (UTC+8, the programme's own calendar), whatever the zone of the computer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from fieldtool.core.chinatime import day_bounds, local
from fieldtool.core.evaluate import Outcome, Status
from fieldtool.core.explain import reason_text
from fieldtool.core.inspection import Inspection, StoredVerdict
from fieldtool.core.programme import Programme
from fieldtool.core.quantity import Unit, unit
from fieldtool.core.rules import PlanRow, ResolvedPlan, RuleSet, resolve_plan
from fieldtool.core.statistics import MeanStatistics
from fieldtool.errors import FieldtoolError, InputError, StoreError
from fieldtool.infra.institute import Institute
from fieldtool.reports.summary_model import (
    Cell,
    Counts,
    FailingLot,
    Period,
    PlanRowUse,
    ProductDeviations,
    RuleSetUse,
    Scope,
    SummaryData,
)
from fieldtool.stats.summary import LotMeans, group_spreads, lot_mean_deviations
from fieldtool.sync.trust import Trust, trust_of
from fieldtool.sync.verify import require_intact
from fieldtool.usecases.inspection import Services


@dataclass(frozen=True)
class _Context:
    """The part of a lot that `fieldtool.core.explain.reason_text` reads."""

    rules: RuleSet
    nominal: Decimal
    unit: Unit
    plan: ResolvedPlan
    tne: Decimal
    stats: MeanStatistics | None = None


def programme_summary_data(
    services: Services,
    programme_id: str,
    cities: Sequence[str] | None = None,
    products: Sequence[str] | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    trust: Trust | None = None,
    on: date | None = None,
    institute: Institute | None = None,
) -> SummaryData:
    """Gather the figures of a programme summary from the finalised inspections and their saved verdicts.

    Args:
        services: the use-cases over the open store.
        programme_id: the programme.
        cities: only these city ids (None or empty: every city of the programme).
        products: only these product ids (None or empty: every product).
        since: the first day counted (a `date`, inclusive, China Standard Time) or an aware instant.
        until: the last day counted (a `date`, inclusive) or an aware instant (exclusive).
        trust: the keys vouched for (by default this laptop's key, or the hub's register).
        on: the summary's date (its number and 编制日期); None: the day, in China Standard Time, on
            which the latest counted inspection was finalised. Never today's date: the same data give
            the same summary on any day.
        institute: the issuing body (`fieldtool.infra.institute.find_institute`); None: not configured.

    Returns:
        The figures, ready for `fieldtool.reports.summary.render_programme_summary`.

    Raises:
        NotFoundError: an unknown programme, city or product id (the message names it).
        InputError: nothing matches ("no finalised inspections match ..."), or a bad period.
        StoreError: a finalised inspection has no saved verdict, or the database fails verification.
    """
    require_intact(services.store, "the programme summary", trust_of(services, trust))
    programme = services.programme(programme_id)
    city_ids = _unique(cities)
    product_ids = _unique(products)
    chosen_cities = tuple(programme.city(c) for c in city_ids) if city_ids else programme.cities
    chosen_products = tuple(programme.product(p) for p in product_ids) if product_ids else programme.products
    # Keep the programme's order whatever order the ids were given in.
    chosen_cities = tuple(c for c in programme.cities if c in chosen_cities)
    chosen_products = tuple(p for p in programme.products if p in chosen_products)
    start, stop = day_bounds(since, until)
    scope = Scope(
        city_ids=tuple(c.id for c in chosen_cities) if city_ids else None,
        product_ids=tuple(p.id for p in chosen_products) if product_ids else None,
        since=_as_day(since, end=False),
        until=_as_day(until, end=True),
    )

    def in_scope(i: Inspection) -> bool:
        h = i.header
        return (not city_ids or h.city_id in city_ids) and (not product_ids or h.product_id in product_ids)

    # Oldest first: the order lots were opened (the store answers newest first).
    found = [i for i in services.inspections(programme_id=programme_id, final=True, since=start, until=stop) if in_scope(i)]
    found.sort(key=lambda i: (i.created_at, i.id))
    if not found:
        raise InputError(f"no finalised inspections match {_describe(programme, scope)}")
    open_count = sum(
        1 for i in services.inspections(programme_id=programme_id, final=False, since=start, until=stop) if in_scope(i)
    )

    city_by_id = {c.id: c for c in chosen_cities}
    product_by_id = {p.id: p for p in chosen_products}
    cells = {(c.id, p.id): Counts() for c in chosen_cities for p in chosen_products}
    by_city = {c.id: Counts() for c in chosen_cities}
    by_product = {p.id: Counts() for p in chosen_products}
    totals = unassigned = Counts()
    months: dict[tuple[int, int], Counts] = {}
    rule_lots: dict[str, int] = {}
    row_counts: dict[tuple[str, str, int], Counts] = {}
    rows: dict[tuple[str, str, int], PlanRow] = {}
    means: list[LotMeans] = []
    verdicts: list[StoredVerdict] = []
    plans: list[ResolvedPlan] = []
    rule_of: list[RuleSet] = []

    label_outcomes = services.store.label_outcomes()
    labels, labels_unchecked = Counts(), 0
    for inspection in found:
        label = label_outcomes.get(inspection.id)
        if label is None:
            labels_unchecked += 1
        else:
            labels = labels.plus(not label[1])
        verdict = services.verdict(inspection.id)
        if verdict is None:
            raise StoreError(f"inspection {inspection.id} is final but has no saved verdict")
        if verdict.outcome not in (Outcome.PASS, Outcome.FAIL):
            raise StoreError(f"inspection {inspection.id} is final with verdict {verdict.outcome}; expected pass or fail")
        failed = verdict.outcome is Outcome.FAIL
        inputs = verdict.inputs
        rules = services.rule_set(inputs.rule_set_id)
        try:
            plan = resolve_plan(rules, inputs.lot_size, inputs.variant)
        except FieldtoolError as exc:
            raise StoreError(f"inspection {inspection.id}: its saved verdict no longer fits {rules.id}: {exc}") from None
        verdicts.append(verdict)
        plans.append(plan)
        rule_of.append(rules)
        # The mean sample: the first mean_n packages; a plan without a mean test (N ≤ 10) uses them all.
        mean_nets = inputs.nets[: plan.mean_n] if plan.mean_n else inputs.nets
        means.append(LotMeans(mean_nets, inputs.nominal, inputs.tne))

        totals = totals.plus(failed)
        key = (inspection.header.city_id or "", inspection.header.product_id or "")
        if key in cells:
            cells[key] = cells[key].plus(failed)
            by_city[key[0]] = by_city[key[0]].plus(failed)
            by_product[key[1]] = by_product[key[1]].plus(failed)
        else:
            unassigned = unassigned.plus(failed)
        opened = local(inspection.created_at)
        months[(opened.year, opened.month)] = months.get((opened.year, opened.month), Counts()).plus(failed)
        rule_lots[rules.id] = rule_lots.get(rules.id, 0) + 1
        row_key = (rules.id, inputs.variant, plan.row.lot_min)
        rows[row_key] = plan.row
        row_counts[row_key] = row_counts.get(row_key, Counts()).plus(failed)

    deviations = lot_mean_deviations(means)

    failing: list[FailingLot] = []
    for inspection, verdict, plan, rules, dev in zip(found, verdicts, plans, rule_of, deviations, strict=True):
        if verdict.outcome is not Outcome.FAIL:
            continue
        h, inputs = inspection.header, verdict.inputs
        bad = tuple(c for c in verdict.criteria if c.status is Status.FAIL)
        ctx = _Context(rules=rules, nominal=inputs.nominal, unit=unit(inputs.unit), plan=plan, tne=inputs.tne)
        form = services.store.sampling_form(inspection.id)  # the producer as labelled, for follow-up
        failing.append(
            FailingLot(
                inspection_id=inspection.id,
                city=city_by_id.get(h.city_id or ""),
                city_id=h.city_id or "",
                product=product_by_id.get(h.product_id or ""),
                product_id=h.product_id or "",
                inspected_on=local(inspection.created_at).date(),
                site_name=h.site_name,
                site_address=h.site_address,
                site_kind=h.site_kind,
                brand=h.brand,
                batch=h.batch,
                production_date=h.production_date,
                nominal=inputs.nominal,
                unit=inputs.unit,
                lot_size=inputs.lot_size,
                tne=inputs.tne,
                failed=bad,
                reasons={lang: tuple(reason_text(ctx, c, lang) for c in bad) for lang in ("en", "zh")},
                deviation=float(dev),
                notes=h.notes,
                producer_name=form.form.producer_name if form is not None else None,
                producer_address=form.form.producer_address if form is not None else "",
            )
        )
    city_order = {c.id: k for k, c in enumerate(programme.cities)}
    product_order = {p.id: k for k, p in enumerate(programme.products)}
    failing.sort(key=lambda f: (city_order.get(f.city_id, len(city_order)), f.city_id,
                                product_order.get(f.product_id, len(product_order)), f.product_id,
                                f.inspected_on, f.inspection_id))

    product_index = {p.id: k for k, p in enumerate(chosen_products)}
    groups = [product_index.get(i.header.product_id or "", -1) for i in found]
    spreads = group_spreads(
        [d for d, g in zip(deviations, groups, strict=True) if g >= 0], [g for g in groups if g >= 0], len(chosen_products)
    )
    per_product = tuple(
        ProductDeviations(
            product=p,
            values=tuple(float(d) for d, g in zip(deviations, groups, strict=True) if g == k),
            failed=tuple(v.outcome is Outcome.FAIL for v, g in zip(verdicts, groups, strict=True) if g == k),
            spread=spreads[k],
        )
        for k, p in enumerate(chosen_products)
    )

    periods = _months(months)
    ordered_rules = sorted(rule_lots, key=lambda r: (r != programme.rule_set, r))
    plan_rows = tuple(
        PlanRowUse(rule_set_id=r, variant=v, row=rows[(r, v, m)], lots=row_counts[(r, v, m)])
        for r, v, m in sorted(row_counts, key=lambda k: (ordered_rules.index(k[0]), k[1] != "standard", k[1], k[2]))
    )
    digest = hashlib.sha256()
    for inspection, verdict in sorted(zip(found, verdicts, strict=True), key=lambda iv: iv[0].id):
        digest.update(f"{inspection.id}:{verdict.id}\n".encode())
        if inspection.id in label_outcomes:
            # The label check that counts is part of what is summarised (none: the number is as before).
            digest.update(f"label:{label_outcomes[inspection.id][0]}\n".encode())
    fingerprint = digest.hexdigest()
    last_finalised = max(i.finalised_at for i in found if i.finalised_at is not None)
    generated_on = on if on is not None else local(last_finalised).date()
    days = [local(i.created_at).date() for i in found]
    return SummaryData(
        programme=programme,
        scope=scope,
        generated_on=generated_on,
        report_no=f"{programme.id}-{generated_on:%Y%m%d}-{fingerprint[:8].upper()}",
        labels=labels,
        labels_unchecked=labels_unchecked,
        fingerprint=fingerprint,
        first_day=min(days),
        last_day=max(days),
        totals=totals,
        periods=periods,
        cities=chosen_cities,
        products=chosen_products,
        cells={k: Cell(quota=programme.quota(*k), counts=v) for k, v in cells.items()},
        by_city=by_city,
        by_product=by_product,
        unassigned=unassigned,
        deviations=per_product,
        failing=tuple(failing),
        rule_sets=tuple(RuleSetUse(services.rule_set(r), rule_lots[r]) for r in ordered_rules),
        plan_rows=plan_rows,
        open_inspections=open_count,
        last_finalised=last_finalised,
        lot_ids=tuple(i.id for i in found),
        institute=institute,
    )


def _unique(ids: Sequence[str] | None) -> tuple[str, ...]:
    """The ids given, without repeats or blanks, in the order given."""
    if not ids:
        return ()
    if isinstance(ids, str):
        ids = [ids]
    seen: dict[str, None] = {}
    for i in ids:
        if i.strip():
            seen.setdefault(i.strip(), None)
    return tuple(seen)


def _as_day(value: date | datetime | None, end: bool) -> date | None:
    """The day a bound falls on, for display (an exclusive end instant shows the day before)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = local(value)
        if end and moment.timetz().replace(tzinfo=None) == time(0):
            return moment.date() - timedelta(days=1)
        return moment.date()
    return value


def _months(months: Mapping[tuple[int, int], Counts]) -> tuple[Period, ...]:
    """Every month from the first to the last with lots, with zeros for months without."""
    (y, m), last = min(months), max(months)
    out: list[Period] = []
    while (y, m) <= last:
        out.append(Period(y, m, months.get((y, m), Counts())))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def _describe(programme: Programme, scope: Scope) -> str:
    """The selection in words, for the message when nothing matches."""
    parts = [f"programme {programme.id}"]
    if scope.city_ids:
        parts.append(f"cities {', '.join(scope.city_ids)}")
    if scope.product_ids:
        parts.append(f"products {', '.join(scope.product_ids)}")
    if scope.since is not None:
        parts.append(f"from {scope.since.isoformat()}")
    if scope.until is not None:
        parts.append(f"to {scope.until.isoformat()}")
    return ", ".join(parts)


__all__ = ["programme_summary_data"]
