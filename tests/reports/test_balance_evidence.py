"""The lot report prints each captured package's raw balance line as evidence: read from a real driver and simulator, read back from the PDF."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pypdf

from fieldtool.balance import connect
from fieldtool.balance.sim import SimulatedBalance, Simulator
from fieldtool.core.inspection import InspectionHeader, MeasurementSource, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.reports.fonts import find_cjk_font
from fieldtool.reports.lot import render_lot_report
from fieldtool.storage import SqliteStore
from fieldtool.usecases.balance import record_reading
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_report import lot_report_data

from .conftest import page_texts, squash


def test_captured_packages_print_their_raw_lines(tmp_path: Path) -> None:
    header = InspectionHeader(
        site_name="Suguo Supermarket", site_kind=SiteKind.RETAILER, nominal=Decimal(500), unit="g", lot_size=20,
        rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.SIMPLE_RANDOM, sampling_seed=7,
        inspectors=("Wang Li",), tare_method=TareMethod.INDIVIDUAL,
    )
    with SqliteStore.open(tmp_path / "lot.db", durable=False) as store:
        services = Services(store)
        services.save_inspector("Wang Li")
        iid = services.start_inspection(header).id
        needed = services.lot_state(iid).progress.needed
        # Each package is two loads on the pan: the full package, then its emptied packaging.
        loads = [w for k in range(needed - 1) for w in (Decimal("512.00") + Decimal(k) / 100, Decimal("12.00") + Decimal(k) / 100)]
        balance = SimulatedBalance(unstable_period=0.01, weights=loads)
        with Simulator("and", balance) as sim, connect(sim.serve_tcp(), "and", reply_timeout=0.3, poll_interval=0.002) as driver:
            for _ in range(needed - 1):
                gross = driver.read_stable(10)
                record_reading(services, iid, driver.read_stable(10), gross=gross, port=driver.port)
        # The last package: a balance line too long for its column is wrapped, never cut.
        long_raw = "ST,+00512.99  g  (a balance that sends a long trailer after its frame)\nST,+00012.99  g"
        services.record_weight(iid, "512.99 12.99", source="balance", raw=long_raw)
        services.finalise(iid, "Wang Li")
        data = lot_report_data(services, iid)
        measurements = [p.measurement for p in data.packages]
    assert all(m.source is MeasurementSource.BALANCE and m.raw for m in measurements)
    path = tmp_path / "lot.pdf"
    render_lot_report(data, path, lang="both", font=find_cjk_font())
    text = squash("".join(page_texts(path)))
    for m in measurements:
        assert m.raw is not None
        for line in m.raw.splitlines():
            assert squash(line) in text, line
    # Printed as received, spaces included (A&D: two spaces before the unit).
    plain = "".join(pypdf.PdfReader(str(path)).pages[i].extract_text() for i in range(len(pypdf.PdfReader(str(path)).pages)))
    assert "ST,+00512.00  g" in plain
    assert plain.count("\nOK\n") == len(measurements)  # each package's class cell
