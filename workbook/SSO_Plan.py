"""Companion of SSO_Plan.xlsm: the ribbon button imports it and runs ``main()``.

Keep this file next to the workbook, under the workbook's name. The work is done by the
installed ``sso-kpi`` package (``pip install`` the project), so this file never changes.
"""


def main() -> None:
    """Rebuild the quarterly summary of the calling workbook (runs inside Excel via xlwings)."""
    from sso_app.live import main as run

    run()
