"""Provides `ProfileScreen` (first cut)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label

from fieldtool.tui.base import FieldtoolScreen


class ProfileScreen(FieldtoolScreen):
    """Asks for the inspector's name on first run."""

    def compose(self) -> ComposeResult:
        yield Label("Inspector name")
        yield Input(id="name")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if await self.call(lambda s: s.save_inspector(event.value)) is not None:
            self.dismiss()
