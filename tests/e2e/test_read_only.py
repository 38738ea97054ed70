"""Read-only commands never write, and ``-o`` never renames over a special file: the real CLI.

The refusals of what is not a fieldtool database run the CLI's `main` in this process (35 cases, the same
code without an interpreter's start each); everything about files, processes and devices runs
``python -m fieldtool`` in a subprocess.

``verify``, ``export``, ``report lot``, ``report programme`` and ``locate`` pointed at something that
is not a fieldtool database refuse it in one line and leave it, and its directory, byte-identical
(no ``-wal`` or ``-shm`` beside it). On a fieldtool database they read it without changing it, also
while another connection is weighing into it, and from a directory they may not write to.
``-o`` writes through a FIFO or a device, ``-o -`` to standard output, and refuses a read-only file
or directory in one line with the old file intact.
"""

from __future__ import annotations

import hashlib
import os
import pty
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.errors import StoreError
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from tests.conftest import PYTHON, cli_in_process, run_cli_env


@dataclass(frozen=True)
class Lots:
    """A small fieldtool database: one finished lot and one open lot."""

    db: Path
    final: str
    open: str


def header(batch: str) -> InspectionHeader:
    return InspectionHeader(
        programme_id="cn-2012-net-content", city_id="nanjing", site_name="Suguo Supermarket",
        site_kind=SiteKind.RETAILER, product_id="rice", brand="Golden Ear", batch=batch, nominal=Decimal(500),
        unit="g", lot_size=300, rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.SIMPLE_RANDOM,
        sampling_seed=42, inspectors=("Wang Li", "Zhao Min"), tare_method=TareMethod.NET,
    )


@pytest.fixture(scope="module")
def lots(tmp_path_factory: pytest.TempPathFactory) -> Lots:
    db = tmp_path_factory.mktemp("read-only") / "fieldtool.db"
    with SqliteStore.open(db) as store:
        services = Services(store)
        final = services.start_inspection(header("B-17")).id
        for k in range(50):
            services.record_weight(final, f"{500 + (k % 5) / 10:.1f}")
        services.finalise(final, "Wang Li")
        still_open = services.start_inspection(header("B-18")).id
        services.record_weight(still_open, "499.5")
    return Lots(db, final, still_open)


@pytest.fixture
def copy_of(lots: Lots, tmp_path: Path) -> Path:
    """The database copied alone into a directory of its own (closed: no -wal, no -shm)."""
    (tmp_path / "db").mkdir()
    target = tmp_path / "db" / "fieldtool.db"
    shutil.copy(lots.db, target)
    return target


def fieldtool(*args: str, prefix: tuple[str, ...] = (), stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, PYTHON, "-m", "fieldtool", *args], check=False, capture_output=stdout is None,
                          stdout=stdout, stderr=subprocess.PIPE if stdout is not None else None, text=True,
                          env=run_cli_env(), timeout=120)


