"""Provides the suitability check of a weighing instrument against the product's TNE (rules §5)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fieldtool.core.rules import InstrumentSettings


@dataclass(frozen=True)
class Suitability:
    """Whether an instrument is fine enough for a product."""

    error: Decimal
    """The instrument error used for the check."""
    basis: str
    """Which figure `error` is: ``MPE``, ``e`` or ``d`` (the first one known, in that order)."""
    fraction: Decimal
    """The rule set's fraction of T (0.2, i.e. T/5, in the shipped rule sets)."""
    limit: Decimal
    """The largest error allowed: fraction × T."""
    suitable: bool
    """True when error ≤ limit."""

    def warning(self, unit: str) -> str:
        """The warning to show before the first weighing, or an empty string when suitable."""
        if self.suitable:
            return ""
        return (
            f"balance {self.basis} = {self.error} {unit} exceeds {self.fraction} × T = {self.limit} {unit}; "
            "use a finer balance for this product"
        )


def check_instrument(
    tne: Decimal,
    settings: InstrumentSettings,
    mpe: Decimal | None = None,
    e: Decimal | None = None,
    d: Decimal | None = None,
) -> Suitability | None:
    """Check an instrument's error against fraction × T.

    Args:
        tne: T, in the same unit as the instrument figures.
        settings: the rule set's instrument settings.
        mpe: maximum permissible error at the load, if known (preferred).
        e: verification scale interval, if known.
        d: actual scale interval, if known.

    Returns:
        The suitability, or None when no figure of the instrument is known.
    """
    for basis, value in (("MPE", mpe), ("e", e), ("d", d)):
        if value is not None:
            limit = settings.max_error_fraction_of_tne * tne
            return Suitability(
                error=value,
                basis=basis,
                fraction=settings.max_error_fraction_of_tne,
                limit=limit,
                suitable=value <= limit,
            )
    return None
