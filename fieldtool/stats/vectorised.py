"""Provides vectorised evaluation: the verdicts on many lots at once, equal to `core.evaluate.evaluate_lot`.

A programme summary or a re-evaluation judges thousands of lots that share a rule set, a nominal
quantity, a unit and a lot size; `evaluate_lots` judges them as one (lots × packages) array.

Exactness: net quantities are held as int64 integers scaled by 10**decimals, so the T and 2T
classification is exact, as in the scalar engine. The mean requirement q̄ ≥ Qn − λ·s is decided
exactly where it can be (q̄ ≥ Qn from an integer sum; λ = 0) and otherwise in float64 on the
squared form (Qn − q̄)² ≤ λ²·s²; a lot whose two sides lie within a tiny relative band of each other
is re-decided by the scalar engine's own exact arithmetic (`core.statistics.mean_statistics`, on
fractions). The float error of the centred two-pass variance is many orders of magnitude below
that band, so no verdict depends on float rounding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from fieldtool.core.evaluate import (
    LotSetup,
    Outcome,
    PackageClass,
    Status,
    is_defective,
    sample_size_message,
    set_up_lot,
)
from fieldtool.core.quantity import Unit, decimals_of
from fieldtool.core.rules import RuleSet
from fieldtool.core.statistics import mean_statistics
from fieldtool.errors import InputError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int8]

OUTCOME_PASS = 0
"""Outcome code of a lot that passes."""
OUTCOME_FAIL = 1
"""Outcome code of a lot that fails."""
OUTCOME_SECOND_SAMPLE = 2
"""Outcome code of a lot whose first sample leaves the defectives count undecided."""
OUTCOMES: tuple[Outcome, ...] = (Outcome.PASS, Outcome.FAIL, Outcome.SECOND_SAMPLE_NEEDED)
"""The `Outcome` of each code: ``OUTCOMES[code]``."""

STATUS_PASS = 0
"""Status code of a criterion that passes."""
STATUS_FAIL = 1
"""Status code of a criterion that fails."""
STATUS_PENDING = 2
"""Status code of a defectives criterion left undecided by the first sample."""
STATUSES: tuple[Status, ...] = (Status.PASS, Status.FAIL, Status.PENDING)
"""The `Status` of each code: ``STATUSES[code]``."""

EXACT_BAND = 1e-9
"""Relative band around the mean limit inside which a lot is re-decided exactly.

Both sides of (Qn − q̄)² ≤ λ²·s² are computed from deviations q − Qn that are exact integers with an
exact integer sum, so the float64 error of each side is at most about (m + 3)·2⁻⁵² of the larger
side for a mean sample of m (the centred variance's error from the rounded mean is of order
2⁻¹⁰⁶·(Qn − q̄)²): under 1e-12 for m ≤ 4000, a thousand times inside the band.
"""

_CHUNK_ROWS = 4096
"""Lots processed per block: keeps the temporaries small and in cache (peak memory ≈ input + a few MB)."""

_CLASSES = (PackageClass.OK, PackageClass.T1, PackageClass.T2)
"""Package classes in the order of the class codes used here (0 = OK, 1 = T1, 2 = T2)."""


@dataclass(frozen=True, eq=False)
class LotsResult(LotSetup):
    """The verdicts on many lots that share a rule set, nominal quantity, unit, lot size and sample size.

    Arrays have one entry per lot, in the order of the rows of the input. Display values
    (`mean`, `stdev`, `limit`, `margin`) are float64 in the lot's unit; the decisions behind
    `mean_ok` and `outcome` are exact. The set-up (rule set, variant, Qn, unit, plan row, T) is
    the lots' common one.
    """

    stage: int
    """How many stages of the plan each lot's sample covers (1, or 2 with the second sample)."""
    sample_size: int
    """Packages per lot (the number of columns of the input)."""
    decimals: int
    """The decimal places of the int64 scale used internally (at least those of the input, Qn and T)."""
    has_defectives_test: bool
    """Whether the plan row has a defectives criterion (the EU rows for lots under 100 have none)."""
    has_mean_test: bool
    """Whether the plan row has a mean test (JJF 1070 lots of 1 to 10 have none)."""
    t1_count: IntArray
    """Packages with T < d ≤ 2T, over the whole sample."""
    t2_count: IntArray
    """Packages with d > 2T, over the whole sample."""
    defectives: IntArray
    """The defectives count of the rule set's `defective_rule`, over the whole sample (cumulative at stage 2)."""
    defectives_status: CodeArray
    """The defectives criterion at `stage`: a STATUS_* code (STATUS_PASS when the row has no such criterion)."""
    t2_ok: BoolArray
    """Whether the T2 count is within the allowed number."""
    mean: FloatArray
    """q̄ of the mean sample (NaN when there is no mean test)."""
    stdev: FloatArray
    """s of the mean sample, n − 1 in the denominator (NaN when there is no mean test or n < 2)."""
    limit: FloatArray
    """The mean limit Qn − λ·s (NaN when there is no mean test)."""
    margin: FloatArray
    """q̄ − (Qn − λ·s): negative when the mean requirement fails (NaN when there is no mean test)."""
    mean_ok: BoolArray
    """Whether the mean requirement holds, decided exactly (True when there is no mean test)."""
    decided_exactly: BoolArray
    """Lots whose mean requirement lay so close to its limit that it was re-decided with fractions."""
    outcome: CodeArray
    """The verdict: an OUTCOME_* code; ``OUTCOMES[code]`` is the `Outcome`."""

    @property
    def lots(self) -> int:
        """The number of lots judged."""
        return int(self.outcome.shape[0])

    def outcome_of(self, index: int) -> Outcome:
        """The verdict on one lot as an `Outcome`."""
        return OUTCOMES[int(self.outcome[index])]

    def counts(self) -> dict[Outcome, int]:
        """How many lots had each outcome."""
        tally = np.bincount(self.outcome.astype(np.intp), minlength=len(OUTCOMES))
        return {o: int(tally[i]) for i, o in enumerate(OUTCOMES)}


