"""The Chinese UI is wholly Chinese: every screen and dialog, walked in zh at 80 × 24, shows no run of English words.

One database is built for the module (a finished, an open and a failing inspection, a lot with
average tare, a lot that needs its density, a balance, a sampling form and a label check); each
group of screens is then driven through the real app, headless, with a few bad inputs so that
the errors raised by the use-cases are shown too. What the terminal shows is collected per
screen and searched for a run of two or more Latin words that is not a unit, a symbol, a key,
a proper name, an id or a number (`ALLOWED`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select

from fieldtool.core.tare import TareMethod
from fieldtool.infra import keys
from fieldtool.infra.config import Settings
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.usecases.inspection import Services
from tests.tui.conftest import FIXED_NOW, header, screen_text

SIZE = (80, 24)

ALLOWED = frozenset(
    # units and symbols as the standards and the balance's plate write them (one letter is skipped anyway)
    "kg mg mL mm min Qn TNE Max MPE"
    # keys as the Footer and the help write them
    " Ctrl Shift Alt Super Esc Enter Tab Space PgUp PgDn Del Ins Backspace"
    # proper names: the program, standards, protocols, formats, makers, time zone
    " fieldtool JJF OIML EEC MT-SICS SBI A&D METTLER TOLEDO Sartorius SQLite PDF SVG CSV URL USB UTC"
    .casefold().split()
)
"""Latin words a Chinese screen may show in a row: units and symbols, key names, proper names, compared
without case (the Footer writes keys as "esc", "ctrl+s"). One-letter words (g, L, s, d, n, N, T, a key)
and words with a digit (T1, F9, B-17, COM3, an id) are never counted as words."""

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'&][A-Za-z0-9]+)*")
_PATH_OR_URL = re.compile(r"\S*[/\\]\S*|`[^`]*`")
"""A path, a URL or a device (/dev/ttyUSB0, socket://host:4001, C:\\reports), or a command in backquotes
(`fieldtool report sampling-form`): a name to type as it is, never words to translate."""
_BREAK = re.compile(r"[^\x00-\x7f]")
"""Anything outside ASCII (Chinese, full-width punctuation, box drawing) ends a run of Latin words."""


def english_runs(text: str) -> list[str]:
    """Runs of two or more Latin words, not all of them allowed, in `text` (one per finding).

    A run is the words of one stretch of ASCII text (between Chinese characters, full-width
    punctuation or box drawing); digits and ASCII punctuation do not end it. Allowed words, words
    with a digit and one-letter words are skipped, so "Ctrl+S", "Qn 500 g" and "T1 3" pass, and
    "esc Dismiss menu" or "'abc' is not a number" do not.
    """
    found = []
    for line in text.splitlines():
        for stretch in _BREAK.split(_PATH_OR_URL.sub(" ", line)):
            words = [w for w in _WORD.findall(stretch)
                     if w.casefold() not in ALLOWED and len(w) > 1 and not any(c.isdigit() for c in w)]
            if len(words) >= 2:
                found.append(" ".join(words) + f"   ‹{stretch.strip()}›")
    return found


def test_the_check_finds_english_and_passes_units_keys_and_names() -> None:
    assert english_runs("esc Dismiss menu") == ["Dismiss menu   ‹esc Dismiss menu›"]
    assert english_runs("毛重：'abc' is not a number") != []
    assert english_runs("^p 命令面板  Ctrl+S：保存  F9 读取天平") == []
    assert english_runs("大米 标称 500 g  批量 300  ·  JJF 1070-2005 标准抽样方案") == []
    assert english_runs("天平（/dev/ttyUSB0）：MT-SICS 无应答  ‹socket://127.0.0.1:4001›") == []
    assert english_runs("T1 3  T2 0  Qn−T 485 g") == []
    assert english_runs("Search for commands…") != []
    assert english_runs("也可用 `fieldtool report sampling-form` 打印") == []


# -- the database --------------------------------------------------------------------------------------

GOOD = [f"{500 + (i % 7) * Decimal('0.3')}" for i in range(48)]
PASS_NETS = GOOD + ["484.0", "483.5"]
FAIL_NETS = GOOD + ["484.0", "460.0"]
ZH = {"site_name": "苏果超市（中山路店）", "brand": "金穗", "inspectors": ("王丽", "赵敏")}


class Lots:
    """The module's database: the runner over it and the ids of its inspections."""

    def __init__(self, runner: ServiceRunner) -> None:
        self.runner = runner
        def start(**overrides: object) -> str:
            return runner.call_sync(lambda s: s.start_inspection(header(**{**ZH, **overrides}))).id

        def weigh(iid: str, nets: list[str]) -> None:
            def run(s: Services) -> None:
                for net in nets:
                    s.record_weight(iid, net)
            runner.call_sync(run)

        runner.call_sync(lambda s: s.save_inspector("王丽", "N-001", "南京市质量技术监督局"))
        self.balance = runner.call_sync(lambda s: s.add_balance(
            make="METTLER TOLEDO", model="ML4002T", serial="B123456789", max_capacity="4200", d="0.01"))
        self.finished = start(balance_id=self.balance.id)
        weigh(self.finished, PASS_NETS)
        runner.call_sync(lambda s: s.finalise(self.finished, "王丽"))
        self.failing = start()
        weigh(self.failing, FAIL_NETS)
        self.open = start()
        weigh(self.open, GOOD[:5])
        self.tare = start(tare_method=TareMethod.AVERAGE)
        self.density = start(product_id="soy-sauce", nominal=Decimal(500), unit="mL", tare_method=TareMethod.INDIVIDUAL)

        from fieldtool.usecases.label_check import record_label_check
        from fieldtool.usecases.sampling_form import record_sampling_form, sampling_form_text

        def paperwork(s: Services) -> None:
            typed = sampling_form_text(s, self.open)
            typed.update(form_no="CY-2026-001", place="超市仓库", unit_contact="李经理 13800000000")
            typed.pop("lot_size")
            record_sampling_form(s, self.open, typed)
            record_label_check(s, self.open, text="净含量：500克", height_mm="4.0", by_name="王丽")
        runner.call_sync(paperwork)


@pytest.fixture(scope="module")
def lots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lots]:
    """The module's database, built once (per xdist worker), with a runner that signs as a laptop does."""
    tmp = tmp_path_factory.mktemp("language")
    key = keys.load_or_create(tmp / "laptop.key.pem")
    runner = ServiceRunner(lambda: Services(SqliteStore.open(tmp / "fieldtool.db", signer=key),
                                            clock=lambda: FIXED_NOW, signer=key))
    try:
        yield Lots(runner)
    finally:
        runner.close()


