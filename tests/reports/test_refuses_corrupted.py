"""A report is never made from corrupted data: a tampered weight makes both reports refuse, naming it.

The lot report checks its own lot's evidence (fieldtool.sync.lot_verify); the programme summary,
which counts every lot, checks the whole database.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from tests.conftest import cli_in_process
from tests.reports.conftest import DemoLots


def changed_weight(demo_lots: DemoLots, tmp_path: Path, inspection_id: str) -> Path:
    """A copy of the demo with the first package of one inspection given another net weight, behind the store's back."""
    changed = tmp_path / "changed.db"
    shutil.copy(demo_lots.db, changed)
    con = sqlite3.connect(changed, isolation_level=None)
    con.execute("DROP TRIGGER measurements_no_update")
    con.execute("UPDATE measurements SET net = '999.9' WHERE inspection_id = ? AND position = 1", [inspection_id])
    con.close()
    return changed


def report(args: list[str], db: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``fieldtool report …`` through the CLI's `main`, in this process."""
    return cli_in_process(*args, "-o", str(out), "--db", str(db))


def test_reports_refuse_a_database_with_a_changed_weight(demo_lots: DemoLots, tmp_path: Path) -> None:
    changed = changed_weight(demo_lots, tmp_path, demo_lots.failed)
    for args in (["report", "lot", demo_lots.failed], ["report", "programme"]):
        result = report(args, changed, tmp_path / "r.pdf")
        assert result.returncode == 2, result.stderr
        assert "fails verification" in result.stderr and "is refused" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "r.pdf").exists()


def test_another_lots_changed_weight_refuses_the_summary_but_not_this_lots_report(
    demo_lots: DemoLots, tmp_path: Path
) -> None:
    other = next(i for i in (demo_lots.corrected, demo_lots.withdrawn, demo_lots.liquid) if i != demo_lots.failed)
    changed = changed_weight(demo_lots, tmp_path, other)
    summary = report(["report", "programme"], changed, tmp_path / "s.pdf")
    assert summary.returncode == 2 and "fails verification" in summary.stderr, summary.stderr
    lot = report(["report", "lot", demo_lots.failed, "--lang", "en"], changed, tmp_path / "r.pdf")
    assert lot.returncode == 0, lot.stderr
    assert (tmp_path / "r.pdf").is_file()
    refused = report(["report", "lot", other], changed, tmp_path / "o.pdf")
    assert refused.returncode == 2 and "measurements: row" in refused.stderr and "differs from its record in net" in refused.stderr
