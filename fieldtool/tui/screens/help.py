"""Provides `HelpScreen` (F1): every key of the screen it was opened from, and how weighing works.

The key descriptions in the current language come from `fieldtool.tui.keys`.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.i18n import T
from fieldtool.tui.keys import action_name, key_label, key_text, tooltip_text
from fieldtool.tui.widgets.footer import FitFooter

TEXT = {
    "title": T("Help", "帮助"),
    "heading": T("Keys of the screen “{screen}”", "“{screen}”界面的按键"),
    "col_key": T("Key", "按键"),
    "col_what": T("What it does", "作用"),
    "unavailable": T("(not available right now)", "（当前不可用）"),
    "guide_title": T("How weighing works", "称量怎样进行"),
    "guide": T(
        "A new inspection shows the sample size n the rule set asks for the lot and, when fieldtool drew "
        "the sample, the position of each package to pull. Type each package's weight as the prompt asks "
        "(net, gross, or gross and emptied packaging) and press Enter: the weight is saved in the database "
        "first and only then shown in the table, with its shortfall d and class (T1: T < d ≤ 2T; T2: d > 2T). "
        "The panel on the right keeps the mean, s, the limit Qn − λ·s and the counts up to date. Nothing is "
        "overwritten: F6 (or Tab) moves to the table, where Enter corrects a package (the original stays in the record with "
        "your reason); Ctrl+Z withdraws the last one. Once the sample is complete, F5 opens the verdict, which "
        "you confirm with your name; after that the inspection can no longer change. Esc goes back to Home; "
        "an unfinished inspection resumes from the Home list.",
        "新建检验后，界面显示检验规则对该批要求的样本量 n；由 fieldtool 抽样时，还显示每件样品在批中的位置。"
        "按提示输入每件的称量值（净含量、毛重，或毛重和倒空后的包装重），按 Enter：数值先存入数据库，"
        "然后才显示在表格中，并给出短缺量 d 和类别（T1：T < d ≤ 2T；T2：d > 2T）。右侧面板实时更新平均值、"
        "标准差 s、限值 Qn − λ·s 和各项计数。任何数据都不会被覆盖：按 F6（或 Tab）进入表格，在某件上按 Enter 可更正"
        "（原值连同原因保留在记录中）；Ctrl+Z 撤销上一件。样本完成后按 F5 查看判定，输入您的姓名确认；"
        "确认后该检验不能再修改。Esc 返回首页；未完成的检验可从首页列表继续。",
    ),
    "database": T("Database: {path}", "数据库：{path}"),
    "keys": T("Esc: close · ↑ ↓ PgUp PgDn: scroll", "Esc：关闭 · ↑ ↓ PgUp PgDn：滚动"),
    "b_close": T("Close", "关闭"),
}

def key_rows(of: Screen[object], app: App[object], lang: str) -> list[tuple[str, str, bool]]:
    """Every key of a screen and of the app: (keys, what they do, available now).

    The screen's own keys come first, then the app's, then those every Textual screen has (Tab,
    copy). Keys bound to one action are shown together (``Y / Enter``); a key the screen binds
    hides the app's binding of it; system bindings and bindings that describe nothing are left out.
    """
    rows: dict[tuple[int, str], tuple[list[str], str, bool]] = {}
    seen: set[str] = set()
    for index, node in enumerate((of, app)):
        # Textual keeps a node's merged bindings (its class's and its bases') in `_bindings`.
        for key, bindings in node._bindings.key_to_bindings.items():
            if key in seen:
                continue
            seen.add(key)
            for binding in bindings:
                if binding.system:
                    continue
                name = action_name(binding.action)
                available = node.check_action(name, ()) is True  # None: shown greyed, not available
                group = 2 if "." in binding.action.split("(", 1)[0] else index
                text = key_text(node, binding, lang)
                if not text:  # a helper key that says nothing (Home's ↓ into the list): nothing to explain
                    continue
                # A tooltip says more than the Footer's word; the help screen shows it too.
                more = tooltip_text(node, binding, lang)
                if more and more != text:
                    text += ("：" if lang == "zh" else ": ") + more
                entry = rows.setdefault((group, name), ([], text, available))
                if key not in entry[0]:
                    entry[0].append(key)
    ordered = sorted(rows.items(), key=lambda item: item[0][0])  # stable: declaration order within a group
    return [(" / ".join(key_label(k) for k in keys), text, available) for _, (keys, text, available) in ordered]


class HelpScreen(FieldtoolScreen):
    """Lists every key of the screen it was opened from, with a short guide to weighing."""

    CSS_PATH = Path(__file__).with_name("help.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", TEXT["b_close"].en)]

    def __init__(self, of: Screen[object]) -> None:
        super().__init__(classes="help-screen")
        self.of = of

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="help-heading")
        with VerticalScroll(id="help-body"):
            yield Static("", id="help-keys")
            yield Static("", id="help-screen-text")
            yield Label("", id="help-guide-title")
            yield Static("", id="help-guide")
            yield Label("", id="help-database")
        yield Label("", id="help-hint")
        yield FitFooter()

    def on_mount(self) -> None:
        self.title = "fieldtool"
        self.relabel()
        self.set_focus(self.query_one("#help-body", VerticalScroll))


    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        screen_title = getattr(self.of, "HELP_TITLE", None)
        name = screen_title.render(self.lang) if isinstance(screen_title, T) else type(self.of).__name__
        self.query_one("#help-heading", Label).update(self.tr(TEXT["heading"], screen=name))
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column(self.tr(TEXT["col_key"]), style="bold", no_wrap=True)
        table.add_column(self.tr(TEXT["col_what"]), ratio=1)
        for keys, text, available in key_rows(self.of, self.app, self.lang):
            row = Text(text) if available else Text(f"{text} {self.tr(TEXT['unavailable'])}", style="dim")
            table.add_row(Text(keys), row)
        self.query_one("#help-keys", Static).update(table)
        screen_text = getattr(self.of, "HELP_TEXT", None)
        extra = self.query_one("#help-screen-text", Static)
        extra.update(Text(screen_text.render(self.lang)) if isinstance(screen_text, T) else "")
        extra.display = isinstance(screen_text, T)
        self.query_one("#help-guide-title", Label).update(self.tr(TEXT["guide_title"]))
        self.query_one("#help-guide", Static).update(Text(self.tr(TEXT["guide"])))
        path = self.fapp.settings.db_path or "—"
        self.query_one("#help-database", Label).update(Text(self.tr(TEXT["database"], path=path)))
        self.query_one("#help-hint", Label).update(self.tr(TEXT["keys"]))

    def action_close(self) -> None:
        """Back to the screen help was opened from."""
        self.dismiss()
