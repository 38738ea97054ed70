"""Provides the made-up world of the demo: the inspector, the balances, packaging, sites, names and the calendar.

Everything here is drawn from a `random.Random` the caller seeds, so the same seed gives the same
world; `fieldtool.usecases.demo` enters the lots of this world through the use-cases.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fieldtool.core.inspection import Balance, SiteKind
from fieldtool.core.programme import City, Product
from fieldtool.core.quantity import from_base, to_base, unit

PERIOD = (date(2012, 5, 7), date(2012, 10, 31))
"""The first and last working day of the simulated campaign."""

_HOLIDAYS = {date(2012, 6, 22), *(date(2012, 10, d) for d in range(1, 6))}
"""Public holidays of 2012 that fall on a weekday inside the period (Dragon Boat, National Day)."""


@dataclass(frozen=True)
class BalanceSpec:
    """A balance of the demo's register, with its figures in g."""

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


BALANCES = (  # the finest first: `choose_balance` takes the first that suffices
    # 620 g / 0.01 g, class II (e = 0.1 g): noodles, sugar, small drinks and milk.
    BalanceSpec("Sartorius", "BSA622S-CW", "31704482", Decimal(620), Decimal("0.01"), Decimal("0.1"), "II",
                Decimal("0.1"), "JL2012-0318-02", date(2013, 3, 17), True),
    # 6200 g / 0.1 g, class II (e = 1 g): 1 kg to 5 kg bags, oil, 1 L to 1.9 L liquids, beer in glass.
    BalanceSpec("Sartorius", "BSA6201-CW", "31802917", Decimal(6200), Decimal("0.1"), Decimal(1), "II",
                Decimal(1), "JL2012-0318-01", date(2013, 3, 17), True),
    # 30 kg / 1 g, class III (e = 5 g, MPE 1e at 10 kg): 10 kg rice.
    BalanceSpec("Shanghai Yousheng", "TCS-30", "YS1104023", Decimal(30000), Decimal(1), Decimal(5), "III",
                Decimal(5), "JL2012-0402-07", date(2013, 4, 1), True),
    # An older 6 kg balance whose certificate ran out before the campaign: in the register, not used.
    BalanceSpec("Shanghai Jingke", "YP6001", "J0806113", Decimal(6000), Decimal("0.1"), Decimal(1), "II",
                Decimal(1), "JL2011-0425-11", date(2012, 4, 24), False),
)

