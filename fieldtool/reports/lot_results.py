"""Provides the lot report's sections on what was found: packages, corrections, statistics, criteria and verdict.

Each section is a `fieldtool.reports.lot_kit.Section`. The verdict section ends with the chart of
every package's net quantity against Qn, Qn − T, Qn − 2T and the mean limit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from fieldtool.core.evaluate import Criterion, CriterionCode, PackageClass, Status
from fieldtool.core.explain import STATUS_WORDS, criterion_text, defective_label, reason_text
from fieldtool.core.inspection import Measurement, MeasurementSource
from fieldtool.core.label import ELEMENT_NAMES, LabelStatus
from fieldtool.core.resolution import package_numbers, text
from fieldtool.reports.blocks import CELL_PADDING, bilingual, esc, grid_table
from fieldtool.reports.charts import lot_chart
from fieldtool.reports.document import GRID, HEAD_FILL, INK, T1_HEX, T2_HEX, verdict_ink
from fieldtool.reports.lot_kit import QBAR, Kit, clock, fmt, markup, outcome_of, outcome_words, when, written
from fieldtool.reports.lot_model import LotReportData
from fieldtool.reports.lot_words import plural, round_to, rounded, rule_basis, shown

SOURCE = {MeasurementSource.TYPED: ("录入", "typed"), MeasurementSource.BALANCE: ("天平", "balance")}

RAW_SIZE = 6.5
"""Font size of a balance's raw line in the packages table."""
OK_INK, T1_INK, T2_INK = "#777777", T1_HEX, T2_HEX
"""The colour of a package's class in the packages table."""
T1_FILL = "#FFF3E0"
T2_FILL = "#FFEBEE"


