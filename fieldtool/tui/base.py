"""Provides what every screen shares: its language, bilingual texts, and store calls that show errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.binding import ActiveBinding
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from fieldtool.errors import FieldtoolError
from fieldtool.tui.i18n import T
from fieldtool.tui.keys import translated_bindings

if TYPE_CHECKING:  # the services are imported on the store thread, not before the first screen
    from fieldtool.core.inspection import InspectionHeader
    from fieldtool.plans.programme import Product
    from fieldtool.services import LotState, Services
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
    STATUS_FIXED_SIZE = False
    """True when the screen's ``#status`` line has a fixed size in its CSS: updating it needs no relayout."""

    def _status(self, text: str, error: bool = False) -> None:
        """Show a one-line message on the screen's ``#status`` label (in the error colour when `error`)."""
        label = self.query_one("#status", Label)
        label.update(text, layout=not self.STATUS_FIXED_SIZE)
        label.set_class(error, "-error")

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The active bindings described in the current language (the Footer shows them)."""
        return translated_bindings(super().active_bindings, self.lang)


class InspectionScreen(FieldtoolScreen):
    """A screen about one inspection (density, tare, weighing, verdict): loads the lot and names its product.

    Args:
        inspection_id: the inspection.
        classes: the screen's CSS classes.
    """

    def __init__(self, inspection_id: str, classes: str) -> None:
        super().__init__(classes=classes)
        self.inspection_id = inspection_id
        self.state: LotState | None = None
        """The lot as stored, once loaded."""
        self.product: Product | None = None
        """The lot's product in its programme, once loaded (None for a lot outside a programme)."""

    async def load(self) -> LotState | None:
        """Load the lot's state and its product's names from the programme; a user error is shown and gives None."""
        self.title = "fieldtool"
        state = await self.call(lambda s: s.lot_state(self.inspection_id))
        if state is not None:
            self.product = await self.fapp.product(state.inspection)
        return state

    def product_line(self, header: InspectionHeader) -> str:
        """The product (in the current language, from the programme) and the brand, for the lot's heading."""
        p = self.product
        product = (p.name_zh if self.lang == "zh" else p.name_en) if p is not None else header.product_id or ""
        return " ".join(x for x in (product, header.brand) if x)


class FieldtoolModal(ScreenHelpers, ModalScreen[R]):
    """A modal dialog of fieldtool."""
