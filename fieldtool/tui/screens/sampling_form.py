"""Provides `SamplingFormScreen`, the sampling form (抽样单) filled on site before weighing, and `EnvironmentModal`.

The form opens from the sampling screen (key F) with what the inspection already says (the unit,
the product, the samplers, the lot size); each field is one line in a scrolling form that fits
80 × 24. Keys: Enter moves to the next field, Ctrl+S saves from anywhere (the form may be saved
again until the lot is finalised: the latest counts), Esc goes back without saving. A refused
field says why on the line under it. `EnvironmentModal` (key F4 on the weighing screen) records
the ambient temperature and relative humidity at the weighing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Label

from fieldtool.errors import FieldtoolError, message_in
from fieldtool.tui.base import FieldtoolModal, InspectionScreen
from fieldtool.tui.forms import error_line, show_field_error
from fieldtool.tui.i18n import T
from fieldtool.tui.widgets.footer import FitFooter

if TYPE_CHECKING:
    # EnvironmentReading is named in a base class as text (the store is imported on its own thread only).
    from fieldtool.storage.sampling import EnvironmentReading, StoredSamplingForm  # noqa: F401

TEXT = {
    "title": T("Sampling form", "抽样单"),
    "intro": T("Fill in the sampling form with the inspected party before weighing; Ctrl+R saves it and "
               "prints it to a PDF for both to sign (also `fieldtool report sampling-form`).",
               "称量前与受检单位一起填写抽样单；Ctrl+R 保存并生成 PDF，打印后双方签字"
               "（也可用 `fieldtool report sampling-form`）。"),
    "keys": T("Enter: next field · Ctrl+S: save · Ctrl+R: save and print · Esc: back without saving",
              "Enter：下一项 · Ctrl+S：保存 · Ctrl+R：保存并打印 · Esc：不保存返回"),
    "saved": T("✓ sampling form {no} saved", "✓ 已保存抽样单 {no}"),
    "final": T("the inspection is final: its sampling form can no longer change", "该检验已完成：抽样单不能再修改"),
    "b_save": T("Save", "保存"),
    "b_back": T("Back", "返回"),
    "b_print": T("Print", "打印"),
    "t_print": T("save the form and write it to a PDF to print and sign", "保存抽样单并生成 PDF，供打印签字"),
    "t_save": T("check every field and save the sampling form", "检查各项并保存抽样单"),
    "t_back": T("leave without saving", "不保存返回"),
    "form_no": T("Form No. *", "抽样单编号 *"),
    "sampled_at": T("Date and time *", "抽样日期时间 *"),
    "place": T("Place *", "抽样地点 *"),
    "samplers": T("Samplers *", "抽样人员 *"),
    "unit_name": T("Inspected unit *", "受检单位名称 *"),
    "unit_address": T("Unit's address", "受检单位地址"),
    "unit_kind": T("Kind of unit *", "单位类型 *"),
    "unit_contact": T("Contact, telephone", "联系人及电话"),
    "producer_name": T("Producer (label)", "标称生产者"),
    "producer_address": T("Producer's address", "生产者地址"),
    "product_name": T("Product *", "产品名称 *"),
    "brand": T("Brand", "商标"),
    "specification": T("Specification", "规格型号"),
    "batch": T("Batch", "批号"),
    "production_date": T("Production date", "生产日期"),
    "lot_size": T("Lot size", "抽样基数"),
    "sample_count": T("Samples taken *", "抽样数量 *"),
    "sample_condition": T("Sample condition", "样品状态"),
    "packaging": T("Packaging", "包装"),
    "samples_to": T("Samples go to", "样品去向"),
    "representative": T("Unit's representative", "受检单位代表"),
    "notes": T("Remarks", "备注"),
    "h_form_no": T("e.g. CY-2025-0001", "如：CY-2025-0001"),
    "h_sampled_at": T("YYYY-MM-DD HH:MM (UTC+8)", "YYYY-MM-DD HH:MM（北京时间）"),
    "h_samplers": T("names, separated by 、 or ,", "姓名，用 、 或 , 分隔"),
    "h_unit_kind": T("producer, wholesaler or retailer", "生产、批发 或 零售"),
    "h_production_date": T("YYYY-MM-DD, or empty", "YYYY-MM-DD，可不填"),
    "h_lot_size": T("the inspection's lot size", "即检验的批量"),
    "h_samples_to": T("e.g. returned to the unit", "如：退还受检单位"),
    "env_title": T("Environment at the weighing", "称量时的环境条件"),
    "env_temperature": T("Temperature (°C, −30…60)", "温度（°C，−30…60）"),
    "env_humidity": T("Relative humidity (%, 0…100)", "相对湿度（%，0…100）"),
    "env_keys": T("Enter: next / save · Esc: cancel", "Enter：下一项 / 保存 · Esc：取消"),
    "cancel": T("Cancel", "取消"),
}

FIELD_IDS = (
    "form_no", "sampled_at", "place", "samplers", "unit_name", "unit_address", "unit_kind", "unit_contact",
    "producer_name", "producer_address", "product_name", "brand", "specification", "batch", "production_date",
    "lot_size", "sample_count", "sample_condition", "packaging", "samples_to", "representative", "notes",
)
"""The form's fields in order (`fieldtool.usecases.sampling_form.FORM_FIELDS`)."""


