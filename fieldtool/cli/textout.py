"""Provides the plain-text and JSON forms of evaluations and rule sets for the command line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fieldtool.core.evaluate import LotEvaluation, PackageClass
from fieldtool.core.quantity import BASE_UNIT
from fieldtool.core.rules import PlanRow, RuleSet, TneBand
from fieldtool.explain import OUTCOME_WORDS, criterion_text, reason_text


def _lots(row: PlanRow) -> str:
    return f"{row.lot_min}–{row.lot_max}" if row.lot_max is not None else f"≥ {row.lot_min}"


def _size(n: int | None) -> str:
    return "N" if n is None else str(n)


def format_evaluation(ev: LotEvaluation) -> str:
    """The arithmetic and the verdict of a lot, so that anyone can re-do it."""
    u = ev.unit.symbol
    row = ev.plan.row
    lines = [
        f"Rule set     {ev.rules.id} ({ev.variant} plan): {ev.rules.name}",
        f"Lot          N = {ev.plan.lot_size}, Qn = {ev.nominal} {u}",
        f"Plan row     lots {_lots(row)}: n = {', then '.join(str(c) for c in ev.plan.cumulative)}"
        + (f", λ = {row.lam}" if row.lam is not None else ", no mean test")
        + f", T2 allowed {row.t2_allowed}",
        f"TNE          T = {ev.tne} {u}   Qn − T = {ev.nominal - ev.tne} {u}   Qn − 2T = {ev.nominal - 2 * ev.tne} {u}",
        (
            f"Sample       {len(ev.packages)} packages judged (stage {ev.stage}); "
            f"T1 (T < d ≤ 2T): {ev.t1_count}, T2 (d > 2T): {ev.t2_count}"
        ),
    ]
    if ev.stats is not None:
        s = ev.stats
        lines.append(
            f"Statistics   mean sample n = {s.n}: q̄ = {s.mean} {u}, s = {s.stdev if s.stdev is not None else '—'} {u}, "
            f"λ = {s.lam}, λ·s = {s.lam_s} {u}"
        )
        lines.append(f"             limit Qn − λ·s = {s.limit(ev.nominal)} {u}, margin q̄ − limit = {s.margin(ev.nominal)} {u}")
    lines.append("Criteria")
    lines.extend(f"  - {criterion_text(ev, c)}" for c in ev.criteria)
    flagged = [p for p in ev.packages if p.cls is not PackageClass.OK]
    if flagged:
        lines.append("Packages beyond T")
        lines.extend(f"  #{p.index:<4} net {p.net} {u}  shortfall {p.shortfall} {u}  {p.cls.value}" for p in flagged)
    lines.append(f"Verdict      {OUTCOME_WORDS['en'][ev.outcome]}")
    lines.extend(f"  because {reason_text(ev, c)}" for c in ev.reasons)
    return "\n".join(lines)


def _band_text(band: TneBand, base: str) -> str:
    span = f"{band.above} < Qn ≤ {band.upto}" if band.upto is not None else f"Qn > {band.above}"
    if band.absolute is not None:
        value = f"{band.absolute} {base}"
    else:
        value = f"{band.percent} % of Qn" + (f", rounded to {band.round_to}" if band.round_to is not None else "")
    return f"  {span:<22} T = {value}"


def format_rule_set(rules: RuleSet) -> str:
    """A rule set's tables as text."""
    lines = [f"{rules.id}: {rules.name}"]
    if rules.name_zh:
        lines.append(f"{' ' * len(rules.id)}  {rules.name_zh}")
    lines.append(f"Jurisdiction {rules.jurisdiction}; follows {rules.follows}")
    lines.append(f"Defectives count: {rules.defective_rule.value}")
    lines.append("Sources")
    lines.extend(f"  - {s}" for s in rules.sources)
    for table in rules.tne_tables:
        base = BASE_UNIT[table.kinds[0]]
        lines.append(f"TNE for {', '.join(k.value for k in table.kinds)} (Qn in {base}; rounding {table.rounding.value}"
                     + (f"; from {table.nominal_min} {base}" if table.nominal_min is not None else "") + ")")
        lines.extend(_band_text(b, base) for b in table.bands)
    for plan in rules.plans.values():
        lines.append(f"Plan {plan.name!r}: {plan.description}")
        for row in plan.rows:
            if len(row.stages) > 1:
                stages = "; ".join(f"stage {i} n {_size(st.n)} accept ≤ {st.accept} reject ≥ {st.reject}" for i, st in enumerate(row.stages, 1))
            elif row.stages:
                stages = f"n {_size(row.n)}, defectives allowed {row.stages[0].accept}"
            else:
                stages = f"n {_size(row.n)}, no defectives count"
            mean = "no mean test" if row.lam is None else f"λ {row.lam}" + (f" on the first {row.mean_n}" if row.mean_n else "")
            lines.append(f"  lots {_lots(row):<11} {stages}; T2 allowed {row.t2_allowed}; {mean}")
    lines.append(f"Tare: average tare needs ≥ {rules.tare.min_sample} packagings and s ≤ {rules.tare.max_stdev_fraction_of_tne} × T")
    lines.append(f"Instrument: error ≤ {rules.instrument.max_error_fraction_of_tne} × T")
    if rules.notes.strip():
        lines.append("Notes")
        lines.extend(f"  {line}" for line in rules.notes.strip().splitlines())
    return "\n".join(lines)


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def rule_set_as_dict(rules: RuleSet) -> dict[str, Any]:
    """A rule set as JSON-able data (decimals as strings)."""
    return {
        "id": rules.id,
        "name": rules.name,
        "name_zh": rules.name_zh,
        "jurisdiction": rules.jurisdiction,
        "sources": list(rules.sources),
        "follows": rules.follows,
        "notes": rules.notes.strip(),
        "defective_rule": rules.defective_rule.value,
        "tne": [
            {
                "kinds": [k.value for k in t.kinds],
                "rounding": t.rounding.value,
                "nominal_min": _d(t.nominal_min),
                "bands": [
                    {"above": str(b.above), "upto": _d(b.upto), "percent": _d(b.percent), "absolute": _d(b.absolute), "round_to": _d(b.round_to)}
                    for b in t.bands
                ],
            }
            for t in rules.tne_tables
        ],
        "plans": {
            name: {
                "description": plan.description,
                "rows": [
                    {
                        "lot_min": r.lot_min,
                        "lot_max": r.lot_max,
                        "n": r.n if r.n is not None else "all",
                        "stages": [{"n": st.n if st.n is not None else "all", "accept": st.accept, "reject": st.reject} for st in r.stages],
                        "t2_allowed": r.t2_allowed,
                        "lambda": _d(r.lam),
                        "mean_n": r.mean_n,
                    }
                    for r in plan.rows
                ],
            }
            for name, plan in rules.plans.items()
        },
        "tare": {"min_sample": rules.tare.min_sample, "max_stdev_fraction_of_tne": str(rules.tare.max_stdev_fraction_of_tne)},
        "instrument": {"max_error_fraction_of_tne": str(rules.instrument.max_error_fraction_of_tne)},
    }
