"""Run folders: everything one run writes belongs to that run, is listed in its manifest, and
replaces the previous run's results only when the whole run has succeeded.

A run has two folders (:class:`RunFolders`): its **outputs** folder (``OUT``, default
``outputs/``: tables, figures, executed notebooks, HTML, run information) and its
**processed** folder (call-level data: the cleaned log, the arrival rates, rejected rows,
id conflicts), which is never inside an outputs folder (privacy by construction). The
default run's processed folder is ``data/processed/``; a run into ``outputs/NAME`` keeps
its processed data in ``data/processed/runs/NAME`` (:func:`default_processed`), so two runs
never share files.

**A run knows what it made.** Each folder a run writes holds its manifest
(:data:`MANIFEST`, ``run_manifest.json``): the files the run created there, the
sub-folders it created, and whether it created the folder itself. Only what a manifest
lists is ever replaced or removed, by a later run or by ``make clean``; a file a user put
anywhere, under any name (``tables/my_table.csv``, ``figures/holiday.png``), is never
touched. A run whose result would land on a file that no manifest lists stops instead of
overwriting it.

A run (:func:`lock`, :func:`start`, :func:`commit`, :func:`fail`):

1. takes a lock on both folders (a second run into the same folder is refused, naming the
   first run's process; a lock left by a dead process is taken over). A run refused before
   it wrote anything leaves nothing behind: no lock, no empty folder;
2. writes into ``.staging/`` inside each folder, after checking both can be written and
   have room for it (:func:`check_space`);
3. on success, moves its files into place one by one (``os.replace``: atomic on one file
   system), after removing the previous run's files that it did not make again, so no
   file of an earlier run is left looking current. The manifest is rewritten first as the
   union of both runs' files, so an interruption half-way still leaves every file the
   project made listed; ``run_info.csv`` goes last;
4. on failure, leaves the previous results untouched, first discards its partial
   call-level data (which also frees the most space when a disk is full), keeps the rows it
   set aside (``rejected_rows.parquet``) in ``failed_run/`` of the processed folder, and
   moves its partial outputs to ``OUT/failed_run/`` with ``FAILED.txt`` (notebook, cell,
   error). Each ``failed_run/`` has a manifest of its own.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lib.core.manifest import (
    MANIFEST,
    OUTPUT_SUBFOLDERS,
    STAGING_MARK,
    Manifest,
    ManifestError,
    exists,
    inside,
    read_manifest,
    record_made,
    remove_empty_folders,
    remove_files,
    remove_made,
    sha256,
    write_manifest,
)
from lib.core.paths import DATA_PROCESSED, OUTPUTS, display_path, is_within, resolve

STAGING = ".staging"
FAILED = "failed_run"
FAILED_NOTE = "FAILED.txt"
COMPARISONS = "comparisons"
LOCK = ".lock"
PROVENANCE = "provenance.json"
RUN_INFO = "run_info.csv"
RUN_TIMES = "run_times.json"
WORKBOOK = "tables/results.xlsx"
#: Folder names a run folder may not have (nor any folder on its way below ``outputs/``):
#: the project's own sub-folders, whose manifests a run or ``make clean`` obeys.
RESERVED = (STAGING, FAILED, COMPARISONS, *OUTPUT_SUBFOLDERS)
#: The call-level files a run writes into its processed folder (a run from a later notebook
#: copies the earlier run's, :func:`seed_from_previous`).
PROCESSED_FILES = (
    "calls_clean.parquet",
    "intervals_clean.parquet",
    "arrival_rates.parquet",
    "rejected_rows.parquet",
    "id_conflicts.parquet",
    "source.json",
    PROVENANCE,
)
#: Bytes a run needs in its outputs folder beyond what grows with the log: executed
#: notebooks, HTML pages, figures, tables and the workbook (the synthetic year's run: about
#: 10 MB), with room to spare for larger figures and notebooks.
OUTPUTS_BYTES = 40 * 2**20
#: Bytes of processed data per call in the log (cleaned log, id conflicts, rejected rows;
#: measured: about 16 B a call for the synthetic year's 27 MB), with room to spare.
PROCESSED_BYTES_PER_CALL = 40
#: Fewest bytes a CSV row of the contract takes (the synthetic year's rows take about 75).
CSV_BYTES_PER_ROW = 40
#: Most a gzip-compressed CSV of calls shrinks (the synthetic year's: about 4).
GZIP_RATIO = 8


class RunError(ManifestError):
    """A run cannot start or finish; the message says why and what to do (a manifest that
    cannot be trusted is one such reason, hence the base class)."""


class DiskFullError(RunError):
    """A file system of the run is full (or would be); the message names the folder."""


@dataclass(frozen=True)
class RunFolders:
    """The two folders of a run: ``outputs`` (aggregates) and ``processed`` (call-level)."""

    outputs: Path
    processed: Path

    @classmethod
    def of(cls, outputs: str | Path, processed: str | Path | None = None) -> RunFolders:
        """The folders of a run into ``outputs``; ``processed`` defaults to
        :func:`default_processed`. Paths are normalised (``a/../b`` is ``b``). Refuses a
        processed folder inside an outputs folder, a folder named like one of the project's
        own sub-folders (:data:`RESERVED`), and a file where a folder should be."""
        out = _normal(resolve(outputs))
        proc = default_processed(out) if processed is None else _normal(resolve(processed))
        for folder in (out, OUTPUTS):
            if is_within(proc, folder):
                raise RunError(
                    f"processed_dir {display_path(proc)} lies inside the outputs folder {display_path(folder)}: "
                    "call-level data (calls_clean.parquet, rejected_rows.parquet, call ids) never go into an "
                    "outputs folder, which holds aggregates only; choose a processed folder outside it"
                )
        if is_within(out, proc):
            raise RunError(
                f"the outputs folder {display_path(out)} lies inside the processed folder {display_path(proc)}"
            )
        for folder, root, what in ((out, OUTPUTS, "OUT"), (proc, DATA_PROCESSED, "processed_dir")):
            parts = folder.relative_to(root).parts if is_within(folder, root) else (folder.name,)
            reserved = [p for p in parts if p in RESERVED]
            if reserved:
                raise RunError(
                    f"{what} {display_path(folder)} is named like the project's own folder {reserved[0]!r}, whose "
                    f"contents runs and make clean manage; choose another name (reserved: {', '.join(RESERVED)})"
                )
            if exists(folder) and not folder.is_dir():
                raise RunError(f"{what} {display_path(folder)} is a file, not a folder; choose a folder")
        return cls(out, proc)

    @property
    def staging(self) -> RunFolders:
        """Where this run writes until it succeeds."""
        return RunFolders(self.outputs / STAGING, self.processed / STAGING)

    @property
    def both(self) -> tuple[Path, Path]:
        """``(outputs, processed)``."""
        return self.outputs, self.processed


def _normal(path: Path) -> Path:
    return Path(os.path.normpath(path))


def default_processed(outputs: Path) -> Path:
    """The processed folder of a run into ``outputs``: ``data/processed`` for ``outputs/``;
    ``data/processed/runs/NAME`` for ``outputs/NAME`` (one folder level without ``__``);
    otherwise the relative path's parts joined by ``__`` and a short hash of the path
    (``outputs/a/b`` and ``outputs/a__b`` must not share a folder); for a folder outside
    ``outputs/``, its name and a hash of its absolute path."""
    out = _normal(resolve(outputs))
    if out == OUTPUTS:
        return DATA_PROCESSED
    try:
        rel = out.relative_to(OUTPUTS).as_posix()
    except ValueError:
        return DATA_PROCESSED / "runs" / f"{out.name}-{_short_hash(str(out))}"
    if "/" not in rel and "__" not in rel:
        return DATA_PROCESSED / "runs" / rel
    return DATA_PROCESSED / "runs" / f"{rel.replace('/', '__')}-{_short_hash(rel)}"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


# --- what runs made (manifests: lib.core.manifest) -----------------------------------------------


def _files_in(folder: Path) -> set[str]:
    """Every file below ``folder`` (relative POSIX paths), without the project's markers."""
    skip = {MANIFEST, STAGING_MARK, LOCK}
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir() and p.name not in skip}


