"""Provides the sync commands of the CLI: ``verify``, ``sync``, ``bundle``, ``hub``, and the sign-off of a report.

The sign-off (``review``, ``approve``, ``return``, ``correct``, ``review-state``) works on any
database: a laptop's, where the institute works without a hub (signed with the device key), or a
hub's (signed with the hub key, into the hub's own chain); ``hub review|approve|return|correct|
review-state --db HUB.db`` is the same command, refused on a database that is not a hub.

`add_commands` adds them to the main parser's subparsers; `run` runs one of them, or returns
None when the command is not one of these. ``python -m fieldtool.cli.sync ...`` runs them alone.
Every user mistake ends as one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fieldtool.cli.common import by_command, db_path, device_key, existing_db, print_json, run_alone
from fieldtool.cli.parser import add_db_option, port_number, seconds, whole_number
from fieldtool.errors import InputError

SIGN_OFF_COMMANDS = ("review", "approve", "return", "correct", "review-state")
"""The sign-off of a finalised inspection's report: on any database (a laptop's, where the institute
works without a hub, or a hub's, signed with the hub key), and as ``hub ACTION`` on a hub's."""

COMMANDS = ("verify", "sync", "bundle", "hub", *SIGN_OFF_COMMANDS)

NOT_AUTHENTICATED = 3
"""The exit status of ``verify`` when the records are intact but no trusted key vouches for their signatures."""
"""The subcommands this module adds."""

NO_DATABASE = "no database {db}"
"""What ``bundle`` says when its database is not there (``{db}``: the path)."""


def add_commands(subparsers: Any) -> None:
    """Add ``verify``, ``sync``, ``bundle`` and ``hub`` to the main parser's subparsers."""
    db_help = "database file (default: in the user data directory; see 'fieldtool locate')"
    verify = subparsers.add_parser("verify", help="re-check every record chain and signature; name each record that fails",
                                   description="Re-check every record chain, the tables derived from it and every "
                                               "finalisation signature. The database is opened only for reading. "
                                               "Exit status 0: intact; 1: a problem found.")
    add_db_option(verify, db_help)
    verify.add_argument("--report", type=Path, metavar="FILE.pdf",
                        help="check a lot report's fingerprint against the database instead")
    verify.add_argument("--trust", type=Path, metavar="KEYFILE",
                        help="the public key of the device whose database this is (64 hex digits or PEM), from the "
                             "hub's register: without it only this laptop's own key or a hub's register is trusted")
    verify.add_argument("--json", action="store_true", help="print JSON")

    sync = subparsers.add_parser("sync", help="send the unsent records to the hub and receive its reference data",
                                 description="Send every record the hub lacks (in batches; an interrupted sync resumes "
                                             "where it stopped), check the hub's signed receipts, then receive the "
                                             "programmes, rule sets, balance register and assignments.")
    sync.add_argument("--hub", metavar="URL", help="the hub (default: the hub this laptop is enrolled with)")
    sync.add_argument("--enroll", metavar="CODE", help="the one-time code from 'fieldtool hub enroll' (first sync)")
    add_db_option(sync, db_help)
    sync.add_argument("--batch", type=whole_number, default=200, metavar="N", help="records per request (default 200)")
    sync.add_argument("--cafile", type=Path, help="certificate (or CA bundle) to trust for an https hub")
    sync.add_argument("--timeout", type=seconds, default=60, metavar="S", help="seconds to wait for an answer (default 60)")

    bundle = subparsers.add_parser("bundle", help="offline sync: write the unsent records as a signed file")
    bundle_sub = bundle.add_subparsers(dest="bundle_command", metavar="ACTION", parser_class=type(bundle), required=True)
    export = bundle_sub.add_parser("export", help="write the unsent records as one signed bundle file")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="the bundle file to write")
    add_db_option(export, db_help)
    export.add_argument("--all", action="store_true", help="the whole chain, not only the unacknowledged records")
    receipt = bundle_sub.add_parser("receipt", help="record the hub's receipt file of an imported bundle")
    receipt.add_argument("file", type=Path, metavar="FILE.receipt.json")
    add_db_option(receipt, db_help)

    hub = subparsers.add_parser("hub", help="the supervisor's hub: create, serve, enrol laptops, import bundles")
    hub_sub = hub.add_subparsers(dest="hub_command", metavar="ACTION", parser_class=type(hub), required=True)

    def hub_action(name: str, help_text: str) -> argparse.ArgumentParser:
        action: argparse.ArgumentParser = hub_sub.add_parser(name, help=help_text)
        add_db_option(action, "the hub database", required=True, metavar="HUB.db")
        return action

    init = hub_action("init", "create a hub database and its signing key (HUB.key.pem next to it)")
    init.add_argument("--name", default="fieldtool hub", help="the hub's name (default: fieldtool hub)")
    serve = hub_action("serve", "serve the hub's JSON API (needs the 'hub' extra: pip install fieldtool[hub])")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8470, help="port (default 8470; 0 picks a free one)")
    serve.add_argument("--cert", type=Path, help="TLS certificate (PEM) for https")
    serve.add_argument("--key", type=Path, help="TLS private key (PEM) for https")
    enroll = hub_action("enroll", "print a one-time code that enrols one laptop")
    enroll.add_argument("--name", required=True, help='who the laptop belongs to, e.g. "Inspector Wang, Nanjing"')
    enroll.add_argument("--valid-days", type=whole_number, default=7, metavar="N", help="days the code stays valid (default 7)")
    devices = hub_action("devices", "list the enrolled laptops")
    devices.add_argument("--json", action="store_true")
    revoke = hub_action("revoke", "refuse a laptop from now on (what it sent stays)")
    revoke.add_argument("device", metavar="DEVICE_ID")
    revoke.add_argument("--reason", required=True, help="why (kept with the revocation)")
    imp = hub_action("import", "ingest a bundle file with the checks of a push; write its receipt")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("-o", "--receipt", type=Path, metavar="RECEIPT",
                     help="where to write the receipt (default: FILE.receipt.json)")
    flagged = hub_action("flagged", "list the refused records kept aside for the supervisor")
    flagged.add_argument("--json", action="store_true")
    assign = hub_action("assign", "assign a laptop's inspector to cities and products of a programme")
    assign.add_argument("device", metavar="DEVICE_ID")
    assign.add_argument("--programme", required=True, metavar="ID")
    assign.add_argument("--cities", required=True, metavar="ID,ID", help="comma-separated city ids")
    assign.add_argument("--products", default="", metavar="ID,ID", help="comma-separated product ids (default: all)")

    for name in SIGN_OFF_COMMANDS:
        _add_sign_off(name, subparsers.add_parser(name, help=_SIGN_OFF_HELP[name], description=_SIGN_OFF_HELP[name]
                                                  + ". A hub database is signed with the hub key (HUB.key.pem); "
                                                  "any other with this laptop's device key."))
        add_db_option(subparsers.choices[name], db_help)
        _add_sign_off(name, hub_action(name, _SIGN_OFF_HELP[name] + ", on the hub (signed with the hub key)"))


