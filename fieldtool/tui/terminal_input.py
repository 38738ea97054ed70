"""Provides `EscapeFirstParser`: the terminal's keys as Textual reads them, except that Esc typed right before another key stays Esc.

A terminal sends Esc as the byte ESC, and Alt+X (in the legacy encoding every terminal without
the kitty keyboard protocol uses: xterm, GNOME Terminal, Windows' console, tmux) as ESC then X:
the same two bytes as Esc followed at once by X. Textual's parser reads ESC and the next
character as one key whenever they arrive together or less than ``ESCDELAY`` (100 ms) apart,
and the Esc is lost: Esc 5 became "∞" (the macOS Option+5 glyph), Esc a became Alt+A, Esc Enter
a bare Enter, Esc Tab a Shift+Tab. An inspector who closes a dialog with Esc and types the next
weight at once had "∞00.2" typed into the dialog, which stayed open.

fieldtool binds no Alt key, so `EscapeFirstParser` reads ESC followed by a character as Esc, then
that character's key. It keeps what Textual reads for ESC followed by:

- ``[`` or ``O``: the start of the sequences of the function keys, arrows and terminal replies;
- ``b``, ``f`` and Backspace (DEL): Option+Left, Option+Right and Option+Backspace in macOS's
  Terminal and Alt+Backspace elsewhere, which move or delete by word in a text field;
- ESC: Esc, as before.

A real Alt+X in a legacy terminal is therefore read as Esc, then X. The kitty keyboard protocol
(which Textual asks for, and kitty, foot, WezTerm and Ghostty speak) sends Esc and Alt keys as
sequences of their own, which are not affected.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from textual import events
from textual._xterm_parser import XTermParser

ESC = "\x1b"

KEPT_AFTER_ESC = frozenset({"[", "O", "b", "f", "\x7f", ESC})
"""The characters that, right after ESC, still make one key with it (see the module)."""

DRIVER_MODULES = ("textual.drivers.linux_driver", "textual.drivers.linux_inline_driver", "textual.drivers.win32")
"""Textual's modules whose input thread builds the parser (an `XTermParser`) for a terminal."""


class EscapeFirstParser(XTermParser):
    """Textual's terminal parser, with ESC followed by a character read as Esc, then that character (see the module)."""

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        # Textual asks here for the key of every sequence that starts with ESC, a character at a time
        # from the second on: at two characters, the second is the key typed after Esc.
        if len(sequence) == 2 and sequence[0] == ESC and sequence[1] not in KEPT_AFTER_ESC:
            yield events.Key("escape", ESC)
            yield from super()._sequence_to_key_events(sequence[1])
            return
        yield from super()._sequence_to_key_events(sequence, alt)


def use_escape_first_parser() -> None:
    """Have Textual's terminal drivers read the keys with `EscapeFirstParser` (for the drivers already imported).

    Textual builds its parser inside each driver's input thread, from the name `XTermParser` in the
    driver's module, and offers no setting for it: the name is pointed at the subclass. Called
    again, it changes nothing.
    """
    for name in DRIVER_MODULES:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "XTermParser", None) is XTermParser:
            module.XTermParser = EscapeFirstParser  # type: ignore[attr-defined]
