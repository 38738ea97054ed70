"""Provides the schema of every record kind: `validate_record` and `validate_body` refuse what fieldtool would never write.

A record's hash and signature say who wrote it, not that it makes sense: an enrolled device with a
modified program could sign ``"net": "heavy"``, and every report would then fail on it. So before
a record is stored from another device (the hub's ingest) or trusted from a database (``verify``),
its body is held against its kind's schema:

- every field of the kind is present and no other; an optional field may be null; a field added
  later (``confirmed``: the note of a value confirmed although implausible) may be absent;
- types: text, whole numbers, true/false, lists and objects where the kind has them;
- decimals as text, exactly as fieldtool writes them (`parse_decimal`; a value fieldtool derived,
  such as a reading shifted from kg to g or a statistic, in Decimal's own bounded notation), not
  negative where a quantity cannot be, positive where zero is meaningless;
- dates as ISO 8601 (``YYYY-MM-DD``), times as ISO 8601 in UTC as the store writes them;
- enums from their enum types, units from the unit table;
- the relations inside a body (a flask density equals (filled − empty) / V, an individual tare
  names its package, a verdict's outcome follows from its criteria);
- with a look-up of the records held (`RecordLookup`), the references: an inspection's records
  name an inspection opened by the same device, a correction or a withdrawal supersedes a
  measurement of the same inspection and package, a verdict judges that inspection's
  measurements under its header, an inspection names a balance of the register.

Every problem is a `RecordSchemaError` naming the record (seq and kind) and the field, e.g.
``record 17 (measurement-recorded): net: 'heavy' is not a number``.
"""

from __future__ import annotations

import enum
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from fieldtool.core.evaluate import CriterionCode, Outcome, Status
from fieldtool.core.inspection import DensityMethod, MeasurementSource, SamplingMethod, SiteKind
from fieldtool.core.label import MAX_LABEL_TEXT, LabelElementCode
from fieldtool.core.quantity import UNITS, density_from_flask, parse_decimal
from fieldtool.core.records import Record, RecordKind
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError

RecordLookup = Callable[[str], Record | None]
"""Returns a record by its id, if it is held (in the batch being checked before it, or in the store)."""


class RecordSchemaError(InputError):
    """A record whose body (or envelope) does not follow its kind's schema; the message names the record and the field.

    Args:
        kind: the record's kind, as given.
        seq: the record's place in its device's chain, if known.
        problem: ``field: what is wrong`` (the field first, so the message reads as one line).
        record_id: the record's id, if known.
        device_id: the record's device, if known.
    """

    def __init__(
        self, kind: str, seq: int | None, problem: str, *, record_id: str | None = None, device_id: str | None = None
    ) -> None:
        self.kind = kind
        """The record's kind, as given."""
        self.seq = seq
        """The record's seq, if known."""
        self.problem = problem
        """The field and what is wrong with it."""
        self.record_id = record_id
        """The record's id, if known."""
        self.device_id = device_id
        """The record's device, if known."""
        # A kind from the wire may hold anything: one that is not a plain name is shown as a repr,
        # so the message stays one printable line.
        self._shown = kind if kind.isprintable() and len(kind) <= 40 else repr(kind[:40])
        shown = self._shown
        where = f"record {seq} ({shown})" if seq is not None else f"a {shown} record"
        super().__init__(f"{where}: {problem}")

    def detailed(self) -> str:
        """The message with the record's id and device as well (for a database holding many chains)."""
        parts = [f"device {self.device_id}" if self.device_id else "", f"seq {self.seq}" if self.seq else "", self._shown]
        named = f"record {self.record_id}" if self.record_id else "a record"
        return f"{named} ({', '.join(p for p in parts if p)}): {self.problem}"


class _Problem(Exception):
    """One field's problem, ``field: what is wrong``; raised by the checks, turned into a `RecordSchemaError`."""


Check = Callable[[object, str], None]
"""Checks one value found at a path (``net``, ``criteria[2].limit``); raises `_Problem`."""


def _shown(value: object) -> str:
    # Text quoted as parse_decimal quotes it ('heavy'), anything else in its JSON spelling (null, true,
    # 5) as it travels, cut so the message stays one short line; a list or an object is named, never
    # printed (it may be nested a thousand deep).
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 60 else text[:57] + "…"


def _text(*, required: bool = False) -> Check:
    def check(value: object, path: str) -> None:
        if not isinstance(value, str):
            raise _Problem(f"{path}: {_shown(value)} is not text")
        if required and not value.strip():
            raise _Problem(f"{path}: must not be empty")

    return check


_ID = _text(required=True)
_REQUIRED = _text(required=True)
_TEXT = _text()


def _nullable(inner: Check) -> Check:
    def check(value: object, path: str) -> None:
        if value is not None:
            inner(value, path)

    return check


class _Sign(enum.Enum):
    ANY = "any"
    ZERO_OR_MORE = "zero or more"
    POSITIVE = "positive"


