"""Provides the label check (净含量标注): the net-content statement as printed, parsed and judged against the label rules.

A supervision check judges the label and the net quantity separately, each with its own conclusion
(net-content-rules.md §8). The rules are data (`sampling_plans/labels/*.toml`, read by
`fieldtool.plans.labels` into `LabelRules`); this module only applies them:

- the words (净含量) present;
- the number and unit found, and equal to the lot's Qn (the total, or for a multipack the quantity
  of one unit when the lot is judged by its units);
- the unit legal for the quantity (Order 70 / Order 75 附表1: 999 g, but 1 kg);
- the characters at least as high as 附表2 asks for the quantity (measured by the inspector, 0.1 mm);
- a multipack's total equal to its count times the unit quantity;
- a drained quantity (净含量/沥干物) declared beside the net content, and not above it;
- advice, never a failure: at most three significant digits (JJF 1070-2023 amendment No. 1).

The label fails when any element fails. Every element carries its reason in Chinese and English
and the rule it applies.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from fieldtool.core.quantity import UNITS, Kind
from fieldtool.errors import InputError

MAX_LABEL_TEXT = 200
"""The longest label text read (a net-content statement is a line, not a page)."""


@dataclass(frozen=True)
class LabelUnit:
    """A unit as a label may print it."""

    symbol: str
    """How reports write it (g, kg, mL, L, mm, cm, m, mm2 …)."""
    kind: Kind
    """The kind of quantity it measures."""
    factor: Decimal
    """How many base units (g, mL, m, m2, count) one of it is."""
    spellings: tuple[str, ...]
    """How it is printed: the symbol and the Chinese name (克, 千克 …); matched without regard to case."""


@dataclass(frozen=True)
class UnitBand:
    """A row of 附表1: quantities from ``low`` (inclusive) below ``high`` (exclusive) are stated in ``units``."""

    low: Decimal
    """The smallest quantity of the band, inclusive, in the kind's base unit."""
    high: Decimal | None
    """The band's upper end, exclusive; None when open above."""
    units: tuple[str, ...]
    """The legal units (symbols)."""


@dataclass(frozen=True)
class HeightBand:
    """A row of 附表2: quantities ``above`` < Qn ≤ ``upto`` need characters at least ``min_mm`` high."""

    above: Decimal
    """The band's lower end, exclusive, in the kind's base unit."""
    upto: Decimal | None
    """The band's upper end, inclusive; None when open above."""
    min_mm: Decimal
    """The minimum character height, mm."""


@dataclass(frozen=True)
class LabelRules:
    """The label rules of one file (`sampling_plans/labels/<id>.toml`)."""

    id: str
    """The file's id."""
    name: str
    """Its title in English."""
    name_zh: str
    """Its title in Chinese."""
    sources: tuple[str, ...]
    """The legal texts the rules come from."""
    words: tuple[str, ...]
    """The words one of which the statement must carry (净含量)."""
    words_source: str
    """Where the words are required."""
    units: tuple[LabelUnit, ...]
    """Every unit a label may print."""
    unit_bands: Mapping[Kind, tuple[UnitBand, ...]]
    """附表1 by kind."""
    unit_source: str
    """The source of 附表1."""
    height_bands: Mapping[Kind, tuple[HeightBand, ...]]
    """附表2 by kind."""
    height_source: str
    """The source of 附表2."""
    max_significant_digits: int
    """The advice's limit (3)."""
    advice_source: str
    """The source of the advice."""

    def unit_named(self, spelling: str) -> LabelUnit | None:
        """The unit printed as ``spelling`` (case aside), if any."""
        key = spelling.casefold()
        for u in self.units:
            if any(key == s.casefold() for s in u.spellings):
                return u
        return None


class LabelElementCode(enum.StrEnum):
    """An element of the net-content statement that the label check judges."""

    WORDS = "words"
    QUANTITY = "quantity"
    UNIT = "unit"
    HEIGHT = "height"
    MULTIPACK = "multipack"
    DRAINED = "drained"


class LabelStatus(enum.StrEnum):
    """How an element fared."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


ELEMENT_NAMES = {
    LabelElementCode.WORDS: ("标注字样", "words"),
    LabelElementCode.QUANTITY: ("标注量值", "quantity"),
    LabelElementCode.UNIT: ("法定计量单位", "legal unit"),
    LabelElementCode.HEIGHT: ("字符高度", "character height"),
    LabelElementCode.MULTIPACK: ("多件包装", "multipack"),
    LabelElementCode.DRAINED: ("沥干物", "drained quantity"),
}
"""Each element's name in Chinese and English."""


