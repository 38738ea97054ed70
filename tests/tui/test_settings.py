"""Pilot tests of the Settings screen against real balance simulators (TCP on loopback and a pseudo-terminal)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select

from fieldtool.balance.session import BalanceSession
from fieldtool.balance.sim import SimulatedBalance, Simulator
from fieldtool.infra.config import Settings, load_settings
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.balance import BalanceModal
from fieldtool.tui.screens.home import HomeScreen
from fieldtool.tui.screens.settings import SettingsScreen
from tests.tui.conftest import screen_text

SIZE = (80, 24)

Serve = Callable[..., Simulator]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start MT-SICS simulators holding a 2.5 g load, on TCP or a pseudo-terminal; all are stopped afterwards."""
    started: list[Simulator] = []

    def start(transport: str = "tcp", *, muted: bool = False) -> Simulator:
        sim = Simulator("mt-sics", SimulatedBalance(unstable_period=0.01, weights=[Decimal("2.5")]))
        sim.balance.muted = muted
        if transport == "tcp":
            sim.serve_tcp()
        else:
            sim.serve_pty()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


def make_app(runner: ServiceRunner, tmp_path: Path, **settings: object) -> FieldtoolApp:
    values: dict[str, object] = {"lang": "en", "db_path": "test.db", "config_path": str(tmp_path / "config.toml")}
    values.update(settings)
    return FieldtoolApp(
        runner, Settings(**values),  # type: ignore[arg-type]
        balance=BalanceSession(reply_timeout=0.3, poll_interval=0.002, probe_timeout=0.3),
    )


