"""Provides the programme summary's figures as plain values (no reportlab): what `summary.py` lays out.

The use-case that gathers them (`programme_summary_data`, one pass over the finalised inspections
and their saved verdicts) sits above the reports and imports these types downwards. Nothing here
judges a lot: outcomes and failed criteria are those saved with each verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from fieldtool.core.evaluate import Criterion
from fieldtool.core.inspection import SiteKind
from fieldtool.core.programme import City, Product, Programme
from fieldtool.core.rules import PlanRow, RuleSet
from fieldtool.infra.institute import Institute
from fieldtool.stats.summary import Spread


@dataclass(frozen=True)
class Counts:
    """Lots inspected and failed in some part of the programme."""

    lots: int = 0
    """Finalised inspections (lots judged)."""
    failed: int = 0
    """Of them, lots whose saved verdict is fail."""

    @property
    def passed(self) -> int:
        """Lots whose saved verdict is pass."""
        return self.lots - self.failed

    @property
    def pass_rate(self) -> float | None:
        """Passed / lots as a fraction (0 … 1); None when no lot was inspected."""
        return None if self.lots == 0 else self.passed / self.lots

    def plus(self, failed: bool) -> Counts:
        """These counts with one more lot."""
        return Counts(self.lots + 1, self.failed + int(failed))


@dataclass(frozen=True)
class Cell:
    """One city × product cell of the matrix."""

    quota: int
    """Lots the programme asks for in this cell."""
    counts: Counts
    """Lots inspected and failed."""


@dataclass(frozen=True)
class Period:
    """One calendar month of the programme."""

    year: int
    """The year."""
    month: int
    """The month, 1 … 12."""
    counts: Counts
    """Lots opened in that month (China Standard Time) and failed."""

    @property
    def label(self) -> str:
        """``2012-05``."""
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class FailingLot:
    """A lot that failed, with what a supervisor needs for follow-up and the list of offenders."""

    inspection_id: str
    """The inspection's UUID."""
    city: City | None
    """The programme's city (None when the inspection names a city the programme does not have)."""
    city_id: str
    """The city id as stored (may be empty)."""
    product: Product | None
    """The programme's product (None when unknown to the programme)."""
    product_id: str
    """The product id as stored (may be empty)."""
    inspected_on: date
    """The day the inspection was opened (China Standard Time)."""
    site_name: str
    """The inspected company or shop."""
    site_address: str
    """Its address."""
    site_kind: SiteKind
    """Producer, wholesaler or retailer."""
    brand: str
    """Brand and product name as labelled."""
    batch: str
    """Batch or lot number as labelled."""
    production_date: date | None
    """Production date as labelled."""
    nominal: Decimal
    """Qn as saved with the verdict."""
    unit: str
    """The unit of Qn, T and the criteria."""
    lot_size: int
    """N."""
    tne: Decimal
    """T."""
    failed: tuple[Criterion, ...]
    """The saved criteria whose status is fail."""
    reasons: Mapping[str, tuple[str, ...]]
    """Each failed criterion worded (`fieldtool.core.explain.reason_text`), by language: ``en`` and ``zh``."""
    deviation: float
    """(q̄ − Qn)/T of the lot's mean sample (NaN when T = 0)."""
    notes: str
    """The inspection's notes (the sampling form number, for example)."""
    producer_name: str | None = None
    """The producer as labelled, from the sampling form ("" when the label names none); None: no form."""
    producer_address: str = ""
    """The producer's address as labelled (from the sampling form)."""


@dataclass(frozen=True)
class ProductDeviations:
    """The lot mean deviations (q̄ − Qn)/T of one product."""

    product: Product
    """The product."""
    values: tuple[float, ...]
    """One value per lot, in the order the lots were opened (NaN where T = 0)."""
    failed: tuple[bool, ...]
    """Whether each lot failed, in the same order."""
    spread: Spread | None
    """Five-number summary of the values; None without lots."""


