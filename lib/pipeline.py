"""Run the numbered notebooks in order with papermill: the whole analysis in one command.

``python -m lib.pipeline run`` executes ``notebooks/NN_*.ipynb`` in number order into
``outputs/notebooks/`` (the sources are never overwritten), renders each as HTML into
``outputs/html/``, and collects every result table of ``outputs/tables/`` into one Excel
workbook. Parameters given on the command line reach every notebook that declares them in
its ``parameters`` cell; a parameter no notebook declares is an error (papermill itself
would only warn). A parameter named like an assumption (a field of
:class:`lib.assumptions.Assumptions`) is checked before any notebook runs (type, range, a
"did you mean" for a misspelt name) and reaches every notebook as its ``overrides`` dict,
so all notebooks see the same assumptions. A failing notebook stops the chain with the
notebook, the cell and the error. ``python -m lib.pipeline check -p NAME VALUE ...`` does
only the checks (``make report`` runs it first, so a bad value writes nothing).

``python -m lib.pipeline refresh`` re-executes the committed notebooks in place, with
their default parameters, and strips run-dependent metadata, so the outputs nbval compares
are exactly what the pipeline produces.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
from papermill.exceptions import PapermillExecutionError

from lib import manifest, run_report, runs, workbook
from lib.assumptions import Assumptions, unknown_name_message
from lib.paths import DATA_PROCESSED, DATA_RAW, NOTEBOOKS, OUTPUTS, PROJ_ROOT, display_path, resolve

KERNEL = "python3"
#: The kernel logs only errors: its start-up warning about local TCP transport and a
#: "KeyboardInterrupt caught in kernel" at shutdown are noise on an analyst's terminal.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
#: The notebook parameter that carries assumption overrides (a dict name -> value).
OVERRIDES = "overrides"


class PipelineError(RuntimeError):
    """A notebook of the chain failed; the message names the notebook, the cell and the error."""


@dataclass
class RunReport:
    """What a run did: seconds per notebook and the files written."""

    seconds: dict[str, float] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    #: What the run is doing (``notebook 03_staffing.ipynb``, ...), for messages.
    step: str = "the run"


def notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The numbered notebooks (``NN_name.ipynb``) in run order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def declared_parameters(nb_path: Path) -> dict[str, object]:
    """Parameter names and default values of a notebook's ``parameters`` cell."""
    return {name: spec["default"] for name, spec in pm.inspect_notebook(str(nb_path)).items()}


