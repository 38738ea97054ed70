"""Provides the draw of a sample from a lot (JJF 1070-2005 annex A): which packages to pull.

The draw is reproducible from its seed, which is stored with the inspection, so the positions
can be shown again later (in the report, or to the inspected company).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fieldtool.errors import InputError


@dataclass(frozen=True)
class Draw:
    """The package positions (1 … N) to pull, stage by stage."""

    lot_size: int
    """N."""
    seed: int
    """The seed the draw was made from."""
    method: str
    """``simple-random`` or ``systematic``."""
    stages: tuple[tuple[int, ...], ...]
    """Positions of each stage's packages, sorted within a stage; stages never share a position."""

    @property
    def positions(self) -> tuple[int, ...]:
        """Every position drawn, stage after stage."""
        return tuple(p for stage in self.stages for p in stage)


def draw_sample(lot_size: int, cumulative: tuple[int, ...], seed: int, method: str = "simple-random") -> Draw:
    """Draw the positions of a sample from a lot of `lot_size` packages numbered 1 … N.

    Args:
        lot_size: N.
        cumulative: the plan's cumulative sample sizes (one entry for a single plan).
        seed: the seed; the same seed gives the same draw.
        method: ``simple-random`` (简单随机: every set of positions equally likely) or
            ``systematic`` (等距: every k-th package from a random start, k = N // n).

    Raises:
        InputError: the sample is larger than the lot, or the method is unknown.
    """
    total = cumulative[-1]
    if total > lot_size or total < 1:
        raise InputError(f"cannot draw {total} packages from a lot of {lot_size}")
    rng = random.Random(seed)
    if method == "simple-random":
        picked = rng.sample(range(1, lot_size + 1), total)
    elif method == "systematic":
        step = lot_size // total
        start = rng.randrange(1, step + 1)
        picked = [start + i * step for i in range(total)]
        # Later stages come from the same sequence: interleave them so each stage spreads over the lot.
        if len(cumulative) > 1:
            rng.shuffle(picked)
    else:
        raise InputError(f"unknown sampling method {method!r}; use simple-random or systematic")
    stages: list[tuple[int, ...]] = []
    begin = 0
    for end in cumulative:
        stages.append(tuple(sorted(picked[begin:end])))
        begin = end
    return Draw(lot_size=lot_size, seed=seed, method=method, stages=tuple(stages))
