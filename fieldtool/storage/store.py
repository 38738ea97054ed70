"""Provides `SqliteStore`: the local database of inspections, as use-case methods that return domain objects.

Every change is a record appended to this device's hash chain; the query tables are projections
of the records, written in the same transaction. A method that records something returns only
after COMMIT, with synchronous=FULL, so what it reports saved survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlite_utils import Database

import fieldtool
from fieldtool.core.evaluate import LotEvaluation
from fieldtool.core.inspection import (
    Balance,
    DensityMethod,
    DensityRecord,
    Inspection,
    InspectionHeader,
    InspectorProfile,
    Measurement,
    MeasurementSource,
    SiteKind,
    StoredVerdict,
    TareWeighing,
)
from fieldtool.core.quantity import UNITS, Kind, density_from_flask
from fieldtool.core.quantity import unit as lookup_unit
from fieldtool.core.records import GENESIS, Record, RecordKind, new_record
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError, StoreError
from fieldtool.storage import checks
from fieldtool.storage.chain import chain_report, insert_record, last_link, projection_report, read_records
from fieldtool.storage.codec import (
    Row,
    balance_from_row,
    density_from_row,
    header_body,
    inspection_from_row,
    inspector_from_row,
    measurement_from_row,
    tare_from_row,
    utc_text,
    verdict_body,
    verdict_from_row,
)
from fieldtool.storage.projections import project
from fieldtool.storage.schema import apply_pragmas, migrate

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime."""

IdFactory = Callable[[], str]
"""Returns a new, globally unique id (a UUID string)."""

