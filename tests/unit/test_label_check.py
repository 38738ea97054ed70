"""The label check (净含量标注) through the use-cases: recorded as a signed ``label-checked`` record of the
open inspection, redone while open (the latest counts), refused after finalisation, held against its
schema, and accepted by ``verify`` and the lot's own check."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from fieldtool.core.record_schema import RecordSchemaError, validate_body, validate_record
from fieldtool.core.records import RecordKind
from fieldtool.errors import InputError, StoreError
from fieldtool.sync import keys
from fieldtool.sync.lot_verify import verify_lot
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.label_check import preview_label, record_label_check
from tests.sync.conftest import header


@pytest.fixture
def services(laptop_services: Services) -> Services:
    laptop_services.store.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
    return laptop_services


@pytest.fixture
def lot(services: Services) -> str:
    """An open inspection of 500 g rice, ten packages."""
    return services.store.create_inspection(header(1)).id


def _weigh_all(services: Services, lot: str) -> None:
    services.store.record_tare(lot, "12.3", services.lot_state(lot).tare.method, position=1)
    while not services.lot_state(lot).complete:
        services.store.record_measurement(lot, "500.4")


def test_a_label_check_is_recorded_and_shown_in_the_lot_state(services: Services, lot: str) -> None:
    assert services.lot_state(lot).label is None
    state = record_label_check(services, lot, text="净含量：500克", height_mm="4.0", by_name="Wang Li",
                               photo="IMG_0042.jpg")
    assert state.passed and state.matches
    assert (state.check.text, state.check.height_mm, state.check.photo) == ("净含量：500克", Decimal("4.0"), "IMG_0042.jpg")
    label = services.lot_state(lot).label
    assert label is not None and label.passed and label.check.id == state.check.id


def test_the_latest_check_counts(services: Services, lot: str) -> None:
    first = record_label_check(services, lot, text="净含量：500克", height_mm="3.9", by_name="Wang Li")
    assert not first.passed and [str(c) for c in first.result.failed] == ["height"]
    second = record_label_check(services, lot, text="净含量：500克", height_mm="4.1", by_name="Wang Li")
    assert second.passed
    label = services.lot_state(lot).label
    assert label is not None and label.check.id == second.check.id and label.passed
    assert len(services.store.label_checks(lot)) == 2


def test_a_failing_label_records_its_failed_elements(services: Services, lot: str) -> None:
    state = record_label_check(services, lot, text="500克", height_mm="3", by_name="Wang Li")
    assert not state.passed
    record = next(r for r in services.store.inspection_records(lot) if r.kind == RecordKind.LABEL_CHECKED)
    assert record.body["outcome"] == "fail" and record.body["failed"] == ["words", "height"]
    assert record.body["rules_id"] == "cn-order70-2023" and record.body["height_mm"] == "3"


def test_bad_input_is_refused_in_one_line_and_nothing_is_written(services: Services, lot: str) -> None:
    for text, height, by in (("", "4", "Wang Li"), ("净含量：500克", "4.05", "Wang Li"), ("净含量：500克", "x", "Wang Li"),
                             ("净含量：500克", "4", " "), ("净" * 201, "4", "Wang Li")):
        with pytest.raises(InputError) as e:
            record_label_check(services, lot, text=text, height_mm=height, by_name=by)
        assert "\n" not in str(e.value)
    assert services.store.label_checks(lot) == []


def test_after_finalisation_a_label_check_is_refused(services: Services, lot: str) -> None:
    record_label_check(services, lot, text="净含量：500克", height_mm="4", by_name="Wang Li")
    _weigh_all(services, lot)
    services.finalise(lot, "Wang Li")
    with pytest.raises(StoreError) as e:
        record_label_check(services, lot, text="净含量：500g", height_mm="5", by_name="Wang Li")
    assert "final" in str(e.value)
    label = services.lot_state(lot).label
    assert label is not None and label.check.text == "净含量：500克"


def test_verify_and_the_lot_check_accept_label_records(services: Services, lot: str, key: keys.SigningKey) -> None:
    record_label_check(services, lot, text="净含量：1000克", height_mm="6", by_name="Wang Li")
    record_label_check(services, lot, text="净含量：500克", height_mm="4", by_name="Wang Li")
    _weigh_all(services, lot)
    services.finalise(lot, "Wang Li")
    trust = Trust(local_key=key.public_key)
    report = verify_store(services.store, trust)
    assert report.ok and report.authenticated, report.problems
    checked = verify_lot(services.store, lot, trust)
    assert checked.ok and checked.authenticated, checked.problems


def test_preview_does_not_write(services: Services, lot: str) -> None:
    result = preview_label(services, lot, "净含量：500克", "4")
    assert result.passed and services.store.label_checks(lot) == []


GOOD = {"text": "净含量：500克", "height_mm": "4", "photo": None, "by_name": "Wang Li", "rules_id": "cn-order70-2023",
        "outcome": "pass", "failed": []}


@pytest.mark.parametrize(("change", "says"), [
    ({"text": ""}, "text: must not be empty"),
    ({"text": "x" * 201}, "text: 201 characters"),
    ({"height_mm": "-4"}, "height_mm"),
    ({"height_mm": 4}, "height_mm"),
    ({"outcome": "ok"}, "outcome"),
    ({"outcome": "fail"}, "outcome: 'fail' does not follow from failed"),
    ({"failed": ["height"]}, "outcome: 'pass' does not follow from failed"),
    ({"outcome": "fail", "failed": ["colour"]}, "failed[0]"),
    ({"outcome": "fail", "failed": ["height", "height"]}, "failed: names an element twice"),
    ({"by_name": ""}, "by_name"),
    ({"extra": 1}, "extra"),
])
def test_the_schema_refuses_what_fieldtool_would_never_write(change: dict[str, object], says: str) -> None:
    with pytest.raises(RecordSchemaError) as e:
        validate_body(RecordKind.LABEL_CHECKED, {**GOOD, **change}, seq=7)
    assert says in str(e.value) and "label-checked" in str(e.value), str(e.value)


def test_a_label_record_after_finalisation_is_refused_by_the_schema_references(services: Services, lot: str) -> None:
    record_label_check(services, lot, text="净含量：500克", height_mm="4", by_name="Wang Li")
    record = next(r for r in services.store.inspection_records(lot) if r.kind == RecordKind.LABEL_CHECKED)
    validate_record(record, lambda rid: next((r for r in services.store.inspection_records(lot) if r.id == rid), None))
    forged = dataclasses.replace(record, inspection_id="no-such-inspection")
    with pytest.raises(RecordSchemaError):
        validate_record(forged, lambda rid: None)
