"""Provides the database schema: connection pragmas and the migrations that declare every table.

`records` is the source of truth: an append-only, per-device hash chain. The other tables are
projections of the records, written in the same transaction as the record they come from. Every
decimal quantity is stored as TEXT (its exact digits), never as REAL. Triggers refuse UPDATE and
DELETE on the append-only tables, so a correction can only ever be a new record.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("fieldtool")
"""The migration set of the fieldtool database, applied in order on every open."""

PROJECTIONS = {
    "inspectors": "id",
    "balances": "id",
    "inspections": "id",
    "measurements": "id",
    "tare_weighings": "id",
    "densities": "id",
    "verdicts": "id",
    "finalisations": "inspection_id",
    "review_decisions": "id",
    "header_corrections": "id",
    "sampling_forms": "id",
    "environment_readings": "id",
    "label_checks": "id",
}
"""The tables derived from `records`, with their primary keys."""

APPEND_ONLY_TABLES = (
    "device",
    "records",
    "balances",
    "inspections",
    "measurements",
    "tare_weighings",
    "densities",
    "verdicts",
    "finalisations",
)
"""Tables whose rows, once written, can never change or go away (the inspector profile can)."""

TABLES = (
    "device",
    "records",
    "inspectors",
    "balances",
    "inspections",
    "measurements",
    "tare_weighings",
    "densities",
    "verdicts",
    "finalisations",
)
"""Every table that migration 1 creates."""


def apply_pragmas(db: Database, durable: bool = True) -> None:
    """Set the connection's pragmas; call before anything else, outside any transaction.

    WAL lets a report read while data entry writes; synchronous=FULL makes each COMMIT durable
    (a weight reported saved survives a power cut or a killed process); foreign keys are
    enforced per connection, so they are switched on for every one. `durable=False`
    (synchronous=OFF) is only for building throw-away data such as the demo: a crash may then
    lose the last commits, though never corrupt the file.
    """
    db.execute("PRAGMA foreign_keys = ON")
    db.enable_wal()
    db.execute("PRAGMA synchronous = FULL" if durable else "PRAGMA synchronous = OFF")
    # Up to 32 MB of pages kept per connection (SQLite's default is 2 MB): record ids are random
    # UUIDs, so each insert touches index pages all over the file, which then stay in memory.
    db.execute("PRAGMA cache_size = -32000")


def migrate(db: Database) -> None:
    """Apply the pending migrations (none when the file is up to date)."""
    migrations.apply(db)


def _fk(column: str, table: str, other: str = "id") -> tuple[str, str, str]:
    return (column, table, other)


def _refuse_changes(db: Database, table: str) -> None:
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
        )


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    """Create every table, index and trigger of the first schema."""
    db.create_table("device", {"id": str, "created_at": str}, pk="id", not_null=["created_at"])
    db.execute(
        "CREATE TRIGGER device_single_row BEFORE INSERT ON device "
        "WHEN (SELECT count(*) FROM device) > 0 "
        "BEGIN SELECT RAISE(ABORT, 'device already has its id'); END"
    )
    db.create_table(
        "records",
        {
            "id": str,
            "device_id": str,
            "seq": int,
            "kind": str,
            "inspection_id": str,
            "recorded_at": str,
            "body": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null=["device_id", "seq", "kind", "recorded_at", "body", "prev_hash", "hash"],
    )
    db.table("records").create_index(["device_id", "seq"], unique=True)
    db.table("records").create_index(["inspection_id"])

    db.create_table(
        "inspectors",
        {"id": str, "name": str, "inspector_no": str, "organisation": str, "updated_at": str},
        pk="id",
        not_null=["name", "inspector_no", "organisation", "updated_at"],
        foreign_keys=[_fk("id", "records")],
    )
    db.create_table(
        "balances",
        {
            "id": str,
            "make": str,
            "model": str,
            "serial": str,
            "unit": str,
            "max_capacity": str,
            "d": str,
            "e": str,
            "accuracy_class": str,
            "mpe": str,
            "certificate": str,
            "calibration_due": str,
            "connection": str,
            "added_at": str,
        },
        pk="id",
        not_null=["make", "model", "serial", "unit", "max_capacity", "d", "accuracy_class", "certificate", "added_at"],
        foreign_keys=[_fk("id", "records")],
    )
    db.create_table(
        "inspections",
        {
            "id": str,
            "programme_id": str,
            "city_id": str,
            "site_name": str,
            "site_address": str,
            "site_kind": str,
            "product_id": str,
            "brand": str,
            "batch": str,
            "production_date": str,
            "nominal": str,
            "unit": str,
            "lot_size": int,
            "rule_set_id": str,
            "variant": str,
            "sampling_method": str,
            # TEXT: a seed from numpy's SeedSequence is 128 bits, beyond SQLite's INTEGER.
            "sampling_seed": str,
            "inspectors": str,
            "balance_id": str,
            "tare_method": str,
            "notes": str,
            "device_id": str,
            "created_at": str,
        },
        pk="id",
        not_null=[
            "site_name",
            "site_address",
            "site_kind",
            "brand",
            "batch",
            "nominal",
            "unit",
            "lot_size",
            "rule_set_id",
            "variant",
            "sampling_method",
            "inspectors",
            "tare_method",
            "notes",
            "device_id",
            "created_at",
        ],
        foreign_keys=[_fk("id", "records"), _fk("balance_id", "balances")],
    )
    db.table("inspections").create_index(["created_at"])
    db.table("inspections").create_index(["programme_id", "city_id"])

    db.create_table(
        "measurements",
        {
            "id": str,
            "inspection_id": str,
            "position": int,
            "gross": str,
            "tare": str,
            "net": str,
            "unit": str,
            "weighing_unit": str,
            "density": str,
            "source": str,
            "raw": str,
            "supersedes": str,
            "reason": str,
            "withdrawn": int,
            "recorded_at": str,
        },
        pk="id",
        not_null=["inspection_id", "position", "net", "unit", "source", "withdrawn", "recorded_at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections"), _fk("supersedes", "measurements")],
    )
    db.table("measurements").create_index(["inspection_id", "position"])
    # A version can be superseded once only: the versions of a package form a line, never a tree.
    db.table("measurements").create_index(["supersedes"], unique=True)

    db.create_table(
        "tare_weighings",
        {
            "id": str,
            "inspection_id": str,
            "method": str,
            "position": int,
            "value": str,
            "unit": str,
            "source": str,
            "raw": str,
            "recorded_at": str,
        },
        pk="id",
        not_null=["inspection_id", "method", "value", "unit", "source", "recorded_at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("tare_weighings").create_index(["inspection_id"])

    db.create_table(
        "densities",
        {
            "id": str,
            "inspection_id": str,
            "method": str,
            "flask_volume_ml": str,
            "filled_g": str,
            "empty_g": str,
            "density_g_per_ml": str,
            "temperature_c": str,
            "recorded_at": str,
        },
        pk="id",
        not_null=["inspection_id", "method", "density_g_per_ml", "recorded_at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("densities").create_index(["inspection_id"])

    db.create_table(
        "verdicts",
        {
            "id": str,
            "inspection_id": str,
            "outcome": str,
            "inputs": str,
            "criteria": str,
            "evaluated_at": str,
            "engine_version": str,
        },
        pk="id",
        not_null=["inspection_id", "outcome", "inputs", "criteria", "evaluated_at", "engine_version"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("verdicts").create_index(["inspection_id", "evaluated_at"])

    db.create_table(
        "finalisations",
        {"inspection_id": str, "id": str, "by_name": str, "at": str},
        pk="inspection_id",
        not_null=["id", "by_name", "at"],
        foreign_keys=[_fk("inspection_id", "inspections"), _fk("id", "records")],
    )

    for table in APPEND_ONLY_TABLES:
        _refuse_changes(db, table)


# -- sync: device identities, the hub's registry and the laptop's receipts -----------------------


@migrations(name="0002_sync")
def _sync(db: Database) -> None:
    """Create the tables of the hub (devices, receipts, flagged records) and of a laptop's link to its hub.

    A hub database is an ordinary fieldtool database: the records of every enrolled device are
    stored in `records` and applied to the same projections. Enrolments, devices, revocations,
    receipts and flagged records are append-only: a revocation is a new row, never an update.
    """
    db.create_table(
        "hub",
        {"id": str, "name": str, "public_key": str, "created_at": str},
        pk="id",
        not_null=["name", "public_key", "created_at"],
    )
    db.execute(
        "CREATE TRIGGER hub_single_row BEFORE INSERT ON hub WHEN (SELECT count(*) FROM hub) > 0 "
        "BEGIN SELECT RAISE(ABORT, 'this database is already a hub'); END"
    )
    db.create_table(
        "hub_enrolments",
        {"code_hash": str, "name": str, "created_at": str, "expires_at": str},
        pk="code_hash",
        not_null=["name", "created_at", "expires_at"],
    )
    db.create_table(
        "hub_devices",
        {"id": str, "name": str, "public_key": str, "enrolment": str, "enrolled_at": str},
        pk="id",
        not_null=["name", "public_key", "enrolment", "enrolled_at"],
        foreign_keys=[("enrolment", "hub_enrolments", "code_hash")],
    )
    # A one-time code enrols one device only.
    db.table("hub_devices").create_index(["enrolment"], unique=True)
    db.create_table(
        "hub_revocations",
        {"device_id": str, "reason": str, "revoked_at": str},
        pk="device_id",
        not_null=["reason", "revoked_at"],
        foreign_keys=[("device_id", "hub_devices", "id")],
    )
    db.create_table(
        "hub_nonces",
        {"device_id": str, "nonce": str, "seen_at": int},
        pk=("device_id", "nonce"),
        not_null=["seen_at"],
    )
    db.table("hub_nonces").create_index(["seen_at"])
    db.create_table(
        "hub_receipts",
        {
            "id": str,
            "device_id": str,
            "seq": int,
            "hash": str,
            "new_records": int,
            "duplicates": int,
            "source": str,
            "issued_at": str,
            "signature": str,
        },
        pk="id",
        not_null=["device_id", "seq", "hash", "new_records", "duplicates", "source", "issued_at", "signature"],
    )
    db.table("hub_receipts").create_index(["device_id", "seq"])
    db.create_table(
        "hub_flagged",
        {
            "id": int,
            "device_id": str,
            "seq": int,
            "record_id": str,
            "record_hash": str,
            "reason": str,
            "record": str,
            "source": str,
            "flagged_at": str,
        },
        pk="id",
        not_null=["device_id", "reason", "record", "source", "flagged_at"],
    )
    # The same refused record sent again is flagged once.
    db.table("hub_flagged").create_index(["device_id", "seq", "record_hash", "reason"], unique=True)
    db.create_table(
        "hub_bundles",
        {"sha256": str, "device_id": str, "receipt_id": str, "imported_at": str},
        pk="sha256",
        not_null=["device_id", "receipt_id", "imported_at"],
    )
    db.create_table(
        "hub_assignments",
        {"device_id": str, "programme_id": str, "cities": str, "products": str, "assigned_at": str},
        pk=("device_id", "programme_id"),
        not_null=["cities", "products", "assigned_at"],
        foreign_keys=[("device_id", "hub_devices", "id")],
    )
    db.create_table(
        "sync_link",
        {"id": int, "url": str, "hub_id": str, "hub_public_key": str, "device_name": str, "enrolled_at": str},
        pk="id",
        not_null=["url", "hub_id", "hub_public_key", "device_name", "enrolled_at"],
    )
    db.create_table(
        "sync_receipts",
        {
            "id": str,
            "hub_id": str,
            "device_id": str,
            "seq": int,
            "hash": str,
            "new_records": int,
            "duplicates": int,
            "source": str,
            "issued_at": str,
            "signature": str,
            "received_at": str,
        },
        pk="id",
        not_null=["hub_id", "device_id", "seq", "hash", "source", "issued_at", "signature", "received_at"],
    )
    db.table("sync_receipts").create_index(["device_id", "seq"])
    db.create_table(
        "sync_reference",
        {"name": str, "content": str, "received_at": str},
        pk="name",
        not_null=["content", "received_at"],
    )
    for table in ("hub_enrolments", "hub_devices", "hub_revocations", "hub_receipts", "hub_flagged", "hub_bundles",
                  "sync_receipts"):
        _refuse_changes(db, table)


# -- per-record signatures -----------------------------------------------------------------------


@migrations(name="0003_record_signatures")
def _record_signatures(db: Database) -> None:
    """Give every record a place for its own signature, and keep the keys a device has signed with.

    Records written before this migration have none: the first opening by a version that signs
    attests them once with a ``chain-attested`` record (fieldtool.storage.store). `signing_keys`
    is append-only: the public key(s) this database's device signs with, from the first seq signed.
    """
    db.execute("ALTER TABLE records ADD COLUMN signature TEXT")
    db.execute("CREATE INDEX records_unsigned ON records (device_id, seq) WHERE signature IS NULL")
    db.execute("CREATE INDEX records_device_kind ON records (device_id, kind, seq)")
    db.create_table(
        "signing_keys",
        {"device_id": str, "public_key": str, "first_seq": int, "added_at": str},
        pk=("device_id", "public_key"),
        not_null=["first_seq", "added_at"],
    )
    _refuse_changes(db, "signing_keys")


# -- review, approval and header corrections ------------------------------------------------------


@migrations(name="0004_review")
def _review(db: Database) -> None:
    """Create the projections of a finalised inspection's sign-off: decisions (reviewed, approved,
    returned) and header corrections, both append-only (a decision is revised by a new record only).

    A decision or a correction may come from another device than the inspection's (the hub), so
    the records it names (basis, review, finalisation) carry no foreign key: their order of arrival
    across devices is not fixed. What they name is checked by the record schema instead.
    """
    db.create_table(
        "review_decisions",
        {
            "id": str,
            "inspection_id": str,
            "decision": str,
            "role": str,
            "by_name": str,
            "title": str,
            "basis_id": str,
            "review_id": str,
            "note": str,
            "device_id": str,
            "at": str,
        },
        pk="id",
        not_null=["inspection_id", "decision", "role", "by_name", "title", "basis_id", "note", "device_id", "at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("review_decisions").create_index(["inspection_id", "at"])
    db.create_table(
        "header_corrections",
        {
            "id": str,
            "inspection_id": str,
            "finalisation_id": str,
            "changes": str,
            "previous": str,
            "reason": str,
            "by_name": str,
            "title": str,
            "device_id": str,
            "at": str,
        },
        pk="id",
        not_null=["inspection_id", "finalisation_id", "changes", "previous", "reason", "by_name", "title",
                  "device_id", "at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("header_corrections").create_index(["inspection_id", "at"])
    for table in ("review_decisions", "header_corrections"):
        _refuse_changes(db, table)


# -- the sampling form and the environment -------------------------------------------------------


@migrations(name="0005_sampling_form")
def _sampling_form(db: Database) -> None:
    """Create the projections of the sampling form (抽样单) and of the ambient conditions at the weighing.

    Both are append-only: a form is corrected by recording it again (the latest counts), and every
    reading of temperature and humidity is kept.
    """
    db.create_table(
        "sampling_forms",
        {
            "id": str,
            "inspection_id": str,
            "form_no": str,
            "sampled_at": str,
            "place": str,
            "samplers": str,
            "unit_name": str,
            "unit_address": str,
            "unit_kind": str,
            "unit_contact": str,
            "producer_name": str,
            "producer_address": str,
            "product_name": str,
            "brand": str,
            "specification": str,
            "batch": str,
            "production_date": str,
            "lot_size": int,
            "sample_count": int,
            "sample_condition": str,
            "packaging": str,
            "samples_to": str,
            "representative": str,
            "notes": str,
            "device_id": str,
            "at": str,
        },
        pk="id",
        not_null=["inspection_id", "form_no", "sampled_at", "place", "samplers", "unit_name", "unit_address",
                  "unit_kind", "unit_contact", "producer_name", "producer_address", "product_name", "brand",
                  "specification", "batch", "lot_size", "sample_count", "sample_condition", "packaging",
                  "samples_to", "representative", "notes", "device_id", "at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("sampling_forms").create_index(["inspection_id", "at"])
    db.create_table(
        "environment_readings",
        {
            "id": str,
            "inspection_id": str,
            "temperature_c": str,
            "humidity_pct": str,
            "stage": str,
            "packages_weighed": int,
            "place": str,
            "device_id": str,
            "at": str,
        },
        pk="id",
        not_null=["inspection_id", "temperature_c", "humidity_pct", "stage", "packages_weighed", "place",
                  "device_id", "at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("environment_readings").create_index(["inspection_id", "at"])
    for table in ("sampling_forms", "environment_readings"):
        _refuse_changes(db, table)


# -- the label check --------------------------------------------------------------------------------


@migrations(name="0006_label_check")
def _label_check(db: Database) -> None:
    """Create the projection of the label checks (净含量标注): each ``label-checked`` record of an open
    inspection, append-only (a check is redone by a new record; the latest counts)."""
    db.create_table(
        "label_checks",
        {
            "id": str,
            "inspection_id": str,
            "text": str,
            "height_mm": str,
            "photo": str,
            "by_name": str,
            "rules_id": str,
            "outcome": str,
            "failed": str,
            "device_id": str,
            "at": str,
        },
        pk="id",
        not_null=["inspection_id", "text", "height_mm", "by_name", "rules_id", "outcome", "failed", "device_id", "at"],
        foreign_keys=[_fk("id", "records"), _fk("inspection_id", "inspections")],
    )
    db.table("label_checks").create_index(["inspection_id", "at"])
    _refuse_changes(db, "label_checks")
