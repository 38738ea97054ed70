"""The attacker test matrix of issue 12, on real files: each attack is caught by ``verify``, by ``report lot`` and by the hub.

A laptop database with finalised lots, synced to a hub (its receipt kept), is built once; each case
attacks a copy with the sqlite3 module (triggers dropped, hashes recomputed and the chain relinked
with fieldtool's own code, the query tables rebuilt to agree), as someone with the file and the
code but not the device key would. Then, through the command line (its `main`, as ``python -m
fieldtool`` runs it): ``fieldtool verify`` exits 1 naming the record, ``fieldtool report lot`` of the
attacked lot refuses in one line and writes no PDF, and the hub's ingest of the attacked chain
refuses it with nothing stored. An intact copy passes all three.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from fieldtool.core.records import GENESIS, Record, RecordKind, new_record
from fieldtool.infra import keys, paths
from fieldtool.storage import SqliteStore
from fieldtool.sync.errors import RefusedError
from fieldtool.sync.hub import open_hub
from fieldtool.sync.keys import finalisation_signer
from tests.conftest import cli_in_process
from tests.e2e.attack_kit import (
    Base,
    Tamper,
    build_base,
    cli,
    copy_database,
    fail_lines,
    index_of,
    install_device_key,
    relinked,
    with_body,
)

MEASURED = str(RecordKind.MEASUREMENT_RECORDED)
LATE = "2025-03-14T18:00:00.000000+00:00"
"""When the forged records say they were written, as fieldtool writes times."""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """The laptop database and its hubs, built once for the module (each case attacks a copy)."""
    return build_base(tmp_path_factory.mktemp("attack-base"))


@pytest.fixture(scope="module")
def attacker() -> keys.SigningKey:
    """A key of the attacker's own."""
    return keys.SigningKey.generate()


@dataclass(frozen=True)
class Caught:
    """What each check must find in an attacked copy."""

    named: tuple[str, ...]
    """Each of these (record ids, or a seq) appears in a FAIL line of ``fieldtool verify``."""
    lot: str
    """The lot the attack touched: its report is refused."""
    draft: bool = False
    """Report the lot with ``--draft`` (it is open, or the attack made it look open)."""
    phrase: str = ""
    """A FAIL line naming the first of `named` also says this."""
    hub: bool = True
    """The hub's ingest applies: the attacked chain is refused, with nothing stored."""


Attack = Callable[[Tamper, Base, keys.SigningKey], Caught]


