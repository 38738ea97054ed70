"""Provides the lot report's data: everything the report shows, as plain values (no reportlab).

`fieldtool.reports.lot` lays a `LotReportData` out; the use-case that gathers it from the store
(`lot_report_data`) sits above the reports and imports these types downwards. Nothing here reads
the store or judges a lot: the classes, statistics and verdict are those the data were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from fieldtool.core.chinatime import local
from fieldtool.core.evaluate import ClassCounts, LotEvaluation, PackageClass, Progress
from fieldtool.core.inspection import (
    Balance,
    DensityRecord,
    Inspection,
    InspectionHeader,
    InspectorProfile,
    Measurement,
    StoredVerdict,
    TareWeighing,
)
from fieldtool.core.instrument import Suitability
from fieldtool.core.label import LabelCheck, LabelResult
from fieldtool.core.programme import City, Product, Programme
from fieldtool.core.quantity import Unit
from fieldtool.core.resolution import Resolution
from fieldtool.core.rules import ResolvedPlan, RuleSet, TneLimits
from fieldtool.core.sampling import Draw
from fieldtool.core.statistics import MeanStatistics
from fieldtool.core.tare import AverageTareAssessment, TareMethod
from fieldtool.infra.institute import Institute

if TYPE_CHECKING:  # the store's types, named only: the report data are built by the use-cases
    from fieldtool.storage.sampling import EnvironmentReading, StoredSamplingForm


class TareRecords(Protocol):
    """The tare of a lot as the report shows it (the use-cases pass their lot's tare state)."""

    @property
    def method(self) -> TareMethod:
        """Individual, average or net."""

    @property
    def weighings(self) -> Sequence[TareWeighing]:
        """Every tare weighing recorded."""

    @property
    def average(self) -> AverageTareAssessment | None:
        """For average tare: the assessment of the tare sample."""


@dataclass(frozen=True)
class PackageRow:
    """One package of the sample as the report's table shows it (its current version)."""

    number: int
    """1-based number in the sample (weighing order of the packages that count)."""
    measurement: Measurement
    """The current version: gross, tare, net, units, density, source, raw line, time."""
    shortfall: Decimal
    """d = Qn − q, in the lot's unit (negative when the package holds more than Qn)."""
    cls: PackageClass
    """OK, T1 (T < d ≤ 2T) or T2 (d > 2T)."""
    corrected: bool
    """True when an earlier version of this package was corrected (shown in the corrections)."""
    in_mean_sample: bool
    """True when the package belongs to the mean sample (the first `mean_n` packages)."""

    @property
    def net(self) -> Decimal:
        """q, in the lot's unit."""
        return self.measurement.net

    @property
    def net_mass(self) -> Decimal | None:
        """gross − tare in the weighing unit, when both were recorded."""
        m = self.measurement
        return None if m.gross is None or m.tare is None else m.gross - m.tare


@dataclass(frozen=True)
class CorrectionRow:
    """One change to a package: the version replaced, and the version that replaced (or withdrew) it."""

    position: int
    """The package's place in weighing order, as stored (kept by every version)."""
    original: Measurement
    """The version that was replaced; it stays in the record and on the report."""
    replacement: Measurement
    """The new version: corrected values, or the withdrawal (``withdrawn``)."""

    @property
    def withdrawn(self) -> bool:
        """True when the package was withdrawn (it no longer counts), not corrected."""
        return self.replacement.withdrawn

    @property
    def reason(self) -> str:
        """Why it was changed, as the inspector typed it."""
        return self.replacement.reason or ""


@dataclass(frozen=True)
class BalanceInfo:
    """The balance used, from the register, and whether it is fit for this lot."""

    balance: Balance
    """The register entry."""
    tne_in_balance_unit: Decimal
    """T expressed in the balance's unit (a volume T converted with the lot's density, or ρ = 1)."""
    suitability: Suitability | None
    """The check error ≤ fraction × T (MPE, else e, else d); None when no figure is known."""
    calibration_valid: bool | None
    """True when the certificate was in date on the inspection day; None when no due date is known."""


@dataclass(frozen=True)
class StatisticsFigures:
    """The mean-sample statistics with the intermediate sums, so the arithmetic can be re-done."""

    stats: MeanStatistics
    """Exact statistics (q̄, s², λ)."""
    sum_q: Decimal
    """Σq over the mean sample, exactly."""
    sum_sq_dev: Decimal | None
    """Σ(q − q̄)², rounded to the display places; None when n < 2."""
    variance: Decimal | None
    """s², rounded to the display places; None when n < 2."""
    nominal: Decimal
    """Qn."""

    @property
    def limit(self) -> Decimal:
        """Qn − λ·s, for display."""
        return self.stats.limit(self.nominal)

    @property
    def margin(self) -> Decimal:
        """q̄ − (Qn − λ·s), for display."""
        return self.stats.margin(self.nominal)


@dataclass(frozen=True)
class SigningKeyShown:
    """A device whose records the report rests on, the key they were verified under, and who vouches for it."""

    device_id: str
    """The device (its UUID)."""
    fingerprint: str
    """The public key's short fingerprint (fieldtool.infra.keys.fingerprint)."""
    vouched_by: str
    """``register`` (the hub's register), ``trust-file`` (``--trust FILE``), ``local`` (this laptop's device
    key) or ``database`` (the key the database names itself: integrity only)."""
    trust_file: str = ""
    """For ``trust-file``: the file given."""


@dataclass(frozen=True)
class ReceiptShown:
    """The hub's receipt that the chain of the lot's device was held against."""

    issued_by_here: bool
    """True on the hub that issued it; False for the receipt a laptop kept from its hub."""
    seq: int
    """The seq of the chain it acknowledges."""
    issued_at: datetime
    """When it was issued."""


@dataclass(frozen=True)
class ReportVerification:
    """What was verified before the report was made (fieldtool.sync.lot_verify), as the report prints it."""

    keys: tuple[SigningKeyShown, ...]
    """The devices whose records were checked, with their key."""
    records: int
    """Records checked: the lot's, its finalisation signature, the register entries it names."""
    signed: int
    """Of them, the records whose own signature verified."""
    receipt: ReceiptShown | None
    """The receipt of the lot's device's chain, when one was issued."""
    authenticated: bool
    """Every key was vouched for (else integrity only)."""


@dataclass(frozen=True)
class Conclusion:
    """One conclusion of the report, as a sentence naming its basis (the net quantity; the label check adds its own)."""

    subject_zh: str
    """What is concluded on, in Chinese (净含量)."""
    subject_en: str
    """The same in English (net quantity)."""
    outcome: str | None
    """``pass``, ``fail``, or None while it cannot be judged yet."""
    sentence_zh: str
    """The sentence, e.g. 经检验，该批……净含量符合 JJF 1070-2005 的要求，判定为合格。"""
    sentence_en: str
    """The sentence in English."""


@dataclass(frozen=True)
class SignOff:
    """Who reviewed (审核) and approved (批准) the report, and when it was issued (签发日期).

    Every field is None until review and approval are recorded (issue 13's review records fill them);
    the report then prints empty lines to sign by hand.
    """

    reviewer: str | None = None
    """The reviewer's name (审核)."""
    reviewed_on: date | None = None
    """The day of the review."""
    approver: str | None = None
    """The authorised signatory's name (批准)."""
    approved_on: date | None = None
    """The day of the approval."""
    issued_on: date | None = None
    """The issue date (签发日期)."""
    issued: bool = False
    """Approved: the report is issued. A final report that is not carries 未签发 / NOT ISSUED on every page."""
    revision: int = 0
    """The revision of the report (0: the first); a header corrected after an issue makes the next."""
    replaces: str | None = None
    """The number of the report this revision replaces (None for the first)."""


DEFAULT_RESOLUTION = Resolution(weighing=1, net=1)
"""The places of a report whose data names none (a balance of d = 0.1)."""


@dataclass(frozen=True)
class LotReportData(TneLimits, ClassCounts):
    """Everything the lot report shows, gathered from the store."""

    report_number: str
    """``FT-<year>-<CITY>-<ID8>``: the programme's year, the city and the start of the inspection id."""
    fingerprint: str
    """SHA-256 hex over the canonical JSON of the inspection's record hashes."""
    record_count: int
    """How many records the fingerprint covers."""
    inspection: Inspection
    """The inspection: header, device, times, who finalised it."""
    programme: Programme | None
    """The programme, when the inspection belongs to one."""
    city: City | None
    """The programme's city (names in zh/en)."""
    product: Product | None
    """The programme's product (names in zh/en)."""
    rules: RuleSet
    """The rule set the lot is judged by."""
    plan: ResolvedPlan
    """The plan row for N: n, λ, accept numbers."""
    unit: Unit
    """The lot's unit (of Qn, T, nets)."""
    weighing_unit: Unit
    """The unit gross and tare weights are in."""
    tne: Decimal
    """T in the lot's unit."""
    balance: BalanceInfo | None
    """The balance used; None when the inspection names none."""
    draw: Draw | None
    """The positions drawn by fieldtool from the seed; None when drawn by hand."""
    tare: TareRecords
    """Tare method, every tare weighing and (average tare) the assessment of the tare sample."""
    densities: tuple[DensityRecord, ...]
    """Every density recorded, in order (the last one is used)."""
    needs_density: bool
    """True when the lot is judged by volume from weighed masses."""
    packages: tuple[PackageRow, ...]
    """The current version of each package that counts, in weighing order."""
    history: tuple[Measurement, ...]
    """Every version of every package, by position, then in the order recorded."""
    corrections: tuple[CorrectionRow, ...]
    """Every correction or withdrawal, with the original values and the reason."""
    progress: Progress
    """Counts and statistics so far (a draft of an unfinished inspection shows these)."""
    evaluation: LotEvaluation | None
    """The evaluation of the complete sample; None while the sample is incomplete."""
    statistics: StatisticsFigures | None
    """The mean-sample statistics with their sums; None without a mean test or before 2 packages."""
    verdict: StoredVerdict | None
    """The saved verdict (finalised inspections)."""
    verdict_matches: bool
    """True unless the saved verdict differs from the one recomputed from the stored measurements."""
    profile: InspectorProfile | None
    """The device's inspector profile (organisation, inspector number)."""
    verification: ReportVerification | None = None
    """What was verified before the report was made: keys, records checked, the receipt."""
    institute: Institute | None = None
    """The issuing body (`fieldtool.infra.institute`); None: not configured, and the report says so."""
    resolution: Resolution = DEFAULT_RESOLUTION
    """The decimal places the report prints."""
    conclusions: tuple[Conclusion, ...] = ()
    """The conclusions, each a sentence naming its basis, in the order printed (the net quantity first)."""
    sign_off: SignOff = SignOff()
    """Review, approval and issue (None each until recorded)."""
    label: LabelResult | None = None
    """The label check (净含量标注) that counts, judged; None while the label is not checked."""
    label_check: LabelCheck | None = None
    """The same check as recorded (who, when, the photo reference, the conclusion recorded)."""
    sampling_form: StoredSamplingForm | None = None
    """The sampling form (抽样单) as last recorded: its number, date, place, samplers and the producer
    as labelled; None when none was filled in."""
    environment: tuple[EnvironmentReading, ...] = ()
    """The ambient temperature and relative humidity read at the weighing, in the order recorded."""

    @property
    def header(self) -> InspectionHeader:
        """The inspection header."""
        return self.inspection.header

    @property
    def is_final(self) -> bool:
        """True when the inspection is finalised."""
        return self.inspection.is_final

    @property
    def nominal(self) -> Decimal:
        """Qn."""
        return self.inspection.header.nominal

    @property
    def inspection_date(self) -> date:
        """The day the inspection was opened (China Standard Time)."""
        return local(self.inspection.created_at).date()

    @property
    def density(self) -> DensityRecord | None:
        """The density in use (the last recorded)."""
        return self.densities[-1] if self.densities else None

    @property
    def qr_payload(self) -> str:
        """What the report's QR code holds: the inspection, the report number and the fingerprint."""
        return f"fieldtool-lot;id={self.inspection.id};no={self.report_number};sha256={self.fingerprint}"


__all__ = [
    "BalanceInfo",
    "Conclusion",
    "CorrectionRow",
    "LotReportData",
    "PackageRow",
    "ReceiptShown",
    "ReportVerification",
    "Resolution",
    "SignOff",
    "SigningKeyShown",
    "StatisticsFigures",
    "TareRecords",
]
