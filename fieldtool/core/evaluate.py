"""Provides the verdict engine: package classes, exact lot statistics and the verdict with its reasons.

Every decision is exact: shortfalls are decimal differences of the recorded values, and the mean
requirement q̄ ≥ Qn − λ·s is decided on rational numbers (squaring both sides), so a package or a
lot that lies exactly on a limit is judged as the text says, not as a drifted float would.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Protocol

from fieldtool.core.quantity import Unit, decimals_of
from fieldtool.core.rules import DefectiveRule, ResolvedPlan, RuleSet, TneLimits, resolve_plan, tne
from fieldtool.core.statistics import MeanStatistics, mean_statistics
from fieldtool.errors import InputError


class PackageClass(enum.StrEnum):
    """The class of one package by its shortfall d = Qn − q."""

    OK = "ok"
    """d ≤ T (a package exactly T short is acceptable)."""
    T1 = "T1"
    """T < d ≤ 2T (a package exactly 2T short is a T1 package)."""
    T2 = "T2"
    """d > 2T."""


class Classified(Protocol):
    """Anything with a package class: a package of the engine (`PackageResult`) or of a report."""

    @property
    def cls(self) -> PackageClass:
        """The package's class."""
        ...


class _WithPackages(Protocol):
    @property
    def packages(self) -> Sequence[Classified]: ...


class ClassCounts:
    """Mixin: the T1 and T2 counts of a record's `packages` (while a lot is weighed, of those weighed so far)."""

    @property
    def t1_count(self: _WithPackages) -> int:
        """Packages with T < d ≤ 2T."""
        return count_class(self.packages, PackageClass.T1)

    @property
    def t2_count(self: _WithPackages) -> int:
        """Packages with d > 2T."""
        return count_class(self.packages, PackageClass.T2)


def classify(net: Decimal, nominal: Decimal, t: Decimal) -> PackageClass:
    """Classify a package by its shortfall, exactly.

    With T = 0 (short lengths, small counts) any shortfall is beyond 2T, so the package is T2.
    """
    shortfall = nominal - net
    if shortfall <= t:
        return PackageClass.OK
    if shortfall <= 2 * t:
        return PackageClass.T1
    return PackageClass.T2


class Outcome(enum.StrEnum):
    """The verdict on a lot."""

    PASS = "pass"
    FAIL = "fail"
    SECOND_SAMPLE_NEEDED = "second-sample-needed"


class Status(enum.StrEnum):
    """The state of one criterion."""

    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"
    """Undecided until the second sample is judged (multi-stage plans)."""


class CriterionCode(enum.StrEnum):
    """The criteria a lot is judged on."""

    DEFECTIVES = "defectives"
    """The count of packages short by more than T (T1 packages, or all beyond T; see DefectiveRule)."""
    T2 = "t2"
    """The count of packages short by more than 2T."""
    MEAN = "mean"
    """The mean requirement q̄ ≥ Qn − λ·s."""


@dataclass(frozen=True)
class Criterion:
    """One criterion of a verdict, with the numbers that decided it."""

    code: CriterionCode
    """Which criterion."""
    status: Status
    """Pass, fail or pending."""
    observed: Decimal
    """The count found, or the sample mean."""
    limit: Decimal
    """The allowed count (accept number) or the mean limit Qn − λ·s (rounded for display; the decision is exact)."""
    excess: Decimal
    """By how much the criterion failed (count over the allowed, or how far the mean is below its limit); 0 when it passed."""
    stage: int = 1
    """For the defectives criterion: the stage (1 or 2) at which it was judged."""
    reject_at: int | None = None
    """For a multi-stage defectives criterion: the count at or above which the lot is rejected at `stage`."""
    sample_size: int = 0
    """How many packages the criterion was judged on."""


@dataclass(frozen=True)
class PackageResult:
    """One package of the sample, classified."""

    index: int
    """1-based position in the order the packages were weighed."""
    net: Decimal
    """Net quantity q, in the lot's unit."""
    shortfall: Decimal
    """d = Qn − q (negative when the package holds more than Qn)."""
    cls: PackageClass
    """The package's class."""


@dataclass(frozen=True, eq=False)
class LotSetup(TneLimits):
    """What every judgement of a lot starts from: the rule set, the plan row for N, Qn and T.

    The engine's results extend it: `LotEvaluation`, `Progress` and `fieldtool.stats.vectorised.LotsResult`.
    """

    rules: RuleSet
    """The rule set applied."""
    variant: str
    """The sampling plan variant applied (``standard``, ``destructive`` ...)."""
    nominal: Decimal
    """Qn in the lot's unit."""
    unit: Unit
    """The lot's unit; every quantity here is in it."""
    plan: ResolvedPlan
    """The plan row for the lot, with concrete sizes."""
    tne: Decimal
    """T in the lot's unit."""

    def setup_fields(self) -> dict[str, Any]:
        """The set-up's own fields by name, to build a result on it: ``Progress(**lot.setup_fields(), ...)``."""
        return {f.name: getattr(self, f.name) for f in fields(LotSetup)}


