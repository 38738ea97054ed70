"""`fieldtool verify --report`: a lot report's printed fingerprint checked against the laptop's and the hub's database."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("pypdf", reason="pypdf reads the report back (pip install -e .[test])")

from fieldtool.reports.lot import render_lot_report
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.bundle import export_bundle
from fieldtool.sync.hub import open_hub
from fieldtool.sync.report_check import check_report
from fieldtool.sync.trust import Trust
from fieldtool.usecases.demo import DemoClock, build_demo
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_report import lot_report_data
from tests.conftest import PYTHON, run_cli_env
from tests.sync.conftest import Laptop, enroll_in_process, register_in_process


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, keys.SigningKey]:
    """A one-city demo laptop, one finished lot's report, and the laptop's key.

    The laptop's key is the session's device key: every record is signed with it as it is written,
    and each test's CLI trusts it as "this laptop's device key".
    """
    root = tmp_path_factory.mktemp("report")
    key = keys.device_key()
    db = root / "laptop.db"
    clock = DemoClock()
    with SqliteStore.open(db, clock=clock, durable=False, signer=key) as store:
        services = Services(store, clock=clock)
        build_demo(services, seed=5, lots_per_cell=1, clock=clock, cities=["nanjing"])
        store.sign_finalisations(keys.finalisation_signer(key))
        inspection = store.inspections(final=True)[0].id
        pdf = root / "lot.pdf"
        render_lot_report(lot_report_data(services, inspection, trust=Trust(local_key=key.public_key)), pdf)
    return db, pdf, inspection, key


def test_the_report_matches_the_laptop_and_the_hub_after_sync(reported, tmp_path: Path, hub_db: Path) -> None:  # type: ignore[no-untyped-def]
    db, pdf, inspection, key = reported
    laptop_db = tmp_path / "laptop.db"
    shutil.copy(db, laptop_db)
    result = check_report(pdf, laptop_db, Trust(local_key=key.public_key))
    assert result.ok, result.message
    assert result.inspection_id == inspection and result.message.startswith("OK ")
    lap = Laptop(laptop_db, key, "Inspector Wang")
    register_in_process(hub_db, lap, enroll_in_process(hub_db, "Inspector Wang"))
    bundle = tmp_path / "b.bundle"
    with lap.store() as store:
        export_bundle(store, key, bundle)
    store, hub = open_hub(hub_db)
    with store:
        hub.import_bundle(bundle.read_bytes(), "b.bundle")
    on_hub = check_report(pdf, hub_db)
    assert on_hub.ok and on_hub.database_fingerprint == result.report_fingerprint, on_hub.message


def test_a_changed_weight_makes_the_report_mismatch_and_the_cli_says_so(reported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, pdf, inspection, _key = reported
    changed = tmp_path / "changed.db"
    shutil.copy(db, changed)
    con = sqlite3.connect(changed, isolation_level=None)
    con.execute("DROP TRIGGER records_no_update")
    row = con.execute("SELECT id, body FROM records WHERE inspection_id = ? AND kind = 'measurement-recorded' LIMIT 1",
                      [inspection]).fetchone()
    # The record rewritten (its stored hash changes with it): the fingerprint over the hashes no longer
    # matches the printed one.
    con.execute("UPDATE records SET hash = ? WHERE id = ?", ["f" * 64, row[0]])
    con.close()
    result = subprocess.run([PYTHON, "-m", "fieldtool.cli.sync", "verify", "--db", str(changed), "--report", str(pdf)],
                            check=False, capture_output=True, text=True, env=run_cli_env(), timeout=60)
    assert result.returncode == 1 and result.stdout.startswith("MISMATCH"), result.stdout + result.stderr
    ok = subprocess.run([PYTHON, "-m", "fieldtool.cli.sync", "verify", "--db", str(db), "--report", str(pdf)],
                        check=False, capture_output=True, text=True, env=run_cli_env(), timeout=60)
    assert ok.returncode == 0 and ok.stdout.startswith("OK "), ok.stdout + ok.stderr
    not_pdf = subprocess.run([PYTHON, "-m", "fieldtool.cli.sync", "verify", "--db", str(db), "--report", str(db)],
                             check=False, capture_output=True, text=True, env=run_cli_env(), timeout=60)
    assert not_pdf.returncode == 2 and "not a readable PDF" in not_pdf.stderr
    assert len(not_pdf.stderr.strip().splitlines()) == 1


def test_a_report_made_before_its_review_is_superseded_not_a_mismatch(reported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from fieldtool.usecases.review import review

    db, pdf, inspection, key = reported
    later = tmp_path / "reviewed.db"
    shutil.copy(db, later)
    with SqliteStore.open(later, signer=key) as store:
        review(store, inspection, "审核员 赵敏")
    result = check_report(pdf, later, Trust(local_key=key.public_key))
    assert not result.ok
    assert result.message.startswith(f"SUPERSEDED {pdf}: the report is of inspection {inspection} as it stood before "
                                      "its last 1 record (inspection-reviewed at "), result.message
    cli = subprocess.run([PYTHON, "-m", "fieldtool", "verify", "--db", str(later), "--report", str(pdf)],
                         capture_output=True, text=True, env=run_cli_env(), timeout=120, check=False)
    assert cli.returncode == 1 and cli.stdout.startswith("SUPERSEDED "), cli.stdout + cli.stderr
