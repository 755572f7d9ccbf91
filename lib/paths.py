"""Project paths, anchored on the package, never on the working directory.

Notebooks run with their own folder as working directory (papermill, nbval), so every
relative path a notebook parameter gives is resolved against the project root here.
"""

from __future__ import annotations

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[1]
LIB_DATA = PROJ_ROOT / "lib" / "data"
DATA_RAW = PROJ_ROOT / "data" / "raw"
DATA_PROCESSED = PROJ_ROOT / "data" / "processed"
OUTPUTS = PROJ_ROOT / "outputs"
NOTEBOOKS = PROJ_ROOT / "notebooks"


def resolve(path: str | Path) -> Path:
    """Return ``path`` as an absolute path; relative paths are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJ_ROOT / p


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


def display_path(path: str | Path) -> str:
    """A path as shown in notebooks and errors: relative to the project root when inside it,
    so committed notebook outputs carry no machine-specific absolute paths."""
    p = resolve(path)
    try:
        return p.relative_to(PROJ_ROOT).as_posix()
    except ValueError:
        return p.name
