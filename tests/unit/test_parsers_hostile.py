"""Hostile input for the parsers: the one number parser, the verdict engine over all it accepts, the
bounded JSON, TOML and line readers, the sync formats and the hub URL. Only the typed one-line
errors may escape, and what is accepted is read exactly.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from fieldtool.cli.textout import format_evaluation
from fieldtool.core.evaluate import evaluate_lot
from fieldtool.core.quantity import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS, parse_decimal, unit
from fieldtool.core.rules import RuleSet, resolve_plan
from fieldtool.errors import FieldtoolError, InputError, RuleFileError
from fieldtool.infra import keys
from fieldtool.infra.bounded import MAX_DEPTH, DocumentError, lines, read_json, read_toml
from fieldtool.plans.rules import load_rule_set_file
from fieldtool.plans.strict import load_toml
from fieldtool.stats.vectorised import evaluate_lots, to_scaled
from fieldtool.sync.hub_client import check_hub_url
from fieldtool.sync.wire import FormatError, bundle_from_bytes
from fieldtool.usecases.check import batch_lines, evaluation_as_dict, read_nets
from tests.unit.conftest import JJF, OIML, rules

HOSTILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the one number parser ----------------------------------------------------------------------

FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
GRAMMAR = re.compile(rf"[+-]?[0-9]{{1,{MAX_INTEGER_DIGITS}}}(?:\.[0-9]{{1,{MAX_FRACTION_DIGITS}}})?", re.ASCII)


ANY_SIGN = st.sampled_from(["", "-", "+"])


def plain_numbers(sign: st.SearchStrategy[str] = ANY_SIGN) -> st.SearchStrategy[str]:
    """Every text the grammar accepts, the extremes of the bounds among them."""
    whole = st.text("0123456789", min_size=1, max_size=MAX_INTEGER_DIGITS)
    fraction = st.none() | st.text("0123456789", min_size=1, max_size=MAX_FRACTION_DIGITS)
    built = st.builds(lambda s, w, f: f"{s}{w}" + ("" if f is None else f".{f}"), sign, whole, fraction)
    extremes = st.sampled_from(["999999999999.999999999", "0.000000001", "0", "1", "0.5", "500", "999999999999"])
    return built | st.builds(lambda s, x: s + x, sign, extremes)


def canonical(text: str) -> str:
    """How Python's own exact decimal writes a plain number: no '+', no leading zeros before the point."""
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("+-")
    whole, _, fraction = body.partition(".")
    return sign + (whole.lstrip("0") or "0") + (f".{fraction}" if fraction else "")


@HOSTILE
@given(plain_numbers())
def test_every_plain_decimal_in_bounds_is_read_exactly_with_its_digits(text: str) -> None:
    value = parse_decimal(f" {text}\t", "a value")
    assert format(value, "f") == canonical(text)
    assert value == Decimal(text) and value.as_tuple().exponent == -len(text.partition(".")[2])


@HOSTILE
@given(plain_numbers())
def test_full_width_digits_point_and_signs_read_as_ascii(text: str) -> None:
    wide = text.translate(str.maketrans("0123456789.-+", "０１２３４５６７８９．－＋"))
    assert parse_decimal("\u3000" + wide, "a value") == parse_decimal(text, "a value")


@HOSTILE
@given(st.text() | st.text("0123456789.+-_eE ,\u3000０１２３４５６７８９．－＋²①٥nNaIifty\n", max_size=30))
@example("500_1")
@example("1e-99999")
def test_any_text_is_a_plain_decimal_in_bounds_or_a_one_line_input_error(text: str) -> None:
    oracle = GRAMMAR.fullmatch(text.translate(FULL_WIDTH).strip()) is not None and all(
        c.isascii() or c in "０１２３４５６７８９．－＋" or c.isspace() for c in text
    )
    try:
        value = parse_decimal(text, "lot.txt line 7")
    except InputError as exc:
        assert not oracle, text
        assert str(exc).startswith("lot.txt line 7: ") and "\n" not in str(exc)
        return
    assert oracle, text
    assert value.is_finite()


