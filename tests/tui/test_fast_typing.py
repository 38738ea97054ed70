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
from textual.widgets import Input

from fieldtool.core.inspection import InspectionHeader
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.new_inspection import NewInspectionScreen
from fieldtool.tui.screens.profile import ProfileScreen
from fieldtool.usecases.inspection import Services
from tests.tui.conftest import make_app, open_inspection
from tests.tui.test_new_inspection import add_balance

NAMED = {"f4": None, "f6": None, "f7": None, "escape": None, "enter": "\r", "tab": "\t", "shift+tab": None, "down": None, "up": None, "backspace": "\x7f", "ctrl+s": None, "ctrl+z": None}

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
        assert_form_stored(Services(store).latest_header(), balance_id)


def assert_form_stored(h: InspectionHeader | None, balance_id: str) -> None:
    """Every field of the inspection holds exactly what `FORM` typed (also for the tmux test)."""
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


# The sampling form, field after field with Enter (prefilled fields kept as they are), the last Enter saving.
SAMPLING_FORM = [
    "CN2026-NJ-001", "enter",  # form number
    "enter", "enter", "enter", "enter",  # time, place, samplers, inspected unit: as prefilled
    "南京市玄武区中山路18号", "enter",
    "enter",  # kind of unit
    "025-8456 1234", "enter",
    "益海嘉里（南京）粮油有限公司", "enter",
    "南京市栖霞区龙潭港", "enter",
    "enter", "enter", "enter", "enter",  # product, brand, specification, batch
    "2026-10-01", "enter",  # production date (the lot size is the inspection's, not a field to type)
    "enter",  # sample count
    "完好", "enter",
    "编织袋", "enter",
    "南京市计量院", "enter",
    "李经理", "enter",
    "快速录入", "enter",
]


async def test_sampling_form_typed_at_once_stores_every_field(runner: ServiceRunner, with_profile: None) -> None:
    from fieldtool.tui.screens.sampling_form import SamplingFormScreen
    from fieldtool.usecases.sampling_form import form_as_text, sampling_form

    iid = open_inspection(runner)
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SamplingFormScreen(iid))
        await wait_for(pilot, lambda: isinstance(app.screen, SamplingFormScreen) and app.focused is not None, "the form")
        send_at_once(app, SAMPLING_FORM)
        await wait_for(pilot, lambda: not isinstance(app.screen, SamplingFormScreen), "saved and back")
    stored = runner.call_sync(lambda s: sampling_form(s, iid))
    assert stored is not None
    text = form_as_text(stored.form)
    assert {k: text[k] for k in ("form_no", "unit_address", "unit_contact", "producer_name", "producer_address",
                                 "production_date", "sample_condition", "packaging", "samples_to", "representative",
                                 "notes")} == {
        "form_no": "CN2026-NJ-001", "unit_address": "南京市玄武区中山路18号", "unit_contact": "025-8456 1234",
        "producer_name": "益海嘉里（南京）粮油有限公司", "producer_address": "南京市栖霞区龙潭港",
        "production_date": "2026-10-01", "sample_condition": "完好", "packaging": "编织袋",
        "samples_to": "南京市计量院", "representative": "李经理", "notes": "快速录入",
    }
    assert (text["unit_name"], text["brand"], text["batch"]) == ("Suguo Supermarket", "Golden Ear", "B-17")


async def weights_typed_at_once(runner: ServiceRunner, keys: list[str], weights: int, *, opened: bool = False) -> str:
    """A lot's weighing screen at 80 × 24 in zh (a new lot, or the one `opened` last), `keys` sent at once;
    the inspection, once `weights` are saved."""
    from fieldtool.tui.screens.weighing import WeighingScreen

    iid = runner.call_sync(lambda s: s.inspections(limit=1)[0].id) if opened else open_inspection(runner)
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.open_inspection(iid)
        await wait_for(pilot, lambda: isinstance(app.screen, WeighingScreen) and app.focused is not None, "weighing")
        send_at_once(app, keys)
        await wait_for(pilot, lambda: len(runner.call_sync(lambda s: s.lot_state(iid)).measurements) == weights,
                       f"{weights} weights saved")
    return iid


async def test_environment_dialog_then_weights_typed_at_once(runner: ServiceRunner, with_profile: None) -> None:
    """F4, temperature, Enter, humidity, Enter (the dialog closes), then two weights: each where it belongs."""
    from fieldtool.usecases.sampling_form import environment_readings

    keys = ["f4", "21.5", "enter", "48", "enter", "500.2", "enter", "499.8", "enter"]
    iid = await weights_typed_at_once(runner, keys, 2)
    readings = runner.call_sync(lambda s: environment_readings(s, iid))
    assert [(str(r.temperature_c), str(r.humidity_pct)) for r in readings] == [("21.5", "48")]
    assert [str(m.net) for m in runner.call_sync(lambda s: s.lot_state(iid)).measurements] == ["500.2", "499.8"]


