"""Provides `BalanceModal`: adds a balance to the register (make, model, serial, Max, d, e, class, MPE, certificate, due date).

Keys: Tab / Shift+Tab or Enter move between fields (Enter on the last one saves); Ctrl+S saves;
Esc cancels. Each field says what to type when it is wrong; the balance is stored only when
every field is right, and the dialog returns it. A balance just tested in Settings comes with
what it reported about itself (make, model, serial, Max) already filled in, and its connection
is stored with it.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select

from fieldtool.core.inspection import Balance
from fieldtool.tui.base import FieldtoolModal
from fieldtool.tui.forms import enter_moves_on, error_line, parse_day, parse_positive, show_field_error
from fieldtool.tui.i18n import T

if TYPE_CHECKING:
    from fieldtool.balance.reading import Identity

TEXT = {
    "title": T("Add a balance to the register", "登记天平"),
    "connection": T("Connection: {connection}", "连接：{connection}"),
    "make": T("Make", "制造商"),
    "model": T("Model", "型号"),
    "serial": T("Serial no.", "出厂编号"),
    "unit": T("Unit", "单位"),
    "max": T("Max", "最大秤量 Max"),
    "d": T("d (scale interval)", "实际分度值 d"),
    "e": T("e (verification)", "检定分度值 e"),
    "class": T("Accuracy class", "准确度等级"),
    "mpe": T("MPE", "最大允许误差 MPE"),
    "certificate": T("Certificate no.", "证书编号"),
    "due": T("Calibration due", "校准有效期至"),
    "ph_optional": T("optional", "可选"),
    "ph_date": T("YYYY-MM-DD", "YYYY-MM-DD"),
    "class_unknown": T("unknown", "未知"),
    "keys": T("Ctrl+S: save · Enter: next field · Esc: cancel", "Ctrl+S：保存 · Enter：下一项 · Esc：取消"),
    "e_make": T("make: type the manufacturer, as on the plate", "制造商：请按铭牌输入"),
    "e_model": T("model: type the model, as on the plate", "型号：请按铭牌输入"),
    "e_serial": T("serial number: type it as on the plate", "出厂编号：请按铭牌输入"),
    "e_max": T("Max: type the capacity, a number such as 6200", "最大秤量：请输入数字，如 6200"),
    "e_d": T("d: type the scale interval, a number such as 0.01", "实际分度值：请输入数字，如 0.01"),
    "e_d_max": T("d: must be smaller than Max", "实际分度值：应小于最大秤量"),
    "e_e": T("e: type a number such as 0.1, or leave it empty", "检定分度值：请输入数字，如 0.1，或留空"),
    "e_e_d": T("e: must not be smaller than d", "检定分度值：不应小于实际分度值 d"),
    "e_mpe": T("MPE: type a number such as 0.2, or leave it empty", "最大允许误差：请输入数字，如 0.2，或留空"),
    "e_due": T("calibration due: type YYYY-MM-DD, or leave it empty", "校准有效期：请按 YYYY-MM-DD 输入，或留空"),
}

CLASSES = ("I", "II", "III", "IIII")
"""Accuracy classes of non-automatic weighing instruments (OIML R 76)."""

_FIELDS = ("make", "model", "serial", "unit", "max", "d", "e", "class", "mpe", "certificate", "due")


class BalanceModal(FieldtoolModal[Balance | None]):
    """Asks for a balance's figures and adds it to the register; returns the stored balance, or None."""

    CSS_PATH: ClassVar[list[str | PurePath]] = [Path(__file__).with_name("modals.tcss"), Path(__file__).with_name("balance.tcss")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, *, identity: Identity | None = None, connection: str | None = None) -> None:
        """Args:
            identity: what a connected balance reported: its make, model, serial number, Max and
                unit are filled in where it reports them.
            connection: how the balance is reached; stored with it in the register.
        """
        super().__init__(classes="fieldtool-modal balance-modal")
        self._identity = identity
        self._connection = connection

    def compose(self) -> ComposeResult:
        optional = self.tr(TEXT["ph_optional"])
        with Vertical(classes="dialog"):
            yield Label(self.tr(TEXT["title"]), classes="dialog-title")
            if self._connection:
                yield Label(self.tr(TEXT["connection"], connection=self._connection), id="balance-connection")
            with VerticalScroll(id="balance-fields"):
                for key in _FIELDS:
                    with Horizontal(classes="field-row"):
                        yield Label(self.tr(TEXT[key]), classes="field-label")
                        if key == "unit":
                            yield Select([("g", "g"), ("kg", "kg")], id="balance-unit", allow_blank=False, value="g", compact=True)
                        elif key == "class":
                            yield Select([(c, c) for c in CLASSES], id="balance-class", prompt=self.tr(TEXT["class_unknown"]), compact=True)
                        else:
                            placeholder = self.tr(TEXT["ph_date"]) if key == "due" else optional if key in ("e", "mpe", "certificate") else ""
                            yield Input(id=f"balance-{key}", placeholder=placeholder, compact=True)
                    yield error_line(f"balance-{key}")
            yield Label(self.tr(TEXT["keys"]), classes="dialog-keys")

    def on_mount(self) -> None:
        self._prefill()
        inputs = [self.query_one(f"#balance-{key}", Input) for key in _FIELDS if key not in ("unit", "class")]
        # The first field still to type: d, after a balance that reported make, model, serial and Max.
        empty = [i for i in inputs if not i.value]
        self.set_focus((empty or inputs)[0])

    def _prefill(self) -> None:
        """Fill in what the balance reported about itself."""
        identity = self._identity
        if identity is None:
            return
        for key, value in (("make", identity.make), ("model", identity.model), ("serial", identity.serial)):
            if value.strip():
                self.query_one(f"#balance-{key}", Input).value = value.strip()
        if identity.capacity is not None:
            self.query_one("#balance-max", Input).value = format(identity.capacity, "f")
        if identity.capacity_unit in ("g", "kg"):
            self.query_one("#balance-unit", Select).value = identity.capacity_unit

    def _text(self, key: str) -> str:
        return self.query_one(f"#balance-{key}", Input).value.strip()

    def _errors(self) -> dict[str, T]:
        """Every wrong field with what to type."""
        errors: dict[str, T] = {}
        for key in ("make", "model", "serial"):
            if not self._text(key):
                errors[key] = TEXT[f"e_{key}"]
        max_value, d = parse_positive(self._text("max")), parse_positive(self._text("d"))
        if max_value is None:
            errors["max"] = TEXT["e_max"]
        if d is None:
            errors["d"] = TEXT["e_d"]
        elif max_value is not None and d >= max_value:
            errors["d"] = TEXT["e_d_max"]
        if self._text("e"):
            e = parse_positive(self._text("e"))
            if e is None:
                errors["e"] = TEXT["e_e"]
            elif d is not None and e < d:
                errors["e"] = TEXT["e_e_d"]
        if self._text("mpe") and parse_positive(self._text("mpe")) is None:
            errors["mpe"] = TEXT["e_mpe"]
        if self._text("due") and parse_day(self._text("due")) is None:
            errors["due"] = TEXT["e_due"]
        return errors

    def _show(self, errors: dict[str, T]) -> None:
        for key in _FIELDS:
            show_field_error(self, f"balance-{key}", errors.get(key))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        enter_moves_on(self, event, last="balance-due", save=self.action_save)

    async def action_save(self) -> None:
        """Store the balance when every field is right."""
        errors = self._errors()
        self._show(errors)
        if errors:
            first = next(k for k in _FIELDS if k in errors)
            self.set_focus(self.query_one(f"#balance-{first}"))
            return
        cls = self.query_one("#balance-class", Select).value
        unit_value = self.query_one("#balance-unit", Select).value
        accuracy_class = "" if cls is Select.NULL else str(cls)
        due = parse_day(self._text("due"))
        balance = await self.call(
            lambda s: s.add_balance(
                make=self._text("make"), model=self._text("model"), serial=self._text("serial"),
                max_capacity=self._text("max"), d=self._text("d"), unit_symbol=str(unit_value), e=self._text("e"),
                accuracy_class=accuracy_class, mpe=self._text("mpe"), certificate=self._text("certificate"),
                calibration_due=due, connection=self._connection or None,
            )
        )
        if balance is not None:
            self.dismiss(balance)

    def action_cancel(self) -> None:
        self.dismiss(None)