@HOSTILE
@given(st.integers())
def test_an_integer_from_json_or_toml_is_accepted_within_the_digit_bound(number: int) -> None:
    if len(str(abs(number))) <= MAX_INTEGER_DIGITS:
        assert parse_decimal(number, "lot_size") == number
    else:
        with pytest.raises(InputError, match=f"more than {MAX_INTEGER_DIGITS} digits"):
            parse_decimal(number, "lot_size")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("500_1", "digit separators"),
        ("5_00", "digit separators"),
        ("1e30", "exponents"),
        ("1e-20000", "exponents"),
        ("1e-99999", "exponents"),
        ("1e999999999", "exponents"),
        ("1E+3", "exponents"),
        ("NaN", "only finite"),
        ("-Infinity", "only finite"),
        ("sNaN", "only finite"),
        ("5 00", "spaces inside"),
        ("512,3", "decimal mark as a point"),
        ("1,000", "decimal mark as a point"),
        ("5.", "both sides of the point"),
        (".5", "both sides of the point"),
        ("5²", "U+00B2"),
        ("①", "U+2460"),
        ("٥٠٠", "U+0665"),
        ("−5", "U+2212"),
        ("0x1F", "is not a number"),
        ("--5", "is not a number"),
        ("5.5.5", "is not a number"),
        ("", "empty"),
        ("1234567890123", "more than 12 digits before the point"),
        ("0.0000000001", "more than 9 digits after the point"),
        ("4" * 5000, "more than 12 digits"),
    ],
)
def test_what_is_not_a_plain_decimal_is_refused_naming_the_value_and_where(text: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        parse_decimal(text, "lot.txt line 3")
    message = str(info.value)
    assert message.startswith("lot.txt line 3: ") and says in message and "\n" not in message
    assert len(message) < 200  # a 5000-digit value is shown cut, not in full


@pytest.mark.parametrize("value", [498.2, 500.0, float("nan"), float("inf"), True, None, [1], {"a": 1}])
def test_floats_and_other_types_are_refused(value: object) -> None:
    with pytest.raises(InputError, match="^net\\[0\\]: "):
        parse_decimal(value, "net[0]")


def test_a_sign_is_refused_where_the_caller_allows_none() -> None:
    assert parse_decimal("0", "net", signed=False) == 0
    with pytest.raises(InputError, match="'-0.5' is negative"):
        parse_decimal("-0.5", "net", signed=False)
    with pytest.raises(InputError, match="has a sign"):
        parse_decimal("+5", "net", signed=False)
    assert parse_decimal("-12.5", "temperature") == Decimal("-12.5")


# --- the engine over everything the parser accepts ------------------------------------------------

EXTREME_RULES = """\
schema = 1
id = "extreme"
name = "Extreme values within the parser's bounds"
jurisdiction = "XX"
sources = ["a test"]
follows = "none"
defective_rule = "t1-only"

[[tne]]
kinds = ["mass", "volume", "length", "area", "count"]
rounding = "half-even"
bands = [
  { above = 0, upto = "0.000000001", percent = "999999999999.999999999", round_to = "0.000000001" },
  { above = "0.000000001", percent = "999999999999.999999999", round_to = "0.000000001" },
]

[plans.standard]
description = "two packages, the largest λ the parser reads"
rows = [
  { lot_min = 2, lot_max = 9, n = 2, t1_allowed = 0, t2_allowed = 0, lambda = "999999999999.999999999" },
  { lot_min = 10, n = 3, t1_allowed = 1, t2_allowed = 0, lambda = "0.000000001" },
]
"""


@pytest.fixture(scope="module")
def extreme_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    path = tmp_path_factory.mktemp("rules") / "extreme.toml"
    path.write_text(EXTREME_RULES, encoding="utf-8")
    return load_rule_set_file(path)


def exact_mean_passes(nets: list[Decimal], nominal: Decimal, lam: Decimal) -> bool:
    """q̄ ≥ Qn − λ·s, decided on fractions independently of the engine: (Qn − q̄)² ≤ λ²·s² when q̄ < Qn."""
    values = [Fraction(v) for v in nets]
    n = len(values)
    mean = sum(values, Fraction(0)) / n
    if mean >= Fraction(nominal):
        return True
    if n < 2:
        return False
    variance = sum(((v - mean) ** 2 for v in values), Fraction(0)) / (n - 1)
    return (Fraction(nominal) - mean) ** 2 <= Fraction(lam) ** 2 * variance


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(["extreme", JJF, OIML]),
       symbol=st.sampled_from(["g", "kg", "mL", "L", "m", "cm", "m2", "count"]),
       lot_size=st.sampled_from([2, 5, 9, 10, 11, 20, 50, 100, 300]))
