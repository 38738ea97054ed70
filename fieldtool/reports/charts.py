"""Provides the lot report's chart: the net quantities of a sample against Qn, Qn − T, Qn − 2T and the mean limit.

Drawn with ``reportlab.graphics`` (a ``Drawing`` is a flowable), in the report's font, printable in
black and white: packages are marked by shape as well as colour (● within T, ■ T1, ◆ T2), and
each limit is a labelled horizontal line (labels are moved apart when two limits lie close).

API: ``ChartLine(value, label, color=..., dash=None, width=0.8)``;
``net_quantity_chart(values, lines, *, classes=None, width, height, font_name, unit, x_label,
y_label) -> Drawing`` (any values and lines); ``lot_chart(nets, classes, *, nominal, tne,
mean_limit, mean, unit, width, height, font_name, lang) -> Drawing`` (the lot report's lines).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.colors import Color

from fieldtool.reports.document import T1_HEX, T2_HEX, Lang, bi_text

OK_INK = colors.HexColor("#37474F")
T1_INK = colors.HexColor(T1_HEX)
T2_INK = colors.HexColor(T2_HEX)
AXIS_INK = colors.HexColor("#222222")
GRID_INK = colors.HexColor("#DDDDDD")


@dataclass(frozen=True)
class ChartLine:
    """A horizontal reference line with its label (drawn right of the plot)."""

    value: Decimal
    """Where the line is, in the chart's unit."""
    label: str
    """Its label, e.g. ``Qn − T = 491 g``."""
    color: Color = AXIS_INK
    """Line and label colour."""
    dash: tuple[float, ...] | None = None
    """Dash pattern, or None for a solid line."""
    width: float = 0.8
    """Line width in points."""


def _nice_step(span: float, target: int = 6) -> float:
    """A 1-2-5 step that cuts ``span`` into about ``target`` intervals."""
    if span <= 0:
        return 1.0
    raw = span / target
    power = float(10.0 ** math.floor(math.log10(raw)))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= m * power:
            return m * power
    return 10.0 * power


def _tick_text(value: float, step: float) -> str:
    places = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    if step < 1 and round(step * 10**places) % 10 == 5 and places < 6:
        places += 1
    text = f"{value:.{places}f}"
    return "0" if text in ("-0", "-0.0") else text


