"""Measure how fast fieldtool renders its PDF reports, against bare reportlab documents with the same tables.

Run from the repository root with the project's interpreter:

    python benchmarks/bench_reports.py                 # 7 runs of each, median
    python benchmarks/bench_reports.py --runs 15 --font /path/to/font.ttc

**Lot report.** A temporary database gets one finished inspection of 125 packages (JJF 1070-2005,
N = 5000, Qn = 500 g, individual tare, seeded weights), entered through `Services` as an inspector
would. Timed, in the same run and interleaved (one call of each in turn):

- ``lot report (data + render)``: `lot_report_data` then `render_lot_report` to a file;
- ``lot report (render only)``: `render_lot_report` of data gathered once;
- ``bare reportlab``: a `SimpleDocTemplate` with the same font and the same two tables (the 125
  packages and the statistics) as plain string cells, no running header, no page x of y, no
  chart, no QR code: the floor that reportlab itself sets for this much text.

Printed: pages, milliseconds and pages per second of each (median of ``--runs``), and the ratios
of the render-only figure to the bare document. **Baseline**: the bare document; the target is a
pages-per-second ratio of at most 2x (bare / lot report), the issue's aim. The ratio per document is printed too; it
is larger because the lot report draws much more than the bare one: a title block, eleven more
sections, bilingual table headers, the chart and the QR code.

**Programme summary.** Reserved: see ``SUMMARY BENCHMARK`` below (added by the summary's author).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.reports.fonts import FontChoice, find_cjk_font
from fieldtool.reports.lot import render_lot_report
from fieldtool.reports.lot_model import LotReportData
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_report import lot_report_data

TARGET_PER_PAGE = 2.0
"""The issue's aim: pages per second of the bare document at most this many times the lot report's."""


def make_lot(services: Services, seed: int = 2012) -> str:
    """One finished inspection of 125 packages; returns its id."""
    rng = random.Random(seed)
    services.save_inspector("刘志强", "JL-2012-0417", "国家质检总局定量包装商品净含量专项检查组")
    balance = services.add_balance(make="Sartorius", model="BSA622S-CW", serial="31704482", max_capacity="620",
                                   d="0.01", e="0.1", accuracy_class="II", mpe="0.1", certificate="JL2012-0318-02")
    header = InspectionHeader(
        site_name="北京华盛食品有限公司", site_address="北京市经济技术开发区人民路12号", site_kind=SiteKind.PRODUCER,
        brand="金穗牌白砂糖", batch="20120512A1", nominal=Decimal(500), unit="g", lot_size=5000,
        rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.SIMPLE_RANDOM, sampling_seed=rng.getrandbits(32),
        inspectors=("刘志强", "王伟"), balance_id=balance.id, tare_method=TareMethod.INDIVIDUAL,
    )
    inspection = services.start_inspection(header)
    for _ in range(125):
        tare = rng.gauss(7.0, 0.2)
        gross = 500 + rng.gauss(1.5, 2.5) + tare
        services.record_weight(inspection.id, f"{gross:.2f} {tare:.2f}")
    services.finalise(inspection.id, "刘志强")
    return inspection.id


def bare_document(data: LotReportData, path: Path, font: FontChoice) -> int:
    """The same package and statistics tables in a plain reportlab document; returns its page count."""
    u = data.unit.symbol
    rows = [["No.", "gross", "tare", f"net ({u})", "d", "class", "time"]]
    for p in data.packages:
        m = p.measurement
        rows.append([str(p.number), str(m.gross), str(m.tare), str(m.net), str(p.shortfall), p.cls.value,
                     m.recorded_at.strftime("%H:%M:%S")])
    style = TableStyle([("FONTNAME", (0, 0), (-1, -1), font.name), ("FONTSIZE", (0, 0), (-1, -1), 8),
                        ("GRID", (0, 0), (-1, -1), 0.25, "#999999")])
    packages = Table(rows, repeatRows=1)
    packages.setStyle(style)
    s = data.statistics
    assert s is not None
    stats_rows = [["quantity", "value"], ["n", str(s.stats.n)], ["Σq", str(s.sum_q)], ["mean", str(s.stats.mean)],
                  ["s", str(s.stats.stdev)], ["λ·s", str(s.stats.lam_s)], ["limit", str(s.limit)]]
    stats_table = Table(stats_rows)
    stats_table.setStyle(style)
    doc = SimpleDocTemplate(str(path), pagesize=A4, invariant=1, title="bare")
    doc.build([packages, stats_table])
    return int(doc.page)


def timed(cases: list[tuple[str, Callable[[], int]]], runs: int) -> dict[str, tuple[float, int]]:
    """Median seconds of ``runs`` calls of each case (after one warm-up), interleaved, and the pages of the last.

    Interleaving (a, b, c, a, b, c …) spreads the machine's changes of speed over every case alike.
    """
    pages = {name: fn() for name, fn in cases}
    times: dict[str, list[float]] = {name: [] for name, _ in cases}
    for _ in range(runs):
        for name, fn in cases:
            start = time.perf_counter()
            pages[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), pages[name]) for name, _ in cases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each document (median; default 7)")
    parser.add_argument("--font", type=Path, help="CJK font file (default: found on the system)")
    args = parser.parse_args(argv)

    notices: list[str] = []
    font = find_cjk_font(args.font, notify=notices.append)
    print(f"font: {font.name} ({font.path or 'built-in CID font, not embedded'})")
    for notice in notices:
        print(f"note: {notice}")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with SqliteStore.open(work / "bench.db", durable=False) as store:
            services = Services(store)
            inspection_id = make_lot(services)
            data = lot_report_data(services, inspection_id)
            out = work / "out.pdf"

            cases: list[tuple[str, Callable[[], int]]] = [
                ("lot report (data + render)",
                 lambda: render_lot_report(lot_report_data(services, inspection_id), out, font=font)),
                ("lot report (render only)", lambda: render_lot_report(data, out, font=font)),
                ("bare reportlab, same tables", lambda: bare_document(data, work / "bare.pdf", font)),
            ]
            results = timed(cases, args.runs)

            print(f"\nlot report: {len(data.packages)} packages, median of {args.runs} runs\n")
            print(f"{'document':<30} {'pages':>5} {'ms':>8} {'pages/s':>8}")
            for name, (seconds, pages) in results.items():
                print(f"{name:<30} {pages:>5} {seconds * 1000:>8.1f} {pages / seconds:>8.1f}")
            render_s, render_pages = results["lot report (render only)"]
            bare_s, bare_pages = results["bare reportlab, same tables"]
            per_page = (bare_pages / bare_s) / (render_pages / render_s)
            print(f"\nratio bare / lot report, pages per second: {per_page:.2f}x  (aim ≤ {TARGET_PER_PAGE:g}x: "
                  f"{'met' if per_page <= TARGET_PER_PAGE else 'MISSED'})")
            print(f"ratio lot report / bare, ms per document: {render_s / bare_s:.2f}x  (informative)")

            # -- SUMMARY BENCHMARK ---------------------------------------------------------------
            # The programme summary's figure goes here (its author adds it): build its data from a
            # demo database, time `render_programme_summary` against a bare document with the same
            # tables, and print the same columns and ratio as above.
    return 0


if __name__ == "__main__":
    sys.exit(main())
