"""Installed without internet: the wheelhouse script, then an offline install into a fresh environment.

For this machine's platform the script downloads every wheel; a fresh environment installs them
with ``--no-index`` (pip cannot reach any index then) and runs ``fieldtool check`` and a one-city
``fieldtool demo`` from it, outside this checkout. For two other platforms (Windows x86-64 with
Python 3.11, Linux ARM64 with 3.12: between them every kind of wheel the laptops need) the script
only asks the index whether every dependency has a binary wheel. All six targets were resolved by
hand with ``--all --check`` (README). Without a reachable index the test is skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "build_wheelhouse.py"
OTHER_TARGETS = ("win_amd64:3.11", "manylinux_aarch64:3.12")


def script(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False,
                            timeout=600)
    if result.returncode == 3:
        pytest.skip(f"the package index cannot be reached from here: {result.stderr.strip()}")
    return result


@pytest.mark.slow  # a minute, waiting on pip: started first, beside the short tests
def test_a_wheelhouse_installs_offline_and_runs_check_and_the_demo(tmp_path: Path) -> None:
    built = script("--out", str(tmp_path / "wheelhouse"))
    assert built.returncode == 0, built.stderr
    (folder,) = [p for p in (tmp_path / "wheelhouse").iterdir() if p.is_dir()]
    wheels = {p.name.split("-")[0].lower().replace("_", "-") for p in folder.glob("*.whl")}
    assert {"fieldtool", "textual", "numpy", "reportlab", "cryptography", "sqlite-utils", "pyserial",
            "platformdirs"} <= wheels, wheels
    assert "--no-index" in (folder / "INSTALL.txt").read_text(encoding="utf-8")

    env_dir = tmp_path / "laptop env"  # a space, as in C:\Users\张三\fieldtool env
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    offline = dict(os.environ, PIP_NO_INDEX="1", PIP_INDEX_URL="http://127.0.0.1:9/unreachable")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--find-links", str(folder),
         "fieldtool"], capture_output=True, text=True, env=offline, check=False, timeout=600)
    assert installed.returncode == 0, installed.stderr

    away = tmp_path / "elsewhere"  # not this checkout: the installed package, not the source tree
    away.mkdir()
    run_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import fieldtool; print(fieldtool.__file__)"], cwd=away,
                           capture_output=True, text=True, env=run_env, check=True, timeout=60).stdout
    assert str(env_dir) in where and str(REPO) not in where, where
    checked = subprocess.run(
        [str(python), "-m", "fieldtool", "check", "--plan", "jjf1070-2005", "--nominal", "500", "--unit", "g",
         "--lot-size", "300", str(REPO / "examples" / "rice-500g-lot300.txt")],
        cwd=away, capture_output=True, text=True, env=run_env, check=False, timeout=120)
    assert checked.returncode == 0 and "PASS" in checked.stdout, checked
    demo = subprocess.run([str(python), "-m", "fieldtool", "demo", "--db", str(away / "demo.db"), "--cities", "beijing"],
                          cwd=away, capture_output=True, text=True, env=run_env, check=False, timeout=300)
    assert demo.returncode == 0 and "finished inspections in 1 city" in demo.stdout, demo


@pytest.mark.slow  # a minute, waiting on pip: started first, beside the short tests
def test_the_other_platforms_find_every_dependency_as_a_binary_wheel(tmp_path: Path) -> None:
    targets = [arg for target in OTHER_TARGETS for arg in ("--target", target)]
    checked = script("--check", "--out", str(tmp_path / "check"), *targets)
    assert checked.returncode == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert len(lines) == len(OTHER_TARGETS), lines
    for line in lines:
        assert "every wheel found" in line and "numpy" in line and "cryptography" in line, line
    assert not list((tmp_path / "check").rglob("*.whl")), "nothing downloaded"
