"""Provides `SyncScreen`: send the unsent records to the hub, with a progress bar, the receipts and any refusal.

Keys: Ctrl+S starts the sync (Enter on the last field too); Esc goes back. The sync runs on the
store thread (its connection belongs there); each step comes back as a `SyncProgressed` message
and the end as `SyncFinished`, so the event loop stays free. The device key is handed in by
whoever opens the screen (only the CLI reads paths).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Header, Input, Label, ProgressBar, RichLog, Static

from fieldtool.core.chinatime import minute_text
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.sync.client import SyncProgress, SyncResult, sync
from fieldtool.sync.keys import SigningKey
from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.i18n import T, plural
from fieldtool.tui.widgets.footer import FitFooter
from fieldtool.usecases.inspection import Services

TEXT = {
    "title": T("Sync with the hub", "与中心同步"),
    "intro": T(
        "Sends every record the hub does not hold yet, checks the hub's signed receipts, then receives the "
        "programmes, rule sets, balance register and your assignments. An interrupted sync resumes where it stopped.",
        "发送中心尚未保存的全部记录，核对中心签名的回执，然后接收检查方案、检验规则、衡器登记和您的任务分配。"
        "中断的同步再次运行时从中断处继续。",
    ),
    "url": T("Hub URL", "中心地址"),
    "url_hint": T("e.g. https://hub.example:8470", "如：https://hub.example:8470"),
    "code": T("Enrolment code", "注册码"),
    "code_hint": T("first sync only, from your supervisor", "仅首次同步需要，由主管提供"),
    "unsent": T("{records} {records_word} not yet acknowledged · {inspections} finalised {inspections_word} unsynced",
                "{records} 条记录尚未确认 · {inspections} 项已完成检验未同步"),
    "enrolled": T("Enrolled with {url} as {name}", "已注册到 {url}，名称：{name}"),
    "not_enrolled": T("Not enrolled yet: type the hub URL and the code from your supervisor",
                      "尚未注册：请输入中心地址和主管提供的注册码"),
    "need_url": T("Type the hub's URL", "请输入中心地址"),
    "running": T("Syncing…", "正在同步…"),
    "done": T("✓ {summary}", "✓ {summary}"),
    "receipt": T("receipt {id}: head seq {seq}, {new} new, {dup} already held, {at}",
                 "回执 {id}：确认至序号 {seq}，新增 {new} 条，已有 {dup} 条，{at}"),
    "b_sync": T("Sync", "同步"),
    "t_sync": T("send the unsent records and receive the reference data", "发送未同步记录并接收参考数据"),
    "b_back": T("Back", "返回"),
    "t_back": T("back to Home", "返回首页"),
}


@dataclass
class SyncProgressed(Message):
    """A step of the sync was done (posted from the store thread)."""

    progress: SyncProgress
    """How far it got."""


@dataclass
class SyncFinished(Message):
    """The sync ended: with its result, or with the one-line error that stopped it."""

    result: SyncResult | None
    """What was sent and acknowledged; None when it failed."""
    error: str | None
    """Why it stopped; None when it succeeded."""


@dataclass(frozen=True)
class SyncState:
    """What the screen shows before a sync: the link to the hub and what is unsent."""

    url: str | None
    """The enrolled hub's URL, if any."""
    name: str | None
    """The name the hub knows this laptop by."""
    unsent_records: int
    """Records after the acknowledged head."""
    unsynced_inspections: int
    """Finalised inspections not yet acknowledged."""


def sync_state(services: Services) -> SyncState:
    """The link and the unsent counts (runs on the store thread)."""
    link = services.store.hub_link()
    return SyncState(
        url=None if link is None else str(link["url"]),
        name=None if link is None else str(link["device_name"]),
        unsent_records=services.store.unsent_record_count(),
        unsynced_inspections=services.store.unsynced_inspection_count(),
    )


