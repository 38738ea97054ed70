"""Provides what every screen shares: its language, bilingual texts, and store calls that show errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import ModalScreen, Screen

from fieldtool.errors import FieldtoolError
from fieldtool.services import Services
from fieldtool.tui.i18n import T

if TYPE_CHECKING:
    from fieldtool.tui.app import FieldtoolApp

R = TypeVar("R")


class ScreenHelpers:
    """Mixed into every fieldtool screen (screens and modals)."""

    app: Any

    @property
    def fapp(self) -> FieldtoolApp:
        """The app, typed."""
        return self.app  # type: ignore[no-any-return]

    @property
    def lang(self) -> str:
        """The current language."""
        return str(self.fapp.settings.lang)

    def tr(self, text: T, **fields: object) -> str:
        """A text in the current language."""
        return text.render(self.lang, **fields)

    async def call(self, fn: Callable[[Services], R]) -> R | None:
        """Run a use-case on the store thread; a user error is shown and gives None."""
        try:
            return await self.fapp.runner.call(fn)
        except FieldtoolError as exc:
            self.fapp.show_error(str(exc))
            return None


class FieldtoolScreen(ScreenHelpers, Screen[None]):
    """A full screen of fieldtool."""

    HELP_TITLE = T("Screen", "界面")
    """The screen's name in the help screen."""


class FieldtoolModal(ScreenHelpers, ModalScreen[R]):  # type: ignore[type-var]
    """A modal dialog of fieldtool."""
