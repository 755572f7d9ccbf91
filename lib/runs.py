"""Run folders: everything one run writes belongs to that run, and replaces the previous
run's results only when the whole run has succeeded.

A run has two folders (:class:`RunFolders`): its **outputs** folder (``OUT``, default
``outputs/``: tables, figures, executed notebooks, HTML, run information) and its
**processed** folder (call-level data: the cleaned log, the arrival rates, rejected rows,
id conflicts), which is never inside an outputs folder (privacy by construction). The
default run's processed folder is ``data/processed/``; a run into ``outputs/NAME`` keeps
its processed data in ``data/processed/runs/NAME``, so two runs never share files.

A run (:func:`lock`, :func:`start`, :func:`commit`, :func:`fail`):

1. takes a lock on both folders (a second run into the same folder is refused, naming the
   first run's process; a lock left by a dead process is taken over);
2. writes into ``.staging/`` inside each folder, after checking both can be written;
3. on success, swaps each entry it owns (:data:`OUTPUT_ENTRIES`, :data:`PROCESSED_ENTRIES`)
   into place and removes the previous run's entries the new run did not make, so no file
   of an earlier run is left looking current;
4. on failure, leaves the previous results untouched, moves its own partial outputs to
   ``OUT/failed_run/`` with ``FAILED.txt`` (notebook, cell, error) and discards its
   partial call-level data, except the rows it set aside (``rejected_rows.parquet``,
   moved to ``failed_run/`` in the processed folder, so the analyst can see why).

Entries that a run does not own (anything a user put in these folders) are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lib.paths import DATA_PROCESSED, OUTPUTS, display_path, is_within, resolve

#: What a run writes into its outputs folder (everything else there is left alone).
OUTPUT_ENTRIES = ("tables", "figures", "notebooks", "html", "run_info.csv", "run_times.json")
#: What a run writes into its processed folder.
PROCESSED_ENTRIES = (
    "calls_clean.parquet",
    "arrival_rates.parquet",
    "rejected_rows.parquet",
    "id_conflicts.parquet",
    "source.json",
    "provenance.json",
)
STAGING = ".staging"
FAILED = "failed_run"
FAILED_NOTE = "FAILED.txt"
LOCK = ".lock"
PROVENANCE = "provenance.json"
_OLD = ".previous-"


class RunError(RuntimeError):
    """A run cannot start or finish; the message says why and what to do."""


@dataclass(frozen=True)
class RunFolders:
    """The two folders of a run: ``outputs`` (aggregates) and ``processed`` (call-level)."""

    outputs: Path
    processed: Path

    @classmethod
    def of(cls, outputs: str | Path, processed: str | Path | None = None) -> RunFolders:
        """The folders of a run into ``outputs``; ``processed`` defaults to
        :func:`default_processed`. Refuses a processed folder inside an outputs folder."""
        out = resolve(outputs)
        proc = default_processed(out) if processed is None else resolve(processed)
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
        return cls(out, proc)

    @property
    def staging(self) -> RunFolders:
        """Where this run writes until it succeeds."""
        return RunFolders(self.outputs / STAGING, self.processed / STAGING)


def default_processed(outputs: Path) -> Path:
    """The processed folder of a run into ``outputs``: ``data/processed`` for ``outputs/``,
    ``data/processed/runs/NAME`` for ``outputs/NAME`` (or for any other folder NAME)."""
    out = resolve(outputs)
    if out == OUTPUTS:
        return DATA_PROCESSED
    try:
        name = out.relative_to(OUTPUTS).as_posix().replace("/", "__")
    except ValueError:
        name = f"{out.name}-{hashlib.sha256(str(out).encode()).hexdigest()[:8]}"
    return DATA_PROCESSED / "runs" / name


# --- the lock -----------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(path.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pid = -1
            if pid > 0 and _alive(pid) and pid != os.getpid():
                raise RunError(
                    f"another run (process {pid}) is writing to {display_path(folder)}; wait for it to finish, "
                    "or give this run another folder (make report OUT=outputs/NAME)"
                ) from None
            path.unlink(missing_ok=True)  # left by a run that died
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return path
    raise RunError(f"could not take the lock {display_path(path)}")


@contextmanager
def lock(folders: RunFolders) -> Iterator[None]:
    """Hold the lock of both folders for the duration of a run (refuse a second run)."""
    try:
        taken = [_take(folders.outputs)]
        taken.append(_take(folders.processed))
    except OSError as err:
        raise RunError(
            f"cannot write to the run's folders: {err.strerror}: {display_path(err.filename or '')}"
        ) from None
    try:
        yield
    finally:
        for path in taken:
            path.unlink(missing_ok=True)


# --- staging, success and failure -----------------------------------------------------------


def start(folders: RunFolders) -> RunFolders:
    """Fresh, empty staging folders (after a check that both can be written); returns them."""
    stage = folders.staging
    for folder in (stage.outputs, stage.processed):
        try:
            if folder.exists():
                shutil.rmtree(folder)  # left by a run that died; we hold the lock
            folder.mkdir(parents=True)
            probe = folder / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as err:
            raise RunError(
                f"cannot write to {display_path(folder.parent)}: {err.strerror}; nothing was written. "
                "Choose a folder you can write to (make report OUT=...)"
            ) from None
    return stage


def seed_from_previous(folders: RunFolders, stage: RunFolders, notebooks_before: list[str]) -> None:
    """For a run from a later notebook: copy the previous run's processed data and the
    outputs of the notebooks it does not re-run into the staging folders."""
    for name in PROCESSED_ENTRIES:
        src = folders.processed / name
        if src.exists():
            shutil.copy2(src, stage.processed / name)
    for sub in ("tables", "figures"):
        if (folders.outputs / sub).is_dir():
            shutil.copytree(folders.outputs / sub, stage.outputs / sub)
    for sub, suffix in (("notebooks", ".ipynb"), ("html", ".html")):
        for stem in notebooks_before:
            src = folders.outputs / sub / f"{stem}{suffix}"
            if src.exists():
                (stage.outputs / sub).mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, stage.outputs / sub / src.name)


def _swap(live: Path, staged: Path, entries: tuple[str, ...]) -> None:
    """Move each staged entry into ``live``; remove the live entries the run did not make."""
    moved = []
    for name in entries:
        target = live / name
        if target.exists():
            old = live / f"{_OLD}{name}"
            if old.exists():
                shutil.rmtree(old) if old.is_dir() else old.unlink()
            target.rename(old)
            moved.append(old)
        if (staged / name).exists():
            (staged / name).rename(target)
    for old in moved:
        shutil.rmtree(old) if old.is_dir() else old.unlink()


def commit(folders: RunFolders, stage: RunFolders) -> None:
    """The run succeeded: its entries replace the previous run's, in both folders."""
    _swap(folders.processed, stage.processed, PROCESSED_ENTRIES)
    _swap(folders.outputs, stage.outputs, OUTPUT_ENTRIES)
    for folder in (stage.outputs, stage.processed, folders.outputs / FAILED, folders.processed / FAILED):
        if folder.exists():
            shutil.rmtree(folder)


