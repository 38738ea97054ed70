"""Provides the label check's use-cases (净含量标注): check a statement, record it, and read the lot's label state.

The label is judged apart from the net quantity, with its own conclusion (net-content-rules.md §8):
the inspector types the net-content statement as printed and the measured character height (mm, to
0.1 mm); `fieldtool.core.label.check_label` judges it by the label rules
(`sampling_plans/labels/`, read by `fieldtool.plans.labels`) and the lot's Qn. The check is stored as
a ``label-checked`` record of the open inspection; it may be redone while the inspection is open (the
latest counts), never after its finalisation. Reports re-read it with `label_state`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from fieldtool.core.inspection import Inspection
from fieldtool.core.label import MAX_LABEL_TEXT, LabelResult, LabelRules, check_label, parse_height
from fieldtool.errors import InputError
from fieldtool.plans.labels import DEFAULT_LABEL_RULES
from fieldtool.usecases.lot_types import LabelState

if TYPE_CHECKING:
    from fieldtool.usecases.base import ServicesBase

MAX_PHOTO_REFERENCE = 200
"""The longest photo reference kept (a file name or a number)."""


def _label_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError("label text: type the net-content statement as printed, e.g. 净含量：500克", zh="标注内容：请按包装上印刷的原样输入净含量标注，如 净含量：500克")
    clean = " ".join(text.split())
    if len(clean) > MAX_LABEL_TEXT:
        raise InputError(f"label text: {len(clean)} characters; a net-content statement has at most {MAX_LABEL_TEXT}", zh=f"标注内容：共 {len(clean)} 个字符；净含量标注最多 {MAX_LABEL_TEXT} 个字符")
    return clean


def _photo(photo: object) -> str | None:
    if photo is None or (isinstance(photo, str) and not photo.strip()):
        return None
    if not isinstance(photo, str):
        raise InputError(f"photo: {photo!r} is not text", zh=f"照片：{photo!r} 不是文字")
    clean = photo.strip()
    if len(clean) > MAX_PHOTO_REFERENCE or not clean.isprintable():
        raise InputError(f"photo: give a short reference (a file name or number, at most {MAX_PHOTO_REFERENCE} characters)", zh=f"照片：请填写简短的编号（文件名或编号，最多 {MAX_PHOTO_REFERENCE} 个字符）")
    return clean


def preview_label(services: ServicesBase, inspection_id: str, text: object, height_mm: object) -> LabelResult:
    """Judge a statement against an inspection's Qn without recording it (as the inspector types).

    Raises:
        NotFoundError: no such inspection.
        InputError: empty or too long text, or a height that is not a positive number of mm to 0.1 mm.
        RuleFileError: the label rules file is malformed.
    """
    inspection = services.store.inspection(inspection_id)
    h = inspection.header
    return check_label(_label_text(text), parse_height(height_mm), h.nominal, h.unit,
                       services.label_rules(DEFAULT_LABEL_RULES))


def record_label_check(
    services: ServicesBase,
    inspection_id: str,
    *,
    text: object,
    height_mm: object,
    by_name: object,
    photo: object = None,
) -> LabelState:
    """Judge and record the label check of an open inspection; a later check replaces it.

    Args:
        services: the use-cases (store, rules).
        inspection_id: the open inspection.
        text: the net-content statement as printed.
        height_mm: the measured character height, mm (to 0.1 mm).
        by_name: who checked it.
        photo: a reference to a photo of the label, if any.

    Returns:
        The label state of the lot: the check recorded and its result.

    Raises:
        NotFoundError: no such inspection.
        StoreError: the inspection is final (a label is checked before finalisation).
        InputError: an empty text or name, or an invalid height.
    """
    if not isinstance(by_name, str) or not by_name.strip():
        raise InputError("checked by: give the name of whoever checked the label", zh="核查人：请填写核查标注的人员姓名")
    state = services._open_state(inspection_id)
    result = preview_label(services, inspection_id, text, height_mm)
    check = services.store.record_label_check(
        inspection_id,
        text=result.text,
        height_mm=result.height_mm,
        photo=_photo(photo),
        by_name=" ".join(by_name.split()),
        rules_id=result.rules.id,
        passed=result.passed,
        failed=[str(c) for c in result.failed],
    )
    # What `label_state` reads back: the check as stored, judged by the rules it names (the same `result`).
    label = LabelState(check, result)
    services.after_one_record(state, replace(state, label=label))
    return label


def label_state(services: ServicesBase, inspection: Inspection) -> LabelState | None:
    """The lot's label check that counts (the latest), judged again by the rules it names; None when not checked.

    Raises:
        NotFoundError: the rules file the check names is gone.
        RuleFileError: that file is malformed.
    """
    check = services.store.latest_label_check(inspection.id)
    if check is None:
        return None
    h = inspection.header
    result = check_label(check.text, check.height_mm, h.nominal, h.unit, services.label_rules(check.rules_id))
    return LabelState(check, result)


def label_rules(services: ServicesBase, rules_id: str = DEFAULT_LABEL_RULES) -> LabelRules:
    """The label rules by id (the default: China's, Order 70)."""
    return services.label_rules(rules_id)


__all__ = ["MAX_PHOTO_REFERENCE", "label_rules", "label_state", "preview_label", "record_label_check"]
