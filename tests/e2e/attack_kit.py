"""Provides what the attacker tests need: a real laptop database synced to a hub, and the attacker's tools.

The attacker has the database file and fieldtool's code, not the device key. They open the file
with the sqlite3 module, drop the triggers that make it append-only, and rewrite rows, recomputing
every hash with `fieldtool.core.records.new_record` so the chain links up again, and rebuilding the
query tables from the forged records (`fieldtool.storage.projections.project`) so they agree.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from fieldtool.core.records import GENESIS, Record, RecordSigner, new_record
from fieldtool.infra import keys, paths
from fieldtool.storage import SqliteStore
from fieldtool.storage.chain import decode_record, insert_record
from fieldtool.storage.projections import project
from fieldtool.storage.schema import PROJECTIONS
from fieldtool.sync.hub import open_hub
from fieldtool.usecases.inspection import Services
from tests.conftest import PYTHON, StepClock, run_cli_env
from tests.sync.conftest import START, Laptop, enroll_in_process, header, make_hub, register_in_process


@dataclass(frozen=True)
class Base:
    """A laptop database with finalised lots and an open one, synced to a hub whose receipt it keeps."""

    db: Path
    """The laptop's database (never attacked itself: each case attacks a copy)."""
    key_file: Path
    """The device's private key (PEM), installed as this machine's device key by `install_device_key`."""
    public_key_file: Path
    """The device's public key (hex), what an auditor gives to ``--trust``."""
    device_id: str
    """The laptop's device id."""
    lots: tuple[str, ...]
    """The finalised inspections, in the order they were weighed; the last one's records end the chain."""
    open_lot: str
    """An inspection left open (reported with ``--draft``), weighed between the second and the last lot."""
    head: int
    """The seq the hub acknowledged (the whole chain)."""
    hub_enrolled: Path
    """A hub directory where the device is enrolled and nothing of it is held yet."""
    hub_synced: Path
    """A hub directory holding the whole chain."""


