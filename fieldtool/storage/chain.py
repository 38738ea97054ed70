"""Provides the `records` table: appending a record, reading a chain back and verifying what is stored.

The records are the source of truth; the query tables are their projections. So besides the
hash chain itself, the query tables can be checked by replaying every record into a scratch
database and comparing the result with what is stored.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from fieldtool.core.records import GENESIS, ChainWalk, Record
from fieldtool.errors import StoreError
from fieldtool.storage.codec import Row
from fieldtool.storage.projections import project
from fieldtool.storage.schema import PROJECTIONS, apply_pragmas, migrate


def insert_record(db: Database, record: Record, body_text: str | None = None) -> int:
    """Insert a record row (inside the caller's transaction), its body as canonical JSON; its rowid.

    `body_text`: the body's canonical JSON when the caller has it (`encode_new_record`).
    """
    cursor = db.execute(
        "INSERT INTO records (id, device_id, seq, kind, inspection_id, recorded_at, body, prev_hash, hash, signature) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.id,
            record.device_id,
            record.seq,
            record.kind,
            record.inspection_id,
            record.recorded_at,
            record.body_json() if body_text is None else body_text,
            record.prev_hash,
            record.hash,
            record.signature,
        ],
    )
    return int(cursor.lastrowid or 0)


def last_link(db: Database, device_id: str) -> tuple[int, str]:
    """The seq and hash of a device's last record: (0, GENESIS) before its first."""
    # The connection's own cursor: sqlite-utils' query() re-parses the statement (this runs for every record).
    row = db.conn.execute("SELECT seq, hash FROM records WHERE device_id = ? ORDER BY seq DESC LIMIT 1",
                          [device_id]).fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


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
        signature=row.get("signature"),
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
    """Check every device's chain stored in `db`, streaming (memory does not grow with the database).

    Returns:
        One line per problem (broken link, wrong hash, seq gap, undecodable body), naming the record.
    """
    problems: list[str] = []
    walk = ChainWalk()
    for row in db.query("SELECT * FROM records ORDER BY device_id, seq"):
        try:
            body = json.loads(row["body"])
        except json.JSONDecodeError:
            problems.append(f"record {row['id']} (device {row['device_id']}, seq {row['seq']}): body is not JSON")
            body = {"undecodable": row["body"]}
        problems += walk.step(record_from_row(row, body))
    return problems


def projection_report(db: Database) -> list[str]:
    """Replay every record of `db` into a scratch database and compare its query tables with `db`'s.

    Returns:
        One line per difference, naming the table and the row; an empty list when they agree.
    """
    problems: list[str] = []
    # A scratch file, not memory: the replay of a national year of records must not need its size in RAM.
    folder = tempfile.TemporaryDirectory(prefix="fieldtool-verify-")
    scratch = Database(os.path.join(folder.name, "replay.db"))
    try:
        apply_pragmas(scratch, durable=False)
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
        folder.cleanup()
    return problems


def _compare(
    table: str, key: str, *, derived: Database, stored: Database, where: str = "", params: list[Any] | None = None
) -> list[str]:
    """The differences between a table derived from the records and the stored one, walking both in key order (bounded memory).

    `where` (with its `params`) limits both sides to the same rows: one lot's.
    """
    condition = f" WHERE {where}" if where else ""
    sql = f'SELECT * FROM "{table}"{condition} ORDER BY "{key}"'
    want, have = iter(derived.query(sql, params or [])), iter(stored.query(sql, params or []))
    problems: list[str] = []
    w, h = next(want, None), next(have, None)
    while w is not None or h is not None:
        if h is None or (w is not None and w[key] < h[key]):
            assert w is not None
            problems.append(f"{table}: row {w[key]} is missing")
            w = next(want, None)
        elif w is None or h[key] < w[key]:
            problems.append(f"{table}: row {h[key]} comes from no record")
            h = next(have, None)
        else:
            changed = [c for c in w if w[c] != h.get(c)]
            if changed:
                problems.append(f"{table}: row {w[key]} differs from its record in {', '.join(changed)}")
            w, h = next(want, None), next(have, None)
    return sorted(problems)


LOT_TABLES = ("inspections", "measurements", "tare_weighings", "densities", "verdicts", "finalisations",
              "review_decisions", "header_corrections", "sampling_forms", "environment_readings",
              "label_checks")
"""The query tables whose rows belong to one inspection (`inspections` by its id, the rest by ``inspection_id``)."""


def lot_projection_report(
    db: Database,
    inspection_id: str,
    records: list[Record],
    balance_ids: list[str],
    inspector_ids: list[str],
) -> list[str]:
    """Replay one lot's records into an in-memory scratch database and compare the lot's stored rows with the derived ones.

    Only indexed look-ups of the lot's rows are made in `db`, so the time does not grow with the
    other lots the database holds.

    Args:
        db: the stored database.
        inspection_id: the inspection whose rows are compared.
        records: what the rows derive from, in the order they were applied: the register records
            the lot names first (balances, the inspector profile), then the lot's own records.
        balance_ids: the balances of the register whose rows are compared too.
        inspector_ids: the inspector profiles whose rows are compared too.

    Returns:
        One line per difference, naming the table and the row; an empty list when they agree.
    """
    problems: list[str] = []
    scratch = Database(memory=True)
    try:
        apply_pragmas(scratch, durable=False)
        migrate(scratch)
        with scratch.atomic():
            for record in records:
                try:
                    insert_record(scratch, record)
                    project(scratch, record)
                except (StoreError, sqlite3.Error, TypeError) as e:
                    problems.append(f"record {record.id} cannot be applied: {e}")
        scopes: list[tuple[str, str, str, list[Any]]] = [("inspections", "id", "id = ?", [inspection_id])]
        scopes += [(table, PROJECTIONS[table], "inspection_id = ?", [inspection_id]) for table in LOT_TABLES[1:]]
        for table, ids in (("balances", balance_ids), ("inspectors", inspector_ids)):
            if ids:
                scopes.append((table, "id", f"id IN ({', '.join('?' for _ in ids)})", list(ids)))
        for table, key, where, params in scopes:
            problems += _compare(table, key, derived=scratch, stored=db, where=where, params=params)
    finally:
        scratch.close()
    return problems
