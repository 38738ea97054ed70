"""Provides the demo database: the 2012 programme (10 kinds of goods in 30 cities) with simulated inspections.

`build_demo` fills an empty database through the `Services` use-cases only (never SQL): the
inspector's profile, a balance register, finished inspections for every city × product of the
programme (up to the quota; some cells left incomplete) and three inspections left open half-way
so that resuming can be shown. Each lot is entered the way an inspector enters it: a density by
flask first for a liquid, a tare sample of ten for average tare, "gross tare" pairs for individual
tare; a few lots have a correction or an undo. Weights come from `random.Random` seeded per lot,
so the same seed gives the same lots, weights and verdicts (ids are uuid4 and differ).

Recorded times come from the store's clock. To spread them over the programme period
(May to October 2012), build the store and the services around a `DemoClock` and pass the same
clock to `build_demo`, which moves it along; with the store's default clock every record is
stamped with the real time at which the demo was built.

The whole programme (the full quota) is some 44 000 weighings, each committed on its own and
answered with the lot's new state by the use-case: about a minute on 2 cores. ``fieldtool demo``
therefore builds one lot per city and product by default (about 20 s, without an fsync per
commit); `lots_per_cell` asks for more, and `cities` makes a small demo for tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

from fieldtool.core.chinatime import CHINA_TIME
from fieldtool.core.evaluate import Outcome
from fieldtool.core.inspection import Balance, InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.plausibility import ImplausibleWeight
from fieldtool.core.programme import City, Method, NominalQuantity, Product, Programme
from fieldtool.core.quantity import to_base, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError
from fieldtool.reports.lot_words import plural
from fieldtool.usecases.demo_world import (
    BALANCES,
    BRANDS,
    LOT_SIZES,
    PERIOD,
    PROFILE,
    SHELF_DAYS,
    TARE_G,
    BalanceSpec,
    Scale,
    choose_balance,
    draw_filler,
    person_name,
    site,
    swap_digits,
    working_days,
)
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.label_check import record_label_check
from fieldtool.usecases.lot_types import LotState, weighing_unit
from fieldtool.usecases.review import approve as approve_report
from fieldtool.usecases.review import return_report
from fieldtool.usecases.review import review as review_report
from fieldtool.usecases.sampling_form import record_environment, record_sampling_form, sampling_form_text

PROGRAMME_ID = "cn-2012-net-content"
"""The programme the demo simulates."""

INCOMPLETE_SHARE = 0.18
"""The share of city × product cells left with fewer lots than the quota."""

OPEN_LOTS = 3
"""Inspections left open, partially weighed, at the end of the campaign."""

LABEL_FAILURES = 0.05
"""The share of lots whose net-content statement fails the label check (too small, 净重, 1000克)."""

RETURNED_SHARE = 0.03
"""The share of reviewed reports the authorised signatory returns (left returned)."""

REVIEWER = ("欧阳建国", "审核员")
"""Who reviews (审核) the demo's reports at the institute; never one of its inspectors."""

APPROVER = ("司马立新", "授权签字人")
"""Who approves (批准) them: the authorised signatory."""


class DemoClock:
    """A settable clock for the demo: pass it to `SqliteStore` and `Services`, and to `build_demo`.

    Args:
        start: the time it reads until moved (aware; UTC by default the start of the campaign).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.combine(PERIOD[0], time(8, 0), CHINA_TIME).astimezone(UTC)
        """The time it reads."""

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        """Move the clock to `moment` (aware)."""
        if moment.tzinfo is None:
            raise ValueError(f"the demo clock needs an aware datetime; got {moment!r}")
        self.now = moment.astimezone(UTC)


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` created, printed by ``fieldtool demo`` as one line."""

    programme_id: str
    """The programme simulated."""
    finished: int
    """Finalised inspections."""
    failed: int
    """Finalised inspections whose lot failed."""
    open: int
    """Inspections left open, partially weighed."""
    cities: int
    """Cities with at least one finished inspection."""
    products: int
    """Products with at least one finished inspection."""
    weighings: int
    """Packages weighed in all (corrections and withdrawn entries not counted)."""

    def __str__(self) -> str:
        share = 100 * self.failed / self.finished if self.finished else 0.0
        return (
            f"{self.programme_id}: {plural(self.finished, 'finished inspection')} in "
            f"{plural(self.cities, 'city', 'cities')} × {plural(self.products, 'product')}, {self.failed} failed "
            f"({share:.1f} %), {self.open} open"
        )


# --- entering one lot through the use-cases ---------------------------------------------------