TARE_G: dict[tuple[str, str], tuple[float, float]] = {
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

SHELF_DAYS = {"liquid-milk": (1, 20), "beer": (5, 90), "bottled-drinks": (10, 150)}
"""Days between production and inspection, by product (others: 10 to 200)."""

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
_GIVEN = ("伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
          "平", "刚", "秀英", "建华", "志强", "海燕", "晓东", "玉兰", "国庆", "建军", "红梅", "文博", "丽娟",
          "永强", "春燕", "德明", "淑珍", "学军", "海涛", "慧敏", "振华", "雪梅", "立新")
_TRADE = ("华", "盛", "鑫", "恒", "丰", "泰", "嘉", "瑞", "宏", "康", "顺", "兴", "隆", "源", "达", "和",
          "安", "利", "诚", "信", "佳", "福", "永", "昌", "益", "惠", "联", "万", "汇", "新")
_ROADS = ("人民路", "解放路", "建设路", "中山路", "胜利街", "和平路", "新华路", "友谊路", "文化路", "青年路",
          "长江路", "黄河路", "光明街", "朝阳路", "北京路", "东风路", "红旗街", "迎宾大道", "工农路", "民主路")
BRANDS = ("金穗", "丰禾", "玉泉", "天润", "清源", "瑞雪", "碧波", "春晖", "星河", "嘉禾", "绿野", "晨光",
          "一品", "乐家", "百味", "鲜源", "福泰", "山水", "田园", "雪原", "恒香", "御膳", "南山", "北国")
_PRODUCER_SUFFIX = {
    "rice": "米业有限公司", "wheat-flour": "面粉有限公司", "edible-vegetable-oil": "粮油工业有限公司",
    "instant-noodles": "食品有限公司", "liquid-milk": "乳业有限公司", "soy-sauce": "酿造有限公司",
    "bottled-drinks": "饮料有限公司", "beer": "啤酒有限公司", "laundry-detergent": "日用化学品有限公司",
    "white-sugar": "糖业有限公司",
}
LOT_SIZES = {
    # (N from, N to, weight): producers keep large lots; shops hold small ones.
    SiteKind.PRODUCER: ((100, 500, 25), (501, 3200, 60), (3201, 12000, 15)),
    SiteKind.WHOLESALER: ((51, 99, 10), (100, 500, 55), (501, 3200, 35)),
    SiteKind.RETAILER: ((4, 10, 4), (11, 50, 10), (51, 99, 14), (100, 500, 57), (501, 3200, 15)),
}

PROFILE = ("刘志强", "JL-2012-0417", "国家质检总局定量包装商品净含量专项检查组")
"""The demo inspector: name, inspector number, organisation."""


@dataclass(frozen=True)
class Filler:
    """How a packer fills: mean and s of the net quantity, as fractions of T around Qn."""

    kind: str
    mean_t: float
    """(mean − Qn) / T."""
    s_t: float
    """s / T."""
    outlier: float
    """Chance of a package short by more than T (a leaking bottle, a torn bag)."""


def draw_filler(rng: random.Random) -> Filler:
    """A packer for one lot: mostly good, some sloppy, a few under-filling."""
    roll = rng.random()
    if roll < 0.05:
        # Under-filling: the mean falls short; packages are mostly within T, so the mean test fails.
        return Filler("under-filling", -rng.uniform(0.15, 0.45), rng.uniform(0.15, 0.3), 0.0)
    if roll < 0.11:
        # A sloppy filler: a generous mean but a wide spread, with T1 packages and the odd T2 one.
        return Filler("sloppy", rng.uniform(0.0, 0.35), rng.uniform(0.5, 0.85), 0.01)
    return Filler("good", rng.uniform(0.0, 0.45), rng.uniform(0.12, 0.33), 0.0)


def person_name(rng: random.Random) -> str:
    """A Chinese name: surname and given name."""
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _trade_name(rng: random.Random) -> str:
    first = rng.choice(_TRADE)
    return first + rng.choice([c for c in _TRADE if c != first])


def _city_prefix(city: City) -> str:
    # A municipality is its own province: 北京市朝阳路…; elsewhere 河北省石家庄市…
    return city.province_zh if city.province_zh.startswith(city.name_zh) else f"{city.province_zh}{city.name_zh}市"


def site(rng: random.Random, city: City, product: Product, kind: SiteKind) -> tuple[str, str]:
    """The name and address of a producer, wholesaler or retailer of a product in a city."""
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


def working_days(start: date, end: date) -> list[date]:
    """The weekdays from `start` to `end` (inclusive) that are not public holidays."""
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in _HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def choose_balance(balances: Sequence[tuple[BalanceSpec, Balance]], heaviest_g: float) -> Balance:
    """The register balance a lot is weighed on (`balances` as added, finest first)."""
    # The finest balance in date whose Max leaves a margin over the heaviest gross expected.
    for spec, balance in balances:
        if spec.use and heaviest_g <= 0.9 * float(spec.max_g):
            return balance
    raise AssertionError(f"no demo balance weighs {heaviest_g:.0f} g")


class Scale:
    """Rounds simulated masses to the balance's d and writes them in the weighing unit."""

    def __init__(self, balance: Balance, weighing_symbol: str) -> None:
        d_g = to_base(balance.d, unit(balance.unit))
        self.d_g = float(d_g)
        self.step = from_base(d_g, unit(weighing_symbol))

    def text(self, grams: float) -> str:
        """A mass in g as the balance shows it: a whole number of d (at least one), in the weighing unit."""
        return format(Decimal(max(1, round(grams / self.d_g))) * self.step, "f")


def swap_digits(text: str, rng: random.Random) -> str:
    """The first number of `text` with its last two decimals swapped, when they differ (a typing slip)."""
    first, *rest = text.split(" ")
    head, _, decimals = first.partition(".")
    # The last two digits: a slip the plausibility check lets through (swapping the first decimals of
    # a kg weight can move it by more than 5T, and is caught before it is saved).
    pairs = [i for i in range(max(0, len(decimals) - 2), len(decimals) - 1) if decimals[i] != decimals[i + 1]]
    if not pairs:
        return text
    i = rng.choice(pairs)
    swapped = decimals[:i] + decimals[i + 1] + decimals[i] + decimals[i + 2:]
    return " ".join([f"{head}.{swapped}", *rest])


__all__ = [
    "BALANCES",
    "BRANDS",
    "LOT_SIZES",
    "PERIOD",
    "PROFILE",
    "SHELF_DAYS",
    "TARE_G",
    "BalanceSpec",
    "Filler",
    "Scale",
    "choose_balance",
    "draw_filler",
    "person_name",
    "site",
    "swap_digits",
    "working_days",
]
