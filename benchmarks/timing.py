"""Provides what the benchmark scripts share to time a call: the median wall time of repeated calls.

Imported by the scripts as ``from timing import median_time`` (a script's own directory is first
on the path when it runs as ``python benchmarks/bench_<name>.py``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def median_time(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    """The median wall time of `repeat` calls, and the last result."""
    times: list[float] = []
    result: T
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result
