"""Provides the lot report (定量包装商品净含量计量检验报告): the PDF handed to the inspected company and filed.

It lays out a `fieldtool.report_data.LotReportData` in Chinese, English or both (Chinese first,
English beneath): a title block with the verdict, the inspection and site, the product and lot, the
rule set and plan row, the balance and its suitability, sampling, tare and density records, the
full table of packages (T1 and T2 packages marked), every correction with its reason and the
original values, the statistics with their formulas, each criterion, the verdict in large type
with its reasons, a chart, signature lines and the fingerprint of the stored records as text and
as a QR code. Nothing here reads the store or computes a verdict: the numbers are the data's.

API: ``render_lot_report(data, path, lang="both", font=None, draft=False) -> int`` (pages);
``lot_report_flowables(data, styles, draft=False) -> list[Flowable]``; ``lot_document_meta(data,
lang, draft) -> DocumentMeta``; ``TITLE_ZH``, ``TITLE_EN``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from fieldtool import __version__
from fieldtool.core.evaluate import Criterion, CriterionCode, Outcome, PackageClass, Status
from fieldtool.core.inspection import DensityMethod, Measurement, MeasurementSource, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.explain import OUTCOME_WORDS, STATUS_WORDS, criterion_text, defective_label, reason_text
from fieldtool.report_data import LotReportData, local
from fieldtool.reports.charts import lot_chart
from fieldtool.reports.document import (
    CELL_PADDING,
    FAIL_HEX,
    GRID,
    HEAD_FILL,
    INK,
    PASS_HEX,
    DocumentMeta,
    Lang,
    ReportStyles,
    bi_cell,
    bi_text,
    bilingual,
    build_pdf,
    check_lang,
    esc,
    grid_table,
    key_value_table,
    make_styles,
    section,
)
from fieldtool.reports.fonts import FontChoice, find_cjk_font

TITLE_ZH = "定量包装商品净含量计量检验报告"
TITLE_EN = "Net content inspection report"

SITE_KIND = {
    SiteKind.PRODUCER: ("生产企业", "producer"),
    SiteKind.WHOLESALER: ("批发/配送企业", "wholesaler"),
    SiteKind.RETAILER: ("零售企业", "retailer"),
}
SAMPLING = {
    SamplingMethod.SYSTEMATIC: ("等距抽样", "systematic sampling"),
    SamplingMethod.STRATIFIED: ("分层抽样", "stratified sampling"),
    SamplingMethod.SIMPLE_RANDOM: ("简单随机抽样", "simple random sampling"),
}
TARE = {
    TareMethod.INDIVIDUAL: ("逐个皮重：每件样品倒空、清洁、干燥后称量其包装",
                            "individual tare: each package's emptied, cleaned, dried packaging weighed"),
    TareMethod.AVERAGE: ("平均皮重：称量空包装样本，以其平均值作为每件样品的皮重",
                         "average tare: the mean of a sample of empty packagings is every package's tare"),
    TareMethod.NET: ("直接测量净含量（无皮重）", "net quantity measured directly (no tare)"),
}
SOURCE = {MeasurementSource.TYPED: ("录入", "typed"), MeasurementSource.BALANCE: ("天平", "balance")}
DENSITY = {DensityMethod.FLASK: ("容量瓶法", "volumetric flask"), DensityMethod.TYPED: ("录入值", "typed")}
OUTCOME_PENDING = ("未判定", "NOT JUDGED")

QBAR = '<u offset="0.72*F" width="0.06*F">q</u>'
"""q̄ drawn as q with an overline: CJK fonts rarely carry the combining macron (U+0304)."""

RAW_SIZE = 6.5
"""Font size of a balance's raw line in the packages table."""
OK_INK, T1_INK, T2_INK = "#777777", "#E65100", "#B71C1C"
"""The colour of a package's class in the packages table."""
T1_FILL = "#FFF3E0"
T2_FILL = "#FFEBEE"


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


def lot_document_meta(data: LotReportData, lang: Lang = "both", draft: bool = False) -> DocumentMeta:
    """The running header/footer and PDF metadata of a lot report."""
    h = data.header
    return DocumentMeta(
        report_number=data.report_number,
        title_zh=TITLE_ZH,
        title_en=TITLE_EN,
        lang=lang,
        draft=draft or not data.is_final,
        subject=f"{data.report_number} {h.site_name} {h.brand} {h.batch}".strip(),
        author=", ".join(h.inspectors) or "fieldtool",
        keywords=(data.report_number, data.inspection.id, f"sha256:{data.fingerprint}"),
    )


def render_lot_report(
    data: LotReportData,
    path: Path,
    lang: str = "both",
    font: FontChoice | None = None,
    draft: bool = False,
) -> int:
    """Render the lot report of ``data`` to ``path`` (atomically).

    Args:
        data: from `fieldtool.report_data.lot_report_data`.
        path: the PDF to write.
        lang: ``zh``, ``en`` or ``both`` (Chinese first, English beneath).
        font: the CJK font (`find_cjk_font`); found on the system when None.
        draft: mark every page DRAFT / 草稿 (always so when the inspection is not finalised).

    Returns:
        The number of pages.

    Raises:
        InputError: unknown language, unwritable path, or an unusable font.
    """
    chosen = check_lang(lang)
    font = font or find_cjk_font()
    is_draft = draft or not data.is_final
    styles = make_styles(font, chosen)
    flowables = lot_report_flowables(data, styles, draft=is_draft)
    return build_pdf(Path(path), flowables, lot_document_meta(data, chosen, is_draft), font)


