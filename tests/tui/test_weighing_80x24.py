"""The weighing screen at 80 × 24 and 120 × 40: every heading, cell and panel label whole, numbers to the balance's d.

Lots of 500 g (gross and tare on a 0.01 g balance) and of 10 kg (nets on a 1 g balance) with a
package beyond 2T, in both languages: what the terminal draws is read back line by line.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable

from fieldtool.core.tare import TareMethod
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.weighing import WeighingScreen
from fieldtool.tui.widgets.stats_panel import TEXT as STATS_TEXT
from tests.tui.conftest import make_app, on_inspection, open_inspection, screen_text

GRAM_LOT = [f"{515.1 - (i % 7) * 1.3:.2f} 12.10" for i in range(11)] + ["496.90 12.10"]
"""Gross and tare of 12 packages of 500 g; the last is 15.20 g short (T1: T = 15 g)."""
KG_LOT = ["10.010", "9.990", "9.690", "10.000"]
"""Nets of 4 packages of 10 kg; the third is 0.310 kg short (T2: beyond 2T = 0.30 kg)."""


@pytest.fixture
def lots(runner: ServiceRunner, with_profile: None) -> Iterator[dict[str, str]]:
    """A gram lot and a kilogram lot, each with its balance and weighed packages."""
    fine = runner.call_sync(lambda s: s.add_balance(make="M", model="X", serial="1", max_capacity="4200", d="0.01"))
    coarse = runner.call_sync(lambda s: s.add_balance(make="M", model="Y", serial="2", max_capacity="30", d="0.001",
                                                       unit_symbol="kg"))
    gram = open_inspection(runner, balance_id=fine.id, tare_method=TareMethod.INDIVIDUAL, lot_size=100)
    kilo = open_inspection(runner, balance_id=coarse.id, nominal=Decimal(10), unit="kg", lot_size=100)
    for iid, values in ((gram, GRAM_LOT), (kilo, KG_LOT)):
        for v in values:
            runner.call_sync(lambda s, iid=iid, v=v: s.record_weight(iid, v))
    yield {"g": gram, "kg": kilo}


def visible_row(text: str, cells: list[str]) -> bool:
    """True when some line of the screen shows every cell whole, in order."""
    for line in text.splitlines():
        at = 0
        for cell in cells:
            found = line.find(cell, at)
            if found < 0:
                break
            at = found + len(cell)
        else:
            return True
    return False


def check_screen(app: object, kind: str, lang: str, size: tuple[int, int]) -> None:
    """Every heading, the flagged package's cells and the panel's labels whole on the screen as drawn."""
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, WeighingScreen)
    text = screen_text(app)  # type: ignore[arg-type]
    table = screen.query_one("#packages", DataTable)
    headers = [str(c.label) for c in table.columns.values()]
    assert visible_row(text, headers), f"{kind} {lang} {size}: headings cut:\n{text}"
    assert any(h.startswith("类别" if lang == "zh" else "Class") for h in headers)
    # Every column fits in the table: nothing scrolls off to the right.
    assert table.virtual_size.width <= table.scrollable_content_region.width, f"{kind} {lang} {size}:\n{text}"
    if kind == "g":
        # The T1 package: gross and tare to the balance's 0.01 g, the shortfall whole, its class shown.
        assert visible_row(text, ["12", "496.90", "12.10", "484.80", "15.20", "T1"]), text
        assert "484.8000" not in text
    else:
        assert visible_row(text, ["3", "9.690", "0.310", "T2"]), text
    for key in ("limit", "t1", "t2", "so_far", "mean"):
        label = STATS_TEXT[key].render(lang)
        assert label in text, f"panel label {label!r} cut at {size}:\n{text}"
    # Nothing in the table or the panel is cut; only the lot's heading may end in "…" (a long site name).
    below_heading = "\n".join(text.splitlines()[2:])
    assert "…" not in below_heading and "目前 目前" not in text
    # Means one digit finer than a net: 0.01 g → 3 places, 0.001 kg → 4 places.
    mean_label = STATS_TEXT["mean"].render(lang)
    mean_line = next(line for line in text.splitlines() if mean_label in line)
    value = mean_line.split(mean_label)[1].split()[0]
    assert len(value.split(".")[1]) == (3 if kind == "g" else 4), mean_line
    assert all(cell_len(line) <= size[0] for line in text.splitlines())


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_column_and_label_is_whole_at_80x24_and_120x40(runner: ServiceRunner, lots: dict[str, str],
                                                                    lang: str) -> None:
    for kind, iid in lots.items():
        app = make_app(runner, lang)
        async with on_inspection(app, iid, (80, 24)) as pilot:
            check_screen(app, kind, lang, (80, 24))
            await pilot.resize_terminal(120, 40)  # the table gains its "By" column and the units in its headings
            await pilot.pause()
            check_screen(app, kind, lang, (120, 40))
            headers = [str(c.label) for c in app.screen.query_one("#packages", DataTable).columns.values()]
            assert len(headers) == 7 and f"({'g' if kind == 'g' else 'kg'})" in headers[3]


async def test_f7_lists_every_position_with_its_package_number(runner: ServiceRunner, lots: dict[str, str]) -> None:
    app = make_app(runner, "zh")
    async with on_inspection(app, lots["g"], (80, 24)) as pilot:
        state = app.screen.state  # type: ignore[attr-defined]
        assert state is not None and state.draw is not None
        await pilot.press("f7")
        await pilot.pause()
        text = screen_text(app)
        positions = state.draw.positions
        assert f"1→{positions[0]}" in text and f"{len(positions)}→{positions[-1]}" in text, text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WeighingScreen)
