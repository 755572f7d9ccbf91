"""What differs between two runs: every compared value of their result tables (the tables and
columns :mod:`lib.core.output_tables` marks for comparison) and of their run information."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lib.core import output_tables
from lib.report.run_info import RUN_INFO

COMPARE_COLUMNS = ["table", "key", "a", "b", "difference"]


def _long(path: Path, keys: tuple[str, ...], values: tuple[str, ...]) -> pd.Series:
    if not path.exists():
        return pd.Series(dtype=object)
    t = pd.read_csv(path)
    cols = [c for c in values if c in t.columns]
    key = t[list(keys)].astype(str).agg(" / ".join, axis=1)
    out = {f"{k} / {c}" if len(cols) > 1 else k: v for c in cols for k, v in zip(key, t[c], strict=True)}
    return pd.Series(out, dtype=object)


def compare_runs(a: Path, b: Path) -> pd.DataFrame:
    """Every compared value that differs between run folders ``a`` and ``b`` (columns
    :data:`COMPARE_COLUMNS`; ``difference`` = b - a for numbers). Empty when they agree."""
    rows = []
    for table in output_tables.registry().values():
        if not table.compare_keys:
            continue
        name, keys, values = table.file, table.compare_keys, table.compare_values
        va, vb = _long(a / "tables" / name, keys, values), _long(b / "tables" / name, keys, values)
        for k in list(dict.fromkeys([*va.index, *vb.index])):
            x, y = va.get(k, np.nan), vb.get(k, np.nan)
            if (pd.isna(x) and pd.isna(y)) or x == y:
                continue
            diff = y - x if isinstance(x, (int, float)) and isinstance(y, (int, float)) else np.nan
            rows.append((name.removesuffix(".csv"), k, x, y, diff))
    ia, ib = _long(a / RUN_INFO, ("item",), ("value",)), _long(b / RUN_INFO, ("item",), ("value",))
    for k in ("raw_file", "raw_sha256", "rows_read", "synthetic_log", "git_commit"):
        if ia.get(k) != ib.get(k):
            rows.append(("run_info", k, ia.get(k), ib.get(k), np.nan))
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)
