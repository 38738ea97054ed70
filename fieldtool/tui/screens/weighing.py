"""Provides `WeighingScreen`: the core of an inspection. Type a weight, Enter: it is stored, then shown.

Keys: Enter commits the typed weight (it appears in the table only once it is in the
database); F9 reads the next stable package from the balance instead (for an individual tare:
F9 for the full package, F9 again for its emptied packaging), and Esc stops waiting; F6 moves to the table, where Enter corrects the highlighted package (the original
stays in the record, with the reason); Ctrl+Z withdraws the last package (with a reason); F5 opens
the verdict once the sample is complete (F5); F7 shows the positions to pull; F4 records the ambient temperature and humidity; Esc goes back to Home.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import DataTable, Header, Label, Static

from fieldtool.balance.reading import Reading
from fieldtool.core.evaluate import PackageClass
from fieldtool.core.inspection import Balance, Measurement
from fieldtool.core.plausibility import ImplausibleWeight, PlausibilityRules
from fieldtool.core.resolution import Resolution, text
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.tui.base import FieldtoolModal, InspectionScreen
from fieldtool.tui.capture import HELP as CAPTURE_HELP
from fieldtool.tui.capture import TEXT as CAPTURE_TEXT
from fieldtool.tui.capture import BalanceCapture
from fieldtool.tui.i18n import T
from fieldtool.tui.screens.modals import ConfirmModal, CorrectionModal, ReasonModal
from fieldtool.tui.widgets.footer import FitFooter
from fieldtool.tui.widgets.packages_table import AppendOnlyTable
from fieldtool.tui.widgets.stats_panel import LiveStatsPanel
from fieldtool.tui.widgets.weight_input import WeightInput
from fieldtool.usecases.entry import example
from fieldtool.usecases.lot_types import LotState, lot_resolution

if TYPE_CHECKING:
    from fieldtool.storage.sampling import EnvironmentReading

TEXT = {
    "title": T("Weighing", "称量"),
    "col_no": T("#", "序号"),
    "col_gross": T("Gross", "毛重"),
    "col_tare": T("Tare", "皮重"),
    "col_net": T("Net", "净含量"),
    "col_d": T("d", "短缺 d"),
    "col_class": T("Class", "类别"),
    "col_src": T("By", "方式"),
    "typed": T("typed", "键入"),
    "balance": T("⚖ balance", "⚖ 天平"),
    "corrected": T("corrected", "已更正"),
    "prompt_net": T("Net quantity of package {n} ({unit}), e.g. {example}", "第 {n} 件净含量（{unit}），如 {example}"),
    "prompt_gross": T("Gross weight of package {n} ({unit}), e.g. {example}", "第 {n} 件毛重（{unit}），如 {example}"),
    "prompt_gross_tare": T("Package {n}: gross tare ({unit}), e.g. {example}", "第 {n} 件：毛重 皮重（{unit}），如 {example}"),
    "want_net": T("net quantity ({unit}), e.g. {example}", "净含量（{unit}），如 {example}"),
    "want_gross": T("gross weight ({unit}), e.g. {example}", "毛重（{unit}），如 {example}"),
    "want_gross_tare": T("gross and tare ({unit}), e.g. {example}", "毛重和皮重（{unit}），如 {example}"),
    "ask": T("{question} · Enter again to save it as typed, Esc to retype", "{question} · 再按 Enter 按原样保存，Esc 重新输入"),
    "retype": T("not saved: correct the entry and press Enter", "未保存：请改正后按 Enter"),
    "ask_correction": T("{question}. Save the correction as typed?", "{question}。仍按输入保存更正吗？"),
    "saved_confirmed": T("✓ saved package {n} as typed (confirmed): {value} {unit}", "✓ 已按原样保存第 {n} 件（已确认）：{value} {unit}"),
    "prompt_done": T("Sample complete: press F5 for the verdict", "样本已完成：按 F5 查看判定"),
    "pull": T("lot position {pos}", "批中第 {pos} 号"),
    "saved": T("✓ saved package {n}: {value} {unit}", "✓ 已保存第 {n} 件：{value} {unit}"),
    "saved_balance": T("✓ ⚖ saved package {n} from the balance: {value} {unit}", "✓ ⚖ 已保存第 {n} 件（天平读数）：{value} {unit}"),
    "what_package": T("package {n}", "第 {n} 件"),
    "what_packaging": T("the emptied packaging of package {n}", "第 {n} 件的空包装"),
    "gross_read": T(
        "⚖ gross of package {n}: {value}. Empty it, put its packaging on the pan and press F9 (Esc drops the gross)",
        "⚖ 第 {n} 件毛重：{value}。倒空后将包装放上秤盘并按 F9（Esc 放弃毛重）",
    ),
    "gross_dropped": T("the gross reading of package {n} was dropped; nothing was saved", "已放弃第 {n} 件的毛重读数；未保存任何数据"),
    "corrected_msg": T("✓ package {n} corrected ({reason})", "✓ 第 {n} 件已更正（{reason}）"),
    "undone": T("✓ package {n} withdrawn ({reason})", "✓ 第 {n} 件已撤销（{reason}）"),
    "undo_title": T("Withdraw package {n} ({value} {unit})?", "撤销第 {n} 件（{value} {unit}）？"),
    "correct_title": T("Correct package {n} (now {value} {unit})", "更正第 {n} 件（当前 {value} {unit}）"),
    "nothing": T("nothing to undo: no package weighed yet", "没有可撤销的记录"),
    "not_complete": T("the sample is not complete: {more} more to weigh", "样本未完成：还需称 {more} 件"),
    "b_verdict": T("Verdict", "判定"),
    "b_undo": T("Undo last", "撤销上一件"),
    "b_table": T("Table / input", "表格 / 输入"),
    "b_positions": T("Positions", "抽样位置"),
    "b_home": T("Home", "首页"),
    "b_capture": T("Read balance", "读取天平"),
    "positions": T("Positions to pull (seed {seed}): package → position in the lot",
                   "抽样位置（种子 {seed}）：第几件 → 批中第几号"),
    "positions_keys": T("Esc or Enter: close", "Esc 或 Enter：关闭"),
    "legend": T("⚖ read from the balance · ✎ corrected", "⚖ 天平读数 · ✎ 已更正"),
    "legend_unit": T("in {unit}", "单位 {unit}"),
    "legend_units": T("gross and tare in {wu}, net and d in {u}", "毛重、皮重 {wu}，净含量、短缺 {u}"),
    "b_environment": T("Environment", "环境条件"),
    "environment": T("✓ environment recorded: {t} °C, {rh} % RH", "✓ 已记录环境条件：{t} °C，相对湿度 {rh} %"),
}

_CLASS_STYLE = {PackageClass.OK: "", PackageClass.T1: "warning", PackageClass.T2: "error"}

NARROW = 110
"""Below this many columns the table drops its "By" column and the units from its headings (the legend under
it says both), and the statistics panel narrows: every heading and cell stays whole at 80 × 24."""


def _offers(state: LotState) -> tuple[bool, bool]:
    """What `WeighingScreen.check_action` reads of the lot: the verdict (F5) and the positions (F7) offered or not.

    The footer is told to read the keys again only when this changes, not for every package.
    """
    return state.complete, state.draw is not None


class PositionsModal(FieldtoolModal[None]):
    """The positions to pull from the lot, one per package number, wrapped to the terminal (F7)."""

    CSS_PATH = Path(__file__).with_name("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__(classes="fieldtool-modal")
        self._title = title
        self._lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static("   ".join(self._lines), id="positions-list")
            yield Label(self.tr(TEXT["positions_keys"]), classes="dialog-keys")

    def action_close(self) -> None:
        """Close the list."""
        self.dismiss(None)


class WeighingScreen(InspectionScreen, BalanceCapture):
    """Records every package of the sample and shows the statistics live."""

    CSS_PATH = Path(__file__).with_name("weighing.tcss")
    HELP_TITLE = TEXT["title"]
    HELP_TEXT = CAPTURE_HELP
    STATUS_FIXED_SIZE = True  # one line, full width (weighing.tcss): no relayout per package
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "home", "Home"),
        Binding("ctrl+z", "undo", "Undo last", priority=True),
        Binding("f5", "verdict", "Verdict", priority=True),
        Binding("f6", "toggle_focus", "Table / input"),
        Binding("f7", "positions", "Positions"),
        Binding("f9", "capture", "Read balance", priority=True),
        Binding("f4", "environment", "Environment"),
    ]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(inspection_id, "weighing-screen")
        self._table_lang = ""
        self._gross: Reading | None = None
        """For an individual tare: the full package read from the balance, waiting for its emptied packaging."""
        self._asked: str | None = None
        """A typed entry that looked implausible and was not saved: Enter with the same text saves it (confirmed)."""
        self._balance: Balance | None = None
        """The lot's balance from the register (its d sets the places shown); None when unknown."""
        self._res: Resolution | None = None
        self._narrow: bool | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="lot-head")
        with Horizontal(id="weighing-body"):
            with Vertical(id="table-column"):
                yield AppendOnlyTable(id="packages", cursor_type="row", zebra_stripes=True)
                yield Label("", id="legend")
            with Vertical(id="side"):
                yield LiveStatsPanel(id="stats")
        yield Label("", id="status")
        yield WeightInput(id="weight", placeholder="", report_empty=True)
        yield FitFooter()

    AUTO_FOCUS = "#weight"

    async def on_mount(self) -> None:
        # Focus first: the prompt appears only with the state, and an inspector starts typing
        # the moment it does.
        self.set_focus(self.query_one("#weight", WeightInput))
        state = await self.load()
        if state is not None:
            self._balance = await self.call(lambda s: s.inspection_balance(self.inspection_id))
            self.show(state)

    # -- rendering ---------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        if self.state is not None:
            self.show(self.state)

    def show(self, state: LotState) -> None:
        """Show the lot as stored: the table, the statistics and the prompt."""
        previous, self.state = self.state, state
        h = state.inspection.header
        self.sub_title = self.tr(TEXT["title"])
        self.show_lot_head(h, variant=True)  # updated only when it changes (the language): no work for every package
        ids = [m.id for m in state.measurements]
        res, self._res = self._res, lot_resolution(state, self._balance)
        if self._narrow is None:
            self._narrow = self.size.width < NARROW
            self.set_class(self._narrow, "-narrow")
        if (previous is not None and self._table_lang == self.lang and res == self._res
                and [m.id for m in previous.measurements] == ids[:-1] and ids):
            # One more package (the usual case): a package's class never changes, so append its row.
            self._add_row(state, len(ids) - 1)
            self.query_one("#packages", DataTable).move_cursor(row=len(ids) - 1)
        else:
            self._fill_table(state)
        self.query_one("#stats", LiveStatsPanel).show_state(state, self.lang, self._res)
        self._prompt(state)
        if previous is None or _offers(previous) != _offers(state):
            self.refresh_bindings()  # F5 (verdict) becomes available, or greyed again by an undo

    def _fill_table(self, state: LotState) -> None:
        table = self.query_one("#packages", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        self._table_lang = self.lang
        wu, u = state.weighing_unit.symbol, state.unit.symbol
        narrow = bool(self._narrow)
        columns = [("no", "col_no"), ("gross", "col_gross"), ("tare", "col_tare"), ("net", "col_net"),
                   ("d", "col_d"), ("class", "col_class")] + ([] if narrow else [("src", "col_src")])
        for key, label in columns:
            unit = None if narrow else {"gross": wu, "tare": wu, "net": u, "d": u}.get(key)
            table.add_column(self.tr(TEXT[label]) + (f" ({unit})" if unit else ""), key=key)
        legend = self.tr(TEXT["legend"])
        if narrow:
            units = self.tr(TEXT["legend_unit"], unit=u) if wu == u else self.tr(TEXT["legend_units"], wu=wu, u=u)
            legend += " · " + units
        self.query_one("#legend", Label).update(legend)
        for index in range(len(state.measurements)):
            self._add_row(state, index)
        if state.measurements:
            last = len(state.measurements) - 1
            table.move_cursor(row=min(max(cursor, 0), last) if self.focused is table else last)

    def _add_row(self, state: LotState, index: int) -> None:
        """Add the row of the package at `index` (0-based) to the table."""
        m, p = state.measurements[index], state.progress.packages[index]
        res = self._res or lot_resolution(state, self._balance)
        style = self.app.theme_variables.get(_CLASS_STYLE[p.cls], "") if _CLASS_STYLE[p.cls] else ""
        read = m.source.value == "balance"
        marks = ("⚖" if read else "") + ("✎" if m.supersedes else "")  # the legend under the table says what they mean
        cells: list[str | Text] = [
            f"{index + 1} {marks}" if marks else str(index + 1),
            "" if m.gross is None else text(res.weighed(m.gross) or m.gross),
            "" if m.tare is None else text(res.tare_value(m.tare) or m.tare),
            Text(text(res.net_value(m.net)), style=f"bold {style}".strip()),
            text(res.shortfall(state.inspection.header.nominal, m.net)),
            # As the report writes a package's class: OK, T1 or T2.
            Text("OK" if p.cls is PackageClass.OK else p.cls.value, style=f"bold {style}".strip()),
        ]
        if not self._narrow:
            cells.append(self.tr(TEXT["balance"] if read else TEXT["typed"]))
        self.query_one("#packages", DataTable).add_row(*cells, key=m.id)

    def _prompt(self, state: LotState) -> None:
        box = self.query_one("#weight", WeightInput)
        n = len(state.measurements) + 1
        unit = state.weighing_unit.symbol
        if state.complete or len(state.measurements) >= state.progress.needed:
            box.placeholder = self.tr(TEXT["prompt_done"])
        else:
            key = {"net": "prompt_net", "gross": "prompt_gross", "gross tare": "prompt_gross_tare"}[state.entry]
            box.placeholder = self.tr(TEXT[key], n=n, unit=unit, example=example(state))
            if state.draw is not None and n <= len(state.draw.positions):
                box.placeholder += "  ·  " + self.tr(TEXT["pull"], pos=state.draw.positions[n - 1])

    # -- entering weights --------------------------------------------------------------------------

    async def on_weight_input_entered(self, event: WeightInput.Entered) -> None:
        text = event.text
        if not text:  # Enter on an empty line: the last error (or question) is done with
            self._asked = None
            self._status("")
            return
        if self.capturing:
            event.input.restore(text)
            self.say_while_waiting(self.tr(CAPTURE_TEXT["typing_while_waiting"]))
            return
        self._gross = None  # a typed entry replaces a half-read one
        confirmed, self._asked = text == self._asked, None
        rules = self._plausibility()
        try:
            measurement, state = await self.fapp.runner.call(
                lambda s: s.record_weight(self.inspection_id, text, confirmed=confirmed, rules=rules)
            )
        except ImplausibleWeight as exc:  # not saved: ask, and the same Enter again saves it as typed
            event.input.restore(text)
            self._asked = text
            self._status(self.tr(TEXT["ask"], question=message_in(exc, self.lang)), error=True)
            return
        except FieldtoolError as exc:  # a user error: keep what was typed, say what is wrong
            event.input.restore(text)
            self._status(message_in(exc, self.lang), error=True)
            return
        self.show(state)
        if confirmed:
            self._status(self.tr(TEXT["saved_confirmed"], n=len(state.measurements), value=self._net(measurement), unit=measurement.unit))
        else:
            self._saved(measurement, len(state.measurements))

    def _plausibility(self) -> PlausibilityRules:
        """The plausibility thresholds of the settings."""
        from fieldtool.usecases.weighing import plausibility_rules

        return plausibility_rules(self.fapp.settings)

    def _net(self, m: Measurement) -> str:
        """A package's net as the table writes it (`fieldtool.core.resolution`): the status line and dialogs agree with it."""
        return str(m.net if self._res is None else self._res.net_value(m.net))

    def _saved(self, m: Measurement, index: int) -> None:
        key = "saved_balance" if m.source.value == "balance" else "saved"
        self._status(self.tr(TEXT[key], n=index, value=self._net(m), unit=m.unit))

    # -- reading from the balance --------------------------------------------------------------

    def action_capture(self) -> None:
        """Read the next stable package from the balance (F9) into the next row."""
        state = self.state
        if state is None or not self.can_capture():
            return
        if state.complete or len(state.measurements) >= state.progress.needed:
            self._status(self.tr(TEXT["prompt_done"]), error=True)
            return
        self.run_worker(self._capture(state), group="capture")

    async def _capture(self, state: LotState) -> None:
        n = len(state.measurements) + 1
        two_readings = state.entry == "gross tare"
        what = TEXT["what_packaging" if two_readings and self._gross is not None else "what_package"]
        reading = await self.read_package(state.weighing_unit.symbol, self.tr(what, n=n))
        if reading is None:
            return
        if two_readings and self._gross is None:
            self._gross = reading
            self._status(self.tr(TEXT["gross_read"], n=n, value=reading))
            return
        gross, self._gross = self._gross, None
        from fieldtool.usecases.balance import record_reading

        port = self.fapp.balance.connection
        try:
            measurement, new_state = await self.fapp.runner.call(
                lambda s: record_reading(s, self.inspection_id, reading, gross=gross, port=port)
            )
        except FieldtoolError as exc:
            self._status(message_in(exc, self.lang), error=True)
            return
        self.show(new_state)
        self._saved(measurement, len(new_state.measurements))

    def on_unmount(self) -> None:
        self.cancel_capture()

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: correct that package."""
        if self.state is None or event.row_key.value is None:
            return
        measurement_id = str(event.row_key.value)
        index, m = next((i, m) for i, m in enumerate(self.state.measurements, 1) if m.id == measurement_id)
        current = f"{m.gross} {m.tare}" if self.state.entry == "gross tare" else str(m.gross if self.state.entry == "gross" else m.net)
        want = {"net": "want_net", "gross": "want_gross", "gross tare": "want_gross_tare"}[self.state.entry]
        hint = self.tr(TEXT[want], unit=self.state.weighing_unit.symbol, example=example(self.state))
        title = self.tr(TEXT["correct_title"], n=index, value=self._net(m), unit=m.unit)
        self.app.push_screen(CorrectionModal(title, hint, current), callback=lambda a: self._correct(m.id, index, a))

    def _correct(self, measurement_id: str, index: int, answer: tuple[str, str] | None, confirmed: bool = False) -> None:
        if answer is None:
            return
        text, reason = answer
        rules = self._plausibility()

        async def run() -> None:
            try:
                result = await self.fapp.runner.call(
                    lambda s: s.correct_weight(measurement_id, text, reason, confirmed=confirmed, rules=rules)
                )
            except ImplausibleWeight as exc:  # not saved: ask, as for a new package
                question = message_in(exc, self.lang)
                self.app.push_screen(
                    ConfirmModal(self.tr(TEXT["ask_correction"], question=question)),
                    callback=lambda yes: self._correct(measurement_id, index, answer, confirmed=True) if yes else None,
                )
                return
            except FieldtoolError as exc:
                self._status(message_in(exc, self.lang), error=True)
                return
            self.show(result[1])
            self._status(self.tr(TEXT["corrected_msg"], n=index, reason=reason))

        self.run_worker(run(), exclusive=False)

    # -- actions -----------------------------------------------------------------------------------

    def action_undo(self) -> None:
        """Withdraw the last package, after asking for the reason."""
        if self.state is None or not self.state.measurements:
            self._status(self.tr(TEXT["nothing"]), error=True)
            return
        m = self.state.measurements[-1]
        n = len(self.state.measurements)
        title = self.tr(TEXT["undo_title"], n=n, value=self._net(m), unit=m.unit)

        async def done(reason: str | None) -> None:
            # Awaited in this screen's queue (not a worker): the keys typed after the reason's Enter are
            # handed out only once the package is withdrawn, and it is the one the dialog named.
            if reason is None:
                return
            state = await self.call(lambda s: s.undo_last(self.inspection_id, reason, measurement_id=m.id))
            if state is not None:
                if m.source.value == "balance":
                    self.fapp.balance.forget_last()  # the same package may go on the pan again
                self.show(state)
                self._status(self.tr(TEXT["undone"], n=n, reason=reason))

        self.app.push_screen(ReasonModal(title), callback=done)

    async def action_verdict(self) -> None:
        """Open the verdict once the sample is complete."""
        if self.state is None:
            return
        if not self.state.complete:
            more = self.state.progress.needed - len(self.state.measurements)
            self._status(self.tr(TEXT["not_complete"], more=more), error=True)
            return
        await self.fapp.open_inspection(self.inspection_id, replace=True)

    def action_toggle_focus(self) -> None:
        """Move between the weight input and the table (to correct an entry)."""
        table = self.query_one("#packages", DataTable)
        if self.focused is table:
            self.set_focus(self.query_one("#weight", WeightInput))
        else:
            self.set_focus(table)

    def on_resize(self, event: Resize) -> None:
        """Across `NARROW` columns: the table's columns and the panel's width change (the state is unchanged)."""
        narrow = event.size.width < NARROW
        if self._narrow is not None and narrow != self._narrow:
            self._narrow = narrow
            self.set_class(narrow, "-narrow")
            if self.state is not None:
                self._fill_table(self.state)

    def action_positions(self) -> None:
        """Show the positions to pull from the lot, each with its package number (when fieldtool drew the sample)."""
        if self.state is None or self.state.draw is None:
            return
        d = self.state.draw
        lines = [f"{n}→{pos}" for n, pos in enumerate(d.positions, 1)]
        self.app.push_screen(PositionsModal(self.tr(TEXT["positions"], seed=d.seed), lines))

    def action_environment(self) -> None:
        """Record the ambient temperature and relative humidity at the weighing (a dialog)."""
        from fieldtool.tui.screens.sampling_form import EnvironmentModal

        def done(reading: EnvironmentReading | None) -> None:
            if reading is not None:
                self._status(self.tr(TEXT["environment"], t=reading.temperature_c, rh=reading.humidity_pct))

        self.app.push_screen(EnvironmentModal(self.inspection_id), callback=done)

    async def action_home(self) -> None:
        """Esc: stop waiting for the balance, or drop a gross read alone, or a question about an entry, or go back to Home."""
        if self.cancel_capture():
            return
        if self._asked is not None:  # "Esc to retype": the entry stays in the input, not saved
            self._asked = None
            self._status(self.tr(TEXT["retype"]), error=True)
            return
        if self._gross is not None:
            self._gross = None
            self._status(self.tr(TEXT["gross_dropped"], n=len(self.state.measurements) + 1 if self.state else 0))
            return
        await self.fapp.go_home()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "verdict":
            # Shown greyed until the sample is complete (None): the footer keeps its keys in place, and
            # the inspector sees where the verdict will be.
            return True if self.state and _offers(self.state)[0] else None
        if action == "positions":
            return bool(self.state and _offers(self.state)[1])
        return True
