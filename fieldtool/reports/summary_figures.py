"""Provides the programme summary's figures: the overview, the city × product matrix, pass rates and deviations.

Sections 1 to 4 of the summary (``summary.py`` puts them in order): the key figures and the lots
by month, the matrix of 30 cities × 10 products (failing cells shaded and marked ▲, readable in
black and white), pass rate by product and by city, and the distribution of lot mean deviations
(q̄ − Qn)/T by product.
"""

from __future__ import annotations

import math
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from fieldtool.reports.blocks import bi_cell, bilingual, bilingual_lines, grid_style, para, plain_table, section
from fieldtool.reports.document import HEAD_FILL, INK, ReportStyles
from fieldtool.reports.lot_words import plural
from fieldtool.reports.summary_charts import BarItem, StripRow, deviation_strips, pass_rate_bars, rate_text
from fieldtool.reports.summary_kit import FAIL_FILL, FAIL_TEXT, MARK, bt, derive, failed_text, name_label
from fieldtool.reports.summary_model import Counts, SummaryData


def _label_rates(data: SummaryData) -> tuple[str, str]:
    """The label pass rate, said after the net-content one (SAMR's bulletins give the two apart)."""
    lb = data.labels
    if lb.lots == 0:
        return "净含量标注未检查。", "Labels not checked."
    unchecked_zh = f"，未检查 {data.labels_unchecked} 批" if data.labels_unchecked else ""
    unchecked_en = f"; {data.labels_unchecked} not checked" if data.labels_unchecked else ""
    return (f"净含量标注合格率 {rate_text(lb.pass_rate)}（检查 {lb.lots} 批，不合格 {lb.failed} 批{unchecked_zh}）。",
            f"Label pass rate {rate_text(lb.pass_rate)} ({lb.lots} checked, {lb.failed} failed{unchecked_en}).")


