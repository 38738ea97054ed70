"""Provides `replace_options`: new options for a `Select` (another language, another list), keeping the choice."""

from __future__ import annotations

from textual.widgets import Select


def replace_options(select: Select[str], options: list[tuple[str, str]]) -> None:
    """Give `select` new options and keep its value when it is still offered (relabelled at once)."""
    current = select.value
    select.set_options(options)
    if current is not Select.NULL and any(v == current for _, v in options):
        select.value = current
        # Setting the same value again does not redraw it: force it, so a new label shows.
        select.mutate_reactive(Select.value)  # type: ignore[misc]
