"""The hub validates what it stores: every record body is held against its kind's schema before anything of a batch is stored.

The laptops here are real databases filled through the use-cases (every kind of record), enrolled on
a real hub database; the bad batches are real bundle files, signed with the laptop's own device key
(what an enrolled laptop running a modified program could send). Each refused batch is checked in
the hub's database: nothing of it is there. The hub's reports and exports run as the supervisor
runs them, in a subprocess.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.record_schema import RecordSchemaError, validate_body, validate_record
from fieldtool.core.records import Record, RecordKind, canonical_json, new_record
from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.bundle import export_bundle
from fieldtool.sync.client import sync
from fieldtool.sync.errors import RefusedError
from fieldtool.sync.hub import Hub, open_hub
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from fieldtool.sync.wire import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    make_bundle,
    record_to_dict,
    request_payload,
)
from fieldtool.usecases.demo import DemoClock, build_demo
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.label_check import record_label_check
from fieldtool.usecases.review import approve, correct_header, return_report, review
from fieldtool.usecases.sampling_form import record_environment, record_sampling_form, sampling_form_text
from tests.conftest import StepClock, cli_in_process
from tests.sync.conftest import START, Laptop, Server, chain, device_of, enroll_in_process, new_id, register_in_process

# -- a laptop that wrote every kind of record, through the use-cases -------------------------------------


def _header(number: int, product: str, nominal: str, unit: str, tare: TareMethod, balance_id: str) -> InspectionHeader:
    return InspectionHeader(
        programme_id="cn-2012-net-content", city_id="nanjing", site_name=f"Site {number}",
        site_address=f"{number} Zhongshan Road", site_kind=SiteKind.RETAILER, product_id=product,
        brand="Golden Grain", batch=f"B-{number:03d}", production_date=date(2025, 2, 1), nominal=Decimal(nominal),
        unit=unit, lot_size=10, rule_set_id="jjf1070-2005", variant="standard",
        sampling_method=SamplingMethod.SIMPLE_RANDOM, sampling_seed=1000 + number, inspectors=("Wang Li", "Zhao Min"),
        balance_id=balance_id, tare_method=tare, notes="",
    )


def _weigh_to_the_end(services: Services, inspection_id: str, entries: list[str]) -> None:
    state = services.lot_state(inspection_id)
    k = 0
    while not state.complete:
        _, state = services.record_weight(inspection_id, entries[k % len(entries)])
        k += 1


def flow_laptop(directory: Path, name: str = "Inspector Wang") -> Laptop:
    """A laptop database written through the use-cases, with every kind of record fieldtool writes.

    Lot A (rice, g, individual tare): packages typed as gross and tare, a correction, a withdrawal,
    an individual tare weighing, the verdict, finalised and signed. Lot B (oil, mL, average tare):
    a flask density, the tare sample, packages converted to volume, verdict, finalised and signed.
    Lot C (oil, mL) stays open: a typed density and one package.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = keys.device_key()  # the session's device key: every laptop of this module signs with it (see tests/conftest.py)
    db = directory / "fieldtool.db"
    clock = StepClock(START)
    with SqliteStore.open(db, clock=clock, durable=False, signer=key) as store:
        services = Services(store, clock=clock, signer=key)
        services.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
        balance = services.add_balance(make="Sartorius", model="BSA", serial="S-1", max_capacity="6200", d="0.1",
                                       e="1", accuracy_class="II", mpe="0.5", certificate="JL-1",
                                       calibration_due=date(2026, 3, 1))
        rice = services.start_inspection(_header(1, "rice", "500", "g", TareMethod.INDIVIDUAL, balance.id))
        # The sampling form (corrected once: the latest counts) and the environment, before weighing.
        form = {**sampling_form_text(services, rice.id), "form_no": "CY-0001", "representative": "Zhao Lei"}
        record_sampling_form(services, rice.id, {**form, "form_no": "CY-000l"})
        record_sampling_form(services, rice.id, form)
        record_environment(services, rice.id, "21.5", "55")
        first, _ = services.record_weight(rice.id, "512.3 12.1")
        services.record_weight(rice.id, "511.8 12.0")
        services.correct_weight(first.id, "511.9 12.1", "typed 512.3 instead of 511.9")
        services.undo_last(rice.id, "the same package was weighed twice")
        store.record_tare(rice.id, "12.3", TareMethod.INDIVIDUAL, position=1)
        _weigh_to_the_end(services, rice.id, ["512.0 12.2", "510.4 11.9", "509.9 12.0"])
        record_label_check(services, rice.id, text="净含量：500克", height_mm="3.9", by_name="Wang Li")
        record_label_check(services, rice.id, text="净含量：500克", height_mm="4.0", by_name="Wang Li", photo="IMG_1.jpg")
        services.finalise(rice.id, "Wang Li")
        # The sign-off of lot A's report: reviewed, returned, its header corrected, reviewed again, approved.
        review(store, rice.id, "Chen Jing", title="技术负责人")
        return_report(store, rice.id, "Zhou Min", "the batch on the label reads B-0001")
        correct_header(store, rice.id, {"batch": "B-0001"}, "batch as labelled", "Wang Li")
        review(store, rice.id, "Chen Jing", title="技术负责人")
        approve(store, rice.id, "Zhou Min", title="授权签字人")

        oil = services.start_inspection(_header(2, "cooking-oil", "900", "mL", TareMethod.AVERAGE, balance.id))
        services.record_density(oil.id, flask_volume_ml="100.00", filled_g="191.62", empty_g="100.14",
                                temperature_c="20.2")
        tares = iter(["40.1", "40.3", "39.9", "40.0", "40.2"] * 6)
        while True:
            state = services.record_tare_sample(oil.id, next(tares))
            if state.tare.average is not None and state.tare.average.accepted:
                break
        _weigh_to_the_end(services, oil.id, ["864.2", "865.0", "863.7"])
        services.finalise(oil.id, "Zhao Min")

        still_open = services.start_inspection(_header(3, "cooking-oil", "900", "mL", TareMethod.INDIVIDUAL, balance.id))
        services.record_density(still_open.id, density="0.9148", temperature_c="-1.5")
        services.record_weight(still_open.id, "864.0 40.1")
    return Laptop(db, key, name)


