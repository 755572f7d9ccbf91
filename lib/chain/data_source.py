"""Which call log the processed data come from, recorded beside them and printed by every
data notebook (``data source: synthetic log (seed 2023): data/raw/calls_2023.parquet``).

Notebook 01 writes ``{processed_dir}/source.json`` (the raw file's path relative to the
project and the synthetic generator's seed, or none) when it cleans a log; notebooks 02-04
print the line from it, so a notebook's outputs always say what they rest on, and
:mod:`lib.chain.commit_guard` can refuse to commit the outputs of a real export.
"""

from __future__ import annotations

import json
from pathlib import Path

from lib.chain.commit_guard import source_line
from lib.core.manifest import claim
from lib.core.paths import display_path, resolve

SOURCE_FILE = "source.json"


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
    return source_line(seed, raw_file)


def line(processed_dir: str | Path) -> str:
    """The data-source line of the processed data in ``processed_dir``."""
    path = resolve(processed_dir) / SOURCE_FILE
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
