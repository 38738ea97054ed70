"""Esc and the key typed right after it, in a real terminal: the Esc is not lost.

A terminal sends Esc as ESC, and the key after it at once; Textual alone read the two as one key
(Esc 5 as "∞", Esc Enter as Enter), so the Esc was lost. `fieldtool` runs under tmux on a lot at
its weighing; Esc and what follows go in ONE `tmux send-keys` call, which writes them to the
terminal together, as a fast typist's keys arrive (the case Textual's 100 ms wait cannot tell apart).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from tests.conftest import PYTHON, run_cli_env
from tests.e2e.tmux_kit import Terminal
from tests.tui.conftest import header

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)")


def nets(db: Path, iid: str) -> list[str]:
    with SqliteStore.open(db) as store:
        return [str(m.net) for m in Services(store).lot_state(iid).measurements]


@pytest.mark.slow
def test_esc_then_a_weight_and_esc_then_enter_sent_at_once(tmp_path: Path) -> None:
    db = tmp_path / "esc.db"
    with SqliteStore.open(db) as store:
        services = Services(store)
        services.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
        iid = services.start_inspection(header()).id
    env = run_cli_env() | {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    command = f"exec {PYTHON} -m fieldtool --db {db} --lang en --inspection {iid}"
    term = Terminal(f"fieldtool-esc-{os.getpid()}", command, env, size=(100, 30))
    try:
        term.wait_for("Net quantity of package 1")
        # Esc closes the environment dialog (F4); the weight typed right after is package 1 (it was "∞00.2" in the dialog).
        term.send("F4")
        term.wait_for(r"Temperature \(°C")
        term.send("Escape", "500.2", "Enter")
        term.wait_for(r"saved package 1: 500\.2 g", timeout=20)
        # 10 × Qn is asked first. Esc is "retype", so the Enter right after asks again and saves nothing (Textual alone
        # lost the Esc, and the Enter saved 5002 as typed); the Backspace after them shows both were handled.
        term.send("5002", "Enter")
        term.wait_for("Enter again to save it as typed, Esc to retype")
        term.send("Escape", "Enter", "BSpace")
        screen = term.wait_until(lambda s: "saved package 2" in s or re.search(r"▊  500 +▎", s) is not None,
                                 "the three keys handled", timeout=20)
        assert "saved package 2" not in screen
        assert nets(db, iid) == ["500.2"]
    finally:
        term.close()