def fieldtool_bytes(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([PYTHON, "-m", "fieldtool", *args], check=False, capture_output=True, env=run_cli_env(),
                          timeout=120)


def one_line_error(result: subprocess.CompletedProcess[str], *texts: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("fieldtool: ") and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for text in texts:
        assert text in result.stderr, (text, result.stderr)
    return result.stderr.strip()


def snapshot(directory: Path) -> dict[str, str]:
    """Every entry of `directory`, with the SHA-256 of each regular file's bytes (what a change would show)."""
    out: dict[str, str] = {}
    for entry in sorted(directory.iterdir()):
        mode = os.lstat(entry).st_mode
        out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest() if stat.S_ISREG(mode) else stat.filemode(mode)
    return out


def without_root_override() -> tuple[str, ...]:
    """A command prefix under which file permissions apply (root's override dropped), or skip."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner") if setpriv else None
    if prefix is None or subprocess.run([*prefix, "true"], check=False, capture_output=True).returncode != 0:
        pytest.skip("running as root, which ignores file permissions, and setpriv cannot drop that power here")
    return prefix


# -- not a fieldtool database: refused in one line, left byte-identical -------------------------


def another_programs_sqlite(path: Path, wal: bool) -> None:
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    con.execute("INSERT INTO contacts VALUES ('Li Lei', '13800000000')")
    con.commit()
    con.close()
    assert not Path(f"{path}-wal").exists(), "closed cleanly: nothing beside it"


FOREIGN = {
    "another program's SQLite file": ("other.sqlite", "is not a fieldtool database: it is an SQLite file of another program"),
    "another program's SQLite file in WAL mode": ("other-wal.sqlite", "is not a fieldtool database: it is an SQLite file of another program"),
    "an empty file": ("empty.db", "is not a fieldtool database: the file is empty"),
    "a text file": ("notes.txt", "is not a fieldtool database: it is not an SQLite database file"),
    "a directory": ("folder.db", "is a directory, not a fieldtool database"),
    "a FIFO": ("pipe.db", "is not a fieldtool database: it is not a regular file"),
    "a missing path": ("missing.db", "no database at"),
}

READ_ONLY_COMMANDS = {
    "verify": ("verify",),
    "export": ("export", "--format", "csv", "-o", "{out}/export"),
    "report lot": ("report", "lot", "00000000-0000-0000-0000-000000000000", "--draft", "-o", "{out}/lot.pdf"),
    "report programme": ("report", "programme", "-o", "{out}/summary.pdf"),
}


def make_foreign(kind: str, directory: Path) -> Path:
    name, _ = FOREIGN[kind]
    path = directory / name
    if "SQLite" in kind:
        another_programs_sqlite(path, wal="WAL" in kind)
    elif kind == "an empty file":
        path.write_bytes(b"")
    elif kind == "a text file":
        path.write_text("Inspection notes, not a database.\n")
    elif kind == "a directory":
        path.mkdir()
        (path / "inside.txt").write_text("x")
    elif kind == "a FIFO":
        os.mkfifo(path)  # opening it to read would block: it must be refused without being opened
    return path


@pytest.mark.parametrize("command", list(READ_ONLY_COMMANDS))
@pytest.mark.parametrize("kind", list(FOREIGN))
def test_a_file_that_is_not_a_fieldtool_database_is_refused_and_left_untouched(
    tmp_path: Path, kind: str, command: str
) -> None:
    where, out = tmp_path / "data", tmp_path / "out"
    where.mkdir()
    out.mkdir()
    path = make_foreign(kind, where)
    before = snapshot(where)
    args = [a.format(out=out) for a in READ_ONLY_COMMANDS[command]]
    message = one_line_error(cli_in_process(*args, "--db", str(path)), FOREIGN[kind][1])
    assert str(path) in message
    assert snapshot(where) == before, "the file and its directory are byte-identical: no -wal, no -shm, no schema"
    assert snapshot(out) == {}, "nothing written"


@pytest.mark.parametrize("kind", list(FOREIGN))
def test_locate_names_the_file_and_leaves_it_untouched(tmp_path: Path, kind: str) -> None:
    path = make_foreign(kind, tmp_path)
    before = snapshot(tmp_path)
    result = cli_in_process("locate", "--db", str(path))
    assert result.returncode == 0 and f"database:\n  {path}\n" in result.stdout, result
    assert snapshot(tmp_path) == before


def edited_copy(copy_of: Path, sql: str) -> Path:
    con = sqlite3.connect(copy_of)
    con.execute(sql)
    con.commit()
    con.close()
    return copy_of


def test_an_older_fieldtool_database_is_refused_with_what_to_do(copy_of: Path, lots: Lots) -> None:
    db = edited_copy(copy_of, "DELETE FROM _sqlite_migrations WHERE name = '0002_sync'")
    before = snapshot(db.parent)
    for args in (("verify",), ("report", "lot", lots.final, "-o", str(db.parent.parent / "x.pdf"))):
        message = one_line_error(fieldtool(*args, "--db", str(db)), "is a fieldtool database of an older version")
        assert "open it once with fieldtool to update it" in message and str(db) in message
    assert snapshot(db.parent) == before


def test_a_newer_fieldtool_database_is_refused(copy_of: Path) -> None:
    db = edited_copy(copy_of, "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                              "VALUES ('fieldtool', '0099_from_the_future', '2030-01-01')")
    before = snapshot(db.parent)
    one_line_error(fieldtool("verify", "--db", str(db)), "was written by a newer version of fieldtool",
                   "0099_from_the_future", "update fieldtool")
    assert snapshot(db.parent) == before


# -- a fieldtool database: read, never changed ---------------------------------------------------


def schema_and_rows(db: Path) -> tuple[list[tuple[str, str]], int, int]:
    con = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
    try:
        schema = con.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        return schema, con.execute("SELECT count(*) FROM records").fetchone()[0], con.execute(
            "SELECT count(*) FROM device").fetchone()[0]
    finally:
        con.close()


def test_read_only_commands_leave_the_database_file_byte_identical(copy_of: Path, lots: Lots, tmp_path: Path) -> None:
    db_file_before = hashlib.sha256(copy_of.read_bytes()).hexdigest()
    for args in (
        ("verify",),
        ("export", "--format", "json", "-o", str(tmp_path / "export")),
        ("report", "lot", lots.final, "-o", str(tmp_path / "lot.pdf")),
        ("report", "programme", "-o", str(tmp_path / "summary.pdf")),
    ):
        result = fieldtool(*args, "--db", str(copy_of))
        assert result.returncode == 0, (args, result.stderr)
    assert hashlib.sha256(copy_of.read_bytes()).hexdigest() == db_file_before
    # SQLite's WAL side files may be made (empty) to read safely beside a writer; nothing else appears.
    assert set(snapshot(copy_of.parent)) <= {"fieldtool.db", "fieldtool.db-wal", "fieldtool.db-shm"}
    wal = copy_of.parent / "fieldtool.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "nothing was written to the log either"


def test_a_database_in_a_directory_nobody_may_write_is_read(copy_of: Path, lots: Lots, tmp_path: Path) -> None:
    prefix = without_root_override()
    copy_of.parent.chmod(0o555)
    try:
        before = snapshot(copy_of.parent)
        verified = fieldtool("verify", "--db", str(copy_of), prefix=prefix)
        assert verified.returncode == 0 and "OK" in verified.stdout, verified.stderr
        report = fieldtool("report", "lot", lots.final, "-o", str(tmp_path / "lot.pdf"), "--db", str(copy_of),
                           prefix=prefix)
        assert report.returncode == 0, report.stderr
        assert snapshot(copy_of.parent) == before
    finally:
        copy_of.parent.chmod(0o755)
    assert (tmp_path / "lot.pdf").read_bytes().startswith(b"%PDF")


@pytest.fixture
def weighing(copy_of: Path, lots: Lots) -> Iterator[Services]:
    """The open lot being weighed, as the TUI does: a writing connection kept open on the database."""
    with SqliteStore.open(copy_of) as store:
        yield Services(store)


def test_a_report_and_an_export_while_the_tui_is_weighing(copy_of: Path, lots: Lots, weighing: Services,
                                                          tmp_path: Path) -> None:
    measurement, _ = weighing.record_weight(lots.open, "501.2")  # committed, in the WAL, not yet checkpointed
    assert (copy_of.parent / "fieldtool.db-wal").stat().st_size > 0
    report = fieldtool("report", "lot", lots.open, "--draft", "-o", str(tmp_path / "draft.pdf"), "--db", str(copy_of))
    assert report.returncode == 0, report.stderr
    export = fieldtool("export", "--format", "csv", "-o", str(tmp_path / "export"), "--db", str(copy_of))
    assert export.returncode == 0, export.stderr
    assert measurement.id in (tmp_path / "export" / "measurements.csv").read_text(encoding="utf-8-sig"), \
        "the reader sees the weight committed a moment before"
    verified = fieldtool("verify", "--db", str(copy_of))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    after, _ = weighing.record_weight(lots.open, "499.8")  # the readers held no lock: weighing goes on
    assert after.position == measurement.position + 1


def test_a_store_opened_read_only_refuses_every_write(copy_of: Path, lots: Lots) -> None:
    before = hashlib.sha256(copy_of.read_bytes()).hexdigest()
    with SqliteStore.open_read_only(copy_of) as store:
        assert store.read_only and store.inspection(lots.final).is_final
        with pytest.raises(StoreError, match="is open only for reading here; nothing was written"):
            Services(store).record_weight(lots.open, "500.0")
        with pytest.raises(StoreError, match="open only for reading"), store.transaction():
            pass
    assert hashlib.sha256(copy_of.read_bytes()).hexdigest() == before
    assert schema_and_rows(copy_of)[1:] == schema_and_rows(lots.db)[1:]


def test_through_a_link_the_reader_sees_what_the_writer_committed(copy_of: Path, lots: Lots, weighing: Services,
                                                                  tmp_path: Path) -> None:
    measurement, _ = weighing.record_weight(lots.open, "500.4")
    link = tmp_path / "link.db"
    link.symlink_to(copy_of)
    with SqliteStore.open_read_only(link) as store:
        assert measurement.id in {m.id for m in store.measurement_history(lots.open)}


# -- -o: special files, standard output, read-only targets ---------------------------------------


def test_report_to_standard_output_is_the_same_pdf_as_to_a_file(lots: Lots, tmp_path: Path) -> None:
    to_file = fieldtool("report", "lot", lots.final, "-o", str(tmp_path / "lot.pdf"), "--db", str(lots.db))
    assert to_file.returncode == 0, to_file.stderr
    to_stdout = fieldtool_bytes("report", "lot", lots.final, "-o", "-", "--db", str(lots.db))
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert to_stdout.stdout == (tmp_path / "lot.pdf").read_bytes()
    assert to_stdout.stderr.decode().startswith("standard output: lot report FT-")


def test_report_to_standard_output_on_a_terminal_is_refused(lots: Lots) -> None:
    leader, follower = pty.openpty()
    try:
        result = fieldtool("report", "lot", lots.final, "-o", "-", "--db", str(lots.db), stdout=follower)
    finally:
        os.close(follower)
        os.close(leader)
    one_line_error(result, "-o -: standard output is a terminal")


def test_a_file_named_dash_is_written_as_dot_slash_dash(lots: Lots, tmp_path: Path) -> None:
    result = subprocess.run([PYTHON, "-m", "fieldtool", "report", "lot", lots.final, "-o", "./-", "--db", str(lots.db)],
                            check=False, capture_output=True, env=run_cli_env(), timeout=120, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith(f"{tmp_path / '-'}: lot report".encode()), result
    assert (tmp_path / "-").read_bytes().startswith(b"%PDF")


def test_export_to_standard_output_is_refused_clearly(lots: Lots) -> None:
    one_line_error(fieldtool("export", "--format", "json", "-o", "-", "--db", str(lots.db)),
                   "export writes two files (lots and measurements) into a directory", "give a directory")


def test_report_into_a_fifo_reaches_its_reader_and_the_fifo_stays(lots: Lots, tmp_path: Path) -> None:
    reference = tmp_path / "lot.pdf"
    assert fieldtool("report", "lot", lots.final, "-o", str(reference), "--db", str(lots.db)).returncode == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = fieldtool("report", "lot", lots.final, "-o", str(fifo), "--db", str(lots.db))
    received, _ = reader.communicate(timeout=120)
    assert result.returncode == 0, result.stderr
    assert received == reference.read_bytes()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_report_into_a_device_node_writes_through_it(lots: Lots, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.close(os.open(node, os.O_WRONLY))
    except PermissionError as exc:
        pytest.skip(f"this system does not allow a device node here: {exc}")
    before = os.stat(node)
    result = fieldtool("report", "programme", "-o", str(node), "--db", str(lots.db))
    assert result.returncode == 0, result.stderr
    after = os.stat(node)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"], "no temporary file, no rename"


def test_a_read_only_report_file_is_refused_and_kept(lots: Lots, tmp_path: Path) -> None:
    old = tmp_path / "signed.pdf"
    old.write_bytes(b"%PDF the signed copy")
    old.chmod(0o444)
    message = one_line_error(fieldtool("report", "lot", lots.final, "-o", str(old), "--db", str(lots.db)),
                             f"cannot write report {old}: the file is read-only")
    assert "make it writable or choose another file" in message
    assert old.read_bytes() == b"%PDF the signed copy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signed.pdf"]


def test_a_report_into_a_read_only_directory_is_refused_and_the_old_file_kept(lots: Lots, tmp_path: Path) -> None:
    prefix = without_root_override()
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "lot.pdf").write_bytes(b"%PDF the earlier report")
    locked.chmod(0o555)
    try:
        result = fieldtool("report", "lot", lots.final, "-o", str(locked / "lot.pdf"), "--db", str(lots.db),
                           prefix=prefix)
        assert sorted(p.name for p in locked.iterdir()) == ["lot.pdf"]
    finally:
        locked.chmod(0o755)
    one_line_error(result, f"cannot write report {locked / 'lot.pdf'}: the directory {locked} is read-only",
                   "choose another directory")
    assert (locked / "lot.pdf").read_bytes() == b"%PDF the earlier report"


def test_an_export_with_one_read_only_file_writes_neither(lots: Lots, tmp_path: Path) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "lots.csv").write_text("the earlier lots\n")
    (out / "measurements.csv").write_text("the earlier measurements\n")
    (out / "measurements.csv").chmod(0o444)
    before = snapshot(out)
    one_line_error(fieldtool("export", "--format", "csv", "-o", str(out), "--db", str(lots.db)),
                   f"cannot write {out / 'measurements.csv'}: the file is read-only")
    assert snapshot(out) == before, "the pair stays consistent: lots.csv was not replaced either"