class SyncScreen(FieldtoolScreen):
    """The hub URL, an enrolment code for the first time, a progress bar, the receipts and errors.

    Args:
        key: the device key that signs requests and finalisations.
        reference_dirs: where programme and rule-set files from the hub are written (programmes, rules).
    """

    CSS_PATH = Path(__file__).with_name("sync.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "sync", TEXT["b_sync"].en, priority=True, tooltip=TEXT["t_sync"].en),
        Binding("escape", "back", TEXT["b_back"].en, tooltip=TEXT["t_back"].en),
    ]

    def __init__(self, key: SigningKey, reference_dirs: tuple[Path, Path] | None = None) -> None:
        super().__init__(classes="sync-screen")
        self._key = key
        self._dirs = reference_dirs
        self._state: SyncState | None = None
        self._syncing = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sync-body"):
            yield Static("", id="sync-intro")
            yield Label("", id="sync-link")
            with Horizontal(classes="sync-row"):
                yield Label("", id="url-label", classes="sync-label")
                yield Input(id="hub-url", compact=True)
            with Horizontal(classes="sync-row"):
                yield Label("", id="code-label", classes="sync-label")
                yield Input(id="enroll-code", compact=True)
            yield Label("", id="sync-unsent")
            yield ProgressBar(id="sync-progress", show_eta=False)
            yield Label("", id="sync-status")
            yield Label("", id="sync-error")
            yield RichLog(id="sync-log", wrap=True, min_width=20, markup=False)  # wraps: whole lines at 80 × 24
        yield FitFooter()

    async def on_mount(self) -> None:
        self.title = "fieldtool"
        self.query_one("#sync-progress", ProgressBar).display = False
        await self.reload()
        self.set_focus(self.query_one("#hub-url", Input))

    async def reload(self) -> None:
        """Read the link and the counts again, and re-render."""
        self._state = await self.call(sync_state)
        if self._state is not None and self._state.url and not self.query_one("#hub-url", Input).value:
            self.query_one("#hub-url", Input).value = self._state.url
        self.relabel()

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        self.query_one("#sync-intro", Static).update(Text(self.tr(TEXT["intro"])))
        self.query_one("#url-label", Label).update(self.tr(TEXT["url"]))
        self.query_one("#code-label", Label).update(self.tr(TEXT["code"]))
        self.query_one("#hub-url", Input).placeholder = self.tr(TEXT["url_hint"])
        self.query_one("#enroll-code", Input).placeholder = self.tr(TEXT["code_hint"])
        state = self._state
        link = self.query_one("#sync-link", Label)
        if state is not None and state.url:
            link.update(self.tr(TEXT["enrolled"], url=state.url, name=state.name))
        else:
            link.update(self.tr(TEXT["not_enrolled"]))
        if state is not None:
            self.query_one("#sync-unsent", Label).update(self.tr(
                TEXT["unsent"], records=state.unsent_records, inspections=state.unsynced_inspections,
                records_word=plural(state.unsent_records, "record", "records"),
                inspections_word=plural(state.unsynced_inspections, "inspection", "inspections")))

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: from the URL to the code; from the code, sync."""
        if event.input.id == "hub-url":
            self.set_focus(self.query_one("#enroll-code", Input))
        else:
            await self.action_sync()

    async def action_sync(self) -> None:
        """Start the sync on the store thread; steps and the end come back as messages."""
        if self._syncing:
            return
        url = self.query_one("#hub-url", Input).value.strip()
        code = self.query_one("#enroll-code", Input).value.strip() or None
        error = self.query_one("#sync-error", Label)
        if not url:
            error.update(self.tr(TEXT["need_url"]))
            return
        error.update("")
        self._syncing = True
        self.query_one("#sync-status", Label).update(self.tr(TEXT["running"]))
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.display = True  # hidden until the first sync: an idle bar would pulse as if working
        bar.update(total=None, progress=0)
        key, dirs = self._key, self._dirs

        def progressed(step: SyncProgress) -> None:
            self.post_message(SyncProgressed(step))  # thread-safe: called on the store thread

        def run(services: Services) -> SyncResult:
            return sync(services.store, key, url, enroll_code=code, reference_dirs=dirs, progress=progressed)

        try:
            result = await self.fapp.runner.call(run)
        except FieldtoolError as exc:
            self.post_message(SyncFinished(None, message_in(exc, self.lang)))
        else:
            self.post_message(SyncFinished(result, None))

    def on_sync_progressed(self, message: SyncProgressed) -> None:
        """Show a step: the bar, and one line in the log."""
        step = message.progress
        bar = self.query_one("#sync-progress", ProgressBar)
        if step.total:
            bar.update(total=step.total, progress=step.sent)
        self.query_one("#sync-log", RichLog).write(step.in_language(self.lang))

    async def on_sync_finished(self, message: SyncFinished) -> None:
        """Show the outcome: the summary and every receipt, or the error; then the new counts."""
        self._syncing = False
        log = self.query_one("#sync-log", RichLog)
        status = self.query_one("#sync-status", Label)
        if message.result is not None:
            result = message.result
            self.query_one("#enroll-code", Input).value = ""
            bar = self.query_one("#sync-progress", ProgressBar)
            bar.update(total=max(1, result.sent), progress=max(1, result.sent))
            status.update(self.tr(TEXT["done"], summary=result.summary(self.lang)))
            for r in result.receipts:
                log.write(self.tr(TEXT["receipt"], id=r.id[:8], seq=r.seq, new=r.new_records, dup=r.duplicates,
                                       at=minute_text(r.issued_at)))
            for line in result.reference_problems:
                log.write(line)
        else:
            status.update("")
            self.query_one("#sync-progress", ProgressBar).update(total=1, progress=0)  # stopped: no longer spinning
            self.query_one("#sync-error", Label).update(message.error or "")
            log.write(message.error or "")
        await self.reload()

    def action_back(self) -> None:
        """Back to the previous screen (a running sync finishes on the store thread)."""
        self.app.pop_screen()
