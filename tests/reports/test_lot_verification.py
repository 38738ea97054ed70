"""A lot report checks its own lot's evidence (records, links, signatures, finality, rows), and prints what it verified.

Each test tampers with a copy of the demo database the way someone with the file and sqlite3 would
(the append-only triggers dropped), then runs `fieldtool report lot` as a user would.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from fieldtool.core.records import Record, new_record, signing_payload
from fieldtool.infra import keys
from fieldtool.storage import SqliteStore
from fieldtool.sync.lot_verify import verify_lot
from fieldtool.sync.trust import Trust
from tests.conftest import cli_in_process
from tests.reports.conftest import DemoLots, page_texts, squash


def copy_of(demo_lots: DemoLots, tmp_path: Path) -> Path:
    db = tmp_path / "copy.db"
    shutil.copy(demo_lots.db, db)
    return db


def tamper(db: Path, *statements: tuple[str, list[object]]) -> None:
    """Run SQL on the file with every trigger dropped (what anyone with the file and sqlite3 can do)."""
    con = sqlite3.connect(db, isolation_level=None)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    for sql, params in statements:
        con.execute(sql, params)
    con.close()


def report_lot(db: Path, inspection_id: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``fieldtool report lot`` through the CLI's `main` (in this process: no interpreter start and font load each time)."""
    return cli_in_process("report", "lot", inspection_id, "-o", str(out), "--db", str(db), "--lang", "en", *extra)


def assert_refused(result: subprocess.CompletedProcess[str], out: Path, *names: str) -> str:
    """The report was refused in one line naming the problem, and no PDF was written."""
    assert result.returncode == 2, result.stdout + result.stderr
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "is refused" in err, err
    for name in names:
        assert name in err, (name, err)
    assert not out.exists()
    return err


def lot_records(db: Path, inspection_id: str) -> list[Record]:
    with SqliteStore.open_read_only(db) as store:
        return store.inspection_records(inspection_id)


def measurements(records: list[Record]) -> list[Record]:
    return [r for r in records if r.kind == "measurement-recorded"]


def store_record(record: Record) -> tuple[str, list[object]]:
    """The UPDATE that puts `record` in place of the stored one with its id."""
    return ("UPDATE records SET body = ?, hash = ?, signature = ? WHERE id = ?",
            [record.body_json(), record.hash, record.signature, record.id])


def forged(original: Record, signer: keys.SigningKey | None, **body: object) -> Record:
    """The record with a changed body and a correct hash, signed by `signer` (or not signed)."""
    return new_record(prev_hash=original.prev_hash, id=original.id, device_id=original.device_id, seq=original.seq,
                      kind=original.kind, inspection_id=original.inspection_id, recorded_at=original.recorded_at,
                      body={**original.body, **body}, signer=signer)


def test_the_report_prints_the_key_fingerprint_and_the_records_checked(demo_lots: DemoLots, tmp_path: Path) -> None:
    out = tmp_path / "lot.pdf"
    result = report_lot(demo_lots.db, demo_lots.failed, out)
    assert result.returncode == 0, result.stderr
    with SqliteStore.open_read_only(demo_lots.db) as store:
        checked = verify_lot(store, demo_lots.failed, Trust.here())
        device = store.device_id
    assert checked.ok and checked.authenticated, checked.problems
    assert checked.records > checked.lot_records == len(lot_records(demo_lots.db, demo_lots.failed))
    text = squash("".join(page_texts(out)))
    fingerprint = keys.fingerprint(keys.device_key().public_key)
    assert squash(f"key fingerprint {fingerprint} (vouched for by this laptop's device key)") in text
    assert squash(f"device signatures of {checked.records} records") in text
    assert squash(f"{checked.signed} signatures valid") in text and squash(f"device {device}") in text


def test_an_edited_record_of_the_lot_is_named(demo_lots: DemoLots, tmp_path: Path) -> None:
    db = copy_of(demo_lots, tmp_path)
    target = measurements(lot_records(db, demo_lots.failed))[3]
    body = dict(target.body, net="999.9")
    tamper(db, ("UPDATE records SET body = ? WHERE id = ?", [json.dumps(body), target.id]))
    assert_refused(report_lot(db, demo_lots.failed, tmp_path / "r.pdf"), tmp_path / "r.pdf", target.id,
                   "hash does not match its contents")


