"""Pilot tests of the new-inspection form, the balance dialog and the sample screen: what is typed is what is stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import Input, Label, Select

from fieldtool.core.inspection import SamplingMethod, SiteKind
from fieldtool.core.sampling import draw_sample
from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.home import HomeScreen
from fieldtool.tui.screens.new_inspection import NewInspectionScreen
from fieldtool.tui.screens.sampling import SampleScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from tests.tui.conftest import make_app, open_inspection


def add_balance(runner: ServiceRunner, mpe: str = "0.5", due: date | None = date(2027, 6, 30), make: str = "Mettler") -> str:
    return runner.call_sync(
        lambda s: s.add_balance(make=make, model="MS6002S", serial="B0042", max_capacity="6200", d="0.01", e="0.1",
                                accuracy_class="II", mpe=mpe, certificate="JL-2026-118", calibration_due=due)
    ).id


def text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector, Label).render())


def shown_error(app, field: str) -> str:  # type: ignore[no-untyped-def]
    label = app.screen.query_one(f"#{field}-error", Label)
    return str(label.render()) if label.display else ""


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_form(pilot) -> NewInspectionScreen:  # type: ignore[no-untyped-def]
    await pilot.press("n")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, NewInspectionScreen)
    return screen


def fill(screen: NewInspectionScreen, **values: str) -> None:
    for field_id, value in values.items():
        screen.query_one(f"#{field_id.replace('_', '-')}", Input).value = value


async def choose(pilot, search: str) -> None:  # type: ignore[no-untyped-def]
    """Open the focused list, find an option by typing, take it."""
    await pilot.press("enter", *search, "enter")
    await pilot.pause()


async def tab_to(pilot, field_id: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("tab")
    assert pilot.app.focused is not None and pilot.app.focused.id == field_id, pilot.app.focused


@pytest.mark.slow
async def test_form_filled_by_keyboard_is_stored_then_sample_then_weighing(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    balance_id = add_balance(runner)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        assert app.focused is not None and app.focused.id == "city"
        await choose(pilot, "nanj")
        await tab_to(pilot, "product")
        await choose(pilot, "laun")
        await tab_to(pilot, "site-name")
        await pilot.press(*"Suguo")
        await tab_to(pilot, "site-address")
        await pilot.press(*"Zhongshan 8")
        await tab_to(pilot, "site-kind")
        await choose(pilot, "wh")
        await tab_to(pilot, "brand")
        await pilot.press(*"Bright")
        await tab_to(pilot, "batch")
        await pilot.press(*"B-17")
        await tab_to(pilot, "production-date")
        await pilot.press(*"2026-10-05")
        await tab_to(pilot, "typical")
        await choose(pilot, "500")  # the product's typical 500 g fills Qn and its unit
        await tab_to(pilot, "nominal")
        await tab_to(pilot, "unit")
        await tab_to(pilot, "lot-size")
        await pilot.press(*"300")
        await settle(pilot)
        # The plan, T and the balance check appear as soon as Qn, its unit and N are valid.
        assert "n = 50" in text(app, "#preview-plan") and "λ = 0.379" in text(app, "#preview-plan")
        assert "T = 15.0 g · Qn − T = 485.0 g · Qn − 2T = 470.0 g" in text(app, "#preview-tne")
        await tab_to(pilot, "sampling")
        await tab_to(pilot, "seed")
        seed_shown = int(app.screen.query_one("#seed", Input).value)
        await tab_to(pilot, "inspector-1")
        assert app.screen.query_one("#inspector-1", Input).value == "Wang Li"
        await tab_to(pilot, "inspector-2")
        await pilot.press(*"Zhao Min")
        await tab_to(pilot, "balance")
        await choose(pilot, "mett")
        await settle(pilot)
        assert "✓ balance MPE = 0.5 g ≤ T/5 = 3.00 g" in text(app, "#preview-balance")
        await tab_to(pilot, "tare")
        await tab_to(pilot, "rule-set")
        await tab_to(pilot, "notes")
        await pilot.press(*"shelf")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, SampleScreen)
        with SqliteStore.open(db_path) as store:
            [inspection] = store.inspections()
        h = inspection.header
        expected = draw_sample(300, (50,), seed_shown, "simple-random")
        shown = [int(x) for x in str(app.screen.query_one("#stage-1").render()).split()]
        assert shown == list(expected.stages[0])
        assert f"seed {seed_shown}" in text(app, "#lot-head")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)

    assert (h.programme_id, h.city_id, h.product_id) == ("cn-2012-net-content", "nanjing", "laundry-detergent")
    assert (h.site_name, h.site_address, h.site_kind) == ("Suguo", "Zhongshan 8", SiteKind.WHOLESALER)
    assert (h.brand, h.batch, h.production_date) == ("Bright", "B-17", date(2026, 10, 5))
    assert (h.nominal, h.unit, h.lot_size) == (Decimal(500), "g", 300)
    assert (h.sampling_method, h.sampling_seed) == (SamplingMethod.SIMPLE_RANDOM, seed_shown)
    assert h.inspectors == ("Wang Li", "Zhao Min")
    assert (h.balance_id, h.tare_method, h.rule_set_id, h.variant) == (balance_id, TareMethod.INDIVIDUAL, "jjf1070-2005", "standard")
    assert h.notes == "shelf"


async def test_every_field_says_what_to_type(runner: ServiceRunner, with_profile: None, db_path: Path) -> None:
    add_balance(runner)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        fill(screen, nominal="5oo", lot_size="0", production_date="2026-13-45", inspector_1="")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_error(app, "site-name") == "site name: type the name of the inspected company or shop"
        assert shown_error(app, "nominal") == "nominal quantity: type a number such as 500"
        assert shown_error(app, "lot-size") == "lot size: type a whole number of packages, at least 1"
        assert shown_error(app, "production-date") == "production date: type YYYY-MM-DD, e.g. 2026-10-05"
        assert shown_error(app, "city") == "city: choose the city from the list"
        assert shown_error(app, "inspectors") == "inspectors: type at least one inspector's name"
        assert shown_error(app, "balance").startswith("balance: choose the balance you weigh with")
        assert "7 field(s) to fix" in text(app, "#status")
        assert isinstance(app.screen, NewInspectionScreen)

        await pilot.press("f2")
        await pilot.pause()
        assert shown_error(app, "nominal") == "标注净含量：请输入数字，如 500"
        assert shown_error(app, "lot-size") == "批量：请输入包装件数（整数，至少为 1）"
        assert shown_error(app, "production-date") == "生产日期：请按 YYYY-MM-DD 输入，如 2026-10-05"
        assert shown_error(app, "site-name") == "受检单位：请输入受检企业或商店的名称"

        # A message goes as soon as its field is right.
        fill(screen, nominal="500")
        await settle(pilot)
        assert shown_error(app, "nominal") == ""
        fill(screen, production_date="2026-12-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_error(app, "production-date") == "生产日期：2026-12-01 晚于今天（2026-11-28）"
    with SqliteStore.open(db_path) as store:
        assert store.inspections() == []


async def test_lot_outside_the_plan_is_refused_next_to_the_lot_size(runner: ServiceRunner, with_profile: None, db_path: Path) -> None:
    add_balance(runner)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#rule-set", Select).value = "oiml-r87-2016"
        fill(screen, site_name="Suguo", nominal="500", lot_size="50")
        await settle(pilot)
        expected = "lot size: oiml-r87-2016 covers lots of 100 or more; a lot of 50 is outside its plan"
        assert shown_error(app, "lot-size") == expected
        assert text(app, "#preview-tne") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_error(app, "lot-size") == expected
        assert isinstance(app.screen, NewInspectionScreen)
        await pilot.press("f2")
        await pilot.pause()
        assert shown_error(app, "lot-size") == "批量：oiml-r87-2016 的抽样方案适用于 100 及以上 件的批；50 件不在其中"
        fill(screen, lot_size="100")
        await settle(pilot)
        assert shown_error(app, "lot-size") == ""
        assert "n = 50" in text(app, "#preview-plan")
        await pilot.press("f2")
        fill(screen, nominal="60000")
        await settle(pilot)
        assert shown_error(app, "nominal") == (
            "nominal quantity: oiml-r87-2016 covers Qn above 0 g up to 50000 g; 60000 g is outside its table"
        )
    with SqliteStore.open(db_path) as store:
        assert store.inspections() == []


async def test_balance_too_coarse_or_out_of_calibration_is_warned(runner: ServiceRunner, with_profile: None) -> None:
    coarse = add_balance(runner, mpe="5", make="Coarse")
    expired = add_balance(runner, mpe="0.5", due=date(2026, 1, 31), make="Expired")
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        fill(screen, nominal="500", lot_size="300")
        screen.query_one("#balance", Select).value = coarse
        await settle(pilot)
        assert text(app, "#preview-balance") == "⚠ balance MPE = 5 g exceeds T/5 = 3.00 g: use a finer balance for this product"
        assert app.screen.query_one("#preview-balance").has_class("-warning")
        assert text(app, "#preview-calibration") == ""
        screen.query_one("#balance", Select).value = expired
        await settle(pilot)
        assert text(app, "#preview-balance").startswith("✓ balance MPE = 0.5 g")
        assert text(app, "#preview-calibration") == (
            "⚠ the balance's calibration expired on 2026-01-31 (today 2026-11-28): use a calibrated balance"
        )
        assert "id " + expired[:8] in text(app, "#balance-info")


async def test_balance_added_from_the_form_is_validated_stored_and_chosen(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "balance-make"
        await pilot.press(*"Sartorius", "enter")  # Enter moves on to the next field
        assert app.focused is not None and app.focused.id == "balance-model"
        modal = app.screen
        for key, value in (("model", "Entris II"), ("serial", "SN-77"), ("max", "4200"), ("d", "0.1x"), ("e", "0.1"),
                           ("mpe", "0.3"), ("certificate", "C-9"), ("due", "2027-02-30")):
            modal.query_one(f"#balance-{key}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(app.screen.query_one("#balance-d-error", Label).render()) == "d: type the scale interval, a number such as 0.01"
        assert str(app.screen.query_one("#balance-due-error", Label).render()) == "calibration due: type YYYY-MM-DD, or leave it empty"
        assert app.focused is not None and app.focused.id == "balance-d"
        app.screen.query_one("#balance-d", Input).value = "0.01"
        app.screen.query_one("#balance-due", Input).value = "2027-02-28"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewInspectionScreen)
        with SqliteStore.open(db_path) as store:
            [b] = store.balances()
        assert app.screen.query_one("#balance", Select).value == b.id
    assert (b.make, b.model, b.serial, b.unit) == ("Sartorius", "Entris II", "SN-77", "g")
    assert (b.max_capacity, b.d, b.e, b.mpe) == (Decimal(4200), Decimal("0.01"), Decimal("0.1"), Decimal("0.3"))
    assert (b.certificate, b.calibration_due, b.accuracy_class) == ("C-9", date(2027, 2, 28), "")


async def test_stratified_goes_straight_to_the_lot_and_esc_asks_before_discarding(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    balance_id = add_balance(runner)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        await pilot.press("escape")  # nothing typed: straight back
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

        screen = await open_form(pilot)
        fill(screen, site_name="Hualian")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("n")  # keep it
        await pilot.pause()
        assert app.screen is screen
        screen.query_one("#city", Select).value = "wuhan"
        screen.query_one("#sampling", Select).value = "stratified"
        screen.query_one("#balance", Select).value = balance_id
        fill(screen, nominal="2.5", lot_size="60")
        screen.query_one("#unit", Select).value = "kg"
        await settle(pilot)
        assert not screen.query_one("#seed").display
        assert "T = 0.038 kg" in text(app, "#preview-tne") and "n = 13" in text(app, "#preview-plan")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)
    with SqliteStore.open(db_path) as store:
        [inspection] = store.inspections()
    assert inspection.header.sampling_method is SamplingMethod.STRATIFIED and inspection.header.sampling_seed is None
    assert (inspection.header.nominal, inspection.header.unit, inspection.header.city_id) == (Decimal("2.5"), "kg", "wuhan")


async def test_sample_screen_shows_each_stage_of_a_double_sampling_plan(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner, rule_set_id="eu-76-211", lot_size=300, sampling_seed=7)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SampleScreen(iid))
        await settle(pilot)
        expected = draw_sample(300, (30, 60), 7, "simple-random")
        for k, stage in enumerate(expected.stages, 1):
            assert [int(x) for x in str(app.screen.query_one(f"#stage-{k}").render()).split()] == list(stage)
        assert text(app, "#stage-1-title") == "Stage 1: 30 packages"
        assert text(app, "#stage-2-title") == "Stage 2: 30 packages, only if the first sample does not decide"