@dataclass(frozen=True)
class LotEvaluation(LotSetup, ClassCounts):
    """Everything the engine found about a lot: the inputs, each package, the statistics and the verdict."""

    packages: tuple[PackageResult, ...]
    """Every package judged, in weighing order."""
    stats: MeanStatistics | None
    """Statistics of the mean sample; None when the plan has no mean test (JJF 1070, N ≤ 10)."""
    criteria: tuple[Criterion, ...]
    """Each criterion with its status."""
    outcome: Outcome
    """The verdict."""
    stage: int
    """How many stages of the plan the judged sample covers (1, or 2 after a second sample)."""

    @property
    def reasons(self) -> tuple[Criterion, ...]:
        """The criteria that decided a verdict other than pass: the failed ones, else the pending ones."""
        failed = tuple(c for c in self.criteria if c.status is Status.FAIL)
        return failed or tuple(c for c in self.criteria if c.status is Status.PENDING)

    def criterion(self, code: CriterionCode) -> Criterion | None:
        """The criterion with that code, if the plan has it."""
        return next((c for c in self.criteria if c.code is code), None)


def classify_all(nets: Sequence[Decimal], nominal: Decimal, t: Decimal, start: int = 1) -> tuple[PackageResult, ...]:
    """Every package of a sample, classified, in weighing order (numbered from `start`)."""
    return tuple(
        PackageResult(index=i, net=q, shortfall=nominal - q, cls=classify(q, nominal, t))
        for i, q in enumerate(nets, start)
    )


def count_class(packages: Sequence[Classified], cls: PackageClass) -> int:
    """How many packages are of class `cls`."""
    return sum(1 for p in packages if p.cls is cls)


def _t2_criterion(packages: Sequence[PackageResult], allowed: int) -> Criterion:
    t2 = count_class(packages, PackageClass.T2)
    return Criterion(
        code=CriterionCode.T2,
        status=Status.PASS if t2 <= allowed else Status.FAIL,
        observed=Decimal(t2),
        limit=Decimal(allowed),
        excess=Decimal(max(0, t2 - allowed)),
        sample_size=len(packages),
    )


def _mean_sample_statistics(
    plan: ResolvedPlan, nets: Sequence[Decimal], nominal: Decimal, before: MeanStatistics | None = None
) -> MeanStatistics | None:
    """Statistics of the mean sample (the first `mean_n` packages); None without a mean test or values.

    `before`: the statistics of the same nets without the last ones (at least two of them), whose
    places are kept: only the new values' decimals are looked at.
    """
    if plan.mean_n is None or plan.row.lam is None or not nets:
        return None
    values = list(nets[: plan.mean_n])
    if before is not None and before.n == len(values):
        return before  # the packages added are beyond the mean sample
    if before is not None:
        places = max([decimals_of(v) + 3 for v in values[before.n :]] + [before.places])
    else:
        places = max([decimals_of(v) for v in values] + [decimals_of(nominal)]) + 3
    return mean_statistics(values, plan.row.lam, places)


def set_up_lot(rules: RuleSet, nominal: Decimal, unit: Unit, lot_size: int, variant: str = "standard") -> LotSetup:
    """The plan row and T for a lot: what every judgement of a lot starts from.

    Args:
        rules: the rule set.
        nominal: Qn in `unit`.
        unit: the unit of `nominal`.
        lot_size: N, the number of packages in the lot.
        variant: the sampling plan variant.

    Returns:
        The set-up: the rule set and variant, Qn and its unit, the plan row for the lot with
        concrete sizes, and T in `unit`.

    Raises:
        InputError: Qn is not positive.
        OutOfScopeError: the rule set does not cover this nominal quantity or lot size.
    """
    if nominal <= 0:
        raise InputError(f"nominal quantity must be positive; got {nominal} {unit.symbol}")
    plan = resolve_plan(rules, lot_size, variant)
    return LotSetup(rules=rules, variant=variant, nominal=nominal, unit=unit, plan=plan, tne=tne(rules, nominal, unit))


def sample_size_message(rules: RuleSet, plan: ResolvedPlan, got: int) -> str:
    """The one-line message for a sample of the wrong size, naming what the plan needs."""
    if plan.multi_stage:
        need = f"{plan.cumulative[0]} packages (first sample) or {plan.cumulative[1]} (with the second sample)"
    else:
        need = f"{plan.n} packages"
    return f"{rules.id} needs {need} for a lot of {plan.lot_size}; got {got}"


