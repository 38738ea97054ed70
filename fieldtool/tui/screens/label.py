"""Provides `LabelScreen`: the label check (净含量标注), judged apart from the net quantity.

The inspector types the net-content statement exactly as printed (净含量：500克, 1000克（5×200克）,
净含量/沥干物：425克/250克 …), the height of its characters measured in mm (to 0.1 mm), who checked
it and, optionally, a photo reference. Each element's finding (the words, Qn, the legal unit, the
character height, a multipack, a drained quantity) is shown live, with the advice on significant
digits. Keys: Tab / Enter move between fields (Enter on the last one saves); Ctrl+S records the
check and goes back to the verdict; Esc goes back without recording. A final inspection's check is
shown, not changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Input, Label, Static

from fieldtool.core.label import ELEMENT_NAMES, LabelResult, LabelStatus
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.tui.base import InspectionScreen
from fieldtool.tui.i18n import T
from fieldtool.tui.key_order import settle_keys
from fieldtool.tui.widgets.footer import FitFooter
from fieldtool.usecases.label_check import preview_label, record_label_check

TEXT = {
    "title": T("Label check", "净含量标注检查"),
    "explain": T(
        "Type the net-content statement exactly as printed, and the height of its characters in mm (0.1 mm).",
        "按原样输入净含量标注内容，并输入实测字符高度（mm，精确到 0.1 mm）。",
    ),
    "text": T("As printed", "标注内容"),
    "height": T("Height (mm)", "字符高度（mm）"),
    "by": T("Checked by", "检查人"),
    "photo": T("Photo", "照片"),
    "ph_text": T("e.g. 净含量：500克", "如 净含量：500克"),
    "ph_height": T("e.g. 4.2", "如 4.2"),
    "ph_photo": T("file or number (optional)", "文件名或编号（可选）"),
    "need": T("type the statement and the height: the findings appear here", "输入标注内容和字符高度后，此处显示检查结果"),
    "conclusion": T("Label: {word}", "净含量标注：{word}"),
    "pass": T("PASS", "合格"),
    "fail": T("FAIL", "不合格"),
    "advice": T("Advice: {advice}", "建议：{advice}"),
    "final": T("The inspection is final: this check can no longer change.", "本检验已定稿：标注检查不可再更改。"),
    "k_save": T("Save label check", "保存标注检查"),
    "k_back": T("Back", "返回"),
}

_MARK = {LabelStatus.PASS: "✓", LabelStatus.FAIL: "✗", LabelStatus.NOT_APPLICABLE: "–"}
_FIELDS = ("text", "height", "by", "photo")


class LabelScreen(InspectionScreen):
    """Takes the label as printed and its character height, and shows the label's findings and conclusion.

    Args:
        inspection_id: the inspection.
    """

    CSS_PATH = Path(__file__).with_name("label.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", TEXT["k_save"].en, priority=True),
        Binding("escape", "back", TEXT["k_back"].en),
    ]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(inspection_id, "label-screen")
        self._result: LabelResult | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="lot-head")
        yield Label("", id="explain")
        with Vertical(id="label-form"):
            for key in _FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label("", id=f"name-{key}", classes="field-label")
                    yield Input(id=f"label-{key}", compact=True)
        with VerticalScroll(id="findings-box"):
            yield Static("", id="findings")
        yield Label("", id="conclusion")
        yield Label("", id="status")
        yield FitFooter()

    async def on_mount(self) -> None:
        state = await self.load()
        if state is not None:
            self.state = state
            h = state.inspection.header
            by = self.query_one("#label-by", Input)
            if state.label is not None:
                self.query_one("#label-text", Input).value = state.label.check.text
                self.query_one("#label-height", Input).value = str(state.label.check.height_mm)
                by.value = state.label.check.by_name
                self.query_one("#label-photo", Input).value = state.label.check.photo or ""
                self._result = state.label.result
            elif h.inspectors:
                by.value = h.inspectors[0]
            if state.inspection.is_final:
                for key in _FIELDS:
                    self.query_one(f"#label-{key}", Input).disabled = True
        self.relabel()
        self.set_focus(self.query_one("#label-text", Input))  # at once: the next key goes there

    # -- rendering ---------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        self.query_one("#explain", Label).update(self.tr(TEXT["explain"]))
        for key in _FIELDS:
            self.query_one(f"#name-{key}", Label).update(self.tr(TEXT[key]))
        for key in ("text", "height", "photo"):
            self.query_one(f"#label-{key}", Input).placeholder = self.tr(TEXT[f"ph_{key}"])
        if self.state is not None:
            self.show_lot_head(self.state.inspection.header)
        self._show()
        if self.state is not None and self.state.inspection.is_final:
            self._status(self.tr(TEXT["final"]), error=False)

    def _show(self) -> None:
        findings = self.query_one("#findings", Static)
        conclusion = self.query_one("#conclusion", Label)
        result = self._result
        if result is None:
            findings.update(self.tr(TEXT["need"]))
            conclusion.update("")
            conclusion.set_classes("")
            return
        zh = self.lang == "zh"
        lines = []
        for e in result.elements:
            name = ELEMENT_NAMES[e.code][0 if zh else 1]
            lines.append(f"{_MARK[e.status]} {name}: {e.reason_zh if zh else e.reason_en}")
        for a in result.advice:
            lines.append(self.tr(TEXT["advice"], advice=a.text_zh if zh else a.text_en))
        findings.update("\n".join(lines))
        word = self.tr(TEXT["pass" if result.passed else "fail"])
        conclusion.update(self.tr(TEXT["conclusion"], word=word))
        conclusion.set_class(result.passed, "-pass")
        conclusion.set_class(not result.passed, "-fail")

    def _value(self, key: str) -> str:
        return self.query_one(f"#label-{key}", Input).value

    # -- reacting to the fields --------------------------------------------------------------------

    async def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id not in ("label-text", "label-height") or self.state is None:
            return
        text, height = self._value("text"), self._value("height")
        if not text.strip() or not height.strip():
            self._result = None
        else:
            try:
                self._result = await self.fapp.runner.call(
                    lambda s: preview_label(s, self.inspection_id, text, height))
                self._status("", error=False)
            except FieldtoolError as exc:  # a height not yet complete: say what to type, keep what was typed
                self._result = None
                self._status(message_in(exc, self.lang), error=True)
        self._show()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        ids = [f"label-{k}" for k in _FIELDS]
        if event.input.id not in ids:
            return
        i = ids.index(event.input.id)
        if i == len(ids) - 1:
            await self._save()
        else:
            self.set_focus(self.query_one(f"#{ids[i + 1]}", Input))

    # -- actions -----------------------------------------------------------------------------------

    async def action_save(self) -> None:
        """Record the label check (the latest counts), then go back to the verdict."""
        await settle_keys(self)  # the keys typed before Ctrl+S are in their fields
        await self._save()

    async def _save(self) -> None:
        if self.state is None or self.state.inspection.is_final:
            return
        text, height, by, photo = (self._value(k) for k in _FIELDS)
        try:
            await self.fapp.runner.call(lambda s: record_label_check(
                s, self.inspection_id, text=text, height_mm=height, by_name=by, photo=photo or None))
        except FieldtoolError as exc:
            self._status(message_in(exc, self.lang), error=True)
            return
        self.dismiss(None)

    def action_back(self) -> None:
        """Back to the verdict without recording."""
        self.dismiss(None)


__all__ = ["LabelScreen"]
