"""Pilot tests of the weighing screen: what it shows as saved is in the database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rich.style import Style
from textual.widgets import DataTable, Input, Label
from textual.widgets._footer import FooterKey

from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.verdict import VerdictScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from fieldtool.tui.widgets.footer import FitFooter
from tests.tui.conftest import make_app, on_inspection, open_inspection, screen_text


async def type_weight(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    box = screen.query_one("#weight", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_weights_are_stored_before_they_are_shown(runner: ServiceRunner, with_profile: None, db_path: Path) -> None:
    iid = open_inspection(runner)
    app = make_app(runner)
    async with on_inspection(app, iid, (100, 30)) as pilot:
        assert isinstance(app.screen, WeighingScreen)
        for value in ("500.2", "499.8", "480.0"):
            await type_weight(pilot, value)
        table = app.screen.query_one("#packages", DataTable)
        assert table.row_count == 3
        status = str(app.screen.query_one("#status", Label).render())
        assert "saved package 3: 480.0 g" in status
    with SqliteStore.open(db_path) as store:
        assert [m.net for m in store.current_measurements(iid)] == [Decimal("500.2"), Decimal("499.8"), Decimal("480.0")]


async def test_bad_weight_is_refused_and_kept_in_the_input(runner: ServiceRunner, with_profile: None, db_path: Path) -> None:
    iid = open_inspection(runner)
    app = make_app(runner)
    async with on_inspection(app, iid, (100, 30)) as pilot:
        await type_weight(pilot, "49x.2")
        assert app.screen.query_one("#weight", Input).value == "49x.2"
        assert "'49x.2' is not a number" in str(app.screen.query_one("#status", Label).render())
    with SqliteStore.open(db_path) as store:
        assert store.current_measurements(iid) == []


async def test_undo_asks_a_reason_and_keeps_the_original(runner: ServiceRunner, with_profile: None, db_path: Path) -> None:
    iid = open_inspection(runner)
    app = make_app(runner)
    async with on_inspection(app, iid, (100, 30)) as pilot:
        await type_weight(pilot, "500.2")
        await type_weight(pilot, "5002")  # 10 × Qn: asked first, and saved by Enter again (issue 14)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        reason = app.screen.query_one("#reason", Input)
        reason.value = "typed 5002 for 500.2"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#packages", DataTable).row_count == 1
    with SqliteStore.open(db_path) as store:
        history = store.measurement_history(iid)
        assert [m.net for m in store.current_measurements(iid)] == [Decimal("500.2")]
        assert any(m.withdrawn and m.reason == "typed 5002 for 500.2" for m in history)
        assert any(m.net == Decimal(5002) and not m.withdrawn for m in history)


async def test_f2_switches_the_weighing_screen_and_its_keys_to_chinese(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    app = make_app(runner)
    async with on_inspection(app, iid, (100, 30)) as pilot:
        await type_weight(pilot, "500.2")
        await pilot.press("f2")
        await pilot.pause()
        keys = {ab.binding.description for ab in app.screen.active_bindings.values()}
        assert {"撤销上一件", "首页"} <= keys
        assert "第 2 件净含量" in app.screen.query_one("#weight", Input).placeholder
        assert "已称件数" in screen_text(app)


def drawn_key_style(app: FieldtoolApp, key: str) -> Style:
    """The style the bottom line draws `key` ("f5") in, as the terminal shows it."""
    bottom = app.screen._compositor.render_strips()[-1]
    styles = [seg.style for seg in bottom if seg.text.strip() == key]
    assert len(styles) == 1 and styles[0] is not None, (key, bottom.text)
    return styles[0]


def f5_available(app: FieldtoolApp) -> bool:
    """Whether the footer draws F5 (the verdict) available: as the other keys, not greyed."""
    (f5,) = (k for k in app.screen.query_one(FitFooter).query(FooterKey) if k.key == "f5")
    greyed = drawn_key_style(app, "f5") != drawn_key_style(app, "f6")  # F6 (table / input) is always available
    assert greyed == f5.has_class("-disabled"), "drawn and marked alike"
    return not greyed


async def test_f5_is_drawn_available_once_the_last_package_is_saved_and_greyed_again_by_undo(
    runner: ServiceRunner, with_profile: None
) -> None:
    # Qn 500 g, N 300 → n 50 (JJF 1070-2005); 49 packages stored, the 50th typed on the screen.
    iid = open_inspection(runner)
    for _ in range(49):
        runner.call_sync(lambda s: s.record_weight(iid, "500.5"))
    app = make_app(runner)
    async with on_inspection(app, iid, (120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, WeighingScreen)
        assert not f5_available(app)
        await pilot.press(*"500.1", "enter")
        await pilot.pause()
        assert "saved package 50" in str(screen.query_one("#status", Label).render())
        assert f5_available(app)  # without leaving the screen

        await pilot.press("ctrl+z")
        await pilot.pause()
        await pilot.press(*"slip", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "package 50 withdrawn" in str(screen.query_one("#status", Label).render())
        assert not f5_available(app)

        await pilot.press(*"500.1", "enter")
        await pilot.pause()
        assert f5_available(app)
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, VerdictScreen)