@dataclass(frozen=True, eq=False)
class LotGroup:
    """Lots that share a nominal quantity, unit, lot size and sample size: one call of `evaluate_lots`."""

    nominal: Decimal
    """Qn in `unit`."""
    unit: Unit
    """The unit of Qn and of the net quantities."""
    lot_size: int
    """N, shared by every lot of the group."""
    nets: npt.NDArray[np.int64] | npt.NDArray[np.float64]
    """Net quantities, lots × packages: int64 scaled by 10**decimals, or float64 in `unit`."""
    decimals: int
    """Decimal places of the recorded values."""
    variant: str = "standard"
    """The sampling plan variant."""


def to_scaled(rows: Sequence[Sequence[Decimal]]) -> tuple[IntArray, int]:
    """Convert recorded decimal values to an exact int64 array for `evaluate_lots`.

    Args:
        rows: one sequence of net quantities per lot, every lot of the same length.

    Returns:
        The lots × packages array scaled by 10**decimals, and decimals (the most decimal places
        of any value).

    Raises:
        InputError: the lots differ in length or a value is not finite.
    """
    lengths = {len(r) for r in rows}
    if len(lengths) > 1:
        raise InputError(f"every lot of a group needs the same number of packages; got {sorted(lengths)}")
    for row in rows:
        for v in row:
            if not v.is_finite():
                raise InputError(f"net quantity {v} is not a finite number")
    decimals = max((decimals_of(v) for row in rows for v in row), default=0)
    width = lengths.pop() if lengths else 0
    ints = [[int(v.scaleb(decimals)) for v in row] for row in rows]
    if any(abs(m) >= 2**63 for row in ints for m in row):
        raise InputError(f"net quantities with {decimals} decimal places are too large to judge together")
    return np.array(ints, dtype=np.int64).reshape(len(rows), width), decimals


