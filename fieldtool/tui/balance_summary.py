"""Provides `balance_summary`: a balance of the register in one line, short for a list or with every register figure."""

from __future__ import annotations

from fieldtool.core.inspection import Balance
from fieldtool.tui.i18n import T

SUMMARY = T(
    "{make} {model} · no. {serial} · id {id} · Max {max} {unit} · d {d} · e {e} · class {cls} · MPE {mpe} · calibrated until {due}",
    "{make} {model} · 编号 {serial} · id {id} · Max {max} {unit} · d {d} · e {e} · 等级 {cls} · MPE {mpe} · 校准有效期至 {due}",
)
"""Every register figure of a balance (unknown ones as a dash)."""


def balance_summary(b: Balance, *, long: bool = False, lang: str = "en") -> str:
    """A balance in one line: short (make, model, serial, Max) for a list, or every register figure."""
    if not long:
        return f"{b.make} {b.model} · {b.serial} · Max {b.max_capacity} {b.unit}"
    unknown = "—"
    return SUMMARY.render(
        lang, make=b.make, model=b.model, serial=b.serial, id=b.id[:8], max=b.max_capacity, unit=b.unit, d=b.d,
        e=b.e if b.e is not None else unknown, cls=b.accuracy_class or unknown, mpe=b.mpe if b.mpe is not None else unknown,
        due=b.calibration_due or unknown,
    )
