"""What makes a report issuable (issue 13): the issuing body, inspection type and task, conclusions, signatures, statements.

The lot report and the programme summary are made as a supervisor makes them (the CLI's `main`,
with ``--institute FILE``) and read back in Chinese and in English; the summary is
made twice on different days and compared byte for byte; the numbers are checked at the
balance's resolution (d = 0.1 g, 0.01 g, 1 g, and a lot in kg).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.inspection import Balance, Measurement
from fieldtool.core.quantity import unit
from fieldtool.core.resolution import resolution_for
from fieldtool.errors import FieldtoolError, InputError
from fieldtool.infra.institute import DEFAULT_STATEMENTS_EN, DEFAULT_STATEMENTS_ZH, find_institute, load_institute
from fieldtool.plans.programme import load_programme, load_programme_file
from fieldtool.reports.lot_words import derived, plural, register_number, rounded, rule_basis, shown
from fieldtool.reports.summary import render_programme_summary
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.summary import programme_summary_data
from tests.conftest import cli_in_process
from tests.reports.conftest import INSTITUTE, DemoLots, page_texts, squash

fieldtool = cli_in_process


@pytest.fixture(scope="module")
def institute_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("institute") / "institute.toml"
    path.write_text(INSTITUTE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lot_pdfs(demo_lots: DemoLots, institute_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The failed lot's report in zh, en and both with the institute, and in both without: page texts joined, squashed."""
    out = tmp_path_factory.mktemp("issued")
    texts: dict[str, str] = {}
    for name, extra in (("zh", ["--lang", "zh"]), ("en", ["--lang", "en"]), ("both", []), ("none", [])):
        pdf = out / f"{name}.pdf"
        institute = [] if name == "none" else ["--institute", str(institute_file)]
        result = fieldtool("report", "lot", demo_lots.failed, "-o", str(pdf), "--db", str(demo_lots.db),
                           *institute, *extra)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        texts[name] = squash("".join(page_texts(pdf)))
        texts[f"{name}-page1"] = squash(page_texts(pdf)[0])
    return texts


# -- the issuing body -----------------------------------------------------------------------------


def test_the_issuing_body_is_on_page_one_in_each_language(lot_pdfs: dict[str, str]) -> None:
    zh, en, both = lot_pdfs["zh-page1"], lot_pdfs["en-page1"], lot_pdfs["both-page1"]
    for text in ("示例市计量检定测试所", "示例市计量路1号", "CMA证书编号:210000000001", "电话:010-12345678"):
        assert text in zh, text
    for text in ("ExampleCityInstituteofMetrology", "1MetrologyRoad,ExampleCity", "CMAcertificateNo.:210000000001",
                 "Tel.:010-12345678"):
        assert text in en, text
    for text in ("示例市计量检定测试所", "ExampleCityInstituteofMetrology", "示例市计量路1号/1MetrologyRoad",
                 "CMA证书编号certificateNo.:210000000001", "电话Tel.:010-12345678"):
        assert text in both, text
    assert "示例市" not in en and "ExampleCity" not in zh


def test_without_an_institute_the_report_says_so_and_invents_none(lot_pdfs: dict[str, str]) -> None:
    page1 = lot_pdfs["none-page1"]
    assert "检验机构未配置" in page1 and "Issuingbodynotconfigured" in page1
    assert "示例市" not in lot_pdfs["none"]
    assert "检验机构未配置" not in lot_pdfs["both"]


def test_the_four_standard_statements_and_the_seal(lot_pdfs: dict[str, str]) -> None:
    for s in DEFAULT_STATEMENTS_ZH:
        assert squash(s) in lot_pdfs["zh"] and squash(s) in lot_pdfs["none"], s
    for s in DEFAULT_STATEMENTS_EN:
        assert squash(s) in lot_pdfs["en"], s
    assert "（检验检测专用章）" in lot_pdfs["zh"] and "(inspectionseal)" in lot_pdfs["en"]


def test_inspection_type_and_task_source_from_the_programme(lot_pdfs: dict[str, str]) -> None:
    assert "检验类别监督抽查" in lot_pdfs["zh-page1"] and "任务来源未记录" in lot_pdfs["zh-page1"]
    assert "InspectiontypesupervisioncheckTasksourcenotrecorded" in lot_pdfs["en-page1"]


