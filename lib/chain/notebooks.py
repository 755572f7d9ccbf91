"""The numbered notebooks and how one is executed: found in number order, their declared
parameters read with papermill, executed with papermill (working directory ``notebooks/``),
scrubbed of run-dependent metadata (timings, split stream chunks) so reruns give the same
bytes, rendered as HTML with the run information on top, and the committed notebooks
refreshed in place (``make notebooks``: their writes go to a temporary folder)."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError

from lib.chain import runs
from lib.chain.errors import PipelineError
from lib.core.paths import NOTEBOOKS, display_path, resolve

KERNEL = "python3"


#: The kernel logs only errors: its start-up warning about local TCP transport is noise on an
#: analyst's terminal.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


class CleanShutdownKernelManager(AsyncKernelManager):
    """A kernel manager that stops a kernel with its shutdown request alone (and SIGTERM if it
    does not answer), never with the interrupt (SIGINT) jupyter_client sends first: a kernel
    still in an event loop or a message handler then logs "[IPKernelApp] ERROR |
    KeyboardInterrupt caught in kernel" on a run that succeeded, an error at level ERROR that
    ``log_level`` cannot hide without hiding real ones. An interrupt asked for while the kernel
    runs (a cell's timeout) still goes through."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel


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
            kernel_manager_class=CleanShutdownKernelManager,
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
            cell.outputs = [_widget_placeholder(o) for o in _coalesce_streams(cell.outputs)]
    nb.metadata.pop("widgets", None)  # the widgets' state: a live page's, not the notebook's
    if drop_injected:
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    nbformat.write(nb, path)


#: The note under the folder parameters of an executed notebook's injected-parameters cell.
STAGED_NOTE = "# (the run wrote into .staging/ inside these folders and moved its files here when it succeeded)"


def show_final_parameters(path: Path, shown: dict[str, str]) -> None:
    """Rewrite the values of the parameters ``shown`` (name → value as text) in papermill's
    injected-parameters cell of the executed notebook ``path``, as ``name = "value"``, with
    :data:`STAGED_NOTE` under them: the run hands its staging folders to the notebooks (and
    writes there), but a reader of the executed copy should see the folders the files are in
    after the run. Only the cell's text changes; the outputs stay as executed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if "injected-parameters" not in cell.metadata.get("tags", []):
            continue
        lines = []
        for line in cell.source.splitlines():
            name = line.split("=", 1)[0].strip() if "=" in line else ""
            if name in shown:
                line = f"{name} = {json.dumps(shown[name], ensure_ascii=False)}"
                changed = True
            if line != STAGED_NOTE:
                lines.append(line)
        if changed:
            lines.append(STAGED_NOTE)
        cell.source = "\n".join(lines) + "\n"
    if changed:
        nbformat.write(nb, path)


#: The MIME type of a displayed ipywidget (its model id differs on every run).
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: What a saved notebook shows instead of a live widget.
WIDGET_PLACEHOLDER = "(interactive page: run the notebook in JupyterLab, or `make app` to open it in the browser)"


def _widget_placeholder(out: dict) -> dict:
    """A displayed widget as a fixed line of text: its model id and its long text form change on
    every run, and without a kernel a saved widget cannot be shown anyway."""
    if WIDGET_MIME not in out.get("data", {}):
        return out
    return nbformat.v4.new_output("display_data", data={"text/plain": WIDGET_PLACEHOLDER})


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


def refresh(nbs: list[Path] | None = None) -> RunReport:
    """Re-execute the committed notebooks in place with their defaults and scrub them.

    What they write goes to a temporary folder (``KONTAKT_WRITE_ROOT``), never to the
    user's outputs/ or data/processed/. Refuses unless notebook 01's default call log is
    the synthetic one, so committed outputs never carry a real export's aggregates.
    """
    from lib.calllog.synthetic import synthetic_seed

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
                # Executed beside the scratch files and moved over the committed notebook only
                # when every cell ran: a failed refresh leaves the committed outputs as they were.
                done = Path(scratch) / nb.name
                shutil.copy2(nb, done)
                report.seconds[nb.name] = execute(done, done, {})
                scrub(done, drop_injected=True)
                shutil.copyfile(done, nb)
                report.written.append(nb)
        finally:
            if previous is None:
                os.environ.pop("KONTAKT_WRITE_ROOT", None)
            else:
                os.environ["KONTAKT_WRITE_ROOT"] = previous
    return report
