"""Provides inspection programmes: the cities, products and quotas of a campaign.

A programme says where (cities), what (kinds of prepackaged goods, how each is measured) and how
much (lots per city and product) a campaign inspects, and which rule set judges the lots.
`fieldtool.plans.programme` reads them from `sampling_plans/programmes/<id>.toml`.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from fieldtool.core.quantity import Kind, parse_decimal, to_base, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError

_QUANTITY = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(\S+)\s*")

_Place = TypeVar("_Place", "City", "Product")


class Method(enum.StrEnum):
    """How the net quantity of a product's packages is measured."""

    MASS = "mass"
    """The net mass is weighed (gross minus tare)."""
    MASS_AND_DENSITY = "mass-and-density"
    """A liquid labelled by volume is weighed and converted with V = m / ρ at 20 °C (JJF 1070-2005)."""


METHOD_KIND = {Method.MASS: Kind.MASS, Method.MASS_AND_DENSITY: Kind.VOLUME}
"""The kind of labelled quantity each method measures."""


class InspectionType(enum.StrEnum):
    """The inspection type (检验类别) a report states: why the lot was inspected."""

    SUPERVISION = "supervision"
    """监督抽查: a supervision check ordered by the authorities (a programme's lots)."""
    COMMISSION = "commission"
    """委托检验: inspected at a client's request."""
    ARBITRATION = "arbitration"
    """仲裁检验: inspected to settle a dispute."""

    @property
    def words(self) -> tuple[str, str]:
        """The type in Chinese and English, as a report prints it."""
        return INSPECTION_TYPE_WORDS[self]


INSPECTION_TYPE_WORDS = {
    InspectionType.SUPERVISION: ("监督抽查", "supervision check"),
    InspectionType.COMMISSION: ("委托检验", "commissioned inspection"),
    InspectionType.ARBITRATION: ("仲裁检验", "arbitration inspection"),
}
"""Each inspection type in Chinese and English."""


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
        return cls(parse_decimal(number, f"quantity {text!r}"), unit(symbol).symbol)

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
    inspection_type: InspectionType = InspectionType.SUPERVISION
    """检验类别 of the programme's lots, printed on every report (a programme is most often a supervision check)."""
    task_source: str = ""
    """任务来源: the document that orders the inspection (its number and title); empty when not recorded."""

    def find_city(self, city_id: str | None) -> City | None:
        """A city by id; None when the programme has none (an inspection may name a city since removed)."""
        return next((c for c in self.cities if c.id == city_id), None)

    def find_product(self, product_id: str | None) -> Product | None:
        """A product by id; None when the programme has none (an inspection may name a product since removed)."""
        return next((p for p in self.products if p.id == product_id), None)

    def city(self, city_id: str) -> City:
        """A city by id.

        Raises:
            NotFoundError: the programme has no such city.
        """
        return self._required(self.find_city(city_id), "city", city_id, self.cities, "cities")

    def product(self, product_id: str) -> Product:
        """A product by id.

        Raises:
            NotFoundError: the programme has no such product.
        """
        return self._required(self.find_product(product_id), "product", product_id, self.products, "products")

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

    def _required(self, found: _Place | None, what: str, wanted: str, known: Sequence[_Place], plural: str) -> _Place:
        """`found`; when None, the error for an id the programme lacks, naming close ids or where to see all."""
        if found is not None:
            return found
        ids = [k.id for k in known]
        hint = did_you_mean(wanted, ids) or f"; `fieldtool programme show {self.id}` lists its {len(ids)} {plural}"
        raise NotFoundError(f"programme {self.id} has no {what} {wanted!r}{hint}")


def did_you_mean(wanted: str, known: Sequence[str]) -> str:
    """A hint naming the ids close to `wanted` (``; did you mean a, b?``), or "" when none is."""
    close = difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


__all__ = ["INSPECTION_TYPE_WORDS", "METHOD_KIND", "City", "InspectionType", "Method", "NominalQuantity", "Product", "Programme", "did_you_mean"]
