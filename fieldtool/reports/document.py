"""Provides the shared document template of fieldtool's PDF reports (lot report, programme summary).

One look for every report: A4, fixed margins, a running header (title on the left, report number
on the right, a rule beneath) and footer ("第 x 页 共 y 页 / page x of y", drawn after layout by a
two-pass canvas so that y is known), an optional DRAFT / 草稿 mark on every page, paragraph styles
set in the CJK font of ``fonts.py`` (``wordWrap="CJK"`` for Chinese), bilingual helpers and table
styles whose header rows repeat on every page.

API (stable; the lot report and the programme summary both use it):

``Lang = Literal["zh", "en", "both"]``; ``LANGS``; ``check_lang(lang) -> Lang`` (``InputError``).

``DocumentMeta(report_number, title_zh, title_en, lang="both", draft=False, subject="",
author="fieldtool", keywords=(), landscape=False)``: what the running header/footer and the PDF
metadata show.

``make_styles(font: FontChoice, lang: Lang) -> ReportStyles``: named ``ParagraphStyle``s (``title``,
``title_en``, ``heading``, ``heading_en``, ``body``, ``body_en``, ``small``, ``small_en``,
``cell``, ``cell_en``, ``cell_num``, ``cell_head``, ``cell_head_en``, ``verdict``, ``verdict_en``)
plus ``font`` and ``lang``. ``ReportStyles.frame_width`` is the usable width in points.

Text helpers (all escape their text; pass ``markup=True`` to keep reportlab markup):
``esc(text)``; ``para(text, style)``; ``bilingual(zh, en, styles, kind="body")`` -> flowables, zh
line then en line (or the one language); ``bi_cell(zh, en, styles, kind="cell")`` -> a table cell
(list of paragraphs); ``bi_text(zh, en, lang, sep=" / ")`` -> a plain one-line string;
``section(zh, en, styles, number=None, min_space=40*mm)`` -> a numbered heading with a rule
(a new page first when less than ``min_space`` is left).

Tables: ``grid_table(rows, col_widths, styles, header_rows=1, numeric_cols=(), plain_cols=(),
zebra=True, extra=())`` -> a ``Table`` with a boxed grid, grey header rows repeated on each page
(``repeatRows``), alternate row shading; string cells become paragraphs, except body cells of
``numeric_cols`` (right-aligned) and ``plain_cols`` (left-aligned), drawn as plain strings, which is
much faster for long tables; ``extra`` are further ``TableStyle`` commands (row marks). ``key_value_table(pairs,
styles, columns=2, label_width=None)`` -> the label/value blocks of a title page.
``grid_style(header_rows=1, zebra=True) -> TableStyle`` for hand-made tables.

Output: ``build_pdf(path, flowables, meta, font) -> int`` renders with ``invariant=1`` and fixed
metadata (two runs are byte-identical), writes through a temporary file in the target directory
and renames it into place, and returns the page count; an unwritable path raises a one-line
``InputError``. ``render_pdf_bytes(flowables, meta, font) -> tuple[bytes, int]`` renders in memory.
Flowables are consumed by a build: make fresh ones for each call.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as to_landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from fieldtool.errors import InputError
from fieldtool.files import write_atomically
from fieldtool.reports.fonts import FontChoice

Lang = Literal["zh", "en", "both"]
LANGS: tuple[str, ...] = get_args(Lang)

PAGE_SIZE = A4
"""Portrait A4, in points."""
MARGIN_LEFT = 18 * mm
MARGIN_RIGHT = 18 * mm
MARGIN_TOP = 24 * mm
"""Room above the frame for the running header."""
MARGIN_BOTTOM = 20 * mm
"""Room below the frame for the running footer."""

INK = colors.HexColor("#111111")
MUTED = colors.HexColor("#4A4A4A")
RULE = colors.HexColor("#7A7A7A")
GRID = colors.HexColor("#9A9A9A")
HEAD_FILL = colors.HexColor("#E4E7EC")
ZEBRA_FILL = colors.HexColor("#F6F7F9")
PASS_HEX = "#1B5E20"
FAIL_HEX = "#B71C1C"
DRAFT_INK = colors.HexColor("#C62828")

_PRODUCER = "fieldtool (reportlab)"


def check_lang(lang: str) -> Lang:
    """Return ``lang`` as a ``Lang``.

    Raises:
        InputError: ``lang`` is not one of zh, en, both.
    """
    if lang not in LANGS:
        raise InputError(f"unknown report language {lang!r}; use one of {', '.join(LANGS)}")
    return cast(Lang, lang)


@dataclass(frozen=True)
class DocumentMeta:
    """What the running header and footer show, and the PDF's metadata."""

    report_number: str
    """Printed on every page, top right."""
    title_zh: str
    """Chinese title (running header and PDF title)."""
    title_en: str
    """English title."""
    lang: Lang = "both"
    """Which languages the running header/footer use."""
    draft: bool = False
    """Mark every page DRAFT / 草稿."""
    subject: str = ""
    """PDF subject metadata."""
    author: str = "fieldtool"
    """PDF author metadata."""
    keywords: tuple[str, ...] = ()
    """PDF keywords metadata."""
    landscape: bool = False
    """A4 landscape instead of portrait (wide tables)."""

    @property
    def pagesize(self) -> tuple[float, float]:
        """The page size in points."""
        return cast(tuple[float, float], to_landscape(PAGE_SIZE) if self.landscape else PAGE_SIZE)

    @property
    def title(self) -> str:
        """The title in the document's language(s)."""
        return bi_text(self.title_zh, self.title_en, self.lang)


