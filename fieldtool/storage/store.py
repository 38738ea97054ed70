"""Provides `SqliteStore`: the local database of inspections, as use-case methods that return domain objects.

Every change is a record appended to this device's hash chain, signed with the device key; the
query tables are projections of the records, written in the same transaction. A method that records something returns only
after COMMIT, with synchronous=FULL, so what it reports saved survives a power cut.

This module holds the connection, the transactions, the append of a record and the shared row
helpers; the use-case methods live in one part per concern, which `SqliteStore` composes:
`registers` (inspector profile, balances), `inspections`, `measurements` (with tare and density),
`verdicts`, `ledger` (the record chain), `laptop_sync` and `hub_state`.

`SqliteStore.open_read_only` opens an existing database for the commands that only read it
(verify, reports, export): SQLite's read-only mode, no migration, no device row, and a file that
is not a fieldtool database refused before SQLite could leave anything beside it (`read_only`).
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

from fieldtool.core.records import Record, RecordKind, RecordSigner, encode_new_record
from fieldtool.errors import NotFoundError, StoreError
from fieldtool.storage.base import Clock, IdFactory
from fieldtool.storage.chain import insert_record, last_link
from fieldtool.storage.codec import Row, utc_text
from fieldtool.storage.hub_state import HubStore
from fieldtool.storage.inspections import InspectionStore
from fieldtool.storage.labels import LabelStore
from fieldtool.storage.laptop_sync import LaptopSyncStore
from fieldtool.storage.ledger import LedgerStore
from fieldtool.storage.measurements import MeasurementStore
from fieldtool.storage.projections import project
from fieldtool.storage.read_only import read_only_connection, read_only_device
from fieldtool.storage.registers import RegisterStore
from fieldtool.storage.reviews import ReviewStore
from fieldtool.storage.sampling import SamplingStore
from fieldtool.storage.schema import apply_pragmas, migrate
from fieldtool.storage.verdicts import VerdictStore

__all__ = ["Clock", "IdFactory", "SqliteStore"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _uuid4() -> str:
    return str(uuid.uuid4())


class SqliteStore(
    RegisterStore, InspectionStore, MeasurementStore, VerdictStore, LedgerStore, LaptopSyncStore, HubStore, ReviewStore,
    SamplingStore, LabelStore,
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
        signer: RecordSigner | None = None,
        read_only_connection: sqlite3.Connection | None = None,
    ):
        """Open (or create) the database at `path`, apply pending migrations and make sure it has a device id.

        Args:
            path: the database file, or ``":memory:"`` for a throw-away store.
            clock: returns the current time as an aware datetime (UTC by default).
            new_id: returns a new UUID string (uuid4 by default); injected for deterministic tests.
            durable: commit with synchronous=FULL (the default, for every real inspection); False
                only for throw-away bulk data such as the demo.
            signer: the key that signs every record written (`RecordSigner`); by default this
                laptop's device key (fieldtool.infra.keys.device_key), loaded, or created, at the
                first write. Opening a database whose records were written before fieldtool signed
                them appends, once, a ``chain-attested`` record signed with it.
            read_only_connection: used by `open_read_only` only: a read-only connection to the
                fieldtool database at `path`, already checked; nothing is migrated or written.

        Raises:
            StoreError: the file cannot be opened or is not a fieldtool database.
        """
        self._path = str(path)
        self._clock: Clock = clock or _utc_now
        self._new_id: IdFactory = new_id or _uuid4
        self._signer_given = signer
        self._key_noted: str | None = None
        """The public key this connection has noted in `signing_keys` (committed)."""
        self._key_pending: str | None = None
        """The key noted in the write transaction now open: `_key_noted` once it commits, forgotten if undone."""
        self._savepoints = 0
        """How deep the savepoints of `_writing` are nested now."""
        self._appended_mark = 0
        """The rowid of the last record this connection appended."""
        self._read_only = False
        if read_only_connection is not None:
            self._db = Database(read_only_connection)
            self._read_only = True
            try:
                self._device_id = read_only_device(self._db, self._path)
            except BaseException:
                self._db.close()
                raise
            return
        try:
            self._db = Database(self._path)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open database {self._path}: {e}", zh=f"无法打开数据库 {self._path}：{e}") from e
        try:
            apply_pragmas(self._db, durable)
            migrate(self._db)
            self._device_id = self._ensure_device()
            self._attest_unsigned()
        except sqlite3.Error as e:
            self._db.close()
            raise StoreError(f"cannot use database {self._path}: {e}", zh=f"无法使用数据库 {self._path}：{e}") from e
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
        signer: RecordSigner | None = None,
    ) -> SqliteStore:
        """Open the database at `path`, creating its parent directories and the file if needed (arguments as `SqliteStore`).

        Raises:
            StoreError: the file cannot be created, opened or migrated.
        """
        if str(path) != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the directory for {path}: {e.strerror}") from e
        return cls(path, clock=clock, new_id=new_id, durable=durable, signer=signer)

    @classmethod
    def open_read_only(cls, path: str | os.PathLike[str]) -> SqliteStore:
        """Open an existing fieldtool database only to read it: nothing in it, or beside it, is created or changed.

        The connection is SQLite's read-only mode (``mode=ro``, ``query_only``): no migration, no
        device row, no schema. Every write method raises `StoreError`. A file that is not a
        fieldtool database is refused before SQLite opens it for good, so it stays byte-identical
        and no ``-wal`` or ``-shm`` file is made beside it. A fieldtool database of an older schema
        is refused (open it once with fieldtool to update it); of a newer one, too.

        WAL: while another connection has the database open (the TUI weighing), its ``-wal`` and
        ``-shm`` files exist and this connection reads through them, seeing every committed weight.
        When they are absent, SQLite makes them (empty) to read safely beside a writer that may
        start, and leaves them: the next fieldtool that opens the database for writing removes
        them on closing. Where they cannot be made (a read-only directory), the file is read as it
        is (SQLite's ``immutable``), which is exact while no one writes to it.

        Raises:
            StoreError: no file there, or it is not a fieldtool database, or its schema is older or
                newer than this fieldtool's, or it cannot be read; one line naming the file.
        """
        where = Path(path)
        return cls(where, read_only_connection=read_only_connection(where))

    @property
    def read_only(self) -> bool:
        """Opened with `open_read_only`: every write is refused."""
        return self._read_only

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
        """A write transaction: BEGIN IMMEDIATE, committed on leaving the outermost one.

        IMMEDIATE takes the write lock before the chain's last link is read, so a second writer
        (another thread's store on the same file) waits for the busy timeout instead of failing on
        a stale snapshot. Nested calls are savepoints of the outer transaction: an error inside
        one undoes that block only.
        """
        if self._read_only:
            raise StoreError(f"{self._path} is open only for reading here; nothing was written", zh=f"{self._path} 在此处只读打开；未写入任何数据")
        conn = self._db.conn
        if conn.in_transaction:
            # Named by depth: sqlite-utils' atomic() draws a random name for each (a tenth of a weighing's time).
            self._savepoints += 1
            name = f"fieldtool_{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                self._key_pending = None  # perhaps undone with the block: noted again by the next record
                raise
            else:
                conn.execute(f"RELEASE {name}")
            finally:
                self._savepoints -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(f"database {self._path} is busy ({e}); another program is writing to it", zh=f"数据库 {self._path} 正忙（{e}）；另一个程序正在写入") from e
        try:
            yield  # the outermost block: BEGIN IMMEDIATE is its transaction, ROLLBACK below its undoing
            try:
                conn.execute("COMMIT")
                if self._key_pending is not None:  # committed: not before (a rolled-back note must be written again)
                    self._key_noted, self._key_pending = self._key_pending, None
            except sqlite3.OperationalError as e:
                raise StoreError(f"cannot save to {self._path}: {e}; nothing was saved", zh=f"无法保存到 {self._path}：{e}；未保存任何数据") from e
        except BaseException:
            self._key_pending = None
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @property
    def signer(self) -> RecordSigner:
        """The key that signs this store's records (the device key unless another was given), loaded at first use.

        Raises:
            InputError: the device key file cannot be read or made.
        """
        if self._signer_given is None:
            from fieldtool.infra.keys import device_key  # cryptography is loaded only by a store that writes

            self._signer_given = device_key()
        return self._signer_given

    def _attest_unsigned(self) -> None:
        """Attest, once, this device's records written before fieldtool signed every record.

        Only a chain with no signed record at all is attested, and only by a key that has never
        signed records of this device (the key notes, beside its file, each device it signs for):
        an unsigned record after a signed one, or a chain whose signatures were stripped, was
        written without the key (a forgery), and `verify` names it instead.
        """
        device = [self._device_id]
        if self._one("SELECT seq FROM records WHERE device_id = ? AND signature IS NULL LIMIT 1", device) is None:
            return
        if self._one("SELECT seq FROM records WHERE device_id = ? AND signature IS NOT NULL LIMIT 1", device):
            return
        signed_before = getattr(self.signer, "signed_devices", None)
        if signed_before is not None and self._device_id in signed_before():
            # This key signed records of this device before: their signatures were stripped. Never
            # attest them; `verify` names every unsigned record.
            return
        seq, _ = last_link(self._db, self._device_id)
        self._append(RecordKind.CHAIN_ATTESTED, None, {
            "through_seq": seq,
            "public_key": self.signer.public_key,
            "reason": "records written before fieldtool signed every record; this record's signature covers "
                      "them through the chain of hashes",
        })

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
        write transaction, that the inspection exists and is open (it cannot change before COMMIT);
        the record is then written in the caller's `_writing` block, whose undoing covers it.

        Raises:
            NotFoundError: the inspection does not exist.
            StoreError: the inspection is final, or the database refused the record.
        """
        if checked_open and not self._db.conn.in_transaction:
            raise AssertionError("checked_open: the caller's write transaction must be open")
        try:
            # A caller that checked the inspection holds the write transaction: its block undoes this
            # record too on an error, so no savepoint of its own is needed (two statements saved per weighing).
            with contextlib.nullcontext() if checked_open else self._writing():
                if inspection_id is not None and kind is not RecordKind.INSPECTION_CREATED and not checked_open:
                    self._require_open(inspection_id)
                seq, prev_hash = last_link(self._db, self._device_id)
                signer = self.signer
                note = getattr(signer, "note_device", None)
                if note is not None:
                    note(self._device_id)
                record, body_text = encode_new_record(
                    prev_hash=prev_hash,
                    id=record_id or self._new_id(),
                    device_id=self._device_id,
                    seq=seq + 1,
                    kind=kind,
                    inspection_id=inspection_id,
                    recorded_at=self._now(),
                    body=body,
                    signer=signer,
                )
                self._appended_mark = insert_record(self._db, record, body_text)
                if signer.public_key not in (self._key_noted, self._key_pending):
                    # Once per key and connection (a key is noted with the first record it signs).
                    self._db.execute(
                        "INSERT OR IGNORE INTO signing_keys (device_id, public_key, first_seq, added_at) "
                        "VALUES (?, ?, ?, ?)",
                        [self._device_id, signer.public_key, record.seq, record.recorded_at],
                    )
                    self._key_pending = signer.public_key
                project(self._db, record)
        except sqlite3.IntegrityError as e:
            raise StoreError(f"the database refused a {kind} record: {e}", zh=f"数据库拒绝了一条 {kind} 记录：{e}") from e
        return record

    def records_mark(self) -> int:
        """A number that changes whenever a record is appended, by this connection or another.

        Records are append-only (triggers refuse UPDATE and DELETE), so the last rowid of `records`
        tells whether anything was written since it was last read: the use-cases keep a lot's state
        while it holds. One indexed read, whatever the size of the database.
        """
        row = self._db.conn.execute("SELECT max(rowid) FROM records").fetchone()
        return int(row[0] or 0)

    def appended_mark(self) -> int:
        """The records mark right after this connection's last append (`records_mark` had nobody written since).

        The use-cases compare it with the mark they read before writing: one more means their
        record was the only one written in between, without reading the mark again.
        """
        return self._appended_mark

    # -- reading helpers ---------------------------------------------------------------------

    def _one(self, sql: str, params: list[Any] | None = None) -> Row | None:
        rows = self._all(sql, params)  # read to the end, so no statement is left open
        return rows[0] if rows else None

    def _all(self, sql: str, params: list[Any] | None = None) -> list[Row]:
        # The connection's own cursor: sqlite-utils' query() re-parses every statement and de-duplicates
        # column names on each call, a third of the time of a weighing's reads.
        cursor = self._db.conn.execute(sql, params or [])
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _row_by_id(self, table: str, row_id: str, what: str) -> Row:
        row = self._one(f"SELECT * FROM {table} WHERE id = ?", [row_id])
        if row is None:
            raise NotFoundError(f"no {what} {row_id}", zh=f"没有 {what} {row_id}")
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
