"""The output writer (`fieldtool.infra.files.write_atomically`) on real files, links, FIFOs and devices.

A regular file is replaced atomically; a character device or a FIFO is written through and stays
what it was (the writer never renames over one); anything else, and a read-only file, is refused in
one line with the old content intact. /dev/null itself is only ever written through: the test
refuses any rename onto it before it could happen, and compares its stat before and after.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldtool.errors import InputError
from fieldtool.infra.files import STDOUT, check_writable, write_atomically
from tests.conftest import PYTHON, run_cli_env

PDF_LIKE = b"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\n\x00\x01\xff binary, with CR LF and NUL\r\n" * 3000
"""Binary content larger than a pipe's buffer (64 KiB), so a FIFO reader must drain it while it is written."""


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def one_line(err: pytest.ExceptionInfo[InputError]) -> str:
    message = str(err.value)
    assert "\n" not in message and message
    return message


class FifoReader:
    """Reads a FIFO to its end (or `limit` bytes) in a thread, as another program would."""

    def __init__(self, fifo: Path, limit: int | None = None) -> None:
        self.data = b""
        self._fifo, self._limit = fifo, limit
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with open(self._fifo, "rb") as f:
            self.data = f.read() if self._limit is None else f.read(self._limit)

    def join(self) -> bytes:
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the reader never saw the end of the data"
        return self.data


def no_rename_onto(monkeypatch: pytest.MonkeyPatch, protected: Path) -> None:
    """Fail the test, before anything happens, if the writer renames anything onto `protected`."""
    for name in ("replace", "rename"):
        real: Callable[..., None] = getattr(os, name)

        def guarded(src: str | os.PathLike[str], dst: str | os.PathLike[str], *args: object,
                    _real: Callable[..., None] = real, **kw: object) -> None:
            if os.path.realpath(dst) == os.path.realpath(protected):
                raise AssertionError(f"the writer tried to rename over {protected}")
            _real(src, dst, *args, **kw)

        monkeypatch.setattr(os, name, guarded)


def device_identity(path: Path) -> tuple[int, int, int, int]:
    s = os.stat(path)
    return (s.st_mode, s.st_ino, s.st_rdev, s.st_dev)


# -- regular files ------------------------------------------------------------------------------


def test_a_new_file_is_written_whole_with_nothing_left_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    write_atomically(target, PDF_LIKE, "report")
    assert target.read_bytes() == PDF_LIKE
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert entries(tmp_path) == ["report.pdf"]


def test_an_existing_file_is_replaced_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "private.pdf"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600, "a private report must not become readable by all"
    assert entries(tmp_path) == ["private.pdf"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=st.one_of(st.none(), st.binary(max_size=2000)), new=st.binary(max_size=70_000))
def test_any_bytes_replace_any_file_exactly(tmp_path: Path, old: bytes | None, new: bytes) -> None:
    target = tmp_path / "out.bin"
    target.unlink(missing_ok=True)
    if old is not None:
        target.write_bytes(old)
    write_atomically(target, new)
    assert target.read_bytes() == new
    assert entries(tmp_path) == ["out.bin"]


def test_a_read_only_file_is_refused_and_stays_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "signed.pdf"
    target.write_bytes(b"the signed report")
    target.chmod(0o444)  # even root is refused: a file with no write permission was made read-only on purpose
    with pytest.raises(InputError) as err:
        write_atomically(target, b"something else", "report")
    assert one_line(err) == (f"cannot write report {target}: the file is read-only; make it writable or choose "
                             "another file")
    assert target.read_bytes() == b"the signed report"
    assert entries(tmp_path) == ["signed.pdf"]
    with pytest.raises(InputError, match="read-only"):
        check_writable(target)


