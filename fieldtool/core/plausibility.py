"""Provides the plausibility rules a weight or a density meets before it is saved.

What the inspection already knows is enough to catch the usual slips at the keyboard: the balance
of the register (its Max and its scale interval d), the nominal quantity Qn and its T. Two kinds
of finding:

- a *refusal* (`Implausible.refused`): a value the balance cannot show, below zero or above its
  Max, or typed with more decimals than its d has. Such a value is never stored.
- a *question* (`Implausible.refused` False): a net far from Qn (beyond Qn ± `outlier_t` × T), a
  tare far from the others, a density outside the plausible range. Where dividing or multiplying
  the value by 10 or 1000 brings it back near Qn, the finding names that slip (`Slip`): the point
  left out, misplaced, or grams typed for kilograms. The inspector may confirm such a value; it is
  then stored with a note that it was confirmed.

Every function here is pure (no I/O); the use-cases call them with the lot's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from fieldtool.core.quantity import decimals_of
from fieldtool.errors import InputError

SLIP_FACTORS = (Decimal(10), Decimal("0.1"), Decimal(1000), Decimal("0.001"))
"""The factors a typed value is tried with, in this order: the point left out (× 10), misplaced
(÷ 10), a unit 1000 times smaller typed (g for kg: × 1000), or 1000 times larger (÷ 1000)."""

_SMALLER = {"kg": "g", "g": "mg", "L": "mL", "g/mL": "kg/m³"}
"""The unit 1000 times smaller than each, for the name of a × 1000 slip."""
_LARGER = {"g": "kg", "mg": "g", "mL": "L"}
"""The unit 1000 times larger than each, for the name of a ÷ 1000 slip."""


@dataclass(frozen=True)
class PlausibilityRules:
    """The thresholds of the checks (from the settings; the defaults are what the settings default to)."""

    outlier_t: Decimal = Decimal(5)
    """A package's net beyond Qn ± outlier_t × T asks for confirmation; 0 turns the check off."""
    tare_ratio: Decimal = Decimal(2)
    """A tare-sample weighing above ratio × or below 1/ratio × the mean of the others asks; 0: off."""
    density_low: Decimal = Decimal("0.5")
    """The lowest plausible density in g/mL (a value outside most likely has the wrong unit)."""
    density_high: Decimal = Decimal(2)
    """The highest plausible density in g/mL."""


@dataclass(frozen=True)
class BalanceLimits:
    """What the balance of the register can show, in the unit the values are typed in."""

    max_capacity: Decimal | None
    """Max; None when not known."""
    d: Decimal | None
    """The actual scale interval; None when not known."""


@dataclass(frozen=True)
class Slip:
    """The likely slip behind an implausible value: the value typed is `factor` × the one meant."""

    factor: Decimal
    """10, 0.1, 1000 or 0.001."""
    unit: str
    """The unit the value was typed in (names a × 1000 slip: g typed for kg)."""

    @property
    def meant(self) -> tuple[str, str]:
        """What the inspector most likely meant to do, in English and Chinese."""
        f, u = self.factor, self.unit
        if f == 10:
            return "point left out?", "漏输了小数点？"
        if f == Decimal("0.1"):
            return "point misplaced?", "小数点位置错了？"
        if f == 1000:
            small = _SMALLER.get(u)
            return (f"{small} typed for {u}?", f"把 {small} 当作 {u} 输入了？") if small else ("unit slip?", "单位输错了？")
        large = _LARGER.get(u)
        return (f"{large} typed for {u}?", f"把 {large} 当作 {u} 输入了？") if large else ("unit slip?", "单位输错了？")

    @property
    def relation(self) -> tuple[str, str]:
        """How the typed value relates to the expected one, in English and Chinese: ``10 ×`` and ``的 10 倍``."""
        if self.factor >= 1:
            return f"{self.factor:f} ×", f"的 {self.factor:f} 倍"
        return f"1/{(1 / self.factor):f} of", f"的 1/{(1 / self.factor):f}"


@dataclass(frozen=True)
class Implausible:
    """A value that is refused, or that needs the inspector's confirmation before it is stored."""

    refused: bool
    """True: never stored; False: stored once confirmed."""
    en: str
    """One line in English: what is wrong, with the value."""
    zh: str
    """The same in Chinese."""
    slip: Slip | None = None
    """The likely slip, when dividing or multiplying by 10 or 1000 brings the value back."""

    @property
    def note(self) -> str:
        """The note a confirmed value is stored with (English, as records are written)."""
        return f"confirmed by the inspector: {self.en}"