class _Timeline:
    """The simulated time; moves the demo clock, when there is one, so that records carry it."""

    def __init__(self, clock: DemoClock | None) -> None:
        self.clock = clock
        self.now = datetime.combine(PERIOD[0], time(8, 30), CHINA_TIME)

    def at(self, moment: datetime) -> None:
        self.now = max(self.now, moment)
        if self.clock is not None:
            self.clock.set(self.now)

    def wait(self, seconds: float) -> None:
        self.at(self.now + timedelta(seconds=round(seconds, 1)))


@dataclass(frozen=True)
class _LotPlan:
    city: City
    product: Product
    index: int
    """0-based number of the lot within its cell."""
    finish: bool
    """False for an inspection left open, partially weighed."""
    label_fails: bool = False
    """The lot's net-content statement fails the label check."""


def _enter_lot(
    services: Services,
    programme: Programme,
    plan: _LotPlan,
    seed: int,
    balances: Sequence[tuple[BalanceSpec, Balance]],
    inspectors: tuple[str, str],
    timeline: _Timeline,
    form_no: str,
) -> LotState:
    """Open, weigh and (unless the plan says open) finalise one lot, as an inspector would."""
    city, product = plan.city, plan.product
    rng = random.Random(f"{seed}:{city.id}:{product.id}:{plan.index}")
    pace = random.Random(f"{seed}:{city.id}:{product.id}:{plan.index}:time")

    site_kind = rng.choices(list(SiteKind), weights=(30, 20, 50))[0]
    site_name, site_address = site(rng, city, product, site_kind)
    weights = (5, 3, 2)[: len(product.nominal_quantities)]
    nq: NominalQuantity = rng.choices(product.nominal_quantities, weights=weights)[0]
    low, high, _ = rng.choices(LOT_SIZES[site_kind], weights=[w for *_, w in LOT_SIZES[site_kind]])[0]
    lot_size = rng.randint(low, high)
    liquid = product.method is Method.MASS_AND_DENSITY
    density = float(product.typical_density or 1) * (1 + rng.gauss(0, 0.002))
    tare_mean, tare_s = TARE_G[(product.id, str(nq))]
    heaviest = float(nq.base) * (density if liquid else 1) * 1.08 + tare_mean * 1.2
    balance = choose_balance(balances, heaviest)
    inspected_on = timeline.now.date()
    shelf = SHELF_DAYS.get(product.id, (10, 200))
    produced = inspected_on - timedelta(days=rng.randint(*shelf))
    brand = f"{rng.choice(BRANDS)}牌{product.name_zh}"

    preview = services.preview(programme.rule_set, nq.value, nq.unit, lot_size, balance_id=balance.id)
    header = InspectionHeader(
        programme_id=programme.id,
        city_id=city.id,
        site_name=site_name,
        site_address=site_address,
        site_kind=site_kind,
        product_id=product.id,
        brand=brand,
        batch=f"{produced:%Y%m%d}{rng.choice('ABCDEFGH')}{rng.randint(1, 3)}",
        production_date=produced,
        nominal=nq.value,
        unit=nq.unit,
        lot_size=lot_size,
        rule_set_id=programme.rule_set,
        sampling_method=SamplingMethod.SIMPLE_RANDOM,
        sampling_seed=rng.getrandbits(32),
        inspectors=inspectors,
        balance_id=balance.id,
        tare_method=product.default_tare,
        notes="",
    )
    state = services.lot_state(services.start_inspection(header).id)
    inspection_id = state.inspection.id
    _paperwork(services, programme, plan, seed, inspection_id, form_no, timeline)
    wu = weighing_unit(unit(nq.unit))
    scale = Scale(balance, wu.symbol)
    fine = Scale(balances[0][1], "g")

    if liquid:
        # Density at 20 °C by a class A 100 mL flask, weighed empty and filled on the 620 g balance.
        timeline.wait(pace.uniform(240, 420))
        empty = 61.0 + rng.uniform(0, 4)
        state = services.record_density(
            inspection_id,
            flask_volume_ml="100.00",
            empty_g=fine.text(empty),
            filled_g=fine.text(empty + 100 * density),
            temperature_c=f"{rng.uniform(18.6, 21.4):.1f}",
        )
    if product.default_tare is TareMethod.AVERAGE:
        for _ in range(state.rules.tare.min_sample):
            timeline.wait(pace.uniform(10, 20))
            state = services.record_tare_sample(inspection_id, scale.text(rng.gauss(tare_mean, tare_s)))
        if not state.tare.ready:
            raise AssertionError(f"demo tare sample refused: {state.tare.average.problem if state.tare.average else ''}")

    t_base = float(to_base(preview.tne, preview.unit))
    qn_base = float(nq.base)
    filler = draw_filler(rng)
    individual = product.default_tare is TareMethod.INDIVIDUAL
    per_package = (28, 45) if individual else (8, 15)
    needed = state.progress.needed
    stop_at = needed if plan.finish else rng.randint(max(1, needed // 4), max(1, needed * 3 // 4))
    # A few lots show the audit trail: an entry corrected with a reason, a double entry undone.
    typo_at = rng.randrange(needed) if rng.random() < 0.06 and needed > 1 else None
    residue_at = rng.randrange(needed) if individual and rng.random() < 0.04 else None
    double_at = rng.randrange(needed - 1) if rng.random() < 0.05 and needed > 2 else None
    to_correct: list[tuple[str, str, str]] = []

    position = 0
    while position < stop_at and not state.complete:
        if rng.random() < filler.outlier:
            net = qn_base - t_base * rng.uniform(1.1, 2.4)
        else:
            net = rng.gauss(qn_base + filler.mean_t * t_base, filler.s_t * t_base)
        mass_g = net * density if liquid else net
        tare_g = max(0.1, rng.gauss(tare_mean, tare_s))
        gross = scale.text(mass_g + tare_g)
        text = f"{gross} {scale.text(tare_g)}" if individual else gross
        entered = text
        reason = ""
        if position == residue_at:
            # The packaging was not emptied fully: a heavier tare, re-weighed after cleaning.
            entered = f"{gross} {scale.text(tare_g + rng.uniform(0.8, 3.0))}"
            reason = "包装内残留未清理，清理后重称皮重 / packaging not emptied fully; tare re-weighed after cleaning"
        elif position == typo_at:
            entered = swap_digits(text, rng)
            reason = "录入错误（数字颠倒），按天平显示值更正 / typing error (digits swapped), corrected from the balance display"
        timeline.wait(pace.uniform(*per_package))
        try:
            measurement, state = services.record_weight(inspection_id, entered)
        except ImplausibleWeight:
            if entered == text:
                raise  # the demo's own weights are plausible: a change in the rules should be seen here
            # The plausibility check caught the slip before it was saved: the inspector types it again.
            timeline.wait(pace.uniform(5, 15))
            measurement, state = services.record_weight(inspection_id, text)
            reason = ""
        if reason and entered != text:
            to_correct.append((measurement.id, text, reason))
        if position == double_at and not state.complete:
            timeline.wait(pace.uniform(3, 8))
            services.record_weight(inspection_id, entered)
            timeline.wait(pace.uniform(5, 15))
            state = services.undo_last(inspection_id, "同一包装重复称量 / the same package was weighed twice")
        position += 1

    for measurement_id, text, reason in to_correct:
        timeline.wait(pace.uniform(20, 60))
        _, state = services.correct_weight(measurement_id, text, reason)
    if plan.finish:
        timeline.wait(pace.uniform(60, 180))
        state = services.finalise(inspection_id, inspectors[0])
    return state


def _label_statement(paper: random.Random, nq: NominalQuantity, fail: bool) -> tuple[str, str]:
    """The net-content statement as printed and its character height (mm); `fail`: one of the usual faults."""
    words = {"g": "克", "kg": "千克", "mL": "毫升", "L": "升"}
    base = nq.base
    quantity = f"{nq.value}{words.get(nq.unit, nq.unit)}"
    least = 2 if base <= 50 else 3 if base <= 200 else 4 if base <= 1000 else 6
    height = f"{least + paper.choice((0, 0.5, 1, 1, 2, 3)):.1f}"
    if not fail:
        return f"净含量：{quantity}", height
    faults = ["small", "words"] + (["unit"] if nq.unit in ("kg", "L") and base >= 1000 else [])
    fault = paper.choice(faults)
    if fault == "small":
        return f"净含量：{quantity}", f"{least - paper.choice((0.5, 1)):.1f}"  # characters too small
    if fault == "words":
        return f"净重{quantity}", height  # 净重 for 净含量
    small = {"kg": "克", "L": "毫升"}[nq.unit]
    return f"净含量：{format(base.normalize(), 'f')}{small}", height  # 1000克 where kg is due


def _paperwork(
    services: Services,
    programme: Programme,
    plan: _LotPlan,
    seed: int,
    inspection_id: str,
    form_no: str,
    timeline: _Timeline,
) -> None:
    """At sampling, before weighing: the sampling form, the ambient conditions and the label check."""
    city, product = plan.city, plan.product
    paper = random.Random(f"{seed}:{city.id}:{product.id}:{plan.index}:paper")
    typed = sampling_form_text(services, inspection_id)
    header = services.store.inspection(inspection_id).header
    if header.site_kind is SiteKind.PRODUCER:
        producer = header.site_name, header.site_address
        representative = person_name(paper)
    else:
        producer = site(paper, paper.choice(programme.cities), product, SiteKind.PRODUCER)
        representative = person_name(paper)
    typed.update(
        form_no=form_no,
        unit_contact=f"{representative} 1{paper.choice('358')}{paper.randrange(10**9):09d}",
        producer_name=producer[0],
        producer_address=producer[1],
        sample_condition="包装完好，封口完整，无破损、无渗漏",
        packaging="原包装，检查组封条封存",
        samples_to="检后退还受检单位" if header.tare_method is TareMethod.AVERAGE else "检后由检查组处置",
        representative=representative,
    )
    timeline.wait(paper.uniform(300, 600))
    record_sampling_form(services, inspection_id, typed)
    timeline.wait(paper.uniform(60, 180))
    record_environment(services, inspection_id, f"{paper.uniform(17, 29):.1f}", f"{paper.uniform(35, 75):.0f}")
    timeline.wait(paper.uniform(60, 180))
    nq = next(q for q in product.nominal_quantities if q.value == header.nominal and q.unit == header.unit)
    text, height = _label_statement(paper, nq, plan.label_fails)
    record_label_check(services, inspection_id, text=text, height_mm=height, by_name=header.inspectors[0])


def _sign_off(services: Services, lots: Sequence[str], seed: int, city: City, approve_too: bool) -> None:
    """The institute's review and approval of a city's finished lots; a few are returned with a reason first."""
    desk = random.Random(f"{seed}:{city.id}:review")
    for inspection_id in lots:
        if desk.random() < RETURNED_SHARE:
            review_report(services, inspection_id, REVIEWER[0], title=REVIEWER[1])
            return_report(services, inspection_id, APPROVER[0], "样品照片缺失，补充后重新审核 / "
                          "the label photo is missing; add it and review again", title=APPROVER[1])
            continue  # left returned: the report is not issued
        review_report(services, inspection_id, REVIEWER[0], title=REVIEWER[1])
        if approve_too:
            approve_report(services, inspection_id, APPROVER[0], title=APPROVER[1])


# --- the whole demo -----------------------------------------------------------------------------


def build_demo(
    services: Services,
    seed: int = 2012,
    lots_per_cell: int | None = None,
    clock: DemoClock | None = None,
    *,
    cities: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with the 2012 programme: profile, balances, finished and open inspections.

    Everything is written in one transaction: when the build is cut short, nothing is kept.

    Args:
        services: the use-cases over the (empty) database to fill.
        seed: the seed of everything simulated; the same seed gives the same lots, weights and verdicts.
        lots_per_cell: lots per city × product before some cells are left incomplete (default and
            maximum: the programme's quota).
        clock: the clock the store (and the services) were built with, moved along the campaign
            so that records carry times from May to October 2012; None leaves the store's clock alone.
        cities: only these city ids of the programme (default: all), for quick tests.
        progress: called with (0, lots planned) once the database is found empty, then with (lots
            entered, lots planned) after each lot.

    Returns:
        The counts, printed as one line.

    Raises:
        InputError: the database is not empty (it has inspections, a profile or balances), or a
            negative lot count.
        NotFoundError: a city that is not in the programme.
    """
    # Refuse anything but an empty database: the demo must never mix with (or replace the profile of) real work.
    found = [
        what
        for what, present in (
            ("inspections", bool(services.inspections(limit=1))),
            ("an inspector profile", services.inspector() is not None),
            ("balances", bool(services.balances())),
        )
        if present
    ]
    if found:
        listed = ", ".join(found[:-1]) + (" and " if len(found) > 1 else "") + found[-1]
        raise InputError(
            f"database {services.store.path} already has {listed}; the demo needs an empty database (give another --db)"
        )
    if lots_per_cell is not None and lots_per_cell < 0:
        raise InputError(f"lots per cell must be zero or more; got {lots_per_cell}")
    # All or nothing, and one COMMIT: a build cut short (Ctrl+C, a full disk) leaves the database
    # empty, so that the same command can simply be run again.
    with services.store.transaction():
        return _build(services, seed, lots_per_cell, clock, cities, progress)


def _build(
    services: Services,
    seed: int,
    lots_per_cell: int | None,
    clock: DemoClock | None,
    cities: Sequence[str] | None,
    progress: Callable[[int, int], None] | None,
) -> DemoSummary:
    programme = services.programme(PROGRAMME_ID)
    chosen = list(programme.cities) if cities is None else [programme.city(c) for c in cities]
    timeline = _Timeline(clock)
    timeline.at(timeline.now)

    profile = services.save_inspector(*PROFILE)
    balances = []
    for spec in BALANCES:
        timeline.wait(60)
        balances.append((spec, services.add_balance(
            make=spec.make, model=spec.model, serial=spec.serial, max_capacity=str(spec.max_g), d=str(spec.d_g),
            unit_symbol="g", e=str(spec.e_g), accuracy_class=spec.accuracy_class, mpe=str(spec.mpe_g),
            certificate=spec.certificate, calibration_due=spec.calibration_due,
        )))

    # How many lots each cell gets: the quota, except in some cells the campaign did not complete.
    cells = random.Random(f"{seed}:cells")
    counts: dict[tuple[str, str], int] = {}
    for city in chosen:
        for product in programme.products:
            quota = programme.quota(city.id, product.id)
            target = quota if lots_per_cell is None else min(lots_per_cell, quota)
            short = cells.random() < INCOMPLETE_SHARE and target > 0
            counts[(city.id, product.id)] = cells.randrange(target) if short else target
    # The last city is being inspected when the demo stops: some lots there are still open.
    last = chosen[-1] if chosen else None
    open_products = cells.sample(list(programme.products), min(OPEN_LOTS, len(programme.products))) if last else []
    for product in open_products:
        assert last is not None
        key = (last.id, product.id)
        if counts[key] >= programme.quota(*key):
            counts[key] -= 1

    days = working_days(*PERIOD)
    per_city = max(1, len(days) // max(1, len(chosen)))
    planned = sum(counts.values()) + len(open_products)
    # A few lots fail the label check (at least one in any demo): their numbers in the order entered.
    share = round(LABEL_FAILURES * planned) or min(1, planned)
    failing = set(random.Random(f"{seed}:labels").sample(range(planned), share))
    entered = 0
    finished = failed = weighings = 0
    if progress is not None:
        progress(0, planned)
    done_cities: set[str] = set()
    done_products: set[str] = set()
    team = random.Random(f"{seed}:team")
    signed_off: tuple[City, list[str]] | None = None
    for number, city in enumerate(chosen):
        lots = [
            _LotPlan(city, product, i, True)
            for product in programme.products
            for i in range(counts[(city.id, product.id)])
        ]
        route = random.Random(f"{seed}:{city.id}:route")
        route.shuffle(lots)
        if city is last:
            lots += [_LotPlan(city, p, counts[(city.id, p.id)], False) for p in open_products]
        lots = [replace(plan, label_fails=entered + k in failing) for k, plan in enumerate(lots)]
        city_days = days[number * per_city : (number + 1) * per_city] or days[-1:]
        colleague = person_name(team)
        per_day = -(-len(lots) // len(city_days)) if lots else 0
        finished_here: list[str] = []
        for k, plan in enumerate(lots):
            day = city_days[min(k // max(1, per_day), len(city_days) - 1)]
            if k % max(1, per_day) == 0:
                timeline.at(datetime.combine(day, time(8, 30), CHINA_TIME) + timedelta(minutes=route.uniform(0, 25)))
            form_no = f"CN2012-{number + 1:02d}-{k + 1:03d}"
            state = _enter_lot(services, programme, plan, seed, balances, (profile.name, colleague), timeline, form_no)
            timeline.wait(route.uniform(15, 50) * 60)
            entered += 1
            if plan.finish:
                finished_here.append(state.inspection.id)
                finished += 1
                failed += int(state.verdict is not None and state.verdict.outcome is Outcome.FAIL)
                weighings += len(state.measurements)
                done_cities.add(city.id)
                done_products.add(plan.product.id)
            if progress is not None:
                progress(entered, planned)
        if signed_off is not None:
            # Meanwhile at the institute: the previous city's reports are reviewed and (but for the
            # city before last, still awaiting approval) approved; the last city awaits its review.
            timeline.wait(600)
            _sign_off(services, signed_off[1], seed, signed_off[0], approve_too=number < len(chosen) - 1)
        signed_off = (city, finished_here)
    return DemoSummary(
        programme_id=programme.id,
        finished=finished,
        failed=failed,
        open=len(open_products),
        cities=len(done_cities),
        products=len(done_products),
        weighings=weighings,
    )


__all__ = ["PROGRAMME_ID", "DemoClock", "DemoSummary", "build_demo"]
