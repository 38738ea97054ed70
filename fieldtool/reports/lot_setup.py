"""Provides the lot report's sections on how the lot was inspected: site, product, rules, balance, tare, density.

Each section is a `fieldtool.reports.lot_kit.Section`: the report's data, its kit and the
section's number in, its flowables out (heading first).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from fieldtool.core.explain import defective_label
from fieldtool.core.inspection import DensityMethod, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.reports.blocks import bilingual, grid_table
from fieldtool.reports.document import verdict_ink
from fieldtool.reports.lot_kit import Kit, fmt, markup, when
from fieldtool.reports.lot_model import LotReportData
from fieldtool.reports.lot_words import derived, register_number, rounded, rule_name, shown, variant_words

SITE_KIND = {
    SiteKind.PRODUCER: ("生产企业", "producer"),
    SiteKind.WHOLESALER: ("批发/配送企业", "wholesaler"),
    SiteKind.RETAILER: ("零售企业", "retailer"),
}
SAMPLING = {
    SamplingMethod.SYSTEMATIC: ("等距抽样", "systematic sampling"),
    SamplingMethod.STRATIFIED: ("分层抽样", "stratified sampling"),
    SamplingMethod.SIMPLE_RANDOM: ("简单随机抽样", "simple random sampling"),
}
TARE = {
    TareMethod.INDIVIDUAL: ("逐个皮重：每件样品倒空、清洁、干燥后称量其包装",
                            "individual tare: each package's emptied, cleaned, dried packaging weighed"),
    TareMethod.AVERAGE: ("平均皮重：称量空包装样本，以其平均值作为每件样品的皮重",
                         "average tare: the mean of a sample of empty packagings is every package's tare"),
    TareMethod.NET: ("直接测量净含量（无皮重）", "net quantity measured directly (no tare)"),
}
DENSITY = {DensityMethod.FLASK: ("容量瓶法", "volumetric flask"), DensityMethod.TYPED: ("录入值", "typed")}


def inspection_type(data: LotReportData) -> tuple[tuple[str, str], tuple[str, str]]:
    """检验类别 and 任务来源 in Chinese and English: the programme's, else a commissioned inspection with no task."""
    if data.programme is None:
        return ("—", "—"), ("未记录", "not recorded")
    p = data.programme
    task = p.task_source
    return p.inspection_type.words, ((task, task) if task else ("未记录（检验项目文件未载明文号）",
                                                                "not recorded (the programme file gives no document number)"))


def inspection_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The inspection: programme, inspection type and task, city, id, when it was opened and finalised, notes."""
    h = data.header
    prog: Any = k.v("—")
    if data.programme is not None:
        p = data.programme
        prog = k.value(p.name_zh or p.name, p.name)
    (type_zh, type_en), (task_zh, task_en) = inspection_type(data)
    city: Any = k.v(h.city_id or "—")
    if data.city is not None:
        c = data.city
        zh = c.name_zh if c.province_zh.startswith(c.name_zh) else f"{c.province_zh} {c.name_zh}"
        en = c.name_en if c.province_en == c.name_en else f"{c.name_en}, {c.province_en}"
        city = k.value(zh, en)
    final: Any = k.v("—")
    if data.inspection.finalised_at is not None:
        final = k.v(f"{when(data.inspection.finalised_at)}  {data.inspection.finalised_by or ''}")
    # The programme's name is long: a row of its own, so that it never wraps a lone character.
    wide: list[tuple[Any, Any]] = [
        (k.label("检验项目", "Programme"), prog),
        (k.label("检验类别", "Inspection type"), k.value(type_zh, type_en)),
        (k.label("任务来源", "Task source"), k.value(task_zh, task_en)),
    ]
    pairs: list[tuple[Any, Any]] = [
        (k.label("城市", "City"), city),
        (k.label("检验编号", "Inspection id"), k.v(data.inspection.id)),
        (k.label("开始时间", "Opened"), k.v(when(data.inspection.created_at))),
        (k.label("完成确认", "Finalised"), final),
        (k.label("备注", "Notes"), k.v(h.notes or "—")),
    ]
    return [*k.section(n, "检验概况", "Inspection"), k.kv(wide, columns=1, label_width=32 * mm), k.kv(pairs)]


def site_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The inspected site: name, address and kind; and the producer as labelled (from the sampling form)."""
    h = data.header
    zh, en = SITE_KIND[h.site_kind]
    form = data.sampling_form.form if data.sampling_form is not None else None
    if form is None:
        producer: Any = k.value("未记录（无抽样单）", "not recorded (no sampling form)")
        producer_address: Any = k.v("—")
    else:
        producer = k.v(form.producer_name) if form.producer_name.strip() else k.value("标签未标注", "not on the label")
        producer_address = k.v(form.producer_address or "—")
    pairs: list[tuple[Any, Any]] = [
        (k.label("单位名称", "Name"), k.v(h.site_name)),
        (k.label("地址", "Address"), k.v(h.site_address or "—")),
        (k.label("单位类型", "Kind of site"), k.v(k.t(zh, en))),
        (k.label("标称生产者", "Producer (as labelled)"), producer),
        (k.label("生产者地址", "Producer's address"), producer_address),
    ]
    return [*k.section(n, "受检单位", "Inspected site"), k.kv(pairs, columns=1, label_width=32 * mm)]


