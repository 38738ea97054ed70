"""TNE (tolerable negative error) of every shipped rule set, at every band edge.

Expected values come from shared/reference/net-content-rules.md §1 (bands, rounding, other
quantities) and §4 (EU: 5 g to 10 kg), never from the code under test. Decimals are compared by
value, so 15 and 15.0 are equal but 4.545 and 4.5 are not.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldtool.core.quantity import Kind, to_base, unit
from fieldtool.core.rules import tne, tne_base
from fieldtool.errors import FieldtoolError, OutOfScopeError
from tests.unit.conftest import EU, JJF, OIML, rules

REFUSED = None
"""Marks a nominal quantity that the rule set must refuse."""


def t_of(rule_id: str, qn: str, symbol: str = "g") -> Decimal:
    return tne(rules(rule_id), Decimal(qn), unit(symbol))


# Qn in g: T under JJF 1070-2005 (GB/T 8170 half-even), OIML R 87 (round up), EU 76/211 (round up,
# 5 g to 10 kg). Hand-derived from §1: percentage bands give the raw value in the comment.
MASS_EDGES = [
    # Qn        JJF       OIML      EU          raw percentage-derived value
    ("1", "0.1", "0.1", REFUSED),  # 9 % → 0.09; EU starts at 5 g
    ("5", "0.4", "0.5", "0.5"),  # 9 % → 0.45: half-even keeps the even 4, up gives 0.5
    ("25", "2.2", "2.3", "2.3"),  # 9 % → 2.25
    ("50", "4.5", "4.5", "4.5"),  # 9 % → 4.50, top of the first band (inclusive)
    ("50.1", "4.5", "4.5", "4.5"),  # absolute band 50 < Qn ≤ 100
    ("100", "4.5", "4.5", "4.5"),  # still absolute (upper bound inclusive)
    ("100.1", "4.5", "4.6", "4.6"),  # 4.5 % → 4.5045
    ("101", "4.5", "4.6", "4.6"),  # 4.5 % → 4.545 (reference example)
    ("150", "6.8", "6.8", "6.8"),  # 4.5 % → 6.75: half-even gives 6.8 (reference example)
    ("200", "9.0", "9.0", "9.0"),  # 4.5 % → 9.000
    ("200.1", "9", "9", "9"),  # absolute band 200 < Qn ≤ 300
    ("300", "9", "9", "9"),
    ("300.1", "9.0", "9.1", "9.1"),  # 3 % → 9.003
    ("500", "15.0", "15.0", "15.0"),  # 3 % → 15.00
    ("500.1", "15", "15", "15"),  # absolute band 500 < Qn ≤ 1000
    ("1000", "15", "15", "15"),
    ("1001", "15", "16", "16"),  # 1.5 % → 15.015, rounded to whole g above 1 kg
    ("1010", "15", "16", "16"),  # 1.5 % → 15.15 (reference example)
    ("1500", "22", "23", "23"),  # 1.5 % → 22.5: half-even gives 22 (reference example)
    ("2500", "38", "38", "38"),  # 1.5 % → 37.5: half-even gives the even 38
    ("10000", "150", "150", "150"),  # 1.5 % → 150.0; EU's top (10 kg, inclusive)
    ("10001", "150", "150", REFUSED),  # absolute band 10000 < Qn ≤ 15000; beyond EU
    ("15000", "150", "150", REFUSED),
    ("15001", "150", "151", REFUSED),  # 1 % → 150.01
    ("50000", "500", "500", REFUSED),  # 1 % → 500.00, top of the table (inclusive)
    ("50001", REFUSED, REFUSED, REFUSED),
]


def _cases() -> list[tuple[str, str, str | None]]:
    out = []
    for qn, jjf, oiml, eu in MASS_EDGES:
        out += [(JJF, qn, jjf), (OIML, qn, oiml), (EU, qn, eu)]
    return out


@pytest.mark.parametrize(("rule_id", "qn", "expected"), _cases(), ids=lambda v: str(v))
@pytest.mark.parametrize("symbol", ["g", "mL"])
def test_mass_and_volume_band_edges(rule_id: str, qn: str, expected: str | None, symbol: str) -> None:
    if expected is REFUSED:
        with pytest.raises(OutOfScopeError) as info:
            t_of(rule_id, qn, symbol)
        message = str(info.value)
        assert rule_id in message
        assert f"got {qn} {symbol}" in message
    else:
        assert t_of(rule_id, qn, symbol) == Decimal(expected)


@pytest.mark.parametrize(
    ("rule_id", "qn", "expected"),
    [(JJF, "101", "4.5"), (OIML, "101", "4.6"), (JJF, "1500", "22"), (OIML, "1500", "23"), (EU, "1500", "23"),
     (JJF, "150", "6.8"), (OIML, "150", "6.8"), (JJF, "1010", "15"), (OIML, "1010", "16"), (EU, "1010", "16")],
)
def test_reference_rounding_examples(rule_id: str, qn: str, expected: str) -> None:
    """The worked examples of §1, named so a failure reads like the reference."""
    t = t_of(rule_id, qn)
    assert t == Decimal(expected)
    # The rounded T is a multiple of its step: 0.1 up to 1 kg, 1 g above (§1).
    step = Decimal("0.1") if Decimal(qn) <= 1000 else Decimal(1)
    assert t % step == 0


@pytest.mark.parametrize("rule_id", [JJF, OIML, EU])
@pytest.mark.parametrize("qn", ["0", "-1", "-0.1"])
def test_zero_or_negative_nominal_is_refused(rule_id: str, qn: str) -> None:
    with pytest.raises(FieldtoolError) as info:
        t_of(rule_id, qn)
    assert rule_id in str(info.value)
    assert f"got {qn} g" in str(info.value)


@pytest.mark.parametrize("rule_id", [JJF, OIML])
def test_above_50_kg_is_refused_naming_the_range(rule_id: str) -> None:
    with pytest.raises(OutOfScopeError) as info:
        t_of(rule_id, "50001")
    assert str(info.value) == f"{rule_id} covers nominal mass quantities above 0 g to 50000 g; got 50001 g"


def test_eu_covers_5_g_inclusive_to_10_kg() -> None:
    assert t_of(EU, "5") == Decimal("0.5")
    assert t_of(EU, "10000") == Decimal(150)
    for qn in ("4.9", "4.99", "10000.1", "10001"):
        with pytest.raises(OutOfScopeError) as info:
            t_of(EU, qn)
        assert str(info.value) == f"eu-76-211 covers nominal mass quantities from 5 g to 10000 g; got {qn} g"


def test_eu_10_kg_given_in_kg() -> None:
    assert t_of(EU, "10", "kg") == Decimal("0.150")
    with pytest.raises(OutOfScopeError):
        t_of(EU, "10.001", "kg")


# --- units --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule_id", "t_ml"), [(JJF, "22"), (OIML, "23"), (EU, "23")])
def test_litres_and_millilitres_give_the_same_t(rule_id: str, t_ml: str) -> None:
    in_l = t_of(rule_id, "1.5", "L")
    in_ml = t_of(rule_id, "1500", "mL")
    assert in_ml == Decimal(t_ml)
    assert in_l == Decimal(t_ml) / 1000  # 0.022 L or 0.023 L, in the lot's own unit
    assert to_base(in_l, unit("L")) == in_ml


@pytest.mark.parametrize(
    ("rule_id", "qn_kg", "t_kg"),
    [(JJF, "1.01", "0.015"), (OIML, "1.01", "0.016"), (JJF, "0.101", "0.0045"), (OIML, "0.101", "0.0046"),
     (JJF, "2", "0.03"), (JJF, "0.5", "0.015"), (JJF, "50", "0.5"), (OIML, "15.001", "0.151")],
)
def test_kilograms(rule_id: str, qn_kg: str, t_kg: str) -> None:
    assert t_of(rule_id, qn_kg, "kg") == Decimal(t_kg)


def test_kilograms_above_table_refused() -> None:
    with pytest.raises(OutOfScopeError) as info:
        t_of(JJF, "50.001", "kg")
    assert "50000 g" in str(info.value)
    assert "jjf1070-2005" in str(info.value)


@given(st.integers(min_value=1, max_value=50_000_000), st.sampled_from([JJF, OIML]))
def test_t_does_not_depend_on_the_unit_chosen(milligrams: int, rule_id: str) -> None:
    """Qn written in g or in kg gives the same T (T in kg × 1000 = T in g)."""
    qn_g = Decimal(milligrams).scaleb(-3)
    in_g = t_of(rule_id, str(qn_g), "g")
    in_kg = t_of(rule_id, str(qn_g / 1000), "kg")
    assert in_kg * 1000 == in_g
    assert tne_base(rules(rule_id), Kind.VOLUME, qn_g) == in_g


# --- length, area, count (§1, other quantities) ----------------------------------------------------


@pytest.mark.parametrize("rule_id", [JJF, OIML])
@pytest.mark.parametrize(
    ("qn", "symbol", "expected"),
    [("5", "m", "0"), ("4", "m", "0"), ("0.5", "m", "0"), ("5.5", "m", "0.11"), ("5.01", "m", "0.1002"),
     ("100", "m", "2"), ("500", "cm", "0"), ("550", "cm", "11")],
)
def test_length(rule_id: str, qn: str, symbol: str, expected: str) -> None:
    """Qn ≤ 5 m: T = 0; Qn > 5 m: T = 2 % of Qn, unrounded."""
    assert t_of(rule_id, qn, symbol) == Decimal(expected)


@pytest.mark.parametrize("rule_id", [JJF, OIML])
@pytest.mark.parametrize(("qn", "expected"), [("10", "0.3"), ("2", "0.06"), ("0.5", "0.015"), ("1000", "30")])
def test_area_is_3_percent(rule_id: str, qn: str, expected: str) -> None:
    assert t_of(rule_id, qn, "m2") == Decimal(expected)


@pytest.mark.parametrize("rule_id", [JJF, OIML])
@pytest.mark.parametrize(
    ("qn", "expected"),
    [("1", "0"), ("50", "0"), ("51", "1"), ("100", "1"), ("101", "2"), ("150", "2"), ("1000", "10"), ("1001", "11")],
)
def test_count(rule_id: str, qn: str, expected: str) -> None:
    """Qn ≤ 50: T = 0; above: 1 % rounded UP to a whole count (51 → 0.51 → 1; 150 → 1.5 → 2)."""
    assert t_of(rule_id, qn, "count") == Decimal(expected)


@pytest.mark.parametrize("rule_id", [JJF, OIML])
@pytest.mark.parametrize(("qn", "symbol"), [("0", "m"), ("0", "m2"), ("0", "count"), ("-5", "count")])
def test_other_kinds_refuse_non_positive_nominal(rule_id: str, qn: str, symbol: str) -> None:
    with pytest.raises(OutOfScopeError) as info:
        t_of(rule_id, qn, symbol)
    assert f"got {qn} {symbol}" in str(info.value)


@pytest.mark.parametrize("symbol", ["m", "m2", "count"])
def test_eu_has_no_table_for_other_kinds(symbol: str) -> None:
    with pytest.raises(OutOfScopeError) as info:
        t_of(EU, "10", symbol)
    assert str(info.value) == f"eu-76-211 has no TNE table for {unit(symbol).kind} quantities"
