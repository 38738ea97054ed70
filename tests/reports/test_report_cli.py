"""`fieldtool report` and `fieldtool export` as a supervisor runs them: the real CLI (its `main`, in this process)."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import cli_in_process
from tests.reports.conftest import DemoLots

fieldtool = cli_in_process


def one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 2, result
    assert result.stderr.startswith("fieldtool: ") and text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_report_lot_writes_the_pdf_and_says_where(demo_lots: DemoLots, tmp_path: Path) -> None:
    out = tmp_path / "lot.pdf"
    result = fieldtool("report", "lot", demo_lots.failed, "-o", str(out), "--db", str(demo_lots.db), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{out}: lot report FT-2012-")
    pages = len(PdfReader(out).pages)
    assert result.stdout.rstrip().endswith(f"{pages} pages")


def test_report_lot_refuses_what_it_cannot_do(demo_lots: DemoLots, tmp_path: Path) -> None:
    db = str(demo_lots.db)
    one_line_error(fieldtool("report", "lot", "no-such-id", "-o", str(tmp_path / "x.pdf"), "--db", db), "no inspection no-such-id")
    one_line_error(fieldtool("report", "lot", demo_lots.open, "-o", str(tmp_path / "x.pdf"), "--db", db), "use --draft")
    one_line_error(fieldtool("report", "lot", demo_lots.failed, "-o", "/nonexistent/dir/x.pdf", "--db", db), "cannot write report")
    one_line_error(fieldtool("report", "lot", demo_lots.failed, "-o", str(tmp_path / "x.pdf"), "--db", str(tmp_path / "none.db")), "no database at")
    assert not (tmp_path / "none.db").exists(), "a report must never create an empty database"
    draft = fieldtool("report", "lot", demo_lots.open, "--draft", "-o", str(tmp_path / "d.pdf"), "--db", db)
    assert draft.returncode == 0 and (tmp_path / "d.pdf").is_file()


def test_report_programme_and_its_filters(demo_lots: DemoLots, tmp_path: Path) -> None:
    db = str(demo_lots.db)
    out = tmp_path / "summary.pdf"
    result = fieldtool("report", "programme", "--city", "beijing", "-o", str(out), "--db", db)
    assert result.returncode == 0, result.stderr
    assert "programme summary of cn-2012-net-content" in result.stdout and out.is_file()
    one_line_error(fieldtool("report", "programme", "--city", "atlantis", "-o", str(out), "--db", db), "atlantis")
    one_line_error(fieldtool("report", "programme", "--from", "2012-13-01", "-o", str(out), "--db", db), "YYYY-MM-DD")


def test_export_csv_has_every_lot(demo_lots: DemoLots, tmp_path: Path) -> None:
    result = fieldtool("export", "--format", "csv", "-o", str(tmp_path / "out"), "--db", str(demo_lots.db))
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    assert {p.name for p in written} == {"lots.csv", "measurements.csv"}
    lots_csv = next(p for p in written if p.name == "lots.csv")
    with lots_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert demo_lots.failed in {row.get("inspection_id") or row.get("id") for row in rows}
