"""Provides the sampling form (定量包装商品净含量抽样单, JJF 1070 appendix H style) as a PDF for both parties to sign on site.

It is printed at sampling, before any package is weighed: it needs no verdict and no finalisation.
It lays out a `SamplingFormSheet` (gathered by `fieldtool.usecases.sampling_form.sampling_form_sheet`)
in Chinese, English or both: the issuing body, the form's number with the lot report's, the
sampling (date and time, place, samplers, inspection type and task), the inspected unit, the
producer as labelled, the samples (product, brand, specification, batch or production date, lot
size, sample count, condition, packaging, where they go), remarks, signature lines for each
sampler and for the inspected unit's representative with the places of both seals, and the note
that the form is made out in duplicate (一式两份). The same data give the same bytes.

API: ``render_sampling_form(sheet, path, lang="both", font=None) -> int`` (pages);
``sampling_form_flowables(sheet, styles)``; ``TITLE_ZH``, ``TITLE_EN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from fieldtool.core.inspection import SiteKind
from fieldtool.infra.institute import Institute
from fieldtool.reports.blocks import bilingual, esc, grid_table
from fieldtool.reports.document import DocumentMeta, ReportStyles, build_pdf, check_lang, make_styles
from fieldtool.reports.fonts import FontChoice, find_cjk_font, require_embedded
from fieldtool.reports.issuer import institute_block
from fieldtool.reports.lot_kit import Kit, when
from fieldtool.storage.sampling import StoredSamplingForm

TITLE_ZH = "定量包装商品净含量抽样单"
TITLE_EN = "Sampling form: net content of prepackaged goods"

UNIT_KIND = {
    SiteKind.PRODUCER: ("生产企业", "producer"),
    SiteKind.WHOLESALER: ("批发/配送企业", "wholesaler"),
    SiteKind.RETAILER: ("零售企业", "retailer"),
}
"""The inspected unit's kind in words."""

DUPLICATE_ZH = "本抽样单一式两份，抽样单位和受检单位各执一份。"
"""The note that the form is made out in duplicate."""
DUPLICATE_EN = "This form is made out in duplicate: one copy for the sampling body, one for the inspected party."


@dataclass(frozen=True)
class SamplingFormSheet:
    """What the printed sampling form shows."""

    stored: StoredSamplingForm
    """The latest form recorded for the inspection."""
    inspection_id: str
    """The inspection it belongs to."""
    report_number: str
    """The number the lot's report will carry (the form names it, so the two are filed together)."""
    inspection_type: tuple[str, str]
    """检验类别 in Chinese and English."""
    task_source: tuple[str, str]
    """任务来源 (the task document) in Chinese and English."""
    institute: Institute | None
    """The issuing body, the sampling body; None: not configured."""


def render_sampling_form(sheet: SamplingFormSheet, path: Path, lang: str = "both", font: FontChoice | None = None) -> int:
    """Render the sampling form to ``path`` (atomically).

    Args:
        sheet: from `fieldtool.usecases.sampling_form.sampling_form_sheet`.
        path: the PDF to write (``-``: standard output).
        lang: ``zh``, ``en`` or ``both`` (Chinese first, English beneath).
        font: the CJK font (`find_cjk_font`); the font fieldtool carries when None.

    Returns:
        The number of pages.

    Raises:
        InputError: unknown language, unwritable path, or a font that would not be embedded.
    """
    chosen = check_lang(lang)
    font = font or find_cjk_font()
    form = sheet.stored.form
    # Signed by both parties on site: an official document, so its font is always embedded.
    require_embedded(font, False, f"sampling form {form.form_no}")
    styles = make_styles(font, chosen)
    meta = DocumentMeta(
        report_number=form.form_no, title_zh=TITLE_ZH, title_en=TITLE_EN, lang=chosen,
        number_zh="抽样单编号", number_en="Sampling form No.",
        subject=f"{form.form_no} {form.unit_name} {form.product_name}".strip(),
        author=", ".join(form.samplers) or "fieldtool",
        keywords=(form.form_no, sheet.report_number, sheet.inspection_id),
    )
    return build_pdf(Path(path), sampling_form_flowables(sheet, styles), meta, font)


def _or_dash(text: str) -> str:
    return text if text.strip() else "—"


