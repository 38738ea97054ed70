"""Pilot tests of the label check (净含量标注) at 80 × 24: from the verdict screen (L), the statement as
printed and its character height are entered on their own screen, judged live, recorded, and the
verdict screen then shows both conclusions (净含量 and 净含量标注)."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Input, Label

from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.label import LabelScreen
from fieldtool.tui.screens.verdict import VerdictScreen
from tests.tui.conftest import make_app, open_inspection, screen_text
from tests.tui.test_verdict import PASS_NETS, open_verdict, record

SIZE = (80, 24)


async def _fill(app, pilot, text: str, height: str) -> LabelScreen:  # type: ignore[no-untyped-def]
    await pilot.press("l")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LabelScreen)
    screen.query_one("#label-text", Input).value = text
    screen.query_one("#label-height", Input).value = height
    await pilot.pause()
    await pilot.pause()
    return screen


async def test_a_label_entered_on_its_screen_shows_both_conclusions(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, PASS_NETS)
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await open_verdict(app, pilot, iid)
        assert "Net-content label: not checked, press L" in screen_text(app)
        label_screen = await _fill(app, pilot, "净含量：500克", "3.9")
        text = screen_text(app)
        assert "✗ character height" in text and "Label: FAIL" in text  # 3.9 mm < 4 mm, judged live
        label_screen.query_one("#label-height", Input).value = "4.2"
        await pilot.pause()
        await pilot.pause()
        assert "Label: PASS" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, VerdictScreen)
        line = str(app.screen.query_one("#label-line", Label).render())
        assert "Net quantity: PASS" in line and "Net-content label: pass (净含量：500克, 4.2 mm)" in line
    state = runner.call_sync(lambda s: s.lot_state(iid))
    assert state.label is not None and state.label.passed and state.label.check.height_mm == Decimal("4.2")
    assert state.label.check.by_name == "Wang Li"


async def test_a_failing_label_in_chinese(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, PASS_NETS)
    app = make_app(runner, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await open_verdict(app, pilot, iid)
        await _fill(app, pilot, "净含量：0.5kg", "4")
        assert "法定计量单位" in screen_text(app) and "净含量标注：不合格" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, VerdictScreen)
        line = app.screen.query_one("#label-line", Label)
        assert "净含量：合格" in str(line.render()) and "净含量标注：不合格" in str(line.render())
        assert line.has_class("-fail")


async def test_a_bad_height_is_refused_and_nothing_is_recorded(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, PASS_NETS)
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await open_verdict(app, pilot, iid)
        await _fill(app, pilot, "净含量：500克", "4.25")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LabelScreen)
        assert "finer than 0.1 mm" in str(app.screen.query_one("#status", Label).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, VerdictScreen)
    assert runner.call_sync(lambda s: s.store.label_checks(iid)) == []