def evaluate_lot(
    rules: RuleSet,
    nominal: Decimal,
    unit: Unit,
    lot_size: int,
    nets: Sequence[Decimal],
    variant: str = "standard",
) -> LotEvaluation:
    """Judge a lot from the net quantities of its sample.

    Args:
        rules: the rule set.
        nominal: Qn in `unit`.
        unit: the unit of `nominal` and of every net quantity.
        lot_size: N, the number of packages in the lot.
        nets: net quantities in weighing order: the first sample, followed by the second sample
            where a multi-stage plan asked for one.
        variant: the sampling plan variant.

    Returns:
        The evaluation with its verdict and reasons.

    Raises:
        OutOfScopeError: the rule set does not cover this nominal quantity or lot size.
        InputError: the sample size is not one the plan asks for, or Qn is not positive.
    """
    lot = set_up_lot(rules, nominal, unit, lot_size, variant)
    if len(nets) not in lot.plan.cumulative:
        raise InputError(sample_size_message(rules, lot.plan, len(nets)))
    return _judge(lot, nets, classify_all(nets, nominal, lot.tne))


def _judge(
    lot: LotSetup, nets: Sequence[Decimal], packages: tuple[PackageResult, ...], stats_before: MeanStatistics | None = None
) -> LotEvaluation:
    """Judge a complete sample (its size is one of `lot.plan.cumulative`) whose `packages` are classified.

    `stats_before`: as for `_mean_sample_statistics`.
    """
    plan, nominal = lot.plan, lot.nominal
    stage = plan.cumulative.index(len(nets)) + 1
    criteria: list[Criterion] = []
    if plan.row.stages:
        criteria.append(_defectives(lot.rules, plan, packages, stage))
    criteria.append(_t2_criterion(packages, plan.row.t2_allowed))
    stats = _mean_sample_statistics(plan, nets, nominal, stats_before)
    if stats is not None:
        ok = stats.passes(nominal)
        criteria.append(
            Criterion(
                code=CriterionCode.MEAN,
                status=Status.PASS if ok else Status.FAIL,
                observed=stats.mean,
                limit=stats.limit(nominal),
                excess=Decimal(0) if ok else -stats.margin(nominal),
                sample_size=stats.n,
            )
        )
    statuses = {c.status for c in criteria}
    if Status.FAIL in statuses:
        outcome = Outcome.FAIL
    elif Status.PENDING in statuses:
        outcome = Outcome.SECOND_SAMPLE_NEEDED
    else:
        outcome = Outcome.PASS
    return LotEvaluation(
        **lot.setup_fields(), packages=packages, stats=stats, criteria=tuple(criteria), outcome=outcome, stage=stage
    )


def is_defective(cls: PackageClass, rule: DefectiveRule) -> bool:
    """Whether a package of class `cls` counts as defective under the rule set's defective rule."""
    if rule is DefectiveRule.T1_ONLY:
        return cls is PackageClass.T1
    return cls is not PackageClass.OK


def _count_defectives(packages: Sequence[PackageResult], rule: DefectiveRule) -> int:
    """How many of `packages` count as defective under the rule set's defective rule."""
    if rule is DefectiveRule.T1_ONLY:
        return sum(1 for p in packages if p.cls is PackageClass.T1)
    return sum(1 for p in packages if p.cls is not PackageClass.OK)


def _defectives_criterion(plan: ResolvedPlan, stage: int, status: Status, count: int, sample_size: int) -> Criterion:
    """The defectives criterion at `stage` (1-based) with `count` defectives among `sample_size` packages."""
    st = plan.row.stages[stage - 1]
    return Criterion(
        code=CriterionCode.DEFECTIVES,
        status=status,
        observed=Decimal(count),
        limit=Decimal(st.accept),
        excess=Decimal(max(0, count - st.accept)) if status is Status.FAIL else Decimal(0),
        stage=stage,
        reject_at=st.reject if plan.multi_stage else None,
        sample_size=sample_size,
    )