_SIGN_OFF_HELP = {
    "review": "record the review (审核) of a finalised inspection's report",
    "approve": "record the approval (批准) of a reviewed report: it is issued",
    "return": "return a report that is not issued, with a reason; it is reviewed again",
    "correct": "correct header fields of a finalised inspection (not the judgement's), with a reason",
    "review-state": "show where a report stands: reviews, approval, returns, corrections, revision",
}


def _add_sign_off(name: str, parser: argparse.ArgumentParser) -> None:
    """The arguments of one sign-off command (the same at the top level and under ``hub``)."""
    parser.add_argument("inspection", metavar="INSPECTION_ID")
    if name == "review-state":
        parser.add_argument("--json", action="store_true", help="print JSON")
        return
    parser.add_argument("--name", required=True, help="who decides (or corrects), as the report will print it")
    parser.add_argument("--title", default="", help="their title or function, e.g. 授权签字人 (optional)")
    if name in ("review", "approve"):
        parser.add_argument("--comment", default="", help="a note kept with the decision (optional)")
    if name in ("return", "correct"):
        parser.add_argument("--reason", required=True, help="why (kept with the record and shown on the report)")
    if name == "correct":
        parser.add_argument("--set", action="append", required=True, metavar="FIELD=VALUE", dest="changes",
                            help="a header field and its corrected value (repeat for more); fields: site_name, "
                                 "site_address, site_kind, brand, batch, production_date (YYYY-MM-DD), notes")


