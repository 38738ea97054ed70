"""Provides the lot report (定量包装商品净含量计量检验报告): the PDF handed to the inspected company and filed.

It lays out a `fieldtool.reports.lot_model.LotReportData` in Chinese, English or both (Chinese
first, English beneath): a title block with the verdict, the inspection and site, the product and
lot, the rule set and plan row, the balance and its suitability, sampling, tare and density records
(the sections of ``lot_setup.py``), the full table of packages (T1 and T2 packages marked), every
correction with its reason and the original values, the statistics with their formulas, each
criterion, the verdict in large type with its reasons, a chart (``lot_results.py``), signature
lines and the fingerprint of the stored records as text and as a QR code. Nothing here reads the
store or computes a verdict: the numbers are the data's.

API: ``render_lot_report(data, path, lang="both", font=None, draft=False) -> int`` (pages);
``lot_report_flowables(data, styles, draft=False) -> list[Flowable]``; ``lot_document_meta(data,
lang, draft) -> DocumentMeta``; ``TITLE_ZH``, ``TITLE_EN``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from fieldtool import __version__
from fieldtool.reports.blocks import bilingual, esc, grid_table
from fieldtool.reports.document import (
    INK,
    DocumentMeta,
    Lang,
    ReportStyles,
    build_pdf,
    check_lang,
    make_styles,
    verdict_ink,
)
from fieldtool.reports.fonts import FontChoice, find_cjk_font, require_embedded
from fieldtool.reports.issuer import institute_block, statements
from fieldtool.reports.lot_kit import Kit, Section, fmt, outcome_of, outcome_words, when
from fieldtool.reports.lot_model import LotReportData, ReportVerification
from fieldtool.reports.lot_results import (
    chart_section,
    corrections_section,
    criteria_section,
    packages_section,
    statistics_section,
)
from fieldtool.reports.lot_setup import (
    balance_section,
    density_section,
    inspection_section,
    inspection_type,
    product_section,
    rules_section,
    site_section,
    tare_section,
)

TITLE_ZH = "定量包装商品净含量计量检验报告"
TITLE_EN = "Net content inspection report"


def lot_document_meta(data: LotReportData, lang: Lang = "both", draft: bool = False) -> DocumentMeta:
    """The running header/footer and PDF metadata of a lot report."""
    h = data.header
    return DocumentMeta(
        report_number=data.report_number,
        title_zh=TITLE_ZH,
        title_en=TITLE_EN,
        lang=lang,
        draft=draft or not data.is_final,
        not_issued=data.is_final and not data.sign_off.issued,
        awaiting=("待批准", "awaiting approval") if data.sign_off.reviewer else ("待审核批准", "awaiting review and approval"),
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
        data: from `fieldtool.usecases.lot_report.lot_report_data`.
        path: the PDF to write.
        lang: ``zh``, ``en`` or ``both`` (Chinese first, English beneath).
        font: the CJK font (`find_cjk_font`); the font fieldtool carries when None.
        draft: mark every page DRAFT / 草稿 (always so when the inspection is not finalised).

    Returns:
        The number of pages.

    Raises:
        InputError: unknown language, unwritable path, or an unusable font.
    """
    chosen = check_lang(lang)
    font = font or find_cjk_font()
    is_draft = draft or not data.is_final
    require_embedded(font, is_draft, f"lot report {data.report_number}")
    styles = make_styles(font, chosen)
    flowables = lot_report_flowables(data, styles, draft=is_draft)
    return build_pdf(Path(path), flowables, lot_document_meta(data, chosen, is_draft), font)


# -- the layout ----------------------------------------------------------------------------------


