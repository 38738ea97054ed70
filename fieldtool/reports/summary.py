"""Provides the programme summary PDF: overview, city × product matrix, charts, failing lots and methodology.

The summary goes up the chain and its list of failing lots is used for follow-up and for the
public list of offenders, so every figure comes straight from
`fieldtool.reports.summary_model.SummaryData` (verdicts as saved) and nothing is judged here. It is
set on A4 landscape throughout: the matrix of 30 cities × 10 products (three figures per cell) and
the list of failing lots need the width. Chinese comes first and English beneath
(``lang="both"``), or one language.

Sections: 1 overview (key figures, by month), 2 city × product matrix (failing cells shaded and
marked ▲, readable in black and white), 3 pass rate by product and by city, 4 distribution of
lot mean deviations (q̄ − Qn)/T by product (these four in ``summary_figures.py``), 5 failing lots,
6 methodology (rule sets, plan rows used, definitions), then the sign-off block.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from fieldtool.core.chinatime import local
from fieldtool.core.inspection import SiteKind
from fieldtool.reports.blocks import (
    bi_cell,
    bilingual,
    bilingual_lines,
    esc,
    grid_table,
    key_value_table,
    para,
    plain_table,
    section,
)
from fieldtool.reports.document import INK, DocumentMeta, Lang, ReportStyles, build_pdf, check_lang, make_styles
from fieldtool.reports.fonts import FontChoice, find_cjk_font
from fieldtool.reports.issuer import institute_block, statements
from fieldtool.reports.lot_kit import Kit
from fieldtool.reports.lot_words import plural, rule_name
from fieldtool.reports.summary_figures import charts_section, distribution_section, matrix_section, overview_section
from fieldtool.reports.summary_kit import MARK, bt, derive, failed_text
from fieldtool.reports.summary_model import FailingLot, SummaryData

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
        data: the figures, from `fieldtool.usecases.summary.programme_summary_data`.
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
    out += overview_section(data, styles)
    out.append(PageBreak())
    out += matrix_section(data, styles)
    out.append(PageBreak())
    out += charts_section(data, styles)
    out.append(PageBreak())
    out += distribution_section(data, styles)
    out.append(PageBreak())
    out += _failing(data, styles)
    out.append(PageBreak())
    method = _methodology(data, styles)
    # The sign-off never stands alone on a page: the last notes of the methodology go with it.
    out += method[:-4]
    out.append(KeepTogether([*method[-4:], *_sign_off(data, styles)]))
    return out


# -- title ----------------------------------------------------------------------------------------


def _scope_text(data: SummaryData, styles: ReportStyles) -> tuple[str, str]:
    p = data.programme
    s = data.scope
    if s.city_ids:
        cities = bt(styles, "、".join(c.name_zh for c in data.cities), ", ".join(c.name_en for c in data.cities))
    else:
        cities = bt(styles, f"全部 {len(p.cities)} 个城市", f"all {len(p.cities)} cities")
    if s.product_ids:
        products = bt(styles, "、".join(x.name_zh for x in data.products), ", ".join(x.name_en for x in data.products))
    else:
        products = bt(styles, f"全部 {len(p.products)} 类商品", f"all {len(p.products)} kinds of goods")
    return cities, products


def _period_text(data: SummaryData, styles: ReportStyles) -> str:
    s = data.scope
    asked = ""
    if s.since or s.until:
        start = s.since.isoformat() if s.since else "…"
        end = s.until.isoformat() if s.until else "…"
        asked = bt(styles, f"（选定 {start} 至 {end}）", f"(selected {start} to {end})", sep=" ")
    return f"{data.first_day.isoformat()} – {data.last_day.isoformat()} {asked}".strip()


def _title(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    p = data.programme
    out: list[Flowable] = institute_block(data.institute, Kit(styles))
    out.append(Spacer(1, 2 * mm))
    out += bilingual(TITLE_ZH, TITLE_EN, styles, "title")
    out += bilingual(p.name_zh or p.name, p.name, styles, "body")
    for f in out[-2:]:
        if isinstance(f, Paragraph):
            f.style = derive("centred", f.style, alignment=1)
    out.append(Spacer(1, 4 * mm))
    cities, products = _scope_text(data, styles)
    rule_sets = "; ".join(bt(styles, *rule_name(u.rule_set)) for u in data.rule_sets)
    type_zh, type_en = p.inspection_type.words
    task = p.task_source or bt(styles, "未记录（检验项目文件未载明文号）", "not recorded (the programme file gives no document number)")
    pairs = [
        (bt(styles, "报告编号", "Report No."), data.report_no),
        (bt(styles, "编制日期", "Date of report"), data.generated_on.isoformat()),
        (bt(styles, "检查方案", "Programme"), bt(styles, p.name_zh or p.name, p.name)),
        (bt(styles, "检验类别", "Inspection type"), bt(styles, type_zh, type_en)),
        (bt(styles, "任务来源", "Task source"), task),
        (bt(styles, "检验规则", "Rule set"), rule_sets),
        (bt(styles, "城市", "Cities"), cities),
        (bt(styles, "商品", "Goods"), products),
        (bt(styles, "检查期间", "Period covered"), _period_text(data, styles)),
        (bt(styles, "数据截至", "Data as of"), local(data.last_finalised).strftime("%Y-%m-%d %H:%M") + " (UTC+8)"),
        (bt(styles, "数据指纹", "Data fingerprint"), f"SHA-256 {data.fingerprint[:16]}…"),
        (bt(styles, "日期口径", "Calendar"), bt(styles, "北京时间（UTC+8），按开始检验的日期", "China Standard Time (UTC+8), day the inspection was opened")),
    ]
    out.append(key_value_table(pairs, styles, columns=2, label_width=44 * mm if styles.lang == "both" else 30 * mm))
    return out


# -- failing lots ---------------------------------------------------------------------------------


def _failing(data: SummaryData, styles: ReportStyles) -> list[Flowable]:
    out = section("不合格批次清单", "Lots that failed", styles, 5)
    if not data.failing:
        out += bilingual("所选范围内没有不合格批次。", "No lot of the selection failed.", styles, "body")
        return out
    out += bilingual(
        f"共 {len(data.failing)} 批，按城市、商品、检验日期排列。不合格项目及数值取自保存的判定结果。",
        f"{plural(len(data.failing), 'lot')}, by city, kind of goods and day of inspection. The failed criteria and their "
        "figures are those saved with each verdict.", styles, "small")
    out.append(Spacer(1, 1.5 * mm))
    cols = [("序号", "No."), ("城市", "City"), ("商品", "Goods"), ("受检单位 / 生产者", "Inspected site / producer"),
            ("品牌", "Brand"), ("批号", "Batch"), ("生产日期", "Produced"), ("检验日期", "Inspected"),
            ("Qn / N", "Qn / N"), ("不合格项目", "Failed criterion"), ("检验编号", "Inspection")]
    widths_mm = [8, 16, 20, 50, 24, 20, 16, 16, 16, 0, 14]
    fixed = sum(widths_mm) * mm
    widths = [w * mm if w else styles.frame_width - fixed for w in widths_mm]
    head = [bi_cell(zh, en, styles, "cell_head") for zh, en in cols]
    cell = derive("fl", styles.cell, fontSize=7.2, leading=8.8)
    cell_en = derive("fl_en", styles.cell_en, fontSize=6.4, leading=7.6)
    rows: list[list[Any]] = [head]
    for k, lot in enumerate(data.failing, start=1):
        rows.append(_failing_row(k, lot, styles, cell, cell_en))
    out.append(grid_table(rows, widths, styles, header_rows=1, extra=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                                      ("VALIGN", (0, 0), (-1, 0), "MIDDLE")]))
    return out


def _failing_row(k: int, lot: FailingLot, styles: ReportStyles, cell: ParagraphStyle,
                 cell_en: ParagraphStyle) -> list[Any]:
    lang = styles.lang
    city = bilingual_lines(lot.city.name_zh, lot.city.name_en, lang, cell, cell_en, merge_same=True) if lot.city else [
        Paragraph(esc(lot.city_id or "—"), cell)]
    product = bilingual_lines(lot.product.name_zh, lot.product.name_en, lang, cell, cell_en,
                              merge_same=True) if lot.product else [Paragraph(esc(lot.product_id or "—"), cell)]
    kind_zh, kind_en = _SITE_KIND[lot.site_kind]
    site: list[Flowable] = [Paragraph(esc(lot.site_name), cell)]
    if lot.site_address:
        site.append(Paragraph(esc(lot.site_address), cell_en))
    site.append(Paragraph(esc(bt(styles, kind_zh, kind_en)), cell_en))
    if lot.producer_name is None:
        producer = bt(styles, "生产者：未记录", "producer: not recorded")
    elif not lot.producer_name.strip():
        producer = bt(styles, "生产者：标签未标注", "producer: not on the label")
    else:
        where = f"（{lot.producer_address}）" if lot.producer_address else ""
        where_en = f" ({lot.producer_address})" if lot.producer_address else ""
        producer = bt(styles, f"标称生产者：{lot.producer_name}{where}", f"producer: {lot.producer_name}{where_en}")
    site.append(Paragraph(esc(producer), cell))
    # The reasons hold numbers: wrap them at spaces only (CJK wrapping would split 4.9964106 across lines);
    # explain's Chinese wording puts a space on each side of every number.
    reason_zh = derive("rz", cell, wordWrap=None)
    reasons: list[Flowable] = []
    for n in range(len(lot.failed)):
        zh, en = esc(lot.reasons["zh"][n]), esc(lot.reasons["en"][n])
        # Beneath the Chinese the English needs no mark of its own.
        reasons += bilingual_lines(f"{MARK} {zh}", en if lang == "both" else f"{MARK} {en}", lang, reason_zh, cell_en,
                                   markup=True)
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
                     str(plan_row.lots.lots), failed_text(plan_row.lots)])
    widths = [40 * mm, 28 * mm, 22 * mm, 24 * mm, 34 * mm, 30 * mm, 26 * mm, 26 * mm]
    out += bilingual("所用抽样方案", "Sampling plan rows used", styles, "small")
    out.append(plain_table(rows, widths, styles, header_rows=1, numeric_from=1, font_size=7.5, padding=1.5))
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
    date_line = para(bt(styles, "签发日期：________________", "Date of issue: ________________", sep="    "),
                     styles.small)
    inst = data.institute
    seal = para(bt(styles, f"（{inst.seal_note_zh if inst else '检验检测专用章'}）",
                   f"({inst.seal_note_en if inst else 'inspection seal'})"), styles.small)
    return [Spacer(1, 6 * mm), KeepTogether([table, date_line, Spacer(1, 2 * mm), seal,
                                             *statements(data.institute, Kit(styles))])]


__all__ = ["TITLE_EN", "TITLE_ZH", "render_programme_summary", "summary_flowables", "summary_meta"]