async def wait_for(pilot: Pilot[str | None], condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def open_settings(pilot: Pilot[str | None]) -> SettingsScreen:
    """From Home, press S and wait for the screen and its register list."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "Home")
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "the Settings screen")
    await pilot.pause()
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


def label(screen: SettingsScreen, selector: str) -> str:
    widget = screen.query_one(selector, Label)
    return str(widget.render()) if widget.display else ""


async def type_connection(pilot: Pilot[str | None], screen: SettingsScreen, text: str) -> None:
    field = screen.query_one("#connection", Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)


async def run_test(pilot: Pilot[str | None], screen: SettingsScreen, timeout: float = 10.0) -> str:
    """Ctrl+T, then wait for the outcome line."""
    await pilot.press("ctrl+t")
    result = screen.query_one("#test-result", Label)
    await wait_for(pilot, lambda: result.has_class("-ok") or result.has_class("-error"), "the test result", timeout)
    await pilot.pause()
    return label(screen, "#test-result")


async def test_s_on_home_opens_settings_filled_from_the_settings(runner: ServiceRunner, with_profile: None, tmp_path: Path) -> None:
    app = make_app(runner, tmp_path, balance_connection="COM3?baud=2400", balance_protocol="sbi", balance_timeout=7.5)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        assert screen.query_one("#connection", Input).value == "COM3?baud=2400"
        assert screen.query_one("#protocol", Select).value == "sbi"
        assert screen.query_one("#timeout", Input).value == "7.5"
        shown = screen_text(app)
        assert "fieldtool — Settings" in shown
        assert "COM3?baud=2400" in shown and "Sartorius SBI" in shown
        assert "no registered balance has a connection yet" in shown
        assert app.focused is screen.query_one("#connection", Input)


@pytest.mark.parametrize("transport", ["tcp", "pty"])
async def test_testing_a_simulator_shows_its_identity_and_a_reading(
    runner: ServiceRunner, with_profile: None, tmp_path: Path, serve: Serve, transport: str
) -> None:
    sim = serve(transport)
    app = make_app(runner, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_connection(pilot, screen, sim.port)
        result = await run_test(pilot, screen)
        assert result == "✓ METTLER TOLEDO SIM6200 serial 0012345678, Max 6200.00 g · MT-SICS · reading 2.50 g"
        assert screen.query_one("#test-result", Label).has_class("-ok")
        assert "SIM6200 serial 0012345678" in screen_text(app)
        assert sim.commands > 0
        # Only tested: nothing is saved, the app's own connection is unchanged.
        assert app.balance.connection == "" and not app.balance.is_open
        assert not (tmp_path / "config.toml").exists()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("/dev/ttyUSB0?baud=fast", "balance connection '/dev/ttyUSB0?baud=fast': baud must be a whole number; got 'fast'"),
        ("COM3?parity=Z", "balance connection 'COM3?parity=Z': parity must be one of N, E, O, M, S; got 'Z'"),
        ("", "balance connection: give a device path (/dev/ttyUSB0, COM3) or a URL (socket://host:port)"),
    ],
)
async def test_a_bad_connection_string_gives_a_one_line_error_under_the_field(
    runner: ServiceRunner, with_profile: None, tmp_path: Path, typed: str, error: str
) -> None:
    app = make_app(runner, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_connection(pilot, screen, typed)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert label(screen, "#connection-error") == error
        assert "\n" not in error
        assert label(screen, "#test-result") == ""  # nothing was tried
        assert app.focused is screen.query_one("#connection", Input)
        # Corrected, the message goes as it is typed.
        await type_connection(pilot, screen, "COM3")
        await pilot.pause()
        assert label(screen, "#connection-error") == ""


async def test_a_silent_port_says_nothing_answered(runner: ServiceRunner, with_profile: None, tmp_path: Path, serve: Serve) -> None:
    sim = serve("tcp", muted=True)
    app = make_app(runner, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_connection(pilot, screen, sim.port)
        await pilot.press("ctrl+t")
        # The probe waits for each protocol in turn: the screen says it is testing meanwhile.
        assert label(screen, "#test-result") == f"testing {sim.port} …"
        result = await run_test(pilot, screen)
        assert result.startswith(f"✗ balance on {sim.port}: nothing answered (tried MT-SICS, A&D and Sartorius SBI)")
        assert "\n" not in result and "Traceback" not in screen_text(app)
        assert screen.query_one("#test-result", Label).has_class("-error")
        # A failed test registers nothing.
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert label(screen, "#register-note") == "test the connection first (Ctrl+T)"
        assert not isinstance(app.screen, BalanceModal)


async def test_ctrl_a_registers_the_tested_balance_with_its_connection(
    runner: ServiceRunner, with_profile: None, tmp_path: Path, serve: Serve
) -> None:
    sim = serve("tcp")
    app = make_app(runner, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert label(screen, "#register-note") == "test the connection first (Ctrl+T)"
        await type_connection(pilot, screen, sim.port)
        await run_test(pilot, screen)
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: isinstance(app.screen, BalanceModal), "the balance dialog")
        modal = app.screen
        # What the balance reported is filled in; the first field left to type is d.
        assert [modal.query_one(f"#balance-{k}", Input).value for k in ("make", "model", "serial", "max")] == [
            "METTLER TOLEDO", "SIM6200", "0012345678", "6200.00",
        ]
        assert modal.query_one("#balance-unit", Select).value == "g"
        assert f"Connection: {sim.port}" in screen_text(app)
        assert app.focused is modal.query_one("#balance-d", Input)
        await pilot.press("0", ".", "0", "1", "ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog to close")
        [stored] = runner.call_sync(lambda s: s.balances())
        assert (stored.make, stored.model, stored.serial, stored.max_capacity, stored.d, stored.unit, stored.connection) == (
            "METTLER TOLEDO", "SIM6200", "0012345678", Decimal("6200.00"), Decimal("0.01"), "g", sim.port,
        )
        assert label(screen, "#register-note") == "✓ added to the register: METTLER TOLEDO SIM6200 · 0012345678 · Max 6200.00 g"
        # The register list now offers it, with its connection.
        register = screen.query_one("#register", Select)
        await wait_for(pilot, lambda: not register.disabled, "the register list to reload")
        assert [v for _, v in register._options if v is not Select.NULL] == [stored.id]
        # The same balance again: said so, not added twice.
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert label(screen, "#register-note") == "already in the register: METTLER TOLEDO SIM6200 · 0012345678 · Max 6200.00 g"
        assert not isinstance(app.screen, BalanceModal)
        assert len(runner.call_sync(lambda s: s.balances())) == 1


async def test_choosing_a_registered_balance_fills_in_its_connection(
    runner: ServiceRunner, with_profile: None, tmp_path: Path
) -> None:
    reachable = runner.call_sync(lambda s: s.add_balance(
        make="Sartorius", model="Entris", serial="S-77", max_capacity="3200", d="0.01", connection="socket://10.0.0.5:4001"))
    runner.call_sync(lambda s: s.add_balance(make="Typed", model="T1", serial="T-1", max_capacity="600", d="0.1"))
    app = make_app(runner, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        register = screen.query_one("#register", Select)
        await wait_for(pilot, lambda: not register.disabled, "the register list")
        assert [v for _, v in register._options if v is not Select.NULL] == [reachable.id]  # only those with a connection
        register.value = reachable.id
        await pilot.pause()
        assert screen.query_one("#connection", Input).value == "socket://10.0.0.5:4001"


async def test_ctrl_s_uses_and_writes_the_settings(
    runner: ServiceRunner, with_profile: None, tmp_path: Path, serve: Serve
) -> None:
    sim = serve("tcp")
    app = make_app(runner, tmp_path)
    config = tmp_path / "config.toml"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_connection(pilot, screen, sim.port)
        screen.query_one("#protocol", Select).value = "mt-sics"
        screen.query_one("#theme", Select).value = "textual-light"
        timeout = screen.query_one("#timeout", Input)
        timeout.value = "0.1"
        await pilot.press("ctrl+s")
        await pilot.pause()
        # A refused field: said under it, focused, nothing saved.
        assert label(screen, "#timeout-error") == "capture timeout: type seconds between 0.5 and 600, such as 20"
        assert app.focused is timeout and app.screen is screen
        assert not config.exists()
        timeout.value = "7.5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "Home")
        assert f"✓ settings saved to {config}" in [n.message for n in app._notifications]
        saved = load_settings(config)
        expected = (sim.port, "mt-sics", 7.5, "en", "textual-light")
        assert (saved.balance_connection, saved.balance_protocol, saved.balance_timeout, saved.lang, saved.theme) == expected
        s = app.settings
        assert (s.balance_connection, s.balance_protocol, s.balance_timeout, s.lang, s.theme) == expected
        assert (app.balance.connection, app.balance.protocol) == (sim.port, "mt-sics")
        assert app.theme == "textual-light"


async def test_choosing_chinese_relabels_at_once_and_saving_applies_it(
    runner: ServiceRunner, with_profile: None, tmp_path: Path
) -> None:
    app = make_app(runner, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        assert "Capture timeout" in screen_text(app)
        screen.query_one("#language", Select).value = "zh"
        await pilot.pause()
        shown = screen_text(app)
        assert "fieldtool — 设置" in shown
        assert "称量等待时间" in shown and "自动（探测）" in shown and "已登记的天平均未设连接" in shown
        assert "测试" in shown and "登记" in shown  # the footer's keys
        assert "Capture timeout" not in shown
        assert app.settings.lang == "en"  # the app takes it on saving
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "Home")
        assert app.settings.lang == "zh"
        assert "首页" in screen_text(app)
        assert load_settings(tmp_path / "config.toml").lang == "zh"


async def test_f2_on_settings_switches_its_language_too(runner: ServiceRunner, with_profile: None, tmp_path: Path) -> None:
    app = make_app(runner, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert screen.query_one("#language", Select).value == "zh"
        assert "fieldtool — 设置" in screen_text(app)


async def test_esc_leaves_without_saving(runner: ServiceRunner, with_profile: None, tmp_path: Path) -> None:
    app = make_app(runner, tmp_path, balance_connection="COM3")
    before, connection = app.settings, app.balance.connection
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_connection(pilot, screen, "socket://10.0.0.9:4001")
        screen.query_one("#language", Select).value = "zh"
        screen.query_one("#timeout", Input).value = "60"
        await pilot.pause()
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "Home")
        assert app.settings == before
        assert app.balance.connection == connection
        assert not (tmp_path / "config.toml").exists()
        assert "Home" in screen_text(app) and "首页" not in screen_text(app)
