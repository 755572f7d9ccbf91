"""Which call log the processed data come from, recorded beside them and printed by every
data notebook (``data source: synthetic log (seed 2023): data/raw/calls_2023.parquet``).

Notebook 01 writes ``{processed_dir}/source.json`` (the raw file's path relative to the
project and the synthetic generator's seed, or none) when it cleans a log; notebooks 02-04
print the line from it, so a notebook's outputs always say what they rest on, and
:mod:`lib.chain.commit_guard` can refuse to commit the outputs of a real export.

The same record gives every figure its source line (:func:`label`: "Syntetiske data (frø
2023)", or the export's name and the date range of its cleaned calls), which
:func:`line` and :func:`record` hand to :func:`lib.core.plotstyle.set_source`, so every
figure a data notebook saves says what data it shows.
"""

from __future__ import annotations

import json
from pathlib import Path

from lib.chain.commit_guard import source_line
from lib.core import plotstyle
from lib.core.manifest import claim
from lib.core.paths import display_path, resolve

SOURCE_FILE = "source.json"
#: The cleaned data's time column, by processed file (calls, or interval statistics).
TIME_COLUMNS = {"calls_clean.parquet": "arrived_at", "intervals_clean.parquet": "interval_start"}


def record(raw_path: str | Path, processed_dir: str | Path) -> str:
    """Write ``source.json`` for the log at ``raw_path`` (a file, a folder or a glob); return its
    data-source line. Only a single file can be the synthetic log."""
    from lib.calllog.files import raw_label, resolve_raw
    from lib.calllog.synthetic import synthetic_seed

    files = resolve_raw(raw_path)
    if len(files) == 1:
        raw_file, seed = display_path(files[0]), synthetic_seed(files[0])
    else:
        raw_file, seed = raw_label(raw_path, files), None
    folder = resolve(processed_dir)
    folder.mkdir(parents=True, exist_ok=True)
    entry = {"raw_file": raw_file, "synthetic_seed": seed}
    claim(folder / SOURCE_FILE).write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    plotstyle.set_source(lambda: label(processed_dir))
    return source_line(seed, raw_file)


def line(processed_dir: str | Path) -> str:
    """The data-source line of the processed data in ``processed_dir``."""
    path = resolve(processed_dir) / SOURCE_FILE
    plotstyle.set_source(lambda: label(processed_dir))
    if not path.exists():
        return source_line(None, f"unknown ({SOURCE_FILE} missing in {display_path(path.parent)}: run notebook 01)")
    entry = json.loads(path.read_text(encoding="utf-8"))
    return source_line(entry.get("synthetic_seed"), str(entry.get("raw_file")))


def raw_file(processed_dir: str | Path) -> Path | None:
    """The synthetic log the processed data in ``processed_dir`` come from (absolute), or None
    (a real export, several files, or no ``source.json``): where a twin's hidden truth is looked for."""
    path = resolve(processed_dir) / SOURCE_FILE
    if not path.exists():
        return None
    entry = json.loads(path.read_text(encoding="utf-8"))
    if entry.get("synthetic_seed") is None:
        return None
    return resolve(str(entry.get("raw_file")))


def date_range(processed_dir: str | Path) -> tuple[str, str] | None:
    """First and last day (dd.mm.yyyy, Oslo time) of the cleaned data in ``processed_dir``,
    from the Parquet file's column statistics (no row is read); None when unknown."""
    import pandas as pd
    import pyarrow.parquet as pq

    for name, column in TIME_COLUMNS.items():
        path = resolve(processed_dir) / name
        if not path.exists():
            continue
        try:
            meta = pq.ParquetFile(path).metadata
            i = meta.schema.names.index(column)
            stats = [meta.row_group(r).column(i).statistics for r in range(meta.num_row_groups)]
            if not stats or any(s is None or not s.has_min_max for s in stats):
                return None
            lo, hi = min(pd.Timestamp(s.min) for s in stats), max(pd.Timestamp(s.max) for s in stats)
        except (OSError, ValueError):
            return None
        if lo.tzinfo is not None:
            lo, hi = lo.tz_convert("Europe/Oslo"), hi.tz_convert("Europe/Oslo")
        return lo.strftime("%d.%m.%Y"), hi.strftime("%d.%m.%Y")
    return None


def label(processed_dir: str | Path) -> str:
    """The source line under every figure, in Norwegian: "Syntetiske data (frø 2023)" for the
    synthetic log, else "Kilde: <export's name>, <first day>–<last day>" (the days of the
    cleaned data, when they are known)."""
    path = resolve(processed_dir) / SOURCE_FILE
    if not path.exists():
        return "Kilde: ukjent (kjør notatbok 01)"
    entry = json.loads(path.read_text(encoding="utf-8"))
    seed = entry.get("synthetic_seed")
    return source_text(entry.get("raw_file"), seed, None if seed is not None else date_range(processed_dir))


def source_text(raw_file: object, synthetic_seed: object = None, days: tuple[str, str] | None = None) -> str:
    """The source line of a log: "Syntetiske data (frø <seed>)" for the synthetic log, else
    "Kilde: <file's name>" with its first and last day when known."""
    if synthetic_seed is not None:
        return f"Syntetiske data (frø {synthetic_seed})"
    if not raw_file:
        return "Kilde: ukjent"
    return f"Kilde: {Path(str(raw_file)).name}" + (f", {days[0]}–{days[1]}" if days else "")