def product_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The product and lot as labelled: name, brand, batch, production date, Qn and N."""
    h = data.header
    product: Any = k.v(h.product_id or "—")
    if data.product is not None:
        p = data.product
        product = k.v(k.t(p.name_zh, p.name_en))
    pairs: list[tuple[Any, Any]] = [
        (k.label("商品名称", "Product"), product),
        (k.label("商标/品名", "Brand"), k.v(h.brand or "—")),
        (k.label("批号", "Batch"), k.v(h.batch or "—")),
        (k.label("生产日期", "Production date"), k.v(h.production_date.isoformat() if h.production_date else "—")),
        (k.label("标注净含量 Qn", "Nominal quantity Qn"), k.v(fmt(h.nominal, h.unit))),
        (k.label("批量 N", "Lot size N"), k.v(f"{h.lot_size}")),
    ]
    return [*k.section(n, "被检商品与批次", "Product and lot"), k.kv(pairs)]


def rules_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The rule set and plan row (n, λ, allowed counts, T), then how the sample was drawn."""
    h = data.header
    plan = data.plan
    row = plan.row
    u = data.unit.symbol
    rules = data.rules
    rule_zh, rule_en = rule_name(rules)
    rule_words = k.value(rule_zh, rule_en)
    plan_zh, plan_en = variant_words(rules, h.variant)
    lots = f"{row.lot_min}–{row.lot_max if row.lot_max is not None else '∞'}"
    stage = row.stages[0] if row.stages else None
    allowed_t1 = f"{stage.accept}" if stage is not None else "—"
    if plan.multi_stage and row.stages:
        allowed_t1 = "; ".join(f"{k.t(f'第{i + 1}阶段', f'stage {i + 1}', ' ')}: ≤ {s.accept} / ≥ {s.reject}"
                               for i, s in enumerate(row.stages))
    n_text = f"{plan.n}" if not plan.multi_stage else " + ".join(
        str(b - a) for a, b in zip((0, *plan.cumulative[:-1]), plan.cumulative, strict=True))
    lam = fmt(row.lam) if row.lam is not None else k.t("无均值检验", "no mean test")
    pairs: list[tuple[Any, Any]] = [
        (k.label("检验依据", "Rule set"), rule_words),
        (k.label("抽样方案", "Sampling plan"), k.value(f"{plan_zh}，批量 N = {h.lot_size}（{lots} 行）",
                                                     f"{plan_en}, lot size N = {h.lot_size} (row {lots})")),
        (k.label("样本量 n", "Sample size n"), k.v(n_text)),
        (k.label("修正因子 λ", "Correction factor λ"), k.v(lam)),
        (k.label(f"允许 {defective_label(data.progress, 'zh')} 件数", f"allowed {defective_label(data.progress)}"),
         k.v(allowed_t1)),
        (k.label("允许 d > 2T 件数", "allowed d > 2T"), k.v(f"{row.t2_allowed}")),
        (k.label("允许短缺量 T", "Tolerable negative error T"), k.v(fmt(data.tne, u))),
        (k.label("Qn − T / Qn − 2T", "Qn − T / Qn − 2T"),
         k.v(f"{fmt(data.qn_minus_t, u)} / {fmt(data.qn_minus_2t, u)}")),
    ]
    out = [*k.section(n, "检验依据与抽样方案", "Rules and sampling plan"), k.kv(pairs)]
    # Sampling
    zh, en = SAMPLING[h.sampling_method]
    seed = f"{h.sampling_seed}" if h.sampling_seed is not None else k.t("人工抽取", "drawn by hand")
    spairs: list[tuple[Any, Any]] = [
        (k.label("抽样方法", "Sampling method"), k.v(k.t(zh, en))),
        (k.label("随机数种子", "Seed"), k.v(seed)),
    ]
    spairs += _sampling_form_pairs(data, k)
    out += [Spacer(0, 2 * mm), k.kv(spairs)]
    if data.draw is not None:
        positions = ", ".join(str(p) for p in data.draw.positions)
        out += [Spacer(0, 1.2 * mm), *k.small(
            f"按种子 {data.draw.seed} 抽取的样本位置（批内序号 1…{data.draw.lot_size}）：{positions}",
            f"Positions drawn from seed {data.draw.seed} (1…{data.draw.lot_size} within the lot): {positions}")]
    return out