async def test_undo_with_its_reason_then_the_next_weight_typed_at_once(runner: ServiceRunner, with_profile: None) -> None:
    """Ctrl+Z, the reason, Enter, the next weight: the undo withdraws the package before it, not the one typed after."""
    keys = ["500.2", "enter", "499.8", "enter", "ctrl+z", "输错了", "enter", "499.9", "enter", "500.1", "enter"]
    iid = await weights_typed_at_once(runner, keys, 3)
    state = runner.call_sync(lambda s: s.lot_state(iid))
    assert [str(m.net) for m in state.measurements] == ["500.2", "499.9", "500.1"]
    history = runner.call_sync(lambda s: s.store.measurement_history(iid))
    assert [(str(m.net), m.reason) for m in history if m.withdrawn] == [("499.8", "输错了")]


async def test_profile_then_search_on_home_typed_at_once(runner: ServiceRunner) -> None:
    """The profile saved with its last Enter, then / and a search on Home: the search gets every character."""
    from fieldtool.tui.screens.home import HomeScreen

    open_inspection(runner, site_name="苏果超市")
    open_inspection(runner, site_name="华润万家")
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.focused is not None, "the profile form")
        send_at_once(app, ["王力", "tab", "JD-1234", "enter", "南京市质量技术监督局", "enter", "/", "苏果"])
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "Home")
        await wait_for(pilot, lambda: app.screen.query_one("#search", Input).value == "苏果",
                       f"the search holds 苏果 ({app.screen.query_one('#search', Input).value!r})")


# -- Enter on what is not a text field, and answers that change the screen twice -----------------------


async def test_enter_on_homes_list_then_a_weight_typed_at_once(runner: ServiceRunner, with_profile: None) -> None:
    """Enter on the highlighted lot opens its weighing; the weight typed right after is its first package."""
    from fieldtool.tui.screens.home import HomeScreen

    iid = open_inspection(runner)
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.query_one("#inspections").row_count
                       == 1 and app.focused is app.screen.query_one("#inspections"), "Home with its lot")
        send_at_once(app, ["enter", "500.2", "enter"])
        await wait_for(pilot, lambda: len(runner.call_sync(lambda s: s.lot_state(iid)).measurements) == 1, "one weight")
    assert [str(m.net) for m in runner.call_sync(lambda s: s.lot_state(iid)).measurements] == ["500.2"]


async def test_correction_from_the_table_then_positions_typed_at_once(runner: ServiceRunner, with_profile: None) -> None:
    """F6, Enter on a row: the new value and its reason go into the correction dialog; F7, Enter closes the
    positions, and the weight typed next is saved."""
    iid = open_inspection(runner)
    for net in ("500.2", "499.8"):
        runner.call_sync(lambda s, net=net: s.record_weight(iid, net))
    keys = ["f6", "enter", "backspace", "backspace", "backspace", "backspace", "backspace", "499.9", "enter", "读错",
            "enter", "f6", "f7", "enter", "500.1", "enter"]
    await weights_typed_at_once(runner, keys, 3, opened=True)
    history = runner.call_sync(lambda s: s.store.measurement_history(iid))
    assert [(str(m.net), m.reason) for m in history if m.reason] == [("499.9", "读错")]
    assert [str(m.net) for m in runner.call_sync(lambda s: s.lot_state(iid)).measurements][-1] == "500.1"


async def test_verdict_confirmed_with_enter_then_the_name_typed_at_once(runner: ServiceRunner, with_profile: None) -> None:
    """Enter (Confirm) moves to the name box at once: the name typed right after goes there, not to W (back to
    weighing) and L (label check), which the verdict screen binds."""
    from fieldtool.tui.screens.verdict import VerdictScreen

    iid = open_inspection(runner, lot_size=30)
    for k in range(10):
        runner.call_sync(lambda s, k=k: s.record_weight(iid, f"{500 + k / 10:.1f}"))
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.open_inspection(iid)
        await wait_for(pilot, lambda: isinstance(app.screen, VerdictScreen) and app.focused is not None, "the verdict")
        send_at_once(app, ["enter", "wang li", "enter"])
        await wait_for(pilot, lambda: runner.call_sync(lambda s: s.lot_state(iid)).inspection.is_final, "finalised")
        assert isinstance(app.screen, VerdictScreen)
    assert runner.call_sync(lambda s: s.lot_state(iid)).inspection.finalised_by == "Wang Li"  # as the lot names the inspector


async def test_discarding_a_form_then_searching_on_home_typed_at_once(runner: ServiceRunner, with_profile: None) -> None:
    """Esc on a filled form asks; Y goes Home at once: the search typed right after gets every character."""
    from fieldtool.tui.screens.home import HomeScreen

    open_inspection(runner, site_name="白砂糖批发")
    app = make_app(runner, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewInspectionScreen) and app.focused is not None, "the form")
        send_at_once(app, ["tab", "tab", "苏果", "escape", "y", "/", "白砂糖"])
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "Home")
        await wait_for(pilot, lambda: app.screen.query_one("#search", Input).value == "白砂糖",
                       f"the search holds 白砂糖 ({app.screen.query_one('#search', Input).value!r})")
