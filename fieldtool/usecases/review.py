"""Provides the sign-off of a finalised inspection's report: review (审核), approval (批准), return, header corrections.

After the inspector finalises, a reviewer and then an authorised signatory each record their
decision as a signed record of the device they work on (the laptop, or the hub: its own chain,
signed by the hub key). A report is **issued** only when approved. The rules an institute applies
(CNAS-CL01 / RB/T 214: the report is checked and authorised by people other than who tested):

- only a finalised inspection is reviewed; the reviewer and the approver are not among its
  inspectors, and the approver is not the reviewer;
- an approval approves the current review: the latest review of the current basis not followed by
  a return; a return (with a reason, by the reviewer or the approver) voids it, and the next
  decision is a new review;
- an issued report takes no further decision; its header may still be corrected (only fields that
  are not part of the judgement: `CORRECTABLE_HEADER_FIELDS`), with a reason. A correction after an
  issue starts a **revised report** (revision 1, 2 …) with its own number that replaces the one
  issued before; it is reviewed and approved again. A correction before any issue replaces nothing:
  it changes the report still to be issued.

The basis of a decision is the record it decides on: the finalisation, or the latest header
correction. Decisions of an older basis are stale and count for nothing (`ReviewState` lists them).
`fieldtool.usecases.review_state` reads the state; the report reads it to print 未签发 / NOT ISSUED,
names and dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from fieldtool.core.inspection import InspectionHeader, SiteKind
from fieldtool.core.record_schema import (
    SignOffRole,
    correction_problem,
    same_person,
)
from fieldtool.core.records import Record, RecordKind
from fieldtool.errors import InputError, StoreError
from fieldtool.usecases.review_state import (
    Decision,
    HasStore,
    HeaderCorrection,
    IssuedRevision,
    ReviewState,
    review_state,
    revised_number,
    state_lines,
    state_of,
    store_of,
)

if TYPE_CHECKING:
    from fieldtool.storage import SqliteStore


# -- deciding --------------------------------------------------------------------------------------


_ROLE_ZH = {"reviewer": "审核人", "authorised signatory": "批准人", "reviewer or authorised signatory": "审核人或批准人"}
"""The roles as the messages name them, in Chinese."""


def _name(value: str, what: str) -> str:
    name = " ".join(str(value).split())
    if not name:
        raise InputError(f"give the {what}'s name (--name)", zh=f"请填写{_ROLE_ZH.get(what, what)}的姓名")
    return name


def _guard_writer(store: SqliteStore) -> None:
    """On a hub, a sign-off goes into the hub's own chain: it must be signed with the hub's key."""
    hub = store.hub_identity()
    if hub is not None and store.signer.public_key != hub["public_key"]:
        raise InputError(f"{store.path} is a hub: its own records are signed with the hub key "
                         "(use 'fieldtool hub review|approve|return|correct --db HUB.db')",
                         zh=f"{store.path} 是汇总服务器的数据库：其记录须用服务器密钥签名"
                            "（请用 fieldtool hub review|approve|return|correct --db HUB.db）")


def _not_inspector(store: SqliteStore, inspection_id: str, name: str, what: str) -> None:
    inspectors = store.inspection(inspection_id).header.inspectors
    if any(same_person(name, i) for i in inspectors):
        raise InputError(f"{name} inspected lot {inspection_id}; the {what} is another person "
                         f"(inspectors: {', '.join(inspectors)})",
                         zh=f"{name} 是批次 {inspection_id} 的检验员；{_ROLE_ZH.get(what, what)}须由他人担任"
                            f"（检验员：{'、'.join(inspectors)}）")


def _current(store: SqliteStore, inspection_id: str, records: list[Record]) -> ReviewState:
    return state_of(inspection_id, store.inspection(inspection_id).header, records)


def _refuse_issued(state: ReviewState) -> None:
    if state.issued:
        raise StoreError(f"the report of inspection {state.inspection_id} is issued (revision {state.revision}, "
                         f"approved by {state.approver} on {state.approved_on}); correct its header to make a "
                         "revised report",
                         zh=f"检验 {state.inspection_id} 的报告已签发（第 {state.revision} 版，{state.approver} 于 "
                            f"{state.approved_on} 批准）；如需修订，请更正其表头以生成修订版报告")


def review(source: SqliteStore | HasStore, inspection_id: str, by_name: str, *, title: str = "", comment: str = "") -> ReviewState:
    """Record the review (审核) of a finalised inspection's report.

    Args:
        source: the store or the use-cases over it.
        inspection_id: the inspection.
        by_name: the reviewer; not one of the lot's inspectors.
        title: their title or function.
        comment: what they note (may be empty).

    Returns:
        The state after the review (``awaiting-approval``).

    Raises:
        InputError: no name, or the reviewer inspected the lot, or a hub store not signing with the hub key.
        NotFoundError: no such inspection.
        StoreError: not finalised, already issued, or already reviewed (awaiting the approval or a return).
    """
    store = store_of(source)
    name = _name(by_name, "reviewer")
    _guard_writer(store)
    _not_inspector(store, inspection_id, name, "reviewer")

    def body(records: list[Record]) -> dict[str, Any]:
        state = _current(store, inspection_id, records)
        _refuse_issued(state)
        if state.current_review_id is not None:
            raise StoreError(f"the report of inspection {inspection_id} was reviewed by {state.reviewer} on "
                             f"{state.reviewed_on}; the authorised signatory approves or returns it",
                             zh=f"检验 {inspection_id} 的报告已由 {state.reviewer} 于 {state.reviewed_on} 审核；"
                                "请由批准人批准或退回")
        return {"by_name": name, "title": " ".join(title.split()), "role": SignOffRole.REVIEWER,
                "basis_id": state.basis_id, "comment": comment.strip()}

    store.append_sign_off(RecordKind.INSPECTION_REVIEWED, inspection_id, body)
    return review_state(store, inspection_id)


def approve(source: SqliteStore | HasStore, inspection_id: str, by_name: str, *, title: str = "", comment: str = "") -> ReviewState:
    """Record the approval (批准) of the reviewed report: it is issued.

    Args:
        source: the store or the use-cases over it.
        inspection_id: the inspection.
        by_name: the authorised signatory; neither the reviewer nor one of the inspectors.
        title: their title or function.
        comment: what they note (may be empty).

    Returns:
        The state after the approval (``issued``).

    Raises:
        InputError: no name, the approver reviewed it or inspected the lot, or a hub store not signing with the hub key.
        NotFoundError: no such inspection.
        StoreError: not finalised, not reviewed yet (or returned since), or already issued.
    """
    store = store_of(source)
    name = _name(by_name, "authorised signatory")
    _guard_writer(store)
    _not_inspector(store, inspection_id, name, "authorised signatory")

    def body(records: list[Record]) -> dict[str, Any]:
        state = _current(store, inspection_id, records)
        _refuse_issued(state)
        if state.current_review_id is None:
            since = " since it was returned" if state.status == "returned" else ""
            since_zh = "（退回后）" if state.status == "returned" else ""
            raise StoreError(f"the report of inspection {inspection_id} has not been reviewed{since}; "
                             "a reviewer reviews it before it is approved",
                             zh=f"检验 {inspection_id} 的报告{since_zh}尚未审核；须先审核再批准")
        if same_person(name, state.reviewer):
            raise InputError(f"{name} reviewed the report of inspection {inspection_id}; the authorised signatory "
                             "who approves it is another person",
                             zh=f"{name} 审核了检验 {inspection_id} 的报告；批准人须由他人担任")
        return {"by_name": name, "title": " ".join(title.split()), "role": SignOffRole.APPROVER,
                "basis_id": state.basis_id, "review_id": state.current_review_id, "comment": comment.strip()}

    store.append_sign_off(RecordKind.INSPECTION_APPROVED, inspection_id, body)
    return review_state(store, inspection_id)


def return_report(source: SqliteStore | HasStore, inspection_id: str, by_name: str, reason: str, *, title: str = "") -> ReviewState:
    """Return the report, with a reason: it is not issued, and the next decision is a new review.

    The role is the reviewer's before a review, the authorised signatory's after one.

    Args:
        source: the store or the use-cases over it.
        inspection_id: the inspection.
        by_name: who returns it; not one of the inspectors.
        reason: why (required; printed with the decision).
        title: their title or function.

    Returns:
        The state after the return (``returned``).

    Raises:
        InputError: no name or no reason, or they inspected the lot, or a hub store not signing with the hub key.
        NotFoundError: no such inspection.
        StoreError: not finalised, or already issued.
    """
    store = store_of(source)
    name = _name(by_name, "reviewer or authorised signatory")
    why = " ".join(str(reason).split())
    if not why:
        raise InputError("give the reason why the report is returned (--reason)", zh="请填写退回原因")
    _guard_writer(store)
    _not_inspector(store, inspection_id, name, "reviewer or authorised signatory")

    def body(records: list[Record]) -> dict[str, Any]:
        state = _current(store, inspection_id, records)
        _refuse_issued(state)
        role = SignOffRole.APPROVER if state.current_review_id is not None else SignOffRole.REVIEWER
        return {"by_name": name, "title": " ".join(title.split()), "role": role, "basis_id": state.basis_id,
                "reason": why}

    store.append_sign_off(RecordKind.INSPECTION_RETURNED, inspection_id, body)
    return review_state(store, inspection_id)


def correct_header(
    source: SqliteStore | HasStore, inspection_id: str, changes: Mapping[str, str | None], reason: str, by_name: str, *, title: str = ""
) -> ReviewState:
    """Correct header fields of a finalised inspection that are not part of the judgement, with a reason.

    After an issued report this starts a revised report (the next revision), to be reviewed and
    approved again; before any issue it changes the report still to be issued. Weights, and what
    they were judged against (nominal, unit, lot size, rule set, tare method …), never change.

    Args:
        source: the store or the use-cases over it.
        inspection_id: the inspection.
        changes: field → new value as typed (``production_date`` as YYYY-MM-DD, empty for none;
            ``site_kind`` as producer, wholesaler or retailer).
        reason: why (required).
        by_name: who corrects it.
        title: their title or function.

    Returns:
        The state after the correction.

    Raises:
        InputError: no change, a field that cannot be corrected (named), a bad value, a value it has
            already, no reason or no name, or a hub store not signing with the hub key.
        NotFoundError: no such inspection.
        StoreError: not finalised.
    """
    store = store_of(source)
    name = _name(by_name, "corrector")
    why = " ".join(str(reason).split())
    if not changes:
        raise InputError("name at least one header field to correct (--set FIELD=VALUE)", zh="请至少指定一个要更正的表头字段")
    values = {field: _typed(field, value) for field, value in changes.items()}
    if not why:
        raise InputError("give the reason for the correction (--reason)", zh="请填写更正原因")
    _guard_writer(store)

    def body(records: list[Record]) -> dict[str, Any]:
        state = _current(store, inspection_id, records)
        assert state.header is not None
        stored = _stored_header(state.header)
        previous = {f: stored[f] for f in values}
        same = [f for f in values if values[f] == previous[f]]
        if same:
            raise InputError(f"{same[0]}: {previous[same[0]]!r} is the value it has already; nothing to correct", zh=f"{same[0]}：{previous[same[0]]!r} 就是当前值；无需更正")
        final = next(r for r in records if r.kind == RecordKind.INSPECTION_FINALISED)
        return {"by_name": name, "title": " ".join(title.split()), "finalisation_id": final.id,
                "changes": values, "previous": previous, "reason": why}

    store.append_sign_off(RecordKind.HEADER_CORRECTED, inspection_id, body)
    return review_state(store, inspection_id)


def _typed(field: str, value: str | None) -> str | None:
    """A corrected field's value as the header record stores it.

    Raises:
        InputError: a field that cannot be corrected (named), or a bad value.
    """
    problem = correction_problem(field)
    if problem is not None:
        raise InputError(problem)
    text = " ".join((value or "").split()) if field != "notes" else (value or "").strip()
    if field == "production_date":
        if not text:
            return None
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InputError(f"production_date: {text!r} is not a date written YYYY-MM-DD", zh=f"production_date（生产日期）：{text!r} 不是 YYYY-MM-DD 格式的日期") from None
    if field == "site_kind":
        if text not in {k.value for k in SiteKind}:
            raise InputError(f"site_kind: {text!r} is not one of {', '.join(k.value for k in SiteKind)}", zh=f"site_kind（受检单位类型）：{text!r} 不是 {', '.join(k.value for k in SiteKind)} 之一")
        return text
    if field == "site_name" and not text:
        raise InputError("site_name: must not be empty", zh="site_name（受检单位名称）：不能为空")
    return text


def _stored_header(header: InspectionHeader) -> dict[str, str | None]:
    return {
        "site_name": header.site_name,
        "site_address": header.site_address,
        "site_kind": str(header.site_kind),
        "brand": header.brand,
        "batch": header.batch,
        "production_date": None if header.production_date is None else header.production_date.isoformat(),
        "notes": header.notes,
    }


__all__ = [
    "Decision",
    "HeaderCorrection",
    "IssuedRevision",
    "ReviewState",
    "approve",
    "correct_header",
    "return_report",
    "review",
    "review_state",
    "revised_number",
    "state_lines",
]