def test_a_deleted_record_of_the_lot_is_noticed_by_its_neighbour(demo_lots: DemoLots, tmp_path: Path) -> None:
    db = copy_of(demo_lots, tmp_path)
    records = lot_records(db, demo_lots.failed)
    target = measurements(records)[5]
    tamper(db, ("DELETE FROM measurements WHERE id = ?", [target.id]), ("DELETE FROM records WHERE id = ?", [target.id]))
    after = next(r for r in records if r.seq == target.seq + 1)
    # The verdict names the deleted measurement; the record after it no longer finds its predecessor.
    assert_refused(report_lot(db, demo_lots.failed, tmp_path / "r.pdf"), tmp_path / "r.pdf", target.id, "(and 1 more)")
    with SqliteStore.open_read_only(db) as store:
        problems = verify_lot(store, demo_lots.failed, Trust.here()).problems
    assert f"{after.where}: seq {target.seq} missing before it" in problems


@pytest.mark.parametrize("signed_by", ["nobody", "a forger"])
def test_a_record_replaced_by_a_forged_one_is_named(demo_lots: DemoLots, tmp_path: Path, signed_by: str) -> None:
    db = copy_of(demo_lots, tmp_path)
    target = measurements(lot_records(db, demo_lots.failed))[2]
    forger = keys.load_or_create(tmp_path / "forger.pem") if signed_by == "a forger" else None
    fake = forged(target, forger, net="501.0", gross="521.0")
    # The row follows the forged record, so only the record's own evidence can betray it.
    tamper(db, store_record(fake), ("UPDATE measurements SET net = '501.0', gross = '521.0' WHERE id = ?", [target.id]))
    why = "is not signed" if forger is None else "its signature is not the device key's"
    err = assert_refused(report_lot(db, demo_lots.failed, tmp_path / "r.pdf"), tmp_path / "r.pdf", target.id, why)
    # Its successor was signed over the original's hash: it no longer links to the forgery.
    assert "(and " in err


def test_a_record_appended_after_the_finalisation_is_named_even_when_signed_with_the_device_key(
    demo_lots: DemoLots, tmp_path: Path
) -> None:
    db = copy_of(demo_lots, tmp_path)
    last = measurements(lot_records(db, demo_lots.failed))[-1]
    with SqliteStore.open_read_only(db) as store:
        seq, head = store.chain_head()
        assert store.finalisation_of(demo_lots.failed) is not None
    late = new_record(prev_hash=head, id="0" * 8 + "-0000-4000-8000-" + "0" * 12, device_id=last.device_id, seq=seq + 1,
                      kind=last.kind, inspection_id=last.inspection_id, recorded_at="2030-01-01T00:00:00.000000+00:00",
                      body={**last.body, "position": int(last.body["position"]) + 1}, signer=keys.device_key())
    insert = ("INSERT INTO records (id, device_id, seq, kind, inspection_id, recorded_at, body, prev_hash, hash, "
              "signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    tamper(db, (insert,
                [late.id, late.device_id, late.seq, late.kind, late.inspection_id, late.recorded_at, late.body_json(),
                 late.prev_hash, late.hash, late.signature]))
    assert_refused(report_lot(db, demo_lots.failed, tmp_path / "r.pdf"), tmp_path / "r.pdf", late.id,
                   "after its finalisation")


def test_a_changed_row_of_the_lot_is_named(demo_lots: DemoLots, tmp_path: Path) -> None:
    db = copy_of(demo_lots, tmp_path)
    target = measurements(lot_records(db, demo_lots.failed))[0]
    tamper(db, ("UPDATE measurements SET net = '999.9' WHERE id = ?", [target.id]))
    assert_refused(report_lot(db, demo_lots.failed, tmp_path / "r.pdf"), tmp_path / "r.pdf",
                   f"measurements: row {target.id} differs from its record in net")