def fail(folders: RunFolders, stage: RunFolders, message: str) -> Path:
    """The run failed: previous results stay; the partial outputs move to ``OUT/failed_run``
    with ``FAILED.txt``; the partial call-level data are removed. Returns the failed folder."""
    failed = folders.outputs / FAILED
    if failed.exists():
        shutil.rmtree(failed)
    if stage.outputs.exists():
        stage.outputs.rename(failed)
    else:
        failed.mkdir(parents=True)
    note = ""
    rejected = stage.processed / "rejected_rows.parquet"
    if rejected.exists():  # the analyst needs them to see why; call-level, so kept with the processed data
        kept = folders.processed / FAILED / rejected.name
        if kept.parent.exists():
            shutil.rmtree(kept.parent)
        kept.parent.mkdir(parents=True)
        rejected.rename(kept)
        note = f"The rows this run set aside are in {display_path(kept)}.\n"
    (failed / FAILED_NOTE).write_text(
        f"This run FAILED; its partial outputs are here, the previous results in {display_path(folders.outputs)} "
        f"are unchanged.\n{message}\n{note}",
        encoding="utf-8",
    )
    if stage.processed.exists():
        shutil.rmtree(stage.processed)
    return failed


# --- provenance of the processed data (for runs from a later notebook) ----------------------


def file_digest(path: Path) -> tuple[int, str]:
    """Size (bytes) and sha256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return path.stat().st_size, h.hexdigest()


def write_provenance(processed: Path, raw: Path, early_overrides: dict[str, object]) -> None:
    """Record which raw file (and which cleaning/rate assumptions) the processed data come from."""
    size, sha = file_digest(raw)
    record = {"raw_file": display_path(raw), "raw_size_bytes": size, "raw_sha256": sha, "overrides": early_overrides}
    (processed / PROVENANCE).write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")


def check_provenance(processed: Path, raw: Path, early_overrides: dict[str, object]) -> None:
    """Refuse a run from a later notebook when the run's processed data are missing or came
    from another raw file or other cleaning/rate assumptions."""
    path = processed / PROVENANCE
    missing = [n for n in ("calls_clean.parquet", "arrival_rates.parquet") if not (processed / n).exists()]
    if missing or not path.exists():
        raise RunError(
            f"cannot rerun from a later notebook: {display_path(processed)} holds no complete processed data of an "
            f"earlier run ({', '.join(missing) or PROVENANCE} missing); run the whole chain first (without FROM=)"
        )
    record = json.loads(path.read_text())
    _, sha = file_digest(raw)
    if sha != record.get("raw_sha256"):
        raise RunError(
            f"cannot rerun from a later notebook: the processed data in {display_path(processed)} came from "
            f"{record.get('raw_file')}, not from {display_path(raw)} (different sha256); run the whole chain "
            "on this file (without FROM=)"
        )
    before = dict(record.get("overrides", {}))
    now = json.loads(json.dumps(early_overrides, default=str))
    if before != now:
        raise RunError(
            "cannot rerun from a later notebook: the cleaning or rate assumptions differ from those the processed "
            f"data were made with ({before or 'none'} then, {now or 'none'} now); run the whole chain (without FROM=)"
        )