def packages_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The table of packages: weights, net quantity, shortfall, class, source, time and notes."""
    u = data.unit.symbol
    wu = data.weighing_unit.symbol
    with_mass = data.needs_density
    has_gross = any(p.measurement.gross is not None for p in data.packages)
    header: list[Any] = [k.head("序号", "No.")]
    widths: list[float] = [0.055]
    if has_gross:
        header += [k.head(f"毛重 ({wu})", f"gross ({wu})"), k.head(f"皮重 ({wu})", f"tare ({wu})")]
        widths += [0.105, 0.095]
    if with_mass:
        header += [k.head(f"净质量 m ({wu})", f"net mass ({wu})")]
        widths += [0.105]
    header += [k.head(f"净含量 q ({u})", f"net q ({u})"), k.head(f"短缺量 d ({u})", f"shortfall d ({u})"),
               k.head("类别", "class"), k.head("来源", "source"), k.head("时间", "time")]
    widths += [0.115, 0.115, 0.06, 0.1, 0.09]
    note_w = 1 - sum(widths)
    header.append(k.head("备注", "note"))
    widths.append(note_w)
    rows: list[list[Any]] = [header]
    extra: list[tuple[Any, ...]] = []
    note_room = note_w * k.width - 2 * CELL_PADDING
    mean_n = data.plan.mean_n
    partial_mean = mean_n is not None and mean_n < len(data.packages)
    res = written(data)
    nominal = data.inspection.header.nominal
    for r, p in enumerate(data.packages, start=1):
        m = p.measurement
        row: list[Any] = [str(p.number)]
        if has_gross:
            tare = res.tare_value(m.tare)
            row += [shown(m.gross, res.weighing), shown(tare, res.weighing_mean if res.averaged_tare else res.weighing)]
        if with_mass:
            row += [shown(p.net_mass, res.weighing)]
        cls = p.cls
        class_col = len(row) + 2  # after the net quantity and the shortfall
        if cls is not PackageClass.OK:
            # Plain cells (no paragraph per package: the table is most of the report's work), coloured by commands.
            ink = T1_INK if cls is PackageClass.T1 else T2_INK
            extra += [("TEXTCOLOR", (class_col, r), (class_col, r), ink),
                      ("BACKGROUND", (0, r), (-1, r), T1_FILL if cls is PackageClass.T1 else T2_FILL)]
        zh, en = SOURCE[m.source]
        notes: list[str] = []
        if p.corrected:
            notes.append(k.t("已更正", "corrected", " "))
        if partial_mean and p.in_mean_sample:
            notes.append(k.t("均值样本", "mean sample", " "))
        note: Any = k.v("; ".join(notes)) if notes else ""
        if m.raw is not None:
            # The balance's line is evidence: printed as received (visible spaces kept).
            raw_lines = m.raw.rstrip("\r\n").splitlines()
            if not notes and all(stringWidth(line, k.st.font.name, RAW_SIZE) <= note_room for line in raw_lines):
                # A plain cell (one per captured package: a paragraph each would cost more than the rest of the row).
                note = "\n".join(raw_lines)
                extra += [("FONTSIZE", (-1, r), (-1, r), RAW_SIZE), ("LEADING", (-1, r), (-1, r), RAW_SIZE * 1.2)]
            else:
                raw = "<br/>".join(esc(line).replace(" ", "&nbsp;") for line in raw_lines)
                note = Paragraph("; ".join([*map(esc, notes), f"<font size='{RAW_SIZE}'>{raw}</font>"]), k.st.cell)
        row += [res.net_text(m.net), text(res.shortfall(nominal, m.net)), "OK" if cls is PackageClass.OK else cls.value, k.t(zh, en, " "),
                clock(m.recorded_at), note]
        rows.append(row)
    numeric = range(1, 1 + (2 if has_gross else 0) + (1 if with_mass else 0) + 2)
    last = len(widths) - 1
    class_col = last - 3
    extra = [("TEXTCOLOR", (class_col, 1), (class_col, -1), OK_INK), ("ALIGN", (class_col, 1), (class_col, -1), "CENTER"), *extra]
    table = grid_table(rows, [w * k.width for w in widths], k.st, numeric_cols=[0, *numeric],
                       plain_cols=(class_col, last - 2, last - 1, last), extra=extra)
    out = [*k.section(n, "样本单位测量结果", "Packages measured")]
    out += k.small(
        f"d = Qn − q；T < d ≤ 2T 为 T1 类短缺，d > 2T 为 T2 类短缺（已用底色标出）。时间为北京时间（UTC+8）。"
        f"共 {len(data.packages)} 件；T1 {data.t1_count} 件，T2 {data.t2_count} 件。",
        f"d = Qn − q; T < d ≤ 2T is a T1 package, d > 2T a T2 package (shaded). Times are China Standard Time "
        f"(UTC+8). {plural(len(data.packages), 'package')}; T1: {data.t1_count}, T2: {data.t2_count}.")
    out += [Spacer(0, 1.2 * mm), table]
    return out


def _version_text(m: Measurement, data: LotReportData, k: Kit) -> str:
    wu = m.weighing_unit or m.unit
    res = written(data)
    parts = []
    if m.gross is not None:
        parts.append(f"{esc(k.t('毛重', 'gross', ' '))} {shown(m.gross, res.weighing, wu)}")
    if m.tare is not None:
        parts.append(f"{esc(k.t('皮重', 'tare', ' '))} {shown(m.tare, res.weighing, wu)}")
    parts.append(f"{esc(k.t('净含量', 'net', ' '))} {res.net_text(m.net, m.unit)}")
    return "<br/>".join(parts)


def corrections_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """Every correction or withdrawal, with the original values (kept) and the reason."""
    out = [*k.section(n, "更正与撤销记录", "Corrections and withdrawals")]
    if not data.corrections:
        return out + k.body("无更正或撤销。", "No entry was corrected or withdrawn.")
    # The package number the inspector saw, for a withdrawn package too (the number it had then).
    number_of = package_numbers(data.history)
    rows: list[list[Any]] = [[
        k.head("序号", "No."), k.head("原记录（保留）", "original entry (kept)"), k.head("更正后", "replaced by"),
        k.head("原因", "reason"), k.head("时间", "time"),
    ]]
    for c in data.corrections:
        no: Any = str(number_of.get(c.replacement.id, c.position))
        original = Paragraph(_version_text(c.original, data, k), k.st.cell)
        if c.withdrawn:
            new: Any = Paragraph(f"<b>{esc(k.t('撤销（不计入样本）', 'withdrawn (not counted)', ' '))}</b>", k.st.cell)
        else:
            new = Paragraph(_version_text(c.replacement, data, k), k.st.cell)
        rows.append([no, original, new, k.v(c.reason), when(c.replacement.recorded_at)])
    w = k.width
    out.append(grid_table(rows, [w * 0.12, w * 0.21, w * 0.21, w * 0.30, w * 0.16], k.st, numeric_cols=(0,),
                          zebra=False))
    return out


def statistics_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The mean-sample statistics with their formulas and sums, T, Qn − T, Qn − 2T and the counts."""
    u = data.unit.symbol
    out = [*k.section(n, "统计计算", "Statistics")]
    f = data.statistics
    qn = fmt(data.nominal)
    basis_zh, basis_en = rule_basis(data.rules)
    places = written(data).mean
    rows: list[list[Any]] = [[k.head("项目", "quantity"), k.head("公式与计算", "formula and computation"),
                              k.head("结果", "result")]]

    def add(zh: str, en: str, formula: str, value: str) -> None:
        rows.append([k.label(zh, en), Paragraph(formula, k.st.cell), Paragraph(markup(value), k.st.cell_num)])

    if f is not None:
        s = replace(f.stats, places=places)  # the one rule's places (a net from an average tare is written to d)
        lam = fmt(s.lam)
        add("均值样本量", "mean sample size", "n", str(s.n))
        add("净含量之和", "sum of nets", "Σq = q<sub>1</sub> + q<sub>2</sub> + … + q<sub>n</sub>", fmt(f.sum_q, u))
        add("平均实际含量", "mean", f"{QBAR} = Σq / n = {fmt(f.sum_q)} / {s.n}", fmt(s.mean, u))
        if s.stdev is not None and f.sum_sq_dev is not None:
            add("离差平方和", "sum of squared deviations", f"Σ(q − {QBAR})²", rounded(f.sum_sq_dev, places, f"{u}²"))
            add("样本标准偏差", "standard deviation",
                f"s = √( Σ(q − {QBAR})² / (n − 1) ) = √( {rounded(f.sum_sq_dev, places)} / {s.n - 1} )", fmt(s.stdev, u))
        add("修正因子", "correction factor", esc(k.t(f"λ（{basis_zh}，n = {data.plan.n}）",
                                                   f"λ ({basis_en}, n = {data.plan.n})")), lam)
        add("λ·s", "λ·s", f"λ × s = {lam} × {fmt(s.stdev)}", fmt(s.lam_s, u))
        limit, margin = s.limit(f.nominal), s.margin(f.nominal)
        add("均值限", "mean limit", f"Qn − λ·s = {qn} − {fmt(s.lam_s)}", fmt(limit, u))
        add("余量", "margin", f"{QBAR} − (Qn − λ·s) = {fmt(s.mean)} − {fmt(limit)}",
            ("+" if margin >= 0 else "") + fmt(margin, u))
    add("允许短缺量", "TNE", esc(k.t(f"T（{basis_zh}，Qn = {qn} {u}）", f"T ({basis_en}, Qn = {qn} {u})")),
        fmt(data.tne, u))
    add("Qn − T", "Qn − T", f"{qn} − {fmt(data.tne)}", fmt(data.qn_minus_t, u))
    add("Qn − 2T", "Qn − 2T", f"{qn} − 2 × {fmt(data.tne)}", fmt(data.qn_minus_2t, u))
    stage = data.plan.row.stages
    allowed = f"{stage[0].accept}" if stage else "—"
    add("T1 类短缺件数", "T1 packages",
        esc(k.t(f"T < d ≤ 2T 的件数（允许 {allowed}）", f"count of T < d ≤ 2T (allowed {allowed})")),
        str(data.t1_count))
    add("T2 类短缺件数", "T2 packages", esc(k.t(f"d > 2T 的件数（允许 {data.plan.row.t2_allowed}）",
                                             f"count of d > 2T (allowed {data.plan.row.t2_allowed})")),
        str(data.t2_count))
    w = k.width
    out.append(grid_table(rows, [w * 0.24, w * 0.52, w * 0.24], k.st, zebra=False))
    if f is not None and f.stats.n < len(data.packages):
        out += k.small(f"均值样本为前 {f.stats.n} 件。", f"The mean sample is the first {f.stats.n} packages.")
    if f is None and data.plan.row.lam is None:
        out += k.small("本批量无平均实际含量检验（逐件判定）。", "No mean test for this lot size (packages judged singly).")
    return out