def test_the_conclusion_is_a_sentence_naming_its_basis(lot_pdfs: dict[str, str], demo_lots: DemoLots) -> None:
    zh, en = lot_pdfs["zh"], lot_pdfs["en"]
    assert "经检验，该批" in zh and "净含量不符合JJF1070-2005的要求，判定为不合格。" in zh
    assert "doesnotmeettherequirementsofJJF1070-2005:itfails." in en


def test_signatures_with_reviewer_approver_and_issue_date_on_the_page_of_the_verdict(demo_lots: DemoLots,
                                                                                     institute_file: Path,
                                                                                     tmp_path: Path) -> None:
    pdf = tmp_path / "both.pdf"
    assert fieldtool("report", "lot", demo_lots.failed, "-o", str(pdf), "--db", str(demo_lots.db),
                     "--institute", str(institute_file)).returncode == 0
    pages = [squash(p) for p in page_texts(pdf)]
    verdict = [i for i, p in enumerate(pages) if "检验结论：" in p]
    assert len(verdict) == 1
    page = pages[verdict[0]]
    for text in ("审核", "reviewedby", "批准（授权签字人）", "approvedby(authorisedsignatory)", "签发日期", "dateofissue",
                 "受检单位代表", "检验人员1"):
        assert text in page, text


def test_names_in_words_not_codes(lot_pdfs: dict[str, str], services: Services, demo_lots: DemoLots) -> None:
    both = lot_pdfs["both"]
    h = services.store.inspection(demo_lots.failed).header
    assert "λ（JJF1070-2005，n=" in both and "jjf1070-2005" not in both
    assert "常规抽样方案" in both and "standardplan" in both and "standard;" not in both
    assert h.balance_id is not None
    balance = services.store.balance(h.balance_id)
    assert squash(register_number(balance)) in both and balance.id not in both


# -- the institute file ---------------------------------------------------------------------------


def test_institute_file_defaults_and_refusals(tmp_path: Path) -> None:
    path = tmp_path / "institute.toml"
    path.write_text('name_zh = "某所"\nname_en = "An Institute"\n', encoding="utf-8")
    found = load_institute(path)
    assert found.statements_zh == DEFAULT_STATEMENTS_ZH and found.cma_certificate == ""
    assert find_institute(None) is None  # nothing in the (isolated) config directory
    cases = {
        'name_zh = "某所"\nname_en = "X"\ncolour = "red"\n': "unknown key 'colour'",
        'name_en = "X"\n': "name_zh is missing",
        'name_zh = "某所"\nname_en = "X"\ntelephone = 123\n': "telephone must be a string",
        'name_zh = "某所"\nname_en = "X"\nstatements_zh = ["一"]\n': "together",
        'name_zh = "某所"\nname_en = "X"\nstatements_zh = ["一"]\nstatements_en = ["a", "b"]\n': "as many",
        "name_zh = [": "not valid TOML",
    }
    for text, message in cases.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message) as exc:
            load_institute(path)
        assert str(path) in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(InputError, match="institute file"):
        find_institute(tmp_path / "missing.toml")


