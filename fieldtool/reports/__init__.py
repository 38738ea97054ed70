"""Provides fieldtool's PDF reports; the only package that uses reportlab.

- `fonts`: find, register and (when none is found) fall back from the CJK TrueType font.
- `document`: the shared template: page furniture ("page x of y", report number, DRAFT mark),
  colours, paragraph styles, and deterministic, atomic `build_pdf`.
- `blocks`: the blocks of a report's body: bilingual paragraphs, section headings and tables.
- `charts`: the lot report's chart of net quantities against Qn, Qn − T, Qn − 2T and the mean limit.
- `lot_model`: what the lot report shows, as plain data (no reportlab; the use-cases fill it in).
- `lot`: the lot report (定量包装商品净含量计量检验报告), from a `lot_model.LotReportData`; its sections
  are in `lot_setup` (how the lot was inspected) and `lot_results` (what was found), its helpers in
  `lot_kit`.
- `summary_model`: the programme summary's figures, as plain data (no reportlab).
- `summary`: the programme summary PDF, from a `summary_model.SummaryData`; its figures (overview,
  matrix, pass rates, deviations) are in `summary_figures`, its charts in `summary_charts`, its
  helpers in `summary_kit`.

Nothing is imported here, so that importing the package costs nothing until a report is made
(and the use-cases can import the two data modules without loading reportlab).
"""