def open_inspection(laptop: Laptop) -> str:
    with laptop.store() as store:
        return store.inspections(final=False)[0].id


def first_of(records: list[Record], kind: str) -> Record:
    return next(r for r in records if r.kind == kind)


@pytest.fixture(scope="module")
def flow_template(tmp_path_factory: pytest.TempPathFactory) -> Laptop:
    return flow_laptop(tmp_path_factory.mktemp("flow"))


@pytest.fixture
def wang(flow_template: Laptop, tmp_path: Path, hub_db: Path) -> Laptop:
    """A copy of the flow laptop (same key), enrolled on this test's hub."""
    directory = tmp_path / "wang"
    directory.mkdir()
    db = directory / "fieldtool.db"
    with sqlite3.connect(flow_template.db) as source, sqlite3.connect(db) as target:
        source.backup(target)
    lap = Laptop(db, flow_template.key, "Inspector Wang")
    register_in_process(hub_db, lap, enroll_in_process(hub_db, "Inspector Wang, Nanjing"))
    return lap


# -- forging, as an enrolled laptop with a modified program could -----------------------------------------


def relinked(records: list[Record], start: int, key: keys.SigningKey) -> list[Record]:
    """Recompute the hashes from index `start` on and sign the finalisations again with the device key."""
    out = records[:start]
    by_id = {r.id: r for r in out}
    for r in records[start:]:
        body = r.body
        if r.kind == RecordKind.INSPECTION_SIGNED:
            body = keys.finalisation_signer(key)(by_id[body["finalisation_id"]])
        record = new_record(prev_hash=out[-1].hash if out else r.prev_hash, id=r.id, device_id=r.device_id, seq=r.seq,
                            kind=r.kind, inspection_id=r.inspection_id, recorded_at=r.recorded_at, body=body,
                            signer=key)
        out.append(record)
        by_id[record.id] = record
    return out


def appended(records: list[Record], kind: str, inspection_id: str | None, body: Mapping[str, Any]) -> list[Record]:
    """The chain with one more record after its head, signed with the device key (the sender is an enrolled laptop)."""
    head = records[-1]
    record_id = new_id()
    if kind == RecordKind.INSPECTION_CREATED:
        inspection_id = record_id
    extra = new_record(prev_hash=head.hash, id=record_id, device_id=head.device_id, seq=head.seq + 1, kind=kind,
                       inspection_id=inspection_id, recorded_at=head.recorded_at, body=body, signer=keys.device_key())
    return [*records, extra]


