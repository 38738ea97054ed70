"""Tests of the programme summary PDF (`fieldtool.reports.summary`), read back from real files.

The small demo database of the report tests (`demo_lots` in tests/reports/conftest.py: three
cities, one lot per city and product, some failed) is built once for the session. Every figure the PDF shows is checked against what the test
reads from the database itself, not against `SummaryData`.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from fieldtool.core.chinatime import CHINA_TIME
from fieldtool.core.evaluate import Outcome, Status
from fieldtool.core.inspection import Inspection, StoredVerdict
from fieldtool.errors import FieldtoolError, InputError
from fieldtool.reports.summary import render_programme_summary
from fieldtool.reports.summary_model import Cell, Counts, SummaryData
from fieldtool.storage import SqliteStore
from fieldtool.usecases.demo import PROGRAMME_ID
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.summary import programme_summary_data

pypdf = pytest.importorskip("pypdf")

TODAY = datetime(2012, 11, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
def services(demo_lots: Any) -> Iterator[Services]:
    """Services over the shared demo database (tests/reports/conftest.py), with a fixed 'today'."""
    with SqliteStore.open(demo_lots.db) as store:
        yield Services(store, clock=lambda: TODAY)


@dataclass(frozen=True)
class Lot:
    """A finalised inspection and its saved verdict, read from the database by the test."""

    inspection: Inspection
    verdict: StoredVerdict

    @property
    def failed(self) -> bool:
        return self.verdict.outcome is Outcome.FAIL

    @property
    def day(self) -> date:
        return self.inspection.created_at.astimezone(CHINA_TIME).date()


def db_lots(services: Services) -> list[Lot]:
    found = []
    for i in services.store.inspections(programme_id=PROGRAMME_ID, final=True):
        v = services.store.latest_verdict(i.id)
        assert v is not None
        found.append(Lot(i, v))
    return found


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def render(services: Services, path: Path, lang: str = "both", **filters: object) -> tuple[int, list[str]]:
    data = programme_summary_data(services, PROGRAMME_ID, **filters)  # type: ignore[arg-type]
    pages = render_programme_summary(data, path, lang=lang)
    return pages, pdf_pages(path)


def headline(pages: list[str]) -> tuple[int, int, int, str]:
    found = re.search(r"(\d+) lots inspected, (\d+) passed, (\d+) failed: pass rate ([\d.]+%|—)", pages[0])
    assert found, pages[0]
    return int(found[1]), int(found[2]), int(found[3]), found[4]


def matrix_rows(pages: list[str], labels: list[str], width: int) -> dict[str, list[str]]:
    """The figures after each city's label on the matrix page: lots, failed, rate per product, then the city's."""
    page = next(p for p in pages if "Results by city and kind of goods" in p)
    lines = [line.strip() for line in page.splitlines()]
    rows = {}
    for label in labels:
        k = lines.index(label)
        rows[label] = lines[k + 1 : k + 1 + width]
    return rows


# -- counts ----------------------------------------------------------------------------------------


def test_the_counts_in_the_pdf_are_those_of_the_database(services: Services, tmp_path: Path) -> None:
    lots = db_lots(services)
    failed = sum(lot.failed for lot in lots)
    assert failed > 0
    _, pages = render(services, tmp_path / "summary.pdf")
    rate = f"{(len(lots) - failed) / len(lots) * 100:.1f}%"
    assert headline(pages) == (len(lots), len(lots) - failed, failed, rate)
    assert f"共检验 {len(lots)} 批，合格 {len(lots) - failed} 批，不合格 {failed} 批，合格率 {rate}。" in pages[0]

    programme = services.programme(PROGRAMME_ID)
    labels = {c.id: f"{c.name_zh} {c.name_en}" for c in programme.cities}
    rows = matrix_rows(pages, list(labels.values()), 3 * (len(programme.products) + 1))
    for city in programme.cities:
        row = rows[labels[city.id]]
        for k, product in enumerate(programme.products):
            cell = [lot for lot in lots if (lot.inspection.header.city_id, lot.inspection.header.product_id) == (city.id, product.id)]
            bad = sum(lot.failed for lot in cell)
            lots_text, failed_text, rate_text = row[3 * k : 3 * k + 3]
            assert int(lots_text) == len(cell), (city.id, product.id)
            assert failed_text == (f"▲{bad}" if bad else "0" if cell else "—"), (city.id, product.id)
            if cell:
                assert float(rate_text) == pytest.approx((len(cell) - bad) / len(cell) * 100, abs=0.05)
            else:
                assert rate_text == "—"
        in_city = [lot for lot in lots if lot.inspection.header.city_id == city.id]
        assert int(row[-3]) == len(in_city)


def test_the_months_add_up(services: Services, tmp_path: Path) -> None:
    lots = db_lots(services)
    _, pages = render(services, tmp_path / "summary.pdf")
    lines = [line.strip() for line in pages[0].splitlines()]
    months = sorted({(lot.day.year, lot.day.month) for lot in lots})
    for y, m in months:
        k = lines.index(f"{y:04d}-{m:02d}")
        in_month = [lot for lot in lots if (lot.day.year, lot.day.month) == (y, m)]
        bad = sum(lot.failed for lot in in_month)
        assert lines[k + 1 : k + 4] == [str(len(in_month)), str(len(in_month) - bad), f"▲ {bad}" if bad else "0"]


# -- failing lots ----------------------------------------------------------------------------------


def test_every_failing_lot_is_listed_with_site_brand_batch_and_criterion(services: Services, tmp_path: Path) -> None:
    failing = [lot for lot in db_lots(services) if lot.failed]
    _, pages = render(services, tmp_path / "summary.pdf")
    start = next(k for k, p in enumerate(pages) if "Lots that failed" in p)
    end = next(k for k, p in enumerate(pages) if "Methodology" in p)
    listed = squash("".join(pages[start : end + 1]))
    assert f"共{len(failing)}批" in listed
    for lot in failing:
        h = lot.inspection.header
        for text in (h.site_name, h.brand, h.batch, lot.inspection.id[:8], f"{h.nominal}{h.unit}", f"N={h.lot_size}"):
            assert squash(text) in listed, (lot.inspection.id, text)
        for criterion in lot.verdict.criteria:
            if criterion.status is Status.FAIL:
                # The criterion as saved: its observed value and limit, in the wording of both languages.
                assert squash(f"{criterion.observed}") in listed
                assert squash(f"{criterion.limit}") in listed
                english = {"mean": "is below the limit", "t2": "short by more than 2T", "defectives": "more than the"}
                assert squash(english[criterion.code.value]) in listed


# -- languages, pages, determinism -----------------------------------------------------------------


def test_chinese_and_english_are_extractable(services: Services, tmp_path: Path) -> None:
    _, pages = render(services, tmp_path / "summary.pdf")
    text = "\n".join(pages)
    for word in ("城市", "商品", "City", "合格率", "pass rate", "不合格批次清单", "Lots that failed", "方法说明", "Methodology"):
        assert word in text
    programme = services.programme(PROGRAMME_ID)
    for city in programme.cities:
        assert f"{city.name_zh} {city.name_en}" in text
    for product in programme.products:
        assert product.name_zh in text and product.name_en in text


def test_one_language_only(services: Services, tmp_path: Path) -> None:
    _, zh = render(services, tmp_path / "zh.pdf", lang="zh")
    text = "\n".join(zh)
    assert "城市" in text and "第 1 页 共" in text and "page 1 of" not in text and "Methodology" not in text
    _, en = render(services, tmp_path / "en.pdf", lang="en")
    text = "\n".join(en)
    assert "Methodology" in text and "page 1 of" in text and "方法说明" not in text and "第 1 页" not in text
    _, both = render(services, tmp_path / "both.pdf")
    assert headline(en) == headline(both)
    assert re.search(r"共检验 \d+ 批", text) is None and re.search(r"共检验 \d+ 批", "\n".join(zh))


def test_page_numbers(services: Services, tmp_path: Path) -> None:
    count, pages = render(services, tmp_path / "summary.pdf")
    assert count == len(pages) >= 6
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页 共 {count} 页" in text
        assert f"page {number} of {count}" in text


def test_the_report_number_is_on_every_page(services: Services, tmp_path: Path) -> None:
    data = programme_summary_data(services, PROGRAMME_ID)
    render_programme_summary(data, tmp_path / "summary.pdf")
    assert all(data.report_no in page for page in pdf_pages(tmp_path / "summary.pdf"))


def test_two_runs_are_byte_identical(services: Services, tmp_path: Path) -> None:
    render(services, tmp_path / "a.pdf")
    render(services, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


# -- filters ---------------------------------------------------------------------------------------


def test_city_and_product_filters_change_the_counts(services: Services, tmp_path: Path) -> None:
    lots = db_lots(services)
    city = next(lot.inspection.header.city_id for lot in lots if lot.failed)
    in_city = [lot for lot in lots if lot.inspection.header.city_id == city]
    bad = sum(lot.failed for lot in in_city)
    _, pages = render(services, tmp_path / "city.pdf", cities=[city])
    assert headline(pages)[:3] == (len(in_city), len(in_city) - bad, bad)
    others = {lot.inspection.header.city_id for lot in lots} - {city}
    for other in others:
        assert services.programme(PROGRAMME_ID).city(str(other)).name_en not in "\n".join(pages)

    product = next(lot.inspection.header.product_id for lot in lots if lot.failed)
    of_product = [lot for lot in lots if lot.inspection.header.product_id == product]
    bad = sum(lot.failed for lot in of_product)
    _, pages = render(services, tmp_path / "product.pdf", products=[product])
    assert headline(pages)[:3] == (len(of_product), len(of_product) - bad, bad)


def test_date_filters_change_the_counts(services: Services, tmp_path: Path) -> None:
    lots = db_lots(services)
    days = sorted(lot.day for lot in lots)
    since, until = days[len(days) // 4], days[3 * len(days) // 4]
    inside = [lot for lot in lots if since <= lot.day <= until]
    bad = sum(lot.failed for lot in inside)
    assert 0 < len(inside) < len(lots)
    _, pages = render(services, tmp_path / "dates.pdf", since=since, until=until)
    assert headline(pages)[:3] == (len(inside), len(inside) - bad, bad)
    assert f"selected {since.isoformat()} to {until.isoformat()}" in pages[0]


# -- errors ----------------------------------------------------------------------------------------


def test_bad_language_and_unwritable_path_are_one_line_errors(services: Services, tmp_path: Path) -> None:
    data = programme_summary_data(services, PROGRAMME_ID)
    with pytest.raises(InputError, match="language") as lang:
        render_programme_summary(data, tmp_path / "x.pdf", lang="fr")
    with pytest.raises(InputError, match="cannot write") as path:
        render_programme_summary(data, tmp_path / "no" / "such" / "dir" / "x.pdf")
    with pytest.raises(FieldtoolError, match="font") as font:
        render_programme_summary(data, tmp_path / "x.pdf", font=tmp_path / "missing.ttf")
    for exc in (lang, path, font):
        assert "\n" not in str(exc.value)
    assert not (tmp_path / "x.pdf").exists()


def test_an_existing_pdf_is_replaced(services: Services, tmp_path: Path) -> None:
    target = tmp_path / "summary.pdf"
    target.write_bytes(b"old")
    render(services, target)
    assert target.read_bytes().startswith(b"%PDF") and [p.name for p in tmp_path.iterdir()] == ["summary.pdf"]


# -- the whole programme's layout ------------------------------------------------------------------


def whole_programme(data: SummaryData) -> SummaryData:
    """The small demo's figures spread over every city and product, with many failing lots (no minute-long build)."""
    cells = {
        (c.id, p.id): Cell(3, Counts(3, (i * 7 + j * 3) % 5 == 0))
        for i, c in enumerate(data.programme.cities) for j, p in enumerate(data.programme.products)
    }
    by_city = {c.id: Counts(sum(cells[(c.id, p.id)].counts.lots for p in data.programme.products),
                            sum(cells[(c.id, p.id)].counts.failed for p in data.programme.products))
               for c in data.programme.cities}
    by_product = {p.id: Counts(sum(cells[(c.id, p.id)].counts.lots for c in data.programme.cities),
                               sum(cells[(c.id, p.id)].counts.failed for c in data.programme.cities))
                  for p in data.programme.products}
    failing = tuple(dataclasses.replace(f, inspection_id=f"{k:08d}-{f.inspection_id[9:]}")
                    for k, f in enumerate(data.failing * 20))
    deviations = tuple(dataclasses.replace(d, values=d.values * 30, failed=d.failed * 30) for d in data.deviations)
    return dataclasses.replace(data, cities=data.programme.cities, cells=cells, by_city=by_city,
                               by_product=by_product, failing=failing, deviations=deviations,
                               totals=Counts(900, sum(c.failed for c in by_city.values())))


