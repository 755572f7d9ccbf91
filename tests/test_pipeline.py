"""The papermill driver: parameter routing, failure reports, scrubbing, deterministic Excel."""

from __future__ import annotations

import hashlib
import json
import time

import nbformat
import pandas as pd
import pytest
from frames import notebook as _notebook

from lib.chain import cli, notebooks, parameters, pipeline
from lib.report import workbook


@pytest.fixture
def chain(tmp_path):
    a = _notebook(tmp_path / "01_a.ipynb", "x = 1\nraw_path = 'a'", "print(x, raw_path)")
    b = _notebook(tmp_path / "02_b.ipynb", "y = 2", "print(y)")
    return [a, b]


def test_notebooks_are_found_in_number_order(tmp_path, chain):
    (tmp_path / "notes.ipynb").write_text("{}")
    assert notebooks.notebooks(tmp_path) == chain


def test_parameters_reach_only_the_notebooks_that_declare_them(chain):
    routed = parameters.route_parameters({"x": 5, "y": 7}, chain)
    assert routed == {chain[0]: {"x": 5}, chain[1]: {"y": 7}}


def test_a_parameter_no_notebook_declares_is_an_error(chain):
    with pytest.raises(pipeline.PipelineError, match="unknown parameter 'typo'"):
        parameters.route_parameters({"typo": 1}, chain)


def test_command_line_values_are_literals_or_strings():
    assert parameters.parse_value("0.75") == 0.75
    assert parameters.parse_value("quarantine") == "quarantine"
    assert parameters.parse_value("None") is None


def test_a_failing_notebook_names_notebook_cell_and_error(tmp_path):
    bad = _notebook(tmp_path / "03_bad.ipynb", "z = 0", "1 / z")
    with pytest.raises(pipeline.PipelineError) as err:
        notebooks.execute(bad, tmp_path / "out" / bad.name, {})
    msg = str(err.value)
    assert "03_bad.ipynb" in msg and "cell 1" in msg and "ZeroDivisionError" in msg


def test_run_executes_in_order_scrubs_and_renders(tmp_path):
    raw = tmp_path / "raw.csv"
    raw.write_text("call_id\n1\n")
    write = "from lib.core.paths import resolve\nimport pandas as pd\n(resolve(outputs_dir) / 'tables').mkdir(parents=True)\n"
    write += "pd.DataFrame({'a': [1.5, 2.0]}).to_csv(resolve(outputs_dir) / 'tables' / 't.csv', index=False)"
    nbs = [
        _notebook(tmp_path / "01_a.ipynb", "x = 1\nraw_path = 'a'", "print(x, raw_path)"),
        _notebook(tmp_path / "02_b.ipynb", "outputs_dir = 'outputs'", write),
    ]
    out = tmp_path / "outputs"
    report = pipeline.run({"x": 3, "raw_path": str(raw)}, out, tmp_path / "processed", nbs=nbs)
    assert list(report.seconds) == ["01_a.ipynb", "02_b.ipynb"]
    executed = nbformat.read(out / "notebooks" / "01_a.ipynb", as_version=4)
    assert "papermill" not in executed.metadata
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in executed.cells)
    assert "3 " in "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    # the executed copy keeps papermill's record of the parameters it ran with
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    # ... naming the folders its files are in after the run, not the staging folder it wrote to
    second = nbformat.read(out / "notebooks" / "02_b.ipynb", as_version=4)
    injected = next(c for c in second.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert ".staging" not in injected.source.replace(notebooks.STAGED_NOTE, "")
    assert f"outputs_dir = {json.dumps(pipeline._as_parameter(out))}" in injected.source
    assert injected.source.rstrip().endswith(notebooks.STAGED_NOTE)
    assert "x = 3" in "".join(c.source for c in executed.cells)  # other parameters as they were
    assert ".staging" not in (out / "html" / "02_b.html").read_text().replace(".staging/ inside", "")
    page = (out / "html" / "01_a.html").read_text()
    assert page.lstrip().startswith("<!DOCTYPE html>") and "Run information" in page
    assert pd.read_excel(out / "tables" / "results.xlsx", sheet_name="t")["a"].tolist() == [1.5, 2.0]


def test_a_missing_call_log_stops_the_run_before_anything_runs(tmp_path, chain):
    with pytest.raises(pipeline.PipelineError, match="does not exist; nothing was run"):
        pipeline.run({"x": 3}, tmp_path / "outputs", tmp_path / "processed", nbs=chain)
    assert not (tmp_path / "outputs").exists()


def test_excel_workbook_is_byte_identical_across_runs(tmp_path):
    pd.DataFrame({"row": ["a", "b"], "I": [1.25, 3.5]}).to_csv(tmp_path / "t1.csv", index=False)
    digests = []
    for i in range(2):
        if i:
            time.sleep(1.1)  # openpyxl stamps the save time in whole seconds
        out = workbook.write_workbook(tmp_path, tmp_path / f"r{i}.xlsx", None)
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_scrub_merges_stream_chunks(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1); print(2)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="1\n"),
        nbformat.v4.new_output("stream", name="stdout", text="2\n"),
        nbformat.v4.new_output("stream", name="stderr", text="w\n"),
    ]
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    nb.cells = [cell]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    notebooks.scrub(path)
    out = nbformat.read(path, as_version=4).cells[0]
    assert [(o.name, o.text) for o in out.outputs] == [("stdout", "1\n2\n"), ("stderr", "w\n")]
    assert "execution" not in out.metadata


