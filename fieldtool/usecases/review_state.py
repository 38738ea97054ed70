"""Provides the state of a report's sign-off as the records tell it: `review_state`, `ReviewState`, the revision numbers.

The rules it reads the records by are in `fieldtool.usecases.review`, which records the decisions;
the lot report reads this state to print 未签发 / NOT ISSUED, the names, the dates and the revision.
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
from fieldtool.core.record_schema import CORRECTABLE_HEADER_FIELDS, SignOffRole
from fieldtool.core.records import Record, RecordKind

if TYPE_CHECKING:
    from fieldtool.storage import SqliteStore


class HasStore(Protocol):
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


def store_of(source: SqliteStore | HasStore) -> SqliteStore:
    return cast("SqliteStore", getattr(source, "store", source))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def review_state(source: SqliteStore | HasStore, inspection_id: str) -> ReviewState:
    """The sign-off of an inspection's report as it stands (see the module docstring for the rules).

    Args:
        source: the store (`SqliteStore`) or the use-cases over it (anything with ``.store``).
        inspection_id: the inspection.

    Returns:
        The state; for an inspection not finalised, status ``open`` and nothing decided.

    Raises:
        NotFoundError: no such inspection.
    """
    store = store_of(source)
    inspection = store.inspection(inspection_id)
    return state_of(inspection_id, inspection.header, store.sign_off_records(inspection_id))


def state_of(inspection_id: str, original: InspectionHeader, records: list[Record]) -> ReviewState:
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
