"""Rule-set files: every shipped file loads, and broken copies are refused naming the file and the key.

Schema: sampling_plans/README.md. House rule (shared/style.md, rule 5): unknown keys, wrong types,
gaps and overlaps in tables are refused with an error naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldtool.core.quantity import Kind
from fieldtool.errors import RuleFileError
from fieldtool.infra import paths
from fieldtool.plans.rules import all_rule_sets, load_rule_set, load_rule_set_file, rule_set_paths

SHIPPED = paths.shipped_plans_dir() / "rules"
SHIPPED_IDS = sorted(p.stem for p in SHIPPED.glob("*.toml"))


def test_the_three_rule_sets_are_shipped() -> None:
    assert {"jjf1070-2005", "oiml-r87-2016", "eu-76-211"} <= set(SHIPPED_IDS)


@pytest.mark.parametrize("rule_id", SHIPPED_IDS)
def test_every_shipped_rule_file_loads(rule_id: str) -> None:
    path = SHIPPED / f"{rule_id}.toml"
    rs = load_rule_set_file(path)
    assert rs.id == rule_id
    assert rs.path == str(path)
    assert rs.name and rs.jurisdiction and rs.follows
    assert rs.sources, "a rule set must cite at least one source"
    assert "standard" in rs.plans
    # Mass and volume share one table in every shipped rule set.
    assert rs.table_for(Kind.MASS) is rs.table_for(Kind.VOLUME)


def test_load_by_id_finds_every_shipped_file() -> None:
    # The autouse fixture gives an empty config directory, so the shipped files are what is found.
    assert set(SHIPPED_IDS) <= set(rule_set_paths())
    for rule_id in SHIPPED_IDS:
        assert load_rule_set(rule_id).id == rule_id
    assert {rs.id for rs in all_rule_sets()} >= set(SHIPPED_IDS)


# --- broken copies --------------------------------------------------------------------------------


def broken(tmp_path: Path, source: str, edits: list[tuple[str, str]], name: str | None = None) -> Path:
    """A copy of a shipped rule file with each `old` text replaced by `new` (each must occur once)."""
    text = (SHIPPED / f"{source}.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"test anchor {old!r} is not unique in {source}.toml"
        text = text.replace(old, new)
    path = tmp_path / f"{name or source}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, dotted: str, problem: str) -> str:
    with pytest.raises(RuleFileError) as info:
        load_rule_set_file(path)
    message = str(info.value)
    assert str(path) in message, message
    assert f": {dotted}: " in message, message
    assert problem in message, message
    assert "\n" not in message.strip(), "a user error is one line"
    return message


JJF_ROW_11 = "{ lot_min = 11,   lot_max = 50,   n = 10,  t1_allowed = 0, t2_allowed = 0, lambda = 1.028 }"
JJF_ROW_51 = "{ lot_min = 51,   lot_max = 99,   n = 13,  t1_allowed = 1, t2_allowed = 0, lambda = 0.848 }"
JJF_BAND_200 = "{ above = 200,   upto = 300,   absolute = 9 }"
JJF_BAND_50 = "{ above = 50,    upto = 100,   absolute = 4.5 }"
EU_STAGE_2 = "{ n = 30, accept = 4, reject = 5 }"


def test_shipped_copy_is_accepted(tmp_path: Path) -> None:
    """The helper itself: an unchanged copy loads, so every refusal below is caused by its edit."""
    for rule_id in SHIPPED_IDS:
        assert load_rule_set_file(broken(tmp_path, rule_id, [])).id == rule_id


def test_unknown_key_at_top(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [("schema = 1\n", "schema = 1\ncolour = \"red\"\n")])
    refused(path, "colour", "unknown key")


def test_unknown_key_inside_a_band(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_BAND_200, "{ above = 200, upto = 300, absolute = 9, percnt = 3 }")])
    refused(path, "tne[0].bands[3].percnt", "unknown key")


def test_unknown_key_inside_a_plan_row(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_ROW_51, JJF_ROW_51[:-2] + ", t3_allowed = 0 }")])
    refused(path, "plans.standard.rows[2].t3_allowed", "unknown key")


def test_unknown_key_inside_a_stage(tmp_path: Path) -> None:
    path = broken(tmp_path, "eu-76-211", [(EU_STAGE_2, "{ n = 30, accept = 4, reject = 5, acept = 4 }")])
    refused(path, "plans.standard.rows[1].stages[1].acept", "unknown key")


def test_unknown_key_in_tare(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [("min_sample = 10\n", "min_sample = 10\nmin_samples = 12\n")])
    refused(path, "tare.min_samples", "unknown key")


@pytest.mark.parametrize(
    ("old", "new", "dotted", "problem"),
    [
        ("schema = 1\n", 'schema = "1"\n', "schema", "must be an integer"),
        ('jurisdiction = "CN"', "jurisdiction = 86", "jurisdiction", "must be a string"),
        (JJF_ROW_11, JJF_ROW_11.replace("lot_min = 11", 'lot_min = "11"'), "plans.standard.rows[1].lot_min", "must be an integer"),
        (JJF_ROW_11, JJF_ROW_11.replace("t2_allowed = 0", "t2_allowed = 0.5"), "plans.standard.rows[1].t2_allowed", "must be an integer"),
        (JJF_ROW_11, JJF_ROW_11.replace("t1_allowed = 0", "t1_allowed = true"), "plans.standard.rows[1].t1_allowed", "must be an integer"),
        (JJF_ROW_11, JJF_ROW_11.replace("n = 10", 'n = "ten"'), "plans.standard.rows[1].n", 'positive integer or "all"'),
        (JJF_BAND_200, JJF_BAND_200.replace("absolute = 9", 'absolute = "nine"'), "tne[0].bands[3].absolute", "not a number"),
        ('kinds = ["mass", "volume"]', 'kinds = "mass"', "tne[0].kinds", "must be an array of strings"),
        ('rounding = "half-even"', 'rounding = "bankers"', "tne[0].rounding", "must be one of"),
        ('defective_rule = "t1-only"', 'defective_rule = "t1"', "defective_rule", "must be one of"),
    ],
)
def test_wrong_type(tmp_path: Path, old: str, new: str, dotted: str, problem: str) -> None:
    refused(broken(tmp_path, "jjf1070-2005", [(old, new)]), dotted, problem)


@pytest.mark.parametrize(
    ("old", "new", "dotted"),
    [
        ('jurisdiction = "CN"\n', "", "jurisdiction"),
        ("schema = 1\n", "", "schema"),
        (JJF_ROW_11, JJF_ROW_11.replace(" t2_allowed = 0,", ""), "plans.standard.rows[1].t2_allowed"),
        (JJF_BAND_200, "{ upto = 300,   absolute = 9 }", "tne[0].bands[3].above"),
        ('rounding = "half-even"\n', "", "tne[0].rounding"),
    ],
)
def test_missing_key(tmp_path: Path, old: str, new: str, dotted: str) -> None:
    refused(broken(tmp_path, "jjf1070-2005", [(old, new)]), dotted, "missing")


def test_missing_standard_plan(tmp_path: Path) -> None:
    path = broken(tmp_path, "oiml-r87-2016", [("[plans.standard]", "[plans.usual]")])
    refused(path, "plans", "standard")


def test_gap_between_tne_bands(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_BAND_200, "{ above = 201,   upto = 300,   absolute = 9 }")])
    refused(path, "tne[0].bands[3].above", "gap")


def test_overlap_between_tne_bands(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_BAND_200, "{ above = 199,   upto = 300,   absolute = 9 }")])
    refused(path, "tne[0].bands[3].above", "overlap")


def test_gap_between_plan_rows(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_ROW_51, JJF_ROW_51.replace("lot_min = 51", "lot_min = 52"))])
    refused(path, "plans.standard.rows[2].lot_min", "gap")


def test_overlap_between_plan_rows(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_ROW_51, JJF_ROW_51.replace("lot_min = 51", "lot_min = 50"))])
    refused(path, "plans.standard.rows[2].lot_min", "overlap")


def test_gap_between_eu_rows(tmp_path: Path) -> None:
    path = broken(tmp_path, "eu-76-211", [("{ lot_min = 501,  lot_max = 3200,", "{ lot_min = 502,  lot_max = 3200,")])
    refused(path, "plans.standard.rows[2].lot_min", "gap")


def test_id_not_matching_the_file_name(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [], name="jjf1070-2023")
    message = refused(path, "id", "must equal the file name")
    assert "jjf1070-2023" in message and "jjf1070-2005" in message


def test_last_stage_must_decide(tmp_path: Path) -> None:
    path = broken(tmp_path, "eu-76-211", [(EU_STAGE_2, "{ n = 30, accept = 4, reject = 6 }")])
    refused(path, "plans.standard.rows[1].stages", "reject must be accept + 1")


def test_stage_accept_numbers_must_not_decrease(tmp_path: Path) -> None:
    path = broken(tmp_path, "eu-76-211", [(EU_STAGE_2, "{ n = 30, accept = 0, reject = 1 }")])
    refused(path, "plans.standard.rows[1].stages[1].accept", "must not decrease")


def test_percent_and_absolute_both_given(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_BAND_50, "{ above = 50, upto = 100, absolute = 4.5, percent = 4.5 }")])
    refused(path, "tne[0].bands[1].percent", "exactly one of percent and absolute")


def test_neither_percent_nor_absolute(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [(JJF_BAND_50, "{ above = 50, upto = 100 }")])
    refused(path, "tne[0].bands[1].percent", "exactly one of percent and absolute")


def test_kind_in_two_tables(tmp_path: Path) -> None:
    path = broken(tmp_path, "jjf1070-2005", [('kinds = ["area"]', 'kinds = ["area", "mass"]')])
    refused(path, "tne[2].kinds", "already has a table")


def test_nominal_min_outside_the_first_band(tmp_path: Path) -> None:
    path = broken(tmp_path, "eu-76-211", [("nominal_min = 5\n", "nominal_min = 60\n")])
    refused(path, "tne[0].nominal_min", "not inside the first band")


def test_not_toml_at_all(tmp_path: Path) -> None:
    path = tmp_path / "jjf1070-2005.toml"
    path.write_text("this is not [toml\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load_rule_set_file(path)
    assert str(path) in str(info.value)
    assert "not valid TOML" in str(info.value)


def test_empty_file_names_the_first_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    refused(path, "schema", "missing")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(RuleFileError) as info:
        load_rule_set_file(path)
    assert str(path) in str(info.value)
    assert "cannot read" in str(info.value)
