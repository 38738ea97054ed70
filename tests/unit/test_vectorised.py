"""Vectorised evaluation (`fieldtool.stats`) agrees with the exact scalar engine (`evaluate_lot`) lot by lot."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldtool.core.evaluate import CriterionCode, LotEvaluation, Outcome, Status, evaluate_lot
from fieldtool.core.quantity import decimals_of, unit
from fieldtool.core.rules import RuleSet, resolve_plan, tne
from fieldtool.errors import InputError, OutOfScopeError
from fieldtool.plans.rules import load_rule_set
from fieldtool.stats import STATUSES, LotGroup, LotsResult, evaluate_lots, evaluate_many, to_scaled

# (nominal, unit) pairs covering every band style: absolute, percent rounded half-even/up, kg and L
# (T with more decimals than Qn), T = 0 (short lengths, small counts) and unrounded percentages.
CN_OIML_NOMINALS = [
    ("500", "g"),
    ("150", "g"),
    ("101", "g"),
    ("1.5", "kg"),
    ("0.25", "kg"),
    ("750", "mL"),
    ("2", "L"),
    ("20", "L"),
    ("30", "count"),
    ("120", "count"),
    ("2", "m"),
    ("10", "m"),
    ("600", "cm"),
    ("1.5", "m2"),
]
EU_NOMINALS = [("500", "g"), ("101", "g"), ("20", "g"), ("0.25", "kg"), ("1.5", "kg"), ("1.5", "L"), ("5", "mL")]

PLANS = (
    # (rule set, variant, lot sizes): every row of every shipped plan, at its edges
    [
        ("jjf1070-2005", "standard", n)
        for n in (1, 5, 10, 11, 30, 50, 51, 77, 99, 100, 300, 500, 501, 2000, 3200, 3201, 10000)
    ]
    + [("oiml-r87-2016", "standard", n) for n in (100, 600, 4000)]
    + [("eu-76-211", "standard", n) for n in (1, 50, 99, 100, 300, 501, 2000, 3201, 8000)]
    + [("eu-76-211", "destructive", n) for n in (100, 5000)]
)


@cache
def rules(rule_id: str) -> RuleSet:
    return load_rule_set(rule_id)


def scalar(
    r: RuleSet, nominal: Decimal, u: str, lot_size: int, row: np.ndarray, decimals: int, variant: str
) -> LotEvaluation:
    nets = [Decimal(int(v)).scaleb(-decimals) for v in row]
    return evaluate_lot(r, nominal, unit(u), lot_size, nets, variant)


def assert_agrees(res: LotsResult, i: int, ev: LotEvaluation) -> None:
    """Lot `i` of the vectorised result says what the scalar evaluation says."""
    assert res.outcome_of(i) is ev.outcome, f"lot {i}"
    assert int(res.t1_count[i]) == ev.t1_count
    assert int(res.t2_count[i]) == ev.t2_count
    t2 = ev.criterion(CriterionCode.T2)
    assert t2 is not None and bool(res.t2_ok[i]) == (t2.status is Status.PASS)
    defectives = ev.criterion(CriterionCode.DEFECTIVES)
    assert res.has_defectives_test == (defectives is not None)
    if defectives is not None:
        assert int(res.defectives[i]) == int(defectives.observed)
        assert STATUSES[int(res.defectives_status[i])] is defectives.status
    mean = ev.criterion(CriterionCode.MEAN)
    assert res.has_mean_test == (mean is not None)
    if mean is None:
        assert bool(res.mean_ok[i])
        assert np.isnan(res.mean[i]) and np.isnan(res.limit[i])
    else:
        assert ev.stats is not None
        assert bool(res.mean_ok[i]) == (mean.status is Status.PASS)
        display = 10.0**-ev.stats.places
        assert res.mean[i] == pytest.approx(float(ev.stats.mean), abs=display)
        assert res.limit[i] == pytest.approx(float(ev.stats.limit(ev.nominal)), abs=display)
        assert res.margin[i] == pytest.approx(float(ev.stats.margin(ev.nominal)), abs=2 * display)
        if ev.stats.stdev is not None:
            assert res.stdev[i] == pytest.approx(float(ev.stats.stdev), abs=display)


def make_lots(
    rng: np.random.Generator,
    nominal: Decimal,
    t: Decimal,
    decimals: int,
    lots: int,
    n: int,
    shift: float,
    spread: float,
    p_edge: float,
) -> list[list[Decimal]]:
    """Lots of `n` values on the grid of `decimals` places: normal around Qn + shift·T, with edge values mixed in."""
    grid = Decimal(1).scaleb(-decimals)
    scale = float(t) if t > 0 else float(nominal) / 100
    edges = [nominal, nominal - t, nominal - 2 * t, nominal - t - grid, nominal - 2 * t - grid, nominal - t + grid]
    edges = [e for e in edges if e == e.quantize(grid)]
    out: list[list[Decimal]] = []
    for _ in range(lots):
        centre = float(nominal) + shift * scale
        sd = spread * scale if rng.random() > 0.1 else 0.0  # some lots of identical packages (s = 0)
        raw = rng.normal(centre, sd, n) if sd else np.full(n, centre)
        row = [Decimal(repr(float(v))).quantize(grid) for v in raw]
        for j in np.flatnonzero(rng.random(n) < p_edge):
            row[j] = edges[int(rng.integers(len(edges)))] if edges else row[j]
        out.append(row)
    return out


def force_pending_first_stage(
    rng: np.random.Generator,
    r: RuleSet,
    nominal: Decimal,
    t: Decimal,
    decimals: int,
    lot_size: int,
    lots: list[list[Decimal]],
) -> None:
    """Rewrite each lot's first sample so that its defectives count lies strictly between accept and reject."""
    plan = resolve_plan(r, lot_size)
    first = plan.row.stages[0]
    size = plan.cumulative[0]
    grid = Decimal(1).scaleb(-decimals)
    fine = nominal.quantize(grid) if nominal == nominal.quantize(grid) else nominal.quantize(grid) + grid
    for row in lots:
        for j in range(size):
            if nominal - row[j] > t:
                row[j] = fine  # not defective
        k = int(rng.integers(first.accept + 1, first.reject))
        for j in rng.choice(size, k, replace=False):
            row[int(j)] = (nominal - t - grid).quantize(grid, rounding="ROUND_FLOOR")  # just beyond T


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, str, int, Decimal, str, int, int]:
    rule_id, variant, lot_size = draw(st.sampled_from(PLANS))
    nominal, u = draw(st.sampled_from(EU_NOMINALS if rule_id == "eu-76-211" else CN_OIML_NOMINALS))
    plan = resolve_plan(rules(rule_id), lot_size, variant)
    stage = draw(st.sampled_from([1, 2])) if plan.multi_stage else 1
    t = tne(rules(rule_id), Decimal(nominal), unit(u))
    natural = max(decimals_of(Decimal(nominal)), decimals_of(t))
    decimals = max(0, natural + draw(st.integers(-1, 2)))
    return rule_id, variant, lot_size, Decimal(nominal), u, stage, decimals


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=scenarios(),
    seed=st.integers(0, 2**32 - 1),
    lots=st.integers(1, 6),
    shift=st.floats(-1.5, 0.5),
    spread=st.floats(0.0, 1.5),
    p_edge=st.sampled_from([0.0, 0.02, 0.1, 0.3]),
)
def test_agrees_with_evaluate_lot(
    scenario: tuple[str, str, int, Decimal, str, int, int],
    seed: int,
    lots: int,
    shift: float,
    spread: float,
    p_edge: float,
) -> None:
    rule_id, variant, lot_size, nominal, u, stage, decimals = scenario
    r = rules(rule_id)
    plan = resolve_plan(r, lot_size, variant)
    t = tne(r, nominal, unit(u))
    rng = np.random.default_rng(seed)
    rows = make_lots(rng, nominal, t, decimals, lots, plan.cumulative[stage - 1], shift, spread, p_edge)
    if stage == 2:
        force_pending_first_stage(rng, r, nominal, t, decimals, lot_size, rows)
    scaled, places = to_scaled(rows)
    res = evaluate_lots(r, nominal, unit(u), lot_size, scaled, places, variant)
    assert res.lots == lots and res.stage == stage and res.tne == t
    for i in range(lots):
        assert_agrees(res, i, scalar(r, nominal, u, lot_size, scaled[i], places, variant))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), decimals=st.integers(0, 3), lot_size=st.sampled_from([30, 300, 5000]))
