"""Provides the reading of what an inspector types: a package's entry, a positive or non-negative figure.

Each turns text into exact decimals or refuses it with an `InputError` that says what to type (in
English and Chinese); `check_entry` then holds the values against the balance and Qn
(`fieldtool.core.plausibility`). Nothing here reads or writes the store.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from fieldtool.core.plausibility import (
    BalanceLimits,
    Candidate,
    Implausible,
    PlausibilityRules,
    check_net,
    check_reading,
)
from fieldtool.core.quantity import Kind, from_base, parse_decimal, to_base
from fieldtool.errors import InputError
from fieldtool.usecases.lot_types import VOLUME_STEP, LotState

_SPLIT = re.compile(r"[\s;/]+")
"""Separates gross and tare: spaces, ';' or '/'. Not ',' — in much of the world it is the decimal mark,
and '512,3' must be refused as not a number (with the hint to write a point) rather than read as gross 512 and tare 3."""

_ZH = {
    "gross weight": "毛重", "tare": "皮重", "net quantity": "净含量", "density": "密度", "flask volume": "容量瓶体积",
    "filled flask": "装满后质量", "empty flask": "空瓶质量", "temperature": "温度",
}
"""The Chinese names of the figures an inspector types."""


def number(text: str, what: str) -> Decimal:
    """A typed figure, exactly; refused with the reason in English and Chinese.

    A comma as the decimal mark (``498,5``) is refused with the hint to write a point (``498.5``):
    reading it either way would guess.

    Raises:
        InputError: not a number; the message names `what`.
    """
    zh_what = _ZH.get(what, what)
    try:
        return parse_decimal(text, what)
    except InputError as exc:
        t = text.strip()
        if t.count(",") == 1 and "." not in t:
            pointed = t.replace(",", ".")
            try:
                parse_decimal(pointed, what)
            except (InputError, InvalidOperation):
                pass
            else:
                raise InputError(
                    f"{what}: {t!r} has a comma; use a point: {pointed}", zh=f"{zh_what}：{t} 含逗号；请用小数点：{pointed}"
                ) from None
        raise InputError(str(exc), zh=f"{zh_what}：{t!r} 不是数字") from None


def positive(text: str, what: str) -> Decimal:
    """A typed figure that must be above zero.

    Raises:
        InputError: not a number, or not positive; the message names `what`.
    """
    value = number(text, what)
    if value <= 0:
        raise InputError(f"{what} must be positive; got {value}", zh=f"{_ZH.get(what, what)}应大于零；输入为 {value}")
    return value


def nonnegative(text: str, what: str) -> Decimal:
    """A typed figure that must not be below zero.

    Raises:
        InputError: not a number, or negative; the message names `what`.
    """
    value = number(text, what)
    if value < 0:
        raise InputError(f"{what} must not be negative; got {value}", zh=f"{_ZH.get(what, what)}不能为负；输入为 {value}")
    return value


def example(state: LotState, d: Decimal | None = None) -> str:
    """An example entry that fits the lot: its unit, Qn and tare method (``512.3 12.1`` on a 500 g lot, ``1.0246 0.0242`` on 1 kg).

    Args:
        state: the lot.
        d: the balance's scale interval in the weighing unit, when known: the example has its decimals
            (else about Qn / 5000).
    """
    wu = state.weighing_unit
    nominal = state.inspection.header.nominal
    if state.unit.kind is Kind.VOLUME and wu.kind is Kind.MASS:
        nominal = from_base(to_base(nominal, state.unit), wu)  # a liquid is weighed in g: about 1 g/mL
    places = _decimals(d) if d is not None and d > 0 else max(0, -(nominal / 5000).adjusted())

    def shown(value: Decimal) -> str:
        return format(value.quantize(Decimal(1).scaleb(-places)), "f")

    if state.entry == "net":
        return shown(nominal * Decimal("1.0046"))
    gross, tare = shown(nominal * Decimal("1.0246")), shown(nominal * Decimal("0.0242"))
    return f"{gross} {tare}" if state.entry == "gross tare" else gross


def _decimals(d: Decimal) -> int:
    """The decimals a balance with scale interval `d` shows (0.01 → 2, 0.5 → 1, 1 → 0)."""
    exponent = d.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


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
            e = example(state)
            raise InputError(
                f"type the gross weight and the emptied packaging's weight, e.g. '{e}' (in {wu})",
                zh=f"请输入毛重和空包装质量，如“{e}”（{wu}）",
            )
        gross, tare = positive(parts[0], "gross weight"), nonnegative(parts[1], "tare")
    elif len(parts) != 1:
        what = "net quantity" if state.entry == "net" else "gross weight"
        raise InputError(f"type one {what} in {wu}", zh=f"请只输入一个{_ZH[what]}（{wu}）")
    elif state.entry == "net":
        net = nonnegative(parts[0], "net quantity")
        return {"net": net}
    else:
        if state.tare.average is None or not state.tare.average.accepted:
            problem = state.tare.average.problem if state.tare.average else "no tare sample"
            raise InputError(f"average tare is not ready: {problem}", zh=f"平均皮重尚不可用：{problem}")
        gross, tare = positive(parts[0], "gross weight"), state.tare.average.mean
    if tare >= gross:
        raise InputError(
            f"the tare {tare} {wu} is not less than the gross weight {gross} {wu}",
            zh=f"皮重 {tare} {wu} 不小于毛重 {gross} {wu}",
        )
    mass = gross - tare
    values: dict[str, object] = {"gross": gross, "tare": tare}
    if state.needs_density:
        if state.density is None:
            raise InputError(
                "record the product's density first (liquids are judged by volume: V = m / ρ)",
                zh="请先记录产品密度（液体按体积判定：V = m / ρ）",
            )
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


def check_entry(
    state: LotState,
    text: str,
    values: dict[str, object],
    balance: BalanceLimits | None,
    rules: PlausibilityRules,
    *,
    typed: bool,
) -> Implausible | None:
    """Hold a package's parsed values against the balance and Qn (`fieldtool.core.plausibility`).

    Args:
        state: the lot (Qn, T, its unit and entry).
        text: what was typed (shown in a question).
        values: `parse_entry`'s answer for `text`.
        balance: Max and d of the inspection's balance in the weighing unit; None when unknown.
        rules: the thresholds.
        typed: True when typed; a balance's reading is held against Max only (its d is the balance's own, and
            a reading is no typing slip).

    Returns:
        The first finding (a refusal before a question), or None when the entry is plausible.
    """
    wu = state.weighing_unit
    on_balance = balance if wu.kind is Kind.MASS else None
    net = values["net"]
    assert isinstance(net, Decimal)
    refusal = None
    for key, names in (("gross", ("gross weight", "毛重")), ("tare", ("tare", "皮重")), ("net", ("net quantity", "净含量"))):
        value = values.get(key)
        if key == "net" and state.entry != "net" or key == "tare" and state.entry == "gross":
            continue  # a net computed, or the average tare: not typed
        if isinstance(value, Decimal):
            refusal = check_reading(value, names, wu.symbol, on_balance, typed=typed)
            if refusal is not None:
                break
    if not typed:
        return refusal
    question = _far_from_qn(state, text, values, net, rules)
    if refusal is not None:
        if question is None or question.slip is None:
            return refusal
        # Above Max, yet a slip explains it (grams typed for kg): refused, and the slip named.
        en, zh = question.slip.meant
        return Implausible(True, f"{refusal.en}: {en}", f"{refusal.zh}：{zh}", question.slip)
    return question


def _far_from_qn(
    state: LotState, text: str, values: dict[str, object], net: Decimal, rules: PlausibilityRules
) -> Implausible | None:
    """The question about a typed net far from Qn (`check_net`), with the ways a slip could explain it."""
    wu = state.weighing_unit
    gross, tare = values.get("gross"), values.get("tare")
    rho = values.get("density")

    def net_of(g: Decimal, t: Decimal) -> Decimal:
        mass = g - t
        if isinstance(rho, Decimal):
            return from_base(to_base(mass, wu) / rho, state.unit)
        return mass

    def net_if(factor: Decimal) -> list[Candidate]:
        if not isinstance(gross, Decimal) or not isinstance(tare, Decimal):
            return [(None, net / factor)]
        if state.entry == "gross":  # the average tare was not typed
            return [(None, net_of(gross / factor, tare))]
        g, t = format(gross, "f"), format(tare, "f")
        return [
            ((f"gross {g}", f"毛重 {g}"), net_of(gross / factor, tare)),
            ((f"tare {t}", f"皮重 {t}"), net_of(gross, tare / factor)),
            (None, net_of(gross / factor, tare / factor)),
        ]

    h = state.inspection.header
    return check_net(net, h.nominal, state.progress.tne, state.unit.symbol, rules, text.strip(), wu.symbol, net_if)


__all__ = ["check_entry", "example", "nonnegative", "number", "parse_entry", "positive"]