@dataclass(frozen=True)
class LabelQuantity:
    """A quantity as printed: its number, its unit and the same in the kind's base unit."""

    number: Decimal
    """The number as printed."""
    digits: str
    """The number's digits as printed (for the significant digits)."""
    unit: LabelUnit
    """The unit printed."""

    @property
    def base(self) -> Decimal:
        """The quantity in the kind's base unit (g, mL, m, m2, count)."""
        return self.number * self.unit.factor

    @property
    def text(self) -> str:
        """As reports write it: ``500 g``."""
        return f"{self.digits} {self.unit.symbol}"


@dataclass(frozen=True)
class ParsedLabel:
    """What a net-content statement says."""

    words: tuple[str, ...]
    """The required words found in it."""
    total: LabelQuantity | None
    """The net content stated (the total of a multipack); None when only ``5×200 g`` is printed."""
    count: int | None
    """A multipack's count of units."""
    each: LabelQuantity | None
    """A multipack's quantity of one unit."""
    drained: LabelQuantity | None
    """The drained quantity (沥干物 / 固形物), when declared."""
    drained_declared: bool
    """True when the statement names a drained quantity (沥干物 or 固形物)."""

    @property
    def declared(self) -> LabelQuantity | None:
        """The net content declared: the total, else the unit quantity of a multipack."""
        return self.total if self.total is not None else self.each


@dataclass(frozen=True)
class LabelElement:
    """One element's finding."""

    code: LabelElementCode
    """Which element."""
    status: LabelStatus
    """Pass, fail or not applicable."""
    reason_zh: str
    """The finding in Chinese."""
    reason_en: str
    """The finding in English."""
    rule: str
    """The rule applied (its source)."""


@dataclass(frozen=True)
class LabelAdvice:
    """Advice on the label that does not fail it."""

    text_zh: str
    """In Chinese."""
    text_en: str
    """In English."""
    rule: str
    """Its source."""


@dataclass(frozen=True)
class LabelResult:
    """The label check of one lot: each element, the advice and the conclusion."""

    text: str
    """The statement as printed."""
    height_mm: Decimal
    """The measured character height, mm."""
    rules: LabelRules
    """The rules applied."""
    parsed: ParsedLabel
    """What the statement says."""
    elements: tuple[LabelElement, ...]
    """Each element's finding, in `LabelElementCode` order."""
    advice: tuple[LabelAdvice, ...]
    """Advice (not a failure)."""

    @property
    def passed(self) -> bool:
        """True when no element fails (合格)."""
        return all(e.status is not LabelStatus.FAIL for e in self.elements)

    @property
    def failed(self) -> tuple[LabelElementCode, ...]:
        """The elements that fail."""
        return tuple(e.code for e in self.elements if e.status is LabelStatus.FAIL)

    @property
    def conclusion(self) -> tuple[str, str]:
        """合格 / pass or 不合格 / fail."""
        return ("合格", "pass") if self.passed else ("不合格", "fail")


@dataclass(frozen=True)
class LabelCheck:
    """A label check as recorded (a ``label-checked`` record): what the inspector saw and the conclusion."""

    id: str
    """The record's id."""
    inspection_id: str
    """The inspection."""
    text: str
    """The net-content statement as printed."""
    height_mm: Decimal
    """The measured character height, mm."""
    photo: str | None
    """A reference to a photo of the label (file name or number), if one was taken."""
    by_name: str
    """Who checked it."""
    rules_id: str
    """The label rules applied (their file's id)."""
    passed: bool
    """The conclusion recorded: True for 合格."""
    failed: tuple[str, ...]
    """The elements recorded as failing (`LabelElementCode` values)."""
    recorded_at: datetime
    """When it was recorded (aware, UTC)."""


# -- parsing --------------------------------------------------------------------------------------

_NUMBER = r"\d+(?:\.\d+)?"
_TIMES = r"\s*[×xX*]\s*"
_PACK_WORDS = r"(?:袋|包|瓶|罐|盒|听|支|个|件|pcs|packs?)?"


def _normal(text: str) -> str:
    # NFKC turns full-width digits, colons and brackets into ASCII ones; × stays ×.
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _quantity_pattern(rules: LabelRules) -> str:
    spellings = sorted({s for u in rules.units for s in u.spellings}, key=len, reverse=True)
    names = "|".join(re.escape(s) for s in spellings)
    # A unit ends where a letter would not continue it: "5 g" but not the "m" of "mL" as "m".
    return rf"(?P<num>{_NUMBER})\s*(?P<unit>{names})(?![A-Za-z²2])"


