"""Provides inspection programmes (`sampling_plans/programmes/<id>.toml`): cities, products and quotas.

A programme says where (cities), what (kinds of prepackaged goods, how each is measured) and how
much (lots per city and product) a campaign inspects, and which rule set judges the lots. The
schema is documented in `sampling_plans/README.md`. Validation is strict: unknown keys, wrong
types, missing keys, duplicate ids, a density where none belongs (or none where one is needed),
units that do not fit the product and an unknown rule set are refused with an error naming the
file and the dotted key.
"""

from __future__ import annotations

import difflib
import enum
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fieldtool.core.quantity import Kind, from_base, to_base, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError
from fieldtool.plans.rules import rule_set_paths
from fieldtool.plans.strict import Table, load_toml
from fieldtool.plans.where import file_for, files_by_id, programmes_dirs

SCHEMA_VERSION = 1

DENSITY_RANGE = (Decimal("0.5"), Decimal(2))
"""Plausible densities in g/mL; a value outside was most likely written in kg/m³ or kg/L by mistake."""

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_QUANTITY = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(\S+)\s*")

# AQSIQ Order No. 75 附表1: below 1000 g (mL) a quantity is labelled in g (mL), from 1000 in kg (L).
_LABEL_UNITS = {Kind.MASS: ("g", "kg"), Kind.VOLUME: ("mL", "L")}


class Method(enum.StrEnum):
    """How the net quantity of a product's packages is measured."""

    MASS = "mass"
    """The net mass is weighed (gross minus tare)."""
    MASS_AND_DENSITY = "mass-and-density"
    """A liquid labelled by volume is weighed and converted with V = m / ρ at 20 °C (JJF 1070-2005)."""


METHOD_KIND = {Method.MASS: Kind.MASS, Method.MASS_AND_DENSITY: Kind.VOLUME}
"""The kind of labelled quantity each method measures."""

WEIGHED_TARE_METHODS = (TareMethod.INDIVIDUAL, TareMethod.AVERAGE)
"""The tare methods a weighed product may default to (a weighed product always has a tare)."""


@dataclass(frozen=True)
class NominalQuantity:
    """A nominal (labelled) quantity Qn, as printed on the package: a value and its unit."""

    value: Decimal
    """The number as labelled, exactly (``2.5`` for 2.5 kg)."""
    unit: str
    """The canonical unit symbol (g, kg, mL, L, ...), as in `fieldtool.core.quantity.UNITS`."""

    def __post_init__(self) -> None:
        found = unit(self.unit)
        if found.symbol != self.unit:
            raise InputError(f"write the unit {self.unit!r} as {found.symbol!r}")
        if not self.value.is_finite() or self.value <= 0:
            raise InputError(f"a nominal quantity must be positive; got {self.value} {self.unit}")

    @classmethod
    def parse(cls, text: str) -> NominalQuantity:
        """Read a nominal quantity written as a number and a unit, such as ``"500 g"`` or ``"1.5 L"``.

        Args:
            text: the quantity; a common unit alias (``ml``, ``l``) is accepted and made canonical.

        Returns:
            The nominal quantity, with the value's digits exactly as written.

        Raises:
            InputError: the text is not a positive number followed by a known unit.
        """
        match = _QUANTITY.fullmatch(text)
        if match is None:
            raise InputError(f"{text!r} is not a quantity such as '500 g' or '1.5 L'")
        number, symbol = match.groups()
        return cls(Decimal(number), unit(symbol).symbol)

    @property
    def kind(self) -> Kind:
        """The kind of quantity (mass, volume, ...)."""
        return unit(self.unit).kind

    @property
    def base(self) -> Decimal:
        """The quantity in its kind's base unit (g, mL, m, m2, count), the unit of the TNE tables."""
        return to_base(self.value, unit(self.unit))

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"


@dataclass(frozen=True)
class City:
    """A city in which the programme inspects lots."""

    id: str
    """Stable id: lower-case letters and digits joined by hyphens (``beijing``, ``xian``)."""
    name_zh: str
    """Name in Chinese (北京, 乌鲁木齐)."""
    name_en: str
    """Name in English (Beijing, Urumqi)."""
    province_zh: str
    """The province-level unit in Chinese (河北省, 内蒙古自治区; a municipality is its own: 北京市)."""
    province_en: str
    """The province-level unit in English (Hebei, Inner Mongolia; Beijing for Beijing)."""


@dataclass(frozen=True)
class Product:
    """A kind of prepackaged goods the programme inspects, and how its packages are measured."""

    id: str
    """Stable id: lower-case letters and digits joined by hyphens (``rice``, ``soy-sauce``)."""
    name_zh: str
    """Name in Chinese (大米)."""
    name_en: str
    """Name in English (Rice)."""
    kind: Kind
    """The kind of quantity the packages are labelled with (mass or volume)."""
    method: Method
    """How the net quantity is measured; its kind always equals `kind`."""
    typical_density: Decimal | None
    """Typical density at 20 °C in g/mL for a mass-and-density product (None otherwise); a lot's
    volume is computed from its measured density, this value says what to expect."""
    nominal_quantities: tuple[NominalQuantity, ...]
    """Typical nominal quantities, in the units of `kind`, as labelled."""
    default_tare: TareMethod
    """The tare method offered first: individual or average (average only if the tare sample passes)."""


