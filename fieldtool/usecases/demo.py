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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from fieldtool.core.evaluate import Outcome
from fieldtool.core.inspection import Balance, InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.quantity import from_base, to_base, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError
from fieldtool.plans.programme import City, Method, NominalQuantity, Product, Programme
from fieldtool.services import LotState, Services, weighing_unit

if TYPE_CHECKING:
    from fieldtool.balance.sim import SimulatedBalance

PROGRAMME_ID = "cn-2012-net-content"
"""The programme the demo simulates."""

PERIOD = (date(2012, 5, 7), date(2012, 10, 31))
"""The first and last working day of the simulated campaign."""

CHINA = timezone(timedelta(hours=8), "CST")
"""China Standard Time: working hours are local; the store keeps UTC."""

_HOLIDAYS = {date(2012, 6, 22), *(date(2012, 10, d) for d in range(1, 6))}
"""Public holidays of 2012 that fall on a weekday inside the period (Dragon Boat, National Day)."""

INCOMPLETE_SHARE = 0.18
"""The share of city × product cells left with fewer lots than the quota."""

OPEN_LOTS = 3
"""Inspections left open, partially weighed, at the end of the campaign."""


class DemoClock:
    """A settable clock for the demo: pass it to `SqliteStore` and `Services`, and to `build_demo`.

    Args:
        start: the time it reads until moved (aware; UTC by default the start of the campaign).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.combine(PERIOD[0], time(8, 0), CHINA).astimezone(UTC)
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
            f"{self.programme_id}: {self.finished} finished inspections in {self.cities} cities × "
            f"{self.products} products, {self.failed} failed ({share:.1f} %), {self.open} open"
        )


# --- the simulated world -------------------------------------------------------------------------


@dataclass(frozen=True)
class _BalanceSpec:
    make: str
    model: str
    serial: str
    max_g: Decimal
    d_g: Decimal
    e_g: Decimal
    accuracy_class: str
    mpe_g: Decimal
    certificate: str
    calibration_due: date
    use: bool
    """False for the balance kept in the register only (its calibration has expired)."""


_BALANCES = (
    # 620 g / 0.01 g, class II (e = 0.1 g): noodles, sugar, small drinks and milk.
    _BalanceSpec("Sartorius", "BSA622S-CW", "31704482", Decimal(620), Decimal("0.01"), Decimal("0.1"), "II",
                 Decimal("0.1"), "JL2012-0318-02", date(2013, 3, 17), True),
    # 6200 g / 0.1 g, class II (e = 1 g): 1 kg to 5 kg bags, oil, 1 L to 1.9 L liquids, beer in glass.
    _BalanceSpec("Sartorius", "BSA6201-CW", "31802917", Decimal(6200), Decimal("0.1"), Decimal(1), "II",
                 Decimal(1), "JL2012-0318-01", date(2013, 3, 17), True),
    # 30 kg / 1 g, class III (e = 5 g, MPE 1e at 10 kg): 10 kg rice.
    _BalanceSpec("Shanghai Yousheng", "TCS-30", "YS1104023", Decimal(30000), Decimal(1), Decimal(5), "III",
                 Decimal(5), "JL2012-0402-07", date(2013, 4, 1), True),
    # An older 6 kg balance whose certificate ran out before the campaign: in the register, not used.
    _BalanceSpec("Shanghai Jingke", "YP6001", "J0806113", Decimal(6000), Decimal("0.1"), Decimal(1), "II",
                 Decimal(1), "JL2011-0425-11", date(2012, 4, 24), False),
)

_TARE_G: dict[tuple[str, str], tuple[float, float]] = {
    # (product, nominal): (mean, s) of the packaging in g: woven bags, PE film, PET and glass bottles, Tetra Brik.
    ("rice", "5 kg"): (48.0, 1.6), ("rice", "10 kg"): (72.0, 2.2), ("rice", "2.5 kg"): (31.0, 1.0),
    ("wheat-flour", "1 kg"): (12.5, 0.4), ("wheat-flour", "2.5 kg"): (24.0, 0.8), ("wheat-flour", "5 kg"): (41.0, 1.2),
    ("edible-vegetable-oil", "5 L"): (118.0, 1.5), ("edible-vegetable-oil", "1.8 L"): (49.0, 0.6),
    ("edible-vegetable-oil", "900 mL"): (31.0, 0.4),
    ("instant-noodles", "85 g"): (3.1, 0.12), ("instant-noodles", "100 g"): (3.4, 0.12),
    ("instant-noodles", "120 g"): (3.8, 0.15),
    ("liquid-milk", "250 mL"): (9.6, 0.2), ("liquid-milk", "1 L"): (28.5, 0.5),
    ("soy-sauce", "500 mL"): (29.0, 0.5), ("soy-sauce", "1.9 L"): (76.0, 1.1),
    ("bottled-drinks", "500 mL"): (22.0, 0.35), ("bottled-drinks", "550 mL"): (23.5, 0.35),
    ("bottled-drinks", "1.5 L"): (41.0, 0.7),
    ("beer", "330 mL"): (215.0, 4.0), ("beer", "500 mL"): (355.0, 6.0), ("beer", "600 mL"): (420.0, 7.0),
    ("laundry-detergent", "500 g"): (21.0, 0.8), ("laundry-detergent", "1.5 kg"): (46.0, 1.4),
    ("laundry-detergent", "3 kg"): (78.0, 2.0),
    ("white-sugar", "400 g"): (6.0, 0.2), ("white-sugar", "500 g"): (7.0, 0.2), ("white-sugar", "1 kg"): (10.5, 0.3),
}

_SHELF_DAYS = {"liquid-milk": (1, 20), "beer": (5, 90), "bottled-drinks": (10, 150)}
"""Days between production and inspection, by product (others: 10 to 200)."""

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
_GIVEN = ("伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
          "平", "刚", "秀英", "建华", "志强", "海燕", "晓东", "玉兰", "国庆", "建军", "红梅", "文博", "丽娟",
          "永强", "春燕", "德明", "淑珍", "学军", "海涛", "慧敏", "振华", "雪梅", "立新")
_TRADE = ("华", "盛", "鑫", "恒", "丰", "泰", "嘉", "瑞", "宏", "康", "顺", "兴", "隆", "源", "达", "和",
          "安", "利", "诚", "信", "佳", "福", "永", "昌", "益", "惠", "联", "万", "汇", "新")
_ROADS = ("人民路", "解放路", "建设路", "中山路", "胜利街", "和平路", "新华路", "友谊路", "文化路", "青年路",
          "长江路", "黄河路", "光明街", "朝阳路", "北京路", "东风路", "红旗街", "迎宾大道", "工农路", "民主路")
_BRANDS = ("金穗", "丰禾", "玉泉", "天润", "清源", "瑞雪", "碧波", "春晖", "星河", "嘉禾", "绿野", "晨光",
           "一品", "乐家", "百味", "鲜源", "福泰", "山水", "田园", "雪原", "恒香", "御膳", "南山", "北国")
_PRODUCER_SUFFIX = {
    "rice": "米业有限公司", "wheat-flour": "面粉有限公司", "edible-vegetable-oil": "粮油工业有限公司",
    "instant-noodles": "食品有限公司", "liquid-milk": "乳业有限公司", "soy-sauce": "酿造有限公司",
    "bottled-drinks": "饮料有限公司", "beer": "啤酒有限公司", "laundry-detergent": "日用化学品有限公司",
    "white-sugar": "糖业有限公司",
}
_LOT_SIZES = {
    # (N from, N to, weight): producers keep large lots; shops hold small ones.
    SiteKind.PRODUCER: ((100, 500, 25), (501, 3200, 60), (3201, 12000, 15)),
    SiteKind.WHOLESALER: ((51, 99, 10), (100, 500, 55), (501, 3200, 35)),
    SiteKind.RETAILER: ((4, 10, 4), (11, 50, 10), (51, 99, 14), (100, 500, 57), (501, 3200, 15)),
}

PROFILE = ("刘志强", "JL-2012-0417", "国家质检总局定量包装商品净含量专项检查组")
"""The demo inspector: name, inspector number, organisation."""


@dataclass(frozen=True)
class _Filler:
    """How a packer fills: mean and s of the net quantity, as fractions of T around Qn."""

    kind: str
    mean_t: float
    """(mean − Qn) / T."""
    s_t: float
    """s / T."""
    outlier: float
    """Chance of a package short by more than T (a leaking bottle, a torn bag)."""


def _filler(rng: random.Random) -> _Filler:
    roll = rng.random()
    if roll < 0.05:
        # Under-filling: the mean falls short; packages are mostly within T, so the mean test fails.
        return _Filler("under-filling", -rng.uniform(0.15, 0.45), rng.uniform(0.15, 0.3), 0.0)
    if roll < 0.11:
        # A sloppy filler: a generous mean but a wide spread, with T1 packages and the odd T2 one.
        return _Filler("sloppy", rng.uniform(0.0, 0.35), rng.uniform(0.5, 0.85), 0.01)
    return _Filler("good", rng.uniform(0.0, 0.45), rng.uniform(0.12, 0.33), 0.0)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _trade_name(rng: random.Random) -> str:
    first = rng.choice(_TRADE)
    return first + rng.choice([c for c in _TRADE if c != first])


def _city_prefix(city: City) -> str:
    # A municipality is its own province: 北京市朝阳路…; elsewhere 河北省石家庄市…
    return city.province_zh if city.province_zh.startswith(city.name_zh) else f"{city.province_zh}{city.name_zh}市"


def _site(rng: random.Random, city: City, product: Product, kind: SiteKind) -> tuple[str, str]:
    trade = _trade_name(rng)
    if kind is SiteKind.PRODUCER:
        name = f"{city.name_zh}{trade}{_PRODUCER_SUFFIX[product.id]}"
        address = f"{_city_prefix(city)}经济技术开发区{rng.choice(_ROADS)}{rng.randint(1, 99)}号"
    elif kind is SiteKind.WHOLESALER:
        name = rng.choice([f"{city.name_zh}{trade}商贸有限公司配送中心", f"{city.name_zh}{trade}粮油副食品批发市场"])
        address = f"{_city_prefix(city)}{rng.choice(_ROADS)}{rng.randint(100, 999)}号"
    else:
        road = rng.choice(_ROADS)
        name = rng.choice([f"{trade}超市（{road[:2]}店）", f"{trade}购物广场", f"{trade}便利店"])
        address = f"{_city_prefix(city)}{road}{rng.randint(1, 400)}号"
    return name, address


def _working_days(start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in _HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


# --- entering one lot through the use-cases ---------------------------------------------------


class _Timeline:
    """The simulated time; moves the demo clock, when there is one, so that records carry it."""

    def __init__(self, clock: DemoClock | None) -> None:
        self.clock = clock
        self.now = datetime.combine(PERIOD[0], time(8, 30), CHINA)

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


class _Scale:
    """Rounds simulated masses to the balance's d and writes them in the weighing unit."""

    def __init__(self, balance: Balance, weighing_symbol: str) -> None:
        d_g = to_base(balance.d, unit(balance.unit))
        self.d_g = float(d_g)
        self.step = from_base(d_g, unit(weighing_symbol))

    def text(self, grams: float) -> str:
        return format(Decimal(max(1, round(grams / self.d_g))) * self.step, "f")


