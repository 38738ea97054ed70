"""Provides the issuing body's blocks of every report: its name and details at the head of page 1, and the statements.

The lot report and the programme summary print the same: the institute's name (Chinese and
English), address, CMA certificate number and telephone, or a red line saying that no issuing body
is configured; and the standard statements (声明) of a CMA report, the institute's own when its
file gives them.
"""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from fieldtool.infra.institute import DEFAULT_STATEMENTS_EN, DEFAULT_STATEMENTS_ZH, Institute
from fieldtool.reports.blocks import esc
from fieldtool.reports.lot_kit import Kit

NOT_CONFIGURED_ZH = "检验机构未配置"
"""The start of the line a report prints when no issuing body is configured."""
NOT_CONFIGURED_EN = "Issuing body not configured"
"""The same in English."""


def institute_block(institute: Institute | None, k: Kit) -> list[Flowable]:
    """The issuing body at the head of page 1: name, address, CMA certificate, telephone; or that none is configured."""
    st = k.st
    centred = ParagraphStyle("inst", parent=st.body, alignment=1, fontSize=12, leading=15)
    centred_en = ParagraphStyle("inst_en", parent=st.body_en, alignment=1)
    small = ParagraphStyle("inst_small", parent=st.small, alignment=1)
    if institute is None:
        note = k.t(f"{NOT_CONFIGURED_ZH}：本报告未载明出具报告的检验检测机构（名称、地址、CMA 证书编号），不能作为正式报告出具",
                   f"{NOT_CONFIGURED_EN}: this report names no testing body (name, address, CMA certificate "
                   "number) and cannot be issued as an official report", " / ")
        return [Paragraph(f"<font color='#C62828'>{esc(note)}</font>", small)]
    i = institute
    out: list[Flowable] = [*bilingual_styles(i.name_zh, i.name_en, k, centred, centred_en)]
    address = k.t(i.address_zh or i.address_en, i.address_en or i.address_zh) if (i.address_zh or i.address_en) else ""
    details = [x for x in (
        address,
        f"CMA {k.t('证书编号', 'certificate No.', ' ')}: {i.cma_certificate}" if i.cma_certificate else "",
        f"{k.t('电话', 'Tel.', ' ')}: {i.telephone}" if i.telephone else "",
    ) if x]
    if details:
        out.append(Paragraph(esc("    ".join(details)), small))
    return out


def bilingual_styles(zh: str, en: str, k: Kit, zh_style: ParagraphStyle, en_style: ParagraphStyle) -> list[Flowable]:
    """A name in the report's language(s), each in its own style (one line when the two are the same)."""
    out: list[Flowable] = []
    if k.lang != "en":
        out.append(Paragraph(esc(zh), zh_style))
    if k.lang != "zh" and (en != zh or k.lang == "en"):
        out.append(Paragraph(esc(en), en_style if k.lang == "both" else zh_style))
    return out


def statements(institute: Institute | None, k: Kit) -> list[Flowable]:
    """The standard statements (声明): the institute's, else the four of a CMA report."""
    zh = institute.statements_zh if institute is not None else DEFAULT_STATEMENTS_ZH
    en = institute.statements_en if institute is not None else DEFAULT_STATEMENTS_EN
    out: list[Flowable] = [Spacer(0, 2 * mm)]
    out += k.small("声明：", "Statements:")
    for i, (a, b) in enumerate(zip(zh, en, strict=True), start=1):
        out += k.small(f"{i}. {a}", f"{i}. {b}")
    return out


__all__ = ["NOT_CONFIGURED_EN", "NOT_CONFIGURED_ZH", "bilingual_styles", "institute_block", "statements"]
