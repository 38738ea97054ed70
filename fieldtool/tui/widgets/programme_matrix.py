"""Provides `ProgrammeMatrix`: a programme's progress, one row a city and one column a product, lots done of the quota.

Also `fit` and `short_label`, which cut a name to the columns a table gives it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from fieldtool.tui.i18n import T

if TYPE_CHECKING:  # the domain is imported on the store thread; Home paints before it is there
    from fieldtool.core.programme import Programme
    from fieldtool.usecases.lot_types import CellProgress

TEXT = {
    "cell": T("{city} · {product}: {done} of {quota} lots done", "{city} · {product}：已完成 {done}/{quota} 批"),
    "city_cell": T("{city}: {done} of {quota} lots done", "{city}：已完成 {done}/{quota} 批"),
    "cell_failed": T(", {n} failed", "，不合格 {n} 批"),
    "cell_open": T(", {n} open", "，进行中 {n} 批"),
    "cell_enter": T("  ·  Enter: list them", "  ·  Enter：列出"),
}


def fit(text: str, width: int) -> str:
    """`text` cut to `width` terminal columns (CJK counts two), with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    while text and cell_len(text) + 1 > width:
        text = text[:-1]
    return text.rstrip() + "…"


def short_label(name: str, width: int, lang: str) -> str:
    """A product name for a narrow matrix column.

    An English name that does not fit is shortened to its last word (the head noun: "Wheat
    flour" → "Flour"); a Chinese one is cut from the end, as Chinese abbreviations keep the start.
    """
    name = re.sub(r"\s*[(（].*?[)）]", "", name).strip() or name
    if cell_len(name) <= width:
        return name
    if lang != "zh" and " " in name:
        head = name.split()[-1]
        name = head[:1].upper() + head[1:]
    return fit(name, width)


class ProgrammeMatrix(DataTable[Text]):
    """The programme's cities × products, each cell the lots finalised of its quota (✗n: n failed).

    Cities are a (fixed) first column rather than row labels, so that Enter on a city selects it
    too; rows are keyed by city id, columns by product id (``city`` for the first).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", cell_padding=0, fixed_columns=1)
        self.programme: Programme | None = None
        """The programme shown (None: none, and the matrix is hidden)."""
        self.cells: dict[tuple[str, str], CellProgress] = {}
        """The progress of each (city, product)."""

    def show(
        self, programme: Programme | None, cells: dict[tuple[str, str], CellProgress], *, lang: str, width: int,
        city_heading: str,
    ) -> None:
        """Fill the matrix (hidden when there is no programme), keeping the cursor where it was.

        Args:
            programme: the programme, or None.
            cells: the progress of each (city, product).
            lang: the language of the names.
            width: the screen's width, shared out among the products' columns.
            city_heading: the heading of the cities' column.
        """
        from fieldtool.usecases.lot_types import CellProgress

        self.programme, self.cells = programme, cells
        p = programme
        self.display = p is not None
        if p is None:
            return
        zh = lang == "zh"
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        names = [c.name_zh if zh else c.name_en for c in p.cities]
        label_width = max(cell_len(n) for n in names) + 1
        # Room left for the products once the city names and the scrollbar are drawn.
        column = max(5, min(14, (width - label_width - 3) // max(1, len(p.products))))
        self.add_column(Text(fit(city_heading, label_width)), width=label_width, key="city")
        for product in p.products:
            label = short_label(product.name_zh if zh else product.name_en, column - 1, lang)
            self.add_column(Text(" " + label), width=column, key=product.id)
        colours = self.app.theme_variables
        for city, name in zip(p.cities, names, strict=True):
            row = []
            for product in p.products:
                cell = cells.get((city.id, product.id), CellProgress(quota=0))
                row.append(self._cell_text(cell, colours))
            self.add_row(Text(name, style="bold"), *row, key=city.id)
        if p.cities:
            row_at, column_at = min(cursor.row, len(p.cities) - 1), min(max(cursor.column, 0), len(p.products))
            self.move_cursor(row=row_at, column=column_at)

    @staticmethod
    def _cell_text(cell: CellProgress, colours: dict[str, str]) -> Text:
        if cell.quota == 0 and cell.done == 0:
            return Text(" —", style="dim")
        text = f" {cell.done}/{cell.quota}" + (f"✗{cell.failed}" if cell.failed else "")
        if cell.failed:
            return Text(text, style=f"bold {colours.get('error', '')}".strip())
        if cell.done >= cell.quota:
            return Text(text, style=colours.get("success", ""))
        if cell.done == 0 and cell.open == 0:
            return Text(text, style="dim")
        return Text(text)

    def cell_info(self, at: Coordinate, lang: str) -> Text | None:
        """A cell in full: its city and product, lots done of the quota, failed and open; a city's totals on its name.

        Returns:
            The line, or None when `at` is not a cell of the programme.
        """
        from fieldtool.usecases.lot_types import CellProgress

        def tr(key: str, **fields: object) -> str:
            return TEXT[key].render(lang, **fields)

        p = self.programme
        if p is None or not (0 <= at.row < len(p.cities) and 0 <= at.column <= len(p.products)):
            return None
        city = p.cities[at.row]
        city_name = city.name_zh if lang == "zh" else city.name_en
        if at.column == 0:
            row = [self.cells.get((city.id, pr.id), CellProgress(quota=0)) for pr in p.products]
            cell = CellProgress(
                sum(c.quota for c in row), sum(c.done for c in row), sum(c.failed for c in row), sum(c.open for c in row)
            )
            text = tr("city_cell", city=city_name, done=cell.done, quota=cell.quota)
        else:
            product = p.products[at.column - 1]
            cell = self.cells.get((city.id, product.id), CellProgress(quota=0))
            product_name = product.name_zh if lang == "zh" else product.name_en
            text = tr("cell", city=city_name, product=product_name, done=cell.done, quota=cell.quota)
        if cell.failed:
            text += tr("cell_failed", n=cell.failed)
        if cell.open:
            text += tr("cell_open", n=cell.open)
        return Text(text + tr("cell_enter"))