@dataclass(frozen=True)
class RuleSetUse:
    """A rule set that judged lots of the selection."""

    rule_set: RuleSet
    """The rule set."""
    lots: int
    """Lots judged by it."""


@dataclass(frozen=True)
class PlanRowUse:
    """A row of a sampling plan that judged lots of the selection."""

    rule_set_id: str
    """The rule set."""
    variant: str
    """The sampling plan variant."""
    row: PlanRow
    """The plan row (lot sizes, n, λ, allowed counts)."""
    lots: Counts
    """Lots judged with this row, and failed."""

    @property
    def accept(self) -> int | None:
        """The first stage's accept number of the defectives count, if the row has one."""
        return self.row.stages[0].accept if self.row.stages else None


@dataclass(frozen=True)
class Scope:
    """What the summary covers, as asked."""

    city_ids: tuple[str, ...] | None
    """Only these cities (None: all of the programme's)."""
    product_ids: tuple[str, ...] | None
    """Only these products (None: all)."""
    since: date | None
    """First day covered, inclusive (China Standard Time); None: from the start."""
    until: date | None
    """Last day covered, inclusive; None: to the end."""


@dataclass(frozen=True)
class SummaryData:
    """Everything the programme summary shows."""

    programme: Programme
    """The programme."""
    scope: Scope
    """The selection asked for."""
    generated_on: date
    """The summary's date (编制日期): the one asked for, else the day the latest counted lot was finalised (UTC+8)."""
    report_no: str
    """The report number: programme, `generated_on` and a fingerprint of the lots and verdicts counted."""
    fingerprint: str
    """SHA-256 (hex) of the ids of the inspections and verdicts counted, sorted: equal data, equal fingerprint."""
    first_day: date
    """The day the earliest counted inspection was opened."""
    last_day: date
    """The day the latest counted inspection was opened."""
    totals: Counts
    """Every lot counted."""
    periods: tuple[Period, ...]
    """By month, in order (months without lots between the first and the last are included, with zeros)."""
    cities: tuple[City, ...]
    """The cities in scope, in the programme's order."""
    products: tuple[Product, ...]
    """The products in scope, in the programme's order."""
    cells: Mapping[tuple[str, str], Cell]
    """Every city × product of the scope, by (city id, product id)."""
    by_city: Mapping[str, Counts]
    """Per city id of `cities`."""
    by_product: Mapping[str, Counts]
    """Per product id of `products`."""
    unassigned: Counts
    """Lots whose city or product is not one of the programme's (counted in `totals`, not in the matrix)."""
    deviations: tuple[ProductDeviations, ...]
    """(q̄ − Qn)/T by product, in the order of `products`."""
    failing: tuple[FailingLot, ...]
    """Every failed lot: by city and product in the programme's order, then by day."""
    rule_sets: tuple[RuleSetUse, ...]
    """The rule sets that judged the lots (the programme's first)."""
    plan_rows: tuple[PlanRowUse, ...]
    """The plan rows used, by rule set, variant and lot size."""
    open_inspections: int
    """Inspections of the scope not finalised yet (not counted anywhere else)."""
    last_finalised: datetime
    """When the latest counted inspection was finalised (UTC): the data are as of then."""
    lot_ids: tuple[str, ...] = field(default=(), repr=False)
    """The ids of the inspections counted, in the order they were opened."""
    institute: Institute | None = None
    """The issuing body; None: not configured, and the summary says so."""
    labels: Counts = Counts()
    """The label check (净含量标注), counted apart from the net quantity: lots whose label was checked, and failed."""
    labels_unchecked: int = 0
    """Lots counted whose label was not checked (in neither label count)."""


__all__ = [
    "Cell",
    "Counts",
    "FailingLot",
    "Period",
    "PlanRowUse",
    "ProductDeviations",
    "RuleSetUse",
    "Scope",
    "SummaryData",
]