def _sampling_form_pairs(data: LotReportData, k: Kit) -> list[tuple[Any, Any]]:
    """The sampling form's number, date and time, place, samplers and samples taken (or that there is none)."""
    if data.sampling_form is None:
        return [(k.label("抽样单", "Sampling form"), k.value("未记录", "not recorded"))]
    f = data.sampling_form.form
    return [
        (k.label("抽样单编号", "Sampling form No."), k.v(f.form_no)),
        (k.label("抽样日期时间", "Sampled at"), k.v(f"{f.sampled_at} (UTC+8)")),
        (k.label("抽样地点", "Place of sampling"), k.v(f.place)),
        (k.label("抽样人员", "Samplers"), k.v(k.t("、".join(f.samplers), ", ".join(f.samplers)))),
        (k.label("抽样数量", "Samples taken"), k.v(str(f.sample_count))),
        (k.label("受检单位代表", "Unit's representative"), k.v(f.representative or "—")),
    ]


def _environment(data: LotReportData, k: Kit) -> list[Flowable]:
    """The ambient temperature and relative humidity at the weighing, each reading with when it was read."""
    stage = {"before-weighing": ("称量前", "before weighing"), "during-weighing": ("称量中", "during weighing"),
             "after-weighing": ("称量后", "after weighing")}
    if not data.environment:
        return k.small("环境条件（温度、相对湿度）：未记录。", "Ambient conditions (temperature, relative humidity): not recorded.")
    zh_parts, en_parts = [], []
    for r in data.environment:
        zh, en = stage.get(r.stage.value, (r.stage.value, r.stage.value))
        zh_parts.append(f"{fmt(r.temperature_c)} °C，{fmt(r.humidity_pct)} %RH（{zh}，已称 {r.packages_weighed} 件，"
                        f"{when(r.recorded_at)}）")
        en_parts.append(f"{fmt(r.temperature_c)} °C, {fmt(r.humidity_pct)} % RH ({en}, {r.packages_weighed} weighed, "
                        f"{when(r.recorded_at)})")
    return k.body("称量时的环境条件（UTC+8）：" + "；".join(zh_parts) + "。",
                  "Ambient conditions at the weighing (UTC+8): " + "; ".join(en_parts) + ".")


