"""Provides `NewInspectionScreen` (being built; replaced in this change)."""

from __future__ import annotations

from textual.widgets import Label

from fieldtool.tui.base import FieldtoolScreen


class NewInspectionScreen(FieldtoolScreen):
    """Placeholder until the screen lands."""

    def __init__(self, inspection_id: str = "") -> None:
        super().__init__()
        self.inspection_id = inspection_id

    def compose(self):  # type: ignore[no-untyped-def]
        yield Label("NewInspectionScreen")
