"""Provides the check use-case: judge a lot from its net quantities, and the lot's JSON form.

Shared by `fieldtool check`, the TUI and the reports. It imports no textual, reportlab or
sqlite, so that `fieldtool check` starts fast.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from fieldtool.core.evaluate import Criterion, LotEvaluation, evaluate_lot
from fieldtool.core.explain import criterion_text, reason_text
from fieldtool.core.quantity import decimal_str, parse_decimal, unit
from fieldtool.errors import FieldtoolError, InputError
from fieldtool.infra.bounded import lines, read_json, text_line
from fieldtool.plans.rules import load_rule_set

EXIT_CODES = {"pass": 0, "fail": 1, "second-sample-needed": 3}
"""Exit status of `fieldtool check` by verdict; 2 is bad input."""


def check_lot(plan: str, nominal: str | Decimal, unit_symbol: str, lot_size: int, nets: list[Decimal], variant: str = "standard") -> LotEvaluation:
    """Load the rule set and judge a lot.

    Raises:
        FieldtoolError: unknown rule set or unit, a lot or quantity the rule set does not cover,
            a sample of the wrong size.
    """
    rules = load_rule_set(plan)
    u = unit(unit_symbol)
    qn = nominal if isinstance(nominal, Decimal) else parse_decimal(nominal, "--nominal")
    return evaluate_lot(rules, qn, u, lot_size, nets, variant)


MAX_LINE_BYTES = 4096
"""The longest line of a file of net quantities (a value, or a CSV row) that `read_nets` reads."""

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest file of net quantities read: a lot's sample is a few hundred lines."""

MAX_BATCH_LINE_BYTES = 1024 * 1024
"""The longest line of a batch (one lot as JSON): thousands of packages fit."""

MAX_BATCH_BYTES = 1024 * 1024 * 1024
"""The most a batch reads in all (standard input included)."""


def read_nets(stream: IO[bytes], name: str) -> list[Decimal]:
    """Read net quantities: one a line (blank lines and # comments skipped), or a CSV with a `net` column.

    A net quantity is `parse_decimal`'s plain decimal, zero or more: a package can be found empty
    in a lot (it is then a T2 package), but never hold less than nothing.

    Args:
        stream: the file or standard input, opened in binary mode (the text must be UTF-8).
        name: names the file in messages.

    Raises:
        InputError: a value that is not a number or is negative, a line that is not UTF-8 text
            (a binary or UTF-16 file) or longer than `MAX_LINE_BYTES`, a file larger than
            `MAX_FILE_BYTES`, or a CSV without a `net` column; the message names the file and the line.
    """
    text_lines: list[str] = []
    for number, raw in lines(stream, name, max_line=MAX_LINE_BYTES, max_total=MAX_FILE_BYTES):
        where = f"{name} line {number}"
        if raw is None:
            raise InputError(f"{where}: longer than {MAX_LINE_BYTES} bytes; one net quantity a line is expected")
        text_lines.append(text_line(raw, where, first=number == 1))
    content = [(i, line.strip()) for i, line in enumerate(text_lines, 1) if line.strip() and not line.strip().startswith("#")]
    if not content:
        return []
    first = content[0][1]
    if "," in first or ";" in first or first.lower().strip('"') == "net":
        return _read_csv(text_lines, content[0][0], name)
    return [parse_decimal(text, f"{name} line {i}", signed=False) for i, text in content]