def evaluate_lots(
    rules: RuleSet,
    nominal: Decimal,
    unit: Unit,
    lot_size: int,
    nets: npt.ArrayLike,
    decimals: int,
    variant: str = "standard",
) -> LotsResult:
    """Judge many lots at once, with the verdict `evaluate_lot` gives each of them.

    Args:
        rules: the rule set.
        nominal: Qn in `unit`.
        unit: the unit of `nominal` and of every net quantity.
        lot_size: N, shared by every lot.
        nets: net quantities in weighing order, one row per lot (lots × packages). Integer
            arrays are taken as the recorded values scaled by 10**decimals (exact); float arrays
            as values in `unit`, which must lie on the grid of `decimals` places. Every row has
            the first-stage sample size, or for a multi-stage plan the cumulative size after the
            second sample.
        decimals: decimal places of the recorded values (0 ≤ decimals ≤ 15).
        variant: the sampling plan variant.

    Returns:
        The per-lot counts, statistics, criteria and verdicts.

    Raises:
        OutOfScopeError: the rule set does not cover this nominal quantity or lot size.
        InputError: Qn is not positive; the number of columns is not a sample size of the plan;
            a value is not finite, not on the grid of `decimals` places or absurdly large; or a
            lot given with its second sample was already decided by its first (as `evaluate_lot`).
    """
    lot = set_up_lot(rules, nominal, unit, lot_size, variant)
    plan, t = lot.plan, lot.tne
    array = np.asarray(nets)
    if array.ndim != 2:
        raise InputError(f"net quantities must be a lots × packages array; got {array.ndim} dimension(s)")
    lots, width = array.shape
    if width not in plan.cumulative:
        raise InputError(sample_size_message(rules, plan, width))
    if not 0 <= decimals <= 15:
        raise InputError(f"decimals must be from 0 to 15; got {decimals}")
    stage = plan.cumulative.index(width) + 1

    # One integer scale for the values, Qn and T, so that every classification is an integer comparison.
    places = max(decimals, decimals_of(nominal), decimals_of(t))
    qn_s = _scaled_constant(nominal, places)
    t_s = _scaled_constant(t, places)
    bound = 2**52 // max(width, 1)
    if abs(qn_s) >= bound or 2 * t_s >= bound:
        raise InputError(f"nominal quantity {nominal} {unit.symbol} is too large for {places} decimal places")

    row = plan.row
    lam = row.lam
    mean_n = plan.mean_n if lam is not None else None
    lam_f = float(lam) if lam is not None else 0.0
    defective_weight = np.array([is_defective(c, rules.defective_rule) for c in _CLASSES], dtype=np.int64)

    t1_count = np.zeros(lots, dtype=np.int64)
    t2_count = np.zeros(lots, dtype=np.int64)
    stage_counts = np.zeros((len(plan.cumulative), lots), dtype=np.int64)
    mean_dev = np.full(lots, np.nan)
    var_dev = np.full(lots, np.nan)
    mean_ok = np.ones(lots, dtype=np.bool_)
    decided_exactly = np.zeros(lots, dtype=np.bool_)

    for start in range(0, lots, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, lots)
        q = _to_int_block(array[start:stop], decimals, places, bound, start)
        short = qn_s - q  # d = Qn − q, exact
        beyond_t = short > t_s
        beyond_2t = short > 2 * t_s
        # Class counts at each stage's cumulative size; the defectives count weights them by the rule set.
        for i, size in enumerate(plan.cumulative[:stage]):
            n_beyond_t = beyond_t[:, :size].sum(axis=1, dtype=np.int64)
            n_t2 = beyond_2t[:, :size].sum(axis=1, dtype=np.int64)
            stage_counts[i, start:stop] = defective_weight[1] * (n_beyond_t - n_t2) + defective_weight[2] * n_t2
            if i + 1 == stage:
                t1_count[start:stop] = n_beyond_t - n_t2
                t2_count[start:stop] = n_t2
        if mean_n is not None:
            mean_dev[start:stop], var_dev[start:stop], mean_ok[start:stop], decided_exactly[start:stop] = _mean_block(
                q[:, :mean_n], qn_s, lam_f, nominal, places, lam
            )

    defectives_status = np.full(lots, STATUS_PASS, dtype=np.int8)
    if row.stages:
        for i in range(stage):
            st = row.stages[i]
            count = stage_counts[i]
            status = np.where(
                count <= st.accept, STATUS_PASS, np.where(count >= st.reject, STATUS_FAIL, STATUS_PENDING)
            )
            if i + 1 < stage:
                decided = np.flatnonzero(status != STATUS_PENDING)
                if decided.size:
                    raise InputError(
                        f"{rules.id}: the first sample of {plan.cumulative[i]} already decides "
                        f"{decided.size} lot(s) (rows {_some(decided)}; accept ≤ {st.accept}, reject ≥ {st.reject}); "
                        f"give only their first {plan.cumulative[i]} packages"
                    )
            else:
                defectives_status = status.astype(np.int8)
    defectives = stage_counts[stage - 1]
    t2_ok = t2_count <= row.t2_allowed

    failed = (defectives_status == STATUS_FAIL) | ~t2_ok | ~mean_ok
    pending = defectives_status == STATUS_PENDING
    outcome = np.where(failed, OUTCOME_FAIL, np.where(pending, OUTCOME_SECOND_SAMPLE, OUTCOME_PASS)).astype(np.int8)

    scale = 10.0**places
    qn_f = float(nominal)
    sd_dev = np.sqrt(var_dev)
    lam_sd = np.zeros(lots) if lam_f == 0.0 else lam_f * sd_dev  # λ = 0: limit Qn, as the scalar engine
    mean = qn_f + mean_dev / scale
    limit = qn_f - lam_sd / scale
    margin = (mean_dev + lam_sd) / scale
    if mean_n is None:
        limit[:] = np.nan
        margin[:] = np.nan

    return LotsResult(
        **lot.setup_fields(),
        stage=stage,
        sample_size=width,
        decimals=places,
        has_defectives_test=bool(row.stages),
        has_mean_test=mean_n is not None,
        t1_count=t1_count,
        t2_count=t2_count,
        defectives=defectives,
        defectives_status=defectives_status,
        t2_ok=t2_ok,
        mean=mean,
        stdev=sd_dev / scale,
        limit=limit,
        margin=margin,
        mean_ok=mean_ok,
        decided_exactly=decided_exactly,
        outcome=outcome,
    )


