"""Provides the key descriptions in the current language, for the Footer and the help screen.

A binding's description is translated when the module of the screen that binds it has a `TEXT`
entry whose English is that description (as the screens write them), else from `ACTION_TEXT`
by action name, else it is shown as written.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from rich.align import Align
from rich.text import Text
from textual.binding import ActiveBinding, Binding
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.widgets.option_list import Option

from fieldtool.tui.i18n import T

ACTION_TEXT = {
    "new": T("New inspection", "新建检验"),
    "home": T("Home", "首页"),
    "undo": T("Undo last", "撤销上一件"),
    "verdict": T("Verdict", "判定"),
    "toggle_focus": T("Table / input", "表格 / 输入"),
    "positions": T("Positions", "抽样位置"),
    "help": T("Help", "帮助"),
    "quit": T("Quit", "退出"),
    "toggle_language": T("中文/English", "中文/English"),
    "toggle_theme": T("Light / dark", "浅色 / 深色"),
    "sync": T("Sync", "同步"),
    "command_palette": T("Commands", "命令面板"),
    "focus_next": T("Next field", "下一项"),
    "focus_previous": T("Previous field", "上一项"),
    "copy_text": T("Copy selected text", "复制所选文字"),
    "cancel": T("Cancel", "取消"),
    "close": T("Close", "关闭"),
    "save": T("Save", "保存"),
    "dismiss": T("Close the list", "收起列表"),
    "escape": T("Close", "关闭"),
    "show_overlay": T("Open the list", "展开列表"),
    "select": T("Choose", "选择"),
    "cursor_up": T("Up", "上移"),
    "cursor_down": T("Down", "下移"),
    "submit": T("Confirm", "确认"),
}
"""Descriptions of the actions every screen may bind, by action name (namespace removed)."""

_KEY_NAMES = {
    "escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Space", "slash": "/", "question_mark": "?",
    "up": "↑", "down": "↓", "left": "←", "right": "→", "pageup": "PgUp", "pagedown": "PgDn",
    "home": "Home", "end": "End", "backspace": "Backspace", "delete": "Del", "insert": "Ins",
}


def key_label(key: str) -> str:
    """A key as people write it: ``ctrl+z`` → ``Ctrl+Z``, ``escape`` → ``Esc``, ``f1`` → ``F1``."""
    *modifiers, name = key.split("+")
    shown = _KEY_NAMES.get(name, name.upper() if len(name) == 1 or name[:1] == "f" else name.capitalize())
    return "+".join([*(m.capitalize() for m in modifiers), shown])


def action_name(action: str) -> str:
    """The action without its namespace or parameters: ``app.focus_next`` → ``focus_next``."""
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


def _module_text(node: DOMNode, english: str, lang: str) -> str | None:
    """`english` in `lang`, from the `TEXT` of the node's module, if it has that text."""
    texts = getattr(sys.modules.get(type(node).__module__), "TEXT", None)
    if english and isinstance(texts, dict):
        for text in texts.values():
            if isinstance(text, T) and text.en == english:
                return text.render(lang)
    return None


def key_text(node: DOMNode, binding: Binding, lang: str) -> str:
    """What a binding does, in `lang` (its short description, as the Footer shows it); empty when it says nothing.

    Args:
        node: where the binding is defined (a screen or the app); its module's `TEXT` is searched.
        binding: the binding.
        lang: ``en`` or ``zh``.
    """
    found = _module_text(node, binding.description, lang)
    if found is not None:
        return found
    known = ACTION_TEXT.get(action_name(binding.action))
    if known is not None:
        return known.render(lang)
    # An unknown binding keeps its own words; one without any (a hidden helper key) has none to show.
    return binding.description


def tooltip_text(node: DOMNode, binding: Binding, lang: str) -> str:
    """A binding's tooltip in `lang`; empty when it has none, or none in that language."""
    found = _module_text(node, binding.tooltip, lang)
    if found is not None:
        return found
    return binding.tooltip if lang == "en" else ""


def translated_bindings(active: dict[str, ActiveBinding], lang: str) -> dict[str, ActiveBinding]:
    """Active bindings with their descriptions in `lang`, for the Footer.

    Args:
        active: a screen's `active_bindings` as Textual computes them.
        lang: ``en`` or ``zh``.
    """
    translated: dict[str, ActiveBinding] = {}
    for key, ab in active.items():
        if not ab.binding.description:
            translated[key] = ab
            continue
        tooltip = tooltip_text(ab.node, ab.binding, lang)
        binding = replace(ab.binding, description=key_text(ab.node, ab.binding, lang), tooltip=tooltip)
        translated[key] = ab._replace(binding=binding, tooltip=tooltip)
    return translated


class FieldtoolCommandPalette(CommandPalette):
    """Textual's command palette with its own words in the app's language (the search line, "no matches").

    Args:
        no_matches: what the list says when nothing matches the search.
        placeholder: the search line's placeholder.
        id: the screen's id (Textual's palette uses ``--command-palette``).
    """

    def __init__(self, no_matches: str, *, placeholder: str, id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self._no_matches_text = no_matches

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # As Textual's, with the words translated (Textual 8.2.8 writes them inline).
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(self._no_matches_text, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
