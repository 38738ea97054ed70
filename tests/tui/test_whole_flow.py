"""The whole on-site inspection driven by keyboard, as an inspector does it, checked in the database.

New inspection (liquid milk, 250 mL, N = 300) → sample positions → density by flask → average
tare (10 empty packagings) → 50 gross weights → a correction with its reason → verdict →
confirmation by name → final.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label

from fieldtool.core.evaluate import Outcome, evaluate_lot
from fieldtool.core.quantity import unit
from fieldtool.core.tare import TareMethod
from fieldtool.plans.rules import load_rule_set
from fieldtool.storage import SqliteStore
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.density import DensityScreen
from fieldtool.tui.screens.sampling import SampleScreen
from fieldtool.tui.screens.tare import TareScreen
from fieldtool.tui.screens.verdict import VerdictScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from tests.tui.conftest import make_app
from tests.tui.test_new_inspection import add_balance, choose, open_form, settle, tab_to


async def type_line(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*text, "enter")
    await pilot.pause()


@pytest.mark.slow
async def test_new_inspection_to_final_verdict_by_keyboard(runner: ServiceRunner, with_profile: None, db_path: Path) -> None:
    add_balance(runner)
    rng = random.Random(7)
    tares = [f"{rng.gauss(9.6, 0.05):.2f}" for _ in range(10)]
    grosses = [f"{rng.gauss(268.0, 1.2):.2f}" for _ in range(50)]
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await choose(pilot, "nanj")
        await tab_to(pilot, "product")
        await choose(pilot, "milk")
        await tab_to(pilot, "site-name")
        await pilot.press(*"Suguo")
        for field in ("site-address", "site-kind", "brand", "batch", "production-date", "typical"):
            await tab_to(pilot, field)
        await choose(pilot, "250")
        for field in ("nominal", "unit", "lot-size"):
            await tab_to(pilot, field)
        await pilot.press(*"300")
        for field in ("sampling", "seed", "inspector-1", "inspector-2"):
            await tab_to(pilot, field)
        await pilot.press(*"Zhao Min")
        await tab_to(pilot, "balance")
        await choose(pilot, "mett")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, SampleScreen)
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, DensityScreen)
        await pilot.press(*"100", "enter", *"164.10", "enter", *"61.10", "enter", *"20.1")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, TareScreen)
        for value in tares:
            await type_line(pilot, value)
        await settle(pilot)
        await pilot.press("enter")  # accepted: Enter on the empty line goes on to weighing
        await settle(pilot)

        assert isinstance(app.screen, WeighingScreen)
        for value in grosses[:10]:
            await type_line(pilot, value)
        for value in grosses[10:49]:
            # The rest as a keyboard wedge (a balance's key-emulation or a scanner) delivers a line: the
            # text at once, then Enter; typing key by key is what the first ten and tests/tui/test_fast_typing do.
            app.screen.query_one("#weight", Input).value = value
            await pilot.press("enter")
            await pilot.pause()
        await type_line(pilot, "2680.5")  # a slipped decimal point on the last package
        await settle(pilot)
        # Not saved: the screen names the likely slip first; a second Enter saves it as typed.
        assert app.screen.query_one("#packages", DataTable).row_count == 49
        assert "Enter again" in str(app.screen.query_one("#status", Label).render())
        await pilot.press("enter")
        await settle(pilot)
        # Correct it: to the table, up to the last row is where the cursor is; Enter opens the dialog.
        await pilot.press("f6")
        await pilot.press("enter")
        await pilot.pause()
        value_box = app.screen.query_one("#value", Input)
        value_box.value = grosses[49]
        await pilot.press("tab", *"decimal point slipped", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)
        assert app.screen.query_one("#packages", DataTable).row_count == 50

        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, VerdictScreen)
        await pilot.press("enter")  # to the name box
        await pilot.press(*"zhao min", "enter")
        await settle(pilot)

    with SqliteStore.open(db_path) as store:
        [inspection] = store.inspections()
        iid = inspection.id
        h = inspection.header
        current = store.current_measurements(iid)
        history = store.measurement_history(iid)
        verdict = store.latest_verdict(iid)
        [density] = store.densities(iid)
        tare_sample = store.tares(iid)
    assert inspection.is_final and inspection.finalised_by == "Zhao Min"
    assert (h.product_id, h.unit, h.nominal, h.lot_size, h.tare_method) == ("liquid-milk", "mL", Decimal(250), 300, TareMethod.AVERAGE)
    assert density.density_g_per_ml == Decimal("1.03000")
    assert [t.value for t in tare_sample] == [Decimal(v) for v in tares]
    assert [m.gross for m in current] == [Decimal(v) for v in grosses]
    corrected = [m for m in history if m.supersedes]
    assert len(corrected) == 1 and corrected[0].reason == "decimal point slipped"
    assert any(m.gross == Decimal("2680.5") for m in history)  # the original stays in the record
    mean_tare = sum(Decimal(v) for v in tares) / 10
    first = current[0]
    assert first.tare == mean_tare.quantize(first.tare)  # the mean tare, as used
    # The stored verdict is what the engine says of the stored nets.
    assert verdict is not None
    expected = evaluate_lot(load_rule_set("jjf1070-2005"), Decimal(250), unit("mL"), 300, [m.net for m in current])
    assert verdict.outcome is expected.outcome and verdict.outcome in (Outcome.PASS, Outcome.FAIL)
