"""Files the package carries: the office's published tables and the shipped book.

A Windows office installs with a plain ``pip install`` (not editable), which copies only
declared packages and their package data: nothing is read from ``tests/`` or from the
checkout's folders at run time (``tests/test_install.py`` runs ``sso-kpi demo`` from a wheel).

- ``sso_app/data/golden/``: the published FY2564 Q3 action plan and the OPDC 2566 card, the
  demo data of ``build-workbook`` and the tests' oracle (one copy for both).
- the shipped book ``SSO_Plan.xlsm`` and its companion ``SSO_Plan.py``: in a checkout they are
  the build output in ``workbook/`` (``make workbook``); the wheel carries that folder as
  ``sso_app/workbook/`` (``[tool.setuptools.package-dir]`` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[1]  # sso_app/
GOLDEN = APP / "data" / "golden"
DEMO_KPIS = GOLDEN / "sso_2564_q3_strategy1.csv"
DEMO_OPDC = GOLDEN / "opdc_2566.csv"

BOOK_NAME = "SSO_Plan.xlsm"
SHIM_NAME = "SSO_Plan.py"
INSTALLED_BOOK_DIR = APP / "workbook"  # inside an installed wheel
CHECKOUT_BOOK_DIR = APP.parent / "workbook"  # a source checkout (also an editable install)


def shipped_book_dir() -> Path:
    """The folder holding the shipped ``SSO_Plan.xlsm``: the wheel's copy, else the checkout's.

    Returns the checkout's folder when neither has the book, so a message can name where
    ``build-workbook`` would put it.
    """
    for folder in (INSTALLED_BOOK_DIR, CHECKOUT_BOOK_DIR):
        if (folder / BOOK_NAME).is_file():
            return folder
    return CHECKOUT_BOOK_DIR


def source_checkout() -> Path | None:
    """The project folder when running from a source checkout (it has pyproject.toml)."""
    root = APP.parent
    return root if (root / "pyproject.toml").is_file() and (root / "sso_app").is_dir() else None
