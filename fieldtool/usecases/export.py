"""Provides the export of lots and measurements as CSV (for spreadsheets) or JSON (for scripts).

Two tables, the same in both formats:

- ``lots``: one row per inspection (open ones too: ``status`` says ``open`` or ``final``), with its
  header, the programme's names of its city and product, and, once final, the saved verdict: the
  outcome, T, and each criterion's observed value and limit, as saved (never judged again).
- ``measurements``: one row per measurement *version*: the first entry of a package, every
  correction and every withdrawal, with the reason. ``status`` is ``current``, ``superseded`` or
  ``withdrawn``; ``counted`` says whether the version counts for the lot now; ``in_verdict``
  whether the saved verdict judged it.

``position`` is the package number the inspector saw on the weighing screen and the report prints
(a withdrawn package keeps the number it had; `fieldtool.core.resolution.package_numbers`), not
the store's entry count. Times are ISO 8601 in the inspection's zone, China Standard Time
(``2026-12-07T07:06:00+08:00``), as every screen and report shows them.

CSV: ``lots.csv`` and ``measurements.csv``, UTF-8 with a byte-order mark (so that Excel reads the
Chinese text), a header row, CRLF line ends. Quantities are written as the screens and the report
write them (`fieldtool.core.resolution`): gross, tare and net to the balance's d (a recorded digit
is never dropped: ``499.10`` stays ``499.10`` on a 0.01 g balance; a net from an average tare is
rounded to d), the mean and its limit one digit finer, T and Qn as the rule set gives them. Missing
values are empty, booleans ``true``/``false``, the inspectors joined by ``"; "``.

JSON: ``lots.json`` and ``measurements.json`` (two files, parallel to the CSV, so a script reads
whichever table it needs): each an array of objects, one a line, with the CSV's keys. Decimals are
strings with their exact stored digits; integers are numbers; missing values ``null``; the
inspectors a list. ``json.load`` gives back exactly what was stored.

Each file is written to a temporary file in the target directory and renamed over any earlier
one, so a reader never sees half a file. The directory is created if needed. Both files are
checked before either is written (a read-only file, a directory or a special file in the way
refuses the export and leaves both as they were); a device or a FIFO there is written through,
never renamed over (`fieldtool.infra.files.write_atomically`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldtool.core.chinatime import day_bounds, local
from fieldtool.core.evaluate import CriterionCode, Status
from fieldtool.core.inspection import Balance, Inspection, Measurement, StoredVerdict
from fieldtool.core.programme import Programme
from fieldtool.core.quantity import decimal_str, plain_decimal, unit
from fieldtool.core.resolution import Resolution, package_numbers, resolution_for, round_to
from fieldtool.core.tare import TareMethod
from fieldtool.errors import FieldtoolError, InputError, NotFoundError
from fieldtool.infra.files import check_writable, write_atomically
from fieldtool.usecases.lot_types import header_weighing_unit

if TYPE_CHECKING:
    from fieldtool.usecases.inspection import Services

FORMATS = ("csv", "json")
"""The export formats."""

LOT_COLUMNS: tuple[str, ...] = (
    "inspection_id", "programme_id", "city_id", "city_zh", "city_en", "product_id", "product_zh", "product_en",
    "site_name", "site_address", "site_kind", "brand", "batch", "production_date",
    "nominal", "unit", "lot_size", "rule_set_id", "variant", "sampling_method", "sampling_seed",
    "inspectors", "balance_id", "tare_method", "notes", "device_id",
    "created_at", "status", "finalised_at", "finalised_by",
    "outcome", "failed_criteria", "tne", "sample_size",
    "defectives", "defectives_allowed", "t2", "t2_allowed", "mean", "mean_limit", "mean_excess",
    "verdict_id", "evaluated_at", "engine_version", "measurement_versions",
)
"""The columns of lots.csv (and the keys of lots.json), in order."""

MEASUREMENT_COLUMNS: tuple[str, ...] = (
    "measurement_id", "inspection_id", "position", "version", "status", "counted", "in_verdict",
    "net", "gross", "tare", "unit", "weighing_unit", "density", "source", "raw",
    "supersedes", "reason", "recorded_at",
)
"""The columns of measurements.csv (and the keys of measurements.json), in order."""

_FILTERS = {
    "programme_id", "city_id", "product_id", "site_kind", "rule_set_id", "final", "since", "until", "search",
    "cities", "products",
}
"""The filters `export` accepts: those of `SqliteStore.inspections`, plus lists of cities and products."""

Row = dict[str, Any]


@dataclass(frozen=True)
class _Names:
    """The programme's names of a city and a product, when the programme is known."""

    city_zh: str | None = None
    city_en: str | None = None
    product_zh: str | None = None
    product_en: str | None = None