def _read_csv(lines: list[str], header_line: int, name: str) -> list[Decimal]:
    text = "\n".join(lines[header_line - 1 :])
    try:
        dialect = csv.Sniffer().sniff(lines[header_line - 1], delimiters=",;\t") if "," in text or ";" in text else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
        if "net" not in header:
            raise InputError(f"{name} line {header_line}: a CSV needs a 'net' column; found {', '.join(header) or 'none'}")
        col = header.index("net")
        nets: list[Decimal] = []
        for offset, row in enumerate(reader, header_line + 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if col >= len(row) or not row[col].strip():
                raise InputError(f"{name} line {offset}: no value in the 'net' column")
            nets.append(parse_decimal(row[col], f"{name} line {offset}", signed=False))
    except csv.Error as exc:
        raise InputError(f"{name} line {header_line + reader.line_num - 1}: not a CSV row ({exc})") from None
    return nets


def _criterion(ev: LotEvaluation, c: Criterion) -> dict[str, Any]:
    return {
        "criterion": c.code.value,
        "status": c.status.value,
        "observed": str(c.observed),
        "limit": str(c.limit),
        "excess": str(c.excess),
        "stage": c.stage,
        "reject_at": c.reject_at,
        "sample_size": c.sample_size,
        "text": criterion_text(ev, c),
    }


def evaluation_as_dict(ev: LotEvaluation) -> dict[str, Any]:
    """The lot's result as JSON-able data; quantities are decimal strings in the lot's unit."""
    stats = ev.stats
    defectives = next((c for c in ev.criteria if c.code.value == "defectives"), None)
    row = ev.plan.row
    return {
        "plan": ev.rules.id,
        "variant": ev.variant,
        "nominal": str(ev.nominal),
        "unit": ev.unit.symbol,
        "lot_size": ev.plan.lot_size,
        "sample_size": len(ev.packages),
        "stage": ev.stage,
        "stages": list(ev.plan.cumulative),
        "tne": str(ev.tne),
        "qn_minus_t": str(ev.qn_minus_t),
        "qn_minus_2t": str(ev.qn_minus_2t),
        "lambda": decimal_str(row.lam) if stats else None,
        "mean_sample_size": stats.n if stats else None,
        "mean": decimal_str(stats.mean) if stats else None,
        "stdev": decimal_str(stats.stdev) if stats else None,
        "lambda_s": decimal_str(stats.lam_s) if stats else None,
        "mean_limit": decimal_str(stats.limit(ev.nominal)) if stats else None,
        "margin": decimal_str(stats.margin(ev.nominal)) if stats else None,
        "mean_ok": stats.passes(ev.nominal) if stats else None,
        "defective_rule": ev.rules.defective_rule.value,
        "defectives": int(defectives.observed) if defectives else None,
        "t1_count": ev.t1_count,
        "t2_count": ev.t2_count,
        "t1_allowed": int(defectives.limit) if defectives else None,
        "t2_allowed": row.t2_allowed,
        "verdict": ev.outcome.value,
        "reasons": [{**_criterion(ev, c), "text": reason_text(ev, c)} for c in ev.reasons],
        "criteria": [_criterion(ev, c) for c in ev.criteria],
        "samples": [
            {"index": p.index, "net": str(p.net), "shortfall": str(p.shortfall), "class": p.cls.value}
            for p in ev.packages
        ],
    }


def batch_lines(stream: IO[bytes], name: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Judge each JSON line of a batch; yield (line number, result dict) or (line number, error text).

    A bad line (not UTF-8, not a JSON object within `MAX_BATCH_LINE_BYTES` and nesting bounds, a
    value of the wrong type, a lot that cannot be judged) gives its error and the batch goes on.

    Args:
        stream: the batch file or standard input, opened in binary mode.
        name: names the file in messages.

    Raises:
        InputError: the batch is larger than `MAX_BATCH_BYTES` in all (after the lines before it).
    """
    for number, raw in lines(stream, name, max_line=MAX_BATCH_LINE_BYTES, max_total=MAX_BATCH_BYTES):
        where = f"{name} line {number}"
        result: dict[str, Any] | str
        try:
            if raw is None:
                raise InputError(f"{where}: longer than {MAX_BATCH_LINE_BYTES // (1024 * 1024)} MiB; one lot a line")
            text = text_line(raw, where, first=number == 1).strip()
            if not text or text.startswith("#"):
                continue
            result = evaluation_as_dict(_batch_lot(text.encode("utf-8"), where))
        except FieldtoolError as exc:
            result = str(exc)
        yield number, result


_BATCH_KEYS = {"plan", "variant", "nominal", "unit", "lot_size", "net", "id"}


def _batch_lot(data: bytes, where: str) -> LotEvaluation:
    lot = read_json(data, where, max_bytes=MAX_BATCH_LINE_BYTES)
    if not isinstance(lot, dict):
        raise InputError(f"{where}: each line must be a JSON object")
    unknown = sorted(set(lot) - _BATCH_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}")
    for key in ("plan", "nominal", "unit", "lot_size", "net"):
        if key not in lot:
            raise InputError(f"{where}: missing {key!r}")
    if not isinstance(lot["plan"], str) or not isinstance(lot["unit"], str):
        raise InputError(f"{where}: 'plan' and 'unit' must be strings")
    variant = lot.get("variant", "standard")
    if not isinstance(variant, str):
        raise InputError(f"{where}: 'variant' must be a string; got {_shown(variant)}")
    if "id" in lot and (isinstance(lot["id"], bool) or not isinstance(lot["id"], (str, int))):
        raise InputError(f"{where}: 'id' must be a string or an integer; got {_shown(lot['id'])}")
    size = lot["lot_size"]
    if isinstance(size, bool) or not isinstance(size, int):
        raise InputError(f"{where}: 'lot_size' must be an integer; got {_shown(size)}")
    if not isinstance(lot["net"], list):
        raise InputError(f"{where}: 'net' must be an array of numbers")
    nets = [parse_decimal(v, f"{where}: net[{i}]", signed=False) for i, v in enumerate(lot["net"])]
    nominal = parse_decimal(lot["nominal"], f"{where}: nominal")
    try:
        return check_lot(lot["plan"], nominal, lot["unit"], size, nets, variant)
    except FieldtoolError as exc:
        raise type(exc)(f"{where}: {exc}") from None


def _shown(value: object) -> str:
    """A JSON value as a message shows it: on one line, cut after a few characters."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:40] + "…"
