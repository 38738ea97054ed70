"""Sampling plans of every shipped rule set at every lot-size edge.

Expected values are the tables of shared/reference/net-content-rules.md §2 (JJF 1070-2005),
§3 (OIML R 87) and §4 (EU 76/211/EEC), typed in here independently of the rule files.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldtool.core.rules import ResolvedPlan, resolve_plan
from fieldtool.errors import OutOfScopeError
from tests.unit.conftest import EU, JJF, OIML, rules


def plan(rule_id: str, lot: int, variant: str = "standard") -> ResolvedPlan:
    return resolve_plan(rules(rule_id), lot, variant)


def accept_reject(p: ResolvedPlan) -> list[tuple[int, int]]:
    return [(s.accept, s.reject) for s in p.row.stages]


# --- JJF 1070-2005 (§2): single sampling, T1 = T < d ≤ 2T, no T2 --------------------------------

# N, n, λ (None: no mean test), allowed T1, allowed T2
JJF_TABLE = [
    (1, 1, None, 0, 0),
    (5, 5, None, 0, 0),
    (10, 10, None, 0, 0),
    (11, 10, "1.028", 0, 0),
    (50, 10, "1.028", 0, 0),
    (51, 13, "0.848", 1, 0),  # the printed 0.848, not t/√13 = 0.8472
    (99, 13, "0.848", 1, 0),
    (100, 50, "0.379", 3, 0),
    (500, 50, "0.379", 3, 0),
    (501, 80, "0.295", 5, 0),
    (3200, 80, "0.295", 5, 0),
    (3201, 125, "0.234", 7, 0),
    (1_000_000, 125, "0.234", 7, 0),
]


@pytest.mark.parametrize(("lot", "n", "lam", "t1", "t2"), JJF_TABLE)
def test_jjf1070_rows(lot: int, n: int, lam: str | None, t1: int, t2: int) -> None:
    p = plan(JJF, lot)
    assert p.n == n
    assert p.cumulative == (n,)
    assert not p.multi_stage
    assert p.row.lam == (None if lam is None else Decimal(lam))
    # The mean sample is the whole sample; N ≤ 10 has no mean test at all.
    assert p.mean_n == (None if lam is None else n)
    assert accept_reject(p) == [(t1, t1 + 1)]
    assert p.row.t2_allowed == t2


# --- OIML R 87 (§3): lots of 100 or more only ------------------------------------------------------

OIML_TABLE = [
    (100, 50, "0.379", 3),
    (500, 50, "0.379", 3),
    (501, 80, "0.295", 5),
    (3200, 80, "0.295", 5),
    (3201, 125, "0.234", 7),
    (1_000_000, 125, "0.234", 7),
]


@pytest.mark.parametrize(("lot", "n", "lam", "t1"), OIML_TABLE)
def test_oiml_r87_rows(lot: int, n: int, lam: str, t1: int) -> None:
    p = plan(OIML, lot)
    assert p.cumulative == (n,)
    assert p.row.lam == Decimal(lam)
    assert p.mean_n == n
    assert accept_reject(p) == [(t1, t1 + 1)]
    assert p.row.t2_allowed == 0  # no package beyond 2T


@pytest.mark.parametrize("lot", [1, 10, 11, 50, 51, 99])
def test_oiml_refuses_lots_under_100(lot: int) -> None:
    with pytest.raises(OutOfScopeError) as info:
        plan(OIML, lot)
    message = str(info.value)
    assert "lots of 100 or more" in message
    assert f"got a lot of {lot}" in message
    assert OIML in message


# --- EU 76/211/EEC (§4) ----------------------------------------------------------------------------


@pytest.mark.parametrize("lot", [1, 10, 11, 50, 51, 99])
def test_eu_lots_under_100_checked_fully_against_qn(lot: int) -> None:
    """Every package is checked; the mean test is x̄ ≥ Qn (λ = 0); no package beyond 2T."""
    p = plan(EU, lot)
    assert p.cumulative == (lot,)
    assert p.mean_n == lot
    assert p.row.lam == 0
    assert p.row.stages == ()  # the directive sets no defectives count for these lots
    assert p.row.t2_allowed == 0


# N, first n, cumulative, [(accept, reject) per stage], mean n, λ
EU_DOUBLE = [
    (100, (30, 60), [(1, 3), (4, 5)], 30, "0.503"),
    (500, (30, 60), [(1, 3), (4, 5)], 30, "0.503"),
    (501, (50, 100), [(2, 5), (6, 7)], 50, "0.379"),
    (3200, (50, 100), [(2, 5), (6, 7)], 50, "0.379"),
    (3201, (80, 160), [(3, 7), (8, 9)], 50, "0.379"),
    (1_000_000, (80, 160), [(3, 7), (8, 9)], 50, "0.379"),
]


@pytest.mark.parametrize(("lot", "cumulative", "stages", "mean_n", "lam"), EU_DOUBLE)
def test_eu_double_sampling_rows(
    lot: int, cumulative: tuple[int, int], stages: list[tuple[int, int]], mean_n: int, lam: str
) -> None:
    p = plan(EU, lot)
    assert p.multi_stage
    assert p.n == cumulative[0]
    assert p.cumulative == cumulative
    assert accept_reject(p) == stages
    # The last stage decides: reject = accept + 1.
    assert stages[-1][1] == stages[-1][0] + 1
    assert p.mean_n == mean_n  # the mean sample is the first packages drawn (Annex II 2.3)
    assert p.row.lam == Decimal(lam)
    assert p.row.t2_allowed == 0


@pytest.mark.parametrize("lot", [100, 101, 500, 501, 3200, 3201, 1_000_000])
def test_eu_destructive_variant(lot: int) -> None:
    p = plan(EU, lot, "destructive")
    assert p.cumulative == (20,)
    assert accept_reject(p) == [(1, 2)]
    assert p.mean_n == 20
    assert p.row.lam == Decimal("0.640")
    assert p.row.t2_allowed == 0


@pytest.mark.parametrize("lot", [1, 99])
def test_eu_destructive_refuses_lots_under_100(lot: int) -> None:
    with pytest.raises(OutOfScopeError) as info:
        plan(EU, lot, "destructive")
    assert "lots of 100 or more" in str(info.value)
    assert f"got a lot of {lot}" in str(info.value)


def test_unknown_variant_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(OutOfScopeError) as info:
        plan(JJF, 300, "destructive")
    assert "jjf1070-2005 has no 'destructive' sampling plan" in str(info.value)
    assert "standard" in str(info.value)


@pytest.mark.parametrize("rule_id", [JJF, OIML, EU])
@pytest.mark.parametrize("lot", [0, -1])
def test_lot_size_below_one_refused(rule_id: str, lot: int) -> None:
    with pytest.raises(OutOfScopeError) as info:
        plan(rule_id, lot)
    assert str(info.value) == f"lot size must be at least 1; got {lot}"


@pytest.mark.parametrize(("rule_id", "rule"), [(JJF, "t1-only"), (OIML, "beyond-t"), (EU, "beyond-t")])
def test_what_the_defectives_count_counts(rule_id: str, rule: str) -> None:
    """JJF 1070 counts only T < d ≤ 2T; OIML and EU count every package short by more than T."""
    assert rules(rule_id).defective_rule == rule