def export(services: Services, fmt: str, out_dir: str | os.PathLike[str], **filters: Any) -> list[Path]:
    """Write the lots and the measurements of the chosen inspections to `out_dir`.

    Args:
        services: the use-cases over the open store.
        fmt: ``csv`` or ``json``.
        out_dir: the directory to write into (created if missing); existing files are replaced.
        **filters: as `SqliteStore.inspections` (``programme_id``, ``city_id``, ``product_id``,
            ``site_kind``, ``rule_set_id``, ``final``, ``search``), ``since`` and ``until`` as days
            (inclusive, China Standard Time) or aware instants, and ``cities`` / ``products``: lists
            of ids. Ids are checked against the programme when ``programme_id`` is given.

    Returns:
        The files written: lots first, then measurements.

    Raises:
        InputError: an unknown format or filter, a bad period, a directory that cannot be written, or
            a file in it that cannot be replaced (nothing is written then).
        NotFoundError: an unknown programme, city or product id.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")
    unknown = sorted(set(filters) - _FILTERS)
    if unknown:
        raise InputError(f"unknown export filter {unknown[0]!r}; known: {', '.join(sorted(_FILTERS))}")
    lots, measurements = export_rows(services, written=fmt == "csv", **filters)
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        raise InputError(f"cannot export to {directory}: it is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create export directory {directory}: {exc.strerror or exc}") from None
    if not directory.is_dir():
        raise InputError(f"cannot export to {directory}: it is not a directory")
    if fmt == "csv":
        files = {"lots.csv": _csv_text(LOT_COLUMNS, lots), "measurements.csv": _csv_text(MEASUREMENT_COLUMNS, measurements)}
        encoding = "utf-8-sig"
    else:
        files = {"lots.json": _json_text(lots), "measurements.json": _json_text(measurements)}
        encoding = "utf-8"
    for name in files:
        check_writable(directory / name)  # both refused before either is replaced: the pair stays consistent
    return [_write_atomic(directory / name, text, encoding) for name, text in files.items()]


def export_rows(services: Services, *, written: bool = False, **filters: Any) -> tuple[list[Row], list[Row]]:
    """The rows of the two tables, with typed values (the JSON form), oldest inspection first.

    Args:
        services: the use-cases over the open store.
        written: quantities as the screens and the report write them (the CSV), not as stored (the JSON).
        **filters: as `export`.

    Raises:
        InputError: a bad filter value or period.
        NotFoundError: an unknown programme, city or product id.
    """
    cities = _ids(filters.pop("cities", None))
    products = _ids(filters.pop("products", None))
    programme_id = filters.get("programme_id")
    if programme_id is not None:
        programme = services.programme(programme_id)
        for c in (*cities, *([filters["city_id"]] if filters.get("city_id") else [])):
            programme.city(c)
        for p in (*products, *([filters["product_id"]] if filters.get("product_id") else [])):
            programme.product(p)
    filters["since"], filters["until"] = day_bounds(filters.get("since"), filters.get("until"))
    found = [
        i for i in services.inspections(**filters)
        if (not cities or i.header.city_id in cities) and (not products or i.header.product_id in products)
    ]
    found.sort(key=lambda i: (i.created_at, i.id))
    names = _namer(services)
    balances: dict[str, Balance | None] = {}
    lots: list[Row] = []
    measurements: list[Row] = []
    for inspection in found:
        verdict = services.verdict(inspection.id) if inspection.is_final else None
        history = services.store.measurement_history(inspection.id)
        res = _resolution(services, inspection, history, balances) if written else None
        lots.append(_lot_row(inspection, verdict, names(inspection), len(history), res))
        measurements.extend(_measurement_rows(history, verdict, res))
    return lots, measurements


def _resolution(services: Services, inspection: Inspection, history: Sequence[Measurement],
                balances: dict[str, Balance | None]) -> Resolution:
    """The places the lot's quantities are written with: its balance's d (`fieldtool.core.resolution`)."""
    h = inspection.header
    if h.balance_id and h.balance_id not in balances:
        try:
            balances[h.balance_id] = services.store.balance(h.balance_id)
        except NotFoundError:
            balances[h.balance_id] = None
    balance = balances.get(h.balance_id) if h.balance_id else None
    replaced = {m.supersedes for m in history if m.supersedes is not None}
    current = [m for m in history if m.id not in replaced and not m.withdrawn]
    return resolution_for(balance, unit(h.unit), header_weighing_unit(h), current,
                          average_tare=h.tare_method is TareMethod.AVERAGE)


def _ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value if str(v).strip())
    raise InputError(f"expected a list of ids; got {value!r}")


def _namer(services: Services) -> Callable[[Inspection], _Names]:
    """Names of an inspection's city and product from its programme (blank when the programme is unknown)."""
    programmes: dict[str, Programme | None] = {}

    def names(inspection: Inspection) -> _Names:
        h = inspection.header
        if h.programme_id is None:
            return _Names()
        if h.programme_id not in programmes:
            try:
                programmes[h.programme_id] = services.programme(h.programme_id)
            except FieldtoolError:
                programmes[h.programme_id] = None  # a programme file since removed: ids stay, names are unknown
        programme = programmes[h.programme_id]
        if programme is None:
            return _Names()
        city, product = programme.find_city(h.city_id), programme.find_product(h.product_id)
        return _Names(
            city_zh=city.name_zh if city else None, city_en=city.name_en if city else None,
            product_zh=product.name_zh if product else None, product_en=product.name_en if product else None,
        )

    return names


