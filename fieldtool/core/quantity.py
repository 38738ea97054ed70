"""Provides quantities and units: the kinds of quantity, their units and exact decimal parsing."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

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
        raise InputError(f"unknown unit {symbol!r}; use one of {', '.join(UNITS)}")
    return found


def to_base(value: Decimal, u: Unit) -> Decimal:
    """Convert a value in unit `u` to the base unit of its kind (exactly)."""
    return value * u.factor


def from_base(value: Decimal, u: Unit) -> Decimal:
    """Convert a value in the base unit of `u`'s kind to unit `u` (exactly, for the shipped factors)."""
    return value / u.factor if u.factor != 1 else value


def parse_decimal(text: object, what: str) -> Decimal:
    """Parse a recorded value exactly, never through a float.

    Args:
        text: the value as typed, read from a file or a balance (str or int; a float is refused
            unless it is integral, because its decimal digits are not what was recorded).
        what: names the value and where it came from, for the error message.

    Returns:
        The finite decimal value.

    Raises:
        InputError: the text is not a finite decimal number.
    """
    if isinstance(text, bool):
        raise InputError(f"{what}: {text!r} is not a number")
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        if text.is_integer():
            return Decimal(int(text))
        raise InputError(f"{what}: give {text!r} as a string, not a JSON/TOML float, so its digits stay exact")
    if not isinstance(text, str):
        raise InputError(f"{what}: {text!r} is not a number")
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InputError(f"{what}: {cleaned!r} is not a number") from None
    if not value.is_finite():
        raise InputError(f"{what}: {cleaned!r} is not a finite number")
    return value


def decimal_str(value: Decimal | None) -> str | None:
    """A decimal as its exact text (every recorded digit, as JSON and CSV carry quantities); None stays None."""
    return None if value is None else str(value)


def decimals_of(value: Decimal) -> int:
    """The number of digits after the decimal point with which a value was recorded."""
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
        raise InputError(f"flask volume must be positive; got {flask_volume_ml} mL")
    if filled_g <= empty_g:
        raise InputError(f"filled flask ({filled_g} g) must weigh more than the empty flask ({empty_g} g)")
    return ((filled_g - empty_g) / flask_volume_ml).quantize(DENSITY_STEP, rounding=ROUND_HALF_EVEN)