def _defectives(rules: RuleSet, plan: ResolvedPlan, packages: tuple[PackageResult, ...], stage: int) -> Criterion:
    """Judge the defectives count stage by stage up to `stage` (cumulative counts, EU Annex II 2.2.1)."""
    for i in range(stage):
        size = plan.cumulative[i]
        count = _count_defectives(packages[:size], rules.defective_rule)
        st = plan.row.stages[i]
        if count <= st.accept:
            status = Status.PASS
        elif count >= st.reject:
            status = Status.FAIL
        else:
            status = Status.PENDING
        if status is not Status.PENDING and i + 1 < stage:
            raise InputError(
                f"{rules.id}: the first sample of {size} already decides the lot ({count} defective, "
                f"accept ≤ {st.accept}, reject ≥ {st.reject}); give only those {size} packages"
            )
        if i + 1 == stage:
            return _defectives_criterion(plan, stage, status, count, size)
    raise AssertionError("unreachable: stage is at least 1")


@dataclass(frozen=True)
class Progress(LotSetup, ClassCounts):
    """A lot being weighed: what is known so far, and the verdict once the sample is complete."""

    packages: tuple[PackageResult, ...]
    """The packages weighed so far, classified."""
    needed: int
    """How many packages the current stage needs in all (the second stage's cumulative size once asked for)."""
    stats: MeanStatistics | None
    """Statistics of the packages of the mean sample weighed so far (None before two, or with no mean test)."""
    settled_failures: tuple[Criterion, ...]
    """Criteria already failed whatever the remaining packages weigh (a T2 package, too many defectives)."""
    evaluation: LotEvaluation | None
    """The full evaluation when the weighed packages make a complete sample of a stage."""

    @property
    def complete(self) -> bool:
        """True when the verdict is known (pass, fail, or a second sample is needed)."""
        return self.evaluation is not None


def assess_progress(
    rules: RuleSet,
    nominal: Decimal,
    unit: Unit,
    lot_size: int,
    nets: Sequence[Decimal],
    variant: str = "standard",
    *,
    before: Progress | None = None,
) -> Progress:
    """Judge a lot while it is being weighed.

    Before the sample is complete the mean cannot be judged, but a package beyond 2T or a
    defectives count at the rejection number already settles the lot: those are reported in
    `settled_failures`, so the screen can say "already failed" at once.

    `before`: the progress of the same lot over the first of these nets (the state before the
    package just weighed). Its set-up, its classified packages and its statistics' places are
    reused, so a weighing does not classify the whole sample again. It is used only when it is
    that lot's and its packages hold these very values; otherwise everything is worked out anew.

    Raises:
        OutOfScopeError: the rule set does not cover this nominal quantity or lot size.
        InputError: more packages than the plan can use, or Qn is not positive.
    """
    known: tuple[PackageResult, ...] = ()
    stats_before: MeanStatistics | None = None
    if before is not None and _continues(before, rules, nominal, unit, lot_size, variant, nets):
        lot: LotSetup = before
        known, stats_before = before.packages, before.stats
    else:
        lot = set_up_lot(rules, nominal, unit, lot_size, variant)
    plan = lot.plan
    m = len(nets)
    evaluation: LotEvaluation | None = None
    needed = next((c for c in plan.cumulative if c >= m), None)
    if needed is None:
        raise InputError(sample_size_message(rules, plan, m))
    packages = known + classify_all(nets[len(known) :], nominal, lot.tne, start=len(known) + 1)
    if m == needed and m > 0:
        evaluation = _judge(lot, nets, packages, stats_before)
        if evaluation.outcome is Outcome.SECOND_SAMPLE_NEEDED:
            needed = plan.cumulative[evaluation.stage]
    settled: list[Criterion] = []
    t2 = _t2_criterion(packages, plan.row.t2_allowed)
    if t2.status is Status.FAIL:
        settled.append(t2)
    if plan.row.stages:
        stage_index = plan.cumulative.index(needed)
        count = _count_defectives(packages, rules.defective_rule)
        # Validated rule sets have reject > accept, so a settled count's excess is count − accept.
        if count >= plan.row.stages[stage_index].reject:
            settled.append(_defectives_criterion(plan, stage_index + 1, Status.FAIL, count, m))
    stats = None
    if m >= 2:
        stats = evaluation.stats if evaluation is not None else _mean_sample_statistics(plan, nets, nominal, stats_before)
    return Progress(**lot.setup_fields(), packages=packages, needed=needed, stats=stats,
                    settled_failures=tuple(settled), evaluation=evaluation)


def _continues(
    before: Progress, rules: RuleSet, nominal: Decimal, unit: Unit, lot_size: int, variant: str, nets: Sequence[Decimal]
) -> bool:
    """Whether `before` is the progress of this lot over the first of `nets` (the same value objects, none removed)."""
    known = before.packages
    return (
        before.rules is rules
        and before.unit == unit
        and before.plan.lot_size == lot_size
        and before.variant == variant
        and str(before.nominal) == str(nominal)
        and len(known) <= len(nets)
        and all(p.net is q for p, q in zip(known, nets, strict=False))
    )
