"""The quarterly action-plan report, laid out as the office publishes it.

The FY2564 Q3 report (``shared/seeds/sso_action_plan_2564_q3_layout.txt``) reads, in order:
the cover and plan (strategies, counts of งานประจำ / โครงการ for the year and for the quarter,
per fund, the budget, the evaluation criteria), page 2 (bands per strategy and the sentence
per level), the detail pages per fund and strategy (every project, every indicator's แผน and
ผล per quarter, its % and the project's average), and the projects to follow up. Each part is
a sheet of one openpyxl workbook (:mod:`.pages`, :mod:`.detail`), printed to PDF by
LibreOffice and kept as an .xlsx the office can edit (``sso-kpi report --xlsx``); the figures
come from :mod:`.data` (the engine's evaluation of the book).
"""
