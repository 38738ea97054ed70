"""Provides `HelpScreen` (being built)."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Label

from fieldtool.tui.base import FieldtoolScreen


class HelpScreen(FieldtoolScreen):
    """Placeholder."""

    def __init__(self, of: Screen[object]) -> None:
        super().__init__()
        self.of = of

    def compose(self):  # type: ignore[no-untyped-def]
        yield Label("help")
