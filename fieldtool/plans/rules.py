"""Provides the reader of rule-set files (`sampling_plans/rules/<id>.toml`) into `core.rules` types.

The schema is documented in `sampling_plans/README.md`. Validation is strict: unknown keys,
wrong types, missing keys, gaps or overlaps between TNE bands or plan rows, and stages whose
numbers do not increase are refused with an error naming the file and the key.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fieldtool.core.quantity import Kind
from fieldtool.core.rules import (
    DefectiveRule,
    InstrumentSettings,
    PlanRow,
    Rounding,
    RuleSet,
    SamplingPlan,
    Stage,
    TareSettings,
    TneBand,
    TneTable,
)
from fieldtool.errors import RuleFileError
from fieldtool.plans.strict import Table, open_table
from fieldtool.plans.where import file_for, files_by_id, rules_dirs

SCHEMA_VERSION = 1


def load_rule_set_file(path: Path) -> RuleSet:
    """Read and validate one rule-set file.

    Raises:
        RuleFileError: the file does not follow the schema; the message names the file and key.
    """
    top, rid = open_table(path, SCHEMA_VERSION)
    name = top.text("name")
    name_zh = top.text("name_zh", "")
    jurisdiction = top.text("jurisdiction")
    sources = tuple(top.strings("sources"))
    if not sources:
        raise top.error("sources", "must cite at least one source")
    follows = top.text("follows")
    notes = top.text("notes", "")
    defective_rule = top.choice("defective_rule", DefectiveRule)

    tables = tuple(_tne_table(t) for t in top.tables("tne"))
    seen: dict[Kind, str] = {}
    for i, table in enumerate(tables):
        for kind in table.kinds:
            if kind in seen:
                raise top.error(f"tne[{i}].kinds", f"{kind} already has a table at {seen[kind]}")
            seen[kind] = f"tne[{i}]"

    plans_table = top.table("plans")
    plans = {key: _plan(plans_table.table(key), key) for key in plans_table.names()}
    plans_table.done()
    if "standard" not in plans:
        raise top.error("plans", "must have a 'standard' plan")

    tare_t = top.table("tare", default=None)
    tare = TareSettings(
        min_sample=tare_t.integer("min_sample", 10, minimum=2),
        max_stdev_fraction_of_tne=_positive(tare_t, "max_stdev_fraction_of_tne", Decimal("0.25")),
    )
    tare_t.done()
    inst_t = top.table("instrument", default=None)
    instrument = InstrumentSettings(
        max_error_fraction_of_tne=_positive(inst_t, "max_error_fraction_of_tne", Decimal("0.2"))
    )
    inst_t.done()
    top.done()
    return RuleSet(
        id=rid,
        name=name,
        name_zh=name_zh,
        jurisdiction=jurisdiction,
        sources=sources,
        follows=follows,
        notes=notes,
        defective_rule=defective_rule,
        tne_tables=tables,
        plans=plans,
        tare=tare,
        instrument=instrument,
        path=str(path),
    )


def _positive(t: Table, key: str, default: Decimal) -> Decimal:
    value = t.decimal(key, default)
    if value <= 0:
        raise t.error(key, f"must be positive; got {value}")
    return value


def _tne_table(t: Table) -> TneTable:
    kinds_raw = t.strings("kinds")
    if not kinds_raw:
        raise t.error("kinds", "must name at least one kind")
    kinds: list[Kind] = []
    for k in kinds_raw:
        if k not in {m.value for m in Kind}:
            raise t.error("kinds", f"unknown kind {k!r}; use {', '.join(m.value for m in Kind)}")
        kinds.append(Kind(k))
    rounding = t.choice("rounding", Rounding)
    nominal_min = t.decimal("nominal_min", None)
    bands: list[TneBand] = []
    for b in t.tables("bands"):
        above = b.decimal("above")
        upto = b.decimal("upto", None)
        percent = b.decimal("percent", None)
        absolute = b.decimal("absolute", None)
        round_to = b.decimal("round_to", None)
        if (percent is None) == (absolute is None):
            raise b.error("percent", "give exactly one of percent and absolute")
        if absolute is not None and round_to is not None:
            raise b.error("round_to", "applies only to a percent band")
        if percent is not None and percent <= 0:
            raise b.error("percent", f"must be positive; got {percent}")
        if absolute is not None and absolute < 0:
            raise b.error("absolute", f"must not be negative; got {absolute}")
        if round_to is not None and round_to <= 0:
            raise b.error("round_to", f"must be positive; got {round_to}")
        if percent is not None and rounding is not Rounding.NONE and round_to is None:
            raise b.error("round_to", f"missing: the table rounds {rounding}")
        if upto is not None and upto <= above:
            raise b.error("upto", f"must be above {above}; got {upto}")
        if bands:
            prev = bands[-1]
            if prev.upto is None:
                raise b.error("above", "follows an open band (one without upto)")
            if above != prev.upto:
                problem = "gap" if above > prev.upto else "overlap"
                raise b.error("above", f"{problem}: the previous band ends at {prev.upto}, this one starts above {above}")
        b.done()
        bands.append(TneBand(above=above, upto=upto, percent=percent, absolute=absolute, round_to=round_to))
    if bands[0].above < 0:
        raise t.error("bands[0].above", f"must not be negative; got {bands[0].above}")
    if nominal_min is not None and not bands[0].contains(nominal_min):
        raise t.error("nominal_min", f"{nominal_min} is not inside the first band")
    t.done()
    return TneTable(kinds=tuple(kinds), rounding=rounding, bands=tuple(bands), nominal_min=nominal_min)


def _size(t: Table, key: str, default: object = ...) -> int | None:
    """A sample size: a positive integer or the string "all" (n = N)."""
    value = t.typed(key, object) if default is ... else t.typed(key, object, default)
    if value is None:
        return None
    if value == "all":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise t.error(key, f'must be a positive integer or "all"; got {value!r}')
    return value


def _plan(t: Table, name: str) -> SamplingPlan:
    description = t.text("description")
    rows: list[PlanRow] = []
    for r in t.tables("rows"):
        lot_min = r.integer("lot_min", minimum=1)
        lot_max = r.integer("lot_max", None)
        if lot_max is not None and lot_max < lot_min:
            raise r.error("lot_max", f"must be at least lot_min {lot_min}; got {lot_max}")
        if rows:
            prev = rows[-1]
            if prev.lot_max is None:
                raise r.error("lot_min", "follows an open row (one without lot_max)")
            if lot_min != prev.lot_max + 1:
                problem = "gap" if lot_min > prev.lot_max + 1 else "overlap"
                raise r.error("lot_min", f"{problem}: the previous row ends at {prev.lot_max}, this one starts at {lot_min}")
            if lot_min < prev.lot_min:
                raise r.error("lot_min", "rows must increase")
        stages: list[Stage] = []
        if r.has("stages"):
            if r.has("n") or r.has("t1_allowed"):
                raise r.error("stages", "give either stages or n with t1_allowed, not both")
            for s in r.tables("stages"):
                n = _size(s, "n")
                accept = s.integer("accept", minimum=0)
                reject = s.integer("reject", minimum=1)
                if reject <= accept:
                    raise s.error("reject", f"must be above accept {accept}; got {reject}")
                if stages and accept < stages[-1].accept:
                    raise s.error("accept", f"must not decrease (previous stage {stages[-1].accept}); got {accept}")
                s.done()
                stages.append(Stage(n=n, accept=accept, reject=reject))
            sizes = [st.n for st in stages]
            if len(stages) > 1 and (None in sizes or sum(sizes) > lot_min):  # type: ignore[arg-type]
                raise r.error("stages", f"the stages together must fit in the smallest lot of the row ({lot_min})")
            if stages[-1].reject != stages[-1].accept + 1:
                raise r.error("stages", f"the last stage must decide: reject must be accept + 1 = {stages[-1].accept + 1}")
            n = stages[0].n
        else:
            n = _size(r, "n")
            if r.has("t1_allowed"):
                accept = r.integer("t1_allowed", minimum=0)
                stages.append(Stage(n=n, accept=accept, reject=accept + 1))
        t2_allowed = r.integer("t2_allowed", minimum=0)
        lam = r.decimal("lambda", None)
        if lam is not None and lam < 0:
            raise r.error("lambda", f"must not be negative; got {lam}")
        mean_n = _size(r, "mean_n", None) if r.has("mean_n") else None
        if r.has("mean_n") and lam is None:
            raise r.error("mean_n", "needs a lambda (no mean test without one)")
        if mean_n is not None and n is not None and mean_n > n:
            raise r.error("mean_n", f"must not exceed the first sample of {n}")
        if lam is not None and lam > 0:
            smallest = mean_n or n or lot_min
            if smallest < 2:
                raise r.error("lambda", "a mean test with λ > 0 needs a mean sample of at least 2")
        if n is not None and lot_max is not None and n > lot_max:
            raise r.error("n", f"must not exceed the largest lot of the row ({lot_max}); use \"all\"")
        if n is not None and n > lot_min:
            raise r.error("n", f"exceeds the smallest lot of the row ({lot_min}); split the row or use \"all\"")
        r.done()
        rows.append(
            PlanRow(lot_min=lot_min, lot_max=lot_max, n=n, stages=tuple(stages), t2_allowed=t2_allowed, mean_n=mean_n, lam=lam)
        )
    t.done()
    return SamplingPlan(name=name, description=description, rows=tuple(rows))


def rule_set_paths() -> dict[str, Path]:
    """Every rule-set file found, by id (a user's own directory first, then the shipped one)."""
    return files_by_id(rules_dirs())


def load_rule_set(rule_id: str) -> RuleSet:
    """Load a rule set by id.

    Raises:
        NotFoundError: no rule set has that id.
        RuleFileError: its file is invalid.
    """
    return load_rule_set_file(file_for("rule set", rule_id, rules_dirs()))


def all_rule_sets() -> list[RuleSet]:
    """Load every rule set found."""
    return [load_rule_set_file(p) for p in rule_set_paths().values()]


__all__ = ["RuleFileError", "all_rule_sets", "load_rule_set", "load_rule_set_file", "rule_set_paths"]
