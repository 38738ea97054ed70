"""Provides the projections: how each record kind becomes rows of the query tables.

A projection row is derived from one record alone (its fields and body), so the query tables
can be rebuilt from `records` at any time, and records merged from other devices are applied
the same way. The store calls `project` inside the transaction that inserts the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlite_utils import Database

from fieldtool.core.records import Record, RecordKind
from fieldtool.errors import StoreError
from fieldtool.storage.codec import json_text

_BALANCE = (
    "make",
    "model",
    "serial",
    "unit",
    "max_capacity",
    "d",
    "e",
    "accuracy_class",
    "mpe",
    "certificate",
    "calibration_due",
    "connection",
)
_INSPECTION = (
    "programme_id",
    "city_id",
    "site_name",
    "site_address",
    "site_kind",
    "product_id",
    "brand",
    "batch",
    "production_date",
    "nominal",
    "unit",
    "lot_size",
    "rule_set_id",
    "variant",
    "sampling_method",
    "sampling_seed",
    "inspectors",
    "balance_id",
    "tare_method",
    "notes",
)
_MEASUREMENT = (
    "position", "gross", "tare", "net", "unit", "weighing_unit", "density", "source", "raw", "supersedes", "reason",
    "withdrawn",
)
_TARE = ("method", "position", "value", "unit", "source", "raw")
_DENSITY = ("method", "flask_volume_ml", "filled_g", "empty_g", "density_g_per_ml", "temperature_c")


def _pick(record: Record, keys: tuple[str, ...]) -> dict[str, Any]:
    # Only known keys become columns: a body (perhaps from another device) never names a column.
    try:
        return {key: record.body[key] for key in keys}
    except KeyError as missing:
        raise StoreError(f"record {record.id} ({record.kind}) has no {missing.args[0]!r} in its body") from None


def _insert(db: Database, table: str, row: Mapping[str, Any]) -> None:
    # Plain INSERT: it fails on a missing table or column instead of creating one.
    columns = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    db.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(row.values()))


def _inspector(db: Database, r: Record) -> None:
    b = _pick(r, ("profile_id", "name", "inspector_no", "organisation"))
    db.execute(
        "INSERT INTO inspectors (id, name, inspector_no, organisation, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, inspector_no = excluded.inspector_no, "
        "organisation = excluded.organisation, updated_at = excluded.updated_at",
        [b["profile_id"], b["name"], b["inspector_no"], b["organisation"], r.recorded_at],
    )


def _balance(db: Database, r: Record) -> None:
    _insert(db, "balances", {"id": r.id, **_pick(r, _BALANCE), "added_at": r.recorded_at})


def _inspection(db: Database, r: Record) -> None:
    b = _pick(r, _INSPECTION)
    b["inspectors"] = json_text(b["inspectors"])
    b["sampling_seed"] = None if b["sampling_seed"] is None else str(b["sampling_seed"])
    _insert(db, "inspections", {"id": r.id, **b, "device_id": r.device_id, "created_at": r.recorded_at})


def measurement_row(r: Record) -> dict[str, Any]:
    """The `measurements` row of a measurement record (what `measurement_from_row` reads)."""
    b = _pick(r, _MEASUREMENT)
    b["withdrawn"] = int(bool(b["withdrawn"]))
    return {"id": r.id, "inspection_id": r.inspection_id, **b, "recorded_at": r.recorded_at}


def _measurement(db: Database, r: Record) -> None:
    _insert(db, "measurements", measurement_row(r))


def _tare(db: Database, r: Record) -> None:
    row = {"id": r.id, "inspection_id": r.inspection_id, **_pick(r, _TARE), "recorded_at": r.recorded_at}
    _insert(db, "tare_weighings", row)


def _density(db: Database, r: Record) -> None:
    row = {"id": r.id, "inspection_id": r.inspection_id, **_pick(r, _DENSITY), "recorded_at": r.recorded_at}
    _insert(db, "densities", row)


def _verdict(db: Database, r: Record) -> None:
    b = _pick(r, ("outcome", "inputs", "criteria", "engine_version"))
    _insert(
        db,
        "verdicts",
        {
            "id": r.id,
            "inspection_id": r.inspection_id,
            "outcome": b["outcome"],
            "inputs": json_text(b["inputs"]),
            "criteria": json_text(b["criteria"]),
            "evaluated_at": r.recorded_at,
            "engine_version": b["engine_version"],
        },
    )


def _finalisation(db: Database, r: Record) -> None:
    by_name = _pick(r, ("by_name",))["by_name"]
    _insert(
        db, "finalisations", {"inspection_id": r.inspection_id, "id": r.id, "by_name": by_name, "at": r.recorded_at}
    )


_DECISIONS = {
    RecordKind.INSPECTION_REVIEWED: ("reviewed", "comment"),
    RecordKind.INSPECTION_APPROVED: ("approved", "comment"),
    RecordKind.INSPECTION_RETURNED: ("returned", "reason"),
}


def _decision(db: Database, r: Record) -> None:
    decision, note = _DECISIONS[RecordKind(r.kind)]
    b = _pick(r, ("by_name", "title", "role", "basis_id", note))
    review_id = r.body.get("review_id") if r.kind == RecordKind.INSPECTION_APPROVED else None
    _insert(db, "review_decisions", {
        "id": r.id, "inspection_id": r.inspection_id, "decision": decision, "role": b["role"], "by_name": b["by_name"],
        "title": b["title"], "basis_id": b["basis_id"], "review_id": review_id, "note": b[note],
        "device_id": r.device_id, "at": r.recorded_at,
    })


def _header_correction(db: Database, r: Record) -> None:
    b = _pick(r, ("finalisation_id", "changes", "previous", "reason", "by_name", "title"))
    _insert(db, "header_corrections", {
        "id": r.id, "inspection_id": r.inspection_id, "finalisation_id": b["finalisation_id"],
        "changes": json_text(b["changes"]), "previous": json_text(b["previous"]), "reason": b["reason"],
        "by_name": b["by_name"], "title": b["title"], "device_id": r.device_id, "at": r.recorded_at,
    })


_SAMPLING = (
    "form_no", "sampled_at", "place", "samplers", "unit_name", "unit_address", "unit_kind", "unit_contact",
    "producer_name", "producer_address", "product_name", "brand", "specification", "batch", "production_date",
    "lot_size", "sample_count", "sample_condition", "packaging", "samples_to", "representative", "notes",
)


def _sampling_form(db: Database, r: Record) -> None:
    b = _pick(r, _SAMPLING)
    _insert(db, "sampling_forms", {
        "id": r.id, "inspection_id": r.inspection_id, **b, "samplers": json_text(b["samplers"]),
        "device_id": r.device_id, "at": r.recorded_at,
    })


def _environment(db: Database, r: Record) -> None:
    b = _pick(r, ("temperature_c", "humidity_pct", "stage", "packages_weighed", "place"))
    _insert(db, "environment_readings", {
        "id": r.id, "inspection_id": r.inspection_id, **b, "device_id": r.device_id, "at": r.recorded_at,
    })


def _label_check(db: Database, r: Record) -> None:
    b = _pick(r, ("text", "height_mm", "photo", "by_name", "rules_id", "outcome", "failed"))
    _insert(db, "label_checks", {
        "id": r.id, "inspection_id": r.inspection_id, **b, "failed": json_text(b["failed"]),
        "device_id": r.device_id, "at": r.recorded_at,
    })


def _signature(db: Database, r: Record) -> None:
    # A signature or an attestation changes no query table: it is read from `records` by whoever verifies it.
    return None


_PROJECTIONS: dict[str, Callable[[Database, Record], None]] = {
    RecordKind.INSPECTOR_SAVED: _inspector,
    RecordKind.BALANCE_ADDED: _balance,
    RecordKind.INSPECTION_CREATED: _inspection,
    RecordKind.MEASUREMENT_RECORDED: _measurement,
    RecordKind.MEASUREMENT_CORRECTED: _measurement,
    RecordKind.MEASUREMENT_WITHDRAWN: _measurement,
    RecordKind.TARE_RECORDED: _tare,
    RecordKind.DENSITY_RECORDED: _density,
    RecordKind.VERDICT_SAVED: _verdict,
    RecordKind.INSPECTION_FINALISED: _finalisation,
    RecordKind.INSPECTION_SIGNED: _signature,
    RecordKind.CHAIN_ATTESTED: _signature,
    RecordKind.INSPECTION_REVIEWED: _decision,
    RecordKind.INSPECTION_APPROVED: _decision,
    RecordKind.INSPECTION_RETURNED: _decision,
    RecordKind.HEADER_CORRECTED: _header_correction,
    RecordKind.SAMPLING_RECORDED: _sampling_form,
    RecordKind.ENVIRONMENT_RECORDED: _environment,
    RecordKind.LABEL_CHECKED: _label_check,
}


def project(db: Database, record: Record) -> None:
    """Write the rows that a record implies into the query tables (inside the caller's transaction).

    Raises:
        StoreError: the record's kind is unknown to this version of fieldtool.
    """
    try:
        apply = _PROJECTIONS[record.kind]
    except KeyError:
        raise StoreError(f"record {record.id} has kind {record.kind!r}, unknown to this version of fieldtool") from None
    apply(db, record)
