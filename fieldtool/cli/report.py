"""Provides the ``report`` commands: the PDF report of one lot, its sampling form, or the summary of a programme.

reportlab and the report's data are imported when a report is written, never by the other commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fieldtool.cli.common import existing_db, iso_day, output_path, reading_services, warn
from fieldtool.cli.parser import OneLineParser, add_city_product_options, add_db_option
from fieldtool.errors import InputError

COMMANDS = ("report",)
"""The command this module adds."""


def add_commands(subparsers: Any) -> None:
    """Add ``report lot``, ``report sampling-form`` and ``report programme`` to the main parser's sub-parsers."""
    report = subparsers.add_parser("report", help="PDF reports: one lot, or the programme summary")
    report_sub = report.add_subparsers(dest="report_command", metavar="KIND", parser_class=OneLineParser, required=True)
    r_lot = report_sub.add_parser("lot", help="the lot report of one inspection (定量包装商品净含量计量检验报告)")
    r_lot.add_argument("inspection_id", metavar="INSPECTION_ID")
    r_lot.add_argument("--draft", action="store_true", help="report an unfinished inspection, marked DRAFT on every page")
    r_form = report_sub.add_parser("sampling-form",
                                   help="the sampling form (抽样单) of one inspection, to sign on site; needs no weighing")
    r_form.add_argument("inspection_id", metavar="INSPECTION_ID")
    r_prog = report_sub.add_parser("programme", help="the summary of a programme across cities and products")
    r_prog.add_argument("--programme", default="cn-2012-net-content", help="programme id (default cn-2012-net-content)")
    add_city_product_options(r_prog)
    r_prog.add_argument("--from", dest="since", metavar="DATE", help="inspections opened on or after DATE (YYYY-MM-DD)")
    r_prog.add_argument("--to", dest="until", metavar="DATE", help="inspections opened on or before DATE (YYYY-MM-DD)")
    r_prog.add_argument("--date", metavar="DATE",
                        help="the summary's date (YYYY-MM-DD), in its number and 编制日期; default: the day the latest "
                             "counted inspection was finalised (UTC+8), so the same data give the same file")
    for p in (r_lot, r_form, r_prog):
        p.add_argument("-o", "--output", type=output_path, required=True, metavar="PDF",
                       help="the PDF file to write ('-': standard output)")
        p.add_argument("--lang", choices=["zh", "en", "both"], default="both", help="language (default both: Chinese, English beneath)")
        p.add_argument("--font", type=Path, metavar="PATH", help="a TrueType CJK font to embed instead of the one fieldtool carries")
        p.add_argument("--institute", type=Path, metavar="FILE",
                       help="the issuing body (name, address, CMA certificate, statements) as TOML; default: "
                            "institute.toml in the config directory (`fieldtool locate`), if there is one")
        add_db_option(p, "database file (a laptop's or the hub's)")
        p.add_argument("--trust", type=Path, metavar="KEYFILE",
                       help="the public key of the device whose records these are (64 hex digits or PEM), from the "
                            "hub's register: without it only this laptop's own key or a hub's register is trusted")


def run(args: argparse.Namespace) -> int | None:
    """Run ``report lot``, ``report sampling-form`` or ``report programme``; None when `args` is another command's.

    The database is opened only for reading. With ``-o -`` the PDF goes to standard output and the
    line saying what was written to standard error.

    Raises:
        FieldtoolError: no database or not a fieldtool one, an unknown inspection or programme, a bad
            date, an unreadable ``--trust`` key file, a database that fails verification or that no
            trusted key signs, an output that cannot be written (one line, by the caller).
    """
    if args.command != "report":
        return None
    from fieldtool.infra.files import STDOUT
    from fieldtool.infra.institute import find_institute
    from fieldtool.reports.fonts import find_cjk_font

    to_stdout = args.output == STDOUT
    if to_stdout and sys.stdout.isatty():
        raise InputError("-o -: standard output is a terminal; send it to a file or a program (-o - > report.pdf)")
    db = existing_db(args)
    font = find_cjk_font(args.font, notify=warn)
    # Without one the report says so on its first page (no warning line: stderr stays for errors).
    institute = find_institute(args.institute)
    said = sys.stderr if to_stdout else sys.stdout
    where = "standard output" if to_stdout else args.output
    from fieldtool.sync.trust import Trust

    trust = Trust.here(args.trust)
    with reading_services(db) as services:
        if args.report_command == "lot":
            from fieldtool.reports.lot import render_lot_report
            from fieldtool.usecases.lot_report import lot_report_data

            data = lot_report_data(services, args.inspection_id, allow_draft=args.draft, trust=trust,
                                   institute=institute)
            pages = render_lot_report(data, args.output, lang=args.lang, font=font, draft=args.draft)
            print(f"{where}: lot report {data.report_number}, {pages} pages", file=said)
            return 0
        if args.report_command == "sampling-form":
            from fieldtool.reports.sampling_form import render_sampling_form
            from fieldtool.usecases.sampling_form import sampling_form_sheet

            sheet = sampling_form_sheet(services, args.inspection_id, trust=trust, institute=institute)
            pages = render_sampling_form(sheet, args.output, lang=args.lang, font=font)
            print(f"{where}: sampling form {sheet.stored.form.form_no}, {pages} pages", file=said)
            return 0
        from fieldtool.reports.summary import render_programme_summary
        from fieldtool.usecases.summary import programme_summary_data

        summary = programme_summary_data(
            services, args.programme, cities=args.city, products=args.product,
            since=iso_day(args.since, "--from"), until=iso_day(args.until, "--to"), trust=trust,
            on=iso_day(args.date, "--date"), institute=institute,
        )
        pages = render_programme_summary(summary, args.output, lang=args.lang, font=font)
        print(f"{where}: programme summary of {args.programme}, {pages} pages", file=said)
        return 0
