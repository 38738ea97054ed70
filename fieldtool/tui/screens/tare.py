"""Provides `TareScreen`: the average-tare sample, weighed one empty packaging at a time, with its acceptance check live.

Keys: type an empty packaging's weight, Enter: it is stored, then shown (or F9: read it from the
balance, Esc stops waiting); once the sample is
accepted (n ≥ the rule set's minimum and s ≤ fraction × T), Enter on an empty line or Ctrl+N goes
on to weighing the packages. When it is refused, Ctrl+R starts the same lot again with individual
tare (an inspection's header cannot change: its records are append-only). Esc goes back to Home.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Label

from fieldtool.balance.reading import Reading
from fieldtool.core.plausibility import ImplausibleWeight
from fieldtool.core.tare import AverageTareAssessment, TareMethod
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.tui.base import InspectionScreen
from fieldtool.tui.capture import HELP as CAPTURE_HELP
from fieldtool.tui.capture import TEXT as CAPTURE_TEXT
from fieldtool.tui.capture import BalanceCapture
from fieldtool.tui.forms import parse_positive
from fieldtool.tui.i18n import T
from fieldtool.tui.screens.modals import ConfirmModal
from fieldtool.tui.widgets.footer import FitFooter
from fieldtool.tui.widgets.weight_input import WeightInput
from fieldtool.usecases.lot_types import LotState

TEXT = {
    "title": T("Average tare", "平均皮重"),
    "col_no": T("#", "序号"),
    "col_tare": T("Empty packaging ({unit})", "空包装（{unit}）"),
    "col_src": T("By", "方式"),
    "typed": T("typed", "键入"),
    "balance": T("⚖ balance", "⚖ 天平"),
    "what": T("empty packaging {n}", "第 {n} 个空包装"),
    "n": T("n = {n} (at least {min})", "n = {n}（至少 {min}）"),
    "mean": T("mean tare = {mean} {unit}", "平均皮重 = {mean} {unit}"),
    "s": T("s = {s} {unit} · limit {frac} T = {limit} {unit}", "s = {s} {unit} · 限值 {frac} T = {limit} {unit}"),
    "pending": T("{more} more empty packaging(s) to weigh", "还需称 {more} 个空包装"),
    "accepted": T(
        "✓ average tare accepted: s = {s} {unit} ≤ {frac} T = {limit} {unit}; the mean {mean} {unit} is taken from every gross weight",
        "✓ 平均皮重适用：s = {s} {unit} ≤ {frac} T = {limit} {unit}；每件毛重减去平均皮重 {mean} {unit}",
    ),
    "refused": T(
        "✗ average tare refused: s = {s} {unit} > {frac} T = {limit} {unit}; start the inspection again with individual tare (Ctrl+R)",
        "✗ 平均皮重不适用：s = {s} {unit} > {frac} T = {limit} {unit}；请以逐个去皮方式重新开始检验（Ctrl+R）",
    ),
    "prompt": T("Empty packaging {n} ({unit}), Enter to save", "第 {n} 个空包装（{unit}），Enter 保存"),
    "prompt_accepted": T(
        "Enter on an empty line (or Ctrl+N): weigh the packages · or type empty packaging {n} ({unit})",
        "空行按 Enter（或 Ctrl+N）：开始称量 · 或输入第 {n} 个空包装（{unit}）",
    ),
    "prompt_refused": T("Refused: Ctrl+R starts again with individual tare · Esc: Home", "不适用：Ctrl+R 改用逐个去皮重新开始 · Esc：首页"),
    "saved": T("✓ saved empty packaging {n}: {value} {unit}", "✓ 已保存第 {n} 个空包装：{value} {unit}"),
    "saved_balance": T("✓ ⚖ saved empty packaging {n} from the balance: {value} {unit}", "✓ ⚖ 已保存第 {n} 个空包装（天平读数）：{value} {unit}"),
    "sample_closed": T("the tare sample is closed: {why}", "皮重样本已结束：{why}"),
    "bad": T("type the empty packaging's weight, a number such as 12.4 ({unit})", "请输入空包装质量，如 12.4（{unit}）"),
    "far": T(
        "Empty packaging {value} {unit} is far from the mean {mean} {unit} of the others. Save it?",
        "空包装 {value} {unit} 与其余的平均值 {mean} {unit} 相差很大。仍要保存吗？",
    ),
    "not_saved": T("not saved: retype the weight", "未保存：请重新输入"),
    "ask": T("{question}. Save it as typed?", "{question}。仍按输入保存吗？"),
    "k_continue": T("Weigh packages", "开始称量"),
    "k_restart": T("Restart, individual tare", "改用逐个去皮"),
    "k_home": T("Home", "首页"),
    "k_capture": T("Read balance", "读取天平"),
}


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros (a limit computed through ρ has many), never in exponent form."""
    return format(value.normalize(), "f")


