"""Provides `ProgrammeMatrix`: a programme's progress, one row a city and one column a product, lots done of the quota.

The first row holds each product's totals and the second column each city's; both stay on screen
(fixed) while the rest scrolls. Product columns are headed by their names when every name fits
whole, else by a letter that a legend (`ProgrammeMatrix.legend`) names, so that no name is ever
cut to a stub ("小麦…"). Also `short_label`, which cuts a product name to the columns a table gives it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from fieldtool.tui.i18n import T, fit

if TYPE_CHECKING:  # the domain is imported on the store thread; Home paints before it is there
    from fieldtool.core.programme import Programme
    from fieldtool.usecases.lot_types import CellProgress

TEXT = {
    "cell": T("{city} · {product}: {done} of {quota} lots done", "{city} · {product}：已完成 {done}/{quota} 批"),
    "city_cell": T("{city}: {done} of {quota} lots done", "{city}：已完成 {done}/{quota} 批"),
    "cell_failed": T(", {n} failed", "，不合格 {n} 批"),
    "cell_open": T(", {n} open", "，进行中 {n} 批"),
    "cell_enter": T("  ·  Enter: list them", "  ·  Enter：列出"),
    "product_cell": T("{product}, all cities: {done} of {quota} lots done", "{product}（全部城市）：已完成 {done}/{quota} 批"),
    "all_cell": T("The whole programme: {done} of {quota} lots done", "整个方案：已完成 {done}/{quota} 批"),
    "total_row": T("All", "合计"),
    "total_column": T("Σ", "Σ"),
    "legend_cells": T(
        "n/q: lots done of the quota · ✗n: n failed · Σ: totals", "n/q：已完成/配额批数 · ✗n：n 批不合格 · Σ：合计"
    ),
}

CODES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""The letters that head the product columns when their names do not fit (the legend names them)."""

