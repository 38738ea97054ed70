"""The new-inspection form typed at full speed in a real terminal: every field holds exactly what was typed.

`fieldtool` runs under tmux at 80 × 24 on a fresh database in the test's own home; the whole
form goes in ONE `tmux send-keys` call (no delay between keys: Tab, Enter, Down, Backspace and
Chinese text, as a barcode scanner or a fast typist sends them); the stored inspection is then
read back from the SQLite file.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from fieldtool.core.inspection import InspectionHeader
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from tests.conftest import PYTHON, run_cli_env
from tests.e2e.tmux_kit import Terminal
from tests.tui.test_fast_typing import assert_form_stored

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)")

# tmux key names; anything else is sent as text. Same form as tests/tui/test_fast_typing.py.
FORM = [
    "Enter", "Down", "Down", "Enter", "Tab",  # city: the second (Tianjin)
    "Enter", "Down", "Enter", "Tab",  # product: the first (rice)
    "苏果超市（中山路店）", "Tab",
    "南京市玄武区中山路18号", "Tab",
    "Tab",  # site kind, as offered
    "金龙鱼 大米", "Tab",
    "20261001AX", "BSpace", "Tab",
    "2026-10-01", "Tab",
    "Tab",  # typical Qn
    "5", "Tab",
    "Tab",  # unit: kg, from the product
    "300", "Tab",
    "Tab", "Tab",  # sampling, seed
    "Tab",  # first inspector, from the profile
    "张检", "Tab",
    "Enter", "Down", "Enter", "Tab",  # balance: the one registered
    "Tab", "Tab",  # tare, rule set
    "快速录入测试", "C-s",
]


def latest(db: Path) -> InspectionHeader | None:
    with SqliteStore.open(db) as store:
        return Services(store).latest_header()


@pytest.mark.slow
def test_whole_form_sent_in_one_call_is_stored_exactly(tmp_path: Path) -> None:
    db = tmp_path / "fast.db"
    with SqliteStore.open(db) as store:
        services = Services(store)
        services.save_inspector("王力")
        balance = services.add_balance(make="Mettler", model="MS6002S", serial="B0042", max_capacity="6200", d="0.01",
                                       e="0.1", accuracy_class="II", mpe="0.5", certificate="JL-2026-118",
                                       calibration_due=None)
    env = run_cli_env() | {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    term = Terminal(f"fieldtool-fast-{os.getpid()}", f"exec {PYTHON} -m fieldtool --db {db} --lang zh", env)
    try:
        term.wait_until(lambda screen: "首页" in screen, "Home")
        term.send("n")
        # The first inspector is filled in when the form is ready, in the same step that focuses its first field.
        term.wait_until(lambda screen: re.search(r"检验人员\s+王力", screen) is not None, "the new-inspection form")
        term.send(*FORM)
        term.wait_until(lambda _screen: latest(db) is not None, "the inspection saved")
    finally:
        term.close()
    assert_form_stored(latest(db), balance.id)
