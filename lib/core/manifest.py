"""What the project made: a manifest in every folder it writes results into.

A manifest (:data:`MANIFEST`, ``run_manifest.json``) lists the files the project created in
its folder (relative POSIX paths), the sub-folders it created, and whether it created the
folder itself. It is the only licence to replace or remove a file: a run replaces only what
the previous run's manifest lists, ``make clean`` removes only what manifests list, and
anything else in these folders (a user's files, under any name) is never touched.

Runs write their manifests when they succeed (:mod:`lib.chain.runs`). Outside a run (a notebook
run in JupyterLab writes straight into ``outputs/`` and ``data/processed/``), every writer
of the library records the file it wrote with :func:`claim`, so that a later run may
replace it. Inside a run's staging folder :func:`claim` does nothing: the run lists its
files when it moves them into place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lib.core.paths import display_path

#: The manifest file in every folder the project writes results into (and in ``failed_run/``,
#: ``comparisons/``).
MANIFEST = "run_manifest.json"
#: What a manifest says made it: a manifest without it is not the project's and is never obeyed.
MADE_BY = "kontakt-politiet"
#: The file that marks a run's staging folder as the project's (left by a run that died, it
#: may go; a run lists what it made there when it succeeds).
STAGING_MARK = ".kontakt-staging"
#: Sub-folders of an outputs folder whose files belong to the outputs folder's manifest.
OUTPUT_SUBFOLDERS = ("tables", "figures", "notebooks", "html")


class ManifestError(RuntimeError):
    """A manifest cannot be read or trusted; the message names it."""


@dataclass
class Manifest:
    """What the project made in one folder: ``files`` and ``folders`` (POSIX paths relative to
    the folder), and whether it made the folder itself (``made_folder``)."""

    files: set[str] = field(default_factory=set)
    folders: set[str] = field(default_factory=set)
    made_folder: bool = False
    kind: str = "run"

    def to_json(self) -> str:
        """Deterministic JSON (sorted lists): reruns give the same bytes."""
        record = {
            "made_by": MADE_BY,
            "kind": self.kind,
            "made_folder": self.made_folder,
            "folders": sorted(self.folders),
            "files": sorted(self.files),
        }
        return json.dumps(record, indent=1, ensure_ascii=False) + "\n"


def _safe_entry(name: object) -> bool:
    """A manifest entry that stays inside its folder (never absolute, never ``..``)."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def read_manifest(folder: Path) -> Manifest | None:
    """The project's manifest in ``folder``, or ``None`` when there is none. A manifest that is
    not the project's, or lists a path outside its folder, is refused (never obeyed)."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ManifestError(f"{display_path(path)} cannot be read; move it away, nothing was changed") from None
    entries = [*record.get("files", []), *record.get("folders", [])] if isinstance(record, dict) else [None]
    if not isinstance(record, dict) or record.get("made_by") != MADE_BY or not all(map(_safe_entry, entries)):
        raise ManifestError(
            f"{display_path(path)} is not a manifest this project wrote; move it away, nothing was changed"
        )
    return Manifest(
        set(record.get("files", [])),
        set(record.get("folders", [])),
        bool(record.get("made_folder", False)),
        str(record.get("kind", "run")),
    )


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write ``folder``'s manifest atomically (a temporary file renamed over it)."""
    path = folder / MANIFEST
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    os.replace(tmp, path)


def exists(path: Path) -> bool:
    """Whether ``path`` is there (a dangling symbolic link counts)."""
    return path.exists() or path.is_symlink()


def remove_files(folder: Path, names: Iterable[str]) -> None:
    """Remove the listed files of ``folder`` that exist (never a folder)."""
    for name in sorted(names):
        target = folder / name
        if target.is_symlink() or target.is_file():
            target.unlink()


def remove_empty_folders(folder: Path, names: Iterable[str]) -> set[str]:
    """Remove the listed sub-folders that are empty, deepest first; return those left."""
    left = set()
    for name in sorted(names, key=lambda n: -n.count("/")):
        target = folder / name
        if target.is_dir() and not target.is_symlink() and not any(target.iterdir()):
            target.rmdir()
        elif target.is_dir():
            left.add(name)
    return left


def removal_plan(folder: Path, manifest: Manifest) -> list[Path]:
    """What removing ``manifest``'s files from ``folder`` would remove (files that exist,
    then the manifest itself), for :func:`clean` to show before it acts."""
    files = [folder / f for f in sorted(manifest.files) if exists(folder / f)]
    return [*files, folder / MANIFEST]


def remove_made(folder: Path, manifest: Manifest) -> None:
    """Remove what ``manifest`` lists from ``folder``: its files, then its sub-folders that are
    left empty, then the manifest, then the folder itself if the project made it and it is
    empty. Anything else (a user's files) stays, and so do the folders holding it."""
    remove_files(folder, manifest.files)
    remove_empty_folders(folder, manifest.folders)
    (folder / MANIFEST).unlink(missing_ok=True)
    if manifest.made_folder and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def record_made(folder: Path, files: list[str] | set[str], kind: str = "run", made_folder: bool = False) -> None:
    """Add ``files`` (relative to ``folder``) to ``folder``'s manifest (created if missing;
    ``made_folder``: the project just created ``folder``)."""
    manifest = read_manifest(folder) or Manifest(made_folder=made_folder, kind=kind)
    if set(files) <= manifest.files:
        return
    manifest.files |= set(files)
    write_manifest(folder, manifest)


def claim(path: str | Path) -> Path:
    """Record that the project just wrote ``path``, in the manifest of the folder it belongs
    to: the outputs folder for a file in its ``tables/``, ``figures/``, ``notebooks/`` or
    ``html/``, else the file's own folder (a processed folder). Nothing is recorded inside a
    run's staging folder (the run lists its files when it succeeds). Returns ``path``."""
    path = Path(path)
    root = path.parent.parent if path.parent.name in OUTPUT_SUBFOLDERS else path.parent
    if not (root / STAGING_MARK).exists():
        record_made(root, {path.relative_to(root).as_posix()})
    return path
