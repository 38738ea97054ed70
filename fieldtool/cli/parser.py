"""Provides the argument parsing every command group shares: `OneLineParser`, the command parser, common options."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

PROG = "fieldtool"
"""The program's name, as its usage lines and one-line errors show it."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def command_parser(description: str | None = None, *, required: bool = True) -> tuple[OneLineParser, Any]:
    """The ``fieldtool`` parser and its ``COMMAND`` sub-parsers, for the whole command line or one group alone.

    Args:
        description: what ``--help`` says above the commands.
        required: whether a command must be given (the whole command line has a default: the TUI).

    Returns:
        The parser and what its ``add_subparsers`` returned (a `OneLineParser` for every command).
    """
    parser = OneLineParser(prog=PROG, description=description)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser, required=required)
    return parser, commands


def add_db_option(parser: argparse.ArgumentParser, help_text: str, *, required: bool = False,
                  metavar: str | None = None) -> None:
    """Add a command's ``--db FILE`` (read back by `fieldtool.cli.common.db_path`).

    Args:
        parser: the command's parser.
        help_text: what ``--help`` says of it.
        required: whether the command has no default database (the hub's commands).
        metavar: the name ``--help`` gives the file (default ``SUB_DB``, as argparse names it).
    """
    parser.add_argument("--db", type=Path, dest="sub_db", required=required, metavar=metavar, help=help_text)


def add_city_product_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--city`` and ``--product`` (each repeatable), the filters of the commands that read many lots."""
    parser.add_argument("--city", action="append", metavar="CITY", help="only this city (repeat for more)")
    parser.add_argument("--product", action="append", metavar="PRODUCT", help="only this product (repeat for more)")