# -- the walk --------------------------------------------------------------------------------------------


class Walk:
    """Drives one app in zh at 80 × 24 and takes what the terminal shows, screen by screen."""

    def __init__(self, pilot: Pilot[str | None]) -> None:
        self.pilot = pilot
        self.app: FieldtoolApp = pilot.app  # type: ignore[assignment]
        self.seen: dict[str, str] = {}
        """What each screen showed, by name (a name taken twice keeps both)."""

    async def press(self, *keys_: str) -> None:
        await self.pilot.press(*keys_)

    async def shot(self, name: str, screen: type[object] | None = None) -> None:
        """Take the screen once its workers are done (and check that it is the screen meant)."""
        await self.pilot.pause()
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()
        if screen is not None:
            assert isinstance(self.app.screen, screen), f"{name}: {self.app.screen!r} is shown"
        self.seen[name] = self.seen.get(name, "") + screen_text(self.app) + "\n"

    async def until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Let the app run until `condition` holds (a timer of its own, such as the palette's, has fired)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            assert asyncio.get_running_loop().time() < deadline, "the condition never held"
            await self.pilot.pause(0.05)

    async def push(self, screen: Screen[object]) -> None:
        await self.app.push_screen(screen)

    def check(self) -> None:
        """Fail with every screen that shows English, and what it shows."""
        problems = []
        for name, text in self.seen.items():
            if not re.search(r"[\u4e00-\u9fff]", text):
                problems.append(f"{name}: no Chinese at all")
            runs = english_runs(text)
            if runs:
                problems.append(f"{name}:\n    " + "\n    ".join(dict.fromkeys(runs)))
        assert not problems, "English in the Chinese UI:\n" + "\n".join(problems)


@asynccontextmanager
async def walking(lots: Lots) -> AsyncIterator[Walk]:
    """The app in zh at 80 × 24, with notifications shown (errors are toasts), started on Home."""
    app = FieldtoolApp(lots.runner, Settings(lang="zh", db_path="test.db"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        walk = Walk(pilot)
        await walk.shot("home")
        yield walk
    walk.check()


async def test_home_its_dialogs_and_the_palette_are_in_chinese(lots: Lots) -> None:
    from fieldtool.tui.screens.balance import BalanceModal
    from fieldtool.tui.screens.help import HelpScreen
    from fieldtool.tui.screens.new_inspection import NewInspectionScreen
    from fieldtool.tui.screens.profile import ProfileScreen
    from fieldtool.tui.screens.settings import SettingsScreen
    from fieldtool.tui.screens.sync import SyncScreen

    async with walking(lots) as w:
        await w.press("ctrl+p")
        await w.shot("palette", CommandPalette)
        entries = [str(option.prompt) for option in w.app.screen.query_one(CommandList).options]
        assert len(entries) == len(set(entries)) >= 9, entries  # each once, ours only (no second theme or key panel)
        await w.press("z", "z", "z")
        await w.until(lambda: "没有匹配" in screen_text(w.app))  # the palette's own "No matches found"
        await w.shot("palette (no match)")
        await w.press("escape", "f1")
        await w.shot("help", HelpScreen)
        await w.press("escape")
        await w.push(ProfileScreen())
        await w.shot("profile", ProfileScreen)
        w.app.pop_screen()
        await w.app.action_settings()
        await w.shot("settings", SettingsScreen)
        w.app.pop_screen()
        await w.app.action_sync()
        await w.press("ctrl+s")  # no hub address: refused
        await w.shot("sync", SyncScreen)
        w.app.pop_screen()
        await w.app.new_inspection()
        await w.press("ctrl+s")  # nothing filled in: every field says why
        await w.shot("new inspection", NewInspectionScreen)
        w.app.screen.query(Select).first().focus()
        await w.press("enter")
        await w.shot("dropdown")  # the open list's own key in the Footer (Textual's "Dismiss menu")
        await w.press("escape", "ctrl+b", "ctrl+s")
        await w.shot("balance", BalanceModal)


async def test_an_open_lot_its_form_and_dialogs_are_in_chinese(lots: Lots) -> None:
    from fieldtool.tui.screens.modals import CorrectionModal, ReasonModal
    from fieldtool.tui.screens.sampling import SampleScreen
    from fieldtool.tui.screens.sampling_form import EnvironmentModal, SamplingFormScreen
    from fieldtool.tui.screens.weighing import WeighingScreen

    async with walking(lots) as w:
        await w.push(SampleScreen(lots.open))
        await w.shot("sampling", SampleScreen)
        await w.push(SamplingFormScreen(lots.open))
        await w.shot("sampling form", SamplingFormScreen)
        w.app.screen.query_one("#sample-count", Input).value = "abc"
        await w.press("ctrl+s")
        await w.shot("sampling form (error)")
        w.app.pop_screen()
        w.app.pop_screen()
        await w.app.open_inspection(lots.open)
        await w.shot("weighing", WeighingScreen)
        for typed in ("abc", "-498.5", "5119"):
            box = w.app.screen.query(Input).first()
            box.focus()
            box.value = typed
            await w.press("enter")
            await w.shot(f"weighing ({typed})")
        await w.press("escape", "f4", "x", "enter", "y", "enter")
        await w.shot("environment (error)", EnvironmentModal)
        await w.press("escape")
        w.app.screen.query_one(DataTable).focus()
        await w.press("enter")
        await w.shot("correction", CorrectionModal)
        await w.press("escape", "ctrl+z")
        await w.shot("undo", ReasonModal)
        await w.press("escape")


async def test_tare_density_verdict_label_and_review_are_in_chinese(lots: Lots) -> None:
    from fieldtool.tui.screens.density import DensityScreen
    from fieldtool.tui.screens.label import LabelScreen
    from fieldtool.tui.screens.review import ReviewScreen
    from fieldtool.tui.screens.tare import TareScreen
    from fieldtool.tui.screens.verdict import VerdictScreen

    async with walking(lots) as w:
        for iid, name, screen in ((lots.tare, "tare", TareScreen), (lots.density, "density", DensityScreen),
                                  (lots.failing, "verdict (fails)", VerdictScreen)):
            await w.app.open_inspection(iid)
            await w.shot(name, screen)
            w.app.pop_screen()
        await w.app.open_inspection(lots.finished)
        await w.shot("verdict (final)", VerdictScreen)
        await w.push(LabelScreen(lots.open))
        w.app.screen.query_one("#label-height", Input).value = "abc"
        await w.press("ctrl+s")
        await w.shot("label (error)", LabelScreen)
        w.app.pop_screen()
        await w.push(ReviewScreen(lots.finished))
        await w.press("ctrl+r")  # no name: refused
        await w.shot("review (error)", ReviewScreen)
