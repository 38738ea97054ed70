"""Provides the values the inspection's use-cases answer with: a lot's preview, state and tare, checks and list rows.

They are frozen dataclasses built by `fieldtool.usecases.inspection.Services`; screens and commands
only read them. The weighing unit and the entry of a lot are worked out here, from the lot's unit
and tare method, so that a header alone answers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from fieldtool.core.evaluate import LotEvaluation, Outcome, Progress
from fieldtool.core.inspection import (
    Balance,
    DensityRecord,
    Inspection,
    InspectionHeader,
    Measurement,
    StoredVerdict,
    TareWeighing,
)
from fieldtool.core.instrument import Suitability
from fieldtool.core.label import LabelCheck, LabelResult
from fieldtool.core.quantity import Kind, Unit, unit
from fieldtool.core.resolution import Resolution, resolution_for
from fieldtool.core.rules import ResolvedPlan, RuleSet, TneLimits
from fieldtool.core.sampling import Draw
from fieldtool.core.tare import AverageTareAssessment, TareMethod

VOLUME_STEP = {"mL": Decimal("0.01"), "L": Decimal("0.00001")}
"""A net volume computed from mass and density is rounded half-even to this step (0.01 mL)."""


def weighing_unit(lot_unit: Unit) -> Unit:
    """The unit the balance is read in for a lot: the lot's own unit, or g for a liquid judged by volume.

    A liquid is weighed in g whether it is labelled in mL or L: balances for such lots read in g
    (0.1 g or finer), and the net volume is converted to the lot's unit.
    """
    return unit("g") if lot_unit.kind is Kind.VOLUME else lot_unit


def entry_for(method: TareMethod) -> str:
    """What is entered for each package under a tare method: ``net``, ``gross`` or ``gross tare``."""
    if method is TareMethod.NET:
        return "net"
    if method is TareMethod.AVERAGE:
        return "gross"
    return "gross tare"


def header_weighing_unit(header: InspectionHeader) -> Unit:
    """The unit an inspection's packages are weighed in: its own unit when weighed net, else `weighing_unit`."""
    lot_unit = unit(header.unit)
    return weighing_unit(lot_unit) if header.tare_method is not TareMethod.NET else lot_unit


# -- a lot -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotPreview(TneLimits):
    """What the plan asks of a lot, shown while the inspector fills in a new inspection."""

    rules: RuleSet
    """The rule set."""
    plan: ResolvedPlan
    """The plan row: n, λ, allowed counts."""
    nominal: Decimal
    """Qn, in `unit`."""
    unit: Unit
    """The lot's unit."""
    tne: Decimal
    """T, in `unit`."""
    suitability: Suitability | None
    """The balance against T/5, when a balance is chosen and its figures are known."""
    calibration_due: date | None
    """The balance's calibration due date, when known."""
    today: date
    """The day the preview was made (for the expiry check)."""

    @property
    def calibration_expired(self) -> bool:
        """True when the balance's calibration is past its due date."""
        return self.calibration_due is not None and self.calibration_due < self.today


@dataclass(frozen=True)
class TareState:
    """How net quantities are obtained for a lot, and whether the tare is ready."""

    method: TareMethod
    """Individual, average or net."""
    weighings: tuple[TareWeighing, ...]
    """Every tare weighing recorded."""
    average: AverageTareAssessment | None
    """For average tare: the assessment of the tare sample."""

    @property
    def ready(self) -> bool:
        """Whether packages can be weighed: always, except an average tare not (yet) accepted."""
        return self.method is not TareMethod.AVERAGE or (self.average is not None and self.average.accepted)


@dataclass(frozen=True)
class LabelState:
    """A lot's label check (净含量标注) that counts: as recorded, and judged by the rules it names."""

    check: LabelCheck
    """The latest ``label-checked`` record."""
    result: LabelResult
    """Each element's finding, the advice and the conclusion."""

    @property
    def passed(self) -> bool:
        """The label's conclusion: True for 合格 (as judged now; `matches` tells whether it was recorded so)."""
        return self.result.passed

    @property
    def matches(self) -> bool:
        """False when the conclusion recorded differs from the one judged again (the rules file changed)."""
        return self.check.passed == self.result.passed


