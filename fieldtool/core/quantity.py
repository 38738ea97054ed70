"""Provides quantities and units: the kinds of quantity, their units and exact decimal parsing."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from fieldtool.errors import InputError


class Kind(enum.StrEnum):
    """The kind of quantity a package is labelled with."""

    MASS = "mass"
    VOLUME = "volume"
    LENGTH = "length"
    AREA = "area"
    COUNT = "count"


@dataclass(frozen=True)
class Unit:
    """A unit of a kind of quantity."""

    symbol: str
    """The canonical symbol, as stored and printed (g, kg, mL, L, m, cm, m2, count)."""
    kind: Kind
    """The kind of quantity the unit measures."""
    factor: Decimal
    """How many base units (g, mL, m, m2, count) one of this unit is."""


BASE_UNIT = {Kind.MASS: "g", Kind.VOLUME: "mL", Kind.LENGTH: "m", Kind.AREA: "m2", Kind.COUNT: "count"}
"""The unit in which each kind's TNE table is written."""

UNITS: dict[str, Unit] = {
    u.symbol: u
    for u in (
        Unit("g", Kind.MASS, Decimal(1)),
        Unit("kg", Kind.MASS, Decimal(1000)),
        Unit("mL", Kind.VOLUME, Decimal(1)),
        Unit("L", Kind.VOLUME, Decimal(1000)),
        Unit("m", Kind.LENGTH, Decimal(1)),
        Unit("cm", Kind.LENGTH, Decimal("0.01")),
        Unit("m2", Kind.AREA, Decimal(1)),
        Unit("count", Kind.COUNT, Decimal(1)),
    )
}

_ALIASES = {"ml": "mL", "l": "L", "m²": "m2", "pcs": "count", "pc": "count", "piece": "count", "pieces": "count"}


def unit(symbol: str) -> Unit:
    """Look up a unit by its symbol.

    Args:
        symbol: a canonical symbol or a common alias (ml, l, m², pcs).

    Returns:
        The unit.

    Raises:
        InputError: the symbol is not a known unit.
    """
    key = symbol.strip()
    found = UNITS.get(key) or UNITS.get(_ALIASES.get(key.lower(), key.lower()))
    if found is None:
        raise InputError(f"unknown unit {symbol!r}; use one of {', '.join(UNITS)}", zh=f"未知的单位 {symbol!r}；可用 {', '.join(UNITS)}")
    return found


def to_base(value: Decimal, u: Unit) -> Decimal:
    """Convert a value in unit `u` to the base unit of its kind (exactly)."""
    return value * u.factor


def from_base(value: Decimal, u: Unit) -> Decimal:
    """Convert a value in the base unit of `u`'s kind to unit `u` (exactly, for the shipped factors)."""
    return value / u.factor if u.factor != 1 else value


MAX_INTEGER_DIGITS = 12
"""The most digits `parse_decimal` accepts before the decimal point."""

MAX_FRACTION_DIGITS = 9
"""The most digits `parse_decimal` accepts after the decimal point."""

_PLAIN = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)
"""The whole grammar of a quantity: an optional sign, digits, and at most one point with digits after it."""

_FULL_WIDTH = frozenset("０１２３４５６７８９．－＋\u3000")
"""What a Chinese input method types for digits, the point, the signs and a space: the only non-ASCII
characters `parse_decimal` accepts, each read as its ASCII counterpart (NFKC)."""