def bundle_file(laptop: Laptop, records: list[Record], path: Path) -> bytes:
    """A bundle of `records` signed with the laptop's device key, written to `path`; returns its bytes."""
    bundle = make_bundle(records[0].device_id, laptop.key.public_key, "2025-03-14T12:00:00Z", 0, "0" * 64, records,
                         laptop.key.sign)
    path.write_bytes(canonical_json(bundle.as_dict()))
    return path.read_bytes()


def stored(hub_db: Path, device_id: str) -> dict[str, int]:
    """What the hub's database holds of a device, read with sqlite3 itself."""
    con = sqlite3.connect(hub_db)
    try:
        count = {
            "records": "SELECT count(*) FROM records WHERE device_id = ?",
            "inspections": "SELECT count(*) FROM inspections WHERE device_id = ?",
            "measurements": "SELECT count(*) FROM measurements m JOIN records r ON r.id = m.id WHERE r.device_id = ?",
            "receipts": "SELECT count(*) FROM hub_receipts WHERE device_id = ?",
            "bundles": "SELECT count(*) FROM hub_bundles WHERE device_id = ?",
        }
        return {what: con.execute(sql, [device_id]).fetchone()[0] for what, sql in count.items()}
    finally:
        con.close()


NOTHING = {"records": 0, "inspections": 0, "measurements": 0, "receipts": 0, "bundles": 0}


fieldtool = cli_in_process  # the CLI's `main` in this process: the same parser, dispatch and one-line errors


# -- what the laptop writes always passes ---------------------------------------------------------------


def test_every_record_of_the_whole_flow_passes_its_schema_and_its_references(flow_template: Laptop) -> None:
    records = chain(flow_template)
    # The flow writes every kind there is but the attestation, written only on the first opening of a
    # database from before records were signed (tests/e2e/test_attacks.py covers it).
    assert {r.kind for r in records} == set(RecordKind) - {RecordKind.CHAIN_ATTESTED}
    with flow_template.store() as store:
        for r in records:
            validate_record(r, store.record_by_id)
        report = verify_store(store, Trust(local_key=flow_template.key.public_key))
    assert report.ok, report.problems


def test_every_record_of_a_demo_slice_passes_its_schema(tmp_path: Path) -> None:
    clock = DemoClock()
    with SqliteStore.open(tmp_path / "demo.db", clock=clock, durable=False) as store:
        build_demo(Services(store, clock=clock), seed=11, lots_per_cell=1, clock=clock, cities=["nanjing", "beijing"])
        records = list(store.records())
        assert len(records) > 500
        for r in records:
            validate_record(r, store.record_by_id)
        assert verify_store(store).ok


# -- the hub refuses a bad batch whole -------------------------------------------------------------------


def test_a_signed_bundle_with_a_net_of_heavy_is_refused_and_nothing_of_it_is_stored(
    hub: Hub, wang: Laptop, hub_db: Path, tmp_path: Path
) -> None:
    records = chain(wang)
    device = device_of(wang)
    i = next(k for k, r in enumerate(records) if r.kind == RecordKind.MEASUREMENT_RECORDED and k > 6)
    bad = relinked([*records[:i], dataclasses.replace(records[i], body={**records[i].body, "net": "heavy"}),
                    *records[i + 1:]], i, wang.key)
    data = bundle_file(wang, bad, tmp_path / "heavy.bundle")
    with pytest.raises(RefusedError) as refused:
        hub.import_bundle(data, "heavy.bundle")
    assert str(refused.value) == (f"refused, nothing stored: record {records[i].seq} (measurement-recorded): "
                                  "net: 'heavy' is not a number")
    assert stored(hub_db, device) == NOTHING  # not even the good records before it
    flagged = hub.store.flagged()
    assert [(f["record_id"], f["seq"]) for f in flagged] == [(records[i].id, records[i].seq)]
    # The laptop's true chain still goes in whole, and the hub verifies.
    with wang.store() as store:
        export_bundle(store, wang.key, tmp_path / "true.bundle")
    receipt = hub.import_bundle((tmp_path / "true.bundle").read_bytes(), "true.bundle").receipt
    assert receipt.seq == len(records) and stored(hub_db, device)["records"] == len(records)
    assert verify_store(hub.store).ok