@dataclass(frozen=True)
class LotState:
    """An inspection as it stands: its packages, tare, density and the verdict so far."""

    inspection: Inspection
    """The inspection."""
    rules: RuleSet
    """Its rule set."""
    unit: Unit
    """The lot's unit."""
    weighing_unit: Unit
    """The unit weights are typed or read in."""
    measurements: tuple[Measurement, ...]
    """The current measurement of each package, in weighing order."""
    progress: Progress
    """Counts, statistics and, once the sample is complete, the evaluation."""
    tare: TareState
    """Tare method and state."""
    density: DensityRecord | None
    """The latest density, for a liquid judged by volume."""
    needs_density: bool
    """True when the lot is judged by volume from weighed masses (a density is required)."""
    verdict: StoredVerdict | None = None
    """The saved verdict, once finalised."""
    draw: Draw | None = field(default=None)
    """The positions to pull, when the sample was drawn at random by fieldtool."""
    label: LabelState | None = None
    """The label check that counts; None while the label is not checked."""

    @property
    def complete(self) -> bool:
        """True when the sample is complete and judged (pass or fail)."""
        ev = self.progress.evaluation
        return ev is not None and ev.outcome is not Outcome.SECOND_SAMPLE_NEEDED

    @property
    def evaluation(self) -> LotEvaluation | None:
        """The evaluation of the complete sample (stage), if any."""
        return self.progress.evaluation

    @property
    def entry(self) -> str:
        """What the inspector types for each package: ``net``, ``gross`` or ``gross tare``."""
        return entry_for(self.tare.method)


def lot_resolution(state: LotState, balance: Balance | None) -> Resolution:
    """The places a lot's quantities are written with on its screens (`fieldtool.core.resolution`).

    Args:
        state: the lot as stored.
        balance: the balance it is weighed on (`Services.inspection_balance`); None when unknown.
    """
    return resolution_for(balance, state.unit, state.weighing_unit, state.measurements,
                          average_tare=state.tare.method is TareMethod.AVERAGE)


# -- new inspection, tare and density screens ----------------------------------------------------


@dataclass(frozen=True)
class NominalRange:
    """The nominal quantities a rule set covers for one kind of quantity (when a Qn falls outside)."""

    kind: str
    """The kind of quantity (mass, volume ...)."""
    covered: bool
    """False when the rule set has no TNE table for this kind at all."""
    low: Decimal | None
    """The lowest Qn covered, in `base_unit`."""
    low_inclusive: bool
    """True when `low` itself is covered (EU: from 5 g); False when only quantities above it are."""
    high: Decimal | None
    """The highest Qn covered, inclusive, in `base_unit`; None when open."""
    base_unit: str
    """The unit of `low` and `high` (g, mL, m, m2, count)."""


@dataclass(frozen=True)
class LotRange:
    """The lot sizes a rule set's plan covers (when an N falls outside)."""

    low: int
    """The smallest lot covered."""
    high: int | None
    """The largest lot covered; None when open."""


@dataclass(frozen=True)
class LotCheck:
    """Qn and N checked against a rule set: the preview, or which of them is outside and the range covered."""

    preview: LotPreview | None
    """The plan, T and balance check; None when Qn or N is outside the rule set."""
    nominal_range: NominalRange | None
    """Set when Qn is outside the rule set: what it covers."""
    lot_range: LotRange | None
    """Set when N is outside the rule set's plan: what it covers."""


# -- home screen -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellProgress:
    """One cell of the programme matrix."""

    quota: int
    """Lots to inspect."""
    done: int = 0
    """Finalised inspections."""
    failed: int = 0
    """Finalised inspections whose lot failed."""
    open: int = 0
    """Inspections started, not finalised."""


@dataclass(frozen=True)
class InspectionRow:
    """One inspection as a list shows it."""

    inspection: Inspection
    """The inspection."""
    outcome: Outcome | None = None
    """The saved verdict's outcome, once finalised."""
    weighed: int = 0
    """While open: packages recorded so far."""
    needed: int = 0
    """While open: packages the current stage needs."""


__all__ = [
    "VOLUME_STEP",
    "CellProgress",
    "InspectionRow",
    "LabelState",
    "LotCheck",
    "LotPreview",
    "LotRange",
    "LotState",
    "NominalRange",
    "TareState",
    "entry_for",
    "header_weighing_unit",
    "lot_resolution",
    "weighing_unit",
]
