"""Provides `SamplingStore`: the sampling form (抽样单) of an inspection and the ambient conditions at its weighing, as records.

A part of `SqliteStore` (fieldtool.storage.store). Both are evidence of the lot: they are recorded
only while the inspection is open (`_append` refuses a final one), signed like every record, and
kept append-only: a corrected form is a new ``sampling-recorded`` record, and the latest counts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fieldtool.core.inspection import SiteKind
from fieldtool.core.record_schema import EnvironmentStage
from fieldtool.core.records import RecordKind
from fieldtool.storage.base import StoreBase
from fieldtool.storage.codec import Row


@dataclass(frozen=True)
class SamplingForm:
    """The sampling form (抽样单, JJF 1070 appendix H) as filled on site."""

    form_no: str
    """The form's number (抽样单编号)."""
    sampled_at: str
    """The date and time of the sampling as written on the form, China Standard Time, ``YYYY-MM-DD HH:MM``."""
    place: str
    """Where the samples were taken (抽样地点)."""
    samplers: tuple[str, ...]
    """The samplers (抽样人员), at least one."""
    unit_name: str
    """The inspected unit's name (受检单位)."""
    unit_address: str
    """Its address."""
    unit_kind: SiteKind
    """What kind of unit it is: producer, wholesaler or retailer."""
    unit_contact: str
    """Its contact person and telephone (may be empty)."""
    producer_name: str
    """The producer as labelled (标称生产者); empty when the label names none."""
    producer_address: str
    """The producer's address as labelled."""
    product_name: str
    """The product's name (产品名称)."""
    brand: str
    """The brand (商标)."""
    specification: str
    """The specification as labelled (规格型号), e.g. ``500 g``."""
    batch: str
    """The batch number (批号), may be empty."""
    production_date: date | None
    """The production date as labelled, if any."""
    lot_size: int
    """The lot size (抽样基数): the inspection's."""
    sample_count: int
    """How many packages were taken (抽样数量)."""
    sample_condition: str
    """The samples' condition (样品状态), e.g. sealed, intact."""
    packaging: str
    """The packaging (包装), e.g. plastic bag."""
    samples_to: str
    """Where the samples go (样品去向): returned, kept by the institute …"""
    representative: str
    """The inspected party's representative who signs the form (受检单位代表)."""
    notes: str
    """Anything else written on the form (may be empty)."""

    def body(self) -> dict[str, Any]:
        """The record body of this form (checked beforehand)."""
        body = asdict(self)
        body["samplers"] = list(self.samplers)
        body["unit_kind"] = self.unit_kind.value
        body["production_date"] = None if self.production_date is None else self.production_date.isoformat()
        return body


@dataclass(frozen=True)
class StoredSamplingForm:
    """A sampling form as recorded."""

    form: SamplingForm
    """What it says."""
    record_id: str
    """The ``sampling-recorded`` record that holds it."""
    recorded_at: datetime
    """When it was recorded (aware, UTC)."""
    revision: int
    """How many times it was recorded before this one (0: the first form)."""


@dataclass(frozen=True)
class EnvironmentReading:
    """The ambient temperature and relative humidity read at the weighing."""

    temperature_c: Decimal
    """Temperature, °C."""
    humidity_pct: Decimal
    """Relative humidity, %."""
    stage: EnvironmentStage
    """Before, during or after the weighing of the sample."""
    packages_weighed: int
    """How many packages had been weighed when it was read."""
    place: str
    """Where it was read (may be empty: at the weighing place)."""
    record_id: str
    """The ``environment-recorded`` record that holds it."""
    recorded_at: datetime
    """When it was recorded (aware, UTC)."""


def _form_from_row(row: Row) -> SamplingForm:
    return SamplingForm(
        form_no=row["form_no"], sampled_at=row["sampled_at"], place=row["place"],
        samplers=tuple(json.loads(row["samplers"])), unit_name=row["unit_name"], unit_address=row["unit_address"],
        unit_kind=SiteKind(row["unit_kind"]), unit_contact=row["unit_contact"], producer_name=row["producer_name"],
        producer_address=row["producer_address"], product_name=row["product_name"], brand=row["brand"],
        specification=row["specification"], batch=row["batch"],
        production_date=None if row["production_date"] is None else date.fromisoformat(row["production_date"]),
        lot_size=row["lot_size"], sample_count=row["sample_count"], sample_condition=row["sample_condition"],
        packaging=row["packaging"], samples_to=row["samples_to"], representative=row["representative"],
        notes=row["notes"],
    )


class SamplingStore(StoreBase):
    """The sampling form and the environment of an inspection."""

    def record_sampling_form(self, inspection_id: str, form: SamplingForm) -> StoredSamplingForm:
        """Record (or record again, to correct it) the sampling form of an open inspection.

        Args:
            inspection_id: the inspection.
            form: the form, checked by the use-case (`fieldtool.usecases.sampling_form`).

        Returns:
            The form as stored (the latest now).

        Raises:
            NotFoundError: no such inspection.
            StoreError: the inspection is final, or the database refused the record.
        """
        self._append(RecordKind.SAMPLING_RECORDED, inspection_id, form.body())
        stored = self.sampling_form(inspection_id)
        assert stored is not None
        return stored

    def sampling_form(self, inspection_id: str) -> StoredSamplingForm | None:
        """The latest sampling form of an inspection, or None before any.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        rows = self._all("SELECT * FROM sampling_forms WHERE inspection_id = ? ORDER BY at, rowid", [inspection_id])
        if not rows:
            return None
        row = rows[-1]
        return StoredSamplingForm(_form_from_row(row), row["id"], datetime.fromisoformat(row["at"]), len(rows) - 1)

    def record_environment(
        self, inspection_id: str, temperature_c: Decimal, humidity_pct: Decimal, stage: EnvironmentStage, place: str
    ) -> EnvironmentReading:
        """Record the ambient conditions at the weighing of an open inspection.

        The packages weighed so far are counted inside the same transaction.

        Raises:
            NotFoundError: no such inspection.
            StoreError: the inspection is final, or the database refused the record.
        """
        with self._writing():
            self._require_open(inspection_id)
            weighed = len(self.current_measurements(inspection_id))
            record = self._append(RecordKind.ENVIRONMENT_RECORDED, inspection_id, {
                "temperature_c": str(temperature_c), "humidity_pct": str(humidity_pct), "stage": stage.value,
                "packages_weighed": weighed, "place": place,
            }, checked_open=True)
        return next(r for r in self.environment_readings(inspection_id) if r.record_id == record.id)

    def environment_readings(self, inspection_id: str) -> list[EnvironmentReading]:
        """Every reading of the ambient conditions of an inspection, in the order recorded.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        return [
            EnvironmentReading(
                temperature_c=Decimal(row["temperature_c"]), humidity_pct=Decimal(row["humidity_pct"]),
                stage=EnvironmentStage(row["stage"]), packages_weighed=row["packages_weighed"], place=row["place"],
                record_id=row["id"], recorded_at=datetime.fromisoformat(row["at"]),
            )
            for row in self._all(
                "SELECT * FROM environment_readings WHERE inspection_id = ? ORDER BY at, rowid", [inspection_id])
        ]