def test_a_bad_record_pushed_after_good_ones_leaves_the_acknowledged_head_where_it_was(hub: Hub, wang: Laptop) -> None:
    records = chain(wang)
    device = device_of(wang)
    hub.ingest(device, records[:8], "push")
    bad = appended(records, RecordKind.MEASUREMENT_RECORDED, open_inspection(wang),
                   {**first_of(records, RecordKind.MEASUREMENT_RECORDED).body, "unit": "mL", "gross": "-864.0"})
    with pytest.raises(RefusedError, match=rf"record {len(bad)} \(measurement-recorded\): gross: -864.0 is negative"):
        hub.ingest(device, bad, "push")
    assert hub.store.chain_head(device)[0] == 8


# -- a wrong type in each kind ----------------------------------------------------------------------------

WRONG: dict[str, tuple[str, object, str]] = {
    RecordKind.INSPECTOR_SAVED: ("name", 5, "name: 5 is not text"),
    RecordKind.BALANCE_ADDED: ("max_capacity", 6200, "max_capacity: 6200 is not a decimal number written as text"),
    RecordKind.INSPECTION_CREATED: ("lot_size", "10", "lot_size: '10' is not a whole number"),
    RecordKind.MEASUREMENT_RECORDED: ("withdrawn", "no", "withdrawn: must be false in this kind of record; got 'no'"),
    RecordKind.MEASUREMENT_CORRECTED: ("reason", None, "reason: null is not text"),
    RecordKind.MEASUREMENT_WITHDRAWN: ("position", [1], "position: a list is not a whole number"),
    RecordKind.TARE_RECORDED: ("method", "net", "method: 'net' is not one of individual, average"),
    RecordKind.DENSITY_RECORDED: ("temperature_c", True, "temperature_c: true is not a decimal number written as text"),
    RecordKind.VERDICT_SAVED: ("criteria", {}, "criteria: an object is not a list"),
    RecordKind.INSPECTION_FINALISED: ("by_name", ["Wang Li"], "by_name: a list is not text"),
    RecordKind.INSPECTION_SIGNED: ("seq", "12", "seq: '12' is not a whole number"),
    RecordKind.INSPECTION_REVIEWED: ("role", "approver", "role: 'approver' is not one of reviewer"),
    RecordKind.INSPECTION_APPROVED: ("review_id", None, "review_id: null is not text"),
    RecordKind.INSPECTION_RETURNED: ("reason", " ", "reason: must not be empty"),
    RecordKind.SAMPLING_RECORDED: ("sample_count", "10", "sample_count: '10' is not a whole number"),
    RecordKind.LABEL_CHECKED: ("height_mm", 4, "height_mm: 4 is not a decimal number written as text"),
    RecordKind.ENVIRONMENT_RECORDED: ("humidity_pct", "101", "humidity_pct: 101 % is outside 0…100 %"),
    RecordKind.HEADER_CORRECTED: ("changes", {"lot_size": 20},
                                  ("changes.lot_size: the lot size is part of the judgement; it never changes after "
                                   "finalisation (correctable: site_name, site_address, site_kind, brand, batch, "
                                   "production_date, notes)")),
}


@pytest.mark.parametrize("kind", list(WRONG))
def test_a_wrong_type_in_each_kind_of_record_is_refused_naming_the_record_and_the_field(
    kind: str, hub: Hub, wang: Laptop, hub_db: Path, tmp_path: Path
) -> None:
    records = chain(wang)
    field, value, message = WRONG[kind]
    template = first_of(records, kind)
    inspection = open_inspection(wang) if template.inspection_id is not None else None
    bad = appended(records, kind, inspection, {**template.body, field: value})
    data = bundle_file(wang, bad, tmp_path / "wrong.bundle")
    with pytest.raises(RefusedError) as refused:
        hub.import_bundle(data, "wrong.bundle")
    assert str(refused.value) == f"refused, nothing stored: record {len(bad)} ({kind}): {message}"
    assert stored(hub_db, device_of(wang)) == NOTHING


# -- references --------------------------------------------------------------------------------------------


def _refused(hub: Hub, laptop: Laptop, records: list[Record]) -> str:
    with pytest.raises(RefusedError) as refused:
        hub.ingest(device_of(laptop), records, "push")
    return str(refused.value)


