"""Which files a ``RAW`` argument names: one file, a folder of files, or a glob.

A year rarely comes as one file: Excel stops at 1 048 576 rows, and telephony systems export
by month or by quarter. :func:`resolve_raw` turns what the analyst gives (``raw_path`` of
notebook 01, ``RAW=`` of ``make``) into the ordered list of files to read as one log:

* **a file** (``data/raw/export_2023.csv``): that file;
* **a folder** (``data/raw/export_2023/``): every file in it (not in subfolders) whose name
  ends in ``.csv``, ``.txt``, ``.tsv``, ``.gz``, ``.parquet`` or ``.pq``, except hidden
  files and mapping files (``*.columns.csv``, ``columns.csv``);
* **a glob** (``data/raw/export_2023_*.csv``; ``*``, ``?`` and ``[...]``): the files it
  matches, except mapping files;
* **a list** of any of these (Python callers): their files in the order given.

Relative paths are taken from the project root (:func:`lib.core.paths.resolve`). Files are
ordered by name with numbers compared as numbers (``calls_2`` before ``calls_10``), so the
order, the row numbers in messages and the accounting never depend on the file system.
A name that matches nothing, a folder without a call-log file, and a file given twice are
:class:`CallLogError`\\ s saying which. Whether the files are all call logs or all interval
statistics is checked when they are read (:func:`lib.calllog.clean.read_logs`).
"""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from pathlib import Path

from lib.calllog.mapping import is_mapping_file
from lib.calllog.read import CallLogError
from lib.core.paths import display_path, resolve

#: Names a file in a folder must end in to be read as an export.
EXPORT_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", ".gz", ".parquet", ".pq")
_GLOB = re.compile(r"[*?\[]")


def _natural(path: Path) -> list[object]:
    """Sort key: the name with runs of digits compared as numbers."""
    return [int(p) if p.isdigit() else p.casefold() for p in re.split(r"([0-9]+)", path.name)]


def is_glob(raw: str | Path) -> bool:
    """Whether ``raw`` is a glob pattern (holds ``*``, ``?`` or ``[``)."""
    return bool(_GLOB.search(str(raw)))


def _folder_files(folder: Path) -> list[Path]:
    entries = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    files = [p for p in entries if p.name.lower().endswith(EXPORT_SUFFIXES) and not is_mapping_file(p)]
    if not files:
        others = len([p for p in entries if not is_mapping_file(p)])
        raise CallLogError(
            f"call log {display_path(folder)}: the folder holds no call-log file (names ending in "
            f"{', '.join(EXPORT_SUFFIXES)}; {others} other file(s) in it); give the file itself, or put the "
            "export's files in the folder"
        )
    return sorted(files, key=_natural)


def _glob_files(pattern: str | Path) -> list[Path]:
    absolute = resolve(pattern)
    hits = [Path(p) for p in glob.glob(str(absolute))]
    files = [p for p in hits if p.is_file() and not is_mapping_file(p)]
    if not files:
        raise CallLogError(
            f"call log {pattern}: no file matches this pattern (relative patterns start at the project root"
            f"{'; it matches only folders or mapping files' if hits else ''})"
        )
    return sorted(files, key=_natural)


def resolve_raw(raw: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files a ``RAW`` argument names, in reading order (see the module docstring).

    A single path that does not exist is returned as it is, so the reader's message ("file
    not found") names it; a folder without export files, a glob matching no file, and a file
    named twice raise :class:`CallLogError`."""
    if isinstance(raw, (str, Path)):
        if is_glob(raw) and not resolve(raw).exists():
            return _glob_files(raw)
        path = resolve(raw)
        return _folder_files(path) if path.is_dir() else [path]
    files = [f for item in raw for f in resolve_raw(item)]
    if not files:
        raise CallLogError("call log: an empty list of files")
    seen: set[Path] = set()
    for f in files:
        key = f.resolve()
        if key in seen:
            raise CallLogError(f"call log {display_path(f)}: the file is given twice")
        seen.add(key)
    return files


def raw_label(raw: str | Path | Sequence[str | Path], files: list[Path]) -> str:
    """How the log is named in messages: the file (relative to the project root when inside
    it), or the folder / pattern / list as given with the number of files."""
    if len(files) == 1 and isinstance(raw, (str, Path)) and not is_glob(raw) and not resolve(raw).is_dir():
        return display_path(files[0])
    if isinstance(raw, (str, Path)):
        shown = str(raw) if is_glob(raw) else display_path(resolve(raw)) + ("/" if resolve(raw).is_dir() else "")
    else:
        shown = ", ".join(str(r) for r in raw)
    return f"{shown} ({len(files)} file{'s' if len(files) != 1 else ''})"


def file_names(files: list[Path]) -> list[str]:
    """Short names for the files of one log: their names, or their paths as shown when two
    share a name (e.g. the same name in two folders)."""
    names = [f.name for f in files]
    if len(set(names)) == len(names):
        return names
    return [display_path(f) for f in files]
