"""Provides the ``tui`` and ``demo`` commands: the inspector's terminal UI, on a database or on a demo built for it.

textual and the store are imported when the UI opens, never by the other commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldtool.cli.common import db_path, services_at
from fieldtool.cli.parser import add_db_option, whole_number
from fieldtool.errors import InputError, StoreError

if TYPE_CHECKING:
    from fieldtool.usecases.inspection import Services

COMMANDS = ("tui", "demo")
"""The commands this module adds (``tui`` is also what runs when no command is given)."""


def add_commands(subparsers: Any) -> None:
    """Add ``tui`` and ``demo`` to the main parser's sub-parsers."""
    tui = subparsers.add_parser("tui", help="open the inspector's terminal UI (the default command)")
    add_db_option(tui, "database file")
    tui.add_argument("--lang", choices=["en", "zh"], dest="sub_lang", help="language")

    demo = subparsers.add_parser("demo", help="create a demo database: the 2012 programme with finished inspections")
    add_db_option(demo, "database file to create (default: demo.db in the user data directory)")
    demo.add_argument("--seed", type=whole_number, default=2012, help="seed of the simulated weights (default 2012)")
    demo.add_argument("--lots-per-cell", type=whole_number, default=1, metavar="N",
                      help="finished lots per city and product, up to the programme's quota (default 1: quick to build)")
    demo.add_argument("--cities", metavar="ID,ID",
                      help="only these city ids of the programme (default: all 30), for a smaller demo")
    demo.add_argument("--open", action="store_true", help="open the TUI on the demo database afterwards")
    demo.add_argument("--lang", choices=["en", "zh"], dest="sub_lang", help="language of the TUI with --open")
    demo.add_argument("--balance", action="store_true",
                      help="with --open: simulate the balance of an open lot on a loopback TCP port and open that lot (F9 reads it)")


def run(args: argparse.Namespace) -> int | None:
    """Run ``demo``; None when `args` is another command's (``tui`` and no command run `tui`).

    Raises:
        FieldtoolError: a bad option, or no terminal for the UI (the caller prints it as one line).
    """
    if args.command == "demo":
        return _demo(args)
    return None


def tui(args: argparse.Namespace) -> int:
    """Open the TUI on the chosen database, in the chosen language; returns 0 when it closes.

    Raises:
        InputError: stdin or stdout is not a terminal.
        StoreError: the UI ended on a problem with the store.
    """
    from fieldtool.infra import paths
    from fieldtool.infra.config import load_settings
    from fieldtool.tui.i18n import system_lang
    from fieldtool.tui.runner import ServiceRunner

    db = db_path(args)
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
        from fieldtool.sync.hub import open_signing
        from fieldtool.usecases.inspection import Services

        # A laptop's database signs with the device key; the hub's (a supervisor reviewing there) with the hub key.
        store, key = open_signing(db)
        return Services(store, signer=key)

    runner = ServiceRunner(open_services)
    try:
        from fieldtool.tui.app import FieldtoolApp

        problem = FieldtoolApp(runner, settings, inspection_id=args.inspection).run()
    finally:
        runner.close()
    if problem:
        raise StoreError(problem)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from fieldtool.infra import paths
    from fieldtool.storage import SqliteStore
    from fieldtool.usecases.demo import DemoClock, build_demo
    from fieldtool.usecases.inspection import Services

    db = db_path(args, default=lambda: paths.data_dir() / "demo.db")
    if args.balance and not args.open:
        raise InputError("--balance simulates a balance for the TUI: give --open too")
    if args.open and db.is_file():
        with SqliteStore.open(db) as store:
            existing = len(store.inspections())
        if existing:
            print(f"demo database {db} is already there ({existing} inspections); opening it", file=sys.stderr)
            args.sub_db = db
            return _open_demo(args, db)
    clock = DemoClock()
    show = sys.stderr.isatty()

    def progress(done: int, planned: int) -> None:
        if done == 0:
            # The path first (once the database is known to be empty): the build takes a while, and
            # the TUI then covers the terminal.
            print(f"building the demo database {db} …", file=sys.stderr, flush=True)
        elif show:
            print(f"\rbuilding the demo: {done} of {planned} lots", end="", file=sys.stderr, flush=True)

    # The demo is throw-away data: built without an fsync per commit (the TUI then opens it durably).
    with SqliteStore.open(db, clock=clock, durable=False) as store:
        summary = build_demo(
            Services(store, clock=clock), seed=args.seed, lots_per_cell=args.lots_per_cell, clock=clock,
            cities=[c.strip() for c in args.cities.split(",") if c.strip()] if args.cities else None, progress=progress,
        )
    if show:
        print(file=sys.stderr)
    print(f"demo database {db}: {summary}", flush=True)
    if args.open:
        args.sub_db = db
        return _open_demo(args, db)
    print(f"open it with: fieldtool --db {db}  (your own inspections stay in {paths.default_db()})")
    return 0


def _open_demo(args: argparse.Namespace, db: Path) -> int:
    """Open the TUI on the demo once the user has read where it is (Enter), and say it again when the TUI closes."""
    from fieldtool.infra import paths

    if sys.stdin.isatty() and sys.stdout.isatty():
        print(f"press Enter to open it in the TUI (Ctrl+C: not now; later: fieldtool --db {db})", file=sys.stderr, flush=True)
        try:
            input()
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            return 0
    status = _demo_tui(args, db)
    print(f"that was the demo database {db}; your own inspections are in {paths.default_db()} "
          f"(fieldtool locate lists both)", file=sys.stderr)
    return status


def _demo_tui(args: argparse.Namespace, db: Path) -> int:
    """Open the TUI on the demo; with --balance, on an open lot with its balance simulated on loopback TCP."""
    if not args.balance:
        return tui(args)
    from fieldtool.balance.sim import Simulator
    from fieldtool.usecases.demo_balance import demo_balance

    with services_at(db) as services:
        simulated = demo_balance(services, seed=args.seed)
    with Simulator(simulated.protocol, simulated.balance) as simulator:
        port = simulator.serve_tcp()
        print(f"simulated {simulated.balance.model} ({simulated.protocol}) on {port}: "
              f"{simulated.packages} packages to weigh; F9 reads the next one", file=sys.stderr)
        args.balance_connection = port
        args.balance_protocol = simulated.protocol
        args.inspection = simulated.inspection_id
        return tui(args)