def test_the_whole_programme_fits_and_stays_fast(services: Services, tmp_path: Path) -> None:
    data = whole_programme(programme_summary_data(services, PROGRAMME_ID))
    started = time.perf_counter()
    count = render_programme_summary(data, tmp_path / "whole.pdf")
    elapsed = time.perf_counter() - started
    pages = pdf_pages(tmp_path / "whole.pdf")
    assert count == len(pages)
    # The matrix of 30 cities × 10 products is one landscape page, with its totals row.
    matrix = [p for p in pages if "Results by city and kind of goods" in p]
    assert len(matrix) == 1
    for city in data.programme.cities:
        assert f"{city.name_zh} {city.name_en}" in matrix[0]
    assert "合计 All cities" in matrix[0]
    # The list of failing lots runs over several pages, its header repeated on each.
    listing = [p for p in pages if "Failed criterion" in p]
    assert len(listing) >= 3 and all("受检单位" in p for p in listing)
    assert squash(data.failing[-1].inspection_id[:8]) in squash("".join(listing))
    assert elapsed < 15, f"{elapsed:.1f} s for the whole programme's layout"


def test_data_as_of_and_period_on_the_title_page(services: Services, tmp_path: Path) -> None:
    lots = db_lots(services)
    _, pages = render(services, tmp_path / "summary.pdf")
    first, last = min(lot.day for lot in lots), max(lot.day for lot in lots)
    assert f"{first.isoformat()} – {last.isoformat()}" in pages[0]
    latest = max(lot.inspection.finalised_at for lot in lots if lot.inspection.finalised_at)
    # Dated from the data, not from the clock: the day (UTC+8) the latest counted lot was finalised.
    assert latest.astimezone(CHINA_TIME).date().isoformat() in pages[0]
    assert TODAY.date().isoformat() not in pages[0]
    assert latest.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") + " (UTC+8)" in pages[0]


def test_the_built_in_fallback_font_renders_the_summary(services: Services, tmp_path: Path) -> None:
    # A broken install (no bundled font) and no TrueType CJK font on the machine: the summary still renders,
    # with STSong-Light (not embedded).
    from fieldtool.reports.fonts import find_cjk_font

    notices: list[str] = []
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    font = find_cjk_font(search_dirs=[empty], notify=notices.append, bundled=False)
    assert font.fell_back and len(notices) == 1
    data = programme_summary_data(services, PROGRAMME_ID)
    count = render_programme_summary(data, tmp_path / "cid.pdf", font=font)
    pages = pdf_pages(tmp_path / "cid.pdf")
    assert count == len(pages) and "城市" in "\n".join(pages) and f"page {count} of {count}" in pages[-1]
