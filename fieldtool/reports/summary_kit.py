"""Provides the programme summary's small helpers: the failing mark and colours, text in the report's language(s).

The summary's sections (``summary.py``, ``summary_figures.py``) share them.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle

from fieldtool.reports.document import ReportStyles, bi_text
from fieldtool.reports.summary_model import Counts

FAIL_FILL = colors.HexColor("#F2C4C0")
"""Failing cells of the matrix: a light red that prints as a clear grey."""
FAIL_TEXT = colors.HexColor("#8E1010")
"""Text of failing cells (prints as near black)."""
MARK = "▲"
"""The mark of a failing cell (with the shading, so the matrix reads in black and white)."""


def bt(styles: ReportStyles, zh: str, en: str, sep: str = " / ") -> str:
    """Plain text in the report's language(s) (`bi_text`)."""
    return bi_text(zh, en, styles.lang, sep)


def name_label(styles: ReportStyles, zh: str, en: str) -> str:
    """A city's or a product's name in the report's language(s), on one line."""
    return bt(styles, zh, en, sep=" ")


def derive(name: str, base: ParagraphStyle, **kw: Any) -> ParagraphStyle:
    """A paragraph style that is ``base`` with ``kw`` changed."""
    return ParagraphStyle(name, parent=base, **kw)


def failed_text(c: Counts) -> str:
    """Lots failed as printed in a table: ``▲ 3``, or ``0``."""
    return f"{MARK} {c.failed}" if c.failed else "0"


__all__ = ["FAIL_FILL", "FAIL_TEXT", "MARK", "bt", "derive", "failed_text", "name_label"]