def run(args: argparse.Namespace) -> int | None:
    """Run a sync command; None when `args.command` is not one of `COMMANDS`.

    Raises:
        FieldtoolError: a user mistake or a refused operation (the caller prints it as one line).
    """
    handlers = {"verify": _verify, "sync": _sync, "bundle": _bundle, "hub": _hub}
    return by_command(args, {**handlers, **{name: _sign_off for name in SIGN_OFF_COMMANDS}})


def _verify(args: argparse.Namespace) -> int:
    from fieldtool.storage import SqliteStore
    from fieldtool.sync.verify import verify_store

    db = existing_db(args)
    if args.report is not None:
        return _verify_report(args, db)
    from fieldtool.sync.trust import Trust

    trust = Trust.here(args.trust)
    with SqliteStore.open_read_only(db) as store:
        report = verify_store(store, trust)
    if args.json:
        print_json({"ok": report.ok, "authenticated": report.authenticated, "state": report.state(),
                    "records": report.records, "devices": report.devices, "record_signatures": report.signed,
                    "signatures": report.signatures, "problems": report.problems,
                    "more_problems": report.more_problems, "notes": report.notes,
                    "keys": [{"device_id": k.device_id, "public_key": k.public_key, "fingerprint": k.fingerprint,
                              "trusted": k.trusted, "source": k.source, "reason": k.reason} for k in report.keys],
                    "receipts": report.receipts})
    else:
        for line in report.problems:
            print(f"FAIL {line}")
        for line in report.details():
            print(line)
        print(f"{db}: {report.summary()}")
    if not report.ok:
        return 1
    return 0 if report.authenticated else NOT_AUTHENTICATED


def _verify_report(args: argparse.Namespace, db: Path) -> int:
    from fieldtool.sync.report_check import check_report
    from fieldtool.sync.trust import Trust

    result = check_report(args.report, db, Trust.here(args.trust))
    if args.json:
        print_json(result.as_dict())
    else:
        print(result.message)
    return 0 if result.ok else 1


def _sync(args: argparse.Namespace) -> int:
    from fieldtool.infra import paths
    from fieldtool.storage import SqliteStore
    from fieldtool.sync.client import SyncProgress, sync
    from fieldtool.sync.hub_client import check_hub_url

    if args.hub is not None:
        check_hub_url(args.hub)  # before a key or a database is made for a sync that cannot start
    show = sys.stderr.isatty()

    def progress(step: SyncProgress) -> None:
        if show:
            bar = f" [{step.sent}/{step.total}]" if step.total else ""
            print(f"\r{step.message}{bar}\033[K", end="", file=sys.stderr, flush=True)

    key = device_key()
    with SqliteStore.open(db_path(args)) as store:
        try:
            result = sync(store, key, args.hub, enroll_code=args.enroll, batch_size=args.batch, cafile=args.cafile,
                          progress=progress, timeout=args.timeout,
                          reference_dirs=(paths.user_programmes_dir(), paths.user_rules_dir()))
        finally:
            if show:
                print(file=sys.stderr)
    print(f"synced with {result.hub_url}: {result.summary()}")
    for line in result.reference_problems:
        print(f"note {line}")
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from fieldtool.storage import SqliteStore
    from fieldtool.sync.bundle import export_bundle, import_receipt

    if args.bundle_command == "export":
        key = device_key()
        with SqliteStore.open(existing_db(args, NO_DATABASE)) as store:
            bundle = export_bundle(store, key, args.output, everything=args.all)
        n = len(bundle.records)
        span = f"seq {bundle.records[0].seq}–{bundle.records[-1].seq}" if n else "nothing unsent"
        print(f"wrote {args.output}: {n} record{'s' if n != 1 else ''} of device {bundle.device_id} ({span}), signed")
        return 0
    with SqliteStore.open(existing_db(args, NO_DATABASE)) as store:
        receipt = import_receipt(store, args.file)
        unsynced = store.unsynced_inspection_count()
    print(f"receipt recorded: the hub acknowledges seq {receipt.seq}; {unsynced} finalised inspection"
          f"{'s' if unsynced != 1 else ''} not yet acknowledged")
    return 0


