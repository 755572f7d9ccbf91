"""Shared fixtures: the whole chain run once into a temporary folder for the golden tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib import pipeline
from lib.paths import DATA_RAW

RAW = DATA_RAW / "calls_2023.parquet"


@pytest.fixture(scope="session")
def chain_run(tmp_path_factory) -> Path:
    """Run notebooks 00-04 on the synthetic log into a temporary folder; its path.

    Processed data go to ``<tmp>/processed`` and results to ``<tmp>/outputs``, so the
    golden tests check what this run built, never what an earlier run left in outputs/.
    """
    if not RAW.exists():
        pytest.fail(f"{RAW.name} is missing: `make test` generates it (python -m lib.synthetic --out {RAW})")
    root = tmp_path_factory.mktemp("chain")
    outputs = root / "outputs"
    pipeline.run(
        {"raw_path": str(RAW), "processed_dir": str(root / "processed"), "outputs_dir": str(outputs)},
        outputs,
        html=False,
    )
    return root
