"""Pilot test of the sync screen: the real app, a real hub server process, the progress, receipts and errors shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Label, Log

from fieldtool.infra.config import Settings
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.sync import SyncScreen
from fieldtool.usecases.inspection import Services
from tests.sync.conftest import Laptop, Server, enroll_in_process, make_laptop


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
        log = "\n".join(str(line) for line in screen.query_one("#sync-log", Log).lines)
        assert "receipt" in log and "new" in log
        assert "0 finalised inspections unsynced" in str(screen.query_one("#sync-unsent", Label).render())
        assert "Enrolled with" in str(screen.query_one("#sync-link", Label).render())
    with SqliteStore.open(server.db) as hub, SqliteStore.open(laptop.db) as mine:
        assert hub.chain_head(mine.device_id) == mine.chain_head()