def _hub(args: argparse.Namespace) -> int:
    from fieldtool.sync.hub import hub_key_path, init_hub, open_hub

    db: Path = args.sub_db
    command = args.hub_command
    if command == "init":
        identity = init_hub(db, args.name)
        print(f"hub {identity['name']} created: {db} (id {identity['id']}); signing key {hub_key_path(db)}")
        print(f"public key {identity['public_key']}")
        return 0
    if command == "serve":
        try:
            from fieldtool.sync.server import serve
        except ImportError as e:
            raise InputError(f"the hub server needs the 'hub' extra (pip install 'fieldtool[hub]'): {e}") from None
        try:
            serve(db, args.host, args.port, args.cert, args.key, announce=lambda line: print(line, flush=True))
        except KeyboardInterrupt:
            pass
        return 0
    if command in SIGN_OFF_COMMANDS:
        return _sign_off(args, hub_only=True)
    store, hub = open_hub(db)
    with store:
        if command == "enroll":
            code = hub.enroll(args.name, args.valid_days)
            print(code)
            print(f"one-time code for {' '.join(args.name.split())}, valid {args.valid_days} days: on the laptop run "
                  f"'fieldtool sync --hub URL --enroll {code}'", file=sys.stderr)
            return 0
        if command == "devices":
            return _listing(store.hub_devices(), args.json, "no device enrolled yet (see 'fieldtool hub enroll')",
                            _device_line)
        if command == "revoke":
            hub.revoke(args.device, args.reason)
            print(f"device {args.device} revoked; its requests and bundles are refused from now on")
            return 0
        if command == "import":
            return _import(hub, args)
        if command == "flagged":
            return _listing(store.flagged(), args.json, "no record kept aside", _flagged_line)
        if command == "assign":
            from fieldtool.plans.programme import load_programme

            programme = load_programme(args.programme)
            cities = _ids(args.cities)
            products = _ids(args.products)
            for city in cities:
                programme.city(city)
            for product in products:
                programme.product(product)
            store.assign(args.device, programme.id, cities, products)
            print(f"device {args.device}: {programme.id}, cities {', '.join(cities)}; products "
                  f"{', '.join(products) or 'all'}")
            return 0
    raise InputError(f"unknown hub action {command!r}")


def _sign_off(args: argparse.Namespace, hub_only: bool = False) -> int:
    """Run a sign-off command on a laptop's or a hub's database (``hub ACTION``: a hub's only)."""
    from fieldtool.usecases import review as sign_off

    db = existing_db(args)
    action = args.hub_command if hub_only else args.command
    if action == "review-state":
        from fieldtool.storage import SqliteStore

        with SqliteStore.open_read_only(db) as reader:
            if hub_only and reader.hub_identity() is None:
                raise InputError(f"{db} is not a hub database; use 'fieldtool review-state' for a laptop's")
            state = sign_off.review_state(reader, args.inspection.strip())
        if args.json:
            print_json(_state_json(state))
        else:
            print("\n".join(sign_off.state_lines(state)))
        return 0
    inspection = args.inspection.strip()
    with _store_for_sign_off(db, hub_only) as store:
        if action == "review":
            state = sign_off.review(store, inspection, args.name, title=args.title, comment=args.comment)
        elif action == "approve":
            state = sign_off.approve(store, inspection, args.name, title=args.title, comment=args.comment)
        elif action == "return":
            state = sign_off.return_report(store, inspection, args.name, args.reason, title=args.title)
        else:
            state = sign_off.correct_header(store, inspection, _changes(args.changes), args.reason, args.name,
                                            title=args.title)
        signer = "the hub key" if store.hub_identity() is not None else "this laptop's device key"
    print(f"{db}: {action} recorded, signed with {signer}")
    print("\n".join(sign_off.state_lines(state)))
    return 0


