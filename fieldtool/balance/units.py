"""Provides the exact conversion of a balance's reading to an inspection's unit and the check that it may be recorded."""

from __future__ import annotations

from decimal import Decimal

from fieldtool.balance.errors import EmptyPan, UnitMismatch
from fieldtool.balance.reading import Reading
from fieldtool.errors import InputError

POWERS_OF_TEN = {"mg": -3, "g": 0, "kg": 3}
"""Mass units a balance may read in, as powers of ten of a gram: converted exactly by shifting the point."""


def convert(reading: Reading, to_unit: str, port: str = "") -> Decimal:
    """The reading's value in `to_unit`, exactly (``Decimal.scaleb``: the recorded digits are kept).

    Raises:
        UnitMismatch: the reading has no unit, or it cannot be converted to `to_unit`.
    """
    have = reading.unit
    if have == to_unit:
        return reading.value
    if have in POWERS_OF_TEN and to_unit in POWERS_OF_TEN:
        return reading.value.scaleb(POWERS_OF_TEN[have] - POWERS_OF_TEN[to_unit])
    if not have:
        raise UnitMismatch(port, "the reading carries no unit; it cannot be recorded", zh="读数没有单位，不能记录")
    if to_unit in POWERS_OF_TEN:
        raise UnitMismatch(port, f"the balance reads in {have}; set it to g or kg (this inspection weighs in {to_unit})", zh=f"天平以 {have} 为单位；请设为 g 或 kg（本次检验以 {to_unit} 称量）")
    raise UnitMismatch(port, f"the balance reads in {have}, but this inspection records {to_unit}: enter the values by hand", zh=f"天平以 {have} 为单位，而本次检验记录 {to_unit}：请手工输入")


def recordable(reading: Reading, unit: str, port: str, what: str = "package") -> Decimal:
    """The reading's value in `unit`, when it may be recorded: stable, in a convertible unit, a load on the pan.

    Raises:
        InputError: the reading is not stable.
        UnitMismatch: its unit cannot be converted to `unit`.
        EmptyPan: it is zero or negative.
    """
    if not reading.stable:
        raise InputError(f"an unstable reading ({reading}) is never recorded", zh=f"不稳定的读数（{reading}）不会被记录")
    value = convert(reading, unit, port)
    if value <= 0:
        raise EmptyPan(port, f"the balance reads {reading}; put the {what} on the pan", zh=f"天平读数为 {reading}；请把待称物放上秤盘")
    return value
