"""``make compare``: what differs between two run folders, printed and written as a table into
``outputs/comparisons/`` (recorded in that folder's manifest, so ``make clean`` may remove it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lib.chain.errors import PipelineError
from lib.core import manifest
from lib.core.paths import OUTPUTS, display_path, resolve
from lib.report.compare import compare_runs


def compare(a: str | Path, b: str | Path, out: str | Path | None = None) -> tuple[pd.DataFrame, Path]:
    """Compare run folders ``a`` and ``b`` (:func:`lib.report.compare.compare_runs`) and write the
    differences to ``out`` (default ``outputs/comparisons/A__vs__B.csv``); returns them and the path.
    Refuses to overwrite a file that ``make compare`` did not make."""
    a, b = resolve(a), resolve(b)
    for folder in (a, b):
        if not (folder / "tables").is_dir():
            raise PipelineError(f"{display_path(folder)} is not a run folder (no tables/)")
    diff = compare_runs(a, b)
    path = resolve(out) if out else OUTPUTS / "comparisons" / f"{a.name}__vs__{b.name}.csv"
    made = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.name not in (manifest.read_manifest(path.parent) or manifest.Manifest()).files:
        raise PipelineError(f"{display_path(path)} exists and was not made by make compare; nothing written")
    diff.to_csv(path, index=False)
    manifest.record_made(path.parent, [path.name], "comparisons", made_folder=made)
    return diff, path
