"""Keys sent with no pause between them, as a barcode scanner or a fast typist sends them, land where they belong.

Pilot's `press` waits for the app to be idle after every key, which hides the fault: here the
keys are posted to the app all at once, as a terminal delivers them, then the test waits for
the form's result and reads it back from the database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.new_inspection import NewInspectionScreen
from fieldtool.tui.screens.profile import ProfileScreen
from fieldtool.usecases.inspection import Services
from tests.tui.conftest import make_app
from tests.tui.test_new_inspection import add_balance

NAMED = {"enter": "\r", "tab": "\t", "shift+tab": None, "down": None, "up": None, "backspace": "\x7f", "ctrl+s": None}

# The whole new-inspection form, in the order its fields are typed (a list: Enter opens it, Down
# moves, Enter takes; Tab leaves a field as it is). A typo fixed with Backspace right before a Tab.
FORM = [
    "enter", "down", "down", "enter", "tab",  # city: the second city (Tianjin)
    "enter", "down", "enter", "tab",  # product: the first (rice)
    "苏果超市（中山路店）", "tab",
    "南京市玄武区中山路18号", "tab",
    "tab",  # site kind: retailer, as offered
    "金龙鱼 大米", "tab",
    "20261001AX", "backspace", "tab",
    "2026-10-01", "tab",
    "tab",  # typical Qn
    "5", "tab",
    "tab",  # unit: kg, from the product
    "300", "tab",
    "tab", "tab",  # sampling and seed, as drawn
    "tab",  # first inspector: from the profile
    "张检", "tab",
    "enter", "down", "enter", "tab",  # balance: the one registered
    "tab", "tab",  # tare, rule set
    "快速录入测试", "ctrl+s",
]


def key_events(parts: list[str]) -> list[events.Key]:
    """The key events a terminal delivers for `parts`: named keys, or text one character at a time."""
    keys = []
    for part in parts:
        if part in NAMED:
            keys.append(events.Key(part, NAMED[part]))
        else:
            keys.extend(events.Key(ch if ch.isalnum() and ch.isascii() else _character_to_key(ch), ch) for ch in part)
    return keys


def send_at_once(app: FieldtoolApp, parts: list[str]) -> None:
    """Post every key to the app without waiting between them."""
    for key in key_events(parts):
        app.post_message(key)


async def wait_for(pilot: Pilot[None], ready: Callable[[], bool], what: str, rounds: int = 400) -> None:
    """Let the app run until `ready()` (a bounded number of rounds, each a short pause)."""
    for _ in range(rounds):
        if ready():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{what}: not reached")


async def test_new_inspection_typed_at_once_stores_every_field(runner: ServiceRunner, db_path: Path) -> None:
    runner.call_sync(lambda s: s.save_inspector("王力"))
    balance_id = add_balance(runner)
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewInspectionScreen) and app.focused is not None, "the form")
        send_at_once(app, FORM)
        await wait_for(pilot, lambda: not isinstance(app.screen, NewInspectionScreen), "saved and on to the sample")
    with SqliteStore.open(db_path) as store:
        h = Services(store).latest_header()
    assert h is not None
    assert (h.city_id, h.product_id) == ("tianjin", "rice")
    assert h.site_name == "苏果超市（中山路店）"
    assert h.site_address == "南京市玄武区中山路18号"
    assert h.site_kind.value == "retailer"
    assert (h.brand, h.batch) == ("金龙鱼 大米", "20261001A")
    assert h.production_date is not None and h.production_date.isoformat() == "2026-10-01"
    assert (str(h.nominal), h.unit, h.lot_size) == ("5", "kg", 300)
    assert h.inspectors == ("王力", "张检")
    assert h.balance_id == balance_id
    assert h.rule_set_id == "jjf1070-2005"
    assert h.notes == "快速录入测试"


async def test_profile_typed_at_once_with_enter_and_tab(runner: ServiceRunner) -> None:
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.focused is not None, "the profile form")
        send_at_once(app, ["王力", "tab", "JD-1234", "enter", "南京市质量技术监督局", "enter"])
        await wait_for(pilot, lambda: not isinstance(app.screen, ProfileScreen), "saved and on to Home")
    profile = runner.call_sync(lambda s: s.inspector())
    assert profile is not None
    assert (profile.name, profile.inspector_no, profile.organisation) == ("王力", "JD-1234", "南京市质量技术监督局")
