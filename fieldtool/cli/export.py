"""Provides the ``export`` command: lots and measurements as CSV or JSON files, for spreadsheets and scripts."""

from __future__ import annotations

import argparse
from typing import Any

from fieldtool.cli.common import existing_db, output_path, reading_services
from fieldtool.cli.parser import add_city_product_options, add_db_option
from fieldtool.errors import InputError

COMMANDS = ("export",)
"""The command this module adds."""


def add_commands(subparsers: Any) -> None:
    """Add ``export`` to the main parser's sub-parsers."""
    export = subparsers.add_parser("export", help="lots and measurements as CSV or JSON, for spreadsheets and scripts")
    export.add_argument("--format", choices=["csv", "json"], required=True)
    export.add_argument("-o", "--output", type=output_path, required=True, metavar="DIR",
                        help="directory to write lots and measurements into")
    export.add_argument("--programme", help="only this programme")
    add_city_product_options(export)
    add_db_option(export, "database file")


def run(args: argparse.Namespace) -> int | None:
    """Run ``export``, printing each file written; None when `args` is another command's.

    The database is opened only for reading.

    Raises:
        FieldtoolError: no database or not a fieldtool one, ``-o -``, or an output directory that cannot
            be written (one line, by the caller).
    """
    if args.command != "export":
        return None
    from fieldtool.infra.files import STDOUT
    from fieldtool.usecases.export import export

    if args.output == STDOUT:
        raise InputError("-o -: export writes two files (lots and measurements) into a directory, "
                         "not to standard output; give a directory")
    db = existing_db(args)
    with reading_services(db) as services:
        written = export(services, args.format, args.output, programme_id=args.programme,
                         cities=args.city, products=args.product)
    for path in written:
        print(path)
    return 0
