"""``make compare``: what differs between two run folders, and why (:mod:`lib.report.compare`),
printed and written as a table into ``outputs/comparisons/`` (and, with ``--xlsx``, as a
Norwegian workbook beside it), recorded in that folder's manifest so ``make clean`` may
remove them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lib.chain import data_source, runs
from lib.chain.errors import PipelineError
from lib.core import manifest
from lib.core.paths import OUTPUTS, display_path, resolve
from lib.report import compare as report_compare


def source_of(folder: Path) -> str:
    """The data-source line of the run in ``folder``, from its own run information; the days of
    its data from the default processed folder when that holds the same log (a run with
    ``PROCESSED=`` elsewhere, or one whose processed data were replaced since, gets none)."""
    info = report_compare.run_information(folder)
    seed = info.get("synthetic_seed") if info.get("synthetic_log") == "yes" else None
    own = data_source.source_text(info.get("raw_file"), seed)
    processed = runs.default_processed(folder)
    if (processed / data_source.SOURCE_FILE).exists():
        line = data_source.label(processed)
        if line == own or line.startswith(own + ", "):
            return line
    return own


def _claim(path: Path) -> bool:
    """Whether ``path`` may be written: absent, or made by ``make compare`` (in the manifest)."""
    listed = (manifest.read_manifest(path.parent) or manifest.Manifest()).files
    if path.exists() and path.name not in listed:
        raise PipelineError(f"{display_path(path)} exists and was not made by make compare; nothing written")
    return True


def compare(
    a: str | Path, b: str | Path, out: str | Path | None = None, xlsx: bool = False
) -> tuple[pd.DataFrame, Path, Path | None]:
    """Compare run folders ``a`` and ``b`` (:func:`lib.report.compare.compare_runs`) and write the
    comparison to ``out`` (default ``outputs/comparisons/A__vs__B.csv``) and, with ``xlsx``, to
    the workbook beside it (``.xlsx``); returns it and the paths. Refuses to overwrite a file
    that ``make compare`` did not make (before writing either)."""
    a, b = resolve(a), resolve(b)
    for folder in (a, b):
        if not (folder / "tables").is_dir():
            raise PipelineError(f"{display_path(folder)} is not a run folder (no tables/)")
    diff = report_compare.compare_runs(a, b)
    path = resolve(out) if out else OUTPUTS / "comparisons" / f"{a.name}__vs__{b.name}.csv"
    book = path.with_suffix(".xlsx") if xlsx else None
    made = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, book):
        if p is not None:
            _claim(p)
    # listed before they are written: a write that fails half-way leaves files make compare may replace
    manifest.record_made(path.parent, [p.name for p in (path, book) if p is not None], "comparisons", made_folder=made)
    diff.to_csv(path, index=False)
    if book is not None:
        sources = (source_of(a), source_of(b))
        report_compare.write_xlsx(diff, book, display_path(a), display_path(b), sources)
    return diff, path, book
