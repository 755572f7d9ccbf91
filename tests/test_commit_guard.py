"""The guard that keeps a real export's aggregates out of committed notebooks."""

from __future__ import annotations

import json

import nbformat
import pytest

from lib.chain import commit_guard, notebooks, pipeline


def notebook(path, text: str, injected: bool = False):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(source)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nb.cells = [cell]
    if injected:
        p = nbformat.v4.new_code_cell("raw_path = 'x'")
        p.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(0, p)
    nbformat.write(nb, path)
    return path


def test_source_lines_say_what_the_data_are():
    assert commit_guard.source_line(2023, "data/raw/calls_2023.parquet").startswith("data source: synthetic log")
    assert commit_guard.NOT_SYNTHETIC in commit_guard.source_line(None, "data/raw/export.csv")


def test_a_notebook_run_on_the_synthetic_log_may_be_committed(tmp_path):
    ok = notebook(tmp_path / "01_a.ipynb", commit_guard.source_line(2023, "data/raw/calls_2023.parquet") + "\n")
    assert commit_guard.problems(ok) == []
    assert commit_guard.main([str(ok)]) == 0


@pytest.mark.parametrize(
    "text, injected, reason",
    [
        (commit_guard.source_line(None, "data/raw/export.csv"), False, "real export"),
        ("Anrop i loggen 4 008\n", False, "do not say they come from the synthetic log"),
        (commit_guard.source_line(2023, "data/raw/calls_2023.parquet"), True, "executed copy from a run"),
    ],
)
def test_other_notebooks_are_refused_with_the_reason(tmp_path, capsys, text, injected, reason):
    bad = notebook(tmp_path / "02_b.ipynb", text, injected)
    assert any(reason in p for p in commit_guard.problems(bad))
    assert commit_guard.main([str(bad)]) == 1
    assert "refused: 02_b.ipynb" in capsys.readouterr().err


def test_the_primer_shows_no_data_and_needs_no_source_line(tmp_path):
    assert commit_guard.problems(notebook(tmp_path / "00_primer.ipynb", "16 agents\n")) == []


def test_the_committed_notebooks_pass_the_guard():
    from lib.core.paths import NOTEBOOKS

    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert commit_guard.problems(path) == [], path.name
        assert json.loads(path.read_text())["cells"]


def test_refreshing_refuses_when_the_default_log_is_not_the_synthetic_one(monkeypatch):
    import lib.calllog.synthetic

    monkeypatch.setattr(lib.calllog.synthetic, "synthetic_seed", lambda path: None)
    with pytest.raises(pipeline.PipelineError, match="is not the synthetic log"):
        notebooks.refresh()
