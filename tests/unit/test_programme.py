"""Tests of inspection programmes: the shipped 2012 programme and the strict loader's refusals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.cli.textout import format_programme, programme_as_dict
from fieldtool.core.programme import Method, NominalQuantity, Programme
from fieldtool.core.quantity import Kind, unit
from fieldtool.core.rules import tne
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError, RuleFileError
from fieldtool.plans.programme import all_programmes, load_programme, load_programme_file, programme_paths
from fieldtool.plans.rules import load_rule_set

SHIPPED = "cn-2012-net-content"

# city id: (Chinese name, English name, province in Chinese, province in English)
CITIES_2012 = {
    "beijing": ("北京", "Beijing", "北京市", "Beijing"),
    "tianjin": ("天津", "Tianjin", "天津市", "Tianjin"),
    "shanghai": ("上海", "Shanghai", "上海市", "Shanghai"),
    "chongqing": ("重庆", "Chongqing", "重庆市", "Chongqing"),
    "shijiazhuang": ("石家庄", "Shijiazhuang", "河北省", "Hebei"),
    "taiyuan": ("太原", "Taiyuan", "山西省", "Shanxi"),
    "hohhot": ("呼和浩特", "Hohhot", "内蒙古自治区", "Inner Mongolia"),
    "shenyang": ("沈阳", "Shenyang", "辽宁省", "Liaoning"),
    "changchun": ("长春", "Changchun", "吉林省", "Jilin"),
    "harbin": ("哈尔滨", "Harbin", "黑龙江省", "Heilongjiang"),
    "nanjing": ("南京", "Nanjing", "江苏省", "Jiangsu"),
    "hangzhou": ("杭州", "Hangzhou", "浙江省", "Zhejiang"),
    "hefei": ("合肥", "Hefei", "安徽省", "Anhui"),
    "fuzhou": ("福州", "Fuzhou", "福建省", "Fujian"),
    "nanchang": ("南昌", "Nanchang", "江西省", "Jiangxi"),
    "jinan": ("济南", "Jinan", "山东省", "Shandong"),
    "zhengzhou": ("郑州", "Zhengzhou", "河南省", "Henan"),
    "wuhan": ("武汉", "Wuhan", "湖北省", "Hubei"),
    "changsha": ("长沙", "Changsha", "湖南省", "Hunan"),
    "guangzhou": ("广州", "Guangzhou", "广东省", "Guangdong"),
    "nanning": ("南宁", "Nanning", "广西壮族自治区", "Guangxi"),
    "haikou": ("海口", "Haikou", "海南省", "Hainan"),
    "chengdu": ("成都", "Chengdu", "四川省", "Sichuan"),
    "guiyang": ("贵阳", "Guiyang", "贵州省", "Guizhou"),
    "kunming": ("昆明", "Kunming", "云南省", "Yunnan"),
    "xian": ("西安", "Xi'an", "陕西省", "Shaanxi"),
    "lanzhou": ("兰州", "Lanzhou", "甘肃省", "Gansu"),
    "xining": ("西宁", "Xining", "青海省", "Qinghai"),
    "yinchuan": ("银川", "Yinchuan", "宁夏回族自治区", "Ningxia"),
    "urumqi": ("乌鲁木齐", "Urumqi", "新疆维吾尔自治区", "Xinjiang"),
}

# product id: (Chinese name, kind, method)
PRODUCTS_2012 = {
    "rice": ("大米", Kind.MASS, Method.MASS),
    "wheat-flour": ("小麦粉", Kind.MASS, Method.MASS),
    "edible-vegetable-oil": ("食用植物油", Kind.VOLUME, Method.MASS_AND_DENSITY),
    "instant-noodles": ("方便面", Kind.MASS, Method.MASS),
    "liquid-milk": ("液体乳", Kind.VOLUME, Method.MASS_AND_DENSITY),
    "soy-sauce": ("酱油", Kind.VOLUME, Method.MASS_AND_DENSITY),
    "bottled-drinks": ("瓶装饮料", Kind.VOLUME, Method.MASS_AND_DENSITY),
    "beer": ("啤酒", Kind.VOLUME, Method.MASS_AND_DENSITY),
    "laundry-detergent": ("洗衣粉", Kind.MASS, Method.MASS),
    "white-sugar": ("白砂糖", Kind.MASS, Method.MASS),
}

VALID = """\
schema = 1
id = "test-prog"
name = "Test programme"
name_zh = "测试方案"
year = 2012
sources = ["a test"]
rule_set = "jjf1070-2005"
quota_per_cell = 3
cities = [
  { id = "beijing", name_zh = "北京", name_en = "Beijing", province_zh = "北京市", province_en = "Beijing" },
  { id = "xian", name_zh = "西安", name_en = "Xi'an", province_zh = "陕西省", province_en = "Shaanxi" },
]

