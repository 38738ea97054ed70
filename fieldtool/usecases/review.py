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
`review_state` reads the state; the report reads it to print 未签发 / NOT ISSUED, names and dates.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from fieldtool.core.chinatime import local
from fieldtool.core.inspection import InspectionHeader, SiteKind
from fieldtool.core.record_schema import (
    CORRECTABLE_HEADER_FIELDS,
    SignOffRole,
    correction_problem,
    same_person,
)
from fieldtool.core.records import Record, RecordKind
from fieldtool.errors import InputError, StoreError

if TYPE_CHECKING:
    from fieldtool.storage import SqliteStore


class _HasStore(Protocol):
    @property
    def store(self) -> SqliteStore: ...


@dataclass(frozen=True)
class Decision:
    """One recorded decision on a report."""

    record_id: str
    """The id of the record that holds it."""
    decision: str
    """``reviewed``, ``approved`` or ``returned``."""
    role: SignOffRole
    """Who decided: the reviewer (审核) or the authorised signatory (批准)."""
    by_name: str
    """Their name, as they gave it."""
    title: str
    """Their title or function (may be empty)."""
    at: datetime
    """When it was recorded (aware, UTC)."""
    note: str
    """The comment of a review or an approval, or the reason of a return."""
    device_id: str
    """The device that signed the record (a laptop, or the hub)."""
    revision: int
    """The revision of the report it decided on (0: the first report)."""
    counts: bool
    """False for a stale decision (of an older basis, or out of turn): it decided nothing."""

    @property
    def on(self) -> date:
        """Its date in China Standard Time (as reports show dates)."""
        return local(self.at).date()


@dataclass(frozen=True)
class HeaderCorrection:
    """One correction of a finalised inspection's header."""

    record_id: str
    """The id of the ``header-corrected`` record."""
    changes: Mapping[str, Any]
    """The corrected fields and their new values (as stored: text, a date as YYYY-MM-DD, or None)."""
    previous: Mapping[str, Any]
    """The same fields' values before."""
    reason: str
    """Why."""
    by_name: str
    """Who corrected it."""
    title: str
    """Their title or function (may be empty)."""
    at: datetime
    """When (aware, UTC)."""
    revision: int
    """The revision of the report the correction belongs to (0: corrected before the first issue)."""


@dataclass(frozen=True)
class IssuedRevision:
    """A revision of the report that was issued (approved)."""

    revision: int
    """0 for the first report, then 1, 2 …"""
    approved_by: str
    """The authorised signatory."""
    issued_at: datetime
    """When it was approved: its 签发日期 (aware, UTC)."""


@dataclass(frozen=True)
class ReviewState:
    """Where a finalised inspection's report stands: reviewed, approved, issued, revised."""

    inspection_id: str
    """The inspection."""
    finalised: bool
    """Whether the inspection is finalised (nothing is decided before)."""
    status: str
    """``open`` (not finalised), ``awaiting-review``, ``returned`` (awaiting a new review),
    ``awaiting-approval`` or ``issued``."""
    header: InspectionHeader | None
    """The header with every correction applied (what the report prints); None while not finalised."""
    reviewer: str | None
    """The reviewer of the current revision (审核), once reviewed."""
    reviewer_title: str
    """Their title (may be empty)."""
    reviewed_at: datetime | None
    """When (aware, UTC)."""
    approver: str | None
    """The authorised signatory who approved the current revision (批准), once approved."""
    approver_title: str
    """Their title (may be empty)."""
    approved_at: datetime | None
    """When (aware, UTC)."""
    issued: bool
    """The current revision is approved: the report is issued (no 未签发 / NOT ISSUED mark)."""
    issued_at: datetime | None
    """Its 签发日期: the approval's time (aware, UTC); None while not issued."""
    revision: int
    """The revision of the report: 0 for the first, n after the n-th correction following an issue."""
    replaces_revision: int | None
    """The revision this one replaces (revision − 1), None for the first report."""
    replaced_issued_at: datetime | None
    """When the replaced revision was issued (aware, UTC)."""
    returns: tuple[Decision, ...]
    """Every return, of every revision, with its reason."""
    corrections: tuple[HeaderCorrection, ...]
    """Every header correction, in order."""
    decisions: tuple[Decision, ...]
    """Every decision, in order, stale ones included (``counts`` False)."""
    issued_revisions: tuple[IssuedRevision, ...]
    """Every revision that was issued, in order."""
    basis_id: str | None
    """The record the next decision decides on: the finalisation or the latest correction."""
    current_review_id: str | None
    """The review an approval would approve now (None: a review is needed first)."""

    @property
    def issued_on(self) -> date | None:
        """签发日期 in China Standard Time."""
        return None if self.issued_at is None else local(self.issued_at).date()

    @property
    def reviewed_on(self) -> date | None:
        """The review's date in China Standard Time."""
        return None if self.reviewed_at is None else local(self.reviewed_at).date()

    @property
    def approved_on(self) -> date | None:
        """The approval's date in China Standard Time."""
        return None if self.approved_at is None else local(self.approved_at).date()

    def report_number(self, base: str) -> str:
        """The number of this revision's report: `base` (``FT-2012-BEIJING-1C829DFE``) for the first,
        ``<base>-R<n>`` for revision n."""
        return revised_number(base, self.revision)

    def replaces_report_number(self, base: str) -> str | None:
        """The number of the report this revision replaces, None for the first report."""
        return None if self.replaces_revision is None else revised_number(base, self.replaces_revision)


