"""Provides the reader of inspection programmes (`sampling_plans/programmes/<id>.toml`) into `core.programme` types.

The schema is documented in `sampling_plans/README.md`. Validation is strict: unknown keys, wrong
types, missing keys, duplicate ids, a density where none belongs (or none where one is needed),
units that do not fit the product and an unknown rule set are refused with an error naming the
file and the dotted key. The programme's types are imported from here as well as from
`fieldtool.core.programme`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from fieldtool.core.programme import (
    METHOD_KIND,
    City,
    InspectionType,
    Method,
    NominalQuantity,
    Product,
    Programme,
    did_you_mean,
)
from fieldtool.core.quantity import Kind, from_base, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError
from fieldtool.plans.rules import rule_set_paths
from fieldtool.plans.strict import Table, open_table
from fieldtool.plans.where import file_for, files_by_id, programmes_dirs

SCHEMA_VERSION = 1

DENSITY_RANGE = (Decimal("0.5"), Decimal(2))
"""Plausible densities in g/mL; a value outside was most likely written in kg/m³ or kg/L by mistake."""

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# AQSIQ Order No. 75 附表1: below 1000 g (mL) a quantity is labelled in g (mL), from 1000 in kg (L).
_LABEL_UNITS = {Kind.MASS: ("g", "kg"), Kind.VOLUME: ("mL", "L")}

WEIGHED_TARE_METHODS = (TareMethod.INDIVIDUAL, TareMethod.AVERAGE)
"""The tare methods a weighed product may default to (a weighed product always has a tare)."""


def load_programme_file(path: Path) -> Programme:
    """Read and validate one programme file.

    Args:
        path: the TOML file; its stem is the programme's id.

    Returns:
        The programme.

    Raises:
        RuleFileError: the file does not follow the schema; the message names the file and key.
    """
    top, pid = open_table(path, SCHEMA_VERSION)
    name = _text(top, "name")
    name_zh = top.typed("name_zh", str, "")
    if name_zh:
        _require_han(top, "name_zh", name_zh)
    year = top.integer("year", minimum=1900)
    sources: tuple[str, ...] = tuple(top.strings("sources"))
    if not sources or not all(s.strip() for s in sources):
        raise top.error("sources", "must cite at least one source, and none may be empty")
    notes = top.typed("notes", str, "").strip()
    rule_set = top.typed("rule_set", str)
    known_rule_sets = rule_set_paths()
    if rule_set not in known_rule_sets:
        raise top.error(
            "rule_set", f"unknown rule set {rule_set!r}; known: {', '.join(sorted(known_rule_sets)) or 'none'}"
        )
    quota_per_cell = top.integer("quota_per_cell", minimum=1)
    inspection_type = top.choice("inspection_type", InspectionType, InspectionType.SUPERVISION)
    task_source = top.typed("task_source", str, "").strip()

    cities = [_city(t) for t in top.tables("cities")]
    _refuse_duplicates(top, "cities", [c.id for c in cities], "id")
    _refuse_duplicates(top, "cities", [c.name_zh for c in cities], "name_zh")
    products = [_product(t) for t in top.tables("products")]
    _refuse_duplicates(top, "products", [p.id for p in products], "id")
    _refuse_duplicates(top, "products", [p.name_zh for p in products], "name_zh")
    overrides = _quota_overrides(
        top.table("quota_overrides", default=None), [c.id for c in cities], [p.id for p in products]
    )
    top.done()
    return Programme(
        id=pid,
        name=name,
        name_zh=name_zh,
        year=year,
        sources=sources,
        notes=notes,
        rule_set=rule_set,
        cities=tuple(cities),
        products=tuple(products),
        quota_per_cell=quota_per_cell,
        quota_overrides=overrides,
        path=str(path),
        inspection_type=inspection_type,
        task_source=task_source,
    )


def _text(t: Table, key: str) -> str:
    value = t.typed(key, str)
    if not value.strip():
        raise t.error(key, "must not be empty")
    return value


def _require_han(t: Table, key: str, value: str) -> None:
    if not any(unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH") for ch in value):
        raise t.error(key, f"must be written in Chinese characters; got {value!r}")


def _zh(t: Table, key: str) -> str:
    value = _text(t, key)
    _require_han(t, key, value)
    return value


def _id(t: Table) -> str:
    value = t.typed("id", str)
    if not _ID.fullmatch(value):
        raise t.error(
            "id", f"must be lower-case letters and digits joined by hyphens (e.g. 'xian', 'soy-sauce'); got {value!r}"
        )
    return value


def _refuse_duplicates(top: Table, key: str, values: Sequence[str], field_name: str) -> None:
    first: dict[str, int] = {}
    for i, value in enumerate(values):
        if value in first:
            raise top.error(f"{key}[{i}].{field_name}", f"duplicate {value!r} (already {key}[{first[value]}])")
        first[value] = i


def _city(t: Table) -> City:
    city = City(
        id=_id(t),
        name_zh=_zh(t, "name_zh"),
        name_en=_text(t, "name_en"),
        province_zh=_zh(t, "province_zh"),
        province_en=_text(t, "province_en"),
    )
    t.done()
    return city


def _product(t: Table) -> Product:
    pid = _id(t)
    name_zh = _zh(t, "name_zh")
    name_en = _text(t, "name_en")
    kind = t.choice("kind", Kind)
    method = t.choice("method", Method)
    if METHOD_KIND[method] is not kind:
        raise t.error(
            "method",
            f"{str(method)!r} measures products labelled by {METHOD_KIND[method]}; this one is labelled by {kind}",
        )
    density = t.decimal("typical_density", None)
    if method is Method.MASS_AND_DENSITY:
        low, high = DENSITY_RANGE
        if density is None:
            raise t.error(
                "typical_density", "missing: a mass-and-density product needs its typical density in g/mL at 20 °C"
            )
        if not low <= density <= high:
            raise t.error("typical_density", f"must be in g/mL, between {low} and {high}; got {density}")
    elif density is not None:
        raise t.error(
            "typical_density", f"only a mass-and-density product has a density; this one is measured by {str(method)!r}"
        )
    nominals = _nominal_quantities(t, kind)
    tare = t.typed("default_tare", str)
    allowed = [m.value for m in WEIGHED_TARE_METHODS]
    if tare not in allowed:
        raise t.error(
            "default_tare", f"must be one of {', '.join(allowed)} (a weighed product has a tare); got {tare!r}"
        )
    t.done()
    return Product(
        id=pid,
        name_zh=name_zh,
        name_en=name_en,
        kind=kind,
        method=method,
        typical_density=density,
        nominal_quantities=nominals,
        default_tare=TareMethod(tare),
    )


def _nominal_quantities(t: Table, kind: Kind) -> tuple[NominalQuantity, ...]:
    texts = t.strings("nominal_quantities")
    if not texts:
        raise t.error("nominal_quantities", "must list at least one nominal quantity")
    found: list[NominalQuantity] = []
    for i, text in enumerate(texts):
        key = f"nominal_quantities[{i}]"
        try:
            nq = NominalQuantity.parse(text)
        except InputError as exc:
            raise t.error(key, str(exc)) from None
        if nq.kind is not kind:
            raise t.error(key, f"{text!r} is a {nq.kind} quantity; the product is labelled by {kind}")
        if kind in _LABEL_UNITS:
            small, large = _LABEL_UNITS[kind]
            proper = small if nq.base < 1000 else large
            if nq.unit != proper:
                relabelled = _plain(from_base(nq.base, unit(proper)))
                raise t.error(
                    key,
                    f"{text!r} is labelled {relabelled} {proper} "
                    f"(AQSIQ Order No. 75 附表1: below 1000 {small} in {small}, from 1000 {small} in {large})",
                )
        for j, earlier in enumerate(found):
            if earlier.base == nq.base:
                raise t.error(key, f"duplicate {text!r} (already nominal_quantities[{j}])")
        found.append(nq)
    return tuple(found)


def _quota_overrides(t: Table, city_ids: Sequence[str], product_ids: Sequence[str]) -> dict[tuple[str, str], int]:
    overrides: dict[tuple[str, str], int] = {}
    for city_id in t.names():
        if city_id not in city_ids:
            raise t.error(city_id, f"unknown city {city_id!r}{did_you_mean(city_id, city_ids)}")
        row = t.table(city_id)
        for product_id in row.names():
            if product_id not in product_ids:
                raise row.error(product_id, f"unknown product {product_id!r}{did_you_mean(product_id, product_ids)}")
            overrides[(city_id, product_id)] = row.integer(product_id, minimum=0)
        row.done()
    t.done()
    return overrides


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros or an exponent (``500.0`` → ``500``, ``1E+1`` → ``10``)."""
    return format(value.normalize(), "f")


def programme_paths() -> dict[str, Path]:
    """Every programme file found, by id (a user's own directory first, then the shipped one)."""
    return files_by_id(programmes_dirs())


def load_programme(programme_id: str) -> Programme:
    """Load a programme by id.

    Raises:
        NotFoundError: no programme has that id.
        RuleFileError: its file is invalid.
    """
    return load_programme_file(file_for("programme", programme_id, programmes_dirs()))


def all_programmes() -> list[Programme]:
    """Load every programme found.

    Raises:
        RuleFileError: a file is invalid.
    """
    return [load_programme_file(p) for p in programme_paths().values()]


__all__ = [
    "all_programmes",
    "load_programme",
    "load_programme_file",
    "programme_paths",
]