# -- the layout ----------------------------------------------------------------------------------


class _Kit:
    """Small helpers bound to one report's styles and language."""

    def __init__(self, styles: ReportStyles) -> None:
        self.st = styles
        self.lang: Lang = styles.lang
        self.width = styles.frame_width

    def t(self, zh: str, en: str, sep: str = " / ") -> str:
        return bi_text(zh, en, self.lang, sep)

    def label(self, zh: str, en: str) -> list[Flowable]:
        return bi_cell(zh, en, self.st, "cell")

    def head(self, zh: str, en: str) -> list[Flowable]:
        return bi_cell(zh, en, self.st, "cell_head")

    def v(self, text: str, *, raw: bool = False) -> Paragraph:
        return Paragraph(text if raw else markup(text), self.st.cell)

    def vb(self, zh: str, en: str) -> list[Flowable]:
        """A value with a Chinese and an English wording."""
        return bi_cell(zh, en, self.st, "cell")

    def body(self, zh: str, en: str, *, raw: bool = False) -> list[Flowable]:
        return bilingual(zh if raw else markup(zh), en if raw else markup(en), self.st, "body", markup=True)

    def small(self, zh: str, en: str) -> list[Flowable]:
        return bilingual(markup(zh), markup(en), self.st, "small", markup=True)

    def section(self, number: int, zh: str, en: str) -> list[Flowable]:
        return section(zh, en, self.st, number)

    def kv(self, pairs: Sequence[tuple[Any, Any]], columns: int = 2, label_width: float | None = None) -> Table:
        return key_value_table(pairs, self.st, columns=columns, label_width=label_width)


def lot_report_flowables(data: LotReportData, styles: ReportStyles, draft: bool = False) -> list[Flowable]:
    """The content of the lot report, section by section (fresh flowables on every call)."""
    k = _Kit(styles)
    out: list[Flowable] = []
    out += _title_block(data, k, draft)
    builders: list[Callable[[LotReportData, _Kit, int], list[Flowable]]] = [
        _general, _site, _product, _rules, _balance, _tare, _density, _packages, _corrections,
        _statistics, _criteria, _signatures, _fingerprint,
    ]
    number = 0
    for build in builders:
        part = build(data, k, number + 1)
        if part:
            number += 1
            out += _keep_heading(part, k.width)
    return out


def _keep_heading(part: list[Flowable], width: float) -> list[Flowable]:
    """Keep a section's heading with its first block when that block is short.

    A long first block (the package table) is left free to split: the heading's page-break check
    already leaves room for its first rows, and keeping it whole would push it to the next page.
    """
    if len(part) < 4 or isinstance(part[1], KeepTogether):
        return part  # too short, or the section grouped its heading itself
    first = part[3]
    if isinstance(first, KeepTogether):
        # Nested KeepTogethers misjudge their height (reportlab 4): merge the inner one's content.
        return [part[0], KeepTogether([*part[1:3], *first._content]), *part[4:]]
    if first.wrap(width, 10_000)[1] > 90 * mm:
        return part
    # The page-break check stays outside: inside a KeepTogether it would count as a page's height.
    return [part[0], KeepTogether(part[1:4]), *part[4:]]


def _outcome(data: LotReportData) -> Outcome | None:
    if data.verdict is not None:
        return data.verdict.outcome
    return data.evaluation.outcome if data.evaluation is not None else None


def _outcome_words(outcome: Outcome | None) -> tuple[str, str]:
    if outcome is None:
        return OUTCOME_PENDING
    return OUTCOME_WORDS["zh"][outcome], OUTCOME_WORDS["en"][outcome]


def _outcome_ink(outcome: Outcome | None) -> str:
    if outcome is Outcome.PASS:
        return PASS_HEX
    if outcome is Outcome.FAIL:
        return FAIL_HEX
    return "#4A4A4A"


def _title_block(data: LotReportData, k: _Kit, draft: bool) -> list[Flowable]:
    st = k.st
    out: list[Flowable] = []
    org = data.profile.organisation if data.profile is not None else ""
    if org:
        out.append(Paragraph(esc(org), ParagraphStyle("org", parent=st.body, alignment=1, fontSize=10, leading=13)))
        out.append(Spacer(0, 2 * mm))
    out += bilingual(TITLE_ZH, TITLE_EN, st, "title")
    if draft:
        out.append(Spacer(0, 1.5 * mm))
        why = ("检验尚未完成，本报告仅供核对，不作为检验结论" if not data.is_final else "草稿，仅供核对")
        why_en = ("the inspection is not finalised: for checking only, not a verdict" if not data.is_final
                  else "draft for checking only")
        out.append(Paragraph(
            f"<font color='#C62828'>{esc(k.t('草稿', 'DRAFT', ' '))} — {esc(k.t(why, why_en, ' / '))}</font>",
            ParagraphStyle("draft", parent=st.body, alignment=1, fontSize=10, leading=13)))
    out.append(Spacer(0, 4 * mm))
    outcome = _outcome(data)
    zh, en = _outcome_words(outcome)
    ink = _outcome_ink(outcome)
    verdict_cell = Paragraph(f"<font color='{ink}'>{esc(k.t(zh, en, '  '))}</font>",
                             ParagraphStyle("vsmall", parent=st.cell, fontSize=11, leading=14))
    h = data.header
    product = (data.product.name_zh, data.product.name_en) if data.product else (h.brand, h.brand)
    pairs: list[tuple[Any, Any]] = [
        (k.label("报告编号", "Report No."), k.v(data.report_number)),
        (k.label("检验日期", "Inspection date"), k.v(data.inspection_date.isoformat())),
        (k.label("受检单位", "Inspected site"), k.v(h.site_name)),
        (k.label("商品", "Product"), k.vb(f"{product[0]}  {h.brand}", f"{product[1]}  {h.brand}")
         if k.lang == "both" else k.v(k.t(product[0], product[1]) + f"  {h.brand}")),
        (k.label("标注净含量", "Nominal quantity"), k.v(fmt(h.nominal, h.unit))),
        (k.label("检验结论", "Verdict"), verdict_cell),
    ]
    out.append(k.kv(pairs, columns=2, label_width=27 * mm))
    return out