TOTAL = "total"
"""The key of the totals row and of the totals column."""


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
    """The programme's cities × products, each cell the lots finalised of its quota (✗n: n failed), with totals.

    Row 0 is the products' totals (key ``total``), then one row per city (keyed by its id); column
    0 is the city (key ``city``), column 1 the city's totals (key ``total``), then one column per
    product (keyed by its id). The first row and the first two columns stay on screen while the
    rest scrolls. Cities are a column rather than row labels, so that Enter on a city selects it too.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", cell_padding=0, fixed_columns=2)
        self.programme: Programme | None = None
        """The programme shown (None: none, and the matrix is hidden)."""
        self.cells: dict[tuple[str, str], CellProgress] = {}
        """The progress of each (city, product)."""
        self.coded = False
        """Whether the product columns are headed by letters (their names do not fit whole)."""
        self.lang = "en"
        """The language of the names shown."""
        self.content_width = 0
        """The columns the cells take, the vertical scrollbar included (more than the widget's width: it scrolls sideways)."""

    def show(
        self, programme: Programme | None, cells: dict[tuple[str, str], CellProgress], *, lang: str, width: int,
        city_heading: str,
    ) -> None:
        """Fill the matrix (hidden when there is no programme), keeping the cursor where it was.

        Args:
            programme: the programme, or None.
            cells: the progress of each (city, product).
            lang: the language of the names.
            width: the columns the matrix has (its scrollbar included).
            city_heading: the heading of the cities' column.
        """
        self.programme, self.cells, self.lang = programme, cells, lang
        p = programme
        self.display = p is not None
        if p is None:
            self.fixed_rows = 0
            self.clear(columns=True)
            return
        zh = lang == "zh"
        cursor = self.cursor_coordinate
        self.fixed_rows = 0  # Textual fails on a fixed row that is not there: set again once the rows are in
        self.clear(columns=True)
        colours = self.app.theme_variables
        city_totals = {c.id: self._total([self._cell(c.id, pr.id) for pr in p.products]) for c in p.cities}
        product_totals = {pr.id: self._total([self._cell(c.id, pr.id) for c in p.cities]) for pr in p.products}
        everything = self._total(list(city_totals.values()))
        names = [c.name_zh if zh else c.name_en for c in p.cities]
        total_row = TEXT["total_row"].render(lang)
        label_width = max(cell_len(n) for n in [*names, total_row, city_heading]) + 1
        total_width = max(cell_len(self._cell_text(c, colours).plain) for c in [*city_totals.values(), everything]) + 1
        contents = {
            pr.id: max(6, *(cell_len(self._cell_text(self._cell(c.id, pr.id), colours).plain) + 1 for c in p.cities),
                       cell_len(self._cell_text(product_totals[pr.id], colours).plain) + 1)
            for pr in p.products
        }
        product_names = {pr.id: re.sub(r"\s*[(（].*?[)）]", "", pr.name_zh if zh else pr.name_en).strip() for pr in p.products}
        room = width - label_width - total_width - 1  # the vertical scrollbar is one column wide (home.tcss)
        full = {pid: max(contents[pid], cell_len(name) + 1) for pid, name in product_names.items()}
        self.coded = sum(full.values()) > room
        self.content_width = label_width + total_width + sum((contents if self.coded else full).values()) + 1
        self.add_column(Text(fit(city_heading, label_width - 1)), width=label_width, key="city")
        self.add_column(Text(" " + TEXT["total_column"].render(lang), style="bold"), width=total_width, key=TOTAL)
        for k, product in enumerate(p.products):
            if self.coded:
                self.add_column(Text(" " + CODES[k % len(CODES)], style="bold"), width=contents[product.id], key=product.id)
            else:
                self.add_column(Text(" " + product_names[product.id]), width=full[product.id], key=product.id)
        self.add_row(
            Text(total_row, style="bold"), self._cell_text(everything, colours, bold=True),
            *(self._cell_text(product_totals[pr.id], colours, bold=True) for pr in p.products), key=TOTAL,
        )
        for city, name in zip(p.cities, names, strict=True):
            row = [self._cell_text(self._cell(city.id, pr.id), colours) for pr in p.products]
            self.add_row(Text(name, style="bold"), self._cell_text(city_totals[city.id], colours, bold=True), *row, key=city.id)
        self.fixed_rows = 1
        row_at = min(max(cursor.row, 0), len(p.cities))
        column_at = min(max(cursor.column, 0), len(p.products) + 1)
        self.move_cursor(row=row_at, column=column_at)

    def legend(self) -> Text:
        """What the cells and the column letters mean, in the matrix's language (the letters only when used)."""
        lang = self.lang
        text = Text(TEXT["legend_cells"].render(lang))
        p = self.programme
        if p is not None and self.coded:
            zh = lang == "zh"
            codes = "  ".join(
                f"{CODES[k % len(CODES)]} {re.sub(r'[(（].*?[)）]', '', pr.name_zh if zh else pr.name_en).strip()}"
                for k, pr in enumerate(p.products)
            )
            text = Text(codes + "  ·  ") + text
        return text

    def rows_needed(self) -> int:
        """The lines the matrix takes to show every city: its header, the totals row and one per city."""
        return 0 if self.programme is None else 2 + len(self.programme.cities)

    def _cell(self, city_id: str, product_id: str) -> CellProgress:
        from fieldtool.usecases.lot_types import CellProgress

        return self.cells.get((city_id, product_id), CellProgress(quota=0))

    @staticmethod
    def _total(cells: list[CellProgress]) -> CellProgress:
        from fieldtool.usecases.lot_types import CellProgress

        return CellProgress(
            sum(c.quota for c in cells), sum(c.done for c in cells), sum(c.failed for c in cells), sum(c.open for c in cells)
        )

    @staticmethod
    def _cell_text(cell: CellProgress, colours: dict[str, str], *, bold: bool = False) -> Text:
        weight = "bold " if bold else ""
        if cell.quota == 0 and cell.done == 0:
            return Text(" —", style="dim")
        text = f" {cell.done}/{cell.quota}" + (f"✗{cell.failed}" if cell.failed else "")
        if cell.failed:
            return Text(text, style=f"bold {colours.get('error', '')}".strip())
        if cell.done >= cell.quota:
            return Text(text, style=(weight + colours.get("success", "")).strip())
        if cell.done == 0 and cell.open == 0:
            return Text(text, style="dim")
        return Text(text, style=weight.strip())

    def key_at(self, at: Coordinate) -> tuple[str | None, str | None] | None:
        """The (city id, product id) a cell stands for; None in either place means all of them.

        Returns:
            None when `at` is not a cell of the programme.
        """
        p = self.programme
        if p is None or not (0 <= at.row <= len(p.cities) and 0 <= at.column <= len(p.products) + 1):
            return None
        city = None if at.row == 0 else p.cities[at.row - 1].id
        product = None if at.column < 2 else p.products[at.column - 2].id
        return city, product

    def cell_info(self, at: Coordinate, lang: str, *, enter: bool = True) -> Text | None:
        """A cell in full: its city and product, lots done of the quota, failed and open; totals on the totals.

        Args:
            at: the cell.
            lang: the language of the line.
            enter: end with what Enter does there (when the matrix has the focus).

        Returns:
            The line, or None when `at` is not a cell of the programme.
        """

        def tr(key: str, **fields: object) -> str:
            return TEXT[key].render(lang, **fields)

        p = self.programme
        key = self.key_at(at)
        if p is None or key is None:
            return None
        city_id, product_id = key
        zh = lang == "zh"
        city = next((c for c in p.cities if c.id == city_id), None)
        product = next((pr for pr in p.products if pr.id == product_id), None)
        city_name = "" if city is None else (city.name_zh if zh else city.name_en)
        product_name = "" if product is None else (product.name_zh if zh else product.name_en)
        cities = [city.id] if city is not None else [c.id for c in p.cities]
        products = [product.id] if product is not None else [pr.id for pr in p.products]
        cell = self._total([self._cell(c, pr) for c in cities for pr in products])
        if city is not None and product is not None:
            text = tr("cell", city=city_name, product=product_name, done=cell.done, quota=cell.quota)
        elif city is not None:
            text = tr("city_cell", city=city_name, done=cell.done, quota=cell.quota)
        elif product is not None:
            text = tr("product_cell", product=product_name, done=cell.done, quota=cell.quota)
        else:
            text = tr("all_cell", done=cell.done, quota=cell.quota)
        if cell.failed:
            text += tr("cell_failed", n=cell.failed)
        if cell.open:
            text += tr("cell_open", n=cell.open)
        return Text(text + (tr("cell_enter") if enter else ""))
