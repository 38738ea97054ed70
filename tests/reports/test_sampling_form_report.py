"""`fieldtool report sampling-form` as an inspector runs it on site: the real CLI (its `main`, in this process), before any weighing.

The form is read back from the PDF in Chinese and in English, field by field; the same data give
the same bytes; what cannot be printed is refused in one line.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldtool.infra import keys
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.sampling_form import record_environment, record_sampling_form, sampling_form_text
from tests.conftest import StepClock, cli_in_process
from tests.reports.conftest import INSTITUTE, page_texts, squash
from tests.sync.conftest import header

START = datetime(2025, 3, 14, 1, 30, tzinfo=UTC)  # 09:30 in China

FORM = {
    "form_no": "CY-2025-0042", "sampled_at": "2025-03-14 10:05", "place": "华联超市仓库 Storeroom 2",
    "samplers": "Wang Li、Li Na", "unit_name": "华联超市鼓楼店", "unit_address": "南京市鼓楼区中山路 88 号",
    "unit_kind": "retailer", "unit_contact": "Zhao Lei 025-8888-1234", "producer_name": "金谷粮油有限公司",
    "producer_address": "江苏省南京市江宁区工业路 8 号", "product_name": "东北大米", "brand": "金谷",
    "specification": "500 g", "batch": "B-0001", "production_date": "2025-02-01", "sample_count": "10",
    "sample_condition": "sealed, intact", "packaging": "plastic bag", "samples_to": "returned to the unit",
    "representative": "Zhao Lei", "notes": "no objection",
}


fieldtool = cli_in_process


def one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 2, result
    assert result.stderr.startswith("fieldtool: ") and text in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, str, str, str]:
    """A laptop's database (signed with this laptop's key) with two inspections opened, nothing weighed:
    the first with its sampling form, the second without; and a third, failed and finalised."""
    db = tmp_path / "fieldtool.db"
    clock = StepClock(START)
    key = keys.device_key()
    with SqliteStore.open(db, clock=clock, durable=False, signer=key) as store:
        services = Services(store, clock=clock, signer=key)
        store.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
        balance = store.add_balance(make="Sartorius", model="BSA", serial="S1", max_capacity="6200", d="0.1")
        lot = store.create_inspection(header(1, balance_id=balance.id)).id
        bare = store.create_inspection(header(2, balance_id=balance.id)).id
        typed = sampling_form_text(services, lot)
        record_sampling_form(services, lot, {**typed, **FORM, "samples_to": "kept"})
        record_sampling_form(services, lot, {**typed, **FORM})  # corrected on site: the latest counts
        assert not store.current_measurements(lot)
        # A third lot, sampled and weighed to a fail (every package 20 g short), finalised: it is in
        # the summary's list of failing lots with its producer.
        failed = store.create_inspection(header(3, balance_id=balance.id)).id
        record_sampling_form(services, failed, {**sampling_form_text(services, failed), **FORM, "form_no": "CY-3"})
        record_environment(services, failed, "21.5", "55")
        state = services.lot_state(failed)
        while not state.complete:
            _, state = services.record_weight(failed, "492.0 12.0")
        record_environment(services, failed, "22.5", "57")
        services.finalise(failed, "Wang Li")
    institute = tmp_path / "institute.toml"
    institute.write_text(INSTITUTE, encoding="utf-8")
    return db, lot, bare, failed


def test_the_form_is_printed_before_any_weighing_with_every_field_in_chinese_and_english(
    site: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    db, lot, _, _ = site
    texts = {}
    for lang in ("zh", "en", "both"):
        out = tmp_path / f"form-{lang}.pdf"
        result = fieldtool("report", "sampling-form", lot, "-o", str(out), "--db", str(db), "--lang", lang,
                           "--institute", str(tmp_path / "institute.toml"))
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"{out}: sampling form CY-2025-0042, ")
        texts[lang] = squash("".join(page_texts(out)))
    values = [v for k, v in FORM.items() if k not in ("samplers", "unit_kind")]
    for lang, text in texts.items():
        for value in [*values, "WangLi", "LiNa", "10", "FT-2012-NANJING-" + lot.replace("-", "")[:8].upper()]:
            assert squash(value) in text, (lang, value)
        assert "kept" not in text.replace("keptby", "")  # the first, corrected form is not what is printed
    zh, en = texts["zh"], texts["en"]
    for word in ("定量包装商品净含量抽样单", "抽样单编号", "抽样日期时间", "抽样地点", "抽样人员", "受检单位", "零售企业",
                 "联系人及电话", "标称生产者名称", "标称生产者地址", "产品名称", "商标", "规格型号", "批号", "生产日期",
                 "抽样基数", "抽样数量", "样品状态", "包装", "样品去向", "受检单位代表", "抽样单位（盖章）",
                 "受检单位（盖章）", "一式两份", "示例市计量检定测试所", "监督抽查"):
        assert word in zh, word
    for word in ("Samplingform", "FormNo.", "Sampledat", "Place", "Samplers", "Inspectedunit", "retailer",
                 "Contact", "Producer(aslabelled)", "Producer'saddress", "Product", "Brand", "Specification", "Batch",
                 "Productiondate", "Lotsize", "Samplestaken", "Condition", "Packaging", "Samplesgoto",
                 "fortheinspectedunit", "sampler1", "sampler2", "induplicate", "ExampleCityInstituteofMetrology"):
        assert word in en, word
    assert "抽样单" not in en and "Samplingform" in texts["both"] and "抽样单" in texts["both"]


def test_the_same_form_gives_the_same_bytes(site: tuple[Path, str, str, str], tmp_path: Path) -> None:
    db, lot, _, _ = site
    outs = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for out in outs:
        assert fieldtool("report", "sampling-form", lot, "-o", str(out), "--db", str(db)).returncode == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_what_cannot_be_printed_is_refused_in_one_line(site: tuple[Path, str, str, str], tmp_path: Path) -> None:
    db, _, bare, _ = site
    out = str(tmp_path / "x.pdf")
    one_line_error(fieldtool("report", "sampling-form", bare, "-o", out, "--db", str(db)),
                   f"inspection {bare} has no sampling form")
    one_line_error(fieldtool("report", "sampling-form", "no-such-id", "-o", out, "--db", str(db)),
                   "no inspection no-such-id")
    assert not Path(out).exists()


def test_the_lot_report_names_the_producer_the_form_and_the_environment(
    site: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    db, _, bare, failed = site
    texts = {}
    for lang in ("zh", "en"):
        out = tmp_path / f"lot-{lang}.pdf"
        result = fieldtool("report", "lot", failed, "--draft", "-o", str(out), "--db", str(db), "--lang", lang)
        assert result.returncode == 0, result.stderr
        texts[lang] = squash("".join(page_texts(out)))
    for value in ("金谷粮油有限公司", "江苏省南京市江宁区工业路8号", "CY-3", "2025-03-1410:05", "华联超市仓库Storeroom2", "ZhaoLei"):
        assert value in texts["zh"] and value in texts["en"], value
    assert "标称生产者" in texts["zh"] and "Producer(aslabelled)" in texts["en"]
    assert "WangLi、LiNa" in texts["zh"] and "WangLi,LiNa" in texts["en"]
    assert "21.5°C，55%RH（称量前，已称0件" in texts["zh"]
    assert "21.5°C,55%RH(beforeweighing,0weighed" in texts["en"] and "22.5°C,57%RH(afterweighing" in texts["en"]
    # A lot without a form or readings says so rather than leaving the lines out.
    out = tmp_path / "bare.pdf"
    assert fieldtool("report", "lot", bare, "--draft", "-o", str(out), "--db", str(db), "--lang", "en").returncode == 0
    bare_text = squash("".join(page_texts(out)))
    assert "notrecorded(nosamplingform)" in bare_text
    assert "Ambientconditions(temperature,relativehumidity):notrecorded." in bare_text


def test_the_summary_names_the_producer_of_a_failing_lot(site: tuple[Path, str, str, str], tmp_path: Path) -> None:
    db = site[0]
    out = tmp_path / "summary.pdf"
    result = fieldtool("report", "programme", "--city", "nanjing", "-o", str(out), "--db", str(db), "--lang", "both")
    assert result.returncode == 0, result.stderr
    text = squash("".join(page_texts(out)))
    assert "标称生产者：金谷粮油有限公司（江苏省南京市江宁区工业路8号）" in text
    assert "producer:金谷粮油有限公司(江苏省南京市江宁区工业路8号)" in text