@dataclass(frozen=True)
class ReportStyles:
    """The paragraph styles of a report, set in its font."""

    font: FontChoice
    lang: Lang
    frame_width: float
    title: ParagraphStyle
    title_en: ParagraphStyle
    heading: ParagraphStyle
    heading_en: ParagraphStyle
    body: ParagraphStyle
    body_en: ParagraphStyle
    small: ParagraphStyle
    small_en: ParagraphStyle
    cell: ParagraphStyle
    cell_en: ParagraphStyle
    cell_num: ParagraphStyle
    cell_head: ParagraphStyle
    cell_head_en: ParagraphStyle
    verdict: ParagraphStyle
    verdict_en: ParagraphStyle
    extra: dict[str, ParagraphStyle] = field(default_factory=dict)

    def get(self, kind: str, english: bool = False) -> ParagraphStyle:
        """The style ``kind`` (``kind_en`` when ``english`` and it exists)."""
        name = f"{kind}_en" if english else kind
        found = getattr(self, name, None) or self.extra.get(name)
        if found is None and english:
            found = getattr(self, kind, None) or self.extra.get(kind)
        if not isinstance(found, ParagraphStyle):
            raise KeyError(kind)
        return found


def make_styles(font: FontChoice, lang: Lang = "both", *, landscape: bool = False) -> ReportStyles:
    """Build the paragraph styles for ``font``.

    Chinese styles wrap with ``wordWrap="CJK"`` (a line may break between any two characters);
    English styles wrap at spaces, so English words are never split.
    """
    f = font.name
    page_w = (to_landscape(PAGE_SIZE) if landscape else PAGE_SIZE)[0]

    def zh(name: str, size: float, **kw: Any) -> ParagraphStyle:
        kw.setdefault("leading", size * 1.35)
        kw.setdefault("textColor", INK)
        return ParagraphStyle(name, fontName=f, fontSize=size, wordWrap="CJK", **kw)

    def en(name: str, size: float, **kw: Any) -> ParagraphStyle:
        kw.setdefault("leading", size * 1.25)
        kw.setdefault("textColor", MUTED)
        return ParagraphStyle(name, fontName=f, fontSize=size, **kw)

    return ReportStyles(
        font=font,
        lang=lang,
        frame_width=page_w - MARGIN_LEFT - MARGIN_RIGHT,
        title=zh("title", 17, alignment=TA_CENTER, leading=22, spaceAfter=1),
        title_en=en("title_en", 11.5, alignment=TA_CENTER, leading=15, textColor=INK),
        heading=zh("heading", 11, spaceBefore=0, leading=14),
        heading_en=en("heading_en", 8.5, leading=10.5),
        body=zh("body", 9, leading=12.5),
        body_en=en("body_en", 8, leading=10),
        small=zh("small", 7.5, leading=9.5),
        small_en=en("small_en", 7, leading=8.5),
        cell=zh("cell", 8, leading=10),
        cell_en=en("cell_en", 7, leading=8.4),
        cell_num=en("cell_num", 8, leading=10, alignment=TA_RIGHT, textColor=INK),
        cell_head=zh("cell_head", 8, leading=10, alignment=TA_CENTER),
        cell_head_en=en("cell_head_en", 6.8, leading=8, alignment=TA_CENTER),
        verdict=zh("verdict", 24, leading=30, alignment=TA_CENTER),
        verdict_en=en("verdict_en", 15, leading=19, alignment=TA_CENTER, textColor=INK),
    )


