"""Provides what every screen shares: its language, bilingual texts, and store calls that show errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import ActiveBinding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from fieldtool.errors import FieldtoolError, message_in
from fieldtool.tui.i18n import T
from fieldtool.tui.key_order import ORDERED_KEY_BINDINGS, OrderedKeys
from fieldtool.tui.keys import translated_bindings

if TYPE_CHECKING:  # the services are imported on the store thread, not before the first screen
    from fieldtool.core.inspection import InspectionHeader
    from fieldtool.core.programme import Product
    from fieldtool.core.rules import RuleSet
    from fieldtool.tui.app import FieldtoolApp
    from fieldtool.usecases.inspection import Services
    from fieldtool.usecases.lot_types import LotState

R = TypeVar("R")

LOT_HEAD = T(
    "{product}  Qn {nominal} {unit}  N {lot}  ·  {detail}",
    "{product}  标注净含量 {nominal} {unit}  批量 {lot}  ·  {detail}",
)
"""The heading of a screen about one lot: what it is, then what the screen adds (the rules and site, or the sample)."""
RULES_SITE = T("{rules}  ·  {site}", "{rules}  ·  {site}")
"""The lot heading's detail: the rule set and the site."""
RULES_VARIANT_SITE = T("{rules} {variant}  ·  {site}", "{rules} {variant}  ·  {site}")
"""The lot heading's detail: the rule set with its plan variant, and the site."""
RULES_VARIANTS = {
    "standard": T("standard plan", "标准抽样方案"),
    "destructive": T("destructive plan", "破坏性抽样方案"),
}
"""The plan variants of the shipped rule sets, in words."""
RULES_OTHER_VARIANT = T("plan {variant}", "{variant} 抽样方案")
"""A plan variant that `RULES_VARIANTS` does not name, as the rule file names it."""


def rules_short_name(rules: RuleSet, lang: str) -> str:
    """A rule set's name in `lang` up to its number, never its file id: "JJF 1070-2005", "OIML R 87:2016",
    "欧盟 76/211/EEC".

    The whole name when it has no number among its first three words.
    """
    name = (rules.name_zh if lang == "zh" else "") or rules.name
    words = name.split()
    for i, word in enumerate(words[:3]):
        if any(c.isdigit() for c in word):
            return " ".join(words[: i + 1])
    return name


FOCUS_CSS = """
Screen Input:focus, Screen Select:focus > SelectCurrent, Screen Button:focus, Screen Checkbox:focus {
    background: $accent 45%;
    text-style: bold;
}
Screen SelectOverlay {
    background: $panel;
}
"""
"""Every screen's focused field, list and button stands out in both themes; an open list hides what is under it."""


class ScreenHelpers:
    """Mixed into every fieldtool screen (screens and modals), and into a widget that speaks the app's language."""

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
            self.fapp.show_error(message_in(exc, self.lang))
            return None


class FieldtoolScreen(OrderedKeys, ScreenHelpers, Screen[None]):
    """A full screen of fieldtool (keys typed at any speed land in order: `OrderedKeys`)."""

    BINDINGS: ClassVar[list[BindingType]] = ORDERED_KEY_BINDINGS
    DEFAULT_CSS = FOCUS_CSS

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
    """A screen about one inspection (sample, density, tare, weighing, verdict): loads the lot and shows its heading.

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
        self._lot_head = ""

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

    def show_lot_head(self, header: InspectionHeader, *, variant: bool = False, detail: str | None = None) -> None:
        """Show the lot's heading on the screen's ``#lot-head`` line: product and brand, Qn, N, then the detail.

        Args:
            header: the lot's header.
            variant: name the plan variant after the rule set.
            detail: what follows Qn and N instead of the rule set and the site.
        """
        h = header
        if detail is None:
            rules = h.rule_set_id
            loaded = self.state.rules if self.state is not None else None
            if loaded is not None and loaded.id == h.rule_set_id:  # the name from the rule file, in the screen's language
                rules = rules_short_name(loaded, self.lang)
            words = RULES_VARIANTS.get(h.variant)
            plan = self.tr(words) if words is not None else self.tr(RULES_OTHER_VARIANT, variant=h.variant)
            detail = self.tr(RULES_VARIANT_SITE if variant else RULES_SITE, rules=rules, variant=plan, site=h.site_name)
        head = self.tr(LOT_HEAD, product=self.product_line(h), nominal=h.nominal, unit=h.unit, lot=h.lot_size, detail=detail)
        if head != self._lot_head:  # the heading changes only with the language: no work for every package
            self._lot_head = head
            # One line, full width in every lot screen's CSS: a new text needs no new layout. Too long for
            # the line (a long site name at 80 columns), it ends in "…", never cut without a sign.
            label = self.query_one("#lot-head", Label)
            label.styles.text_wrap = "nowrap"
            label.styles.text_overflow = "ellipsis"
            label.update(head, layout=False)


class FieldtoolModal(OrderedKeys, ScreenHelpers, ModalScreen[R]):
    """A modal dialog of fieldtool (keys typed at any speed land in order: `OrderedKeys`)."""

    BINDINGS: ClassVar[list[BindingType]] = ORDERED_KEY_BINDINGS
    DEFAULT_CSS = FOCUS_CSS