MAX_DERIVED_DIGITS = 40
"""The most significant digits of a decimal that fieldtool derived rather than parsed (see `_decimal_value`)."""

MAX_DERIVED_EXPONENT = 40
"""The largest exponent (either sign) of such a decimal: far beyond any quantity, far below an overflow."""


def _decimal_value(value: object, path: str) -> Decimal:
    """A decimal field's value, exactly as fieldtool writes it (``str`` of a `Decimal`).

    What was typed or read is the plain text `parse_decimal` reads. A value fieldtool derived
    (a balance reading shifted from kg to g, an average tare, a converted volume, a statistic of a
    verdict) may carry more decimals or Decimal's exponent notation (``6.205E+5``, ``0E-7``); it is
    accepted when it is written exactly as ``str(Decimal)`` writes it, finite and bounded, so no
    report's arithmetic can overflow or crawl on it. Anything else is refused with the parser's message.
    """
    if not isinstance(value, str):
        raise _Problem(f"{path}: {_shown(value)} is not a decimal number written as text")
    try:
        number = parse_decimal(value, path)
    except InputError as e:
        derived = _derived_decimal(value)
        if derived is None:
            raise _Problem(str(e)) from None
        return derived
    if str(number) != value:
        raise _Problem(f"{path}: {_shown(value)} is not written as fieldtool writes the number ({str(number)!r})")
    return number


def _derived_decimal(value: str) -> Decimal | None:
    # Only ASCII digits, sign, point and exponent: Decimal also reads other scripts' digits and "_".
    if not value.isascii() or "_" in value or len(value) > MAX_DERIVED_DIGITS + 10:
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        return None
    exponent = number.as_tuple().exponent
    if (not number.is_finite() or str(number) != value or not isinstance(exponent, int)
            or abs(exponent) > MAX_DERIVED_EXPONENT or len(number.as_tuple().digits) > MAX_DERIVED_DIGITS):
        return None
    return number


def _decimal(sign: _Sign = _Sign.ZERO_OR_MORE) -> Check:
    def check(value: object, path: str) -> None:
        number = _decimal_value(value, path)
        if sign is _Sign.ZERO_OR_MORE and number < 0:
            raise _Problem(f"{path}: {value} is negative; it must be zero or more")
        if sign is _Sign.POSITIVE and number <= 0:
            raise _Problem(f"{path}: {value} must be positive")

    return check


LARGEST_STORED_INTEGER = 2**63 - 1
"""The largest whole number an SQLite INTEGER column holds (positions, lot sizes)."""


