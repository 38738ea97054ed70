"""Provides `MeasurementStore`: the packages' measurements (recorded, corrected, withdrawn), tare and density.

A part of `SqliteStore` (fieldtool.storage.store).
"""

from __future__ import annotations

from typing import Any

from fieldtool.core.inspection import DensityMethod, DensityRecord, Measurement, MeasurementSource, TareWeighing
from fieldtool.core.quantity import UNITS, density_from_flask
from fieldtool.core.records import RecordKind
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, StoreError
from fieldtool.storage import checks
from fieldtool.storage.base import StoreBase
from fieldtool.storage.codec import Row, density_from_row, measurement_from_row, tare_from_row
from fieldtool.storage.projections import measurement_row


class MeasurementStore(StoreBase):
    """The measurements of an inspection's packages, as versions that supersede each other, and its tare and density."""

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
        confirmed: str | None = None,
    ) -> Measurement:
        """Record the next package's measurement; it is committed when this returns.

        Args:
            inspection_id: the inspection.
            net: net quantity q in the inspection's unit (Decimal, str or int; never a float).
            gross: the gross weight, if weighed full.
            tare: the tare subtracted, if any.
            source: typed or balance.
            raw: the balance's line as received.
            confirmed: the note of a value the inspector confirmed although it looked implausible
                (kept in the record's body; see `confirmations`).

        Returns:
            The measurement, at the next position.

        Raises:
            InputError: a value is invalid.
            NotFoundError: no such inspection.
            StoreError: the inspection is final.
        """
        body = _measurement_values(net, gross, tare, source, raw, weighing_unit, density)
        with self._writing():
            # One read, inside the write transaction: the inspection is open, its unit, the next position.
            row = self._one(
                "SELECT i.unit AS unit, f.at AS at, "
                "(SELECT coalesce(max(m.position), 0) + 1 FROM measurements m WHERE m.inspection_id = i.id) AS next "
                "FROM inspections i LEFT JOIN finalisations f ON f.inspection_id = i.id WHERE i.id = ?",
                [inspection_id],
            )
            if row is None or row["at"] is not None:
                self._require_open(inspection_id)  # raises, naming why
            assert row is not None
            body |= {
                "position": row["next"],
                "unit": row["unit"],
                "supersedes": None,
                "reason": None,
                "withdrawn": False,
            } | _confirmed(confirmed)
            record = self._append(RecordKind.MEASUREMENT_RECORDED, inspection_id, body, checked_open=True)
        return measurement_from_row(measurement_row(record))  # what was just projected: no need to read it back

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
        confirmed: str | None = None,
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
            } | _confirmed(confirmed)
            record = self._append(RecordKind.MEASUREMENT_CORRECTED, old["inspection_id"], body, checked_open=True)
        return measurement_from_row(measurement_row(record))  # what was just projected: no need to read it back

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
        return measurement_from_row(measurement_row(record))  # what was just projected: no need to read it back

    def _current_version(self, measurement_id: str) -> Row:
        old = self._row_by_id("measurements", measurement_id, "measurement")
        self._require_open(old["inspection_id"])
        newer = self._one("SELECT id FROM measurements WHERE supersedes = ?", [measurement_id])
        if newer is not None:
            raise StoreError(
                f"measurement {measurement_id} was already superseded by {newer['id']}; change the current version",
                zh=f"记录 {measurement_id} 已被 {newer['id']} 取代；请更改当前版本",
            )
        if old["withdrawn"]:
            raise StoreError(f"measurement {measurement_id} withdraws package {old['position']}; it cannot be changed", zh=f"记录 {measurement_id} 撤销了第 {old['position']} 件；不能再更改")
        return old

    def measurement(self, measurement_id: str) -> Measurement:
        """One measurement version by id.

        Raises:
            NotFoundError: no such measurement.
        """
        return measurement_from_row(self._row_by_id("measurements", measurement_id, "measurement"))

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
        confirmed: str | None = None,
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
            confirmed: the note of a value confirmed although it looked implausible.

        Raises:
            InputError: an invalid value, or a position that does not fit the method.
            NotFoundError: no such inspection.
            StoreError: the inspection is final.
        """
        how = checks.choice(method, TareMethod, "tare method")
        if how is TareMethod.NET:
            raise InputError("tare method 'net' has no tare weighings; use individual or average", zh="去皮方式为“净含量”时没有皮重称量；请选逐个去皮或平均皮重")
        if how is TareMethod.INDIVIDUAL:
            position = checks.integer(position, "package position of an individual tare", minimum=1)
        elif position is not None:
            raise InputError("an average-tare weighing belongs to the tare sample, not to a package position", zh="平均皮重的称量属于皮重样本，不对应某件样品的位置")
        if unit is not None and unit not in UNITS:
            raise InputError(f"unknown tare unit {unit!r}", zh=f"未知的皮重单位 {unit!r}")
        body = {
            "method": how,
            "position": position,
            "unit": unit if unit is not None else self._inspection_row(inspection_id)["unit"],
            "value": checks.quantity(value, "tare"),
            "source": checks.choice(source, MeasurementSource, "tare source"),
            "raw": _raw(raw),
        } | _confirmed(confirmed)
        record = self._append(RecordKind.TARE_RECORDED, inspection_id, body)
        return tare_from_row(self._row_by_id("tare_weighings", record.id, "tare weighing"))

    def tares(self, inspection_id: str) -> list[TareWeighing]:
        """Every tare weighing of an inspection, in the order recorded.

        Raises:
            NotFoundError: no such inspection.
        """
        return [tare_from_row(r) for r in self._recorded_for(inspection_id, "tare_weighings")]

    def record_density(
        self,
        inspection_id: str,
        *,
        density_g_per_ml: object = None,
        temperature_c: object = None,
        flask_volume_ml: object = None,
        filled_g: object = None,
        empty_g: object = None,
        confirmed: str | None = None,
    ) -> DensityRecord:
        """Record a density at 20 °C: typed, or computed from a calibrated flask (ρ = (filled − empty) / V).

        Give either `density_g_per_ml` or all three flask values; `confirmed` is the note of a density
        confirmed although it looked implausible.

        Raises:
            InputError: neither or both ways given, or an invalid value.
            NotFoundError: no such inspection.
            StoreError: the inspection is final.
        """
        flask = (flask_volume_ml, filled_g, empty_g)
        temperature = None if temperature_c is None else checks.number(temperature_c, "temperature")
        if all(v is None for v in flask):
            if density_g_per_ml is None:
                raise InputError("give a density, or the flask volume with the filled and empty flask weights", zh="请填写密度，或容量瓶体积及装满后、空瓶的质量")
            method = DensityMethod.TYPED
            volume = filled = empty = None
            density = checks.quantity(density_g_per_ml, "density", positive=True)
        elif any(v is None for v in flask):
            raise InputError("the flask method needs the flask volume, the filled and the empty flask weights", zh="容量瓶法需要容量瓶体积、装满后质量和空瓶质量")
        elif density_g_per_ml is not None:
            raise InputError("give either a density or the flask weighings, not both", zh="密度和容量瓶称量只能填写一种")
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
        } | _confirmed(confirmed)
        record = self._append(RecordKind.DENSITY_RECORDED, inspection_id, body)
        return density_from_row(self._row_by_id("densities", record.id, "density"))

    def densities(self, inspection_id: str) -> list[DensityRecord]:
        """Every density recorded for an inspection, in the order recorded.

        Raises:
            NotFoundError: no such inspection.
        """
        return [density_from_row(r) for r in self._recorded_for(inspection_id, "densities")]

    def confirmations(self, inspection_id: str) -> dict[str, str]:
        """The notes of the values confirmed although implausible (measurements, tares, densities), by record id.

        The note is kept in the record's body only (the query tables have no column for it).

        Raises:
            NotFoundError: no such inspection.
        """
        self._inspection_row(inspection_id)
        rows = self._all(
            "SELECT id, json_extract(body, '$.confirmed') AS note FROM records "
            "WHERE inspection_id = ? AND json_extract(body, '$.confirmed') IS NOT NULL ORDER BY rowid",
            [inspection_id],
        )
        return {r["id"]: r["note"] for r in rows}

    def _recorded_for(self, inspection_id: str, table: str) -> list[Row]:
        # An unknown inspection raises NotFoundError rather than listing nothing.
        self._inspection_row(inspection_id)
        return self._all(f"SELECT * FROM {table} WHERE inspection_id = ? ORDER BY rowid", [inspection_id])


def _raw(raw: object) -> str | None:
    # The balance's line is kept exactly as received (no stripping): it is evidence.
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InputError(f"a balance line must be text; got {raw!r}", zh=f"天平输出行必须是文字；收到 {raw!r}")
    return raw


def _confirmed(note: object) -> dict[str, str]:
    # Written only when given: the bodies of ordinary values stay as they were before the field existed.
    if note is None:
        return {}
    if not isinstance(note, str) or not note.strip():
        raise InputError("the note of a confirmed value must be text", zh="确认数值的备注必须是文字")
    return {"confirmed": note}


def _measurement_values(
    net: object, gross: object, tare: object, source: object, raw: object, weighing_unit: object, density: object
) -> dict[str, Any]:
    if weighing_unit is not None and (not isinstance(weighing_unit, str) or weighing_unit not in UNITS):
        raise InputError(f"unknown weighing unit {weighing_unit!r}", zh=f"未知的称量单位 {weighing_unit!r}")
    return {
        "weighing_unit": weighing_unit,
        "density": checks.optional_quantity(density, "density"),
        "net": checks.quantity(net, "net quantity"),
        "gross": checks.optional_quantity(gross, "gross weight"),
        "tare": checks.optional_quantity(tare, "tare"),
        "source": checks.choice(source, MeasurementSource, "measurement source"),
        "raw": _raw(raw),
    }
