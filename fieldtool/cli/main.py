"""Provides the `fieldtool` command line: a thin layer over the use-cases.

Every user mistake ends as one line on stderr and exit status 2, never a traceback. Heavy
modules (textual, reportlab, sqlite-utils) are imported only by the commands that need them, so
that `fieldtool check` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fieldtool import __version__
from fieldtool.cli.parser import OneLineParser
from fieldtool.errors import FieldtoolError, InputError, StoreError

if TYPE_CHECKING:
    from fieldtool.usecases.inspection import Services

PROG = "fieldtool"


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, description="Offline net-content inspections of prepackaged goods.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--db", type=Path, help="database file (default: in the user data directory; see 'fieldtool locate')")
    parser.add_argument("--lang", choices=["en", "zh"], help="language of the TUI (default: from the system locale)")
    parser.add_argument("--inspection", metavar="ID", help="open this inspection in the TUI at once (resume it)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)

    tui = sub.add_parser("tui", help="open the inspector's terminal UI (the default command)")
    tui.add_argument("--db", type=Path, dest="sub_db", help="database file")
    tui.add_argument("--lang", choices=["en", "zh"], dest="sub_lang", help="language")

    demo = sub.add_parser("demo", help="create a demo database: the 2012 programme with finished inspections")
    demo.add_argument("--db", type=Path, dest="sub_db", help="database file to create (default: demo.db in the user data directory)")
    demo.add_argument("--seed", type=int, default=2012, help="seed of the simulated weights (default 2012)")
    demo.add_argument("--lots-per-cell", type=int, default=1, metavar="N",
                      help="finished lots per city and product, up to the programme's quota (default 1: quick to build)")
    demo.add_argument("--open", action="store_true", help="open the TUI on the demo database afterwards")
    demo.add_argument("--lang", choices=["en", "zh"], dest="sub_lang", help="language of the TUI with --open")
    demo.add_argument("--balance", action="store_true",
                      help="with --open: simulate the balance of an open lot on a loopback TCP port and open that lot (F9 reads it)")

    check = sub.add_parser("check", help="judge a lot from its net quantities", description=(
        "Judge a lot from its net quantities. FILE has one net quantity a line in --unit "
        "(blank lines and # comments skipped) or is a CSV with a 'net' column; '-' or no FILE reads stdin. "
        "Exit status: 0 pass, 1 fail, 3 second sample needed, 2 bad input."
    ))
    check.add_argument("--plan", help="rule set id (see 'fieldtool plans list')")
    check.add_argument("--variant", default="standard", help="sampling plan of the rule set (default: standard)")
    check.add_argument("--nominal", help="nominal quantity Qn, in --unit")
    check.add_argument("--unit", help="unit of Qn and of every value: g, kg, mL, L, m, cm, m2, count")
    check.add_argument("--lot-size", type=int, help="number of packages in the lot (N)")
    check.add_argument("--batch", metavar="LOTS.jsonl", help="judge many lots: one JSON object a line ('-' for stdin)")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.add_argument("file", nargs="?", metavar="FILE", help="net quantities ('-' for stdin)")

    _list_and_show(sub, "plans", "list or show rule sets", "list the rule sets", "print a rule set's tables")
    g_show = _list_and_show(sub, "programme", "list or show inspection programmes", "list the programmes",
                            "print a programme: cities, products, quotas")
    g_show.add_argument("--lang", choices=["en", "zh"], default="en")

    report = sub.add_parser("report", help="PDF reports: one lot, or the programme summary")
    report_sub = report.add_subparsers(dest="report_command", metavar="KIND", parser_class=OneLineParser, required=True)
    r_lot = report_sub.add_parser("lot", help="the lot report of one inspection (定量包装商品净含量计量检验报告)")
    r_lot.add_argument("inspection_id", metavar="INSPECTION_ID")
    r_lot.add_argument("--draft", action="store_true", help="report an unfinished inspection, marked DRAFT on every page")
    r_prog = report_sub.add_parser("programme", help="the summary of a programme across cities and products")
    r_prog.add_argument("--programme", default="cn-2012-net-content", help="programme id (default cn-2012-net-content)")
    r_prog.add_argument("--city", action="append", metavar="CITY", help="only this city (repeat for more)")
    r_prog.add_argument("--product", action="append", metavar="PRODUCT", help="only this product (repeat for more)")
    r_prog.add_argument("--from", dest="since", metavar="DATE", help="inspections opened on or after DATE (YYYY-MM-DD)")
    r_prog.add_argument("--to", dest="until", metavar="DATE", help="inspections opened on or before DATE (YYYY-MM-DD)")
    for p in (r_lot, r_prog):
        p.add_argument("-o", "--output", type=Path, required=True, metavar="PDF", help="the PDF file to write")
        p.add_argument("--lang", choices=["zh", "en", "both"], default="both", help="language (default both: Chinese, English beneath)")
        p.add_argument("--font", type=Path, metavar="PATH", help="a TrueType CJK font to embed (default: found on the system)")
        p.add_argument("--db", type=Path, dest="sub_db", help="database file (a laptop's or the hub's)")

    export = sub.add_parser("export", help="lots and measurements as CSV or JSON, for spreadsheets and scripts")
    export.add_argument("--format", choices=["csv", "json"], required=True)
    export.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="directory to write into")
    export.add_argument("--programme", help="only this programme")
    export.add_argument("--city", action="append", metavar="CITY", help="only this city (repeat for more)")
    export.add_argument("--product", action="append", metavar="PRODUCT", help="only this product (repeat for more)")
    export.add_argument("--db", type=Path, dest="sub_db", help="database file")

    from fieldtool.cli import balance as cli_balance
    from fieldtool.cli import sync as cli_sync

    cli_sync.add_commands(sub)
    cli_balance.add_commands(sub)

    locate = sub.add_parser("locate", help="print where the database, config and rule files are")
    locate.add_argument("--db", type=Path, dest="sub_db", help="database file (default: in the user data directory)")
    locate.add_argument("--json", action="store_true")
    return parser


def _list_and_show(sub: Any, command: str, help_text: str, list_help: str, show_help: str) -> argparse.ArgumentParser:
    """Add ``COMMAND list [--json]`` and ``COMMAND show ID [--json]``; returns the ``show`` parser."""
    group = sub.add_parser(command, help=help_text)
    actions = group.add_subparsers(dest=f"{command}_command", metavar="ACTION", parser_class=OneLineParser, required=True)
    listing = actions.add_parser("list", help=list_help)
    listing.add_argument("--json", action="store_true")
    show: argparse.ArgumentParser = actions.add_parser("show", help=show_help)
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args, parser)
        if args.command == "plans":
            return _plans(args)
        if args.command == "programme":
            return _programme(args)
        if args.command == "locate":
            return _locate(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "report":
            return _report(args)
        if args.command == "export":
            return _export(args)
        from fieldtool.cli import balance as cli_balance
        from fieldtool.cli import sync as cli_sync

        for status in (cli_sync.run(args), cli_balance.run(args) if args.command == "balance" else None):
            if status is not None:
                return int(status)
        return _tui(args)
    except FieldtoolError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def _open_input(name: str) -> tuple[TextIO, str]:
    if name == "-":
        return sys.stdin, "stdin"
    try:
        return open(name, encoding="utf-8-sig"), name
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from None


def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from fieldtool.usecases.check import EXIT_CODES, batch_lines, check_lot, evaluation_as_dict, read_nets

    if args.batch:
        if any(v is not None for v in (args.plan, args.nominal, args.unit, args.lot_size, args.file)):
            raise InputError("check --batch takes the lots from the file; leave out --plan, --nominal, --unit, --lot-size and FILE")
        stream, name = _open_input(args.batch)
        worst = 0
        with stream if stream is not sys.stdin else contextlib.nullcontext(stream):
            for number, result in batch_lines(stream, name):
                if isinstance(result, str):
                    code = 2
                    print(json.dumps({"line": number, "error": result}, ensure_ascii=False) if args.json else f"{name} line {number}: error: {result}")
                else:
                    code = EXIT_CODES[result["verdict"]]
                    print(json.dumps({"line": number, **result}, ensure_ascii=False) if args.json else _batch_summary(number, result))
                sys.stdout.flush()
                worst = max(worst, code, key=_severity)
        return worst
    missing = [opt for opt, v in (("--plan", args.plan), ("--nominal", args.nominal), ("--unit", args.unit), ("--lot-size", args.lot_size)) if v is None]
    if missing:
        raise InputError(f"check needs {', '.join(missing)} (or --batch FILE)")
    stream, name = _open_input(args.file or "-")
    if stream is sys.stdin and sys.stdin.isatty():
        print("reading net quantities from the terminal; end with Ctrl-D", file=sys.stderr)
    try:
        nets = read_nets(stream, name)
    finally:
        if stream is not sys.stdin:
            stream.close()
    ev = check_lot(args.plan, args.nominal, args.unit, args.lot_size, nets, args.variant)
    result = evaluation_as_dict(ev)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        from fieldtool.cli.textout import format_evaluation

        print(format_evaluation(ev))
    return EXIT_CODES[result["verdict"]]


def _severity(code: int) -> int:
    """Order exit codes for a batch: bad input > fail > second sample > pass."""
    return {0: 0, 3: 1, 1: 2, 2: 3}[code]


def _batch_summary(number: int, r: dict[str, Any]) -> str:
    head = f"line {number}: {r['plan']} Qn {r['nominal']} {r['unit']}, N {r['lot_size']}, n {r['sample_size']}: {r['verdict'].upper()}"
    if r["reasons"]:
        head += " — " + "; ".join(reason["text"] for reason in r["reasons"])
    return head


def _plans(args: argparse.Namespace) -> int:
    from fieldtool.cli.textout import format_rule_set, rule_set_as_dict
    from fieldtool.plans.rules import all_rule_sets, load_rule_set

    if args.plans_command == "list":
        rule_sets = all_rule_sets()
        if args.json:
            print(json.dumps([{"id": r.id, "name": r.name, "name_zh": r.name_zh, "jurisdiction": r.jurisdiction, "path": r.path} for r in rule_sets], ensure_ascii=False, indent=2))
        else:
            width = max(len(r.id) for r in rule_sets)
            for r in rule_sets:
                print(f"{r.id:<{width}}  {r.jurisdiction:<5} {r.name}")
        return 0
    rules = load_rule_set(args.id)
    print(json.dumps(rule_set_as_dict(rules), ensure_ascii=False, indent=2) if args.json else format_rule_set(rules))
    return 0


def _programme(args: argparse.Namespace) -> int:
    from fieldtool.cli.textout import format_programme, programme_as_dict
    from fieldtool.plans.programme import all_programmes, load_programme

    if args.programme_command == "list":
        programmes = all_programmes()
        if args.json:
            print(json.dumps([{"id": p.id, "name": p.name, "name_zh": p.name_zh, "rule_set": p.rule_set} for p in programmes], ensure_ascii=False, indent=2))
        else:
            for p in programmes:
                print(f"{p.id}  {p.name}  ({p.rule_set})")
        return 0
    programme = load_programme(args.id)
    if args.json:
        print(json.dumps(programme_as_dict(programme), ensure_ascii=False, indent=2))
    else:
        print(format_programme(programme, lang=args.lang))
    return 0


def _db_path(args: argparse.Namespace) -> Path:
    from fieldtool.infra import paths

    chosen = getattr(args, "sub_db", None) or args.db
    return Path(chosen) if chosen else paths.default_db()


def _tui(args: argparse.Namespace) -> int:
    from fieldtool.infra import paths
    from fieldtool.infra.config import load_settings
    from fieldtool.tui.i18n import system_lang
    from fieldtool.tui.runner import ServiceRunner

    db = _db_path(args)
    lang = getattr(args, "sub_lang", None) or args.lang
    balance = getattr(args, "balance_connection", None)
    protocol = getattr(args, "balance_protocol", None) or "auto"
    overrides = {"db_path": str(db), "balance_connection": balance, "balance_protocol": protocol if balance else None}
    settings = load_settings(paths.config_file(), lang=lang, **overrides)
    if lang is None and not paths.config_file().is_file():
        settings = load_settings(paths.config_file(), lang=system_lang(), **overrides)
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise InputError("the TUI needs a terminal; for scripts use 'fieldtool check' (see fieldtool --help)")
    def open_services() -> Services:  # runs on the store thread, while the UI starts
        from fieldtool.storage import SqliteStore
        from fieldtool.sync import keys
        from fieldtool.usecases.inspection import Services

        key = keys.load_or_create(paths.data_dir() / keys.KEY_FILE)
        return Services(SqliteStore.open(db), signer=key)

    runner = ServiceRunner(open_services)
    try:
        from fieldtool.tui.app import FieldtoolApp

        problem = FieldtoolApp(runner, settings, inspection_id=args.inspection).run()
    finally:
        runner.close()
    if problem:
        raise StoreError(problem)
    return 0


def _existing_db(args: argparse.Namespace) -> Path:
    """The database a read-only command works on; it must exist (opening would create an empty one)."""
    db = _db_path(args)
    if not db.is_file():
        raise InputError(f"no database at {db}; give --db PATH (see 'fieldtool locate')")
    return db


def _report(args: argparse.Namespace) -> int:
    from fieldtool.reports.fonts import find_cjk_font
    from fieldtool.storage import SqliteStore
    from fieldtool.usecases.inspection import Services

    db = _existing_db(args)
    font = find_cjk_font(args.font, notify=lambda msg: print(f"{PROG}: {msg}", file=sys.stderr))
    with SqliteStore.open(db) as store:
        services = Services(store)
        if args.report_command == "lot":
            from fieldtool.reports.lot import render_lot_report
            from fieldtool.usecases.lot_report import lot_report_data

            data = lot_report_data(services, args.inspection_id, allow_draft=args.draft)
            pages = render_lot_report(data, args.output, lang=args.lang, font=font, draft=args.draft)
            print(f"{args.output}: lot report {data.report_number}, {pages} pages")
            return 0
        from fieldtool.reports.summary import render_programme_summary
        from fieldtool.usecases.summary import programme_summary_data

        summary = programme_summary_data(
            services, args.programme, cities=args.city, products=args.product,
            since=_day(args.since, "--from"), until=_day(args.until, "--to"),
        )
        pages = render_programme_summary(summary, args.output, lang=args.lang, font=font)
        print(f"{args.output}: programme summary of {args.programme}, {pages} pages")
        return 0


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: type a date as YYYY-MM-DD; got {text!r}") from None


def _export(args: argparse.Namespace) -> int:
    from fieldtool.storage import SqliteStore
    from fieldtool.usecases.export import export
    from fieldtool.usecases.inspection import Services

    db = _existing_db(args)
    with SqliteStore.open(db) as store:
        written = export(Services(store), args.format, args.output, programme_id=args.programme,
                         cities=args.city, products=args.product)
    for path in written:
        print(path)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from fieldtool.infra import paths
    from fieldtool.storage import SqliteStore
    from fieldtool.usecases.demo import DemoClock, build_demo
    from fieldtool.usecases.inspection import Services

    chosen = getattr(args, "sub_db", None) or args.db
    db = Path(chosen) if chosen else paths.data_dir() / "demo.db"
    if args.balance and not args.open:
        raise InputError("--balance simulates a balance for the TUI: give --open too")
    if args.open and db.is_file():
        with SqliteStore.open(db) as store:
            existing = len(store.inspections())
        if existing:
            print(f"demo database {db} is already there ({existing} inspections); opening it", file=sys.stderr)
            args.sub_db = db
            return _demo_tui(args, db)
    clock = DemoClock()
    show = sys.stderr.isatty()

    def progress(done: int, planned: int) -> None:
        if show:
            print(f"\rbuilding the demo: {done} of {planned} lots", end="", file=sys.stderr, flush=True)

    # The demo is throw-away data: built without an fsync per commit (the TUI then opens it durably).
    with SqliteStore.open(db, clock=clock, durable=False) as store:
        summary = build_demo(
            Services(store, clock=clock), seed=args.seed, lots_per_cell=args.lots_per_cell, clock=clock, progress=progress
        )
    if show:
        print(file=sys.stderr)
    print(f"demo database {db}: {summary}")
    if args.open:
        args.sub_db = db
        return _demo_tui(args, db)
    return 0


def _demo_tui(args: argparse.Namespace, db: Path) -> int:
    """Open the TUI on the demo; with --balance, on an open lot with its balance simulated on loopback TCP."""
    if not args.balance:
        return _tui(args)
    from fieldtool.balance.sim import Simulator
    from fieldtool.storage import SqliteStore
    from fieldtool.usecases.demo_balance import demo_balance
    from fieldtool.usecases.inspection import Services

    with SqliteStore.open(db) as store:
        simulated = demo_balance(Services(store), seed=args.seed)
    with Simulator(simulated.protocol, simulated.balance) as simulator:
        port = simulator.serve_tcp()
        print(f"simulated {simulated.balance.model} ({simulated.protocol}) on {port}: "
              f"{simulated.packages} packages to weigh; F9 reads the next one", file=sys.stderr)
        args.balance_connection = port
        args.balance_protocol = simulated.protocol
        args.inspection = simulated.inspection_id
        return _tui(args)


def _locate(args: argparse.Namespace) -> int:
    from fieldtool.infra import paths
    from fieldtool.plans.where import programmes_dirs, rules_dirs

    places = {
        "database": str(_db_path(args)),
        "config": str(paths.config_file()),
        "rules": [str(d) for d in rules_dirs()],
        "user_rules": str(paths.user_rules_dir()),
        "programmes": [str(d) for d in programmes_dirs()],
        "user_programmes": str(paths.user_programmes_dir()),
    }
    if args.json:
        print(json.dumps(places, indent=2))
        return 0
    for key, value in places.items():
        shown = "\n  ".join(value) if isinstance(value, list) else value
        print(f"{key}:\n  {shown}")
    return 0
