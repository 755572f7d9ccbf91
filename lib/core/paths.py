"""Project paths, anchored on the package, never on the working directory.

Notebooks run with their own folder as working directory (papermill, nbval), so every
relative path a notebook parameter gives is resolved against the project root here.

Where results go. Relative paths under ``outputs/`` and ``data/processed/`` (everything a
run writes) are taken from :data:`WRITE_ROOT`: the project root, unless the environment
variable ``KONTAKT_WRITE_ROOT`` names another folder. ``make test`` and ``make notebooks``
set it to a temporary folder, so tests and notebook refreshes never touch the user's
``outputs/`` or ``data/processed/``; raw data and everything else still come from the
project.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
#: Where relative outputs/ and data/processed/ paths go (see the module docstring).
WRITE_ROOT = Path(os.environ.get("KONTAKT_WRITE_ROOT") or PROJ_ROOT).resolve()
LIB_DATA = PROJ_ROOT / "lib" / "core" / "data"
DATA_RAW = PROJ_ROOT / "data" / "raw"
DATA_PROCESSED = WRITE_ROOT / "data" / "processed"
OUTPUTS = WRITE_ROOT / "outputs"
NOTEBOOKS = PROJ_ROOT / "notebooks"
#: Relative path prefixes that belong to :data:`WRITE_ROOT`.
_WRITTEN = (("outputs",), ("data", "processed"))


def resolve(path: str | Path) -> Path:
    """Return ``path`` as an absolute path; relative paths are taken from the project root
    (those under ``outputs/`` and ``data/processed/`` from :data:`WRITE_ROOT`)."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    if any(p.parts[: len(prefix)] == prefix for prefix in _WRITTEN):
        return WRITE_ROOT / p
    return PROJ_ROOT / p


def tables_dir(outputs_dir: str | Path) -> Path:
    """``{outputs_dir}/tables``, created if missing."""
    d = resolve(outputs_dir) / "tables"
    d.mkdir(parents=True, exist_ok=True)
    return d


def figures_dir(outputs_dir: str | Path) -> Path:
    """``{outputs_dir}/figures``, created if missing."""
    d = resolve(outputs_dir) / "figures"
    d.mkdir(parents=True, exist_ok=True)
    return d


#: The file that marks a run's staging folder (``OUT/.staging``, ``processed/.staging``): what
#: a run writes there is moved one level up when the run succeeds (``lib.chain.runs``).
STAGING_MARK = ".kontakt-staging"


def final_path(path: str | Path) -> Path:
    """Where a file a run writes into its staging folder will be once the run succeeds (the
    staging folder, marked by :data:`STAGING_MARK`, left out); any other path as it is."""
    p = resolve(path)
    for folder in p.parents:
        if (folder / STAGING_MARK).is_file():
            return folder.parent / p.relative_to(folder)
    return p


def display_path(path: str | Path) -> str:
    """A path as shown in notebooks and errors: relative to the project root (or to
    :data:`WRITE_ROOT`) when inside it, so committed notebook outputs carry no
    machine-specific absolute paths; a path outside the project whole (its last component
    alone would not say which folder is meant). A file in a run's staging folder is shown
    where the run will put it (:func:`final_path`), so an executed notebook names the files
    its reader will find."""
    p = final_path(path)
    for root in (WRITE_ROOT, PROJ_ROOT):
        try:
            return p.relative_to(root).as_posix()
        except ValueError:
            continue
    return p.as_posix()


def is_within(path: str | Path, folder: str | Path) -> bool:
    """True when ``path`` is ``folder`` or lies inside it (both resolved, links followed)."""
    p, f = resolve(path).resolve(), resolve(folder).resolve()
    return p == f or f in p.parents
