"""The hub's checks in-process: enrolment, ingest, receipts, refusals kept aside, bundles, and the hub as a report database."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldtool.core.records import Record, RecordKind, new_record
from fieldtool.sync import keys
from fieldtool.sync.bundle import export_bundle, import_receipt, receipt_file, write_receipt
from fieldtool.sync.errors import AuthError, RefusedError
from fieldtool.sync.hub import Hub, open_hub
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from fieldtool.sync.wire import finalisation_payload
from tests.sync.conftest import (
    Laptop,
    add_inspections,
    chain,
    device_of,
    enroll_in_process,
    make_laptop,
    register_in_process,
)


def rechain(records: list[Record], start: int, key: keys.SigningKey | None = None) -> list[Record]:
    """Recompute hashes from index `start` on: what someone with the database but not the key could do
    (records without a signature of their own), or, given `key`, the laptop itself."""
    out = records[:start]
    for r in records[start:]:
        prev = out[-1].hash if out else r.prev_hash
        out.append(new_record(prev_hash=prev, id=r.id, device_id=r.device_id, seq=r.seq, kind=r.kind,
                              inspection_id=r.inspection_id, recorded_at=r.recorded_at, body=r.body, signer=key))
    return out


@pytest.fixture
def laptop(tmp_path: Path, hub_db: Path) -> Laptop:
    lap = make_laptop(tmp_path / "wang", "Inspector Wang")
    register_in_process(hub_db, lap, enroll_in_process(hub_db, "Inspector Wang, Nanjing"))
    return lap


def held(hub: Hub, device_id: str) -> int:
    return hub.store.chain_head(device_id)[0]


# -- enrolment ---------------------------------------------------------------------------------


def test_a_code_enrols_one_device_once_and_repeating_the_same_enrolment_is_a_no_op(hub: Hub) -> None:
    code = hub.enroll("Inspector Li")
    key = keys.SigningKey.generate()
    first = hub.register(code, "device-1", key.public_key)
    assert first == hub.register(code.lower().replace("-", ""), "device-1", key.public_key)
    assert first["hub_public_key"] == hub.key.public_key and first["device_name"] == "Inspector Li"
    with pytest.raises(AuthError, match="used already"):
        hub.register(code, "device-2", keys.SigningKey.generate().public_key)
    with pytest.raises(AuthError, match="unknown enrolment code"):
        hub.register("AAAA-BBBB-CCCC-DDDD", "device-3", key.public_key)
    assert [d["id"] for d in hub.store.hub_devices()] == ["device-1"]


def test_an_expired_code_is_refused(hub_db: Path) -> None:
    store, h = open_hub(hub_db, clock=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    with store:
        code = h.enroll("Inspector Li", valid_days=1)
    store, later = open_hub(hub_db, clock=lambda: datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=2))
    with store, pytest.raises(AuthError, match="expired"):
        later.register(code, "device-1", keys.SigningKey.generate().public_key)


# -- ingest ------------------------------------------------------------------------------------


def test_push_stores_every_record_once_with_a_signed_receipt_and_resending_is_a_no_op(hub: Hub, laptop: Laptop) -> None:
    records = chain(laptop)
    device = device_of(laptop)
    receipt = hub.ingest(device, records[:10], "push")
    assert (receipt.seq, receipt.hash, receipt.new_records) == (10, records[9].hash, 10)
    assert keys.valid_signature(hub.key.public_key, receipt.payload(), receipt.signature)
    again = hub.ingest(device, records, "push")  # overlapping: the first 10 are held already
    assert (again.new_records, again.duplicates, again.seq) == (len(records) - 10, 10, len(records))
    nothing = hub.ingest(device, list(reversed(records)), "push")  # any order: the hub sorts by seq
    assert (nothing.new_records, nothing.duplicates) == (0, len(records))
    assert hub.store.verify_chain() == [] and hub.store.verify_projections() == []
    report = verify_store(hub.store)
    assert report.ok, report.problems
    assert report.signatures == 3


def test_a_changed_weight_is_refused_flagged_and_nothing_of_the_batch_is_stored(hub: Hub, laptop: Laptop) -> None:
    records = chain(laptop)
    device = device_of(laptop)
    hub.ingest(device, records[:5], "push")
    i = next(k for k, r in enumerate(records) if r.kind == RecordKind.MEASUREMENT_RECORDED and k > 8)
    altered = [*records]
    altered[i] = dataclasses.replace(records[i], body={**records[i].body, "net": "512.0"})
    with pytest.raises(RefusedError, match=rf"record {records[i].id} .*hash does not match its contents"):
        hub.ingest(device, altered, "push")
    assert held(hub, device) == 5  # the records before the bad one in the same batch were not stored either
    flagged = hub.store.flagged()
    assert [(f["record_id"], f["seq"]) for f in flagged] == [(records[i].id, records[i].seq)]
    assert json.loads(flagged[0]["record"])["body"]["net"] == "512.0"  # kept as received, for the supervisor
    assert hub.ingest(device, records, "push").seq == len(records)  # nothing good lost: the true chain still goes in


def test_a_deleted_record_breaks_the_chain_and_is_named(hub: Hub, laptop: Laptop) -> None:
    records = chain(laptop)
    device = device_of(laptop)
    gap = [*records[:7], *records[8:]]
    with pytest.raises(RefusedError, match=r"seq 9\) does not extend the acknowledged head: the hub holds seq 7 .*8–8 missing"):
        hub.ingest(device, gap, "push")
    assert held(hub, device) == 0


def test_a_deleted_record_rechained_is_refused_by_its_seq_and_reordered_records_by_their_links(hub: Hub, laptop: Laptop) -> None:
    records = chain(laptop)
    device = device_of(laptop)
    swapped = [*records]
    swapped[7], swapped[8] = (dataclasses.replace(records[8], seq=8), dataclasses.replace(records[7], seq=9))
    with pytest.raises(RefusedError, match=rf"record {records[8].id} .*seq 8\) does not extend the chain"):
        hub.ingest(device, swapped, "push")
    rewritten = rechain(swapped, 7)  # hashes recomputed: the chain is consistent, but it contradicts the held one
    hub.ingest(device, records[:12], "push")
    with pytest.raises(RefusedError, match=rf"record {records[8].id} \(device .*, seq 8\) contradicts record {records[7].id}"):
        hub.ingest(device, rewritten, "push")
    assert held(hub, device) == 12
    assert {f["seq"] for f in hub.store.flagged()} >= {8, 9}


def test_a_forged_signature_is_refused_even_when_the_chain_is_recomputed(hub: Hub, laptop: Laptop) -> None:
    records = chain(laptop)
    device = device_of(laptop)
    i = next(k for k, r in enumerate(records) if r.kind == RecordKind.INSPECTION_SIGNED)
    forger = keys.SigningKey.generate()
    body = dict(records[i].body)
    body["signature"] = forger.sign(finalisation_payload(body["device_id"], body["seq"], body["hash"]))
    forged = rechain([*records[:i], dataclasses.replace(records[i], body=body), *records[i + 1:]], i)
    # Without the device key the recomputed records carry no signature of their own: refused at the first.
    with pytest.raises(RefusedError, match=rf"record {records[i].id} .*is not signed: written or changed without the device key"):
        hub.ingest(device, forged, "push")
    # Signed on their own by the device key (the laptop itself), the forged finalisation signature is still refused.
    insider = rechain([*records[:i], dataclasses.replace(records[i], body=body), *records[i + 1:]], i, laptop.key)
    with pytest.raises(RefusedError, match=rf"signature record {records[i].id} .*not valid \(forged or altered\)"):
        hub.ingest(device, insider, "push")
    body["public_key"] = forger.public_key  # signed by another key that names itself
    insider = rechain([*records[:i], dataclasses.replace(records[i], body=body), *records[i + 1:]], i, laptop.key)
    with pytest.raises(RefusedError, match="not the device's enrolled key"):
        hub.ingest(device, insider, "push")
    assert held(hub, device) == 0


def test_a_device_may_push_only_its_own_records(hub: Hub, laptop: Laptop, tmp_path: Path, hub_db: Path) -> None:
    other = make_laptop(tmp_path / "li", "Inspector Li", inspections=1)
    register_in_process(hub_db, other, enroll_in_process(hub_db, "Inspector Li"))
    with pytest.raises(RefusedError, match=rf"is of device {device_of(other)}; device {device_of(laptop)} may send only its own"):
        hub.ingest(device_of(laptop), chain(other), "push")
    assert held(hub, device_of(other)) == 0


def test_unknown_and_revoked_devices_are_refused(hub: Hub, laptop: Laptop) -> None:
    with pytest.raises(AuthError, match="not enrolled"):
        hub.ingest("someone-else", chain(laptop), "push")
    hub.revoke(device_of(laptop), "laptop stolen")
    with pytest.raises(AuthError, match="revoked .*laptop stolen"):
        hub.ingest(device_of(laptop), chain(laptop), "push")


def test_the_hub_is_a_report_database_of_every_laptop(hub: Hub, laptop: Laptop, tmp_path: Path, hub_db: Path) -> None:
    other = make_laptop(tmp_path / "li", "Inspector Li", inspections=2)
    register_in_process(hub_db, other, enroll_in_process(hub_db, "Inspector Li"))
    hub.ingest(device_of(laptop), chain(laptop), "push")
    hub.ingest(device_of(other), chain(other), "push")
    final = hub.store.inspections(final=True)
    assert len(final) == 5
    assert {i.device_id for i in final} == {device_of(laptop), device_of(other)}
    assert all(len(hub.store.current_measurements(i.id)) == 6 for i in final)
    report = verify_store(hub.store)
    assert report.ok and (report.devices, report.signatures) == (2, 5)


# -- bundles -----------------------------------------------------------------------------------


def test_bundle_round_trip_receipt_and_replay(hub: Hub, laptop: Laptop, tmp_path: Path) -> None:
    path = tmp_path / "usb" / "wang.bundle"
    path.parent.mkdir()
    with laptop.store() as store:
        bundle = export_bundle(store, laptop.key, path)
        assert store.unsynced_inspection_count() == 3
    result = hub.import_bundle(path.read_bytes(), str(path))
    assert not result.replay and result.receipt.new_records == len(bundle.records)
    write_receipt(result.receipt, receipt_file(path))
    with laptop.store() as store:
        assert import_receipt(store, receipt_file(path)).seq == len(bundle.records)
        assert store.unsynced_inspection_count() == 0 and store.unsent_record_count() == 0
        add_inspections(store, laptop.key, 1, first=10)
        export_bundle(store, laptop.key, tmp_path / "second.bundle")
    again = hub.import_bundle(path.read_bytes(), str(path))
    assert again.replay and again.receipt.id == result.receipt.id  # the same file again: nothing changes
    second = hub.import_bundle((tmp_path / "second.bundle").read_bytes(), "second.bundle")
    assert second.receipt.new_records > 0 and second.receipt.duplicates == 0
    assert verify_store(hub.store).ok


def test_a_bundle_that_starts_after_the_hubs_head_is_refused(hub: Hub, laptop: Laptop, tmp_path: Path) -> None:
    with laptop.store() as store:
        records = list(store.records())
    hub.ingest(device_of(laptop), records[:4], "push")
    bundle_path = tmp_path / "all.bundle"
    with laptop.store() as store:
        export_bundle(store, laptop.key, bundle_path, everything=True)
    doc = json.loads(bundle_path.read_text())
    doc["records"] = doc["records"][10:]
    doc["after_seq"], doc["after_hash"] = 10, records[9].hash
    signed = {k: v for k, v in doc.items() if k != "signature"}
    from fieldtool.core.records import canonical_json

    doc["signature"] = laptop.key.sign(canonical_json(signed))
    bundle_path.write_bytes(canonical_json(doc))
    with pytest.raises(RefusedError, match=r"the hub holds seq 4 and expects seq 5 next"):
        hub.import_bundle(bundle_path.read_bytes(), "all.bundle")
    assert held(hub, device_of(laptop)) == 4


def test_truncated_altered_and_revoked_bundles_are_refused_with_nothing_applied(hub: Hub, laptop: Laptop, tmp_path: Path) -> None:
    path = tmp_path / "wang.bundle"
    with laptop.store() as store:
        export_bundle(store, laptop.key, path)
    data = path.read_bytes()
    with pytest.raises(RefusedError, match="not a complete bundle .*truncated"):
        hub.import_bundle(data[: len(data) // 2], "wang.bundle")
    altered = data.replace(b'"net":"500.1"', b'"net":"500.9"', 1)
    assert altered != data
    with pytest.raises(RefusedError, match="does not match its signature"):
        hub.import_bundle(altered, "wang.bundle")
    hub.revoke(device_of(laptop), "left the service")
    with pytest.raises(RefusedError, match=r"bundle wang.bundle: device .* was revoked .*left the service"):
        hub.import_bundle(data, "wang.bundle")
    assert held(hub, device_of(laptop)) == 0 and hub.store.flagged() == []


# -- the laptop's own checks -------------------------------------------------------------------


def test_verify_names_a_changed_weight_a_deleted_record_and_a_forged_signature_on_the_laptop(laptop: Laptop) -> None:
    with laptop.store() as store:
        assert verify_store(store, Trust(local_key=laptop.key.public_key)).ok
        records = list(store.records())
    measurement = next(r for r in records if r.kind == RecordKind.MEASUREMENT_RECORDED)
    signature = next(r for r in records if r.kind == RecordKind.INSPECTION_SIGNED)
    con = sqlite3.connect(laptop.db, isolation_level=None)
    con.execute("DROP TRIGGER records_no_update")
    con.execute("DROP TRIGGER records_no_delete")
    con.execute("UPDATE records SET body = replace(body, ?, '\"net\":\"400.0\"') WHERE id = ?",
                [f'"net":"{measurement.body["net"]}"', measurement.id])
    con.execute("DELETE FROM records WHERE seq = 4")
    body = dict(signature.body, signature="ab" * 64)
    con.execute("UPDATE records SET body = ? WHERE id = ?", [json.dumps(body), signature.id])
    con.close()
    with laptop.store() as store:
        report = verify_store(store, Trust(local_key=laptop.key.public_key))
    text = "\n".join(report.problems)
    assert not report.ok
    assert f"record {measurement.id}" in text and "hash does not match its contents" in text
    assert "seq 4 missing" in text
    assert f"signature record {signature.id}" in text and "not valid" in text
    assert "measurements: row" in text  # the changed body no longer matches its projection


def test_unsigned_finalisations_are_signed_before_sending_and_noted_until_then(tmp_path: Path, hub_db: Path) -> None:
    lap = make_laptop(tmp_path / "old", "Old laptop", inspections=2, sign_at_finalise=False)
    with lap.store() as store:
        report = verify_store(store, Trust(local_key=lap.key.public_key))
        assert report.ok and len(report.notes) == 1 and "2 finalised inspections are not yet covered" in report.notes[0]
        signed = store.sign_finalisations(keys.finalisation_signer(lap.key))
        assert len(signed) == 2 and store.sign_finalisations(keys.finalisation_signer(lap.key)) == []
        assert verify_store(store, Trust(local_key=lap.key.public_key)).signatures == 2