@pytest.mark.slow
def test_the_engine_judges_any_accepted_values_exactly_and_only_refuses_with_its_own_errors(
    extreme_rules: RuleSet, data: st.DataObject, which: str, symbol: str, lot_size: int
) -> None:
    rule_set = extreme_rules if which == "extreme" else rules(which)
    nominal = parse_decimal(data.draw(plain_numbers(st.just("")), label="Qn"), "--nominal")
    try:
        plan = resolve_plan(rule_set, lot_size)
    except FieldtoolError:
        return
    assume(plan.cumulative[0] <= 50)
    pool = data.draw(st.lists(plain_numbers(st.sampled_from(["", "-"])), min_size=1, max_size=4), label="values")
    nets = [parse_decimal(data.draw(st.sampled_from(pool)), "net") for _ in range(plan.cumulative[0])]
    try:
        result = evaluate_lot(rule_set, nominal, unit(symbol), lot_size, nets)
    except FieldtoolError:
        event("refused: out of scope or Qn not positive")
        return  # a one-line refusal, never a decimal error
    event(f"judged, {'with' if result.stats else 'without'} a mean test")
    shown = evaluation_as_dict(result)
    format_evaluation(result)
    assert [Decimal(s["net"]) for s in shown["samples"]] == nets
    if result.stats is not None:
        assert result.plan.row.lam is not None
        expected = exact_mean_passes(nets[: result.stats.n], nominal, result.plan.row.lam)
        assert shown["mean_ok"] is expected
        exact_mean = sum((Fraction(v) for v in nets[: result.stats.n]), Fraction(0)) / result.stats.n
        step = Fraction(1, 10 ** len(shown["mean"].partition(".")[2]))
        assert abs(Fraction(Decimal(shown["mean"])) - exact_mean) <= step  # q̄ shown to its places
    try:
        many = evaluate_lots(rule_set, nominal, unit(symbol), lot_size, *to_scaled([nets]))
    except InputError:
        event("vectorised: refused as too large for int64")
        return  # values too large for the int64 scale of the vectorised engine: refused in one line
    assert many.outcome_of(0) is result.outcome


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plain_numbers(st.just("")), min_size=50, max_size=50))
def test_check_of_a_file_reads_every_accepted_net_as_written(nets: list[str]) -> None:
    read = read_nets(io.BytesIO("\n".join(nets).encode("utf-8")), "lot.txt")
    assert [format(v, "f") for v in read] == [canonical(t) for t in nets]


# --- the bounded JSON reader ----------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-(10**30) + 1, 10**30 - 1) | st.text()
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=25)