def evaluate_many(rules: RuleSet, groups: Iterable[LotGroup]) -> list[LotsResult]:
    """Judge several groups of lots (for example a programme summary grouped by Qn, unit and N).

    Returns:
        One result per group, in order.

    Raises:
        OutOfScopeError, InputError: as `evaluate_lots`, for the first group that cannot be judged.
    """
    return [evaluate_lots(rules, g.nominal, g.unit, g.lot_size, g.nets, g.decimals, g.variant) for g in groups]


def _scaled_constant(value: Decimal, places: int) -> int:
    scaled = value.scaleb(places)
    assert scaled == scaled.to_integral_value(), "places covers the value's decimals"
    return int(scaled)


def _some(rows: npt.NDArray[np.intp]) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:5])
    return shown + (", ..." if rows.size > 5 else "")


def _to_int_block(block: npt.NDArray[np.generic], decimals: int, places: int, bound: int, offset: int) -> IntArray:
    """One block of lots as int64 values scaled by 10**places, checked for range and (floats) for the grid."""
    if np.issubdtype(block.dtype, np.integer):
        q = block.astype(np.int64, copy=False)
        if q.size and int(np.abs(q).max()) >= bound // 10 ** (places - decimals):
            raise InputError(f"a net quantity in lots {offset}–{offset + len(q) - 1} is too large")
    elif np.issubdtype(block.dtype, np.floating):
        values = block.astype(np.float64, copy=False)
        if not np.isfinite(values).all():
            bad = np.flatnonzero(~np.isfinite(values).all(axis=1)) + offset
            raise InputError(f"net quantities must be finite numbers (lot rows {_some(bad)})")
        raw = values * 10.0**decimals
        q_f = np.rint(raw)
        if q_f.size and float(np.abs(q_f).max()) >= bound // 10 ** (places - decimals):
            raise InputError(f"a net quantity in lots {offset}–{offset + len(q_f) - 1} is too large")
        # A value recorded with `decimals` places is within a few ulps of the grid; more digits are refused.
        off = np.abs(raw - q_f) > 1e-6 + 8 * np.finfo(np.float64).eps * np.abs(q_f)
        if off.any():
            bad = np.flatnonzero(off.any(axis=1)) + offset
            raise InputError(f"net quantities have more than {decimals} decimal places (lot rows {_some(bad)})")
        q = q_f.astype(np.int64)
    else:
        raise InputError(f"net quantities must be an integer or float array; got dtype {block.dtype}")
    if places > decimals:
        q = q * np.int64(10 ** (places - decimals))
    return q


def _mean_block(
    q: IntArray, qn_s: int, lam_f: float, nominal: Decimal, places: int, lam: Decimal | None
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
    """Mean and variance of the deviations q − Qn (scaled units) and the exact mean decision, for one block."""
    m = q.shape[1]
    dev = q - qn_s
    total = dev.sum(axis=1, dtype=np.int64)  # exact, and exactly representable in float64 (bounded above)
    mean_dev = total / m
    if m >= 2:
        centred = dev.astype(np.float64) - mean_dev[:, None]
        var_dev = np.einsum("ij,ij->i", centred, centred) / (m - 1)
    else:
        var_dev = np.full(q.shape[0], np.nan)
    # q̄ ≥ Qn is decided on the exact integer sum; with λ = 0 or n < 2 nothing else can pass.
    ok = total >= 0
    exact = np.zeros(q.shape[0], dtype=np.bool_)
    if lam_f > 0.0 and m >= 2:
        deficit_sq = mean_dev * mean_dev
        allowed_sq = (lam_f * lam_f) * var_dev
        ok |= deficit_sq <= allowed_sq
        near = (total < 0) & (np.abs(deficit_sq - allowed_sq) <= EXACT_BAND * np.maximum(deficit_sq, allowed_sq))
        assert lam is not None
        for i in np.flatnonzero(near):
            values = [Decimal(int(v)).scaleb(-places) for v in q[i]]
            ok[i] = mean_statistics(values, lam, places).passes(nominal)
            exact[i] = True
    return mean_dev, var_dev, ok, exact
