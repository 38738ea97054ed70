"""Provides `DensityScreen`: the density at 20 °C of a liquid judged by volume from weighed masses (V = m / ρ).

Two ways: a calibrated flask (its volume, the filled and the empty flask weighed; ρ is shown live
before saving), or a density typed in (from a density meter). The product's temperature is
recorded, with a warning outside 20 ± 2 °C. Keys: Tab / Enter move between fields (Enter on the
last one saves); Ctrl+S saves and goes on to the lot; Esc goes back to Home.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Input, Label, Select

from fieldtool.core.plausibility import ImplausibleWeight
from fieldtool.core.quantity import density_from_flask
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.plans.programme import DENSITY_RANGE
from fieldtool.tui.base import InspectionScreen
from fieldtool.tui.forms import FormFields, enter_moves_on, error_line, parse_decimal, parse_positive, show_field_error
from fieldtool.tui.i18n import T
from fieldtool.tui.screens.modals import ConfirmModal
from fieldtool.tui.widgets.footer import FitFooter

TEXT = {
    "title": T("Density at 20 °C", "20 °C 密度"),
    "explain": T(
        "Labelled by volume, judged from weighed masses: V = m / ρ. Measure ρ with the product at 20 ± 2 °C.",
        "按体积标注、以称量质量判定：V = m / ρ。请在产品温度 20 ± 2 °C 时测定密度。",
    ),
    "typical": T("Typical ρ of this product: {rho} g/mL.", "该商品典型密度：{rho} g/mL。"),
    "method": T("Method", "方法"),
    "flask": T("calibrated flask", "容量瓶法"),
    "typed": T("density typed in (density meter)", "直接输入密度（密度计）"),
    "volume": T("Flask volume (mL)", "容量瓶体积（mL）"),
    "filled": T("Filled flask (g)", "装满后质量（g）"),
    "empty": T("Empty flask (g)", "空瓶质量（g）"),
    "density": T("Density ρ (g/mL)", "密度 ρ（g/mL）"),
    "temperature": T("Temperature (°C)", "温度（°C）"),
    "ph_volume": T("e.g. 100", "如 100"),
    "ph_filled": T("e.g. 215.42", "如 215.42"),
    "ph_empty": T("e.g. 98.51", "如 98.51"),
    "ph_density": T("e.g. 1.035", "如 1.035"),
    "ph_temperature": T("e.g. 20.4", "如 20.4"),
    "ph_temperature_optional": T("e.g. 20.4 (optional)", "如 20.4（可选）"),
    "rho": T("ρ = ({filled} − {empty}) g / {volume} mL = {rho} g/mL", "ρ = ({filled} − {empty}) g / {volume} mL = {rho} g/mL"),
    "rho_typed": T("ρ = {rho} g/mL", "ρ = {rho} g/mL"),
    "rho_need": T("type the flask volume and both weighings: ρ appears here", "输入容量瓶体积和两次称量结果后，此处显示 ρ"),
    "rho_need_typed": T("type the density: it is used for every package (V = m / ρ)", "输入密度：每件包装都按 V = m / ρ 换算"),
    "rho_range": T(
        "⚠ ρ = {rho} g/mL is outside {low} … {high} g/mL: check the unit (g/mL, not kg/m³)",
        "⚠ ρ = {rho} g/mL 不在 {low} … {high} g/mL 之间：请检查单位（g/mL，而非 kg/m³）",
    ),
    "temp_warning": T(
        "⚠ {temp} °C is outside 20 ± 2 °C: the density measured is not the one at 20 °C",
        "⚠ {temp} °C 超出 20 ± 2 °C：所测密度不是 20 °C 时的密度",
    ),
    "e_volume": T("flask volume: type its calibrated volume in mL, such as 100", "容量瓶体积：请输入校准体积（mL），如 100"),
    "e_filled": T("filled flask: type its weight in g, such as 215.42", "装满后质量：请输入克数，如 215.42"),
    "e_empty": T("empty flask: type its weight in g, such as 98.51", "空瓶质量：请输入克数，如 98.51"),
    "e_filled_empty": T("filled flask: it must weigh more than the empty flask", "装满后质量：应大于空瓶质量"),
    "e_density": T("density: type ρ in g/mL, such as 1.035", "密度：请输入 g/mL 数值，如 1.035"),
    "e_temperature": T("temperature: type the product's temperature in °C, such as 20.4", "温度：请输入产品温度（°C），如 20.4"),
    "confirm_temp": T(
        "The product was at {temp} °C, outside 20 ± 2 °C. Save this density anyway?",
        "产品温度为 {temp} °C，超出 20 ± 2 °C。仍要保存该密度吗？",
    ),
    "ask": T("{question}. Save it as typed?", "{question}。仍按输入保存吗？"),
    "k_save": T("Save density", "保存密度"),
    "k_home": T("Home", "首页"),
}

REFERENCE_C = Decimal(20)
"""Volumes are referred to 20 °C (JJF 1070-2005)."""
TOLERANCE_C = Decimal(2)
"""A flask density is taken with the product at 20 ± 2 °C."""

_FLASK_FIELDS = ("volume", "filled", "empty")
_FIELDS = ("volume", "filled", "empty", "density", "temperature")


class DensityScreen(FormFields, InspectionScreen):
    """Records the density a liquid's weighed masses are converted with."""

    CSS_PATH = Path(__file__).with_name("density.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", TEXT["k_save"].en, priority=True),
        Binding("escape", "home", TEXT["k_home"].en),
    ]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(inspection_id, "density-screen")
        self._typical: Decimal | None = None
        self._errors: dict[str, T] = {}
        self._method = "flask"


    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="lot-head")
        yield Label("", id="explain")
        with Vertical(id="density-form"):
            with Horizontal(classes="field-row"):
                yield Label("", id="label-method", classes="field-label")
                yield Select([("flask", "flask"), ("typed", "typed")], id="density-method", allow_blank=False,
                             value="flask", compact=True)
            for key in _FIELDS:
                with Horizontal(classes="field-row", id=f"row-{key}"):
                    yield Label("", id=f"label-{key}", classes="field-label")
                    yield Input(id=key, compact=True)
                yield error_line(key)
        yield Label("", id="rho")
        yield Label("", id="rho-warning", classes="warning")
        yield Label("", id="temp-warning", classes="warning")
        yield Label("", id="status")
        yield FitFooter()

    async def on_mount(self) -> None:
        state = await self.load()
        if state is not None:
            self.state = state
            self._typical = self.product.typical_density if self.product is not None else None
        self._show_method()
        self.relabel()
        self.set_focus(self.query_one("#volume", Input))

    # -- rendering ---------------------------------------------------------------------------------

    @property
    def flask(self) -> bool:
        """True for the flask method, False for a typed density."""
        return self._method == "flask"

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        self.query_one("#label-method", Label).update(self.tr(TEXT["method"]))
        self.set_options("density-method", [(self.tr(TEXT["flask"]), "flask"), (self.tr(TEXT["typed"]), "typed")])
        for key in _FIELDS:
            self.query_one(f"#label-{key}", Label).update(self.tr(TEXT[key]))
            # The flask method needs the temperature; a density meter gives ρ at 20 °C itself.
            placeholder = "ph_temperature_optional" if key == "temperature" and not self.flask else f"ph_{key}"
            self.query_one(f"#{key}", Input).placeholder = self.tr(TEXT[placeholder])
        if self.state is not None:
            self.show_lot_head(self.state.inspection.header)
        explain = self.tr(TEXT["explain"])
        if self._typical is not None:
            explain += " " + self.tr(TEXT["typical"], rho=self._typical)
        self.query_one("#explain", Label).update(explain)
        self._show_errors()
        self._show_live()

    def _show_method(self) -> None:
        flask = self.flask
        for key in _FLASK_FIELDS:
            self.query_one(f"#row-{key}").display = flask
        self.query_one("#row-density").display = not flask
        for key in ("volume", "filled", "empty", "density"):
            self._errors.pop(key, None)

    def _show_errors(self) -> None:
        for key in _FIELDS:
            show_field_error(self, key, self._errors.get(key))

    def _rho(self) -> Decimal | None:
        """ρ from what is typed, when it is complete and makes sense."""
        if not self.flask:
            return parse_positive(self.text("density"))
        volume, filled, empty = (parse_positive(self.text(k)) for k in _FLASK_FIELDS)
        if volume is None or filled is None or empty is None or filled <= empty:
            return None
        return density_from_flask(filled, empty, volume)

    def _show_live(self) -> None:
        """ρ as it would be saved, and the warnings about it and the temperature."""
        rho = self._rho()
        live = self.query_one("#rho", Label)
        if rho is None:
            live.update(self.tr(TEXT["rho_need" if self.flask else "rho_need_typed"]))
        elif self.flask:
            live.update(self.tr(TEXT["rho"], filled=self.text("filled"), empty=self.text("empty"),
                                volume=self.text("volume"), rho=rho))
        else:
            live.update(self.tr(TEXT["rho_typed"], rho=rho))
        low, high = DENSITY_RANGE
        range_warning = self.query_one("#rho-warning", Label)
        outside = rho is not None and not low <= rho <= high
        range_warning.update(self.tr(TEXT["rho_range"], rho=rho, low=low, high=high) if outside else "")
        range_warning.display = outside
        temp = parse_decimal(self.text("temperature"))
        temp_warning = self.query_one("#temp-warning", Label)
        hot = temp is not None and abs(temp - REFERENCE_C) > TOLERANCE_C
        temp_warning.update(self.tr(TEXT["temp_warning"], temp=temp) if hot else "")
        temp_warning.display = hot

    # -- reacting to the fields --------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        value = str(event.select.value)
        if event.select.id == "density-method" and value != self._method:
            self._method = value
            self._show_method()
            self.relabel()

    def on_input_changed(self, event: Input.Changed) -> None:
        key = event.input.id or ""
        if key in self._errors:
            self._errors = self._validate()
            self._show_errors()
        self._show_live()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        enter_moves_on(self, event, last="temperature", save=self.action_save)

    def _validate(self) -> dict[str, T]:
        """Every wrong field, with what to type."""
        errors: dict[str, T] = {}
        if self.flask:
            for key in _FLASK_FIELDS:
                if parse_positive(self.text(key)) is None:
                    errors[key] = TEXT[f"e_{key}"]
            filled, empty = parse_positive(self.text("filled")), parse_positive(self.text("empty"))
            if filled is not None and empty is not None and filled <= empty:
                errors["filled"] = TEXT["e_filled_empty"]
            if parse_decimal(self.text("temperature")) is None:
                errors["temperature"] = TEXT["e_temperature"]
        else:
            if parse_positive(self.text("density")) is None:
                errors["density"] = TEXT["e_density"]
            if self.text("temperature") and parse_decimal(self.text("temperature")) is None:
                errors["temperature"] = TEXT["e_temperature"]
        return errors

    # -- actions -----------------------------------------------------------------------------------

    async def action_save(self) -> None:
        """Record the density (asking first when the temperature is outside 20 ± 2 °C), then go on."""
        self._errors = self._validate()
        self._show_errors()
        if self._errors:
            first = next(k for k in _FIELDS if k in self._errors)
            self.set_focus(self.query_one(f"#{first}", Input))
            return
        temp = parse_decimal(self.text("temperature"))
        if temp is not None and abs(temp - REFERENCE_C) > TOLERANCE_C:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.app.call_later(self._record)

            self.app.push_screen(ConfirmModal(self.tr(TEXT["confirm_temp"], temp=temp)), callback=answered)
            return
        await self._record()

    async def _record(self, confirmed: bool = False) -> None:
        values: dict[str, str | None] = {"temperature_c": self.text("temperature") or None}
        if self.flask:
            values |= {"flask_volume_ml": self.text("volume"), "filled_g": self.text("filled"), "empty_g": self.text("empty")}
        else:
            values["density"] = self.text("density")
        from fieldtool.usecases.weighing import plausibility_rules

        rules = plausibility_rules(self.fapp.settings)
        try:
            await self.fapp.runner.call(
                lambda s: s.record_density(self.inspection_id, **values, confirmed=confirmed, rules=rules)
            )
        except ImplausibleWeight as exc:  # not saved: ask (naming the likely slip); yes saves it as typed

            def answered(yes: bool | None) -> None:
                if yes:
                    self.app.call_later(self._record, True)

            self.app.push_screen(ConfirmModal(self.tr(TEXT["ask"], question=message_in(exc, self.lang))), callback=answered)
            return
        except FieldtoolError as exc:
            self._status(message_in(exc, self.lang), error=True)
            return
        await self.fapp.open_inspection(self.inspection_id, replace=True)

    async def action_home(self) -> None:
        await self.fapp.go_home()
