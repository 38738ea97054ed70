"""The crash test: kill the running TUI (SIGKILL, in a real terminal) while weighing; nothing acknowledged is lost.

The TUI runs under tmux, as an inspector's terminal would; the test types weights like a
person, reads the screen for the "saved package k" acknowledgement, kills the process at a
random moment, restarts it on the same database, and checks after every kill that each
acknowledged weight is in the database, in order, exactly once.
"""

from __future__ import annotations

import functools
import os
import random
import re
import shutil
import signal
import time
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from tests.conftest import PYTHON, run_cli_env
from tests.e2e.tmux_kit import Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)")

SAVED = re.compile(r"saved package (\d+)")


def acknowledges_beyond(count: int, screen: str) -> bool:
    return acknowledged(screen) > count


def acknowledged(screen: str) -> int:
    found = [int(n) for n in SAVED.findall(screen)]
    return max(found) if found else 0


@pytest.mark.slow
def test_sigkill_mid_weighing_loses_no_acknowledged_weight(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    with SqliteStore.open(db) as store:
        services = Services(store)
        services.save_inspector("Wang Li")
        inspection = services.start_inspection(
            InspectionHeader(
                site_name="Crash Test Mart", site_kind=SiteKind.RETAILER, nominal=Decimal(500), unit="g",
                lot_size=300, rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.STRATIFIED,
                inspectors=("Wang Li",), tare_method=TareMethod.NET,
            )
        )
    env = run_cli_env() | {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    sent = [f"{500 + i / 10:.1f}" for i in range(1, 51)]  # distinct, so order and duplicates show
    rng = random.Random(20261128)
    command = f"exec {PYTHON} -m fieldtool --db {db} --lang en --inspection {inspection.id}"
    kills = 0
    next_index = 0
    while next_index < len(sent) and kills < 8:
        term = Terminal(f"fieldtool-crash-{os.getpid()}-{kills}", command, env, size=(100, 30))
        try:
            term.wait_for(rf"Net quantity of package {next_index + 1}\b")
            burst = rng.randint(1, 9)
            for value in sent[next_index : next_index + burst]:
                term.type(value)
                term.enter()
                time.sleep(rng.uniform(0, 0.08))
            # The kill comes once the first weight of the burst is acknowledged (so every round saves
            # something however slow the machine), while the rest may still be on their way.
            term.wait_until(functools.partial(acknowledges_beyond, next_index), "the burst's first acknowledgement")
            if rng.random() < 0.5:
                term.type(sent[min(next_index + burst, len(sent) - 1)][:3])  # killed while typing the next one
            acked = acknowledged(term.screen())
            os.kill(term.pid(), signal.SIGKILL)
            kills += 1
        finally:
            term.close()
        with SqliteStore.open(db) as store:
            stored = [str(m.net) for m in store.current_measurements(inspection.id)]
            assert store.verify_chain() == [] and store.verify_projections() == []
        assert len(stored) >= acked, f"the screen acknowledged {acked} weights; the database holds {len(stored)}"
        assert stored == sent[: len(stored)], "stored weights must be what was typed, in order, each once"
        next_index = len(stored)
    assert kills >= 3, "the test must kill the TUI several times"
    assert next_index > 0, "some weights must have been saved"
