"""Provides the statistics of a programme summary: lot mean deviations (q̄ − Qn)/T and their spread per group.

A programme holds lots of many nominal quantities, units and sample sizes; this module takes them
all at once as one flat array of recorded values with their lot boundaries. Sums are exact (int64
on one decimal scale for the whole programme); only the final division by n·T is a float, because
the result is a dimensionless figure for a chart and a table, never a verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from fieldtool.core.quantity import decimals_of
from fieldtool.errors import InputError

FloatArray = npt.NDArray[np.float64]

_MAX_SCALED = 2**62
"""The largest scaled sum allowed in int64 (a margin below 2**63)."""


@dataclass(frozen=True)
class LotMeans:
    """What one lot contributes: the values of its mean sample, Qn and T, all in the lot's unit."""

    nets: Sequence[Decimal]
    """The net quantities of the mean sample, exactly as recorded."""
    nominal: Decimal
    """Qn."""
    tne: Decimal
    """T (0 for short lengths and small counts: the deviation is then undefined, NaN)."""


def lot_mean_deviations(lots: Sequence[LotMeans]) -> FloatArray:
    """(q̄ − Qn)/T for every lot at once.

    Args:
        lots: one entry per lot, each with at least one net quantity.

    Returns:
        One float per lot, in order: negative when the mean lies below Qn; NaN where T = 0.

    Raises:
        InputError: a lot has no net quantities, or a value is not finite or too large.
    """
    if not lots:
        return np.zeros(0, dtype=np.float64)
    places = 0
    for i, lot in enumerate(lots):
        if not lot.nets:
            raise InputError(f"lot {i + 1} of the summary has no net quantities")
        for v in (*lot.nets, lot.nominal, lot.tne):
            if not v.is_finite():
                raise InputError(f"value {v} of lot {i + 1} is not a finite number")
        places = max(places, decimals_of(lot.nominal), decimals_of(lot.tne), *(decimals_of(v) for v in lot.nets))
    # One decimal scale for the whole programme, so every value, Qn and T is an exact integer.
    counts = np.fromiter((len(lot.nets) for lot in lots), dtype=np.int64, count=len(lots))
    flat = [int(v.scaleb(places)) for lot in lots for v in lot.nets]
    if max(abs(x) for x in flat) * int(counts.max()) >= _MAX_SCALED:
        raise InputError(f"net quantities too large to sum exactly at {places} decimal places")
    values = np.array(flat, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sums = np.add.reduceat(values, starts)
    nominal = np.array([int(lot.nominal.scaleb(places)) for lot in lots], dtype=np.int64)
    tne = np.array([int(lot.tne.scaleb(places)) for lot in lots], dtype=np.int64)
    excess = sums - counts * nominal  # Σq − n·Qn, exact
    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = excess.astype(np.float64) / (counts * tne).astype(np.float64)
    deviation[tne == 0] = np.nan
    return np.asarray(deviation, dtype=np.float64)


@dataclass(frozen=True)
class Spread:
    """The five-number summary of a group of values (NaNs left out), for a box plot."""

    count: int
    """How many values (NaNs not counted)."""
    minimum: float
    """The smallest value."""
    q1: float
    """The first quartile (linear interpolation, numpy's default)."""
    median: float
    """The median."""
    q3: float
    """The third quartile."""
    maximum: float
    """The largest value."""
    mean: float
    """The arithmetic mean."""


def group_spreads(values: npt.ArrayLike, groups: npt.ArrayLike, n_groups: int) -> list[Spread | None]:
    """The five-number summary of the values of each group.

    Args:
        values: one float per lot (NaNs are left out).
        groups: the group index (0 … n_groups − 1) of each value.
        n_groups: the number of groups.

    Returns:
        One `Spread` per group, in group order; None for a group without values.
    """
    v = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups, dtype=np.intp)
    keep = ~np.isnan(v)
    v, g = v[keep], g[keep]
    order = np.argsort(g, kind="stable")
    v, g = v[order], g[order]
    bounds = np.searchsorted(g, np.arange(n_groups + 1))
    out: list[Spread | None] = []
    for k in range(n_groups):
        part = v[bounds[k] : bounds[k + 1]]
        if part.size == 0:
            out.append(None)
            continue
        q1, median, q3 = np.quantile(part, [0.25, 0.5, 0.75])
        out.append(Spread(count=int(part.size), minimum=float(part.min()), q1=float(q1), median=float(median),
                          q3=float(q3), maximum=float(part.max()), mean=float(part.mean())))
    return out


__all__ = ["LotMeans", "Spread", "group_spreads", "lot_mean_deviations"]
