"""The label check (净含量标注) in the reports: the lot report shows the label section and both conclusions
in Chinese and in English (made with the CLI, as a supervisor makes it); the programme summary gives
the label pass rate and the net-content pass rate apart."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldtool.reports.summary import render_programme_summary
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.label_check import record_label_check
from fieldtool.usecases.summary import programme_summary_data
from tests.conftest import PYTHON, StepClock, run_cli_env
from tests.reports.conftest import page_texts, squash
from tests.sync.conftest import header

START = datetime(2012, 10, 8, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def lots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Three finalised lots of 500 g rice: label passed, label failed (1000克-style unit and height), unchecked."""
    db = tmp_path_factory.mktemp("label-report") / "lots.db"
    clock = StepClock(START)
    ids: list[str] = []
    with SqliteStore.open(db, clock=clock, durable=False) as store:
        store.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
        services = Services(store, clock=clock)
        for n, label in ((1, ("净含量：500克", "4.2")), (2, ("净含量：0.5kg", "3.5")), (3, None)):
            lot = store.create_inspection(header(n)).id
            if label is not None:
                record_label_check(services, lot, text=label[0], height_mm=label[1], by_name="Wang Li",
                                   photo=f"IMG_{n:04d}.jpg")
            store.record_tare(lot, "12.3", services.lot_state(lot).tare.method, position=1)
            while not services.lot_state(lot).complete:
                store.record_measurement(lot, "512.9")
            services.finalise(lot, "Wang Li")
            ids.append(lot)
    return db, ids


def _report(db: Path, lot: str, out: Path, lang: str) -> str:
    pdf = out / f"{lot[:8]}-{lang}.pdf"
    result = subprocess.run([PYTHON, "-m", "fieldtool", "report", "lot", lot, "-o", str(pdf), "--db", str(db),
                             "--lang", lang], check=False, capture_output=True, text=True, env=run_cli_env(),
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return squash("".join(page_texts(pdf)))


def test_a_passing_label_and_its_conclusion_in_both_languages(lots: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, ids = lots
    zh, en = _report(db, ids[0], tmp_path, "zh"), _report(db, ids[0], tmp_path, "en")
    assert "净含量标注检查" in zh and squash("“净含量：500克”") in zh and "4.2mm" in zh and "IMG_0001.jpg" in zh
    assert squash("的净含量标注（“净含量：500克”）符合《定量包装商品计量监督管理办法》（国家市场监督管理总局令第70号）的要求，判定为合格。") in zh
    assert squash("净含量符合 JJF 1070-2005 的要求，判定为合格。") in zh
    assert "附表1" in zh and "附表2" in zh  # the rules cited
    assert "Net-contentlabelcheck" in en
    assert squash("meets the requirements of SAMR Order 70 (2023): it passes.") in en
    assert squash("the net quantity of the lot of") in en


def test_a_failing_label_lists_its_failed_elements(lots: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, ids = lots
    zh, en = _report(db, ids[1], tmp_path, "zh"), _report(db, ids[1], tmp_path, "en")
    assert squash("不符合《定量包装商品计量监督管理办法》（国家市场监督管理总局令第70号）的要求，判定为不合格。") in zh
    assert squash("0.5 kg 应以 g 标注（500 g）") in zh and squash("字符高度 3.5 mm，低于 4 mm") in zh
    assert "净含量标注结论:不合格" in zh or "净含量标注结论：不合格" in zh
    assert squash("0.5 kg must be stated in g (500 g)") in en and squash("below the 4 mm required") in en
    assert squash("does not meet the requirements of SAMR Order 70 (2023): it fails.") in en
    # the net quantity is judged apart: it passes
    assert squash("净含量符合 JJF 1070-2005 的要求，判定为合格。") in zh


def test_an_unchecked_label_is_said_to_be_unchecked(lots: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, ids = lots
    zh = _report(db, ids[2], tmp_path, "zh")
    assert squash("净含量标注未检查，尚不能判定。") in zh


def test_the_summary_gives_both_pass_rates(lots: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, _ = lots
    with SqliteStore.open(db) as store:
        data = programme_summary_data(Services(store), "cn-2012-net-content")
    assert (data.totals.lots, data.totals.passed) == (3, 3)
    assert (data.labels.lots, data.labels.passed, data.labels.failed, data.labels_unchecked) == (2, 1, 1, 1)
    path = tmp_path / "summary.pdf"
    render_programme_summary(data, path)
    text = squash("".join(page_texts(path)))
    # the net-content pass rate first, then the label's, apart
    assert squash("共检验 3 批，合格 3 批，不合格 0 批，合格率 100.0%。净含量标注合格率 50.0%（检查 2 批，不合格 1 批，"
                  "未检查 1 批）。") in text, text[:3000]
    assert squash("3 lots inspected, 3 passed, 0 failed: pass rate 100.0%. Label pass rate 50.0% (2 checked, 1 failed; "
                  "1 not checked).") in text
