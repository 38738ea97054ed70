"""Provides `NewInspectionScreen`: the form that opens an inspection, with the plan, T and the balance check live.

Keys: Tab / Shift+Tab (or Enter in a text field) move between fields; Enter, Up or Down opens a
list, whose options can be found by typing their first letters; Ctrl+S saves and goes on to the
sample to pull (random or systematic sampling) or straight to the lot; Ctrl+B adds a balance to
the register; Ctrl+R draws a new seed; Esc cancels (after asking, when something was typed).

The fields themselves (their lists, the template, the header they make) are `InspectionForm`;
the preview under them is `LotPreviewPanel`. This screen checks the fields, keeps the preview
live and saves.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Input, Label, Select
from textual.worker import Worker

from fieldtool.core.inspection import Balance, InspectionHeader
from fieldtool.errors import FieldtoolError
from fieldtool.tui.balance_summary import balance_summary
from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.forms import FieldError, parse_count, parse_day, parse_positive, show_field_error
from fieldtool.tui.i18n import T
from fieldtool.tui.key_order import settle_keys
from fieldtool.tui.screens.balance import BalanceModal
from fieldtool.tui.screens.modals import ConfirmModal
from fieldtool.tui.widgets.footer import FitFooter
from fieldtool.tui.widgets.inspection_form import DRAWN, InspectionForm, load_form_data
from fieldtool.tui.widgets.lot_preview import LotPreviewPanel
from fieldtool.usecases.lot_types import LotCheck

TEXT = {
    "title": T("New inspection", "新建检验"),
    # field errors: each says what to type
    "e_city": T("city: choose the city from the list", "城市：请从列表中选择城市"),
    "e_site_name": T("site name: type the name of the inspected company or shop", "受检单位：请输入受检企业或商店的名称"),
    "e_date": T("production date: type YYYY-MM-DD, e.g. 2026-10-05", "生产日期：请按 YYYY-MM-DD 输入，如 2026-10-05"),
    "e_date_future": T("production date: {day} is after today ({today})", "生产日期：{day} 晚于今天（{today}）"),
    "e_nominal": T("nominal quantity: type a number such as 500", "标注净含量：请输入数字，如 500"),
    "e_nominal_range": T(
        "nominal quantity: {rules} covers Qn {span}; {qn} {unit} is outside its table",
        "标注净含量：{rules} 适用于 Qn {span}；{qn} {unit} 超出其范围",
    ),
    "e_nominal_kind": T(
        "nominal quantity: {rules} has no tolerance table for {kind} quantities; choose another unit or rule set",
        "标注净含量：{rules} 没有{kind}类商品的允许短缺量表；请换单位或检验规则",
    ),
    "mass": T("mass", "质量"),
    "volume": T("volume", "体积"),
    "length": T("length", "长度"),
    "area": T("area", "面积"),
    "count": T("count", "计数"),
    "span_above": T("above {low} {base}", "大于 {low} {base}"),
    "span_from": T("from {low} {base}", "自 {low} {base} 起"),
    "span_upto": T(" up to {high} {base}", "至 {high} {base}"),
    "e_lot_size": T("lot size: type a whole number of packages, at least 1", "批量：请输入包装件数（整数，至少为 1）"),
    "e_lot_range": T(
        "lot size: {rules} covers lots of {span}; a lot of {lot} is outside its plan",
        "批量：{rules} 的抽样方案适用于 {span} 件的批；{lot} 件不在其中",
    ),
    "lots_between": T("{low} to {high}", "{low} 至 {high}"),
    "lots_from": T("{low} or more", "{low} 及以上"),
    "e_seed": T("seed: type a whole number such as 482913 (Ctrl+R draws a new one)", "随机种子：请输入整数，如 482913（Ctrl+R 重新生成）"),
    "e_inspectors": T("inspectors: type at least one inspector's name", "检验人员：请至少输入一名检验人员"),
    "e_inspectors_twice": T("inspectors: the second name repeats the first", "检验人员：第二名与第一名重复"),
    "e_balance": T(
        "balance: choose the balance you weigh with (Ctrl+B adds one to the register)",
        "天平：请选择所用天平（Ctrl+B 登记新天平）",
    ),
    "e_rule_set": T("rule set: choose the rule set the lot is judged by", "检验规则：请选择判定所依据的规则"),
    # status and dialogs
    "to_fix": T("{n} field(s) to fix: see the messages in red", "有 {n} 处需要修改：见红色提示"),
    "discard": T("Discard this new inspection? What you typed is lost.", "放弃此新建检验？已输入的内容将丢失。"),
    "seeded": T("new seed {seed}", "新随机种子 {seed}"),
    "balance_added": T("✓ balance added to the register: {name}", "✓ 天平已登记：{name}"),
    # keys
    "k_save": T("Save", "保存"),
    "k_cancel": T("Cancel", "取消"),
    "k_balance": T("Add balance", "登记天平"),
    "k_seed": T("New seed", "新种子"),
}


class NewInspectionScreen(FieldtoolScreen):
    """The form of a new inspection; saving opens it.

    Args:
        template: a header to start from (for example the same lot, again with individual tare).
    """

    CSS_PATH = Path(__file__).with_name("new_inspection.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", TEXT["k_save"].en, priority=True),
        Binding("escape", "cancel", TEXT["k_cancel"].en),
        Binding("ctrl+b", "add_balance", TEXT["k_balance"].en, priority=True),
        Binding("ctrl+r", "new_seed", TEXT["k_seed"].en, priority=True),
    ]

    def __init__(self, template: InspectionHeader | None = None) -> None:
        super().__init__(classes="new-inspection-screen")
        self.template = template
        self.check: LotCheck | None = None
        self._format_errors: dict[str, FieldError] = {}
        self._rule_errors: dict[str, FieldError] = {}
        self._initial: dict[str, object] = {}
        self._preview_error: str | None = None
        self._saving = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield InspectionForm(id="form")
        yield LotPreviewPanel(id="preview")
        yield Label("", id="status")
        yield FitFooter()

    @property
    def form(self) -> InspectionForm:
        """The form's fields."""
        return self.query_one("#form", InspectionForm)

    async def on_mount(self) -> None:
        self.title = "fieldtool"
        self.sub_title = self.tr(TEXT["title"])
        programme = await self.call(lambda s: s.programme(self.fapp.settings.programme_id))
        data = await self.call(load_form_data)
        self.form.fill(programme, data, self.template)
        self._show_sampling()
        self._initial = self.form.values()
        # At once, not later through the app's queue: the keys typed from now on go to the first field.
        self.set_focus(self.query_one("#city" if programme and programme.cities else "#site-name"))
        await self.refresh_preview()

    # -- reacting to the fields --------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        form = self.form
        field_id = event.select.id
        if field_id == "product":
            product_id = form.value("product")
            if product_id != form.product_id:
                form.apply_product(form.product(product_id))
        elif field_id == "typical":
            if not form.take_typical():
                return
            self._refresh_error("nominal")
        elif field_id == "sampling":
            self._show_sampling()
        elif field_id == "rule-set":
            form.show_variants()
        elif field_id == "balance":
            self._show_balance()
        self._schedule_preview()

    def _show_sampling(self) -> None:
        """The seed is asked only for the methods whose positions fieldtool draws."""
        if not self.form.show_sampling():
            self._set_error("seed", None)
        self.refresh_bindings()

    def _show_balance(self) -> None:
        if self.form.show_balance() is not None:
            self._set_error("balance", None)

    def on_input_changed(self, event: Input.Changed) -> None:
        field_id = event.input.id or ""
        self._refresh_error(self._error_field(field_id))
        if field_id in ("nominal", "lot-size"):
            self._schedule_preview()

    def _schedule_preview(self) -> None:
        """Refresh the preview; a newer change cancels an older refresh still waiting for the store."""
        self._preview_worker: Worker[None] = self.run_worker(self.refresh_preview, group="preview", exclusive=True)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        field = self._error_field(event.input.id or "")
        if field in self.VALIDATED:
            self._set_error(field, self._validate(field))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    @staticmethod
    def _error_field(field_id: str) -> str:
        return {"inspector-1": "inspectors", "inspector-2": "inspectors"}.get(field_id, field_id)

    def _refresh_error(self, field: str) -> None:
        """While typing: clear a field's message once it is right, and keep a shown one up to date."""
        if field in self._format_errors:
            self._set_error(field, self._validate(field))

    # -- validation --------------------------------------------------------------------------------

    VALIDATED = ("city", "site-name", "production-date", "nominal", "lot-size", "seed", "inspectors", "balance", "rule-set")
    """The fields with a message line, in the order of the form."""

    def _validate(self, field: str) -> FieldError | None:
        """What is wrong with one field, as it stands (None when right)."""
        form = self.form
        programme, data = form.programme, form.data
        if field == "city" and programme and programme.cities and form.value("city") is None:
            return TEXT["e_city"], {}
        if field == "site-name" and not form.text("site-name"):
            return TEXT["e_site_name"], {}
        if field == "production-date" and form.text("production-date"):
            day = parse_day(form.text("production-date"))
            if day is None:
                return TEXT["e_date"], {}
            if data and day > data.today:
                return TEXT["e_date_future"], {"day": day, "today": data.today}
        if field == "nominal" and parse_positive(form.text("nominal")) is None:
            return TEXT["e_nominal"], {}
        if field == "lot-size" and parse_count(form.text("lot-size"), 1) is None:
            return TEXT["e_lot_size"], {}
        if field == "seed" and form.seed_asked() and parse_count(form.text("seed"), 0) is None:
            return TEXT["e_seed"], {}
        if field == "inspectors":
            first, second = form.text("inspector-1"), form.text("inspector-2")
            if not first and not second:
                return TEXT["e_inspectors"], {}
            if first and " ".join(first.split()).casefold() == " ".join(second.split()).casefold():
                return TEXT["e_inspectors_twice"], {}
        if field == "balance" and form.weighed() and form.value("balance") is None:
            return TEXT["e_balance"], {}
        if field == "rule-set" and form.value("rule-set") is None:
            return TEXT["e_rule_set"], {}
        return None

    def _set_error(self, field: str, error: FieldError | None, *, rule: bool = False) -> None:
        store = self._rule_errors if rule else self._format_errors
        if error is None:
            store.pop(field, None)
        else:
            store[field] = error
        self._show_error(field)

    def _show_error(self, field: str) -> None:
        show_field_error(self, field, self._format_errors.get(field) or self._rule_errors.get(field))

    # -- live preview ------------------------------------------------------------------------------

    async def refresh_preview(self) -> None:
        """Check Qn and N against the rule set and show the plan, T and the balance check (when both parse)."""
        form = self.form
        nominal = parse_positive(form.text("nominal"))
        lot = parse_count(form.text("lot-size"), 1)
        unit_symbol = form.value("unit")
        rule_id = form.value("rule-set")
        variant = form.value("variant") or "standard"
        balance_id = form.value("balance")
        check: LotCheck | None = None
        self._preview_error = None
        if nominal is not None and lot is not None and unit_symbol and rule_id:
            try:
                check = await self.fapp.runner.call(
                    lambda s: s.check_lot(rule_id, nominal, unit_symbol, lot, variant, balance_id)
                )
            except FieldtoolError as exc:
                self._preview_error = str(exc)
        self.check = check
        self._set_error("nominal", self._nominal_refusal(check, nominal, unit_symbol), rule=True)
        self._set_error("lot-size", self._lot_refusal(check, lot), rule=True)
        self._show_preview()

    def _nominal_refusal(self, check: LotCheck | None, qn: Decimal | None, unit_symbol: str | None) -> FieldError | None:
        if check is None or check.nominal_range is None:
            return None
        r = check.nominal_range
        rules = self.form.value("rule-set")
        if not r.covered:
            return TEXT["e_nominal_kind"], {"rules": rules, "kind": self.tr(TEXT[r.kind]) if r.kind in TEXT else r.kind}
        span = self.tr(TEXT["span_from" if r.low_inclusive else "span_above"], low=r.low, base=r.base_unit)
        if r.high is not None:
            span += self.tr(TEXT["span_upto"], high=r.high, base=r.base_unit)
        return TEXT["e_nominal_range"], {"rules": rules, "span": span, "qn": qn, "unit": unit_symbol}

    def _lot_refusal(self, check: LotCheck | None, lot: int | None) -> FieldError | None:
        if check is None or check.lot_range is None:
            return None
        r = check.lot_range
        span = self.tr(TEXT["lots_between"], low=r.low, high=r.high) if r.high is not None else self.tr(TEXT["lots_from"], low=r.low)
        return TEXT["e_lot_range"], {"rules": self.form.value("rule-set"), "span": span, "lot": lot}

    def _show_preview(self) -> None:
        form = self.form
        self.query_one("#preview", LotPreviewPanel).show(
            self.check.preview if self.check else None, error=self._preview_error,
            balance=form.balance(form.value("balance")), weighed=form.weighed(), lang=self.lang,
        )

    # -- language ----------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        self.form.relabel()
        for field in self.VALIDATED:
            self._show_error(field)
        self.form.apply_product_info()
        self._show_balance()
        self._show_preview()
        self.query_one("#status", Label).update("")

    # -- actions -----------------------------------------------------------------------------------

    async def action_save(self) -> None:
        """Check every field; when all are right, open the inspection and go on."""
        if self._saving:
            return
        await settle_keys(self)  # the keys typed before Ctrl+S are in their fields
        for field in self.VALIDATED:
            self._set_error(field, self._validate(field))
        await self.refresh_preview()
        wrong = [f for f in self.VALIDATED if f in self._format_errors or f in self._rule_errors]
        if wrong:
            self._status(self.tr(TEXT["to_fix"], n=len(wrong)), error=True)
            focus = {"inspectors": "inspector-1"}.get(wrong[0], wrong[0])
            self.set_focus(self.query_one(f"#{focus}"))
            return
        header = self.form.header()
        self._saving = True
        try:
            inspection = await self.call(lambda s: s.start_inspection(header))
        finally:
            self._saving = False
        if inspection is None:
            return
        if header.sampling_method in DRAWN:
            from fieldtool.tui.screens.sampling import SampleScreen

            await self.app.switch_screen(SampleScreen(inspection.id))
        else:
            await self.fapp.open_inspection(inspection.id, replace=True)

    def action_cancel(self) -> None:
        """Back to Home; ask first when something was typed."""
        if self.form.values() == self._initial:
            self.fapp.back_home()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.fapp.back_home()

        self.app.push_screen(ConfirmModal(self.tr(TEXT["discard"])), callback=answered)

    def action_add_balance(self) -> None:
        """Add a balance to the register, then choose it."""

        def added(balance: Balance | None) -> None:
            if balance is None or self.form.data is None:
                return
            self.form.add_balance(balance)
            self._status(self.tr(TEXT["balance_added"], name=balance_summary(balance)))
            self.set_focus(self.form.sel("balance"))

        self.app.push_screen(BalanceModal(), callback=added)

    async def action_new_seed(self) -> None:
        """Draw a new seed for the sample (random and systematic sampling)."""
        seed = await self.call(lambda s: s.new_sampling_seed())
        if seed is not None:
            self.query_one("#seed", Input).value = str(seed)
            self._status(self.tr(TEXT["seeded"], seed=seed))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_seed" and self.is_mounted and self.query("#sampling"):
            return self.form.value("sampling") in {m.value for m in DRAWN}
        return True