def net_quantity_chart(
    values: Sequence[Decimal],
    lines: Sequence[ChartLine],
    *,
    classes: Sequence[str] | None = None,
    width: float = 480,
    height: float = 200,
    font_name: str = "Helvetica",
    unit: str = "",
    x_label: str = "",
    y_label: str = "",
) -> Drawing:
    """A scatter of ``values`` (x: 1 … n) with labelled horizontal reference lines.

    Args:
        values: the quantities, in plotting order.
        lines: reference lines (any number; labels are spread so they never overlap).
        classes: per value ``"ok"``, ``"T1"`` or ``"T2"`` (marker shape and colour); all ok when None.
        width: drawing width in points.
        height: drawing height in points.
        font_name: a registered font (the report's CJK font for Chinese labels).
        unit: the unit shown on the y axis.
        x_label: caption of the x axis.
        y_label: caption of the y axis (the unit is appended).

    Returns:
        The drawing; everything lies inside ``width`` × ``height``.
    """
    d = Drawing(width, height)
    label_w = min(150.0, max(90.0, 4.3 * max((len(line.label) for line in lines), default=10)))
    left, right, bottom, top = 46.0, width - label_w - 6, 26.0, height - 16
    d.add(Rect(0, 0, width, height, strokeColor=None, fillColor=colors.white))
    ys = [float(v) for v in values] + [float(line.value) for line in lines]
    lo, hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step

    def y_of(v: float) -> float:
        return bottom + (v - lo) / (hi - lo) * (top - bottom)

    n = max(1, len(values))

    def x_of(i: int) -> float:
        return left + 6 + (i - 1) / max(1, n - 1) * (right - left - 12) if n > 1 else (left + right) / 2

    # grid and y ticks
    k = 0
    while lo + k * step <= hi + step * 1e-9:
        v = lo + k * step
        y = y_of(v)
        d.add(Line(left, y, right, y, strokeColor=GRID_INK, strokeWidth=0.4))
        d.add(String(left - 3, y - 2.5, _tick_text(v, step), fontName=font_name, fontSize=6.5,
                     textAnchor="end", fillColor=AXIS_INK))
        k += 1
    # x ticks
    xstep = max(1, int(_nice_step(n, 10)))
    ticks = [1] + [i for i in range(xstep, n + 1, xstep) if i != 1]
    for i in ticks:
        x = x_of(i)
        d.add(Line(x, bottom, x, bottom - 2.5, strokeColor=AXIS_INK, strokeWidth=0.5))
        d.add(String(x, bottom - 10, str(i), fontName=font_name, fontSize=6.5, textAnchor="middle", fillColor=AXIS_INK))
    d.add(Rect(left, bottom, right - left, top - bottom, strokeColor=AXIS_INK, strokeWidth=0.7, fillColor=None))
    if x_label:
        d.add(String((left + right) / 2, 3, x_label, fontName=font_name, fontSize=7, textAnchor="middle",
                     fillColor=AXIS_INK))
    if y_label or unit:
        caption = f"{y_label} ({unit})" if y_label and unit else (y_label or unit)
        d.add(String(left - 40, top + 7, caption, fontName=font_name, fontSize=7, fillColor=AXIS_INK))

    # reference lines, labels spread apart (at least 8.5 pt) and kept inside the plot's height
    placed: list[tuple[float, ChartLine]] = sorted(((y_of(float(line.value)), line) for line in lines),
                                                   key=lambda p: p[0])
    gap = 8.5
    label_ys = [y for y, _ in placed]
    for i in range(1, len(label_ys)):
        label_ys[i] = max(label_ys[i], label_ys[i - 1] + gap)
    overflow = (label_ys[-1] - (top - 2)) if label_ys else 0
    if overflow > 0:
        label_ys = [y - overflow for y in label_ys]
        for i in range(len(label_ys) - 2, -1, -1):
            label_ys[i] = min(label_ys[i], label_ys[i + 1] - gap)
    for (y, line), ly in zip(placed, label_ys, strict=True):
        d.add(Line(left, y, right, y, strokeColor=line.color, strokeWidth=line.width,
                   strokeDashArray=list(line.dash) if line.dash else None))
        d.add(Line(right, y, right + 4, ly, strokeColor=line.color, strokeWidth=0.5))
        d.add(String(right + 6, ly - 2.3, line.label, fontName=font_name, fontSize=6.8, fillColor=line.color))

    # the packages
    r = 2.0 if n <= 60 else 1.6
    for i, value in enumerate(values, start=1):
        x, y = x_of(i), y_of(float(value))
        cls = classes[i - 1] if classes is not None else "ok"
        if cls == "T2":
            d.add(Polygon([x, y + r * 1.7, x + r * 1.7, y, x, y - r * 1.7, x - r * 1.7, y],
                          fillColor=T2_INK, strokeColor=T2_INK, strokeWidth=0.3))
        elif cls == "T1":
            d.add(Rect(x - r * 1.2, y - r * 1.2, r * 2.4, r * 2.4, fillColor=T1_INK, strokeColor=T1_INK,
                       strokeWidth=0.3))
        else:
            d.add(Circle(x, y, r, fillColor=OK_INK, strokeColor=None))
    return d


def _num(value: Decimal) -> str:
    """A value as written, without exponent."""
    return format(value, "f")


def lot_chart(
    nets: Sequence[Decimal],
    classes: Sequence[str],
    *,
    nominal: Decimal,
    tne: Decimal,
    mean_limit: Decimal | None,
    mean: Decimal | None,
    unit: str,
    width: float,
    height: float = 190,
    font_name: str,
    lang: Lang = "both",
) -> Drawing:
    """The lot report's chart: each package's net quantity against Qn, Qn − T, Qn − 2T and the mean limit.

    Args:
        nets: the net quantities in weighing order.
        classes: ``"ok"``, ``"T1"`` or ``"T2"`` for each.
        nominal: Qn.
        tne: T.
        mean_limit: Qn − λ·s, when the plan has a mean test.
        mean: q̄, when known (drawn as a thin line).
        unit: the lot's unit.
        width: drawing width in points.
        height: drawing height in points.
        font_name: the report's font.
        lang: label language(s).
    """
    lines = [
        ChartLine(nominal, f"Qn = {_num(nominal)} {unit}", AXIS_INK, None, 1.0),
        ChartLine(nominal - tne, f"Qn − T = {_num(nominal - tne)} {unit}", T1_INK, (4, 2), 0.9),
        ChartLine(nominal - 2 * tne, f"Qn − 2T = {_num(nominal - 2 * tne)} {unit}", T2_INK, (1.5, 1.5), 0.9),
    ]
    if mean_limit is not None:
        lines.append(ChartLine(mean_limit, f"{bi_text('均值限', 'mean limit', lang, ' ')} = {_num(mean_limit)} {unit}",
                               colors.HexColor("#1565C0"), (6, 2, 1, 2), 0.9))
    if mean is not None:
        lines.append(ChartLine(mean, f"{bi_text('平均值', 'mean', lang, ' ')} = {_num(mean)} {unit}",
                               colors.HexColor("#2E7D32"), None, 0.6))
    return net_quantity_chart(
        nets, lines, classes=classes, width=width, height=height, font_name=font_name, unit=unit,
        x_label=bi_text("样本单位序号", "package number", lang, " / "),
        y_label=bi_text("净含量", "net quantity", lang, " / "),
    )