def revised_number(base: str, revision: int) -> str:
    """The report number of a revision: `base` for revision 0, ``<base>-R<revision>`` after."""
    return base if revision == 0 else f"{base}-R{revision}"


# -- reading the state -----------------------------------------------------------------------------


def _store(source: SqliteStore | _HasStore) -> SqliteStore:
    return cast("SqliteStore", getattr(source, "store", source))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def review_state(source: SqliteStore | _HasStore, inspection_id: str) -> ReviewState:
    """The sign-off of an inspection's report as it stands (see the module docstring for the rules).

    Args:
        source: the store (`SqliteStore`) or the use-cases over it (anything with ``.store``).
        inspection_id: the inspection.

    Returns:
        The state; for an inspection not finalised, status ``open`` and nothing decided.

    Raises:
        NotFoundError: no such inspection.
    """
    store = _store(source)
    inspection = store.inspection(inspection_id)
    return _state(inspection_id, inspection.header, store.sign_off_records(inspection_id))


def _state(inspection_id: str, original: InspectionHeader, records: list[Record]) -> ReviewState:
    """Walk the finalisation and the sign-off records in order; see the module docstring."""
    finalisation = next((r for r in records if r.kind == RecordKind.INSPECTION_FINALISED), None)
    if finalisation is None:
        return ReviewState(inspection_id, False, "open", None, None, "", None, None, "", None, False, None, 0, None,
                           None, (), (), (), (), None, None)
    header = original
    revision, issued = 0, False
    basis = finalisation.id
    review: Decision | None = None
    approval: Decision | None = None
    returned = False
    decisions: list[Decision] = []
    corrections: list[HeaderCorrection] = []
    issued_revisions: list[IssuedRevision] = []
    for r in records:
        b = r.body
        at = _utc(r.recorded_at)
        if r.kind == RecordKind.HEADER_CORRECTED:
            if issued:
                revision, issued = revision + 1, False
            basis, review, approval, returned = r.id, None, None, False
            changes = dict(b.get("changes") or {})
            header = _apply(header, changes)
            corrections.append(HeaderCorrection(r.id, changes, dict(b.get("previous") or {}), str(b.get("reason", "")),
                                                str(b.get("by_name", "")), str(b.get("title", "")), at, revision))
            continue
        if r.kind not in _DECISION_OF:
            continue
        try:
            role = SignOffRole(str(b.get("role")))
        except ValueError:
            continue  # a record that failed its schema; verify names it
        note = str(b.get("reason" if r.kind == RecordKind.INSPECTION_RETURNED else "comment", ""))
        in_turn = b.get("basis_id") == basis and not issued
        if r.kind == RecordKind.INSPECTION_REVIEWED:
            counts = in_turn and review is None
        elif r.kind == RecordKind.INSPECTION_APPROVED:
            counts = in_turn and review is not None and b.get("review_id") == review.record_id
        else:
            counts = in_turn
        d = Decision(r.id, _DECISION_OF[RecordKind(r.kind)], role, str(b.get("by_name", "")), str(b.get("title", "")),
                     at, note, r.device_id, revision, counts)
        decisions.append(d)
        if not counts:
            continue
        if r.kind == RecordKind.INSPECTION_REVIEWED:
            review, returned = d, False
        elif r.kind == RecordKind.INSPECTION_APPROVED:
            approval, issued = d, True
            issued_revisions.append(IssuedRevision(revision, d.by_name, d.at))
        else:
            review, returned = None, True
    replaced = next((i for i in issued_revisions if i.revision == revision - 1), None)
    if issued:
        status = "issued"
    elif review is not None:
        status = "awaiting-approval"
    else:
        status = "returned" if returned else "awaiting-review"
    return ReviewState(
        inspection_id=inspection_id,
        finalised=True,
        status=status,
        header=header,
        reviewer=review.by_name if review else None,
        reviewer_title=review.title if review else "",
        reviewed_at=review.at if review else None,
        approver=approval.by_name if approval and issued else None,
        approver_title=approval.title if approval and issued else "",
        approved_at=approval.at if approval and issued else None,
        issued=issued,
        issued_at=approval.at if approval and issued else None,
        revision=revision,
        replaces_revision=revision - 1 if revision > 0 else None,
        replaced_issued_at=replaced.issued_at if replaced else None,
        returns=tuple(d for d in decisions if d.decision == "returned"),
        corrections=tuple(corrections),
        decisions=tuple(decisions),
        issued_revisions=tuple(issued_revisions),
        basis_id=basis,
        current_review_id=review.record_id if review and not issued else None,
    )


