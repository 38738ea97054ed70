"""Provides `FitFooter`: a footer that shows only the keys that fit whole, F1 (help, where every key is) always.

Textual's `Footer` lays its keys out in a row that scrolls out of sight, and docks the command
palette's key over the right end of that row: at 80 columns the last keys were cut mid-word
("s Setti▏") and the docked key was painted over half of a Chinese character ("^p 命令  板").
`FitFooter` measures every key in terminal cells (a CJK character counts two), keeps the screen's
keys in their order while they fit, keeps F1 at the end, and adds Ctrl+P only when there is room
for it as well. What it leaves out is listed by F1, as every key is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEEP_ACTIONS = ("help",)
"""Actions (namespace removed) shown even when others must go: F1 lists every key the footer leaves out."""

KEY_GAP = 3
"""Cells a key takes besides its key and its description: one before the key, one after it, one after the description."""


def key_width(key_display: str, description: str) -> int:
    """The cells a footer key takes on screen (CJK characters count two), as `FooterKey` draws it in `FitFooter`."""
    if not description:
        return cell_len(key_display)
    return cell_len(key_display) + cell_len(description) + KEY_GAP


def fitting(widths: Iterable[tuple[str, int]], room: int) -> list[str]:
    """Which keys fit whole in `room` cells: the others' order kept, a kept action always shown at the end.

    Args:
        widths: (action, width) of each key, in the order the screen binds them; the command
            palette's action is ``command_palette`` and is shown last, and only when it fits too.
        room: the footer's width in cells.

    Returns:
        The actions shown, in the order they are drawn.
    """
    items = list(widths)
    kept = [(a, w) for a, w in items if _bare(a) in KEEP_ACTIONS]
    palette = [(a, w) for a, w in items if _bare(a) == "command_palette"]
    others = [(a, w) for a, w in items if _bare(a) not in KEEP_ACTIONS and _bare(a) != "command_palette"]
    left = room - sum(w for _, w in kept)
    shown: list[str] = []
    for action, width in others:
        if width > left:
            break  # in order: a later, shorter key would read as if the skipped one did not exist
        shown.append(action)
        left -= width
    shown += [a for a, _ in kept if sum(w for _, w in kept) <= room]
    for action, width in palette:
        if width <= left:
            shown.append(action)
    return shown


def _same_but_enabled(before: tuple[object, ...], after: tuple[object, ...]) -> bool:
    """True when two footers' keys differ at most in which are enabled (same width, actions, words and keys)."""
    if len(before) != len(after) or before[0] != after[0]:
        return False
    return all(isinstance(a, tuple) and isinstance(b, tuple) and a[:3] == b[:3] for a, b in zip(before[1:], after[1:],
                                                                                               strict=True))


def _bare(action: str) -> str:
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


class FitFooter(Footer):
    """A footer whose every key is readable whole: the keys that do not fit are left out (F1 lists them)."""

    DEFAULT_CSS = """
    FitFooter FooterKey.-command-palette {
        dock: none;
        border-left: none;
        padding-right: 0;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._composed_width = 0
        self._composed_keys: tuple[object, ...] | None = None

    def _keys(self) -> tuple[object, ...]:
        """What the footer shows depends on: each shown binding's action, words, key and state, and the width."""
        active = self.screen.active_bindings
        return (self.size.width, *((b.action, b.description, b.key, enabled) for _n, b, enabled, _t in active.values()
                                   if b.show))

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Compose the keys again only when what they show changed.

        Textual's footer recomposes on every change of focus or bindings; mounting a dozen keys and
        styling them is most of the time between Enter and the saved package on the weighing screen.
        """
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        keys = self._keys()
        if keys == self._composed_keys:
            return
        before, self._composed_keys = self._composed_keys, keys
        if before is not None and _same_but_enabled(before, keys) and self._enable_in_place(keys):
            return  # F5 becoming available: the same keys, one greyed out or not (no remount, no restyle)
        self.call_after_refresh(self.recompose)

    def _enable_in_place(self, keys: tuple[object, ...]) -> bool:
        """Set each shown key's disabled state from `keys`; False when a shown key is not among them."""
        enabled = {entry[0]: entry[3] for entry in keys[1:] if isinstance(entry, tuple)}
        shown = list(self.query(FooterKey))
        if any(key.action not in enabled for key in shown):
            return False
        for key in shown:
            # As `FooterKey.__init__` marks a greyed key: its ``-disabled`` class (the dim style) and the flag a
            # click reads (a bell instead of the key). Not `Widget.disabled`, which FooterKey neither draws nor reads.
            greyed = not enabled[key.action]
            key._disabled = greyed
            key.set_class(greyed, "-disabled")
        return True

    def compose(self) -> ComposeResult:
        """One `FooterKey` per action shown, in the order `fitting` gives; no scrolling, nothing cut."""
        if not self._bindings_ready:
            return
        room = self.size.width or self.app.size.width
        self._composed_width = room
        self._composed_keys = self._keys()
        active = self.screen.active_bindings
        first: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in first:
                first[binding.action] = (binding, enabled, tooltip)
        palette_key = self.app.COMMAND_PALETTE_BINDING
        palette = active.get(palette_key) if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE else None
        if palette is not None:
            first.pop(palette.binding.action, None)
            first[palette.binding.action] = (palette.binding, palette.enabled, palette.tooltip)
        displays = {action: self.app.get_key_display(b) for action, (b, _, _) in first.items()}
        widths = [(action, key_width(displays[action], b.description)) for action, (b, _, _) in first.items()]
        compact = self.compact
        for action in fitting(widths, room):
            binding, enabled, tooltip = first[action]
            is_palette = palette is not None and action == palette.binding.action
            classes = " ".join(c for c in ("-command-palette" if is_palette else "", "-compact" if compact else "") if c)
            key = FooterKey(
                binding.key,
                displays[action],
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip or binding.tooltip,
                classes=classes,
            )
            # Born with the footer's compactness (class and value): Textual's default (True) would be
            # styled on mount, then the binding's False styled again, two restyles per key.
            key.set_reactive(FooterKey.compact, compact)
            yield key.data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        """A new width: choose the keys again."""
        if self._bindings_ready and event.size.width != self._composed_width:
            self.call_after_refresh(self.recompose)
