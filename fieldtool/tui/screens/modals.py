"""Provides the small dialogs: ask for a reason, correct a package, confirm."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label

from fieldtool.tui.base import FieldtoolModal
from fieldtool.tui.i18n import T

TEXT = {
    "reason": T("Reason (required, kept in the record)", "原因（必填，记入记录）"),
    "value": T("New value: {hint}", "新数值：{hint}"),
    "keys": T("Enter: save · Esc: cancel", "Enter：保存 · Esc：取消"),
    "need_reason": T("type a reason: it is kept with the record", "请填写原因：原因将记入记录"),
    "need_value": T("type the new value", "请输入新数值"),
    "confirm_keys": T("Y / Enter: yes · N / Esc: no", "Y / Enter：是 · N / Esc：否"),
}


class ReasonModal(FieldtoolModal[str | None]):
    """Asks for a reason (undo, correction); returns it, or None when cancelled."""

    CSS_PATH = Path(__file__).with_name("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__(classes="fieldtool-modal")
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Label(self.tr(TEXT["reason"]))
            yield Input(id="reason")
            yield Label("", id="dialog-error", classes="dialog-error")
            yield Label(self.tr(TEXT["keys"]), classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#dialog-error", Label).update(self.tr(TEXT["need_reason"]))
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CorrectionModal(FieldtoolModal[tuple[str, str] | None]):
    """Asks for a package's new value and the reason; returns (value text, reason) or None."""

    CSS_PATH = Path(__file__).with_name("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, hint: str, current: str) -> None:
        super().__init__(classes="fieldtool-modal")
        self._title = title
        self._hint = hint
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Label(self.tr(TEXT["value"], hint=self._hint))
            yield Input(value=self._current, id="value")
            yield Label(self.tr(TEXT["reason"]))
            yield Input(id="reason")
            yield Label("", id="dialog-error", classes="dialog-error")
            yield Label(self.tr(TEXT["keys"]), classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = self.query_one("#value", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        error = self.query_one("#dialog-error", Label)
        if not value:
            error.update(self.tr(TEXT["need_value"]))
            self.set_focus(self.query_one("#value", Input))
        elif not reason:
            error.update(self.tr(TEXT["need_reason"]))
            self.set_focus(self.query_one("#reason", Input))
        else:
            self.dismiss((value, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(FieldtoolModal[bool]):
    """Asks a yes/no question."""

    CSS_PATH = Path(__file__).with_name("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="fieldtool-modal")
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._question, classes="dialog-title")
            yield Label(self.tr(TEXT["confirm_keys"]), classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
