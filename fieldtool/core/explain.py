"""Provides the words for verdicts: each criterion and reason as one line, in English or Chinese.

The engine returns reasons as data (`core.evaluate.Criterion`); the CLI, the TUI and the
reports all word them here, so an inspector reads the same sentence everywhere.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from fieldtool.core.evaluate import Criterion, CriterionCode, Outcome, Status
from fieldtool.core.quantity import Unit
from fieldtool.core.resolution import round_to
from fieldtool.core.rules import DefectiveRule, ResolvedPlan, RuleSet
from fieldtool.core.statistics import MeanStatistics


class LotContext(Protocol):
    """What the words need to know of a lot: a finished `LotEvaluation` or a `Progress` both have it."""

    @property
    def rules(self) -> RuleSet: ...
    @property
    def nominal(self) -> Decimal: ...
    @property
    def unit(self) -> Unit: ...
    @property
    def plan(self) -> ResolvedPlan: ...
    @property
    def tne(self) -> Decimal: ...
    @property
    def stats(self) -> MeanStatistics | None: ...

OUTCOME_WORDS = {
    "en": {Outcome.PASS: "PASS", Outcome.FAIL: "FAIL", Outcome.SECOND_SAMPLE_NEEDED: "SECOND SAMPLE NEEDED"},
    "zh": {Outcome.PASS: "合格", Outcome.FAIL: "不合格", Outcome.SECOND_SAMPLE_NEEDED: "需抽取第二样本"},
}

STATUS_WORDS = {
    "en": {Status.PASS: "pass", Status.FAIL: "fail", Status.PENDING: "pending"},
    "zh": {Status.PASS: "符合", Status.FAIL: "不符合", Status.PENDING: "待定"},
}


def signed(value: Decimal) -> str:
    """A number with an explicit sign (+0.623, −1.2), as margins are shown."""
    return f"+{value}" if value >= 0 else f"−{-value}"


def defective_label(ev: LotContext, lang: str = "en") -> str:
    """What the defectives count counts under the lot's rule set."""
    if ev.rules.defective_rule is DefectiveRule.T1_ONLY:
        return "T < d ≤ 2T" if lang == "en" else "T < 短缺量 ≤ 2T"
    return "d > T" if lang == "en" else "短缺量 > T"


def criterion_text(ev: LotContext, c: Criterion, lang: str = "en") -> str:
    """One line describing a criterion and its numbers, whatever its status."""
    u = ev.unit.symbol
    status = STATUS_WORDS[lang][c.status]
    if c.code is CriterionCode.MEAN:
        assert ev.stats is not None
        exact = ev.stats.margin(ev.nominal)
        exponent = c.observed.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else None
        # Written to q̄'s places, as q̄ and the limit beside it are (a screen or report rounds them).
        margin = signed(exact if places is None else round_to(exact, places))
        if lang == "zh":
            return (
                f"平均实际含量 q̄ = {c.observed} {u}，限值 Qn − λ·s = {c.limit} {u}（n = {c.sample_size}），"
                f"余量 {margin} {u}：{status}"
            )
        return (
            f"mean q̄ = {c.observed} {u} against the limit Qn − λ·s = {c.limit} {u} (n = {c.sample_size}), "
            f"margin {margin} {u}: {status}"
        )
    if c.code is CriterionCode.T2:
        if lang == "zh":
            return f"短缺量大于 2T 的件数 {c.observed}（允许 {c.limit}，n = {c.sample_size}）：{status}"
        return f"packages short by more than 2T: {c.observed} (allowed {c.limit}, n = {c.sample_size}): {status}"
    label = defective_label(ev, lang)
    stage = ""
    if c.reject_at is not None:
        stage = (
            f", stage {c.stage}: accept ≤ {c.limit}, reject ≥ {c.reject_at}"
            if lang == "en"
            else f"，第{c.stage}阶段：≤ {c.limit} 接收，≥ {c.reject_at} 拒收"
        )
    if lang == "zh":
        return f"{label} 的件数 {c.observed}（允许 {c.limit}，n = {c.sample_size}{stage}）：{status}"
    return f"packages with {label}: {c.observed} (allowed {c.limit}, n = {c.sample_size}{stage}): {status}"


def reason_text(ev: LotContext, c: Criterion, lang: str = "en") -> str:
    """Why a criterion decided the verdict: by how much it failed, or why a second sample is needed."""
    u = ev.unit.symbol
    if c.status is Status.PENDING:
        if lang == "zh":
            return (
                f"第一样本中 {defective_label(ev, lang)} 的件数为 {c.observed}，介于接收数 {c.limit} 与拒收数 "
                f"{c.reject_at} 之间：再抽取 {ev.plan.cumulative[1] - ev.plan.cumulative[0]} 件"
            )
        return (
            f"{c.observed} packages with {defective_label(ev)} in the first sample, between accept {c.limit} "
            f"and reject {c.reject_at}: draw a second sample of {ev.plan.cumulative[1] - ev.plan.cumulative[0]}"
        )
    if c.code is CriterionCode.MEAN:
        if lang == "zh":
            return f"平均实际含量 {c.observed} {u} 低于限值 {c.limit} {u}，差 {c.excess} {u}"
        return f"the mean {c.observed} {u} is below the limit {c.limit} {u} by {c.excess} {u}"
    if c.code is CriterionCode.T2:
        if lang == "zh":
            return f"{c.observed} 件短缺量大于 2T = {2 * ev.tne} {u}（允许 {c.limit}）"
        return f"{c.observed} packages short by more than 2T = {2 * ev.tne} {u} (allowed {c.limit})"
    if lang == "zh":
        return f"{defective_label(ev, lang)} 的件数 {c.observed} 超过允许的 {c.limit}（多 {c.excess}）"
    return f"{c.observed} packages with {defective_label(ev)}, {c.excess} more than the {c.limit} allowed"