def _integer(minimum: int, maximum: int | None = LARGEST_STORED_INTEGER) -> Check:
    def check(value: object, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Problem(f"{path}: {_shown(value)} is not a whole number")
        if value < minimum:
            raise _Problem(f"{path}: {_shown(value)} is less than {minimum}")
        if maximum is not None and value > maximum:
            raise _Problem(f"{path}: {_shown(value)} is more than {maximum}")

    return check


def _exactly(expected: object) -> Check:
    def check(value: object, path: str) -> None:
        if value is not expected:
            raise _Problem(f"{path}: must be {_shown(expected)} in this kind of record; got {_shown(value)}")

    return check


def _boolean(value: object, path: str) -> None:
    if not isinstance(value, bool):
        raise _Problem(f"{path}: {_shown(value)} is not true or false")


def _one_of(kind: type[enum.StrEnum], *, allowed: Sequence[str] | None = None) -> Check:
    values = tuple(allowed if allowed is not None else (str(m.value) for m in kind))

    def check(value: object, path: str) -> None:
        if not isinstance(value, str) or value not in values:
            raise _Problem(f"{path}: {_shown(value)} is not one of {', '.join(values)}")

    return check


def _unit(allowed: Sequence[str] = tuple(UNITS)) -> Check:
    def check(value: object, path: str) -> None:
        if not isinstance(value, str) or value not in allowed:
            raise _Problem(f"{path}: {_shown(value)} is not a unit fieldtool records in ({', '.join(allowed)})")

    return check


def _day(value: object, path: str) -> None:
    try:
        valid = isinstance(value, str) and date.fromisoformat(value).isoformat() == value
    except ValueError:
        valid = False
    if not valid:
        raise _Problem(f"{path}: {_shown(value)} is not a date written YYYY-MM-DD")


def _hex(digits: int) -> Check:
    pattern = re.compile(f"[0-9a-f]{{{digits}}}")

    def check(value: object, path: str) -> None:
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            raise _Problem(f"{path}: {_shown(value)} is not {digits} lowercase hex digits")

    return check


def _list_of(item: Check) -> Check:
    def check(value: object, path: str) -> None:
        if not isinstance(value, list):
            raise _Problem(f"{path}: {_shown(value)} is not a list")
        for i, element in enumerate(value):
            item(element, f"{path}[{i}]")

    return check


def _names(value: object, path: str) -> None:
    _list_of(_REQUIRED)(value, path)
    assert isinstance(value, list)
    if len(set(value)) != len(value):
        raise _Problem(f"{path}: lists a name twice")


Fields = Mapping[str, Check]


def _fields(value: object, path: str, fields: Fields, optional: Fields | None = None) -> Mapping[str, object]:
    prefix = f"{path}." if path else ""
    if not isinstance(value, dict):
        raise _Problem(f"{path or 'body'}: {_shown(value)} is not a JSON object")
    missing = [name for name in fields if name not in value]
    if missing:
        raise _Problem(f"{prefix}{missing[0]}: missing (every field of the kind is present, null when it has no value)")
    extra = optional or {}
    unknown = sorted(str(name) for name in value if name not in fields and name not in extra)
    if unknown:
        raise _Problem(f"{prefix}{unknown[0]}: not a field of this kind of record")
    for name, check in fields.items():
        check(value[name], prefix + name)
    for name, check in extra.items():
        if name in value:
            check(value[name], prefix + name)
    return value


def _object(fields: Fields) -> Check:
    def check(value: object, path: str) -> None:
        _fields(value, path, fields)

    return check


# -- the relations inside one body ---------------------------------------------------------------------------

Body = Mapping[str, object]
Relation = Callable[[Body], None]


def _tare_relation(body: Body) -> None:
    if body["method"] == TareMethod.INDIVIDUAL and body["position"] is None:
        raise _Problem("position: an individual tare names the position of its package")
    if body["method"] == TareMethod.AVERAGE and body["position"] is not None:
        raise _Problem("position: an average-tare weighing belongs to the tare sample; it must be null")


def _density_relation(body: Body) -> None:
    flask = ("flask_volume_ml", "filled_g", "empty_g")
    if body["method"] == DensityMethod.TYPED:
        given = [name for name in flask if body[name] is not None]
        if given:
            raise _Problem(f"{given[0]}: a typed density has no flask weighings; it must be null")
        return
    absent = [name for name in flask if body[name] is None]
    if absent:
        raise _Problem(f"{absent[0]}: a density by flask needs the flask volume, the filled and the empty flask")
    volume, filled, empty = (Decimal(str(body[name])) for name in flask)
    try:
        expected = density_from_flask(filled, empty, volume)
    except InputError as e:
        raise _Problem(f"filled_g: {e}") from None
    except ArithmeticError:  # a quotient beyond any density: it cannot be rounded to 0.00001 g/mL
        raise _Problem("density_g_per_ml: (filled − empty) / V is far beyond any density") from None
    if Decimal(str(body["density_g_per_ml"])) != expected:
        raise _Problem(f"density_g_per_ml: {body['density_g_per_ml']} is not (filled − empty) / V = {expected}")


def _verdict_relation(body: Body) -> None:
    inputs = body["inputs"]
    assert isinstance(inputs, dict)
    nets, ids = inputs["nets"], inputs["measurement_ids"]
    assert isinstance(nets, list) and isinstance(ids, list)
    if len(nets) != len(ids):
        raise _Problem(f"inputs.measurement_ids: {len(ids)} measurements for {len(nets)} net quantities")
    criteria = body["criteria"]
    assert isinstance(criteria, list)
    codes = [c["code"] for c in criteria]
    if len(set(codes)) != len(codes):
        raise _Problem("criteria: a criterion appears twice")
    statuses = {c["status"] for c in criteria}
    expected = (Outcome.FAIL if Status.FAIL in statuses
                else Outcome.SECOND_SAMPLE_NEEDED if Status.PENDING in statuses else Outcome.PASS)
    if body["outcome"] != expected:
        raise _Problem(f"outcome: {_shown(body['outcome'])} does not follow from the criteria, which give {expected}")


# -- the kinds -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSchema:
    """What a kind's records hold."""

    fields: Fields
    """Every field of the body with its check (all present; optional ones null when empty)."""
    in_inspection: bool
    """Whether the record belongs to an inspection (its ``inspection_id`` is set) or to the register (null)."""
    relation: Relation | None = None
    """A check across the body's fields, after each field passed its own."""
    optional: Fields | None = None
    """Fields added after the kind was first written: absent from older records, checked when present."""


_CONFIRMED: Fields = {"confirmed": _REQUIRED}
"""A value the inspector confirmed although it looked implausible carries the note of what looked wrong
(`fieldtool.core.plausibility`); absent otherwise, and from records written before the check existed."""

_POSITIVE = _decimal(_Sign.POSITIVE)
_AMOUNT = _decimal(_Sign.ZERO_OR_MORE)
_SIGNED = _decimal(_Sign.ANY)
_SOURCE = _one_of(MeasurementSource)


def _measurement(supersedes: Check, reason: Check, withdrawn: Check) -> Fields:
    return {
        "position": _integer(1),
        "gross": _nullable(_AMOUNT),
        "tare": _nullable(_AMOUNT),
        "net": _AMOUNT,
        "unit": _unit(),
        "weighing_unit": _nullable(_unit()),
        "density": _nullable(_AMOUNT),
        "source": _SOURCE,
        "raw": _nullable(_TEXT),
        "supersedes": supersedes,
        "reason": reason,
        "withdrawn": withdrawn,
    }


class SignOffRole(enum.StrEnum):
    """Who decides on a finalised inspection's report."""

    REVIEWER = "reviewer"
    """The reviewer (审核), who checks the report first."""
    APPROVER = "approver"
    """The authorised signatory (批准), whose approval issues the report."""


SIGN_OFF_KINDS = frozenset({
    RecordKind.INSPECTION_REVIEWED,
    RecordKind.INSPECTION_APPROVED,
    RecordKind.INSPECTION_RETURNED,
    RecordKind.HEADER_CORRECTED,
})
"""The kinds that sign off a finalised inspection's report. Unlike its other records they may be
written by another device than the one that opened it: the hub, where the supervisor reviews."""

CORRECTABLE_HEADER_FIELDS = ("site_name", "site_address", "site_kind", "brand", "batch", "production_date", "notes")
"""The header fields a ``header-corrected`` record may change: what names the inspected party and the
lot as labelled, none of what the lot was judged against."""

_JUDGEMENT_FIELDS = {
    "nominal": "the nominal quantity", "unit": "the unit", "lot_size": "the lot size",
    "rule_set_id": "the rule set", "variant": "the sampling plan variant", "sampling_method": "the sampling method",
    "sampling_seed": "the sampling seed", "tare_method": "the tare method", "balance_id": "the balance",
    "inspectors": "the inspectors", "programme_id": "the programme", "city_id": "the city",
    "product_id": "the product",
}


def correction_problem(name: str) -> str | None:
    """Why a header field may not be corrected after finalisation, or None when it may.

    Args:
        name: a header field (``site_name``, ``nominal`` …).

    Returns:
        One line naming the field, or None for a field of `CORRECTABLE_HEADER_FIELDS`.
    """
    if name in CORRECTABLE_HEADER_FIELDS:
        return None
    what = _JUDGEMENT_FIELDS.get(name)
    if what is not None:
        return (f"{name}: {what} is part of the judgement; it never changes after finalisation "
                f"(correctable: {', '.join(CORRECTABLE_HEADER_FIELDS)})")
    shown = name if name.isidentifier() else _shown(name)  # a name from a file may hold anything: one line
    return f"{shown}: not a header field that can be corrected (correctable: {', '.join(CORRECTABLE_HEADER_FIELDS)})"


def _header_values(value: object, path: str) -> None:
    header = SCHEMAS[RecordKind.INSPECTION_CREATED].fields
    if not isinstance(value, dict):
        raise _Problem(f"{path}: {_shown(value)} is not a JSON object")
    if not value:
        raise _Problem(f"{path}: names no field; a correction changes at least one")
    for name in sorted(value):
        problem = correction_problem(str(name))
        if problem is not None:
            raise _Problem(f"{path}.{problem}")
        header[name](value[name], f"{path}.{name}")


def _correction_relation(body: Body) -> None:
    changes, previous = body["changes"], body["previous"]
    assert isinstance(changes, dict) and isinstance(previous, dict)
    if sorted(changes) != sorted(previous):
        raise _Problem("previous: names other fields than changes; it holds the value each changed field had")
    same = [name for name in sorted(changes) if changes[name] == previous[name]]
    if same:
        raise _Problem(f"changes.{same[0]}: {_shown(changes[same[0]])} is the value it has already")


def _decision(role: Check, **more: Check) -> Fields:
    return {"by_name": _REQUIRED, "title": _TEXT, "role": role, "basis_id": _ID, **more}


# -- the sampling form and the environment (issue 13) --------------------------------------------------------

TEMPERATURE_RANGE_C = (Decimal(-30), Decimal(60))
"""The ambient temperatures (°C) an environment record may hold: beyond them no balance is within its
specification and the reading is a typing error."""

HUMIDITY_RANGE_PCT = (Decimal(0), Decimal(100))
"""The relative humidities (%) an environment record may hold."""


class EnvironmentStage(enum.StrEnum):
    """Where in the lot's life the ambient conditions were read."""

    BEFORE_WEIGHING = "before-weighing"
    """Before the first package was weighed."""
    DURING_WEIGHING = "during-weighing"
    """While packages were being weighed."""
    AFTER_WEIGHING = "after-weighing"
    """After the sample was weighed (before finalisation)."""


def _bounded(low: Decimal, high: Decimal, unit: str) -> Check:
    def check(value: object, path: str) -> None:
        number = _decimal_value(value, path)
        if not low <= number <= high:
            raise _Problem(f"{path}: {value} {unit} is outside {low}…{high} {unit}")

    return check


def _local_minute(value: object, path: str) -> None:
    # The form's date and time as written on it, in China Standard Time: YYYY-MM-DD HH:MM.
    try:
        valid = (isinstance(value, str) and len(value) == 16
                 and datetime.strptime(value, "%Y-%m-%d %H:%M").strftime("%Y-%m-%d %H:%M") == value)
    except ValueError:
        valid = False
    if not valid:
        raise _Problem(f"{path}: {_shown(value)} is not a date and time written YYYY-MM-DD HH:MM")


def _samplers(value: object, path: str) -> None:
    _names(value, path)
    if not value:
        raise _Problem(f"{path}: names no sampler; the form names at least one")


def _sampling_relation(body: Body) -> None:
    count, size = body["sample_count"], body["lot_size"]
    assert isinstance(count, int) and isinstance(size, int)
    if count > size:
        raise _Problem(f"sample_count: {count} samples is more than the lot size {size}")


SAMPLING_FORM_FIELDS: Fields = {
    "form_no": _REQUIRED,
    "sampled_at": _local_minute,
    "place": _REQUIRED,
    "samplers": _samplers,
    "unit_name": _REQUIRED,
    "unit_address": _TEXT,
    "unit_kind": _one_of(SiteKind),
    "unit_contact": _TEXT,
    "producer_name": _TEXT,
    "producer_address": _TEXT,
    "product_name": _REQUIRED,
    "brand": _TEXT,
    "specification": _TEXT,
    "batch": _TEXT,
    "production_date": _nullable(_day),
    "lot_size": _integer(1),
    "sample_count": _integer(1),
    "sample_condition": _TEXT,
    "packaging": _TEXT,
    "samples_to": _TEXT,
    "representative": _TEXT,
    "notes": _TEXT,
}
"""The fields of a ``sampling-recorded`` record: the sampling form (抽样单) as filled on site."""


class LabelOutcome(enum.StrEnum):
    """The label check's conclusion as a ``label-checked`` record holds it."""

    PASS = "pass"
    """合格: no element fails."""
    FAIL = "fail"
    """不合格: at least one element fails (named in ``failed``)."""


def _label_text(value: object, path: str) -> None:
    _REQUIRED(value, path)
    assert isinstance(value, str)
    if len(value) > MAX_LABEL_TEXT:
        raise _Problem(f"{path}: {len(value)} characters; a net-content statement has at most {MAX_LABEL_TEXT}")


def _label_relation(body: Body) -> None:
    failed, outcome = body["failed"], body["outcome"]
    assert isinstance(failed, list)
    if len(set(failed)) != len(failed):
        raise _Problem("failed: names an element twice")
    if (outcome == LabelOutcome.FAIL) != bool(failed):
        raise _Problem(f"outcome: {_shown(outcome)} does not follow from failed (a label fails when an element fails)")


SCHEMAS: Mapping[str, KindSchema] = {
    RecordKind.INSPECTOR_SAVED: KindSchema(
        {"profile_id": _ID, "name": _REQUIRED, "inspector_no": _TEXT, "organisation": _TEXT}, in_inspection=False
    ),
    RecordKind.BALANCE_ADDED: KindSchema(
        {
            "make": _REQUIRED,
            "model": _REQUIRED,
            "serial": _REQUIRED,
            "unit": _unit(("g", "kg")),
            "max_capacity": _POSITIVE,
            "d": _POSITIVE,
            "e": _nullable(_POSITIVE),
            "accuracy_class": _TEXT,
            "mpe": _nullable(_POSITIVE),
            "certificate": _TEXT,
            "calibration_due": _nullable(_day),
            "connection": _nullable(_TEXT),
        },
        in_inspection=False,
    ),
    RecordKind.INSPECTION_CREATED: KindSchema(
        {
            "programme_id": _nullable(_TEXT),
            "city_id": _nullable(_TEXT),
            "site_name": _REQUIRED,
            "site_address": _TEXT,
            "site_kind": _one_of(SiteKind),
            "product_id": _nullable(_TEXT),
            "brand": _TEXT,
            "batch": _TEXT,
            "production_date": _nullable(_day),
            "nominal": _POSITIVE,
            "unit": _unit(),
            "lot_size": _integer(1),
            "rule_set_id": _REQUIRED,
            "variant": _REQUIRED,
            "sampling_method": _one_of(SamplingMethod),
            # Stored as text: a seed from numpy's SeedSequence is 128 bits, beyond an INTEGER column.
            "sampling_seed": _nullable(_integer(0, maximum=None)),
            "inspectors": _names,
            "balance_id": _nullable(_ID),
            "tare_method": _one_of(TareMethod),
            "notes": _TEXT,
        },
        in_inspection=True,
    ),
    RecordKind.MEASUREMENT_RECORDED: KindSchema(
        _measurement(_exactly(None), _exactly(None), _exactly(False)), in_inspection=True, optional=_CONFIRMED
    ),
    RecordKind.MEASUREMENT_CORRECTED: KindSchema(
        _measurement(_ID, _REQUIRED, _exactly(False)), in_inspection=True, optional=_CONFIRMED
    ),
    RecordKind.MEASUREMENT_WITHDRAWN: KindSchema(_measurement(_ID, _REQUIRED, _exactly(True)), in_inspection=True),
    RecordKind.TARE_RECORDED: KindSchema(
        {
            "method": _one_of(TareMethod, allowed=(TareMethod.INDIVIDUAL, TareMethod.AVERAGE)),
            "position": _nullable(_integer(1)),
            "unit": _unit(),
            "value": _AMOUNT,
            "source": _SOURCE,
            "raw": _nullable(_TEXT),
        },
        in_inspection=True,
        relation=_tare_relation,
        optional=_CONFIRMED,
    ),
    RecordKind.DENSITY_RECORDED: KindSchema(
        {
            "method": _one_of(DensityMethod),
            "flask_volume_ml": _nullable(_POSITIVE),
            "filled_g": _nullable(_POSITIVE),
            "empty_g": _nullable(_POSITIVE),
            "density_g_per_ml": _POSITIVE,
            "temperature_c": _nullable(_SIGNED),
        },
        in_inspection=True,
        relation=_density_relation,
        optional=_CONFIRMED,
    ),
    RecordKind.VERDICT_SAVED: KindSchema(
        {
            "outcome": _one_of(Outcome),
            "inputs": _object({
                "rule_set_id": _REQUIRED,
                "variant": _REQUIRED,
                "nominal": _POSITIVE,
                "unit": _unit(),
                "lot_size": _integer(1),
                "nets": _list_of(_AMOUNT),
                "measurement_ids": _list_of(_ID),
                "tne": _AMOUNT,
            }),
            "criteria": _list_of(_object({
                "code": _one_of(CriterionCode),
                "status": _one_of(Status),
                # A mean limit (Qn − λ·s) and the excess over it are differences: they may be of either sign.
                "observed": _SIGNED,
                "limit": _SIGNED,
                "excess": _SIGNED,
                "stage": _integer(1),
                "reject_at": _nullable(_integer(0)),
                "sample_size": _integer(0),
            })),
            "engine_version": _REQUIRED,
        },
        in_inspection=True,
        relation=_verdict_relation,
    ),
    RecordKind.INSPECTION_FINALISED: KindSchema({"by_name": _REQUIRED}, in_inspection=True),
    RecordKind.INSPECTION_SIGNED: KindSchema(
        {
            "finalisation_id": _ID,
            "inspection_id": _nullable(_ID),
            "device_id": _ID,
            "seq": _integer(1),
            "hash": _hex(64),
            "public_key": _hex(64),
            "signature": _hex(128),
        },
        in_inspection=False,
    ),
    RecordKind.CHAIN_ATTESTED: KindSchema(
        {"through_seq": _integer(0), "public_key": _hex(64), "reason": _REQUIRED}, in_inspection=False
    ),
    RecordKind.INSPECTION_REVIEWED: KindSchema(
        _decision(_one_of(SignOffRole, allowed=(SignOffRole.REVIEWER,)), comment=_TEXT), in_inspection=True
    ),
    RecordKind.INSPECTION_APPROVED: KindSchema(
        _decision(_one_of(SignOffRole, allowed=(SignOffRole.APPROVER,)), review_id=_ID, comment=_TEXT),
        in_inspection=True,
    ),
    RecordKind.INSPECTION_RETURNED: KindSchema(_decision(_one_of(SignOffRole), reason=_REQUIRED), in_inspection=True),
    RecordKind.HEADER_CORRECTED: KindSchema(
        {
            "by_name": _REQUIRED,
            "title": _TEXT,
            "finalisation_id": _ID,
            "changes": _header_values,
            "previous": _header_values,
            "reason": _REQUIRED,
        },
        in_inspection=True,
        relation=_correction_relation,
    ),
    RecordKind.SAMPLING_RECORDED: KindSchema(SAMPLING_FORM_FIELDS, in_inspection=True, relation=_sampling_relation),
    RecordKind.ENVIRONMENT_RECORDED: KindSchema(
        {
            "temperature_c": _bounded(*TEMPERATURE_RANGE_C, "°C"),
            "humidity_pct": _bounded(*HUMIDITY_RANGE_PCT, "%"),
            "stage": _one_of(EnvironmentStage),
            "packages_weighed": _integer(0),
            "place": _TEXT,
        },
        in_inspection=True,
    ),
    RecordKind.LABEL_CHECKED: KindSchema(
        {
            "text": _label_text,
            "height_mm": _POSITIVE,
            "photo": _nullable(_TEXT),
            "by_name": _REQUIRED,
            "rules_id": _REQUIRED,
            "outcome": _one_of(LabelOutcome),
            "failed": _list_of(_one_of(LabelElementCode)),
        },
        in_inspection=True,
        relation=_label_relation,
    ),
}
"""The schema of each record kind that this version of fieldtool writes."""


def _schema(kind: object) -> KindSchema:
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise _Problem(f"kind: {_shown(kind)} is not a kind of record this version of fieldtool knows")
    return schema


def _check_body(schema: KindSchema, body: object) -> None:
    checked = _fields(body, "", schema.fields, schema.optional)
    if schema.relation is not None:
        schema.relation(checked)


def validate_body(kind: str, body: object, *, seq: int | None = None) -> None:
    """Check a record body against its kind's schema (fields, types, decimal syntax, ranges, relations).

    Args:
        kind: the record's kind (a `RecordKind` value).
        body: the decoded body.
        seq: the record's seq, to name it in the message.

    Raises:
        RecordSchemaError: an unknown kind, or the first field that does not follow the schema.
    """
    try:
        _check_body(_schema(kind), body)
    except _Problem as e:
        raise RecordSchemaError(str(kind), seq, str(e)) from None


def validate_record(record: Record, lookup: RecordLookup | None = None) -> None:
    """Check a whole record: its kind, time and inspection, its body and, given a look-up, what it refers to.

    Args:
        record: the record (its hash and signatures are checked elsewhere).
        lookup: returns a record held before this one by id; None checks the record alone.

    Raises:
        RecordSchemaError: the first problem, naming the record (seq, kind, id, device) and the field.
    """
    try:
        schema = _schema(record.kind)
        _check_time(record.recorded_at)
        _check_envelope(record, schema)
        _check_body(schema, record.body)
        if lookup is not None:
            _check_references(record, lookup)
    except _Problem as e:
        raise RecordSchemaError(
            str(record.kind), record.seq, str(e), record_id=record.id, device_id=record.device_id
        ) from None


def _check_time(value: object) -> None:
    # The store writes every time as UTC with microseconds: text order is time order, which queries rely on.
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if (moment is None or moment.utcoffset() is None
            or moment.astimezone(UTC).isoformat(timespec="microseconds") != value):
        raise _Problem(f"recorded_at: {_shown(value)} is not a time in UTC written as fieldtool writes it "
                       "(YYYY-MM-DDTHH:MM:SS.ffffff+00:00)")


def _check_envelope(record: Record, schema: KindSchema) -> None:
    if schema.in_inspection:
        if not isinstance(record.inspection_id, str) or not record.inspection_id:
            raise _Problem("inspection_id: this kind of record belongs to an inspection; it has none")
        if record.kind == RecordKind.INSPECTION_CREATED and record.inspection_id != record.id:
            raise _Problem(f"inspection_id: {_shown(record.inspection_id)} is not the record's own id (an inspection "
                           "is named by the record that opens it)")
    elif record.inspection_id is not None:
        raise _Problem("inspection_id: this kind of record belongs to no inspection; it must be null")


# -- references --------------------------------------------------------------------------------------------


def _target(
    record: Record, lookup: RecordLookup, record_id: str, path: str, kinds: Sequence[str], what: str
) -> Record:
    found = lookup(record_id)
    if found is None:
        raise _Problem(f"{path}: there is no {what} {record_id}")
    if found.device_id == record.device_id and found.seq >= record.seq:
        # A chain refers back only: what a record names was recorded before it.
        raise _Problem(f"{path}: {what} {record_id} comes after this record in the chain (seq {found.seq})")
    if found.kind not in kinds:
        raise _Problem(f"{path}: {record_id} is a {found.kind} record, not {what}")
    if not isinstance(found.body, Mapping):
        raise _Problem(f"{path}: {what} {record_id} has a body that is not a JSON object")
    return found


_MEASUREMENT_KINDS = (
    RecordKind.MEASUREMENT_RECORDED, RecordKind.MEASUREMENT_CORRECTED, RecordKind.MEASUREMENT_WITHDRAWN
)
_WITHDRAWAL_REPEATS = ("gross", "tare", "net", "unit", "weighing_unit", "density", "source", "raw")


def _same_number(a: object, b: object) -> bool:
    # Quantities compare as numbers: "500" and "500.0" name the same nominal. A value that is not a
    # number (in a record that failed its own schema) is simply not the same.
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    try:
        return Decimal(a) == Decimal(b)
    except ArithmeticError:
        return False


def _check_references(record: Record, lookup: RecordLookup) -> None:
    body = record.body
    if record.kind == RecordKind.INSPECTION_CREATED:
        balance = body["balance_id"]
        if isinstance(balance, str):
            _target(record, lookup, balance, "balance_id", (RecordKind.BALANCE_ADDED,), "balance in the register")
        return
    if record.inspection_id is None:
        return
    inspection = _target(record, lookup, record.inspection_id, "inspection_id", (RecordKind.INSPECTION_CREATED,), "inspection")
    if record.kind in SIGN_OFF_KINDS:
        _check_sign_off(record, inspection, lookup)
        return
    if inspection.device_id != record.device_id:
        raise _Problem(f"inspection_id: inspection {record.inspection_id} was opened by device "
                       f"{inspection.device_id}; only that device may add to it")
    header = inspection.body
    if record.kind in _MEASUREMENT_KINDS:
        if body["unit"] != header.get("unit"):
            raise _Problem(f"unit: {_shown(body['unit'])} is not the unit {_shown(header.get('unit'))} of the inspection")
        if record.kind != RecordKind.MEASUREMENT_RECORDED:
            _check_superseded(record, lookup)
    elif record.kind == RecordKind.VERDICT_SAVED:
        _check_verdict(record, header, lookup)
    elif record.kind == RecordKind.SAMPLING_RECORDED and body["lot_size"] != header.get("lot_size"):
        raise _Problem(f"lot_size: {body['lot_size']} is not the lot size {_shown(header.get('lot_size'))} of the "
                       "inspection")


def _check_superseded(record: Record, lookup: RecordLookup) -> None:
    body = record.body
    old_id = str(body["supersedes"])
    old = _target(record, lookup, old_id, "supersedes", _MEASUREMENT_KINDS, "measurement")
    if old.inspection_id != record.inspection_id:
        raise _Problem(f"supersedes: measurement {old_id} belongs to inspection {old.inspection_id}, not to "
                       f"{record.inspection_id}")
    if old.body.get("withdrawn") is True:
        raise _Problem(f"supersedes: measurement {old_id} withdraws its package; it cannot be superseded")
    if body["position"] != old.body.get("position"):
        raise _Problem(f"position: {body['position']} is not the position {_shown(old.body.get('position'))} of "
                       f"measurement {old_id} that it supersedes")
    if record.kind == RecordKind.MEASUREMENT_WITHDRAWN:
        for name in _WITHDRAWAL_REPEATS:
            if body[name] != old.body.get(name):
                raise _Problem(f"{name}: a withdrawal repeats the withdrawn values; {_shown(body[name])} is not "
                               f"{_shown(old.body.get(name))} of measurement {old_id}")


def _check_verdict(record: Record, header: Mapping[str, object], lookup: RecordLookup) -> None:
    inputs = record.body["inputs"]
    assert isinstance(inputs, dict)
    for name in ("rule_set_id", "variant", "nominal", "unit", "lot_size"):
        same = _same_number if name == "nominal" else operator.eq
        if not same(inputs[name], header.get(name)):
            raise _Problem(f"inputs.{name}: {_shown(inputs[name])} is not the inspection's {_shown(header.get(name))}")
    for i, (net, measurement_id) in enumerate(zip(inputs["nets"], inputs["measurement_ids"], strict=True)):
        path = f"inputs.measurement_ids[{i}]"
        measured = _target(record, lookup, measurement_id, path, _MEASUREMENT_KINDS, "measurement")
        if measured.inspection_id != record.inspection_id:
            raise _Problem(f"{path}: measurement {measurement_id} belongs to inspection {measured.inspection_id}")
        if measured.body.get("withdrawn") is True:
            raise _Problem(f"{path}: measurement {measurement_id} withdraws its package; it cannot be judged")
        if not _same_number(net, measured.body.get("net")):
            raise _Problem(f"inputs.nets[{i}]: {net} is not the net {_shown(measured.body.get('net'))} of measurement "
                           f"{measurement_id}")


def same_person(a: object, b: object) -> bool:
    """Whether two names written in records name the same person (spaces and case aside)."""
    return isinstance(a, str) and isinstance(b, str) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _check_sign_off(record: Record, inspection: Record, lookup: RecordLookup) -> None:
    """A sign-off names its inspection's finalisation (directly or through a later correction); a
    decision is by someone who did not inspect the lot; an approval approves a review of the same
    basis by another person."""
    body = record.body
    if record.kind == RecordKind.HEADER_CORRECTED:
        final = _target(record, lookup, str(body["finalisation_id"]), "finalisation_id",
                        (RecordKind.INSPECTION_FINALISED,), "finalisation")
        if final.inspection_id != record.inspection_id:
            raise _Problem(f"finalisation_id: finalisation {final.id} is of inspection {final.inspection_id}, "
                           f"not of {record.inspection_id}")
        return
    basis = _target(record, lookup, str(body["basis_id"]), "basis_id",
                    (RecordKind.INSPECTION_FINALISED, RecordKind.HEADER_CORRECTED), "finalisation or header correction")
    if basis.inspection_id != record.inspection_id:
        raise _Problem(f"basis_id: {basis.id} is of inspection {basis.inspection_id}, not of {record.inspection_id}")
    inspectors = inspection.body.get("inspectors")
    if isinstance(inspectors, list) and any(same_person(body["by_name"], name) for name in inspectors):
        raise _Problem(f"by_name: {_shown(body['by_name'])} inspected this lot; the report is reviewed and approved "
                       "by others")
    if record.kind == RecordKind.INSPECTION_APPROVED:
        review = _target(record, lookup, str(body["review_id"]), "review_id", (RecordKind.INSPECTION_REVIEWED,), "review")
        if review.inspection_id != record.inspection_id or review.body.get("basis_id") != body["basis_id"]:
            raise _Problem(f"review_id: review {review.id} is not a review of {body['basis_id']} of inspection "
                           f"{record.inspection_id}")
        if same_person(body["by_name"], review.body.get("by_name")):
            raise _Problem(f"by_name: {_shown(body['by_name'])} reviewed this report; the authorised signatory who "
                           "approves it is another person")
