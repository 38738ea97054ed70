"""Pilot tests of the tare and density screens: the tare sample and the density are stored, and weighing uses them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import DataTable, Input, Label

from fieldtool.core.inspection import DensityMethod
from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.density import DensityScreen
from fieldtool.tui.screens.new_inspection import NewInspectionScreen
from fieldtool.tui.screens.tare import TareScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from tests.tui.conftest import make_app, on_inspection, open_inspection


def text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector, Label).render())


async def enter(pilot, selector: str, value: str) -> None:  # type: ignore[no-untyped-def]
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    box.value = value
    await pilot.press("enter")
    await pilot.pause()


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


TARES = ("12.1", "12.4", "12.3", "12.6", "12.2", "12.5", "12.4", "12.3", "12.7", "12.0")


async def test_accepted_average_tare_is_taken_from_every_gross_weight(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner, tare_method=TareMethod.AVERAGE)
    app = make_app(runner)
    async with on_inspection(app, iid, (80, 24)) as pilot:
        assert isinstance(app.screen, TareScreen)
        for value in TARES[:9]:
            await enter(pilot, "#tare-weight", value)
        assert text(app, "#verdict") == "1 more empty packaging(s) to weigh"
        await pilot.press("enter")  # not accepted yet: an empty Enter does not go on
        await pilot.pause()
        assert isinstance(app.screen, TareScreen)
        await enter(pilot, "#tare-weight", TARES[9])
        assert app.screen.query_one("#tares", DataTable).row_count == 10
        assert text(app, "#check-n") == "n = 10 (at least 10)"
        assert text(app, "#check-mean") == "mean tare = 12.3500 g"
        assert text(app, "#verdict").startswith("✓ average tare accepted: s = 0.2173 g ≤ 0.25 T = 3.75 g")
        await pilot.press("enter")  # on an empty line: on to weighing
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)
        box = app.screen.query_one("#weight", Input)
        box.value = "512.35"
        await pilot.press("enter")
        await settle(pilot)
    with SqliteStore.open(db_path) as store:
        tares = [t.value for t in store.tares(iid)]
        [m] = store.current_measurements(iid)
    assert tares == [Decimal(v) for v in TARES]
    mean = sum(tares) / len(tares)
    assert (m.gross, m.tare, m.net) == (Decimal("512.35"), mean, Decimal("512.35") - mean)
    assert m.net == Decimal("500.00")


async def test_refused_average_tare_says_why_and_restarts_with_individual_tare(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    balance = runner.call_sync(lambda s: s.add_balance(make="Mettler", model="MS", serial="1", max_capacity="6200", d="0.01"))
    iid = open_inspection(runner, tare_method=TareMethod.AVERAGE, balance_id=balance.id)
    app = make_app(runner)
    async with on_inspection(app, iid, (80, 24)) as pilot:
        for value in ("10.0", "30.0") * 5:
            await enter(pilot, "#tare-weight", value)
        assert text(app, "#verdict") == (
            "✗ average tare refused: s = 10.5409 g > 0.25 T = 3.75 g; start the inspection again with individual tare (Ctrl+R)"
        )
        assert app.screen.query_one("#tare-weight", Input).disabled
        await pilot.press("f2")
        await pilot.pause()
        assert text(app, "#verdict").startswith("✗ 平均皮重不适用：s = 10.5409 g > 0.25 T = 3.75 g")
        await pilot.press("ctrl+n")  # refused: no weighing
        await pilot.pause()
        assert isinstance(app.screen, TareScreen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, NewInspectionScreen)
        assert app.screen.query_one("#site-name", Input).value == "Suguo Supermarket"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with SqliteStore.open(db_path) as store:
        again, first = store.inspections()
        assert len(store.tares(iid)) == 10
    assert first.id == iid and first.header.tare_method is TareMethod.AVERAGE
    assert again.header.tare_method is TareMethod.INDIVIDUAL
    assert again.header.sampling_seed == first.header.sampling_seed == 42
    assert (again.header.site_name, again.header.lot_size, again.header.nominal) == ("Suguo Supermarket", 300, Decimal(500))


async def test_flask_density_is_stored_and_converts_weighed_liquid_to_ml(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner, product_id="soy-sauce", nominal=Decimal(500), unit="mL", tare_method=TareMethod.INDIVIDUAL)
    app = make_app(runner)
    async with on_inspection(app, iid, (80, 24)) as pilot:
        assert isinstance(app.screen, DensityScreen)
        assert "Typical ρ of this product: 1.170 g/mL." in text(app, "#explain")
        await pilot.press(*"100", "enter", *"217.00", "enter", *"100.00")
        await pilot.pause()
        assert text(app, "#rho") == "ρ = (217.00 − 100.00) g / 100 mL = 1.17000 g/mL"
        await pilot.press("enter", *"23")
        await pilot.pause()
        assert text(app, "#temp-warning") == "⚠ 23 °C is outside 20 ± 2 °C: the density measured is not the one at 20 °C"
        await pilot.press("enter")  # Enter on the temperature saves: asks first, as 23 °C is out of range
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DensityScreen)
        box = app.screen.query_one("#temperature", Input)
        box.value = "20.5"
        await pilot.pause()
        assert not app.screen.query_one("#temp-warning").display
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)
        box = app.screen.query_one("#weight", Input)
        box.value = "700.0 115.0"
        await pilot.press("enter")
        await settle(pilot)
    with SqliteStore.open(db_path) as store:
        [density] = store.densities(iid)
        [m] = store.current_measurements(iid)
    assert (density.method, density.density_g_per_ml, density.temperature_c) == (DensityMethod.FLASK, Decimal("1.17"), Decimal("20.5"))
    assert (density.flask_volume_ml, density.filled_g, density.empty_g) == (Decimal(100), Decimal("217.00"), Decimal("100.00"))
    assert (m.gross, m.tare, m.density, m.weighing_unit) == (Decimal("700.0"), Decimal("115.0"), Decimal("1.17"), "g")
    assert (m.net, m.unit) == (Decimal("500.00"), "mL")


async def test_density_fields_say_what_to_type_and_typed_density_is_stored(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner, product_id="soy-sauce", nominal=Decimal(500), unit="mL", tare_method=TareMethod.INDIVIDUAL)
    app = make_app(runner)
    async with on_inspection(app, iid, (80, 24)) as pilot:
        screen = app.screen
        for key, value in (("volume", "100"), ("filled", "90"), ("empty", "100")):
            screen.query_one(f"#{key}", Input).value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text(app, "#filled-error") == "filled flask: it must weigh more than the empty flask"
        assert text(app, "#temperature-error") == "temperature: type the product's temperature in °C, such as 20.4"
        await pilot.press("f2")
        await pilot.pause()
        assert text(app, "#filled-error") == "装满后质量：应大于空瓶质量"
        await pilot.press("f2")
        screen.query_one("#density-method").focus()
        await pilot.press("enter", "down", "enter")  # the density typed in
        await pilot.pause()
        assert screen.query_one("#row-density").display and not screen.query_one("#row-volume").display
        screen.query_one("#density", Input).value = "1170"
        await pilot.pause()
        assert text(app, "#rho-warning") == "⚠ ρ = 1170 g/mL is outside 0.5 … 2 g/mL: check the unit (g/mL, not kg/m³)"
        screen.query_one("#density", Input).value = "1.168"
        await pilot.press("ctrl+s")  # the temperature is optional with a density meter
        await settle(pilot)
        assert isinstance(app.screen, WeighingScreen)
    with SqliteStore.open(db_path) as store:
        [density] = store.densities(iid)
    assert (density.method, density.density_g_per_ml, density.temperature_c) == (DensityMethod.TYPED, Decimal("1.168"), None)
