"""Provides `DistributionPlot`: a text-drawn dot plot of net quantities against Qn, its limits and the mean limit.

Each package is a mark in the column of its net quantity (stacked when several share a column), drawn
with its class (● within T, ■ T1, ◆ T2: the lot report's markers) so the plot reads without colour too. Labelled vertical
markers stand at Qn, Qn − T, Qn − 2T and the mean limit Qn − λ·s; ▲ on the axis is the mean q̄.
The plot is drawn for the width it is given (any width from 30 columns), so it fits 80 columns.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from fieldtool.core.evaluate import PackageClass
from fieldtool.tui.i18n import T

TEXT = {
    "legend": T("● within T  ■ T1  ◆ T2  ▲ mean q̄", "● T 以内  ■ T1 类  ◆ T2 类  ▲ 平均值 q̄"),
    "scale": T("  (a mark: up to {k} packages)", "（每个标记至多 {k} 件）"),
    "empty": T("no packages weighed yet", "尚未称量任何包装"),
}

PLOT_ROWS = 5
"""Rows of marks; columns with more packages than this are drawn at a coarser scale (said in the legend)."""

_GLYPH = {PackageClass.OK: "●", PackageClass.T1: "■", PackageClass.T2: "◆"}
_CLASS_ORDER = (PackageClass.OK, PackageClass.T1, PackageClass.T2)


@dataclass(frozen=True)
class PlotMarker:
    """A labelled vertical marker."""

    name: str
    """Its label, a formula that reads the same in every language (``Qn−T``)."""
    value: Decimal
    """Where it stands, in the lot's unit."""
    role: str
    """Which style it takes: ``qn``, ``t1``, ``t2`` or ``limit``."""


@dataclass(frozen=True)
class PlotData:
    """What the plot shows."""

    packages: tuple[tuple[Decimal, PackageClass], ...]
    """Each package's net quantity and class, in weighing order."""
    nominal: Decimal
    """Qn."""
    tne: Decimal
    """T."""
    unit: str
    """The lot's unit symbol."""
    limit: Decimal | None = None
    """The mean limit Qn − λ·s, when the plan has a mean test."""
    mean: Decimal | None = None
    """The mean q̄ of the mean sample, when known."""
    lang: str = "en"
    """The language of the legend."""
    markers: tuple[PlotMarker, ...] = field(init=False)
    """The markers drawn, left to right in value."""

    def __post_init__(self) -> None:
        qn, t = self.nominal, self.tne
        markers = [
            PlotMarker("Qn−2T", qn - 2 * t, "t2"),
            PlotMarker("Qn−T", qn - t, "t1"),
            PlotMarker("Qn", qn, "qn"),
        ]
        if self.limit is not None:
            markers.append(PlotMarker("Qn−λ·s", self.limit, "limit"))
        object.__setattr__(self, "markers", tuple(sorted(markers, key=lambda m: m.value)))


@dataclass(frozen=True)
class _Label:
    """A placed label: its row above the marks, its cells [start, end), its marker's column."""

    row: int
    start: int
    end: int
    col: int
    text: str
    role: str
    with_value: bool


class PlotRenderable:
    """The plot as a Rich renderable, drawn for the width Rich offers it.

    Args:
        data: what to draw.
        styles: a Rich style for each role: ``ok``, ``t1``, ``t2``, ``qn``, ``limit``, ``axis``, ``legend``.
    """

    def __init__(self, data: PlotData, styles: dict[str, Style]) -> None:
        self.data = data
        self.styles = styles

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from draw_plot(self.data, options.max_width, self.styles)


def _fmt(value: float, places: int) -> str:
    # One place more than the data, so an end half a T away (507.5) is not shown rounded.
    return f"{value:.{places + 1}f}".rstrip("0").rstrip(".")