def _criteria_of(data: LotReportData) -> tuple[Criterion, ...]:
    """The criteria as judged (the saved verdict's, else the evaluation's), the mean's figures to the report's places.

    None while the sample is incomplete. The saved figures carry more digits than a report prints;
    the lot was judged on the exact values, so rounding here changes no status.
    """
    if data.verdict is not None:
        criteria = data.verdict.criteria
    elif data.evaluation is not None:
        criteria = data.evaluation.criteria
    else:
        return ()
    places = written(data).mean
    return tuple(
        replace(c, observed=round_to(c.observed, places), limit=round_to(c.limit, places),
                excess=round_to(c.excess, places)) if c.code is CriterionCode.MEAN else c
        for c in criteria
    )


def _context(data: LotReportData) -> Any:
    """What `criterion_text` reads: the evaluation (or the progress) with the statistics as printed."""
    ctx: Any = data.evaluation if data.evaluation is not None else data.progress
    if data.statistics is not None and getattr(ctx, "stats", None) is not None:
        ctx = replace(ctx, stats=data.statistics.stats)
    return ctx


def _criterion_name(data: LotReportData, c: Criterion, k: Kit) -> list[Flowable]:
    if c.code is CriterionCode.MEAN:
        return k.label("平均实际含量", "mean requirement")
    if c.code is CriterionCode.T2:
        return k.label("d > 2T 的件数", "packages beyond 2T")
    return k.label(f"{defective_label(data.progress, 'zh')} 的件数", f"packages with {defective_label(data.progress)}")


