"""The ``fieldtool balance`` commands: simulate in a real subprocess, probe it, add a balance to the register."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.balance.sim import Simulator
from fieldtool.cli import balance as cli_balance
from fieldtool.storage import SqliteStore
from tests.conftest import run_cli_env

from .conftest import PATIENCE

Make = Callable[..., tuple[Simulator, str]]


@pytest.fixture
def spawn() -> Iterator[Callable[..., tuple[subprocess.Popen[str], str]]]:
    """Start ``python -m fieldtool.cli.balance simulate …``; returns the process and the port it printed."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fieldtool.cli.balance", "simulate", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=run_cli_env(),
        )
        started.append(proc)
        assert proc.stdout is not None
        return proc, proc.stdout.readline().strip()

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def applied(proc: subprocess.Popen[str], controls: str) -> None:
    """Send console lines to a simulator and wait until it has applied them: its answer to 'status' comes after them."""
    assert proc.stdin is not None and proc.stderr is not None
    stderr = proc.stderr
    proc.stdin.write(controls + "status\n")
    proc.stdin.flush()
    answered = threading.Event()

    def read() -> None:
        for line in stderr:
            if line.startswith("load "):
                answered.set()
                return

    threading.Thread(target=read, daemon=True).start()
    assert answered.wait(PATIENCE), f"the simulator did not answer 'status' after {controls!r}"


def probe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli_balance.main(["probe", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_on_a_pty_then_probe_it(spawn: Callable[..., tuple[subprocess.Popen[str], str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weights = tmp_path / "weights.txt"
    weights.write_text("512.30\n498.75\n", encoding="utf-8")
    proc, path = spawn("--protocol", "sbi", "--listen", "pty", "--weights", str(weights), "--unstable", "0.05", "--serial", "0035503452")
    assert path.startswith("/dev/")
    code, out, err = probe(capsys, "--port", path, "--stable", "--timeout", "3")
    assert code == 0, err
    assert out.splitlines() == [
        "balance:  Sartorius BSA6202S serial 0035503452",
        f"protocol: Sartorius SBI on {path} 9600 8N1",
        "reading:  512.30 g (stable)",
        "raw:      '+   512.30 g  '",
    ]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == 0


def test_simulate_on_tcp_with_console_controls(spawn: Callable[..., tuple[subprocess.Popen[str], str]], capsys: pytest.CaptureFixture[str]) -> None:
    proc, url = spawn("--protocol", "mt-sics", "--listen", "tcp:127.0.0.1:0", "--unstable", "0.02", "--advance", "manual", "--tare", "20.5")
    assert url.startswith("socket://127.0.0.1:")
    assert proc.stdin is not None
    applied(proc, "w 271\n")  # 250.50 g net of the 20.5 g tare left on the balance
    code, out, err = probe(capsys, "--port", url, "--protocol", "mt-sics", "--stable", "--timeout", "3", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["make"], result["model"], result["value"], result["unit"], result["stable"]) == ("METTLER TOLEDO", "XS6002S", "250.50", "g", True)
    assert result["raw"] == "S S     250.50 g" and result["capacity"] == "6200.00"
    applied(proc, "mute\n")
    # The probe before may still hold the simulator's one client slot for a moment: probe until it meets the mute balance.
    deadline = time.monotonic() + PATIENCE
    while True:
        code, out, err = probe(capsys, "--port", url, "--reply-timeout", "0.2")
        if "nothing answered" in err or time.monotonic() > deadline:
            break
    assert code == 2 and out == ""
    assert err.startswith(f"fieldtool: balance on {url}: nothing answered") and err.count("\n") == 1
    applied(proc, "unmute\noverload\n")
    deadline = time.monotonic() + PATIENCE  # the same: until the probe meets the overloaded balance
    while True:
        code, out, err = probe(capsys, "--port", url, "--protocol", "mt-sics", "--stable")
        if "overload" in err or time.monotonic() > deadline:
            break
    assert code == 2 and "overload" in err
    proc.stdin.write("quit\n")
    proc.stdin.flush()
    assert proc.wait(timeout=5) == 0


def test_probe_exits_2_when_nothing_answers(tmp_path: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "fieldtool.cli.balance", "probe", "--port", path, "--reply-timeout", "0.1"],
            check=False, capture_output=True, text=True, env=run_cli_env(), timeout=30,
        )
    finally:
        os.close(master)
        os.close(slave)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"fieldtool: balance on {path} 9600 8N1: nothing answered")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["probe", "--port", "/dev/ttyNOPE7"], "cannot open: No such file or directory"),
        (["probe", "--port", "/dev/ttyS0?parity=Q"], "parity must be one of"),
        (["simulate", "--protocol", "sbi", "--listen", "udp:1"], "--listen: give tcp:HOST:PORT"),
        (["simulate", "--protocol", "sbi", "--listen", "pty", "--advance", "often"], "--advance"),
        (["simulate", "--protocol", "sbi", "--listen", "pty", "--weights", "/nonexistent/w.txt"], "cannot read"),
    ],
)
def test_mistakes_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    assert cli_balance.main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_add_fills_in_model_serial_and_max(simulator: Make, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sim, url = simulator("mt-sics", "tcp", model="XS6002S", serial="B123456789", capacity=Decimal(6200), d=Decimal("0.01"))
    db = tmp_path / "fieldtool.db"
    code = cli_balance.main(["add", "--port", url, "--d", "0.01", "--e", "0.1", "--class", "II", "--due", "2013-03-01", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    with SqliteStore.open(db) as store:
        (balance,) = store.balances()
    assert (balance.make, balance.model, balance.serial) == ("METTLER TOLEDO", "XS6002S", "B123456789")
    assert (balance.max_capacity, balance.d, balance.e, balance.unit) == (Decimal("6200.00"), Decimal("0.01"), Decimal("0.1"), "g")
    assert balance.connection == url
    assert f"as {balance.id}" in out


def test_add_needs_max_from_a_balance_that_does_not_report_it(simulator: Make, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sim, url = simulator("and", "tcp")
    assert cli_balance.main(["add", "--port", url, "--d", "0.01", "--db", str(tmp_path / "f.db")]) == 2
    assert "does not report its Max" in capsys.readouterr().err
    assert cli_balance.main(["add", "--port", url, "--d", "0.01", "--max", "6200", "--db", str(tmp_path / "f.db")]) == 0


def test_wiring_into_the_main_parser() -> None:
    parser = argparse.ArgumentParser(prog="fieldtool")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("check")
    cli_balance.add_commands(sub)
    assert cli_balance.run(parser.parse_args(["check"])) is None
    args = parser.parse_args(["balance", "probe", "--port", "tcp:127.0.0.1:9", "--baud", "2400", "--parity", "E", "--bits", "7"])
    assert (args.command, args.balance_command, args.baud, args.parity, args.bits) == ("balance", "probe", 2400, "E", 7)


def test_balance_modules_do_not_load_the_ui() -> None:
    code = (
        "import sys, fieldtool.balance, fieldtool.balance.sim, fieldtool.usecases.balance, fieldtool.cli.balance; "
        "bad = [m for m in ('textual', 'rich', 'reportlab', 'numpy', 'sqlite_utils') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=run_cli_env(), timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
