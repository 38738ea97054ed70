"""Tests of the demo database (`fieldtool.usecases.demo`): built through the use-cases, plausible, reproducible."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from fieldtool.core.chinatime import CHINA_TIME
from fieldtool.core.evaluate import Outcome, evaluate_lot
from fieldtool.core.inspection import DensityMethod
from fieldtool.core.quantity import Kind, from_base, to_base, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError
from fieldtool.storage import SqliteStore
from fieldtool.usecases.demo import PROGRAMME_ID, DemoClock, DemoSummary, build_demo
from fieldtool.usecases.demo_world import PERIOD
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_types import VOLUME_STEP

CITIES = ["beijing", "shanghai", "guangzhou"]
SEED = 2
"""With these cities and one lot per cell, this seed gives failures, a correction and an undo."""


@dataclass(frozen=True)
class Built:
    path: Path
    summary: DemoSummary


def build(path: Path, seed: int, cities: list[str], with_clock: bool = True) -> DemoSummary:
    clock = DemoClock() if with_clock else None
    with SqliteStore.open(path, clock=clock) as store:
        return build_demo(Services(store, clock=clock), seed=seed, lots_per_cell=1, clock=clock, cities=cities)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return Built(path, build(path, SEED, CITIES))


@pytest.fixture
def services(demo: Built) -> Iterator[Services]:
    with SqliteStore.open(demo.path) as store:
        yield Services(store)


def nets_by_lot(path: Path) -> dict[tuple[str, str, str, str], tuple[Decimal, ...]]:
    with SqliteStore.open(path) as store:
        return {
            (i.header.city_id or "", i.header.product_id or "", i.header.site_name, i.header.batch): tuple(
                m.net for m in store.current_measurements(i.id)
            )
            for i in store.inspections()
        }


def test_finished_failing_and_open_inspections_across_cities_and_products(demo: Built, services: Services) -> None:
    finished = services.inspections(final=True)
    open_ = services.inspections(final=False)
    assert len(finished) == demo.summary.finished >= 20
    assert {i.header.city_id for i in finished} == set(CITIES)
    assert len({i.header.product_id for i in finished}) == 10
    outcomes = Counter(v.outcome for i in finished if (v := services.verdict(i.id)) is not None)
    assert sum(outcomes.values()) == len(finished) and set(outcomes) == {Outcome.PASS, Outcome.FAIL}
    assert outcomes[Outcome.FAIL] == demo.summary.failed > 0
    assert len(open_) == demo.summary.open == 3
    for inspection in open_:
        state = services.lot_state(inspection.id)
        assert 0 < len(state.measurements) < state.progress.needed and not state.complete
        assert state.tare.ready and (state.density is not None or not state.needs_density)


def test_summary_line_and_progress_matrix_agree(demo: Built, services: Services) -> None:
    s = demo.summary
    assert re.fullmatch(
        rf"{PROGRAMME_ID}: \d+ finished inspections in 3 cities × 10 products, \d+ failed \(\d+\.\d %\), 3 open", str(s)
    )
    assert f"{s.finished} finished" in str(s) and f"{s.failed} failed ({100 * s.failed / s.finished:.1f} %)" in str(s)
    matrix = services.progress_matrix(PROGRAMME_ID)
    mine = {k: c for k, c in matrix.items() if k[0] in CITIES}
    assert sum(c.done for c in mine.values()) == s.finished
    assert sum(c.failed for c in mine.values()) == s.failed
    assert sum(c.open for c in mine.values()) == s.open
    assert all(c.done + c.open <= c.quota for c in mine.values())
    assert all(c.done + c.open == 0 for k, c in matrix.items() if k[0] not in CITIES)
    assert s.weighings == sum(len(services.lot_state(i.id).measurements) for i in services.inspections(final=True))


def test_every_verdict_is_what_its_current_measurements_give(services: Services) -> None:
    for inspection in services.inspections(final=True):
        state = services.lot_state(inspection.id)
        h = inspection.header
        nets = [m.net for m in state.measurements]
        again = evaluate_lot(state.rules, h.nominal, unit(h.unit), h.lot_size, nets, h.variant)
        assert state.verdict is not None
        assert state.verdict.outcome is again.outcome, inspection.id
        assert state.verdict.inputs.nets == tuple(nets)
        assert inspection.finalised_by in h.inspectors


def test_the_chain_and_the_projections_verify(services: Services) -> None:
    assert services.store.verify_chain() == []
    assert services.store.verify_projections() == []


def test_records_carry_campaign_times_in_order(services: Services) -> None:
    first = datetime.combine(PERIOD[0], time(0), CHINA_TIME)
    last = datetime.combine(PERIOD[1], time(23, 59), CHINA_TIME)
    times = [datetime.fromisoformat(r.recorded_at) for r in services.store.records()]
    assert times == sorted(times) and first <= times[0] and times[-1] <= last
    for inspection in services.inspections():
        local = inspection.created_at.astimezone(CHINA_TIME)
        assert local.weekday() < 5 and time(8, 0) <= local.time() <= time(20, 0)
        assert inspection.header.production_date is not None and inspection.header.production_date <= local.date()


def test_profile_and_balance_register(services: Services) -> None:
    profile = services.inspector()
    assert profile is not None and profile.name and all("\u4e00" <= ch <= "\u9fff" for ch in profile.name)
    balances = services.balances()
    assert 3 <= len(balances) <= 4
    expired = [b for b in balances if b.calibration_due is not None and b.calibration_due < PERIOD[0]]
    assert len(expired) == 1
    used = {i.header.balance_id for i in services.inspections()}
    assert expired[0].id not in used
    # The preview warns about it on any day of the campaign.
    at = Services(services.store, clock=lambda: datetime(2012, 7, 1, tzinfo=UTC))
    assert at.preview("jjf1070-2005", "500", "g", 300, balance_id=expired[0].id).calibration_expired
    assert not at.preview("jjf1070-2005", "500", "g", 300, balance_id=balances[0].id).calibration_expired


def test_each_lot_is_entered_as_its_tare_method_and_kind_ask(services: Services) -> None:
    programme = services.programme(PROGRAMME_ID)
    seen: set[str] = set()
    for inspection in services.inspections():
        h = inspection.header
        product = programme.product(h.product_id or "")
        state = services.lot_state(inspection.id)
        balance = services.store.balance(h.balance_id or "")
        assert h.tare_method is product.default_tare and h.nominal in {q.value for q in product.nominal_quantities}
        assert h.sampling_seed is not None and state.draw is not None
        assert state.draw.positions[: len(state.measurements)]  # the positions to pull are known
        tares = services.store.tares(inspection.id)
        if h.tare_method is TareMethod.AVERAGE:
            seen.add("average")
            assert len(tares) >= 10 and state.tare.average is not None and state.tare.average.accepted
            assert all(m.tare == state.tare.average.mean for m in state.measurements)
        else:
            seen.add("individual")
            assert tares == [] and all(m.tare is not None and m.gross is not None for m in state.measurements)
        for m in state.measurements:
            assert m.gross is not None and m.tare is not None
            wu = unit(m.weighing_unit or h.unit)
            assert to_base(m.gross, wu) <= to_base(balance.max_capacity, unit(balance.unit))
            mass = m.gross - m.tare
            if unit(h.unit).kind is Kind.VOLUME:
                seen.add("density")
                assert state.density is not None and state.density.method is DensityMethod.FLASK
                assert m.density == state.density.density_g_per_ml and m.weighing_unit == "g"
                volume = from_base(to_base(mass, wu) / state.density.density_g_per_ml, unit(h.unit))
                assert m.net == volume.quantize(VOLUME_STEP[h.unit], rounding=ROUND_HALF_EVEN)
            else:
                assert m.net == mass and m.weighing_unit is None
    assert seen == {"average", "individual", "density"}


def test_some_lots_show_a_correction_and_an_undo(services: Services) -> None:
    history = [m for i in services.inspections() for m in services.store.measurement_history(i.id)]
    corrected = [m for m in history if m.supersedes is not None and not m.withdrawn]
    withdrawn = [m for m in history if m.withdrawn]
    assert corrected and all(m.reason for m in corrected)
    assert withdrawn and all(m.reason for m in withdrawn)


def test_the_same_seed_gives_the_same_lots_and_nets(tmp_path: Path) -> None:
    first = build(tmp_path / "a.db", 7, ["hohhot"])
    # Without a demo clock the records carry the real time, but the lots are the same.
    second = build(tmp_path / "b.db", 7, ["hohhot"], with_clock=False)
    other = build(tmp_path / "c.db", 8, ["hohhot"])
    assert first == second
    a, b, c = (nets_by_lot(tmp_path / name) for name in ("a.db", "b.db", "c.db"))
    assert a == b and len(a) == first.finished + first.open
    assert a != c and other.finished + other.open == len(c)
    with SqliteStore.open(tmp_path / "b.db") as store:
        assert all(i.created_at.date() > date(2012, 12, 31) for i in store.inspections())


def test_a_build_cut_short_leaves_the_database_empty_for_another_try(tmp_path: Path) -> None:
    # Ctrl+C half-way (here from the progress callback, after the 4th lot): nothing is kept, and
    # the same command on the same file then builds the whole demo instead of refusing a non-empty one.
    def interrupt(done: int, planned: int) -> None:
        if done == 4:
            raise KeyboardInterrupt

    path = tmp_path / "demo.db"
    with SqliteStore.open(path, clock=DemoClock()) as store:
        with pytest.raises(KeyboardInterrupt):
            build_demo(Services(store), seed=7, lots_per_cell=1, cities=["hohhot"], progress=interrupt)
    with SqliteStore.open(path) as store:
        services = Services(store)
        assert services.inspections() == [] and services.inspector() is None and services.balances() == []
        assert store.records_mark() == 0
    assert build(path, 7, ["hohhot"]) == build(tmp_path / "clean.db", 7, ["hohhot"])


def test_a_database_with_inspections_is_refused(demo: Built, services: Services) -> None:
    count = len(services.inspections())
    with pytest.raises(InputError, match=re.escape(str(demo.path))) as err:
        build_demo(services, seed=1, lots_per_cell=1, cities=["beijing"])
    assert "\n" not in str(err.value)
    assert len(services.inspections()) == count


def test_a_database_with_a_profile_or_balances_is_refused(tmp_path: Path) -> None:
    with SqliteStore.open(tmp_path / "mine.db") as store:
        services = Services(store)
        services.save_inspector("Li Wei")
        with pytest.raises(InputError, match="already has an inspector profile; the demo needs an empty database"):
            build_demo(services, lots_per_cell=1, cities=["beijing"])
        store.add_balance(make="Sartorius", model="BSA622S", serial="1", max_capacity="620", d="0.01")
        with pytest.raises(InputError, match="already has an inspector profile and balances;"):
            build_demo(services, lots_per_cell=1, cities=["beijing"])
        profile = services.inspector()
        assert profile is not None and profile.name == "Li Wei"
        assert len(services.balances()) == 1 and services.inspections() == []


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with SqliteStore.open(tmp_path / "x.db") as store:
        services = Services(store)
        with pytest.raises(InputError, match="lots per cell"):
            build_demo(services, lots_per_cell=-1)
        with pytest.raises(NotFoundError, match="no city 'atlantis'"):
            build_demo(services, lots_per_cell=1, cities=["atlantis"])
        assert services.inspections() == []


def test_the_demo_balance_finishes_an_open_lot_through_the_real_driver(demo: Built, tmp_path: Path) -> None:
    import shutil

    from fieldtool.balance import connect
    from fieldtool.balance.session import check_identity
    from fieldtool.balance.sim import Simulator
    from fieldtool.usecases.balance import record_reading
    from fieldtool.usecases.demo_balance import demo_balance

    copy = tmp_path / "demo.db"
    shutil.copy(demo.path, copy)
    with SqliteStore.open(copy) as store:
        services = Services(store)
        simulated = demo_balance(services, seed=SEED)
        state = services.lot_state(simulated.inspection_id)
        register = services.inspection_balance(simulated.inspection_id)
        assert not state.complete and simulated.packages == state.progress.needed - len(state.measurements) > 0
        assert register is not None and (simulated.balance.model, simulated.balance.serial) == (register.model, register.serial)
        simulated.balance.unstable_period = 0.01
        with Simulator(simulated.protocol, simulated.balance) as simulator, connect(
            simulator.serve_tcp(), "auto", reply_timeout=0.3, poll_interval=0.002
        ) as driver:
            check_identity(driver.identify(), register, driver.port)  # the simulated balance is the lot's balance
            while not state.complete:
                gross = driver.read_stable(10) if state.entry == "gross tare" else None
                _, state = record_reading(services, simulated.inspection_id, driver.read_stable(10), gross=gross, port=driver.port)
        assert len(state.measurements) == state.progress.needed
        steps = {m.net % from_base(to_base(register.d, unit(register.unit)), state.weighing_unit) for m in state.measurements if m.gross is None}
        assert steps <= {Decimal(0)}  # net entries are read to the balance's d
        assert all(m.source.value == "balance" for m in state.measurements[-simulated.packages:])


def test_a_demo_without_open_lots_has_no_balance_to_simulate(tmp_path: Path) -> None:
    from fieldtool.usecases.demo_balance import demo_balance

    with SqliteStore.open(tmp_path / "empty.db") as store, pytest.raises(InputError, match="no open lot weighed on a balance"):
        demo_balance(Services(store))


def test_every_lot_carries_its_sampling_form_environment_and_label_check(services: Services) -> None:
    from fieldtool.core.inspection import SiteKind
    from fieldtool.usecases.label_check import label_state

    labels: Counter[bool] = Counter()
    for inspection in services.inspections():
        h = inspection.header
        stored = services.store.sampling_form(inspection.id)
        assert stored is not None, inspection.id
        form = stored.form
        assert form.form_no.startswith("CN2012-") and form.lot_size == h.lot_size
        assert form.unit_name == h.site_name and form.brand == h.brand and form.batch == h.batch
        assert form.producer_name.endswith("有限公司") and form.producer_address and form.representative
        if h.site_kind is SiteKind.PRODUCER:
            assert form.producer_name == h.site_name
        assert form.sample_count == services.lot_state(inspection.id).progress.plan.cumulative[0]
        readings = services.store.environment_readings(inspection.id)
        assert len(readings) == 1 and 17 <= readings[0].temperature_c <= 29 and 35 <= readings[0].humidity_pct <= 75
        label = label_state(services, inspection)
        assert label is not None and label.check.by_name == h.inspectors[0]
        labels[label.result.passed] += 1
    # Most labels pass; a few fail (characters too small, 净重 for 净含量, 1000克 where kg is due).
    assert labels[True] > labels[False] > 0


def test_the_institute_signs_off_all_but_the_last_cities(services: Services) -> None:
    from fieldtool.usecases.demo import APPROVER, REVIEWER
    from fieldtool.usecases.review_state import review_state

    by_city: dict[str, Counter[str]] = {}
    for inspection in services.inspections(final=True):
        state = review_state(services, inspection.id)
        by_city.setdefault(inspection.header.city_id or "", Counter())[state.status] += 1
        if state.status == "issued":
            assert state.reviewer == REVIEWER[0] and state.approver == APPROVER[0]
            assert state.approved_on is not None and state.approved_on >= inspection.finalised_at.date()
    first, second, last = (by_city[c] for c in CITIES)
    assert first["issued"] > 0 and set(first) <= {"issued", "returned"}
    assert second["awaiting-approval"] > 0 and set(second) <= {"awaiting-approval", "returned"}
    assert set(last) == {"awaiting-review"}
