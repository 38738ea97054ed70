"""Provides the words and numbers of the reports (no reportlab): values to a resolution, names in words, plurals, conclusions.

A report prints quantities to the balance's resolution (means and s one digit finer), names rule
sets, plans and programmes in words, a balance by its register number, counts with the right
plural, and states each conclusion as a sentence that names its basis. The lot report's use-case
(`fieldtool.usecases.lot_report`) builds the conclusions with `net_quantity_conclusion`; the
layouts (``lot*.py``, ``summary*.py``) format with `shown` and `rounded`, which live in
`fieldtool.core.resolution` (the one rule the screens and the CSV export follow too) and are
re-exported here.
"""

from __future__ import annotations

import re

from fieldtool.core.evaluate import Outcome
from fieldtool.core.inspection import Balance
from fieldtool.core.label import LabelResult
from fieldtool.core.resolution import decimals, derived, round_to, rounded, shown
from fieldtool.core.rules import RuleSet
from fieldtool.reports.lot_model import Conclusion, LotReportData

VARIANT_WORDS = {
    "standard": ("常规抽样方案", "standard plan"),
    "destructive": ("破坏性检验抽样方案", "plan for destructive testing"),
}
"""A rule set's sampling plan variants in words (others are shown by their rule file's description)."""

_BASIS = re.compile(r"^((?:JJF|JJG|GB(?:/T)?|OIML\s+R)\s*[\d.]+(?:[-:]\d{4})?)")


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 package``, ``2 packages`` (``many`` when the plural is not ``one + s``)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def rule_basis(rules: RuleSet) -> tuple[str, str]:
    """The basis of judgement as a report cites it: the standard's number (``JJF 1070-2005``), else the rule set's name."""
    for name in (rules.name, rules.name_zh):
        found = _BASIS.match(name)
        if found:
            return found.group(1), found.group(1)
    return rules.name_zh or rules.name, rules.name


def rule_name(rules: RuleSet) -> tuple[str, str]:
    """The rule set's full name in Chinese and English (never its file id)."""
    return rules.name_zh or rules.name, rules.name


def variant_words(rules: RuleSet, variant: str) -> tuple[str, str]:
    """A sampling plan variant in words: the known names, else the rule file's description."""
    if variant in VARIANT_WORDS:
        return VARIANT_WORDS[variant]
    plan = rules.plans.get(variant)
    text = plan.description if plan is not None and plan.description else variant
    return text, text


def register_number(balance: Balance) -> str:
    """A balance's number in the register: ``B-`` and the first eight hex digits of its register id."""
    return "B-" + balance.id.replace("-", "")[:8].upper()


def net_quantity_conclusion(data: LotReportData) -> Conclusion:
    """The net quantity's conclusion as a sentence naming the rule set it was judged by.

    E.g. 经检验，该批大米（金龙鱼，批号 2012A，标注净含量 5 kg）净含量不符合 JJF 1070-2005 的要求，判定为不合格。
    """
    h = data.header
    basis_zh, basis_en = rule_basis(data.rules)
    product_zh = data.product.name_zh if data.product is not None else "定量包装商品"
    product_en = data.product.name_en.lower() if data.product is not None else "prepackaged goods"
    detail_zh = "，".join(x for x in (h.brand, f"批号 {h.batch}" if h.batch else "", f"标注净含量 {h.nominal} {h.unit}") if x)
    detail_en = ", ".join(x for x in (h.brand, f"batch {h.batch}" if h.batch else "", f"labelled {h.nominal} {h.unit}") if x)
    verdict = data.verdict.outcome if data.verdict is not None else (
        data.evaluation.outcome if data.evaluation is not None else None)
    lot_zh = f"该批{product_zh}（{detail_zh}）"
    lot_en = f"the lot of {product_en} ({detail_en})"
    if verdict is Outcome.PASS:
        zh = f"经检验，{lot_zh}净含量符合 {basis_zh} 的要求，判定为合格。"
        en = f"As inspected, the net quantity of {lot_en} meets the requirements of {basis_en}: it passes."
        outcome: str | None = "pass"
    elif verdict is Outcome.FAIL:
        zh = f"经检验，{lot_zh}净含量不符合 {basis_zh} 的要求，判定为不合格。"
        en = f"As inspected, the net quantity of {lot_en} does not meet the requirements of {basis_en}: it fails."
        outcome = "fail"
    else:
        zh = f"{lot_zh}的样本尚未检验完毕，净含量尚不能按 {basis_zh} 判定。"
        en = f"The sample of {lot_en} is not complete: its net quantity cannot be judged by {basis_en} yet."
        outcome = None
    return Conclusion("净含量", "Net quantity", outcome, zh, en)


def label_basis(label: LabelResult | None) -> tuple[str, str]:
    """The basis of the label's judgement as a report cites it: Order 70 (its rules file's name otherwise)."""
    if label is None or label.rules.id.startswith("cn-order70"):
        return "《定量包装商品计量监督管理办法》（国家市场监督管理总局令第70号）", "SAMR Order 70 (2023)"
    return label.rules.name_zh or label.rules.name, label.rules.name


def label_conclusion(data: LotReportData) -> Conclusion:
    """The label's conclusion (净含量标注) as a sentence naming its basis, judged apart from the net quantity.

    E.g. 经检验，该批大米的净含量标注不符合《定量包装商品计量监督管理办法》（国家市场监督管理总局令第70号）的要求，判定为不合格。
    A lot whose label was not checked says so: the label cannot be judged.
    """
    product_zh = data.product.name_zh if data.product is not None else "定量包装商品"
    product_en = data.product.name_en.lower() if data.product is not None else "prepackaged goods"
    basis_zh, basis_en = label_basis(data.label)
    label = data.label
    if label is None:
        zh = f"该批{product_zh}的净含量标注未检查，尚不能判定。"
        en = f"The net-content label of the lot of {product_en} was not checked: it cannot be judged."
        return Conclusion("净含量标注", "Net-content label", None, zh, en)
    if label.passed:
        zh = f"经检验，该批{product_zh}的净含量标注（“{label.text}”）符合 {basis_zh} 的要求，判定为合格。"
        en = (f"As inspected, the net-content label of the lot of {product_en} (“{label.text}”) meets the "
              f"requirements of {basis_en}: it passes.")
        return Conclusion("净含量标注", "Net-content label", "pass", zh, en)
    zh = f"经检验，该批{product_zh}的净含量标注（“{label.text}”）不符合 {basis_zh} 的要求，判定为不合格。"
    en = (f"As inspected, the net-content label of the lot of {product_en} (“{label.text}”) does not meet the "
          f"requirements of {basis_en}: it fails.")
    return Conclusion("净含量标注", "Net-content label", "fail", zh, en)


__all__ = [
    "VARIANT_WORDS",
    "decimals",
    "derived",
    "label_basis",
    "label_conclusion",
    "net_quantity_conclusion",
    "plural",
    "register_number",
    "round_to",
    "rounded",
    "rule_basis",
    "rule_name",
    "shown",
    "variant_words",
]