def _store_for_sign_off(db: Path, hub_only: bool) -> Any:
    """The database opened to append a sign-off: a hub's with the hub key as signer, else with the device key.

    Raises:
        InputError: ``hub_only`` and not a hub; a hub whose key is missing or is not its key.
    """
    from fieldtool.sync.hub import open_signing

    store, _key = open_signing(db)
    if hub_only and store.hub_identity() is None:
        store.close()
        raise InputError(f"{db} is not a hub database; on a laptop's database use 'fieldtool review|approve|"
                         "return|correct --db FILE'")
    return store


def _changes(pairs: list[str]) -> dict[str, str]:
    """``FIELD=VALUE`` options as a mapping.

    Raises:
        InputError: an option without ``=``, or a field given twice.
    """
    changes: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        field = field.strip()
        if not sep or not field:
            raise InputError(f"--set {pair!r}: write FIELD=VALUE, e.g. --set site_name=\"Suguo Supermarket\"")
        if field in changes:
            raise InputError(f"--set {field}: given twice")
        changes[field] = value
    return changes


def _state_json(state: Any) -> dict[str, Any]:
    """A `ReviewState` as JSON values (times as ISO 8601, the header as stored)."""
    import dataclasses
    from datetime import date, datetime

    def plain(value: Any) -> Any:
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, str | int | bool) or value is None:
            return value
        return str(value)

    data = plain(dataclasses.asdict(state))
    data["issued_on"] = state.issued_on.isoformat() if state.issued_on else None
    return data  # type: ignore[no-any-return]


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _listing(entries: list[dict[str, Any]], as_json: bool, empty: str, line: Callable[[dict[str, Any]], str]) -> int:
    """Print the entries as JSON, or one line each (`empty` when there are none)."""
    if as_json:
        print_json(entries)
        return 0
    if not entries:
        print(empty)
    for entry in entries:
        print(line(entry))
    return 0


def _device_line(d: dict[str, Any]) -> str:
    state = f"REVOKED {d['revoked_at']} ({d['revoke_reason']})" if d["revoked_at"] else "active"
    return (f"{d['id']}  {d['name']}  enrolled {d['enrolled_at']}  records {d['records']} (head seq "
            f"{d['head_seq']})  flagged {d['flagged']}  {state}")


def _flagged_line(e: dict[str, Any]) -> str:
    return (f"#{e['id']} {e['flagged_at']} device {e['device_id']} seq {e['seq']} record {e['record_id']} "
            f"(from {e['source']}): {e['reason']}")


def _import(hub: Any, args: argparse.Namespace) -> int:
    from fieldtool.infra.bounded import read_file
    from fieldtool.sync.bundle import receipt_file, write_receipt
    from fieldtool.sync.wire import MAX_BUNDLE_BYTES

    result = hub.import_bundle(read_file(args.file, MAX_BUNDLE_BYTES), str(args.file))
    receipt = result.receipt
    target = args.receipt or receipt_file(args.file)
    write_receipt(receipt, target)
    if result.replay:
        print(f"{args.file} was imported before (receipt {receipt.id} at {receipt.issued_at}): nothing changed; "
              f"acknowledged head seq {receipt.seq}; receipt written again to {target}")
    else:
        print(f"imported {args.file}: {receipt.new_records} records stored, {receipt.duplicates} already held; "
              f"device {receipt.device_id} acknowledged head seq {receipt.seq}; receipt {target}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sync commands alone (``python -m fieldtool.cli.sync``); returns the exit status."""
    return run_alone(add_commands, run, argv, "fieldtool sync commands")


if __name__ == "__main__":
    sys.exit(main())
