"""Provides the lot report's small helpers: values as printed, times, outcome words and the `Kit` of one report.

The sections of the lot report (``lot.py``, ``lot_setup.py``, ``lot_results.py``) each take the
report's data, a `Kit` bound to its styles and language, and their section number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from reportlab.platypus import Flowable, Paragraph, Table

from fieldtool.core.chinatime import local
from fieldtool.core.evaluate import Outcome
from fieldtool.core.explain import OUTCOME_WORDS
from fieldtool.core.resolution import Resolution
from fieldtool.reports.blocks import bi_cell, bilingual, esc, key_value_table, section
from fieldtool.reports.document import Lang, ReportStyles, bi_text
from fieldtool.reports.lot_model import LotReportData

OUTCOME_PENDING = ("未判定", "NOT JUDGED")

QBAR = '<u offset="0.72*F" width="0.06*F">q</u>'
"""q̄ drawn as q with an overline: CJK fonts rarely carry the combining macron (U+0304)."""


def fmt(value: Decimal | None, unit: str = "") -> str:
    """A recorded value exactly as stored (no exponent), with its unit; ``—`` when absent."""
    if value is None:
        return "—"
    text = format(value, "f")
    if text.startswith("-"):
        text = "−" + text[1:]
    return f"{text} {unit}".rstrip()


def fmt_derived(value: Decimal | None, unit: str = "") -> str:
    """A derived value (a product or a quotient) without trailing zeros."""
    if value is None:
        return "—"
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return fmt(normal if isinstance(exponent, int) and exponent <= 0 else value.quantize(Decimal(1)), unit)


def markup(text: str) -> str:
    """Escape ``text`` for a paragraph and draw q̄ so that every font shows it."""
    return esc(text).replace("q\u0304", QBAR)


def when(moment: datetime | None) -> str:
    """A stored time as ``YYYY-MM-DD HH:MM`` in the report's time zone."""
    return "—" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M")


def clock(moment: datetime) -> str:
    """A stored time as ``HH:MM:SS`` in the report's time zone."""
    return local(moment).strftime("%H:%M:%S")


def written(data: LotReportData) -> Resolution:
    """The places the report writes the packages with: the one rule of the screens and the CSV export
    (`fieldtool.core.resolution.resolution_for`, worked out once when the report's data is gathered)."""
    return data.resolution


class Kit:
    """Small helpers bound to one report's styles and language."""

    def __init__(self, styles: ReportStyles) -> None:
        self.st = styles
        self.lang: Lang = styles.lang
        self.width = styles.frame_width

    def t(self, zh: str, en: str, sep: str = " / ") -> str:
        """Plain text in the report's language(s) (`bi_text`)."""
        return bi_text(zh, en, self.lang, sep)

    def label(self, zh: str, en: str) -> list[Flowable]:
        """A cell with a Chinese and an English wording: a label, or a value (`vb`)."""
        return bi_cell(zh, en, self.st, "cell")

    vb = label

    def head(self, zh: str, en: str) -> list[Flowable]:
        """A column heading."""
        return bi_cell(zh, en, self.st, "cell_head")

    def v(self, text: str, *, raw: bool = False) -> Paragraph:
        """A value cell (``raw``: ``text`` is markup already)."""
        return Paragraph(text if raw else markup(text), self.st.cell)

    def value(self, zh: str, en: str) -> Flowable | list[Flowable]:
        """A value in the report's language(s): both wordings (`vb`), or the one as text (`v`)."""
        return self.vb(zh, en) if self.lang == "both" else self.v(self.t(zh, en))

    def body(self, zh: str, en: str, *, raw: bool = False) -> list[Flowable]:
        """A paragraph of body text (``raw``: the texts are markup already)."""
        return bilingual(zh if raw else markup(zh), en if raw else markup(en), self.st, "body", markup=True)

    def small(self, zh: str, en: str) -> list[Flowable]:
        """A note in small type."""
        return bilingual(markup(zh), markup(en), self.st, "small", markup=True)

    def section(self, number: int, zh: str, en: str) -> list[Flowable]:
        """A numbered section heading."""
        return section(zh, en, self.st, number)

    def kv(self, pairs: Sequence[tuple[Any, Any]], columns: int = 2, label_width: float | None = None) -> Table:
        """A block of label/value pairs."""
        return key_value_table(pairs, self.st, columns=columns, label_width=label_width)


Section = Callable[[LotReportData, Kit, int], list[Flowable]]
"""A section of the lot report: its flowables from the data, the kit and its number (none: the section is left out)."""


def outcome_of(data: LotReportData) -> Outcome | None:
    """The saved verdict's outcome, else the evaluation's; None while the sample is incomplete."""
    if data.verdict is not None:
        return data.verdict.outcome
    return data.evaluation.outcome if data.evaluation is not None else None


def outcome_words(outcome: Outcome | None) -> tuple[str, str]:
    """The outcome in Chinese and English (``未判定`` / ``NOT JUDGED`` when None)."""
    if outcome is None:
        return OUTCOME_PENDING
    return OUTCOME_WORDS["zh"][outcome], OUTCOME_WORDS["en"][outcome]


__all__ = [
    "OUTCOME_PENDING",
    "QBAR",
    "Kit",
    "Section",
    "clock",
    "fmt",
    "fmt_derived",
    "markup",
    "outcome_of",
    "outcome_words",
    "when",
    "written",
]