_EXPONENT = re.compile(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", re.ASCII)
_NOT_FINITE = re.compile(r"[+-]?(nan|snan|inf|infinity)", re.ASCII | re.IGNORECASE)
_BARE_POINT = re.compile(r"[+-]?(?:[0-9]+\.|\.[0-9]+)", re.ASCII)
_SHOWN = 32
"""How many characters of a refused value an error message shows."""


FIGURES_ZH = {
    "nominal quantity": "标称净含量", "gross weight": "毛重", "tare": "皮重", "net quantity": "净含量", "density": "密度",
    "flask volume": "容量瓶体积", "filled flask": "装满后质量", "empty flask": "空瓶质量", "temperature": "温度",
    "relative humidity": "相对湿度", "balance Max": "天平最大秤量 Max", "balance d": "天平实际分度值 d",
    "balance e": "天平检定分度值 e", "balance MPE": "天平最大允许误差", "label height": "标注字符高度",
    "character height": "字符高度",
}
"""The Chinese names of the figures a user types, for the Chinese wording of the errors below."""


def _zh_name(what: str) -> str:
    return FIGURES_ZH.get(what, what)


def parse_decimal(text: object, what: str, *, signed: bool = True) -> Decimal:
    """Parse a quantity that a user, a file or the network gives, exactly, never through a float.

    The one grammar: an optional sign (where `signed` allows it), ASCII digits, and at most one
    point followed by digits; surrounding spaces are ignored. Refused, each with a one-line error
    naming `what` and the value: digit separators (``500_1``, which Python would read as 5001),
    exponents (``1e30``, ``1e-20000``), NaN and infinities, spaces inside, commas, a point without
    digits on both sides, and any other character. Full-width digits, point, signs and space (what
    a Chinese input method types: ``５００．５``) are deliberately read as their ASCII counterparts
    (Unicode NFKC); no other character is normalised, so ``5²`` or ``①`` are refused, not read as
    52 or 1.

    The digits are bounded: at most `MAX_INTEGER_DIGITS` (12) before the point and
    `MAX_FRACTION_DIGITS` (9) after it. A balance shows seven or eight significant digits (6200.00 g;
    2.100000 g on a microbalance); 12 integer digits hold any count or quantity in any unit, and 9
    decimals hold a microgram in kilograms. Within these bounds every value keeps the verdict
    engine's arithmetic exact and fast (no decimal context overflow, no exponent of thousands of
    digits to scale by).

    Args:
        text: the value as typed or read (a str, or an int from JSON or TOML; a float is refused,
            because its decimal digits are not what was recorded).
        what: names the value and where it came from, for the error message.
        signed: whether a sign is allowed; without it a negative value is refused as negative.

    Returns:
        The decimal value, with the digits as written (``500.20`` keeps its two decimals).

    Raises:
        InputError: the text is not a plain decimal number within the bounds.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise InputError(f"{what}: {_shown(text)} is not a number", zh=f"{_zh_name(what)}：{_shown(text)} 不是数字")
    if isinstance(text, float):
        raise InputError(f"{what}: give {text!r} as a string, not a JSON/TOML float, so its digits stay exact", zh=f"{_zh_name(what)}：请把 {text!r} 写成字符串而不是 JSON/TOML 浮点数，以保留准确的位数")
    cleaned = _ascii(text, what) if isinstance(text, str) else str(text)
    match = _PLAIN.fullmatch(cleaned)
    if match is None:
        raise InputError(f"{what}: {_shown(cleaned)} is not a number{_hint(cleaned)}", zh=f"{_zh_name(what)}：{_shown(cleaned)} 不是数字{_HINTS_ZH.get(_hint(cleaned), '')}")
    sign, whole, fraction = match.groups()
    if sign and not signed:
        problem = "is negative; give zero or more" if sign == "-" else "has a sign; write the digits alone"
        problem_zh = "是负数；应为零或正数" if sign == "-" else "带有正负号；请只写数字"
        raise InputError(f"{what}: {_shown(cleaned)} {problem}", zh=f"{_zh_name(what)}：{_shown(cleaned)} {problem_zh}")
    if len(whole) > MAX_INTEGER_DIGITS:
        raise InputError(f"{what}: {_shown(cleaned)} has more than {MAX_INTEGER_DIGITS} digits before the point", zh=f"{_zh_name(what)}：{_shown(cleaned)} 的整数部分超过 {MAX_INTEGER_DIGITS} 位")
    if fraction is not None and len(fraction) > MAX_FRACTION_DIGITS:
        raise InputError(f"{what}: {_shown(cleaned)} has more than {MAX_FRACTION_DIGITS} digits after the point", zh=f"{_zh_name(what)}：{_shown(cleaned)} 的小数部分超过 {MAX_FRACTION_DIGITS} 位")
    return Decimal(cleaned)


def _ascii(text: str, what: str) -> str:
    """The text stripped, full-width characters read as ASCII; any other non-ASCII character refused."""
    odd = next((c for c in text if c > "\x7f" and c not in _FULL_WIDTH and not c.isspace()), None)
    if odd is not None:
        raise InputError(f"{what}: {_shown(text.strip())} is not a number "
                         f"(the character {odd!r}, U+{ord(odd):04X}, is not an ASCII or full-width digit, point or sign)",
                         zh=f"{_zh_name(what)}：{_shown(text.strip())} 不是数字（字符 {odd!r}，U+{ord(odd):04X}，"
                            "不是半角或全角的数字、小数点或正负号）")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


_HINTS_ZH = {
    " (it is empty)": "（未填写）",
    " (digit separators such as _ are not allowed)": "（不能使用 _ 等数位分隔符）",
    " (exponents are not allowed: write the digits out)": "（不能使用指数形式：请写出全部数字）",
    " (only finite numbers)": "（只能是有限的数）",
    " (write the decimal mark as a point, without digit grouping)": "（小数点请用“.”，不要分组）",
    " (spaces inside a number are not allowed)": "（数字中间不能有空格）",
    " (write digits on both sides of the point: 0.5, 500.0)": "（小数点两边都要有数字：0.5、500.0）",
}
"""`_hint`'s words in Chinese."""


def _hint(text: str) -> str:
    """Why a text is not a number, where a common mistake explains it."""
    if not text:
        return " (it is empty)"
    if "_" in text:
        return " (digit separators such as _ are not allowed)"
    if _EXPONENT.fullmatch(text):
        return " (exponents are not allowed: write the digits out)"
    if _NOT_FINITE.fullmatch(text):
        return " (only finite numbers)"
    if "," in text:
        return " (write the decimal mark as a point, without digit grouping)"
    if any(c.isspace() for c in text):
        return " (spaces inside a number are not allowed)"
    if _BARE_POINT.fullmatch(text):
        return " (write digits on both sides of the point: 0.5, 500.0)"
    return ""


def _shown(value: object) -> str:
    """A value as an error message shows it: on one line (a text quoted), cut after a few characters."""
    text = value if isinstance(value, str) else repr(value)
    cut = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
    return repr(cut) if isinstance(value, str) else cut


def decimal_str(value: Decimal | None) -> str | None:
    """A decimal as JSON and CSV carry quantities: every recorded digit, never an exponent; None stays None.

    ``0.0000001`` stays ``0.0000001`` (``str`` would give ``1E-7``, which `parse_decimal` refuses).
    """
    return None if value is None else plain_decimal(value)


def plain_decimal(value: Decimal) -> str:
    """A decimal as plain text, every digit kept and never an exponent (what `parse_decimal` reads back)."""
    return format(value, "f")


def decimals_of(value: Decimal) -> int:
    """The number of digits after the decimal point with which a value was recorded."""
    text = str(value)  # three times faster than as_tuple(), which a lot's statistics call for every value
    if "E" not in text and "N" not in text and "n" not in text:
        point = text.find(".")
        return 0 if point < 0 else len(text) - point - 1
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


DENSITY_STEP = Decimal("0.00001")
"""Densities from a flask are kept to this step, in g/mL."""


def density_from_flask(filled_g: Decimal, empty_g: Decimal, flask_volume_ml: Decimal) -> Decimal:
    """The density in g/mL from a calibrated flask: (filled − empty) / V, rounded half-even to 0.00001 g/mL.

    Five decimals are finer than any flask weighing gives (a class A 100 mL flask is good to about
    0.1 mL), so the rounding never shows in a volume, and the stored density does not depend on
    the arithmetic context.

    Raises:
        InputError: the flask volume is not positive or the filled flask is not heavier than the empty one.
    """
    if flask_volume_ml <= 0:
        raise InputError(f"flask volume must be positive; got {flask_volume_ml} mL", zh=f"容量瓶体积应大于零；输入为 {flask_volume_ml} mL")
    if filled_g <= empty_g:
        raise InputError(f"filled flask ({filled_g} g) must weigh more than the empty flask ({empty_g} g)", zh=f"装满后质量（{filled_g} g）应大于空瓶质量（{empty_g} g）")
    return ((filled_g - empty_g) / flask_volume_ml).quantize(DENSITY_STEP, rounding=ROUND_HALF_EVEN)
