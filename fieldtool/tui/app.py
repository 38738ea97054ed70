"""Provides `FieldtoolApp`: the inspector's terminal UI, its navigation and its global keys.

The app is handed a `ServiceRunner` and `Settings` (it opens nothing itself), so tests build it
around a temporary database. Screens ask the app to navigate (`open_inspection`, `go_home`,
`new_inspection`); the app decides which screen an inspection needs next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from fieldtool.errors import FieldtoolError, message_in
from fieldtool.infra.config import Settings, save_settings
from fieldtool.tui.i18n import T, plural
from fieldtool.tui.runner import ServiceRunner

if TYPE_CHECKING:  # the domain is imported on the store thread, not before the first screen
    from textual.driver import Driver

    from fieldtool.balance.session import BalanceSession
    from fieldtool.core.inspection import Inspection
    from fieldtool.core.programme import Product
    from fieldtool.infra.institute import Institute
    from fieldtool.usecases.inspection import Services
    from fieldtool.usecases.lot_types import LotState

TEXT_NEW = T("New inspection", "新建检验")
TEXT_RENDERING = T("rendering the lot report {number}…", "正在生成检验报告 {number}……")
TEXT_RENDERED = T("lot report saved: {path} ({pages} {pages_word})", "检验报告已保存：{path}（共 {pages} 页）")
TEXT_FORM_RENDERING = T("printing the sampling form {number}…", "正在生成抽样单 {number}……")
TEXT_FORM_RENDERED = T("sampling form saved: {path} ({pages} {pages_word})", "抽样单已保存：{path}（共 {pages} 页）")
TEXT_HOME = T("Home", "首页")
TEXT_HELP = T("Help: every key of this screen", "帮助：本界面的所有按键")
TEXT_LANG = T("中文界面 (switch language)", "English (切换语言)")
TEXT_THEME = T("Light / dark theme", "浅色 / 深色主题")
TEXT_SYNC = T("Sync with the hub", "与汇总服务器同步")
TEXT_SETTINGS = T("Settings: balance connection, language, theme", "设置：天平连接、语言、主题")
TEXT_NO_KEY = T("this device has no signing key; restart fieldtool", "本机没有签名密钥；请重新启动 fieldtool")
TEXT_NEW_HELP = T("Type the site, product and lot size and start weighing", "填写受检单位、商品和批量，开始一项新检验")
TEXT_HOME_HELP = T("Back to the list of inspections and the programme's progress", "返回检验列表和方案进度")
TEXT_HELP_HELP = T("F1: every key of this screen and what it does", "F1：列出本界面的全部按键及其作用")
TEXT_LANG_HELP = T("F2: Chinese or English on every screen", "F2：所有界面在中文和英文之间切换")
TEXT_THEME_HELP = T("Switch between the light and the dark colours", "在浅色和深色配色之间切换")
TEXT_SYNC_HELP = T("F8: send this laptop's records, receive programmes, rules and assignments",
                   "F8：发送本机记录，接收检查方案、检验规则和任务分配")
TEXT_SETTINGS_HELP = T("Choose and test the balance connection; language and theme", "选择并测试天平连接；设置语言和主题")
TEXT_QUIT = T("Quit", "退出")
TEXT_QUIT_HELP = T("Quit fieldtool (every saved weight stays in the database)", "退出 fieldtool（已保存的数据都在数据库中）")
TEXT_SCREENSHOT = T("Screenshot", "截图")
TEXT_SCREENSHOT_HELP = T("Save an SVG picture of this screen", "把当前界面保存为 SVG 图片")
TEXT_MAXIMIZE = T("Maximise", "最大化")
TEXT_MAXIMIZE_HELP = T("Fill the screen with the focused part", "让当前焦点所在部分占满全屏")
TEXT_MINIMIZE = T("Restore", "还原")
TEXT_MINIMIZE_HELP = T("Back to the normal size", "恢复正常大小")
TEXT_SEARCH = T("Search for commands…", "搜索命令……")
TEXT_NO_MATCHES = T("No matches found", "没有匹配的命令")


class FieldtoolApp(App[str | None]):
    """The inspector's terminal UI; `run()` returns None, or the one-line reason it could not start."""

    TITLE = "fieldtool"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f2", "toggle_language", "中文/English"),
        Binding("f8", "sync", "Sync"),
    ]

    def __init__(
        self, runner: ServiceRunner, settings: Settings, inspection_id: str | None = None, *, balance: BalanceSession | None = None
    ) -> None:
        """Args:
            runner: runs the use-cases on the store thread.
            settings: language, theme, balance connection …
            inspection_id: an inspection to open at once.
            balance: the balance session to use (tests pass one with short timeouts); by default one
                is made from `settings` when a screen first needs the balance.
        """
        super().__init__()
        self.runner = runner
        self.settings = settings
        self._initial_inspection = inspection_id
        self._balance = balance
        if settings.theme in self.available_themes:
            self.theme = settings.theme

    def get_driver_class(self) -> type[Driver]:
        """The platform's terminal driver, reading the keys so that Esc typed right before another key stays Esc
        (`fieldtool.tui.terminal_input`)."""
        from fieldtool.tui.terminal_input import use_escape_first_parser

        driver_class = super().get_driver_class()  # imports the driver's modules, whose parser is replaced
        use_escape_first_parser()
        return driver_class

    @property
    def balance(self) -> BalanceSession:
        """The connection to the balance, made when first needed (pyserial is not imported at start-up)."""
        if self._balance is None:
            from fieldtool.balance.session import BalanceSession

            self._balance = BalanceSession(self.settings.balance_connection, self.settings.balance_protocol)
        return self._balance

    def apply_settings(self, settings: Settings, *, save: bool = True) -> None:
        """Use new settings at once (language, theme, balance connection) and save them to their file.

        Raises:
            FieldtoolError: the file cannot be written (the settings are in use all the same), or the
                balance is in use.
        """
        if self._balance is not None:  # first: a balance in use refuses, and nothing has changed yet
            self._balance.configure(settings.balance_connection, settings.balance_protocol)
        old, self.settings = self.settings, settings
        if settings.theme != old.theme and settings.theme in self.available_themes:
            self.theme = settings.theme
        if settings.lang != old.lang:
            self._relabel()
        if save and settings.config_path:
            save_settings(settings)

    def on_unmount(self) -> None:
        if self._balance is not None:
            self._balance.close()

    # -- start -----------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        from fieldtool.tui.screens.home import HomeScreen

        await self.push_screen(HomeScreen())
        # The store opens on its own thread once Home is painted (its imports would otherwise
        # share the interpreter with the first screen); a worker waits for it.
        self.call_after_refresh(self._open_store)

    def _open_store(self) -> None:
        self.runner.start()
        self.run_worker(self._after_start(), group="start")

    async def _after_start(self) -> None:
        """First run: ask for the profile; with --inspection, open it; a store that cannot open: stop."""
        from fieldtool.tui.screens.profile import ProfileScreen

        try:
            profile = await self.runner.call(lambda s: s.inspector())
        except FieldtoolError as exc:  # the database could not be opened: say so and stop
            self.exit(message_in(exc, self.settings.lang))
            return
        if profile is None:
            await self.push_screen(ProfileScreen())
        elif self._initial_inspection:
            await self.open_inspection(self._initial_inspection)

    # -- navigation --------------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """Show a user error (one line) without losing anything on screen."""
        self.notify(message, severity="error", timeout=8)

    async def go_home(self) -> None:
        """Back to Home, refreshed."""
        from fieldtool.tui.screens.home import HomeScreen

        self.back_home()
        if isinstance(self.screen, HomeScreen):
            await self.screen.refresh_data()

    def back_home(self) -> None:
        """Back to Home at once (from any handler, also of the screen being left); Home reloads its data on
        resuming (`HomeScreen.on_screen_resume`).

        The screens above Home are gone when this returns, so the keys typed next go to Home.
        """
        from fieldtool.tui.screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    async def new_inspection(self) -> None:
        """Open the form for a new inspection."""
        from fieldtool.tui.screens.new_inspection import NewInspectionScreen

        await self.push_screen(NewInspectionScreen())

    async def open_inspection(self, inspection_id: str, *, replace: bool = False) -> None:
        """Open the screen an inspection needs next: density, tare, weighing, or its verdict.

        Args:
            inspection_id: the inspection.
            replace: replace the current screen instead of pushing onto it.
        """
        try:
            state: LotState = await self.runner.call(lambda s: s.lot_state(inspection_id))
        except FieldtoolError as exc:
            self.show_error(message_in(exc, self.settings.lang))
            return
        screen = self.screen_for(state)
        if replace:
            await self.switch_screen(screen)
        else:
            await self.push_screen(screen)

    def screen_for(self, state: LotState) -> Screen[None]:
        """The screen an inspection in this state needs next."""
        from fieldtool.core.tare import TareMethod
        from fieldtool.tui.screens.density import DensityScreen
        from fieldtool.tui.screens.tare import TareScreen
        from fieldtool.tui.screens.verdict import VerdictScreen
        from fieldtool.tui.screens.weighing import WeighingScreen

        iid = state.inspection.id
        if state.inspection.is_final or state.complete:
            return VerdictScreen(iid)
        if state.needs_density and state.density is None:
            return DensityScreen(iid)
        if state.tare.method is TareMethod.AVERAGE and not state.tare.ready and not state.measurements:
            return TareScreen(iid)
        return WeighingScreen(iid)

    async def product(self, inspection: Inspection) -> Product | None:
        """An inspection's product from its programme (names, typical density …), if it has one."""
        h = inspection.header
        if not (h.programme_id and h.product_id):
            return None
        try:
            return await self.runner.call(lambda s: s.programme(h.programme_id or "").product(h.product_id or ""))
        except FieldtoolError:
            return None

    async def export_lot_report(self, inspection_id: str) -> Path | None:
        """Render an inspection's lot report (a draft while unfinished) off the event loop; say where it went.

        The data is read on the store thread, the PDF rendered on a worker thread, so weighing
        elsewhere in the app is never held up. Errors are shown, never raised.
        """
        from fieldtool.usecases.lot_report import lot_report_data

        return await self._export_pdf(
            lambda s, institute: lot_report_data(s, inspection_id, allow_draft=True, institute=institute),
            lambda data: data.report_number, _render_lot_report, TEXT_RENDERING, TEXT_RENDERED)

    async def export_sampling_form(self, inspection_id: str) -> Path | None:
        """Print an inspection's saved sampling form to a PDF (for both parties to sign), as `export_lot_report`."""
        from fieldtool.usecases.sampling_form import sampling_form_sheet

        return await self._export_pdf(
            lambda s, institute: sampling_form_sheet(s, inspection_id, institute=institute),
            lambda sheet: f"{sheet.report_number}-sampling-form", _render_sampling_form, TEXT_FORM_RENDERING,
            TEXT_FORM_RENDERED)

    async def _export_pdf(
        self,
        gather: Callable[[Services, Institute | None], Any],
        name: Callable[[Any], str],
        render: Callable[[Any, Path], int],
        rendering: T,
        rendered: T,
    ) -> Path | None:
        import asyncio

        from fieldtool.infra import paths
        from fieldtool.infra.institute import find_institute

        lang = self.settings.lang
        try:
            institute = find_institute()  # institute.toml in the config directory, as `fieldtool report` reads it
            data = await self.runner.call(lambda s: gather(s, institute))
            self.notify(rendering.render(lang, number=name(data)), timeout=3)
            path = paths.reports_dir() / f"{name(data)}.pdf"
            pages = await asyncio.to_thread(render, data, path)
        except FieldtoolError as exc:
            self.show_error(message_in(exc, self.settings.lang))
            return None
        self.notify(rendered.render(lang, path=path, pages=pages, pages_word=plural(pages, "page", "pages")), timeout=15)
        return path

    # -- global actions ----------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show every key binding of the current screen (F1); F1 again closes it."""
        from fieldtool.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_language(self) -> None:
        """Switch between English and Chinese; every screen re-renders its texts."""
        from dataclasses import replace

        self.settings = replace(self.settings, lang="en" if self.settings.lang == "zh" else "zh")
        self._relabel()

    def _relabel(self) -> None:
        for screen in self.screen_stack:
            relabel = getattr(screen, "relabel", None)
            if callable(relabel):
                relabel()
        self.refresh_bindings()

    async def action_sync(self) -> None:
        """Open the sync screen: push this laptop's records to the hub, pull its reference data (F8)."""
        from fieldtool.infra import paths
        from fieldtool.tui.screens.sync import SyncScreen

        if isinstance(self.screen, SyncScreen):
            return
        key = await self.runner.call(lambda s: s.signer)
        if key is None:
            self.show_error(TEXT_NO_KEY.render(self.settings.lang))
            return
        await self.push_screen(SyncScreen(key, (paths.user_programmes_dir(), paths.user_rules_dir())))

    async def action_settings(self) -> None:
        """Open the settings: the balance connection (choose, test, register), language and theme."""
        from fieldtool.tui.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            await self.push_screen(SettingsScreen())

    def action_toggle_theme(self) -> None:
        """Switch between the light and dark theme."""
        self.theme = "textual-light" if self.theme != "textual-light" else "textual-dark"

    def action_command_palette(self) -> None:
        """Open the command palette (Ctrl+P), its search line in the app's language."""
        from fieldtool.tui.keys import FieldtoolCommandPalette

        if self.use_command_palette and not isinstance(self.screen, FieldtoolCommandPalette):
            self.push_screen(FieldtoolCommandPalette(
                TEXT_NO_MATCHES.render(self.settings.lang), placeholder=TEXT_SEARCH.render(self.settings.lang),
                id="--command-palette"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette's entries, each once and in the app's language.

        Textual's own entries are replaced, not added to: its theme picker and key panel repeat
        the theme switch and F1 here, and its words are English only.
        """
        lang = self.settings.lang

        def command(title: T, help_text: T, callback: Callable[[], Any]) -> SystemCommand:
            return SystemCommand(title.render(lang), help_text.render(lang), callback)

        yield command(TEXT_NEW, TEXT_NEW_HELP, self.new_inspection)
        yield command(TEXT_HOME, TEXT_HOME_HELP, self.go_home)
        yield command(TEXT_HELP, TEXT_HELP_HELP, self.action_help)
        yield command(TEXT_LANG, TEXT_LANG_HELP, self.action_toggle_language)
        yield command(TEXT_THEME, TEXT_THEME_HELP, self.action_toggle_theme)
        yield command(TEXT_SYNC, TEXT_SYNC_HELP, self.action_sync)
        yield command(TEXT_SETTINGS, TEXT_SETTINGS_HELP, self.action_settings)
        if screen.maximized is not None:
            yield command(TEXT_MINIMIZE, TEXT_MINIMIZE_HELP, screen.action_minimize)
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield command(TEXT_MAXIMIZE, TEXT_MAXIMIZE_HELP, screen.action_maximize)
        yield command(TEXT_SCREENSHOT, TEXT_SCREENSHOT_HELP, lambda: self.set_timer(0.1, self.deliver_screenshot))
        yield command(TEXT_QUIT, TEXT_QUIT_HELP, self.action_quit)


def _render_sampling_form(sheet: object, path: Path) -> int:
    """Render the sampling form on a worker thread, as `_render_lot_report`."""
    from fieldtool.reports.fonts import find_cjk_font
    from fieldtool.reports.sampling_form import render_sampling_form

    path.parent.mkdir(parents=True, exist_ok=True)
    return render_sampling_form(sheet, path, lang="both", font=find_cjk_font(None))  # type: ignore[arg-type]


def _render_lot_report(data: object, path: Path) -> int:
    """Render on a worker thread (reportlab is imported only here, not at start-up)."""
    from fieldtool.reports.fonts import find_cjk_font
    from fieldtool.reports.lot import render_lot_report

    path.parent.mkdir(parents=True, exist_ok=True)
    return render_lot_report(data, path, lang="both", font=find_cjk_font(None))  # type: ignore[arg-type]
