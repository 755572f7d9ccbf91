"""Result tables as CSV: the one way lib writes a table to ``{outputs_dir}/tables``.

:func:`write_csv` rounds every float column to :data:`PRECISION` decimal places first, so a
CSV carries the value and not the float noise of how it was computed (``154911.00000000003``
is written ``154911.0``, ``-2.9e-11`` is written ``0.0``; negative zero becomes zero). Nine
decimals is far below any unit the tables use (MNOK: a thousandth of a krone; shares: a
billionth; seconds: a nanosecond), so no result changes, while a rerun on another machine
whose last bits differ writes the same bytes more often. The rest is fixed too: comma
separated, UTF-8, ``\\n`` line ends, no index. The file is recorded as the project's
(:func:`lib.core.manifest.claim`), so a later run may replace it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lib.core.manifest import claim

#: Decimal places kept in float columns of result tables (see the module docstring).
PRECISION = 9


def tidy_floats(df: pd.DataFrame, decimals: int = PRECISION) -> pd.DataFrame:
    """A copy of ``df`` with every float column rounded to ``decimals`` places and negative
    zero made zero; other columns (integers, text, booleans) are left as they are."""
    out = df.copy()
    for i, (_, col) in enumerate(out.items()):
        if pd.api.types.is_float_dtype(col.dtype):
            # + 0.0 turns -0.0 (also what a tiny negative rounds to) into 0.0; NaN stays NaN
            out.isetitem(i, col.round(decimals) + 0.0)
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to ``path`` as a result CSV (floats rounded by :func:`tidy_floats`, no
    index, ``\\n`` line ends, UTF-8); returns the path."""
    path = Path(path)
    tidy_floats(df).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return claim(path)
