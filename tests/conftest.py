"""Shared fixtures: the published figures (vendored from shared/golden) as typed frames.

They are the package's own copy (``sso_app/data/golden``, the demo data too): one copy.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sso_app.files.packaged import GOLDEN
from sso_kpi.importing import Imported, Source, read_table

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"
ACTION_PLAN = GOLDEN / "sso_2564_q3_strategy1.csv"
OPDC = GOLDEN / "opdc_2566.csv"


def raw_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def action_plan_raw() -> pd.DataFrame:
    return raw_csv(ACTION_PLAN)


@pytest.fixture(scope="session")
def action_plan(action_plan_raw: pd.DataFrame) -> Imported:
    return read_table(action_plan_raw, Source(file=ACTION_PLAN.name))


@pytest.fixture(scope="session")
def opdc_raw() -> pd.DataFrame:
    return raw_csv(OPDC)