def _general(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    h = data.header
    prog: Any = k.v("—")
    if data.programme is not None:
        p = data.programme
        prog = k.vb(p.name_zh or p.name, p.name) if k.lang == "both" else k.v(k.t(p.name_zh or p.name, p.name))
    city: Any = k.v(h.city_id or "—")
    if data.city is not None:
        c = data.city
        zh = c.name_zh if c.province_zh.startswith(c.name_zh) else f"{c.province_zh} {c.name_zh}"
        en = c.name_en if c.province_en == c.name_en else f"{c.name_en}, {c.province_en}"
        city = k.vb(zh, en) if k.lang == "both" else k.v(k.t(zh, en))
    final: Any = k.v("—")
    if data.inspection.finalised_at is not None:
        final = k.v(f"{_when(data.inspection.finalised_at)}  {data.inspection.finalised_by or ''}")
    pairs: list[tuple[Any, Any]] = [
        (k.label("检验项目", "Programme"), prog),
        (k.label("城市", "City"), city),
        (k.label("检验编号", "Inspection id"), k.v(data.inspection.id)),
        (k.label("开始时间", "Opened"), k.v(_when(data.inspection.created_at))),
        (k.label("完成确认", "Finalised"), final),
        (k.label("备注", "Notes"), k.v(h.notes or "—")),
    ]
    return [*k.section(n, "检验概况", "Inspection"), k.kv(pairs)]


def _site(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    h = data.header
    zh, en = SITE_KIND[h.site_kind]
    pairs: list[tuple[Any, Any]] = [
        (k.label("单位名称", "Name"), k.v(h.site_name)),
        (k.label("地址", "Address"), k.v(h.site_address or "—")),
        (k.label("单位类型", "Kind of site"), k.v(k.t(zh, en))),
    ]
    return [*k.section(n, "受检单位", "Inspected site"), k.kv(pairs, columns=1, label_width=32 * mm)]


def _product(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    h = data.header
    product: Any = k.v(h.product_id or "—")
    if data.product is not None:
        p = data.product
        product = k.v(k.t(p.name_zh, p.name_en))
    pairs: list[tuple[Any, Any]] = [
        (k.label("商品名称", "Product"), product),
        (k.label("商标/品名", "Brand"), k.v(h.brand or "—")),
        (k.label("批号", "Batch"), k.v(h.batch or "—")),
        (k.label("生产日期", "Production date"), k.v(h.production_date.isoformat() if h.production_date else "—")),
        (k.label("标注净含量 Qn", "Nominal quantity Qn"), k.v(fmt(h.nominal, h.unit))),
        (k.label("批量 N", "Lot size N"), k.v(f"{h.lot_size}")),
    ]
    return [*k.section(n, "被检商品与批次", "Product and lot"), k.kv(pairs)]


def _rules(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    h = data.header
    plan = data.plan
    row = plan.row
    u = data.unit.symbol
    rules = data.rules
    rule_name: Any = k.vb(rules.name_zh or rules.name, rules.name) if k.lang == "both" else k.v(
        k.t(rules.name_zh or rules.name, rules.name))
    stage = row.stages[0] if row.stages else None
    allowed_t1 = f"{stage.accept}" if stage is not None else "—"
    if plan.multi_stage and row.stages:
        allowed_t1 = "; ".join(f"{k.t(f'第{i + 1}阶段', f'stage {i + 1}', ' ')}: ≤ {s.accept} / ≥ {s.reject}"
                               for i, s in enumerate(row.stages))
    n_text = f"{plan.n}" if not plan.multi_stage else " + ".join(
        str(b - a) for a, b in zip((0, *plan.cumulative[:-1]), plan.cumulative, strict=True))
    lam = fmt(row.lam) if row.lam is not None else k.t("无均值检验", "no mean test")
    pairs: list[tuple[Any, Any]] = [
        (k.label("检验依据", "Rule set"), rule_name),
        (k.label("抽样方案", "Sampling plan"), k.v(f"{h.variant}; N = {h.lot_size}: "
                                                 f"{row.lot_min}–{row.lot_max if row.lot_max is not None else '∞'}")),
        (k.label("样本量 n", "Sample size n"), k.v(n_text)),
        (k.label("修正因子 λ", "Correction factor λ"), k.v(lam)),
        (k.label(f"允许 {defective_label(data.progress, 'zh')} 件数", f"allowed {defective_label(data.progress)}"),
         k.v(allowed_t1)),
        (k.label("允许 d > 2T 件数", "allowed d > 2T"), k.v(f"{row.t2_allowed}")),
        (k.label("允许短缺量 T", "Tolerable negative error T"), k.v(fmt(data.tne, u))),
        (k.label("Qn − T / Qn − 2T", "Qn − T / Qn − 2T"),
         k.v(f"{fmt(data.qn_minus_t, u)} / {fmt(data.qn_minus_2t, u)}")),
    ]
    out = [*k.section(n, "检验依据与抽样方案", "Rules and sampling plan"), k.kv(pairs)]
    # Sampling
    zh, en = SAMPLING[h.sampling_method]
    seed = f"{h.sampling_seed}" if h.sampling_seed is not None else k.t("人工抽取", "drawn by hand")
    spairs: list[tuple[Any, Any]] = [
        (k.label("抽样方法", "Sampling method"), k.v(k.t(zh, en))),
        (k.label("随机数种子", "Seed"), k.v(seed)),
    ]
    out += [Spacer(0, 2 * mm), k.kv(spairs)]
    if data.draw is not None:
        positions = ", ".join(str(p) for p in data.draw.positions)
        out += [Spacer(0, 1.2 * mm), *k.small(
            f"按种子 {data.draw.seed} 抽取的样本位置（批内序号 1…{data.draw.lot_size}）：{positions}",
            f"Positions drawn from seed {data.draw.seed} (1…{data.draw.lot_size} within the lot): {positions}")]
    return out


def _balance(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    info = data.balance
    if info is None:
        return [*k.section(n, "计量器具", "Weighing instrument"),
                *k.body("未使用天平（直接计数或测量）。", "No balance used (counted or measured directly).")]
    b = info.balance
    bu = b.unit
    due = b.calibration_due.isoformat() if b.calibration_due else "—"
    valid = ""
    if info.calibration_valid is not None:
        valid = k.t("检验日在有效期内", "in date on the inspection day") if info.calibration_valid else k.t(
            "检验日已过期", "EXPIRED on the inspection day")
    pairs: list[tuple[Any, Any]] = [
        (k.label("制造商/型号", "Make / model"), k.v(f"{b.make} {b.model}")),
        (k.label("出厂编号", "Serial No."), k.v(b.serial)),
        (k.label("最大秤量 Max", "Max"), k.v(fmt(b.max_capacity, bu))),
        (k.label("实际分度值 d", "Scale interval d"), k.v(fmt(b.d, bu))),
        (k.label("检定分度值 e", "Verification interval e"), k.v(fmt(b.e, bu))),
        (k.label("准确度等级", "Accuracy class"), k.v(b.accuracy_class or "—")),
        (k.label("最大允许误差 MPE", "MPE"), k.v(fmt(b.mpe, bu))),
        (k.label("检定/校准证书", "Certificate"), k.v(b.certificate or "—")),
        (k.label("有效期至", "Valid until"), k.v(f"{due}  {valid}".strip())),
        (k.label("登记编号", "Register id"), k.v(b.id)),
    ]
    out = [*k.section(n, "计量器具", "Weighing instrument"), k.kv(pairs)]
    s = info.suitability
    if s is not None:
        ok_zh, ok_en = ("适用", "suitable") if s.suitable else ("不适用", "NOT suitable")
        ink = "#1B5E20" if s.suitable else "#B71C1C"
        liquid = data.unit.kind.value == "volume"
        note_zh = "（体积 T 按密度换算为质量）" if liquid else ""
        note_en = " (a volume T converted to mass with the density)" if liquid else ""
        cmp = "≤" if s.suitable else ">"
        zh = (f"器具适用性：{s.basis} = {fmt(s.error, bu)} {cmp} {fmt(s.fraction)} × T = {fmt(s.fraction)} × "
              f"{fmt_derived(info.tne_in_balance_unit, bu)} = {fmt_derived(s.limit, bu)}{note_zh}：")
        en = (f"Suitability: {s.basis} = {fmt(s.error, bu)} {cmp} {fmt(s.fraction)} × T = {fmt(s.fraction)} × "
              f"{fmt_derived(info.tne_in_balance_unit, bu)} = {fmt_derived(s.limit, bu)}{note_en}: ")
        out.append(Spacer(0, 1.5 * mm))
        out += bilingual(f"{markup(zh)}<font color='{ink}'><b>{ok_zh}</b></font>",
                         f"{markup(en)}<font color='{ink}'><b>{ok_en}</b></font>", k.st, "body", markup=True)
    return out


def _tare(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    tare = data.tare
    zh, en = TARE[tare.method]
    wu = data.weighing_unit.symbol
    out = [*k.section(n, "皮重", "Tare"), *k.body(f"皮重方法：{zh}", f"Tare method: {en}")]
    if tare.method is TareMethod.INDIVIDUAL:
        out += k.small("每件样品的皮重见样本单位测量结果表。", "Each package's tare is in the table of packages.")
    weighings = [w for w in tare.weighings]
    if weighings:
        per_row = 4
        rows: list[list[Any]] = [[k.head("序号", "No."), k.head(f"皮重 ({wu})", f"tare ({wu})")] * per_row]
        cells = [(str(i), fmt(w.value)) for i, w in enumerate(weighings, 1)]
        for start in range(0, len(cells), per_row):
            chunk = cells[start:start + per_row]
            chunk += [("", "")] * (per_row - len(chunk))
            rows.append([c for pair in chunk for c in pair])
        w = k.width / per_row
        out += [Spacer(0, 1.5 * mm),
                grid_table(rows, [w * 0.35, w * 0.65] * per_row, k.st, numeric_cols=range(2 * per_row), zebra=False)]
    a = tare.average
    if a is not None:
        s_text = fmt(a.stdev, wu) if a.stdev is not None else "—"
        verdict_zh = "接受平均皮重" if a.accepted else f"不接受：{a.problem}"
        verdict_en = "average tare accepted" if a.accepted else f"refused: {a.problem}"
        out += [Spacer(0, 1.5 * mm), *k.body(
            f"空包装样本 n = {a.n}（至少 {a.min_sample}），平均皮重 = {fmt(a.mean, wu)}，s = {s_text}，"
            f"限值 {fmt(data.rules.tare.max_stdev_fraction_of_tne)} × T = {fmt_derived(a.limit, wu)}：{verdict_zh}",
            f"Tare sample n = {a.n} (at least {a.min_sample}), mean tare = {fmt(a.mean, wu)}, s = {s_text}, "
            f"limit {fmt(data.rules.tare.max_stdev_fraction_of_tne)} × T = {fmt_derived(a.limit, wu)}: {verdict_en}")]
    return out


def _density(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    if not data.needs_density and not data.densities:
        return []
    out = [*k.section(n, "密度（20 °C）", "Density (20 °C)")]
    if not data.densities:
        return out + k.body("尚未记录密度。", "No density recorded yet.")
    rows: list[list[Any]] = [[
        k.head("序号", "No."), k.head("方法", "method"), k.head("容量瓶 V (mL)", "flask V (mL)"),
        k.head("满瓶 (g)", "filled (g)"), k.head("空瓶 (g)", "empty (g)"), k.head("ρ (g/mL)", "ρ (g/mL)"),
        k.head("温度 (°C)", "temp. (°C)"), k.head("时间", "time"),
    ]]
    for i, d in enumerate(data.densities, 1):
        zh, en = DENSITY[d.method]
        rows.append([str(i), k.t(zh, en, " "), fmt(d.flask_volume_ml), fmt(d.filled_g), fmt(d.empty_g),
                     fmt(d.density_g_per_ml), fmt(d.temperature_c), _when(d.recorded_at)])
    w = k.width
    out.append(grid_table(rows, [w * 0.06, w * 0.16, w * 0.12, w * 0.11, w * 0.11, w * 0.11, w * 0.1, w * 0.23],
                          k.st, numeric_cols=(0, 2, 3, 4, 5, 6)))
    used = data.densities[-1]
    out.append(Spacer(0, 1.5 * mm))
    out += k.small(
        f"ρ = (m满 − m空) / V；净体积 V = m / ρ，m = 毛重 − 皮重，按 0.01 mL 修约（四舍六入五留双）。"
        f"计算所用密度 ρ = {fmt(used.density_g_per_ml)} g/mL。",
        f"ρ = (m_filled − m_empty) / V; net volume V = m / ρ with m = gross − tare, rounded half-even to 0.01 mL. "
        f"Density used: ρ = {fmt(used.density_g_per_ml)} g/mL.")
    return out


def _packages(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    u = data.unit.symbol
    wu = data.weighing_unit.symbol
    with_mass = data.needs_density
    has_gross = any(p.measurement.gross is not None for p in data.packages)
    header: list[Any] = [k.head("序号", "No.")]
    widths: list[float] = [0.055]
    if has_gross:
        header += [k.head(f"毛重 ({wu})", f"gross ({wu})"), k.head(f"皮重 ({wu})", f"tare ({wu})")]
        widths += [0.105, 0.095]
    if with_mass:
        header += [k.head(f"净质量 m ({wu})", f"net mass ({wu})")]
        widths += [0.105]
    header += [k.head(f"净含量 q ({u})", f"net q ({u})"), k.head(f"短缺量 d ({u})", f"shortfall d ({u})"),
               k.head("类别", "class"), k.head("来源", "source"), k.head("时间", "time")]
    widths += [0.115, 0.115, 0.06, 0.1, 0.09]
    note_w = 1 - sum(widths)
    header.append(k.head("备注", "note"))
    widths.append(note_w)
    rows: list[list[Any]] = [header]
    extra: list[tuple[Any, ...]] = []
    note_room = note_w * k.width - 2 * CELL_PADDING
    mean_n = data.plan.mean_n
    partial_mean = mean_n is not None and mean_n < len(data.packages)
    for r, p in enumerate(data.packages, start=1):
        m = p.measurement
        row: list[Any] = [str(p.number)]
        if has_gross:
            row += [fmt(m.gross), fmt(m.tare)]
        if with_mass:
            row += [fmt(p.net_mass)]
        cls = p.cls
        class_col = len(row) + 2  # after the net quantity and the shortfall
        if cls is not PackageClass.OK:
            # Plain cells (no paragraph per package: the table is most of the report's work), coloured by commands.
            ink = T1_INK if cls is PackageClass.T1 else T2_INK
            extra += [("TEXTCOLOR", (class_col, r), (class_col, r), ink),
                      ("BACKGROUND", (0, r), (-1, r), T1_FILL if cls is PackageClass.T1 else T2_FILL)]
        zh, en = SOURCE[m.source]
        notes: list[str] = []
        if p.corrected:
            notes.append(k.t("已更正", "corrected", " "))
        if partial_mean and p.in_mean_sample:
            notes.append(k.t("均值样本", "mean sample", " "))
        note: Any = k.v("; ".join(notes)) if notes else ""
        if m.raw is not None:
            # The balance's line is evidence: printed as received (visible spaces kept).
            raw_lines = m.raw.rstrip("\r\n").splitlines()
            if not notes and all(stringWidth(line, k.st.font.name, RAW_SIZE) <= note_room for line in raw_lines):
                # A plain cell (one per captured package: a paragraph each would cost more than the rest of the row).
                note = "\n".join(raw_lines)
                extra += [("FONTSIZE", (-1, r), (-1, r), RAW_SIZE), ("LEADING", (-1, r), (-1, r), RAW_SIZE * 1.2)]
            else:
                raw = "<br/>".join(esc(line).replace(" ", "&nbsp;") for line in raw_lines)
                note = Paragraph("; ".join([*map(esc, notes), f"<font size='{RAW_SIZE}'>{raw}</font>"]), k.st.cell)
        row += [fmt(m.net), fmt(p.shortfall), "OK" if cls is PackageClass.OK else cls.value, k.t(zh, en, " "),
                _clock(m.recorded_at), note]
        rows.append(row)
    numeric = range(1, 1 + (2 if has_gross else 0) + (1 if with_mass else 0) + 2)
    last = len(widths) - 1
    class_col = last - 3
    extra = [("TEXTCOLOR", (class_col, 1), (class_col, -1), OK_INK), ("ALIGN", (class_col, 1), (class_col, -1), "CENTER"), *extra]
    table = grid_table(rows, [w * k.width for w in widths], k.st, numeric_cols=[0, *numeric],
                       plain_cols=(class_col, last - 2, last - 1, last), extra=extra)
    out = [*k.section(n, "样本单位测量结果", "Packages measured")]
    out += k.small(
        f"d = Qn − q；T < d ≤ 2T 为 T1 类短缺，d > 2T 为 T2 类短缺（已用底色标出）。时间为北京时间（UTC+8）。"
        f"共 {len(data.packages)} 件；T1 {data.t1_count} 件，T2 {data.t2_count} 件。",
        f"d = Qn − q; T < d ≤ 2T is a T1 package, d > 2T a T2 package (shaded). Times are China Standard Time "
        f"(UTC+8). {len(data.packages)} packages; T1: {data.t1_count}, T2: {data.t2_count}.")
    out += [Spacer(0, 1.2 * mm), table]
    return out


def _version_text(m: Measurement, data: LotReportData, k: _Kit) -> str:
    wu = m.weighing_unit or m.unit
    parts = []
    if m.gross is not None:
        parts.append(f"{esc(k.t('毛重', 'gross', ' '))} {fmt(m.gross, wu)}")
    if m.tare is not None:
        parts.append(f"{esc(k.t('皮重', 'tare', ' '))} {fmt(m.tare, wu)}")
    parts.append(f"{esc(k.t('净含量', 'net', ' '))} {fmt(m.net, m.unit)}")
    return "<br/>".join(parts)


def _corrections(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    out = [*k.section(n, "更正与撤销记录", "Corrections and withdrawals")]
    if not data.corrections:
        return out + k.body("无更正或撤销。", "No entry was corrected or withdrawn.")
    number_of = {p.measurement.position: p.number for p in data.packages}
    rows: list[list[Any]] = [[
        k.head("序号", "No."), k.head("原记录（保留）", "original entry (kept)"), k.head("更正后", "replaced by"),
        k.head("原因", "reason"), k.head("时间", "time"),
    ]]
    for c in data.corrections:
        current = number_of.get(c.position)
        no = str(current) if current is not None and not c.withdrawn else k.t(
            f"第 {c.position} 次录入", f"entry {c.position}", " ")
        original = Paragraph(_version_text(c.original, data, k), k.st.cell)
        if c.withdrawn:
            new: Any = Paragraph(f"<b>{esc(k.t('撤销（不计入样本）', 'withdrawn (not counted)', ' '))}</b>", k.st.cell)
        else:
            new = Paragraph(_version_text(c.replacement, data, k), k.st.cell)
        rows.append([no, original, new, k.v(c.reason), _when(c.replacement.recorded_at)])
    w = k.width
    out.append(grid_table(rows, [w * 0.09, w * 0.22, w * 0.22, w * 0.31, w * 0.16], k.st, numeric_cols=(0,),
                          zebra=False))
    return out


def _statistics(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    u = data.unit.symbol
    out = [*k.section(n, "统计计算", "Statistics")]
    f = data.statistics
    qn = fmt(data.nominal)
    rows: list[list[Any]] = [[k.head("项目", "quantity"), k.head("公式与计算", "formula and computation"),
                              k.head("结果", "result")]]

    def add(zh: str, en: str, formula: str, value: str) -> None:
        rows.append([k.label(zh, en), Paragraph(formula, k.st.cell), Paragraph(markup(value), k.st.cell_num)])

    if f is not None:
        s = f.stats
        lam = fmt(s.lam)
        add("均值样本量", "mean sample size", "n", str(s.n))
        add("净含量之和", "sum of nets", "Σq = q<sub>1</sub> + q<sub>2</sub> + … + q<sub>n</sub>", fmt(f.sum_q, u))
        add("平均实际含量", "mean", f"{QBAR} = Σq / n = {fmt(f.sum_q)} / {s.n}", fmt(s.mean, u))
        if s.stdev is not None and f.sum_sq_dev is not None:
            add("离差平方和", "sum of squared deviations", f"Σ(q − {QBAR})²", fmt(f.sum_sq_dev, f"{u}²"))
            add("样本标准偏差", "standard deviation",
                f"s = √( Σ(q − {QBAR})² / (n − 1) ) = √( {fmt(f.sum_sq_dev)} / {s.n - 1} )", fmt(s.stdev, u))
        add("修正因子", "correction factor", f"λ ({esc(data.rules.id)}, n = {data.plan.n})", lam)
        add("λ·s", "λ·s", f"λ × s = {lam} × {fmt(s.stdev)}", fmt(s.lam_s, u))
        add("均值限", "mean limit", f"Qn − λ·s = {qn} − {fmt(s.lam_s)}", fmt(f.limit, u))
        margin = f.margin
        add("余量", "margin", f"{QBAR} − (Qn − λ·s) = {fmt(s.mean)} − {fmt(f.limit)}",
            ("+" if margin >= 0 else "") + fmt(margin, u))
    add("允许短缺量", "TNE", esc(k.t(f"T（{data.rules.id}，Qn = {qn} {u}）", f"T ({data.rules.id}, Qn = {qn} {u})")),
        fmt(data.tne, u))
    add("Qn − T", "Qn − T", f"{qn} − {fmt(data.tne)}", fmt(data.qn_minus_t, u))
    add("Qn − 2T", "Qn − 2T", f"{qn} − 2 × {fmt(data.tne)}", fmt(data.qn_minus_2t, u))
    stage = data.plan.row.stages
    allowed = f"{stage[0].accept}" if stage else "—"
    add("T1 类短缺件数", "T1 packages",
        esc(k.t(f"T < d ≤ 2T 的件数（允许 {allowed}）", f"count of T < d ≤ 2T (allowed {allowed})")),
        str(data.t1_count))
    add("T2 类短缺件数", "T2 packages", esc(k.t(f"d > 2T 的件数（允许 {data.plan.row.t2_allowed}）",
                                             f"count of d > 2T (allowed {data.plan.row.t2_allowed})")),
        str(data.t2_count))
    w = k.width
    out.append(grid_table(rows, [w * 0.24, w * 0.52, w * 0.24], k.st, zebra=False))
    if f is not None and f.stats.n < len(data.packages):
        out += k.small(f"均值样本为前 {f.stats.n} 件。", f"The mean sample is the first {f.stats.n} packages.")
    if f is None and data.plan.row.lam is None:
        out += k.small("本批量无平均实际含量检验（逐件判定）。", "No mean test for this lot size (packages judged singly).")
    return out


def _criteria_of(data: LotReportData) -> tuple[Criterion, ...]:
    if data.verdict is not None:
        return data.verdict.criteria
    if data.evaluation is not None:
        return data.evaluation.criteria
    return ()


def _criterion_name(data: LotReportData, c: Criterion, k: _Kit) -> list[Flowable]:
    if c.code is CriterionCode.MEAN:
        return k.label("平均实际含量", "mean requirement")
    if c.code is CriterionCode.T2:
        return k.label("d > 2T 的件数", "packages beyond 2T")
    return k.label(f"{defective_label(data.progress, 'zh')} 的件数", f"packages with {defective_label(data.progress)}")


def _criteria(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    heading = k.section(n, "判定", "Verdict")
    out: list[Flowable] = heading[1:]
    criteria = _criteria_of(data)
    ctx = data.evaluation if data.evaluation is not None else data.progress
    if criteria:
        rows: list[list[Any]] = [[k.head("判定项目", "criterion"), k.head("结果", "finding"), k.head("符合性", "status")]]
        extra: list[tuple[Any, ...]] = []
        for r, c in enumerate(criteria, start=1):
            finding = bilingual(markup(criterion_text(ctx, c, "zh")), markup(criterion_text(ctx, c, "en")), k.st,
                                "cell", markup=True)
            ink = "#1B5E20" if c.status is Status.PASS else "#B71C1C" if c.status is Status.FAIL else "#4A4A4A"
            words = esc(k.t(STATUS_WORDS["zh"][c.status], STATUS_WORDS["en"][c.status], " "))
            status = Paragraph(f"<font color='{ink}'><b>{words}</b></font>", k.st.cell_head)
            rows.append([_criterion_name(data, c, k), finding, status])
            if c.status is Status.FAIL:
                extra.append(("BACKGROUND", (0, r), (-1, r), T2_FILL))
        w = k.width
        out.append(grid_table(rows, [w * 0.2, w * 0.64, w * 0.16], k.st, zebra=False, extra=extra))
    else:
        done, needed = len(data.packages), data.progress.needed
        out += k.body(f"样本尚未完成：已测 {done} 件，共需 {needed} 件；尚不能判定。",
                      f"The sample is incomplete: {done} of {needed} packages measured; no verdict yet.")
        for c in data.progress.settled_failures:
            out += k.body("已确定不符合：" + criterion_text(ctx, c, "zh"), "Already failed: " + criterion_text(ctx, c, "en"))
    out.append(Spacer(0, 3 * mm))
    out.append(_verdict_box(data, k))
    if data.verdict is not None and not data.verdict_matches:
        out += k.body("注意：按存储的测量结果重新计算的结论与保存的结论不一致。",
                      "Warning: the verdict recomputed from the stored measurements differs from the saved verdict.")
    out = [heading[0], KeepTogether(out)]
    if data.packages:
        stats = data.statistics
        chart = lot_chart(
            [p.net for p in data.packages],
            [p.cls.value if p.cls is not PackageClass.OK else "ok" for p in data.packages],
            nominal=data.nominal, tne=data.tne,
            mean_limit=stats.limit if stats is not None else None,
            mean=stats.stats.mean if stats is not None else None,
            unit=data.unit.symbol, width=k.width, height=200, font_name=k.st.font.name, lang=k.lang,
        )
        legend = k.small(
            "图：各样本单位净含量（● T 以内，■ T1 类短缺，◆ T2 类短缺）与 Qn、Qn − T、Qn − 2T 及均值限。",
            "Chart: each package's net quantity (● within T, ■ T1, ◆ T2) against Qn, Qn − T, Qn − 2T "
            "and the mean limit.")
        out.append(Spacer(0, 3 * mm))
        out.append(KeepTogether([chart, *legend]))
    return out


def _verdict_box(data: LotReportData, k: _Kit) -> Table:
    outcome = _outcome(data)
    zh, en = _outcome_words(outcome)
    ink = _outcome_ink(outcome)
    st = k.st
    big: list[Flowable] = []
    head_zh = f"检验结论：<font color='{ink}'>{esc(zh)}</font>"
    head_en = f"Verdict: <font color='{ink}'>{esc(en)}</font>"
    big += bilingual(head_zh, head_en, st, "verdict", markup=True)
    reasons: list[Flowable] = []
    ev = data.evaluation
    if ev is not None:
        decided = [c for c in (data.verdict.criteria if data.verdict is not None else ev.criteria)
                   if c.status is not Status.PASS]
        if decided:
            for c in decided:
                reasons += bilingual(markup("• " + reason_text(ev, c, "zh")), markup("• " + reason_text(ev, c, "en")),
                                     st, "body", markup=True)
        else:
            reasons += bilingual("各项判定均符合要求，该批定量包装商品净含量合格。",
                                 "Every criterion is met: the lot's net content complies.", st, "body")
    box = Table([[big], [reasons or [Spacer(0, 0)]]], colWidths=[k.width])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.6, INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
    ]))
    box.keepWithNext = False
    return box


def _signatures(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    h = data.header
    out = [*k.section(n, "签字", "Signatures")]
    rows: list[list[Any]] = [[k.head("身份", "role"), k.head("姓名", "name"), k.head("签字", "signature"),
                              k.head("日期", "date")]]
    profile = data.profile
    for i, name in enumerate(h.inspectors or ("",), start=1):
        extra = ""
        if profile is not None and name and name == profile.name and profile.inspector_no:
            extra = f"  ({profile.inspector_no})"
        rows.append([k.label(f"检验人员 {i}", f"inspector {i}"), k.v(f"{name}{extra}"), "", ""])
    rows.append([k.label("受检单位代表", "for the inspected site"), "", "", ""])
    w = k.width
    table = grid_table(rows, [w * 0.24, w * 0.28, w * 0.30, w * 0.18], k.st, zebra=False,
                       extra=[("ROWBACKGROUNDS", (0, 1), (-1, -1), [None]),
                              ("TOPPADDING", (0, 1), (-1, -1), 9), ("BOTTOMPADDING", (0, 1), (-1, -1), 9)])
    block: list[Flowable] = [table]
    if data.inspection.finalised_by:
        block += k.small(f"由 {data.inspection.finalised_by} 于 {_when(data.inspection.finalised_at)} 确认完成（UTC+8）。",
                       f"Finalised by {data.inspection.finalised_by} at {_when(data.inspection.finalised_at)} (UTC+8).")
    if data.profile is not None and data.profile.organisation:
        block += k.small(f"检验机构：{data.profile.organisation}", f"Inspecting authority: {data.profile.organisation}")
    out.append(KeepTogether(block))
    return out


def _fingerprint(data: LotReportData, k: _Kit, n: int) -> list[Flowable]:
    out = [*k.section(n, "记录指纹", "Record fingerprint")]
    size = 32 * mm
    # The flowable draws straight on the canvas: several times faster than the graphics widget.
    drawing = QrCode(data.qr_payload, qrLevel="M", width=size, height=size)
    text: list[Flowable] = []
    text += bilingual(
        f"本报告所依据的 {data.record_count} 条存储记录的 SHA-256 指纹：",
        f"SHA-256 fingerprint of the {data.record_count} stored records this report is made from:",
        k.st, "body")
    text.append(Paragraph(f"<b>{data.fingerprint}</b>", ParagraphStyle(
        "fp", parent=k.st.body_en, fontSize=8.2, leading=11, textColor=INK, wordWrap=None)))
    text += bilingual(
        "指纹为检验全部记录哈希值按记录时间排列后的规范 JSON 的 SHA-256 值；记录的任何改动都会改变指纹。"
        + ("草稿报告的指纹只涵盖截至目前的记录。" if not data.is_final else ""),
        "The fingerprint is SHA-256 over the canonical JSON of the list of the hashes of every record of the "
        "inspection, in the order recorded; any change to the records changes it."
        + (" A draft's fingerprint covers the records so far." if not data.is_final else ""),
        k.st, "small")
    text += bilingual(f"由 fieldtool {__version__} 生成。", f"Made by fieldtool {__version__}.", k.st, "small")
    table = Table([[drawing, text]], colWidths=[size + 4 * mm, k.width - size - 4 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    out.append(table)
    return out


def _when(moment: datetime | None) -> str:
    """A stored time as ``YYYY-MM-DD HH:MM`` in the report's time zone."""
    return "—" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M")


def _clock(moment: datetime) -> str:
    """A stored time as ``HH:MM:SS`` in the report's time zone."""
    return local(moment).strftime("%H:%M:%S")


__all__ = ["TITLE_EN", "TITLE_ZH", "lot_document_meta", "lot_report_flowables", "render_lot_report"]
