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
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fieldtool.core.inspection import InspectionHeader
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from tests.conftest import PYTHON, run_cli_env
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


class Terminal:
    """A tmux session at 80 × 24 on its own server socket, running one command."""

    def __init__(self, name: str, command: str, env: dict[str, str]) -> None:
        self.socket = name
        self.env = env
        self._tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env, check=False,
                              timeout=20).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.socket)

    def send(self, *keys: str) -> None:
        """Every key in one `send-keys` call: tmux writes them to the terminal with no delay between them."""
        self._tmux("send-keys", "-t", self.socket, *keys)

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.05)
        raise AssertionError(f"{what} was not reached; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env, timeout=20, check=False)


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
        term.wait_until(lambda: "首页" in term.screen(), "Home")
        term.send("n")
        # The first inspector is filled in when the form is ready, in the same step that focuses its first field.
        term.wait_until(lambda: re.search(r"检验人员\s+王力", term.screen()) is not None, "the new-inspection form")
        term.send(*FORM)
        term.wait_until(lambda: latest(db) is not None, "the inspection saved")
    finally:
        term.close()
    assert_form_stored(latest(db), balance.id)
