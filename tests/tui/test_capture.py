"""F9 on the weighing and tare screens reads the balance: against real simulators over TCP and a pseudo-terminal.

What the inspector sees (the live value, "saved package k from the balance", one-line errors) is
checked on the screen, and what was recorded (source, raw line, nothing lost or doubled) in the database.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label

from fieldtool.balance.session import BalanceSession
from fieldtool.balance.sim import SimulatedBalance, Simulator
from fieldtool.core.inspection import MeasurementSource
from fieldtool.core.tare import TareMethod
from fieldtool.infra.config import Settings
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.tare import TareScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from tests.tui.conftest import make_app, on_inspection, open_inspection, screen_text

FAST = {"reply_timeout": 0.3, "poll_interval": 0.002, "probe_timeout": 0.3}

Serve = Callable[..., tuple[Simulator, str]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """`serve(protocol, transport="tcp", **balance)` starts a simulator; all are stopped at the end."""
    started: list[Simulator] = []

    def start(protocol: str = "mt-sics", transport: str = "tcp", **balance: object) -> tuple[Simulator, str]:
        balance.setdefault("unstable_period", 0.05)
        balance.setdefault("stability_timeout", 0.5)
        sim = Simulator(protocol, SimulatedBalance(**balance))  # type: ignore[arg-type]
        started.append(sim)
        if transport == "pty":
            if not hasattr(os, "openpty"):
                pytest.skip("pseudo-terminals are POSIX only")
            return sim, sim.serve_pty()
        return sim, sim.serve_tcp()

    yield start
    for sim in started:
        sim.stop()


def balance_app(runner: ServiceRunner, port: str, protocol: str = "auto", timeout: float = 3.0) -> FieldtoolApp:
    settings = Settings(lang="en", db_path="test.db", balance_connection=port, balance_protocol=protocol, balance_timeout=timeout)
    return FieldtoolApp(runner, settings, balance=BalanceSession(port, protocol, **FAST))


def status(app: FieldtoolApp) -> str:
    return str(app.screen.query_one("#status", Label).render())


async def until(pilot, condition: Callable[[], bool], seconds: float = 8.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until `condition` holds (the balance answers on its own threads)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; the screen says: {status(pilot.app)!r}")
        await pilot.pause(0.02)


async def capture(pilot, saved: int) -> None:  # type: ignore[no-untyped-def]
    """Press F9 and wait until the status says package `saved` was saved from the balance."""
    await pilot.press("f9")
    await until(pilot, lambda: f"saved package {saved} from the balance" in status(pilot.app))


def waiting_app(runner: ServiceRunner, serve: Serve) -> FieldtoolApp:
    """An app on a balance whose load never settles (a draught), with a long capture timeout."""
    sim, port = serve("mt-sics", weights=[Decimal("501.37")])
    sim.balance.hold_unstable = True
    return balance_app(runner, port, timeout=30)


async def start_waiting(pilot, iid: str) -> None:  # type: ignore[no-untyped-def]
    """Open the lot, press F9 and wait until the live value shows."""
    await pilot.app.open_inspection(iid)
    await pilot.pause()
    await pilot.press("f9")
    await until(pilot, lambda: "waiting for a stable reading: 501." in status(pilot.app))


def measurements(db_path: Path, iid: str) -> list:  # type: ignore[type-arg]
    with SqliteStore.open(db_path) as store:
        return store.current_measurements(iid)


@pytest.mark.parametrize(("protocol", "transport"), [("mt-sics", "tcp"), ("sbi", "pty"), ("and", "tcp")])
async def test_f9_reads_packages_into_the_table_marked_as_read(
    runner: ServiceRunner, with_profile: None, db_path: Path, serve: Serve, protocol: str, transport: str
) -> None:
    weights = [Decimal("501.37"), Decimal("498.02"), Decimal("503.90")]
    _sim, port = serve(protocol, transport, weights=weights)
    iid = open_inspection(runner)
    app = balance_app(runner, port)
    async with on_inspection(app, iid, (110, 30)) as pilot:
        assert isinstance(app.screen, WeighingScreen)
        for k in (1, 2, 3):
            await capture(pilot, k)
        # Typing stays available: the fourth package is typed.
        box = app.screen.query_one("#weight", Input)
        box.value = "499.5"
        await pilot.press("enter")
        await until(pilot, lambda: "saved package 4: 499.50 g" in status(app))
        table = app.screen.query_one("#packages", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        # Nets to the resolution the lot's records show (no balance in the register: the most places typed).
        assert [str(r[3]) for r in rows] == ["501.37", "498.02", "503.90", "499.50"]
        assert [r[6] for r in rows] == ["⚖ balance"] * 3 + ["typed"]
        assert [r[0] for r in rows] == ["1 ⚖", "2 ⚖", "3 ⚖", "4"]
    stored = measurements(db_path, iid)
    assert [m.net for m in stored] == [*weights, Decimal("499.5")]
    assert [m.source for m in stored] == [MeasurementSource.BALANCE] * 3 + [MeasurementSource.TYPED]
    assert all(m.raw and format(m.net, "f") in m.raw for m in stored[:3])
    assert stored[3].raw is None


async def test_waiting_shows_the_live_value_and_esc_cancels_without_saving(
    runner: ServiceRunner, with_profile: None, db_path: Path, serve: Serve
) -> None:
    iid = open_inspection(runner)
    app = waiting_app(runner, serve)
    async with app.run_test(size=(110, 30)) as pilot:
        await start_waiting(pilot, iid)
        assert "(unstable)" in status(app) and "Esc cancels" in status(app)
        # A typed weight is refused while the balance is awaited (one package, one source).
        app.screen.query_one("#weight", Input).value = "500"
        await pilot.press("enter")
        await until(pilot, lambda: "Esc cancels it before a typed weight is saved" in status(app))
        assert app.screen.query_one("#weight", Input).value == "500"
        await pilot.press("escape")
        await until(pilot, lambda: "cancelled; nothing was saved" in status(app))
        assert isinstance(app.screen, WeighingScreen)  # Esc stopped the wait; it did not leave the screen
        assert app.screen.query_one("#packages", DataTable).row_count == 0
    assert measurements(db_path, iid) == []


async def test_faults_mid_sequence_lose_and_double_nothing(runner: ServiceRunner, with_profile: None, db_path: Path, serve: Serve) -> None:
    weights = [Decimal("501.37"), Decimal("498.02"), Decimal("503.90")]
    sim, port = serve("mt-sics", weights=weights)
    iid = open_inspection(runner)
    app = balance_app(runner, port, timeout=1.0)
    async with on_inspection(app, iid, (110, 30)) as pilot:
        await capture(pilot, 1)
        sim.balance.drop_next = True  # the cable pulled
        await pilot.press("f9")
        await until(pilot, lambda: "balance on" in status(app) and "-error" in app.screen.query_one("#status").classes)
        assert "\n" not in status(app)
        await capture(pilot, 2)  # F9 again: the connection is opened again
        sim.balance.hold_unstable = True  # a draught
        await pilot.press("f9")
        await until(pilot, lambda: "no stable reading within 1 s" in status(app))
        sim.balance.hold_unstable = False
        sim.balance.muted = True  # asleep
        await pilot.press("f9")
        await until(pilot, lambda: "no reply" in status(app))
        sim.balance.muted = False
        await capture(pilot, 3)
    assert [m.net for m in measurements(db_path, iid)] == weights


async def test_individual_tare_reads_the_full_package_then_its_packaging(
    runner: ServiceRunner, with_profile: None, db_path: Path, serve: Serve
) -> None:
    sim, port = serve("and", weights=[Decimal("512.31")], advance="manual")
    iid = open_inspection(runner, tare_method=TareMethod.INDIVIDUAL)
    app = balance_app(runner, port)
    async with on_inspection(app, iid, (110, 30)) as pilot:
        await pilot.press("f9")
        await until(pilot, lambda: "gross of package 1: 512.31 g" in status(app))
        assert app.screen.query_one("#packages", DataTable).row_count == 0
        await pilot.press("f9")
        # The full package is still on the pan: it is not taken as its own packaging.
        await until(pilot, lambda: "512.31 g was read already: take it off and put the emptied packaging of package 1" in status(app))
        sim.balance.place(Decimal("12.05"))
        await until(pilot, lambda: "saved package 1 from the balance: 500.26 g" in status(app))
    (m,) = measurements(db_path, iid)
    assert (m.gross, m.tare, m.net) == (Decimal("512.31"), Decimal("12.05"), Decimal("500.26"))
    assert m.raw is not None and m.raw.splitlines()[0].endswith("512.31  g") and "12.05" in m.raw.splitlines()[1]


async def test_a_balance_other_than_the_inspections_is_refused(runner: ServiceRunner, with_profile: None, db_path: Path, serve: Serve) -> None:
    _sim, port = serve("mt-sics", weights=[Decimal("501.37")], serial="0012345678")
    other = runner.call_sync(lambda s: s.add_balance(make="METTLER TOLEDO", model="XS6002S", serial="B-99", max_capacity="6200", d="0.01"))
    iid = open_inspection(runner, balance_id=other.id)
    app = balance_app(runner, port)
    async with on_inspection(app, iid, (110, 30)) as pilot:
        await pilot.press("f9")
        await until(pilot, lambda: "serial 0012345678, but the inspection is weighed on METTLER TOLEDO XS6002S serial B-99" in status(app))
    assert measurements(db_path, iid) == []


async def test_without_a_connection_f9_says_where_to_set_one(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    app = make_app(runner)
    async with on_inspection(app, iid, (110, 30)) as pilot:
        await pilot.press("f9")
        await pilot.pause()
        assert "no balance connection is set: choose one in Settings" in status(app)
        assert "Read balance" in screen_text(app)  # the footer offers F9


async def test_average_tare_sample_read_from_the_balance(runner: ServiceRunner, with_profile: None, db_path: Path, serve: Serve) -> None:
    empties = [Decimal("12.0") + Decimal(i) / 10 for i in range(10)]
    _sim, port = serve("sbi", "pty", weights=empties)
    iid = open_inspection(runner, tare_method=TareMethod.AVERAGE)
    app = balance_app(runner, port)
    async with on_inspection(app, iid, (110, 30)) as pilot:
        assert isinstance(app.screen, TareScreen)
        for k in range(1, 11):
            await pilot.press("f9")
            await until(pilot, lambda k=k: f"saved empty packaging {k} from the balance" in status(app))
        assert "average tare accepted" in screen_text(app)
        table = app.screen.query_one("#tares", DataTable)
        assert [table.get_row_at(i)[2] for i in range(table.row_count)] == ["⚖ balance"] * 10
    with SqliteStore.open(db_path) as store:
        sample = [w for w in store.tares(iid) if w.method is TareMethod.AVERAGE]
    assert [w.value for w in sample] == [e.quantize(Decimal("0.01")) for e in empties]
    assert all(w.source is MeasurementSource.BALANCE and w.raw for w in sample)


async def test_leaving_the_screen_stops_the_wait(runner: ServiceRunner, with_profile: None, serve: Serve) -> None:
    iid = open_inspection(runner)
    app = waiting_app(runner, serve)
    async with app.run_test(size=(110, 30)) as pilot:
        await start_waiting(pilot, iid)
        screen = app.screen
        app.pop_screen()
        await pilot.pause()
        deadline = time.monotonic() + 5
        while app.balance._use.locked():  # the reading thread lets go of the balance
            assert time.monotonic() < deadline, "the read went on after the screen was left"
            await asyncio.sleep(0.02)
        assert not isinstance(app.screen, WeighingScreen) and not screen.capturing


async def test_help_on_the_weighing_screen_explains_reading_the_balance(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    app = make_app(runner, "zh")
    async with on_inspection(app, iid, (110, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        assert "F9" in text and "读取天平" in text  # the key, described in the screen's language
        assert "同一负载不会被读取两次" in text
