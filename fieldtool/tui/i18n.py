"""Provides bilingual texts: every string a screen shows, in English and Chinese.

Each screen keeps its own texts as `T` constants next to the code that shows them; the app's
language picks one. There is no global catalogue to keep in step with the screens.
"""

from __future__ import annotations

import locale
import os
from typing import NamedTuple

from rich.cells import cell_len

LANGS = ("en", "zh")


class T(NamedTuple):
    """A text in English and Chinese; `str.format` fields are filled in by `render`."""

    en: str
    """English."""
    zh: str
    """Chinese (simplified)."""

    def render(self, lang: str, **fields: object) -> str:
        """The text in `lang` with its fields filled in."""
        text = self.zh if lang == "zh" else self.en
        return text.format(**fields) if fields else text


def plural(count: int, one: str, many: str) -> str:
    """The English word for `count` things: ``plural(1, "page", "pages")`` → ``page`` (Chinese has no plural)."""
    return one if count == 1 else many


def fit(text: str, width: int) -> str:
    """`text` cut to `width` terminal columns (CJK counts two), with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    while text and cell_len(text) + 1 > width:
        text = text[:-1]
    return text.rstrip() + "…"


def system_lang() -> str:
    """``zh`` when the system locale is Chinese, else ``en``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "zh" if code.lower().startswith("zh") else "en"
