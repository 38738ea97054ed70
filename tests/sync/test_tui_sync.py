"""Pilot tests of the sync screen: the real app, a real hub server process, the progress, receipts and errors shown.

In English at 100 × 30, and in Chinese at 80 × 24: every line the Chinese screen shows passes the
language test's check (the hub's own refusals come with their Chinese wording), the summary and the
receipts wrap rather than being cut, and the receipts' times are China time as on every other screen.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Label, RichLog

from fieldtool.infra.config import Settings
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.sync import SyncScreen
from fieldtool.usecases.inspection import Services
from tests.sync.conftest import Laptop, Server, enroll_in_process, make_laptop
from tests.tui.conftest import screen_text
from tests.tui.test_language import english_runs


@pytest.fixture
def laptop(tmp_path: Path) -> Laptop:
    return make_laptop(tmp_path / "wang", "Inspector Wang", inspections=2)


@pytest.fixture
def runner(laptop: Laptop) -> Iterator[ServiceRunner]:
    r = ServiceRunner(lambda: Services(SqliteStore.open(laptop.db, signer=laptop.key), signer=laptop.key))
    yield r
    r.close()


async def wait_for(pilot, predicate, tries: int = 400) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"the screen did not get there: {pilot.app.screen!r} {[str(l.render()) for l in pilot.app.screen.query(Label)]}")


async def test_the_sync_screen_enrols_sends_and_shows_the_receipts(runner: ServiceRunner, laptop: Laptop,
                                                                   server: Server) -> None:
    app = FieldtoolApp(runner, Settings(lang="en", db_path="test.db"))
    runner.call_sync(lambda s: s.save_inspector("Wang Li"))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.push_screen(SyncScreen(laptop.key))
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        await pilot.pause()
        assert "Not enrolled yet" in str(screen.query_one("#sync-link", Label).render())
        assert "2 finalised inspections unsynced" in str(screen.query_one("#sync-unsent", Label).render())
        screen.query_one("#hub-url", Input).value = server.url
        screen.query_one("#enroll-code", Input).value = "WRONG-CODE"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "unknown enrolment code" in str(screen.query_one("#sync-error", Label).render()))
        screen.query_one("#enroll-code", Input).value = enroll_in_process(server.db, "Inspector Wang")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: str(screen.query_one("#sync-status", Label).render()).startswith("✓"))
        log = "\n".join(strip.text for strip in screen.query_one("#sync-log", RichLog).lines)
        assert "receipt" in log and "new" in log
        assert "0 finalised inspections unsynced" in str(screen.query_one("#sync-unsent", Label).render())
        assert "Enrolled with" in str(screen.query_one("#sync-link", Label).render())
    with SqliteStore.open(server.db) as hub, SqliteStore.open(laptop.db) as mine:
        assert hub.chain_head(mine.device_id) == mine.chain_head()


async def test_in_chinese_at_80x24_every_step_refusal_and_receipt_is_in_chinese(runner: ServiceRunner, laptop: Laptop,
                                                                                server: Server) -> None:
    app = FieldtoolApp(runner, Settings(lang="zh", db_path="test.db"))
    runner.call_sync(lambda s: s.save_inspector("王丽"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f8")  # as the inspector opens it
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen) and app.screen.is_mounted)
        screen = app.screen
        await pilot.pause()
        screen.query_one("#hub-url", Input).value = server.url
        screen.query_one("#enroll-code", Input).value = "WRONG-CODE"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "注册码不存在" in str(screen.query_one("#sync-error", Label).render()))
        refused = screen_text(app)
        screen.query_one("#enroll-code", Input).value = enroll_in_process(server.db, "王丽的笔记本")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: str(screen.query_one("#sync-status", Label).render()).startswith("✓"))
        await pilot.pause()
        shown = screen_text(app)
        log = "\n".join(strip.text for strip in screen.query_one("#sync-log", RichLog).lines)
    with SqliteStore.open(laptop.db) as mine:
        seq, _ = mine.chain_head()
    flat = "".join(shown.split())  # the summary wraps at 80 columns
    assert "✓已注册；已发送" in flat and f"中心确认至第{seq}号记录" in flat, shown
    assert "中心拒绝了本机：注册码不存在" in "".join(refused.split()), refused
    assert "正在询问中心已有的记录" in log and f"待发送 {seq} 条记录" in log and "回执" in log, log
    assert "UTC+8" in log and "Z" not in log, "receipt times in China time, each line whole"
    assert not english_runs("\n".join((refused, shown, log))), english_runs("\n".join((refused, shown, log)))


async def test_a_hub_that_cannot_be_reached_is_said_in_chinese_and_nothing_is_lost(runner: ServiceRunner,
                                                                                    laptop: Laptop) -> None:
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with SqliteStore.open(laptop.db) as mine:
        before = mine.chain_head()
    app = FieldtoolApp(runner, Settings(lang="zh", db_path="test.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SyncScreen(laptop.key))
        screen = app.screen
        await pilot.pause()
        screen.query_one("#hub-url", Input).value = f"http://127.0.0.1:{port}"
        screen.query_one("#enroll-code", Input).value = "ABCD-EFGH"  # a first sync: it must reach the hub to enrol
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: str(screen.query_one("#sync-error", Label).render()) != "")
        shown = screen_text(app)
    flat = "".join(shown.split())
    assert "无法连接中心" in flat and "再次同步时会从中断处继续" in flat, shown
    assert not english_runs(shown), english_runs(shown)
    with SqliteStore.open(laptop.db) as mine:
        assert mine.chain_head() == before