def criteria_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """Each criterion with its finding and status, then the verdict box with the conclusions.

    Returns the heading, the criteria with the label check (kept together where they fit), and one
    `KeepTogether` of the verdict box, so that a caller can add the signatures to the verdict's page
    (`fieldtool.reports.lot`): the criteria and the label check together can fill most of a page.
    """
    heading = k.section(n, "判定", "Verdict")
    out: list[Flowable] = heading[1:]
    criteria = _criteria_of(data)
    ctx = _context(data)
    if criteria:
        rows: list[list[Any]] = [[k.head("判定项目", "criterion"), k.head("结果", "finding"), k.head("符合性", "status")]]
        extra: list[tuple[Any, ...]] = []
        for r, c in enumerate(criteria, start=1):
            finding = bilingual(markup(criterion_text(ctx, c, "zh")), markup(criterion_text(ctx, c, "en")), k.st,
                                "cell", markup=True)
            ink = verdict_ink(c.status)
            words = esc(k.t(STATUS_WORDS["zh"][c.status], STATUS_WORDS["en"][c.status], " "))
            status = Paragraph(f"<font color='{ink}'><b>{words}</b></font>", k.st.cell_head)
            rows.append([_criterion_name(data, c, k), finding, status])
            if c.status is Status.FAIL:
                extra.append(("BACKGROUND", (0, r), (-1, r), T2_FILL))
        w = k.width
        out.append(grid_table(rows, [w * 0.2, w * 0.64, w * 0.16], k.st, zebra=False, extra=extra))
    else:
        done, needed = len(data.packages), data.progress.needed
        out += k.body(f"样本尚未完成：已测 {done} 件，共需 {needed} 件；尚不能判定。",
                      f"The sample is incomplete: {done} of {plural(needed, 'package')} measured; no verdict yet.")
        for c in data.progress.settled_failures:
            out += k.body("已确定不符合：" + criterion_text(ctx, c, "zh"), "Already failed: " + criterion_text(ctx, c, "en"))
    out += label_part(data, k)
    verdict: list[Flowable] = [Spacer(0, 3 * mm), _verdict_box(data, k)]
    if data.verdict is not None and not data.verdict_matches:
        verdict += k.body("注意：按存储的测量结果重新计算的结论与保存的结论不一致。",
                          "Warning: the verdict recomputed from the stored measurements differs from the saved verdict.")
    return [heading[0], KeepTogether(out), KeepTogether(verdict)]


def label_part(data: LotReportData, k: Kit) -> list[Flowable]:
    """The label check (净含量标注), judged apart from the net quantity: the statement as printed, the
    measured character height, each element with its finding and the rule cited, the advice."""
    out: list[Flowable] = [Spacer(0, 3 * mm)]
    out += bilingual("<b>净含量标注检查</b>", "<b>Net-content label check</b>", k.st, "body", markup=True)
    label, check = data.label, data.label_check
    if label is None:
        out += k.body("未记录净含量标注检查：标注不能判定。", "No label check was recorded: the label cannot be judged.")
        return out
    seen = k.t(f"标注内容（原样）：“{label.text}”；字符高度实测 {label.height_mm} mm",
               f"Statement as printed: “{label.text}”; character height measured {label.height_mm} mm", "; ")
    if check is not None:
        seen += "; " + k.t(f"检查人：{check.by_name}，{when(check.recorded_at)}",
                           f"checked by {check.by_name}, {when(check.recorded_at)}", " / ")
        if check.photo:
            seen += "; " + k.t(f"照片：{check.photo}", f"photo: {check.photo}", " / ")
    out.append(Paragraph(esc(seen), k.st.small))
    rows: list[list[Any]] = [[k.head("检查项目", "element"), k.head("结果", "finding"), k.head("依据", "rule"),
                              k.head("符合性", "status")]]
    extra: list[tuple[Any, ...]] = []
    words = {LabelStatus.PASS: ("符合", "pass"), LabelStatus.FAIL: ("不符合", "fail"),
             LabelStatus.NOT_APPLICABLE: ("不适用", "n/a")}
    for r, e in enumerate(label.elements, start=1):
        zh, en = ELEMENT_NAMES[e.code]
        ink = verdict_ink(None if e.status is LabelStatus.NOT_APPLICABLE else e.status.value)
        w_zh, w_en = words[e.status]
        status = Paragraph(f"<font color='{ink}'><b>{esc(k.t(w_zh, w_en, ' '))}</b></font>", k.st.cell_head)
        rows.append([bilingual(esc(zh), esc(en), k.st, "cell", markup=True),
                     bilingual(esc(e.reason_zh), esc(e.reason_en), k.st, "cell", markup=True),
                     Paragraph(esc(e.rule), k.st.small), status])
        if e.status is LabelStatus.FAIL:
            extra.append(("BACKGROUND", (0, r), (-1, r), T2_FILL))
    w = k.width
    out.append(grid_table(rows, [w * 0.16, w * 0.42, w * 0.28, w * 0.14], k.st, zebra=False, extra=extra))
    for a in label.advice:
        out += k.small(f"建议：{a.text_zh}（{a.rule}）", f"Advice: {a.text_en} ({a.rule})")
    c_zh, c_en = label.conclusion
    out += k.body(f"净含量标注结论：{c_zh}", f"Label conclusion: {c_en}")
    if check is not None and check.passed != label.passed:
        out += k.body("注意：按现行标注规则重新判定的结论与记录的结论不一致。",
                      "Warning: the label judged again by the rules now differs from the conclusion recorded.")
    return out


