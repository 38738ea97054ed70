"""Provides `HomeScreen` (first cut: the list of inspections; the programme matrix comes next)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.i18n import T

TEXT = {"title": T("Home", "首页")}


class HomeScreen(FieldtoolScreen):
    """The list of inspections."""

    HELP_TITLE = TEXT["title"]
    BINDINGS = [Binding("n", "new", "New inspection")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="inspections", cursor_type="row")
        yield Footer()

    async def on_mount(self) -> None:
        await self.refresh_data()

    async def refresh_data(self) -> None:
        """Reload the inspections."""
        rows = await self.call(lambda s: s.inspections())
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("site", "product", "Qn", "N")
        for i in rows or []:
            table.add_row(i.header.site_name, i.header.product_id or "", f"{i.header.nominal} {i.header.unit}", str(i.header.lot_size), key=i.id)

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            await self.fapp.open_inspection(str(event.row_key.value))

    async def action_new(self) -> None:
        await self.fapp.new_inspection()
