"""Provides `LiveStatsPanel`: n of N, mean, s, λ·s, limit, margin, counts and the verdict so far.

Numbers are written as the report writes them (`fieldtool.core.resolution`): T and its limits as the
rule set gives them (exactly, as the report does), q̄, s, λ·s, the limit and the margin one digit finer than a net. Labels never
wrap or shrink; a long value (the verdict so far) wraps instead.
"""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from fieldtool.core.evaluate import Outcome
from fieldtool.core.explain import OUTCOME_WORDS, reason_text
from fieldtool.core.resolution import Resolution, text
from fieldtool.core.rules import DefectiveRule
from fieldtool.tui.i18n import T
from fieldtool.usecases.lot_types import LotState

TEXT = {
    "n": T("Packages", "已称件数"),
    "of": T("{done} of {needed}", "{done} / {needed}"),
    "mean": T("Mean q̄", "平均值 q̄"),
    "s": T("s", "标准差 s"),
    "lam": T("λ", "λ"),
    "lam_s": T("λ·s", "λ·s"),
    "limit": T("Limit Qn−λ·s", "限值 Qn−λ·s"),
    "margin": T("Margin", "余量"),
    "t": T("T / Qn − T / Qn − 2T", "T / Qn − T / Qn − 2T"),
    "t1": T("T1 T<d≤2T", "T1 T<d≤2T"),
    "t2": T("T2 d>2T", "T2 d>2T"),
    "defectives": T("d > T", "d > T"),
    "allowed": T("{count} (≤ {allowed})", "{count}（允许 {allowed}）"),
    "so_far": T("So far", "目前"),
    "settled": T("already failed: {why}", "已判不合格：{why}"),
    "fine": T("within limits", "均在限值内"),
    "mean_below": T("mean below limit (not final)", "平均值低于限值（未完成）"),
    "second": T("second sample needed: weigh {more} more", "需第二样本：再称 {more} 件"),
    "complete": T("sample complete: {verdict}", "样本已完成：{verdict}"),
    "no_mean": T("no mean test for this lot", "本批不作平均值检验"),
}


class LiveStatsPanel(Static):
    """The live statistics beside the weighing table."""

    def show_state(self, state: LotState, lang: str, res: Resolution | None = None) -> None:
        """Render the panel for the lot's current state.

        Args:
            state: the lot as stored.
            lang: the language.
            res: the places to write with (`fieldtool.usecases.lot_types.lot_resolution`); None: as computed.
        """

        def tr(key: str, **fields: object) -> str:
            return TEXT[key].render(lang, **fields)

        p = state.progress
        u = state.unit.symbol
        row = p.plan.row
        labels = [tr(k) for k in ("n", "mean", "s", "limit", "margin", "t1", "t2", "defectives", "so_far")]
        grid = Table.grid(padding=(0, 1), expand=True)
        # The labels keep their width; the values wrap (never an ellipsis in a figure or a label).
        grid.add_column(style="bold", no_wrap=True, min_width=max(cell_len(x) for x in labels))
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row(tr("n"), tr("of", done=len(p.packages), needed=p.needed))
        nominal = state.inspection.header.nominal
        # T as the rule set gives it, and the limits from it exactly (as the report writes them).
        grid.add_row("T", text(p.tne, u))
        grid.add_row("Qn − T", text(nominal - p.tne, u))
        grid.add_row("Qn − 2T", text(nominal - 2 * p.tne, u))
        if p.stats is not None:
            s = p.stats if res is None else replace(p.stats, places=res.mean)
            grid.add_row(tr("mean"), f"{s.mean} {u}")
            grid.add_row(tr("s"), f"{s.stdev} {u}" if s.stdev is not None else "—")
            grid.add_row(tr("lam"), str(s.lam))
            grid.add_row(tr("lam_s"), f"{s.lam_s} {u}")
            grid.add_row(tr("limit"), f"{s.limit(nominal)} {u}")
            margin = s.margin(nominal)
            grid.add_row(tr("margin"), Text(f"{'+' if margin >= 0 else '−'}{abs(margin)} {u}", style="bold" if margin < 0 else ""))
        elif row.lam is None:
            grid.add_row("", tr("no_mean"))
        stage = row.stages[min(p.plan.cumulative.index(p.needed), len(row.stages) - 1)] if row.stages else None
        if stage is not None:
            if state.rules.defective_rule is DefectiveRule.T1_ONLY:
                grid.add_row(tr("t1"), tr("allowed", count=p.t1_count, allowed=stage.accept))
            else:
                grid.add_row(tr("defectives"), tr("allowed", count=p.t1_count + p.t2_count, allowed=stage.accept))
        grid.add_row(tr("t2"), tr("allowed", count=p.t2_count, allowed=row.t2_allowed))
        grid.add_row(tr("so_far"), self._so_far(state, lang))
        self.update(grid, layout=False)  # the panel's size is set by its screen's CSS, not by its content
        self.set_class(bool(p.settled_failures) or (p.evaluation is not None and p.evaluation.outcome is Outcome.FAIL), "-failed")
        self.set_class(p.evaluation is not None and p.evaluation.outcome is Outcome.PASS, "-passed")

    def _so_far(self, state: LotState, lang: str) -> Text:
        p = state.progress
        ev = p.evaluation
        if ev is not None and ev.outcome is Outcome.SECOND_SAMPLE_NEEDED:
            return Text(TEXT["second"].render(lang, more=p.needed - len(p.packages)), style="bold")
        if ev is not None:
            verdict = OUTCOME_WORDS[lang][ev.outcome]
            return Text(TEXT["complete"].render(lang, verdict=verdict), style="bold")
        if p.settled_failures:
            why = "; ".join(reason_text(p, c, lang) for c in p.settled_failures)
            return Text(TEXT["settled"].render(lang, why=why), style="bold")
        if p.stats is not None and not p.stats.passes(state.inspection.header.nominal):
            return Text(TEXT["mean_below"].render(lang))
        return Text(TEXT["fine"].render(lang))

