"""Provides what the TUI's forms share: reading what is typed, and the line under a field that says what to type.

The new-inspection form, the density screen, the balance dialog, the settings and the profile
each check their fields and show, under a wrong one, what to type. The parse helpers here are
the ones those forms agree on; `error_line` and `show_field_error` are the message line itself;
`FormFields` reads and fills fields by their ids; `enter_moves_on` is what Enter does in a form.

Keys typed at any speed land in order through `fieldtool.tui.key_order`, mixed into every screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.dom import DOMNode
from textual.widgets import Input, Label, Select
from textual.widgets.select import InvalidSelectValueError

from fieldtool.core import quantity
from fieldtool.errors import InputError
from fieldtool.tui.i18n import T
from fieldtool.tui.widgets.select_options import replace_options

if TYPE_CHECKING:
    from fieldtool.tui.base import FieldtoolModal, FieldtoolScreen

FieldError = tuple[T, dict[str, object]]
"""What is wrong with a field: the text that says what to type, and the values it names."""


def parse_day(text: str) -> date | None:
    """A YYYY-MM-DD date, or None when the text is not one."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_decimal(text: str) -> Decimal | None:
    """A number as `fieldtool.core.quantity.parse_decimal` reads it (of any sign), or None."""
    try:
        return quantity.parse_decimal(text, "value")
    except InputError:
        return None


def parse_positive(text: str) -> Decimal | None:
    """A positive finite decimal, or None."""
    value = parse_decimal(text)
    return value if value is not None and value > 0 else None


def parse_count(text: str, minimum: int) -> int | None:
    """A whole number ≥ minimum written with digits only, or None."""
    text = text.strip()
    return int(text) if text.isdigit() and int(text) >= minimum else None


def error_line(field_id: str) -> Label:
    """The (hidden) line under a field that says what to type when it is wrong.

    Args:
        field_id: the field's id; the line's is ``<field_id>-error``.
    """
    return Label("", id=f"{field_id}-error", classes="field-error")


def show_field_error(
    screen: FieldtoolScreen | FieldtoolModal[Any], field_id: str, error: FieldError | T | Text | None
) -> None:
    """Show under a field what to type, in the screen's language, or hide the line when the field is right.

    Args:
        screen: the screen (or dialog) of the form.
        field_id: the field; its line is ``#<field_id>-error``.
        error: a text, a text with the values it names, a line shown as it is (not read as
            markup: a message worded elsewhere), or None when the field is right.
    """
    label = screen.query_one(f"#{field_id}-error", Label)
    if error is None:
        label.update("")
    elif isinstance(error, T):  # before the tuple: a T is a tuple (en, zh) too
        label.update(screen.tr(error))
    elif isinstance(error, Text):
        label.update(error)
    else:
        label.update(screen.tr(error[0], **error[1]))
    label.display = error is not None


def enter_moves_on(
    screen: FieldtoolScreen | FieldtoolModal[Any],
    event: Input.Submitted,
    last: str,
    save: Callable[[], Awaitable[None]],
) -> None:
    """Enter in a form: on to the next field, or from the form's last field, save.

    Args:
        screen: the screen (or dialog) of the form.
        event: the field's Enter.
        last: the id of the field whose Enter saves.
        save: the form's save action.
    """
    event.stop()
    if event.input.id == last:
        # Saving navigates: that runs on the app's message loop (a screen cannot await its own removal).
        screen.app.call_later(save)
    else:
        screen.focus_next()


class FormFields:
    """Reads and fills a form's fields by their ids (mixed into the screen or widget that holds them)."""

    def sel(self, field_id: str) -> Select[str]:
        """A list of the form."""
        return cast(DOMNode, self).query_one(f"#{field_id}", Select)

    def value(self, field_id: str) -> str | None:
        """What a list has chosen (None: nothing)."""
        value = self.sel(field_id).value
        return None if value is Select.NULL else str(value)

    def chosen(self, field_id: str) -> str:
        """The value of a list that always has one (no blank option)."""
        value = self.value(field_id)
        assert value is not None, field_id
        return value

    def text(self, field_id: str) -> str:
        """What is typed in a text field, without surrounding blanks."""
        return cast(DOMNode, self).query_one(f"#{field_id}", Input).value.strip()

    def set_options(self, field_id: str, options: list[tuple[str, str]]) -> None:
        """New options for a list, keeping its choice when still offered."""
        replace_options(self.sel(field_id), options)

    def select_value(self, field_id: str, value: str | None) -> None:
        """Choose an option when it exists (a stored id may have left the programme)."""
        if value is None:
            return
        try:
            self.sel(field_id).value = value
        except InvalidSelectValueError:
            pass