def parse_value(text: str) -> object:
    """A command-line parameter value: a Python literal if it parses as one, else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def check_assumptions(params: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """Split ``params`` into assumption overrides and notebook parameters; check the overrides.

    Names that are fields of :class:`Assumptions` (and the entries of an ``overrides``
    dict) are assumptions: they must build a valid :class:`Assumptions`, or a
    :class:`PipelineError` says which value is wrong and what is allowed.
    """
    overrides: dict[str, object] = {}
    given = params.get(OVERRIDES, {})
    if not isinstance(given, dict):
        raise PipelineError(
            f"parameter {OVERRIDES} must be a dict of assumption overrides, not {given!r}; in PARAMS, wrap the "
            """dict in single quotes: -p overrides '{"max_occupancy": 0.85}'"""
        )
    overrides.update(given)
    rest = {}
    for name, value in params.items():
        if name in Assumptions.names():
            overrides[name] = value
        elif name != OVERRIDES:
            rest[name] = value
    try:
        Assumptions().replace(**overrides)
    except ValueError as err:
        hint = ""
        if any(isinstance(v, str) and v.strip()[:1] in "[{(" for v in overrides.values()):
            hint = (
                "; a list or dict given in PARAMS lost its inner quotes to the shell-like splitting: "
                'wrap the whole value in single quotes, e.g. -p excluded_districts \'["Trøndelag", "Finnmark"]\''
            )
        raise PipelineError(f"assumption refused: {err}{hint}") from None
    return overrides, rest


def route_parameters(params: dict[str, object], nbs: list[Path]) -> dict[Path, dict[str, object]]:
    """Give every notebook the parameters it declares; refuse parameters that none declares.

    Assumption overrides are checked (:func:`check_assumptions`) and given, as one
    ``overrides`` dict, to every notebook that declares ``overrides``.
    """
    overrides, rest = check_assumptions(params)
    declared = {nb: declared_parameters(nb) for nb in nbs}
    known = set().union(*[set(d) for d in declared.values()]) if declared else set()
    for name in rest:
        if name not in known:
            candidates = sorted((known - {OVERRIDES}) | set(Assumptions.names()))
            raise PipelineError(unknown_name_message(name, candidates, "parameter"))
    for name, value in rest.items():
        defaults = [declared[nb][name] for nb in nbs if name in declared[nb]]
        check_parameter(name, value, defaults[0])
    routed = {nb: {k: v for k, v in rest.items() if k in declared[nb]} for nb in nbs}
    if overrides:
        for nb in nbs:
            if OVERRIDES in declared[nb]:
                routed[nb][OVERRIDES] = dict(overrides)
    return routed


def _choices() -> dict[str, tuple[object, ...]]:
    """Notebook parameters (not assumptions) that take one of a few values."""
    from lib.calllog.clean import ON_INVALID
    from lib.concepts import CONCEPTS

    return {"on_invalid": ON_INVALID, "sensitivity_concept": tuple(c.name for c in CONCEPTS.values() if c.table1)}


#: Notebook parameters (not assumptions) with a lower bound (counts and seeds).
AT_LEAST: dict[str, int] = {
    "draws": 1,
    "exact_check_draws": 0,
    "simulation_replications": 1,
    "simulation_weeks_per_season": 1,
    "seed": 0,
    "simulation_seed": 0,
}


def check_parameter(name: str, value: object, default: object) -> None:
    """Refuse a notebook parameter of the wrong type (judged by the notebook's default: a
    number where a number is expected, and so on), outside its choices or below its bound,
    with a one-line message."""
    try:
        expected = ast.literal_eval(str(default))
    except (ValueError, SyntaxError):
        expected = None
    kinds: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float), str: (str,), dict: (dict,)}
    allowed = kinds.get(type(expected))
    if allowed is not None and (not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)):
        raise PipelineError(
            f"parameter {name}={value!r} refused: expected {type(expected).__name__} like its default {default}"
        )
    choices = _choices().get(name)
    if choices is not None and value not in choices:
        raise PipelineError(f"parameter {name}={value!r} refused: allowed values are {', '.join(map(str, choices))}")
    if name in AT_LEAST and isinstance(value, int | float) and value < AT_LEAST[name]:
        raise PipelineError(f"parameter {name}={value!r} refused: must be at least {AT_LEAST[name]}")


def _failure_message(nb: Path, err: PapermillExecutionError) -> str:
    """Which notebook and cell failed, with what, and whose problem it is: the export's (an
    error of :func:`lib.calllog.file_error_names`: correct the file, see the contract), a full
    disk's, or (anything else) a defect of the project, whose traceback is in the executed
    notebook."""
    from lib.calllog import file_error_names

    head = (
        f"notebook {nb.name} failed in cell {err.cell_index} (execution count {err.exec_count}): "
        f"{err.ename}: {err.evalue}"
    )
    if err.ename in file_error_names():
        return (
            head
            + "\nThis is a problem of the export, not of the project: docs/call_log_contract.md says what it takes."
        )
    if err.ename in ("KeyboardInterrupt", "PipelineError") or runs.is_disk_full(Exception(err.evalue)):
        return head
    return (
        head + f"\nThis is a defect of the project, not of the export: the traceback is in the executed notebook "
        f"notebooks/{nb.name} of this run's failed_run/ (cell {err.cell_index}); please report it with that notebook."
    )


def execute(nb: Path, out: Path, parameters: dict[str, object]) -> float:
    """Execute one notebook with papermill (working directory: notebooks/); seconds taken."""
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(nb),
            str(out),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=str(NOTEBOOKS),
            progress_bar=sys.stderr.isatty(),  # cells done / to do, on a terminal only
            log_output=False,
            extra_arguments=KERNEL_ARGUMENTS,
        )
    except PapermillExecutionError as err:
        raise PipelineError(_failure_message(nb, err)) from None
    return time.perf_counter() - start


def scrub(path: Path, drop_injected: bool = False) -> None:
    """Remove run-dependent metadata (papermill timings, execution timestamps) from a notebook.

    ``drop_injected``: also remove papermill's injected-parameters cell (for refreshed
    sources; an executed copy in outputs/ keeps it as the record of its parameters).
    """
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = _coalesce_streams(cell.outputs)
    if drop_injected:
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    nbformat.write(nb, path)


def _coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout/stderr chunks: the kernel splits them by timing, not content."""
    merged: list = []
    for out in outputs:
        if (
            out.get("output_type") == "stream"
            and merged
            and merged[-1].get("output_type") == "stream"
            and merged[-1].get("name") == out.get("name")
        ):
            merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def render_html(nb_path: Path, out: Path, banner: str = "") -> None:
    """Render an executed notebook as standalone HTML, with ``banner`` (HTML) at the top."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(nb_path))
    if banner:
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, body, count=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")


def _as_parameter(path: Path) -> str:
    """A folder as a notebook parameter: relative to the project when it resolves back to the
    same place (executed notebooks then show no machine-specific path), else absolute."""
    rel = display_path(path)
    return rel if resolve(rel) == path else str(path)


@dataclass(frozen=True)
class RawInput:
    """The call log a run reads: ``given`` (the ``raw_path`` as given: a file, a folder or a
    glob, relative to the project root) and the ``files`` it names, in reading order."""

    given: str
    files: list[Path]


def _raw_input(params: dict[str, object], nbs: list[Path]) -> RawInput | None:
    """The call log this run reads: the ``raw_path`` given, else a notebook's default; refuses
    a name that names no file (:func:`lib.calllog.resolve_raw`) or a file that is not there."""
    from lib.calllog import CallLogError, resolve_raw

    given = params.get("raw_path")
    if given is None:
        defaults = [declared_parameters(nb).get("raw_path") for nb in nbs]
        given = next((ast.literal_eval(str(d)) for d in defaults if d), None)
    if given is None:
        return None
    try:
        files = resolve_raw(str(given))
    except CallLogError as err:
        raise PipelineError(f"{err}; nothing was run") from None
    for f in files:
        if not f.is_file():
            raise PipelineError(f"the call log {display_path(f)} does not exist; nothing was run")
    return RawInput(str(given), files)


def _inspect(raw: RawInput, params: dict[str, object], overrides: dict[str, object]) -> None:
    """The check of ``make inspect``, before anything runs: refuse an export that notebook 01
    would stop on (unreadable, missing columns, unknown outcome words, invalid rows with
    ``on_invalid="error"``), naming what is wrong (aggregates only), in seconds rather than
    after the primer."""
    from lib.calllog.inspect import inspect

    columns = params.get("columns")
    on_invalid = str(params.get("on_invalid", "error"))
    result = inspect(
        raw.given,
        None if columns is None else str(columns),
        on_invalid=on_invalid,
        a=Assumptions().replace(**overrides),
    )
    if not result.usable:
        raise PipelineError(
            f"the export cannot be used as it is; nothing was run (make inspect RAW=... shows all):\n{result.verdict}"
        )


def _early(overrides: dict[str, object]) -> dict[str, object]:
    """The overrides of assumptions that the processed data depend on (cleaning and rates)."""
    return {k: v for k, v in sorted(overrides.items()) if Assumptions.stage(k) in ("cleaning", "rates")}


#: Run-managed notebook parameters: the pipeline sets them to the run's staging folders.
FOLDER_PARAMETERS = ("outputs_dir", "processed_dir")


def run(
    params: dict[str, object],
    outputs_dir: str | Path = OUTPUTS,
    processed_dir: str | Path | None = None,
    nbs: list[Path] | None = None,
    html: bool = True,
    start_from: str | None = None,
    inspect_first: bool | None = None,
) -> RunReport:
    """Execute the chain in order as one run into ``outputs_dir`` (see :mod:`lib.runs`).

    Parameters are checked first; the run then locks its folders, writes into staging
    folders and replaces the previous results only when every notebook has succeeded. A
    failing notebook stops the chain: the previous results stay, the partial outputs go
    to ``failed_run/``, and the error names the notebook, the cell and where to look.
    ``processed_dir``: the run's call-level folder (default :func:`lib.runs.default_processed`);
    ``start_from``: the number ("03") of the first notebook to run, the earlier ones'
    results and the processed data being those of the previous run into the same folders.
    ``inspect_first``: check the export (:func:`_inspect`) before anything runs; by default
    for the project's own chain (the notebooks of ``notebooks/``), not for a chain of one's own.
    """
    inspect_first = nbs is None if inspect_first is None else inspect_first
    params = dict(params)
    for name in FOLDER_PARAMETERS:  # accepted as -p too, but they name the run's folders
        if name in params:
            value = str(params.pop(name))
            outputs_dir, processed_dir = (value, processed_dir) if name == "outputs_dir" else (outputs_dir, value)
    all_nbs = notebooks() if nbs is None else nbs
    try:
        folders = runs.RunFolders.of(outputs_dir, processed_dir)
    except manifest.ManifestError as err:
        raise PipelineError(str(err)) from None
    routed = route_parameters(params, all_nbs)
    overrides, _ = check_assumptions(params)
    to_run = all_nbs if start_from is None else [nb for nb in all_nbs if nb.name[:2] >= str(start_from).zfill(2)]
    if not to_run:
        raise PipelineError(f"no notebook numbered {start_from} or later; notebooks: {[nb.name for nb in all_nbs]}")
    before = [nb.stem for nb in all_nbs if nb not in to_run]
    raw = _raw_input(params, all_nbs)
    if raw is not None and not before and inspect_first:
        _inspect(raw, params, overrides)
    report = RunReport()
    rows = runs.estimate_rows(raw.files) if raw is not None and not before else 0
    try:
        with runs.lock(folders, rerun=bool(before)) as made:
            if before:
                if raw is None:
                    raise PipelineError("a run from a later notebook needs the raw file the processed data came from")
                runs.check_provenance(folders.processed, raw.files, _early(overrides))
                runs.check_seed(folders, before)
            runs.refuse_unlisted_run(folders)
            runs.check_clashes(folders, _expected_outputs(to_run, html, known_tables=nbs is None), runs.PROCESSED_FILES)
            runs.check_space(folders, rows)
            stage = runs.start(folders)
            try:
                if before:
                    runs.seed_from_previous(folders, stage, before)
                _execute_run(to_run, routed, stage, report)
                report.step = "the run's last step (run information, workbook, HTML)"
                _finish_run(stage, raw, overrides, before, to_run, report, html)
                report.step = "saving the run's results"
                runs.commit(folders, stage, made)
            except BaseException as err:
                raise PipelineError(_failed(err, folders, stage, report, rows)) from None
    except manifest.ManifestError as err:
        raise PipelineError(str(err)) from None
    report.written = [folders.outputs / p.relative_to(stage.outputs) for p in report.written]
    return report


def _expected_outputs(to_run: list[Path], html: bool, known_tables: bool) -> list[str]:
    """The files a run will write into its outputs folder that are known before it starts:
    the executed notebooks and their HTML, the run information, the run times, the workbook,
    and (for the project's own chain) every result table."""
    names = [f"notebooks/{nb.name}" for nb in to_run] + ([f"html/{nb.stem}.html" for nb in to_run] if html else [])
    names += [runs.RUN_INFO, runs.RUN_TIMES, runs.WORKBOOK]
    if known_tables:
        names += [f"tables/{name}.csv" for name in workbook.ORDER]
    return names


def _failed(err: BaseException, folders: runs.RunFolders, stage: runs.RunFolders, report: RunReport, rows: int) -> str:
    """Put a failed run away (:func:`lib.runs.fail`) and say what happened: which notebook,
    what went wrong (a full disk as such, with the free space measured once the run's partial
    call-level data are gone), that the previous results stand, and where this run's partial
    outputs are."""
    where = report.step
    if runs.is_disk_full(err):

        def message() -> str:
            return f"{where} stopped: {runs.full_disk_message(folders, rows)}"

        failed, text = runs.fail(folders, stage, message)
    else:
        if isinstance(err, PipelineError | manifest.ManifestError):
            text = str(err)
        elif isinstance(err, KeyboardInterrupt):
            text = f"{where} was interrupted (Ctrl-C)"
        else:
            text = f"{where} failed: {type(err).__name__}: {err}"
        failed, text = runs.fail(folders, stage, text)
    shown = display_path(failed.folder)
    if failed.note_written:
        where_now = f"This run's partial outputs, executed notebooks included, are in {shown}/ ({runs.FAILED_NOTE})."
    else:
        where_now = f"Its {runs.FAILED_NOTE} could not be written in {shown}/ (a full disk, or a file of yours there)."
    if failed.dropped:
        where_now += (
            f" {len(failed.dropped)} of its files were not put there because files of yours hold their place: "
            + ", ".join(failed.dropped[:4])
            + (" ..." if len(failed.dropped) > 4 else "")
        )
    rows_note = ""
    if failed.kept_rows and failed.kept_rows not in text:
        rows_note = f"\nThe rows this run set aside are in {failed.kept_rows}."
    return f"{text}\nThe previous results in {display_path(folders.outputs)}/ are unchanged. {where_now}{rows_note}"


def _execute_run(
    to_run: list[Path], routed: dict[Path, dict[str, object]], stage: runs.RunFolders, report: RunReport
) -> None:
    """Execute ``to_run`` in order into the staging folders."""
    for i, nb in enumerate(to_run, start=1):
        parameters = dict(routed[nb])
        declared = declared_parameters(nb)
        if "outputs_dir" in declared:
            parameters["outputs_dir"] = _as_parameter(stage.outputs)
        if "processed_dir" in declared:
            parameters["processed_dir"] = _as_parameter(stage.processed)
        out = stage.outputs / "notebooks" / nb.name
        shown = {k: v for k, v in parameters.items() if k not in FOLDER_PARAMETERS}
        print(f"[{i}/{len(to_run)}] running {nb.name} {shown or ''}".rstrip(), flush=True)
        report.step = f"notebook {nb.name}"
        report.seconds[nb.name] = execute(nb, out, parameters)
        scrub(out)
        report.written.append(out)
        print(f"  done in {report.seconds[nb.name]:.1f} s", flush=True)


def _finish_run(
    stage: runs.RunFolders,
    raw: RawInput | None,
    overrides: dict[str, object],
    before: list[str],
    to_run: list[Path],
    report: RunReport,
    html: bool,
) -> None:
    """Run information, provenance, workbook, HTML and run times, all into the staging folders."""
    tables = stage.outputs / "tables"
    info = None
    if raw is not None:
        if not before:
            runs.write_provenance(stage.processed, raw.files, _early(overrides))
        started = to_run[0].stem
        info = run_report.run_info(raw.given, raw.files, tables, overrides, started, sum(report.seconds.values()))
        info.to_csv(stage.outputs / run_report.RUN_INFO, index=False)
        report.written.append(stage.outputs / run_report.RUN_INFO)
    if tables.is_dir():
        report.written.append(workbook.write_workbook(tables, tables / "results.xlsx", info))
    if html:
        banner = "" if info is None else run_report.html_banner(info)
        for nb in sorted((stage.outputs / "notebooks").glob("*.ipynb")):
            page = stage.outputs / "html" / nb.with_suffix(".html").name
            if nb.stem in before and page.exists():
                continue  # kept from the previous run, with its own banner
            render_html(nb, page, banner)
            report.written.append(page)
    (stage.outputs / "run_times.json").write_text(
        json.dumps({k: round(v, 1) for k, v in report.seconds.items()}, indent=2) + "\n"
    )


def refresh(nbs: list[Path] | None = None) -> RunReport:
    """Re-execute the committed notebooks in place with their defaults and scrub them.

    What they write goes to a temporary folder (``KONTAKT_WRITE_ROOT``), never to the
    user's outputs/ or data/processed/. Refuses unless notebook 01's default call log is
    the synthetic one, so committed outputs never carry a real export's aggregates.
    """
    from lib.synthetic import synthetic_seed

    raw = resolve(ast.literal_eval(str(declared_parameters(NOTEBOOKS / "01_clean_call_log.ipynb")["raw_path"])))
    if synthetic_seed(raw) is None:
        raise PipelineError(
            f"{display_path(raw)} is not the synthetic log (no generator marker): the committed notebooks' outputs "
            "must come from the synthetic log. Move the real export elsewhere in data/raw/ (and run it with "
            "make report RAW=...), then `make data` regenerates the synthetic log"
        )
    report = RunReport()
    previous = os.environ.get("KONTAKT_WRITE_ROOT")
    with tempfile.TemporaryDirectory(prefix="kontakt-refresh-") as scratch:
        os.environ["KONTAKT_WRITE_ROOT"] = scratch  # the kernels inherit it
        try:
            for nb in notebooks() if nbs is None else nbs:
                print(f"refreshing {nb.name}", flush=True)
                report.seconds[nb.name] = execute(nb, nb, {})
                scrub(nb, drop_injected=True)
                report.written.append(nb)
        finally:
            if previous is None:
                os.environ.pop("KONTAKT_WRITE_ROOT", None)
            else:
                os.environ["KONTAKT_WRITE_ROOT"] = previous
    return report


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
    from lib.synthetic import synthetic_seed

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
        plan.synthetic = [p for p in sorted(raw.iterdir()) if p.is_file() and synthetic_seed(p) is not None]
    return plan


def clean(
    outputs: Path = OUTPUTS, processed: Path = DATA_PROCESSED, raw: Path = DATA_RAW, dry: bool = False, show=print
) -> list[Path]:
    """Remove what the project generated, and nothing else: the files every manifest under
    ``outputs`` and ``processed`` lists (runs, failed runs, comparisons; see :mod:`lib.runs`)
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


def _parameters(pairs: list[list[str]]) -> dict[str, object]:
    return {k: parse_value(v) for k, v in pairs}


#: The environment variables ``make`` hands its variables over in (``--env``): a value a user
#: types reaches Python as data, never through a shell command line.
ENV = {
    "raw": "KONTAKT_RAW",
    "outputs": "KONTAKT_OUT",
    "start_from": "KONTAKT_FROM",
    "params": "KONTAKT_PARAMS",
    "a": "KONTAKT_A",
    "b": "KONTAKT_B",
    "dry": "KONTAKT_DRY",
}


def params_from_text(text: str) -> list[list[str]]:
    """``make``'s ``PARAMS`` as ``[[NAME, VALUE], ...]``: split like a shell line (quotes group
    words; nothing is run or expanded) and read as ``-p NAME VALUE`` triples; anything else
    is refused with a one-line message."""
    try:
        words = shlex.split(text)
    except ValueError as err:
        raise PipelineError(
            f"PARAMS cannot be read ({err}); quote a value that holds spaces: -p NAME 'A VALUE'"
        ) from None
    pairs = []
    for i in range(0, len(words), 3):
        group = words[i : i + 3]
        if group[0] not in ("-p", "--parameter") or len(group) < 3:
            raise PipelineError(
                f"PARAMS takes -p NAME VALUE triples (quote a value that holds spaces or ;); word {i + 1} "
                f"({group[0]!r}) does not start one"
            )
        pairs.append(group[1:])
    return pairs


def _argv_from_env(command: str) -> list[str]:
    """The command line ``make`` means, read from :data:`ENV` (for ``--env``)."""
    env = {k: os.environ.get(v, "") for k, v in ENV.items()}
    argv = [command]
    if command == "run":
        argv += ["--raw", env["raw"]] if env["raw"] else []
        argv += ["--outputs", env["outputs"]] if env["outputs"] else []
        argv += ["--from", env["start_from"]] if env["start_from"] else []
    if command == "check" and env["outputs"]:
        argv += ["--outputs", env["outputs"]]
    if command in ("run", "check"):
        argv += [w for pair in params_from_text(env["params"]) for w in ("-p", *pair)]
    if command == "compare":
        if not (env["a"] and env["b"]):
            raise PipelineError("make compare needs two run folders: make compare A=outputs B=outputs/NAME")
        argv += [env["a"], env["b"]]
    if command == "inspect":
        argv += [env["raw"]] if env["raw"] else []
        argv += [w for pair in params_from_text(env["params"]) for w in ("-p", *pair)]
    if command == "clean" and env["dry"] not in ("", "0"):
        argv.append("--dry-run")
    return argv


def _inspect_command(raw: str | None, params: dict[str, object]) -> int:
    """``make inspect``: print what a run would use of the export, and every problem; exit 1 when
    it cannot be used as it is. The parameters ``columns`` and ``on_invalid`` and assumption
    overrides count as in a run."""
    from lib.calllog.inspect import inspect

    route_parameters(params, notebooks())
    overrides, rest = check_assumptions(params)
    if raw is not None:
        rest["raw_path"] = raw
    given = _raw_input(rest, notebooks())
    if given is None:
        raise PipelineError("make inspect needs an export: make inspect RAW=data/raw/export_2023.csv")
    columns = rest.get("columns")
    result = inspect(
        given.given,
        None if columns is None else str(columns),
        on_invalid=str(rest.get("on_invalid", "error")),
        a=Assumptions().replace(**overrides),
    )
    print(result.to_text())
    return 0 if result.usable else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--env" in argv:  # make's variables, from the environment
        try:
            argv = _argv_from_env(next(a for a in argv if a != "--env"))
        except PipelineError as err:
            print(f"pipeline stopped: {err}", file=sys.stderr)
            return 1
    parser = argparse.ArgumentParser(prog="python -m lib.pipeline", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add_parameter(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-p",
            "--parameter",
            nargs=2,
            action="append",
            default=[],
            metavar=("NAME", "VALUE"),
            help="notebook parameter or assumption override (repeatable)",
        )

    r = sub.add_parser("run", help="run the notebooks in order as one run into a run folder")
    r.add_argument("--raw", help="path of the call-log export (parameter raw_path)")
    add_parameter(r)
    r.add_argument("--outputs", default="outputs", help="the run folder (default: outputs)")
    r.add_argument("--processed", help="the run's processed folder (default: data/processed[/runs/NAME])")
    r.add_argument("--from", dest="start_from", help="rerun from this notebook number (e.g. 03) on the run's data")
    r.add_argument("--no-html", action="store_true", help="skip the HTML rendering")
    sub.add_parser("refresh", help="re-execute the committed notebooks in place (writes to a temporary folder)")
    c = sub.add_parser("check", help="check parameters and assumption overrides; run nothing")
    add_parameter(c)
    c.add_argument("--outputs", default=None, help="the run folder the run would use (default: outputs)")
    k = sub.add_parser("compare", help="what differs between two run folders")
    k.add_argument("a")
    k.add_argument("b")
    k.add_argument("--out", help="CSV to write (default: outputs/comparisons/A__vs__B.csv)")
    ins = sub.add_parser("inspect", help="check a call-log export (file, folder or glob) without running anything")
    ins.add_argument("raw", nargs="?", default=None, help="the export (default: notebook 01's raw_path)")
    add_parameter(ins)
    cl = sub.add_parser("clean", help="remove what the project made (run manifests, the synthetic log); nothing else")
    cl.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            params = _parameters(args.parameter)
            route_parameters(params, notebooks())
            overrides, rest = check_assumptions(params)
            folders = {n: str(rest[n]) for n in FOLDER_PARAMETERS if n in rest}
            if folders or args.outputs:
                runs.RunFolders.of(folders.get("outputs_dir", args.outputs or OUTPUTS), folders.get("processed_dir"))
            print("parameters accepted" + (f"; assumptions overridden: {overrides}" if overrides else ""))
        elif args.command == "run":
            params = _parameters(args.parameter)
            if args.raw:
                # Relative paths are taken from the project root (make runs there); keep them
                # relative so executed notebooks show no machine-specific absolute path.
                raw = Path(args.raw)
                params["raw_path"] = args.raw if raw.is_absolute() or (PROJ_ROOT / raw).exists() else str(raw.resolve())
            outputs_dir = resolve(args.outputs)
            report = run(params, outputs_dir, args.processed, html=not args.no_html, start_from=args.start_from)
            print("seconds per notebook: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
            print(f"outputs in {display_path(outputs_dir)}/ (run_info.csv, tables/, figures/, notebooks/, html/)")
        elif args.command == "compare":
            a, b = resolve(args.a), resolve(args.b)
            for folder in (a, b):
                if not (folder / "tables").is_dir():
                    raise PipelineError(f"{display_path(folder)} is not a run folder (no tables/)")
            diff = run_report.compare_runs(a, b)
            out = resolve(args.out) if args.out else OUTPUTS / "comparisons" / f"{a.name}__vs__{b.name}.csv"
            made = not out.parent.exists()
            out.parent.mkdir(parents=True, exist_ok=True)
            if out.exists() and out.name not in (manifest.read_manifest(out.parent) or manifest.Manifest()).files:
                raise PipelineError(f"{display_path(out)} exists and was not made by make compare; nothing written")
            diff.to_csv(out, index=False)
            manifest.record_made(out.parent, [out.name], "comparisons", made_folder=made)
            if diff.empty:
                print(f"{display_path(a)} and {display_path(b)} agree on every compared value")
            else:
                with pd.option_context("display.width", 200, "display.max_rows", 500):
                    print(diff.to_string(index=False))
            print(f"wrote {display_path(out)}")
        elif args.command == "clean":
            clean(dry=args.dry_run)
        elif args.command == "inspect":
            return _inspect_command(args.raw, _parameters(args.parameter))
        else:
            refresh()
    except (PipelineError, manifest.ManifestError) as err:
        print(f"pipeline stopped: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a folder that cannot be written, a file where a folder should be
        print(f"pipeline stopped: {err.strerror or err}: {display_path(err.filename or '')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