def lot_report_flowables(data: LotReportData, styles: ReportStyles, draft: bool = False) -> list[Flowable]:
    """The content of the lot report, section by section (fresh flowables on every call)."""
    k = Kit(styles)
    out: list[Flowable] = []
    out += _title_block(data, k, draft)
    builders: list[Section] = [
        inspection_section, site_section, product_section, rules_section, balance_section, tare_section,
        density_section, packages_section, corrections_section, statistics_section, chart_section, _conclusion,
        _fingerprint,
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


def _title_block(data: LotReportData, k: Kit, draft: bool) -> list[Flowable]:
    st = k.st
    out: list[Flowable] = institute_block(data.institute, k)
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
    outcome = outcome_of(data)
    zh, en = outcome_words(outcome)
    ink = verdict_ink(outcome)
    verdict_cell = Paragraph(f"<font color='{ink}'>{esc(k.t(zh, en, '  '))}</font>",
                             ParagraphStyle("vsmall", parent=st.cell, fontSize=11, leading=14))
    h = data.header
    product = (data.product.name_zh, data.product.name_en) if data.product else (h.brand, h.brand)
    (type_zh, type_en), (task_zh, task_en) = inspection_type(data)
    pairs: list[tuple[Any, Any]] = [
        (k.label("报告编号", "Report No."), k.v(data.report_number)),
        (k.label("检验日期", "Inspection date"), k.v(data.inspection_date.isoformat())),
        (k.label("检验类别", "Inspection type"), k.value(type_zh, type_en)),
        (k.label("任务来源", "Task source"), k.value(task_zh, task_en)),
        (k.label("受检单位", "Inspected site"), k.v(h.site_name)),
        (k.label("商品", "Product"), k.value(f"{product[0]}  {h.brand}", f"{product[1]}  {h.brand}")),
        (k.label("标注净含量", "Nominal quantity"), k.v(fmt(h.nominal, h.unit))),
        (k.label("检验结论", "Verdict"), verdict_cell),
    ]
    out.append(k.kv(pairs, columns=2, label_width=27 * mm))
    return out


def _conclusion(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The verdict with its conclusions, the signatures, the seal and the statements, kept on one page."""
    part = criteria_section(data, k, n)
    kept = part[-1]
    content = list(kept._content) if isinstance(kept, KeepTogether) else [kept]
    block = [*content, Spacer(0, 3 * mm), *signature_block(data, k), *statements(data.institute, k)]
    return [*part[:-1], KeepTogether(block)]


def signature_block(data: LotReportData, k: Kit) -> list[Flowable]:
    """Signatures: inspectors, reviewer (审核), approver (批准), the inspected site, the issue date; the seal's place."""
    h = data.header
    so = data.sign_off
    rows: list[list[Any]] = [[k.head("身份", "role"), k.head("姓名", "name"), k.head("签字", "signature"),
                              k.head("日期", "date")]]
    profile = data.profile
    final_day = when(data.inspection.finalised_at)[:10] if data.inspection.finalised_at is not None else ""
    for i, name in enumerate(h.inspectors or ("",), start=1):
        extra = ""
        if profile is not None and name and name == profile.name and profile.inspector_no:
            extra = f"  ({profile.inspector_no})"
        rows.append([k.label(f"检验人员 {i}", f"inspector {i}"), k.v(f"{name}{extra}"), "", k.v(final_day)])
    rows.append([k.label("审核", "reviewed by"), k.v(so.reviewer or ""), "",
                 k.v(so.reviewed_on.isoformat() if so.reviewed_on else "")])
    rows.append([k.label("批准（授权签字人）", "approved by (authorised signatory)"), k.v(so.approver or ""), "",
                 k.v(so.approved_on.isoformat() if so.approved_on else "")])
    rows.append([k.label("受检单位代表", "for the inspected site"), "", "", ""])
    rows.append([k.label("签发日期", "date of issue"), k.v(so.issued_on.isoformat() if so.issued_on else ""), "", ""])
    w = k.width * 0.70
    table = grid_table(rows, [w * 0.30, w * 0.26, w * 0.26, w * 0.18], k.st, zebra=False,
                       extra=[("ROWBACKGROUNDS", (0, 1), (-1, -1), [None]),
                              ("TOPPADDING", (0, 1), (-1, -1), 6), ("BOTTOMPADDING", (0, 1), (-1, -1), 6),
                              ("SPAN", (1, -1), (-1, -1))])
    inst = data.institute
    seal_zh, seal_en = (inst.seal_note_zh, inst.seal_note_en) if inst is not None else ("检验检测专用章", "inspection seal")
    seal_style = ParagraphStyle("seal", parent=k.st.small, alignment=1, textColor="#7A7A7A")
    seal = Table([[Paragraph(esc(k.t(f"（{seal_zh}）", f"({seal_en})", "<br/>")).replace("&lt;br/&gt;", "<br/>"),
                             seal_style)]],
                 colWidths=[42 * mm], rowHeights=[42 * mm])
    seal.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, "#9A9A9A"), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    both = Table([[table, seal]], colWidths=[w, k.width - w], hAlign="LEFT")
    both.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    block: list[Flowable] = [both]
    if so.replaces:
        block += k.small(f"本报告为第 {so.revision} 版，替代报告 {so.replaces}（受检信息更正后重新签发）。",
                         f"This is revision {so.revision} of the report; it replaces report {so.replaces} "
                         "(reissued after a correction of the inspection's details).")
    if data.is_final and not so.issued:
        block += k.small("本报告尚未经审核、批准签发（未签发），不得作为正式报告使用。",
                         "This report has not been reviewed, approved and issued (NOT ISSUED); it is not an official report.")
    if data.inspection.finalised_by:
        block += k.small(f"由 {data.inspection.finalised_by} 于 {when(data.inspection.finalised_at)} 确认完成（UTC+8）。",
                         f"Finalised by {data.inspection.finalised_by} at {when(data.inspection.finalised_at)} (UTC+8).")
    return block


def _fingerprint(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
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
    text += _verification(data.verification, k)
    text += bilingual(f"由 fieldtool {__version__} 生成。", f"Made by fieldtool {__version__}.", k.st, "small")
    table = Table([[drawing, text]], colWidths=[size + 4 * mm, k.width - size - 4 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    out.append(table)
    return out


_VOUCHED = {
    "register": ("数据汇总中心（hub）的设备登记", "the hub's register of devices"),
    "local": ("本机设备密钥", "this laptop's device key"),
    "database": ("无人担保，仅核对完整性", "no one: integrity checked, authenticity not checked"),
}


def _verification(v: ReportVerification | None, k: Kit) -> list[Flowable]:
    """What was verified before the report was made: who signed the records with which key, who vouches for it, the receipt."""
    if v is None:
        return []
    signers_zh, signers_en = [], []
    for key in v.keys:
        zh, en = _VOUCHED.get(key.vouched_by, (key.vouched_by, key.vouched_by))
        if key.vouched_by == "trust-file":
            zh, en = f"以 --trust 指定的公钥文件 {key.trust_file}", f"the key file given with --trust ({key.trust_file})"
        signers_zh.append(f"设备 {esc(key.device_id)}，公钥指纹 <b>{esc(key.fingerprint)}</b>（担保：{esc(zh)}）")
        signers_en.append(f"device {esc(key.device_id)}, key fingerprint <b>{esc(key.fingerprint)}</b> (vouched for by {esc(en)})")
    zh = (f"已核验：{v.records} 条记录（本检验的记录、完成签名及所引用的登记记录）的哈希、与前后记录的链接"
          f"和设备签名，其中 {v.signed} 条签名有效。签名者：{'；'.join(signers_zh)}。")
    en = (f"Verified: the hashes, the links to the records before and after, and the device signatures of "
          f"{v.records} records (the inspection's, its finalisation signature and the register entries it names); "
          f"{v.signed} signatures valid. Signed by {'; '.join(signers_en)}.")
    if v.signed < v.records:
        zh += "其余记录写于逐条签名之前，由设备密钥签署的链证明（chain-attested）经哈希链接覆盖。"
        en += (" The other records were written before every record was signed: the device key's signed attestation "
               "covers them through the chain of hashes.")
    if v.receipt is not None:
        r = v.receipt
        whose_zh, whose_en = ("本数据汇总中心", "this hub") if r.issued_by_here else ("数据汇总中心", "the hub")
        zh += f"{whose_zh}的回执确认该设备记录至序号 {r.seq}（{when(r.issued_at)}，UTC+8）。"
        en += f" Receipt: {whose_en} acknowledged the device's records through seq {r.seq} ({when(r.issued_at)}, UTC+8)."
    return bilingual(zh, en, k.st, "small", markup=True)


__all__ = ["TITLE_EN", "TITLE_ZH", "institute_block", "lot_document_meta", "lot_report_flowables", "render_lot_report", "signature_block", "statements"]