@HOSTILE
@given(json_values, st.booleans())
def test_json_within_bounds_reads_back_as_written(value: Any, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    if not _encodable(json.dumps(value, ensure_ascii=False)):
        with pytest.raises(DocumentError, match="lone surrogate" if ascii_only else "not UTF-8"):
            read_json(data, "body", max_bytes=1 << 20)
        return
    assert read_json(data, "body", max_bytes=1 << 20) == value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def nested(depth: int, kinds: list[bool]) -> bytes:
    opening = b"".join(b"[" if kinds[i % len(kinds)] else b'{"k":' for i in range(depth))
    closing = b"".join(b"]" if kinds[i % len(kinds)] else b"}" for i in reversed(range(depth)))
    return opening + b"0" + closing


@HOSTILE
@given(st.integers(1, 3000), st.lists(st.booleans(), min_size=1, max_size=5))
@example(950, [True])
@example(MAX_DEPTH, [False])
@example(MAX_DEPTH + 1, [True, False])
def test_json_nested_beyond_the_bound_is_refused_in_one_line_never_a_recursion_error(
    depth: int, kinds: list[bool]
) -> None:
    data = nested(depth, kinds)
    if depth <= MAX_DEPTH:
        read_json(data, "bundle.json", max_bytes=1 << 20)
        return
    with pytest.raises(DocumentError, match=f"^bundle.json: nested more than {MAX_DEPTH} levels deep$"):
        read_json(data, "bundle.json", max_bytes=1 << 20)


@HOSTILE
@given(st.binary(max_size=300) | st.builds(lambda v, at, junk: json.dumps(v).encode()[:at] + junk + json.dumps(v).encode()[at:],
                                           json_values, st.integers(0, 60), st.binary(min_size=1, max_size=8)))
@example(b'{"a": ' + b"9" * 5000 + b"}")
@example(b'[1.5, NaN]')
@example(b"\xff\xfe[\x00]\x00")
@example(b'["\\ud800"]')
def test_any_bytes_give_a_value_or_one_document_error(data: bytes) -> None:
    try:
        read_json(data, "the request body", max_bytes=1 << 20)
    except DocumentError as exc:
        assert str(exc).startswith("the request body: ") and "\n" not in str(exc)


def test_json_refusals_say_what_is_wrong() -> None:
    cases = {
        b'{"a": ' + b"9" * 5000 + b"}": "an integer of 5000 digits",
        b'{"net": [498.2]}': 'write decimals as strings ("498.2")',
        b"[NaN]": "NaN is not a JSON number",
        b'{"a": "\\udc00"}': "lone surrogate",
        b"\xff\xfe{\x00}\x00": "UTF-16",
        b'{"a": 1,': "not valid JSON",
        b"[" * 100_000: "nested more than 32 levels deep",
    }
    for data, says in cases.items():
        with pytest.raises(DocumentError, match=re.escape(says)):
            read_json(data, "x", max_bytes=1 << 20)
    with pytest.raises(DocumentError, match="larger than 1 KiB"):
        read_json(b" " * 1025, "x", max_bytes=1024)


# --- the bounded TOML reader ----------------------------------------------------------------------


@HOSTILE
@given(st.integers(1, 2000), st.booleans())
@example(2000, True)
@example(MAX_DEPTH, False)
def test_toml_nested_beyond_the_bound_is_refused_before_tomllib_recurses(depth: int, tables: bool) -> None:
    value = "{ b = " * depth + "1" + " }" * depth if tables else "[" * depth + "1" + "]" * depth
    data = f"# a [[[ comment\ns = \"[[[\"\na = {value}\n".encode()
    if depth <= MAX_DEPTH:
        assert read_toml(data, "rules.toml", max_bytes=1 << 20)["s"] == "[[["
        return
    with pytest.raises(DocumentError, match=f"^rules.toml: nested {depth} levels deep; at most {MAX_DEPTH}"):
        read_toml(data, "rules.toml", max_bytes=1 << 20)


@HOSTILE
@given(st.binary(max_size=300) | st.text("[]{}\"'#=\n.,ab19 \\\u00e9\x00", max_size=200).map(str.encode))
@example(b"a = " + b"9" * 5000)
@example(b"\xff\xfea\x00 \x00=\x00 \x001\x00")
@example(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
@example(b'a = "\\ud800"')
def test_any_bytes_give_a_table_or_one_document_error(data: bytes) -> None:
    try:
        read_toml(data, "rules.toml", max_bytes=1 << 20)
    except DocumentError as exc:
        assert str(exc).startswith("rules.toml: ") and "\n" not in str(exc)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not UTF-8 text"),
        ("schema = 1\n".encode("utf-16"), "UTF-16"),
        (b"schema = 1\nid = \"x\xff\"\n", "line 2: not UTF-8"),
        (b"schema = 1\x00\n", "NUL"),
        (b"a = " + b"[" * 5000 + b"]" * 5000, "nested 5000 levels deep"),
        (b"a = " + b"9" * 5000, "not valid TOML"),
        (b"x" * (1024 * 1024 + 1), "larger than 1 MiB"),
    ],
)
def test_a_bad_rule_file_is_a_one_line_rule_file_error_naming_it(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes(content)
    with pytest.raises(RuleFileError) as info:
        load_toml(path)
    assert str(info.value).startswith(f"{path}: ") and says in str(info.value) and "\n" not in str(info.value)


# --- bounded lines ----------------------------------------------------------------------------------


@HOSTILE
@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), min_size=1, max_size=20),
       st.integers(1, 30))
