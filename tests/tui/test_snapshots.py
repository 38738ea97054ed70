"""SVG snapshots of the screens in English and in Chinese, so that a broken layout shows in review.

The four main screens (Home, new inspection, weighing, verdict) at the field size, 80 × 24, and at
120 × 40; the forms an inspector fills on the way (tare sample, sampling form, label check,
settings) at 80 × 24.

Update them deliberately with `pytest tests/tui/test_snapshots.py --snapshot-update` and look at
the new SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Input

from fieldtool.core.tare import TareMethod
from fieldtool.infra.config import Settings
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.label import LabelScreen
from fieldtool.tui.screens.sampling_form import SamplingFormScreen
from fieldtool.usecases.inspection import Services
from tests.tui.conftest import FIXED_NOW, header

SIZE = (80, 24)
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
NETS = ["500.4", "499.1", "501.2", "498.7", "500.0", "502.3", "497.9", "480.2", "500.8", "499.6"]


@pytest.fixture
def fixed_runner(tmp_path: Path) -> Iterator[tuple[ServiceRunner, dict[str, str]]]:
    """A database whose every record carries the same fixed time: one open and one failed lot."""
    ids: dict[str, str] = {}

    def build() -> Services:
        clock = lambda: FIXED_NOW
        s = Services(SqliteStore.open(tmp_path / "snap.db", clock=clock), clock=clock, new_seed=lambda: 424242)
        s.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
        open_lot = s.start_inspection(header(lot_size=300, tare_method=TareMethod.NET))
        for net in NETS:
            s.record_weight(open_lot.id, net)
        failed = s.start_inspection(header(lot_size=30, city_id="beijing", site_name="Hualian", brand="Jade"))
        for net in [*NETS[:8], "468.0", "500.1"]:
            s.record_weight(failed.id, net)
        s.finalise(failed.id, "Wang Li")
        tare = s.start_inspection(header(lot_size=300, tare_method=TareMethod.AVERAGE, brand="Golden"))
        for value in ("12.1", "12.4", "12.3"):
            s.record_tare_sample(tare.id, value)
        ids.update(open=open_lot.id, failed=failed.id, tare=tare.id)
        return s

    runner = ServiceRunner(build)
    runner.call_sync(lambda s: None)
    yield runner, ids
    runner.close()


LANGS = pytest.mark.parametrize("lang", ["en", "zh"])
"""Each screen in both languages: Chinese is what the inspector sees in the field."""


def make(runner: ServiceRunner, inspection: str | None = None, lang: str = "en") -> FieldtoolApp:
    return FieldtoolApp(runner, Settings(lang=lang, theme="textual-dark"), inspection_id=inspection)


async def settle(pilot: Any) -> None:
    """Let the screen settle, then stop every input's cursor from blinking.

    Textual blinks a focused input's cursor on a 0.5 s wall-clock timer, so a busy machine could
    take the picture in either phase; with ``cursor_blink = False`` the cursor stays drawn.
    """
    for _ in range(6):
        await pilot.pause(0.05)
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


def _pressed(key: str) -> Callable[[Any], Awaitable[None]]:
    """Settle on Home, press `key` (the screen it opens is the picture), settle."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    return run_before


@SIZES
@LANGS
def test_home(
    snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str, size: tuple[int, int]
) -> None:
    runner, _ = fixed_runner
    assert snap_compare(make(runner, lang=lang), terminal_size=size, run_before=settle)


@SIZES
@LANGS
def test_weighing(
    snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str, size: tuple[int, int]
) -> None:
    runner, ids = fixed_runner
    assert snap_compare(make(runner, ids["open"], lang), terminal_size=size, run_before=settle)


@SIZES
@LANGS
def test_verdict_of_a_failed_lot(
    snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str, size: tuple[int, int]
) -> None:
    runner, ids = fixed_runner
    assert snap_compare(make(runner, ids["failed"], lang), terminal_size=size, run_before=settle)


@SIZES
@LANGS
def test_new_inspection_form(
    snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str, size: tuple[int, int]
) -> None:
    runner, _ = fixed_runner
    assert snap_compare(make(runner, lang=lang), terminal_size=size, run_before=_pressed("n"))




@LANGS
def test_tare_sample(snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str) -> None:
    runner, ids = fixed_runner  # an average-tare lot with three of its empty packagings weighed
    assert snap_compare(make(runner, ids["tare"], lang), terminal_size=SIZE, run_before=settle)


def _pushed(screen: Callable[[str], Screen[Any]], lot: str) -> Callable[[Any], Awaitable[None]]:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(screen(lot))
        await settle(pilot)

    return run_before


@LANGS
def test_sampling_form(snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str) -> None:
    runner, ids = fixed_runner
    opened = _pushed(SamplingFormScreen, ids["open"])
    assert snap_compare(make(runner, ids["open"], lang), terminal_size=SIZE, run_before=opened)


@LANGS
def test_label_check(snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str) -> None:
    runner, ids = fixed_runner
    opened = _pushed(LabelScreen, ids["open"])
    assert snap_compare(make(runner, ids["open"], lang), terminal_size=SIZE, run_before=opened)


@LANGS
def test_settings(snap_compare: Any, fixed_runner: tuple[ServiceRunner, dict[str, str]], lang: str) -> None:
    runner, _ = fixed_runner
    assert snap_compare(make(runner, lang=lang), terminal_size=SIZE, run_before=_pressed("s"))
