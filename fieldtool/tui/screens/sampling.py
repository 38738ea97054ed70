"""Provides `SampleScreen`: the package positions to pull from the lot, stage by stage, with the seed.

The positions come from `Services.draw` (the seed is stored with the inspection, so the same
positions can be shown again later). Keys: Enter goes on to the lot (density, tare or weighing);
F opens the sampling form (抽样单) to fill in with the inspected party; Esc goes back to Home (the
inspection stays open there). The screen says whether the form is filled.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Header, Label, Static

from fieldtool.core.sampling import Draw
from fieldtool.tui.base import InspectionScreen
from fieldtool.tui.i18n import T, plural
from fieldtool.tui.widgets.footer import FitFooter

if TYPE_CHECKING:
    from fieldtool.storage.sampling import StoredSamplingForm

TEXT = {
    "title": T("Sample to pull", "抽样位置"),
    "detail": T("{method}, seed {seed}", "{method}，随机种子 {seed}"),
    "explain": T(
        "Number the lot's packages 1 … {lot} in a fixed order (layer by layer, left to right), then pull these:",
        "将该批包装按固定顺序（逐层、从左到右）编号 1 … {lot}，然后抽取以下编号：",
    ),
    "stage_one": T("{count} {packages}", "共 {count} 件"),
    "stage": T("Stage {k}: {count} {packages}", "第 {k} 次抽样：{count} 件"),
    "later": T("Stage {k}: {count} {packages}, only if the first sample does not decide", "第 {k} 次抽样：{count} 件（仅当第一次不能判定时抽取）"),
    "none": T("fieldtool did not draw this sample ({method}): pull it by hand.", "本样本未由 fieldtool 抽取（{method}）：请人工抽样。"),
    "go": T("Enter: go on to the lot", "Enter：开始检验该批"),
    "simple-random": T("simple random", "简单随机抽样"),
    "systematic": T("systematic", "等距抽样"),
    "stratified": T("stratified", "分层抽样"),
    "k_continue": T("Continue", "继续"),
    "k_home": T("Home", "首页"),
    "k_form": T("Sampling form", "抽样单"),
    "form_missing": T("Sampling form: not filled yet. F: fill it in before weighing",
                      "抽样单：尚未填写。按 F 在称量前填写"),
    "form_filled": T("✓ Sampling form {no} filled ({at}). F: correct it", "✓ 抽样单 {no} 已填写（{at}）。按 F 可更正"),
}

GRID_WIDTH = 76
"""Columns the grid may take: fits an 80-column terminal with the screen's padding."""


def position_grid(positions: tuple[int, ...], lot_size: int, width: int = GRID_WIDTH) -> str:
    """Positions as right-aligned columns, ten to a row when they fit (easy to tick off while counting)."""
    cell = len(str(lot_size)) + 2
    per_row = max(1, min(10, width // cell))
    rows = [positions[i:i + per_row] for i in range(0, len(positions), per_row)]
    return "\n".join("".join(str(p).rjust(cell) for p in row) for row in rows)


class SampleScreen(InspectionScreen):
    """Shows which packages to pull from a lot whose sample fieldtool drew."""

    CSS_PATH = Path(__file__).with_name("sampling.tcss")
    HELP_TITLE = TEXT["title"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "continue", TEXT["k_continue"].en, priority=True),
        Binding("escape", "home", TEXT["k_home"].en),
        Binding("f", "sampling_form", TEXT["k_form"].en),
    ]

    def __init__(self, inspection_id: str) -> None:
        super().__init__(inspection_id, "sample-screen")
        self._form: StoredSamplingForm | None = None
        """The latest sampling form, once loaded."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="lot-head")
        yield Label("", id="explain")
        yield Label("", id="form-state")
        yield VerticalScroll(id="stages")
        yield Label("", id="go")
        yield FitFooter()

    async def on_mount(self) -> None:
        state = await self.load()
        if state is None:
            return
        self.state = state
        stages = self.query_one("#stages", VerticalScroll)
        if state.draw is not None:
            for k, positions in enumerate(state.draw.stages, 1):
                await stages.mount(Label("", id=f"stage-{k}-title", classes="stage-title"))
                await stages.mount(Static(position_grid(positions, state.draw.lot_size), id=f"stage-{k}", classes="grid"))
        await self._load_form()

    async def _load_form(self) -> None:
        from fieldtool.usecases.sampling_form import sampling_form

        self._form = await self.call(lambda s: sampling_form(s, self.inspection_id))
        self.relabel()

    def relabel(self) -> None:
        """Re-render every text in the current language."""
        self.sub_title = self.tr(TEXT["title"])
        self.query_one("#go", Label).update(self.tr(TEXT["go"]))
        if self.state is None:
            return
        h = self.state.inspection.header
        method = self.tr(TEXT[h.sampling_method.value])
        d: Draw | None = self.state.draw
        seed = h.sampling_seed if h.sampling_seed is not None else "—"
        self.show_lot_head(h, detail=self.tr(TEXT["detail"], method=method, seed=seed))
        form = self._form
        self.query_one("#form-state", Label).update(
            self.tr(TEXT["form_missing"]) if form is None
            else self.tr(TEXT["form_filled"], no=form.form.form_no, at=form.form.sampled_at))
        self.query_one("#form-state", Label).set_class(form is not None, "-filled")
        explain = self.query_one("#explain", Label)
        if d is None:
            explain.update(self.tr(TEXT["none"], method=method))
            return
        explain.update(self.tr(TEXT["explain"], lot=d.lot_size))
        for k, positions in enumerate(d.stages, 1):
            packages = plural(len(positions), "package", "packages")
            if len(d.stages) == 1:
                title = self.tr(TEXT["stage_one"], count=len(positions), packages=packages)
            else:
                title = self.tr(TEXT["stage" if k == 1 else "later"], k=k, count=len(positions), packages=packages)
            self.query_one(f"#stage-{k}-title", Label).update(title)

    async def action_continue(self) -> None:
        """On to the lot: density, tare or weighing, whichever it needs next."""
        await self.fapp.open_inspection(self.inspection_id, replace=True)

    async def action_home(self) -> None:
        await self.fapp.go_home()

    async def action_sampling_form(self) -> None:
        """Open the sampling form; on coming back, show whether it is filled."""
        from fieldtool.tui.screens.sampling_form import SamplingFormScreen

        async def back(_: None) -> None:
            await self._load_form()

        await self.app.push_screen(SamplingFormScreen(self.inspection_id), callback=back)