def test_records_that_name_what_is_not_there_or_not_theirs_are_refused(hub: Hub, wang: Laptop, hub_db: Path) -> None:
    records = chain(wang)
    measured = first_of(records, RecordKind.MEASUREMENT_RECORDED)  # of lot A, finalised
    ghost = new_id()
    open_lot = open_inspection(wang)
    cases: list[tuple[list[Record], str]] = [
        (appended(records, RecordKind.MEASUREMENT_RECORDED, ghost, measured.body),
         f"inspection_id: there is no inspection {ghost}"),
        (appended(records, RecordKind.MEASUREMENT_CORRECTED, open_lot,
                  {**measured.body, "unit": "mL", "supersedes": measured.id, "reason": "moved"}),
         f"supersedes: measurement {measured.id} belongs to inspection {measured.inspection_id}, not to {open_lot}"),
        (appended(records, RecordKind.MEASUREMENT_CORRECTED, open_lot,
                  {**measured.body, "unit": "mL", "supersedes": first_of(records, RecordKind.BALANCE_ADDED).id,
                   "reason": "x"}),
         "is a balance-added record, not measurement"),
        (appended(records, RecordKind.INSPECTION_CREATED, None,
                  {**first_of(records, RecordKind.INSPECTION_CREATED).body, "balance_id": ghost}),
         f"balance_id: there is no balance in the register {ghost}"),
        (appended(records, RecordKind.MEASUREMENT_RECORDED, open_lot, measured.body),
         "unit: 'g' is not the unit 'mL' of the inspection"),
    ]
    for bad, message in cases:
        text = _refused(hub, wang, bad)
        assert f"record {len(bad)} (" in text and message in text, text
    assert stored(hub_db, device_of(wang)) == NOTHING


def test_a_laptop_cannot_add_records_to_another_laptops_inspection(
    hub: Hub, wang: Laptop, hub_db: Path, tmp_path: Path
) -> None:
    li = flow_laptop(tmp_path / "li", "Inspector Li")
    register_in_process(hub_db, li, enroll_in_process(hub_db, "Inspector Li"))
    hub.ingest(device_of(li), chain(li), "push")
    theirs = open_inspection(li)
    records = chain(wang)
    intruder = appended(records, RecordKind.MEASUREMENT_RECORDED, theirs,
                        {**first_of(records, RecordKind.MEASUREMENT_RECORDED).body, "unit": "mL", "net": "950.0"})
    text = _refused(hub, wang, intruder)
    assert f"inspection_id: inspection {theirs} was opened by device {device_of(li)}; only that device may add" in text
    assert len(hub.store.current_measurements(theirs)) == 1
    assert stored(hub_db, device_of(wang)) == NOTHING


def test_a_verdict_that_does_not_judge_its_measurements_is_refused(hub: Hub, wang: Laptop) -> None:
    records = chain(wang)
    i = next(k for k, r in enumerate(records) if r.kind == RecordKind.VERDICT_SAVED)
    verdict = records[i]
    inputs = dict(verdict.body["inputs"])
    inputs["nets"] = ["400.0", *inputs["nets"][1:]]  # a flipped weight, with its verdict recomputed by hand
    bad = relinked([*records[:i], dataclasses.replace(verdict, body={**verdict.body, "inputs": inputs}),
                    *records[i + 1:]], i, wang.key)
    text = _refused(hub, wang, bad)
    assert f"record {verdict.seq} (verdict-saved): inputs.nets[0]: 400.0 is not the net" in text


# -- the other laptops, and the supervisor's reports --------------------------------------------------------


def test_other_laptops_are_untouched_and_the_hubs_exports_and_reports_keep_working(
    wang: Laptop, hub_db: Path, tmp_path: Path
) -> None:
    li = flow_laptop(tmp_path / "li", "Inspector Li")
    register_in_process(hub_db, li, enroll_in_process(hub_db, "Inspector Li"))
    li_records = chain(li)
    store, hub = open_hub(hub_db)
    with store:
        hub.ingest(device_of(li), li_records[:10], "push")
        before = stored(hub_db, device_of(li))
        records = chain(wang)
        i = next(k for k, r in enumerate(records) if r.kind == RecordKind.MEASUREMENT_RECORDED)
        bad = relinked([*records[:i], dataclasses.replace(records[i], body={**records[i].body, "net": "heavy"}),
                        *records[i + 1:]], i, wang.key)
        bundle_file(wang, bad, tmp_path / "heavy.bundle")
    result = fieldtool("hub", "import", "--db", str(hub_db), str(tmp_path / "heavy.bundle"))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].endswith(
        f"refused, nothing stored: record {records[i].seq} (measurement-recorded): net: 'heavy' is not a number")
    assert "Traceback" not in result.stderr
    assert stored(hub_db, device_of(li)) == before and stored(hub_db, device_of(wang)) == NOTHING
    store, hub = open_hub(hub_db)
    with store:
        receipt = hub.ingest(device_of(li), li_records, "push")  # the next good batch of the other laptop
        assert receipt.seq == len(li_records)
        finished = hub.store.inspections(final=True)[0].id

    verified = fieldtool("verify", "--db", str(hub_db))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    exported = fieldtool("export", "--db", str(hub_db), "--format", "csv", "-o", str(tmp_path / "export"))
    assert exported.returncode == 0, exported.stderr
    assert "heavy" not in (tmp_path / "export" / "measurements.csv").read_text(encoding="utf-8-sig")
    lot = fieldtool("report", "lot", finished, "--db", str(hub_db), "-o", str(tmp_path / "lot.pdf"))
    assert lot.returncode == 0, lot.stderr
    programme = fieldtool("report", "programme", "--db", str(hub_db), "-o", str(tmp_path / "programme.pdf"))
    assert programme.returncode == 0, programme.stderr
    assert (tmp_path / "lot.pdf").read_bytes().startswith(b"%PDF") and (tmp_path / "programme.pdf").stat().st_size