def sampling_form_flowables(sheet: SamplingFormSheet, styles: ReportStyles) -> list[Flowable]:
    """The content of the sampling form (fresh flowables on every call)."""
    k = Kit(styles)
    f = sheet.stored.form
    out: list[Flowable] = institute_block(sheet.institute, k)
    out.append(Spacer(0, 2 * mm))
    out += bilingual(TITLE_ZH, TITLE_EN, k.st, "title")
    out.append(Spacer(0, 3 * mm))
    number: list[tuple[Any, Any]] = [
        (k.label("抽样单编号", "Form No."), k.v(f.form_no)),
        (k.label("检验报告编号", "Report No."), k.v(sheet.report_number)),
    ]
    out.append(k.kv(number, columns=2, label_width=30 * mm))
    (type_zh, type_en), (task_zh, task_en) = sheet.inspection_type, sheet.task_source
    sampling: list[tuple[Any, Any]] = [
        (k.label("检验类别", "Inspection type"), k.value(type_zh, type_en)),
        (k.label("任务来源", "Task source"), k.value(task_zh, task_en)),
        (k.label("抽样日期时间", "Sampled at"), k.v(f"{f.sampled_at} (UTC+8)")),
        (k.label("抽样地点", "Place"), k.v(f.place)),
        (k.label("抽样人员", "Samplers"), k.v("、".join(f.samplers) if k.lang == "zh" else ", ".join(f.samplers))),
        (k.label("抽样单位", "Sampling body"),
         k.value(sheet.institute.name_zh, sheet.institute.name_en) if sheet.institute is not None else k.v("—")),
    ]
    out += [*k.section(1, "抽样信息", "Sampling"), k.kv(sampling, columns=2, label_width=30 * mm)]
    zh, en = UNIT_KIND[f.unit_kind]
    unit: list[tuple[Any, Any]] = [
        (k.label("单位名称", "Name"), k.v(f.unit_name)),
        (k.label("地址", "Address"), k.v(_or_dash(f.unit_address))),
        (k.label("单位类型", "Kind of unit"), k.value(zh, en)),
        (k.label("联系人及电话", "Contact"), k.v(_or_dash(f.unit_contact))),
    ]
    out += [*k.section(2, "受检单位", "Inspected unit"), k.kv(unit, columns=2, label_width=30 * mm)]
    producer: list[tuple[Any, Any]] = [
        (k.label("标称生产者名称", "Producer (as labelled)"),
         k.v(f.producer_name) if f.producer_name.strip() else k.value("标签未标注", "not on the label")),
        (k.label("标称生产者地址", "Producer's address"), k.v(_or_dash(f.producer_address))),
    ]
    out += [*k.section(3, "标称生产者", "Producer as labelled"), k.kv(producer, columns=2, label_width=30 * mm)]
    samples: list[tuple[Any, Any]] = [
        (k.label("产品名称", "Product"), k.v(f.product_name)),
        (k.label("商标", "Brand"), k.v(_or_dash(f.brand))),
        (k.label("规格型号", "Specification"), k.v(_or_dash(f.specification))),
        (k.label("批号", "Batch"), k.v(_or_dash(f.batch))),
        (k.label("生产日期", "Production date"), k.v(f.production_date.isoformat() if f.production_date else "—")),
        (k.label("抽样基数", "Lot size"), k.v(str(f.lot_size))),
        (k.label("抽样数量", "Samples taken"), k.v(str(f.sample_count))),
        (k.label("样品状态", "Condition"), k.v(_or_dash(f.sample_condition))),
        (k.label("包装", "Packaging"), k.v(_or_dash(f.packaging))),
        (k.label("样品去向", "Samples go to"), k.v(_or_dash(f.samples_to))),
    ]
    out += [*k.section(4, "样品", "Samples"), k.kv(samples, columns=2, label_width=30 * mm)]
    out.append(k.kv([(k.label("备注", "Remarks"), k.v(_or_dash(f.notes)))], columns=1, label_width=30 * mm))
    out.append(KeepTogether([*k.section(5, "签字", "Signatures"), *_signatures(sheet, k)]))
    return out


def _signatures(sheet: SamplingFormSheet, k: Kit) -> list[Flowable]:
    f = sheet.stored.form
    rows: list[list[Any]] = [[k.head("身份", "role"), k.head("姓名", "name"), k.head("签字", "signature"),
                              k.head("日期", "date")]]
    for i, name in enumerate(f.samplers, start=1):
        rows.append([k.label(f"抽样人员 {i}", f"sampler {i}"), k.v(name), "", ""])
    rows.append([k.label("受检单位代表", "for the inspected unit"), k.v(f.representative), "", ""])
    w = k.width * 0.64
    table = grid_table(rows, [w * 0.30, w * 0.25, w * 0.27, w * 0.18], k.st, zebra=False,
                       extra=[("ROWBACKGROUNDS", (0, 1), (-1, -1), [None]),
                              ("TOPPADDING", (0, 1), (-1, -1), 5), ("BOTTOMPADDING", (0, 1), (-1, -1), 5)])
    seal_w = k.width - w - 3 * mm
    seals = grid_table(
        [[k.label("抽样单位（盖章）", "sampling body (seal)")], [""],
         [k.label("受检单位（盖章）", "inspected unit (seal)")], [""]],
        [seal_w], k.st, zebra=False,
        extra=[("ROWBACKGROUNDS", (0, 0), (-1, -1), [None]), ("TOPPADDING", (0, 1), (0, 1), 16),
               ("TOPPADDING", (0, 3), (0, 3), 16)])
    both = Table([[table, seals]], colWidths=[w + 3 * mm, seal_w], hAlign="LEFT")
    both.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    out: list[Flowable] = [both, Spacer(0, 2 * mm)]
    out += k.small("受检单位代表对抽样过程和本单内容无异议的，请签字确认；有异议的，请在备注栏注明。",
                   "The inspected unit's representative signs to confirm the sampling and this form; any objection "
                   "is written under remarks.")
    out += k.small(DUPLICATE_ZH, DUPLICATE_EN)
    s = sheet.stored
    version_zh = f"（第 {s.revision + 1} 次记录，更正此前的记录）" if s.revision else ""
    version_en = f" (recorded {s.revision + 1} times: this corrects the earlier ones)" if s.revision else ""
    note = ParagraphStyle("form_note", parent=k.st.small, textColor="#7A7A7A")
    out.append(Paragraph(esc(k.t(
        f"记录 {s.record_id}，{when(s.recorded_at)}（UTC+8）{version_zh}；检验 {sheet.inspection_id}",
        f"Record {s.record_id}, {when(s.recorded_at)} (UTC+8){version_en}; inspection {sheet.inspection_id}",
        " / ")), note))
    return out


__all__ = ["DUPLICATE_EN", "DUPLICATE_ZH", "TITLE_EN", "TITLE_ZH", "SamplingFormSheet", "render_sampling_form",
           "sampling_form_flowables"]
