"""Provides the argument parsing every command group shares: `OneLineParser`, the command parser, common options."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from fieldtool.core.quantity import parse_decimal
from fieldtool.errors import InputError

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


def whole_number(text: str) -> int:
    """An argparse type: a count written as digits only (`parse_decimal`'s grammar, no sign, no point).

    Raises:
        argparse.ArgumentTypeError: anything else (``5_00``, ``1e3``, ``-1``, ``2.0``), in one line.
    """
    value = _decimal_option(text)
    if value.as_tuple().exponent != 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(value)


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 to 65535 (0: any free port).

    Raises:
        argparse.ArgumentTypeError: not a whole number in that range.
    """
    port = whole_number(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def seconds(text: str) -> float:
    """An argparse type: a time in seconds above zero, written as a plain decimal (``0.5``, ``60``).

    Raises:
        argparse.ArgumentTypeError: not a plain decimal, or not above zero.
    """
    value = _decimal_option(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time above zero")
    return float(value)


def pause(text: str) -> float:
    """An argparse type: a time in seconds, zero or more, written as a plain decimal.

    Raises:
        argparse.ArgumentTypeError: not a plain decimal of zero or more.
    """
    return float(_decimal_option(text))


def _decimal_option(text: str) -> Decimal:
    """An option's value by `parse_decimal`, without a sign; its error as argparse shows it (one line)."""
    try:
        return parse_decimal(text, _VALUE, signed=False)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{_VALUE}: ")) from None


_VALUE = "value"


def add_db_option(parser: argparse.ArgumentParser, help_text: str, *, required: bool = False,
                  metavar: str | None = None) -> None:
    """Add a command's ``--db FILE`` (read back by `fieldtool.cli.common.db_path`).

    Args:
        parser: the command's parser.
        help_text: what ``--help`` says of it.
        required: whether the command has no default database (the hub's commands).
        metavar: the name ``--help`` gives the file (default ``PATH``; argparse would say ``SUB_DB``).
    """
    parser.add_argument("--db", type=Path, dest="sub_db", required=required, metavar=metavar or "PATH", help=help_text)


def add_city_product_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--city`` and ``--product`` (each repeatable), the filters of the commands that read many lots."""
    parser.add_argument("--city", action="append", metavar="CITY", help="only this city (repeat for more)")
    parser.add_argument("--product", action="append", metavar="PRODUCT", help="only this product (repeat for more)")