def build_base(directory: Path) -> Base:
    """Weigh three finalised lots and an open one on a laptop, enrol it on a hub, push its chain, keep the receipt."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / keys.KEY_FILE
    key = keys.load_or_create(key_file)
    public_key_file = directory / "device.pub"
    public_key_file.write_text(key.public_key + "\n")
    db = directory / "laptop" / "fieldtool.db"
    clock = StepClock(START)
    lots: list[str] = []
    with SqliteStore.open(db, clock=clock, durable=False, signer=key) as store:
        services = Services(store, clock=clock, signer=key)
        services.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
        balance = store.add_balance(make="Sartorius", model="BSA", serial="S1", max_capacity="6200", d="0.1")
        for n in (1, 2):
            lots.append(_weigh_lot(services, n, balance.id, finalise=True))
        open_lot = _weigh_lot(services, 3, balance.id, finalise=False)
        lots.append(_weigh_lot(services, 4, balance.id, finalise=True))
        device_id = store.device_id
        records = list(store.records())
    hub_db = make_hub(directory / "hub")
    code = enroll_in_process(hub_db, "Inspector Wang")
    register_in_process(hub_db, Laptop(db, key, "wang"), code)
    hub_enrolled = directory / "hub-enrolled"
    shutil.copytree(hub_db.parent, hub_enrolled)
    hub_store, hub = open_hub(hub_db)
    with hub_store:
        receipt = hub.ingest(device_id, records, "push")
    with SqliteStore.open(db, signer=key) as store:
        store.save_receipt(receipt.as_dict())
    return Base(db, key_file, public_key_file, device_id, tuple(lots), open_lot, receipt.seq, hub_enrolled,
                hub_db.parent)


def _weigh_lot(services: Services, number: int, balance_id: str, *, finalise: bool) -> str:
    """An inspection of 10 packages (individual tare), the first corrected; finalised (verdict, finalisation, signature) if asked."""
    inspection = services.start_inspection(header(number, balance_id=balance_id))
    needed = services.lot_state(inspection.id).progress.needed
    first = None
    for k in range(needed if finalise else 3):
        measurement, _ = services.record_weight(inspection.id, f"{Decimal('512.3') + Decimal(k) / 10} 12.3")
        first = first or measurement
    assert first is not None
    services.correct_weight(first.id, "512.0 12.3", "typed 512.3 instead of 512.0")
    if finalise:
        services.finalise(inspection.id, "Wang Li")
    return inspection.id


def copy_database(db: Path, directory: Path) -> Path:
    """A copy of a database file (with its WAL, if any) in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / db.name
    for suffix in ("", "-wal", "-shm"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            shutil.copy(source, target.with_name(target.name + suffix))
    return target


def install_device_key(key_file: Path) -> None:
    """Make `key_file` this machine's device key (in the test's isolated data directory), as on the laptop itself,
    with the note beside it of the devices it has signed for."""
    target = paths.data_dir() / keys.KEY_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(key_file, target)
    target.chmod(0o600)
    noted = key_file.with_name(key_file.name + ".devices")
    if noted.exists():
        shutil.copy(noted, target.with_name(target.name + ".devices"))


def cli(*args: str | Path, data_home: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m fieldtool ARGS`` in the test's isolated home (or with another data directory: another machine's keys)."""
    env = run_cli_env()
    if data_home is not None:
        env["XDG_DATA_HOME"] = str(data_home)
    return subprocess.run([PYTHON, "-m", "fieldtool", *map(str, args)], check=False, capture_output=True, text=True,
                          env=env, timeout=timeout)


class Tamper:
    """The attacker's hold on a database file: the sqlite3 module, every trigger dropped.

    Use as a context manager; the changes are committed on leaving it.
    """

    def __init__(self, db: Path, device_id: str) -> None:
        self.conn = sqlite3.connect(db)
        self.device_id = device_id
        triggers = [row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
        for name in triggers:
            self.conn.execute(f'DROP TRIGGER "{name}"')

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.conn.commit()
        self.conn.close()

    def records(self) -> list[Record]:
        """The device's chain, in seq order, as stored."""
        self.conn.row_factory = sqlite3.Row
        try:
            rows = self.conn.execute("SELECT * FROM records WHERE device_id = ? ORDER BY seq", [self.device_id]).fetchall()
        finally:
            self.conn.row_factory = None
        return [decode_record(dict(row)) for row in rows]

    def write_chain(self, records: Sequence[Record], *, projections: bool = True) -> None:
        """Replace the device's chain by `records` (stored in this order) and, if asked, rebuild the query tables from them."""
        self.conn.execute("DELETE FROM records WHERE device_id = ?", [self.device_id])
        db = Database(self.conn)
        for record in records:
            insert_record(db, record)
        if projections:
            self.rebuild_projections()

    def rebuild_projections(self) -> None:
        """Derive every query table again from the stored records, as fieldtool itself does (so they agree with the forgery)."""
        for table in PROJECTIONS:
            self.conn.execute(f'DELETE FROM "{table}"')
        db = Database(self.conn)
        self.conn.row_factory = sqlite3.Row
        try:
            rows = self.conn.execute("SELECT * FROM records ORDER BY rowid").fetchall()
        finally:
            self.conn.row_factory = None
        for row in rows:
            project(db, decode_record(dict(row)))

    def rewrite_signing_keys(self, public_key: str) -> None:
        """Name only `public_key` as the key the device signs with."""
        self.conn.execute("DELETE FROM signing_keys WHERE device_id = ?", [self.device_id])
        self.conn.execute("INSERT INTO signing_keys (device_id, public_key, first_seq, added_at) VALUES (?, ?, 1, ?)",
                          [self.device_id, public_key, "2025-03-14T09:30:00Z"])

    def add_signing_key(self, public_key: str, first_seq: int) -> None:
        """Name one more key the device signs with, from `first_seq`."""
        self.conn.execute("INSERT INTO signing_keys (device_id, public_key, first_seq, added_at) VALUES (?, ?, ?, ?)",
                          [self.device_id, public_key, first_seq, "2025-03-14T09:30:00Z"])

    def forget_receipts(self) -> None:
        """Delete every receipt the laptop kept from the hub."""
        self.conn.execute("DELETE FROM sync_receipts")


def relinked(records: Sequence[Record], start: int, *, signer: RecordSigner | None = None,
             keep_signatures: bool = True) -> list[Record]:
    """The chain renumbered and relinked from index `start`: seq, previous hash and hash recomputed for each record.

    Args:
        records: the chain, possibly edited (records from `start` on may have any seq and hash).
        start: the first index to recompute.
        signer: the attacker's key, to sign every recomputed record with; else see `keep_signatures`.
        keep_signatures: keep each record's old signature (it no longer matches a changed hash);
            False: leave the recomputed records unsigned.
    """
    out = list(records[:start])
    prev = out[-1].hash if out else GENESIS
    for index, r in enumerate(records[start:], start=start):
        made = new_record(prev_hash=prev, id=r.id, device_id=r.device_id, seq=index + 1, kind=r.kind,
                          inspection_id=r.inspection_id, recorded_at=r.recorded_at, body=r.body, signer=signer)
        if signer is None:
            made = replace(made, signature=r.signature if keep_signatures else None)
        out.append(made)
        prev = made.hash
    return out


def with_body(record: Record, **changes: Any) -> Record:
    """The record with some body fields changed (hash and signature left as they were: `relinked` recomputes them)."""
    return replace(record, body={**record.body, **changes})


def index_of(records: Sequence[Record], kind: str, inspection_id: str | None, nth: int = 0) -> int:
    """The index in `records` of the `nth` record of `kind` naming `inspection_id`."""
    found = [i for i, r in enumerate(records) if r.kind == kind and r.inspection_id == inspection_id]
    return found[nth]


def fail_lines(output: str) -> list[str]:
    """The ``FAIL`` lines of ``fieldtool verify``."""
    return [line for line in output.splitlines() if line.startswith("FAIL ")]