def test_a_chain_re_signed_with_another_key(demo_lots: DemoLots, tmp_path: Path) -> None:
    """Without --trust the laptop's own key is not the one the database names: refused, asking for --trust.
    With the right key file: refused, naming a record. With the forger's key file, the user vouched
    for it: the report is made and prints the forger's fingerprint and that --trust vouched for it,
    so whoever holds the hub's register sees at once that it is not the device's key."""
    db = copy_of(demo_lots, tmp_path)
    forger = keys.load_or_create(tmp_path / "forger.pem")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, hash FROM records").fetchall()
    con.close()
    tamper(db, *[("UPDATE records SET signature = ? WHERE id = ?", [forger.sign(signing_payload(h)), i]) for i, h in rows],
           ("UPDATE signing_keys SET public_key = ?", [forger.public_key]))
    out = tmp_path / "r.pdf"
    assert_refused(report_lot(db, demo_lots.failed, out), out, "not checked against a trusted key", "--trust KEYFILE",
                   keys.fingerprint(forger.public_key))
    right = tmp_path / "device.pub"
    right.write_text(keys.device_key().public_key + "\n")
    assert_refused(report_lot(db, demo_lots.failed, out, "--trust", str(right)), out,
                   "its signature is not the device key's")
    wrong = tmp_path / "forger.pub"
    wrong.write_text(forger.public_key + "\n")
    made = report_lot(db, demo_lots.failed, out, "--trust", str(wrong))
    assert made.returncode == 0, made.stderr
    text = squash("".join(page_texts(out)))
    assert squash(f"key fingerprint {keys.fingerprint(forger.public_key)} (vouched for by the key file given with --trust ({wrong}))") in text
    assert squash(keys.fingerprint(keys.device_key().public_key)) not in text


def test_another_lots_tampered_record_does_not_stop_this_lots_report(demo_lots: DemoLots, tmp_path: Path) -> None:
    db = copy_of(demo_lots, tmp_path)
    other_id = next(i for i in (demo_lots.corrected, demo_lots.withdrawn, demo_lots.liquid) if i != demo_lots.failed)
    other = measurements(lot_records(db, other_id))
    ours = {r.seq for r in lot_records(db, demo_lots.failed)}
    # A record in the middle of the other lot: neither of its neighbours is this lot's.
    target = next(r for r in other[1:-1] if not {r.seq - 1, r.seq + 1} & ours)
    tamper(db, ("UPDATE records SET body = replace(body, ?, ?) WHERE id = ?",
                [f'"net":"{target.body["net"]}"', '"net":"1.0"', target.id]),
           ("UPDATE measurements SET net = '1.0' WHERE id = ?", [target.id]))
    out = tmp_path / "r.pdf"
    made = report_lot(db, demo_lots.failed, out)
    assert made.returncode == 0, made.stderr
    assert out.is_file()
    whole = cli_in_process("verify", "--db", str(db))
    assert whole.returncode == 1, whole.stdout + whole.stderr
    assert f"FAIL record {target.id}" in whole.stdout and "hash does not match its contents" in whole.stdout
    refused = report_lot(db, other_id, tmp_path / "other.pdf")
    assert_refused(refused, tmp_path / "other.pdf", target.id)


def test_verify_lot_reads_the_lot_not_the_database(demo_lots: DemoLots) -> None:
    """What is checked is the lot's records and the register entries it names, whatever else the database holds."""
    with SqliteStore.open_read_only(demo_lots.db) as store:
        checked = verify_lot(store, demo_lots.failed, Trust.here())
        total = store.chain_head()[0]
        header = store.record_by_id(demo_lots.failed)
    assert header is not None
    # The lot, its finalisation signature (unsigned on this laptop until a sync: a note), the balance, the profile.
    assert checked.lot_records < checked.records <= checked.lot_records + 3 < total
    assert checked.ok and checked.keys[0].source == "this laptop's device key"
    assert [k.device_id for k in checked.keys] == [header.device_id]


def test_a_record_of_the_lot_moved_away_from_its_place_is_noticed(demo_lots: DemoLots, tmp_path: Path) -> None:
    """The copy of a signed record of the lot at another inspection: its body changes, so its hash fails."""
    db = copy_of(demo_lots, tmp_path)
    target = measurements(lot_records(db, demo_lots.failed))[1]
    moved = replace(target, inspection_id=demo_lots.open)
    tamper(db, ("UPDATE records SET inspection_id = ? WHERE id = ?", [moved.inspection_id, target.id]))
    assert_refused(report_lot(db, demo_lots.failed, tmp_path / "r.pdf"), tmp_path / "r.pdf")