class ImplausibleWeight(InputError):
    """A value that is not saved until the inspector confirms it (call again with ``confirmed=True``).

    Args:
        finding: what is implausible about it (a question, never a refusal).
    """

    def __init__(self, finding: Implausible) -> None:
        super().__init__(finding.en, zh=finding.zh)
        self.finding = finding
        """What is implausible, with the note the value is stored with once confirmed."""

    @property
    def likely(self) -> Slip | None:
        """The likely slip (the point left out, grams typed for kilograms …), when one explains the value."""
        return self.finding.slip


def refuse(finding: Implausible | None, *, confirmed: bool) -> None:
    """Raise for a finding: `InputError` for a refusal, `ImplausibleWeight` for a question not yet confirmed.

    Raises:
        InputError: the finding is a refusal.
        ImplausibleWeight: the finding is a question and `confirmed` is False.
    """
    if finding is None:
        return
    if finding.refused:
        raise InputError(finding.en, zh=finding.zh)
    if not confirmed:
        raise ImplausibleWeight(finding)


def _plain(value: Decimal) -> str:
    """A value as the inspector typed it, never in exponent form."""
    return format(value, "f")


def check_reading(
    value: Decimal, what: tuple[str, str], unit: str, balance: BalanceLimits | None, *, typed: bool
) -> Implausible | None:
    """The hard limits of one weighing: not below zero, not above the balance's Max, no finer than its d (typed).

    Args:
        value: the weight as typed or read.
        what: its name in English and Chinese (``("gross weight", "毛重")``).
        unit: the unit it is in (that of `balance`'s figures too).
        balance: Max and d in `unit`; None when no balance of the register is known.
        typed: True for a typed value (a balance shows no more decimals than its d).

    Returns:
        A refusal, or None when the value is possible.
    """
    en, zh = what
    shown = _plain(value)
    if value < 0:
        return Implausible(True, f"{en} {shown} {unit} is below zero", f"{zh} {shown} {unit} 小于零")
    if balance is None:
        return None
    top = balance.max_capacity
    if top is not None and value > top:
        return Implausible(
            True,
            f"{en} {shown} {unit} is above the balance's Max of {_plain(top.normalize())} {unit}",
            f"{zh} {shown} {unit} 超出天平最大秤量 {_plain(top.normalize())} {unit}",
        )
    d = balance.d
    if typed and d is not None and d > 0:
        places = decimals_of(d.normalize())
        # 511.90 on a d = 0.01 balance is 511.9: only significant decimals count.
        significant = decimals_of(value.normalize()) if value != 0 else 0
        if significant > places:
            return Implausible(
                True,
                f"the balance shows {_plain(d.normalize())} {unit}; {shown} has {significant} decimals",
                f"天平分度值为 {_plain(d.normalize())} {unit}；{shown} 有 {significant} 位小数",
            )
    return None


Candidate = tuple[tuple[str, str] | None, Decimal]
"""A way a slip could have happened: the typed value it was in (English and Chinese, e.g. ``("tare 121",
"皮重 121")``; None: the whole entry) and the net the entry gives with that value divided by the factor."""