@dataclass(frozen=True)
class Programme:
    """An inspection programme: cities × products, the lots to inspect in each, and the rule set."""

    id: str
    """The file's stem, e.g. ``cn-2012-net-content``."""
    name: str
    """Title in English."""
    name_zh: str
    """Title in Chinese (may be empty)."""
    year: int
    """The year of the programme."""
    sources: tuple[str, ...]
    """Citations of the documents the programme was taken from."""
    notes: str
    """Decisions taken where the sources are silent (may be empty)."""
    rule_set: str
    """Id of the rule set that judges the programme's lots."""
    cities: tuple[City, ...]
    """The cities, in the file's order; ids are unique."""
    products: tuple[Product, ...]
    """The products, in the file's order; ids are unique."""
    quota_per_cell: int
    """Lots to inspect per city and product, unless overridden."""
    quota_overrides: dict[tuple[str, str], int] = field(default_factory=dict, hash=False)
    """Lots per (city id, product id) where they differ from `quota_per_cell` (0: none there)."""
    path: str = ""
    """The file the programme was read from (for messages)."""

    def city(self, city_id: str) -> City:
        """A city by id.

        Raises:
            NotFoundError: the programme has no such city.
        """
        for city in self.cities:
            if city.id == city_id:
                return city
        hint = _hint(city_id, [c.id for c in self.cities], self.id, "cities")
        raise NotFoundError(f"programme {self.id} has no city {city_id!r}{hint}")

    def product(self, product_id: str) -> Product:
        """A product by id.

        Raises:
            NotFoundError: the programme has no such product.
        """
        for product in self.products:
            if product.id == product_id:
                return product
        hint = _hint(product_id, [p.id for p in self.products], self.id, "products")
        raise NotFoundError(f"programme {self.id} has no product {product_id!r}{hint}")

    def quota(self, city_id: str, product_id: str) -> int:
        """The number of lots to inspect of a product in a city.

        Raises:
            NotFoundError: the programme has no such city or product.
        """
        self.city(city_id)
        self.product(product_id)
        return self.quota_overrides.get((city_id, product_id), self.quota_per_cell)

    @property
    def total_lots(self) -> int:
        """The number of lots the whole programme inspects."""
        return sum(self.quota(c.id, p.id) for c in self.cities for p in self.products)


def _hint(wanted: str, ids: Sequence[str], programme_id: str, what: str) -> str:
    close = _close(wanted, ids)
    return close or f"; `fieldtool programme show {programme_id}` lists its {len(ids)} {what}"


# --- loading ---------------------------------------------------------------------------------


def load_programme_file(path: Path) -> Programme:
    """Read and validate one programme file.

    Args:
        path: the TOML file; its stem is the programme's id.

    Returns:
        The programme.

    Raises:
        RuleFileError: the file does not follow the schema; the message names the file and key.
    """
    top = Table(load_toml(path), path)
    schema = top.integer("schema")
    if schema != SCHEMA_VERSION:
        raise top.error("schema", f"this fieldtool reads schema {SCHEMA_VERSION}; got {schema}")
    pid = top.typed("id", str)
    if pid != path.stem:
        raise top.error("id", f"must equal the file name {path.stem!r}; got {pid!r}")
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
            raise t.error(city_id, f"unknown city {city_id!r}{_close(city_id, city_ids)}")
        row = t.table(city_id)
        for product_id in row.names():
            if product_id not in product_ids:
                raise row.error(product_id, f"unknown product {product_id!r}{_close(product_id, product_ids)}")
            overrides[(city_id, product_id)] = row.integer(product_id, minimum=0)
        row.done()
    t.done()
    return overrides


