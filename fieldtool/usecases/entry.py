"""Provides the reading of what an inspector types: a package's entry, a positive or non-negative figure.

Each turns text into exact decimals or refuses it with an `InputError` that says what to type;
nothing here reads or writes the store.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from fieldtool.core.quantity import from_base, parse_decimal, to_base
from fieldtool.errors import InputError
from fieldtool.usecases.lot_types import VOLUME_STEP, LotState

_SPLIT = re.compile(r"[\s;/]+")
"""Separates gross and tare: spaces, ';' or '/'. Not ',' — in much of the world it is the decimal mark,
and '512,3' must be refused as not a number rather than read as gross 512 and tare 3."""


def positive(text: str, what: str) -> Decimal:
    """A typed figure that must be above zero.

    Raises:
        InputError: not a number, or not positive; the message names `what`.
    """
    value = parse_decimal(text, what)
    if value <= 0:
        raise InputError(f"{what} must be positive; got {value}")
    return value


def nonnegative(text: str, what: str) -> Decimal:
    """A typed figure that must not be below zero.

    Raises:
        InputError: not a number, or negative; the message names `what`.
    """
    value = parse_decimal(text, what)
    if value < 0:
        raise InputError(f"{what} must not be negative; got {value}")
    return value


def parse_entry(state: LotState, text: str) -> dict[str, object]:
    """Turn what was typed for one package into the values to store (net, gross, tare, density).

    Args:
        state: the lot, for its entry (``net``, ``gross`` or ``gross tare``), tare, density and units.
        text: what was typed, or read from the balance.

    Returns:
        The keyword arguments of `SqliteStore.record_measurement` (and `correct_measurement`).

    Raises:
        InputError: the text does not fit the entry the tare method asks for, or the net is negative.
    """
    parts = [p for p in _SPLIT.split(text.strip()) if p]
    wu = state.weighing_unit.symbol
    if state.entry == "gross tare":
        if len(parts) != 2:
            raise InputError(f"type the gross weight and the emptied packaging's weight, e.g. '512.3 12.1' (in {wu})")
        gross, tare = positive(parts[0], "gross weight"), nonnegative(parts[1], "tare")
    elif len(parts) != 1:
        raise InputError(f"type one {'net quantity' if state.entry == 'net' else 'gross weight'} in {wu}")
    elif state.entry == "net":
        net = nonnegative(parts[0], "net quantity")
        return {"net": net}
    else:
        if state.tare.average is None or not state.tare.average.accepted:
            problem = state.tare.average.problem if state.tare.average else "no tare sample"
            raise InputError(f"average tare is not ready: {problem}")
        gross, tare = positive(parts[0], "gross weight"), state.tare.average.mean
    if tare >= gross:
        raise InputError(f"the tare {tare} {wu} is not less than the gross weight {gross} {wu}")
    mass = gross - tare
    values: dict[str, object] = {"gross": gross, "tare": tare}
    if state.needs_density:
        if state.density is None:
            raise InputError("record the product's density first (liquids are judged by volume: V = m / ρ)")
        rho = state.density.density_g_per_ml
        volume = from_base(to_base(mass, state.weighing_unit) / rho, state.unit)
        values |= {
            "net": volume.quantize(VOLUME_STEP[state.unit.symbol], rounding=ROUND_HALF_EVEN),
            "density": rho,
            "weighing_unit": wu,
        }
    else:
        values["net"] = mass
    return values


__all__ = ["nonnegative", "parse_entry", "positive"]
