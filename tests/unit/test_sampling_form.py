"""The sampling form (抽样单) and the environment at the weighing, through the use-cases.

Each is a signed record of the lot that `verify` and the lot's own check accept; what the schema
refuses is refused in one line naming the field, and nothing is recorded after finalisation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fieldtool.core.inspection import SiteKind
from fieldtool.core.record_schema import EnvironmentStage, RecordSchemaError, validate_body, validate_record
from fieldtool.core.records import RecordKind
from fieldtool.errors import InputError, StoreError
from fieldtool.sync import keys
from fieldtool.sync.lot_verify import verify_lot
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.sampling_form import (
    SamplingFormError,
    environment_readings,
    record_environment,
    record_sampling_form,
    sampling_form,
    sampling_form_text,
)
from tests.sync.conftest import header


@pytest.fixture
def services(laptop_services: Services) -> Services:
    return laptop_services


@pytest.fixture
def lot(services: Services) -> str:
    services.store.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
    balance = services.store.add_balance(make="Sartorius", model="BSA", serial="S1", max_capacity="6200", d="0.1")
    return services.store.create_inspection(header(1, balance_id=balance.id)).id


def filled(services: Services, lot: str, **changes: str) -> dict[str, str]:
    typed = sampling_form_text(services, lot)
    typed.update({
        "form_no": "CY-2025-0001", "samplers": "Wang Li、Li Na", "unit_contact": "Zhao Lei 025-8888 1234",
        "producer_name": "金谷粮油有限公司", "producer_address": "江苏省南京市江宁区工业路 8 号",
        "sample_condition": "sealed, intact", "packaging": "plastic bag", "samples_to": "returned to the shop",
        "representative": "Zhao Lei",
    })
    typed.update(changes)
    return typed


def intact(services: Services, key: keys.SigningKey, lot: str) -> None:
    trust = Trust(local_key=key.public_key)
    report = verify_store(services.store, trust)
    assert report.ok and report.authenticated, report.problems
    checked = verify_lot(services.store, lot, trust)
    assert checked.ok and checked.authenticated, checked.problems


def test_the_form_is_prefilled_from_the_inspection(services: Services, lot: str) -> None:
    text = sampling_form_text(services, lot)
    assert text["sampled_at"] == "2025-03-14 09:30"  # the opening, in China Standard Time
    assert (text["unit_name"], text["unit_address"], text["unit_kind"]) == ("Site 1", "1 Zhongshan Road", "retailer")
    assert (text["product_name"], text["brand"], text["batch"]) == ("大米", "Golden Grain rice", "B-001")
    assert (text["specification"], text["lot_size"], text["production_date"]) == ("500 g", "10", "2025-02-01")
    assert text["samplers"] == "Wang Li"
    assert text["producer_name"] == ""  # a shop is not the producer: the label says who is
    assert int(text["sample_count"]) > 0


def test_a_form_recorded_and_corrected_the_latest_counts_and_verifies(
    services: Services, key: keys.SigningKey, lot: str
) -> None:
    first = record_sampling_form(services, lot, filled(services, lot))
    assert first.revision == 0
    form = first.form
    assert form.samplers == ("Wang Li", "Li Na")
    assert (form.producer_name, form.unit_kind, form.lot_size) == ("金谷粮油有限公司", SiteKind.RETAILER, 10)
    assert form.production_date == date(2025, 2, 1)
    again = record_sampling_form(services, lot, filled(services, lot, samples_to="kept by the institute"))
    latest = sampling_form(services, lot)
    assert latest is not None and latest.record_id == again.record_id and latest.revision == 1
    assert latest.form.samples_to == "kept by the institute"
    assert sampling_form_text(services, lot)["samples_to"] == "kept by the institute"
    records = [r for r in services.store.inspection_records(lot) if r.kind == RecordKind.SAMPLING_RECORDED]
    assert len(records) == 2  # both are kept: the first is evidence too
    for r in records:
        validate_record(r, services.store.record_by_id)
    intact(services, key, lot)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("form_no", " ", "form no: must not be empty"),
    ("sampled_at", "14/03/2025", "sampled at: '14/03/2025' is not a date and time written YYYY-MM-DD HH:MM"),
    ("samplers", "", "samplers: names no sampler; the form names at least one"),
    ("samplers", "Wang Li, Wang Li", "samplers: lists a name twice"),
    ("unit_kind", "shop", "unit kind: 'shop' is not one of producer, wholesaler, retailer (生产, 批发, 零售)"),
    ("production_date", "2025-02-30", "production date: '2025-02-30' is not a date written YYYY-MM-DD"),
    ("sample_count", "ten", "sample count: 'ten' is not a whole number"),
    ("sample_count", "11", "sample count: 11 samples is more than the lot size 10"),
    ("sample_count", "0", "sample count: 0 is less than 1"),
    ("product_name", "", "product name: must not be empty"),
])
def test_a_wrong_field_is_refused_in_one_line_naming_it_and_nothing_is_recorded(
    services: Services, lot: str, field: str, value: str, message: str
) -> None:
    with pytest.raises(SamplingFormError) as refused:
        record_sampling_form(services, lot, filled(services, lot, **{field: value}))
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert sampling_form(services, lot) is None


def test_the_schema_refuses_what_the_use_case_would_never_write() -> None:
    body = {
        "form_no": "CY-1", "sampled_at": "2025-03-14 09:30", "place": "shop", "samplers": ["Wang Li"],
        "unit_name": "Site 1", "unit_address": "", "unit_kind": "retailer", "unit_contact": "",
        "producer_name": "", "producer_address": "", "product_name": "大米", "brand": "", "specification": "",
        "batch": "", "production_date": None, "lot_size": 10, "sample_count": 10, "sample_condition": "",
        "packaging": "", "samples_to": "", "representative": "", "notes": "",
    }
    validate_body(RecordKind.SAMPLING_RECORDED, body)
    for change, message in [
        ({"lot_size": "10"}, "lot_size: '10' is not a whole number"),
        ({"samplers": "Wang Li"}, "samplers: 'Wang Li' is not a list"),
        ({"sampled_at": "2025-03-14T09:30:00+08:00"}, "is not a date and time written YYYY-MM-DD HH:MM"),
        ({"extra": 1}, "extra: not a field of this kind of record"),
    ]:
        with pytest.raises(RecordSchemaError, match=message):
            validate_body(RecordKind.SAMPLING_RECORDED, {**body, **change})
    env = {"temperature_c": "21.5", "humidity_pct": "55", "stage": "during-weighing", "packages_weighed": 3, "place": ""}
    validate_body(RecordKind.ENVIRONMENT_RECORDED, env)
    for change, message in [
        ({"temperature_c": "60.1"}, "temperature_c: 60.1 °C is outside -30…60 °C"),
        ({"temperature_c": "-30.5"}, "temperature_c: -30.5 °C is outside -30…60 °C"),
        ({"humidity_pct": "100.1"}, "humidity_pct: 100.1 % is outside 0…100 %"),
        ({"humidity_pct": 55}, "humidity_pct: 55 is not a decimal number written as text"),
        ({"stage": "lunch"}, "stage: 'lunch' is not one of before-weighing, during-weighing, after-weighing"),
    ]:
        with pytest.raises(RecordSchemaError, match=message):
            validate_body(RecordKind.ENVIRONMENT_RECORDED, {**env, **change})


def test_the_environment_is_recorded_with_where_in_the_lots_life(
    services: Services, key: keys.SigningKey, lot: str
) -> None:
    before = record_environment(services, lot, "21.5", "55")
    assert (before.temperature_c, before.humidity_pct, before.stage, before.packages_weighed) == (
        Decimal("21.5"), Decimal(55), EnvironmentStage.BEFORE_WEIGHING, 0)
    services.store.record_tare(lot, "12.3", services.lot_state(lot).tare.method, position=1)
    services.record_weight(lot, "512.0 12.1")
    during = record_environment(services, lot, "22.0", "57.5", place="storeroom")
    assert (during.stage, during.packages_weighed, during.place) == (EnvironmentStage.DURING_WEIGHING, 1, "storeroom")
    assert [r.temperature_c for r in environment_readings(services, lot)] == [Decimal("21.5"), Decimal("22.0")]
    for temperature, humidity, message in [
        ("61", "50", "temperature: 61 °C is outside -30…60 °C"),
        ("-31", "50", "temperature: -31 °C is outside -30…60 °C"),
        ("20", "101", "relative humidity: 101 % is outside 0…100 %"),
        ("20", "-1", "relative humidity: -1 % is outside 0…100 %"),
        ("warm", "50", "temperature"),
    ]:
        with pytest.raises(InputError, match=message):
            record_environment(services, lot, temperature, humidity)
    assert len(environment_readings(services, lot)) == 2
    intact(services, key, lot)


def test_neither_is_recorded_after_finalisation(services: Services, key: keys.SigningKey, lot: str) -> None:
    record_sampling_form(services, lot, filled(services, lot))
    services.store.finalise_and_sign(lot, "Wang Li", keys.finalisation_signer(key))
    with pytest.raises(StoreError, match="is final"):
        record_sampling_form(services, lot, filled(services, lot, notes="late"))
    with pytest.raises(StoreError, match="is final"):
        record_environment(services, lot, "20", "50")
    # The store refuses too, whatever the caller checked.
    stored = sampling_form(services, lot)
    assert stored is not None
    with pytest.raises(StoreError, match="is final"):
        services.store.record_sampling_form(lot, stored.form)
    with pytest.raises(StoreError, match="is final"):
        services.store.record_environment(lot, Decimal(20), Decimal(50), EnvironmentStage.AFTER_WEIGHING, "")
    intact(services, key, lot)
