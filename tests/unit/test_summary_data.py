"""Tests of the programme summary figures (`fieldtool.usecases.summary`) on small hand-made databases.

Every lot here is small (N ≤ 10: the whole lot is the sample, no mean test, no package may be
short by more than T) and entered as net quantities, so each count and each (q̄ − Qn)/T can be
worked out by hand. Qn = 500 g has T = 3 % = 15 g; Qn = 1 kg has T = 15 g = 0.015 kg.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from fieldtool.core.chinatime import CHINA_TIME, day_bounds
from fieldtool.core.evaluate import CriterionCode, Outcome
from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError
from fieldtool.reports.summary_model import Counts
from fieldtool.stats.summary import LotMeans, group_spreads, lot_mean_deviations
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.summary import programme_summary_data
from tests.conftest import StepClock

PROGRAMME = "cn-2012-net-content"


@pytest.fixture
def clock() -> StepClock:
    return StepClock(datetime(2012, 5, 10, 2, 0, tzinfo=UTC))


@pytest.fixture
def services(tmp_path: Path, clock: StepClock) -> Iterator[Services]:
    with SqliteStore.open(tmp_path / "summary.db", clock=clock) as store:
        yield Services(store, clock=clock)


def lot(
    services: Services,
    clock: StepClock,
    at: datetime,
    nets: Sequence[str],
    *,
    city: str = "beijing",
    product: str = "white-sugar",
    nominal: str = "500",
    unit: str = "g",
    finalise: bool = True,
    **changes: object,
) -> str:
    """Open (at `at`), weigh and finalise a lot of N = len(nets) entered as net quantities."""
    clock.now = at
    fields: dict[str, object] = {
        "programme_id": PROGRAMME, "city_id": city, "product_id": product, "site_name": f"{city}超市",
        "site_address": f"{city}路1号", "site_kind": SiteKind.RETAILER, "brand": "丰禾牌白砂糖", "batch": "B-001",
        "nominal": Decimal(nominal), "unit": unit, "lot_size": len(nets), "rule_set_id": "jjf1070-2005",
        "sampling_method": SamplingMethod.SIMPLE_RANDOM, "inspectors": ("Li Wei", "Zhang Min"),
        "tare_method": TareMethod.NET,
    }
    fields.update(changes)
    inspection = services.start_inspection(InspectionHeader(**fields))  # type: ignore[arg-type]
    for text in nets:
        # Short packages far from Qn are what these lots are about: confirmed as an inspector would.
        services.record_weight(inspection.id, text, confirmed=True)
    if finalise:
        services.finalise(inspection.id, "Li Wei")
    return inspection.id


def cst(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=CHINA_TIME)


@pytest.fixture
def three(services: Services, clock: StepClock) -> dict[str, str]:
    """2 pass, 1 fail: Beijing sugar (pass, May), Beijing sugar (fail, June), Shanghai flour (pass, June)."""
    return {
        # mean 500.0: (500 − 500)/15 = 0
        "pass_bj": lot(services, clock, cst(2012, 5, 10), ["500.0", "501.0", "502.0", "499.0", "498.0"], batch="B-1"),
        # 484.0 is short by 16 > T = 15: one T1 package where none is allowed; mean 496.8: −3.2/15
        "fail_bj": lot(services, clock, cst(2012, 6, 5), ["500.0", "500.0", "500.0", "500.0", "484.0"], batch="B-2",
                       brand="金穗牌白砂糖", site_name="北京华盛超市"),
        # 1 kg flour, T = 0.015 kg; mean 1.010: 0.010/0.015 = 2/3
        "pass_sh": lot(services, clock, cst(2012, 6, 20), ["1.010", "1.005", "1.000", "1.015", "1.020"],
                       city="shanghai", product="wheat-flour", nominal="1", unit="kg", batch="F-7"),
    }


def test_three_lots_counted_by_hand(services: Services, three: dict[str, str]) -> None:
    data = programme_summary_data(services, PROGRAMME)
    assert data.totals == Counts(lots=3, failed=1)
    assert (data.totals.passed, data.totals.pass_rate) == (2, pytest.approx(2 / 3))
    assert data.cells[("beijing", "white-sugar")].counts == Counts(2, 1)
    assert data.cells[("shanghai", "wheat-flour")].counts == Counts(1, 0)
    assert data.cells[("beijing", "wheat-flour")].counts == Counts(0, 0)
    assert data.cells[("beijing", "white-sugar")].quota == 3
    assert data.by_city["beijing"] == Counts(2, 1) and data.by_city["shanghai"] == Counts(1, 0)
    assert data.by_city["guangzhou"] == Counts(0, 0)
    assert data.by_product["white-sugar"] == Counts(2, 1) and data.by_product["wheat-flour"] == Counts(1, 0)
    assert sum(c.counts.lots for c in data.cells.values()) == 3
    assert [(p.label, p.counts) for p in data.periods] == [("2012-05", Counts(1, 0)), ("2012-06", Counts(2, 1))]
    assert (data.first_day, data.last_day) == (date(2012, 5, 10), date(2012, 6, 20))
    assert len(data.cities) == 30 and len(data.products) == 10
    assert data.unassigned == Counts() and data.open_inspections == 0
    assert data.lot_ids == (three["pass_bj"], three["fail_bj"], three["pass_sh"])


def test_deviations_by_hand(services: Services, three: dict[str, str]) -> None:
    data = programme_summary_data(services, PROGRAMME)
    by_product = {d.product.id: d for d in data.deviations}
    sugar, flour = by_product["white-sugar"], by_product["wheat-flour"]
    assert sugar.values == pytest.approx((0.0, -3.2 / 15))
    assert sugar.failed == (False, True)
    assert flour.values == pytest.approx((0.010 / 0.015,))
    assert by_product["rice"].values == () and by_product["rice"].spread is None
    assert sugar.spread is not None
    assert (sugar.spread.count, sugar.spread.minimum, sugar.spread.maximum) == (2, pytest.approx(-3.2 / 15), 0.0)
    assert sugar.spread.median == pytest.approx(-1.6 / 15)


def test_failing_lot_with_its_site_brand_batch_and_criterion(services: Services, three: dict[str, str]) -> None:
    data = programme_summary_data(services, PROGRAMME)
    assert [f.inspection_id for f in data.failing] == [three["fail_bj"]]
    f = data.failing[0]
    assert (f.site_name, f.brand, f.batch) == ("北京华盛超市", "金穗牌白砂糖", "B-2")
    assert f.city is not None and f.city.name_zh == "北京" and f.product is not None and f.product.name_en == "White sugar"
    assert [c.code for c in f.failed] == [CriterionCode.DEFECTIVES]
    assert (f.failed[0].observed, f.failed[0].limit) == (Decimal(1), Decimal(0))
    assert f.reasons["en"] == ("1 packages with T < d ≤ 2T, 1 more than the 0 allowed",)
    assert "超过允许的 0" in f.reasons["zh"][0]
    assert f.inspected_on == date(2012, 6, 5) and f.deviation == pytest.approx(-3.2 / 15)
    assert (f.nominal, f.unit, f.lot_size, f.tne) == (Decimal(500), "g", 5, Decimal(15))


def test_the_saved_verdict_counts_not_a_new_judgement(services: Services, three: dict[str, str]) -> None:
    # The summary takes the outcome saved with each verdict; it never judges a lot again.
    verdicts = {i: services.verdict(i) for i in three.values()}
    assert {i: v.outcome for i, v in verdicts.items() if v} == {
        three["pass_bj"]: Outcome.PASS, three["fail_bj"]: Outcome.FAIL, three["pass_sh"]: Outcome.PASS}
    data = programme_summary_data(services, PROGRAMME)
    assert data.totals.failed == 1


def test_methodology_lists_the_rule_set_and_plan_rows_used(services: Services, three: dict[str, str]) -> None:
    data = programme_summary_data(services, PROGRAMME)
    assert [(u.rule_set.id, u.lots) for u in data.rule_sets] == [("jjf1070-2005", 3)]
    assert [(r.rule_set_id, r.row.lot_min, r.row.lot_max, r.lots) for r in data.plan_rows] == [
        ("jjf1070-2005", 1, 10, Counts(3, 1))]


def test_filters_change_the_counts(services: Services, three: dict[str, str]) -> None:
    assert programme_summary_data(services, PROGRAMME, cities=["beijing"]).totals == Counts(2, 1)
    shanghai = programme_summary_data(services, PROGRAMME, cities=["shanghai"])
    assert shanghai.totals == Counts(1, 0) and shanghai.failing == ()
    assert [c.id for c in shanghai.cities] == ["shanghai"] and set(shanghai.cells) == {
        ("shanghai", p.id) for p in shanghai.programme.products}
    assert programme_summary_data(services, PROGRAMME, products=["wheat-flour"]).totals == Counts(1, 0)
    # Cities come back in the programme's order whatever order they were asked in.
    both = programme_summary_data(services, PROGRAMME, cities=["shanghai", "beijing", "beijing"])
    assert [c.id for c in both.cities] == ["beijing", "shanghai"] and both.totals == Counts(3, 1)
    assert both.scope.city_ids == ("beijing", "shanghai")
    # Days are inclusive at both ends.
    june = programme_summary_data(services, PROGRAMME, since=date(2012, 6, 5), until=date(2012, 6, 20))
    assert june.totals == Counts(2, 1) and (june.scope.since, june.scope.until) == (date(2012, 6, 5), date(2012, 6, 20))
    assert programme_summary_data(services, PROGRAMME, since=date(2012, 6, 6)).totals == Counts(1, 0)
    assert programme_summary_data(services, PROGRAMME, until=date(2012, 6, 4)).totals == Counts(1, 0)


def test_the_day_is_the_china_day(services: Services, clock: StepClock) -> None:
    # 2012-05-31 17:30 UTC is 2012-06-01 01:30 in Beijing: June, whatever the computer's zone.
    lot(services, clock, datetime(2012, 5, 31, 17, 30, tzinfo=UTC), ["500.0"] * 5)
    data = programme_summary_data(services, PROGRAMME)
    assert [p.label for p in data.periods] == ["2012-06"]
    assert programme_summary_data(services, PROGRAMME, since=date(2012, 6, 1), until=date(2012, 6, 1)).totals.lots == 1
    with pytest.raises(InputError):
        programme_summary_data(services, PROGRAMME, until=date(2012, 5, 31))


def test_months_without_lots_are_shown_with_zeros(services: Services, clock: StepClock) -> None:
    lot(services, clock, cst(2012, 5, 10), ["500.0"] * 5)
    lot(services, clock, cst(2012, 8, 10), ["500.0"] * 5)
    data = programme_summary_data(services, PROGRAMME)
    assert [(p.label, p.counts.lots) for p in data.periods] == [
        ("2012-05", 1), ("2012-06", 0), ("2012-07", 0), ("2012-08", 1)]


def test_open_inspections_are_not_counted(services: Services, clock: StepClock, three: dict[str, str]) -> None:
    lot(services, clock, cst(2012, 6, 21), ["500.0", "500.0"], finalise=False, lot_size=5)
    data = programme_summary_data(services, PROGRAMME)
    assert data.totals == Counts(3, 1) and data.open_inspections == 1


def test_a_lot_outside_the_programme_s_cities_is_counted_but_not_in_the_matrix(
    services: Services, clock: StepClock, three: dict[str, str]
) -> None:
    lot(services, clock, cst(2012, 6, 22), ["500.0", "500.0", "500.0", "500.0", "400.0"], city="atlantis")
    data = programme_summary_data(services, PROGRAMME)
    assert data.totals == Counts(4, 2) and data.unassigned == Counts(1, 1)
    assert sum(c.counts.lots for c in data.cells.values()) == 3
    outside = [f for f in data.failing if f.city_id == "atlantis"]
    assert len(outside) == 1 and outside[0].city is None
    assert data.failing[-1] is outside[0]  # unknown cities after the programme's
    # A lot short by 100 g (> 2T = 30 g) fails on the T2 count.
    assert [c.code for c in outside[0].failed] == [CriterionCode.T2]


def test_unknown_ids_and_empty_selections_are_one_line_errors(services: Services, three: dict[str, str]) -> None:
    with pytest.raises(NotFoundError, match="atlantis") as city:
        programme_summary_data(services, PROGRAMME, cities=["beijing", "atlantis"])
    with pytest.raises(NotFoundError, match="tofu") as product:
        programme_summary_data(services, PROGRAMME, products=["tofu"])
    with pytest.raises(NotFoundError, match="no-such-programme") as programme:
        programme_summary_data(services, "no-such-programme")
    with pytest.raises(InputError, match="no finalised inspections match") as empty:
        programme_summary_data(services, PROGRAMME, cities=["guangzhou"])
    assert "guangzhou" in str(empty.value)
    with pytest.raises(InputError, match="ends") as backwards:
        programme_summary_data(services, PROGRAMME, since=date(2012, 6, 2), until=date(2012, 6, 1))
    for exc in (city, product, programme, empty, backwards):
        assert "\n" not in str(exc.value)


def test_an_empty_database_says_so(services: Services) -> None:
    with pytest.raises(InputError, match=f"no finalised inspections match programme {PROGRAMME}$"):
        programme_summary_data(services, PROGRAMME)


def test_report_number_and_fingerprint_follow_the_data(
    services: Services, clock: StepClock, three: dict[str, str]
) -> None:
    first = programme_summary_data(services, PROGRAMME)
    again = programme_summary_data(services, PROGRAMME)
    assert first.fingerprint == again.fingerprint and len(first.fingerprint) == 64
    assert first.report_no.startswith(f"{PROGRAMME}-") and first.report_no.endswith(first.fingerprint[:8].upper())
    only_bj = programme_summary_data(services, PROGRAMME, cities=["beijing"])
    assert only_bj.fingerprint != first.fingerprint


def test_the_summary_is_dated_by_its_data_or_by_the_date_asked_for(
    services: Services, clock: StepClock, three: dict[str, str]
) -> None:
    first = programme_summary_data(services, PROGRAMME)
    latest = first.last_finalised.astimezone(CHINA_TIME).date()
    assert first.generated_on == latest
    assert first.report_no == f"{PROGRAMME}-{latest:%Y%m%d}-{first.fingerprint[:8].upper()}"
    # A month later the same data give the same number and date.
    later = Services(services.store, clock=lambda: datetime(2013, 1, 9, 3, 0, tzinfo=UTC))
    assert programme_summary_data(later, PROGRAMME) == first
    asked = programme_summary_data(services, PROGRAMME, on=date(2012, 12, 31))
    assert asked.generated_on == date(2012, 12, 31)
    assert asked.report_no == f"{PROGRAMME}-20121231-{first.fingerprint[:8].upper()}"


def test_day_bounds() -> None:
    start, end = day_bounds(date(2012, 6, 1), date(2012, 6, 30))
    assert start == datetime(2012, 6, 1, tzinfo=CHINA_TIME) and end == datetime(2012, 7, 1, tzinfo=CHINA_TIME)
    assert day_bounds(None, None) == (None, None)
    with pytest.raises(InputError, match="time zone"):
        day_bounds(datetime(2012, 6, 1), None)


# -- fieldtool.stats.summary ------------------------------------------------------------------


def test_lot_mean_deviations_by_hand() -> None:
    lots = [
        LotMeans([Decimal("500.0"), Decimal("501.0"), Decimal("502.0"), Decimal("499.0"), Decimal("498.0")],
                 Decimal(500), Decimal(15)),
        LotMeans([Decimal("500.0")] * 4 + [Decimal("484.0")], Decimal(500), Decimal(15)),
        LotMeans([Decimal("1.010"), Decimal("1.005"), Decimal("1.000"), Decimal("1.015"), Decimal("1.020")],
                 Decimal(1), Decimal("0.015")),
        LotMeans([Decimal("0.25"), Decimal("0.35")], Decimal("0.3"), Decimal(0)),  # T = 0: undefined
        LotMeans([Decimal("85.12")], Decimal(85), Decimal("4.5")),
    ]
    got = lot_mean_deviations(lots)
    assert got[:3] == pytest.approx([0.0, -3.2 / 15, 2 / 3])
    assert math.isnan(got[3])
    assert got[4] == pytest.approx(0.12 / 4.5)
    assert lot_mean_deviations([]).shape == (0,)
    with pytest.raises(InputError, match="no net quantities"):
        lot_mean_deviations([LotMeans([], Decimal(1), Decimal(1))])


def test_lot_mean_deviations_match_decimal_arithmetic() -> None:
    rng = np.random.default_rng(7)
    lots = []
    for k in range(200):
        n = int(rng.integers(1, 126))
        places = int(rng.integers(0, 5))
        nominal = Decimal(int(rng.integers(50, 5000)))
        nets = [Decimal(int(v)).scaleb(-places) for v in rng.integers(40 * 10**places, 5200 * 10**places, n)]
        lots.append(LotMeans(nets, nominal, Decimal("4.5") if k % 2 else Decimal(15)))
    got = lot_mean_deviations(lots)
    want = [float((sum(lot.nets) / len(lot.nets) - lot.nominal) / lot.tne) for lot in lots]
    assert got == pytest.approx(want, rel=1e-12)


def test_group_spreads() -> None:
    spreads = group_spreads([1.0, 2.0, 3.0, 4.0, float("nan"), 10.0], [0, 0, 0, 0, 0, 2], 3)
    a, b, c = spreads
    assert a is not None and (a.count, a.minimum, a.q1, a.median, a.q3, a.maximum, a.mean) == (
        4, 1.0, 1.75, 2.5, 3.25, 4.0, 2.5)
    assert b is None
    assert c is not None and (c.count, c.median) == (1, 10.0)
