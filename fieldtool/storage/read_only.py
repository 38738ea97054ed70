"""Provides the opening of a fieldtool database only to read it, for `SqliteStore.open_read_only`.

A file that is not a fieldtool database (another program's SQLite file, an empty or text file, a
directory, a FIFO) is refused before SQLite opens it for good, so it stays byte-identical and no
``-wal`` or ``-shm`` file is made beside it; a database of an older or newer schema is refused.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from sqlite_utils import Database

from fieldtool.errors import StoreError
from fieldtool.storage.schema import migrations

SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


class _NoSideFiles(StoreError):
    """SQLite could not make the -wal and -shm files it needs to read a WAL database (a read-only directory)."""


def _side_file(db: Path, suffix: str) -> Path:
    """SQLite's ``-wal`` or ``-shm`` file of `db`."""
    return Path(f"{db}-{suffix}")


def _database_header(path: Path) -> bytes:
    """The first 100 bytes of `path`, once it is known to be a regular file that begins as an SQLite database.

    Raises:
        StoreError: nothing there, a directory or another non-regular file (never opened: a FIFO
            would block), an empty file, not an SQLite file, or unreadable.
    """
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise StoreError(f"no database at {path}") from None
    except OSError as e:
        raise StoreError(f"cannot read {path}: {e.strerror or e}") from None
    if stat.S_ISDIR(found.st_mode):
        raise StoreError(f"{path} is a directory, not a fieldtool database")
    if not stat.S_ISREG(found.st_mode):
        raise StoreError(f"{path} is not a fieldtool database: it is not a regular file")
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as e:
        raise StoreError(f"cannot read {path}: {e.strerror or e}") from None
    if not header:
        raise StoreError(f"{path} is not a fieldtool database: the file is empty")
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path} is not a fieldtool database: it is not an SQLite database file")
    return header


def _is_wal(header: bytes) -> bool:
    """The header's file format versions (bytes 18 and 19) say WAL."""
    return header[18] == 2 or header[19] == 2


def _connect_checked(path: Path, immutable: bool = False) -> sqlite3.Connection:
    """A read-only connection to the fieldtool database at `path`, its schema checked (the caller closes it).

    Raises:
        _NoSideFiles: a WAL database whose -wal and -shm cannot be made (only when not `immutable`).
        StoreError: not a fieldtool database, an older or newer schema, or SQLite cannot read it.
    """
    uri = path.absolute().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as e:
        raise StoreError(f"cannot read {path}: {e}") from None
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        _check_schema(conn, path)
    except sqlite3.Error as e:
        conn.close()
        code = getattr(e, "sqlite_errorcode", 0) & 0xFF
        if not immutable and code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
            raise _NoSideFiles(f"cannot read {path}: {e}") from None
        raise StoreError(f"{path} is not a fieldtool database: SQLite cannot read it ({e})") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a database that is not fieldtool's, or whose schema is not this fieldtool's.

    Raises:
        StoreError: another program's SQLite file, an older schema (to be updated by opening it once
            with fieldtool) or a newer one.
        sqlite3.Error: SQLite cannot read it.
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    applied = [m.name for m in migrations.applied(Database(conn))] if "_sqlite_migrations" in tables else []
    if not applied or not {"device", "records"} <= tables:
        raise StoreError(f"{path} is not a fieldtool database: it is an SQLite file of another program")
    known = [m.name for m in migrations.pending(Database(memory=True))]
    newer = [name for name in applied if name not in known]
    if newer:
        raise StoreError(f"{path} was written by a newer version of fieldtool (its schema has {newer[0]}); "
                         "update fieldtool to read it")
    missing = [name for name in known if name not in applied]
    if missing:
        raise StoreError(f"{path} is a fieldtool database of an older version (its schema lacks {missing[0]}): "
                         f"open it once with fieldtool to update it (fieldtool --db {path}; a hub: "
                         f"fieldtool hub devices --db {path}), then run this again")


def read_only_device(db: Database, path: str) -> str:
    """The device id of a database opened read-only.

    Raises:
        StoreError: it has none yet (its first opening was cut short).
    """
    row = next(iter(db.query("SELECT id FROM device")), None)
    if row is None:
        raise StoreError(f"{path} has no device id yet: open it once with fieldtool (fieldtool --db {path}), "
                         "then run this again")
    return str(row["id"])


def read_only_connection(where: Path) -> sqlite3.Connection:
    """A read-only connection to the fieldtool database at `where` (see `SqliteStore.open_read_only`).

    Raises:
        StoreError: no file there, or it is not a fieldtool database, or its schema is older or
            newer than this fieldtool's, or it cannot be read; one line naming the file.
    """
    real = Path(os.path.realpath(where))  # SQLite keeps the -wal and -shm beside the file a link points to
    if _is_wal(_database_header(where)) and not all(_side_file(real, s).exists() for s in ("wal", "shm")):
        # No -wal and -shm: no connection has the file open, so all of it is in the file itself.
        # Look at it first with an immutable connection, which makes nothing beside it, so that a
        # file of another program is refused untouched.
        _connect_checked(where, immutable=True).close()
        try:
            return _connect_checked(where)
        except _NoSideFiles:
            return _connect_checked(where, immutable=True)
    return _connect_checked(where)
