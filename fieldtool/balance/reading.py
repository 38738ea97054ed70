"""Provides what a balance gives: a `Reading` (value, unit, stable flag, raw line, time) and an `Identity`.

Also the exact number parsing shared by the protocol parsers: a weight field is read with
`Decimal(str)` after a strict ASCII pattern, so that NaN, infinities, exponents and non-ASCII
digits (all of which `Decimal` would accept) are refused as garbage, never recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
"""A weight field: optional sign, ASCII digits, at most one decimal point; no exponent."""

_SIGN_ONLY = frozenset({"+", "-"})

MAX_DIGITS = 15
"""A weight field longer than this is garbage: no balance shows more than 10 digits."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One weight reported by a balance."""

    value: Decimal
    """The weight exactly as shown, in `unit` (net of any tare set on the balance)."""
    unit: str
    """The unit symbol as sent (g, kg, mg, lb …); empty when the frame carries none (a Sartorius unstable value)."""
    stable: bool
    """True when the balance marks the value stable; only stable readings become measurements."""
    raw: str
    """The line as received, without its CR LF terminator (bytes kept one to one, latin-1)."""
    at: datetime
    """When the line was received (UTC)."""

    def __str__(self) -> str:
        shown = f"{format(self.value, 'f')} {self.unit}".rstrip()
        return shown if self.stable else f"{shown} (unstable)"


@dataclass(frozen=True)
class Identity:
    """What a balance says about itself."""

    make: str
    """The manufacturer (METTLER TOLEDO, Sartorius, A&D)."""
    protocol: str
    """The protocol it speaks: mt-sics, sbi or and."""
    model: str
    """The model designation it reports, or empty when it does not say."""
    serial: str
    """The serial number it reports, or empty when it does not say."""
    capacity: Decimal | None = None
    """Max, when the balance reports it (MT-SICS I2)."""
    capacity_unit: str = ""
    """The unit of `capacity`."""

    def __str__(self) -> str:
        parts = [self.make, self.model or "(model not reported)"]
        if self.serial:
            parts.append(f"serial {self.serial}")
        text = " ".join(parts)
        if self.capacity is not None:
            text += f", Max {format(self.capacity, 'f')} {self.capacity_unit}".rstrip()
        return text


def parse_number(token: str) -> Decimal | None:
    """A weight field as an exact Decimal, or None when it is not a plain decimal number."""
    if len(token) > MAX_DIGITS + 2 or _NUMBER.fullmatch(token) is None:
        return None
    return Decimal(token)


def signed_value(tokens: list[str]) -> tuple[Decimal | None, list[str]]:
    """Read a value from the front of `tokens`, with its sign possibly a separate token ("-", "12.3").

    Returns:
        The value (None when the front is not a number) and the tokens after it.
    """
    if tokens and tokens[0] in _SIGN_ONLY and len(tokens) > 1:
        value = parse_number(tokens[1])
        if value is None or tokens[1][0] in "+-":
            return None, tokens
        return (-value if tokens[0] == "-" else value), tokens[2:]
    if tokens:
        value = parse_number(tokens[0])
        if value is not None:
            return value, tokens[1:]
    return None, tokens


_UNIT = re.compile(r"[A-Za-z%#/]{1,5}", re.ASCII)


def is_unit(token: str) -> bool:
    """Whether a token looks like a unit symbol (g, kg, mg, ct, lb, oz, %, PC …)."""
    return _UNIT.fullmatch(token) is not None


def tokens_of(line: str) -> list[str]:
    """The whitespace-separated fields of a line (parse by whitespace, never by column)."""
    return line.split()
