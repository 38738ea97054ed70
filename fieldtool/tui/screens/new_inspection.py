"""Provides `NewInspectionScreen`: the form that opens an inspection, with the plan, T and the balance check live.

Keys: Tab / Shift+Tab (or Enter in a text field) move between fields; Enter, Up or Down opens a
list, whose options can be found by typing their first letters; Ctrl+S saves and goes on to the
sample to pull (random or systematic sampling) or straight to the lot; Ctrl+B adds a balance to
the register; Ctrl+R draws a new seed; Esc cancels (after asking, when something was typed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Label, Select
from textual.widgets.select import InvalidSelectValueError
from textual.worker import Worker

from fieldtool.core.inspection import Balance, InspectionHeader, InspectorProfile, SamplingMethod, SiteKind
from fieldtool.core.quantity import UNITS, Kind
from fieldtool.core.rules import RuleSet
from fieldtool.core.tare import TareMethod
from fieldtool.errors import FieldtoolError
from fieldtool.plans.programme import Method, Product, Programme
from fieldtool.services import LotCheck, Services
from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.i18n import T
from fieldtool.tui.screens.balance import BalanceModal, balance_summary
from fieldtool.tui.screens.modals import ConfirmModal
from fieldtool.tui.widgets.select_options import replace_options

TEXT = {
    "title": T("New inspection", "新建检验"),
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
    "retailer": T("retailer", "零售商店"),
    "simple-random": T("simple random", "简单随机抽样"),
    "systematic": T("systematic", "等距抽样"),
    "stratified": T("stratified (by hand)", "分层抽样（人工）"),
    "individual": T("individual tare", "逐个去皮"),
    "average": T("average tare", "平均皮重"),
    "net": T("net, measured directly", "直接测量净含量"),
    "standard": T("standard", "标准"),
    "mass": T("mass", "质量"),
    "volume": T("volume", "体积"),
    "length": T("length", "长度"),
    "area": T("area", "面积"),
    "count": T("count", "计数"),
    # hints
    "liquid": T(
        "liquid judged by volume: weighed, then V = m / ρ at 20 °C (typical ρ {rho} g/mL)",
        "液体按体积判定：称量后按 V = m / ρ（20 °C）换算（典型密度 {rho} g/mL）",
    ),
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
    # preview
    "p_need": T(
        "Type Qn, its unit and the lot size N: the plan, T and the balance check appear here",
        "输入标注净含量、单位和批量 N 后，此处显示抽样方案、T 和天平检查",
    ),
    "p_plan": T(
        "Plan {rules}: N = {lot} → n = {n} · λ = {lam} · allowed T1: {t1} · T2: {t2}",
        "抽样方案 {rules}：N = {lot} → n = {n} · λ = {lam} · 允许 T1 类：{t1} · T2 类：{t2}",
    ),
    "p_plan_stages": T(
        "Plan {rules}: N = {lot} → n = {n}, then {n2} more if undecided · λ = {lam} · "
        "beyond T: accept ≤ {a1}, reject ≥ {r1}; after the 2nd: accept ≤ {a2} · T2: {t2}",
        "抽样方案 {rules}：N = {lot} → n = {n}，未能判定时再抽 {n2} 件 · λ = {lam} · "
        "超过 T：≤ {a1} 接收，≥ {r1} 拒收；第二次后 ≤ {a2} 接收 · T2 类：{t2}",
    ),
    "p_tne": T(
        "T = {t} {unit} · Qn − T = {q1} {unit} · Qn − 2T = {q2} {unit}",
        "允许短缺量 T = {t} {unit} · Qn − T = {q1} {unit} · Qn − 2T = {q2} {unit}",
    ),
    "p_suitable": T("✓ balance {basis} = {error} {bunit} ≤ {frac} = {limit} {bunit}", "✓ 天平 {basis} = {error} {bunit} ≤ {frac} = {limit} {bunit}"),
    "p_unsuitable": T(
        "⚠ balance {basis} = {error} {bunit} exceeds {frac} = {limit} {bunit}: use a finer balance for this product",
        "⚠ 天平 {basis} = {error} {bunit} 超过 {frac} = {limit} {bunit}：请使用更精密的天平",
    ),
    "p_no_balance": T("no balance chosen: choose one, or Ctrl+B to add one to the register", "未选天平：请选择，或按 Ctrl+B 登记新天平"),
    "p_expired": T(
        "⚠ the balance's calibration expired on {due} (today {today}): use a calibrated balance",
        "⚠ 该天平校准已于 {due} 到期（今天 {today}）：请使用校准有效的天平",
    ),
    "p_error": T("cannot preview: {error}", "无法预览：{error}"),
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

DRAWN = (SamplingMethod.SIMPLE_RANDOM, SamplingMethod.SYSTEMATIC)
"""Sampling methods whose positions fieldtool draws from a seed."""

_UNITS_BY_KIND = {kind: [u.symbol for u in UNITS.values() if u.kind is kind] for kind in Kind}

FieldError = tuple[T, dict[str, object]]


@dataclass(frozen=True)
class _FormData:
    """What the form needs from the store, read once when it opens."""

    rule_sets: list[RuleSet]
    balances: list[Balance]
    profile: InspectorProfile | None
    latest: InspectionHeader | None
    seed: int
    today: date


def _load(s: Services) -> _FormData:
    return _FormData(
        rule_sets=s.rule_sets(), balances=s.balances(), profile=s.inspector(), latest=s.latest_header(),
        seed=s.new_sampling_seed(), today=s.today(),
    )


def parse_day(text: str) -> date | None:
    """A YYYY-MM-DD date, or None when the text is not one."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_positive(text: str) -> Decimal | None:
    """A positive finite decimal, or None."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def parse_count(text: str, minimum: int) -> int | None:
    """A whole number ≥ minimum written with digits only, or None."""
    text = text.strip()
    return int(text) if text.isdigit() and int(text) >= minimum else None


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
        self.programme: Programme | None = None
        self.data: _FormData | None = None
        self.check: LotCheck | None = None
        self._product_id: str | None = None
        self._format_errors: dict[str, FieldError] = {}
        self._rule_errors: dict[str, FieldError] = {}
        self._texts: list[tuple[Widget, str]] = []
        self._initial: dict[str, object] = {}
        self._preview_error: str | None = None
        self._saving = False


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

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form"):
            with Horizontal(classes="field-row"):
                yield self._label("city")
                yield self._select("city", [], prompt=self.tr(TEXT["pr_city"]))
            yield Label("", id="city-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("product")
                yield self._select("product", [], prompt=self.tr(TEXT["pr_product"]))
            yield Label("", id="product-info", classes="field-info")
            with Horizontal(classes="field-row"):
                yield self._label("site_name")
                yield self._input("site-name", "ph_site_name")
            yield Label("", id="site-name-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("site_address")
                yield self._input("site-address", "ph_site_address")
            with Horizontal(classes="field-row"):
                yield self._label("site_kind")
                yield self._select("site-kind", self._choices(k.value for k in SiteKind), allow_blank=False,
                                   value=SiteKind.RETAILER.value)
            with Horizontal(classes="field-row"):
                yield self._label("brand")
                yield self._input("brand", "ph_brand")
            with Horizontal(classes="field-row"):
                yield self._label("batch")
                yield self._input("batch", "ph_batch")
            with Horizontal(classes="field-row"):
                yield self._label("production_date")
                yield self._input("production-date", "ph_date", max_length=10)
            yield Label("", id="production-date-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("nominal")
                yield self._select("typical", [], prompt=self.tr(TEXT["pr_typical"]))
                yield self._input("nominal", "ph_nominal")
                yield self._select("unit", [(u, u) for u in UNITS], allow_blank=False, value="g")
            yield Label("", id="nominal-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("lot_size")
                yield self._input("lot-size", "ph_lot_size")
            yield Label("", id="lot-size-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("sampling")
                yield self._select("sampling", self._choices(m.value for m in (SamplingMethod.SIMPLE_RANDOM,
                                   SamplingMethod.SYSTEMATIC, SamplingMethod.STRATIFIED)),
                                   allow_blank=False, value=SamplingMethod.SIMPLE_RANDOM.value)
                yield self._input("seed", "ph_seed")
            yield Label("", id="seed-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("inspectors")
                yield self._input("inspector-1", "ph_inspector_1")
                yield self._input("inspector-2", "ph_inspector_2")
            yield Label("", id="inspectors-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("balance")
                yield self._select("balance", [], prompt=self.tr(TEXT["pr_balance"]))
            yield Label("", id="balance-info", classes="field-info")
            yield Label("", id="balance-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("tare")
                yield self._select("tare", self._choices(m.value for m in TareMethod), allow_blank=False,
                                   value=TareMethod.INDIVIDUAL.value)
            with Horizontal(classes="field-row"):
                yield self._label("rule_set")
                yield self._select("rule-set", [], prompt=self.tr(TEXT["pr_rule_set"]))
                yield self._select("variant", [("standard", "standard")], allow_blank=False, value="standard")
            yield Label("", id="rule-set-error", classes="field-error")
            with Horizontal(classes="field-row"):
                yield self._label("notes")
                yield self._input("notes", "ph_notes")
        with Vertical(id="preview"):
            yield Label("", id="preview-plan")
            yield Label("", id="preview-tne")
            yield Label("", id="preview-balance")
            yield Label("", id="preview-calibration")
        yield Label("", id="status")
        yield Footer()

    async def on_mount(self) -> None:
        self.title = "fieldtool"
        self.sub_title = self.tr(TEXT["title"])
        self.query_one("#variant").display = False
        self.programme = await self.call(lambda s: s.programme(self.fapp.settings.programme_id))
        self.data = await self.call(_load)
        self._fill_lists()
        self._prefill(self.template or (self.data.latest if self.data else None), full=self.template is not None)
        self._show_sampling()
        await self.refresh_preview()
        self._initial = self._values()
        self.query_one("#city" if self.programme and self.programme.cities else "#site-name").focus()

    def _fill_lists(self) -> None:
        self._fill_named_lists()
        if self.data is not None:
            self._set_options("rule-set", [(r.id, r.id) for r in self.data.rule_sets])
            self._set_options("balance", [(balance_summary(b), b.id) for b in self.data.balances])
            self.query_one("#seed", Input).value = str(self.data.seed)
            if self.data.profile is not None:
                self.query_one("#inspector-1", Input).value = self.data.profile.name
        if self.programme is not None:
            self._select_value("rule-set", self.programme.rule_set)

    def _prefill(self, h: InspectionHeader | None, *, full: bool) -> None:
        """Start from a header: the city, second inspector, balance and rules of the last inspection, or all of a template."""
        if h is None:
            return
        if h.programme_id == (self.programme.id if self.programme else None) and h.city_id:
            self._select_value("city", h.city_id)
        names = [n for n in h.inspectors if not self.data or not self.data.profile or n != self.data.profile.name]
        if names and not self.query_one("#inspector-2", Input).value:
            self.query_one("#inspector-2", Input).value = names[0]
        if h.balance_id:
            self._select_value("balance", h.balance_id)
            self._show_balance()
        if not full:
            return
        self._select_value("rule-set", h.rule_set_id)
        self._show_variants()
        self._select_value("variant", h.variant)
        if h.product_id:
            self._select_value("product", h.product_id)
            self._apply_product(self._product(h.product_id))
        self._select_value("site-kind", h.site_kind.value)
        for field_id, value in (("site-name", h.site_name), ("site-address", h.site_address), ("brand", h.brand),
                                ("batch", h.batch), ("nominal", str(h.nominal)), ("lot-size", str(h.lot_size)),
                                ("notes", h.notes)):
            self.query_one(f"#{field_id}", Input).value = value
        if h.production_date:
            self.query_one("#production-date", Input).value = h.production_date.isoformat()
        self._select_value("unit", h.unit)
        self._select_value("sampling", h.sampling_method.value)
        if h.sampling_seed is not None:
            self.query_one("#seed", Input).value = str(h.sampling_seed)
        self._select_value("tare", h.tare_method.value)

    # -- helpers -----------------------------------------------------------------------------------

    def _sel(self, field_id: str) -> Select[str]:
        return self.query_one(f"#{field_id}", Select)

    def _value(self, field_id: str) -> str | None:
        value = self._sel(field_id).value
        return None if value is Select.NULL else str(value)

    def _chosen(self, field_id: str) -> str:
        """The value of a list that always has one (no blank option)."""
        value = self._value(field_id)
        assert value is not None, field_id
        return value

    def _text(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def _set_options(self, field_id: str, options: list[tuple[str, str]]) -> None:
        replace_options(self._sel(field_id), options)

    def _select_value(self, field_id: str, value: str | None) -> None:
        """Choose an option when it exists (a stored id may have left the programme)."""
        if value is None:
            return
        try:
            self._sel(field_id).value = value
        except InvalidSelectValueError:
            pass

    def _city_name(self, city_id: str) -> str:
        assert self.programme is not None
        c = self.programme.city(city_id)
        return c.name_zh if self.lang == "zh" else c.name_en

    def _product_name(self, p: Product) -> str:
        return p.name_zh if self.lang == "zh" else p.name_en

    def _product(self, product_id: str | None) -> Product | None:
        if self.programme is None or product_id is None:
            return None
        return next((p for p in self.programme.products if p.id == product_id), None)

    def _balance(self, balance_id: str | None) -> Balance | None:
        if self.data is None or balance_id is None:
            return None
        return next((b for b in self.data.balances if b.id == balance_id), None)

    def _rules(self) -> RuleSet | None:
        rule_id = self._value("rule-set")
        if self.data is None or rule_id is None:
            return None
        return next((r for r in self.data.rule_sets if r.id == rule_id), None)

    def _values(self) -> dict[str, object]:
        values: dict[str, object] = {i.id or "": i.value for i in self.query(Input)}
        values |= {s.id or "": s.value for s in self.query(Select)}
        return values

    def _weighed(self) -> bool:
        """Whether packages are weighed (a balance is needed): a mass, or a volume by mass and density."""
        kind = UNITS[self._value("unit") or "g"].kind
        return kind is Kind.MASS or (kind is Kind.VOLUME and self._value("tare") != TareMethod.NET.value)

    # -- reacting to the fields --------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        field_id = event.select.id
        if field_id == "product":
            product_id = self._value("product")
            if product_id != self._product_id:
                self._apply_product(self._product(product_id))
        elif field_id == "typical":
            chosen = self._value("typical")
            if chosen is None:
                return
            number, symbol = chosen.split(" ", 1)
            self.query_one("#nominal", Input).value = number
            self._select_value("unit", symbol)
            self._sel("typical").clear()
            self._refresh_error("nominal")
        elif field_id == "sampling":
            self._show_sampling()
        elif field_id == "rule-set":
            self._show_variants()
        elif field_id == "balance":
            self._show_balance()
        self._schedule_preview()

    def _apply_product(self, product: Product | None) -> None:
        """A product's defaults: its units, its typical nominal quantities as quick choices, its tare method."""
        self._product_id = product.id if product else None
        info = self.query_one("#product-info", Label)
        if product is None:
            self._set_options("unit", [(u, u) for u in UNITS])
            self._set_options("typical", [])
            info.update("")
            info.display = False
            return
        self._set_options("unit", [(u, u) for u in _UNITS_BY_KIND[product.kind]])
        self._set_options("typical", [(str(q), str(q)) for q in product.nominal_quantities])
        if product.nominal_quantities:
            self._select_value("unit", product.nominal_quantities[0].unit)
        self._select_value("tare", product.default_tare.value)
        liquid = product.method is Method.MASS_AND_DENSITY
        info.update(self.tr(TEXT["liquid"], rho=product.typical_density) if liquid else "")
        info.display = liquid

    def _show_sampling(self) -> None:
        """The seed is asked only for the methods whose positions fieldtool draws."""
        self.query_one("#seed").display = self._value("sampling") in {m.value for m in DRAWN}
        if not self.query_one("#seed").display:
            self._set_error("seed", None)
        self.refresh_bindings()

    def _show_variants(self) -> None:
        """The rule set's plan variants; the choice is shown only when there is more than one."""
        rules = self._rules()
        variants = sorted(rules.plans) if rules else ["standard"]
        self._set_options("variant", [(self.tr(TEXT[v]) if v in TEXT else v, v) for v in variants])
        if self._value("variant") is None:
            self._select_value("variant", "standard")
        self.query_one("#variant").display = len(variants) > 1

    def _show_balance(self) -> None:
        b = self._balance(self._value("balance"))
        info = self.query_one("#balance-info", Label)
        info.update(balance_summary(b, long=True, lang=self.lang) if b else "")
        info.display = b is not None
        if b is not None:
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
        if field == "city" and self.programme and self.programme.cities and self._value("city") is None:
            return TEXT["e_city"], {}
        if field == "site-name" and not self._text("site-name"):
            return TEXT["e_site_name"], {}
        if field == "production-date" and self._text("production-date"):
            day = parse_day(self._text("production-date"))
            if day is None:
                return TEXT["e_date"], {}
            if self.data and day > self.data.today:
                return TEXT["e_date_future"], {"day": day, "today": self.data.today}
        if field == "nominal" and parse_positive(self._text("nominal")) is None:
            return TEXT["e_nominal"], {}
        if field == "lot-size" and parse_count(self._text("lot-size"), 1) is None:
            return TEXT["e_lot_size"], {}
        if field == "seed" and self.query_one("#seed").display and parse_count(self._text("seed"), 0) is None:
            return TEXT["e_seed"], {}
        if field == "inspectors":
            first, second = self._text("inspector-1"), self._text("inspector-2")
            if not first and not second:
                return TEXT["e_inspectors"], {}
            if first and " ".join(first.split()).casefold() == " ".join(second.split()).casefold():
                return TEXT["e_inspectors_twice"], {}
        if field == "balance" and self._weighed() and self._value("balance") is None:
            return TEXT["e_balance"], {}
        if field == "rule-set" and self._value("rule-set") is None:
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
        shown = self._format_errors.get(field) or self._rule_errors.get(field)
        label = self.query_one(f"#{field}-error", Label)
        label.update(self.tr(shown[0], **shown[1]) if shown else "")
        label.display = shown is not None

    # -- live preview ------------------------------------------------------------------------------

    async def refresh_preview(self) -> None:
        """Check Qn and N against the rule set and show the plan, T and the balance check (when both parse)."""
        nominal = parse_positive(self._text("nominal"))
        lot = parse_count(self._text("lot-size"), 1)
        unit_symbol = self._value("unit")
        rule_id = self._value("rule-set")
        variant = self._value("variant") or "standard"
        balance_id = self._value("balance")
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
        rules = self._value("rule-set")
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
        return TEXT["e_lot_range"], {"rules": self._value("rule-set"), "span": span, "lot": lot}

    def _show_preview(self) -> None:
        plan_label = self.query_one("#preview-plan", Label)
        tne_label = self.query_one("#preview-tne", Label)
        balance_label = self.query_one("#preview-balance", Label)
        calibration = self.query_one("#preview-calibration", Label)
        for label in (tne_label, balance_label, calibration):
            label.update("")
            label.display = False
        balance_label.remove_class("-warning")
        p = self.check.preview if self.check else None
        if self._preview_error is not None:
            plan_label.update(self.tr(TEXT["p_error"], error=self._preview_error))
            return
        if p is None:
            plan_label.update(self.tr(TEXT["p_need"]))
            return
        row = p.plan.row
        lam = "—" if row.lam is None else str(row.lam)
        if p.plan.multi_stage:
            first, second = row.stages[0], row.stages[1]
            plan_label.update(self.tr(
                TEXT["p_plan_stages"], rules=p.rules.id, lot=p.plan.lot_size, n=p.plan.n,
                n2=p.plan.cumulative[1] - p.plan.cumulative[0], lam=lam, a1=first.accept, r1=first.reject,
                a2=second.accept, t2=row.t2_allowed,
            ))
        else:
            t1 = row.stages[0].accept if row.stages else "—"
            plan_label.update(self.tr(TEXT["p_plan"], rules=p.rules.id, lot=p.plan.lot_size, n=p.plan.n, lam=lam,
                                      t1=t1, t2=row.t2_allowed))
        tne_label.update(self.tr(TEXT["p_tne"], t=p.tne, unit=p.unit.symbol, q1=p.qn_minus_t, q2=p.qn_minus_2t))
        tne_label.display = True
        b = self._balance(self._value("balance"))
        if p.suitability is not None and b is not None:
            s = p.suitability
            inverse = 1 / s.fraction if s.fraction else Decimal(0)
            frac = f"T/{inverse:.0f}" if inverse == inverse.to_integral_value() else f"{s.fraction} × T"
            key = "p_suitable" if s.suitable else "p_unsuitable"
            balance_label.update(self.tr(TEXT[key], basis=s.basis, error=s.error, bunit=b.unit, frac=frac, limit=s.limit))
            balance_label.set_class(not s.suitable, "-warning")
            balance_label.display = True
        elif self._weighed() and b is None:
            balance_label.update(self.tr(TEXT["p_no_balance"]))
            balance_label.display = True
        if p.calibration_expired:
            calibration.update(self.tr(TEXT["p_expired"], due=p.calibration_due, today=p.today))
            calibration.display = True

    # -- language ----------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        for widget, key in self._texts:
            if isinstance(widget, Input):
                widget.placeholder = self.tr(TEXT[key])
            elif isinstance(widget, Label):
                widget.update(self.tr(TEXT[key]))
        self._sel("city").prompt = self.tr(TEXT["pr_city"])
        self._sel("product").prompt = self.tr(TEXT["pr_product"])
        self._sel("typical").prompt = self.tr(TEXT["pr_typical"])
        self._sel("balance").prompt = self.tr(TEXT["pr_balance"])
        self._sel("rule-set").prompt = self.tr(TEXT["pr_rule_set"])
        self._fill_named_lists()
        for field in self.VALIDATED:
            self._show_error(field)
        self._apply_product_info()
        self._show_balance()
        self._show_preview()
        self.query_one("#status", Label).update("")

    def _fill_named_lists(self) -> None:
        """The options whose labels depend on the language (names of cities, products, methods)."""
        if self.programme is not None:
            self._set_options("city", [(self._city_name(c.id), c.id) for c in self.programme.cities])
            self._set_options("product", [(self._product_name(p), p.id) for p in self.programme.products])
        self._set_options("site-kind", self._choices(k.value for k in SiteKind))
        self._set_options("sampling", self._choices(m.value for m in (SamplingMethod.SIMPLE_RANDOM, SamplingMethod.SYSTEMATIC,
                                                                      SamplingMethod.STRATIFIED)))
        self._set_options("tare", self._choices(m.value for m in TareMethod))
        self._show_variants()

    def _apply_product_info(self) -> None:
        product = self._product(self._product_id)
        info = self.query_one("#product-info", Label)
        liquid = product is not None and product.method is Method.MASS_AND_DENSITY
        info.update(self.tr(TEXT["liquid"], rho=product.typical_density) if liquid and product else "")
        info.display = liquid

    # -- actions -----------------------------------------------------------------------------------

    def _header(self) -> InspectionHeader:
        """The header as typed; call only when every field is valid."""
        nominal = parse_positive(self._text("nominal"))
        lot = parse_count(self._text("lot-size"), 1)
        assert nominal is not None and lot is not None
        method = SamplingMethod(self._chosen("sampling"))
        inspectors = tuple(" ".join(n.split()) for n in (self._text("inspector-1"), self._text("inspector-2")) if n)
        return InspectionHeader(
            programme_id=self.programme.id if self.programme else None,
            city_id=self._value("city"),
            site_name=self._text("site-name"),
            site_address=self._text("site-address"),
            site_kind=SiteKind(self._chosen("site-kind")),
            product_id=self._value("product"),
            brand=self._text("brand"),
            batch=self._text("batch"),
            production_date=parse_day(self._text("production-date")),
            nominal=nominal,
            unit=self._value("unit") or "g",
            lot_size=lot,
            rule_set_id=self._value("rule-set") or "",
            variant=self._value("variant") or "standard",
            sampling_method=method,
            sampling_seed=int(self._text("seed")) if method in DRAWN else None,
            inspectors=inspectors,
            balance_id=self._value("balance"),
            tare_method=TareMethod(self._chosen("tare")),
            notes=self._text("notes"),
        )

    async def action_save(self) -> None:
        """Check every field; when all are right, open the inspection and go on."""
        if self._saving:
            return
        for field in self.VALIDATED:
            self._set_error(field, self._validate(field))
        await self.refresh_preview()
        wrong = [f for f in self.VALIDATED if f in self._format_errors or f in self._rule_errors]
        if wrong:
            self._status(self.tr(TEXT["to_fix"], n=len(wrong)), error=True)
            focus = {"inspectors": "inspector-1"}.get(wrong[0], wrong[0])
            self.query_one(f"#{focus}").focus()
            return
        header = self._header()
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
        if self._values() == self._initial:
            self.app.call_later(self.fapp.go_home)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.call_later(self.fapp.go_home)

        self.app.push_screen(ConfirmModal(self.tr(TEXT["discard"])), callback=answered)

    def action_add_balance(self) -> None:
        """Add a balance to the register, then choose it."""

        def added(balance: Balance | None) -> None:
            if balance is None or self.data is None:
                return
            self.data = dataclasses.replace(self.data, balances=[*self.data.balances, balance])
            self._set_options("balance", [(balance_summary(b), b.id) for b in self.data.balances])
            self._sel("balance").value = balance.id
            self._status(self.tr(TEXT["balance_added"], name=balance_summary(balance)))
            self._sel("balance").focus()

        self.app.push_screen(BalanceModal(), callback=added)

    async def action_new_seed(self) -> None:
        """Draw a new seed for the sample (random and systematic sampling)."""
        seed = await self.call(lambda s: s.new_sampling_seed())
        if seed is not None:
            self.query_one("#seed", Input).value = str(seed)
            self._status(self.tr(TEXT["seeded"], seed=seed))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_seed" and self.is_mounted and self.query("#sampling"):
            return self._value("sampling") in {m.value for m in DRAWN}
        return True
