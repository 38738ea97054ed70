"""Provides `ProfileScreen`: the inspector's profile (asked on first run) and the programme to work in.

Keys: Enter moves to the next field and saves from the last one; Ctrl+S saves from anywhere;
Space ticks or clears the programme; Esc leaves without saving once a profile exists. Each field
says under it what to type when its value is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Header, Input, Label, Static

from fieldtool.core.inspection import InspectorProfile
from fieldtool.core.programme import Programme
from fieldtool.core.rules import RuleSet
from fieldtool.infra.config import Settings
from fieldtool.tui.base import FieldtoolScreen, rules_short_name
from fieldtool.tui.forms import FieldError, error_line, show_field_error
from fieldtool.tui.i18n import T
from fieldtool.tui.key_order import settle_keys
from fieldtool.tui.widgets.footer import FitFooter

TEXT = {
    "title": T("Inspector profile", "检验员信息"),
    "welcome": T("Welcome to fieldtool: who is inspecting?", "欢迎使用 fieldtool：请填写检验员信息"),
    "edit": T("Your inspector profile", "检验员信息"),
    "intro": T(
        "Your name goes on every verdict you confirm and every report; it is kept on this device only. "
        "The number and organisation are printed with it when given.",
        "您的姓名将出现在您确认的每项判定和每份报告上，只保存在本机。填写证件号和单位后会一并打印。",
    ),
    "name": T("Name *", "姓名 *"),
    "inspector_no": T("ID number", "检定员证号"),
    "organisation": T("Organisation", "所在单位"),
    "name_hint": T("e.g. Wang Li", "如：王力"),
    "no_hint": T("optional, as on your card", "选填，与证件一致"),
    "org_hint": T("optional, e.g. Nanjing QTSB", "选填，如：南京市质量技术监督局"),
    "need_name": T("Type your full name: it is printed on every report", "请输入您的姓名：它将打印在每份报告上"),
    "too_long": T("Type at most {n} characters (now {m})", "最多输入 {n} 个字符（当前 {m} 个）"),
    "programme": T("Programme", "检查方案"),
    "programme_info": T(
        "{name} ({year}) · {cities} cities × {products} products · {lots} lots · rules {rules}",
        "{name}（{year}）· {cities} 个城市 × {products} 种商品 · 共 {lots} 批 · 检验规则 {rules}",
    ),
    "use_programme": T("Use this programme on Home and for new inspections", "在首页和新建检验中使用此方案"),
    "no_programme": T(
        "Programme {id} was not found: Home will list inspections without a matrix",
        "未找到检查方案 {id}：首页只列出检验，不显示进度矩阵",
    ),
    "keys": T(
        "Enter: next field · Ctrl+S: save · Space: tick the programme", "Enter：下一项 · Ctrl+S：保存 · 空格：勾选方案"
    ),
    "keys_edit": T(
        "Enter: next field · Ctrl+S: save · Esc: back without saving", "Enter：下一项 · Ctrl+S：保存 · Esc：不保存返回"
    ),
    "saved": T("✓ profile saved: {name}", "✓ 已保存检验员信息：{name}"),
    "b_save": T("Save", "保存"),
    "t_save": T("check every field and save the profile", "检查各项并保存检验员信息"),
    "t_back": T("leave without saving", "不保存返回"),
    "b_back": T("Back", "返回"),
}


@dataclass(frozen=True)
class ProfileField:
    """One field of the form."""

    id: str
    """The input's id (its error label is ``<id>-error``)."""
    label: str
    """Key of its label in `TEXT`."""
    hint: str
    """Key of its placeholder in `TEXT`."""
    max_length: int
    """The longest value accepted (it must fit a report's header)."""
    required: bool = False
    """True when it may not be empty."""


FIELDS = (
    ProfileField("name", "name", "name_hint", 40, required=True),
    ProfileField("inspector-no", "inspector_no", "no_hint", 40),
    ProfileField("organisation", "organisation", "org_hint", 80),
)


