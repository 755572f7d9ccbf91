"""``make clean``: remove what the project made, and nothing else (what the run manifests of
:mod:`lib.core.manifest` list, left-over staging folders, locks of runs that died, and the
synthetic log by its marker), showing the list before removing anything."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from lib.chain import runs
from lib.chain.errors import PipelineError
from lib.core import manifest
from lib.core.paths import DATA_PROCESSED, DATA_RAW, OUTPUTS, display_path


@dataclass
class CleanPlan:
    """What ``make clean`` removes: the files the project made (each run's, failed runs' and
    comparisons' manifests list them), left-over staging folders, and the synthetic log; and
    how many files it leaves because no manifest lists them (a user's, or made before runs kept
    manifests)."""

    manifests: list[tuple[Path, manifest.Manifest]] = field(default_factory=list)
    staging: list[Path] = field(default_factory=list)
    synthetic: list[Path] = field(default_factory=list)
    stale_locks: list[Path] = field(default_factory=list)
    left: list[Path] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """Every file and folder to be removed, in the order shown."""
        out = [p for folder, m in self.manifests for p in manifest.removal_plan(folder, m)]
        return out + self.staging + self.stale_locks + self.synthetic


def clean_plan(outputs: Path = OUTPUTS, processed: Path = DATA_PROCESSED, raw: Path = DATA_RAW) -> CleanPlan:
    """What :func:`clean` would remove (see :class:`CleanPlan`); refuses while a run may be
    writing (a lock), or when a manifest cannot be trusted."""
    from lib.calllog.synthetic import is_synthetic_truth, synthetic_seed

    plan = CleanPlan()
    for root in (outputs, processed):
        if not root.is_dir():
            continue
        for lock in sorted(root.rglob(runs.LOCK)):
            pid = runs.lock_holder(lock)
            if pid is not None:
                raise PipelineError(
                    f"a run (process {pid}) is writing to {display_path(lock.parent)}; wait for it to finish, "
                    "nothing was removed"
                )
            if lock.read_text(errors="replace").strip().isdigit():
                plan.stale_locks.append(lock)  # left by a run that died
        manifests = sorted(root.rglob(manifest.MANIFEST), key=lambda p: (-len(p.parts), p))  # deepest first
        for path in manifests:
            try:
                made = manifest.read_manifest(path.parent)
            except manifest.ManifestError as err:
                raise PipelineError(str(err)) from None
            if made is not None:
                plan.manifests.append((path.parent, made))
        for mark in sorted(root.rglob(manifest.STAGING_MARK)):
            if mark.parent.name == runs.STAGING:
                plan.staging.append(mark.parent)
        removed = set(plan.paths)
        for path in sorted(root.rglob("*")):
            inside_staging = any(path.is_relative_to(s) for s in plan.staging)
            if path.is_file() and path not in removed and path.name != ".gitkeep" and not inside_staging:
                plan.left.append(path)
    if raw.is_dir():
        plan.synthetic = [
            p for p in sorted(raw.iterdir()) if p.is_file() and (synthetic_seed(p) is not None or is_synthetic_truth(p))
        ]
    return plan


def clean(
    outputs: Path = OUTPUTS, processed: Path = DATA_PROCESSED, raw: Path = DATA_RAW, dry: bool = False, show=print
) -> list[Path]:
    """Remove what the project generated, and nothing else: the files every manifest under
    ``outputs`` and ``processed`` lists (runs, failed runs, comparisons; see :mod:`lib.chain.runs`)
    and the folders it made that are left empty, left-over staging folders, and the
    synthetic log in ``raw`` (recognised by its Parquet marker, not by its name). A real
    export, and every file no manifest lists, stays, under any name. Shows what it removes
    before removing it (``show``); ``dry``: shows only. Returns what it removed (or would)."""
    plan = clean_plan(outputs, processed, raw)
    paths = plan.paths
    verb = "would remove" if dry else "removing"
    show(f"make clean {verb} {len(paths)} file(s) the project made:" if paths else "nothing the project made to remove")
    for path in paths:
        show(f"  {display_path(path)}{'/' if path.is_dir() else ''}")
    if plan.left:
        examples = ", ".join(display_path(p) for p in plan.left[:3]) + (" ..." if len(plan.left) > 3 else "")
        show(
            f"leaving {len(plan.left)} file(s) that no run manifest lists (yours, or made before runs kept manifests): "
            + examples
        )
    if dry:
        return paths
    try:
        for folder, made in plan.manifests:
            manifest.remove_made(folder, made)
        for folder in plan.staging:
            shutil.rmtree(folder)
        for path in [*plan.stale_locks, *plan.synthetic]:
            path.unlink()
    except OSError as err:
        raise PipelineError(
            f"make clean stopped: {err.strerror}: {display_path(err.filename or '')}; what it removed before is gone, "
            "the rest stays"
        ) from None
    return paths
