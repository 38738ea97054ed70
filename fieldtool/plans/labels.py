"""Provides the reader of label-rule files (`sampling_plans/labels/<id>.toml`) into `core.label.LabelRules`.

The schema is documented in `sampling_plans/README.md`. Validation is strict, as for rule sets:
unknown keys, wrong types, missing keys, units spelt twice, gaps or overlaps between the bands of
附表1 (``from <= Qn < below``) or 附表2 (``above < Qn <= upto``) are refused with an error naming
the file and the key. A user's `labels/` directory in the config directory takes precedence.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fieldtool.core.label import HeightBand, LabelRules, LabelUnit, UnitBand
from fieldtool.core.quantity import Kind
from fieldtool.plans.strict import Table, open_table
from fieldtool.plans.where import file_for, files_by_id, labels_dirs

SCHEMA_VERSION = 1

DEFAULT_LABEL_RULES = "cn-order70-2023"
"""The label rules applied when nothing else is named."""


def load_label_rules_file(path: Path) -> LabelRules:
    """Read and validate one label-rule file.

    Raises:
        RuleFileError: the file does not follow the schema; the message names the file and key.
    """
    top, rid = open_table(path, SCHEMA_VERSION)
    name = top.text("name")
    name_zh = top.text("name_zh", "")
    sources = tuple(top.strings("sources"))
    if not sources:
        raise top.error("sources", "must cite at least one source")
    top.text("follows")
    top.text("notes", "")
    words_t = top.table("words")
    words = tuple(words_t.strings("required"))
    if not words or not all(w.strip() for w in words):
        raise words_t.error("required", "must name at least one non-empty word")
    words_source = _source(words_t)
    words_t.done()
    units = tuple(_unit(t) for t in top.tables("units"))
    seen: dict[str, str] = {}
    for i, u in enumerate(units):
        for spelling in (u.symbol, *u.spellings):
            key = spelling.casefold()
            if key in seen and seen[key] != u.symbol:
                raise top.error(f"units[{i}].spellings", f"{spelling!r} already spells {seen[key]}")
            seen[key] = u.symbol
    symbols = {u.symbol: u for u in units}
    unit_t = top.table("unit_table")
    unit_source = _source(unit_t)
    unit_bands: dict[Kind, tuple[UnitBand, ...]] = {}
    for kt in unit_t.tables("kinds"):
        kind = kt.choice("kind", Kind)
        if kind in unit_bands:
            raise kt.error("kind", f"{kind} already has a table")
        unit_bands[kind] = _unit_bands(kt, kind, symbols)
        kt.done()
    unit_t.done()
    height_t = top.table("height_table")
    height_source = _source(height_t)
    height_bands: dict[Kind, tuple[HeightBand, ...]] = {}
    for kt in height_t.tables("kinds"):
        kinds = kt.strings("kinds")
        bands = _height_bands(kt)
        for k in kinds:
            try:
                kind = Kind(k)
            except ValueError:
                raise kt.error("kinds", f"{k!r} is not one of {', '.join(m.value for m in Kind)}") from None
            if kind in height_bands:
                raise kt.error("kinds", f"{kind} already has a table")
            height_bands[kind] = bands
        kt.done()
    height_t.done()
    advice_t = top.table("advice")
    digits = advice_t.integer("max_significant_digits", minimum=1)
    advice_source = _source(advice_t)
    advice_t.done()
    top.done()
    return LabelRules(
        id=rid, name=name, name_zh=name_zh, sources=sources, words=words, words_source=words_source, units=units,
        unit_bands=unit_bands, unit_source=unit_source, height_bands=height_bands, height_source=height_source,
        max_significant_digits=digits, advice_source=advice_source,
    )


def _source(t: Table) -> str:
    text = t.text("source")
    if not text.strip():
        raise t.error("source", "must cite a source")
    return text


def _unit(t: Table) -> LabelUnit:
    symbol = t.text("symbol")
    kind = t.choice("kind", Kind)
    factor = t.decimal("factor")
    if factor <= 0:
        raise t.error("factor", f"must be positive; got {factor}")
    spellings = tuple(t.strings("spellings"))
    if not spellings or not all(s.strip() for s in spellings):
        raise t.error("spellings", "must name at least one non-empty spelling")
    t.done()
    return LabelUnit(symbol, kind, factor, spellings)


def _unit_bands(t: Table, kind: Kind, symbols: dict[str, LabelUnit]) -> tuple[UnitBand, ...]:
    out: list[UnitBand] = []
    rows = list(t.tables("bands"))
    for i, b in enumerate(rows):
        low = b.decimal("from")
        high = b.decimal("below", None)
        units = tuple(b.strings("units"))
        if not units:
            raise b.error("units", "must name at least one unit")
        for s in units:
            if s not in symbols:
                raise b.error("units", f"{s!r} is not a symbol of [[units]]")
            if symbols[s].kind is not kind:
                raise b.error("units", f"{s} is a unit of {symbols[s].kind}, not of {kind}")
        if high is None and i != len(rows) - 1:
            raise b.error("below", "missing; only the last band is open above")
        if high is not None and high <= low:
            raise b.error("below", f"must be above from ({low}); got {high}")
        if i == 0 and low != 0:
            raise b.error("from", f"the first band starts at 0; got {low}")
        if out and out[-1].high != low:
            raise b.error("from", f"must equal the previous band's below ({out[-1].high}): no gap, no overlap")
        b.done()
        out.append(UnitBand(low, high, units))
    return tuple(out)


def _height_bands(t: Table) -> tuple[HeightBand, ...]:
    out: list[HeightBand] = []
    rows = list(t.tables("bands"))
    for i, b in enumerate(rows):
        above = b.decimal("above")
        upto = b.decimal("upto", None)
        need = b.decimal("min_mm")
        if need <= 0 or need > Decimal(100):
            raise b.error("min_mm", f"must be above 0 and at most 100 mm; got {need}")
        if upto is None and i != len(rows) - 1:
            raise b.error("upto", "missing; only the last band is open above")
        if upto is not None and upto <= above:
            raise b.error("upto", f"must be above 'above' ({above}); got {upto}")
        if i == 0 and above != 0:
            raise b.error("above", f"the first band starts above 0; got {above}")
        if out and out[-1].upto != above:
            raise b.error("above", f"must equal the previous band's upto ({out[-1].upto}): no gap, no overlap")
        b.done()
        out.append(HeightBand(above, upto, need))
    return tuple(out)


def label_rules_paths() -> dict[str, Path]:
    """Every label-rule file found, by id."""
    return files_by_id(labels_dirs())


def load_label_rules(rules_id: str = DEFAULT_LABEL_RULES) -> LabelRules:
    """Label rules by id.

    Raises:
        NotFoundError: no file has that id.
        RuleFileError: the file does not follow the schema.
    """
    return load_label_rules_file(file_for("label rules", rules_id, labels_dirs()))


__all__ = ["DEFAULT_LABEL_RULES", "label_rules_paths", "labels_dirs", "load_label_rules", "load_label_rules_file"]