[[products]]
id = "rice"
name_zh = "大米"
name_en = "Rice"
kind = "mass"
method = "mass"
nominal_quantities = ["5 kg", "500 g"]
default_tare = "individual"

[[products]]
id = "soy-sauce"
name_zh = "酱油"
name_en = "Soy sauce"
kind = "volume"
method = "mass-and-density"
typical_density = "1.170"
nominal_quantities = ["500 mL", "1.9 L"]
default_tare = "average"

[quota_overrides.xian]
rice = 5
"""


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the user's own rule sets and programmes out of every test."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return config


def write(tmp_path: Path, text: str, name: str = "test-prog") -> Path:
    directory = tmp_path / "files"
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def variant(old: str, new: str) -> str:
    """The valid file with one change; the change must apply, or the test would test nothing."""
    assert VALID.count(old) == 1, f"{old!r} must occur once in VALID"
    return VALID.replace(old, new)


# --- the shipped programme -------------------------------------------------------------------


@pytest.fixture()
def shipped() -> Programme:
    return load_programme(SHIPPED)


def test_shipped_programme_has_the_30_cities_with_their_chinese_names_and_provinces(shipped: Programme) -> None:
    got = {c.id: (c.name_zh, c.name_en, c.province_zh, c.province_en) for c in shipped.cities}
    assert got == CITIES_2012
    assert len(shipped.cities) == 30


def test_shipped_cities_are_the_4_municipalities_and_26_provincial_capitals(shipped: Programme) -> None:
    municipalities = [c.id for c in shipped.cities if c.province_zh == f"{c.name_zh}市"]
    assert municipalities == ["beijing", "tianjin", "shanghai", "chongqing"]
    provinces = {c.province_zh for c in shipped.cities}
    assert len(provinces) == 30, "one city per province-level unit"
    assert "西藏自治区" not in provinces


def test_shipped_programme_has_the_10_products(shipped: Programme) -> None:
    got = {p.id: (p.name_zh, p.kind, p.method) for p in shipped.products}
    assert got == PRODUCTS_2012
    assert len({p.name_en for p in shipped.products}) == 10


def test_shipped_liquids_have_plausible_densities_and_weighed_goods_none(shipped: Programme) -> None:
    expected = {
        "edible-vegetable-oil": Decimal("0.915"),
        "liquid-milk": Decimal("1.030"),
        "soy-sauce": Decimal("1.170"),
        "bottled-drinks": Decimal("1.040"),
        "beer": Decimal("1.010"),
    }
    got = {p.id: p.typical_density for p in shipped.products if p.typical_density is not None}
    assert got == expected
    for p in shipped.products:
        assert (p.typical_density is None) == (p.method is Method.MASS), p.id


def test_shipped_nominal_quantities_are_in_the_products_kind_and_covered_by_the_rule_set(shipped: Programme) -> None:
    rules = load_rule_set(shipped.rule_set)
    for p in shipped.products:
        assert p.nominal_quantities, p.id
        for q in p.nominal_quantities:
            assert unit(q.unit).kind is p.kind, f"{p.id}: {q}"
            assert tne(rules, q.value, unit(q.unit)) > 0, f"{p.id}: {q}"
    rice = shipped.product("rice")
    assert [str(q) for q in rice.nominal_quantities] == ["5 kg", "10 kg", "2.5 kg"]
    oil = shipped.product("edible-vegetable-oil")
    assert [q.base for q in oil.nominal_quantities] == [Decimal(5000), Decimal("1800.0"), Decimal(900)]


def test_shipped_programme_is_judged_by_jjf1070_2005(shipped: Programme) -> None:
    assert shipped.rule_set == "jjf1070-2005"
    assert load_rule_set(shipped.rule_set).id == "jjf1070-2005"
    assert shipped.year == 2012
    assert "定量包装商品" in shipped.name_zh and "净含量" in shipped.name_zh
    assert shipped.sources


def test_shipped_quota_is_3_lots_per_city_and_product(shipped: Programme) -> None:
    assert shipped.quota_per_cell == 3
    assert shipped.quota("beijing", "rice") == 3
    assert shipped.quota("urumqi", "beer") == 3
    expected_total = sum(shipped.quota(c.id, p.id) for c in shipped.cities for p in shipped.products)
    assert shipped.total_lots == expected_total
    if not shipped.quota_overrides:
        assert shipped.total_lots == 900


def test_shipped_default_tares_are_individual_or_average(shipped: Programme) -> None:
    assert {p.default_tare for p in shipped.products} <= {TareMethod.INDIVIDUAL, TareMethod.AVERAGE}
    assert shipped.product("rice").default_tare is TareMethod.INDIVIDUAL


def test_every_programme_found_loads() -> None:
    programmes = all_programmes()
    assert SHIPPED in {p.id for p in programmes}
    assert all(p.id == Path(p.path).stem for p in programmes)


# --- lookups ---------------------------------------------------------------------------------


def test_unknown_programme_lists_the_known_ids() -> None:
    with pytest.raises(NotFoundError) as err:
        load_programme("cn-2013-net-content")
    assert "cn-2013-net-content" in str(err.value)
    assert SHIPPED in str(err.value)


def test_unknown_city_suggests_a_close_id_in_one_short_line(shipped: Programme) -> None:
    with pytest.raises(NotFoundError) as err:
        shipped.city("xi-an")
    message = str(err.value)
    assert "'xi-an'" in message and "xian" in message
    assert "\n" not in message and "urumqi" not in message


def test_unknown_product_names_it_without_listing_everything(shipped: Programme) -> None:
    with pytest.raises(NotFoundError) as err:
        shipped.quota("beijing", "cement")
    message = str(err.value)
    assert "'cement'" in message
    assert "white-sugar" not in message and "\n" not in message


def test_a_users_programme_takes_precedence_over_the_shipped_one(_isolated_home: Path) -> None:
    own = _isolated_home / "fieldtool" / "programmes"
    own.mkdir(parents=True)
    (own / f"{SHIPPED}.toml").write_text(variant('id = "test-prog"', f'id = "{SHIPPED}"'), encoding="utf-8")
    assert programme_paths()[SHIPPED] == own / f"{SHIPPED}.toml"
    assert len(load_programme(SHIPPED).cities) == 2


# --- the loader on a valid file --------------------------------------------------------------


def test_valid_file_loads_with_overrides_and_canonical_units(tmp_path: Path) -> None:
    p = load_programme_file(write(tmp_path, variant('"500 mL", "1.9 L"', '"500 ml", "1.9 l"')))
    assert [c.id for c in p.cities] == ["beijing", "xian"]
    assert p.quota("xian", "rice") == 5
    assert p.quota("beijing", "rice") == 3
    assert p.quota("xian", "soy-sauce") == 3
    assert p.total_lots == 3 + 3 + 5 + 3
    sauce = p.product("soy-sauce")
    assert sauce.typical_density == Decimal("1.170")
    assert [(q.value, q.unit) for q in sauce.nominal_quantities] == [(Decimal(500), "mL"), (Decimal("1.9"), "L")]
    assert p.product("rice").typical_density is None


def test_density_written_as_a_toml_float_is_read_by_its_digits(tmp_path: Path) -> None:
    p = load_programme_file(write(tmp_path, variant('typical_density = "1.170"', "typical_density = 1.17")))
    assert p.product("soy-sauce").typical_density == Decimal("1.17")


def test_quota_overrides_are_optional(tmp_path: Path) -> None:
    p = load_programme_file(write(tmp_path, variant("[quota_overrides.xian]\nrice = 5\n", "")))
    assert p.quota_overrides == {}
    assert p.total_lots == 12


def test_quota_override_of_zero_means_none_in_that_city(tmp_path: Path) -> None:
    p = load_programme_file(write(tmp_path, variant("rice = 5", "rice = 0")))
    assert p.quota("xian", "rice") == 0
    assert p.total_lots == 9


# --- the loader's refusals -------------------------------------------------------------------

BROKEN = [
    pytest.param("schema = 1", "schema = 2", "schema", "reads schema 1", id="schema"),
    pytest.param('id = "test-prog"', 'id = "other"', "id", "file name", id="id-not-file-name"),
    pytest.param("year = 2012", 'year = 2012\ncolour = "red"', "colour", "unknown key", id="unknown-top-key"),
    pytest.param(
        'province_en = "Shaanxi" }',
        'province_en = "Shaanxi", population = 1 }',
        "cities[1].population",
        "unknown key",
        id="unknown-city-key",
    ),
    pytest.param(
        'default_tare = "individual"',
        'default_tare = "individual"\nshelf = 1',
        "products[0].shelf",
        "unknown key",
        id="unknown-product-key",
    ),
    pytest.param("year = 2012", 'year = "2012"', "year", "must be an integer", id="wrong-type"),
    pytest.param("quota_per_cell = 3\n", "", "quota_per_cell", "missing", id="missing-quota"),
    pytest.param('rule_set = "jjf1070-2005"\n', "", "rule_set", "missing", id="missing-rule-set"),
    pytest.param('name_en = "Rice"\n', "", "products[0].name_en", "missing", id="missing-product-name"),
    pytest.param("quota_per_cell = 3", "quota_per_cell = 0", "quota_per_cell", "at least 1", id="zero-quota"),
    pytest.param(
        'rule_set = "jjf1070-2005"', 'rule_set = "jjf1070-2023"', "rule_set", "jjf1070-2005", id="unknown-rule-set"
    ),
    pytest.param('{ id = "xian"', '{ id = "beijing"', "cities[1].id", "duplicate 'beijing'", id="duplicate-city"),
    pytest.param('name_zh = "西安"', 'name_zh = "北京"', "cities[1].name_zh", "duplicate", id="duplicate-city-name"),
    pytest.param('id = "soy-sauce"', 'id = "rice"', "products[1].id", "duplicate 'rice'", id="duplicate-product"),
    pytest.param('{ id = "xian"', '{ id = "Xi an"', "cities[1].id", "lower-case", id="bad-id"),
    pytest.param(
        'name_zh = "北京"', 'name_zh = "Beijing"', "cities[0].name_zh", "Chinese characters", id="pinyin-name"
    ),
    pytest.param(
        'province_zh = "陕西省"', 'province_zh = ""', "cities[1].province_zh", "must not be empty", id="empty-province"
    ),
    pytest.param(
        'method = "mass"\n',
        'method = "mass"\ntypical_density = "0.8"\n',
        "products[0].typical_density",
        "only a mass-and-density product",
        id="density-on-mass-product",
    ),
    pytest.param('typical_density = "1.170"\n', "", "products[1].typical_density", "missing", id="missing-density"),
    pytest.param(
        'typical_density = "1.170"',
        'typical_density = "1170"',
        "products[1].typical_density",
        "g/mL",
        id="density-in-kg-per-m3",
    ),
    pytest.param(
        'typical_density = "1.170"',
        'typical_density = "heavy"',
        "products[1].typical_density",
        "not a number",
        id="density-not-a-number",
    ),
    pytest.param(
        'method = "mass-and-density"',
        'method = "mass"',
        "products[1].method",
        "labelled by volume",
        id="method-does-not-fit-kind",
    ),
    pytest.param('kind = "volume"', 'kind = "weight"', "products[1].kind", "must be one of", id="unknown-kind"),
    pytest.param(
        '"5 kg", "500 g"', '"5 kgs", "500 g"', "products[0].nominal_quantities[0]", "unknown unit", id="unknown-unit"
    ),
    pytest.param(
        '"500 mL", "1.9 L"',
        '"500 mL", "1.9 kg"',
        "products[1].nominal_quantities[1]",
        "labelled by volume",
        id="unit-of-wrong-kind",
    ),
    pytest.param(
        '"5 kg", "500 g"',
        '"5 kg", "0.5 kg"',
        "products[0].nominal_quantities[1]",
        "labelled 500 g",
        id="label-unit-order-75",
    ),
    pytest.param(
        '"5 kg", "500 g"', '"5 kg", "5.0 kg"', "products[0].nominal_quantities[1]", "duplicate", id="duplicate-nominal"
    ),
    pytest.param(
        '"5 kg", "500 g"', '"5 kg", "0 g"', "products[0].nominal_quantities[1]", "positive", id="zero-nominal"
    ),
    pytest.param(
        '"5 kg", "500 g"',
        '"5 kg", "half a kilo"',
        "products[0].nominal_quantities[1]",
        "not a quantity",
        id="nominal-not-a-quantity",
    ),
    pytest.param(
        'nominal_quantities = ["5 kg", "500 g"]',
        "nominal_quantities = []",
        "products[0].nominal_quantities",
        "at least one",
        id="no-nominals",
    ),
    pytest.param(
        'default_tare = "average"',
        'default_tare = "net"',
        "products[1].default_tare",
        "individual, average",
        id="tare-net-for-weighed-product",
    ),
    pytest.param(
        "[quota_overrides.xian]",
        "[quota_overrides.xi-an]",
        "quota_overrides.xi-an",
        "did you mean xian",
        id="override-unknown-city",
    ),
    pytest.param(
        "rice = 5", "ricee = 5", "quota_overrides.xian.ricee", "unknown product", id="override-unknown-product"
    ),
    pytest.param("rice = 5", "rice = -1", "quota_overrides.xian.rice", "at least 0", id="override-negative"),
    pytest.param("rice = 5", 'rice = "5"', "quota_overrides.xian.rice", "must be an integer", id="override-wrong-type"),
    pytest.param('sources = ["a test"]', "sources = []", "sources", "at least one source", id="no-sources"),
    pytest.param('name_zh = "测试方案"', 'name_zh = "ceshi"', "name_zh", "Chinese characters", id="programme-name-zh"),
]


@pytest.mark.parametrize(("old", "new", "key", "problem"), BROKEN)
def test_broken_file_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    path = write(tmp_path, variant(old, new))
    with pytest.raises(RuleFileError) as err:
        load_programme_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert problem in message
    assert "\n" not in message


def test_invalid_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "cities = [\n")
    with pytest.raises(RuleFileError) as err:
        load_programme_file(path)
    assert str(err.value).startswith(f"{path}: not valid TOML")


def test_rule_set_of_the_users_own_counts_as_known(tmp_path: Path, _isolated_home: Path) -> None:
    own_rules = _isolated_home / "fieldtool" / "rules"
    own_rules.mkdir(parents=True)
    shipped_rules = Path(load_rule_set("jjf1070-2005").path).read_text(encoding="utf-8")
    (own_rules / "my-rules.toml").write_text(
        shipped_rules.replace('id = "jjf1070-2005"', 'id = "my-rules"'), encoding="utf-8"
    )
    p = load_programme_file(write(tmp_path, variant('rule_set = "jjf1070-2005"', 'rule_set = "my-rules"')))
    assert p.rule_set == "my-rules"


# --- nominal quantities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "symbol", "base"),
    [
        ("900 mL", "900", "mL", "900"),
        ("900 ml", "900", "mL", "900"),
        ("1.5L", "1.5", "L", "1500.0"),
        (" 2.5 kg ", "2.5", "kg", "2500.0"),
        ("85 g", "85", "g", "85"),
    ],
)
def test_nominal_quantity_parses_number_and_unit_exactly(text: str, value: str, symbol: str, base: str) -> None:
    q = NominalQuantity.parse(text)
    assert (q.value, q.unit, q.base) == (Decimal(value), symbol, Decimal(base))
    assert str(q) == f"{value} {symbol}"


@pytest.mark.parametrize("text", ["", "kg", "5", "5 kgs", "-5 g", "0 mL", "1e3 g", "1,5 kg"])
def test_nominal_quantity_refuses_what_is_not_a_positive_labelled_quantity(text: str) -> None:
    with pytest.raises(InputError):
        NominalQuantity.parse(text)


def test_nominal_quantity_refuses_a_non_canonical_unit_symbol() -> None:
    with pytest.raises(InputError, match="'mL'"):
        NominalQuantity(Decimal(500), "ml")


# --- output ----------------------------------------------------------------------------------


def test_programme_as_dict_is_plain_json_with_decimals_as_strings(shipped: Programme) -> None:
    data = json.loads(json.dumps(programme_as_dict(shipped), ensure_ascii=False))
    assert data["id"] == SHIPPED
    assert data["rule_set"] == "jjf1070-2005"
    assert data["quota"]["per_cell"] == 3
    assert data["quota"]["total_lots"] == shipped.total_lots
    assert len(data["cities"]) == 30 and len(data["products"]) == 10
    urumqi = next(c for c in data["cities"] if c["id"] == "urumqi")
    assert urumqi == {
        "id": "urumqi",
        "name_zh": "乌鲁木齐",
        "name_en": "Urumqi",
        "province_zh": "新疆维吾尔自治区",
        "province_en": "Xinjiang",
    }
    oil = next(p for p in data["products"] if p["id"] == "edible-vegetable-oil")
    assert oil["typical_density"] == "0.915"
    assert oil["method"] == "mass-and-density" and oil["kind"] == "volume"
    assert oil["nominal_quantities"][0] == {"value": "5", "unit": "L"}
    rice = next(p for p in data["products"] if p["id"] == "rice")
    assert rice["typical_density"] is None
    assert rice["nominal_quantities"][2] == {"value": "2.5", "unit": "kg"}


def test_programme_as_dict_nests_overrides_by_city_then_product(tmp_path: Path) -> None:
    data = programme_as_dict(load_programme_file(write(tmp_path, VALID)))
    assert data["quota"]["overrides"] == {"xian": {"rice": 5}}


def test_format_programme_lists_cities_products_and_quota(shipped: Programme) -> None:
    text = format_programme(shipped)
    assert SHIPPED in text and "jjf1070-2005" in text
    for c in shipped.cities:
        assert c.name_zh in text and c.name_en in text
    for p in shipped.products:
        assert p.name_zh in text and p.name_en in text
    oil_line = next(line for line in text.splitlines() if "edible-vegetable-oil" in line)
    assert "0.915" in oil_line and "900 mL" in oil_line and "mass-and-density" in oil_line
    assert "3 lots per city and product; 900 lots in all" in text


def test_format_programme_aligns_columns_when_names_are_chinese(shipped: Programme) -> None:
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(ch) in ("W", "F") else 1 for ch in s)

    lines = format_programme(shipped, lang="zh").splitlines()
    first = lines.index(f"城市 ({len(shipped.cities)})") + 2
    rows = lines[first : first + len(shipped.cities)]
    starts = {width(row[: row.index(c.province_zh)]) for row, c in zip(rows, shipped.cities, strict=True)}
    assert len(starts) == 1, "the province column starts at one terminal column"
    assert "配额" in "\n".join(lines)


def test_format_programme_refuses_an_unknown_language(shipped: Programme) -> None:
    with pytest.raises(InputError, match="'fr'"):
        format_programme(shipped, lang="fr")