_DECISION_OF = {
    RecordKind.INSPECTION_REVIEWED: "reviewed",
    RecordKind.INSPECTION_APPROVED: "approved",
    RecordKind.INSPECTION_RETURNED: "returned",
}


def _apply(header: InspectionHeader, changes: Mapping[str, Any]) -> InspectionHeader:
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in CORRECTABLE_HEADER_FIELDS:
            continue  # a record that failed its schema; verify names it
        if name == "production_date":
            values[name] = None if value is None else date.fromisoformat(str(value))
        elif name == "site_kind":
            values[name] = SiteKind(str(value))
        else:
            values[name] = str(value)
    return dataclasses.replace(header, **values)


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
    return _state(inspection_id, store.inspection(inspection_id).header, records)


def _refuse_issued(state: ReviewState) -> None:
    if state.issued:
        raise StoreError(f"the report of inspection {state.inspection_id} is issued (revision {state.revision}, "
                         f"approved by {state.approver} on {state.approved_on}); correct its header to make a "
                         "revised report",
                         zh=f"检验 {state.inspection_id} 的报告已签发（第 {state.revision} 版，{state.approver} 于 "
                            f"{state.approved_on} 批准）；如需修订，请更正其表头以生成修订版报告")


def review(source: SqliteStore | _HasStore, inspection_id: str, by_name: str, *, title: str = "", comment: str = "") -> ReviewState:
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
    store = _store(source)
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


def approve(source: SqliteStore | _HasStore, inspection_id: str, by_name: str, *, title: str = "", comment: str = "") -> ReviewState:
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
    store = _store(source)
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


def return_report(source: SqliteStore | _HasStore, inspection_id: str, by_name: str, reason: str, *, title: str = "") -> ReviewState:
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
    store = _store(source)
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
    source: SqliteStore | _HasStore, inspection_id: str, changes: Mapping[str, str | None], reason: str, by_name: str, *, title: str = ""
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
    store = _store(source)
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


def state_lines(state: ReviewState) -> list[str]:
    """The state as lines for the command line: status, revision, each decision and correction."""
    lines = [f"inspection {state.inspection_id}: {state.status}" + (f", revision {state.revision}" if state.revision
                                                                     else "")]
    if state.replaces_revision is not None:
        lines.append(f"  replaces revision {state.replaces_revision}"
                     + (f" issued {local(state.replaced_issued_at):%Y-%m-%d}" if state.replaced_issued_at else ""))
    for c in state.corrections:
        shown = ", ".join(f"{k}: {state_value(c.previous.get(k))} → {state_value(v)}" for k, v in c.changes.items())
        lines.append(f"  {local(c.at):%Y-%m-%d %H:%M} corrected by {c.by_name}: {shown} (reason: {c.reason})")
    for d in state.decisions:
        extra = f" (reason: {d.note})" if d.decision == "returned" else (f" ({d.note})" if d.note else "")
        stale = "" if d.counts else " [stale: decided on an earlier state]"
        lines.append(f"  {local(d.at):%Y-%m-%d %H:%M} {d.decision} by {d.by_name} as {d.role}{extra}{stale}")
    if state.issued:
        lines.append(f"  issued {state.issued_on} (签发日期)")
    return lines


def state_value(value: object) -> str:
    """A header value for a message: JSON's spelling (quoted text, null)."""
    return json.dumps(value, ensure_ascii=False)


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
