"""Provides tare methods and the acceptance check for an average tare (net-content-rules.md §6)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from fieldtool.core.quantity import decimals_of
from fieldtool.core.rules import TareSettings
from fieldtool.core.statistics import mean_statistics


class TareMethod(enum.StrEnum):
    """How the net quantity of each package is obtained."""

    INDIVIDUAL = "individual"
    """Each package weighed full, then its emptied, cleaned, dried packaging."""
    AVERAGE = "average"
    """The mean of a tare sample of empty packagings is taken from every gross weight."""
    NET = "net"
    """The net quantity is measured directly (volume, length, count, or net weighing)."""


@dataclass(frozen=True)
class AverageTareAssessment:
    """Whether an average tare may be used, with the numbers that decided it."""

    n: int
    """Size of the tare sample."""
    mean: Decimal
    """Mean tare, in the lot's unit (rounded for display and for use: data decimals + 3)."""
    stdev: Decimal | None
    """s of the tare sample; None when n < 2."""
    limit: Decimal
    """The largest s allowed: fraction × T."""
    min_sample: int
    """The smallest tare sample allowed."""
    accepted: bool
    """True when the average tare may be used; otherwise individual tare is required."""
    problem: str
    """Why it was refused (empty when accepted), in one line."""


def assess_average_tare(weights: Sequence[Decimal], tne: Decimal, settings: TareSettings) -> AverageTareAssessment:
    """Check a tare sample against the rule set: enough packagings and s ≤ fraction × T.

    Args:
        weights: the empty packagings' weights, in the lot's unit.
        tne: T in the lot's unit.
        settings: the rule set's tare settings.

    Returns:
        The assessment; when it is not accepted, `problem` says why and individual tare is required.
    """
    limit = settings.max_stdev_fraction_of_tne * tne
    if not weights:
        return AverageTareAssessment(0, Decimal(0), None, limit, settings.min_sample, False, "no tare weighed yet")
    places = max(decimals_of(w) for w in weights) + 3
    stats = mean_statistics(weights, Decimal(0), places)
    stdev = stats.stdev
    problem = ""
    if len(weights) < settings.min_sample:
        problem = f"average tare needs at least {settings.min_sample} empty packagings; got {len(weights)}"
    elif stats.variance_exact is not None and stats.variance_exact > (limit * limit):
        problem = (
            f"tare sample s = {stdev} exceeds {settings.max_stdev_fraction_of_tne} × T = {limit}; "
            "use individual tare"
        )
    return AverageTareAssessment(
        n=len(weights),
        mean=stats.mean,
        stdev=stdev,
        limit=limit,
        min_sample=settings.min_sample,
        accepted=not problem,
        problem=problem,
    )
