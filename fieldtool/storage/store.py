"""Provides `SqliteStore`: the local database of inspections, as use-case methods that return domain objects.

Every change is a record appended to this device's hash chain; the query tables are projections
of the records, written in the same transaction. A method that records something returns only
after COMMIT, with synchronous=FULL, so what it reports saved survives a power cut.

This module holds the connection, the transactions, the append of a record and the shared row
helpers; the use-case methods live in one part per concern, which `SqliteStore` composes:
`registers` (inspector profile, balances), `inspections`, `measurements` (with tare and density),
`verdicts`, `ledger` (the record chain), `laptop_sync` and `hub_state`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlite_utils import Database

from fieldtool.core.records import Record, RecordKind, new_record
from fieldtool.errors import NotFoundError, StoreError
from fieldtool.storage.base import Clock, IdFactory
from fieldtool.storage.chain import insert_record, last_link
from fieldtool.storage.codec import Row, utc_text
from fieldtool.storage.hub_state import HubStore
from fieldtool.storage.inspections import InspectionStore
from fieldtool.storage.laptop_sync import LaptopSyncStore
from fieldtool.storage.ledger import LedgerStore
from fieldtool.storage.measurements import MeasurementStore
from fieldtool.storage.projections import project
from fieldtool.storage.registers import RegisterStore
from fieldtool.storage.schema import apply_pragmas, migrate
from fieldtool.storage.verdicts import VerdictStore

__all__ = ["Clock", "IdFactory", "SqliteStore"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _uuid4() -> str:
    return str(uuid.uuid4())


class SqliteStore(
    RegisterStore, InspectionStore, MeasurementStore, VerdictStore, LedgerStore, LaptopSyncStore, HubStore
):
    """The local store: one SQLite file (WAL) holding this device's record chain and its projections.

    A sqlite connection belongs to the thread that opened it (sqlite3's default
    ``check_same_thread``): a worker thread opens its own store on the same file. WAL lets it read
    while another connection writes. Only one connection should write a device's chain at a time;
    UNIQUE(device_id, seq) refuses a racing second writer rather than forking the chain.

    Use `SqliteStore.open` for a file that may not exist yet; the store is a context manager.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        new_id: IdFactory | None = None,
        durable: bool = True,
    ):
        """Open (or create) the database at `path`, apply pending migrations and make sure it has a device id.

        Args:
            path: the database file, or ``":memory:"`` for a throw-away store.
            clock: returns the current time as an aware datetime (UTC by default).
            new_id: returns a new UUID string (uuid4 by default); injected for deterministic tests.
            durable: commit with synchronous=FULL (the default, for every real inspection); False
                only for throw-away bulk data such as the demo.

        Raises:
            StoreError: the file cannot be opened or is not a fieldtool database.
        """
        self._path = str(path)
        self._clock: Clock = clock or _utc_now
        self._new_id: IdFactory = new_id or _uuid4
        try:
            self._db = Database(self._path)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open database {self._path}: {e}") from e
        try:
            apply_pragmas(self._db, durable)
            migrate(self._db)
            self._device_id = self._ensure_device()
        except sqlite3.Error as e:
            self._db.close()
            raise StoreError(f"cannot use database {self._path}: {e}") from e
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        new_id: IdFactory | None = None,
        durable: bool = True,
    ) -> SqliteStore:
        """Open the database at `path`, creating its parent directories and the file if needed.

        Raises:
            StoreError: the file cannot be created, opened or migrated.
        """
        if str(path) != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the directory for {path}: {e.strerror}") from e
        return cls(path, clock=clock, new_id=new_id, durable=durable)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    @property
    def device_id(self) -> str:
        """This database's device id: the UUID that its own records carry."""
        return self._device_id

    # -- the one write path ------------------------------------------------------------------

    def _ensure_device(self) -> str:
        with self._writing():
            row = self._one("SELECT id FROM device")
            if row is not None:
                return str(row["id"])
            device_id = self._new_id()
            self._db.execute("INSERT INTO device (id, created_at) VALUES (?, ?)", [device_id, self._now()])
        return device_id

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A write transaction: `db.atomic()` inside BEGIN IMMEDIATE, committed on leaving the outermost one.

        IMMEDIATE takes the write lock before the chain's last link is read, so a second writer
        (another thread's store on the same file) waits for the busy timeout instead of failing on
        a stale snapshot. Nested calls are savepoints of the outer transaction.
        """
        conn = self._db.conn
        if conn.in_transaction:
            with self._db.atomic():
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(f"database {self._path} is busy ({e}); another program is writing to it") from e
        try:
            with self._db.atomic():
                yield
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as e:
                raise StoreError(f"cannot save to {self._path}: {e}; nothing was saved") from e
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _now(self) -> str:
        return utc_text(self._clock())

    def _append(
        self,
        kind: RecordKind,
        inspection_id: str | None,
        body: Mapping[str, Any],
        *,
        record_id: str | None = None,
        checked_open: bool = False,
    ) -> Record:
        """Append the next record of this device and apply it to the projections, in one transaction.

        Returns after COMMIT (or, when called inside a caller's `_writing` block, as part of it: the
        caller returns after its COMMIT). `checked_open`: the caller has checked, inside the same
        write transaction, that the inspection exists and is open (it cannot change before COMMIT).

        Raises:
            NotFoundError: the inspection does not exist.
            StoreError: the inspection is final, or the database refused the record.
        """
        try:
            with self._writing():
                if inspection_id is not None and kind is not RecordKind.INSPECTION_CREATED and not checked_open:
                    self._require_open(inspection_id)
                seq, prev_hash = last_link(self._db, self._device_id)
                record = new_record(
                    prev_hash=prev_hash,
                    id=record_id or self._new_id(),
                    device_id=self._device_id,
                    seq=seq + 1,
                    kind=kind,
                    inspection_id=inspection_id,
                    recorded_at=self._now(),
                    body=body,
                )
                insert_record(self._db, record)
                project(self._db, record)
        except sqlite3.IntegrityError as e:
            raise StoreError(f"the database refused a {kind} record: {e}") from e
        return record

    # -- reading helpers ---------------------------------------------------------------------

    def _one(self, sql: str, params: list[Any] | None = None) -> Row | None:
        rows = self._all(sql, params)  # read to the end, so no statement is left open
        return rows[0] if rows else None

    def _all(self, sql: str, params: list[Any] | None = None) -> list[Row]:
        return list(self._db.query(sql, params or []))

    def _row_by_id(self, table: str, row_id: str, what: str) -> Row:
        row = self._one(f"SELECT * FROM {table} WHERE id = ?", [row_id])
        if row is None:
            raise NotFoundError(f"no {what} {row_id}")
        return row

    # -- transactions for the callers --------------------------------------------------------
    # Device identity, signatures, the hub's registry and the laptop's receipts (fieldtool.sync)
    # write several rows in one transaction of their own.

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE): everything inside is committed together or not at all.

        Raises:
            StoreError: the database is busy or refused the COMMIT.
        """
        with self._writing():
            yield

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a writer waits for another connection's write lock before giving up."""
        self._db.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
