"""Provides `VerdictScreen`: the verdict, each criterion with its numbers, the distribution, and the confirmation.

Keys: Enter moves to the name box, and there Enter confirms the verdict with the inspector's name
(`Services.finalise`), after which the inspection is final and can no longer change; W goes back
to weighing while the inspection is not final; Esc goes back to Home; F1 shows every key. A final
inspection shows its stored verdict, not a new decision.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Header, Input, Label, Static

from fieldtool.core.chinatime import minute_text
from fieldtool.core.evaluate import Criterion, CriterionCode, Outcome, Status
from fieldtool.core.explain import OUTCOME_WORDS, LotContext, criterion_text, reason_text, signed
from fieldtool.core.inspection import Balance
from fieldtool.core.resolution import Resolution, round_to, text
from fieldtool.core.statistics import MeanStatistics
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.tui.base import InspectionScreen
from fieldtool.tui.i18n import T
from fieldtool.tui.screens.label import LabelScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from fieldtool.tui.widgets.distribution import DistributionPlot, PlotData
from fieldtool.tui.widgets.footer import FitFooter
from fieldtool.usecases.lot_types import LotState, lot_resolution

TEXT = {
    "title": T("Verdict", "判定"),
    "criteria": T("Criteria", "判定项目"),
    "figures": T("Figures", "计算数据"),
    "reason": T("Why: {reason}", "判定理由：{reason}"),
    "reasons": T("Why:", "判定理由："),
    "plot": T("Net quantities of the sample ({unit})", "样本净含量分布（{unit}）"),
    "all_met": T("every criterion is met", "各项均符合要求"),
    "mean": T("Mean q̄", "平均值 q̄"),
    "s": T("s", "标准差 s"),
    "lam": T("λ", "修正因子 λ"),
    "lam_s": T("λ·s", "λ·s"),
    "limit": T("Limit Qn − λ·s", "限值 Qn − λ·s"),
    "margin": T("Margin q̄ − limit", "余量 q̄ − 限值"),
    "tne": T("T", "允许短缺量 T"),
    "no_mean": T("no mean test for this lot", "本批不作平均值检验"),
    "incomplete": T("SAMPLE NOT COMPLETE", "样本未完成"),
    "incomplete_msg": T(
        "The sample is not complete: {more} more to weigh. Press W to go back to weighing.",
        "样本未完成：还需称 {more} 件。按 W 返回称量。",
    ),
    "second_msg": T(
        "A second sample is needed: press W to weigh {more} more packages.",
        "需抽取第二样本：按 W 返回称量，再称 {more} 件。",
    ),
    "hint": T(
        "Your name (an inspector of this lot), Enter: the verdict becomes final.",
        "输入您的姓名（本批检验人员），按 Enter：判定即定稿，不可再更改。",
    ),
    "hint_away": T("Enter: confirm this verdict with your name", "Enter：输入姓名确认本判定"),
    "placeholder": T("Your name, Enter to confirm", "您的姓名，Enter 确认"),
    "final": T(
        "✓ Final: confirmed by {name} at {time}; it can no longer change.",
        "✓ 已定稿：由 {name} 于 {time} 确认，不可再更改。",
    ),
    "stored": T(
        "The verdict shown is the one stored at {time} (fieldtool {version}).",
        "所示为 {time} 保存的判定（fieldtool {version}）。",
    ),
    "b_home": T("Home", "首页"),
    "b_weighing": T("Weighing", "返回称量"),
    "b_report": T("Report PDF", "检验报告 PDF"),
    "b_confirm": T("Confirm", "确认"),
    "b_label": T("Label check", "标注检查"),
    "net_line": T("Net quantity: {word}", "净含量：{word}"),
    "label_line": T("Net-content label: {word} ({statement}, {height} mm)", "净含量标注：{word}（{statement}，{height} mm）"),
    "label_none": T("Net-content label: not checked, press L", "净含量标注：未检查，按 L 检查"),
    "label_pass": T("pass", "合格"),
    "label_fail": T("fail", "不合格"),
}


_STATUS_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.PENDING: "…"}
_CRITERION_IDS = {CriterionCode.DEFECTIVES: "crit-defectives", CriterionCode.T2: "crit-t2", CriterionCode.MEAN: "crit-mean"}


class VerdictScreen(InspectionScreen):
    """Shows the verdict of a complete (or final) lot and takes the inspector's confirmation.

    Args:
        inspection_id: the inspection.
    """

    CSS_PATH = Path(__file__).with_name("verdict.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Descriptions are the English of TEXT["b_*"]: `translated_bindings` shows them in Chinese.
        Binding("escape", "home", "Home"),
        Binding("w", "weighing", "Weighing"),
        Binding("enter", "confirm", "Confirm"),
        Binding("ctrl+r", "report", "Report PDF", priority=True),
        Binding("l", "label", "Label check"),
    ]

    def __init__(self, inspection_id: str = "") -> None:
        super().__init__(inspection_id, "verdict-screen")
        self._error: str | None = None
        self._balance: Balance | None = None
        self._res: Resolution | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="lot-head")
        yield Label("", id="banner")
        yield Label("", id="label-line")
        with VerticalScroll(id="verdict-body"):
            yield Label("", id="criteria-title", classes="section-title")
            for code in CriterionCode:
                yield Label("", id=_CRITERION_IDS[code], classes="criterion")
            yield Label("", id="reasons")
            yield Label("", id="stored")
            yield Label("", id="figures-title", classes="section-title")
            yield Static("", id="figures")
            yield Label("", id="plot-title", classes="section-title")
            yield DistributionPlot(id="plot")
        with Vertical(id="confirm"):
            yield Label("", id="confirm-message")
            yield Input(id="confirm-name")
        yield Label("", id="final-line")
        yield FitFooter()

    async def on_mount(self) -> None:
        state = await self.load()
        if state is not None:
            self._balance = await self.call(lambda s: s.inspection_balance(self.inspection_id))
            self.show(state)
        self.set_focus(self.query_one("#verdict-body", VerticalScroll))

    # -- rendering ---------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        if self.state is not None:
            self.show(self.state)

    def show(self, state: LotState) -> None:
        """Show the lot: its verdict (stored once final), criteria, figures, plot and confirmation."""
        self.state = state
        self._res = lot_resolution(state, self._balance)
        self.sub_title = self.tr(TEXT["title"])
        self.show_lot_head(state.inspection.header, variant=True)
        ctx, outcome, criteria = self._verdict(state)
        if self._res is not None:
            # The mean's figures to the report's places (judged on the exact values: no status changes).
            places = self._res.mean
            criteria = tuple(
                replace(c, observed=round_to(c.observed, places), limit=round_to(c.limit, places),
                        excess=round_to(c.excess, places)) if c.code is CriterionCode.MEAN else c
                for c in criteria)
        self._banner(state, outcome)
        self._label_line(state, outcome)
        self.query_one("#criteria-title", Label).update(self.tr(TEXT["criteria"]))
        shown = {c.code: c for c in criteria}
        for code, widget_id in _CRITERION_IDS.items():
            label = self.query_one(f"#{widget_id}", Label)
            c = shown.get(code)
            label.display = c is not None
            if c is not None:
                label.update(f"{_STATUS_MARK[c.status]} {criterion_text(ctx, c, self.lang)}")
                for status in Status:
                    label.set_class(c.status is status, f"-{status.value}")
        self._reasons(ctx, outcome, criteria)
        stored = self.query_one("#stored", Label)
        stored.display = state.inspection.is_final and state.verdict is not None
        if state.verdict is not None:
            saved = minute_text(state.verdict.evaluated_at)
            stored.update(self.tr(TEXT["stored"], time=saved, version=state.verdict.engine_version))
        self.query_one("#figures-title", Label).update(self.tr(TEXT["figures"]))
        self.query_one("#figures", Static).update(self._figures(ctx))
        self.query_one("#plot-title", Label).update(self.tr(TEXT["plot"], unit=state.unit.symbol))
        self._plot(state, ctx)
        self._confirm(state, outcome)
        self.refresh_bindings()

    def _verdict(self, state: LotState) -> tuple[LotContext, Outcome | None, tuple[Criterion, ...]]:
        """What is shown: the stored verdict once final, else the evaluation of the complete sample."""
        if state.inspection.is_final and state.verdict is not None:
            return state.progress, state.verdict.outcome, state.verdict.criteria
        ev = state.evaluation
        if ev is None:
            return state.progress, None, ()
        return ev, ev.outcome, ev.criteria

    def _banner(self, state: LotState, outcome: Outcome | None) -> None:
        word = OUTCOME_WORDS[self.lang][outcome] if outcome is not None else self.tr(TEXT["incomplete"])
        banner = self.query_one("#banner", Label)
        # Spaced letters read as large type in a terminal; Digits cannot draw words.
        banner.update(" ".join(word.replace(" ", "\u2003")))
        banner.set_class(outcome is Outcome.PASS, "-pass")
        banner.set_class(outcome is Outcome.FAIL, "-fail")
        banner.set_class(outcome not in (Outcome.PASS, Outcome.FAIL), "-pending")

    def _label_line(self, state: LotState, outcome: Outcome | None) -> None:
        """Both conclusions of a supervision check: the net quantity's (the banner) and the label's (净含量标注)."""
        net = OUTCOME_WORDS[self.lang][outcome] if outcome is not None else self.tr(TEXT["incomplete"])
        label = state.label
        if label is None:
            text = self.tr(TEXT["label_none"])
        else:
            word = self.tr(TEXT["label_pass" if label.passed else "label_fail"])
            text = self.tr(TEXT["label_line"], word=word, statement=label.check.text, height=label.check.height_mm)
        line = self.query_one("#label-line", Label)
        line.update(f"{self.tr(TEXT['net_line'], word=net)}   {text}")
        line.set_class(label is not None and not label.passed, "-fail")
        line.set_class(label is None, "-pending")

    def _reasons(self, ctx: LotContext, outcome: Outcome | None, criteria: tuple[Criterion, ...]) -> None:
        label = self.query_one("#reasons", Label)
        label.display = outcome is not None
        if outcome is None:
            return
        failed = [c for c in criteria if c.status is Status.FAIL]
        deciding = failed or [c for c in criteria if c.status is Status.PENDING]
        lines = [reason_text(ctx, c, self.lang) for c in deciding] or [self.tr(TEXT["all_met"])]
        if len(lines) == 1:
            label.update(self.tr(TEXT["reason"], reason=lines[0]))
        else:
            label.update("\n".join([self.tr(TEXT["reasons"]), *(f"• {x}" for x in lines)]))
        label.set_class(bool(failed), "-fail")

    def _figures(self, ctx: LotContext) -> Table:
        """n, q̄, s, λ, λ·s, the limit, the margin, T, Qn − T and Qn − 2T (net-content-rules §7)."""
        u = ctx.unit.symbol
        qn, t = ctx.nominal, ctx.tne
        grid = Table.grid(padding=(0, 1))
        for style in ("bold", "", "bold", ""):
            grid.add_column(style=style, no_wrap=True)
        stats: MeanStatistics | None = ctx.stats
        if stats is not None and self._res is not None:
            stats = replace(stats, places=self._res.mean)  # one digit finer than a net, as the report
        if stats is not None:
            grid.add_row("n", str(stats.n), self.tr(TEXT["lam"]), str(stats.lam))
            grid.add_row(self.tr(TEXT["mean"]), f"{stats.mean} {u}", self.tr(TEXT["s"]),
                         f"{stats.stdev} {u}" if stats.stdev is not None else "—")
            grid.add_row(self.tr(TEXT["lam_s"]), f"{stats.lam_s} {u}", self.tr(TEXT["limit"]), f"{stats.limit(qn)} {u}")
            grid.add_row(self.tr(TEXT["margin"]), f"{signed(stats.margin(qn))} {u}", self.tr(TEXT["tne"]), text(t, u))
        else:
            if ctx.plan.row.lam is None:
                grid.add_row("", self.tr(TEXT["no_mean"]), "", "")
            grid.add_row(self.tr(TEXT["tne"]), text(t, u), "", "")
        grid.add_row("Qn − T", text(qn - t, u), "Qn − 2T", text(qn - 2 * t, u))
        return grid

    def _plot(self, state: LotState, ctx: LotContext) -> None:
        stats = ctx.stats
        nominal: Decimal = ctx.nominal
        self.query_one("#plot", DistributionPlot).show(
            PlotData(
                packages=tuple((p.net, p.cls) for p in state.progress.packages),
                nominal=nominal,
                tne=ctx.tne,
                unit=state.unit.symbol,
                limit=stats.limit(nominal) if stats is not None else None,
                mean=stats.mean if stats is not None else None,
                lang=self.lang,
            )
        )

    def _confirm(self, state: LotState, outcome: Outcome | None) -> None:
        final_line = self.query_one("#final-line", Label)
        box = self.query_one("#confirm", Vertical)
        inspection = state.inspection
        if inspection.is_final:
            for name_box in self.query("#confirm-name"):
                if name_box.has_focus:
                    self.set_focus(self.query_one("#verdict-body", VerticalScroll))
                name_box.remove()
            box.display = False
            assert inspection.finalised_at is not None
            at = minute_text(inspection.finalised_at)
            final_line.update(self.tr(TEXT["final"], name=inspection.finalised_by or "", time=at))
            final_line.display = True
            return
        final_line.display = False
        box.display = True
        name_box = self.query_one("#confirm-name", Input)
        name_box.placeholder = self.tr(TEXT["placeholder"])
        can_confirm = state.complete
        name_box.display = can_confirm
        more = state.progress.needed - len(state.measurements)
        if outcome is Outcome.SECOND_SAMPLE_NEEDED:
            self._message(self.tr(TEXT["second_msg"], more=more), error=False, notice=True)
        elif not can_confirm:
            self._message(self.tr(TEXT["incomplete_msg"], more=more), error=False, notice=True)
        else:
            self._hint()

    def _hint(self) -> None:
        """The line above the name box: the services' refusal, else how to confirm."""
        if self._error is not None:
            self._message(self._error, error=True)
            return
        in_box = isinstance(self.focused, Input) and self.focused.id == "confirm-name"
        self._message(self.tr(TEXT["hint"] if in_box else TEXT["hint_away"]), error=False)

    def _message(self, text: str, *, error: bool, notice: bool = False) -> None:
        label = self.query_one("#confirm-message", Label)
        label.update(text)
        label.set_class(error, "-error")
        label.set_class(notice, "-notice")


    # -- confirming --------------------------------------------------------------------------------

    def on_descendant_focus(self) -> None:
        if self.state is not None and self.state.complete and not self.state.inspection.is_final:
            self._hint()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "confirm-name" or self.state is None or self.state.inspection.is_final:
            return
        name = event.value
        try:
            state = await self.fapp.runner.call(lambda s: s.finalise(self.inspection_id, name))
        except FieldtoolError as exc:  # a name that may not confirm: say so beside the box, keep what was typed
            self._error = message_in(exc, self.lang)
            self._message(self._error, error=True)
            return
        self._error = None
        self.show(state)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "confirm-name" and self._error is not None:
            self._error = None
            self._hint()

    # -- actions -----------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        """Move to the name box to confirm the verdict (Enter there confirms)."""
        for box in self.query("#confirm-name").results(Input):
            if box.display:
                self.set_focus(box)

    def action_report(self) -> None:
        """Render this inspection's lot report (marked draft until the inspection is final)."""
        self.run_worker(self.fapp.export_lot_report(self.inspection_id), group="report")

    async def action_weighing(self) -> None:
        """Back to weighing (to correct a package, or weigh a second sample) while the inspection is not final."""
        if self.state is None or self.state.inspection.is_final:
            return
        await self.app.switch_screen(WeighingScreen(self.inspection_id))

    async def action_home(self) -> None:
        await self.fapp.go_home()

    def action_label(self) -> None:
        """The label check (净含量标注) on its own screen; back here with both conclusions shown again."""

        async def reload(_: None) -> None:
            state = await self.load()
            if state is not None:
                self.show(state)

        self.app.push_screen(LabelScreen(self.inspection_id), callback=reload)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "weighing":
            return self.state is not None and not self.state.inspection.is_final
        if action == "confirm":
            return self.state is not None and not self.state.inspection.is_final and self.state.complete
        return True

