"""Shared fixtures, and a sandbox: nothing a test (or nbval) writes reaches outputs/ or data/processed/.

Before ``lib`` is imported, ``KONTAKT_WRITE_ROOT`` is pointed at a temporary folder
(unless set already), so relative ``outputs/`` and ``data/processed/`` paths of the
notebooks nbval executes, and of the library, resolve there (:mod:`lib.core.paths`). The
kernels nbval starts inherit the variable.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_SANDBOX = None
if not os.environ.get("KONTAKT_WRITE_ROOT"):
    _SANDBOX = tempfile.mkdtemp(prefix="kontakt-test-")
    os.environ["KONTAKT_WRITE_ROOT"] = _SANDBOX

import pytest  # noqa: E402

from lib.chain import pipeline  # noqa: E402
from lib.core.paths import DATA_RAW  # noqa: E402

RAW = DATA_RAW / "calls_2023.parquet"


def pytest_sessionfinish(session, exitstatus):
    if _SANDBOX is not None:
        shutil.rmtree(_SANDBOX, ignore_errors=True)


@pytest.fixture(scope="session")
def chain_run(tmp_path_factory) -> Path:
    """Run every notebook (00-07) on the synthetic log into a temporary run folder; its path.

    Processed data go to ``<tmp>/processed`` and results to ``<tmp>/outputs``, so the
    golden tests check what this run built, never what an earlier run left in outputs/.
    """
    if not RAW.exists():
        pytest.fail(f"{RAW.name} is missing: `make test` generates it (python -m lib.calllog.synthetic --out {RAW})")
    root = tmp_path_factory.mktemp("chain")
    pipeline.run({"raw_path": str(RAW)}, root / "outputs", root / "processed", html=False)
    return root


@pytest.fixture(scope="session")
def synthetic_year():
    """The synthetic log's rows as the Parquet file holds them (1 765 909 calls)."""
    import pandas as pd

    if not RAW.exists():
        pytest.fail(f"{RAW.name} is missing: `make test` generates it (python -m lib.calllog.synthetic --out {RAW})")
    return pd.read_parquet(RAW)


@pytest.fixture(scope="session")
def synthetic_cleaning(synthetic_year, tmp_path_factory):
    """The Parquet file's cleaning at the report's settings (nothing written): the log every
    other form of the year must give."""
    from frames import CLEANING_SETTINGS

    from lib.calllog import clean_call_log

    work = tmp_path_factory.mktemp("reference")
    return clean_call_log(RAW, work / "p", work / "o", write=False, **CLEANING_SETTINGS)
