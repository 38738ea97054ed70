"""Package classes and lot verdicts against hand-computed lots.

Facts: shared/reference/net-content-rules.md §1 (T = 0 → T2), §2 (JJF 1070-2005), §3 (OIML R 87),
§4 (EU 76/211/EEC), §7 (what a report shows). Every statistic asserted here was worked out by hand
(shown in the comments) and is typed in as a literal, never recomputed with the code under test.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldtool.core.evaluate import (
    CriterionCode,
    LotEvaluation,
    Outcome,
    PackageClass,
    Progress,
    Status,
    assess_progress,
    classify,
    evaluate_lot,
)
from fieldtool.core.quantity import unit
from fieldtool.core.rules import resolve_plan, tne
from fieldtool.errors import InputError, OutOfScopeError
from tests.unit.conftest import EU, JJF, OIML, rules

D = Decimal


def ev(
    rule_id: str, nominal: str, lot: int, nets: Sequence[str | Decimal], symbol: str = "g", variant: str = "standard"
) -> LotEvaluation:
    return evaluate_lot(rules(rule_id), D(nominal), unit(symbol), lot, [D(str(q)) for q in nets], variant)


def codes(evaluation: LotEvaluation) -> set[CriterionCode]:
    return {c.code for c in evaluation.reasons}


def status_of(evaluation: LotEvaluation, code: CriterionCode) -> Status:
    criterion = evaluation.criterion(code)
    assert criterion is not None, f"no {code} criterion"
    return criterion.status


# --- one package: d ≤ T ok, T < d ≤ 2T T1, d > 2T T2 (§2) -----------------------------------------


@pytest.mark.parametrize(
    ("net", "expected"),
    [
        ("515", PackageClass.OK),  # over-filled: d < 0
        ("500", PackageClass.OK),
        ("485", PackageClass.OK),  # d = T = 15 exactly: acceptable
        ("485.000", PackageClass.OK),
        ("484.999", PackageClass.T1),  # just beyond T
        ("470", PackageClass.T1),  # d = 2T = 30 exactly: still T1
        ("469.999", PackageClass.T2),  # just beyond 2T
        ("300", PackageClass.T2),
    ],
)
def test_classify_500_g(net: str, expected: PackageClass) -> None:
    t = tne(rules(JJF), D(500), unit("g"))
    assert t == 15
    assert classify(D(net), D(500), t) is expected


@pytest.mark.parametrize(
    ("net", "expected"),
    [("0.291", PackageClass.OK), ("0.2909", PackageClass.T1), ("0.282", PackageClass.T1), ("0.2819", PackageClass.T2)],
)
def test_classify_exactly_in_kg(net: str, expected: PackageClass) -> None:
    """Qn 0.3 kg, T = 9 g = 0.009 kg. In binary floats 0.3 − 0.291 = 0.009000000000000008 > T."""
    t = tne(rules(JJF), D("0.3"), unit("kg"))
    assert t == D("0.009")
    assert classify(D(net), D("0.3"), t) is expected


@pytest.mark.parametrize(
    ("rule_id", "net", "expected"),
    [
        (JJF, "96.5", PackageClass.OK),  # T = 4.5: d = 4.5
        (JJF, "96.4", PackageClass.T1),  # d = 4.6 > 4.5
        (OIML, "96.4", PackageClass.OK),  # T = 4.6: d = 4.6
        (OIML, "96.3", PackageClass.T1),
        (JJF, "92", PackageClass.T1),  # d = 9.0 = 2T
        (JJF, "91.99", PackageClass.T2),
        (OIML, "91.8", PackageClass.T1),  # d = 9.2 = 2T
        (OIML, "91.79", PackageClass.T2),
    ],
)
def test_classify_101_g_follows_the_rule_sets_rounding(rule_id: str, net: str, expected: PackageClass) -> None:
    t = tne(rules(rule_id), D(101), unit("g"))
    assert classify(D(net), D(101), t) is expected


@pytest.mark.parametrize(
    ("net", "expected"),
    [("5", PackageClass.OK), ("5.2", PackageClass.OK), ("4.999", PackageClass.T2), ("4.9", PackageClass.T2)],
)
def test_t_zero_any_shortfall_is_t2(net: str, expected: PackageClass) -> None:
    assert classify(D(net), D(5), D(0)) is expected


def test_short_length_lot_fails_on_one_short_package() -> None:
    """Qn 5 m: T = 0, so 4.99 m is beyond 2T (§1) and the lot fails on the T2 criterion."""
    e = ev(JJF, "5", 20, ["5.00"] * 9 + ["4.99"], symbol="m")
    assert e.tne == 0
    assert e.packages[-1].cls is PackageClass.T2
    assert e.t2_count == 1
    assert e.outcome is Outcome.FAIL
    assert CriterionCode.T2 in codes(e)


def test_small_count_lot_fails_on_one_missing_piece() -> None:
    e = ev(JJF, "50", 20, ["50"] * 9 + ["49"], symbol="count")
    assert e.tne == 0
    assert e.outcome is Outcome.FAIL
    assert CriterionCode.T2 in codes(e)


@pytest.mark.parametrize(
    ("net", "expected"), [("148", PackageClass.OK), ("147", PackageClass.T1), ("146", PackageClass.T1), ("145", PackageClass.T2)]
)
def test_count_150_t_is_2(net: str, expected: PackageClass) -> None:
    t = tne(rules(JJF), D(150), unit("count"))
    assert t == 2
    assert classify(D(net), D(150), t) is expected


def test_lot_in_litres_is_judged_like_the_same_lot_in_millilitres() -> None:
    # Qn 1.5 L: T = 22 mL = 0.022 L (JJF half-even). 1.478 L is exactly T short (ok), 1.4779 L is T1,
    # 1.456 L is exactly 2T short (T1), 1.4559 L is T2.
    in_l = ["1.500", "1.478", "1.4779", "1.456", "1.4559", "1.510", "1.505", "1.500", "1.499", "1.502"]
    in_ml = [str(D(v) * 1000) for v in in_l]
    a = ev(JJF, "1.5", 20, in_l, symbol="L")
    b = ev(JJF, "1500", 20, in_ml, symbol="mL")
    assert a.tne == D("0.022") and b.tne == 22
    expected = [PackageClass.OK, PackageClass.OK, PackageClass.T1, PackageClass.T1, PackageClass.T2] + [PackageClass.OK] * 5
    assert [p.cls for p in a.packages] == expected
    assert [p.cls for p in b.packages] == expected
    assert a.outcome is b.outcome is Outcome.FAIL
    assert codes(a) == codes(b) == {CriterionCode.DEFECTIVES, CriterionCode.T2}


# --- hand-computed JJF lots --------------------------------------------------------------------------

# Qn = 500 g, N = 20 → n = 10, λ = 1.028, no T1 allowed, T = 15 g.
# Values: 498 502 497 501 499 500 496 503 495 499; Σ = 4990; q̄ = 499.0
# deviations −1 3 −2 2 0 1 −3 4 −4 0; Σd² = 1+9+4+4+0+1+9+16+16+0 = 60; s² = 60/9 = 6.6667; s = 2.58199
# λ·s = 1.028 × 2.58199 = 2.65428; limit = 500 − 2.65428 = 497.34572; margin = +1.65428
LOT10 = ["498", "502", "497", "501", "499", "500", "496", "503", "495", "499"]


def test_jjf_lot_of_20_passes_with_hand_computed_statistics() -> None:
    e = ev(JJF, "500", 20, LOT10)
    assert e.outcome is Outcome.PASS
    assert e.reasons == ()
    assert e.tne == 15
    assert e.stats is not None
    # Values recorded to whole grams: display with 0 + 3 decimals.
    assert e.stats.n == 10
    assert e.stats.mean == D("499.000")
    assert e.stats.stdev == D("2.582")
    assert e.stats.lam == D("1.028")
    assert e.stats.lam_s == D("2.654")
    assert e.stats.limit(D(500)) == D("497.346")
    assert e.stats.margin(D(500)) == D("1.654")
    assert (e.t1_count, e.t2_count) == (0, 0)
    assert {c.code: c.status for c in e.criteria} == {
        CriterionCode.DEFECTIVES: Status.PASS,
        CriterionCode.T2: Status.PASS,
        CriterionCode.MEAN: Status.PASS,
    }


def test_jjf_lot_of_20_fails_on_the_mean_only() -> None:
    # The same lot 2 g lighter: q̄ = 497.0, s unchanged, limit 497.34572 → short by 0.34572.
    e = ev(JJF, "500", 20, [str(int(v) - 2) for v in LOT10])
    assert e.outcome is Outcome.FAIL
    (reason,) = e.reasons
    assert reason.code is CriterionCode.MEAN
    assert reason.observed == D("497.000")
    assert reason.limit == D("497.346")
    assert reason.excess == D("0.346")
    assert reason.sample_size == 10
    assert (e.t1_count, e.t2_count) == (0, 0)  # every package within T: the mean alone decides


def test_jjf_lot_of_20_fails_on_one_t1_package() -> None:
    # 9 × 502 + 484: q̄ = 5002/10 = 500.2 ≥ Qn (mean passes whatever s is); 484 is T1 (d = 16), none allowed.
    e = ev(JJF, "500", 20, ["502"] * 9 + ["484"])
    assert e.outcome is Outcome.FAIL
    (reason,) = e.reasons
    assert reason.code is CriterionCode.DEFECTIVES
    assert (reason.observed, reason.limit, reason.excess) == (1, 0, 1)
    assert status_of(e, CriterionCode.MEAN) is Status.PASS


# Qn = 500 g, N = 300 → n = 50, λ = 0.379, 3 T1 allowed, T = 15, 2T = 30.
# LOT50_A: 10×500, 15×502, 12×503, 10×504, 3×484 (T1, d = 16)
#   Σ = 5000 + 7530 + 6036 + 5040 + 1452 = 25058; q̄ = 501.16
#   Σd² = 10×1.16² + 15×0.84² + 12×1.84² + 10×2.84² + 3×17.16² = 13.456 + 10.584 + 40.6272 + 80.656 + 883.3968
#       = 1028.72; s² = 1028.72/49 = 20.99429; s = 4.58195; λ·s = 1.73656; limit = 498.26344
LOT50_A = ["500"] * 10 + ["502"] * 15 + ["503"] * 12 + ["504"] * 10 + ["484"] * 3
# LOT50_B: one 504 of A replaced by 484 → 4 T1 packages, Σ = 25038; q̄ = 500.76 ≥ Qn: the mean passes.
LOT50_B = ["500"] * 10 + ["502"] * 15 + ["503"] * 12 + ["504"] * 9 + ["484"] * 4
# LOT50_C: 10×498, 15×499, 12×500, 10×501, 3×484 → Σ = 4980 + 7485 + 6000 + 5010 + 1452 = 24927; q̄ = 498.54
#   Σd² = 10×0.54² + 15×0.46² + 12×1.46² + 10×2.46² + 3×14.54² = 2.916 + 3.174 + 25.5792 + 60.516 + 634.2348
#       = 726.42; s² = 14.82490; s = 3.85031; λ·s = 1.45927; limit = 498.540732 > q̄ by 0.000732
LOT50_C = ["498"] * 10 + ["499"] * 15 + ["500"] * 12 + ["501"] * 10 + ["484"] * 3


@pytest.mark.parametrize("rule_id", [JJF, OIML])
def test_lot_of_300_with_three_t1_passes(rule_id: str) -> None:
    e = ev(rule_id, "500", 300, LOT50_A)
    assert e.outcome is Outcome.PASS
    assert e.t1_count == 3
    assert e.criterion(CriterionCode.DEFECTIVES).observed == 3  # type: ignore[union-attr]
    assert e.criterion(CriterionCode.DEFECTIVES).limit == 3  # type: ignore[union-attr]
    assert e.stats is not None
    assert e.stats.mean == D("501.160")
    assert e.stats.stdev == D("4.582")
    assert e.stats.lam_s == D("1.737")
    assert e.stats.limit(D(500)) == D("498.263")


@pytest.mark.parametrize("rule_id", [JJF, OIML])
def test_lot_of_300_with_four_t1_fails_on_the_count(rule_id: str) -> None:
    e = ev(rule_id, "500", 300, LOT50_B)
    assert e.outcome is Outcome.FAIL
    (reason,) = e.reasons
    assert reason.code is CriterionCode.DEFECTIVES
    assert (reason.observed, reason.limit, reason.excess) == (4, 3, 1)
    assert status_of(e, CriterionCode.MEAN) is Status.PASS


def test_lot_of_300_fails_on_the_mean_by_less_than_a_thousandth() -> None:
    e = ev(JJF, "500", 300, LOT50_C)
    assert e.outcome is Outcome.FAIL
    (reason,) = e.reasons
    assert reason.code is CriterionCode.MEAN
    assert reason.observed == D("498.540")
    assert reason.limit == D("498.541")
    assert reason.excess == D("0.001")
    assert e.stats is not None
    assert e.stats.stdev == D("3.850")
    assert e.stats.lam_s == D("1.459")


def test_every_failing_criterion_is_a_reason() -> None:
    # LOT50_C with one 501 replaced by 469 (d = 31 > 2T) and one 501 by 484: 4 T1, 1 T2 and a lower mean.
    nets = ["498"] * 10 + ["499"] * 15 + ["500"] * 12 + ["501"] * 8 + ["484"] * 4 + ["469"]
    e = ev(JJF, "500", 300, nets)
    assert e.outcome is Outcome.FAIL
    assert codes(e) == {CriterionCode.DEFECTIVES, CriterionCode.T2, CriterionCode.MEAN}
    assert (e.t1_count, e.t2_count) == (4, 1)


def test_jjf_t1_count_excludes_t2_packages() -> None:
    """JJF 1070 counts T < d ≤ 2T only; a T2 package fails the lot on its own criterion."""
    nets = LOT50_A[:-1] + ["469.9"]  # 2 T1 + 1 T2 (d = 30.1)
    e = ev(JJF, "500", 300, nets)
    assert e.criterion(CriterionCode.DEFECTIVES).observed == 2  # type: ignore[union-attr]
    assert status_of(e, CriterionCode.DEFECTIVES) is Status.PASS
    assert codes(e) == {CriterionCode.T2}


def test_oiml_defectives_count_includes_t2_packages() -> None:
    nets = LOT50_A[:-1] + ["469.9"]
    e = ev(OIML, "500", 300, nets)
    assert e.criterion(CriterionCode.DEFECTIVES).observed == 3  # type: ignore[union-attr]
    assert codes(e) == {CriterionCode.T2}


# --- the mean limit decided exactly ------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", [JJF, OIML])
def test_s_zero_mean_equal_to_qn_passes_and_slightly_below_fails(rule_id: str) -> None:
    lot = 20 if rule_id == JJF else 300
    n = 10 if rule_id == JJF else 50
    ok = ev(rule_id, "500", lot, ["500.0"] * n)
    assert ok.outcome is Outcome.PASS
    assert ok.stats is not None and ok.stats.stdev == 0
    low = ev(rule_id, "500", lot, ["499.9"] * n)
    assert low.outcome is Outcome.FAIL
    assert codes(low) == {CriterionCode.MEAN}
    low2 = ev(rule_id, "500", lot, ["499.999"] * n)  # s = 0, q̄ a thousandth of a gram below Qn
    assert low2.outcome is Outcome.FAIL
    (reason,) = low2.reasons
    assert reason.code is CriterionCode.MEAN
    assert (reason.limit, reason.excess) == (500, D("0.001"))


# Lots built so that q̄ = Qn − λ·s exactly: integer deviations d whose Σd²/(n−1) is a perfect square,
# scaled by a step u, around the mean M = Qn − λ·s. The values are M + d·u.
DEV_10 = [4, -4, 1, -1, 1, -1, 0, 0, 0, 0]  # Σd² = 36; s² = 36/9 = 4 u²; s = 2u
DEV_50 = [7, 7, -7, -7] + [0] * 46  # Σd² = 196; s² = 196/49 = 4 u²; s = 2u
DEV_30 = [7, -7, 3, -3] + [0] * 26  # Σd² = 116; s² = 116/29 = 4 u²; s = 2u
DEV_20 = [6, -6, 1, -1, 1, -1] + [0] * 14  # Σd² = 76; s² = 76/19 = 4 u²; s = 2u


def around(mean: str, step: str, devs: list[int]) -> list[str]:
    return [str(D(mean) + d * D(step)) for d in devs]


TIES = [
    # rule, N, variant, Qn, nets, q̄ = limit
    # n = 10, λ = 1.028, u = 1: s = 2, λ·s = 2.056, M = 500 − 2.056
    (JJF, 20, "standard", "500", around("497.944", "1", DEV_10), "497.944"),
    # u = 0.1: s = 0.2, λ·s = 0.2056, M = 499.7944 (naive float mean/stdev puts this a hair below the limit)
    (JJF, 20, "standard", "500", around("499.7944", "0.1", DEV_10), "499.7944"),
    # n = 50, λ = 0.379, u = 1: s = 2, λ·s = 0.758
    (JJF, 300, "standard", "500", around("499.242", "1", DEV_50), "499.242"),
    (OIML, 300, "standard", "500", around("499.242", "1", DEV_50), "499.242"),
    # EU 100–500: mean on the first 30, λ = 0.503; u = 1: λ·s = 1.006; u = 0.5: s = 1, λ·s = 0.503
    (EU, 300, "standard", "500", around("498.994", "1", DEV_30), "498.994"),
    (EU, 300, "standard", "500", around("499.497", "0.5", DEV_30), "499.497"),
    # EU 501–3200: mean on the first 50, λ = 0.379
    (EU, 1000, "standard", "500", around("499.242", "1", DEV_50), "499.242"),
    # EU destructive: n = 20, λ = 0.640; u = 1: λ·s = 1.28 (Qn 500 and Qn 250)
    (EU, 1000, "destructive", "500", around("498.72", "1", DEV_20), "498.72"),
    (EU, 1000, "destructive", "250", around("248.72", "1", DEV_20), "248.72"),
]


@pytest.mark.parametrize(("rule_id", "lot", "variant", "nominal", "nets", "limit"), TIES, ids=lambda v: str(v)[:12])
def test_mean_exactly_on_the_limit_passes_and_a_thousandth_below_fails(
    rule_id: str, lot: int, variant: str, nominal: str, nets: list[str], limit: str
) -> None:
    on = ev(rule_id, nominal, lot, nets, variant=variant)
    assert on.stats is not None
    assert on.stats.mean == D(limit)
    assert on.stats.limit(D(nominal)) == D(limit)
    assert on.stats.margin(D(nominal)) == 0
    assert (on.t1_count, on.t2_count) == (0, 0)
    assert on.outcome is Outcome.PASS, on.reasons
    # Shift every package down by 0.001: s is unchanged, q̄ falls 0.001 below the limit.
    below = ev(rule_id, nominal, lot, [D(q) - D("0.001") for q in nets], variant=variant)
    assert below.outcome is Outcome.FAIL
    (reason,) = below.reasons
    assert reason.code is CriterionCode.MEAN
    assert reason.excess == D("0.001")


# --- sample size ---------------------------------------------------------------------------------


def test_wrong_sample_count_message() -> None:
    with pytest.raises(InputError) as info:
        ev(JJF, "500", 300, ["500"] * 49)
    assert str(info.value) == "jjf1070-2005 needs 50 packages for a lot of 300; got 49"
    with pytest.raises(InputError) as info:
        ev(JJF, "500", 300, ["500"] * 51)
    assert str(info.value) == "jjf1070-2005 needs 50 packages for a lot of 300; got 51"


def test_wrong_sample_count_for_a_fully_checked_lot() -> None:
    with pytest.raises(InputError) as info:
        ev(JJF, "500", 8, ["500"] * 7)
    assert str(info.value) == "jjf1070-2005 needs 8 packages for a lot of 8; got 7"


def test_wrong_sample_count_for_a_double_sampling_plan() -> None:
    with pytest.raises(InputError) as info:
        ev(EU, "500", 300, ["500"] * 45)
    assert str(info.value) == (
        "eu-76-211 needs 30 packages (first sample) or 60 (with the second sample) for a lot of 300; got 45"
    )


@pytest.mark.parametrize("nominal", ["0", "-500"])
def test_non_positive_nominal_refused(nominal: str) -> None:
    with pytest.raises(InputError) as info:
        ev(JJF, nominal, 20, ["500"] * 10)
    assert str(info.value) == f"nominal quantity must be positive; got {nominal} g"


def test_oiml_lot_under_100_refused() -> None:
    with pytest.raises(OutOfScopeError) as info:
        ev(OIML, "500", 99, ["500"] * 13)
    assert "lots of 100 or more" in str(info.value)


# --- JJF lots of 1 to 10: every package, no mean test ---------------------------------------------------


def test_jjf_small_lot_has_no_mean_test() -> None:
    # 8 packages each 10 g short (within T = 15): q̄ = 490 < Qn, but N ≤ 10 has no mean test (§2).
    e = ev(JJF, "500", 8, ["490"] * 8)
    assert e.stats is None
    assert e.criterion(CriterionCode.MEAN) is None
    assert e.outcome is Outcome.PASS


def test_jjf_small_lot_fails_on_a_single_t1_package() -> None:
    e = ev(JJF, "500", 8, ["500"] * 7 + ["484"])
    assert e.outcome is Outcome.FAIL
    assert codes(e) == {CriterionCode.DEFECTIVES}


# --- EU double sampling (§4) --------------------------------------------------------------------------

# Lot of 300, Qn 500 g, T = 15: first sample 30 (accept ≤ 1, reject ≥ 3), second 30 (cumulative accept ≤ 4,
# reject ≥ 5). Defective = short by more than T. 484 g is defective (d = 16).
# First sample 28 × 502 + 2 × 484: Σ = 14056 + 968 = 15024; q̄ = 500.8 ≥ Qn, so the mean passes whatever s is.
EU_FIRST_2 = ["502"] * 28 + ["484"] * 2


def test_eu_first_sample_between_accept_and_reject_asks_for_a_second_sample() -> None:
    e = ev(EU, "500", 300, EU_FIRST_2)
    assert e.outcome is Outcome.SECOND_SAMPLE_NEEDED
    assert e.stage == 1
    (reason,) = e.reasons
    assert reason.code is CriterionCode.DEFECTIVES
    assert reason.status is Status.PENDING
    assert (reason.observed, reason.limit, reason.reject_at, reason.stage, reason.sample_size) == (2, 1, 3, 1, 30)
    assert status_of(e, CriterionCode.MEAN) is Status.PASS
    assert e.stats is not None and e.stats.n == 30


def test_eu_second_sample_cumulative_four_accepts() -> None:
    e = ev(EU, "500", 300, EU_FIRST_2 + ["501"] * 28 + ["484"] * 2)
    assert e.outcome is Outcome.PASS
    assert e.stage == 2
    c = e.criterion(CriterionCode.DEFECTIVES)
    assert c is not None
    assert (c.observed, c.limit, c.reject_at, c.stage, c.sample_size) == (4, 4, 5, 2, 60)
    assert e.stats is not None and e.stats.n == 30  # the mean sample stays the first 30 drawn


def test_eu_second_sample_cumulative_five_rejects() -> None:
    e = ev(EU, "500", 300, EU_FIRST_2 + ["501"] * 27 + ["484"] * 3)
    assert e.outcome is Outcome.FAIL
    (reason,) = e.reasons
    assert reason.code is CriterionCode.DEFECTIVES
    assert (reason.observed, reason.limit, reason.reject_at, reason.stage, reason.excess) == (5, 4, 5, 2, 1)


@pytest.mark.parametrize(("defective", "outcome"), [(0, Outcome.PASS), (1, Outcome.PASS), (3, Outcome.FAIL), (4, Outcome.FAIL)])
def test_eu_first_sample_that_decides(defective: int, outcome: Outcome) -> None:
    # q̄ = 502 − 18 × defective / 30 ≥ 499.6, and s > 0 once a 484 is present: the mean never decides here.
    first = ["502"] * (30 - defective) + ["484"] * defective
    e = ev(EU, "500", 300, first)
    assert e.outcome is outcome
    assert e.stage == 1
    if outcome is Outcome.FAIL:
        assert codes(e) == {CriterionCode.DEFECTIVES}
    with pytest.raises(InputError) as info:
        ev(EU, "500", 300, first + ["500"] * 30)
    assert "first sample of 30 already decides" in str(info.value)
    assert f"{defective} defective" in str(info.value)


def test_eu_package_beyond_2t_fails_even_when_the_count_accepts() -> None:
    # 29 × 502 + 469 (d = 31 > 2T = 30): one defective (≤ 1 accepted) but no package may exceed 2T.
    e = ev(EU, "500", 300, ["502"] * 29 + ["469"])
    assert status_of(e, CriterionCode.DEFECTIVES) is Status.PASS
    assert e.outcome is Outcome.FAIL
    assert codes(e) == {CriterionCode.T2}


def test_eu_large_lot_mean_on_the_first_50_of_80() -> None:
    # N = 5000: first sample 80, mean on the first 50. First 50 all 500 (s = 0, q̄ = Qn: passes);
    # the last 30 are 490 (within T). Over all 80, q̄ = 496.25, s = 4.8718, limit 498.154 would fail.
    e = ev(EU, "500", 5000, ["500"] * 50 + ["490"] * 30)
    assert e.stats is not None and e.stats.n == 50
    assert e.stats.mean == 500
    assert e.outcome is Outcome.PASS


# --- EU lots under 100: every package, x̄ ≥ Qn --------------------------------------------------------


def test_eu_small_lot_mean_at_qn_passes() -> None:
    e = ev(EU, "500", 50, ["500.0"] * 50)
    assert e.outcome is Outcome.PASS
    assert e.criterion(CriterionCode.DEFECTIVES) is None
    mean = e.criterion(CriterionCode.MEAN)
    assert mean is not None and mean.limit == 500 and mean.sample_size == 50


def test_eu_small_lot_mean_below_qn_fails_whatever_s() -> None:
    # 49 × 500.0 + 499.9: x̄ = 499.998 < Qn; λ = 0 so s does not help.
    e = ev(EU, "500", 50, ["500.0"] * 49 + ["499.9"])
    assert e.outcome is Outcome.FAIL
    (reason,) = e.reasons
    assert reason.code is CriterionCode.MEAN
    assert reason.observed == D("499.998")
    assert reason.limit == 500


def test_eu_small_lot_with_a_package_beyond_t_but_mean_above_qn_passes() -> None:
    # 49 × 500.5 + 484.9 (T1, d = 15.1): x̄ = 25009.4/50 = 500.188 ≥ Qn; lots under 100 have no count (rule file notes).
    e = ev(EU, "500", 50, ["500.5"] * 49 + ["484.9"])
    assert e.t1_count == 1
    assert e.outcome is Outcome.PASS


def test_eu_small_lot_fails_on_a_package_beyond_2t() -> None:
    # 49 × 501 + 469.9 (d = 30.1): x̄ = 25018.9/50 = 500.378 ≥ Qn, but no package may exceed 2T.
    e = ev(EU, "500", 50, ["501"] * 49 + ["469.9"])
    assert e.outcome is Outcome.FAIL
    assert codes(e) == {CriterionCode.T2}


# --- EU destructive: n = 20, accept ≤ 1, reject ≥ 2, x̄ ≥ Qn − 0.640 s ----------------------------------------


def test_eu_destructive_one_defective_passes() -> None:
    # 19 × 501 + 484: Σ = 10003, x̄ = 500.15; deviations 0.85 (× 19) and −16.15;
    # Σd² = 19 × 0.7225 + 260.8225 = 274.55; s² = 274.55/19 = 14.45; s = 3.80132; 0.640 s = 2.43284;
    # limit = 497.56716
    e = ev(EU, "500", 1000, ["501"] * 19 + ["484"], variant="destructive")
    assert e.outcome is Outcome.PASS
    assert e.stats is not None
    assert (e.stats.n, e.stats.mean, e.stats.stdev, e.stats.lam_s) == (20, D("500.150"), D("3.801"), D("2.433"))
    assert e.stats.limit(D(500)) == D("497.567")
    c = e.criterion(CriterionCode.DEFECTIVES)
    assert c is not None and (c.observed, c.limit) == (1, 1)


def test_eu_destructive_two_defectives_fail() -> None:
    e = ev(EU, "500", 1000, ["502"] * 18 + ["484"] * 2, variant="destructive")
    assert e.outcome is Outcome.FAIL
    (reason,) = e.reasons
    assert reason.code is CriterionCode.DEFECTIVES
    assert (reason.observed, reason.limit, reason.excess) == (2, 1, 1)


def test_eu_destructive_needs_20() -> None:
    with pytest.raises(InputError) as info:
        ev(EU, "500", 1000, ["500"] * 50, variant="destructive")
    assert str(info.value) == "eu-76-211 needs 20 packages for a lot of 1000; got 50"


# --- properties -----------------------------------------------------------------------------------------

SINGLE_STAGE = [
    (JJF, "standard", 8),
    (JJF, "standard", 20),
    (JJF, "standard", 60),
    (JJF, "standard", 300),
    (JJF, "standard", 1000),
    (JJF, "standard", 5000),
    (OIML, "standard", 300),
    (OIML, "standard", 1000),
    (OIML, "standard", 5000),
    (EU, "standard", 50),
    (EU, "destructive", 1000),
]


def _sample(data: st.DataObject) -> tuple[str, str, int, list[Decimal]]:
    """A lot of Qn 500 g (T = 15) and its sample, in grams with one decimal, up to 510.0 g.

    The lightest package allowed is drawn per lot, so that there are good lots (all within 5 g),
    lots with T1 packages (down to 484.0 g) and lots with T2 packages (down to 460.0 g)."""
    rule_id, variant, lot = data.draw(st.sampled_from(SINGLE_STAGE))
    n = resolve_plan(rules(rule_id), lot, variant).n
    lightest = data.draw(st.sampled_from([4950, 4900, 4840, 4600]))
    net = st.integers(lightest, 5100).map(lambda i: D(i).scaleb(-1))
    nets = data.draw(st.lists(net, min_size=n, max_size=n))
    return rule_id, variant, lot, nets


def _summary(e: LotEvaluation) -> tuple[object, ...]:
    return (
        e.outcome,
        tuple((c.code, c.status, c.observed, c.limit, c.excess) for c in e.criteria),
        e.t1_count,
        e.t2_count,
        None if e.stats is None else (e.stats.mean_exact, e.stats.variance_exact),
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_single_stage_verdict_does_not_depend_on_sample_order(data: st.DataObject) -> None:
    rule_id, variant, lot, nets = _sample(data)
    shuffled = data.draw(st.permutations(nets))
    a = evaluate_lot(rules(rule_id), D(500), unit("g"), lot, nets, variant)
    b = evaluate_lot(rules(rule_id), D(500), unit("g"), lot, shuffled, variant)
    assert _summary(a) == _summary(b)


RANK = {PackageClass.OK: 0, PackageClass.T1: 1, PackageClass.T2: 2}


@given(
    net=st.integers(0, 20000).map(lambda i: D(i).scaleb(-2)),
    nominal=st.integers(1, 20000).map(lambda i: D(i).scaleb(-2)),
    t=st.integers(0, 2000).map(lambda i: D(i).scaleb(-2)),
    drop=st.integers(1, 5000).map(lambda i: D(i).scaleb(-3)),
)
def test_lowering_a_net_never_improves_its_class(net: Decimal, nominal: Decimal, t: Decimal, drop: Decimal) -> None:
    assert RANK[classify(net - drop, nominal, t)] >= RANK[classify(net, nominal, t)]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_lowering_a_package_never_turns_a_count_fail_into_a_pass(data: st.DataObject) -> None:
    """Lowering one package: its class never improves, the beyond-T and beyond-2T counts never fall,
    and a lot that failed on a count criterion (defectives or T2) still fails. Where the plan has no
    s term (no mean test, or λ = 0: JJF N ≤ 10, EU N < 100) no failed lot can become a pass at all."""
    rule_id, variant, lot, nets = _sample(data)
    i = data.draw(st.integers(0, len(nets) - 1))
    drop = data.draw(st.integers(1, 500).map(lambda k: D(k).scaleb(-1)))
    lowered = list(nets)
    lowered[i] = nets[i] - drop
    before = evaluate_lot(rules(rule_id), D(500), unit("g"), lot, nets, variant)
    after = evaluate_lot(rules(rule_id), D(500), unit("g"), lot, lowered, variant)
    assert RANK[after.packages[i].cls] >= RANK[before.packages[i].cls]
    assert after.t1_count + after.t2_count >= before.t1_count + before.t2_count
    assert after.t2_count >= before.t2_count
    if before.outcome is Outcome.FAIL and codes(before) & {CriterionCode.DEFECTIVES, CriterionCode.T2}:
        assert after.outcome is Outcome.FAIL
    lam = resolve_plan(rules(rule_id), lot, variant).row.lam
    if before.outcome is Outcome.FAIL and (lam is None or lam == 0):
        assert after.outcome is Outcome.FAIL


def test_mean_requirement_can_reward_a_lower_package_as_the_formula_says() -> None:
    """q̄ ≥ Qn − λ·s (§2) is not monotone: lowering a package below q̄ raises s, and λ·s can grow
    faster than q̄ falls. The engine must apply the formula as written (this is why the property
    above is limited to the count criteria and to plans without an s term).

    Qn 500 g, N = 20 (n = 10, λ = 1.028):
    before 9 × 499.5 + 499.0: q̄ = 499.45; Σd² = 9 × 0.05² + 0.45² = 0.225; s² = 0.025; s = 0.15811;
           λ·s = 0.16254; limit 499.83746 > q̄ → fails on the mean.
    after  9 × 499.5 + 490.0 (d = 10 ≤ T): q̄ = 498.55; Σd² = 9 × 0.95² + 8.55² = 81.225; s² = 9.025;
           s = 3.00416; λ·s = 3.08828; limit 496.91172 ≤ q̄ → passes.
    """
    before = ev(JJF, "500", 20, ["499.5"] * 9 + ["499.0"])
    assert before.outcome is Outcome.FAIL
    assert codes(before) == {CriterionCode.MEAN}
    assert before.stats is not None and before.stats.limit(D(500)) == D("499.8375")
    after = ev(JJF, "500", 20, ["499.5"] * 9 + ["490.0"])
    assert after.stats is not None and after.stats.limit(D(500)) == D("496.9117")
    assert after.outcome is Outcome.PASS


def _seen(progress: Progress) -> tuple[object, ...]:
    """What a screen or a report reads of a lot's progress, with each net as recorded (its digits)."""
    stats = progress.stats
    evaluation = progress.evaluation
    return (
        [(p.index, str(p.net), str(p.shortfall), p.cls) for p in progress.packages],
        None if stats is None else (stats.n, stats.mean_exact, stats.variance_exact, stats.places, str(stats.mean)),
        progress.needed,
        progress.settled_failures,
        None if evaluation is None else (evaluation.outcome, evaluation.criteria, evaluation.stage),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([JJF, OIML, EU]),
    st.sampled_from([8, 40, 90, 400, 2000, 5000]),
    st.lists(st.tuples(st.integers(4800, 5060), st.integers(0, 3)), min_size=1, max_size=125),
)
def test_progress_built_package_by_package_is_the_progress_of_the_whole_sample(
    rule_id: str, lot_size: int, drawn: list[tuple[int, int]]
) -> None:
    # The weighing screen passes the previous progress on each Enter; what it shows must be what a
    # judgement of the whole sample from scratch gives, with nets of mixed decimals.
    r, g = rules(rule_id), unit("g")
    nets = [Decimal(tenths).scaleb(-1).quantize(Decimal(1).scaleb(-places)) for tenths, places in drawn]
    before = None
    for m in range(1, len(nets) + 1):
        try:
            fresh = assess_progress(r, Decimal(500), g, lot_size, nets[:m])
        except (InputError, OutOfScopeError):
            return  # a lot the rule set does not cover, or more packages than its plan uses: refused either way
        step = assess_progress(r, Decimal(500), g, lot_size, nets[:m], before=before)
        assert _seen(step) == _seen(fresh), f"package {m}"
        before = step
    # Withdrawn packages (a shorter sample) and changed values are worked out anew, never taken from before.
    if len(nets) > 1:
        shorter = assess_progress(r, Decimal(500), g, lot_size, nets[:-1], before=before)
        assert _seen(shorter) == _seen(assess_progress(r, Decimal(500), g, lot_size, nets[:-1]))
        changed = [Decimal(400), *nets[1:]]
        assert _seen(assess_progress(r, Decimal(500), g, lot_size, changed, before=before)) == _seen(
            assess_progress(r, Decimal(500), g, lot_size, changed)
        )