# -- the laptop's verify ------------------------------------------------------------------------------------


def _tamper(db: Path, statements: list[tuple[str, list[Any]]]) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        for table in ("records", "measurements"):
            con.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        for sql, params in statements:
            con.execute(sql, params)
    finally:
        con.close()


def test_verify_names_a_tampered_body_in_one_line(flow_template: Laptop, tmp_path: Path) -> None:
    db = tmp_path / "tampered.db"
    with sqlite3.connect(flow_template.db) as source, sqlite3.connect(db) as target:
        source.backup(target)
    records = chain(flow_template)
    measured = first_of(records, RecordKind.MEASUREMENT_RECORDED)
    body = canonical_json({**measured.body, "net": "heavy"}).decode("utf-8")
    _tamper(db, [("UPDATE records SET body = ? WHERE id = ?", [body, measured.id]),
                 ("UPDATE measurements SET net = 'heavy' WHERE id = ?", [measured.id])])
    with SqliteStore(db) as store:
        report = verify_store(store, Trust(local_key=flow_template.key.public_key))
    named = [p for p in report.problems if "'heavy'" in p]
    line = (f"record {measured.id} (device {measured.device_id}, seq {measured.seq}, measurement-recorded): "
            "net: 'heavy' is not a number")
    assert named == [line]
    result = fieldtool("verify", "--db", str(db))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert named[0] in result.stdout + result.stderr


# -- the schema alone ----------------------------------------------------------------------------------------


def test_validate_body_names_the_field_and_record_and_refuses_every_unknown_or_missing_field(
    flow_template: Laptop,
) -> None:
    records = chain(flow_template)
    template = first_of(records, RecordKind.MEASUREMENT_RECORDED)
    cases: list[tuple[Callable[[dict[str, Any]], None], str]] = [
        (lambda b: b.pop("net"), "net: missing"),
        (lambda b: b.update(colour="red"), "colour: not a field of this kind of record"),
        (lambda b: b.update(net="1_000"), "net: '1_000' is not a number"),
        (lambda b: b.update(net="5e2"), "net: '5e2' is not a number"),
        (lambda b: b.update(net=" 500.1"), "net: ' 500.1' is not written as fieldtool writes the number ('500.1')"),
        (lambda b: b.update(net="NaN"), "net: 'NaN' is not a number"),
        (lambda b: b.update(source="guessed"), "source: 'guessed' is not one of typed, balance"),
        (lambda b: b.update(position=0), "position: 0 is less than 1"),
        (lambda b: b.update(position=2**70), f"position: {2**70} is more than {2**63 - 1}"),
    ]
    for change, message in cases:
        body = dict(template.body)
        change(body)
        with pytest.raises(RecordSchemaError) as error:
            validate_body_of(template, body)
        assert str(error.value).startswith(f"record {template.seq} (measurement-recorded): {message}"), str(error.value)


def validate_body_of(template: Record, body: dict[str, Any]) -> None:
    validate_record(dataclasses.replace(template, body=body))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.text(max_size=12)
    | st.sampled_from(["500.1", "0E-7", "1e5", "-3", "heavy", "NaN", "g", "typed", "2025-02-30", "1_0", ""]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(set(RecordKind) - {RecordKind.CHAIN_ATTESTED})), field=st.integers(min_value=0),
       value=JSON, cut=st.booleans())
