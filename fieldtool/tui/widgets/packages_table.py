"""Provides `AppendOnlyTable`: a `DataTable` that does not render its existing rows again when one is added.

Textual's `DataTable` keys its cell renders on a counter that every `add_row` increments, so adding
the 125th package renders every visible cell of the 124 before it again (seven columns of rich
text: most of the time between Enter and the saved package on the weighing screen). A package's
row never changes once shown (a correction fills the table again), so this table keeps each cell's
render until something that can change an existing cell happens: a cell updated, a row or column
removed or added, the table cleared or sorted, a style or theme change. The width a cell is drawn
at is part of the key, so a column that grows re-renders its cells.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.widgets import DataTable

_KEPT = 4000
"""Cell renders kept (the visible rows of a few widths); the oldest go first."""


class AppendOnlyTable(DataTable[Any]):
    """A `DataTable` for rows that are appended and never changed in place (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._version = 0
        self._cells: dict[tuple[object, ...], list[list[Segment]]] = {}

    def _changed(self) -> None:
        self._version += 1
        self._cells.clear()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        key = (self._version, row_index, column_index, base_style, width, cursor, hover, self._show_hover_cursor,
               self._pseudo_class_state, self.fixed_rows, self.fixed_columns)
        kept = self._cells.get(key)
        if kept is None:
            kept = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            if len(self._cells) >= _KEPT:
                self._cells.clear()
            self._cells[key] = kept
        return kept

    # Everything that can change a cell already drawn starts again from nothing.

    def update_cell(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().update_cell(*args, **kwargs)

    def update_cell_at(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().update_cell_at(*args, **kwargs)

    def clear(self, columns: bool = False) -> AppendOnlyTable:
        self._changed()
        super().clear(columns)
        return self

    def add_column(self, *args: Any, **kwargs: Any) -> Any:
        self._changed()
        return super().add_column(*args, **kwargs)

    def remove_row(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().remove_row(*args, **kwargs)

    def remove_column(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().remove_column(*args, **kwargs)

    def sort(self, *args: Any, **kwargs: Any) -> AppendOnlyTable:
        self._changed()
        super().sort(*args, **kwargs)
        return self

    def notify_style_update(self) -> None:
        self._changed()
        super().notify_style_update()


__all__ = ["AppendOnlyTable"]