def test_on_the_hub_the_report_prints_the_register_key_and_the_receipt(tmp_path: Path) -> None:
    from fieldtool.sync.bundle import export_bundle
    from fieldtool.sync.hub import open_hub
    from tests.sync.conftest import enroll_in_process, make_hub, make_laptop, register_in_process

    hub_db = make_hub(tmp_path / "hub")
    lap = make_laptop(tmp_path / "laptop", "Inspector Wang", inspections=2)
    register_in_process(hub_db, lap, enroll_in_process(hub_db, "Inspector Wang"))
    bundle = tmp_path / "b.bundle"
    with lap.store() as store:
        export_bundle(store, lap.key, bundle)
        inspection = store.inspections(final=True)[0].id
        device = store.device_id
    hub_store, hub = open_hub(hub_db)
    with hub_store:
        hub.import_bundle(bundle.read_bytes(), "b.bundle")
        receipt = hub_store.latest_issued_receipt(device)
        checked = verify_lot(hub_store, inspection)
    assert receipt is not None and checked.ok and checked.authenticated, checked.problems
    assert checked.keys[0].source == "the hub's register" and checked.finalisation_signatures == 1
    assert [(r.seq, r.issued_by_here) for r in checked.receipts] == [(int(receipt["seq"]), True)]
    out = tmp_path / "lot.pdf"
    made = report_lot(hub_db, inspection, out)
    assert made.returncode == 0, made.stderr
    text = squash("".join(page_texts(out)))
    assert squash(f"key fingerprint {keys.fingerprint(lap.key.public_key)} (vouched for by the hub's register of devices)") in text
    assert squash(f"Receipt: this hub acknowledged the device's records through seq {receipt['seq']}") in text


def as_written_before_signatures(db: Path) -> tuple[str, int]:
    """Strip every record signature and attest the chain once with the device key, as an upgraded laptop's first opening does."""
    with SqliteStore.open_read_only(db) as store:
        device = store.device_id
        seq, head = store.chain_head()
    attestation = new_record(prev_hash=head, id="a" * 8 + "-0000-4000-8000-" + "0" * 12, device_id=device, seq=seq + 1,
                             kind="chain-attested", inspection_id=None, recorded_at="2030-01-01T00:00:00.000000+00:00",
                             body={"through_seq": seq}, signer=keys.device_key())
    insert = ("INSERT INTO records (id, device_id, seq, kind, inspection_id, recorded_at, body, prev_hash, hash, "
              "signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    tamper(db, ("UPDATE records SET signature = NULL", []),
           (insert, [attestation.id, device, attestation.seq, attestation.kind, None, attestation.recorded_at,
                     attestation.body_json(), attestation.prev_hash, attestation.hash, attestation.signature]))
    return device, seq


def test_a_lot_written_before_signatures_is_proved_by_the_links_up_to_the_attestation(
    demo_lots: DemoLots, tmp_path: Path
) -> None:
    db = copy_of(demo_lots, tmp_path)
    _device, through = as_written_before_signatures(db)
    with SqliteStore.open_read_only(db) as store:
        checked = verify_lot(store, demo_lots.failed, Trust.here())
    assert checked.ok and checked.authenticated and checked.keys[0].attested_through == through, checked.problems
    assert checked.signed == 0
    # A record between the lot and the attestation changed: the attestation no longer covers the lot.
    last_of_ours = max(r.seq for r in lot_records(db, demo_lots.failed))
    with SqliteStore.open_read_only(db) as store:
        later = next(r for r in store.records(after_seq=last_of_ours + 1) if r.kind == "measurement-recorded")
    assert later.seq <= through
    tamper(db, ("UPDATE records SET body = replace(body, ?, ?) WHERE id = ?",
                [f'"net":"{later.body["net"]}"', '"net":"1.0"', later.id]))
    with SqliteStore.open_read_only(db) as store:
        problems = verify_lot(store, demo_lots.failed, Trust.here()).problems
    assert problems == [f"{later.where}: hash does not match its contents"]
