"""Provides `WeightInput`: an input that hands over its text and empties itself in key order.

An inspector types the next weight while the previous one is still being committed, and a
balance or a paste delivers many keys at once. A plain `Input` submits through its Enter
*binding*, which Textual runs after the keys already queued behind it have been inserted, so
the next weight's first digits end up in the submitted text (found by the crash test, which
types like a fast inspector). Here Enter is handled in the key handler itself, in order with
the other keys: the text is taken and the field emptied before the next key is inserted.
A pasted column of weights becomes one entry a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import events
from textual.message import Message
from textual.widgets import Input


class WeightInput(Input):
    """The weight entry line of the weighing and tare screens.

    Args:
        report_empty: also post `Entered` (with an empty text) for Enter on an empty line, for
            screens where that means "go on".
    """

    def __init__(self, *args: Any, report_empty: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report_empty = report_empty

    @dataclass
    class Entered(Message):
        """A weight was typed and Enter pressed; the input is already empty again."""

        input: WeightInput
        """The input it came from."""
        text: str
        """What was typed, stripped."""

        @property
        def control(self) -> WeightInput:
            """The input (for `on(..., "#id")` selectors)."""
            return self.input

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._hand_over()
            return
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        lines = event.text.splitlines()
        if len(lines) <= 1 and not event.text.endswith(("\n", "\r")):
            super()._on_paste(event)
            return
        event.stop()
        complete = lines if event.text.endswith(("\n", "\r")) else lines[:-1]
        for line in complete:
            if line.strip():
                self.insert_text_at_cursor(line)
                self._hand_over()
        if len(complete) < len(lines):
            self.insert_text_at_cursor(lines[-1])

    async def action_submit(self) -> None:
        self._hand_over()

    def _hand_over(self) -> None:
        text = self.value.strip()
        if not text and not self.report_empty:
            return
        self.value = ""
        self.post_message(self.Entered(self, text))

    def restore(self, text: str) -> None:
        """Put back a refused entry so nothing typed is lost (unless the inspector already typed more)."""
        if not self.value:
            self.value = text
            self.cursor_position = len(text)