def test_a_bad_institute_file_is_one_line_from_the_cli(demo_lots: DemoLots, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name_zh = "某所"\n', encoding="utf-8")
    result = fieldtool("report", "lot", demo_lots.failed, "-o", str(tmp_path / "x.pdf"), "--db", str(demo_lots.db),
                       "--institute", str(bad))
    assert result.returncode == 2 and "name_en is missing" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.pdf").exists()


def test_programme_inspection_type_default_and_refusal(tmp_path: Path) -> None:
    shipped = load_programme("cn-2012-net-content")
    assert shipped.inspection_type.words == ("监督抽查", "supervision check") and shipped.task_source == ""
    text = Path(shipped.path).read_text(encoding="utf-8")
    copy = tmp_path / "cn-2012-net-content.toml"
    copy.write_text(text.replace('inspection_type = "supervision"', 'inspection_type = "arbitration"')
                    .replace('task_source = ""', 'task_source = "市监函〔2012〕1号"'), encoding="utf-8")
    changed = load_programme_file(copy)
    assert changed.inspection_type.words[0] == "仲裁检验" and changed.task_source == "市监函〔2012〕1号"
    copy.write_text(text.replace('inspection_type = "supervision"', 'inspection_type = "random"'), encoding="utf-8")
    with pytest.raises(FieldtoolError, match="inspection_type") as exc:
        load_programme_file(copy)
    assert "supervision, commission, arbitration" in str(exc.value)


# -- numbers and words ----------------------------------------------------------------------------


def test_values_at_the_balance_resolution() -> None:
    # A record keeps every digit it has; zeros beyond the resolution go.
    assert shown(Decimal("21.9300"), 1, "g") == "21.93 g"
    assert shown(Decimal("536.6"), 1, "g") == "536.6 g"
    assert shown(Decimal("536.6"), 2) == "536.60"
    assert shown(Decimal(500), 0, "g") == "500 g"
    assert shown(Decimal("1.8"), 5, "L") == "1.80000 L"
    # Derived values one digit finer, half-even.
    assert rounded(Decimal("1.88893928"), 2, "L") == "1.89 L"
    assert rounded(Decimal("496.98625"), 2) == "496.99"
    assert rounded(Decimal("0.125"), 2) == "0.12"
    assert rounded(Decimal("-0.02655"), 4) == "−0.0266"
    # Limits: as they are when short enough, else rounded.
    assert derived(Decimal("3.904875"), 2, "g") == "3.90 g"
    assert derived(Decimal("15.0"), 2, "g") == "15 g"
    assert derived(Decimal(150), 1) == "150"


def _balance(d: str, u: str = "g") -> Balance:
    return Balance(id="8d2baba5-e067-4510-8670-00d59422fd38", make="M", model="X", serial="1", unit=u,
                   max_capacity=Decimal(6200), d=Decimal(d), e=None, accuracy_class="II", mpe=None, certificate="",
                   calibration_due=None, connection=None, added_at=datetime(2012, 1, 1, tzinfo=UTC))


def _measured(net: str, gross: str, tare: str, u: str) -> Measurement:
    m = Measurement.__new__(Measurement)
    object.__setattr__(m, "net", Decimal(net))
    object.__setattr__(m, "gross", Decimal(gross))
    object.__setattr__(m, "tare", Decimal(tare))
    object.__setattr__(m, "unit", u)
    return m


@pytest.mark.parametrize(("d", "lot", "weighing", "net", "mean"), [
    ("0.1", "g", 1, 1, 2),
    ("0.01", "g", 2, 2, 3),
    ("1", "g", 0, 0, 1),
    ("0.1", "kg", 4, 4, 5),  # 0.1 g is 0.0001 kg
])
def test_the_resolution_follows_the_balance(d: str, lot: str, weighing: int, net: int, mean: int) -> None:
    packages = (_measured("0.5", "0.53", "0.03", lot),) if lot == "kg" else (_measured("500", "530", "30", lot),)
    res = resolution_for(_balance(d), unit(lot), unit(lot), packages)
    assert (res.weighing, res.net, res.mean) == (weighing, net, mean)
    # A volume lot: the nets as computed (0.01 mL), weighing at d.
    vol = resolution_for(_balance(d), unit("L"), unit("g"), (_measured("1.79976", "1694.8", "48.92", "L"),))
    assert vol.net == 5 and vol.mean == 6 and vol.weighing == max(0, -Decimal(d).as_tuple().exponent)


def test_plurals_and_the_basis_of_judgement() -> None:
    assert plural(1, "package") == "1 package" and plural(2, "package") == "2 packages"
    assert plural(0, "lot") == "0 lots"
    rules = load_programme("cn-2012-net-content").rule_set
    from fieldtool.plans.rules import load_rule_set

    assert rule_basis(load_rule_set(rules)) == ("JJF 1070-2005", "JJF 1070-2005")
    assert register_number(_balance("0.1")) == "B-8D2BABA5"


def test_the_lot_report_prints_means_one_digit_finer_than_the_nets(lot_pdfs: dict[str, str], services: Services,
                                                                  demo_lots: DemoLots) -> None:
    from fieldtool.usecases.lot_report import lot_report_data

    data = lot_report_data(services, demo_lots.failed)
    assert data.statistics is not None
    s = data.statistics.stats
    assert s.places == data.resolution.net + 1
    exact = Decimal(s.mean_exact.numerator) / Decimal(s.mean_exact.denominator)
    assert s.mean == exact.quantize(Decimal(1).scaleb(-s.places))
    assert squash(f"{s.mean} {data.unit.symbol}") in lot_pdfs["both"]
    assert squash(f"{exact} {data.unit.symbol}") not in lot_pdfs["both"] or exact == s.mean


# -- deterministic summary ------------------------------------------------------------------------


def test_the_summary_is_the_same_file_on_any_day(demo_lots: DemoLots, tmp_path: Path, institute_file: Path) -> None:
    institute = load_institute(institute_file)
    files = []
    with SqliteStore.open(demo_lots.db) as store:
        for day in (datetime(2012, 11, 5, 1, tzinfo=UTC), datetime(2031, 2, 7, 23, tzinfo=UTC)):
            services = Services(store, clock=lambda day=day: day)
            data = programme_summary_data(services, "cn-2012-net-content", institute=institute)
            path = tmp_path / f"{day:%Y}.pdf"
            render_programme_summary(data, path)
            files.append(path.read_bytes())
    assert files[0] == files[1]
    text = squash("".join(page_texts(tmp_path / "2012.pdf")))
    assert "示例市计量检定测试所" in text and "CMA证书编号certificateNo.:210000000001" in text
    assert "检验类别/Inspectiontype监督抽查/supervisioncheck" in text
    assert "(UTC+8)" in text and "UTC" not in text.replace("UTC+8", "")
    assert "cn-2012-net-content(" not in text and "2012年定量包装商品净含量计量监督专项检查" in text
    for s in DEFAULT_STATEMENTS_ZH:
        assert squash(s) in text


def test_report_programme_date_option(demo_lots: DemoLots, tmp_path: Path) -> None:
    out = tmp_path / "s.pdf"
    result = fieldtool("report", "programme", "--city", "beijing", "--date", "2012-12-31", "-o", str(out),
                       "--db", str(demo_lots.db), "--lang", "en")
    assert result.returncode == 0, result.stderr
    first = squash(page_texts(out)[0])
    assert "DateofreportDateofreport" not in first and "2012-12-31" in first and "-20121231-" in first
    assert "Issuingbodynotconfigured" in first
    bad = fieldtool("report", "programme", "--date", "31/12/2012", "-o", str(out), "--db", str(demo_lots.db))
    assert bad.returncode == 2 and "--date" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_the_date_defaults_to_the_last_finalisation_in_china_time(services: Services) -> None:
    data = programme_summary_data(services, "cn-2012-net-content")
    from fieldtool.core.chinatime import CHINA_TIME

    assert data.generated_on == data.last_finalised.astimezone(CHINA_TIME).date()
    asked = programme_summary_data(services, "cn-2012-net-content", on=date(2013, 1, 2))
    assert asked.report_no == data.report_no.replace(f"{data.generated_on:%Y%m%d}", "20130102")
    assert replace(asked, generated_on=data.generated_on, report_no=data.report_no) == data


# -- issued or not: the review and approval records ---------------------------------------------------


def test_a_report_is_not_issued_until_approved_then_names_its_signatories_and_a_correction_revises_it(
    demo_lots: DemoLots, institute_file: Path, tmp_path: Path
) -> None:
    import shutil

    from fieldtool.usecases.review import approve, correct_header, review

    db = tmp_path / "signoff.db"
    shutil.copy(demo_lots.db, db)
    lot = demo_lots.failed

    def report(name: str) -> list[str]:
        pdf = tmp_path / f"{name}.pdf"
        result = fieldtool("report", "lot", lot, "-o", str(pdf), "--db", str(db), "--institute", str(institute_file))
        assert result.returncode == 0, result.stderr
        return [squash(page) for page in page_texts(pdf)]

    pages = report("final")
    assert all("未签发" in page and "NOTISSUED" in page for page in pages), "every page of a final, unapproved report"
    import re

    base = re.search(r"报告编号(?:/ReportNo\.)?[:：](FT-\d{4}-[A-Z]+-[0-9A-F]{8})", pages[0])
    assert base is not None, pages[0][:300]
    with SqliteStore.open(db) as store:
        review(store, lot, "赵敏", title="技术负责人")
        approve(store, lot, "钱学森", title="授权签字人")
    pages = report("issued")
    text = "".join(pages)
    assert not any("未签发" in page for page in pages)
    assert "赵敏" in text and "钱学森" in text
    with SqliteStore.open(db) as store:
        issued_on = store.sign_off_records(lot)[-1].recorded_at[:10]
        correct_header(store, lot, {"site_name": "华盛食品（更正）有限公司"}, "营业执照上的名称", "赵敏")
    assert issued_on[:4] in text
    pages = report("revised")
    text = "".join(pages)
    assert all("未签发" in page for page in pages), "a revision must be signed off again"
    assert "华盛食品（更正）有限公司" in text and "第1版" in text and "revision1" in text
    assert f"{base.group(1)}-R1" in text and f"替代报告{base.group(1)}（" in text