def balance_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The balance from the register, its certificate and its suitability for this lot's T; the ambient conditions."""
    info = data.balance
    if info is None:
        return [*k.section(n, "计量器具", "Weighing instrument"),
                *k.body("未使用天平（直接计数或测量）。", "No balance used (counted or measured directly)."),
                *_environment(data, k)]
    b = info.balance
    bu = b.unit
    due = b.calibration_due.isoformat() if b.calibration_due else "—"
    valid = ""
    if info.calibration_valid is not None:
        valid = k.t("检验日在有效期内", "in date on the inspection day") if info.calibration_valid else k.t(
            "检验日已过期", "EXPIRED on the inspection day")
    pairs: list[tuple[Any, Any]] = [
        (k.label("制造商/型号", "Make / model"), k.v(f"{b.make} {b.model}")),
        (k.label("出厂编号", "Serial No."), k.v(b.serial)),
        (k.label("最大秤量 Max", "Max"), k.v(fmt(b.max_capacity, bu))),
        (k.label("实际分度值 d", "Scale interval d"), k.v(fmt(b.d, bu))),
        (k.label("检定分度值 e", "Verification interval e"), k.v(fmt(b.e, bu))),
        (k.label("准确度等级", "Accuracy class"), k.v(b.accuracy_class or "—")),
        (k.label("最大允许误差 MPE", "MPE"), k.v(fmt(b.mpe, bu))),
        (k.label("检定/校准证书", "Certificate"), k.v(b.certificate or "—")),
        (k.label("有效期至", "Valid until"), k.v(f"{due}  {valid}".strip())),
        (k.label("登记编号", "Register No."), k.v(register_number(b))),
    ]
    out = [*k.section(n, "计量器具", "Weighing instrument"), k.kv(pairs)]
    s = info.suitability
    if s is not None:
        ok_zh, ok_en = ("适用", "suitable") if s.suitable else ("不适用", "NOT suitable")
        ink = verdict_ink(s.suitable)
        liquid = data.unit.kind.value == "volume"
        note_zh = "（体积 T 按密度换算为质量）" if liquid else ""
        note_en = " (a volume T converted to mass with the density)" if liquid else ""
        cmp = "≤" if s.suitable else ">"
        places = data.resolution.weighing_mean
        t_text = derived(info.tne_in_balance_unit, places, bu)
        limit = derived(s.limit, places, bu)
        zh = (f"器具适用性：{s.basis} = {fmt(s.error, bu)} {cmp} {fmt(s.fraction)} × T = {fmt(s.fraction)} × "
              f"{t_text} = {limit}{note_zh}：")
        en = (f"Suitability: {s.basis} = {fmt(s.error, bu)} {cmp} {fmt(s.fraction)} × T = {fmt(s.fraction)} × "
              f"{t_text} = {limit}{note_en}: ")
        out.append(Spacer(0, 1.5 * mm))
        out += bilingual(f"{markup(zh)}<font color='{ink}'><b>{ok_zh}</b></font>",
                         f"{markup(en)}<font color='{ink}'><b>{ok_en}</b></font>", k.st, "body", markup=True)
    out += [Spacer(0, 1.5 * mm), *_environment(data, k)]
    return out