def _close(wanted: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


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


# --- output ----------------------------------------------------------------------------------


def programme_as_dict(p: Programme) -> dict[str, Any]:
    """The programme as plain JSON-able data (decimals as strings), for ``programme show --json``.

    Args:
        p: the programme.

    Returns:
        Nested dicts, lists, strings and integers only.
    """
    overrides: dict[str, dict[str, int]] = {}
    for (city_id, product_id), lots in p.quota_overrides.items():
        overrides.setdefault(city_id, {})[product_id] = lots
    return {
        "id": p.id,
        "name": p.name,
        "name_zh": p.name_zh,
        "year": p.year,
        "sources": list(p.sources),
        "notes": p.notes,
        "rule_set": p.rule_set,
        "quota": {"per_cell": p.quota_per_cell, "overrides": overrides, "total_lots": p.total_lots},
        "cities": [
            {
                "id": c.id,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "province_zh": c.province_zh,
                "province_en": c.province_en,
            }
            for c in p.cities
        ],
        "products": [
            {
                "id": pr.id,
                "name_zh": pr.name_zh,
                "name_en": pr.name_en,
                "kind": pr.kind.value,
                "method": pr.method.value,
                "typical_density": None if pr.typical_density is None else str(pr.typical_density),
                "nominal_quantities": [{"value": str(q.value), "unit": q.unit} for q in pr.nominal_quantities],
                "default_tare": pr.default_tare.value,
            }
            for pr in p.products
        ],
        "path": p.path,
    }


_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "programme": "Programme",
        ":": ": ",
        "rule_set": "Rule set",
        "sources": "Sources",
        "notes": "Notes",
        "quota": "Quota: {n} lots per city and product; {total} lots in all",
        "overrides": "Overrides",
        "none": "none",
        "cities": "Cities",
        "products": "Products",
        "id": "id",
        "city": "city",
        "province": "province",
        "product": "product",
        "kind": "kind",
        "method": "method",
        "density": "density g/mL",
        "nominals": "nominal quantities",
        "tare": "tare",
        "mass": "mass",
        "volume": "volume",
        "method:mass": "mass",
        "method:mass-and-density": "mass-and-density",
        "individual": "individual",
        "average": "average",
    },
    "zh": {
        "programme": "检查方案",
        ":": "：",
        "rule_set": "检验规则",
        "sources": "依据",
        "notes": "说明",
        "quota": "配额：每个城市每种商品 {n} 批；合计 {total} 批",
        "overrides": "调整",
        "none": "无",
        "cities": "城市",
        "products": "商品",
        "id": "编号",
        "city": "城市",
        "province": "省级行政区",
        "product": "商品",
        "kind": "计量",
        "method": "检验方法",
        "density": "密度 g/mL",
        "nominals": "标注净含量",
        "tare": "皮重",
        "mass": "质量",
        "volume": "体积",
        "method:mass": "称量",
        "method:mass-and-density": "称量并按密度换算",
        "individual": "逐个去皮",
        "average": "平均皮重",
    },
}


def format_programme(p: Programme, lang: str = "en") -> str:
    """A readable listing of a programme: header, quota, cities and products tables.

    Args:
        p: the programme.
        lang: ``en`` or ``zh``: the language of the headings and of the names shown first.

    Returns:
        The text, lines joined by newlines; columns are aligned for a terminal (CJK counts double).

    Raises:
        InputError: an unknown language.
    """
    if lang not in _LABELS:
        raise InputError(f"unknown language {lang!r}; use {', '.join(_LABELS)}")
    lab = _LABELS[lang]
    zh = lang == "zh"
    titles = [p.name_zh, p.name] if zh else [p.name, p.name_zh]
    lines = [f"{lab['programme']} {p.id} ({p.year})"]
    lines += [f"  {t}" for t in titles if t]
    colon = lab[":"]
    lines.append(f"{lab['rule_set']}{colon}{p.rule_set}")
    lines.append(f"{lab['sources']}{colon}".rstrip())
    lines += [f"  - {s}" for s in p.sources]
    if p.notes:
        lines.append(f"{lab['notes']}{colon}".rstrip())
        lines += [f"  {line}" for line in p.notes.splitlines()]
    lines.append(lab["quota"].format(n=p.quota_per_cell, total=p.total_lots))
    if p.quota_overrides:
        cells = ", ".join(f"{c} × {pr}: {n}" for (c, pr), n in sorted(p.quota_overrides.items()))
        lines.append(f"  {lab['overrides']}{colon}{cells}")
    else:
        lines.append(f"  {lab['overrides']}{colon}{lab['none']}")

    lines.append("")
    lines.append(f"{lab['cities']} ({len(p.cities)})")
    city_rows = [
        [c.id, c.name_zh, c.name_en, f"{c.province_zh} ({c.province_en})"]
        if zh
        else [c.id, c.name_en, c.name_zh, f"{c.province_en} ({c.province_zh})"]
        for c in p.cities
    ]
    lines += _columns([lab["id"], lab["city"], "", lab["province"]], city_rows)

    lines.append("")
    lines.append(f"{lab['products']} ({len(p.products)})")
    product_rows = [
        [
            pr.id,
            *([pr.name_zh, pr.name_en] if zh else [pr.name_en, pr.name_zh]),
            lab.get(pr.kind.value, pr.kind.value),
            lab[f"method:{pr.method.value}"],
            "—" if pr.typical_density is None else str(pr.typical_density),
            ", ".join(str(q) for q in pr.nominal_quantities),
            lab[pr.default_tare.value],
        ]
        for pr in p.products
    ]
    lines += _columns(
        [lab["id"], lab["product"], "", lab["kind"], lab["method"], lab["density"], lab["nominals"], lab["tare"]],
        product_rows,
    )
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _columns(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    out: list[str] = []
    for row in [headers, *rows]:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
        out.append(("  " + "  ".join(cells)).rstrip())
    return out


__all__ = [
    "City",
    "Method",
    "NominalQuantity",
    "Product",
    "Programme",
    "all_programmes",
    "format_programme",
    "load_programme",
    "load_programme_file",
    "programme_as_dict",
    "programme_paths",
]
