"""Provides `InspectionForm`: the fields of a new inspection, filled from the programme and the store, read back as a header.

The form lays out the fields (each checked one with its message line under it), offers the
lists (cities, products, units, rule sets and their plan variants, balances), starts from the
last inspection or from a template, and reads what is typed back as an `InspectionHeader`. What
is checked, the live preview and saving belong to `NewInspectionScreen`, which holds the form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select

from fieldtool.core.inspection import Balance, InspectionHeader, InspectorProfile, SamplingMethod, SiteKind
from fieldtool.core.programme import Method, Product, Programme
from fieldtool.core.quantity import UNITS, Kind
from fieldtool.core.rules import RuleSet
from fieldtool.core.tare import TareMethod
from fieldtool.tui.balance_summary import balance_summary
from fieldtool.tui.base import ScreenHelpers, rules_short_name
from fieldtool.tui.forms import FormFields, error_line, parse_count, parse_day, parse_positive
from fieldtool.tui.i18n import T

if TYPE_CHECKING:
    from fieldtool.usecases.inspection import Services

TEXT = {
    # field labels
    "city": T("City", "城市"),
    "product": T("Product", "商品"),
    "site_name": T("Site name", "受检单位"),
    "site_address": T("Site address", "单位地址"),
    "site_kind": T("Site kind", "单位类型"),
    "brand": T("Brand, name", "商标、品名"),
    "batch": T("Batch", "批号"),
    "production_date": T("Production date", "生产日期"),
    "nominal": T("Nominal Qn", "标注净含量 Qn"),
    "lot_size": T("Lot size N", "批量 N"),
    "sampling": T("Sampling, seed", "抽样方法、种子"),
    "inspectors": T("Inspectors", "检验人员"),
    "balance": T("Balance", "天平"),
    "tare": T("Tare", "皮重"),
    "rule_set": T("Rule set, plan", "检验规则、方案"),
    "notes": T("Notes", "备注"),
    # placeholders and prompts
    "ph_site_name": T("company or shop", "企业或商店名称"),
    "ph_site_address": T("street, district", "街道、区"),
    "ph_brand": T("as labelled", "按标签填写"),
    "ph_batch": T("as labelled", "按标签填写"),
    "ph_date": T("YYYY-MM-DD", "YYYY-MM-DD"),
    "ph_nominal": T("e.g. 500", "如 500"),
    "ph_lot_size": T("packages, e.g. 300", "件数，如 300"),
    "ph_seed": T("seed", "随机种子"),
    "ph_inspector_1": T("first inspector", "第一检验员"),
    "ph_inspector_2": T("second inspector", "第二检验员"),
    "ph_notes": T("optional", "可选"),
    "pr_city": T("choose a city", "选择城市"),
    "pr_product": T("other (not in the programme)", "其他（不在方案中）"),
    "pr_typical": T("typical Qn", "常见规格"),
    "pr_balance": T("no balance", "未选天平"),
    "pr_rule_set": T("choose a rule set", "选择检验规则"),
    # options
    "producer": T("producer", "生产企业"),
    "wholesaler": T("wholesaler", "批发企业"),
    "retailer": T("retailer", "零售企业"),
    "simple-random": T("simple random", "简单随机抽样"),
    "systematic": T("systematic", "等距抽样"),
    "stratified": T("stratified (by hand)", "分层抽样（人工）"),
    "individual": T("individual tare", "逐个去皮"),
    "average": T("average tare", "平均皮重"),
    "net": T("net, measured directly", "直接测量净含量"),
    "standard": T("standard", "标准"),
    # hints
    "unit_set": T("unit set to {unit} for {product} (was {old})", "单位已按{product}改为 {unit}（原为 {old}）"),
    "liquid": T(
        "liquid judged by volume: weighed, then V = m / ρ at 20 °C (typical ρ {rho} g/mL)",
        "液体按体积判定：称量后按 V = m / ρ（20 °C）换算（典型密度 {rho} g/mL）",
    ),
}

DRAWN = (SamplingMethod.SIMPLE_RANDOM, SamplingMethod.SYSTEMATIC)
"""Sampling methods whose positions fieldtool draws from a seed."""
OFFERED = (*DRAWN, SamplingMethod.STRATIFIED)
"""Sampling methods the form offers, in its order."""

_UNITS_BY_KIND = {kind: [u.symbol for u in UNITS.values() if u.kind is kind] for kind in Kind}


@dataclass(frozen=True)
class FormData:
    """What the form needs from the store, read once when it opens."""

    rule_sets: list[RuleSet]
    balances: list[Balance]
    profile: InspectorProfile | None
    latest: InspectionHeader | None
    seed: int
    today: date


def load_form_data(s: Services) -> FormData:
    """Read what the form needs from the store (on the store thread)."""
    return FormData(
        rule_sets=s.rule_sets(), balances=s.balances(), profile=s.inspector(), latest=s.latest_header(),
        seed=s.new_sampling_seed(), today=s.today(),
    )


class InspectionForm(FormFields, ScreenHelpers, VerticalScroll):
    """The fields of a new inspection, in the order they are typed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.programme: Programme | None = None
        """The programme the lot belongs to (None: an inspection outside a campaign)."""
        self.data: FormData | None = None
        """What the form needs from the store, once read."""
        self.product_id: str | None = None
        """The product whose defaults the form took last."""
        self.unit_was: str | None = None
        """The unit before the last product changed it (None: the product left it as it was), said on the form."""
        self._texts: list[tuple[Widget, str]] = []

    # -- layout ------------------------------------------------------------------------------------

    def _label(self, key: str) -> Label:
        label = Label(self.tr(TEXT[key]), classes="field-label")
        self._texts.append((label, key))
        return label

    def _input(self, field_id: str, placeholder: str, **kwargs: Any) -> Input:
        box = Input(id=field_id, placeholder=self.tr(TEXT[placeholder]), compact=True, **kwargs)
        self._texts.append((box, placeholder))
        return box

    def _select(self, field_id: str, options: Iterable[tuple[str, str]], **kwargs: Any) -> Select[str]:
        return Select(list(options), id=field_id, compact=True, **kwargs)

    def _choices(self, keys: Iterable[str]) -> list[tuple[str, str]]:
        return [(self.tr(TEXT[k]), k) for k in keys]

    def _row(self, key: str, *fields: Widget) -> Horizontal:
        """One line of the form: the field's label, then its input(s) and list(s)."""
        return Horizontal(self._label(key), *fields, classes="field-row")

    def compose(self) -> ComposeResult:
        yield self._row("city", self._select("city", [], prompt=self.tr(TEXT["pr_city"])))
        yield error_line("city")
        yield self._row("product", self._select("product", [], prompt=self.tr(TEXT["pr_product"])))
        yield Label("", id="product-info", classes="field-info")
        yield self._row("site_name", self._input("site-name", "ph_site_name"))
        yield error_line("site-name")
        yield self._row("site_address", self._input("site-address", "ph_site_address"))
        yield self._row("site_kind", self._select("site-kind", self._choices(k.value for k in SiteKind), allow_blank=False,
                                                  value=SiteKind.RETAILER.value))
        yield self._row("brand", self._input("brand", "ph_brand"))
        yield self._row("batch", self._input("batch", "ph_batch"))
        yield self._row("production_date", self._input("production-date", "ph_date", max_length=10))
        yield error_line("production-date")
        yield self._row(
            "nominal",
            self._select("typical", [], prompt=self.tr(TEXT["pr_typical"])),
            self._input("nominal", "ph_nominal"),
            self._select("unit", [(u, u) for u in UNITS], allow_blank=False, value="g"),
        )
        yield error_line("nominal")
        yield self._row("lot_size", self._input("lot-size", "ph_lot_size"))
        yield error_line("lot-size")
        yield self._row(
            "sampling",
            self._select("sampling", self._choices(m.value for m in OFFERED), allow_blank=False,
                         value=SamplingMethod.SIMPLE_RANDOM.value),
            self._input("seed", "ph_seed"),
        )
        yield error_line("seed")
        yield self._row("inspectors", self._input("inspector-1", "ph_inspector_1"), self._input("inspector-2", "ph_inspector_2"))
        yield error_line("inspectors")
        yield self._row("balance", self._select("balance", [], prompt=self.tr(TEXT["pr_balance"])))
        yield Label("", id="balance-info", classes="field-info")
        yield error_line("balance")
        yield self._row("tare", self._select("tare", self._choices(m.value for m in TareMethod), allow_blank=False,
                                             value=TareMethod.INDIVIDUAL.value))
        yield self._row(
            "rule_set",
            self._select("rule-set", [], prompt=self.tr(TEXT["pr_rule_set"])),
            self._select("variant", [("standard", "standard")], allow_blank=False, value="standard"),
        )
        yield error_line("rule-set")
        yield self._row("notes", self._input("notes", "ph_notes"))

    def on_mount(self) -> None:
        self.query_one("#variant").display = False

    def fill(self, programme: Programme | None, data: FormData | None, template: InspectionHeader | None) -> None:
        """Offer the lists and start from a template (all of it), or else from the last inspection (its city, inspectors, balance)."""
        self.programme = programme
        self.data = data
        self._fill_lists()
        self._prefill(template or (data.latest if data else None), full=template is not None)

    def _fill_lists(self) -> None:
        self._fill_named_lists()
        if self.data is not None:
            self.set_options("balance", [(balance_summary(b), b.id) for b in self.data.balances])
            self.query_one("#seed", Input).value = str(self.data.seed)
            if self.data.profile is not None:
                self.query_one("#inspector-1", Input).value = self.data.profile.name
        if self.programme is not None:
            self.select_value("rule-set", self.programme.rule_set)

    def _prefill(self, h: InspectionHeader | None, *, full: bool) -> None:
        """Start from a header: the city, second inspector, balance and rules of the last inspection, or all of a template."""
        if h is None:
            return
        if h.programme_id == (self.programme.id if self.programme else None) and h.city_id:
            self.select_value("city", h.city_id)
        names = [n for n in h.inspectors if not self.data or not self.data.profile or n != self.data.profile.name]
        if names and not self.query_one("#inspector-2", Input).value:
            self.query_one("#inspector-2", Input).value = names[0]
        if h.balance_id:
            self.select_value("balance", h.balance_id)
            self.show_balance()
        if not full:
            return
        self.select_value("rule-set", h.rule_set_id)
        self.show_variants()
        self.select_value("variant", h.variant)
        if h.product_id:
            self.select_value("product", h.product_id)
            self.apply_product(self.product(h.product_id))
        self.select_value("site-kind", h.site_kind.value)
        for field_id, value in (("site-name", h.site_name), ("site-address", h.site_address), ("brand", h.brand),
                                ("batch", h.batch), ("nominal", str(h.nominal)), ("lot-size", str(h.lot_size)),
                                ("notes", h.notes)):
            self.query_one(f"#{field_id}", Input).value = value
        if h.production_date:
            self.query_one("#production-date", Input).value = h.production_date.isoformat()
        self.select_value("unit", h.unit)
        self.select_value("sampling", h.sampling_method.value)
        if h.sampling_seed is not None:
            self.query_one("#seed", Input).value = str(h.sampling_seed)
        self.select_value("tare", h.tare_method.value)

    # -- the fields --------------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """Every field's value, by id (to tell whether anything was typed)."""
        values: dict[str, object] = {i.id or "": i.value for i in self.query(Input)}
        values |= {s.id or "": s.value for s in self.query(Select)}
        return values

    def weighed(self) -> bool:
        """Whether packages are weighed (a balance is needed): a mass, or a volume by mass and density."""
        kind = UNITS[self.value("unit") or "g"].kind
        return kind is Kind.MASS or (kind is Kind.VOLUME and self.value("tare") != TareMethod.NET.value)

    def seed_asked(self) -> bool:
        """Whether the seed field is shown (random and systematic sampling)."""
        return bool(self.query_one("#seed").display)

    # -- lookups -------------------------------------------------------------------------

    def product(self, product_id: str | None) -> Product | None:
        """A product of the programme, by id (None outside it)."""
        if self.programme is None or product_id is None:
            return None
        return self.programme.find_product(product_id)

    def balance(self, balance_id: str | None) -> Balance | None:
        """A balance of the register, by id."""
        if self.data is None or balance_id is None:
            return None
        return next((b for b in self.data.balances if b.id == balance_id), None)

    def _rules(self) -> RuleSet | None:
        rule_id = self.value("rule-set")
        if self.data is None or rule_id is None:
            return None
        return next((r for r in self.data.rule_sets if r.id == rule_id), None)

    # -- reacting to the lists ---------------------------------------------------------------------

    def apply_product(self, product: Product | None) -> None:
        """A product's defaults: its units, its typical nominal quantities as quick choices, its tare method."""
        self.product_id = product.id if product else None
        before = self.value("unit")
        if product is None:
            self.set_options("unit", [(u, u) for u in UNITS])
            self.set_options("typical", [])
        else:
            self.set_options("unit", [(u, u) for u in _UNITS_BY_KIND[product.kind]])
            self.set_options("typical", [(str(q), str(q)) for q in product.nominal_quantities])
            if product.nominal_quantities:
                self.select_value("unit", product.nominal_quantities[0].unit)
            self.select_value("tare", product.default_tare.value)
        after = self.value("unit")
        # Never silently: a product that changes the unit says so under it (JJF 1070 tables differ by unit).
        self.unit_was = before if product is not None and before is not None and after != before else None
        self.apply_product_info()

    def take_typical(self) -> bool:
        """A typical Qn chosen: it fills Qn and its unit, and the quick list is cleared. False when none is chosen."""
        chosen = self.value("typical")
        if chosen is None:
            return False
        number, symbol = chosen.split(" ", 1)
        self.query_one("#nominal", Input).value = number
        self.select_value("unit", symbol)
        self.sel("typical").clear()
        return True

    def show_sampling(self) -> bool:
        """The seed is asked only for the methods whose positions fieldtool draws; True when it is."""
        self.query_one("#seed").display = self.value("sampling") in {m.value for m in DRAWN}
        return self.seed_asked()

    def show_variants(self) -> None:
        """The rule set's plan variants; the choice is shown only when there is more than one."""
        rules = self._rules()
        variants = sorted(rules.plans) if rules else ["standard"]
        self.set_options("variant", [(self.tr(TEXT[v]) if v in TEXT else v, v) for v in variants])
        if self.value("variant") is None:
            self.select_value("variant", "standard")
        self.query_one("#variant").display = len(variants) > 1

    def show_balance(self) -> Balance | None:
        """The chosen balance's register figures under the list; returns the balance (None: none chosen)."""
        b = self.balance(self.value("balance"))
        info = self.query_one("#balance-info", Label)
        info.update(balance_summary(b, long=True, lang=self.lang) if b else "")
        info.display = b is not None
        return b

    def add_balance(self, balance: Balance) -> None:
        """A balance just added to the register: offer it and choose it."""
        if self.data is None:
            return
        self.data = dataclasses.replace(self.data, balances=[*self.data.balances, balance])
        self.set_options("balance", [(balance_summary(b), b.id) for b in self.data.balances])
        self.sel("balance").value = balance.id

    # -- language ----------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every label, placeholder, prompt and option in the current language."""
        for widget, key in self._texts:
            if isinstance(widget, Input):
                widget.placeholder = self.tr(TEXT[key])
            elif isinstance(widget, Label):
                widget.update(self.tr(TEXT[key]))
        self.sel("city").prompt = self.tr(TEXT["pr_city"])
        self.sel("product").prompt = self.tr(TEXT["pr_product"])
        self.sel("typical").prompt = self.tr(TEXT["pr_typical"])
        self.sel("balance").prompt = self.tr(TEXT["pr_balance"])
        self.sel("rule-set").prompt = self.tr(TEXT["pr_rule_set"])
        self._fill_named_lists()

    def _fill_named_lists(self) -> None:
        """The options whose labels depend on the language (names of cities, products, methods)."""
        if self.programme is not None:
            zh = self.lang == "zh"
            self.set_options("city", [(c.name_zh if zh else c.name_en, c.id) for c in self.programme.cities])
            self.set_options("product", [(p.name_zh if zh else p.name_en, p.id) for p in self.programme.products])
        if self.data is not None:
            # A rule set by its standard's number in words ("JJF 1070-2005"), never its file id; the id
            # where two would read the same.
            names = [rules_short_name(r, self.lang) for r in self.data.rule_sets]
            self.set_options("rule-set", [(name if names.count(name) == 1 else f"{name} ({r.id})", r.id)
                                          for name, r in zip(names, self.data.rule_sets, strict=True)])
        self.set_options("site-kind", self._choices(k.value for k in SiteKind))
        self.set_options("sampling", self._choices(m.value for m in OFFERED))
        self.set_options("tare", self._choices(m.value for m in TareMethod))
        self.show_variants()

    def apply_product_info(self) -> None:
        """The line under the product, in the current language: the unit it changed, the liquid hint."""
        product = self.product(self.product_id)
        info = self.query_one("#product-info", Label)
        lines = []
        if product is not None and self.unit_was is not None:
            name = product.name_zh if self.lang == "zh" else product.name_en
            lines.append(self.tr(TEXT["unit_set"], unit=self.value("unit"), product=name, old=self.unit_was))
        if product is not None and product.method is Method.MASS_AND_DENSITY:
            lines.append(self.tr(TEXT["liquid"], rho=product.typical_density))
        info.update("  ·  ".join(lines))
        info.display = bool(lines)

    # -- reading it back ---------------------------------------------------------------------------

    def header(self) -> InspectionHeader:
        """The header as typed; call only when every field is valid."""
        nominal = parse_positive(self.text("nominal"))
        lot = parse_count(self.text("lot-size"), 1)
        assert nominal is not None and lot is not None
        method = SamplingMethod(self.chosen("sampling"))
        inspectors = tuple(" ".join(n.split()) for n in (self.text("inspector-1"), self.text("inspector-2")) if n)
        return InspectionHeader(
            programme_id=self.programme.id if self.programme else None,
            city_id=self.value("city"),
            site_name=self.text("site-name"),
            site_address=self.text("site-address"),
            site_kind=SiteKind(self.chosen("site-kind")),
            product_id=self.value("product"),
            brand=self.text("brand"),
            batch=self.text("batch"),
            production_date=parse_day(self.text("production-date")),
            nominal=nominal,
            unit=self.value("unit") or "g",
            lot_size=lot,
            rule_set_id=self.value("rule-set") or "",
            variant=self.value("variant") or "standard",
            sampling_method=method,
            sampling_seed=int(self.text("seed")) if method in DRAWN else None,
            inspectors=inspectors,
            balance_id=self.value("balance"),
            tare_method=TareMethod(self.chosen("tare")),
            notes=self.text("notes"),
        )