def draw_plot(data: PlotData, width: int, styles: dict[str, Style] | None = None) -> list[Text]:
    """Draw the plot as lines of text, each at most `width` cells wide.

    Args:
        data: what to draw.
        width: the width available, in cells (at least 30 is used).
        styles: a Rich style for each role (see `PlotRenderable`); none gives plain text.

    Returns:
        The lines, top to bottom: marker labels, marks, axis, axis values and legend.
    """
    st = styles or {}
    w = max(width, 30)
    lang = data.lang
    if not data.packages:
        return [Text(TEXT["empty"].render(lang), style=st.get("legend", ""))]
    qn, t = float(data.nominal), float(data.tne)
    nets = [float(q) for q, _ in data.packages]
    # With T = 0 (short lengths, small counts) the spread of the sample sets the scale instead.
    unit = t if t > 0 else (max(abs(q - qn) for q in nets) or abs(qn) / 100 or 1.0)
    low_marker = min(float(m.value) for m in data.markers)
    lo = max(min(low_marker - unit / 2, min(nets)), low_marker - 2 * unit)
    # The right end follows the bulk of the sample (its 95th percentile), so one mistyped heavy
    # package does not squeeze the others into a few columns; it is drawn at the edge, with ▸.
    top = sorted(nets)[max(0, math.ceil(0.95 * len(nets)) - 1)]
    hi = min(max(qn + unit / 2, min(max(nets), top + unit / 2)), qn + 8 * unit)
    span = hi - lo or 1.0

    def col(v: float) -> int:
        return min(max(round((v - lo) / span * (w - 1)), 0), w - 1)

    # Marks: per column a count per class, stacked within T at the bottom, T2 on top.
    counts: list[dict[PackageClass, int]] = [dict.fromkeys(_CLASS_ORDER, 0) for _ in range(w)]
    for q, cls in data.packages:
        counts[col(float(q))][cls] += 1
    scale = 1
    while max(sum(math.ceil(c[k] / scale) for k in _CLASS_ORDER) for c in counts) > PLOT_ROWS:
        scale += 1
    grid: list[list[tuple[str, str]]] = [[(" ", "")] * w for _ in range(PLOT_ROWS)]
    for x, c in enumerate(counts):
        y = PLOT_ROWS - 1
        for k in _CLASS_ORDER:
            for _ in range(math.ceil(c[k] / scale)):
                grid[y][x] = (_GLYPH[k], {PackageClass.OK: "ok", PackageClass.T1: "t1", PackageClass.T2: "t2"}[k])
                y -= 1
    for m in data.markers:
        x = col(float(m.value))
        for y in range(PLOT_ROWS):
            if grid[y][x][0] == " ":
                grid[y][x] = ("┊", m.role)

    labels = _place_labels(data, col, w)
    label_grid: list[list[tuple[str, str]]] = [[(" ", "")] * w for _ in range(len(data.markers))]
    for lab in labels:
        x = lab.start
        for ch in lab.text:
            label_grid[lab.row][x] = (ch, lab.role)
            x += cell_len(ch)
        for y in range(lab.row + 1, len(data.markers)):
            if label_grid[y][lab.col][0] == " ":
                label_grid[y][lab.col] = ("┊", lab.role)

    axis: list[tuple[str, str]] = [("─", "axis")] * w
    for m in data.markers:
        axis[col(float(m.value))] = ("┴", m.role)
    if data.mean is not None:
        axis[col(float(data.mean))] = ("▲", "qn")
    if min(nets) < lo:
        axis[0] = ("◂", "t2")
    if max(nets) > hi:
        axis[w - 1] = ("▸", "axis")

    lines = [_line(row, st) for row in label_grid if any(ch != " " for ch, _ in row)]
    lines += [_line(row, st) for row in grid]
    lines.append(_line(axis, st))

    places = max(_places(data.tne), _places(data.nominal))
    left, right = _fmt(lo, places), f"{_fmt(hi, places)} {data.unit}"
    legend = TEXT["legend"].render(lang) + (TEXT["scale"].render(lang, k=scale) if scale > 1 else "")
    gap = w - cell_len(left) - cell_len(right)
    if cell_len(legend) + 4 <= gap:
        pad_l = (gap - cell_len(legend)) // 2
        values = Text(left, style=st.get("axis", ""))
        values.append(" " * pad_l)
        values.append(legend, style=st.get("legend", ""))
        values.append(" " * (gap - pad_l - cell_len(legend)))
        values.append(right, style=st.get("axis", ""))
        lines.append(values)
    else:
        values = Text(left, style=st.get("axis", ""))
        values.append(" " * max(gap, 1))
        values.append(right, style=st.get("axis", ""))
        lines.append(values)
        legend_text = Text(legend, style=st.get("legend", ""))
        legend_text.truncate(w, overflow="ellipsis")
        lines.append(legend_text)
    return lines


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _line(cells: Sequence[tuple[str, str]], styles: dict[str, Style]) -> Text:
    text = Text(no_wrap=True, overflow="crop")
    for ch, role in cells:
        text.append(ch, style=styles.get(role, "") if role else "")
    return text


