"""Provides the inspection domain: the header of an inspection, its measurements, tares, densities and verdicts as stored."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fieldtool.core.evaluate import Criterion, Outcome
from fieldtool.core.tare import TareMethod


class SiteKind(enum.StrEnum):
    """Where in the supply chain the lot was inspected."""

    PRODUCER = "producer"
    """At the packer or producer (a production line)."""
    WHOLESALER = "wholesaler"
    """At a wholesaler or distribution warehouse."""
    RETAILER = "retailer"
    """In a shop."""


class SamplingMethod(enum.StrEnum):
    """How the sample was drawn (JJF 1070 annex A)."""

    SYSTEMATIC = "systematic"
    """等距: every k-th package, at a production line."""
    STRATIFIED = "stratified"
    """分层: from each layer or carton of the lot."""
    SIMPLE_RANDOM = "simple-random"
    """简单随机: packages drawn at random from the whole lot."""


class MeasurementSource(enum.StrEnum):
    """How a weight reached the store."""

    TYPED = "typed"
    """Typed by the inspector."""
    BALANCE = "balance"
    """Read from a connected balance; the balance's line is kept as `raw`."""


class DensityMethod(enum.StrEnum):
    """How a density was obtained."""

    FLASK = "flask"
    """Computed from a calibrated volumetric flask weighed empty and filled: (filled − empty) / V."""
    TYPED = "typed"
    """Typed by the inspector (for example from a density meter)."""


@dataclass(frozen=True)
class InspectorProfile:
    """The inspector who uses this device."""

    id: str
    """UUID of the profile; it stays the same when the profile is saved again."""
    name: str
    """Full name, as printed on reports."""
    inspector_no: str
    """The inspector's official number (may be empty)."""
    organisation: str
    """The inspecting authority (may be empty)."""


@dataclass(frozen=True)
class Balance:
    """A weighing instrument of the register (net-content-rules.md §5)."""

    id: str
    """UUID of the register entry."""
    make: str
    """Manufacturer."""
    model: str
    """Model designation."""
    serial: str
    """Serial number."""
    unit: str
    """The unit of `max_capacity`, `d`, `e` and `mpe` (g or kg)."""
    max_capacity: Decimal
    """Max, the maximum capacity."""
    d: Decimal
    """The actual scale interval."""
    e: Decimal | None
    """The verification scale interval, when the balance is verified."""
    accuracy_class: str
    """The accuracy class (I, II, III, IIII), or empty when not known."""
    mpe: Decimal | None
    """The maximum permissible error at the loads used, when known."""
    certificate: str
    """The calibration or verification certificate's number (may be empty)."""
    calibration_due: date | None
    """When the certificate expires."""
    connection: str | None
    """How to reach the balance (for example ``serial:/dev/ttyUSB0:9600``); None when weights are typed."""
    added_at: datetime
    """When the balance was added to the register (UTC)."""


@dataclass(frozen=True, kw_only=True)
class InspectionHeader:
    """What an inspection is about: where, which lot, under which rules, by whom and with what."""

    programme_id: str | None = None
    """The inspection programme (a file under ``sampling_plans/``), if any."""
    city_id: str | None = None
    """The city or district the inspection belongs to, if the programme has them."""
    site_name: str
    """The inspected company or shop."""
    site_address: str = ""
    """Its address."""
    site_kind: SiteKind
    """Producer, wholesaler or retailer."""
    product_id: str | None = None
    """The product's id in the programme, if any."""
    brand: str = ""
    """Brand and product name as labelled."""
    batch: str = ""
    """Batch or lot number as labelled."""
    production_date: date | None = None
    """Production date as labelled."""
    nominal: Decimal
    """Qn, the labelled quantity, in `unit`."""
    unit: str
    """Canonical symbol of Qn's unit (g, kg, mL, L, m, cm, m2, count); every measurement is in it."""
    lot_size: int
    """N, the number of packages in the lot."""
    rule_set_id: str
    """The rule set the lot is judged by (``jjf1070-2005`` …)."""
    variant: str = "standard"
    """The sampling plan variant of the rule set."""
    sampling_method: SamplingMethod
    """How the sample was drawn."""
    sampling_seed: int | None = None
    """Seed of the random draw, so the sample can be reproduced; None when drawn by hand."""
    inspectors: tuple[str, ...] = ()
    """The inspectors present, by name (two are usually required)."""
    balance_id: str | None = None
    """The balance of the register used; None when no balance was needed (count, length)."""
    tare_method: TareMethod
    """How net quantities are obtained: individual tare, average tare or net directly."""
    notes: str = ""
    """Free text."""


