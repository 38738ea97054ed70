"""The label rules (净含量标注) at every edge of their tables: 附表1 (the legal unit), 附表2 (the character
height), the words, multipacks, drained quantities and the three-significant-digits advice; and the
rules file read strictly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.label import (
    LabelElementCode,
    LabelResult,
    LabelRules,
    LabelStatus,
    check_label,
    parse_height,
    parse_label,
    significant_digits,
)
from fieldtool.errors import InputError, RuleFileError
from fieldtool.infra import paths
from fieldtool.plans.labels import label_rules_paths, load_label_rules, load_label_rules_file

SHIPPED = paths.shipped_plans_dir() / "labels" / "cn-order70-2023.toml"


@pytest.fixture(scope="module")
def rules() -> LabelRules:
    return load_label_rules_file(SHIPPED)


def judge(rules: LabelRules, text: str, height: str, qn: str, unit: str) -> LabelResult:
    return check_label(text, Decimal(height), Decimal(qn), unit, rules)


def status(result: LabelResult, code: LabelElementCode) -> LabelStatus:
    return next(e.status for e in result.elements if e.code is code)


def test_every_shipped_label_file_loads() -> None:
    found = label_rules_paths()
    assert "cn-order70-2023" in found
    for rid in found:
        r = load_label_rules(rid)
        assert r.sources and r.words


@pytest.mark.parametrize(("qn", "height", "ok"), [
    # 附表2: Qn ≤ 50 → 2 mm; 50 < Qn ≤ 200 → 3 mm; 200 < Qn ≤ 1000 → 4 mm; > 1000 → 6 mm.
    ("49.9", "2", True), ("49.9", "1.9", False),
    ("50", "2", True), ("50", "1.9", False),
    ("50.1", "2.9", False), ("50.1", "3", True),
    ("200", "3", True), ("200", "2.9", False),
    ("200.1", "3.9", False), ("200.1", "4", True),
    ("999", "4", True), ("999", "3.9", False),
])
def test_character_height_at_each_edge_of_table_2_in_grams(rules: LabelRules, qn: str, height: str, ok: bool) -> None:
    result = judge(rules, f"净含量：{qn}克", height, qn, "g")
    assert status(result, LabelElementCode.HEIGHT) is (LabelStatus.PASS if ok else LabelStatus.FAIL)
    assert result.passed is ok


@pytest.mark.parametrize(("text", "qn", "unit", "height", "ok"), [
    ("净含量：1kg", "1", "kg", "4", True),       # Qn = 1000 g is still "≤ 1000": 4 mm
    ("净含量：1kg", "1", "kg", "3.9", False),
    ("净含量：1.01kg", "1.01", "kg", "5.9", False),  # above 1 kg: 6 mm
    ("净含量：1.01kg", "1.01", "kg", "6", True),
    ("净含量：50mL", "50", "mL", "2", True),
    ("净含量：500毫升", "500", "mL", "3.9", False),
    ("净含量：1.5L", "1.5", "L", "6", True),
    ("净含量：1.5升", "1.5", "L", "5.9", False),
    ("净含量：2m", "2", "m", "2", True),          # length: 2 mm whatever the quantity
    ("净含量：2米", "2", "m", "1.9", False),
])
def test_character_height_in_kg_l_and_length(rules: LabelRules, text: str, qn: str, unit: str, height: str,
                                             ok: bool) -> None:
    assert status(judge(rules, text, height, qn, unit), LabelElementCode.HEIGHT) is (
        LabelStatus.PASS if ok else LabelStatus.FAIL)


@pytest.mark.parametrize(("text", "qn", "unit", "ok"), [
    # 附表1: mass below 1000 g in g, from 1000 g in kg.
    ("净含量：999克", "999", "g", True),
    ("净含量：999 g", "999", "g", True),
    ("净含量：1000克", "1", "kg", False),      # 1000 g must be printed as 1 kg
    ("净含量：1000 g", "1000", "g", False),
    ("净含量：1千克", "1", "kg", True),
    ("净含量：1 kg", "1000", "g", True),
    ("净含量：0.5kg", "500", "g", False),      # below 1000 g in g
    # volume below 1000 mL in mL, from 1000 mL in L
    ("净含量：999毫升", "999", "mL", True),
    ("净含量：1000mL", "1", "L", False),
    ("净含量：1L", "1", "L", True),
    ("净含量：0.75L", "750", "mL", False),
    # length below 100 cm in mm or cm, from 100 cm in m
    ("净含量：99厘米", "99", "cm", True),
    ("净含量：990mm", "99", "cm", True),
    ("净含量：100cm", "1", "m", False),
    ("净含量：1米", "1", "m", True),
    ("净含量：0.5m", "50", "cm", False),
])
def test_legal_unit_at_each_edge_of_table_1(rules: LabelRules, text: str, qn: str, unit: str, ok: bool) -> None:
    result = judge(rules, text, "6", qn, unit)
    assert status(result, LabelElementCode.QUANTITY) is LabelStatus.PASS, result.elements
    assert status(result, LabelElementCode.UNIT) is (LabelStatus.PASS if ok else LabelStatus.FAIL)
    assert result.passed is ok


def test_a_unit_failure_names_the_legal_unit_in_both_languages(rules: LabelRules) -> None:
    unit = next(e for e in judge(rules, "净含量：1000克", "6", "1", "kg").elements if e.code is LabelElementCode.UNIT)
    assert "kg" in unit.reason_zh and "1 kg" in unit.reason_en and "附表1" in unit.rule


def test_the_number_must_equal_qn(rules: LabelRules) -> None:
    result = judge(rules, "净含量：450克", "4", "500", "g")
    assert status(result, LabelElementCode.QUANTITY) is LabelStatus.FAIL and not result.passed
    assert "500 g" in next(e.reason_en for e in result.elements if e.code is LabelElementCode.QUANTITY)
    wrong_kind = judge(rules, "净含量：500mL", "4", "500", "g")
    assert status(wrong_kind, LabelElementCode.QUANTITY) is LabelStatus.FAIL


def test_words_missing_fail_the_label(rules: LabelRules) -> None:
    for text in ("500克", "Net content: 500 g", "净重：500克"):
        result = judge(rules, text, "4", "500", "g")
        assert status(result, LabelElementCode.WORDS) is LabelStatus.FAIL and not result.passed, text
    for text in ("净含量：500克", "净含量(净重)：500克", "Net content/净含量: 500 g", "净含量 500g"):
        assert judge(rules, text, "4", "500", "g").passed, text


def test_full_width_characters_are_read(rules: LabelRules) -> None:
    assert judge(rules, "净含量：５００ｇ", "4", "500", "g").passed


def test_no_quantity_fails(rules: LabelRules) -> None:
    result = judge(rules, "净含量：见包装", "4", "500", "g")
    assert status(result, LabelElementCode.QUANTITY) is LabelStatus.FAIL
    assert status(result, LabelElementCode.UNIT) is LabelStatus.FAIL


@pytest.mark.parametrize(("text", "qn", "unit", "multipack", "ok"), [
    ("净含量：900克（5×180克）", "900", "g", LabelStatus.PASS, True),
    ("净含量：900克（5×200克）", "900", "g", LabelStatus.FAIL, False),   # 5 × 200 g is not 900 g
    ("净含量：900克(5x180g)", "180", "g", LabelStatus.PASS, True),       # the lot judged by its units
    ("净含量：5×200 g", "200", "g", LabelStatus.PASS, True),
    ("净含量：200g×5袋", "200", "g", LabelStatus.PASS, True),
    ("净含量：1kg（5×200克）", "1", "kg", LabelStatus.PASS, True),
    ("净含量：1000克（5×200克）", "1000", "g", LabelStatus.PASS, False),  # 附表1: the total in kg
    ("净含量：500克", "500", "g", LabelStatus.NOT_APPLICABLE, True),
])
def test_multipacks(rules: LabelRules, text: str, qn: str, unit: str, multipack: LabelStatus, ok: bool) -> None:
    result = judge(rules, text, "6", qn, unit)
    assert status(result, LabelElementCode.MULTIPACK) is multipack
    assert result.passed is ok, result.elements


def test_multipack_parse(rules: LabelRules) -> None:
    parsed = parse_label("净含量：1000克（5×200克）", rules)
    assert parsed.count == 5 and parsed.each is not None and parsed.each.text == "200 g"
    assert parsed.total is not None and parsed.total.text == "1000 g"


@pytest.mark.parametrize(("text", "drained", "ok"), [
    ("净含量/沥干物：425克/250克", LabelStatus.PASS, True),
    ("净含量：425克 沥干物：250克", LabelStatus.PASS, True),
    ("净含量/沥干物(固形物)：425克/250克", LabelStatus.PASS, True),
    ("净含量/沥干物：425克/450克", LabelStatus.FAIL, False),   # drained above the net content
    ("净含量/沥干物：425克", LabelStatus.FAIL, False),          # drained named, not stated
    ("净含量：425克", LabelStatus.NOT_APPLICABLE, True),
])
def test_drained_quantity(rules: LabelRules, text: str, drained: LabelStatus, ok: bool) -> None:
    result = judge(rules, text, "4", "425", "g")
    assert status(result, LabelElementCode.DRAINED) is drained
    assert result.passed is ok


@pytest.mark.parametrize(("digits", "count"), [
    ("5.55", 3), ("5.555", 4), ("0.5", 1), ("1250", 3), ("1255", 4), ("1000", 1), ("5.50", 3), ("500", 1),
])
def test_significant_digits(digits: str, count: int) -> None:
    assert significant_digits(digits) == count


def test_more_than_three_significant_digits_is_advice_not_a_failure(rules: LabelRules) -> None:
    result = judge(rules, "净含量：5.555kg", "6", "5.555", "kg")
    assert result.passed and len(result.advice) == 1
    assert "建议" in result.advice[0].text_zh and "not a failure" in result.advice[0].text_en
    assert "JJF 1070-2023" in result.advice[0].rule
    assert judge(rules, "净含量：5.55kg", "6", "5.55", "kg").advice == ()


@pytest.mark.parametrize("typed", ["3", "3.0", "2.9", "12.5"])
def test_heights_are_read_to_a_tenth_of_a_mm(typed: str) -> None:
    assert parse_height(typed) == Decimal(typed)


@pytest.mark.parametrize("typed", ["", "abc", "0", "-1", "2.95", "150", "nan", "inf"])
def test_bad_heights_are_refused_in_one_line(typed: str) -> None:
    with pytest.raises(InputError) as e:
        parse_height(typed)
    assert "\n" not in str(e.value) and "character height" in str(e.value)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "cn-order70-2023.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "says"), [
    ("max_significant_digits = 3", "max_significant_digits = 3\nmax_digits = 4", "advice.max_digits: unknown key"),
    ("{ above = 50, upto = 200, min_mm = 3 }", "{ above = 60, upto = 200, min_mm = 3 }", "no gap, no overlap"),
    ("{ from = 1000, units = [\"kg\"] }", "{ from = 900, units = [\"kg\"] }", "no gap, no overlap"),
    ("{ from = 1000, units = [\"kg\"] }", "{ from = 1000, units = [\"lb\"] }", "'lb' is not a symbol"),
    ("min_mm = 2 },\n  { above = 50", "min_mm = \"two\" },\n  { above = 50", "min_mm"),
    ("required = [\"净含量\"]", "required = []", "words.required"),
    ("spellings = [\"kg\", \"千克\", \"公斤\"]", "spellings = [\"kg\", \"克\"]", "already spells g"),
    ("schema = 1", "schema = 2", "schema"),
])
def test_a_malformed_rules_file_is_refused_in_one_line_naming_file_and_key(tmp_path: Path, old: str, new: str,
                                                                             says: str) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(RuleFileError) as e:
        load_label_rules_file(path)
    message = str(e.value)
    assert "\n" not in message and str(path) in message and says in message, message


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cn-order70-2023.toml"
    path.write_text("schema = [", encoding="utf-8")
    with pytest.raises(RuleFileError) as e:
        load_label_rules_file(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)
