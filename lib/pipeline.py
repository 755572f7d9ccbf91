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
import re
import sys
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
from papermill.exceptions import PapermillExecutionError

from lib.assumptions import Assumptions, unknown_name_message
from lib.paths import NOTEBOOKS, OUTPUTS, PROJ_ROOT, display_path, resolve

KERNEL = "python3"
#: The notebook parameter that carries assumption overrides (a dict name -> value).
OVERRIDES = "overrides"
# Excel stores creation/modification times and zip entry times; fixed so reruns are byte-identical.
FIXED_TIME = datetime(2024, 1, 1)


class PipelineError(RuntimeError):
    """A notebook of the chain failed; the message names the notebook, the cell and the error."""


@dataclass
class RunReport:
    """What a run did: seconds per notebook and the files written."""

    seconds: dict[str, float] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)


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
        raise PipelineError(f"parameter {OVERRIDES} must be a dict of assumption overrides, not {given!r}")
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
        raise PipelineError(f"assumption refused: {err}") from None
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
    routed = {nb: {k: v for k, v in rest.items() if k in declared[nb]} for nb in nbs}
    if overrides:
        for nb in nbs:
            if OVERRIDES in declared[nb]:
                routed[nb][OVERRIDES] = dict(overrides)
    return routed


def _failure_message(nb: Path, err: PapermillExecutionError) -> str:
    return (
        f"notebook {nb.name} failed in cell {err.cell_index} (execution count {err.exec_count}): "
        f"{err.ename}: {err.evalue}"
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
            progress_bar=False,
            log_output=False,
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


def render_html(nb_path: Path, out: Path) -> None:
    """Render an executed notebook as standalone HTML."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(nb_path))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip (xlsx) with fixed entry times, and the workbook's "modified" time that
    openpyxl stamps on every save, so identical content gives identical bytes."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    entries = [
        (
            name,
            re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data)
            if name == "docProps/core.xml"
            else data,
        )
        for name, data in entries
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def write_workbook(tables_dir: Path, out: Path) -> Path:
    """Every CSV of ``tables_dir`` as one sheet (named after the file) of an Excel workbook."""
    csvs = sorted(tables_dir.glob("*.csv"))
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for csv in csvs:
            pd.read_csv(csv).to_excel(writer, sheet_name=csv.stem[:31], index=False)
        writer.book.properties.created = FIXED_TIME
        writer.book.properties.modified = FIXED_TIME
    _fix_zip_times(out)
    return out


def run(
    params: dict[str, object], outputs_dir: Path = OUTPUTS, nbs: list[Path] | None = None, html: bool = True
) -> RunReport:
    """Execute the chain in order into ``outputs_dir``; stop at the first failing notebook."""
    nbs = notebooks() if nbs is None else nbs
    routed = route_parameters(params, nbs)
    report = RunReport()
    for nb in nbs:
        out = outputs_dir / "notebooks" / nb.name
        print(f"running {nb.name} {routed[nb] or ''}".rstrip(), flush=True)
        report.seconds[nb.name] = execute(nb, out, routed[nb])
        scrub(out)
        report.written.append(out)
        if html:
            page = outputs_dir / "html" / nb.with_suffix(".html").name
            render_html(out, page)
            report.written.append(page)
        print(f"  done in {report.seconds[nb.name]:.1f} s", flush=True)
    tables = outputs_dir / "tables"
    if tables.is_dir():
        report.written.append(write_workbook(tables, tables / "results.xlsx"))
    (outputs_dir / "run_times.json").write_text(
        json.dumps({k: round(v, 1) for k, v in report.seconds.items()}, indent=2) + "\n"
    )
    return report


def refresh(nbs: list[Path] | None = None) -> RunReport:
    """Re-execute the committed notebooks in place with their defaults and scrub them."""
    report = RunReport()
    for nb in notebooks() if nbs is None else nbs:
        print(f"refreshing {nb.name}", flush=True)
        report.seconds[nb.name] = execute(nb, nb, {})
        scrub(nb, drop_injected=True)
        report.written.append(nb)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.pipeline", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run notebooks in order into outputs/")
    r.add_argument("--raw", help="path of the call-log export (parameter raw_path)")
    r.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="papermill parameter for every notebook that declares it (repeatable)",
    )
    r.add_argument("--outputs", default="outputs", help="output folder (default: outputs)")
    r.add_argument("--no-html", action="store_true", help="skip the HTML rendering")
    sub.add_parser("refresh", help="re-execute the committed notebooks in place")
    c = sub.add_parser("check", help="check parameters and assumption overrides; run nothing")
    c.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            routed = route_parameters({k: parse_value(v) for k, v in args.parameter}, notebooks())
            overrides = next((r[OVERRIDES] for r in routed.values() if OVERRIDES in r), {})
            print("parameters accepted" + (f"; assumptions overridden: {overrides}" if overrides else ""))
        elif args.command == "run":
            params = {k: parse_value(v) for k, v in args.parameter}
            if args.raw:
                # Relative paths are taken from the project root (make runs there); keep them
                # relative so executed notebooks show no machine-specific absolute path.
                raw = Path(args.raw)
                params["raw_path"] = args.raw if raw.is_absolute() or (PROJ_ROOT / raw).exists() else str(raw.resolve())
            outputs_dir = resolve(args.outputs)
            if outputs_dir != OUTPUTS:
                params.setdefault("outputs_dir", str(outputs_dir))
            report = run(params, outputs_dir, html=not args.no_html)
            print("seconds per notebook: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
            print(f"outputs in {display_path(outputs_dir)}/ (tables/, figures/, notebooks/, html/)")
        else:
            refresh()
    except PipelineError as err:
        print(f"pipeline stopped: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