def _quantity(rules: LabelRules, num: str, spelling: str) -> LabelQuantity:
    u = rules.unit_named(spelling)
    assert u is not None  # the pattern only matches known spellings
    return LabelQuantity(Decimal(num), num, u)


def parse_label(text: str, rules: LabelRules) -> ParsedLabel:
    """Read a net-content statement as printed.

    Forms read: ``净含量：500克``, ``净含量(净重): 1.5 kg``, ``Net content 500 g``, multipacks
    ``净含量：1000克（5×200克）``, ``5×200 g`` or ``200 g × 5袋``, drained
    ``净含量/沥干物：425克/250克`` or ``净含量：425克 沥干物：250克``; full-width characters too.

    Args:
        text: the statement as printed.
        rules: the label rules (their units and words).

    Returns:
        What it says; quantities it does not state are None.
    """
    s = _normal(text)
    words = tuple(w for w in rules.words if _normal(w) in s)
    drained_declared = "沥干物" in s or "固形物" in s or "drained" in s.casefold()
    q = _quantity_pattern(rules)
    count: int | None = None
    each: LabelQuantity | None = None
    multi = re.search(rf"(?P<count>\d+){_TIMES}{q}", s)
    if multi is None:
        multi = re.search(rf"{q}{_TIMES}(?P<count>\d+)\s*{_PACK_WORDS}", s)
    if multi is not None:
        count = int(multi.group("count"))
        each = _quantity(rules, multi.group("num"), multi.group("unit"))
        s = s[: multi.start()] + " " + s[multi.end():]
    found = [_quantity(rules, m.group("num"), m.group("unit")) for m in re.finditer(q, s)]
    total = found[0] if found else None
    drained = found[1] if drained_declared and len(found) > 1 else None
    return ParsedLabel(words, total, count, each, drained, drained_declared)


def significant_digits(digits: str) -> int:
    """The significant digits of a number as printed: ``5.55`` 3, ``0.5`` 1, ``1250`` 3, ``1000`` 1, ``5.50`` 3.

    Leading zeros never count; in a whole number trailing zeros do not either (1000 g is read as one
    significant digit, as the amendment's examples read it); after a decimal point every digit does.
    """
    if "." in digits:
        return len(digits.replace(".", "").lstrip("0"))
    return len(digits.lstrip("0").rstrip("0"))


# -- judging --------------------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _in_unit(base: Decimal, symbol: str) -> str:
    u = UNITS.get(symbol)
    return f"{_fmt(base / u.factor)} {symbol}" if u is not None else f"{_fmt(base)} {symbol}"


def legal_units(rules: LabelRules, kind: Kind, base: Decimal) -> tuple[str, ...] | None:
    """The units 附表1 allows for a quantity (in base units), or None when the table has no row for it."""
    for band in rules.unit_bands.get(kind, ()):
        if band.low <= base and (band.high is None or base < band.high):
            return band.units
    return None


def min_height(rules: LabelRules, kind: Kind, base: Decimal) -> Decimal | None:
    """The minimum character height (mm) 附表2 asks for a quantity (in base units), or None when it has no row."""
    for band in rules.height_bands.get(kind, ()):
        if band.above < base and (band.upto is None or base <= band.upto):
            return band.min_mm
    return None


def _element(code: LabelElementCode, ok: bool | None, zh: str, en: str, rule: str) -> LabelElement:
    status = LabelStatus.NOT_APPLICABLE if ok is None else (LabelStatus.PASS if ok else LabelStatus.FAIL)
    return LabelElement(code, status, zh, en, rule)


