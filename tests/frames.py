"""Small hand-made input tables shared by the tests (imported as ``from frames import ...``)."""

from __future__ import annotations

import pandas as pd


def rates_frame(calls, aht, districts=("Oslo", "Agder"), start="2023-01-02 08:00"):
    """A hand-made interface-3 table: calls[b][h] calls per hour, aht[b][h] seconds."""
    hours = pd.date_range(start, periods=len(calls[0]), freq="h", tz="Europe/Oslo")
    rows = [
        {
            "district": d,
            "hour_start": t,
            "hour": t.hour,
            "day_type": "weekday",
            "rate_per_hour": float(calls[i][j]),
            "aht_s": float(aht[i][j]),
        }
        for i, d in enumerate(districts)
        for j, t in enumerate(hours)
    ]
    return pd.DataFrame(rows)


def notebook(path, params_src: str, body: str):
    """A two-cell notebook at ``path``: a tagged ``parameters`` cell and a body cell."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params_src)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


#: The report's year, outlier threshold (seconds) and excluded districts, as plain values
#: for lib.calllog.clean_call_log.
CLEANING_SETTINGS = {"year": 2023, "outlier_threshold_s": 1800.0, "excluded_districts": ("Trøndelag",)}


def call_row(
    call_id="C1",
    district="Oslo",
    queue="sentralbord",
    arrived_at="2023-02-01 10:00:00",
    wait_s="10",
    talk_s="120",
    answered="true",
):
    """One call of the contract as text fields, in the contract's column order."""
    return [call_id, district, queue, arrived_at, wait_s, talk_s, answered]


#: The body of a fake chain's notebook: a table and a figure in the outputs folder, two
#: processed files, through the same folder parameters the real notebooks use.
FAKE_BODY = """
from pathlib import Path
from lib.core.paths import resolve
out = resolve(outputs_dir) / "tables"; out.mkdir(parents=True, exist_ok=True)
(out / "{name}.csv").write_text("value\\n" + str({value}) + "\\n")
fig = resolve(outputs_dir) / "figures"; fig.mkdir(parents=True, exist_ok=True)
(fig / "{name}.png").write_bytes(b"png {value}")
proc = resolve(processed_dir); proc.mkdir(parents=True, exist_ok=True)
(proc / "calls_clean.parquet").write_text("{name}")
(proc / "arrival_rates.parquet").write_text("{name}")
"""


def fake_chain(folder, value=1, fail_second=False, second_body=None):
    """Two tiny notebooks standing in for the real chain (fast): ``01_a`` and ``02_b`` each
    write ``tables/<a|b>.csv`` (holding ``value``), ``figures/<a|b>.png`` and two processed
    files; ``fail_second``: ``02_b`` divides by zero instead; ``second_body``: its code."""
    folder.mkdir(exist_ok=True)
    params = 'raw_path = "raw.csv"\noutputs_dir = "outputs"\nprocessed_dir = "data/processed"\noverrides = {}'
    a = notebook(folder / "01_a.ipynb", params, FAKE_BODY.format(name="a", value=value))
    body = "1 / 0" if fail_second else (second_body or FAKE_BODY.format(name="b", value=value))
    b = notebook(folder / "02_b.ipynb", 'outputs_dir = "outputs"\nprocessed_dir = "data/processed"', body)
    return [a, b]


def in_process_execute(nb, out, parameters):
    """:func:`lib.chain.notebooks.execute` without a kernel, for the tests of the run machinery
    (locks, staging, manifests, failures), whose notebooks are two-cell stand-ins: the
    parameters are injected as papermill injects them, every code cell is run in this process
    in one namespace, and the executed notebook is written to ``out``. A failing cell raises
    the :class:`lib.chain.errors.PipelineError` the real execution raises (papermill's
    execution error as :func:`lib.chain.notebooks._failure_message` words it). The real
    execution through papermill and a kernel has tests of its own (tests/test_pipeline.py) and
    runs every notebook in nbval and in the golden chain run. About 1 s faster per notebook."""
    import time
    import traceback

    import nbformat
    from IPython.display import display
    from papermill.exceptions import PapermillExecutionError
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from lib.chain import notebooks
    from lib.chain.errors import PipelineError

    start = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    book = parameterize_notebook(load_notebook_node(str(nb)), parameters)
    namespace = {"__name__": "__main__", "display": display}
    for i, cell in enumerate(book.cells):
        if cell.cell_type != "code":
            continue
        try:
            exec(compile(cell.source, f"<{nb.name} cell {i}>", "exec"), namespace)
        except Exception as err:
            cell.outputs = [nbformat.v4.new_output("error", ename=type(err).__name__, evalue=str(err), traceback=[])]
            nbformat.write(book, out)
            failed = PapermillExecutionError(i, i, cell.source, type(err).__name__, str(err), traceback.format_exc())
            raise PipelineError(notebooks._failure_message(nb, failed)) from None
    nbformat.write(book, out)
    return time.perf_counter() - start
