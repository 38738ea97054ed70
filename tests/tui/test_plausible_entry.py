"""Pilot tests at 80 × 24: an implausible weight is asked about (or refused) before anything is saved (issue 14)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import DataTable, Input, Label

from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.modals import CorrectionModal
from tests.tui.conftest import make_app, on_inspection, open_inspection, screen_text


def status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#status", Label).render())


async def type_in(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*text, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def balance(runner: ServiceRunner) -> str:
    return runner.call_sync(lambda s: s.add_balance(make="Mettler", model="MS", serial="1", max_capacity="6200", d="0.01")).id


async def test_implausible_weights_are_asked_or_refused_before_saving(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner, balance_id=balance(runner), tare_method=TareMethod.INDIVIDUAL)
    app = make_app(runner)
    async with on_inspection(app, iid, (80, 24)) as pilot:
        box = app.screen.query_one("#weight", Input)
        assert "e.g. 512.3 12.1" in box.placeholder
        await type_in(pilot, "99999 12.1")
        assert status(app) == "gross weight 99999 g is above the balance's Max of 6200 g"
        box.value = ""
        await type_in(pilot, "511.91234 12.1")
        assert status(app) == "the balance shows 0.01 g; 511.91234 has 5 decimals"
        box.value = ""
        await type_in(pilot, "498,5 12.1")
        assert status(app) == "gross weight: '498,5' has a comma; use a point: 498.5"
        box.value = ""
        await type_in(pilot, "")  # an empty Enter clears the error
        assert status(app) == ""
        await type_in(pilot, "5119 12.1")
        assert status(app).startswith("gross 5119 g: point left out?")
        assert "Enter again to save it as typed, Esc to retype" in status(app)
        assert box.value == "5119 12.1" and app.screen.query_one("#packages", DataTable).row_count == 0
        await pilot.press("enter")  # the same text again: saved as typed
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == "✓ saved package 1 as typed (confirmed): 5106.90 g"  # as the table writes it (d = 0.01 g)
        assert "5106.90" in screen_text(app)
        assert app.screen.query_one("#packages", DataTable).row_count == 1
        # The correction dialog says what it wants.
        table = app.screen.query_one("#packages", DataTable)
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CorrectionModal)
        prompts = [str(label.render()) for label in app.screen.query(Label)]
        assert "New value: gross and tare (g), e.g. 512.3 12.1" in prompts
        assert not any("F5" in p for p in prompts)
        await pilot.press("escape")
        await pilot.pause()
    with SqliteStore.open(db_path) as store:
        (m,) = store.current_measurements(iid)
        assert m.net == Decimal("5106.9")
        assert store.confirmations(iid)[m.id].startswith("confirmed by the inspector: gross 5119 g: point left out?")


async def test_the_chinese_screen_asks_in_chinese_and_the_kg_example_fits(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner, nominal=Decimal(1), unit="kg", tare_method=TareMethod.INDIVIDUAL)
    app = make_app(runner, lang="zh")
    async with on_inspection(app, iid, (80, 24)) as pilot:
        box = app.screen.query_one("#weight", Input)
        assert box.placeholder.startswith("第 1 件：毛重 皮重（kg），如 1.0246 0.0242")
        await type_in(pilot, "1015.2 12.1")
        assert status(app) == "1015.2 12.1 kg 是 Qn 的 1000 倍：把 g 当作 kg 输入了？ · 再按 Enter 按原样保存，Esc 重新输入"
        await pilot.press("escape")  # retype: nothing saved, the screen stays
        await pilot.pause()
        assert status(app) == "未保存：请改正后按 Enter" and box.value == "1015.2 12.1"
        box.value = ""
        await type_in(pilot, "abc")
        assert status(app) == "请输入毛重和空包装质量，如“1.0246 0.0242”（kg）"