class TareScreen(InspectionScreen, BalanceCapture):
    """Weighs the tare sample of empty packagings and decides whether the average tare may be used."""

    CSS_PATH = Path(__file__).with_name("tare.tcss")
    HELP_TITLE = TEXT["title"]
    HELP_TEXT = CAPTURE_HELP
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "continue", TEXT["k_continue"].en, priority=True),
        Binding("ctrl+r", "restart", TEXT["k_restart"].en, priority=True),
        Binding("escape", "home", TEXT["k_home"].en),
        Binding("f9", "capture", TEXT["k_capture"].en, priority=True),
    ]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(inspection_id, "tare-screen")
        self._last_saved: tuple[int, Decimal, bool] | None = None
        """The last empty packaging saved: its number, weight and whether it was read from the balance."""


    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="lot-head")
        with Horizontal(id="tare-body"):
            yield DataTable(id="tares", cursor_type="row", zebra_stripes=True)
            with Vertical(id="check"):
                yield Label("", id="check-n")
                yield Label("", id="check-mean")
                yield Label("", id="check-s")
                yield Label("", id="verdict")
        yield Label("", id="status")
        yield WeightInput(id="tare-weight", report_empty=True)
        yield FitFooter()

    async def on_mount(self) -> None:
        state = await self.load()
        if state is not None:
            self.show(state)
        self.set_focus(self.query_one("#tare-weight", WeightInput))

    # -- rendering ---------------------------------------------------------------------------------

    @property
    def assessment(self) -> AverageTareAssessment | None:
        """The tare sample's assessment, as stored."""
        return self.state.tare.average if self.state else None

    @property
    def refused(self) -> bool:
        """True once the minimum sample is weighed and its s is too large."""
        a = self.assessment
        return a is not None and not a.accepted and a.n >= a.min_sample

    @property
    def accepted(self) -> bool:
        """True when the average tare may be used."""
        a = self.assessment
        return a is not None and a.accepted

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        if self.state is not None:
            self.show(self.state)

    def show(self, state: LotState) -> None:
        """Show the tare sample as stored and its check."""
        self.state = state
        h = state.inspection.header
        unit = state.weighing_unit.symbol
        self.sub_title = self.tr(TEXT["title"])
        self.show_lot_head(h)
        table = self.query_one("#tares", DataTable)
        table.clear(columns=True)
        table.add_column(self.tr(TEXT["col_no"]), key="no")
        table.add_column(self.tr(TEXT["col_tare"], unit=unit), key="tare")
        table.add_column(self.tr(TEXT["col_src"]), key="src")
        sample = [w for w in state.tare.weighings if w.method is TareMethod.AVERAGE]
        for i, w in enumerate(sample, 1):
            table.add_row(str(i), str(w.value), self.tr(TEXT["balance" if w.source.value == "balance" else "typed"]), key=w.id)
        if sample:
            table.move_cursor(row=len(sample) - 1)
        self._show_check(unit)
        self._prompt(len(sample) + 1, unit)
        if self._last_saved is not None:
            n, value, read = self._last_saved
            self._status(self.tr(TEXT["saved_balance" if read else "saved"], n=n, value=value, unit=unit))
        self.refresh_bindings()

    def _show_check(self, unit: str) -> None:
        a = self.assessment
        verdict = self.query_one("#verdict", Label)
        verdict.remove_class("-accepted", "-refused")
        if a is None or self.state is None:
            return
        frac = self.state.rules.tare.max_stdev_fraction_of_tne
        s = "—" if a.stdev is None else a.stdev
        self.query_one("#check-n", Label).update(self.tr(TEXT["n"], n=a.n, min=a.min_sample))
        self.query_one("#check-mean", Label).update(self.tr(TEXT["mean"], mean=a.mean, unit=unit) if a.n else "")
        limit = plain(a.limit)
        self.query_one("#check-s", Label).update(self.tr(TEXT["s"], s=s, unit=unit, frac=frac, limit=limit))
        if a.accepted:
            verdict.update(self.tr(TEXT["accepted"], s=s, frac=frac, limit=limit, unit=unit, mean=a.mean))
            verdict.add_class("-accepted")
        elif a.n >= a.min_sample:
            verdict.update(self.tr(TEXT["refused"], s=s, frac=frac, limit=limit, unit=unit))
            verdict.add_class("-refused")
        else:
            verdict.update(self.tr(TEXT["pending"], more=a.min_sample - a.n))

    def _prompt(self, n: int, unit: str) -> None:
        box = self.query_one("#tare-weight", WeightInput)
        if self.refused:
            box.placeholder = self.tr(TEXT["prompt_refused"])
            box.disabled = True
        elif self.accepted:
            box.placeholder = self.tr(TEXT["prompt_accepted"], n=n, unit=unit)
        else:
            box.placeholder = self.tr(TEXT["prompt"], n=n, unit=unit)

    # -- entering tares ----------------------------------------------------------------------------

    async def on_weight_input_entered(self, event: WeightInput.Entered) -> None:
        if self.state is None:
            event.input.restore(event.text)
            return
        text = event.text
        if self.capturing:
            event.input.restore(text)
            self.say_while_waiting(self.tr(CAPTURE_TEXT["typing_while_waiting"]))
            return
        if not text:
            self._status("")  # an empty Enter is done with the last error
            if self.accepted:
                # Navigation runs on the app's message loop: a screen cannot await its own removal in its handlers.
                self.app.call_later(self.action_continue)
            return
        value = parse_positive(text)
        if value is None:
            await self._record(text)  # the use-case says why, in the screen's language (a comma: write a point)
            return
        await self._confirm_then_record(value, text, None)

    async def _confirm_then_record(self, value: Decimal, text: str, reading: Reading | None) -> None:
        """Record one empty packaging (typed `text`, or the balance's `reading`), asking first when it is far from the others."""
        a = self.assessment
        unit = self.state.weighing_unit.symbol if self.state else ""
        # A typed weight is held against the others by the use-case (`record_tare_sample`), which names the slip.
        if reading is not None and a is not None and a.n >= 2 and (value > 2 * a.mean or 2 * value < a.mean):
            # A slipped decimal point (or a full package on the pan) would refuse the whole sample, and a tare cannot be withdrawn.
            question = self.tr(TEXT["far"], value=value, mean=a.mean, unit=unit)

            def answered(yes: bool | None) -> None:
                box = self.query_one("#tare-weight", WeightInput)
                if yes:
                    self.run_worker(self._record(text, reading))
                else:
                    self._status(self.tr(TEXT["not_saved"]), error=True)
                    if reading is None:
                        box.restore(text)
                    self.set_focus(box)

            self.app.push_screen(ConfirmModal(question), callback=answered)
            return
        await self._record(text, reading)

    async def _record(self, text: str, reading: Reading | None = None, confirmed: bool = False) -> None:
        box = self.query_one("#tare-weight", WeightInput)
        try:
            if reading is None:
                from fieldtool.usecases.weighing import plausibility_rules

                rules = plausibility_rules(self.fapp.settings)
                state = await self.fapp.runner.call(
                    lambda s: s.record_tare_sample(self.inspection_id, text, confirmed=confirmed, rules=rules)
                )
            else:
                from fieldtool.usecases.balance import record_tare_reading

                port = self.fapp.balance.connection
                state = await self.fapp.runner.call(lambda s: record_tare_reading(s, self.inspection_id, reading, port=port))
        except ImplausibleWeight as exc:  # not saved: ask (naming the likely slip); yes saves it as typed
            question = self.tr(TEXT["ask"], question=message_in(exc, self.lang))

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._record(text, None, confirmed=True))
                else:
                    self._status(self.tr(TEXT["not_saved"]), error=True)
                    box.restore(text)
                    self.set_focus(box)

            self.app.push_screen(ConfirmModal(question), callback=answered)
            return
        except FieldtoolError as exc:
            if reading is None:
                box.restore(text)
            self._status(message_in(exc, self.lang), error=True)
            return
        sample = [w for w in state.tare.weighings if w.method is TareMethod.AVERAGE]
        self._last_saved = (len(sample), sample[-1].value, reading is not None)
        self.show(state)
        self.set_focus(box)

    # -- reading from the balance ------------------------------------------------------------------

    def action_capture(self) -> None:
        """Read the next empty packaging from the balance (F9)."""
        if self.state is None or not self.can_capture():
            return
        if self.refused:
            self._status(self.tr(TEXT["sample_closed"], why=self.tr(TEXT["prompt_refused"])), error=True)
            return
        self.run_worker(self._capture(self.state), group="capture")

    async def _capture(self, state: LotState) -> None:
        from fieldtool.balance.units import convert

        sample = [w for w in state.tare.weighings if w.method is TareMethod.AVERAGE]
        unit = state.weighing_unit.symbol
        reading = await self.read_package(unit, self.tr(TEXT["what"], n=len(sample) + 1))
        if reading is None:
            return
        try:
            value = convert(reading, unit, self.fapp.balance.connection)
        except FieldtoolError as exc:
            self._status(message_in(exc, self.lang), error=True)
            return
        await self._confirm_then_record(value, format(value, "f"), reading)

    def on_unmount(self) -> None:
        self.cancel_capture()

    # -- actions -----------------------------------------------------------------------------------

    async def action_continue(self) -> None:
        """On to weighing, once the average tare is accepted."""
        if self.accepted:
            await self.fapp.open_inspection(self.inspection_id, replace=True)

    async def action_restart(self) -> None:
        """The same lot again as a new inspection with individual tare (the refused one stays in the record)."""
        if self.state is None or not self.refused:
            return
        from fieldtool.tui.screens.new_inspection import NewInspectionScreen

        template = dataclasses.replace(self.state.inspection.header, tare_method=TareMethod.INDIVIDUAL)
        await self.app.switch_screen(NewInspectionScreen(template=template))

    async def action_home(self) -> None:
        """Esc: stop waiting for the balance, or go back to Home."""
        if not self.cancel_capture():
            await self.fapp.go_home()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "continue":
            return self.accepted
        if action == "restart":
            return self.refused
        return True