def check_label(
    text: str, height_mm: Decimal, nominal: Decimal, lot_unit: str, rules: LabelRules
) -> LabelResult:
    """Judge a net-content statement as printed against the label rules and the lot's Qn.

    Args:
        text: the statement as printed.
        height_mm: the measured height of its characters, mm.
        nominal: the lot's Qn, in ``lot_unit``.
        lot_unit: the lot's unit symbol (g, kg, mL, L, m, cm, m2, count).
        rules: the label rules.

    Returns:
        Every element's finding, the advice and (`LabelResult.passed`) the conclusion.
    """
    parsed = parse_label(text, rules)
    lot = UNITS[lot_unit]
    qn_base = nominal * lot.factor
    out: list[LabelElement] = []
    words = " / ".join(rules.words)
    if parsed.words:
        out.append(_element(LabelElementCode.WORDS, True, f"标有“{parsed.words[0]}”字样",
                            f"the words “{parsed.words[0]}” are printed", rules.words_source))
    else:
        out.append(_element(LabelElementCode.WORDS, False, f"未标“{words}”字样", f"the words “{words}” are missing",
                            rules.words_source))
    declared = parsed.declared
    source_qn = "; ".join(rules.sources[:1])
    if declared is None:
        out.append(_element(LabelElementCode.QUANTITY, False, "未找到量值和计量单位",
                            "no number with a unit was found", source_qn))
    elif declared.unit.kind is not lot.kind:
        out.append(_element(LabelElementCode.QUANTITY, False,
                            f"标注 {declared.text} 与批的计量单位 {lot.symbol} 不是同一类量",
                            f"{declared.text} is not the same kind of quantity as the lot's {lot.symbol}", source_qn))
    else:
        matches = [q for q in (parsed.total, parsed.each) if q is not None and q.base == qn_base]
        if matches:
            which = "单件" if matches[0] is parsed.each and parsed.total is not None else ""
            out.append(_element(LabelElementCode.QUANTITY, True, f"标注{which} {matches[0].text} 等于 Qn {nominal} {lot.symbol}",
                                f"{'the unit quantity ' if which else ''}{matches[0].text} equals Qn {nominal} {lot.symbol}",
                                source_qn))
        else:
            out.append(_element(LabelElementCode.QUANTITY, False, f"标注 {declared.text} 不等于 Qn {nominal} {lot.symbol}",
                                f"{declared.text} is not Qn {nominal} {lot.symbol}", source_qn))
    out.append(_unit_element(parsed, rules))
    out.append(_height_element(declared, lot.kind, qn_base, height_mm, rules))
    out.append(_multipack_element(parsed, rules))
    out.append(_drained_element(parsed, rules))
    advice = _advice(parsed, rules)
    # The text is kept as printed (spaces aside): only the parsing reads it normalised.
    return LabelResult(" ".join(text.split()), height_mm, rules, parsed, tuple(out), advice)


def _unit_element(parsed: ParsedLabel, rules: LabelRules) -> LabelElement:
    stated = [q for q in (parsed.total, parsed.each, parsed.drained) if q is not None]
    if not stated:
        return _element(LabelElementCode.UNIT, False, "未标注计量单位", "no unit is printed", rules.unit_source)
    wrong: list[tuple[LabelQuantity, tuple[str, ...]]] = []
    for q in stated:
        legal = legal_units(rules, q.unit.kind, q.base)
        if legal is not None and q.unit.symbol not in legal:
            wrong.append((q, legal))
    if not wrong:
        shown = "、".join(q.text for q in stated)
        return _element(LabelElementCode.UNIT, True, f"{shown} 的计量单位符合附表1",
                        f"the unit of {', '.join(q.text for q in stated)} is legal for its quantity (table 1)",
                        rules.unit_source)
    q, legal = wrong[0]
    return _element(LabelElementCode.UNIT, False,
                    f"{q.text} 应以 {' 或 '.join(legal)} 标注（{_in_unit(q.base, legal[0])}）",
                    f"{q.text} must be stated in {' or '.join(legal)} ({_in_unit(q.base, legal[0])})",
                    rules.unit_source)


def _height_element(
    declared: LabelQuantity | None, lot_kind: Kind, qn_base: Decimal, height_mm: Decimal, rules: LabelRules
) -> LabelElement:
    kind, base = (declared.unit.kind, declared.base) if declared is not None else (lot_kind, qn_base)
    need = min_height(rules, kind, base)
    if need is None:
        return _element(LabelElementCode.HEIGHT, None, "附表2 对此量值无规定", "table 2 sets no height for this quantity",
                        rules.height_source)
    if height_mm >= need:
        return _element(LabelElementCode.HEIGHT, True, f"字符高度 {height_mm} mm，不低于 {need} mm",
                        f"characters {height_mm} mm high, at least {need} mm", rules.height_source)
    return _element(LabelElementCode.HEIGHT, False, f"字符高度 {height_mm} mm，低于 {need} mm",
                    f"characters {height_mm} mm high, below the {need} mm required", rules.height_source)


