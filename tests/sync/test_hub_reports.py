"""The hub as the supervisor's report database: the programme summary counts every laptop's lots; laptops need no server code."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.bundle import export_bundle
from fieldtool.sync.hub import open_hub
from fieldtool.sync.verify import verify_store
from fieldtool.usecases.demo import DemoClock, build_demo
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.summary import programme_summary_data
from tests.conftest import PYTHON, run_cli_env
from tests.sync.conftest import Laptop, enroll_in_process, register_in_process

PROGRAMME = "cn-2012-net-content"


def demo_laptop(directory: Path, city: str, seed: int) -> Laptop:
    directory.mkdir(parents=True)
    key = keys.load_or_create(directory / keys.KEY_FILE)
    db = directory / "fieldtool.db"
    clock = DemoClock()
    with SqliteStore.open(db, clock=clock, durable=False, signer=key) as store:
        build_demo(Services(store, clock=clock), seed=seed, lots_per_cell=1, clock=clock, cities=[city])
    return Laptop(db, key, city)


def test_the_programme_summary_on_the_hub_covers_every_laptop(tmp_path: Path, hub_db: Path) -> None:
    laptops = [demo_laptop(tmp_path / city, city, seed) for seed, city in enumerate(("nanjing", "beijing"), start=3)]
    totals = []
    for lap in laptops:
        register_in_process(hub_db, lap, enroll_in_process(hub_db, lap.name))
        with lap.store() as store:
            totals.append(programme_summary_data(Services(store, signer=lap.key), PROGRAMME).totals)
            export_bundle(store, lap.key, tmp_path / f"{lap.name}.bundle")
        store, hub = open_hub(hub_db)
        with store:
            hub.import_bundle((tmp_path / f"{lap.name}.bundle").read_bytes(), lap.name)
    with SqliteStore.open(hub_db) as store:
        summary = programme_summary_data(Services(store), PROGRAMME)
        assert summary.totals.lots == sum(t.lots for t in totals) > 0
        assert summary.totals.failed == sum(t.failed for t in totals)
        assert set(summary.by_city) >= {"nanjing", "beijing"}
        assert summary.open_inspections == 6  # the demo leaves 3 open lots per laptop
        assert verify_store(store).ok


def test_laptop_side_sync_modules_load_neither_the_server_nor_the_ui() -> None:
    code = ("import sys, fieldtool.cli.sync, fieldtool.sync.client, fieldtool.sync.bundle, fieldtool.sync.verify; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'textual', 'reportlab') if m in sys.modules))")
    result = subprocess.run([PYTHON, "-c", code], check=False, capture_output=True, text=True, env=run_cli_env(),
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr
