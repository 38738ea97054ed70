"""Provides rule sets: TNE tables, sampling plans and their settings, and the lookups on them.

A `RuleSet` is plain data read from `sampling_plans/rules/<id>.toml` by `fieldtool.plans`. The
functions here only apply it; no legal number lives in this module, so a new rule set (such as
JJF 1070-2023) is a new data file only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Protocol

from fieldtool.core.quantity import BASE_UNIT, Kind, Unit, from_base, to_base
from fieldtool.errors import OutOfScopeError


class Rounding(enum.StrEnum):
    """How a percentage-derived TNE is rounded to its band's step."""

    HALF_EVEN = "half-even"
    """GB/T 8170 修约: a dropped digit of exactly 5 keeps an even last digit."""
    HALF_UP = "half-up"
    """Commercial rounding: a dropped 5 rounds away from zero."""
    UP = "up"
    """OIML R 87 and EU: round up to the next step."""
    NONE = "none"
    """No rounding: the percentage is used exactly."""


_DECIMAL_ROUNDING = {Rounding.HALF_EVEN: ROUND_HALF_EVEN, Rounding.HALF_UP: ROUND_HALF_UP, Rounding.UP: ROUND_CEILING}


class DefectiveRule(enum.StrEnum):
    """Which packages the defectives (T1) count of a plan counts."""

    T1_ONLY = "t1-only"
    """Only packages with T < d ≤ 2T (JJF 1070: 大于允许短缺量且不大于2倍的件数)."""
    BEYOND_T = "beyond-t"
    """Every package with d > T (OIML R 87, EU 76/211/EEC: "defective units")."""


@dataclass(frozen=True)
class TneBand:
    """One band of a TNE table: lower bound exclusive, upper bound inclusive."""

    above: Decimal
    """The band starts just above this nominal quantity (base unit)."""
    upto: Decimal | None
    """The band ends at this nominal quantity, inclusive; None for an open last band."""
    percent: Decimal | None = None
    """T as a percentage of Qn; exactly one of `percent` and `absolute` is set."""
    absolute: Decimal | None = None
    """T as a fixed quantity in the base unit."""
    round_to: Decimal | None = None
    """The step to which a percentage-derived T is rounded (0.1, 1, ...); None: not rounded."""

    def contains(self, qn: Decimal) -> bool:
        """Whether the nominal quantity `qn` (base unit) falls in this band."""
        return qn > self.above and (self.upto is None or qn <= self.upto)


@dataclass(frozen=True)
class TneTable:
    """The TNE table of a rule set for some kinds of quantity."""

    kinds: tuple[Kind, ...]
    """The kinds of quantity this table serves (mass and volume share one)."""
    rounding: Rounding
    """How percentage-derived values are rounded to their band's `round_to`."""
    bands: tuple[TneBand, ...]
    """Contiguous bands in increasing order."""
    nominal_min: Decimal | None = None
    """The smallest nominal quantity covered, inclusive (EU: 5 g); None: anything above the first band's start."""


@dataclass(frozen=True)
class Stage:
    """One stage of a sampling plan's defectives check (a single plan has one stage)."""

    n: int | None
    """Packages drawn at this stage; None means the whole lot (n = N)."""
    accept: int
    """Accept the lot if the cumulative defectives count is at most this."""
    reject: int
    """Reject the lot if the cumulative defectives count is at least this (accept + 1 at the last stage)."""


@dataclass(frozen=True)
class PlanRow:
    """One row of a sampling plan: what to draw and how to judge a lot of `lot_min`…`lot_max` packages."""

    lot_min: int
    """Smallest lot size of the row, inclusive."""
    lot_max: int | None
    """Largest lot size of the row, inclusive; None for an open last row."""
    n: int | None
    """Sample size of the first stage; None means the whole lot (n = N)."""
    stages: tuple[Stage, ...]
    """The defectives check, stage by stage; empty when the plan has no count criterion for this row."""
    t2_allowed: int
    """How many packages may fall short by more than 2T (0 in every shipped rule set)."""
    mean_n: int | None
    """The mean sample: the first `mean_n` packages drawn; None means all of the sample."""
    lam: Decimal | None
    """The correction factor λ of the mean requirement q̄ ≥ Qn − λ·s; None: no mean test."""

    def contains(self, lot_size: int) -> bool:
        """Whether a lot of `lot_size` packages falls in this row."""
        return lot_size >= self.lot_min and (self.lot_max is None or lot_size <= self.lot_max)


