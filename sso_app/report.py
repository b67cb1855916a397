"""`sso-kpi report`: the quarterly action-plan report, whole, as the office publishes it.

From a unit's SSO_Plan workbook or the national workbook ``sso-kpi consolidate`` writes:
cover and plan, page 2, the detail pages, the projects to follow up and (national) the
units; PDF, the page-2 chart as PNG and, with ``--xlsx``, the editable workbook. The report
itself is built in :mod:`sso_app.book.report` (``make demo`` writes it too).
"""

from __future__ import annotations

from sso_app.book.report.chart import PNG_FONTS, thai_font
from sso_app.book.report.output import ReportResult, report_workbook, write_report
from sso_app.book.report.pages import report_title

__all__ = [
    "PNG_FONTS",
    "ReportResult",
    "report_title",
    "report_workbook",
    "thai_font",
    "write_report",
]