def _multipack_element(parsed: ParsedLabel, rules: LabelRules) -> LabelElement:
    source = "; ".join(rules.sources[:1])
    if parsed.count is None or parsed.each is None:
        return _element(LabelElementCode.MULTIPACK, None, "非多件包装", "not a multipack", source)
    if parsed.total is None:
        return _element(LabelElementCode.MULTIPACK, True, f"标注件数及单件量 {parsed.count}×{parsed.each.text}",
                        f"the count and unit quantity {parsed.count} × {parsed.each.text} are printed", source)
    product = parsed.each.base * parsed.count
    if parsed.total.unit.kind is parsed.each.unit.kind and product == parsed.total.base:
        return _element(LabelElementCode.MULTIPACK, True,
                        f"总量 {parsed.total.text} 等于 {parsed.count}×{parsed.each.text}",
                        f"the total {parsed.total.text} equals {parsed.count} × {parsed.each.text}", source)
    return _element(LabelElementCode.MULTIPACK, False,
                    f"总量 {parsed.total.text} 不等于 {parsed.count}×{parsed.each.text}",
                    f"the total {parsed.total.text} is not {parsed.count} × {parsed.each.text}", source)


def _drained_element(parsed: ParsedLabel, rules: LabelRules) -> LabelElement:
    source = "; ".join(rules.sources[:1])
    if not parsed.drained_declared:
        return _element(LabelElementCode.DRAINED, None, "未标注沥干物", "no drained quantity declared", source)
    if parsed.drained is None or parsed.total is None:
        return _element(LabelElementCode.DRAINED, False, "标注了沥干物，但未同时标注净含量和沥干物的量值",
                        "a drained quantity is named but the net and drained quantities are not both stated", source)
    if parsed.drained.unit.kind is not parsed.total.unit.kind or parsed.drained.base > parsed.total.base:
        return _element(LabelElementCode.DRAINED, False,
                        f"沥干物 {parsed.drained.text} 大于净含量 {parsed.total.text}",
                        f"the drained quantity {parsed.drained.text} exceeds the net content {parsed.total.text}",
                        source)
    return _element(LabelElementCode.DRAINED, True, f"净含量 {parsed.total.text}，沥干物 {parsed.drained.text}",
                    f"net content {parsed.total.text}, drained {parsed.drained.text}", source)


def _advice(parsed: ParsedLabel, rules: LabelRules) -> tuple[LabelAdvice, ...]:
    limit = rules.max_significant_digits
    out: list[LabelAdvice] = []
    for q in (parsed.total, parsed.each, parsed.drained):
        if q is not None and significant_digits(q.digits) > limit:
            out.append(LabelAdvice(
                f"{q.text} 有 {significant_digits(q.digits)} 位有效数字；建议不超过 {limit} 位（建议，不判为不合格）",
                f"{q.text} has {significant_digits(q.digits)} significant digits; at most {limit} are recommended "
                "(advice, not a failure)",
                rules.advice_source,
            ))
    return tuple(out)


def parse_height(text: object, where: str = "character height") -> Decimal:
    """A character height as typed: a positive number of mm to 0.1 mm.

    Raises:
        InputError: not a number, not positive, more than 100 mm, or finer than 0.1 mm.
    """
    raw = str(text).strip() if isinstance(text, (str, Decimal, int)) else None
    at = "字符高度" if where == "character height" else where
    if raw is None:
        raise InputError(f"{where}: {text!r} is not a number of mm", zh=f"{at}：{text!r} 不是以 mm 为单位的数字")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InputError(f"{where}: {raw!r} is not a number of mm", zh=f"{at}：{raw!r} 不是以 mm 为单位的数字") from None
    if not value.is_finite() or value <= 0:
        raise InputError(f"{where}: {raw} mm must be positive", zh=f"{at}：{raw} mm 应大于零")
    if value > 100:
        raise InputError(f"{where}: {raw} mm is more than 100 mm; give the height of one character in mm", zh=f"{at}：{raw} mm 超过 100 mm；请填写单个字符的高度（mm）")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -1:
        raise InputError(f"{where}: {raw} mm is finer than 0.1 mm; measure the height to 0.1 mm", zh=f"{at}：{raw} mm 精确到了 0.1 mm 以下；请测量到 0.1 mm")
    return value


__all__ = [
    "ELEMENT_NAMES",
    "MAX_LABEL_TEXT",
    "HeightBand",
    "LabelAdvice",
    "LabelCheck",
    "LabelElement",
    "LabelElementCode",
    "LabelQuantity",
    "LabelResult",
    "LabelRules",
    "LabelStatus",
    "LabelUnit",
    "ParsedLabel",
    "UnitBand",
    "check_label",
    "legal_units",
    "min_height",
    "parse_height",
    "parse_label",
    "significant_digits",
]