def test_lines_within_the_bound_come_back_whole_and_longer_ones_are_skipped_to_their_end(
    given_lines: list[bytes], max_line: int
) -> None:
    got = list(lines(io.BytesIO(b"\n".join(given_lines)), "f", max_line=max_line, max_total=1 << 20))
    expected = [line.removesuffix(b"\r") for line in given_lines]
    if given_lines[-1] == b"":
        expected.pop()  # no line after the last line ending
    assert [n for n, _ in got] == list(range(1, len(expected) + 1))
    for (_, raw), line in zip(got, expected, strict=True):
        assert raw == (None if len(line) > max_line else line)


def test_an_endless_stream_stops_at_the_total_bound() -> None:
    endless = io.BytesIO(b"0" * (3 * 1024 * 1024))
    with pytest.raises(DocumentError, match="larger than 2 MiB"):
        list(lines(endless, "/dev/zero", max_line=4096, max_total=2 * 1024 * 1024))


def test_a_batch_goes_on_after_each_hostile_line() -> None:
    good = {"plan": JJF, "nominal": "500", "unit": "g", "lot_size": 300, "net": ["500"] * 50}
    hostile = [
        json.dumps({**good, "variant": [1]}).encode(),
        b'{"x":' * 40 + b"1" + b"}" * 40,
        b'{"plan": "jjf1070-2005", "lot_size": ' + b"9" * 5000 + b"}",
        b'{"plan": "\xff"}',
        b"[1, 2]",
        json.dumps({**good, "net": [498.2] * 50}).encode(),
        json.dumps({**good, "net": ["-1"] + ["500"] * 49}).encode(),
        b"x" * (2 * 1024 * 1024),
    ]
    stream = io.BytesIO(b"\n".join([json.dumps(good).encode(), *hostile, json.dumps(good).encode()]) + b"\n")
    results = list(batch_lines(stream, "lots.jsonl"))
    assert [n for n, _ in results] == list(range(1, len(hostile) + 3))
    assert isinstance(results[0][1], dict) and isinstance(results[-1][1], dict)
    errors = [r for _, r in results[1:-1]]
    assert all(isinstance(e, str) and "\n" not in e for e in errors)
    says = ["'variant' must be a string", "nested more than 32", "an integer of 5000 digits", "not UTF-8",
            "must be a JSON object", 'as strings ("498.2")', "'-1' is negative", "longer than 1 MiB"]
    for number, (error, said) in enumerate(zip(errors, says, strict=True), 2):
        assert isinstance(error, str) and error.startswith(f"lots.jsonl line {number}: ") and said in error


batch_values = json_scalars | st.sampled_from([JJF, OIML, "eu-76-211", "g", "kg", "count", "standard", "500", "-1",
                                               "1e3", 300, 50, 0, -5]) | st.lists(st.sampled_from(["500", "499.9", 1]))


@HOSTILE
@given(st.lists(st.dictionaries(st.sampled_from(["plan", "variant", "nominal", "unit", "lot_size", "net", "id", "x"]),
                                batch_values), min_size=1, max_size=5))
def test_any_batch_of_json_objects_gives_a_result_or_an_error_line_for_each(lots: list[dict[str, Any]]) -> None:
    stream = io.BytesIO("\n".join(json.dumps(lot) for lot in lots).encode("utf-8", "surrogatepass"))
    results = list(batch_lines(stream, "lots.jsonl"))
    assert [n for n, _ in results] == list(range(1, len(lots) + 1))
    for number, result in results:
        assert isinstance(result, dict) or (result.startswith(f"lots.jsonl line {number}: ") and "\n" not in result)


# --- sync formats and the hub URL -------------------------------------------------------------------


@HOSTILE
@given(st.binary(max_size=200) | st.integers(1, 3000).map(lambda d: b'{"type": "fieldtool-bundle/1", "records": [{"body": '
                                                                  + b"[" * d + b"]" * d + b"}]}"))
