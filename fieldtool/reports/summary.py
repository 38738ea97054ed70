"""Provides the programme summary PDF: overview, city × product matrix, charts, failing lots and methodology.

The summary goes up the chain and its list of failing lots is used for follow-up and for the
public list of offenders, so every figure comes straight from `fieldtool.summary_data.SummaryData`
(verdicts as saved) and nothing is judged here. It is set on A4 landscape throughout: the matrix
of 30 cities × 10 products (three figures per cell) and the list of failing lots need the width.
Chinese comes first and English beneath (``lang="both"``), or one language.

Sections: 1 overview (key figures, by month), 2 city × product matrix (failing cells shaded and
marked ▲, readable in black and white), 3 pass rate by product and by city, 4 distribution of
lot mean deviations (q̄ − Qn)/T by product, 5 failing lots, 6 methodology (rule sets, plan rows
used, definitions), then the sign-off block.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from fieldtool.core.inspection import SiteKind
from fieldtool.reports.document import (
    HEAD_FILL,
    INK,
    DocumentMeta,
    Lang,
    ReportStyles,
    bi_cell,
    bi_text,
    bilingual,
    build_pdf,
    check_lang,
    esc,
    grid_style,
    grid_table,
    key_value_table,
    make_styles,
    para,
    section,
)
from fieldtool.reports.fonts import FontChoice, find_cjk_font
from fieldtool.reports.summary_charts import BarItem, StripRow, deviation_strips, pass_rate_bars, rate_text
from fieldtool.summary_data import Counts, FailingLot, SummaryData

FAIL_FILL = colors.HexColor("#F2C4C0")
"""Failing cells of the matrix: a light red that prints as a clear grey."""
FAIL_TEXT = colors.HexColor("#8E1010")
"""Text of failing cells (prints as near black)."""
MARK = "▲"
"""The mark of a failing cell (with the shading, so the matrix reads in black and white)."""

TITLE_ZH = "定量包装商品净含量专项监督检查汇总报告"
TITLE_EN = "Programme summary: net content of prepackaged goods"

_SITE_KIND = {
    SiteKind.PRODUCER: ("生产企业", "producer"),
    SiteKind.WHOLESALER: ("批发企业", "wholesaler"),
    SiteKind.RETAILER: ("零售企业", "retailer"),
}


def render_programme_summary(
    data: SummaryData,
    path: str | os.PathLike[str],
    lang: str = "both",
    font: FontChoice | str | os.PathLike[str] | None = None,
) -> int:
    """Write the programme summary PDF.

    Args:
        data: the figures, from `fieldtool.summary_data.programme_summary_data`.
        path: the PDF to write (replaced atomically if it exists).
        lang: ``both`` (Chinese, English beneath), ``zh`` or ``en``.
        font: a registered `FontChoice`, a TrueType file (the CLI's ``--font``), or None to find a
            CJK font on the system (falling back to the built-in STSong-Light with a notice).

    Returns:
        The number of pages.

    Raises:
        InputError: an unknown language, an unusable font file or a path that cannot be written.
    """
    chosen = check_lang(lang)
    choice = font if isinstance(font, FontChoice) else find_cjk_font(Path(font) if font is not None else None)
    meta = summary_meta(data, chosen)
    styles = make_styles(choice, chosen, landscape=True)
    return build_pdf(Path(path), summary_flowables(data, styles), meta, choice)


def summary_meta(data: SummaryData, lang: Lang) -> DocumentMeta:
    """The running header, footer and PDF metadata of a summary."""
    p = data.programme
    return DocumentMeta(
        report_number=data.report_no,
        title_zh=TITLE_ZH,
        title_en=TITLE_EN,
        lang=lang,
        subject=f"{p.name_zh or p.name} ({p.id})",
        keywords=(p.id, "JJF 1070", "net content", "净含量"),
        landscape=True,
    )


def summary_flowables(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    """Every flowable of the summary, in order (fresh on each call: a build consumes them)."""
    out: list[Flowable] = []
    out += _title(data, styles)
    out += _overview(data, styles)
    out.append(PageBreak())
    out += _matrix(data, styles)
    out.append(PageBreak())
    out += _charts(data, styles)
    out.append(PageBreak())
    out += _distribution(data, styles)
    out.append(PageBreak())
    out += _failing(data, styles)
    out.append(PageBreak())
    out += _methodology(data, styles)
    out += _sign_off(data, styles)
    return out


# -- helpers --------------------------------------------------------------------------------------


def _t(styles: ReportStyles, zh: str, en: str, sep: str = " / ") -> str:
    return bi_text(zh, en, styles.lang, sep)


def _city_label(styles: ReportStyles, zh: str, en: str) -> str:
    return _t(styles, zh, en, sep=" ")


def _style(styles: ReportStyles, name: str, base: ParagraphStyle, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, parent=base, **kw)


# -- title and overview ---------------------------------------------------------------------------


def _scope_text(data: SummaryData, styles: ReportStyles) -> tuple[str, str]:
    p = data.programme
    s = data.scope
    if s.city_ids:
        cities = _t(styles, "、".join(c.name_zh for c in data.cities), ", ".join(c.name_en for c in data.cities))
    else:
        cities = _t(styles, f"全部 {len(p.cities)} 个城市", f"all {len(p.cities)} cities")
    if s.product_ids:
        products = _t(styles, "、".join(x.name_zh for x in data.products), ", ".join(x.name_en for x in data.products))
    else:
        products = _t(styles, f"全部 {len(p.products)} 类商品", f"all {len(p.products)} kinds of goods")
    return cities, products


def _period_text(data: SummaryData, styles: ReportStyles) -> str:
    s = data.scope
    asked = ""
    if s.since or s.until:
        start = s.since.isoformat() if s.since else "…"
        end = s.until.isoformat() if s.until else "…"
        asked = _t(styles, f"（选定 {start} 至 {end}）", f"(selected {start} to {end})", sep=" ")
    return f"{data.first_day.isoformat()} – {data.last_day.isoformat()} {asked}".strip()


def _title(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    p = data.programme
    out: list[Flowable] = []
    out += bilingual(TITLE_ZH, TITLE_EN, styles, "title")
    out += bilingual(p.name_zh or p.name, p.name, styles, "body") if p.name_zh else bilingual(p.name, p.name, styles)
    for f in out[-2:]:
        if isinstance(f, Paragraph):
            f.style = _style(styles, "centred", f.style, alignment=1)
    out.append(Spacer(1, 4 * mm))
    cities, products = _scope_text(data, styles)
    rule_sets = "; ".join(f"{u.rule_set.id} ({u.rule_set.name_zh or u.rule_set.name})" if styles.lang != "en"
                          else f"{u.rule_set.id} ({u.rule_set.name})" for u in data.rule_sets)
    pairs = [
        (_t(styles, "报告编号", "Report No."), data.report_no),
        (_t(styles, "编制日期", "Date of report"), data.generated_on.isoformat()),
        (_t(styles, "检查方案", "Programme"), f"{p.id} ({p.year})"),
        (_t(styles, "检验规则", "Rule set"), rule_sets),
        (_t(styles, "城市", "Cities"), cities),
        (_t(styles, "商品", "Goods"), products),
        (_t(styles, "检查期间", "Period covered"), _period_text(data, styles)),
        (_t(styles, "数据截至", "Data as of"), data.last_finalised.strftime("%Y-%m-%d %H:%M UTC")),
        (_t(styles, "数据指纹", "Data fingerprint"), f"SHA-256 {data.fingerprint[:16]}…"),
        (_t(styles, "日期口径", "Calendar"), _t(styles, "北京时间（UTC+8），按开始检验的日期", "China Standard Time (UTC+8), day the inspection was opened")),
    ]
    out.append(key_value_table(pairs, styles, columns=2, label_width=44 * mm if styles.lang == "both" else 30 * mm))
    return out


def _overview(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("总体情况", "Overview", styles, 1, min_space=60 * mm)
    t = data.totals
    quota = sum(c.quota for c in data.cells.values())
    counted = sum(c.counts.lots for c in data.cells.values())
    coverage = "—" if quota == 0 else f"{counted}/{quota} ({min(counted, quota) / quota * 100:.1f}%)"
    big = _style(styles, "big", styles.cell_num, fontSize=15, leading=18, alignment=1, textColor=INK)
    head = [bi_cell("检验批次", "lots inspected", styles, "cell_head"),
            bi_cell("合格批次", "lots passed", styles, "cell_head"),
            bi_cell("不合格批次", "lots failed", styles, "cell_head"),
            bi_cell("合格率", "pass rate", styles, "cell_head"),
            bi_cell("完成配额", "quota covered", styles, "cell_head"),
            bi_cell("未完成检验（未计入）", "open inspections (not counted)", styles, "cell_head")]
    values = [para(str(t.lots), big), para(str(t.passed), big),
              para(str(t.failed), _style(styles, "bigf", big, textColor=FAIL_TEXT if t.failed else INK)),
              para(rate_text(t.pass_rate), big), para(coverage, _style(styles, "bigc", big, fontSize=11)),
              para(str(data.open_inspections), big)]
    w = styles.frame_width / 6
    table = Table([head, values], colWidths=[w] * 6, hAlign="LEFT")
    table.setStyle(grid_style(1, zebra=False))
    out.append(table)
    out.append(Spacer(1, 2 * mm))
    out += bilingual(
        f"共检验 {t.lots} 批，合格 {t.passed} 批，不合格 {t.failed} 批，合格率 {rate_text(t.pass_rate)}。",
        f"{t.lots} lots inspected, {t.passed} passed, {t.failed} failed: pass rate {rate_text(t.pass_rate)}.",
        styles, "body")
    if data.unassigned.lots:
        out.append(Spacer(1, 2 * mm))
        out += bilingual(
            f"另有 {data.unassigned.lots} 批（不合格 {data.unassigned.failed} 批）的城市或商品不属于本方案，已计入总数，未列入矩阵。",
            f"{data.unassigned.lots} lots ({data.unassigned.failed} failed) name a city or product outside the programme: "
            "counted in the totals, not in the matrix.", styles, "small")
    out.append(Spacer(1, 4 * mm))
    out += bilingual("按月份", "By month", styles, "heading")
    rows: list[list[Any]] = [[bi_cell("月份", "month", styles, "cell_head"),
                              bi_cell("检验批次", "lots", styles, "cell_head"),
                              bi_cell("合格", "passed", styles, "cell_head"),
                              bi_cell("不合格", "failed", styles, "cell_head"),
                              bi_cell("合格率", "pass rate", styles, "cell_head")]]
    extra: list[tuple[Any, ...]] = []
    for k, period in enumerate(data.periods, start=1):
        c = period.counts
        rows.append([period.label, str(c.lots), str(c.passed), _failed_text(c), rate_text(c.pass_rate)])
        if c.failed:
            extra.append(("TEXTCOLOR", (3, k), (3, k), FAIL_TEXT))
    rows.append([_t(styles, "合计", "total"), str(t.lots), str(t.passed), _failed_text(t), rate_text(t.pass_rate)])
    n = len(rows)
    extra += [("LINEABOVE", (0, n - 1), (-1, n - 1), 0.8, INK), ("BACKGROUND", (0, n - 1), (-1, n - 1), HEAD_FILL)]
    out.append(_plain_table(rows, [40 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm], styles, header_rows=1,
                            numeric_from=1, extra=extra))
    return out


def _failed_text(c: Counts) -> str:
    return f"{MARK} {c.failed}" if c.failed else "0"


def _plain_table(rows: Sequence[Sequence[Any]], widths: Sequence[float], styles: ReportStyles, *,
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


# -- matrix ---------------------------------------------------------------------------------------


def _matrix(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("城市 × 商品 检验结果矩阵", "Results by city and kind of goods", styles, 2)
    products, cities = data.products, data.cities
    sub = [("批次", "lots"), ("不合格", "failed"), ("合格率", "pass %")]
    city_w = 27 * mm
    total_w = 3 * 8 * mm
    cell_w = (styles.frame_width - city_w - total_w) / max(1, len(products))
    sub_w = [cell_w * 0.28, cell_w * 0.36, cell_w * 0.36]
    widths = [city_w] + sub_w * len(products) + [8 * mm] * 3
    head_style = _style(styles, "mh", styles.cell_head, fontSize=7.2, leading=8.6)
    head_en = _style(styles, "mh_en", styles.cell_head_en, fontSize=6.2, leading=7.2)
    sub_zh = _style(styles, "ms", styles.cell_head, fontSize=5.8, leading=6.8)
    sub_en = _style(styles, "ms_en", styles.cell_head_en, fontSize=5.4, leading=6.2)

    # English alone takes the Chinese line's size, but wraps at spaces (CJK wrapping splits words).
    head_en_only = _style(styles, "mh_en1", head_style, wordWrap=None)
    sub_en_only = _style(styles, "ms_en1", sub_zh, wordWrap=None)

    def head_cell(zh: str, en: str) -> list[Flowable]:
        cell: list[Flowable] = []
        if styles.lang != "en":
            cell.append(Paragraph(esc(zh), head_style))
        if styles.lang != "zh":
            cell.append(Paragraph(esc(en), head_en if styles.lang == "both" else head_en_only))
        return cell

    def sub_cell(zh: str, en: str) -> list[Flowable]:
        cell: list[Flowable] = []
        if styles.lang != "en":
            cell.append(Paragraph(esc(zh), sub_zh))
        if styles.lang != "zh":
            cell.append(Paragraph(esc(en), sub_en if styles.lang == "both" else sub_en_only))
        return cell

    row0: list[Any] = [head_cell("城市", "City")]
    row1: list[Any] = [""]
    for p in products:
        row0 += [head_cell(p.name_zh, p.name_en), "", ""]
        row1 += [sub_cell(zh, en) for zh, en in sub]
    row0 += [head_cell("合计", "All goods"), "", ""]
    row1 += [sub_cell(zh, en) for zh, en in sub]
    rows: list[list[Any]] = [row0, row1]
    cmds: list[tuple[Any, ...]] = [("SPAN", (0, 0), (0, 1))]
    ncols = len(widths)
    for k in range(len(products) + 1):
        c = 1 + 3 * k
        cmds.append(("SPAN", (c, 0), (c + 2, 0)))
        cmds.append(("LINEBEFORE", (c, 0), (c, -1), 0.8, INK))
    for r, city in enumerate(cities, start=2):
        row: list[Any] = [_city_label(styles, city.name_zh, city.name_en)]
        for k, p in enumerate(products):
            cell = data.cells[(city.id, p.id)].counts
            row += _triple(cell)
            if cell.failed:
                c = 1 + 3 * k
                cmds += [("BACKGROUND", (c, r), (c + 2, r), FAIL_FILL), ("TEXTCOLOR", (c, r), (c + 2, r), FAIL_TEXT)]
        total = data.by_city[city.id]
        row += _triple(total)
        if total.failed:
            cmds.append(("TEXTCOLOR", (ncols - 2, r), (ncols - 2, r), FAIL_TEXT))
        rows.append(row)
    last = [_t(styles, "合计", "All cities", sep=" ")]
    for p in products:
        last += _triple(data.by_product[p.id])
    matrix_total = Counts(sum(data.by_city[c.id].lots for c in cities), sum(data.by_city[c.id].failed for c in cities))
    last += _triple(matrix_total)
    rows.append(last)
    n = len(rows)
    cmds += [
        ("SPAN", (0, 0), (0, 1)),
        ("LINEABOVE", (0, n - 1), (-1, n - 1), 0.8, INK),
        ("BACKGROUND", (0, n - 1), (-1, n - 1), HEAD_FILL),
        ("LINEBEFORE", (ncols - 3, 0), (ncols - 3, -1), 0.8, INK),
        ("BACKGROUND", (ncols - 3, 2), (-1, n - 2), colors.HexColor("#EEF0F3")),
        ("FONTSIZE", (0, 2), (0, -1), 7),
        ("ALIGN", (0, 2), (0, -1), "LEFT"),
        ("LEFTPADDING", (1, 2), (-1, -1), 1.2),
        ("RIGHTPADDING", (1, 2), (-1, -1), 1.6),
        ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        ("LEFTPADDING", (1, 0), (-1, 1), 1),
        ("RIGHTPADDING", (1, 0), (-1, 1), 1),
    ]
    table = _plain_table(rows, widths, styles, header_rows=2, numeric_from=1, extra=cmds, font_size=7, zebra=False,
                         padding=1.3)
    out.append(table)
    out.append(Spacer(1, 1.5 * mm))
    out += bilingual(
        f"每格：检验批次、不合格批次、合格率。有不合格批次的格子加底色并以 {MARK} 标记；合格率 = 合格批次 ÷ 检验批次；“—”表示未检验。",
        f"Each cell: lots inspected, lots failed, pass rate. Cells with a failed lot are shaded and marked {MARK}; "
        "pass rate = lots passed ÷ lots inspected; “—”: no lot inspected.",
        styles, "small")
    return out


def _triple(c: Counts) -> list[str]:
    rate = c.pass_rate
    pct = "—" if rate is None else f"{rate * 100:.0f}" if rate in (0.0, 1.0) else f"{rate * 100:.1f}"
    return [str(c.lots), f"{MARK}{c.failed}" if c.failed else ("0" if c.lots else "—"), pct]


# -- charts ---------------------------------------------------------------------------------------


def _charts(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("合格率", "Pass rate by kind of goods and by city", styles, 3)
    font = styles.font.name
    lang = styles.lang
    overall = data.totals.pass_rate
    half = styles.frame_width / 2 - 3 * mm
    products = [BarItem(_city_label(styles, p.name_zh, p.name_en), data.by_product[p.id].lots,
                        data.by_product[p.id].failed) for p in data.products]
    cities = [BarItem(_city_label(styles, c.name_zh, c.name_en), data.by_city[c.id].lots, data.by_city[c.id].failed)
              for c in data.cities]
    many = len(cities) > 16
    bar = 8.2 if many else 10.0
    gap = 2.6 if many else 3.5
    left: list[Flowable] = [*bilingual("按商品", "By kind of goods", styles, "small"),
                            pass_rate_bars(products, overall, half, font, lang, bar_height=10, gap=4)]
    right: list[Flowable] = [*bilingual("按城市", "By city", styles, "small"),
                             pass_rate_bars(cities, overall, half, font, lang, bar_height=bar, gap=gap,
                                            font_size=6.6 if many else 7)]
    table = Table([[left, right]], colWidths=[half + 3 * mm, half + 3 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    out.append(table)
    out += bilingual("合格率 = 合格批次 ÷ 检验批次；虚线为总体合格率；括号内为合格批次/检验批次。",
                     "Pass rate = lots passed ÷ lots inspected; the dashed line is the overall pass rate; "
                     "in brackets: lots passed / lots inspected.", styles, "small")
    return out


# -- distribution ---------------------------------------------------------------------------------


def _num(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:+.2f}".replace("-", "−")


def _distribution(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("批平均偏差分布", "Distribution of lot mean deviations by kind of goods", styles, 4)
    out += bilingual(
        "每批：(平均实际含量 − 标注净含量 Qn) ÷ 允许短缺量 T，由该批保存的检验数据计算。0 表示平均值恰为 Qn；−1 表示平均值比 Qn 少一个 T。",
        "Each lot: (mean net quantity − nominal quantity Qn) ÷ tolerable negative error T, from the net quantities "
        "saved with its verdict. 0: the mean is exactly Qn; −1: the mean is one T below Qn.",
        styles, "small")
    out.append(Spacer(1, 2 * mm))
    rows = [StripRow(_city_label(styles, d.product.name_zh, d.product.name_en), d.values, d.failed, d.spread)
            for d in data.deviations]
    out.append(deviation_strips(rows, styles.frame_width, styles.font.name, styles.lang,
                                row_height=19 if len(rows) > 8 else 24))
    out.append(Spacer(1, 3 * mm))
    head = [bi_cell("商品", "kind of goods", styles, "cell_head"),
            bi_cell("批次", "lots", styles, "cell_head"),
            bi_cell("平均值低于 Qn", "mean below Qn", styles, "cell_head"),
            bi_cell("最小值", "smallest", styles, "cell_head"),
            bi_cell("下四分位数", "1st quartile", styles, "cell_head"),
            bi_cell("中位数", "median", styles, "cell_head"),
            bi_cell("上四分位数", "3rd quartile", styles, "cell_head"),
            bi_cell("最大值", "largest", styles, "cell_head"),
            bi_cell("平均", "mean", styles, "cell_head")]
    body: list[list[Any]] = [head]
    for d in data.deviations:
        s = d.spread
        below = sum(1 for v in d.values if not math.isnan(v) and v < 0)
        label = _city_label(styles, d.product.name_zh, d.product.name_en)
        if s is None:
            body.append([label, "0", "—", "—", "—", "—", "—", "—", "—"])
        else:
            body.append([label, str(s.count), str(below), _num(s.minimum), _num(s.q1), _num(s.median), _num(s.q3),
                         _num(s.maximum), _num(s.mean)])
    widths = [60 * mm] + [(styles.frame_width - 60 * mm) / 8] * 8
    out.append(KeepTogether(_plain_table(body, widths, styles, header_rows=1, numeric_from=1, font_size=7.5,
                                         padding=1.5)))
    return out


# -- failing lots ---------------------------------------------------------------------------------


def _failing(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("不合格批次清单", "Lots that failed", styles, 5)
    if not data.failing:
        out += bilingual("所选范围内没有不合格批次。", "No lot of the selection failed.", styles, "body")
        return out
    out += bilingual(
        f"共 {len(data.failing)} 批，按城市、商品、检验日期排列。不合格项目及数值取自保存的判定结果。",
        f"{len(data.failing)} lots, by city, kind of goods and day of inspection. The failed criteria and their "
        "figures are those saved with each verdict.", styles, "small")
    out.append(Spacer(1, 1.5 * mm))
    cols = [("序号", "No."), ("城市", "City"), ("商品", "Goods"), ("受检单位", "Inspected site"),
            ("品牌", "Brand"), ("批号", "Batch"), ("生产日期", "Produced"), ("检验日期", "Inspected"),
            ("Qn / N", "Qn / N"), ("不合格项目", "Failed criterion"), ("检验编号", "Inspection")]
    widths_mm = [8, 16, 20, 50, 24, 20, 16, 16, 16, 0, 14]
    fixed = sum(widths_mm) * mm
    widths = [w * mm if w else styles.frame_width - fixed for w in widths_mm]
    head = [bi_cell(zh, en, styles, "cell_head") for zh, en in cols]
    cell = _style(styles, "fl", styles.cell, fontSize=7.2, leading=8.8)
    cell_en = _style(styles, "fl_en", styles.cell_en, fontSize=6.4, leading=7.6)
    rows: list[list[Any]] = [head]
    for k, lot in enumerate(data.failing, start=1):
        rows.append(_failing_row(k, lot, styles, cell, cell_en))
    out.append(grid_table(rows, widths, styles, header_rows=1, extra=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                                       ("VALIGN", (0, 0), (-1, 0), "MIDDLE")]))
    return out


def _lines(styles: ReportStyles, zh: str, en: str, cell: ParagraphStyle, cell_en: ParagraphStyle) -> list[Flowable]:
    if styles.lang == "zh":
        return [Paragraph(esc(zh), cell)]
    if styles.lang == "en":
        return [Paragraph(esc(en), _style(styles, "fl_en1", cell, wordWrap=None))]
    if zh == en:
        return [Paragraph(esc(zh), cell)]
    return [Paragraph(esc(zh), cell), Paragraph(esc(en), cell_en)]


def _failing_row(k: int, lot: FailingLot, styles: ReportStyles, cell: ParagraphStyle,
                 cell_en: ParagraphStyle) -> list[Any]:
    city = _lines(styles, lot.city.name_zh, lot.city.name_en, cell, cell_en) if lot.city else [
        Paragraph(esc(lot.city_id or "—"), cell)]
    product = _lines(styles, lot.product.name_zh, lot.product.name_en, cell, cell_en) if lot.product else [
        Paragraph(esc(lot.product_id or "—"), cell)]
    kind_zh, kind_en = _SITE_KIND[lot.site_kind]
    site: list[Flowable] = [Paragraph(esc(lot.site_name), cell)]
    if lot.site_address:
        site.append(Paragraph(esc(lot.site_address), cell_en))
    site.append(Paragraph(esc(_t(styles, kind_zh, kind_en)), cell_en))
    # The reasons hold numbers: wrap them at spaces only (CJK wrapping would split 4.9964106 across lines);
    # explain's Chinese wording puts a space on each side of every number.
    reason_zh = _style(styles, "rz", cell, wordWrap=None)
    reasons: list[Flowable] = []
    for n in range(len(lot.failed)):
        if styles.lang != "en":
            reasons.append(Paragraph(f"{MARK} {esc(lot.reasons['zh'][n])}", reason_zh))
        if styles.lang != "zh":
            reasons.append(Paragraph(f"{'' if styles.lang == 'both' else MARK + ' '}{esc(lot.reasons['en'][n])}",
                                     cell_en if styles.lang == "both" else reason_zh))
    return [
        Paragraph(str(k), cell),
        city,
        product,
        site,
        Paragraph(esc(lot.brand or "—"), cell),
        Paragraph(esc(lot.batch or "—"), cell),
        Paragraph(lot.production_date.isoformat() if lot.production_date else "—", cell),
        Paragraph(lot.inspected_on.isoformat(), cell),
        Paragraph(f"{lot.nominal} {esc(lot.unit)}<br/>N = {lot.lot_size}", cell),
        reasons,
        Paragraph(esc(lot.inspection_id[:8]), cell),
    ]


# -- methodology and sign-off ---------------------------------------------------------------------


def _methodology(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("方法说明", "Methodology", styles, 6, min_space=70 * mm)
    for use in data.rule_sets:
        r = use.rule_set
        title = f"{r.id}: {r.name_zh} / {r.name}" if styles.lang == "both" and r.name_zh else (
            f"{r.id}: {r.name_zh or r.name}" if styles.lang == "zh" else f"{r.id}: {r.name}")
        out.append(para(title, styles.body))
        out += bilingual(f"判定 {use.lots} 批。依据：", f"{use.lots} lots judged. Sources:", styles, "small")
        for source in r.sources:
            out.append(para(f"• {source}", styles.small))
        out.append(Spacer(1, 1.5 * mm))
    head = [bi_cell("检验规则", "rule set", styles, "cell_head"),
            bi_cell("批量 N", "lot size N", styles, "cell_head"),
            bi_cell("样本量 n", "sample n", styles, "cell_head"),
            bi_cell("修正因子 λ", "factor λ", styles, "cell_head"),
            bi_cell("允许 T 类不合格件数", "T1 packages allowed", styles, "cell_head"),
            bi_cell("允许超 2T 件数", "T2 packages allowed", styles, "cell_head"),
            bi_cell("判定批次", "lots judged", styles, "cell_head"),
            bi_cell("不合格批次", "lots failed", styles, "cell_head")]
    rows: list[list[Any]] = [head]
    for plan_row in data.plan_rows:
        row = plan_row.row
        lots = f"{row.lot_min}–{row.lot_max}" if row.lot_max is not None else f"≥ {row.lot_min}"
        variant = "" if plan_row.variant == "standard" else f" ({plan_row.variant})"
        rows.append([f"{plan_row.rule_set_id}{variant}", lots, "N" if row.n is None else str(row.n),
                     "—" if row.lam is None else str(row.lam),
                     "—" if plan_row.accept is None else str(plan_row.accept), str(row.t2_allowed),
                     str(plan_row.lots.lots), _failed_text(plan_row.lots)])
    widths = [40 * mm, 28 * mm, 22 * mm, 24 * mm, 34 * mm, 30 * mm, 26 * mm, 26 * mm]
    out += bilingual("所用抽样方案", "Sampling plan rows used", styles, "small")
    out.append(_plain_table(rows, widths, styles, header_rows=1, numeric_from=1, font_size=7.5, padding=1.5))
    out.append(Spacer(1, 2 * mm))
    jjf = any(u.rule_set.id.startswith("jjf1070") for u in data.rule_sets)
    notes_zh = [
        "计数对象为所选范围内已完成（已确认）的检验；每批的合格与否及不合格项目均取自检验当时保存的判定结果，本报告不重新判定。",
        "批的合格判定（JJF 1070-2005）：短缺量大于 T 的件数不超过允许数、无短缺量大于 2T 的单件，且平均实际含量 ≥ Qn − λ·s；任一项不满足即判该批不合格。"
        if jjf else "批的合格判定：该批所用检验规则的各项判定条件均须满足，任一项不满足即判该批不合格。",
        "合格率 = 合格批次 ÷ 检验批次。日期按北京时间（UTC+8）取开始检验之日；月份亦然。",
        f"未完成的检验（{data.open_inspections} 批）不计入。数据指纹为所计检验及其判定编号的 SHA-256，用于核对两份报告是否基于相同数据。",
    ]
    notes_en = [
        ("Counted: the finalised inspections of the selection. Each lot's outcome and failed criteria are those "
         "saved with its verdict when it was finalised; this report judges nothing again."),
        ("A lot passes (JJF 1070-2005) when the packages short by more than T do not exceed the number allowed, no "
         "package is short by more than 2T, and the mean net quantity is at least Qn − λ·s; failing any one fails "
         "the lot.") if jjf else
        "A lot passes when it meets every criterion of the rule set that judged it; failing any one fails the lot.",
        ("Pass rate = lots passed ÷ lots inspected. Days and months are those on which the inspection was opened, "
         "in China Standard Time (UTC+8)."),
        (f"Open inspections ({data.open_inspections}) are not counted. The data fingerprint is the SHA-256 of the "
         "ids of the inspections and verdicts counted: two reports with the same fingerprint rest on the same data."),
    ]
    for zh, en in zip(notes_zh, notes_en, strict=True):
        out += bilingual(zh, en, styles, "small")
        out.append(Spacer(1, 1 * mm))
    return out


def _sign_off(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    labels = [("编制", "Prepared by"), ("审核", "Reviewed by"), ("批准", "Approved by")]
    cells = [[bi_cell(zh, en, styles, "cell_head"), ""] for zh, en in labels]
    row: list[Any] = [x for pair in cells for x in pair]
    w = styles.frame_width / 3
    table = Table([row, [""] * 6], colWidths=[22 * mm, w - 22 * mm] * 3, rowHeights=[None, 5 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LINEBELOW", (1, 0), (1, 0), 0.6, INK),
        ("LINEBELOW", (3, 0), (3, 0), 0.6, INK),
        ("LINEBELOW", (5, 0), (5, 0), 0.6, INK),
        ("TOPPADDING", (0, 0), (-1, 0), 12),
    ]))
    date_line = para(_t(styles, "日期：________________", "Date: ________________", sep="    "), styles.small)
    return [Spacer(1, 6 * mm), KeepTogether([table, date_line])]


__all__ = ["TITLE_EN", "TITLE_ZH", "render_programme_summary", "summary_flowables", "summary_meta"]
