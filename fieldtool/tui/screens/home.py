"""Provides `HomeScreen`: the programme's progress (city × product), the inspections, and what is unsynced.

Keys: N starts a new inspection; / jumps to the search (site, brand, batch: ↓ goes on to the
list, Enter opens the highlighted inspection); F cycles the list between all, open, final, passed
and failed inspections; Esc clears every filter; Tab moves between the matrix, the search and the
list; Enter on a matrix cell lists that city's lots of that product (on a total: all the city's,
or the product's in every city), Enter on a row opens the inspection (an open one resumes where it
stopped); P edits the inspector's profile; S opens the settings (balance connection, language, theme).

Each Enter does what the focused part shows, once: the line under the matrix says what Enter
does there, and a list narrowed to a matrix cell says so on its heading (Esc clears it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Header, Input, Label

from fieldtool.tui.base import FieldtoolScreen
from fieldtool.tui.i18n import T, fit
from fieldtool.tui.widgets.footer import FitFooter

if TYPE_CHECKING:  # the domain is imported on the store thread; Home paints before it is there
    from fieldtool.core.inspection import InspectorProfile
    from fieldtool.core.programme import Programme
    from fieldtool.tui.widgets.programme_matrix import ProgrammeMatrix
    from fieldtool.usecases.lot_types import CellProgress, InspectionRow

TEXT = {
    "title": T("Home", "首页"),
    "inspector": T("Inspector: {name}", "检验员：{name}"),
    "no_profile": T("No inspector profile yet: press P", "尚未填写检验员信息：按 P"),
    "no_programme": T("No programme: inspections outside a campaign", "未选检查方案：方案外检验"),
    "missing_programme": T(
        "Programme {id} not found: `fieldtool programme list` shows those installed",
        "未找到检查方案 {id}：`fieldtool programme list` 列出已安装的方案",
    ),
    "count": T("{n} inspections", "共 {n} 项检验"),
    "count_one": T("1 inspection", "共 1 项检验"),
    "count_none": T("No inspection yet: press N to start one", "尚无检验：按 N 新建"),
    "count_nomatch": T("None matches: Esc clears the filters", "无匹配的检验：按 Esc 清除筛选"),
    "cell_filter": T("  ·  only {what} (Esc: all)", "  ·  仅{what}（Esc：全部）"),
    "all_cities": T("all cities", "全部城市"),
    "whole_programme": T("this programme", "本方案"),
    "list_enter": T("Enter: open the highlighted inspection · Tab: the matrix", "Enter：打开所选检验 · Tab：转到矩阵"),
    "search_enter": T("Enter: open the highlighted inspection · ↓: the list", "Enter：打开所选检验 · ↓：转到列表"),
    "showing": T("  ·  showing {what}", "  ·  显示{what}"),
    "show_all": T("all", "全部"),
    "show_open": T("open", "进行中"),
    "show_final": T("final", "已完成"),
    "show_pass": T("passed", "合格"),
    "show_fail": T("failed", "不合格"),
    "search": T("Search site, brand or batch (/)", "搜索受检单位、品牌或批号（/）"),
    "searching": T("  ·  “{words}”", "  ·  “{words}”"),
    "col_date": T("Opened", "日期"),
    "col_city": T("City", "城市"),
    "col_site": T("Site", "受检单位"),
    "col_product": T("Product", "商品"),
    "col_status": T("Status", "状态"),
    "status_open": T("open {done}/{needed}", "进行中 {done}/{needed}"),
    "summary": T(
        "Programme: {done} of {total} lots done · {failed} failed · {open} open",
        "方案进度：已完成 {done}/{total} 批 · 不合格 {failed} · 进行中 {open}",
    ),
    "unsynced": T("Not yet synced: {n}", "未同步：{n}"),
    "b_new": T("New", "新建"),
    "b_review": T("Sign-off", "审核签发"),
    "t_review": T("review, approve or return the highlighted inspection's report", "审核、批准或退回所选检验的报告"),
    "b_report": T("Report", "报告"),
    "t_report": T("render the highlighted inspection's lot report (PDF)", "生成所选检验的检验报告（PDF）"),
    "b_search": T("Search", "搜索"),
    "b_filter": T("Filter", "筛选"),
    "b_clear": T("Clear", "清除"),
    "b_profile": T("Profile", "检验员"),
    "b_settings": T("Settings", "设置"),
    "t_new": T("start a new inspection", "新建一项检验"),
    "t_search": T("type part of a site, brand or batch", "输入受检单位、品牌或批号的一部分"),
    "t_filter": T("show all, open, final, passed or failed inspections", "依次显示全部、进行中、已完成、合格、不合格的检验"),
    "t_clear": T("clear the filters and the search", "清除筛选和搜索"),
    "t_profile": T("edit the inspector's profile", "修改检验员信息"),
    "t_settings": T("choose and test the balance connection; language and theme", "选择并测试天平连接；语言和主题"),
    "help": T(
        "Home: the matrix shows, for each city (rows) and product (columns) of the programme, the lots "
        "finalised out of the quota; ✗n marks n failed lots; the first row and the Σ column are the totals. "
        "When the product names do not fit, letters head the columns and the legend under the matrix names "
        "them. The line under the legend names the highlighted cell; "
        "Enter on a cell lists its lots below, on a city name or a total all of those (Enter again lists all). The list shows every inspection, "
        "newest first: Enter opens one, and an open one resumes where you stopped. / searches the site, "
        "brand and batch (↓ goes on to the list, Enter opens the highlighted inspection); F shows all, open, "
        "final, passed or failed inspections; Esc clears the filters. "
        "S opens the settings: the balance connection, the language and the theme.",
        "首页：矩阵按方案的城市（行）和商品（列）显示已完成批数/配额；✗n 表示 n 批不合格；第一行和 Σ 列为合计。"
        "商品名称放不下时，列头用字母代替，矩阵下方的图例注明各字母所指商品。图例下方一行显示光标所在"
        "格的全称；在某格上按 Enter 即在下方列出该格的检验，在城市名或合计上按 Enter 列出相应的全部检验（再按一次恢复全部）。列表按时间倒序列出所有检验：按 Enter "
        "打开，未完成的检验从中断处继续。/ 搜索受检单位、品牌和批号（↓ 转到列表，Enter 打开所选检验）；F 依次显示全部、进行中、已完成、合格、不合格；"
        "Esc 清除筛选。S 打开设置：天平连接、语言和主题。",
    ),
}

SHOW_CYCLE = ("all", "open", "final", "pass", "fail")
"""What the list shows, in the order F cycles through it."""

_SHOW_FILTERS: dict[str, dict[str, object]] = {
    "all": {},
    "open": {"final": False},
    "final": {"final": True},
    "pass": {"outcome": "pass"},
    "fail": {"outcome": "fail"},
}
"""Filters of the list by what it shows (an outcome by its value: the domain is not imported before the first screen)."""

_OUTCOME_STYLE = {"pass": "success", "fail": "error", "second-sample-needed": "warning"}
"""Theme colours of the outcomes, by value (`Outcome` is a StrEnum: its members look these up)."""


class HomeScreen(FieldtoolScreen):
    """Where every inspection starts and resumes: the programme's matrix and the list of inspections."""

    # home.tcss as default CSS, not CSS_PATH: a screen's CSS_PATH has Textual parse every stylesheet of
    # the app again (and restyle the app) when the screen is first pushed, Home's at start-up, before
    # the first paint. Its rules name the widgets by id, so they win over the widgets' defaults as before.
    DEFAULT_CSS = Path(__file__).with_name("home.tcss").read_text(encoding="utf-8")
    SCOPED_CSS = False  # the rules start at the screen itself (.home-screen), not below it
    AUTO_FOCUS = "#inspections"
    """The list has the focus from the start (Textual's default, the first focusable widget, is the matrix:
    focusing it, then the list from `on_mount`, restyled both tables twice before the first paint)."""
    HELP_TITLE = TEXT["title"]
    HELP_TEXT = TEXT["help"]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Descriptions and tooltips are the English of TEXT entries: the Footer and Help translate them.
        Binding("n", "new", TEXT["b_new"].en, tooltip=TEXT["t_new"].en),
        Binding("slash", "focus_search", TEXT["b_search"].en, tooltip=TEXT["t_search"].en),
        Binding("f", "filter", TEXT["b_filter"].en, tooltip=TEXT["t_filter"].en),
        Binding("escape", "clear", TEXT["b_clear"].en, tooltip=TEXT["t_clear"].en),
        Binding("p", "profile", TEXT["b_profile"].en, tooltip=TEXT["t_profile"].en),
        Binding("r", "report", TEXT["b_report"].en, tooltip=TEXT["t_report"].en),
        # Not in the footer (full at 80 columns): F1 lists it.
        Binding("v", "review", TEXT["b_review"].en, tooltip=TEXT["t_review"].en, show=False),
        Binding("s", "settings", TEXT["b_settings"].en, tooltip=TEXT["t_settings"].en),
        # The search box has no use for ↓: it goes on to the list (the tables take ↓ for themselves first).
        Binding("down", "to_list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="home-screen")
        self._profile: InspectorProfile | None = None
        self._unsynced = 0
        self._programme: Programme | None = None
        self._cells: dict[tuple[str, str], CellProgress] = {}
        self._rows: list[InspectionRow] = []
        self._show = "all"
        self._cell_filter: tuple[str | None, str | None] | None = None
        """The matrix cell the list is narrowed to: (city, product); None in a place stands for all (a total)."""
        self._loaded = False
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="home-head")
        # The matrix follows with the first data (`_mount_matrix`), after the first paint.
        yield Label("", id="matrix-legend")
        yield Label("", id="cell-info")
        yield Label("", id="list-info")
        yield Input(id="search", compact=True)
        yield DataTable(id="inspections", cursor_type="row", zebra_stripes=True)
        yield Label("", id="summary")
        yield FitFooter()

    async def on_mount(self) -> None:
        self.title = "fieldtool"
        self.relabel()
        self.set_focus(self.query_one("#inspections", DataTable))
        # Load in the background once the screen is painted: its data follows when the store
        # (opened on its own thread) answers.
        self.call_after_refresh(lambda: self.run_worker(self.refresh_data(), group="home-data", exclusive=True))

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back on Home (after weighing, a verdict or a sync): reload the counts and the list."""
        if not self._resumed:
            # Pushed at start-up: Home was styled node by node as it was mounted, just now. Textual's
            # restyle of a resuming screen (for one coming back, the theme may have changed) would style
            # it all once more before the first paint. (This handler runs before Screen's own.)
            self._resumed = True
            event.refresh_styles = False
        if self._loaded:
            self.run_worker(self.refresh_data(), group="home-data", exclusive=True)

    # -- data --------------------------------------------------------------------------------------

    async def refresh_data(self) -> None:
        """Reload everything: profile, programme matrix, the list and the unsynced count."""
        programme_id = self.fapp.settings.programme_id
        basics = await self.call(lambda s: (s.inspector(), s.unsynced_count()))
        if basics is not None:
            self._profile, self._unsynced = basics
        self._programme, self._cells = None, {}
        if programme_id:
            found = await self.call(lambda s: (s.programme(programme_id), s.progress_matrix(programme_id)))
            if found is not None:
                self._programme, self._cells = found
        await self._mount_matrix()
        self._loaded = True
        rows = await self._fetch_rows()
        if rows is not None:
            self._rows = rows
        self.relabel()

    async def _mount_matrix(self) -> None:
        """Mount the programme's matrix under the inspector line, once: with the first data, not before the first paint.

        Empty until then, it would only have been a blank box; its module, its table and their styles
        wait until the store has answered.
        """
        if not self.query("#matrix"):
            from fieldtool.tui.widgets.programme_matrix import ProgrammeMatrix

            matrix = ProgrammeMatrix(id="matrix")
            matrix.display = False  # until `ProgrammeMatrix.show` has a programme to show: no blank box
            await self.mount(matrix, after="#home-head")

    def _matrix(self) -> ProgrammeMatrix:
        """The matrix (mounted with the first data: `_mount_matrix`)."""
        from fieldtool.tui.widgets.programme_matrix import ProgrammeMatrix

        return self.query_one("#matrix", ProgrammeMatrix)

    async def _fetch_rows(self) -> list[InspectionRow] | None:
        """The inspections the filters, the matrix cell and the search select."""
        filters: dict[str, Any] = dict(_SHOW_FILTERS[self._show])
        if self._cell_filter is not None and self._programme is not None:
            city_id, product_id = self._cell_filter
            filters["programme_id"] = self._programme.id
            if city_id is not None:
                filters["city_id"] = city_id
            if product_id is not None:
                filters["product_id"] = product_id
        search = self.query_one("#search", Input).value.strip()
        if search:
            filters["search"] = search
        if "outcome" in filters:
            from fieldtool.core.evaluate import Outcome

            filters["outcome"] = Outcome(filters["outcome"])
        return await self.call(lambda s: s.inspection_rows(**filters))

    async def _load_list(self) -> None:
        rows = await self._fetch_rows()
        if rows is not None:
            self._rows = rows
            self._fill_list()
            self._show_list_info()

    @work(exclusive=True, group="inspections")
    async def _reload_list(self) -> None:
        """Reload the list in the background; a newer reload replaces one still running."""
        await self._load_list()

    # -- names -------------------------------------------------------------------------------------

    def _name_of(self, programme_id: str | None, kind: str, item_id: str | None) -> str:
        """A city's (`kind` ``city``) or a product's name in the current language; its id when not in the programme shown."""
        p = self._programme
        if p is not None and programme_id == p.id and item_id:
            for item in p.cities if kind == "city" else p.products:
                if item.id == item_id:
                    return item.name_zh if self.lang == "zh" else item.name_en
        return item_id or ""

    # -- rendering ---------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        self.query_one("#search", Input).placeholder = self.tr(TEXT["search"])
        if not self._loaded:
            return
        self._show_head()
        self._fill_matrix()
        self._fill_list()
        self._show_list_info()
        self._show_summary()

    def _show_head(self) -> None:
        if self._profile is None:
            who = self.tr(TEXT["no_profile"])
        else:
            extra = ", ".join(x for x in (self._profile.inspector_no, self._profile.organisation) if x)
            who = self.tr(TEXT["inspector"], name=self._profile.name) + (f" ({extra})" if extra else "")
        p = self._programme
        programme_id = self.fapp.settings.programme_id
        if p is None:
            what = self.tr(TEXT["missing_programme"], id=programme_id) if programme_id else self.tr(TEXT["no_programme"])
        else:
            what = f"{(p.name_zh or p.name) if self.lang == 'zh' else p.name} ({p.year})"
        self.query_one("#home-head", Label).update(Text(f"{who}  ·  {what}"))

    def _fill_matrix(self) -> None:
        matrix = self._matrix()
        legend = self.query_one("#matrix-legend", Label)
        legend.display = self._programme is not None
        matrix.show(self._programme, self._cells, lang=self.lang, width=self.size.width, city_heading=self.tr(TEXT["col_city"]))
        if self._programme is not None:
            legend.update(matrix.legend())
        self._show_cell_info(matrix.cursor_coordinate)
        self._fit_heights()

    def _fit_heights(self) -> None:
        """Share the screen's lines between the matrix and the list.

        The matrix shows every city when they fit with a few rows of the list; otherwise the part
        with the focus gets the larger share (the matrix scrolls under its fixed header, totals row
        and city columns).
        """
        matrix = self._matrix()
        legend = self.query_one("#matrix-legend", Label)
        width, height = self.size
        if width == 0 or height == 0:
            return
        if matrix.programme is None:
            return
        legend_lines = max(1, -(-cell_len(matrix.legend().plain) // max(1, width - 2)))  # padding 0 1
        legend.styles.height = legend_lines
        # Header, inspector line, legend, cell line, list heading, search, summary, footer.
        free = height - (7 + legend_lines)
        needed = matrix.rows_needed() + (1 if matrix.content_width > width else 0)  # a horizontal scrollbar
        list_rows = 5 if free - needed >= 5 else (4 if self.focused is matrix else max(4, free // 2))
        matrix.styles.height = max(4, min(needed, free - list_rows))

    def _show_cell_info(self, at: Coordinate) -> None:
        """The line under the matrix: the highlighted cell in full; what Enter does where the focus is."""
        matrix = self._matrix()
        label = self.query_one("#cell-info", Label)
        focused = self.focused
        if focused is matrix or (self._programme is not None and focused is None):
            info = matrix.cell_info(at, self.lang, enter=focused is matrix)
            label.update("" if info is None else info)
        elif isinstance(focused, Input):
            label.update(self.tr(TEXT["search_enter"]))
        else:
            info = matrix.cell_info(at, self.lang, enter=False) if self._programme is not None else None
            hint = self.tr(TEXT["list_enter"])
            label.update(hint if info is None else Text.assemble(hint, "  ·  ", info))

    def _fill_list(self) -> None:
        from fieldtool.core.explain import OUTCOME_WORDS

        table = self.query_one("#inspections", DataTable)
        selected = self._selected_id()
        table.clear(columns=True)
        # Opened, city and status keep their width; site and product share what is left.
        fixed = {"date": 10, "city": 8, "status": 12}
        spare = max(20, self.size.width - sum(fixed.values()) - 5 * 2 - 6)  # cell padding, scrollbar, margin
        widths = fixed | {"site": spare * 2 // 5, "product": spare - spare * 2 // 5}
        for key in ("date", "city", "site", "product", "status"):
            table.add_column(self.tr(TEXT[f"col_{key}"]), width=widths[key], key=key)
        colours = self.app.theme_variables
        for row in self._rows:
            i = row.inspection
            h = i.header
            parts = (self._name_of(h.programme_id, "product", h.product_id), h.brand, f"{h.nominal} {h.unit}")
            product = " ".join(x for x in parts if x)
            if i.is_final and row.outcome is not None:
                style = f"bold {colours.get(_OUTCOME_STYLE[row.outcome], '')}".strip()
                status = Text(OUTCOME_WORDS[self.lang][row.outcome], style=style)
            elif i.is_final:
                status = Text(self.tr(TEXT["show_final"]))
            else:
                status = Text(self.tr(TEXT["status_open"], done=row.weighed, needed=row.needed))
            table.add_row(
                i.created_at.astimezone().strftime("%Y-%m-%d"),
                fit(self._name_of(h.programme_id, "city", h.city_id), widths["city"]),
                fit(h.site_name, widths["site"]),
                fit(product, widths["product"]),
                status,
                key=i.id,
            )
        ids = [r.inspection.id for r in self._rows]
        if selected in ids:
            table.move_cursor(row=ids.index(selected))

    def _selected_id(self) -> str | None:
        table = self.query_one("#inspections", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return None if key is None else str(key)

    def _show_list_info(self) -> None:
        search = self.query_one("#search", Input).value.strip()
        filtered = self._show != "all" or self._cell_filter is not None or bool(search)
        if self._rows:
            text = self.tr(TEXT["count_one"] if len(self._rows) == 1 else TEXT["count"], n=len(self._rows))
        else:
            text = self.tr(TEXT["count_nomatch"] if filtered else TEXT["count_none"])
        text += self.tr(TEXT["showing"], what=self.tr(TEXT[f"show_{self._show}"]))
        label = self.query_one("#list-info", Label)
        narrowed = self._cell_filter is not None and self._programme is not None
        label.set_class(narrowed, "-narrowed")
        if self._cell_filter is not None and self._programme is not None:
            pid = self._programme.id
            city_id, product_id = self._cell_filter
            if city_id is None and product_id is None:
                what = self.tr(TEXT["whole_programme"])
            elif city_id is None:
                what = f"{self._name_of(pid, 'product', product_id)} × {self.tr(TEXT['all_cities'])}"
            else:
                what = self._name_of(pid, "city", city_id)
                if product_id is not None:
                    what += f" × {self._name_of(pid, 'product', product_id)}"
            text += self.tr(TEXT["cell_filter"], what=what)
        if search:
            text += self.tr(TEXT["searching"], words=search)
        label.update(Text(text))

    def _show_summary(self) -> None:
        text = ""
        p = self._programme
        if p is not None:
            cells = self._cells.values()
            text = self.tr(
                TEXT["summary"],
                done=sum(c.done for c in cells),
                total=sum(c.quota for c in cells),
                failed=sum(c.failed for c in cells),
                open=sum(c.open for c in cells),
            ) + "  ·  "
        summary = self.query_one("#summary", Label)
        summary.update(Text(text + self.tr(TEXT["unsynced"], n=self._unsynced)))
        summary.set_class(self._unsynced > 0, "-unsynced")

    # -- events ------------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        if self._loaded:
            self._fill_matrix()
            self._fill_list()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The focus moved: the matrix or the list takes the larger share, and the line under the matrix says what Enter does."""
        if self._loaded:
            self._show_cell_info(self._matrix().cursor_coordinate)
            self._fit_heights()

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        if event.data_table.id == "matrix":
            self._show_cell_info(event.coordinate)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        """Enter on a matrix cell: list that city's lots of that product; on a city, a total or the corner, all of those (again: all)."""
        if event.data_table.id != "matrix":
            return
        wanted = self._matrix().key_at(event.coordinate)
        if wanted is None:
            return
        self._cell_filter = None if self._cell_filter == wanted else wanted
        self._reload_list()
        self.set_focus(self.query_one("#inspections", DataTable))

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an inspection: open it where it stands (an open one resumes)."""
        if event.data_table.id == "inspections" and event.row_key.value is not None:
            await self.fapp.open_inspection(str(event.row_key.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self._reload_list()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search: open the highlighted inspection of the list it narrows (none: go to the list)."""
        if event.input.id != "search":
            return
        table = self.query_one("#inspections", DataTable)
        self.set_focus(table)
        await self._load_list()  # the list for everything typed, even when Enter came before the live reload
        selected = self._selected_id()
        if selected is not None:
            await self.fapp.open_inspection(selected)

    # -- actions -----------------------------------------------------------------------------------

    async def action_new(self) -> None:
        """Start a new inspection."""
        await self.fapp.new_inspection()

    def action_focus_search(self) -> None:
        """Jump to the search box."""
        self.set_focus(self.query_one("#search", Input))

    def action_to_list(self) -> None:
        """↓ in the search box: go on to the list (elsewhere the focused table moves its cursor itself)."""
        if isinstance(self.focused, Input):
            self.set_focus(self.query_one("#inspections", DataTable))

    def action_filter(self) -> None:
        """Show the next of: all, open, final, passed, failed inspections."""
        self._show = SHOW_CYCLE[(SHOW_CYCLE.index(self._show) + 1) % len(SHOW_CYCLE)]
        self._reload_list()

    def action_clear(self) -> None:
        """Clear the search, the matrix cell and the status filter, and go to the list."""
        self._show = "all"
        self._cell_filter = None
        self.query_one("#search", Input).value = ""
        self._reload_list()
        self.set_focus(self.query_one("#inspections", DataTable))

    def action_report(self) -> None:
        """Render the highlighted inspection's lot report (a draft when it is not final)."""
        table = self.query_one("#inspections", DataTable)
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        if row_key is not None:
            self.run_worker(self.fapp.export_lot_report(str(row_key)), group="report")

    async def action_review(self) -> None:
        """Open the sign-off (review, approval, return) of the highlighted inspection's report."""
        from fieldtool.tui.screens.review import ReviewScreen

        table = self.query_one("#inspections", DataTable)
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        if row_key is not None:
            await self.app.push_screen(ReviewScreen(str(row_key)))

    async def action_profile(self) -> None:
        """Edit the inspector's profile."""
        from fieldtool.tui.screens.profile import ProfileScreen

        await self.app.push_screen(ProfileScreen())

    async def action_settings(self) -> None:
        """Open the settings: choose and test the balance connection, the language and the theme."""
        await self.fapp.action_settings()