@example(kind=RecordKind.HEADER_CORRECTED, field=1, value={"\n": None}, cut=False)  # a key with a line break
def test_any_change_to_any_field_gives_a_record_schema_error_or_nothing(
    flow_template: Laptop, kind: str, field: int, value: object, cut: bool
) -> None:
    records = chain_cached(flow_template)
    template = first_of(records, kind)
    body = dict(template.body)
    name = sorted(body)[field % len(body)]
    if cut:
        del body[name]
    else:
        body[name] = value
    held = {r.id: r for r in records}
    try:
        validate_record(dataclasses.replace(template, body=body), held.get)
    except RecordSchemaError as e:
        assert str(e).startswith(f"record {template.seq} ({kind}): ") and "\n" not in str(e)


@settings(max_examples=200, deadline=None)
@given(kind=st.text(max_size=20) | st.sampled_from(sorted(RecordKind)), body=JSON, seq=st.integers(1, 10**6))
def test_any_json_body_of_any_kind_gives_a_record_schema_error_or_nothing(kind: str, body: object, seq: int) -> None:
    try:
        validate_body(kind, body, seq=seq)
    except RecordSchemaError as e:
        shown = kind if kind.isprintable() else repr(kind)  # a kind that is no plain name is quoted
        assert str(e).startswith(f"record {seq} ({shown}): ") and "\n" not in str(e)


def test_a_value_nested_950_deep_is_named_not_printed(flow_template: Laptop) -> None:
    template = first_of(chain_cached(flow_template), RecordKind.MEASUREMENT_RECORDED)
    deep: object = "500.1"
    for _ in range(950):
        deep = [deep]
    with pytest.raises(RecordSchemaError, match=r": net: a list is not a decimal number written as text$"):
        validate_body(template.kind, {**template.body, "net": deep}, seq=template.seq)


_CHAINS: dict[Path, list[Record]] = {}


def chain_cached(laptop: Laptop) -> list[Record]:
    if laptop.db not in _CHAINS:
        _CHAINS[laptop.db] = chain(laptop)
    return _CHAINS[laptop.db]


def test_decimals_fieldtool_derives_pass_and_unbounded_ones_are_refused(tmp_path: Path) -> None:
    with SqliteStore.open(tmp_path / "kg.db", clock=StepClock(START), durable=False) as store:
        balance = store.add_balance(make="A&D", model="GX", serial="K-1", max_capacity="62", d="0.0001", unit="kg")
        lot = store.create_inspection(_header(7, "rice", "500", "g", TareMethod.NET, balance.id))
        # A balance reading 0.5023 kg, shifted exactly to g as balance.units.convert does: Decimal writes 502.3,
        # but 620.5 kg shifted the same way is written 6.205E+5.
        store.record_measurement(lot.id, Decimal("0.5023").scaleb(3))
        store.record_measurement(lot.id, Decimal("620.5").scaleb(3), source="balance", raw="S S     620.5 kg")
        records = list(store.records())
        assert records[-1].body["net"] == "6.205E+5"
        for r in records:
            validate_record(r, store.record_by_id)
    template = records[-1]
    for net, message in (("6.205e+5", "net: '6.205e+5' is not a number"),
                         ("1E+41", "net: '1E+41' is not a number"),
                         ("0." + "1" * 41, "net: '0.1111"),
                         ("-1E+3", "net: -1E+3 is negative")):
        with pytest.raises(RecordSchemaError) as error:
            validate_record(dataclasses.replace(template, body={**template.body, "net": net}))
        assert str(error.value).startswith(f"record {template.seq} (measurement-recorded): {message}"), str(error.value)
    flask = {"method": "flask", "flask_volume_ml": "1", "filled_g": "1E+40", "empty_g": "1", "density_g_per_ml": "1",
             "temperature_c": None}
    with pytest.raises(RecordSchemaError, match=r"record 4 \(density-recorded\): density_g_per_ml: .*beyond any density"):
        validate_body(RecordKind.DENSITY_RECORDED, flask, seq=4)