def chart_section(data: LotReportData, k: Kit, n: int) -> list[Flowable]:
    """The chart of every package's net quantity against Qn, Qn − T, Qn − 2T and the mean limit (none without packages)."""
    if not data.packages:
        return []
    stats = data.statistics
    chart = lot_chart(
        [p.net for p in data.packages],
        [p.cls.value if p.cls is not PackageClass.OK else "ok" for p in data.packages],
        nominal=data.nominal, tne=data.tne,
        mean_limit=stats.limit if stats is not None else None,
        mean=stats.stats.mean if stats is not None else None,
        unit=data.unit.symbol, width=k.width, height=200, font_name=k.st.font.name, lang=k.lang,
    )
    legend = k.small(
        "图：各样本单位净含量（● T 以内，■ T1 类短缺，◆ T2 类短缺）与 Qn、Qn − T、Qn − 2T 及均值限。",
        "Chart: each package's net quantity (● within T, ■ T1, ◆ T2) against Qn, Qn − T, Qn − 2T "
        "and the mean limit.")
    return [*k.section(n, "图示", "Chart"), KeepTogether([chart, *legend])]


def _verdict_box(data: LotReportData, k: Kit) -> Table:
    outcome = outcome_of(data)
    zh, en = outcome_words(outcome)
    ink = verdict_ink(outcome)
    st = k.st
    big: list[Flowable] = []
    head_zh = f"检验结论：<font color='{ink}'>{esc(zh)}</font>"
    head_en = f"Verdict: <font color='{ink}'>{esc(en)}</font>"
    big += bilingual(head_zh, head_en, st, "verdict", markup=True)
    # A supervision check has two conclusions: the headline is the net quantity's; both are named under it.
    both_zh, both_en = [], []
    for conclusion in data.conclusions:
        c_ink = verdict_ink(conclusion.outcome)
        w_zh = {"pass": "合格", "fail": "不合格"}.get(conclusion.outcome or "", "未判定")
        w_en = {"pass": "pass", "fail": "fail"}.get(conclusion.outcome or "", "not judged")
        both_zh.append(f"{esc(conclusion.subject_zh)}：<font color='{c_ink}'><b>{w_zh}</b></font>")
        both_en.append(f"{esc(conclusion.subject_en)}: <font color='{c_ink}'><b>{w_en}</b></font>")
    if len(data.conclusions) > 1:
        big += bilingual("　　".join(both_zh), "; ".join(both_en), st, "body", markup=True)
    body: list[Flowable] = []
    for sentence in data.conclusions:
        body += bilingual(esc(sentence.sentence_zh), esc(sentence.sentence_en), st, "body", markup=True)
        body.append(Spacer(0, 1 * mm))
    ev = data.evaluation
    if ev is not None:
        decided = [c for c in _criteria_of(data) if c.status is not Status.PASS]
        ctx = _context(data)
        for c in decided:
            body += bilingual(markup("• " + reason_text(ctx, c, "zh")), markup("• " + reason_text(ctx, c, "en")),
                              st, "small", markup=True)
    box = Table([[big], [body or [Spacer(0, 0)]]], colWidths=[k.width])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.6, INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
    ]))
    box.keepWithNext = False
    return box


__all__ = [
    "chart_section", "corrections_section", "criteria_section", "label_part", "packages_section", "statistics_section",
]