def tare_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The tare method, every tare weighing and (average tare) the assessment of the tare sample."""
    tare = data.tare
    zh, en = TARE[tare.method]
    wu = data.weighing_unit.symbol
    out = [*k.section(n, "皮重", "Tare"), *k.body(f"皮重方法：{zh}", f"Tare method: {en}")]
    if tare.method is TareMethod.INDIVIDUAL:
        out += k.small("每件样品的皮重见样本单位测量结果表。", "Each package's tare is in the table of packages.")
    weighings = [w for w in tare.weighings]
    if weighings:
        per_row = 4
        rows: list[list[Any]] = [[k.head("序号", "No."), k.head(f"皮重 ({wu})", f"tare ({wu})")] * per_row]
        cells = [(str(i), shown(w.value, data.resolution.weighing)) for i, w in enumerate(weighings, 1)]
        for start in range(0, len(cells), per_row):
            chunk = cells[start:start + per_row]
            chunk += [("", "")] * (per_row - len(chunk))
            rows.append([c for pair in chunk for c in pair])
        w = k.width / per_row
        out += [Spacer(0, 1.5 * mm),
                grid_table(rows, [w * 0.35, w * 0.65] * per_row, k.st, numeric_cols=range(2 * per_row), zebra=False)]
    a = tare.average
    if a is not None:
        places = data.resolution.weighing_mean
        s_text = rounded(a.stdev, places, wu)
        # The average tare as the weighing screen and the nets from it write it: a mean, one digit finer
        # than d (`fieldtool.core.resolution`).
        mean, limit = rounded(a.mean, places, wu), derived(a.limit, places, wu)
        verdict_zh = "接受平均皮重" if a.accepted else f"不接受：{a.problem}"
        verdict_en = "average tare accepted" if a.accepted else f"refused: {a.problem}"
        out += [Spacer(0, 1.5 * mm), *k.body(
            f"空包装样本 n = {a.n}（至少 {a.min_sample}），平均皮重 = {mean}，s = {s_text}，"
            f"限值 {fmt(data.rules.tare.max_stdev_fraction_of_tne)} × T = {limit}：{verdict_zh}",
            f"Tare sample n = {a.n} (at least {a.min_sample}), mean tare = {mean}, s = {s_text}, "
            f"limit {fmt(data.rules.tare.max_stdev_fraction_of_tne)} × T = {limit}: {verdict_en}")]
    return out


def density_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """Every density recorded and the one used (left out when the lot needs none and has none)."""
    if not data.needs_density and not data.densities:
        return []
    out = [*k.section(n, "密度（20 °C）", "Density (20 °C)")]
    if not data.densities:
        return out + k.body("尚未记录密度。", "No density recorded yet.")
    rows: list[list[Any]] = [[
        k.head("序号", "No."), k.head("方法", "method"), k.head("容量瓶 V (mL)", "flask V (mL)"),
        k.head("满瓶 (g)", "filled (g)"), k.head("空瓶 (g)", "empty (g)"), k.head("ρ (g/mL)", "ρ (g/mL)"),
        k.head("温度 (°C)", "temp. (°C)"), k.head("时间", "time"),
    ]]
    for i, d in enumerate(data.densities, 1):
        zh, en = DENSITY[d.method]
        rows.append([str(i), k.t(zh, en, " "), fmt(d.flask_volume_ml), fmt(d.filled_g), fmt(d.empty_g),
                     fmt(d.density_g_per_ml), fmt(d.temperature_c), when(d.recorded_at)])
    w = k.width
    out.append(grid_table(rows, [w * 0.06, w * 0.16, w * 0.12, w * 0.11, w * 0.11, w * 0.11, w * 0.1, w * 0.23],
                          k.st, numeric_cols=(0, 2, 3, 4, 5, 6)))
    used = data.densities[-1]
    out.append(Spacer(0, 1.5 * mm))
    out += k.small(
        f"ρ = (m满 − m空) / V；净体积 V = m / ρ，m = 毛重 − 皮重，按 0.01 mL 修约（四舍六入五留双）。"
        f"计算所用密度 ρ = {fmt(used.density_g_per_ml)} g/mL。",
        f"ρ = (m_filled − m_empty) / V; net volume V = m / ρ with m = gross − tare, rounded half-even to 0.01 mL. "
        f"Density used: ρ = {fmt(used.density_g_per_ml)} g/mL.")
    return out


__all__ = [
    "balance_section",
    "density_section",
    "inspection_section",
    "product_section",
    "rules_section",
    "site_section",
    "tare_section",
]