def _place(live: Path, staged: Path, names: Iterable[str], made: set[str]) -> None:
    """Move each staged file to the same relative place in ``live`` (``os.replace``), making
    the folders it needs; adds the folders it made to ``made``."""
    for name in names:
        target = live / name
        parent = target.parent
        missing = []
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            folder.mkdir()
            made.add(folder.relative_to(live).as_posix())
        os.replace(staged / name, target)


def in_the_way(live: Path, names: Iterable[str], ours: Manifest | None) -> list[str]:
    """What in ``live`` a run's ``names`` would replace although no manifest lists it (a user's
    file, or a file or symbolic link where a folder is needed): names, sorted."""
    files = {} if ours is None else ours.files
    found = set()
    for name in names:
        if name not in files and exists(live / name):
            found.add(name)
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            above = "/".join(parts[:i])
            if (live / above).is_symlink() or (exists(live / above) and not (live / above).is_dir()):
                found.add(above)
    return sorted(found)


def refuse_clashes(clashes: dict[Path, list[str]], early: bool) -> None:
    """One error naming every file in the way in every folder (:func:`in_the_way`)."""
    clashes = {folder: names for folder, names in clashes.items() if names}
    if not clashes:
        return
    parts = []
    for folder, names in clashes.items():
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        parts.append(f"{len(names)} in {display_path(folder)} ({shown})")
    when = "this run would write" if early else "this run's results would replace"
    raise RunError(
        f"files that {when} are not listed in a {MANIFEST} (your own files, an executed notebook you saved "
        f"there, or results of a run made before runs kept manifests): {'; '.join(parts)}. Nothing was "
        "replaced; move them elsewhere (or delete what you do not need), or give this run another folder "
        "(make report OUT=...)"
    )


