"""Provides the plain-text and JSON forms of evaluations, rule sets and programmes for the command line."""

from __future__ import annotations

import unicodedata
from typing import Any

from fieldtool.core.evaluate import LotEvaluation, PackageClass
from fieldtool.core.explain import OUTCOME_WORDS, criterion_text, reason_text
from fieldtool.core.programme import Programme
from fieldtool.core.quantity import BASE_UNIT, decimal_str
from fieldtool.core.rules import PlanRow, RuleSet, TneBand
from fieldtool.errors import InputError


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
                "nominal_min": decimal_str(t.nominal_min),
                "bands": [
                    {"above": str(b.above), "upto": decimal_str(b.upto), "percent": decimal_str(b.percent), "absolute": decimal_str(b.absolute), "round_to": decimal_str(b.round_to)}
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
                        "lambda": decimal_str(r.lam),
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


# --- programmes --------------------------------------------------------------------------------


def programme_as_dict(p: Programme) -> dict[str, Any]:
    """The programme as plain JSON-able data (decimals as strings), for ``programme show --json``.

    Args:
        p: the programme.

    Returns:
        Nested dicts, lists, strings and integers only.
    """
    overrides: dict[str, dict[str, int]] = {}
    for (city_id, product_id), lots in p.quota_overrides.items():
        overrides.setdefault(city_id, {})[product_id] = lots
    return {
        "id": p.id,
        "name": p.name,
        "name_zh": p.name_zh,
        "year": p.year,
        "sources": list(p.sources),
        "notes": p.notes,
        "rule_set": p.rule_set,
        "quota": {"per_cell": p.quota_per_cell, "overrides": overrides, "total_lots": p.total_lots},
        "cities": [
            {
                "id": c.id,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "province_zh": c.province_zh,
                "province_en": c.province_en,
            }
            for c in p.cities
        ],
        "products": [
            {
                "id": pr.id,
                "name_zh": pr.name_zh,
                "name_en": pr.name_en,
                "kind": pr.kind.value,
                "method": pr.method.value,
                "typical_density": decimal_str(pr.typical_density),
                "nominal_quantities": [{"value": str(q.value), "unit": q.unit} for q in pr.nominal_quantities],
                "default_tare": pr.default_tare.value,
            }
            for pr in p.products
        ],
        "path": p.path,
    }


_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "programme": "Programme",
        ":": ": ",
        "rule_set": "Rule set",
        "sources": "Sources",
        "notes": "Notes",
        "quota": "Quota: {n} lots per city and product; {total} lots in all",
        "overrides": "Overrides",
        "none": "none",
        "cities": "Cities",
        "products": "Products",
        "id": "id",
        "city": "city",
        "province": "province",
        "product": "product",
        "kind": "kind",
        "method": "method",
        "density": "density g/mL",
        "nominals": "nominal quantities",
        "tare": "tare",
        "mass": "mass",
        "volume": "volume",
        "method:mass": "mass",
        "method:mass-and-density": "mass-and-density",
        "individual": "individual",
        "average": "average",
    },
    "zh": {
        "programme": "检查方案",
        ":": "：",
        "rule_set": "检验规则",
        "sources": "依据",
        "notes": "说明",
        "quota": "配额：每个城市每种商品 {n} 批；合计 {total} 批",
        "overrides": "调整",
        "none": "无",
        "cities": "城市",
        "products": "商品",
        "id": "编号",
        "city": "城市",
        "province": "省级行政区",
        "product": "商品",
        "kind": "计量",
        "method": "检验方法",
        "density": "密度 g/mL",
        "nominals": "标注净含量",
        "tare": "皮重",
        "mass": "质量",
        "volume": "体积",
        "method:mass": "称量",
        "method:mass-and-density": "称量并按密度换算",
        "individual": "逐个去皮",
        "average": "平均皮重",
    },
}


def format_programme(p: Programme, lang: str = "en") -> str:
    """A readable listing of a programme: header, quota, cities and products tables.

    Args:
        p: the programme.
        lang: ``en`` or ``zh``: the language of the headings and of the names shown first.

    Returns:
        The text, lines joined by newlines; columns are aligned for a terminal (CJK counts double).

    Raises:
        InputError: an unknown language.
    """
    if lang not in _LABELS:
        raise InputError(f"unknown language {lang!r}; use {', '.join(_LABELS)}")
    lab = _LABELS[lang]
    zh = lang == "zh"
    titles = [p.name_zh, p.name] if zh else [p.name, p.name_zh]
    lines = [f"{lab['programme']} {p.id} ({p.year})"]
    lines += [f"  {t}" for t in titles if t]
    colon = lab[":"]
    lines.append(f"{lab['rule_set']}{colon}{p.rule_set}")
    lines.append(f"{lab['sources']}{colon}".rstrip())
    lines += [f"  - {s}" for s in p.sources]
    if p.notes:
        lines.append(f"{lab['notes']}{colon}".rstrip())
        lines += [f"  {line}" for line in p.notes.splitlines()]
    lines.append(lab["quota"].format(n=p.quota_per_cell, total=p.total_lots))
    if p.quota_overrides:
        cells = ", ".join(f"{c} × {pr}: {n}" for (c, pr), n in sorted(p.quota_overrides.items()))
        lines.append(f"  {lab['overrides']}{colon}{cells}")
    else:
        lines.append(f"  {lab['overrides']}{colon}{lab['none']}")

    lines.append("")
    lines.append(f"{lab['cities']} ({len(p.cities)})")
    city_rows = [
        [c.id, c.name_zh, c.name_en, f"{c.province_zh} ({c.province_en})"]
        if zh
        else [c.id, c.name_en, c.name_zh, f"{c.province_en} ({c.province_zh})"]
        for c in p.cities
    ]
    lines += _columns([lab["id"], lab["city"], "", lab["province"]], city_rows)

    lines.append("")
    lines.append(f"{lab['products']} ({len(p.products)})")
    product_rows = [
        [
            pr.id,
            *([pr.name_zh, pr.name_en] if zh else [pr.name_en, pr.name_zh]),
            lab.get(pr.kind.value, pr.kind.value),
            lab[f"method:{pr.method.value}"],
            "—" if pr.typical_density is None else str(pr.typical_density),
            ", ".join(str(q) for q in pr.nominal_quantities),
            lab[pr.default_tare.value],
        ]
        for pr in p.products
    ]
    lines += _columns(
        [lab["id"], lab["product"], "", lab["kind"], lab["method"], lab["density"], lab["nominals"], lab["tare"]],
        product_rows,
    )
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _columns(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    out: list[str] = []
    for row in [headers, *rows]:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
        out.append(("  " + "  ".join(cells)).rstrip())
    return out