def _place_labels(data: PlotData, col: Callable[[float], int], w: int) -> list[_Label]:
    """Place the markers' labels above the plot, each joined to its marker by a connector.

    Markers that fall in one column share a label (``Qn=Qn−T=Qn−2T 10`` when T = 0). A label may
    not cover another label, nor the connector running down from a label above it to its marker.
    A label starts at its marker or ends at it, with its value or else its bare name.
    """
    groups: dict[int, list[PlotMarker]] = {}
    for m in data.markers:
        groups.setdefault(col(float(m.value)), []).append(m)
    options: list[tuple[int, str, tuple[str, ...]]] = []
    for c in sorted(groups, reverse=True):  # right-most first: the usual staircase comes first
        group = groups[c]
        names = [m.name for m in group]
        if len({m.value for m in group}) == 1:
            texts = ("=".join(names) + f" {group[0].value}", "=".join(names))
        else:
            texts = (" · ".join(f"{m.name} {m.value}" for m in group), "/".join(names))
        options.append((c, next((m.role for m in group if m.role == "qn"), group[0].role), texts))
    return list(_layout(tuple(options), len(data.markers), w))


@functools.lru_cache(maxsize=64)
def _layout(options: tuple[tuple[int, str, tuple[str, ...]], ...], rows: int, w: int) -> tuple[_Label, ...]:
    """The best layout of labels: the most shown, then the most with values, then the fewest rows.

    A depth-first search over each label's spots (at most four labels, a few rows), cut short once
    every label is shown with its value; cached, since a plot is drawn again on every refresh.
    """
    best: tuple[_Label, ...] = ()
    best_score = (-1, -1, 0)

    def fits(placed: list[_Label], row: int, start: int, end: int, c: int) -> bool:
        if start < 0 or end > w:
            return False
        for lab in placed:
            if lab.row == row and not (end + 1 <= lab.start or lab.end + 1 <= start):
                return False
            if lab.row < row and start <= lab.col < end:
                return False  # would cover the connector of a label above
            if lab.row > row and lab.start <= c < lab.end:
                return False  # our connector would cross a label below
        return True

    def search(index: int, placed: list[_Label]) -> bool:
        nonlocal best, best_score
        if len(placed) + len(options) - index < best_score[0]:
            return False  # cannot show as many labels as the best so far
        if index == len(options):
            score = (len(placed), sum(lab.with_value for lab in placed), -len({lab.row for lab in placed}))
            if score > best_score:
                best, best_score = tuple(placed), score
            return score[:2] == (len(options), len(options))
        c, role, texts = options[index]
        for text in texts:
            length = cell_len(text)
            for row in range(rows - 1, -1, -1):
                for start in dict.fromkeys((c, c - length + 1)):
                    if fits(placed, row, start, start + length, c):
                        label = _Label(row, start, start + length, c, text, role, text == texts[0])
                        if search(index + 1, [*placed, label]):
                            return True
        return search(index + 1, placed)  # leave this label out

    search(0, [])
    return best


class DistributionPlot(Widget):
    """The sample's net quantities against Qn, Qn − T, Qn − 2T and the mean limit."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "distribution-plot--ok",
        "distribution-plot--t1",
        "distribution-plot--t2",
        "distribution-plot--qn",
        "distribution-plot--limit",
        "distribution-plot--axis",
        "distribution-plot--legend",
    }
    """One style per role; the screen's .tcss gives them theme colours."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data: PlotData | None = None

    def show(self, data: PlotData) -> None:
        """Draw this sample."""
        self.data = data
        self.refresh(layout=True)

    def render(self) -> PlotRenderable | str:
        if self.data is None:
            return ""
        roles = ("ok", "t1", "t2", "qn", "limit", "axis", "legend")
        styles = {r: self.get_component_rich_style(f"distribution-plot--{r}", partial=True) for r in roles}
        return PlotRenderable(self.data, styles)
