"""Average-tare acceptance (net-content-rules.md §6) and balance suitability (§5), with their numbers.

Settings come from the shipped JJF 1070-2005 rule set (tare: at least 10 packagings, s ≤ 0.25 T;
instrument: error ≤ 0.2 T), which is what an inspector using that rule set gets.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldtool.core.instrument import check_instrument
from fieldtool.core.quantity import unit
from fieldtool.core.rules import InstrumentSettings, TareSettings, tne
from fieldtool.core.tare import assess_average_tare
from tests.unit.conftest import rules

D = Decimal


@pytest.mark.parametrize("rule_id", ["jjf1070-2005", "oiml-r87-2016", "eu-76-211"])
def test_shipped_settings_are_the_reference_defaults(rule_id: str) -> None:
    assert rules(rule_id).tare == TareSettings(10, D("0.25"))
    assert rules(rule_id).instrument == InstrumentSettings(D("0.2"))


# --- average tare ----------------------------------------------------------------------------------

# Ten empty packagings, T = 15 g (Qn 500 g): mean 20.0; deviations 0 .2 −.2 .1 −.1 0 .3 −.3 0 0;
# Σd² = 0.28; s² = 0.28/9 = 0.031111; s = 0.17638 ≤ 0.25 × 15 = 3.75 → accepted.
TARES = ["20.0", "20.2", "19.8", "20.1", "19.9", "20.0", "20.3", "19.7", "20.0", "20.0"]


def test_average_tare_accepted_with_its_numbers() -> None:
    t = tne(rules(), D(500), unit("g"))
    a = assess_average_tare([D(w) for w in TARES], t, rules().tare)
    assert a.accepted
    assert a.problem == ""
    assert a.n == 10
    assert a.mean == D("20.0000")  # one recorded decimal + 3
    assert a.stdev == D("0.1764")
    assert a.limit == D("3.75")
    assert a.min_sample == 10


def test_average_tare_refused_with_too_few_packagings() -> None:
    a = assess_average_tare([D(w) for w in TARES[:9]], D(15), rules().tare)
    assert not a.accepted
    assert a.n == 9
    assert a.problem == "average tare needs at least 10 empty packagings; got 9"


def test_average_tare_refused_when_s_exceeds_a_quarter_of_t() -> None:
    # Qn 100 g: T = 4.5, limit 0.25 × 4.5 = 1.125. Tares 18 and 22 alternating: mean 20, Σd² = 10 × 4 = 40,
    # s² = 40/9, s = 2.108 > 1.125 → individual tare.
    t = tne(rules(), D(100), unit("g"))
    assert t == D("4.5")
    a = assess_average_tare([D(18), D(22)] * 5, t, rules().tare)
    assert not a.accepted
    assert a.stdev == D("2.108")
    assert a.limit == D("1.125")
    assert a.problem == "tare sample s = 2.108 exceeds 0.25 × T = 1.125; use individual tare"


def test_average_tare_s_exactly_a_quarter_of_t_is_accepted_and_just_above_refused() -> None:
    # T = 9 g (Qn 250 g): limit 2.25. Deviations 4.5 −4.5 1.125 −1.125 1.125 −1.125 0 0 0 0 around 30:
    # Σd² = 2 × 20.25 + 4 × 1.265625 = 45.5625; s² = 45.5625/9 = 5.0625; s = 2.25 exactly.
    t = tne(rules(), D(250), unit("g"))
    assert t == 9
    on_limit = ["34.5", "25.5", "31.125", "28.875", "31.125", "28.875", "30", "30", "30", "30"]
    a = assess_average_tare([D(w) for w in on_limit], t, rules().tare)
    assert a.accepted, a.problem
    assert a.stdev == D("2.250000")
    wider = ["34.501"] + on_limit[1:]
    b = assess_average_tare([D(w) for w in wider], t, rules().tare)
    assert not b.accepted
    assert "exceeds 0.25 × T = 2.25" in b.problem


def test_no_tare_weighed_yet() -> None:
    a = assess_average_tare([], D(15), rules().tare)
    assert not a.accepted
    assert a.problem == "no tare weighed yet"


def test_tare_settings_are_taken_from_the_rule_set() -> None:
    stricter = TareSettings(min_sample=12, max_stdev_fraction_of_tne=D("0.1"))
    a = assess_average_tare([D(w) for w in TARES], D(15), stricter)
    assert a.problem == "average tare needs at least 12 empty packagings; got 10"
    b = assess_average_tare([D(w) for w in TARES], D("1.5"), TareSettings(10, D("0.1")))  # limit 0.15 < s 0.1764
    assert b.problem == "tare sample s = 0.1764 exceeds 0.1 × T = 0.15; use individual tare"


# --- instrument suitability: error ≤ T/5 (§5) -----------------------------------------------------------


def test_mpe_within_a_fifth_of_t_is_suitable() -> None:
    t = tne(rules(), D(500), unit("g"))  # 15 g → limit 3 g
    s = check_instrument(t, rules().instrument, mpe=D("0.5"))
    assert s is not None
    assert (s.basis, s.error, s.limit, s.suitable) == ("MPE", D("0.5"), D(3), True)
    assert s.warning("g") == ""


def test_mpe_exactly_a_fifth_of_t_is_suitable() -> None:
    s = check_instrument(D(15), rules().instrument, mpe=D(3))
    assert s is not None and s.suitable


def test_mpe_above_a_fifth_of_t_warns_with_the_numbers() -> None:
    s = check_instrument(D(15), rules().instrument, mpe=D("3.1"))
    assert s is not None and not s.suitable
    assert s.warning("g") == "balance MPE = 3.1 g exceeds 0.2 × T = 3.0 g; use a finer balance for this product"


def test_mpe_is_preferred_over_e_and_d() -> None:
    # A coarse e and d would fail, but the known MPE at the load decides.
    s = check_instrument(D(15), rules().instrument, mpe=D("0.5"), e=D(5), d=D(10))
    assert s is not None
    assert (s.basis, s.error, s.suitable) == ("MPE", D("0.5"), True)
    # And the other way round: a fine e does not hide a too large MPE.
    s = check_instrument(D(15), rules().instrument, mpe=D(4), e=D("0.1"), d=D("0.1"))
    assert s is not None
    assert (s.basis, s.suitable) == ("MPE", False)


def test_e_is_used_when_mpe_is_unknown() -> None:
    # Qn 10 g: T = 0.9 g, limit 0.18 g.
    t = tne(rules(), D(10), unit("g"))
    assert t == D("0.9")
    s = check_instrument(t, rules().instrument, e=D("0.2"), d=D("0.01"))
    assert s is not None
    assert (s.basis, s.error, s.suitable) == ("e", D("0.2"), False)
    assert s.warning("g") == "balance e = 0.2 g exceeds 0.2 × T = 0.18 g; use a finer balance for this product"


def test_d_is_used_when_only_d_is_known() -> None:
    s = check_instrument(D("0.9"), rules().instrument, d=D("0.1"))
    assert s is not None
    assert (s.basis, s.error, s.limit, s.suitable) == ("d", D("0.1"), D("0.18"), True)
    s = check_instrument(D("0.9"), rules().instrument, d=D(1))
    assert s is not None and not s.suitable
    assert s.warning("g").startswith("balance d = 1 g exceeds 0.2 × T = 0.18 g")


def test_nothing_known_about_the_instrument() -> None:
    assert check_instrument(D(15), rules().instrument) is None


def test_t_zero_needs_an_error_free_instrument() -> None:
    """Short lengths (T = 0): any instrument error exceeds T/5, so the inspector is warned."""
    t = tne(rules(), D(5), unit("m"))
    s = check_instrument(t, rules().instrument, mpe=D("0.001"))
    assert s is not None and not s.suitable
    assert s.limit == 0
    assert s.warning("m").startswith("balance MPE = 0.001 m exceeds 0.2 × T = ")
