"""Measures the programme summary and the export on a whole demo programme, against a bare reportlab document.

The demo is the 2012 programme with 3 lots per city and product in all 30 cities (about 770
finalised lots and 45 000 weighings, the programme's full quota less the cells the demo leaves
incomplete). Building it takes about a minute on 2 cores, so it is built once and cached in the
temporary directory (``$TMPDIR/fieldtool-bench/``); ``--rebuild`` builds it again.

In the same run it times:
- gathering the figures (`programme_summary_data`: one pass over the lots and their saved verdicts);
- rendering the summary (`render_programme_summary`), median of ``--repeat`` runs, and pages per second;
  interleaved with the baseline run by run, the ratio being the median of the runs' ratios;
- the baseline: a bare reportlab document (``SimpleDocTemplate``, the same font, A4 landscape) with
  the same tables and the same cell contents (overview, months, the 30 × 10 matrix, the
  distribution figures, the failing lots with wrapped paragraphs, the plan rows), but without the
  charts, the house styles, running header, page x of y and atomic write. Target: the summary at
  most 2× the baseline;
- the export of lots and measurements as CSV and as JSON.

Run: python benchmarks/bench_summary.py [--repeat 9] [--rebuild]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle
from timing import median_time

from fieldtool.reports.fonts import FontChoice, find_cjk_font
from fieldtool.reports.summary import render_programme_summary
from fieldtool.reports.summary_model import SummaryData
from fieldtool.storage import SqliteStore
from fieldtool.usecases.demo import PROGRAMME_ID, DemoClock, build_demo
from fieldtool.usecases.export import export
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.summary import programme_summary_data

TARGET_RATIO = 2.0
"""The summary should take at most this many times as long as the bare document."""

LOTS_PER_CELL = 3
SEED = 2012


def demo_path(rebuild: bool = False) -> Path:
    """The cached whole-programme demo database, built first if missing (about a minute)."""
    cache = Path(tempfile.gettempdir()) / "fieldtool-bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"summary-demo-{SEED}-{LOTS_PER_CELL}.db"
    if path.exists() and not rebuild:
        return path
    partial = path.with_suffix(".partial")
    for stale in (partial, *[partial.with_name(partial.name + s) for s in ("-wal", "-shm")]):
        stale.unlink(missing_ok=True)
    print(f"building the whole-programme demo ({LOTS_PER_CELL} lots per cell, 30 cities) in {path} "
          "— about a minute, once ...", flush=True)
    started = time.perf_counter()
    clock = DemoClock()
    with SqliteStore.open(partial, clock=clock, durable=False) as store:
        summary = build_demo(Services(store, clock=clock), seed=SEED, lots_per_cell=LOTS_PER_CELL, clock=clock)
    partial.replace(path)  # closing the last connection folded the WAL into the file
    print(f"  {summary} ({time.perf_counter() - started:.0f} s)", flush=True)
    return path


def bare_document(data: SummaryData, font: FontChoice, path: Path) -> int:
    """The baseline: the summary's tables, with the same contents, in a bare reportlab document written to `path`.

    Returns:
        The number of pages.
    """
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=24 * mm, bottomMargin=20 * mm, invariant=1)
    base = TableStyle([("FONTNAME", (0, 0), (-1, -1), font.name), ("FONTSIZE", (0, 0), (-1, -1), 7),
                       ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)])
    cell = ParagraphStyle("c", fontName=font.name, fontSize=7.2, leading=8.8, wordWrap="CJK")

    def table(rows: list[list[Any]], repeat: int = 1) -> Table:
        t = Table(rows, repeatRows=repeat)
        t.setStyle(base)
        return t

    t = data.totals
    story: list[Any] = [table([["lots", "passed", "failed", "pass rate"],
                               [str(t.lots), str(t.passed), str(t.failed), f"{(t.pass_rate or 0) * 100:.1f}%"]])]
    story.append(table([["month", "lots", "passed", "failed"]]
                       + [[p.label, str(p.counts.lots), str(p.counts.passed), str(p.counts.failed)] for p in data.periods]))
    story.append(PageBreak())
    head = ["city"] + [x for p in data.products for x in (p.name_en, "", "")] + ["all", "", ""]
    rows = [head]
    for c in data.cities:
        row = [f"{c.name_zh} {c.name_en}"]
        for p in data.products:
            k = data.cells[(c.id, p.id)].counts
            row += [str(k.lots), str(k.failed), "—" if k.pass_rate is None else f"{k.pass_rate * 100:.1f}"]
        k = data.by_city[c.id]
        row += [str(k.lots), str(k.failed), "—" if k.pass_rate is None else f"{k.pass_rate * 100:.1f}"]
        rows.append(row)
    story.append(table(rows))
    story.append(PageBreak())
    story.append(table([["goods", "lots", "min", "q1", "median", "q3", "max", "mean"]] + [
        [d.product.name_en, str(len(d.values))] + ([f"{v:+.2f}" for v in (d.spread.minimum, d.spread.q1, d.spread.median,
                                                                        d.spread.q3, d.spread.maximum, d.spread.mean)]
                                                   if d.spread else ["—"] * 6)
        for d in data.deviations]))
    story.append(PageBreak())
    failing: list[list[Any]] = [["No.", "City", "Goods", "Site", "Brand", "Batch", "Produced", "Inspected", "Qn / N",
                                 "Failed criterion", "Inspection"]]
    for k, f in enumerate(data.failing, start=1):
        failing.append([
            str(k), Paragraph(f"{f.city.name_zh if f.city else f.city_id}<br/>{f.city.name_en if f.city else ''}", cell),
            Paragraph(f"{f.product.name_zh if f.product else f.product_id}<br/>{f.product.name_en if f.product else ''}", cell),
            [Paragraph(f.site_name, cell), Paragraph(f.site_address, cell)], Paragraph(f.brand, cell), f.batch,
            f.production_date.isoformat() if f.production_date else "—", f.inspected_on.isoformat(),
            Paragraph(f"{f.nominal} {f.unit}<br/>N = {f.lot_size}", cell),
            [Paragraph(r, cell) for lang in ("zh", "en") for r in f.reasons[lang]], f.inspection_id[:8],
        ])
    widths = [w * mm for w in (8, 16, 20, 50, 24, 20, 16, 16, 16, 62, 14)]
    ft = Table(failing, colWidths=widths, repeatRows=1)
    ft.setStyle(base)
    story.append(ft)
    story.append(table([["rule set", "N", "n", "λ", "T1", "T2", "lots", "failed"]] + [
        [u.rule_set_id, f"{u.row.lot_min}–{u.row.lot_max or ''}", str(u.row.n), str(u.row.lam), str(u.accept),
         str(u.row.t2_allowed), str(u.lots.lots), str(u.lots.failed)] for u in data.plan_rows]))
    doc.build(story)
    return int(doc.page)


def bench_summary(repeat: int = 9, rebuild: bool = False) -> dict[str, float]:
    """Time the programme summary and the export of a whole demo programme; print the figures.

    Returns:
        The figures: seconds for each step, pages, pages per second and the ratio to the baseline.
    """
    db = demo_path(rebuild)
    font = find_cjk_font()
    out = Path(tempfile.mkdtemp(prefix="fieldtool-bench-summary-"))
    with SqliteStore.open(db) as store:
        services = Services(store)
        gather, data = median_time(repeat, lambda: programme_summary_data(services, PROGRAMME_ID))
        render_programme_summary(data, out / "warm.pdf", font=font)  # font subsetting caches, imports
        bare_document(data, font, out / "warm-bare.pdf")
        # Interleaved, so that a busy machine slows both alike; the ratio is the median of the pairs' ratios.
        render_times: list[float] = []
        bare_times: list[float] = []
        for _ in range(repeat):
            one, pages = median_time(1, lambda: render_programme_summary(data, out / "summary.pdf", font=font))
            other, bare_pages = median_time(1, lambda: bare_document(data, font, out / "bare.pdf"))
            render_times.append(one)
            bare_times.append(other)
        render, bare = statistics.median(render_times), statistics.median(bare_times)
        ratio = statistics.median(a / b for a, b in zip(render_times, bare_times, strict=True))
        csv_time, _ = median_time(max(1, repeat // 2), lambda: export(services, "csv", out / "csv"))
        json_time, _ = median_time(max(1, repeat // 2), lambda: export(services, "json", out / "json"))
        measurement_rows = sum(1 for _ in (out / "csv" / "measurements.csv").open(encoding="utf-8-sig")) - 1
    figures = {
        "lots": float(data.totals.lots), "failing": float(len(data.failing)), "gather_s": gather, "render_s": render,
        "pages": float(pages), "pages_per_s": pages / render, "bare_s": bare, "bare_pages": float(bare_pages),
        "ratio": ratio, "csv_s": csv_time, "json_s": json_time, "measurement_rows": float(measurement_rows),
    }
    print(f"whole programme: {data.totals.lots} lots in {len(data.cities)} cities × {len(data.products)} products, "
          f"{len(data.failing)} failed; {measurement_rows} measurement versions; font {font.name}")
    print()
    print(f"{'step':<44} {'seconds':>9}  note")
    print(f"{'gather figures (programme_summary_data)':<44} {gather:>9.3f}  one pass over lots and saved verdicts")
    print(f"{'render summary PDF':<44} {render:>9.3f}  {pages} pages, {pages / render:.1f} pages/s")
    print(f"{'bare reportlab, same tables (baseline)':<44} {bare:>9.3f}  {bare_pages} pages, no charts or furniture")
    print(f"{'summary end to end (gather + render)':<44} {gather + render:>9.3f}")
    print(f"{'export csv (lots + measurements)':<44} {csv_time:>9.3f}")
    print(f"{'export json (lots + measurements)':<44} {json_time:>9.3f}")
    print()
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"ratio summary / bare document: {ratio:.2f}x ({verdict} the target of <= {TARGET_RATIO:.0f}x)")
    print(f"files in {out}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=9, help="runs of each step; the median is shown (default 9)")
    parser.add_argument("--rebuild", action="store_true", help="build the cached demo database again")
    args = parser.parse_args(argv)
    bench_summary(args.repeat, args.rebuild)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