def overview_section(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("总体情况", "Overview", styles, 1, min_space=60 * mm)
    t = data.totals
    quota = sum(c.quota for c in data.cells.values())
    counted = sum(c.counts.lots for c in data.cells.values())
    coverage = "—" if quota == 0 else f"{counted}/{quota} ({min(counted, quota) / quota * 100:.1f}%)"
    big = derive("big", styles.cell_num, fontSize=15, leading=18, alignment=1, textColor=INK)
    head = [bi_cell("检验批次", "lots inspected", styles, "cell_head"),
            bi_cell("合格批次", "lots passed", styles, "cell_head"),
            bi_cell("不合格批次", "lots failed", styles, "cell_head"),
            bi_cell("合格率", "pass rate", styles, "cell_head"),
            bi_cell("完成配额", "quota covered", styles, "cell_head"),
            bi_cell("未完成检验（未计入）", "open inspections (not counted)", styles, "cell_head")]
    values = [para(str(t.lots), big), para(str(t.passed), big),
              para(str(t.failed), derive("bigf", big, textColor=FAIL_TEXT if t.failed else INK)),
              para(rate_text(t.pass_rate), big), para(coverage, derive("bigc", big, fontSize=11)),
              para(str(data.open_inspections), big)]
    w = styles.frame_width / 6
    table = Table([head, values], colWidths=[w] * 6, hAlign="LEFT")
    table.setStyle(grid_style(1, zebra=False))
    out.append(table)
    out.append(Spacer(1, 2 * mm))
    label_zh, label_en = _label_rates(data)
    out += bilingual(
        f"共检验 {t.lots} 批，合格 {t.passed} 批，不合格 {t.failed} 批，合格率 {rate_text(t.pass_rate)}。{label_zh}",
        f"{plural(t.lots, 'lot')} inspected, {t.passed} passed, {t.failed} failed: pass rate {rate_text(t.pass_rate)}. "
        f"{label_en}",
        styles, "body")
    if data.unassigned.lots:
        out.append(Spacer(1, 2 * mm))
        out += bilingual(
            f"另有 {data.unassigned.lots} 批（不合格 {data.unassigned.failed} 批）的城市或商品不属于本方案，已计入总数，未列入矩阵。",
            f"{plural(data.unassigned.lots, 'lot')} ({data.unassigned.failed} failed) "
            f"{'names' if data.unassigned.lots == 1 else 'name'} a city or product outside the programme: "
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
        rows.append([period.label, str(c.lots), str(c.passed), failed_text(c), rate_text(c.pass_rate)])
        if c.failed:
            extra.append(("TEXTCOLOR", (3, k), (3, k), FAIL_TEXT))
    rows.append([bt(styles, "合计", "total"), str(t.lots), str(t.passed), failed_text(t), rate_text(t.pass_rate)])
    n = len(rows)
    extra += [("LINEABOVE", (0, n - 1), (-1, n - 1), 0.8, INK), ("BACKGROUND", (0, n - 1), (-1, n - 1), HEAD_FILL)]
    out.append(plain_table(rows, [40 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm], styles, header_rows=1,
                           numeric_from=1, extra=extra))
    return out


# -- matrix ---------------------------------------------------------------------------------------


def matrix_section(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("城市 × 商品 检验结果矩阵", "Results by city and kind of goods", styles, 2)
    products, cities = data.products, data.cities
    sub = [("批次", "lots"), ("不合格", "failed"), ("合格率", "pass %")]
    city_w = 27 * mm
    total_w = 3 * 8 * mm
    cell_w = (styles.frame_width - city_w - total_w) / max(1, len(products))
    sub_w = [cell_w * 0.28, cell_w * 0.36, cell_w * 0.36]
    widths = [city_w] + sub_w * len(products) + [8 * mm] * 3
    head_style = derive("mh", styles.cell_head, fontSize=7.2, leading=8.6)
    head_en = derive("mh_en", styles.cell_head_en, fontSize=6.2, leading=7.2)
    sub_zh = derive("ms", styles.cell_head, fontSize=5.8, leading=6.8)
    sub_en = derive("ms_en", styles.cell_head_en, fontSize=5.4, leading=6.2)

    # English alone takes the Chinese line's size, but wraps at spaces (CJK wrapping splits words).
    def head_cell(zh: str, en: str) -> list[Flowable]:
        return bilingual_lines(zh, en, styles.lang, head_style, head_en)

    def sub_cell(zh: str, en: str) -> list[Flowable]:
        return bilingual_lines(zh, en, styles.lang, sub_zh, sub_en)

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
        row: list[Any] = [name_label(styles, city.name_zh, city.name_en)]
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
    last = [bt(styles, "合计", "All cities", sep=" ")]
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
    table = plain_table(rows, widths, styles, header_rows=2, numeric_from=1, extra=cmds, font_size=7, zebra=False,
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


def charts_section(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("合格率", "Pass rate by kind of goods and by city", styles, 3)
    font = styles.font.name
    lang = styles.lang
    overall = data.totals.pass_rate
    half = styles.frame_width / 2 - 3 * mm
    products = [BarItem(name_label(styles, p.name_zh, p.name_en), data.by_product[p.id].lots,
                        data.by_product[p.id].failed) for p in data.products]
    cities = [BarItem(name_label(styles, c.name_zh, c.name_en), data.by_city[c.id].lots, data.by_city[c.id].failed)
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


def distribution_section(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("批平均偏差分布", "Distribution of lot mean deviations by kind of goods", styles, 4)
    out += bilingual(
        "每批：(平均实际含量 − 标注净含量 Qn) ÷ 允许短缺量 T，由该批保存的检验数据计算。0 表示平均值恰为 Qn；−1 表示平均值比 Qn 少一个 T。",
        "Each lot: (mean net quantity − nominal quantity Qn) ÷ tolerable negative error T, from the net quantities "
        "saved with its verdict. 0: the mean is exactly Qn; −1: the mean is one T below Qn.",
        styles, "small")
    out.append(Spacer(1, 2 * mm))
    rows = [StripRow(name_label(styles, d.product.name_zh, d.product.name_en), d.values, d.failed, d.spread)
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
        label = name_label(styles, d.product.name_zh, d.product.name_en)
        if s is None:
            body.append([label, "0", "—", "—", "—", "—", "—", "—", "—"])
        else:
            body.append([label, str(s.count), str(below), _num(s.minimum), _num(s.q1), _num(s.median), _num(s.q3),
                         _num(s.maximum), _num(s.mean)])
    widths = [60 * mm] + [(styles.frame_width - 60 * mm) / 8] * 8
    out.append(KeepTogether(plain_table(body, widths, styles, header_rows=1, numeric_from=1, font_size=7.5,
                                        padding=1.5)))
    return out


__all__ = ["charts_section", "distribution_section", "matrix_section", "overview_section"]
