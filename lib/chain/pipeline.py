"""Run the numbered notebooks in order with papermill: the whole analysis in one command.

A run (:func:`run`) executes ``notebooks/NN_*.ipynb`` in number order into
``outputs/notebooks/`` (the sources are never overwritten), renders each as HTML into
``outputs/html/``, and collects every result table of ``outputs/tables/`` into one Excel
workbook. Parameters given on the command line reach every notebook that declares them in
its ``parameters`` cell; a parameter no notebook declares is an error (papermill itself
would only warn). A parameter named like an assumption (a field of
:class:`lib.core.assumptions.Assumptions`) is checked before any notebook runs (type, range, a
"did you mean" for a misspelt name) and reaches every notebook as its ``overrides`` dict,
so all notebooks see the same assumptions. A failing notebook stops the chain with the
notebook, the cell and the error. The checks come
first, so a bad value writes nothing. The run's folders, staging, manifests and failures
are :mod:`lib.chain.runs`'; the command line is :mod:`lib.chain.cli`.
"""

from __future__ import annotations

import ast
import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lib.chain import data_source, notebooks, runs
from lib.chain.errors import PipelineError
from lib.chain.notebooks import RunReport
from lib.chain.parameters import FOLDER_PARAMETERS, check_assumptions, parse_value, route_parameters
from lib.core import manifest, output_tables
from lib.core.assumptions import Assumptions
from lib.core.paths import OUTPUTS, display_path, resolve
from lib.report import note, workbook
from lib.report import run_info as run_report


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


def raw_input(params: dict[str, object], nbs: list[Path]) -> RawInput | None:
    """The call log this run reads: the ``raw_path`` given, else a notebook's default; refuses
    a name that names no file (:func:`lib.calllog.resolve_raw`) or a file that is not there."""
    from lib.calllog import CallLogError, resolve_raw

    given = params.get("raw_path")
    if given is None:
        defaults = [notebooks.declared_parameters(nb).get("raw_path") for nb in nbs]
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


class Terminated(KeyboardInterrupt):
    """The run was sent SIGTERM: handled like Ctrl-C (staging and lock cleaned up)."""


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """While the run holds its folders, SIGTERM raises :class:`Terminated` (a
    ``KeyboardInterrupt``), so a run stopped by ``kill`` cleans up its staging folders and
    lock like one stopped by Ctrl-C. Only in the main thread (where signals are handled)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(
    params: dict[str, object],
    outputs_dir: str | Path = OUTPUTS,
    processed_dir: str | Path | None = None,
    nbs: list[Path] | None = None,
    html: bool = True,
    start_from: str | None = None,
    inspect_first: bool | None = None,
) -> RunReport:
    """Execute the chain in order as one run into ``outputs_dir`` (see :mod:`lib.chain.runs`).

    Parameters are checked first; the run then locks its folders, writes into staging
    folders and replaces the previous results only when every notebook has succeeded. A
    failing notebook stops the chain: the previous results stay, the partial outputs go
    to ``failed_run/``, and the error names the notebook, the cell and where to look.
    ``processed_dir``: the run's call-level folder (default :func:`lib.chain.runs.default_processed`);
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
    all_nbs = notebooks.notebooks() if nbs is None else nbs
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
    raw = raw_input(params, all_nbs)
    if raw is not None and not before and inspect_first:
        _inspect(raw, params, overrides)
    report = RunReport()
    rows = runs.estimate_rows(raw.files) if raw is not None and not before else 0
    previous = runs.has_results(folders)
    try:
        with _terminate_like_interrupt(), runs.lock(folders, rerun=bool(before)) as made:
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
                _execute_run(to_run, routed, stage, report, folders)
                report.step = "the run's last step (run information, workbook, HTML)"
                _finish_run(
                    stage, raw, overrides, before, to_run, report, html, pdf=nbs is None, routed=routed, final=folders
                )
                report.step = "saving the run's results"
                runs.commit(folders, stage, made)
            except BaseException as err:
                raise PipelineError(_failed(err, folders, stage, report, rows, previous)) from None
    except manifest.ManifestError as err:
        raise PipelineError(str(err)) from None
    report.written = [folders.outputs / p.relative_to(stage.outputs) for p in report.written]
    return report


#: Notebook parameters that are not recorded as parameters in force: the folders (the run's own),
#: the call log (run information's raw_file) and the assumptions (recorded one by one).
NOT_RECORDED = (*FOLDER_PARAMETERS, "raw_path", "overrides")


def parameters_in_force(nbs: list[Path], routed: dict[Path, dict[str, object]] | None) -> dict[str, object]:
    """Every parameter of the notebooks ``nbs`` as it was in force: the value given
    (``routed``, :func:`lib.chain.parameters.route_parameters`) or the notebook's default;
    not :data:`NOT_RECORDED`. For the run information, so ``make compare`` can name them."""
    out: dict[str, object] = {}
    for nb in nbs:
        given = (routed or {}).get(nb, {})
        for name, default in notebooks.declared_parameters(nb).items():
            if name in NOT_RECORDED or name in out:
                continue
            out[name] = given[name] if name in given else parse_value(str(default))
    return out


