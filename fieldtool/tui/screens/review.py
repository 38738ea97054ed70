"""Provides `ReviewScreen`: the review (审核), approval (批准) or return of a finalised inspection's report.

Keys: Ctrl+R records the review, Ctrl+A the approval, Ctrl+T returns the report (the note is then
the reason); Esc goes back. Each is one signed record through `fieldtool.usecases.review`, on the
store thread; a refused decision (an inspector reviewing, the reviewer approving) shows its one
line. On the hub's database the app's store must sign with the hub key (the use-case refuses otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Header, Input, Label, Static

from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.i18n import T
from fieldtool.tui.widgets.footer import FitFooter

if TYPE_CHECKING:
    from fieldtool.usecases.review_state import ReviewState

TEXT = {
    "title": T("Review and approval", "审核与批准"),
    "name": T("Your name", "姓名"),
    "role": T("Your title (optional)", "职务（可选）"),
    "note": T("Comment, or the reason when returning", "意见；退回时为退回原因"),
    "issued": T("✓ Issued {date}: reviewed by {reviewer}, approved by {approver}",
                "✓ 已签发 {date}：审核 {reviewer}，批准 {approver}"),
    "awaiting-review": T("NOT ISSUED: awaiting review", "未签发：待审核"),
    "returned": T("NOT ISSUED: returned, awaiting a new review", "未签发：已退回，待重新审核"),
    "awaiting-approval": T("NOT ISSUED: reviewed by {reviewer}, awaiting approval",
                           "未签发：已由 {reviewer} 审核，待批准"),
    "open": T("The inspection is not finalised yet", "检验尚未定稿"),
    "revision": T("Revision {revision}, replaces revision {replaces}", "第 {revision} 版，替代第 {replaces} 版"),
    "b_review": T("Review", "审核"),
    "b_approve": T("Approve", "批准"),
    "b_return": T("Return", "退回"),
    "b_back": T("Back", "返回"),
    "d_reviewed": T("{at}  reviewed by {name}{note}", "{at}  {name} 审核{note}"),
    "d_approved": T("{at}  approved by {name}{note}", "{at}  {name} 批准{note}"),
    "d_returned": T("{at}  returned by {name} (reason: {note})", "{at}  {name} 退回（原因：{note}）"),
    "comment": T(" ({note})", "（{note}）"),
    "stale": T("  [stale: decided on an earlier state]", "  [已失效：针对的是此前的状态]"),
    "corrected": T("{at}  header corrected by {name}: {changes} (reason: {reason})",
                   "{at}  {name} 更正表头：{changes}（原因：{reason}）"),
    "issued_on": T("issued {date}", "签发日期 {date}"),
}


class ReviewScreen(FieldtoolScreen):
    """Records a decision on a finalised inspection's report and shows where it stands.

    Args:
        inspection_id: the inspection.
    """

    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Descriptions are the English of TEXT["b_*"]: `translated_bindings` shows them in Chinese.
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "decide('review')", "Review", priority=True),
        Binding("ctrl+a", "decide('approve')", "Approve", priority=True),
        Binding("ctrl+t", "decide('return')", "Return", priority=True),
    ]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(id="review-screen")
        self.inspection_id = inspection_id
        self.state: ReviewState | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="review-status")
        yield Static("", id="review-history")
        with Vertical(id="review-form"):
            yield Input(id="review-name")
            yield Input(id="review-role")
            yield Input(id="review-note")
        yield Label("", id="status")
        yield FitFooter()

    def relabel(self) -> None:
        """Re-render every text in the current language (F2)."""
        self.sub_title = self.tr(TEXT["title"])
        for field in ("name", "role", "note"):
            self.query_one(f"#review-{field}", Input).placeholder = self.tr(TEXT[field])
        if self.state is not None:
            self.show(self.state)

    async def on_mount(self) -> None:
        self.relabel()
        from fieldtool.usecases.review_state import review_state

        state = await self.call(lambda s: review_state(s, self.inspection_id))
        if state is not None:
            self.show(state)
        self.set_focus(self.query_one("#review-name", Input))

    def history(self, state: ReviewState) -> list[str]:
        """Every correction and decision so far, one line each in the screen's language, then the issue date."""
        from fieldtool.core.chinatime import minute_text
        from fieldtool.usecases.review_state import state_value

        lines = []
        for c in state.corrections:
            changes = ", ".join(f"{k}: {state_value(c.previous.get(k))} → {state_value(v)}" for k, v in c.changes.items())
            lines.append(self.tr(TEXT["corrected"], at=f"{minute_text(c.at)}", name=c.by_name, changes=changes,
                                 reason=c.reason))
        for d in state.decisions:
            note = d.note if d.decision == "returned" else (self.tr(TEXT["comment"], note=d.note) if d.note else "")
            line = self.tr(TEXT[f"d_{d.decision}"], at=minute_text(d.at), name=d.by_name, note=note)
            lines.append(line + ("" if d.counts else self.tr(TEXT["stale"])))
        if state.issued:
            lines.append(self.tr(TEXT["issued_on"], date=state.issued_on))
        return lines

    def show(self, state: ReviewState) -> None:
        """Show the status line and every decision and correction so far."""
        self.state = state
        text = TEXT[state.status]
        line = self.tr(text, date=state.issued_on, reviewer=state.reviewer, approver=state.approver)
        if state.replaces_revision is not None:
            line += "  ·  " + self.tr(TEXT["revision"], revision=state.revision, replaces=state.replaces_revision)
        self.query_one("#review-status", Label).update(line)
        self.query_one("#review-history", Static).update("\n".join(self.history(state)))

    async def action_decide(self, decision: str) -> None:
        """Record the review, the approval or the return with the name, title and note typed."""
        from fieldtool.usecases.review import approve, return_report, review

        name = self.query_one("#review-name", Input).value
        title = self.query_one("#review-role", Input).value
        note = self.query_one("#review-note", Input).value
        iid = self.inspection_id
        if decision == "review":
            state = await self.call(lambda s: review(s, iid, name, title=title, comment=note))
        elif decision == "approve":
            state = await self.call(lambda s: approve(s, iid, name, title=title, comment=note))
        else:
            state = await self.call(lambda s: return_report(s, iid, name, note, title=title))
        if state is not None:
            self.show(state)
            self.query_one("#review-note", Input).value = ""

    def action_back(self) -> None:
        """Back to the screen it was opened from."""
        self.app.pop_screen()