@dataclass(frozen=True)
class Inspection:
    """A stored inspection: its header and its life-cycle."""

    id: str
    """UUID of the inspection (the id of the record that opened it)."""
    header: InspectionHeader
    """What the inspection is about."""
    device_id: str
    """The device on which it was opened."""
    created_at: datetime
    """When it was opened (UTC)."""
    finalised_at: datetime | None = None
    """When it was finalised (UTC); None while it is open."""
    finalised_by: str | None = None
    """Who finalised it."""

    @property
    def is_final(self) -> bool:
        """Whether the inspection is finalised and can no longer change."""
        return self.finalised_at is not None


@dataclass(frozen=True)
class Measurement:
    """One version of one package's measurement; corrections and withdrawals are new versions."""

    id: str
    """UUID of this version (the id of its record)."""
    inspection_id: str
    """The inspection."""
    position: int
    """1-based place of the package in weighing order; every version of a package keeps it."""
    net: Decimal
    """Net quantity q, exactly as recorded, in `unit`."""
    gross: Decimal | None
    """Gross weight, when the package was weighed full."""
    tare: Decimal | None
    """Tare subtracted, when there was one."""
    unit: str
    """The unit of `net`: the inspection's unit."""
    weighing_unit: str | None
    """The unit of `gross` and `tare` when it differs from `unit` (a liquid weighed in g, judged in mL)."""
    density: Decimal | None
    """ρ in g/mL at 20 °C used to turn the net mass into the net volume (V = m / ρ); None when not converted."""
    source: MeasurementSource
    """Typed or read from a balance."""
    raw: str | None
    """The balance's line as received, when read from a balance."""
    supersedes: str | None
    """The version this one replaces; None for the first version."""
    reason: str | None
    """Why the earlier version was corrected or withdrawn; None for the first version."""
    withdrawn: bool
    """True when this version withdraws the package (it no longer counts)."""
    recorded_at: datetime
    """When this version was recorded (UTC)."""


@dataclass(frozen=True)
class TareWeighing:
    """One weighing of an empty packaging."""

    id: str
    """UUID (the id of its record)."""
    inspection_id: str
    """The inspection."""
    method: TareMethod
    """Individual (the packaging of one package) or average (one of the tare sample)."""
    position: int | None
    """For an individual tare, the position of the package it belongs to; None for the tare sample."""
    value: Decimal
    """The weight, exactly as recorded, in `unit`."""
    unit: str
    """The unit of `value` (the inspection's unit, or g / kg for a liquid judged by volume)."""
    source: MeasurementSource
    """Typed or read from a balance."""
    raw: str | None
    """The balance's line as received, when read from a balance."""
    recorded_at: datetime
    """When it was recorded (UTC)."""


@dataclass(frozen=True)
class DensityRecord:
    """A density at 20 °C, used to turn masses into volumes (V = m / ρ)."""

    id: str
    """UUID (the id of its record)."""
    inspection_id: str
    """The inspection."""
    method: DensityMethod
    """Flask or typed."""
    density_g_per_ml: Decimal
    """ρ in g/mL."""
    temperature_c: Decimal | None
    """The product's temperature in °C when measured, if taken."""
    flask_volume_ml: Decimal | None
    """For the flask method: the flask's calibrated volume in mL."""
    filled_g: Decimal | None
    """For the flask method: the filled flask in g."""
    empty_g: Decimal | None
    """For the flask method: the empty flask in g."""
    recorded_at: datetime
    """When it was recorded (UTC)."""


@dataclass(frozen=True)
class VerdictInputs:
    """Everything a verdict was computed from, so anyone can compute it again."""

    rule_set_id: str
    """The rule set applied."""
    variant: str
    """The sampling plan variant applied."""
    nominal: Decimal
    """Qn."""
    unit: str
    """The unit of Qn, T and the nets."""
    lot_size: int
    """N."""
    nets: tuple[Decimal, ...]
    """The net quantities judged, in weighing order."""
    measurement_ids: tuple[str, ...]
    """The measurement versions the nets were taken from, in the same order."""
    tne: Decimal
    """T for Qn under the rule set."""


@dataclass(frozen=True)
class StoredVerdict:
    """A verdict as saved: outcome, criteria and the inputs that produced them."""

    id: str
    """UUID (the id of its record)."""
    inspection_id: str
    """The inspection."""
    outcome: Outcome
    """Pass, fail or second sample needed."""
    inputs: VerdictInputs
    """What it was computed from."""
    criteria: tuple[Criterion, ...]
    """Each criterion with its status and numbers."""
    evaluated_at: datetime
    """When it was saved (UTC)."""
    engine_version: str
    """The fieldtool version that computed it."""
