"""Provides the use-cases of the sampling form (抽样单) and of the ambient conditions at the weighing.

The form is filled on site at sampling, before any package is weighed, and printed for both
parties to sign (`fieldtool report sampling-form`). What is typed is read here, field by field,
and held against the record schema (`SAMPLING_FORM_FIELDS`) before it is stored, so that the TUI
and the CLI refuse the same things with the same one-line message naming the field. Both the form
and the environment belong to the lot's evidence: they are recorded only while the inspection is
open; a form recorded again replaces the earlier one (the latest counts, every one is kept).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from fieldtool.core.chinatime import local
from fieldtool.core.inspection import SiteKind
from fieldtool.core.quantity import FIGURES_ZH, parse_decimal
from fieldtool.core.record_schema import (
    HUMIDITY_RANGE_PCT,
    TEMPERATURE_RANGE_C,
    EnvironmentStage,
    RecordSchemaError,
    validate_body,
)
from fieldtool.core.records import RecordKind
from fieldtool.errors import InputError, NotFoundError, StoreError

if TYPE_CHECKING:
    from fieldtool.core.programme import Programme
    from fieldtool.core.records import RecordSigner
    from fieldtool.infra.institute import Institute
    from fieldtool.reports.sampling_form import SamplingFormSheet
    from fieldtool.storage import SqliteStore
    from fieldtool.storage.sampling import EnvironmentReading, SamplingForm, StoredSamplingForm
    from fieldtool.sync.trust import Trust
    from fieldtool.usecases.lot_types import LotState


class _Services(Protocol):
    @property
    def store(self) -> SqliteStore: ...

    @property
    def signer(self) -> RecordSigner | None: ...

    def programme(self, programme_id: str) -> Programme: ...

    def lot_state(self, inspection_id: str) -> LotState: ...

    def after_one_record(self, before: LotState, after: LotState) -> LotState: ...


FORM_FIELDS = (
    "form_no", "sampled_at", "place", "samplers", "unit_name", "unit_address", "unit_kind", "unit_contact",
    "producer_name", "producer_address", "product_name", "brand", "specification", "batch", "production_date",
    "lot_size", "sample_count", "sample_condition", "packaging", "samples_to", "representative", "notes",
)
"""The fields of the form in the order it is filled and printed."""

READ_ONLY_FIELDS = frozenset({"lot_size"})
"""Fields taken from the inspection, not typed: the lot size (抽样基数) is the one the lot is judged by."""

_SEPARATORS = re.compile(r"[,，、;；]")

_SITE_WORDS = {
    "producer": SiteKind.PRODUCER, "生产": SiteKind.PRODUCER, "生产企业": SiteKind.PRODUCER,
    "wholesaler": SiteKind.WHOLESALER, "批发": SiteKind.WHOLESALER, "批发企业": SiteKind.WHOLESALER,
    "retailer": SiteKind.RETAILER, "零售": SiteKind.RETAILER, "零售企业": SiteKind.RETAILER,
}


class SamplingFormError(InputError):
    """A field of the sampling form that cannot be recorded; `field` names it, the message is one line.

    Args:
        field: the field (one of `FORM_FIELDS`).
        message: what is wrong, naming the field.
        zh: the same in Chinese (the field's Chinese name, "：", the problem).
    """

    def __init__(self, field: str, message: str, *, zh: str | None = None) -> None:
        self.field = field
        """The field at fault."""
        super().__init__(message, zh=zh)


FIELDS_ZH = {
    "form_no": "抽样单编号", "sampled_at": "抽样日期时间", "place": "抽样地点", "samplers": "抽样人员",
    "unit_name": "受检单位名称", "unit_address": "受检单位地址", "unit_kind": "单位类型", "unit_contact": "联系人及电话",
    "producer_name": "标称生产者", "producer_address": "生产者地址", "product_name": "产品名称", "brand": "商标",
    "specification": "规格型号", "batch": "批号", "production_date": "生产日期", "lot_size": "抽样基数",
    "sample_count": "抽样数量", "sample_condition": "样品状态", "packaging": "包装", "samples_to": "样品去向",
    "representative": "受检单位代表", "notes": "备注",
}
"""The form's fields as the printed form names them."""

_PROBLEMS_ZH = (
    (re.compile(r"must not be empty"), "不能为空"),
    (re.compile(r"names no sampler; the form names at least one"), "没有抽样人员；至少填写一名"),
    (re.compile(r"(.+) is not a date and time written YYYY-MM-DD HH:MM"), r"\1 不是 YYYY-MM-DD HH:MM 格式的日期时间"),
    (re.compile(r"(.+) is not a date written YYYY-MM-DD"), r"\1 不是 YYYY-MM-DD 格式的日期"),
    (re.compile(r"(.+) is not a whole number"), r"\1 不是整数"),
    (re.compile(r"(.+) is less than (.+)"), r"\1 小于 \2"),
    (re.compile(r"(.+) is more than (.+)"), r"\1 大于 \2"),
    (re.compile(r"(\d+) characters; at most (\d+)"), r"共 \1 个字符；最多 \2 个"),
    (re.compile(r"lists a name twice"), "同一姓名填写了两次"),
)
"""The record schema's problems that a typed form can meet, in Chinese (others stay English)."""


def _words(name: str) -> str:
    return name.replace("_", " ")


def _problem_zh(field: str, problem: str) -> str | None:
    """``field：problem`` in Chinese, when the problem is one `_PROBLEMS_ZH` knows."""
    for pattern, words in _PROBLEMS_ZH:
        if pattern.fullmatch(problem):
            return f"{FIELDS_ZH.get(field, field)}：{pattern.sub(words, problem)}"
    return None


def sampling_form_text(services: _Services, inspection_id: str) -> dict[str, str]:
    """The form's fields as text to edit: the latest form recorded, else values from the inspection.

    Before any form, the inspected unit, the product, brand, batch, production date, specification
    and lot size come from the header, the samplers are its inspectors, the sample count is the
    plan's sample size and the date and time is the inspection's opening (China Standard Time).

    Raises:
        NotFoundError: no such inspection.
    """
    stored = services.store.sampling_form(inspection_id)
    if stored is not None:
        return form_as_text(stored.form)
    state = services.lot_state(inspection_id)
    h = state.inspection.header
    product_name = h.product_id or ""
    if h.programme_id and h.product_id:
        try:
            product = services.programme(h.programme_id).find_product(h.product_id)
        except NotFoundError:  # a programme since removed: the product is named by its id
            product = None
        if product is not None:
            product_name = product.name_zh
    return {
        "form_no": "", "sampled_at": local(state.inspection.created_at).strftime("%Y-%m-%d %H:%M"),
        "place": h.site_address or h.site_name, "samplers": "、".join(h.inspectors), "unit_name": h.site_name,
        "unit_address": h.site_address, "unit_kind": h.site_kind.value, "unit_contact": "",
        "producer_name": h.site_name if h.site_kind is SiteKind.PRODUCER else "",
        "producer_address": h.site_address if h.site_kind is SiteKind.PRODUCER else "",
        "product_name": product_name, "brand": h.brand, "specification": f"{h.nominal} {h.unit}", "batch": h.batch,
        "production_date": "" if h.production_date is None else h.production_date.isoformat(),
        "lot_size": str(h.lot_size), "sample_count": str(state.progress.plan.cumulative[0]),
        "sample_condition": "", "packaging": "", "samples_to": "", "representative": "", "notes": "",
    }


def form_as_text(form: SamplingForm) -> dict[str, str]:
    """A stored form's fields as the text that would record it again."""
    body = form.body()
    text = {name: "" if body[name] is None else str(body[name]) for name in FORM_FIELDS}
    text["samplers"] = "、".join(form.samplers)
    return text


def _integer(text: str, field: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise SamplingFormError(field, f"{_words(field)}: {text!r} is not a whole number",
                                zh=f"{FIELDS_ZH[field]}：{text!r} 不是整数")
    return int(value)


def _day(text: str, field: str) -> date | None:
    value = text.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SamplingFormError(field, f"{_words(field)}: {text!r} is not a date written YYYY-MM-DD",
                                zh=f"{FIELDS_ZH[field]}：{text!r} 不是 YYYY-MM-DD 格式的日期") from None


def read_sampling_form(services: _Services, inspection_id: str, typed: Mapping[str, str]) -> SamplingForm:
    """Read a typed form into a `SamplingForm`, refusing what the record schema would refuse.

    Args:
        services: the use-cases (their store).
        inspection_id: the inspection the form belongs to (its lot size is the form's).
        typed: text per field of `FORM_FIELDS`; a missing field counts as empty, ``lot_size`` is ignored.

    Raises:
        SamplingFormError: the first field that cannot be recorded, named with what is wrong.
        NotFoundError: no such inspection.
    """
    from fieldtool.storage.sampling import SamplingForm

    unknown = sorted(set(typed) - set(FORM_FIELDS))
    if unknown:
        raise SamplingFormError(unknown[0], f"{_words(unknown[0])}: not a field of the sampling form",
                                zh=f"{unknown[0]}：不是抽样单的字段")
    text = {name: typed.get(name, "").strip() for name in FORM_FIELDS}
    kind = _SITE_WORDS.get(text["unit_kind"].casefold())
    if kind is None:
        raise SamplingFormError("unit_kind", f"unit kind: {text['unit_kind']!r} is not one of producer, wholesaler, "
                                             "retailer (生产, 批发, 零售)",
                                zh=f"单位类型：{text['unit_kind']!r} 不是 生产、批发、零售 之一")
    sampled_at = " ".join(text["sampled_at"].replace("T", " ").split())
    header = services.store.inspection(inspection_id).header
    form = SamplingForm(
        form_no=text["form_no"], sampled_at=sampled_at, place=text["place"],
        samplers=tuple(s.strip() for s in _SEPARATORS.split(text["samplers"]) if s.strip()),
        unit_name=text["unit_name"], unit_address=text["unit_address"], unit_kind=kind,
        unit_contact=text["unit_contact"], producer_name=text["producer_name"],
        producer_address=text["producer_address"], product_name=text["product_name"], brand=text["brand"],
        specification=text["specification"], batch=text["batch"],
        production_date=_day(text["production_date"], "production_date"), lot_size=header.lot_size,
        sample_count=_integer(text["sample_count"], "sample_count"), sample_condition=text["sample_condition"],
        packaging=text["packaging"], samples_to=text["samples_to"], representative=text["representative"],
        notes=text["notes"],
    )
    try:
        validate_body(RecordKind.SAMPLING_RECORDED, form.body())
    except RecordSchemaError as e:
        field = e.problem.split(":", 1)[0].split("[", 1)[0]
        problem = e.problem.split(":", 1)[1]
        raise SamplingFormError(field, f"{_words(field)}:{problem}", zh=_problem_zh(field, problem.strip())) from None
    return form


def record_sampling_form(services: _Services, inspection_id: str, typed: Mapping[str, str]) -> StoredSamplingForm:
    """Record the sampling form of an open inspection (again, to correct it: the latest counts).

    Raises:
        SamplingFormError: a field cannot be recorded; nothing is written.
        NotFoundError: no such inspection.
        StoreError: the inspection is final; its sampling form is part of its evidence.
    """
    state = services.lot_state(inspection_id)
    if state.inspection.is_final:
        raise StoreError(f"inspection {inspection_id} is final; its sampling form can no longer change",
                         zh=f"检验 {inspection_id} 已完成；抽样单不能再修改")
    form = read_sampling_form(services, inspection_id, typed)
    stored = services.store.record_sampling_form(inspection_id, form)
    services.after_one_record(state, state)  # the form is not part of the lot's state
    return stored


def _bounded(text: str, what: str, bounds: tuple[Decimal, Decimal], unit: str) -> Decimal:
    value = parse_decimal(text, what)
    low, high = bounds
    if not low <= value <= high:
        raise InputError(f"{what}: {value} {unit} is outside {low}…{high} {unit}",
                         zh=f"{FIGURES_ZH.get(what, what)}：{value} {unit} 超出 {low}…{high} {unit}")
    return value


def record_environment(
    services: _Services, inspection_id: str, temperature_c: str, humidity_pct: str, place: str = ""
) -> EnvironmentReading:
    """Record the ambient temperature (°C) and relative humidity (%) at the weighing of an open inspection.

    Where in the lot's life it was read follows from the lot: before the first package, while
    weighing, or after the sample is complete.

    Raises:
        InputError: a value is not a number or outside −30…60 °C, 0…100 %; the message names it.
        NotFoundError: no such inspection.
        StoreError: the inspection is final.
    """
    temperature = _bounded(temperature_c, "temperature", TEMPERATURE_RANGE_C, "°C")
    humidity = _bounded(humidity_pct, "relative humidity", HUMIDITY_RANGE_PCT, "%")
    state = services.lot_state(inspection_id)
    if state.inspection.is_final:
        raise StoreError(f"inspection {inspection_id} is final; its environment can no longer be recorded",
                         zh=f"检验 {inspection_id} 已完成；不能再记录环境条件")
    stage = (EnvironmentStage.BEFORE_WEIGHING if not state.measurements
             else EnvironmentStage.AFTER_WEIGHING if state.complete else EnvironmentStage.DURING_WEIGHING)
    reading = services.store.record_environment(inspection_id, temperature, humidity, stage, place.strip())
    services.after_one_record(state, state)  # the reading is not part of the lot's state
    return reading


def environment_readings(services: _Services, inspection_id: str) -> list[EnvironmentReading]:
    """Every reading of the ambient conditions of an inspection, in the order recorded.

    Raises:
        NotFoundError: no such inspection.
    """
    return services.store.environment_readings(inspection_id)


def sampling_form(services: _Services, inspection_id: str) -> StoredSamplingForm | None:
    """The latest sampling form of an inspection, or None before any.

    Raises:
        NotFoundError: no such inspection.
    """
    return services.store.sampling_form(inspection_id)


def sampling_form_sheet(
    services: _Services, inspection_id: str, trust: Trust | None = None, institute: Institute | None = None
) -> SamplingFormSheet:
    """Gather what the printed sampling form shows; it needs no weighing, no verdict and no finalisation.

    The lot's evidence is verified first, as for the lot report: a form is never printed from
    records that fail their check or that no trusted key signs.

    Args:
        services: the use-cases over the open store.
        inspection_id: the inspection (its full id).
        trust: the keys vouched for (the use-cases' signer, else `Trust.here()`).
        institute: the issuing body, which samples; None: not configured.

    Raises:
        NotFoundError: no such inspection.
        InputError: the inspection has no sampling form yet.
        StoreError: the lot's records fail verification, or no trusted key vouches for them.
    """
    from fieldtool.reports.sampling_form import SamplingFormSheet
    from fieldtool.sync.lot_verify import require_lot_intact
    from fieldtool.sync.trust import trust_of
    from fieldtool.usecases.lot_report import report_number

    inspection_id = inspection_id.strip()
    inspection = services.store.inspection(inspection_id)
    require_lot_intact(services.store, inspection_id, "the sampling form", trust_of(services, trust))
    stored = services.store.sampling_form(inspection_id)
    if stored is None:
        raise InputError(f"inspection {inspection_id} has no sampling form; fill it in at sampling "
                         "(the sampling screen, key F) before printing it",
                         zh=f"检验 {inspection_id} 还没有抽样单；请先在抽样时填写（抽样界面按 F），再打印")
    programme = None
    if inspection.header.programme_id:
        try:
            programme = services.programme(inspection.header.programme_id)
        except NotFoundError:
            programme = None
    if programme is None:
        kind, task = ("—", "—"), ("未记录", "not recorded")
    else:
        source = programme.task_source
        kind = programme.inspection_type.words
        task = (source, source) if source else ("未记录（检验项目文件未载明文号）",
                                                "not recorded (the programme file gives no document number)")
    return SamplingFormSheet(stored=stored, inspection_id=inspection_id,
                             report_number=report_number(inspection, programme), inspection_type=kind,
                             task_source=task, institute=institute)