def _choose_balance(balances: Sequence[tuple[_BalanceSpec, Balance]], heaviest_g: float) -> Balance:
    # The finest balance in date whose Max leaves a margin over the heaviest gross expected.
    for spec, balance in balances:
        if spec.use and heaviest_g <= 0.9 * float(spec.max_g):
            return balance
    raise AssertionError(f"no demo balance weighs {heaviest_g:.0f} g")


def _enter_lot(
    services: Services,
    programme: Programme,
    plan: _LotPlan,
    seed: int,
    balances: Sequence[tuple[_BalanceSpec, Balance]],
    inspectors: tuple[str, str],
    timeline: _Timeline,
    form_no: str,
) -> LotState:
    """Open, weigh and (unless the plan says open) finalise one lot, as an inspector would."""
    city, product = plan.city, plan.product
    rng = random.Random(f"{seed}:{city.id}:{product.id}:{plan.index}")
    pace = random.Random(f"{seed}:{city.id}:{product.id}:{plan.index}:time")

    site_kind = rng.choices(list(SiteKind), weights=(30, 20, 50))[0]
    site_name, site_address = _site(rng, city, product, site_kind)
    weights = (5, 3, 2)[: len(product.nominal_quantities)]
    nq: NominalQuantity = rng.choices(product.nominal_quantities, weights=weights)[0]
    low, high, _ = rng.choices(_LOT_SIZES[site_kind], weights=[w for *_, w in _LOT_SIZES[site_kind]])[0]
    lot_size = rng.randint(low, high)
    liquid = product.method is Method.MASS_AND_DENSITY
    density = float(product.typical_density or 1) * (1 + rng.gauss(0, 0.002))
    tare_mean, tare_s = _TARE_G[(product.id, str(nq))]
    heaviest = float(nq.base) * (density if liquid else 1) * 1.08 + tare_mean * 1.2
    balance = _choose_balance(balances, heaviest)
    inspected_on = timeline.now.date()
    shelf = _SHELF_DAYS.get(product.id, (10, 200))
    produced = inspected_on - timedelta(days=rng.randint(*shelf))
    brand = f"{rng.choice(_BRANDS)}牌{product.name_zh}"

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
        notes=f"抽样单 No. {form_no}",
    )
    state = services.lot_state(services.start_inspection(header).id)
    inspection_id = state.inspection.id
    wu = weighing_unit(unit(nq.unit))
    scale = _Scale(balance, wu.symbol)
    fine = _Scale(balances[0][1], "g")

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
    filler = _filler(rng)
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
            entered = _swap_digits(text, rng)
            reason = "录入错误（数字颠倒），按天平显示值更正 / typing error (digits swapped), corrected from the balance display"
        timeline.wait(pace.uniform(*per_package))
        measurement, state = services.record_weight(inspection_id, entered)
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


