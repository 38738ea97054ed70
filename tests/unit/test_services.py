"""Tests of the use-cases (`fieldtool.usecases.inspection`) on a real SQLite file: what an inspector types, what is stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.evaluate import CriterionCode, Outcome, Status, evaluate_lot
from fieldtool.core.inspection import DensityMethod, InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.quantity import unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import FieldtoolError, InputError, NotFoundError, OutOfScopeError, StoreError
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_types import CellProgress, LotState
from tests.conftest import StepClock

TODAY = datetime(2012, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    clock = StepClock(TODAY)
    with SqliteStore.open(tmp_path / "fieldtool.db", clock=clock) as store:
        yield Services(store, clock=clock)


def header(**changes: object) -> InspectionHeader:
    fields: dict[str, object] = {
        "programme_id": "cn-2012-net-content",
        "city_id": "beijing",
        "site_name": "北京华盛超市",
        "site_kind": SiteKind.RETAILER,
        "product_id": "white-sugar",
        "nominal": Decimal(500),
        "unit": "g",
        "lot_size": 300,
        "rule_set_id": "jjf1070-2005",
        "sampling_method": SamplingMethod.SIMPLE_RANDOM,
        "sampling_seed": 12345,
        "inspectors": ("Li Wei", "Zhang Min"),
        "tare_method": TareMethod.INDIVIDUAL,
    }
    fields.update(changes)
    return InspectionHeader(**fields)  # type: ignore[arg-type]


def start(services: Services, **changes: object) -> str:
    return services.start_inspection(header(**changes)).id


def weigh(services: Services, inspection_id: str, texts: Sequence[str]) -> LotState:
    state = services.lot_state(inspection_id)
    for text in texts:
        _, state = services.record_weight(inspection_id, text)
    return state


def balance(services: Services, **changes: object) -> str:
    fields: dict[str, object] = {
        "make": "Sartorius", "model": "BSA622S", "serial": "1", "max_capacity": Decimal(620), "d": Decimal("0.01"),
        "e": Decimal("0.1"), "accuracy_class": "II", "mpe": Decimal("0.1"), "calibration_due": date(2013, 3, 1),
    }
    fields.update(changes)
    return services.store.add_balance(**fields).id  # type: ignore[arg-type]


# -- preview -----------------------------------------------------------------------------------


def test_preview_gives_t_the_plan_row_and_the_limits(services: Services) -> None:
    p = services.preview("jjf1070-2005", "500", "g", 300)
    assert p.tne == Decimal("15.0") and p.qn_minus_t == Decimal("485.0") and p.qn_minus_2t == Decimal("470.0")
    assert (p.plan.n, p.plan.row.lam, p.plan.row.t2_allowed) == (50, Decimal("0.379"), 0)
    assert p.plan.row.stages[0].accept == 3  # JJF 1070: 3 T1 packages allowed for 100 to 500
    assert p.suitability is None and p.calibration_due is None and not p.calibration_expired
    assert p.today == TODAY.date()


@pytest.mark.parametrize(
    ("nominal", "unit_symbol", "lot_size", "tne", "n"),
    [
        ("1500", "mL", 10, Decimal(22), 10),  # 22.5 → 22 (GB/T 8170, half to even); N ≤ 10: every package
        ("150", "g", 50, Decimal("6.8"), 10),
        ("101", "g", 99, Decimal("4.5"), 13),
        ("5", "kg", 501, Decimal("0.075"), 80),  # T in the lot's unit
        ("85", "g", 3201, Decimal("4.5"), 125),
    ],
)
def test_preview_follows_the_tables(
    services: Services, nominal: str, unit_symbol: str, lot_size: int, tne: Decimal, n: int
) -> None:
    p = services.preview("jjf1070-2005", nominal, unit_symbol, lot_size)
    assert (p.tne, p.plan.n) == (tne, n)


def test_preview_refuses_what_the_rule_set_does_not_cover(services: Services) -> None:
    with pytest.raises(OutOfScopeError):
        services.preview("jjf1070-2005", "60000", "g", 300)
    with pytest.raises(OutOfScopeError):
        services.preview("oiml-r87-2016", "500", "g", 99)
    with pytest.raises(InputError, match="positive"):
        services.preview("jjf1070-2005", "0", "g", 300)
    with pytest.raises(InputError):
        services.preview("jjf1070-2005", "five", "g", 300)
    with pytest.raises(NotFoundError):
        services.preview("jjf1070-2005", "500", "g", 300, balance_id="no-such-balance")


def test_suitability_compares_the_mpe_with_t_over_5(services: Services) -> None:
    fine = balance(services)  # MPE 0.1 g
    coarse = balance(services, model="BSA6201", max_capacity=Decimal(6200), d=Decimal("0.1"), e=Decimal(1), mpe=Decimal(1))
    ok = services.preview("jjf1070-2005", "85", "g", 300, balance_id=fine).suitability
    assert ok is not None and ok.suitable and ok.basis == "MPE" and ok.limit == Decimal("0.90") and ok.warning("g") == ""
    bad = services.preview("jjf1070-2005", "85", "g", 300, balance_id=coarse).suitability
    assert bad is not None and not bad.suitable and bad.error == Decimal(1)
    assert "exceeds" in bad.warning("g") and "0.90" in bad.warning("g")
    # Exactly T/5 is suitable: 500 g → T = 15 g, T/5 = 3 g.
    edge = balance(services, mpe=Decimal(3))
    at_limit = services.preview("jjf1070-2005", "500", "g", 300, balance_id=edge).suitability
    assert at_limit is not None and at_limit.suitable and at_limit.limit == Decimal("3.0")


def test_suitability_falls_back_to_e_then_d(services: Services) -> None:
    only_e = balance(services, mpe=None, e=Decimal("0.5"))
    only_d = balance(services, mpe=None, e=None, d=Decimal(2))
    s_e = services.preview("jjf1070-2005", "500", "g", 300, balance_id=only_e).suitability
    s_d = services.preview("jjf1070-2005", "500", "g", 300, balance_id=only_d).suitability
    assert s_e is not None and (s_e.basis, s_e.error, s_e.suitable) == ("e", Decimal("0.5"), True)
    assert s_d is not None and (s_d.basis, s_d.error, s_d.suitable) == ("d", Decimal(2), True)


def test_suitability_of_a_g_balance_for_a_lot_in_kg(services: Services) -> None:
    b = balance(services, max_capacity=Decimal(6200), d=Decimal("0.1"), mpe=Decimal(1))
    s = services.preview("jjf1070-2005", "5", "kg", 300, balance_id=b).suitability
    assert s is not None and s.limit == Decimal(15) and s.suitable  # T = 75 g, T/5 = 15 g


def test_suitability_of_a_g_balance_for_a_liquid_in_ml(services: Services) -> None:
    b = balance(services, max_capacity=Decimal(6200), d=Decimal("0.1"), mpe=Decimal(1))
    s = services.preview("jjf1070-2005", "900", "mL", 300, balance_id=b).suitability
    assert s is not None and s.limit == Decimal(3) and s.suitable  # T = 15 mL ≈ 15 g, T/5 = 3 g


def test_suitability_of_a_g_balance_for_a_liquid_in_l(services: Services) -> None:
    b = balance(services, max_capacity=Decimal(6200), d=Decimal("0.1"), mpe=Decimal(1))
    s = services.preview("jjf1070-2005", "5", "L", 300, balance_id=b).suitability
    assert s is not None and s.limit == Decimal(15) and s.suitable  # T = 75 mL ≈ 75 g, T/5 = 15 g


def test_calibration_is_expired_only_after_its_due_day(services: Services) -> None:
    yesterday = balance(services, calibration_due=TODAY.date() - timedelta(days=1))
    today = balance(services, calibration_due=TODAY.date())
    unknown = balance(services, calibration_due=None)
    assert services.preview("jjf1070-2005", "500", "g", 300, balance_id=yesterday).calibration_expired
    assert not services.preview("jjf1070-2005", "500", "g", 300, balance_id=today).calibration_expired
    p = services.preview("jjf1070-2005", "500", "g", 300, balance_id=unknown)
    assert p.calibration_due is None and not p.calibration_expired


def test_start_inspection_checks_the_rule_set_and_the_balance(services: Services) -> None:
    with pytest.raises(OutOfScopeError):
        services.start_inspection(header(rule_set_id="oiml-r87-2016", lot_size=50))
    with pytest.raises(NotFoundError):
        services.start_inspection(header(balance_id="no-such-balance"))
    assert services.inspections() == []
    inspection = services.start_inspection(header())
    assert services.inspections() == [inspection]


def test_the_draw_is_reproducible_from_the_stored_seed(services: Services) -> None:
    state = services.lot_state(start(services, lot_size=300, sampling_seed=77))
    assert state.draw is not None and len(state.draw.positions) == 50 == len(set(state.draw.positions))
    assert services.lot_state(start(services, lot_size=300, sampling_seed=77)).draw == state.draw
    assert services.lot_state(start(services, sampling_seed=None)).draw is None


# -- tare methods ------------------------------------------------------------------------------


def test_net_entry_takes_one_value(services: Services) -> None:
    iid = start(services, tare_method=TareMethod.NET)
    state = services.lot_state(iid)
    assert (state.entry, state.weighing_unit.symbol, state.tare.ready) == ("net", "g", True)
    m, state = services.record_weight(iid, " 498.3 ")
    assert (m.net, m.gross, m.tare, m.position) == (Decimal("498.3"), None, None, 1)
    for text in ("498.3 12.0", "", "-1", "abc"):
        with pytest.raises(InputError):
            services.record_weight(iid, text)
    assert m.net == services.lot_state(iid).measurements[0].net and len(services.lot_state(iid).measurements) == 1


def test_net_entry_accepts_zero(services: Services) -> None:
    iid = start(services, tare_method=TareMethod.NET)
    # An empty package is a net far from Qn: asked first (issue 14), then saved once confirmed.
    with pytest.raises(InputError, match="more than 5 T from Qn"):
        services.record_weight(iid, "0")
    m, _ = services.record_weight(iid, "0", confirmed=True)
    assert m.net == 0


def test_individual_tare_reads_gross_and_tare(services: Services) -> None:
    iid = start(services)
    assert services.lot_state(iid).entry == "gross tare"
    for i, text in enumerate(("512.3 12.1", "512.3;12.1", "512.3/12.1", "  512.3   12.1 "), 1):
        m, _ = services.record_weight(iid, text)
        assert (m.position, m.gross, m.tare, m.net) == (i, Decimal("512.3"), Decimal("12.1"), Decimal("500.2"))
    m, _ = services.record_weight(iid, "500.0 0")  # an unwrapped package: tare 0
    assert m.net == Decimal("500.0")
    assert services.store.tares(iid) == []  # the individual tare is kept in the measurement itself


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("512.3", "gross weight and the emptied packaging"),
        ("512.3 12.1 3", "gross weight and the emptied packaging"),
        ("12.1 512.3", "not less than the gross"),
        ("12.1 12.1", "not less than the gross"),
        ("512.3 -1", "must not be negative"),
        ("0 0", "must be positive"),
        ("abc 12", "abc"),
    ],
)
def test_individual_tare_errors(services: Services, text: str, message: str) -> None:
    iid = start(services)
    with pytest.raises(InputError, match=message):
        services.record_weight(iid, text)
    assert services.lot_state(iid).measurements == ()


def test_a_decimal_comma_is_not_read_as_gross_and_tare(services: Services) -> None:
    iid = start(services)
    with pytest.raises(InputError):
        services.record_weight(iid, "512,3")


def _tare_sample(services: Services, iid: str, values: Sequence[str]) -> LotState:
    state = services.lot_state(iid)
    for v in values:
        state = services.record_tare_sample(iid, v)
    return state


ACCEPTED = ["12.0", "12.1", "11.9", "12.2", "11.8", "12.0", "12.1", "11.9", "12.0", "12.0"]
"""Ten empty packagings: mean 12.0 g, s ≈ 0.12 g, well within 0.25 T = 3.75 g for 500 g."""


def test_average_tare_accepted_is_taken_from_every_gross(services: Services) -> None:
    iid = start(services, tare_method=TareMethod.AVERAGE)
    state = services.lot_state(iid)
    assert state.entry == "gross" and not state.tare.ready
    with pytest.raises(InputError, match="average tare is not ready: no tare weighed yet"):
        services.record_weight(iid, "512.3")
    state = _tare_sample(services, iid, ACCEPTED[:9])
    assert not state.tare.ready and state.tare.average is not None and "at least 10" in state.tare.average.problem
    state = _tare_sample(services, iid, ACCEPTED[9:])
    avg = state.tare.average
    assert avg is not None and avg.accepted and avg.n == 10 and avg.mean == Decimal("12.0000")
    assert avg.limit == Decimal("3.75") and state.tare.ready and len(state.tare.weighings) == 10
    m, _ = services.record_weight(iid, "512.3")
    assert (m.gross, m.tare, m.net) == (Decimal("512.3"), Decimal("12.0000"), Decimal("500.3000"))
    for text in ("512.3 12.0", "12.0"):
        with pytest.raises(InputError):
            services.record_weight(iid, text)
    with pytest.raises(InputError, match="before the first package"):
        services.record_tare_sample(iid, "12.0")


def test_average_tare_refused_when_the_packagings_vary_too_much(services: Services) -> None:
    iid = start(services, tare_method=TareMethod.AVERAGE)
    state = _tare_sample(services, iid, ["8", "16"] * 5)  # s ≈ 4.2 g > 0.25 T = 3.75 g
    avg = state.tare.average
    assert avg is not None and not avg.accepted and "use individual tare" in avg.problem and not state.tare.ready
    with pytest.raises(InputError, match="average tare is not ready: tare sample s"):
        services.record_weight(iid, "512.3")


def test_tare_sample_only_for_average_tare_and_positive(services: Services) -> None:
    with pytest.raises(InputError, match="does not use average tare"):
        services.record_tare_sample(start(services), "12.0")
    iid = start(services, tare_method=TareMethod.AVERAGE)
    for text in ("0", "-1", "x"):
        with pytest.raises(InputError):
            services.record_tare_sample(iid, text)
    assert services.store.tares(iid) == []


# -- liquids judged by volume ------------------------------------------------------------------


def liquid(services: Services, **changes: object) -> str:
    return start(services, product_id="liquid-milk", nominal=Decimal(250), unit="mL", **changes)


def test_liquid_volume_is_mass_over_the_flask_density(services: Services) -> None:
    iid = liquid(services)
    state = services.lot_state(iid)
    assert state.needs_density and state.weighing_unit.symbol == "g"
    state = services.record_density(iid, flask_volume_ml="100.00", filled_g="163.95", empty_g="61.20", temperature_c="20.4")
    assert state.density is not None and state.density.method is DensityMethod.FLASK
    assert state.density.density_g_per_ml == Decimal("1.02750") and state.density.temperature_c == Decimal("20.4")
    m, _ = services.record_weight(iid, "270.00 10.00")
    # (270.00 − 10.00) / 1.0275 = 253.041362… mL → 253.04 mL
    assert (m.gross, m.tare, m.net) == (Decimal("270.00"), Decimal("10.00"), Decimal("253.04"))
    assert (m.unit, m.weighing_unit, m.density) == ("mL", "g", Decimal("1.02750"))


def test_liquid_volume_is_rounded_half_to_even(services: Services) -> None:
    iid = liquid(services)
    services.record_density(iid, flask_volume_ml="100", filled_g="160.00", empty_g="60.00")  # ρ = 1
    m1, _ = services.record_weight(iid, "260.005 10.000")  # 250.005 mL → 250.00
    m2, _ = services.record_weight(iid, "260.015 10.000")  # 250.015 mL → 250.02
    assert (m1.net, m2.net) == (Decimal("250.00"), Decimal("250.02"))


def test_liquid_in_litres_is_weighed_in_g(services: Services) -> None:
    iid = start(services, product_id="edible-vegetable-oil", nominal=Decimal("1.8"), unit="L")
    state = services.record_density(iid, flask_volume_ml="100.00", filled_g="151.50", empty_g="60.00")
    assert state.weighing_unit.symbol == "g" and state.density is not None
    assert state.density.density_g_per_ml == Decimal("0.91500")
    m, _ = services.record_weight(iid, "1700.0 49.0")
    # 1651 g / 0.915 = 1804.3716 mL → 1.80437 L (0.01 mL)
    assert (m.net, m.unit, m.weighing_unit) == (Decimal("1.80437"), "L", "g")


def test_liquid_with_average_tare_compares_the_tare_s_with_t_as_a_mass(services: Services) -> None:
    iid = liquid(services, tare_method=TareMethod.AVERAGE)
    services.record_density(iid, density="1.03")
    state = _tare_sample(services, iid, ["9.5", "9.7"] * 5)
    avg = state.tare.average
    assert avg is not None and avg.accepted and avg.limit == Decimal("0.25") * Decimal(9) * Decimal("1.03")
    m, _ = services.record_weight(iid, "268.0")
    assert (m.tare, m.net) == (Decimal("9.6000"), Decimal("250.87"))  # (268.0 − 9.6) / 1.03 = 250.873…


def test_liquid_weighing_needs_a_density_first(services: Services) -> None:
    iid = liquid(services)
    with pytest.raises(InputError, match="density first"):
        services.record_weight(iid, "270.00 10.00")
    assert services.lot_state(iid).measurements == ()
    with pytest.raises(InputError):
        services.record_density(iid, flask_volume_ml="100", filled_g="160.00")  # the empty flask is missing
    with pytest.raises(InputError):
        services.record_density(iid, flask_volume_ml="100", filled_g="60.00", empty_g="61.00")
    services.record_density(iid, density="1.030")
    services.record_weight(iid, "270.00 10.00")
    with pytest.raises(InputError, match="before the first package"):
        services.record_density(iid, density="1.031")
    assert [d.density_g_per_ml for d in services.store.densities(iid)] == [Decimal("1.030")]


def test_a_mass_lot_needs_no_density(services: Services) -> None:
    state = services.lot_state(start(services))
    assert not state.needs_density and state.density is None


# -- the sample, corrections, undo ---------------------------------------------------------------


def test_the_complete_sample_refuses_another_package(services: Services) -> None:
    iid = start(services, lot_size=30)  # 11 to 50: n = 10
    state = weigh(services, iid, ["512.0 12.0"] * 9)
    assert not state.complete and state.progress.needed == 10 and state.evaluation is None
    state = weigh(services, iid, ["512.0 12.0"])
    assert state.complete and state.evaluation is not None and state.evaluation.outcome is Outcome.PASS
    with pytest.raises(InputError, match="sample is complete"):
        services.record_weight(iid, "512.0 12.0")
    assert len(services.lot_state(iid).measurements) == 10


def test_a_small_lot_is_checked_in_full(services: Services) -> None:
    iid = start(services, lot_size=4)
    state = weigh(services, iid, ["512.0 12.0"] * 4)
    assert state.progress.needed == 4 and state.complete
    with pytest.raises(InputError, match="sample is complete"):
        services.record_weight(iid, "512.0 12.0")


def test_a_t2_package_settles_the_lot_before_the_sample_is_complete(services: Services) -> None:
    iid = start(services, lot_size=30)  # T = 15 g: 465.0 g is 35 g short, beyond 2T
    state = weigh(services, iid, ["477.0 12.0"])
    assert not state.complete and [c.code for c in state.progress.settled_failures] == [CriterionCode.T2]


def test_correction_keeps_the_original_with_the_reason(services: Services) -> None:
    iid = start(services)
    first, _ = services.record_weight(iid, "512.3 12.1")
    services.record_weight(iid, "513.0 12.0")
    with pytest.raises(InputError, match="reason"):
        services.correct_weight(first.id, "521.3 12.1", "  ")
    with pytest.raises(InputError):
        services.correct_weight(first.id, "521.3", "digits swapped")
    fixed, state = services.correct_weight(first.id, "521.3 12.1", "digits swapped")
    assert (fixed.position, fixed.net, fixed.supersedes, fixed.reason) == (1, Decimal("509.2"), first.id, "digits swapped")
    assert [m.net for m in state.measurements] == [Decimal("509.2"), Decimal("501.0")]
    history = services.store.measurement_history(iid)
    assert [(m.position, m.net, m.reason) for m in history] == [
        (1, Decimal("500.2"), None), (1, Decimal("509.2"), "digits swapped"), (2, Decimal("501.0"), None)
    ]
    with pytest.raises(StoreError, match="superseded"):
        services.correct_weight(first.id, "520.0 12.0", "again")


def test_undo_withdraws_the_last_package_with_its_reason(services: Services) -> None:
    iid = start(services, lot_size=30)
    with pytest.raises(InputError, match="nothing to undo"):
        services.undo_last(iid, "oops")
    weigh(services, iid, ["512.0 12.0", "513.0 12.0"])
    with pytest.raises(InputError, match="reason"):
        services.undo_last(iid, "")
    state = services.undo_last(iid, "weighed twice")
    assert [m.net for m in state.measurements] == [Decimal("500.0")]
    withdrawn = [m for m in services.store.measurement_history(iid) if m.withdrawn]
    assert [(m.net, m.reason) for m in withdrawn] == [(Decimal("501.0"), "weighed twice")]
    # The withdrawn package no longer counts: the sample still needs 9 more.
    state = weigh(services, iid, ["514.0 12.0"] * 9)
    assert state.complete and [m.net for m in state.measurements][-1] == Decimal("502.0")
    assert len(state.measurements) == 10


def test_undo_of_a_package_no_longer_last_withdraws_nothing(services: Services) -> None:
    """The dialog named package 2; package 3 came in meanwhile (a balance reading): nothing is withdrawn."""
    iid = start(services, lot_size=30)
    state = weigh(services, iid, ["512.0 12.0", "513.0 12.0"])
    shown = state.measurements[-1].id
    weigh(services, iid, ["514.0 12.0"])
    with pytest.raises(InputError, match="package 3 was entered since; nothing was withdrawn") as refused:
        services.undo_last(iid, "weighed twice", measurement_id=shown)
    assert refused.value.in_language("zh").startswith("其间已录入第 3 件")
    assert not [m for m in services.store.measurement_history(iid) if m.withdrawn]
    state = services.undo_last(iid, "weighed twice", measurement_id=services.lot_state(iid).measurements[-1].id)
    assert [m.net for m in state.measurements] == [Decimal("500.0"), Decimal("501.0")]


def test_undo_can_reopen_a_complete_sample(services: Services) -> None:
    iid = start(services, lot_size=30)
    weigh(services, iid, ["512.0 12.0"] * 10)
    state = services.undo_last(iid, "wrong package")
    assert not state.complete and len(state.measurements) == 9


# -- finalise --------------------------------------------------------------------------------------


def test_finalise_refuses_an_incomplete_sample(services: Services) -> None:
    iid = start(services, lot_size=30)
    weigh(services, iid, ["512.0 12.0"] * 8)
    with pytest.raises(InputError, match="2 more packages to weigh"):
        services.finalise(iid, "Li Wei")
    weigh(services, iid, ["512.0 12.0"])
    with pytest.raises(InputError, match="1 more package to weigh"):
        services.finalise(iid, "Li Wei")
    assert not services.lot_state(iid).inspection.is_final


def complete_lot(services: Services, **changes: object) -> str:
    iid = start(services, lot_size=30, **changes)
    weigh(services, iid, ["512.0 12.0"] * 9 + ["490.0 12.0"])  # one package 22 g short: T1, none allowed
    return iid


def test_finalise_refuses_a_name_that_is_not_an_inspector(services: Services) -> None:
    iid = complete_lot(services)
    for name in ("Wang Fang", "", "   ", "Li"):
        with pytest.raises(InputError, match="name of an inspector"):
            services.finalise(iid, name)
    assert not services.lot_state(iid).inspection.is_final


@pytest.mark.parametrize("typed", ["Li Wei", "li wei", "  LI   WEI ", "zhang min"])
def test_finalise_accepts_an_inspector_case_insensitively(services: Services, typed: str) -> None:
    iid = complete_lot(services)
    state = services.finalise(iid, typed)
    assert state.inspection.is_final
    assert (state.inspection.finalised_by or "").casefold() in {"li wei", "zhang min"}
    assert state.verdict is not None and state.verdict.outcome is Outcome.FAIL
    assert state.evaluation is not None and state.verdict.outcome is state.evaluation.outcome
    assert state.verdict.inputs.nets == tuple(m.net for m in state.measurements)
    assert [c.code for c in state.verdict.criteria if c.status is Status.FAIL] == [CriterionCode.DEFECTIVES]


def test_finalise_accepts_the_profile_name(services: Services) -> None:
    services.save_inspector("刘志强", "JL-0417")
    iid = complete_lot(services)
    assert services.finalise(iid, "刘志强").inspection.finalised_by == "刘志强"


def test_after_finalise_every_change_is_refused(services: Services) -> None:
    iid = complete_lot(services)
    first = services.lot_state(iid).measurements[0]
    services.finalise(iid, "Li Wei")
    before = services.store.measurement_history(iid)
    with pytest.raises(StoreError, match="final"):
        services.record_weight(iid, "512.0 12.0")
    with pytest.raises(StoreError, match="final"):
        services.correct_weight(first.id, "513.0 12.0", "late correction")
    with pytest.raises(StoreError, match="final"):
        services.undo_last(iid, "late undo")
    with pytest.raises(StoreError, match="final"):
        services.finalise(iid, "Li Wei")
    with pytest.raises(FieldtoolError):
        services.record_density(iid, density="1.0")
    with pytest.raises(FieldtoolError):
        services.record_tare_sample(iid, "12.0")
    assert services.store.measurement_history(iid) == before
    assert services.store.densities(iid) == [] and services.store.tares(iid) == []
    assert services.unsynced_count() == 1


def test_the_verdict_recomputes_from_the_stored_measurements(services: Services) -> None:
    iid = complete_lot(services)
    state = services.finalise(iid, "Li Wei")
    h = state.inspection.header
    again = evaluate_lot(state.rules, h.nominal, unit(h.unit), h.lot_size, [m.net for m in state.measurements], h.variant)
    assert state.verdict is not None and again.outcome is state.verdict.outcome


# -- programme progress --------------------------------------------------------------------------


def test_progress_matrix_counts_done_failed_and_open(services: Services) -> None:
    passed = start(services, product_id="rice", lot_size=5)
    weigh(services, passed, ["512.0 12.0"] * 5)
    services.finalise(passed, "Li Wei")
    failed = complete_lot(services, product_id="rice")
    services.finalise(failed, "Li Wei")
    weigh(services, start(services, product_id="rice", lot_size=5), ["512.0 12.0"] * 2)
    start(services, product_id="beer", city_id="shanghai", nominal=Decimal(500), unit="mL")
    start(services, programme_id=None, city_id=None, product_id=None)  # outside any programme: not counted
    matrix = services.progress_matrix("cn-2012-net-content")
    assert len(matrix) == 300
    assert matrix[("beijing", "rice")] == CellProgress(quota=3, done=2, failed=1, open=1)
    assert matrix[("shanghai", "beer")] == CellProgress(quota=3, done=0, failed=0, open=1)
    assert matrix[("beijing", "white-sugar")] == CellProgress(quota=3)
    assert services.unsynced_count() == 2


# -- EU double sampling ----------------------------------------------------------------------------


def eu_lot(services: Services) -> str:
    return start(services, rule_set_id="eu-76-211", lot_size=300, programme_id=None, city_id=None, product_id=None)


GOOD = "514.0 12.0"
"""A package of 502.0 g: within T (T = 15 g for 500 g)."""
DEFECTIVE = "494.0 12.0"
"""A package of 482.0 g: 18 g short, a defective (beyond T, within 2T)."""


def test_eu_second_sample_is_asked_for_and_weighed(services: Services) -> None:
    iid = eu_lot(services)
    state = weigh(services, iid, [DEFECTIVE, DEFECTIVE] + [GOOD] * 28)
    ev = state.evaluation
    assert ev is not None and ev.outcome is Outcome.SECOND_SAMPLE_NEEDED and ev.stage == 1
    assert not state.complete and state.progress.needed == 60
    with pytest.raises(InputError, match="30 more packages"):
        services.finalise(iid, "Li Wei")
    state = weigh(services, iid, [GOOD] * 29)
    assert state.evaluation is None and state.progress.needed == 60 and not state.complete
    state = weigh(services, iid, [DEFECTIVE])  # 3 defectives in 60: accept ≤ 4
    assert state.complete and state.evaluation is not None
    assert (state.evaluation.outcome, state.evaluation.stage) == (Outcome.PASS, 2)
    with pytest.raises(InputError, match="sample is complete"):
        services.record_weight(iid, GOOD)
    final = services.finalise(iid, "Zhang Min")
    assert final.verdict is not None and final.verdict.outcome is Outcome.PASS and len(final.verdict.inputs.nets) == 60


def test_eu_first_sample_decides_a_clear_lot(services: Services) -> None:
    iid = eu_lot(services)
    state = weigh(services, iid, [DEFECTIVE] * 3 + [GOOD] * 27)  # reject at 3
    assert state.complete and state.evaluation is not None and state.evaluation.outcome is Outcome.FAIL
    assert state.progress.needed == 30
    with pytest.raises(InputError, match="sample is complete"):
        services.record_weight(iid, GOOD)


def test_finalise_with_a_device_key_signs_in_the_same_step(tmp_path: Path) -> None:
    from fieldtool.core.records import RecordKind
    from fieldtool.sync import keys
    from fieldtool.sync.trust import Trust
    from fieldtool.sync.verify import verify_store

    key = keys.load_or_create(tmp_path / "device-key.pem")
    with SqliteStore.open(tmp_path / "signed.db", signer=key) as store:
        signed = Services(store, signer=key)
        signed.save_inspector("Wang Li")
        iid = start(signed)
        for _ in range(50):
            signed.record_weight(iid, "512.3 12.1")
        signed.finalise(iid, "wang li")
        kinds = [r.kind for r in store.records()]
        assert kinds[-1] == RecordKind.INSPECTION_SIGNED and kinds[-2] == RecordKind.INSPECTION_FINALISED
        report = verify_store(store, Trust(local_key=key.public_key))
        assert report.ok and report.signatures == 1
