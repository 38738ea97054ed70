"""Provides the charts of the programme summary: pass rate bars and the distribution of lot mean deviations.

Both are `reportlab.graphics` drawings built from plain shapes (no chart widgets), so the layout
is fixed and the output deterministic. They read in black and white: bars carry their value as
text, the overall rate is a dashed line with its label, and in the distribution a failed lot is a
filled triangle while a passed lot is a hollow circle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Line, Path, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth as _string_width

from fieldtool.reports.document import GRID, INK, MUTED, RULE, Lang, bi_text
from fieldtool.stats.summary import Spread

BAR_FILL = colors.HexColor("#7F97B2")
"""The bars: a mid grey-blue that prints as mid grey."""
BOX_FILL = colors.HexColor("#DDE4EC")
"""The quartile boxes."""
FAIL_MARK = colors.HexColor("#B71C1C")
"""Failed lots in the distribution (dark enough to print as black)."""
PASS_MARK = colors.HexColor("#37474F")
"""Passed lots in the distribution."""
ZERO_LINE = colors.HexColor("#111111")


@dataclass(frozen=True)
class BarItem:
    """One bar: a label and its counts."""

    label: str
    """The label, already in the report's language(s)."""
    lots: int
    """Lots inspected."""
    failed: int
    """Lots failed."""

    @property
    def rate(self) -> float | None:
        """Pass rate 0 … 1, or None without lots."""
        return None if self.lots == 0 else (self.lots - self.failed) / self.lots


@dataclass(frozen=True)
class StripRow:
    """One product of the distribution chart."""

    label: str
    """The label, already in the report's language(s)."""
    values: Sequence[float]
    """(q̄ − Qn)/T of each lot (NaN skipped)."""
    failed: Sequence[bool]
    """Whether each lot failed, in the order of `values`."""
    spread: Spread | None
    """The five-number summary (None without lots)."""


def _width(text: str, font: str, size: float) -> float:
    """The width of `text` in points (reportlab has no type hints)."""
    return float(_string_width(text, font, size))


