"""Provides `OrderedKeys`: keys typed at any speed, handled in the order typed, on every screen and dialog.

`OrderedKeys` (mixed into every screen and dialog, with `ORDERED_KEY_BINDINGS`) keeps keys typed
at any speed in order: Textual hands each key to the widget focused when the key arrives, but a
Tab, an Enter or an opened list moves the focus only once that key has travelled through the
widgets' queues, so the keys right behind it landed in the previous field (or vanished in a
list). The keys that move the focus are therefore bound with priority: their handler first waits
until every earlier key has been handled (`settle_keys`), then moves the focus at once, before
the next key is handed out.

The same holds for every other key a screen binds (F4 opens a dialog, Ctrl+S saves and leaves,
``/`` goes to the search, Esc goes back): each gets a priority twin (`in_order_bindings`, applied
to every screen's and dialog's own ``BINDINGS``) that waits for the keys before it, runs the
action, and, when the action opened or closed a screen, waits until the new one has its focus,
so the keys typed right after it go there.

Kept apart from the forms' helpers (`fieldtool.tui.forms`): every screen needs it, Home at start-up
included, which has no form.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from textual import events
from textual._context import active_message_pump
from textual.actions import SkipAction
from textual.binding import ActiveBinding, Binding, BindingType
from textual.dom import DOMNode
from textual.keys import key_to_character
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select
from textual.widgets._select import SelectCurrent, SelectOverlay

SETTLE_TIMEOUT = 3.0
"""Seconds a key waits at most for the keys before it (a handler stuck on the store must not freeze the keyboard)."""

_EDIT_KEYS = ("backspace", "delete", "left", "right", "home", "end")
"""Keys a focused widget handles through its own bindings (a text field's cursor and deletion), which
Textual runs only once the key has bubbled up: the characters typed after them would go in first."""

ORDERED_KEY_BINDINGS: list[BindingType] = [
    # Priority: run by the app as the key arrives, before the next key is handed to a widget. System:
    # left out of the help screen, which lists Tab through Textual's own binding, kept beside it.
    Binding("tab", "ordered_key('tab')", show=False, priority=True, system=True),
    Binding("tab", "app.focus_next", "Focus Next", show=False),
    Binding("shift+tab", "ordered_key('shift+tab')", show=False, priority=True, system=True),
    Binding("shift+tab", "app.focus_previous", "Focus Previous", show=False),
    Binding("enter", "ordered_key('enter')", show=False, priority=True, system=True),
    Binding("up", "ordered_key('up')", show=False, priority=True, system=True),
    Binding("down", "ordered_key('down')", show=False, priority=True, system=True),
    *(Binding(key, f"ordered_key({key!r})", show=False, priority=True, system=True) for key in _EDIT_KEYS),
]
"""The bindings of `OrderedKeys`, for the ``BINDINGS`` of every screen and dialog (a screen that binds one of these keys itself keeps its own)."""


async def _drain(pump: MessagePump) -> None:
    """Wait until `pump` has handled every message in its queue, and those that handling posted to it."""
    if active_message_pump.get(None) is pump:  # called from its own handler: what is queued there comes after
        return
    loop = asyncio.get_running_loop()
    for _ in range(8):  # bounded: a widget that keeps posting to itself must not hold the keys back
        handled: asyncio.Future[bool] = loop.create_future()

        def mark(done: asyncio.Future[bool] = handled) -> None:
            if not done.done():
                done.set_result(pump._message_queue.empty())

        if not pump.call_later(mark):  # closing: nothing more will be handled there
            return
        try:
            empty = await asyncio.wait_for(handled, SETTLE_TIMEOUT)
        except TimeoutError:
            return
        if empty:
            return


async def settle_keys(screen: Screen[Any], start: Widget | None = None) -> None:
    """Wait until every key already handed out on `screen` has been handled, where it was sent and on its way up.

    A key goes to the focused widget's queue and, unhandled, up through each parent's queue to the
    screen's; a message its handling posts (an Input's Submitted) follows the same way. Waiting
    for each queue from the widget up to the screen, in that order, sees all of them handled.

    Args:
        screen: the screen the keys went to.
        start: the widget to start from (default: the focused one).
    """
    node: DOMNode | None = start if start is not None else screen.focused
    chain: list[MessagePump] = []
    while isinstance(node, Widget) and node is not screen:
        chain.append(node)
        node = node.parent
    chain.append(screen)
    for pump in chain:
        await _drain(pump)


def _list_of(widget: Widget | None) -> tuple[Select[Any], SelectOverlay] | None:
    """The list (`Select`) that `widget` is, or whose open options it is, with its options' overlay."""
    if isinstance(widget, SelectOverlay) and isinstance(widget.parent, Select):
        return widget.parent, widget
    if isinstance(widget, Select):
        return widget, widget.query_one(SelectOverlay)
    return None


