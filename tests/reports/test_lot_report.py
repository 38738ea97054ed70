"""The lot report, end to end: real PDFs from the demo database, read back with pypdf and poppler."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.evaluate import Outcome
from fieldtool.core.explain import OUTCOME_WORDS
from fieldtool.errors import FieldtoolError, InputError, NotFoundError
from fieldtool.reports.fonts import FontChoice, find_cjk_font
from fieldtool.reports.lot import render_lot_report
from fieldtool.reports.lot_model import LotReportData
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_report import lot_report_data, report_number

from .conftest import HAVE_PDFTOPPM, HAVE_PDFTOTEXT, DemoLots, page_texts, poppler_page_texts, squash

TITLE_ZH = "定量包装商品净含量计量检验报告"
TITLE_EN = "Net content inspection report"


@pytest.fixture(scope="module")
def font() -> FontChoice:
    return find_cjk_font()


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lot-reports")


class Rendered:
    """One rendered report: its data, file, page count and page texts."""

    def __init__(self, data: LotReportData, path: Path, pages: int) -> None:
        self.data = data
        self.path = path
        self.pages = pages
        self.texts = page_texts(path)
        self.flat = squash("".join(self.texts))


@pytest.fixture(scope="module")
def reports(services: Services, demo_lots: DemoLots, out_dir: Path, font: FontChoice) -> dict[str, Rendered]:
    """Every report the tests look at, rendered once."""
    wanted = {
        "corrected": (demo_lots.corrected, "both", False),
        "corrected-zh": (demo_lots.corrected, "zh", False),
        "corrected-en": (demo_lots.corrected, "en", False),
        "withdrawn": (demo_lots.withdrawn, "both", False),
        "large": (demo_lots.large, "both", False),
        "liquid": (demo_lots.liquid, "both", False),
        "failed": (demo_lots.failed, "both", False),
        "open": (demo_lots.open, "both", True),
    }
    out: dict[str, Rendered] = {}
    done: dict[tuple[str, str, bool], Rendered] = {}
    for name, key in wanted.items():
        if key not in done:
            inspection_id, lang, draft = key
            data = lot_report_data(services, inspection_id, allow_draft=draft)
            path = out_dir / f"{name}.pdf"
            pages = render_lot_report(data, path, lang=lang, font=font, draft=draft)
            done[key] = Rendered(data, path, pages)
        out[name] = done[key]
    return out


def _has(flat: str, text: str) -> bool:
    return squash(text) in flat


# -- every promised value -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["corrected", "large", "liquid", "failed"])
def test_every_promised_value_is_printed_and_equals_the_stored_one(
    reports: dict[str, Rendered], services: Services, name: str
) -> None:
    r = reports[name]
    d = r.data
    state = services.lot_state(d.inspection.id)  # computed independently of the report's data
    ev = state.evaluation
    assert ev is not None and state.verdict is not None
    h = state.inspection.header
    u = h.unit
    flat = r.flat
    expected = [
        d.report_number,
        h.site_name,
        h.site_address,
        h.batch,
        f"{h.nominal} {u}",
        f"{h.lot_size}",
        f"{ev.tne} {u}",
        f"{h.nominal - ev.tne} {u}",
        f"{h.nominal - 2 * ev.tne} {u}",
        f"{ev.plan.n}",
    ]
    assert ev.stats is not None
    # Means and s one digit finer than a net quantity as printed (the balance's d in the lot's unit).
    b = services.store.balance(h.balance_id) if h.balance_id else None
    if b is not None and b.unit in ("g", "kg") and u in ("g", "kg"):
        d_places = -(b.d * (Decimal(1000) if b.unit == "kg" else 1) / (Decimal(1000) if u == "kg" else 1)
                     ).normalize().as_tuple().exponent
        assert d.resolution.net >= max(d_places, 0)
    stats = replace(ev.stats, places=d.resolution.mean)
    exact = Decimal(ev.stats.mean_exact.numerator) / Decimal(ev.stats.mean_exact.denominator)
    assert stats.mean == exact.quantize(Decimal(1).scaleb(-d.resolution.mean))
    expected += [
        f"{stats.lam}",
        f"{stats.mean} {u}",
        f"{stats.stdev} {u}",
        f"{stats.lam_s} {u}",
        f"{stats.limit(h.nominal)} {u}",
        f"Qn − λ·s = {h.nominal} − {stats.lam_s}",
        f"λ × s = {stats.lam} × {stats.stdev}",
    ]
    for text in expected:
        assert _has(flat, text), f"{name}: {text!r} is not in the report"
    # counts against those allowed, from the saved verdict
    for c in state.verdict.criteria:
        if c.code.value != "mean":
            assert _has(flat, f"{c.observed}（允许 {c.limit}，n = {c.sample_size}）"), c
            assert _has(flat, f"{c.observed} (allowed {c.limit}, n = {c.sample_size})"), c
    assert _has(flat, f"T < d ≤ 2T 的件数（允许 {ev.plan.row.stages[0].accept}）")
    # the verdict in both languages
    outcome = state.verdict.outcome
    assert _has(flat, f"检验结论：{OUTCOME_WORDS['zh'][outcome]}")
    assert _has(flat, f"Verdict: {OUTCOME_WORDS['en'][outcome]}")
    # each package's net quantity, in weighing order
    for m in state.measurements:
        assert _has(flat, format(m.net.normalize(), "f")), m
    # the fingerprint, recomputed here from the records of the chain
    hashes = [
        rec.hash
        for rec in sorted(
            (rec for rec in services.store.records() if rec.inspection_id == d.inspection.id),
            key=lambda rec: (rec.recorded_at, rec.device_id, rec.seq),
        )
    ]
    canonical = json.dumps(hashes, separators=(",", ":")).encode()
    assert d.fingerprint == hashlib.sha256(canonical).hexdigest()
    assert _has(flat, d.fingerprint)


def test_failed_lot_shows_fail_and_its_reason(reports: dict[str, Rendered], services: Services) -> None:
    r = reports["failed"]
    state = services.lot_state(r.data.inspection.id)
    assert state.verdict is not None and state.verdict.outcome is Outcome.FAIL
    assert _has(r.flat, "不合格") and _has(r.flat, "FAIL")
    assert "不符合" in r.flat and "fail" in r.flat


def test_correction_shows_reason_and_original_value(reports: dict[str, Rendered], services: Services) -> None:
    r = reports["corrected"]
    assert r.data.corrections
    for c in r.data.corrections:
        assert not c.withdrawn
        assert _has(r.flat, c.reason)
        assert _has(r.flat, format(c.original.net, "f")), "the original value must stay visible"
        assert _has(r.flat, format(c.replacement.net, "f"))
    assert _has(r.flat, "原记录（保留）") and _has(r.flat, "original entry (kept)")


def test_withdrawn_entry_is_shown_with_its_reason(reports: dict[str, Rendered]) -> None:
    r = reports["withdrawn"]
    withdrawn = [c for c in r.data.corrections if c.withdrawn]
    assert withdrawn
    for c in withdrawn:
        assert _has(r.flat, c.reason)
        assert _has(r.flat, format(c.original.net, "f"))
    assert _has(r.flat, "withdrawn (not counted)")


def test_liquid_shows_density_temperature_and_tare_records(reports: dict[str, Rendered]) -> None:
    r = reports["liquid"]
    d = r.data
    density = d.density
    assert density is not None
    assert _has(r.flat, format(density.density_g_per_ml, "f"))
    assert density.temperature_c is not None and _has(r.flat, format(density.temperature_c, "f"))
    assert _has(r.flat, "V = m / ρ")
    assert d.tare.average is not None and d.tare.average.accepted
    places = d.resolution.weighing_mean
    mean_tare = d.tare.average.mean.quantize(Decimal(1).scaleb(-places))
    assert _has(r.flat, f"mean tare = {mean_tare} {d.weighing_unit.symbol}")
    for w in d.tare.weighings:
        assert _has(r.flat, format(w.value, "f"))


def test_balance_and_its_suitability(reports: dict[str, Rendered]) -> None:
    r = reports["corrected"]
    info = r.data.balance
    assert info is not None and info.suitability is not None
    b = info.balance
    for text in (b.model, b.serial, b.certificate, str(b.calibration_due), f"{b.d} {b.unit}"):
        assert _has(r.flat, text), text
    assert _has(r.flat, "suitable" if info.suitability.suitable else "NOT suitable")
    assert _has(r.flat, f"{info.suitability.basis} = {info.suitability.error} {b.unit}")


def test_sampling_seed_and_inspectors(reports: dict[str, Rendered]) -> None:
    r = reports["corrected"]
    h = r.data.header
    assert h.sampling_seed is not None and _has(r.flat, str(h.sampling_seed))
    assert _has(r.flat, "简单随机抽样") and _has(r.flat, "simple random sampling")
    for name in h.inspectors:
        assert _has(r.flat, name)
    assert _has(r.flat, "签字") and _has(r.flat, "signature")


def test_report_number_scheme(reports: dict[str, Rendered]) -> None:
    d = reports["corrected"].data
    assert d.programme is not None and d.header.city_id is not None
    expected = f"FT-{d.programme.year}-{d.header.city_id.upper()}-{d.inspection.id[:8].upper()}"
    assert d.report_number == expected == report_number(d.inspection, d.programme)


# -- languages ------------------------------------------------------------------------------------


def test_both_languages_extractable(reports: dict[str, Rendered]) -> None:
    flat = reports["corrected"].flat
    assert squash(TITLE_ZH) in flat and squash(TITLE_EN) in flat


def test_one_language(reports: dict[str, Rendered]) -> None:
    zh, en = reports["corrected-zh"].flat, reports["corrected-en"].flat
    assert squash(TITLE_ZH) in zh and squash(TITLE_EN) not in zh and "pageof" not in zh
    assert squash(TITLE_EN) in en and squash(TITLE_ZH) not in en and "第1页共" not in en


@pytest.mark.skipif(not HAVE_PDFTOTEXT, reason="pdftotext (poppler-utils) is not installed")
def test_poppler_reads_the_chinese_text(reports: dict[str, Rendered]) -> None:
    pages = poppler_page_texts(reports["corrected"].path)
    assert TITLE_ZH in pages[0]
    assert reports["corrected"].data.header.site_name in squash("".join(pages))


# -- pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["corrected", "large", "open", "corrected-zh", "corrected-en"])
def test_page_x_of_y_and_report_number_on_every_page(reports: dict[str, Rendered], name: str) -> None:
    r = reports[name]
    assert r.pages == len(r.texts) >= 2
    lang = name.partition("-")[2] or "both"
    for i, text in enumerate(r.texts, start=1):
        flat = squash(text)
        if lang in ("both", "en"):
            assert f"page{i}of{r.pages}" in flat, (name, i)
        if lang in ("both", "zh"):
            assert f"第{i}页共{r.pages}页" in flat, (name, i)
        assert r.data.report_number in flat, (name, i)


def test_large_lot_spans_pages_and_the_table_header_repeats(reports: dict[str, Rendered]) -> None:
    r = reports["large"]
    assert len(r.data.packages) == 125
    with_header = [i for i, t in enumerate(r.texts) if "shortfalld(" in squash(t)]
    assert len(with_header) >= 3, "a 125-package table spans at least three pages"
    assert with_header == list(range(with_header[0], with_header[0] + len(with_header))), "consecutive pages"
    last = squash(r.texts[with_header[-1]])
    assert format(r.data.packages[-1].net, "f") in last


def test_two_renders_are_byte_identical(reports: dict[str, Rendered], out_dir: Path, font: FontChoice) -> None:
    r = reports["large"]
    again = out_dir / "large-again.pdf"
    render_lot_report(r.data, again, lang="both", font=font)
    assert again.read_bytes() == r.path.read_bytes()


@pytest.mark.skipif(not HAVE_PDFTOPPM, reason="pdftoppm (poppler-utils) is not installed: cannot rasterise the pages")
@pytest.mark.parametrize("name", ["large", "open"])
def test_pages_rasterise_and_nothing_is_drawn_outside_the_page(
    reports: dict[str, Rendered], out_dir: Path, name: str
) -> None:
    from PIL import Image

    prefix = out_dir / f"png-{name}"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(reports[name].path), str(prefix)], check=True,
                   capture_output=True)
    images = sorted(out_dir.glob(f"png-{name}-*.png"))
    assert len(images) == reports[name].pages
    for image_path in images:
        with Image.open(image_path) as im:
            gray = im.convert("L")
            w, h = gray.size
            border = 5
            for box in ((0, 0, w, border), (0, h - border, w, h), (0, 0, border, h), (w - border, 0, w, h)):
                lo, _hi = gray.crop(box).getextrema()
                assert lo >= 250, f"{image_path.name}: something is drawn within {border} px of the edge"
            lo, _hi = gray.getextrema()
            assert lo < 100, f"{image_path.name} is blank"


# -- draft ----------------------------------------------------------------------------------------


def test_unfinished_inspection_is_refused_without_draft(services: Services, demo_lots: DemoLots) -> None:
    with pytest.raises(InputError) as err:
        lot_report_data(services, demo_lots.open)
    message = str(err.value)
    assert message == f"inspection {demo_lots.open} is not finalised; use --draft for a draft report"
    assert "\n" not in message


def test_draft_is_marked_on_every_page(reports: dict[str, Rendered]) -> None:
    r = reports["open"]
    assert not r.data.is_final
    for text in r.texts:
        flat = squash(text)
        assert "DRAFT" in flat and "草稿" in flat
    assert _has(r.flat, "未判定") and _has(r.flat, "NOT JUDGED")


def test_finalised_report_is_not_marked_draft(reports: dict[str, Rendered]) -> None:
    assert "DRAFT" not in reports["corrected"].flat and "草稿" not in reports["corrected"].flat


# -- bad requests ---------------------------------------------------------------------------------


def test_unknown_inspection_id(services: Services) -> None:
    with pytest.raises(NotFoundError) as err:
        lot_report_data(services, "00000000-0000-0000-0000-000000000000")
    assert str(err.value) == "no inspection 00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize("where", ["missing-dir", "a-directory", "under-a-file"])
def test_unwritable_output_path(reports: dict[str, Rendered], tmp_path: Path, font: FontChoice, where: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    target = {
        "missing-dir": tmp_path / "no" / "such" / "report.pdf",
        "a-directory": tmp_path,
        "under-a-file": tmp_path / "file.txt" / "report.pdf",
    }[where]
    with pytest.raises(FieldtoolError) as err:
        render_lot_report(reports["corrected"].data, target, font=font)
    message = str(err.value)
    assert message.startswith(f"cannot write report {target}") and "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"], "no temporary file is left behind"


def test_unknown_language(reports: dict[str, Rendered], tmp_path: Path, font: FontChoice) -> None:
    with pytest.raises(InputError, match="unknown report language 'fr'"):
        render_lot_report(reports["corrected"].data, tmp_path / "r.pdf", lang="fr", font=font)


# -- the data behind the report -------------------------------------------------------------------


def test_report_data_sums_and_history(reports: dict[str, Rendered], services: Services) -> None:
    d = reports["corrected"].data
    assert d.statistics is not None
    nets = [p.net for p in d.packages]
    assert d.statistics.sum_q == sum(nets)
    history = services.store.measurement_history(d.inspection.id)
    assert [m.id for m in d.history] == [m.id for m in history]
    assert len(d.corrections) == sum(1 for m in history if m.supersedes)
    records = services.store.inspection_records(d.inspection.id)
    assert len(records) == d.record_count and all(r.inspection_id == d.inspection.id for r in records)
    assert records[0].id == d.inspection.id, "the record that opened the inspection comes first"
    assert [r.recorded_at for r in records] == sorted(r.recorded_at for r in records)
    assert d.qr_payload.endswith(f"sha256={d.fingerprint}") and d.report_number in d.qr_payload


def test_balance_suitability_is_checked_against_the_rule_set_fraction(reports: dict[str, Rendered]) -> None:
    d = reports["corrected"].data
    assert d.balance is not None and d.balance.suitability is not None
    s = d.balance.suitability
    assert s.fraction == d.rules.instrument.max_error_fraction_of_tne
    assert s.limit == s.fraction * d.balance.tne_in_balance_unit
    assert s.suitable == (s.error <= s.limit)
