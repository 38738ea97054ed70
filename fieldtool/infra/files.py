"""Provides the writer of output files: atomic for a file, never a rename over a special file.

A regular file is written to a temporary file beside it, fsynced and renamed over it, so a
reader never sees half a report or half an export. A character device (``/dev/null``, a
terminal) or a FIFO is written through, as a shell redirection would write it: renaming over one
would replace it with a regular file, and every other program using it would break. Anything
else that is not a regular file (a block device, a socket, a directory) is refused.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from fieldtool.errors import InputError

STDOUT = Path("-")
"""The path that means standard output, for the callers that accept it (``dash_is_stdout``)."""

NEW_FILE_MODE = 0o644
"""The permissions of a file that did not exist before (an existing file keeps its own)."""

_READ_ONLY_PLACE = (errno.EACCES, errno.EPERM, errno.EROFS)
"""Why a temporary file cannot be made in a directory we may not write to."""


def write_atomically(path: Path, data: bytes, what: str = "", *, dash_is_stdout: bool = False) -> None:
    """Write `data` to `path`: atomically for a file, written through for a device or a FIFO.

    - a regular file (new or existing): a temporary file beside it, fsynced, then renamed over it;
      an existing file keeps its permissions. A file without write permission is refused, not
      replaced: whoever made it read-only meant it to stay.
    - a symbolic link to a regular file: the file it points to is replaced atomically (the link stays).
    - a character device (``/dev/null``, a terminal) or a FIFO: opened for writing and written
      through, never renamed over; a FIFO waits for its reader, as for any program writing to one.
    - anything else that exists (a directory, a block device, a socket): refused.
    - ``-`` with `dash_is_stdout`: standard output, binary-safe.

    Args:
        path: the file to write.
        data: the whole content.
        what: what the file is, for the message ("report" gives "cannot write report X: …").
        dash_is_stdout: ``-`` means standard output (else it is a file named ``-``).

    Raises:
        InputError: `path` cannot be written (a directory, a special file, read-only, its directory
            missing or read-only, the disk full); one line naming the file. Nothing is left behind,
            and a file that was there is intact.
    """
    name = f"{what} {path}" if what else str(path)
    if dash_is_stdout and path == STDOUT:
        _write_stdout(data, what or "output")
        return
    found = _examine(path, name)
    if found is not None and not stat.S_ISREG(found.st_mode):
        _write_through(path, data, name)  # a character device or a FIFO: `_examine` refused the rest
        return
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    _replace(target, data, name, NEW_FILE_MODE if found is None else found.st_mode & 0o777)


def check_writable(path: Path, what: str = "") -> None:
    """Refuse now what `write_atomically` would refuse about `path` itself, before anything is written.

    For a writer of several files (an export) that must not replace one and then fail on the next.

    Raises:
        InputError: as `write_atomically` for a directory, a special file or a read-only file.
    """
    _examine(path, f"{what} {path}" if what else str(path))


def _examine(path: Path, name: str) -> os.stat_result | None:
    """What is at `path` (following links), when it can be written: None, a regular file, a character device or a FIFO.

    Raises:
        InputError: anything else is there, a read-only file, or the path cannot be looked at.
    """
    try:
        found = os.stat(path)  # follows symbolic links: what a write would reach
    except FileNotFoundError:
        return None  # a new file (or a link to a file not there yet)
    except OSError as err:
        raise InputError(f"cannot write {name}: {err.strerror or err}") from None
    if stat.S_ISCHR(found.st_mode) or stat.S_ISFIFO(found.st_mode):
        return found
    if not stat.S_ISREG(found.st_mode):
        raise InputError(f"cannot write {name}: {_refusal(found.st_mode)}")
    # Root may write anything, but a file with no write permission at all was made read-only on purpose.
    if found.st_mode & 0o222 == 0 or not os.access(path, os.W_OK):
        raise InputError(f"cannot write {name}: the file is read-only; make it writable or choose another file")
    return found


def _refusal(mode: int) -> str:
    """Why a path that exists and is not a regular file, a character device or a FIFO is refused."""
    if stat.S_ISDIR(mode):
        return "it is a directory"
    kind = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "a special file"
    return f"it is {kind}, not a regular file; choose a file"


def _replace(target: Path, data: bytes, name: str, mode: int) -> None:
    """Write `data` to a temporary file beside `target`, fsync it, rename it over `target`, fsync the directory."""
    parent = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as err:
        if err.errno in _READ_ONLY_PLACE:
            raise InputError(
                f"cannot write {name}: the directory {parent} is read-only; choose another directory"
            ) from None
        raise InputError(f"cannot write {name}: {err.strerror or err}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        _still_replaceable(target, name)
        os.replace(tmp, target)
    except PermissionError:
        # Windows refuses to replace a file that another program holds open (a PDF viewer) or that
        # is read-only; the old file is left as it was.
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {name}: the file is open in another program (a PDF viewer?) or read-only; "
                         "close it there or choose another file name (the old file is unchanged)") from None
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {name}: {err.strerror or err}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_directory(parent)


def _still_replaceable(target: Path, name: str) -> None:
    """Refuse when something other than a regular file took `target`'s place while the data was written.

    Raises:
        InputError: `target` is now a directory, a device, a FIFO, a socket or a link.
    """
    try:
        now = os.lstat(target)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(now.st_mode):
        raise InputError(f"cannot write {name}: it was replaced by something that is not a regular file while "
                         "the data was written; nothing was written")


def _sync_directory(directory: Path) -> None:
    """Make the rename durable: fsync the directory (where the platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename itself is done
    finally:
        os.close(fd)


def _write_through(path: Path, data: bytes, name: str) -> None:
    """Write `data` into an existing character device or FIFO (no temporary file, no rename).

    Raises:
        InputError: it cannot be opened or written (no reader left, no space, no permission).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    except OSError as err:
        raise InputError(f"cannot write {name}: {err.strerror or err}") from None
    try:
        _write_all(fd, data)
    except BrokenPipeError:
        raise InputError(f"cannot write {name}: the program reading it stopped before the end") from None
    except OSError as err:
        raise InputError(f"cannot write {name}: {err.strerror or err}") from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` to `fd`: a pipe or a device may take less than asked at each write.

    Raises:
        OSError: the write failed (BrokenPipeError: the reader went away).
    """
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_stdout(data: bytes, what: str) -> None:
    """Write `data` to standard output, binary-safe, after any text already printed there.

    Raises:
        InputError: standard output is closed or the program reading it stopped before the end.
    """
    try:
        sys.stdout.flush()
        fd = sys.stdout.fileno()
        _write_all(fd, data)
    except BrokenPipeError:
        # The reader went away: point fd 1 at /dev/null so that Python's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        raise InputError(
            f"cannot write the {what} to standard output: the program reading it stopped before the end"
        ) from None
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else "it is closed"
        raise InputError(f"cannot write the {what} to standard output: {reason}") from None