def widget_id(field: str) -> str:
    """The kebab-case id of a field's input (its error line is ``<id>-error``)."""
    return field.replace("_", "-")


UNIT_KINDS = (T("producer", "生产"), T("wholesaler", "批发"), T("retailer", "零售"))
"""The kinds of inspected unit as the form is typed in each language (`SiteKind` values in English)."""


class SamplingFormScreen(InspectionScreen):
    """The sampling form of one open inspection: filled from the inspection, corrected and saved."""

    CSS_PATH = Path(__file__).with_name("sampling_form.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", TEXT["b_save"].en, priority=True, tooltip=TEXT["t_save"].en),
        Binding("ctrl+r", "print", TEXT["b_print"].en, priority=True, tooltip=TEXT["t_print"].en),
        Binding("escape", "back", TEXT["b_back"].en, tooltip=TEXT["t_back"].en),
    ]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(inspection_id, "sampling-form-screen")
        self._error: tuple[str, str] | None = None
        """The refused field and the message from the use-case."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="lot-head")
        with VerticalScroll(id="form-body"):
            yield Label("", id="form-intro")
            for field in FIELD_IDS:
                with Horizontal(classes="form-row"):
                    yield Label("", id=f"{widget_id(field)}-label", classes="form-label")
                    yield Input(id=widget_id(field), compact=True, disabled=field == "lot_size")
                yield error_line(widget_id(field))
        yield Label("", id="status")
        yield Label("", id="form-keys")
        yield FitFooter()

    async def on_mount(self) -> None:
        from fieldtool.usecases.sampling_form import sampling_form_text

        state = await self.load()
        if state is None:
            return
        self.state = state
        text = await self.call(lambda s: sampling_form_text(s, self.inspection_id))
        if text is not None:
            for field in FIELD_IDS:
                self.query_one(f"#{widget_id(field)}", Input).value = text[field]
        self.relabel()
        self.set_focus(self.query_one(f"#{widget_id(FIELD_IDS[0])}", Input))

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        if self.state is not None:
            self.show_lot_head(self.state.inspection.header)
        self.query_one("#form-intro", Label).update(self.tr(TEXT["intro"]))
        for field in FIELD_IDS:
            self.query_one(f"#{widget_id(field)}-label", Label).update(self.tr(TEXT[field]))
            hint = TEXT.get(f"h_{field}")
            self.query_one(f"#{widget_id(field)}", Input).placeholder = self.tr(hint) if hint else ""
        self._kind_in_language()
        self._show_error()
        self.query_one("#form-keys", Label).update(self.tr(TEXT["keys"]))

    def _kind_in_language(self) -> None:
        """The kind of unit in the screen's language (the use-case reads either word)."""
        box = self.query_one(f"#{widget_id('unit_kind')}", Input)
        for words in UNIT_KINDS:
            if box.value.strip().casefold() in (words.en, words.zh):
                box.value = self.tr(words)

    def _field_error(self, field: str) -> tuple[T, dict[str, object]] | None:
        if self._error is None or self._error[0] != field:
            return None
        # The use-case words the problem after the field's name; the name is shown in the screen's language.
        problem = re.split("[:：]", self._error[1], maxsplit=1)[-1].strip()
        return (T("{label}: {problem}", "{label}：{problem}"),
                {"label": self.tr(TEXT[field]).rstrip(" *"), "problem": problem})

    def _show_error(self) -> None:
        for field in FIELD_IDS:
            show_field_error(self, widget_id(field), self._field_error(field))
        error = self._field_error(self._error[0]) if self._error is not None and self._error[0] in FIELD_IDS else None
        if error is not None:
            self._status(self.tr(error[0], **error[1]), error=True)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: on to the next field; from the last one, save."""
        event.stop()
        if event.input.id == widget_id(FIELD_IDS[-1]):
            await self.action_save()
        else:
            self.focus_next()

    async def action_save(self) -> None:
        """Check the form through the use-case, record it and go back; a refused field says why under it."""
        if await self._save():
            self.dismiss()

    async def action_print(self) -> None:
        """Save the form (as Ctrl+S), then write it to a PDF in the reports directory; stay on the form."""
        if await self._save():
            self.run_worker(self.fapp.export_sampling_form(self.inspection_id), group="report")

    async def _save(self) -> bool:
        from fieldtool.usecases.sampling_form import SamplingFormError, record_sampling_form

        typed = {f: self.query_one(f"#{widget_id(f)}", Input).value for f in FIELD_IDS if f != "lot_size"}
        try:
            stored: StoredSamplingForm = await self.fapp.runner.call(
                lambda s: record_sampling_form(s, self.inspection_id, typed))
        except SamplingFormError as e:
            self._error = (e.field, message_in(e, self.lang))
            self._show_error()
            if e.field in FIELD_IDS:
                self.set_focus(self.query_one(f"#{widget_id(e.field)}", Input))
            return False
        except FieldtoolError as e:
            self._status(message_in(e, self.lang), error=True)
            return False
        self._error = None
        self._show_error()
        self._status("")
        self.notify(self.tr(TEXT["saved"], no=stored.form.form_no), timeout=4)
        return True

    def action_back(self) -> None:
        """Leave without saving."""
        self.dismiss()


class EnvironmentModal(FieldtoolModal["EnvironmentReading | None"]):
    """Asks for the ambient temperature and relative humidity and records them; returns the reading, or None."""

    CSS_PATH = Path(__file__).with_name("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", TEXT["cancel"].en)]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(classes="fieldtool-modal")
        self.inspection_id = inspection_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.tr(TEXT["env_title"]), classes="dialog-title")
            yield Label(self.tr(TEXT["env_temperature"]))
            yield Input(id="temperature")
            yield Label(self.tr(TEXT["env_humidity"]))
            yield Input(id="humidity")
            yield Label("", id="dialog-error", classes="dialog-error")
            yield Label(self.tr(TEXT["env_keys"]), classes="dialog-keys")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: from the temperature to the humidity; from the humidity, record both."""
        from fieldtool.usecases.sampling_form import record_environment

        event.stop()
        if event.input.id == "temperature":
            self.set_focus(self.query_one("#humidity", Input))
            return
        temperature = self.query_one("#temperature", Input).value
        humidity = self.query_one("#humidity", Input).value
        try:
            reading = await self.fapp.runner.call(
                lambda s: record_environment(s, self.inspection_id, temperature, humidity))
        except FieldtoolError as e:
            self.query_one("#dialog-error", Label).update(message_in(e, self.lang))
            field = "#humidity" if "humidity" in str(e) else "#temperature"
            self.set_focus(self.query_one(field, Input))
            return
        self.dismiss(reading)

    def action_cancel(self) -> None:
        """Leave without recording."""
        self.dismiss(None)
