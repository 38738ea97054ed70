"""End-to-end tests of a newcomer's first commands (issue 14, item 16): the demo, `locate`, `programme show --lang zh`.

The CLI runs in a subprocess in the test's isolated home; the demo's TUI runs under tmux, as in a
terminal, to show that the demo's path is on screen before the TUI covers it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import PYTHON, run_cli_env


def fieldtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "fieldtool", *args], check=False, capture_output=True, text=True, env=run_cli_env(), timeout=60)


def test_demo_help_names_the_database_option_path() -> None:
    text = fieldtool("demo", "--help").stdout
    assert "--db PATH" in text and "SUB_DB" not in text


def test_locate_names_the_real_database_and_the_demo_and_says_which_is_which(isolated_home: Path) -> None:
    before = fieldtool("locate").stdout
    real = isolated_home / "data" / "fieldtool" / "fieldtool.db"
    demo = isolated_home / "data" / "fieldtool" / "demo.db"
    assert f"database:\n  {real}\n  (your inspections" in before
    assert f"demo_database:\n  {demo}  (not built yet)\n  (throw-away data built by 'fieldtool demo'" in before
    built = fieldtool("demo", "--cities", "haikou")
    assert built.returncode == 0, built.stderr
    assert f"building the demo database {demo}" in built.stderr  # the path before the build
    assert f"open it with: fieldtool --db {demo}  (your own inspections stay in {real})" in built.stdout
    assert f"demo_database:\n  {demo}\n" in fieldtool("locate").stdout


def test_programme_show_in_chinese_says_its_notes_are_only_in_english() -> None:
    text = fieldtool("programme", "show", "cn-2012-net-content", "--lang", "zh").stdout
    lines = text.splitlines()
    assert lines[lines.index("说明：") + 1] == "  （以下说明在方案文件中只有英文）"
    assert "（以下说明" not in fieldtool("programme", "show", "cn-2012-net-content").stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_demo_open_shows_the_path_and_waits_for_enter_before_the_tui(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    socket = f"ft-first-run-{uuid.uuid4().hex[:8]}"
    env = run_cli_env()

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], check=False, capture_output=True, text=True, env=env, timeout=20).stdout

    tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
         f"{PYTHON} -m fieldtool demo --db {db} --cities haikou --open --lang en; sleep 60")
    try:
        screen = wait_for(lambda: tmux("capture-pane", "-p", "-J", "-t", "t"), "press Enter to open it in the TUI")
        assert f"building the demo database {db}" in screen and f"demo database {db}:" in screen
        tmux("send-keys", "-t", "t", "Enter")
        wait_for(lambda: tmux("capture-pane", "-p", "-J", "-t", "t"), "Programme:")  # the TUI's Home
        tmux("send-keys", "-t", "t", "C-q")
        screen = wait_for(lambda: tmux("capture-pane", "-p", "-J", "-t", "t"), "that was the demo database")
        assert f"that was the demo database {db}" in screen
    finally:
        tmux("kill-server")


def wait_for(capture: object, text: str, timeout: float = 30.0) -> str:
    """Capture the pane until `text` shows (polled: the condition, not a guessed delay)."""
    assert callable(capture)
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = str(capture())
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never showed; the screen:\n{screen}")
