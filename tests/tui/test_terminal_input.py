"""Esc typed right before another key, as a terminal sends it (ESC, then the key's bytes), is read as Esc then that key.

The bytes are fed to the parser the app's terminal driver builds; no clock is involved: Textual
joins ESC and the next character whenever that character arrives before ``ESCDELAY``, and
feeding them one after the other is that case, every time.
"""

from __future__ import annotations

import sys

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.driver import Driver

from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.terminal_input import EscapeFirstParser
from tests.tui.conftest import make_app


def keys(parser: XTermParser, *chunks: str) -> list[str]:
    """The keys read from `chunks`, each as one read from the terminal, then the end of the input."""
    read = [token for chunk in (*chunks, "") for token in parser.feed(chunk)]
    return [token.key for token in read if isinstance(token, events.Key)]


@pytest.mark.parametrize(("chunks", "read"), [
    (("\x1b5",), ["escape", "5"]),  # Textual alone: "infinity" (the macOS Option+5 glyph ∞)
    (("\x1b", "500.2\r"), ["escape", "5", "0", "0", "full_stop", "2", "enter"]),
    (("\x1b\r",), ["escape", "enter"]),  # Textual alone: a bare Enter
    (("\x1b\t",), ["escape", "tab"]),  # Textual alone: Shift+Tab
    (("\x1bn",), ["escape", "n"]),  # Textual alone: Alt+N
    (("\x1bY",), ["escape", "Y"]),
    (("\x1b ",), ["escape", "space"]),
    (("\x1b苏",), ["escape", "苏"]),
])
def test_esc_then_a_key_is_read_as_esc_then_the_key(chunks: tuple[str, ...], read: list[str]) -> None:
    assert keys(EscapeFirstParser(), *chunks) == read


@pytest.mark.parametrize(("chunks", "read"), [
    (("\x1b",), ["escape"]),
    (("\x1b\x1b",), ["escape", "escape"]),
    (("\x1b[15~",), ["f5"]),  # function keys and arrows start with ESC [ or ESC O
    (("\x1b", "[15~"), ["f5"]),
    (("\x1bOP",), ["f1"]),
    (("\x1b[A",), ["up"]),
    (("\x1b[27u",), ["escape"]),  # the kitty keyboard protocol: Esc and Alt+A have sequences of their own
    (("\x1b[97;3u",), ["alt+a"]),
    (("\x1bb",), ["ctrl+left"]),  # Option+Left in macOS's Terminal: a word left
    (("\x1bf",), ["ctrl+right"]),
    (("\x1b\x7f",), ["ctrl+w"]),  # Alt+Backspace: delete a word
])
def test_sequences_and_word_keys_are_read_as_textual_reads_them(chunks: tuple[str, ...], read: list[str]) -> None:
    assert keys(EscapeFirstParser(), *chunks) == keys(XTermParser(), *chunks) == read


def test_the_apps_terminal_driver_builds_the_escape_first_parser(runner: ServiceRunner) -> None:
    app = make_app(runner)
    driver: type[Driver] = app.driver_class
    module = sys.modules["textual.drivers.win32" if driver.__name__ == "WindowsDriver" else driver.__module__]
    assert module.XTermParser is EscapeFirstParser  # type: ignore[attr-defined]