_INSPECTION_SELECT = (
    "SELECT i.*, f.by_name AS by_name, f.at AS at "
    "FROM inspections i LEFT JOIN finalisations f ON f.inspection_id = i.id"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _uuid4() -> str:
    return str(uuid.uuid4())


class SqliteStore:
    """The local store: one SQLite file (WAL) holding this device's record chain and its projections.

    A sqlite connection belongs to the thread that opened it (sqlite3's default
    ``check_same_thread``): a worker thread opens its own store on the same file. WAL lets it read
    while another connection writes. Only one connection should write a device's chain at a time;
    UNIQUE(device_id, seq) refuses a racing second writer rather than forking the chain.

    Use `SqliteStore.open` for a file that may not exist yet; the store is a context manager.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        new_id: IdFactory | None = None,
        durable: bool = True,
    ):
        """Open (or create) the database at `path`, apply pending migrations and make sure it has a device id.

        Args:
            path: the database file, or ``":memory:"`` for a throw-away store.
            clock: returns the current time as an aware datetime (UTC by default).
            new_id: returns a new UUID string (uuid4 by default); injected for deterministic tests.
            durable: commit with synchronous=FULL (the default, for every real inspection); False
                only for throw-away bulk data such as the demo.

        Raises:
            StoreError: the file cannot be opened or is not a fieldtool database.
        """
        self._path = str(path)
        self._clock: Clock = clock or _utc_now
        self._new_id: IdFactory = new_id or _uuid4
        try:
            self._db = Database(self._path)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open database {self._path}: {e}") from e
        try:
            apply_pragmas(self._db, durable)
            migrate(self._db)
            self._device_id = self._ensure_device()
        except sqlite3.Error as e:
            self._db.close()
            raise StoreError(f"cannot use database {self._path}: {e}") from e
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        new_id: IdFactory | None = None,
        durable: bool = True,
    ) -> SqliteStore:
        """Open the database at `path`, creating its parent directories and the file if needed.

        Raises:
            StoreError: the file cannot be created, opened or migrated.
        """
        if str(path) != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the directory for {path}: {e.strerror}") from e
        return cls(path, clock=clock, new_id=new_id, durable=durable)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    @property
    def device_id(self) -> str:
        """This database's device id: the UUID that its own records carry."""
        return self._device_id

    # -- the one write path ------------------------------------------------------------------

    def _ensure_device(self) -> str:
        with self._writing():
            row = self._one("SELECT id FROM device")
            if row is not None:
                return str(row["id"])
            device_id = self._new_id()
            self._db.execute("INSERT INTO device (id, created_at) VALUES (?, ?)", [device_id, self._now()])
        return device_id

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A write transaction: `db.atomic()` inside BEGIN IMMEDIATE, committed on leaving the outermost one.

        IMMEDIATE takes the write lock before the chain's last link is read, so a second writer
        (another thread's store on the same file) waits for the busy timeout instead of failing on
        a stale snapshot. Nested calls are savepoints of the outer transaction.
        """
        conn = self._db.conn
        if conn.in_transaction:
            with self._db.atomic():
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(f"database {self._path} is busy ({e}); another program is writing to it") from e
        try:
            with self._db.atomic():
                yield
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as e:
                raise StoreError(f"cannot save to {self._path}: {e}; nothing was saved") from e
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _now(self) -> str:
        return utc_text(self._clock())

    def _append(
        self,
        kind: RecordKind,
        inspection_id: str | None,
        body: Mapping[str, Any],
        *,
        record_id: str | None = None,
        checked_open: bool = False,
    ) -> Record:
        """Append the next record of this device and apply it to the projections, in one transaction.

        Returns after COMMIT (or, when called inside a caller's `_writing` block, as part of it: the
        caller returns after its COMMIT). `checked_open`: the caller has checked, inside the same
        write transaction, that the inspection exists and is open (it cannot change before COMMIT).

        Raises:
            NotFoundError: the inspection does not exist.
            StoreError: the inspection is final, or the database refused the record.
        """
        try:
            with self._writing():
                if inspection_id is not None and kind is not RecordKind.INSPECTION_CREATED and not checked_open:
                    self._require_open(inspection_id)
                seq, prev_hash = last_link(self._db, self._device_id)
                record = new_record(
                    prev_hash=prev_hash,
                    id=record_id or self._new_id(),
                    device_id=self._device_id,
                    seq=seq + 1,
                    kind=kind,
                    inspection_id=inspection_id,
                    recorded_at=self._now(),
                    body=body,
                )
                insert_record(self._db, record)
                project(self._db, record)
        except sqlite3.IntegrityError as e:
            raise StoreError(f"the database refused a {kind} record: {e}") from e
        return record

    # -- reading helpers ---------------------------------------------------------------------

    def _one(self, sql: str, params: list[Any] | None = None) -> Row | None:
        rows = self._all(sql, params)  # read to the end, so no statement is left open
        return rows[0] if rows else None

    def _all(self, sql: str, params: list[Any] | None = None) -> list[Row]:
        return list(self._db.query(sql, params or []))

    def _inspection_row(self, inspection_id: str) -> Row:
        row = self._one(f"{_INSPECTION_SELECT} WHERE i.id = ?", [inspection_id])
        if row is None:
            raise NotFoundError(f"no inspection {inspection_id}")
        return row

    def _require_open(self, inspection_id: str) -> Row:
        row = self._inspection_row(inspection_id)
        if row["at"] is not None:
            raise StoreError(f"inspection {inspection_id} is final; it can no longer change")
        return row

    def _measurement_row(self, measurement_id: str) -> Row:
        row = self._one("SELECT * FROM measurements WHERE id = ?", [measurement_id])
        if row is None:
            raise NotFoundError(f"no measurement {measurement_id}")
        return row

    # -- inspector profile and balance register ---------------------------------------------

    def save_inspector(self, name: str, inspector_no: str = "", organisation: str = "") -> InspectorProfile:
        """Save the profile of the inspector using this device (saving again replaces it).

        Raises:
            InputError: the name is empty.
        """
        body = {
            "name": checks.text(name, "inspector name", required=True),
            "inspector_no": checks.text(inspector_no, "inspector number"),
            "organisation": checks.text(organisation, "organisation"),
        }
        with self._writing():
            current = self._one("SELECT id FROM inspectors ORDER BY updated_at DESC LIMIT 1")
            record_id = self._new_id()
            profile_id = record_id if current is None else current["id"]
            self._append(RecordKind.INSPECTOR_SAVED, None, {"profile_id": profile_id, **body}, record_id=record_id)
        profile = self.inspector()
        assert profile is not None
        return profile

    def inspector(self) -> InspectorProfile | None:
        """The inspector profile of this device, or None before one is saved."""
        row = self._one("SELECT * FROM inspectors ORDER BY updated_at DESC LIMIT 1")
        return None if row is None else inspector_from_row(row)

    def add_balance(
        self,
        *,
        make: str,
        model: str,
        serial: str,
        max_capacity: object,
        d: object,
        unit: str = "g",
        e: object = None,
        accuracy_class: str = "",
        mpe: object = None,
        certificate: str = "",
        calibration_due: date | None = None,
        connection: str | None = None,
    ) -> Balance:
        """Add a balance to the register (net-content-rules.md §5).

        Args:
            make: manufacturer.
            model: model designation.
            serial: serial number.
            max_capacity: Max, in `unit`.
            d: the actual scale interval, in `unit`.
            unit: g or kg.
            e: the verification scale interval, if verified.
            accuracy_class: I, II, III or IIII, if known.
            mpe: the maximum permissible error at the loads used, if known.
            certificate: the calibration certificate's number.
            calibration_due: when the certificate expires.
            connection: how to reach the balance, or None when weights are typed.

        Returns:
            The stored balance.

        Raises:
            InputError: a value is missing or invalid.
        """
        balance_unit = lookup_unit(checks.text(unit, "balance unit", required=True))
        if balance_unit.kind is not Kind.MASS:
            raise InputError(f"a balance weighs in g or kg; got {balance_unit.symbol}")
        body = {
            "make": checks.text(make, "balance make", required=True),
            "model": checks.text(model, "balance model", required=True),
            "serial": checks.text(serial, "balance serial number", required=True),
            "unit": balance_unit.symbol,
            "max_capacity": checks.quantity(max_capacity, "balance Max", positive=True),
            "d": checks.quantity(d, "balance d", positive=True),
            "e": checks.optional_quantity(e, "balance e", positive=True),
            "accuracy_class": checks.text(accuracy_class, "accuracy class"),
            "mpe": checks.optional_quantity(mpe, "balance MPE", positive=True),
            "certificate": checks.text(certificate, "certificate"),
            "calibration_due": _iso_day(checks.day(calibration_due, "calibration due date")),
            "connection": checks.optional_text(connection, "balance connection"),
        }
        record = self._append(RecordKind.BALANCE_ADDED, None, body)
        return self.balance(record.id)

    def balances(self) -> list[Balance]:
        """Every balance of the register, in the order they were added."""
        return [balance_from_row(r) for r in self._all("SELECT * FROM balances ORDER BY added_at, rowid")]

    def balance(self, balance_id: str) -> Balance:
        """One balance of the register.

        Raises:
            NotFoundError: no balance has that id.
        """
        row = self._one("SELECT * FROM balances WHERE id = ?", [balance_id])
        if row is None:
            raise NotFoundError(f"no balance {balance_id}")
        return balance_from_row(row)

    # -- inspections -------------------------------------------------------------------------

    def create_inspection(self, header: InspectionHeader) -> Inspection:
        """Open an inspection.

        Raises:
            InputError: a field of the header is missing or invalid; the message names it.
            NotFoundError: the header names a balance that is not in the register.
        """
        checked = checks.checked_header(header)
        with self._writing():
            if checked.balance_id is not None:
                self.balance(checked.balance_id)
            inspection_id = self._new_id()
            self._append(RecordKind.INSPECTION_CREATED, inspection_id, header_body(checked), record_id=inspection_id)
        return self.inspection(inspection_id)

    def inspection(self, inspection_id: str) -> Inspection:
        """One inspection.

        Raises:
            NotFoundError: no inspection has that id.
        """
        return inspection_from_row(self._inspection_row(inspection_id))

    def inspections(
        self,
        *,
        programme_id: str | None = None,
        city_id: str | None = None,
        site_kind: SiteKind | str | None = None,
        product_id: str | None = None,
        rule_set_id: str | None = None,
        final: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> list[Inspection]:
        """Inspections, newest first, filtered by whichever arguments are given.

        Args:
            programme_id: only this programme's.
            city_id: only this city's.
            site_kind: only at this kind of site.
            product_id: only of this product.
            rule_set_id: only those judged by this rule set.
            final: True for finalised ones only, False for open ones only.
            since: opened at or after this time.
            until: opened before this time.
            search: text found (case-insensitively) in the site name, address, brand or batch.
            limit: at most this many.

        Raises:
            InputError: an invalid filter value.
        """
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("programme_id", programme_id),
            ("city_id", city_id),
            ("product_id", product_id),
            ("rule_set_id", rule_set_id),
        ):
            if value is not None:
                where.append(f"i.{column} = ?")
                params.append(value)
        if site_kind is not None:
            where.append("i.site_kind = ?")
            params.append(checks.choice(site_kind, SiteKind, "site kind").value)
        if final is not None:
            where.append("f.at IS NOT NULL" if final else "f.at IS NULL")
        if since is not None:
            where.append("i.created_at >= ?")
            params.append(utc_text(since))
        if until is not None:
            where.append("i.created_at < ?")
            params.append(utc_text(until))
        if search:
            columns = ("i.site_name", "i.site_address", "i.brand", "i.batch")
            where.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '!'" for c in columns) + ")")
            pattern = "%" + search.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
            params.extend([pattern] * len(columns))
        sql = _INSPECTION_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY i.created_at DESC, i.rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(checks.integer(limit, "limit", minimum=0))
        return [inspection_from_row(r) for r in self._all(sql, params)]

    def finalise(self, inspection_id: str, by_name: str) -> Inspection:
        """Finalise an inspection: afterwards no record may change it.

        Raises:
            InputError: `by_name` is empty.
            NotFoundError: no such inspection.
            StoreError: it is already final.
        """
        name = checks.text(by_name, "finalised by", required=True)
        self._append(RecordKind.INSPECTION_FINALISED, inspection_id, {"by_name": name})
        return self.inspection(inspection_id)

    # -- measurements ------------------------------------------------------------------------

    def record_measurement(
        self,
        inspection_id: str,
        net: object,
        gross: object = None,
        tare: object = None,
        source: MeasurementSource | str = MeasurementSource.TYPED,
        raw: str | None = None,
        weighing_unit: str | None = None,
        density: object = None,
    ) -> Measurement:
        """Record the next package's measurement; it is committed when this returns.

        Args:
            inspection_id: the inspection.
            net: net quantity q in the inspection's unit (Decimal, str or int; never a float).
            gross: the gross weight, if weighed full.
            tare: the tare subtracted, if any.
            source: typed or balance.
            raw: the balance's line as received.

        Returns:
            The measurement, at the next position.

        Raises:
            InputError: a value is invalid.
            NotFoundError: no such inspection.
            StoreError: the inspection is final.
        """
        body = _measurement_values(net, gross, tare, source, raw, weighing_unit, density)
        with self._writing():
            inspection = self._require_open(inspection_id)
            row = self._one(
                "SELECT coalesce(max(position), 0) + 1 AS next FROM measurements WHERE inspection_id = ?",
                [inspection_id],
            )
            assert row is not None
            body |= {
                "position": row["next"],
                "unit": inspection["unit"],
                "supersedes": None,
                "reason": None,
                "withdrawn": False,
            }
            record = self._append(RecordKind.MEASUREMENT_RECORDED, inspection_id, body, checked_open=True)
        return measurement_from_row(self._measurement_row(record.id))

    def correct_measurement(
        self,
        measurement_id: str,
        net: object,
        reason: str,
        *,
        gross: object = None,
        tare: object = None,
        source: MeasurementSource | str = MeasurementSource.TYPED,
        raw: str | None = None,
        weighing_unit: str | None = None,
        density: object = None,
    ) -> Measurement:
        """Correct a measurement: a new version of the package that supersedes it, with the reason.

        The earlier version stays in the history; only the current version of a package can be corrected.

        Raises:
            InputError: the reason is empty or a value is invalid.
            NotFoundError: no such measurement.
            StoreError: the measurement was already corrected or withdrawn, or the inspection is final.
        """
        why = checks.reason(reason)
        body = _measurement_values(net, gross, tare, source, raw, weighing_unit, density)
        with self._writing():
            old = self._current_version(measurement_id)
            body |= {
                "position": old["position"],
                "unit": old["unit"],
                "supersedes": old["id"],
                "reason": why,
                "withdrawn": False,
            }
            record = self._append(RecordKind.MEASUREMENT_CORRECTED, old["inspection_id"], body, checked_open=True)
        return measurement_from_row(self._measurement_row(record.id))

    def withdraw_measurement(self, measurement_id: str, reason: str) -> Measurement:
        """Withdraw (undo) a measurement: a new version that supersedes it and no longer counts.

        Returns:
            The withdrawing version (it repeats the withdrawn values, marked withdrawn).

        Raises:
            InputError: the reason is empty.
            NotFoundError: no such measurement.
            StoreError: the measurement was already corrected or withdrawn, or the inspection is final.
        """
        why = checks.reason(reason)
        with self._writing():
            old = self._current_version(measurement_id)
            body = {
                key: old[key]
                for key in ("position", "gross", "tare", "net", "unit", "weighing_unit", "density", "source", "raw")
            }
            body |= {"supersedes": old["id"], "reason": why, "withdrawn": True}
            record = self._append(RecordKind.MEASUREMENT_WITHDRAWN, old["inspection_id"], body, checked_open=True)
        return measurement_from_row(self._measurement_row(record.id))

    def _current_version(self, measurement_id: str) -> Row:
        old = self._measurement_row(measurement_id)
        self._require_open(old["inspection_id"])
        newer = self._one("SELECT id FROM measurements WHERE supersedes = ?", [measurement_id])
        if newer is not None:
            raise StoreError(
                f"measurement {measurement_id} was already superseded by {newer['id']}; change the current version"
            )
        if old["withdrawn"]:
            raise StoreError(f"measurement {measurement_id} withdraws package {old['position']}; it cannot be changed")
        return old

    def measurement(self, measurement_id: str) -> Measurement:
        """One measurement version by id.

        Raises:
            NotFoundError: no such measurement.
        """
        return measurement_from_row(self._measurement_row(measurement_id))

    def current_measurements(self, inspection_id: str) -> list[Measurement]:
        """The current version of each package that still counts, in weighing order.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        rows = self._all(
            "SELECT * FROM measurements m WHERE m.inspection_id = ? AND m.withdrawn = 0 "
            "AND NOT EXISTS (SELECT 1 FROM measurements s WHERE s.supersedes = m.id) ORDER BY m.position",
            [inspection_id],
        )
        return [measurement_from_row(r) for r in rows]

    def measurement_history(self, inspection_id: str) -> list[Measurement]:
        """Every version of every package, by position and then in the order recorded.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        rows = self._all("SELECT * FROM measurements WHERE inspection_id = ? ORDER BY position, rowid", [inspection_id])
        return [measurement_from_row(r) for r in rows]

    # -- tare and density --------------------------------------------------------------------

    def record_tare(
        self,
        inspection_id: str,
        value: object,
        method: TareMethod | str,
        position: int | None = None,
        source: MeasurementSource | str = MeasurementSource.TYPED,
        raw: str | None = None,
        unit: str | None = None,
    ) -> TareWeighing:
        """Record the weighing of an empty packaging (net-content-rules.md §6).

        Args:
            inspection_id: the inspection.
            value: the weight, in `unit`.
            method: individual (give the package's `position`) or average (one of the tare sample).
            position: for an individual tare, the 1-based position of the package.
            source: typed or balance.
            raw: the balance's line as received.
            unit: the unit of `value`; the inspection's unit when None.

        Raises:
            InputError: an invalid value, or a position that does not fit the method.
            NotFoundError: no such inspection.
            StoreError: the inspection is final.
        """
        how = checks.choice(method, TareMethod, "tare method")
        if how is TareMethod.NET:
            raise InputError("tare method 'net' has no tare weighings; use individual or average")
        if how is TareMethod.INDIVIDUAL:
            position = checks.integer(position, "package position of an individual tare", minimum=1)
        elif position is not None:
            raise InputError("an average-tare weighing belongs to the tare sample, not to a package position")
        if unit is not None and unit not in UNITS:
            raise InputError(f"unknown tare unit {unit!r}")
        body = {
            "method": how,
            "position": position,
            "unit": unit if unit is not None else self._inspection_row(inspection_id)["unit"],
            "value": checks.quantity(value, "tare"),
            "source": checks.choice(source, MeasurementSource, "tare source"),
            "raw": _raw(raw),
        }
        record = self._append(RecordKind.TARE_RECORDED, inspection_id, body)
        row = self._one("SELECT * FROM tare_weighings WHERE id = ?", [record.id])
        assert row is not None
        return tare_from_row(row)

    def tares(self, inspection_id: str) -> list[TareWeighing]:
        """Every tare weighing of an inspection, in the order recorded.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        rows = self._all("SELECT * FROM tare_weighings WHERE inspection_id = ? ORDER BY rowid", [inspection_id])
        return [tare_from_row(r) for r in rows]

    def record_density(
        self,
        inspection_id: str,
        *,
        density_g_per_ml: object = None,
        temperature_c: object = None,
        flask_volume_ml: object = None,
        filled_g: object = None,
        empty_g: object = None,
    ) -> DensityRecord:
        """Record a density at 20 °C: typed, or computed from a calibrated flask (ρ = (filled − empty) / V).

        Give either `density_g_per_ml` or all three flask values.

        Raises:
            InputError: neither or both ways given, or an invalid value.
            NotFoundError: no such inspection.
            StoreError: the inspection is final.
        """
        flask = (flask_volume_ml, filled_g, empty_g)
        temperature = None if temperature_c is None else checks.number(temperature_c, "temperature")
        if all(v is None for v in flask):
            if density_g_per_ml is None:
                raise InputError("give a density, or the flask volume with the filled and empty flask weights")
            method = DensityMethod.TYPED
            volume = filled = empty = None
            density = checks.quantity(density_g_per_ml, "density", positive=True)
        elif any(v is None for v in flask):
            raise InputError("the flask method needs the flask volume, the filled and the empty flask weights")
        elif density_g_per_ml is not None:
            raise InputError("give either a density or the flask weighings, not both")
        else:
            method = DensityMethod.FLASK
            volume = checks.quantity(flask_volume_ml, "flask volume", positive=True)
            filled = checks.quantity(filled_g, "filled flask", positive=True)
            empty = checks.quantity(empty_g, "empty flask", positive=True)
            density = density_from_flask(filled, empty, volume)
        body = {
            "method": method,
            "flask_volume_ml": volume,
            "filled_g": filled,
            "empty_g": empty,
            "density_g_per_ml": density,
            "temperature_c": temperature,
        }
        record = self._append(RecordKind.DENSITY_RECORDED, inspection_id, body)
        row = self._one("SELECT * FROM densities WHERE id = ?", [record.id])
        assert row is not None
        return density_from_row(row)

    def densities(self, inspection_id: str) -> list[DensityRecord]:
        """Every density recorded for an inspection, in the order recorded.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        rows = self._all("SELECT * FROM densities WHERE inspection_id = ? ORDER BY rowid", [inspection_id])
        return [density_from_row(r) for r in rows]

    # -- verdicts ----------------------------------------------------------------------------

    def save_verdict(self, inspection_id: str, evaluation: LotEvaluation) -> StoredVerdict:
        """Save a verdict with the inputs that produced it.

        The evaluation must be of this inspection as it stands: same rule set, variant, Qn, unit
        and lot size as the header, and the nets of the current measurements in weighing order.

        Raises:
            NotFoundError: no such inspection.
            StoreError: the evaluation does not match the inspection or its current measurements,
                or the inspection is final.
        """
        with self._writing():
            header = self.inspection(inspection_id).header
            for what, stored, judged in (
                ("rule set", header.rule_set_id, evaluation.rules.id),
                ("variant", header.variant, evaluation.variant),
                ("nominal quantity", header.nominal, evaluation.nominal),
                ("unit", header.unit, evaluation.unit.symbol),
                ("lot size", header.lot_size, evaluation.plan.lot_size),
            ):
                if stored != judged:
                    raise StoreError(
                        f"the verdict was computed with {what} {judged}, but inspection {inspection_id} has {stored}"
                    )
            current = self.current_measurements(inspection_id)
            nets = [p.net for p in evaluation.packages]
            if nets != [m.net for m in current]:
                raise StoreError(
                    f"the verdict judged {len(nets)} net quantities that are not the {len(current)} current "
                    f"measurements of inspection {inspection_id}; evaluate again"
                )
            body = verdict_body(evaluation, tuple(m.id for m in current), fieldtool.__version__)
            record = self._append(RecordKind.VERDICT_SAVED, inspection_id, body)
        row = self._one("SELECT * FROM verdicts WHERE id = ?", [record.id])
        assert row is not None
        return verdict_from_row(row)

    def latest_verdict(self, inspection_id: str) -> StoredVerdict | None:
        """The verdict saved last for an inspection, or None before any.

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        row = self._one(
            "SELECT * FROM verdicts WHERE inspection_id = ? ORDER BY evaluated_at DESC, rowid DESC LIMIT 1",
            [inspection_id],
        )
        return None if row is None else verdict_from_row(row)

    # -- the record chain --------------------------------------------------------------------

    def records(self, after_seq: int = 0, device_id: str | None = None) -> Iterator[Record]:
        """The records of one device's chain after a sequence number, in order.

        Args:
            after_seq: yield records with seq greater than this (0: from the start).
            device_id: whose chain; this device's by default.

        Raises:
            StoreError: a stored record's body is not valid JSON.
        """
        return read_records(self._db, device_id or self._device_id, after_seq)

    def verify_chain(self) -> list[str]:
        """Check every device's chain in this database: links, hashes and sequence numbers.

        Returns:
            One line per problem, naming the record; an empty list when every chain is intact.
        """
        return chain_report(self._db)

    def verify_projections(self) -> list[str]:
        """Rebuild the query tables from the records and compare them with the stored ones.

        The records are the source of truth; this finds a query row that was changed, removed or
        added behind the store's back, which `verify_chain` cannot see.

        Returns:
            One line per difference, naming the table and the row; an empty list when they agree.
        """
        return projection_report(self._db)

    # -- reports -----------------------------------------------------------------------------

    def inspection_records(self, inspection_id: str) -> list[Record]:
        """Every record of one inspection, from whichever device, in a fixed order.

        The order is (recorded_at, device_id, seq): the order in which things happened, with ties
        broken the same way on every device, so a fingerprint over the list is reproducible after
        records are merged from other devices.

        Raises:
            NotFoundError: no such inspection.
            StoreError: a stored record's body is not valid JSON.
        """
        import json  # local: this block is the only part of the store that needs them

        from fieldtool.storage.chain import record_from_row

        self._inspection_row(inspection_id)
        records: list[Record] = []
        for row in self._all(
            "SELECT * FROM records WHERE inspection_id = ? ORDER BY recorded_at, device_id, seq", [inspection_id]
        ):
            try:
                body = json.loads(row["body"])
            except json.JSONDecodeError as e:
                raise StoreError(f"record {row['id']} has a body that is not JSON: {e}") from None
            records.append(record_from_row(row, body))
        return records

    # -- sync
    # Device identity, signatures, the hub's registry and the laptop's receipts (fieldtool.sync).
    # The formats and the checks live in fieldtool.sync; this block holds their SQL only.

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE): everything inside is committed together or not at all.

        Raises:
            StoreError: the database is busy or refused the COMMIT.
        """
        with self._writing():
            yield

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a writer waits for another connection's write lock before giving up."""
        self._db.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    def chain_head(self, device_id: str | None = None) -> tuple[int, str]:
        """The seq and hash of a device's last record held here: (0, GENESIS) before any."""
        return last_link(self._db, device_id or self._device_id)

    def chain_devices(self) -> list[str]:
        """Every device with records in this database, this device first."""
        others = [r["device_id"] for r in self._all(
            "SELECT DISTINCT device_id FROM records WHERE device_id != ? ORDER BY device_id", [self._device_id])]
        return [self._device_id, *others]

    def _sync_records(self, where: str, params: list[Any]) -> list[Record]:
        import json  # local: this block decodes record bodies itself

        from fieldtool.storage.chain import record_from_row

        found: list[Record] = []
        for row in self._all(f"SELECT * FROM records WHERE {where}", params):
            try:
                body = json.loads(row["body"])
            except json.JSONDecodeError as e:
                raise StoreError(f"record {row['id']} has a body that is not JSON: {e}") from None
            found.append(record_from_row(row, body))
        return found

    def record_at(self, device_id: str, seq: int) -> Record | None:
        """The record of a device's chain at `seq`, if held.

        Raises:
            StoreError: its body is not valid JSON.
        """
        found = self._sync_records("device_id = ? AND seq = ?", [device_id, seq])
        return found[0] if found else None

    def records_at(self, device_id: str, seqs: list[int]) -> dict[int, Record]:
        """The records of a device's chain at these seqs that are held, by seq."""
        found: dict[int, Record] = {}
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for r in self._sync_records(f"device_id = ? AND seq IN ({marks})", [device_id, *chunk]):
                found[r.seq] = r
        return found

    def record_by_id(self, record_id: str) -> Record | None:
        """A record by id, if held."""
        found = self._sync_records("id = ?", [record_id])
        return found[0] if found else None

    def records_of_kind(self, kind: str, device_id: str | None = None) -> list[Record]:
        """Every record of one kind (of one device, or of all), by device and seq."""
        return self._sync_records(
            "kind = ? AND (? IS NULL OR device_id = ?) ORDER BY device_id, seq", [kind, device_id, device_id])

    def unsigned_finalisations(self, device_id: str | None = None) -> list[Record]:
        """A device's finalisation records that no ``inspection-signed`` record of it names yet."""
        device = device_id or self._device_id
        signed = {r["fid"] for r in self._all(
            "SELECT json_extract(body, '$.finalisation_id') AS fid FROM records WHERE device_id = ? AND kind = ?",
            [device, str(RecordKind.INSPECTION_SIGNED)])}
        finalisations = self._sync_records(
            "device_id = ? AND kind = ? ORDER BY seq", [device, str(RecordKind.INSPECTION_FINALISED)])
        return [f for f in finalisations if f.id not in signed]

    def sign_finalisations(self, sign: Callable[[Record], Mapping[str, Any]]) -> list[Record]:
        """Append an ``inspection-signed`` record for each of this device's unsigned finalisations.

        Args:
            sign: returns the signature record's body for a finalisation (fieldtool.sync.signing).

        Returns:
            The signature records appended (committed).
        """
        with self._writing():
            return [self._append(RecordKind.INSPECTION_SIGNED, None, sign(f)) for f in self.unsigned_finalisations()]

    def finalise_and_sign(
        self, inspection_id: str, by_name: str, sign: Callable[[Record], Mapping[str, Any]]
    ) -> Inspection:
        """Finalise an inspection and sign the finalisation, in one transaction (see `finalise`).

        Args:
            inspection_id: the inspection.
            by_name: who finalised it.
            sign: returns the signature record's body for the finalisation record.

        Raises:
            InputError: `by_name` is empty.
            NotFoundError: no such inspection.
            StoreError: it is already final.
        """
        with self._writing():
            self.finalise(inspection_id, by_name)
            for finalisation in self.unsigned_finalisations():
                self._append(RecordKind.INSPECTION_SIGNED, None, sign(finalisation))
        return self.inspection(inspection_id)

    def insert_verified_record(self, record: Record) -> None:
        """Store a record checked by the caller (of any device) and apply it to the projections.

        Call inside `transaction()`. The hub stores pushed records this way, never changing them.

        Raises:
            StoreError: the record cannot be applied (unknown kind, a body without a needed field).
            sqlite3.IntegrityError: the record collides with a held one or names a missing row.
        """
        insert_record(self._db, record)
        project(self._db, record)

    # laptop: its link to a hub, receipts, reference data

    def link_hub(self, url: str, hub_id: str, hub_public_key: str, device_name: str) -> None:
        """Remember the hub this laptop is enrolled with and the key that signs its receipts."""
        with self._writing():
            self._db.execute(
                "INSERT INTO sync_link (id, url, hub_id, hub_public_key, device_name, enrolled_at) "
                "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET url = excluded.url, hub_id = excluded.hub_id, "
                "hub_public_key = excluded.hub_public_key, device_name = excluded.device_name, "
                "enrolled_at = excluded.enrolled_at",
                [url, hub_id, hub_public_key, device_name, self._now()],
            )

    def set_hub_url(self, url: str) -> None:
        """Change the address of the linked hub (same hub, same key)."""
        with self._writing():
            self._db.execute("UPDATE sync_link SET url = ? WHERE id = 1", [url])

    def hub_link(self) -> dict[str, Any] | None:
        """The hub this laptop is enrolled with: url, hub_id, hub_public_key, device_name, enrolled_at."""
        row = self._one("SELECT url, hub_id, hub_public_key, device_name, enrolled_at FROM sync_link WHERE id = 1")
        return None if row is None else dict(row)

    def save_receipt(self, receipt: Mapping[str, Any]) -> bool:
        """Keep a receipt (already verified) of the linked hub; False when it was already kept."""
        with self._writing():
            if self._one("SELECT 1 FROM sync_receipts WHERE id = ?", [receipt["id"]]) is not None:
                return False
            self._db.execute(
                "INSERT INTO sync_receipts (id, hub_id, device_id, seq, hash, new_records, duplicates, source, "
                "issued_at, signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [receipt[k] for k in ("id", "hub_id", "device_id", "seq", "hash", "new_records", "duplicates",
                                      "source", "issued_at", "signature")] + [self._now()],
            )
        return True

    def receipts(self, limit: int = 20) -> list[dict[str, Any]]:
        """The receipts kept, newest first."""
        return [dict(r) for r in self._all(
            "SELECT * FROM sync_receipts ORDER BY received_at DESC, rowid DESC LIMIT ?", [limit])]

    def acknowledged_head(self) -> tuple[int, str]:
        """This device's chain head as last acknowledged by the linked hub's receipts: (0, GENESIS) before any."""
        row = self._one(
            "SELECT r.seq, r.hash FROM sync_receipts r JOIN sync_link l ON l.hub_id = r.hub_id "
            "WHERE r.device_id = ? ORDER BY r.seq DESC LIMIT 1", [self._device_id])
        return (0, GENESIS) if row is None else (int(row["seq"]), str(row["hash"]))

    def unsynced_inspection_count(self) -> int:
        """This device's finalised inspections whose finalisation no hub has acknowledged yet."""
        seq, _ = self.acknowledged_head()
        row = self._one(
            "SELECT count(*) AS n FROM records WHERE device_id = ? AND kind = ? AND seq > ?",
            [self._device_id, str(RecordKind.INSPECTION_FINALISED), seq],
        )
        return 0 if row is None else int(row["n"])

    def unsent_record_count(self) -> int:
        """This device's records after the acknowledged head."""
        return self.chain_head()[0] - self.acknowledged_head()[0]

    def save_reference(self, name: str, content: str) -> None:
        """Keep a piece of reference data received from the hub (replacing the previous one)."""
        with self._writing():
            self._db.execute(
                "INSERT INTO sync_reference (name, content, received_at) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET content = excluded.content, received_at = excluded.received_at",
                [name, content, self._now()],
            )

    def reference(self, name: str) -> tuple[str, str] | None:
        """A piece of reference data received from the hub: (content, received_at), or None."""
        row = self._one("SELECT content, received_at FROM sync_reference WHERE name = ?", [name])
        return None if row is None else (str(row["content"]), str(row["received_at"]))

    # hub: identity, enrolment, devices, nonces, receipts, flagged records, bundles, assignments

    def hub_identity(self) -> dict[str, Any] | None:
        """This database's hub identity (id, name, public_key, created_at), or None when it is not a hub."""
        row = self._one("SELECT id, name, public_key, created_at FROM hub")
        return None if row is None else dict(row)

    def make_hub(self, name: str, public_key: str) -> dict[str, Any]:
        """Make this database a hub, with this device id as the hub id.

        Raises:
            StoreError: it is a hub already.
        """
        try:
            with self._writing():
                self._db.execute("INSERT INTO hub (id, name, public_key, created_at) VALUES (?, ?, ?, ?)",
                                 [self._device_id, name, public_key, self._now()])
        except sqlite3.IntegrityError as e:
            raise StoreError(f"{self._path} is already a hub ({e})") from None
        identity = self.hub_identity()
        assert identity is not None
        return identity

    def add_enrolment(self, code_hash: str, name: str, expires_at: str) -> None:
        """Register a one-time enrolment code (by its hash) for a named device."""
        with self._writing():
            self._db.execute("INSERT INTO hub_enrolments (code_hash, name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                             [code_hash, name, self._now(), expires_at])

    def enrolment(self, code_hash: str) -> dict[str, Any] | None:
        """An enrolment code's row with the device that used it (used_by), or None."""
        row = self._one(
            "SELECT e.*, d.id AS used_by, d.public_key AS used_key FROM hub_enrolments e "
            "LEFT JOIN hub_devices d ON d.enrolment = e.code_hash WHERE e.code_hash = ?", [code_hash])
        return None if row is None else dict(row)

    def add_device(self, device_id: str, name: str, public_key: str, code_hash: str) -> None:
        """Register an enrolled device and its public key (inside the caller's transaction or alone).

        Raises:
            StoreError: the device id is enrolled already, or the code was used.
        """
        try:
            with self._writing():
                self._db.execute(
                    "INSERT INTO hub_devices (id, name, public_key, enrolment, enrolled_at) VALUES (?, ?, ?, ?, ?)",
                    [device_id, name, public_key, code_hash, self._now()])
        except sqlite3.IntegrityError:
            raise StoreError(f"device {device_id} is enrolled already, or the code was used") from None

    def hub_device(self, device_id: str) -> dict[str, Any] | None:
        """An enrolled device: id, name, public_key, enrolled_at, revoked_at, revoke_reason; None if unknown."""
        row = self._one(
            "SELECT d.id, d.name, d.public_key, d.enrolled_at, r.revoked_at, r.reason AS revoke_reason "
            "FROM hub_devices d LEFT JOIN hub_revocations r ON r.device_id = d.id WHERE d.id = ?", [device_id])
        return None if row is None else dict(row)

    def hub_devices(self) -> list[dict[str, Any]]:
        """Every enrolled device with its revocation, acknowledged head, record and flagged counts."""
        rows = self._all(
            "SELECT d.id, d.name, d.public_key, d.enrolled_at, r.revoked_at, r.reason AS revoke_reason, "
            "(SELECT count(*) FROM records x WHERE x.device_id = d.id) AS records, "
            "(SELECT coalesce(max(seq), 0) FROM records x WHERE x.device_id = d.id) AS head_seq, "
            "(SELECT count(*) FROM hub_flagged f WHERE f.device_id = d.id) AS flagged "
            "FROM hub_devices d LEFT JOIN hub_revocations r ON r.device_id = d.id ORDER BY d.enrolled_at, d.rowid")
        return [dict(r) for r in rows]

    def revoke_device(self, device_id: str, reason: str) -> None:
        """Revoke an enrolled device: its requests and bundles are refused from now on; its records stay.

        Raises:
            NotFoundError: no such device.
            StoreError: it is revoked already.
        """
        if self.hub_device(device_id) is None:
            raise NotFoundError(f"no enrolled device {device_id} (see 'fieldtool hub devices')")
        try:
            with self._writing():
                self._db.execute("INSERT INTO hub_revocations (device_id, reason, revoked_at) VALUES (?, ?, ?)",
                                 [device_id, reason, self._now()])
        except sqlite3.IntegrityError:
            raise StoreError(f"device {device_id} is revoked already") from None

    def use_nonce(self, device_id: str, nonce: str, now: int, window: int) -> bool:
        """Remember a request's nonce; False when it was seen already (a replay). Forgets nonces older than `window` s."""
        with self._writing():
            self._db.execute("DELETE FROM hub_nonces WHERE seen_at < ?", [now - 2 * window])
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO hub_nonces (device_id, nonce, seen_at) VALUES (?, ?, ?)", [device_id, nonce, now])
            return cursor.rowcount == 1

    def add_issued_receipt(self, receipt: Mapping[str, Any]) -> None:
        """Keep a receipt the hub issued (inside the transaction that stored its records)."""
        self._db.execute(
            "INSERT INTO hub_receipts (id, device_id, seq, hash, new_records, duplicates, source, issued_at, signature) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [receipt[k] for k in ("id", "device_id", "seq", "hash", "new_records", "duplicates", "source",
                                  "issued_at", "signature")],
        )

    def flag(self, entries: list[dict[str, Any]]) -> int:
        """Keep refused records aside for the supervisor (each once); returns how many were new.

        Each entry: device_id, seq, record_id, record_hash, reason, record (the JSON as received), source.
        """
        added = 0
        with self._writing():
            for e in entries:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO hub_flagged (device_id, seq, record_id, record_hash, reason, record, source, "
                    "flagged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [e["device_id"], e["seq"], e["record_id"], e["record_hash"], e["reason"], e["record"], e["source"],
                     self._now()],
                )
                added += cursor.rowcount
        return added

    def flagged(self) -> list[dict[str, Any]]:
        """Every record kept aside, oldest first."""
        return [dict(r) for r in self._all("SELECT * FROM hub_flagged ORDER BY id")]

    def imported_bundle(self, sha256: str) -> dict[str, Any] | None:
        """The import of a bundle file (by its SHA-256) with its receipt, or None."""
        row = self._one(
            "SELECT b.sha256, b.device_id, b.imported_at, r.* FROM hub_bundles b JOIN hub_receipts r "
            "ON r.id = b.receipt_id WHERE b.sha256 = ?", [sha256])
        return None if row is None else dict(row)

    def add_imported_bundle(self, sha256: str, device_id: str, receipt_id: str) -> None:
        """Remember an imported bundle file (inside the transaction that stored its records)."""
        self._db.execute("INSERT INTO hub_bundles (sha256, device_id, receipt_id, imported_at) VALUES (?, ?, ?, ?)",
                         [sha256, device_id, receipt_id, self._now()])

    def assign(self, device_id: str, programme_id: str, cities: list[str], products: list[str]) -> None:
        """Assign a device (its inspector) to cities and products of a programme (replacing an earlier assignment).

        Raises:
            NotFoundError: the device is not enrolled.
        """
        if self.hub_device(device_id) is None:
            raise NotFoundError(f"no enrolled device {device_id} (see 'fieldtool hub devices')")
        import json  # local: the only JSON columns written in this block

        with self._writing():
            self._db.execute(
                "INSERT INTO hub_assignments (device_id, programme_id, cities, products, assigned_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(device_id, programme_id) DO UPDATE SET cities = excluded.cities, "
                "products = excluded.products, assigned_at = excluded.assigned_at",
                [device_id, programme_id, json.dumps(cities), json.dumps(products), self._now()],
            )

    def assignments(self, device_id: str | None = None) -> list[dict[str, Any]]:
        """Assignments (of one device, or all): device_id, name, programme_id, cities, products, assigned_at."""
        import json  # local: the only JSON columns read in this block

        rows = self._all(
            "SELECT a.*, d.name FROM hub_assignments a JOIN hub_devices d ON d.id = a.device_id "
            "WHERE ? IS NULL OR a.device_id = ? ORDER BY d.name, a.programme_id", [device_id, device_id])
        return [{**dict(r), "cities": json.loads(r["cities"]), "products": json.loads(r["products"])} for r in rows]


def _iso_day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _raw(raw: object) -> str | None:
    # The balance's line is kept exactly as received (no stripping): it is evidence.
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InputError(f"a balance line must be text; got {raw!r}")
    return raw


def _measurement_values(
    net: object, gross: object, tare: object, source: object, raw: object, weighing_unit: object, density: object
) -> dict[str, Any]:
    if weighing_unit is not None and (not isinstance(weighing_unit, str) or weighing_unit not in UNITS):
        raise InputError(f"unknown weighing unit {weighing_unit!r}")
    return {
        "weighing_unit": weighing_unit,
        "density": checks.optional_quantity(density, "density"),
        "net": checks.quantity(net, "net quantity"),
        "gross": checks.optional_quantity(gross, "gross weight"),
        "tare": checks.optional_quantity(tare, "tare"),
        "source": checks.choice(source, MeasurementSource, "measurement source"),
        "raw": _raw(raw),
    }