def rate_text(rate: float | None) -> str:
    """A pass rate as printed: ``96.7%``, or ``—`` without lots."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def pass_rate_bars(
    items: Sequence[BarItem],
    overall: float | None,
    width: float,
    font: str,
    lang: Lang,
    *,
    bar_height: float = 9.0,
    gap: float = 3.0,
    font_size: float = 7.0,
) -> Drawing:
    """Horizontal bars of pass rate (0–100 %), one per item, with the value and counts in a column on the right.

    Args:
        items: the bars, top to bottom.
        overall: the overall pass rate, drawn as a dashed line (None: no line).
        width: the drawing's width in points.
        font: the registered font name.
        lang: the report's language(s), for the axis and the overall line.
        bar_height: each bar's height.
        gap: the space between bars.
        font_size: the labels' size.

    Returns:
        The drawing; its height follows from the number of bars.
    """
    label_w = max((_width(i.label, font, font_size) for i in items), default=0) + 6
    value_w = _width("100.0% (000/000)", font, font_size - 0.5) + 8
    x0 = label_w
    x1 = max(x0 + 60, width - value_w)
    axis_h = 2.6 * font_size + 4
    top_pad = font_size + 6
    plot_h = len(items) * (bar_height + gap) + gap
    height = axis_h + plot_h + top_pad
    d = Drawing(width, height)
    y_axis = axis_h
    span = x1 - x0

    def x_of(rate: float) -> float:
        return x0 + span * rate

    # Grid and axis: 0 to 100 %, every 20 %.
    for k in range(6):
        x = x_of(k / 5)
        d.add(Line(x, y_axis, x, y_axis + plot_h, strokeColor=GRID, strokeWidth=0.3 if k else 0.8))
        d.add(String(x, y_axis - font_size - 2, f"{k * 20}%", fontName=font, fontSize=font_size - 0.5,
                     fillColor=MUTED, textAnchor="middle"))
    d.add(Line(x0, y_axis, x1, y_axis, strokeColor=INK, strokeWidth=0.8))
    d.add(String((x0 + x1) / 2, y_axis - 2.3 * font_size - 3, bi_text("合格率", "pass rate", lang),
                 fontName=font, fontSize=font_size - 0.5, fillColor=MUTED, textAnchor="middle"))

    for n, item in enumerate(items):
        y = y_axis + plot_h - (n + 1) * (bar_height + gap)
        mid = y + bar_height / 2 - font_size * 0.35
        d.add(String(x0 - 4, mid, item.label, fontName=font, fontSize=font_size, fillColor=INK, textAnchor="end"))
        rate = item.rate
        if rate is None:
            d.add(String(width, mid, "—", fontName=font, fontSize=font_size, fillColor=MUTED, textAnchor="end"))
            continue
        if rate > 0:
            d.add(Rect(x0, y, span * rate, bar_height, fillColor=BAR_FILL, strokeColor=INK, strokeWidth=0.4))
        # Values in their own column right of 100 %: the dashed overall line never crosses them.
        d.add(String(width, mid, f"{rate_text(rate)} ({item.lots - item.failed}/{item.lots})",
                     fontName=font, fontSize=font_size - 0.5, fillColor=INK, textAnchor="end"))

    if overall is not None:
        x = x_of(overall)
        d.add(Line(x, y_axis, x, y_axis + plot_h + 2, strokeColor=INK, strokeWidth=0.8, strokeDashArray=[3, 2]))
        label = f"{bi_text('总体', 'overall', lang, sep=' ')} {rate_text(overall)}"
        anchor = "end" if overall > 0.5 else "start"
        d.add(String(x + (-2 if anchor == "end" else 2), y_axis + plot_h + 3, label, fontName=font,
                     fontSize=font_size - 0.5, fillColor=INK, textAnchor=anchor))
    return d


def deviation_range(rows: Sequence[StripRow]) -> tuple[float, float]:
    """The x range of the distribution chart, in units of T: at least −0.5 … +0.5, in steps of 0.25, at most ±3."""
    finite = [v for r in rows for v in r.values if not math.isnan(v)]
    lo = min([-0.5, *finite])
    hi = max([0.5, *finite])
    lo = max(-3.0, math.floor(lo * 4) / 4)
    hi = min(3.0, math.ceil(hi * 4) / 4)
    return lo, hi


def deviation_strips(
    rows: Sequence[StripRow],
    width: float,
    font: str,
    lang: Lang,
    *,
    row_height: float = 20.0,
    font_size: float = 7.0,
) -> Drawing:
    """The lot mean deviations (q̄ − Qn)/T by product: every lot as a point, with a box plot behind.

    Each row is one product: the box spans the quartiles, the thick line is the median, the
    whiskers reach the smallest and largest value. Points are spread vertically by a fixed
    sequence (not at random) so that the chart is the same on every run. Values beyond ±3 T are
    drawn at the edge as a small arrow.

    Args:
        rows: one per product, top to bottom.
        width: the drawing's width in points.
        font: the registered font name.
        lang: the report's language(s).
        row_height: the height of each product's band.
        font_size: the labels' size.

    Returns:
        The drawing.
    """
    lo, hi = deviation_range(rows)
    label_w = max((_width(r.label, font, font_size) for r in rows), default=0) + 6
    count_w = _width("n = 000", font, font_size) + 10
    x0, x1 = label_w, width - count_w
    axis_h = 2.6 * font_size + 6
    legend_h = 2 * font_size + 8
    plot_h = len(rows) * row_height
    height = axis_h + plot_h + legend_h
    d = Drawing(width, height)
    y_axis = axis_h
    span = x1 - x0

    def x_of(v: float) -> float:
        return x0 + span * (min(max(v, lo), hi) - lo) / (hi - lo)

    step = 0.25 if hi - lo <= 2.5 else 0.5
    k = math.ceil(lo / step)
    while k * step <= hi + 1e-9:
        v = k * step
        x = x_of(v)
        d.add(Line(x, y_axis, x, y_axis + plot_h, strokeColor=GRID, strokeWidth=0.3))
        d.add(String(x, y_axis - font_size - 2, _tick(v), fontName=font, fontSize=font_size - 0.5, fillColor=MUTED,
                     textAnchor="middle"))
        k += 1
    d.add(Line(x0, y_axis, x1, y_axis, strokeColor=INK, strokeWidth=0.8))
    d.add(Rect(x0, y_axis, span, plot_h, fillColor=None, strokeColor=RULE, strokeWidth=0.5))
    d.add(String((x0 + x1) / 2, y_axis - 2.3 * font_size - 4,
                 bi_text("批平均偏差 (平均实际含量 − Qn)/T", "lot mean deviation (mean q − Qn)/T", lang, sep="   "),
                 fontName=font, fontSize=font_size - 0.5, fillColor=MUTED, textAnchor="middle"))
    # Qn (0) and Qn − T (−1): the references an inspector reads the chart against.
    for v, text in ((0.0, "Qn"), (-1.0, "Qn − T")):
        if lo <= v <= hi:
            x = x_of(v)
            d.add(Line(x, y_axis, x, y_axis + plot_h, strokeColor=ZERO_LINE, strokeWidth=0.9 if v == 0 else 0.6,
                       strokeDashArray=None if v == 0 else [2, 2]))
            d.add(String(x, y_axis + plot_h + 2, text, fontName=font, fontSize=font_size - 0.5, fillColor=INK,
                         textAnchor="middle"))

    for n, row in enumerate(rows):
        base = y_axis + plot_h - (n + 1) * row_height
        mid = base + row_height / 2
        if n:
            d.add(Line(x0, base + row_height, x1, base + row_height, strokeColor=GRID, strokeWidth=0.25))
        d.add(String(x0 - 4, mid - font_size * 0.35, row.label, fontName=font, fontSize=font_size, fillColor=INK,
                     textAnchor="end"))
        finite = [(v, f) for v, f in zip(row.values, row.failed, strict=True) if not math.isnan(v)]
        d.add(String(x1 + 5, mid - font_size * 0.35, f"n = {len(finite)}", fontName=font, fontSize=font_size - 0.5,
                     fillColor=MUTED))
        s = row.spread
        if s is not None:
            box_h = row_height * 0.55
            d.add(Line(x_of(s.minimum), mid, x_of(s.q1), mid, strokeColor=INK, strokeWidth=0.5))
            d.add(Line(x_of(s.q3), mid, x_of(s.maximum), mid, strokeColor=INK, strokeWidth=0.5))
            for v in (s.minimum, s.maximum):
                d.add(Line(x_of(v), mid - box_h / 3, x_of(v), mid + box_h / 3, strokeColor=INK, strokeWidth=0.5))
            d.add(Rect(x_of(s.q1), mid - box_h / 2, max(0.5, x_of(s.q3) - x_of(s.q1)), box_h, fillColor=BOX_FILL,
                       strokeColor=INK, strokeWidth=0.5))
            d.add(Line(x_of(s.median), mid - box_h / 2, x_of(s.median), mid + box_h / 2, strokeColor=INK,
                       strokeWidth=1.6))
        # One path per kind of mark and product, not one shape per lot: a programme has ~900 lots and
        # reportlab's per-shape overhead would dominate the page.
        passed = Path(fillColor=colors.white, strokeColor=PASS_MARK, strokeWidth=0.45)
        failed_marks = Path(fillColor=FAIL_MARK, strokeColor=colors.black, strokeWidth=0.3)
        beyond = Path(fillColor=INK, strokeColor=None)
        for i, (v, failed) in enumerate(finite):
            # A fixed low-discrepancy jitter (golden ratio sequence), the same on every run.
            y = mid + (((i * 0.6180339887) % 1.0) - 0.5) * row_height * 0.7
            x = x_of(v)
            if v < lo or v > hi:
                edge = -1 if v < lo else 1
                _polygon(beyond, [(x, y), (x - edge * 4, y + 2.2), (x - edge * 4, y - 2.2)])
            elif failed:
                _polygon(failed_marks, [(x, y + 2.4), (x - 2.2, y - 1.5), (x + 2.2, y - 1.5)])
            else:
                _circle(passed, x, y, 1.4)
        for path in (passed, failed_marks, beyond):
            if path.points:
                d.add(path)

    _legend(d, x0, y_axis + plot_h + legend_h - font_size - 1, font, font_size - 0.5, lang)
    return d


_KAPPA = 0.5522847498
"""Bézier control distance of a quarter circle, as a fraction of the radius."""


def _circle(path: Path, x: float, y: float, r: float) -> None:
    """Add a circle to `path` as four Bézier quarters."""
    k = r * _KAPPA
    path.moveTo(x + r, y)
    path.curveTo(x + r, y + k, x + k, y + r, x, y + r)
    path.curveTo(x - k, y + r, x - r, y + k, x - r, y)
    path.curveTo(x - r, y - k, x - k, y - r, x, y - r)
    path.curveTo(x + k, y - r, x + r, y - k, x + r, y)
    path.closePath()


def _polygon(path: Path, corners: Sequence[tuple[float, float]]) -> None:
    """Add a closed polygon to `path`."""
    (x, y), *rest = corners
    path.moveTo(x, y)
    for x, y in rest:
        path.lineTo(x, y)
    path.closePath()


def _tick(v: float) -> str:
    if abs(v) < 1e-9:
        return "0"
    text = f"{v:+.2f}".rstrip("0").rstrip(".")
    return text.replace("-", "−")


def _legend(d: Drawing, x: float, y: float, font: str, size: float, lang: Lang) -> None:
    """One line: ○ passed lot, ▲ failed lot, box = quartiles, bar = median, whiskers = min–max."""
    cy = y + size * 0.35
    d.add(Circle(x + 3, cy, 1.6, fillColor=colors.white, strokeColor=PASS_MARK, strokeWidth=0.5))
    x += 8
    text = bi_text("合格批", "lot passed", lang, sep=" ")
    d.add(String(x, y, text, fontName=font, fontSize=size, fillColor=INK))
    x += _width(text, font, size) + 12
    d.add(Polygon([x + 3, cy + 2.6, x + 0.6, cy - 1.6, x + 5.4, cy - 1.6], fillColor=FAIL_MARK, strokeColor=colors.black,
                  strokeWidth=0.3))
    x += 8
    text = bi_text("不合格批", "lot failed", lang, sep=" ")
    d.add(String(x, y, text, fontName=font, fontSize=size, fillColor=INK))
    x += _width(text, font, size) + 12
    d.add(Rect(x, cy - 3, 12, 6, fillColor=BOX_FILL, strokeColor=INK, strokeWidth=0.5))
    d.add(Line(x + 6, cy - 3, x + 6, cy + 3, strokeColor=INK, strokeWidth=1.6))
    x += 16
    text = bi_text("箱体：四分位数，粗线：中位数，须线：最小值至最大值",
                   "box: quartiles, thick line: median, whiskers: smallest to largest", lang, sep="  ")
    d.add(String(x, y, text, fontName=font, fontSize=size, fillColor=INK))


__all__ = ["BarItem", "StripRow", "deviation_range", "deviation_strips", "pass_rate_bars", "rate_text"]