def test_a_push_to_the_hub_server_with_a_bad_body_answers_409_with_the_record_and_stores_nothing(
    flow_template: Laptop, tmp_path: Path, server: Server
) -> None:
    directory = tmp_path / "pusher"
    directory.mkdir()
    db = directory / "fieldtool.db"
    with sqlite3.connect(flow_template.db) as source, sqlite3.connect(db) as target:
        source.backup(target)
    lap = Laptop(db, flow_template.key, "Inspector Wang")
    register_in_process(server.db, lap, enroll_in_process(server.db, lap.name))
    records = chain(lap)
    device = device_of(lap)
    bad = appended(records, RecordKind.TARE_RECORDED, open_inspection(lap),
                   {**first_of(records, RecordKind.TARE_RECORDED).body, "value": "12,3"})
    body = canonical_json({"records": [record_to_dict(r) for r in bad]})
    moment, nonce = int(time.time()), secrets.token_hex(16)
    headers = {HEADER_DEVICE: device, HEADER_TIME: str(moment), HEADER_NONCE: nonce,
               HEADER_SIGNATURE: lap.key.sign(request_payload("POST", "/v1/push", device, moment, nonce, body))}
    request = urllib.request.Request(server.url + "/v1/push", data=body, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(request, timeout=30)
    assert answered.value.code == 409
    error = json.loads(answered.value.read())["error"]
    assert error == (f"refused, nothing stored: record {len(bad)} (tare-recorded): value: '12,3' is not a number "
                     "(write the decimal mark as a point, without digit grouping)")
    assert stored(server.db, device) == NOTHING
    with lap.store() as store:  # the laptop's own records still sync whole
        assert sync(store, lap.key, server.url).stored == len(records)
    assert stored(server.db, device)["records"] == len(records)


# -- finalised means final ----------------------------------------------------------------------------------


def _after_final(records: list[Record]) -> tuple[Record, Record]:
    """The first finalisation of a chain, and a copy of one of its lot's packages appended after the chain's head."""
    final = first_of(records, RecordKind.INSPECTION_FINALISED)
    package = next(r for r in records if r.kind == RecordKind.MEASUREMENT_RECORDED and r.inspection_id == final.inspection_id)
    return final, appended(records, RecordKind.MEASUREMENT_RECORDED, final.inspection_id, package.body)[-1]


def test_a_package_appended_after_the_finalisation_is_refused_by_the_hub(hub: Hub, wang: Laptop, hub_db: Path) -> None:
    records = chain(wang)
    final, forged = _after_final(records)
    with pytest.raises(RefusedError) as refused:
        hub.ingest(device_of(wang), [*records, forged], "push")
    assert str(refused.value) == (
        f"refused, nothing stored: record {forged.id} (device {forged.device_id}, seq {forged.seq}, "
        f"measurement-recorded) refers to inspection {final.inspection_id} after its finalisation at seq "
        f"{final.seq}: a finalised inspection is final")
    assert stored(hub_db, device_of(wang)) == NOTHING
    # Sent after the true chain is held, the finalisation is found in the hub's store instead of the batch.
    hub.ingest(device_of(wang), records, "push")
    with pytest.raises(RefusedError, match=f"refers to inspection {final.inspection_id} after its finalisation"):
        hub.ingest(device_of(wang), [forged], "push")
    assert stored(hub_db, device_of(wang))["records"] == len(records)


def test_verify_and_the_lot_report_refuse_a_package_appended_after_the_finalisation(
    flow_template: Laptop, tmp_path: Path
) -> None:
    db = tmp_path / "appended.db"
    with sqlite3.connect(flow_template.db) as source, sqlite3.connect(db) as target:
        source.backup(target)
    final, forged = _after_final(chain(flow_template))
    con = sqlite3.connect(db, isolation_level=None)
    try:  # as an attacker with the file but not the key: an INSERT, correctly linked and hashed
        recorded_at = con.execute("SELECT recorded_at FROM records WHERE id = ?", [final.id]).fetchone()[0]
        con.execute("INSERT INTO records (id, device_id, seq, kind, inspection_id, recorded_at, body, prev_hash, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [forged.id, forged.device_id, forged.seq, str(forged.kind), forged.inspection_id, recorded_at,
                     canonical_json(forged.body).decode("utf-8"), forged.prev_hash, forged.hash])
    finally:
        con.close()
    with SqliteStore(db) as store:
        report = verify_store(store, Trust(local_key=flow_template.key.public_key))
    assert (f"record {forged.id} (device {forged.device_id}, seq {forged.seq}, measurement-recorded) refers to "
            f"inspection {final.inspection_id} after its finalisation at seq {final.seq}: a finalised inspection is "
            "final") in report.problems
    result = fieldtool("report", "lot", str(final.inspection_id), "--db", str(db), "-o", str(tmp_path / "lot.pdf"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "lot.pdf").exists()
