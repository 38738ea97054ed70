"""Provides the numpy side of fieldtool: lot statistics and vectorised evaluation of many lots.

This is the only package that imports numpy; `core` stays on the standard library, and every
verdict here equals the one `core.evaluate.evaluate_lot` gives.
"""

from fieldtool.stats.vectorised import (
    OUTCOME_FAIL,
    OUTCOME_PASS,
    OUTCOME_SECOND_SAMPLE,
    OUTCOMES,
    STATUS_FAIL,
    STATUS_PASS,
    STATUS_PENDING,
    STATUSES,
    LotGroup,
    LotsResult,
    evaluate_lots,
    evaluate_many,
    to_scaled,
)

__all__ = [
    "OUTCOMES",
    "OUTCOME_FAIL",
    "OUTCOME_PASS",
    "OUTCOME_SECOND_SAMPLE",
    "STATUSES",
    "STATUS_FAIL",
    "STATUS_PASS",
    "STATUS_PENDING",
    "LotGroup",
    "LotsResult",
    "evaluate_lots",
    "evaluate_many",
    "to_scaled",
]
