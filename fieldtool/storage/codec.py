"""Provides the conversions between domain objects and what is stored: record bodies and table rows.

Decimals travel as their exact text ("499.10" stays "499.10"), dates and times as ISO 8601
(times always in UTC), enums as their values. Reading a row back gives the same domain object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fieldtool.core.evaluate import Criterion, CriterionCode, LotEvaluation, Outcome, Status
from fieldtool.core.inspection import (
    Balance,
    DensityMethod,
    DensityRecord,
    Inspection,
    InspectionHeader,
    InspectorProfile,
    Measurement,
    MeasurementSource,
    SamplingMethod,
    SiteKind,
    StoredVerdict,
    TareWeighing,
    VerdictInputs,
)
from fieldtool.core.records import canonical_json
from fieldtool.core.tare import TareMethod

Row = Mapping[str, Any]
"""A table row as sqlite-utils returns it."""


def dec(text: str | None) -> Decimal | None:
    """A decimal from its stored text, or None."""
    return None if text is None else Decimal(text)


def iso_day(day: date | None) -> str | None:
    """A calendar date as its stored text (ISO 8601), or None."""
    return None if day is None else day.isoformat()


def day_from_iso(text: str | None) -> date | None:
    """A calendar date from its stored text, or None."""
    return None if text is None else date.fromisoformat(text)


def utc_text(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with microseconds (text order is time order).

    Raises:
        ValueError: the datetime is naive, so its instant is unknown.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the clock must return an aware datetime; got {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def utc(text: str) -> datetime:
    """A stored ISO 8601 time as an aware datetime."""
    return datetime.fromisoformat(text)


def json_text(value: object) -> str:
    """The canonical JSON text of a value (for JSON columns)."""
    return canonical_json(value).decode("utf-8")


def header_body(header: InspectionHeader) -> dict[str, Any]:
    """The record body of an inspection header (checked beforehand)."""
    return {
        "programme_id": header.programme_id,
        "city_id": header.city_id,
        "site_name": header.site_name,
        "site_address": header.site_address,
        "site_kind": header.site_kind,
        "product_id": header.product_id,
        "brand": header.brand,
        "batch": header.batch,
        "production_date": iso_day(header.production_date),
        "nominal": header.nominal,
        "unit": header.unit,
        "lot_size": header.lot_size,
        "rule_set_id": header.rule_set_id,
        "variant": header.variant,
        "sampling_method": header.sampling_method,
        "sampling_seed": header.sampling_seed,
        "inspectors": list(header.inspectors),
        "balance_id": header.balance_id,
        "tare_method": header.tare_method,
        "notes": header.notes,
    }


def header_from_row(row: Row) -> InspectionHeader:
    """The header of an `inspections` row."""
    return InspectionHeader(
        programme_id=row["programme_id"],
        city_id=row["city_id"],
        site_name=row["site_name"],
        site_address=row["site_address"],
        site_kind=SiteKind(row["site_kind"]),
        product_id=row["product_id"],
        brand=row["brand"],
        batch=row["batch"],
        production_date=day_from_iso(row["production_date"]),
        nominal=Decimal(row["nominal"]),
        unit=row["unit"],
        lot_size=row["lot_size"],
        rule_set_id=row["rule_set_id"],
        variant=row["variant"],
        sampling_method=SamplingMethod(row["sampling_method"]),
        sampling_seed=None if row["sampling_seed"] is None else int(row["sampling_seed"]),
        inspectors=tuple(json.loads(row["inspectors"])),
        balance_id=row["balance_id"],
        tare_method=TareMethod(row["tare_method"]),
        notes=row["notes"],
    )


def inspection_from_row(row: Row) -> Inspection:
    """An inspection from an `inspections` row left-joined with its `finalisations` row (by_name, at)."""
    return Inspection(
        id=row["id"],
        header=header_from_row(row),
        device_id=row["device_id"],
        created_at=utc(row["created_at"]),
        finalised_at=None if row["at"] is None else utc(row["at"]),
        finalised_by=row["by_name"],
    )


def inspector_from_row(row: Row) -> InspectorProfile:
    """The inspector profile of an `inspectors` row."""
    return InspectorProfile(
        id=row["id"], name=row["name"], inspector_no=row["inspector_no"], organisation=row["organisation"]
    )


def balance_from_row(row: Row) -> Balance:
    """A balance of a `balances` row."""
    return Balance(
        id=row["id"],
        make=row["make"],
        model=row["model"],
        serial=row["serial"],
        unit=row["unit"],
        max_capacity=Decimal(row["max_capacity"]),
        d=Decimal(row["d"]),
        e=dec(row["e"]),
        accuracy_class=row["accuracy_class"],
        mpe=dec(row["mpe"]),
        certificate=row["certificate"],
        calibration_due=day_from_iso(row["calibration_due"]),
        connection=row["connection"],
        added_at=utc(row["added_at"]),
    )


def measurement_from_row(row: Row) -> Measurement:
    """A measurement version of a `measurements` row."""
    return Measurement(
        id=row["id"],
        inspection_id=row["inspection_id"],
        position=row["position"],
        net=Decimal(row["net"]),
        gross=dec(row["gross"]),
        tare=dec(row["tare"]),
        unit=row["unit"],
        weighing_unit=row["weighing_unit"],
        density=dec(row["density"]),
        source=MeasurementSource(row["source"]),
        raw=row["raw"],
        supersedes=row["supersedes"],
        reason=row["reason"],
        withdrawn=bool(row["withdrawn"]),
        recorded_at=utc(row["recorded_at"]),
    )


def tare_from_row(row: Row) -> TareWeighing:
    """A tare weighing of a `tare_weighings` row."""
    return TareWeighing(
        id=row["id"],
        inspection_id=row["inspection_id"],
        method=TareMethod(row["method"]),
        position=row["position"],
        value=Decimal(row["value"]),
        unit=row["unit"],
        source=MeasurementSource(row["source"]),
        raw=row["raw"],
        recorded_at=utc(row["recorded_at"]),
    )


def density_from_row(row: Row) -> DensityRecord:
    """A density of a `densities` row."""
    return DensityRecord(
        id=row["id"],
        inspection_id=row["inspection_id"],
        method=DensityMethod(row["method"]),
        density_g_per_ml=Decimal(row["density_g_per_ml"]),
        temperature_c=dec(row["temperature_c"]),
        flask_volume_ml=dec(row["flask_volume_ml"]),
        filled_g=dec(row["filled_g"]),
        empty_g=dec(row["empty_g"]),
        recorded_at=utc(row["recorded_at"]),
    )


def verdict_body(evaluation: LotEvaluation, measurement_ids: tuple[str, ...], engine_version: str) -> dict[str, Any]:
    """The record body of a verdict: outcome, inputs and criteria."""
    return {
        "outcome": evaluation.outcome,
        "inputs": {
            "rule_set_id": evaluation.rules.id,
            "variant": evaluation.variant,
            "nominal": evaluation.nominal,
            "unit": evaluation.unit.symbol,
            "lot_size": evaluation.plan.lot_size,
            "nets": [p.net for p in evaluation.packages],
            "measurement_ids": list(measurement_ids),
            "tne": evaluation.tne,
        },
        "criteria": [
            {
                "code": c.code,
                "status": c.status,
                "observed": c.observed,
                "limit": c.limit,
                "excess": c.excess,
                "stage": c.stage,
                "reject_at": c.reject_at,
                "sample_size": c.sample_size,
            }
            for c in evaluation.criteria
        ],
        "engine_version": engine_version,
    }


def verdict_from_row(row: Row) -> StoredVerdict:
    """A stored verdict of a `verdicts` row."""
    inputs = json.loads(row["inputs"])
    criteria = json.loads(row["criteria"])
    return StoredVerdict(
        id=row["id"],
        inspection_id=row["inspection_id"],
        outcome=Outcome(row["outcome"]),
        inputs=VerdictInputs(
            rule_set_id=inputs["rule_set_id"],
            variant=inputs["variant"],
            nominal=Decimal(inputs["nominal"]),
            unit=inputs["unit"],
            lot_size=inputs["lot_size"],
            nets=tuple(Decimal(n) for n in inputs["nets"]),
            measurement_ids=tuple(inputs["measurement_ids"]),
            tne=Decimal(inputs["tne"]),
        ),
        criteria=tuple(
            Criterion(
                code=CriterionCode(c["code"]),
                status=Status(c["status"]),
                observed=Decimal(c["observed"]),
                limit=Decimal(c["limit"]),
                excess=Decimal(c["excess"]),
                stage=c["stage"],
                reject_at=c["reject_at"],
                sample_size=c["sample_size"],
            )
            for c in criteria
        ),
        evaluated_at=utc(row["evaluated_at"]),
        engine_version=row["engine_version"],
    )
