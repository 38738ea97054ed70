"""End-to-end tests of `fieldtool demo`: the real CLI in a subprocess."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from fieldtool.storage import SqliteStore
from fieldtool.usecases.demo import build_demo
from fieldtool.usecases.inspection import Services
from tests.conftest import PYTHON, run_cli_env

SUMMARY = re.compile(
    r"demo database (?P<db>.+): cn-2012-net-content: (?P<finished>\d+) finished inspections in (?P<cities>\d+) cities × "
    r"10 products, "
    r"(?P<failed>\d+) failed \((?P<share>\d+\.\d) %\), 3 open"
)


def fieldtool(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "fieldtool", *args], check=False, capture_output=True, text=True, env=run_cli_env(),
        timeout=timeout,
    )


def assert_refused(result: subprocess.CompletedProcess[str], db: Path) -> None:
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fieldtool: ") and str(db) in lines[0]
    assert "already has inspections" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_builds_the_programme_and_refuses_to_run_twice(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    # One lot per city and product (some cells left empty), through the use-cases; five of the 30 cities
    # (the default demo of all 30 is the same code, six times longer).
    result = fieldtool("demo", "--db", str(db), "--seed", "1", "--cities", "beijing,nanjing,chengdu,urumqi,haikou",
                       timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"open it with: fieldtool --db {db}"), result.stdout
    assert result.stderr.startswith(f"building the demo database {db}"), result.stderr  # the path before the build
    match = SUMMARY.fullmatch(lines[0])
    assert match is not None, lines[0]
    finished, failed = int(match["finished"]), int(match["failed"])
    assert Path(match["db"]) == db and match["cities"] == "5" and 25 <= finished <= 50 and 0 < failed < finished
    assert match["share"] == f"{100 * failed / finished:.1f}"
    with SqliteStore.open(db) as store:
        assert len(store.inspections(final=True)) == finished and len(store.inspections(final=False)) == 3
        assert store.verify_chain() == []
    assert_refused(fieldtool("demo", "--db", str(db), "--seed", "1"), db)


def test_demo_refuses_a_database_that_has_inspections(tmp_path: Path) -> None:
    db = tmp_path / "used.db"
    with SqliteStore.open(db) as store:
        build_demo(Services(store), seed=1, lots_per_cell=1, cities=["haikou"])
        before = len(store.inspections())
    assert_refused(fieldtool("demo", "--db", str(db), "--seed", "1"), db)
    with SqliteStore.open(db) as store:
        assert len(store.inspections()) == before
