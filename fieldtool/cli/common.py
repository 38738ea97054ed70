"""Provides what the commands share when they run: the database, the store under the use-cases, errors as one line.

Heavy modules (sqlite-utils, the use-cases) are imported inside the functions that need them, so
that importing this module keeps `fieldtool check` light.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldtool.cli.parser import PROG, command_parser
from fieldtool.errors import FieldtoolError, InputError

if TYPE_CHECKING:
    from fieldtool.sync.keys import SigningKey
    from fieldtool.usecases.inspection import Services

NO_DATABASE = "no database at {db}; give --db PATH (see 'fieldtool locate')"
"""What a read-only command says when its database is not there (``{db}``: the path)."""


def db_path(args: argparse.Namespace, default: Callable[[], Path] | None = None) -> Path:
    """The database a command works on: its ``--db``, the top-level ``--db``, or the default.

    Args:
        args: the parsed command line (``sub_db`` from `fieldtool.cli.parser.add_db_option`).
        default: where the database is when no ``--db`` names it (default: `fieldtool.infra.paths.default_db`).
    """
    chosen = getattr(args, "sub_db", None) or getattr(args, "db", None)
    if chosen:
        return Path(chosen)
    if default is not None:
        return default()
    from fieldtool.infra import paths

    return paths.default_db()


def existing_db(args: argparse.Namespace, missing: str = NO_DATABASE) -> Path:
    """The database a command works on that must not create one: it must exist, as a file.

    Args:
        args: the parsed command line.
        missing: the message when there is no database, with ``{db}`` for its path.

    Raises:
        InputError: no database at that path, or a directory or another non-regular file there.
    """
    db = db_path(args)
    if not db.exists():
        raise InputError(missing.format(db=db))
    if db.is_dir():
        raise InputError(f"{db} is a directory, not a fieldtool database")
    if not db.is_file():
        raise InputError(f"{db} is not a fieldtool database: it is not a regular file")
    return db


@contextmanager
def services_at(db: Path) -> Iterator[Services]:
    """The use-cases over the store at `db` (created and migrated if needed), closed on leaving the ``with`` block."""
    from fieldtool.storage import SqliteStore
    from fieldtool.usecases.inspection import Services

    with SqliteStore.open(db) as store:
        yield Services(store)


@contextmanager
def reading_services(db: Path) -> Iterator[Services]:
    """The use-cases over the existing database at `db`, opened only for reading (`SqliteStore.open_read_only`).

    For the commands that only read (reports, export): nothing in the file or beside it changes, and
    a file that is not a fieldtool database is refused untouched.

    Raises:
        StoreError: not a fieldtool database, or of another schema version (one line naming the file).
    """
    from fieldtool.storage import SqliteStore
    from fieldtool.usecases.inspection import Services

    with SqliteStore.open_read_only(db) as store:
        yield Services(store)


def output_path(text: str) -> Path:
    """The ``-o`` option's path: `fieldtool.infra.files.STDOUT` for ``-`` exactly, else the file.

    A file named ``-`` in the current directory is given as ``./-`` (kept distinct: pathlib would
    shorten it to ``-``).
    """
    from fieldtool.infra.files import STDOUT

    if text == "-":
        return STDOUT
    path = Path(text)
    return Path.cwd() / path if path == STDOUT else path


def device_key() -> SigningKey:
    """This user's device key, created on first use in the user data directory."""
    from fieldtool.infra import keys

    return keys.device_key()


def iso_day(text: str | None, option: str) -> date | None:
    """The date an option gives as YYYY-MM-DD; None when it is not given.

    Raises:
        InputError: not a date, named by its `option`.
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: type a date as YYYY-MM-DD; got {text!r}") from None


def by_command(args: argparse.Namespace, handlers: Mapping[str, Callable[[argparse.Namespace], int]]) -> int | None:
    """Run the handler of ``args.command``; None when the command is not one of `handlers` (another group's).

    Raises:
        FieldtoolError: as the handler raises it (the caller prints it as one line).
    """
    handler = handlers.get(args.command)
    return None if handler is None else handler(args)


def print_json(data: Any) -> None:
    """Print `data` as indented JSON, non-ASCII text as it is."""
    print(json.dumps(data, ensure_ascii=False, indent=2))


def warn(message: str) -> None:
    """Print one line on stderr, after the program's name."""
    print(f"{PROG}: {message}", file=sys.stderr)


def one_line_errors(command: Callable[[], int]) -> int:
    """Run a command; a user's mistake or a refused operation ends as one line on stderr, never a traceback.

    Returns:
        The command's exit status; a `FieldtoolError`'s exit code; 0 when the reader of stdout went away
        (a closed pipe); 130 on Ctrl-C.
    """
    try:
        return command()
    except FieldtoolError as exc:
        warn(str(exc))
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def run_alone(add_commands: Callable[[Any], None], run: Callable[[argparse.Namespace], int | None],
              argv: Sequence[str] | None, description: str | None = None) -> int:
    """Run one command group on its own (``python -m fieldtool.cli.sync ...``), as ``fieldtool`` would run it.

    Args:
        add_commands: the group's ``add_commands``.
        run: the group's ``run``.
        argv: the words after the program's name (default: the process's arguments).
        description: what ``--help`` says above the commands.

    Returns:
        The exit status, as `one_line_errors` gives it.
    """
    parser, commands = command_parser(description)
    add_commands(commands)
    args = parser.parse_args(argv)

    def command() -> int:
        status = run(args)
        return 2 if status is None else status  # not reached: the parser admits only the group's commands

    return one_line_errors(command)
