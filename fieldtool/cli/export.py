"""Provides the ``export`` command: lots and measurements as CSV or JSON files, for spreadsheets and scripts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldtool.cli.common import existing_db, services_at
from fieldtool.cli.parser import add_city_product_options, add_db_option

COMMANDS = ("export",)
"""The command this module adds."""


def add_commands(subparsers: Any) -> None:
    """Add ``export`` to the main parser's sub-parsers."""
    export = subparsers.add_parser("export", help="lots and measurements as CSV or JSON, for spreadsheets and scripts")
    export.add_argument("--format", choices=["csv", "json"], required=True)
    export.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="directory to write into")
    export.add_argument("--programme", help="only this programme")
    add_city_product_options(export)
    add_db_option(export, "database file")


def run(args: argparse.Namespace) -> int | None:
    """Run ``export``, printing each file written; None when `args` is another command's.

    Raises:
        FieldtoolError: no database, or an output directory that cannot be written (one line, by the caller).
    """
    if args.command != "export":
        return None
    from fieldtool.usecases.export import export

    db = existing_db(args)
    with services_at(db) as services:
        written = export(services, args.format, args.output, programme_id=args.programme,
                         cities=args.city, products=args.product)
    for path in written:
        print(path)
    return 0
