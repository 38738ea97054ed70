"""Pilot tests of the sampling form (抽样单) at 80 × 24, and of the environment dialog on the weighing screen.

The form is reached from the sampling screen (F), filled, saved with Ctrl+S and read back from the
database; opening it again shows what was saved; a refused field says why on the line under it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import Input, Label

from fieldtool.storage import SqliteStore
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.sampling import SampleScreen
from fieldtool.tui.screens.sampling_form import EnvironmentModal, SamplingFormScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from tests.tui.conftest import make_app, on_inspection, open_inspection, screen_text

TYPED = {
    "form-no": "CY-2026-0007", "place": "Suguo storeroom", "samplers": "Wang Li、Zhao Min",
    "unit-contact": "Li Hua 025-1234", "producer-name": "金穗米业有限公司", "producer-address": "江苏省兴化市米市路 1 号",
    "sample-count": "5", "sample-condition": "sealed", "packaging": "woven bag", "samples-to": "returned",
    "representative": "Li Hua",
}


def label(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector, Label).render())


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_form_is_filled_at_80x24_saved_and_shown_again(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SampleScreen(iid))
        await settle(pilot)
        assert label(app, "#form-state").startswith("Sampling form: not filled yet")
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SamplingFormScreen)
        # Prefilled from the inspection; the lot size is the inspection's and cannot be typed.
        assert screen.query_one("#unit-name", Input).value == "Suguo Supermarket"
        assert screen.query_one("#lot-size", Input).value == "300" and screen.query_one("#lot-size", Input).disabled
        assert screen.query_one("#samplers", Input).value == "Wang Li、Zhao Min"
        for field, value in TYPED.items():
            box = screen.query_one(f"#{field}", Input)
            box.focus()
            await pilot.pause()
            assert box.region.height == 1 and 0 < box.region.y < 24, field  # scrolled into view at 80 × 24
            box.value = value
        # A refused field says why under it, in one line, and nothing is stored.
        screen.query_one("#sample-count", Input).value = "500"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        error = screen.query_one("#sample-count-error", Label)
        assert error.display and str(error.render()) == "Samples taken: 500 samples is more than the lot size 300"
        assert app.focused is screen.query_one("#sample-count", Input)
        assert runner.call_sync(lambda s: s.store.sampling_form(iid)) is None
        screen.query_one("#sample-count", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SampleScreen)
        assert label(app, "#form-state").startswith("✓ Sampling form CY-2026-0007 filled")

        stored = runner.call_sync(lambda s: s.store.sampling_form(iid))
        assert stored is not None
        f = stored.form
        assert (f.form_no, f.samplers, f.producer_name, f.sample_count, f.lot_size, f.representative) == (
            "CY-2026-0007", ("Wang Li", "Zhao Min"), "金穗米业有限公司", 5, 300, "Li Hua")

        await pilot.press("f")  # opened again: what was saved
        await settle(pilot)
        again = app.screen
        assert isinstance(again, SamplingFormScreen)
        for field, value in TYPED.items():
            assert again.query_one(f"#{field}", Input).value == value, field
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SampleScreen)


async def test_ctrl_r_saves_the_form_and_prints_it_before_any_weighing(
    runner: ServiceRunner, with_profile: None
) -> None:
    from pypdf import PdfReader

    from fieldtool.infra import paths

    iid = open_inspection(runner)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SamplingFormScreen(iid))
        await settle(pilot)
        screen = app.screen
        for field, value in TYPED.items():
            screen.query_one(f"#{field}", Input).value = value
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen is screen  # still on the form, to correct and print again
        shown = [n.message for n in app._notifications]
    [pdf] = list(paths.reports_dir().glob("*.pdf"))
    assert pdf.name.endswith("-sampling-form.pdf")
    assert any(str(pdf) in message and "sampling form saved" in message for message in shown), shown
    stored = runner.call_sync(lambda s: s.store.sampling_form(iid))
    assert stored is not None and stored.form.form_no == "CY-2026-0007"
    assert runner.call_sync(lambda s: s.lot_state(iid).measurements) == ()
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "抽样单" in text and "CY-2026-0007" in text and "金穗米业有限公司" in text


async def test_the_form_in_chinese(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SamplingFormScreen(iid))
        await settle(pilot)
        shown = screen_text(app)
        for word in ("抽样单编号", "抽样日期时间", "抽样地点", "抽样人员", "Ctrl+S：保存"):
            assert word in shown, word


async def test_the_environment_is_recorded_from_the_weighing_screen(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner)
    app = make_app(runner)
    async with on_inspection(app, iid, (80, 24)) as pilot:
        assert isinstance(app.screen, WeighingScreen)
        await pilot.press("f4")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, EnvironmentModal)
        modal.query_one("#temperature", Input).value = "75"
        modal.query_one("#humidity", Input).focus()
        modal.query_one("#humidity", Input).value = "48"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is modal
        assert label(app, "#dialog-error") == "temperature: 75 °C is outside -30…60 °C"
        modal.query_one("#temperature", Input).value = "21.5"
        modal.query_one("#humidity", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)
        assert label(app, "#status") == "✓ environment recorded: 21.5 °C, 48 % RH"
    with SqliteStore.open(db_path) as store:
        readings = store.environment_readings(iid)
    assert [(r.temperature_c, r.humidity_pct, r.packages_weighed) for r in readings] == [(Decimal("21.5"), Decimal(48), 0)]
