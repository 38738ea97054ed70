"""Provides the shared document template of fieldtool's PDF reports (lot report, programme summary).

One look for every report: A4, fixed margins, a running header (title on the left, report number
on the right, a rule beneath) and footer ("第 x 页 共 y 页 / page x of y", drawn after layout by a
two-pass canvas so that y is known), an optional DRAFT / 草稿 mark on every page, the colours, and
paragraph styles set in the CJK font of ``fonts.py`` (``wordWrap="CJK"`` for Chinese). The blocks
of a report's body (bilingual paragraphs, headings, tables) are in ``blocks.py``.

API (stable; the lot report and the programme summary both use it):

``Lang = Literal["zh", "en", "both"]``; ``LANGS``; ``check_lang(lang) -> Lang`` (``InputError``).

``DocumentMeta(report_number, title_zh, title_en, lang="both", draft=False, subject="",
author="fieldtool", keywords=(), landscape=False)``: what the running header/footer and the PDF
metadata show.

``make_styles(font: FontChoice, lang: Lang) -> ReportStyles``: named ``ParagraphStyle``s (``title``,
``title_en``, ``heading``, ``heading_en``, ``body``, ``body_en``, ``small``, ``small_en``,
``cell``, ``cell_en``, ``cell_num``, ``cell_head``, ``cell_head_en``, ``verdict``, ``verdict_en``)
plus ``font`` and ``lang``. ``ReportStyles.frame_width`` is the usable width in points.

``bi_text(zh, en, lang, sep=" / ")`` -> a plain one-line string in the report's language(s).
``verdict_ink(result)`` -> the colour of a pass, a fail or anything else (pending, not judged).

Output: ``build_pdf(path, flowables, meta, font) -> int`` renders with ``invariant=1`` and fixed
metadata (two runs are byte-identical), writes through a temporary file in the target directory
and renames it into place, and returns the page count; an unwritable path raises a one-line
``InputError``. ``render_pdf_bytes(flowables, meta, font) -> tuple[bytes, int]`` renders in memory.
Flowables are consumed by a build: make fresh ones for each call.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as to_landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
)

from fieldtool.errors import InputError
from fieldtool.infra.files import write_atomically
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
"""A pass: a verdict, a criterion, a suitable balance."""
FAIL_HEX = "#B71C1C"
"""A fail."""
NEUTRAL_HEX = "#4A4A4A"
"""Neither: a criterion pending, a lot not judged yet."""
T1_HEX = "#E65100"
"""A T1 package (T < d ≤ 2T), in the table of packages and the chart."""
T2_HEX = "#B71C1C"
"""A T2 package (d > 2T)."""
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


def verdict_ink(result: str | bool | None) -> str:
    """The colour of a result: a pass green, a fail red, anything else grey.

    Args:
        result: an `Outcome` or a criterion's `Status` (whose values are ``pass`` and ``fail``), a
            check's True or False, or None (not judged yet).
    """
    if result is True or result == "pass":
        return PASS_HEX
    if result is False or result == "fail":
        return FAIL_HEX
    return NEUTRAL_HEX


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
    number_zh: str = "报告编号"
    """What the number in the running header and footer is called (a sampling form's is 抽样单编号)."""
    number_en: str = "Report No."
    """The same in English."""
    not_issued: bool = False
    """Mark every page NOT ISSUED / 未签发 (a final report not yet approved); a draft's mark takes its place."""
    awaiting: tuple[str, str] = ("待审核批准", "awaiting review and approval")
    """What a report not issued awaits (zh, en), after its NOT ISSUED mark."""
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



# -- text -----------------------------------------------------------------------------------------


def bi_text(zh: str, en: str, lang: Lang, sep: str = " / ") -> str:
    """A one-line string in the report's language(s): ``zh / en``, ``zh`` or ``en``."""
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return f"{zh}{sep}{en}" if zh != en else zh


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


def _draft_mark(meta: DocumentMeta, font: FontChoice, canv: Canvas) -> None:
    """The DRAFT / 草稿 mark across the page, drawn over the content (tables' fills would hide it beneath).

    Translucent red with an outline: visible over shaded tables, the text beneath stays legible.
    """
    if not meta.draft and not meta.not_issued:
        return
    w, h = meta.pagesize
    canv.saveState()
    canv.setFillColor(DRAFT_INK)
    canv.setStrokeColor(DRAFT_INK)
    canv.setFillAlpha(0.13)
    canv.setStrokeAlpha(0.35)
    canv.setLineWidth(0.8)
    canv.translate(w / 2, h / 2)
    canv.rotate(40)
    canv.setFont(font.name, 80)
    text = canv.beginText()
    text.setTextRenderMode(2)  # fill and stroke
    label = bi_text("草稿", "DRAFT", meta.lang, sep="  ") if meta.draft else bi_text("未签发", "NOT ISSUED", meta.lang, sep="  ")
    size = 80 if meta.draft else 64
    canv.setFont(font.name, size)
    text.setFont(font.name, size)
    text.setTextOrigin(-canv.stringWidth(label, font.name, size) / 2, -28)
    text.textLine(label)
    canv.drawText(text)
    canv.restoreState()


def _decorate(meta: DocumentMeta, font: FontChoice, canv: Canvas) -> None:
    """Running header, footer rule and report number (the DRAFT mark is drawn over the content by `_draft_mark`)."""
    w, h = meta.pagesize
    left, right = MARGIN_LEFT, w - MARGIN_RIGHT
    canv.saveState()
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
                         f"{bi_text(meta.number_zh, meta.number_en, meta.lang)}: {meta.report_number}")
    if meta.draft or meta.not_issued:
        canv.setFillColor(DRAFT_INK)
        canv.setFont(font.name, 8.5)
        canv.drawRightString(right, top - 2.4 * mm, bi_text("草稿 — 非正式报告", "DRAFT — not a final report", meta.lang)
                             if meta.draft else bi_text(f"未签发 — {meta.awaiting[0]}", f"NOT ISSUED — {meta.awaiting[1]}",
                                                        meta.lang))
    canv.setStrokeColor(INK)
    canv.setLineWidth(0.8)
    canv.line(left, top - 4.2 * mm, right, top - 4.2 * mm)
    bottom = MARGIN_BOTTOM - 5 * mm
    canv.setLineWidth(0.4)
    canv.setStrokeColor(RULE)
    canv.line(left, bottom, right, bottom)
    canv.setFont(font.name, 7.5)
    canv.setFillColor(MUTED)
    canv.drawString(left, bottom - 4 * mm, f"{bi_text(meta.number_zh, meta.number_en, meta.lang)}: {meta.report_number}"
                    + (f"   {bi_text('草稿', 'DRAFT', meta.lang)}" if meta.draft else "")
                    + (f"   {bi_text('未签发', 'NOT ISSUED', meta.lang)}" if meta.not_issued and not meta.draft else ""))
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
                                       onPage=lambda canv, _doc: _decorate(meta, font, canv),
                                       onPageEnd=lambda canv, _doc: _draft_mark(meta, font, canv))])
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
        path: The PDF to write; replaced if it exists (``-``: standard output).
        flowables: The document's content (consumed by the build).
        meta: Header, footer and metadata.
        font: The report's registered font.

    Returns:
        The number of pages.

    Raises:
        InputError: ``path`` cannot be written (missing directory, no permission, a directory).
    """
    data, pages = render_pdf_bytes(flowables, meta, font)
    write_atomically(Path(path), data, "report", dash_is_stdout=True)
    return pages
