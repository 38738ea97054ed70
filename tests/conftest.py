"""Shared fixtures and helpers: a fresh home for every test (never the user's data), the CLI's environment, a clock."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fieldtool.infra import keys

REPO = Path(__file__).resolve().parent.parent


_XDG = (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"))


def _make_home(home: Path) -> dict[str, str]:
    """The directories of a fresh home and the environment variables that point platformdirs at them."""
    env = {"HOME": str(home)}
    for var, sub in _XDG:
        (home / sub).mkdir()
        env[var] = str(home / sub)
    return env


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A directory that `build` fills once for the whole run, shared by every xdist worker; read it, copy what you change.

    The first worker to ask creates ``<name>.lock`` (O_EXCL) and builds; the others wait for the
    directory to be complete (or for the builder's failure), for at most ten minutes.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's own
    target, failed = root / name, root / f"{name}.failed"
    try:
        os.close(os.open(root / f"{name}.lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + 600
        while not (target / ".complete").exists():
            if failed.exists():
                raise RuntimeError(f"building the shared {name} failed in another worker: {failed.read_text()}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"the shared {name} was not built within ten minutes") from None
            time.sleep(0.1)
        return target
    partial = root / f"{name}.partial"
    partial.mkdir()
    try:
        build(partial)
    except BaseException as e:
        failed.write_text(f"{type(e).__name__}: {e}")
        raise
    partial.rename(target)
    (target / ".complete").touch()
    return target


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary home for the whole session, with one device key: what session and module fixtures see.

    Fixtures of a wider scope are built before a test's own home exists; they must never reach
    the user's real data directory. The device key made here is copied into every test's home,
    so a database built once by a shared fixture is signed by the key the CLI of any test trusts
    as "this laptop's device key" (the whole session is one laptop).
    """
    home = tmp_path_factory.mktemp("session-home")
    saved = {var: os.environ.get(var) for var in ("HOME", *(v for v, _ in _XDG))}
    os.environ.update(_make_home(home))
    # One key for the whole run, every worker: databases built once and shared are signed by it.
    shared = built_once(tmp_path_factory, "device-key", lambda d: keys.load_or_create(d / keys.KEY_FILE) and None)
    key_dir = home / "data" / "fieldtool"
    key_dir.mkdir(parents=True)
    shutil.copy2(shared / keys.KEY_FILE, key_dir / keys.KEY_FILE)
    try:
        yield home
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


@pytest.fixture(autouse=True)
def isolated_home(session_home: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point platformdirs (XDG variables) at a fresh temporary home for each test, holding the session's device key."""
    home = tmp_path_factory.mktemp("home")
    for var, value in _make_home(home).items():
        monkeypatch.setenv(var, value)
    key_dir = home / "data" / "fieldtool"
    key_dir.mkdir(parents=True)
    shutil.copy2(session_home / "data" / "fieldtool" / keys.KEY_FILE, key_dir / keys.KEY_FILE)
    return home


def run_cli_env() -> dict[str, str]:
    """The environment for running the CLI in a subprocess: the test's isolated home, the repo on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("COLUMNS", None)
    return env


PYTHON = sys.executable


def cli_process(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m fieldtool ARGS`` in a subprocess, in the test's isolated home: the entry point itself."""
    return subprocess.run([PYTHON, "-m", "fieldtool", *args], input=stdin, check=False, capture_output=True,
                          text=True, env=run_cli_env(), timeout=timeout)


def cli_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in this process (`fieldtool.cli.main.main`: its parser, dispatch and one-line errors).

    The same code as ``python -m fieldtool`` without an interpreter's start and the imports of reportlab and
    the font for each command; tests of the entry point itself use `cli_process`.
    """
    from fieldtool.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 2
    return subprocess.CompletedProcess(["fieldtool", *args], status, out.getvalue(), err.getvalue())


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