def test_a_file_open_in_a_viewer_on_windows_is_one_line_naming_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to rename over a PDF that a viewer holds open (PermissionError); Linux never does, so the
    refusal is made here as Windows makes it: in os.replace, after the new bytes are written beside it."""
    target = tmp_path / "报告 FT-2012.pdf"
    target.write_bytes(b"the report the viewer shows")

    def refused(src: object, dst: object) -> None:
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(InputError) as err:
        write_atomically(target, b"a new report", "report")
    line = one_line(err)
    assert line.startswith(f"cannot write report {target}: the file is open in another program (a PDF viewer?)")
    assert "close it there or choose another file name (the old file is unchanged)" in line
    assert target.read_bytes() == b"the report the viewer shows"
    assert entries(tmp_path) == ["报告 FT-2012.pdf"]  # no temporary file left beside it


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        write_atomically(tmp_path, b"x", "report")
    assert one_line(err) == f"cannot write report {tmp_path}: it is a directory"
    assert entries(tmp_path) == []


def test_a_socket_is_refused_and_stays_a_socket(tmp_path: Path) -> None:
    path = tmp_path / "s"
    if len(os.fsencode(path)) >= 100:
        pytest.skip("the temporary directory's path is too long for a Unix socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
        with pytest.raises(InputError) as err:
            write_atomically(path, b"x")
        assert one_line(err) == f"cannot write {path}: it is a socket, not a regular file; choose a file"
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert entries(tmp_path) == ["s"]


def test_check_writable_accepts_a_new_file_and_an_existing_writable_one(tmp_path: Path) -> None:
    check_writable(tmp_path / "new.csv")
    (tmp_path / "old.csv").write_text("a")
    check_writable(tmp_path / "old.csv")
    assert entries(tmp_path) == ["old.csv"], "checking writes nothing"


def test_a_missing_directory_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        write_atomically(tmp_path / "no" / "such" / "r.pdf", b"x", "report")
    assert one_line(err).startswith(f"cannot write report {tmp_path / 'no' / 'such' / 'r.pdf'}: ")
    assert entries(tmp_path) == []


# -- symbolic links -----------------------------------------------------------------------------


def test_a_link_to_a_file_replaces_the_file_and_the_link_stays(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "2012-06.pdf"
    real.write_bytes(b"old")
    link = tmp_path / "latest.pdf"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert entries(tmp_path) == ["latest.pdf", "reports"] and entries(tmp_path / "reports") == ["2012-06.pdf"]


def test_a_dangling_link_creates_the_file_it_names(tmp_path: Path) -> None:
    link = tmp_path / "latest.pdf"
    link.symlink_to(tmp_path / "target.pdf")
    write_atomically(link, b"new")
    assert link.is_symlink() and (tmp_path / "target.pdf").read_bytes() == b"new"


def test_a_link_to_a_read_only_file_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "signed.pdf"
    real.write_bytes(b"kept")
    real.chmod(0o444)
    link = tmp_path / "link.pdf"
    link.symlink_to(real)
    with pytest.raises(InputError, match="read-only"):
        write_atomically(link, b"x")
    assert real.read_bytes() == b"kept" and link.is_symlink()


# -- FIFOs and devices: written through, never renamed over -----------------------------------


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    before = device_identity(fifo)
    reader = FifoReader(fifo)
    write_atomically(fifo, PDF_LIKE, "report")
    assert reader.join() == PDF_LIKE
    assert device_identity(fifo) == before and stat.S_ISFIFO(before[0])
    assert entries(tmp_path) == ["pipe"]


def test_a_fifo_whose_reader_stops_early_is_a_one_line_error(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo, limit=10)
    with pytest.raises(InputError) as err:
        write_atomically(fifo, PDF_LIKE, "report")
    assert reader.join() == PDF_LIKE[:10]
    assert one_line(err) == f"cannot write report {fifo}: the program reading it stopped before the end"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and entries(tmp_path) == ["pipe"]


def test_a_link_to_a_fifo_writes_through_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.pdf"
    link.symlink_to(fifo)
    reader = FifoReader(fifo)
    write_atomically(link, b"through the link")
    assert reader.join() == b"through the link"
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def null_device_node(directory: Path) -> Path:
    """A character device with /dev/null's numbers, made in `directory` (root only), or skip."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    node = directory / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.close(os.open(node, os.O_WRONLY))
    except PermissionError as exc:
        pytest.skip(f"this system does not allow a device node here: {exc}")
    return node


def test_a_device_node_is_written_through_and_stays_a_device(tmp_path: Path) -> None:
    node = null_device_node(tmp_path)
    before = device_identity(node)
    write_atomically(node, PDF_LIKE, "report")
    assert device_identity(node) == before and stat.S_ISCHR(before[0])
    assert entries(tmp_path) == ["null"], "no temporary file: a device is never renamed over"


def test_dev_null_is_written_through_never_renamed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    null = Path("/dev/null")
    if not null.is_char_device():
        pytest.skip("no /dev/null character device here")
    no_rename_onto(monkeypatch, null)
    before = device_identity(null)
    write_atomically(null, PDF_LIKE, "report")
    assert device_identity(null) == before


def test_a_full_device_is_a_one_line_error() -> None:
    full = Path("/dev/full")
    if not full.is_char_device():
        pytest.skip("no /dev/full here")
    before = device_identity(full)
    with pytest.raises(InputError) as err:
        write_atomically(full, b"x" * 10, "report")
    assert one_line(err) == "cannot write report /dev/full: No space left on device"
    assert device_identity(full) == before


# -- standard output ----------------------------------------------------------------------------


def test_dash_is_standard_output_byte_for_byte_when_the_caller_says_so() -> None:
    code = ("import sys; from pathlib import Path; from fieldtool.infra.files import write_atomically; "
            "print('text first', flush=False); "
            "write_atomically(Path('-'), sys.stdin.buffer.read(), 'report', dash_is_stdout=True)")
    result = subprocess.run([PYTHON, "-c", code], check=False, input=PDF_LIKE, capture_output=True, env=run_cli_env(),
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"text first\n" + PDF_LIKE


def test_a_reader_of_standard_output_that_stops_early_is_a_one_line_error() -> None:
    code = ("import sys; from pathlib import Path; from fieldtool.errors import InputError; "
            "from fieldtool.infra.files import write_atomically\n"
            "try:\n write_atomically(Path('-'), b'x' * 1_000_000, 'report', dash_is_stdout=True)\n"
            "except InputError as e:\n print(e, file=sys.stderr); sys.exit(2)")
    writer = subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_cli_env())
    assert writer.stdout is not None and writer.stderr is not None
    assert len(writer.stdout.read(10)) == 10
    writer.stdout.close()  # the reader goes away with most of the data unread
    err = writer.stderr.read().decode()
    assert writer.wait(timeout=60) == 2
    assert err == "cannot write the report to standard output: the program reading it stopped before the end\n"


def test_without_the_callers_say_so_dash_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_atomically(STDOUT, b"a file named -")
    assert (tmp_path / "-").read_bytes() == b"a file named -"
