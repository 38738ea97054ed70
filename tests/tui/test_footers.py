"""At 80 × 24, in English and in Chinese, every key the footer shows is readable whole (issue 14, item 8).

The footers are read from the app's own screenshot, as a person reads the bottom line: each key
drawn must appear there as "key description", inside the screen, and F1 (where the keys left
out are listed) is always among them.
"""

from __future__ import annotations

import html
import re

import pytest
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.widgets.footer import FitFooter, fitting, key_width
from tests.tui.conftest import make_app

SIZE = (80, 24)


def bottom_line(app: FieldtoolApp) -> str:
    svg = app.export_screenshot()
    text = html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
    return [line for line in text.splitlines() if line.strip()][-1]


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def assert_footer_whole(app: FieldtoolApp, where: str) -> None:
    footer = app.screen.query_one(FitFooter)
    keys = list(footer.query(FooterKey))
    assert keys, where
    line = bottom_line(app)
    for key in keys:
        shown = f"{key.key_display} {key.description}".strip()
        assert shown in line, (where, shown, line)
        assert key.region.right <= app.size.width, (where, shown)
    assert any(k.action.endswith("help") for k in keys), (where, line)


def test_fitting_keeps_order_keeps_help_and_adds_the_palette_only_when_it_fits() -> None:
    widths = [("new", 10), ("search", 10), ("quit", 10), ("app.help", 8), ("app.command_palette", 12)]
    assert fitting(widths, 80) == ["new", "search", "quit", "app.help", "app.command_palette"]
    assert fitting(widths, 40) == ["new", "search", "quit", "app.help"]  # no room left for Ctrl+P
    assert fitting(widths, 37) == ["new", "search", "app.help"]  # quit would leave no room for F1
    assert fitting(widths, 17) == ["app.help"]
    assert key_width("^p", "命令面板") == 2 + 8 + 3  # a CJK character takes two cells


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_footer_key_is_whole_on_home_settings_and_help(runner: ServiceRunner, with_profile: None, lang: str) -> None:
    app = make_app(runner, lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert_footer_whole(app, "home")
        await pilot.press("s")
        await settle(pilot)
        assert_footer_whole(app, "settings")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f2")  # the other language, on the same screens
        await settle(pilot)
        assert_footer_whole(app, "home after F2")
        await pilot.press("s")
        await settle(pilot)
        assert_footer_whole(app, "settings after F2")
        await pilot.resize_terminal(160, 45)  # wider: more keys come back, Ctrl+P among them
        await settle(pilot)
        assert_footer_whole(app, "settings at 160")
        assert "^p" in bottom_line(app)


@pytest.mark.parametrize(("lang", "continue_word"), [("en", "Continue"), ("zh", "继续")])
async def test_a_screens_own_enter_is_shown_not_its_ordering_twin(
    runner: ServiceRunner, with_profile: None, lang: str, continue_word: str
) -> None:
    """The sample screen binds Enter itself ("⏎ Continue"); its hidden twin, which runs it in order, must not hide it."""
    from fieldtool.tui.screens.sampling import SampleScreen
    from tests.tui.conftest import open_inspection

    iid = open_inspection(runner)
    app = make_app(runner, lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(SampleScreen(iid))
        await settle(pilot)
        assert_footer_whole(app, "sample")
        assert f"⏎ {continue_word}" in bottom_line(app), bottom_line(app)