class ProfileScreen(FieldtoolScreen):
    """Asks for the inspector's name, ID number and organisation, and confirms the programme."""

    CSS_PATH = Path(__file__).with_name("profile.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Descriptions and tooltips are the English of TEXT entries: the Footer and Help translate them.
        Binding("ctrl+s", "save", TEXT["b_save"].en, priority=True, tooltip=TEXT["t_save"].en),
        Binding("escape", "back", TEXT["b_back"].en, tooltip=TEXT["t_back"].en),
    ]

    def __init__(self) -> None:
        super().__init__(classes="profile-screen")
        self._existing: InspectorProfile | None = None
        self._programme: Programme | None = None
        self._rules: RuleSet | None = None
        self._errors: dict[str, FieldError] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="profile-body"):
            yield Label("", id="profile-title")
            yield Static("", id="profile-intro")
            for f in FIELDS:
                with Horizontal(classes="profile-row"):
                    yield Label("", id=f"{f.id}-label", classes="profile-label")
                    yield Input(id=f.id, compact=True)
                yield error_line(f.id)
            yield Label("", id="programme-title")
            yield Static("", id="programme-info")
            yield Checkbox("", value=True, id="use-programme", compact=True)
        yield Label("", id="profile-keys")
        yield FitFooter()

    async def on_mount(self) -> None:
        self.title = "fieldtool"
        self._existing = await self.call(lambda s: s.inspector())
        offered = self._offered_programme_id()
        self._programme = await self.call(lambda s: s.programme(offered))
        if self._programme is not None:
            rule_set_id = self._programme.rule_set
            self._rules = await self.call(lambda s: s.rule_set(rule_set_id))
        self.query_one("#use-programme", Checkbox).value = bool(self.fapp.settings.programme_id)
        if self._existing is not None:
            self.query_one("#name", Input).value = self._existing.name
            self.query_one("#inspector-no", Input).value = self._existing.inspector_no
            self.query_one("#organisation", Input).value = self._existing.organisation
        self.relabel()
        self.refresh_bindings()
        # At once, not later through the app's queue: keys typed from now on go to the name.
        self.set_focus(self.query_one("#name", Input))

    def _offered_programme_id(self) -> str:
        """The programme in the settings, or the shipped one when none is in use."""
        return self.fapp.settings.programme_id or Settings().programme_id


    # -- rendering ---------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        first_run = self._existing is None
        self.query_one("#profile-title", Label).update(self.tr(TEXT["welcome"] if first_run else TEXT["edit"]))
        self.query_one("#profile-intro", Static).update(Text(self.tr(TEXT["intro"])))
        for f in FIELDS:
            self.query_one(f"#{f.id}-label", Label).update(self.tr(TEXT[f.label]))
            self.query_one(f"#{f.id}", Input).placeholder = self.tr(TEXT[f.hint])
            self._show_error(f.id)
        self.query_one("#programme-title", Label).update(self.tr(TEXT["programme"]))
        info = self.query_one("#programme-info", Static)
        box = self.query_one("#use-programme", Checkbox)
        p = self._programme
        if p is None:
            info.update(Text(self.tr(TEXT["no_programme"], id=self._offered_programme_id())))
            box.display = False
        else:
            name = (p.name_zh or p.name) if self.lang == "zh" else p.name
            info.update(Text(self.tr(TEXT["programme_info"], name=name, year=p.year, cities=len(p.cities),
                                     products=len(p.products), lots=p.total_lots, rules=self._rules_name(p.rule_set))))
            box.label = self.tr(TEXT["use_programme"])
            box.display = True
        self.query_one("#profile-keys", Label).update(self.tr(TEXT["keys"] if first_run else TEXT["keys_edit"]))

    def _show_error(self, field_id: str) -> None:
        show_field_error(self, field_id, self._errors.get(field_id))

    # -- validation and saving -----------------------------------------------------------------------

    def _validate(self, f: ProfileField) -> bool:
        """Check one field; show under it what to type when it is refused."""
        value = self.query_one(f"#{f.id}", Input).value.strip()
        if f.required and not value:
            self._errors[f.id] = (TEXT["need_name"], {})
        elif len(value) > f.max_length:
            self._errors[f.id] = (TEXT["too_long"], {"n": f.max_length, "m": len(value)})
        else:
            self._errors.pop(f.id, None)
        self._show_error(f.id)
        return f.id not in self._errors

    def on_input_changed(self, event: Input.Changed) -> None:
        """A refused field is checked again as it is corrected, so its message goes once it fits."""
        field = next((f for f in FIELDS if f.id == event.input.id), None)
        if field is not None and field.id in self._errors:
            self._validate(field)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: check the field and go to the next; on the last field, save."""
        index = next((i for i, f in enumerate(FIELDS) if f.id == event.input.id), None)
        if index is None or not self._validate(FIELDS[index]):
            return
        if index + 1 < len(FIELDS):
            self.set_focus(self.query_one(f"#{FIELDS[index + 1].id}", Input))
        else:
            await self._save()

    async def action_save(self) -> None:
        """Check every field, save the profile, take the programme choice, and go to Home."""
        await settle_keys(self)  # the keys typed before Ctrl+S are in their fields
        await self._save()

    async def _save(self) -> None:
        valid = [self._validate(f) for f in FIELDS]
        if not all(valid):
            self.set_focus(self.query_one(f"#{FIELDS[valid.index(False)].id}", Input))
            return
        name, number, organisation = (self.query_one(f"#{f.id}", Input).value.strip() for f in FIELDS)
        profile = await self.call(lambda s: s.save_inspector(name, number, organisation))
        if profile is None:
            return
        if self._programme is not None:
            chosen = self._programme.id if self.query_one("#use-programme", Checkbox).value else ""
            self.fapp.settings = replace(self.fapp.settings, programme_id=chosen)
        self.notify(self.tr(TEXT["saved"], name=profile.name), timeout=4)
        await self.fapp.go_home()

    def _rules_name(self, rule_set_id: str) -> str:
        """The programme's rule set by its standard's number in words ("JJF 1070-2005"); its id if it cannot be read."""
        r = self._rules
        if r is None or r.id != rule_set_id:
            return rule_set_id
        return rules_short_name(r, self.lang)

    def action_back(self) -> None:
        """Leave without saving (only once a profile exists: on first run one is needed)."""
        if self._existing is not None:
            self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self._existing is not None
        return True
