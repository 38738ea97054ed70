"""Provides atomic file writes: a reader never sees half a report or half an export."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fieldtool.errors import InputError


def write_atomically(path: Path, data: bytes, what: str = "") -> None:
    """Write `data` to a temporary file beside `path`, fsync it, then rename it over `path`.

    Args:
        path: the file to write (replaced if it exists).
        data: the whole content.
        what: what the file is, for the message ("report" gives "cannot write report X: …").

    Raises:
        InputError: `path` is a directory, or its directory cannot be written; nothing is left behind.
    """
    name = f"{what} {path}" if what else str(path)
    if path.is_dir():
        raise InputError(f"cannot write {name}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as err:
        raise InputError(f"cannot write {name}: {err.strerror or err}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {name}: {err.strerror or err}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