def _open_list(screen: Screen[Any], select: Select[Any], overlay: SelectOverlay) -> None:
    """Open a list and focus its options now (Select's own opening focuses them later, after the next keys)."""
    select.set_reactive(Select.expanded, True)
    select.set_class(True, "-expanded")
    options: list[tuple[Any, Any]] = select._options  # Textual keeps (label, value) pairs there
    overlay.select(next((i for i, (_, v) in enumerate(options) if v == select.value), None))
    select.query_one(SelectCurrent).has_value = select.value is not Select.NULL
    if overlay.highlighted is None:
        overlay.action_first()
    screen.set_focus(overlay, scroll_visible=False)


def _close_list(screen: Screen[Any], select: Select[Any]) -> None:
    """Close an open list and focus on it."""
    screen.set_focus(select)  # the blurred overlay closes itself, without taking the focus back
    select.expanded = False


async def _choose(screen: Screen[Any], select: Select[Any], overlay: SelectOverlay) -> None:
    """Take the highlighted option of an open list; wait for what choosing it changes (a product sets the unit)."""
    index = overlay.highlighted
    options: list[tuple[Any, Any]] = select._options
    _close_list(screen, select)
    if index is not None and options[index][1] != select.value:
        select.value = options[index][1]
        await settle_keys(screen, select)


_TWINS = ("ordered_key(", "in_order(")
"""The actions of the ordering twins: run a key in its place, never shown, never counted as the key's binding."""

_FOCUS_KEYS = frozenset(b.key for b in Binding.make_bindings(ORDERED_KEY_BINDINGS) if b.action.startswith(_TWINS))
"""The keys `OrderedKeys.action_ordered_key` handles (a screen's own binding of one of them gets that twin)."""


def _is_twin(binding: Binding) -> bool:
    return binding.action.startswith(_TWINS)


def _up_from_focus(screen: Screen[Any]) -> list[Widget]:
    """The focused widget and its parents below `screen`, innermost first (empty when nothing has focus)."""
    node: DOMNode | None = screen.focused
    chain: list[Widget] = []
    while isinstance(node, Widget) and node is not screen:
        chain.append(node)
        node = node.parent
    return chain


def in_order_bindings(bindings: list[BindingType]) -> list[BindingType]:
    """A screen's own bindings, each key preceded by a hidden priority twin that runs it in the order typed.

    The twin (`OrderedKeys.action_in_order`) is system and not shown: the Footer and the help
    screen show the binding itself, whose description, check and priority are unchanged.
    """
    out: list[BindingType] = []
    for binding in Binding.make_bindings(bindings):
        if _is_twin(binding):
            pass
        elif binding.key in _FOCUS_KEYS:
            # The screen's own Enter (a dialog's Close, the verdict's Confirm) replaces the base class's
            # ordered Enter for this screen: bring it back; it runs this binding in order when no field takes the key.
            out.append(Binding(binding.key, f"ordered_key({binding.key!r})", show=False, priority=True, system=True))
        else:
            action = f"in_order({binding.action!r}, {binding.key!r}, {binding.priority!r})"
            out.append(Binding(binding.key, action, show=False, priority=True, system=True))
        out.append(binding)
    return out


def _focused_takes(screen: Screen[Any], key: str) -> bool:
    """Whether the focused widget (or a parent below the screen) has its own use for `key`: a character typed
    into a text field, or a binding of its own (an open list's Esc)."""
    character = key_to_character(key)
    if character is not None and character.isprintable() and isinstance(screen.focused, Input):
        return True
    return any(key in node._bindings.key_to_bindings for node in _up_from_focus(screen))


async def settle_screen_change(screen: Screen[Any]) -> None:
    """When the screen on top is no longer `screen` (a dialog opened, a screen left), wait until the new top
    screen has handled its mount (which focuses its first field), so the next key is handed to that field.

    A dialog's answer may change the screen again from the screen below (discarding a form goes
    Home): each new top screen is waited for in turn, a few at most.
    """
    seen = screen
    for _ in range(4):
        top = screen.app.screen
        if top is seen:
            return
        await settle_keys(top)
        if top.focused is None and top.AUTO_FOCUS:
            # Textual auto-focuses a new screen's first field only after its next refresh, behind the
            # keys already typed: focus it now, as it would.
            top.focus_next(top.AUTO_FOCUS)
        seen = top


async def _run_own_binding(screen: Screen[Any], key: str, *, focused_only: bool = False) -> bool:
    """Run the binding for `key` of the focused widget, its parents, or (unless `focused_only`) the screen
    itself, not the key's ordering twins; whether one ran."""
    chain: list[DOMNode] = [*_up_from_focus(screen), *(() if focused_only else (screen,))]
    for namespace in chain:
        for binding in namespace._bindings.key_to_bindings.get(key, ()):
            if not _is_twin(binding) and await screen.app.run_action(binding.action, namespace):
                return True
    return False


