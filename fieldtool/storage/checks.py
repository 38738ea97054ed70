"""Provides the checks of values before they are recorded: a record, once written, is there for good.

Each check returns the value in its canonical form (a Decimal, an enum member, a unit's
canonical symbol) or raises `InputError` with a one-line message naming the value.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.quantity import parse_decimal, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError

E = TypeVar("E", bound=enum.Enum)


def choice(value: object, kind: type[E], what: str) -> E:
    """One of an enum's members, given as the member or its value.

    Raises:
        InputError: not one of the allowed values.
    """
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise InputError(f"{what} must be one of {allowed}; got {value!r}") from None


def text(value: object, what: str, *, required: bool = False) -> str:
    """A text value, stripped; `required` refuses an empty one.

    Raises:
        InputError: not a string, or empty although required.
    """
    if not isinstance(value, str):
        raise InputError(f"{what} must be text; got {value!r}")
    cleaned = value.strip()
    if required and not cleaned:
        raise InputError(f"{what} must not be empty")
    return cleaned


def optional_text(value: object, what: str) -> str | None:
    """A text value or None; an empty text becomes None.

    Raises:
        InputError: neither text nor None.
    """
    if value is None:
        return None
    return text(value, what) or None


def reason(value: object) -> str:
    """The reason for a correction or a withdrawal: required, one line.

    Raises:
        InputError: missing or empty.
    """
    if value is None:
        raise InputError("a reason is required to correct or withdraw a measurement", zh="更正或撤销称量值必须填写原因")
    return text(value, "reason", required=True)


def number(value: object, what: str) -> Decimal:
    """An exact, finite Decimal of any sign (a temperature), never through a float.

    Raises:
        InputError: not a finite number, or a float.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"{what}: {value} is not a finite number")
        return value
    return parse_decimal(value, what)


def quantity(value: object, what: str, *, positive: bool = False) -> Decimal:
    """A recorded quantity as an exact, finite Decimal, never negative (never through a float).

    Args:
        value: a Decimal, a str or an int.
        what: names the value in messages.
        positive: refuse zero as well.

    Raises:
        InputError: not a finite number, a float, negative, or zero when `positive`.
    """
    amount = number(value, what)
    if amount < 0 or (positive and amount == 0):
        raise InputError(f"{what} must be {'positive' if positive else 'zero or more'}; got {amount}")
    return amount


def optional_quantity(value: object, what: str, *, positive: bool = False) -> Decimal | None:
    """Like `quantity`, but None stays None."""
    return None if value is None else quantity(value, what, positive=positive)


def integer(value: object, what: str, *, minimum: int | None = None) -> int:
    """An int (not a bool), at least `minimum`.

    Raises:
        InputError: not an int, or below the minimum.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be a whole number; got {value!r}")
    if minimum is not None and value < minimum:
        raise InputError(f"{what} must be at least {minimum}; got {value}")
    return value


def day(value: object, what: str) -> date | None:
    """A calendar date or None.

    Raises:
        InputError: a datetime or anything else but a date.
    """
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InputError(f"{what} must be a date; got {value!r}")
    return value


def checked_header(header: InspectionHeader) -> InspectionHeader:
    """Check every field of an inspection header and return it in canonical form.

    Raises:
        InputError: a field is missing, of the wrong type or out of range; the message names it.
    """
    inspectors = header.inspectors
    if isinstance(inspectors, str) or not isinstance(inspectors, (tuple, list)):
        raise InputError(f"inspectors must be a list of names; got {inspectors!r}")
    names = tuple(text(name, "inspector name", required=True) for name in inspectors)
    if len(set(names)) != len(names):
        raise InputError(f"inspectors lists a name twice: {', '.join(names)}")
    seed = header.sampling_seed
    return dataclasses.replace(
        header,
        programme_id=optional_text(header.programme_id, "programme id"),
        city_id=optional_text(header.city_id, "city id"),
        site_name=text(header.site_name, "site name", required=True),
        site_address=text(header.site_address, "site address"),
        site_kind=choice(header.site_kind, SiteKind, "site kind"),
        product_id=optional_text(header.product_id, "product id"),
        brand=text(header.brand, "brand"),
        batch=text(header.batch, "batch"),
        production_date=day(header.production_date, "production date"),
        nominal=quantity(header.nominal, "nominal quantity", positive=True),
        unit=unit(text(header.unit, "unit", required=True)).symbol,
        lot_size=integer(header.lot_size, "lot size", minimum=1),
        rule_set_id=text(header.rule_set_id, "rule set id", required=True),
        variant=text(header.variant, "sampling plan variant", required=True),
        sampling_method=choice(header.sampling_method, SamplingMethod, "sampling method"),
        sampling_seed=None if seed is None else integer(seed, "sampling seed", minimum=0),
        inspectors=names,
        balance_id=optional_text(header.balance_id, "balance id"),
        tare_method=choice(header.tare_method, TareMethod, "tare method"),
        notes=text(header.notes, "notes"),
    )