def _lot_row(inspection: Inspection, verdict: StoredVerdict | None, names: _Names, versions: int,
             res: Resolution | None = None) -> Row:
    h = inspection.header
    row: Row = {
        "inspection_id": inspection.id,
        "programme_id": h.programme_id,
        "city_id": h.city_id,
        "city_zh": names.city_zh,
        "city_en": names.city_en,
        "product_id": h.product_id,
        "product_zh": names.product_zh,
        "product_en": names.product_en,
        "site_name": h.site_name,
        "site_address": h.site_address,
        "site_kind": h.site_kind.value,
        "brand": h.brand,
        "batch": h.batch,
        "production_date": _iso(h.production_date),
        "nominal": decimal_str(h.nominal),
        "unit": h.unit,
        "lot_size": h.lot_size,
        "rule_set_id": h.rule_set_id,
        "variant": h.variant,
        "sampling_method": h.sampling_method.value,
        "sampling_seed": h.sampling_seed,
        "inspectors": list(h.inspectors),
        "balance_id": h.balance_id,
        "tare_method": h.tare_method.value,
        "notes": h.notes,
        "device_id": inspection.device_id,
        "created_at": _iso(inspection.created_at),
        "status": "final" if inspection.is_final else "open",
        "finalised_at": _iso(inspection.finalised_at),
        "finalised_by": inspection.finalised_by,
        "measurement_versions": versions,
    }
    row |= dict.fromkeys(
        ("outcome", "failed_criteria", "tne", "sample_size", "defectives", "defectives_allowed", "t2",
         "t2_allowed", "mean", "mean_limit", "mean_excess", "verdict_id", "evaluated_at", "engine_version")
    )
    if verdict is not None:
        criteria = {c.code: c for c in verdict.criteria}
        row |= {
            "outcome": verdict.outcome.value,
            "failed_criteria": [c.code.value for c in verdict.criteria if c.status is Status.FAIL],
            "tne": decimal_str(verdict.inputs.tne),
            "sample_size": len(verdict.inputs.nets),
            "verdict_id": verdict.id,
            "evaluated_at": _iso(verdict.evaluated_at),
            "engine_version": verdict.engine_version,
        }
        for code, observed, limit in (
            (CriterionCode.DEFECTIVES, "defectives", "defectives_allowed"),
            (CriterionCode.T2, "t2", "t2_allowed"),
            (CriterionCode.MEAN, "mean", "mean_limit"),
        ):
            c = criteria.get(code)
            if c is not None:
                row[observed], row[limit] = decimal_str(c.observed), decimal_str(c.limit)
                if code is CriterionCode.MEAN:
                    row["mean_excess"] = decimal_str(c.excess)
                    if res is not None:  # q̄, its limit and the excess one digit finer than a net, as the report
                        for key, value in (("mean", c.observed), ("mean_limit", c.limit), ("mean_excess", c.excess)):
                            row[key] = plain_decimal(round_to(value, res.mean))
    return {key: row[key] for key in LOT_COLUMNS}


