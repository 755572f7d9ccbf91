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

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lib.core import paths
from lib.core.paths import display_path

#: The manifest file in every folder the project writes results into (and in ``failed_run/``,
#: ``comparisons/``).
MANIFEST = "run_manifest.json"
#: What a manifest says made it: a manifest without it is not the project's and is never obeyed.
MADE_BY = "kontakt-politiet"
#: The file that marks a run's staging folder as the project's (left by a run that died, it
#: may go; a run lists what it made there when it succeeds). Defined with the paths, which
#: show a file in a staging folder where the run puts it (:func:`lib.core.paths.display_path`).
STAGING_MARK = paths.STAGING_MARK
#: Sub-folders of an outputs folder whose files belong to the outputs folder's manifest.
OUTPUT_SUBFOLDERS = ("tables", "figures", "notebooks", "html")


class ManifestError(RuntimeError):
    """A manifest cannot be read or trusted; the message names it."""


@dataclass
class Manifest:
    """What the project made in one folder: ``files`` (POSIX paths relative to the folder, each
    with the sha256 its content had when a run placed it, or ``None`` for a file written
    outside a run, e.g. by a notebook in JupyterLab), ``folders`` (sub-folders the project
    created, relative paths), and whether it made the folder itself (``made_folder``)."""

    files: dict[str, str | None] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)
    made_folder: bool = False
    kind: str = "run"

    def to_json(self) -> str:
        """Deterministic JSON (sorted entries)."""
        record = {
            "made_by": MADE_BY,
            "kind": self.kind,
            "made_folder": self.made_folder,
            "folders": sorted(self.folders),
            "files": dict(sorted(self.files.items())),
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
    files: object = None
    folders: object = None
    if isinstance(record, dict) and record.get("made_by") == MADE_BY:
        files, folders = record.get("files", {}), record.get("folders", [])
        if isinstance(files, list):  # the first manifests listed names only
            files = dict.fromkeys(files)
    if not (
        isinstance(files, dict)
        and isinstance(folders, list)
        and all(map(_safe_entry, [*files, *folders]))
        and all(v is None or isinstance(v, str) for v in files.values())
    ):
        raise ManifestError(
            f"{display_path(path)} is not a manifest this project wrote; move it away, nothing was changed"
        )
    assert isinstance(record, dict)
    return Manifest(dict(files), set(folders), bool(record.get("made_folder", False)), str(record.get("kind", "run")))


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write ``folder``'s manifest atomically (a temporary file renamed over it)."""
    path = folder / MANIFEST
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    os.replace(tmp, path)


def exists(path: Path) -> bool:
    """Whether ``path`` is there (a dangling symbolic link counts)."""
    return path.exists() or path.is_symlink()


def sha256(path: Path) -> str:
    """The sha256 of a file's content, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def inside(folder: Path, name: str) -> bool:
    """Whether ``folder/name`` lies in ``folder`` itself: no folder on the way to it is a
    symbolic link (which would lead elsewhere, perhaps outside the project). The project
    never removes or replaces a file that is not inside."""
    parts = name.split("/")[:-1]
    here = folder
    for part in parts:
        here = here / part
        if here.is_symlink():
            return False
    return True


def remove_files(folder: Path, names: Iterable[str]) -> list[str]:
    """Remove the listed files of ``folder`` that exist and are inside it (:func:`inside`;
    never a folder); returns the names left because a symbolic link leads to them."""
    skipped = []
    for name in sorted(names):
        target = folder / name
        if not inside(folder, name):
            skipped.append(name)
        elif target.is_symlink() or target.is_file():
            target.unlink()
    return skipped


def remove_empty_folders(folder: Path, names: Iterable[str]) -> set[str]:
    """Remove the listed sub-folders that are empty, deepest first; return those left."""
    left = set()
    for name in sorted(names, key=lambda n: -n.count("/")):
        target = folder / name
        if not inside(folder, name) or target.is_symlink():
            continue
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        elif target.is_dir():
            left.add(name)
    return left


def removal_plan(folder: Path, manifest: Manifest) -> list[Path]:
    """What removing ``manifest``'s files from ``folder`` would remove (files that exist and
    are inside it, then the manifest itself), for ``make clean`` to show before it acts."""
    files = [folder / f for f in sorted(manifest.files) if exists(folder / f) and inside(folder, f)]
    return [*files, folder / MANIFEST]


def remove_made(folder: Path, manifest: Manifest) -> None:
    """Remove what ``manifest`` lists from ``folder``: its files, then its sub-folders that are
    left empty, then the manifest, then the folder itself if the project made it and it is
    empty. Anything else (a user's files) stays, and so do the folders holding it."""
    remove_files(folder, manifest.files)
    remove_empty_folders(folder, manifest.folders)
    (folder / MANIFEST).unlink(missing_ok=True)
    if manifest.made_folder and folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
        folder.rmdir()


def record_made(
    folder: Path,
    files: Iterable[str] = (),
    kind: str = "run",
    made_folder: bool = False,
    folders: Iterable[str] = (),
) -> None:
    """Add ``files`` (relative to ``folder``; written outside a run, so with no digest) and
    ``folders`` (sub-folders the project created) to ``folder``'s manifest, created if
    missing (``made_folder``: the project created ``folder`` itself)."""
    existing = read_manifest(folder)
    manifest = existing or Manifest(made_folder=made_folder, kind=kind)
    files, folders = list(files), set(folders)
    unchanged = all(manifest.files.get(f, "") is None for f in files) and folders <= manifest.folders
    if existing is not None and unchanged and (manifest.made_folder or not made_folder):
        return
    manifest.files.update(dict.fromkeys(files))
    manifest.folders |= folders
    manifest.made_folder |= made_folder
    write_manifest(folder, manifest)


def discard(path: str | Path) -> None:
    """Remove ``path`` if the project made it (its folder's manifest lists it, see
    :func:`claim`), e.g. a stale file of an earlier run that would mislead; anything else stays."""
    path = Path(path)
    root = path.parent.parent if path.parent.name in OUTPUT_SUBFOLDERS else path.parent
    name = path.relative_to(root).as_posix()
    if exists(path) and inside(root, name):
        made = read_manifest(root)
        if (made is not None and name in made.files) or (root / STAGING_MARK).exists():
            path.unlink()


def claim(path: str | Path) -> Path:
    """Record that the project just wrote ``path`` outside a run, in the manifest of the folder
    it belongs to: the outputs folder for a file in its ``tables/``, ``figures/``,
    ``notebooks/`` or ``html/``, else the file's own folder (a processed folder). The entry
    has no digest: a later run may replace the file, but a rerun from a later notebook
    (``FROM=``) will not rest on it. Nothing is recorded inside a run's staging folder (the
    run lists its files when it succeeds). Returns ``path``."""
    path = Path(path)
    root = path.parent.parent if path.parent.name in OUTPUT_SUBFOLDERS else path.parent
    if not (root / STAGING_MARK).exists():
        record_made(root, [path.relative_to(root).as_posix()])
    return path
