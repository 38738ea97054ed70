"""Provides the building blocks of a report's body: bilingual paragraphs, section headings and tables.

Every report sets its content with these, in the styles of `fieldtool.reports.document`, so that
the lot report and the programme summary look alike.

Text helpers (all escape their text; pass ``markup=True`` to keep reportlab markup):
``esc(text)``; ``para(text, style)``; ``bilingual(zh, en, styles, kind="body")`` -> flowables, zh
line then en line (or the one language); ``bilingual_lines(zh, en, lang, zh_style, en_style)`` the
same in any two styles; ``bi_cell(zh, en, styles, kind="cell")`` -> a table cell (list of
paragraphs); ``section(zh, en, styles, number=None, min_space=40*mm)`` -> a numbered heading with a
rule (a new page first when less than ``min_space`` is left).

Tables: ``grid_table(rows, col_widths, styles, header_rows=1, numeric_cols=(), plain_cols=(),
zebra=True, extra=())`` -> a ``Table`` with a boxed grid, grey header rows repeated on each page
(``repeatRows``), alternate row shading; string cells become paragraphs, except body cells of
``numeric_cols`` (right-aligned) and ``plain_cols`` (left-aligned), drawn as plain strings, which is
much faster for long tables; ``extra`` are further ``TableStyle`` commands (row marks).
``plain_table(rows, widths, styles, header_rows=..., numeric_from=...)`` -> a table of plain strings
only (the summary's long tables). ``key_value_table(pairs, styles, columns=2, label_width=None)`` ->
the label/value blocks of a title page. ``grid_style(header_rows=1, zebra=True) -> TableStyle`` for
hand-made tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from fieldtool.reports.document import GRID, HEAD_FILL, INK, RULE, ZEBRA_FILL, Lang, ReportStyles

# -- text helpers ---------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Escape ``text`` for reportlab paragraph markup."""
    return escape(str(text))


def para(text: object, style: ParagraphStyle, *, markup: bool = False) -> Paragraph:
    """A paragraph of ``text`` (escaped unless ``markup``)."""
    return Paragraph(str(text) if markup else esc(text), style)



def bilingual(zh: str, en: str, styles: ReportStyles, kind: str = "body", *,
              markup: bool = False) -> list[Flowable]:
    """The Chinese line then the English line (or only the report's language).

    Args:
        zh: Chinese text.
        en: English text.
        styles: The report's styles (their ``lang`` decides).
        kind: Style name (``body``, ``heading``, ``title``, ``small``, ``verdict``, ...); the English
            line uses ``kind_en``.
        markup: The texts are reportlab markup already (not escaped).
    """
    return bilingual_lines(zh, en, styles.lang, styles.get(kind), styles.get(kind, english=True), markup=markup)


def bilingual_lines(zh: str, en: str, lang: Lang, zh_style: ParagraphStyle, en_style: ParagraphStyle, *,
                    markup: bool = False, merge_same: bool = False) -> list[Flowable]:
    """The Chinese line in ``zh_style`` then the English line in ``en_style`` (or only the report's language).

    Alone, English takes the Chinese line's size and colour (`english_alone`).

    Args:
        zh: Chinese text.
        en: English text.
        lang: The report's language(s).
        zh_style: The Chinese line's style.
        en_style: The English line's style beneath the Chinese.
        markup: The texts are reportlab markup already (not escaped).
        merge_same: In both languages, print one line when the two texts are the same (a name
            without a translation).
    """
    if merge_same and lang == "both" and zh == en:
        return [para(zh, zh_style, markup=markup)]
    out: list[Flowable] = []
    if lang in ("zh", "both"):
        out.append(para(zh, zh_style, markup=markup))
    if lang in ("en", "both"):
        out.append(para(en, en_style if lang == "both" else english_alone(zh_style), markup=markup))
    return out


def english_alone(style: ParagraphStyle) -> ParagraphStyle:
    """For an English-only report the English line takes ``style``'s size and colour, wrapped at spaces."""
    return ParagraphStyle(f"{style.name}_en1", parent=style, wordWrap=None)


def bi_cell(zh: str, en: str, styles: ReportStyles, kind: str = "cell", *,
            markup: bool = False) -> list[Flowable]:
    """A table cell: the Chinese text with the English beneath in smaller type (or one language)."""
    return bilingual(zh, en, styles, kind, markup=markup)


def section(zh: str, en: str, styles: ReportStyles, number: int | str | None = None,
            *, min_space: float = 40 * mm) -> list[Flowable]:
    """A section heading: ``1  标题  Title`` on one line, a rule beneath.

    Starts a new page when less than ``min_space`` is left, so that a heading is never stranded at
    the foot of a page (a keep-with-next would push a long table to the next page whole).
    """
    prefix = f"{number}&nbsp;&nbsp;" if number is not None else ""
    if styles.lang == "both":
        text = (f"{prefix}{esc(zh)}&nbsp;&nbsp;<font size='{styles.heading_en.fontSize + 0.5}' "
                f"color='#4A4A4A'>{esc(en)}</font>")
    else:
        text = prefix + esc(zh if styles.lang == "zh" else en)
    head = Paragraph(text, ParagraphStyle("sec", parent=styles.heading, spaceBefore=9, wordWrap=None
                                          if styles.lang == "en" else "CJK"))
    rule = HRFlowable(width="100%", thickness=0.8, color=RULE, spaceBefore=1.5, spaceAfter=4)
    return [CondPageBreak(min_space), head, rule]



# -- tables ---------------------------------------------------------------------------------------


CELL_PADDING = 3
"""Left and right padding of a table cell, in points."""

