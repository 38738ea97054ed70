"""Provides fieldtool's PDF reports; the only package that uses reportlab.

- `fonts`: find, register and (when none is found) fall back from the CJK TrueType font.
- `document`: the shared template: page furniture ("page x of y", report number, DRAFT mark),
  styles, bilingual helpers, tables, and deterministic, atomic `build_pdf`.
- `charts`: the lot report's chart of net quantities against Qn, Qn − T, Qn − 2T and the mean limit.
- `lot`: the lot report (定量包装商品净含量计量检验报告), from `fieldtool.report_data.LotReportData`.

Nothing is imported here, so that importing the package costs nothing until a report is made.
"""
