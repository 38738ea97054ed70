"""Provides the statistics of a mean sample: q̄ and s exact (as rationals), λ·s and the mean limit for display.

The values are scaled to integers before summing, so q̄ and s² are exact; the mean requirement
q̄ ≥ Qn − λ·s is decided on them by squaring both sides (`MeanStatistics.passes`), never on
rounded display values.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from fieldtool.core.quantity import decimals_of


@dataclass(frozen=True)
class MeanStatistics:
    """The statistics of the mean sample, exact and for display."""

    n: int
    """Size of the mean sample."""
    mean_exact: Fraction
    """q̄, exactly."""
    variance_exact: Fraction | None
    """s² with n − 1 in the denominator, exactly; None when n < 2."""
    lam: Decimal
    """λ from the plan row."""
    places: int
    """Decimal places used for the display values."""

    def _q(self, value: Decimal) -> Decimal:
        # quantize refuses a result longer than the context's precision: give it every digit the
        # value has before the point and the places after it (λ·s of a user's rule set can be long).
        with localcontext() as ctx:
            ctx.prec = max(ctx.prec, value.adjusted() + self.places + 2)
            return value.quantize(Decimal(1).scaleb(-self.places))

    @property
    def mean(self) -> Decimal:
        """q̄ rounded for display."""
        return self._q(_to_decimal(self.mean_exact))

    @property
    def stdev(self) -> Decimal | None:
        """s rounded for display, or None when n < 2."""
        return None if self.variance_exact is None else self._q(_sqrt(self.variance_exact))

    @property
    def lam_s(self) -> Decimal:
        """λ·s rounded for display (0 when λ = 0 or n < 2)."""
        return self._q(self._lam_s_precise())

    def limit(self, nominal: Decimal) -> Decimal:
        """The mean limit Qn − λ·s, for display."""
        return self._q(nominal - self._lam_s_precise())

    def margin(self, nominal: Decimal) -> Decimal:
        """q̄ − (Qn − λ·s), for display: negative when the mean requirement fails."""
        return self._q(_to_decimal(self.mean_exact) - nominal + self._lam_s_precise())

    def _lam_s_precise(self) -> Decimal:
        if self.variance_exact is None or self.lam == 0:
            return Decimal(0)
        return self.lam * _sqrt(self.variance_exact)

    def passes(self, nominal: Decimal) -> bool:
        """Decide q̄ ≥ Qn − λ·s exactly: (Qn − q̄)² ≤ λ²·s² when q̄ < Qn."""
        deficit = Fraction(nominal) - self.mean_exact
        if deficit <= 0:
            return True
        if self.variance_exact is None or self.lam == 0:
            return False
        return deficit * deficit <= Fraction(self.lam) ** 2 * self.variance_exact


def _to_decimal(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        return Decimal(value.numerator) / Decimal(value.denominator)


def _sqrt(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        return (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()


_SUMS: dict[tuple[Decimal, ...], tuple[int, int, int]] = {}
"""The scaled sums of the last few samples, so that a sample one package longer is summed in O(1)."""
_SUMS_KEPT = 16
_SUMS_LOCK = threading.Lock()


def _scaled_sums(values: tuple[Decimal, ...]) -> tuple[int, int, int]:
    """(k, Σm, Σm²) with m = x·10ᵏ integers, k at least the most decimals recorded.

    A sample weighed package by package is summed again after every package: the sums of the
    sample without its last value are kept, and extended by the last value (exactly: integers
    rescaled to a larger k when the new value has more decimals). Numerically equal values have
    the same scaled integers at any k where they are whole, so any kept entry gives the same exact q̄ and s².
    """
    kept = _SUMS.get(values)
    if kept is not None:
        return kept
    before = _SUMS.get(values[:-1]) if len(values) > 1 else None
    if before is not None:
        k0, total, squares = before
        last = values[-1]
        k = max(k0, decimals_of(last))
        if k > k0:
            scale = 10 ** (k - k0)
            total, squares = total * scale, squares * scale * scale
        m = int(last.scaleb(k))
        sums = (k, total + m, squares + m * m)
    else:
        k = max(decimals_of(v) for v in values)
        scaled = [int(v.scaleb(k)) for v in values]
        sums = (k, sum(scaled), sum(m * m for m in scaled))
    with _SUMS_LOCK:  # the store thread, report workers and the hub's threads share it
        _SUMS[values] = sums
        while len(_SUMS) > _SUMS_KEPT:
            del _SUMS[next(iter(_SUMS))]
    return sums


def mean_statistics(values: Sequence[Decimal], lam: Decimal, places: int) -> MeanStatistics:
    """Exact mean and sample variance (n − 1 in the denominator) of recorded values.

    The values are scaled to integers m = x·10ᵏ (k: the most decimals recorded), so the sums
    are exact integer sums: q̄ = Σm / (n·10ᵏ) and s² = (n·Σm² − (Σm)²) / (n(n − 1)·10²ᵏ).
    """
    n = len(values)
    k, total, squares = _scaled_sums(tuple(values))
    mean = Fraction(total, n * 10**k)
    variance = None
    if n >= 2:
        variance = Fraction(n * squares - total * total, n * (n - 1) * 10 ** (2 * k))
    return MeanStatistics(n=n, mean_exact=mean, variance_exact=variance, lam=lam, places=places)
