"""Provides the `fieldtool` command line: the top-level parser and the dispatch to each command group.

Every user mistake ends as one line on stderr and exit status 2, never a traceback. Each group
(`fieldtool.cli.launch`, `check`, `plans`, `report`, `export`, `sync`, `balance`, `locate`) adds its
commands to the parser and runs them; heavy modules (textual, reportlab, sqlite-utils) are imported
only by the commands that need them, so that `fieldtool check` starts fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from fieldtool import __version__
from fieldtool.cli import balance, check, export, launch, locate, plans, report, sync
from fieldtool.cli.common import one_line_errors
from fieldtool.cli.parser import PROG, command_parser
from fieldtool.infra.textio import readable_output


class CommandGroup(Protocol):
    """A module of the command line that adds some commands and runs them."""

    def add_commands(self, subparsers: Any) -> None:
        """Add the group's commands to the main parser's sub-parsers."""

    def run(self, args: argparse.Namespace) -> int | None:
        """Run the command of `args`; None when it is another group's."""


GROUPS: tuple[CommandGroup, ...] = (launch, check, plans, report, export, sync, balance, locate)
"""The command groups, in the order ``fieldtool --help`` lists their commands."""


def _parser() -> argparse.ArgumentParser:
    parser, sub = command_parser("Offline net-content inspections of prepackaged goods.", required=False)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--db", type=Path, help="database file (default: in the user data directory; see 'fieldtool locate')")
    parser.add_argument("--lang", choices=["en", "zh"], help="language of the TUI (default: from the system locale)")
    parser.add_argument("--inspection", metavar="ID", help="open this inspection in the TUI at once (resume it)")
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Text goes out in the console's (or the redirection's) own encoding, with readable stand-ins for
    the symbols it lacks (`fieldtool.infra.textio`): never a traceback for a code page.
    """
    readable_output()
    args = _parser().parse_args(argv)
    return one_line_errors(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    for group in GROUPS:
        status = group.run(args)
        if status is not None:
            return status
    return launch.tui(args)  # no command, or ``tui``: the TUI is the default command
