"""Review (审核), approval (批准), return and header corrections of a finalised inspection, through the use-cases.

Each decision is a record of the device's chain, signed by its key, that `verify` and the lot's
own check accept after the finalisation; the rules an institute applies are refused in one line.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from fieldtool.core.record_schema import RecordSchemaError, validate_record
from fieldtool.core.records import RecordKind, new_record
from fieldtool.errors import InputError, StoreError
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.lot_verify import verify_lot
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.review import approve, correct_header, return_report, review
from fieldtool.usecases.review_state import review_state
from tests.sync.conftest import add_inspections, header


@pytest.fixture
def store(laptop_services: Services) -> SqliteStore:
    return laptop_services.store


@pytest.fixture
def lot(store: SqliteStore, key: keys.SigningKey) -> str:
    """A finalised, signed inspection by Wang Li."""
    return add_inspections(store, key, 1)[0]


def intact(store: SqliteStore, key: keys.SigningKey, inspection_id: str) -> None:
    trust = Trust(local_key=key.public_key)
    report = verify_store(store, trust)
    assert report.ok and report.authenticated, report.problems
    checked = verify_lot(store, inspection_id, trust)
    assert checked.ok and checked.authenticated, checked.problems


def test_review_then_approval_issues_the_report_as_signed_records(store: SqliteStore, key: keys.SigningKey, lot: str) -> None:
    before = review_state(store, lot)
    assert (before.status, before.issued, before.revision, before.reviewer) == ("awaiting-review", False, 0, None)

    reviewed = review(store, lot, "Chen Jing", title="技术负责人", comment="calculations checked")
    assert reviewed.status == "awaiting-approval" and not reviewed.issued
    assert (reviewed.reviewer, reviewed.reviewer_title) == ("Chen Jing", "技术负责人")

    issued = approve(store, lot, "Zhou Min", title="授权签字人")
    assert issued.issued and issued.status == "issued"
    assert (issued.reviewer, issued.approver, issued.approver_title) == ("Chen Jing", "Zhou Min", "授权签字人")
    assert issued.issued_at == issued.approved_at and issued.issued_at is not None
    assert issued.issued_on == date(2025, 3, 14)  # China time
    assert issued.revision == 0 and issued.replaces_revision is None
    assert issued.report_number("FT-2025-NANJING-ABCD1234") == "FT-2025-NANJING-ABCD1234"

    decisions = [r for r in store.inspection_records(lot) if r.kind in (RecordKind.INSPECTION_REVIEWED,
                                                                          RecordKind.INSPECTION_APPROVED)]
    assert [r.kind for r in decisions] == [RecordKind.INSPECTION_REVIEWED, RecordKind.INSPECTION_APPROVED]
    assert all(r.signature is not None and keys.valid_signature(key.public_key, b"fieldtool-record/1\n" + r.hash.encode(),
                                                                r.signature) for r in decisions)
    assert decisions[1].body["review_id"] == decisions[0].id
    assert store.issued_inspection_ids() == {lot}
    intact(store, key, lot)


def test_only_a_finalised_inspection_is_reviewed(store: SqliteStore) -> None:
    inspection = store.create_inspection(header(7))
    with pytest.raises(StoreError, match="not finalised"):
        review(store, inspection.id, "Chen Jing")
    assert review_state(store, inspection.id).status == "open"


def test_independence_an_inspector_never_reviews_and_the_reviewer_never_approves(store: SqliteStore, lot: str) -> None:
    with pytest.raises(InputError, match="wang li inspected lot .*inspectors: Wang Li"):
        review(store, lot, "  wang   li ")
    with pytest.raises(StoreError, match="has not been reviewed"):
        approve(store, lot, "Zhou Min")
    review(store, lot, "Chen Jing")
    with pytest.raises(StoreError, match="was reviewed by Chen Jing"):
        review(store, lot, "Li Na")
    with pytest.raises(InputError, match="chen jing reviewed the report"):
        approve(store, lot, "chen jing")
    with pytest.raises(InputError, match="Wang Li inspected lot"):
        approve(store, lot, "Wang Li")
    with pytest.raises(InputError, match="reviewer's name"):
        review(store, lot, "   ")
    assert review_state(store, lot).status == "awaiting-approval"


def test_a_return_needs_a_reason_voids_the_review_and_is_itself_a_decision(
    store: SqliteStore, key: keys.SigningKey, lot: str
) -> None:
    review(store, lot, "Chen Jing")
    with pytest.raises(InputError, match="reason"):
        return_report(store, lot, "Zhou Min", "  ")
    returned = return_report(store, lot, "Zhou Min", "the batch on the label reads B-0001, not B-001")
    assert returned.status == "returned" and not returned.issued and returned.reviewer is None
    assert [(d.by_name, d.role, d.note) for d in returned.returns] == [
        ("Zhou Min", "approver", "the batch on the label reads B-0001, not B-001")]
    with pytest.raises(StoreError, match="not been reviewed since it was returned"):
        approve(store, lot, "Zhou Min")
    review(store, lot, "Chen Jing")
    issued = approve(store, lot, "Zhou Min")
    assert issued.issued and len(issued.returns) == 1
    intact(store, key, lot)


def test_an_issued_report_takes_no_further_decision(store: SqliteStore, lot: str) -> None:
    review(store, lot, "Chen Jing")
    approve(store, lot, "Zhou Min")
    for decide in (lambda: review(store, lot, "Li Na"), lambda: approve(store, lot, "Li Na"),
                   lambda: return_report(store, lot, "Li Na", "late doubts")):
        with pytest.raises(StoreError, match="is issued"):
            decide()


def test_a_correction_after_issue_makes_a_revised_report_that_replaces_the_issued_one(
    store: SqliteStore, key: keys.SigningKey, lot: str
) -> None:
    original = store.inspection(lot).header
    review(store, lot, "Chen Jing")
    first = approve(store, lot, "Zhou Min")
    revised = correct_header(store, lot, {"site_name": "Suguo Supermarket (Xinjiekou)", "production_date": "2025-02-03"},
                             "site name misspelt on the sampling form", "Wang Li")
    assert (revised.revision, revised.replaces_revision, revised.issued, revised.status) == (1, 0, False, "awaiting-review")
    assert revised.replaced_issued_at == first.issued_at
    assert revised.report_number("FT-2025-NANJING-ABCD1234") == "FT-2025-NANJING-ABCD1234-R1"
    assert revised.replaces_report_number("FT-2025-NANJING-ABCD1234") == "FT-2025-NANJING-ABCD1234"
    assert revised.header is not None and revised.header.site_name == "Suguo Supermarket (Xinjiekou)"
    assert revised.header.production_date == date(2025, 2, 3)
    assert dataclasses.replace(revised.header, site_name=original.site_name, production_date=original.production_date) \
        == original  # nothing of the judgement changed
    [c] = revised.corrections
    assert c.previous == {"site_name": "Site 1", "production_date": "2025-02-01"} and c.revision == 1
    assert store.inspection(lot).header == original  # the stored header itself never changes
    review(store, lot, "Chen Jing")
    reissued = approve(store, lot, "Zhou Min")
    assert reissued.issued and reissued.revision == 1 and [i.revision for i in reissued.issued_revisions] == [0, 1]
    intact(store, key, lot)


def test_a_correction_before_any_issue_replaces_nothing_and_voids_the_review(store: SqliteStore, lot: str) -> None:
    review(store, lot, "Chen Jing")
    state = correct_header(store, lot, {"brand": "Golden Grain jasmine rice"}, "brand as labelled", "Wang Li")
    assert (state.revision, state.replaces_revision, state.status) == (0, None, "awaiting-review")
    with pytest.raises(StoreError, match="has not been reviewed"):
        approve(store, lot, "Zhou Min")
    stale = [d for d in state.decisions if not d.counts]
    assert stale == []  # the review counted when it was made; it is simply no longer current
    assert state.reviewer is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("nominal", "450", "nominal: the nominal quantity is part of the judgement"),
    ("unit", "kg", "unit: the unit is part of the judgement"),
    ("lot_size", "20", "lot_size: the lot size is part of the judgement"),
    ("rule_set_id", "oiml-r87-2016", "rule_set_id: the rule set is part of the judgement"),
    ("tare_method", "net", "tare_method: the tare method is part of the judgement"),
    ("colour", "red", "colour: not a header field that can be corrected"),
    ("production_date", "3 Feb", "production_date: '3 Feb' is not a date"),
    ("site_kind", "market", "site_kind: 'market' is not one of producer, wholesaler, retailer"),
    ("site_name", "Site 1", "site_name: 'Site 1' is the value it has already"),
])
def test_weights_and_what_they_were_judged_against_never_change(
    store: SqliteStore, lot: str, field: str, value: str, message: str
) -> None:
    records = len(store.inspection_records(lot))
    with pytest.raises(InputError, match=message) as refused:
        correct_header(store, lot, {field: value}, "a reason", "Wang Li")
    assert "\n" not in str(refused.value)
    assert len(store.inspection_records(lot)) == records


def test_the_schema_refuses_forged_sign_offs(store: SqliteStore, lot: str) -> None:
    reviewed = review(store, lot, "Chen Jing")
    final = store.finalisation_of(lot)
    assert final is not None and reviewed.current_review_id is not None

    def forged(kind: RecordKind, body: dict[str, object]) -> None:
        seq, prev = store.chain_head()
        record = new_record(prev_hash=prev, id="f0000000-0000-4000-8000-000000000001", device_id=store.device_id,
                            seq=seq + 1, kind=kind, inspection_id=lot, recorded_at="2025-03-14T02:00:00.000000+00:00",
                            body=body)
        validate_record(record, store.record_by_id)

    approval = {"by_name": "chen  JING", "title": "", "role": "approver", "basis_id": final.id,
                "review_id": reviewed.current_review_id, "comment": ""}
    with pytest.raises(RecordSchemaError, match="by_name: 'chen  JING' reviewed this report"):
        forged(RecordKind.INSPECTION_APPROVED, approval)
    with pytest.raises(RecordSchemaError, match="role: 'reviewer' is not one of approver"):
        forged(RecordKind.INSPECTION_APPROVED, {**approval, "by_name": "Zhou Min", "role": "reviewer"})
    with pytest.raises(RecordSchemaError, match="basis_id: there is no finalisation or header correction nope"):
        forged(RecordKind.INSPECTION_REVIEWED, {"by_name": "Li Na", "title": "", "role": "reviewer", "basis_id": "nope",
                                                "comment": ""})
    correction = {"by_name": "Wang Li", "title": "", "finalisation_id": final.id, "changes": {"nominal": "450"},
                  "previous": {"nominal": "500"}, "reason": "heavier"}
    with pytest.raises(RecordSchemaError, match="changes.nominal: the nominal quantity is part of the judgement"):
        forged(RecordKind.HEADER_CORRECTED, correction)
    with pytest.raises(RecordSchemaError, match="reason: missing"):
        forged(RecordKind.INSPECTION_RETURNED, {"by_name": "Li Na", "title": "", "role": "reviewer", "basis_id": final.id})
    forged(RecordKind.INSPECTION_APPROVED, {**approval, "by_name": "Zhou Min"})  # the real thing passes


def test_a_sign_off_naming_the_inspection_is_accepted_only_after_its_finalisation(store: SqliteStore) -> None:
    """`FOLLOWS_FINALISATION` lets a review follow a finalisation; a measurement still may not."""
    from fieldtool.core.records import after_finalisation_problem

    inspection = store.create_inspection(header(3))
    seq, prev = store.chain_head()
    for kind, expected in ((RecordKind.INSPECTION_REVIEWED, None), (RecordKind.MEASUREMENT_RECORDED, "finalised")):
        record = new_record(prev_hash=prev, id="x", device_id=store.device_id, seq=seq + 1, kind=kind,
                            inspection_id=inspection.id, recorded_at="2025-03-14T02:00:00.000000+00:00", body={})
        problem = after_finalisation_problem(record, {inspection.id: seq})
        assert (problem is None) if expected is None else (problem is not None and expected in problem)
