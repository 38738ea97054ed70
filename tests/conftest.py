"""Shared fixtures and helpers: a fresh home for every test (never the user's data), the CLI's environment, a clock."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point platformdirs (XDG variables) at a fresh temporary home for each test."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    return home


def run_cli_env() -> dict[str, str]:
    """The environment for running the CLI in a subprocess: the test's isolated home, the repo on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("COLUMNS", None)
    return env


PYTHON = sys.executable


class StepClock:
    """A clock for a store and its use-cases: one second later at each reading, from `start`.

    The first reading is one second after `start`; a test may set `now` to move it.
    """

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the tests marked slow first (a stable sort keeps the rest in order).

    With several workers, a test of a minute begun last would be the tail of the whole run; begun
    first, it runs beside the short ones.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)