# --- assumption overrides: checked before anything runs, one dict for every notebook ---------


@pytest.fixture
def chain_with_overrides(tmp_path):
    a = _notebook(tmp_path / "01_a.ipynb", "x = 1\noverrides = {}", "print(x, overrides)")
    b = _notebook(tmp_path / "02_b.ipynb", "overrides = {}", "print(overrides)")
    c = _notebook(tmp_path / "03_c.ipynb", "y = 2", "print(y)")
    return [a, b, c]


def test_assumption_parameters_reach_every_notebook_as_one_overrides_dict(chain_with_overrides):
    a, b, c = chain_with_overrides
    routed = parameters.route_parameters(
        {"chat_share_last_year": 0.4, "x": 5, "excluded_districts": "Trøndelag,Oslo"}, chain_with_overrides
    )
    overrides = {"chat_share_last_year": 0.4, "excluded_districts": "Trøndelag,Oslo"}
    assert routed == {a: {"x": 5, "overrides": overrides}, b: {"overrides": overrides}, c: {}}


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("chat_share_last_year", "40%", "chat_share_last_year='40%' is not a finite number"),
        ("max_occupancy", "1.7", r"max_occupancy=1.7 is out of range; allowed: \(0, 1\]"),
        ("chat_share_lst_year", "0.4", "did you mean 'chat_share_last_year'"),
    ],
)
def test_a_bad_assumption_stops_the_run_before_any_notebook_writing_nothing(
    tmp_path, chain_with_overrides, name, value, message
):
    out = tmp_path / "outputs"
    with pytest.raises(pipeline.PipelineError, match=message):
        pipeline.run({name: parameters.parse_value(value)}, out, tmp_path / "processed", nbs=chain_with_overrides)
    assert not out.exists()


def test_check_command_refuses_a_bad_value_with_a_clear_message(capsys):
    assert cli.main(["check", "-p", "chat_share_last_year", "40%"]) == 1
    err = capsys.readouterr().err
    assert "chat_share_last_year='40%'" in err and "0.4 for 40 %" in err and "Traceback" not in err
    assert cli.main(["check", "-p", "chat_share_last_year", "0.4"]) == 0
    assert "chat_share_last_year" in capsys.readouterr().out


#: A kernel that is inside an event loop when the run ends, SIGINT no longer ignored (as a GUI
#: loop leaves it): jupyter_client's interrupt before the shutdown request made it log
#: "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel" on a run that succeeded.
BUSY_LOOP = """import signal, time
from ipykernel.eventloops import register_integration

@register_integration("busy")
def busy(kernel):
    signal.signal(signal.SIGINT, signal.default_int_handler)
    time.sleep(0.5)

get_ipython().run_line_magic("gui", "busy")"""


def test_a_successful_run_stops_its_kernel_without_a_keyboard_interrupt(tmp_path, capfd):
    nb = _notebook(tmp_path / "01_loop.ipynb", "x = 1", BUSY_LOOP)
    notebooks.execute(nb, tmp_path / "out.ipynb", {})
    captured = capfd.readouterr()
    assert "KeyboardInterrupt" not in captured.err + captured.out
    assert issubclass(notebooks.CleanShutdownKernelManager, notebooks.AsyncKernelManager)
