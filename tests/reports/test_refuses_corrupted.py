"""A report is never made from corrupted data: a tampered weight makes both reports refuse, naming it."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from tests.conftest import PYTHON, run_cli_env
from tests.reports.conftest import DemoLots


def test_reports_refuse_a_database_with_a_changed_weight(demo_lots: DemoLots, tmp_path: Path) -> None:
    changed = tmp_path / "changed.db"
    shutil.copy(demo_lots.db, changed)
    con = sqlite3.connect(changed, isolation_level=None)
    con.execute("DROP TRIGGER measurements_no_update")
    con.execute("UPDATE measurements SET net = '999.9' WHERE inspection_id = ? AND position = 1", [demo_lots.failed])
    con.close()
    for args in (["report", "lot", demo_lots.failed], ["report", "programme"]):
        result = subprocess.run(
            [PYTHON, "-m", "fieldtool", *args, "-o", str(tmp_path / "r.pdf"), "--db", str(changed)],
            capture_output=True, text=True, env=run_cli_env(), timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert "fails verification" in result.stderr and "is refused" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "r.pdf").exists()