@dataclass(frozen=True)
class ResolvedPlan:
    """A plan row applied to a concrete lot: every size is a number."""

    row: PlanRow
    """The row that applies."""
    lot_size: int
    """N."""
    cumulative: tuple[int, ...]
    """Cumulative sample sizes after each stage (one entry for a single plan)."""
    mean_n: int | None
    """Size of the mean sample, or None when the row has no mean test."""

    @property
    def n(self) -> int:
        """The first-stage sample size."""
        return self.cumulative[0]

    @property
    def multi_stage(self) -> bool:
        """Whether a second sample may be needed."""
        return len(self.cumulative) > 1


@dataclass(frozen=True)
class SamplingPlan:
    """A named sampling plan of a rule set (for example "standard" or "destructive")."""

    name: str
    """The variant's key in the rule file."""
    description: str
    """What the variant is for, from the rule file."""
    rows: tuple[PlanRow, ...]
    """Contiguous rows in increasing lot size."""


@dataclass(frozen=True)
class TareSettings:
    """How a rule set lets an inspector determine tare."""

    min_sample: int
    """Smallest tare sample for an average tare."""
    max_stdev_fraction_of_tne: Decimal
    """Average tare is allowed only when the tare sample's s ≤ this × T."""


@dataclass(frozen=True)
class InstrumentSettings:
    """What a rule set requires of the weighing instrument."""

    max_error_fraction_of_tne: Decimal
    """The instrument's error (MPE, else e, else d) must not exceed this × T."""


@dataclass(frozen=True)
class RuleSet:
    """A complete set of rules for judging lots: TNE, sampling plans and settings."""

    id: str
    """The file's stem, e.g. ``jjf1070-2005``."""
    name: str
    """Name in English."""
    name_zh: str
    """Name in Chinese (may be empty when the rule set has no Chinese title)."""
    jurisdiction: str
    """Where the rules apply (CN, EU, OIML ...)."""
    sources: tuple[str, ...]
    """Citations of the legal texts the data was taken from."""
    follows: str
    """Which sections of net-content-rules.md this rule set implements."""
    notes: str
    """Decisions taken where a source is unclear."""
    defective_rule: DefectiveRule
    """What the defectives count counts."""
    tne_tables: tuple[TneTable, ...]
    """TNE tables, at most one per kind of quantity."""
    plans: dict[str, SamplingPlan] = field(default_factory=dict)
    """Sampling plans by variant name; ``standard`` always exists."""
    tare: TareSettings = TareSettings(10, Decimal("0.25"))
    """Tare settings."""
    instrument: InstrumentSettings = InstrumentSettings(Decimal("0.2"))
    """Instrument settings."""
    path: str = ""
    """The file the rule set was read from (for messages)."""

    def table_for(self, kind: Kind) -> TneTable:
        """The TNE table for a kind of quantity.

        Raises:
            OutOfScopeError: the rule set has no table for that kind.
        """
        for table in self.tne_tables:
            if kind in table.kinds:
                return table
        raise OutOfScopeError(f"{self.id} has no TNE table for {kind} quantities")

    def plan(self, variant: str = "standard") -> SamplingPlan:
        """A sampling plan by variant name.

        Raises:
            OutOfScopeError: no such variant.
        """
        try:
            return self.plans[variant]
        except KeyError:
            raise OutOfScopeError(
                f"{self.id} has no {variant!r} sampling plan; it has {', '.join(sorted(self.plans))}"
            ) from None


def round_to_step(value: Decimal, step: Decimal, rounding: Rounding) -> Decimal:
    """Round a value to a multiple of `step` with the given rounding rule.

    The result carries the step's exponent, so 22.5 rounded half-even to 1 is ``22`` and 6.75
    rounded to 0.1 is ``6.8``.
    """
    if rounding is Rounding.NONE:
        return value
    units = (value / step).quantize(Decimal(1), rounding=_DECIMAL_ROUNDING[rounding])
    return (units * step).quantize(step)