_GRID: tuple[tuple[Any, ...], ...] = (
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("BOX", (0, 0), (-1, -1), 0.8, INK),
    ("INNERGRID", (0, 0), (-1, -1), 0.25, GRID),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
)
"""The house grid of every table: a box, a fine inner grid, cells centred vertically and padded."""


def grid_style(header_rows: int = 1, zebra: bool = True, nrows: int | None = None) -> TableStyle:
    """The house table style: boxed grid, grey header rows, optional alternate-row shading."""
    cmds: list[tuple[Any, ...]] = [("FONTSIZE", (0, 0), (-1, -1), 8), *_GRID]
    if header_rows:
        cmds += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_FILL),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK),
        ]
    if zebra and nrows is not None:
        for r in range(header_rows + 1, nrows, 2):
            cmds.append(("BACKGROUND", (0, r), (-1, r), ZEBRA_FILL))
    return TableStyle(cmds)


def grid_table(
    rows: Sequence[Sequence[Any]],
    col_widths: Sequence[float],
    styles: ReportStyles,
    *,
    header_rows: int = 1,
    numeric_cols: Iterable[int] = (),
    plain_cols: Iterable[int] = (),
    zebra: bool = True,
    extra: Iterable[tuple[Any, ...]] = (),
) -> Table:
    """A data table whose header rows repeat at the top of each page.

    Args:
        rows: Cells: strings (set in the ``cell`` style, ``cell_head`` in header rows), paragraphs
            or lists of flowables.
        col_widths: Column widths in points (they should add up to at most ``styles.frame_width``).
        styles: The report's styles.
        header_rows: Rows repeated on each page (``repeatRows``).
        numeric_cols: Columns whose body string cells are numbers: drawn right-aligned as plain
            strings (no paragraph: fast, never wrapped, no markup).
        plain_cols: Columns whose body string cells are short texts drawn left-aligned as plain
            strings (never wrapped, no markup), such as times.
        zebra: Shade every other body row.
        extra: Further ``TableStyle`` commands (applied last).
    """
    numeric = set(numeric_cols)
    plain = set(plain_cols) | numeric
    cooked: list[list[Any]] = []
    for r, row in enumerate(rows):
        out: list[Any] = []
        for c, cell in enumerate(row):
            if isinstance(cell, str) and not (r >= header_rows and c in plain):
                cell = para(cell, styles.cell_head if r < header_rows else styles.cell)
            out.append(cell)
        cooked.append(out)
    table = Table(cooked, colWidths=list(col_widths), repeatRows=header_rows, hAlign="LEFT")
    style = grid_style(header_rows, zebra, len(cooked))
    style.add("FONTNAME", (0, 0), (-1, -1), styles.font.name)
    style.add("TEXTCOLOR", (0, 0), (-1, -1), INK)
    for c in sorted(numeric):
        style.add("ALIGN", (c, header_rows), (c, -1), "RIGHT")
    for cmd in extra:
        style.add(*cmd)
    table.setStyle(style)
    return table


def key_value_table(
    pairs: Sequence[tuple[Any, Any]],
    styles: ReportStyles,
    *,
    columns: int = 2,
    label_width: float | None = None,
) -> Table:
    """Label/value pairs laid out in ``columns`` label+value column pairs, shaded labels.

    Labels and values may be strings (escaped, set in ``cell`` style) or flowables/lists.
    """
    width = styles.frame_width
    lw = label_width if label_width is not None else (30 * mm if columns > 1 else 45 * mm)
    vw = width / columns - lw
    data: list[list[Any]] = []
    for start in range(0, len(pairs), columns):
        row: list[Any] = []
        chunk = list(pairs[start:start + columns])
        for label, value in chunk + [("", "")] * (columns - len(chunk)):
            row.append(para(label, styles.cell) if isinstance(label, str) else label)
            row.append(para(value, styles.cell) if isinstance(value, str) else value)
        data.append(row)
    table = Table(data, colWidths=[lw, vw] * columns, hAlign="LEFT")
    cmds: list[tuple[Any, ...]] = list(_GRID)
    for c in range(0, 2 * columns, 2):
        cmds.append(("BACKGROUND", (c, 0), (c, -1), HEAD_FILL))
    table.setStyle(TableStyle(cmds))
    return table


def plain_table(rows: Sequence[Sequence[Any]], widths: Sequence[float], styles: ReportStyles, *,
                header_rows: int, numeric_from: int, extra: Sequence[tuple[Any, ...]] = (),
                font_size: float = 8, zebra: bool = True, padding: float | None = None) -> Table:
    """A table whose body cells are plain strings (fast: no paragraph per cell), in the house grid style."""
    table = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=header_rows, hAlign="LEFT")
    style = grid_style(header_rows, zebra, len(rows))
    style.add("FONTNAME", (0, 0), (-1, -1), styles.font.name)
    style.add("FONTSIZE", (0, header_rows), (-1, -1), font_size)
    style.add("LEADING", (0, header_rows), (-1, -1), font_size * 1.2)
    style.add("TEXTCOLOR", (0, 0), (-1, -1), INK)
    style.add("ALIGN", (numeric_from, header_rows), (-1, -1), "RIGHT")
    if padding is not None:
        style.add("TOPPADDING", (0, header_rows), (-1, -1), padding)
        style.add("BOTTOMPADDING", (0, header_rows), (-1, -1), padding + 0.5)
    for cmd in extra:
        style.add(*cmd)
    table.setStyle(style)
    return table


__all__ = [
    "CELL_PADDING",
    "bi_cell",
    "bilingual",
    "bilingual_lines",
    "english_alone",
    "esc",
    "grid_style",
    "grid_table",
    "key_value_table",
    "para",
    "plain_table",
    "section",
]
