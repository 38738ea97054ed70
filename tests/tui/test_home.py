"""Pilot tests of Home, the first-run profile and the help screen, at 80×24 as in the field."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label

from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.help import HelpScreen
from fieldtool.tui.screens.home import HomeScreen
from fieldtool.tui.screens.profile import ProfileScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from fieldtool.usecases.inspection import Services
from tests.tui.conftest import header, make_app

SIZE = (80, 24)


def visible_text(app: FieldtoolApp) -> str:
    """What the terminal shows, as plain text (from the app's own screenshot)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def label_text(app: FieldtoolApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def settle(pilot: Pilot[None]) -> None:
    """Let background reloads finish and the screen catch up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def finalised(s: Services, *, fail: bool, **overrides: object) -> str:
    """An inspection weighed to the end and finalised: 50 packages of 500.5 g (to fail, the first is 400 g: d > 2T)."""
    inspection = s.start_inspection(header(**overrides))
    for k in range(s.lot_state(inspection.id).progress.needed):
        s.record_weight(inspection.id, "400" if fail and k == 0 else "500.5", confirmed=True)
    s.finalise(inspection.id, "Wang Li")
    return inspection.id


@pytest.fixture
def lots(runner: ServiceRunner, with_profile: None) -> dict[str, str]:
    """Nanjing rice: one passed, one failed, one open; Beijing wheat flour: one passed."""
    return {
        "passed": runner.call_sync(lambda s: finalised(s, fail=False)),
        "failed": runner.call_sync(lambda s: finalised(s, fail=True, site_name="Walmart Xinjiekou", batch="W-03")),
        "flour": runner.call_sync(
            lambda s: finalised(s, fail=False, city_id="beijing", product_id="wheat-flour", site_name="Wumart")
        ),
        "open": runner.call_sync(lambda s: s.start_inspection(header(site_name="RT-Mart", brand="Fortune")).id),
    }


def list_ids(app: FieldtoolApp) -> list[str]:
    table = app.screen.query_one("#inspections", DataTable)
    return [str(key.value) for key in table.rows]


# -- first run -------------------------------------------------------------------------------------


async def test_first_run_asks_for_the_profile_and_saving_stores_it(runner: ServiceRunner, db_path: Path) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert "Welcome to fieldtool" in visible_text(app)
        assert "30 cities × 10 products" in visible_text(app)
        assert "rules JJF 1070-2005" in visible_text(app) and "jjf1070-2005" not in visible_text(app)  # in words
        for field, value in (("#name", "Wang Li"), ("#inspector-no", "N-001"), ("#organisation", "Nanjing QTSB")):
            assert app.screen.focused is app.screen.query_one(field, Input)  # Enter walks the form
            app.screen.query_one(field, Input).value = value
            await pilot.press("enter")
            await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Inspector: Wang Li (N-001, Nanjing QTSB)" in label_text(app, "#home-head")
    with SqliteStore.open(db_path) as store:
        profile = store.inspector()
        assert profile is not None
        assert (profile.name, profile.inspector_no, profile.organisation) == ("Wang Li", "N-001", "Nanjing QTSB")


async def test_an_empty_name_is_refused_with_what_to_type_in_both_languages(
    runner: ServiceRunner, db_path: Path
) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#organisation", Input).value = "Nanjing QTSB"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProfileScreen)
        assert "Type your full name" in label_text(app, "#name-error")
        assert app.screen.focused is app.screen.query_one("#name", Input)
        await pilot.press("f2")
        await pilot.pause()
        assert "请输入您的姓名" in label_text(app, "#name-error")
        await pilot.press(*"Li")  # the message goes as soon as the field is filled in
        await pilot.pause()
        assert label_text(app, "#name-error") == ""
    with SqliteStore.open(db_path) as store:
        assert store.inspector() is None


# -- matrix and list ---------------------------------------------------------------------------------


async def test_matrix_shows_lots_done_of_quota_and_marks_failures(runner: ServiceRunner, lots: dict[str, str]) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        matrix = app.screen.query_one("#matrix", DataTable)
        nanjing_rice = matrix.get_cell("nanjing", "rice")
        assert nanjing_rice.plain.strip() == "2/3✗1"
        assert app.theme_variables["error"].lower() in str(nanjing_rice.style).lower()
        assert matrix.get_cell("beijing", "wheat-flour").plain.strip() == "1/3"
        assert matrix.get_cell("nanjing", "wheat-flour").plain.strip() == "0/3"
        assert matrix.get_cell("beijing", "rice").plain.strip() == "0/3"
        assert matrix.get_cell("nanjing", "total").plain.strip() == "2/30✗1"  # the city's total
        assert matrix.get_cell("total", "rice").plain.strip() == "2/90✗1"  # the product's, over 30 cities
        assert matrix.get_cell("total", "total").plain.strip() == "3/900✗1"
        shown = visible_text(app)
        assert "Beijing" in shown and " 1/3 " in shown  # Beijing is the first city on screen
        assert "Programme: 3 of 900 lots done · 1 failed · 1 open" in shown
        assert "Not yet synced: 3" in shown
        assert "✗n: n failed" in shown  # the legend of the failure mark


async def test_typing_a_search_filters_the_list(runner: ServiceRunner, lots: dict[str, str]) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(list_ids(app)) == 4
        await pilot.press("slash")
        assert app.screen.focused is app.screen.query_one("#search", Input)
        await pilot.press(*"walm")
        await settle(pilot)
        assert list_ids(app) == [lots["failed"]]
        assert "Walmart" in visible_text(app) and "Suguo" not in visible_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert len(list_ids(app)) == 4
        assert app.screen.query_one("#search", Input).value == ""


async def test_a_matrix_cell_and_the_status_filter_narrow_the_list(runner: ServiceRunner, lots: dict[str, str]) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab", "shift+tab")  # list → search → matrix
        matrix = app.screen.query_one("#matrix", DataTable)
        assert app.screen.focused is matrix
        await pilot.press(*["down"] * 11, "right", "right")  # Nanjing is the 11th city (after the totals), rice the first product
        await pilot.pause()
        assert "Nanjing · Rice: 2 of 3 lots done, 1 failed, 1 open" in label_text(app, "#cell-info")
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(list_ids(app)) == sorted([lots["passed"], lots["failed"], lots["open"]])
        assert app.screen.focused is app.screen.query_one("#inspections", DataTable)
        await pilot.press("f", "f", "f", "f")  # all → open → final → passed → failed
        await settle(pilot)
        assert list_ids(app) == [lots["failed"]]
        assert "showing failed  ·  only Nanjing × Rice (Esc: all)" in label_text(app, "#list-info")


async def test_enter_on_an_open_inspection_resumes_its_weighing(runner: ServiceRunner, lots: dict[str, str]) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#inspections", DataTable)
        assert app.screen.focused is table
        assert list_ids(app)[table.cursor_row] == lots["open"]  # newest first
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)
        assert app.screen.inspection_id == lots["open"]
        app.screen.query_one("#weight", Input).value = "500.2"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")  # back Home: refreshed
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "open 1/50" in visible_text(app)


async def test_v_opens_the_sign_off_of_the_highlighted_inspection_and_records_a_review(
    runner: ServiceRunner, lots: dict[str, str]
) -> None:
    from fieldtool.tui.screens.review import ReviewScreen
    from fieldtool.usecases.review_state import review_state

    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#inspections", DataTable)
        table.move_cursor(row=list_ids(app).index(lots["failed"]))
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen) and app.screen.inspection_id == lots["failed"]
        assert "NOT ISSUED: awaiting review" in visible_text(app)
        app.screen.query_one("#review-name", Input).value = "Chen Jing"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "reviewed by Chen Jing, awaiting approval" in visible_text(app)
    state = runner.call_sync(lambda s: review_state(s, lots["failed"]))
    assert state.status == "awaiting-approval" and state.reviewer == "Chen Jing"


# -- help and language -------------------------------------------------------------------------------


async def test_f1_lists_the_keys_of_the_weighing_screen(runner: ServiceRunner, lots: dict[str, str]) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.open_inspection(lots["open"])
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = visible_text(app)
        assert "Keys of the screen “Weighing”" in shown
        for key, what in (("Ctrl+Z", "Undo last"), ("F7", "Positions"), ("F6", "Table / input"), ("Esc", "Home")):
            assert re.search(rf"{re.escape(key)} +{re.escape(what)}", shown), (key, what)
        assert "Verdict (not available right now)" in shown
        await pilot.press("f2")
        await settle(pilot)
        assert re.search(r"Ctrl\+Z +撤销上一件", visible_text(app))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)


async def test_f2_switches_home_to_chinese_and_back(runner: ServiceRunner, lots: dict[str, str]) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "南京" not in visible_text(app)
        await pilot.press("f2")
        await settle(pilot)
        shown = visible_text(app)
        assert "南京" in shown and "北京" in shown and "Beijing" not in shown
        assert "共 4 项检验" in shown and "方案进度：已完成 3/900 批" in shown and "不合格" in shown
        assert "新建" in shown  # the footer too
        matrix = app.screen.query_one("#matrix", DataTable)
        assert matrix.get_cell("nanjing", "city").plain == "南京"
        await pilot.press("f2")
        await settle(pilot)
        assert "Beijing" in visible_text(app) and "北京" not in visible_text(app)


async def test_f8_opens_the_sync_screen_with_the_device_key(tmp_path: Path) -> None:
    from fieldtool.storage import SqliteStore
    from fieldtool.sync import keys
    from fieldtool.tui.runner import ServiceRunner
    from fieldtool.tui.screens.sync import SyncScreen
    from fieldtool.usecases.inspection import Services

    key = keys.load_or_create(tmp_path / "device-key.pem")
    runner = ServiceRunner(lambda: Services(SqliteStore.open(tmp_path / "f8.db", signer=key), signer=key))
    try:
        runner.call_sync(lambda s: s.save_inspector("Wang Li"))
        app = make_app(runner)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f8")
            await pilot.pause()
            assert isinstance(app.screen, SyncScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
    finally:
        runner.close()


# -- the supervisor's matrix at 80 × 24 and 160 × 45 (issue 14, item 15) ------------------------------


async def test_at_80x24_the_matrix_heads_products_with_letters_a_legend_names_and_every_city_is_reachable(
    runner: ServiceRunner, with_profile: None
) -> None:
    app = make_app(runner, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = visible_text(app)
        assert "小麦…" not in shown and "食用…" not in shown  # no name cut to a stub
        legend = label_text(app, "#matrix-legend")
        assert "A 大米" in legend and "C 食用植物油" in legend and "J 白砂糖" in legend
        assert "✗n：n 批不合格" in legend and "Σ：合计" in legend
        matrix = app.screen.query_one("#matrix", DataTable)
        await pilot.press("tab")  # list → matrix
        assert app.screen.focused is matrix
        await pilot.press(*["down"] * 30)
        await settle(pilot)
        shown = visible_text(app)
        assert "乌鲁木齐" in shown and "合计" in shown  # the last city, under the fixed totals row
        assert "乌鲁木齐：已完成 0/30 批  ·  Enter：列出" in label_text(app, "#cell-info")


async def test_at_160x45_every_city_shows_with_the_products_full_names(runner: ServiceRunner, with_profile: None) -> None:
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        lines = visible_text(app).splitlines()
        matrix = app.screen.query_one("#matrix", DataTable)
        assert matrix.max_scroll_y == 0 and matrix.max_scroll_x == 0
        assert any("大米" in line and "食用植物油" in line and "白砂糖" in line for line in lines)
        assert any(line.startswith("北京") for line in lines) and any(line.startswith("乌鲁木齐") for line in lines)


# -- one Enter does what the focused part shows (issue 14, item 11) ------------------------------------


@pytest.fixture
def two_open(runner: ServiceRunner, with_profile: None) -> list[str]:
    """Two open inspections (cheap: nothing weighed), newest last."""
    return [runner.call_sync(lambda s, site=site: s.start_inspection(header(site_name=site)).id) for site in ("Suguo", "RT-Mart")]


async def test_slash_down_enter_and_shift_tab_enter_open_the_inspection_with_one_enter(
    runner: ServiceRunner, two_open: list[str]
) -> None:
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "down")
        assert app.screen.focused is app.screen.query_one("#inspections", DataTable)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen) and app.screen.inspection_id == two_open[1]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("shift+tab")  # list → search
        assert "Enter: open the highlighted inspection" in label_text(app, "#cell-info")
        await pilot.press(*"sugu", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen) and app.screen.inspection_id == two_open[0]


async def test_tab_enter_on_the_matrix_says_what_it_does_and_the_narrowed_list_says_so(
    runner: ServiceRunner, two_open: list[str]
) -> None:
    app = make_app(runner, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Enter：打开所选检验" in label_text(app, "#cell-info")
        await pilot.press("tab", "down")  # the matrix: its first city, 北京
        assert "北京：已完成 0/30 批" in label_text(app, "#cell-info") and "Enter：列出" in label_text(app, "#cell-info")
        await pilot.press("enter")
        await settle(pilot)
        info = app.screen.query_one("#list-info", Label)
        assert "无匹配的检验" in label_text(app, "#list-info") and "仅北京（Esc：全部）" in label_text(app, "#list-info")
        assert info.has_class("-narrowed")
        await pilot.press("escape")
        await settle(pilot)
        assert len(list_ids(app)) == 2 and not info.has_class("-narrowed")
        assert "共 2 项检验" in label_text(app, "#list-info")


async def test_one_inspection_is_counted_in_the_singular(runner: ServiceRunner, with_profile: None) -> None:
    runner.call_sync(lambda s: s.start_inspection(header()))
    app = make_app(runner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert label_text(app, "#list-info").startswith("1 inspection  ·")