def check_net(
    net: Decimal,
    nominal: Decimal,
    tne: Decimal,
    unit: str,
    rules: PlausibilityRules,
    typed: str,
    typed_unit: str,
    net_if: Callable[[Decimal], list[Candidate]],
) -> Implausible | None:
    """Whether a package's net is near enough Qn, and if not, which slip likely explains it.

    Args:
        net: the net as it would be stored, in the lot's `unit`.
        nominal: Qn, in `unit`.
        tne: T for Qn, in `unit`.
        unit: the lot's unit.
        rules: the thresholds.
        typed: the entry as typed (shown in the question).
        typed_unit: the unit it was typed in (names a unit slip).
        net_if: for a factor, the ways the slip could have happened (`Candidate`): the gross alone,
            the tare alone, the whole entry.

    Returns:
        A question (never a refusal), or None when the net is plausible or the check is off.
    """
    if rules.outlier_t <= 0:
        return None
    window = rules.outlier_t * tne
    if abs(net - nominal) <= window:
        return None
    far, k = _plain(net), _plain(rules.outlier_t)
    q = f"{_plain(nominal)} {unit}"
    near = [
        (abs(candidate - nominal), i, factor, part)
        for i, factor in enumerate(SLIP_FACTORS)
        for part, candidate in net_if(factor)
        if abs(candidate - nominal) <= window
    ]
    if near:
        # The slip that lands nearest Qn: '5119 12.1' is the gross alone, '51.23 1.21' the whole entry.
        _, _, factor, part = min(near, key=lambda n: (n[0], n[1]))
        slip = Slip(factor, typed_unit)
        en, zh = slip.meant
        if part is None:
            rel_en, rel_zh = slip.relation
            return Implausible(
                False, f"{typed} {typed_unit} is {rel_en} Qn: {en}", f"{typed} {typed_unit} 是 Qn {rel_zh}：{zh}", slip
            )
        return Implausible(
            False,
            f"{part[0]} {typed_unit}: {en} (the net {far} {unit} is far from Qn {q})",
            f"{part[1]} {typed_unit}：{zh}（净含量 {far} {unit} 与 Qn {q} 相差很大）",
            slip,
        )
    return Implausible(
        False,
        f"net {far} {unit} is more than {k} T from Qn {q}",
        f"净含量 {far} {unit} 偏离 Qn {q} 超过 {k} T",
    )


def check_tare(value: Decimal, others: list[Decimal], unit: str, rules: PlausibilityRules) -> Implausible | None:
    """Whether a tare-sample weighing is near the others (from the third on), and which slip likely explains it.

    Args:
        value: the empty packaging's weight.
        others: the tare sample weighed so far.
        unit: the unit of both.
        rules: the thresholds.

    Returns:
        A question, or None when there are fewer than two others, the value is near them, or the check is off.
    """
    if rules.tare_ratio <= 0 or len(others) < 2:
        return None
    typical = sum(others, Decimal(0)) / len(others)
    if typical <= 0:
        return None

    def near(v: Decimal) -> bool:
        return typical <= v * rules.tare_ratio and v <= typical * rules.tare_ratio

    if near(value):
        return None
    places = max(decimals_of(o) for o in others) + 1
    shown, mid = _plain(value), _plain(typical.quantize(Decimal(1).scaleb(-places)))
    for factor in SLIP_FACTORS:
        if near(value / factor):
            slip = Slip(factor, unit)
            en, zh = slip.meant
            return Implausible(
                False,
                f"{shown} {unit} is {slip.relation[0]} the other empty packagings (mean {mid} {unit}): {en}",
                f"{shown} {unit} 是其余空包装（平均 {mid} {unit}）{slip.relation[1]}：{zh}",
                slip,
            )
    return Implausible(
        False,
        f"empty packaging {shown} {unit} is far from the others (mean {mid} {unit})",
        f"空包装 {shown} {unit} 与其余空包装（平均 {mid} {unit}）相差很大",
    )


def check_density(rho: Decimal, rules: PlausibilityRules, typed: str | None = None) -> Implausible | None:
    """Whether a density (g/mL) is plausible, and which slip likely explains it (kg/m³ typed for g/mL …).

    Args:
        rho: the density in g/mL, typed or computed from the flask.
        rules: the plausible range.
        typed: the density as typed (None: computed from the flask; no slip is named then).

    Returns:
        A question, or None when the density is within the range.
    """
    low, high = rules.density_low, rules.density_high
    if low <= rho <= high:
        return None
    shown = typed if typed is not None else _plain(rho)
    if typed is not None:
        for factor in SLIP_FACTORS:
            if low <= rho / factor <= high:
                slip = Slip(factor, "g/mL")
                en, zh = slip.meant
                return Implausible(
                    False,
                    f"density {shown} g/mL is outside {_plain(low)} … {_plain(high)} g/mL: {en}",
                    f"密度 {shown} g/mL 不在 {_plain(low)} … {_plain(high)} g/mL 之间：{zh}",
                    slip,
                )
    return Implausible(
        False,
        f"density {shown} g/mL is outside {_plain(low)} … {_plain(high)} g/mL",
        f"密度 {shown} g/mL 不在 {_plain(low)} … {_plain(high)} g/mL 之间",
    )


__all__ = [
    "SLIP_FACTORS",
    "BalanceLimits",
    "Candidate",
    "Implausible",
    "ImplausibleWeight",
    "PlausibilityRules",
    "Slip",
    "check_density",
    "check_net",
    "check_reading",
    "check_tare",
    "refuse",
]