def test_float_input_equals_integer_input(seed: int, decimals: int, lot_size: int) -> None:
    r = rules("jjf1070-2005")
    n = resolve_plan(r, lot_size).n
    rng = np.random.default_rng(seed)
    scaled = np.rint(rng.normal(499.5, 8.0, (20, n)) * 10**decimals).astype(np.int64)
    as_float = scaled / 10**decimals
    a = evaluate_lots(r, Decimal(500), unit("g"), lot_size, scaled, decimals)
    b = evaluate_lots(r, Decimal(500), unit("g"), lot_size, as_float, decimals)
    for name in ("outcome", "t1_count", "t2_count", "defectives", "mean_ok"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def lot_of(values: dict[str, int]) -> list[Decimal]:
    return [Decimal(v) for v, count in values.items() for _ in range(count)]


def check_against_scalar(
    rule_id: str, nominal: str, u: str, lot_size: int, rows: list[list[Decimal]], variant: str = "standard"
) -> LotsResult:
    r = rules(rule_id)
    scaled, places = to_scaled(rows)
    res = evaluate_lots(r, Decimal(nominal), unit(u), lot_size, scaled, places, variant)
    for i, row in enumerate(rows):
        assert_agrees(res, i, evaluate_lot(r, Decimal(nominal), unit(u), lot_size, row, variant))
    return res


def test_all_packages_at_nominal_pass_with_zero_stdev() -> None:
    res = check_against_scalar("jjf1070-2005", "500", "g", 5000, [lot_of({"500.0": 125}), lot_of({"499.9": 125})])
    assert res.stdev[0] == 0.0
    assert res.mean_ok.tolist() == [True, False]  # s = 0: the limit is Qn itself
    assert [res.outcome_of(i) for i in range(2)] == [Outcome.PASS, Outcome.FAIL]


@pytest.mark.parametrize(
    ("rule_id", "lot_size", "lot", "below"),
    [
        # JJF 1070 N = 100–500: n = 50, λ = 0.379; z = (±7, ±7, 0 × 46) gives s = 2 g: limit Qn − 0.758.
        ("jjf1070-2005", 300, {"499.242": 46, "506.242": 2, "492.242": 2}, "499.241"),
        # JJF 1070 N > 3200: n = 125, λ = 0.234; z = (±7, ±3, ±2, 0 × 119) gives s = 1 g, limit Qn − 0.234.
        (
            "jjf1070-2005",
            5000,
            {"499.766": 119, "506.766": 1, "492.766": 1, "502.766": 1, "496.766": 1, "501.766": 1, "497.766": 1},
            "499.765",
        ),
        # EU N = 100–500 (first sample of 30, mean on all 30): λ = 0.503; z = (±7, ±3, 0 × 26) gives s = 2 g.
        ("eu-76-211", 200, {"498.994": 26, "505.994": 1, "491.994": 1, "501.994": 1, "495.994": 1}, "498.993"),
    ],
)
def test_mean_exactly_on_its_limit(rule_id: str, lot_size: int, lot: dict[str, int], below: str) -> None:
    on_limit = lot_of(lot)
    just_below = list(on_limit)
    just_below[0] = Decimal(below)  # one package 0.001 g lighter: the mean falls below the limit
    res = check_against_scalar(rule_id, "500", "g", lot_size, [on_limit, just_below])
    assert res.mean_ok.tolist() == [True, False]
    assert res.decided_exactly[0]  # the float comparison was too close to call
    assert res.margin[0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("nominal", "u", "edges"),
    [
        ("500", "g", {"485.0": "ok", "484.9": "T1", "470.0": "T1", "469.9": "T2"}),  # T = 15 g
        ("1.5", "kg", {"1.478": "ok", "1.477": "T1", "1.456": "T1", "1.455": "T2"}),  # T = 22 g (22.5 half-even)
        ("150", "g", {"143.2": "ok", "143.1": "T1", "136.4": "T1", "136.3": "T2"}),  # T = 6.8 g
    ],
)
def test_packages_exactly_on_qn_minus_t_and_2t(nominal: str, u: str, edges: dict[str, str]) -> None:
    rows = []
    for value, cls in edges.items():
        # A lot of 5 (n = N, no mean test): the one edge package and four at Qn.
        rows.append([Decimal(value)] + [Decimal(nominal)] * 4)
        res = evaluate_lots(rules("jjf1070-2005"), Decimal(nominal), unit(u), 5, *to_scaled([rows[-1]]))
        assert (int(res.t1_count[0]), int(res.t2_count[0])) == {"ok": (0, 0), "T1": (1, 0), "T2": (0, 1)}[cls], value
    check_against_scalar("jjf1070-2005", nominal, u, 5, rows)


def test_defective_rule_of_the_rule_set() -> None:
    # One T1 and one T2 package: JJF counts only T1 as defective; the EU counts both.
    jjf = check_against_scalar("jjf1070-2005", "500", "g", 300, [lot_of({"500": 48, "484": 1, "460": 1})])
    assert int(jjf.defectives[0]) == 1 and jjf.outcome_of(0) is Outcome.FAIL  # the T2 package fails it
    eu = check_against_scalar("eu-76-211", "500", "g", 200, [lot_of({"500": 28, "484": 1, "460": 1})])
    assert int(eu.defectives[0]) == 2 and int(eu.t1_count[0]) == 1 and int(eu.t2_count[0]) == 1


def test_eu_first_stage_pending_then_second_stage() -> None:
    first = lot_of({"500": 28, "484": 2})  # 2 defectives: accept ≤ 1, reject ≥ 3: pending
    stage1 = check_against_scalar("eu-76-211", "500", "g", 200, [first])
    assert stage1.outcome_of(0) is Outcome.SECOND_SAMPLE_NEEDED and stage1.stage == 1
    rows = [first + lot_of({"500": 28, "484": 2}), first + lot_of({"500": 27, "484": 3})]  # 4 then 5 cumulative
    stage2 = check_against_scalar("eu-76-211", "500", "g", 200, rows)
    assert stage2.stage == 2 and [stage2.outcome_of(i) for i in range(2)] == [Outcome.PASS, Outcome.FAIL]


def test_second_sample_after_a_decided_first_sample_is_refused_like_evaluate_lot() -> None:
    decided = lot_of({"500": 30}) + lot_of({"500": 30})
    r = rules("eu-76-211")
    with pytest.raises(InputError):
        evaluate_lot(r, Decimal(500), unit("g"), 200, decided)
    with pytest.raises(InputError, match="already decides 1 lot"):
        evaluate_lots(r, Decimal(500), unit("g"), 200, *to_scaled([decided]))


def test_refusals() -> None:
    r = rules("jjf1070-2005")
    g = unit("g")
    ok = np.full((2, 50), 5000, dtype=np.int64)
    with pytest.raises(InputError, match="needs 50 packages"):
        evaluate_lots(r, Decimal(500), g, 300, ok[:, :49], 1)
    with pytest.raises(InputError, match="more than 1 decimal places"):
        evaluate_lots(r, Decimal(500), g, 300, np.full((2, 50), 500.05), 1)
    with pytest.raises(InputError, match="finite"):
        evaluate_lots(r, Decimal(500), g, 300, np.full((2, 50), np.nan), 1)
    with pytest.raises(InputError, match="positive"):
        evaluate_lots(r, Decimal(0), g, 300, ok, 1)
    with pytest.raises(InputError, match="lots × packages"):
        evaluate_lots(r, Decimal(500), g, 300, ok[0], 1)
    with pytest.raises(OutOfScopeError):
        evaluate_lots(rules("oiml-r87-2016"), Decimal(500), g, 50, np.full((1, 13), 5000), 1)


def test_evaluate_many_and_empty_groups() -> None:
    r = rules("jjf1070-2005")
    groups = [
        LotGroup(Decimal(500), unit("g"), 300, np.full((3, 50), 5000, dtype=np.int64), 1),
        LotGroup(Decimal("1.5"), unit("kg"), 60, np.full((0, 13), 1500, dtype=np.int64), 3),
    ]
    first, second = evaluate_many(r, groups)
    assert first.counts()[Outcome.PASS] == 3
    assert second.lots == 0 and second.counts() == {o: 0 for o in Outcome}
