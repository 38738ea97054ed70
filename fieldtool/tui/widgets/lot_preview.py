"""Provides `LotPreviewPanel`: the plan, T and the balance check of a lot being opened, live as its form is typed."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from fieldtool.tui.i18n import T

if TYPE_CHECKING:
    from fieldtool.core.inspection import Balance
    from fieldtool.usecases.lot_types import LotPreview

TEXT = {
    "p_need": T(
        "Type Qn, its unit and the lot size N: the plan, T and the balance check appear here",
        "输入标注净含量、单位和批量 N 后，此处显示抽样方案、T 和天平检查",
    ),
    "p_plan": T(
        "Plan {rules}: N = {lot} → n = {n} · λ = {lam} · allowed T1: {t1} · T2: {t2}",
        "抽样方案 {rules}：N = {lot} → n = {n} · λ = {lam} · 允许 T1 类：{t1} · T2 类：{t2}",
    ),
    "p_plan_stages": T(
        "Plan {rules}: N = {lot} → n = {n}, then {n2} more if undecided · λ = {lam} · "
        "beyond T: accept ≤ {a1}, reject ≥ {r1}; after the 2nd: accept ≤ {a2} · T2: {t2}",
        "抽样方案 {rules}：N = {lot} → n = {n}，未能判定时再抽 {n2} 件 · λ = {lam} · "
        "超过 T：≤ {a1} 接收，≥ {r1} 拒收；第二次后 ≤ {a2} 接收 · T2 类：{t2}",
    ),
    "p_tne": T(
        "T = {t} {unit} · Qn − T = {q1} {unit} · Qn − 2T = {q2} {unit}",
        "允许短缺量 T = {t} {unit} · Qn − T = {q1} {unit} · Qn − 2T = {q2} {unit}",
    ),
    "p_suitable": T("✓ balance {basis} = {error} {bunit} ≤ {frac} = {limit} {bunit}", "✓ 天平 {basis} = {error} {bunit} ≤ {frac} = {limit} {bunit}"),
    "p_unsuitable": T(
        "⚠ balance {basis} = {error} {bunit} exceeds {frac} = {limit} {bunit}: use a finer balance for this product",
        "⚠ 天平 {basis} = {error} {bunit} 超过 {frac} = {limit} {bunit}：请使用更精密的天平",
    ),
    "p_no_balance": T("no balance chosen: choose one, or Ctrl+B to add one to the register", "未选天平：请选择，或按 Ctrl+B 登记新天平"),
    "p_expired": T(
        "⚠ the balance's calibration expired on {due} (today {today}): use a calibrated balance",
        "⚠ 该天平校准已于 {due} 到期（今天 {today}）：请使用校准有效的天平",
    ),
    "p_error": T("cannot preview: {error}", "无法预览：{error}"),
}


class LotPreviewPanel(Vertical):
    """The preview under the new-inspection form: the plan, T, the balance check and the calibration."""

    def compose(self) -> ComposeResult:
        yield Label("", id="preview-plan")
        yield Label("", id="preview-tne")
        yield Label("", id="preview-balance")
        yield Label("", id="preview-calibration")

    def show(self, p: LotPreview | None, *, error: str | None, balance: Balance | None, weighed: bool, lang: str) -> None:
        """Show the preview of the lot as typed.

        Args:
            p: the plan, T and balance check; None while Qn, its unit or N is missing or refused.
            error: why the preview could not be made (shown instead of it), or None.
            balance: the balance chosen, or None.
            weighed: whether the packages are weighed (then a balance is needed).
            lang: the language.
        """

        def tr(key: str, **fields: object) -> str:
            return TEXT[key].render(lang, **fields)

        plan_label = self.query_one("#preview-plan", Label)
        tne_label = self.query_one("#preview-tne", Label)
        balance_label = self.query_one("#preview-balance", Label)
        calibration = self.query_one("#preview-calibration", Label)
        for label in (tne_label, balance_label, calibration):
            label.update("")
            label.display = False
        balance_label.remove_class("-warning")
        if error is not None:
            plan_label.update(tr("p_error", error=error))
            return
        if p is None:
            plan_label.update(tr("p_need"))
            return
        row = p.plan.row
        lam = "—" if row.lam is None else str(row.lam)
        if p.plan.multi_stage:
            first, second = row.stages[0], row.stages[1]
            plan_label.update(tr(
                "p_plan_stages", rules=p.rules.id, lot=p.plan.lot_size, n=p.plan.n,
                n2=p.plan.cumulative[1] - p.plan.cumulative[0], lam=lam, a1=first.accept, r1=first.reject,
                a2=second.accept, t2=row.t2_allowed,
            ))
        else:
            t1 = row.stages[0].accept if row.stages else "—"
            plan_label.update(tr("p_plan", rules=p.rules.id, lot=p.plan.lot_size, n=p.plan.n, lam=lam,
                                 t1=t1, t2=row.t2_allowed))
        tne_label.update(tr("p_tne", t=p.tne, unit=p.unit.symbol, q1=p.qn_minus_t, q2=p.qn_minus_2t))
        tne_label.display = True
        b = balance
        if p.suitability is not None and b is not None:
            s = p.suitability
            inverse = 1 / s.fraction if s.fraction else Decimal(0)
            frac = f"T/{inverse:.0f}" if inverse == inverse.to_integral_value() else f"{s.fraction} × T"
            key = "p_suitable" if s.suitable else "p_unsuitable"
            balance_label.update(tr(key, basis=s.basis, error=s.error, bunit=b.unit, frac=frac, limit=s.limit))
            balance_label.set_class(not s.suitable, "-warning")
            balance_label.display = True
        elif weighed and b is None:
            balance_label.update(tr("p_no_balance"))
            balance_label.display = True
        if p.calibration_expired:
            calibration.update(tr("p_expired", due=p.calibration_due, today=p.today))
            calibration.display = True