def edit_net(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A package's net quantity changed; its hash recomputed and the chain relinked after it."""
    lot = base.lots[-1]
    records = t.records()
    i = index_of(records, MEASURED, lot, 2)
    records[i] = with_body(records[i], net="480.0", gross="492.3")
    t.write_chain(relinked(records, i))
    return Caught((records[i].id,), lot, phrase="signature is not the device key's")


def delete_middle(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A package deleted from the middle of a lot; the chain renumbered and relinked after it."""
    lot = base.lots[-1]
    records = t.records()
    i = index_of(records, MEASURED, lot, 4)
    del records[i]
    t.write_chain(relinked(records, i))
    return Caught((records[i].id,), lot)


def reorder(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """Two packages swapped in the chain; seq and links recomputed."""
    lot = base.lots[-1]
    records = t.records()
    i = index_of(records, MEASURED, lot, 3)
    records[i], records[i + 1] = records[i + 1], records[i]
    t.write_chain(relinked(records, i))
    return Caught((records[i].id, records[i + 1].id), lot)


def _forged_measurement(after: Record, inspection_id: str, position: int, signer: keys.SigningKey | None) -> Record:
    return new_record(
        prev_hash=after.hash, id=str(uuid.uuid4()), device_id=after.device_id, seq=after.seq + 1,
        kind=MEASURED, inspection_id=inspection_id, recorded_at=LATE,
        body={"density": None, "gross": "512.3", "net": "500.0", "position": position, "raw": None, "reason": None,
              "source": "typed", "supersedes": None, "tare": "12.3", "unit": "g", "weighing_unit": None,
              "withdrawn": False},
        signer=signer,
    )


def forge_tail_unsigned(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A package of the open lot appended at the tail: correct hash and link, no signature."""
    records = t.records()
    forged = _forged_measurement(records[-1], base.open_lot, 4, None)
    t.write_chain([*records, forged])
    return Caught((forged.id,), base.open_lot, draft=True, phrase="is not signed")


def forge_tail_attacker_signed(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A package of the open lot appended at the tail, signed with the attacker's key, which is added to the database's keys."""
    records = t.records()
    forged = _forged_measurement(records[-1], base.open_lot, 4, attacker)
    t.write_chain([*records, forged])
    t.add_signing_key(attacker.public_key, forged.seq)
    return Caught((forged.id,), base.open_lot, draft=True, phrase="signature is not the device key's")


def _forged_correction(t: Tamper, base: Base, signer: keys.SigningKey | None) -> Record:
    lot = base.lots[-1]
    records = t.records()
    target = records[index_of(records, MEASURED, lot, 5)]
    forged = new_record(
        prev_hash=records[-1].hash, id=str(uuid.uuid4()), device_id=base.device_id, seq=records[-1].seq + 1,
        kind=RecordKind.MEASUREMENT_CORRECTED, inspection_id=lot, recorded_at=LATE,
        body={**target.body, "gross": "490.0", "net": "477.7", "supersedes": target.id, "reason": "re-weighed"},
        signer=signer,
    )
    t.write_chain([*records, forged])
    return forged


def forge_after_finalisation(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A correction of a finalised lot's package appended at the tail (unsigned: the attacker has no key)."""
    forged = _forged_correction(t, base, None)
    return Caught((forged.id,), base.lots[-1], phrase="after its finalisation")


def change_finalised_with_device_key(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """The same correction, validly signed with the device key (a bug or an insider): a finalised lot is still final."""
    forged = _forged_correction(t, base, keys.load(base.key_file))
    return Caught((forged.id,), base.lots[-1], phrase="after its finalisation")


def duplicate_package(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A package entered twice: a copy (new id, same content and old signature) right after it, the chain relinked."""
    lot = base.lots[-1]
    records = t.records()
    i = index_of(records, MEASURED, lot, 5)
    copy = replace(records[i], id=str(uuid.uuid4()))
    records.insert(i + 1, copy)
    t.write_chain(relinked(records, i + 1))
    return Caught((copy.id,), lot)


def truncate_tail(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """The last lot's verdict, finalisation and finalisation signature removed from the tail; the hub's receipt acknowledged them."""
    records = t.records()
    assert [r.kind for r in records[-3:]] == ["verdict-saved", "inspection-finalised", "inspection-signed"]
    t.write_chain(records[:-3])
    return Caught((f"acknowledged seq {base.head}",), base.lots[-1], draft=True, phrase="were removed", hub=False)


def _resign(t: Tamper, base: Base, attacker: keys.SigningKey) -> Record:
    """Change the last lot's batch number, then sign the whole chain (finalisation signatures included) with the attacker's key.

    Nothing else in the chain refers to the batch number, so only the signatures and the receipt can tell.
    """
    lot = base.lots[-1]
    records = t.records()
    i = index_of(records, str(RecordKind.INSPECTION_CREATED), lot)
    records[i] = with_body(records[i], batch="B-999")
    sign_finalisation = finalisation_signer(attacker)
    out: list[Record] = []
    by_id: dict[str, Record] = {}
    for r in records:
        body = r.body
        if r.kind == RecordKind.INSPECTION_SIGNED:
            body = sign_finalisation(by_id[str(r.body["finalisation_id"])])
        made = new_record(prev_hash=out[-1].hash if out else GENESIS, id=r.id, device_id=r.device_id, seq=r.seq,
                          kind=r.kind, inspection_id=r.inspection_id, recorded_at=r.recorded_at, body=body,
                          signer=attacker)
        out.append(made)
        by_id[made.id] = made
    t.write_chain(out)
    t.rewrite_signing_keys(attacker.public_key)
    return records[i]


def resign_with_another_key(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """The batch number changed and every record re-signed with the attacker's key, named as the device's only key; the receipt kept."""
    _resign(t, base, attacker)
    return Caught((f"seq {base.head} is not the one the hub acknowledged",), base.lots[-1])


def unsigned_tail(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A package edited and every record after it left unsigned (the attacker cannot sign them)."""
    lot = base.lots[-1]
    records = t.records()
    i = index_of(records, MEASURED, lot, 2)
    records[i] = with_body(records[i], net="480.0", gross="492.3")
    t.write_chain(relinked(records, i, keep_signatures=False))
    return Caught((records[i].id, records[-1].id), lot, phrase="is not signed")


def edit_projection_only(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """Only the query table changed: a package's net in `measurements`; the records untouched."""
    lot = base.lots[-1]
    row = t.conn.execute("SELECT id FROM measurements WHERE inspection_id = ? AND position = 3", [lot]).fetchone()
    t.conn.execute("UPDATE measurements SET net = '480.0', gross = '492.3' WHERE id = ?", [row[0]])
    return Caught((f"measurements: row {row[0]}",), lot, hub=False)


def bad_body(t: Tamper, base: Base, attacker: keys.SigningKey) -> Caught:
    """A package's net made "heavy" (no number), its hash recomputed and the chain relinked; the query row made to agree."""
    lot = base.lots[-1]
    records = t.records()
    i = index_of(records, MEASURED, lot, 2)
    records[i] = with_body(records[i], net="heavy")
    t.write_chain(relinked(records, i), projections=False)
    t.conn.execute("UPDATE measurements SET net = 'heavy' WHERE id = ?", [records[i].id])
    return Caught((records[i].id,), lot)


ATTACKS: dict[str, Attack] = {
    "edit-net": edit_net,
    "delete-middle": delete_middle,
    "reorder": reorder,
    "forge-tail-unsigned": forge_tail_unsigned,
    "forge-tail-attacker-signed": forge_tail_attacker_signed,
    "forge-after-finalisation": forge_after_finalisation,
    "change-finalised-with-device-key": change_finalised_with_device_key,
    "duplicate-package": duplicate_package,
    "truncate-tail": truncate_tail,
    "resign-with-another-key": resign_with_another_key,
    "unsigned-tail": unsigned_tail,
    "edit-projection-only": edit_projection_only,
    "bad-body": bad_body,
}


def attacked_copy(base: Base, attack: Attack, attacker: keys.SigningKey, directory: Path) -> tuple[Path, Caught, list[Record]]:
    """A copy of the base database with `attack` applied; what must be caught; the attacked chain."""
    db = copy_database(base.db, directory)
    with Tamper(db, base.device_id) as t:
        caught = attack(t, base, attacker)
        chain = t.records()
    return db, caught, chain


def side_by_side(*commands: tuple[str | Path, ...], homes: Sequence[Path | None] = ()) -> list[subprocess.CompletedProcess[str]]:
    """Run fieldtool commands on the same files, one after another, each with its own data directory; their results.

    The CLI's `main` in this process (the same parser, dispatch and one-line errors as ``python -m
    fieldtool``; `cli` runs the entry point itself in a subprocess for the bundle and import cases).

    Args:
        commands: the arguments of each command.
        homes: the data directory of each command (None or missing: the test's own): another machine's keys.
    """
    data_homes = [*homes, *[None] * (len(commands) - len(homes))]
    results = []
    for args, home in zip(commands, data_homes, strict=True):
        with pytest.MonkeyPatch.context() as env:
            if home is not None:
                env.setenv("XDG_DATA_HOME", str(home))
            results.append(cli_in_process(*map(str, args)))
    return results


@pytest.fixture
def hubs(base: Base, tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Copies of the base's hubs for this test: "enrolled" (nothing held yet) and "synced" (the whole chain held)."""
    copies = {name: tmp_path / f"hub-{name}" for name in ("enrolled", "synced")}
    shutil.copytree(base.hub_enrolled, copies["enrolled"])
    shutil.copytree(base.hub_synced, copies["synced"])
    yield {name: path / "hub.db" for name, path in copies.items()}


def hub_holds(hub_db: Path, device_id: str) -> tuple[int, str, int]:
    """The device's chain head on a hub (seq, hash) and how many records of it the hub holds."""
    store, _ = open_hub(hub_db)
    with store:
        seq, digest = store.chain_head(device_id)
        return seq, digest, len(list(store.records(device_id=device_id)))


def ingest(hub_db: Path, device_id: str, chain: list[Record]) -> None:
    """Push a chain to a hub in one batch, as a laptop would (`Hub.ingest`)."""
    store, hub = open_hub(hub_db)
    with store:
        hub.ingest(device_id, chain, "push")


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_attack_is_caught_by_verify_report_and_hub(
    name: str, base: Base, attacker: keys.SigningKey, hubs: dict[str, Path], tmp_path: Path
) -> None:
    install_device_key(base.key_file)
    db, caught, chain = attacked_copy(base, ATTACKS[name], attacker, tmp_path / "copy")
    pdf = tmp_path / "lot.pdf"
    verify, report = side_by_side(
        ("verify", "--db", db),
        ("report", "lot", caught.lot, "--db", db, "-o", pdf, *(("--draft",) if caught.draft else ())),
    )
    # verify: exit 1, every named record (or seq) in a FAIL line, a FAILED summary
    assert verify.returncode == 1, verify.stdout + verify.stderr
    fails = fail_lines(verify.stdout)
    for named in caught.named:
        assert any(named in line for line in fails), f"{named} not named by verify:\n" + "\n".join(fails)
    if caught.phrase:
        assert any(caught.named[0] in line and caught.phrase in line for line in fails), "\n".join(fails)
    assert ": FAILED: " in verify.stdout.splitlines()[-1]
    # report lot: refused in one line, no traceback, no PDF
    assert report.returncode != 0, report.stdout
    lines = report.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused" in lines[0], report.stderr
    assert not pdf.exists()
    # the hub: the attacked chain is refused whole, on a hub that holds nothing of it and on one that holds it all
    if caught.hub:
        for which, head in (("enrolled", 0), ("synced", base.head)):
            before = hub_holds(hubs[which], base.device_id)
            with pytest.raises(RefusedError, match="refused, nothing stored"):
                ingest(hubs[which], base.device_id, chain)
            after = hub_holds(hubs[which], base.device_id)
            assert after == before and after[0] == head, which


def test_an_intact_copy_passes_verify_report_and_hub(base: Base, hubs: dict[str, Path], tmp_path: Path) -> None:
    install_device_key(base.key_file)
    db = copy_database(base.db, tmp_path / "copy")
    pdf = tmp_path / "lot.pdf"
    verify, report = side_by_side(("verify", "--db", db), ("report", "lot", base.lots[-1], "--db", db, "-o", pdf))
    assert verify.returncode == 0, verify.stdout
    assert f"{db}: OK: {base.head} records" in verify.stdout
    assert not fail_lines(verify.stdout)
    assert report.returncode == 0, report.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")
    with SqliteStore.open_read_only(db) as store:
        chain = list(store.records())
    ingest(hubs["enrolled"], base.device_id, chain)
    assert hub_holds(hubs["enrolled"], base.device_id)[:2] == (base.head, chain[-1].hash)
    ingest(hubs["synced"], base.device_id, chain)  # a re-send is a no-op
    assert hub_holds(hubs["synced"], base.device_id)[0] == base.head


def test_a_chain_resigned_with_another_key_and_its_receipts_removed_is_never_ok(
    base: Base, attacker: keys.SigningKey, hubs: dict[str, Path], tmp_path: Path
) -> None:
    """With no receipt left to compare, only the key tells: the database's own key is not this laptop's."""
    install_device_key(base.key_file)
    db = copy_database(base.db, tmp_path / "copy")
    with Tamper(db, base.device_id) as t:
        edited = _resign(t, base, attacker)
        t.forget_receipts()
        chain = t.records()
    pdf = tmp_path / "lot.pdf"
    plain, trusted, report = side_by_side(
        ("verify", "--db", db),
        ("verify", "--db", db, "--trust", base.public_key_file),
        ("report", "lot", base.lots[-1], "--db", db, "-o", pdf),
    )
    summary = plain.stdout.splitlines()[-1]
    assert ": OK:" not in summary and "INTEGRITY CHECKED, AUTHENTICITY NOT CHECKED" in summary, plain.stdout
    assert keys.fingerprint(attacker.public_key) in plain.stdout and "it is not this laptop's device key" in plain.stdout
    assert trusted.returncode == 1, trusted.stdout
    assert any(edited.id in line and "not the device key's" in line for line in fail_lines(trusted.stdout)), trusted.stdout
    assert report.returncode != 0 and "refused" in report.stderr and len(report.stderr.strip().splitlines()) == 1
    assert not pdf.exists()
    with pytest.raises(RefusedError, match="refused, nothing stored"):
        ingest(hubs["enrolled"], base.device_id, chain)
    assert hub_holds(hubs["enrolled"], base.device_id)[:2] == (0, GENESIS)


def test_verify_says_whose_key_it_checked_against(base: Base, tmp_path: Path) -> None:
    """Not this machine's key and no --trust: never a plain OK; --trust the right key: OK; a wrong key: FAILED."""
    bare_home = tmp_path / "no-key"  # a machine with no device key at all
    bare_home.mkdir()
    other_home = tmp_path / "other-machine"  # a machine with a device key of its own
    keys.load_or_create(other_home / "fieldtool" / keys.KEY_FILE)
    wrong = tmp_path / "wrong.pub"
    wrong.write_text(keys.SigningKey.generate().public_key + "\n")
    pdf = tmp_path / "lot.pdf"
    no_key, other_key, right, wrong_key, report = side_by_side(
        ("verify", "--db", base.db),
        ("verify", "--db", base.db),
        ("verify", "--db", base.db, "--trust", base.public_key_file),
        ("verify", "--db", base.db, "--trust", wrong),
        ("report", "lot", base.lots[-1], "--db", base.db, "-o", pdf),
        homes=(bare_home, other_home, None, None, other_home),
    )
    for result, reason in ((no_key, "this machine has no device key and no key was given with --trust"),
                           (other_key, "it is not this laptop's device key, and no key was given with --trust")):
        summary = result.stdout.splitlines()[-1]
        assert "INTEGRITY CHECKED, AUTHENTICITY NOT CHECKED" in summary and ": OK:" not in summary, result.stdout
        assert reason in result.stdout, result.stdout
        assert not fail_lines(result.stdout)
    assert right.returncode == 0 and f"{base.db}: OK: {base.head} records" in right.stdout, right.stdout
    assert f"--trust {base.public_key_file}" in right.stdout
    assert wrong_key.returncode == 1, wrong_key.stdout
    assert len(fail_lines(wrong_key.stdout)) >= base.head and "not the device key's" in wrong_key.stdout
    # and a lot report of a database no trusted key vouches for is refused
    assert report.returncode != 0 and len(report.stderr.strip().splitlines()) == 1, report.stderr
    assert "not checked against a trusted key" in report.stderr and not pdf.exists()


def _import(hub_db: Path, bundle: Path) -> subprocess.CompletedProcess[str]:
    return cli("hub", "import", bundle, "--db", hub_db)


@pytest.mark.parametrize(("name", "everything", "hub"), [
    ("bad-body", True, "enrolled"),
    ("forge-tail-unsigned", False, "synced"),
    ("forge-tail-attacker-signed", False, "synced"),
])
def test_a_valid_bundle_of_attacked_records_is_refused_by_the_hub(
    name: str, everything: bool, hub: str, base: Base, attacker: keys.SigningKey, hubs: dict[str, Path],
    tmp_path: Path,
) -> None:
    """The laptop (its device key at hand) exports the attacked records as a bundle it signs; the hub refuses them, storing nothing."""
    install_device_key(base.key_file)
    db, caught, _ = attacked_copy(base, ATTACKS[name], attacker, tmp_path / "copy")
    bundle = tmp_path / "attacked.bundle"
    exported = cli("bundle", "export", "--db", db, "-o", bundle, *(("--all",) if everything else ()))
    assert exported.returncode == 0, exported.stderr
    assert "signed" in exported.stdout
    before = hub_holds(hubs[hub], base.device_id)
    imported = _import(hubs[hub], bundle)
    assert imported.returncode != 0, imported.stdout
    lines = imported.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused, nothing stored" in lines[0] and caught.named[0] in lines[0], imported.stderr
    assert hub_holds(hubs[hub], base.device_id) == before
    assert not (tmp_path / "attacked.bundle.receipt.json").exists()


def test_an_intact_bundle_is_imported(base: Base, hubs: dict[str, Path], tmp_path: Path) -> None:
    install_device_key(base.key_file)
    db = copy_database(base.db, tmp_path / "copy")
    bundle = tmp_path / "intact.bundle"
    assert cli("bundle", "export", "--db", db, "-o", bundle, "--all").returncode == 0
    imported = _import(hubs["enrolled"], bundle)
    assert imported.returncode == 0, imported.stderr
    assert hub_holds(hubs["enrolled"], base.device_id)[0] == base.head
    assert (tmp_path / "intact.bundle.receipt.json").exists()


def _as_written_before_signatures(db: Path) -> None:
    """Turn a database back into the schema before record signatures (migration 0002): no signature column, no key list."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("DROP INDEX records_unsigned")
        conn.execute("DROP INDEX records_device_kind")
        conn.execute("ALTER TABLE records DROP COLUMN signature")
        conn.execute("DROP TABLE signing_keys")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0003_record_signatures'")
        conn.commit()
    finally:
        conn.close()


def test_a_database_written_before_signatures_is_attested_once_and_verifies(base: Base, tmp_path: Path) -> None:
    """An upgraded laptop: its unsigned chain is attested by the device key at the first opening, and verifies OK.

    (A version from before record signatures never noted a device beside its key: the key is installed here
    without the note that the base database's signing left.)"""
    target = paths.data_dir() / keys.KEY_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(base.key_file, target)
    target.chmod(0o600)
    db = copy_database(base.db, tmp_path / "copy")
    _as_written_before_signatures(db)
    exported = cli("bundle", "export", "--db", db, "-o", tmp_path / "b.bundle")  # any opening for writing
    assert exported.returncode == 0, exported.stderr
    verify = cli("verify", "--db", db)
    assert verify.returncode == 0 and f"{db}: OK: {base.head + 1} records" in verify.stdout, verify.stdout
    with SqliteStore.open_read_only(db) as store:
        last = store.record_at(base.device_id, base.head + 1)
    assert last is not None and last.kind == RecordKind.CHAIN_ATTESTED and last.body["through_seq"] == base.head


def test_a_forged_chain_stripped_of_its_signatures_is_not_attested_by_the_next_opening(base: Base, tmp_path: Path) -> None:
    """Change a lot's batch number, drop the finalisation signatures, strip every record signature, the key list and
    the receipts, so the file looks written before signatures; the inspector opens it as every day; verify must still fail.

    The device key notes, beside its file, every device it has signed records for; it never attests the
    records of a device it signed for before (their signatures were stripped).
    """
    install_device_key(base.key_file)
    db = copy_database(base.db, tmp_path / "copy")
    with Tamper(db, base.device_id) as t:
        records = t.records()
        i = index_of(records, str(RecordKind.INSPECTION_CREATED), base.lots[-1])
        records[i] = with_body(records[i], batch="B-999")  # nothing else refers to it: only signatures can tell
        kept = [replace(r, signature=None) for r in records if r.kind != RecordKind.INSPECTION_SIGNED]
        t.write_chain(relinked(kept, 0, keep_signatures=False))
        t.forget_receipts()
        edited = records[i].id
    _as_written_before_signatures(db)
    cli("bundle", "export", "--db", db, "-o", tmp_path / "b.bundle")  # any opening for writing: the TUI, sync, export
    verify = cli("verify", "--db", db)
    assert verify.returncode == 1 and any(edited in line for line in fail_lines(verify.stdout)), verify.stdout