def _swap_digits(text: str, rng: random.Random) -> str:
    """The first number of `text` with two different adjacent digits after the point swapped (a typing slip)."""
    first, *rest = text.split(" ")
    head, _, decimals = first.partition(".")
    pairs = [i for i in range(len(decimals) - 1) if decimals[i] != decimals[i + 1]]
    if not pairs:
        return text
    i = rng.choice(pairs)
    swapped = decimals[:i] + decimals[i + 1] + decimals[i] + decimals[i + 2:]
    return " ".join([f"{head}.{swapped}", *rest])


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

    Args:
        services: the use-cases over the (empty) database to fill.
        seed: the seed of everything simulated; the same seed gives the same lots, weights and verdicts.
        lots_per_cell: lots per city × product before some cells are left incomplete (default and
            maximum: the programme's quota).
        clock: the clock the store (and the services) were built with, moved along the campaign
            so that records carry times from May to October 2012; None leaves the store's clock alone.
        cities: only these city ids of the programme (default: all), for quick tests.
        progress: called with (lots entered, lots planned) after each lot.

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
    programme = services.programme(PROGRAMME_ID)
    chosen = list(programme.cities) if cities is None else [programme.city(c) for c in cities]
    timeline = _Timeline(clock)
    timeline.at(timeline.now)

    profile = services.save_inspector(*PROFILE)
    balances = []
    for spec in _BALANCES:
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

    days = _working_days(*PERIOD)
    per_city = max(1, len(days) // max(1, len(chosen)))
    planned = sum(counts.values()) + len(open_products)
    entered = 0
    finished = failed = weighings = 0
    done_cities: set[str] = set()
    done_products: set[str] = set()
    team = random.Random(f"{seed}:team")
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
        city_days = days[number * per_city : (number + 1) * per_city] or days[-1:]
        colleague = _name(team)
        per_day = -(-len(lots) // len(city_days)) if lots else 0
        for k, plan in enumerate(lots):
            day = city_days[min(k // max(1, per_day), len(city_days) - 1)]
            if k % max(1, per_day) == 0:
                timeline.at(datetime.combine(day, time(8, 30), CHINA) + timedelta(minutes=route.uniform(0, 25)))
            form_no = f"CN2012-{number + 1:02d}-{k + 1:03d}"
            state = _enter_lot(services, programme, plan, seed, balances, (profile.name, colleague), timeline, form_no)
            timeline.wait(route.uniform(15, 50) * 60)
            entered += 1
            if plan.finish:
                finished += 1
                failed += int(state.verdict is not None and state.verdict.outcome is Outcome.FAIL)
                weighings += len(state.measurements)
                done_cities.add(city.id)
                done_products.add(plan.product.id)
            if progress is not None:
                progress(entered, planned)
    return DemoSummary(
        programme_id=programme.id,
        finished=finished,
        failed=failed,
        open=len(open_products),
        cities=len(done_cities),
        products=len(done_products),
        weighings=weighings,
    )


__all__ = ["CHINA", "PERIOD", "PROGRAMME_ID", "DemoClock", "DemoSummary", "build_demo"]


# --- a simulated balance for an open lot ------------------------------------------------------------

_PROTOCOL_OF_MAKE = {"METTLER TOLEDO": "mt-sics", "Sartorius": "sbi", "A&D": "and"}
"""The protocol a make's balances speak; other makes are simulated as MT-SICS (many speak it)."""


@dataclass(frozen=True)
class DemoBalance:
    """A simulated balance loaded with the rest of an open demo lot."""

    inspection_id: str
    """The open inspection it continues."""
    protocol: str
    """mt-sics, sbi or and: the protocol of the register balance's make."""
    balance: SimulatedBalance
    """The simulated balance: the register balance's model, serial, Max and d, with the script."""
    packages: int
    """Packages still to weigh."""


def demo_balance(services: Services, seed: int = 2012) -> DemoBalance:
    """A simulated balance for the first open lot of a demo database, with its remaining packages on the script.

    The loads continue what was weighed: drawn around the mean and spread of the lot's entries so
    far, to the balance's d, in the lot's weighing unit; for an individual tare each package is
    two loads, the full package then its emptied packaging. The simulated balance reports the
    model and serial number of the lot's register balance, so that the identity check passes.

    Raises:
        InputError: the database has no open lot weighed on a balance.
    """
    import statistics

    from fieldtool.balance.sim import SimulatedBalance

    for inspection in services.inspections():
        if inspection.is_final or not inspection.header.balance_id:
            continue
        state = services.lot_state(inspection.id)
        remaining = state.progress.needed - len(state.measurements)
        if state.complete or remaining <= 0 or not state.measurements:
            continue
        register = services.store.balance(inspection.header.balance_id)
        wu = state.weighing_unit
        d = from_base(to_base(register.d, unit(register.unit)), wu)
        capacity = from_base(to_base(register.max_capacity, unit(register.unit)), wu)
        rng = random.Random(f"{seed}:{inspection.id}:balance")

        def drawn(values: list[Decimal], d: Decimal = d, rng: random.Random = rng) -> Callable[[], Decimal]:
            mean = statistics.fmean(float(v) for v in values)
            spread = statistics.stdev(float(v) for v in values) if len(values) > 1 else 10 * float(d)
            return lambda: max(d, (Decimal(repr(rng.gauss(mean, spread))) / d).to_integral_value() * d)

        script: list[Decimal] = []
        if state.entry == "gross tare":
            gross = drawn([m.gross for m in state.measurements if m.gross is not None])
            tare = drawn([m.tare for m in state.measurements if m.tare is not None])
            for _ in range(remaining):
                script += [gross(), tare()]
        else:
            field = "gross" if state.entry == "gross" else "net"
            entry = drawn([getattr(m, field) for m in state.measurements])
            script = [entry() for _ in range(remaining)]
        balance = SimulatedBalance(
            unit=wu.symbol, capacity=capacity, d=d, model=register.model, serial=register.serial, weights=script, seed=seed,
        )
        return DemoBalance(inspection.id, _PROTOCOL_OF_MAKE.get(register.make, "mt-sics"), balance, remaining)
    raise InputError("the demo database has no open lot weighed on a balance; build a new one with 'fieldtool demo --db NEW.db'")
