"""Provides the `records` table: appending a record, reading a chain back and verifying what is stored.

The records are the source of truth; the query tables are their projections. So besides the
hash chain itself, the query tables can be checked by replaying every record into a scratch
database and comparing the result with what is stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from fieldtool.core.records import GENESIS, Record, chain_problems
from fieldtool.errors import StoreError
from fieldtool.storage.codec import Row
from fieldtool.storage.projections import project
from fieldtool.storage.schema import PROJECTIONS, apply_pragmas, migrate


def insert_record(db: Database, record: Record) -> None:
    """Insert a record row (inside the caller's transaction), its body as canonical JSON."""
    db.execute(
        "INSERT INTO records (id, device_id, seq, kind, inspection_id, recorded_at, body, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.id,
            record.device_id,
            record.seq,
            record.kind,
            record.inspection_id,
            record.recorded_at,
            record.body_json(),
            record.prev_hash,
            record.hash,
        ],
    )


def last_link(db: Database, device_id: str) -> tuple[int, str]:
    """The seq and hash of a device's last record: (0, GENESIS) before its first."""
    row = next(
        db.query("SELECT seq, hash FROM records WHERE device_id = ? ORDER BY seq DESC LIMIT 1", [device_id]), None
    )
    return link_of(row)


def link_of(row: Row | None) -> tuple[int, str]:
    """The (seq, hash) of a row that names a link of a chain: (0, GENESIS) for no row (before the first record)."""
    return (0, GENESIS) if row is None else (int(row["seq"]), str(row["hash"]))


def record_from_row(row: Row, body: Any) -> Record:
    """A record from its `records` row and its decoded body."""
    return Record(
        id=row["id"],
        device_id=row["device_id"],
        seq=row["seq"],
        kind=row["kind"],
        inspection_id=row["inspection_id"],
        recorded_at=row["recorded_at"],
        body=body,
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def decode_record(row: Row) -> Record:
    """A record from its `records` row, its body decoded from JSON.

    Raises:
        StoreError: the stored body is not valid JSON.
    """
    try:
        body = json.loads(row["body"])
    except json.JSONDecodeError as e:
        raise StoreError(f"record {row['id']} has a body that is not JSON: {e}") from None
    return record_from_row(row, body)


def read_records(db: Database, device_id: str, after_seq: int = 0) -> Iterator[Record]:
    """One device's records with seq greater than `after_seq`, in order.

    Raises:
        StoreError: a stored body is not valid JSON.
    """
    for row in db.query("SELECT * FROM records WHERE device_id = ? AND seq > ? ORDER BY seq", [device_id, after_seq]):
        yield decode_record(row)


def chain_report(db: Database) -> list[str]:
    """Check every device's chain stored in `db`.

    Returns:
        One line per problem (broken link, wrong hash, seq gap, undecodable body), naming the record.
    """
    problems: list[str] = []
    records: list[Record] = []
    for row in db.query("SELECT * FROM records ORDER BY device_id, seq"):
        try:
            body = json.loads(row["body"])
        except json.JSONDecodeError:
            problems.append(f"record {row['id']} (device {row['device_id']}, seq {row['seq']}): body is not JSON")
            body = {"undecodable": row["body"]}
        records.append(record_from_row(row, body))
    return problems + chain_problems(records)


def projection_report(db: Database) -> list[str]:
    """Replay every record of `db` into a scratch database and compare its query tables with `db`'s.

    Returns:
        One line per difference, naming the table and the row; an empty list when they agree.
    """
    problems: list[str] = []
    scratch = Database(memory=True)
    try:
        apply_pragmas(scratch)
        migrate(scratch)
        with scratch.atomic():
            # rowid order is the order in which the records were applied to `db`.
            for row in db.query("SELECT * FROM records ORDER BY rowid"):
                try:
                    record = record_from_row(row, json.loads(row["body"]))
                    insert_record(scratch, record)
                    project(scratch, record)
                except (json.JSONDecodeError, StoreError, sqlite3.Error) as e:
                    problems.append(f"record {row['id']} cannot be applied: {e}")
        for table, key in PROJECTIONS.items():
            problems += _compare(table, key, derived=scratch, stored=db)
    finally:
        scratch.close()
    return problems


def _compare(table: str, key: str, *, derived: Database, stored: Database) -> list[str]:
    def rows(db: Database) -> dict[Any, Row]:
        return {r[key]: r for r in db.query(f'SELECT * FROM "{table}"')}

    want, have = rows(derived), rows(stored)
    problems = [f"{table}: row {k} is missing" for k in want if k not in have]
    problems += [f"{table}: row {k} comes from no record" for k in have if k not in want]
    for k in want.keys() & have.keys():
        changed = [c for c in want[k] if want[k][c] != have[k].get(c)]
        if changed:
            problems.append(f"{table}: row {k} differs from its record in {', '.join(changed)}")
    return sorted(problems)