def _measurement_rows(history: Sequence[Measurement], verdict: StoredVerdict | None,
                      res: Resolution | None = None) -> list[Row]:
    replaced = {m.supersedes for m in history if m.supersedes is not None}
    judged = set(verdict.inputs.measurement_ids) if verdict is not None else set()
    numbers = package_numbers(history)

    def weighed(value: Decimal | None) -> str | None:
        return decimal_str(value if res is None else res.weighed(value))

    def net(value: Decimal) -> str | None:
        # A lot judged by volume writes its computed volumes as computed, whatever the tare.
        return decimal_str(value if res is None else res.net_value(value))

    versions: dict[int, int] = {}
    rows: list[Row] = []
    for m in history:
        versions[m.position] = versions.get(m.position, 0) + 1
        if m.id in replaced:
            status = "superseded"
        elif m.withdrawn:
            status = "withdrawn"
        else:
            status = "current"
        rows.append({
            "measurement_id": m.id,
            "inspection_id": m.inspection_id,
            "position": numbers[m.id],
            "version": versions[m.position],
            "status": status,
            "counted": status == "current",
            "in_verdict": m.id in judged,
            "net": net(m.net),
            "gross": weighed(m.gross),
            "tare": decimal_str(m.tare if res is None else res.tare_value(m.tare)),
            "unit": m.unit,
            "weighing_unit": m.weighing_unit,
            "density": decimal_str(m.density),
            "source": m.source.value,
            "raw": m.raw,
            "supersedes": m.supersedes,
            "reason": m.reason,
            "recorded_at": _iso(m.recorded_at),
        })
    return rows


def _iso(value: date | datetime | None) -> str | None:
    """A day as it is; an instant in China Standard Time with its offset (the zone every screen shows)."""
    if isinstance(value, datetime):
        return local(value).isoformat()
    return None if value is None else value.isoformat()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _csv_text(columns: Sequence[str], rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return buffer.getvalue()


def _json_text(rows: Sequence[Row]) -> str:
    if not rows:
        return "[]\n"
    lines = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows)
    return f"[\n{lines}\n]\n"


def _write_atomic(path: Path, text: str, encoding: str) -> Path:
    """Write `text` atomically (see `fieldtool.infra.files.write_atomically`).

    Raises:
        InputError: the directory cannot be written, or `path` is a directory.
    """
    write_atomically(path, text.encode(encoding))
    return path


__all__ = ["FORMATS", "LOT_COLUMNS", "MEASUREMENT_COLUMNS", "export", "export_rows"]