# -- text helpers ---------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Escape ``text`` for reportlab paragraph markup."""
    return escape(str(text))


def para(text: object, style: ParagraphStyle, *, markup: bool = False) -> Paragraph:
    """A paragraph of ``text`` (escaped unless ``markup``)."""
    return Paragraph(str(text) if markup else esc(text), style)


def bi_text(zh: str, en: str, lang: Lang, sep: str = " / ") -> str:
    """A one-line string in the report's language(s): ``zh / en``, ``zh`` or ``en``."""
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return f"{zh}{sep}{en}" if zh != en else zh


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
    out: list[Flowable] = []
    if styles.lang in ("zh", "both"):
        out.append(para(zh, styles.get(kind), markup=markup))
    if styles.lang in ("en", "both"):
        style = styles.get(kind, english=True) if styles.lang == "both" else _english_primary(styles, kind)
        out.append(para(en, style, markup=markup))
    return out


def _english_primary(styles: ReportStyles, kind: str) -> ParagraphStyle:
    """For an English-only report the English line takes the primary size and colour."""
    base = styles.get(kind)
    return ParagraphStyle(f"{base.name}_en1", parent=base, wordWrap=None)


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


def grid_style(header_rows: int = 1, zebra: bool = True, nrows: int | None = None) -> TableStyle:
    """The house table style: boxed grid, grey header rows, optional alternate-row shading."""
    cmds: list[tuple[Any, ...]] = [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOX", (0, 0), (-1, -1), 0.8, INK),
        ("INNERGRID", (0, 0), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
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
    cmds: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOX", (0, 0), (-1, -1), 0.8, INK),
        ("INNERGRID", (0, 0), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    for c in range(0, 2 * columns, 2):
        cmds.append(("BACKGROUND", (c, 0), (c, -1), HEAD_FILL))
    table.setStyle(TableStyle(cmds))
    return table


# -- page furniture -------------------------------------------------------------------------------


def _page_label(page: int, total: int, lang: Lang) -> str:
    zh = f"第 {page} 页 共 {total} 页"
    en = f"page {page} of {total}"
    return bi_text(zh, en, lang)


def _canvas_maker(meta: DocumentMeta, font: FontChoice) -> type[Canvas]:
    """A canvas class that defers every page until the end, then adds "page x of y" to each."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type stubs
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Start in the report's font, so the PDF names no font it does not embed (no Helvetica).
            kwargs.setdefault("initialFontName", font.name)
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_page_number(number, total)
                super().showPage()
            super().save()

        def _draw_page_number(self, number: int, total: int) -> None:
            w, _h = meta.pagesize
            self.saveState()
            self.setFont(font.name, 8)
            self.setFillColor(INK)
            self.drawRightString(w - MARGIN_RIGHT, MARGIN_BOTTOM - 9 * mm, _page_label(number, total, meta.lang))
            self.restoreState()

    return NumberedCanvas


def _decorate(meta: DocumentMeta, font: FontChoice, canv: Canvas) -> None:
    """Running header, footer rule, report number, and the DRAFT mark (beneath the page's content)."""
    w, h = meta.pagesize
    left, right = MARGIN_LEFT, w - MARGIN_RIGHT
    canv.saveState()
    if meta.draft:
        canv.saveState()
        canv.setFillColor(DRAFT_INK)
        canv.setFillAlpha(0.10)
        canv.translate(w / 2, h / 2)
        canv.rotate(40)
        canv.setFont(font.name, 72)
        canv.drawCentredString(0, -20, bi_text("草稿", "DRAFT", meta.lang, sep="  "))
        canv.restoreState()
    top = h - MARGIN_TOP + 7 * mm
    canv.setFillColor(INK)
    canv.setFont(font.name, 8.5)
    canv.drawString(left, top + 1.5 * mm, meta.title_zh if meta.lang != "en" else meta.title_en)
    if meta.lang == "both":
        canv.setFont(font.name, 6.8)
        canv.setFillColor(MUTED)
        canv.drawString(left, top - 2.2 * mm, meta.title_en)
    canv.setFillColor(INK)
    canv.setFont(font.name, 8.5)
    canv.drawRightString(right, top + 1.5 * mm,
                         f"{bi_text('报告编号', 'Report No.', meta.lang)}: {meta.report_number}")
    if meta.draft:
        canv.setFillColor(DRAFT_INK)
        canv.setFont(font.name, 8.5)
        canv.drawRightString(right, top - 2.4 * mm, bi_text("草稿 — 非正式报告", "DRAFT — not a final report", meta.lang))
    canv.setStrokeColor(INK)
    canv.setLineWidth(0.8)
    canv.line(left, top - 4.2 * mm, right, top - 4.2 * mm)
    bottom = MARGIN_BOTTOM - 5 * mm
    canv.setLineWidth(0.4)
    canv.setStrokeColor(RULE)
    canv.line(left, bottom, right, bottom)
    canv.setFont(font.name, 7.5)
    canv.setFillColor(MUTED)
    canv.drawString(left, bottom - 4 * mm, f"{bi_text('报告编号', 'Report No.', meta.lang)}: {meta.report_number}"
                    + (f"   {bi_text('草稿', 'DRAFT', meta.lang)}" if meta.draft else ""))
    canv.restoreState()


def _doc(target: Any, meta: DocumentMeta, font: FontChoice) -> BaseDocTemplate:
    w, h = meta.pagesize
    doc = BaseDocTemplate(
        target,
        pagesize=meta.pagesize,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=meta.title,
        author=meta.author,
        subject=meta.subject or meta.title,
        keywords=", ".join(meta.keywords),
        creator="fieldtool",
        producer=_PRODUCER,
        invariant=1,
        lang="zh-CN" if meta.lang != "en" else "en",
    )
    frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, w - MARGIN_LEFT - MARGIN_RIGHT, h - MARGIN_TOP - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame],
                                       onPage=lambda canv, _doc: _decorate(meta, font, canv))])
    return doc


def render_pdf_bytes(flowables: list[Flowable], meta: DocumentMeta, font: FontChoice) -> tuple[bytes, int]:
    """Render ``flowables`` into PDF bytes.

    Returns:
        The PDF and its page count.
    """
    buf = io.BytesIO()
    doc = _doc(buf, meta, font)
    doc.build(list(flowables), canvasmaker=_canvas_maker(meta, font))
    return buf.getvalue(), int(doc.page)


def build_pdf(path: Path, flowables: list[Flowable], meta: DocumentMeta, font: FontChoice) -> int:
    """Render ``flowables`` to ``path`` atomically (temporary file in the same directory, then rename).

    Args:
        path: The PDF to write; replaced if it exists.
        flowables: The document's content (consumed by the build).
        meta: Header, footer and metadata.
        font: The report's registered font.

    Returns:
        The number of pages.

    Raises:
        InputError: ``path`` cannot be written (missing directory, no permission, a directory).
    """
    data, pages = render_pdf_bytes(flowables, meta, font)
    write_atomically(Path(path), data, "report")
    return pages
