"""Provides the ``check`` command: judge a lot, or a batch of lots, from net quantities typed or in a file.

It needs no database, and starts fast: the use-case and the text output are imported when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any, BinaryIO

from fieldtool.cli.common import print_json
from fieldtool.cli.parser import whole_number
from fieldtool.errors import InputError

COMMANDS = ("check",)
"""The command this module adds."""


def add_commands(subparsers: Any) -> None:
    """Add ``check`` to the main parser's sub-parsers."""
    check = subparsers.add_parser("check", help="judge a lot from its net quantities", description=(
        "Judge a lot from its net quantities. FILE has one net quantity a line in --unit "
        "(blank lines and # comments skipped) or is a CSV with a 'net' column; '-' or no FILE reads stdin. "
        "Exit status: 0 pass, 1 fail, 3 second sample needed, 2 bad input."
    ))
    check.add_argument("--plan", help="rule set id (see 'fieldtool plans list')")
    check.add_argument("--variant", default="standard", help="sampling plan of the rule set (default: standard)")
    check.add_argument("--nominal", help="nominal quantity Qn, in --unit")
    check.add_argument("--unit", help="unit of Qn and of every value: g, kg, mL, L, m, cm, m2, count")
    check.add_argument("--lot-size", type=whole_number, help="number of packages in the lot (N)")
    check.add_argument("--batch", metavar="LOTS.jsonl", help="judge many lots: one JSON object a line ('-' for stdin)")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.add_argument("file", nargs="?", metavar="FILE", help="net quantities ('-' for stdin)")


def run(args: argparse.Namespace) -> int | None:
    """Run ``check``; None when `args` is another command's.

    Returns:
        0 pass, 1 fail, 3 second sample needed (for a batch, the worst of its lots; 2 when a line was bad).

    Raises:
        FieldtoolError: bad options or input (the caller prints it as one line).
    """
    if args.command != "check":
        return None
    if args.batch:
        return _batch(args)
    return _one_lot(args)


def _open_input(name: str) -> tuple[BinaryIO, str]:
    """The file (or standard input for ``-``) in binary mode: the readers decode it line by line, in bounds."""
    if name == "-":
        return sys.stdin.buffer, "stdin"
    try:
        return open(name, "rb"), name
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from None


def _batch(args: argparse.Namespace) -> int:
    from fieldtool.usecases.check import EXIT_CODES, batch_lines

    if any(v is not None for v in (args.plan, args.nominal, args.unit, args.lot_size, args.file)):
        raise InputError("check --batch takes the lots from the file; leave out --plan, --nominal, --unit, --lot-size and FILE")
    stream, name = _open_input(args.batch)
    worst = 0
    with stream if stream is not sys.stdin.buffer else contextlib.nullcontext(stream):
        for number, result in batch_lines(stream, name):
            if isinstance(result, str):
                code = 2
                print(json.dumps({"line": number, "error": result}, ensure_ascii=False) if args.json
                      else f"line {number}: error: {result.removeprefix(f'{name} line {number}: ')}")
            else:
                code = EXIT_CODES[result["verdict"]]
                print(json.dumps({"line": number, **result}, ensure_ascii=False) if args.json else _batch_summary(number, result))
            sys.stdout.flush()
            worst = max(worst, code, key=_severity)
    return worst


def _one_lot(args: argparse.Namespace) -> int:
    from fieldtool.usecases.check import EXIT_CODES, check_lot, evaluation_as_dict, read_nets

    missing = [opt for opt, v in (("--plan", args.plan), ("--nominal", args.nominal), ("--unit", args.unit), ("--lot-size", args.lot_size)) if v is None]
    if missing:
        raise InputError(f"check needs {', '.join(missing)} (or --batch FILE)")
    stream, name = _open_input(args.file or "-")
    if stream is sys.stdin.buffer and sys.stdin.isatty():
        print("reading net quantities from the terminal; end with Ctrl-D", file=sys.stderr)
    try:
        nets = read_nets(stream, name)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    ev = check_lot(args.plan, args.nominal, args.unit, args.lot_size, nets, args.variant)
    result = evaluation_as_dict(ev)
    if args.json:
        print_json(result)
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