def _earlier_parameters(final: runs.RunFolders | None, ran: dict[str, object]) -> dict[str, object]:
    """For a run from a later notebook (``FROM=``): the parameters the earlier notebooks ran
    with, from the previous run's information (the values as recorded), so the run information
    names every notebook's parameters, not only those of the notebooks run now (``ran``)."""
    path = None if final is None else final.outputs / run_report.RUN_INFO
    if path is None or not path.is_file():
        return {}
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    earlier = t[t["item"].str.startswith(run_report.PARAMETER)]
    return {
        name: parse_value(v)
        for item, v in zip(earlier["item"], earlier["value"], strict=True)
        if (name := item.removeprefix(run_report.PARAMETER)) not in ran
    }


def _expected_outputs(to_run: list[Path], html: bool, known_tables: bool) -> list[str]:
    """The files a run will write into its outputs folder that are known before it starts:
    the executed notebooks and their HTML, the run information, the run times, the workbook,
    and (for the project's own chain) every result table."""
    names = [f"notebooks/{nb.name}" for nb in to_run] + ([f"html/{nb.stem}.html" for nb in to_run] if html else [])
    names += [runs.RUN_INFO, runs.RUN_TIMES, runs.WORKBOOK, note.NOTE, note.PDF]
    if known_tables:
        names += [f"tables/{t.file}" for t in output_tables.registry().values()]
    return names


def _failed(
    err: BaseException,
    folders: runs.RunFolders,
    stage: runs.RunFolders,
    report: RunReport,
    rows: int,
    previous: bool = True,
) -> str:
    """Put a failed run away (:func:`lib.chain.runs.fail`) and say what happened: which notebook,
    what went wrong (a full disk as such, with the free space measured once the run's partial
    call-level data are gone), that the previous results stand (``previous``: there were some;
    else that there were none), and where this run's partial outputs are."""
    where = report.step
    if runs.is_disk_full(err):

        def message() -> str:
            return f"{where} stopped: {runs.full_disk_message(folders, rows)}"

        failed, text = runs.fail(folders, stage, message)
    else:
        if isinstance(err, PipelineError | manifest.ManifestError):
            text = str(err)
        elif isinstance(err, Terminated):
            text = f"{where} was stopped (SIGTERM)"
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
    shown_out = display_path(folders.outputs)
    before = (
        f"The previous results in {shown_out}/ are unchanged."
        if previous
        else f"There were no previous results in {shown_out}/; this run left none."
    )
    return f"{text}\n{before} {where_now}{rows_note}"


def _execute_run(
    to_run: list[Path],
    routed: dict[Path, dict[str, object]],
    stage: runs.RunFolders,
    report: RunReport,
    folders: runs.RunFolders,
) -> None:
    """Execute ``to_run`` in order into the staging folders; each executed copy's
    injected-parameters cell then names the run's final ``folders`` (where its files will be)."""
    final = {"outputs_dir": _as_parameter(folders.outputs), "processed_dir": _as_parameter(folders.processed)}
    for i, nb in enumerate(to_run, start=1):
        parameters = dict(routed[nb])
        declared = notebooks.declared_parameters(nb)
        if "outputs_dir" in declared:
            parameters["outputs_dir"] = _as_parameter(stage.outputs)
        if "processed_dir" in declared:
            parameters["processed_dir"] = _as_parameter(stage.processed)
        out = stage.outputs / "notebooks" / nb.name
        shown = {k: v for k, v in parameters.items() if k not in FOLDER_PARAMETERS}
        print(f"[{i}/{len(to_run)}] running {nb.name} {shown or ''}".rstrip(), flush=True)
        report.step = f"notebook {nb.name}"
        report.seconds[nb.name] = notebooks.execute(nb, out, parameters)
        notebooks.scrub(out)
        notebooks.show_final_parameters(out, {k: v for k, v in final.items() if k in parameters})
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
    pdf: bool = False,
    routed: dict[Path, dict[str, object]] | None = None,
    final: runs.RunFolders | None = None,
) -> None:
    """Run information, provenance, workbook, the note (``notat.html``, and ``notat.pdf`` with
    ``pdf`` where Chromium is installed), HTML and run times, all into the staging folders
    (``final``: the run's own folders, which the note names)."""
    tables = stage.outputs / "tables"
    info = None
    if raw is not None:
        if not before:
            runs.write_provenance(stage.processed, raw.files, _early(overrides))
        started = to_run[0].stem
        in_force = parameters_in_force(to_run, routed)
        info = run_report.run_info(
            raw.given,
            raw.files,
            tables,
            overrides,
            started,
            sum(report.seconds.values()),
            in_force | (_earlier_parameters(final, in_force) if before else {}),
        )
        info.to_csv(stage.outputs / run_report.RUN_INFO, index=False)
        report.written.append(stage.outputs / run_report.RUN_INFO)
    source = data_source.label(stage.processed)
    if tables.is_dir():
        report.written.append(workbook.write_workbook(tables, tables / "results.xlsx", info, source))
    page = note.write_note(stage.outputs, info, source, folder=None if final is None else final.outputs)
    report.written.append(page)
    if pdf:
        printed = note.write_pdf(page)
        if printed is not None:
            report.written.append(printed)
    if html:
        banner = "" if info is None else run_report.html_banner(info)
        for nb in sorted((stage.outputs / "notebooks").glob("*.ipynb")):
            page = stage.outputs / "html" / nb.with_suffix(".html").name
            if nb.stem in before and page.exists():
                continue  # kept from the previous run, with its own banner
            notebooks.render_html(nb, page, banner)
            report.written.append(page)
    (stage.outputs / "run_times.json").write_text(
        json.dumps({k: round(v, 1) for k, v in report.seconds.items()}, indent=2) + "\n"
    )