class OrderedKeys:
    """Mixed into every fieldtool screen and dialog: every key in the order it was typed.

    Tab, Shift+Tab, Enter, Up and Down (`action_ordered_key`) each wait for the keys before it,
    then do at once what they would have done later: move the focus, submit a text field (whose
    handler moves the focus), open a list, or take the option highlighted in an open list. A key
    it has nothing to do for goes on as usual. Every other key the screen binds runs through
    `action_in_order` (see `in_order_bindings`, applied to each subclass's own ``BINDINGS``).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        own = cls.__dict__.get("BINDINGS")
        if own and own is not ORDERED_KEY_BINDINGS:
            cls.BINDINGS = in_order_bindings(own)  # type: ignore[attr-defined]  # before Textual reads them below
        super().__init_subclass__(**kwargs)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's map of the keys in force (`Screen.active_bindings`), with each key's own binding, not its twin.

        Textual lets a priority binding stand for its key in this map; the ordering twins have priority,
        but the Footer and the help screen must show (and grey) the binding they run (the sample
        screen's "⏎ Continue", not its Enter twin).
        """
        bindings_map: dict[str, ActiveBinding] = {}
        screen = cast(Screen[Any], self)
        app = screen.app
        for namespace, bindings in screen._modal_binding_chain:
            for key, binding in bindings:
                if _is_twin(binding):
                    continue
                state = app._check_action_state(binding.action, namespace)
                if state is False:
                    continue
                existing = bindings_map.get(key)
                if existing is None or (binding.priority and not existing.binding.priority):
                    bindings_map[key] = ActiveBinding(namespace, binding, bool(state), binding.tooltip)
        return bindings_map

    async def action_in_order(self, action: str, key: str, overrides: bool) -> None:
        """Run the screen's binding `action` for `key` once every key before it is handled.

        Skipped (the key goes on as usual) when the focused widget has its own use for the key,
        unless the binding had priority over it; when the action is not available now; and when
        the screen is no longer on top. After it, a screen it opened or uncovered takes the next keys.
        """
        screen = cast(Screen[Any], self)
        await settle_keys(screen)
        if screen.app.screen is not screen or (not overrides and _focused_takes(screen, key)):
            raise SkipAction()
        if not await screen.app.run_action(action, screen):
            raise SkipAction()
        await settle_screen_change(screen)

    async def on_key(self, event: events.Key) -> None:
        """A key no widget took, on its way to the app: run the focused widget's binding for it here.

        The app would run it once the key reached its own queue, behind the keys that arrived
        meanwhile, and so after a Tab typed later had moved the focus: a Backspace would delete
        in the next field, a Down move nothing. Run here, in the screen's queue, it keeps its
        place. Only the bindings of the widgets up to the screen: the screen's and the app's own
        keys go on to the app as before.
        """
        screen = cast(Screen[Any], self)
        for node in _up_from_focus(screen):
            for binding in node._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await screen.app.run_action(binding.action, node):
                    event.stop()
                    event.prevent_default()
                    return

    async def action_ordered_key(self, key: str) -> None:
        """Handle `key` once every key before it is handled (see the class)."""
        screen = cast(Screen[Any], self)
        await settle_keys(screen)
        focused = screen.focused
        if key in _EDIT_KEYS:
            # The focused widget's own binding (a field's Backspace), now, in its place among the keys.
            if not await _run_own_binding(screen, key, focused_only=True):
                raise SkipAction()
            await settle_keys(screen, focused)
            return
        from fieldtool.tui.widgets.weight_input import WeightInput  # not at start-up: Home has no weight line

        listed = _list_of(focused)
        is_open = listed is not None and focused is listed[1]
        if key in ("tab", "shift+tab"):
            if listed is not None and is_open:
                _close_list(screen, listed[0])
            screen.focus_next() if key == "tab" else screen.focus_previous()
        elif listed is not None and is_open:
            if key != "enter":
                raise SkipAction()  # Up and Down move its highlight, in its own queue, in order
            await _choose(screen, *listed)
        elif listed is not None:  # a closed list: Enter, Up or Down opens it
            _open_list(screen, *listed)
        elif key == "enter" and isinstance(focused, Input) and not isinstance(focused, WeightInput):
            # What its own Enter binding does (run by the app only once the key has bubbled up), now;
            # then wait for its Submitted handler, which moves the focus (or saves, and may leave the
            # screen or close the dialog). A weight line keeps the focus: its Enter goes on as usual.
            await focused.action_submit()
            await settle_keys(screen, focused)
            await settle_screen_change(screen)
        elif key == "enter" and not isinstance(focused, WeightInput) and await _run_own_binding(screen, key):
            # Enter on a table row, a button, or a screen's own Enter (the verdict's Confirm, a dialog's
            # Close): run now, then wait for what it opened or closed before the next key is handed out.
            await settle_keys(screen, focused)
            await settle_screen_change(screen)
        else:
            raise SkipAction()