def check_clashes(folders: RunFolders, outputs_names: Iterable[str], processed_names: Iterable[str]) -> None:
    """Before a run: refuse when any file it will write (the names known in advance) would
    land on a file no manifest lists, naming every one in both folders."""
    clashes = {
        live: in_the_way(live, names, read_manifest(live))
        for live, names in ((folders.outputs, list(outputs_names)), (folders.processed, list(processed_names)))
    }
    refuse_clashes(clashes, early=True)


# --- the lock -----------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_holder(path: Path) -> int | None:
    """The live process holding the lock file ``path`` (not this one), or ``None`` when the
    lock was left by a process that died (or is not a lock this project wrote)."""
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid > 0 and pid != os.getpid() and _alive(pid) else None


def _take(folder: Path, advice: str) -> Path:
    path = folder / LOCK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid = lock_holder(path)
            if pid is not None:
                raise RunError(f"another run (process {pid}) is writing to {display_path(folder)}; {advice}") from None
            path.unlink(missing_ok=True)  # left by a run that died
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return path
    raise RunError(f"could not take the lock {display_path(path)}")


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the folders created, outermost first."""
    missing = []
    parent = folder
    while not exists(parent):
        missing.append(parent)
        parent = parent.parent
    folder.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


@contextmanager
def lock(folders: RunFolders, rerun: bool = False) -> Iterator[dict[Path, bool]]:
    """Hold the lock of both folders for the duration of a run (refuse a second run); yields,
    for each folder, whether the project made it (its manifest says so, or this call
    created it), for the manifest.

    On the way out the locks go, and so does every folder this call created that holds
    nothing: a run refused before it wrote anything leaves no trace. A folder it created
    that holds something is recorded as the project's (:func:`_record_created`), so that
    ``make clean`` can remove it once it is empty again. ``rerun``: a run from a later
    notebook (only the same folders will do, so the advice differs)."""
    advice = (
        "wait for it to finish (a rerun from a later notebook needs this run's folders)"
        if rerun
        else "wait for it to finish, or give this run another folder (make report OUT=outputs/NAME)"
    )
    created: list[Path] = []
    taken: list[Path] = []
    made: dict[Path, bool] = {}
    try:
        try:
            for folder in folders.both:
                new = _make_folder(folder)
                created += new
                taken.append(_take(folder, advice))
                previous = read_manifest(folder)
                made[folder] = bool(new) or (previous is not None and previous.made_folder)
        except OSError as err:
            raise RunError(
                f"cannot write to the run's folders: {err.strerror}: {display_path(err.filename or '')}"
            ) from None
        yield made
    finally:
        for path in taken:
            path.unlink(missing_ok=True)
        for folder in reversed(created):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        _record_created(folders, created)


def _record_created(folders: RunFolders, created: list[Path]) -> None:
    """Record the folders a run created and that are still there: a run folder in its own
    manifest (``made_folder``), a folder above it (``OUT=outputs/a/b`` makes ``outputs/a``) in
    the manifest of the folder holding it, when that lies in ``outputs/`` or ``data/processed/``."""
    for folder in created:
        if not folder.is_dir():
            continue
        try:
            if folder in folders.both:
                record_made(folder, made_folder=True)
            elif any(is_within(folder, root) and folder != root for root in (OUTPUTS, DATA_PROCESSED)):
                record_made(folder.parent, folders=[folder.name], made_folder=folder.parent in created)
        except (OSError, ManifestError):
            pass  # a full disk or a manifest that is not ours: the folder stays unrecorded


def has_results(folders: RunFolders) -> bool:
    """Whether the outputs folder holds a previous run's results (its manifest lists
    ``run_info.csv``)."""
    try:
        listed = read_manifest(folders.outputs)
    except ManifestError:
        return True  # not ours to judge: say nothing changed rather than that nothing was there
    return listed is not None and RUN_INFO in listed.files and (folders.outputs / RUN_INFO).is_file()


def refuse_unlisted_run(folders: RunFolders) -> None:
    """Refuse, before anything runs, a folder holding a run made before runs kept manifests
    (``run_info.csv`` or ``provenance.json`` beside no manifest): its files cannot be told
    from a user's, so no run may replace them, and finding that out at the end would waste
    the run."""
    for folder, mark in ((folders.outputs, RUN_INFO), (folders.processed, PROVENANCE)):
        if (folder / mark).is_file() and read_manifest(folder) is None:
            raise RunError(
                f"{display_path(folder)} holds the results of a run made before runs kept manifests ({mark}, no "
                f"{MANIFEST}): they cannot be told from your own files, so no run replaces them. Delete or move "
                "that run's files (tables/, figures/, notebooks/, html/, run_info.csv, run_times.json; in a "
                "processed folder the .parquet and .json files), or give this run another folder (make report OUT=...)"
            )


# --- space ------------------------------------------------------------------------------------------


def estimate_rows(raw: Path | list[Path]) -> int:
    """Calls in the log at ``raw``, for the space check: exact for Parquet (its metadata),
    else an upper estimate from the size (a CSV row takes at least :data:`CSV_BYTES_PER_ROW`
    bytes; gzip shrinks one by at most :data:`GZIP_RATIO`). 0 when it cannot be told (the
    reader then says what is wrong with the file); several files: their sum."""
    if isinstance(raw, list):
        return sum(estimate_rows(f) for f in raw)
    try:
        with open(raw, "rb") as fh:
            magic = fh.read(4)
        if magic == b"PAR1":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(raw).metadata.num_rows)
        size = raw.stat().st_size
    except Exception:  # any unreadable file: the reader reports it properly
        return 0
    return size * (GZIP_RATIO if magic[:2] == b"\x1f\x8b" else 1) // CSV_BYTES_PER_ROW


def needed_bytes(raw_rows: int) -> tuple[int, int]:
    """Bytes a run needs in (outputs, processed) for a log of ``raw_rows`` calls: the
    staging copy lives beside the previous results until it replaces them."""
    return OUTPUTS_BYTES, raw_rows * PROCESSED_BYTES_PER_CALL


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB".replace(",", " ")


#: What to do when a disk is too small: where each of the run's folders can be sent.
MORE_SPACE = (
    "free space, or put the run's folders on another disk (make report OUT=PATH for the outputs, "
    "PROCESSED=PATH for the call-level data)"
)


def check_space(folders: RunFolders, raw_rows: int) -> None:
    """Refuse a run before it starts when a folder's file system has less room than the run
    needs (:func:`needed_bytes`; both folders' needs added where they share a file system)."""
    needs = dict(zip(folders.both, needed_bytes(raw_rows), strict=True))
    names = {folders.outputs: "outputs", folders.processed: "call-level data"}
    by_device: dict[int, list[Path]] = {}
    for folder in folders.both:
        by_device.setdefault(folder.stat().st_dev, []).append(folder)
    for group in by_device.values():
        need = sum(needs[f] for f in group)
        free = shutil.disk_usage(group[0]).free
        if free < need:
            what = "; ".join(f"{names[f]} about {_mb(needs[f])}" for f in group)
            calls = f"{raw_rows:,}".replace(",", " ")
            raise DiskFullError(
                f"not enough free space for this run on {display_path(group[0])}: {_mb(free)} free, the run needs "
                f"about {_mb(need)} there ({what}; for {calls} calls); nothing was written. {MORE_SPACE[0].upper()}"
                f"{MORE_SPACE[1:]}"
            )


def is_disk_full(err: BaseException) -> bool:
    """Whether ``err`` (or the text of a notebook's error) says a disk is full."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(err)
    return "No space left on device" in text or "Disk quota exceeded" in text or "[Errno 28]" in text


def full_disk_message(folders: RunFolders, raw_rows: int) -> str:
    """What a full disk means for this run: which folder, what is free now, what the run needs.
    Called after the run's partial call-level data were removed."""
    out_need, proc_need = needed_bytes(raw_rows)
    parts = []
    for folder, need in ((folders.outputs, out_need), (folders.processed, proc_need)):
        try:
            free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
        except OSError:
            continue
        parts.append((free, folder, need))
    free, folder, _ = min(parts, key=lambda p: p[0]) if parts else (0, folders.outputs, 0)
    return (
        f"no space left on {display_path(folder)} ({_mb(free)} free now that the run's partial data are removed); "
        f"a run needs about {_mb(out_need)} for its outputs and {_mb(proc_need)} for its call-level data: "
        f"{MORE_SPACE}"
    )


# --- staging, success and failure -----------------------------------------------------------


def start(folders: RunFolders) -> RunFolders:
    """Fresh, empty staging folders (after a check that both can be written); returns them.

    A staging folder left by a run that died (it carries :data:`STAGING_MARK`) is removed;
    a ``.staging`` folder that is not the project's is refused, never removed."""
    stage = folders.staging
    for folder in stage.both:
        if exists(folder) and not (folder / STAGING_MARK).is_file():
            raise RunError(
                f"{display_path(folder)} exists but was not made by a run; move it away (nothing was written)"
            )
    for folder in stage.both:
        try:
            if folder.exists():
                shutil.rmtree(folder)  # left by a run that died; we hold the lock
            folder.mkdir()
            (folder / STAGING_MARK).write_bytes(b"")
        except OSError as err:
            discard_staging(stage)
            if is_disk_full(err):
                raise DiskFullError(f"no space left on {display_path(folder.parent)}; nothing was written") from None
            raise RunError(
                f"cannot write to {display_path(folder.parent)}: {err.strerror}; nothing was written. "
                "Choose a folder you can write to (make report OUT=...)"
            ) from None
    return stage


def discard_staging(stage: RunFolders) -> None:
    """Remove the staging folders (the project's own, see :func:`start`)."""
    for folder in stage.both:
        if (folder / STAGING_MARK).is_file():
            shutil.rmtree(folder, ignore_errors=True)


def _seed_files(folders: RunFolders, notebooks_before: list[str]) -> dict[Path, list[str]]:
    """What a run from a later notebook copies from the previous run: its processed files,
    and the tables, figures, notebooks and HTML of the notebooks it does not re-run."""
    processed = read_manifest(folders.processed) or Manifest()
    outputs = read_manifest(folders.outputs) or Manifest()
    keep = {f"notebooks/{stem}.ipynb" for stem in notebooks_before} | {f"html/{stem}.html" for stem in notebooks_before}
    return {
        folders.processed: [n for n in PROCESSED_FILES if n in processed.files],
        folders.outputs: [n for n in sorted(outputs.files) if n.split("/")[0] in ("tables", "figures") or n in keep],
    }


def check_seed(folders: RunFolders, notebooks_before: list[str]) -> None:
    """Refuse a run from a later notebook when a file it would rest on changed since the run
    that made it (a notebook run in JupyterLab or with papermill writes straight into the run's
    folders): only files a run placed, unchanged, carry on."""
    changed = []
    for live, names in _seed_files(folders, notebooks_before).items():
        listed = (read_manifest(live) or Manifest()).files
        for name in names:
            digest = listed.get(name)
            if not inside(live, name) or not (live / name).is_file() or digest is None or sha256(live / name) != digest:
                changed.append(display_path(live / name))
    if changed:
        shown = ", ".join(changed[:4]) + (f" and {len(changed) - 4} more" if len(changed) > 4 else "")
        raise RunError(
            f"cannot rerun from a later notebook: {len(changed)} file(s) of the previous run changed after it "
            f"(written by a notebook run outside make report?): {shown}; run the whole chain (without FROM=)"
        )


def seed_from_previous(folders: RunFolders, stage: RunFolders, notebooks_before: list[str]) -> None:
    """For a run from a later notebook: copy what :func:`_seed_files` names (checked by
    :func:`check_seed`) into the staging folders. Only files the previous run's manifests
    list are copied: a file of the user's in these folders never becomes part of a run."""
    for live, names in _seed_files(folders, notebooks_before).items():
        staged = stage.processed if live == folders.processed else stage.outputs
        for name in names:
            (staged / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(live / name, staged / name)


def _staged(stage: Path) -> set[str]:
    return _files_in(stage) if stage.is_dir() else set()


def commit(folders: RunFolders, stage: RunFolders, made: dict[Path, bool]) -> None:
    """The run succeeded: its files replace the previous run's, in both folders.

    Refuses (:class:`RunError`, nothing moved) when a result would replace a file no
    manifest lists, naming every one in both folders. Then, per folder: the manifest becomes
    the union of the previous and the new run's files; the previous run's files that this
    run did not make again are removed; the new files are moved into place (``run_info.csv``
    last); the manifest becomes the new run's, each file with its sha256; folders the
    previous run made and that are now empty go. The staging folders and the previous
    ``failed_run/`` go last. ``made``: from :func:`lock`."""
    plans = []
    clashes = {}
    for live, staged in ((folders.processed, stage.processed), (folders.outputs, stage.outputs)):
        new = _staged(staged)
        old = read_manifest(live)
        clashes[live] = in_the_way(live, new, old)
        digests: dict[str, str | None] = {name: sha256(staged / name) for name in new}
        plans.append((live, staged, digests, old or Manifest(made_folder=made.get(live, False))))
    refuse_clashes(clashes, early=False)
    for live, staged, digests, old in plans:
        new = set(digests)
        write_manifest(live, Manifest({**old.files, **digests}, set(old.folders), old.made_folder))
        remove_files(live, sorted(set(old.files) - new, key=lambda n: n != RUN_INFO))  # the old run_info first
        created: set[str] = set()
        _place(live, staged, sorted(new, key=lambda n: n == RUN_INFO), created)  # the new run_info last
        folders_now = {f for f in old.folders | created if (live / f).is_dir()}
        needed = {f for f in folders_now if any(n.startswith(f + "/") for n in new)}
        left = remove_empty_folders(live, folders_now - needed)
        write_manifest(live, Manifest(digests, needed | left, old.made_folder))
    discard_staging(stage)
    for live in folders.both:
        clear_failed(live)


def clear_failed(live: Path) -> None:
    """Remove what the project made in ``live/failed_run`` (by its manifest)."""
    failed = live / FAILED
    manifest = read_manifest(failed) if failed.is_dir() and not failed.is_symlink() else None
    if manifest is not None:
        remove_made(failed, manifest)


@dataclass
class FailedRun:
    """Where a failed run's outputs went (``folder``), whether its ``FAILED.txt`` was written
    there, which of its files could not be placed because a file of the user's holds their
    place (``dropped``), and where the rows it set aside are (``kept_rows``), if any."""

    folder: Path
    note_written: bool = False
    dropped: list[str] = field(default_factory=list)
    kept_rows: str | None = None


def fail(folders: RunFolders, stage: RunFolders, message: str | Callable[[], str]) -> tuple[FailedRun, str]:
    """The run failed: previous results stay; the partial call-level data are removed first
    (the rows set aside excepted, kept in the processed folder's ``failed_run/``); the
    partial outputs move to ``OUT/failed_run`` with ``FAILED.txt``.

    ``message``: what went wrong, or a function giving it (called once the partial data are
    removed, e.g. to measure the free space then). The staging paths it names are replaced
    by where the files are now (:func:`failure_text`). Never raises for a file system error
    (a full disk above all): what cannot be written is skipped, and said so. Returns what
    happened and the message."""
    failed = FailedRun(folders.outputs / FAILED)
    try:
        rejected = stage.processed / "rejected_rows.parquet"
        if rejected.is_file():  # the analyst needs them to see why; call-level, so with the processed data
            if not _replace_failed(folders.processed, stage.processed, {rejected.name}):
                failed.kept_rows = display_path(folders.processed / FAILED / rejected.name)
    except (OSError, ManifestError):
        pass
    if (stage.processed / STAGING_MARK).is_file():
        shutil.rmtree(stage.processed, ignore_errors=True)
    text = message() if callable(message) else message
    text = failure_text(text, folders, failed.folder, failed.kept_rows)
    try:
        failed.dropped = _replace_failed(folders.outputs, stage.outputs, _staged(stage.outputs))
        manifest = read_manifest(failed.folder) or Manifest(kind=FAILED)
        if not exists(failed.folder / FAILED_NOTE) or FAILED_NOTE in manifest.files:
            manifest.files[FAILED_NOTE] = None
            write_manifest(failed.folder, manifest)
            note = (
                f"This run FAILED; its partial outputs are here, the previous results in "
                f"{display_path(folders.outputs)} are unchanged.\n{text}\n"
            )
            try:
                (failed.folder / FAILED_NOTE).write_text(note, encoding="utf-8")
                failed.note_written = True
            except OSError:
                (failed.folder / FAILED_NOTE).unlink(missing_ok=True)  # no empty note that says nothing
                raise
    except (OSError, ManifestError):
        pass  # a full disk: the terminal still gets the message
    discard_staging(stage)
    return failed, text


def _replace_failed(live: Path, staged: Path, names: set[str]) -> list[str]:
    """Replace ``live/failed_run``'s project files by the staged ``names``; returns the names
    dropped because a user's file holds their place there (the user's file stays)."""
    failed = live / FAILED
    if failed.is_symlink():
        return sorted(names)
    made_now = not failed.exists()
    failed.mkdir(exist_ok=True)
    old = read_manifest(failed) or Manifest(made_folder=made_now, kind=FAILED)
    remove_files(failed, old.files)
    remove_empty_folders(failed, old.folders)
    clash = set(in_the_way(failed, names, None))
    moving = sorted(n for n in names if n not in clash and not any(n.startswith(c + "/") for c in clash))
    created: set[str] = set()
    manifest = Manifest(dict.fromkeys(moving), set(), old.made_folder, FAILED)
    write_manifest(failed, manifest)  # listed before they arrive: an interruption leaves them known
    _place(failed, staged, moving, created)
    manifest.folders = created | {f for f in old.folders if (failed / f).is_dir()}
    write_manifest(failed, manifest)
    return sorted(set(names) - set(moving))


def failure_text(text: str, folders: RunFolders, failed: Path, kept_rows: str | None) -> str:
    """A notebook's error text with the staging paths it names (which are gone after the run)
    replaced by where those files are now: ``failed_run/`` (outputs, rows set aside). A notebook
    names a staged file where a successful run would have put it (``display_path``); each file
    the run staged is therefore also renamed from there to ``failed_run/``, where it goes now."""
    stage = folders.staging
    for name in sorted(_staged(stage.outputs), key=len, reverse=True):
        text = text.replace(display_path(folders.outputs / name), display_path(failed / name))
    if kept_rows:
        # named inside the staging folder, or (display_path while the run ran) where it would have gone
        for where in (stage.processed / "rejected_rows.parquet", folders.processed / "rejected_rows.parquet"):
            text = text.replace(display_path(where), kept_rows)
    return text.replace(display_path(stage.outputs), display_path(failed))


# --- provenance of the processed data (for runs from a later notebook) ----------------------


def file_digest(path: Path) -> tuple[int, str]:
    """Size (bytes) and sha256 of a file."""
    return path.stat().st_size, sha256(path)


def _digests(raw: list[Path]) -> list[dict[str, object]]:
    return [{"file": display_path(f), "size_bytes": size, "sha256": sha} for f in raw for size, sha in [file_digest(f)]]


def write_provenance(processed: Path, raw: list[Path], early_overrides: dict[str, object]) -> None:
    """Record which raw files (and which cleaning/rate assumptions) the processed data come from."""
    record = {"raw_files": _digests(raw), "overrides": early_overrides}
    (processed / PROVENANCE).write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")


#: The cleaned log a run leaves in its processed folder: the calls, or interval statistics.
CLEANED = ("calls_clean.parquet", "intervals_clean.parquet")


def check_provenance(processed: Path, raw: list[Path], early_overrides: dict[str, object]) -> None:
    """Refuse a run from a later notebook when the run's processed data are missing or came
    from other raw files or other cleaning/rate assumptions."""
    path = processed / PROVENANCE
    missing = [] if any((processed / n).exists() for n in CLEANED) else [" or ".join(CLEANED)]
    missing += [n for n in ("arrival_rates.parquet",) if not (processed / n).exists()]
    if missing or not path.exists():
        raise RunError(
            f"cannot rerun from a later notebook: {display_path(processed)} holds no complete processed data of an "
            f"earlier run ({', '.join(missing) or PROVENANCE} missing); run the whole chain first (without FROM=)"
        )
    record = json.loads(path.read_text())
    then = [(d.get("file"), d.get("sha256")) for d in record.get("raw_files", [])]
    now = [(d["file"], d["sha256"]) for d in _digests(raw)]
    if [sha for _, sha in then] != [sha for _, sha in now]:
        shown = ", ".join(str(f) for f, _ in then) or "an unknown file"
        raise RunError(
            f"cannot rerun from a later notebook: the processed data in {display_path(processed)} came from "
            f"{shown}, not from {', '.join(str(f) for f, _ in now)} (different sha256); run the whole chain on this "
            "export (without FROM=)"
        )
    before = dict(record.get("overrides", {}))
    current = json.loads(json.dumps(early_overrides, default=str))
    if before != current:
        raise RunError(
            "cannot rerun from a later notebook: the cleaning or rate assumptions differ from those the processed "
            f"data were made with ({_then_and_now(before, current)}); run the whole chain (without FROM=)"
        )


def _then_and_now(before: dict[str, object], now: dict[str, object]) -> str:
    """The assumptions that differ, in words: ``outlier_threshold_s: not set then, 1200 now``."""

    def shown(d: dict[str, object], name: str) -> str:
        return str(d[name]) if name in d else "not set"

    names = sorted(n for n in set(before) | set(now) if before.get(n, object()) != now.get(n, object()))
    return "; ".join(f"{n}: {shown(before, n)} then, {shown(now, n)} now" for n in names)