def tne_base(rules: RuleSet, kind: Kind, qn_base: Decimal) -> Decimal:
    """The tolerable negative error T for a nominal quantity in the base unit of its kind.

    Args:
        rules: the rule set.
        kind: the kind of quantity.
        qn_base: Qn in g, mL, m, m2 or count.

    Returns:
        T in the same base unit.

    Raises:
        OutOfScopeError: Qn is outside the rule set's table.
    """
    table = rules.table_for(kind)
    base = BASE_UNIT[kind]
    low = table.nominal_min if table.nominal_min is not None else table.bands[0].above
    top = table.bands[-1].upto
    below = qn_base < table.nominal_min if table.nominal_min is not None else qn_base <= table.bands[0].above
    if below or (top is not None and qn_base > top):
        span = f"from {low} {base}" if table.nominal_min is not None else f"above {low} {base}"
        span += f" to {top} {base}" if top is not None else ""
        raise OutOfScopeError(f"{rules.id} covers nominal {kind} quantities {span}; got {qn_base} {base}")
    band = next(b for b in table.bands if b.contains(qn_base))
    if band.absolute is not None:
        return band.absolute
    assert band.percent is not None
    raw = qn_base * band.percent / 100
    if band.round_to is None:
        return raw
    return round_to_step(raw, band.round_to, table.rounding)


TNE_PRECISION = 80
"""Significant digits for computing T: enough for any Qn, percent and step that `parse_decimal` accepts
(Qn in base units < 10¹⁵, a percent < 10¹², a step ≥ 10⁻⁹), so the rounding to a step never runs out of
digits (the default 28 would for a user's rule set with such values); the shipped tables need far fewer."""


def tne(rules: RuleSet, nominal: Decimal, u: Unit) -> Decimal:
    """T for a nominal quantity given in any unit, expressed in that same unit."""
    with localcontext() as ctx:
        ctx.prec = TNE_PRECISION
        return from_base(tne_base(rules, u.kind, to_base(nominal, u)), u)


def tne_in(t: Decimal, lot_unit: Unit, target: Unit, density_g_per_ml: Decimal | None = None) -> Decimal:
    """T, given in the lot's unit, expressed in another unit (a balance's, the weighing unit).

    A volume T becomes a mass T with the lot's density in g/mL; before a density is recorded it is
    taken as 1 (a liquid's T in mL as g: near enough for the checks that use it before weighing).

    Args:
        t: T in `lot_unit`.
        lot_unit: the lot's unit.
        target: the unit wanted.
        density_g_per_ml: the lot's density, for a lot labelled by volume; None when not known.

    Returns:
        T in `target`.
    """
    base = to_base(t, lot_unit)
    if lot_unit.kind is Kind.VOLUME:
        base = base * (density_g_per_ml if density_g_per_ml is not None else Decimal(1))
    return from_base(base, target)


class _QnAndT(Protocol):
    @property
    def nominal(self) -> Decimal: ...

    @property
    def tne(self) -> Decimal: ...


class TneLimits:
    """Mixin: the two limits of a lot with `nominal` (Qn) and `tne` (T), in the lot's unit."""

    @property
    def qn_minus_t(self: _QnAndT) -> Decimal:
        """Qn − T."""
        return self.nominal - self.tne

    @property
    def qn_minus_2t(self: _QnAndT) -> Decimal:
        """Qn − 2T."""
        return self.nominal - 2 * self.tne


def resolve_plan(rules: RuleSet, lot_size: int, variant: str = "standard") -> ResolvedPlan:
    """The plan row for a lot, with every sample size made concrete.

    Raises:
        OutOfScopeError: the lot size is not positive or the plan has no row for it.
    """
    if lot_size < 1:
        raise OutOfScopeError(f"lot size must be at least 1; got {lot_size}")
    plan = rules.plan(variant)
    row = next((r for r in plan.rows if r.contains(lot_size)), None)
    if row is None:
        first, last = plan.rows[0], plan.rows[-1]
        span = f"lots of {first.lot_min} or more" if last.lot_max is None else f"lots of {first.lot_min} to {last.lot_max}"
        raise OutOfScopeError(f"{rules.id} ({plan.name} plan) covers {span}; got a lot of {lot_size}")
    cumulative: list[int] = []
    sizes = [s.n for s in row.stages] if row.stages else [row.n]
    total = 0
    for size in sizes:
        total += lot_size if size is None else size
        cumulative.append(min(total, lot_size))
    mean_n: int | None = None
    if row.lam is not None:
        mean_n = cumulative[0] if row.mean_n is None else min(row.mean_n, lot_size)
    return ResolvedPlan(row=row, lot_size=lot_size, cumulative=tuple(cumulative), mean_n=mean_n)
