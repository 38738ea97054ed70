"""Parsers against recorded frames of every kind, malformed ones included, and fuzzed: only typed errors escape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fieldtool.balance import aandd, mtsics, sbi
from fieldtool.balance.errors import (
    BalanceError,
    Busy,
    CommandRefused,
    Overload,
    ProtocolError,
    StabilityTimeout,
    Underload,
)
from fieldtool.balance.reading import Reading, parse_number, signed_value

AT = datetime(2012, 6, 1, tzinfo=UTC)
PORT = "test"


def reading(line: str, parser: Callable[[str, str, datetime], Reading | None]) -> tuple[str, str, bool] | None:
    r = parser(line, PORT, AT)
    return None if r is None else (format(r.value, "f"), r.unit, r.stable)


# -- MT-SICS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("S S     100.00 g", ("100.00", "g", True)),
        ("S D     100.02 g", ("100.02", "g", False)),
        ("S S      -0.12 g", ("-0.12", "g", True)),
        ("S S   1.234567 kg", ("1.234567", "kg", True)),
        ("S S  - 3.5 g", ("-3.5", "g", True)),
        ("S  S   220.0000   mg", ("220.0000", "mg", True)),
        ("S I", None),
    ],
)
def test_mt_sics_weight_frames(line: str, expected: tuple[str, str, bool] | None) -> None:
    assert reading(line, mtsics.parse_weight) == expected


def test_mt_sics_keeps_the_raw_line_and_the_exact_digits() -> None:
    r = mtsics.parse_weight("S S     100.10 g", PORT, AT)
    assert r is not None and r.raw == "S S     100.10 g" and r.at == AT
    assert r.value == Decimal("100.10") and str(r.value) == "100.10"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("S +", Overload), ("S -", Underload), ("ES", CommandRefused), ("ET", CommandRefused), ("EL", CommandRefused),
        ("SI S 100.00 g", ProtocolError),  # the wrong prefix of one public emulator
        ("S S 100.00", ProtocolError), ("S S g 100.00", ProtocolError), ("S S NaN g", ProtocolError),
        ("S S Infinity g", ProtocolError), ("S S 1e3 g", ProtocolError), ("S S ١٢٣ g", ProtocolError),
        ("S S 1.2.3 g", ProtocolError), ("S S 100.00 g extra", ProtocolError), ("S X 100 g", ProtocolError),
        ("S", ProtocolError), ("", ProtocolError), ("\x00\xff\xfe", ProtocolError), ("S S 100,00 g", ProtocolError),
        ("S S 12345678901234567890 g", ProtocolError),
    ],
)
def test_mt_sics_refuses(line: str, error: type[BalanceError]) -> None:
    with pytest.raises(error) as caught:
        mtsics.parse_weight(line, PORT, AT)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("balance on test: ")


def test_mt_sics_tare_zero_and_acks() -> None:
    assert mtsics.parse_tare("T S      12.30 g", PORT) == (Decimal("12.30"), "g")
    assert mtsics.parse_tare("TA A       0.00 g", PORT) == (Decimal("0.00"), "g")
    for line, error in (("T I", StabilityTimeout), ("T +", Overload), ("T -", Underload), ("EL", CommandRefused), ("T S", ProtocolError)):
        with pytest.raises(error):
            mtsics.parse_tare(line, PORT)
    mtsics.parse_ack("Z A", PORT, "Z")
    mtsics.parse_ack("TAC A", PORT, "TAC")
    for line, error in (("Z I", StabilityTimeout), ("Z +", Overload), ("Z -", Underload), ("ES", CommandRefused), ("Z Q", ProtocolError), ("T A", ProtocolError)):
        with pytest.raises(error):
            mtsics.parse_ack(line, PORT, "Z")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('I2 A "WXS205SDU" 220.0000 g', ("WXS205SDU", Decimal("220.0000"), "g")),
        ('I2 A "WXS205SDU WXS-S 220.0000 g"', ("WXS205SDU WXS-S", Decimal("220.0000"), "g")),
        ('I2 A "PG5002-S"', ("PG5002-S", None, "")),
        ("ES", ("", None, "")),
        ("I2 I", ("", None, "")),
    ],
)
def test_mt_sics_identification(line: str, expected: tuple[str, Decimal | None, str]) -> None:
    assert mtsics.parse_i2(line) == expected


def test_mt_sics_serial_number() -> None:
    assert mtsics.parse_i4('I4 A "1126493049"') == "1126493049"
    assert mtsics.parse_i4("I4 A 1126493049") == "1126493049"
    assert mtsics.parse_i4("ES") == ""


# -- Sartorius SBI ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("+    123.56 g  ", ("123.56", "g", True)),  # the reference's example
        ("+   123.56 g  ", ("123.56", "g", True)),  # 16 characters with CR LF
        ("-     12.34 g  ", ("-12.34", "g", True)),
        ("     1234 kg ", ("1234", "kg", True)),  # sign position blank for positive
        ("+    123.56     ", ("123.56", "", False)),  # blank unit: unstable
        ("N     +   123.56 g  ", ("123.56", "g", True)),  # 22 characters, id N
        ("G#    +   123.56 g  ", ("123.56", "g", True)),
        ("N     -     0.02    ", ("-0.02", "", False)),
        ("Stat", None),
        ("Stat     L  ", None),
    ],
)
def test_sbi_frames(line: str, expected: tuple[str, str, bool] | None) -> None:
    assert reading(line, sbi.parse_frame) == expected


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("      High    ", Overload), ("       Low    ", Underload), ("N         High    ", Overload),
        ("Err 02", CommandRefused), ("Err", CommandRefused),
        ("+ 12.3.4 g", ProtocolError), ("+ 123.45 g extra", ProtocolError), ("g", ProtocolError), ("", ProtocolError),
        ("+ NaN g", ProtocolError), ("\x1b\x1b\x1b", ProtocolError), ("+ + 12 g", ProtocolError),
    ],
)
def test_sbi_refuses(line: str, error: type[BalanceError]) -> None:
    with pytest.raises(error):
        sbi.parse_frame(line, PORT, AT)


def test_sbi_text_replies_are_told_from_frames() -> None:
    assert sbi.is_text_reply("BSA6202S-CW") and sbi.is_text_reply("0035503452") and sbi.is_text_reply("00-38-14")
    for frame in ("+   123.56 g", "N     +   123.56 g", "123.56", "Stat", "High", "", "\xff\xfe"):
        assert not sbi.is_text_reply(frame), frame


# -- A&D -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ST,+00123.45  g", ("123.45", "g", True)),
        ("US,+00123.47  g", ("123.47", "g", False)),
        ("ST,-00001.23  g", ("-1.23", "g", True)),
        ("ST,+0.51230 kg", ("0.51230", "kg", True)),
        ("QT,+00000012 PC", ("12", "PC", True)),
    ],
)
def test_and_frames(line: str, expected: tuple[str, str, bool]) -> None:
    assert reading(line, aandd.parse_frame) == expected


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("OL,+999999.9  g", Overload), ("OL,-999999.9  g", Underload), ("OL,+9999999E+19", Overload),
        ("EC,E1", CommandRefused), ("EC,E2", Busy), ("XX,+00123.45  g", ProtocolError), ("ST+00123.45  g", ProtocolError),
        ("ST,+00123.45", ProtocolError), ("ST,abc g", ProtocolError), ("", ProtocolError), (",", ProtocolError),
    ],
)
def test_and_refuses(line: str, error: type[BalanceError]) -> None:
    with pytest.raises(error):
        aandd.parse_frame(line, PORT, AT)


# -- numbers ---------------------------------------------------------------------------------


def test_numbers_are_exact_and_strict() -> None:
    assert parse_number("00123.450") == Decimal("123.450")
    assert parse_number("-.5") == Decimal("-0.5")
    for bad in ("NaN", "inf", "1e3", "1_000", "١", "", "+", ".", "1.2.3", " 1"):
        assert parse_number(bad) is None, bad
    assert signed_value(["-", "12.5", "g"]) == (Decimal("-12.5"), ["g"])
    assert signed_value(["-", "-12.5"]) == (None, ["-", "-12.5"])


# -- fuzzing: nothing but typed errors escapes a parser ----------------------------------------

PARSERS: list[Callable[[str, str, datetime], object]] = [mtsics.parse_weight, sbi.parse_frame, aandd.parse_frame]
OTHERS: list[Callable[[str], object]] = [
    lambda line: mtsics.parse_tare(line, PORT), lambda line: mtsics.parse_ack(line, PORT, "Z"),
    mtsics.parse_i2, mtsics.parse_i4, sbi.is_text_reply, sbi.looks_like_frame, aandd.looks_like_frame,
]

frames = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    # Near misses: real frames with one character changed, dropped or repeated.
    st.tuples(
        st.sampled_from(["S S     100.00 g", "S D  -1.5 kg", "+   123.56 g  ", "N     +   1.0     ", "ST,+00123.45  g", "OL,-999999.9  g", 'I2 A "X" 1 g']),
        st.integers(0, 20), st.characters(), st.sampled_from(["replace", "drop", "repeat"]),
    ).map(lambda t: _mutate(*t)),
)


def _mutate(line: str, index: int, char: str, how: str) -> str:
    i = index % len(line)
    if how == "replace":
        return line[:i] + char + line[i + 1:]
    if how == "drop":
        return line[:i] + line[i + 1:]
    return line[:i] + line[i] * 3 + line[i:]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
@example(" ")  # found by CI: a blank line crashed the SBI text-reply check
def test_fuzzed_frames_raise_only_typed_errors(line: str) -> None:
    for parse in PARSERS:
        try:
            result = parse(line, PORT, AT)
        except BalanceError as exc:
            assert "\n" not in str(exc)
        else:
            assert result is None or (isinstance(result, Reading) and result.value.is_finite())
    for other in OTHERS:
        try:
            other(line)
        except BalanceError:
            pass  # a typed error is the expected outcome for garbage