def test_a_bundle_file_is_read_or_refused_with_a_format_error(data: bytes) -> None:
    try:
        bundle_from_bytes(data, "usb.bundle")
    except FormatError as exc:
        assert str(exc).startswith("usb.bundle") and "\n" not in str(exc)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "invalid ipv6 url"),
        ("http://" + "a" * 300 + ":8470", "not one DNS can carry"),
        ("http://" + ".".join(["abcdefghij" * 6] * 5) + "/", "longer than 253"),
        ("ftp://hub.example:21", "scheme must be http or https"),
        ("file:///etc/passwd", "scheme must be http or https"),
        ("http://:8470", "no host"),
        ("http://hub.example:99999", "port out of range"),
        ("http://hub.example:port", "port could not be cast"),
        ("http://hub.example:0", "port 0"),
        ("http://user:secret@hub.example", "user name or password"),
        ("http://hub.example/?x=1", "query"),
        ("http://hub example", "space or a control character"),
        ("http://hub.example\n.evil", "space or a control character"),
        ("http://hub_example", "not a host name label"),
        ("http://[fe80::zz]:80", "does not appear to be an ipv4 or ipv6 address"),
        ("hub.example:8470", "scheme must be http or https"),
    ],
)
def test_a_bad_hub_url_is_one_line_naming_it(url: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        check_hub_url(url)
    message = str(info.value)
    assert message.startswith("the hub URL must be http://HOST:PORT or https://HOST:PORT; got ")
    assert repr(url[:20])[1:-1] in message and says in message and "\n" not in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8470", "https://hub.example.org/fieldtool/", "http://[::1]:8470",
                                 "http://localhost", "https://检验.中国:443"])
def test_a_good_hub_url_is_accepted(url: str) -> None:
    assert check_hub_url(url).scheme in ("http", "https")


@HOSTILE
@given(st.text(max_size=80) | st.builds(lambda s, h: f"{s}://{h}", st.sampled_from(["http", "https"]), st.text(max_size=80)))
def test_any_hub_url_is_accepted_or_refused_in_one_line(url: str) -> None:
    try:
        check_hub_url(url)
    except InputError as exc:
        assert "\n" not in str(exc)


def test_the_lot_reports_figures_hold_the_extreme_accepted_values() -> None:
    """Σq, Σ(q − q̄)² and s² of nets at both ends of the parser's bounds, at 12 display places (36 digits)."""
    from fieldtool.core.statistics import mean_statistics
    from fieldtool.usecases.lot_report import _figures

    values = [Decimal("999999999999.999999999"), Decimal("0.000000001")] * 25
    stats = mean_statistics(values, Decimal("0.379"), 12)
    figures = _figures(stats, Decimal(500))
    assert figures.sum_q == Decimal("25000000000000.000000000")
    assert figures.variance is not None and figures.variance.as_tuple().exponent == -12
    assert abs(figures.variance - Decimal("255102040816326530611224.489795918367")) < Decimal("0.000000000001")


# -- a key file given to trust (verify --trust, report --trust) ------------------------------------------

_KEY = keys.SigningKey.generate()
_PEMS = [
    _KEY.pem(),
    _KEY.public_key.encode(),
    _KEY.public_key.upper().encode() + b"\n",
]


@HOSTILE
@given(st.binary(max_size=400) | st.sampled_from(_PEMS).flatmap(
    lambda good: st.builds(lambda at, junk: good[:at] + junk + good[at + 1:], st.integers(0, len(good)), st.binary(max_size=3))))
@example(b"")
@example(b"\xff\xfe" + "ab".encode("utf-16"))
def test_any_trusted_key_file_gives_a_public_key_or_one_input_error_naming_it(tmp_path_factory: pytest.TempPathFactory,
                                                                               data: bytes) -> None:
    path = tmp_path_factory.mktemp("trust") / "wang.pub"
    path.write_bytes(data)
    try:
        key = keys.public_key_from_file(path)
    except InputError as e:
        assert str(path) in str(e) and "\n" not in str(e)
    else:
        assert re.fullmatch(r"[0-9a-f]{64}", key)


@pytest.mark.parametrize("content", _PEMS, ids=["private-pem", "hex", "upper-hex-and-newline"])
def test_a_public_key_in_hex_or_a_private_pem_gives_the_same_public_key(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "key"
    path.write_bytes(content)
    assert keys.public_key_from_file(path) == _KEY.public_key


def test_a_huge_or_missing_key_file_is_one_line(tmp_path: Path) -> None:
    huge = tmp_path / "huge"
    huge.write_bytes(b"0" * 100_000)
    with pytest.raises(InputError, match="larger than 16 KiB"):
        keys.public_key_from_file(huge)
    with pytest.raises(InputError, match="cannot read the key file"):
        keys.public_key_from_file(tmp_path / "absent")
