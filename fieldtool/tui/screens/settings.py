"""Provides `SettingsScreen`: choose and test the balance connection, add the balance to the register, language and theme.

Keys: Ctrl+T tests the typed connection (connect, identify, read once) without keeping it open;
Ctrl+A adds the balance just tested to the register, with its connection; Ctrl+S checks every
field, puts the settings in use and saves them to the settings file; Esc goes back without
saving. Enter moves to the next field. A language chosen here shows at once on this screen; the
rest of the app takes it on saving. The test runs on a worker thread, so the screen stays live
while a silent port times out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static

from fieldtool.balance.session import TestResult
from fieldtool.balance.transport import parse_connection
from fieldtool.core.inspection import Balance
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.infra.config import BALANCE_PROTOCOLS
from fieldtool.tui.balance_summary import balance_summary
from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.forms import FormFields, error_line, show_field_error
from fieldtool.tui.i18n import T
from fieldtool.tui.screens.balance import BalanceModal
from fieldtool.tui.widgets.footer import FitFooter

TEXT = {
    "title": T("Settings", "设置"),
    "intro": T(
        "Where the balance is and how it talks; leave the connection empty to type the weights. "
        "Ctrl+T tests it, Ctrl+A adds the tested balance to the register.",
        "天平的连接位置和通信方式；连接留空则手工输入重量。Ctrl+T 测试连接，Ctrl+A 将测试过的天平登记。",
    ),
    "balance": T("Balance", "天平"),
    "connection": T("Connection", "连接"),
    "connection_hint": T(
        "/dev/ttyUSB0?baud=9600, COM3, socket://192.168.1.20:4001", "/dev/ttyUSB0?baud=9600、COM3、socket://192.168.1.20:4001"
    ),
    "protocol": T("Protocol", "通信协议"),
    "p_auto": T("auto (probe)", "自动（探测）"),
    "timeout": T("Capture timeout", "称量等待时间"),
    "timeout_hint": T("0.5 to 600", "0.5 至 600"),
    "timeout_unit": T("seconds (0.5 to 600)", "秒（0.5 至 600）"),
    "register": T("Registered", "已登记天平"),
    "register_prompt": T("choose a registered balance to use its connection", "选择已登记的天平，使用其连接"),
    "register_none": T("no registered balance has a connection yet", "已登记的天平均未设连接"),
    "display": T("Display", "显示"),
    "language": T("Language", "语言"),
    "theme": T("Theme", "主题"),
    "theme_dark": T("dark (textual-dark)", "深色（textual-dark）"),
    "theme_light": T("light (textual-light)", "浅色（textual-light）"),
    "e_timeout": T(
        "capture timeout: type seconds between 0.5 and 600, such as 20", "称量等待时间：请输入 0.5 至 600 之间的秒数，如 20"
    ),
    "testing": T("testing {connection} …", "正在测试 {connection} …"),
    "tested": T("✓ {identity} · {protocol} · reading {reading}", "✓ {identity} · {protocol} · 读数 {reading}"),
    "failed": T("✗ {error}", "✗ {error}"),
    "test_first": T("test the connection first (Ctrl+T)", "请先测试连接（Ctrl+T）"),
    "already": T("already in the register: {balance}", "已在登记中：{balance}"),
    "added": T("✓ added to the register: {balance}", "✓ 已登记：{balance}"),
    "saved": T("✓ settings saved to {path}", "✓ 设置已保存到 {path}"),
    "in_use": T("✓ settings in use (there is no settings file to save them to)", "✓ 设置已生效（没有可保存的设置文件）"),
    "b_test": T("Test", "测试"),
    "t_test": T("connect to the typed balance, identify it and read once", "连接所填天平，识别型号并读数一次"),
    "b_add": T("Register", "登记"),
    "t_add": T("add the tested balance to the register, with its connection", "将测试过的天平连同其连接登记"),
    "b_save": T("Save", "保存"),
    "t_save": T("check every field, use the settings and save them", "检查各项，使设置生效并保存"),
    "b_back": T("Back", "返回"),
    "t_back": T("back without saving", "不保存返回"),
    "help": T(
        "Settings: the connection is a device path (/dev/ttyUSB0, COM3) or a URL (socket://host:port), "
        "with serial settings after ? (baud, bits, parity, stop, handshake). Auto probes MT-SICS, A&D and "
        "Sartorius SBI in turn. The capture timeout is how long a capture waits for a package to settle. "
        "Choosing a registered balance fills in its connection. Ctrl+T tests without keeping the balance; "
        "Ctrl+A registers the tested balance with what it reported; Ctrl+S saves.",
        "设置：连接为设备路径（/dev/ttyUSB0、COM3）或网址（socket://主机:端口），串口参数写在 ? 之后"
        "（baud、bits、parity、stop、handshake）。“自动”依次探测 MT-SICS、A&D 和 Sartorius SBI。称量等待时间"
        "是一次称量等待包装件稳定的时长。选择已登记的天平即填入其连接。Ctrl+T 测试连接（不保持连接）；"
        "Ctrl+A 按天平报告的信息登记测试过的天平；Ctrl+S 保存。",
    ),
}

PROTOCOL_NAMES = {"mt-sics": "METTLER TOLEDO MT-SICS", "sbi": "Sartorius SBI", "and": "A&D"}
"""The protocols a balance may speak, as their makers name them (``auto`` is translated)."""

PROTOCOL_SHORT = {"mt-sics": "MT-SICS", "sbi": "SBI", "and": "A&D"}
"""The same, after the make a balance reports (a test result names both)."""

LANGUAGES = (("English", "en"), ("中文", "zh"))
"""The languages, each named in itself."""

THEMES = {"textual-dark": "theme_dark", "textual-light": "theme_light"}
"""The themes offered, with the key of their name in `TEXT`."""

TIMEOUT_RANGE = (0.5, 600.0)
"""The capture timeouts accepted, in seconds (as `fieldtool.infra.config` checks them)."""


def parse_timeout(text: str) -> float | None:
    """Read a capture timeout as typed.

    Args:
        text: seconds, such as ``20`` or ``7.5``.

    Returns:
        The seconds, or None when not a finite number within `TIMEOUT_RANGE`.
    """
    try:
        value = float(text.strip())
    except ValueError:
        return None
    low, high = TIMEOUT_RANGE
    return value if math.isfinite(value) and low <= value <= high else None


def same_serial(a: str, b: str) -> bool:
    """Whether two serial numbers are the same, blanks, leading zeros and case aside (``0012345678`` = ``12345678``).

    Returns:
        True when both name the same instrument; False when they differ or `a` is blank.
    """

    def key(serial: str) -> str:
        return "".join(serial.split()).lstrip("0").upper()

    return bool(key(a)) and key(a) == key(b)


class SettingsScreen(FormFields, FieldtoolScreen):
    """The balance connection (typed, or taken from the register), tested and registered; language and theme."""

    CSS_PATH = Path(__file__).with_name("settings.tcss")
    HELP_TITLE = TEXT["title"]
    HELP_TEXT = TEXT["help"]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Descriptions and tooltips are the English of TEXT entries: the Footer and Help translate them.
        # Priority: an Input takes Ctrl+A (start of line) for itself otherwise.
        Binding("ctrl+t", "test", TEXT["b_test"].en, priority=True, tooltip=TEXT["t_test"].en),
        Binding("ctrl+a", "add", TEXT["b_add"].en, priority=True, tooltip=TEXT["t_add"].en),
        Binding("ctrl+s", "save", TEXT["b_save"].en, priority=True, tooltip=TEXT["t_save"].en),
        Binding("escape", "back", TEXT["b_back"].en, tooltip=TEXT["t_back"].en),
    ]

    def __init__(self) -> None:
        super().__init__(classes="settings-screen")
        self._lang: str | None = None
        """The language chosen here (None until mounted: the app's)."""
        self._app_lang: str | None = None
        """The app's language when last seen (F2 may switch it while this screen is open)."""
        self._balances: list[Balance] = []
        self._errors: dict[str, T | str] = {}
        """Field id → what to type: a text, or a one-line error as the balance code words it."""
        self._lines: dict[str, tuple[T, dict[str, object], str]] = {}
        """Label id → the text it shows, its fields, and its state class (``-ok``, ``-warning``, ``-error`` or none)."""
        self._testing = False
        self._tested: tuple[str, TestResult] | None = None
        """The connection as typed and what its last successful test found."""

    @property
    def lang(self) -> str:
        """The language chosen on this screen: it shows here at once, the app takes it on saving."""
        return self._lang or str(self.fapp.settings.lang)

    def compose(self) -> ComposeResult:
        settings = self.fapp.settings
        yield Header()
        with VerticalScroll(id="settings-body"):
            yield Static("", id="settings-intro")
            yield Label("", id="balance-title", classes="settings-section")
            with Horizontal(classes="settings-row"):
                yield Label("", id="connection-label", classes="settings-label")
                yield Input(id="connection", compact=True)
            yield error_line("connection")
            with Horizontal(classes="settings-row"):
                yield Label("", id="protocol-label", classes="settings-label")
                yield Select(self._protocols(), id="protocol", allow_blank=False, value=settings.balance_protocol, compact=True)
            with Horizontal(classes="settings-row"):
                yield Label("", id="timeout-label", classes="settings-label")
                yield Input(id="timeout", compact=True)
                yield Label("", id="timeout-unit", classes="settings-unit")
            yield error_line("timeout")
            with Horizontal(classes="settings-row"):
                yield Label("", id="register-label", classes="settings-label")
                yield Select([], id="register", compact=True)
            yield Label("", id="test-result", classes="settings-status")
            yield Label("", id="register-note", classes="settings-status")
            yield Label("", id="display-title", classes="settings-section")
            with Horizontal(classes="settings-row"):
                yield Label("", id="language-label", classes="settings-label")
                yield Select(LANGUAGES, id="language", allow_blank=False, value=settings.lang, compact=True)
            with Horizontal(classes="settings-row"):
                yield Label("", id="theme-label", classes="settings-label")
                yield Select(self._themes(), id="theme", allow_blank=False, value=settings.theme, compact=True)
        yield FitFooter()

    async def on_mount(self) -> None:
        self.title = "fieldtool"
        settings = self.fapp.settings
        self._lang = self._app_lang = str(settings.lang)
        self.query_one("#connection", Input).value = settings.balance_connection
        self.query_one("#timeout", Input).value = format(settings.balance_timeout, "g")
        self.relabel()
        self.set_focus(self.query_one("#connection", Input))
        await self.load_register()

    def _protocols(self) -> list[tuple[str, str]]:
        return [(self.tr(TEXT["p_auto"]) if p == "auto" else PROTOCOL_NAMES[p], p) for p in BALANCE_PROTOCOLS]

    def _themes(self) -> list[tuple[str, str]]:
        themes = [(self.tr(TEXT[key]), name) for name, key in THEMES.items()]
        current = self.fapp.settings.theme
        if current not in THEMES:  # a theme set in the file by hand stays on offer
            themes.append((current, current))
        return themes

    # -- the register --------------------------------------------------------------------------------

    async def load_register(self) -> None:
        """Read the register again: the balances with a connection are offered."""
        balances = await self.call(lambda s: s.balances())
        if balances is None:
            return
        self._balances = balances
        self._show_register()

    def _show_register(self) -> None:
        reachable = [b for b in self._balances if b.connection]
        select = self.sel("register")
        self.set_options("register", [(f"{balance_summary(b)} · {b.connection}", b.id) for b in reachable])
        select.prompt = self.tr(TEXT["register_prompt"] if reachable else TEXT["register_none"])
        select.disabled = not reachable

    # -- rendering -----------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        app_lang = str(self.fapp.settings.lang)
        if app_lang != self._app_lang:  # F2 switched the app's language: follow it
            self._lang = self._app_lang = app_lang
            self.sel("language").value = app_lang
        self.sub_title = self.tr(TEXT["title"])
        self.query_one("#settings-intro", Static).update(Text(self.tr(TEXT["intro"])))
        for label_id, key in (
            ("balance-title", "balance"), ("connection-label", "connection"), ("protocol-label", "protocol"),
            ("timeout-label", "timeout"), ("register-label", "register"), ("display-title", "display"),
            ("language-label", "language"), ("theme-label", "theme"), ("timeout-unit", "timeout_unit"),
        ):
            self.query_one(f"#{label_id}", Label).update(self.tr(TEXT[key]))
        self.query_one("#connection", Input).placeholder = self.tr(TEXT["connection_hint"])
        self.query_one("#timeout", Input).placeholder = self.tr(TEXT["timeout_hint"])
        self.set_options("protocol", self._protocols())
        self.set_options("theme", self._themes())
        self._show_register()
        for field_id in ("connection", "timeout"):
            self._show_error(field_id)
        for label_id in ("test-result", "register-note"):
            self._show_line(label_id)
        self.refresh_bindings()

    def _show_error(self, field_id: str) -> None:
        error = self._errors.get(field_id)
        # Shown as it is, not read as markup: a connection error is worded by the balance code.
        show_field_error(self, field_id, None if error is None else Text(self.tr(error) if isinstance(error, T) else error))

    def _say(self, label_id: str, text: T | None, state: str = "", **fields: object) -> None:
        """Show a line under the balance fields (None: clear it); it is re-rendered on a language switch."""
        if text is None:
            self._lines.pop(label_id, None)
        else:
            self._lines[label_id] = (text, fields, state)
        self._show_line(label_id)

    def _show_line(self, label_id: str) -> None:
        label = self.query_one(f"#{label_id}", Label)
        line = self._lines.get(label_id)
        label.update("" if line is None else Text(self.tr(line[0], **line[1])))
        label.remove_class("-ok", "-warning", "-error")
        if line is not None and line[2]:
            label.add_class(line[2])
        label.display = line is not None

    # -- validation ----------------------------------------------------------------------------------

    def _validate(self, field_id: str) -> bool:
        """Check one field; show under it what to type when it is refused."""
        text = self.query_one(f"#{field_id}", Input).value.strip()
        error: T | str | None = None
        if field_id == "connection" and text:  # empty: the weights are typed
            try:
                parse_connection(text)
            except FieldtoolError as exc:
                error = message_in(exc, self.lang)
        elif field_id == "timeout" and parse_timeout(text) is None:
            error = TEXT["e_timeout"]
        if error is None:
            self._errors.pop(field_id, None)
        else:
            self._errors[field_id] = error
        self._show_error(field_id)
        return error is None

    # -- events --------------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        """A refused field is checked again as it is corrected; another connection needs its own test."""
        field_id = event.input.id or ""
        if field_id in self._errors:
            self._validate(field_id)
        if field_id == "connection" and self._tested is not None and self._tested[0] != event.value.strip():
            self._tested = None
            self._say("test-result", None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the next field."""
        event.stop()
        self.focus_next()

    def on_select_changed(self, event: Select.Changed) -> None:
        """A registered balance fills in its connection; a language shows at once."""
        if event.select.id == "register" and event.value is not Select.NULL:
            chosen = next((b for b in self._balances if b.id == event.value), None)
            if chosen is not None and chosen.connection:
                self.query_one("#connection", Input).value = chosen.connection
                self._validate("connection")
        elif event.select.id == "language" and event.value is not Select.NULL and event.value != self._lang:
            self._lang = str(event.value)
            self.relabel()

    # -- actions -------------------------------------------------------------------------------------

    def action_test(self) -> None:
        """Test the typed connection on a worker thread: identify the balance and read once."""
        if self._testing:
            return
        text = self.query_one("#connection", Input).value.strip()
        try:
            parse_connection(text)  # says what to type for an empty connection too
        except FieldtoolError as exc:
            self._errors["connection"] = message_in(exc, self.lang)
            self._show_error("connection")
            self.set_focus(self.query_one("#connection", Input))
            return
        self._errors.pop("connection", None)
        self._show_error("connection")
        self._tested = None
        self._say("register-note", None)
        self._say("test-result", TEXT["testing"], connection=text)
        self._testing = True
        self._run_test(text, self.value("protocol") or "auto")

    @work(group="balance-test")
    async def _run_test(self, text: str, protocol: str) -> None:
        try:
            result = await asyncio.to_thread(self.fapp.balance.test, text, protocol)
        except FieldtoolError as exc:
            self._say("test-result", TEXT["failed"], "-error", error=message_in(exc, self.lang))
        else:
            self._tested = (text, result)
            identity = result.identity
            self._say(
                "test-result", TEXT["tested"], "-ok", identity=str(identity),
                protocol=PROTOCOL_SHORT.get(identity.protocol, identity.protocol), reading=str(result.reading),
            )
        finally:
            self._testing = False

    async def action_add(self) -> None:
        """Add the balance just tested to the register (unless its serial number is there already)."""
        if self._tested is None or self._testing:
            self._say("register-note", TEXT["test_first"], "-warning")
            return
        result = self._tested[1]
        await self.load_register()
        serial = result.identity.serial
        known = next((b for b in self._balances if serial and same_serial(b.serial, serial)), None)
        if known is not None:
            self._say("register-note", TEXT["already"], "-warning", balance=balance_summary(known))
            return

        def added(balance: Balance | None) -> None:
            if balance is None:
                return
            self._say("register-note", TEXT["added"], "-ok", balance=balance_summary(balance))
            self.run_worker(self.load_register(), group="register", exclusive=True)

        self.app.push_screen(BalanceModal(identity=result.identity, connection=result.connection), callback=added)

    def action_save(self) -> None:
        """Check every field, put the settings in use and save them; then go back."""
        valid = [self._validate(field_id) for field_id in ("connection", "timeout")]
        if not all(valid):
            self.set_focus(self.query_one("#connection" if not valid[0] else "#timeout", Input))
            return
        timeout = parse_timeout(self.query_one("#timeout", Input).value)
        assert timeout is not None  # validated above
        new = dataclasses.replace(
            self.fapp.settings,
            balance_connection=self.query_one("#connection", Input).value.strip(),
            balance_protocol=self.value("protocol") or "auto",
            balance_timeout=timeout,
            lang=self._lang or self.fapp.settings.lang,
            theme=self.value("theme") or self.fapp.settings.theme,
        )
        try:
            self.fapp.apply_settings(new)
        except FieldtoolError as exc:
            self.fapp.show_error(message_in(exc, self.lang))
            return
        if new.config_path:
            self.notify(self.tr(TEXT["saved"], path=new.config_path), timeout=6)
        else:
            self.notify(self.tr(TEXT["in_use"]), timeout=6)
        self.dismiss()

    def action_back(self) -> None:
        """Back without saving (a test still running finishes on its thread)."""
        self.dismiss()
