"""Measures the TUI: Enter → "saved and statistics updated" for the 125th package, start-up, memory.

The 125th Enter is timed in the steady state: 123 packages are in the store, the 124th is typed
through the screen first (both for fieldtool and for the baseline), so that what a screen does
once after it opens (its first Footer compose) is not counted in an inspector's every Enter.

Each figure is compared, in the same run, with a bare baseline:
- weighing: a minimal Textual app that echoes an Input into a DataTable after a bare SQLite
  commit (WAL, synchronous=FULL, like the store), driven headless the same way;
- start-up: a bare Textual app showing one label, in a fresh process, to its first screen;
- memory: the peak RSS of those two processes.

Run: python benchmarks/bench_tui.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from decimal import Decimal
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Label

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.infra.config import Settings
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.weighing import WeighingScreen
from fieldtool.usecases.inspection import Services

PREFILLED = 124


async def _wait_for(pilot, predicate) -> None:  # type: ignore[no-untyped-def]
    while not predicate():
        await asyncio.sleep(0)
        await pilot.pause(0)


async def time_fieldtool_enter(db: Path) -> float:
    """Seconds from Enter on the 125th package to the screen showing it saved with the statistics updated."""
    runner = ServiceRunner(lambda: Services(SqliteStore.open(db)))

    def prepare(s: Services) -> str:
        if s.inspector() is None:
            s.save_inspector("Bench")
        i = s.start_inspection(
            InspectionHeader(site_name="Bench", site_kind=SiteKind.PRODUCER, nominal=Decimal(500), unit="g",
                             lot_size=5000, rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.SYSTEMATIC,
                             inspectors=("Bench",), tare_method=TareMethod.NET)
        )
        for k in range(PREFILLED - 1):
            s.store.record_measurement(i.id, Decimal(500) + Decimal(k % 17) / 10)
        return i.id

    iid = runner.call_sync(prepare)
    app = FieldtoolApp(runner, Settings(lang="en"), inspection_id=iid)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await _wait_for(pilot, lambda: isinstance(app.screen, WeighingScreen) and app.screen.state is not None)
            screen = app.screen
            assert isinstance(screen, WeighingScreen)
            box = screen.query_one("#weight")
            # The 124th package typed first, as the inspector did: the screen is in its steady state
            # (its first Footer compose, done once per screen, is not counted in the 125th Enter).
            box.value = "499.6"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await _wait_for(pilot, lambda: screen.state is not None and len(screen.state.measurements) == PREFILLED)
            await pilot.pause()
            box.value = "499.7"  # type: ignore[attr-defined]
            start = time.perf_counter()
            await pilot.press("enter")
            await _wait_for(pilot, lambda: screen.state is not None and len(screen.state.measurements) == PREFILLED + 1)
            return time.perf_counter() - start
    finally:
        runner.close()


class EchoApp(App[None]):
    """The baseline: an Input echoed into a DataTable after a bare SQLite commit."""

    def __init__(self, db: Path) -> None:
        super().__init__()
        self.conn = sqlite3.connect(db)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS w (id INTEGER PRIMARY KEY, v TEXT)")
        self.done = 0

    def compose(self) -> ComposeResult:
        yield DataTable()
        yield Label("")
        yield Input()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("v")
        for k in range(PREFILLED - 1):
            table.add_row(str(k))
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.conn.execute("INSERT INTO w (v) VALUES (?)", [event.value])
        self.conn.commit()
        self.query_one(DataTable).add_row(event.value)
        self.query_one(Label).update(f"saved {event.value}")
        event.input.value = ""
        self.done += 1


async def time_baseline_enter(db: Path) -> float:
    app = EchoApp(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.query_one(Input).value = "499.6"  # one Enter first, as for fieldtool: the steady state
        await pilot.press("enter")
        await _wait_for(pilot, lambda: app.done == 1)
        await pilot.pause()
        app.query_one(Input).value = "499.7"
        start = time.perf_counter()
        await pilot.press("enter")
        await _wait_for(pilot, lambda: app.done == 2)
        elapsed = time.perf_counter() - start
    app.conn.close()
    return elapsed


STARTUP = textwrap.dedent(
    """
    import sys, time
    start = time.perf_counter()
    which, db = sys.argv[1], sys.argv[2]
    marks = {}
    if which == "fieldtool":
        # As the CLI does: the store is opened on the store thread while the UI starts.
        from fieldtool.infra.config import Settings
        from fieldtool.tui.app import FieldtoolApp
        from fieldtool.tui.runner import ServiceRunner
        from fieldtool.tui.screens.home import HomeScreen

        def open_services():
            from fieldtool.usecases.inspection import Services
            from fieldtool.storage import SqliteStore
            return Services(SqliteStore.open(db))

        runner = ServiceRunner(open_services)
        app = FieldtoolApp(runner, Settings(lang="en"))

        def shown():
            return isinstance(app.screen, HomeScreen)

        def loaded():
            return shown() and app.screen.query_one("#inspections").row_count > 0
    else:
        from textual.app import App
        from textual.widgets import Label
        class Bare(App):
            def compose(self):
                yield Label("bare")
        app = Bare()

        def shown():
            return bool(app.screen.query(Label))

        loaded = shown

    def poll():
        now = time.perf_counter() - start
        if "shown" not in marks and shown():
            marks["shown"] = now
        if loaded():
            marks["loaded"] = now
            app.call_after_refresh(app.exit)
        else:
            app.set_timer(0.005, poll)

    app.call_later(poll)
    app.run(headless=True, size=(100, 30))
    # VmHWM is this process's own peak (ru_maxrss would include the parent's, kept across exec).
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
    print(marks["shown"], marks["loaded"], hwm)
    """
)


def startup(which: str, db: Path) -> tuple[float, float, int]:
    """(seconds to the first screen, seconds until it shows its data, peak RSS in KiB) of a fresh process."""
    out = subprocess.run([sys.executable, "-c", STARTUP, which, str(db)], capture_output=True, text=True, check=True)
    shown, loaded, rss = out.stdout.split()[-3:]
    return float(shown), float(loaded), int(rss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each measurement (median shown)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        demo = tmpdir / "demo.db"
        from fieldtool.usecases.demo import build_demo

        with SqliteStore.open(demo) as store:
            build_demo(Services(store), seed=1, lots_per_cell=1)
        enter_ft, enter_base, start_ft, start_base, rss_ft, rss_base = [], [], [], [], [], []
        loaded_ft = []
        for k in range(args.repeat):
            enter_ft.append(asyncio.run(time_fieldtool_enter(tmpdir / f"ft{k}.db")))
            enter_base.append(asyncio.run(time_baseline_enter(tmpdir / f"base{k}.db")))
            s, loaded, r = startup("fieldtool", demo)
            start_ft.append(s)
            loaded_ft.append(loaded)
            rss_ft.append(r)
            s, _, r = startup("bare", demo)
            start_base.append(s)
            rss_base.append(r)
    med = statistics.median
    print(f"TUI figures, median of {args.repeat} interleaved runs each")
    print(f"{'measurement':<46} {'fieldtool':>11} {'baseline':>11} {'ratio':>7}")
    rows = [
        ("Enter → saved + stats, 125th package (ms)", med(enter_ft) * 1000, med(enter_base) * 1000),
        ("start-up to first screen (ms)", med(start_ft) * 1000, med(start_base) * 1000),
        ("start-up until Home shows the demo data (ms)", med(loaded_ft) * 1000, med(start_base) * 1000),
        ("peak RSS of the process (MiB)", med(rss_ft) / 1024, med(rss_base) / 1024),
    ]
    for name, ours, base in rows:
        print(f"{name:<46} {ours:>11.1f} {base:>11.1f} {ours / base:>6.2f}x")
    print("targets: Enter ≤ 1.5x, start-up ≤ 1.5x (the baseline for Enter commits with the same pragmas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
